/* spacehook: the admin command. Dispatches to one cmd_<name>() per subcommand.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "banned.h"
#include "commands.h"

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
    {"validate", cmd_validate, "check a README.md / Space directory / commit"},
    {"context", cmd_context,
     "write the build context of a commit as a tar to stdout"},
    {"secrets", cmd_secrets, "set, list or unset the secrets of a Space"},
    {"variables", cmd_variables, "set, list or unset the variables of a Space"},
    {"status", cmd_status, "show the stage of every Space, or of one"},
    {"logs", cmd_logs, "show the run log (or --build log) of a Space"},
    {"restart", cmd_restart,
     "restart a Space (--factory: rebuild without cache)"},
    {"rebuild", cmd_rebuild, "build and deploy the current commit again"},
    {"stop", cmd_stop, "stop a Space; it stays stopped across pushes (PAUSED)"},
    {"start", cmd_start, "start a stopped Space again"},
    {"cancel", cmd_cancel, "stop the running build or deploy of a Space"},
    {"gc", cmd_gc,
     "remove old images, containers and build cache of every Space"},
    {"sleep-time", cmd_sleep_time,
     "show or set how long a Space may stay idle before it sleeps"},
    {"collaborators", cmd_collaborators,
     "add, remove or list who else may push to and manage a Space"},
    {"audit", cmd_audit, "show who changed what of the Spaces (the audit log)"},
    {"rebind", cmd_rebind, "bind a Space to another repository at its path"},
    {"forget", cmd_forget,
     "remove a Space: containers, images, network, state"},
    {"install", cmd_install,
     "install the hooks into repositories (or --global)"},
    {"serve", cmd_serve,
     "run the daemon of status pages, sleep and wake (behind nginx)"},
    {"doctor", cmd_doctor,
     "check the host: engine, client, state dir, ports, hooks"},
    {"shell", cmd_shell,
     "the forced command of a user's SSH key: git and the user's commands"},
    {"worker", cmd_worker,
     "run the queued jobs of a Space (started by post-receive)"},
};

void cmd_die_message(const char *fmt, ...)
{
	va_list ap;

	fputs("spacehook: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cmd_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return 1;
	}
	return 0;
}

int cmd_operands(int argc, char **argv)
{
	static const struct option none[] = {{NULL, 0, NULL, 0}};

	return getopt_long(argc, argv, "", none, NULL) == -1 ? optind : -1;
}

const char *cmd_bad_option(char **argv)
{
	static char shortopt[3] = "-";

	if (optopt > 0 && optopt < CMD_LONG_ONLY) {
		shortopt[1] = (char)optopt;
		return shortopt;
	}
	return argv[optind - 1];
}

static void usage(FILE *out)
{
	fputs("usage: spacehook <command> [<args>]\n\ncommands:\n", out);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name,
		        commands[i].summary);
	fputs("\nRun 'spacehook <command> --help' for the options of one.\n",
	      out);
}

int main(int argc, char **argv)
{
	static const struct option main_options[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, CMD_LONG_ONLY},
	    {NULL, 0, NULL, 0}};
	int c;

	/* Each command reads its options with getopt_long and says what was
	 * wrong itself. The options of spacehook itself come before the
	 * command ('+': stop at the first word that is none). */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", main_options, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 0;
		}
		if (c == CMD_LONG_ONLY) {
			puts("spacehook " SP_VERSION);
			return 0;
		}
		cmd_die_message("unknown option '%s' (see 'spacehook --help')",
		                cmd_bad_option(argv));
		return 2;
	}
	if (optind == argc) {
		usage(stderr);
		return 2;
	}
	argc -= optind;
	argv += optind;
	if (!strcmp(argv[0], "help")) {
		usage(stdout);
		return 0;
	}
	optind = 0; /* the command's getopt_long starts afresh */
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[0], commands[i].name))
			return commands[i].run(argc, argv);
	cmd_die_message("unknown command '%s' (see 'spacehook --help')",
	                argv[0]);
	return 2;
}
