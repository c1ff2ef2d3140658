/* Create, swap, health-check and roll back the container of a Space. */
#include "deploy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "banned.h"
#include "error.h"
#include "fault.h"
#include "frontdoor.h"
#include "probe.h"
#include "stage.h"
#include "strvec.h"
#include "webhook.h"

#define DEPLOY_LOG_TAIL 20
#define GIB (1024LL * 1024 * 1024)

static const struct {
	const char *name;
	double cpus;
	long long memory;
	const char *accelerator;
} flavours[] = {
    {"cpu-basic", 2, 16 * GIB, NULL},
    {"cpu-upgrade", 8, 32 * GIB, NULL},
    {"t4-small", 4, 15 * GIB, "t4"},
    {"t4-medium", 8, 30 * GIB, "t4"},
    {"l4x1", 8, 30 * GIB, "l4"},
    {"l4x4", 48, 186 * GIB, "l4"},
    {"l40sx1", 8, 62 * GIB, "l40s"},
    {"l40sx4", 48, 382 * GIB, "l40s"},
    {"l40sx8", 192, 1534 * GIB, "l40s"},
    {"a10g-small", 4, 15 * GIB, "a10g"},
    {"a10g-large", 12, 46 * GIB, "a10g"},
    {"a10g-largex2", 24, 92 * GIB, "a10g"},
    {"a10g-largex4", 48, 184 * GIB, "a10g"},
    {"a100-large", 12, 142 * GIB, "a100"},
    {"a100x4", 48, 568 * GIB, "a100"},
    {"a100x8", 96, 1136 * GIB, "a100"},
    {"zero-a10g", 2, 16 * GIB, "a10g"},
};

static size_t deploy_flavour(const char *hardware)
{
	for (size_t i = 0;
	     hardware && i < sizeof(flavours) / sizeof(flavours[0]); i++)
		if (!strcmp(flavours[i].name, hardware))
			return i;
	return 0;
}

void sp_deploy_limits(double *cpus, long long *memory, const char *hardware,
                      const sp_settings *settings)
{
	size_t f = deploy_flavour(hardware);

	*cpus = flavours[f].cpus;
	*memory = flavours[f].memory;
	if (settings->max_cpus > 0 && *cpus > settings->max_cpus)
		*cpus = settings->max_cpus;
	if (settings->max_memory > 0 && *memory > settings->max_memory)
		*memory = settings->max_memory;
}

/* A GPU flavour's accelerator, and how many: "l4x4" is four l4. */
static void deploy_gpus(sp_backend_spec *spec, const char *hardware)
{
	size_t f = deploy_flavour(hardware);
	const char *x;

	if (!flavours[f].accelerator)
		return;
	spec->accelerator = flavours[f].accelerator;
	x = strrchr(flavours[f].name, 'x');
	spec->gpus =
	    x && x[1] >= '1' && x[1] <= '9' ? (int)strtol(x + 1, NULL, 10) : 1;
}

/* A line for the job log. */
#define deploy_say(opts, ...)                                                  \
	sp_redact_sink_line((opts)->log, (opts)->payload, __VA_ARGS__)

static void deploy_stamp(char *out, size_t size)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(out, size, "%Y-%m-%d %H:%M:%S", &tm);
}

/* "30 min", "90 sec", "1 h" as Hugging Face words a timeout. */
static void deploy_duration(char *out, size_t size, long seconds)
{
	if (seconds % 3600 == 0)
		snprintf(out, size, "%ld h", seconds / 3600);
	else if (seconds % 60 == 0)
		snprintf(out, size, "%ld min", seconds / 60);
	else
		snprintf(out, size, "%ld sec", seconds);
}

/* The container's environment: variables, secrets, then the SPACE_* variables.
 */
