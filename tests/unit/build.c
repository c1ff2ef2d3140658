/* Tests of the build: the client's argv and environment (a fake client
 * records them), secrets only in the environment, reserved variables left
 * out, the output cap, and the cache salt. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "build.h"
#include "error.h"
#include "repo.h"
#include "store.h"
#include "testlib.h"

#define SECRET "hunter2-s3cret-value"
#define SECRET_LINES "first-secret-line\nsecond-secret-line"

static char sandbox[256];

static void sandbox_file(sp_buf *out, const char *name)
{
	sp_buf path = SP_BUF_INIT;

	sp_buf_printf(&path, "%s/%s", sandbox, name);
	ck_assert_int_eq(sp_buf_read_file(out, path.ptr, 1 << 20), 0);
	sp_buf_dispose(&path);
}

static void sandbox_write(const char *name, const char *data, size_t len)
{
	sp_buf path = SP_BUF_INIT;
	FILE *f;

	sp_buf_printf(&path, "%s/%s", sandbox, name);
	ck_assert_ptr_nonnull(f = fopen(path.ptr, "w"));
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	sp_buf_dispose(&path);
}

/*
 * A sandbox with a one-commit repository and a fake build client that
 * writes its argv and environment to files, keeps the context it is fed,
 * prints what `print` holds and exits with what `status` holds.
 */
static void setup(void)
{
	sp_test_tmpdir(sandbox, sizeof(sandbox), "build");
	sp_test_git_env(sandbox, "1600000000 +0000");
	static const char client[] =
	    "#!/bin/sh\n"
	    "d=$(dirname \"$0\")\n"
	    "for a; do printf '%s\\n' \"$a\"; done > \"$d/argv\"\n"
	    "env > \"$d/env\"\n"
	    "cat > \"$d/context.tar\"\n"
	    "cat \"$d/print\"\n"
	    "exit $(cat \"$d/status\")\n";

	sp_test_sh(sandbox, "git init -q w\n"
	                    "printf 'FROM scratch\\n' > w/Dockerfile\n"
	                    "git -C w add Dockerfile\n"
	                    "git -C w commit -q -m first\n"
	                    ": > print\n"
	                    "echo 0 > status\n");
	sandbox_write("client", client, sizeof(client) - 1);
	sp_test_sh(sandbox, "chmod 755 client");
}

static void teardown(void)
{
	ck_assert_int_eq(sp_test_rmtree(sandbox), 0);
}

static int collect(const char *data, size_t len, void *payload)
{
	sp_buf_put(payload, data, len);
	return 0;
}

/* Settings and stored values are mutable strings. */
static char n_token[] = "API_TOKEN", v_token[] = SECRET;
static char n_lines[] = "CERT", v_lines[] = SECRET_LINES;
static char n_greet[] = "GREETING", v_greet[] = "hello world";
static char n_kit[] = "BUILDKIT_SYNTAX", v_kit[] = "evil/frontend";
static char n_own[] = "spacehook_x", v_own[] = "mine";

/* Run the fake client with the usual options; its output into `out`. */
static int run_build(sp_buf *out, size_t log_max)
{
	static const char *labels[] = {"spacehook.space=alice/demo", NULL};
	sp_kv_entry secret_items[] = {{n_lines, v_lines}, {n_token, v_token}};
	sp_kv_entry var_items[] = {
	    {n_kit, v_kit}, {n_greet, v_greet}, {n_own, v_own}};
	sp_kv secrets = {secret_items, 2}, variables = {var_items, 3};
	sp_build_options opts = {0};
	sp_buf cli = SP_BUF_INIT, repo_dir = SP_BUF_INIT;
	sp_repo *repo = NULL;
	int error;

	sp_buf_printf(&cli, "%s/client", sandbox);
	sp_buf_printf(&repo_dir, "%s/w", sandbox);
	ck_assert_int_eq(sp_repo_open(&repo, repo_dir.ptr), 0);
	opts.docker_cli = cli.ptr;
	opts.docker_host = "unix:///run/test-docker.sock";
	opts.repo = repo;
	opts.commit = "HEAD";
	opts.image = "spacehook/alice--demo:0123456789ab";
	opts.labels = labels;
	opts.variables = &variables;
	opts.secrets = &secrets;
	opts.cache_salt = "spacehook-cache-0123";
	opts.cache_namespace = "alice--demo";
	opts.no_cache = 1;
	opts.log_max = log_max;
	opts.output = collect;
	opts.payload = out;
	error = sp_build_run(&opts);
	sp_repo_free(repo);
	sp_buf_dispose(&cli);
	sp_buf_dispose(&repo_dir);
	return error;
}

