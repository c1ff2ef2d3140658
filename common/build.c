/* The BuildKit build of a Space's image, fed by the tar of the pushed commit.
 */
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "banned.h"
#include "context.h"
#include "error.h"
#include "fault.h"
#include "hmac.h"
#include "proc.h"

#define BUILD_SECRET_ENV "SPACEHOOK_SECRET_"
#define BUILD_CANCEL_GRACE                                                     \
	5 /* seconds the client gets to stop before SIGKILL */

typedef struct {
	sp_repo *repo;
	const char *commit;
	uint64_t max_blob, max_context;
	int fd;
	int error;
	char message[512];
	sp_buf warnings;
} build_feeder;

typedef struct {
	const sp_build_options *opts;
	size_t written;
	int cut;
} build_sink;

static void build_context_warn(const char *msg, void *payload)
{
	build_feeder *feeder = payload;

	sp_buf_printf(&feeder->warnings, "spacehook: warning: %s\n", msg);
}

static void *build_feed(void *arg)
{
	build_feeder *feeder = arg;
	sp_context_options copts = SP_CONTEXT_OPTIONS_INIT;

	copts.warn = build_context_warn;
	copts.payload = feeder;
	copts.max_blob = feeder->max_blob;
	copts.max_total = feeder->max_context;
	feeder->error = sp_context_write(feeder->repo, feeder->commit,
	                                 feeder->fd, &copts, NULL);
	if (feeder->error < 0)
		snprintf(feeder->message, sizeof(feeder->message), "%s",
		         sp_error_last());
	close(feeder->fd);
	return NULL;
}

/* The output sink after redaction: caps the size kept. */
static int build_output(const char *data, size_t len, void *payload)
{
	build_sink *sink = payload;
	const sp_build_options *opts = sink->opts;
	static const char note[] =
	    "\nspacehook: build output cut here: it passed the size limit "
	    "(spacehook.buildLogMax); the build goes on\n";

	if (sink->cut)
		return 0;
	if (opts->log_max && sink->written + len > opts->log_max) {
		size_t room = opts->log_max - sink->written;

		if (room)
			opts->output(data, room, opts->payload);
		opts->output(note, sizeof(note) - 1, opts->payload);
		sink->written = opts->log_max;
		sink->cut = 1;
		return 0;
	}
	sink->written += len;
	return opts->output(data, len, opts->payload);
}

int sp_build_cache_salt(sp_buf *out, const void *key, size_t key_len,
                        const char *space_id, const sp_kv *secrets)
{
	sp_buf message = SP_BUF_INIT;
	unsigned char mac[SP_HMAC_SHA256_SIZE];
	int error;

	/* Names and values are NUL-free: NUL separates them unambiguously. */
	sp_buf_puts(&message, "spacehook cache salt v1");
	sp_buf_putc(&message, '\0');
	sp_buf_puts(&message, space_id);
	sp_buf_putc(&message, '\0');
	for (size_t i = 0; secrets && i < secrets->count; i++) {
		sp_buf_puts(&message, secrets->items[i].name);
		sp_buf_putc(&message, '\0');
		sp_buf_puts(&message, secrets->items[i].value);
		sp_buf_putc(&message, '\0');
	}
	error = sp_hmac_sha256(mac, key, key_len, message.ptr, message.size);
	sp_buf_clear(out);
	sp_buf_puts(out, "spacehook-cache-");
	sp_hmac_hex(out, mac, 16);
	memset(mac, 0, sizeof(mac));
	sp_buf_dispose_wipe(&message);
	return error;
}

