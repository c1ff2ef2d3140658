/* spacehook collaborators: who else may push to and manage a Space. */
#include <stdio.h>
#include <string.h>

#include "authz.h"
#include "banned.h"
#include "commands.h"
#include "error.h"
#include "settings.h"
#include "space.h"
#include "strvec.h"

static const char collaborators_usage[] =
    "spacehook collaborators add|remove SPACE USER\n"
    "       spacehook collaborators list SPACE";

int cmd_collaborators(int argc, char **argv)
{
	sp_settings settings = {0};
	sp_strvec list = SP_STRVEC_INIT;
	sp_space space;
	const char *verb, *user;
	int first, n, changed = 0, status = 1, add;

	if (cmd_wants_help(argc, argv)) {
		printf(
		    "usage: %s\n\n"
		    "A collaborator may push to the Space and manage it "
		    "over SSH (secrets,\n"
		    "variables, status, logs, restart, stop, start, "
		    "sleep time) like its\n"
		    "owner; only the owner and spacehook.admins add or "
		    "remove them. 'list'\n"
		    "prints one user name per line. With spacehook.access "
		    "= gitolite,\n"
		    "gitolite's rules decide instead: edit gitolite-admin.\n",
		    collaborators_usage);
		return 0;
	}
	first = cmd_operands(argc, argv);
	n = first < 0 ? 0 : argc - first;
	verb = n > 0 ? argv[first] : "";
	if (!((!strcmp(verb, "add") || !strcmp(verb, "remove")) && n == 3) &&
	    !(!strcmp(verb, "list") && n == 2)) {
		cmd_die_message("usage: %s", collaborators_usage);
		return 2;
	}
	if (sp_space_parse(&space, argv[first + 1]) < 0) {
		cmd_die_message("%s", sp_error_last());
		return 2;
	}
	user = n == 3 ? argv[first + 2] : NULL;
	if (user && !sp_authz_user_valid(user)) {
		cmd_die_message("'%.64s' is not a user name (letters, digits, "
		                "'.', '_', '-')",
		                user);
		return 2;
	}
	if (sp_settings_load(&settings, NULL) < 0) {
		cmd_die_message("%s", sp_error_last());
		goto done;
	}
	if (!user) {
		if (sp_authz_collaborators(&list, &settings, &space) < 0) {
			cmd_die_message("%s: %s", space.id, sp_error_last());
			goto done;
		}
		for (size_t i = 0; i < list.nr; i++)
			puts(list.v[i]);
		status = 0;
		goto done;
	}
	add = !strcmp(verb, "add");
	if ((add ? sp_authz_collaborator_add : sp_authz_collaborator_remove)(
	        &changed, &settings, &space, user) < 0) {
		cmd_die_message("%s", sp_error_last());
		goto done;
	}
	if (add)
		printf(changed ? "%s may now push to and manage %s\n"
		               : "%s is a collaborator of %s already\n",
		       user, space.id);
	else
		printf(changed ? "%s is no longer a collaborator of %s\n"
		               : "%s was no collaborator of %s\n",
		       user, space.id);
	status = 0;
done:
	sp_strvec_clear(&list);
	sp_settings_dispose(&settings);
	return status;
}
