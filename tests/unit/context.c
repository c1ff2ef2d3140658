/* Tests of the build context: a real repository written as a tar and read back
 * with libarchive. */
#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <pthread.h>
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
#include "testlib.h"

#include "banned.h"

#define COMMIT_TIME 1700000000

static char sandbox[256];
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
		const char *name = archive_entry_pathname_utf8(ae)
		                       ? archive_entry_pathname_utf8(ae)
		                       : archive_entry_pathname(ae);
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
			sp_buf_put(&e->data, chunk, (size_t)n);
		ck_assert_int_ge(n, 0);
	}
	ck_assert_msg(r == ARCHIVE_EOF, "reading %s: %s", path,
	              archive_error_string(ar));
	archive_read_free(ar);
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

/* A sandbox with a pinned git identity and commit time. */
static void setup_sandbox(void)
{
	sp_test_tmpdir(sandbox, sizeof(sandbox), "context");
	sp_buf_clear(&repo_dir);
	sp_buf_printf(&repo_dir, "%s/w", sandbox);
	sp_test_git_env(sandbox, "1600000000 +0000");
}

static void setup_repo(void)
{
	setup_sandbox();
	sp_buf_clear(&long150);
	make_path(&long150, 50, 49, 3); /* 50+1+49+1+49 = 150 */
	make_path(&long300, 60, 59, 5); /* 60+4*(1+59) = 300 */
	ck_assert_uint_eq(long150.size, 150);
	ck_assert_uint_eq(long300.size, 300);
	setenv("LONG150", long150.ptr, 1);
	setenv("LONG300", long300.ptr, 1);
	sp_test_sh(sandbox, "%s", make_repo_script);
}

static void teardown_repo(void)
{
	ck_assert_int_eq(sp_test_rmtree(sandbox), 0);
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
    {"a.txt", 0, 0, AE_IFREG, 0644, "hello\n"},
    {NULL, 150, 2, AE_IFDIR, 0755, NULL},
    {NULL, 150, 1, AE_IFDIR, 0755, NULL},
    {NULL, 150, 0, AE_IFREG, 0644, "long 150\n"},
    {NULL, 300, 4, AE_IFDIR, 0755, NULL},
    {NULL, 300, 3, AE_IFDIR, 0755, NULL},
    {NULL, 300, 2, AE_IFDIR, 0755, NULL},
    {NULL, 300, 1, AE_IFDIR, 0755, NULL},
    {NULL, 300, 0, AE_IFREG, 0644, "long 300\n"},
    {"dir", 0, 0, AE_IFDIR, 0755, NULL},
    {"dir/sub", 0, 0, AE_IFDIR, 0755, NULL},
    {"dir/sub/deep.txt", 0, 0, AE_IFREG, 0644, "nested\n"},
    {"empty", 0, 0, AE_IFREG, 0644, ""},
    {"link", 0, 0, AE_IFLNK, 0777, "a.txt"},
    {"run.sh", 0, 0, AE_IFREG, 0755, "#!/bin/sh\necho run\n"},
    {"sp ace \xc3\xa9\xe2\x82\xac.txt", 0, 0, AE_IFREG, 0644, "unicode\n"},
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
		sp_buf_truncate(out,
		                (size_t)(strrchr(out->ptr, '/') - out->ptr));
}

