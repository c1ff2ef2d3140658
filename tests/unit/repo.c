/* Tests of the repository module against repositories made by real git. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "repo.h"
#include "testlib.h"

#define BIG_SIZE (3u * 1024 * 1024)

static char sandbox[256];
static char work[4096]; /* a work tree with a commit holding every kind */
static char first[SP_OID_HEXSZ + 1]; /* its first commit */
static char head[SP_OID_HEXSZ + 1];  /* its second commit */

static void setup(void)
{
	char home[4096];

	sp_test_tmpdir(sandbox, sizeof(sandbox), "repo");
	snprintf(home, sizeof(home), "%s/home", sandbox);
	snprintf(work, sizeof(work), "%s/work", sandbox);
	sp_test_git_env(home, "1700000000 +0000");
	sp_test_sh(
	    sandbox,
	    "mkdir home && git init -q -b main work && cd work && "
	    "printf '%%s\\n' '---' 'sdk: docker' '---' >README.md && "
	    "git add README.md && git commit -q -m first && "
	    "printf 'FROM scratch\\n' >Dockerfile && "
	    "printf '#!/bin/sh\\n' >run.sh && chmod +x run.sh && "
	    "ln -s README.md link && mkdir dir && printf 'x' >dir/sub.txt && "
	    "head -c %u /dev/zero >big.bin && "
	    "git add . && "
	    "git update-index --add --cacheinfo 160000,$(git rev-parse "
	    "HEAD),sub && "
	    "git commit -q -m second && "
	    "git config spacehook.deployBranch live && "
	    "git config --add spacehook.webhook http://127.0.0.1/a && "
	    "git config --add spacehook.webhook http://127.0.0.1/b",
	    BIG_SIZE);
	sp_test_sh_read(first, sizeof(first), sandbox,
	                "git -C work rev-parse HEAD~1");
	sp_test_sh_read(head, sizeof(head), sandbox,
	                "git -C work rev-parse HEAD");
}

static void teardown(void)
{
	ck_assert_int_eq(sp_test_rmtree(sandbox), 0);
}

static sp_repo *open_work(void)
{
	sp_repo *repo = NULL;

	ck_assert_int_eq(sp_repo_open(&repo, work), 0);
	ck_assert_ptr_nonnull(repo);
	return repo;
}

START_TEST(test_open_by_path_env_and_discovery)
{
	char sub[4200];
	sp_repo *repo = NULL;

	repo = open_work();
	ck_assert_ptr_nonnull(strstr(sp_repo_path(repo), "/work/.git"));
	sp_repo_free(repo);

	setenv("GIT_DIR", sandbox, 1); /* not a repository */
	snprintf(sub, sizeof(sub), "%s/.git", work);
	ck_assert_int_eq(sp_repo_open(&repo, sub), 0); /* the path wins */
	sp_repo_free(repo);
	ck_assert_int_lt(sp_repo_open(&repo, NULL), 0);
	ck_assert_ptr_null(repo);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), sandbox));

	setenv("GIT_DIR", sub, 1);
	ck_assert_int_eq(sp_repo_open(&repo, NULL), 0);
	sp_repo_free(repo);

	unsetenv("GIT_DIR");
	snprintf(sub, sizeof(sub), "%s/dir", work);
	ck_assert_int_eq(chdir(sub), 0);
	ck_assert_int_eq(sp_repo_open(&repo, NULL), 0);
	ck_assert_ptr_nonnull(strstr(sp_repo_path(repo), "/work/.git"));
	sp_repo_free(repo);

	ck_assert_int_eq(sp_repo_open(&repo, "/nonexistent/repo"),
	                 SP_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), "/nonexistent/repo"));
	sp_repo_free(NULL);
}
END_TEST

START_TEST(test_open_odd_paths)
{
	sp_repo *repo = NULL;
	char path[4200], id[SP_OID_HEXSZ + 1];

	sp_test_sh(sandbox, "git clone -q --bare work 'with space:colon.git'");
	snprintf(path, sizeof(path), "%s/with space:colon.git", sandbox);
	ck_assert_int_eq(sp_repo_open(&repo, path), 0);
	ck_assert_int_eq(sp_repo_resolve(id, repo, "main"), 0);
	ck_assert_str_eq(id, head);
	sp_repo_free(repo);
}
END_TEST

