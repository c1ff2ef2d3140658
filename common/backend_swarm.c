/* The Docker Swarm backend: one service per Space, its image pushed to the
 * registry every node pulls from, updated in place (backend.h). */
#include "backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "banned.h"
#include "context.h"
#include "deploy.h"
#include "engine_swarm.h"
#include "error.h"
#include "frontdoor.h"
#include "hmac.h"
#include "proc.h"
#include "registry.h"
#include "strvec.h"

#define SWARM_STOP_GRACE 10
/* Seconds a failing update is given to roll back by itself. */
#define SWARM_ROLLBACK_WAIT 20

static void swarm_pause_ms(long ms)
{
	struct timespec pause = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&pause, NULL);
}

/*
 * An instance is one version of the Space's service: "<service>/<stamp>",
 * the stamp being the ForceUpdate value of the spec that version was started
 * with (each deploy sends a new one). Its tasks carry the stamp in their
 * spec; the service's current spec tells whether it is the version that
 * runs.
 */
typedef struct {
	sp_backend base;
	sp_engine *engine;
	const sp_settings *settings;
	sp_redact_sink log;
	void *payload;
	int front; /* behind the front door: ports the engine picks */
	long startup_timeout; /* seconds a new version has to start */
	/* What create prepared for start. */
	sp_service_spec spec;
	long long version;             /* the service's version, 0: create it */
	unsigned long long seen_stamp; /* its ForceUpdate then */
	sp_strvec strings;             /* what the spec points at */
	sp_strvec constraints;
	sp_strvec labels;
	sp_strvec generic;
	const char *networks[2];
	sp_service_mount mount;
	sp_service_secret *secrets;
	size_t secret_count;
	sp_buf auth; /* spacehook.registryAuth's content, wiped after */
	sp_buf self; /* this engine's node, once asked */
} backend_swarm;

#define swarm_say(w, ...)                                                      \
	sp_redact_sink_line((w)->log, (w)->payload, __VA_ARGS__)

/* "spacehook-<slug>": the Space's service, network and volume prefix. */
static void swarm_service_name(sp_buf *out, const sp_space *space)
{
	sp_buf_clear(out);
	sp_buf_printf(out, "spacehook-%s", space->slug);
}

/* Split "<service>/<stamp>". */
static int swarm_split_id(sp_buf *service, unsigned long long *stamp,
                          const char *id)
{
	const char *slash = id ? strrchr(id, '/') : NULL;
	char *end = NULL;

	if (!slash || slash == id || !slash[1])
		return sp_error_set(SP_ENOTFOUND,
		                    "'%s' is no version of a swarm service",
		                    id ? id : "");
	*stamp = strtoull(slash + 1, &end, 10);
	if (*end)
		return sp_error_set(
		    SP_ENOTFOUND, "'%s' is no version of a swarm service", id);
	sp_buf_clear(service);
	sp_buf_put(service, id, (size_t)(slash - id));
	return 0;
}

/* A stamp above every one before: milliseconds, kept below 2^53. */
static unsigned long long swarm_stamp(unsigned long long above)
{
	struct timespec now;
	unsigned long long ms;

	clock_gettime(CLOCK_REALTIME, &now);
	ms = (unsigned long long)now.tv_sec * 1000 +
	     (unsigned long long)now.tv_nsec / 1000000;
	return ms > above ? ms : above + 1;
}

static void swarm_reset(backend_swarm *w)
{
	sp_strvec_clear(&w->strings);
	sp_strvec_clear(&w->constraints);
	sp_strvec_clear(&w->labels);
	sp_strvec_clear(&w->generic);
	for (size_t i = 0; i < w->secret_count; i++)
		free((char *)w->secrets[i].secret_id);
	free(w->secrets);
	w->secrets = NULL;
	w->secret_count = 0;
	memset(&w->spec, 0, sizeof(w->spec));
	w->version = 0;
	sp_buf_dispose_wipe(&w->auth);
	sp_buf_init(&w->auth);
}

/*
 * Tag the built image as <registry>/spaces/<slug>:<commit> and push it;
 * the reference goes to `ref`, pinned to the manifest's digest when the
 * engine tells it.
 */
static int swarm_push(backend_swarm *w, sp_buf *ref,
                      const sp_backend_spec *spec)
{
	sp_buf repo = SP_BUF_INIT, log = SP_BUF_INIT, digest = SP_BUF_INIT;
	int error;

	sp_buf_printf(&repo, "%s/spaces/%s", w->settings->registry,
	              spec->space->slug);
	sp_buf_clear(&w->auth);
	sp_buf_clear(ref);
	sp_buf_printf(ref, "%s:%s", repo.ptr, spec->commit);
	if (w->settings->registry_auth &&
	    (error = sp_buf_read_file(&w->auth, w->settings->registry_auth,
	                              64 * 1024)) < 0) {
		error = sp_error_set(SP_EINVALID,
		                     "spacehook.registryAuth: cannot read '%s'",
		                     w->settings->registry_auth);
		goto done;
	}
	swarm_say(w, "spacehook: pushing %s", ref->ptr);
	if ((error = sp_engine_image_tag(w->engine, spec->image, repo.ptr,
	                                 spec->commit)) < 0 ||
	    (error = sp_engine_image_push(&log, &digest, w->engine, ref->ptr,
	                                  w->auth.size ? w->auth.ptr : NULL)) <
	        0) {
		sp_error_set(error, "could not push the image to %s: %s",
		             w->settings->registry, sp_error_last());
		goto done;
	}
	swarm_say(w, "spacehook: pushed %s", ref->ptr);
	/* Pinned: every node runs these bytes, and one that has them (the
	 * one that built them) starts the task without asking the registry. */
	if (digest.size)
		sp_buf_printf(ref, "@%s", digest.ptr);
done:
	sp_buf_dispose(&repo);
	sp_buf_dispose(&log);
	sp_buf_dispose(&digest);
	return error;
}

