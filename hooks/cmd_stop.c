/* spacehook stop, start, cancel and gc (being written). */
#include "commands.h"

int cmd_stop(int argc, char **argv)
{
	cmd_die_message("stop: not written yet");
	return 1;
}

int cmd_start(int argc, char **argv)
{
	cmd_die_message("start: not written yet");
	return 1;
}

int cmd_cancel(int argc, char **argv)
{
	cmd_die_message("cancel: not written yet");
	return 1;
}

int cmd_gc(int argc, char **argv)
{
	cmd_die_message("gc: not written yet");
	return 1;
}
