/* The checks a push of a Space goes through, on a commit or on a directory,
 * shared by pre-receive and spacehook validate. */
#include "verify.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "banned.h"
#include "error.h"

static const char *verify_kind_name(sp_entry_kind kind)
{
	switch (kind) {
	case SP_ENTRY_TREE:
		return "a directory";
	case SP_ENTRY_LINK:
		return "a symbolic link";
	case SP_ENTRY_SUBMODULE:
		return "a submodule";
	default:
		return "not a regular file";
	}
}

static int verify_is_file(sp_entry_kind kind)
{
	return kind == SP_ENTRY_BLOB || kind == SP_ENTRY_EXEC;
}

/* What is wrong with README.md before reading it: missing, not a file, too big.
 */
static int verify_readme_entry(sp_diag_list *diags, sp_entry_kind kind,
                               size_t size)
{
	if (kind == SP_ENTRY_NONE)
		return sp_diag_add(
		    diags, SP_DIAG_ERROR, 0, 0,
		    "no README.md at the root of the repository; "
		    "a Space needs one that starts with a YAML block "
		    "between '---' lines (sdk: docker, ...)");
	if (!verify_is_file(kind))
		return sp_diag_add(diags, SP_DIAG_ERROR, 0, 0,
		                   "README.md is %s; it must be a regular file",
		                   verify_kind_name(kind));
	if (size > SP_README_MAX_SIZE)
		return sp_diag_add(
		    diags, SP_DIAG_ERROR, 0, 0,
		    "README.md is %zu bytes; the limit is %u bytes (16 MiB)",
		    size, SP_README_MAX_SIZE);
	return 0;
}

static const char *const verify_reserved[] = {SP_DOCKERFILE_IMAGE_PREFIX, NULL};

/*
 * Check the Dockerfile of `size` bytes whose bytes `read` brings into
 * `data`; its problems go into `diags` naming `file`.
 */
static int verify_dockerfile(sp_diag_list *diags, const sp_buf *data,
                             size_t size, const char *file,
                             const sp_verify_options *opts)
{
	sp_diag_list found = SP_DIAG_LIST_INIT;
	sp_dockerfile_options dopts = {NULL, verify_reserved, NULL};
	int error;

	if (opts) {
		dopts.own_repository = opts->own_repository;
		dopts.build_args = opts->build_args;
	}
	if (size > SP_DOCKERFILE_MAX_SIZE)
		error = sp_diag_add(&found, SP_DIAG_ERROR, 0, 0,
		                    "Dockerfile is %zu bytes; the limit is %u "
		                    "bytes (1 MiB)",
		                    size, SP_DOCKERFILE_MAX_SIZE);
	else
		error =
		    sp_dockerfile_check(&found, data->ptr, data->size, &dopts);
	if (error == 0 || error == SP_ECONFIG)
		error = sp_diag_list_move(diags, &found, file);
	sp_diag_list_dispose(&found);
	return error;
}

/*
 * Parse the README and, when `dockerfile` is not NULL, check that sdk docker
 * has its Dockerfile. The result contract is sp_verify_commit's.
 */
static int verify_readme(sp_spaceconfig **out, sp_diag_list *diags,
                         const sp_buf *readme, const sp_entry_kind *dockerfile,
                         int *no_dockerfile)
{
	sp_spaceconfig *config = NULL;
	int error;

	if (no_dockerfile)
		*no_dockerfile = 0;

	error = sp_spaceconfig_parse_partial(&config, diags, readme->ptr,
	                                     readme->size);
	if (error < 0 && error != SP_ECONFIG)
		goto done;
	if (config && dockerfile && config->sdk &&
	    !strcmp(config->sdk, "docker") && !verify_is_file(*dockerfile) &&
	    (error = sp_diag_add(
	         diags, SP_DIAG_ERROR, config->sdk_line, config->sdk_column,
	         "sdk \"docker\" needs a Dockerfile at the root of "
	         "the repository (%s)",
	         *dockerfile == SP_ENTRY_NONE ? "none found"
	         : *dockerfile == SP_ENTRY_LINK
	             ? "found a symbolic link; it must be a regular file"
	         : *dockerfile == SP_ENTRY_TREE ? "found a directory"
	                                        : "found a submodule")) < 0)
		goto done;
	if (config && dockerfile && !verify_is_file(*dockerfile) &&
	    no_dockerfile)
		*no_dockerfile = config->sdk && !strcmp(config->sdk, "docker");
	error = 0;
done:
	if (error == 0 && diags->errors == 0 && config) {
		if (out) {
			*out = config;
			config = NULL;
		}
	} else if (error == 0) {
		if (diags->errors == 0)
			error = sp_diag_add(diags, SP_DIAG_ERROR, 0, 0,
			                    "the Space config is not valid");
		error = error < 0 ? error : SP_ECONFIG;
	}
	sp_diag_sort(diags);
	sp_spaceconfig_free(config);
	return error;
}

