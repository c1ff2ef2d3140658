/* spacehook install: not written yet. */
#include "commands.h"

int cmd_install(int argc, char **argv)
{
	cmd_die_message("install: not written yet");
	return 1;
}
