/* spacehook logs: the run log of a Space's container (through the Engine API) or its last build log. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build.h"
#include "commands.h"
#include "engine.h"
#include "error.h"
#include "job.h"
#include "redact.h"
#include "settings.h"
#include "space.h"
#include "store.h"
#include "banned.h"

static int write_fd(const char *data, size_t len, void *payload)
{
	int fd = *(int *)payload;

	while (len) {
		ssize_t n = write(fd, data, len);

		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

typedef struct {
	sp_redact out;
	sp_redact err;
} logs_streams;

static int logs_cb(int stream, const char *data, size_t len, void *payload)
{
	logs_streams *s = payload;

	return sp_redact_write(stream == 2 ? &s->err : &s->out, data, len);
}

/* The newest job log id of the Space ("" when none). */
static void logs_newest(char out[SP_JOB_ID_MAX], sp_store *store)
{
	struct dirent *d;
	DIR *dh;

	out[0] = '\0';
	if (sp_store_opendirat(&dh, store, "logs") == 0) {
		while ((d = readdir(dh))) {
			size_t len = strlen(d->d_name);

			if (len < 5 || len - 4 >= SP_JOB_ID_MAX || strcmp(d->d_name + len - 4, ".log"))
				continue;
			if (strncmp(d->d_name, out, len - 4) > 0 || !out[0]) {
				memcpy(out, d->d_name, len - 4);
				out[len - 4] = '\0';
			}
		}
		closedir(dh);
	}
}

static int logs_build(sp_store *store, int follow)
{
	sp_buf path = SP_BUF_INIT, text = SP_BUF_INIT;
	char id[SP_JOB_ID_MAX];
	int error;

	logs_newest(id, store);
	if (!id[0]) {
		cmd_die_message("%s has no build log yet", sp_store_space(store)->id);
		return 1;
	}
	if (follow) {
		sp_job_follow(NULL, store, id, STDOUT_FILENO);
		return 0;
	}
	sp_buf_printf(&path, "logs/%s.log", id);
	if ((error = sp_store_readat(&text, store, path.ptr, 64u << 20)) < 0)
		cmd_die_message("%s", sp_error_last());
	else
		fwrite(text.ptr, 1, text.size, stdout);
	sp_buf_dispose(&path);
	sp_buf_dispose(&text);
	return error < 0;
}

int cmd_logs(int argc, char **argv)
{
	sp_settings settings = { 0 };
	sp_store *store = NULL;
	sp_engine *engine = NULL;
	sp_kv secrets = { 0 };
	sp_state st;
	sp_space space;
	logs_streams streams;
	const char *id = NULL;
	int build = 0, follow = 0, tail = -1, status = 1, out_fd = 1, err_fd = 2;

	if (cmd_wants_help(argc, argv)) {
		puts("usage: spacehook logs SPACE [--build] [--follow] [--tail N]\n\n"
		     "Shows the run log of the Space's container (stdout and stderr), or\n"
		     "with --build the log of its last build and deploy job. --follow\n"
		     "keeps printing as the log grows; --tail N shows the last N lines.\n"
		     "Secret values are shown as ***.");
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--build"))
			build = 1;
		else if (!strcmp(argv[i], "--follow") || !strcmp(argv[i], "-f"))
			follow = 1;
		else if (!strcmp(argv[i], "--tail") && i + 1 < argc) {
			char *end;
			long n = strtol(argv[++i], &end, 10);

			if (*end || n < 0 || n > 1000000) {
				cmd_die_message("--tail takes a number of lines (got '%s')", argv[i]);
				return 2;
			}
			tail = (int)n;
		} else if (argv[i][0] == '-' || id) {
			cmd_die_message("usage: spacehook logs SPACE [--build] [--follow] [--tail N]");
			return 2;
		} else
			id = argv[i];
	}
	if (!id) {
		cmd_die_message("usage: spacehook logs SPACE [--build] [--follow] [--tail N]");
		return 2;
	}
	sp_state_init(&st);
	if (sp_space_parse(&space, id) < 0) {
		cmd_die_message("%s", sp_error_last());
		return 2;
	}
	if (sp_settings_load(&settings, NULL) < 0 ||
	    sp_store_open(&store, settings.state_dir, &space) < 0 ||
	    sp_state_load(&st, store) < 0) {
		cmd_die_message("%s", sp_error_last());
		goto done;
	}
	if (build) {
		status = logs_build(store, follow);
		goto done;
	}
	if (!st.container) {
		cmd_die_message("%s has no container (stage %s); see 'spacehook logs %s --build'",
				space.id, st.stage ? st.stage : "NO_DEPLOY", space.id);
		goto done;
	}
	if (sp_store_kv_load(&secrets, store, SP_KV_SECRETS) < 0 ||
	    sp_engine_new(&engine, settings.docker_host) < 0) {
		cmd_die_message("%s", sp_error_last());
		goto done;
	}
	sp_redact_init(&streams.out, write_fd, &out_fd);
	sp_redact_init(&streams.err, write_fd, &err_fd);
	sp_build_redact_secrets(&streams.out, &secrets);
	sp_build_redact_secrets(&streams.err, &secrets);
	if (sp_engine_container_logs(engine, st.container, tail, follow, 0, logs_cb, &streams) < 0)
		cmd_die_message("%s", sp_error_last());
	else
		status = 0;
	sp_redact_flush(&streams.out);
	sp_redact_flush(&streams.err);
	sp_redact_dispose(&streams.out);
	sp_redact_dispose(&streams.err);
done:
	sp_kv_dispose(&secrets);
	sp_engine_free(engine);
	sp_state_dispose(&st);
	sp_store_free(store);
	sp_settings_dispose(&settings);
	return status;
}
