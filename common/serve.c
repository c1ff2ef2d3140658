/* `spacehook serve`: status pages, the build log as Server-Sent Events, the
 * wake of a sleeping Space and the list of Spaces, on libmicrohttpd (thread
 * per connection) behind nginx. */
#include "serve.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "banned.h"
#include "card.h"
#include "error.h"
#include "queue.h"
#include "sleep.h"
#include "space.h"
#include "stage.h"
#include "store.h"
#include "term.h"

#define SERVE_PREFIX "/.spacehook/"
#define SERVE_PARTIAL_MAX 8192 /* an unfinished log line shown as it is */

/* Page text ------------------------------------------------------------- */

static void html_escape(sp_buf *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			sp_buf_puts(out, "&amp;");
			break;
		case '<':
			sp_buf_puts(out, "&lt;");
			break;
		case '>':
			sp_buf_puts(out, "&gt;");
			break;
		case '"':
			sp_buf_puts(out, "&quot;");
			break;
		case '\'':
			sp_buf_puts(out, "&#39;");
			break;
		default:
			sp_buf_putc(out, *s);
		}
	}
}

/* Hugging Face's card colors (colorFrom, colorTo); anything else is gray. */
static const char *serve_color(const char *name)
{
	static const struct {
		const char *name, *hex;
	} colors[] = {{"red", "#f87171"},    {"yellow", "#facc15"},
	              {"green", "#4ade80"},  {"blue", "#60a5fa"},
	              {"indigo", "#818cf8"}, {"purple", "#c084fc"},
	              {"pink", "#f472b6"},   {"gray", "#9ca3af"}};

	for (size_t i = 0; name && i < sizeof(colors) / sizeof(colors[0]); i++)
		if (!strcmp(name, colors[i].name))
			return colors[i].hex;
	return "#9ca3af";
}

static const char serve_style[] =
    "<style>body{margin:0;font:16px/1.5 system-ui,sans-serif;"
    "background:#f9fafb;color:#111827}main{max-width:60rem;margin:0 auto;"
    "padding:2rem 1rem}h1{font-size:1.6rem;margin:0 0 .5rem}"
    ".stage{display:inline-block;font:600 .8rem/1 monospace;padding:.3rem "
    ".5rem;border-radius:.3rem;background:#e5e7eb}"
    "pre{background:#111827;color:#e5e7eb;padding:1rem;border-radius:.5rem;"
    "overflow:auto;max-height:32rem;white-space:pre-wrap;"
    "word-break:break-all;font-size:.8rem}pre.error{background:#7f1d1d}"
    ".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(16rem,"
    "1fr));gap:1rem}.card{display:block;color:#fff;text-decoration:none;"
    "border-radius:.7rem;padding:1rem;min-height:8rem;text-shadow:0 1px 2px "
    "#0006}.card h2{margin:.3rem 0;font-size:1.2rem}.card p{margin:0}"
    ".emoji{font-size:2rem}.id{display:block;font-size:.8rem;opacity:.85}"
    "</style>";

/* The top of a page: title, optional head lines, the heading. */
static void page_start(sp_buf *out, const char *title, const char *emoji,
                       const char *stage, const char *head)
{
	sp_buf_puts(out, "<!doctype html>\n<html lang=\"en\"><head>"
	                 "<meta charset=\"utf-8\"><meta name=\"viewport\" "
	                 "content=\"width=device-width,initial-scale=1\">"
	                 "<title>");
	html_escape(out, title);
	sp_buf_puts(out, "</title>");
	sp_buf_puts(out, head ? head : "");
	sp_buf_puts(out, serve_style);
	sp_buf_puts(out, "</head><body><main><h1>");
	if (emoji && *emoji) {
		html_escape(out, emoji);
		sp_buf_putc(out, ' ');
	}
	html_escape(out, title);
	sp_buf_puts(out, "</h1>\n");
	if (stage) {
		sp_buf_puts(out, "<p><span class=\"stage\" id=\"stage\">");
		html_escape(out, stage);
		sp_buf_puts(out, "</span></p>\n");
	}
}

static void page_end(sp_buf *out, const char *script)
{
	sp_buf_puts(out, "</main>");
	if (script) {
		sp_buf_puts(out, "<script>");
		sp_buf_puts(out, script);
		sp_buf_puts(out, "</script>");
	}
	sp_buf_puts(out, "</body></html>\n");
}

/* The Space a request is about --------------------------------------------- */

typedef struct {
	sp_space space;
	sp_store *store;
	sp_state state;
	sp_card card;
	char job[SP_JOB_ID_MAX]; /* the newest job log, "" when none */
} serve_space;

/* The newest job log of the Space ("" when none); ids sort by time. */
static void serve_newest_job(char out[SP_JOB_ID_MAX], sp_store *store)
{
	struct dirent *d;
	DIR *dh;

	out[0] = '\0';
	if (sp_store_opendirat(&dh, store, "logs") < 0) {
		sp_error_clear();
		return;
	}
	while ((d = readdir(dh))) {
		size_t len = strlen(d->d_name);
		char id[SP_JOB_ID_MAX];

		if (len < 5 || len - 4 >= SP_JOB_ID_MAX ||
		    strcmp(d->d_name + len - 4, ".log"))
			continue;
		memcpy(id, d->d_name, len - 4);
		id[len - 4] = '\0';
		if (strcmp(id, out) > 0)
			memcpy(out, id, len - 3);
	}
	closedir(dh);
}

/*
 * Open the Space `id` for a page: SP_EINVALID for an id that is no Space id,
 * SP_ENOTFOUND for a Space without a state directory or never deployed.
 */
