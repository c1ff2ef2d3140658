/* Space identity: "owner/name" checked, taken from a repository path, and
 * turned into a Docker-safe slug. */
#include "space.h"

#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"
#include "buf.h"
#include "error.h"

#define SPACE_CHARS                                                            \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"

static int is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Print a part of a hostile name safely into an error message. */
static void space_quote(sp_buf *out, const char *s, size_t len)
{
	if (len > 40)
		len = 40;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f || c == '\'' || c == '\\')
			sp_buf_printf(out, "\\x%02x", c);
		else
			sp_buf_putc(out, (char)c);
	}
}

static int space_part_check(const char *what, const char *part, size_t len,
                            const char *whole)
{
	sp_buf quoted = SP_BUF_INIT;
	const char *rule = NULL;
	int error = 0;

	if (len == 0)
		rule = "is empty";
	else if (len > SP_SPACE_NAME_MAX)
		rule = "is longer than 96 characters";
	else if (strspn(part, SPACE_CHARS) < len)
		rule = "may hold only letters, digits, '.', '_' and '-'";
	else if (part[0] == '.' || part[0] == '-')
		rule = "must not start with '.' or '-'";
	else if (!strcmp(what, "name") && len >= 4 &&
	         !strncmp(part + len - 4, ".git", 4))
		rule = "must not end in \".git\" twice";
	if (rule) {
		space_quote(&quoted, whole, strlen(whole));
		error =
		    sp_error_set(SP_EINVALID, "invalid space '%s': the %s %s",
		                 quoted.ptr, what, rule);
	}
	sp_buf_dispose(&quoted);
	return error;
}

int sp_space_owner_valid(const char *owner)
{
	size_t len = owner ? strlen(owner) : 0;

	return len > 0 && len <= SP_SPACE_NAME_MAX &&
	       strspn(owner, SPACE_CHARS) == len && owner[0] != '.' &&
	       owner[0] != '-';
}

static uint32_t space_fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

/* Is the part runs of [a-z0-9] joined by single '-'? */
static int space_part_plain(const char *part)
{
	if (!is_lower_alnum(part[0]))
		return 0;
	for (const char *p = part; *p; p++) {
		if (is_lower_alnum(*p))
			continue;
		if (*p != '-' || !is_lower_alnum(p[1]))
			return 0;
	}
	return 1;
}

/* Lowercase, '.'/'_' to '-', runs of '-' to one, trimmed; "x" when empty. */
static void space_part_map(sp_buf *out, const char *part)
{
	size_t start = out->size;
	int dash = 0;

	for (const char *p = part; *p; p++) {
		char c = *p;

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!is_lower_alnum(c)) {
			dash = out->size > start;
			continue;
		}
		if (dash)
			sp_buf_putc(out, '-');
		dash = 0;
		sp_buf_putc(out, c);
	}
	if (out->size == start)
		sp_buf_putc(out, 'x');
}

int sp_space_parse(sp_space *out, const char *id)
{
	const char *slash, *name;
	size_t owner_len, name_len;
	sp_buf slug = SP_BUF_INIT;
	int error;

	memset(out, 0, sizeof(*out));
	if (!id || !*id)
		return sp_error_set(SP_EINVALID,
		                    "invalid space '': expected owner/name");
	slash = strchr(id, '/');
	if (!slash || strchr(slash + 1, '/')) {
		sp_buf quoted = SP_BUF_INIT;

		space_quote(&quoted, id, strlen(id));
		error = sp_error_set(SP_EINVALID,
		                     "invalid space '%s': expected owner/name",
		                     quoted.ptr);
		sp_buf_dispose(&quoted);
		return error;
	}
	owner_len = (size_t)(slash - id);
	name = slash + 1;
	name_len = strlen(name);
	if (name_len > 4 && !strcmp(name + name_len - 4, ".git"))
		name_len -= 4;
	if (owner_len > SP_SPACE_NAME_MAX || name_len > SP_SPACE_NAME_MAX) {
		sp_buf quoted = SP_BUF_INIT;

		space_quote(&quoted, id, strlen(id));
		error = sp_error_set(SP_EINVALID,
		                     "invalid space '%s...': the %s is longer "
		                     "than 96 characters",
		                     quoted.ptr,
		                     owner_len > SP_SPACE_NAME_MAX ? "owner"
		                                                   : "name");
		sp_buf_dispose(&quoted);
		return error;
	}
	memcpy(out->owner, id, owner_len);
	out->owner[owner_len] = '\0';
	memcpy(out->name, name, name_len);
	out->name[name_len] = '\0';
	if ((error = space_part_check("owner", out->owner, owner_len, id)) <
	        0 ||
	    (error = space_part_check("name", out->name, name_len, id)) < 0)
		goto done;
	snprintf(out->id, sizeof(out->id), "%s/%s", out->owner, out->name);

	if (space_part_plain(out->owner) && space_part_plain(out->name)) {
		sp_buf_printf(&slug, "%s--%s", out->owner, out->name);
	} else {
		space_part_map(&slug, out->owner);
		sp_buf_puts(&slug, "--");
		space_part_map(&slug, out->name);
		sp_buf_printf(&slug, "--%08x", (unsigned)space_fnv1a(out->id));
	}
	if (slug.size >= sizeof(out->slug)) {
		error = sp_error_set(SP_ERROR, "space slug too long");
		goto done;
	}
	memcpy(out->slug, slug.ptr, slug.size + 1);
done:
	if (error < 0)
		memset(out, 0, sizeof(*out));
	sp_buf_dispose(&slug);
	return error;
}

