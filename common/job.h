/* Jobs of a Space: the queue, the detached worker, the log a pusher follows. */
#ifndef SP_JOB_H
#define SP_JOB_H

#include "buf.h"
#include "settings.h"
#include "space.h"

/*
 * Restart the Space's running container with its current secrets and
 * variables (after `spacehook secrets set`, as Hugging Face does). A Space
 * that is not running is left alone and 0 is returned; `message` (may be
 * NULL) gets one line saying what was done.
 */
int sp_job_restart(const sp_settings *settings, const sp_space *space, sp_buf *message);

#endif
