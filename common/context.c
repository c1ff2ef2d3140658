/* Streams the tree of a commit as a tar archive: small blobs read ahead by a
 * second thread, big ones one at a time. */
#include "context.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "context_private.h"
#include "error.h"
#include "proc.h"
#include "repo_private.h"

#include "banned.h"

/* Bytes gathered before a write; bigger pieces are written as they come. */
#define CONTEXT_BLOCK_SIZE (64 * 1024)

/* How libgit2 maps pack files after sp_context_tune: window, most mapped. */
#define CONTEXT_PACK_WINDOW (4 * 1024 * 1024)
#define CONTEXT_PACK_MAPPED (16 * 1024 * 1024)

/* The most libgit2 keeps in its object cache after sp_context_tune. */
#define CONTEXT_OBJECT_CACHE (4 * 1024 * 1024)

/*
 * Reading ahead: blobs smaller than CONTEXT_SMALL_BLOB are read (inflated)
 * ahead of the writer, by a second thread and by the writer while it waits,
 * at most CONTEXT_AHEAD_BYTES of them held at once (one more may be under
 * way). Bigger blobs are read by the writer when their turn comes, so at
 * most one of them is in memory. Entries are listed up to CONTEXT_RING ahead
 * of the one being written, handed over CONTEXT_PUBLISH at a time.
 */
#define CONTEXT_SMALL_BLOB ((size_t)1024 * 1024)
#define CONTEXT_AHEAD_BYTES ((size_t)4 * 1024 * 1024)
#define CONTEXT_RING 1024
#define CONTEXT_PUBLISH 32

/* Whether sp_context_write reads ahead in a second thread. */
static atomic_int context_threads = 1;

/*
 * Streaming: blobs of context_stream_min bytes and more are copied
 * CONTEXT_STREAM_CHUNK at a time, never held whole; counted for the tests.
 */
#define CONTEXT_STREAM_CHUNK ((size_t)256 * 1024)
static atomic_size_t context_stream_min = SP_CONTEXT_STREAM_BLOB;
static atomic_size_t context_streamed_loose;
static atomic_size_t context_streamed_packed;

enum slot_state {
	SLOT_LISTED,  /* listed; nobody reads its blob yet */
	SLOT_READING, /* a thread reads its blob */
	SLOT_READ,    /* done: obj read ahead, or NULL: the writer reads it */
};

/* One listed tree entry, waiting to be written. */
struct slot {
	sp_buf path; /* relative, no trailing '/' */
	git_oid id;
	git_filemode_t mode;
	enum slot_state state;
	git_odb_object *obj; /* the blob read ahead, or NULL */
};

/* A tree being listed: the next entry to list, its path's length. */
struct level {
	git_tree *tree;
	size_t next;
	size_t base;
};

struct context {
	git_repository *git;
	git_odb *odb;
	const char *repo_path;
	struct archive *ar;
	struct archive_entry *entry;
	const char *path; /* path of the entry being written, or "" */
	sp_buf link;      /* target of the current symbolic link */
	sp_buf warning;   /* text of the current warning */
	time_t mtime;
	const sp_context_options *opts;
	sp_context_stats *stats;
	sp_context_write_fn write_fn;
	void *payload;
	int write_error; /* what write_fn returned when it failed */
	char *out;       /* CONTEXT_BLOCK_SIZE bytes waiting for write_fn */
	size_t out_len;
	char *chunk; /* CONTEXT_STREAM_CHUNK bytes for a streamed blob */

	/* The tree walk, the writer's alone. */
	struct level *levels;
	size_t depth; /* levels in use */
	size_t levels_cap;
	sp_buf walk;    /* path of the tree being listed, trailing '/' */
	size_t listing; /* entries listed, some maybe not handed over */
	int list_done;  /* the walk has ended, or failed: list_error */
	int list_error;
	sp_buf list_message;

