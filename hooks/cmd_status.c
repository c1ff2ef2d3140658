/* spacehook status: the stage of every Space, or of one, as a table or as JSON.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "banned.h"
#include "commands.h"
#include "engine.h"
#include "error.h"
#include "job.h"
#include "settings.h"
#include "space.h"
#include "store.h"
#include "term.h"

static void json_string(sp_buf *out, const char *s)
{
	if (!s) {
		sp_buf_puts(out, "null");
		return;
	}
	sp_buf_putc(out, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			sp_buf_printf(out, "\\%c", *p);
		else if (*p == '\n')
			sp_buf_puts(out, "\\n");
		else if (*p < 0x20)
			sp_buf_printf(out, "\\u%04x", *p);
		else
			sp_buf_putc(out, (char)*p);
	}
	sp_buf_putc(out, '"');
}

static void status_json(sp_buf *out, const char *id, const sp_state *st)
{
	sp_buf_puts(out, "{\"space\":");
	json_string(out, id);
	sp_buf_puts(out, ",\"stage\":");
	json_string(out, st->stage ? st->stage : "NO_DEPLOY");
	sp_buf_puts(out, ",\"commit\":");
	json_string(out, st->commit);
	sp_buf_puts(out, ",\"building_commit\":");
	json_string(out, st->building_commit);
	sp_buf_puts(out, ",\"image\":");
	json_string(out, st->image);
	sp_buf_puts(out, ",\"previous_image\":");
	json_string(out, st->prev_image);
	sp_buf_puts(out, ",\"container\":");
	json_string(out, st->container);
	sp_buf_printf(out, ",\"host_port\":%d,\"url\":", st->host_port);
	json_string(out, st->url);
	sp_buf_puts(out, ",\"error\":");
	json_string(out, st->error);
	sp_buf_printf(
	    out, ",\"updated_at\":%lld,\"started_at\":%lld,\"paused\":%s}",
	    st->updated_at, st->started_at, st->paused ? "true" : "false");
}

static void status_row(sp_buf *out, const char *id, const sp_state *st)
{
	char when[32] = "-";
	time_t t = (time_t)st->updated_at;
	struct tm tm;
	const char *err = st->error;
	size_t errlen = 0;

	if (st->updated_at) {
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	}
	sp_buf_printf(out, "%-28s %-22s %-8.7s %-28s %s\n", id,
	              st->stage ? st->stage : "NO_DEPLOY",
	              st->commit ? st->commit : "-", st->url ? st->url : "-",
	              when);
	if (err && *err && st->stage && strcmp(st->stage, "RUNNING")) {
		sp_buf line = SP_BUF_INIT;

		/* It may quote build or app output: escaped for the terminal.
		 */
		errlen = strcspn(err, "\n");
		sp_term_escape_string(&line, err, errlen > 200 ? 200 : errlen);
		sp_buf_printf(out, "%-28s └ %s\n", "", line.ptr);
		sp_buf_dispose(&line);
	}
}

int cmd_status(int argc, char **argv)
{
	sp_settings settings = {0};
	sp_engine *engine = NULL;
	sp_buf out = SP_BUF_INIT;
	char **ids = NULL;
	size_t count = 0;
	static const struct option status_options[] = {
	    {"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
	const char *only = NULL;
	int json = 0, status = 1, c;

	if (cmd_wants_help(argc, argv)) {
		puts("usage: spacehook status [SPACE] [--json]\n\n"
		     "Shows each Space's stage (Hugging Face's names: "
		     "BUILDING, RUNNING,\n"
		     "BUILD_ERROR, RUNTIME_ERROR, ...), the commit serving, "
		     "its URL and\n"
		     "when it last changed, with the last error under a failed "
		     "one.\n"
		     "--json prints one JSON array instead of the table.");
		return 0;
	}
	while ((c = getopt_long(argc, argv, "", status_options, NULL)) != -1) {
		if (c != 'j')
			break;
		json = 1;
	}
	if (c != -1 || argc - optind > 1) {
		cmd_die_message("usage: spacehook status [SPACE] [--json]");
		return 2;
	}
	only = optind < argc ? argv[optind] : NULL;
	if (sp_settings_load(&settings, NULL) < 0) {
		cmd_die_message("%s", sp_error_last());
		return 1;
	}
	if (only) {
		sp_space space;

		if (sp_space_parse(&space, only) < 0) {
			cmd_die_message("%s", sp_error_last());
			status = 2;
			goto done;
		}
		ids = sp_calloc(1, sizeof(*ids));
		ids[0] = sp_strdup(space.id);
		count = 1;
	} else if (sp_store_list(&ids, &count, settings.state_dir) < 0) {
		cmd_die_message("%s", sp_error_last());
		goto done;
	}
	/* The record is compared with what the engine runs, when it answers. */
	if (count && sp_engine_new(&engine, settings.docker_host) < 0) {
		cmd_die_message("%s; stages are shown as last recorded",
		                sp_error_last());
		engine = NULL;
	}
	if (json)
		sp_buf_putc(&out, '[');
	else
		sp_buf_printf(&out, "%-28s %-22s %-8s %-28s %s\n", "SPACE",
		              "STAGE", "COMMIT", "URL", "UPDATED (UTC)");
	for (size_t i = 0; i < count; i++) {
		sp_store *store = NULL;
		sp_space space;
		sp_state st;

		sp_state_init(&st);
		if (sp_space_parse(&space, ids[i]) < 0 ||
		    sp_store_open(&store, settings.state_dir, &space) < 0 ||
		    sp_state_load(&st, store) < 0) {
			cmd_die_message("%s: %s", ids[i], sp_error_last());
			sp_store_free(store);
			sp_state_dispose(&st);
			goto done;
		}
		if (engine && sp_job_reconcile(NULL, store, engine, &st) < 0)
			cmd_die_message(
			    "%s: cannot compare with the engine: %s", space.id,
			    sp_error_last());
		if (json) {
			if (i)
				sp_buf_putc(&out, ',');
			status_json(&out, space.id, &st);
		} else {
			status_row(&out, space.id, &st);
		}
		sp_store_free(store);
		sp_state_dispose(&st);
	}
	if (json)
		sp_buf_puts(&out, "]\n");
	fwrite(out.ptr, 1, out.size, stdout);
	status = 0;
done:
	sp_engine_free(engine);
	sp_store_list_free(ids, count);
	sp_buf_dispose(&out);
	sp_settings_dispose(&settings);
	return status;
}
