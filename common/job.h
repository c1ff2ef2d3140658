/* What an administrator does to a Space's jobs: submit, restart, cancel,
 * pause, collect garbage, reconcile the record with the engine, forget. The
 * queue is queue.h, the worker that runs the jobs worker.h. */
#ifndef SP_JOB_H
#define SP_JOB_H

#include "backend.h"
#include "buf.h"
#include "engine.h"
#include "queue.h"
#include "settings.h"
#include "space.h"
#include "store.h"
#include "worker.h"

/*
 * Restart the Space's running container with its current secrets and
 * variables (after `spacehook secrets set`, as Hugging Face does), following
 * the job's log on stderr. A Space with nothing serving is left alone and 0
 * is returned; `message` (may be NULL) gets one line saying what was done.
 */
int sp_job_restart(const sp_settings *settings, const sp_space *space,
                   sp_buf *message);

/*
 * Queue a job for the Space's current commit (or its repository's deploy
 * branch) and start a worker: `spacehook rebuild` and `restart`. `id_out`
 * gets the job id.
 */
int sp_job_submit(char id_out[SP_JOB_ID_MAX], const sp_settings *settings,
                  const sp_space *space, unsigned flags);

/*
 * Cancel what the Space's worker does (`spacehook cancel`): drop the queued
 * job (its follower is told), send the worker SIGTERM so it stops the build
 * or deploy and keeps the previous version serving, and wait up to
 * `wait_seconds` for it to leave. `*canceled` (may be NULL) gets how many
 * jobs were stopped or dropped.
 */
int sp_job_cancel(int *canceled, sp_store *store, int wait_seconds);

/*
 * Stop the Space and keep it stopped across pushes (PAUSED, through
 * sp_stage_set), or with `paused` 0 clear that mark (the caller then
 * submits a job to start it).
 */
int sp_job_pause(const sp_settings *settings, sp_store *store, int paused);

/*
 * Collect what the Space no longer needs: containers other than the serving
 * one, images other than the serving and the previous one. Adds counts to
 * `*containers` and `*images`.
 */
int sp_job_gc(const sp_settings *settings, sp_store *store, int *containers,
              int *images);

/*
 * Make the Space's record match what the engine runs, when no worker holds
 * the Space (`spacehook status`): a stage of a job under way whose worker
 * died, or RUNNING while the container is gone or stopped, becomes the stage
 * that is true, with an error saying what happened (sp_stage_set, no
 * webhook). Behind the front door (`settings` may be NULL: none), a dead
 * worker's new container goes and the Space's hostname points at the
 * recorded one again, and a replaced version whose drain time is over goes.
 * `state` is updated and saved; `*changed` (may be NULL) says whether
 * anything changed. `where` (may be NULL) gets how the recorded instance is
 * doing (its node and state on a cluster), zeroed when there is none.
 */
int sp_job_reconcile(int *changed, sp_backend_status *where,
                     const sp_settings *settings, sp_store *store,
                     sp_engine *engine, sp_state *state);

/*
 * Forget the Space: cancel its job, remove its containers, images and
 * network (and its /data volume when `data`), then its state directory:
 * record, secrets, variables, logs and the binding to its repository. The
 * next push to an id that maps there starts anew. What was removed is
 * appended to `report` as one line.
 */
int sp_job_forget(const sp_settings *settings, sp_store *store, int data,
                  sp_buf *report);

#endif
