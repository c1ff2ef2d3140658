/* A mock Docker engine for unit tests: a unix socket served from a thread,
 * canned answers matched on the request line, every request logged. */
#ifndef SP_TEST_MOCKENGINE_H
#define SP_TEST_MOCKENGINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "buf.h"
#include "engine.h"

typedef enum {
	REPLY_NORMAL,  /* head, Content-Length, body */
	REPLY_CHUNKED, /* body in chunks of `chunk` bytes, a pause between */
	REPLY_CUT,     /* Content-Length larger than the body, then close */
	REPLY_BIG,     /* a body larger than the client's cap */
	REPLY_HANG     /* read the request, never answer */
} reply_mode;

typedef struct {
	const char
	    *match; /* substring of the request line; NULL ends a table */
	const char
	    *head; /* status line and headers (CRLF each); NULL = 200 JSON */
	const char *body;
	size_t body_len; /* 0 = strlen(body) */
	reply_mode mode;
	size_t chunk;
} mock_reply;

/* One request as the mock read it. */
typedef struct {
	char *line;    /* the request line */
	char *headers; /* the header lines, each ending in CRLF */
	char *body;    /* the body, NUL-terminated */
	size_t body_len;
} mock_request;

typedef struct {
	char dir[64];
	char path[96];
	int lfd;
	pthread_t thread;
	atomic_int stop;
	const mock_reply *replies;
	pthread_mutex_t lock;
	sp_buf log;             /* request lines and bodies, one per line */
	mock_request *requests; /* every request, in order (under `lock`) */
	size_t request_count;
} mock;

/*
 * Serve `replies` (a table ended by a NULL match; the first whose match is
 * in the request line answers; GET /_ping answers API 1.40 unless the table
 * says otherwise; anything else is a 404) on a socket in a new temp dir.
 */
void mock_start(mock *m, const mock_reply *replies);

/* Stop serving, remove the socket and its dir, free the log. */
void mock_stop(mock *m);

/* Whether the mock saw a line containing `s`. */
int mock_saw(mock *m, const char *s);

/*
 * The body of the last request whose request line contains `match`, into
 * `out` (replaced); 0 when there was none.
 */
int mock_request_body(mock *m, const char *match, sp_buf *out);

/*
 * The value of header `name` (case-insensitive, without leading blanks) of
 * the last request whose request line contains `match`, into `out`; 0 when
 * there was no such request or header.
 */
int mock_request_header(mock *m, const char *match, const char *name,
                        sp_buf *out);

/* An engine client connected to the mock (checked: fails the test). */
sp_engine *engine_for(mock *m);

#endif
