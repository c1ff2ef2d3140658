/* Webhooks: a signed JSON POST to every spacehook.webhook URL on each stage
 * change of a Space, delivered in the background. */
#ifndef SP_WEBHOOK_H
#define SP_WEBHOOK_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "settings.h"

/* Header carrying "sha256=<hex HMAC-SHA256 of the body>" (GitHub's scheme). */
#define SP_WEBHOOK_SIGNATURE_HEADER "X-Spacehook-Signature-256"

/* The longest `error` text sent; longer text is cut at a character boundary. */
#define SP_WEBHOOK_ERROR_MAX 4096

/* webhooks.log in the state directory is moved to webhooks.log.1 beyond this.
 */
#define SP_WEBHOOK_LOG_MAX (1024 * 1024)

/* How a delivery is tried. */
typedef struct {
	long timeout_ms; /* per try, connecting included */
	int tries;       /* tries per URL, at least 1 */
	long backoff_ms; /* wait before the second try, doubled before each next
	                  */
} sp_webhook_timing;

/* 10 s per try, 3 tries, waiting 1 s then 2 s between them. */
#define SP_WEBHOOK_TIMING_DEFAULT                                              \
	{                                                                      \
		10000, 3, 1000                                                 \
	}

/*
 * Tell every configured webhook that the Space `space_id` ("owner/name")
 * went from `old_stage` to `new_stage` (Hugging Face stage names) at
 * `commit`, with `error` the one-line reason of a failure stage. `commit`,
 * `old_stage` and `error` may be NULL (sent as JSON null).
 *
 * `error` is sent as given: the caller passes text that is already
 * redacted (sp_redact_string); no secret value may reach this function.
 *
 * Returns 0 at once, doing nothing, when settings->webhooks is empty.
 * Otherwise the body is built and a detached process (own session, not a
 * child of the caller, no descriptor of the caller kept open) posts it to
 * each URL in parallel, with the default timing, and records every try in
 * <state_dir>/webhooks.log. The caller never waits for a receiver: this
 * returns as soon as the process is started, and a receiver that fails or
 * hangs never changes what the caller does. Returns negative only when the
 * process cannot be started (the event is then lost; the message says so).
 */
int sp_webhook_notify(const sp_settings *settings, const char *space_id,
                      const char *commit, const char *old_stage,
                      const char *new_stage, const char *error);

/* sp_webhook_notify with the given timing (tests use short ones). */
int sp_webhook_notify_timed(const sp_settings *settings,
                            const sp_webhook_timing *timing,
                            const char *space_id, const char *commit,
                            const char *old_stage, const char *new_stage,
                            const char *error);

/*
 * The JSON body, on one line:
 * {"event":"space.stage","space":...,"commit":...,"old_stage":...,
 *  "stage":...,"error":...,"time":"2024-05-01T12:00:00.123Z"}
 * `when_ms` is milliseconds since the epoch (UTC). Appended to `out`.
 */
int sp_webhook_body(sp_buf *out, const char *space_id, const char *commit,
                    const char *old_stage, const char *new_stage,
                    const char *error, long long when_ms);

/*
 * Append `len` bytes of `str` to `out` as a quoted JSON string: quote,
 * backslash and control characters escaped, valid UTF-8 kept, each byte of
 * invalid UTF-8 replaced by U+FFFD, so the result is always valid JSON.
 * A NULL `str` appends null.
 */
int sp_webhook_json_string(sp_buf *out, const char *str, size_t len);

/* Append "sha256=<hex HMAC-SHA256 of body under secret>" to `out`. */
int sp_webhook_signature(sp_buf *out, const char *secret, const char *body,
                         size_t len);

/*
 * Post `body` to `url` now, in the calling process, trying as `timing`
 * says and logging each try to `log_path` (may be NULL) as
 * "<time> <space_id> <stage> <url without credentials> try N/M: <outcome>".
 * Only http and https URLs are tried; redirects are not followed; at most
 * 64 KiB of the answer is read. Returns 0 when a try got a 2xx answer,
 * SP_EINVALID for a refused URL, SP_EUNREACHABLE otherwise.
 */
int sp_webhook_post(const char *url, const char *secret, const char *body,
                    const sp_webhook_timing *timing, const char *log_path,
                    const char *space_id, const char *stage);

#endif
