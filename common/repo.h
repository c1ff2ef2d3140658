/* A git repository as the hooks see it: opened from the hook environment
 * (quarantine included), blobs read at a path of a commit. */
#ifndef SP_REPO_H
#define SP_REPO_H

#include <stddef.h>

#include "buf.h"

#define SP_OID_HEXSZ 40

typedef struct sp_repo sp_repo;

typedef enum {
	SP_ENTRY_NONE,      /* nothing at that path */
	SP_ENTRY_BLOB,      /* a regular file */
	SP_ENTRY_EXEC,      /* an executable file */
	SP_ENTRY_LINK,      /* a symbolic link */
	SP_ENTRY_TREE,      /* a directory */
	SP_ENTRY_SUBMODULE, /* a gitlink */
} sp_entry_kind;

/*
 * Open the repository at `path` (NULL: discover from the current directory
 * or $GIT_DIR). When running inside a hook, objects still in git's quarantine
 * ($GIT_OBJECT_DIRECTORY, $GIT_QUARANTINE_PATH) are visible too. Works for
 * paths with spaces and ':'.
 */
int sp_repo_open(sp_repo **out, const char *path);

void sp_repo_free(sp_repo *repo);

/* The repository's git directory (owned by repo). */
const char *sp_repo_path(const sp_repo *repo);

/* Resolve a revision (sha, ref, "HEAD~1", ...) to the hex id of a commit. */
int sp_repo_resolve(char out[SP_OID_HEXSZ + 1], sp_repo *repo, const char *rev);

/* What is at `path` in the tree of `commit`; `*size` gets a blob's size read
 * from its header (0 otherwise). */
int sp_repo_entry(sp_entry_kind *out, size_t *size, sp_repo *repo,
                  const char *commit, const char *path);

/* Read the blob at `path` of `commit` into `out`; SP_ENOTFOUND, or SP_ETOOBIG
 * past `max` (checked on the header before loading). */
int sp_repo_read_blob(sp_buf *out, sp_repo *repo, const char *commit,
                      const char *path, size_t max);

/* One entry of a tree walk (sp_repo_walk); valid during the callback. */
typedef struct {
	const char *path;          /* from the root, '/'-separated */
	const char *name;          /* the entry's own name, as stored */
	sp_entry_kind kind;        /* never SP_ENTRY_NONE; an entry of an
	                              unknown mode is SP_EINVALID */
	size_t size;               /* a blob's size from its header, else 0 */
	char id[SP_OID_HEXSZ + 1]; /* the object's hex id */
} sp_repo_walk_entry;

/*
 * Called for each entry of a walk; 0 goes on, 1 skips a directory's
 * entries, a negative code stops the walk.
 */
typedef int (*sp_repo_walk_fn)(const sp_repo_walk_entry *entry, void *payload);

/*
 * Walk the tree of `commit` depth first, each directory before its
 * entries, in the tree's order; blobs are not loaded (their size is read
 * from the object header). Returns 0, the negative code with which `cb`
 * stopped the walk, SP_ENOTFOUND (no such commit) or another negative code.
 */
int sp_repo_walk(sp_repo *repo, const char *commit, sp_repo_walk_fn cb,
                 void *payload);

/* Read the blob of hex id `id` into `out`; SP_ETOOBIG past `max` (checked
 * on the header before loading), SP_ENOTFOUND when there is no such blob. */
int sp_repo_read_blob_id(sp_buf *out, sp_repo *repo, const char *id,
                         size_t max);

/* A git config value as the repository sees it (repository, global, system);
 * SP_ENOTFOUND when unset. Caller frees. */
int sp_repo_config_get(char **out, sp_repo *repo, const char *key);

/*
 * Every value of a multivar (e.g. spacehook.webhook); calls cb for each, in
 * config order. Unset is not an error (0, no call). A non-zero return of cb
 * stops the walk and is returned.
 */
int sp_repo_config_foreach(sp_repo *repo, const char *key,
                           int (*cb)(const char *value, void *payload),
                           void *payload);

#endif
