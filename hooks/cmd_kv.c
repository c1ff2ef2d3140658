/* spacehook secrets and spacehook variables: set, list and unset the values a
 * Space's container and build get. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "buf.h"
#include "commands.h"
#include "error.h"
#include "job.h"
#include "redact.h"
#include "settings.h"
#include "space.h"
#include "store.h"
#include "utf8.h"

#include "banned.h"

static const char secrets_usage[] =
    "usage: spacehook secrets set [--no-restart] SPACE NAME   (value on "
    "stdin)\n"
    "       spacehook secrets list SPACE\n"
    "       spacehook secrets unset [--no-restart] SPACE NAME\n"
    "\n"
    "Secrets reach the running container as environment variables and the\n"
    "build only as BuildKit secret mounts. The value is read from stdin (with\n"
    "echo off on a terminal), one trailing newline dropped; it is never taken\n"
    "from the command line and never printed. It must be UTF-8 text without\n"
    "NUL bytes (encode binary data with base64); a value shorter than 8\n"
    "bytes is stored with a warning, as logs cannot hide it safely. Names\n"
    "starting with BUILDKIT_ or SPACEHOOK_ are reserved. 'list' prints\n"
    "names only.\n"
    "After a change a running Space is restarted, unless --no-restart.\n";

static const char variables_usage[] =
    "usage: spacehook variables set [--no-restart] SPACE NAME [VALUE]\n"
    "       spacehook variables list SPACE\n"
    "       spacehook variables unset [--no-restart] SPACE NAME\n"
    "\n"
    "Variables reach the running container as environment variables and the\n"
    "build as --build-arg. Without VALUE it is read from stdin, one trailing\n"
    "newline dropped; it must be UTF-8 text without NUL bytes. Names\n"
    "starting with BUILDKIT_ or SPACEHOOK_ are reserved. 'list' prints\n"
    "NAME=value lines. After a change a running Space is restarted, unless\n"
    "--no-restart.\n";

typedef struct {
	sp_kv_kind kind;
	const char *noun; /* "secret" */
	const char *usage;
	const char *verb; /* "set", "list", "unset" */
	const char *args[3];
	int nargs;
	int no_restart;
} kv_command;

static struct termios kv_saved_termios;
static volatile sig_atomic_t kv_echo_off;

static void kv_restore_echo(void)
{
	if (kv_echo_off) {
		tcsetattr(STDIN_FILENO, TCSANOW, &kv_saved_termios);
		kv_echo_off = 0;
	}
}

static void kv_on_signal(int sig)
{
	kv_restore_echo();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Read one line from the terminal, echo off for a secret, at most `max` bytes.
 */
static int kv_read_tty(sp_buf *out, const kv_command *cmd, const char *name,
                       const char *space_id, size_t max)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP};
	struct sigaction sa, old[sizeof(sigs) / sizeof(sigs[0])];
	int secret = cmd->kind == SP_KV_SECRETS, error = 0;

	fprintf(stderr,
	        "%s %s of %s: ", secret ? "Secret" : "Value of variable", name,
	        space_id);
	fflush(stderr);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kv_on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, &old[i]);
	if (secret && tcgetattr(STDIN_FILENO, &kv_saved_termios) == 0) {
		struct termios quiet = kv_saved_termios;

		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0)
			kv_echo_off = 1;
	}
	for (;;) {
		char c;
		ssize_t n = read(STDIN_FILENO, &c, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error =
			    sp_error_set_os(SP_EIO, "cannot read the value");
			break;
		}
		if (n == 0 || c == '\n')
			break;
		if (out->size >= max) {
			error = sp_error_set(
			    SP_ETOOBIG, "the value is larger than %d bytes",
			    SP_KV_VALUE_MAX);
			break;
		}
		sp_buf_putc(out, c);
	}
	kv_restore_echo();
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &old[i], NULL);
	return error;
}

