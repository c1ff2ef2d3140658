/* spacehook secrets and variables: not written yet. */
#include "commands.h"

int cmd_secrets(int argc, char **argv)
{
	cmd_die_message("secrets: not written yet");
	return 1;
}

int cmd_variables(int argc, char **argv)
{
	cmd_die_message("variables: not written yet");
	return 1;
}

