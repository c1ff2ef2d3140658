/* spacehook context: write the build context of a commit (its tree as a tar) to
 * stdout. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "context.h"
#include "error.h"
#include "repo.h"

#include "banned.h"

static const char context_usage[] =
    "usage: spacehook context <repository> <revision> > context.tar\n"
    "\n"
    "Write the tree of <revision> of <repository> (bare or not) to stdout\n"
    "as a tar archive: the build context that 'docker build -' gets.\n"
    "Files keep their executable bit, symbolic links stay links,\n"
    "submodules are left out with a warning on stderr. Nothing is\n"
    "checked out.\n"
    "\n"
    "  spacehook context /srv/git/alice/demo.git main | tar -t\n"
    "\n"
    "Exit status: 0 written, 1 failure, 2 usage.\n";

static void context_warn(const char *msg, void *payload)
{
	cmd_die_message("warning: %s", msg);
}

int cmd_context(int argc, char **argv)
{
	sp_context_options opts = SP_CONTEXT_OPTIONS_INIT;
	sp_context_stats stats;
	sp_repo *repo = NULL;
	const char *args[2];
	int nargs = 0, status = 1, first;

	if (cmd_wants_help(argc, argv)) {
		fputs(context_usage, stdout);
		return 0;
	}
	if ((first = cmd_operands(argc, argv)) < 0) {
		cmd_die_message("context: unknown option '%s'",
		                cmd_bad_option(argv));
		fputs(context_usage, stderr);
		return 2;
	}
	for (int i = first; i < argc; i++) {
		if (nargs < 2) {
			args[nargs++] = argv[i];
		} else {
			nargs++;
		}
	}
	if (nargs != 2) {
		fputs(context_usage, stderr);
		return 2;
	}
	if (isatty(STDOUT_FILENO)) {
		cmd_die_message(
		    "context: refusing to write a tar archive to a "
		    "terminal; redirect stdout to a file or a pipe");
		return 2;
	}

	opts.warn = context_warn;
	fflush(stdout);
	if (sp_context_tune() < 0 || sp_repo_open(&repo, args[0]) < 0 ||
	    sp_context_write(repo, args[1], STDOUT_FILENO, &opts, &stats) < 0) {
		cmd_die_message("context: %s", sp_error_last());
		goto done;
	}
	status = 0;
done:
	sp_repo_free(repo);
	return status;
}
