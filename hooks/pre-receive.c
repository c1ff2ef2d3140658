/* pre-receive: refuse a push whose deploy branch would carry a wrong Space
 * config; every other ref passes untouched. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"
#include "buf.h"
#include "context.h"
#include "error.h"
#include "refs.h"
#include "repo.h"
#include "settings.h"
#include "space.h"
#include "store.h"
#include "verify.h"

/* "spacehook stop OWNER/NAME" for this repository's Space. */
static void print_how_to_stop(const sp_space *space)
{
	fprintf(stderr,
	        "spacehook: to stop the Space instead, the server "
	        "administrator runs: spacehook stop %s\n",
	        *space->id ? space->id : "OWNER/NAME");
}

/* Read what git sends to its end, so git never writes into a closed pipe. */
static void drain(FILE *in)
{
	char chunk[4096];

	while (fread(chunk, 1, sizeof(chunk), in) > 0)
		;
}

/*
 * The build context limits (spacehook.maxBlobSize, spacehook.maxContextSize)
 * on the tree of `commit`, from object headers only; 0 when within them,
 * else 1 with what was wrong in `out`. Sizes of big trees are kept in the
 * repository (spacehook-tree-sizes) so the next push reads only what it
 * changed.
 */
static int check_sizes(sp_buf *out, sp_repo *repo, const sp_settings *settings,
                       const char *commit)
{
	sp_context_options opts = SP_CONTEXT_OPTIONS_INIT;
	sp_context_stats stats;
	sp_buf cache = SP_BUF_INIT;
	const char *dir = sp_repo_path(repo);
	int error;

	opts.max_blob = (uint64_t)settings->max_blob_size;
	opts.max_total = (uint64_t)settings->max_context_size;
	if (!opts.max_blob && !opts.max_total)
		return 0;
	sp_buf_printf(&cache, "%s%sspacehook-tree-sizes", dir,
	              *dir && dir[strlen(dir) - 1] == '/' ? "" : "/");
	opts.size_cache = cache.ptr;
	error = sp_context_measure(&stats, repo, commit, &opts, NULL);
	sp_buf_dispose(&cache);
	if (error == SP_ETOOBIG) {
		sp_buf_printf(out,
		              "spacehook: %s\nspacehook: keep big files out "
		              "of the repository (e.g. download them when the "
		              "image is built or when the app starts), or ask "
		              "the server administrator to raise the limit\n",
		              sp_error_last());
		return 1;
	}
	if (error < 0) {
		sp_buf_printf(out, "spacehook: cannot check %.7s: %s\n", commit,
		              sp_error_last());
		return 1;
	}
	return 0;
}

int main(void)
{
	sp_repo *repo = NULL;
	sp_spaceconfig *config = NULL;
	sp_diag_list diags = SP_DIAG_LIST_INIT;
	sp_settings settings = {0};
	sp_space space;
	sp_space_role role;
	sp_buf ref = SP_BUF_INIT, report = SP_BUF_INIT, own = SP_BUF_INIT;
	sp_buf sizes = SP_BUF_INIT;
	sp_verify_options opts = {NULL, NULL};
	sp_refs_update update;
	char target[SP_OID_HEXSZ + 1] = "";
	int status = 1, error = 0, deleting = 0, lineno = 0, too_big;

	/* No Space: out at once, before libgit2's start-up. */
	if (sp_space_quick_none()) {
		drain(stdin);
		return 0;
	}
	if ((error = sp_repo_open(&repo, NULL)) < 0 ||
	    (error = sp_settings_load(&settings, repo)) < 0) {
		fprintf(stderr, "spacehook: %s\n", sp_error_last());
		goto done;
	}
	/* Not a Space (spacehook.spaces, spacehook.space): untouched. */
	sp_space_resolve(&role, &space, &settings, sp_repo_path(repo));
	if (role == SP_SPACE_NONE) {
		drain(stdin);
		status = 0;
		goto done;
	}
	if (sp_refs_deploy_ref(&ref, settings.deploy_branch) < 0) {
		fprintf(stderr, "spacehook: %s\n", sp_error_last());
		drain(stdin);
		goto done;
	}

	/* Every ref of the push; only the deploy branch is checked. */
	while ((error = sp_refs_read(&update, stdin, &lineno)) == 0) {
		if (strcmp(update.ref, ref.ptr))
			continue;
		deleting = sp_refs_is_zero(update.new_id);
		memcpy(target, update.new_id, sizeof(target));
	}
	if (error != SP_ENOTFOUND) {
		fprintf(stderr, "spacehook: %s\n", sp_error_last());
		goto done;
	}
	error = 0;

	if (!*target) {
		status = 0; /* the deploy branch is not part of this push */
		goto done;
	}
	if (deleting) {
		fprintf(stderr,
		        "spacehook: refusing to delete '%s': the Space "
		        "is deployed from this branch\n",
		        ref.ptr);
		print_how_to_stop(&space);
		goto done;
	}
	/* A Space builds only from the repository it is bound to. */
	if (role == SP_SPACE_DEPLOY &&
	    sp_store_check_binding(settings.state_dir, &space,
	                           sp_repo_path(repo)) < 0) {
		fprintf(stderr, "spacehook: refusing the push: %s\n",
		        sp_error_last());
		goto done;
	}

	/* Its own images are the only "spacehook/" ones its Dockerfile may
	 * name; a Space without an id may name none. */
	if (role == SP_SPACE_DEPLOY)
		sp_buf_printf(&own, "%s%s", SP_DOCKERFILE_IMAGE_PREFIX,
		              space.slug);
	opts.own_repository = own.size ? own.ptr : NULL;
	error = sp_verify_commit(&config, &diags, repo, target, &opts,
	                         sp_verify_sdk_flags(settings.sdks));
	if (error < 0 && error != SP_ECONFIG) {
		fprintf(stderr, "spacehook: cannot check %.7s: %s\n", target,
		        sp_error_last());
		goto done;
	}
	sp_verify_report(&report, &diags, config, "README.md",
	                 SP_VERIFY_REPORT_PUSH);
	/* Too big: the problem, without an "ok" line for the config. */
	too_big = check_sizes(&sizes, repo, &settings, target);
	if (error < 0 || !too_big)
		fputs(report.ptr, stderr);
	fputs(sizes.ptr, stderr);
	status = error < 0 || too_big ? 1 : 0;
done:
	sp_spaceconfig_free(config);
	sp_diag_list_dispose(&diags);
	sp_buf_dispose(&report);
	sp_buf_dispose(&sizes);
	sp_buf_dispose(&ref);
	sp_buf_dispose(&own);
	sp_settings_dispose(&settings);
	sp_repo_free(repo);
	return status;
}
