/* sp-loadgen: the figures the front door's tests and benchmarks assert on
 * (an open-loop request rate, a Server-Sent Events stream, keep-alive
 * latency, the time to a first good answer), sent with libcurl to the one
 * URL given and printed as key=value lines. */
#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "banned.h"
#include "buf.h"
#include "http.h"

#define LG_USAGE_EXIT 2
#define LG_BODY_MAX (1 << 20)    /* bytes of a body kept for --body-contains */
#define LG_LINE_MAX (64 << 10)   /* bytes of an event stream line kept */
#define LG_MAX_REQUESTS 10000000 /* requests a load run may plan */
#define LG_WARMUP 20             /* requests before the latency mode counts */
#define LG_LATE_GRACE 1.0        /* seconds a late request may still start */
#define LG_STATUS_MAX 1000
#define LG_ERROR_MAX 128

static const char lg_usage[] =
    "usage: sp-loadgen load URL --rate R --duration S [--host H]\n"
    "                  [--concurrency C] [--max N] [--timeline FILE]\n"
    "                  [--timeout S] [--body-contains TEXT] "
    "[--count-body TEXT]\n"
    "       sp-loadgen stream URL --duration S [--host H]\n"
    "       sp-loadgen latency URL --count N [--host H] [--timeout S]\n"
    "       sp-loadgen first URL --timeout S [--host H] [--interval MS]\n"
    "                  [--body-contains TEXT]\n";

enum lg_mode { LG_LOAD = 1, LG_STREAM = 2, LG_LATENCY = 4, LG_FIRST = 8 };

/* What one request came to. */
enum lg_outcome { LG_OK, LG_NON2XX, LG_FAILED, LG_WRONG_BODY };

typedef struct {
	enum lg_mode mode;
	const char *url;
	const char *host;          /* the Host header, or NULL */
	double rate;               /* load: requests a second */
	double duration;           /* load, stream: seconds */
	double timeout;            /* first: seconds in all; else a request's */
	long concurrency;          /* load: requests in flight at most */
	long max;                  /* load: requests at most; 0 = no cap */
	long count;                /* latency: requests measured */
	long interval_ms;          /* first: time between attempts */
	const char *timeline;      /* load: file of one line per request */
	const char *body_contains; /* a 2xx without it is wrong_body */
	const char *count_body;    /* load: bodies holding it are counted */
} lg_opts;

/* Answers tallied by HTTP status and by curl error, so a failure explains
 * itself. */
typedef struct {
	long status[LG_STATUS_MAX];
	long error[LG_ERROR_MAX];
} lg_tally;

/* One request of a load run; offsets and latency in seconds. */
typedef struct {
	double start;
	double latency;
	int status;
	int error;
	enum lg_outcome outcome;
	int counted; /* its body held --count-body's text */
} lg_result;

/* An easy handle of the load run's pool, with the body it reads. */
typedef struct {
	CURL *easy;
	sp_buf body; /* kept only for --body-contains and --count-body */
	int busy;
	size_t index; /* its request's place in the results */
	double began; /* when it was started, from the run's start */
} lg_slot;

static double lg_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void lg_sleep_until(double when)
{
	double left = when - lg_now();
	struct timespec ts;

	if (left <= 0)
		return;
	ts.tv_sec = (time_t)left;
	ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static long lg_ms(double seconds)
{
	return (long)llround(seconds * 1e3);
}

static int lg_usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static int lg_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("sp-loadgen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
	fputs(lg_usage, stderr);
	return -1;
}

static int lg_parse_double(double *out, const char *name, const char *s,
                           double low, double high)
{
	char *end = NULL;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < low || v > high) {
		fprintf(stderr,
		        "sp-loadgen: bad value '%s' for --%s: give a number "
		        "from %g to %g\n",
		        s, name, low, high);
		return -1;
	}
	*out = v;
	return 0;
}

static int lg_parse_long(long *out, const char *name, const char *s, long low,
                         long high)
{
	char *end = NULL;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < low || v > high) {
		fprintf(stderr,
		        "sp-loadgen: bad value '%s' for --%s: give a whole "
		        "number from %ld to %ld\n",
		        s, name, low, high);
		return -1;
	}
	*out = v;
	return 0;
}

