/* Sleep and wake of a Space: the idle check run by `spacehook serve`, and the
 * wake a visit to a sleeping Space starts. */
#include "sleep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "banned.h"
#include "engine.h"
#include "error.h"
#include "frontdoor.h"
#include "probe.h"
#include "stage.h"

/* One probe's timeout and the pause between probes, milliseconds. */
#define SLEEP_PROBE_TIMEOUT_MS 2000
#define SLEEP_PROBE_PAUSE_MS 250

long long sp_sleep_time(const sp_settings *settings, const sp_state *state)
{
	long long t = state->sleep_time;

	if (t == 0)
		t = settings->sleep_time;
	return t < 0 ? -1 : t;
}

int sp_sleep_set(const sp_settings *settings, sp_store *store,
                 long long seconds)
{
	sp_state state;
	int lock = -1, error;

	(void)settings;
	if (seconds < -1)
		return sp_error_set(SP_EINVALID,
		                    "sleep time %lld is not a number of "
		                    "seconds, never (-1) or default (0)",
		                    seconds);
	sp_state_init(&state);
	if ((error = sp_store_lock(&lock, store, 1)) < 0 ||
	    (error = sp_state_load(&state, store)) < 0)
		goto done;
	state.sleep_time = seconds;
	error = sp_state_save(store, &state);
done:
	sp_store_unlock(lock);
	sp_state_dispose(&state);
	return error;
}

long long sp_sleep_idle(const sp_settings *settings, sp_store *store,
                        const sp_state *state, long long now)
{
	sp_buf path = SP_BUF_INIT;
	struct stat st;
	long long last = state->started_at > 0 ? state->started_at : -1;

	if (settings->nginx_dir) {
		sp_buf_printf(&path, "%s/idle/%s.log", settings->nginx_dir,
		              sp_store_space(store)->slug);
		if (stat(path.ptr, &st) == 0 && (long long)st.st_mtime > last)
			last = (long long)st.st_mtime;
		sp_buf_dispose(&path);
	}
	if (last < 0)
		return -1;
	return now > last ? now - last : 0;
}

/* Whether the Space at `state` is due to sleep at `now`. */
static int sleep_due(const sp_settings *settings, sp_store *store,
                     const sp_state *state, long long now)
{
	long long t = sp_sleep_time(settings, state), idle;

	if (!state->stage || strcmp(state->stage, "RUNNING") || state->paused ||
	    !state->container || t <= 0)
		return 0;
	idle = sp_sleep_idle(settings, store, state, now);
	return idle >= 0 && idle >= t;
}

static int sleep_wakeable(const sp_state *state)
{
	return state->stage && !strcmp(state->stage, "SLEEPING") &&
	       !state->paused;
}

/* What sleep, wake and reroute ask of a record before they act on it. */
typedef enum {
	SLEEP_DUE,     /* due to sleep */
	SLEEP_WAKE,    /* sleeping and wakeable */
	SLEEP_REROUTE, /* running a container, not paused */
} sleep_kind;

typedef struct {
	const sp_settings *settings;
	long long now;
	sleep_kind kind;
} sleep_want;

static int sleep_wanted(const sleep_want *w, sp_store *store,
                        const sp_state *state)
{
	switch (w->kind) {
	case SLEEP_WAKE:
		return sleep_wakeable(state);
	case SLEEP_REROUTE:
		return state->stage && !strcmp(state->stage, "RUNNING") &&
		       !state->paused && state->container;
	case SLEEP_DUE:
		break;
	}
	return sleep_due(w->settings, store, state, w->now);
}

/*
 * Load the record; when it asks for `w`, take the Space's lock without
 * waiting (held: a job is under way, nothing to do) and read it again
 * under the lock, as a job may have ended meanwhile. Returns 1 with the
 * lock in `*lock` when the caller acts, 0 when there is nothing to do, or
 * an error.
 */
static int sleep_take(int *lock, sp_state *state, sp_store *store,
                      const sleep_want *w)
{
	int error;

	if ((error = sp_state_load(state, store)) < 0 ||
	    !sleep_wanted(w, store, state))
		return error;
	if ((error = sp_store_lock(lock, store, 0)) < 0) {
		if (error != SP_ELOCKED)
			return error;
		sp_error_clear();
		return 0;
	}
	sp_state_dispose(state);
	if ((error = sp_state_load(state, store)) < 0)
		return error;
	return sleep_wanted(w, store, state);
}

/*
 * While it sleeps, the Space's hostname goes straight to `spacehook serve`
 * (its waking page); once awake and answering, to the app again (`engine`
 * given: at the container's address on its network). Without
 * this a visit during the container's start would reach the engine's port
 * proxy before the app's network is up and wait out a lost connection
 * attempt. nginx trouble only costs that: the route with the app falls back
 * to serve by itself, so it is logged, not fatal.
 */
static void sleep_route(const sp_settings *settings, sp_store *store,
                        sp_backend *backend, const sp_state *state)
{
	sp_route route = {.kind = SP_ROUTE_STATUS};
	int error;

	if (!sp_frontdoor_enabled(settings))
		return;
	if (backend)
		error = sp_frontdoor_route_container(settings, store, backend,
		                                     state->container,
		                                     state->host_port);
	else
		error = sp_frontdoor_route(settings, store, &route);
	if (error < 0)
		fprintf(stderr, "spacehook: %s: %s\n",
		        sp_store_space(store)->id, sp_error_last());
}

/* The engine and the backend the Space runs on. */
static int sleep_open(sp_engine **engine, sp_backend **backend,
                      const sp_settings *settings, sp_store *store)
{
	int error;

	if ((error = sp_engine_new(engine, settings->docker_host)) < 0)
		return error;
	return sp_backend_open(backend, *engine, settings, store, NULL, NULL);
}

