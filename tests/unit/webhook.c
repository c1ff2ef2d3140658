/* Tests of webhooks: JSON escaping, the body, the signature, and delivery to a
 * receiver on 127.0.0.1. */
#include <check.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "error.h"
#include "proc.h"
#include "settings.h"
#include "testlib.h"
#include "webhook.h"

/* ---- JSON strings ---- */

static const struct {
	const char *in;
	size_t len; /* 0: strlen(in) */
	const char *out;
} json_cases[] = {
    {"plain", 0, "\"plain\""},
    {"", 0, "\"\""},
    {"say \"hi\" \\o/", 0, "\"say \\\"hi\\\" \\\\o/\""},
    {"a\nb\rc\td\be\ff", 0, "\"a\\nb\\rc\\td\\be\\ff\""},
    {"\x01\x1f\x7f", 0, "\"\\u0001\\u001f\\u007f\""},
    {"nul\0after", 9, "\"nul\\u0000after\""},
    {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80", 0,
     "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80\""},
    {"line\xe2\x80\xa8sep\xe2\x80\xa9", 0, "\"line\\u2028sep\\u2029\""},
    {"bad \xff byte", 0, "\"bad \\ufffd byte\""},
    {"overlong \xc0\xaf", 0, "\"overlong \\ufffd\\ufffd\""},
    {"surrogate \xed\xa0\x80", 0, "\"surrogate \\ufffd\\ufffd\\ufffd\""},
    {"too high \xf4\x90\x80\x80", 0,
     "\"too high \\ufffd\\ufffd\\ufffd\\ufffd\""},
    {"cut \xe2\x82", 0, "\"cut \\ufffd\\ufffd\""},
    {"lone \x80 cont", 0, "\"lone \\ufffd cont\""},
    {"max \xf4\x8f\xbf\xbf", 0, "\"max \xf4\x8f\xbf\xbf\""},
    {"kept \xef\xbf\xbd", 0, "\"kept \xef\xbf\xbd\""},
    {"\xc0\x80\xc0\x81", 0, "\"\\ufffd\\ufffd\\ufffd\\ufffd\""},
};

START_TEST(test_json_string)
{
	sp_buf out = SP_BUF_INIT;
	size_t len =
	    json_cases[_i].len ? json_cases[_i].len : strlen(json_cases[_i].in);
	cJSON *parsed;

	ck_assert_int_eq(sp_webhook_json_string(&out, json_cases[_i].in, len),
	                 0);
	ck_assert_str_eq(out.ptr, json_cases[_i].out);
	/* Always valid JSON. */
	parsed = cJSON_Parse(out.ptr);
	ck_assert_ptr_nonnull(parsed);
	ck_assert(cJSON_IsString(parsed));
	cJSON_Delete(parsed);
	sp_buf_dispose(&out);
}
END_TEST

START_TEST(test_json_null_and_all_bytes)
{
	sp_buf out = SP_BUF_INIT;
	char all[256];
	cJSON *parsed;
	int i;

	ck_assert_int_eq(sp_webhook_json_string(&out, NULL, 0), 0);
	ck_assert_str_eq(out.ptr, "null");
	sp_buf_clear(&out);
	for (i = 0; i < 256; i++)
		all[i] = (char)i;
	ck_assert_int_eq(sp_webhook_json_string(&out, all, sizeof(all)), 0);
	ck_assert_uint_eq(strlen(out.ptr), out.size);
	parsed = cJSON_Parse(out.ptr);
	ck_assert_ptr_nonnull(parsed);
	cJSON_Delete(parsed);
	sp_buf_dispose(&out);
}
END_TEST

/* ---- the body and the signature ---- */

