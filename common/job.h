/* Jobs of a Space: the queue (newest push wins), the detached worker that runs
 * them one at a time, and the log a pusher follows. */
#ifndef SP_JOB_H
#define SP_JOB_H

#include <sys/types.h>

#include "buf.h"
#include "engine.h"
#include "settings.h"
#include "space.h"
#include "store.h"

/*
 * Files in the Space's state directory (see store.h):
 *   queue         "<job id> <commit> <flags> <queued at>": the one job waiting
 *   queue.lock    flock taken around every change of the queue
 *   repo          path of the Space's bare repository (see store.h)
 *   worker.pid    pid of the worker holding the Space lock
 *   worker.log    what the worker process itself printed (crash reports)
 *   logs/<id>.log     the job's output as the pusher sees it (redacted)
 *   logs/<id>.status  "<STAGE> <one line>" once the job has ended
 */

#define SP_JOB_ID_MAX 64

/* Job flags. */
#define SP_JOB_NO_CACHE                                                        \
	0x1 /* build without the build cache (factory rebuild) */
#define SP_JOB_RESTART                                                         \
	0x2 /* no build: run the serving image again (new environment) */

/*
 * Queue a job for `commit` of the Space, replacing a job queued before (its
 * follower is told it was superseded). Records `repo_path` for the worker.
 * `id_out` gets the new job's id. With SP_JOB_RESTART while a build is
 * already queued, nothing is added and `id_out` gets that build's id (it
 * will run with the new environment anyway).
 */
int sp_job_enqueue(char id_out[SP_JOB_ID_MAX], sp_store *store,
                   const char *repo_path, const char *commit, unsigned flags);

/*
 * Start `spacehook worker SPACE` detached (own session, not a child of the
 * caller), its own output appended to the Space's worker.log.
 */
int sp_job_start_worker(const sp_space *space, sp_store *store);

/*
 * Copy the job's log to `fd` as it grows, until the job ends, its control
 * characters escaped for a terminal (sp_term_escape); `stage_out`
 * (may be NULL) gets its final stage (a Hugging Face stage name, or
 * SUPERSEDED / LOST when no worker finished it). Returns 0 when the job
 * ended RUNNING or was superseded, SP_ERROR otherwise.
 */
int sp_job_follow(sp_buf *stage_out, sp_store *store, const char *id, int fd);

/*
 * The worker: take the Space's lock (return at once when another worker
 * has it) and run queued jobs until the queue is empty.
 */
int sp_job_work(const sp_space *space);

/*
 * Restart the Space's running container with its current secrets and
 * variables (after `spacehook secrets set`, as Hugging Face does), following
 * the job's log on stderr. A Space with nothing serving is left alone and 0
 * is returned; `message` (may be NULL) gets one line saying what was done.
 */
int sp_job_restart(const sp_settings *settings, const sp_space *space,
                   sp_buf *message);

/*
 * Queue a job for the Space's current commit (or its repository's deploy
 * branch) and start a worker: `spacehook rebuild` and `restart`. `id_out`
 * gets the job id.
 */
int sp_job_submit(char id_out[SP_JOB_ID_MAX], const sp_settings *settings,
                  const sp_space *space, unsigned flags);

/*
 * The pid of the Space's worker (worker.pid) when that process is really
 * it: its executable is the spacehook program (same file) and its command
 * line exactly "<program> worker <space id>"; 0 otherwise (no pid file, a
 * dead or recycled pid, any other process).
 */
pid_t sp_job_worker_pid(sp_store *store);

/*
 * Cancel what the Space's worker does (`spacehook cancel`): drop the queued
 * job (its follower is told), send the worker SIGTERM so it stops the build
 * or deploy and keeps the previous version serving, and wait up to
 * `wait_seconds` for it to leave. `*canceled` (may be NULL) gets how many
 * jobs were stopped or dropped.
 */
int sp_job_cancel(int *canceled, sp_store *store, int wait_seconds);

/*
 * Stop the Space and keep it stopped across pushes (PAUSED), or with
 * `paused` 0 clear that mark (the caller then submits a job to start it).
 */
int sp_job_pause(const sp_settings *settings, sp_store *store, int paused);

/*
 * Collect what the Space no longer needs: containers other than the serving
 * one, images other than the serving and the previous one. Adds counts to
 * `*containers` and `*images`.
 */
int sp_job_gc(const sp_settings *settings, sp_store *store, int *containers,
              int *images);

/*
 * Make the Space's record match what the engine runs, when no worker holds
 * the Space (`spacehook status`): a stage of a job under way whose worker
 * died, or RUNNING while the container is gone or stopped, becomes the stage
 * that is true, with an error saying what happened. `state` is updated and
 * saved; `*changed` (may be NULL) says whether anything changed.
 */
int sp_job_reconcile(int *changed, sp_store *store, sp_engine *engine,
                     sp_state *state);

/*
 * Forget the Space: cancel its job, remove its containers, images and
 * network (and its /data volume when `data`), then its state directory:
 * record, secrets, variables, logs and the binding to its repository. The
 * next push to an id that maps there starts anew. What was removed is
 * appended to `report` as one line.
 */
int sp_job_forget(const sp_settings *settings, sp_store *store, int data,
                  sp_buf *report);

#endif
