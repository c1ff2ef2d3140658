/* What the engine client's source files share (engine.c, engine_swarm.c):
 * the connection, the HTTP exchange, JSON readers, names and filters. Not
 * for other modules: only the engine sees libcurl and cJSON. */
#ifndef SP_ENGINE_PRIVATE_H
#define SP_ENGINE_PRIVATE_H

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stddef.h>

#include "buf.h"
#include "engine.h"

struct sp_engine {
	CURL *curl;
	char *socket;
	char version[16];
	int timeout;
	char api_header[32]; /* API-Version of the last answer */
	char errbuf[CURL_ERROR_SIZE];
};

/* A request body: JSON text, or bytes of another type (an image tar). */
typedef struct {
	const void *data;
	size_t len;
	const char *type; /* Content-Type */
} engine_body;

/*
 * Where a successful (2xx) answer body goes when it is read as a stream
 * (JSON lines of a push): bytes in order, in pieces; a negative return stops
 * the transfer, and the call then returns 0 (the sink's owner knows why).
 */
typedef int (*engine_sink)(const char *data, size_t len, void *payload);

/* What a request carries besides method and path. */
typedef struct {
	const engine_body *body;    /* NULL: no body */
	const char *const *headers; /* "Name: value", NULL-terminated; wiped
	                               after the request */
	engine_sink sink;           /* NULL: the answer is buffered */
	void *payload;
} engine_extra;

/* Is `s` a name, id or image reference that is safe in a URL path? */
int engine_name_ok(const char *s);

/* engine_name_ok, or SP_EINVALID saying which `what` is bad. */
int engine_check_name(const char *what, const char *s);

/* A printable, one-line, bounded copy of engine text for a message. */
void engine_clean_text(sp_buf *out, const char *text, size_t len);

/*
 * One HTTP exchange: `full_path` sent as is (version prefix included). Any
 * HTTP status goes to `*status` and is not a failure; transport failures are.
 * The answer body goes to `out` unless a sink takes it. `timeout` 0 = none.
 */
int engine_perform_extra(long *status, sp_engine *e, const char *method,
                         const char *full_path, const engine_extra *extra,
                         long timeout, sp_buf *out);

/* The error for an HTTP error status, with the engine's own message. */
int engine_status_error(long status, const sp_buf *body, int code,
                        const char *what);

/*
 * One API call under the version prefix. `out` NULL: the body is not
 * needed; else the body must be JSON (an object or array). `conflict` is the
 * code for HTTP 409 (0 = SP_EENGINE). `what` names the call in messages.
 * `timeout` 0 = the engine's.
 */
int engine_call_extra(cJSON **out, sp_engine *e, const char *method,
                      const char *path, const engine_extra *extra, long timeout,
                      int conflict, const char *what);
int engine_call_body(cJSON **out, sp_engine *e, const char *method,
                     const char *path, const engine_body *request, long timeout,
                     int conflict, const char *what);
int engine_call(cJSON **out, sp_engine *e, const char *method, const char *path,
                const char *json_body, long timeout, int conflict,
                const char *what);

/* DELETE /<collection>/<name><query> (`query` "" or "?force=1"), named
 * "remove <noun> '<name>'" in messages. The caller checks `name`. */
int engine_delete(sp_engine *e, const char *collection, const char *noun,
                  const char *name, const char *query);

/*
 * GET `path` (under the version prefix) as a log stream: multiplexed frames
 * decoded, or passed through when `raw` (TTY); see sp_engine_container_logs.
 */
int engine_stream_logs(sp_engine *engine, const char *path, const char *what,
                       int raw, int follow, sp_engine_log_cb cb, void *payload);

/*
 * GET a list of `path` (with a label filter when not NULL): `*answer` gets the
 * JSON array (caller deletes), `*n` its length.
 */
int engine_list(cJSON **answer, size_t *n, sp_engine *engine, const char *path,
                const char *label_filter, const char *what);

/* Append "filters=<escaped {key:[filter]}>" to the query of `path`. */
int engine_filter(sp_buf *path, sp_engine *e, const char *key,
                  const char *filter);

/* Append "name=<escaped value>" to the query of `path`. */
int engine_escape_param(sp_buf *path, sp_engine *e, const char *name,
                        const char *value);

/* JSON readers: absent or mistyped members read as empty (json_dup: ""). */
const char *json_str(const cJSON *obj, const char *key);
char *json_dup(const cJSON *obj, const char *key);
long long json_num(const cJSON *obj, const char *key);
int json_int(const cJSON *obj, const char *key);
int json_bool(const cJSON *obj, const char *key);

/* A JSON object of strings as labels (every other member skipped). */
void labels_from_json(sp_engine_labels *out, const cJSON *obj);

/* The strings of a JSON array, skipping "<none>:<none>". */
void strings_from_json(char ***out, size_t *count, const cJSON *arr);
void strings_free(char **items, size_t count);

/* "key=value" entries into a JSON object; SP_EINVALID for a bad one. */
int labels_to_json(cJSON *obj, const char **labels);

/* A NULL-terminated list (NULL = none) as a JSON array of strings. */
cJSON *strings_to_json(const char **list);

/* Wipe the strings of a JSON array before it is freed (the environment). */
void engine_json_wipe_strings(cJSON *array);

#endif
