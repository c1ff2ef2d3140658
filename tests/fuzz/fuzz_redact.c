/* Fuzz target: the streaming redactor fed in chunks of sizes the input
 * chooses; a secret never survives, however the stream is cut. */
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "redact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int redact_collect(const char *data, size_t len, void *payload)
{
	sp_buf_put(payload, data, len);
	return 0;
}

/*
 * Input: one byte N, N bytes of a secret (a NUL ends it early), one byte C,
 * C bytes of chunk sizes (each 1 to 64, used in turn), then the stream.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sp_buf secret = SP_BUF_INIT, out = SP_BUF_INIT;
	const uint8_t *sizes, *in;
	size_t n, c, len, off = 0, turn = 0;
	sp_redact r;

	if (size < 2)
		return 0;
	n = data[0] % 48;
	if (n + 2 > size)
		return 0;
	c = data[n + 1] % 16 + 1;
	if (n + 2 + c > size)
		return 0;
	sp_buf_put(&secret, data + 1, strnlen((const char *)data + 1, n));
	sizes = data + n + 2;
	in = data + n + 2 + c;
	len = size - n - 2 - c;

	sp_redact_init(&r, redact_collect, &out);
	sp_redact_add(&r, secret.ptr);
	while (off < len) {
		size_t chunk = sizes[turn++ % c] % 64 + 1;

		if (chunk > len - off)
			chunk = len - off;
		sp_redact_write(&r, (const char *)in + off, chunk);
		off += chunk;
	}
	sp_redact_flush(&r);
	/* "***" itself can rebuild a secret made of stars: only others. */
	if (secret.size && !memchr(secret.ptr, '*', secret.size) &&
	    memmem(out.ptr, out.size, secret.ptr, secret.size))
		__builtin_trap();
	if (!secret.size && (out.size != len || memcmp(out.ptr, in, len)))
		__builtin_trap();
	sp_redact_dispose(&r);
	sp_buf_dispose(&secret);
	sp_buf_dispose(&out);
	return 0;
}