static const struct {
	const char *path;
	sp_entry_kind kind;
	size_t size;
} entries[] = {
    {"README.md", SP_ENTRY_BLOB, 20},
    {"Dockerfile", SP_ENTRY_BLOB, 13},
    {"run.sh", SP_ENTRY_EXEC, 10},
    {"link", SP_ENTRY_LINK, 9},
    {"dir", SP_ENTRY_TREE, 0},
    {"dir/sub.txt", SP_ENTRY_BLOB, 1},
    {"sub", SP_ENTRY_SUBMODULE, 0},
    {"big.bin", SP_ENTRY_BLOB, BIG_SIZE},
    {"missing", SP_ENTRY_NONE, 0},
    {"dir/missing", SP_ENTRY_NONE, 0},
    {"README.md/below-a-file", SP_ENTRY_NONE, 0},
    {"readme.md", SP_ENTRY_NONE, 0},
};

START_TEST(test_entry_kinds)
{
	sp_repo *repo = open_work();
	sp_entry_kind kind = SP_ENTRY_BLOB;
	size_t size = 12345;

	ck_assert_int_eq(
	    sp_repo_entry(&kind, &size, repo, head, entries[_i].path), 0);
	ck_assert_msg(kind == entries[_i].kind, "%s: kind %d, expected %d",
	              entries[_i].path, kind, entries[_i].kind);
	ck_assert_uint_eq(size, entries[_i].size);
	sp_repo_free(repo);
}
END_TEST

START_TEST(test_entry_errors)
{
	sp_repo *repo = open_work();
	sp_entry_kind kind;
	size_t size;

	ck_assert_int_eq(sp_repo_entry(&kind, &size, repo, head, ""),
	                 SP_EINVALID);
	ck_assert_int_eq(sp_repo_entry(&kind, &size, repo, head, "/README.md"),
	                 SP_EINVALID);
	ck_assert_int_eq(
	    sp_repo_entry(&kind, &size, repo,
	                  "0123456789012345678901234567890123456789",
	                  "README.md"),
	    SP_ENOTFOUND);
	ck_assert_int_eq(sp_repo_entry(&kind, NULL, repo, first, "Dockerfile"),
	                 0);
	ck_assert_int_eq(kind, SP_ENTRY_NONE);
	ck_assert_int_eq(
	    sp_repo_entry(&kind, &size, repo, "HEAD~1", "README.md"), 0);
	ck_assert_int_eq(kind, SP_ENTRY_BLOB);
	sp_repo_free(repo);
}
END_TEST

START_TEST(test_read_blob)
{
	sp_repo *repo = open_work();
	sp_buf buf = SP_BUF_INIT;

	ck_assert_int_eq(sp_repo_read_blob(&buf, repo, head, "README.md", 1024),
	                 0);
	ck_assert_str_eq(buf.ptr, "---\nsdk: docker\n---\n");
	ck_assert_int_eq(sp_repo_read_blob(&buf, repo, head, "dir/sub.txt", 1),
	                 0);
	ck_assert_str_eq(buf.ptr, "x");
	ck_assert_int_eq(sp_repo_read_blob(&buf, repo, head, "link", 100), 0);
	ck_assert_str_eq(buf.ptr, "README.md");
	ck_assert_int_eq(
	    sp_repo_read_blob(&buf, repo, head, "big.bin", BIG_SIZE), 0);
	ck_assert_uint_eq(buf.size, BIG_SIZE);

	ck_assert_int_eq(sp_repo_read_blob(&buf, repo, head, "missing", 10),
	                 SP_ENOTFOUND);
	ck_assert_uint_eq(buf.size, 0);
	ck_assert_int_eq(sp_repo_read_blob(&buf, repo, head, "dir", 10),
	                 SP_EINVALID);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), "directory"));
	ck_assert_int_eq(sp_repo_read_blob(&buf, repo, head, "sub", 10),
	                 SP_EINVALID);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), "submodule"));
	sp_buf_dispose(&buf);
	sp_repo_free(repo);
}
END_TEST

