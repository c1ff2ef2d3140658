/* Create, swap, health-check and roll back the container of a Space. */
#include "deploy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "banned.h"
#include "context.h"
#include "error.h"
#include "fault.h"
#include "probe.h"
#include "stage.h"
#include "strvec.h"
#include "webhook.h"

#define DEPLOY_STOP_TIMEOUT 10
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

static void deploy_say(const sp_deploy_options *opts, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void deploy_say(const sp_deploy_options *opts, const char *fmt, ...)
{
	sp_buf line = SP_BUF_INIT;
	va_list ap;

	if (!opts->log)
		return;
	va_start(ap, fmt);
	sp_buf_vprintf(&line, fmt, ap);
	va_end(ap);
	sp_buf_putc(&line, '\n');
	opts->log(line.ptr, line.size, opts->payload);
	sp_buf_dispose(&line);
}

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

static int deploy_collect_log(int stream, const char *data, size_t len,
                              void *payload)
{
	(void)stream;
	sp_buf_put(payload, data, len);
	return 0;
}

/* The last lines of a container's log, redacted, for the error record. */
static void deploy_log_tail(sp_buf *out, const sp_deploy_options *opts,
                            const char *id)
{
	sp_buf raw = SP_BUF_INIT;
	sp_redact r;

	sp_redact_init(&r, NULL, NULL);
	for (size_t i = 0; opts->secrets && i < opts->secrets->count; i++)
		sp_redact_add(&r, opts->secrets->items[i].value);
	sp_engine_set_timeout(opts->engine, 10);
	if (sp_engine_container_logs(opts->engine, id, DEPLOY_LOG_TAIL, 0, 0,
	                             deploy_collect_log, &raw) == 0 &&
	    raw.size) {
		sp_buf_puts(out, "\nContainer logs:\n");
		sp_redact_string(out, &r, raw.ptr, raw.size);
	}
	sp_engine_set_timeout(opts->engine, 0);
	sp_redact_dispose(&r);
	sp_buf_dispose(&raw);
}

/* The container's environment: variables, secrets, then the SPACE_* variables.
 */
static void deploy_env(sp_strvec *env, const sp_deploy_options *opts,
                       int host_port, double cpus, long long memory)
{
	const sp_space *space = sp_store_space(opts->store);
	const sp_settings *s = opts->settings;

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
	sp_strvec_pushf(env, "SPACE_HOST=%s:%d", s->bind_address, host_port);
	sp_strvec_pushf(env, "CPU_CORES=%g", cpus);
	if (memory % GIB == 0)
		sp_strvec_pushf(env, "MEMORY=%lldGi", memory / GIB);
	else
		sp_strvec_pushf(env, "MEMORY=%lld", memory);
	sp_strvec_pushf(env, "ACCELERATOR=%s", "none");
	sp_strvec_push(env, "SYSTEM=spaces");
}

/* Start the container the state recorded as serving again (rollback). */
static void deploy_restore(const sp_deploy_options *opts, const char *old)
{
	if (!old)
		return;
	if (sp_engine_container_start(opts->engine, old) < 0)
		deploy_say(
		    opts,
		    "spacehook: could not start the previous version again: %s",
		    sp_error_last());
	else
		deploy_say(opts,
		           "spacehook: the previous version serves again");
}

/*
 * Remove every container of the Space but `keep1` and `keep2`: what a crashed
 * or canceled deploy left behind. Returns how many were removed.
 */
static int deploy_remove_others(const sp_deploy_options *opts,
                                const char *keep1, const char *keep2)
{
	return sp_deploy_gc_containers(
	    opts->engine, sp_store_space(opts->store), keep1, keep2);
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

/* "1000" or "1000:1000" as numbers; -1 when `user` is a name. */
static int deploy_numeric_user(unsigned *uid, unsigned *gid, const char *user)
{
	char *end = NULL;
	unsigned long u, g;

	if (!user || !*user || *user < '0' || *user > '9')
		return -1;
	u = strtoul(user, &end, 10);
	if (*end == '\0') {
		g = u;
	} else if (*end == ':' && end[1] >= '0' && end[1] <= '9') {
		g = strtoul(end + 1, &end, 10);
		if (*end)
			return -1;
	} else {
		return -1;
	}
	if (u > 0x7fffffffUL || g > 0x7fffffffUL)
		return -1;
	*uid = (unsigned)u;
	*gid = (unsigned)g;
	return 0;
}

/*
 * /data must be writable by the app's user, as on Hugging Face: a new volume
 * is owned by root. No image of the Space ever runs as root for that:
 * spacehook makes a one-layer image holding only an empty /data owned by
 * the app's user (spacehook/data-owner:<uid>-<gid>, nothing executable in
 * it) and creates, without starting, a container of it with the volume
 * mounted: the engine's copy-up into an empty volume gives the volume that
 * owner. A volume that already holds files keeps its owner.
 */
static void deploy_own_data(const sp_deploy_options *opts, const char *volume,
                            const char *user, const char *const *labels)
{
	static const char *cmd[] = {"/nothing-runs-here", NULL};
	const char *helper_labels[4] = {labels[0], "spacehook.managed=true",
	                                "spacehook.helper=data-owner", NULL};
	sp_container_spec spec = {0};
	sp_image_info info = {0};
	sp_buf image = SP_BUF_INIT, tar = SP_BUF_INIT;
	unsigned uid, gid;
	char *id = NULL;
	int error;

	if (deploy_numeric_user(&uid, &gid, user) < 0) {
		deploy_say(
		    opts,
		    "spacehook: warning: /data stays owned by root: "
		    "spacehook.runAsUser '%s' is not a numeric uid[:gid]",
		    user);
		return;
	}
	sp_buf_printf(&image, "spacehook/data-owner:%u-%u", uid, gid);
	error = sp_engine_image_inspect(&info, opts->engine, image.ptr);
	if (error == SP_ENOTFOUND &&
	    (error = sp_context_dir_archive(&tar, "data", uid, gid, 0755)) == 0)
		error = sp_engine_image_import(opts->engine, image.ptr, tar.ptr,
		                               tar.size);
	if (error == 0) {
		spec.image = image.ptr;
		spec.cmd = cmd;
		spec.labels = helper_labels;
		spec.user = "65534:65534";
		spec.volume = volume;
		spec.volume_copy = 1;
		spec.network_mode = "none";
		spec.no_new_privileges = 1;
		spec.cap_drop_all = 1;
		spec.pids_limit = 16;
		spec.memory = 16LL * 1024 * 1024;
		error =
		    sp_engine_container_create(&id, opts->engine, NULL, &spec);
	}
	if (error < 0)
		deploy_say(opts,
		           "spacehook: warning: could not give /data to user "
		           "%u:%u (%s); "
		           "the app may not be able to write there",
		           uid, gid, sp_error_last());
	if (id)
		sp_engine_container_remove(opts->engine, id, 1);
	free(id);
	sp_image_info_dispose(&info);
	sp_buf_dispose(&image);
	sp_buf_dispose(&tar);
}

/* Give a healthy container the restart policy unless-stopped. */
static void deploy_keep_running(const sp_deploy_options *opts, const char *id)
{
	static const char body[] =
	    "{\"RestartPolicy\":{\"Name\":\"unless-stopped\"}}";
	sp_buf path = SP_BUF_INIT, answer = SP_BUF_INIT;
	long status = 0;

	sp_buf_printf(&path, "/containers/%s/update", id);
	if (sp_engine_request(&answer, &status, opts->engine, "POST", path.ptr,
	                      body) < 0 ||
	    status != 200)
		deploy_say(opts,
		           "spacehook: warning: the Space will not come back "
		           "by itself "
		           "after an engine restart (%s)",
		           status ? "the engine refused the restart policy"
		                  : sp_error_last());
	sp_buf_dispose(&path);
	sp_buf_dispose(&answer);
}

static const char *deploy_probe_host(const char *bind)
{
	if (!strcmp(bind, "0.0.0.0") || !strcmp(bind, ""))
		return "127.0.0.1";
	if (!strcmp(bind, "::"))
		return "[::1]";
	return bind;
}

int sp_deploy_run(sp_state *state, const sp_deploy_options *opts)
{
	const sp_settings *s = opts->settings;
	const sp_space *space = sp_store_space(opts->store);
	sp_container_spec spec = {0};
	sp_container_info info = {0};
	sp_buf name = SP_BUF_INIT, url = SP_BUF_INIT, probe_url = SP_BUF_INIT,
	       volume = SP_BUF_INIT, message = SP_BUF_INIT;
	sp_buf label_space = SP_BUF_INIT, label_commit = SP_BUF_INIT,
	       network = SP_BUF_INIT;
	sp_strvec env = SP_STRVEC_INIT;
	const char *labels[4];
	char *id = NULL, *old = NULL, *old_image = NULL;
	char stamp[32], duration[32];
	long timeout, status, pause_ms = 20;
	long long memory;
	double cpus;
	int port = 0, error, app_port, started = 0, stopped = 0;
	time_t deadline;

	app_port = opts->config ? opts->config->app_port : 7860;
	timeout = opts->config ? opts->config->startup_timeout : 1800;
	if (s->startup_timeout > 0 && timeout > s->startup_timeout)
		timeout = s->startup_timeout;
	old = state->container ? sp_strdup(state->container) : NULL;
	old_image = state->image ? sp_strdup(state->image) : NULL;

	if ((error = sp_store_port(&port, s->state_dir, space->id,
	                           s->bind_address, s->port_min, s->port_max)) <
	    0)
		goto failed;
	sp_deploy_limits(&cpus, &memory,
	                 opts->config ? opts->config->suggested_hardware : NULL,
	                 s);
	deploy_env(&env, opts, port, cpus, memory);
	sp_buf_printf(&label_space, "spacehook.space=%s", space->id);
	sp_buf_printf(&label_commit, "spacehook.commit=%s", opts->commit);
	labels[0] = label_space.ptr;
	labels[1] = label_commit.ptr;
	labels[2] = "spacehook.managed=true";
	labels[3] = NULL;

	spec.image = opts->image;
	spec.env = env.v;
	spec.labels = labels;
	spec.user = s->run_as_user;
	spec.container_port = app_port;
	spec.host_ip = s->bind_address;
	spec.host_port = port;
	spec.cpus = cpus;
	spec.memory = memory;
	spec.pids_limit = s->pids_limit;
	spec.no_new_privileges = 1;
	spec.cap_drop_all = 1;
	spec.restart_policy = "no";
	spec.runtime = s->runtime;
	spec.log_max_size = s->log_max_size;
	spec.log_max_files = s->log_max_files;
	/* A network of its own: no other Space's container can reach it. */
	sp_deploy_network_name(&network, space);
	if ((error = sp_engine_network_create(opts->engine, network.ptr,
	                                      labels)) < 0)
		goto failed;
	spec.network_mode = network.ptr;
	if (s->persistent_storage) {
		sp_buf_printf(&volume, "spacehook-%s-data", space->slug);
		if ((error = sp_engine_volume_create(opts->engine, volume.ptr,
		                                     labels)) < 0)
			goto failed;
		spec.volume = volume.ptr;
		deploy_own_data(opts, volume.ptr, s->run_as_user, labels);
	}
	deploy_remove_others(opts, old, NULL);
	{
		/* Unique also for two deploys of one commit within a second. */
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		sp_buf_printf(&name, "spacehook-%s-%.7s-%lld%03ld", space->slug,
		              opts->commit, (long long)now.tv_sec,
		              now.tv_nsec / 1000000);
	}
	if ((error = sp_engine_container_create(&id, opts->engine, name.ptr,
	                                        &spec)) < 0)
		goto failed;

	sp_buf_printf(&url, "http://%s:%d", s->bind_address, port);
	sp_buf_printf(&probe_url, "http://%s:%d/",
	              deploy_probe_host(s->bind_address), port);
	sp_state_set(&state->error, NULL);
	state->host_port = port;
	sp_state_set(&state->url, url.ptr);
	deploy_stage(opts, state, "APP_STARTING", NULL);

	if (old) {
		error = sp_engine_container_stop(opts->engine, old,
		                                 DEPLOY_STOP_TIMEOUT);
		if (error < 0 && error != SP_ENOTFOUND)
			goto failed;
		stopped = error == 0;
	}
	sp_fault("deploy-after-stop");
	deploy_stamp(stamp, sizeof(stamp));
	deploy_say(opts, "===== Application startup at %s =====", stamp);
	if ((error = sp_engine_container_start(opts->engine, id)) < 0)
		goto failed;
	started = 1;

	deadline = time(NULL) + timeout;
	for (;;) {
		if (opts->cancel && *opts->cancel) {
			error = sp_error_set(SP_ECANCELED, "deploy canceled");
			goto failed;
		}
		if ((error = sp_engine_container_inspect(&info, opts->engine,
		                                         id)) < 0)
			goto failed;
		if (!info.running && !info.restarting) {
			sp_buf_printf(&message,
			              "Space failed to start. Exit code: %d",
			              info.exit_code);
			if (info.oom_killed)
				sp_buf_puts(&message, " (out of memory)");
			sp_container_info_dispose(&info);
			error = sp_error_set(SP_ERUNTIME, "%s", message.ptr);
			goto failed;
		}
		sp_container_info_dispose(&info);
		sp_fault("deploy-probe");
		if (sp_probe_http(&status, probe_url.ptr, 1000) == 0)
			break;
		if (time(NULL) >= deadline) {
			deploy_duration(duration, sizeof(duration), timeout);
			sp_buf_printf(
			    &message,
			    "Launch timed out, space was not healthy after %s",
			    duration);
			error = sp_error_set(SP_ERUNTIME, "%s", message.ptr);
			goto failed;
		}
		usleep(pause_ms * 1000);
		if (pause_ms < 500)
			pause_ms = pause_ms * 3 / 2;
	}

	/*
	 * Healthy: from now on the engine brings it back after a reboot or an
	 * engine restart (not before: a crash loop would hide a failed start).
	 */
	deploy_keep_running(opts, id);
	/* The new container serves; keep the old image for rollback. */
	if (old && sp_engine_container_remove(opts->engine, old, 1) < 0 &&
	    sp_error_last_code() != SP_ENOTFOUND)
		deploy_say(opts,
		           "spacehook: warning: could not remove the old "
		           "container: %s",
		           sp_error_last());
	deploy_remove_others(opts, id, NULL);
	if (old_image && strcmp(old_image, opts->image))
		sp_state_set(&state->prev_image, old_image);
	sp_state_set(&state->commit, opts->commit);
	sp_state_set(&state->image, opts->image);
	sp_state_set(&state->container, id);
	sp_state_set(&state->building_commit, NULL);
	sp_state_set(&state->error, NULL);
	state->started_at = (long long)time(NULL);
	deploy_stage(opts, state, "RUNNING", NULL);
	sp_deploy_gc_images(opts->engine, space, state->image,
	                    state->prev_image);
	error = 0;
	goto done;

failed:
	if (!message.size)
		sp_buf_puts(&message, sp_error_last());
	if (id && started)
		deploy_log_tail(&message, opts, id);
	{
		/* An engine message may quote the environment: no secret leaves
		 * here. */
		sp_buf clean = SP_BUF_INIT;
		sp_redact r;

		sp_redact_init(&r, NULL, NULL);
		for (size_t i = 0; opts->secrets && i < opts->secrets->count;
		     i++)
			sp_redact_add(&r, opts->secrets->items[i].value);
		sp_redact_string(&clean, &r, message.ptr, message.size);
		sp_buf_sets(&message, clean.ptr);
		sp_buf_dispose(&clean);
		sp_redact_dispose(&r);
	}
	deploy_say(opts, "%s", message.ptr);
	if (id)
		sp_engine_container_remove(opts->engine, id, 1);
	if (stopped)
		deploy_restore(opts, old);
	sp_state_set(&state->building_commit, NULL);
	deploy_stage(opts, state,
	             error != SP_ECANCELED ? "RUNTIME_ERROR"
	             : old                 ? "RUNNING"
	                                   : "STOPPED",
	             message.ptr);
	if (error == 0)
		error = SP_ERROR;
done:
	sp_strvec_clear(&env);
	free(id);
	free(old);
	free(old_image);
	sp_buf_dispose(&name);
	sp_buf_dispose(&url);
	sp_buf_dispose(&probe_url);
	sp_buf_dispose(&volume);
	sp_buf_dispose(&message);
	sp_buf_dispose(&label_space);
	sp_buf_dispose(&label_commit);
	sp_buf_dispose(&network);
	return error;
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
