/* spacehook stop, start, cancel and gc: the admin's hands on a Space's
 * lifecycle and disk. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "banned.h"
#include "commands.h"
#include "engine.h"
#include "error.h"
#include "job.h"
#include "settings.h"
#include "space.h"
#include "store.h"

/* Parse the one SPACE argument and open its store; exit status on failure, else
 * -1. */
static int open_space(sp_settings *settings, sp_store **store, sp_space *space,
                      int argc, char **argv, const char *usage)
{
	int first = cmd_operands(argc, argv);

	if (first < 0 || argc - first != 1) {
		cmd_die_message("usage: %s", usage);
		return 2;
	}
	if (sp_space_parse(space, argv[first]) < 0) {
		cmd_die_message("%s", sp_error_last());
		return 2;
	}
	if (sp_settings_load(settings, NULL) < 0) {
		cmd_die_message("%s", sp_error_last());
		return 1;
	}
	if (!sp_store_exists(settings->state_dir, space)) {
		cmd_die_message("no Space '%s' here (see 'spacehook status')",
		                space->id);
		return 1;
	}
	if (sp_store_open(store, settings->state_dir, space) < 0) {
		cmd_die_message("%s", sp_error_last());
		return 1;
	}
	return -1;
}

int cmd_stop(int argc, char **argv)
{
	static const char usage[] = "spacehook stop SPACE";
	sp_settings settings = {0};
	sp_store *store = NULL;
	sp_space space;
	int status;

	if (cmd_wants_help(argc, argv)) {
		puts("usage: spacehook stop SPACE\n\n"
		     "Stops the Space's container and marks it PAUSED: it "
		     "stays stopped\n"
		     "across pushes (they are kept, nothing is built) until "
		     "'spacehook\n"
		     "start SPACE'. A build or deploy under way is canceled "
		     "first.");
		return 0;
	}
	if ((status =
	         open_space(&settings, &store, &space, argc, argv, usage)) >= 0)
		goto done;
	if (sp_job_pause(&settings, store, 1) < 0) {
		cmd_die_message("%s: %s", space.id, sp_error_last());
		status = 1;
	} else {
		printf("%s is PAUSED; 'spacehook start %s' runs it again\n",
		       space.id, space.id);
		fflush(stdout);
		status = cmd_audit_change(&settings, space.id, "stop", NULL);
	}
done:
	sp_store_free(store);
	sp_settings_dispose(&settings);
	return status;
}

int cmd_start(int argc, char **argv)
{
	static const char usage[] = "spacehook start SPACE";
	sp_settings settings = {0};
	sp_store *store = NULL;
	sp_space space;
	int status;

	if (cmd_wants_help(argc, argv)) {
		puts("usage: spacehook start SPACE\n\n"
		     "Clears the PAUSED mark of a stopped Space, then builds "
		     "and runs the\n"
		     "newest commit of its deploy branch, showing the job's "
		     "log.");
		return 0;
	}
	if ((status =
	         open_space(&settings, &store, &space, argc, argv, usage)) >= 0)
		goto done;
	status = 1;
	if (sp_job_pause(&settings, store, 0) < 0) {
		cmd_die_message("%s: %s", space.id, sp_error_last());
		goto done;
	}
	status = cmd_submit_follow(&settings, store, &space, 0, "start");
done:
	sp_store_free(store);
	sp_settings_dispose(&settings);
	return status;
}

int cmd_cancel(int argc, char **argv)
{
	static const char usage[] = "spacehook cancel SPACE";
	sp_settings settings = {0};
	sp_store *store = NULL;
	sp_space space;
	int status, canceled = 0;

	if (cmd_wants_help(argc, argv)) {
		puts("usage: spacehook cancel SPACE\n\n"
		     "Stops the build or deploy under way for the Space and "
		     "drops the one\n"
		     "queued after it. The previous version keeps serving; the "
		     "job's log\n"
		     "and the Space's state record the cancel. Waits up to 60 "
		     "s for the\n"
		     "worker to leave.");
		return 0;
	}
	if ((status =
	         open_space(&settings, &store, &space, argc, argv, usage)) >= 0)
		goto done;
	if (sp_job_cancel(&canceled, store, 60) < 0) {
		cmd_die_message("%s: %s", space.id, sp_error_last());
		status = 1;
	} else {
		status = 0;
		if (canceled) {
			printf("%s: canceled (%d job%s)\n", space.id, canceled,
			       canceled == 1 ? "" : "s");
			fflush(stdout);
			status = cmd_audit_change(&settings, space.id, "cancel",
			                          NULL);
		} else {
			printf("%s: nothing to cancel\n", space.id);
		}
	}
done:
	sp_store_free(store);
	sp_settings_dispose(&settings);
	return status;
}

int cmd_gc(int argc, char **argv)
{
	sp_settings settings = {0};
	sp_engine *engine = NULL;
	char **ids = NULL;
	size_t count = 0;
	long long reclaimed = 0;
	int containers = 0, images = 0, status = 1, busy = 0;

	if (cmd_wants_help(argc, argv)) {
		puts("usage: spacehook gc\n\n"
		     "For every Space: removes its containers other than the "
		     "serving one\n"
		     "and its images other than the serving and the previous "
		     "one (kept for\n"
		     "rollback); then prunes the engine's build cache unused "
		     "for 24 hours.\n"
		     "A Space whose worker is busy is skipped and said so.");
		return 0;
	}
	if (cmd_operands(argc, argv) != argc) {
		cmd_die_message("usage: spacehook gc");
		return 2;
	}
	if (sp_settings_load(&settings, NULL) < 0 ||
	    sp_store_list(&ids, &count, settings.state_dir) < 0) {
		cmd_die_message("%s", sp_error_last());
		goto done;
	}
	for (size_t i = 0; i < count; i++) {
		sp_store *store = NULL;
		sp_space space;
		int error;

		if (sp_space_parse(&space, ids[i]) < 0 ||
		    sp_store_open(&store, settings.state_dir, &space) < 0) {
			cmd_die_message("%s: %s", ids[i], sp_error_last());
			continue;
		}
		error = sp_job_gc(&settings, store, &containers, &images);
		if (error == SP_ELOCKED) {
			printf("%s: busy (a job runs), skipped\n", space.id);
			busy++;
		} else if (error < 0) {
			cmd_die_message("%s: %s", space.id, sp_error_last());
			sp_store_free(store);
			goto done;
		}
		sp_store_free(store);
	}
	if (sp_engine_new(&engine, settings.docker_host) < 0 ||
	    sp_engine_build_prune(&reclaimed, engine, "24h") < 0) {
		cmd_die_message("%s", sp_error_last());
		goto done;
	}
	printf("removed %d container%s and %d image%s; build cache: %lld bytes "
	       "reclaimed%s\n",
	       containers, containers == 1 ? "" : "s", images,
	       images == 1 ? "" : "s", reclaimed,
	       busy ? " (busy Spaces skipped)" : "");
	status = 0;
done:
	sp_engine_free(engine);
	sp_store_list_free(ids, count);
	sp_settings_dispose(&settings);
	return status;
}
