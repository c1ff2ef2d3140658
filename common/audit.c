/* The audit log: each change to a Space appended as one JSON line under an
 * flock, and read back with malformed lines left out. */
#include "audit.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "space.h"
#include "store.h"
#include "utf8.h"

#include "banned.h"

#define AUDIT_FILE "audit.log"
/* The longest action or name a record takes. */
#define AUDIT_WORD_MAX 256

/* Text a record may hold: valid UTF-8 without control characters (C0, DEL,
 * C1), so that it shows on a terminal as it is. */
static int audit_text_ok(const char *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = sp_utf8_len(s + i, len - i);

		if (!n)
			return 0;
		sp_utf8_decode(&cp, s + i, len - i);
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return 0;
		i += n;
	}
	return 1;
}

/* An action or a name: 1..AUDIT_WORD_MAX bytes of text. */
static int audit_word_ok(const char *s)
{
	size_t len = strlen(s);

	return len > 0 && len <= AUDIT_WORD_MAX && audit_text_ok(s, len);
}

void sp_audit_actor(sp_buf *out)
{
	const char *user = getenv(SP_AUDIT_USER_ENV);
	struct passwd pw, *found = NULL;
	uid_t uid = geteuid();
	long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
	size_t size = hint > 0 ? (size_t)hint : 4096;
	char *mem = NULL;
	int rc;

	sp_buf_clear(out);
	if (sp_space_owner_valid(user)) {
		sp_buf_puts(out, user);
		return;
	}
	for (;;) {
		mem = sp_calloc(size, 1);
		rc = getpwuid_r(uid, &pw, mem, size, &found);
		if (rc != ERANGE || size >= 1024 * 1024)
			break;
		free(mem);
		size *= 2;
	}
	if (rc == 0 && found && sp_space_owner_valid(found->pw_name))
		sp_buf_printf(out, "admin:%s", found->pw_name);
	else
		sp_buf_printf(out, "admin:uid%ld", (long)uid);
	free(mem);
}

/* cJSON answers NULL only when memory ran out: die, as sp_buf does. */
static cJSON *audit_json_item(cJSON *item)
{
	if (!item)
		sp_die_oom(0);
	return item;
}

/* The record as one line of JSON, newline included, into `out`. */
static void audit_format(sp_buf *out, const char *stamp, const char *user,
                         const char *space_id, const char *action,
                         const char *name)
{
	cJSON *obj = audit_json_item(cJSON_CreateObject());
	char *text;

	audit_json_item(cJSON_AddStringToObject(obj, "time", stamp));
	audit_json_item(cJSON_AddStringToObject(obj, "user", user));
	audit_json_item(cJSON_AddStringToObject(obj, "space", space_id));
	audit_json_item(cJSON_AddStringToObject(obj, "action", action));
	audit_json_item(name ? cJSON_AddStringToObject(obj, "name", name)
	                     : cJSON_AddNullToObject(obj, "name"));
	if (!(text = cJSON_PrintUnformatted(obj)))
		sp_die_oom(0);
	sp_buf_puts(out, text);
	sp_buf_putc(out, '\n');
	cJSON_free(text);
	cJSON_Delete(obj);
}

int sp_audit_append(const sp_settings *settings, const char *space_id,
                    const char *action, const char *name)
{
	sp_buf actor = SP_BUF_INIT, line = SP_BUF_INIT;
	sp_space space;
	struct stat st;
	struct tm tm;
	time_t now = time(NULL);
	char stamp[32];
	ssize_t n;
	int fd = -1, error = 0;

	if ((error = sp_space_parse(&space, space_id ? space_id : "")) < 0)
		goto done;
	if (!action || !audit_word_ok(action)) {
		error = sp_error_set(SP_EINVALID,
		                     "an audit action is 1 to %d bytes of text "
		                     "without control characters",
		                     AUDIT_WORD_MAX);
		goto done;
	}
	if (name && !audit_word_ok(name)) {
		error = sp_error_set(SP_EINVALID,
		                     "an audit name is 1 to %d bytes of text "
		                     "without control characters",
		                     AUDIT_WORD_MAX);
		goto done;
	}
	sp_audit_actor(&actor);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	audit_format(&line, stamp, actor.ptr, space.id, action, name);

	if ((fd = sp_store_state_openat(settings->state_dir, AUDIT_FILE,
	                                O_WRONLY | O_APPEND | O_CREAT |
	                                    O_NOFOLLOW | O_CLOEXEC,
	                                0600)) < 0) {
		error = fd;
		fd = -1;
		goto done;
	}
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			error =
			    sp_error_set_os(SP_EIO, "cannot lock '%s/%s'",
			                    settings->state_dir, AUDIT_FILE);
			goto done;
		}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		error = sp_error_set(SP_EINVALID,
		                     "'%s/%s' is not a regular file; fix: rm "
		                     "'%s/%s'",
		                     settings->state_dir, AUDIT_FILE,
		                     settings->state_dir, AUDIT_FILE);
		goto done;
	}
	/* One write: the line goes whole or, cut short, is taken back. */
	do
		n = write(fd, line.ptr, line.size);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)line.size) {
		int err = n < 0 ? errno : ENOSPC;

		if (n > 0 && ftruncate(fd, st.st_size) < 0)
			err = errno;
		errno = err;
		error = sp_error_set_os(SP_EIO, "cannot write '%s/%s'",
		                        settings->state_dir, AUDIT_FILE);
		goto done;
	}
