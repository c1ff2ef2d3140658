/* The per-Space state directory: state.json, secrets (0600), variables, lock,
 * ports; every file written whole. */
#ifndef SP_STORE_H
#define SP_STORE_H

#include <dirent.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include "buf.h"
#include "space.h"

/*
 * Layout under the state dir (spacehook.stateDir), directories 0700, files
 * 0600; in spaces/<slug>/:
 *   space           the id ("owner/name"), for listing and to catch clashes
 *   repo            the real path of the repository the Space is bound to
 *   state.json      the stage record (sp_state)
 *   secrets.json    {"NAME": "value"}
 *   variables.json  {"NAME": "value"}
 *   kv.lock         flock held while secrets/variables change
 *   lock            flock: one worker per Space
 *   queue, logs/    the job queue and job logs (see queue.h)
 * and at the top:
 *   ports.json      {"owner/name": port}, allocated once
 *   ports.lock      flock held while ports.json changes
 *   cache.key       the key of build cache salts
 *   audit.log       who changed what of which Space (see audit.h)
 * No JSON file is read past SP_STORE_FILE_MAX; a damaged one is an error
 * naming the file (SP_EINVALID), never a crash. Errors never quote a value.
 *
 * Nobody else can plant anything in the tree: every use checks each level
 * it goes through (the state dir, spaces/, spaces/<slug>/, logs/, slots/)
 * is a real directory owned by the running user and not writable by group
 * or others, and that the parents of the state dir up to / are owned by
 * root or that user and not writable by group or others (a sticky shared
 * directory such as /tmp only right above a directory the user or root
 * owns: nobody else can rename or remove that one).
 * Files are opened relative to the checked directories, never through a
 * symbolic link: one found where a file or directory should be is refused
 * (SP_EINVALID naming it), never followed. Refusals end in "; fix: CMD".
 */

#define SP_STORE_FILE_MAX (1024 * 1024)
#define SP_KV_NAME_MAX 256
#define SP_KV_VALUE_MAX (64 * 1024)

typedef struct sp_store sp_store;

/*
 * Open (creating as needed, 0700) the state directory of `space` under
 * `state_dir`, checked as above. SP_EEXISTS when the directory belongs to
 * another id (slug clash); SP_EINVALID when a level is a symbolic link, is
 * another user's or writable by others (the message names the path, what is
 * wrong and the command that fixes it).
 */
int sp_store_open(sp_store **out, const char *state_dir, const sp_space *space);

/* 1 when `space` has a state directory under `state_dir`, else 0 (nothing is
 * created). */
int sp_store_exists(const char *state_dir, const sp_space *space);
void sp_store_free(sp_store *store);

/* The Space's directory (owned by the store). */
const char *sp_store_dir(const sp_store *store);
const sp_space *sp_store_space(const sp_store *store);
/* The state directory the store was opened under (owned by the store). */
const char *sp_store_state_dir(const sp_store *store);

/* Write `len` bytes to `path` whole: temp file in the same dir, fsync, rename,
 * fsync dir. */
int sp_store_write_file(const char *path, const void *data, size_t len,
                        mode_t mode);

/*
 * Check the state directory as a process of `uid` would use it (the parents,
 * the directory and every level below it that exists: spaces/, each
 * spaces/<slug>/ and its logs/, slots/) without changing anything: 0 when
 * all is well, SP_ENOTFOUND when it does not exist, SP_EINVALID with the
 * problem as the last error and the command that fixes it in `fix`.
 */
int sp_store_check(sp_buf *fix, const char *state_dir, uid_t uid);

/*
 * Files in the Space's directory, by a name relative to it ("queue",
 * "logs/<id>.log"): each directory on the way is opened as a checked level
 * (made 0700 when missing and the call creates), the file itself with
 * O_NOFOLLOW | O_CLOEXEC. A symbolic link is refused with SP_EINVALID naming
 * it; a missing file is SP_ENOTFOUND.
 */

/* openat() of `relpath`: a new fd (the caller closes it) or a negative code. */
int sp_store_openat(sp_store *store, const char *relpath, int flags,
                    mode_t mode);

