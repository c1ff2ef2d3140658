/* spacehook validate: check a README.md, a Space directory or a commit with the
 * checks a push goes through. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "commands.h"
#include "error.h"
#include "repo.h"
#include "settings.h"
#include "verify.h"

#include "banned.h"

static const char validate_usage[] =
    "usage: spacehook validate [FILE | DIR]\n"
    "       spacehook validate --rev REV\n"
    "\n"
    "Check a Space the way a push to the server checks it, and print the\n"
    "same messages (GCC style: README.md:LINE:COLUMN: error: ..., and\n"
    "Dockerfile:LINE:COLUMN: error: ... for the Dockerfile).\n"
    "\n"
    "  DIR        DIR/README.md and, for sdk docker, DIR/Dockerfile (for\n"
    "             sdk static, when spacehook.sdks serves it, its app_file)\n"
    "  FILE       only that README file's YAML block\n"
    "  (nothing)  the current directory, as DIR\n"
    "  --rev REV  the commit REV (a sha, branch, tag, HEAD~1, ...) of the\n"
    "             git repository of the current directory: exactly what a\n"
    "             push of REV would be checked against\n"
    "\n"
    "Exit status: 0 valid (warnings allowed), 1 errors, 2 usage.\n";

static int validate_usage_error(const char *fmt, const char *arg)
{
	cmd_die_message(fmt, arg);
	fputs(validate_usage, stderr);
	return 2;
}

/*
 * Run the checks on what the arguments name, for the sdks spacehook.sdks
 * serves (git config as the repository of --rev, or else any command, sees
 * it); `file` gets the name the report shows.
 */
static int validate_run(sp_spaceconfig **config, sp_diag_list *diags,
                        sp_buf *file, const char *rev, const char *path)
{
	char id[SP_OID_HEXSZ + 1];
	sp_repo *repo = NULL;
	sp_settings settings = {0};
	struct stat st;
	unsigned flags;
	int error;

	if (rev && ((error = sp_repo_open(&repo, NULL)) < 0 ||
	            (error = sp_repo_resolve(id, repo, rev)) < 0))
		goto done;
	if ((error = sp_settings_load(&settings, repo)) < 0)
		goto done;
	flags = sp_verify_sdk_flags(settings.sdks);
	if (rev) {
		sp_buf_sets(file, "README.md");
		error = sp_verify_commit(config, diags, repo, id, NULL, flags);
	} else if (!path || (stat(path, &st) == 0 && S_ISDIR(st.st_mode))) {
		if (!path || !strcmp(path, "."))
			sp_buf_sets(file, "README.md");
		else
			sp_buf_printf(file, "%s%sREADME.md", path,
			              path[strlen(path) - 1] == '/' ? "" : "/");
		error = sp_verify_dir(config, diags, path ? path : ".", NULL,
		                      flags);
	} else {
		sp_buf_sets(file, path);
		error = sp_verify_file(config, diags, path, flags);
	}
done:
	sp_settings_dispose(&settings);
	sp_repo_free(repo);
	return error;
}

int cmd_validate(int argc, char **argv)
{
	sp_spaceconfig *config = NULL;
	sp_diag_list diags = SP_DIAG_LIST_INIT;
	sp_buf file = SP_BUF_INIT, report = SP_BUF_INIT;
	static const struct option validate_options[] = {
	    {"rev", required_argument, NULL, 'r'}, {NULL, 0, NULL, 0}};
	const char *rev = NULL, *path = NULL;
	int status = 1, error, c;

	if (cmd_wants_help(argc, argv)) {
		fputs(validate_usage, stdout);
		return 0;
	}
	/* --rev is long only: 'r' is no short option in the string. */
	while ((c = getopt_long(argc, argv, ":", validate_options, NULL)) !=
	       -1) {
		if (c == ':' || (c == 'r' && !*optarg))
			return validate_usage_error(
			    "validate: '%s' needs a revision", "--rev");
		if (c != 'r')
			return validate_usage_error(
			    "validate: unknown option '%s'",
			    cmd_bad_option(argv));
		rev = optarg;
	}
	for (int i = optind; i < argc; i++) {
		const char *arg = argv[i];

		if (path || !*arg) {
			return validate_usage_error(
			    "validate: unexpected argument '%s'", arg);
		} else {
			path = arg;
		}
	}
	if (rev && path)
		return validate_usage_error(
		    "validate: give a path or --rev, not both%s", "");

	error = validate_run(&config, &diags, &file, rev, path);
	if (error < 0 && error != SP_ECONFIG) {
		cmd_die_message("validate: %s", sp_error_last());
		goto done;
	}
	sp_verify_report(&report, &diags, config, file.ptr,
	                 SP_VERIFY_REPORT_LOCAL);
	fputs(report.ptr, stderr);
	status = error < 0 ? 1 : 0;
done:
	sp_spaceconfig_free(config);
	sp_diag_list_dispose(&diags);
	sp_buf_dispose(&report);
	sp_buf_dispose(&file);
	return status;
}
