/* Tests of Hugging Face's license table: lookups, the list's shape. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "licenses.h"
#include "testlib.h"

static const struct {
	const char *text;
	size_t len;     /* bytes of `text` looked up */
	const char *id; /* expected id, or NULL */
} find_cases[] = {
    {"mit", 3, "mit"},
    {"apache-2.0", 10, "apache-2.0"},
    {"llama3.1", 8, "llama3.1"},
    {"cc-by-nc-4.0", 12, "cc-by-nc-4.0"},
    {"openrail++", 10, "openrail++"},
    {"eupl-1.2", 8, "eupl-1.2"},
    {"other", 5, "other"},
    {"unknown", 7, "unknown"},
    {"MIT", 3, NULL},
    {"mit ", 4, NULL},
    {"mitx", 3, "mit"}, /* only the first `len` bytes count */
    {"mi", 2, NULL},
    {"apache2", 7, NULL},
    {"", 0, NULL},
};

START_TEST(test_find)
{
	const sp_license *license =
	    sp_license_find(find_cases[_i].text, find_cases[_i].len);

	if (find_cases[_i].id) {
		ck_assert_ptr_nonnull(license);
		ck_assert_str_eq(license->id, find_cases[_i].id);
		ck_assert(license->name[0] != '\0');
	} else {
		ck_assert_ptr_null(license);
	}
}
END_TEST

/* 83 ids, as on Hugging Face's Licenses page: lowercase, unique, findable. */
START_TEST(test_list)
{
	size_t i, j, n = sp_license_count();

	ck_assert_uint_eq(n, 83);
	ck_assert_ptr_null(sp_license_get(n));
	ck_assert_str_eq(sp_license_get(0)->id, "apache-2.0");
	ck_assert_str_eq(sp_license_get(n - 1)->id, "other");
	for (i = 0; i < n; i++) {
		const sp_license *license = sp_license_get(i);
		const char *p;

		for (p = license->id; *p; p++)
			ck_assert_msg(!(*p >= 'A' && *p <= 'Z') && *p != ' ',
			              "%s", license->id);
		ck_assert_ptr_eq(
		    sp_license_find(license->id, strlen(license->id)), license);
		for (j = 0; j < i; j++)
			ck_assert_str_ne(sp_license_get(j)->id, license->id);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("licenses");
	TCase *tc_find = tcase_create("find");
	TCase *tc_list = tcase_create("list");

	tcase_add_loop_test(tc_find, test_find, 0,
	                    sizeof(find_cases) / sizeof(find_cases[0]));
	tcase_add_test(tc_list, test_list);
	suite_add_tcase(s, tc_find);
	suite_add_tcase(s, tc_list);
	return sp_test_run(s);
}
