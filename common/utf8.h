/* UTF-8 checks shared by the modules that take or show text: strict (RFC 3629,
 * no overlong forms, no surrogates). */
#ifndef SP_UTF8_H
#define SP_UTF8_H

#include <stddef.h>

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

/* Offset of the first byte of `s` that is not valid UTF-8, or `len` when all
 * are. */
size_t sp_utf8_check(const char *s, size_t len);

#endif
