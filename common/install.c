/* Putting the hooks in place: where the hook programs are, hooks installed,
 * chained or checked in a directory, the state directory made, git config set.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <limits.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "banned.h"
#include "error.h"
#include "install.h"
#include "proc.h"
#include "store.h"

#define WRAPPER_MARK "# spacehook chained hook"
#define WRAPPER_MAX (64 * 1024)

static int install_realpath(sp_buf *out, const char *path)
{
	char *real = realpath(path, NULL);

	if (!real)
		return -1;
	sp_buf_sets(out, real);
	free(real);
	return 0;
}

static int install_both(sp_buf *pre, sp_buf *post, const char *dir)
{
	sp_buf path = SP_BUF_INIT;
	int ok;

	sp_buf_printf(&path, "%s/pre-receive", dir);
	ok =
	    access(path.ptr, X_OK) == 0 && install_realpath(pre, path.ptr) == 0;
	sp_buf_clear(&path);
	sp_buf_printf(&path, "%s/post-receive", dir);
	ok = ok && access(path.ptr, X_OK) == 0 &&
	     install_realpath(post, path.ptr) == 0;
	sp_buf_dispose(&path);
	return ok;
}

int sp_install_programs(sp_buf *pre, sp_buf *post)
{
	sp_buf dir = SP_BUF_INIT, lib = SP_BUF_INIT;
	int error = 0;

	if ((error = sp_proc_self_dir(&dir)) < 0)
		goto done;
	sp_buf_printf(&lib, "%s/../lib/spacehook/hooks", dir.ptr);
	if (!install_both(pre, post, lib.ptr) &&
	    !install_both(pre, post, dir.ptr))
		error =
		    sp_error_set(SP_ENOTFOUND,
		                 "the hook programs are neither in '%s' nor "
		                 "next to the spacehook program in '%s'",
		                 lib.ptr, dir.ptr);
done:
	sp_buf_dispose(&dir);
	sp_buf_dispose(&lib);
	return error;
}

/* Whether `real` is a hook program of some spacehook installation. */
static int install_is_spacehook(const char *real, const char *name)
{
	const char *slash = strrchr(real, '/');
	sp_buf path = SP_BUF_INIT;
	int yes = 0;

	if (!slash || strcmp(slash + 1, name))
		return 0;
	sp_buf_put(&path, real, (size_t)(slash - real));
	sp_buf_puts(&path, "/spacehook");
	yes = access(path.ptr, X_OK) == 0;
	sp_buf_truncate(&path, (size_t)(slash - real));
	sp_buf_puts(&path, "/../../../bin/spacehook");
	yes = yes || access(path.ptr, X_OK) == 0;
	sp_buf_dispose(&path);
	return yes;
}

static void shell_quote(sp_buf *out, const char *s)
{
	sp_buf_putc(out, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			sp_buf_puts(out, "'\\''");
		else
			sp_buf_putc(out, *s);
	}
	sp_buf_putc(out, '\'');
}