static int serve_space_open(serve_space *out, const sp_settings *settings,
                            const char *id)
{
	int error;

	memset(out, 0, sizeof(*out));
	sp_state_init(&out->state);
	if ((error = sp_space_parse(&out->space, id)) < 0)
		return error;
	if (!sp_store_exists(settings->state_dir, &out->space))
		return sp_error_set(SP_ENOTFOUND, "no Space '%s' here", id);
	if ((error = sp_store_open(&out->store, settings->state_dir,
	                           &out->space)) < 0 ||
	    (error = sp_state_load(&out->state, out->store)) < 0)
		return error;
	if (!out->state.stage)
		return sp_error_set(SP_ENOTFOUND, "'%s' was never deployed",
		                    id);
	if (sp_card_load(&out->card, out->store) < 0)
		sp_error_clear(); /* a damaged card: the page goes without */
	serve_newest_job(out->job, out->store);
	return 0;
}

static void serve_space_dispose(serve_space *s)
{
	sp_card_dispose(&s->card);
	sp_state_dispose(&s->state);
	sp_store_free(s->store);
	s->store = NULL;
}

static const char *serve_title(const serve_space *s)
{
	return s->card.title && *s->card.title ? s->card.title : s->space.id;
}

/*
 * The last SP_SERVE_LOG_LINES lines of the job's log (from its last
 * SP_SERVE_LOG_BYTES), escaped for display, into `out`; `*end` gets the
 * log's size (where an event stream goes on).
 */
static void serve_log_tail(sp_buf *out, long long *end, sp_store *store,
                           const char *job)
{
	sp_buf name = SP_BUF_INIT, raw = SP_BUF_INIT;
	struct stat st;
	size_t start = 0, lines = 0, i;
	off_t from;
	ssize_t n;
	int fd;

	*end = 0;
	if (!job[0])
		return;
	sp_queue_log_name(&name, job, "log");
	fd = sp_store_openat(store, name.ptr, O_RDONLY, 0);
	sp_buf_dispose(&name);
	if (fd < 0) {
		sp_error_clear();
		return;
	}
	if (fstat(fd, &st) < 0)
		goto done;
	from = st.st_size > SP_SERVE_LOG_BYTES ? st.st_size - SP_SERVE_LOG_BYTES
	                                       : 0;
	if (sp_buf_grow(&raw, SP_SERVE_LOG_BYTES + 1) < 0)
		goto done;
	n = pread(fd, raw.ptr, SP_SERVE_LOG_BYTES, from);
	if (n < 0)
		goto done;
	sp_buf_truncate(&raw, 0);
	raw.size = (size_t)n;
	raw.ptr[n] = '\0';
	*end = (long long)from + n;
	/* Started inside a line: from the next one. */
	if (from > 0) {
		char *nl = memchr(raw.ptr, '\n', raw.size);

		start = nl ? (size_t)(nl - raw.ptr) + 1 : raw.size;
	}
	/* Keep the last lines only. */
	for (i = raw.size; i > start; i--) {
		if (raw.ptr[i - 1] == '\n' && i != raw.size &&
		    ++lines >= SP_SERVE_LOG_LINES) {
			start = i;
			break;
		}
	}
	{
		sp_buf shown = SP_BUF_INIT;

		if (sp_term_escape_string(&shown, raw.ptr + start,
		                          raw.size - start) == 0)
			html_escape(out, shown.ptr);
		sp_buf_dispose(&shown);
	}
done:
	sp_buf_dispose(&raw);
	close(fd);
}

/* Pages ---------------------------------------------------------------------
 */

static int serve_wants_html(const sp_serve_request *req)
{
	return req->accept && strcasestr(req->accept, "text/html");
}

/* Text for an API client: one line. */
static void serve_text(sp_buf *out, sp_serve_reply *reply, int status,
                       int retry_after, const char *fmt, const char *a,
                       const char *b)
{
	sp_buf_clear(out);
	sp_buf_printf(out, fmt, a, b ? b : "");
	sp_buf_putc(out, '\n');
	reply->status = status;
	reply->retry_after = retry_after;
	reply->content_type = "text/plain; charset=utf-8";
}

static void serve_not_found(sp_buf *out, sp_serve_reply *reply,
                            const sp_serve_request *req, const char *what)
{
	if (!serve_wants_html(req)) {
		serve_text(out, reply, 404, 0, "%s%s", what, NULL);
		return;
	}
	sp_buf_clear(out);
	page_start(out, "Not found", NULL, NULL, NULL);
	sp_buf_puts(out, "<p>");
	html_escape(out, what);
	sp_buf_puts(out, ".</p>\n");
	page_end(out, NULL);
	reply->status = 404;
	reply->content_type = "text/html; charset=utf-8";
}

static const char script_building[] =
    "(function(){var l=document.getElementById('log'),"
    "s=document.getElementById('stage');"
    "if(!window.EventSource)return;"
    "var j=['BUILDING','RUNNING_BUILDING','APP_STARTING',"
    "'RUNNING_APP_STARTING'];"
    "var e=new EventSource('/.spacehook/events?last='+"
    "encodeURIComponent(l.getAttribute('data-last')));"
    "e.addEventListener('log',function(m){"
    "l.appendChild(document.createTextNode(m.data+'\\n'));"
    "l.scrollTop=l.scrollHeight;});"
    "e.addEventListener('stage',function(m){s.textContent=m.data;"
    "if(j.indexOf(m.data)<0){e.close();"
    "setTimeout(function(){location.reload();},500);}});})();";

static const char script_waking[] =
    "(function(){function p(){fetch('/.spacehook/status',"
    "{cache:'no-store'}).then(function(r){return r.json();})"
    ".then(function(j){if(j.stage!=='SLEEPING'&&"
    "j.stage!=='APP_STARTING'){location.reload();}"
    "else{setTimeout(p,1000);}})"
    ".catch(function(){setTimeout(p,2000);});}setTimeout(p,1000);})();";

