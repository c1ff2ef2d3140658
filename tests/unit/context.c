/* Tests of the build context: a real repository written as a tar and read back with libarchive. */
#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "context.h"
#include "error.h"
#include "repo.h"

#include "banned.h"

#define COMMIT_TIME 1700000000

static char sandbox[] = "/tmp/spacehook-context.XXXXXX";
static sp_buf repo_dir = SP_BUF_INIT;
static sp_buf long150 = SP_BUF_INIT;
static sp_buf long300 = SP_BUF_INIT;

/* One entry of an archive as read back. */
struct entry {
	char *name; /* without a trailing '/' */
	mode_t type;
	mode_t perm;
	int64_t size;
	time_t mtime;
	int64_t uid, gid;
	sp_buf data;
	char *link;
};

struct listing {
	struct entry *v;
	size_t n;
};

static void listing_dispose(struct listing *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].link);
		sp_buf_dispose(&l->v[i].data);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static const struct entry *listing_find(const struct listing *l,
					const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, name))
			return &l->v[i];
	return NULL;
}

/* Read a tar file back with libarchive, every entry and its contents. */
static void read_tar(struct listing *out, const char *path)
{
	struct archive *ar = archive_read_new();
	struct archive_entry *ae;
	int r;

	ck_assert_ptr_nonnull(ar);
	archive_read_support_format_tar(ar);
	ck_assert_int_eq(archive_read_open_filename(ar, path, 10240),
			 ARCHIVE_OK);
	/* ARCHIVE_WARN: a UTF-8 name this process's C locale cannot show. */
	while ((r = archive_read_next_header(ar, &ae)) == ARCHIVE_OK ||
	       r == ARCHIVE_WARN) {
		struct entry *e;
		const char *name = archive_entry_pathname_utf8(ae) ?
					   archive_entry_pathname_utf8(ae) :
					   archive_entry_pathname(ae);
		size_t len;
		char chunk[8192];
		la_ssize_t n;

		out->v = realloc(out->v, (out->n + 1) * sizeof(*out->v));
		ck_assert_ptr_nonnull(out->v);
		e = &out->v[out->n++];
		memset(e, 0, sizeof(*e));
		sp_buf_init(&e->data);
		ck_assert_ptr_nonnull(name);
		e->name = sp_strdup(name);
		len = strlen(e->name);
		if (len > 1 && e->name[len - 1] == '/')
			e->name[len - 1] = '\0';
		e->type = archive_entry_filetype(ae);
		e->perm = archive_entry_perm(ae);
		e->size = archive_entry_size(ae);
		e->mtime = archive_entry_mtime(ae);
		e->uid = archive_entry_uid(ae);
		e->gid = archive_entry_gid(ae);
		if (archive_entry_symlink_utf8(ae))
			e->link = sp_strdup(archive_entry_symlink_utf8(ae));
		while ((n = archive_read_data(ar, chunk, sizeof(chunk))) > 0)
			ck_assert_int_eq(sp_buf_put(&e->data, chunk, (size_t)n),
					 0);
		ck_assert_int_ge(n, 0);
	}
	ck_assert_msg(r == ARCHIVE_EOF, "reading %s: %s", path,
		      archive_error_string(ar));
	archive_read_free(ar);
}