START_TEST(test_entries)
{
	sp_context_options opts = SP_CONTEXT_OPTIONS_INIT;
	sp_context_stats stats;
	struct warnings warn = {0, SP_BUF_INIT};
	struct listing got = {0};
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
	struct listing ours = {0}, theirs = {0};
	sp_buf tar = SP_BUF_INIT, git_tar = SP_BUF_INIT;
	size_t j = 0;

	ck_assert_int_eq(write_context(&tar, "HEAD", NULL, NULL), 0);
	read_tar(&ours, tar.ptr);
	sp_buf_printf(&git_tar, "%s/git.tar", sandbox);
	read_tar(&theirs, git_tar.ptr);

	/* git archive writes a gitlink as an empty directory; we leave it out.
	 */
	for (size_t i = 0; i < theirs.n; i++) {
		const struct entry *t = &theirs.v[i];

		if (!strcmp(t->name, "sub"))
			continue;
		ck_assert_uint_lt(j, ours.n);
		ck_assert_str_eq(ours.v[j].name, t->name);
		ck_assert_msg(
		    ours.v[j].type == t->type && ours.v[j].perm == t->perm,
		    "%s: %o %o vs git %o %o", t->name, (unsigned)ours.v[j].type,
		    (unsigned)ours.v[j].perm, (unsigned)t->type,
		    (unsigned)t->perm);
		ck_assert_uint_eq(ours.v[j].data.size, t->data.size);
		ck_assert(
		    !memcmp(ours.v[j].data.ptr, t->data.ptr, t->data.size));
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
    {"no-such-ref", 0, 0, SP_ENOTFOUND, "no-such-ref"},
    {"HEAD", 5, 0, SP_ETOOBIG, "a.txt"},
    {"HEAD", 0, 20, SP_ETOOBIG, "too big"},
    {"HEAD:a.txt", 0, 0, SP_ERROR, ""},
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

/*
 * What a refusal says: the file, its size, the limit and the setting ("%s":
 * the path of 150 bytes).
 */
static const struct {
	uint64_t max_blob, max_total;
	const char *message;
} limit_messages[] = {
    {5, 0,
     "file 'a.txt' is too big for the build context: 6 bytes, over the "
     "5 bytes limit on a file (spacehook.maxBlobSize)"},
    {8, 0,
     "file '%s' is too big for the build context: 9 bytes, over the "
     "8 bytes limit on a file (spacehook.maxBlobSize)"},
    {0, 14,
     "the build context is too big: with '%s' (9 bytes) its files come "
     "to 15 bytes, over the 14 bytes limit on them all "
     "(spacehook.maxContextSize)"},
    {0, 5,
     "the build context is too big: with 'a.txt' (6 bytes) its files "
     "come to 6 bytes, over the 5 bytes limit on them all "
     "(spacehook.maxContextSize)"},
};

START_TEST(test_limit_messages)
{
	sp_context_options opts = SP_CONTEXT_OPTIONS_INIT;
	sp_context_stats stats;
	sp_buf tar = SP_BUF_INIT, want = SP_BUF_INIT;

	opts.max_blob = limit_messages[_i].max_blob;
	opts.max_total = limit_messages[_i].max_total;
	sp_buf_printf(&want, limit_messages[_i].message, long150.ptr);
	ck_assert_int_eq(write_context(&tar, "HEAD", &opts, &stats),
	                 SP_ETOOBIG);
	ck_assert_str_eq(sp_error_last(), want.ptr);
	sp_buf_dispose(&tar);
	sp_buf_dispose(&want);
}
END_TEST

/* Sizes in words: units from KiB up, bytes when rounding hides the difference.
 */
static const struct {
	uint64_t max_blob, size;
	const char *sizes;
} size_words[] = {
    {1024, 1025, "1025 bytes, over the 1024 bytes limit"},
    {1 << 20, 2 << 20, "2 MiB, over the 1 MiB limit"},
    {1 << 20, (2 << 20) + 1, "2.0 MiB, over the 1 MiB limit"},
    {1536, 4096, "4 KiB, over the 1.5 KiB limit"},
    {1 << 20, (1 << 20) + 1, "1048577 bytes, over the 1048576 bytes limit"},
};

START_TEST(test_size_words)
{
	sp_context_options opts = SP_CONTEXT_OPTIONS_INIT;
	sp_buf tar = SP_BUF_INIT;
	sp_repo *repo = NULL;
	git_repository *git = NULL;
	git_odb *odb = NULL;
	git_odb_stream *ws = NULL;
	git_oid blob, tree, commit;
	git_treebuilder *tb = NULL;
	git_tree *t = NULL;
	git_signature *sig = NULL;
	char hex[GIT_OID_HEXSZ + 1];
	static char zeros[65536];
	uint64_t left = size_words[_i].size;

	/* A blob of that size, written as a stream of zeros. */
	ck_assert_int_ge(git_libgit2_init(), 1);
	ck_assert_int_eq(git_repository_open(&git, repo_dir.ptr), 0);
	ck_assert_int_eq(git_repository_odb(&odb, git), 0);
	ck_assert_int_eq(git_odb_open_wstream(&ws, odb, left, GIT_OBJECT_BLOB),
	                 0);
	while (left > 0) {
		size_t n = left < sizeof(zeros) ? (size_t)left : sizeof(zeros);

		ck_assert_int_eq(git_odb_stream_write(ws, zeros, n), 0);
		left -= n;
	}
	ck_assert_int_eq(git_odb_stream_finalize_write(&blob, ws), 0);
	git_odb_stream_free(ws);
	ck_assert_int_eq(git_treebuilder_new(&tb, git, NULL), 0);
	ck_assert_int_eq(git_treebuilder_insert(NULL, tb, "big.bin", &blob,
	                                        GIT_FILEMODE_BLOB),
	                 0);
	ck_assert_int_eq(git_treebuilder_write(&tree, tb), 0);
	ck_assert_int_eq(git_tree_lookup(&t, git, &tree), 0);
	ck_assert_int_eq(
	    git_signature_new(&sig, "A", "a@example.com", COMMIT_TIME, 0), 0);
	ck_assert_int_eq(git_commit_create(&commit, git, NULL, sig, sig, NULL,
	                                   "big", t, 0, NULL),
	                 0);
	git_oid_tostr(hex, sizeof(hex), &commit);

	opts.max_blob = size_words[_i].max_blob;
	ck_assert_int_eq(write_context(&tar, hex, &opts, NULL), SP_ETOOBIG);
	ck_assert_msg(strstr(sp_error_last(), size_words[_i].sizes), "%s",
	              sp_error_last());
	/* The header says it all: measuring gives the same message. */
	ck_assert_int_eq(sp_repo_open(&repo, repo_dir.ptr), 0);
	{
		sp_context_stats stats;
		char msg[1024];

		snprintf(msg, sizeof(msg), "%s", sp_error_last());
		ck_assert_int_eq(
		    sp_context_measure(&stats, repo, hex, &opts, NULL),
		    SP_ETOOBIG);
		ck_assert_str_eq(sp_error_last(), msg);
	}
	sp_repo_free(repo);
	git_tree_free(t);
	git_signature_free(sig);
	git_treebuilder_free(tb);
	git_odb_free(odb);
	git_repository_free(git);
	git_libgit2_shutdown();
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
	sp_buf_put(payload, data, len);
	return 0;
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
	struct failing f = {0, 1};
	sp_context_stats stats;

	ck_assert_int_eq(sp_repo_open(&repo, repo_dir.ptr), 0);
	ck_assert_int_eq(
	    sp_context_write_cb(repo, "HEAD", fail_writer, &f, NULL, &stats),
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
	ck_assert_int_eq(
	    git_odb_write(&tree, odb, raw.ptr, raw.size, GIT_OBJECT_TREE), 0);
	ck_assert_int_eq(
	    git_signature_new(&sig, "A", "a@example.com", COMMIT_TIME, 0), 0);
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 0);
	ck_assert_int_eq(git_tree_lookup(&t, git, &tree), 0);
	ck_assert_int_eq(git_commit_create(&commit, git, NULL, sig, sig, NULL,
	                                   "bad", t, 0, NULL),
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
    {"..", 0100644},
    {".", 0100644},
    {"a/b", 0100644},
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

/*
 * Reading ahead. A repository of many small files in nested directories
 * (more than the entries listed ahead at once, more bytes than are read
 * ahead at once), some executables and symbolic links, and big files that
 * the writer reads itself.
 */
#define MANY_FILES 2500
#define MANY_LINKS (MANY_FILES / 97 + 1)
#define MANY_BIG 3

/*
 * The git blob id of the archive of the many-files repository as written
 * before blobs were read ahead (single-threaded, one blob at a time): the
 * bytes must never change.
 */
#define MANY_ARCHIVE_ID "ce222f5af0c403628254e060e02a347c40c709ec"

static uint32_t lcg_next(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 8;
}

/* Deterministic contents: words of text, or bytes that hardly compress. */
static void fill(sp_buf *out, uint32_t *seed, size_t len, int text)
{
	static const char *const words[] = {"space", "docker", "model", "token",
	                                    "def",   "self",   "\n"};

	sp_buf_clear(out);
	while (out->size < len) {
		if (text) {
			sp_buf_puts(out, words[lcg_next(seed) % 7]);
			sp_buf_putc(out, ' ');
		} else {
			sp_buf_putc(out, (char)(lcg_next(seed) & 0xff));
		}
	}
	sp_buf_truncate(out, len);
}

static void write_file(const char *path, const sp_buf *data, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, data->ptr, data->size), (ssize_t)data->size);
	ck_assert_int_eq(close(fd), 0);
}

static void setup_many(void)
{
	uint32_t seed = 42;
	sp_buf path = SP_BUF_INIT, data = SP_BUF_INIT;

	setup_sandbox();
	ck_assert_int_eq(mkdir(repo_dir.ptr, 0755), 0);
	for (int d = 0; d < 10; d++)
		for (int e = 0; e < 5; e++) {
			sp_buf_clear(&path);
			sp_buf_printf(&path, "%s/d%d", repo_dir.ptr, d);
			mkdir(path.ptr, 0755);
			sp_buf_printf(&path, "/e%d", e);
			ck_assert_int_eq(mkdir(path.ptr, 0755), 0);
		}
	for (int i = 0; i < MANY_FILES; i++) {
		uint32_t r = lcg_next(&seed);
		size_t size = r % 10 < 6   ? r % 2048
		              : r % 10 < 9 ? r % 16384
		                           : r % 100000;

		sp_buf_clear(&path);
		sp_buf_printf(&path, "%s/d%u/e%u/f%04d", repo_dir.ptr,
		              (unsigned)(r % 10), (unsigned)(r / 10 % 5), i);
		if (i % 97 == 0) {
			ck_assert_int_eq(symlink("../../d0", path.ptr), 0);
			continue;
		}
		fill(&data, &seed, size, i % 3 != 0);
		write_file(path.ptr, &data, i % 13 == 0 ? 0755 : 0644);
	}
	sp_buf_clear(&path);
	sp_buf_printf(&path, "%s/big", repo_dir.ptr);
	ck_assert_int_eq(mkdir(path.ptr, 0755), 0);
	for (int i = 0; i < MANY_BIG; i++) {
		sp_buf_clear(&path);
		sp_buf_printf(&path, "%s/big/b%d", repo_dir.ptr, i);
		fill(&data, &seed, (size_t)(1 + i) * 1024 * 1024 + 1, 0);
		write_file(path.ptr, &data, 0644);
	}
	sp_test_sh(sandbox, "cd w && git init -q && git add -A && "
	                    "git commit -q -m many");
	sp_buf_dispose(&path);
	sp_buf_dispose(&data);
}

/* Write the context of `rev` through the callback into `out`. */
static int write_many(sp_buf *out, const char *rev, int threads,
                      const sp_context_options *opts, sp_context_stats *stats)
{
	sp_repo *repo = NULL;
	int prev, error;

	ck_assert_int_eq(sp_repo_open(&repo, repo_dir.ptr), 0);
	prev = sp_context_set_threads(threads);
	error = sp_context_write_cb(repo, rev, collect_bytes, out, opts, stats);
	sp_context_set_threads(prev);
	sp_repo_free(repo);
	return error;
}

static void blob_id(char out[GIT_OID_HEXSZ + 1], const sp_buf *data)
{
	git_oid id;

	ck_assert_int_ge(git_libgit2_init(), 1);
	ck_assert_int_eq(
	    git_odb_hash(&id, data->ptr, data->size, GIT_OBJECT_BLOB), 0);
	git_oid_tostr(out, GIT_OID_HEXSZ + 1, &id);
	git_libgit2_shutdown();
}

START_TEST(test_ahead_same_bytes)
{
	sp_buf one = SP_BUF_INIT, two = SP_BUF_INIT;
	sp_context_stats s1, s2;
	char id[GIT_OID_HEXSZ + 1];

	ck_assert_msg(write_many(&two, "HEAD", 1, NULL, &s2) == 0, "%s",
	              sp_error_last());
	ck_assert_msg(write_many(&one, "HEAD", 0, NULL, &s1) == 0, "%s",
	              sp_error_last());
	ck_assert_uint_eq(one.size, two.size);
	ck_assert(!memcmp(one.ptr, two.ptr, one.size));
	ck_assert(!memcmp(&s1, &s2, sizeof(s1)));
	ck_assert_uint_eq(s1.files, MANY_FILES - MANY_LINKS + MANY_BIG);
	ck_assert_uint_eq(s1.symlinks, MANY_LINKS);
	ck_assert_uint_eq(s1.dirs, 10 * 5 + 10 + 1);
	ck_assert_uint_eq(s1.largest, (uint64_t)MANY_BIG * 1024 * 1024 + 1);
	blob_id(id, &two);
	ck_assert_msg(!strcmp(id, MANY_ARCHIVE_ID), "archive %s, was %s", id,
	              MANY_ARCHIVE_ID);
	sp_buf_dispose(&one);
	sp_buf_dispose(&two);
}
END_TEST

/*
 * A commit of the many-files tree with blobs that are not in the
 * repository: one in the middle of the walk, one at its end.
 */
#define MISSING_ID "1234567890123456789012345678901234567890"

static void write_missing_commit(char out[GIT_OID_HEXSZ + 1])
{
	git_repository *git = NULL;
	git_object *head = NULL;
	git_treebuilder *tb = NULL;
	git_oid missing, tree_id, commit;
	git_tree *tree = NULL;
	git_signature *sig = NULL;

	ck_assert_int_ge(git_libgit2_init(), 1);
	ck_assert_int_eq(git_repository_open(&git, repo_dir.ptr), 0);
	ck_assert_int_eq(git_revparse_single(&head, git, "HEAD^{tree}"), 0);
	ck_assert_int_eq(git_treebuilder_new(&tb, git, (git_tree *)head), 0);
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 0);
	ck_assert_int_eq(git_oid_fromstr(&missing, MISSING_ID), 0);
	ck_assert_int_eq(git_treebuilder_insert(NULL, tb, "d5x", &missing,
	                                        GIT_FILEMODE_BLOB),
	                 0);
	ck_assert_int_eq(
	    git_treebuilder_insert(NULL, tb, "zz", &missing, GIT_FILEMODE_BLOB),
	    0);
	ck_assert_int_eq(git_treebuilder_write(&tree_id, tb), 0);
	ck_assert_int_eq(git_tree_lookup(&tree, git, &tree_id), 0);
	ck_assert_int_eq(
	    git_signature_new(&sig, "A", "a@example.com", COMMIT_TIME, 0), 0);
	ck_assert_int_eq(git_commit_create(&commit, git, NULL, sig, sig, NULL,
	                                   "missing", tree, 0, NULL),
	                 0);
	git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 1);
	git_oid_tostr(out, GIT_OID_HEXSZ + 1, &commit);
	git_tree_free(tree);
	git_signature_free(sig);
	git_treebuilder_free(tb);
	git_object_free(head);
	git_repository_free(git);
	git_libgit2_shutdown();
}