static const struct {
	const char *stage;
	const char *says; /* after the Space's title */
	int retry_after;
	int refresh;  /* meta refresh seconds, 0 none */
	int building; /* log streamed */
	int error;    /* the error shown */
} serve_stages[] = {
    {"BUILDING",
     "is building. This page shows the build log as it grows "
     "and turns into the app once it serves.",
     10, 0, 1, 0},
    {"RUNNING_BUILDING",
     "is building a new version. This page shows the "
     "build log and turns into the app once it serves.",
     10, 0, 1, 0},
    {"APP_STARTING",
     "is starting. This page turns into the app once it "
     "serves.",
     5, 0, 1, 0},
    {"RUNNING_APP_STARTING",
     "is starting a new version. This page turns "
     "into the app once it serves.",
     5, 0, 1, 0},
    {"BUILD_ERROR", "failed to build. A push that fixes it shows up here.", 30,
     30, 0, 1},
    {"RUNTIME_ERROR", "failed to start. A push that fixes it shows up here.",
     30, 30, 0, 1},
    {"CONFIG_ERROR",
     "has a configuration error in its README.md. A push "
     "that fixes it shows up here.",
     30, 30, 0, 1},
    {"NO_APP_FILE",
     "has no app to run (no Dockerfile). A push that fixes "
     "it shows up here.",
     30, 30, 0, 1},
    {"STOPPED", "is stopped. It serves again once it is started.", 60, 60, 0,
     0},
    {"RUNNING",
     "is not answering right now. It may be starting or have "
     "crashed; this page tries again.",
     10, 10, 0, 0},
};

static void serve_space_page(sp_buf *out, sp_serve_reply *reply,
                             const sp_serve_request *req, serve_space *s)
{
	const char *stage = s->state.stage;
	const char *says = "is not serving right now.";
	sp_buf head = SP_BUF_INIT, log = SP_BUF_INIT;
	int retry = 30, refresh = 30, building = 0, error = 0;
	long long end = 0;
	const char *script = NULL;

	reply->status = 503;
	reply->content_type = "text/html; charset=utf-8";
	if (s->state.paused) {
		stage = "PAUSED";
		says = "is paused by its owner.";
		retry = 600;
		refresh = 0;
	} else if (!strcmp(stage, "SLEEPING")) {
		reply->wake = 1;
		says = "is waking up. This page turns into the app once it "
		       "serves.";
		retry = 2;
		refresh = 0;
		script = script_waking;
		sp_buf_puts(&head, "<noscript><meta http-equiv=\"refresh\" "
		                   "content=\"3\"></noscript>");
	} else {
		for (size_t i = 0;
		     i < sizeof(serve_stages) / sizeof(serve_stages[0]); i++) {
			if (strcmp(stage, serve_stages[i].stage))
				continue;
			says = serve_stages[i].says;
			retry = serve_stages[i].retry_after;
			refresh = serve_stages[i].refresh;
			building = serve_stages[i].building;
			error = serve_stages[i].error;
		}
		/* nginx may point at an address the container no longer
		 * has (the engine restarted it) */
		reply->reroute = !strcmp(stage, "RUNNING");
	}
	if (!serve_wants_html(req)) {
		serve_text(out, reply, 503, retry, "%s %s", s->space.id, says);
		reply->wake =
		    !s->state.paused && !strcmp(s->state.stage, "SLEEPING");
		reply->reroute =
		    !s->state.paused && !strcmp(s->state.stage, "RUNNING");
		goto done;
	}
	reply->retry_after = retry;
	if (building) {
		script = script_building;
		sp_buf_puts(&head, "<noscript><meta http-equiv=\"refresh\" "
		                   "content=\"10\"></noscript>");
	} else if (refresh) {
		sp_buf_printf(&head,
		              "<meta http-equiv=\"refresh\" "
		              "content=\"%d\">",
		              refresh);
	}
	sp_buf_clear(out);
	page_start(out, serve_title(s), s->card.emoji, stage, head.ptr);
	sp_buf_puts(out, "<p>");
	html_escape(out, s->space.id);
	sp_buf_putc(out, ' ');
	html_escape(out, says);
	sp_buf_puts(out, "</p>\n");
	if (error && s->state.error) {
		sp_buf_puts(out, "<pre class=\"error\" id=\"error\">");
		html_escape(out, s->state.error);
		sp_buf_puts(out, "</pre>\n");
	}
	if (building || error) {
		serve_log_tail(&log, &end, s->store, s->job);
		sp_buf_printf(out, "<pre id=\"log\" data-last=\"%s:%lld\">",
		              s->job, end);
		sp_buf_put(out, log.ptr, log.size);
		sp_buf_puts(out, "</pre>\n");
	}
	page_end(out, script);
done:
	sp_buf_dispose(&head);
	sp_buf_dispose(&log);
}

/* /.spacehook/status: {id, stage, error, url}. */
static void serve_status_json(sp_buf *out, sp_serve_reply *reply,
                              const char *id, const serve_space *s)
{
	cJSON *json = cJSON_CreateObject();
	char *text;

	if (!json || !cJSON_AddStringToObject(json, "id", id))
		sp_die_oom(0);
#define STATUS_PUT(key, value)                                                 \
	if (!((value) ? cJSON_AddStringToObject(json, key, value)              \
	              : cJSON_AddNullToObject(json, key)))                     \
		sp_die_oom(0);
	STATUS_PUT("stage",
	           s ? (s->state.paused ? "PAUSED" : s->state.stage) : NULL)
	STATUS_PUT("error", s ? s->state.error : NULL)
	STATUS_PUT("url", s ? s->state.url : NULL)
#undef STATUS_PUT
	if (!(text = cJSON_PrintUnformatted(json)))
		sp_die_oom(0);
	sp_buf_sets(out, text);
	sp_buf_putc(out, '\n');
	cJSON_free(text);
	cJSON_Delete(json);
	reply->status = s ? 200 : 404;
	reply->content_type = "application/json";
}

