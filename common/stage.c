/* The one place a Space's stage changes: sets the record, saves state.json,
 * sends the webhook, says it in the job log. */
#include "stage.h"

#include <stdlib.h>
#include <string.h>

#include "banned.h"
#include "error.h"
#include "webhook.h"

static const char *const stage_in_job[] = {"BUILDING", "RUNNING_BUILDING",
                                           "APP_STARTING",
                                           "RUNNING_APP_STARTING", NULL};

int sp_stage_in_job(const char *stage)
{
	for (size_t i = 0; stage && stage_in_job[i]; i++)
		if (!strcmp(stage, stage_in_job[i]))
			return 1;
	return 0;
}

/* "spacehook: <id> is <STAGE>[; still serving <url>]" in the job log. */
static void stage_say(const sp_stage_target *to, const sp_state *state)
{
	sp_buf line = SP_BUF_INIT;
	int serving = state->container && state->commit;

	sp_buf_printf(&line, "spacehook: %s is %s%s%s\n",
	              sp_store_space(to->store)->id, state->stage,
	              serving ? "; still serving " : "",
	              serving && state->url ? state->url : "");
	to->log(line.ptr, line.size, to->payload);
	sp_buf_dispose(&line);
}

int sp_stage_set(sp_state *state, const sp_stage_target *to, const char *stage,
                 const char *error)
{
	/* The arguments may point into *state itself: copy them first. */
	char *new_stage = sp_strdup(stage);
	char *new_error = error ? sp_strdup(error) : NULL;
	char *old = state->stage ? sp_strdup(state->stage) : NULL;
	int changed = !old || strcmp(old, new_stage), saved;

	sp_state_set(&state->stage, new_stage);
	if (new_error)
		sp_state_set(&state->error, new_error);
	saved = sp_state_save(to->store, state);
	if (saved == 0 && changed && to->settings)
		sp_webhook_notify(to->settings, sp_store_space(to->store)->id,
		                  to->commit, old, new_stage, new_error);
	if (to->log && !sp_stage_in_job(new_stage) &&
	    (strcmp(new_stage, "RUNNING") || new_error))
		stage_say(to, state);
	free(old);
	free(new_stage);
	free(new_error);
	return saved;
}
