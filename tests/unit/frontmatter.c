/* Tests of the front matter finder: delimiters, BOM, CRLF, missing or
 * unterminated blocks, the size bound. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "frontmatter.h"
#include "spaceconfig.h"
#include "testlib.h"

#define BYTES(s) s, sizeof(s) - 1

static const struct {
	const char *name;
	const char *data;
	size_t size;
	const char *body; /* expected body, or NULL when an error */
	unsigned end_line;
	const char *message; /* expected start of the error message */
} find_cases[] = {
    {"plain", BYTES("---\nsdk: docker\n---\n# Demo\n"), "sdk: docker\n", 3,
     NULL},
    {"bom", BYTES("\xef\xbb\xbf---\nsdk: docker\n---\n"), "sdk: docker\n", 3,
     NULL},
    {"crlf", BYTES("---\r\na: 1\r\nb: 2\r\n---\r\nrest\r\n"),
     "a: 1\r\nb: 2\r\n", 4, NULL},
    {"trailing spaces on the close", BYTES("---\na: 1\n---   \t\r\n"), "a: 1\n",
     3, NULL},
    {"close at end of file", BYTES("---\na: 1\n---"), "a: 1\n", 3, NULL},
    {"empty body", BYTES("---\n---\n"), "", 2, NULL},
    {"not a close", BYTES("---\na: ---\n---x\n----\n---\n"),
     "a: ---\n---x\n----\n", 5, NULL},
    {"nul in body", BYTES("---\na: \0\n---\n"), "a: \0\n", 3, NULL},
    {"empty file", "", 0, NULL, 0, "README.md has no YAML front matter"},
    {"no block", BYTES("# Demo\n---\nsdk: docker\n---\n"), NULL, 0,
     "README.md has no YAML front matter"},
    {"opener with text", BYTES("--- sdk\na: 1\n---\n"), NULL, 0,
     "README.md has no YAML front matter"},
    {"only opener", BYTES("---"), NULL, 0,
     "the YAML front matter that "
     "starts here never ends"},
    {"unterminated", BYTES("---\nsdk: docker\n# Demo\n"), NULL, 0,
     "the YAML front matter that starts here never ends"},
    {"utf-16", BYTES("\xff\xfe-\0-\0-\0\n\0"), NULL, 0, "README.md is UTF-16"},
};

START_TEST(test_find)
{
	sp_diag_list diags = SP_DIAG_LIST_INIT;
	sp_frontmatter fm;
	int rc;

	rc = sp_frontmatter_find(&fm, &diags, find_cases[_i].data,
	                         find_cases[_i].size);
	if (find_cases[_i].body) {
		size_t len = strlen(find_cases[_i].body);

		if (!strcmp(find_cases[_i].name, "nul in body"))
			len = 5;
		ck_assert_msg(rc == 0, "%s: rc %d", find_cases[_i].name, rc);
		ck_assert_uint_eq(diags.count, 0);
		ck_assert_uint_eq(fm.body_size, len);
		ck_assert(memcmp(fm.body, find_cases[_i].body, len) == 0);
		ck_assert_uint_eq(fm.body_line, 2);
		ck_assert_uint_eq(fm.end_line, find_cases[_i].end_line);
		ck_assert_ptr_eq(fm.body, find_cases[_i].data + fm.body_offset);
	} else {
		ck_assert_msg(rc == SP_ECONFIG, "%s: rc %d",
		              find_cases[_i].name, rc);
		ck_assert_uint_eq(diags.count, 1);
		ck_assert_uint_eq(diags.errors, 1);
		ck_assert_uint_eq(diags.items[0].line, 1);
		ck_assert_uint_eq(diags.items[0].column, 1);
		ck_assert_msg(
		    !strncmp(diags.items[0].message, find_cases[_i].message,
		             strlen(find_cases[_i].message)),
		    "%s: %s", find_cases[_i].name, diags.items[0].message);
	}
	sp_diag_list_dispose(&diags);
}
END_TEST

/*
 * Hugging Face's regex (repocard.py REGEX_YAML_BLOCK): blanks before the
 * opening line, nothing after it, '---' only to close, CR line breaks. A case
 * with `body` passes with that body, else fails with `message` at line:column.
 */