/* Run a shell script in the sandbox; the script is fixed text of this file. */
static int run_script(const char *script)
{
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (chdir(sandbox) < 0)
			_exit(127);
		execl("/bin/sh", "sh", "-e", "-c", script, (char *)NULL);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void make_path(sp_buf *out, size_t first, size_t rest, int parts)
{
	sp_buf_clear(out);
	for (int i = 0; i < parts; i++) {
		size_t n = i == 0 ? first : rest;

		if (i)
			sp_buf_putc(out, '/');
		for (size_t j = 0; j < n; j++)
			sp_buf_putc(out, (char)('a' + i));
	}
}

static const char make_repo_script[] =
	"git init -q w\n"
	"cd w\n"
	"printf 'hello\\n' > a.txt\n"
	"printf '#!/bin/sh\\necho run\\n' > run.sh\n"
	"chmod 755 run.sh\n"
	"ln -s a.txt link\n"
	"mkdir -p dir/sub\n"
	"printf 'nested\\n' > dir/sub/deep.txt\n"
	": > empty\n"
	"printf 'unicode\\n' > 'sp ace \xc3\xa9\xe2\x82\xac.txt'\n"
	"mkdir -p \"$(dirname \"$LONG150\")\" \"$(dirname \"$LONG300\")\"\n"
	"printf 'long 150\\n' > \"$LONG150\"\n"
	"printf 'long 300\\n' > \"$LONG300\"\n"
	"git add -A\n"
	"git commit -q -m first\n"
	"git update-index --add --cacheinfo 160000,$(git rev-parse HEAD),sub\n"
	"git commit -q -m 'with a submodule'\n"
	"git -c tar.umask=022 archive --format=tar -o ../git.tar HEAD\n";

static void setup_repo(void)
{
	ck_assert_ptr_nonnull(mkdtemp(sandbox));
	sp_buf_printf(&repo_dir, "%s/w", sandbox);
	sp_buf_clear(&long150);
	make_path(&long150, 50, 49, 3);       /* 50+1+49+1+49 = 150 */
	make_path(&long300, 60, 59, 5);       /* 60+4*(1+59) = 300 */
	ck_assert_uint_eq(long150.size, 150);
	ck_assert_uint_eq(long300.size, 300);

	setenv("HOME", sandbox, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_AUTHOR_NAME", "A U Thor", 1);
	setenv("GIT_AUTHOR_EMAIL", "author@example.com", 1);
	setenv("GIT_COMMITTER_NAME", "C O Mitter", 1);
	setenv("GIT_COMMITTER_EMAIL", "committer@example.com", 1);
	setenv("GIT_AUTHOR_DATE", "1600000000 +0000", 1);
	setenv("GIT_COMMITTER_DATE", "1700000000 +0000", 1);
	setenv("LONG150", long150.ptr, 1);
	setenv("LONG300", long300.ptr, 1);
	ck_assert_int_eq(run_script(make_repo_script), 0);
}

static void teardown_repo(void)
{
	sp_buf cmd = SP_BUF_INIT;

	sp_buf_printf(&cmd, "rm -rf '%s'", sandbox);
	ck_assert_int_eq(run_script(cmd.ptr), 0);
	sp_buf_dispose(&cmd);
	memcpy(sandbox + strlen(sandbox) - 6, "XXXXXX", 6);
	sp_buf_dispose(&repo_dir);
}

struct warnings {
	int count;
	sp_buf text;
};

static void collect_warning(const char *msg, void *payload)
{
	struct warnings *w = payload;

	w->count++;
	sp_buf_printf(&w->text, "%s\n", msg);
}

/* Write the context of `rev` into a file of the sandbox; returns the code. */
static int write_context(sp_buf *tar_path, const char *rev,
			 const sp_context_options *opts,
			 sp_context_stats *stats)
{
	sp_repo *repo = NULL;
	int fd, error;

	sp_buf_clear(tar_path);
	sp_buf_printf(tar_path, "%s/context.tar", sandbox);
	fd = open(tar_path->ptr, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sp_repo_open(&repo, repo_dir.ptr), 0);
	error = sp_context_write(repo, rev, fd, opts, stats);
	sp_repo_free(repo);
	ck_assert_int_eq(close(fd), 0);
	return error;
}

/* What the archive of the test repository must hold, in this order. */
struct expected {
	const char *name; /* NULL: long150 / long300 or their directories */
	int which;        /* 150 or 300 with name NULL; depth of the dir */
	int dir_depth;    /* with name NULL: 0 the file, n its n-th parent */
	mode_t type;
	mode_t perm;
	const char *data; /* file contents, or link target */
};

static const struct expected expected_entries[] = {
	{ "a.txt", 0, 0, AE_IFREG, 0644, "hello\n" },
	{ NULL, 150, 2, AE_IFDIR, 0755, NULL },
	{ NULL, 150, 1, AE_IFDIR, 0755, NULL },
	{ NULL, 150, 0, AE_IFREG, 0644, "long 150\n" },
	{ NULL, 300, 4, AE_IFDIR, 0755, NULL },
	{ NULL, 300, 3, AE_IFDIR, 0755, NULL },
	{ NULL, 300, 2, AE_IFDIR, 0755, NULL },
	{ NULL, 300, 1, AE_IFDIR, 0755, NULL },
	{ NULL, 300, 0, AE_IFREG, 0644, "long 300\n" },
	{ "dir", 0, 0, AE_IFDIR, 0755, NULL },
	{ "dir/sub", 0, 0, AE_IFDIR, 0755, NULL },
	{ "dir/sub/deep.txt", 0, 0, AE_IFREG, 0644, "nested\n" },
	{ "empty", 0, 0, AE_IFREG, 0644, "" },
	{ "link", 0, 0, AE_IFLNK, 0777, "a.txt" },
	{ "run.sh", 0, 0, AE_IFREG, 0755, "#!/bin/sh\necho run\n" },
	{ "sp ace \xc3\xa9\xe2\x82\xac.txt", 0, 0, AE_IFREG, 0644,
	  "unicode\n" },
};

#define N_EXPECTED (sizeof(expected_entries) / sizeof(expected_entries[0]))

static void expected_name(sp_buf *out, const struct expected *x)
{
	sp_buf_clear(out);
	if (x->name) {
		sp_buf_puts(out, x->name);
		return;
	}
	sp_buf_puts(out, x->which == 150 ? long150.ptr : long300.ptr);
	for (int i = 0; i < x->dir_depth; i++)
		sp_buf_truncate(out, (size_t)(strrchr(out->ptr, '/') -
					      out->ptr));
}

START_TEST(test_entries)
{
	sp_context_options opts = SP_CONTEXT_OPTIONS_INIT;
	sp_context_stats stats;
	struct warnings warn = { 0, SP_BUF_INIT };
	struct listing got = { 0 };
	sp_buf tar = SP_BUF_INIT, name = SP_BUF_INIT;
	uint64_t bytes = 0;
	size_t files = 0;

	opts.warn = collect_warning;
	opts.payload = &warn;
	ck_assert_msg(write_context(&tar, "HEAD", &opts, &stats) == 0, "%s",
		      sp_error_last());
	read_tar(&got, tar.ptr);

	ck_assert_uint_eq(got.n, N_EXPECTED);
	for (size_t i = 0; i < N_EXPECTED; i++) {
		const struct expected *x = &expected_entries[i];
		const struct entry *e = &got.v[i];

		expected_name(&name, x);
		ck_assert_str_eq(e->name, name.ptr);
		ck_assert_msg(e->type == x->type, "%s: type %o", e->name,
			      (unsigned)e->type);
		ck_assert_msg(e->perm == x->perm, "%s: mode %o", e->name,
			      (unsigned)e->perm);
		ck_assert_int_eq(e->mtime, COMMIT_TIME);
		ck_assert_int_eq(e->uid, 0);
		ck_assert_int_eq(e->gid, 0);
		ck_assert(e->name[0] != '/' && strncmp(e->name, "./", 2));
		if (x->type == AE_IFREG) {
			ck_assert_int_eq(e->size, (int64_t)strlen(x->data));
			ck_assert_uint_eq(e->data.size, strlen(x->data));
			ck_assert_str_eq(e->data.ptr, x->data);
			bytes += strlen(x->data);
			files++;
		} else if (x->type == AE_IFLNK) {
			ck_assert_ptr_nonnull(e->link);
			ck_assert_str_eq(e->link, x->data);
			ck_assert_int_eq(e->size, 0);
		} else {
			ck_assert_int_eq(e->size, 0);
		}
	}
	ck_assert_ptr_null(listing_find(&got, "sub"));

	ck_assert_int_eq(warn.count, 1);
	ck_assert_ptr_nonnull(strstr(warn.text.ptr, "submodule 'sub'"));
	ck_assert_uint_eq(stats.files, files);
	ck_assert_uint_eq(stats.dirs, 8);
	ck_assert_uint_eq(stats.symlinks, 1);
	ck_assert_uint_eq(stats.submodules, 1);
	ck_assert_uint_eq(stats.bytes, bytes);
	ck_assert_uint_eq(stats.largest, strlen("#!/bin/sh\necho run\n"));

	listing_dispose(&got);
	sp_buf_dispose(&tar);
	sp_buf_dispose(&name);
	sp_buf_dispose(&warn.text);
}
END_TEST

START_TEST(test_same_as_git_archive)
{
	struct listing ours = { 0 }, theirs = { 0 };
	sp_buf tar = SP_BUF_INIT, git_tar = SP_BUF_INIT;
	size_t j = 0;

	ck_assert_int_eq(write_context(&tar, "HEAD", NULL, NULL), 0);
	read_tar(&ours, tar.ptr);
	sp_buf_printf(&git_tar, "%s/git.tar", sandbox);
	read_tar(&theirs, git_tar.ptr);

	/* git archive writes a gitlink as an empty directory; we leave it out. */
	for (size_t i = 0; i < theirs.n; i++) {
		const struct entry *t = &theirs.v[i];

		if (!strcmp(t->name, "sub"))
			continue;
		ck_assert_uint_lt(j, ours.n);
		ck_assert_str_eq(ours.v[j].name, t->name);
		ck_assert_msg(ours.v[j].type == t->type &&
				      ours.v[j].perm == t->perm,
			      "%s: %o %o vs git %o %o", t->name,
			      (unsigned)ours.v[j].type,
			      (unsigned)ours.v[j].perm, (unsigned)t->type,
			      (unsigned)t->perm);
		ck_assert_uint_eq(ours.v[j].data.size, t->data.size);
		ck_assert(!memcmp(ours.v[j].data.ptr, t->data.ptr,
				  t->data.size));
		ck_assert_int_eq(ours.v[j].mtime, t->mtime);
		j++;
	}
	ck_assert_uint_eq(j, ours.n);
	ck_assert_uint_eq(ours.n, N_EXPECTED);

	listing_dispose(&ours);
	listing_dispose(&theirs);
	sp_buf_dispose(&tar);
	sp_buf_dispose(&git_tar);
}
END_TEST

/* Limits and bad revisions: each fails with its code and a message. */
static const struct {
	const char *rev;
	uint64_t max_blob, max_total;
	int code;
	const char *message;
} failures[] = {
	{ "no-such-ref", 0, 0, SP_ENOTFOUND, "no-such-ref" },
	{ "HEAD", 5, 0, SP_ETOOBIG, "a.txt" },
	{ "HEAD", 0, 20, SP_ETOOBIG, "too big" },
	{ "HEAD:a.txt", 0, 0, SP_ERROR, "" },
};

START_TEST(test_failures)
{
	sp_context_options opts = SP_CONTEXT_OPTIONS_INIT;
	sp_buf tar = SP_BUF_INIT;
	int error;

	opts.max_blob = failures[_i].max_blob;
	opts.max_total = failures[_i].max_total;
	error = write_context(&tar, failures[_i].rev, &opts, NULL);
	ck_assert_int_lt(error, 0);
	if (failures[_i].code != SP_ERROR)
		ck_assert_int_eq(error, failures[_i].code);
	ck_assert_str_ne(sp_error_last(), "");
	ck_assert_msg(strstr(sp_error_last(), failures[_i].message), "%s",
		      sp_error_last());
	sp_buf_dispose(&tar);
}
END_TEST

START_TEST(test_limits_that_fit)
{
	sp_context_options opts = SP_CONTEXT_OPTIONS_INIT;
	sp_buf tar = SP_BUF_INIT;

	opts.max_blob = strlen("#!/bin/sh\necho run\n");
	opts.max_total = 1000;
	ck_assert_int_eq(write_context(&tar, "HEAD", &opts, NULL), 0);
	sp_buf_dispose(&tar);
}
END_TEST

static int collect_bytes(const void *data, size_t len, void *payload)
{
	return sp_buf_put(payload, data, len);
}

struct failing {
	size_t calls;
	size_t fail_at;
};

static int fail_writer(const void *data, size_t len, void *payload)
{
	struct failing *f = payload;

	if (++f->calls >= f->fail_at)
		return sp_error_set(SP_ECANCELED, "reader gave up");
	return 0;
}

START_TEST(test_callback_same_bytes)
{
	sp_repo *repo = NULL;
	sp_buf tar = SP_BUF_INIT, file = SP_BUF_INIT, bytes = SP_BUF_INIT;

	ck_assert_int_eq(write_context(&tar, "HEAD", NULL, NULL), 0);
	ck_assert_int_eq(sp_buf_read_file(&file, tar.ptr, 1 << 20), 0);
	ck_assert_int_eq(sp_repo_open(&repo, repo_dir.ptr), 0);
	ck_assert_int_eq(sp_context_write_cb(repo, "HEAD", collect_bytes,
					     &bytes, NULL, NULL),
			 0);
	ck_assert_uint_gt(bytes.size, 0);
	ck_assert_uint_eq(bytes.size % 512, 0);
	ck_assert_uint_eq(bytes.size, file.size);
	ck_assert(!memcmp(bytes.ptr, file.ptr, file.size));
	sp_repo_free(repo);
	sp_buf_dispose(&tar);
	sp_buf_dispose(&file);
	sp_buf_dispose(&bytes);
}
END_TEST

START_TEST(test_callback_error_stops)
{
	sp_repo *repo = NULL;
	struct failing f = { 0, 1 };
	sp_context_stats stats;

	ck_assert_int_eq(sp_repo_open(&repo, repo_dir.ptr), 0);
	ck_assert_int_eq(sp_context_write_cb(repo, "HEAD", fail_writer, &f,
					     NULL, &stats),
			 SP_ECANCELED);
	ck_assert_str_eq(sp_error_last(), "reader gave up");
	ck_assert_uint_eq(f.calls, 1);
	sp_repo_free(repo);
}
END_TEST

START_TEST(test_reader_gone)
{
	sp_repo *repo = NULL;
	int fds[2];
	sigset_t mask, pending;

	ck_assert_int_eq(pipe(fds), 0);
	ck_assert_int_eq(close(fds[0]), 0);
	ck_assert_int_eq(sp_repo_open(&repo, repo_dir.ptr), 0);
	/* With SIGPIPE at its default action this would kill the test. */
	ck_assert_int_eq(sp_context_write(repo, "HEAD", fds[1], NULL, NULL),
			 SP_EIO);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), "Broken pipe"));
	sigemptyset(&pending);
	ck_assert_int_eq(sigpending(&pending), 0);
	ck_assert(!sigismember(&pending, SIGPIPE));
	ck_assert_int_eq(pthread_sigmask(SIG_BLOCK, NULL, &mask), 0);
	ck_assert(!sigismember(&mask, SIGPIPE));
	close(fds[1]);
	sp_repo_free(repo);
}
END_TEST

