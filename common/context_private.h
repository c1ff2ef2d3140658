/* What the build context's writer (context.c) and its measuring
 * (context_measure.c) share. */
#ifndef SP_CONTEXT_PRIVATE_H
#define SP_CONTEXT_PRIVATE_H

#include <stdint.h>

#include "context.h"

/*
 * The limits of `opts` on a blob of `size` bytes at `path`, `bytes` of
 * files before it: the same check, in the same order, for the writer and
 * for sp_context_measure. 0, or SP_ETOOBIG with the message naming the
 * file, the sizes, the limit and its setting. `opts` may be NULL.
 */
int sp_context__limits(const sp_context_options *opts, const char *path,
                       uint64_t size, uint64_t bytes);

/* The error of a blob of the commit libgit2 could not read (its code). */
int sp_context__blob_error(int error);

#endif