static const struct {
	const char *name;
	const char *data;
	size_t size;
	const char *body;
	unsigned body_line, end_line; /* or the error's line and column */
	const char *message;
} regex_cases[] = {
    {"leading blank", BYTES("\n---\nsdk: docker\n---\n"), "sdk: docker\n", 3, 4,
     NULL},
    {"leading blanks and spaces", BYTES(" \t\r\n\n  ---\na: 1\n---\n"),
     "a: 1\n", 4, 5, NULL},
    {"bom then blank line", BYTES("\xef\xbb\xbf\n---\na: 1\n---\n"), "a: 1\n",
     3, 4, NULL},
    {"blanks on the opener", BYTES("---  \na: 1\n---\n"), NULL, 1, 4,
     "the opening '---' is followed by spaces or tabs; Hugging Face "
     "expects exactly '---' on that line"},
    {"tab on the opener, crlf", BYTES("---\t\r\na: 1\r\n---\r\n"), NULL, 1, 4,
     "the opening '---' is followed by spaces or tabs"},
    {"blanks on a later opener", BYTES("\n---  \na: 1\n---\n"), NULL, 2, 4,
     "the opening '---' is followed by spaces or tabs"},
    {"dots close", BYTES("---\na: 1\n...\n"), NULL, 3, 1,
     "the YAML front matter closes with '...'; Hugging Face expects '---'"},
    {"dots with blanks", BYTES("---\na: 1\nb: 2\n... \n"), NULL, 4, 1,
     "the YAML front matter closes with '...'"},
    {"dots then dashes", BYTES("---\na: 1\n...\n---\n"), "a: 1\n...\n", 2, 4,
     NULL},
    {"close with blanks", BYTES("---\na: 1\n--- \t\n"), "a: 1\n", 2, 3, NULL},
    {"close followed by text", BYTES("---\na: 1\n--- x\n"), NULL, 1, 1,
     "the YAML front matter that starts here never ends"},
    {"indented close", BYTES("---\na: 1\n ---\n"), NULL, 1, 1,
     "the YAML front matter that starts here never ends"},
    {"close then lone cr", BYTES("---\na: 1\n---\r"), NULL, 1, 1,
     "the YAML front matter that starts here never ends"},
    {"lone cr line breaks", BYTES("---\ra: 1\r---\r\n"), "a: 1\r", 2, 3, NULL},
    {"empty block, crlf", BYTES("---\r\n---\r\n"), "", 2, 2, NULL},
    {"empty line then config", BYTES("---\n---\nsdk: docker\n---\n# Demo\n"),
     "---\nsdk: docker\n", 2, 4, NULL},
    {"unterminated after blank lines", BYTES("\n\n---\na: 1\n"), NULL, 3, 1,
     "the YAML front matter that starts here never ends"},
    {"indented opener, unterminated", BYTES("  ---\na: 1\n"), NULL, 1, 3,
     "the YAML front matter that starts here never ends"},
    {"text before the opener", BYTES("x\n---\na: 1\n---\n"), NULL, 1, 1,
     "README.md has no YAML front matter"},
};

START_TEST(test_regex)
{
	sp_diag_list diags = SP_DIAG_LIST_INIT;
	sp_frontmatter fm;
	int rc;

	rc = sp_frontmatter_find(&fm, &diags, regex_cases[_i].data,
	                         regex_cases[_i].size);
	if (regex_cases[_i].body) {
		size_t len = strlen(regex_cases[_i].body);

		ck_assert_msg(rc == 0, "%s: rc %d", regex_cases[_i].name, rc);
		ck_assert_uint_eq(diags.count, 0);
		ck_assert_uint_eq(fm.body_size, len);
		ck_assert(memcmp(fm.body, regex_cases[_i].body, len) == 0);
		ck_assert_uint_eq(fm.body_line, regex_cases[_i].body_line);
		ck_assert_uint_eq(fm.end_line, regex_cases[_i].end_line);
		ck_assert_ptr_eq(fm.body,
		                 regex_cases[_i].data + fm.body_offset);
	} else {
		ck_assert_msg(rc == SP_ECONFIG, "%s: rc %d",
		              regex_cases[_i].name, rc);
		ck_assert_uint_eq(diags.count, 1);
		ck_assert_msg(
		    diags.items[0].line == regex_cases[_i].body_line &&
		        diags.items[0].column == regex_cases[_i].end_line,
		    "%s: at %u:%u", regex_cases[_i].name, diags.items[0].line,
		    diags.items[0].column);
		ck_assert_msg(
		    !strncmp(diags.items[0].message, regex_cases[_i].message,
		             strlen(regex_cases[_i].message)),
		    "%s: %s", regex_cases[_i].name, diags.items[0].message);
	}
	sp_diag_list_dispose(&diags);
}
END_TEST

