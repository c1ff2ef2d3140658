/* Jobs of a Space: queue, detached worker, followed log. */
#include "job.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "banned.h"
#include "build.h"
#include "deploy.h"
#include "dockerfile.h"
#include "engine.h"
#include "error.h"
#include "proc.h"
#include "repo.h"
#include "spaceconfig.h"
#include "term.h"
#include "webhook.h"

#define JOB_KEEP_LOGS 20
#define JOB_BUILD_CACHE_KEEP                                                   \
	"24h" /* build cache unused for longer is pruned after a deploy */
#define JOB_START_GRACE                                                        \
	15 /* seconds a queued job may wait for its worker to appear */

typedef struct {
	char id[SP_JOB_ID_MAX];
	char commit[SP_OID_HEXSZ + 1];
	unsigned flags;
	long long queued_at;
} job_entry;

static volatile sig_atomic_t job_cancel;

static void job_on_signal(int sig)
{
	job_cancel = 1;
}

/* The name of a job's file in the Space's directory: logs/<id>.<ext>. */
static void job_log_name(sp_buf *out, const char *id, const char *ext)
{
	sp_buf_clear(out);
	sp_buf_printf(out, "logs/%s.%s", id, ext);
}

static int job_queue_lock(sp_store *store)
{
	int fd = sp_store_openat(store, "queue.lock", O_RDWR | O_CREAT, 0600);

	if (fd >= 0)
		while (flock(fd, LOCK_EX) < 0 && errno == EINTR)
			;
	return fd;
}

static void job_queue_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* Read the queued job; SP_ENOTFOUND when none. Caller holds the queue lock. */
static int job_queue_read(job_entry *out, sp_store *store)
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

static int job_write_status(sp_store *store, const char *id, const char *stage,
                            const char *line)
{
	sp_buf path = SP_BUF_INIT, text = SP_BUF_INIT;
	int error;

	job_log_name(&path, id, "status");
	sp_buf_printf(&text, "%s %s\n", stage, line ? line : "");
	error = sp_store_writeat(store, path.ptr, text.ptr, text.size, 0600);
	sp_buf_dispose(&path);
	sp_buf_dispose(&text);
	return error;
}

static int job_append_log(sp_store *store, const char *id, const char *text)
{
	sp_buf path = SP_BUF_INIT;
	int fd, error = 0;

	job_log_name(&path, id, "log");
	fd = sp_store_openat(store, path.ptr, O_WRONLY | O_APPEND | O_CREAT,
	                     0600);
	if (fd < 0)
		error = fd;
	else if (write(fd, text, strlen(text)) < 0)
		error = sp_error_set_os(SP_EIO, "cannot write '%s/%s'",
		                        sp_store_dir(store), path.ptr);
	if (fd >= 0)
		close(fd);
	sp_buf_dispose(&path);
	return error;
}

static int job_name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Keep the newest JOB_KEEP_LOGS job logs (ids sort by time). */
static void job_rotate_logs(sp_store *store)
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
	if (count > JOB_KEEP_LOGS) {
		qsort(names, count, sizeof(*names), job_name_cmp);
		for (size_t i = 0; i < count - JOB_KEEP_LOGS; i++) {
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

int sp_job_enqueue(char id_out[SP_JOB_ID_MAX], sp_store *store,
                   const char *repo_path, const char *commit, unsigned flags)
{
	sp_buf text = SP_BUF_INIT, note = SP_BUF_INIT;
	job_entry prev;
	struct tm tm;
	time_t now = time(NULL);
	char stamp[32];
	int lock, error;

	if (strlen(commit) != SP_OID_HEXSZ)
		return sp_error_set(SP_EINVALID, "not a full commit id: '%s'",
		                    commit);
	if ((lock = job_queue_lock(store)) < 0)
		return lock;
	/* A push from another repository mapping to the same id never builds.
	 */
	if (repo_path && (error = sp_store_bind(store, repo_path, 0)) < 0)
		goto done;
	if (job_queue_read(&prev, store) == 0) {
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
		job_append_log(store, prev.id, note.ptr);
		sp_buf_clear(&note);
		sp_buf_printf(&note, "by %.7s", commit);
		job_write_status(store, prev.id, "SUPERSEDED", note.ptr);
	}
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(id_out, SP_JOB_ID_MAX, "%s-%.12s-%ld", stamp, commit,
	         (long)getpid());
	/* The log exists from the start, so a follower never waits on a missing
	 * file. */
	if ((error = job_append_log(store, id_out, "")) < 0)
		goto done;
	sp_buf_printf(&text, "%s %s %u %lld\n", id_out, commit, flags,
	              (long long)now);
	error = sp_store_writeat(store, "queue", text.ptr, text.size, 0600);
	job_rotate_logs(store);
done:
	job_queue_unlock(lock);
	sp_buf_dispose(&text);
	sp_buf_dispose(&note);
	return error;
}

/* The spacehook program: beside this one, where installs put it, or on PATH. */
static void job_program(sp_buf *out)
{
	const char *env = getenv("SPACEHOOK_PROGRAM");
	sp_buf dir = SP_BUF_INIT;

	if (env && *env) {
		sp_buf_sets(out, env);
		return;
	}
	if (sp_proc_self_dir(&dir) == 0) {
		sp_buf_sets(out, dir.ptr);
		sp_buf_puts(out, "/spacehook");
		if (access(out->ptr, X_OK) == 0)
			goto done;
		sp_buf_sets(out, dir.ptr);
		sp_buf_puts(out, "/../../../bin/spacehook");
		if (access(out->ptr, X_OK) == 0)
			goto done;
	}
	sp_buf_sets(out, "spacehook");
done:
	sp_buf_dispose(&dir);
}

/* The worker's own log, cut back to nothing past 1 MiB. */
static int job_worker_log(sp_store *store)
{
	struct stat st;
	int fd;

	fd = sp_store_openat(store, "worker.log", O_WRONLY | O_APPEND | O_CREAT,
	                     0600);
	if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size > (1 << 20) &&
	    ftruncate(fd, 0) < 0) {
		close(fd);
		fd = -1;
	}
	return fd < 0 ? -1 : fd;
}

int sp_job_start_worker(const sp_space *space, sp_store *store)
{
	static const char *const pass[] = {
	    "PATH",
	    "HOME",
	    "LANG",
	    "LC_ALL",
	    "TZ",
	    "XDG_CONFIG_HOME",
	    "DOCKER_HOST",
	    "DOCKER_CONFIG",
	    "SPACEHOOK_PROGRAM",
	    "GIT_CONFIG_NOSYSTEM",
	    "ASAN_OPTIONS",
	    "UBSAN_OPTIONS",
	    "LSAN_OPTIONS",
	    "SPACEHOOK_FAULT",
	};
	sp_proc_options opts = {0};
	sp_buf program = SP_BUF_INIT;
	sp_strvec env = SP_STRVEC_INIT;
	int error;

	job_program(&program);
	for (size_t i = 0; i < sizeof(pass) / sizeof(pass[0]); i++)
		sp_strvec_passenv(&env, pass[i]);
	const char *argv[] = {program.ptr, "worker", space->id, NULL};
	opts.argv = argv;
	opts.envp = sp_strvec_array(&env);
	/* What the worker itself says (a crash report, say) goes to worker.log.
	 */
	opts.stdin_fd = -1;
	opts.stdout_fd = job_worker_log(store);
	opts.stderr_fd = -2;
	opts.cwd = "/";
	error = sp_proc_detach(&opts);
	if (opts.stdout_fd >= 0)
		close(opts.stdout_fd);
	sp_strvec_clear(&env);
	sp_buf_dispose(&program);
	return error;
}

static int job_still_queued(sp_store *store, const char *id)
{
	job_entry e;
	int lock = job_queue_lock(store), queued;

	queued = job_queue_read(&e, store) == 0 && !strcmp(e.id, id);
	job_queue_unlock(lock);
	return queued;
}

static int job_write_all(int fd, const char *data, size_t len)
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

int sp_job_follow(sp_buf *stage_out, sp_store *store, const char *id, int fd)
{
	sp_buf log = SP_BUF_INIT, status = SP_BUF_INIT, text = SP_BUF_INIT,
	       shown = SP_BUF_INIT;
	sp_term term = SP_TERM_INIT;
	time_t started = time(NULL), last_check = 0;
	char stage[32] = "LOST";
	struct stat st;
	off_t offset = 0;
	int logfd = -1, error = SP_ERROR, done = 0, client = 1;

	job_log_name(&log, id, "log");
	job_log_name(&status, id, "status");
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
			    job_write_all(fd, shown.ptr, shown.size) < 0)
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
			if (!sp_job_worker_pid(store) &&
			    (!job_still_queued(store, id) ||
			     time(NULL) - started > JOB_START_GRACE) &&
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
					job_write_all(fd, shown.ptr,
					              shown.size);
				goto finish;
			}
		}
		usleep(40 * 1000);
	}
	sp_buf_clear(&shown);
	sp_term_finish(&shown, &term);
	if (client && shown.size)
		job_write_all(fd, shown.ptr, shown.size);
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

