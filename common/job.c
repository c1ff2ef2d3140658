/* What an administrator does to a Space's jobs: submit, restart, cancel,
 * pause, collect garbage, reconcile the record with the engine, forget. */
#include "job.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "banned.h"
#include "deploy.h"
#include "engine.h"
#include "error.h"
#include "frontdoor.h"
#include "refs.h"
#include "repo.h"
#include "stage.h"
#include "static.h"

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
	if ((error = sp_worker_open(&repo, &repo_settings, &store, space,
	                            settings)) < 0 ||
	    (error = sp_state_load(&state, store)) < 0)
		goto done;
	if (state.commit && (flags & SP_JOB_RESTART)) {
		memcpy(commit, state.commit, sizeof(commit) - 1);
		commit[SP_OID_HEXSZ] = '\0';
	} else {
		sp_buf ref = SP_BUF_INIT;

		if ((error = sp_refs_deploy_ref(
		         &ref, repo_settings.deploy_branch)) == 0)
			error = sp_repo_resolve(commit, repo, ref.ptr);
		sp_buf_dispose(&ref);
		if (error < 0)
			goto done;
	}
	if ((error = sp_queue_enqueue(id_out, store, NULL, commit, flags)) <
	        0 ||
	    (error = sp_worker_start(space, store)) < 0)
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
	error = sp_queue_follow(&stage, store, id, STDERR_FILENO);
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

int sp_job_cancel(int *canceled, sp_store *store, int wait_seconds)
{
	int error, count = 0;
	pid_t pid;

	if ((error = sp_queue_drop(&count, store, "CANCELED",
	                           "canceled by the administrator before it "
	                           "started",
	                           "canceled by the administrator")) < 0)
		return error;
	if ((pid = sp_worker_pid(store)) > 0 && kill(pid, SIGTERM) == 0) {
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

/* The engine and the backend the Space runs on. */
static int job_open(sp_engine **engine, sp_backend **backend,
                    const sp_settings *settings, sp_store *store)
{
	int error;

	if ((error = sp_engine_new(engine, settings->docker_host)) < 0)
		return error;
	return sp_backend_open(backend, *engine, settings, store, NULL, NULL);
}

/* What the backend tells while an admin waits (gc): on stderr. */
static int job_stderr(const char *data, size_t len, void *payload)
{
	(void)payload;
	return fwrite(data, 1, len, stderr) == len ? 0 : -1;
}

int sp_job_pause(const sp_settings *settings, sp_store *store, int paused)
{
	sp_engine *engine = NULL;
	sp_backend *backend = NULL;
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
			if ((error = job_open(&engine, &backend, settings,
			                      store)) < 0)
				goto done;
			error = backend->ops->stop(backend, state.container);
			if (error < 0 && error != SP_ENOTFOUND)
				goto done;
		}
		sp_state_set(&state.error, NULL);
	}
	if (paused) {
		sp_stage_target to = {settings, store, state.commit, NULL,
		                      NULL};

		error = sp_stage_set(&state, &to, "PAUSED", NULL);
	} else {
		error = sp_state_save(store, &state);
	}
done:
	if (lock >= 0)
		sp_store_unlock(lock);
	sp_backend_free(backend);
	sp_engine_free(engine);
	sp_state_dispose(&state);
	return error;
}

int sp_job_gc(const sp_settings *settings, sp_store *store, int *containers,
              int *images)
{
	const sp_space *space = sp_store_space(store);
	sp_engine *engine = NULL;
	sp_backend *backend = NULL;
	sp_image_list before = {0}, after = {0};
	sp_buf filter = SP_BUF_INIT;
	sp_state state;
	int lock = -1, error;

	sp_state_init(&state);
	/* Not while a job runs: its new container and image are not recorded
	 * yet. */
	if ((error = sp_store_lock(&lock, store, 0)) < 0 ||
	    (error = sp_state_load(&state, store)) < 0 ||
	    (error = sp_engine_new(&engine, settings->docker_host)) < 0 ||
	    (error = sp_backend_open(&backend, engine, settings, store,
	                             job_stderr, NULL)) < 0)
		goto done;
	sp_buf_printf(&filter, "spacehook.space=%s", space->id);
	sp_engine_image_list(&before, engine, filter.ptr);
	*containers += backend->ops->gc(backend, space, state.container, NULL);
	if (!state.container)
		/* Nothing serves: the Space's network goes too. */
		backend->ops->forget(backend, space, 0);
	backend->ops->cleanup(backend, space, state.image, state.prev_image);
	sp_engine_image_list(&after, engine, filter.ptr);
	if (before.count > after.count)
		*images += (int)(before.count - after.count);
done:
	if (lock >= 0)
		sp_store_unlock(lock);
	sp_image_list_dispose(&before);
	sp_image_list_dispose(&after);
	sp_buf_dispose(&filter);
	sp_backend_free(backend);
	sp_engine_free(engine);
	sp_state_dispose(&state);
	return error;
}