/* The argv, line by line, in order; none holds a secret. */
static const char *const want_argv =
    "build\n--progress=plain\n--tag\nspacehook/alice--demo:0123456789ab\n"
    "--label\nspacehook.space=alice/demo\n"
    "--build-arg\nGREETING=hello world\n"
    "--secret\nid=CERT,env=SPACEHOOK_SECRET_CERT\n"
    "--secret\nid=API_TOKEN,env=SPACEHOOK_SECRET_API_TOKEN\n"
    "--add-host\nspacehook-cache-0123:127.0.0.1\n"
    "--build-arg\nBUILDKIT_CACHE_MOUNT_NS=alice--demo\n"
    "--no-cache\n-\n";

static const struct {
	const char *file; /* argv, env, or output */
	const char *text;
	int present;
} seen_cases[] = {
    {"argv", SECRET, 0},
    {"argv", "first-secret-line", 0},
    {"argv", "second-secret-line", 0},
    {"argv", "BUILDKIT_SYNTAX", 0},
    {"argv", "evil/frontend", 0},
    {"argv", "spacehook_x", 0},
    {"env", "SPACEHOOK_SECRET_API_TOKEN=" SECRET "\n", 1},
    {"env", "SPACEHOOK_SECRET_CERT=" SECRET_LINES "\n", 1},
    {"env", "DOCKER_BUILDKIT=1\n", 1},
    {"env", "DOCKER_HOST=unix:///run/test-docker.sock\n", 1},
    {"env", "GREETING", 0},
    {"env", "BUILDKIT_SYNTAX", 0},
    {"output",
     "spacehook: warning: variable BUILDKIT_SYNTAX is left out of the "
     "build: names starting with BUILDKIT_ are reserved",
     1},
    {"output", "variable spacehook_x is left out", 1},
    {"output", "echo: ***, ***\n", 1},
    {"output", "lines: ***\nb ***\n", 1},
    {"output", SECRET, 0},
    {"output", "first-secret-line", 0},
};

START_TEST(test_seen)
{
	static const char print[] = "echo: " SECRET ", " SECRET "\n"
	                            "lines: first-secret-line\n"
	                            "b second-secret-line\n";
	sp_buf out = SP_BUF_INIT, file = SP_BUF_INIT;
	const char *where;

	sandbox_write("print", print, sizeof(print) - 1);
	ck_assert_msg(run_build(&out, 0) == 0, "%s", sp_error_last());
	if (!strcmp(seen_cases[_i].file, "output")) {
		sp_buf_sets(&file, out.ptr);
	} else {
		sandbox_file(&file, seen_cases[_i].file);
	}
	where = strstr(file.ptr, seen_cases[_i].text);
	ck_assert_msg(seen_cases[_i].present ? where != NULL : where == NULL,
	              "%s %s '%s':\n%s", seen_cases[_i].file,
	              seen_cases[_i].present ? "lacks" : "holds",
	              seen_cases[_i].text, file.ptr);
	sp_buf_dispose(&out);
	sp_buf_dispose(&file);
}
END_TEST

START_TEST(test_argv)
{
	sp_buf out = SP_BUF_INIT, argv = SP_BUF_INIT, tar = SP_BUF_INIT;

	ck_assert_msg(run_build(&out, 0) == 0, "%s", sp_error_last());
	sandbox_file(&argv, "argv");
	ck_assert_str_eq(argv.ptr, want_argv);
	/* The client was fed the commit's tree. */
	sandbox_file(&tar, "context.tar");
	ck_assert_ptr_nonnull(memmem(tar.ptr, tar.size, "FROM scratch", 12));
	sp_buf_dispose(&out);
	sp_buf_dispose(&argv);
	sp_buf_dispose(&tar);
}
END_TEST

/* --- the output cap and the exit status --- */

static const struct {
	size_t produced; /* bytes the client prints */
	size_t log_max;  /* 0: no cap */
	const char *status;
	int code;
	size_t kept; /* bytes of the output kept before any note */
	int cut;     /* the note follows */
} cap_cases[] = {
    {10000, 0, "0", 0, 10000, 0},           {10000, 10000, "0", 0, 10000, 0},
    {10000, 1000, "0", 0, 1000, 1},         {100000, 1, "0", 0, 1, 1},
    {10000, 1000, "3", SP_EBUILD, 1000, 1}, {0, 1000, "3", SP_EBUILD, 0, 0},
};

