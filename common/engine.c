/* The Docker Engine API client: HTTP over the unix socket with libcurl, JSON
 * with cJSON. */
#include "engine.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include "banned.h"
#include "engine_private.h"
#include "error.h"
#include "http.h"

#define ENGINE_CONNECT_TIMEOUT 3L
#define ENGINE_PING_TIMEOUT 10
#define ENGINE_NAME_MAX 255
#define ENGINE_MESSAGE_MAX 512
#define ENGINE_FILTER_MAX 1024

/* Streams a log body through the frame decoder instead of buffering it. */
typedef struct {
	int raw; /* TTY: no frame headers */
	int follow;
	unsigned char head[8];
	size_t head_len;
	uint32_t left; /* bytes left in the current frame */
	int stream;
	int bad;              /* a frame header that is not one */
	int result;           /* the callback's non-zero value */
	struct timespec last; /* last call of the callback */
	sp_engine_log_cb cb;
	void *payload;
} log_decoder;

typedef struct {
	sp_engine *engine;
	sp_buf *body;
	int toobig;
	log_decoder *log;
	engine_sink sink; /* a 2xx body goes here instead of `body` */
	void *sink_payload;
	int sink_stopped;
} transfer;

/* Is `s` a name, id or image reference that is safe in a URL path? */
int engine_name_ok(const char *s)
{
	size_t i, len;

	if (!s || !*s)
		return 0;
	len = strlen(s);
	if (len > ENGINE_NAME_MAX)
		return 0;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
	      (s[0] >= '0' && s[0] <= '9')))
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == ':' || c == '/' || c == '@' || c == '-'))
			return 0;
	}
	return !strstr(s, "..") && !strstr(s, "//") && s[len - 1] != '/';
}

int engine_check_name(const char *what, const char *s)
{
	if (engine_name_ok(s))
		return 0;
	return sp_error_set(SP_EINVALID,
	                    "invalid %s '%.64s': expected 1 to %d characters "
	                    "of [A-Za-z0-9_.:/@-]",
	                    what, s ? s : "(null)", ENGINE_NAME_MAX);
}

/* A printable, one-line, bounded copy of engine text for a message. */
void engine_clean_text(sp_buf *out, const char *text, size_t len)
{
	size_t i;

	sp_buf_clear(out);
	for (i = 0; i < len && out->size < ENGINE_MESSAGE_MAX; i++) {
		unsigned char c = (unsigned char)text[i];
		sp_buf_putc(out, (c < 0x20 || c == 0x7f) ? ' ' : (char)c);
	}
	if (i < len)
		sp_buf_puts(out, "...");
	while (out->size && out->ptr[out->size - 1] == ' ')
		sp_buf_truncate(out, out->size - 1);
}

/* Keep the API-Version header of the last answer (libcurl stores them). */
static void engine_read_api_version(sp_engine *e)
{
	struct curl_header *h = NULL;
	size_t n;

	e->api_header[0] = '\0';
	if (curl_easy_header(e->curl, "Api-Version", 0, CURLH_HEADER, -1, &h) !=
	        CURLHE_OK ||
	    !h->value)
		return;
	n = strcspn(h->value, "\r\n");
	if (n > sizeof(e->api_header) - 1)
		n = sizeof(e->api_header) - 1;
	memcpy(e->api_header, h->value, n);
	e->api_header[n] = '\0';
}

static void log_touch(log_decoder *d)
{
	clock_gettime(CLOCK_MONOTONIC, &d->last);
}

static int log_emit(log_decoder *d, int stream, const char *data, size_t len)
{
	int r = d->cb(stream, data, len, d->payload);

	log_touch(d);
	if (r)
		d->result = r;
	return r;
}

/* Feed body bytes to the decoder; -1 when the callback stopped or a frame is
 * bad. */
static int log_feed(log_decoder *d, const char *data, size_t len)
{
	while (len) {
		size_t n;

		if (d->raw)
			return log_emit(d, 1, data, len) ? -1 : 0;
		if (!d->left) {
			n = 8 - d->head_len;
			if (n > len)
				n = len;
			memcpy(d->head + d->head_len, data, n);
			d->head_len += n;
			data += n;
			len -= n;
			if (d->head_len < 8)
				break;
			if (d->head[0] > 3 || d->head[1] || d->head[2] ||
			    d->head[3]) {
				d->bad = 1;
				return -1;
			}
			d->stream = d->head[0] >= 2 ? 2 : 1;
			d->left = (uint32_t)d->head[4] << 24 |
			          (uint32_t)d->head[5] << 16 |
			          (uint32_t)d->head[6] << 8 |
			          (uint32_t)d->head[7];
			d->head_len = 0;
			continue;
		}
		n = d->left < len ? d->left : len;
		if (log_emit(d, d->stream, data, n))
			return -1;
		d->left -= (uint32_t)n;
		data += n;
		len -= n;
	}
	return 0;
}

int sp_engine_log_decode(const char *data, size_t len, sp_engine_log_cb cb,
                         void *payload)
{
	log_decoder d;

	memset(&d, 0, sizeof(d));
	d.cb = cb;
	d.payload = payload;
	if (log_feed(&d, data, len) < 0 && d.result)
		return d.result;
	if (d.bad || d.head_len || d.left)
		return sp_error_set(SP_EENGINE,
		                    "the engine's log stream has a %s frame",
		                    d.bad ? "malformed" : "cut-short");
	return 0;
}

static size_t transfer_write(char *data, size_t size, size_t nmemb, void *p)
{
	transfer *t = p;
	size_t len = size * nmemb;

	if (t->log) {
		long code = 0;

		curl_easy_getinfo(t->engine->curl, CURLINFO_RESPONSE_CODE,
		                  &code);
		if (code >= 200 && code < 300)
			return log_feed(t->log, data, len) < 0 ? 0 : len;
	}
	if (t->sink) {
		long code = 0;

		curl_easy_getinfo(t->engine->curl, CURLINFO_RESPONSE_CODE,
		                  &code);
		if (code >= 200 && code < 300) {
			if (t->sink(data, len, t->sink_payload) < 0) {
				t->sink_stopped = 1;
				return 0;
			}
			return len;
		}
	}
	if (len > SP_ENGINE_MAX_ANSWER - t->body->size) {
		t->toobig = 1;
		return 0;
	}
	sp_buf_put(t->body, data, len);
	return len;
}

static int transfer_progress(void *p, curl_off_t dltotal, curl_off_t dlnow,
                             curl_off_t ultotal, curl_off_t ulnow)
{
	transfer *t = p;
	struct timespec now;

	if (!t->log || !t->log->follow)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if ((now.tv_sec - t->log->last.tv_sec) * 1000 +
	        (now.tv_nsec - t->log->last.tv_nsec) / 1000000 <
	    1000)
		return 0;
	return log_emit(t->log, 0, "", 0) ? 1 : 0;
}

static int engine_method_ok(const char *method)
{
	return method && (!strcmp(method, "GET") || !strcmp(method, "POST") ||
	                  !strcmp(method, "PUT") || !strcmp(method, "DELETE") ||
	                  !strcmp(method, "HEAD"));
}

