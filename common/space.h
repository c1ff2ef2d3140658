/* Space identity: owner/name from the repository path, and the Docker names
 * derived from it. */
#ifndef SP_SPACE_H
#define SP_SPACE_H

#include <stddef.h>

#include "settings.h"

#define SP_SPACE_NAME_MAX 96

typedef struct {
	char owner[SP_SPACE_NAME_MAX + 1];  /* as in the path, e.g. "Alice" */
	char name[SP_SPACE_NAME_MAX + 1];   /* without ".git", e.g. "demo" */
	char id[2 * SP_SPACE_NAME_MAX + 2]; /* "Alice/demo" */
	/*
	 * Docker-safe, lowercase and collision-free; used for image repository,
	 * container and volume names and state paths. When owner and name are
	 * each runs of [a-z0-9] joined by single '-' ("alice", "my-app"), the
	 * slug is "owner--name" ("alice--demo"): no part holds "--", so the
	 * slug holds "--" exactly once and splits back at it. Any other id
	 * (uppercase, '.', '_', "--", a '-' at an end) is mapped part by part:
	 * lowercased, '.' and '_' made '-', runs of '-' made one, '-' trimmed
	 * from both ends ("x" if nothing is left), then joined as above and
	 * followed by "--<8 hex of the 32-bit FNV-1a of the id>":
	 * "Alice/demo" -> "alice--demo--<hash>", "a.b/_x_" -> "a-b--x--<hash>".
	 * Such a slug holds "--" exactly twice, so it never equals a plain one,
	 * and "Alice/demo" and "alice/demo" never collide. (Two mapped ids
	 * meeting on the hash as well is caught by the store, which keeps the
	 * id in the Space's directory.) Always matches [a-z0-9]+(-+[a-z0-9]+)*,
	 * at most 204 characters: a valid Docker container, volume and
	 * repository-component name.
	 */
	char slug[2 * SP_SPACE_NAME_MAX + 16];
} sp_space;

/*
 * Parse "owner/name". Each part: 1..96 chars of [A-Za-z0-9._-], not starting
 * with '.' or '-', not "." or "..", name without a trailing ".git" (stripped).
 * SP_EINVALID with a message naming the rule broken.
 */
int sp_space_parse(sp_space *out, const char *id);

/* 1 when `owner` follows the rules of an id's owner part (and so of a user
 * name), else 0. */
int sp_space_owner_valid(const char *owner);

/*
 * The Space of a bare repository at exactly `repo_path` =
 * "<repos_root>/<owner>/<name>.git" -> owner/name. Both paths are
 * canonicalised (realpath) when they exist, so "." from inside a hook works
 * and a symbolic link cannot make one repository pass for another's path.
 * SP_ENOTFOUND when `repos_root` is NULL or empty, or when the repository
 * is not exactly two levels below it with a name ending in ".git" (a nested
 * "<root>/mallory/x/alice/demo.git" is no Space); SP_EINVALID when owner or
 * name break sp_space_parse's rules.
 */
int sp_space_from_path(sp_space *out, const char *repos_root,
                       const char *repo_path);

typedef enum {
	SP_SPACE_NONE,   /* not a Space: pushes pass untouched */
	SP_SPACE_CHECK,  /* checked on push, never deployed (no id) */
	SP_SPACE_DEPLOY, /* a Space with an id: checked and deployed */
} sp_space_role;

/*
 * What the repository at `repo_path` is to spacehook, from the settings as
 * that repository sees them:
 * - spacehook.space=false: NONE;
 * - no spacehook.reposRoot: CHECK (validated, nothing deploys);
 * - at <reposRoot>/<owner>/<name>.git with a valid id: DEPLOY when the id
 *   matches a spacehook.spaces pattern or spacehook.space=true, else NONE;
 * - elsewhere: NONE, unless spacehook.space=true, which makes it CHECK and
 *   returns SP_EINVALID saying why it has no id;
 * - at the place but with an invalid owner or name: CHECK and SP_EINVALID.
 * `*out` holds the Space only with DEPLOY (zeroed otherwise).
 */
int sp_space_resolve(sp_space_role *role, sp_space *out,
                     const sp_settings *settings, const char *repo_path);

/*
 * 1 when the repository of the running hook ($GIT_DIR, else the current
 * directory) is surely no Space, from sp_settings_load_identity (no
 * libgit2): the hook passes the push untouched. 0 when it may be one, or
 * when that could not be told: the hook then takes the full way.
 */
int sp_space_quick_none(void);

#endif