/* Failures part way: the same code, message and counts in both ways. */
static const struct {
	const char *what;
	int missing; /* the commit with missing blobs */
	uint64_t max_blob, max_total;
	size_t fail_at; /* the writer fails at this call; 0: never */
	int code;
	const char *message;
} ahead_failures[] = {
    {"missing blob", 1, 0, 0, 0, SP_ENOTFOUND, "reading a blob of the commit"},
    {"missing blob, limits", 1, 8 << 20, 1 << 30, 0, SP_ENOTFOUND,
     "reading a blob of the commit"},
    {"big blob", 0, 3 << 20, 0, 0, SP_ETOOBIG, "big/b2"},
    {"small blob", 0, 50000, 0, 0, SP_ETOOBIG, "too big"},
    {"total", 0, 0, 5 << 20, 0, SP_ETOOBIG, "the build context"},
    {"writer", 0, 0, 0, 40, SP_ECANCELED, "reader gave up"},
    {"writer at once", 0, 0, 0, 1, SP_ECANCELED, "reader gave up"},
};

START_TEST(test_ahead_failures)
{
	char missing[GIT_OID_HEXSZ + 1], msg[2][1024];
	const char *rev = "HEAD";
	sp_context_options opts = SP_CONTEXT_OPTIONS_INIT;
	sp_context_stats stats[2];
	sp_repo *repo = NULL;
	int error[2];

	if (ahead_failures[_i].missing) {
		write_missing_commit(missing);
		rev = missing;
	}
	opts.max_blob = ahead_failures[_i].max_blob;
	opts.max_total = ahead_failures[_i].max_total;
	ck_assert_int_eq(sp_repo_open(&repo, repo_dir.ptr), 0);
	for (int t = 0; t < 2; t++) {
		struct failing f = {0, ahead_failures[_i].fail_at};
		sp_buf bytes = SP_BUF_INIT;
		int prev = sp_context_set_threads(t);

		if (f.fail_at)
			error[t] = sp_context_write_cb(repo, rev, fail_writer,
			                               &f, &opts, &stats[t]);
		else
			error[t] = sp_context_write_cb(
			    repo, rev, collect_bytes, &bytes, &opts, &stats[t]);
		sp_context_set_threads(prev);
		snprintf(msg[t], sizeof(msg[t]), "%s", sp_error_last());
		ck_assert_msg(error[t] == ahead_failures[_i].code,
		              "%s, threads %d: %d %s", ahead_failures[_i].what,
		              t, error[t], msg[t]);
		ck_assert_msg(strstr(msg[t], ahead_failures[_i].message), "%s",
		              msg[t]);
		if (f.fail_at)
			ck_assert_uint_eq(f.calls, f.fail_at);
		sp_buf_dispose(&bytes);
	}
	ck_assert_str_eq(msg[0], msg[1]);
	ck_assert(!memcmp(&stats[0], &stats[1], sizeof(stats[0])));
	if (ahead_failures[_i].missing)
		ck_assert_uint_gt(stats[0].files, 100);
	sp_repo_free(repo);
}
END_TEST