static void deploy_env(sp_strvec *env, const sp_deploy_options *opts,
                       const char *host, const sp_backend_spec *spec)
{
	const sp_space *space = sp_store_space(opts->store);

	for (size_t i = 0; opts->variables && i < opts->variables->count; i++)
		sp_strvec_pushf(env, "%s=%s", opts->variables->items[i].name,
		                opts->variables->items[i].value);
	for (size_t i = 0; opts->secrets && i < opts->secrets->count; i++)
		sp_strvec_pushf(env, "%s=%s", opts->secrets->items[i].name,
		                opts->secrets->items[i].value);
	sp_strvec_pushf(env, "SPACE_ID=%s", space->id);
	sp_strvec_pushf(env, "SPACE_AUTHOR_NAME=%s", space->owner);
	sp_strvec_pushf(env, "SPACE_REPO_NAME=%s", space->name);
	sp_strvec_pushf(env, "SPACE_TITLE=%s",
	                opts->config && opts->config->title
	                    ? opts->config->title
	                    : space->name);
	sp_strvec_pushf(env, "SPACE_HOST=%s", host);
	sp_strvec_pushf(env, "CPU_CORES=%g", spec->cpus);
	if (spec->memory % GIB == 0)
		sp_strvec_pushf(env, "MEMORY=%lldGi", spec->memory / GIB);
	else
		sp_strvec_pushf(env, "MEMORY=%lld", spec->memory);
	sp_strvec_pushf(env, "ACCELERATOR=%s",
	                spec->accelerator ? spec->accelerator : "none");
	sp_strvec_push(env, "SYSTEM=spaces");
}

int sp_deploy_gc_containers(sp_engine *engine, const sp_space *space,
                            const char *keep1, const char *keep2)
{
	sp_container_list list = {0};
	sp_buf filter = SP_BUF_INIT;
	int removed = 0;

	sp_buf_printf(&filter, "spacehook.space=%s", space->id);
	if (sp_engine_container_list(&list, engine, filter.ptr) == 0) {
		for (size_t i = 0; i < list.count; i++) {
			const char *cid = list.items[i].id;

			if ((keep1 && !strcmp(cid, keep1)) ||
			    (keep2 && !strcmp(cid, keep2)))
				continue;
			if (sp_engine_container_remove(engine, cid, 1) == 0)
				removed++;
		}
	}
	sp_container_list_dispose(&list);
	sp_buf_dispose(&filter);
	return removed;
}

/*
 * Move the record to `stage`, save it, and tell the webhooks (sp_stage_set;
 * the worker says the outcome in the job log).
 */
static void deploy_stage(const sp_deploy_options *opts, sp_state *state,
                         const char *stage, const char *error)
{
	sp_stage_target to = {opts->settings, opts->store, opts->commit, NULL,
	                      NULL};

	sp_stage_set(state, &to, stage, error);
}

void sp_deploy_network_name(sp_buf *out, const sp_space *space)
{
	sp_buf_clear(out);
	sp_buf_printf(out, "spacehook-%s", space->slug);
}

int sp_deploy_gc_images(sp_engine *engine, const sp_space *space,
                        const char *keep1, const char *keep2)
{
	sp_image_list list = {0};
	sp_buf filter = SP_BUF_INIT;
	int error;

	sp_buf_printf(&filter, "spacehook.space=%s", space->id);
	if ((error = sp_engine_image_list(&list, engine, filter.ptr)) < 0)
		goto done;
	for (size_t i = 0; i < list.count; i++) {
		const sp_image_summary *img = &list.items[i];
		int keep = 0;

		for (size_t t = 0; t < img->tag_count; t++)
			if ((keep1 && !strcmp(img->tags[t], keep1)) ||
			    (keep2 && !strcmp(img->tags[t], keep2)))
				keep = 1;
		if ((keep1 && !strcmp(img->id, keep1)) ||
		    (keep2 && !strcmp(img->id, keep2)))
			keep = 1;
		if (!keep)
			sp_engine_image_remove(engine, img->id, 1);
	}
done:
	sp_image_list_dispose(&list);
	sp_buf_dispose(&filter);
	return error;
}

