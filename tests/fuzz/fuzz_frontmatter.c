/* Fuzz target: the front-matter finder; a block found lies inside the
 * README, within the size cap, with sane lines; anything else is one error. */
#include <stdint.h>
#include <string.h>

#include "diag.h"
#include "error.h"
#include "frontmatter.h"
#include "spaceconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sp_diag_list diags = SP_DIAG_LIST_INIT;
	sp_frontmatter fm;
	const char *readme = (const char *)data;
	unsigned line, column, prev = 0;
	size_t step;
	int error;

	memset(&fm, 0, sizeof(fm));
	error = sp_frontmatter_find(&fm, &diags, readme, size);
	if (error == 0) {
		if (diags.count || fm.body != readme + fm.body_offset ||
		    fm.body_offset > size ||
		    fm.body_size > size - fm.body_offset ||
		    fm.body_size > SP_FRONTMATTER_MAX_SIZE ||
		    fm.body_line < 2 || fm.end_line < fm.body_line)
			__builtin_trap();
		step =
		    fm.body_size / 61 + 1; /* a sample: positions cost O(n) */
		for (size_t off = 0; off <= fm.body_size + step; off += step) {
			sp_frontmatter_position(&line, &column, &fm, off);
			if (line < fm.body_line || line > fm.end_line ||
			    line < prev || column < 1)
				__builtin_trap();
			prev = line;
		}
	} else if (error != SP_ECONFIG || diags.count != 1) {
		__builtin_trap();
	}
	sp_diag_list_dispose(&diags);
	return 0;
}