/*
 * sp_verify_commit, telling `*verdict` which part failed; `flags` as
 * sp_verify_build's.
 */
static int verify_commit(sp_spaceconfig **out, sp_verify_verdict *verdict,
                         sp_diag_list *diags, sp_repo *repo, const char *commit,
                         const sp_verify_options *opts, unsigned flags)
{
	sp_buf readme = SP_BUF_INIT, dockerfile_data = SP_BUF_INIT;
	sp_entry_kind kind, dockerfile;
	size_t size, errors, dockerfile_errors = 0, readme_errors;
	int error, no_dockerfile = 0;

	*verdict = SP_VERIFY_BAD_README;
	if (out)
		*out = NULL;
	if ((error = sp_repo_entry(&kind, &size, repo, commit, "README.md")) <
	        0 ||
	    (error = verify_readme_entry(diags, kind, size)) < 0)
		goto done;
	if (diags->errors) {
		error = SP_ECONFIG;
		goto done;
	}
	if ((error = sp_repo_entry(&dockerfile, &size, repo, commit,
	                           "Dockerfile")) < 0 ||
	    (error = sp_repo_read_blob(&readme, repo, commit, "README.md",
	                               SP_README_MAX_SIZE)) < 0)
		goto done;
	errors = diags->errors;
	if (verify_is_file(dockerfile) &&
	    !(flags & SP_VERIFY_DOCKERFILE_PRESENCE) &&
	    ((size <= SP_DOCKERFILE_MAX_SIZE &&
	      (error = sp_repo_read_blob(&dockerfile_data, repo, commit,
	                                 "Dockerfile",
	                                 SP_DOCKERFILE_MAX_SIZE)) < 0) ||
	     (error = verify_dockerfile(diags, &dockerfile_data, size,
	                                "Dockerfile", opts)) < 0))
		goto done;
	dockerfile_errors = diags->errors - errors;
	errors = diags->errors;
	error = verify_readme(out, diags, &readme, &dockerfile, &no_dockerfile);
	readme_errors = diags->errors - errors - (size_t)no_dockerfile;
	/* In the order a build meets them: config, Dockerfile there, its text.
	 */
	if (error == SP_ECONFIG && !readme_errors &&
	    ((flags & SP_VERIFY_DOCKERFILE_REQUIRED) || no_dockerfile) &&
	    !verify_is_file(dockerfile))
		*verdict = SP_VERIFY_MISSING_DOCKERFILE;
	else if (error == SP_ECONFIG && !readme_errors && dockerfile_errors)
		*verdict = SP_VERIFY_BAD_DOCKERFILE;
	else if (error == 0 && (flags & SP_VERIFY_DOCKERFILE_REQUIRED) &&
	         !verify_is_file(dockerfile)) {
		*verdict = SP_VERIFY_MISSING_DOCKERFILE;
		sp_spaceconfig_free(out ? *out : NULL);
		if (out)
			*out = NULL;
		error = SP_ECONFIG;
	} else if (error == 0)
		*verdict = SP_VERIFY_OK;
done:
	sp_buf_dispose(&readme);
	sp_buf_dispose(&dockerfile_data);
	return error;
}

int sp_verify_commit(sp_spaceconfig **out, sp_diag_list *diags, sp_repo *repo,
                     const char *commit, const sp_verify_options *opts)
{
	sp_verify_verdict verdict;

	return verify_commit(out, &verdict, diags, repo, commit, opts, 0);
}

int sp_verify_build(sp_spaceconfig **out, sp_verify_verdict *verdict,
                    sp_diag_list *diags, sp_repo *repo, const char *commit,
                    const sp_verify_options *opts, unsigned flags)
{
	return verify_commit(out, verdict, diags, repo, commit, opts,
	                     flags | SP_VERIFY_DOCKERFILE_REQUIRED);
}

/* The kind of a path on disk, as git would store it; SP_ENTRY_NONE when absent.
 */
