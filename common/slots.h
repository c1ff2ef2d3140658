/* The build slots a build holds, so that one owner cannot take every build
 * of the server, and a build left by a dead worker is stopped. */
#ifndef SP_SLOTS_H
#define SP_SLOTS_H

#include <signal.h>
#include <sys/types.h>

#include "redact.h"
#include "settings.h"
#include "store.h"

/*
 * The build slots a build holds: one of the owner's (an flock on
 * <state>/slots/owner-<owner>.<k>.lock, k < spacehook.maxBuildsPerOwner)
 * taken first, then one of the server's (<state>/slots/<n>.lock, n <
 * spacehook.maxConcurrentBuilds). Both die with their holder. While a build
 * runs, the server slot's file holds "<pgid> <leader start time>" of the
 * build client's process group: whoever locks the slot next kills a group
 * its holder left behind.
 */
typedef struct {
	int owner;  /* fd of the owner's slot, -1 when none is held */
	int server; /* fd of the server's slot, -1 when none is held */
} sp_slots;

#define SP_SLOTS_INIT                                                          \
	{                                                                      \
		-1, -1                                                         \
	}

/*
 * Wait for one of `owner`'s slots, then a server slot (polled once a
 * second), saying in the log (`sink`, may be NULL) which limit it waits
 * for. Every free server slot is swept: a build its last holder left
 * running is killed (verified, sp_proc_kill_group). Returns 0 with both
 * held, SP_ECANCELED when `*cancel` became set while waiting, SP_EINVALID
 * when the state tree is one others may change (said in the log).
 */
int sp_slots_take(sp_slots *out, const sp_settings *s, sp_store *store,
                  const char *owner, volatile sig_atomic_t *cancel,
                  sp_redact_sink sink, void *payload);

/* Release both slots; the server slot's record is cleared first. */
void sp_slots_release(sp_slots *slot);

/*
 * sp_build_options.started (`payload` an sp_slots): record the build's
 * process group and its leader's start time in the server slot.
 */
void sp_slots_record(pid_t pgid, unsigned long long start_time, void *payload);

#endif
