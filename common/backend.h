/* What runs a Space's app, as the deploy phases see it: create the new
 * version, swap it in, tell how it is doing, promote or roll back. */
#ifndef SP_BACKEND_H
#define SP_BACKEND_H

#include "buf.h"
#include "engine.h"
#include "redact.h"
#include "settings.h"
#include "space.h"
#include "store.h"

/*
 * The deploy (deploy.c) drives the phases in this order, whatever the
 * backend:
 *   create   create(new, keeping `old`)            nothing serves differently
 *   swap     release(old), start(new)               old stopped if it must be
 *   probe    status(new) and GET target's probe URL until healthy or failed
 *   route    route(new)                             traffic goes to new
 *   promote  promote(new, old), cleanup(images)    new serves for good
 *   rollback logs(new), remove(new), restore(old)  when any phase failed
 * The single-host Docker engine backend (backend_docker.c) is the default.
 * The Docker Swarm backend (backend_swarm.c) implements the same operations
 * on one service per Space, its images pushed to a registry. The front door
 * (backend_frontdoor.c) wraps another backend: it has no release (the old
 * version serves while the new one starts on the Space's other port), its route
 * points the Space's hostname at the new one, and its promote lets the old one
 * drain before it goes.
 */

/* What to run, the same for every backend. The caller owns every string. */
typedef struct {
	const sp_space *space;
	const char *image;     /* image reference to run */
	const char *commit;    /* the commit it was built from */
	const char *base_path; /* the landing page, from the config (may be
	                          NULL) */
	const char **env;      /* "NAME=value", NULL-terminated (secrets too) */
	int app_port;          /* the port the app listens on */
	int host_port;         /* the Space's port on the host */
	double cpus;           /* CPU limit */
	long long memory;      /* memory limit, bytes */
	const sp_kv *secrets;  /* the secrets (also in env); may be NULL */
	const char *accelerator; /* a GPU flavour's kind ("t4"); NULL: none */
	int gpus;                /* how many GPUs it asks for */
	long startup_timeout;    /* seconds it has to answer */
} sp_backend_spec;

/* How an instance is doing. */
typedef struct {
	int running;       /* running, or restarting */
	int exit_code;     /* when not running */
	int oom_killed;    /* killed for passing its memory limit */
	char node[128];    /* the node it runs on; "" on one host */
	char state[32];    /* the cluster's word for it ("running",
	                      "starting", "shutdown"); "" on one host */
	char message[256]; /* why the cluster stopped or refused it; "" */
} sp_backend_status;

typedef struct sp_backend sp_backend;

/*
 * The operations. Instances are named by ids that the backend makes
 * (create) and the state records (state.json's container). Each returns 0
 * or a negative error with the last error set, unless said otherwise.
 * Warnings (nothing failed, but the admin should know) go to the log the
 * backend was made with.
 */