int sp_install_wrapper(sp_buf *out, const char *name, const char *program)
{
	for (const char *p = program; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return sp_error_set(SP_EINVALID,
			                    "hook program path '%s' holds a "
			                    "control character",
			                    program);
	sp_buf_clear(out);
	sp_buf_printf(
	    out,
	    "#!/bin/sh\n" WRAPPER_MARK ": runs the hook that was here "
	    "before\n# (%s.local), then spacehook's, with the same "
	    "input. Written by\n# `spacehook install --chain`; to undo, "
	    "move %s.local back to %s.\n"
	    "hooks=$(dirname \"$0\")\n"
	    "input=$(mktemp) || exit 1\n"
	    "trap 'rm -f \"$input\"' EXIT\n"
	    "cat >\"$input\" || exit 1\n",
	    name, name, name);
	if (!strcmp(name, "pre-receive")) {
		sp_buf_printf(out,
		              "\"$hooks/%s.local\" \"$@\" <\"$input\" || "
		              "exit $?\n",
		              name);
		shell_quote(out, program);
		sp_buf_puts(out, " \"$@\" <\"$input\"\n");
	} else {
		sp_buf_printf(out,
		              "\"$hooks/%s.local\" \"$@\" <\"$input\"\n"
		              "status=$?\n",
		              name);
		shell_quote(out, program);
		sp_buf_puts(out, " \"$@\" <\"$input\" || status=$?\n"
		                 "exit $status\n");
	}
	return 0;
}

int sp_install_hook_status(sp_hook_status *out, sp_buf *detail, const char *dir,
                           const char *name, const char *program)
{
	sp_buf path = SP_BUF_INIT, real = SP_BUF_INIT, mine = SP_BUF_INIT;
	sp_buf text = SP_BUF_INIT, wrapper = SP_BUF_INIT;
	struct stat st;
	char target[PATH_MAX];
	ssize_t n;
	int error = 0;

	*out = SP_HOOK_OTHER;
	if (detail)
		sp_buf_clear(detail);
	sp_buf_printf(&path, "%s/%s", dir, name);
	if (lstat(path.ptr, &st) < 0) {
		if (errno == ENOENT)
			*out = SP_HOOK_MISSING;
		else
			error = sp_error_set_os(SP_EIO, "cannot read '%s'",
			                        path.ptr);
		goto done;
	}
	if (install_realpath(&mine, program) < 0) {
		error =
		    sp_error_set_os(SP_ENOTFOUND, "hook program '%s'", program);
		goto done;
	}
	if (S_ISLNK(st.st_mode)) {
		n = readlink(path.ptr, target, sizeof(target) - 1);
		target[n < 0 ? 0 : n] = '\0';
		if (detail)
			sp_buf_printf(detail, "a link to %s", target);
		if (install_realpath(&real, path.ptr) < 0) {
			if (detail)
				sp_buf_puts(detail, " (missing)");
			goto done;
		}
		if (!strcmp(real.ptr, mine.ptr))
			*out = SP_HOOK_OURS;
		else if (install_is_spacehook(real.ptr, name))
			*out = SP_HOOK_SPACEHOOK;
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		if (detail)
			sp_buf_puts(detail, "not a regular file");
		goto done;
	}
	if (install_realpath(&real, path.ptr) == 0 &&
	    !strcmp(real.ptr, mine.ptr)) {
		*out = SP_HOOK_OURS;
		goto done;
	}
	if (detail)
		sp_buf_puts(detail, "a file");
	if (sp_buf_read_file(&text, path.ptr, WRAPPER_MAX) < 0) {
		sp_error_clear();
		goto done;
	}
	if ((error = sp_install_wrapper(&wrapper, name, mine.ptr)) < 0)
		goto done;
	if (!strcmp(text.ptr, wrapper.ptr))
		*out = SP_HOOK_CHAINED;
	else if (strstr(text.ptr, "\n" WRAPPER_MARK))
		*out = SP_HOOK_SPACEHOOK;
done:
	sp_buf_dispose(&path);
	sp_buf_dispose(&real);
	sp_buf_dispose(&mine);
	sp_buf_dispose(&text);
	sp_buf_dispose(&wrapper);
	return error;
}

static int install_owner(const char *path, const sp_install_options *opts)
{
	if (opts->owned && lchown(path, opts->uid, opts->gid) < 0)
		return sp_error_set_os(SP_EIO, "cannot give '%s' to uid %ld",
		                       path, (long)opts->uid);
	return 0;
}

/* Put a link or a file at `path` whole: written under a temporary name, then
 * renamed. */
static int install_put(const char *path, const char *link_to, const char *text,
                       const sp_install_options *opts)
{
	sp_buf tmp = SP_BUF_INIT;
	int fd = -1, error = 0;
	size_t len;

	sp_buf_printf(&tmp, "%s.spacehook-new", path);
	unlink(tmp.ptr);
	if (link_to) {
		if (symlink(link_to, tmp.ptr) < 0) {
			error = sp_error_set_os(SP_EIO, "cannot make '%s'",
			                        tmp.ptr);
			goto done;
		}
	} else {
		fd = open(tmp.ptr, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		          0755);
		len = strlen(text);
		if (fd < 0 || write(fd, text, len) != (ssize_t)len ||
		    fchmod(fd, 0755) < 0 || fsync(fd) < 0) {
			error = sp_error_set_os(SP_EIO, "cannot write '%s'",
			                        tmp.ptr);
			goto done;
		}
	}
	if ((error = install_owner(tmp.ptr, opts)) < 0)
		goto done;
	if (rename(tmp.ptr, path) < 0)
		error = sp_error_set_os(SP_EIO, "cannot rename '%s' to '%s'",
		                        tmp.ptr, path);
done:
	if (fd >= 0)
		close(fd);
	if (error < 0)
		unlink(tmp.ptr);
	sp_buf_dispose(&tmp);
	return error;
}

static int install_mkdir(const char *dir, mode_t mode,
                         const sp_install_options *opts)
{
	struct stat st;

	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return sp_error_set(SP_EINVALID,
			                    "'%s' is not a directory", dir);
		return 0;
	}
	if (errno != ENOENT || mkdir(dir, mode) < 0)
		return sp_error_set_os(SP_EIO, "cannot make directory '%s'",
		                       dir);
	return install_owner(dir, opts);
}