	/* Shared with the read-ahead thread, under lock. */
	pthread_mutex_t lock;
	pthread_cond_t more; /* for the thread: entries, room, or stop */
	pthread_cond_t read; /* for the writer: a slot has been read */
	struct slot *ring;   /* CONTEXT_RING slots; entry i in ring[i % ..] */
	size_t head;         /* the entry being written */
	size_t listed;       /* entries handed over */
	size_t cursor;       /* no blob before it is left to read ahead */
	size_t held;         /* bytes of blobs read ahead, not yet written */
	int stop;
	int started;
	pthread_t thread;
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
	if (!*ctx->path)
		return sp_error_set(SP_EIO, "%s: %s", what, msg);
	return sp_error_set(SP_EIO, "%s '%s': %s", what, ctx->path, msg);
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
		                    ctx->walk.ptr, name);
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
	archive_entry_copy_pathname(e, ctx->path);
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
		                    archive_error_string(ctx->ar)
		                        ? archive_error_string(ctx->ar)
		                        : "archive warning");
	return 0;
}

static int context_warn(struct context *ctx, const char *fmt, ...)
{
	va_list ap;

	if (!ctx->opts || !ctx->opts->warn)
		return 0;
	sp_buf_clear(&ctx->warning);
	va_start(ap, fmt);
	sp_buf_vprintf(&ctx->warning, fmt, ap);
	va_end(ap);
	ctx->opts->warn(ctx->warning.ptr, ctx->opts->payload);
	return 0;
}

static int context_is_blob(git_filemode_t mode)
{
	return mode == GIT_FILEMODE_BLOB ||
	       mode == GIT_FILEMODE_BLOB_EXECUTABLE ||
	       mode == GIT_FILEMODE_LINK;
}

/*
 * Read a small blob ahead with `odb`, the calling thread's own. Anything
 * else (a big blob, not a blob, a failure) gives NULL: the writer reads it
 * in its turn, the one way it always does, so any error is its own.
 */
static git_odb_object *context_read_ahead(git_odb *odb, const git_oid *id)
{
	git_odb_object *obj = NULL;
	git_object_t type;
	size_t size;

	if (git_odb_read_header(&size, &type, odb, id) < 0 ||
	    type != GIT_OBJECT_BLOB || size >= CONTEXT_SMALL_BLOB ||
	    size >= atomic_load(&context_stream_min) ||
	    git_odb_read(&obj, odb, id) < 0) {
		git_error_clear();
		return NULL;
	}
	if (git_odb_object_type(obj) != GIT_OBJECT_BLOB) {
		git_odb_object_free(obj);
		return NULL;
	}
	return obj;
}

/*
 * Claim the next blob left to read ahead and read it with `odb`, the lock
 * released meanwhile. Called and returns with ctx->lock held; returns 0
 * when there is no such blob or no room for more.
 */
static int context_read_next(struct context *ctx, git_odb *odb)
{
	struct slot *s = NULL;
	git_odb_object *obj;

	if (ctx->cursor < ctx->head)
		ctx->cursor = ctx->head;
	for (; ctx->cursor < ctx->listed; ctx->cursor++) {
		s = &ctx->ring[ctx->cursor % CONTEXT_RING];
		if (s->state == SLOT_LISTED && context_is_blob(s->mode))
			break;
	}
	if (ctx->cursor >= ctx->listed || ctx->held >= CONTEXT_AHEAD_BYTES)
		return 0;
	s->state = SLOT_READING;
	ctx->cursor++;
	pthread_mutex_unlock(&ctx->lock);
	obj = context_read_ahead(odb, &s->id);
	pthread_mutex_lock(&ctx->lock);
	s->obj = obj;
	s->state = SLOT_READ;
	if (obj)
		ctx->held += git_odb_object_size(obj);
	pthread_cond_signal(&ctx->read);
	return 1;
}

/*
 * The read-ahead thread. It opens the repository itself, as sp_repo_open
 * does (quarantine included): libgit2 objects are not shared between
 * threads. A blob it reads is handed over whole, under the lock, and freed
 * by the writer: nothing else uses it (libgit2 caches no blobs unless told
 * to, and its reference counts are atomic). When it cannot open the
 * repository it reads nothing and the writer reads every blob itself.
 */
