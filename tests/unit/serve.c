/* Tests of `spacehook serve` without a socket: the pages by stage, the status
 * JSON, the list of Spaces, the event stream and listen addresses. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "card.h"
#include "diag.h"
#include "error.h"
#include "queue.h"
#include "serve.h"
#include "settings.h"
#include "spaceconfig.h"
#include "store.h"
#include "testlib.h"

#define JOB "1700000000-0123456789ab-42"
#define HTML "text/html,application/xhtml+xml"

static char state_dir[256];
static sp_store *store;
static sp_settings settings;

static void setup(void)
{
	store = sp_test_state_new(state_dir, sizeof(state_dir), "serve",
	                          "alice/demo");
	memset(&settings, 0, sizeof(settings));
	settings.state_dir = state_dir;
	settings.domain = (char *)"spaces.test:8080";
}

static void teardown(void)
{
	sp_test_state_free(store, state_dir);
	store = NULL;
}

static void state_put(sp_store *st_store, const char *stage, int paused,
                      const char *error, const char *url)
{
	sp_state st;

	sp_state_init(&st);
	sp_state_set(&st.stage, stage);
	sp_state_set(&st.error, error);
	sp_state_set(&st.url, url);
	st.paused = paused;
	ck_assert_int_eq(sp_state_save(st_store, &st), 0);
	sp_state_dispose(&st);
}

static void card_put(sp_store *st_store, const char *yaml)
{
	sp_spaceconfig *config = NULL;
	sp_diag_list diags;

	sp_diag_list_init(&diags);
	ck_assert_int_eq(
	    sp_spaceconfig_parse(&config, &diags, yaml, strlen(yaml)), 0);
	ck_assert_int_eq(sp_card_save(st_store, config), 0);
	sp_spaceconfig_free(config);
	sp_diag_list_dispose(&diags);
}

#define MAX_WANT 4
static const struct {
	const char *what;
	const char *header; /* X-Spacehook-Space */
	const char *host;
	const char *accept;
	const char *path;
	const char *stage; /* alice/demo's; NULL: never deployed */
	int paused;
	const char *error;
	int status, retry_after, wake, events;
	const char *type;
	const char *want[MAX_WANT];
	const char *not_want[MAX_WANT];
} page_cases[] = {
    {"building: the log so far and the stream",
     "alice/demo",
     "alice-demo.spaces.test",
     HTML,
     "/",
     "BUILDING",
     0,
     NULL,
     503,
     10,
     0,
     0,
     "text/html; charset=utf-8",
     {"step one", "step &lt;two&gt;", "new EventSource", "data-last=\"" JOB},
     {"step <two>", "http-equiv=\"refresh\" content=\"30\"", NULL, NULL}},
    {"starting a new version",
     "alice/demo",
     NULL,
     HTML,
     "/some/path",
     "RUNNING_APP_STARTING",
     0,
     NULL,
     503,
     5,
     0,
     0,
     "text/html; charset=utf-8",
     {"RUNNING_APP_STARTING", "step one", "EventSource", NULL},
     {NULL, NULL, NULL, NULL}},
    {"build error: escaped, the log, slow refresh",
     "alice/demo",
     NULL,
     HTML,
     "/",
     "BUILD_ERROR",
     0,
     "bad <script>alert(1)</script> & \"more\"",
     503,
     30,
     0,
     0,
     "text/html; charset=utf-8",
     {"bad &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;more&quot;",
      "http-equiv=\"refresh\" content=\"30\"", "step one", NULL},
     {"<script>alert", "EventSource", NULL, NULL}},
    {"runtime error",
     "alice/demo",
     NULL,
     HTML,
     "/",
     "RUNTIME_ERROR",
     0,
     "app crashed",
     503,
     30,
     0,
     0,
     "text/html; charset=utf-8",
     {"failed to start", "app crashed", NULL, NULL},
     {NULL, NULL, NULL, NULL}},
    {"config error",
     "alice/demo",
     NULL,
     HTML,
     "/",
     "CONFIG_ERROR",
     0,
     "README.md:2:1: error",
     503,
     30,
     0,
     0,
     "text/html; charset=utf-8",
     {"README.md:2:1: error", NULL, NULL, NULL},
     {NULL, NULL, NULL, NULL}},
    {"no app file",
     "alice/demo",
     NULL,
     HTML,
     "/",
     "NO_APP_FILE",
     0,
     "no Dockerfile",
     503,
     30,
     0,
     0,
     "text/html; charset=utf-8",
     {"no Dockerfile", NULL, NULL, NULL},
     {NULL, NULL, NULL, NULL}},
    {"paused: no wake",
     "alice/demo",
     NULL,
     HTML,
     "/",
     "PAUSED",
     1,
     NULL,
     503,
     600,
     0,
     0,
     "text/html; charset=utf-8",
     {"paused by its owner", NULL, NULL, NULL},
     {"EventSource", "fetch(", NULL, NULL}},
    {"paused while sleeping: no wake",
     "alice/demo",
     NULL,
     HTML,
     "/",
     "SLEEPING",
     1,
     NULL,
     503,
     600,
     0,
     0,
     "text/html; charset=utf-8",
     {"paused by its owner", NULL, NULL, NULL},
     {"waking", NULL, NULL, NULL}},
    {"sleeping: wakes, polls the status",
     "alice/demo",
     NULL,
     HTML,
     "/",
     "SLEEPING",
     0,
     NULL,
     503,
     2,
     1,
     0,
     "text/html; charset=utf-8",
     {"waking up", "/.spacehook/status", "http-equiv=\"refresh\"", NULL},
     {NULL, NULL, NULL, NULL}},
    {"sleeping, an API client",
     "alice/demo",
     NULL,
     "application/json",
     "/",
     "SLEEPING",
     0,
     NULL,
     503,
     2,
     1,
     0,
     "text/plain; charset=utf-8",
     {"alice/demo is waking up", NULL, NULL, NULL},
     {"<", NULL, NULL, NULL}},
    {"building, no Accept: text",
     "alice/demo",
     NULL,
     NULL,
     "/",
     "BUILDING",
     0,
     NULL,
     503,
     10,
     0,
     0,
     "text/plain; charset=utf-8",
     {"alice/demo is building", NULL, NULL, NULL},
     {"<", NULL, NULL, NULL}},
    {"running but not answering",
     "alice/demo",
     NULL,
     HTML,
     "/",
     "RUNNING",
     0,
     NULL,
     503,
     10,
     0,
     0,
     "text/html; charset=utf-8",
     {"not answering", "http-equiv=\"refresh\" content=\"10\"", NULL, NULL},
     {NULL, NULL, NULL, NULL}},
    {"status JSON",
     "alice/demo",
     NULL,
     NULL,
     "/.spacehook/status",
     "BUILD_ERROR",
     0,
     "x \"y\" <z>",
     200,
     0,
     0,
     0,
     "application/json",
     {"\"id\":\"alice/demo\"", "\"stage\":\"BUILD_ERROR\"",
      "\"error\":\"x \\\"y\\\" <z>\"",
      "\"url\":\"http://alice-demo.spaces.test:8080/\""},
     {NULL, NULL, NULL, NULL}},
    {"status JSON of a paused Space",
     "alice/demo",
     NULL,
     NULL,
     "/.spacehook/status",
     "RUNNING",
     1,
     NULL,
     200,
     0,
     0,
     0,
     "application/json",
     {"\"stage\":\"PAUSED\"", NULL, NULL, NULL},
     {NULL, NULL, NULL, NULL}},
    {"status JSON of a Space never deployed",
     "alice/demo",
     NULL,
     NULL,
     "/.spacehook/status",
     NULL,
     0,
     NULL,
     404,
     0,
     0,
     0,
     "application/json",
     {"\"stage\":null", NULL, NULL, NULL},
     {NULL, NULL, NULL, NULL}},
    {"events",
     "alice/demo",
     NULL,
     NULL,
     "/.spacehook/events",
     "BUILDING",
     0,
     NULL,
     200,
     0,
     0,
     1,
     "text/event-stream",
     {NULL, NULL, NULL, NULL},
     {NULL, NULL, NULL, NULL}},
    {"another page under /.spacehook/",
     "alice/demo",
     NULL,
     HTML,
     "/.spacehook/x",
     "BUILDING",
     0,
     NULL,
     404,
     0,
     0,
     0,
     "text/html; charset=utf-8",
     {"No such page", NULL, NULL, NULL},
     {NULL, NULL, NULL, NULL}},
    {"never deployed",
     "alice/demo",
     NULL,
     HTML,
     "/",
     NULL,
     0,
     NULL,
     404,
     0,
     0,
     0,
     "text/html; charset=utf-8",
     {"No Space &#39;alice/demo&#39; is deployed here", NULL, NULL, NULL},
     {NULL, NULL, NULL, NULL}},
    {"unknown Space",
     "carol/none",
     NULL,
     HTML,
     "/",
     "RUNNING",
     0,
     NULL,
     404,
     0,
     0,
     0,
     "text/html; charset=utf-8",
     {"carol/none", NULL, NULL, NULL},
     {NULL, NULL, NULL, NULL}},
    {"a header that is no Space id",
     "../../etc",
     NULL,
     HTML,
     "/",
     "RUNNING",
     0,
     NULL,
     400,
     0,
     0,
     0,
     "text/plain; charset=utf-8",
     {"bad X-Spacehook-Space", NULL, NULL, NULL},
     {"etc", NULL, NULL, NULL}},
    {"a header with markup",
     "<b>/x",
     NULL,
     HTML,
     "/.spacehook/events",
     "RUNNING",
     0,
     NULL,
     400,
     0,
     0,
     0,
     "text/plain; charset=utf-8",
     {NULL, NULL, NULL, NULL},
     {"<b>", NULL, NULL, NULL}},
    {"the bare domain lists the Spaces",
     NULL,
     "Spaces.Test:8080",
     HTML,
     "/",
     "RUNNING",
     0,
     NULL,
     200,
     0,
     0,
     0,
     "text/html; charset=utf-8",
     {"Demo &lt;1&gt;", "href=\"http://alice-demo.spaces.test:8080/\"",
      "linear-gradient(135deg,#f87171,#60a5fa)", "RUNNING"},
     {"Demo <1>", NULL, NULL, NULL}},
    {"the bare domain, another path",
     NULL,
     "spaces.test",
     HTML,
     "/x",
     "RUNNING",
     0,
     NULL,
     404,
     0,
     0,
     0,
     "text/html; charset=utf-8",
     {"No Space here", NULL, NULL, NULL},
     {NULL, NULL, NULL, NULL}},
    {"an unknown label",
     NULL,
     "nobody.spaces.test",
     HTML,
     "/",
     "RUNNING",
     0,
     NULL,
     404,
     0,
     0,
     0,
     "text/html; charset=utf-8",
     {"No Space here", NULL, NULL, NULL},
     {"Demo", NULL, NULL, NULL}},
    {"another host",
     NULL,
     "example.com",
     NULL,
     "/",
     "RUNNING",
     0,
     NULL,
     404,
     0,
     0,
     0,
     "text/plain; charset=utf-8",
     {"No Space here", NULL, NULL, NULL},
     {NULL, NULL, NULL, NULL}},
    {"no Host",
     NULL,
     NULL,
     HTML,
     "/",
     "RUNNING",
     0,
     NULL,
     404,
     0,
     0,
     0,
     "text/html; charset=utf-8",
     {NULL, NULL, NULL, NULL},
     {NULL, NULL, NULL, NULL}},
};

