/* Tests of terminal escaping: controls made visible whatever the chunking. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "term.h"
#include "testlib.h"

#define BYTES(s) s, sizeof(s) - 1

static const struct {
	const char *input;
	size_t len;
	const char *expected;
} cases[] = {
    {BYTES(""), ""},
    {BYTES("plain text\n\tindented\n"), "plain text\n\tindented\n"},
    /* C0 controls, DEL */
    {BYTES("\x1b[31mred\x1b[0m\n"), "\\x1b[31mred\\x1b[0m\n"},
    {BYTES("bell\a"), "bell\\x07"},
    {BYTES("nul\0byte"), "nul\\x00byte"},
    {BYTES("\x01\x1f\x7f"), "\\x01\\x1f\\x7f"},
    {BYTES("\x1b]0;title\x07"), "\\x1b]0;title\\x07"},
    /* CR: dropped before a newline, shown anywhere else */
    {BYTES("line\r\n"), "line\n"},
    {BYTES("10%\r100%\n"), "10%\\x0d100%\n"},
    {BYTES("end\r"), "end\\x0d"},
    {BYTES("\r\r\n"), "\\x0d\n"},
    /* C1 controls in UTF-8 */
    {BYTES("\xc2\x9b"
           "31m"),
     "\\u009b31m"},
    {BYTES("\xc2\x80\xc2\x9f"), "\\u0080\\u009f"},
    {BYTES("\xc2\x85next"), "\\u0085next"},
    /* valid UTF-8 passes, U+00A0 and up included */
    {BYTES("caf\xc3\xa9 \xc2\xa0 \xe2\x82\xac \xf0\x9f\x9a\x80\n"),
     "caf\xc3\xa9 \xc2\xa0 \xe2\x82\xac \xf0\x9f\x9a\x80\n"},
    /* bytes that are not UTF-8: a raw 8-bit CSI, a cut sequence */
    {BYTES("\x9b"
           "31m"),
     "\\x9b31m"},
    {BYTES("caf\xe9!"), "caf\\xe9!"},
    {BYTES("\xc2"), "\\xc2"},
    {BYTES("\xe2\x82"), "\\xe2\\x82"},
    {BYTES("\xc2z"), "\\xc2z"},
    {BYTES("\xed\xa0\x80"), "\\xed\\xa0\\x80"},
    /* a backslash is left alone */
    {BYTES("C:\\x1b\n"), "C:\\x1b\n"},
};

static void run_case(size_t i, size_t chunk)
{
	sp_buf out = SP_BUF_INIT;
	sp_term t = SP_TERM_INIT;
	const char *in = cases[i].input;
	size_t len = cases[i].len;

	for (size_t off = 0; off < len; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;

		ck_assert_int_eq(sp_term_escape(&out, &t, in + off, n), 0);
	}
	ck_assert_int_eq(sp_term_finish(&out, &t), 0);
	ck_assert_msg(out.size == strlen(out.ptr) &&
	                  !strcmp(out.ptr, cases[i].expected),
	              "case %zu chunk %zu: got [%s] want [%s]", i, chunk,
	              out.ptr, cases[i].expected);
	sp_buf_dispose(&out);
}

START_TEST(test_every_chunk_size)
{
	for (size_t chunk = 1; chunk <= 12; chunk++)
		run_case((size_t)_i, chunk);
	run_case((size_t)_i, 4096);
}
END_TEST

START_TEST(test_string)
{
	sp_buf out = SP_BUF_INIT;

	ck_assert_int_eq(sp_term_escape_string(&out, BYTES("a\x1b"
	                                                   "b\xc2")),
	                 0);
	ck_assert_str_eq(out.ptr, "a\\x1bb\\xc2");
	sp_buf_dispose(&out);
}
END_TEST

/* A C2 at the end of one chunk waits for the next one. */
START_TEST(test_held_across_chunks)
{
	sp_buf out = SP_BUF_INIT;
	sp_term t = SP_TERM_INIT;

	sp_term_escape(&out, &t, BYTES("ok \xc2"));
	ck_assert_str_eq(out.ptr, "ok ");
	sp_term_escape(&out, &t,
	               BYTES("\x9b"
	                     "2J\r"));
	ck_assert_str_eq(out.ptr, "ok \\u009b2J");
	sp_term_escape(&out, &t, BYTES("\n"));
	ck_assert_str_eq(out.ptr, "ok \\u009b2J\n");
	sp_term_escape(&out, &t, BYTES("\xf0\x9f"));
	sp_term_escape(&out, &t, BYTES("\x9a"));
	ck_assert_str_eq(out.ptr, "ok \\u009b2J\n");
	sp_term_escape(&out, &t, BYTES("\x80"));
	ck_assert_str_eq(out.ptr, "ok \\u009b2J\n\xf0\x9f\x9a\x80");
	ck_assert_int_eq(sp_term_finish(&out, &t), 0);
	ck_assert_str_eq(out.ptr, "ok \\u009b2J\n\xf0\x9f\x9a\x80");
	sp_buf_dispose(&out);
}
END_TEST

/* Random bytes: the output never holds a control byte but \n and \t. */
START_TEST(test_random_bytes)
{
	sp_buf in = SP_BUF_INIT, out = SP_BUF_INIT;
	sp_term t = SP_TERM_INIT;

	srand(11);
	for (int i = 0; i < 20000; i++)
		sp_buf_putc(&in, (char)(rand() & 0xff));
	for (size_t off = 0; off < in.size; off += 97)
		sp_term_escape(&out, &t, in.ptr + off,
		               in.size - off < 97 ? in.size - off : 97);
	sp_term_finish(&out, &t);
	for (size_t i = 0; i < out.size; i++) {
		unsigned char c = (unsigned char)out.ptr[i];

		ck_assert_msg(c >= 0x20 || c == '\n' || c == '\t',
		              "control 0x%02x at %zu", c, i);
		ck_assert_uint_ne(c, 0x7f);
		if (c == 0xc2 && i + 1 < out.size)
			ck_assert_uint_ge((unsigned char)out.ptr[i + 1], 0xa0);
	}
	sp_buf_dispose(&in);
	sp_buf_dispose(&out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("term");
	TCase *tc = tcase_create("escape");

	tcase_add_loop_test(tc, test_every_chunk_size, 0,
	                    sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_string);
	suite_add_tcase(s, tc);
	tc = tcase_create("stream");
	tcase_add_test(tc, test_held_across_chunks);
	tcase_add_test(tc, test_random_bytes);
	suite_add_tcase(s, tc);
	return sp_test_run(s);
}