/* A tree written by hand with an entry name git would never check out. */
static void write_bad_commit(char out[GIT_OID_HEXSZ + 1], const char *name,
			     unsigned mode)
{
	git_repository *git = NULL;
	git_odb *odb = NULL;
	git_oid blob, tree, commit;
	git_tree *t = NULL;
	git_signature *sig = NULL;
	sp_buf raw = SP_BUF_INIT;

	ck_assert_int_eq(git_libgit2_init() > 0, 1);
	ck_assert_int_eq(git_repository_open(&git, repo_dir.ptr), 0);
	ck_assert_int_eq(git_repository_odb(&odb, git), 0);
	ck_assert_int_eq(git_odb_write(&blob, odb, "x\n", 2, GIT_OBJECT_BLOB),
			 0);
	sp_buf_printf(&raw, "%o %s", mode, name);
	sp_buf_put(&raw, "", 1);
	sp_buf_put(&raw, blob.id, GIT_OID_RAWSZ);
	ck_assert_int_eq(git_odb_write(&tree, odb, raw.ptr, raw.size,
				       GIT_OBJECT_TREE),
			 0);
	ck_assert_int_eq(git_signature_new(&sig, "A", "a@example.com",
					   COMMIT_TIME, 0),
			 0);
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 0);
	ck_assert_int_eq(git_tree_lookup(&t, git, &tree), 0);
	ck_assert_int_eq(git_commit_create(&commit, git, NULL, sig, sig,
					   NULL, "bad", t, 0, NULL),
			 0);
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 1);
	git_oid_tostr(out, GIT_OID_HEXSZ + 1, &commit);
	git_tree_free(t);
	git_signature_free(sig);
	git_odb_free(odb);
	git_repository_free(git);
	git_libgit2_shutdown();
	sp_buf_dispose(&raw);
}

