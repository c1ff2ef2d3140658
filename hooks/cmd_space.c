/* spacehook rebind and forget: the binding of a Space to its repository. */
#include <stdio.h>
#include <string.h>

#include "banned.h"
#include "buf.h"
#include "commands.h"
#include "error.h"
#include "job.h"
#include "repo.h"
#include "settings.h"
#include "space.h"
#include "store.h"

int cmd_rebind(int argc, char **argv)
{
	sp_settings settings = {0};
	sp_store *store = NULL;
	sp_repo *repo = NULL;
	sp_space space, at;
	int status = 1;

	if (cmd_wants_help(argc, argv)) {
		puts("usage: spacehook rebind SPACE REPO\n\n"
		     "Binds the Space to the bare repository REPO, which must "
		     "be at\n"
		     "<spacehook.reposRoot>/<owner>/<name>.git for that Space. "
		     "A Space is\n"
		     "bound to the repository that first deployed it; pushes "
		     "from any\n"
		     "other repository that maps to the same id are refused "
		     "until the\n"
		     "administrator rebinds it (a moved repository, a changed "
		     "reposRoot).");
		return 0;
	}
	if (argc != 3 || argv[1][0] == '-' || argv[2][0] == '-') {
		cmd_die_message("usage: spacehook rebind SPACE REPO");
		return 2;
	}
	if (sp_space_parse(&space, argv[1]) < 0) {
		cmd_die_message("%s", sp_error_last());
		return 2;
	}
	if (sp_settings_load(&settings, NULL) < 0 ||
	    sp_repo_open(&repo, argv[2]) < 0) {
		cmd_die_message("%s", sp_error_last());
		goto done;
	}
	if (sp_space_from_path(&at, settings.repos_root, sp_repo_path(repo)) <
	    0) {
		cmd_die_message("%s", sp_error_last());
		goto done;
	}
	if (strcmp(at.id, space.id)) {
		cmd_die_message("'%s' is the repository of %s, not of %s",
		                argv[2], at.id, space.id);
		goto done;
	}
	if (sp_store_open(&store, settings.state_dir, &space) < 0 ||
	    sp_store_bind(store, sp_repo_path(repo), 1) < 0) {
		cmd_die_message("%s", sp_error_last());
		goto done;
	}
	printf("%s is bound to %s: pushes there deploy\n", space.id,
	       sp_repo_path(repo));
	status = 0;
done:
	sp_store_free(store);
	sp_repo_free(repo);
	sp_settings_dispose(&settings);
	return status;
}

int cmd_forget(int argc, char **argv)
{
	sp_settings settings = {0};
	sp_store *store = NULL;
	sp_buf report = SP_BUF_INIT;
	sp_space space;
	const char *id = NULL;
	int status = 1, data = 0;

	if (cmd_wants_help(argc, argv)) {
		puts("usage: spacehook forget SPACE [--data]\n\n"
		     "Removes the Space from this server: cancels its job, "
		     "removes its\n"
		     "containers, images and network, then its state: record, "
		     "secrets,\n"
		     "variables, logs and the binding to its repository. The "
		     "repository\n"
		     "itself is not touched; its next push starts the Space "
		     "anew. The\n"
		     "/data volume is kept unless --data is given.");
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--data")) {
			data = 1;
		} else if (argv[i][0] != '-' && !id) {
			id = argv[i];
		} else {
			cmd_die_message(
			    "usage: spacehook forget SPACE [--data]");
			return 2;
		}
	}
	if (!id) {
		cmd_die_message("usage: spacehook forget SPACE [--data]");
		return 2;
	}
	if (sp_space_parse(&space, id) < 0) {
		cmd_die_message("%s", sp_error_last());
		return 2;
	}
	if (sp_settings_load(&settings, NULL) < 0) {
		cmd_die_message("%s", sp_error_last());
		goto done;
	}
	if (!sp_store_exists(settings.state_dir, &space)) {
		cmd_die_message("no Space '%s' here (see 'spacehook status')",
		                space.id);
		goto done;
	}
	if (sp_store_open(&store, settings.state_dir, &space) < 0 ||
	    sp_job_forget(&settings, store, data, &report) < 0) {
		cmd_die_message("%s: %s", space.id, sp_error_last());
		goto done;
	}
	printf("%s\n", report.ptr);
	status = 0;
done:
	sp_buf_dispose(&report);
	sp_store_free(store);
	sp_settings_dispose(&settings);
	return status;
}