START_TEST(test_read_blob_too_big)
{
	sp_repo *repo = open_work();
	sp_buf buf = SP_BUF_INIT;

	sp_buf_puts(&buf, "old");
	ck_assert_int_eq(
	    sp_repo_read_blob(&buf, repo, head, "big.bin", BIG_SIZE - 1),
	    SP_ETOOBIG);
	ck_assert_uint_eq(buf.size, 0);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), "big.bin"));
	ck_assert_int_eq(sp_repo_read_blob(&buf, repo, head, "README.md", 19),
	                 SP_ETOOBIG);
	sp_buf_dispose(&buf);
	sp_repo_free(repo);
}
END_TEST

START_TEST(test_resolve)
{
	sp_repo *repo = open_work();
	char id[SP_OID_HEXSZ + 1], tree[SP_OID_HEXSZ + 1], shortid[8];

	ck_assert_int_eq(sp_repo_resolve(id, repo, "HEAD"), 0);
	ck_assert_str_eq(id, head);
	ck_assert_int_eq(sp_repo_resolve(id, repo, "main"), 0);
	ck_assert_str_eq(id, head);
	ck_assert_int_eq(sp_repo_resolve(id, repo, "refs/heads/main~1"), 0);
	ck_assert_str_eq(id, first);
	ck_assert_int_eq(sp_repo_resolve(id, repo, head), 0);
	ck_assert_str_eq(id, head);
	snprintf(shortid, sizeof(shortid), "%.7s", first);
	ck_assert_int_eq(sp_repo_resolve(id, repo, shortid), 0);
	ck_assert_str_eq(id, first);

	ck_assert_int_eq(sp_repo_resolve(id, repo, "nope"), SP_ENOTFOUND);
	ck_assert_str_eq(id, "");
	ck_assert_ptr_nonnull(strstr(sp_error_last(), "nope"));
	ck_assert_int_eq(sp_repo_resolve(id, repo, ""), SP_EINVALID);
	sp_test_sh_read(tree, sizeof(tree), sandbox,
	                "git -C work rev-parse HEAD^{tree}");
	ck_assert_int_eq(sp_repo_resolve(id, repo, tree), SP_EINVALID);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), "not a commit"));
	sp_repo_free(repo);
}
END_TEST

static int collect(const char *value, void *payload)
{
	sp_buf *buf = payload;

	sp_buf_printf(buf, "[%s]", value);
	return 0;
}

static int stop_at_first(const char *value, void *payload)
{
	(void)value;
	(void)payload;
	return 42;
}

START_TEST(test_config)
{
	sp_repo *repo = open_work();
	sp_buf buf = SP_BUF_INIT;
	char *value = NULL;

	ck_assert_int_eq(
	    sp_repo_config_get(&value, repo, "spacehook.deployBranch"), 0);
	ck_assert_str_eq(value, "live");
	free(value);
	ck_assert_int_eq(
	    sp_repo_config_get(&value, repo, "SpaceHook.DEPLOYBRANCH"), 0);
	ck_assert_str_eq(value, "live");
	free(value);
	ck_assert_int_eq(sp_repo_config_get(&value, repo, "spacehook.nothing"),
	                 SP_ENOTFOUND);
	ck_assert_ptr_null(value);
	ck_assert_int_eq(sp_repo_config_get(&value, repo, "not a key"),
	                 SP_EINVALID);

	ck_assert_int_eq(
	    sp_repo_config_foreach(repo, "spacehook.webhook", collect, &buf),
	    0);
	ck_assert_str_eq(buf.ptr, "[http://127.0.0.1/a][http://127.0.0.1/b]");
	sp_buf_clear(&buf);
	ck_assert_int_eq(
	    sp_repo_config_foreach(repo, "spacehook.none", collect, &buf), 0);
	ck_assert_str_eq(buf.ptr, "");
	ck_assert_int_eq(sp_repo_config_foreach(repo, "spacehook.webhook",
	                                        stop_at_first, NULL),
	                 42);
	sp_buf_dispose(&buf);
	sp_repo_free(repo);
}
END_TEST