START_TEST(test_page)
{
	sp_serve_request req = {page_cases[_i].header, page_cases[_i].host,
	                        page_cases[_i].accept, page_cases[_i].path};
	sp_serve_reply reply;
	sp_buf out = SP_BUF_INIT;

	if (page_cases[_i].stage)
		state_put(store, page_cases[_i].stage, page_cases[_i].paused,
		          page_cases[_i].error,
		          "http://alice-demo.spaces.test:8080/");
	card_put(store, "---\ntitle: Demo <1>\nemoji: \"\xf0\x9f\x9a\x80\"\n"
	                "colorFrom: red\ncolorTo: blue\nsdk: docker\n---\n");
	ck_assert_int_eq(
	    sp_queue_log_append(store, JOB, "step one\nstep <two>\n"), 0);
	sp_serve_page(&out, &reply, &settings, &req);
	ck_assert_int_eq(reply.status, page_cases[_i].status);
	ck_assert_int_eq(reply.retry_after, page_cases[_i].retry_after);
	ck_assert_int_eq(reply.wake, page_cases[_i].wake);
	ck_assert_int_eq(reply.events, page_cases[_i].events);
	ck_assert_str_eq(reply.content_type, page_cases[_i].type);
	for (int i = 0; i < MAX_WANT; i++) {
		const char *w = page_cases[_i].want[i],
		           *n = page_cases[_i].not_want[i];

		ck_assert_msg(!w || strstr(out.ptr, w), "%s: no '%s' in:\n%s",
		              page_cases[_i].what, w, out.ptr);
		ck_assert_msg(!n || !strstr(out.ptr, n),
		              "%s: '%s' should not be in:\n%s",
		              page_cases[_i].what, n, out.ptr);
	}
	sp_buf_dispose(&out);
}
END_TEST