/* The node (id) the service's running task is on; "" when none runs. */
static void swarm_running_node(sp_buf *out, backend_swarm *w,
                               const char *service)
{
	sp_task_list tasks = {0};

	sp_buf_clear(out);
	if (sp_engine_task_list(&tasks, w->engine, service) == 0)
		for (size_t i = 0; i < tasks.count; i++)
			if (!strcmp(tasks.items[i].state, "running") &&
			    *tasks.items[i].node_id) {
				sp_buf_sets(out, tasks.items[i].node_id);
				break;
			}
	sp_task_list_dispose(&tasks);
}

/*
 * Secrets as swarm secrets too: one per value, named after a hash of it, so
 * a new value is a new secret and the service rolls.
 */
static int swarm_secrets(backend_swarm *w, const sp_backend_spec *spec)
{
	const sp_kv *kv = spec->secrets;
	sp_secret_list have = {0};
	sp_buf filter = SP_BUF_INIT, name = SP_BUF_INIT;
	const char *labels[3];
	int error;

	if (!kv || !kv->count)
		return 0;
	sp_buf_printf(&filter, "spacehook.space=%s", spec->space->id);
	labels[0] = filter.ptr;
	labels[1] = "spacehook.managed=true";
	labels[2] = NULL;
	if ((error = sp_engine_secret_list(&have, w->engine, filter.ptr)) < 0)
		goto done;
	w->secrets = sp_calloc(kv->count, sizeof(*w->secrets));
	for (size_t i = 0; i < kv->count; i++) {
		const char *value = kv->items[i].value;
		unsigned char digest[32];
		char *id = NULL;

		sp_hmac_sha256(digest, spec->space->id, strlen(spec->space->id),
		               value, strlen(value));
		sp_buf_clear(&name);
		sp_buf_printf(&name, "spacehook-%s-%s-", spec->space->slug,
		              kv->items[i].name);
		for (int j = 0; j < 6; j++)
			sp_buf_printf(&name, "%02x", digest[j]);
		for (size_t h = 0; h < have.count && !id; h++)
			if (!strcmp(have.items[h].name, name.ptr))
				id = sp_strdup(have.items[h].id);
		if (!id && (error = sp_engine_secret_create(
		                &id, w->engine, name.ptr, value, strlen(value),
		                labels)) < 0)
			goto done;
		w->secrets[w->secret_count].secret_id = id;
		w->secrets[w->secret_count].secret_name =
		    sp_strvec_push(&w->strings, name.ptr);
		w->secrets[w->secret_count].file =
		    sp_strvec_push(&w->strings, kv->items[i].name);
		w->secret_count++;
	}
	w->spec.secrets = w->secrets;
	w->spec.secret_count = w->secret_count;
done:
	sp_secret_list_dispose(&have);
	sp_buf_dispose(&filter);
	sp_buf_dispose(&name);
	return error;
}

/*
 * The health check that makes a start-first update wait for the new task
 * (the old one stops once it passed): the app's port takes connections, as
 * the first of bash, nc, python3 and curl the image has can tell. None when
 * the image has its own or no shell (the update then replaces the old task
 * as soon as the new one started).
 *
 * The engine runs a check a fixed interval after the last one ended, the
 * first one that interval after the start. So the interval is short, for
 * the handover to follow the app at once, and the check paces itself: until
 * the app first answers it tries for about two seconds a run, and after
 * that (a mark in /tmp) it waits SWARM_HEALTH_PACE seconds before it looks:
 * one run in about 20 s while the Space serves, not several a second.
 */
#define SWARM_HEALTH_PACE 20

/* Set the health check `cmd` in the prepared spec. */
static void swarm_health_set(backend_swarm *w, const sp_backend_spec *spec,
                             const char *cmd)
{
	w->spec.health_cmd = sp_strvec_push(&w->strings, cmd);
	w->spec.health_interval_ms = 10;
	/* The paced run and a slow answer after it. */
	w->spec.health_timeout = SWARM_HEALTH_PACE + 10;
	w->spec.health_start_period =
	    (int)(spec->startup_timeout > 0 ? spec->startup_timeout
	                                    : w->startup_timeout);
}

/* Whether image `ref` (here) is made of `layers` (sp_image_info's). */
static int swarm_same_files(backend_swarm *w, const char *ref,
                            const char *layers)
{
	sp_image_info info = {0};
	int same = 0;

	if (*ref && *layers &&
	    sp_engine_image_inspect(&info, w->engine, ref) == 0)
		same = !strcmp(info.layers, layers);
	sp_image_info_dispose(&info);
	sp_error_clear();
	return same;
}

