/* SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), for signing webhook bodies.
 */
#ifndef SP_SHA256_H
#define SP_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define SP_SHA256_SIZE 32  /* digest bytes */
#define SP_SHA256_BLOCK 64 /* block bytes */

/* A hash in progress; the caller owns it (no heap memory inside). */
typedef struct {
	uint32_t state[8];
	uint64_t length; /* bytes hashed so far */
	unsigned char
	    block[SP_SHA256_BLOCK]; /* bytes waiting for a full block */
	size_t used;                /* bytes in `block` */
} sp_sha256;

/* Start a hash. */
void sp_sha256_init(sp_sha256 *ctx);

/* Hash `len` more bytes. */
void sp_sha256_update(sp_sha256 *ctx, const void *data, size_t len);

/* Finish: `out` gets the digest; `ctx` is wiped and must be initialised again
 * to reuse. */
void sp_sha256_final(unsigned char out[SP_SHA256_SIZE], sp_sha256 *ctx);

/* The digest of `len` bytes in one call. */
void sp_sha256_digest(unsigned char out[SP_SHA256_SIZE], const void *data,
                      size_t len);

/* HMAC-SHA256 of `data` under `key` (any length; longer than a block is hashed
 * first). */
void sp_sha256_hmac(unsigned char out[SP_SHA256_SIZE], const void *key,
                    size_t keylen, const void *data, size_t len);

/* Append `len` bytes as lowercase hexadecimal to `out`. */
int sp_sha256_hex(sp_buf *out, const unsigned char *bytes, size_t len);

#endif