/* serve asks for a reroute when nginx could not reach a RUNNING app, and
 * only then. */
static const struct {
	const char *stage;
	int paused;
	const char *accept;
	int reroute, wake;
} reroute_cases[] = {
    {"RUNNING", 0, HTML, 1, 0},  {"RUNNING", 0, "application/json", 1, 0},
    {"RUNNING", 1, HTML, 0, 0},  {"RUNNING", 1, "application/json", 0, 0},
    {"SLEEPING", 0, HTML, 0, 1}, {"SLEEPING", 0, "application/json", 0, 1},
    {"BUILDING", 0, HTML, 0, 0}, {"RUNTIME_ERROR", 0, "application/json", 0, 0},
};

START_TEST(test_reroute)
{
	sp_serve_request req = {"alice/demo", "alice-demo.spaces.test",
	                        reroute_cases[_i].accept, "/"};
	sp_serve_reply reply;
	sp_buf out = SP_BUF_INIT;

	state_put(store, reroute_cases[_i].stage, reroute_cases[_i].paused,
	          NULL, "http://alice-demo.spaces.test/");
	sp_serve_page(&out, &reply, &settings, &req);
	ck_assert_int_eq(reply.status, 503);
	ck_assert_int_eq(reply.reroute, reroute_cases[_i].reroute);
	ck_assert_int_eq(reply.wake, reroute_cases[_i].wake);
	sp_buf_dispose(&out);
}
END_TEST