struct reader {
	int fd;
	size_t want; /* bytes to read before going away */
};

static void *read_then_leave(void *arg)
{
	struct reader *r = arg;
	char chunk[65536];
	size_t got = 0;
	ssize_t n;

	while (got < r->want && (n = read(r->fd, chunk, sizeof(chunk))) > 0)
		got += (size_t)n;
	close(r->fd);
	return NULL;
}

/* The reader of the pipe goes away part way: SP_EIO, no hang, no signal. */
START_TEST(test_ahead_reader_gone)
{
	static const size_t wants[] = {0, 1, 3 << 20};
	sp_repo *repo = NULL;
	sigset_t pending;

	ck_assert_int_eq(sp_repo_open(&repo, repo_dir.ptr), 0);
	for (size_t i = 0; i < sizeof(wants) / sizeof(wants[0]); i++)
		for (int t = 0; t < 2; t++) {
			struct reader r;
			pthread_t th;
			int fds[2], prev;

			ck_assert_int_eq(pipe(fds), 0);
			r.fd = fds[0];
			r.want = wants[i];
			ck_assert_int_eq(
			    pthread_create(&th, NULL, read_then_leave, &r), 0);
			prev = sp_context_set_threads(t);
			ck_assert_int_eq(
			    sp_context_write(repo, "HEAD", fds[1], NULL, NULL),
			    SP_EIO);
			sp_context_set_threads(prev);
			ck_assert_ptr_nonnull(
			    strstr(sp_error_last(), "Broken pipe"));
			ck_assert_int_eq(pthread_join(th, NULL), 0);
			close(fds[1]);
		}
	sigemptyset(&pending);
	ck_assert_int_eq(sigpending(&pending), 0);
	ck_assert(!sigismember(&pending, SIGPIPE));
	sp_repo_free(repo);
}
END_TEST

