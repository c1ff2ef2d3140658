/* Webhooks: the JSON body, its HMAC-SHA256 signature, and delivery over libcurl
 * from a detached process. */
#include "webhook.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "hmac.h"
#include "http.h"
#include "utf8.h"

#include "banned.h"

#define WEBHOOK_ANSWER_MAX (64 * 1024) /* bytes of a receiver's answer read */
#define WEBHOOK_LOG_URL_MAX 512        /* bytes of a URL shown in the log */

/* Two byte pairs that are never UTF-8, standing in cJSON's text for a NUL and
 * for a byte that is not UTF-8 until webhook_json_finish escapes them. */
#define WEBHOOK_MARK_NUL "\xc0\x80"
#define WEBHOOK_MARK_BAD "\xc0\x81"

/* cJSON answers NULL only when memory ran out: die, as sp_buf does. */
static void *webhook_json_check(void *item)
{
	if (!item)
		sp_die_oom(0);
	return item;
}

/* `len` bytes of `str` as a C string cJSON can take: valid UTF-8 kept, NUL
 * and each byte that is not UTF-8 replaced by its mark. */
static void webhook_json_clean(sp_buf *out, const char *str, size_t len)
{
	size_t i = 0, n;

	sp_buf_clear(out);
	while (i < len) {
		n = str[i] ? sp_utf8_len(str + i, len - i) : 0;
		if (n) {
			sp_buf_put(out, str + i, n);
			i += n;
		} else {
			sp_buf_puts(out, str[i] ? WEBHOOK_MARK_BAD
			                        : WEBHOOK_MARK_NUL);
			i++;
		}
	}
}

/*
 * Append cJSON's printed `text` to `out` with the escapes cJSON leaves out:
 * the marks of webhook_json_clean as \u0000 and \ufffd, DEL as \u007f, and
 * U+2028 and U+2029, which break JavaScript string literals.
 */
static void webhook_json_finish(sp_buf *out, const char *text)
{
	static const struct {
		const char *raw, *escaped;
	} escapes[] = {
	    {WEBHOOK_MARK_NUL, "\\u0000"}, {WEBHOOK_MARK_BAD, "\\ufffd"},
	    {"\x7f", "\\u007f"},           {"\xe2\x80\xa8", "\\u2028"},
	    {"\xe2\x80\xa9", "\\u2029"},
	};
	size_t i, n;

	while (*text) {
		n = strcspn(text, "\x7f\xc0\xe2");
		sp_buf_put(out, text, n);
		text += n;
		if (!*text)
			break;
		for (i = 0; i < sizeof(escapes) / sizeof(escapes[0]); i++)
			if (!strncmp(text, escapes[i].raw,
			             strlen(escapes[i].raw)))
				break;
		if (i < sizeof(escapes) / sizeof(escapes[0])) {
			sp_buf_puts(out, escapes[i].escaped);
			text += strlen(escapes[i].raw);
		} else {
			sp_buf_putc(out, *text++);
		}
	}
}

/* Print `item` unformatted onto `out`, finished as above. */
static void webhook_json_print(sp_buf *out, const cJSON *item)
{
	char *text = webhook_json_check(cJSON_PrintUnformatted(item));

	webhook_json_finish(out, text);
	cJSON_free(text);
}

int sp_webhook_json_string(sp_buf *out, const char *str, size_t len)
{
	sp_buf clean = SP_BUF_INIT;
	cJSON *item;

	if (!str) {
		sp_buf_puts(out, "null");
		return 0;
	}
	webhook_json_clean(&clean, str, len);
	item = webhook_json_check(cJSON_CreateString(clean.ptr));
	webhook_json_print(out, item);
	cJSON_Delete(item);
	sp_buf_dispose(&clean);
	return 0;
}

/* Append "2024-05-01T12:00:00.123Z". */
static int webhook_time(sp_buf *out, long long when_ms)
{
	time_t secs = (time_t)(when_ms / 1000);
	struct tm tm;
	char text[32];

	if (!gmtime_r(&secs, &tm) ||
	    !strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &tm))
		return sp_error_set(SP_EINVALID, "cannot format time %lld",
		                    when_ms);
	sp_buf_printf(out, "%s.%03dZ", text, (int)(when_ms % 1000));
	return 0;
}

static long long webhook_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Add `key` with `value` (NULL is null) to `obj`, `value` cut at `max` bytes
 * on a character boundary; `clean` is scratch space. */