/* The same under the state directory itself ("ports.lock", "slots/0.lock"). */
int sp_store_root_openat(sp_store *store, const char *relpath, int flags,
                         mode_t mode);

/*
 * The same without a Space: `relpath` under the state directory `state_dir`
 * ("audit.log"), the directory checked as sp_store_open checks it (made
 * 0700 when missing and `flags` hold O_CREAT). SP_ENOTFOUND when the state
 * directory or the file is missing.
 */
int sp_store_state_openat(const char *state_dir, const char *relpath, int flags,
                          mode_t mode);

/* Read `relpath` whole into `out` (at most `max` bytes, else SP_ETOOBIG). */
int sp_store_readat(sp_buf *out, sp_store *store, const char *relpath,
                    size_t max);

/* Write `relpath` whole: temp file in its directory, fsync, renameat, fsync. */
int sp_store_writeat(sp_store *store, const char *relpath, const void *data,
                     size_t len, mode_t mode);

/* Remove `relpath`; one already gone is fine. */
int sp_store_unlinkat(sp_store *store, const char *relpath);

/* lstat() of `relpath`; SP_ENOTFOUND when absent. */
int sp_store_statat(struct stat *out, sp_store *store, const char *relpath);

/* Open the directory `relpath` (a checked level) for reading; the caller
 * closedir()s `*out`. */
int sp_store_opendirat(DIR **out, sp_store *store, const char *relpath);

/*
 * The repository `space` is bound to: the real path recorded in
 * spaces/<slug>/repo by its first deploy, into `out` (canonical, no
 * trailing '/'). Creates nothing. SP_ENOTFOUND when the Space is bound to
 * none yet.
 */
int sp_store_binding(sp_buf *out, const char *state_dir, const sp_space *space);

/*
 * Bind the Space to the repository at `repo_path` (its real path is
 * recorded). Unbound: bound now, exclusively (of two racing repositories
 * one wins). Bound to the same repository: 0. Bound to another: SP_EEXISTS
 * with a message naming both and the admin commands that rebind or forget
 * it, unless `force` (rebind), which records `repo_path` whatever was there.
 */
int sp_store_bind(sp_store *store, const char *repo_path, int force);

/*
 * Without writing anything: 0 when `space` is bound to no repository or to
 * the one at `repo_path`; SP_EEXISTS (message as sp_store_bind's) when it
 * is bound to another; another negative code when the record is damaged.
 */
int sp_store_check_binding(const char *state_dir, const sp_space *space,
                           const char *repo_path);

/*
 * Remove the Space's state directory and everything in it (record, secrets,
 * variables, logs, binding); symbolic links are removed, never followed.
 * The store stays usable only for sp_store_free.
 */
int sp_store_remove(sp_store *store);

#define SP_STORE_KEY_SIZE 32

/*
 * The server's secret key for build cache salts (see sp_build_cache_salt):
 * <state_dir>/cache.key, SP_STORE_KEY_SIZE random bytes made at first use
 * (0600). Never shown to a build or in a log.
 */
int sp_store_cache_key(unsigned char key[SP_STORE_KEY_SIZE],
                       const char *state_dir);

/* Secrets and variables. */
typedef enum { SP_KV_SECRETS, SP_KV_VARIABLES } sp_kv_kind;

typedef struct {
	char *name;
	char *value;
} sp_kv_entry;

typedef struct {
	sp_kv_entry *items; /* sorted by name */
	size_t count;
} sp_kv;

void sp_kv_dispose(sp_kv *kv);

/* Is `name` a valid environment variable name ([A-Za-z_][A-Za-z0-9_]*, at most
 * 256)? */
int sp_kv_name_valid(const char *name);

/*
 * The reserved prefix `name` starts with, in any case, or NULL: "BUILDKIT_"
 * (BuildKit reads such build arguments as options of the build itself) or
 * "SPACEHOOK_" (spacehook's own).
 */
const char *sp_kv_name_reserved(const char *name);

/*
 * 0 when a value may be set under `name`; SP_EINVALID, with a message saying
 * why, for a reserved name (sp_kv_name_reserved).
 */
