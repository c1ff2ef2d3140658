/* `spacehook serve`: the small HTTP daemon behind nginx that answers for a
 * Space whose app does not: status pages, the build log as Server-Sent
 * Events, the wake of a sleeping Space, and the list of Spaces. */
#ifndef SP_SERVE_H
#define SP_SERVE_H

#include <sys/socket.h>

#include "buf.h"
#include "settings.h"

/* Bounds of the daemon. */
#define SP_SERVE_CONNECTIONS 512       /* connections at once */
#define SP_SERVE_PER_IP 256            /* from one address (nginx's is one) */
#define SP_SERVE_STREAMS 256           /* event streams at once */
#define SP_SERVE_REQUEST_MAX 32768     /* request line and headers, bytes */
#define SP_SERVE_IDLE_TIMEOUT 30       /* idle connection, seconds */
#define SP_SERVE_STREAM_MAX 3600       /* one event stream, seconds */
#define SP_SERVE_HEARTBEAT 15          /* comment line on a quiet stream */
#define SP_SERVE_LOG_LINES 200         /* log lines on a page */
#define SP_SERVE_LOG_BYTES (64 * 1024) /* of the log's end read for them */

/* What a request brings: header values and the path, any of them NULL. */
typedef struct {
	const char *space;  /* X-Spacehook-Space, set by nginx: owner/name */
	const char *host;   /* Host */
	const char *accept; /* Accept */
	const char *path;   /* the URL's path, without the query */
} sp_serve_request;

/* How to answer a request besides the body. */
typedef struct {
	int status;               /* HTTP status */
	const char *content_type; /* static string */
	int retry_after;          /* Retry-After seconds, 0 = none */
	int wake;    /* the Space sleeps: start sp_sleep_wake for `space` */
	int events;  /* /.spacehook/events: answer with a stream of
	                sp_serve_events for `space` instead of the body */
	int reroute; /* RUNNING yet nginx could not reach it: start
	                sp_sleep_reroute for `space` */
} sp_serve_reply;

/*
 * The answer to `req` into `out` (replaced) and `reply`, from the state
 * directory of `settings`: a Space's status page (by its stage), its
 * /.spacehook/status JSON, the list of Spaces on the bare domain, 404 for
 * what is unknown, 400 for an X-Spacehook-Space that is no Space id. HTML
 * pages are self-contained UTF-8, every value escaped; a client that does
 * not accept text/html gets text/plain. Nothing is started here: `reply`
 * says what the caller starts.
 */
void sp_serve_page(sp_buf *out, sp_serve_reply *reply,
                   const sp_settings *settings, const sp_serve_request *req);

/* The event stream of one Space (/.spacehook/events). */
typedef struct sp_serve_events sp_serve_events;

/*
 * Start the stream of `space_id` at `now`. `last` (may be NULL) is where a
 * client stopped, "<job id>:<offset>" as sent in the events' id: lines
 * (Last-Event-ID, or the page's ?last=): the stream goes on from there when
 * that job's log is still the current one. Without it, the stream starts
 * at the last SP_SERVE_LOG_BYTES of the current job's log. Free with
 * sp_serve_events_free.
 */
int sp_serve_events_new(sp_serve_events **out, const sp_settings *settings,
                        const char *space_id, const char *last, long long now);

/*
 * Append to `out` what happened since the last call: "event: log" for each
 * new whole line of the current job's log (its control characters escaped,
 * never a raw newline in a data: line, an id: "<job>:<offset>"), "event:
 * stage" when the stage changed (first: the stage at the start), a comment
 * heartbeat after SP_SERVE_HEARTBEAT quiet seconds. Returns 1 when the
 * stream ends after `out` (RUNNING told, SP_SERVE_STREAM_MAX passed, the
 * Space gone), else 0.
 */
int sp_serve_events_next(sp_buf *out, sp_serve_events *ev, long long now);

void sp_serve_events_free(sp_serve_events *ev);

/*
 * Parse a listen address: "ADDR:PORT" (IPv4 or a name such as localhost),
 * "[IPv6]:PORT", or a port alone (127.0.0.1). SP_EINVALID with a message
 * saying the form.
 */
int sp_serve_parse_listen(struct sockaddr_storage *out, socklen_t *len,
                          const char *value);

/*
 * Run the daemon on `listen` (NULL: spacehook.serveListen) in the
 * foreground until SIGTERM or SIGINT, logging to stderr; a sleeper thread
 * runs sp_sleep_check over every Space every spacehook.sleepCheck seconds.
 * Returns 0 after a clean stop; the number of wakes still under way when
 * they did not end within 15 s of the signal (the caller then exits without
 * tearing down `settings`); or an error (a listen address that does not
 * parse or cannot be bound) before serving.
 */
int sp_serve_run(const sp_settings *settings, const char *listen);

#endif
