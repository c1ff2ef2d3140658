/* The git repository as the hooks see it: libgit2 opened plainly, git's
 * quarantine added as an alternate, objects read by header first. */
#include "repo_private.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"
#include "error.h"

static pthread_once_t repo_init_once = PTHREAD_ONCE_INIT;
static int repo_init_result;

/*
 * libgit2 caches no tree above 4 KiB: a root tree of 50,000 entries would be
 * parsed again for README.md, Dockerfile and the blob read. Keeping trees up
 * to 8 MiB in its cache (bounded by the cache's total size) makes one parse do.
 */
static void repo_init(void)
{
	repo_init_result = git_libgit2_init();
	if (repo_init_result >= 0)
		git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT,
		                 GIT_OBJECT_TREE, (size_t)8 * 1024 * 1024);
}

int sp_repo__git_error(int code, const char *what)
{
	const git_error *e = git_error_last();

	return sp_error_set(code, "%s: %s", what,
	                    e && e->message ? e->message : "unknown git error");
}

/* Is `dir` the same directory as the repository's own object store? */
static int repo_is_own_objects(git_repository *git, const char *dir)
{
	git_buf own = GIT_BUF_INIT;
	char *a = NULL, *b = NULL;
	int same = 0;

	if (git_repository_item_path(&own, git, GIT_REPOSITORY_ITEM_OBJECTS) <
	    0) {
		git_error_clear();
		return 0;
	}
	a = realpath(own.ptr, NULL);
	b = realpath(dir, NULL);
	same = a && b && !strcmp(a, b);
	free(a);
	free(b);
	git_buf_dispose(&own);
	return same;
}

/*
 * Inside a pre-receive hook the pushed objects sit in a quarantine directory
 * that git names in $GIT_QUARANTINE_PATH and $GIT_OBJECT_DIRECTORY (plain
 * paths, never quoted). The repository's own object store is already open,
 * so adding the quarantine as one more place to look is all that is needed.
 */
static int repo_add_quarantine(git_repository *git)
{
	const char *vars[] = {"GIT_QUARANTINE_PATH", "GIT_OBJECT_DIRECTORY"};
	const char *added = NULL;
	git_odb *odb = NULL;
	int error = 0;

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *dir = getenv(vars[i]);

		if (!dir || !*dir || (added && !strcmp(added, dir)) ||
		    repo_is_own_objects(git, dir))
			continue;
		if (!odb && git_repository_odb(&odb, git) < 0) {
			error = sp_repo__git_error(
			    SP_ERROR, "cannot open the object database");
			goto done;
		}
		if (git_odb_add_disk_alternate(odb, dir) < 0) {
			error = sp_repo__git_error(
			    SP_ERROR, "cannot add the quarantine directory");
			goto done;
		}
		added = dir;
	}
done:
	git_odb_free(odb);
	return error;
}

int sp_repo_open(sp_repo **out, const char *path)
{
	sp_repo *repo = NULL;
	git_repository *git = NULL;
	const char *env_dir = getenv("GIT_DIR");
	int error = 0, rc;

	*out = NULL;
	pthread_once(&repo_init_once, repo_init);
	if (repo_init_result < 0)
		return sp_repo__git_error(SP_ERROR,
		                          "cannot initialise libgit2");

	if (path)
		rc = git_repository_open_ext(
		    &git, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	else if (env_dir && *env_dir)
		rc = git_repository_open_ext(
		    &git, env_dir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL);
	else
		rc = git_repository_open_ext(&git, ".", 0, NULL);
	if (rc < 0) {
		const char *where = path                  ? path
		                    : env_dir && *env_dir ? env_dir
		                                          : ".";
		const git_error *e = git_error_last();

		error = sp_error_set(
		    rc == GIT_ENOTFOUND ? SP_ENOTFOUND : SP_ERROR,
		    "cannot open the repository '%s': %s", where,
		    e && e->message ? e->message : "not a git repository");
		goto done;
	}
	if ((error = repo_add_quarantine(git)) < 0)
		goto done;

	repo = sp_calloc(1, sizeof(*repo));
	repo->git = git;
	repo->path = sp_strdup(git_repository_path(git));
	git = NULL;
	*out = repo;
done:
	git_repository_free(git);
	return error;
}

void sp_repo_free(sp_repo *repo)
{
	if (!repo)
		return;
	git_repository_free(repo->git);
	free(repo->path);
	free(repo);
}

const char *sp_repo_path(const sp_repo *repo)
{
	return repo->path;
}

/* The commit named by `rev`: a full hex id is looked up directly, anything else
 * goes through rev-parse. */
static int repo_lookup_commit(git_commit **out, sp_repo *repo, const char *rev)
{
	git_object *obj = NULL, *peeled = NULL;
	git_oid oid;
	int error = 0, rc;

	*out = NULL;
	if (!rev || !*rev)
		return sp_error_set(SP_EINVALID, "empty revision");
	if (strlen(rev) == GIT_OID_HEXSZ && !git_oid_fromstr(&oid, rev))
		rc = git_object_lookup(&obj, repo->git, &oid, GIT_OBJECT_ANY);
	else
		rc = git_revparse_single(&obj, repo->git, rev);
	if (rc == GIT_ENOTFOUND || rc == GIT_EINVALIDSPEC ||
	    rc == GIT_EAMBIGUOUS) {
		error =
		    sp_error_set(SP_ENOTFOUND, "unknown revision '%s'", rev);
		goto done;
	}
	if (rc < 0) {
		error = sp_repo__git_error(SP_ERROR, "cannot resolve revision");
		goto done;
	}
	if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) < 0) {
		error = sp_error_set(
		    SP_EINVALID, "'%s' is not a commit (it is a %s)", rev,
		    git_object_type2string(git_object_type(obj)));
		goto done;
	}
	*out = (git_commit *)peeled;
	peeled = NULL;