static void *context_ahead_main(void *arg)
{
	struct context *ctx = arg;
	sp_repo *repo = NULL;
	git_odb *odb = NULL;

	if (sp_repo_open(&repo, ctx->repo_path) < 0 ||
	    git_repository_odb(&odb, repo->git) < 0)
		goto done;
	pthread_mutex_lock(&ctx->lock);
	while (!ctx->stop)
		if (!context_read_next(ctx, odb))
			pthread_cond_wait(&ctx->more, &ctx->lock);
	pthread_mutex_unlock(&ctx->lock);
done:
	git_odb_free(odb);
	sp_repo_free(repo);
	git_error_clear();
	sp_error_clear();
	return NULL;
}

/* Start the read-ahead thread, all signals blocked in it; none: no thread. */
static void context_start(struct context *ctx)
{
	sigset_t all, old;

	if (!atomic_load(&context_threads))
		return;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ctx->started =
	    pthread_create(&ctx->thread, NULL, context_ahead_main, ctx) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Stop the read-ahead thread, which finishes the blob it reads, if any. */
static void context_stop(struct context *ctx)
{
	if (!ctx->started)
		return;
	pthread_mutex_lock(&ctx->lock);
	ctx->stop = 1;
	pthread_cond_broadcast(&ctx->more);
	pthread_mutex_unlock(&ctx->lock);
	pthread_join(ctx->thread, NULL);
	ctx->started = 0;
}

/*
 * The blob of the entry being written: read ahead (returned), or NULL for
 * the writer to read. While another thread reads it, the writer reads the
 * next blobs ahead instead of waiting, as long as there is room.
 */
static git_odb_object *context_take(struct context *ctx, struct slot *s)
{
	git_odb_object *obj;

	pthread_mutex_lock(&ctx->lock);
	while (s->state == SLOT_READING)
		if (!context_read_next(ctx, ctx->odb))
			pthread_cond_wait(&ctx->read, &ctx->lock);
	obj = s->obj;
	s->obj = NULL;
	s->state = SLOT_READ;
	if (ctx->cursor <= ctx->head)
		ctx->cursor = ctx->head + 1;
	if (obj) {
		ctx->held -= git_odb_object_size(obj);
		pthread_cond_signal(&ctx->more);
	}
	pthread_mutex_unlock(&ctx->lock);
	return obj;
}

/*
 * `git cat-file blob <id>` for the repository as sp_repo_open sees it (the
 * quarantine of a hook as alternates), its stdout on `*fd`. Replace refs
 * are off (libgit2 ignores them too), pack windows small and blobs from
 * 1 MiB streamed, so git's memory stays bounded while it streams.
 */
static int context_cat_start(pid_t *pid, int *fd, struct context *ctx,
                             const git_oid *id)
{
	static const char *const quarantine[] = {"GIT_QUARANTINE_PATH",
	                                         "GIT_OBJECT_DIRECTORY"};
	static const char *const pass[] = {
	    "PATH", "HOME",  "GIT_CONFIG_NOSYSTEM", "GIT_CONFIG_GLOBAL",
	    "LANG", "LC_ALL"};
	char hex[GIT_OID_HEXSZ + 1];
	/*
	 * git streams a packed blob only above core.bigFileThreshold (512 MiB
	 * by default) and reads smaller ones whole: lowered to 1 MiB here.
	 */
	const char *argv[] = {"git",
	                      "-c",
	                      "core.bigFileThreshold=1m",
	                      "-c",
	                      "core.packedGitWindowSize=4m",
	                      "-c",
	                      "core.packedGitLimit=16m",
	                      "cat-file",
	                      "blob",
	                      hex,
	                      NULL};
	sp_proc_options popts = {0};
	sp_buf alternates = SP_BUF_INIT;
	sp_strvec env = SP_STRVEC_INIT;
	int fds[2] = {-1, -1}, error = 0;

	git_oid_tostr(hex, sizeof(hex), id);
	for (size_t i = 0; i < sizeof(pass) / sizeof(pass[0]); i++)
		sp_strvec_passenv(&env, pass[i]);
	/* Each quarantine directory C-quoted, as git reads the list. */
	for (size_t i = 0; i < 2; i++) {
		const char *dir = getenv(quarantine[i]);

		if (!dir || !*dir)
			continue;
		if (alternates.size)
			sp_buf_putc(&alternates, ':');
		sp_buf_putc(&alternates, '"');
		for (const char *p = dir; *p; p++) {
			if (*p == '"' || *p == '\\')
				sp_buf_putc(&alternates, '\\');
			sp_buf_putc(&alternates, *p);
		}
		sp_buf_putc(&alternates, '"');
	}
	sp_strvec_setenv(&env, "GIT_DIR", ctx->repo_path);
	sp_strvec_setenv(&env, "GIT_NO_REPLACE_OBJECTS", "1");
	if (alternates.size)
		sp_strvec_setenv(&env, "GIT_ALTERNATE_OBJECT_DIRECTORIES",
		                 alternates.ptr);
	if (pipe2(fds, O_CLOEXEC) < 0) {
		error = sp_error_set_os(SP_ERROR, "pipe failed");
		goto done;
	}
	popts.argv = argv;
	popts.envp = sp_strvec_array(&env);
	popts.stdin_fd = -1;
	popts.stdout_fd = fds[1];
	popts.stderr_fd = -1;
	if ((error = sp_proc_spawn(pid, &popts)) < 0)
		goto done;
	*fd = fds[0];
	fds[0] = -1;
done:
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	sp_buf_dispose(&alternates);
	sp_strvec_clear(&env);
	return error;
}

/*
 * Write a blob of `size` bytes (from its header) in pieces: a loose object
 * through libgit2's read stream, a packed one (libgit2 streams only loose
 * objects) from git cat-file. The tar header goes out once the source is
 * open; a source that gives more or fewer bytes than the header said fails.
 */
static int context_stream(struct context *ctx, struct slot *s, uint64_t size)
{
	git_odb_stream *stream = NULL;
	git_object_t type;
	size_t len = 0;
	uint64_t left = size;
	pid_t pid = -1;
	int fd = -1, status = 0, rc, error;

	rc = git_odb_open_rstream(&stream, &len, &type, ctx->odb, &s->id);
	if (rc == 0 && (type != GIT_OBJECT_BLOB || (uint64_t)len != size)) {
		error = sp_error_set(SP_ERROR,
		                     "reading a blob of the commit: '%s' "
		                     "changed while it was read",
		                     ctx->path);
		goto done;
	}
	if (rc < 0 && rc != GIT_ENOTFOUND) {
		error = sp_context__blob_error(rc);
		goto done;
	}
	if (rc < 0) {
		git_error_clear();
		if ((error = context_cat_start(&pid, &fd, ctx, &s->id)) < 0)
			goto done;
	}
	if (!ctx->chunk && !(ctx->chunk = malloc(CONTEXT_STREAM_CHUNK))) {
		error = sp_error_set(SP_ENOMEM, "out of memory");
		goto done;
	}
	if ((error = context_header(
	         ctx, AE_IFREG,
	         s->mode == GIT_FILEMODE_BLOB_EXECUTABLE ? 0755 : 0644, size)) <
	    0)
		goto done;
	for (;;) {
		ssize_t n;
		const char *p = ctx->chunk;

		if (stream) {
			n = git_odb_stream_read(stream, ctx->chunk,
			                        CONTEXT_STREAM_CHUNK);
			if (n < 0) {
				error = sp_context__blob_error((int)n);
				goto done;
			}
		} else {
			n = read(fd, ctx->chunk, CONTEXT_STREAM_CHUNK);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				error = sp_error_set_os(SP_EIO,
				                        "reading '%s' from git "
				                        "cat-file",
				                        ctx->path);
				goto done;
			}
		}
		if (n == 0)
			break;
		if ((uint64_t)n > left) {
			error =
			    sp_error_set(SP_ERROR,
			                 "reading a blob of the commit: "
			                 "'%s' is longer than its header "
			                 "says (%llu bytes)",
			                 ctx->path, (unsigned long long)size);
			goto done;
		}
		left -= (uint64_t)n;
		while (n > 0) {
			la_ssize_t w =
			    archive_write_data(ctx->ar, p, (size_t)n);

			if (w <= 0) {
				error = context_archive_error(ctx, "writing");
				goto done;
			}
			p += w;
			n -= w;
		}
	}
	if (fd >= 0) {
		close(fd);
		fd = -1;
		if ((error = sp_proc_wait(&status, pid)) < 0)
			goto done;
		pid = -1;
		if (status != 0) {
			error =
			    sp_error_set(SP_ERROR,
			                 "reading a blob of the commit: git "
			                 "cat-file exited with status %d "
			                 "on '%s'",
			                 status, ctx->path);
			goto done;
		}
	}
	if (left) {
		error = sp_error_set(SP_ERROR,
		                     "reading a blob of the commit: '%s' "
		                     "ended %llu bytes short of its %llu",
		                     ctx->path, (unsigned long long)left,
		                     (unsigned long long)size);
		goto done;
	}
	atomic_fetch_add(
	    stream ? &context_streamed_loose : &context_streamed_packed, 1);
	ctx->stats->files++;
	ctx->stats->bytes += size;
	if (size > ctx->stats->largest)
		ctx->stats->largest = size;
done:
	if (fd >= 0)
		close(fd);
	if (pid > 0)
		sp_proc_wait(&status, pid);
	if (stream)
		git_odb_stream_free(stream);
	return error;
}

