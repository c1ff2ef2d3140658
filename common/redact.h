/* Streaming redaction: every secret value in a byte stream replaced by "***",
 * also when a value is split across chunks. */
#ifndef SP_REDACT_H
#define SP_REDACT_H

#include <stddef.h>

#include "buf.h"
#include "store.h"

typedef int (*sp_redact_sink)(const char *data, size_t len, void *payload);

/*
 * Write one formatted line, a newline added, to `sink` (NULL: nowhere): for
 * progress and warning lines that are free of secrets already.
 */
void sp_redact_sink_line(sp_redact_sink sink, void *payload, const char *fmt,
                         ...) __attribute__((format(printf, 3, 4)));

typedef struct {
	char **values; /* the secrets (copies, wiped on dispose) */
	size_t *lens;
	size_t count;
	size_t maxlen;  /* longest value */
	sp_buf pending; /* bytes held back: a value may continue in the next
	                   chunk */
	sp_redact_sink sink;
	void *payload;
} sp_redact;

/* Set up a redactor writing to `sink`; no values yet. */
void sp_redact_init(sp_redact *r, sp_redact_sink sink, void *payload);

/*
 * Lines of a multi-line secret shorter than this are not hidden on their own
 * (the whole value still is): so short a line would also match ordinary text.
 */
#define SP_REDACT_LINE_MIN 4

/*
 * Values shorter than this are hidden, but unreliably: they also occur in
 * ordinary output, and each "***" there shows where the value is.
 */
#define SP_REDACT_SAFE_MIN 8

/*
 * Add a secret value to hide (empty values are ignored). A value holding
 * newlines is also hidden line by line: each of its lines (a trailing CR
 * dropped) of at least SP_REDACT_LINE_MIN bytes becomes a pattern too.
 */
int sp_redact_add(sp_redact *r, const char *value);

/*
 * Add the value of every entry of `secrets` (NULL: none), as sp_redact_add
 * does: the one way a redactor learns a Space's secrets.
 */
int sp_redact_add_secrets(sp_redact *r, const sp_kv *secrets);

/* Feed bytes; what cannot hold the start of a secret any more goes to the sink.
 */
int sp_redact_write(sp_redact *r, const char *data, size_t len);

/* Flush what is held back (end of stream). */
int sp_redact_flush(sp_redact *r);

/* Redact a whole string in place into `out` (for messages). */
int sp_redact_string(sp_buf *out, const sp_redact *r, const char *data,
                     size_t len);

void sp_redact_dispose(sp_redact *r);

#endif
