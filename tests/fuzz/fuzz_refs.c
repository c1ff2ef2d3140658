/* Fuzz target: the ref-update reader on any stdin git could (not) send; every
 * update it returns is well formed, and it always reaches the end. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "refs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int refs_is_id(const char *id)
{
	return strlen(id) == SP_OID_HEXSZ &&
	       strspn(id, "0123456789abcdef") == SP_OID_HEXSZ;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sp_refs_update u;
	FILE *in;
	int lineno = 0, last = 0, error;
	size_t lines = 1;

	if (!size || !(in = fmemopen((void *)data, size, "r")))
		return 0;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	while ((error = sp_refs_read(&u, in, &lineno)) != SP_ENOTFOUND) {
		if (lineno != last + 1 || (size_t)lineno > lines)
			__builtin_trap();
		last = lineno;
		if (error == SP_EINVALID || error == SP_ETOOBIG) {
			if (!*sp_error_last())
				__builtin_trap();
			continue;
		}
		if (error != 0 || !refs_is_id(u.old_id) ||
		    !refs_is_id(u.new_id) || !*u.ref ||
		    strlen(u.ref) >= SP_REFS_LINE_MAX || strchr(u.ref, ' ') ||
		    strchr(u.ref, '\n'))
			__builtin_trap();
	}
	fclose(in);
	return 0;
}