/* The client's argv: no value of a secret ever appears in it. */
static void build_argv(sp_strvec *argv, const sp_build_options *opts)
{
	sp_strvec_pushl(argv, opts->docker_cli, "build", "--progress=plain",
	                "--tag", opts->image, NULL);
	for (size_t i = 0; opts->labels && opts->labels[i]; i++)
		sp_strvec_pushl(argv, "--label", opts->labels[i], NULL);
	for (size_t i = 0; opts->variables && i < opts->variables->count; i++) {
		const sp_kv_entry *v = &opts->variables->items[i];

		if (sp_kv_name_reserved(v->name))
			continue; /* build_warn_reserved said so */
		sp_strvec_push(argv, "--build-arg");
		sp_strvec_pushf(argv, "%s=%s", v->name, v->value);
	}
	for (size_t i = 0; opts->secrets && i < opts->secrets->count; i++) {
		const char *name = opts->secrets->items[i].name;

		sp_strvec_push(argv, "--secret");
		sp_strvec_pushf(argv, "id=%s,env=" BUILD_SECRET_ENV "%s", name,
		                name);
	}
	if (opts->cache_salt) {
		sp_strvec_push(argv, "--add-host");
		sp_strvec_pushf(argv, "%s:127.0.0.1", opts->cache_salt);
	}
	if (opts->cache_namespace) {
		sp_strvec_push(argv, "--build-arg");
		sp_strvec_pushf(argv, "BUILDKIT_CACHE_MOUNT_NS=%s",
		                opts->cache_namespace);
	}
	if (opts->no_cache)
		sp_strvec_push(argv, "--no-cache");
	sp_strvec_push(argv, "-");
}

/*
 * A variable stored under a name now reserved (BUILDKIT_ would set an option
 * of the build itself) is left out of the build, with a line in its log.
 */
static void build_warn_reserved(const sp_build_options *opts)
{
	sp_buf line = SP_BUF_INIT;

	for (size_t i = 0; opts->variables && i < opts->variables->count; i++) {
		const char *name = opts->variables->items[i].name;
		const char *prefix = sp_kv_name_reserved(name);

		if (!prefix)
			continue;
		sp_buf_clear(&line);
		sp_buf_printf(&line,
		              "spacehook: warning: variable %s is left out of "
		              "the build: names starting with %s are "
		              "reserved; remove it with 'spacehook variables "
		              "unset' and choose another name\n",
		              name, prefix);
		opts->output(line.ptr, line.size, opts->payload);
	}
	sp_buf_dispose(&line);
}

static void build_env(sp_strvec *env, const sp_build_options *opts)
{
	sp_buf name = SP_BUF_INIT;

	sp_strvec_passenv(env, "PATH");
	sp_strvec_passenv(env, "HOME");
	sp_strvec_passenv(env, "DOCKER_CONFIG");
	sp_strvec_setenv(env, "DOCKER_BUILDKIT", "1");
	if (opts->docker_host)
		sp_strvec_setenv(env, "DOCKER_HOST", opts->docker_host);
	for (size_t i = 0; opts->secrets && i < opts->secrets->count; i++) {
		sp_buf_sets(&name, BUILD_SECRET_ENV);
		sp_buf_puts(&name, opts->secrets->items[i].name);
		sp_strvec_setenv(env, name.ptr, opts->secrets->items[i].value);
	}
	sp_buf_dispose(&name);
}

/* "1 h", "1 h 30 min", "45 s": a timeout in words. */
static void build_duration(sp_buf *out, long seconds)
{
	const char *sep = "";

	if (seconds >= 3600) {
		sp_buf_printf(out, "%ld h", seconds / 3600);
		sep = " ";
	}
	if (seconds % 3600 >= 60) {
		sp_buf_printf(out, "%s%ld min", sep, seconds % 3600 / 60);
		sep = " ";
	}
	if (seconds % 60 || !seconds)
		sp_buf_printf(out, "%s%ld s", sep, seconds % 60);
}

/*
 * Stop the client when canceled or past the timeout: its process group gets
 * SIGTERM, then SIGKILL after the grace. `*stopping` is when that began.
 */
static void build_check_stop(time_t *stopping, int *timed_out, pid_t pid,
                             time_t started, const sp_build_options *opts)
{
	time_t now = time(NULL);

	if (!*stopping && opts->cancel && *opts->cancel) {
		*stopping = now;
		kill(-pid, SIGTERM);
	} else if (!*stopping && opts->timeout > 0 &&
	           now - started >= opts->timeout) {
		*stopping = now;
		*timed_out = 1;
		kill(-pid, SIGTERM);
	} else if (*stopping && now - *stopping > BUILD_CANCEL_GRACE) {
		kill(-pid, SIGKILL);
	}
}

