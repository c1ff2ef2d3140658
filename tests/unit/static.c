/* Tests of static: commits of a real git repository published as files
 * under a temp nginx directory, the `current` switch, what is left out,
 * the limits, and what a failure leaves. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "repo.h"
#include "settings.h"
#include "static.h"
#include "store.h"
#include "testlib.h"

static char sandbox[256], state[256], work[4096], base[8192];
static sp_store *store;
static sp_repo *repo;
static sp_settings settings;
static sp_buf logged = SP_BUF_INIT;

static void setup(void)
{
	char home[4096], nginx[4096];

	sp_test_tmpdir(sandbox, sizeof(sandbox), "static");
	snprintf(home, sizeof(home), "%s/home", sandbox);
	snprintf(work, sizeof(work), "%s/work", sandbox);
	snprintf(nginx, sizeof(nginx), "%s/nginx", sandbox);
	sp_test_git_env(home, "1700000000 +0000");
	sp_test_sh(sandbox, "mkdir home && git init -q -b main work");
	store = sp_test_state_new(state, sizeof(state), "static-state",
	                          "alice/demo");
	snprintf(base, sizeof(base), "%s/static/%s", nginx,
	         sp_store_space(store)->slug);
	memset(&settings, 0, sizeof(settings));
	settings.nginx_dir = sp_strdup(nginx);
	settings.max_blob_size = 100 * 1024 * 1024;
	settings.max_context_size = 1024 * 1024 * 1024;
	ck_assert_int_eq(sp_repo_open(&repo, work), 0);
	sp_buf_clear(&logged);
}

static void teardown(void)
{
	sp_repo_free(repo);
	repo = NULL;
	sp_settings_dispose(&settings);
	sp_test_state_free(store, state);
	store = NULL;
	sp_buf_dispose(&logged);
	ck_assert_int_eq(sp_test_rmtree(sandbox), 0);
}

static int log_sink(const char *data, size_t len, void *payload)
{
	sp_buf_put(payload, data, len);
	return 0;
}

/* A commit of the work tree holding only what `files` makes (a shell
 * snippet run in the emptied work tree); its id goes to `out`. */
static void commit_of(char out[SP_OID_HEXSZ + 1], const char *files)
{
	char path[4096];
	FILE *f;

	sp_test_sh(
	    sandbox,
	    "cd work && git rm -rq --ignore-unmatch . && rm -rf ./* && { %s; } "
	    "&& git add -A . && git commit -q --allow-empty -m c && "
	    "git rev-parse HEAD >../head",
	    files);
	snprintf(path, sizeof(path), "%s/head", sandbox);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	ck_assert_ptr_nonnull(fgets(out, SP_OID_HEXSZ + 1, f));
	fclose(f);
}

/* Publish `commit`, which must succeed; the root must be base/current. */
static void publish_ok(const char *commit)
{
	char *root = NULL, want[8300];
	int error;

	error = sp_static_publish(&root, &settings, store, repo, commit,
	                          log_sink, &logged);
	ck_assert_msg(error == 0, "publish %.7s: %d %s", commit, error,
	              sp_error_last());
	snprintf(want, sizeof(want), "%s/current", base);
	ck_assert_str_eq(root, want);
	free(root);
}

/* What `current` points at, or "" when it is no link. */
static void current_of(char *out, size_t size)
{
	char path[8400];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/current", base);
	n = readlink(path, out, size - 1);
	out[n < 0 ? 0 : n] = '\0';
}

/* lstat of base/<rel>: its mode, or 0 when absent. */
static mode_t mode_of(const char *rel)
{
	char path[8400];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	if (lstat(path, &st) < 0) {
		ck_assert_int_eq(errno, ENOENT);
		return 0;
	}
	return st.st_mode;
}

/* How many entries of base start with `prefix`. */
static int count_prefix(const char *prefix)
{
	struct dirent *e;
	DIR *d = opendir(base);
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		n += !strncmp(e->d_name, prefix, strlen(prefix));
	closedir(d);
	return n;
}

static void file_is(const char *rel, const char *text)
{
	char path[8400];
	sp_buf data = SP_BUF_INIT;

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	ck_assert_int_eq(sp_buf_read_file(&data, path, 1 << 20), 0);
	ck_assert_str_eq(data.ptr, text);
	sp_buf_dispose(&data);
}