/* `current`: the service as it runs (NULL: none yet). */
static int swarm_health(backend_swarm *w, const sp_backend_spec *spec,
                        const sp_service_info *current)
{
	static const char *cmd[] = {"/bin/sh", NULL};
	const char *labels[3] = {"spacehook.managed=true",
	                         "spacehook.helper=probe", NULL};
	sp_container_spec c = {0};
	sp_image_info info = {0};
	sp_buf check = SP_BUF_INIT;
	char *id = NULL;
	int error, shell = 0;

	if ((error = sp_engine_image_inspect(&info, w->engine, spec->image)) <
	    0)
		return error;
	if (info.healthcheck)
		goto done;
	sp_buf_printf(
	    &check,
	    "p=%d; m=/tmp/.spacehook-healthy; "
	    "has() { command -v $1 >/dev/null 2>&1; }; "
	    "up() { if has bash; then "
	    "bash -c \"exec 3<>/dev/tcp/127.0.0.1/$p\" 2>/dev/null; "
	    "elif has nc; then "
	    "nc -w 2 127.0.0.1 $p </dev/null >/dev/null 2>&1; "
	    "elif has python3; then python3 -c \"import socket; "
	    "socket.create_connection(('127.0.0.1', $p), 2)\" 2>/dev/null; "
	    "else curl -s -m 2 -o /dev/null http://127.0.0.1:$p/; fi; }; "
	    "if [ -e $m ]; then sleep %d; up; exit; fi; n=0; "
	    "until up; do n=$((n + 1)); [ $n -ge 40 ] && exit 1; "
	    "sleep 0.05 2>/dev/null || sleep 1; done; "
	    ": >$m 2>/dev/null || sleep 2",
	    spec->app_port, SWARM_HEALTH_PACE);
	/* The serving version has this check and the same files (a push
	 * that changed no layer, a restart): its image had the shell. */
	if (current && !strcmp(current->health_cmd, check.ptr) &&
	    swarm_same_files(w, current->image, info.layers)) {
		swarm_health_set(w, spec, check.ptr);
		goto done;
	}
	c.image = spec->image;
	c.cmd = cmd;
	c.labels = labels;
	c.network_mode = "none";
	if ((error = sp_engine_container_create(&id, w->engine, NULL, &c)) <
	        0 ||
	    (error = sp_engine_container_path_exists(&shell, w->engine, id,
	                                             "/bin/sh")) < 0)
		goto done;
	if (!shell) {
		swarm_say(w, "spacehook: warning: the image has no /bin/sh for "
		             "a health check: an update replaces the serving "
		             "version as soon as the new one starts");
		goto done;
	}
	swarm_health_set(w, spec, check.ptr);
done:
	if (id)
		sp_engine_container_remove(w->engine, id, 1);
	free(id);
	sp_image_info_dispose(&info);
	sp_buf_dispose(&check);
	return error;
}

/* Placement: the admin's constraints, and the node of /data. */
static void swarm_placement(backend_swarm *w, const char *node)
{
	const char *p = w->settings->placement;

	while (p && *p) {
		size_t n;

		p += strspn(p, " ,");
		if (!(n = strcspn(p, ",")))
			break;
		while (n && p[n - 1] == ' ')
			n--;
		sp_strvec_pushf(&w->constraints, "%.*s", (int)n, p);
		p += n;
	}
	if (node && *node)
		sp_strvec_pushf(&w->constraints, "node.id==%s", node);
}

static int swarm_create(char **out, sp_backend *b, const sp_backend_spec *spec,
                        const char *old)
{
	backend_swarm *w = (backend_swarm *)b;
	const sp_settings *s = w->settings;
	sp_service_spec *svc = &w->spec;
	sp_service_info info = {0};
	sp_buf name = SP_BUF_INIT, ref = SP_BUF_INIT, node = SP_BUF_INIT,
	       volume = SP_BUF_INIT;
	unsigned long long stamp;
	int error, exists;

	(void)old;
	swarm_reset(w);
	swarm_service_name(&name, spec->space);
	if ((error = swarm_push(w, &ref, spec)) < 0)
		goto done;
	error = sp_engine_service_inspect(&info, w->engine, name.ptr);
	if (error < 0 && error != SP_ENOTFOUND)
		goto done;
	exists = error == 0;
	sp_strvec_pushf(&w->labels, "spacehook.space=%s", spec->space->id);
	sp_strvec_pushf(&w->labels, "spacehook.commit=%s", spec->commit);
	sp_strvec_push(&w->labels, "spacehook.managed=true");
	/* A network of its own: no other Space's task can reach it. */
	if ((error = sp_engine_network_create_driver(
	         w->engine, name.ptr, "overlay", w->labels.v)) < 0)
		goto done;
	svc->name = sp_strvec_push(&w->strings, name.ptr);
	svc->image = sp_strvec_push(&w->strings, ref.ptr);
	svc->registry_auth = w->auth.size ? w->auth.ptr : NULL;
	svc->labels = w->labels.v;
	svc->env = spec->env;
	svc->user = s->run_as_user;
	svc->replicas = 1;
	svc->nano_cpus_limit = (long long)(spec->cpus * 1e9);
	svc->memory_limit = spec->memory;
	svc->pids_limit = s->pids_limit;
	/* What the scheduler sets aside: a quarter of the limits, so a
	 * start-first update fits beside the serving task. */
	svc->nano_cpus_reservation = svc->nano_cpus_limit / 4;
	svc->memory_reservation = spec->memory / 4;
	if (spec->accelerator && s->gpu_resource) {
		sp_strvec_pushf(&w->generic, "%s=%d", s->gpu_resource,
		                spec->gpus > 0 ? spec->gpus : 1);
		svc->generic_resources = w->generic.v;
	}
	svc->restart_condition = "on-failure";
	svc->restart_delay = 1;
	if (s->persistent_storage) {
		/* A local volume lives on one node: the Space stays there. */
		sp_buf_printf(&volume, "%s-data", name.ptr);
		w->mount.source = sp_strvec_push(&w->strings, volume.ptr);
		w->mount.target = "/data";
		w->mount.copy = 1;
		svc->mounts = &w->mount;
		svc->mount_count = 1;
		if (exists)
			swarm_running_node(&node, w, name.ptr);
	}
	swarm_placement(w, node.ptr);
	svc->constraints = w->constraints.v;
	svc->target_port = spec->app_port;
	svc->published_port = w->front ? 0 : spec->host_port;
	/* Behind the front door after a fixed port: see spare_port. */
	if (w->front && exists && info.published_port)
		svc->spare_port = spec->app_port == 65535 ? 65534 : 65535;
	svc->stop_first = !w->front;
	/* No virtual IP: nothing reaches a Space by one (its task's port
	 * does), and the engine balances them with IPVS, which a kernel may
	 * lack. */
	svc->endpoint_mode = "dnsrr";
	w->networks[0] = svc->name;
	svc->networks = w->networks;
	svc->stop_grace = SWARM_STOP_GRACE;
	svc->cap_drop_all = 1;
	if (s->swarm_secrets && (error = swarm_secrets(w, spec)) < 0)
		goto done;
	if (w->front &&
	    (error = swarm_health(w, spec, exists ? &info : NULL)) < 0)
		goto done;
	stamp = swarm_stamp(exists ? info.force_update : 0);
	svc->force_update = stamp;
	w->version = exists ? info.version : 0;
	w->seen_stamp = exists ? info.force_update : 0;
	sp_buf_clear(&ref);
	sp_buf_printf(&ref, "%s/%llu", name.ptr, stamp);
	*out = sp_buf_detach(&ref);
done:
	sp_service_info_dispose(&info);
	sp_buf_dispose(&name);
	sp_buf_dispose(&ref);
	sp_buf_dispose(&node);
	sp_buf_dispose(&volume);
	return error;
}

