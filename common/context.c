/* Streams the tree of a commit as a tar archive, one blob in memory at a time. */
#include "context.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "repo_private.h"

#include "banned.h"

/* Bytes gathered before a write; bigger pieces are written as they come. */
#define CONTEXT_BLOCK_SIZE (64 * 1024)

/* How libgit2 maps pack files after sp_context_tune: window, most mapped. */
#define CONTEXT_PACK_WINDOW (4 * 1024 * 1024)
#define CONTEXT_PACK_MAPPED (16 * 1024 * 1024)

/* The most libgit2 keeps in its object cache after sp_context_tune. */
#define CONTEXT_OBJECT_CACHE (4 * 1024 * 1024)

struct context {
	git_repository *git;
	struct archive *ar;
	struct archive_entry *entry;
	sp_buf path;     /* path of the current entry, relative */
	sp_buf link;     /* target of the current symbolic link */
	sp_buf warning;  /* text of the current warning */
	time_t mtime;
	const sp_context_options *opts;
	sp_context_stats *stats;
	sp_context_write_fn write_fn;
	void *payload;
	int write_error; /* what write_fn returned when it failed */
	char *out;       /* CONTEXT_BLOCK_SIZE bytes waiting for write_fn */
	size_t out_len;
};

/* Hand the buffered bytes to the writer. */
static int context_flush(struct context *ctx)
{
	int error = ctx->write_error;

	if (!error && ctx->out_len)
		error = ctx->write_fn(ctx->out, ctx->out_len, ctx->payload);
	ctx->out_len = 0;
	if (error < 0)
		ctx->write_error = error;
	return error;
}

/*
 * libarchive writes unblocked: headers and small files are gathered here
 * into writes of CONTEXT_BLOCK_SIZE, big file contents go out as they are,
 * without a copy.
 */
static la_ssize_t context_archive_write(struct archive *ar, void *data,
					const void *buf, size_t len)
{
	struct context *ctx = data;
	int error = ctx->write_error;

	if (!error && ctx->out_len + len > CONTEXT_BLOCK_SIZE)
		error = context_flush(ctx);
	if (!error && len >= CONTEXT_BLOCK_SIZE)
		error = ctx->write_fn(buf, len, ctx->payload);
	else if (!error) {
		memcpy(ctx->out + ctx->out_len, buf, len);
		ctx->out_len += len;
	}
	if (error < 0) {
		ctx->write_error = error;
		archive_set_error(ar, EIO, "%s", sp_error_last());
		return -1;
	}
	return (la_ssize_t)len;
}

/* The error of a failed archive_* call: the writer's own, or libarchive's. */
static int context_archive_error(struct context *ctx, const char *what)
{
	const char *msg = archive_error_string(ctx->ar);

	if (ctx->write_error < 0)
		return ctx->write_error;
	if (!msg)
		msg = "unknown archive error";
	if (!ctx->path.size)
		return sp_error_set(SP_EIO, "%s: %s", what, msg);
	return sp_error_set(SP_EIO, "%s '%s': %s", what, ctx->path.ptr, msg);
}

