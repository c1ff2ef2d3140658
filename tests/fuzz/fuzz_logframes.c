/* Fuzz target: the Docker log-frame decoder against a plain reading of the
 * same bytes: the same payload on the same streams, and a malformed or
 * cut-short stream always told. */
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "engine.h"
#include "error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Streams and bytes as the decoder hands them out: "<stream>" then bytes. */
static int logframes_collect(int stream, const char *data, size_t len,
                             void *payload)
{
	sp_buf *out = payload;

	if ((stream != 1 && stream != 2) || !len)
		__builtin_trap();
	sp_buf_putc(out, (char)('0' + stream));
	sp_buf_put(out, data, len);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sp_buf got = SP_BUF_INIT, want = SP_BUF_INIT;
	size_t pos = 0;
	int ok = 1, error;

	error = sp_engine_log_decode((const char *)data, size,
	                             logframes_collect, &got);
	while (pos < size) {
		const uint8_t *h = data + pos;
		uint32_t len;

		if (size - pos < 8 || h[0] > 3 || h[1] || h[2] || h[3]) {
			ok = 0;
			break;
		}
		len = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 |
		      (uint32_t)h[6] << 8 | (uint32_t)h[7];
		pos += 8;
		if (len > size - pos) {
			ok = 0;
			break;
		}
		if (len) {
			sp_buf_putc(&want, h[0] >= 2 ? '2' : '1');
			sp_buf_put(&want, data + pos, len);
		}
		pos += len;
	}
	if (ok ? error != 0 : error != SP_EENGINE)
		__builtin_trap();
	/* Fed in one piece, each frame comes out in one call: all of them
	 * when the stream is good, else those before the bad one (and maybe
	 * the start of a cut-short one). */
	if (ok ? got.size != want.size : got.size < want.size)
		__builtin_trap();
	if (memcmp(got.ptr, want.ptr, want.size))
		__builtin_trap();
	sp_buf_dispose(&got);
	sp_buf_dispose(&want);
	return 0;
}