int sp_install_hook(sp_install_result *out, const char *dir, const char *name,
                    const char *program, const sp_install_options *opts)
{
	sp_buf path = SP_BUF_INIT, local = SP_BUF_INIT, detail = SP_BUF_INIT;
	sp_buf wrapper = SP_BUF_INIT, tmp = SP_BUF_INIT;
	sp_hook_status status;
	struct stat st;
	int error;

	if ((error = install_mkdir(dir, 0755, opts)) < 0 ||
	    (error = sp_install_hook_status(&status, &detail, dir, name,
	                                    program)) < 0)
		goto done;
	sp_buf_printf(&path, "%s/%s", dir, name);
	switch (status) {
	case SP_HOOK_OURS:
	case SP_HOOK_CHAINED:
		*out = SP_INSTALL_ALREADY;
		goto done;
	case SP_HOOK_MISSING:
		error = install_put(path.ptr, program, NULL, opts);
		*out = SP_INSTALL_ADDED;
		goto done;
	case SP_HOOK_SPACEHOOK:
		/* Another installation's link, or its wrapper (the .local
		 * stays). */
		if (lstat(path.ptr, &st) == 0 && S_ISLNK(st.st_mode))
			error = install_put(path.ptr, program, NULL, opts);
		else if ((error =
		              sp_install_wrapper(&wrapper, name, program)) == 0)
			error = install_put(path.ptr, NULL, wrapper.ptr, opts);
		*out = SP_INSTALL_UPDATED;
		goto done;
	case SP_HOOK_OTHER:
		break;
	}
	sp_buf_printf(&local, "%s.local", path.ptr);
	if (!opts->chain) {
		error =
		    sp_error_set(SP_EEXISTS,
		                 "'%s' is another hook (%s): add --chain to "
		                 "keep it as %s.local and run it before "
		                 "spacehook's, or move it away and run again",
		                 path.ptr, detail.ptr, name);
		goto done;
	}
	if (lstat(local.ptr, &st) == 0) {
		error = sp_error_set(SP_EEXISTS,
		                     "cannot chain '%s': '%s' exists already; "
		                     "merge the two by hand",
		                     path.ptr, local.ptr);
		goto done;
	}
	/* Write the wrapper aside first, so a failure leaves the old hook in
	 * place. */
	sp_buf_printf(&tmp, "%s.spacehook-chain", path.ptr);
	if ((error = sp_install_wrapper(&wrapper, name, program)) < 0 ||
	    (error = install_put(tmp.ptr, NULL, wrapper.ptr, opts)) < 0)
		goto done;
	if (rename(path.ptr, local.ptr) < 0) {
		error = sp_error_set_os(SP_EIO, "cannot move '%s' to '%s'",
		                        path.ptr, local.ptr);
		unlink(tmp.ptr);
		goto done;
	}
	if (rename(tmp.ptr, path.ptr) < 0) {
		error = sp_error_set_os(SP_EIO, "cannot rename '%s' to '%s'",
		                        tmp.ptr, path.ptr);
		if (rename(local.ptr, path.ptr) < 0)
			error = sp_error_set_os(SP_EIO,
			                        "cannot put '%s' back "
			                        "from '%s'",
			                        path.ptr, local.ptr);
		unlink(tmp.ptr);
		goto done;
	}
	*out = SP_INSTALL_CHAINED;
done:
	sp_buf_dispose(&path);
	sp_buf_dispose(&local);
	sp_buf_dispose(&detail);
	sp_buf_dispose(&wrapper);
	sp_buf_dispose(&tmp);
	return error;
}