START_TEST(test_body_exact)
{
	sp_buf out = SP_BUF_INIT;

	/* 2023-11-14T22:13:20.042Z */
	ck_assert_int_eq(sp_webhook_body(&out, "alice/demo", "0123abcd",
	                                 "BUILDING", "BUILD_ERROR",
	                                 "step 3: \"make\" failed\n",
	                                 1700000000042LL),
	                 0);
	ck_assert_str_eq(out.ptr,
	                 "{\"event\":\"space.stage\",\"space\":\"alice/demo\","
	                 "\"commit\":\"0123abcd\",\"old_stage\":\"BUILDING\","
	                 "\"stage\":\"BUILD_ERROR\","
	                 "\"error\":\"step 3: \\\"make\\\" failed\\n\","
	                 "\"time\":\"2023-11-14T22:13:20.042Z\"}");
	sp_buf_clear(&out);
	ck_assert_int_eq(sp_webhook_body(&out, "alice/demo", NULL, NULL,
	                                 "BUILDING", NULL, 0),
	                 0);
	ck_assert_str_eq(
	    out.ptr,
	    "{\"event\":\"space.stage\",\"space\":\"alice/demo\","
	    "\"commit\":null,\"old_stage\":null,\"stage\":\"BUILDING\","
	    "\"error\":null,\"time\":\"1970-01-01T00:00:00.000Z\"}");
	sp_buf_dispose(&out);
}
END_TEST

/* The body escapes as sp_webhook_json_string does, in every member. */
START_TEST(test_body_escapes)
{
	sp_buf out = SP_BUF_INIT;
	cJSON *body;

	ck_assert_int_eq(sp_webhook_body(&out, "a/b", "c\x7f", NULL, "y",
	                                 "bad \xff \xe2\x80\xa8 \xef\xbf\xbd",
	                                 1000),
	                 0);
	ck_assert_str_eq(out.ptr,
	                 "{\"event\":\"space.stage\",\"space\":\"a/b\","
	                 "\"commit\":\"c\\u007f\",\"old_stage\":null,"
	                 "\"stage\":\"y\","
	                 "\"error\":\"bad \\ufffd \\u2028 \xef\xbf\xbd\","
	                 "\"time\":\"1970-01-01T00:00:01.000Z\"}");
	body = cJSON_Parse(out.ptr);
	ck_assert_ptr_nonnull(body);
	cJSON_Delete(body);
	sp_buf_dispose(&out);
}
END_TEST

START_TEST(test_body_long_error_cut)
{
	sp_buf out = SP_BUF_INIT, error = SP_BUF_INIT;
	cJSON *body;
	const char *text;

	/* 'x' then many 3-byte characters: the cut falls inside one. */
	sp_buf_putc(&error, 'x');
	while (error.size < 3 * SP_WEBHOOK_ERROR_MAX)
		sp_buf_puts(&error, "\xe2\x82\xac");
	ck_assert_int_eq(
	    sp_webhook_body(&out, "a/b", "c", "x", "y", error.ptr, 1000), 0);
	body = cJSON_Parse(out.ptr);
	ck_assert_ptr_nonnull(body);
	text = cJSON_GetStringValue(cJSON_GetObjectItem(body, "error"));
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_le(strlen(text), SP_WEBHOOK_ERROR_MAX);
	ck_assert_uint_ge(strlen(text), SP_WEBHOOK_ERROR_MAX - 3);
	ck_assert_ptr_null(strstr(out.ptr, "\\ufffd"));
	ck_assert_str_eq(text + strlen(text) - 3, "\xe2\x82\xac");
	cJSON_Delete(body);
	sp_buf_dispose(&out);
	sp_buf_dispose(&error);
}
END_TEST