static int verify_lstat(sp_entry_kind *out, size_t *size, const char *path)
{
	struct stat st;

	*out = SP_ENTRY_NONE;
	*size = 0;
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return sp_error_set_os(SP_EIO, "cannot read '%s'", path);
	}
	if (S_ISREG(st.st_mode)) {
		*out = (st.st_mode & 0111) ? SP_ENTRY_EXEC : SP_ENTRY_BLOB;
		*size = (size_t)st.st_size;
	} else if (S_ISLNK(st.st_mode)) {
		*out = SP_ENTRY_LINK;
	} else if (S_ISDIR(st.st_mode)) {
		*out = SP_ENTRY_TREE;
	} else {
		return sp_error_set(SP_EINVALID,
		                    "'%s' is not a file or directory", path);
	}
	return 0;
}

static int verify_path(sp_spaceconfig **out, sp_diag_list *diags,
                       const char *readme_path, const char *dockerfile_path,
                       const char *dockerfile_name,
                       const sp_verify_options *opts)
{
	sp_buf readme = SP_BUF_INIT, dockerfile_data = SP_BUF_INIT;
	sp_entry_kind kind, dockerfile = SP_ENTRY_NONE;
	size_t size;
	int error;

	if (out)
		*out = NULL;
	if ((error = verify_lstat(&kind, &size, readme_path)) < 0)
		goto done;
	if (!dockerfile_path && kind == SP_ENTRY_NONE) {
		error =
		    sp_error_set(SP_ENOTFOUND, "no such file or directory '%s'",
		                 readme_path);
		goto done;
	}
	if ((error = verify_readme_entry(diags, kind, size)) < 0)
		goto done;
	if (diags->errors) {
		error = SP_ECONFIG;
		goto done;
	}
	if ((dockerfile_path &&
	     (error = verify_lstat(&dockerfile, &size, dockerfile_path)) < 0) ||
	    (error = sp_buf_read_file(&readme, readme_path,
	                              SP_README_MAX_SIZE)) < 0)
		goto done;
	if (dockerfile_path && verify_is_file(dockerfile)) {
		if (size <= SP_DOCKERFILE_MAX_SIZE &&
		    (error = sp_buf_read_file(&dockerfile_data, dockerfile_path,
		                              SP_DOCKERFILE_MAX_SIZE)) < 0) {
			if (error != SP_ETOOBIG)
				goto done;
			size = SP_DOCKERFILE_MAX_SIZE + 1;
		}
		if ((error = verify_dockerfile(diags, &dockerfile_data, size,
		                               dockerfile_name, opts)) < 0)
			goto done;
	}
	error = verify_readme(out, diags, &readme,
	                      dockerfile_path ? &dockerfile : NULL, NULL);
done:
	sp_buf_dispose(&readme);
	sp_buf_dispose(&dockerfile_data);
	return error;
}

int sp_verify_dir(sp_spaceconfig **out, sp_diag_list *diags, const char *dir,
                  const sp_verify_options *opts)
{
	sp_buf readme = SP_BUF_INIT, dockerfile = SP_BUF_INIT,
	       name = SP_BUF_INIT;
	size_t len = strlen(dir);
	int error;

	sp_buf_printf(&readme, "%s/README.md", dir);
	sp_buf_printf(&dockerfile, "%s/Dockerfile", dir);
	if (!strcmp(dir, "."))
		sp_buf_sets(&name, "Dockerfile");
	else
		sp_buf_printf(&name, "%s%sDockerfile", dir,
		              len && dir[len - 1] == '/' ? "" : "/");
	error =
	    verify_path(out, diags, readme.ptr, dockerfile.ptr, name.ptr, opts);

	sp_buf_dispose(&readme);
	sp_buf_dispose(&dockerfile);
	sp_buf_dispose(&name);
	return error;
}

int sp_verify_file(sp_spaceconfig **out, sp_diag_list *diags, const char *path)
{
	return verify_path(out, diags, path, NULL, NULL, NULL);
}

void sp_verify_report(sp_buf *out, const sp_diag_list *diags,
                      const sp_spaceconfig *config, const char *file,
                      sp_verify_report_style style)
{
	if (diags->errors && style == SP_VERIFY_REPORT_PUSH)
		sp_buf_puts(out, SP_VERIFY_REFUSED "\n");
	sp_diag_render(out, diags, file);
	if (diags->errors && style == SP_VERIFY_REPORT_LOCAL)
		sp_buf_printf(out,
		              "spacehook: %s: %zu error%s, %zu warning%s; "
		              "a push of this would be rejected\n",
		              file, diags->errors,
		              diags->errors == 1 ? "" : "s", diags->warnings,
		              diags->warnings == 1 ? "" : "s");
	else if (!diags->errors && config)
		sp_buf_printf(out, "spacehook: %s ok (sdk: %s, app_port: %d)\n",
		              file, config->sdk ? config->sdk : "?",
		              config->app_port);
}