/* Where one job's output goes: its log file. */
typedef struct {
	int fd;
} job_log;

static int job_log_write(const char *data, size_t len, void *payload)
{
	job_log *log = payload;

	return job_write_all(log->fd, data, len) < 0 ? SP_EIO : 0;
}

static void job_say(job_log *log, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void job_say(job_log *log, const char *fmt, ...)
{
	sp_buf line = SP_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	sp_buf_vprintf(&line, fmt, ap);
	va_end(ap);
	sp_buf_putc(&line, '\n');
	job_log_write(line.ptr, line.size, log);
	sp_buf_dispose(&line);
}

/*
 * The build slots a build holds: one of the owner's (an flock on
 * <state>/slots/owner-<owner>.<k>.lock, k < spacehook.maxBuildsPerOwner)
 * taken first, then one of the server's (<state>/slots/<n>.lock, n <
 * spacehook.maxConcurrentBuilds). Both die with their holder. While a build
 * runs, the server slot's file holds "<pgid> <leader start time>" of the
 * build client's process group: whoever locks the slot next kills a group
 * its holder left behind.
 */
typedef struct {
	int owner;
	int server;
} job_slot;

/*
 * Lock `relpath` under the checked state root without waiting: the fd, -1
 * when held elsewhere (or unopenable), SP_EINVALID when the state tree is
 * one nobody else may change (said in the last error).
 */
static int job_slot_try(sp_store *store, const char *relpath)
{
	int fd = sp_store_root_openat(store, relpath, O_RDWR | O_CREAT, 0600);

	if (fd == SP_EINVALID)
		return fd;
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* A slot just locked: kill the build its last holder left running, if any. */
static void job_slot_sweep(int fd, job_log *log)
{
	char text[96];
	ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
	unsigned long long start = 0;
	long pgid = 0;
	int killed = 0;

	if (n <= 0)
		return;
	text[n] = '\0';
	if (sscanf(text, "%ld %llu", &pgid, &start) == 2 && pgid > 1 && start &&
	    sp_proc_kill_group(&killed, (pid_t)pgid, start) == 0 && killed)
		job_say(log,
		        "spacehook: stopped the build (process group %ld) "
		        "that a worker which died had left running",
		        pgid);
	if (ftruncate(fd, 0) < 0)
		job_say(log,
		        "spacehook: warning: cannot clear a build slot: %s",
		        strerror(errno));
}

/*
 * Lock a free server slot into `*out`, sweeping every free one: 1 when
 * locked, 0 when all are held, SP_EINVALID for a bad state tree.
 */
static int job_slot_server(int *out, const sp_settings *s, sp_store *store,
                           job_log *log)
{
	sp_buf path = SP_BUF_INIT;
	int max = s->max_concurrent_builds > 0 ? s->max_concurrent_builds : 1;

	*out = -1;
	for (int i = 0; i < max; i++) {
		int fd;

		sp_buf_clear(&path);
		sp_buf_printf(&path, "slots/%d.lock", i);
		if ((fd = job_slot_try(store, path.ptr)) == SP_EINVALID) {
			if (*out >= 0)
				close(*out);
			*out = -1;
			sp_buf_dispose(&path);
			return SP_EINVALID;
		}
		if (fd < 0)
			continue;
		job_slot_sweep(fd, log);
		if (*out < 0)
			*out = fd;
		else
			close(fd);
	}
	sp_buf_dispose(&path);
	return *out >= 0;
}

/* Lock one of the owner's slots into `*out`: 1, 0 when all are held,
 * SP_EINVALID. */
static int job_slot_owner(int *out, const sp_settings *s, sp_store *store,
                          const char *owner)
{
	sp_buf path = SP_BUF_INIT;
	int max = s->max_builds_per_owner > 0 ? s->max_builds_per_owner : 1;
	int fd = -1;

	*out = -1;
	for (int k = 0; k < max && fd < 0; k++) {
		sp_buf_clear(&path);
		sp_buf_printf(&path, "slots/owner-%s.%d.lock", owner, k);
		if ((fd = job_slot_try(store, path.ptr)) == SP_EINVALID)
			break;
	}
	sp_buf_dispose(&path);
	if (fd == SP_EINVALID)
		return fd;
	*out = fd;
	return fd >= 0;
}

/*
 * Wait for the owner's slot, then a server slot, saying in the job log why
 * it waits. SP_ECANCELED when canceled while waiting.
 */
static int job_slot_take(job_slot *out, const sp_settings *s, sp_store *store,
                         const sp_space *space, job_log *log)
{
	int said = 0, error = 0;

	for (;;) {
		int why, got;

		if (job_cancel) {
			error = SP_ECANCELED;
			break;
		}
		if (out->owner < 0 &&
		    (got = job_slot_owner(&out->owner, s, store,
		                          space->owner)) <= 0)
			why = 1;
		else if ((got = job_slot_server(&out->server, s, store, log)) <=
		         0)
			why = 2;
		else
			break;
		if (got < 0) {
			/* A state tree nobody else may change: said, and no
			 * build. */
			job_say(log, "spacehook: error: %s", sp_error_last());
			error = got;
			break;
		}
		if (why == 1 && said != 1)
			job_say(
			    log,
			    "spacehook: waiting for a build slot: %s already "
			    "runs %d build%s (spacehook.maxBuildsPerOwner)",
			    space->owner, s->max_builds_per_owner,
			    s->max_builds_per_owner == 1 ? "" : "s");
		else if (why == 2 && said != 2)
			job_say(log,
			        "spacehook: waiting for a build slot (%d "
			        "builds run at "
			        "once: spacehook.maxConcurrentBuilds)",
			        s->max_concurrent_builds);
		said = why;
		sleep(1);
	}
	return error;
}

/* Release both slots; the server slot's record goes first. */
static void job_slot_release(job_slot *slot)
{
	if (slot->server >= 0) {
		/* Left uncleared, the next holder finds the group gone. */
		int cleared = ftruncate(slot->server, 0);

		(void)cleared;
		close(slot->server);
	}
	if (slot->owner >= 0)
		close(slot->owner);
	slot->server = slot->owner = -1;
}

/* sp_build_options.started: record the build's process group in the slot. */
static void job_slot_record(pid_t pgid, unsigned long long start_time,
                            void *payload)
{
	job_slot *slot = payload;
	char text[64];
	int len;

	if (!start_time)
		return;
	len =
	    snprintf(text, sizeof(text), "%ld %llu\n", (long)pgid, start_time);
	if (ftruncate(slot->server, 0) < 0 ||
	    pwrite(slot->server, text, (size_t)len, 0) != len)
		return; /* unrecorded: only PDEATHSIG covers this build */
}

typedef struct {
	const sp_settings *settings;
	sp_store *store;
	sp_repo *repo;
	const sp_space *space;
} job_context;

static void job_finish(job_context *ctx, sp_state *state, const job_entry *job,
                       job_log *log, const char *stage_in, const char *error_in)
{
	/* The arguments may point into *state itself: copy them first. */
	char *stage = sp_strdup(stage_in),
	     *error = error_in ? sp_strdup(error_in) : NULL;
	char *old = state->stage ? sp_strdup(state->stage) : NULL;

	sp_state_set(&state->stage, stage);
	sp_state_set(&state->building_commit, NULL);
	if (error)
		sp_state_set(&state->error, error);
	sp_state_save(ctx->store, state);
	if (!old || strcmp(old, stage))
		sp_webhook_notify(ctx->settings, ctx->space->id, job->commit,
		                  old, stage, error);
	free(old);
	if (strcmp(stage, "RUNNING") || error) {
		job_say(log, "spacehook: %s is %s%s%s", ctx->space->id, stage,
		        state->container && state->commit ? "; still serving "
		                                          : "",
		        state->container && state->commit ? state->url : "");
	}
	job_write_status(ctx->store, job->id, stage, error);
	free(stage);
	free(error);
}

/*
 * Pushes may run their post-receive out of order: whatever was queued, build
 * what the deploy branch holds now.
 */
static void job_newest_commit(job_context *ctx, job_entry *job, job_log *log)
{
	sp_buf ref = SP_BUF_INIT;
	char head[SP_OID_HEXSZ + 1];

	sp_buf_printf(&ref, "refs/heads/%s", ctx->settings->deploy_branch);
	if (sp_repo_resolve(head, ctx->repo, ref.ptr) == 0 &&
	    strcmp(head, job->commit)) {
		job_say(log,
		        "spacehook: building %.7s, the newest commit of %s "
		        "(queued: %.7s)",
		        head, ctx->settings->deploy_branch, job->commit);
		memcpy(job->commit, head, sizeof(head));
	}
	sp_buf_dispose(&ref);
}

/*
 * The Dockerfile check again, as the build will read it: with the Space's
 * variables as build arguments (they override ARG defaults), and for
 * commits that never went through pre-receive (rebuilds of older pushes).
 * Problems go to the log; returns SP_ECONFIG when the build must not run.
 */
static int job_check_dockerfile(job_context *ctx, const job_entry *job,
                                const sp_kv *variables, const sp_redact *redact,
                                job_log *log)
{
	static const char *const reserved[] = {SP_DOCKERFILE_IMAGE_PREFIX,
	                                       NULL};
	sp_buf data = SP_BUF_INIT, own = SP_BUF_INIT, text = SP_BUF_INIT,
	       clean = SP_BUF_INIT;
	sp_diag_list diags = SP_DIAG_LIST_INIT;
	sp_dockerfile_options opts = {NULL, reserved, NULL};
	const char **args = sp_calloc(variables->count + 1, sizeof(*args));
	sp_buf *pairs = sp_calloc(variables->count + 1, sizeof(*pairs));
	size_t i, n = 0;
	int error;

	/* The variables the build passes (reserved names are left out). */
	for (i = 0; i < variables->count; i++) {
		sp_buf_init(&pairs[i]);
		if (sp_kv_name_reserved(variables->items[i].name))
			continue;
		sp_buf_printf(&pairs[i], "%s=%s", variables->items[i].name,
		              variables->items[i].value);
		args[n++] = pairs[i].ptr;
	}
	sp_buf_printf(&own, "%s%s", SP_DOCKERFILE_IMAGE_PREFIX,
	              ctx->space->slug);
	opts.own_repository = own.ptr;
	opts.build_args = args;
	if ((error = sp_repo_read_blob(&data, ctx->repo, job->commit,
	                               "Dockerfile", SP_DOCKERFILE_MAX_SIZE)) <
	    0) {
		job_say(log, "spacehook: error: %s", sp_error_last());
		error = SP_ECONFIG;
		goto done;
	}
	error = sp_dockerfile_check(&diags, data.ptr, data.size, &opts);
	if (error < 0 && error != SP_ECONFIG) {
		job_say(log,
		        "spacehook: error: cannot check the Dockerfile: %s",
		        sp_error_last());
		goto done;
	}
	sp_diag_render(&text, &diags, "Dockerfile");
	sp_redact_string(&clean, redact, text.ptr, text.size);
	job_log_write(clean.ptr, clean.size, log);
done:
	for (i = 0; i < variables->count; i++)
		sp_buf_dispose(&pairs[i]);
	free(pairs);
	free(args);
	sp_diag_list_dispose(&diags);
	sp_buf_dispose(&data);
	sp_buf_dispose(&own);
	sp_buf_dispose(&text);
	sp_buf_dispose(&clean);
	return error;
}

static void job_run(job_context *ctx, job_entry *job)
{
	const sp_settings *s = ctx->settings;
	sp_spaceconfig *config = NULL;
	sp_diag_list diags = SP_DIAG_LIST_INIT;
	sp_kv secrets = {0}, variables = {0};
	sp_buf path = SP_BUF_INIT, readme = SP_BUF_INIT, text = SP_BUF_INIT,
	       image = SP_BUF_INIT, lspace = SP_BUF_INIT, lcommit = SP_BUF_INIT,
	       clean = SP_BUF_INIT, salt = SP_BUF_INIT, cache_ns = SP_BUF_INIT;
	sp_state state;
	sp_engine *engine = NULL;
	sp_redact redact;
	job_log log = {-1};
	sp_entry_kind kind;
	size_t size;
	char stamp[32];
	struct tm tm;
	time_t queued = (time_t)job->queued_at;
	job_slot slot = {-1, -1};
	int error;

	sp_state_init(&state);
	sp_redact_init(&redact, NULL, NULL);
	job_log_name(&path, job->id, "log");
	log.fd = sp_store_openat(ctx->store, path.ptr,
	                         O_WRONLY | O_APPEND | O_CREAT, 0600);
	if (log.fd < 0) {
		log.fd = -1;
		job_write_status(ctx->store, job->id, "BUILD_ERROR",
		                 "cannot write the job log");
		goto done;
	}
	if ((error = sp_state_load(&state, ctx->store)) < 0) {
		job_say(&log, "spacehook: error: %s (the record starts again)",
		        sp_error_last());
		sp_state_init(&state);
	}
	gmtime_r(&queued, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	job_say(&log, "===== %s queued at %s / Commit SHA: %.7s =====",
	        job->flags & SP_JOB_RESTART ? "Restart" : "Build", stamp,
	        job->commit);

	if (state.paused) {
		job_say(
		    &log,
		    "spacehook: %s is paused: the push is kept, nothing is "
		    "built; "
		    "'spacehook start %s' builds and runs the newest commit",
		    ctx->space->id, ctx->space->id);
		job_write_status(ctx->store, job->id, "PAUSED", NULL);
		goto done;
	}
	if (!(job->flags & SP_JOB_RESTART))
		job_newest_commit(ctx, job, &log);

	/* The config of the commit: the pushed README decides port and timeout.
	 */
	if ((error = sp_repo_read_blob(&readme, ctx->repo, job->commit,
	                               "README.md", SP_README_MAX_SIZE)) < 0) {
		job_say(&log, "spacehook: error: %s", sp_error_last());
		job_finish(ctx, &state, job, &log, "CONFIG_ERROR",
		           sp_error_last());
		goto done;
	}
	if (sp_spaceconfig_parse(&config, &diags, readme.ptr, readme.size) <
	    0) {
		sp_diag_render(&text, &diags, "README.md");
		job_log_write(text.ptr, text.size, &log);
		job_finish(ctx, &state, job, &log, "CONFIG_ERROR",
		           "the Space config of README.md has errors");
		goto done;
	}
	if (sp_repo_entry(&kind, &size, ctx->repo, job->commit, "Dockerfile") <
	        0 ||
	    (kind != SP_ENTRY_BLOB && kind != SP_ENTRY_EXEC)) {
		job_say(&log,
		        "spacehook: error: no Dockerfile at the root of %.7s",
		        job->commit);
		job_finish(ctx, &state, job, &log, "NO_APP_FILE",
		           "no Dockerfile at the root of the repository");
		goto done;
	}
	if ((error = sp_store_kv_load(&secrets, ctx->store, SP_KV_SECRETS)) <
	        0 ||
	    (error = sp_store_kv_load(&variables, ctx->store,
	                              SP_KV_VARIABLES)) < 0) {
		job_say(&log, "spacehook: error: %s", sp_error_last());
		job_finish(ctx, &state, job, &log, "BUILD_ERROR",
		           sp_error_last());
		goto done;
	}
	sp_redact_add_secrets(&redact, &secrets);
	if (!(job->flags & SP_JOB_RESTART) &&
	    job_check_dockerfile(ctx, job, &variables, &redact, &log) < 0) {
		job_finish(ctx, &state, job, &log, "CONFIG_ERROR",
		           "the Dockerfile has errors");
		goto done;
	}

	if (job->flags & SP_JOB_RESTART) {
		if (!state.image) {
			job_say(&log,
			        "spacehook: nothing to restart: %s has no "
			        "image yet",
			        ctx->space->id);
			job_finish(ctx, &state, job, &log,
			           state.stage ? state.stage : "STOPPED", NULL);
			goto done;
		}
		sp_buf_sets(&image, state.image);
	} else {
		sp_build_options b = {0};
		const char *labels[3];

		{
			char *old = state.stage ? sp_strdup(state.stage) : NULL;
			const char *stage =
			    state.container ? "RUNNING_BUILDING" : "BUILDING";

			sp_state_set(&state.stage, stage);
			sp_state_set(&state.building_commit, job->commit);
			sp_state_save(ctx->store, &state);
			sp_webhook_notify(s, ctx->space->id, job->commit, old,
			                  stage, NULL);
			free(old);
		}
		if ((error = job_slot_take(&slot, s, ctx->store, ctx->space,
		                           &log)) < 0) {
			if (error == SP_ECANCELED)
				job_finish(
				    ctx, &state, job, &log,
				    state.container ? "RUNNING" : "STOPPED",
				    "build canceled by the administrator");
			else
				job_finish(ctx, &state, job, &log,
				           "BUILD_ERROR", sp_error_last());
			goto done;
		}
		sp_buf_printf(&image, "spacehook/%s:%.12s", ctx->space->slug,
		              job->commit);
		sp_buf_printf(&lspace, "spacehook.space=%s", ctx->space->id);
		sp_buf_printf(&lcommit, "spacehook.commit=%s", job->commit);
		labels[0] = lspace.ptr;
		labels[1] = lcommit.ptr;
		labels[2] = NULL;
		b.docker_cli = s->docker_cli;
		b.docker_host = s->docker_host;
		b.repo = ctx->repo;
		b.commit = job->commit;
		b.image = image.ptr;
		b.labels = labels;
		b.variables = &variables;
		b.secrets = &secrets;
		b.no_cache = !!(job->flags & SP_JOB_NO_CACHE);
		/* No layer or cache mount crosses Spaces or outlives a secret.
		 */
		{
			unsigned char key[SP_STORE_KEY_SIZE];

			error = sp_store_cache_key(key, s->state_dir);
			if (error == 0)
				error = sp_build_cache_salt(
				    &salt, key, sizeof(key), ctx->space->id,
				    &secrets);
			memset(key, 0, sizeof(key));
			if (error < 0) {
				job_say(&log, "spacehook: error: %s",
				        sp_error_last());
				job_finish(ctx, &state, job, &log,
				           "BUILD_ERROR", sp_error_last());
				goto done;
			}
		}
		sp_buf_printf(&cache_ns, "spacehook-%s", ctx->space->slug);
		b.cache_salt = salt.ptr;
		b.cache_namespace = cache_ns.ptr;
		b.log_max = s->build_log_max;
		b.max_blob = (uint64_t)s->max_blob_size;
		b.max_context = (uint64_t)s->max_context_size;
		b.output = job_log_write;
		b.payload = &log;
		b.cancel = &job_cancel;
		b.timeout = s->build_timeout;
		b.started = job_slot_record;
		b.started_payload = &slot;
		error = sp_build_run(&b);
		job_slot_release(&slot);
		if (error == SP_EBUILD) {
			/* No engine there: say so rather than the client. */
			sp_buf_sets(&text, sp_error_last());
			if (sp_engine_new(&engine, s->docker_host) == 0)
				sp_error_set(SP_EBUILD, "%s", text.ptr);
		}
		if (error < 0) {
			sp_buf_clear(&clean);
			sp_redact_string(&clean, &redact, sp_error_last(),
			                 strlen(sp_error_last()));
			job_say(&log, "spacehook: error: %s", clean.ptr);
			job_finish(ctx, &state, job, &log,
			           error != SP_ECANCELED ? "BUILD_ERROR"
			           : state.container     ? "RUNNING"
			                                 : "STOPPED",
			           error == SP_ECANCELED
			               ? "build canceled by the administrator"
			               : clean.ptr);
			goto done;
		}
	}

	/* The engine API is needed from here on (the build uses the client). */
	if (!engine && (error = sp_engine_new(&engine, s->docker_host)) < 0) {
		job_say(&log, "spacehook: error: %s", sp_error_last());
		job_finish(ctx, &state, job, &log, "BUILD_ERROR",
		           sp_error_last());
		goto done;
	}
	{
		sp_deploy_options d = {0};

		d.settings = s;
		d.store = ctx->store;
		d.engine = engine;
		d.image = image.ptr;
		d.commit = job->commit;
		d.config = config;
		d.variables = &variables;
		d.secrets = &secrets;
		d.log = job_log_write;
		d.payload = &log;
		d.cancel = &job_cancel;
		error = sp_deploy_run(&state, &d);
	}
	if (state.error) {
		sp_buf_clear(&clean);
		sp_redact_string(&clean, &redact, state.error,
		                 strlen(state.error));
		sp_state_set(&state.error, clean.ptr);
	}
	if (error < 0) {
		job_finish(ctx, &state, job, &log,
		           state.stage ? state.stage : "RUNTIME_ERROR",
		           state.error);
		goto done;
	}
	job_say(&log, "spacehook: %s is RUNNING on %s (%.7s)", ctx->space->id,
	        state.url, job->commit);
	job_finish(ctx, &state, job, &log, "RUNNING", NULL);
	/*
	 * After the pusher has been told: build cache nothing used for a day
	 * (the Space's old images went in the deploy). A failure here is not
	 * the job's.
	 */
	sp_engine_set_timeout(engine, 120);
	sp_engine_build_prune(NULL, engine, JOB_BUILD_CACHE_KEEP);
done:
	job_slot_release(&slot);
	if (log.fd >= 0)
		close(log.fd);
	sp_engine_free(engine);
	sp_spaceconfig_free(config);
	sp_diag_list_dispose(&diags);
	sp_kv_dispose(&secrets);
	sp_kv_dispose(&variables);
	sp_state_dispose(&state);
	sp_redact_dispose(&redact);
	sp_buf_dispose(&path);
	sp_buf_dispose(&readme);
	sp_buf_dispose(&text);
	sp_buf_dispose(&image);
	sp_buf_dispose(&lspace);
	sp_buf_dispose(&lcommit);
	sp_buf_dispose(&clean);
	sp_buf_dispose(&salt);
	sp_buf_dispose(&cache_ns);
}

/* Take the queued job, if any, under the queue lock. */
static int job_dequeue(job_entry *out, sp_store *store)
{
	int lock = job_queue_lock(store), error;

	if (lock < 0)
		return lock;
	if ((error = job_queue_read(out, store)) == 0)
		sp_store_unlinkat(store, "queue");
	job_queue_unlock(lock);
	return error;
}

static int job_repo_path(sp_buf *out, sp_store *store)
{
	return sp_store_binding(out, sp_store_state_dir(store),
	                        sp_store_space(store));
}

/* Settings as the Space's repository sees them (its own config included). */
static int job_open(sp_repo **repo_out, sp_settings *settings,
                    sp_store **store_out, const sp_space *space,
                    const sp_settings *base)
{
	sp_buf repo_path = SP_BUF_INIT;
	int error;

	if ((error = sp_store_open(store_out, base->state_dir, space)) < 0 ||
	    (error = job_repo_path(&repo_path, *store_out)) < 0 ||
	    (error = sp_repo_open(repo_out, repo_path.ptr)) < 0 ||
	    (error = sp_settings_load(settings, *repo_out)) < 0)
		goto done;
done:
	sp_buf_dispose(&repo_path);
	return error;
}

/*
 * Take the Space lock for a worker. Another worker holding it runs the queue
 * (`*lock` stays -1); a short holder that is not a worker (status, gc, stop)
 * is waited for, so a queued job is never left behind.
 */
static int job_lock_as_worker(int *lock, sp_store *store)
{
	int error = SP_ELOCKED;

	*lock = -1;
	for (int i = 0; i < 600 && error == SP_ELOCKED; i++) {
		if ((error = sp_store_lock(lock, store, 0)) != SP_ELOCKED)
			break;
		if (sp_job_worker_pid(store) > 0)
			return 0;
		usleep(100 * 1000);
	}
	if (error == SP_ELOCKED)
		return 0;
	return error;
}

int sp_job_work(const sp_space *space)
{
	sp_settings base = {0}, settings = {0};
	sp_store *store = NULL;
	sp_repo *repo = NULL;
	sp_buf pidtext = SP_BUF_INIT;
	struct sigaction sa;
	job_entry job;
	int error, lock = -1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = job_on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((error = sp_settings_load(&base, NULL)) < 0 ||
	    (error = job_open(&repo, &settings, &store, space, &base)) < 0)
		goto done;
	sp_buf_printf(&pidtext, "%ld\n", (long)getpid());
	for (;;) {
		if ((error = job_lock_as_worker(&lock, store)) < 0)
			goto done;
		if (lock < 0)
			break; /* another worker runs the queue */
		sp_store_writeat(store, "worker.pid", pidtext.ptr, pidtext.size,
		                 0600);
		while (!job_cancel && job_dequeue(&job, store) == 0) {
			job_context ctx = {&settings, store, repo, space};

			job_run(&ctx, &job);
		}
		sp_store_unlinkat(store, "worker.pid");
		sp_store_unlock(lock);
		lock = -1;
		/* A push may have queued a job after the last look: look again.
		 */
		if (job_cancel || job_queue_read(&job, store) < 0)
			break;
	}
done:
	if (lock >= 0) {
		sp_store_unlinkat(store, "worker.pid");
		sp_store_unlock(lock);
	}
	sp_repo_free(repo);
	sp_store_free(store);
	sp_settings_dispose(&settings);
	sp_settings_dispose(&base);
	sp_buf_dispose(&pidtext);
	return error;
}

int sp_job_submit(char id_out[SP_JOB_ID_MAX], const sp_settings *settings,
                  const sp_space *space, unsigned flags)
{
	sp_settings repo_settings = {0};
	sp_store *store = NULL;
	sp_repo *repo = NULL;
	sp_state state;
	char commit[SP_OID_HEXSZ + 1];
	int error;

	sp_state_init(&state);
	if ((error = job_open(&repo, &repo_settings, &store, space, settings)) <
	        0 ||
	    (error = sp_state_load(&state, store)) < 0)
		goto done;
	if (state.commit && (flags & SP_JOB_RESTART)) {
		memcpy(commit, state.commit, sizeof(commit) - 1);
		commit[SP_OID_HEXSZ] = '\0';
	} else {
		sp_buf ref = SP_BUF_INIT;

		sp_buf_printf(&ref, "refs/heads/%s",
		              repo_settings.deploy_branch);
		error = sp_repo_resolve(commit, repo, ref.ptr);
		sp_buf_dispose(&ref);
		if (error < 0)
			goto done;
	}
	if ((error = sp_job_enqueue(id_out, store, NULL, commit, flags)) < 0 ||
	    (error = sp_job_start_worker(space, store)) < 0)
		goto done;
done:
	sp_state_dispose(&state);
	sp_repo_free(repo);
	sp_store_free(store);
	sp_settings_dispose(&repo_settings);
	return error;
}

int sp_job_restart(const sp_settings *settings, const sp_space *space,
                   sp_buf *message)
{
	sp_store *store = NULL;
	sp_state state;
	sp_buf stage = SP_BUF_INIT;
	char id[SP_JOB_ID_MAX];
	int error;

	sp_state_init(&state);
	if ((error = sp_store_open(&store, settings->state_dir, space)) < 0 ||
	    (error = sp_state_load(&state, store)) < 0)
		goto done;
	if (!state.container || state.paused) {
		if (message)
			sp_buf_printf(message,
			              "%s is not running: the change applies "
			              "at its next start",
			              space->id);
		goto done;
	}
	if ((error = sp_job_submit(id, settings, space, SP_JOB_RESTART)) < 0)
		goto done;
	error = sp_job_follow(&stage, store, id, STDERR_FILENO);
	if (error < 0)
		error =
		    sp_error_set(SP_ERUNTIME,
		                 "the restart of %s ended %s (see 'spacehook "
		                 "status %s')",
		                 space->id, stage.ptr, space->id);
	else if (message)
		sp_buf_printf(message, "%s restarted: %s", space->id,
		              stage.ptr);
done:
	sp_state_dispose(&state);
	sp_store_free(store);
	sp_buf_dispose(&stage);
	return error;
}

/* The file `program` names (looked up on PATH when it has no slash). */
static int job_program_stat(struct stat *out, const char *program)
{
	const char *path = getenv("PATH"), *p, *end;
	sp_buf full = SP_BUF_INIT;
	int found = -1;

	if (strchr(program, '/'))
		return stat(program, out);
	for (p = path ? path : "/usr/bin:/bin"; found < 0 && *p;
	     p = *end ? end + 1 : end) {
		end = strchrnul(p, ':');
		sp_buf_clear(&full);
		sp_buf_put(&full, p, (size_t)(end - p));
		sp_buf_printf(&full, "/%s", program);
		if (access(full.ptr, X_OK) == 0 && stat(full.ptr, out) == 0 &&
		    S_ISREG(out->st_mode))
			found = 0;
	}
	sp_buf_dispose(&full);
	return found;
}

/*
 * Is `pid` the worker of `space_id`? Its executable must be the spacehook
 * program (the same file: st_dev and st_ino) and its command line exactly
 * "<program> worker <space id>" (the program as it was started: a name
 * of the same file).
 */
static int job_is_worker(pid_t pid, const char *space_id)
{
	sp_buf path = SP_BUF_INIT, cmdline = SP_BUF_INIT, program = SP_BUF_INIT;
	struct stat exe, prog, arg0;
	const char *argv0, *verb, *id, *end;
	int ok = 0;

	job_program(&program);
	sp_buf_printf(&path, "/proc/%ld/exe", (long)pid);
	if (stat(path.ptr, &exe) < 0 ||
	    job_program_stat(&prog, program.ptr) < 0 ||
	    exe.st_dev != prog.st_dev || exe.st_ino != prog.st_ino)
		goto done;
	sp_buf_clear(&path);
	sp_buf_printf(&path, "/proc/%ld/cmdline", (long)pid);
	if (sp_buf_read_file(&cmdline, path.ptr, 4096) < 0)
		goto done;
	argv0 = cmdline.ptr;
	end = cmdline.ptr + cmdline.size;
	verb = argv0 + strnlen(argv0, (size_t)(end - argv0)) + 1;
	if (verb >= end)
		goto done;
	id = verb + strnlen(verb, (size_t)(end - verb)) + 1;
	if (id >= end || strcmp(verb, "worker") ||
	    strnlen(id, (size_t)(end - id)) + 1 != (size_t)(end - id) ||
	    strcmp(id, space_id))
		goto done;
	ok = !strcmp(argv0, program.ptr) ||
	     (job_program_stat(&arg0, argv0) == 0 &&
	      arg0.st_dev == prog.st_dev && arg0.st_ino == prog.st_ino);
done:
	sp_buf_dispose(&path);
	sp_buf_dispose(&cmdline);
	sp_buf_dispose(&program);
	return ok;
}

pid_t sp_job_worker_pid(sp_store *store)
{
	sp_buf text = SP_BUF_INIT;
	char *end = NULL;
	long pid = 0;

	if (sp_store_readat(&text, store, "worker.pid", 64) == 0) {
		errno = 0;
		pid = strtol(text.ptr, &end, 10);
		if (errno || end == text.ptr || (*end && strcmp(end, "\n")) ||
		    pid <= 0 || pid > 4194304)
			pid = 0;
	}
	sp_buf_dispose(&text);
	if (pid > 0 && !job_is_worker((pid_t)pid, sp_store_space(store)->id))
		pid = 0;
	sp_error_clear();
	return (pid_t)pid;
}

int sp_job_cancel(int *canceled, sp_store *store, int wait_seconds)
{
	job_entry queued;
	int lock, count = 0;
	pid_t pid;

	if ((lock = job_queue_lock(store)) < 0)
		return lock;
	if (job_queue_read(&queued, store) == 0) {
		sp_store_unlinkat(store, "queue");
		job_append_log(store, queued.id,
		               "spacehook: canceled by the administrator "
		               "before it started\n");
		job_write_status(store, queued.id, "CANCELED",
		                 "canceled by the administrator");
		count++;
	}
	job_queue_unlock(lock);
	if ((pid = sp_job_worker_pid(store)) > 0 && kill(pid, SIGTERM) == 0) {
		count++;
		for (int i = 0; i < wait_seconds * 10 && kill(pid, 0) == 0; i++)
			usleep(100 * 1000);
		if (kill(pid, 0) == 0) {
			return sp_error_set(
			    SP_ETIMEOUT,
			    "the worker (pid %ld) is still stopping after %d s",
			    (long)pid, wait_seconds);
		}
	}
	if (canceled)
		*canceled = count;
	return 0;
}

int sp_job_pause(const sp_settings *settings, sp_store *store, int paused)
{
	sp_engine *engine = NULL;
	sp_state state;
	int lock = -1, error;

	sp_state_init(&state);
	if (paused && (error = sp_job_cancel(NULL, store, 60)) < 0)
		goto done;
	if ((error = sp_store_lock(&lock, store, 1)) < 0 ||
	    (error = sp_state_load(&state, store)) < 0)
		goto done;
	state.paused = paused;
	if (paused) {
		if (state.container) {
			if ((error = sp_engine_new(&engine,
			                           settings->docker_host)) < 0)
				goto done;
			error = sp_engine_container_stop(engine,
			                                 state.container, 10);
			if (error < 0 && error != SP_ENOTFOUND)
				goto done;
		}
		sp_state_set(&state.error, NULL);
	}
	{
		char *old = state.stage ? sp_strdup(state.stage) : NULL;

		if (paused)
			sp_state_set(&state.stage, "PAUSED");
		error = sp_state_save(store, &state);
		if (error == 0 && paused && (!old || strcmp(old, "PAUSED")))
			sp_webhook_notify(settings, sp_store_space(store)->id,
			                  state.commit, old, "PAUSED", NULL);
		free(old);
	}
done:
	if (lock >= 0)
		sp_store_unlock(lock);
	sp_engine_free(engine);
	sp_state_dispose(&state);
	return error;
}

int sp_job_gc(const sp_settings *settings, sp_store *store, int *containers,
              int *images)
{
	const sp_space *space = sp_store_space(store);
	sp_engine *engine = NULL;
	sp_image_list before = {0}, after = {0};
	sp_buf filter = SP_BUF_INIT;
	sp_state state;
	int lock = -1, error;

	sp_state_init(&state);
	/* Not while a job runs: its new container and image are not recorded
	 * yet. */
	if ((error = sp_store_lock(&lock, store, 0)) < 0 ||
	    (error = sp_state_load(&state, store)) < 0 ||
	    (error = sp_engine_new(&engine, settings->docker_host)) < 0)
		goto done;
	sp_buf_printf(&filter, "spacehook.space=%s", space->id);
	sp_engine_image_list(&before, engine, filter.ptr);
	*containers +=
	    sp_deploy_gc_containers(engine, space, state.container, NULL);
	if (!state.container) {
		/* Nothing serves: the Space's network goes too. */
		sp_buf network = SP_BUF_INIT;

		sp_deploy_network_name(&network, space);
		sp_engine_network_remove(engine, network.ptr);
		sp_buf_dispose(&network);
	}
	sp_deploy_gc_images(engine, space, state.image, state.prev_image);
	sp_engine_image_list(&after, engine, filter.ptr);
	if (before.count > after.count)
		*images += (int)(before.count - after.count);
done:
	if (lock >= 0)
		sp_store_unlock(lock);
	sp_image_list_dispose(&before);
	sp_image_list_dispose(&after);
	sp_buf_dispose(&filter);
	sp_engine_free(engine);
	sp_state_dispose(&state);
	return error;
}

static int job_stage_is(const sp_state *state, const char *const *stages)
{
	for (; state->stage && *stages; stages++)
		if (!strcmp(state->stage, *stages))
			return 1;
	return 0;
}

int sp_job_reconcile(int *changed, sp_store *store, sp_engine *engine,
                     sp_state *state)
{
	static const char *const in_job[] = {"BUILDING", "RUNNING_BUILDING",
	                                     "APP_STARTING",
	                                     "RUNNING_APP_STARTING", NULL};
	static const char *const serving[] = {"RUNNING", NULL};
	sp_container_info info = {0};
	sp_buf message = SP_BUF_INIT;
	int lock = -1, error, running = 0, exists = 0, exit_code = 0, dirty = 0;

	if (changed)
		*changed = 0;
	if ((error = sp_store_lock(&lock, store, 0)) < 0)
		return error == SP_ELOCKED ? 0 : error; /* a worker is on it */
	sp_state_dispose(state);
	sp_state_init(state);
	if ((error = sp_state_load(state, store)) < 0)
		goto done;
	if (state->container) {
		error = sp_engine_container_inspect(&info, engine,
		                                    state->container);
		if (error < 0 && error != SP_ENOTFOUND)
			goto done;
		exists = error == 0;
		running = exists && info.running;
		exit_code = exists ? info.exit_code : 0;
		error = 0;
	}
	if (job_stage_is(state, in_job)) {
		sp_buf_printf(
		    &message,
		    "the worker stopped during %s; 'spacehook rebuild %s' "
		    "runs the job again",
		    state->stage, sp_store_space(store)->id);
		sp_state_set(&state->stage,
		             running ? "RUNNING" : "RUNTIME_ERROR");
		sp_state_set(&state->building_commit, NULL);
		dirty = 1;
	} else if (job_stage_is(state, serving) && !running && !state->paused) {
		if (!state->container || !exists)
			sp_buf_printf(
			    &message,
			    "the container is gone; 'spacehook restart %s' "
			    "runs the Space again",
			    sp_store_space(store)->id);
		else
			sp_buf_printf(&message,
			              "Space stopped. Exit code: %d; "
			              "'spacehook restart %s' "
			              "runs it again",
			              exit_code, sp_store_space(store)->id);
		sp_state_set(&state->stage, "RUNTIME_ERROR");
		dirty = 1;
	}
	if (dirty) {
		sp_state_set(&state->error, message.ptr);
		if ((error = sp_state_save(store, state)) < 0)
			goto done;
		if (changed)
			*changed = 1;
	}
done:
	sp_container_info_dispose(&info);
	sp_buf_dispose(&message);
	sp_store_unlock(lock);
	return error;
}

int sp_job_forget(const sp_settings *settings, sp_store *store, int data,
                  sp_buf *report)
{
	const sp_space *space = sp_store_space(store);
	sp_engine *engine = NULL;
	sp_buf name = SP_BUF_INIT;
	int lock = -1, error, containers, images = 0;
	sp_image_list list = {0};

	if ((error = sp_job_cancel(NULL, store, 60)) < 0 ||
	    (error = sp_store_lock(&lock, store, 1)) < 0 ||
	    (error = sp_engine_new(&engine, settings->docker_host)) < 0)
		goto done;
	sp_buf_printf(&name, "spacehook.space=%s", space->id);
	if (sp_engine_image_list(&list, engine, name.ptr) == 0)
		images = (int)list.count;
	containers = sp_deploy_gc_containers(engine, space, NULL, NULL);
	if ((error = sp_deploy_gc_images(engine, space, NULL, NULL)) < 0)
		goto done;
	sp_deploy_network_name(&name, space);
	error = sp_engine_network_remove(engine, name.ptr);
	if (error < 0 && error != SP_ENOTFOUND)
		goto done;
	sp_buf_printf(report,
	              "%s: removed %d container%s, %d image%s, its network",
	              space->id, containers, containers == 1 ? "" : "s", images,
	              images == 1 ? "" : "s");
	sp_buf_clear(&name);
	sp_buf_printf(&name, "spacehook-%s-data", space->slug);
	if (data) {
		error = sp_engine_volume_remove(engine, name.ptr, 1);
		if (error < 0 && error != SP_ENOTFOUND)
			goto done;
		sp_buf_puts(report, ", its /data volume");
	}
	if ((error = sp_store_remove(store)) < 0)
		goto done;
	sp_buf_puts(
	    report,
	    " and its state (record, secrets, variables, logs, binding)");
	if (!data)
		sp_buf_printf(report,
		              "; the volume %s is kept (--data removes it)",
		              name.ptr);
	error = 0;
done:
	if (lock >= 0)
		sp_store_unlock(lock);
	sp_image_list_dispose(&list);
	sp_engine_free(engine);
	sp_buf_dispose(&name);
	return error;
}
