/* The checks a push of a Space goes through, on a commit or on a directory,
 * shared by pre-receive and spacehook validate. */
#include "verify.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "banned.h"
#include "error.h"
#include "settings.h"

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

/* Where the files of a Space are read from. */
typedef struct {
	sp_repo *repo;      /* the tree of `commit` of `repo`, */
	const char *commit; /* */
	const char *dir;    /* or else the directory `dir` */
} verify_tree;

/* What verify_readme found beside the config's own problems. */
typedef struct {
	int is_static;     /* the config is a static Space's */
	int no_dockerfile; /* the error that sdk docker has no Dockerfile */
	int no_app_file;   /* the error that sdk static has no app_file */
	size_t dockerfile_errors; /* errors of the Dockerfile's text kept */
} verify_found;

unsigned sp_verify_sdk_flags(unsigned sdks)
{
	return ((sdks & SP_SDK_STATIC) ? SP_VERIFY_SDK_STATIC : 0) |
	       ((sdks & SP_SDK_DOCKER) ? 0 : SP_VERIFY_SDK_NO_DOCKER);
}

const char *sp_verify_app_file(const sp_spaceconfig *config)
{
	return config->app_file ? config->app_file : SP_VERIFY_STATIC_INDEX;
}

/*
 * A path a static Space may serve as its page: relative, each part a name
 * (no "", "." or ".."), of the characters nginx's index directive takes
 * literally. Returns what is wrong, or NULL.
 */
static const char *verify_app_file_path(const char *path)
{
	static const char allowed[] = "abcdefghijklmnopqrstuvwxyz"
	                              "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                              "0123456789._+@-";
	const char *p, *part = path;

	if (!*path || strlen(path) > 1024)
		return "must be a file name of 1 to 1024 bytes";
	if (*path == '/')
		return "must be relative to the root of the repository";
	for (p = path;; p++) {
		if (*p == '/' || *p == '\0') {
			size_t len = (size_t)(p - part);

			if (len == 0 || (len == 1 && part[0] == '.') ||
			    (len == 2 && part[0] == '.' && part[1] == '.'))
				return "must name a file inside the "
				       "repository, "
				       "without empty, \".\" or \"..\" parts";
			if (*p == '\0')
				return NULL;
			part = p + 1;
		} else if (!strchr(allowed, *p)) {
			return "may hold only letters, digits, '.', '_', '+', "
			       "'@', '-' and '/'";
		}
	}
}

/* The kind of `path` (relative) in the directory `dir`, as git would store
 * it: a path through a symbolic link is not in the tree. */
static int verify_dir_entry(sp_entry_kind *out, size_t *size, const char *dir,
                            const char *path)
{
	sp_buf full = SP_BUF_INIT;
	const char *slash;
	int error = 0;

	*out = SP_ENTRY_NONE;
	*size = 0;
	sp_buf_puts(&full, dir);
	for (slash = strchr(path, '/'); slash; slash = strchr(slash + 1, '/')) {
		struct stat st;

		sp_buf_printf(&full, "/%.*s", (int)(slash - path), path);
		if (lstat(full.ptr, &st) < 0 || !S_ISDIR(st.st_mode))
			goto done; /* a missing part, a file or a link */
		sp_buf_sets(&full, dir);
	}
	sp_buf_printf(&full, "/%s", path);
	error = verify_lstat(out, size, full.ptr);
done:
	sp_buf_dispose(&full);
	return error;
}

static int verify_tree_entry(sp_entry_kind *out, size_t *size,
                             const verify_tree *tree, const char *path)
{
	if (tree->repo)
		return sp_repo_entry(out, size, tree->repo, tree->commit, path);
	return verify_dir_entry(out, size, tree->dir, path);
}

/*
 * sdk static: the page it serves (app_file, index.html when absent) must be
 * a regular file of the tree; the error points at app_file, or at sdk when
 * app_file is absent. `*missing` tells whether that error was added.
 */
static int verify_app_file(sp_diag_list *diags, int *missing,
                           const sp_spaceconfig *config,
                           const verify_tree *tree)
{
	const char *page = sp_verify_app_file(config), *bad;
	unsigned line =
	    config->app_file ? config->app_file_line : config->sdk_line;
	unsigned column =
	    config->app_file ? config->app_file_column : config->sdk_column;
	sp_entry_kind kind;
	size_t size;
	int error;

	*missing = 0;
	if ((bad = verify_app_file_path(page)))
		return sp_diag_add(diags, SP_DIAG_ERROR, line, column,
		                   "\"app_file\" %s (got \"%s\")", bad, page);
	if ((error = verify_tree_entry(&kind, &size, tree, page)) < 0)
		return error;
	if (verify_is_file(kind))
		return 0;
	*missing = 1;
	if (!config->app_file)
		return sp_diag_add(
		    diags, SP_DIAG_ERROR, line, column,
		    "sdk \"static\" serves index.html, but the repository has "
		    "%s at its root; add index.html, or set \"app_file\" to "
		    "the page to serve",
		    kind == SP_ENTRY_NONE ? "none" : verify_kind_name(kind));
	return sp_diag_add(
	    diags, SP_DIAG_ERROR, line, column,
	    "\"app_file\" is \"%s\", but the repository has %s there%s; "
	    "add that file, or set \"app_file\" to the page to serve",
	    page,
	    kind == SP_ENTRY_NONE ? "no such file" : verify_kind_name(kind),
	    kind == SP_ENTRY_NONE ? "" : " (it must be a regular file)");
}

