/* Tests of the push options: what each asks of the job, what is left alone,
 * and reading them from a receive hook's environment. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pushopt.h"
#include "queue.h"
#include "testlib.h"

#define F SP_JOB_NO_CACHE

static const struct {
	const char *options[4]; /* NULL-ended */
	unsigned flags;
	int no_wait;
	const char *unknown; /* NULL: none */
} cases[] = {
    {{NULL}, 0, 0, NULL},
    {{"spacehook.factory", NULL}, F, 0, NULL},
    {{"spacehook.factory=yes", NULL}, F, 0, NULL},
    {{"spacehook.factory=true", NULL}, F, 0, NULL},
    {{"spacehook.factory=no", NULL}, 0, 0, NULL},
    {{"spacehook.factory=false", NULL}, 0, 0, NULL},
    {{"spacehook.factory", "spacehook.factory=no", NULL}, 0, 0, NULL},
    {{"spacehook.factory=no", "spacehook.factory", NULL}, F, 0, NULL},
    {{"spacehook.wait=no", NULL}, 0, 1, NULL},
    {{"spacehook.wait=false", NULL}, 0, 1, NULL},
    {{"spacehook.wait=yes", NULL}, 0, 0, NULL},
    {{"spacehook.wait=no", "spacehook.wait=true", NULL}, 0, 0, NULL},
    {{"spacehook.wait=no", "spacehook.factory", NULL}, F, 1, NULL},
    {{"spacehook.factory", "spacehook.wait=no", NULL}, F, 1, NULL},
    /* others' options are left alone */
    {{"ci.skip", "topic=x", "spacehook", NULL}, 0, 0, NULL},
    {{"factory", "wait=no", NULL}, 0, 0, NULL},
    /* ours, misspelt or with a value they do not take */
    {{"spacehook.factroy", NULL}, 0, 0, "spacehook.factroy"},
    {{"spacehook.factory=maybe", NULL}, 0, 0, "spacehook.factory=maybe"},
    {{"spacehook.factory=", NULL}, 0, 0, "spacehook.factory="},
    {{"spacehook.factoryx", NULL}, 0, 0, "spacehook.factoryx"},
    {{"spacehook.FACTORY", NULL}, 0, 0, "spacehook.FACTORY"},
    {{"spacehook.wait", NULL}, 0, 0, "spacehook.wait"},
    {{"spacehook.wait=0", NULL}, 0, 0, "spacehook.wait=0"},
    {{"spacehook.", "spacehook.factory", "spacehook.x", NULL},
     F,
     0,
     "spacehook."},
};

START_TEST(test_parse)
{
	sp_pushopt opts;
	size_t n = 0;

	while (cases[_i].options[n])
		n++;
	sp_pushopt_parse(&opts, cases[_i].options, n);
	ck_assert_uint_eq(opts.job_flags, cases[_i].flags);
	ck_assert_int_eq(opts.no_wait, cases[_i].no_wait);
	if (cases[_i].unknown)
		ck_assert_pstr_eq(opts.unknown, cases[_i].unknown);
	else
		ck_assert_ptr_null(opts.unknown);
}
END_TEST

/* The same options as git hands them to a receive hook. */
START_TEST(test_env)
{
	sp_pushopt opts;
	char name[64];

	unsetenv("GIT_PUSH_OPTION_COUNT");
	sp_pushopt_from_env(&opts);
	ck_assert_uint_eq(opts.job_flags, 0);
	ck_assert_int_eq(opts.no_wait, 0);

	setenv("GIT_PUSH_OPTION_COUNT", "2", 1);
	setenv("GIT_PUSH_OPTION_0", "spacehook.wait=no", 1);
	setenv("GIT_PUSH_OPTION_1", "spacehook.factory", 1);
	sp_pushopt_from_env(&opts);
	ck_assert_uint_eq(opts.job_flags, SP_JOB_NO_CACHE);
	ck_assert_int_eq(opts.no_wait, 1);
	ck_assert_ptr_null(opts.unknown);

	/* Only the count given is read; a missing one is skipped. */
	setenv("GIT_PUSH_OPTION_COUNT", "1", 1);
	sp_pushopt_from_env(&opts);
	ck_assert_uint_eq(opts.job_flags, 0);
	setenv("GIT_PUSH_OPTION_COUNT", "3", 1);
	unsetenv("GIT_PUSH_OPTION_2");
	sp_pushopt_from_env(&opts);
	ck_assert_uint_eq(opts.job_flags, SP_JOB_NO_CACHE);

	/* A count that is no number, or negative, reads none. */
	setenv("GIT_PUSH_OPTION_COUNT", "-5", 1);
	sp_pushopt_from_env(&opts);
	ck_assert_uint_eq(opts.job_flags, 0);
	setenv("GIT_PUSH_OPTION_COUNT", "x", 1);
	sp_pushopt_from_env(&opts);
	ck_assert_uint_eq(opts.job_flags, 0);

	/* At most 100 are read. */
	for (int i = 0; i < 101; i++) {
		snprintf(name, sizeof(name), "GIT_PUSH_OPTION_%d", i);
		setenv(name, i == 100 ? "spacehook.factory" : "other", 1);
	}
	setenv("GIT_PUSH_OPTION_COUNT", "1000000", 1);
	sp_pushopt_from_env(&opts);
	ck_assert_uint_eq(opts.job_flags, 0);
	setenv("GIT_PUSH_OPTION_99", "spacehook.factory", 1);
	sp_pushopt_from_env(&opts);
	ck_assert_uint_eq(opts.job_flags, SP_JOB_NO_CACHE);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pushopt");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, test_parse, 0,
	                    sizeof(cases) / sizeof(cases[0]));
	suite_add_tcase(s, tc);
	tc = tcase_create("env");
	tcase_add_test(tc, test_env);
	suite_add_tcase(s, tc);
	return sp_test_run(s);
}
