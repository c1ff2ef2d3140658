/* The front matter: where the YAML block at the top of README.md lies. */
#ifndef SP_FRONTMATTER_H
#define SP_FRONTMATTER_H

#include <stddef.h>

#include "diag.h"

/*
 * The YAML block of a README, found by sp_frontmatter_find. It points into
 * the README bytes (nothing is copied), so it lives as long as they do.
 */
typedef struct {
	/* The YAML between the delimiter lines, not NUL-terminated. */
	const char *body;
	size_t body_size;   /* in bytes, at most SP_FRONTMATTER_MAX_SIZE */
	size_t body_offset; /* byte offset of `body` in the README */
	unsigned body_line; /* README line (1-based) of the body's first line */
	unsigned end_line;  /* README line of the closing "---" */
} sp_frontmatter;

/*
 * Find the front matter in README bytes as Hugging Face does (the regex of
 * huggingface_hub's repocard.py): an optional UTF-8 BOM, blank lines or
 * spaces, a line "---" with nothing after it, then the body up to the first
 * later line that is "---" with only spaces or tabs after it. Line breaks are
 * CRLF, CR or LF. Looks at no more than SP_FRONTMATTER_MAX_SIZE bytes of body
 * (plus the closing line). Returns 0 and fills `out`; otherwise adds one
 * error to `diags` (no block, blanks after the opening "---", a block closed
 * by "...", a block that never ends, a block too large, a UTF-16 README) and
 * returns SP_ECONFIG.
 */
int sp_frontmatter_find(sp_frontmatter *out, sp_diag_list *diags,
                        const char *data, size_t size);

/*
 * The README position of byte `offset` of the body: 1-based line, and 1-based
 * column counted in Unicode code points (UTF-8 continuation bytes do not
 * count); CRLF, CR and LF each end a line. An offset past the body is taken as
 * its end.
 */
void sp_frontmatter_position(unsigned *line, unsigned *column,
                             const sp_frontmatter *fm, size_t offset);

#endif