done:
	git_object_free(peeled);
	git_object_free(obj);
	return error;
}

int sp_repo_resolve(char out[SP_OID_HEXSZ + 1], sp_repo *repo, const char *rev)
{
	git_commit *commit = NULL;
	int error;

	out[0] = '\0';
	if ((error = repo_lookup_commit(&commit, repo, rev)) < 0)
		return error;
	git_oid_tostr(out, SP_OID_HEXSZ + 1, git_commit_id(commit));
	git_commit_free(commit);
	return 0;
}

static sp_entry_kind repo_kind(git_filemode_t mode)
{
	switch (mode) {
	case GIT_FILEMODE_BLOB:
		return SP_ENTRY_BLOB;
	case GIT_FILEMODE_BLOB_EXECUTABLE:
		return SP_ENTRY_EXEC;
	case GIT_FILEMODE_LINK:
		return SP_ENTRY_LINK;
	case GIT_FILEMODE_TREE:
		return SP_ENTRY_TREE;
	case GIT_FILEMODE_COMMIT:
		return SP_ENTRY_SUBMODULE;
	default:
		return SP_ENTRY_NONE;
	}
}

/*
 * Find `path` in the tree of `commit`: the kind, the entry's id and, for a
 * blob, its size from the object header (the blob itself is not loaded).
 * Nothing there is not an error: the kind is SP_ENTRY_NONE.
 */
static int repo_stat(sp_entry_kind *kind, size_t *size, git_oid *id,
                     sp_repo *repo, const char *commit, const char *path)
{
	git_commit *c = NULL;
	git_tree *tree = NULL;
	git_tree_entry *entry = NULL;
	git_odb *odb = NULL;
	git_object_t type;
	size_t len = 0;
	int error, rc;

	*kind = SP_ENTRY_NONE;
	*size = 0;
	if (!path || !*path || path[0] == '/')
		return sp_error_set(SP_EINVALID, "invalid path '%s'",
		                    path ? path : "");
	if ((error = repo_lookup_commit(&c, repo, commit)) < 0)
		goto done;
	if (git_commit_tree(&tree, c) < 0) {
		error = sp_repo__git_error(
		    SP_ERROR, "cannot read the tree of the commit");
		goto done;
	}
	rc = git_tree_entry_bypath(&entry, tree, path);
	if (rc == GIT_ENOTFOUND) {
		git_error_clear();
		goto done;
	}
	if (rc < 0) {
		error = sp_repo__git_error(SP_ERROR, "cannot read the tree");
		goto done;
	}
	*kind = repo_kind(git_tree_entry_filemode_raw(entry));
	git_oid_cpy(id, git_tree_entry_id(entry));
	if (*kind != SP_ENTRY_BLOB && *kind != SP_ENTRY_EXEC &&
	    *kind != SP_ENTRY_LINK)
		goto done;
	if (git_repository_odb(&odb, repo->git) < 0 ||
	    git_odb_read_header(&len, &type, odb, id) < 0) {
		error = sp_repo__git_error(SP_ERROR,
		                           "cannot read an object header");
		goto done;
	}
	*size = len;
done:
	git_odb_free(odb);
	git_tree_entry_free(entry);
	git_tree_free(tree);
	git_commit_free(c);
	return error;
}

