/* The job queue of a Space: one job waiting (newest push wins), job logs
 * and their rotation, and following a job's log. */
#include "queue.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "banned.h"
#include "error.h"
#include "term.h"
#include "worker.h"

#define QUEUE_START_GRACE                                                      \
	15 /* seconds a queued job may wait for its worker to appear */

void sp_queue_log_name(sp_buf *out, const char *id, const char *ext)
{
	sp_buf_clear(out);
	sp_buf_printf(out, "logs/%s.%s", id, ext);
}

static int queue_lock(sp_store *store)
{
	int fd = sp_store_openat(store, "queue.lock", O_RDWR | O_CREAT, 0600);

	if (fd >= 0)
		while (flock(fd, LOCK_EX) < 0 && errno == EINTR)
			;
	return fd;
}

static void queue_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* Read the queued job; SP_ENOTFOUND when none. Caller holds the queue lock. */
static int queue_read(sp_queue_entry *out, sp_store *store)
{
	sp_buf text = SP_BUF_INIT;
	int error;

	memset(out, 0, sizeof(*out));
	if ((error = sp_store_readat(&text, store, "queue", 4096)) < 0)
		goto done;
	if (sscanf(text.ptr, "%63s %40s %u %lld", out->id, out->commit,
	           &out->flags, &out->queued_at) != 4 ||
	    strlen(out->commit) != SP_OID_HEXSZ) {
		error =
		    sp_error_set(SP_EINVALID, "damaged queue file '%s/queue'",
		                 sp_store_dir(store));
		sp_store_unlinkat(store, "queue");
	}
done:
	sp_buf_dispose(&text);
	return error;
}

int sp_queue_write_status(sp_store *store, const char *id, const char *stage,
                          const char *line)
{
	sp_buf path = SP_BUF_INIT, text = SP_BUF_INIT;
	int error;

	sp_queue_log_name(&path, id, "status");
	sp_buf_printf(&text, "%s %s\n", stage, line ? line : "");
	error = sp_store_writeat(store, path.ptr, text.ptr, text.size, 0600);
	sp_buf_dispose(&path);
	sp_buf_dispose(&text);
	return error;
}

int sp_queue_log_append(sp_store *store, const char *id, const char *text)
{
	int fd = sp_queue_log_open(store, id), error = 0;

	if (fd < 0)
		return fd;
	if (sp_queue_write_all(fd, text, strlen(text)) < 0)
		error = sp_error_set_os(SP_EIO,
		                        "cannot write the log of job '%s'", id);
	close(fd);
	return error;
}

static int queue_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Keep the newest SP_QUEUE_KEEP_LOGS job logs (ids sort by time). */
static void queue_rotate_logs(sp_store *store)
{
	sp_buf path = SP_BUF_INIT;
	char **names = NULL;
	size_t count = 0, alloc = 0;
	struct dirent *d;
	DIR *dh;

	if (sp_store_opendirat(&dh, store, "logs") < 0)
		goto done;
	while ((d = readdir(dh))) {
		size_t len = strlen(d->d_name);

		if (len < 5 || strcmp(d->d_name + len - 4, ".log"))
			continue;
		if (count == alloc) {
			char **grown;

			alloc = alloc ? alloc * 2 : 32;
			if (!(grown = realloc(names, alloc * sizeof(*names))))
				break;
			names = grown;
		}
		names[count++] = sp_strdup(d->d_name);
	}
	closedir(dh);
	if (count > SP_QUEUE_KEEP_LOGS) {
		qsort(names, count, sizeof(*names), queue_name_cmp);
		for (size_t i = 0; i < count - SP_QUEUE_KEEP_LOGS; i++) {
			sp_buf_clear(&path);
			sp_buf_printf(&path, "logs/%s", names[i]);
			sp_store_unlinkat(store, path.ptr);
			sp_buf_truncate(&path, path.size - 4);
			sp_buf_puts(&path, ".status");
			sp_store_unlinkat(store, path.ptr);
		}
	}
done:
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
	sp_buf_dispose(&path);
}

int sp_queue_enqueue(char id_out[SP_JOB_ID_MAX], sp_store *store,
                     const char *repo_path, const char *commit, unsigned flags)
{
	sp_buf text = SP_BUF_INIT, note = SP_BUF_INIT;
	sp_queue_entry prev;
	struct tm tm;
	time_t now = time(NULL);
	char stamp[32];
	int lock, error;

	if (strlen(commit) != SP_OID_HEXSZ)
		return sp_error_set(SP_EINVALID, "not a full commit id: '%s'",
		                    commit);
	if ((lock = queue_lock(store)) < 0)
		return lock;
	/* A push from another repository mapping to the same id never builds.
	 */
	if (repo_path && (error = sp_store_bind(store, repo_path, 0)) < 0)
		goto done;
	if (queue_read(&prev, store) == 0) {
		if ((flags & SP_JOB_RESTART) &&
		    !(prev.flags & SP_JOB_RESTART)) {
			memcpy(id_out, prev.id, SP_JOB_ID_MAX);
			error = 0;
			goto done;
		}
		sp_buf_printf(
		    &note,
		    "spacehook: superseded by a newer push (%.7s): only the "
		    "newest queued commit is built\n",
		    commit);
		sp_queue_log_append(store, prev.id, note.ptr);
		sp_buf_clear(&note);
		sp_buf_printf(&note, "by %.7s", commit);
		sp_queue_write_status(store, prev.id, "SUPERSEDED", note.ptr);
	}
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(id_out, SP_JOB_ID_MAX, "%s-%.12s-%ld", stamp, commit,
	         (long)getpid());
	/* The log exists from the start, so a follower never waits on a missing
	 * file. */
	if ((error = sp_queue_log_append(store, id_out, "")) < 0)
		goto done;
	sp_buf_printf(&text, "%s %s %u %lld\n", id_out, commit, flags,
	              (long long)now);
	error = sp_store_writeat(store, "queue", text.ptr, text.size, 0600);
	queue_rotate_logs(store);
done:
	queue_unlock(lock);
	sp_buf_dispose(&text);
	sp_buf_dispose(&note);
	return error;
}

