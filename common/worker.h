/* The detached worker of a Space: it takes the Space's lock and runs the
 * queued jobs one at a time, each as check, build and deploy. */
#ifndef SP_WORKER_H
#define SP_WORKER_H

#include <sys/types.h>

#include "buf.h"
#include "repo.h"
#include "settings.h"
#include "space.h"
#include "store.h"

/*
 * Files in the Space's state directory (see store.h):
 *   lock          the worker's flock (sp_store_lock)
 *   worker.pid    pid of the worker holding the Space lock
 *   worker.log    what the worker process itself printed (crash reports)
 */

/*
 * Start `spacehook worker SPACE` detached (own session, not a child of the
 * caller), its own output appended to the Space's worker.log (cut back to
 * nothing past 1 MiB).
 */
int sp_worker_start(const sp_space *space, sp_store *store);

/*
 * The worker: take the Space's lock (return at once when another worker
 * has it; wait for a short holder such as `status`) and run queued jobs
 * until the queue is empty. Each job: check (README.md, Dockerfile with
 * the Space's variables, sp_verify_build), build (build slots, BuildKit),
 * deploy (sp_deploy_run); its outcome is recorded once, through
 * sp_stage_set, and in logs/<id>.status. SIGTERM, SIGINT and SIGHUP cancel
 * the job under way (the previous version keeps serving).
 */
int sp_worker_run(const sp_space *space);

/*
 * The pid of the Space's worker (worker.pid) when that process is really
 * it: its executable is the spacehook program (same file) and its command
 * line exactly "<program> worker <space id>"; 0 otherwise (no pid file, a
 * dead or recycled pid, any other process).
 */
pid_t sp_worker_pid(sp_store *store);

/*
 * What a job of `space` needs: its state directory (`*store_out`), the
 * repository it is bound to (`*repo_out`) and `settings` as that
 * repository sees them (`base` gives the state directory). The caller frees
 * all three, also on failure.
 */
int sp_worker_open(sp_repo **repo_out, sp_settings *settings,
                   sp_store **store_out, const sp_space *space,
                   const sp_settings *base);

#endif