/*
 * Streaming. With the threshold at 64 KiB about a thirtieth of the
 * many-files blobs and the three big ones are streamed: through libgit2 while
 * they are loose, from git cat-file once packed. The archive must not change.
 */
#define STREAM_AT 65536

/* Write the many-files context with blobs streamed; the counts streamed. */
static void write_streamed(sp_buf *out, int threads, size_t *loose,
                           size_t *packed)
{
	size_t l0, p0, prev = sp_context__set_stream_threshold(STREAM_AT);
	sp_context_stats stats;

	sp_context__stream_counts(&l0, &p0);
	ck_assert_msg(write_many(out, "HEAD", threads, NULL, &stats) == 0, "%s",
	              sp_error_last());
	sp_context__set_stream_threshold(prev);
	sp_context__stream_counts(loose, packed);
	*loose -= l0;
	*packed -= p0;
	ck_assert_uint_eq(stats.files, MANY_FILES - MANY_LINKS + MANY_BIG);
}

static void check_streamed_bytes(int packed_repo)
{
	char id[GIT_OID_HEXSZ + 1];

	for (int t = 0; t < 2; t++) {
		sp_buf bytes = SP_BUF_INIT;
		size_t loose, packed;

		write_streamed(&bytes, t, &loose, &packed);
		blob_id(id, &bytes);
		ck_assert_msg(!strcmp(id, MANY_ARCHIVE_ID),
		              "threads %d: archive %s, was %s", t, id,
		              MANY_ARCHIVE_ID);
		/* About 90 of the 2,500 files and the 3 big ones. */
		ck_assert_uint_gt(packed_repo ? packed : loose, 50);
		ck_assert_uint_eq(packed_repo ? loose : packed, 0);
		sp_buf_dispose(&bytes);
	}
}