START_TEST(test_list)
{
	sp_store *bob = sp_test_store_open(state_dir, "bob/other"),
	         *carol = sp_test_store_open(state_dir, "carol/new"),
	         *eve = sp_test_store_open(state_dir, "eve/trick");
	sp_serve_request req = {NULL, "spaces.test", HTML, "/"};
	sp_serve_reply reply;
	sp_buf out = SP_BUF_INIT;

	state_put(store, "BUILDING", 0, NULL, "http://alice-demo.spaces.test/");
	card_put(store, "---\ntitle: Alice\nemoji: \"\xf0\x9f\x9a\x80\"\n"
	                "short_description: the first\nsdk: docker\n---\n");
	state_put(bob, "SLEEPING", 0, NULL, "https://bob-other.spaces.test/ui");
	card_put(bob, "---\ntitle: Bob's\nemoji: \"\xf0\x9f\x90\xb3\"\n"
	              "colorFrom: green\ncolorTo: purple\nsdk: docker\n---\n");
	/* carol/new: never deployed, not listed; eve: a URL that is no link. */
	state_put(eve, "RUNNING", 1, NULL, "javascript:alert(1)");
	sp_serve_page(&out, &reply, &settings, &req);
	ck_assert_int_eq(reply.status, 200);
	ck_assert_ptr_nonnull(strstr(out.ptr, "Alice"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "the first"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "\xf0\x9f\x9a\x80"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "Bob&#39;s"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "\xf0\x9f\x90\xb3"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "#4ade80,#c084fc"));
	ck_assert_ptr_nonnull(
	    strstr(out.ptr, "href=\"https://bob-other.spaces.test/ui\""));
	ck_assert_ptr_nonnull(strstr(out.ptr, "SLEEPING"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "eve/trick"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "PAUSED"));
	ck_assert_ptr_null(strstr(out.ptr, "javascript:"));
	ck_assert_ptr_null(strstr(out.ptr, "carol/new"));
	sp_buf_dispose(&out);
	sp_store_free(bob);
	sp_store_free(carol);
	sp_store_free(eve);
}
END_TEST

