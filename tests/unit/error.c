/* Tests of the error codes and the last-error slot. */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "testlib.h"

START_TEST(test_error_names)
{
	ck_assert_int_eq(sp_error_set(SP_EINVALID, "bad '%s'", "x"),
	                 SP_EINVALID);
	ck_assert_str_eq(sp_error_last(), "bad 'x'");
	ck_assert_str_eq(sp_error_name(SP_ENOTFOUND), "ENOTFOUND");
	ck_assert_str_eq(sp_error_name(12345), "UNKNOWN");
	sp_error_clear();
	ck_assert_str_eq(sp_error_last(), "");
}
END_TEST

static const struct {
	int code;
	const char *name;
} name_cases[] = {
    {SP_ERROR, "ERROR"},
    {SP_ENOTFOUND, "ENOTFOUND"},
    {SP_EINVALID, "EINVALID"},
    {SP_ETOOBIG, "ETOOBIG"},
    {SP_ECONFIG, "ECONFIG"},
    {SP_EUSAGE, "EUSAGE"},
    {SP_EIO, "EIO"},
    {SP_ENOMEM, "ENOMEM"},
    {SP_EENGINE, "EENGINE"},
    {SP_EUNREACHABLE, "EUNREACHABLE"},
    {SP_ELOCKED, "ELOCKED"},
    {SP_ETIMEOUT, "ETIMEOUT"},
    {SP_EEXISTS, "EEXISTS"},
    {SP_EBUILD, "EBUILD"},
    {SP_ERUNTIME, "ERUNTIME"},
    {SP_ECANCELED, "ECANCELED"},
    {SP_EPROXY, "EPROXY"},
    {SP_EDENIED, "EDENIED"},
    {0, "UNKNOWN"},
    {-19, "UNKNOWN"},
};

START_TEST(test_every_name)
{
	ck_assert_str_eq(sp_error_name(name_cases[_i].code),
	                 name_cases[_i].name);
}
END_TEST

START_TEST(test_last_code)
{
	sp_error_clear();
	ck_assert_int_eq(sp_error_last_code(), 0);
	ck_assert_int_eq(sp_error_set(SP_ETIMEOUT, "%d s", 5), SP_ETIMEOUT);
	ck_assert_int_eq(sp_error_last_code(), SP_ETIMEOUT);
	ck_assert_str_eq(sp_error_last(), "5 s");
	sp_error_clear();
	ck_assert_int_eq(sp_error_last_code(), 0);
}
END_TEST

START_TEST(test_os)
{
	errno = ENOENT;
	ck_assert_int_eq(sp_error_set_os(SP_EIO, "cannot open '%s'", "f"),
	                 SP_EIO);
	ck_assert_str_eq(sp_error_last(),
	                 "cannot open 'f': No such file or directory");
}
END_TEST

static void *other_thread(void *arg)
{
	/* A thread starts with no error of its own. */
	*(int *)arg = sp_error_last_code() == 0 && !*sp_error_last();
	sp_error_set(SP_EIO, "from the other thread");
	return NULL;
}

START_TEST(test_per_thread)
{
	pthread_t t;
	int clean = 0;

	sp_error_set(SP_EINVALID, "mine");
	ck_assert_int_eq(pthread_create(&t, NULL, other_thread, &clean), 0);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_int_eq(clean, 1);
	ck_assert_str_eq(sp_error_last(), "mine");
	ck_assert_int_eq(sp_error_last_code(), SP_EINVALID);
}
END_TEST

START_TEST(test_long_message)
{
	char big[8192];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	sp_error_set(SP_ERROR, "%s", big);
	/* Kept, maybe cut, always NUL-terminated. */
	ck_assert_uint_gt(strlen(sp_error_last()), 0);
	ck_assert_uint_le(strlen(sp_error_last()), sizeof(big) - 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("error");
	TCase *tc = tcase_create("slot");

	tcase_add_test(tc, test_error_names);
	tcase_add_test(tc, test_last_code);
	tcase_add_test(tc, test_os);
	tcase_add_test(tc, test_per_thread);
	tcase_add_test(tc, test_long_message);
	suite_add_tcase(s, tc);
	tc = tcase_create("names");
	tcase_add_loop_test(tc, test_every_name, 0,
	                    sizeof(name_cases) / sizeof(name_cases[0]));
	suite_add_tcase(s, tc);
	return sp_test_run(s);
}
