/* The detached worker of a Space: the Space's lock, the queue run dry, and
 * each job as three steps, check → build → deploy, with one exit that
 * records its outcome. */
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "banned.h"
#include "build.h"
#include "card.h"
#include "deploy.h"
#include "dockerfile.h"
#include "engine.h"
#include "error.h"
#include "frontdoor.h"
#include "proc.h"
#include "queue.h"
#include "refs.h"
#include "slots.h"
#include "stage.h"
#include "static.h"
#include "strvec.h"
#include "verify.h"

#define WORKER_BUILD_CACHE_KEEP                                                \
	"24h" /* build cache unused for longer is pruned after a deploy */

static volatile sig_atomic_t worker_cancel;

static void worker_on_signal(int sig)
{
	worker_cancel = 1;
}

/* The spacehook program: beside this one, where installs put it, or on PATH. */
static void worker_program(sp_buf *out)
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
static int worker_own_log(sp_store *store)
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

int sp_worker_start(const sp_space *space, sp_store *store)
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

	worker_program(&program);
	for (size_t i = 0; i < sizeof(pass) / sizeof(pass[0]); i++)
		sp_strvec_passenv(&env, pass[i]);
	const char *argv[] = {program.ptr, "worker", space->id, NULL};
	opts.argv = argv;
	opts.envp = sp_strvec_array(&env);
	/* What the worker itself says (a crash report, say) goes to worker.log.
	 */
	opts.stdin_fd = -1;
	opts.stdout_fd = worker_own_log(store);
	opts.stderr_fd = -2;
	opts.cwd = "/";
	error = sp_proc_detach(&opts);
	if (opts.stdout_fd >= 0)
		close(opts.stdout_fd);
	sp_strvec_clear(&env);
	sp_buf_dispose(&program);
	return error;
}

/* The file `program` names (looked up on PATH when it has no slash). */
static int worker_program_stat(struct stat *out, const char *program)
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
static int worker_is(pid_t pid, const char *space_id)
{
	sp_buf path = SP_BUF_INIT, cmdline = SP_BUF_INIT, program = SP_BUF_INIT;
	struct stat exe, prog, arg0;
	const char *argv0, *verb, *id, *end;
	int ok = 0;

	worker_program(&program);
	sp_buf_printf(&path, "/proc/%ld/exe", (long)pid);
	if (stat(path.ptr, &exe) < 0 ||
	    worker_program_stat(&prog, program.ptr) < 0 ||
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
	     (worker_program_stat(&arg0, argv0) == 0 &&
	      arg0.st_dev == prog.st_dev && arg0.st_ino == prog.st_ino);
done:
	sp_buf_dispose(&path);
	sp_buf_dispose(&cmdline);
	sp_buf_dispose(&program);
	return ok;
}

pid_t sp_worker_pid(sp_store *store)
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
	if (pid > 0 && !worker_is((pid_t)pid, sp_store_space(store)->id))
		pid = 0;
	sp_error_clear();
	return (pid_t)pid;
}

/* What every job of the worker shares. */
typedef struct {
	const sp_settings *settings;
	sp_store *store;
	sp_repo *repo;
	const sp_space *space;
} worker_context;

/* One job under way: what its steps hand on, and its outcome. */
typedef struct {
	const worker_context *ctx;
	sp_queue_entry *entry;
	int log_fd;             /* logs/<id>.log */
	sp_state state;         /* the Space's record */
	sp_spaceconfig *config; /* the commit's README config */
	sp_kv secrets, variables;
	sp_redact redact; /* hides the secrets in what the log gets */
	sp_buf image;     /* the image to run */
	sp_engine *engine;
	sp_slots slots;
	/* The outcome, set once by worker_end. */
	sp_buf stage; /* the job's final stage */
	sp_buf error; /* its error (has_error) */
	int has_error;
	int record;   /* 0: only logs/<id>.status, the Space's stage stays */
	int deployed; /* the new version serves */
} worker_job;

