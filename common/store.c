/* The per-Space state directory: JSON records written whole, secrets and
 * variables, locks, the queue and host ports. */
#include "store.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "banned.h"
#include "error.h"
#include "utf8.h"

struct sp_store {
	char *state_dir; /* as configured */
	char *dir;       /* spaces/<slug>, for messages */
	int root_fd;     /* O_PATH of the verified state directory */
	int dir_fd;      /* O_PATH of the verified spaces/<slug> */
	sp_space space;
};

static const char *const kv_files[] = {"secrets.json", "variables.json"};
static const char *const kv_nouns[] = {"secret", "variable"};

/* Overwrite memory that held secret values before it is freed. */
static void store_wipe(void *p, size_t len)
{
	if (p && len)
		explicit_bzero(p, len);
}

static void store_buf_wipe(sp_buf *buf)
{
	if (buf->asize)
		store_wipe(buf->ptr, buf->asize);
	sp_buf_dispose(buf);
}

/* Create `path` and its missing parents, each 0700; an existing directory is
 * fine. The checks that follow decide whether it may be used. */
static int store_mkdirs(const char *path)
{
	sp_buf part = SP_BUF_INIT;
	int error = 0;

	if (!path || path[0] != '/')
		return sp_error_set(
		    SP_EINVALID, "state directory '%s' is not an absolute path",
		    path ? path : "");
	for (const char *p = path + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		sp_buf_clear(&part);
		sp_buf_put(&part, path, (size_t)(p - path));
		if (part.size && mkdir(part.ptr, 0700) < 0 && errno != EEXIST) {
			error = sp_error_set_os(
			    SP_EIO, "cannot create directory '%s'", part.ptr);
			goto done;
		}
		if (*p == '\0')
			break;
	}
done:
	sp_buf_dispose(&part);
	return error;
}

static int store_slug_ok(const char *slug)
{
	size_t len = strlen(slug);

	return len > 0 && len < sizeof(((sp_space *)0)->slug) &&
	       slug[0] != '-' &&
	       strspn(slug, "abcdefghijklmnopqrstuvwxyz0123456789-") == len;
}

/* Checking the tree. */

/* "uid 1001 (bob)", or "uid 1001" for a uid without a name. */
static void store_who(sp_buf *out, uid_t uid)
{
	struct passwd *pw = getpwuid(uid);

	sp_buf_clear(out);
	if (pw)
		sp_buf_printf(out, "uid %ld (%s)", (long)uid, pw->pw_name);
	else
		sp_buf_printf(out, "uid %ld", (long)uid);
}

/* Who must own the tree, as a message says it. */
static void store_you(sp_buf *out, uid_t uid)
{
	sp_buf_clear(out);
	if (uid == geteuid())
		sp_buf_printf(out, "you (uid %ld)", (long)uid);
	else {
		store_who(out, uid);
		sp_buf_puts(out, ", the git user");
	}
}

/* The problem is the last error; a refusal says the fix after it. */
static int store_refuse(sp_buf *fix, int error)
{
	sp_buf problem = SP_BUF_INIT;

	if (error == SP_EINVALID && fix->size) {
		sp_buf_sets(&problem, sp_error_last());
		sp_error_set(SP_EINVALID, "%s; fix: %s", problem.ptr, fix->ptr);
		sp_buf_clear(fix);
	}
	sp_buf_dispose(&problem);
	return error;
}

/*
 * One level of the tree (`path`; `root` is the state directory): a real
 * directory, owned by `uid`, not writable by group or others. The problem
 * goes to the last error, the command that fixes it to `fix`.
 */
static int store_check_level(sp_buf *fix, const struct stat *st,
                             const char *path, const char *root, uid_t uid)
{
	sp_buf who = SP_BUF_INIT, you = SP_BUF_INIT;
	char *real = NULL;
	int error = 0;

	sp_buf_clear(fix);
	if (S_ISLNK(st->st_mode)) {
		if (!strcmp(path, root) && (real = realpath(root, NULL)))
			sp_buf_printf(fix,
			              "git config --system spacehook.stateDir "
			              "'%s'",
			              real);
		else
			sp_buf_printf(fix, "rm '%s'", path);
		error = sp_error_set(SP_EINVALID,
		                     "state directory '%s' is a symbolic link: "
		                     "spacehook follows none in its state "
		                     "directory",
		                     path);
	} else if (!S_ISDIR(st->st_mode)) {
		sp_buf_printf(fix, "mv '%s' '%s.moved'", path, path);
		error = sp_error_set(SP_EINVALID,
		                     "state directory '%s' is not a directory",
		                     path);
	} else if (st->st_uid != uid) {
		store_who(&who, st->st_uid);
		store_you(&you, uid);
		sp_buf_printf(fix, "chown -R %ld '%s' && chmod -R go-w '%s'",
		              (long)uid, root, root);
		error = sp_error_set(
		    SP_EINVALID,
		    "state directory '%s' is owned by %s, not by %s", path,
		    who.ptr, you.ptr);
	} else if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		sp_buf_printf(fix, "chmod -R go-w '%s'", root);
		error =
		    sp_error_set(SP_EINVALID,
		                 "state directory '%s' is writable by group "
		                 "or others (mode %04o)",
		                 path, (unsigned)(st->st_mode & 07777));
	}
	free(real);
	sp_buf_dispose(&who);
	sp_buf_dispose(&you);
	return error;
}

/*
 * A directory above the state directory (sshd's StrictModes): owned by root
 * or `uid`, not writable by group or others, except a sticky shared one
 * like /tmp (`*shared` set: the next level must then be owned by `uid` or
 * root, which the caller checks).
 */
static int store_check_parent(sp_buf *fix, int *shared, const struct stat *st,
                              const char *path, const char *root, uid_t uid)
{
	sp_buf who = SP_BUF_INIT, you = SP_BUF_INIT;
	int error = 0;

	sp_buf_clear(fix);
	*shared = 0;
	if (!S_ISDIR(st->st_mode)) {
		error = sp_error_set(SP_EINVALID,
		                     "'%s', above state directory '%s', is not "
		                     "a directory",
		                     path, root);
	} else if (st->st_uid != 0 && st->st_uid != uid) {
		store_who(&who, st->st_uid);
		store_you(&you, uid);
		sp_buf_printf(fix, "chown root '%s' && chmod go-w '%s'", path,
		              path);
		error =
		    sp_error_set(SP_EINVALID,
		                 "'%s', a parent of state directory '%s', is "
		                 "owned by %s, not by root or %s: its owner "
		                 "could swap the state directory (or set "
		                 "spacehook.stateDir to a directory whose "
		                 "parents only root can change)",
		                 path, root, who.ptr, you.ptr);
	} else if ((st->st_mode & (S_IWGRP | S_IWOTH)) &&
	           !(st->st_mode & S_ISVTX)) {
		sp_buf_printf(fix, "chmod go-w '%s'", path);
		error =
		    sp_error_set(SP_EINVALID,
		                 "'%s', a parent of state directory '%s', is "
		                 "writable by group or others (mode %04o)",
		                 path, root, (unsigned)(st->st_mode & 07777));
	} else {
		*shared = (st->st_mode & (S_IWGRP | S_IWOTH)) != 0;
	}
	sp_buf_dispose(&who);
	sp_buf_dispose(&you);
	return error;
}

/*
 * The level under a sticky shared directory: only its owner, root (and the
 * shared directory's owner, root or `uid` as checked) may rename or remove
 * it there, so it must be `uid`'s or root's.
 */
static int store_check_shared(sp_buf *fix, const struct stat *st,
                              const char *path, const char *shared, uid_t uid)
{
	sp_buf who = SP_BUF_INIT, you = SP_BUF_INIT;
	int error = 0;

	if (st->st_uid != uid && st->st_uid != 0) {
		store_who(&who, st->st_uid);
		store_you(&you, uid);
		sp_buf_clear(fix);
		sp_buf_printf(fix, "chown %ld '%s'", (long)uid, path);
		error =
		    sp_error_set(SP_EINVALID,
		                 "'%s' is in the shared directory '%s' but "
		                 "owned by %s, not by root or %s: its owner "
		                 "could swap it",
		                 path, shared, who.ptr, you.ptr);
	}
	sp_buf_dispose(&who);
	sp_buf_dispose(&you);
	return error;
}

/*
 * Open the state directory (O_PATH, `*out`) checked from `/` down: symbolic
 * links above it are resolved, then every directory on the way is opened
 * without following one and checked, one fstat each. With `create`, a
 * missing state directory is made (0700). SP_ENOTFOUND when it is missing.
 */
