/* Tests of the ref-update reader and the deploy branch's ref. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "refs.h"
#include "testlib.h"

#define A "1111111111111111111111111111111111111111"
#define B "abcdef0123456789abcdef0123456789abcdef01"
#define Z SP_REFS_ZERO_ID

/* Read `input` to its end; the results joined as "ok REF", "end", or the
 * error code and message, one per call. */
static void read_all(sp_buf *out, const char *input, size_t len)
{
	FILE *in = fmemopen((void *)input, len, "r");
	sp_refs_update u;
	int lineno = 0, error, calls = 0;

	ck_assert_ptr_nonnull(in);
	while ((error = sp_refs_read(&u, in, &lineno)) != SP_ENOTFOUND &&
	       calls++ < 10) {
		if (error == 0)
			sp_buf_printf(out, "ok %s %.3s %.3s|", u.ref, u.old_id,
			              u.new_id);
		else
			sp_buf_printf(out, "%s %s|", sp_error_name(error),
			              sp_error_last());
	}
	sp_buf_printf(out, "end %d", lineno);
	fclose(in);
}

static const struct {
	const char *input;
	const char *want;
} read_cases[] = {
    {"", "end 0"},
    {A " " B " refs/heads/main\n", "ok refs/heads/main 111 abc|end 1"},
    {A " " B " refs/heads/main", "ok refs/heads/main 111 abc|end 1"},
    {Z " " A " refs/tags/v1\n" A " " Z " refs/heads/x\n",
     "ok refs/tags/v1 000 111|ok refs/heads/x 111 000|end 2"},
    {"garbage\n",
     "EINVALID malformed line 1 from git (expected '<old-id> <new-id> "
     "<ref>')|end 1"},
    {"\n", "EINVALID malformed line 1 from git (expected '<old-id> "
           "<new-id> <ref>')|end 1"},
    {A " " B " \n", "EINVALID malformed line 1 from git (expected "
                    "'<old-id> <new-id> <ref>')|end 1"},
    {A " " B " refs/heads/a b\n", "EINVALID malformed line 1 from git "
                                  "(expected '<old-id> <new-id> "
                                  "<ref>')|end 1"},
    {A "1 " B " refs/heads/a\n", "EINVALID malformed line 1 from git "
                                 "(expected '<old-id> <new-id> "
                                 "<ref>')|end 1"},
    {A " ABCDEF0123456789abcdef0123456789abcdef01 refs/heads/a\n",
     "EINVALID malformed line 1 from git (expected '<old-id> <new-id> "
     "<ref>')|end 1"},
    {A "  " B " refs/heads/a\n", "EINVALID malformed line 1 from git "
                                 "(expected '<old-id> <new-id> "
                                 "<ref>')|end 1"},
    {A " " B " refs/heads/a\nbad\n" A " " B " refs/heads/b\n",
     "ok refs/heads/a 111 abc|EINVALID malformed line 2 from git "
     "(expected '<old-id> <new-id> <ref>')|ok refs/heads/b 111 abc|end 3"},
};

START_TEST(test_read)
{
	sp_buf got = SP_BUF_INIT;

	read_all(&got, read_cases[_i].input, strlen(read_cases[_i].input));
	ck_assert_str_eq(got.ptr, read_cases[_i].want);
	sp_buf_dispose(&got);
}
END_TEST

START_TEST(test_read_nul)
{
	static const char input[] =
	    A " " B " refs/heads/a\0b\n" A " " B " refs/heads/c\n";
	sp_buf got = SP_BUF_INIT;

	read_all(&got, input, sizeof(input) - 1);
	ck_assert_str_eq(got.ptr, "EINVALID line 1 from git is not text|"
	                          "ok refs/heads/c 111 abc|end 2");
	sp_buf_dispose(&got);
}
END_TEST

/* A line of `n` bytes before its newline, then a good one. */
static void long_line(sp_buf *input, size_t n)
{
	sp_buf_puts(input, A " " B " refs/heads/");
	while (input->size < n)
		sp_buf_putc(input, 'r');
	sp_buf_puts(input, "\n" A " " B " refs/heads/c\n");
}