static int context_fd_write(const void *data, size_t len, void *payload)
{
	int fd = *(const int *)payload;
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return sp_error_set_os(SP_EIO,
					       "writing the build context");
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A name from a tree that could not be a path element on disk is refused. */
static int context_check_name(struct context *ctx, const char *name)
{
	if (!*name || !strcmp(name, ".") || !strcmp(name, "..") ||
	    strchr(name, '/'))
		return sp_error_set(SP_EINVALID,
				    "tree entry '%s%s' is not a valid path",
				    ctx->path.ptr, name);
	return 0;
}

static int context_warn(struct context *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int context_header(struct context *ctx, mode_t type, mode_t perm,
			  uint64_t size)
{
	struct archive_entry *e = ctx->entry;
	int r;

	archive_entry_clear(e);
	archive_entry_copy_pathname(e, ctx->path.ptr);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	archive_entry_set_size(e, (la_int64_t)size);
	archive_entry_set_mtime(e, ctx->mtime, 0);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	if (type == AE_IFLNK)
		archive_entry_copy_symlink(e, ctx->link.ptr);

	r = archive_write_header(ctx->ar, e);
	if (r < ARCHIVE_WARN)
		return context_archive_error(ctx, "writing the header of");
	if (r == ARCHIVE_WARN)
		return context_warn(ctx, "%s",
				    archive_error_string(ctx->ar) ?
					    archive_error_string(ctx->ar) :
					    "archive warning");
	return 0;
}

static int context_warn(struct context *ctx, const char *fmt, ...)
{
	va_list ap;
	int error;

	if (!ctx->opts || !ctx->opts->warn)
		return 0;
	sp_buf_clear(&ctx->warning);
	va_start(ap, fmt);
	error = sp_buf_vprintf(&ctx->warning, fmt, ap);
	va_end(ap);
	if (error < 0)
		return error;
	ctx->opts->warn(ctx->warning.ptr, ctx->opts->payload);
	return 0;
}

static int context_check_size(struct context *ctx, uint64_t size)
{
	uint64_t max_blob = ctx->opts ? ctx->opts->max_blob : 0;
	uint64_t max_total = ctx->opts ? ctx->opts->max_total : 0;

	if (max_blob && size > max_blob)
		return sp_error_set(SP_ETOOBIG,
				    "file '%s' is too big for the build context "
				    "(%llu bytes, the most is %llu)",
				    ctx->path.ptr, (unsigned long long)size,
				    (unsigned long long)max_blob);
	if (max_total && (size > max_total ||
			  ctx->stats->bytes > max_total - size))
		return sp_error_set(SP_ETOOBIG,
				    "the build context is too big (more than "
				    "%llu bytes of files)",
				    (unsigned long long)max_total);
	return 0;
}

/* With a size limit, look at the object header before loading the blob. */
static int context_precheck(struct context *ctx, const git_oid *id)
{
	git_odb *odb = NULL;
	size_t size = 0;
	git_object_t type;
	int error;

	if (!ctx->opts || (!ctx->opts->max_blob && !ctx->opts->max_total))
		return 0;
	if ((error = git_repository_odb(&odb, ctx->git)) < 0 ||
	    (error = git_odb_read_header(&size, &type, odb, id)) < 0) {
		error = sp_repo__git_error(error == GIT_ENOTFOUND ?
						   SP_ENOTFOUND : SP_ERROR,
					   "reading a blob of the commit");
		goto done;
	}
	error = context_check_size(ctx, (uint64_t)size);
done:
	git_odb_free(odb);
	return error;
}

static int context_blob(struct context *ctx, const git_tree_entry *te,
			git_filemode_t mode)
{
	git_blob *blob = NULL;
	const char *data;
	uint64_t size;
	int error;

	if ((error = context_precheck(ctx, git_tree_entry_id(te))) < 0)
		goto done;
	if ((error = git_blob_lookup(&blob, ctx->git,
				     git_tree_entry_id(te))) < 0) {
		error = sp_repo__git_error(error == GIT_ENOTFOUND ?
						   SP_ENOTFOUND : SP_ERROR,
					   "reading a blob of the commit");
		goto done;
	}
	data = git_blob_rawcontent(blob);
	size = (uint64_t)git_blob_rawsize(blob);

	if (mode == GIT_FILEMODE_LINK) {
		if (!size || size > SP_CONTEXT_MAX_LINK ||
		    memchr(data, '\0', size)) {
			error = sp_error_set(SP_EINVALID,
					     "symbolic link '%s' has a target "
					     "no file system takes",
					     ctx->path.ptr);
			goto done;
		}
		sp_buf_clear(&ctx->link);
		if ((error = sp_buf_put(&ctx->link, data, size)) < 0 ||
		    (error = context_header(ctx, AE_IFLNK, 0777, 0)) < 0)
			goto done;
		ctx->stats->symlinks++;
		goto done;
	}

	if ((error = context_check_size(ctx, size)) < 0 ||
	    (error = context_header(ctx, AE_IFREG,
				    mode == GIT_FILEMODE_BLOB_EXECUTABLE ?
					    0755 : 0644,
				    size)) < 0)
		goto done;
	while (size > 0) {
		la_ssize_t n = archive_write_data(ctx->ar, data, size);

		if (n <= 0) {
			error = context_archive_error(ctx, "writing");
			goto done;
		}
		data += n;
		size -= (uint64_t)n;
	}
	size = (uint64_t)git_blob_rawsize(blob);
	ctx->stats->files++;
	ctx->stats->bytes += size;
	if (size > ctx->stats->largest)
		ctx->stats->largest = size;
done:
	git_blob_free(blob);
	return error;
}

static int context_tree(struct context *ctx, const git_tree *tree, int depth);

static int context_subtree(struct context *ctx, const git_tree_entry *te,
			   int depth)
{
	git_tree *tree = NULL;
	int error;

	if (depth >= SP_CONTEXT_MAX_DEPTH)
		return sp_error_set(SP_EINVALID,
				    "directory '%s' is nested more than %d deep",
				    ctx->path.ptr, SP_CONTEXT_MAX_DEPTH);
	if ((error = context_header(ctx, AE_IFDIR, 0755, 0)) < 0)
		return error;
	ctx->stats->dirs++;
	if ((error = git_tree_lookup(&tree, ctx->git,
				     git_tree_entry_id(te))) < 0)
		return sp_repo__git_error(error == GIT_ENOTFOUND ?
						  SP_ENOTFOUND : SP_ERROR,
					  "reading a tree of the commit");
	if ((error = sp_buf_putc(&ctx->path, '/')) == 0)
		error = context_tree(ctx, tree, depth + 1);
	git_tree_free(tree);
	return error;
}

/* Write every entry of `tree`; ctx->path holds its path with a trailing '/'. */
static int context_tree(struct context *ctx, const git_tree *tree, int depth)
{
	size_t base = ctx->path.size;
	size_t count = git_tree_entrycount(tree);
	int error = 0;

	for (size_t i = 0; i < count && !error; i++) {
		const git_tree_entry *te = git_tree_entry_byindex(tree, i);
		const char *name = git_tree_entry_name(te);
		git_filemode_t mode = git_tree_entry_filemode(te);
		char hex[GIT_OID_HEXSZ + 1];

		sp_buf_truncate(&ctx->path, base);
		if ((error = context_check_name(ctx, name)) < 0 ||
		    (error = sp_buf_puts(&ctx->path, name)) < 0)
			break;

		switch (mode) {
		case GIT_FILEMODE_TREE:
			error = context_subtree(ctx, te, depth);
			break;
		case GIT_FILEMODE_BLOB:
		case GIT_FILEMODE_BLOB_EXECUTABLE:
		case GIT_FILEMODE_LINK:
			error = context_blob(ctx, te, mode);
			break;
		case GIT_FILEMODE_COMMIT:
			git_oid_tostr(hex, sizeof(hex), git_tree_entry_id(te));
			ctx->stats->submodules++;
			error = context_warn(ctx,
					     "submodule '%s' (commit %.12s) "
					     "is not part of the build "
					     "context",
					     ctx->path.ptr, hex);
			break;
		default:
			error = sp_error_set(SP_EINVALID,
					     "tree entry '%s' has unknown "
					     "mode %06o",
					     ctx->path.ptr, (unsigned)mode);
			break;
		}
	}
	sp_buf_truncate(&ctx->path, base);
	return error;
}

static int context_open(struct context *ctx)
{
	ctx->ar = archive_write_new();
	ctx->entry = archive_entry_new();
	ctx->out = malloc(CONTEXT_BLOCK_SIZE);
	if (!ctx->ar || !ctx->entry || !ctx->out)
		return sp_error_set(SP_ENOMEM, "out of memory");
	if (archive_write_set_format_pax_restricted(ctx->ar) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(ctx->ar, 0) != ARCHIVE_OK ||
	    archive_write_open(ctx->ar, ctx, NULL, context_archive_write,
			       NULL) != ARCHIVE_OK)
		return context_archive_error(ctx, "starting the archive");
	return 0;
}

int sp_context_tune(void)
{
	int error;

	if ((error = git_libgit2_init()) < 0 ||
	    (error = git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE,
				      (size_t)CONTEXT_PACK_WINDOW)) < 0 ||
	    (error = git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT,
				      (size_t)CONTEXT_PACK_MAPPED)) < 0 ||
	    (error = git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE,
				      (ssize_t)CONTEXT_OBJECT_CACHE)) < 0 ||
	    (error = git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION,
				      0)) < 0)
		return sp_repo__git_error(SP_ERROR, "cannot set up libgit2");
	return 0;
}