static void webhook_member(cJSON *obj, sp_buf *clean, const char *key,
                           const char *value, size_t max)
{
	size_t len = value ? strlen(value) : 0;

	if (!value) {
		webhook_json_check(cJSON_AddNullToObject(obj, key));
		return;
	}
	if (len > max) {
		len = max;
		while (len > 0 && ((unsigned char)value[len] & 0xc0) == 0x80)
			len--;
	}
	webhook_json_clean(clean, value, len);
	webhook_json_check(cJSON_AddStringToObject(obj, key, clean->ptr));
}

int sp_webhook_body(sp_buf *out, const char *space_id, const char *commit,
                    const char *old_stage, const char *new_stage,
                    const char *error_text, long long when_ms)
{
	sp_buf clean = SP_BUF_INIT, when = SP_BUF_INIT;
	cJSON *body = NULL;
	int error;

	if ((error = webhook_time(&when, when_ms)) < 0)
		goto done;
	body = webhook_json_check(cJSON_CreateObject());
	webhook_member(body, &clean, "event", "space.stage", 64);
	webhook_member(body, &clean, "space", space_id, 1024);
	webhook_member(body, &clean, "commit", commit, 1024);
	webhook_member(body, &clean, "old_stage", old_stage, 1024);
	webhook_member(body, &clean, "stage", new_stage, 1024);
	webhook_member(body, &clean, "error", error_text, SP_WEBHOOK_ERROR_MAX);
	webhook_member(body, &clean, "time", when.ptr, 64);
	webhook_json_print(out, body);
done:
	cJSON_Delete(body);
	sp_buf_dispose(&clean);
	sp_buf_dispose(&when);
	return error;
}

int sp_webhook_signature(sp_buf *out, const char *secret, const char *body,
                         size_t len)
{
	unsigned char mac[SP_HMAC_SHA256_SIZE];
	int error;

	if ((error = sp_hmac_sha256(mac, secret, strlen(secret), body, len)) <
	    0)
		return error;
	sp_buf_puts(out, "sha256=");
	sp_hmac_hex(out, mac, sizeof(mac));
	explicit_bzero(mac, sizeof(mac));
	return 0;
}

/* The URL as the log shows it: no user or password, no query, bounded. */
static void webhook_url_for_log(sp_buf *out, const char *url)
{
	const char *auth = strstr(url, "://"), *end, *at = NULL, *p;

	if (auth) {
		auth += 3;
		end = auth + strcspn(auth, "/?#");
		for (p = auth; p < end; p++)
			if (*p == '@')
				at = p;
		sp_buf_put(out, url, (size_t)(auth - url));
		if (at) {
			sp_buf_puts(out, "***");
			auth = at;
		}
		url = auth;
	}
	sp_buf_put(out, url, strcspn(url, "?#"));
	if (url[strcspn(url, "?#")])
		sp_buf_puts(out, "?***");
	if (out->size > WEBHOOK_LOG_URL_MAX) {
		sp_buf_truncate(out, WEBHOOK_LOG_URL_MAX);
		sp_buf_puts(out, "...");
	}
}

/* Append one line to the delivery log, rotating it beyond SP_WEBHOOK_LOG_MAX.
 */