/* The host part of a Host header or of spacehook.domain (no :port). */
static size_t serve_host_len(const char *host)
{
	const char *colon = strrchr(host, ':');

	if (host[0] == '[') {
		const char *close = strchr(host, ']');

		return close ? (size_t)(close - host) + 1 : strlen(host);
	}
	return colon ? (size_t)(colon - host) : strlen(host);
}

static int serve_is_domain(const sp_settings *settings, const char *host)
{
	size_t a, b;

	if (!settings->domain || !host)
		return 0;
	a = serve_host_len(settings->domain);
	b = serve_host_len(host);
	return a && a == b && !strncasecmp(settings->domain, host, a);
}

static int serve_url_ok(const char *url)
{
	return url &&
	       (!strncmp(url, "http://", 7) || !strncmp(url, "https://", 8));
}

/* The list of Spaces on the bare domain. */
static void serve_list(sp_buf *out, sp_serve_reply *reply,
                       const sp_settings *settings)
{
	char **ids = NULL;
	size_t count = 0, shown = 0;

	sp_buf_clear(out);
	page_start(out, "Spaces", NULL, NULL, NULL);
	if (sp_store_list(&ids, &count, settings->state_dir) < 0) {
		sp_error_clear();
		count = 0;
	}
	sp_buf_puts(out, "<div class=\"grid\">\n");
	for (size_t i = 0; i < count; i++) {
		serve_space s;

		if (serve_space_open(&s, settings, ids[i]) < 0) {
			sp_error_clear();
			serve_space_dispose(&s);
			continue;
		}
		sp_buf_puts(out, "<a class=\"card\"");
		if (serve_url_ok(s.state.url)) {
			sp_buf_puts(out, " href=\"");
			html_escape(out, s.state.url);
			sp_buf_putc(out, '"');
		}
		sp_buf_printf(out,
		              " style=\"background:linear-gradient(135deg,%s,"
		              "%s)\"><span class=\"emoji\">",
		              serve_color(s.card.color_from),
		              serve_color(s.card.color_to));
		html_escape(out, s.card.emoji);
		sp_buf_puts(out, "</span><h2>");
		html_escape(out, serve_title(&s));
		sp_buf_puts(out, "</h2>");
		if (s.card.short_description) {
			sp_buf_puts(out, "<p>");
			html_escape(out, s.card.short_description);
			sp_buf_puts(out, "</p>");
		}
		sp_buf_puts(out, "<span class=\"id\">");
		html_escape(out, s.space.id);
		sp_buf_puts(out, " · <span class=\"stage\">");
		html_escape(out, s.state.paused ? "PAUSED" : s.state.stage);
		sp_buf_puts(out, "</span></span></a>\n");
		shown++;
		serve_space_dispose(&s);
	}
	sp_buf_puts(out, "</div>\n");
	if (!shown)
		sp_buf_puts(out, "<p>No Space is deployed yet.</p>\n");
	page_end(out, NULL);
	sp_store_list_free(ids, count);
	reply->status = 200;
	reply->content_type = "text/html; charset=utf-8";
}

void sp_serve_page(sp_buf *out, sp_serve_reply *reply,
                   const sp_settings *settings, const sp_serve_request *req)
{
	const char *path = req->path ? req->path : "/";
	serve_space s;
	sp_space check;
	int error;

	memset(reply, 0, sizeof(*reply));
	sp_buf_clear(out);
	if (!req->space) {
		if (serve_is_domain(settings, req->host) && !strcmp(path, "/"))
			serve_list(out, reply, settings);
		else
			serve_not_found(out, reply, req, "No Space here");
		return;
	}
	if (sp_space_parse(&check, req->space) < 0) {
		sp_error_clear();
		serve_text(out, reply, 400, 0, "bad X-Spacehook-Space header%s",
		           "", NULL);
		return;
	}
	if (!strcmp(path, SERVE_PREFIX "events")) {
		reply->status = 200;
		reply->content_type = "text/event-stream";
		reply->events = 1;
		return;
	}
	error = serve_space_open(&s, settings, req->space);
	if (!strcmp(path, SERVE_PREFIX "status")) {
		serve_status_json(out, reply, check.id, error < 0 ? NULL : &s);
	} else if (!strncmp(path, SERVE_PREFIX, strlen(SERVE_PREFIX))) {
		serve_not_found(out, reply, req, "No such page");
	} else if (error < 0) {
		sp_buf text = SP_BUF_INIT;

		sp_buf_printf(&text, "No Space '%s' is deployed here",
		              check.id);
		serve_not_found(out, reply, req, text.ptr);
		sp_buf_dispose(&text);
	} else {
		serve_space_page(out, reply, req, &s);
	}
	if (error < 0)
		sp_error_clear();
	serve_space_dispose(&s);
}

/* The event stream ------------------------------------------------------------
 */

struct sp_serve_events {
	const sp_settings *settings;
	sp_space space;
	sp_store *store;
	char job[SP_JOB_ID_MAX]; /* the log followed, "" none yet */
	long long offset;        /* read up to here */
	sp_buf partial;          /* an unfinished line */
	char *stage;             /* the stage last told, NULL none */
	long long started, last_write;
	int told_retry;
};

/* Parse "<job>:<offset>" into the stream when `job` names the current log. */
static void events_resume(sp_serve_events *ev, const char *last)
{
	const char *colon = last ? strrchr(last, ':') : NULL;
	char *end;
	long long off;

	if (!colon || (size_t)(colon - last) != strlen(ev->job) ||
	    strncmp(last, ev->job, strlen(ev->job)) || !colon[1])
		return;
	errno = 0;
	off = strtoll(colon + 1, &end, 10);
	if (*end || errno || off < 0)
		return;
	ev->offset = off;
}