/*
 * Parse the README; when `dockerfile` is not NULL (the Space's files are in
 * `tree`), check that sdk docker has its Dockerfile and sdk static its
 * app_file. The problems of the Dockerfile's text, in `dockerfile_diags`
 * (may be NULL), are kept unless the Space is a static one, which has no
 * use for a Dockerfile. The result contract is sp_verify_commit's.
 */
static int verify_readme(sp_spaceconfig **out, verify_found *found,
                         sp_diag_list *diags, const sp_buf *readme,
                         const verify_tree *tree,
                         const sp_entry_kind *dockerfile,
                         sp_diag_list *dockerfile_diags, unsigned flags)
{
	sp_spaceconfig *config = NULL;
	unsigned parse_flags = SP_SPACECONFIG_PARTIAL;
	int error;

	memset(found, 0, sizeof(*found));
	if (flags & SP_VERIFY_SDK_STATIC)
		parse_flags |= SP_SPACECONFIG_STATIC;
	if (flags & SP_VERIFY_SDK_NO_DOCKER)
		parse_flags |= SP_SPACECONFIG_NO_DOCKER;
	error = sp_spaceconfig_parse_with(&config, diags, readme->ptr,
	                                  readme->size, parse_flags);
	if (error < 0 && error != SP_ECONFIG)
		goto done;
	found->is_static =
	    config && config->sdk && !strcmp(config->sdk, "static");
	if (dockerfile_diags && !found->is_static) {
		found->dockerfile_errors = dockerfile_diags->errors;
		if ((error = sp_diag_list_move(diags, dockerfile_diags, NULL)) <
		    0)
			goto done;
	}
	if (config && dockerfile && found->is_static &&
	    (error =
	         verify_app_file(diags, &found->no_app_file, config, tree)) < 0)
		goto done;
	if (config && dockerfile && config->sdk &&
	    !strcmp(config->sdk, "docker") && !verify_is_file(*dockerfile)) {
		found->no_dockerfile = 1;
		if ((error = sp_diag_add(
		         diags, SP_DIAG_ERROR, config->sdk_line,
		         config->sdk_column,
		         "sdk \"docker\" needs a Dockerfile at the root of "
		         "the repository (%s)",
		         *dockerfile == SP_ENTRY_NONE ? "none found"
		         : *dockerfile == SP_ENTRY_LINK
		             ? "found a symbolic link; it must be a regular "
		               "file"
		         : *dockerfile == SP_ENTRY_TREE
		             ? "found a directory"
		             : "found a submodule")) < 0)
			goto done;
	}
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
	sp_diag_list dockerfile_diags = SP_DIAG_LIST_INIT;
	verify_tree tree = {repo, commit, NULL};
	verify_found found;
	sp_entry_kind kind, dockerfile;
	size_t size, errors, readme_errors;
	int error, required = (flags & SP_VERIFY_DOCKERFILE_REQUIRED) != 0;

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
	if (verify_is_file(dockerfile) &&
	    !(flags & SP_VERIFY_DOCKERFILE_PRESENCE) &&
	    ((size <= SP_DOCKERFILE_MAX_SIZE &&
	      (error = sp_repo_read_blob(&dockerfile_data, repo, commit,
	                                 "Dockerfile",
	                                 SP_DOCKERFILE_MAX_SIZE)) < 0) ||
	     (error = verify_dockerfile(&dockerfile_diags, &dockerfile_data,
	                                size, "Dockerfile", opts)) < 0))
		goto done;
	errors = diags->errors;
	error = verify_readme(out, &found, diags, &readme, &tree, &dockerfile,
	                      &dockerfile_diags, flags);
	readme_errors = diags->errors - errors - found.dockerfile_errors -
	                (size_t)found.no_dockerfile - (size_t)found.no_app_file;
	/* A static Space needs no Dockerfile, a build or not. */
	required = required && !found.is_static;
	/* In the order a build meets them: config, Dockerfile there, its text.
	 */
	if (error == SP_ECONFIG && !readme_errors && found.no_app_file)
		*verdict = SP_VERIFY_MISSING_APP_FILE;
	else if (error == SP_ECONFIG && !readme_errors &&
	         (required || found.no_dockerfile) &&
	         !verify_is_file(dockerfile))
		*verdict = SP_VERIFY_MISSING_DOCKERFILE;
	else if (error == SP_ECONFIG && !readme_errors &&
	         found.dockerfile_errors)
		*verdict = SP_VERIFY_BAD_DOCKERFILE;
	else if (error == 0 && required && !verify_is_file(dockerfile)) {
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
	sp_diag_list_dispose(&dockerfile_diags);
	return error;
}

int sp_verify_commit(sp_spaceconfig **out, sp_diag_list *diags, sp_repo *repo,
                     const char *commit, const sp_verify_options *opts,
                     unsigned flags)
{
	sp_verify_verdict verdict;

	return verify_commit(out, &verdict, diags, repo, commit, opts,
	                     flags & SP_VERIFY_SDKS);
}

int sp_verify_build(sp_spaceconfig **out, sp_verify_verdict *verdict,
                    sp_diag_list *diags, sp_repo *repo, const char *commit,
                    const sp_verify_options *opts, unsigned flags)
{
	return verify_commit(out, verdict, diags, repo, commit, opts,
	                     flags | SP_VERIFY_DOCKERFILE_REQUIRED);
}

static int verify_path(sp_spaceconfig **out, sp_diag_list *diags,
                       const char *readme_path, const char *dir,
                       const char *dockerfile_name,
                       const sp_verify_options *opts, unsigned flags)
{
	sp_buf readme = SP_BUF_INIT, dockerfile_data = SP_BUF_INIT,
	       dockerfile_path = SP_BUF_INIT;
	sp_diag_list dockerfile_diags = SP_DIAG_LIST_INIT;
	verify_tree tree = {NULL, NULL, dir};
	verify_found found;
	sp_entry_kind kind, dockerfile = SP_ENTRY_NONE;
	size_t size;
	int error;

	if (out)
		*out = NULL;
	if ((error = verify_lstat(&kind, &size, readme_path)) < 0)
		goto done;
	if (!dir && kind == SP_ENTRY_NONE) {
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
	if (dir)
		sp_buf_printf(&dockerfile_path, "%s/Dockerfile", dir);
	if ((dir && (error = verify_lstat(&dockerfile, &size,
	                                  dockerfile_path.ptr)) < 0) ||
	    (error = sp_buf_read_file(&readme, readme_path,
	                              SP_README_MAX_SIZE)) < 0)
		goto done;
	if (dir && verify_is_file(dockerfile)) {
		if (size <= SP_DOCKERFILE_MAX_SIZE &&
		    (error =
		         sp_buf_read_file(&dockerfile_data, dockerfile_path.ptr,
		                          SP_DOCKERFILE_MAX_SIZE)) < 0) {
			if (error != SP_ETOOBIG)
				goto done;
			size = SP_DOCKERFILE_MAX_SIZE + 1;
		}
		if ((error =
		         verify_dockerfile(&dockerfile_diags, &dockerfile_data,
		                           size, dockerfile_name, opts)) < 0)
			goto done;
	}
	error =
	    verify_readme(out, &found, diags, &readme, &tree,
	                  dir ? &dockerfile : NULL, &dockerfile_diags, flags);
done:
	sp_buf_dispose(&readme);
	sp_buf_dispose(&dockerfile_data);
	sp_buf_dispose(&dockerfile_path);
	sp_diag_list_dispose(&dockerfile_diags);
	return error;
}

int sp_verify_dir(sp_spaceconfig **out, sp_diag_list *diags, const char *dir,
                  const sp_verify_options *opts, unsigned flags)
{
	sp_buf readme = SP_BUF_INIT, name = SP_BUF_INIT;
	size_t len = strlen(dir);
	int error;

	sp_buf_printf(&readme, "%s/README.md", dir);
	if (!strcmp(dir, "."))
		sp_buf_sets(&name, "Dockerfile");
	else
		sp_buf_printf(&name, "%s%sDockerfile", dir,
		              len && dir[len - 1] == '/' ? "" : "/");
	error = verify_path(out, diags, readme.ptr, dir, name.ptr, opts,
	                    flags & SP_VERIFY_SDKS);

	sp_buf_dispose(&readme);
	sp_buf_dispose(&name);
	return error;
}

int sp_verify_file(sp_spaceconfig **out, sp_diag_list *diags, const char *path,
                   unsigned flags)
{
	return verify_path(out, diags, path, NULL, NULL, NULL,
	                   flags & SP_VERIFY_SDKS);
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
	else if (!diags->errors && config && config->sdk &&
	         !strcmp(config->sdk, "static"))
		sp_buf_printf(out,
		              "spacehook: %s ok (sdk: static, app_file: %s)\n",
		              file, sp_verify_app_file(config));
	else if (!diags->errors && config)
		sp_buf_printf(out, "spacehook: %s ok (sdk: %s, app_port: %d)\n",
		              file, config->sdk ? config->sdk : "?",
		              config->app_port);
}