/* Start: create the service, or update it to the prepared spec. */
static int swarm_start(sp_backend *b, const char *id)
{
	backend_swarm *w = (backend_swarm *)b;
	sp_service_info info = {0};
	char *created = NULL;
	int error, tries = 0;

	(void)id;
	if (!w->spec.name)
		return sp_error_set(SP_EINVALID, "nothing to start");
	while (w->version) {
		error = sp_engine_service_update(w->engine, w->spec.name,
		                                 w->version, &w->spec, 0);
		if (error != SP_EENGINE || !sp_engine_out_of_sequence() ||
		    ++tries >= SP_SERVICE_UPDATE_TRIES)
			return error;
		/* The engine moved the version on (the last update completed);
		 * the spec still being the one create read, update that. */
		if ((error = sp_engine_service_inspect(&info, w->engine,
		                                       w->spec.name)) < 0)
			return error;
		if (info.force_update != w->seen_stamp) {
			sp_service_info_dispose(&info);
			return sp_error_set(
			    SP_ELOCKED,
			    "service '%s' was changed by another "
			    "deploy meanwhile",
			    w->spec.name);
		}
		w->version = info.version;
		sp_service_info_dispose(&info);
	}
	error = sp_engine_service_create(&created, w->engine, &w->spec);
	free(created);
	return error;
}

/* The service's tasks of version `stamp`, the newest first found. */
static const sp_task *swarm_task_of(const sp_task_list *tasks,
                                    unsigned long long stamp, int running)
{
	const sp_task *best = NULL;

	for (size_t i = 0; i < tasks->count; i++) {
		const sp_task *t = &tasks->items[i];

		if (t->force_update != stamp)
			continue;
		/* Starting: its health check has not passed yet, but the
		 * app may answer already. */
		if (running && strcmp(t->state, "running") &&
		    strcmp(t->state, "starting"))
			continue;
		if (!best || strcmp(t->created_at, best->created_at) > 0)
			best = t;
	}
	return best;
}

/* The address and hostname of node `node_id`. */
static int swarm_node(sp_buf *addr, sp_buf *hostname, backend_swarm *w,
                      const char *node_id)
{
	sp_node_list nodes = {0};
	int error;

	if ((error = sp_engine_node_list(&nodes, w->engine)) < 0)
		return error;
	error = sp_error_set(SP_ENOTFOUND, "no node '%s'", node_id);
	for (size_t i = 0; i < nodes.count; i++)
		if (!strcmp(nodes.items[i].id, node_id)) {
			if (addr)
				sp_buf_sets(addr, nodes.items[i].address);
			if (hostname)
				sp_buf_sets(hostname, nodes.items[i].hostname);
			sp_error_clear();
			error = 0;
			break;
		}
	sp_node_list_dispose(&nodes);
	return error;
}

static void swarm_copy(char *out, size_t size, const char *text)
{
	snprintf(out, size, "%s", text ? text : "");
}

/*
 * A version runs while its tasks are on their way or running. The first
 * failure of the new version counts (as one host's backend does not restart
 * a new container during the deploy). A version the service no longer has
 * (replaced, rolled back) is gone.
 */
static int swarm_status(sp_backend_status *out, sp_backend *b, const char *id)
{
	backend_swarm *w = (backend_swarm *)b;
	sp_service_info info = {0};
	sp_task_list tasks = {0};
	sp_buf service = SP_BUF_INIT, host = SP_BUF_INIT;
	unsigned long long stamp;
	const sp_task *task;
	int error;

	memset(out, 0, sizeof(*out));
	if ((error = swarm_split_id(&service, &stamp, id)) < 0 ||
	    (error = sp_engine_service_inspect(&info, w->engine, service.ptr)) <
	        0 ||
	    (error = sp_engine_task_list(&tasks, w->engine, service.ptr)) < 0)
		goto done;
	for (size_t i = 0; i < tasks.count; i++) {
		const sp_task *t = &tasks.items[i];

		if (t->force_update == stamp &&
		    (!strcmp(t->state, "failed") ||
		     !strcmp(t->state, "rejected"))) {
			out->exit_code = t->exit_code;
			swarm_copy(out->state, sizeof(out->state), t->state);
			swarm_copy(out->message, sizeof(out->message),
			           *t->error ? t->error : t->message);
			if (*t->node_id &&
			    swarm_node(NULL, &host, w, t->node_id) == 0)
				swarm_copy(out->node, sizeof(out->node),
				           host.ptr);
			goto done;
		}
	}
	if (info.force_update != stamp) {
		if (!strncmp(info.update_state, "rollback", 8)) {
			/* Rolled back before a failure was seen. */
			swarm_copy(out->state, sizeof(out->state),
			           "rolled back");
			out->exit_code = -1;
			goto done;
		}
		error = sp_error_set(SP_ENOTFOUND,
		                     "service '%s' runs another version",
		                     service.ptr);
		goto done;
	}
	if (info.replicas == 0) {
		swarm_copy(out->state, sizeof(out->state), "stopped");
		goto done;
	}
	out->running = 1;
	task = swarm_task_of(&tasks, stamp, 0);
	swarm_copy(out->state, sizeof(out->state),
	           task ? task->state : "pending");
	if (task && *task->node_id &&
	    swarm_node(NULL, &host, w, task->node_id) == 0)
		swarm_copy(out->node, sizeof(out->node), host.ptr);
	sp_error_clear();
done:
	sp_service_info_dispose(&info);
	sp_task_list_dispose(&tasks);
	sp_buf_dispose(&service);
	sp_buf_dispose(&host);
	return error;
}

