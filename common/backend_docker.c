/* The single-host Docker engine backend: one container per version of a
 * Space, on the Space's host port, network and volume. */
#include "backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "banned.h"
#include "context.h"
#include "deploy.h"
#include "error.h"

#define DOCKER_STOP_TIMEOUT 10

typedef struct {
	sp_backend base;
	sp_engine *engine;
	const sp_settings *settings;
	sp_redact_sink log;
	void *payload;
} backend_docker;

/* A warning for the job log. */
#define docker_say(d, ...)                                                     \
	sp_redact_sink_line((d)->log, (d)->payload, __VA_ARGS__)

/* "1000" or "1000:1000" as numbers; -1 when `user` is a name. */
static int docker_numeric_user(unsigned *uid, unsigned *gid, const char *user)
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
static void docker_own_data(backend_docker *d, const char *volume,
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

	if (docker_numeric_user(&uid, &gid, user) < 0) {
		docker_say(
		    d,
		    "spacehook: warning: /data stays owned by root: "
		    "spacehook.runAsUser '%s' is not a numeric uid[:gid]",
		    user);
		return;
	}
	sp_buf_printf(&image, "spacehook/data-owner:%u-%u", uid, gid);
	error = sp_engine_image_inspect(&info, d->engine, image.ptr);
	if (error == SP_ENOTFOUND &&
	    (error = sp_context_dir_archive(&tar, "data", uid, gid, 0755)) == 0)
		error = sp_engine_image_import(d->engine, image.ptr, tar.ptr,
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
		error = sp_engine_container_create(&id, d->engine, NULL, &spec);
	}
	if (error < 0)
		docker_say(d,
		           "spacehook: warning: could not give /data to user "
		           "%u:%u (%s); "
		           "the app may not be able to write there",
		           uid, gid, sp_error_last());
	if (id)
		sp_engine_container_remove(d->engine, id, 1);
	free(id);
	sp_image_info_dispose(&info);
	sp_buf_dispose(&image);
	sp_buf_dispose(&tar);
}

static int docker_create(char **out, sp_backend *b, const sp_backend_spec *spec,
                         const char *old)
{
	backend_docker *d = (backend_docker *)b;
	const sp_settings *s = d->settings;
	const sp_space *space = spec->space;
	sp_container_spec c = {0};
	sp_buf name = SP_BUF_INIT, volume = SP_BUF_INIT, network = SP_BUF_INIT,
	       label_space = SP_BUF_INIT, label_commit = SP_BUF_INIT;
	const char *labels[4];
	struct timespec now;
	int error;

	sp_buf_printf(&label_space, "spacehook.space=%s", space->id);
	sp_buf_printf(&label_commit, "spacehook.commit=%s", spec->commit);
	labels[0] = label_space.ptr;
	labels[1] = label_commit.ptr;
	labels[2] = "spacehook.managed=true";
	labels[3] = NULL;

	c.image = spec->image;
	c.env = spec->env;
	c.labels = labels;
	c.user = s->run_as_user;
	c.container_port = spec->app_port;
	c.host_ip = s->bind_address;
	c.host_port = spec->host_port;
	c.cpus = spec->cpus;
	c.memory = spec->memory;
	c.pids_limit = s->pids_limit;
	c.no_new_privileges = 1;
	c.cap_drop_all = 1;
	c.restart_policy = "no";
	c.runtime = s->runtime;
	c.log_max_size = s->log_max_size;
	c.log_max_files = s->log_max_files;
	/* A network of its own: no other Space's container can reach it. */
	sp_deploy_network_name(&network, space);
	if ((error = sp_engine_network_create(d->engine, network.ptr, labels)) <
	    0)
		goto done;
	c.network_mode = network.ptr;
	if (s->persistent_storage) {
		sp_buf_printf(&volume, "spacehook-%s-data", space->slug);
		if ((error = sp_engine_volume_create(d->engine, volume.ptr,
		                                     labels)) < 0)
			goto done;
		c.volume = volume.ptr;
		docker_own_data(d, volume.ptr, s->run_as_user, labels);
	}
	sp_deploy_gc_containers(d->engine, space, old, NULL);
	/* Unique also for two deploys of one commit within a second. */
	clock_gettime(CLOCK_REALTIME, &now);
	sp_buf_printf(&name, "spacehook-%s-%.7s-%lld%03ld", space->slug,
	              spec->commit, (long long)now.tv_sec,
	              now.tv_nsec / 1000000);
	error = sp_engine_container_create(out, d->engine, name.ptr, &c);
done:
	sp_buf_dispose(&name);
	sp_buf_dispose(&volume);
	sp_buf_dispose(&network);
	sp_buf_dispose(&label_space);
	sp_buf_dispose(&label_commit);
	return error;
}

/* One host port per Space: the old container holds it until it stops. */
static int docker_release(sp_backend *b, const char *old)
{
	backend_docker *d = (backend_docker *)b;
	int error;

	error = sp_engine_container_stop(d->engine, old, DOCKER_STOP_TIMEOUT);
	if (error == SP_ENOTFOUND)
		return 0;
	return error < 0 ? error : 1;
}

static int docker_start(sp_backend *b, const char *id)
{
	return sp_engine_container_start(((backend_docker *)b)->engine, id);
}

