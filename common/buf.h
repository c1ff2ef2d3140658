/* A growable byte buffer (git's strbuf, libgit2's git_str): ptr is never NULL
 * and always NUL-terminated. */
#ifndef SP_BUF_H
#define SP_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct {
	char *ptr;    /* the bytes, NUL-terminated; never NULL */
	size_t size;  /* bytes used, not counting the NUL */
	size_t asize; /* bytes allocated; 0 while ptr points at a shared "" */
} sp_buf;

extern char sp_buf__empty[];
#define SP_BUF_INIT                                                            \
	{                                                                      \
		sp_buf__empty, 0, 0                                            \
	}

/* Initialise to empty. */
void sp_buf_init(sp_buf *buf);

/* Release the memory; the buffer is empty and reusable afterwards. */
void sp_buf_dispose(sp_buf *buf);

/*
 * sp_buf_dispose for a buffer that held a secret: every allocated byte is
 * zeroed (explicit_bzero, never optimised away) before the memory is freed.
 */
void sp_buf_dispose_wipe(sp_buf *buf);

/* Empty the buffer, keeping its memory. */
void sp_buf_clear(sp_buf *buf);

/*
 * Out of memory: the policy of git's strbuf. The appending calls below
 * cannot fail: when memory runs out the process says so on stderr and
 * aborts (sp_die_oom), as sp_strdup and sp_calloc do, so no caller checks
 * them and none can forget to. The one exception is sp_buf_grow, whose size
 * a caller may compute from input: it reports SP_ENOMEM (buffer unchanged)
 * and lets the caller refuse that input.
 */

/* Make room for `extra` more bytes (plus the NUL). SP_ENOMEM on overflow. */
int sp_buf_grow(sp_buf *buf, size_t extra);

/* Append bytes, a C string, one char, or formatted text. */
void sp_buf_put(sp_buf *buf, const void *data, size_t len);
void sp_buf_puts(sp_buf *buf, const char *str);
void sp_buf_putc(sp_buf *buf, char c);
void sp_buf_printf(sp_buf *buf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sp_buf_vprintf(sp_buf *buf, const char *fmt, va_list ap);

/* Replace the contents with a copy of `str`. */
void sp_buf_sets(sp_buf *buf, const char *str);

/* Cut to `len` bytes (no-op when already shorter). */
void sp_buf_truncate(sp_buf *buf, size_t len);

/* Take the heap string out (caller frees); the buffer is empty after. */
char *sp_buf_detach(sp_buf *buf);

/*
 * Append everything readable from `fd` until end of file. More than `max`
 * bytes in total in the buffer fails with SP_ETOOBIG (curl's dynbuf
 * "toobig"); the buffer then holds what was read so far.
 */
int sp_buf_read_fd(sp_buf *buf, int fd, size_t max);

/* Read a whole file, at most `max` bytes, into `buf` (replacing it). */
int sp_buf_read_file(sp_buf *buf, const char *path, size_t max);

/* Say "out of memory" on stderr and abort. */
void sp_die_oom(size_t size) __attribute__((noreturn));

/* Say "out of memory" on stderr and abort. */
void sp_die_oom(size_t size) __attribute__((noreturn));

/* Duplicate a string; aborts on allocation failure (for small, bounded
 * strings). */
char *sp_strdup(const char *s);

/* Allocate zeroed memory; aborts on allocation failure. */
void *sp_calloc(size_t n, size_t size);

#endif