/* Whether this engine's node is known (asked once): `w->self`. */
static int swarm_self(backend_swarm *w)
{
	sp_swarm_info info = {0};

	if (!w->self.size && sp_engine_swarm_info(&info, w->engine) == 0)
		sp_buf_sets(&w->self, info.node_id);
	sp_swarm_info_dispose(&info);
	sp_error_clear();
	return w->self.size > 0;
}

/*
 * The newest task of version `stamp` with a container on this engine's own
 * node (`self`), not yet running: its container publishes the app's port
 * once it started, before the task's health check passed (the cluster
 * tells the port only then).
 */
static const sp_task *swarm_task_here(const sp_task_list *tasks,
                                      unsigned long long stamp,
                                      const char *self)
{
	const sp_task *best = NULL;

	for (size_t i = 0; i < tasks->count; i++) {
		const sp_task *t = &tasks->items[i];

		if (t->force_update != stamp || strcmp(t->state, "starting") ||
		    !*t->container_id || strcmp(t->node_id, self))
			continue;
		if (!best || strcmp(t->created_at, best->created_at) > 0)
			best = t;
	}
	return best;
}

/*
 * Version `stamp`'s task starting on this engine's node (`*task`) and the
 * port its running container publishes for `app_port` (`*port`); 0: none
 * (yet).
 */
static int swarm_port_here(const sp_task **task, backend_swarm *w,
                           const sp_task_list *tasks, unsigned long long stamp,
                           int app_port)
{
	sp_container_info c = {0};
	const sp_task *here;
	int port = 0;

	if (!swarm_self(w) ||
	    !(here = swarm_task_here(tasks, stamp, w->self.ptr)))
		return 0;
	if (sp_engine_container_inspect(&c, w->engine, here->container_id) ==
	        0 &&
	    c.running && c.container_port == app_port) {
		port = c.host_port;
		*task = here;
	}
	sp_container_info_dispose(&c);
	sp_error_clear();
	return port;
}

/*
 * Where version `id`'s running task answers: its node's address and the
 * port published there for the app's port (`spec`'s, or else the first the
 * service publishes: a task may list a spare port first). Behind the front
 * door a task starting on this engine's node is asked too: its app may
 * answer before its health check passed (the old version serves until
 * then).
 */
static int swarm_address(sp_buf *host, int *port, sp_backend *b,
                         const sp_backend_spec *spec, const char *id)
{
	backend_swarm *w = (backend_swarm *)b;
	sp_task_list tasks = {0};
	sp_service_info info = {0};
	sp_buf service = SP_BUF_INIT;
	unsigned long long stamp;
	const sp_task *task;
	int error, app_port = spec ? spec->app_port : 0;

	*port = 0;
	if ((error = swarm_split_id(&service, &stamp, id)) < 0 ||
	    (error = sp_engine_task_list(&tasks, w->engine, service.ptr)) < 0)
		goto done;
	task = swarm_task_of(&tasks, stamp, 1);
	if (w->front && app_port > 0 && (!task || !task->port_count))
		*port = swarm_port_here(&task, w, &tasks, stamp, app_port);
	if (task && app_port <= 0 && task->port_count > 1) {
		if ((error = sp_engine_service_inspect(&info, w->engine,
		                                       service.ptr)) < 0)
			goto done;
		app_port = info.target_port;
	}
	if (task && !*port)
		*port = app_port > 0 ? sp_task_port(task, app_port)
		                     : task->published_port;
	if (!task || !*port || !*task->node_id) {
		error =
		    sp_error_set(SP_ENOTFOUND, "no task of '%s' runs yet", id);
		goto done;
	}
	if ((error = swarm_node(host, NULL, w, task->node_id)) < 0)
		goto done;
	if (!host->size || !strcmp(host->ptr, "0.0.0.0"))
		sp_buf_sets(host, "127.0.0.1");
done:
	sp_service_info_dispose(&info);
	sp_task_list_dispose(&tasks);
	sp_buf_dispose(&service);
	return error;
}

/*
 * Users are told the node's address and the port; the probe asks the same,
 * once a task of the version runs (empty before).
 */
static void swarm_target(sp_buf *url, sp_buf *probe, sp_backend *b,
                         const sp_backend_spec *spec, const char *id)
{
	backend_swarm *w = (backend_swarm *)b;
	sp_buf host = SP_BUF_INIT;
	int port = 0;

	sp_buf_clear(url);
	sp_buf_clear(probe);
	if (id && swarm_address(&host, &port, b, spec, id) == 0) {
		const char *h = host.ptr;
		int v6 = strchr(h, ':') != NULL;

		sp_buf_printf(url, "http://%s%s%s:%d", v6 ? "[" : "", h,
		              v6 ? "]" : "", port);
		sp_buf_printf(probe, "%s/", url->ptr);
	} else {
		sp_error_clear();
		sp_buf_printf(url, "http://%s:%d", w->settings->bind_address,
		              spec->host_port);
	}
	sp_buf_dispose(&host);
}

/* The swarm replaced the old version's task itself. */
static void swarm_promote(sp_backend *b, const sp_backend_spec *spec,
                          const char *id, const char *old, const char *keep)
{
	(void)b;
	(void)spec;
	(void)id;
	(void)old;
	(void)keep;
}

/* Scale the service, when version `id` is the one it runs (an older
 * version, drained or replaced, is gone: SP_ENOTFOUND). */