/* One deploy under way: what the phases share. */
typedef struct {
	const sp_deploy_options *opts;
	sp_state *state;
	sp_backend *backend;
	sp_backend *own_backend; /* made here when opts->backend is NULL */
	sp_backend_spec spec;
	sp_strvec env;
	sp_buf url, probe_url;
	sp_buf host;     /* SPACE_HOST */
	char *id;        /* the new instance, once created */
	char *old;       /* the instance serving before, if any */
	char *old_image; /* its image */
	long timeout;    /* seconds the new one has to answer */
	int stopped;     /* the old one was stopped: a rollback restarts it */
	int started;     /* the new one was started: its log tells why */
	int beside;      /* the old one serves while the new one starts */
	char *warning;   /* the proxy did not reload (recorded as the error) */
} deploy_run;

static void deploy_run_init(deploy_run *run, sp_state *state,
                            const sp_deploy_options *opts)
{
	const sp_settings *s = opts->settings;

	memset(run, 0, sizeof(*run));
	run->opts = opts;
	run->state = state;
	sp_strvec_init(&run->env);
	sp_buf_init(&run->url);
	sp_buf_init(&run->probe_url);
	sp_buf_init(&run->host);
	run->spec.space = sp_store_space(opts->store);
	run->spec.image = opts->image;
	run->spec.commit = opts->commit;
	run->spec.base_path = opts->config ? opts->config->base_path : NULL;
	run->spec.app_port = opts->config ? opts->config->app_port : 7860;
	run->timeout = opts->config ? opts->config->startup_timeout : 1800;
	if (s->startup_timeout > 0 && run->timeout > s->startup_timeout)
		run->timeout = s->startup_timeout;
	run->spec.startup_timeout = run->timeout;
	run->old = state->container ? sp_strdup(state->container) : NULL;
	run->old_image = state->image ? sp_strdup(state->image) : NULL;
}

static void deploy_run_dispose(deploy_run *run)
{
	sp_backend_free(run->own_backend);
	sp_strvec_clear(&run->env);
	sp_buf_dispose(&run->url);
	sp_buf_dispose(&run->probe_url);
	sp_buf_dispose(&run->host);
	free(run->warning);
	free(run->id);
	free(run->old);
	free(run->old_image);
}

/* The backend: the caller's, or the Docker engine's, behind the front door
 * when spacehook.domain is set. */
static int deploy_backend(deploy_run *run)
{
	const sp_deploy_options *opts = run->opts;
	int error;

	if (opts->backend) {
		run->backend = opts->backend;
		return 0;
	}
	if ((error = sp_backend_open(&run->own_backend, opts->engine,
	                             opts->settings, opts->store, opts->log,
	                             opts->payload)) < 0)
		return error;
	run->backend = run->own_backend;
	return 0;
}

/*
 * The host port: the Space's one, or, when the old version serves on while
 * the new one starts, whichever of its two the old one does not hold.
 */
static int deploy_port(deploy_run *run)
{
	const sp_settings *s = run->opts->settings;
	const char *id = run->spec.space->id;
	int *port = &run->spec.host_port, error;

	if (!run->beside)
		return sp_store_port(port, s->state_dir, id, s->bind_address,
		                     s->port_min, s->port_max);
	if ((error =
	         sp_store_port_slot(port, s->state_dir, id, 0, s->bind_address,
	                            s->port_min, s->port_max)) < 0)
		return error;
	if (run->old && *port == run->state->host_port)
		error = sp_store_port_slot(port, s->state_dir, id, 1,
		                           s->bind_address, s->port_min,
		                           s->port_max);
	return error;
}

/* SPACE_HOST: the Space's hostname behind the front door, else the
 * address and port it is published on. */
static int deploy_host(deploy_run *run)
{
	const sp_settings *s = run->opts->settings;
	char label[SP_SUBDOMAIN_MAX + 1];
	int error;

	sp_buf_clear(&run->host);
	if (!sp_frontdoor_enabled(s)) {
		sp_buf_printf(&run->host, "%s:%d", s->bind_address,
		              run->spec.host_port);
		return 0;
	}
	if ((error = sp_frontdoor_subdomain(label, s, run->opts->store)) < 0)
		return error;
	sp_frontdoor_host(&run->host, s, label);
	return 0;
}