done:
	if (fd >= 0)
		close(fd);
	sp_buf_dispose(&actor);
	sp_buf_dispose(&line);
	return error;
}

static void audit_record_dispose(sp_audit_record *rec)
{
	free(rec->time);
	free(rec->user);
	free(rec->space);
	free(rec->action);
	free(rec->name);
	memset(rec, 0, sizeof(*rec));
}

void sp_audit_log_dispose(sp_audit_log *log)
{
	for (size_t i = 0; i < log->count; i++)
		audit_record_dispose(&log->items[i]);
	free(log->items);
	log->items = NULL;
	log->count = 0;
	log->skipped = 0;
}

/*
 * The next line of `f`, without its newline, into `line`: 1, or 0 at the end
 * of the file. `*toolong` says it passed SP_AUDIT_LINE_MAX bytes (the rest
 * of it is read and dropped).
 */
static int audit_next_line(sp_buf *line, int *toolong, FILE *f)
{
	int c, any = 0;

	sp_buf_clear(line);
	*toolong = 0;
	while ((c = getc(f)) != EOF) {
		any = 1;
		if (c == '\n')
			break;
		if (line->size >= SP_AUDIT_LINE_MAX)
			*toolong = 1;
		else
			sp_buf_putc(line, (char)c);
	}
	return any;
}

/* The text field `key` of `obj`, or NULL when it is missing or no fit text.
 */
static const char *audit_field(const cJSON *obj, const char *key)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
	const char *s = cJSON_GetStringValue(item);

	return s && *s && audit_text_ok(s, strlen(s)) ? s : NULL;
}

/* A line as a record into `out`: 0, or -1 when it is none. */
static int audit_parse(sp_audit_record *out, const sp_buf *line)
{
	const char *stamp, *user, *space, *action, *name = NULL;
	const cJSON *item;
	cJSON *obj = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!line->size || memchr(line->ptr, '\0', line->size) ||
	    !(obj = cJSON_ParseWithOpts(line->ptr, NULL, 1)) ||
	    !cJSON_IsObject(obj))
		goto done;
	stamp = audit_field(obj, "time");
	user = audit_field(obj, "user");
	space = audit_field(obj, "space");
	action = audit_field(obj, "action");
	item = cJSON_GetObjectItemCaseSensitive(obj, "name");
	if (item && !cJSON_IsNull(item) && !(name = audit_field(obj, "name")))
		goto done;
	if (!stamp || !user || !space || !action)
		goto done;
	out->time = sp_strdup(stamp);
	out->user = sp_strdup(user);
	out->space = sp_strdup(space);
	out->action = sp_strdup(action);
	out->name = name ? sp_strdup(name) : NULL;
	rc = 0;
done:
	cJSON_Delete(obj);
	return rc;
}

int sp_audit_read(sp_audit_log *out, const sp_settings *settings,
                  const char *space_id)
{
	sp_buf line = SP_BUF_INIT;
	sp_space space;
	sp_audit_record rec;
	size_t alloc = 0;
	FILE *f = NULL;
	int fd = -1, toolong, error = 0;

	memset(out, 0, sizeof(*out));
	if (space_id && (error = sp_space_parse(&space, space_id)) < 0)
		return error;
	fd = sp_store_state_openat(settings->state_dir, AUDIT_FILE,
	                           O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0);
	if (fd == SP_ENOTFOUND) {
		sp_error_clear();
		return 0;
	}
	if (fd < 0)
		return fd;
	while (flock(fd, LOCK_SH) < 0)
		if (errno != EINTR) {
			error =
			    sp_error_set_os(SP_EIO, "cannot lock '%s/%s'",
			                    settings->state_dir, AUDIT_FILE);
			goto done;
		}
	if (!(f = fdopen(fd, "r"))) {
		error = sp_error_set_os(SP_EIO, "cannot read '%s/%s'",
		                        settings->state_dir, AUDIT_FILE);
		goto done;
	}
	fd = -1;
	while (audit_next_line(&line, &toolong, f)) {
		if (toolong || audit_parse(&rec, &line) < 0) {
			out->skipped++;
			continue;
		}
		if (space_id && strcmp(rec.space, space.id)) {
			audit_record_dispose(&rec);
			continue;
		}
		if (out->count == alloc) {
			sp_audit_record *grown;

			alloc = alloc ? 2 * alloc : 16;
			if (!(grown =
			          realloc(out->items, alloc * sizeof(*grown))))
				sp_die_oom(alloc * sizeof(*grown));
			out->items = grown;
		}
		out->items[out->count++] = rec;
	}
	if (ferror(f))
		error = sp_error_set_os(SP_EIO, "cannot read '%s/%s'",
		                        settings->state_dir, AUDIT_FILE);
done:
	if (f)
		fclose(f);
	if (fd >= 0)
		close(fd);
	sp_buf_dispose(&line);
	if (error < 0)
		sp_audit_log_dispose(out);
	return error;
}