START_TEST(test_list_empty)
{
	sp_serve_request req = {NULL, "spaces.test", HTML, "/"};
	sp_serve_reply reply;
	sp_buf out = SP_BUF_INIT;

	settings.domain = NULL;
	sp_serve_page(&out, &reply, &settings, &req);
	ck_assert_int_eq(reply.status, 404); /* no domain: no list */
	settings.domain = (char *)"spaces.test";
	sp_serve_page(&out, &reply, &settings, &req);
	ck_assert_int_eq(reply.status, 200);
	ck_assert_ptr_nonnull(strstr(out.ptr, "No Space is deployed yet"));
	sp_buf_dispose(&out);
}
END_TEST

/* The stream's text so far, one call at `now`. */
static int events_step(sp_buf *out, sp_serve_events *ev, long long now)
{
	sp_buf_clear(out);
	return sp_serve_events_next(out, ev, now);
}

START_TEST(test_events_follow)
{
	sp_serve_events *ev = NULL;
	sp_buf out = SP_BUF_INIT;

	state_put(store, "BUILDING", 0, NULL, NULL);
	ck_assert_int_eq(sp_queue_log_append(store, JOB, "one\ntw"), 0);
	ck_assert_int_eq(
	    sp_serve_events_new(&ev, &settings, "alice/demo", NULL, 1000), 0);
	ck_assert_int_eq(events_step(&out, ev, 1000), 0);
	ck_assert_str_eq(out.ptr, "retry: 2000\n\n"
	                          "event: log\nid: " JOB ":4\ndata: one\n\n"
	                          "event: stage\ndata: BUILDING\n\n");
	/* Nothing new: nothing, until the heartbeat. */
	ck_assert_int_eq(events_step(&out, ev, 1005), 0);
	ck_assert_str_eq(out.ptr, "");
	ck_assert_int_eq(events_step(&out, ev, 1015), 0);
	ck_assert_str_eq(out.ptr, ": still here\n\n");
	/* The rest of a line, a control character, CRLF. */
	ck_assert_int_eq(
	    sp_queue_log_append(store, JOB, "o\n\x1b[31mred\r\nthree\r\n"), 0);
	ck_assert_int_eq(events_step(&out, ev, 1016), 0);
	ck_assert_str_eq(out.ptr,
	                 "event: log\nid: " JOB ":8\ndata: two\n\n"
	                 "event: log\nid: " JOB ":18\ndata: \\x1b[31mred\n\n"
	                 "event: log\nid: " JOB ":25\ndata: three\n\n");
	/* The job ends: its last line, then the stage, then the end. */
	ck_assert_int_eq(sp_queue_log_append(store, JOB, "done\n"), 0);
	state_put(store, "RUNNING", 0, NULL, NULL);
	ck_assert_int_eq(events_step(&out, ev, 1017), 1);
	ck_assert_str_eq(out.ptr, "event: log\nid: " JOB ":30\ndata: done\n\n"
	                          "event: stage\ndata: RUNNING\n\n");
	sp_serve_events_free(ev);
	sp_buf_dispose(&out);
}
END_TEST

