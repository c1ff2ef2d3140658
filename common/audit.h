/* The audit log: who changed what of which Space, one JSON object a line in
 * <stateDir>/audit.log. */
#ifndef SP_AUDIT_H
#define SP_AUDIT_H

#include <stddef.h>

#include "buf.h"
#include "settings.h"

/*
 * <stateDir>/audit.log (0600, never followed through a symbolic link) holds
 * one record a line, oldest first:
 *   {"time":"2026-12-01T04:01:21Z","user":"alice","space":"alice/demo",
 *    "action":"secrets set","name":"HF_TOKEN"}
 * "name" is the name of a secret or variable, a collaborator, or the sleep
 * time as given, null when the action has none; never a value. Appends take
 * an flock on the file and go in one write(), so concurrent ones never
 * interleave.
 */

/* The environment variable naming the user a change is made for (set by
 * `spacehook shell USER`). */
#define SP_AUDIT_USER_ENV "SPACEHOOK_USER"

/* The longest line read back; a longer one is malformed. */
#define SP_AUDIT_LINE_MAX 8192

/* One record. Strings are owned by the record. */
typedef struct {
	char *time;   /* UTC, ISO 8601 to the second: "2026-12-01T04:01:21Z" */
	char *user;   /* "alice", or "admin:<login>" / "admin:uid<N>" */
	char *space;  /* the Space's id, "alice/demo" */
	char *action; /* "secrets set", "restart --factory", ... */
	char *name;   /* what the action was about, or NULL */
} sp_audit_record;

/* The records read back (sp_audit_read). */
typedef struct {
	sp_audit_record *items; /* oldest first */
	size_t count;
	size_t skipped; /* malformed lines left out */
} sp_audit_log;

void sp_audit_log_dispose(sp_audit_log *log);

/*
 * The user a change is made for, into `out` (replacing it): the value of
 * SPACEHOOK_USER when it is a well-formed user name ([A-Za-z0-9._-], not
 * starting with '-' or '.', at most SP_SPACE_NAME_MAX bytes), else
 * "admin:<login>" with the login name of the effective uid, or
 * "admin:uid<N>" when it has none (or one that is not well-formed).
 */
void sp_audit_actor(sp_buf *out);

/*
 * Append the record of `action` (a non-empty word or words, "secrets set")
 * done to the Space `space_id` about `name` (may be NULL; never a value) by
 * sp_audit_actor, timed now, to <settings->state_dir>/audit.log. The state
 * directory is made and checked as a Space's store does it. SP_EINVALID for
 * an id that is not one or for control characters in `action` or `name`;
 * SP_EINVALID naming the file when audit.log is a symbolic link; SP_EIO
 * when it cannot be written.
 */
int sp_audit_append(const sp_settings *settings, const char *space_id,
                    const char *action, const char *name);

/*
 * Read the records of <settings->state_dir>/audit.log into `out` (the
 * caller disposes it): all of them, or those of `space_id` when it is not
 * NULL. A line that is not a record (bad JSON, a field missing or not
 * text, control characters, longer than SP_AUDIT_LINE_MAX) is left out and
 * counted in `out->skipped`. No state directory or no log yet: no records
 * and 0. SP_EINVALID when audit.log is a symbolic link.
 */
int sp_audit_read(sp_audit_log *out, const sp_settings *settings,
                  const char *space_id);

#endif
