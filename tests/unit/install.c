/* Tests of install's git config writing and reading: values written with
 * libgit2 to a file in a temp dir, read back by real git and by
 * sp_install_config_get. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "install.h"
#include "testlib.h"

static char dir[256];
static char file[300];

static void setup(void)
{
	sp_test_tmpdir(dir, sizeof(dir), "install");
	snprintf(file, sizeof(file), "%s/config", dir);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("HOME", dir, 1);
}

static void teardown(void)
{
	sp_test_rmtree(dir);
}

static void write_file(const char *text)
{
	FILE *f = fopen(file, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* What real git reads for `key` in the file; "<unset>" when nothing. */
static void git_get(sp_buf *out, const char *key)
{
	char cmd[600], chunk[256];
	FILE *p;
	size_t n;

	sp_buf_clear(out);
	snprintf(cmd, sizeof(cmd), "git config --file '%s' --get '%s'", file,
	         key);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		sp_buf_put(out, chunk, n);
	if (pclose(p) != 0)
		sp_buf_sets(out, "<unset>");
	else if (out->size && out->ptr[out->size - 1] == '\n')
		sp_buf_truncate(out, out->size - 1);
}

/* Values git must read back byte for byte. */
static const struct {
	const char *key, *value;
} set_cases[] = {
    {"core.hooksPath", "/srv/spacehook/hooks"},
    {"receive.advertisePushOptions", "true"},
    {"spacehook.stateDir", "/var/lib/space hook"},
    {"spacehook.dockerHost", "unix:///run/docker.sock # not a comment"},
    {"spacehook.note", "semi;colon \"quoted\" back\\slash"},
    {"spacehook.padded", "  leading and trailing  "},
    {"section.sub.key", "a value in a subsection"},
};

START_TEST(test_set_read_back)
{
	sp_buf seen = SP_BUF_INIT;
	char *value = NULL;
	int changed = -1;

	ck_assert_msg(sp_install_config_set(&changed, file, set_cases[_i].key,
	                                    set_cases[_i].value) == 0,
	              "%s", sp_error_last());
	ck_assert_int_eq(changed, 1);
	git_get(&seen, set_cases[_i].key);
	ck_assert_str_eq(seen.ptr, set_cases[_i].value);
	ck_assert_int_eq(sp_install_config_get(&value, file, set_cases[_i].key),
	                 0);
	ck_assert_ptr_nonnull(value);
	ck_assert_str_eq(value, set_cases[_i].value);
	free(value);
	/* The same value again changes nothing. */
	ck_assert_int_eq(sp_install_config_set(&changed, file,
	                                       set_cases[_i].key,
	                                       set_cases[_i].value),
	                 0);
	ck_assert_int_eq(changed, 0);
	sp_buf_dispose(&seen);
}
END_TEST

START_TEST(test_set_keeps_the_rest)
{
	sp_buf seen = SP_BUF_INIT, text = SP_BUF_INIT;
	int changed = -1;
	FILE *f;
	char chunk[256];
	size_t n;

	write_file("# the admin's comment\n"
	           "[user]\n\tname = Git Admin\n"
	           "[core]\n\thooksPath = /old/hooks\n\tbare = true\n");
	ck_assert_int_eq(
	    sp_install_config_set(&changed, file, "core.hooksPath", "/new"), 0);
	ck_assert_int_eq(changed, 1);
	git_get(&seen, "core.hooksPath");
	ck_assert_str_eq(seen.ptr, "/new");
	git_get(&seen, "user.name");
	ck_assert_str_eq(seen.ptr, "Git Admin");
	git_get(&seen, "core.bare");
	ck_assert_str_eq(seen.ptr, "true");
	f = fopen(file, "r");
	ck_assert_ptr_nonnull(f);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		sp_buf_put(&text, chunk, n);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text.ptr, "# the admin's comment"));
	ck_assert_ptr_null(strstr(text.ptr, "/old/hooks"));
	sp_buf_dispose(&seen);
	sp_buf_dispose(&text);
}
END_TEST

