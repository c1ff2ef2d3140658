/* Streaming redaction of secret values. */
#include "redact.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"
#include "error.h"

#define REDACT_MASK "***"
#define REDACT_EXACT_KEEP_MAX                                                  \
	4096 /* longest secret whose prefixes are looked for exactly */

void sp_redact_sink_line(sp_redact_sink sink, void *payload, const char *fmt,
                         ...)
{
	sp_buf line = SP_BUF_INIT;
	va_list ap;

	if (!sink)
		return;
	va_start(ap, fmt);
	sp_buf_vprintf(&line, fmt, ap);
	va_end(ap);
	sp_buf_putc(&line, '\n');
	sink(line.ptr, line.size, payload);
	sp_buf_dispose(&line);
}

void sp_redact_init(sp_redact *r, sp_redact_sink sink, void *payload)
{
	memset(r, 0, sizeof(*r));
	sp_buf_init(&r->pending);
	r->sink = sink;
	r->payload = payload;
}

/* Add one pattern of `len` bytes, unless it is there already. */
static int redact_push(sp_redact *r, const char *value, size_t len)
{
	char **values;
	size_t *lens;
	char *copy;

	for (size_t k = 0; k < r->count; k++)
		if (r->lens[k] == len && !memcmp(r->values[k], value, len))
			return 0;
	values = realloc(r->values, (r->count + 1) * sizeof(*values));
	if (!values)
		return sp_error_set(SP_ENOMEM, "out of memory");
	r->values = values;
	lens = realloc(r->lens, (r->count + 1) * sizeof(*lens));
	if (!lens)
		return sp_error_set(SP_ENOMEM, "out of memory");
	r->lens = lens;
	if (!(copy = malloc(len + 1)))
		return sp_error_set(SP_ENOMEM, "out of memory");
	memcpy(copy, value, len);
	copy[len] = '\0';
	r->values[r->count] = copy;
	r->lens[r->count] = len;
	r->count++;
	if (len > r->maxlen)
		r->maxlen = len;
	return 0;
}

/*
 * A build step's output prefixes every line ("#8 0.123 "), so a multi-line
 * value never shows whole: each of its lines is a pattern too, without a
 * trailing CR, when at least SP_REDACT_LINE_MIN bytes long.
 */
int sp_redact_add(sp_redact *r, const char *value)
{
	size_t len = strlen(value);
	const char *line = value, *end;
	int error;

	if (!len)
		return 0;
	if ((error = redact_push(r, value, len)) < 0 ||
	    !memchr(value, '\n', len))
		return error;
	for (; line < value + len; line = end + 1) {
		size_t n;

		if (!(end = memchr(line, '\n', (size_t)(value + len - line))))
			end = value + len;
		n = (size_t)(end - line);
		if (n && line[n - 1] == '\r')
			n--;
		if (n >= SP_REDACT_LINE_MIN && n < len &&
		    (error = redact_push(r, line, n)) < 0)
			return error;
	}
	return 0;
}

int sp_redact_add_secrets(sp_redact *r, const sp_kv *secrets)
{
	int error;

	for (size_t i = 0; secrets && i < secrets->count; i++)
		if ((error = sp_redact_add(r, secrets->items[i].value)) < 0)
			return error;
	return 0;
}

/* The length of the longest secret starting at data[i], or 0. */
static size_t redact_match(const sp_redact *r, const char *data, size_t size,
                           size_t i)
{
	size_t best = 0;

	for (size_t k = 0; k < r->count; k++) {
		size_t len = r->lens[k];

		if (len > best && i + len <= size &&
		    data[i] == r->values[k][0] &&
		    !memcmp(data + i, r->values[k], len))
			best = len;
	}
	return best;
}

/*
 * Redact data[0..limit) into out; a match starting before limit may run past
 * it. Returns how many bytes of data were consumed.
 */
static size_t redact_span(sp_buf *out, const sp_redact *r, const char *data,
                          size_t size, size_t limit)
{
	size_t i = 0, run = 0;

	while (i < limit) {
		size_t m = redact_match(r, data, size, i);

		if (!m) {
			i++;
			continue;
		}
		sp_buf_put(out, data + run, i - run);
		sp_buf_puts(out, REDACT_MASK);
		i += m;
		run = i;
	}
	if (i > run)
		sp_buf_put(out, data + run, i - run);
	return i;
}

int sp_redact_string(sp_buf *out, const sp_redact *r, const char *data,
                     size_t len)
{
	redact_span(out, r, data, len, len);
	return 0;
}

static int redact_emit(sp_redact *r, size_t limit)
{
	sp_buf out = SP_BUF_INIT;
	size_t used;
	int error = 0;

	used = redact_span(&out, r, r->pending.ptr, r->pending.size, limit);
	if (out.size)
		error = r->sink(out.ptr, out.size, r->payload);
	sp_buf_dispose(&out);
	memmove(r->pending.ptr, r->pending.ptr + used, r->pending.size - used);
	sp_buf_truncate(&r->pending, r->pending.size - used);
	return error;
}

/*
 * How many bytes at the end of the pending text may still be the start of a
 * secret: the longest such suffix. Holding back just those keeps a followed
 * log from lagging. For very long secrets, scanning every suffix would cost
 * too much: hold back the longest length less one.
 */
static size_t redact_keep(const sp_redact *r)
{
	const char *data = r->pending.ptr;
	size_t size = r->pending.size, keep = 0;

	if (r->maxlen > REDACT_EXACT_KEEP_MAX)
		return r->maxlen - 1 < size ? r->maxlen - 1 : size;
	for (size_t k = 0; k < r->count; k++) {
		size_t len = r->lens[k], most = len - 1 < size ? len - 1 : size;

		for (size_t n = most; n > keep; n--) {
			if (data[size - n] == r->values[k][0] &&
			    !memcmp(data + size - n, r->values[k], n)) {
				keep = n;
				break;
			}
		}
	}
	return keep;
}

int sp_redact_write(sp_redact *r, const char *data, size_t len)
{
	size_t keep;

	sp_buf_put(&r->pending, data, len);
	keep = redact_keep(r);
	if (r->pending.size <= keep)
		return 0;
	return redact_emit(r, r->pending.size - keep);
}

int sp_redact_flush(sp_redact *r)
{
	return r->pending.size ? redact_emit(r, r->pending.size) : 0;
}

void sp_redact_dispose(sp_redact *r)
{
	for (size_t i = 0; i < r->count; i++) {
		explicit_bzero(r->values[i], r->lens[i]);
		free(r->values[i]);
	}
	free(r->values);
	free(r->lens);
	sp_buf_dispose_wipe(&r->pending);
	memset(r, 0, sizeof(*r));
}