START_TEST(test_stream_loose)
{
	check_streamed_bytes(0);
}
END_TEST

START_TEST(test_stream_packed)
{
	/* Every blob of HEAD packed: none may then come through libgit2. */
	sp_test_sh(sandbox, "cd w && git repack -adq && "
	                    "git prune-packed");
	check_streamed_bytes(1);
}
END_TEST

/* Limits on streamed blobs: refused before a byte of them goes out. */
static const struct {
	uint64_t max_blob, max_total;
	const char *message;
} stream_limits[] = {
    {3 << 20, 0,
     "file 'big/b2' is too big for the build context: "
     "3145729 bytes, over the 3145728 bytes limit on a file"},
    {0, 5 << 20, "its files come to "},
};

START_TEST(test_stream_limits)
{
	sp_context_options opts = SP_CONTEXT_OPTIONS_INIT;
	size_t prev = sp_context__set_stream_threshold(STREAM_AT);
	sp_context_stats stats;
	sp_buf bytes = SP_BUF_INIT;
	const char *name;
	int error;

	opts.max_blob = stream_limits[_i].max_blob;
	opts.max_total = stream_limits[_i].max_total;
	error = write_many(&bytes, "HEAD", 1, &opts, &stats);
	sp_context__set_stream_threshold(prev);
	ck_assert_int_eq(error, SP_ETOOBIG);
	ck_assert_msg(strstr(sp_error_last(), stream_limits[_i].message), "%s",
	              sp_error_last());
	/* The refused file's name is in the message, not in the archive. */
	name = strstr(sp_error_last(), "'") + 1;
	ck_assert_ptr_null(memmem(bytes.ptr, bytes.size, name,
	                          (size_t)(strchr(name, '\'') - name)));
	ck_assert_uint_le(
	    bytes.size,
	    stats.bytes + 2048 * (stats.files + stats.dirs + stats.symlinks));
	sp_buf_dispose(&bytes);
}
END_TEST