/* The job ended here: a step's return after worker_end. */
#define WORKER_ENDED 1

static int worker_log_write(const char *data, size_t len, void *payload)
{
	worker_job *job = payload;

	if (job->log_fd < 0)
		return SP_EIO;
	return sp_queue_write_all(job->log_fd, data, len) < 0 ? SP_EIO : 0;
}

static void worker_say(worker_job *job, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void worker_say(worker_job *job, const char *fmt, ...)
{
	sp_buf line = SP_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	sp_buf_vprintf(&line, fmt, ap);
	va_end(ap);
	sp_buf_putc(&line, '\n');
	worker_log_write(line.ptr, line.size, job);
	sp_buf_dispose(&line);
}

/*
 * Record how the job ends (`stage` and `error`, may be NULL; both may point
 * into the record) for worker_finish. Returns WORKER_ENDED.
 */
static int worker_end(worker_job *job, const char *stage, const char *error,
                      int record)
{
	sp_buf_sets(&job->stage, stage);
	sp_buf_sets(&job->error, error ? error : "");
	job->has_error = error != NULL;
	job->record = record;
	return WORKER_ENDED;
}

/* worker_end with the last error, said in the log first. */
static int worker_fail(worker_job *job, const char *stage)
{
	worker_say(job, "spacehook: error: %s", sp_error_last());
	return worker_end(job, stage, sp_error_last(), 1);
}

/*
 * Pushes may run their post-receive out of order: whatever was queued, build
 * what the deploy branch holds now.
 */
static void worker_newest_commit(worker_job *job)
{
	const sp_settings *s = job->ctx->settings;
	sp_buf ref = SP_BUF_INIT;
	char head[SP_OID_HEXSZ + 1];

	if (sp_refs_deploy_ref(&ref, s->deploy_branch) == 0 &&
	    sp_repo_resolve(head, job->ctx->repo, ref.ptr) == 0 &&
	    strcmp(head, job->entry->commit)) {
		worker_say(job,
		           "spacehook: building %.7s, the newest commit of %s "
		           "(queued: %.7s)",
		           head, s->deploy_branch, job->entry->commit);
		memcpy(job->entry->commit, head, sizeof(head));
	}
	sp_buf_dispose(&ref);
}

/*
 * Open the job's log, load the record, say what runs; a paused Space ends
 * the job here, keeping the push.
 */
/*
 * Behind the front door, a Space that never served gets its hostname now,
 * pointing at its status page, so visitors see the build. A hostname held
 * by another Space stops the job; nginx trouble is a warning (the deploy
 * routes again).
 */
static int worker_front(worker_job *job)
{
	const worker_context *ctx = job->ctx;
	sp_route route = {.kind = SP_ROUTE_STATUS};
	char label[SP_SUBDOMAIN_MAX + 1];
	int error;

	/* (A static Space that served has a commit and no container.) */
	if (!sp_frontdoor_enabled(ctx->settings) || job->state.container ||
	    job->state.commit)
		return 0;
	if ((error = sp_frontdoor_subdomain(label, ctx->settings, ctx->store)) <
	    0) {
		worker_say(job, "spacehook: error: %s", sp_error_last());
		return worker_end(job, "CONFIG_ERROR", sp_error_last(),
		                  error == SP_EEXISTS);
	}
	if (sp_frontdoor_route(ctx->settings, ctx->store, &route) < 0)
		worker_say(job, "spacehook: warning: %s", sp_error_last());
	return 0;
}

static int worker_begin(worker_job *job)
{
	const sp_space *space = job->ctx->space;
	time_t queued = (time_t)job->entry->queued_at;
	char stamp[32];
	struct tm tm;

	if ((job->log_fd = sp_queue_log_open(job->ctx->store, job->entry->id)) <
	    0) {
		job->log_fd = -1;
		return worker_end(job, "BUILD_ERROR",
		                  "cannot write the job log", 0);
	}
	if (sp_state_load(&job->state, job->ctx->store) < 0) {
		worker_say(job,
		           "spacehook: error: %s (the record starts again)",
		           sp_error_last());
		sp_state_dispose(&job->state);
		sp_state_init(&job->state);
	}
	gmtime_r(&queued, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	worker_say(job, "===== %s queued at %s / Commit SHA: %.7s =====",
	           job->entry->flags & SP_JOB_RESTART ? "Restart" : "Build",
	           stamp, job->entry->commit);
	if (job->state.paused) {
		worker_say(job,
		           "spacehook: %s is paused: the push is kept, nothing "
		           "is built; 'spacehook start %s' builds and runs the "
		           "newest commit",
		           space->id, space->id);
		return worker_end(job, "PAUSED", NULL, 0);
	}
	if (!(job->entry->flags & SP_JOB_RESTART))
		worker_newest_commit(job);
	return worker_front(job);
}

/*
 * Step 1, check: the commit as the build will read it (sp_verify_build: the
 * pushed README decides port and timeout; the Dockerfile with the Space's
 * variables as build arguments, also for commits that never went through
 * pre-receive). Its problems go to the log, redacted.
 */
static int worker_check(worker_job *job)
{
	const worker_context *ctx = job->ctx;
	sp_diag_list diags = SP_DIAG_LIST_INIT;
	sp_verify_options opts = {NULL, NULL};
	sp_verify_verdict verdict = SP_VERIFY_OK;
	sp_buf own = SP_BUF_INIT, text = SP_BUF_INIT, clean = SP_BUF_INIT;
	sp_strvec args = SP_STRVEC_INIT;
	int error;

	if (sp_store_kv_load(&job->secrets, ctx->store, SP_KV_SECRETS) < 0 ||
	    sp_store_kv_load(&job->variables, ctx->store, SP_KV_VARIABLES) <
	        0) {
		error = worker_fail(job, "BUILD_ERROR");
		goto done;
	}
	sp_redact_add_secrets(&job->redact, &job->secrets);
	/* The variables the build passes (reserved names are left out). */
	for (size_t i = 0; i < job->variables.count; i++)
		if (!sp_kv_name_reserved(job->variables.items[i].name))
			sp_strvec_pushf(&args, "%s=%s",
			                job->variables.items[i].name,
			                job->variables.items[i].value);
	sp_buf_printf(&own, "%s%s", SP_DOCKERFILE_IMAGE_PREFIX,
	              ctx->space->slug);
	opts.own_repository = own.ptr;
	opts.build_args = args.v;
	error = sp_verify_build(&job->config, &verdict, &diags, ctx->repo,
	                        job->entry->commit, &opts,
	                        (job->entry->flags & SP_JOB_RESTART
	                             ? SP_VERIFY_DOCKERFILE_PRESENCE
	                             : 0) |
	                            sp_verify_sdk_flags(ctx->settings->sdks));
	sp_diag_render(&text, &diags, "README.md");
	sp_redact_string(&clean, &job->redact, text.ptr, text.size);
	worker_log_write(clean.ptr, clean.size, job);
	if (error == SP_ECONFIG && verdict == SP_VERIFY_MISSING_DOCKERFILE) {
		worker_say(
		    job, "spacehook: error: no Dockerfile at the root of %.7s",
		    job->entry->commit);
		error = worker_end(
		    job, "NO_APP_FILE",
		    "no Dockerfile at the root of the repository", 1);
	} else if (error == SP_ECONFIG &&
	           verdict == SP_VERIFY_MISSING_APP_FILE) {
		error =
		    worker_end(job, "NO_APP_FILE",
		               "the app_file of this static Space is not in "
		               "the repository",
		               1);
	} else if (error == SP_ECONFIG) {
		error = worker_end(job, "CONFIG_ERROR",
		                   verdict == SP_VERIFY_BAD_DOCKERFILE
		                       ? "the Dockerfile has errors"
		                       : "the Space config of README.md has "
		                         "errors",
		                   1);
	} else if (error < 0) {
		error = worker_fail(job, "CONFIG_ERROR");
	} else if (sp_card_save(ctx->store, job->config) < 0) {
		/* Only the list of Spaces shows it: not the job's failure. */
		worker_say(job, "spacehook: warning: %s", sp_error_last());
	}
done:
	sp_diag_list_dispose(&diags);
	sp_strvec_clear(&args);
	sp_buf_dispose(&own);
	sp_buf_dispose(&text);
	sp_buf_dispose(&clean);
	return error;
}

/* The stage a canceled job leaves: the previous version serves, or nothing. */
static int worker_canceled(worker_job *job)
{
	return worker_end(job, job->state.container ? "RUNNING" : "STOPPED",
	                  "build canceled by the administrator", 1);
}

/* The cache salt: no layer or cache mount crosses Spaces or outlives a
 * secret. */
static int worker_cache_salt(sp_buf *out, worker_job *job)
{
	unsigned char key[SP_STORE_KEY_SIZE];
	int error;

	if ((error = sp_store_cache_key(key, job->ctx->settings->state_dir)) ==
	    0)
		error = sp_build_cache_salt(out, key, sizeof(key),
		                            job->ctx->space->id, &job->secrets);
	memset(key, 0, sizeof(key));
	return error;
}

/* Run BuildKit on the commit into job->image, its output into the log. */
static int worker_build_image(worker_job *job, const char *salt)
{
	const worker_context *ctx = job->ctx;
	const sp_settings *s = ctx->settings;
	sp_build_options b = {0};
	sp_buf lspace = SP_BUF_INIT, lcommit = SP_BUF_INIT,
	       cache_ns = SP_BUF_INIT;
	const char *labels[3];
	int error;

	sp_buf_printf(&job->image, "spacehook/%s:%.12s", ctx->space->slug,
	              job->entry->commit);
	sp_buf_printf(&lspace, "spacehook.space=%s", ctx->space->id);
	sp_buf_printf(&lcommit, "spacehook.commit=%s", job->entry->commit);
	labels[0] = lspace.ptr;
	labels[1] = lcommit.ptr;
	labels[2] = NULL;
	sp_buf_printf(&cache_ns, "spacehook-%s", ctx->space->slug);
	b.docker_cli = s->docker_cli;
	b.docker_host = s->docker_host;
	b.repo = ctx->repo;
	b.commit = job->entry->commit;
	b.image = job->image.ptr;
	b.labels = labels;
	b.variables = &job->variables;
	b.secrets = &job->secrets;
	b.no_cache = !!(job->entry->flags & SP_JOB_NO_CACHE);
	b.cache_salt = salt;
	b.cache_namespace = cache_ns.ptr;
	b.log_max = s->build_log_max;
	b.max_blob = (uint64_t)s->max_blob_size;
	b.max_context = (uint64_t)s->max_context_size;
	b.output = worker_log_write;
	b.payload = job;
	b.cancel = &worker_cancel;
	b.timeout = s->build_timeout;
	b.started = sp_slots_record;
	b.started_payload = &job->slots;
	error = sp_build_run(&b);
	sp_buf_dispose(&lspace);
	sp_buf_dispose(&lcommit);
	sp_buf_dispose(&cache_ns);
	return error;
}

/*
 * Step 2, build: the image of the commit, in an owner's and a server's
 * build slot (a restart builds nothing: it runs the serving image).
 */
static int worker_build(worker_job *job)
{
	const worker_context *ctx = job->ctx;
	const sp_settings *s = ctx->settings;
	sp_stage_target to = {s, ctx->store, job->entry->commit, NULL, NULL};
	sp_buf salt = SP_BUF_INIT, text = SP_BUF_INIT, clean = SP_BUF_INIT;
	int error;

	if (job->entry->flags & SP_JOB_RESTART) {
		if (!job->state.image) {
			worker_say(job,
			           "spacehook: nothing to restart: %s has no "
			           "image yet",
			           ctx->space->id);
			return worker_end(job,
			                  job->state.stage ? job->state.stage
			                                   : "STOPPED",
			                  NULL, 1);
		}
		sp_buf_sets(&job->image, job->state.image);
		return 0;
	}
	sp_state_set(&job->state.building_commit, job->entry->commit);
	sp_stage_set(&job->state, &to,
	             job->state.container ? "RUNNING_BUILDING" : "BUILDING",
	             NULL);
	if ((error =
	         sp_slots_take(&job->slots, s, ctx->store, ctx->space->owner,
	                       &worker_cancel, worker_log_write, job)) < 0) {
		error = error == SP_ECANCELED ? worker_canceled(job)
		                              : worker_end(job, "BUILD_ERROR",
		                                           sp_error_last(), 1);
		goto done;
	}
	if (worker_cache_salt(&salt, job) < 0) {
		error = worker_fail(job, "BUILD_ERROR");
		goto done;
	}
	error = worker_build_image(job, salt.ptr);
	sp_slots_release(&job->slots);
	if (error == SP_EBUILD) {
		/* No engine there: say so rather than the client. */
		sp_buf_sets(&text, sp_error_last());
		if (sp_engine_new(&job->engine, s->docker_host) == 0)
			sp_error_set(SP_EBUILD, "%s", text.ptr);
	}
	if (error < 0) {
		sp_redact_string(&clean, &job->redact, sp_error_last(),
		                 strlen(sp_error_last()));
		worker_say(job, "spacehook: error: %s", clean.ptr);
		error = error == SP_ECANCELED
		            ? worker_canceled(job)
		            : worker_end(job, "BUILD_ERROR", clean.ptr, 1);
	}
done:
	sp_buf_dispose(&salt);
	sp_buf_dispose(&text);
	sp_buf_dispose(&clean);
	return error;
}

/* Step 3, deploy: swap the Space's container for one of the image. */
static int worker_deploy(worker_job *job)
{
	const worker_context *ctx = job->ctx;
	const sp_settings *s = ctx->settings;
	sp_deploy_options d = {0};
	sp_buf clean = SP_BUF_INIT;
	int error;

	/* The engine API is needed from here on (the build uses the client). */
	if (!job->engine && sp_engine_new(&job->engine, s->docker_host) < 0)
		return worker_fail(job, "BUILD_ERROR");
	d.settings = s;
	d.store = ctx->store;
	d.engine = job->engine;
	d.image = job->image.ptr;
	d.commit = job->entry->commit;
	d.config = job->config;
	d.variables = &job->variables;
	d.secrets = &job->secrets;
	d.log = worker_log_write;
	d.payload = job;
	d.cancel = &worker_cancel;
	error = sp_deploy_run(&job->state, &d);
	if (job->state.error) {
		sp_redact_string(&clean, &job->redact, job->state.error,
		                 strlen(job->state.error));
		sp_state_set(&job->state.error, clean.ptr);
	}
	if (error < 0) {
		error = worker_end(
		    job, job->state.stage ? job->state.stage : "RUNTIME_ERROR",
		    job->state.error, 1);
	} else {
		worker_say(job, "spacehook: %s is RUNNING on %s (%.7s)",
		           ctx->space->id, job->state.url, job->entry->commit);
		worker_end(job, "RUNNING", NULL, 1);
		job->deployed = 1;
	}
	sp_buf_dispose(&clean);
	return error;
}

static int worker_is_static(const worker_job *job)
{
	return job->config && job->config->sdk &&
	       !strcmp(job->config->sdk, "static");
}

/*
 * A static Space (sdk: static): no image, no container. The commit's tree
 * is published as files (static.h) and the Space's hostname switched to
 * them at once; a container of an earlier Docker version drains and goes
 * as after a deploy.
 */
static int worker_static(worker_job *job)
{
	const worker_context *ctx = job->ctx;
	const sp_settings *s = ctx->settings;
	sp_state *state = &job->state;
	sp_route route = {.kind = SP_ROUTE_STATIC};
	char label[SP_SUBDOMAIN_MAX + 1];
	sp_buf url = SP_BUF_INIT;
	char *root = NULL;
	int error;

	if (!sp_frontdoor_enabled(s)) {
		error = worker_end(job, "CONFIG_ERROR",
		                   "sdk: static is served by the front door: "
		                   "set spacehook.domain (see the admin guide)",
		                   1);
		goto done;
	}
	if ((error = sp_frontdoor_subdomain(label, s, ctx->store)) < 0 ||
	    (error = sp_static_publish(&root, s, ctx->store, ctx->repo,
	                               job->entry->commit, worker_log_write,
	                               job)) < 0) {
		error = worker_fail(job, "BUILD_ERROR");
		goto done;
	}
	route.root = root;
	route.index = sp_verify_app_file(job->config);
	error = sp_frontdoor_route(s, ctx->store, &route);
	if (error < 0 && error != SP_EPROXY) {
		error = worker_fail(job, "BUILD_ERROR");
		goto done;
	}
	sp_frontdoor_url(&url, s, label, job->config->base_path);
	if (state->container) {
		sp_state_set(&state->retiring, state->container);
		state->retire_at = (long long)time(NULL) + s->drain_timeout;
	}
	sp_state_set(&state->container, NULL);
	sp_state_set(&state->image, NULL);
	sp_state_set(&state->commit, job->entry->commit);
	sp_state_set(&state->url, url.ptr);
	state->host_port = 0;
	state->started_at = (long long)time(NULL);
	worker_say(job, "spacehook: %s is RUNNING on %s (%.7s)", ctx->space->id,
	           url.ptr, job->entry->commit);
	error = worker_end(job, "RUNNING",
	                   error == SP_EPROXY ? sp_error_last() : NULL, 1);
done:
	free(root);
	sp_buf_dispose(&url);
	return error;
}

/*
 * The one exit of a job: the Space's stage through sp_stage_set (saved,
 * webhook, log line), then logs/<id>.status, which ends the follower.
 */
static void worker_finish(worker_job *job)
{
	const char *error;
	sp_stage_target to = {job->ctx->settings, job->ctx->store,
	                      job->entry->commit, worker_log_write, job};

	if (!job->stage.size) /* a step stopped without saying how */
		worker_end(job, "BUILD_ERROR", sp_error_last(), 1);
	error = job->has_error ? job->error.ptr : NULL;
	if (job->record) {
		sp_state_set(&job->state.building_commit, NULL);
		sp_stage_set(&job->state, &to, job->stage.ptr, error);
	}
	sp_queue_write_status(job->ctx->store, job->entry->id, job->stage.ptr,
	                      error);
}

/* Run one job: check → build → deploy, then its outcome is recorded. */
static void worker_job_run(const worker_context *ctx, sp_queue_entry *entry)
{
	worker_job job = {0};

	job.ctx = ctx;
	job.entry = entry;
	job.log_fd = -1;
	sp_state_init(&job.state);
	sp_redact_init(&job.redact, NULL, NULL);
	sp_buf_init(&job.image);
	sp_buf_init(&job.stage);
	sp_buf_init(&job.error);
	job.slots = (sp_slots)SP_SLOTS_INIT;
	if (worker_begin(&job) == 0 && worker_check(&job) == 0) {
		if (worker_is_static(&job))
			worker_static(&job);
		else if (worker_build(&job) == 0)
			worker_deploy(&job);
	}
	worker_finish(&job);
	/*
	 * After the pusher has been told: build cache nothing used for a day
	 * (the Space's old images went in the deploy). A failure here is not
	 * the job's.
	 */
	if (job.deployed) {
		sp_engine_set_timeout(job.engine, 120);
		sp_engine_build_prune(NULL, job.engine,
		                      WORKER_BUILD_CACHE_KEEP);
	}
	sp_slots_release(&job.slots);
	if (job.log_fd >= 0)
		close(job.log_fd);
	sp_engine_free(job.engine);
	sp_spaceconfig_free(job.config);
	sp_kv_dispose(&job.secrets);
	sp_kv_dispose(&job.variables);
	sp_state_dispose(&job.state);
	sp_redact_dispose(&job.redact);
	sp_buf_dispose(&job.image);
	sp_buf_dispose(&job.stage);
	sp_buf_dispose(&job.error);
}

static int worker_repo_path(sp_buf *out, sp_store *store)
{
	return sp_store_binding(out, sp_store_state_dir(store),
	                        sp_store_space(store));
}

int sp_worker_open(sp_repo **repo_out, sp_settings *settings,
                   sp_store **store_out, const sp_space *space,
                   const sp_settings *base)
{
	sp_buf repo_path = SP_BUF_INIT;
	int error;

	if ((error = sp_store_open(store_out, base->state_dir, space)) < 0 ||
	    (error = worker_repo_path(&repo_path, *store_out)) < 0 ||
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
static int worker_lock(int *lock, sp_store *store)
{
	int error = SP_ELOCKED;

	*lock = -1;
	for (int i = 0; i < 600 && error == SP_ELOCKED; i++) {
		if ((error = sp_store_lock(lock, store, 0)) != SP_ELOCKED)
			break;
		if (sp_worker_pid(store) > 0)
			return 0;
		usleep(100 * 1000);
	}
	if (error == SP_ELOCKED)
		return 0;
	return error;
}

/*
 * After the last job, with the lock released: the version the front door
 * replaced drains, then goes (unless a new job took the Space meanwhile).
 */
static void worker_retire(const sp_settings *settings, sp_store *store)
{
	sp_engine *engine = NULL;
	sp_backend *backend = NULL;

	if (worker_cancel || !sp_frontdoor_enabled(settings) ||
	    sp_engine_new(&engine, settings->docker_host) < 0)
		return;
	if (sp_backend_open(&backend, engine, settings, store, NULL, NULL) == 0)
		sp_deploy_retire(store, backend, 1, &worker_cancel);
	sp_backend_free(backend);
	sp_engine_free(engine);
}

int sp_worker_run(const sp_space *space)
{
	sp_settings base = {0}, settings = {0};
	sp_store *store = NULL;
	sp_repo *repo = NULL;
	sp_buf pidtext = SP_BUF_INIT;
	struct sigaction sa;
	sp_queue_entry job;
	int error, lock = -1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = worker_on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((error = sp_settings_load(&base, NULL)) < 0 ||
	    (error = sp_worker_open(&repo, &settings, &store, space, &base)) <
	        0)
		goto done;
	sp_buf_printf(&pidtext, "%ld\n", (long)getpid());
	for (;;) {
		if ((error = worker_lock(&lock, store)) < 0)
			goto done;
		if (lock < 0)
			break; /* another worker runs the queue */
		sp_store_writeat(store, "worker.pid", pidtext.ptr, pidtext.size,
		                 0600);
		while (!worker_cancel && sp_queue_dequeue(&job, store) == 0) {
			worker_context ctx = {&settings, store, repo, space};

			worker_job_run(&ctx, &job);
		}
		sp_store_unlinkat(store, "worker.pid");
		sp_store_unlock(lock);
		lock = -1;
		/* A push may have queued a job after the last look: look again.
		 */
		if (worker_cancel || sp_queue_peek(&job, store) < 0)
			break;
	}
	worker_retire(&settings, store);
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