static void webhook_log(const char *path, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void webhook_log(const char *path, const char *fmt, ...)
{
	sp_buf line = SP_BUF_INIT, rotated = SP_BUF_INIT;
	struct stat fst, pst;
	va_list ap;
	size_t i;
	int fd = -1, round;

	if (!path)
		return;
	webhook_time(&line, webhook_now_ms());
	sp_buf_putc(&line, ' ');
	va_start(ap, fmt);
	sp_buf_vprintf(&line, fmt, ap);
	va_end(ap);
	for (i = 0; i < line.size; i++)
		if ((unsigned char)line.ptr[i] < 0x20 || line.ptr[i] == 0x7f)
			line.ptr[i] = '?';
	sp_buf_putc(&line, '\n');

	for (round = 0; round < 4; round++) {
		fd =
		    open(path,
		         O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		         0600);
		if (fd < 0 || flock(fd, LOCK_EX) < 0 || fstat(fd, &fst) < 0)
			goto done;
		/* Another process may have rotated the file while we waited. */
		if (stat(path, &pst) < 0 || pst.st_ino != fst.st_ino ||
		    pst.st_dev != fst.st_dev) {
			close(fd);
			fd = -1;
			continue;
		}
		if (fst.st_size + (off_t)line.size <= SP_WEBHOOK_LOG_MAX ||
		    fst.st_size == 0)
			break;
		sp_buf_clear(&rotated);
		sp_buf_printf(&rotated, "%s.1", path);
		if (rename(path, rotated.ptr) < 0)
			break; /* cannot rotate: keep appending */
		close(fd);
		fd = -1;
	}
	if (fd >= 0 && write(fd, line.ptr, line.size) < 0) {
		/* Nobody to tell: the log is the only channel of a detached
		 * delivery. */
	}
done:
	if (fd >= 0)
		close(fd);
	sp_buf_dispose(&line);
	sp_buf_dispose(&rotated);
}

typedef struct {
	size_t read;
	int cut; /* the answer went beyond WEBHOOK_ANSWER_MAX */
} webhook_answer;

static size_t webhook_discard(char *data, size_t size, size_t n, void *payload)
{
	webhook_answer *answer = payload;

	answer->read += size * n;
	if (answer->read > WEBHOOK_ANSWER_MAX) {
		answer->cut = 1;
		return 0;
	}
	return size * n;
}

static void webhook_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Add a header line, keeping the list on failure. */
static int webhook_header(struct curl_slist **headers, const char *line)
{
	struct curl_slist *h = curl_slist_append(*headers, line);

	if (!h)
		return sp_error_set(SP_ENOMEM, "out of memory");
	*headers = h;
	return 0;
}

/* A random delivery id (32 hex digits), the same for every try. */
static void webhook_delivery_id(sp_buf *out)
{
	unsigned char raw[16];
	long long now = webhook_now_ms();
	size_t i;

	if (getrandom(raw, sizeof(raw), GRND_NONBLOCK) !=
	    (ssize_t)sizeof(raw)) {
		for (i = 0; i < sizeof(raw); i++)
			raw[i] = (unsigned char)((now >> (8 * (i % 8))) ^
			                         (getpid() >> (i % 4)));
	}
	sp_hmac_hex(out, raw, sizeof(raw));
}

/* Set up a request's headers; the signature only when a secret is set. */
static int webhook_headers(struct curl_slist **out, const char *secret,
                           const char *body)
{
	sp_buf line = SP_BUF_INIT;
	int error;

	if ((error = webhook_header(out, "Content-Type: application/json")) <
	        0 ||
	    (error = webhook_header(out, "User-Agent: spacehook/" SP_VERSION)) <
	        0 ||
	    (error = webhook_header(out, "Expect:")) < 0 ||
	    (error = webhook_header(out, "X-Spacehook-Event: space.stage")) < 0)
		goto done;
	sp_buf_puts(&line, "X-Spacehook-Delivery: ");
	webhook_delivery_id(&line);
	if ((error = webhook_header(out, line.ptr)) < 0)
		goto done;
	if (secret && *secret) {
		sp_buf_clear(&line);
		sp_buf_puts(&line, SP_WEBHOOK_SIGNATURE_HEADER ": ");
		if ((error = sp_webhook_signature(&line, secret, body,
		                                  strlen(body))) < 0 ||
		    (error = webhook_header(out, line.ptr)) < 0)
			goto done;
	}
done:
	explicit_bzero(line.ptr, line.size);
	sp_buf_dispose(&line);
	return error;
}

int sp_webhook_post(const char *url, const char *secret, const char *body,
                    const sp_webhook_timing *timing, const char *log_path,
                    const char *space_id, const char *stage)
{
	static const sp_webhook_timing defaults = SP_WEBHOOK_TIMING_DEFAULT;
	struct curl_slist *headers = NULL;
	sp_buf shown = SP_BUF_INIT, outcome = SP_BUF_INIT;
	char errbuf[CURL_ERROR_SIZE];
	long backoff, code;
	int tries, attempt, error = SP_EUNREACHABLE;
	CURL *curl = NULL;
	CURLcode rc;

	if (!timing)
		timing = &defaults;
	tries = timing->tries > 0 ? timing->tries : 1;
	backoff = timing->backoff_ms > 0 ? timing->backoff_ms : 0;
	webhook_url_for_log(&shown, url);

	if (strncasecmp(url, "http://", 7) && strncasecmp(url, "https://", 8)) {
		webhook_log(
		    log_path,
		    "%s %s %s refused: only http and https URLs are allowed",
		    space_id, stage, shown.ptr);
		error = sp_error_set(SP_EINVALID,
		                     "webhook '%s' is not an http(s) URL",
		                     shown.ptr);
		goto done;
	}
	if (sp_http_global_init() < 0 || !(curl = curl_easy_init()) ||
	    webhook_headers(&headers, secret, body) < 0) {
		webhook_log(log_path,
		            "%s %s %s not sent: cannot start an HTTP client",
		            space_id, stage, shown.ptr);
		error = sp_error_set(SP_ENOMEM, "cannot start an HTTP client");
		goto done;
	}

	for (attempt = 1; attempt <= tries; attempt++) {
		webhook_answer answer = {0, 0};
		int ok;

		curl_easy_reset(curl);
		errbuf[0] = '\0';
		code = 0;
		curl_easy_setopt(curl, CURLOPT_URL, url);
		curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
		curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timing->timeout_ms);
		curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
		                 timing->timeout_ms);
		curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(curl, CURLOPT_POST, 1L);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
		                 (curl_off_t)strlen(body));
		curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, webhook_discard);
		curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
		curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
		rc = curl_easy_perform(curl);
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);

		/* A 2xx whose answer was too long to read is still delivered.
		 */
		ok =
		    code >= 200 && code <= 299 &&
		    (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && answer.cut));
		if (ok) {
			webhook_log(
			    log_path, "%s %s %s try %d/%d: HTTP %ld, delivered",
			    space_id, stage, shown.ptr, attempt, tries, code);
			error = 0;
			break;
		}
		sp_buf_clear(&outcome);
		if (code)
			sp_buf_printf(&outcome, "HTTP %ld", code);
		else
			sp_buf_puts(&outcome, errbuf[0]
			                          ? errbuf
			                          : curl_easy_strerror(rc));
		if (attempt < tries)
			webhook_log(log_path,
			            "%s %s %s try %d/%d: %s, retrying in %ldms",
			            space_id, stage, shown.ptr, attempt, tries,
			            outcome.ptr, backoff);
		else
			webhook_log(log_path,
			            "%s %s %s try %d/%d: %s, giving up",
			            space_id, stage, shown.ptr, attempt, tries,
			            outcome.ptr);
		if (attempt < tries) {
			webhook_sleep_ms(backoff);
			backoff *= 2;
		}
	}
	if (error < 0)
		error = sp_error_set(SP_EUNREACHABLE,
		                     "webhook '%s' not delivered", shown.ptr);