/* The options and the modes that take each. */
static const struct {
	const char *name;
	unsigned modes;
} lg_options[] = {
    {"rate", LG_LOAD},
    {"duration", LG_LOAD | LG_STREAM},
    {"host", LG_LOAD | LG_STREAM | LG_LATENCY | LG_FIRST},
    {"concurrency", LG_LOAD},
    {"max", LG_LOAD},
    {"timeline", LG_LOAD},
    {"timeout", LG_LOAD | LG_LATENCY | LG_FIRST},
    {"body-contains", LG_LOAD | LG_FIRST},
    {"count-body", LG_LOAD},
    {"count", LG_LATENCY},
    {"interval", LG_FIRST},
};

static int lg_set_option(lg_opts *o, const char *name, const char *value)
{
	if (!strcmp(name, "rate"))
		return lg_parse_double(&o->rate, name, value, 0.001, 100000);
	if (!strcmp(name, "duration"))
		return lg_parse_double(&o->duration, name, value, 0.001, 86400);
	if (!strcmp(name, "timeout"))
		return lg_parse_double(&o->timeout, name, value, 0.001, 86400);
	if (!strcmp(name, "concurrency"))
		return lg_parse_long(&o->concurrency, name, value, 1, 1024);
	if (!strcmp(name, "max"))
		return lg_parse_long(&o->max, name, value, 1, LG_MAX_REQUESTS);
	if (!strcmp(name, "count"))
		return lg_parse_long(&o->count, name, value, 1, 1000000);
	if (!strcmp(name, "interval"))
		return lg_parse_long(&o->interval_ms, name, value, 1, 60000);
	if (!*value)
		return lg_usage_error("--%s needs a value that is not empty",
		                      name);
	if (!strcmp(name, "host"))
		o->host = value;
	else if (!strcmp(name, "timeline"))
		o->timeline = value;
	else if (!strcmp(name, "body-contains"))
		o->body_contains = value;
	else
		o->count_body = value;
	return 0;
}

static int lg_parse(lg_opts *o, int argc, char **argv)
{
	static const char *const modes[] = {"load", "stream", "latency",
	                                    "first"};
	size_t i, m;
	int arg;

	if (argc < 3)
		return lg_usage_error("give a mode and a URL");
	for (m = 0; m < 4 && strcmp(argv[1], modes[m]); m++)
		;
	if (m == 4)
		return lg_usage_error("unknown mode '%s'", argv[1]);
	o->mode = (enum lg_mode)(1u << m);
	o->url = argv[2];
	if (strncmp(o->url, "http://", 7) && strncmp(o->url, "https://", 8))
		return lg_usage_error("'%s' is no http:// or https:// URL",
		                      o->url);
	for (arg = 3; arg < argc; arg += 2) {
		const char *name = argv[arg];

		if (strncmp(name, "--", 2))
			return lg_usage_error("unexpected argument '%s'", name);
		name += 2;
		for (i = 0; i < sizeof(lg_options) / sizeof(lg_options[0]); i++)
			if (!strcmp(name, lg_options[i].name))
				break;
		if (i == sizeof(lg_options) / sizeof(lg_options[0]) ||
		    !(lg_options[i].modes & o->mode))
			return lg_usage_error("no option '%s' in this mode",
			                      argv[arg]);
		if (arg + 1 >= argc)
			return lg_usage_error("%s needs a value", argv[arg]);
		if (lg_set_option(o, name, argv[arg + 1]) < 0)
			return -1;
	}
	if (o->mode == LG_LOAD && (o->rate <= 0 || o->duration <= 0))
		return lg_usage_error("load needs --rate and --duration");
	if (o->mode == LG_LOAD && o->rate * o->duration > LG_MAX_REQUESTS)
		return lg_usage_error("--rate times --duration plans more than "
		                      "%d requests: ask for fewer",
		                      LG_MAX_REQUESTS);
	if (o->mode == LG_STREAM && o->duration <= 0)
		return lg_usage_error("stream needs --duration");
	if (o->mode == LG_LATENCY && o->count <= 0)
		return lg_usage_error("latency needs --count");
	if (o->mode == LG_FIRST && o->timeout <= 0)
		return lg_usage_error("first needs --timeout");
	return 0;
}

