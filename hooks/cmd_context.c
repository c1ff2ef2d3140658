/* spacehook context: not written yet. */
#include "commands.h"

int cmd_context(int argc, char **argv)
{
	cmd_die_message("context: not written yet");
	return 1;
}