/* A body of exactly the limit is read; one byte more is refused. */
START_TEST(test_size_limit)
{
	size_t size = 4 + SP_FRONTMATTER_MAX_SIZE + 4 + 1000;
	char *data = malloc(size);
	sp_diag_list diags = SP_DIAG_LIST_INIT;
	sp_frontmatter fm;
	size_t i;

	memcpy(data, "---\n", 4);
	for (i = 4; i < 4 + SP_FRONTMATTER_MAX_SIZE; i++)
		data[i] = (i % 64 == 63) ? '\n' : 'a';
	data[4 + SP_FRONTMATTER_MAX_SIZE - 1] = '\n';
	memcpy(data + 4 + SP_FRONTMATTER_MAX_SIZE, "---\n", 4);
	memset(data + 8 + SP_FRONTMATTER_MAX_SIZE, 'z', 1000);
	ck_assert_int_eq(sp_frontmatter_find(&fm, &diags, data, size), 0);
	ck_assert_uint_eq(fm.body_size, SP_FRONTMATTER_MAX_SIZE);

	/* Move the closing line one byte further. */
	data[4 + SP_FRONTMATTER_MAX_SIZE] = 'a';
	data[4 + SP_FRONTMATTER_MAX_SIZE + 1] = '\n';
	memcpy(data + 4 + SP_FRONTMATTER_MAX_SIZE + 2, "---\n", 4);
	ck_assert_int_eq(sp_frontmatter_find(&fm, &diags, data, size),
	                 SP_ECONFIG);
	ck_assert_uint_eq(diags.count, 1);
	ck_assert_ptr_nonnull(
	    strstr(diags.items[0].message, "larger than 64 KiB"));
	sp_diag_list_dispose(&diags);
	free(data);
}
END_TEST

/* A long README without a closing line is refused after the bound, not read to
 * the end. */
START_TEST(test_unbounded_line)
{
	size_t size = 8u * 1024 * 1024;
	char *data = malloc(size);
	sp_diag_list diags = SP_DIAG_LIST_INIT;
	sp_frontmatter fm;

	memset(data, 'x', size);
	memcpy(data, "---\n", 4);
	ck_assert_int_eq(sp_frontmatter_find(&fm, &diags, data, size),
	                 SP_ECONFIG);
	ck_assert_ptr_nonnull(strstr(diags.items[0].message, "larger than"));
	sp_diag_list_dispose(&diags);
	free(data);
}
END_TEST

START_TEST(test_position)
{
	static const char readme[] = "---\nab: \xc3\xa9x\ncd: 1\n---\n";
	sp_diag_list diags = SP_DIAG_LIST_INIT;
	sp_frontmatter fm;
	unsigned line, column;

	ck_assert_int_eq(sp_frontmatter_find(&fm, &diags, BYTES(readme)), 0);
	sp_frontmatter_position(&line, &column, &fm, 0);
	ck_assert_uint_eq(line, 2);
	ck_assert_uint_eq(column, 1);
	/* After the two-byte "é", the "x" is column 6 (characters, not bytes).
	 */
	sp_frontmatter_position(&line, &column, &fm, 6);
	ck_assert_uint_eq(line, 2);
	ck_assert_uint_eq(column, 6);
	sp_frontmatter_position(&line, &column, &fm, 10);
	ck_assert_uint_eq(line, 3);
	ck_assert_uint_eq(column, 3);
	sp_frontmatter_position(&line, &column, &fm, 1000);
	ck_assert_uint_eq(line, 4);
	ck_assert_uint_eq(column, 1);
	sp_diag_list_dispose(&diags);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("frontmatter");
	TCase *tc_find = tcase_create("find");
	TCase *tc_regex = tcase_create("regex");
	TCase *tc_bounds = tcase_create("bounds");
	TCase *tc_pos = tcase_create("position");

	tcase_add_loop_test(tc_find, test_find, 0,
	                    sizeof(find_cases) / sizeof(find_cases[0]));
	tcase_add_loop_test(tc_regex, test_regex, 0,
	                    sizeof(regex_cases) / sizeof(regex_cases[0]));
	tcase_add_test(tc_bounds, test_size_limit);
	tcase_add_test(tc_bounds, test_unbounded_line);
	tcase_add_test(tc_pos, test_position);
	suite_add_tcase(s, tc_find);
	suite_add_tcase(s, tc_regex);
	suite_add_tcase(s, tc_bounds);
	suite_add_tcase(s, tc_pos);
	return sp_test_run(s);
}