START_TEST(test_set_makes_the_file)
{
	struct stat st;
	int changed = -1;

	ck_assert_int_ne(stat(file, &st), 0);
	ck_assert_int_eq(sp_install_config_set(&changed, file,
	                                       "receive.advertisePushOptions",
	                                       "true"),
	                 0);
	ck_assert_int_eq(changed, 1);
	ck_assert_int_eq(stat(file, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
}
END_TEST

START_TEST(test_get_unset_and_missing)
{
	struct stat st;
	char *value = (char *)"x";

	/* No file: unset, and reading does not make it. */
	ck_assert_int_eq(sp_install_config_get(&value, file, "core.hooksPath"),
	                 0);
	ck_assert_ptr_null(value);
	ck_assert_int_ne(stat(file, &st), 0);
	write_file("[core]\n\tbare = true\n");
	value = (char *)"x";
	ck_assert_int_eq(sp_install_config_get(&value, file, "core.hooksPath"),
	                 0);
	ck_assert_ptr_null(value);
}
END_TEST

START_TEST(test_get_last_of_many)
{
	char *value = NULL;

	write_file("[spacehook]\n\twebhook = https://a/\n"
	           "\twebhook = https://b/\n");
	ck_assert_int_eq(
	    sp_install_config_get(&value, file, "spacehook.webhook"), 0);
	ck_assert_ptr_nonnull(value);
	ck_assert_str_eq(value, "https://b/");
	free(value);
}
END_TEST

/* Files and keys git refuses are refused, the file named. */
START_TEST(test_bad_file_and_key)
{
	char *value = NULL;
	int changed = -1;

	write_file("[core\n\thooksPath = /x\n");
	ck_assert_int_lt(sp_install_config_get(&value, file, "core.hooksPath"),
	                 0);
	ck_assert_ptr_null(value);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), file));
	ck_assert_int_lt(
	    sp_install_config_set(&changed, file, "core.hooksPath", "/y"), 0);
	ck_assert_int_eq(changed, 0);
	write_file("[spacehook]\n\twebhook = https://a/\n"
	           "\twebhook = https://b/\n");
	/* Several values: git config KEY VALUE refuses to pick one. */
	ck_assert_int_lt(sp_install_config_set(
	                     &changed, file, "spacehook.webhook", "https://c/"),
	                 0);
	ck_assert_int_eq(changed, 0);
	ck_assert_int_lt(
	    sp_install_config_set(&changed, file, "nodot", "value"), 0);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), "nodot"));
}
END_TEST

/* The front door: the nginx include, nginxDir, the sudoers rule. */

static void read_text(sp_buf *out, const char *path)
{
	ck_assert_int_eq(sp_buf_read_file(out, path, 65536), 0);
}

START_TEST(test_nginx_include)
{
	char conf[400], nginx_dir[400];
	sp_buf text = SP_BUF_INIT;
	struct stat st;
	int changed = -1;

	snprintf(conf, sizeof(conf), "%s/spacehook.conf", dir);
	snprintf(nginx_dir, sizeof(nginx_dir), "%s/state/nginx", dir);
	ck_assert_int_eq(sp_install_nginx_include(&changed, conf, nginx_dir),
	                 0);
	ck_assert_int_eq(changed, 1);
	read_text(&text, conf);
	ck_assert_ptr_nonnull(strstr(text.ptr, "\ninclude "));
	ck_assert_ptr_nonnull(strstr(text.ptr, "/state/nginx/*.conf;\n"));
	ck_assert_int_eq(strncmp(text.ptr, "# spacehook", 11), 0);
	ck_assert_int_eq(stat(conf, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0644);
	/* Again: nothing to do. */
	ck_assert_int_eq(sp_install_nginx_include(&changed, conf, nginx_dir),
	                 0);
	ck_assert_int_eq(changed, 0);
	/* Ours with another directory: rewritten. */
	ck_assert_int_eq(sp_install_nginx_include(&changed, conf, "/srv/x"), 0);
	ck_assert_int_eq(changed, 1);
	/* Someone else's file is kept. */
	write_file("server { listen 80; }\n");
	ck_assert_int_eq(sp_install_nginx_include(&changed, file, nginx_dir),
	                 SP_EEXISTS);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), "not spacehook's"));
	read_text(&text, file);
	ck_assert_str_eq(text.ptr, "server { listen 80; }\n");
	sp_buf_dispose(&text);
}
END_TEST

static const struct {
	const char *conf, *nginx_dir;
} bad_includes[] = {
    {"relative.conf", "/srv/nginx"},
    {"/no/such/dir/spacehook.conf", "/srv/nginx"},
    {NULL, "/srv/ngi nx"},
    {NULL, "/srv/nginx;x"},
    {NULL, "srv/nginx"},
    {NULL, "/srv/../nginx"},
};

