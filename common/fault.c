/* Fault injection points. */
#include "fault.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "banned.h"

void sp_fault(const char *point)
{
	const char *want = getenv("SPACEHOOK_FAULT");

	if (want && !strcmp(want, point))
		kill(getpid(), SIGKILL);
}