/*
 * A worker died in a deploy behind the front door: the version the record
 * names is the one that serves. Others go (but one draining), and the
 * hostname points at it again (the worker may have switched nginx before it
 * recorded the switch).
 */
static void job_reconcile_front(const sp_settings *settings, sp_store *store,
                                sp_backend *backend, const sp_state *state)
{
	sp_route route = {.kind = SP_ROUTE_STATUS};

	backend->ops->gc(backend, sp_store_space(store), state->container,
	                 state->retiring);
	if (state->container)
		sp_frontdoor_route_container(settings, store, backend,
		                             state->container,
		                             state->host_port);
	else
		sp_frontdoor_route(settings, store, &route);
}

int sp_job_reconcile(int *changed, sp_backend_status *where,
                     const sp_settings *settings, sp_store *store,
                     sp_engine *engine, sp_state *state)
{
	int front = settings && sp_frontdoor_enabled(settings);
	sp_backend_status info = {0};
	sp_backend *backend = NULL;
	sp_buf message = SP_BUF_INIT;
	const char *stage = NULL;
	int lock = -1, error, running = 0, exists = 0, exit_code = 0;

	if (changed)
		*changed = 0;
	if ((error = sp_store_lock(&lock, store, 0)) < 0)
		return error == SP_ELOCKED ? 0 : error; /* a worker is on it */
	sp_state_dispose(state);
	sp_state_init(state);
	if ((error = sp_state_load(state, store)) < 0 ||
	    (error = sp_backend_open(&backend, engine, settings, store, NULL,
	                             NULL)) < 0)
		goto done;
	if (state->container) {
		error = backend->ops->status(&info, backend, state->container);
		if (error < 0 && error != SP_ENOTFOUND)
			goto done;
		exists = error == 0;
		if (exists && where)
			*where = info;
		running = exists && info.running;
		exit_code = exists ? info.exit_code : 0;
		error = 0;
	}
	if (sp_stage_in_job(state->stage)) {
		sp_buf_printf(
		    &message,
		    "the worker stopped during %s; 'spacehook rebuild %s' "
		    "runs the job again",
		    state->stage, sp_store_space(store)->id);
		stage = running ? "RUNNING" : "RUNTIME_ERROR";
		sp_state_set(&state->building_commit, NULL);
		if (front)
			job_reconcile_front(settings, store, backend, state);
	} else if (state->stage && !strcmp(state->stage, "RUNNING") &&
	           !running && !state->paused &&
	           (state->container || state->image)) {
		/* (No container and no image: a static Space, nginx serves
		 * its files.) */
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
		stage = "RUNTIME_ERROR";
	}
	if (front &&
	    sp_deploy_retire_due(state, backend, (long long)time(NULL)) > 0) {
		if (!stage && (error = sp_state_save(store, state)) < 0)
			goto done;
		if (changed)
			*changed = 1;
	}
	if (stage) {
		/* Told to nobody: the webhooks heard of the job's stage. */
		sp_stage_target to = {NULL, store, NULL, NULL, NULL};

		if ((error = sp_stage_set(state, &to, stage, message.ptr)) < 0)
			goto done;
		if (changed)
			*changed = 1;
	}
done:
	sp_backend_free(backend);
	sp_buf_dispose(&message);
	sp_store_unlock(lock);
	return error;
}

int sp_job_forget(const sp_settings *settings, sp_store *store, int data,
                  sp_buf *report)
{
	const sp_space *space = sp_store_space(store);
	sp_engine *engine = NULL;
	sp_backend *backend = NULL;
	sp_buf name = SP_BUF_INIT;
	int lock = -1, error, containers, images = 0;
	sp_image_list list = {0};

	if ((error = sp_job_cancel(NULL, store, 60)) < 0 ||
	    (error = sp_store_lock(&lock, store, 1)) < 0 ||
	    (error = job_open(&engine, &backend, settings, store)) < 0)
		goto done;
	sp_buf_printf(&name, "spacehook.space=%s", space->id);
	if ((error = sp_engine_image_list(&list, engine, name.ptr)) < 0)
		goto done;
	images = (int)list.count;
	containers = backend->ops->gc(backend, space, NULL, NULL);
	backend->ops->cleanup(backend, space, NULL, NULL);
	if ((error = backend->ops->forget(backend, space, data)) < 0)
		goto done;
	sp_buf_printf(report,
	              "%s: removed %d container%s, %d image%s, its network",
	              space->id, containers, containers == 1 ? "" : "s", images,
	              images == 1 ? "" : "s");
	sp_buf_clear(&name);
	sp_buf_printf(&name, "spacehook-%s-data", space->slug);
	if (data)
		sp_buf_puts(report, ", its /data volume");
	if (sp_frontdoor_enabled(settings)) {
		error = sp_frontdoor_unroute(settings, store);
		if (error < 0 && error != SP_EPROXY)
			goto done;
		if ((error = sp_static_remove(settings, space)) < 0)
			goto done;
		sp_buf_puts(report, ", its hostname");
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
	sp_backend_free(backend);
	sp_engine_free(engine);
	sp_buf_dispose(&name);
	return error;
}
