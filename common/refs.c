/* One reader of git's ref-update lines for both receive hooks, and the deploy
 * branch's full ref name. */
#include "refs.h"

#include <git2.h>
#include <string.h>

#include "error.h"

#include "banned.h"

/* Skip to the end of the current line (a bad line is never half-read). */
static void refs_skip_line(FILE *in)
{
	int c;

	while ((c = getc(in)) != EOF && c != '\n')
		;
}

static int refs_is_hex_id(const char *s, size_t len)
{
	return len == SP_OID_HEXSZ &&
	       strspn(s, "0123456789abcdef") >= SP_OID_HEXSZ;
}

/* Split "<old> <new> <ref>" (`len` bytes, NUL-terminated) into `out`. */
static int refs_parse(sp_refs_update *out, const char *line, size_t len)
{
	const char *sp1, *sp2, *ref;

	if (!(sp1 = strchr(line, ' ')) || !(sp2 = strchr(sp1 + 1, ' ')))
		return -1;
	ref = sp2 + 1;
	if (!refs_is_hex_id(line, (size_t)(sp1 - line)) ||
	    !refs_is_hex_id(sp1 + 1, (size_t)(sp2 - sp1 - 1)) || !*ref ||
	    strchr(ref, ' '))
		return -1;
	memcpy(out->old_id, line, SP_OID_HEXSZ);
	out->old_id[SP_OID_HEXSZ] = '\0';
	memcpy(out->new_id, sp1 + 1, SP_OID_HEXSZ);
	out->new_id[SP_OID_HEXSZ] = '\0';
	memcpy(out->ref, ref, len - (size_t)(ref - line) + 1);
	return 0;
}

int sp_refs_read(sp_refs_update *out, FILE *in, int *lineno)
{
	char line[SP_REFS_LINE_MAX];
	size_t len = 0;
	int c;

	while ((c = getc(in)) != EOF && c != '\n') {
		if (c == '\0') {
			refs_skip_line(in);
			return sp_error_set(SP_EINVALID,
			                    "line %d from git is not text",
			                    ++*lineno);
		}
		if (len + 1 >= sizeof(line)) {
			refs_skip_line(in);
			return sp_error_set(SP_ETOOBIG,
			                    "line %d from git is longer than "
			                    "%d bytes",
			                    ++*lineno, SP_REFS_LINE_MAX);
		}
		line[len++] = (char)c;
	}
	if (c == EOF && len == 0)
		return SP_ENOTFOUND;
	line[len] = '\0';
	++*lineno;
	if (refs_parse(out, line, len) < 0)
		return sp_error_set(SP_EINVALID,
		                    "malformed line %d from git (expected "
		                    "'<old-id> <new-id> <ref>')",
		                    *lineno);
	return 0;
}

int sp_refs_is_zero(const char *id)
{
	return !strcmp(id, SP_REFS_ZERO_ID);
}

/* The rules git's check-ref-format applies, spelt out; libgit2 adds its own
 * below. */
static int refs_branch_plain(const char *value)
{
	size_t len = strlen(value);

	if (!len || len > 255 || value[0] == '-' || value[0] == '/' ||
	    value[0] == '.' || strstr(value, "..") || strstr(value, "//") ||
	    strstr(value, "/.") || strstr(value, "@{") || !strcmp(value, "@") ||
	    value[len - 1] == '/' || value[len - 1] == '.' ||
	    (len >= 5 && !strcmp(value + len - 5, ".lock")) ||
	    strpbrk(value, " ~^:?*[\\"))
		return 0;
	return 1;
}

int sp_refs_check_branch(const char *branch)
{
	int valid = 0;

	for (const char *p = branch; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return sp_error_set(
			    SP_EINVALID, "control characters are not allowed");
	if (refs_branch_plain(branch) && git_libgit2_init() >= 0) {
		if (git_branch_name_is_valid(&valid, branch) < 0)
			valid = 0;
		git_libgit2_shutdown();
	}
	if (!valid)
		return sp_error_set(SP_EINVALID,
		                    "'%s' is not a valid branch name", branch);
	return 0;
}

int sp_refs_deploy_ref(sp_buf *out, const char *branch)
{
	int error;

	sp_buf_clear(out);
	if ((error = sp_refs_check_branch(branch)) < 0)
		return error;
	sp_buf_printf(out, "refs/heads/%s", branch);
	return 0;
}