static int kv_read_value(sp_buf *out, const kv_command *cmd, const char *name,
                         const char *space_id)
{
	int error;

	if (isatty(STDIN_FILENO)) {
		error =
		    kv_read_tty(out, cmd, name, space_id, SP_KV_VALUE_MAX + 1);
	} else {
		error = sp_buf_read_fd(out, STDIN_FILENO, SP_KV_VALUE_MAX + 2);
		if (error == SP_ETOOBIG)
			error = sp_error_set(
			    SP_ETOOBIG, "the value is larger than %d bytes",
			    SP_KV_VALUE_MAX);
		if (error == 0 && out->size &&
		    out->ptr[out->size - 1] == '\n') {
			sp_buf_truncate(out, out->size - 1);
			if (out->size && out->ptr[out->size - 1] == '\r')
				sp_buf_truncate(out, out->size - 1);
		}
	}
	if (error < 0)
		return error;
	if (out->size > SP_KV_VALUE_MAX)
		return sp_error_set(SP_ETOOBIG,
		                    "the value is larger than %d bytes",
		                    SP_KV_VALUE_MAX);
	if (out->size == 0)
		return sp_error_set(SP_EINVALID,
		                    "empty value for %s refused (to remove it: "
		                    "spacehook %ss unset)",
		                    name, cmd->noun);
	return 0;
}

/*
 * Refuse a value that is not text (a NUL byte, not UTF-8). A secret that logs
 * cannot hide well gets a `warning` (shown once it is stored). The value is
 * never part of either.
 */
static int kv_check_value(sp_buf *warning, const sp_buf *value,
                          const kv_command *cmd, const char *name,
                          const char *space_id)
{
	const char *what = NULL;
	size_t shortlines = 0;

	if (memchr(value->ptr, '\0', value->size))
		what = "holds a NUL byte";
	else if (sp_utf8_check(value->ptr, value->size) != value->size)
		what = "is not valid UTF-8";
	if (what)
		return sp_error_set(
		    SP_EINVALID,
		    "the value of %s %s: nothing is stored; values are text, "
		    "so encode binary data first, e.g. base64 -w0 FILE | "
		    "spacehook %ss set %s %s",
		    name, what, cmd->noun, space_id, name);
	if (cmd->kind != SP_KV_SECRETS)
		return 0;
	if (value->size < SP_REDACT_SAFE_MIN) {
		sp_buf_printf(
		    warning,
		    "warning: the secret %s is stored, but it is shorter than "
		    "%d bytes: logs cannot hide so short a value safely (it "
		    "also occurs in ordinary output, and each *** there shows "
		    "where it is); use a longer value",
		    name, SP_REDACT_SAFE_MIN);
		return 0;
	}
	if (!memchr(value->ptr, '\n', value->size))
		return 0;
	for (const char *line = value->ptr, *end;
	     line < value->ptr + value->size; line = end + 1) {
		size_t n;

		if (!(end = memchr(line, '\n',
		                   (size_t)(value->ptr + value->size - line))))
			end = value->ptr + value->size;
		n = (size_t)(end - line);
		if (n && line[n - 1] == '\r')
			n--;
		if (n && n < SP_REDACT_LINE_MIN)
			shortlines++;
	}
	if (shortlines)
		sp_buf_printf(
		    warning,
		    "warning: the secret %s is stored, but %zu of its lines "
		    "%s shorter than %d bytes: printed on a line of its own, "
		    "such a line is not hidden in logs",
		    name, shortlines, shortlines == 1 ? "is" : "are",
		    SP_REDACT_LINE_MIN);
	return 0;
}

static void kv_wipe(sp_buf *buf)
{
	if (buf->asize)
		explicit_bzero(buf->ptr, buf->asize);
	sp_buf_dispose(buf);
}

#define KV_NO_RESTART CMD_LONG_ONLY