static int docker_status(sp_backend_status *out, sp_backend *b, const char *id)
{
	sp_container_info info = {0};
	int error;

	memset(out, 0, sizeof(*out));
	if ((error = sp_engine_container_inspect(
	         &info, ((backend_docker *)b)->engine, id)) < 0)
		return error;
	out->running = info.running || info.restarting;
	out->exit_code = info.exit_code;
	out->oom_killed = info.oom_killed;
	sp_container_info_dispose(&info);
	return 0;
}

static const char *docker_probe_host(const char *bind)
{
	if (!strcmp(bind, "0.0.0.0") || !strcmp(bind, ""))
		return "127.0.0.1";
	if (!strcmp(bind, "::"))
		return "[::1]";
	return bind;
}

static void docker_target(sp_buf *url, sp_buf *probe, sp_backend *b,
                          const sp_backend_spec *spec, const char *id)
{
	const char *bind = ((backend_docker *)b)->settings->bind_address;

	sp_buf_clear(url);
	sp_buf_printf(url, "http://%s:%d", bind, spec->host_port);
	sp_buf_clear(probe);
	sp_buf_printf(probe, "http://%s:%d/", docker_probe_host(bind),
	              spec->host_port);
	(void)id;
}

/*
 * Healthy: from now on the engine brings it back after a reboot or an engine
 * restart (not before: a crash loop would hide a failed start). The old
 * container goes; its image stays for rollback.
 */
static void docker_promote(sp_backend *b, const sp_backend_spec *spec,
                           const char *id, const char *old, const char *keep)
{
	backend_docker *d = (backend_docker *)b;
	sp_container_update update = {"unless-stopped"};
	int error;

	if ((error = sp_engine_container_update(d->engine, id, &update)) < 0)
		docker_say(d,
		           "spacehook: warning: the Space will not come back "
		           "by itself after an engine restart (%s)",
		           error == SP_EUNREACHABLE || error == SP_ETIMEOUT
		               ? sp_error_last()
		               : "the engine refused the restart policy");
	if (old && sp_engine_container_remove(d->engine, old, 1) < 0 &&
	    sp_error_last_code() != SP_ENOTFOUND)
		docker_say(d,
		           "spacehook: warning: could not remove the old "
		           "container: %s",
		           sp_error_last());
	sp_deploy_gc_containers(d->engine, spec->space, id, keep);
}

static int docker_restore(sp_backend *b, const char *old)
{
	return sp_engine_container_start(((backend_docker *)b)->engine, old);
}

static int docker_stop(sp_backend *b, const char *id)
{
	return sp_engine_container_stop(((backend_docker *)b)->engine, id,
	                                DOCKER_STOP_TIMEOUT);
}

static int docker_remove(sp_backend *b, const char *id)
{
	return sp_engine_container_remove(((backend_docker *)b)->engine, id, 1);
}

static int docker_logs(sp_backend *b, const char *id, int tail, int follow,
                       sp_engine_log_cb cb, void *payload)
{
	return sp_engine_container_logs(((backend_docker *)b)->engine, id, tail,
	                                follow, 0, cb, payload);
}

static int docker_gc(sp_backend *b, const sp_space *space, const char *keep1,
                     const char *keep2)
{
	return sp_deploy_gc_containers(((backend_docker *)b)->engine, space,
	                               keep1, keep2);
}

static void docker_cleanup(sp_backend *b, const sp_space *space,
                           const char *keep1, const char *keep2)
{
	sp_deploy_gc_images(((backend_docker *)b)->engine, space, keep1, keep2);
}

/* The Space's network, and its /data volume with `data`. */
static int docker_forget(sp_backend *b, const sp_space *space, int data)
{
	sp_engine *engine = ((backend_docker *)b)->engine;
	sp_buf name = SP_BUF_INIT;
	int error;

	sp_deploy_network_name(&name, space);
	error = sp_engine_network_remove(engine, name.ptr);
	if ((error == 0 || error == SP_ENOTFOUND) && data) {
		sp_buf_clear(&name);
		sp_buf_printf(&name, "spacehook-%s-data", space->slug);
		error = sp_engine_volume_remove(engine, name.ptr, 1);
	}
	sp_buf_dispose(&name);
	return error == SP_ENOTFOUND ? 0 : error;
}

static void docker_free(sp_backend *b)
{
	free(b);
}

/* Its address on the Space's network: nginx then skips the engine's port
 * proxy, one hop fewer for every request. */
static int docker_address(sp_buf *host, int *port, sp_backend *b,
                          const sp_backend_spec *spec, const char *id)
{
	(void)spec;
	return sp_engine_container_address(host, port,
	                                   ((backend_docker *)b)->engine, id);
}

static const sp_backend_ops docker_ops = {
    .create = docker_create,
    .release = docker_release,
    .start = docker_start,
    .status = docker_status,
    .target = docker_target,
    .address = docker_address,
    .route = NULL,
    .promote = docker_promote,
    .restore = docker_restore,
    .stop = docker_stop,
    .remove = docker_remove,
    .logs = docker_logs,
    .gc = docker_gc,
    .cleanup = docker_cleanup,
    .forget = docker_forget,
    .free = docker_free,
};

int sp_backend_docker_new(sp_backend **out, sp_engine *engine,
                          const sp_settings *settings, sp_redact_sink log,
                          void *payload)
{
	backend_docker *d = sp_calloc(1, sizeof(*d));

	d->base.ops = &docker_ops;
	d->engine = engine;
	d->settings = settings;
	d->log = log;
	d->payload = payload;
	*out = &d->base;
	return 0;
}