static const struct {
	const char *last;
	const char *first; /* the first log line sent */
} resume_cases[] = {
    {NULL, "one"},
    {JOB ":4", "two"},
    {JOB ":8", "three"},
    {"1600000000-ffffffffffff-1:8", "one"}, /* an older job */
    {JOB ":x", "one"},
    {JOB ":-3", "one"},
    {"garbage", "one"},
};

START_TEST(test_events_resume)
{
	sp_serve_events *ev = NULL;
	sp_buf out = SP_BUF_INIT, want = SP_BUF_INIT;

	state_put(store, "BUILDING", 0, NULL, NULL);
	ck_assert_int_eq(sp_queue_log_append(store, JOB, "one\ntwo\nthree\n"),
	                 0);
	ck_assert_int_eq(sp_serve_events_new(&ev, &settings, "alice/demo",
	                                     resume_cases[_i].last, 1000),
	                 0);
	events_step(&out, ev, 1000);
	sp_buf_printf(&want, "retry: 2000\n\nevent: log\nid: %s:", JOB);
	ck_assert_msg(!strncmp(out.ptr, want.ptr, want.size), "%s", out.ptr);
	sp_buf_printf(&want, "%s", "");
	sp_buf_clear(&want);
	sp_buf_printf(&want, "\ndata: %s\n\n", resume_cases[_i].first);
	ck_assert_msg(strstr(out.ptr, want.ptr) &&
	                  strstr(out.ptr, want.ptr) ==
	                      strstr(out.ptr, "\ndata: "),
	              "%s", out.ptr);
	sp_serve_events_free(ev);
	sp_buf_dispose(&out);
	sp_buf_dispose(&want);
}
END_TEST

START_TEST(test_events_bounds)
{
	sp_serve_events *ev = NULL;
	sp_buf out = SP_BUF_INIT, big = SP_BUF_INIT;

	state_put(store, "BUILDING", 0, NULL, NULL);
	/* A log larger than what a stream starts with: from a whole line. */
	for (int i = 0; i < 20000; i++)
		sp_buf_printf(&big, "line %05d\n", i);
	ck_assert_int_eq(sp_queue_log_append(store, JOB, big.ptr), 0);
	ck_assert_int_eq(
	    sp_serve_events_new(&ev, &settings, "alice/demo", NULL, 0), 0);
	ck_assert_int_eq(events_step(&out, ev, 0), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, "data: line 19999\n"));
	ck_assert_ptr_null(strstr(out.ptr, "data: line 00000\n"));
	ck_assert_ptr_null(strstr(out.ptr, "data: ine"));
	/* An hour later the stream ends. */
	ck_assert_int_eq(events_step(&out, ev, SP_SERVE_STREAM_MAX - 1), 0);
	ck_assert_int_eq(events_step(&out, ev, SP_SERVE_STREAM_MAX), 1);
	sp_serve_events_free(ev);
	ck_assert_int_eq(
	    sp_serve_events_new(&ev, &settings, "carol/none", NULL, 0),
	    SP_ENOTFOUND);
	ck_assert_int_eq(sp_serve_events_new(&ev, &settings, "../x", NULL, 0),
	                 SP_EINVALID);
	sp_buf_dispose(&out);
	sp_buf_dispose(&big);
}
END_TEST