START_TEST(test_two_commits)
{
	char c1[SP_OID_HEXSZ + 1], c2[SP_OID_HEXSZ + 1], c3[SP_OID_HEXSZ + 1];
	char cur[128], rel[128];
	struct stat st;
	mode_t mask = umask(077);

	commit_of(c1,
	          "printf one >index.html && mkdir -p sub/deep && "
	          "printf page >sub/deep/page.html && printf '#!/bin/sh\\n' "
	          ">run.sh && chmod 755 run.sh");
	publish_ok(c1);
	current_of(cur, sizeof(cur));
	ck_assert_str_eq(cur, c1);
	file_is("current/index.html", "one");
	file_is("current/sub/deep/page.html", "page");
	ck_assert_uint_eq(mode_of(c1) & 07777, 0755);
	ck_assert_uint_eq(mode_of("current/sub") & 07777, 0755);
	ck_assert_uint_eq(mode_of("current/index.html") & 07777, 0644);
	/* Executables are served as files: 0644 too. */
	ck_assert_uint_eq(mode_of("current/run.sh") & 07777, 0644);
	ck_assert(S_ISLNK(mode_of("current")));
	/* nginx's workers read it all, whatever the umask. */
	ck_assert_int_eq(stat(base, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0755);
	ck_assert_uint_eq(mode_of("..") & 07777, 0755);
	umask(mask);

	commit_of(c2, "printf two >index.html");
	publish_ok(c2);
	current_of(cur, sizeof(cur));
	ck_assert_str_eq(cur, c2);
	file_is("current/index.html", "two");
	ck_assert_uint_eq(mode_of("current/run.sh"), 0);
	/* The one current before stays, for requests still reading it. */
	ck_assert(S_ISDIR(mode_of(c1)));

	commit_of(c3, "printf three >index.html");
	publish_ok(c3);
	current_of(cur, sizeof(cur));
	ck_assert_str_eq(cur, c3);
	ck_assert_uint_eq(mode_of(c1), 0);
	ck_assert(S_ISDIR(mode_of(c2)));
	ck_assert_int_eq(count_prefix(".tmp-"), 0);
	ck_assert_int_eq(count_prefix(".current-"), 0);

	/* The same commit again: nothing written, still served. */
	publish_ok(c3);
	ck_assert_ptr_nonnull(strstr(logged.ptr, "written already"));
	current_of(cur, sizeof(cur));
	ck_assert_str_eq(cur, c3);
	snprintf(rel, sizeof(rel), "%s/index.html", c3);
	file_is(rel, "three");

	/* A short name resolves to the full commit. */
	publish_ok("HEAD~1");
	current_of(cur, sizeof(cur));
	ck_assert_str_eq(cur, c2);
}
END_TEST

START_TEST(test_links_and_submodules_left_out)
{
	char c[SP_OID_HEXSZ + 1], cur[128], found[64];

	commit_of(c, "printf hi >index.html && mkdir d && printf x >d/f && "
	             "ln -s ../../../../../../etc/passwd escape && "
	             "ln -s /etc/passwd abs && ln -s /etc etcdir && "
	             "ln -s index.html alias && mkdir sub && "
	             "git update-index --add --cacheinfo "
	             "160000,0123456789012345678901234567890123456789,sub");
	publish_ok(c);
	current_of(cur, sizeof(cur));
	ck_assert_str_eq(cur, c);
	file_is("current/index.html", "hi");
	file_is("current/d/f", "x");
	ck_assert_uint_eq(mode_of("current/escape"), 0);
	ck_assert_uint_eq(mode_of("current/abs"), 0);
	ck_assert_uint_eq(mode_of("current/etcdir"), 0);
	ck_assert_uint_eq(mode_of("current/alias"), 0);
	ck_assert_uint_eq(mode_of("current/sub"), 0);
	/* Nothing under the commit's directory is a link. */
	sp_test_sh_read(found, sizeof(found), base,
	                "find . -mindepth 2 -type l | wc -l");
	ck_assert_str_eq(found, "0");
	/* Nothing was written outside it either. */
	sp_test_sh_read(found, sizeof(found), sandbox,
	                "find . -name passwd | wc -l");
	ck_assert_str_eq(found, "0");
	ck_assert_ptr_nonnull(
	    strstr(logged.ptr, "left out symbolic link 'escape'"));
	ck_assert_ptr_nonnull(strstr(logged.ptr, "left out submodule 'sub'"));
}
END_TEST

static const struct {
	const char *what;
	long long max_blob, max_total;
	const char *files;
	const char *says;
} limits[] = {
    {"a file over maxBlobSize", 8, 0,
     "printf 0123456789 >big.html && printf ok >index.html",
     "spacehook.maxBlobSize"},
    {"a tree over maxContextSize", 0, 10,
     "printf 012345 >a.html && printf 012345 >index.html",
     "spacehook.maxContextSize"},
};

START_TEST(test_limits)
{
	char good[SP_OID_HEXSZ + 1], c[SP_OID_HEXSZ + 1], cur[128];
	char *root = (char *)"unset";
	int error;

	commit_of(good, "printf ok >index.html");
	publish_ok(good);
	settings.max_blob_size = limits[_i].max_blob;
	settings.max_context_size = limits[_i].max_total;
	commit_of(c, limits[_i].files);
	error = sp_static_publish(&root, &settings, store, repo, c, NULL, NULL);
	ck_assert_msg(error == SP_ETOOBIG, "%s: %d", limits[_i].what, error);
	ck_assert_ptr_null(root);
	ck_assert_msg(strstr(sp_error_last(), limits[_i].says) != NULL,
	              "%s: %s", limits[_i].what, sp_error_last());
	current_of(cur, sizeof(cur));
	ck_assert_str_eq(cur, good);
	ck_assert_uint_eq(mode_of(c), 0);
	ck_assert_int_eq(count_prefix(".tmp-"), 0);
}
END_TEST

/* A tree git would not make: an entry "..", after a file was written. */
START_TEST(test_failure_leaves_nothing)
{
	char good[SP_OID_HEXSZ + 1], bad[SP_OID_HEXSZ + 1], cur[128];
	char *root = NULL;
	int error;

	commit_of(good, "printf ok >index.html");
	publish_ok(good);
	sp_test_sh(sandbox,
	           "cd work && b=$(printf hi | git hash-object -w --stdin) && "
	           "perl -e 'print \"40000 ..\\0\", pack(\"H*\", $ARGV[1]), "
	           "\"100644 a\\0\", pack(\"H*\", $ARGV[0])' $b "
	           "$(git rev-parse HEAD^{tree}) >../badtree && "
	           "t=$(git hash-object -t tree -w --literally ../badtree) && "
	           "git commit-tree $t -m bad >../bad");
	sp_test_sh_read(bad, sizeof(bad), sandbox, "cat bad");
	error = sp_static_publish(&root, &settings, store, repo, bad, log_sink,
	                          &logged);
	ck_assert_int_eq(error, SP_EINVALID);
	ck_assert_ptr_null(root);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), "named '..'"));
	ck_assert_int_eq(count_prefix(".tmp-"), 0);
	ck_assert_uint_eq(mode_of(bad), 0);
	current_of(cur, sizeof(cur));
	ck_assert_str_eq(cur, good);
	file_is("current/index.html", "ok");
}
END_TEST

