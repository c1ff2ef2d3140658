/* spacehook logs: the run log of a Space's container (through the Engine API)
 * or its last build log. */
#include <dirent.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "banned.h"
#include "build.h"
#include "commands.h"
#include "engine.h"
#include "error.h"
#include "queue.h"
#include "redact.h"
#include "settings.h"
#include "space.h"
#include "store.h"
#include "term.h"

static int write_fd(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One output stream: redacted, then escaped for the terminal, then written. */
typedef struct {
	sp_redact redact;
	sp_term term;
	sp_buf shown;
	int fd;
} logs_stream;

/* The redactor's sink: what it lets through is escaped and written. */
static int logs_show(const char *data, size_t len, void *payload)
{
	logs_stream *s = payload;
	int error;

	sp_buf_clear(&s->shown);
	if ((error = sp_term_escape(&s->shown, &s->term, data, len)) < 0)
		return error;
	return write_fd(s->fd, s->shown.ptr, s->shown.size);
}

static void logs_stream_init(logs_stream *s, int fd)
{
	sp_redact_init(&s->redact, logs_show, s);
	sp_term_init(&s->term);
	sp_buf_init(&s->shown);
	s->fd = fd;
}

static void logs_stream_finish(logs_stream *s)
{
	sp_redact_flush(&s->redact);
	sp_buf_clear(&s->shown);
	if (sp_term_finish(&s->shown, &s->term) == 0)
		write_fd(s->fd, s->shown.ptr, s->shown.size);
	sp_redact_dispose(&s->redact);
	sp_buf_dispose(&s->shown);
}

/* The reader of stdout went away (an SSH client that disconnected): a
 * follow of a quiet app would otherwise wait for its next line to notice. */
static int logs_reader_gone(void)
{
	struct pollfd p = {STDOUT_FILENO, POLLOUT, 0};

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP));
}

static int logs_cb(int stream, const char *data, size_t len, void *payload)
{
	logs_stream *s = payload;

	if (stream == 0 && len == 0)
		return logs_reader_gone();
	return sp_redact_write(&s[stream == 2 ? 1 : 0].redact, data, len);
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

			if (len < 5 || len - 4 >= SP_JOB_ID_MAX ||
			    strcmp(d->d_name + len - 4, ".log"))
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
	sp_buf path = SP_BUF_INIT, text = SP_BUF_INIT, shown = SP_BUF_INIT;
	char id[SP_JOB_ID_MAX];
	int error;

	logs_newest(id, store);
	if (!id[0]) {
		cmd_die_message("%s has no build log yet",
		                sp_store_space(store)->id);
		return 1;
	}
	if (follow) {
		sp_queue_follow(NULL, store, id, STDOUT_FILENO);
		return 0;
	}
	sp_buf_printf(&path, "logs/%s.log", id);
	/* Saved redacted; escaped for the terminal as it is shown. */
	if ((error = sp_store_readat(&text, store, path.ptr, 64u << 20)) < 0 ||
	    (error = sp_term_escape_string(&shown, text.ptr, text.size)) < 0)
		cmd_die_message("%s", sp_error_last());
	else
		fwrite(shown.ptr, 1, shown.size, stdout);
	sp_buf_dispose(&path);
	sp_buf_dispose(&text);
	sp_buf_dispose(&shown);
	return error < 0;
}

int cmd_logs(int argc, char **argv)
{
	sp_settings settings = {0};
	sp_store *store = NULL;
	sp_engine *engine = NULL;
	sp_backend *backend = NULL;
	sp_kv secrets = {0};
	sp_state st;
	sp_space space;
	logs_stream streams[2];
	enum { LOGS_BUILD = CMD_LONG_ONLY, LOGS_TAIL };
	static const struct option logs_options[] = {
	    {"build", no_argument, NULL, LOGS_BUILD},
	    {"follow", no_argument, NULL, 'f'},
	    {"tail", required_argument, NULL, LOGS_TAIL},
	    {NULL, 0, NULL, 0}};
	const char *id = NULL;
	int build = 0, follow = 0, tail = -1, status = 1, c;

	if (cmd_wants_help(argc, argv)) {
		puts("usage: spacehook logs SPACE [--build] [--follow] [--tail "
		     "N]\n\n"
		     "Shows the run log of the Space's container (stdout and "
		     "stderr), or\n"
		     "with --build the log of its last build and deploy job. "
		     "--follow\n"
		     "keeps printing as the log grows; --tail N shows the last "
		     "N lines.\n"
		     "Secret values are shown as ***; control characters as\n"
		     "escapes such as \\x1b (escape) or \\u009b (C1 CSI).");
		return 0;
	}
	while ((c = getopt_long(argc, argv, ":f", logs_options, NULL)) != -1) {
		if (c == LOGS_BUILD) {
			build = 1;
		} else if (c == 'f') {
			follow = 1;
		} else if (c == LOGS_TAIL) {
			char *end;
			long n = strtol(optarg, &end, 10);

			if (!*optarg || *end || n < 0 || n > 1000000) {
				cmd_die_message(
				    "--tail takes a number of lines (got '%s')",
				    optarg);
				return 2;
			}
			tail = (int)n;
		} else {
			break;
		}
	}
	if (c == -1 && argc - optind == 1)
		id = argv[optind];
	if (!id) {
		cmd_die_message("usage: spacehook logs SPACE [--build] "
		                "[--follow] [--tail N]");
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
		cmd_die_message("%s has no container (stage %s); see "
		                "'spacehook logs %s --build'",
		                space.id, st.stage ? st.stage : "NO_DEPLOY",
		                space.id);
		goto done;
	}
	if (sp_store_kv_load(&secrets, store, SP_KV_SECRETS) < 0 ||
	    sp_engine_new(&engine, settings.docker_host) < 0) {
		cmd_die_message("%s", sp_error_last());
		goto done;
	}
	logs_stream_init(&streams[0], STDOUT_FILENO);
	logs_stream_init(&streams[1], STDERR_FILENO);
	sp_redact_add_secrets(&streams[0].redact, &secrets);
	sp_redact_add_secrets(&streams[1].redact, &secrets);
	if (sp_backend_open(&backend, engine, &settings, store, NULL, NULL) <
	        0 ||
	    backend->ops->logs(backend, st.container, tail, follow, logs_cb,
	                       streams) < 0)
		cmd_die_message("%s", sp_error_last());
	else
		status = 0;
	logs_stream_finish(&streams[0]);
	logs_stream_finish(&streams[1]);
done:
	sp_kv_dispose(&secrets);
	sp_backend_free(backend);
	sp_engine_free(engine);
	sp_state_dispose(&st);
	sp_store_free(store);
	sp_settings_dispose(&settings);
	return status;
}
