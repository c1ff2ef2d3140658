/* Space identity: owner/name from the repository path, and the Docker names derived from it. */
#ifndef SP_SPACE_H
#define SP_SPACE_H

#include <stddef.h>

#define SP_SPACE_NAME_MAX 96

typedef struct {
	char owner[SP_SPACE_NAME_MAX + 1]; /* as in the path, e.g. "Alice" */
	char name[SP_SPACE_NAME_MAX + 1];  /* without ".git", e.g. "demo" */
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

/*
 * The Space of a bare repository at `repo_path`: "<root>/owner/name.git" ->
 * owner/name. Both paths are canonicalised (realpath) when they exist, so
 * "." from inside a hook works; a trailing "/.git" (the git dir of a
 * non-bare repository) is dropped. With `repos_root` NULL the last two path
 * components are used. A path outside `repos_root`, or not two levels below
 * it: SP_EINVALID; owner and name then follow sp_space_parse's rules.
 */
int sp_space_from_path(sp_space *out, const char *repos_root, const char *repo_path);

#endif
