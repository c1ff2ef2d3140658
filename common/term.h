/* Terminal-safe display of build and app output: control characters shown as
 * visible escapes, also across chunk boundaries. */
#ifndef SP_TERM_H
#define SP_TERM_H

#include <stddef.h>

#include "buf.h"

/*
 * What the escaping keeps between chunks: the start of a UTF-8 sequence or
 * a CR that the next chunk decides about.
 */
typedef struct {
	char held[4]; /* bytes held back from the last chunk */
	size_t nheld;
} sp_term;

#define SP_TERM_INIT                                                           \
	{                                                                      \
		{0}, 0                                                         \
	}

void sp_term_init(sp_term *t);

/*
 * Append `data` to `out`, escaped for a terminal: newline and tab pass; a CR
 * right before a newline is dropped (it shows nothing); other C0 controls,
 * DEL and bytes that are not valid UTF-8 become "\xNN"; the C1 controls
 * U+0080 to U+009F become "\u00NN"; valid UTF-8 passes. Bytes that the next
 * chunk decides about are held in `t`. Returns 0 or SP_ENOMEM.
 */
int sp_term_escape(sp_buf *out, sp_term *t, const char *data, size_t len);

/* Append what `t` holds back, escaped as at the end of the stream. */
int sp_term_finish(sp_buf *out, sp_term *t);

/* Escape a whole string (sp_term_escape then sp_term_finish). */
int sp_term_escape_string(sp_buf *out, const char *data, size_t len);

#endif
