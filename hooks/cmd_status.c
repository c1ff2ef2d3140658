/* spacehook status: not written yet. */
#include "commands.h"

int cmd_status(int argc, char **argv)
{
	cmd_die_message("status: not written yet");
	return 1;
}