/*
 * Create: the host port, the limits and the environment, then the new
 * instance, not started. Nothing serves differently yet; the record says
 * APP_STARTING (RUNNING_APP_STARTING while the old version serves on) with
 * the URL.
 */
static int deploy_create(deploy_run *run)
{
	const sp_deploy_options *opts = run->opts;
	const sp_settings *s = opts->settings;
	sp_backend_spec *spec = &run->spec;
	const char *stage = "APP_STARTING";
	int error;

	if ((error = deploy_backend(run)) < 0)
		return error;
	run->beside = run->backend->ops->release == NULL;
	if ((error = deploy_port(run)) < 0 || (error = deploy_host(run)) < 0)
		return error;
	sp_deploy_limits(&spec->cpus, &spec->memory,
	                 opts->config ? opts->config->suggested_hardware : NULL,
	                 s);
	spec->secrets = opts->secrets;
	if (s->gpu_resource && s->backend && !strcmp(s->backend, "swarm"))
		/* Only a cluster whose nodes advertise GPUs gives them. */
		deploy_gpus(spec, opts->config
		                      ? opts->config->suggested_hardware
		                      : NULL);
	deploy_env(&run->env, opts, run->host.ptr, spec);
	spec->env = run->env.v;
	if ((error = run->backend->ops->create(&run->id, run->backend, spec,
	                                       run->old)) < 0)
		return error;
	/* Creating removed every instance but the serving one. */
	sp_state_set(&run->state->retiring, NULL);
	run->backend->ops->target(&run->url, &run->probe_url, run->backend,
	                          spec, run->id);
	if (run->beside && run->old && run->state->stage &&
	    !strncmp(run->state->stage, "RUNNING", 7))
		stage = "RUNNING_APP_STARTING";
	sp_state_set(&run->state->error, NULL);
	if (!run->beside || !run->old) {
		/* Beside the old one, the record names where it serves until
		 * the new one is promoted. */
		run->state->host_port = spec->host_port;
		sp_state_set(&run->state->url, run->url.ptr);
	}
	deploy_stage(opts, run->state, stage, NULL);
	return 0;
}

/*
 * Swap: the old instance makes room (on one host it holds the port: it
 * stops), then the new one starts.
 */
static int deploy_swap(deploy_run *run)
{
	sp_backend *b = run->backend;
	char stamp[32];
	int error;

	if (run->old && b->ops->release) {
		if ((error = b->ops->release(b, run->old)) < 0)
			return error;
		run->stopped = error;
	}
	sp_fault("deploy-after-stop");
	deploy_stamp(stamp, sizeof(stamp));
	deploy_say(run->opts, "===== Application startup at %s =====", stamp);
	if ((error = b->ops->start(b, run->id)) < 0)
		return error;
	run->started = 1;
	return 0;
}

/*
 * Probe: until the app answers HTTP at the probe URL (any status), it exits,
 * the startup timeout passes or the deploy is canceled.
 */