static int swarm_scale(sp_backend *b, const char *id, long long replicas)
{
	backend_swarm *w = (backend_swarm *)b;
	sp_service_info info = {0};
	sp_buf service = SP_BUF_INIT;
	unsigned long long stamp;
	int error;

	if ((error = swarm_split_id(&service, &stamp, id)) < 0 ||
	    (error = sp_engine_service_inspect(&info, w->engine, service.ptr)) <
	        0)
		goto done;
	if (info.force_update != stamp)
		error = sp_error_set(SP_ENOTFOUND,
		                     "service '%s' runs another version",
		                     service.ptr);
	else
		error = sp_engine_service_scale(w->engine, service.ptr,
		                                replicas, 0);
done:
	sp_service_info_dispose(&info);
	sp_buf_dispose(&service);
	return error;
}

static int swarm_restore(sp_backend *b, const char *old)
{
	return swarm_scale(b, old, 1);
}

static int swarm_stop(sp_backend *b, const char *id)
{
	return swarm_scale(b, id, 0);
}

/*
 * Remove version `id`: the service goes back to its previous spec (the
 * version before), or goes when it has none. A version the service no
 * longer runs is gone already.
 */
static int swarm_remove(sp_backend *b, const char *id)
{
	backend_swarm *w = (backend_swarm *)b;
	sp_service_info info = {0};
	sp_buf service = SP_BUF_INIT;
	unsigned long long stamp;
	int error;

	if ((error = swarm_split_id(&service, &stamp, id)) < 0)
		goto done;
	/*
	 * While the update of a version that fails is under way, the swarm
	 * rolls it back by itself (FailureAction rollback): a second rollback
	 * would go back to the failed version. Give it that time.
	 */
	for (int i = 0;; i++) {
		if ((error = sp_engine_service_inspect(&info, w->engine,
		                                       service.ptr)) < 0 ||
		    info.force_update != stamp ||
		    !strncmp(info.update_state, "rollback", 8))
			goto done;
		if (strcmp(info.update_state, "updating") ||
		    i >= SWARM_ROLLBACK_WAIT * 4)
			break;
		sp_service_info_dispose(&info);
		swarm_pause_ms(250);
	}
	if (info.has_previous)
		error = sp_engine_service_update(w->engine, service.ptr,
		                                 info.version, NULL, 1);
	else
		error = sp_engine_service_remove(w->engine, service.ptr);
done:
	sp_service_info_dispose(&info);
	sp_buf_dispose(&service);
	return error == SP_ENOTFOUND ? 0 : error;
}

static int swarm_logs(sp_backend *b, const char *id, int tail, int follow,
                      sp_engine_log_cb cb, void *payload)
{
	backend_swarm *w = (backend_swarm *)b;
	sp_buf service = SP_BUF_INIT;
	sp_task_list tasks = {0};
	const sp_task *task = NULL;
	unsigned long long stamp;
	int error;

	if ((error = swarm_split_id(&service, &stamp, id)) < 0)
		goto done;
	/* The version's newest task that ran, else the whole service. */
	if (sp_engine_task_list(&tasks, w->engine, service.ptr) == 0)
		for (size_t i = 0; i < tasks.count; i++) {
			const sp_task *t = &tasks.items[i];

			if (t->force_update == stamp && *t->container_id &&
			    (!task ||
			     strcmp(t->created_at, task->created_at) > 0))
				task = t;
		}
	if (task)
		error = sp_engine_task_logs(w->engine, service.ptr, task->id,
		                            tail, follow, cb, payload);
	else
		error = sp_engine_service_logs(w->engine, service.ptr, tail,
		                               follow, cb, payload);
done:
	sp_task_list_dispose(&tasks);
	sp_buf_dispose(&service);
	return error;
}

/* Services of the Space under another name (none is made): leftovers. */
static int swarm_gc(sp_backend *b, const sp_space *space, const char *keep1,
                    const char *keep2)
{
	backend_swarm *w = (backend_swarm *)b;
	sp_service_list list = {0};
	sp_buf filter = SP_BUF_INIT, name = SP_BUF_INIT;
	int removed = 0;

	(void)keep1;
	(void)keep2;
	swarm_service_name(&name, space);
	sp_buf_printf(&filter, "spacehook.space=%s", space->id);
	if (sp_engine_service_list(&list, w->engine, filter.ptr) == 0)
		for (size_t i = 0; i < list.count; i++)
			if (strcmp(list.items[i].name, name.ptr) &&
			    sp_engine_service_remove(w->engine,
			                             list.items[i].id) == 0)
				removed++;
	sp_service_list_dispose(&list);
	sp_buf_dispose(&filter);
	sp_buf_dispose(&name);
	return removed;
}

/* Does registry tag `tag` (a commit) belong to local image `keep`
 * ("spacehook/<slug>:<commit, 12 digits>")? */
static int swarm_tag_kept(const char *tag, const char *keep)
{
	const char *colon = keep ? strrchr(keep, ':') : NULL;
	size_t n;

	if (!colon || strncmp(keep, "spacehook/", 10))
		return 0;
	n = strlen(colon + 1);
	return n >= 7 && !strncmp(tag, colon + 1, n);
}

/* The registry's tags of the Space but `keep1`'s and `keep2`'s (all with
 * neither); the references a node may hold them by go to `gone` (by tag,
 * and by digest: what a service's node pulled). */
