/* The push options spacehook reads, as flags of the job a push queues. */
#include "pushopt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue.h"

#include "banned.h"

/* The most options read from the environment. */
#define PUSHOPT_MAX 100

/* A boolean value: 1 yes, 0 no, -1 neither. */
static int pushopt_bool(const char *value)
{
	if (!strcmp(value, "yes") || !strcmp(value, "true"))
		return 1;
	if (!strcmp(value, "no") || !strcmp(value, "false"))
		return 0;
	return -1;
}

/* What pushopt_match gives for an option without a value. */
static const char pushopt_yes[] = "yes";

/* The option `opt` when it is `name` or `name=VALUE`: its value (pushopt_yes
 * when none), else NULL. */
static const char *pushopt_match(const char *opt, const char *name)
{
	size_t len = strlen(name);

	if (strncmp(opt, name, len))
		return NULL;
	if (!opt[len])
		return pushopt_yes;
	return opt[len] == '=' ? opt + len + 1 : NULL;
}

void sp_pushopt_parse(sp_pushopt *out, const char *const *options, size_t count)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < count; i++) {
		const char *opt = options[i], *value;
		int b;

		if (!opt || strncmp(opt, "spacehook.", 10))
			continue;
		/* spacehook.wait takes a value; spacehook.factory alone is yes.
		 */
		if ((value = pushopt_match(opt, "spacehook.wait")) &&
		    value != pushopt_yes && (b = pushopt_bool(value)) >= 0) {
			out->no_wait = !b;
			continue;
		}
		if ((value = pushopt_match(opt, "spacehook.factory")) &&
		    (b = pushopt_bool(value)) >= 0) {
			if (b)
				out->job_flags |= SP_JOB_NO_CACHE;
			else
				out->job_flags &= ~(unsigned)SP_JOB_NO_CACHE;
			continue;
		}
		if (!out->unknown)
			out->unknown = opt;
	}
}

void sp_pushopt_from_env(sp_pushopt *out)
{
	const char *options[PUSHOPT_MAX];
	const char *count = getenv("GIT_PUSH_OPTION_COUNT");
	long n = count ? strtol(count, NULL, 10) : 0;
	char name[64];

	if (n < 0)
		n = 0;
	if (n > PUSHOPT_MAX)
		n = PUSHOPT_MAX;
	for (long i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "GIT_PUSH_OPTION_%ld", i);
		options[i] = getenv(name);
	}
	sp_pushopt_parse(out, options, (size_t)n);
}