static int deploy_probe(deploy_run *run)
{
	const sp_deploy_options *opts = run->opts;
	sp_backend *b = run->backend;
	sp_backend_status st;
	time_t started = time(NULL), deadline = started + run->timeout;
	char duration[32];
	long status, pause_ms = 20;
	int error;

	for (;;) {
		if (opts->cancel && *opts->cancel)
			return sp_error_set(SP_ECANCELED, "deploy canceled");
		if ((error = b->ops->status(&st, b, run->id)) < 0)
			return error;
		if (!st.running && !st.exit_code && *st.message)
			/* Refused before the app ran (a cluster's word). */
			return sp_error_set(
			    SP_ERUNTIME,
			    "Space failed to start: the %s task: %s",
			    *st.state ? st.state : "new", st.message);
		if (!st.running)
			return sp_error_set(SP_ERUNTIME,
			                    "Space failed to start. Exit code: "
			                    "%d%s",
			                    st.exit_code,
			                    st.oom_killed ? " (out of memory)"
			                                  : "");
		sp_fault("deploy-probe");
		if (!run->probe_url.size)
			/* Placed on a node by now? */
			b->ops->target(&run->url, &run->probe_url, b,
			               &run->spec, run->id);
		if (run->probe_url.size &&
		    sp_probe_http(&status, run->probe_url.ptr, 1000) == 0)
			return 0;
		if (time(NULL) >= deadline) {
			deploy_duration(duration, sizeof(duration),
			                run->timeout);
			return sp_error_set(SP_ERUNTIME,
			                    "Launch timed out, space was not "
			                    "healthy after %s",
			                    duration);
		}
		usleep(pause_ms * 1000);
		/* Most apps answer within seconds: asked often then, the
		 * engine is spared afterwards. */
		if (time(NULL) - started >= 10)
			pause_ms = 500;
		else if (pause_ms < 100)
			pause_ms = pause_ms * 3 / 2;
	}
}

/*
 * Route: the Space's traffic goes to the healthy new instance. A proxy that
 * did not reload reads the new route when it starts: a warning, the deploy
 * goes on.
 */
static int deploy_route(deploy_run *run)
{
	sp_backend *b = run->backend;
	int error;

	sp_fault("deploy-before-route");
	if (!b->ops->route)
		return 0;
	error = b->ops->route(b, &run->spec, run->id);
	if (error == SP_EPROXY) {
		run->warning = sp_strdup(sp_error_last());
		deploy_say(run->opts, "spacehook: warning: %s", run->warning);
		return 0;
	}
	return error;
}

/*
 * Promote: the healthy new instance serves for good, the old one goes (its
 * image stays for a rollback), the record says RUNNING, older images go.
 * Behind the front door the old one drains first: it is recorded as
 * retiring, and the worker removes it after spacehook.drainTimeout
 * (sp_deploy_retire).
 */
static void deploy_promote(deploy_run *run)
{
	sp_state *state = run->state;
	sp_backend *b = run->backend;
	const char *image = run->opts->image;
	long drain = run->opts->settings->drain_timeout;

	if (run->beside && run->old && drain > 0) {
		b->ops->promote(b, &run->spec, run->id, NULL, run->old);
		sp_state_set(&state->retiring, run->old);
		state->retire_at = (long long)time(NULL) + drain;
	} else {
		b->ops->promote(b, &run->spec, run->id, run->old, NULL);
	}
	if (run->old_image && strcmp(run->old_image, image))
		sp_state_set(&state->prev_image, run->old_image);
	sp_state_set(&state->commit, run->opts->commit);
	state->host_port = run->spec.host_port;
	sp_state_set(&state->url, run->url.ptr);
	sp_state_set(&state->image, image);
	sp_state_set(&state->container, run->id);
	sp_state_set(&state->building_commit, NULL);
	sp_state_set(&state->error, run->warning);
	state->started_at = (long long)time(NULL);
	deploy_stage(run->opts, state, "RUNNING", NULL);
	b->ops->cleanup(b, run->spec.space, state->image, state->prev_image);
}

/*
 * Rollback after `error`: the message (with the new instance's last output
 * when it ran), every secret value redacted, goes to the log and the record;
 * the new instance goes and the old one serves again. Returns `error`.
 */
static int deploy_collect_log(int stream, const char *data, size_t len,
                              void *payload)
{
	(void)stream;
	sp_buf_put(payload, data, len);
	return 0;
}