static void swarm_registry_gc(backend_swarm *w, sp_strvec *gone,
                              const sp_space *space, const char *keep1,
                              const char *keep2, const char *auth)
{
	sp_strvec tags;
	sp_buf repo = SP_BUF_INIT, digest = SP_BUF_INIT, url = SP_BUF_INIT;
	const char *registry = w->settings->registry;
	int insecure = 0, deleted = 0;

	sp_strvec_init(&tags);
	/* Plain HTTP where the engine speaks it (insecure-registries). */
	if (sp_engine_registry_insecure(&insecure, w->engine, registry) < 0)
		sp_error_clear();
	sp_buf_printf(&url, "%s%s", insecure ? "http://" : "", registry);
	sp_buf_printf(&repo, "spaces/%s", space->slug);
	if (sp_registry_tags(&tags, url.ptr, repo.ptr, auth) < 0)
		swarm_say(w, "spacehook: warning: registry gc: %s",
		          sp_error_last());
	for (size_t i = 0; i < tags.nr; i++) {
		if (swarm_tag_kept(tags.v[i], keep1) ||
		    swarm_tag_kept(tags.v[i], keep2))
			continue;
		if (sp_registry_delete_digest(&digest, url.ptr, repo.ptr,
		                              tags.v[i], auth) < 0) {
			swarm_say(w, "spacehook: warning: registry gc: %s",
			          sp_error_last());
			continue;
		}
		deleted++;
		sp_strvec_pushf(gone, "%s/%s:%s", registry, repo.ptr,
		                tags.v[i]);
		if (digest.size)
			sp_strvec_pushf(gone, "%s/%s@%s", registry, repo.ptr,
			                digest.ptr);
	}
	if (deleted)
		swarm_say(w,
		          "spacehook: %d old tag%s of %s deleted from the "
		          "registry",
		          deleted, deleted == 1 ? "" : "s", repo.ptr);
	sp_strvec_clear(&tags);
	sp_buf_dispose(&repo);
	sp_buf_dispose(&digest);
	sp_buf_dispose(&url);
}

/* Seconds the node gc job has to run on every node. */
#define SWARM_NODE_GC_WAIT 60

/* spacehook-node-gc beside the running program (a build tree), or in
 * ../lib/spacehook (installed). */
static int swarm_node_gc_helper(sp_buf *out)
{
	sp_buf dir = SP_BUF_INIT;
	int error;

	if ((error = sp_proc_self_dir(&dir)) < 0)
		goto done;
	sp_buf_clear(out);
	sp_buf_printf(out, "%s/spacehook-node-gc", dir.ptr);
	if (access(out->ptr, X_OK) == 0)
		goto done;
	sp_buf_clear(out);
	sp_buf_printf(out, "%s/../lib/spacehook/spacehook-node-gc", dir.ptr);
	if (access(out->ptr, X_OK) < 0)
		error = sp_error_set(SP_ENOTFOUND,
		                     "spacehook-node-gc is not installed "
		                     "beside %s",
		                     dir.ptr);
done:
	sp_buf_dispose(&dir);
	return error;
}

/* Whether every task of the job ended; how many of them completed. */
static int swarm_job_done(const sp_task_list *tasks, size_t *completed)
{
	static const char *const ended[] = {"complete", "failed",   "rejected",
	                                    "shutdown", "orphaned", "remove"};
	int done = tasks->count > 0;

	*completed = 0;
	for (size_t i = 0; i < tasks->count; i++) {
		int over = 0;

		for (size_t k = 0; k < sizeof(ended) / sizeof(*ended); k++)
			over |= !strcmp(tasks->items[i].state, ended[k]);
		done &= over;
		*completed += !strcmp(tasks->items[i].state, "complete");
	}
	return done;
}

/*
 * Old images off the other nodes: a node's engine can only be asked on the
 * node. A global job runs spacehook-node-gc (an image of that one program,
 * pushed to the registry) on every node with the node's engine socket
 * (spacehook.nodeSocket) bound in, then goes. Nothing to do on a swarm of
 * one node: the manager's images went through its API.
 */
static void swarm_node_gc(backend_swarm *w, const sp_strvec *gone,
                          const char *auth)
{
	sp_node_list nodes = {0};
	sp_task_list tasks = {0};
	sp_buf helper = SP_BUF_INIT, tar = SP_BUF_INIT, image = SP_BUF_INIT,
	       name = SP_BUF_INIT;
	sp_strvec command;
	sp_service_spec job = {0};
	sp_service_mount sock = {0};
	const char *labels[] = {"spacehook.managed=true",
	                        "spacehook.helper=node-gc", NULL};
	unsigned long long hash = 1469598103934665603ULL;
	size_t completed = 0;
	char *id = NULL;
	int error = 0;

	sp_strvec_init(&command);
	if (!gone->nr || (error = sp_engine_node_list(&nodes, w->engine)) < 0 ||
	    nodes.count < 2)
		goto done;
	if ((error = swarm_node_gc_helper(&helper)) < 0 ||
	    (error = sp_context_file_archive(&tar, "spacehook-node-gc",
	                                     helper.ptr, 0755)) < 0)
		goto done;
	/* Tagged by its content (FNV-1a): a new build, a new image. */
	for (size_t i = 0; i < tar.size; i++)
		hash = (hash ^ (unsigned char)tar.ptr[i]) * 1099511628211ULL;
	sp_buf_printf(&image, "%s/spacehook/node-gc:%016llx",
	              w->settings->registry, hash);
	if ((error = sp_engine_image_import(w->engine, image.ptr, tar.ptr,
	                                    tar.size)) < 0 ||
	    (error = sp_engine_image_push(NULL, NULL, w->engine, image.ptr,
	                                  auth)) < 0)
		goto done;
	sp_strvec_push(&command, "/spacehook-node-gc");
	sp_strvec_push(&command, "/docker.sock");
	for (size_t i = 0; i < gone->nr; i++)
		sp_strvec_push(&command, gone->v[i]);
	sp_buf_printf(&name, "spacehook-gc-%llu", swarm_stamp(0));
	sock.source = w->settings->node_socket;
	sock.target = "/docker.sock";
	sock.bind = 1;
	job.name = name.ptr;
	job.image = image.ptr;
	job.registry_auth = auth;
	job.labels = labels;
	job.global_job = 1;
	job.command = command.v;
	job.mounts = &sock;
	job.mount_count = 1;
	job.restart_condition = "none";
	job.cap_drop_all = 1;
	if ((error = sp_engine_service_create(&id, w->engine, &job)) < 0)
		goto done;
	for (int i = 0; i < SWARM_NODE_GC_WAIT * 4; i++) {
		sp_task_list_dispose(&tasks);
		if ((error = sp_engine_task_list(&tasks, w->engine, id)) < 0 ||
		    swarm_job_done(&tasks, &completed))
			break;
		swarm_pause_ms(250);
	}
	if (error == 0) {
		swarm_say(w,
		          "spacehook: old images removed on %zu of %zu nodes",
		          completed, tasks.count);
		for (size_t i = 0; i < tasks.count; i++)
			if (strcmp(tasks.items[i].state, "complete"))
				swarm_say(w,
				          "spacehook: warning: node gc on node "
				          "%s: %s %s",
				          tasks.items[i].node_id,
				          tasks.items[i].state,
				          *tasks.items[i].error
				              ? tasks.items[i].error
				              : tasks.items[i].message);
	}
done:
	if (error < 0)
		swarm_say(w, "spacehook: warning: node gc: %s",
		          sp_error_last());
	if (id)
		sp_engine_service_remove(w->engine, id);
	sp_error_clear();
	free(id);
	sp_strvec_clear(&command);
	sp_node_list_dispose(&nodes);
	sp_task_list_dispose(&tasks);
	sp_buf_dispose(&helper);
	sp_buf_dispose(&tar);
	sp_buf_dispose(&image);
	sp_buf_dispose(&name);
}

