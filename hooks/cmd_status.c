/* spacehook status: the stage of every Space, or of one, as a table or as JSON.
 */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "banned.h"
#include "commands.h"
#include "engine.h"
#include "error.h"
#include "job.h"
#include "settings.h"
#include "space.h"
#include "store.h"
#include "term.h"

/* cJSON answers NULL only when memory ran out: die, as sp_buf does. */
static cJSON *status_json_item(cJSON *item)
{
	if (!item)
		sp_die_oom(0);
	return item;
}

/* Add `key` with `value`, or null when `value` is NULL. */
static void status_json_string(cJSON *obj, const char *key, const char *value)
{
	status_json_item(value ? cJSON_AddStringToObject(obj, key, value)
	                       : cJSON_AddNullToObject(obj, key));
}

/* One Space's record as a JSON object, added to `list`. */
static void status_json(cJSON *list, const char *id, const sp_state *st,
                        const sp_backend_status *where)
{
	cJSON *obj = status_json_item(cJSON_CreateObject());

	if (!cJSON_AddItemToArray(list, obj))
		sp_die_oom(0);
	status_json_string(obj, "space", id);
	status_json_string(obj, "stage", st->stage ? st->stage : "NO_DEPLOY");
	status_json_string(obj, "commit", st->commit);
	status_json_string(obj, "building_commit", st->building_commit);
	status_json_string(obj, "image", st->image);
	status_json_string(obj, "previous_image", st->prev_image);
	status_json_string(obj, "container", st->container);
	status_json_item(
	    cJSON_AddNumberToObject(obj, "host_port", st->host_port));
	status_json_string(obj, "url", st->url);
	status_json_string(obj, "error", st->error);
	status_json_item(
	    cJSON_AddNumberToObject(obj, "updated_at", (double)st->updated_at));
	status_json_item(
	    cJSON_AddNumberToObject(obj, "started_at", (double)st->started_at));
	status_json_item(cJSON_AddBoolToObject(obj, "paused", st->paused));
	if (*where->node)
		status_json_string(obj, "node", where->node);
	if (*where->state)
		status_json_string(obj, "task_state", where->state);
}

static void status_row(sp_buf *out, const char *id, const sp_state *st,
                       const sp_backend_status *where)
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
	if (*where->state) {
		sp_buf raw = SP_BUF_INIT, line = SP_BUF_INIT;

		/* Names the cluster gave: escaped for the terminal. */
		sp_buf_printf(&raw, "task %s on node %s", where->state,
		              *where->node ? where->node : "(none yet)");
		sp_term_escape_string(&line, raw.ptr, raw.size);
		sp_buf_printf(out, "%-28s └ %s\n", "", line.ptr);
		sp_buf_dispose(&raw);
		sp_buf_dispose(&line);
	}
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
	cJSON *list = NULL;
	char *text = NULL;
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
		list = status_json_item(cJSON_CreateArray());
	else
		sp_buf_printf(&out, "%-28s %-22s %-8s %-28s %s\n", "SPACE",
		              "STAGE", "COMMIT", "URL", "UPDATED (UTC)");
	for (size_t i = 0; i < count; i++) {
		sp_store *store = NULL;
		sp_backend_status where;
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
		memset(&where, 0, sizeof(where));
		if (engine && sp_job_reconcile(NULL, &where, &settings, store,
		                               engine, &st) < 0)
			cmd_die_message(
			    "%s: cannot compare with the engine: %s", space.id,
			    sp_error_last());
		if (json) {
			status_json(list, space.id, &st, &where);
		} else {
			status_row(&out, space.id, &st, &where);
		}
		sp_store_free(store);
		sp_state_dispose(&st);
	}
	if (json) {
		if (!(text = cJSON_PrintUnformatted(list)))
			sp_die_oom(0);
		sp_buf_puts(&out, text);
		sp_buf_putc(&out, '\n');
	}
	fwrite(out.ptr, 1, out.size, stdout);
	status = 0;
done:
	cJSON_free(text);
	cJSON_Delete(list);
	sp_engine_free(engine);
	sp_store_list_free(ids, count);
	sp_buf_dispose(&out);
	sp_settings_dispose(&settings);
	return status;
}