START_TEST(test_nginx_include_refused)
{
	char conf[400];
	int changed = -1;

	snprintf(conf, sizeof(conf), "%s/spacehook.conf", dir);
	ck_assert_int_eq(
	    sp_install_nginx_include(
	        &changed, bad_includes[_i].conf ? bad_includes[_i].conf : conf,
	        bad_includes[_i].nginx_dir),
	    SP_EINVALID);
	ck_assert_int_eq(changed, 0);
	ck_assert_int_ne(access(conf, F_OK), 0);
}
END_TEST

START_TEST(test_nginx_dir)
{
	char path[400];
	sp_install_options opts = {0};
	struct stat st;
	int created = -1;

	opts.uid = geteuid();
	opts.gid = getegid();
	snprintf(path, sizeof(path), "%s/a/b/nginx", dir);
	ck_assert_int_eq(sp_install_nginx_dir(&created, path, &opts), 0);
	ck_assert_int_eq(created, 1);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(sp_install_nginx_dir(&created, path, &opts), 0);
	ck_assert_int_eq(created, 0);
	write_file("x");
	ck_assert_int_eq(sp_install_nginx_dir(&created, file, &opts),
	                 SP_EINVALID);
}
END_TEST

START_TEST(test_sudoers)
{
	char path[400], shipped[400];
	sp_buf text = SP_BUF_INIT, want = SP_BUF_INIT;
	const char *source = getenv("SP_SOURCE");
	struct stat st;
	int changed = -1;

	/* The shipped file is the rule for the user "git". */
	ck_assert_ptr_nonnull(source);
	snprintf(shipped, sizeof(shipped), "%s/install/sudoers.spacehook",
	         source);
	read_text(&want, shipped);
	sp_install_sudoers_rule(&text, "git");
	ck_assert_str_eq(text.ptr, want.ptr);
	ck_assert_ptr_nonnull(
	    strstr(want.ptr, "\ngit ALL=(root) NOPASSWD: /usr/sbin/nginx -t, "
	                     "/usr/sbin/nginx -s reload\n"));
	snprintf(path, sizeof(path), "%s/spacehook", dir);
	ck_assert_int_eq(sp_install_sudoers(&changed, path, "gitea"), 0);
	ck_assert_int_eq(changed, 1);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0440);
	read_text(&text, path);
	ck_assert_ptr_nonnull(
	    strstr(text.ptr, "\ngitea ALL=(root) NOPASSWD: "));
	ck_assert_int_eq(sp_install_sudoers(&changed, path, "gitea"), 0);
	ck_assert_int_eq(changed, 0);
	/* What sudo would misread or skip is refused. */
	ck_assert_int_eq(sp_install_sudoers(&changed, path, "git ALL"),
	                 SP_EINVALID);
	ck_assert_int_eq(sp_install_sudoers(&changed, path, "ALL"),
	                 SP_EINVALID);
	ck_assert_int_eq(sp_install_sudoers(&changed, path, ""), SP_EINVALID);
	snprintf(path, sizeof(path), "%s/spacehook.rule", dir);
	ck_assert_int_eq(sp_install_sudoers(&changed, path, "git"),
	                 SP_EINVALID);
	ck_assert_int_ne(access(path, F_OK), 0);
	sp_buf_dispose(&text);
	sp_buf_dispose(&want);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("install");
	TCase *set = tcase_create("set"), *get = tcase_create("get");
	TCase *bad = tcase_create("refused");
	TCase *nginx = tcase_create("nginx");

	tcase_add_checked_fixture(set, setup, teardown);
	tcase_add_checked_fixture(get, setup, teardown);
	tcase_add_checked_fixture(bad, setup, teardown);
	tcase_add_loop_test(set, test_set_read_back, 0,
	                    sizeof(set_cases) / sizeof(set_cases[0]));
	tcase_add_test(set, test_set_keeps_the_rest);
	tcase_add_test(set, test_set_makes_the_file);
	tcase_add_test(get, test_get_unset_and_missing);
	tcase_add_test(get, test_get_last_of_many);
	tcase_add_test(bad, test_bad_file_and_key);
	suite_add_tcase(s, set);
	suite_add_tcase(s, get);
	suite_add_tcase(s, bad);
	tcase_add_checked_fixture(nginx, setup, teardown);
	tcase_add_test(nginx, test_nginx_include);
	tcase_add_loop_test(nginx, test_nginx_include_refused, 0,
	                    sizeof(bad_includes) / sizeof(bad_includes[0]));
	tcase_add_test(nginx, test_nginx_dir);
	tcase_add_test(nginx, test_sudoers);
	suite_add_tcase(s, nginx);
	return sp_test_run(s);
}