START_TEST(test_read_long)
{
	sp_buf input = SP_BUF_INIT, got = SP_BUF_INIT;

	long_line(&input, SP_REFS_LINE_MAX - 1);
	read_all(&got, input.ptr, input.size);
	ck_assert_int_eq(strncmp(got.ptr, "ok refs/heads/rrr", 17), 0);
	ck_assert_ptr_nonnull(
	    strstr(got.ptr, "|ok refs/heads/c 111 abc|end 2"));

	sp_buf_clear(&input);
	sp_buf_clear(&got);
	long_line(&input, SP_REFS_LINE_MAX);
	read_all(&got, input.ptr, input.size);
	ck_assert_str_eq(got.ptr,
	                 "ETOOBIG line 1 from git is longer than 4096 bytes|"
	                 "ok refs/heads/c 111 abc|end 2");

	sp_buf_clear(&input);
	sp_buf_clear(&got);
	long_line(&input, 100000);
	read_all(&got, input.ptr, input.size);
	ck_assert_str_eq(got.ptr,
	                 "ETOOBIG line 1 from git is longer than 4096 bytes|"
	                 "ok refs/heads/c 111 abc|end 2");
	sp_buf_dispose(&input);
	sp_buf_dispose(&got);
}
END_TEST

START_TEST(test_zero)
{
	ck_assert(sp_refs_is_zero(Z));
	ck_assert(!sp_refs_is_zero(A));
	ck_assert(!sp_refs_is_zero(""));
}
END_TEST

static const struct {
	const char *branch;
	int valid;
} branch_cases[] = {
    {"main", 1},    {"deploy", 1},  {"release/v1.2", 1}, {"caf\xc3\xa9", 1},
    {"a-b_c.d", 1}, {"", 0},        {"-main", 0},        {"/main", 0},
    {"main/", 0},   {".hidden", 0}, {"a/.b", 0},         {"a..b", 0},
    {"a//b", 0},    {"a.", 0},      {"a.lock", 0},       {"a.lock/b", 0},
    {"@", 0},       {"a@{1}", 0},   {"HEAD", 0},         {"a b", 0},
    {"a~1", 0},     {"a^", 0},      {"a:b", 0},          {"a?", 0},
    {"a*", 0},      {"a[b", 0},     {"a\\b", 0},         {"a\tb", 0},
    {"a\x7f", 0},   {"a\nb", 0},
};

START_TEST(test_branch)
{
	sp_buf ref = SP_BUF_INIT;
	const char *b = branch_cases[_i].branch;
	int error = sp_refs_deploy_ref(&ref, b);

	ck_assert_msg(branch_cases[_i].valid ? error == 0
	                                     : error == SP_EINVALID,
	              "branch '%s': %d (%s)", b, error, sp_error_last());
	ck_assert_int_eq(sp_refs_check_branch(b), error);
	if (error == 0) {
		ck_assert_int_eq(strncmp(ref.ptr, "refs/heads/", 11), 0);
		ck_assert_str_eq(ref.ptr + 11, b);
	} else {
		ck_assert_uint_eq(ref.size, 0);
	}
	sp_buf_dispose(&ref);
}
END_TEST

START_TEST(test_branch_long)
{
	sp_buf name = SP_BUF_INIT, ref = SP_BUF_INIT;

	while (name.size < 255)
		sp_buf_putc(&name, 'b');
	ck_assert_int_eq(sp_refs_deploy_ref(&ref, name.ptr), 0);
	sp_buf_putc(&name, 'b');
	ck_assert_int_eq(sp_refs_deploy_ref(&ref, name.ptr), SP_EINVALID);
	ck_assert_int_eq(strncmp(sp_error_last(), "'bbbb", 5), 0);
	ck_assert_str_eq(sp_error_last() + 257, "' is not a valid branch name");
	sp_buf_dispose(&name);
	sp_buf_dispose(&ref);
}
END_TEST

#define LOOP(tc, fn, cases)                                                    \
	tcase_add_loop_test(tc, fn, 0, sizeof(cases) / sizeof(cases[0]))

int main(void)
{
	Suite *s = suite_create("refs");
	TCase *tc = tcase_create("read");

	LOOP(tc, test_read, read_cases);
	tcase_add_test(tc, test_read_nul);
	tcase_add_test(tc, test_read_long);
	tcase_add_test(tc, test_zero);
	suite_add_tcase(s, tc);
	tc = tcase_create("branch");
	LOOP(tc, test_branch, branch_cases);
	tcase_add_test(tc, test_branch_long);
	suite_add_tcase(s, tc);
	return sp_test_run(s);
}
