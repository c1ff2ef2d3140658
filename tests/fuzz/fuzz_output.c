/* Fuzz target: build or app output through the redactor and the terminal
 * escaping, in chunks; the result must not depend on the chunking, and what
 * reaches the terminal must hold no control character. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "redact.h"
#include "term.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int output_collect(const char *data, size_t len, void *payload)
{
	sp_buf_put(payload, data, len);
	return 0;
}

/*
 * Input: one byte N, then N bytes of a secret (NULs end it early), one byte
 * for the chunk size, then the output stream.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sp_buf secret = SP_BUF_INIT, streamed = SP_BUF_INIT,
	       whole = SP_BUF_INIT, shown = SP_BUF_INIT, once = SP_BUF_INIT;
	const char *in;
	sp_redact r;
	sp_term t = SP_TERM_INIT;
	size_t n, chunk, len;

	if (size < 2)
		return 0;
	n = data[0] % 64;
	if (n + 2 > size)
		return 0;
	sp_buf_put(&secret, data + 1, strnlen((const char *)data + 1, n));
	chunk = data[n + 1] % 31 + 1;
	in = (const char *)data + n + 2;
	len = size - n - 2;

	sp_redact_init(&r, output_collect, &streamed);
	sp_redact_add(&r, secret.ptr);
	for (size_t off = 0; off < len; off += chunk)
		sp_redact_write(&r, in + off,
		                len - off < chunk ? len - off : chunk);
	sp_redact_flush(&r);
	sp_redact_string(&whole, &r, in, len);
	if (streamed.size != whole.size ||
	    memcmp(streamed.ptr, whole.ptr, whole.size))
		__builtin_trap();

	for (size_t off = 0; off < streamed.size; off += chunk)
		sp_term_escape(&shown, &t, streamed.ptr + off,
		               streamed.size - off < chunk ? streamed.size - off
		                                           : chunk);
	sp_term_finish(&shown, &t);
	sp_term_escape_string(&once, streamed.ptr, streamed.size);
	if (shown.size != once.size || memcmp(shown.ptr, once.ptr, once.size))
		__builtin_trap();
	if (sp_utf8_check(shown.ptr, shown.size) != shown.size)
		__builtin_trap();
	for (size_t i = 0; i < shown.size; i++) {
		unsigned char c = (unsigned char)shown.ptr[i];

		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f ||
		    (c == 0xc2 && (unsigned char)shown.ptr[i + 1] < 0xa0))
			__builtin_trap();
	}

	sp_redact_dispose(&r);
	sp_buf_dispose(&secret);
	sp_buf_dispose(&streamed);
	sp_buf_dispose(&whole);
	sp_buf_dispose(&shown);
	sp_buf_dispose(&once);
	return 0;
}