static size_t lg_keep_body(char *data, size_t size, size_t n, void *payload)
{
	sp_buf *body = payload;
	size_t len = size * n;

	if (body && body->size < LG_BODY_MAX)
		sp_buf_put(body, data,
		           len < LG_BODY_MAX - body->size
		               ? len
		               : LG_BODY_MAX - body->size);
	return len;
}

/* An easy handle for the URL: no proxy (the URL is where requests go), only
 * http and https, the Host header given, the body into `body` (or dropped
 * when NULL). */
static CURL *lg_easy_new(const lg_opts *o, struct curl_slist *headers,
                         sp_buf *body, double timeout)
{
	CURL *easy = curl_easy_init();

	if (!easy)
		return NULL;
	curl_easy_setopt(easy, CURLOPT_URL, o->url);
	curl_easy_setopt(easy, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(easy, CURLOPT_PROXY, "");
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_USERAGENT, "sp-loadgen");
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, lg_keep_body);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, body);
	if (timeout > 0) {
		curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS,
		                 (long)ceil(timeout * 1e3));
		curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
		                 (long)ceil(timeout * 1e3));
	}
	return easy;
}

static struct curl_slist *lg_headers(const lg_opts *o, const char *accept)
{
	struct curl_slist *list = NULL, *next;
	sp_buf line = SP_BUF_INIT;

	if (o->host) {
		sp_buf_printf(&line, "Host: %s", o->host);
		if (!(next = curl_slist_append(list, line.ptr)))
			goto oom;
		list = next;
	}
	if (accept) {
		sp_buf_printf(&line, "Accept: %s", accept);
		if (!(next = curl_slist_append(list, line.ptr)))
			goto oom;
		list = next;
	}
	sp_buf_dispose(&line);
	return list;
oom:
	sp_die_oom(line.size);
}

static int lg_body_has(const sp_buf *body, const char *text)
{
	return memmem(body->ptr, body->size, text, strlen(text)) != NULL;
}

/* What a finished transfer came to, tallied. */
static enum lg_outcome lg_judge(lg_tally *tally, CURLcode rc, long status,
                                const sp_buf *body, const char *contains)
{
	if (rc != CURLE_OK) {
		tally->error[(unsigned)rc < LG_ERROR_MAX ? rc : 0]++;
		return LG_FAILED;
	}
	if (status < 200 || status > 299) {
		tally->status[status > 0 && status < LG_STATUS_MAX ? status
		                                                   : 0]++;
		return LG_NON2XX;
	}
	if (contains && !lg_body_has(body, contains))
		return LG_WRONG_BODY;
	return LG_OK;
}

static void lg_print_tally(const lg_tally *tally)
{
	size_t i;

	for (i = 0; i < LG_STATUS_MAX; i++)
		if (tally->status[i])
			printf("status_%zu=%ld\n", i, tally->status[i]);
	for (i = 0; i < LG_ERROR_MAX; i++)
		if (tally->error[i])
			printf("error_%zu=%ld\n", i, tally->error[i]);
}

static int lg_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The p-th percentile (nearest rank) of n sorted values; 0 when none. */
static double lg_percentile(const double *sorted, size_t n, double p)
{
	size_t rank;

	if (!n)
		return 0;
	rank = (size_t)ceil(p * (double)n);
	return sorted[rank ? rank - 1 : 0];
}

static const char *lg_outcome_name(const lg_result *r, char *buf, size_t len)
{
	switch (r->outcome) {
	case LG_OK:
		return "ok";
	case LG_NON2XX:
		return "non2xx";
	case LG_WRONG_BODY:
		return "wrong_body";
	case LG_FAILED:
		break;
	}
	snprintf(buf, len, "error_%d", r->error);
	return buf;
}

