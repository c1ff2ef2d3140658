/* Who may do what to a Space: the one module that answers it, for the SSH
 * shell (`spacehook shell USER`), the gitolite command and every path that
 * acts for a user. */
#ifndef SP_AUTHZ_H
#define SP_AUTHZ_H

#include <stddef.h>

#include "settings.h"
#include "space.h"
#include "strvec.h"

/* What a user asks to do to a Space. */
typedef enum {
	SP_AUTHZ_READ,  /* clone, fetch, archive */
	SP_AUTHZ_WRITE, /* push, and manage the Space: secrets, variables,
	                   status, logs, restart, rebuild, stop, start, cancel,
	                   sleep time */
	SP_AUTHZ_OWNER, /* change who else may write (collaborators) */
} sp_authz_need;

/* The longest user name: as a Space owner's. */
#define SP_AUTHZ_USER_MAX SP_SPACE_NAME_MAX

/*
 * 1 when `user` is a well-formed user name (what a Space owner may be:
 * [A-Za-z0-9._-], not starting with '-' or '.', at most SP_AUTHZ_USER_MAX
 * bytes), else 0.
 */
int sp_authz_user_valid(const char *user);

/* 1 when `user` is listed in spacehook.admins, else 0. */
int sp_authz_is_admin(const sp_settings *settings, const char *user);

/*
 * 0 when `user` may do `need` to `space`, else SP_EDENIED with the message
 * "no Space '<id>' that '<user>' may <read|write|share>": the same whether
 * the Space exists or not, and naming nothing else of it. Other errors (a
 * collaborators file that cannot be read, gitolite that cannot run) are
 * refusals too, with their own message (never a secret).
 *
 * With spacehook.access = spacehook (the default):
 *   - admins (spacehook.admins) may do anything to any Space;
 *   - the owner (`alice` for alice/...) may do anything to hers;
 *   - a collaborator of the Space (sp_authz_collaborators) may read and
 *     write, not share;
 *   - anyone else may read when spacehook.readAccess = all (the default,
 *     collaborators, says no).
 * With spacehook.access = gitolite, gitolite holds the rules: read is
 * `gitolite access -q <id> <user> R any`, write and share are
 * `gitolite access -q <id> <user> W refs/heads/<deployBranch>` (admins as
 * above).
 */
int sp_authz_check(const sp_settings *settings, const char *user,
                   const sp_space *space, sp_authz_need need);

/*
 * The collaborators of `space`, kept in its state directory (file
 * `collaborators`, one user name per line, sorted), replacing `out`; none
 * (or no state directory) is an empty list.
 */
int sp_authz_collaborators(sp_strvec *out, const sp_settings *settings,
                           const sp_space *space);

/*
 * Add or remove `user` as a collaborator of `space` (the state directory is
 * created as needed). Adding one already there or removing one not there
 * is 0, nothing changed, and `*changed` (may be NULL) says 0. SP_EINVALID
 * for a malformed name or the owner herself; SP_EINVALID with a message
 * saying to edit gitolite-admin when spacehook.access = gitolite.
 */
int sp_authz_collaborator_add(int *changed, const sp_settings *settings,
                              const sp_space *space, const char *user);
int sp_authz_collaborator_remove(int *changed, const sp_settings *settings,
                                 const sp_space *space, const char *user);

#endif