START_TEST(test_cap)
{
	static const char note[] =
	    "\nspacehook: build output cut here: it passed the size limit "
	    "(spacehook.buildLogMax); the build goes on\n";
	sp_buf out = SP_BUF_INIT, print = SP_BUF_INIT;
	size_t warn, x = 0;

	for (size_t i = 0; i < cap_cases[_i].produced; i++)
		sp_buf_putc(&print, 'x');
	sandbox_write("print", print.ptr, print.size);
	sandbox_write("status", cap_cases[_i].status,
	              strlen(cap_cases[_i].status));
	ck_assert_int_eq(run_build(&out, cap_cases[_i].log_max),
	                 cap_cases[_i].code);
	if (cap_cases[_i].code)
		ck_assert_msg(strstr(sp_error_last(), "exited with status 3"),
		              "%s", sp_error_last());
	/* The reserved variables' warnings come first: skip them. */
	warn = 0;
	while (!strncmp(out.ptr + warn, "spacehook: warning: ", 20))
		warn = (size_t)(strchr(out.ptr + warn, '\n') - out.ptr) + 1;
	while (out.ptr[warn + x] == 'x')
		x++;
	ck_assert_uint_eq(x, cap_cases[_i].kept);
	if (cap_cases[_i].cut)
		ck_assert_str_eq(out.ptr + warn + x, note);
	else
		ck_assert_str_eq(out.ptr + warn + x, "");
	sp_buf_dispose(&out);
	sp_buf_dispose(&print);
}
END_TEST

/* --- the cache salt --- */

static const unsigned char key_a[32] = {1, 2, 3};
static const unsigned char key_b[32] = {3, 2, 1};
static char s_a[] = "A", s_b[] = "B", s_v1[] = "value-1", s_v2[] = "value-2";

START_TEST(test_salt)
{
	sp_kv_entry one_a[] = {{s_a, s_v1}}, one_b[] = {{s_b, s_v1}};
	sp_kv_entry two_a[] = {{s_a, s_v2}};
	sp_kv k1 = {one_a, 1}, k2 = {two_a, 1}, k3 = {one_b, 1}, none = {0};
	const struct {
		const unsigned char *key;
		const char *space;
		const sp_kv *secrets;
	} inputs[] = {
	    {key_a, "alice/demo", &k1}, /* 0 */
	    {key_a, "alice/demo", &k2}, /* another value */
	    {key_a, "alice/demo", &k3}, /* another name */
	    {key_a, "alice/demo", &none},
	    {key_a, "alice/other", &k1}, /* another Space */
	    {key_a, "mallory/demo", &k1},
	    {key_b, "alice/demo", &k1}, /* another server key */
	};
	size_t n = sizeof(inputs) / sizeof(inputs[0]);
	sp_buf salts[sizeof(inputs) / sizeof(inputs[0])], again = SP_BUF_INIT;

	for (size_t i = 0; i < n; i++) {
		sp_buf_init(&salts[i]);
		ck_assert_int_eq(sp_build_cache_salt(&salts[i], inputs[i].key,
		                                     32, inputs[i].space,
		                                     inputs[i].secrets),
		                 0);
		ck_assert_uint_eq(salts[i].size,
		                  strlen("spacehook-cache-") + 32);
		ck_assert_int_eq(strncmp(salts[i].ptr, "spacehook-cache-", 16),
		                 0);
		ck_assert_uint_eq(strspn(salts[i].ptr + 16, "0123456789abcdef"),
		                  32);
		/* Deterministic. */
		ck_assert_int_eq(sp_build_cache_salt(&again, inputs[i].key, 32,
		                                     inputs[i].space,
		                                     inputs[i].secrets),
		                 0);
		ck_assert_str_eq(again.ptr, salts[i].ptr);
		/* No secret shows in it. */
		ck_assert_ptr_null(strstr(salts[i].ptr, "value"));
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			ck_assert_msg(strcmp(salts[i].ptr, salts[j].ptr),
			              "inputs %zu and %zu share a salt", i, j);
	/* NULL secrets are no secrets. */
	ck_assert_int_eq(
	    sp_build_cache_salt(&again, key_a, 32, "alice/demo", NULL), 0);
	ck_assert_str_eq(again.ptr, salts[3].ptr);
	for (size_t i = 0; i < n; i++)
		sp_buf_dispose(&salts[i]);
	sp_buf_dispose(&again);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("build");
	TCase *tc;

	tc = tcase_create("client");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_argv);
	tcase_add_loop_test(tc, test_seen, 0,
	                    sizeof(seen_cases) / sizeof(seen_cases[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("cap");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_cap, 0,
	                    sizeof(cap_cases) / sizeof(cap_cases[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("salt");
	tcase_add_test(tc, test_salt);
	suite_add_tcase(s, tc);

	return sp_test_run(s);
}