int sp_repo_entry(sp_entry_kind *out, size_t *size, sp_repo *repo,
                  const char *commit, const char *path)
{
	size_t ignored;
	git_oid id;

	return repo_stat(out, size ? size : &ignored, &id, repo, commit, path);
}

int sp_repo_read_blob(sp_buf *out, sp_repo *repo, const char *commit,
                      const char *path, size_t max)
{
	git_odb *odb = NULL;
	git_odb_object *obj = NULL;
	sp_entry_kind kind;
	size_t size;
	git_oid id;
	int error;

	sp_buf_clear(out);
	if ((error = repo_stat(&kind, &size, &id, repo, commit, path)) < 0)
		goto done;
	if (kind == SP_ENTRY_NONE) {
		error = sp_error_set(SP_ENOTFOUND, "no '%s' in commit %s", path,
		                     commit);
		goto done;
	}
	if (kind == SP_ENTRY_TREE || kind == SP_ENTRY_SUBMODULE) {
		error = sp_error_set(
		    SP_EINVALID, "'%s' is a %s, not a file", path,
		    kind == SP_ENTRY_TREE ? "directory" : "submodule");
		goto done;
	}
	if (size > max) {
		error =
		    sp_error_set(SP_ETOOBIG, "'%s' is %zu bytes, more than %zu",
		                 path, size, max);
		goto done;
	}
	if (git_repository_odb(&odb, repo->git) < 0 ||
	    git_odb_read(&obj, odb, &id) < 0) {
		error = sp_repo__git_error(SP_ERROR, "cannot read a blob");
		goto done;
	}
	if (git_odb_object_size(obj) > max) {
		error =
		    sp_error_set(SP_ETOOBIG, "'%s' is %zu bytes, more than %zu",
		                 path, git_odb_object_size(obj), max);
		goto done;
	}
	sp_buf_put(out, git_odb_object_data(obj), git_odb_object_size(obj));
done:
	git_odb_object_free(obj);
	git_odb_free(odb);
	return error;
}

struct repo_walk {
	sp_repo *repo;
	git_odb *odb;
	sp_repo_walk_fn cb;
	void *payload;
	sp_buf path;
	int error; /* the callback's or ours, when the walk stopped */
};

static int repo_walk_one(const char *root, const git_tree_entry *entry,
                         void *payload)
{
	struct repo_walk *w = payload;
	sp_repo_walk_entry e;
	git_object_t type;
	int rc;

	memset(&e, 0, sizeof(e));
	e.name = git_tree_entry_name(entry);
	e.kind = repo_kind(git_tree_entry_filemode_raw(entry));
	git_oid_tostr(e.id, sizeof(e.id), git_tree_entry_id(entry));
	sp_buf_sets(&w->path, root);
	sp_buf_puts(&w->path, e.name);
	e.path = w->path.ptr;
	if (e.kind == SP_ENTRY_NONE) {
		w->error = sp_error_set(
		    SP_EINVALID, "'%s' has an unknown mode %06o", e.path,
		    (unsigned)git_tree_entry_filemode_raw(entry));
		return -1;
	}
	if ((e.kind == SP_ENTRY_BLOB || e.kind == SP_ENTRY_EXEC ||
	     e.kind == SP_ENTRY_LINK) &&
	    git_odb_read_header(&e.size, &type, w->odb,
	                        git_tree_entry_id(entry)) < 0) {
		w->error = sp_repo__git_error(SP_ERROR,
		                              "cannot read an object header");
		return -1;
	}
	rc = w->cb(&e, w->payload);
	if (rc < 0) {
		w->error = rc;
		return -1;
	}
	return rc == 1 ? 1 : 0;
}

int sp_repo_walk(sp_repo *repo, const char *commit, sp_repo_walk_fn cb,
                 void *payload)
{
	struct repo_walk w = {repo, NULL, cb, payload, SP_BUF_INIT, 0};
	git_commit *c = NULL;
	git_tree *tree = NULL;
	int error, rc;

	if ((error = repo_lookup_commit(&c, repo, commit)) < 0)
		goto done;
	if (git_commit_tree(&tree, c) < 0 ||
	    git_repository_odb(&w.odb, repo->git) < 0) {
		error = sp_repo__git_error(
		    SP_ERROR, "cannot read the tree of the commit");
		goto done;
	}
	rc = git_tree_walk(tree, GIT_TREEWALK_PRE, repo_walk_one, &w);
	if (w.error)
		error = w.error;
	else if (rc < 0)
		error = sp_repo__git_error(SP_ERROR, "cannot read the tree");
done:
	sp_buf_dispose(&w.path);
	git_odb_free(w.odb);
	git_tree_free(tree);
	git_commit_free(c);
	return error;
}

