/* spacehook worker: not written yet. */
#include "commands.h"

int cmd_worker(int argc, char **argv)
{
	cmd_die_message("worker: not written yet");
	return 1;
}