int sp_install_state_dir(int *created, const char *path,
                         const sp_install_options *opts)
{
	sp_buf part = SP_BUF_INIT;
	struct stat st;
	struct passwd *pw;
	const char *p;
	int error = 0;

	*created = 0;
	if (path[0] != '/')
		return sp_error_set(SP_EINVALID,
		                    "state directory '%s' is not an "
		                    "absolute path",
		                    path);
	if (stat(path, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return sp_error_set(SP_EINVALID,
			                    "state directory '%s' is "
			                    "not a directory",
			                    path);
		if (st.st_uid != opts->uid) {
			pw = getpwuid(opts->uid);
			return sp_error_set(
			    SP_EINVALID,
			    "state directory '%s' belongs to uid "
			    "%ld, not to %s: run chown -R %s: '%s'",
			    path, (long)st.st_uid,
			    pw ? pw->pw_name : "the git user",
			    pw ? pw->pw_name : "USER", path);
		}
		if ((st.st_mode & 0777) == 0700)
			return 0;
		if (chmod(path, 0700) < 0)
			return sp_error_set_os(SP_EIO,
			                       "cannot set the mode of state "
			                       "directory '%s' to 0700",
			                       path);
		*created = 2;
		return 0;
	}
	/* Parents as `install -d` makes them (0755, root's), the last one 0700.
	 */
	for (p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		sp_buf_clear(&part);
		sp_buf_put(&part, path, (size_t)(p - path));
		if (mkdir(part.ptr, 0755) < 0 && errno != EEXIST) {
			error = sp_error_set_os(
			    SP_EIO, "cannot make directory '%s'", part.ptr);
			goto done;
		}
	}
	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		error = sp_error_set_os(
		    SP_EIO, "cannot make state directory '%s'", path);
		goto done;
	}
	if ((error = install_owner(path, opts)) < 0)
		goto done;
	*created = 1;
done:
	sp_buf_dispose(&part);
	return error;
}

/* Open the one config file `file` with libgit2 (made on the first write). */
static int install_config_open(git_config **out, const char *file)
{
	const git_error *e;
	int error;

	*out = NULL;
	if (git_libgit2_init() < 0)
		return sp_error_set(SP_ERROR, "cannot initialise libgit2");
	if (git_config_open_ondisk(out, file) == 0)
		return 0;
	e = git_error_last();
	error = sp_error_set(SP_ERROR, "cannot read git config '%s': %s", file,
	                     e && e->message ? e->message : "error");
	git_libgit2_shutdown(); /* frees the error `e` points at */
	return error;
}

static void install_config_close(git_config *cfg)
{
	if (cfg) {
		git_config_free(cfg);
		git_libgit2_shutdown();
	}
}

/* The value of `key` in `cfg` into `*out` (NULL when unset). */
static int install_config_read(char **out, git_config *cfg, const char *file,
                               const char *key)
{
	git_buf value = {0};
	const git_error *e;
	int rc;

	*out = NULL;
	rc = git_config_get_string_buf(&value, cfg, key);
	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc < 0) {
		e = git_error_last();
		return sp_error_set(SP_ERROR, "cannot read %s in '%s': %s", key,
		                    file,
		                    e && e->message ? e->message : "error");
	}
	*out = sp_strdup(value.ptr ? value.ptr : "");
	git_buf_dispose(&value);
	return 0;
}

