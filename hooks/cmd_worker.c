/* spacehook worker: run the queued jobs of one Space (started detached by
 * post-receive). */
#include <stdio.h>
#include <string.h>

#include "banned.h"
#include "commands.h"
#include "context.h"
#include "error.h"
#include "space.h"
#include "worker.h"

int cmd_worker(int argc, char **argv)
{
	sp_space space;
	int first;

	if (cmd_wants_help(argc, argv)) {
		puts("usage: spacehook worker SPACE\n\n"
		     "Runs the queued build and deploy jobs of SPACE "
		     "(owner/name) one at a\n"
		     "time, then exits. post-receive starts it detached; it "
		     "returns at once\n"
		     "when another worker already holds the Space's lock.");
		return 0;
	}
	if ((first = cmd_operands(argc, argv)) < 0 || argc - first != 1) {
		cmd_die_message("usage: spacehook worker SPACE");
		return 2;
	}
	if (sp_space_parse(&space, argv[first]) < 0) {
		cmd_die_message("%s", sp_error_last());
		return 2;
	}
	/* Pack windows and caches sized for streaming whole trees
	 * (process-wide). */
	if (sp_context_tune() < 0 || sp_worker_run(&space) < 0) {
		cmd_die_message("worker: %s", sp_error_last());
		return 1;
	}
	return 0;
}
