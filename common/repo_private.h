/* The inside of sp_repo, shared by the modules that work on git objects (repo,
 * context). */
#ifndef SP_REPO_PRIVATE_H
#define SP_REPO_PRIVATE_H

#include <git2.h>

#include "repo.h"

struct sp_repo {
	git_repository *git;
	char *path;
};

/* Record libgit2's last error as ours, prefixed with `what`; returns `code`. */
int sp_repo__git_error(int code, const char *what);

#endif
