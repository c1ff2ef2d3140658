/* spacehook restart and rebuild: run the Space again, from its image or from a
 * new build. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "banned.h"
#include "commands.h"
#include "error.h"
#include "job.h"
#include "settings.h"
#include "space.h"
#include "store.h"

int cmd_submit_follow(const sp_settings *settings, sp_store *store,
                      const sp_space *space, unsigned flags, const char *action)
{
	sp_buf stage = SP_BUF_INIT;
	char id[SP_JOB_ID_MAX];
	int status = 1, audited = 0;

	if (sp_job_submit(id, settings, space, flags) < 0) {
		cmd_die_message("%s: %s", space->id, sp_error_last());
		goto done;
	}
	/* Recorded once queued: the job runs on if the caller goes away. */
	if (action)
		audited = cmd_audit_change(settings, space->id, action, NULL);
	if (sp_queue_follow(&stage, store, id, STDOUT_FILENO) == 0)
		status = audited;
	else
		cmd_die_message("%s ended %s (see 'spacehook status %s')",
		                space->id, stage.ptr, space->id);
done:
	sp_buf_dispose(&stage);
	return status;
}

/* Queue a job for SPACE, record `action`, then show its log until it ends. */
static int run_job(const char *id_arg, unsigned flags, const char *action)
{
	sp_settings settings = {0};
	sp_store *store = NULL;
	sp_space space;
	int status = 1;

	if (sp_space_parse(&space, id_arg) < 0) {
		cmd_die_message("%s", sp_error_last());
		return 2;
	}
	if (sp_settings_load(&settings, NULL) < 0 ||
	    sp_store_open(&store, settings.state_dir, &space) < 0) {
		cmd_die_message("%s: %s", space.id, sp_error_last());
		goto done;
	}
	status = cmd_submit_follow(&settings, store, &space, flags, action);
done:
	sp_store_free(store);
	sp_settings_dispose(&settings);
	return status;
}

int cmd_restart(int argc, char **argv)
{
	static const struct option restart_options[] = {
	    {"factory", no_argument, NULL, 'f'}, {NULL, 0, NULL, 0}};
	const char *space = NULL;
	unsigned flags = SP_JOB_RESTART;
	int c;

	if (cmd_wants_help(argc, argv)) {
		puts("usage: spacehook restart SPACE [--factory]\n\n"
		     "Runs the Space's current image again in a new container, "
		     "with its\n"
		     "current secrets and variables. --factory instead builds "
		     "the head\n"
		     "of the deploy branch again without the build cache, then "
		     "runs it\n"
		     "(Hugging Face's factory reboot). Shows the job's log "
		     "until the\n"
		     "Space serves.");
		return 0;
	}
	while ((c = getopt_long(argc, argv, "", restart_options, NULL)) != -1) {
		if (c != 'f')
			break;
		flags = SP_JOB_NO_CACHE;
	}
	if (c == -1 && argc - optind == 1)
		space = argv[optind];
	if (!space) {
		cmd_die_message("usage: spacehook restart SPACE [--factory]");
		return 2;
	}
	return run_job(space, flags,
	               flags & SP_JOB_NO_CACHE ? "restart --factory"
	                                       : "restart");
}

int cmd_rebuild(int argc, char **argv)
{
	int first;

	if (cmd_wants_help(argc, argv)) {
		puts("usage: spacehook rebuild SPACE\n\n"
		     "Builds the head of the Space's deploy branch again and "
		     "deploys it,\n"
		     "as a push would. Shows the job's log until it ends.");
		return 0;
	}
	if ((first = cmd_operands(argc, argv)) < 0 || argc - first != 1) {
		cmd_die_message("usage: spacehook rebuild SPACE");
		return 2;
	}
	return run_job(argv[first], 0, "rebuild");
}