START_TEST(test_quarantine)
{
	sp_repo *repo = NULL;
	sp_buf buf = SP_BUF_INIT;
	char commit[SP_OID_HEXSZ + 1], q[4200];
	sp_entry_kind kind;
	size_t size;

	/* A commit whose objects live only in a separate directory, as during a
	 * push. */
	snprintf(q, sizeof(q), "%s/quarantine dir:1", sandbox);
	sp_test_sh(
	    sandbox,
	    "mkdir 'quarantine dir:1' && cd work && "
	    "export GIT_OBJECT_DIRECTORY='%s' "
	    "GIT_ALTERNATE_OBJECT_DIRECTORIES=\"$PWD/.git/objects\" && "
	    "blob=$(printf 'quarantined\\n' | git hash-object -w --stdin) && "
	    "tree=$(printf '100644 blob %%s\\tREADME.md\\n' $blob | git "
	    "mktree) "
	    "&& "
	    "git commit-tree -m q $tree >../q-commit",
	    q);
	sp_test_sh_read(commit, sizeof(commit), sandbox, "cat q-commit");

	repo = open_work();
	ck_assert_int_eq(sp_repo_entry(&kind, &size, repo, commit, "README.md"),
	                 SP_ENOTFOUND);
	sp_repo_free(repo);

	setenv("GIT_QUARANTINE_PATH", q, 1);
	setenv("GIT_OBJECT_DIRECTORY", q, 1);
	repo = open_work();
	ck_assert_int_eq(sp_repo_entry(&kind, &size, repo, commit, "README.md"),
	                 0);
	ck_assert_int_eq(kind, SP_ENTRY_BLOB);
	ck_assert_uint_eq(size, 12);
	ck_assert_int_eq(
	    sp_repo_read_blob(&buf, repo, commit, "README.md", 100), 0);
	ck_assert_str_eq(buf.ptr, "quarantined\n");
	/* The repository's own objects are still there. */
	ck_assert_int_eq(
	    sp_repo_read_blob(&buf, repo, head, "dir/sub.txt", 100), 0);
	sp_repo_free(repo);

	/* Packed in the quarantine, as git keeps a push of many objects. */
	sp_test_sh(sandbox,
	           "cd work && export GIT_OBJECT_DIRECTORY='%s' "
	           "GIT_ALTERNATE_OBJECT_DIRECTORIES=\"$PWD/.git/objects\" && "
	           "mkdir -p \"$GIT_OBJECT_DIRECTORY/pack\" && "
	           "git rev-list --objects $(cat ../q-commit) --not %s | "
	           "git pack-objects -q \"$GIT_OBJECT_DIRECTORY/pack/pack\" "
	           ">/dev/null "
	           "&& "
	           "git prune-packed",
	           q, head);
	sp_test_sh(
	    sandbox,
	    "test -z \"$(find '%s' -path '*/pack' -prune -o -type f -print)\"",
	    q);
	unsetenv("GIT_QUARANTINE_PATH");
	repo = open_work();
	ck_assert_int_eq(
	    sp_repo_read_blob(&buf, repo, commit, "README.md", 100), 0);
	ck_assert_str_eq(buf.ptr, "quarantined\n");
	sp_repo_free(repo);
	sp_buf_dispose(&buf);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("repo");
	TCase *open = tcase_create("open");
	TCase *entry = tcase_create("entry");
	TCase *blob = tcase_create("blob");
	TCase *resolve = tcase_create("resolve");
	TCase *config = tcase_create("config");
	TCase *quarantine = tcase_create("quarantine");
	TCase *all[] = {open, entry, blob, resolve, config, quarantine};

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		tcase_add_checked_fixture(all[i], setup, teardown);
		suite_add_tcase(s, all[i]);
	}
	tcase_add_test(open, test_open_by_path_env_and_discovery);
	tcase_add_test(open, test_open_odd_paths);
	tcase_add_loop_test(entry, test_entry_kinds, 0,
	                    (int)(sizeof(entries) / sizeof(entries[0])));
	tcase_add_test(entry, test_entry_errors);
	tcase_add_test(blob, test_read_blob);
	tcase_add_test(blob, test_read_blob_too_big);
	tcase_add_test(resolve, test_resolve);
	tcase_add_test(config, test_config);
	tcase_add_test(quarantine, test_quarantine);
	return sp_test_run(s);
}
