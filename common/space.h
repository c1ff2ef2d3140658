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
	 * Docker-safe, lowercase and collision-free: "alice--demo" when the id
	 * is already lowercase, else "alice--demo-<8 hex of a hash of the id>".
	 * Used for image repository, container, volume names and state paths.
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
 * owner/name. With `repos_root` NULL the last two path components are used.
 * A path outside `repos_root`, or not two levels below it: SP_EINVALID.
 */
int sp_space_from_path(sp_space *out, const char *repos_root, const char *repo_path);

#endif
