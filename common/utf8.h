/* UTF-8 checks shared by the modules that take or show text: strict (RFC 3629,
 * no overlong forms, no surrogates). */
#ifndef SP_UTF8_H
#define SP_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* What a byte that is not valid UTF-8 decodes to. */
#define SP_UTF8_REPLACEMENT 0xfffd

/*
 * Length (1 to 4) of the valid UTF-8 sequence at the start of `s`, of which
 * `n` bytes (at least 1) are available; 0 when those bytes are not valid
 * UTF-8 there, a sequence cut short included.
 */
size_t sp_utf8_len(const char *s, size_t n);

/*
 * Are the `n` bytes at `s` the start of a valid sequence that is longer than
 * `n`, so that more bytes could still make it whole? (A chunk that ends in
 * the middle of a character.)
 */
int sp_utf8_incomplete(const char *s, size_t n);

/*
 * Decode the character at the start of `s`, of which `n` bytes (at least 1)
 * are available, into `out`; returns the bytes it took (1 to 4). A byte that
 * does not start a valid sequence (sp_utf8_len) decodes to
 * SP_UTF8_REPLACEMENT and takes 1 byte, so a loop always moves on.
 */
size_t sp_utf8_decode(uint32_t *out, const char *s, size_t n);

/* Offset of the first byte of `s` that is not valid UTF-8, or `len` when all
 * are. */
size_t sp_utf8_check(const char *s, size_t len);

#endif