int sp_serve_events_new(sp_serve_events **out, const sp_settings *settings,
                        const char *space_id, const char *last, long long now)
{
	sp_serve_events *ev = sp_calloc(1, sizeof(*ev));
	struct stat st;
	sp_buf name = SP_BUF_INIT;
	int error;

	ev->settings = settings;
	ev->started = ev->last_write = now;
	sp_buf_init(&ev->partial);
	if ((error = sp_space_parse(&ev->space, space_id)) < 0)
		goto fail;
	if (!sp_store_exists(settings->state_dir, &ev->space)) {
		error =
		    sp_error_set(SP_ENOTFOUND, "no Space '%s' here", space_id);
		goto fail;
	}
	if ((error = sp_store_open(&ev->store, settings->state_dir,
	                           &ev->space)) < 0)
		goto fail;
	serve_newest_job(ev->job, ev->store);
	if (ev->job[0]) {
		sp_queue_log_name(&name, ev->job, "log");
		if (sp_store_statat(&st, ev->store, name.ptr) == 0 &&
		    st.st_size > SP_SERVE_LOG_BYTES)
			ev->offset = (long long)st.st_size - SP_SERVE_LOG_BYTES;
		sp_error_clear();
		sp_buf_dispose(&name);
		/* From the middle of a line: the rest of it is skipped. */
		if (ev->offset > 0)
			ev->offset = -ev->offset;
		events_resume(ev, last);
	}
	*out = ev;
	return 0;
fail:
	sp_serve_events_free(ev);
	return error;
}

void sp_serve_events_free(sp_serve_events *ev)
{
	if (!ev)
		return;
	sp_store_free(ev->store);
	sp_buf_dispose(&ev->partial);
	free(ev->stage);
	free(ev);
}

/* One log line as an event: escaped, no raw newline. */
static void events_line(sp_buf *out, sp_serve_events *ev, const char *line,
                        size_t len)
{
	sp_buf shown = SP_BUF_INIT;

	if (len && line[len - 1] == '\r')
		len--;
	if (sp_term_escape_string(&shown, line, len) < 0)
		sp_buf_sets(&shown, "(a line that could not be shown)");
	/* sp_term leaves newlines and tabs; a line has no newline left. */
	for (size_t i = 0; i < shown.size; i++)
		if (shown.ptr[i] == '\n' || shown.ptr[i] == '\r')
			shown.ptr[i] = ' ';
	sp_buf_printf(out, "event: log\nid: %s:%lld\ndata: ", ev->job,
	              ev->offset);
	sp_buf_put(out, shown.ptr, shown.size);
	sp_buf_puts(out, "\n\n");
	sp_buf_dispose(&shown);
}

/* New whole lines of the current log as events (at most 64 KiB a call). */
static void events_log(sp_buf *out, sp_serve_events *ev)
{
	char job[SP_JOB_ID_MAX];
	sp_buf name = SP_BUF_INIT, chunk = SP_BUF_INIT;
	long long from;
	ssize_t n;
	size_t start = 0;
	int fd;

	serve_newest_job(job, ev->store);
	if (!job[0])
		return;
	if (strcmp(job, ev->job)) {
		/* A new job: its log from the start. */
		memcpy(ev->job, job, sizeof(job));
		ev->offset = 0;
		sp_buf_clear(&ev->partial);
	}
	sp_queue_log_name(&name, ev->job, "log");
	fd = sp_store_openat(ev->store, name.ptr, O_RDONLY, 0);
	sp_buf_dispose(&name);
	if (fd < 0) {
		sp_error_clear();
		return;
	}
	from = ev->offset < 0 ? -ev->offset : ev->offset;
	if (sp_buf_grow(&chunk, SP_SERVE_LOG_BYTES + 1) < 0)
		goto done;
	n = pread(fd, chunk.ptr, SP_SERVE_LOG_BYTES, (off_t)from);
	if (n <= 0)
		goto done;
	chunk.size = (size_t)n;
	chunk.ptr[n] = '\0';
	if (ev->offset < 0) {
		/* Started inside a line: from the next one. */
		char *nl = memchr(chunk.ptr, '\n', chunk.size);

		if (!nl) {
			ev->offset = -(from + n);
			goto done;
		}
		start = (size_t)(nl - chunk.ptr) + 1;
		ev->offset = from + (long long)start;
	}
	while (start < chunk.size) {
		char *nl = memchr(chunk.ptr + start, '\n', chunk.size - start);
		size_t len =
		    nl ? (size_t)(nl - chunk.ptr) - start : chunk.size - start;

		if (!nl) {
			sp_buf_put(&ev->partial, chunk.ptr + start, len);
			ev->offset += (long long)len;
			if (ev->partial.size >= SERVE_PARTIAL_MAX) {
				events_line(out, ev, ev->partial.ptr,
				            ev->partial.size);
				sp_buf_clear(&ev->partial);
			}
			break;
		}
		ev->offset += (long long)len + 1;
		if (ev->partial.size) {
			sp_buf_put(&ev->partial, chunk.ptr + start, len);
			events_line(out, ev, ev->partial.ptr, ev->partial.size);
			sp_buf_clear(&ev->partial);
		} else {
			events_line(out, ev, chunk.ptr + start, len);
		}
		start += len + 1;
	}
done:
	sp_buf_dispose(&chunk);
	close(fd);
}