static int lg_write_timeline(const char *path, const lg_result *results,
                             size_t n)
{
	FILE *f = fopen(path, "w");
	char name[32];
	size_t i;

	if (!f) {
		fprintf(stderr, "sp-loadgen: cannot write '%s': %s\n", path,
		        strerror(errno));
		return -1;
	}
	fputs("# start_ms latency_ms status result counted\n", f);
	for (i = 0; i < n; i++)
		fprintf(f, "%.3f %.3f %d %s %d\n", results[i].start * 1e3,
		        results[i].latency * 1e3, results[i].status,
		        lg_outcome_name(&results[i], name, sizeof(name)),
		        results[i].counted);
	if (fclose(f)) {
		fprintf(stderr, "sp-loadgen: cannot write '%s': %s\n", path,
		        strerror(errno));
		return -1;
	}
	return 0;
}

/* Take the finished transfers off the multi handle, judge and free their
 * slots. */
static void lg_load_reap(CURLM *multi, const lg_opts *o, lg_result *results,
                         lg_tally *tally, long *counted, long *connects,
                         long *inflight, double t0)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(multi, &left))) {
		lg_slot *slot = NULL;
		lg_result *r;
		long status = 0, conns = 0;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &slot);
		curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE,
		                  &status);
		curl_easy_getinfo(msg->easy_handle, CURLINFO_NUM_CONNECTS,
		                  &conns);
		r = &results[slot->index];
		r->latency = lg_now() - t0 - slot->began;
		r->status = (int)status;
		r->error = (int)msg->data.result;
		r->outcome = lg_judge(tally, msg->data.result, status,
		                      &slot->body, o->body_contains);
		if (o->count_body && r->outcome != LG_FAILED &&
		    lg_body_has(&slot->body, o->count_body)) {
			r->counted = 1;
			(*counted)++;
		}
		*connects += conns;
		curl_multi_remove_handle(multi, msg->easy_handle);
		slot->busy = 0;
		(*inflight)--;
	}
}

/* Open loop: request i is due at i / rate seconds from the start, whatever
 * became of the ones before, for the ones due within `duration`. It starts
 * then, unless `concurrency` are in flight or the machine was busy: then as
 * soon as it can (late_max_ms says how late), but no later than
 * LG_LATE_GRACE after `duration` (the rest are unsent). The run ends when
 * the last one started has. */