static int store_root_open(int *out, sp_buf *fix, const char *state_dir,
                           uid_t uid, int create)
{
	sp_buf dir = SP_BUF_INIT, shown = SP_BUF_INIT, name = SP_BUF_INIT,
	       shared = SP_BUF_INIT;
	char *real = NULL;
	const char *base, *p, *slash;
	struct stat st;
	int fd = -1, next, error = 0, is_shared = 0;

	*out = -1;
	if (!state_dir || state_dir[0] != '/')
		return sp_error_set(
		    SP_EINVALID, "state directory '%s' is not an absolute path",
		    state_dir ? state_dir : "");
	sp_buf_sets(&dir, state_dir);
	while (dir.size > 1 && dir.ptr[dir.size - 1] == '/')
		sp_buf_truncate(&dir, dir.size - 1);
	base = strrchr(dir.ptr, '/') + 1;
	if (!*base || !strcmp(base, ".") || !strcmp(base, "..")) {
		error = sp_error_set(SP_EINVALID,
		                     "state directory '%s' does not name a "
		                     "directory of its own",
		                     state_dir);
		goto done;
	}
	if (create && (error = store_mkdirs(dir.ptr)) < 0)
		goto done;
	sp_buf_put(&name, dir.ptr,
	           base - dir.ptr > 1 ? (size_t)(base - dir.ptr - 1) : 1);
	if (!(real = realpath(name.ptr, NULL))) {
		error = sp_error_set_os(errno == ENOENT ? SP_ENOTFOUND : SP_EIO,
		                        "cannot open state directory '%s'",
		                        dir.ptr);
		goto done;
	}
	if ((fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fstat(fd, &st) < 0) {
		error = sp_error_set_os(SP_EIO, "cannot open '/'");
		goto done;
	}
	if ((error = store_check_parent(fix, &is_shared, &st, "/", dir.ptr,
	                                uid)) < 0)
		goto done;
	if (is_shared)
		sp_buf_sets(&shared, "/");
	for (p = real; *p; p = slash) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		slash = strchrnul(p, '/');
		sp_buf_clear(&name);
		sp_buf_put(&name, p, (size_t)(slash - p));
		sp_buf_printf(&shown, "/%s", name.ptr);
		if ((next = openat(fd, name.ptr,
		                   O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
		    fstat(next, &st) < 0) {
			error = sp_error_set_os(SP_EIO, "cannot open '%s'",
			                        shown.ptr);
			if (next >= 0)
				close(next);
			goto done;
		}
		close(fd);
		fd = next;
		if ((is_shared &&
		     (error = store_check_shared(fix, &st, shown.ptr,
		                                 shared.ptr, uid)) < 0) ||
		    (error = store_check_parent(fix, &is_shared, &st, shown.ptr,
		                                dir.ptr, uid)) < 0)
			goto done;
		if (is_shared)
			sp_buf_sets(&shared, shown.ptr);
	}
	if ((next = openat(fd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		error = sp_error_set_os(errno == ENOENT ? SP_ENOTFOUND : SP_EIO,
		                        "cannot open state directory '%s'",
		                        dir.ptr);
		goto done;
	}
	close(fd);
	fd = next;
	if (fstat(fd, &st) < 0) {
		error = sp_error_set_os(SP_EIO, "cannot open '%s'", dir.ptr);
		goto done;
	}
	if ((error = store_check_level(fix, &st, dir.ptr, dir.ptr, uid)) < 0)
		goto done;
	*out = fd;
	fd = -1;
done:
	if (fd >= 0)
		close(fd);
	free(real);
	sp_buf_dispose(&dir);
	sp_buf_dispose(&shown);
	sp_buf_dispose(&name);
	sp_buf_dispose(&shared);
	return error;
}

/*
 * Open the level `name` of the tree under the checked directory `parent`
 * (O_PATH, checked, `*out`), made 0700 when missing and `create`. `path`
 * names it in messages, `root` is the state directory.
 */
static int store_level_open(int *out, sp_buf *fix, int parent, const char *name,
                            const char *path, const char *root, uid_t uid,
                            int create)
{
	struct stat st;
	int fd, error;

	*out = -1;
	fd = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		if (mkdirat(parent, name, 0700) < 0 && errno != EEXIST)
			return sp_error_set_os(
			    SP_EIO, "cannot create directory '%s'", path);
		fd = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		return sp_error_set_os(errno == ENOENT ? SP_ENOTFOUND : SP_EIO,
		                       "cannot open '%s'", path);
	if (fstat(fd, &st) < 0) {
		error = sp_error_set_os(SP_EIO, "cannot open '%s'", path);
		close(fd);
		return error;
	}
	if ((error = store_check_level(fix, &st, path, root, uid)) < 0) {
		close(fd);
		return error;
	}
	*out = fd;
	return 0;
}

/* A checked directory (its fd) opened for listing; `path` names it. */
static int store_dir_list(DIR **out, int dirfd, const char *path)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || !(*out = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return sp_error_set_os(SP_EIO, "cannot read '%s'", path);
	}
	return 0;
}

int sp_store_check(sp_buf *fix, const char *state_dir, uid_t uid)
{
	sp_buf path = SP_BUF_INIT, sub = SP_BUF_INIT;
	DIR *dir = NULL;
	struct dirent *entry;
	int root = -1, spaces = -1, level = -1, logs = -1, error;

	sp_buf_clear(fix);
	if ((error = store_root_open(&root, fix, state_dir, uid, 0)) < 0)
		goto done;
	sp_buf_printf(&path, "%s/slots", state_dir);
	error = store_level_open(&level, fix, root, "slots", path.ptr,
	                         state_dir, uid, 0);
	if (error < 0 && error != SP_ENOTFOUND)
		goto done;
	sp_buf_clear(&path);
	sp_buf_printf(&path, "%s/spaces", state_dir);
	error = store_level_open(&spaces, fix, root, "spaces", path.ptr,
	                         state_dir, uid, 0);
	if (error == SP_ENOTFOUND) {
		error = 0;
		goto done;
	}
	if (error < 0)
		goto done;
	if ((error = store_dir_list(&dir, spaces, path.ptr)) < 0)
		goto done;
	while ((entry = readdir(dir))) {
		if (entry->d_name[0] == '.' || !store_slug_ok(entry->d_name))
			continue;
		sp_buf_clear(&sub);
		sp_buf_printf(&sub, "%s/%s", path.ptr, entry->d_name);
		if (level >= 0)
			close(level);
		level = -1;
		if ((error = store_level_open(&level, fix, spaces,
		                              entry->d_name, sub.ptr, state_dir,
		                              uid, 0)) == SP_ENOTFOUND)
			continue;
		if (error < 0)
			goto done;
		sp_buf_puts(&sub, "/logs");
		if (logs >= 0)
			close(logs);
		logs = -1;
		error = store_level_open(&logs, fix, level, "logs", sub.ptr,
		                         state_dir, uid, 0);
		if (error < 0 && error != SP_ENOTFOUND)
			goto done;
		error = 0;
	}
	error = 0;
done:
	if (dir)
		closedir(dir);
	if (root >= 0)
		close(root);
	if (spaces >= 0)
		close(spaces);
	if (level >= 0)
		close(level);
	if (logs >= 0)
		close(logs);
	sp_buf_dispose(&path);
	sp_buf_dispose(&sub);
	return error;
}

/* Files under a checked directory. */

/* A checked directory: its fd (O_PATH), its path and the state directory's. */
typedef struct {
	int fd;
	const char *path;
	const char *root;
} store_place;

static store_place store_in_space(const sp_store *store)
{
	store_place place = {store->dir_fd, store->dir, store->state_dir};

	return place;
}

static store_place store_in_root(const sp_store *store)
{
	store_place place = {store->root_fd, store->state_dir,
	                     store->state_dir};

	return place;
}

/* One component of a relative name: no "", ".", ".." or slash. */
static int store_name_ok(const char *name, size_t len)
{
	return len > 0 && !(len == 1 && name[0] == '.') &&
	       !(len == 2 && name[0] == '.' && name[1] == '.') &&
	       !memchr(name, '/', len) && !memchr(name, '\0', len);
}

/*
 * The directory holding `relpath` under `place` (a new O_PATH fd in `*out`,
 * its path in `shown`), each directory component opened as a checked level
 * (made 0700 with `create`); `*leaf` points to the last component.
 */
static int store_walk(int *out, const char **leaf, sp_buf *shown,
                      const store_place *place, const char *relpath, int create)
{
	sp_buf fix = SP_BUF_INIT, name = SP_BUF_INIT;
	const char *p = relpath, *slash;
	uid_t uid = geteuid();
	int fd = -1, next, error = 0;

	*out = -1;
	sp_buf_sets(shown, place->path);
	if (place->fd < 0) {
		error = sp_error_set(SP_EINVALID, "no state directory open");
		goto done;
	}
	if ((fd = fcntl(place->fd, F_DUPFD_CLOEXEC, 0)) < 0) {
		error =
		    sp_error_set_os(SP_EIO, "cannot open '%s'", place->path);
		goto done;
	}
	for (; (slash = strchr(p, '/')); p = slash + 1) {
		if (!store_name_ok(p, (size_t)(slash - p))) {
			error = sp_error_set(
			    SP_EINVALID, "bad name '%s' in the state directory",
			    relpath);
			goto done;
		}
		sp_buf_clear(&name);
		sp_buf_put(&name, p, (size_t)(slash - p));
		sp_buf_printf(shown, "/%s", name.ptr);
		error = store_level_open(&next, &fix, fd, name.ptr, shown->ptr,
		                         place->root, uid, create);
		if (error < 0) {
			store_refuse(&fix, error);
			goto done;
		}
		close(fd);
		fd = next;
	}
	if (!store_name_ok(p, strlen(p))) {
		error = sp_error_set(SP_EINVALID,
		                     "bad name '%s' in the state directory",
		                     relpath);
		goto done;
	}
	*leaf = p;
	*out = fd;
	fd = -1;
done:
	if (fd >= 0)
		close(fd);
	sp_buf_dispose(&fix);
	sp_buf_dispose(&name);
	return error;
}

/* openat() of `relpath` under `place`, never following a symbolic link. */
static int store_place_open(const store_place *place, const char *relpath,
                            int flags, mode_t mode)
{
	sp_buf shown = SP_BUF_INIT;
	const char *leaf = NULL;
	int dirfd = -1, fd, error;

	if ((error = store_walk(&dirfd, &leaf, &shown, place, relpath,
	                        (flags & O_CREAT) != 0)) < 0) {
		fd = error;
		goto done;
	}
	fd = openat(dirfd, leaf, flags | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0 && errno == ELOOP)
		fd = sp_error_set(
		    SP_EINVALID,
		    "'%s/%s' is a symbolic link: spacehook follows "
		    "none in its state directory; fix: rm '%s/%s'",
		    shown.ptr, leaf, shown.ptr, leaf);
	else if (fd < 0)
		fd = sp_error_set_os(errno == ENOENT ? SP_ENOTFOUND : SP_EIO,
		                     "cannot open '%s/%s'", shown.ptr, leaf);
done:
	if (dirfd >= 0)
		close(dirfd);
	sp_buf_dispose(&shown);
	return fd;
}

static int store_place_read(sp_buf *out, const store_place *place,
                            const char *relpath, size_t max)
{
	int fd, error;

	sp_buf_clear(out);
	if ((fd = store_place_open(place, relpath, O_RDONLY, 0)) < 0)
		return fd;
	if ((error = sp_buf_read_fd(out, fd, max)) == SP_EIO)
		error = sp_error_set_os(SP_EIO, "cannot read '%s/%s'",
		                        place->path, relpath);
	close(fd);
	return error;
}

/*
 * Write `len` bytes to `name` in the directory `dirfd` (`dir` in messages)
 * whole: temp file, fsync, renameat, fsync of the directory.
 */
static int store_write_in(int dirfd, const char *dir, const char *name,
                          const void *data, size_t len, mode_t mode)
{
	static atomic_uint counter;
	sp_buf tmp = SP_BUF_INIT;
	const char *p = data;
	size_t left = len;
	int fd = -1, dfd = -1, error = 0, created = 0;

	for (int attempt = 0; attempt < 100; attempt++) {
		sp_buf_clear(&tmp);
		sp_buf_printf(&tmp, ".%s.%ld.%u.tmp", name, (long)getpid(),
		              atomic_fetch_add(&counter, 1));
		fd = openat(
		    dirfd, tmp.ptr,
		    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0) {
		error = sp_error_set_os(SP_EIO, "cannot create '%s/%s'", dir,
		                        tmp.ptr);
		goto done;
	}
	created = 1;
	if (fchmod(fd, mode) < 0) {
		error = sp_error_set_os(
		    SP_EIO, "cannot set the mode of '%s/%s'", dir, tmp.ptr);
		goto done;
	}
	while (left) {
		ssize_t n = write(fd, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			error = sp_error_set_os(SP_EIO, "cannot write '%s/%s'",
			                        dir, tmp.ptr);
			goto done;
		}
		p += n;
		left -= (size_t)n;
	}
	if (fsync(fd) < 0) {
		error = sp_error_set_os(SP_EIO, "cannot sync '%s/%s'", dir,
		                        tmp.ptr);
		goto done;
	}
	if (close(fd) < 0) {
		fd = -1;
		error = sp_error_set_os(SP_EIO, "cannot write '%s/%s'", dir,
		                        tmp.ptr);
		goto done;
	}
	fd = -1;
	if (renameat(dirfd, tmp.ptr, dirfd, name) < 0) {
		error = sp_error_set_os(SP_EIO, "cannot rename '%s/%s' to '%s'",
		                        dir, tmp.ptr, name);
		goto done;
	}
	created = 0;
	if ((dfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) <
	        0 ||
	    fsync(dfd) < 0)
		error =
		    sp_error_set_os(SP_EIO, "cannot sync directory '%s'", dir);
done:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	if (created)
		unlinkat(dirfd, tmp.ptr, 0);
	sp_buf_dispose(&tmp);
	return error;
}

static int store_place_write(const store_place *place, const char *relpath,
                             const void *data, size_t len, mode_t mode)
{
	sp_buf shown = SP_BUF_INIT;
	const char *leaf = NULL;
	int dirfd = -1, error;

	if ((error = store_walk(&dirfd, &leaf, &shown, place, relpath, 1)) == 0)
		error = store_write_in(dirfd, shown.ptr, leaf, data, len, mode);
	if (dirfd >= 0)
		close(dirfd);
	sp_buf_dispose(&shown);
	return error;
}

int sp_store_write_file(const char *path, const void *data, size_t len,
                        mode_t mode)
{
	sp_buf dir = SP_BUF_INIT;
	const char *slash = strrchr(path, '/');
	int dirfd, error;

	if (slash)
		sp_buf_put(&dir, path,
		           slash == path ? 1 : (size_t)(slash - path));
	else
		sp_buf_puts(&dir, ".");
	if ((dirfd = open(dir.ptr, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		error = sp_error_set_os(SP_EIO, "cannot open directory '%s'",
		                        dir.ptr);
	else
		error = store_write_in(dirfd, dir.ptr, slash ? slash + 1 : path,
		                       data, len, mode);
	if (dirfd >= 0)
		close(dirfd);
	sp_buf_dispose(&dir);
	return error;
}

int sp_store_openat(sp_store *store, const char *relpath, int flags,
                    mode_t mode)
{
	store_place place = store_in_space(store);

	return store_place_open(&place, relpath, flags, mode);
}

int sp_store_root_openat(sp_store *store, const char *relpath, int flags,
                         mode_t mode)
{
	store_place place = store_in_root(store);

	return store_place_open(&place, relpath, flags, mode);
}

int sp_store_state_openat(const char *state_dir, const char *relpath, int flags,
                          mode_t mode)
{
	sp_buf fix = SP_BUF_INIT;
	store_place place;
	int root = -1, fd;

	if ((fd = store_root_open(&root, &fix, state_dir, geteuid(),
	                          (flags & O_CREAT) != 0)) < 0) {
		fd = store_refuse(&fix, fd);
		goto done;
	}
	place.fd = root;
	place.path = state_dir;
	place.root = state_dir;
	fd = store_place_open(&place, relpath, flags, mode);
done:
	if (root >= 0)
		close(root);
	sp_buf_dispose(&fix);
	return fd;
}

int sp_store_readat(sp_buf *out, sp_store *store, const char *relpath,
                    size_t max)
{
	store_place place = store_in_space(store);

	return store_place_read(out, &place, relpath, max);
}

int sp_store_writeat(sp_store *store, const char *relpath, const void *data,
                     size_t len, mode_t mode)
{
	store_place place = store_in_space(store);

	return store_place_write(&place, relpath, data, len, mode);
}

int sp_store_unlinkat(sp_store *store, const char *relpath)
{
	store_place place = store_in_space(store);
	sp_buf shown = SP_BUF_INIT;
	const char *leaf = NULL;
	int dirfd = -1, error;

	error = store_walk(&dirfd, &leaf, &shown, &place, relpath, 0);
	if (error == 0 && unlinkat(dirfd, leaf, 0) < 0 && errno != ENOENT)
		error = sp_error_set_os(SP_EIO, "cannot remove '%s/%s'",
		                        shown.ptr, leaf);
	if (error == SP_ENOTFOUND)
		error = 0;
	if (dirfd >= 0)
		close(dirfd);
	sp_buf_dispose(&shown);
	return error;
}

int sp_store_statat(struct stat *out, sp_store *store, const char *relpath)
{
	store_place place = store_in_space(store);
	sp_buf shown = SP_BUF_INIT;
	const char *leaf = NULL;
	int dirfd = -1, error;

	error = store_walk(&dirfd, &leaf, &shown, &place, relpath, 0);
	if (error == 0 && fstatat(dirfd, leaf, out, AT_SYMLINK_NOFOLLOW) < 0)
		error =
		    sp_error_set_os(errno == ENOENT ? SP_ENOTFOUND : SP_EIO,
		                    "cannot look at '%s/%s'", shown.ptr, leaf);
	if (dirfd >= 0)
		close(dirfd);
	sp_buf_dispose(&shown);
	return error;
}

int sp_store_opendirat(DIR **out, sp_store *store, const char *relpath)
{
	store_place place = store_in_space(store);
	sp_buf shown = SP_BUF_INIT, fix = SP_BUF_INIT;
	const char *leaf = NULL;
	int dirfd = -1, level = -1, fd = -1, error;

	*out = NULL;
	if ((error = store_walk(&dirfd, &leaf, &shown, &place, relpath, 0)) < 0)
		goto done;
	sp_buf_printf(&shown, "/%s", leaf);
	if ((error = store_level_open(&level, &fix, dirfd, leaf, shown.ptr,
	                              store->state_dir, geteuid(), 0)) < 0) {
		store_refuse(&fix, error);
		goto done;
	}
	if ((fd = openat(level, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    !(*out = fdopendir(fd))) {
		error = sp_error_set_os(SP_EIO, "cannot read '%s'", shown.ptr);
		if (fd >= 0)
			close(fd);
	}
done:
	if (dirfd >= 0)
		close(dirfd);
	if (level >= 0)
		close(level);
	sp_buf_dispose(&shown);
	sp_buf_dispose(&fix);
	return error;
}

/*
 * Read and parse the JSON file `relpath` under `place` (what = how to name
 * it in messages). SP_ENOTFOUND when absent; SP_ETOOBIG or SP_EINVALID
 * naming the file, never quoting its contents. `secret` wipes the bytes
 * read.
 */
static int store_read_json(cJSON **out, const store_place *place,
                           const char *relpath, const char *what, int secret)
{
	sp_buf text = SP_BUF_INIT, path = SP_BUF_INIT;
	const char *end = NULL;
	int error;

	*out = NULL;
	sp_buf_printf(&path, "%s/%s", place->path, relpath);
	error = store_place_read(&text, place, relpath, SP_STORE_FILE_MAX);
	if (error == SP_ENOTFOUND)
		goto done;
	if (error == SP_ETOOBIG) {
		error = sp_error_set(SP_ETOOBIG,
		                     "%s '%s' is damaged: larger than %d bytes",
		                     what, path.ptr, SP_STORE_FILE_MAX);
		goto done;
	}
	if (error < 0)
		goto done;
	if (memchr(text.ptr, '\0', text.size)) {
		error = sp_error_set(SP_EINVALID,
		                     "%s '%s' is damaged: it holds a NUL byte",
		                     what, path.ptr);
		goto done;
	}
	*out = cJSON_ParseWithLengthOpts(text.ptr, text.size, &end, 0);
	if (!*out) {
		size_t at =
		    end && end >= text.ptr && end <= text.ptr + text.size
		        ? (size_t)(end - text.ptr)
		        : 0;

		error = sp_error_set(
		    SP_EINVALID,
		    "%s '%s' is damaged: not valid JSON (near byte %zu)", what,
		    path.ptr, at);
		goto done;
	}
	if (!cJSON_IsObject(*out)) {
		cJSON_Delete(*out);
		*out = NULL;
		error = sp_error_set(SP_EINVALID,
		                     "%s '%s' is damaged: not a JSON object",
		                     what, path.ptr);
	}
done:
	if (secret)
		store_buf_wipe(&text);
	else
		sp_buf_dispose(&text);
	sp_buf_dispose(&path);
	return error;
}

/* Print `json` and write it whole to `relpath` under `place` (mode 0600). */
static int store_write_json(const store_place *place, const char *relpath,
                            const cJSON *json, int secret)
{
	char *text = cJSON_Print(json);
	size_t len;
	int error;

	if (!text)
		return sp_error_set(SP_ENOMEM, "out of memory writing '%s/%s'",
		                    place->path, relpath);
	len = strlen(text);
	if (len + 1 > SP_STORE_FILE_MAX) {
		error = sp_error_set(SP_ETOOBIG,
		                     "'%s/%s' would be larger than %d bytes",
		                     place->path, relpath, SP_STORE_FILE_MAX);
	} else {
		text[len] =
		    '\n'; /* in place of the NUL: the file ends in a newline */
		error = store_place_write(place, relpath, text, len + 1, 0600);
	}
	if (secret)
		store_wipe(text, len + 1);
	cJSON_free(text);
	return error;
}

/* The path of `file` in the Space's directory, for messages. */
static void store_path(sp_buf *out, const sp_store *store, const char *file)
{
	sp_buf_clear(out);
	sp_buf_printf(out, "%s/%s", store->dir, file);
}

static int store_space_dir(sp_buf *out, const char *state_dir,
                           const sp_space *space)
{
	if (!state_dir || state_dir[0] != '/')
		return sp_error_set(
		    SP_EINVALID, "state directory '%s' is not an absolute path",
		    state_dir ? state_dir : "");
	if (!space || !store_slug_ok(space->slug))
		return sp_error_set(SP_EINVALID, "invalid space (no slug)");
	sp_buf_clear(out);
	sp_buf_printf(out, "%s/spaces/%s", state_dir, space->slug);
	return 0;
}

int sp_store_exists(const char *state_dir, const sp_space *space)
{
	sp_buf dir = SP_BUF_INIT;
	struct stat st;
	int exists = 0;

	if (store_space_dir(&dir, state_dir, space) == 0) {
		sp_buf_puts(&dir, "/space");
		exists = lstat(dir.ptr, &st) == 0 && S_ISREG(st.st_mode);
	}
	sp_buf_dispose(&dir);
	return exists;
}

/* The id stored in a Space directory's `space` file, checked. */
static int store_read_id(sp_space *out, const store_place *place)
{
	sp_buf text = SP_BUF_INIT;
	int error;

	if ((error = store_place_read(&text, place, "space", 512)) < 0)
		goto done;
	while (text.size && (text.ptr[text.size - 1] == '\n'))
		sp_buf_truncate(&text, text.size - 1);
	if ((error = sp_space_parse(out, text.ptr)) < 0)
		error = sp_error_set(SP_EINVALID,
		                     "'%s/space' is damaged: not an owner/name",
		                     place->path);
done:
	sp_buf_dispose(&text);
	return error;
}

int sp_store_open(sp_store **out, const char *state_dir, const sp_space *space)
{
	sp_store *store = NULL;
	sp_buf dir = SP_BUF_INIT, path = SP_BUF_INIT, text = SP_BUF_INIT,
	       fix = SP_BUF_INIT;
	sp_space held;
	store_place place;
	uid_t uid = geteuid();
	int root = -1, spaces = -1, sdir = -1, logs = -1, error;

	*out = NULL;
	if ((error = store_space_dir(&dir, state_dir, space)) < 0 ||
	    (error = store_root_open(&root, &fix, state_dir, uid, 1)) < 0)
		goto done;
	sp_buf_printf(&path, "%s/spaces", state_dir);
	if ((error = store_level_open(&spaces, &fix, root, "spaces", path.ptr,
	                              state_dir, uid, 1)) < 0 ||
	    (error = store_level_open(&sdir, &fix, spaces, space->slug, dir.ptr,
	                              state_dir, uid, 1)) < 0)
		goto done;
	sp_buf_clear(&path);
	sp_buf_printf(&path, "%s/logs", dir.ptr);
	if ((error = store_level_open(&logs, &fix, sdir, "logs", path.ptr,
	                              state_dir, uid, 1)) < 0)
		goto done;

	place.fd = sdir;
	place.path = dir.ptr;
	place.root = state_dir;
	error = store_read_id(&held, &place);
	if (error == SP_ENOTFOUND) {
		sp_buf_printf(&text, "%s\n", space->id);
		error = store_place_write(&place, "space", text.ptr, text.size,
		                          0600);
	} else if (error == 0 && strcmp(held.id, space->id)) {
		error = sp_error_set(
		    SP_EEXISTS,
		    "state directory '%s' belongs to '%s', not '%s'", dir.ptr,
		    held.id, space->id);
	}
	if (error < 0)
		goto done;

	store = sp_calloc(1, sizeof(*store));
	store->state_dir = sp_strdup(state_dir);
	store->dir = sp_buf_detach(&dir);
	store->root_fd = root;
	store->dir_fd = sdir;
	store->space = *space;
	root = sdir = -1;
	*out = store;
done:
	error = store_refuse(&fix, error);
	if (root >= 0)
		close(root);
	if (spaces >= 0)
		close(spaces);
	if (sdir >= 0)
		close(sdir);
	if (logs >= 0)
		close(logs);
	sp_buf_dispose(&dir);
	sp_buf_dispose(&path);
	sp_buf_dispose(&text);
	sp_buf_dispose(&fix);
	return error;
}

void sp_store_free(sp_store *store)
{
	if (!store)
		return;
	if (store->root_fd >= 0)
		close(store->root_fd);
	if (store->dir_fd >= 0)
		close(store->dir_fd);
	free(store->state_dir);
	free(store->dir);
	free(store);
}

const char *sp_store_dir(const sp_store *store)
{
	return store->dir;
}

const sp_space *sp_store_space(const sp_store *store)
{
	return &store->space;
}

const char *sp_store_state_dir(const sp_store *store)
{
	return store->state_dir;
}

/* Secrets and variables. */

void sp_kv_dispose(sp_kv *kv)
{
	for (size_t i = 0; i < kv->count; i++) {
		free(kv->items[i].name);
		if (kv->items[i].value)
			store_wipe(kv->items[i].value,
			           strlen(kv->items[i].value));
		free(kv->items[i].value);
	}
	free(kv->items);
	kv->items = NULL;
	kv->count = 0;
}

int sp_kv_name_valid(const char *name)
{
	size_t len;

	if (!name)
		return 0;
	len = strlen(name);
	if (len == 0 || len > SP_KV_NAME_MAX ||
	    (name[0] >= '0' && name[0] <= '9'))
		return 0;
	return strspn(name,
	              "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	              "0123456789_") == len;
}

const char *sp_kv_name_reserved(const char *name)
{
	static const char *const prefixes[] = {"BUILDKIT_", "SPACEHOOK_"};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncasecmp(name, prefixes[i], strlen(prefixes[i])))
			return prefixes[i];
	return NULL;
}

int sp_kv_name_settable(const char *name)
{
	const char *prefix = sp_kv_name_reserved(name);

	if (!prefix)
		return 0;
	if (!strcmp(prefix, "BUILDKIT_"))
		return sp_error_set(
		    SP_EINVALID,
		    "the name '%s' is reserved: BuildKit reads "
		    "build arguments starting with BUILDKIT_ as "
		    "options of the build itself; choose "
		    "another name",
		    name);
	return sp_error_set(SP_EINVALID,
	                    "the name '%s' is reserved: names starting with "
	                    "%s are spacehook's own; choose another name",
	                    name, prefix);
}

static int kv_compare(const void *a, const void *b)
{
	return strcmp(((const sp_kv_entry *)a)->name,
	              ((const sp_kv_entry *)b)->name);
}

static sp_kv_kind kv_other(sp_kv_kind kind)
{
	return kind == SP_KV_SECRETS ? SP_KV_VARIABLES : SP_KV_SECRETS;
}

static int kv_check_kind(sp_kv_kind kind)
{
	if (kind != SP_KV_SECRETS && kind != SP_KV_VARIABLES)
		return sp_error_set(SP_EINVALID, "unknown kind of value");
	return 0;
}

static int kv_load(sp_kv *out, sp_store *store, sp_kv_kind kind)
{
	store_place place = store_in_space(store);
	sp_buf path = SP_BUF_INIT;
	cJSON *json = NULL, *item;
	size_t n = 0;
	int error;

	out->items = NULL;
	out->count = 0;
	store_path(&path, store, kv_files[kind]);
	error = store_read_json(
	    &json, &place, kv_files[kind],
	    kind == SP_KV_SECRETS ? "secrets file" : "variables file", 1);
	if (error == SP_ENOTFOUND) {
		error = 0;
		goto done;
	}
	if (error < 0)
		goto done;
	cJSON_ArrayForEach(item, json) n++;
	out->items = sp_calloc(n ? n : 1, sizeof(sp_kv_entry));
	cJSON_ArrayForEach(item, json)
	{
		if (!sp_kv_name_valid(item->string) || !cJSON_IsString(item) ||
		    strlen(item->valuestring) > SP_KV_VALUE_MAX) {
			error = sp_error_set(SP_EINVALID,
			                     "'%s' is damaged: entry %zu is "
			                     "not a NAME: \"value\" pair",
			                     path.ptr, out->count + 1);
			goto done;
		}
		out->items[out->count].name = sp_strdup(item->string);
		out->items[out->count].value = sp_strdup(item->valuestring);
		out->count++;
	}
	if (out->count)
		qsort(out->items, out->count, sizeof(sp_kv_entry), kv_compare);
	for (size_t i = 1; i < out->count; i++)
		if (!strcmp(out->items[i - 1].name, out->items[i].name)) {
			error = sp_error_set(
			    SP_EINVALID, "'%s' is damaged: %s is there twice",
			    path.ptr, out->items[i].name);
			goto done;
		}
done:
	if (json) {
		cJSON_ArrayForEach(item, json) if (cJSON_IsString(item) &&
		                                   item->valuestring)
		    store_wipe(item->valuestring, strlen(item->valuestring));
		cJSON_Delete(json);
	}
	if (error < 0)
		sp_kv_dispose(out);
	sp_buf_dispose(&path);
	return error;
}

int sp_store_kv_load(sp_kv *out, sp_store *store, sp_kv_kind kind)
{
	int error;

	out->items = NULL;
	out->count = 0;
	if ((error = kv_check_kind(kind)) < 0)
		return error;
	return kv_load(out, store, kind);
}

static int kv_save(sp_store *store, sp_kv_kind kind, const sp_kv *kv)
{
	store_place place = store_in_space(store);
	cJSON *json = cJSON_CreateObject();
	int error = 0;

	if (!json)
		return sp_error_set(SP_ENOMEM, "out of memory");
	for (size_t i = 0; i < kv->count; i++)
		if (!cJSON_AddStringToObject(json, kv->items[i].name,
		                             kv->items[i].value)) {
			error = sp_error_set(SP_ENOMEM, "out of memory");
			goto done;
		}
	if ((error = store_write_json(&place, kv_files[kind], json, 1)) ==
	    SP_ETOOBIG)
		error = sp_error_set(
		    SP_ETOOBIG, "the %ss of %s would take more than %d bytes",
		    kv_nouns[kind], store->space.id, SP_STORE_FILE_MAX);
done:
	if (json) {
		cJSON *item;

		cJSON_ArrayForEach(item, json) if (item->valuestring)
		    store_wipe(item->valuestring, strlen(item->valuestring));
		cJSON_Delete(json);
	}
	return error;
}

static int kv_lock(int *fd, sp_store *store)
{
	sp_buf path = SP_BUF_INIT;
	int error = 0;

	store_path(&path, store, "kv.lock");
	*fd = sp_store_openat(store, "kv.lock", O_RDWR | O_CREAT, 0600);
	if (*fd < 0)
		error = *fd;
	else
		while (flock(*fd, LOCK_EX) < 0)
			if (errno != EINTR) {
				error = sp_error_set_os(
				    SP_EIO, "cannot lock '%s'", path.ptr);
				close(*fd);
				*fd = -1;
				break;
			}
	sp_buf_dispose(&path);
	return error;
}

static void kv_quote_name(sp_buf *out, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < len && i < 64; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 0x20 || c >= 0x7f || c == '\'' || c == '\\')
			sp_buf_printf(out, "\\x%02x", c);
		else
			sp_buf_putc(out, (char)c);
	}
	if (len > 64)
		sp_buf_puts(out, "...");
}

static int kv_name_check(const char *name)
{
	sp_buf quoted = SP_BUF_INIT;
	int error = 0;

	if (!sp_kv_name_valid(name)) {
		kv_quote_name(&quoted, name ? name : "");
		error = sp_error_set(
		    SP_EINVALID,
		    "invalid name '%s': use letters, digits and '_', not "
		    "starting with a digit, at most %d characters",
		    quoted.ptr, SP_KV_NAME_MAX);
	}
	sp_buf_dispose(&quoted);
	return error;
}

static ssize_t kv_find(const sp_kv *kv, const char *name)
{
	for (size_t i = 0; i < kv->count; i++)
		if (!strcmp(kv->items[i].name, name))
			return (ssize_t)i;
	return -1;
}

int sp_store_kv_set(sp_store *store, sp_kv_kind kind, const char *name,
                    const char *value)
{
	sp_kv mine = {NULL, 0}, other = {NULL, 0};
	ssize_t at;
	int fd = -1, error;

	if ((error = kv_check_kind(kind)) < 0 ||
	    (error = kv_name_check(name)) < 0)
		return error;
	if (!value)
		return sp_error_set(SP_EINVALID, "no value for %s", name);
	if (strlen(value) > SP_KV_VALUE_MAX)
		return sp_error_set(SP_EINVALID,
		                    "the value of %s is larger than %d bytes",
		                    name, SP_KV_VALUE_MAX);
	if (sp_utf8_check(value, strlen(value)) != strlen(value))
		return sp_error_set(SP_EINVALID,
		                    "the value of %s is not valid UTF-8", name);
	if ((error = sp_kv_name_settable(name)) < 0 ||
	    (error = kv_lock(&fd, store)) < 0 ||
	    (error = kv_load(&other, store, kv_other(kind))) < 0)
		goto done;
	if (kv_find(&other, name) >= 0) {
		error =
		    sp_error_set(SP_EEXISTS, "%s is already a %s of %s", name,
		                 kv_nouns[kv_other(kind)], store->space.id);
		goto done;
	}
	if ((error = kv_load(&mine, store, kind)) < 0)
		goto done;
	if ((at = kv_find(&mine, name)) >= 0) {
		free(mine.items[at].value);
		mine.items[at].value = sp_strdup(value);
	} else {
		sp_kv_entry *items =
		    realloc(mine.items, (mine.count + 1) * sizeof(*items));

		if (!items) {
			error = sp_error_set(SP_ENOMEM, "out of memory");
			goto done;
		}
		mine.items = items;
		mine.items[mine.count].name = sp_strdup(name);
		mine.items[mine.count].value = sp_strdup(value);
		mine.count++;
		qsort(mine.items, mine.count, sizeof(sp_kv_entry), kv_compare);
	}
	error = kv_save(store, kind, &mine);
done:
	sp_kv_dispose(&mine);
	sp_kv_dispose(&other);
	if (fd >= 0)
		close(fd);
	return error;
}

int sp_store_kv_unset(sp_store *store, sp_kv_kind kind, const char *name)
{
	sp_kv mine = {NULL, 0};
	ssize_t at;
	int fd = -1, error;

	if ((error = kv_check_kind(kind)) < 0 ||
	    (error = kv_name_check(name)) < 0)
		return error;
	if ((error = kv_lock(&fd, store)) < 0 ||
	    (error = kv_load(&mine, store, kind)) < 0)
		goto done;
	if ((at = kv_find(&mine, name)) < 0) {
		error = sp_error_set(SP_ENOTFOUND, "%s is not a %s of %s", name,
		                     kv_nouns[kind], store->space.id);
		goto done;
	}
	free(mine.items[at].name);
	if (mine.items[at].value)
		store_wipe(mine.items[at].value, strlen(mine.items[at].value));
	free(mine.items[at].value);
	memmove(&mine.items[at], &mine.items[at + 1],
	        (mine.count - (size_t)at - 1) * sizeof(sp_kv_entry));
	mine.count--;
	error = kv_save(store, kind, &mine);
done:
	sp_kv_dispose(&mine);
	if (fd >= 0)
		close(fd);
	return error;
}

/* The stage record. */

void sp_state_init(sp_state *state)
{
	memset(state, 0, sizeof(*state));
}

void sp_state_dispose(sp_state *state)
{
	free(state->stage);
	free(state->commit);
	free(state->image);
	free(state->container);
	free(state->prev_image);
	free(state->building_commit);
	free(state->url);
	free(state->error);
	free(state->retiring);
	sp_state_init(state);
}

void sp_state_set(char **field, const char *value)
{
	char *copy = value ? sp_strdup(value) : NULL;

	free(*field);
	*field = copy;
}

#define STATE_STRINGS(X)                                                       \
	X(stage)                                                               \
	X(commit)                                                              \
	X(image)                                                               \
	X(container)                                                           \
	X(prev_image) X(building_commit) X(url) X(error) X(retiring)
#define STATE_NUMBERS(X)                                                       \
	X(host_port, 0, 65535)                                                 \
	X(updated_at, 0, 1e15)                                                 \
	X(started_at, 0, 1e15)                                                 \
	X(worker_pid, 0, 2147483647.0)                                         \
	X(sleep_time, -1, 1e12) X(retire_at, 0, 1e15)

int sp_state_load(sp_state *out, sp_store *store)
{
	store_place place = store_in_space(store);
	sp_buf path = SP_BUF_INIT;
	cJSON *json = NULL, *item;
	const char *bad = NULL;
	int error;

	sp_state_init(out);
	store_path(&path, store, "state.json");
	error = store_read_json(&json, &place, "state.json", "state file", 0);
	if (error == SP_ENOTFOUND) {
		error = 0;
		goto done;
	}
	if (error < 0)
		goto done;
#define STATE_LOAD_STRING(field)                                               \
	item = cJSON_GetObjectItemCaseSensitive(json, #field);                 \
	if (item && cJSON_IsString(item))                                      \
		out->field = sp_strdup(item->valuestring);                     \
	else if (item && !cJSON_IsNull(item) && !bad)                          \
		bad = #field;
	STATE_STRINGS(STATE_LOAD_STRING)
#undef STATE_LOAD_STRING
#define STATE_LOAD_NUMBER(field, min, max)                                     \
	item = cJSON_GetObjectItemCaseSensitive(json, #field);                 \
	if (item && cJSON_IsNumber(item) && item->valuedouble >= (min) &&      \
	    item->valuedouble <= (max))                                        \
		out->field = (__typeof__(out->field))item->valuedouble;        \
	else if (item && !cJSON_IsNull(item) && !bad)                          \
		bad = #field;
	STATE_NUMBERS(STATE_LOAD_NUMBER)
#undef STATE_LOAD_NUMBER
	item = cJSON_GetObjectItemCaseSensitive(json, "paused");
	if (item && cJSON_IsBool(item))
		out->paused = cJSON_IsTrue(item);
	else if (item && !cJSON_IsNull(item) && !bad)
		bad = "paused";
	if (bad)
		error = sp_error_set(SP_EINVALID,
		                     "state file '%s' is damaged: bad \"%s\"",
		                     path.ptr, bad);
done:
	if (error < 0)
		sp_state_dispose(out);
	cJSON_Delete(json);
	sp_buf_dispose(&path);
	return error;
}

int sp_state_save(sp_store *store, sp_state *state)
{
	store_place place = store_in_space(store);
	cJSON *json = cJSON_CreateObject();
	int error = 0, ok = json != NULL;

	state->updated_at = (long long)time(NULL);
#define STATE_SAVE_STRING(field)                                               \
	if (ok)                                                                \
		ok =                                                           \
		    (state->field                                              \
		         ? cJSON_AddStringToObject(json, #field, state->field) \
		         : cJSON_AddNullToObject(json, #field)) != NULL;
	STATE_STRINGS(STATE_SAVE_STRING)
#undef STATE_SAVE_STRING
#define STATE_SAVE_NUMBER(field, min, max)                                     \
	if (ok)                                                                \
		ok = cJSON_AddNumberToObject(json, #field,                     \
		                             (double)state->field) != NULL;
	STATE_NUMBERS(STATE_SAVE_NUMBER)
#undef STATE_SAVE_NUMBER
	if (ok)
		ok = cJSON_AddBoolToObject(json, "paused",
		                           state->paused != 0) != NULL;
	if (!ok) {
		error = sp_error_set(SP_ENOMEM, "out of memory");
		goto done;
	}
	error = store_write_json(&place, "state.json", json, 0);
done:
	cJSON_Delete(json);
	return error;
}

/* The worker lock. */

int sp_store_lock(int *fd_out, sp_store *store, int wait)
{
	sp_buf path = SP_BUF_INIT;
	int fd, error = 0;

	*fd_out = -1;
	store_path(&path, store, "lock");
	if ((fd = sp_store_openat(store, "lock", O_RDWR | O_CREAT, 0600)) < 0) {
		error = fd;
		goto done;
	}
	while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK)
			error = sp_error_set(SP_ELOCKED,
			                     "%s is locked by another process",
			                     store->space.id);
		else
			error = sp_error_set_os(SP_EIO, "cannot lock '%s'",
			                        path.ptr);
		close(fd);
		goto done;
	}
	*fd_out = fd;
done:
	sp_buf_dispose(&path);
	return error;
}

void sp_store_unlock(int fd)
{
	if (fd >= 0) {
		flock(fd, LOCK_UN);
		close(fd);
	}
}

/* Host ports. */

int sp_store_port_in_use(const char *address, int port)
{
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;
	struct sockaddr *sa;
	socklen_t len;
	int fd, family, rc = 0;

	memset(&in4, 0, sizeof(in4));
	memset(&in6, 0, sizeof(in6));
	if (inet_pton(AF_INET, address, &in4.sin_addr) == 1) {
		family = in4.sin_family = AF_INET;
		in4.sin_port = htons((unsigned short)port);
		sa = (struct sockaddr *)&in4;
		len = sizeof(in4);
	} else if (inet_pton(AF_INET6, address, &in6.sin6_addr) == 1) {
		family = in6.sin6_family = AF_INET6;
		in6.sin6_port = htons((unsigned short)port);
		sa = (struct sockaddr *)&in6;
		len = sizeof(in6);
	} else {
		return sp_error_set(SP_EINVALID,
		                    "bind address '%s' is not an IP address",
		                    address);
	}
	if ((fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return sp_error_set_os(SP_EIO, "cannot open a socket");
	if (bind(fd, sa, len) < 0) {
		if (errno == EADDRINUSE || errno == EACCES)
			rc = 1;
		else if (errno == EADDRNOTAVAIL)
			rc = sp_error_set(
			    SP_EINVALID,
			    "bind address '%s' is not an address of this host",
			    address);
		else
			rc = sp_error_set_os(SP_EIO,
			                     "cannot test port %d on '%s'",
			                     port, address);
	}
	close(fd);
	return rc;
}

int sp_store_port(int *out, const char *state_dir, const char *space_id,
                  const char *bind_address, int min, int max)
{
	return sp_store_port_slot(out, state_dir, space_id, 0, bind_address,
	                          min, max);
}

int sp_store_port_slot(int *out, const char *state_dir, const char *space_id,
                       int slot, const char *bind_address, int min, int max)
{
	sp_buf path = SP_BUF_INIT, fix = SP_BUF_INIT, key = SP_BUF_INIT;
	cJSON *json = NULL, *item, *mine = NULL;
	unsigned char *held = NULL;
	sp_space space;
	store_place place;
	unsigned char addr[sizeof(struct in6_addr)];
	int root = -1, fd = -1, error, port = 0;

	*out = 0;
	if (min < 1 || max > 65535 || min > max)
		return sp_error_set(SP_EINVALID, "bad port range %d-%d", min,
		                    max);
	if (!bind_address || (inet_pton(AF_INET, bind_address, addr) != 1 &&
	                      inet_pton(AF_INET6, bind_address, addr) != 1))
		return sp_error_set(SP_EINVALID,
		                    "bind address '%s' is not an IP address",
		                    bind_address ? bind_address : "");
	if ((error = sp_space_parse(&space, space_id)) < 0)
		return error;
	/* The second slot's key cannot be an id: ids hold no '#'. */
	sp_buf_printf(&key, slot ? "%s#1" : "%s", space.id);
	if ((error = store_root_open(&root, &fix, state_dir, geteuid(), 1)) <
	    0) {
		error = store_refuse(&fix, error);
		goto done;
	}
	place.fd = root;
	place.path = state_dir;
	place.root = state_dir;
	sp_buf_printf(&path, "%s/ports.lock", state_dir);
	if ((fd = store_place_open(&place, "ports.lock", O_RDWR | O_CREAT,
	                           0600)) < 0) {
		error = fd;
		goto done;
	}
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			error = sp_error_set_os(SP_EIO, "cannot lock '%s'",
			                        path.ptr);
			goto done;
		}
	sp_buf_clear(&path);
	sp_buf_printf(&path, "%s/ports.json", state_dir);
	error = store_read_json(&json, &place, "ports.json", "ports file", 0);
	if (error == SP_ENOTFOUND && (json = cJSON_CreateObject()))
		error = 0;
	if (error < 0)
		goto done;
	if (!json) {
		error = sp_error_set(SP_ENOMEM, "out of memory");
		goto done;
	}

	held = sp_calloc(65536, 1);
	cJSON_ArrayForEach(item, json)
	{
		if (!cJSON_IsNumber(item) || item->valuedouble < 1 ||
		    item->valuedouble > 65535 ||
		    item->valuedouble != (double)item->valueint) {
			error =
			    sp_error_set(SP_EINVALID,
			                 "ports file '%s' is damaged: an entry "
			                 "is not a port from 1 to 65535",
			                 path.ptr);
			goto done;
		}
		if (item->string && !strcmp(item->string, key.ptr))
			mine = item;
		else
			held[item->valueint] = 1;
	}
	if (mine && mine->valueint >= min && mine->valueint <= max) {
		*out = mine->valueint;
		goto done;
	}
	for (int p = min; p <= max && !port; p++) {
		int rc;

		if (held[p])
			continue;
		if ((rc = sp_store_port_in_use(bind_address, p)) < 0) {
			error = rc;
			goto done;
		}
		if (rc == 0)
			port = p;
	}
	if (!port) {
		error = sp_error_set(
		    SP_ERROR,
		    "no free port for %s in %d-%d (spacehook.portRange)",
		    space.id, min, max);
		goto done;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(json, key.ptr);
	if (!cJSON_AddNumberToObject(json, key.ptr, port)) {
		error = sp_error_set(SP_ENOMEM, "out of memory");
		goto done;
	}
	if ((error = store_write_json(&place, "ports.json", json, 0)) < 0)
		goto done;
	*out = port;
done:
	free(held);
	cJSON_Delete(json);
	if (fd >= 0)
		close(fd);
	if (root >= 0)
		close(root);
	sp_buf_dispose(&path);
	sp_buf_dispose(&fix);
	sp_buf_dispose(&key);
	return error;
}

/* Listing. */

static int list_compare(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int sp_store_list(char ***out, size_t *count, const char *state_dir)
{
	sp_buf path = SP_BUF_INIT, sub = SP_BUF_INIT, fix = SP_BUF_INIT;
	char **ids = NULL;
	size_t n = 0, alloc = 0;
	DIR *dir = NULL;
	struct dirent *entry;
	uid_t uid = geteuid();
	int root = -1, spaces = -1, level = -1, error = 0;

	*out = NULL;
	*count = 0;
	error = store_root_open(&root, &fix, state_dir, uid, 0);
	sp_buf_printf(&path, "%s/spaces", state_dir ? state_dir : "");
	if (error == 0)
		error = store_level_open(&spaces, &fix, root, "spaces",
		                         path.ptr, state_dir, uid, 0);
	if (error == SP_ENOTFOUND) {
		error = 0;
		sp_error_clear();
		goto done;
	}
	if (error < 0)
		goto done;
	if ((error = store_dir_list(&dir, spaces, path.ptr)) < 0)
		goto done;
	while ((entry = readdir(dir))) {
		store_place place;
		sp_space space;
		int rc;

		if (entry->d_name[0] == '.' || !store_slug_ok(entry->d_name))
			continue;
		sp_buf_clear(&sub);
		sp_buf_printf(&sub, "%s/%s", path.ptr, entry->d_name);
		if (level >= 0)
			close(level);
		level = -1;
		rc = store_level_open(&level, &fix, spaces, entry->d_name,
		                      sub.ptr, state_dir, uid, 0);
		if (rc == SP_ENOTFOUND)
			continue;
		if (rc < 0) {
			error = rc;
			goto done;
		}
		place.fd = level;
		place.path = sub.ptr;
		place.root = state_dir;
		rc = store_read_id(&space, &place);
		if (rc < 0 || strcmp(space.slug, entry->d_name))
			continue;
		if (n == alloc) {
			char **grown;

			alloc = alloc ? alloc * 2 : 16;
			if (!(grown = realloc(ids, alloc * sizeof(*ids)))) {
				error =
				    sp_error_set(SP_ENOMEM, "out of memory");
				goto done;
			}
			ids = grown;
		}
		ids[n++] = sp_strdup(space.id);
	}
	sp_error_clear();
	if (n)
		qsort(ids, n, sizeof(*ids), list_compare);
	*out = ids;
	*count = n;
	ids = NULL;
done:
	error = store_refuse(&fix, error);
	if (dir)
		closedir(dir);
	if (root >= 0)
		close(root);
	if (spaces >= 0)
		close(spaces);
	if (level >= 0)
		close(level);
	sp_store_list_free(ids, n);
	sp_buf_dispose(&path);
	sp_buf_dispose(&sub);
	sp_buf_dispose(&fix);
	return error;
}

void sp_store_list_free(char **ids, size_t count)
{
	if (!ids)
		return;
	for (size_t i = 0; i < count; i++)
		free(ids[i]);
	free(ids);
}

/* The binding of a Space to its repository. */

static void store_canonical(sp_buf *out, const char *path)
{
	char *real = realpath(path, NULL);

	sp_buf_sets(out, real ? real : path);
	free(real);
	while (out->size > 1 && (out->ptr[out->size - 1] == '/' ||
	                         out->ptr[out->size - 1] == '\n'))
		sp_buf_truncate(out, out->size - 1);
}

/* Read the binding in the checked Space directory `place`. */
static int store_read_binding(sp_buf *out, const store_place *place,
                              const sp_space *space)
{
	sp_buf text = SP_BUF_INIT;
	int error;

	if ((error = store_place_read(&text, place, "repo", 8192)) < 0) {
		if (error == SP_ENOTFOUND)
			error = sp_error_set(SP_ENOTFOUND,
			                     "%s is bound to no repository yet "
			                     "(push to it first)",
			                     space->id);
		goto done;
	}
	if (!text.size || memchr(text.ptr, '\0', text.size)) {
		error = sp_error_set(SP_EINVALID, "'%s/repo' is damaged",
		                     place->path);
		goto done;
	}
	store_canonical(out, text.ptr);
done:
	sp_buf_dispose(&text);
	return error;
}

int sp_store_binding(sp_buf *out, const char *state_dir, const sp_space *space)
{
	sp_buf dir = SP_BUF_INIT, path = SP_BUF_INIT, fix = SP_BUF_INIT;
	store_place place;
	uid_t uid = geteuid();
	int root = -1, spaces = -1, sdir = -1, error;

	if ((error = store_space_dir(&dir, state_dir, space)) < 0 ||
	    (error = store_root_open(&root, &fix, state_dir, uid, 0)) < 0)
		goto done;
	sp_buf_printf(&path, "%s/spaces", state_dir);
	if ((error = store_level_open(&spaces, &fix, root, "spaces", path.ptr,
	                              state_dir, uid, 0)) < 0 ||
	    (error = store_level_open(&sdir, &fix, spaces, space->slug, dir.ptr,
	                              state_dir, uid, 0)) < 0)
		goto done;
	place.fd = sdir;
	place.path = dir.ptr;
	place.root = state_dir;
	error = store_read_binding(out, &place, space);
done:
	if (error == SP_ENOTFOUND)
		error =
		    sp_error_set(SP_ENOTFOUND,
		                 "%s is bound to no repository yet (push to "
		                 "it first)",
		                 space ? space->id : "");
	error = store_refuse(&fix, error);
	if (root >= 0)
		close(root);
	if (spaces >= 0)
		close(spaces);
	if (sdir >= 0)
		close(sdir);
	sp_buf_dispose(&dir);
	sp_buf_dispose(&path);
	sp_buf_dispose(&fix);
	return error;
}

static int store_binding_same(const sp_space *space, const char *have,
                              const char *want)
{
	if (!strcmp(have, want))
		return 0;
	return sp_error_set(
	    SP_EEXISTS,
	    "%s is bound to the repository '%s', not to '%s'; the server "
	    "administrator moves it with 'spacehook rebind %s %s' or drops it "
	    "with 'spacehook forget %s'",
	    space->id, have, want, space->id, want, space->id);
}

int sp_store_check_binding(const char *state_dir, const sp_space *space,
                           const char *repo_path)
{
	sp_buf want = SP_BUF_INIT, have = SP_BUF_INIT;
	int error;

	store_canonical(&want, repo_path);
	error = sp_store_binding(&have, state_dir, space);
	if (error == 0)
		error = store_binding_same(space, have.ptr, want.ptr);
	else if (error == SP_ENOTFOUND)
		error = 0;
	sp_buf_dispose(&want);
	sp_buf_dispose(&have);
	return error;
}

int sp_store_bind(sp_store *store, const char *repo_path, int force)
{
	store_place place = store_in_space(store);
	sp_buf want = SP_BUF_INIT, have = SP_BUF_INIT, tmp = SP_BUF_INIT;
	int error, err;

	store_canonical(&want, repo_path);
	if (want.ptr[0] != '/') {
		error = sp_error_set(SP_EINVALID,
		                     "repository path '%s' is not absolute",
		                     want.ptr);
		goto done;
	}
	if (force) {
		error = store_place_write(&place, "repo", want.ptr, want.size,
		                          0600);
		goto done;
	}
	error = store_read_binding(&have, &place, &store->space);
	if (error == SP_ENOTFOUND) {
		/* First deploy: bind exclusively, so two repositories racing
		 * for one id cannot both win. */
		sp_buf_printf(&tmp, ".repo.%ld.tmp", (long)getpid());
		if ((error = store_place_write(&place, tmp.ptr, want.ptr,
		                               want.size, 0600)) < 0)
			goto done;
		if (linkat(store->dir_fd, tmp.ptr, store->dir_fd, "repo", 0) ==
		    0) {
			unlinkat(store->dir_fd, tmp.ptr, 0);
			goto done;
		}
		err = errno;
		unlinkat(store->dir_fd, tmp.ptr, 0);
		if (err != EEXIST) {
			errno = err;
			error = sp_error_set_os(
			    SP_EIO, "cannot write '%s/repo'", store->dir);
			goto done;
		}
		error = store_read_binding(&have, &place, &store->space);
	}
	if (error == 0)
		error = store_binding_same(&store->space, have.ptr, want.ptr);
done:
	sp_buf_dispose(&want);
	sp_buf_dispose(&have);
	sp_buf_dispose(&tmp);
	return error;
}

int sp_store_cache_key(unsigned char key[SP_STORE_KEY_SIZE],
                       const char *state_dir)
{
	sp_buf path = SP_BUF_INIT, tmp = SP_BUF_INIT, text = SP_BUF_INIT,
	       fix = SP_BUF_INIT;
	unsigned char fresh[SP_STORE_KEY_SIZE];
	store_place place;
	int root = -1, error, err;

	if ((error = store_root_open(&root, &fix, state_dir, geteuid(), 1)) <
	    0) {
		error = store_refuse(&fix, error);
		goto done;
	}
	place.fd = root;
	place.path = state_dir;
	place.root = state_dir;
	sp_buf_printf(&path, "%s/cache.key", state_dir);
	error = store_place_read(&text, &place, "cache.key", 4096);
	if (error == SP_ENOTFOUND) {
		if (getrandom(fresh, sizeof(fresh), 0) !=
		    (ssize_t)sizeof(fresh)) {
			error = sp_error_set_os(SP_EIO, "cannot make a key");
			goto done;
		}
		/* Made once, exclusively: racing workers end up with one key.
		 */
		sp_buf_printf(&tmp, ".cache.key.%ld.tmp", (long)getpid());
		if ((error = store_place_write(&place, tmp.ptr, fresh,
		                               sizeof(fresh), 0600)) < 0)
			goto done;
		if (linkat(root, tmp.ptr, root, "cache.key", 0) < 0 &&
		    errno != EEXIST) {
			err = errno;
			unlinkat(root, tmp.ptr, 0);
			errno = err;
			error = sp_error_set_os(SP_EIO, "cannot write '%s'",
			                        path.ptr);
			goto done;
		}
		unlinkat(root, tmp.ptr, 0);
		error = store_place_read(&text, &place, "cache.key", 4096);
	}
	if (error < 0)
		goto done;
	if (text.size != SP_STORE_KEY_SIZE) {
		error =
		    sp_error_set(SP_EINVALID,
		                 "'%s' is damaged (%zu bytes, expected %d); "
		                 "remove it and a new key is made",
		                 path.ptr, text.size, SP_STORE_KEY_SIZE);
		goto done;
	}
	memcpy(key, text.ptr, SP_STORE_KEY_SIZE);
done:
	if (root >= 0)
		close(root);
	memset(fresh, 0, sizeof(fresh));
	if (text.size)
		memset(text.ptr, 0, text.size);
	sp_buf_dispose(&path);
	sp_buf_dispose(&tmp);
	sp_buf_dispose(&text);
	sp_buf_dispose(&fix);
	return error;
}

static int store_remove_entry(const char *path, const struct stat *st, int flag,
                              struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return (flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 &&
	               errno != ENOENT
	           ? -1
	           : 0;
}

int sp_store_remove(sp_store *store)
{
	if (nftw(store->dir, store_remove_entry, 16,
	         FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0 &&
	    errno != ENOENT)
		return sp_error_set_os(SP_EIO, "cannot remove '%s'",
		                       store->dir);
	return 0;
}