int sp_queue_still_queued(sp_store *store, const char *id)
{
	sp_queue_entry e;
	int lock = queue_lock(store), queued;

	queued = queue_read(&e, store) == 0 && !strcmp(e.id, id);
	queue_unlock(lock);
	return queued;
}

int sp_queue_write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

int sp_queue_follow(sp_buf *stage_out, sp_store *store, const char *id, int fd)
{
	sp_buf log = SP_BUF_INIT, status = SP_BUF_INIT, text = SP_BUF_INIT,
	       shown = SP_BUF_INIT;
	sp_term term = SP_TERM_INIT;
	time_t started = time(NULL), last_check = 0;
	char stage[32] = "LOST";
	struct stat st;
	off_t offset = 0;
	int logfd = -1, error = SP_ERROR, done = 0, client = 1;

	sp_queue_log_name(&log, id, "log");
	sp_queue_log_name(&status, id, "status");
	for (;;) {
		char chunk[8192];
		ssize_t n;

		if (logfd < 0 &&
		    (logfd = sp_store_openat(store, log.ptr, O_RDONLY, 0)) < 0)
			logfd = -1;
		n = logfd >= 0 ? pread(logfd, chunk, sizeof(chunk), offset) : 0;
		if (n > 0) {
			offset += n;
			/*
			 * Build and app output reach a terminal: its control
			 * characters are shown, not obeyed. A pusher who went
			 * away stops the copy, not the job.
			 */
			sp_buf_clear(&shown);
			sp_term_escape(&shown, &term, chunk, (size_t)n);
			if (client &&
			    sp_queue_write_all(fd, shown.ptr, shown.size) < 0)
				client = 0;
			continue;
		}
		if (done)
			break;
		if (sp_store_statat(&st, store, status.ptr) == 0) {
			done = 1; /* read what was written before the status,
			             then stop */
			continue;
		}
		if (time(NULL) - last_check >= 2) {
			last_check = time(NULL);
			if (!sp_worker_pid(store) &&
			    (!sp_queue_still_queued(store, id) ||
			     time(NULL) - started > QUEUE_START_GRACE) &&
			    sp_store_statat(&st, store, status.ptr) < 0) {
				const char *msg =
				    "spacehook: error: the worker stopped "
				    "before the "
				    "job ended; see 'spacehook status' and "
				    "'spacehook rebuild'\n";
				sp_buf_clear(&shown);
				sp_term_finish(&shown, &term);
				sp_buf_puts(&shown, msg);
				if (client)
					sp_queue_write_all(fd, shown.ptr,
					                   shown.size);
				goto finish;
			}
		}
		usleep(40 * 1000);
	}
	sp_buf_clear(&shown);
	sp_term_finish(&shown, &term);
	if (client && shown.size)
		sp_queue_write_all(fd, shown.ptr, shown.size);
	if (sp_store_readat(&text, store, status.ptr, 4096) == 0)
		sscanf(text.ptr, "%31s", stage);
finish:
	if (stage_out)
		sp_buf_sets(stage_out, stage);
	if (!strcmp(stage, "RUNNING") || !strcmp(stage, "SUPERSEDED"))
		error = 0;
	if (logfd >= 0)
		close(logfd);
	sp_buf_dispose(&log);
	sp_buf_dispose(&status);
	sp_buf_dispose(&text);
	sp_buf_dispose(&shown);
	return error;
}

int sp_queue_peek(sp_queue_entry *out, sp_store *store)
{
	int lock = queue_lock(store), error;

	if (lock < 0)
		return lock;
	error = queue_read(out, store);
	queue_unlock(lock);
	return error;
}

int sp_queue_dequeue(sp_queue_entry *out, sp_store *store)
{
	int lock = queue_lock(store), error;

	if (lock < 0)
		return lock;
	if ((error = queue_read(out, store)) == 0)
		sp_store_unlinkat(store, "queue");
	queue_unlock(lock);
	return error;
}

int sp_queue_drop(int *dropped, sp_store *store, const char *stage,
                  const char *line, const char *status)
{
	sp_queue_entry queued;
	sp_buf text = SP_BUF_INIT;
	int lock;

	*dropped = 0;
	if ((lock = queue_lock(store)) < 0)
		return lock;
	if (queue_read(&queued, store) == 0) {
		sp_store_unlinkat(store, "queue");
		sp_buf_printf(&text, "spacehook: %s\n", line);
		sp_queue_log_append(store, queued.id, text.ptr);
		sp_queue_write_status(store, queued.id, stage, status);
		*dropped = 1;
	}
	queue_unlock(lock);
	sp_buf_dispose(&text);
	return 0;
}

int sp_queue_log_open(sp_store *store, const char *id)
{
	sp_buf path = SP_BUF_INIT;
	int fd;

	sp_queue_log_name(&path, id, "log");
	fd = sp_store_openat(store, path.ptr, O_WRONLY | O_APPEND | O_CREAT,
	                     0600);
	sp_buf_dispose(&path);
	return fd;
}
