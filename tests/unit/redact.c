/* Tests of streaming redaction: values hidden whatever the chunking. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"
#include "testlib.h"

static int collect(const char *data, size_t len, void *payload)
{
	sp_buf_put(payload, data, len);
	return 0;
}

static const struct {
	const char *input;
	const char *expected;
} cases[] = {
    {"token=hunter2\n", "token=***\n"},
    {"hunter2hunter2", "******"},
    {"no secret here", "no secret here"},
    {"hunterhunter2", "hunter***"},
    {"prefix s3cr3t-long-value suffix", "prefix *** suffix"},
    {"s3cr3t-long-value is longer than s3cr3t", "*** is longer than ***"},
    {"", ""},
    {"h", "h"},
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
		sp_redact_write(&r, in.ptr + off,
		                in.size - off < 333 ? in.size - off : 333);
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
	/* A followed log shows a whole line at once: nothing could start a
	 * secret. */
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

/* Multi-line secrets: shown line by line behind a build step's prefix. */
static const char pem[] =
    "-----BEGIN OPENSSH PRIVATE KEY-----\n"
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
    "QyNTUxOQAAACDpQ5n0bW1hcmtlcg==\n"
    "-----END OPENSSH PRIVATE KEY-----\n";

static const struct {
	const char *secret;
	const char *input;
	const char *expected;
} line_cases[] = {
    /* each line hidden behind the "#8 0.1 " prefix */
    {"line1\nline2\nline3", "#8 0.1 line1\n#8 0.1 line2\n#8 0.1 line3\n",
     "#8 0.1 ***\n#8 0.1 ***\n#8 0.1 ***\n"},
    /* the whole value printed at once is one mask */
    {"line1\nline2\nline3", "x line1\nline2\nline3 y", "x *** y"},
    /* CRLF: lines match without their CR, the CR stays */
    {"alpha\r\nbravo\r\n", "#8 0.1 alpha\r\n#8 0.1 bravo\r\n",
     "#8 0.1 ***\r\n#8 0.1 ***\r\n"},
    {"alpha\r\nbravo\r\n", "alpha\r\nbravo\r\n", "***"},
    /* lines shorter than SP_REDACT_LINE_MIN are not patterns */
    {"abc\nlonger-line\nxy", "#8 abc\n#8 longer-line\n#8 xy\n",
     "#8 abc\n#8 ***\n#8 xy\n"},
    {"abcd\nxyz", "abcd abc xyz", "*** abc xyz"},
    /* empty lines and a lone CR are not patterns */
    {"first-line\n\n\r\nlast-line", "a\n\r\nfirst-line last-line",
     "a\n\r\n*** ***"},
    /* a PEM key printed by a RUN step */
    {pem,
     "#9 0.2 -----BEGIN OPENSSH PRIVATE KEY-----\n"
     "#9 0.2 "
     "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
     "#9 0.2 QyNTUxOQAAACDpQ5n0bW1hcmtlcg==\n"
     "#9 0.2 -----END OPENSSH PRIVATE KEY-----\n#9 DONE 0.3s\n",
     "#9 0.2 ***\n#9 0.2 ***\n#9 0.2 ***\n#9 0.2 ***\n#9 DONE 0.3s\n"},
};

static void run_line_case(size_t i, size_t chunk)
{
	sp_buf out = SP_BUF_INIT;
	sp_redact r;
	const char *in = line_cases[i].input;
	size_t len = strlen(in);

	sp_redact_init(&r, collect, &out);
	ck_assert_int_eq(sp_redact_add(&r, line_cases[i].secret), 0);
	for (size_t off = 0; off < len; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;

		ck_assert_int_eq(sp_redact_write(&r, in + off, n), 0);
	}
	ck_assert_int_eq(sp_redact_flush(&r), 0);
	ck_assert_msg(!strcmp(out.ptr, line_cases[i].expected),
	              "line case %zu chunk %zu: got [%s] want [%s]", i, chunk,
	              out.ptr, line_cases[i].expected);
	sp_redact_dispose(&r);
	sp_buf_dispose(&out);
}

START_TEST(test_lines_every_chunk_size)
{
	for (size_t chunk = 1; chunk <= 64; chunk++)
		run_line_case((size_t)_i, chunk);
	run_line_case((size_t)_i, 1 << 20);
}
END_TEST

START_TEST(test_lines_string)
{
	sp_buf out = SP_BUF_INIT;
	sp_redact r;
	const char *in = "k: line-one\nk: line-two\n";

	sp_redact_init(&r, NULL, NULL);
	sp_redact_add(&r, "line-one\nline-two");
	sp_redact_string(&out, &r, in, strlen(in));
	ck_assert_str_eq(out.ptr, "k: ***\nk: ***\n");
	sp_redact_dispose(&r);
	sp_buf_dispose(&out);
}
END_TEST

/* --- a Space's secrets --- */

static char k_token[] = "TOKEN", v_token[] = "hunter2-token";
static char k_empty[] = "EMPTY", v_empty[] = "";
static char k_pem[] = "PEM",
            v_pem[] = "-----BEGIN-----\nAAAABBBB\n-----END-----";

static const struct {
	int with_secrets; /* 0: a NULL set */
	const char *input;
	const char *expected;
} secrets_cases[] = {
    {1, "token hunter2-token.", "token ***."},
    {1, "nothing secret", "nothing secret"},
    {1, "pem: -----BEGIN-----\nAAAABBBB\n-----END-----", "pem: ***"},
    {1, "#3 AAAABBBB\n", "#3 ***\n"},
    {1, "empty values hide nothing: ''", "empty values hide nothing: ''"},
    {0, "token hunter2-token.", "token hunter2-token."},
};

START_TEST(test_add_secrets)
{
	sp_kv_entry items[] = {
	    {k_empty, v_empty}, {k_pem, v_pem}, {k_token, v_token}};
	sp_kv secrets = {items, 3};
	sp_buf out = SP_BUF_INIT;
	sp_redact r;

	sp_redact_init(&r, NULL, NULL);
	ck_assert_int_eq(
	    sp_redact_add_secrets(&r, secrets_cases[_i].with_secrets ? &secrets
	                                                             : NULL),
	    0);
	ck_assert_int_eq(sp_redact_string(&out, &r, secrets_cases[_i].input,
	                                  strlen(secrets_cases[_i].input)),
	                 0);
	ck_assert_str_eq(out.ptr, secrets_cases[_i].expected);
	sp_redact_dispose(&r);
	sp_buf_dispose(&out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("redact");
	TCase *tc = tcase_create("stream");

	tcase_add_loop_test(tc, test_every_chunk_size, 0,
	                    sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_no_secrets_passes_through);
	tcase_add_test(tc, test_binary_stream);
	tcase_add_test(tc, test_string);
	tcase_add_test(tc, test_holds_back_only_a_possible_start);
	suite_add_tcase(s, tc);
	tc = tcase_create("lines");
	tcase_add_loop_test(tc, test_lines_every_chunk_size, 0,
	                    sizeof(line_cases) / sizeof(line_cases[0]));
	tcase_add_test(tc, test_lines_string);
	suite_add_tcase(s, tc);
	tc = tcase_create("secrets");
	tcase_add_loop_test(tc, test_add_secrets, 0,
	                    sizeof(secrets_cases) / sizeof(secrets_cases[0]));
	suite_add_tcase(s, tc);
	return sp_test_run(s);
}