static int context_blob(struct context *ctx, struct slot *s)
{
	git_odb_object *obj = context_take(ctx, s);
	git_blob *blob = NULL;
	const char *data;
	uint64_t size, total;
	int error = 0;

	if (obj) {
		data = git_odb_object_data(obj);
		size = (uint64_t)git_odb_object_size(obj);
		if ((error = sp_context__limits(ctx->opts, ctx->path, size,
		                                ctx->stats->bytes)) < 0)
			goto done;
	} else {
		/* The header first: the limits, and whether to stream. */
		size_t hsize = 0;
		git_object_t type;

		if ((error = git_odb_read_header(&hsize, &type, ctx->odb,
		                                 &s->id)) < 0) {
			error = sp_context__blob_error(error);
			goto done;
		}
		if ((error = sp_context__limits(ctx->opts, ctx->path,
		                                (uint64_t)hsize,
		                                ctx->stats->bytes)) < 0)
			goto done;
		if (type == GIT_OBJECT_BLOB && s->mode != GIT_FILEMODE_LINK &&
		    hsize >= atomic_load(&context_stream_min)) {
			error = context_stream(ctx, s, (uint64_t)hsize);
			goto done;
		}
		if ((error = git_blob_lookup(&blob, ctx->git, &s->id)) < 0) {
			error = sp_context__blob_error(error);
			goto done;
		}
		data = git_blob_rawcontent(blob);
		size = (uint64_t)git_blob_rawsize(blob);
	}
	total = size;

	if (s->mode == GIT_FILEMODE_LINK) {
		if (!size || size > SP_CONTEXT_MAX_LINK ||
		    memchr(data, '\0', size)) {
			error = sp_error_set(SP_EINVALID,
			                     "symbolic link '%s' has a target "
			                     "no file system takes",
			                     ctx->path);
			goto done;
		}
		sp_buf_clear(&ctx->link);
		sp_buf_put(&ctx->link, data, size);
		if ((error = context_header(ctx, AE_IFLNK, 0777, 0)) < 0)
			goto done;
		ctx->stats->symlinks++;
		goto done;
	}

	if ((error = context_header(
	         ctx, AE_IFREG,
	         s->mode == GIT_FILEMODE_BLOB_EXECUTABLE ? 0755 : 0644, size)) <
	    0)
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
	ctx->stats->files++;
	ctx->stats->bytes += total;
	if (total > ctx->stats->largest)
		ctx->stats->largest = total;
done:
	git_blob_free(blob);
	git_odb_object_free(obj);
	return error;
}