int sp_serve_events_next(sp_buf *out, sp_serve_events *ev, long long now)
{
	sp_state state;
	const char *stage;
	size_t before = out->size;
	int end = 0;

	if (!ev->told_retry) {
		sp_buf_puts(out, "retry: 2000\n\n");
		ev->told_retry = 1;
	}
	events_log(out, ev);
	sp_state_init(&state);
	if (sp_state_load(&state, ev->store) < 0) {
		sp_error_clear();
		end = 1;
		goto done;
	}
	stage = state.paused ? "PAUSED" : state.stage ? state.stage : "";
	if (!ev->stage || strcmp(ev->stage, stage)) {
		/* What the job wrote before it changed the stage comes first.
		 */
		events_log(out, ev);
		sp_buf_printf(out, "event: stage\ndata: %s\n\n", stage);
		free(ev->stage);
		ev->stage = sp_strdup(stage);
		if (!strcmp(stage, "RUNNING"))
			end = 1;
	}
	if (now - ev->started >= SP_SERVE_STREAM_MAX)
		end = 1;
done:
	if (out->size > before)
		ev->last_write = now;
	else if (now - ev->last_write >= SP_SERVE_HEARTBEAT) {
		sp_buf_puts(out, ": still here\n\n");
		ev->last_write = now;
	}
	sp_state_dispose(&state);
	return end;
}

/* Listen address
 * ---------------------------------------------------------------- */

int sp_serve_parse_listen(struct sockaddr_storage *out, socklen_t *len,
                          const char *value)
{
	sp_buf host = SP_BUF_INIT;
	const char *port = NULL, *colon;
	struct addrinfo hints, *res = NULL;
	char *end;
	long num;
	int error = 0;

	if (!value || !*value)
		goto bad;
	if (value[0] == '[') {
		const char *close = strchr(value, ']');

		if (!close || close[1] != ':')
			goto bad;
		sp_buf_put(&host, value + 1, (size_t)(close - value) - 1);
		port = close + 2;
	} else if ((colon = strrchr(value, ':'))) {
		if (memchr(value, ':', (size_t)(colon - value)))
			goto bad; /* an IPv6 address needs brackets */
		sp_buf_put(&host, value, (size_t)(colon - value));
		port = colon + 1;
	} else {
		sp_buf_sets(&host, "127.0.0.1");
		port = value;
	}
	errno = 0;
	num = strtol(port, &end, 10);
	if (!*port || *end || errno || num < 1 || num > 65535 || !host.size)
		goto bad;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
	if (getaddrinfo(host.ptr, port, &hints, &res) != 0 || !res) {
		error = sp_error_set(SP_EINVALID,
		                     "cannot listen on '%s': no such address; "
		                     "give ADDRESS:PORT, e.g. 127.0.0.1:7800",
		                     value);
		goto done;
	}
	memcpy(out, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	goto done;
bad:
	error = sp_error_set(SP_EINVALID,
	                     "bad listen address '%s'; give ADDRESS:PORT, e.g. "
	                     "127.0.0.1:7800 or [::1]:7800",
	                     value ? value : "");
done:
	if (res)
		freeaddrinfo(res);
	sp_buf_dispose(&host);
	return error;
}

/* The daemon
 * ---------------------------------------------------------------------- */

/* A wake or a reroute under way, one per Space. */
typedef struct serve_wake {
	struct serve_wake *next;
	struct serve_daemon *daemon;
	int reroute; /* sp_sleep_reroute rather than sp_sleep_wake */
	char id[2 * SP_SPACE_NAME_MAX + 2];
} serve_wake;

typedef struct serve_daemon {
	const sp_settings *settings;
	atomic_int stop;
	atomic_int streams;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* wakes ending; the sleeper's pause */
	serve_wake *wakes;
	int nwakes;
} serve_daemon;

static void serve_log(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static void serve_log(const char *fmt, ...)
{
	sp_buf line = SP_BUF_INIT;
	va_list ap;

	sp_buf_puts(&line, "spacehook serve: ");
	va_start(ap, fmt);
	sp_buf_vprintf(&line, fmt, ap);
	va_end(ap);
	sp_buf_putc(&line, '\n');
	fwrite(line.ptr, 1, line.size, stderr);
	sp_buf_dispose(&line);
}

static void *serve_wake_thread(void *arg)
{
	serve_wake *w = arg;
	serve_daemon *d = w->daemon;
	sp_store *store = NULL;
	sp_space space;
	serve_wake **p;

	if (sp_space_parse(&space, w->id) < 0 ||
	    sp_store_open(&store, d->settings->state_dir, &space) < 0)
		serve_log("%s: %s", w->id, sp_error_last());
	else if (w->reroute) {
		if (sp_sleep_reroute(d->settings, store) < 0)
			serve_log("%s was not rerouted: %s", w->id,
			          sp_error_last());
	} else if (sp_sleep_wake(d->settings, store) < 0)
		serve_log("%s did not wake: %s", w->id, sp_error_last());
	else
		serve_log("%s woke up", w->id);
	sp_store_free(store);
	pthread_mutex_lock(&d->lock);
	for (p = &d->wakes; *p; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			break;
		}
	d->nwakes--;
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
	free(w);
	return NULL;
}

/* Start the wake (or reroute) of `id` unless one is under way. */
static void serve_wake_start(serve_daemon *d, const char *id, int reroute)
{
	serve_wake *w;
	pthread_attr_t attr;
	pthread_t thread;

	pthread_mutex_lock(&d->lock);
	for (w = d->wakes; w; w = w->next)
		if (!strcmp(w->id, id))
			break;
	if (w || atomic_load(&d->stop)) {
		pthread_mutex_unlock(&d->lock);
		return;
	}
	w = sp_calloc(1, sizeof(*w));
	w->daemon = d;
	w->reroute = reroute;
	snprintf(w->id, sizeof(w->id), "%s", id);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&thread, &attr, serve_wake_thread, w) != 0) {
		serve_log("cannot start the wake of %s", id);
		free(w);
	} else {
		w->next = d->wakes;
		d->wakes = w;
		d->nwakes++;
		if (!reroute)
			serve_log("waking %s", id);
	}
	pthread_attr_destroy(&attr);
	pthread_mutex_unlock(&d->lock);
}