static int lg_load(const lg_opts *o)
{
	size_t planned, i, n = 0, bad_first = SIZE_MAX, bad_last = SIZE_MAX;
	struct curl_slist *headers = lg_headers(o, NULL);
	long inflight = 0, counted = 0, connects = 0, ok = 0, non2xx = 0,
	     failed = 0, wrong = 0;
	lg_slot *slots = NULL;
	lg_result *results = NULL;
	double *lat = NULL, t0, cutoff, late = 0, window;
	lg_tally tally;
	CURLM *multi = NULL;
	int keep_body = o->body_contains || o->count_body, error = -1;

	memset(&tally, 0, sizeof(tally));
	planned = (size_t)ceil(o->rate * o->duration);
	if (o->max && (size_t)o->max < planned)
		planned = (size_t)o->max;
	if (!planned)
		planned = 1;
	results = sp_calloc(planned, sizeof(*results));
	slots = sp_calloc((size_t)o->concurrency, sizeof(*slots));
	for (i = 0; i < (size_t)o->concurrency; i++)
		sp_buf_init(&slots[i].body);
	if (!(multi = curl_multi_init()))
		goto nocurl;
	curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, o->concurrency);
	for (i = 0; i < (size_t)o->concurrency; i++) {
		lg_slot *s = &slots[i];

		s->easy = lg_easy_new(o, headers, keep_body ? &s->body : NULL,
		                      o->timeout > 0 ? o->timeout : 10);
		if (!s->easy)
			goto nocurl;
		curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s);
	}

	cutoff = o->duration + LG_LATE_GRACE;
	t0 = lg_now();
	for (;;) {
		double t = lg_now() - t0, due, wait;
		int running;

		while (n < planned && t < cutoff &&
		       (due = (double)n / o->rate) <= t &&
		       inflight < o->concurrency) {
			lg_slot *s = slots;

			while (s->busy)
				s++;
			sp_buf_clear(&s->body);
			s->busy = 1;
			s->index = n;
			s->began = t;
			results[n].start = t;
			if (t - due > late)
				late = t - due;
			curl_multi_add_handle(multi, s->easy);
			inflight++;
			n++;
		}
		if ((n >= planned || t >= cutoff) && !inflight)
			break;
		curl_multi_perform(multi, &running);
		lg_load_reap(multi, o, results, &tally, &counted, &connects,
		             &inflight, t0);
		wait = 0.1;
		if (n < planned && inflight < o->concurrency && t < cutoff)
			wait = (double)n / o->rate - (lg_now() - t0);
		if (wait > 0)
			curl_multi_poll(multi, NULL, 0, (int)ceil(wait * 1e3),
			                NULL);
	}

	lat = sp_calloc(n ? n : 1, sizeof(*lat));
	for (i = 0; i < n; i++) {
		lat[i] = results[i].latency;
		switch (results[i].outcome) {
		case LG_OK:
			ok++;
			continue;
		case LG_NON2XX:
			non2xx++;
			break;
		case LG_FAILED:
			failed++;
			break;
		case LG_WRONG_BODY:
			wrong++;
			break;
		}
		if (bad_first == SIZE_MAX)
			bad_first = i;
		bad_last = i;
	}
	qsort(lat, n, sizeof(*lat), lg_cmp_double);
	window = n ? results[n - 1].start + 1 / o->rate : 1;

	printf("sent=%zu\nunsent=%zu\n", n, planned - n);
	printf("ok=%ld\nnon2xx=%ld\nfailed=%ld\nwrong_body=%ld\n", ok, non2xx,
	       failed, wrong);
	if (o->count_body)
		printf("count_body=%ld\n", counted);
	printf("rate=%.1f\n", n ? (double)n / window : 0.0);
	printf("p50_ms=%.3f\np99_ms=%.3f\nmax_ms=%.3f\n",
	       lg_percentile(lat, n, 0.5) * 1e3,
	       lg_percentile(lat, n, 0.99) * 1e3, n ? lat[n - 1] * 1e3 : 0.0);
	printf("first_bad_ms=%ld\nlast_bad_ms=%ld\n",
	       bad_first == SIZE_MAX ? -1 : lg_ms(results[bad_first].start),
	       bad_last == SIZE_MAX ? -1 : lg_ms(results[bad_last].start));
	printf("late_max_ms=%ld\nconnections=%ld\n", lg_ms(late), connects);
	lg_print_tally(&tally);
	fflush(stdout);
	error = 0;
	if (o->timeline && lg_write_timeline(o->timeline, results, n) < 0)
		error = -1;
	goto done;
nocurl:
	fputs("sp-loadgen: cannot start libcurl\n", stderr);
done:
	for (i = 0; slots && i < (size_t)o->concurrency; i++) {
		if (slots[i].easy) {
			if (slots[i].busy)
				curl_multi_remove_handle(multi, slots[i].easy);
			curl_easy_cleanup(slots[i].easy);
		}
		sp_buf_dispose(&slots[i].body);
	}
	if (multi)
		curl_multi_cleanup(multi);
	curl_slist_free_all(headers);
	free(slots);
	free(results);
	free(lat);
	return error;
}

/* A Server-Sent Events reader: lines end with CR, LF or CRLF; a blank line
 * dispatches the event read so far when it had a data field. */
typedef struct {
	double t0;
	sp_buf line;
	int after_cr; /* the last byte was a CR (a LF after it is no line) */
	int has_data; /* the event being read has a data field */
	long events;  /* events dispatched */
	double first; /* offset of the first event, -1 before it */
	double last;  /* offset of the last event, or of the start */
	double longest_gap; /* the longest time between two events */
	size_t bytes;
} lg_sse;

