/* spacehook logs: not written yet. */
#include "commands.h"

int cmd_logs(int argc, char **argv)
{
	cmd_die_message("logs: not written yet");
	return 1;
}