done:
	curl_slist_free_all(headers);
	if (curl)
		curl_easy_cleanup(curl);
	sp_buf_dispose(&shown);
	sp_buf_dispose(&outcome);
	return error;
}

/* In the delivery process: no descriptor, signal or session of the caller kept.
 */
static void webhook_child_setup(long lifetime_ms)
{
	sigset_t none;
	int fd;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
	}
	/* Locks and pipes of the caller (a Space lock, a pusher's log) must not
	 * outlive it. */
	if (close_range(3, ~0U, 0) < 0)
		for (fd = 3; fd < 1024; fd++)
			close(fd);
	/* Bound the process whatever happens inside libcurl. */
	alarm((unsigned)(lifetime_ms / 1000) + 30);
}

int sp_webhook_notify_timed(const sp_settings *settings,
                            const sp_webhook_timing *timing,
                            const char *space_id, const char *commit,
                            const char *old_stage, const char *new_stage,
                            const char *error_text)
{
	static const sp_webhook_timing defaults = SP_WEBHOOK_TIMING_DEFAULT;
	sp_buf body = SP_BUF_INIT, log_path = SP_BUF_INIT;
	long lifetime;
	pid_t pid;
	int error = 0, status, i, tries;

	if (!settings || !settings->webhooks || !settings->webhooks[0])
		return 0;
	if (!space_id || !new_stage)
		return sp_error_set(
		    SP_EINVALID, "a webhook event needs a space and a stage");
	if (!timing)
		timing = &defaults;
	tries = timing->tries > 0 ? timing->tries : 1;
	lifetime = (timing->timeout_ms + timing->backoff_ms) * 2L * tries;

	if ((error = sp_webhook_body(&body, space_id, commit, old_stage,
	                             new_stage, error_text, webhook_now_ms())) <
	    0)
		goto done;
	if (settings->state_dir)
		sp_buf_printf(&log_path, "%s/webhooks.log",
		              settings->state_dir);

	pid = fork();
	if (pid < 0) {
		error = sp_error_set_os(SP_ERROR,
		                        "webhooks for %s not sent: fork failed",
		                        space_id);
		goto done;
	}
	if (pid == 0) {
		/* The middle process: a session of its own, one delivery per
		 * URL, leave. */
		setsid();
		for (i = 0; settings->webhooks[i]; i++) {
			if (fork() != 0)
				continue;
			webhook_child_setup(lifetime);
			sp_webhook_post(settings->webhooks[i],
			                settings->webhook_secret, body.ptr,
			                timing,
			                log_path.size ? log_path.ptr : NULL,
			                space_id, new_stage);
			_exit(0);
		}
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
done:
	sp_buf_dispose(&body);
	sp_buf_dispose(&log_path);
	return error;
}

int sp_webhook_notify(const sp_settings *settings, const char *space_id,
                      const char *commit, const char *old_stage,
                      const char *new_stage, const char *error_text)
{
	return sp_webhook_notify_timed(settings, NULL, space_id, commit,
	                               old_stage, new_stage, error_text);
}