int sp_build_run(const sp_build_options *opts)
{
	sp_buf words = SP_BUF_INIT;
	build_feeder feeder = {0};
	build_sink sink = {opts, 0, 0};
	sp_proc_options popts = {0};
	sp_strvec env = SP_STRVEC_INIT, argv = SP_STRVEC_INIT;
	sp_redact redact;
	int in[2] = {-1, -1}, out[2] = {-1, -1};
	int error = 0, status = 0, feeding = 0, exited = 0, timed_out = 0;
	time_t started, stopping = 0;
	unsigned long long start_time = 0;
	pthread_t thread;
	pid_t pid = -1;

	sp_redact_init(&redact, build_output, &sink);
	sp_buf_init(&feeder.warnings);
	if ((error = sp_redact_add_secrets(&redact, opts->secrets)) < 0)
		goto done;
	build_argv(&argv, opts);
	build_env(&env, opts);
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
		error = sp_error_set_os(SP_ERROR, "pipe failed");
		goto done;
	}
	build_warn_reserved(opts);
	popts.argv = argv.v;
	popts.envp = sp_strvec_array(&env);
	popts.stdin_fd = in[0];
	popts.stdout_fd = out[1];
	popts.stderr_fd = -2;
	popts.new_session = 1;
	popts.die_with_parent = 1;
	if ((error = sp_proc_spawn(&pid, &popts)) < 0)
		goto done;
	started = time(NULL);
	close(in[0]);
	close(out[1]);
	in[0] = out[1] = -1;
	if (opts->started) {
		if (sp_proc_start_time(&start_time, pid) < 0)
			start_time = 0;
		opts->started(pid, start_time, opts->started_payload);
	}

	feeder.repo = opts->repo;
	feeder.commit = opts->commit;
	feeder.max_blob = opts->max_blob;
	feeder.max_context = opts->max_context;
	feeder.fd = in[1];
	in[1] = -1;
	if (pthread_create(&thread, NULL, build_feed, &feeder) != 0) {
		close(feeder.fd);
		error =
		    sp_error_set(SP_ERROR, "cannot start the context writer");
		kill(-pid, SIGKILL);
		goto reap;
	}
	feeding = 1;

	/*
	 * Until the client has exited and its output ended. Whatever it
	 * leaves running in its group is killed then: it would hold the
	 * output (or the context pipe) open. Its pid, and so the group id,
	 * stays ours until sp_proc_wait reaps it.
	 */
	while (!exited || out[0] >= 0) {
		char chunk[16384];
		struct pollfd p = {out[0], POLLIN, 0};
		ssize_t n;

		if (!exited) {
			if ((error = sp_proc_exited(&exited, pid)) < 0)
				break;
			if (exited)
				kill(-pid, SIGKILL);
			else
				build_check_stop(&stopping, &timed_out, pid,
				                 started, opts);
		}
		if (out[0] < 0) {
			usleep(100 * 1000);
			continue;
		}
		if (poll(&p, 1, 250) <= 0)
			continue;
		n = read(out[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(out[0]);
			out[0] = -1;
			continue;
		}
		sp_redact_write(&redact, chunk, (size_t)n);
		sp_fault("build-output");
	}
	sp_redact_flush(&redact);
reap:
	sp_proc_wait(&status, pid);
	if (feeding)
		pthread_join(thread, NULL);
	if (feeder.warnings.size)
		opts->output(feeder.warnings.ptr, feeder.warnings.size,
		             opts->payload);
	if (error < 0)
		goto done;
	if (stopping && !timed_out) {
		error = sp_error_set(SP_ECANCELED, "build canceled");
	} else if (timed_out) {
		build_duration(&words, opts->timeout);
		error = sp_error_set(SP_ETIMEOUT,
		                     "build timed out after %s "
		                     "(spacehook.buildTimeout)",
		                     words.ptr);
	} else if (feeder.error < 0 && status != 0) {
		error = sp_error_set(SP_EBUILD,
		                     "cannot write the build context: %s",
		                     feeder.message);
	} else if (status != 0) {
		error = sp_error_set(SP_EBUILD,
		                     "build failed: %s exited with status %d",
		                     opts->docker_cli, status);
	} else if (feeder.error < 0) {
		error = sp_error_set(SP_EBUILD,
		                     "cannot write the build context: %s",
		                     feeder.message);
	}
done:
	if (in[0] >= 0)
		close(in[0]);
	if (in[1] >= 0)
		close(in[1]);
	if (out[0] >= 0)
		close(out[0]);
	if (out[1] >= 0)
		close(out[1]);
	sp_strvec_clear(&argv);
	sp_strvec_clear(&env);
	sp_redact_dispose(&redact);
	sp_buf_dispose(&words);
	sp_buf_dispose(&feeder.warnings);
	return error;
}
