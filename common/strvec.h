/* A growable NULL-terminated array of owned strings (git's strvec): argv and
 * environment vectors for child processes. */
#ifndef SP_STRVEC_H
#define SP_STRVEC_H

#include <stdarg.h>
#include <stddef.h>

typedef struct {
	const char **v; /* NULL-terminated; never NULL */
	size_t nr;      /* strings, not counting the NULL */
	size_t alloc; /* slots allocated; 0 while v points at a shared empty */
} sp_strvec;

extern const char *sp_strvec__empty[];
#define SP_STRVEC_INIT                                                         \
	{                                                                      \
		sp_strvec__empty, 0, 0                                         \
	}

/*
 * Like sp_buf, nothing here fails: out of memory aborts (sp_die_oom). Every
 * string is a copy owned by the vector; sp_strvec_clear wipes each before it
 * frees it, since environment vectors carry secret values.
 */

void sp_strvec_init(sp_strvec *vec);

/* Append a copy of `value`; returns the copy. */
const char *sp_strvec_push(sp_strvec *vec, const char *value);

/* Append formatted text. */
const char *sp_strvec_pushf(sp_strvec *vec, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Append each argument up to a NULL. */
void sp_strvec_pushl(sp_strvec *vec, ...) __attribute__((sentinel));

/* Append each string of a NULL-terminated array. */
void sp_strvec_pushv(sp_strvec *vec, const char *const *items);

/* Environment vectors ("NAME=value"): add or replace NAME. */
void sp_strvec_setenv(sp_strvec *vec, const char *name, const char *value);

/* Copy NAME from this process's environment when it is set there. */
void sp_strvec_passenv(sp_strvec *vec, const char *name);

/* The vector as execve wants it (owned by vec; never NULL). */
char *const *sp_strvec_array(const sp_strvec *vec);

/* Wipe and free every string; the vector is empty and reusable after. */
void sp_strvec_clear(sp_strvec *vec);

#endif
