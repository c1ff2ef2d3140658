/* Tests of a Space's hostname label. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "subdomain.h"
#include "testlib.h"

static const struct {
	const char *id;
	const char *expect; /* NULL: checked by shape (cut with a hash) */
} cases[] = {
    {"alice/demo", "alice-demo"},
    {"Alice/Demo", "alice-demo"},
    {"alice/my_app.v2", "alice-my-app-v2"},
    {"a_b/c", "a-b-c"},
    {"_x/y_", "x-y"},
    {"alice/demo-", "alice-demo"},
    {"ACME-Corp/LLM_Chat_2", "acme-corp-llm-chat-2"},
    {"u/0", "u-0"},
    {"_/_", NULL},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/bbbbbbbbbbbbbbbbbbbbbbbb", NULL},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/bbbbbbbbbbbbbbbbbbbbbbbc", NULL},
    {"owner/"
     "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
     "nnnnnnnnnnnnnnnnnnnnnnn",
     NULL},
    {"owner/nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn", NULL},
};

/* A DNS label: 1..63 of [a-z0-9-], no '-' at either end. */
static void check_label(const char *s)
{
	size_t n = strlen(s);

	ck_assert_uint_ge(n, 1);
	ck_assert_uint_le(n, SP_SUBDOMAIN_MAX);
	ck_assert_int_ne(s[0], '-');
	ck_assert_int_ne(s[n - 1], '-');
	ck_assert_uint_eq(strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-"),
	                  n);
}

START_TEST(test_label)
{
	char out[SP_SUBDOMAIN_MAX + 1], again[SP_SUBDOMAIN_MAX + 1];
	sp_space space;

	ck_assert_int_eq(sp_space_parse(&space, cases[_i].id), 0);
	sp_subdomain(out, &space);
	check_label(out);
	if (cases[_i].expect)
		ck_assert_str_eq(out, cases[_i].expect);
	/* The same id, the same label: it is computed, not drawn. */
	sp_subdomain(again, &space);
	ck_assert_str_eq(out, again);
}
END_TEST

START_TEST(test_long_ones_stay_apart)
{
	char a[SP_SUBDOMAIN_MAX + 1], b[SP_SUBDOMAIN_MAX + 1];
	sp_space x, y;

	/* Alike in their first 54 characters, different ids. */
	ck_assert_int_eq(sp_space_parse(&x, cases[9].id), 0);
	ck_assert_int_eq(sp_space_parse(&y, cases[10].id), 0);
	sp_subdomain(a, &x);
	sp_subdomain(b, &y);
	ck_assert_uint_eq(strlen(a), SP_SUBDOMAIN_MAX);
	ck_assert_str_ne(a, b);
	ck_assert_int_eq(strncmp(a, b, SP_SUBDOMAIN_MAX - 9), 0);
	ck_assert_int_eq(a[SP_SUBDOMAIN_MAX - 9], '-');
}
END_TEST

START_TEST(test_fits_exactly)
{
	char out[SP_SUBDOMAIN_MAX + 1];
	sp_space space;

	/* "owner-" + 57 n: 63 characters, kept whole. */
	ck_assert_int_eq(sp_space_parse(&space, cases[12].id), 0);
	sp_subdomain(out, &space);
	ck_assert_uint_eq(strlen(out), 63);
	ck_assert_int_eq(strncmp(out, "owner-nnnn", 10), 0);
	ck_assert_ptr_null(strchr(out + 6, '-'));
}
END_TEST

START_TEST(test_nothing_left)
{
	char out[SP_SUBDOMAIN_MAX + 1];
	sp_space space;

	ck_assert_int_eq(sp_space_parse(&space, "_/_"), 0);
	sp_subdomain(out, &space);
	ck_assert_int_eq(strncmp(out, "space-", 6), 0);
	ck_assert_uint_eq(strlen(out), 6 + 8);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("subdomain");
	TCase *tc = tcase_create("label");

	tcase_add_loop_test(tc, test_label, 0,
	                    sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_long_ones_stay_apart);
	tcase_add_test(tc, test_fits_exactly);
	tcase_add_test(tc, test_nothing_left);
	suite_add_tcase(s, tc);
	return sp_test_run(s);
}
