/* Tests of the diagnostics list: counts, stable sort by position, GCC-style
 * rendering. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "testlib.h"

START_TEST(test_add_and_count)
{
	sp_diag_list list = SP_DIAG_LIST_INIT;
	int i;

	for (i = 0; i < 100; i++)
		ck_assert_int_eq(sp_diag_add(&list,
		                             i % 3 == 0   ? SP_DIAG_ERROR
		                             : i % 3 == 1 ? SP_DIAG_WARNING
		                                          : SP_DIAG_NOTE,
		                             (unsigned)i, 1, "problem %d", i),
		                 0);
	ck_assert_uint_eq(list.count, 100);
	ck_assert_uint_eq(list.errors, 34);
	ck_assert_uint_eq(list.warnings, 33);
	ck_assert_str_eq(list.items[42].message, "problem 42");
	sp_diag_list_dispose(&list);
	ck_assert_uint_eq(list.count, 0);
	ck_assert_ptr_null(list.items);
	sp_diag_list_dispose(&list);
}
END_TEST

START_TEST(test_sort_is_stable)
{
	static const char *const order[] = {"first", "a", "b", "c", "d", "e"};
	sp_diag_list list;
	size_t i;

	sp_diag_list_init(&list);
	sp_diag_add(&list, SP_DIAG_ERROR, 5, 3, "c");
	sp_diag_add(&list, SP_DIAG_ERROR, 2, 9, "a");
	sp_diag_add(&list, SP_DIAG_WARNING, 5, 3, "d");
	sp_diag_add(&list, SP_DIAG_ERROR, 0, 0, "first");
	sp_diag_add(&list, SP_DIAG_ERROR, 5, 1, "b");
	sp_diag_add(&list, SP_DIAG_ERROR, 5, 3, "e");
	sp_diag_sort(&list);
	for (i = 0; i < list.count; i++)
		ck_assert_str_eq(list.items[i].message, order[i]);
	sp_diag_list_dispose(&list);
}
END_TEST

static const struct {
	sp_diag_severity severity;
	unsigned line, column;
	const char *message;
	const char *file;
	const char *expect;
} render_cases[] = {
    {SP_DIAG_ERROR, 5, 10, "msg", "README.md", "README.md:5:10: error: msg\n"},
    {SP_DIAG_WARNING, 9, 1, "unknown key", "README.md",
     "README.md:9:1: warning: unknown key\n"},
    {SP_DIAG_NOTE, 3, 0, "line only", "README.md",
     "README.md:3: note: line only\n"},
    {SP_DIAG_ERROR, 0, 7, "no position", "README.md",
     "README.md: error: no position\n"},
    {SP_DIAG_ERROR, 2, 4, "no file", NULL, "2:4: error: no file\n"},
    {SP_DIAG_ERROR, 0, 0, "nothing", "", "error: nothing\n"},
    {SP_DIAG_ERROR, 1, 1, "two\nlines\r", "R", "R:1:1: error: two lines \n"},
};

START_TEST(test_render)
{
	sp_diag_list list = SP_DIAG_LIST_INIT;
	sp_buf out = SP_BUF_INIT;

	sp_diag_add(&list, render_cases[_i].severity, render_cases[_i].line,
	            render_cases[_i].column, "%s", render_cases[_i].message);
	sp_diag_render(&out, &list, render_cases[_i].file);
	ck_assert_str_eq(out.ptr, render_cases[_i].expect);
	sp_buf_dispose(&out);
	sp_diag_list_dispose(&list);
}
END_TEST

START_TEST(test_render_many)
{
	sp_diag_list list = SP_DIAG_LIST_INIT;
	sp_buf out = SP_BUF_INIT;

	sp_diag_add(&list, SP_DIAG_ERROR, 5, 10, "\"colorTo\" bad");
	sp_diag_add(&list, SP_DIAG_WARNING, 9, 1, "unknown key \"%s\"", "x");
	sp_diag_render(&out, &list, "README.md");
	ck_assert_str_eq(out.ptr,
	                 "README.md:5:10: error: \"colorTo\" bad\n"
	                 "README.md:9:1: warning: unknown key \"x\"\n");
	sp_buf_dispose(&out);
	sp_diag_list_dispose(&list);
}
END_TEST

START_TEST(test_move_names_the_file)
{
	sp_diag_list list = SP_DIAG_LIST_INIT, other = SP_DIAG_LIST_INIT;
	sp_buf out = SP_BUF_INIT;

	/* Both empty (no items at all): nothing moves, nothing breaks. */
	ck_assert_int_eq(sp_diag_list_move(&list, &other, "Dockerfile"), 0);
	ck_assert_uint_eq(list.count, 0);
	sp_diag_add(&other, SP_DIAG_ERROR, 1, 6, "from");
	sp_diag_add(&list, SP_DIAG_WARNING, 9, 1, "late readme");
	ck_assert_int_eq(sp_diag_list_move(&list, &other, "Dockerfile"), 0);
	ck_assert_uint_eq(other.count, 0);
	ck_assert_ptr_null(other.items);
	sp_diag_add(&list, SP_DIAG_ERROR, 2, 3, "early readme");
	ck_assert_uint_eq(list.count, 3);
	ck_assert_uint_eq(list.errors, 2);
	ck_assert_uint_eq(list.warnings, 1);
	/* Items without a file first, by position; then each file's. */
	sp_diag_sort(&list);
	sp_diag_render(&out, &list, "README.md");
	ck_assert_str_eq(out.ptr, "README.md:2:3: error: early readme\n"
	                          "README.md:9:1: warning: late readme\n"
	                          "Dockerfile:1:6: error: from\n");
	sp_buf_dispose(&out);
	sp_diag_list_dispose(&list);
	sp_diag_list_dispose(&other);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("diag");
	TCase *tc_list = tcase_create("list");
	TCase *tc_render = tcase_create("render");

	tcase_add_test(tc_list, test_add_and_count);
	tcase_add_test(tc_list, test_sort_is_stable);
	tcase_add_loop_test(tc_render, test_render, 0,
	                    sizeof(render_cases) / sizeof(render_cases[0]));
	tcase_add_test(tc_render, test_render_many);
	tcase_add_test(tc_render, test_move_names_the_file);
	suite_add_tcase(s, tc_list);
	suite_add_tcase(s, tc_render);
	return sp_test_run(s);
}