/* Canonical form of `path`: realpath when it exists, else the path with
 * trailing '/' dropped. */
static int space_canonical(sp_buf *out, const char *path)
{
	char *real = realpath(path, NULL);

	sp_buf_clear(out);
	if (real) {
		sp_buf_puts(out, real);
		free(real);
	} else {
		sp_buf_puts(out, path);
	}
	while (out->size > 1 && out->ptr[out->size - 1] == '/')
		sp_buf_truncate(out, out->size - 1);
	return 0;
}

int sp_space_from_path(sp_space *out, const char *repos_root,
                       const char *repo_path)
{
	sp_buf path = SP_BUF_INIT, root = SP_BUF_INIT, id = SP_BUF_INIT;
	const char *rest, *slash;
	int error = 0;

	memset(out, 0, sizeof(*out));
	if (!repos_root || !*repos_root)
		return sp_error_set(SP_ENOTFOUND,
		                    "spacehook.reposRoot is not set: a Space's "
		                    "id comes only from a repository at "
		                    "<reposRoot>/<owner>/<name>.git");
	if (!repo_path || !*repo_path)
		return sp_error_set(SP_EINVALID, "empty repository path");
	space_canonical(&path, repo_path);
	space_canonical(&root, repos_root);
	if (!strcmp(root.ptr, "/"))
		sp_buf_clear(&root);
	if (strncmp(path.ptr, root.ptr, root.size) ||
	    path.ptr[root.size] != '/') {
		error = sp_error_set(SP_ENOTFOUND,
		                     "repository '%s' is not under the "
		                     "repositories root '%s'",
		                     path.ptr, root.size ? root.ptr : "/");
		goto done;
	}
	rest = path.ptr + root.size + 1;
	slash = strchr(rest, '/');
	if (!slash || strchr(slash + 1, '/') || slash == rest || !slash[1] ||
	    path.size - (size_t)(slash + 1 - path.ptr) <= 4 ||
	    strcmp(path.ptr + path.size - 4, ".git")) {
		error =
		    sp_error_set(SP_ENOTFOUND,
		                 "repository '%s' is not at "
		                 "<reposRoot>/<owner>/<name>.git below '%s'",
		                 path.ptr, root.size ? root.ptr : "/");
		goto done;
	}
	sp_buf_puts(&id, rest);
	error = sp_space_parse(out, id.ptr);
done:
	sp_buf_dispose(&path);
	sp_buf_dispose(&root);
	sp_buf_dispose(&id);
	return error;
}

static int space_matches(char *const *patterns, const char *id)
{
	for (; patterns && *patterns; patterns++)
		if (fnmatch(*patterns, id, FNM_PATHNAME) == 0)
			return 1;
	return 0;
}

int sp_space_resolve(sp_space_role *role, sp_space *out,
                     const sp_settings *settings, const char *repo_path)
{
	int error;

	memset(out, 0, sizeof(*out));
	*role = SP_SPACE_NONE;
	if (settings->space == 0)
		return 0;
	if (!settings->repos_root) {
		*role = SP_SPACE_CHECK;
		return 0;
	}
	error = sp_space_from_path(out, settings->repos_root, repo_path);
	if (error == SP_ENOTFOUND) {
		if (settings->space != 1)
			return 0;
		*role = SP_SPACE_CHECK;
		return sp_error_set(SP_EINVALID, "%s", sp_error_last());
	}
	if (error < 0) {
		*role = SP_SPACE_CHECK;
		return error;
	}
	if (settings->space == 1 || space_matches(settings->spaces, out->id))
		*role = SP_SPACE_DEPLOY;
	else
		memset(out, 0, sizeof(*out));
	return 0;
}

int sp_space_quick_none(void)
{
	const char *git_dir = getenv("GIT_DIR");
	sp_space_role role = SP_SPACE_DEPLOY;
	sp_settings settings;
	sp_space space;

	if (sp_settings_load_identity(&settings) < 0) {
		sp_error_clear();
		return 0;
	}
	sp_space_resolve(&role, &space, &settings,
	                 git_dir && *git_dir ? git_dir : ".");
	sp_settings_dispose(&settings);
	sp_error_clear();
	return role == SP_SPACE_NONE;
}