START_TEST(test_signature)
{
	sp_buf out = SP_BUF_INIT;

	/* The example of GitHub's "Validating webhook deliveries". */
	ck_assert_int_eq(sp_webhook_signature(&out,
	                                      "It's a Secret to Everybody",
	                                      "Hello, World!", 13),
	                 0);
	ck_assert_str_eq(
	    out.ptr,
	    "sha256="
	    "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
	sp_buf_dispose(&out);
}
END_TEST

/* ---- delivery ---- */

static const char receiver_script[] =
    "import hashlib, hmac, json, os, sys, threading, time\n"
    "from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer\n"
    "port_file, record, secret, fail_first, mode = sys.argv[1:6]\n"
    "fail_first = int(fail_first)\n"
    "lock = threading.Lock()\n"
    "count = [0]\n"
    "class Receiver(BaseHTTPRequestHandler):\n"
    "    def log_message(self, *args):\n"
    "        pass\n"
    "    def do_POST(self):\n"
    "        body = self.rfile.read(int(self.headers.get('Content-Length', "
    "'0')))\n"
    "        sig = self.headers.get('X-Spacehook-Signature-256')\n"
    "        want = 'sha256=' + hmac.new(secret.encode(), body, "
    "hashlib.sha256).hexdigest()\n"
    "        state = 'none' if sig is None else ('ok' if "
    "hmac.compare_digest(sig, want) else 'bad')\n"
    "        with lock:\n"
    "            count[0] += 1\n"
    "            n = count[0]\n"
    "        status = 500 if n <= fail_first else 200\n"
    "        if mode == 'redirect':\n"
    "            status = 302\n"
    "        entry = dict(n=n, t=time.time(), path=self.path, sig=state, "
    "signature=sig,\n"
    "                     body=body.decode('utf-8', 'replace'), "
    "status=status,\n"
    "                     ua=self.headers.get('User-Agent'), "
    "ct=self.headers.get('Content-Type'),\n"
    "                     event=self.headers.get('X-Spacehook-Event'),\n"
    "                     delivery=self.headers.get('X-Spacehook-Delivery'))\n"
    "        with lock:\n"
    "            with open(record, 'a') as f:\n"
    "                f.write(json.dumps(entry) + '\\n')\n"
    "        if mode == 'hang':\n"
    "            time.sleep(120)\n"
    "            return\n"
    "        payload = b'x' * (1 << 20) if mode == 'big' else b'ok\\n'\n"
    "        self.send_response(status)\n"
    "        if status == 302:\n"
    "            self.send_header('Location', '/elsewhere')\n"
    "        self.send_header('Content-Length', str(len(payload)))\n"
    "        self.end_headers()\n"
    "        try:\n"
    "            self.wfile.write(payload)\n"
    "        except OSError:\n"
    "            pass\n"
    "server = ThreadingHTTPServer(('127.0.0.1', 0), Receiver)\n"
    "server.daemon_threads = True\n"
    "with open(port_file + '.tmp', 'w') as f:\n"
    "    f.write(str(server.server_address[1]))\n"
    "os.rename(port_file + '.tmp', port_file)\n"
    "server.serve_forever()\n";

typedef struct {
	char dir[64];
	char port_file[128];
	char record[128];
	char log[128];
	pid_t pid;
	int port;
} receiver;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A directory for the test's files (the state directory too). */
static void sandbox_make(receiver *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->dir, sizeof(r->dir), "/tmp/spacehook-webhook.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(r->dir));
	snprintf(r->port_file, sizeof(r->port_file), "%s/port", r->dir);
	snprintf(r->record, sizeof(r->record), "%s/requests", r->dir);
	snprintf(r->log, sizeof(r->log), "%s/webhooks.log", r->dir);
	r->pid = -1;
}

/* Remove the test's directory (kept when a check failed before). */
static void sandbox_remove(receiver *r)
{
	const char *argv[] = {"rm", "-rf", r->dir, NULL};
	sp_proc_options opts = {argv, NULL, -1, -1, -1, 0, NULL, 0};
	pid_t pid;
	int status;

	if (r->dir[0] && sp_proc_spawn(&pid, &opts) == 0)
		sp_proc_wait(&status, pid);
}

/* Start the receiver: `mode` ok, hang, redirect or big; the first `fail_first`
 * requests get 500. */
static void receiver_start(receiver *r, const char *mode, int fail_first,
                           const char *secret)
{
	char fail[16];
	const char *argv[] = {"python3",    "-c",      receiver_script,
	                      r->port_file, r->record, secret ? secret : "",
	                      fail,         mode,      NULL};
	sp_proc_options opts = {argv, NULL, -1, -1, 2, 0, NULL, 0};
	sp_buf port = SP_BUF_INIT;
	long long deadline = now_ms() + 10000;

	sandbox_make(r);
	snprintf(fail, sizeof(fail), "%d", fail_first);
	ck_assert_int_eq(sp_proc_spawn(&r->pid, &opts), 0);
	while (sp_buf_read_file(&port, r->port_file, 16) < 0) {
		ck_assert_msg(now_ms() < deadline, "receiver did not start");
		usleep(20000);
	}
	r->port = (int)strtol(port.ptr, NULL, 10);
	ck_assert_int_gt(r->port, 0);
	sp_buf_dispose(&port);
}

static void receiver_stop(receiver *r)
{
	int status;

	if (r->pid > 0) {
		kill(r->pid, SIGTERM);
		sp_proc_wait(&status, r->pid);
		r->pid = -1;
	}
	sandbox_remove(r);
}

/* Count the lines of `path` that contain `needle`. */
static int count_lines(const char *path, const char *needle)
{
	sp_buf text = SP_BUF_INIT;
	char *line, *nl;
	int count = 0;

	if (sp_buf_read_file(&text, path, 4 << 20) < 0)
		return 0;
	for (line = text.ptr; *line; line = nl + 1) {
		if (!(nl = strchr(line, '\n')))
			break;
		*nl = '\0';
		if (strstr(line, needle))
			count++;
	}
	sp_buf_dispose(&text);
	return count;
}

/* Wait up to `ms` for `count` lines containing `needle` in `path`. */
static int wait_lines(const char *path, const char *needle, int count, long ms)
{
	long long deadline = now_ms() + ms;

	while (count_lines(path, needle) < count) {
		if (now_ms() > deadline)
			return 0;
		usleep(20000);
	}
	return 1;
}

/* The recorded request number `n` (from 1), parsed; the caller deletes it. */
static cJSON *recorded(const receiver *r, int n)
{
	sp_buf text = SP_BUF_INIT;
	char *line = NULL, *nl;
	cJSON *json = NULL;

	ck_assert_int_eq(sp_buf_read_file(&text, r->record, 4 << 20), 0);
	for (line = text.ptr; n > 1 && line; n--)
		if ((line = strchr(line, '\n')))
			line++;
	ck_assert_ptr_nonnull(line);
	if ((nl = strchr(line, '\n')))
		*nl = '\0';
	json = cJSON_Parse(line);
	ck_assert_ptr_nonnull(json);
	sp_buf_dispose(&text);
	return json;
}

static const char *field(const cJSON *json, const char *name)
{
	const char *value =
	    cJSON_GetStringValue(cJSON_GetObjectItem(json, name));

	return value ? value : "(null)";
}

static void settings_for(sp_settings *settings, char **urls, const char *secret,
                         const char *dir)
{
	memset(settings, 0, sizeof(*settings));
	settings->webhooks = urls;
	settings->webhook_secret = (char *)secret;
	settings->state_dir = (char *)dir;
}

START_TEST(test_signed_delivery)
{
	static const char secret[] = "hook-s3cr3t-zq";
	char url[128], *urls[] = {url, NULL};
	sp_buf expected = SP_BUF_INIT, log = SP_BUF_INIT;
	sp_settings settings;
	receiver r;
	cJSON *req, *body;
	long long start;
	struct stat st;

	receiver_start(&r, "ok", 0, secret);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", r.port);
	settings_for(&settings, urls, secret, r.dir);

	start = now_ms();
	ck_assert_int_eq(sp_webhook_notify(&settings, "alice/demo", "0123abcd",
	                                   "BUILDING", "RUNNING", NULL),
	                 0);
	/* Delivery is detached (the hanging receiver below proves it); the
	 * bound is loose for loaded machines and sanitizer builds. */
	ck_assert_int_lt(now_ms() - start, 1000);
	ck_assert_msg(wait_lines(r.log, "delivered", 1, 10000),
	              "no delivery logged");

	ck_assert_int_eq(count_lines(r.record, "\"path\""), 1);
	req = recorded(&r, 1);
	ck_assert_str_eq(field(req, "path"), "/hook");
	ck_assert_str_eq(field(req, "sig"), "ok");
	ck_assert_str_eq(field(req, "ct"), "application/json");
	ck_assert_str_eq(field(req, "event"), "space.stage");
	ck_assert_uint_eq(strlen(field(req, "delivery")), 32);
	ck_assert_int_eq(strncmp(field(req, "ua"), "spacehook/", 10), 0);
	/* The signature, computed here too. */
	sp_webhook_signature(&expected, secret, field(req, "body"),
	                     strlen(field(req, "body")));
	ck_assert_str_eq(field(req, "signature"), expected.ptr);

	body = cJSON_Parse(field(req, "body"));
	ck_assert_ptr_nonnull(body);
	ck_assert_str_eq(field(body, "event"), "space.stage");
	ck_assert_str_eq(field(body, "space"), "alice/demo");
	ck_assert_str_eq(field(body, "commit"), "0123abcd");
	ck_assert_str_eq(field(body, "old_stage"), "BUILDING");
	ck_assert_str_eq(field(body, "stage"), "RUNNING");
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(body, "error")));
	ck_assert_uint_eq(strlen(field(body, "time")), 24);

	/* The log: 0600, one line, no secret. */
	ck_assert_int_eq(stat(r.log, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(sp_buf_read_file(&log, r.log, 1 << 20), 0);
	ck_assert_ptr_nonnull(
	    strstr(log.ptr, "alice/demo RUNNING http://127.0.0.1:"));
	ck_assert_ptr_nonnull(strstr(log.ptr, "try 1/3: HTTP 200, delivered"));
	ck_assert_ptr_null(strstr(log.ptr, secret));

	cJSON_Delete(body);
	cJSON_Delete(req);
	sp_buf_dispose(&expected);
	sp_buf_dispose(&log);
	receiver_stop(&r);
}
END_TEST

START_TEST(test_retries_then_success)
{
	char url[128], *urls[] = {url, NULL};
	sp_settings settings;
	receiver r;
	cJSON *req[3];
	double t[3];
	int i;

	receiver_start(&r, "ok", 2, "k");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/retry", r.port);
	settings_for(&settings, urls, "k", r.dir);

	/* The default timing: 1 s, then 2 s between tries. */
	ck_assert_int_eq(sp_webhook_notify(&settings, "alice/demo", "c0ffee",
	                                   "RUNNING", "BUILD_ERROR", "exit 1"),
	                 0);
	ck_assert_msg(wait_lines(r.log, "delivered", 1, 15000),
	              "no delivery logged");
	ck_assert_int_eq(
	    count_lines(r.log, "try 1/3: HTTP 500, retrying in 1000ms"), 1);
	ck_assert_int_eq(
	    count_lines(r.log, "try 2/3: HTTP 500, retrying in 2000ms"), 1);
	ck_assert_int_eq(count_lines(r.log, "try 3/3: HTTP 200, delivered"), 1);
	ck_assert_int_eq(count_lines(r.record, "\"path\""), 3);
	for (i = 0; i < 3; i++) {
		req[i] = recorded(&r, i + 1);
		t[i] = cJSON_GetNumberValue(cJSON_GetObjectItem(req[i], "t"));
		ck_assert_str_eq(field(req[i], "sig"), "ok");
	}
	/* Every try carries the same body and delivery id. */
	ck_assert_str_eq(field(req[0], "body"), field(req[2], "body"));
	ck_assert_str_eq(field(req[0], "delivery"), field(req[2], "delivery"));
	ck_assert_double_ge(t[1] - t[0], 0.9);
	ck_assert_double_ge(t[2] - t[1], 1.9);
	for (i = 0; i < 3; i++)
		cJSON_Delete(req[i]);
	receiver_stop(&r);
}
END_TEST

START_TEST(test_hanging_receiver)
{
	const sp_webhook_timing timing = {300, 3, 100};
	char url[128], *urls[] = {url, NULL};
	sp_settings settings;
	receiver r;
	long long start;
	struct pollfd pfd;
	int fds[2];
	char c;

	receiver_start(&r, "hang", 0, "k");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/slow", r.port);
	settings_for(&settings, urls, "k", r.dir);

	/* A pipe the caller holds: the delivery must not keep it open. */
	ck_assert_int_eq(pipe(fds), 0);
	start = now_ms();
	ck_assert_int_eq(sp_webhook_notify_timed(&settings, &timing,
	                                         "alice/demo", "c0ffee",
	                                         "BUILDING", "RUNNING", NULL),
	                 0);
	/* Waiting for the delivery would take 3 tries of 300 ms and the
	 * pauses between them (1.2 s): returning well before that is not
	 * waiting. */
	ck_assert_int_lt(now_ms() - start, 800);
	close(fds[1]);
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	ck_assert_int_eq(poll(&pfd, 1, 500), 1);
	ck_assert_int_eq(read(fds[0], &c, 1), 0);
	close(fds[0]);

	ck_assert_msg(wait_lines(r.log, "giving up", 1, 10000),
	              "delivery did not give up");
	ck_assert_int_eq(count_lines(r.log, "try 1/3:"), 1);
	ck_assert_int_eq(count_lines(r.log, "try 3/3:"), 1);
	ck_assert_int_eq(count_lines(r.log, "delivered"), 0);
	ck_assert_int_eq(count_lines(r.record, "\"path\""), 3);
	receiver_stop(&r);
}
END_TEST

/* A port nothing listens on. */
static int closed_port(void)
{
	struct sockaddr_in addr = {0};
	socklen_t len = sizeof(addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
	close(fd);
	return ntohs(addr.sin_port);
}

START_TEST(test_unreachable_and_rotation)
{
	const sp_webhook_timing timing = {1000, 2, 50};
	char url[128], *urls[] = {url, NULL}, rotated[160];
	sp_settings settings;
	receiver r;
	struct stat st;
	sp_buf old = SP_BUF_INIT;
	int fd;

	sandbox_make(&r);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", closed_port());
	settings_for(&settings, urls, NULL, r.dir);
	/* A log about to overflow is moved aside. */
	fd = open(r.log, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	while (old.size < SP_WEBHOOK_LOG_MAX - 10)
		sp_buf_puts(&old, "an old line of the delivery log\n");
	ck_assert_int_eq(write(fd, old.ptr, old.size), (ssize_t)old.size);
	close(fd);

	ck_assert_int_eq(sp_webhook_notify_timed(&settings, &timing, "bob/app",
	                                         NULL, NULL, "BUILDING", NULL),
	                 0);
	ck_assert_msg(wait_lines(r.log, "giving up", 1, 10000),
	              "no give-up logged");
	ck_assert_int_eq(count_lines(r.log, "try 1/2:"), 1);
	ck_assert_int_eq(count_lines(r.log, "onnect"), 2);
	ck_assert_int_eq(count_lines(r.log, "an old line"), 0);
	snprintf(rotated, sizeof(rotated), "%s.1", r.log);
	ck_assert_int_eq(stat(rotated, &st), 0);
	ck_assert_int_eq(st.st_size, (off_t)old.size);
	ck_assert_int_eq(stat(r.log, &st), 0);
	ck_assert_int_lt(st.st_size, 4096);
	sp_buf_dispose(&old);
	sandbox_remove(&r);
}
END_TEST

START_TEST(test_refused_and_redacted_urls)
{
	const sp_webhook_timing timing = {2000, 1, 0};
	char file_url[] = "file:///etc/passwd", ftp_url[] = "ftp://127.0.0.1/x";
	char url[160], *urls[] = {file_url, ftp_url, url, NULL};
	sp_settings settings;
	sp_buf log = SP_BUF_INIT;
	receiver r;

	receiver_start(&r, "ok", 0, NULL);
	snprintf(url, sizeof(url),
	         "http://user:pw-zq9@127.0.0.1:%d/hook?token=tok-zq9", r.port);
	settings_for(&settings, urls, NULL, r.dir);
	ck_assert_int_eq(sp_webhook_notify_timed(&settings, &timing, "bob/app",
	                                         "c", "A", "B", NULL),
	                 0);
	ck_assert_msg(wait_lines(r.log, "delivered", 1, 10000),
	              "no delivery logged");
	ck_assert(wait_lines(
	    r.log, "refused: only http and https URLs are allowed", 2, 5000));
	ck_assert_int_eq(sp_buf_read_file(&log, r.log, 1 << 20), 0);
	ck_assert_ptr_nonnull(strstr(log.ptr, "file:///etc/passwd refused"));
	ck_assert_ptr_nonnull(strstr(log.ptr, "http://***@127.0.0.1:"));
	ck_assert_ptr_nonnull(
	    strstr(log.ptr, "/hook?*** try 1/1: HTTP 200, delivered"));
	ck_assert_ptr_null(strstr(log.ptr, "zq9"));
	/* No secret: no signature header. */
	{
		cJSON *req = recorded(&r, 1);

		ck_assert_str_eq(field(req, "sig"), "none");
		ck_assert_str_eq(field(req, "path"), "/hook?token=tok-zq9");
		cJSON_Delete(req);
	}
	ck_assert_int_eq(count_lines(r.record, "\"path\""), 1);
	sp_buf_dispose(&log);
	receiver_stop(&r);
}
END_TEST

START_TEST(test_redirect_not_followed)
{
	const sp_webhook_timing timing = {2000, 2, 10};
	char url[128], *urls[] = {url, NULL};
	sp_settings settings;
	receiver r;

	receiver_start(&r, "redirect", 0, "k");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", r.port);
	settings_for(&settings, urls, "k", r.dir);
	ck_assert_int_eq(sp_webhook_notify_timed(&settings, &timing, "a/b", "c",
	                                         "A", "B", NULL),
	                 0);
	ck_assert_msg(wait_lines(r.log, "giving up", 1, 10000),
	              "no give-up logged");
	ck_assert_int_eq(count_lines(r.log, "HTTP 302"), 2);
	ck_assert_int_eq(count_lines(r.record, "/elsewhere"), 0);
	ck_assert_int_eq(count_lines(r.record, "\"path\""), 2);
	receiver_stop(&r);
}
END_TEST

START_TEST(test_big_answer_cut)
{
	const sp_webhook_timing timing = {5000, 1, 0};
	char url[128], *urls[] = {url, NULL};
	sp_settings settings;
	receiver r;

	receiver_start(&r, "big", 0, "k");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook", r.port);
	settings_for(&settings, urls, "k", r.dir);
	ck_assert_int_eq(sp_webhook_notify_timed(&settings, &timing, "a/b", "c",
	                                         "A", "B", NULL),
	                 0);
	ck_assert_msg(
	    wait_lines(r.log, "try 1/1: HTTP 200, delivered", 1, 10000),
	    "a 2xx with a long answer is not delivered");
	receiver_stop(&r);
}
END_TEST

/* In the calling process, so that the sanitizers see the whole transfer. */
START_TEST(test_post_in_process)
{
	const sp_webhook_timing timing = {2000, 2, 10};
	char url[128], bad[160];
	receiver r;
	int port;

	receiver_start(&r, "ok", 1, "k");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/direct", r.port);
	ck_assert_int_eq(
	    sp_webhook_post(url, "k", "{}", &timing, r.log, "a/b", "B"), 0);
	ck_assert_int_eq(
	    count_lines(r.log, "try 1/2: HTTP 500, retrying in 10ms"), 1);
	ck_assert_int_eq(count_lines(r.log, "try 2/2: HTTP 200, delivered"), 1);
	ck_assert_int_eq(sp_webhook_post("gopher://127.0.0.1/", "k", "{}",
	                                 &timing, NULL, "a/b", "B"),
	                 SP_EINVALID);
	port = closed_port();
	snprintf(bad, sizeof(bad), "http://127.0.0.1:%d/", port);
	ck_assert_int_eq(
	    sp_webhook_post(bad, NULL, "{}", &timing, r.log, "a/b", "B"),
	    SP_EUNREACHABLE);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), "not delivered"));
	ck_assert_int_eq(count_lines(r.record, "\"path\""), 2);
	receiver_stop(&r);
}
END_TEST

