/* The build slots: one of the owner's, then one of the server's, each an
 * flock that dies with its holder, and the build a dead holder left. */
#include "slots.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "banned.h"
#include "error.h"
#include "proc.h"

/* Where the slots say why they wait: the job log. */
typedef struct {
	sp_redact_sink sink;
	void *payload;
} slots_log;

static void slots_say(const slots_log *log, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void slots_say(const slots_log *log, const char *fmt, ...)
{
	sp_buf line = SP_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	sp_buf_vprintf(&line, fmt, ap);
	va_end(ap);
	sp_buf_putc(&line, '\n');
	if (log->sink)
		log->sink(line.ptr, line.size, log->payload);
	sp_buf_dispose(&line);
}

/*
 * Lock `relpath` under the checked state root without waiting: the fd, -1
 * when held elsewhere (or unopenable), SP_EINVALID when the state tree is
 * one nobody else may change (said in the last error).
 */
static int slots_try(sp_store *store, const char *relpath)
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
static void slots_sweep(int fd, const slots_log *log)
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
		slots_say(log,
		          "spacehook: stopped the build (process group %ld) "
		          "that a worker which died had left running",
		          pgid);
	if (ftruncate(fd, 0) < 0)
		slots_say(log,
		          "spacehook: warning: cannot clear a build slot: %s",
		          strerror(errno));
}

/*
 * Lock a free server slot into `*out`, sweeping every free one: 1 when
 * locked, 0 when all are held, SP_EINVALID for a bad state tree.
 */
static int slots_server(int *out, const sp_settings *s, sp_store *store,
                        const slots_log *log)
{
	sp_buf path = SP_BUF_INIT;
	int max = s->max_concurrent_builds > 0 ? s->max_concurrent_builds : 1;

	*out = -1;
	for (int i = 0; i < max; i++) {
		int fd;

		sp_buf_clear(&path);
		sp_buf_printf(&path, "slots/%d.lock", i);
		if ((fd = slots_try(store, path.ptr)) == SP_EINVALID) {
			if (*out >= 0)
				close(*out);
			*out = -1;
			sp_buf_dispose(&path);
			return SP_EINVALID;
		}
		if (fd < 0)
			continue;
		slots_sweep(fd, log);
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
static int slots_owner(int *out, const sp_settings *s, sp_store *store,
                       const char *owner)
{
	sp_buf path = SP_BUF_INIT;
	int max = s->max_builds_per_owner > 0 ? s->max_builds_per_owner : 1;
	int fd = -1;

	*out = -1;
	for (int k = 0; k < max && fd < 0; k++) {
		sp_buf_clear(&path);
		sp_buf_printf(&path, "slots/owner-%s.%d.lock", owner, k);
		if ((fd = slots_try(store, path.ptr)) == SP_EINVALID)
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
int sp_slots_take(sp_slots *out, const sp_settings *s, sp_store *store,
                  const char *owner, volatile sig_atomic_t *cancel,
                  sp_redact_sink sink, void *payload)
{
	slots_log logto = {sink, payload}, *log = &logto;
	int said = 0, error = 0;

	for (;;) {
		int why, got;

		if (cancel && *cancel) {
			error = SP_ECANCELED;
			break;
		}
		if (out->owner < 0 &&
		    (got = slots_owner(&out->owner, s, store, owner)) <= 0)
			why = 1;
		else if ((got = slots_server(&out->server, s, store, log)) <= 0)
			why = 2;
		else
			break;
		if (got < 0) {
			/* A state tree nobody else may change: said, and no
			 * build. */
			slots_say(log, "spacehook: error: %s", sp_error_last());
			error = got;
			break;
		}
		if (why == 1 && said != 1)
			slots_say(
			    log,
			    "spacehook: waiting for a build slot: %s already "
			    "runs %d build%s (spacehook.maxBuildsPerOwner)",
			    owner, s->max_builds_per_owner,
			    s->max_builds_per_owner == 1 ? "" : "s");
		else if (why == 2 && said != 2)
			slots_say(log,
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
void sp_slots_release(sp_slots *slot)
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
void sp_slots_record(pid_t pgid, unsigned long long start_time, void *payload)
{
	sp_slots *slot = payload;
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