int sp_install_config_get(char **out, const char *file, const char *key)
{
	git_config *cfg = NULL;
	int error;

	*out = NULL;
	if ((error = install_config_open(&cfg, file)) == 0)
		error = install_config_read(out, cfg, file, key);
	install_config_close(cfg);
	return error;
}

int sp_install_config_set(int *changed, const char *file, const char *key,
                          const char *value)
{
	git_config *cfg = NULL;
	const git_error *e;
	char *now = NULL;
	struct stat st;
	int had, error;

	*changed = 0;
	if ((error = install_config_open(&cfg, file)) < 0 ||
	    (error = install_config_read(&now, cfg, file, key)) < 0)
		goto done;
	if (now && !strcmp(now, value))
		goto done;
	had = stat(file, &st) == 0;
	if (git_config_set_string(cfg, key, value) < 0) {
		e = git_error_last();
		error =
		    sp_error_set(SP_ERROR, "cannot set %s in '%s': %s", key,
		                 file, e && e->message ? e->message : "error");
		goto done;
	}
	if (had && geteuid() == 0 && chown(file, st.st_uid, st.st_gid) < 0) {
		error =
		    sp_error_set_os(SP_EIO, "cannot give '%s' back to uid %ld",
		                    file, (long)st.st_uid);
		goto done;
	}
	*changed = 1;
done:
	free(now);
	install_config_close(cfg);
	return error;
}

int sp_install_port_free(const char *address, int port)
{
	int rc = sp_store_port_in_use(address, port);

	return rc < 0 ? rc : !rc;
}

/*
 * The front door: the system nginx's include, nginxDir, the sudoers rule.
 */