static int engine_path_ok(const char *path)
{
	const unsigned char *p = (const unsigned char *)path;

	if (!p || *p != '/' || strlen(path) > 8192)
		return 0;
	for (; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			return 0;
	return 1;
}

static int engine_perform_log(long *status, sp_engine *e, const char *method,
                              const char *full_path, const engine_extra *extra,
                              long timeout, sp_buf *out, log_decoder *log);
static int engine_perform_body(long *status, sp_engine *e, const char *method,
                               const char *full_path, const engine_body *body,
                               long timeout, sp_buf *out, log_decoder *log);

static int engine_perform(long *status, sp_engine *e, const char *method,
                          const char *full_path, const char *json_body,
                          long timeout, sp_buf *out, log_decoder *log)
{
	engine_body body = {json_body, json_body ? strlen(json_body) : 0,
	                    "application/json"};

	return engine_perform_body(status, e, method, full_path,
	                           json_body ? &body : NULL, timeout, out, log);
}

/*
 * One HTTP exchange on the socket. `full_path` is sent as is. Transport
 * failures are errors; any HTTP status is not. `timeout` 0 = none.
 */
static int engine_perform_body(long *status, sp_engine *e, const char *method,
                               const char *full_path, const engine_body *body,
                               long timeout, sp_buf *out, log_decoder *log)
{
	engine_extra extra = {body, NULL, NULL, NULL};

	return engine_perform_log(status, e, method, full_path, &extra, timeout,
	                          out, log);
}

int engine_perform_extra(long *status, sp_engine *e, const char *method,
                         const char *full_path, const engine_extra *extra,
                         long timeout, sp_buf *out)
{
	return engine_perform_log(status, e, method, full_path, extra, timeout,
	                          out, NULL);
}

static int engine_perform_log(long *status, sp_engine *e, const char *method,
                              const char *full_path, const engine_extra *extra,
                              long timeout, sp_buf *out, log_decoder *log)
{
	struct curl_slist *headers = NULL, *h;
	const engine_body *body = extra->body;
	const char *const *more;
	sp_buf url = SP_BUF_INIT;
	transfer t = {e, out, 0, log, extra->sink, extra->payload, 0};
	CURLcode rc;
	long os_errno = 0;
	int error = 0;

	*status = 0;
	sp_buf_clear(out);
	e->api_header[0] = '\0';
	e->errbuf[0] = '\0';
	sp_buf_printf(&url, "http://localhost%s", full_path);
	headers = curl_slist_append(NULL, "Expect:");
	if (headers && body) {
		sp_buf type = SP_BUF_INIT;

		sp_buf_printf(&type, "Content-Type: %s", body->type);
		h = curl_slist_append(headers, type.ptr);
		sp_buf_dispose(&type);
		if (h)
			headers = h;
		else
			headers = NULL;
	}
	for (more = extra->headers; headers && more && *more; more++) {
		if (!(h = curl_slist_append(headers, *more))) {
			curl_slist_free_all(headers);
			headers = NULL;
		} else {
			headers = h;
		}
	}
	if (!headers) {
		error = sp_error_set(SP_ENOMEM, "out of memory");
		goto done;
	}

	curl_easy_reset(e->curl);
	curl_easy_setopt(e->curl, CURLOPT_UNIX_SOCKET_PATH, e->socket);
	curl_easy_setopt(e->curl, CURLOPT_URL, url.ptr);
	curl_easy_setopt(e->curl, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(e->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e->curl, CURLOPT_CONNECTTIMEOUT,
	                 ENGINE_CONNECT_TIMEOUT);
	curl_easy_setopt(e->curl, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(e->curl, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(e->curl, CURLOPT_ERRORBUFFER, e->errbuf);
	curl_easy_setopt(e->curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(e->curl, CURLOPT_WRITEFUNCTION, transfer_write);
	curl_easy_setopt(e->curl, CURLOPT_WRITEDATA, &t);
	if (log && log->follow) {
		curl_easy_setopt(e->curl, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(e->curl, CURLOPT_XFERINFOFUNCTION,
		                 transfer_progress);
		curl_easy_setopt(e->curl, CURLOPT_XFERINFODATA, &t);
	}
	if (!strcmp(method, "GET")) {
		curl_easy_setopt(e->curl, CURLOPT_HTTPGET, 1L);
	} else if (!strcmp(method, "POST") || !strcmp(method, "PUT")) {
		curl_easy_setopt(e->curl, CURLOPT_POST, 1L);
		curl_easy_setopt(e->curl, CURLOPT_POSTFIELDS,
		                 body ? body->data : "");
		curl_easy_setopt(e->curl, CURLOPT_POSTFIELDSIZE_LARGE,
		                 (curl_off_t)(body ? body->len : 0));
		if (!strcmp(method, "PUT"))
			curl_easy_setopt(e->curl, CURLOPT_CUSTOMREQUEST, "PUT");
	} else {
		curl_easy_setopt(e->curl, CURLOPT_CUSTOMREQUEST, method);
		if (!strcmp(method, "HEAD"))
			curl_easy_setopt(e->curl, CURLOPT_NOBODY, 1L);
	}
	if (log)
		log_touch(log);

	rc = curl_easy_perform(e->curl);
	curl_easy_getinfo(e->curl, CURLINFO_RESPONSE_CODE, status);
	engine_read_api_version(e);
	if (rc == CURLE_OK)
		goto done;
	if (log && (log->result || log->bad) &&
	    (rc == CURLE_WRITE_ERROR || rc == CURLE_ABORTED_BY_CALLBACK))
		goto done; /* the caller tells these apart */
	if (t.sink_stopped && rc == CURLE_WRITE_ERROR)
		goto done; /* so does the sink's owner */

	curl_easy_getinfo(e->curl, CURLINFO_OS_ERRNO, &os_errno);
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		error = sp_error_set(
		    SP_EUNREACHABLE, "Docker engine unreachable at %s: %s",
		    e->socket,
		    os_errno ? strerror((int)os_errno) : "cannot connect");
		break;
	case CURLE_OPERATION_TIMEDOUT:
		if (*status == 0 && os_errno == 0 &&
		    strstr(e->errbuf, "onnect"))
			error = sp_error_set(SP_EUNREACHABLE,
			                     "Docker engine unreachable at %s: "
			                     "no connection within %ld s",
			                     e->socket, ENGINE_CONNECT_TIMEOUT);
		else
			error =
			    sp_error_set(SP_ETIMEOUT,
			                 "Docker engine at %s did not answer "
			                 "%s %s within %ld s",
			                 e->socket, method, full_path, timeout);
		break;
	case CURLE_WRITE_ERROR:
		if (t.toobig) {
			error = sp_error_set(SP_ETOOBIG,
			                     "answer of the Docker engine to "
			                     "%s %s is larger than %u bytes",
			                     method, full_path,
			                     SP_ENGINE_MAX_ANSWER);
			break;
		}
		/* fall through */
	default:
		error = sp_error_set(
		    SP_EENGINE,
		    "bad answer of the Docker engine at %s to %s %s: %s",
		    e->socket, method, full_path,
		    e->errbuf[0] ? e->errbuf : curl_easy_strerror(rc));
		break;
	}
done:
	/* Extra headers may carry credentials (X-Registry-Auth). */
	for (h = headers; h; h = h->next)
		explicit_bzero(h->data, strlen(h->data));
	curl_slist_free_all(headers);
	sp_buf_dispose(&url);
	return error;
}

/* The error for an HTTP error status, with the engine's own message. */
int engine_status_error(long status, const sp_buf *body, int code,
                        const char *what)
{
	cJSON *json = cJSON_ParseWithLength(body->ptr, body->size);
	const cJSON *message =
	    cJSON_GetObjectItemCaseSensitive(json, "message");
	sp_buf text = SP_BUF_INIT;

	if (!code)
		code = status == 404 ? SP_ENOTFOUND : SP_EENGINE;
	if (cJSON_IsString(message) && message->valuestring[0])
		engine_clean_text(&text, message->valuestring,
		                  strlen(message->valuestring));
	else if (body->size)
		engine_clean_text(&text, body->ptr, body->size);
	if (text.size)
		sp_error_set(code, "%s: %s", what, text.ptr);
	else
		sp_error_set(code, "%s: the Docker engine answered HTTP %ld",
		             what, status);
	cJSON_Delete(json);
	sp_buf_dispose(&text);
	return code;
}

/*
 * One API call under the version prefix. `out` NULL: the body is not
 * needed; else the body must be JSON (an object or array). `conflict` is the
 * code for HTTP 409 (0 = SP_EENGINE). `what` names the call in messages.
 */
int engine_call_body(cJSON **out, sp_engine *e, const char *method,
                     const char *path, const engine_body *request, long timeout,
                     int conflict, const char *what)
{
	engine_extra extra = {request, NULL, NULL, NULL};

	return engine_call_extra(out, e, method, path, &extra, timeout,
	                         conflict, what);
}

int engine_call_extra(cJSON **out, sp_engine *e, const char *method,
                      const char *path, const engine_extra *extra, long timeout,
                      int conflict, const char *what)
{
	sp_buf full = SP_BUF_INIT, body = SP_BUF_INIT;
	long status = 0;
	cJSON *json = NULL;
	int error;

	sp_buf_printf(&full, "/v%s%s", e->version, path);
	if ((error = engine_perform_log(&status, e, method, full.ptr, extra,
	                                timeout ? timeout : e->timeout, &body,
	                                NULL)) < 0)
		goto done;
	if (status >= 400) {
		error = engine_status_error(status, &body,
		                            status == 409 ? conflict : 0, what);
		goto done;
	}
	if ((status < 200 || status >= 300) && status != 304) {
		error = sp_error_set(
		    SP_EENGINE,
		    "%s: unexpected HTTP status %ld from the Docker engine",
		    what, status);
		goto done;
	}
	if (out) {
		json = cJSON_ParseWithLength(body.ptr, body.size);
		if (!json || (!cJSON_IsObject(json) && !cJSON_IsArray(json))) {
			error = sp_error_set(
			    SP_EENGINE,
			    "%s: the Docker engine's answer is not JSON "
			    "(%zu bytes, cut short or malformed)",
			    what, body.size);
			goto done;
		}
		*out = json;
		json = NULL;
	}
done:
	cJSON_Delete(json);
	sp_buf_dispose(&full);
	sp_buf_dispose(&body);
	return error;
}

int engine_call(cJSON **out, sp_engine *e, const char *method, const char *path,
                const char *json_body, long timeout, int conflict,
                const char *what)
{
	engine_body body = {json_body, json_body ? strlen(json_body) : 0,
	                    "application/json"};

	return engine_call_body(out, e, method, path, json_body ? &body : NULL,
	                        timeout, conflict, what);
}

/* Parse "major.minor" into a comparable number; -1 when it is not one. */
static long version_number(const char *v)
{
	char *end;
	long major, minor;

	if (!v || !(*v >= '0' && *v <= '9'))
		return -1;
	errno = 0;
	major = strtol(v, &end, 10);
	if (errno || *end != '.' || major > 1000 ||
	    !(end[1] >= '0' && end[1] <= '9'))
		return -1;
	minor = strtol(end + 1, &end, 10);
	if (errno || *end || minor > 100000)
		return -1;
	return major * 100000 + minor;
}

static int engine_negotiate(sp_engine *e)
{
	sp_buf body = SP_BUF_INIT;
	sp_buf server = SP_BUF_INIT;
	cJSON *json = NULL;
	const cJSON *item;
	long status = 0, have, newest = version_number(SP_ENGINE_API_NEWEST);
	int error;

	if ((error = engine_perform(&status, e, "GET", "/_ping", NULL,
	                            ENGINE_PING_TIMEOUT, &body, NULL)) < 0)
		goto done;
	if (status != 200) {
		error = sp_error_set(
		    SP_EUNREACHABLE,
		    "Docker engine unreachable at %s: /_ping answered HTTP %ld",
		    e->socket, status);
		goto done;
	}
	sp_buf_sets(&server, e->api_header);
	if (!server.size) {
		if ((error = engine_perform(&status, e, "GET", "/version", NULL,
		                            ENGINE_PING_TIMEOUT, &body, NULL)) <
		    0)
			goto done;
		json = status == 200
		           ? cJSON_ParseWithLength(body.ptr, body.size)
		           : NULL;
		item = cJSON_GetObjectItemCaseSensitive(json, "ApiVersion");
		if (cJSON_IsString(item))
			sp_buf_sets(&server, item->valuestring);
	}
	have = version_number(server.ptr);
	if (have < 0) {
		error = sp_error_set(
		    SP_EENGINE,
		    "Docker engine at %s does not tell its API version",
		    e->socket);
		goto done;
	}
	if (have < version_number(SP_ENGINE_API_OLDEST)) {
		error = sp_error_set(
		    SP_EENGINE,
		    "Docker engine at %s speaks API %s, older than %s",
		    e->socket, server.ptr, SP_ENGINE_API_OLDEST);
		goto done;
	}
	snprintf(e->version, sizeof(e->version), "%s",
	         have < newest ? server.ptr : SP_ENGINE_API_NEWEST);
done:
	cJSON_Delete(json);
	sp_buf_dispose(&body);
	sp_buf_dispose(&server);
	return error;
}

int sp_engine_new(sp_engine **out, const char *host)
{
	sp_engine *e = NULL;
	const char *path = host ? host : "unix:///var/run/docker.sock";
	struct sockaddr_un sun;
	int error = 0;

	*out = NULL;
	if (!strncmp(path, "unix://", 7)) {
		path += 7;
	} else if (strstr(path, "://")) {
		return sp_error_set(SP_EINVALID,
		                    "unsupported Docker host '%.128s': only "
		                    "unix:///path/docker.sock "
		                    "is supported",
		                    path);
	}
	if (path[0] != '/')
		return sp_error_set(SP_EINVALID,
		                    "invalid Docker host '%.128s': expected "
		                    "unix:///absolute/path",
		                    host);
	if (strlen(path) >= sizeof(sun.sun_path))
		return sp_error_set(SP_EINVALID,
		                    "Docker socket path '%.128s' is too long",
		                    path);
	if ((error = sp_http_global_init()) < 0)
		return error;

	e = sp_calloc(1, sizeof(*e));
	e->socket = sp_strdup(path);
	e->timeout = SP_ENGINE_TIMEOUT_DEFAULT;
	if (!(e->curl = curl_easy_init())) {
		error = sp_error_set(SP_ENOMEM, "cannot make an HTTP handle");
		goto done;
	}
	if ((error = engine_negotiate(e)) < 0)
		goto done;
	*out = e;
	e = NULL;
done:
	sp_engine_free(e);
	return error;
}

void sp_engine_free(sp_engine *engine)
{
	if (!engine)
		return;
	if (engine->curl)
		curl_easy_cleanup(engine->curl);
	free(engine->socket);
	free(engine);
}

const char *sp_engine_version(const sp_engine *engine)
{
	return engine->version;
}

const char *sp_engine_socket(const sp_engine *engine)
{
	return engine->socket;
}

void sp_engine_set_timeout(sp_engine *engine, int seconds)
{
	engine->timeout = seconds > 0 ? seconds : SP_ENGINE_TIMEOUT_DEFAULT;
}

int sp_engine_request(sp_buf *out, long *status, sp_engine *engine,
                      const char *method, const char *path,
                      const char *json_body)
{
	sp_buf full = SP_BUF_INIT;
	int error;

	*status = 0;
	if (!engine_method_ok(method))
		return sp_error_set(SP_EINVALID,
		                    "unsupported HTTP method '%.16s'",
		                    method ? method : "(null)");
	if (!engine_path_ok(path))
		return sp_error_set(SP_EINVALID,
		                    "invalid API path '%.64s': expected '/' "
		                    "and printable ASCII",
		                    path ? path : "(null)");
	sp_buf_printf(&full, "/v%s%s", engine->version, path);
	error = engine_perform(status, engine, method, full.ptr, json_body,
	                       engine->timeout, out, NULL);
	sp_buf_dispose(&full);
	return error;
}

/* JSON readers: absent or mistyped members read as empty. */
const char *json_str(const cJSON *obj, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(item) ? item->valuestring : NULL;
}

char *json_dup(const cJSON *obj, const char *key)
{
	const char *s = json_str(obj, key);

	return sp_strdup(s ? s : "");
}

long long json_num(const cJSON *obj, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
	double v;

	if (!cJSON_IsNumber(item))
		return 0;
	v = item->valuedouble;
	if (!isfinite(v) || v > 9e18 || v < -9e18)
		return 0;
	return (long long)v;
}

int json_int(const cJSON *obj, const char *key)
{
	long long v = json_num(obj, key);

	return v > INT32_MAX || v < INT32_MIN ? 0 : (int)v;
}

int json_bool(const cJSON *obj, const char *key)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

void labels_from_json(sp_engine_labels *out, const cJSON *obj)
{
	const cJSON *item;
	size_t n = 0;

	out->items = NULL;
	out->count = 0;
	if (!cJSON_IsObject(obj))
		return;
	cJSON_ArrayForEach(item, obj) if (cJSON_IsString(item) && item->string)
	    n++;
	if (!n)
		return;
	out->items = sp_calloc(n, sizeof(*out->items));
	cJSON_ArrayForEach(item, obj)
	{
		if (!cJSON_IsString(item) || !item->string)
			continue;
		out->items[out->count].key = sp_strdup(item->string);
		out->items[out->count].value = sp_strdup(item->valuestring);
		out->count++;
	}
}

/* The strings of a JSON array, skipping "<none>:<none>". */
void strings_from_json(char ***out, size_t *count, const cJSON *arr)
{
	const cJSON *item;
	size_t n = 0;

	*out = NULL;
	*count = 0;
	if (!cJSON_IsArray(arr))
		return;
	n = (size_t)cJSON_GetArraySize(arr);
	if (!n)
		return;
	*out = sp_calloc(n, sizeof(char *));
	cJSON_ArrayForEach(item, arr)
	{
		if (!cJSON_IsString(item) ||
		    !strcmp(item->valuestring, "<none>:<none>") ||
		    !strcmp(item->valuestring, "<none>@<none>"))
			continue;
		(*out)[(*count)++] = sp_strdup(item->valuestring);
	}
}

void strings_free(char **items, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		free(items[i]);
	free(items);
}

const char *sp_engine_labels_get(const sp_engine_labels *labels,
                                 const char *key)
{
	size_t i;

	for (i = 0; labels && key && i < labels->count; i++)
		if (!strcmp(labels->items[i].key, key))
			return labels->items[i].value;
	return NULL;
}

void sp_engine_labels_dispose(sp_engine_labels *labels)
{
	size_t i;

	if (!labels)
		return;
	for (i = 0; i < labels->count; i++) {
		free(labels->items[i].key);
		free(labels->items[i].value);
	}
	free(labels->items);
	labels->items = NULL;
	labels->count = 0;
}

/* "key=value" entries into a JSON object; SP_EINVALID for a bad one. */
int labels_to_json(cJSON *obj, const char **labels)
{
	sp_buf key = SP_BUF_INIT;
	const char *eq;
	int error = 0;

	for (; labels && *labels; labels++) {
		eq = strchr(*labels, '=');
		sp_buf_clear(&key);
		sp_buf_put(&key, *labels,
		           eq ? (size_t)(eq - *labels) : strlen(*labels));
		if (!key.size) {
			error = sp_error_set(
			    SP_EINVALID,
			    "invalid label '%.64s': expected key=value",
			    *labels);
			break;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(obj, key.ptr);
		cJSON_AddStringToObject(obj, key.ptr, eq ? eq + 1 : "");
	}
	sp_buf_dispose(&key);
	return error;
}

cJSON *strings_to_json(const char **list)
{
	cJSON *arr = cJSON_CreateArray();

	for (; list && *list; list++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(*list));
	return arr;
}

/* Append "filters=<escaped {key:[filter]}>" to the query of `path`. */
int engine_filter(sp_buf *path, sp_engine *e, const char *key,
                  const char *filter)
{
	cJSON *json = NULL, *arr;
	char *text = NULL, *escaped = NULL;
	const unsigned char *p;
	int error = 0;

	if (!filter)
		return 0;
	if (!*filter || strlen(filter) > ENGINE_FILTER_MAX)
		return sp_error_set(SP_EINVALID, "invalid %s filter '%.64s'",
		                    key, filter);
	for (p = (const unsigned char *)filter; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return sp_error_set(
			    SP_EINVALID, "invalid %s filter: control character",
			    key);
	json = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(json, key);
	cJSON_AddItemToArray(arr, cJSON_CreateString(filter));
	if (!(text = cJSON_PrintUnformatted(json)) ||
	    !(escaped = curl_easy_escape(e->curl, text, 0))) {
		error = sp_error_set(SP_ENOMEM, "out of memory");
		goto done;
	}
	sp_buf_printf(path, "%cfilters=%s", strchr(path->ptr, '?') ? '&' : '?',
	              escaped);
done:
	curl_free(escaped);
	free(text);
	cJSON_Delete(json);
	return error;
}

int engine_escape_param(sp_buf *path, sp_engine *e, const char *name,
                        const char *value)
{
	char *escaped = curl_easy_escape(e->curl, value, 0);

	if (!escaped)
		return sp_error_set(SP_ENOMEM, "out of memory");
	sp_buf_printf(path, "%c%s=%s", strchr(path->ptr, '?') ? '&' : '?', name,
	              escaped);
	curl_free(escaped);
	return 0;
}

static int spec_to_json(cJSON **out, const sp_container_spec *spec)
{
	cJSON *json = cJSON_CreateObject(), *host, *labels, *item, *bind;
	char port[16], hostport[16];
	int error = 0;

	if (!spec || engine_check_name("image", spec->image) < 0) {
		error = spec ? SP_EINVALID
		             : sp_error_set(SP_EINVALID, "no container spec");
		goto done;
	}
	if (spec->container_port < 0 || spec->container_port > 65535 ||
	    spec->host_port < 0 || spec->host_port > 65535) {
		error = sp_error_set(SP_EINVALID, "port out of range (%d, %d)",
		                     spec->container_port, spec->host_port);
		goto done;
	}
	if (!isfinite(spec->cpus) || spec->cpus < 0 || spec->cpus > 1e6 ||
	    spec->memory < 0 || spec->pids_limit < 0) {
		error = sp_error_set(SP_EINVALID,
		                     "negative or huge resource limit");
		goto done;
	}
	if (spec->volume &&
	    (engine_check_name("volume", spec->volume) < 0 ||
	     strchr(spec->volume, '/') || strchr(spec->volume, ':'))) {
		error = sp_error_set(SP_EINVALID, "invalid volume name '%.64s'",
		                     spec->volume);
		goto done;
	}
	for (const char **env = spec->env; env && *env; env++) {
		if (!strchr(*env, '=') || **env == '=') {
			error = sp_error_set(SP_EINVALID,
			                     "invalid environment entry "
			                     "'%.32s': expected KEY=value",
			                     *env);
			goto done;
		}
	}

	cJSON_AddStringToObject(json, "Image", spec->image);
	if (spec->cmd)
		cJSON_AddItemToObject(json, "Cmd", strings_to_json(spec->cmd));
	cJSON_AddItemToObject(json, "Env", strings_to_json(spec->env));
	labels = cJSON_AddObjectToObject(json, "Labels");
	if ((error = labels_to_json(labels, spec->labels)) < 0)
		goto done;
	if (spec->user)
		cJSON_AddStringToObject(json, "User", spec->user);

	host = cJSON_AddObjectToObject(json, "HostConfig");
	cJSON_AddBoolToObject(host, "Privileged", 0);
	cJSON_AddItemToObject(host, "Binds", cJSON_CreateArray());
	if (spec->container_port) {
		snprintf(port, sizeof(port), "%d/tcp", spec->container_port);
		item = cJSON_AddObjectToObject(json, "ExposedPorts");
		cJSON_AddObjectToObject(item, port);
		item = cJSON_AddObjectToObject(host, "PortBindings");
		item = cJSON_AddArrayToObject(item, port);
		bind = cJSON_CreateObject();
		cJSON_AddStringToObject(bind, "HostIp",
		                        spec->host_ip ? spec->host_ip
		                                      : "127.0.0.1");
		hostport[0] = '\0';
		if (spec->host_port)
			snprintf(hostport, sizeof(hostport), "%d",
			         spec->host_port);
		cJSON_AddStringToObject(bind, "HostPort", hostport);
		cJSON_AddItemToArray(item, bind);
	}
	if (spec->cpus > 0)
		cJSON_AddNumberToObject(host, "NanoCpus",
		                        floor(spec->cpus * 1e9 + 0.5));
	if (spec->memory > 0)
		cJSON_AddNumberToObject(host, "Memory", (double)spec->memory);
	if (spec->pids_limit > 0)
		cJSON_AddNumberToObject(host, "PidsLimit",
		                        (double)spec->pids_limit);
	if (spec->no_new_privileges) {
		item = cJSON_AddArrayToObject(host, "SecurityOpt");
		cJSON_AddItemToArray(item,
		                     cJSON_CreateString("no-new-privileges"));
	}
	if (spec->cap_drop_all) {
		item = cJSON_AddArrayToObject(host, "CapDrop");
		cJSON_AddItemToArray(item, cJSON_CreateString("ALL"));
	}
	if (spec->volume) {
		item = cJSON_AddArrayToObject(host, "Mounts");
		bind = cJSON_CreateObject();
		cJSON_AddStringToObject(bind, "Type", "volume");
		cJSON_AddStringToObject(bind, "Source", spec->volume);
		cJSON_AddStringToObject(bind, "Target", "/data");
		/*
		 * No copy of the image's /data into an empty volume: it would
		 * also reset the volume's owner at every start while empty.
		 */
		cJSON_AddBoolToObject(
		    cJSON_AddObjectToObject(bind, "VolumeOptions"), "NoCopy",
		    !spec->volume_copy);
		cJSON_AddItemToArray(item, bind);
	}
	if (spec->network_mode)
		cJSON_AddStringToObject(host, "NetworkMode",
		                        spec->network_mode);
	if (spec->runtime)
		cJSON_AddStringToObject(host, "Runtime", spec->runtime);
	if (spec->log_max_size > 0 || spec->log_max_files > 0) {
		char number[32];

		item = cJSON_AddObjectToObject(host, "LogConfig");
		cJSON_AddStringToObject(item, "Type", "json-file");
		item = cJSON_AddObjectToObject(item, "Config");
		if (spec->log_max_size > 0) {
			snprintf(number, sizeof(number), "%lld",
			         spec->log_max_size);
			cJSON_AddStringToObject(item, "max-size", number);
		}
		if (spec->log_max_files > 0) {
			snprintf(number, sizeof(number), "%d",
			         spec->log_max_files);
			cJSON_AddStringToObject(item, "max-file", number);
		}
	}
	if (spec->restart_policy) {
		item = cJSON_AddObjectToObject(host, "RestartPolicy");
		cJSON_AddStringToObject(item, "Name", spec->restart_policy);
	}
	*out = json;
	json = NULL;
done:
	cJSON_Delete(json);
	return error;
}

/* Wipe the strings of a JSON array before it is freed (the environment). */
void engine_json_wipe_strings(cJSON *array)
{
	cJSON *item;

	cJSON_ArrayForEach(item, array)
	{
		if (cJSON_IsString(item) && item->valuestring)
			explicit_bzero(item->valuestring,
			               strlen(item->valuestring));
	}
}

int sp_engine_container_create(char **id_out, sp_engine *engine,
                               const char *name, const sp_container_spec *spec)
{
	cJSON *body = NULL, *answer = NULL;
	sp_buf path = SP_BUF_INIT, what = SP_BUF_INIT;
	char *text = NULL;
	const char *id;
	int error;

	*id_out = NULL;
	if ((name && (error = engine_check_name("container name", name)) < 0) ||
	    (error = spec_to_json(&body, spec)) < 0)
		goto done;
	if (name && strchr(name, '/')) {
		error = sp_error_set(SP_EINVALID,
		                     "invalid container name '%.64s'", name);
		goto done;
	}
	if (!(text = cJSON_PrintUnformatted(body))) {
		error = sp_error_set(SP_ENOMEM, "out of memory");
		goto done;
	}
	sp_buf_puts(&path, "/containers/create");
	if (name)
		sp_buf_printf(&path, "?name=%s", name);
	sp_buf_printf(&what, "create container '%s'",
	              name ? name : spec->image);
	if ((error = engine_call(&answer, engine, "POST", path.ptr, text, 0,
	                         SP_EEXISTS, what.ptr)) < 0)
		goto done;
	id = json_str(answer, "Id");
	if (!id || !engine_name_ok(id)) {
		error = sp_error_set(
		    SP_EENGINE, "%s: no container id in the answer", what.ptr);
		goto done;
	}
	*id_out = sp_strdup(id);
done:
	/* The body holds the environment, secrets included. */
	if (text)
		explicit_bzero(text, strlen(text));
	free(text);
	engine_json_wipe_strings(cJSON_GetObjectItemCaseSensitive(body, "Env"));
	cJSON_Delete(body);
	cJSON_Delete(answer);
	sp_buf_dispose(&path);
	sp_buf_dispose(&what);
	return error;
}

/* POST /containers/<id>/<action><query> with no body and no answer needed. */
static int container_action(sp_engine *e, const char *id, const char *action,
                            const char *method, const char *query, long timeout)
{
	sp_buf path = SP_BUF_INIT, what = SP_BUF_INIT;
	int error;

	if ((error = engine_check_name("container", id)) < 0)
		return error;
	sp_buf_printf(&path, "/containers/%s%s%s", id, action,
	              query ? query : "");
	sp_buf_printf(&what, "%s container '%s'",
	              *action ? action + 1 : "remove", id);
	error =
	    engine_call(NULL, e, method, path.ptr, NULL, timeout, 0, what.ptr);
	sp_buf_dispose(&path);
	sp_buf_dispose(&what);
	return error;
}

static long stop_timeout(sp_engine *e, int seconds)
{
	return (long)e->timeout + (seconds > 0 ? seconds : 0);
}

int sp_engine_container_start(sp_engine *engine, const char *id)
{
	return container_action(engine, id, "/start", "POST", NULL, 0);
}

int sp_engine_container_stop(sp_engine *engine, const char *id,
                             int timeout_seconds)
{
	char query[32];

	snprintf(query, sizeof(query), "?t=%d",
	         timeout_seconds < 0 ? 0 : timeout_seconds);
	return container_action(engine, id, "/stop", "POST", query,
	                        stop_timeout(engine, timeout_seconds));
}

int sp_engine_container_restart(sp_engine *engine, const char *id,
                                int timeout_seconds)
{
	char query[32];

	snprintf(query, sizeof(query), "?t=%d",
	         timeout_seconds < 0 ? 0 : timeout_seconds);
	return container_action(engine, id, "/restart", "POST", query,
	                        stop_timeout(engine, timeout_seconds));
}

int sp_engine_container_kill(sp_engine *engine, const char *id,
                             const char *signal)
{
	sp_buf query = SP_BUF_INIT;
	int error;

	if (signal && engine_check_name("signal", signal) < 0)
		return SP_EINVALID;
	sp_buf_printf(&query, "?signal=%s", signal ? signal : "SIGKILL");
	error = container_action(engine, id, "/kill", "POST", query.ptr, 0);
	sp_buf_dispose(&query);
	return error;
}

int sp_engine_container_update(sp_engine *engine, const char *id,
                               const sp_container_update *update)
{
	static const char *const policies[] = {"no", "unless-stopped",
	                                       "on-failure", "always"};
	cJSON *body = NULL, *policy;
	sp_buf path = SP_BUF_INIT, what = SP_BUF_INIT;
	char *text = NULL;
	size_t i;
	int error;

	if ((error = engine_check_name("container", id)) < 0)
		return error;
	if (!update->restart_policy)
		return sp_error_set(SP_EINVALID,
		                    "update container '%s': nothing to change",
		                    id);
	for (i = 0; i < sizeof(policies) / sizeof(policies[0]); i++)
		if (!strcmp(update->restart_policy, policies[i]))
			break;
	if (i == sizeof(policies) / sizeof(policies[0]))
		return sp_error_set(SP_EINVALID,
		                    "update container '%s': unknown restart "
		                    "policy '%.32s'",
		                    id, update->restart_policy);
	body = cJSON_CreateObject();
	policy = cJSON_AddObjectToObject(body, "RestartPolicy");
	if (!policy ||
	    !cJSON_AddStringToObject(policy, "Name", update->restart_policy) ||
	    !(text = cJSON_PrintUnformatted(body))) {
		error = sp_error_set(SP_ENOMEM, "out of memory");
		goto done;
	}
	sp_buf_printf(&path, "/containers/%s/update", id);
	sp_buf_printf(&what, "update container '%s'", id);
	error =
	    engine_call(NULL, engine, "POST", path.ptr, text, 0, 0, what.ptr);
done:
	free(text);
	cJSON_Delete(body);
	sp_buf_dispose(&path);
	sp_buf_dispose(&what);
	return error;
}

int sp_engine_container_remove(sp_engine *engine, const char *id, int force)
{
	return container_action(engine, id, "", "DELETE",
	                        force ? "?force=1&v=1" : "?v=1", 0);
}

int sp_engine_container_wait(int *exit_code, sp_engine *engine, const char *id,
                             int timeout_seconds)
{
	sp_buf path = SP_BUF_INIT, what = SP_BUF_INIT;
	cJSON *answer = NULL;
	const cJSON *err;
	int error;

	*exit_code = -1;
	if ((error = engine_check_name("container", id)) < 0)
		return error;
	sp_buf_printf(&path, "/containers/%s/wait?condition=not-running", id);
	sp_buf_printf(&what, "wait for container '%s'", id);
	if ((error = engine_call(&answer, engine, "POST", path.ptr, NULL,
	                         timeout_seconds > 0 ? timeout_seconds : 0, 0,
	                         what.ptr)) < 0)
		goto done;
	err = cJSON_GetObjectItemCaseSensitive(answer, "Error");
	if (json_str(err, "Message") && json_str(err, "Message")[0]) {
		error = sp_error_set(SP_EENGINE, "%s: %s", what.ptr,
		                     json_str(err, "Message"));
		goto done;
	}
	if (!cJSON_IsNumber(
	        cJSON_GetObjectItemCaseSensitive(answer, "StatusCode"))) {
		error = sp_error_set(
		    SP_EENGINE, "%s: no StatusCode in the answer", what.ptr);
		goto done;
	}
	*exit_code = json_int(answer, "StatusCode");
done:
	cJSON_Delete(answer);
	sp_buf_dispose(&path);
	sp_buf_dispose(&what);
	return error;
}

static char *strip_slash(char *name)
{
	if (name[0] == '/')
		memmove(name, name + 1, strlen(name));
	return name;
}

/* The first port binding with a host port in a Ports / PortBindings object. */
static int info_port(sp_container_info *info, const cJSON *ports)
{
	const cJSON *item, *bind;
	const char *hp;
	char *end;
	long cport, hport;

	cJSON_ArrayForEach(item, ports)
	{
		if (!item->string)
			continue;
		errno = 0;
		cport = strtol(item->string, &end, 10);
		if (errno || cport <= 0 || cport > 65535 || strcmp(end, "/tcp"))
			continue;
		cJSON_ArrayForEach(bind, item)
		{
			hp = json_str(bind, "HostPort");
			hport = hp && *hp ? strtol(hp, &end, 10) : 0;
			if (hport < 0 || hport > 65535)
				hport = 0;
			if (!info->container_port) {
				info->container_port = (int)cport;
				free(info->host_ip);
				info->host_ip = json_dup(bind, "HostIp");
				info->host_port = (int)hport;
			}
			if (hport)
				return 1;
		}
	}
	return 0;
}

/* NetworkSettings.Networks[mode].IPAddress, else the first one set. */
static char *info_ip(const cJSON *networks, const char *mode)
{
	const cJSON *item;
	const char *ip;

	if (mode &&
	    (ip = json_str(cJSON_GetObjectItemCaseSensitive(networks, mode),
	                   "IPAddress")) &&
	    *ip)
		return sp_strdup(ip);
	cJSON_ArrayForEach(item, networks)
	{
		if ((ip = json_str(item, "IPAddress")) && *ip)
			return sp_strdup(ip);
	}
	return sp_strdup("");
}

int sp_engine_container_inspect(sp_container_info *out, sp_engine *engine,
                                const char *id)
{
	sp_buf path = SP_BUF_INIT, what = SP_BUF_INIT;
	cJSON *answer = NULL;
	const cJSON *state, *config, *host, *item;
	int error;

	memset(out, 0, sizeof(*out));
	if ((error = engine_check_name("container", id)) < 0)
		return error;
	sp_buf_printf(&path, "/containers/%s/json", id);
	sp_buf_printf(&what, "inspect container '%s'", id);
	if ((error = engine_call(&answer, engine, "GET", path.ptr, NULL, 0, 0,
	                         what.ptr)) < 0)
		goto done;
	if (!json_str(answer, "Id")) {
		error = sp_error_set(SP_EENGINE, "%s: no Id in the answer",
		                     what.ptr);
		goto done;
	}
	state = cJSON_GetObjectItemCaseSensitive(answer, "State");
	config = cJSON_GetObjectItemCaseSensitive(answer, "Config");
	host = cJSON_GetObjectItemCaseSensitive(answer, "HostConfig");

	out->id = json_dup(answer, "Id");
	out->name = strip_slash(json_dup(answer, "Name"));
	out->image = json_dup(config, "Image");
	out->image_id = json_dup(answer, "Image");
	out->status = json_dup(state, "Status");
	out->started_at = json_dup(state, "StartedAt");
	out->finished_at = json_dup(state, "FinishedAt");
	out->error = json_dup(state, "Error");
	out->user = json_dup(config, "User");
	out->running = json_bool(state, "Running");
	out->restarting = json_bool(state, "Restarting");
	out->exit_code = json_int(state, "ExitCode");
	out->oom_killed = json_bool(state, "OOMKilled");
	out->pid = json_int(state, "Pid");
	out->restart_count = json_int(answer, "RestartCount");
	out->tty = json_bool(config, "Tty");
	out->host_ip = sp_strdup("");
	if (!info_port(out, cJSON_GetObjectItemCaseSensitive(
	                        cJSON_GetObjectItemCaseSensitive(
	                            answer, "NetworkSettings"),
	                        "Ports")))
		info_port(out, cJSON_GetObjectItemCaseSensitive(
		                   host, "PortBindings"));
	labels_from_json(&out->labels,
	                 cJSON_GetObjectItemCaseSensitive(config, "Labels"));
	out->memory = json_num(host, "Memory");
	out->nano_cpus = json_num(host, "NanoCpus");
	out->pids_limit = json_num(host, "PidsLimit");
	out->privileged = json_bool(host, "Privileged");
	out->network_mode = json_dup(host, "NetworkMode");
	out->ip = info_ip(
	    cJSON_GetObjectItemCaseSensitive(
	        cJSON_GetObjectItemCaseSensitive(answer, "NetworkSettings"),
	        "Networks"),
	    out->network_mode);
	cJSON_ArrayForEach(
	    item,
	    cJSON_GetObjectItemCaseSensitive(
	        host, "SecurityOpt")) if (cJSON_IsString(item) &&
	                                  (!strcmp(item->valuestring,
	                                           "no-new-privileges") ||
	                                   !strcmp(item->valuestring,
	                                           "no-new-privileges:true") ||
	                                   !strcmp(item->valuestring,
	                                           "no-new-privileges=true")))
	    out->no_new_privileges = 1;
	cJSON_ArrayForEach(
	    item,
	    cJSON_GetObjectItemCaseSensitive(
	        host,
	        "CapDrop")) if (cJSON_IsString(item) &&
	                        (!strcasecmp(item->valuestring, "ALL") ||
	                         !strcasecmp(item->valuestring, "CAP_ALL")))
	    out->cap_drop_all = 1;
done:
	if (error < 0)
		sp_container_info_dispose(out);
	cJSON_Delete(answer);
	sp_buf_dispose(&path);
	sp_buf_dispose(&what);
	return error;
}

void sp_container_info_dispose(sp_container_info *info)
{
	if (!info)
		return;
	free(info->id);
	free(info->name);
	free(info->image);
	free(info->image_id);
	free(info->status);
	free(info->started_at);
	free(info->finished_at);
	free(info->error);
	free(info->user);
	free(info->host_ip);
	free(info->network_mode);
	free(info->ip);
	sp_engine_labels_dispose(&info->labels);
	memset(info, 0, sizeof(*info));
}

int sp_engine_container_address(sp_buf *ip, int *port, sp_engine *engine,
                                const char *id)
{
	sp_container_info info;
	int error;

	if ((error = sp_engine_container_inspect(&info, engine, id)) < 0)
		return error;
	if (!info.running || !info.ip[0] || info.container_port <= 0)
		error = sp_error_set(SP_ENOTFOUND,
		                     "container '%s' has no address to reach "
		                     "it by",
		                     id);
	else {
		sp_buf_sets(ip, info.ip);
		*port = info.container_port;
	}
	sp_container_info_dispose(&info);
	return error;
}

/*
 * GET a list of `path` (with a label filter when not NULL): `*answer` gets the
 * JSON array (caller deletes), `*n` its length.
 */
int engine_list(cJSON **answer, size_t *n, sp_engine *engine, const char *path,
                const char *label_filter, const char *what)
{
	sp_buf url = SP_BUF_INIT;
	int error;

	*n = 0;
	sp_buf_puts(&url, path);
	if ((error = engine_filter(&url, engine, "label", label_filter)) < 0 ||
	    (error = engine_call(answer, engine, "GET", url.ptr, NULL, 0, 0,
	                         what)) < 0)
		goto done;
	if (!cJSON_IsArray(*answer)) {
		error = sp_error_set(SP_EENGINE, "%s: the answer is not a list",
		                     what);
		goto done;
	}
	*n = (size_t)cJSON_GetArraySize(*answer);
done:
	sp_buf_dispose(&url);
	return error;
}

int sp_engine_container_list(sp_container_list *out, sp_engine *engine,
                             const char *label_filter)
{
	cJSON *answer = NULL;
	const cJSON *item, *names;
	size_t n;
	int error;

	out->items = NULL;
	out->count = 0;
	if ((error = engine_list(&answer, &n, engine, "/containers/json?all=1",
	                         label_filter, "list containers")) < 0)
		goto done;
	out->items = n ? sp_calloc(n, sizeof(*out->items)) : NULL;
	cJSON_ArrayForEach(item, answer)
	{
		sp_container_summary *c;

		if (!cJSON_IsObject(item) || !json_str(item, "Id"))
			continue;
		c = &out->items[out->count++];
		c->id = json_dup(item, "Id");
		names = cJSON_GetArrayItem(
		    cJSON_GetObjectItemCaseSensitive(item, "Names"), 0);
		c->name = strip_slash(
		    sp_strdup(cJSON_IsString(names) ? names->valuestring : ""));
		c->image = json_dup(item, "Image");
		c->image_id = json_dup(item, "ImageID");
		c->state = json_dup(item, "State");
		c->status = json_dup(item, "Status");
		c->created = json_num(item, "Created");
		labels_from_json(&c->labels, cJSON_GetObjectItemCaseSensitive(
		                                 item, "Labels"));
	}
done:
	cJSON_Delete(answer);
	return error;
}

void sp_container_list_dispose(sp_container_list *list)
{
	size_t i;

	if (!list)
		return;
	for (i = 0; i < list->count; i++) {
		sp_container_summary *c = &list->items[i];
		free(c->id);
		free(c->name);
		free(c->image);
		free(c->image_id);
		free(c->state);
		free(c->status);
		sp_engine_labels_dispose(&c->labels);
	}
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

int sp_engine_container_logs(sp_engine *engine, const char *id, int tail,
                             int follow, int timestamps, sp_engine_log_cb cb,
                             void *payload)
{
	sp_container_info info;
	sp_buf path = SP_BUF_INIT, what = SP_BUF_INIT;
	int raw, error;

	if (!cb)
		return sp_error_set(SP_EINVALID, "no log callback");
	if ((error = sp_engine_container_inspect(&info, engine, id)) < 0)
		return error;
	raw = info.tty;
	sp_container_info_dispose(&info);

	sp_buf_printf(&what, "logs of container '%s'", id);
	sp_buf_printf(&path, "/containers/%s/logs?stdout=1&stderr=1", id);
	if (follow)
		sp_buf_puts(&path, "&follow=1");
	if (timestamps)
		sp_buf_puts(&path, "&timestamps=1");
	if (tail >= 0)
		sp_buf_printf(&path, "&tail=%d", tail);
	else
		sp_buf_puts(&path, "&tail=all");
	error = engine_stream_logs(engine, path.ptr, what.ptr, raw, follow, cb,
	                           payload);
	sp_buf_dispose(&path);
	sp_buf_dispose(&what);
	return error;
}

int engine_stream_logs(sp_engine *engine, const char *path, const char *what,
                       int raw, int follow, sp_engine_log_cb cb, void *payload)
{
	log_decoder d;
	sp_buf full = SP_BUF_INIT, body = SP_BUF_INIT;
	long status = 0;
	int error;

	memset(&d, 0, sizeof(d));
	d.raw = raw;
	d.follow = follow;
	d.cb = cb;
	d.payload = payload;
	sp_buf_printf(&full, "/v%s%s", engine->version, path);
	if ((error = engine_perform(&status, engine, "GET", full.ptr, NULL,
	                            follow ? 0 : engine->timeout, &body, &d)) <
	    0)
		goto done;
	if (status >= 400) {
		error = engine_status_error(status, &body, 0, what);
		goto done;
	}
	if (d.result) {
		error = d.result;
		goto done;
	}
	if (status < 200 || status >= 300) {
		error = sp_error_set(
		    SP_EENGINE, "%s: unexpected HTTP status %ld", what, status);
		goto done;
	}
	if (d.bad || d.head_len || d.left)
		error = sp_error_set(
		    SP_EENGINE, "%s: the engine's log stream has a %s frame",
		    what, d.bad ? "malformed" : "cut-short");
done:
	sp_buf_dispose(&full);
	sp_buf_dispose(&body);
	return error;
}

int sp_engine_container_path_exists(int *exists, sp_engine *engine,
                                    const char *id, const char *path)
{
	engine_extra extra = {NULL, NULL, NULL, NULL};
	sp_buf full = SP_BUF_INIT, out = SP_BUF_INIT, what = SP_BUF_INIT;
	long status = 0;
	int error;

	*exists = 0;
	if ((error = engine_check_name("container", id)) < 0)
		return error;
	sp_buf_printf(&full, "/containers/%s/archive", id);
	sp_buf_printf(&what, "look for '%s' in container '%s'", path, id);
	if ((error = engine_escape_param(&full, engine, "path", path)) < 0 ||
	    (error = engine_perform_extra(&status, engine, "HEAD", full.ptr,
	                                  &extra, engine->timeout, &out)) < 0)
		goto done;
	if (status == 200)
		*exists = 1;
	else if (status != 404)
		error = engine_status_error(status, &out, SP_EENGINE, what.ptr);
done:
	sp_buf_dispose(&full);
	sp_buf_dispose(&out);
	sp_buf_dispose(&what);
	return error;
}

int sp_engine_image_inspect(sp_image_info *out, sp_engine *engine,
                            const char *name)
{
	sp_buf path = SP_BUF_INIT, what = SP_BUF_INIT;
	cJSON *answer = NULL, *history = NULL;
	const cJSON *item;
	size_t n;
	int error;

	memset(out, 0, sizeof(*out));
	if ((error = engine_check_name("image", name)) < 0)
		return error;
	sp_buf_printf(&path, "/images/%s/json", name);
	sp_buf_printf(&what, "inspect image '%s'", name);
	if ((error = engine_call(&answer, engine, "GET", path.ptr, NULL, 0, 0,
	                         what.ptr)) < 0)
		goto done;
	if (!json_str(answer, "Id")) {
		error = sp_error_set(SP_EENGINE, "%s: no Id in the answer",
		                     what.ptr);
		goto done;
	}
	out->id = json_dup(answer, "Id");
	out->created = json_dup(answer, "Created");
	out->size = json_num(answer, "Size");
	strings_from_json(&out->tags, &out->tag_count,
	                  cJSON_GetObjectItemCaseSensitive(answer, "RepoTags"));
	labels_from_json(
	    &out->labels,
	    cJSON_GetObjectItemCaseSensitive(
	        cJSON_GetObjectItemCaseSensitive(answer, "Config"), "Labels"));
	{
		const cJSON *hc = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(answer, "Config"),
		    "Healthcheck");
		const cJSON *test =
		    cJSON_GetObjectItemCaseSensitive(hc, "Test");
		const cJSON *first = cJSON_GetArrayItem(test, 0);

		out->healthcheck =
		    cJSON_IsString(first) && strcmp(first->valuestring, "NONE");
	}
	{
		sp_buf layers = SP_BUF_INIT;

		cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(
		                             cJSON_GetObjectItemCaseSensitive(
		                                 answer, "RootFS"),
		                             "Layers"))
		{
			if (cJSON_IsString(item))
				sp_buf_printf(&layers, "%s%s",
				              layers.size ? "," : "",
				              item->valuestring);
		}
		out->layers = sp_buf_detach(&layers);
	}

	sp_buf_clear(&path);
	sp_buf_printf(&path, "/images/%s/history", name);
	sp_buf_clear(&what);
	sp_buf_printf(&what, "history of image '%s'", name);
	if ((error = engine_call(&history, engine, "GET", path.ptr, NULL, 0, 0,
	                         what.ptr)) < 0)
		goto done;
	n = cJSON_IsArray(history) ? (size_t)cJSON_GetArraySize(history) : 0;
	out->history = n ? sp_calloc(n, sizeof(char *)) : NULL;
	cJSON_ArrayForEach(item, history)
	{
		if (cJSON_IsObject(item))
			out->history[out->history_count++] =
			    json_dup(item, "CreatedBy");
	}
done:
	if (error < 0)
		sp_image_info_dispose(out);
	cJSON_Delete(answer);
	cJSON_Delete(history);
	sp_buf_dispose(&path);
	sp_buf_dispose(&what);
	return error;
}

void sp_image_info_dispose(sp_image_info *info)
{
	if (!info)
		return;
	free(info->id);
	free(info->created);
	strings_free(info->tags, info->tag_count);
	strings_free(info->history, info->history_count);
	free(info->layers);
	sp_engine_labels_dispose(&info->labels);
	memset(info, 0, sizeof(*info));
}

int engine_delete(sp_engine *e, const char *collection, const char *noun,
                  const char *name, const char *query)
{
	sp_buf path = SP_BUF_INIT, what = SP_BUF_INIT;
	int error;

	sp_buf_printf(&path, "/%s/%s%s", collection, name, query);
	sp_buf_printf(&what, "remove %s '%s'", noun, name);
	error = engine_call(NULL, e, "DELETE", path.ptr, NULL, 0, 0, what.ptr);
	sp_buf_dispose(&path);
	sp_buf_dispose(&what);
	return error;
}

int sp_engine_image_remove(sp_engine *engine, const char *name, int force)
{
	int error;

	if ((error = engine_check_name("image", name)) < 0)
		return error;
	return engine_delete(engine, "images", "image", name,
	                     force ? "?force=1" : "");
}

int sp_engine_image_tag(sp_engine *engine, const char *source, const char *repo,
                        const char *tag)
{
	sp_buf path = SP_BUF_INIT, what = SP_BUF_INIT;
	int error;

	if ((error = engine_check_name("image", source)) < 0 ||
	    (error = engine_check_name("repository", repo)) < 0 ||
	    (tag && (error = engine_check_name("tag", tag)) < 0))
		return error;
	sp_buf_printf(&path, "/images/%s/tag", source);
	sp_buf_printf(&what, "tag image '%s' as '%s:%s'", source, repo,
	              tag ? tag : "latest");
	if ((error = engine_escape_param(&path, engine, "repo", repo)) < 0 ||
	    (error = engine_escape_param(&path, engine, "tag",
	                                 tag ? tag : "latest")) < 0)
		goto done;
	error =
	    engine_call(NULL, engine, "POST", path.ptr, NULL, 0, 0, what.ptr);
done:
	sp_buf_dispose(&path);
	sp_buf_dispose(&what);
	return error;
}

int sp_engine_image_list(sp_image_list *out, sp_engine *engine,
                         const char *label_filter)
{
	cJSON *answer = NULL;
	const cJSON *item;
	size_t n;
	int error;

	out->items = NULL;
	out->count = 0;
	if ((error = engine_list(&answer, &n, engine, "/images/json",
	                         label_filter, "list images")) < 0)
		goto done;
	out->items = n ? sp_calloc(n, sizeof(*out->items)) : NULL;
	cJSON_ArrayForEach(item, answer)
	{
		sp_image_summary *im;

		if (!cJSON_IsObject(item) || !json_str(item, "Id"))
			continue;
		im = &out->items[out->count++];
		im->id = json_dup(item, "Id");
		im->created = json_num(item, "Created");
		im->size = json_num(item, "Size");
		strings_from_json(
		    &im->tags, &im->tag_count,
		    cJSON_GetObjectItemCaseSensitive(item, "RepoTags"));
		labels_from_json(&im->labels, cJSON_GetObjectItemCaseSensitive(
		                                  item, "Labels"));
	}
done:
	cJSON_Delete(answer);
	return error;
}

void sp_image_list_dispose(sp_image_list *list)
{
	size_t i;

	if (!list)
		return;
	for (i = 0; i < list->count; i++) {
		free(list->items[i].id);
		strings_free(list->items[i].tags, list->items[i].tag_count);
		sp_engine_labels_dispose(&list->items[i].labels);
	}
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

int sp_engine_volume_create(sp_engine *engine, const char *name,
                            const char **labels)
{
	cJSON *body = NULL, *answer = NULL;
	sp_buf what = SP_BUF_INIT;
	char *text = NULL;
	int error;

	if ((error = engine_check_name("volume", name)) < 0)
		return error;
	if (strchr(name, '/') || strchr(name, ':') || strchr(name, '@'))
		return sp_error_set(SP_EINVALID, "invalid volume name '%.64s'",
		                    name);
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "Name", name);
	if ((error = labels_to_json(cJSON_AddObjectToObject(body, "Labels"),
	                            labels)) < 0)
		goto done;
	if (!(text = cJSON_PrintUnformatted(body))) {
		error = sp_error_set(SP_ENOMEM, "out of memory");
		goto done;
	}
	sp_buf_printf(&what, "create volume '%s'", name);
	error = engine_call(&answer, engine, "POST", "/volumes/create", text, 0,
	                    0, what.ptr);
done:
	free(text);
	cJSON_Delete(body);
	cJSON_Delete(answer);
	sp_buf_dispose(&what);
	return error;
}

int sp_engine_volume_remove(sp_engine *engine, const char *name, int force)
{
	int error;

	if ((error = engine_check_name("volume", name)) < 0)
		return error;
	return engine_delete(engine, "volumes", "volume", name,
	                     force ? "?force=1" : "");
}

int sp_engine_network_create(sp_engine *engine, const char *name,
                             const char **labels)
{
	return sp_engine_network_create_driver(engine, name, "bridge", labels);
}

int sp_engine_network_create_driver(sp_engine *engine, const char *name,
                                    const char *driver, const char **labels)
{
	cJSON *body = NULL, *answer = NULL;
	sp_buf what = SP_BUF_INIT;
	char *text = NULL;
	int error;

	if ((error = engine_check_name("network", name)) < 0)
		return error;
	if (strchr(name, '/') || strchr(name, ':') || strchr(name, '@'))
		return sp_error_set(SP_EINVALID, "invalid network name '%.64s'",
		                    name);
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "Name", name);
	cJSON_AddBoolToObject(body, "CheckDuplicate", 1);
	cJSON_AddStringToObject(body, "Driver", driver);
	cJSON_AddBoolToObject(body, "Internal", 0);
	cJSON_AddBoolToObject(body, "Attachable", 0);
	if ((error = labels_to_json(cJSON_AddObjectToObject(body, "Labels"),
	                            labels)) < 0)
		goto done;
	if (!(text = cJSON_PrintUnformatted(body))) {
		error = sp_error_set(SP_ENOMEM, "out of memory");
		goto done;
	}
	sp_buf_printf(&what, "create network '%s'", name);
	error = engine_call(&answer, engine, "POST", "/networks/create", text,
	                    0, SP_EEXISTS, what.ptr);
	if (error == SP_EEXISTS)
		error = 0;
done:
	free(text);
	cJSON_Delete(body);
	cJSON_Delete(answer);
	sp_buf_dispose(&what);
	return error;
}

int sp_engine_network_remove(sp_engine *engine, const char *name)
{
	int error;

	if ((error = engine_check_name("network", name)) < 0)
		return error;
	if (strchr(name, '/'))
		return sp_error_set(SP_EINVALID, "invalid network name '%.64s'",
		                    name);
	error = engine_delete(engine, "networks", "network", name, "");
	if (error == SP_EENGINE && strstr(sp_error_last(), "active endpoints"))
		error = sp_error_set(SP_EEXISTS, "%s", sp_error_last());
	return error;
}

int sp_engine_image_import(sp_engine *engine, const char *name,
                           const void *data, size_t len)
{
	sp_buf path = SP_BUF_INIT, what = SP_BUF_INIT, repo = SP_BUF_INIT;
	engine_body body = {data, len, "application/x-tar"};
	sp_image_info info = {0};
	const char *colon = name ? strrchr(name, ':') : NULL;
	int error;

	if ((error = engine_check_name("image", name)) < 0)
		return error;
	if (!colon || strchr(colon, '/') || colon == name || !colon[1])
		return sp_error_set(SP_EINVALID,
		                    "invalid image name '%.64s': expected "
		                    "repo:tag",
		                    name);
	sp_buf_put(&repo, name, (size_t)(colon - name));
	sp_buf_puts(&path, "/images/create?fromSrc=-");
	if ((error = engine_escape_param(&path, engine, "repo", repo.ptr)) <
	        0 ||
	    (error = engine_escape_param(&path, engine, "tag", colon + 1)) < 0)
		goto done;
	sp_buf_printf(&what, "import image '%s'", name);
	if ((error = engine_call_body(NULL, engine, "POST", path.ptr, &body, 0,
	                              0, what.ptr)) < 0)
		goto done;
	if ((error = sp_engine_image_inspect(&info, engine, name)) < 0)
		error =
		    sp_error_set(error, "%s: the engine made no such image: %s",
		                 what.ptr, sp_error_last());
done:
	sp_image_info_dispose(&info);
	sp_buf_dispose(&path);
	sp_buf_dispose(&what);
	sp_buf_dispose(&repo);
	return error;
}

int sp_engine_build_prune(long long *reclaimed, sp_engine *engine,
                          const char *until)
{
	sp_buf path = SP_BUF_INIT;
	cJSON *answer = NULL;
	int error;

	if (reclaimed)
		*reclaimed = 0;
	sp_buf_puts(&path, "/build/prune");
	if (until && (error = engine_filter(&path, engine, "until", until)) < 0)
		goto done;
	if ((error = engine_call(&answer, engine, "POST", path.ptr, NULL, 0, 0,
	                         "prune the build cache")) < 0)
		goto done;
	if (reclaimed)
		*reclaimed = json_num(answer, "SpaceReclaimed");
done:
	cJSON_Delete(answer);
	sp_buf_dispose(&path);
	return error;
}