/* Measuring gives the writer's counts, and its refusals word for word. */
static const struct {
	uint64_t max_blob, max_total;
} measure_limits[] = {
    {0, 0},    {3 << 20, 0},       {50000, 0},          {0, 5 << 20},
    {0, 1000}, {(3 << 20) + 1, 0}, {100000, 200 << 20},
};

static int measure_many(sp_context_stats *out, const sp_context_options *opts,
                        sp_buf *largest)
{
	sp_repo *repo = NULL;
	int error;

	ck_assert_int_eq(sp_repo_open(&repo, repo_dir.ptr), 0);
	error = sp_context_measure(out, repo, "HEAD", opts, largest);
	sp_repo_free(repo);
	return error;
}

START_TEST(test_measure_like_writer)
{
	sp_context_options opts = SP_CONTEXT_OPTIONS_INIT;
	sp_context_stats written, measured, cached;
	sp_buf bytes = SP_BUF_INIT, cache = SP_BUF_INIT, largest = SP_BUF_INIT;
	char msg[1024];
	int werror, merror;

	opts.max_blob = measure_limits[_i].max_blob;
	opts.max_total = measure_limits[_i].max_total;
	werror = write_many(&bytes, "HEAD", 1, &opts, &written);
	snprintf(msg, sizeof(msg), "%s", sp_error_last());
	merror = measure_many(&measured, &opts, &largest);
	ck_assert_int_eq(merror, werror);
	if (werror)
		ck_assert_str_eq(sp_error_last(), msg);
	ck_assert(!memcmp(&measured, &written, sizeof(written)));
	if (!werror)
		ck_assert_str_eq(largest.ptr, "big/b2");

	/* The same with the sizes of the trees kept, twice. */
	sp_buf_printf(&cache, "%s/sizes-%d", sandbox, _i);
	opts.size_cache = cache.ptr;
	for (int round = 0; round < 2; round++) {
		ck_assert_int_eq(measure_many(&cached, &opts, &largest),
		                 werror);
		if (werror)
			ck_assert_str_eq(sp_error_last(), msg);
		ck_assert(!memcmp(&cached, &written, sizeof(written)));
		if (!werror)
			ck_assert_str_eq(largest.ptr, "big/b2");
		/* Written after a walk within the limits only. */
		ck_assert_int_eq(access(cache.ptr, F_OK) == 0, !werror);
	}
	sp_buf_dispose(&bytes);
	sp_buf_dispose(&cache);
	sp_buf_dispose(&largest);
}
END_TEST

/*
 * The kept sizes are used: a file that says otherwise about the root tree
 * changes the answer (no one but the server writes it), and a limit that
 * the kept sizes may pass makes the walk go into the trees again.
 */
