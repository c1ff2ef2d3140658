/* Tests of the one duration parser, with the flags of each caller. */
#include <check.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "error.h"
#include "testlib.h"

#define S SP_DURATION_SECONDS
#define O SP_DURATION_ORDERED
#define YEAR (365L * 24 * 3600)

static const struct {
	const char *text;
	unsigned flags;
	long max;
	int rc;
	long seconds;
} cases[] = {
    /* git config settings: a number alone is seconds, any order */
    {"1800", S, LONG_MAX, 0, 1800},
    {"90s", S, LONG_MAX, 0, 90},
    {"30m", S, LONG_MAX, 0, 1800},
    {"1h", S, LONG_MAX, 0, 3600},
    {"1h30m", S, LONG_MAX, 0, 5400},
    {"2h0m5s", S, LONG_MAX, 0, 7205},
    {"30m1h", S, LONG_MAX, 0, 5400},
    {"1m1m", S, LONG_MAX, 0, 120},
    {"0", S, LONG_MAX, 0, 0},
    {"0h0m", S, LONG_MAX, 0, 0},
    {"9223372036854775807", S, LONG_MAX, 0, LONG_MAX},
    {"9223372036854775808", S, LONG_MAX, SP_ETOOBIG, 0},
    {"99999999999999999999h", S, LONG_MAX, SP_ETOOBIG, 0},
    {"2562047788015215h", S, LONG_MAX, 0, 2562047788015215L * 3600},
    {"2562047788015216h", S, LONG_MAX, SP_ETOOBIG, 0},
    {"9223372036854775807s1s", S, LONG_MAX, SP_ETOOBIG, 0},
    {"1h30", S, LONG_MAX, SP_EINVALID, 0},
    {"1d", S, LONG_MAX, SP_EINVALID, 0},
    {"m", S, LONG_MAX, SP_EINVALID, 0},
    {"", S, LONG_MAX, SP_EINVALID, 0},
    {"-5", S, LONG_MAX, SP_EINVALID, 0},
    {"1.5h", S, LONG_MAX, SP_EINVALID, 0},
    {" 1h", S, LONG_MAX, SP_EINVALID, 0},
    {"1h ", S, LONG_MAX, SP_EINVALID, 0},
    {"1H", S, LONG_MAX, SP_EINVALID, 0},
    {"99999999999999999999x", S, LONG_MAX, SP_EINVALID, 0},
    /* the Space config: units only, h m s in order, each once */
    {"30m", O, YEAR, 0, 1800},
    {"1h30m", O, YEAR, 0, 5400},
    {"1h1m1s", O, YEAR, 0, 3661},
    {"0s", O, YEAR, 0, 0},
    {"8760h", O, YEAR, 0, YEAR},
    {"8760h1s", O, YEAR, SP_ETOOBIG, 0},
    {"8761h", O, YEAR, SP_ETOOBIG, 0},
    {"99999999999999999999h", O, YEAR, SP_ETOOBIG, 0},
    {"1800", O, YEAR, SP_EINVALID, 0},
    {"30m1h", O, YEAR, SP_EINVALID, 0},
    {"1h1h", O, YEAR, SP_EINVALID, 0},
    {"30 minutes", O, YEAR, SP_EINVALID, 0},
    {"2d", O, YEAR, SP_EINVALID, 0},
    {"h", O, YEAR, SP_EINVALID, 0},
};

START_TEST(test_parse)
{
	const char *t = cases[_i].text;
	long v = -1;
	int rc =
	    sp_duration_parse(&v, t, strlen(t), cases[_i].flags, cases[_i].max);

	ck_assert_msg(rc == cases[_i].rc, "'%s': rc %d (%s), want %d", t, rc,
	              sp_error_last(), cases[_i].rc);
	ck_assert_int_eq(v, rc == 0 ? cases[_i].seconds : -1);
}
END_TEST

/* Only `len` bytes count: no NUL needed, and a NUL is no unit. */
START_TEST(test_length)
{
	long v = -1;

	ck_assert_int_eq(sp_duration_parse(&v, "30m15s", 3, O, YEAR), 0);
	ck_assert_int_eq(v, 1800);
	ck_assert_int_eq(sp_duration_parse(&v, "30\0m", 4, O, YEAR),
	                 SP_EINVALID);
	ck_assert_str_eq(sp_error_last(),
	                 "'30' is not a duration (e.g. 90s, 30m, 1h, 1h30m)");
	ck_assert_int_eq(sp_duration_parse(&v, "2h", 2, O, 3600), SP_ETOOBIG);
	ck_assert_str_eq(sp_error_last(), "'2h' is longer than 3600 seconds");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("duration");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, test_parse, 0,
	                    sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_length);
	suite_add_tcase(s, tc);
	return sp_test_run(s);
}
