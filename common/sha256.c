/* SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104) in portable C. */
#include "sha256.h"

#include <string.h>

#include "error.h"

#include "banned.h"

static const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t sha256_rotr(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static void sha256_compress(uint32_t state[8], const unsigned char *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, h, t1, t2;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (i = 16; i < 64; i++) {
		uint32_t s0 = sha256_rotr(w[i - 15], 7) ^
		              sha256_rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = sha256_rotr(w[i - 2], 17) ^
		              sha256_rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = state[0];
	b = state[1];
	c = state[2];
	d = state[3];
	e = state[4];
	f = state[5];
	g = state[6];
	h = state[7];
	for (i = 0; i < 64; i++) {
		t1 = h +
		     (sha256_rotr(e, 6) ^ sha256_rotr(e, 11) ^
		      sha256_rotr(e, 25)) +
		     ((e & f) ^ (~e & g)) + sha256_k[i] + w[i];
		t2 = (sha256_rotr(a, 2) ^ sha256_rotr(a, 13) ^
		      sha256_rotr(a, 22)) +
		     ((a & b) ^ (a & c) ^ (b & c));
		h = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	state[0] += a;
	state[1] += b;
	state[2] += c;
	state[3] += d;
	state[4] += e;
	state[5] += f;
	state[6] += g;
	state[7] += h;
}

void sp_sha256_init(sp_sha256 *ctx)
{
	static const uint32_t iv[8] = {
	    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(ctx->state, iv, sizeof(iv));
	ctx->length = 0;
	ctx->used = 0;
}

void sp_sha256_update(sp_sha256 *ctx, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t take;

	ctx->length += len;
	if (ctx->used) {
		take = SP_SHA256_BLOCK - ctx->used;
		if (take > len)
			take = len;
		memcpy(ctx->block + ctx->used, p, take);
		ctx->used += take;
		p += take;
		len -= take;
		if (ctx->used < SP_SHA256_BLOCK)
			return;
		sha256_compress(ctx->state, ctx->block);
		ctx->used = 0;
	}
	for (; len >= SP_SHA256_BLOCK;
	     p += SP_SHA256_BLOCK, len -= SP_SHA256_BLOCK)
		sha256_compress(ctx->state, p);
	if (len) {
		memcpy(ctx->block, p, len);
		ctx->used = len;
	}
}

void sp_sha256_final(unsigned char out[SP_SHA256_SIZE], sp_sha256 *ctx)
{
	uint64_t bits = ctx->length * 8;
	int i;

	ctx->block[ctx->used++] = 0x80;
	if (ctx->used > SP_SHA256_BLOCK - 8) {
		memset(ctx->block + ctx->used, 0, SP_SHA256_BLOCK - ctx->used);
		sha256_compress(ctx->state, ctx->block);
		ctx->used = 0;
	}
	memset(ctx->block + ctx->used, 0, SP_SHA256_BLOCK - 8 - ctx->used);
	for (i = 0; i < 8; i++)
		ctx->block[SP_SHA256_BLOCK - 1 - i] =
		    (unsigned char)(bits >> (8 * i));
	sha256_compress(ctx->state, ctx->block);
	for (i = 0; i < 8; i++) {
		out[4 * i] = (unsigned char)(ctx->state[i] >> 24);
		out[4 * i + 1] = (unsigned char)(ctx->state[i] >> 16);
		out[4 * i + 2] = (unsigned char)(ctx->state[i] >> 8);
		out[4 * i + 3] = (unsigned char)ctx->state[i];
	}
	explicit_bzero(ctx, sizeof(*ctx));
}

void sp_sha256_digest(unsigned char out[SP_SHA256_SIZE], const void *data,
                      size_t len)
{
	sp_sha256 ctx;

	sp_sha256_init(&ctx);
	sp_sha256_update(&ctx, data, len);
	sp_sha256_final(out, &ctx);
}

void sp_sha256_hmac(unsigned char out[SP_SHA256_SIZE], const void *key,
                    size_t keylen, const void *data, size_t len)
{
	unsigned char k[SP_SHA256_BLOCK] = {0}, pad[SP_SHA256_BLOCK];
	unsigned char inner[SP_SHA256_SIZE];
	sp_sha256 ctx;
	size_t i;

	if (keylen > SP_SHA256_BLOCK)
		sp_sha256_digest(k, key, keylen);
	else if (keylen)
		memcpy(k, key, keylen);

	for (i = 0; i < SP_SHA256_BLOCK; i++)
		pad[i] = k[i] ^ 0x36;
	sp_sha256_init(&ctx);
	sp_sha256_update(&ctx, pad, sizeof(pad));
	sp_sha256_update(&ctx, data, len);
	sp_sha256_final(inner, &ctx);

	for (i = 0; i < SP_SHA256_BLOCK; i++)
		pad[i] = k[i] ^ 0x5c;
	sp_sha256_init(&ctx);
	sp_sha256_update(&ctx, pad, sizeof(pad));
	sp_sha256_update(&ctx, inner, sizeof(inner));
	sp_sha256_final(out, &ctx);

	explicit_bzero(k, sizeof(k));
	explicit_bzero(pad, sizeof(pad));
	explicit_bzero(inner, sizeof(inner));
}

int sp_sha256_hex(sp_buf *out, const unsigned char *bytes, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;
	int error;

	if (len > ((size_t)-1) / 2)
		return sp_error_set(SP_ENOMEM, "hex of %zu bytes too big", len);
	if ((error = sp_buf_grow(out, len * 2)) < 0)
		return error;
	for (i = 0; i < len; i++) {
		out->ptr[out->size++] = digits[bytes[i] >> 4];
		out->ptr[out->size++] = digits[bytes[i] & 0xf];
	}
	out->ptr[out->size] = '\0';
	return 0;
}
