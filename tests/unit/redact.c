/* Tests of streaming redaction: values hidden whatever the chunking. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"

static int collect(const char *data, size_t len, void *payload)
{
	return sp_buf_put(payload, data, len);
}

static const struct {
	const char *input;
	const char *expected;
} cases[] = {
	{ "token=hunter2\n", "token=***\n" },
	{ "hunter2hunter2", "******" },
	{ "no secret here", "no secret here" },
	{ "hunterhunter2", "hunter***" },
	{ "prefix s3cr3t-long-value suffix", "prefix *** suffix" },
	{ "s3cr3t-long-value is longer than s3cr3t", "*** is longer than ***" },
	{ "", "" },
	{ "h", "h" },
};

static void run_case(size_t i, size_t chunk)
{
	sp_buf out = SP_BUF_INIT;
	sp_redact r;
	const char *in = cases[i].input;
	size_t len = strlen(in);

	sp_redact_init(&r, collect, &out);
	sp_redact_add(&r, "hunter2");
	sp_redact_add(&r, "s3cr3t");
	sp_redact_add(&r, "s3cr3t-long-value");
	sp_redact_add(&r, "");
	for (size_t off = 0; off < len; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;

		ck_assert_int_eq(sp_redact_write(&r, in + off, n), 0);
	}
	ck_assert_int_eq(sp_redact_flush(&r), 0);
	ck_assert_msg(!strcmp(out.ptr, cases[i].expected),
		      "case %zu chunk %zu: got [%s] want [%s]", i, chunk,
		      out.ptr, cases[i].expected);
	sp_redact_dispose(&r);
	sp_buf_dispose(&out);
}

START_TEST(test_every_chunk_size)
{
	for (size_t chunk = 1; chunk <= 40; chunk++)
		run_case((size_t)_i, chunk);
}
END_TEST

START_TEST(test_no_secrets_passes_through)
{
	sp_buf out = SP_BUF_INIT;
	sp_redact r;

	sp_redact_init(&r, collect, &out);
	ck_assert_int_eq(sp_redact_write(&r, "abc\0def", 7), 0);
	ck_assert_uint_eq(out.size, 7);
	ck_assert_int_eq(sp_redact_flush(&r), 0);
	ck_assert_int_eq(memcmp(out.ptr, "abc\0def", 7), 0);
	sp_redact_dispose(&r);
	sp_buf_dispose(&out);
}
END_TEST

START_TEST(test_binary_stream)
{
	sp_buf out = SP_BUF_INIT, in = SP_BUF_INIT;
	sp_redact r;

	srand(7);
	for (int i = 0; i < 5000; i++)
		sp_buf_putc(&in, (char)(rand() & 0xff));
	sp_buf_puts(&in, "XsecretX");
	for (int i = 0; i < 5000; i++)
		sp_buf_putc(&in, (char)(rand() & 0xff));
	sp_redact_init(&r, collect, &out);
	sp_redact_add(&r, "secret");
	for (size_t off = 0; off < in.size; off += 333)
		sp_redact_write(&r, in.ptr + off, in.size - off < 333 ? in.size - off : 333);
	sp_redact_flush(&r);
	ck_assert_ptr_null(memmem(out.ptr, out.size, "secret", 6));
	ck_assert_ptr_nonnull(memmem(out.ptr, out.size, "X***X", 5));
	sp_redact_dispose(&r);
	sp_buf_dispose(&out);
	sp_buf_dispose(&in);
}
END_TEST

START_TEST(test_holds_back_only_a_possible_start)
{
	sp_buf out = SP_BUF_INIT;
	sp_redact r;

	sp_redact_init(&r, collect, &out);
	sp_redact_add(&r, "hunter2");
	/* A followed log shows a whole line at once: nothing could start a secret. */
	ck_assert_int_eq(sp_redact_write(&r, "GET / response:200\n", 19), 0);
	ck_assert_str_eq(out.ptr, "GET / response:200\n");
	/* "hun" may begin the secret: held back until more comes. */
	sp_redact_write(&r, "xx hun", 6);
	ck_assert_str_eq(out.ptr, "GET / response:200\nxx ");
	sp_redact_write(&r, "ter2!", 5);
	ck_assert_str_eq(out.ptr, "GET / response:200\nxx ***!");
	sp_redact_flush(&r);
	ck_assert_str_eq(out.ptr, "GET / response:200\nxx ***!");
	sp_redact_dispose(&r);
	sp_buf_dispose(&out);
}
END_TEST

START_TEST(test_string)
{
	sp_buf out = SP_BUF_INIT;
	sp_redact r;

	sp_redact_init(&r, collect, NULL);
	sp_redact_add(&r, "pw");
	sp_redact_string(&out, &r, "a pw b pwpw", 11);
	ck_assert_str_eq(out.ptr, "a *** b ******");
	sp_redact_dispose(&r);
	sp_buf_dispose(&out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("redact");
	TCase *tc = tcase_create("stream");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, test_every_chunk_size, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_no_secrets_passes_through);
	tcase_add_test(tc, test_binary_stream);
	tcase_add_test(tc, test_string);
	tcase_add_test(tc, test_holds_back_only_a_possible_start);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