/* Write the entry at the head of the ring. */
static int context_entry(struct context *ctx, struct slot *s)
{
	char hex[GIT_OID_HEXSZ + 1];
	int error;

	ctx->path = s->path.ptr;
	switch (s->mode) {
	case GIT_FILEMODE_TREE:
		if ((error = context_header(ctx, AE_IFDIR, 0755, 0)) == 0)
			ctx->stats->dirs++;
		return error;
	case GIT_FILEMODE_BLOB:
	case GIT_FILEMODE_BLOB_EXECUTABLE:
	case GIT_FILEMODE_LINK:
		return context_blob(ctx, s);
	case GIT_FILEMODE_COMMIT:
		git_oid_tostr(hex, sizeof(hex), &s->id);
		ctx->stats->submodules++;
		return context_warn(ctx,
		                    "submodule '%s' (commit %.12s) is not part "
		                    "of the build context",
		                    ctx->path, hex);
	default:
		return sp_error_set(SP_EINVALID,
		                    "tree entry '%s' has unknown mode %06o",
		                    ctx->path, (unsigned)s->mode);
	}
}

/* Walk into `tree` (owned from now on), listed below ctx->walk. */
static void context_push(struct context *ctx, git_tree *tree)
{
	if (ctx->depth == ctx->levels_cap) {
		size_t cap = ctx->levels_cap ? 2 * ctx->levels_cap : 16;
		struct level *levels = sp_calloc(cap, sizeof(*levels));

		if (ctx->depth)
			memcpy(levels, ctx->levels,
			       ctx->depth * sizeof(*levels));
		free(ctx->levels);
		ctx->levels = levels;
		ctx->levels_cap = cap;
	}
	ctx->levels[ctx->depth].tree = tree;
	ctx->levels[ctx->depth].next = 0;
	ctx->levels[ctx->depth].base = ctx->walk.size;
	ctx->depth++;
}

