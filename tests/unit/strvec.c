/* Tests of the string vector: argv and environment vectors. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "strvec.h"
#include "testlib.h"

START_TEST(test_empty)
{
	sp_strvec vec = SP_STRVEC_INIT;

	ck_assert_ptr_nonnull(vec.v);
	ck_assert_ptr_null(vec.v[0]);
	ck_assert_ptr_null(sp_strvec_array(&vec)[0]);
	sp_strvec_clear(&vec);
	ck_assert_ptr_null(vec.v[0]);
	ck_assert_uint_eq(vec.nr, 0);
}
END_TEST

START_TEST(test_push)
{
	sp_strvec vec = SP_STRVEC_INIT;
	const char *items[] = {"c", "d", NULL};
	char mine[] = "a";

	ck_assert_str_eq(sp_strvec_push(&vec, mine), "a");
	mine[0] = 'x'; /* the vector holds a copy */
	sp_strvec_pushl(&vec, "b", NULL);
	sp_strvec_pushv(&vec, items);
	ck_assert_str_eq(sp_strvec_pushf(&vec, "%s=%d", "n", 42), "n=42");
	ck_assert_uint_eq(vec.nr, 5);
	ck_assert_str_eq(vec.v[0], "a");
	ck_assert_str_eq(vec.v[1], "b");
	ck_assert_str_eq(vec.v[2], "c");
	ck_assert_str_eq(vec.v[3], "d");
	ck_assert_str_eq(vec.v[4], "n=42");
	ck_assert_ptr_null(vec.v[5]);
	sp_strvec_clear(&vec);
	ck_assert_uint_eq(vec.nr, 0);
	sp_strvec_push(&vec, "again");
	ck_assert_str_eq(vec.v[0], "again");
	sp_strvec_clear(&vec);
}
END_TEST

START_TEST(test_growth)
{
	sp_strvec vec = SP_STRVEC_INIT;

	for (int i = 0; i < 1000; i++)
		sp_strvec_pushf(&vec, "%d", i);
	ck_assert_uint_eq(vec.nr, 1000);
	ck_assert_str_eq(vec.v[999], "999");
	ck_assert_ptr_null(vec.v[1000]);
	sp_strvec_clear(&vec);
}
END_TEST

static const struct {
	const char *sets[4]; /* "NAME", "value", "NAME", "value" (NULL: none) */
	const char *expect[3];
} env_cases[] = {
    {{"A", "1", NULL, NULL}, {"A=1", NULL, NULL}},
    {{"A", "1", "B", "2"}, {"A=1", "B=2", NULL}},
    {{"A", "1", "A", "2"}, {"A=2", NULL, NULL}},
    {{"A", "1", "AB", "2"}, {"A=1", "AB=2", NULL}},
    {{"AB", "1", "A", "2"}, {"AB=1", "A=2", NULL}},
    {{"A", "", "A", "x=y"}, {"A=x=y", NULL, NULL}},
};

START_TEST(test_setenv)
{
	sp_strvec vec = SP_STRVEC_INIT;
	size_t n = 0;

	for (size_t i = 0; i < 4 && env_cases[_i].sets[i]; i += 2)
		sp_strvec_setenv(&vec, env_cases[_i].sets[i],
		                 env_cases[_i].sets[i + 1]);
	for (; n < 3 && env_cases[_i].expect[n]; n++)
		ck_assert_str_eq(vec.v[n], env_cases[_i].expect[n]);
	ck_assert_uint_eq(vec.nr, n);
	ck_assert_ptr_null(vec.v[n]);
	sp_strvec_clear(&vec);
}
END_TEST

START_TEST(test_passenv)
{
	sp_strvec vec = SP_STRVEC_INIT;

	setenv("SP_STRVEC_TEST_SET", "here", 1);
	unsetenv("SP_STRVEC_TEST_UNSET");
	sp_strvec_passenv(&vec, "SP_STRVEC_TEST_SET");
	sp_strvec_passenv(&vec, "SP_STRVEC_TEST_UNSET");
	ck_assert_uint_eq(vec.nr, 1);
	ck_assert_str_eq(vec.v[0], "SP_STRVEC_TEST_SET=here");
	sp_strvec_clear(&vec);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("strvec");
	TCase *tc = tcase_create("vector");

	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_push);
	tcase_add_test(tc, test_growth);
	suite_add_tcase(s, tc);
	tc = tcase_create("environment");
	tcase_add_loop_test(tc, test_setenv, 0,
	                    sizeof(env_cases) / sizeof(env_cases[0]));
	tcase_add_test(tc, test_passenv);
	suite_add_tcase(s, tc);
	return sp_test_run(s);
}