/* Parse "VERB [--no-restart] ARGS..."; 0, or 2 after printing a usage error. */
static int kv_parse(kv_command *cmd, int argc, char **argv)
{
	static const struct option kv_options[] = {
	    {"no-restart", no_argument, NULL, KV_NO_RESTART},
	    {NULL, 0, NULL, 0}};
	const char *arg;
	int min, max, c;

	if (argc < 2) {
		fputs(cmd->usage, stderr);
		return 2;
	}
	cmd->verb = argv[1];
	if (!strcmp(cmd->verb, "list")) {
		min = max = 1;
	} else if (!strcmp(cmd->verb, "unset")) {
		min = max = 2;
	} else if (!strcmp(cmd->verb, "set")) {
		min = 2;
		max = cmd->kind == SP_KV_VARIABLES ? 3 : 2;
	} else {
		cmd_die_message(
		    "%ss: unknown subcommand '%.64s' (set, list or unset)",
		    cmd->noun, cmd->verb);
		return 2;
	}
	/* What follows the verb; getopt_long takes the verb for the name. */
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "", kv_options, NULL)) != -1) {
		if (c == KV_NO_RESTART && strcmp(cmd->verb, "list")) {
			cmd->no_restart = 1;
			continue;
		}
		arg =
		    c == KV_NO_RESTART ? "--no-restart" : cmd_bad_option(argv);
		/* Up to any '=': what follows might be a value. */
		cmd_die_message(
		    "%ss %s: unknown option '%.*s'", cmd->noun, cmd->verb,
		    (int)strcspn(arg, "=") > 64 ? 64 : (int)strcspn(arg, "="),
		    arg);
		fputs(cmd->usage, stderr);
		return 2;
	}
	for (int i = optind; i < argc; i++) {
		if (cmd->nargs < max) {
			cmd->args[cmd->nargs++] = argv[i];
			continue;
		}
		if (cmd->kind == SP_KV_SECRETS && !strcmp(cmd->verb, "set"))
			cmd_die_message("secrets set: the value is read from "
			                "stdin, never from the command line");
		else
			cmd_die_message("%ss %s: too many arguments", cmd->noun,
			                cmd->verb);
		fputs(cmd->usage, stderr);
		return 2;
	}
	if (cmd->nargs < min) {
		cmd_die_message("%ss %s: missing %s", cmd->noun, cmd->verb,
		                cmd->nargs == 0 ? "SPACE" : "NAME");
		fputs(cmd->usage, stderr);
		return 2;
	}
	return 0;
}

static int kv_list(const kv_command *cmd, const sp_settings *settings,
                   const sp_space *space)
{
	sp_store *store = NULL;
	sp_kv kv = {NULL, 0};
	int error = 0;

	if (!sp_store_exists(settings->state_dir, space))
		return 0;
	if ((error = sp_store_open(&store, settings->state_dir, space)) < 0 ||
	    (error = sp_store_kv_load(&kv, store, cmd->kind)) < 0)
		goto done;
	for (size_t i = 0; i < kv.count; i++) {
		if (cmd->kind == SP_KV_SECRETS)
			printf("%s\n", kv.items[i].name);
		else
			printf("%s=%s\n", kv.items[i].name, kv.items[i].value);
	}
	if (fflush(stdout) != 0)
		error = sp_error_set_os(SP_EIO, "cannot write the list");
done:
	sp_kv_dispose(&kv);
	sp_store_free(store);
	return error;
}

/* Set or unset; `*audit_failed` says the change was made but its audit
 * record could not be written (already said on stderr). */