int sp_repo_read_blob_id(sp_buf *out, sp_repo *repo, const char *id, size_t max)
{
	git_odb *odb = NULL;
	git_odb_object *obj = NULL;
	git_object_t type;
	git_oid oid;
	size_t size;
	int error = 0, rc;

	sp_buf_clear(out);
	if (strlen(id) != GIT_OID_HEXSZ || git_oid_fromstr(&oid, id) < 0)
		return sp_error_set(SP_EINVALID, "invalid object id '%s'", id);
	if (git_repository_odb(&odb, repo->git) < 0) {
		error = sp_repo__git_error(SP_ERROR, "cannot read a blob");
		goto done;
	}
	rc = git_odb_read_header(&size, &type, odb, &oid);
	if (rc == GIT_ENOTFOUND || (rc == 0 && type != GIT_OBJECT_BLOB)) {
		git_error_clear();
		error = sp_error_set(SP_ENOTFOUND, "no blob %s", id);
		goto done;
	}
	if (rc < 0 || (size <= max && git_odb_read(&obj, odb, &oid) < 0)) {
		error = sp_repo__git_error(SP_ERROR, "cannot read a blob");
		goto done;
	}
	if (size > max || git_odb_object_size(obj) > max) {
		error = sp_error_set(
		    SP_ETOOBIG, "blob %s is %zu bytes, more than %zu", id,
		    obj ? git_odb_object_size(obj) : size, max);
		goto done;
	}
	sp_buf_put(out, git_odb_object_data(obj), git_odb_object_size(obj));
done:
	git_odb_object_free(obj);
	git_odb_free(odb);
	return error;
}

static int repo_config(git_config **out, sp_repo *repo)
{
	if (git_repository_config_snapshot(out, repo->git) < 0)
		return sp_repo__git_error(SP_ERROR,
		                          "cannot read the git config");
	return 0;
}

int sp_repo_config_get(char **out, sp_repo *repo, const char *key)
{
	git_config *cfg = NULL;
	const char *value;
	int error, rc;

	*out = NULL;
	if ((error = repo_config(&cfg, repo)) < 0)
		return error;
	rc = git_config_get_string(&value, cfg, key);
	if (rc == GIT_ENOTFOUND) {
		git_error_clear();
		error = sp_error_set(SP_ENOTFOUND, "'%s' is not set", key);
	} else if (rc == GIT_EINVALIDSPEC) {
		error =
		    sp_error_set(SP_EINVALID, "invalid config key '%s'", key);
	} else if (rc < 0) {
		error =
		    sp_repo__git_error(SP_ERROR, "cannot read the git config");
	} else {
		*out = sp_strdup(value);
	}
	git_config_free(cfg);
	return error;
}

struct repo_foreach {
	int (*cb)(const char *value, void *payload);
	void *payload;
	int stopped; /* what the callback returned when it stopped the walk */
};

static int repo_foreach_entry(const git_config_entry *entry, void *payload)
{
	struct repo_foreach *f = payload;

	f->stopped = f->cb(entry->value ? entry->value : "", f->payload);
	return f->stopped;
}

int sp_repo_config_foreach(sp_repo *repo, const char *key,
                           int (*cb)(const char *value, void *payload),
                           void *payload)
{
	struct repo_foreach f = {cb, payload, 0};
	git_config *cfg = NULL;
	int error, rc;

	if ((error = repo_config(&cfg, repo)) < 0)
		return error;
	rc = git_config_get_multivar_foreach(cfg, key, NULL, repo_foreach_entry,
	                                     &f);
	if (f.stopped) {
		/* The callback stopped the walk: its code is the answer. */
		rc = f.stopped;
	} else if (rc == GIT_ENOTFOUND) {
		git_error_clear();
		rc = 0;
	} else if (rc == GIT_EINVALIDSPEC) {
		rc = sp_error_set(SP_EINVALID, "invalid config key '%s'", key);
	} else if (rc < 0) {
		rc = sp_repo__git_error(SP_ERROR, "cannot read the git config");
	}
	git_config_free(cfg);
	return rc;
}