static const struct {
	const char *name;
	unsigned mode;
} bad_trees[] = {
	{ "..", 0100644 },
	{ ".", 0100644 },
	{ "a/b", 0100644 },
};

START_TEST(test_bad_tree)
{
	char commit[GIT_OID_HEXSZ + 1];
	sp_buf tar = SP_BUF_INIT;
	int error;

	write_bad_commit(commit, bad_trees[_i].name, bad_trees[_i].mode);
	error = write_context(&tar, commit, NULL, NULL);
	ck_assert_msg(error < 0, "entry '%s' accepted", bad_trees[_i].name);
	ck_assert_str_ne(sp_error_last(), "");
	sp_buf_dispose(&tar);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("context");
	TCase *tc;
	SRunner *sr;
	int failed;

	tc = tcase_create("entries");
	tcase_add_checked_fixture(tc, setup_repo, teardown_repo);
	tcase_add_test(tc, test_entries);
	tcase_add_test(tc, test_same_as_git_archive);
	suite_add_tcase(s, tc);

	tc = tcase_create("failures");
	tcase_add_checked_fixture(tc, setup_repo, teardown_repo);
	tcase_add_loop_test(tc, test_failures, 0,
			    sizeof(failures) / sizeof(failures[0]));
	tcase_add_test(tc, test_limits_that_fit);
	tcase_add_loop_test(tc, test_bad_tree, 0,
			    sizeof(bad_trees) / sizeof(bad_trees[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("writers");
	tcase_add_checked_fixture(tc, setup_repo, teardown_repo);
	tcase_add_test(tc, test_callback_same_bytes);
	tcase_add_test(tc, test_callback_error_stops);
	tcase_add_test(tc, test_reader_gone);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
