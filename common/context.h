/* The build context: the tree of a commit streamed as a tar archive, blob by
 * blob, nothing checked out. */
#ifndef SP_CONTEXT_H
#define SP_CONTEXT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "repo.h"

/* The deepest directory nesting accepted (git's core.maxTreeDepth). */
#define SP_CONTEXT_MAX_DEPTH 4096

/* The longest symbolic link target accepted, in bytes (PATH_MAX). */
#define SP_CONTEXT_MAX_LINK 4096

typedef struct {
	/*
	 * Called with a one-line message for each entry left out of the
	 * archive (a submodule); NULL: say nothing.
	 */
	void (*warn)(const char *msg, void *payload);
	/* Passed to warn. */
	void *payload;
	/*
	 * The largest blob accepted, in bytes (spacehook.maxBlobSize); 0: any.
	 * A blob past it fails with SP_ETOOBIG, found from its object header
	 * before any of its bytes are read or written.
	 */
	uint64_t max_blob;
	/*
	 * The most file bytes in total (spacehook.maxContextSize); 0: any. The
	 * blob that would pass it fails with SP_ETOOBIG, before its bytes are
	 * written.
	 */
	uint64_t max_total;
	/*
	 * sp_context_measure only: a file that keeps the sizes of the trees
	 * measured before (a tree's sizes never change), so that a commit
	 * changing a few directories of a big tree reads only those; NULL: no
	 * such file. It is written whole (temporary file, rename); a file
	 * that cannot be read or written is left alone, never an error.
	 */
	const char *size_cache;
} sp_context_options;

#define SP_CONTEXT_OPTIONS_INIT                                                \
	{                                                                      \
		NULL, NULL, 0, 0, NULL                                         \
	}

/* Blobs of this size and more are streamed, never held whole in memory. */
#define SP_CONTEXT_STREAM_BLOB ((size_t)16 * 1024 * 1024)

typedef struct {
	size_t files;      /* regular and executable files written */
	size_t dirs;       /* directories written */
	size_t symlinks;   /* symbolic links written */
	size_t submodules; /* submodules (gitlinks) skipped */
	uint64_t bytes;    /* bytes of file contents written (no tar headers) */
	uint64_t largest;  /* size of the largest blob written */
} sp_context_stats;

/*
 * Receives the archive bytes in order; returns 0, or a negative code (with
 * sp_error_set) to stop the archive, which sp_context_write_cb then returns.
 */
typedef int (*sp_context_write_fn)(const void *data, size_t len, void *payload);

/*
 * Set libgit2 up, for the whole process, to stream big trees: pack files
 * mapped in small windows (4 MiB, at most 16 MiB at once) instead of
 * whole, a small object cache (4 MiB), and no SHA-1 check of each object
 * read (git archive does not check either; git checked the objects when
 * they were received), which makes reading about a third faster. Memory
 * then stays near the largest blob plus a few MiB. Applies to repositories
 * opened afterwards: call it once before sp_repo_open in a process that
 * writes contexts. Returns 0 or SP_ERROR.
 */
int sp_context_tune(void);

/*
 * Whether sp_context_write reads small blobs ahead in a second thread
 * (on, the default) or does everything in the calling thread (off); the
 * archive is the same bytes either way. For the whole process; returns the
 * setting before.
 */
int sp_context_set_threads(int on);

