/* spacehook rebind and forget: the binding of a Space to its repository. */
#include <getopt.h>
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
	int status = 1, first;

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
	if ((first = cmd_operands(argc, argv)) < 0 || argc - first != 2) {
		cmd_die_message("usage: spacehook rebind SPACE REPO");
		return 2;
	}
	if (sp_space_parse(&space, argv[first]) < 0) {
		cmd_die_message("%s", sp_error_last());
		return 2;
	}
	if (sp_settings_load(&settings, NULL) < 0 ||
	    sp_repo_open(&repo, argv[first + 1]) < 0) {
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
		                argv[first + 1], at.id, space.id);
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
	static const struct option forget_options[] = {
	    {"data", no_argument, NULL, 'd'}, {NULL, 0, NULL, 0}};
	const char *id = NULL;
	int status = 1, data = 0, c;

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
	while ((c = getopt_long(argc, argv, "", forget_options, NULL)) != -1) {
		if (c != 'd')
			break;
		data = 1;
	}
	if (c == -1 && argc - optind == 1)
		id = argv[optind];
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
