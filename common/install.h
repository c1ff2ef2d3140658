/* Putting the hooks in place: where the hook programs are, hooks installed,
 * chained or checked in a directory, the state directory made, git config set.
 */
#ifndef SP_INSTALL_H
#define SP_INSTALL_H

#include <sys/types.h>

#include "buf.h"

/* What is at a hook's path, as sp_install_hook_status sees it. */
typedef enum {
	SP_HOOK_MISSING,   /* nothing there */
	SP_HOOK_OURS,      /* a link to (or the very) hook program given */
	SP_HOOK_CHAINED,   /* the wrapper that runs <name>.local, then ours */
	SP_HOOK_SPACEHOOK, /* a link to another spacehook installation's hook */
	SP_HOOK_OTHER,     /* anything else: someone else's hook */
} sp_hook_status;

/* What sp_install_hook did. */
typedef enum {
	SP_INSTALL_ALREADY, /* the hook was already there: nothing changed */
	SP_INSTALL_ADDED,   /* a link to the program was made */
	SP_INSTALL_UPDATED, /* another spacehook installation's link replaced */
	SP_INSTALL_CHAINED, /* the old hook moved to <name>.local, wrapper
	                       written */
} sp_install_result;

typedef struct {
	int chain; /* keep a different hook as <name>.local and run it first */
	int owned; /* give what is created to uid/gid (needs root) */
	uid_t uid; /* the git user: who must own the state directory */
	gid_t gid;
} sp_install_options;

/*
 * The absolute paths of the pre-receive and post-receive programs of this
 * installation, found from /proc/self/exe: next to the running program (a
 * build tree) or in <prefix>/lib/spacehook/hooks beside <prefix>/bin.
 * SP_ENOTFOUND when neither holds both.
 */
int sp_install_programs(sp_buf *pre, sp_buf *post);

/*
 * What `dir`/`name` holds compared with `program` (the hook program this
 * installation would link there). `detail` (may be NULL) gets what the
 * path holds, for messages ("-> /usr/lib/spacehook/hooks/pre-receive").
 */
int sp_install_hook_status(sp_hook_status *out, sp_buf *detail, const char *dir,
                           const char *name, const char *program);

/*
 * Install `program` as hook `name` in `dir` (made 0755 when missing): a
 * symbolic link. A hook already there that is not ours is never lost: with
 * opts->chain it moves to <name>.local and a small sh wrapper runs it and
 * then ours on the same input (for pre-receive both must succeed); without,
 * SP_EEXISTS with a message naming the hook and the options. A link to
 * another spacehook installation's hook is replaced. `*out` says what was
 * done. A changed hook is written whole (temporary name, rename).
 */
int sp_install_hook(sp_install_result *out, const char *dir, const char *name,
                    const char *program, const sp_install_options *opts);

/*
 * The wrapper script that runs `dir`/<name>.local and then `program` with
 * the same standard input (exact bytes, so a second run can recognise it).
 */
int sp_install_wrapper(sp_buf *out, const char *name, const char *program);

/*
 * Make the state directory `path` (and missing parents) with mode 0700,
 * given to opts' uid/gid when opts->owned. An existing one is checked: a
 * directory owned by opts->uid (SP_EINVALID with the chown to run
 * otherwise), its mode set to 0700 when it was more open. `*created` is 1
 * when it was made now, 2 when its mode was set, else 0.
 */
int sp_install_state_dir(int *created, const char *path,
                         const sp_install_options *opts);

/*
 * Set `key` to `value` in the git config file `file` (made when missing)
 * unless it already holds exactly that value; `*changed` says which. The
 * file keeps its owner. Written by libgit2, as git config --file would.
 */
int sp_install_config_set(int *changed, const char *file, const char *key,
                          const char *value);

/*
 * The value of `key` in the git config file `file` (only that file); NULL
 * in `*out` when unset. Caller frees.
 */
int sp_install_config_get(char **out, const char *file, const char *key);

/* 1 when a TCP port is free to bind on `address` now, 0 when taken, < 0 on
 * error. */
int sp_install_port_free(const char *address, int port);

/* The front door (frontdoor.h) on the system's nginx. */

#define SP_INSTALL_NGINX "/usr/sbin/nginx"
#define SP_INSTALL_NGINX_CONF "/etc/nginx/conf.d/spacehook.conf"
#define SP_INSTALL_SUDOERS "/etc/sudoers.d/spacehook"

/*
 * The system nginx's include of the front door: `path` (an absolute path
 * whose directory exists, e.g. SP_INSTALL_NGINX_CONF) holding an include
 * of every .conf file of `nginx_dir` (read inside http {}, as conf.d is),
 * 0644. A file there that spacehook did not write is kept: SP_EEXISTS.
 * `*changed` is 0 when it held that already.
 */
int sp_install_nginx_include(int *changed, const char *path,
                             const char *nginx_dir);

/*
 * Make spacehook.nginxDir `path` (0755, missing parents too) and give it to
 * opts' uid/gid when opts->owned. `*created` is 1 when made now, 2 when an
 * existing one was given to the git user, else 0.
 */
int sp_install_nginx_dir(int *created, const char *path,
                         const sp_install_options *opts);

/*
 * The sudoers rule (install/sudoers.spacehook for the user "git"): `user`
 * may run exactly "nginx -t" and "nginx -s reload" as root, without a
 * password. Appended to `out`.
 */
void sp_install_sudoers_rule(sp_buf *out, const char *user);

/*
 * Write the rule for `user` to `path` (e.g. SP_INSTALL_SUDOERS; a name
 * without '.', whose directory exists), mode 0440; SP_EEXISTS as
 * sp_install_nginx_include's. `*changed` is 0 when it held that already.
 */
int sp_install_sudoers(int *changed, const char *path, const char *user);

#endif
