/* Jobs of a Space (to be written). */
#include "job.h"

int sp_job_restart(const sp_settings *settings, const sp_space *space, sp_buf *message)
{
	return 0;
}
