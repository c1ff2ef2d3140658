/* The job queue of a Space (newest push wins), the names of job logs, and
 * following a job's log as it grows. */
#ifndef SP_QUEUE_H
#define SP_QUEUE_H

#include "buf.h"
#include "repo.h"
#include "store.h"

/*
 * Files in the Space's state directory (see store.h):
 *   queue         "<job id> <commit> <flags> <queued at>": the one job waiting
 *   queue.lock    flock taken around every change of the queue
 *   logs/<id>.log     the job's output as the pusher sees it (redacted)
 *   logs/<id>.status  "<STAGE> <one line>" once the job has ended
 * Only the newest SP_QUEUE_KEEP_LOGS job logs are kept.
 */

#define SP_JOB_ID_MAX 64
#define SP_QUEUE_KEEP_LOGS 20

/* Job flags. */
#define SP_JOB_NO_CACHE                                                        \
	0x1 /* build without the build cache (factory rebuild) */
#define SP_JOB_RESTART                                                         \
	0x2 /* no build: run the serving image again (new environment) */

/* A queued job. */
typedef struct {
	char id[SP_JOB_ID_MAX];        /* "<time>-<commit12>-<pid>" */
	char commit[SP_OID_HEXSZ + 1]; /* full commit id */
	unsigned flags;                /* SP_JOB_* */
	long long queued_at;           /* seconds since the epoch */
} sp_queue_entry;

/*
 * Queue a job for `commit` of the Space, replacing a job queued before (its
 * follower is told it was superseded). Records `repo_path` (may be NULL) as
 * the Space's repository (sp_store_bind). `id_out` gets the new job's id.
 * With SP_JOB_RESTART while a build is already queued, nothing is added and
 * `id_out` gets that build's id (it will run with the new environment
 * anyway). Old job logs are rotated.
 */
int sp_queue_enqueue(char id_out[SP_JOB_ID_MAX], sp_store *store,
                     const char *repo_path, const char *commit, unsigned flags);

/*
 * The queued job into `out`, left queued; SP_ENOTFOUND when none. A damaged
 * queue file is removed (SP_EINVALID).
 */
int sp_queue_peek(sp_queue_entry *out, sp_store *store);

/* Take the queued job into `out`; SP_ENOTFOUND when none. */
int sp_queue_dequeue(sp_queue_entry *out, sp_store *store);

/* Whether the job `id` is the one queued (not yet taken by a worker). */
int sp_queue_still_queued(sp_store *store, const char *id);

/*
 * Drop the queued job, if any: its log gets "spacehook: <line>", its status
 * "<stage> <status>"; `*dropped` gets 1, or 0 when nothing was queued.
 */
int sp_queue_drop(int *dropped, sp_store *store, const char *stage,
                  const char *line, const char *status);

/* The name of a job's file relative to the Space's directory:
 * logs/<id>.<ext> (`ext` "log" or "status"). */
void sp_queue_log_name(sp_buf *out, const char *id, const char *ext);

/*
 * Open the job's log for appending (created 0600): the fd, or a negative
 * error.
 */
int sp_queue_log_open(sp_store *store, const char *id);

/* Append `text` to the job's log. */
int sp_queue_log_append(sp_store *store, const char *id, const char *text);

/* End the job: logs/<id>.status gets "<stage> <line>". */
int sp_queue_write_status(sp_store *store, const char *id, const char *stage,
                          const char *line);

/*
 * Copy the job's log to `fd` as it grows, until the job ends, its control
 * characters escaped for a terminal (sp_term_escape); `stage_out`
 * (may be NULL) gets its final stage (a Hugging Face stage name, or
 * SUPERSEDED / LOST when no worker finished it). Returns 0 when the job
 * ended RUNNING or was superseded, SP_ERROR otherwise.
 */
int sp_queue_follow(sp_buf *stage_out, sp_store *store, const char *id, int fd);

/* Write all of `data` to `fd` (EINTR retried): 0 or -1. */
int sp_queue_write_all(int fd, const char *data, size_t len);

#endif