/* Old images go from the manager, the registry and the other nodes. */
static void swarm_cleanup(sp_backend *b, const sp_space *space,
                          const char *keep1, const char *keep2)
{
	backend_swarm *w = (backend_swarm *)b;
	sp_strvec gone;
	sp_buf auth = SP_BUF_INIT;
	const char *a = NULL;

	sp_strvec_init(&gone);
	if (w->settings->registry_auth &&
	    sp_buf_read_file(&auth, w->settings->registry_auth, 64 * 1024) == 0)
		a = auth.ptr;
	sp_deploy_gc_images(w->engine, space, keep1, keep2);
	swarm_registry_gc(w, &gone, space, keep1, keep2, a);
	swarm_node_gc(w, &gone, a);
	sp_strvec_clear(&gone);
	sp_buf_dispose_wipe(&auth);
}

/* The service, its network, its swarm secrets, and its volume on this
 * node with `data`. */
static int swarm_forget(sp_backend *b, const sp_space *space, int data)
{
	backend_swarm *w = (backend_swarm *)b;
	sp_secret_list secrets = {0};
	sp_buf name = SP_BUF_INIT, filter = SP_BUF_INIT;
	int error;

	swarm_service_name(&name, space);
	error = sp_engine_service_remove(w->engine, name.ptr);
	if (error < 0 && error != SP_ENOTFOUND)
		goto done;
	sp_buf_printf(&filter, "spacehook.space=%s", space->id);
	if (sp_engine_secret_list(&secrets, w->engine, filter.ptr) == 0)
		for (size_t i = 0; i < secrets.count; i++)
			sp_engine_secret_remove(w->engine, secrets.items[i].id);
	/* The tasks leave the network as they stop. */
	for (int i = 0; i < 50; i++) {
		error = sp_engine_network_remove(w->engine, name.ptr);
		if (error != SP_EENGINE)
			break;
		swarm_pause_ms(200);
	}
	if (error < 0 && error != SP_ENOTFOUND)
		goto done;
	error = 0;
	swarm_cleanup(b, space, NULL, NULL);
	if (data) {
		sp_buf_puts(&name, "-data");
		error = sp_engine_volume_remove(w->engine, name.ptr, 1);
		if (error == SP_ENOTFOUND)
			error = 0;
	}
done:
	sp_secret_list_dispose(&secrets);
	sp_buf_dispose(&name);
	sp_buf_dispose(&filter);
	return error;
}

static void swarm_free(sp_backend *b)
{
	backend_swarm *w = (backend_swarm *)b;

	swarm_reset(w);
	sp_buf_dispose(&w->self);
	free(w);
}

/* The same port serves on: the update itself stops the old task first. */
static int swarm_release(sp_backend *b, const char *old)
{
	(void)b;
	(void)old;
	return 0;
}

static const sp_backend_ops swarm_ops = {
    .create = swarm_create,
    .release = swarm_release,
    .start = swarm_start,
    .status = swarm_status,
    .target = swarm_target,
    .address = swarm_address,
    .route = NULL,
    .promote = swarm_promote,
    .restore = swarm_restore,
    .stop = swarm_stop,
    .remove = swarm_remove,
    .logs = swarm_logs,
    .gc = swarm_gc,
    .cleanup = swarm_cleanup,
    .forget = swarm_forget,
    .free = swarm_free,
};

int sp_backend_swarm_new(sp_backend **out, sp_engine *engine,
                         const sp_settings *settings, sp_redact_sink log,
                         void *payload)
{
	backend_swarm *w;

	if (!settings->registry)
		return sp_error_set(SP_EINVALID,
		                    "spacehook.backend is swarm but "
		                    "spacehook.registry is not set");
	w = sp_calloc(1, sizeof(*w));
	w->base.ops = &swarm_ops;
	w->engine = engine;
	w->settings = settings;
	w->log = log;
	w->payload = payload;
	w->front = sp_frontdoor_enabled(settings);
	w->startup_timeout = settings->startup_timeout;
	sp_strvec_init(&w->strings);
	sp_strvec_init(&w->constraints);
	sp_strvec_init(&w->labels);
	sp_strvec_init(&w->generic);
	sp_buf_init(&w->auth);
	sp_buf_init(&w->self);
	*out = &w->base;
	return 0;
}
