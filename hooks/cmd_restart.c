/* spacehook restart and rebuild: not written yet. */
#include "commands.h"

int cmd_restart(int argc, char **argv)
{
	cmd_die_message("restart: not written yet");
	return 1;
}

int cmd_rebuild(int argc, char **argv)
{
	cmd_die_message("rebuild: not written yet");
	return 1;
}