START_TEST(test_measure_cache_used)
{
	sp_context_options opts = SP_CONTEXT_OPTIONS_INIT;
	sp_context_stats first, stats;
	sp_buf cache = SP_BUF_INIT, text = SP_BUF_INIT, line = SP_BUF_INIT;
	sp_buf largest = SP_BUF_INIT;
	sp_repo *repo = NULL;
	char root[GIT_OID_HEXSZ + 1];
	FILE *f;

	sp_buf_printf(&cache, "%s/sizes-used", sandbox);
	opts.size_cache = cache.ptr;
	ck_assert_int_eq(measure_many(&first, &opts, NULL), 0);
	ck_assert_int_eq(sp_buf_read_file(&text, cache.ptr, 1 << 20), 0);
	ck_assert_int_eq(sp_repo_open(&repo, repo_dir.ptr), 0);
	{
		git_repository *git = NULL;
		git_object *tree = NULL;

		ck_assert_int_ge(git_libgit2_init(), 1);
		ck_assert_int_eq(git_repository_open(&git, repo_dir.ptr), 0);
		ck_assert_int_eq(git_revparse_single(&tree, git, "HEAD^{tree}"),
		                 0);
		git_oid_tostr(root, sizeof(root), git_object_id(tree));
		git_object_free(tree);
		git_repository_free(git);
		git_libgit2_shutdown();
	}
	ck_assert_ptr_nonnull(strstr(text.ptr, root));

	/* The root tree said to hold 7 files of 1000 bytes in all. */
	sp_buf_printf(&line,
	              "spacehook tree sizes 1\n%s 7 1 0 0 1000 900 900 1 "
	              "x/%%20y\n",
	              root);
	ck_assert_ptr_nonnull(f = fopen(cache.ptr, "w"));
	ck_assert_int_eq(fputs(line.ptr, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(
	    sp_context_measure(&stats, repo, "HEAD", &opts, &largest), 0);
	ck_assert_uint_eq(stats.files, 7);
	ck_assert_uint_eq(stats.bytes, 1000);
	ck_assert_str_eq(largest.ptr, "x/ y");

	/* A limit it may pass: the trees are read again, truly. */
	opts.max_total = 1100;
	ck_assert_int_eq(sp_context_measure(&stats, repo, "HEAD", &opts, NULL),
	                 SP_ETOOBIG);
	opts.max_total = 0;

	/* A damaged file is not used (nor an error). */
	ck_assert_ptr_nonnull(f = fopen(cache.ptr, "w"));
	ck_assert_int_eq(fputs("spacehook tree sizes 1\nzz 1 2\n", f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(sp_context_measure(&stats, repo, "HEAD", &opts, NULL),
	                 0);
	ck_assert(!memcmp(&stats, &first, sizeof(stats)));
	sp_repo_free(repo);
	sp_buf_dispose(&cache);
	sp_buf_dispose(&text);
	sp_buf_dispose(&line);
	sp_buf_dispose(&largest);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("context");
	TCase *tc;

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
	tcase_add_loop_test(tc, test_limit_messages, 0,
	                    sizeof(limit_messages) / sizeof(limit_messages[0]));
	tcase_add_loop_test(tc, test_size_words, 0,
	                    sizeof(size_words) / sizeof(size_words[0]));
	tcase_add_loop_test(tc, test_bad_tree, 0,
	                    sizeof(bad_trees) / sizeof(bad_trees[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("writers");
	tcase_add_checked_fixture(tc, setup_repo, teardown_repo);
	tcase_add_test(tc, test_callback_same_bytes);
	tcase_add_test(tc, test_callback_error_stops);
	tcase_add_test(tc, test_reader_gone);
	suite_add_tcase(s, tc);

	tc = tcase_create("read ahead");
	tcase_add_unchecked_fixture(tc, setup_many, teardown_repo);
	/* Repacking and streaming a big repository under the sanitizers,
	 * beside engine tests and a browser, passes the default minute. */
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_ahead_same_bytes);
	tcase_add_loop_test(tc, test_ahead_failures, 0,
	                    sizeof(ahead_failures) / sizeof(ahead_failures[0]));
	tcase_add_test(tc, test_ahead_reader_gone);
	/* Streaming and measuring, in this order: packed half way. */
	tcase_add_test(tc, test_stream_loose);
	tcase_add_loop_test(tc, test_stream_limits, 0,
	                    sizeof(stream_limits) / sizeof(stream_limits[0]));
	tcase_add_loop_test(tc, test_measure_like_writer, 0,
	                    sizeof(measure_limits) / sizeof(measure_limits[0]));
	tcase_add_test(tc, test_measure_cache_used);
	tcase_add_test(tc, test_stream_packed);
	tcase_add_loop_test(tc, test_stream_limits, 0,
	                    sizeof(stream_limits) / sizeof(stream_limits[0]));
	/* Packed: no limit, and a limit passed on a big blob. */
	tcase_add_loop_test(tc, test_measure_like_writer, 0, 2);
	suite_add_tcase(s, tc);

	return sp_test_run(s);
}