/*
 * List the next entry of the walk into the ring, in the order of the tar,
 * a directory before its contents (ctx->list_done at the end). An entry
 * that cannot go into the archive ends the walk with an error, which the
 * writer reports after the entries before it.
 */
static int context_list_one(struct context *ctx)
{
	struct level *l = NULL;
	const git_tree_entry *te;
	const char *name;
	struct slot *s;
	git_tree *tree = NULL;
	int error;

	while (ctx->depth > 0) {
		l = &ctx->levels[ctx->depth - 1];
		if (l->next < git_tree_entrycount(l->tree))
			break;
		git_tree_free(l->tree);
		ctx->depth--;
	}
	if (!ctx->depth) {
		ctx->list_done = 1;
		return 0;
	}
	te = git_tree_entry_byindex(l->tree, l->next++);
	name = git_tree_entry_name(te);
	sp_buf_truncate(&ctx->walk, l->base);
	if ((error = context_check_name(ctx, name)) < 0)
		return error;
	sp_buf_puts(&ctx->walk, name);
	if (git_tree_entry_filemode(te) == GIT_FILEMODE_TREE &&
	    ctx->depth - 1 >= SP_CONTEXT_MAX_DEPTH)
		return sp_error_set(SP_EINVALID,
		                    "directory '%s' is nested more than %d "
		                    "deep",
		                    ctx->walk.ptr, SP_CONTEXT_MAX_DEPTH);

	s = &ctx->ring[ctx->listing % CONTEXT_RING];
	sp_buf_clear(&s->path);
	sp_buf_put(&s->path, ctx->walk.ptr, ctx->walk.size);
	git_oid_cpy(&s->id, git_tree_entry_id(te));
	s->mode = git_tree_entry_filemode(te);
	s->state = SLOT_LISTED;
	s->obj = NULL;
	ctx->listing++;
	if (s->mode != GIT_FILEMODE_TREE)
		return 0;

	/* Its header goes first; a tree that cannot be read fails next. */
	if ((error = git_tree_lookup(&tree, ctx->git, &s->id)) < 0)
		return sp_repo__git_error(error == GIT_ENOTFOUND ? SP_ENOTFOUND
		                                                 : SP_ERROR,
		                          "reading a tree of the commit");
	sp_buf_putc(&ctx->walk, '/');
	context_push(ctx, tree);
	return 0;
}