/* Every Space, every spacehook.sleepCheck seconds: put to sleep when idle,
 * else made sure that nginx points where its app listens now. */
static void *serve_sleeper(void *arg)
{
	serve_daemon *d = arg;
	const sp_settings *s = d->settings;

	while (!atomic_load(&d->stop)) {
		struct timespec until;
		char **ids = NULL;
		size_t count = 0;

		if (s->domain &&
		    sp_store_list(&ids, &count, s->state_dir) == 0) {
			for (size_t i = 0; i < count && !atomic_load(&d->stop);
			     i++) {
				sp_store *store = NULL;
				sp_space space;
				int slept = 0;

				if (sp_space_parse(&space, ids[i]) < 0 ||
				    sp_store_open(&store, s->state_dir,
				                  &space) < 0 ||
				    sp_sleep_check(&slept, s, store,
				                   (long long)time(NULL)) < 0)
					serve_log("sleep check of %s: %s",
					          ids[i], sp_error_last());
				else if (slept)
					serve_log("%s sleeps (idle)", ids[i]);
				else if (sp_sleep_reroute(s, store) < 0)
					serve_log("%s was not rerouted: %s",
					          ids[i], sp_error_last());
				sp_store_free(store);
			}
			sp_store_list_free(ids, count);
		}
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += s->sleep_check > 0 ? s->sleep_check : 60;
		pthread_mutex_lock(&d->lock);
		while (!atomic_load(&d->stop) &&
		       pthread_cond_timedwait(&d->cond, &d->lock, &until) !=
		           ETIMEDOUT)
			;
		pthread_mutex_unlock(&d->lock);
	}
	return NULL;
}

/* One event stream's connection. */
typedef struct {
	serve_daemon *daemon;
	sp_serve_events *events;
	struct MHD_Connection *connection;
	sp_buf pending;
	size_t sent;
	int end;
} serve_stream;

/* Whether the client of `c` went away; waits up to `ms` for a sign of it. */
static int serve_client_gone(struct MHD_Connection *c, int ms)
{
	const union MHD_ConnectionInfo *info =
	    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct pollfd p;

	if (!info) {
		usleep((useconds_t)ms * 1000);
		return 0;
	}
	p.fd = info->connect_fd;
	p.events = POLLRDHUP;
	p.revents = 0;
	if (poll(&p, 1, ms) > 0 &&
	    (p.revents & (POLLRDHUP | POLLHUP | POLLERR)))
		return 1;
	return 0;
}

static ssize_t serve_stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	serve_stream *st = cls;

	(void)pos;
	for (;;) {
		if (st->sent < st->pending.size) {
			size_t n = st->pending.size - st->sent;

			if (n > max)
				n = max;
			memcpy(buf, st->pending.ptr + st->sent, n);
			st->sent += n;
			return (ssize_t)n;
		}
		if (st->end || atomic_load(&st->daemon->stop))
			return MHD_CONTENT_READER_END_OF_STREAM;
		sp_buf_clear(&st->pending);
		st->sent = 0;
		st->end = sp_serve_events_next(&st->pending, st->events,
		                               (long long)time(NULL));
		if (st->pending.size)
			continue;
		if (st->end)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (serve_client_gone(st->connection, 250))
			return MHD_CONTENT_READER_END_OF_STREAM;
	}
}

static void serve_stream_free(void *cls)
{
	serve_stream *st = cls;

	atomic_fetch_sub(&st->daemon->streams, 1);
	sp_serve_events_free(st->events);
	sp_buf_dispose(&st->pending);
	free(st);
}

static void serve_headers(struct MHD_Response *r, const sp_serve_reply *reply)
{
	char retry[32];

	MHD_add_response_header(r, "Content-Type", reply->content_type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(
	    r, "Content-Security-Policy",
	    "default-src 'none'; style-src 'unsafe-inline'; "
	    "script-src 'unsafe-inline'; connect-src "
	    "'self'; img-src data:; base-uri 'none'; "
	    "form-action 'none'");
	if (reply->retry_after > 0) {
		snprintf(retry, sizeof(retry), "%d", reply->retry_after);
		MHD_add_response_header(r, "Retry-After", retry);
	}
}

static enum MHD_Result serve_queue(struct MHD_Connection *c,
                                   const sp_serve_reply *reply,
                                   const sp_buf *body)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
	    body->size, body->ptr, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	serve_headers(r, reply);
	ret = MHD_queue_response(c, (unsigned)reply->status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result serve_events(serve_daemon *d, struct MHD_Connection *c,
                                    const char *space,
                                    const sp_serve_reply *reply)
{
	const char *last =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Last-Event-ID");
	sp_serve_reply busy = {.status = 503,
	                       .content_type = "text/plain; charset=utf-8",
	                       .retry_after = 10};
	sp_buf text = SP_BUF_INIT;
	serve_stream *st;
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (!last)
		last = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
		                                   "last");
	if (atomic_fetch_add(&d->streams, 1) >= SP_SERVE_STREAMS) {
		atomic_fetch_sub(&d->streams, 1);
		sp_buf_sets(&text, "too many event streams; try again later\n");
		ret = serve_queue(c, &busy, &text);
		sp_buf_dispose(&text);
		return ret;
	}
	st = sp_calloc(1, sizeof(*st));
	st->daemon = d;
	st->connection = c;
	sp_buf_init(&st->pending);
	if (sp_serve_events_new(&st->events, d->settings, space, last,
	                        (long long)time(NULL)) < 0) {
		sp_serve_reply none = {
		    .status = 404, .content_type = "text/plain; charset=utf-8"};

		sp_buf_printf(&text, "%s\n", sp_error_last());
		serve_stream_free(st);
		ret = serve_queue(c, &none, &text);
		sp_buf_dispose(&text);
		return ret;
	}
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024,
	                                      serve_stream_read, st,
	                                      serve_stream_free);
	if (!r) {
		serve_stream_free(st);
		return MHD_NO;
	}
	serve_headers(r, reply);
	MHD_add_response_header(r, "X-Accel-Buffering", "no");
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result serve_access(void *cls, struct MHD_Connection *c,
                                    const char *url, const char *method,
                                    const char *version,
                                    const char *upload_data,
                                    size_t *upload_data_size, void **req_cls)
{
	serve_daemon *d = cls;
	sp_serve_request req;
	sp_serve_reply reply;
	sp_buf body = SP_BUF_INIT;
	enum MHD_Result ret;

	(void)method;
	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req_cls;
	/* Answered at once; a request body is never read. */
	req.space = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	                                        "X-Spacehook-Space");
	req.host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	req.accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");
	req.path = url;
	sp_serve_page(&body, &reply, d->settings, &req);
	if (reply.wake || reply.reroute)
		serve_wake_start(d, req.space, reply.reroute);
	if (reply.events)
		ret = serve_events(d, c, req.space, &reply);
	else
		ret = serve_queue(c, &reply, &body);
	sp_buf_dispose(&body);
	return ret;
}

