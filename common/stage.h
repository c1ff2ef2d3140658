/* The one place a Space's stage changes: the record saved, the webhook told,
 * the job log told. */
#ifndef SP_STAGE_H
#define SP_STAGE_H

#include "redact.h"
#include "settings.h"
#include "store.h"

/* Where a stage change goes besides the record. */
typedef struct {
	/* Whose webhooks hear of a change; NULL: nobody is told. */
	const sp_settings *settings;
	/* The Space whose state.json is saved. */
	sp_store *store;
	/* The commit the change is about (told to the webhooks; may be NULL).
	 */
	const char *commit;
	/*
	 * The job log; NULL: none. An ending stage other than a plain RUNNING
	 * is said there as "spacehook: <id> is <STAGE>", with "; still
	 * serving <url>" when an older version serves.
	 */
	sp_redact_sink log;
	void *payload;
} sp_stage_target;

/*
 * Move `state` to `stage` and, when `error` is not NULL, set its error
 * (NULL leaves the recorded error as it is; the arguments may point into
 * `state`). Save state.json; when that worked and the stage changed, send
 * the webhook (sp_webhook_notify, with `error`). With a log, an ending
 * stage other than RUNNING, or any stage with an error, is said there.
 * Returns 0 or the error of saving the record (the message set).
 */
int sp_stage_set(sp_state *state, const sp_stage_target *to, const char *stage,
                 const char *error);

/*
 * Whether `stage` is one a job is under way in: BUILDING,
 * RUNNING_BUILDING, APP_STARTING, RUNNING_APP_STARTING.
 */
int sp_stage_in_job(const char *stage);

#endif
