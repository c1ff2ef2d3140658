/* Strict UTF-8 validation, one sequence at a time. */
#include "utf8.h"

#include "banned.h"

/* The sequence length a lead byte announces, or 0 for a byte no sequence starts
 * with. */
static size_t utf8_expect(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;
}

/* Is `c` allowed as byte `i` (1 to 3) of a sequence led by `lead`? */
static int utf8_follows(unsigned char lead, size_t i, unsigned char c)
{
	unsigned char lo = 0x80, hi = 0xbf;

	if (i == 1) {
		if (lead == 0xe0)
			lo = 0xa0; /* no overlong forms */
		else if (lead == 0xed)
			hi = 0x9f; /* no surrogates */
		else if (lead == 0xf0)
			lo = 0x90; /* no overlong forms */
		else if (lead == 0xf4)
			hi = 0x8f; /* nothing above U+10FFFF */
	}
	return c >= lo && c <= hi;
}

size_t sp_utf8_len(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = utf8_expect(p[0]);

	if (!len || n < len)
		return 0;
	for (size_t i = 1; i < len; i++)
		if (!utf8_follows(p[0], i, p[i]))
			return 0;
	return len;
}

int sp_utf8_incomplete(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len;

	if (!n)
		return 0;
	len = utf8_expect(p[0]);
	if (len <= n)
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!utf8_follows(p[0], i, p[i]))
			return 0;
	return 1;
}

size_t sp_utf8_decode(uint32_t *out, const char *s, size_t n)
{
	static const unsigned char lead_bits[] = {0, 0x7f, 0x1f, 0x0f, 0x07};
	const unsigned char *p = (const unsigned char *)s;
	size_t len = sp_utf8_len(s, n);
	uint32_t c;

	if (!len) {
		*out = SP_UTF8_REPLACEMENT;
		return 1;
	}
	c = p[0] & lead_bits[len];
	for (size_t i = 1; i < len; i++)
		c = (c << 6) | (p[i] & 0x3f);
	*out = c;
	return len;
}

size_t sp_utf8_check(const char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len && (n = sp_utf8_len(s + i, len - i)))
		i += n;
	return i;
}
