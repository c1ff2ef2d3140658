/* The floor of a pre-receive check: start libgit2, open the repository, read
 * README.md of the pushed commit; nothing else. */
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	char line[4096], spec[64];
	git_repository *repo = NULL;
	git_object *blob = NULL;
	const char *dir = getenv("GIT_DIR");
	int status = 1;

	if (!fgets(line, sizeof(line), stdin) || strlen(line) < 82)
		return 2;
	snprintf(spec, sizeof(spec), "%.40s:README.md", line + 41);
	git_libgit2_init();
	if (git_repository_open(&repo, dir ? dir : ".") < 0 ||
	    git_revparse_single(&blob, repo, spec) < 0 ||
	    git_object_type(blob) != GIT_OBJECT_BLOB) {
		fprintf(stderr, "floor: %s\n",
		        git_error_last() ? git_error_last()->message
		                         : "not a blob");
		goto done;
	}
	status = git_blob_rawsize((git_blob *)blob) > 0 ? 0 : 1;
done:
	git_object_free(blob);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return status;
}
