/* Error codes and the last-error slot: a code a caller can act on, a message a
 * human can read. */
#ifndef SP_ERROR_H
#define SP_ERROR_H

/*
 * Every specific failure code, defined once with its name (libuv's
 * UV_ERRNO_MAP). Functions return 0 on success and one of these (all
 * negative) on failure; SP_ERROR is the generic one.
 */
#define SP_ERRNO_MAP(X)                                                        \
	X(ERROR, -1, "failure")                                                \
	X(ENOTFOUND, -2, "not found")                                          \
	X(EINVALID, -3, "invalid input")                                       \
	X(ETOOBIG, -4, "too big")                                              \
	X(ECONFIG, -5, "bad space config")                                     \
	X(EUSAGE, -6, "usage")                                                 \
	X(EIO, -7, "input/output error")                                       \
	X(ENOMEM, -8, "out of memory")                                         \
	X(EENGINE, -9, "docker engine error")                                  \
	X(EUNREACHABLE, -10, "docker engine unreachable")                      \
	X(ELOCKED, -11, "locked")                                              \
	X(ETIMEOUT, -12, "timed out")                                          \
	X(EEXISTS, -13, "already exists")                                      \
	X(EBUILD, -14, "build failed")                                         \
	X(ERUNTIME, -15, "app failed")                                         \
	X(ECANCELED, -16, "canceled")                                          \
	X(EPROXY, -17, "proxy reload failed")                                  \
	X(EDENIED, -18, "not allowed")

typedef enum {
#define SP_ERRNO_ENUM(name, value, text) SP_##name = value,
	SP_ERRNO_MAP(SP_ERRNO_ENUM)
#undef SP_ERRNO_ENUM
} sp_errno;

/*
 * Set the last error of this thread, printf-style, and return `code` so a
 * caller can write `return sp_error_set(SP_EINVALID, "bad '%s'", x);`.
 * Messages are one line, lowercase, no full stop.
 */
int sp_error_set(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Like sp_error_set, appending ": strerror(errno)" of the current errno. */
int sp_error_set_os(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The last message set on this thread, or "" when none; never NULL. */
const char *sp_error_last(void);

/* The code of the last error set on this thread, or 0. */
int sp_error_last_code(void);

/* Forget the last error. */
void sp_error_clear(void);

/* The short name of a code ("ENOTFOUND"), or "UNKNOWN". */
const char *sp_error_name(int code);

#endif
