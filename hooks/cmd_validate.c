/* spacehook validate: not written yet. */
#include "commands.h"

int cmd_validate(int argc, char **argv)
{
	cmd_die_message("validate: not written yet");
	return 1;
}