START_TEST(test_events_new_job)
{
	sp_serve_events *ev = NULL;
	sp_buf out = SP_BUF_INIT;

	state_put(store, "BUILD_ERROR", 0, "failed", NULL);
	ck_assert_int_eq(sp_queue_log_append(store, JOB, "old\n"), 0);
	ck_assert_int_eq(
	    sp_serve_events_new(&ev, &settings, "alice/demo", NULL, 0), 0);
	ck_assert_int_eq(events_step(&out, ev, 0), 0);
	ck_assert_ptr_nonnull(strstr(out.ptr, "data: BUILD_ERROR\n"));
	/* A push: a new job's log from its start, a new stage. */
	ck_assert_int_eq(
	    sp_queue_log_append(store, "1700000500-0123456789ab-43", "new\n"),
	    0);
	state_put(store, "BUILDING", 0, NULL, NULL);
	ck_assert_int_eq(events_step(&out, ev, 1), 0);
	ck_assert_str_eq(out.ptr, "event: log\nid: 1700000500-0123456789ab-43:4"
	                          "\ndata: new\n\n"
	                          "event: stage\ndata: BUILDING\n\n");
	sp_serve_events_free(ev);
	sp_buf_dispose(&out);
}
END_TEST

static const struct {
	const char *value;
	int code;
	int family;
	const char *addr;
	int port;
} listen_cases[] = {
    {"127.0.0.1:7800", 0, AF_INET, "127.0.0.1", 7800},
    {"0.0.0.0:80", 0, AF_INET, "0.0.0.0", 80},
    {"[::1]:7800", 0, AF_INET6, "::1", 7800},
    {"7801", 0, AF_INET, "127.0.0.1", 7801},
    {"127.0.0.1:0", SP_EINVALID, 0, NULL, 0},
    {"127.0.0.1:65536", SP_EINVALID, 0, NULL, 0},
    {"127.0.0.1:", SP_EINVALID, 0, NULL, 0},
    {"127.0.0.1:80x", SP_EINVALID, 0, NULL, 0},
    {":80", SP_EINVALID, 0, NULL, 0},
    {"::1:80", SP_EINVALID, 0, NULL, 0},
    {"[::1]80", SP_EINVALID, 0, NULL, 0},
    {"", SP_EINVALID, 0, NULL, 0},
    {"no.such.host.invalid:80", SP_EINVALID, 0, NULL, 0},
};

START_TEST(test_listen)
{
	struct sockaddr_storage addr;
	socklen_t len = 0;
	char text[INET6_ADDRSTRLEN];
	int code = sp_serve_parse_listen(&addr, &len, listen_cases[_i].value);

	ck_assert_int_eq(code, listen_cases[_i].code);
	if (code) {
		ck_assert_ptr_nonnull(strstr(sp_error_last(), "listen"));
		return;
	}
	ck_assert_int_eq(addr.ss_family, listen_cases[_i].family);
	if (addr.ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&addr;

		inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
		ck_assert_int_eq(ntohs(in->sin_port), listen_cases[_i].port);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&addr;

		inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
		ck_assert_int_eq(ntohs(in6->sin6_port), listen_cases[_i].port);
	}
	ck_assert_str_eq(text, listen_cases[_i].addr);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("serve");
	TCase *page = tcase_create("page"), *list = tcase_create("list"),
	      *events = tcase_create("events"),
	      *listen = tcase_create("listen");

	tcase_add_checked_fixture(page, setup, teardown);
	tcase_add_loop_test(page, test_page, 0,
	                    (int)(sizeof(page_cases) / sizeof(page_cases[0])));
	tcase_add_loop_test(
	    page, test_reroute, 0,
	    (int)(sizeof(reroute_cases) / sizeof(reroute_cases[0])));
	suite_add_tcase(s, page);
	tcase_add_checked_fixture(list, setup, teardown);
	tcase_add_test(list, test_list);
	tcase_add_test(list, test_list_empty);
	suite_add_tcase(s, list);
	tcase_add_checked_fixture(events, setup, teardown);
	tcase_add_test(events, test_events_follow);
	tcase_add_loop_test(
	    events, test_events_resume, 0,
	    (int)(sizeof(resume_cases) / sizeof(resume_cases[0])));
	tcase_add_test(events, test_events_bounds);
	tcase_add_test(events, test_events_new_job);
	suite_add_tcase(s, events);
	tcase_add_loop_test(
	    listen, test_listen, 0,
	    (int)(sizeof(listen_cases) / sizeof(listen_cases[0])));
	suite_add_tcase(s, listen);
	return sp_test_run(s);
}
