/* post-receive: queue the build and deploy of the pushed deploy branch, start
 * the worker, and show its log to the pusher. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "banned.h"
#include "error.h"
#include "queue.h"
#include "repo.h"
#include "settings.h"
#include "space.h"
#include "store.h"
#include "worker.h"

#define LINE_MAX_LEN 4096
#define ZERO_OID "0000000000000000000000000000000000000000"

/* Did the pusher ask not to wait (`git push -o spacehook.wait=no`)? */
static int push_option_no_wait(void)
{
	const char *count = getenv("GIT_PUSH_OPTION_COUNT");
	long n = count ? strtol(count, NULL, 10) : 0;
	char name[64];

	for (long i = 0; i < n && i < 100; i++) {
		const char *value;

		snprintf(name, sizeof(name), "GIT_PUSH_OPTION_%ld", i);
		value = getenv(name);
		if (value && (!strcmp(value, "spacehook.wait=no") ||
		              !strcmp(value, "spacehook.wait=false")))
			return 1;
	}
	return 0;
}

/* The new commit of the deploy branch in this push, if it moved (not deleted).
 */
static int read_deploy_update(char out[SP_OID_HEXSZ + 1], const char *branch)
{
	char line[LINE_MAX_LEN], old[64], new[64], ref[LINE_MAX_LEN];
	char want[LINE_MAX_LEN];
	int found = 0;

	snprintf(want, sizeof(want), "refs/heads/%s", branch);
	while (fgets(line, sizeof(line), stdin)) {
		if (sscanf(line, "%63s %63s %4095s", old, new, ref) != 3)
			continue;
		if (strcmp(ref, want) || !strcmp(new, ZERO_OID) ||
		    strlen(new) != SP_OID_HEXSZ)
			continue;
		memcpy(out, new, SP_OID_HEXSZ + 1);
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
	char commit[SP_OID_HEXSZ + 1], id[SP_JOB_ID_MAX];
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
	if (!read_deploy_update(commit, settings.deploy_branch))
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
	{
		char ref[LINE_MAX_LEN], head[SP_OID_HEXSZ + 1];

		snprintf(ref, sizeof(ref), "refs/heads/%s",
		         settings.deploy_branch);
		if (sp_repo_resolve(head, repo, ref) == 0)
			memcpy(commit, head, sizeof(head));
	}
	if (sp_store_open(&store, settings.state_dir, &space) < 0 ||
	    sp_queue_enqueue(id, store, sp_repo_path(repo), commit, 0) < 0 ||
	    sp_worker_start(&space, store) < 0) {
		fprintf(stderr,
		        "spacehook: error: cannot queue the deploy: %s\n",
		        sp_error_last());
		status = 1;
		goto done;
	}
	if (push_option_no_wait()) {
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
	sp_settings_dispose(&settings);
	return status;
}