static void lg_sse_line(lg_sse *sse, double t)
{
	const char *colon;
	size_t field;

	if (!sse->line.size) {
		if (sse->has_data) {
			sse->events++;
			if (sse->first < 0)
				sse->first = t;
			else if (t - sse->last > sse->longest_gap)
				sse->longest_gap = t - sse->last;
			sse->last = t;
		}
		sse->has_data = 0;
		return;
	}
	if (sse->line.ptr[0] == ':')
		return;
	colon = memchr(sse->line.ptr, ':', sse->line.size);
	field = colon ? (size_t)(colon - sse->line.ptr) : sse->line.size;
	if (field == 4 && !memcmp(sse->line.ptr, "data", 4))
		sse->has_data = 1;
}

static size_t lg_sse_feed(char *data, size_t size, size_t n, void *payload)
{
	lg_sse *sse = payload;
	double t = lg_now() - sse->t0;
	size_t len = size * n, i;

	sse->bytes += len;
	for (i = 0; i < len; i++) {
		char c = data[i];

		if (c == '\n' && sse->after_cr) {
			sse->after_cr = 0;
			continue;
		}
		sse->after_cr = c == '\r';
		if (c == '\r' || c == '\n') {
			lg_sse_line(sse, t);
			sp_buf_clear(&sse->line);
		} else if (sse->line.size < LG_LINE_MAX) {
			sp_buf_putc(&sse->line, c);
		}
	}
	return len;
}

/* One GET with Accept: text/event-stream, held for `duration`: "held" when
 * the server kept it open that long with a 2xx, else it ended early. */
static int lg_stream(const lg_opts *o)
{
	struct curl_slist *headers = lg_headers(o, "text/event-stream");
	lg_sse sse = {0};
	char *type = NULL;
	double end, tail;
	long status = 0;
	CURLcode rc;
	CURL *easy;
	int held;

	sp_buf_init(&sse.line);
	sse.first = -1;
	if (!(easy = lg_easy_new(o, headers, NULL, o->duration))) {
		fputs("sp-loadgen: cannot start libcurl\n", stderr);
		curl_slist_free_all(headers);
		return -1;
	}
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, lg_sse_feed);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, &sse);
	sse.t0 = lg_now();
	rc = curl_easy_perform(easy);
	end = lg_now() - sse.t0;
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(easy, CURLINFO_CONTENT_TYPE, &type);
	held = rc == CURLE_OPERATION_TIMEDOUT && status >= 200 && status <= 299;
	tail = end - (sse.first < 0 ? 0 : sse.last);
	if (tail > sse.longest_gap)
		sse.longest_gap = tail;

	printf("events=%ld\n", sse.events);
	printf("first_event_ms=%ld\n", sse.first < 0 ? -1 : lg_ms(sse.first));
	printf("longest_gap_ms=%ld\n", lg_ms(sse.longest_gap));
	printf("ended_early=%d\n", !held);
	printf("status=%ld\n", status);
	printf("content_type=%s\n", type ? type : "");
	printf("bytes=%zu\nelapsed_ms=%ld\n", sse.bytes, lg_ms(end));
	if (held)
		printf("end=held\n");
	else if (rc == CURLE_OK)
		printf("end=closed\n");
	else
		printf("end=error_%d\n", (int)rc);
	curl_easy_cleanup(easy);
	curl_slist_free_all(headers);
	sp_buf_dispose(&sse.line);
	return 0;
}

/* `count` GETs one after another on one handle (so one kept-alive
 * connection), after LG_WARMUP that are not counted. */