START_TEST(test_nothing_configured)
{
	char *none[] = {NULL};
	sp_settings settings;
	receiver r;
	struct stat st;

	sandbox_make(&r);
	settings_for(&settings, NULL, "k", r.dir);
	ck_assert_int_eq(
	    sp_webhook_notify(&settings, "a/b", "c", "A", "B", NULL), 0);
	settings_for(&settings, none, "k", r.dir);
	ck_assert_int_eq(
	    sp_webhook_notify(&settings, "a/b", "c", "A", "B", NULL), 0);
	usleep(300000);
	ck_assert_int_eq(stat(r.log, &st), -1);
	ck_assert_int_eq(errno, ENOENT);
	sandbox_remove(&r);
}
END_TEST

START_TEST(test_bad_event)
{
	char url[] = "http://127.0.0.1:1/", *urls[] = {url, NULL};
	sp_settings settings;

	settings_for(&settings, urls, NULL, "/nonexistent");
	ck_assert_int_eq(
	    sp_webhook_notify(&settings, NULL, "c", "A", "B", NULL),
	    SP_EINVALID);
	ck_assert_int_eq(
	    sp_webhook_notify(&settings, "a/b", "c", "A", NULL, NULL),
	    SP_EINVALID);
	ck_assert_ptr_nonnull(
	    strstr(sp_error_last(), "needs a space and a stage"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("webhook");
	TCase *json = tcase_create("json"), *body = tcase_create("body");
	TCase *delivery = tcase_create("delivery");

	/* Requests to 127.0.0.1 go straight there. */
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	unsetenv("https_proxy");
	unsetenv("HTTPS_PROXY");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");

	tcase_add_loop_test(json, test_json_string, 0,
	                    sizeof(json_cases) / sizeof(json_cases[0]));
	tcase_add_test(json, test_json_null_and_all_bytes);
	tcase_add_test(body, test_body_exact);
	tcase_add_test(body, test_body_escapes);
	tcase_add_test(body, test_body_long_error_cut);
	tcase_add_test(body, test_signature);
	tcase_set_timeout(delivery, 60);
	tcase_add_test(delivery, test_signed_delivery);
	tcase_add_test(delivery, test_retries_then_success);
	tcase_add_test(delivery, test_hanging_receiver);
	tcase_add_test(delivery, test_unreachable_and_rotation);
	tcase_add_test(delivery, test_refused_and_redacted_urls);
	tcase_add_test(delivery, test_redirect_not_followed);
	tcase_add_test(delivery, test_big_answer_cut);
	tcase_add_test(delivery, test_post_in_process);
	tcase_add_test(delivery, test_nothing_configured);
	tcase_add_test(delivery, test_bad_event);
	suite_add_tcase(s, json);
	suite_add_tcase(s, body);
	suite_add_tcase(s, delivery);
	return sp_test_run(s);
}
