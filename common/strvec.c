/* A growable NULL-terminated array of owned strings. */
#include "strvec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"
#include "buf.h"

const char *sp_strvec__empty[] = {NULL};

void sp_strvec_init(sp_strvec *vec)
{
	vec->v = sp_strvec__empty;
	vec->nr = vec->alloc = 0;
}

static const char *strvec_add(sp_strvec *vec, char *value)
{
	if (vec->nr + 2 > vec->alloc) {
		size_t alloc = vec->alloc ? vec->alloc * 2 : 16;
		const char **v;

		if (alloc > SIZE_MAX / sizeof(*v))
			sp_die_oom(SIZE_MAX);
		v = realloc(vec->alloc ? vec->v : NULL, alloc * sizeof(*v));
		if (!v)
			sp_die_oom(alloc * sizeof(*v));
		vec->v = v;
		vec->alloc = alloc;
	}
	vec->v[vec->nr++] = value;
	vec->v[vec->nr] = NULL;
	return value;
}

const char *sp_strvec_push(sp_strvec *vec, const char *value)
{
	return strvec_add(vec, sp_strdup(value));
}

const char *sp_strvec_pushf(sp_strvec *vec, const char *fmt, ...)
{
	sp_buf buf = SP_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	sp_buf_vprintf(&buf, fmt, ap);
	va_end(ap);
	return strvec_add(vec, sp_buf_detach(&buf));
}

void sp_strvec_pushl(sp_strvec *vec, ...)
{
	const char *arg;
	va_list ap;

	va_start(ap, vec);
	while ((arg = va_arg(ap, const char *)))
		sp_strvec_push(vec, arg);
	va_end(ap);
}

void sp_strvec_pushv(sp_strvec *vec, const char *const *items)
{
	for (; items && *items; items++)
		sp_strvec_push(vec, *items);
}

static void strvec_wipe_free(const char *value)
{
	volatile char *p = (volatile char *)value;

	while (*p)
		*p++ = '\0';
	free((char *)value);
}

void sp_strvec_setenv(sp_strvec *vec, const char *name, const char *value)
{
	size_t namelen = strlen(name);
	sp_buf var = SP_BUF_INIT;

	sp_buf_printf(&var, "%s=%s", name, value);
	for (size_t i = 0; i < vec->nr; i++) {
		if (!strncmp(vec->v[i], name, namelen) &&
		    vec->v[i][namelen] == '=') {
			strvec_wipe_free(vec->v[i]);
			vec->v[i] = sp_buf_detach(&var);
			return;
		}
	}
	strvec_add(vec, sp_buf_detach(&var));
}

void sp_strvec_passenv(sp_strvec *vec, const char *name)
{
	const char *value = getenv(name);

	if (value)
		sp_strvec_setenv(vec, name, value);
}

char *const *sp_strvec_array(const sp_strvec *vec)
{
	return (char *const *)vec->v;
}

void sp_strvec_clear(sp_strvec *vec)
{
	for (size_t i = 0; i < vec->nr; i++)
		strvec_wipe_free(vec->v[i]);
	if (vec->alloc)
		free(vec->v);
	sp_strvec_init(vec);
}