/* An absolute path nginx and sudo take literally. */
static int install_nginx_path_ok(const char *path)
{
	return path[0] == '/' && !strstr(path, "/../") && !strstr(path, "//") &&
	       strspn(path,
	              "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	              "0123456789._/+@-") == strlen(path);
}

/* `path`'s directory must exist: the place nginx (or sudo) reads. */
static int install_parent_ok(const char *path, const char *what,
                             const char *option)
{
	sp_buf dir = SP_BUF_INIT;
	struct stat st;
	int error = 0;

	sp_buf_sets(&dir, path);
	sp_buf_truncate(&dir, (size_t)(strrchr(dir.ptr, '/') - dir.ptr));
	if (!dir.size || stat(dir.ptr, &st) < 0 || !S_ISDIR(st.st_mode))
		error = sp_error_set(SP_EINVALID,
		                     "no directory '%s' for %s '%s': is it "
		                     "installed? or give the path with %s",
		                     dir.ptr, what, path, option);
	sp_buf_dispose(&dir);
	return error;
}

/* Write `text` to `path` (mode `mode`) unless it holds it already; a file
 * there that spacehook did not write is kept (SP_EEXISTS). */
static int install_text_file(int *changed, const char *path, const char *text,
                             mode_t mode, const char *what)
{
	sp_buf now = SP_BUF_INIT;
	int error;

	*changed = 0;
	error = sp_buf_read_file(&now, path, 64 * 1024);
	if (error == 0 && !strcmp(now.ptr, text))
		goto done;
	if (error == 0 && strncmp(now.ptr, "# spacehook", 11)) {
		error =
		    sp_error_set(SP_EEXISTS,
		                 "'%s' is already there and not spacehook's: "
		                 "move it away, or give another path for %s",
		                 path, what);
		goto done;
	}
	if (error < 0 && access(path, F_OK) == 0)
		goto done;
	if ((error = sp_store_write_file(path, text, strlen(text), mode)) < 0)
		goto done;
	*changed = 1;
done:
	sp_buf_dispose(&now);
	return error;
}

int sp_install_nginx_include(int *changed, const char *path,
                             const char *nginx_dir)
{
	sp_buf text = SP_BUF_INIT;
	int error;

	*changed = 0;
	if (!install_nginx_path_ok(path) || !install_nginx_path_ok(nginx_dir))
		return sp_error_set(SP_EINVALID,
		                    "'%s' or '%s' is not an absolute path of "
		                    "letters, digits and ._/+@-",
		                    path, nginx_dir);
	if ((error = install_parent_ok(path, "the nginx include",
	                               "--nginx-conf PATH")) < 0)
		return error;
	sp_buf_printf(&text,
	              "# spacehook: the Spaces' hostnames (written by "
	              "spacehook install --nginx)\n"
	              "include %s/*.conf;\n",
	              nginx_dir);
	error = install_text_file(changed, path, text.ptr, 0644,
	                          "--nginx-conf PATH");
	sp_buf_dispose(&text);
	return error;
}

int sp_install_nginx_dir(int *created, const char *path,
                         const sp_install_options *opts)
{
	sp_buf part = SP_BUF_INIT;
	struct stat st;
	int error = 0;

	*created = 0;
	if (!install_nginx_path_ok(path))
		return sp_error_set(
		    SP_EINVALID,
		    "spacehook.nginxDir '%s' is not an absolute "
		    "path of letters, digits and ._/+@-",
		    path);
	for (const char *p = strchr(path + 1, '/');; p = strchr(p + 1, '/')) {
		sp_buf_clear(&part);
		sp_buf_put(&part, path, p ? (size_t)(p - path) : strlen(path));
		if (mkdir(part.ptr, 0755) == 0) {
			*created = !p;
		} else if (errno != EEXIST) {
			error = sp_error_set_os(
			    SP_EIO, "cannot make directory '%s'", part.ptr);
			goto done;
		}
		if (!p)
			break;
	}
	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		error = sp_error_set(
		    SP_EINVALID, "spacehook.nginxDir '%s' is not a directory",
		    path);
		goto done;
	}
	if (st.st_uid != opts->uid || st.st_gid != opts->gid) {
		if ((error = install_owner(path, opts)) < 0)
			goto done;
		if (!*created && opts->owned)
			*created = 2;
	}
done:
	sp_buf_dispose(&part);
	return error;
}

void sp_install_sudoers_rule(sp_buf *out, const char *user)
{
	sp_buf_printf(out,
	              "# spacehook: the git user may check and reload nginx, "
	              "nothing else\n"
	              "# (spacehook.nginxTest = sudo -n " SP_INSTALL_NGINX
	              " -t,\n"
	              "#  spacehook.nginxReload = sudo -n " SP_INSTALL_NGINX
	              " -s reload)\n"
	              "%s ALL=(root) NOPASSWD: " SP_INSTALL_NGINX
	              " -t, " SP_INSTALL_NGINX " -s reload\n",
	              user);
}

int sp_install_sudoers(int *changed, const char *path, const char *user)
{
	sp_buf text = SP_BUF_INIT;
	size_t len = strlen(user);
	int error;

	*changed = 0;
	if (!len || len > 32 ||
	    !strchr("abcdefghijklmnopqrstuvwxyz_", user[0]) ||
	    strspn(user, "abcdefghijklmnopqrstuvwxyz0123456789_-") != len)
		return sp_error_set(SP_EINVALID,
		                    "'%s' is not a user name sudoers can take "
		                    "literally ([a-z_][a-z0-9_-]*)",
		                    user);
	if (!install_nginx_path_ok(path) || strchr(strrchr(path, '/'), '.'))
		return sp_error_set(
		    SP_EINVALID,
		    "'%s' is not an absolute path whose name has "
		    "no '.' (sudo skips such files)",
		    path);
	if ((error = install_parent_ok(path, "the sudoers rule",
	                               "--sudoers-file PATH")) < 0)
		return error;
	sp_install_sudoers_rule(&text, user);
	error = install_text_file(changed, path, text.ptr, 0440,
	                          "--sudoers-file PATH");
	sp_buf_dispose(&text);
	return error;
}