static void serve_mhd_log(void *cls, const char *fmt, va_list ap)
{
	sp_buf line = SP_BUF_INIT;

	(void)cls;
	sp_buf_vprintf(&line, fmt, ap);
	while (line.size && line.ptr[line.size - 1] == '\n')
		sp_buf_truncate(&line, line.size - 1);
	serve_log("%s", line.ptr);
	sp_buf_dispose(&line);
}

/* A listening socket on `addr`, or a negative error naming `listen`. */
static int serve_bind(int *out, const struct sockaddr_storage *addr,
                      socklen_t len, const char *listen_on)
{
	int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0),
	    one = 1;

	if (fd < 0)
		return sp_error_set_os(SP_ERROR, "cannot listen on '%s'",
		                       listen_on);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)addr, len) < 0 ||
	    listen(fd, 128) < 0) {
		int error = sp_error_set_os(
		    SP_ERROR,
		    "cannot listen on '%s' (another server there? give another "
		    "with --listen or spacehook.serveListen)",
		    listen_on);

		close(fd);
		return error;
	}
	*out = fd;
	return 0;
}

int sp_serve_run(const sp_settings *settings, const char *listen_on)
{
	serve_daemon d;
	struct sockaddr_storage addr;
	socklen_t len = 0;
	struct MHD_Daemon *mhd = NULL;
	sigset_t set, old;
	pthread_t sleeper;
	int fd = -1, sig = 0, error, have_sleeper = 0;

	if (!listen_on)
		listen_on = settings->serve_listen ? settings->serve_listen
		                                   : "127.0.0.1:7800";
	if ((error = sp_serve_parse_listen(&addr, &len, listen_on)) < 0 ||
	    (error = serve_bind(&fd, &addr, len, listen_on)) < 0)
		return error;
	memset(&d, 0, sizeof(d));
	d.settings = settings;
	pthread_mutex_init(&d.lock, NULL);
	pthread_cond_init(&d.cond, NULL);
	/* The signals are taken by sigwait below, in no other thread. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	signal(SIGPIPE, SIG_IGN);
	mhd = MHD_start_daemon(
	    MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
	        MHD_USE_ERROR_LOG | MHD_USE_POLL,
	    0, NULL, NULL, serve_access, &d, MHD_OPTION_EXTERNAL_LOGGER,
	    serve_mhd_log, NULL, MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)SP_SERVE_CONNECTIONS,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)SP_SERVE_PER_IP,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)SP_SERVE_IDLE_TIMEOUT,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SP_SERVE_REQUEST_MAX,
	    MHD_OPTION_END);
	if (!mhd) {
		close(fd);
		error = sp_error_set(SP_ERROR,
		                     "cannot start the HTTP server on '%s'",
		                     listen_on);
		goto done;
	}
	if (pthread_create(&sleeper, NULL, serve_sleeper, &d) == 0)
		have_sleeper = 1;
	else
		serve_log("cannot start the sleep checks; Spaces will not "
		          "sleep");
	serve_log("listening on %s (state %s%s%s)", listen_on,
	          settings->state_dir, settings->domain ? ", domain " : "",
	          settings->domain ? settings->domain : "");
	while (sigwait(&set, &sig) != 0 || (sig != SIGTERM && sig != SIGINT))
		;
	serve_log("stopping (%s)", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	atomic_store(&d.stop, 1);
	pthread_mutex_lock(&d.lock);
	pthread_cond_broadcast(&d.cond);
	pthread_mutex_unlock(&d.lock);
	if (have_sleeper)
		pthread_join(sleeper, NULL);
	MHD_stop_daemon(mhd);
	/* Wakes under way: given a moment to finish. */
	{
		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 15;
		pthread_mutex_lock(&d.lock);
		while (d.nwakes > 0 &&
		       pthread_cond_timedwait(&d.cond, &d.lock, &until) !=
		           ETIMEDOUT)
			;
		error = d.nwakes;
		pthread_mutex_unlock(&d.lock);
		if (error > 0) {
			serve_log("stopped with %d wake(s) under way", error);
			return error;
		}
	}
	error = 0;
done:
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_cond_destroy(&d.cond);
	pthread_mutex_destroy(&d.lock);
	return error;
}