static int kv_change(int *audit_failed, const kv_command *cmd,
                     const sp_settings *settings, const sp_space *space)
{
	const char *name = cmd->args[1];
	sp_store *store = NULL;
	sp_buf value = SP_BUF_INIT, message = SP_BUF_INIT,
	       warning = SP_BUF_INIT, action = SP_BUF_INIT;
	int set = !strcmp(cmd->verb, "set"), error;

	if (!sp_kv_name_valid(name)) {
		sp_buf quoted = SP_BUF_INIT;

		for (size_t i = 0; name[i] && i < 64; i++)
			sp_buf_putc(&quoted, (unsigned char)name[i] < 0x20 ||
			                             name[i] == 0x7f
			                         ? '?'
			                         : name[i]);
		error = sp_error_set(
		    SP_EINVALID,
		    "invalid name '%s%s': use letters, digits and '_', not "
		    "starting with a digit, at most %d characters",
		    quoted.ptr, strlen(name) > 64 ? "..." : "", SP_KV_NAME_MAX);
		sp_buf_dispose(&quoted);
		return error;
	}
	if (set && (error = sp_kv_name_settable(name)) < 0)
		return error;
	if (!set && !sp_store_exists(settings->state_dir, space))
		return sp_error_set(SP_ENOTFOUND, "%s is not a %s of %s", name,
		                    cmd->noun, space->id);
	if (set && cmd->nargs == 3) {
		sp_buf_puts(&value, cmd->args[2]);
		if (value.size == 0) {
			error = sp_error_set(SP_EINVALID,
			                     "empty value for %s refused (to "
			                     "remove it: spacehook %ss unset)",
			                     name, cmd->noun);
			goto done;
		}
	} else if (set &&
	           (error = kv_read_value(&value, cmd, name, space->id)) < 0) {
		goto done;
	}
	if (set && (error = kv_check_value(&warning, &value, cmd, name,
	                                   space->id)) < 0)
		goto done;
	if ((error = sp_store_open(&store, settings->state_dir, space)) < 0)
		goto done;
	error = set ? sp_store_kv_set(store, cmd->kind, name, value.ptr)
	            : sp_store_kv_unset(store, cmd->kind, name);
	if (error < 0)
		goto done;
	printf("%s %s %s of %s\n", set ? "set" : "unset", cmd->noun, name,
	       space->id);
	fflush(stdout);
	sp_buf_printf(&action, "%ss %s", cmd->noun, cmd->verb);
	*audit_failed =
	    cmd_audit_change(settings, space->id, action.ptr, name) != 0;
	if (warning.size)
		cmd_die_message("%s", warning.ptr);
	if (cmd->no_restart)
		goto done;
	if ((error = sp_job_restart(settings, space, &message)) < 0) {
		sp_buf text = SP_BUF_INIT;

		sp_buf_puts(&text, sp_error_last());
		error = sp_error_set(
		    error, "the %s is saved, but restarting %s failed: %s",
		    cmd->noun, space->id, text.ptr);
		sp_buf_dispose(&text);
		goto done;
	}
	if (message.size)
		printf("%s%s", message.ptr,
		       message.ptr[message.size - 1] == '\n' ? "" : "\n");
done:
	kv_wipe(&value);
	sp_buf_dispose(&message);
	sp_buf_dispose(&warning);
	sp_buf_dispose(&action);
	sp_store_free(store);
	return error;
}

static int kv_run(kv_command *cmd, int argc, char **argv)
{
	sp_settings settings;
	sp_space space;
	int status, error, audit_failed = 0;

	if (cmd_wants_help(argc, argv)) {
		fputs(cmd->usage, stdout);
		return 0;
	}
	if ((status = kv_parse(cmd, argc, argv)) != 0)
		return status;
	if ((error = sp_space_parse(&space, cmd->args[0])) < 0) {
		cmd_die_message("%s", sp_error_last());
		return 1;
	}
	if ((error = sp_settings_load(&settings, NULL)) < 0) {
		cmd_die_message("%s", sp_error_last());
		return 1;
	}
	if (!strcmp(cmd->verb, "list"))
		error = kv_list(cmd, &settings, &space);
	else
		error = kv_change(&audit_failed, cmd, &settings, &space);
	if (error < 0)
		cmd_die_message("%s", sp_error_last());
	sp_settings_dispose(&settings);
	return error < 0 || audit_failed ? 1 : 0;
}

int cmd_secrets(int argc, char **argv)
{
	kv_command cmd = {
	    SP_KV_SECRETS, "secret", secrets_usage, NULL, {0}, 0, 0};

	return kv_run(&cmd, argc, argv);
}

int cmd_variables(int argc, char **argv)
{
	kv_command cmd = {
	    SP_KV_VARIABLES, "variable", variables_usage, NULL, {0}, 0, 0};

	return kv_run(&cmd, argc, argv);
}