static int lg_latency(const lg_opts *o)
{
	struct curl_slist *headers = lg_headers(o, NULL);
	size_t n = (size_t)o->count, i, good = 0;
	double *lat = sp_calloc(n, sizeof(*lat));
	long connects = 0;
	lg_tally tally;
	CURL *easy;

	memset(&tally, 0, sizeof(tally));
	if (!(easy = lg_easy_new(o, headers, NULL,
	                         o->timeout > 0 ? o->timeout : 10))) {
		fputs("sp-loadgen: cannot start libcurl\n", stderr);
		curl_slist_free_all(headers);
		free(lat);
		return -1;
	}
	for (i = 0; i < LG_WARMUP + n; i++) {
		long status = 0, conns = 0;
		double t = lg_now();
		CURLcode rc = curl_easy_perform(easy);

		t = lg_now() - t;
		if (i < LG_WARMUP)
			continue;
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &conns);
		connects += conns;
		lat[i - LG_WARMUP] = t;
		if (lg_judge(&tally, rc, status, NULL, NULL) == LG_OK)
			good++;
	}
	qsort(lat, n, sizeof(*lat), lg_cmp_double);
	printf("p50_us=%.0f\np90_us=%.0f\np99_us=%.0f\nmax_us=%.0f\n",
	       lg_percentile(lat, n, 0.5) * 1e6,
	       lg_percentile(lat, n, 0.9) * 1e6,
	       lg_percentile(lat, n, 0.99) * 1e6, lat[n - 1] * 1e6);
	printf("ok=%zu\nbad=%zu\nconnections=%ld\n", good, n - good, connects);
	lg_print_tally(&tally);
	curl_easy_cleanup(easy);
	curl_slist_free_all(headers);
	free(lat);
	return 0;
}

/* A GET every `interval_ms` from now until a 2xx (holding `body_contains`
 * when given) arrives or `timeout` has passed. */
static int lg_first(const lg_opts *o)
{
	struct curl_slist *headers = lg_headers(o, NULL);
	sp_buf body = SP_BUF_INIT;
	double t0 = lg_now(), deadline = t0 + o->timeout, next = t0, found = -1;
	long attempts = 0, status = 0;
	double interval = (double)o->interval_ms / 1e3;
	struct timespec wall;
	lg_tally tally;
	CURL *easy;

	memset(&tally, 0, sizeof(tally));
	clock_gettime(CLOCK_REALTIME, &wall);
	if (!(easy = lg_easy_new(o, headers, &body, 0))) {
		fputs("sp-loadgen: cannot start libcurl\n", stderr);
		curl_slist_free_all(headers);
		return -1;
	}
	while (lg_now() < deadline) {
		double left = deadline - lg_now();
		CURLcode rc;

		sp_buf_clear(&body);
		curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS,
		                 (long)ceil(left * 1e3));
		attempts++;
		rc = curl_easy_perform(easy);
		status = 0;
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
		if (lg_judge(&tally, rc, status, &body, o->body_contains) ==
		    LG_OK) {
			found = lg_now() - t0;
			break;
		}
		next += interval;
		if (next < lg_now())
			next = lg_now();
		if (next >= deadline)
			break;
		lg_sleep_until(next);
	}
	printf("elapsed_ms=%ld\n", found < 0 ? -1 : lg_ms(found));
	printf("attempts=%ld\nstatus=%ld\n", attempts, status);
	printf("start_epoch_ms=%lld\n",
	       (long long)wall.tv_sec * 1000 + wall.tv_nsec / 1000000);
	lg_print_tally(&tally);
	curl_easy_cleanup(easy);
	curl_slist_free_all(headers);
	sp_buf_dispose(&body);
	return 0;
}

int main(int argc, char **argv)
{
	lg_opts o = {0};
	int error;

	o.concurrency = 32;
	o.interval_ms = 20;
	if (argc == 2 &&
	    (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(lg_usage, stdout);
		return 0;
	}
	if (lg_parse(&o, argc, argv) < 0)
		return LG_USAGE_EXIT;
	signal(SIGPIPE, SIG_IGN);
	if (sp_http_global_init() < 0) {
		fputs("sp-loadgen: cannot start libcurl\n", stderr);
		return 1;
	}
	switch (o.mode) {
	case LG_LOAD:
		error = lg_load(&o);
		break;
	case LG_STREAM:
		error = lg_stream(&o);
		break;
	case LG_LATENCY:
		error = lg_latency(&o);
		break;
	default:
		error = lg_first(&o);
		break;
	}
	return error < 0 ? 1 : 0;
}
