/* The push options spacehook reads (`git push -o spacehook.wait=no`): what a
 * push asks of its build and deploy. */
#ifndef SP_PUSHOPT_H
#define SP_PUSHOPT_H

#include <stddef.h>

/*
 * spacehook.wait=no (or =false)   the pusher does not wait for the build;
 *                                 =yes (=true) waits, as without it
 * spacehook.factory (=yes, =true) build without the build cache, as
 *                                 `spacehook restart --factory` does;
 *                                 =no (=false) as without it
 * Other options, those of other tools included, are left alone.
 */
typedef struct {
	unsigned job_flags;  /* SP_JOB_* (queue.h): SP_JOB_NO_CACHE */
	int no_wait;         /* spacehook.wait=no */
	const char *unknown; /* the first spacehook.* option not above (or
	                        with a value not above), pointing into the
	                        options given; NULL when none */
} sp_pushopt;

/* Read `count` push options (as git passes them, "name" or "name=value") into
 * `out`. The last of each wins. */
void sp_pushopt_parse(sp_pushopt *out, const char *const *options,
                      size_t count);

/*
 * The same from the environment of a receive hook: GIT_PUSH_OPTION_COUNT and
 * GIT_PUSH_OPTION_0... (at most 100 read). `out->unknown` points into the
 * environment.
 */
void sp_pushopt_from_env(sp_pushopt *out);

#endif