START_TEST(test_remove)
{
	char c[SP_OID_HEXSZ + 1];
	sp_space space = *sp_store_space(store);

	commit_of(c, "printf ok >index.html && mkdir a && printf x >a/b");
	publish_ok(c);
	ck_assert_int_eq(sp_static_remove(&settings, &space), 0);
	ck_assert_int_eq(access(base, F_OK), -1);
	/* Gone already: fine. */
	ck_assert_int_eq(sp_static_remove(&settings, &space), 0);
}
END_TEST

START_TEST(test_no_nginx_dir)
{
	char c[SP_OID_HEXSZ + 1];
	char *root = NULL;

	commit_of(c, "printf ok >index.html");
	free(settings.nginx_dir);
	settings.nginx_dir = NULL;
	ck_assert_int_eq(
	    sp_static_publish(&root, &settings, store, repo, c, NULL, NULL),
	    SP_EINVALID);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), "spacehook.nginxDir"));
	/* Nothing to remove then. */
	ck_assert_int_eq(sp_static_remove(&settings, sp_store_space(store)), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("static");
	TCase *publish = tcase_create("publish");
	TCase *left_out = tcase_create("left_out");
	TCase *limit = tcase_create("limits");
	TCase *failure = tcase_create("failure");
	TCase *remove = tcase_create("remove");

	tcase_add_checked_fixture(publish, setup, teardown);
	tcase_add_test(publish, test_two_commits);
	tcase_add_test(publish, test_no_nginx_dir);
	suite_add_tcase(s, publish);
	tcase_add_checked_fixture(left_out, setup, teardown);
	tcase_add_test(left_out, test_links_and_submodules_left_out);
	suite_add_tcase(s, left_out);
	tcase_add_checked_fixture(limit, setup, teardown);
	tcase_add_loop_test(limit, test_limits, 0,
	                    sizeof(limits) / sizeof(limits[0]));
	suite_add_tcase(s, limit);
	tcase_add_checked_fixture(failure, setup, teardown);
	tcase_add_test(failure, test_failure_leaves_nothing);
	suite_add_tcase(s, failure);
	tcase_add_checked_fixture(remove, setup, teardown);
	tcase_add_test(remove, test_remove);
	suite_add_tcase(s, remove);
	return sp_test_run(s);
}
