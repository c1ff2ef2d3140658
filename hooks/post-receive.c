/* post-receive: queue the build and deploy of the pushed deploy branch, start
 * the worker, and show its log to the pusher. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "banned.h"
#include "error.h"
#include "pushopt.h"
#include "queue.h"
#include "refs.h"
#include "repo.h"
#include "settings.h"
#include "space.h"
#include "store.h"
#include "term.h"
#include "worker.h"

/*
 * The new commit of the deploy branch `ref` in this push, if it moved (not
 * deleted): 1 and `out` set, else 0. Nothing can be refused any more: a line
 * git should never send is told and queues nothing.
 */
static int read_deploy_update(char out[SP_OID_HEXSZ + 1], const char *ref)
{
	sp_refs_update update;
	int found = 0, lineno = 0, error;

	while ((error = sp_refs_read(&update, stdin, &lineno)) !=
	       SP_ENOTFOUND) {
		if (error < 0) {
			fprintf(stderr,
			        "spacehook: error: %s; nothing is queued from "
			        "it\n",
			        sp_error_last());
			continue;
		}
		if (strcmp(update.ref, ref) || sp_refs_is_zero(update.new_id))
			continue;
		memcpy(out, update.new_id, SP_OID_HEXSZ + 1);
		found = 1;
	}
	return found;
}

int main(void)
{
	sp_settings settings = {0};
	sp_space space;
	sp_space_role role;
	sp_store *store = NULL;
	sp_repo *repo = NULL;
	sp_buf ref = SP_BUF_INIT;
	char commit[SP_OID_HEXSZ + 1], head[SP_OID_HEXSZ + 1];
	char id[SP_JOB_ID_MAX];
	sp_pushopt opts;
	int status = 0, error;

	/* No Space: out at once, before libgit2's start-up. */
	if (sp_space_quick_none())
		return 0;
	if (sp_repo_open(&repo, NULL) < 0 ||
	    sp_settings_load(&settings, repo) < 0) {
		fprintf(stderr, "spacehook: error: %s\n", sp_error_last());
		goto done;
	}
	error = sp_space_resolve(&role, &space, &settings, sp_repo_path(repo));
	if (role == SP_SPACE_NONE)
		goto done;
	if (sp_refs_deploy_ref(&ref, settings.deploy_branch) < 0) {
		fprintf(stderr, "spacehook: error: %s\n", sp_error_last());
		status = 1;
		goto done;
	}
	if (!read_deploy_update(commit, ref.ptr))
		goto done;
	if (error < 0) {
		fprintf(stderr,
		        "spacehook: error: cannot queue the deploy: %s\n",
		        sp_error_last());
		status = 1;
		goto done;
	}
	if (role == SP_SPACE_CHECK) {
		fprintf(stderr,
		        "spacehook: checked %.7s; nothing deploys: the server "
		        "administrator "
		        "sets spacehook.reposRoot, and Spaces are the "
		        "repositories at "
		        "<reposRoot>/<owner>/<name>.git\n",
		        commit);
		goto done;
	}
	/* Several pushes may race to here: queue what the branch holds now. */
	if (sp_repo_resolve(head, repo, ref.ptr) == 0)
		memcpy(commit, head, sizeof(head));
	sp_pushopt_from_env(&opts);
	if (opts.unknown) {
		sp_buf shown = SP_BUF_INIT;

		sp_term_escape_string(&shown, opts.unknown,
		                      strnlen(opts.unknown, 64));
		fprintf(stderr,
		        "spacehook: warning: push option '%s' ignored "
		        "(spacehook takes spacehook.wait=no and "
		        "spacehook.factory)\n",
		        shown.ptr);
		sp_buf_dispose(&shown);
	}
	if (sp_store_open(&store, settings.state_dir, &space) < 0 ||
	    sp_queue_enqueue(id, store, sp_repo_path(repo), commit,
	                     opts.job_flags) < 0 ||
	    sp_worker_start(&space, store) < 0) {
		fprintf(stderr,
		        "spacehook: error: cannot queue the deploy: %s\n",
		        sp_error_last());
		status = 1;
		goto done;
	}
	if (opts.job_flags & SP_JOB_NO_CACHE)
		fprintf(stderr,
		        "spacehook: %s: factory build of %.7s: no build cache "
		        "(spacehook.factory)\n",
		        space.id, commit);
	if ((opts.job_flags & SP_JOB_NO_CACHE) &&
	    sp_audit_append(&settings, space.id, "push --factory", NULL) < 0) {
		fprintf(stderr,
		        "spacehook: %s: changed, but the audit log could not "
		        "be written: %s\n",
		        space.id, sp_error_last());
		status = 1;
	}
	if (opts.no_wait) {
		fprintf(stderr,
		        "spacehook: %s: build of %.7s queued; see 'spacehook "
		        "status %s'\n",
		        space.id, commit, space.id);
		goto done;
	}
	/* The log goes to the pusher as remote: lines; a disconnect leaves the
	 * worker going. */
	if (sp_queue_follow(NULL, store, id, STDERR_FILENO) < 0)
		status = 1;
done:
	sp_store_free(store);
	sp_repo_free(repo);
	sp_buf_dispose(&ref);
	sp_settings_dispose(&settings);
	return status;
}