int sp_kv_name_settable(const char *name);

/* Load the secrets or variables (an absent file is an empty set); the caller
 * disposes `out`. */
int sp_store_kv_load(sp_kv *out, sp_store *store, sp_kv_kind kind);

/*
 * Set NAME=value. SP_EINVALID for a bad or reserved name or a value that is
 * not UTF-8 or over 64 KiB; SP_EEXISTS when the name is already used by the
 * other kind; SP_ETOOBIG when the file would pass SP_STORE_FILE_MAX.
 */
int sp_store_kv_set(sp_store *store, sp_kv_kind kind, const char *name,
                    const char *value);

/* Remove NAME; SP_ENOTFOUND when it was not set. */
int sp_store_kv_unset(sp_store *store, sp_kv_kind kind, const char *name);

/* The stage record. Strings are owned by the struct; NULL when unknown. */
typedef struct {
	char *stage;      /* Hugging Face's names: BUILDING, RUNNING, ... NULL =
	                     never deployed */
	char *commit;     /* commit serving (or being deployed) */
	char *image;      /* image serving */
	char *container;  /* container id serving */
	char *prev_image; /* image kept for rollback */
	char *building_commit; /* commit of the build under way, if any */
	int host_port;         /* 0 = none yet */
	char *url;             /* http://bind:port */
	char *error; /* last error, Hugging Face's wording, may hold the log
	                tail */
	long long updated_at; /* unix seconds */
	long long started_at; /* when the serving container started */
	int worker_pid; /* worker running a job for this Space, 0 = none */
	int paused;     /* stopped by the admin: stays stopped across pushes */
	char *retiring; /* the version replaced by the front door, still
	                   serving the requests it had (NULL: none) */
	long long retire_at;  /* when `retiring` goes (unix seconds) */
	long long sleep_time; /* seconds idle before it sleeps (`spacehook
	                         sleep-time`); -1 never, 0 the server's
	                         spacehook.sleepTime */
} sp_state;

void sp_state_init(sp_state *state);
void sp_state_dispose(sp_state *state);

/* Load state.json; a Space never deployed gives an initialised state and 0. */
int sp_state_load(sp_state *out, sp_store *store);

/* Write state.json whole (updated_at set to now). */
int sp_state_save(sp_store *store, sp_state *state);

/* Set a string field of a state (copying; NULL clears). */
void sp_state_set(char **field, const char *value);

/*
 * Take the Space's lock (flock on spaces/<slug>/lock). With `wait` 0 returns
 * SP_ELOCKED at once when another process holds it. `*fd_out` is released
 * with sp_store_unlock (or by the process ending: a killed worker never
 * leaves a stale lock).
 */
int sp_store_lock(int *fd_out, sp_store *store, int wait);
void sp_store_unlock(int fd);

/*
 * The host port of `space_id`, allocated once from [min, max] under a lock on
 * ports.json and kept across deploys; a port another Space holds, or one that
 * is in use on `bind_address` right now, is skipped; the lowest free port
 * is taken. A kept port outside a changed [min, max] is allocated anew.
 * SP_ERROR when the range is exhausted, SP_EINVALID when `bind_address` is
 * not an address of this host.
 */
int sp_store_port(int *out, const char *state_dir, const char *space_id,
                  const char *bind_address, int min, int max);

/*
 * As sp_store_port, for one of a Space's two ports: `slot` 0 is the port
 * sp_store_port gives, 1 a second one (the front door starts a new version
 * on the port the serving one does not hold).
 */
int sp_store_port_slot(int *out, const char *state_dir, const char *space_id,
                       int slot, const char *bind_address, int min, int max);

/*
 * 1 when TCP `port` is taken on `address` (an IP address of this host) right
 * now, 0 when it is free, < 0 on error (SP_EINVALID for an address that is not
 * one of this host's).
 */
int sp_store_port_in_use(const char *address, int port);

/* Every Space that has a state directory under `state_dir` (ids, caller frees
 * with sp_store_list_free). */
int sp_store_list(char ***out, size_t *count, const char *state_dir);
void sp_store_list_free(char **ids, size_t count);

#endif
