/* spacehook doctor: not written yet. */
#include "commands.h"

int cmd_doctor(int argc, char **argv)
{
	cmd_die_message("doctor: not written yet");
	return 1;
}