/*
 * Write the tree of `commit` (anything sp_repo_resolve takes; it must name
 * a commit) to `fd` as a POSIX tar archive (ustar, pax headers where
 * needed): files 0644, executables 0755, symbolic links as links,
 * directories 0755 before their contents, every entry owned by 0:0 with the
 * commit time as mtime, names relative without a leading "./". Submodules
 * are skipped, each reported through opts->warn. Blobs under 1 MiB are
 * read ahead by a second thread (its own repository handle, opened at
 * sp_repo_path(repo) as sp_repo_open does) and by the calling thread while
 * it waits, at most 4 MiB of them at a time; bigger blobs are read one at a
 * time when their turn comes (see sp_context_set_threads). Blobs of
 * SP_CONTEXT_STREAM_BLOB and more are streamed in pieces: loose objects
 * through libgit2, packed ones from `git cat-file blob` (run from an argv
 * with GIT_DIR set, replace refs off), so memory stays within a few tens
 * of MiB whatever the size of a blob (a blob stored as a delta is an
 * exception: git rebuilds it whole; the limits bound it). The limits of
 * `opts` are checked on the object header of each blob before any of its
 * bytes are read. SIGPIPE is blocked in the
 * calling thread while writing: a reader that goes away makes this return
 * SP_EIO, not kill the process. `opts` and `stats` may be NULL; `stats`
 * counts what was written, also when this fails part way. `fd` is neither
 * closed nor repositioned. Returns 0, SP_ENOTFOUND (no such commit),
 * SP_EINVALID (a tree entry that cannot go into a build context, e.g. a
 * name of ".."), SP_ETOOBIG, SP_EIO, or another negative code.
 */
int sp_context_write(sp_repo *repo, const char *commit, int fd,
                     const sp_context_options *opts, sp_context_stats *stats);

/*
 * Like sp_context_write, handing the bytes to `write_fn` instead of an fd
 * (SIGPIPE is left alone). `write_fn` and opts->warn are only called from
 * the calling thread. A negative return of `write_fn` is returned as is.
 */
int sp_context_write_cb(sp_repo *repo, const char *commit,
                        sp_context_write_fn write_fn, void *payload,
                        const sp_context_options *opts,
                        sp_context_stats *stats);

/*
 * Measure the build context of `commit` without writing it: the counts and
 * sizes sp_context_write would give in `out`, read from tree objects and
 * blob headers only (no blob is loaded), with the same limits checked in
 * the same order, so a commit over a limit fails with SP_ETOOBIG and the
 * message sp_context_write would give (the first file over
 * opts->max_blob, or the file with which the files pass opts->max_total).
 * Directories nested deeper than SP_CONTEXT_MAX_DEPTH fail with
 * SP_EINVALID. With opts->size_cache, trees measured before are not read
 * again unless a limit may be passed inside them. `largest_path`, when not
 * NULL, gets the path of the largest file (the first of that size), empty
 * when there is none. `out` counts what was measured, also when this fails
 * part way; `opts` may be NULL. Returns 0, SP_ENOTFOUND, SP_ETOOBIG,
 * SP_EINVALID or another negative code.
 */
int sp_context_measure(sp_context_stats *out, sp_repo *repo, const char *commit,
                       const sp_context_options *opts, sp_buf *largest_path);

/*
 * For tests: stream blobs of `size` bytes and more instead of
 * SP_CONTEXT_STREAM_BLOB (0: back to it), for the whole process; blobs
 * that are streamed are not read ahead. Returns the threshold before.
 */
size_t sp_context__set_stream_threshold(size_t size);

/*
 * For tests: how many blobs were streamed since the process started,
 * through libgit2 (loose objects) and through git cat-file (packed).
 */
void sp_context__stream_counts(size_t *loose, size_t *packed);

/*
 * A tar archive holding one directory entry `name` owned by uid:gid with
 * `mode`, mtime 0, into `out` (replacing what it held): the single layer of
 * an image whose `name` directory only gives its owner to an empty volume.
 */
int sp_context_dir_archive(sp_buf *out, const char *name, unsigned uid,
                           unsigned gid, unsigned mode);

/*
 * A tar archive holding one regular file `name`, the content of file `path`
 * (at most 64 MiB), owned by root with `mode`, mtime 0, into `out`
 * (replacing what it held): the single layer of a one-program image.
 */
int sp_context_file_archive(sp_buf *out, const char *name, const char *path,
                            unsigned mode);

#endif
