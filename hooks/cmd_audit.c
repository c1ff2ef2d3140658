/* spacehook audit: who changed what of the Spaces, from the audit log; and the
 * record each changing command appends to it. */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "banned.h"
#include "buf.h"
#include "commands.h"
#include "error.h"
#include "settings.h"
#include "space.h"

static const char audit_usage[] = "spacehook audit [SPACE] [--json]";

int cmd_audit_change(const sp_settings *settings, const char *space_id,
                     const char *action, const char *name)
{
	if (sp_audit_append(settings, space_id, action, name) == 0)
		return 0;
	cmd_die_message("%s: changed, but the audit log could not be written: "
	                "%s",
	                space_id, sp_error_last());
	return 1;
}

/* cJSON answers NULL only when memory ran out: die, as sp_buf does. */
static cJSON *audit_json_item(cJSON *item)
{
	if (!item)
		sp_die_oom(0);
	return item;
}

static void audit_json(sp_buf *out, const sp_audit_log *log)
{
	cJSON *list = audit_json_item(cJSON_CreateArray());
	char *text;

	for (size_t i = 0; i < log->count; i++) {
		const sp_audit_record *r = &log->items[i];
		cJSON *obj = audit_json_item(cJSON_CreateObject());

		audit_json_item(cJSON_AddStringToObject(obj, "time", r->time));
		audit_json_item(cJSON_AddStringToObject(obj, "user", r->user));
		audit_json_item(
		    cJSON_AddStringToObject(obj, "space", r->space));
		audit_json_item(
		    cJSON_AddStringToObject(obj, "action", r->action));
		audit_json_item(
		    r->name ? cJSON_AddStringToObject(obj, "name", r->name)
		            : cJSON_AddNullToObject(obj, "name"));
		cJSON_AddItemToArray(list, obj);
	}
	if (!(text = cJSON_PrintUnformatted(list)))
		sp_die_oom(0);
	sp_buf_puts(out, text);
	sp_buf_putc(out, '\n');
	cJSON_free(text);
	cJSON_Delete(list);
}

#define AUDIT_COLUMNS 5

/* The columns of a record; a missing name shows as "-". */
static void audit_cells(const char *cells[AUDIT_COLUMNS],
                        const sp_audit_record *r)
{
	cells[0] = r->time;
	cells[1] = r->user;
	cells[2] = r->space;
	cells[3] = r->action;
	cells[4] = r->name ? r->name : "-";
}

/* The cells of one line, each but the last padded to its column's width. */
static void audit_line(sp_buf *out, const char *cells[AUDIT_COLUMNS],
                       const size_t width[AUDIT_COLUMNS])
{
	for (int c = 0; c < AUDIT_COLUMNS - 1; c++)
		sp_buf_printf(out, "%-*s  ", (int)width[c], cells[c]);
	sp_buf_printf(out, "%s\n", cells[AUDIT_COLUMNS - 1]);
}

static void audit_table(sp_buf *out, const sp_audit_log *log)
{
	const char *header[AUDIT_COLUMNS] = {"TIME", "USER", "SPACE", "ACTION",
	                                     "NAME"};
	const char *cells[AUDIT_COLUMNS];
	size_t width[AUDIT_COLUMNS];

	for (int c = 0; c < AUDIT_COLUMNS; c++)
		width[c] = strlen(header[c]);
	for (size_t i = 0; i < log->count; i++) {
		audit_cells(cells, &log->items[i]);
		for (int c = 0; c < AUDIT_COLUMNS; c++)
			if (strlen(cells[c]) > width[c])
				width[c] = strlen(cells[c]);
	}
	audit_line(out, header, width);
	for (size_t i = 0; i < log->count; i++) {
		audit_cells(cells, &log->items[i]);
		audit_line(out, cells, width);
	}
}

int cmd_audit(int argc, char **argv)
{
	static const struct option audit_options[] = {
	    {"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
	sp_settings settings = {0};
	sp_audit_log log = {NULL, 0, 0};
	sp_buf out = SP_BUF_INIT;
	sp_space space;
	const char *only = NULL;
	int json = 0, status = 1, c;

	if (cmd_wants_help(argc, argv)) {
		printf("usage: %s\n\n"
		       "Shows the audit log, oldest first: when (UTC), who "
		       "(the SSH user, or\n"
		       "admin:<login> for the local command), which Space, "
		       "what was done and\n"
		       "to which secret, variable or user (a name, never a "
		       "value; - when\n"
		       "none). With SPACE only that Space's records. --json "
		       "prints one JSON\n"
		       "array instead of the table.\n",
		       audit_usage);
		return 0;
	}
	while ((c = getopt_long(argc, argv, "", audit_options, NULL)) != -1) {
		if (c != 'j') {
			cmd_die_message("audit: unknown option '%s'; usage: %s",
			                cmd_bad_option(argv), audit_usage);
			return 2;
		}
		json = 1;
	}
	if (argc - optind > 1) {
		cmd_die_message("usage: %s", audit_usage);
		return 2;
	}
	if (optind < argc) {
		if (sp_space_parse(&space, argv[optind]) < 0) {
			cmd_die_message("%s", sp_error_last());
			return 2;
		}
		only = space.id;
	}
	if (sp_settings_load(&settings, NULL) < 0 ||
	    sp_audit_read(&log, &settings, only) < 0) {
		cmd_die_message("%s", sp_error_last());
		goto done;
	}
	if (log.skipped)
		cmd_die_message(
		    "warning: %zu malformed line%s of '%s/audit.log' "
		    "left out",
		    log.skipped, log.skipped == 1 ? "" : "s",
		    settings.state_dir);
	if (json)
		audit_json(&out, &log);
	else
		audit_table(&out, &log);
	if (fwrite(out.ptr, 1, out.size, stdout) != out.size ||
	    fflush(stdout) != 0) {
		cmd_die_message("cannot write the audit log out");
		goto done;
	}
	status = 0;
done:
	sp_audit_log_dispose(&log);
	sp_buf_dispose(&out);
	sp_settings_dispose(&settings);
	return status;
}
