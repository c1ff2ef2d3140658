/* Fuzz target: Dockerfile bytes into the Dockerfile check, rendered too. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "dockerfile.h"
#include "error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const reserved[] = {"spacehook/", NULL};
	static const char *const args[] = {"BASE=spacehook/alice--demo:1",
	                                   "EMPTY=", "BUILDKIT_SYNTAX=x", NULL};
	sp_diag_list diags = SP_DIAG_LIST_INIT;
	sp_dockerfile_options opts = {"spacehook/mallory--app", reserved, NULL};
	sp_buf text = SP_BUF_INIT;
	size_t i, lines = 0;
	int error;

	/* The first byte picks the options; the rest is the Dockerfile. */
	if (size > 0) {
		if (data[0] & 1)
			opts.build_args = args;
		if (data[0] & 2)
			opts.own_repository = NULL;
		data++;
		size--;
	}
	error = sp_dockerfile_check(&diags, (const char *)data, size, &opts);
	if (error != (diags.errors ? SP_ECONFIG : 0))
		__builtin_trap();
	sp_diag_render(&text, &diags, "Dockerfile");
	for (i = 0; i < text.size; i++) {
		if (text.ptr[i] == '\0')
			__builtin_trap();
		if (text.ptr[i] == '\n')
			lines++;
	}
	/* One line per problem, each naming the file. */
	if (lines != diags.count ||
	    (diags.count && strncmp(text.ptr, "Dockerfile", 10)))
		__builtin_trap();
	if (diags.errors > 51)
		__builtin_trap();
	sp_buf_dispose(&text);
	sp_diag_list_dispose(&diags);
	return 0;
}