/* Hand the entries listed so far over to the read-ahead thread. */
static void context_publish(struct context *ctx)
{
	pthread_mutex_lock(&ctx->lock);
	ctx->listed = ctx->listing;
	pthread_cond_signal(&ctx->more);
	pthread_mutex_unlock(&ctx->lock);
}

/* List entries until the ring is full or the walk has ended. */
static void context_list(struct context *ctx)
{
	int error;

	while (!ctx->list_done && ctx->listing - ctx->head < CONTEXT_RING) {
		if ((error = context_list_one(ctx)) < 0) {
			ctx->list_error = error;
			sp_buf_sets(&ctx->list_message, sp_error_last());
			ctx->list_done = 1;
		}
		if (ctx->listing - ctx->listed >= CONTEXT_PUBLISH)
			context_publish(ctx);
	}
	if (ctx->listing != ctx->listed)
		context_publish(ctx);
}

/* Write every entry of the tree, listing ahead as it goes. */
static int context_entries(struct context *ctx)
{
	int error = 0;

	context_start(ctx);
	while (!error) {
		if (!ctx->list_done &&
		    ctx->listing - ctx->head <= CONTEXT_RING / 2)
			context_list(ctx);
		if (ctx->head == ctx->listing)
			break;
		error =
		    context_entry(ctx, &ctx->ring[ctx->head % CONTEXT_RING]);
		pthread_mutex_lock(&ctx->lock);
		ctx->head++;
		pthread_mutex_unlock(&ctx->lock);
	}
	context_stop(ctx);
	ctx->path = "";
	if (!error && ctx->list_error)
		error =
		    sp_error_set(ctx->list_error, "%s", ctx->list_message.ptr);
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

int sp_context_set_threads(int on)
{
	return atomic_exchange(&context_threads, on ? 1 : 0);
}

size_t sp_context__set_stream_threshold(size_t size)
{
	return atomic_exchange(&context_stream_min,
	                       size ? size : SP_CONTEXT_STREAM_BLOB);
}

void sp_context__stream_counts(size_t *loose, size_t *packed)
{
	*loose = atomic_load(&context_streamed_loose);
	*packed = atomic_load(&context_streamed_packed);
}

int sp_context_write_cb(sp_repo *repo, const char *commit,
                        sp_context_write_fn write_fn, void *payload,
                        const sp_context_options *opts, sp_context_stats *stats)
{
	struct context ctx = {0};
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

	sp_buf_init(&ctx.link);
	sp_buf_init(&ctx.warning);
	sp_buf_init(&ctx.walk);
	sp_buf_init(&ctx.list_message);
	pthread_mutex_init(&ctx.lock, NULL);
	pthread_cond_init(&ctx.more, NULL);
	pthread_cond_init(&ctx.read, NULL);
	ctx.ring = sp_calloc(CONTEXT_RING, sizeof(*ctx.ring));
	for (size_t i = 0; i < CONTEXT_RING; i++)
		sp_buf_init(&ctx.ring[i].path);
	ctx.path = "";
	ctx.git = repo->git;
	ctx.repo_path = repo->path;
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
		error = sp_repo__git_error(error == GIT_ENOTFOUND ? SP_ENOTFOUND
		                                                  : SP_ERROR,
		                           "reading the tree of the commit");
		goto done;
	}
	ctx.mtime = (time_t)git_commit_time(c);
	if (git_repository_odb(&ctx.odb, repo->git) < 0) {
		error = sp_repo__git_error(SP_ERROR,
		                           "cannot open the object database");
		goto done;
	}
	context_push(&ctx, tree);
	tree = NULL;

	if ((error = context_open(&ctx)) < 0 ||
	    (error = context_entries(&ctx)) < 0)
		goto done;
	if (archive_write_close(ctx.ar) != ARCHIVE_OK)
		error = context_archive_error(&ctx, "finishing the archive");
	else
		error = context_flush(&ctx);
done:
	context_stop(&ctx);
	if (ctx.ar)
		archive_write_free(ctx.ar);
	archive_entry_free(ctx.entry);
	free(ctx.out);
	free(ctx.chunk);
	for (size_t i = 0; i < CONTEXT_RING; i++) {
		git_odb_object_free(ctx.ring[i].obj);
		sp_buf_dispose(&ctx.ring[i].path);
	}
	free(ctx.ring);
	while (ctx.depth > 0)
		git_tree_free(ctx.levels[--ctx.depth].tree);
	free(ctx.levels);
	git_odb_free(ctx.odb);
	git_tree_free(tree);
	git_commit_free(c);
	sp_buf_dispose(&ctx.link);
	sp_buf_dispose(&ctx.warning);
	sp_buf_dispose(&ctx.walk);
	sp_buf_dispose(&ctx.list_message);
	pthread_cond_destroy(&ctx.read);
	pthread_cond_destroy(&ctx.more);
	pthread_mutex_destroy(&ctx.lock);
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
	struct timespec zero = {0, 0};
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

/* A tar of one directory entry: the layer of the /data owner image. */
/* A tar archive of one entry `name` (a directory, or a file of `len` bytes
 * at `data`) owned by uid:gid with `mode`, mtime 0, into `out`. */
static int context_one_entry(sp_buf *out, const char *name, unsigned uid,
                             unsigned gid, unsigned mode, const char *data,
                             size_t len)
{
	struct archive *ar = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	size_t used = 0;
	int error = 0;

	sp_buf_clear(out);
	if (!ar || !e || sp_buf_grow(out, len + 64 * 1024) < 0) {
		error = sp_error_set(SP_ENOMEM, "out of memory");
		goto done;
	}
	archive_entry_copy_pathname(e, name);
	archive_entry_set_filetype(e, data ? AE_IFREG : AE_IFDIR);
	archive_entry_set_perm(e, mode & 07777);
	archive_entry_set_uid(e, uid);
	archive_entry_set_gid(e, gid);
	if (data)
		archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_mtime(e, 0, 0);
	if (archive_write_set_format_pax_restricted(ar) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(ar, 0) != ARCHIVE_OK ||
	    archive_write_open_memory(ar, out->ptr, out->asize, &used) !=
	        ARCHIVE_OK ||
	    archive_write_header(ar, e) != ARCHIVE_OK ||
	    (data && archive_write_data(ar, data, len) != (la_ssize_t)len) ||
	    archive_write_close(ar) != ARCHIVE_OK) {
		error = sp_error_set(SP_ERROR, "cannot make an archive: %s",
		                     archive_error_string(ar)
		                         ? archive_error_string(ar)
		                         : "libarchive failed");
		goto done;
	}
	out->size = used;
done:
	archive_entry_free(e);
	archive_write_free(ar);
	return error;
}

int sp_context_dir_archive(sp_buf *out, const char *name, unsigned uid,
                           unsigned gid, unsigned mode)
{
	return context_one_entry(out, name, uid, gid, mode, NULL, 0);
}

int sp_context_file_archive(sp_buf *out, const char *name, const char *path,
                            unsigned mode)
{
	sp_buf content = SP_BUF_INIT;
	int error;

	sp_buf_clear(out);
	if ((error = sp_buf_read_file(&content, path, 64 * 1024 * 1024)) == 0)
		error = context_one_entry(out, name, 0, 0, mode,
		                          content.ptr ? content.ptr : "",
		                          content.size);
	sp_buf_dispose(&content);
	return error;
}
