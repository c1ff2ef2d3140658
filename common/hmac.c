/* HMAC-SHA256 by libcrypto's one-shot HMAC(). */
#include "hmac.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

#include "banned.h"
#include "error.h"

int sp_hmac_sha256(unsigned char out[SP_HMAC_SHA256_SIZE], const void *key,
                   size_t key_len, const void *data, size_t len)
{
	static const unsigned char none[1];
	unsigned int out_len = 0;

	/* libcrypto takes an int key length and reads no byte of an empty
	 * key or message, but wants a pointer all the same. */
	if (key_len > (size_t)0x7fffffff) {
		memset(out, 0, SP_HMAC_SHA256_SIZE);
		return sp_error_set(SP_EINVALID, "hmac key too long");
	}
	if (!HMAC(EVP_sha256(), key_len ? key : none, (int)key_len,
	          len ? data : none, len, out, &out_len) ||
	    out_len != SP_HMAC_SHA256_SIZE) {
		memset(out, 0, SP_HMAC_SHA256_SIZE);
		return sp_error_set(SP_ERROR, "cannot compute hmac-sha256");
	}
	return 0;
}

void sp_hmac_hex(sp_buf *out, const unsigned char *bytes, size_t len)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		sp_buf_putc(out, digits[bytes[i] >> 4]);
		sp_buf_putc(out, digits[bytes[i] & 0x0f]);
	}
}
