/* The deployment of a built image: create, swap, health-check and roll back the
 * Space's container. */
#ifndef SP_DEPLOY_H
#define SP_DEPLOY_H

#include <signal.h>

#include "backend.h"
#include "engine.h"
#include "redact.h"
#include "settings.h"
#include "spaceconfig.h"
#include "store.h"

typedef struct {
	const sp_settings *settings;
	sp_store *store;
	sp_backend *backend; /* what runs it; NULL: the Docker `engine` */
	sp_engine *engine;
	const char *image;  /* the image to run */
	const char *commit; /* the commit it was built from */
	const sp_spaceconfig
	    *config; /* app_port, startup timeout, hardware, title */
	const sp_kv *variables;
	const sp_kv *secrets;
	/* Progress lines for the job log (already free of secrets). */
	sp_redact_sink log;
	void *payload;
	volatile sig_atomic_t *cancel;
} sp_deploy_options;

/*
 * Run `image` as the Space's new version, replacing the one `state` records,
 * in phases (backend.h): create the new instance; swap (the old one stops,
 * the new one starts); probe http://<bind>:<host port>/ until it answers
 * within the startup timeout; then promote (the old instance is removed,
 * its image kept for rollback and older images of the Space removed;
 * `state` says RUNNING) or, when any phase failed, roll back (the new
 * instance is removed and the old one started again; `state` says
 * RUNTIME_ERROR with Hugging Face's wording and the log tail, secrets
 * redacted). `state` is saved at each stage. Returns 0, SP_ERUNTIME (the
 * app failed), SP_ECANCELED, or another error (engine trouble, recorded in
 * state too).
 */
int sp_deploy_run(sp_state *state, const sp_deploy_options *opts);

/* Resource limits of a suggested_hardware flavour (NULL = cpu-basic), capped by
 * the settings. */
void sp_deploy_limits(double *cpus, long long *memory, const char *hardware,
                      const sp_settings *settings);

/* Remove the Space's images other than `keep1` and `keep2` (ids or references;
 * may be NULL). */
int sp_deploy_gc_images(sp_engine *engine, const sp_space *space,
                        const char *keep1, const char *keep2);

/*
 * Remove every container of the Space but `keep1` and `keep2` (full ids; may
 * be NULL): leftovers of crashed or canceled deploys. Returns how many.
 */
int sp_deploy_gc_containers(sp_engine *engine, const sp_space *space,
                            const char *keep1, const char *keep2);

/*
 * The version the front door replaced (state.json's `retiring`) goes once
 * its drain time (`retire_at`) is over: stopped, then removed. Call with the
 * Space's lock held and `state` loaded; `state` is changed, not saved.
 * Returns 1 when it changed `state`, 0 when nothing was due, or an error.
 */
int sp_deploy_retire_due(sp_state *state, sp_backend *backend, long long now);

/*
 * The worker's last step: wait (with `wait`) until the retiring version's
 * time is over, or `*cancel` (may be NULL), then, unless another process
 * holds the Space's lock, retire it (sp_deploy_retire_due) and save.
 */
int sp_deploy_retire(sp_store *store, sp_backend *backend, int wait,
                     volatile sig_atomic_t *cancel);

/* The name of the Space's own network: "spacehook-<slug>". */
void sp_deploy_network_name(sp_buf *out, const sp_space *space);

#endif
