/* spacehook: the admin command. Dispatches to one cmd_<name>() per subcommand.
 */
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
    {"rebind", cmd_rebind, "bind a Space to another repository at its path"},
    {"forget", cmd_forget,
     "remove a Space: containers, images, network, state"},
    {"install", cmd_install,
     "install the hooks into repositories (or --global)"},
    {"doctor", cmd_doctor,
     "check the host: engine, client, state dir, ports, hooks"},
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
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		puts("spacehook " SP_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	cmd_die_message("unknown command '%s' (see 'spacehook --help')",
	                argv[1]);
	return 2;
}