int sp_sleep_check(int *slept, const sp_settings *settings, sp_store *store,
                   long long now)
{
	sleep_want want = {settings, now, SLEEP_DUE};
	sp_engine *engine = NULL;
	sp_backend *backend = NULL;
	sp_state state;
	int lock = -1, error;

	*slept = 0;
	if (!settings->domain)
		return 0;
	sp_state_init(&state);
	if ((error = sleep_take(&lock, &state, store, &want)) <= 0)
		goto done;
	if ((error = sleep_open(&engine, &backend, settings, store)) < 0)
		goto done;
	error = backend->ops->stop(backend, state.container);
	if (error < 0 && error != SP_ENOTFOUND)
		goto done;
	{
		sp_stage_target to = {settings, store, state.commit, NULL,
		                      NULL};

		if ((error = sp_stage_set(&state, &to, "SLEEPING", NULL)) < 0)
			goto done;
	}
	*slept = 1;
	sleep_route(settings, store, NULL, &state);
done:
	sp_backend_free(backend);
	sp_engine_free(engine);
	sp_store_unlock(lock);
	sp_state_dispose(&state);
	return error;
}

static long long sleep_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Probe instance `id` where the backend says it answers until it does (0) or
 * `timeout` seconds pass (SP_ETIMEOUT).
 */
static int sleep_probe(sp_backend *backend, const sp_backend_spec *spec,
                       const char *id, long timeout)
{
	long long deadline = sleep_now_ms() + (long long)timeout * 1000;
	sp_buf url = SP_BUF_INIT, probe = SP_BUF_INIT;
	long status;

	for (;;) {
		if (!probe.size)
			backend->ops->target(&url, &probe, backend, spec, id);
		if (probe.size && sp_probe_http(&status, probe.ptr,
		                                SLEEP_PROBE_TIMEOUT_MS) == 0) {
			sp_error_clear();
			sp_buf_dispose(&url);
			sp_buf_dispose(&probe);
			return 0;
		}
		if (sleep_now_ms() >= deadline) {
			sp_buf_dispose(&url);
			sp_buf_dispose(&probe);
			return SP_ETIMEOUT;
		}
		usleep(SLEEP_PROBE_PAUSE_MS * 1000);
	}
}

int sp_sleep_wake(const sp_settings *settings, sp_store *store)
{
	sp_engine *engine = NULL;
	sp_backend *backend = NULL;
	sp_buf message = SP_BUF_INIT;
	sp_state state;
	sp_stage_target to = {settings, store, NULL, NULL, NULL};
	sleep_want want = {settings, 0, SLEEP_WAKE};
	sp_backend_spec spec = {.space = sp_store_space(store)};
	int lock = -1, error;

	sp_state_init(&state);
	if ((error = sleep_take(&lock, &state, store, &want)) <= 0)
		goto done;
	to.commit = state.commit;
	spec.host_port = state.host_port;
	if (!state.container || state.host_port <= 0) {
		error = sp_error_set(SP_ERUNTIME,
		                     "'%s' sleeps without a container to wake; "
		                     "fix: spacehook restart %s",
		                     sp_store_space(store)->id,
		                     sp_store_space(store)->id);
		sp_stage_set(&state, &to, "RUNTIME_ERROR", sp_error_last());
		goto done;
	}
	if ((error = sleep_open(&engine, &backend, settings, store)) < 0 ||
	    (error = backend->ops->restore(backend, state.container)) < 0) {
		sp_buf_printf(&message,
		              "the app did not wake: %s; fix: "
		              "spacehook restart %s",
		              sp_error_last(), sp_store_space(store)->id);
		sp_stage_set(&state, &to, "RUNTIME_ERROR", message.ptr);
		sp_error_set(error, "%s", message.ptr);
		goto done;
	}
	state.started_at = (long long)time(NULL);
	sp_state_set(&state.error, NULL);
	if ((error = sp_stage_set(&state, &to, "APP_STARTING", NULL)) < 0)
		goto done;
	if (sleep_probe(backend, &spec, state.container,
	                settings->startup_timeout) == 0) {
		sleep_route(settings, store, backend, &state);
		error = sp_stage_set(&state, &to, "RUNNING", NULL);
		goto done;
	}
	backend->ops->stop(backend, state.container);
	sp_buf_printf(&message,
	              "the app did not answer on port %d within %ld seconds "
	              "after waking up; fix: push a fix or run 'spacehook "
	              "restart %s'",
	              state.host_port, settings->startup_timeout,
	              sp_store_space(store)->id);
	if ((error = sp_stage_set(&state, &to, "RUNTIME_ERROR", message.ptr)) ==
	    0)
		error = sp_error_set(SP_ERUNTIME, "%s", message.ptr);
done:
	sp_buf_dispose(&message);
	sp_backend_free(backend);
	sp_engine_free(engine);
	sp_store_unlock(lock);
	sp_state_dispose(&state);
	return error;
}

int sp_sleep_reroute(const sp_settings *settings, sp_store *store)
{
	sleep_want want = {settings, 0, SLEEP_REROUTE};
	sp_engine *engine = NULL;
	sp_backend *backend = NULL;
	sp_state state;
	int lock = -1, error;

	if (!sp_frontdoor_enabled(settings))
		return 0;
	sp_state_init(&state);
	if ((error = sleep_take(&lock, &state, store, &want)) <= 0)
		goto done;
	if ((error = sleep_open(&engine, &backend, settings, store)) < 0)
		goto done;
	error = sp_frontdoor_route_container(settings, store, backend,
	                                     state.container, state.host_port);
done:
	sp_backend_free(backend);
	sp_engine_free(engine);
	sp_store_unlock(lock);
	sp_state_dispose(&state);
	return error;
}
