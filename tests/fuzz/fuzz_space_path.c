/* Fuzz target: Space ids from repository paths under a fixed reposRoot; an
 * id found is one sp_space_parse accepts, its path is exactly
 * <root>/<id>.git (trailing slashes aside), and its slug is a Docker-safe name.
 */
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "space.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ROOT "/nonexistent-spacehook-fuzz/repos"

/* [a-z0-9]+(-+[a-z0-9]+)* */
static int space_slug_ok(const char *s)
{
	size_t len = strlen(s);

	if (!len || len > 204 || s[0] == '-' || s[len - 1] == '-')
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sp_buf path = SP_BUF_INIT, want = SP_BUF_INIT;
	sp_space space, again;

	sp_buf_put(&path, data, strnlen((const char *)data, size));
	if (sp_space_from_path(&space, ROOT, path.ptr) == 0) {
		/* The path as given, but for trailing slashes. */
		while (path.size > 1 && path.ptr[path.size - 1] == '/')
			sp_buf_truncate(&path, path.size - 1);
		sp_buf_printf(&want, ROOT "/%s/%s.git", space.owner,
		              space.name);
		if (strcmp(want.ptr, path.ptr))
			__builtin_trap();
		sp_buf_clear(&want);
		sp_buf_printf(&want, "%s/%s", space.owner, space.name);
		if (strcmp(want.ptr, space.id) || !space_slug_ok(space.slug))
			__builtin_trap();
		if (sp_space_parse(&again, space.id) != 0 ||
		    strcmp(again.slug, space.slug))
			__builtin_trap();
	}
	sp_buf_dispose(&path);
	sp_buf_dispose(&want);
	return 0;
}
