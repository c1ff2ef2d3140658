/* Escaping of control characters in output bound for a terminal. */
#include "term.h"

#include <string.h>

#include "utf8.h"

#include "banned.h"

void sp_term_init(sp_term *t)
{
	memset(t, 0, sizeof(*t));
}

/* A byte that passes as it is: printable ASCII, newline, tab. */
static int term_plain(unsigned char c)
{
	return (c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t';
}

/*
 * Escape b[0..n) into out. Unless `final`, a CR or an unfinished UTF-8
 * sequence at the end is held in `t` instead.
 */
static int term_run(sp_buf *out, sp_term *t, const char *b, size_t n, int final)
{
	size_t i = 0, run = 0, m;

	while (i < n) {
		unsigned char c = (unsigned char)b[i];

		if (term_plain(c)) {
			i++;
			continue;
		}
		sp_buf_put(out, b + run, i - run);
		if (c == '\r' && i + 1 == n && !final) {
			break;
		} else if (c == '\r' && i + 1 < n && b[i + 1] == '\n') {
			i++; /* a CRLF line end shows as a plain one */
		} else if (c < 0x80) {
			sp_buf_printf(out, "\\x%02x", c);
			i++;
		} else if ((m = sp_utf8_len(b + i, n - i))) {
			if (m == 2 && c == 0xc2 &&
			    (unsigned char)b[i + 1] < 0xa0)
				sp_buf_printf(out, "\\u%04x",
				              (unsigned char)b[i + 1]);
			else
				sp_buf_put(out, b + i, m);
			i += m;
		} else if (!final && sp_utf8_incomplete(b + i, n - i)) {
			break;
		} else {
			sp_buf_printf(out, "\\x%02x", c);
			i++;
		}
		run = i;
	}
	if (i == n)
		sp_buf_put(out, b + run, i - run);
	/* What is left (at most 3 bytes) waits for the next chunk. */
	t->nheld = n - i;
	memmove(t->held, b + i, t->nheld);
	return 0;
}

int sp_term_escape(sp_buf *out, sp_term *t, const char *data, size_t len)
{
	sp_buf joint = SP_BUF_INIT;
	int error;

	if (!t->nheld)
		return term_run(out, t, data, len, 0);
	/* Rare: a chunk ended inside a character or on a CR. */
	sp_buf_put(&joint, t->held, t->nheld);
	sp_buf_put(&joint, data, len);
	error = term_run(out, t, joint.ptr, joint.size, 0);
	sp_buf_dispose(&joint);
	return error;
}

int sp_term_finish(sp_buf *out, sp_term *t)
{
	char held[4];
	size_t n = t->nheld;

	memcpy(held, t->held, n);
	t->nheld = 0;
	return n ? term_run(out, t, held, n, 1) : 0;
}

int sp_term_escape_string(sp_buf *out, const char *data, size_t len)
{
	sp_term t = SP_TERM_INIT;
	int error;

	if ((error = sp_term_escape(out, &t, data, len)) < 0)
		return error;
	return sp_term_finish(out, &t);
}
