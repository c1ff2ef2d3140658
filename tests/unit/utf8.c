/* Tests of the strict UTF-8 checks. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"
#include "utf8.h"

static const struct {
	const char *bytes;
	size_t len;     /* sp_utf8_len of the whole input */
	int incomplete; /* sp_utf8_incomplete of the whole input */
} seq_cases[] = {
    {"a", 1, 0},
    {"\x7f", 1, 0},
    {"\xc2\x80", 2, 0},
    {"\xc2\x9b", 2, 0},
    {"\xc3\xa9", 2, 0},
    {"\xe2\x82\xac", 3, 0},
    {"\xf0\x9f\x9a\x80", 4, 0},
    {"\xf4\x8f\xbf\xbf", 4, 0},
    {"\xc2", 0, 1},
    {"\xe2\x82", 0, 1},
    {"\xf0\x9f\x9a", 0, 1},
    {"\x80", 0, 0},
    {"\xbf", 0, 0},
    {"\xc0\x80", 0, 0},         /* overlong NUL */
    {"\xc1\xbf", 0, 0},         /* overlong */
    {"\xe0\x80\x80", 0, 0},     /* overlong */
    {"\xe0\x9f", 0, 0},         /* overlong, cut short */
    {"\xed\xa0\x80", 0, 0},     /* surrogate */
    {"\xed\xa0", 0, 0},         /* surrogate, cut short */
    {"\xf4\x90\x80\x80", 0, 0}, /* above U+10FFFF */
    {"\xf5\x80\x80\x80", 0, 0},
    {"\xff", 0, 0},
    {"\xc3\x28", 0, 0},
    {"\xe2\x28\xa1", 0, 0},
};

START_TEST(test_sequence)
{
	const char *b = seq_cases[_i].bytes;
	size_t n = strlen(b);

	ck_assert_uint_eq(sp_utf8_len(b, n), seq_cases[_i].len);
	ck_assert_int_eq(sp_utf8_incomplete(b, n), seq_cases[_i].incomplete);
}
END_TEST

static const struct {
	const char *text;
	size_t first_bad;
} check_cases[] = {
    {"", 0},
    {"plain ascii", 11},
    {"caf\xc3\xa9 \xe2\x82\xac", 9},
    {"caf\xe9", 3},
    {"ok\xc3", 2},
    {"\xed\xbf\xbf", 0},
    {"rocket \xf0\x9f\x9a\x80!", 12},
};

START_TEST(test_check)
{
	const char *t = check_cases[_i].text;

	ck_assert_uint_eq(sp_utf8_check(t, strlen(t)),
	                  check_cases[_i].first_bad);
}
END_TEST

static const struct {
	const char *bytes;
	size_t n;      /* bytes available */
	uint32_t want; /* first character */
	size_t took;
} decode_cases[] = {
    {"a", 1, 'a', 1},
    {"\x7f", 1, 0x7f, 1},
    {"\xc2\x80", 2, 0x80, 2},
    {"\xc3\xa9!", 3, 0xe9, 2},
    {"\xdf\xbf", 2, 0x7ff, 2},
    {"\xe0\xa0\x80", 3, 0x800, 3},
    {"\xe2\x82\xac", 3, 0x20ac, 3},
    {"\xef\xbf\xbd", 3, 0xfffd, 3},
    {"\xf0\x90\x80\x80", 4, 0x10000, 4},
    {"\xf0\x9f\x9a\x80", 4, 0x1f680, 4},
    {"\xf4\x8f\xbf\xbf", 4, 0x10ffff, 4},
    {"\xe2\x82\xac", 2, 0xfffd, 1}, /* cut short by n */
    {"\xc2", 1, 0xfffd, 1},
    {"\x80", 1, 0xfffd, 1},
    {"\xc0\x80", 2, 0xfffd, 1},         /* overlong */
    {"\xed\xa0\x80", 3, 0xfffd, 1},     /* surrogate */
    {"\xf4\x90\x80\x80", 4, 0xfffd, 1}, /* above U+10FFFF */
    {"\xff", 1, 0xfffd, 1},
    {"\xc3\x28", 2, 0xfffd, 1},
};

START_TEST(test_decode)
{
	uint32_t c = 0;

	ck_assert_uint_eq(
	    sp_utf8_decode(&c, decode_cases[_i].bytes, decode_cases[_i].n),
	    decode_cases[_i].took);
	ck_assert_uint_eq(c, decode_cases[_i].want);
}
END_TEST

/* A whole string, character by character, as the UTF-16 length counts it. */
START_TEST(test_decode_string)
{
	static const char text[] = "a\xc3\xa9\xf0\x9f\x9a\x80\xff\xe2\x82";
	static const uint32_t want[] = {'a',    0xe9,   0x1f680,
	                                0xfffd, 0xfffd, 0xfffd};
	size_t pos = 0, i = 0, len = sizeof(text) - 1;

	while (pos < len) {
		uint32_t c;

		ck_assert_uint_lt(i, sizeof(want) / sizeof(want[0]));
		pos += sp_utf8_decode(&c, text + pos, len - pos);
		ck_assert_uint_eq(c, want[i++]);
	}
	ck_assert_uint_eq(pos, len);
	ck_assert_uint_eq(i, sizeof(want) / sizeof(want[0]));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("utf8");
	TCase *tc = tcase_create("sequence");

	tcase_add_loop_test(tc, test_sequence, 0,
	                    sizeof(seq_cases) / sizeof(seq_cases[0]));
	suite_add_tcase(s, tc);
	tc = tcase_create("check");
	tcase_add_loop_test(tc, test_check, 0,
	                    sizeof(check_cases) / sizeof(check_cases[0]));
	suite_add_tcase(s, tc);
	tc = tcase_create("decode");
	tcase_add_loop_test(tc, test_decode, 0,
	                    sizeof(decode_cases) / sizeof(decode_cases[0]));
	tcase_add_test(tc, test_decode_string);
	suite_add_tcase(s, tc);
	return sp_test_run(s);
}