int sp_context_write_cb(sp_repo *repo, const char *commit,
			sp_context_write_fn write_fn, void *payload,
			const sp_context_options *opts,
			sp_context_stats *stats)
{
	struct context ctx = { 0 };
	sp_context_stats local_stats;
	char hex[SP_OID_HEXSZ + 1];
	git_oid id;
	git_commit *c = NULL;
	git_tree *tree = NULL;
	locale_t utf8, old_locale = (locale_t)0;
	int error;

	/*
	 * Git paths are bytes, mostly UTF-8: in a UTF-8 locale libarchive
	 * writes them as pax UTF-8 names, and only names that are not UTF-8
	 * as BINARY. The locale is this thread's, for this call only.
	 */
	utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	if (utf8)
		old_locale = uselocale(utf8);

	sp_buf_init(&ctx.path);
	sp_buf_init(&ctx.link);
	sp_buf_init(&ctx.warning);
	ctx.git = repo->git;
	ctx.opts = opts;
	ctx.stats = stats ? stats : &local_stats;
	memset(ctx.stats, 0, sizeof(*ctx.stats));
	ctx.write_fn = write_fn;
	ctx.payload = payload;

	if ((error = sp_repo_resolve(hex, repo, commit)) < 0)
		goto done;
	if (git_oid_fromstr(&id, hex) < 0 ||
	    (error = git_commit_lookup(&c, repo->git, &id)) < 0 ||
	    (error = git_commit_tree(&tree, c)) < 0) {
		error = sp_repo__git_error(error == GIT_ENOTFOUND ?
						   SP_ENOTFOUND : SP_ERROR,
					   "reading the tree of the commit");
		goto done;
	}
	ctx.mtime = (time_t)git_commit_time(c);

	if ((error = context_open(&ctx)) < 0 ||
	    (error = context_tree(&ctx, tree, 0)) < 0)
		goto done;
	if (archive_write_close(ctx.ar) != ARCHIVE_OK)
		error = context_archive_error(&ctx, "finishing the archive");
	else
		error = context_flush(&ctx);
done:
	if (ctx.ar)
		archive_write_free(ctx.ar);
	archive_entry_free(ctx.entry);
	free(ctx.out);
	git_tree_free(tree);
	git_commit_free(c);
	sp_buf_dispose(&ctx.path);
	sp_buf_dispose(&ctx.link);
	sp_buf_dispose(&ctx.warning);
	if (utf8) {
		uselocale(old_locale);
		freelocale(utf8);
	}
	return error;
}

int sp_context_write(sp_repo *repo, const char *commit, int fd,
		     const sp_context_options *opts, sp_context_stats *stats)
{
	sigset_t pipe_set, old_set, pending;
	struct timespec zero = { 0, 0 };
	int was_pending, error;

	/* Block SIGPIPE so a vanished reader is EPIPE, then drop our own. */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
	sigemptyset(&pending);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE);

	error = sp_context_write_cb(repo, commit, context_fd_write, &fd, opts,
				    stats);

	if (!was_pending)
		while (sigtimedwait(&pipe_set, NULL, &zero) < 0 &&
		       errno == EINTR)
			;
	pthread_sigmask(SIG_SETMASK, &old_set, NULL);
	return error;
}