typedef struct {
	/*
	 * Everything the new version needs (network, volume, ...) and the new
	 * instance itself, created, not started. Leftovers of crashed deploys
	 * other than `old` (NULL: none) may be removed first. The new id goes
	 * to `*out` (caller frees).
	 */
	int (*create)(char **out, sp_backend *b, const sp_backend_spec *spec,
	              const char *old);
	/*
	 * Make room for the new instance before it starts. Returns 1 when
	 * `old` was stopped (a rollback must start it again), 0 when it is
	 * gone or left serving, or an error (the deploy fails). NULL: the old
	 * instance serves on while the new one starts (RUNNING_APP_STARTING).
	 */
	int (*release)(sp_backend *b, const char *old);
	/* Start the new instance. */
	int (*start)(sp_backend *b, const char *id);
	/* How instance `id` is doing; SP_ENOTFOUND when it is gone. */
	int (*status)(sp_backend_status *out, sp_backend *b, const char *id);
	/*
	 * Where the Space answers: `url` as users are told it, `probe` the
	 * URL the health probe asks (both replaced), for instance `id`. The
	 * probe may be left empty until the started instance runs (a
	 * cluster places it first): the deploy asks again.
	 */
	void (*target)(sp_buf *url, sp_buf *probe, sp_backend *b,
	               const sp_backend_spec *spec, const char *id);
	/*
	 * Where a proxy on this host reaches started instance `id` most
	 * directly (no port proxy in between): an IP address (`host`,
	 * replaced) and a port. NULL, or an error: at the spec's host port
	 * on spacehook.bindAddress.
	 */
	int (*address)(sp_buf *host, int *port, sp_backend *b,
	               const sp_backend_spec *spec, const char *id);
	/*
	 * The new instance passed the probe: send the Space's traffic to it.
	 * An error rolls the deploy back, except SP_EPROXY: the proxy did not
	 * reload but will read the new route when it starts (a warning). NULL:
	 * nothing to do (start made it reachable).
	 */
	int (*route)(sp_backend *b, const sp_backend_spec *spec,
	             const char *id);
	/*
	 * The new instance passed the probe: from now on it serves (kept
	 * running across restarts of the host); `old` (NULL: none) and any
	 * other instance of the Space but `keep` (NULL: none; the old one
	 * left draining) go. Cannot fail: what does not work out is a
	 * warning.
	 */
	void (*promote)(sp_backend *b, const sp_backend_spec *spec,
	                const char *id, const char *old, const char *keep);
	/* Start `old` again: after release (a rollback), stop or a reboot. */
	int (*restore)(sp_backend *b, const char *old);
	/* Stop instance `id` and keep it (pause, sleep); gone: SP_ENOTFOUND. */
	int (*stop)(sp_backend *b, const char *id);
	/* Remove instance `id`, running or not (a failed new version, a
	 * drained old one). */
	int (*remove)(sp_backend *b, const char *id);
	/*
	 * Instance `id`'s output, as it is (it may hold secret values: the
	 * caller redacts): the last `tail` lines (-1: all), then, with
	 * `follow`, what comes until it stops or `cb` returns nonzero. Each
	 * piece goes to `cb` with its stream (1 stdout, 2 stderr; 0 a tick
	 * while nothing comes).
	 */
	int (*logs)(sp_backend *b, const char *id, int tail, int follow,
	            sp_engine_log_cb cb, void *payload);
	/*
	 * Remove every instance of the Space but `keep1` and `keep2` (may be
	 * NULL): leftovers of crashed or canceled deploys. Returns how many.
	 */
	int (*gc)(sp_backend *b, const sp_space *space, const char *keep1,
	          const char *keep2);
	/*
	 * Remove the Space's images but `keep1` and `keep2` (ids or
	 * references; may be NULL). Cannot fail.
	 */
	void (*cleanup)(sp_backend *b, const sp_space *space, const char *keep1,
	                const char *keep2);
	/*
	 * What the Space's instances shared (its network; its /data volume
	 * too with `data`) goes, once no instance is left.
	 */
	int (*forget)(sp_backend *b, const sp_space *space, int data);
	void (*free)(sp_backend *b);
} sp_backend_ops;

/* A backend: its operations first, its own fields after (backend_docker.c).
 */
struct sp_backend {
	const sp_backend_ops *ops;
};

/*
 * The single-host Docker engine backend over `engine` (not owned; it must
 * outlive the backend): one container per version, published on the
 * Space's host port at spacehook.bindAddress, on the Space's own network,
 * /data a named volume when spacehook.persistentStorage is set, under
 * spacehook.runtime, logs rotated. Warnings go to `log` (may be NULL).
 * Free with sp_backend_free.
 */
int sp_backend_docker_new(sp_backend **out, sp_engine *engine,
                          const sp_settings *settings, sp_redact_sink log,
                          void *payload);

/*
 * The front door around `inner` (owned from now on, freed with the result):
 * the new version starts on the Space's other port while the old one
 * serves; route points the Space's nginx file at it (frontdoor.h); promote
 * leaves the old version spacehook.drainTimeout seconds for the requests it
 * still serves, in a process of its own, before it goes. `store` is the
 * Space's and must outlive the backend.
 */
int sp_backend_frontdoor_new(sp_backend **out, sp_backend *inner,
                             const sp_settings *settings, sp_store *store,
                             sp_redact_sink log, void *payload);

/*
 * The Docker Swarm backend over `engine` (a manager; not owned): one service
 * per Space, its image pushed to spacehook.registry first; tasks publish the
 * app's port in host mode (the Space's own port, or one the engine picks
 * behind the front door, which then updates start-first). Fails with
 * SP_EINVALID when spacehook.registry is not set.
 */
int sp_backend_swarm_new(sp_backend **out, sp_engine *engine,
                         const sp_settings *settings, sp_redact_sink log,
                         void *payload);

/*
 * The backend spacehook.backend names over `engine`, behind the front door
 * when spacehook.domain is set (`store` is then the Space's and must
 * outlive it). Free with sp_backend_free.
 */
int sp_backend_open(sp_backend **out, sp_engine *engine,
                    const sp_settings *settings, sp_store *store,
                    sp_redact_sink log, void *payload);

/* Free a backend made by any sp_backend_*_new; NULL is fine. */
void sp_backend_free(sp_backend *b);

#endif
