/* Tests of the growable buffer. */
#include <check.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "testlib.h"

START_TEST(test_put_and_printf)
{
	sp_buf buf = SP_BUF_INIT;

	ck_assert_str_eq(buf.ptr, "");
	sp_buf_puts(&buf, "abc");
	sp_buf_printf(&buf, "-%d-%s", 42, "x");
	ck_assert_str_eq(buf.ptr, "abc-42-x");
	ck_assert_uint_eq(buf.size, 8);
	sp_buf_truncate(&buf, 2);
	ck_assert_str_eq(buf.ptr, "ab");
	sp_buf_clear(&buf);
	ck_assert_str_eq(buf.ptr, "");
	sp_buf_dispose(&buf);
	ck_assert_ptr_nonnull(buf.ptr);
}
END_TEST

START_TEST(test_binary_and_growth)
{
	sp_buf buf = SP_BUF_INIT;
	char big[100000];

	memset(big, 'z', sizeof(big));
	big[10] = '\0';
	sp_buf_put(&buf, big, sizeof(big));
	ck_assert_uint_eq(buf.size, sizeof(big));
	ck_assert_int_eq(buf.ptr[10], '\0');
	ck_assert_int_eq(buf.ptr[sizeof(big)], '\0');
	ck_assert_int_eq(sp_buf_grow(&buf, (size_t)-1), SP_ENOMEM);
	sp_buf_dispose(&buf);
}
END_TEST

START_TEST(test_detach)
{
	sp_buf buf = SP_BUF_INIT;
	char *s;

	s = sp_buf_detach(&buf);
	ck_assert_str_eq(s, "");
	free(s);
	sp_buf_puts(&buf, "kept");
	s = sp_buf_detach(&buf);
	ck_assert_str_eq(s, "kept");
	ck_assert_str_eq(buf.ptr, "");
	free(s);
}
END_TEST

START_TEST(test_read_fd_cap)
{
	sp_buf buf = SP_BUF_INIT;
	int fds[2];
	char chunk[4096];

	ck_assert_int_eq(pipe(fds), 0);
	memset(chunk, 'a', sizeof(chunk));
	ck_assert_int_eq(write(fds[1], chunk, sizeof(chunk)),
	                 (int)sizeof(chunk));
	close(fds[1]);
	ck_assert_int_eq(sp_buf_read_fd(&buf, fds[0], 1000), SP_ETOOBIG);
	ck_assert_str_eq(sp_error_name(sp_error_last_code()), "ETOOBIG");
	close(fds[0]);
	sp_buf_dispose(&buf);
	ck_assert_int_eq(sp_buf_read_file(&buf, "/nonexistent/x", 10),
	                 SP_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), "/nonexistent/x"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("buf");

	tcase_add_test(tc, test_put_and_printf);
	tcase_add_test(tc, test_binary_and_growth);
	tcase_add_test(tc, test_detach);
	tcase_add_test(tc, test_read_fd_cap);
	suite_add_tcase(s, tc);
	return sp_test_run(s);
}