static int deploy_rollback(deploy_run *run, int error)
{
	const sp_deploy_options *opts = run->opts;
	sp_backend *b = run->backend;
	sp_buf raw = SP_BUF_INIT, message = SP_BUF_INIT;
	sp_redact r;

	sp_buf_puts(&raw, sp_error_last());
	if (run->id && run->started) {
		size_t size = raw.size;

		sp_buf_puts(&raw, "\nContainer logs:\n");
		if (opts->engine)
			sp_engine_set_timeout(opts->engine, 10);
		if (b->ops->logs(b, run->id, DEPLOY_LOG_TAIL, 0,
		                 deploy_collect_log, &raw) < 0 ||
		    raw.size == size + strlen("\nContainer logs:\n"))
			sp_buf_truncate(&raw, size);
		if (opts->engine)
			sp_engine_set_timeout(opts->engine, 0);
	}
	/* An engine message or the app's output may quote a secret. */
	sp_redact_init(&r, NULL, NULL);
	sp_redact_add_secrets(&r, opts->secrets);
	sp_redact_string(&message, &r, raw.ptr, raw.size);
	sp_redact_dispose(&r);
	deploy_say(opts, "%s", message.ptr);
	if (run->id)
		b->ops->remove(b, run->id);
	if (run->stopped) {
		if (b->ops->restore(b, run->old) < 0)
			deploy_say(opts,
			           "spacehook: could not start the previous "
			           "version again: %s",
			           sp_error_last());
		else
			deploy_say(opts,
			           "spacehook: the previous version serves "
			           "again");
	}
	sp_state_set(&run->state->building_commit, NULL);
	deploy_stage(opts, run->state,
	             error != SP_ECANCELED ? "RUNTIME_ERROR"
	             : run->old            ? "RUNNING"
	                                   : "STOPPED",
	             message.ptr);
	sp_buf_dispose_wipe(&raw);
	sp_buf_dispose_wipe(&message);
	return error < 0 ? error : SP_ERROR;
}

int sp_deploy_retire_due(sp_state *state, sp_backend *backend, long long now)
{
	int error;

	if (!state->retiring || now < state->retire_at)
		return 0;
	if (state->container && !strcmp(state->container, state->retiring)) {
		/* It serves again (a rollback of a later deploy): keep it. */
		sp_state_set(&state->retiring, NULL);
		return 1;
	}
	error = backend->ops->stop(backend, state->retiring);
	if (error == 0 || error == SP_ENOTFOUND)
		error = backend->ops->remove(backend, state->retiring);
	if (error < 0 && error != SP_ENOTFOUND)
		return error;
	sp_state_set(&state->retiring, NULL);
	state->retire_at = 0;
	return 1;
}

int sp_deploy_retire(sp_store *store, sp_backend *backend, int wait,
                     volatile sig_atomic_t *cancel)
{
	sp_state state;
	long long now;
	int lock = -1, error;

	sp_state_init(&state);
	if ((error = sp_state_load(&state, store)) < 0 || !state.retiring)
		goto done;
	while (wait && (now = (long long)time(NULL)) < state.retire_at &&
	       !(cancel && *cancel))
		sleep(1);
	/* A worker holding the lock removes leftovers itself. */
	if ((error = sp_store_lock(&lock, store, 0)) < 0) {
		error = error == SP_ELOCKED ? 0 : error;
		goto done;
	}
	sp_state_dispose(&state);
	if ((error = sp_state_load(&state, store)) < 0)
		goto done;
	error = sp_deploy_retire_due(&state, backend, (long long)time(NULL));
	if (error > 0)
		error = sp_state_save(store, &state);
done:
	if (lock >= 0)
		sp_store_unlock(lock);
	sp_state_dispose(&state);
	return error;
}

int sp_deploy_run(sp_state *state, const sp_deploy_options *opts)
{
	deploy_run run;
	int error;

	deploy_run_init(&run, state, opts);
	if ((error = deploy_create(&run)) < 0 ||
	    (error = deploy_swap(&run)) < 0 ||
	    (error = deploy_probe(&run)) < 0 ||
	    (error = deploy_route(&run)) < 0)
		error = deploy_rollback(&run, error);
	else
		deploy_promote(&run);
	deploy_run_dispose(&run);
	return error;
}
