/* The last-error slot, one per thread. */
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "banned.h"

static _Thread_local char last_message[1024];
static _Thread_local int last_code;

static int error_vset(int code, int with_errno, const char *fmt, va_list ap)
{
	int saved = errno;
	int n = vsnprintf(last_message, sizeof(last_message), fmt, ap);

	if (with_errno && n >= 0 && (size_t)n < sizeof(last_message))
		snprintf(last_message + n, sizeof(last_message) - (size_t)n,
		         ": %s", strerror(saved));
	last_code = code;
	errno = saved;
	return code;
}

int sp_error_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_vset(code, 0, fmt, ap);
	va_end(ap);
	return code;
}

int sp_error_set_os(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_vset(code, 1, fmt, ap);
	va_end(ap);
	return code;
}

const char *sp_error_last(void)
{
	return last_message;
}

int sp_error_last_code(void)
{
	return last_code;
}

void sp_error_clear(void)
{
	last_message[0] = '\0';
	last_code = 0;
}

const char *sp_error_name(int code)
{
	switch (code) {
#define SP_ERRNO_NAME(name, value, text)                                       \
	case value:                                                            \
		return #name;
		SP_ERRNO_MAP(SP_ERRNO_NAME)
#undef SP_ERRNO_NAME
	default:
		return "UNKNOWN";
	}
}
