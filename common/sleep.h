/* Sleep and wake: a Space idle for its sleep time is stopped (SLEEPING), and
 * the next visit starts it again. */
#ifndef SP_SLEEP_H
#define SP_SLEEP_H

#include "settings.h"
#include "store.h"

/* The stop timeout of a Space put to sleep, seconds. */
#define SP_SLEEP_STOP_TIMEOUT 10

/*
 * The Space's sleep time in seconds: its own (`spacehook sleep-time`), else
 * the server's spacehook.sleepTime; -1 when it never sleeps.
 */
long long sp_sleep_time(const sp_settings *settings, const sp_state *state);

/*
 * Set the Space's sleep time: seconds > 0, -1 never, 0 back to the server's
 * spacehook.sleepTime. Taken under the Space's lock (waiting for a job under
 * way), saved in state.json. SP_EINVALID for a value below -1.
 */
int sp_sleep_set(const sp_settings *settings, sp_store *store,
                 long long seconds);

/*
 * Seconds the Space has been idle at `now`: since the later of its idle log's
 * mtime (<nginxDir>/idle/<slug>.log, the last visit through nginx) and
 * `state->started_at`; -1 when neither is known.
 */
long long sp_sleep_idle(const sp_settings *settings, sp_store *store,
                        const sp_state *state, long long now);

/*
 * Put the Space to sleep when it is due: spacehook.domain set, stage
 * RUNNING, not paused, a container, a sleep time > 0 and idle at least that
 * long. The Space's lock is taken without waiting (a job under way: nothing
 * is done), the record read again, the container stopped through the engine
 * (SP_SLEEP_STOP_TIMEOUT) and the stage set to SLEEPING. `*slept` gets 1 when
 * it did, else 0. Returns 0, or the engine's or the record's error.
 */
int sp_sleep_check(int *slept, const sp_settings *settings, sp_store *store,
                   long long now);

/*
 * Wake a SLEEPING Space (any other stage, or a paused Space: 0, nothing done).
 * The lock is taken without waiting (busy: 0); the container is started,
 * started_at set, the stage APP_STARTING; then the app is probed at
 * http://<bindAddress>:<port>/ until it answers (any HTTP status): RUNNING.
 * When it does not answer within spacehook.startupTimeout the container is
 * stopped again, the stage is RUNTIME_ERROR with a message saying so, and
 * SP_ERUNTIME is returned. Other failures: the engine's or the record's
 * error (the stage RUNTIME_ERROR when the container did not start).
 */
int sp_sleep_wake(const sp_settings *settings, sp_store *store);

/*
 * A RUNNING Space's app did not answer nginx (serve got the request): point
 * the hostname at where its container listens now, which changes when the
 * engine restarts it (a crash, an engine restart). Nothing changes when
 * nginx already points there. Only a RUNNING Space that is not paused and
 * whose lock is free (no job under way: a deploy routes for itself) is
 * touched; otherwise, or without spacehook.domain, 0 and nothing done.
 */
int sp_sleep_reroute(const sp_settings *settings, sp_store *store);

#endif
