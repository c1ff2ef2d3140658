/* HMAC-SHA256 (RFC 2104) over OpenSSL's libcrypto, and hex of its bytes: for
 * webhook signatures and the build cache salt. */
#ifndef SP_HMAC_H
#define SP_HMAC_H

#include <stddef.h>

#include "buf.h"

#define SP_HMAC_SHA256_SIZE 32 /* MAC bytes */

/*
 * The HMAC-SHA256 of `len` bytes of `data` under `key_len` bytes of `key`
 * (any length) into `out`. Returns 0, or SP_ERROR when libcrypto fails
 * (`out` is then zeroed).
 */
int sp_hmac_sha256(unsigned char out[SP_HMAC_SHA256_SIZE], const void *key,
                   size_t key_len, const void *data, size_t len);

/* Append `len` bytes as lowercase hexadecimal to `out`. */
void sp_hmac_hex(sp_buf *out, const unsigned char *bytes, size_t len);

#endif
