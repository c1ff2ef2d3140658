/* Static Spaces: a commit's tree written out as plain files under
 * spacehook.nginxDir, served through a `current` link switched by rename. */
#include "static.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "context.h"
#include "error.h"

#include "banned.h"

#define STATIC_CURRENT "current"
#define STATIC_TMP_PREFIX ".tmp-"
#define STATIC_LINK_PREFIX ".current-"

/* What writing a tree needs, through the walk's callback. */
struct static_write {
	sp_repo *repo;
	int dirfd; /* the temporary directory */
	size_t max_blob;
	sp_redact_sink log;
	void *payload;
	sp_buf data;
	size_t files;
	size_t skipped;
	uint64_t bytes;
};

/* Open the directory `name` of `parent`, never through a symbolic link;
 * created (0755) first when `create`. `where` names it in messages. */
static int static_open_dir(int *out, int parent, const char *name,
                           const char *where, int create)
{
	int fd;

	*out = -1;
	/* Made now: readable by nginx's workers whatever the umask. */
	if (create && mkdirat(parent, name, 0755) == 0) {
		if (fchmodat(parent, name, 0755, 0) < 0)
			return sp_error_set_os(SP_EIO, "cannot chmod '%s'",
			                       where);
	} else if (create && errno != EEXIST) {
		return sp_error_set_os(SP_EIO, "cannot create '%s'", where);
	}
	fd = openat(parent, name,
	            O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return sp_error_set(SP_ENOTFOUND, "no directory '%s'", where);
	if (fd < 0 && (errno == ELOOP || errno == ENOTDIR))
		return sp_error_set(SP_EINVALID,
		                    "'%s' is not a directory (a symbolic link "
		                    "or a file); remove it",
		                    where);
	if (fd < 0)
		return sp_error_set_os(SP_EIO, "cannot open '%s'", where);
	*out = fd;
	return 0;
}

/* mkdir -p of the directory spacehook.nginxDir names (0755), opened. */
static int static_open_top(int *out, const char *dir, int create)
{
	sp_buf part = SP_BUF_INIT;
	const char *p;
	int fd;

	*out = -1;
	for (p = dir; create && *p; p++) {
		if (*p != '/' || p == dir)
			continue;
		sp_buf_put(&part, dir, (size_t)(p - dir));
		if (mkdir(part.ptr, 0755) < 0 && errno != EEXIST) {
			sp_buf_dispose(&part);
			return sp_error_set_os(SP_EIO, "cannot create '%s'",
			                       dir);
		}
		sp_buf_clear(&part);
	}
	sp_buf_dispose(&part);
	if (create && mkdir(dir, 0755) == 0) {
		if (chmod(dir, 0755) < 0)
			return sp_error_set_os(SP_EIO, "cannot chmod '%s'",
			                       dir);
	} else if (create && errno != EEXIST) {
		return sp_error_set_os(SP_EIO, "cannot create '%s'", dir);
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return sp_error_set(SP_ENOTFOUND, "no directory '%s'",
			                    dir);
		return sp_error_set_os(SP_EIO, "cannot open '%s'", dir);
	}
	*out = fd;
	return 0;
}

/*
 * Open <nginxDir>/static (into `*static_fd`, when not NULL) and
 * <nginxDir>/static/<slug> (into `*out`, its path into `path`), creating
 * them when `create`.
 */
static int static_open_base(int *out, int *static_fd, sp_buf *path,
                            const sp_settings *settings, const sp_space *space,
                            int create)
{
	int top = -1, dir = -1, error;

	*out = -1;
	if (!settings->nginx_dir || !*settings->nginx_dir)
		return sp_error_set(SP_EINVALID,
		                    "spacehook.nginxDir is not set; set it to "
		                    "the directory nginx includes");
	sp_buf_printf(path, "%s/static", settings->nginx_dir);
	if ((error = static_open_top(&top, settings->nginx_dir, create)) < 0 ||
	    (error = static_open_dir(&dir, top, "static", path->ptr, create)) <
	        0)
		goto done;
	sp_buf_printf(path, "/%s", space->slug);
	if ((error =
	         static_open_dir(out, dir, space->slug, path->ptr, create)) < 0)
		goto done;
	if (static_fd) {
		*static_fd = dir;
		dir = -1;
	}
done:
	if (top >= 0)
		close(top);
	if (dir >= 0)
		close(dir);
	return error;
}

/* Remove `name` of `parent` and everything under it, links unfollowed;
 * one already gone is fine. */
static int static_rmtree_at(int parent, const char *name)
{
	struct dirent *e;
	DIR *d;
	int fd, error = 0;

	if (unlinkat(parent, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return sp_error_set_os(SP_EIO, "cannot remove '%s'", name);
	fd = openat(parent, name,
	            O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return sp_error_set_os(SP_EIO, "cannot open '%s'", name);
	if (!(d = fdopendir(fd))) {
		close(fd);
		return sp_error_set_os(SP_EIO, "cannot read '%s'", name);
	}
	while (error == 0 && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			error = static_rmtree_at(dirfd(d), e->d_name);
	closedir(d);
	if (error == 0 && unlinkat(parent, name, AT_REMOVEDIR) < 0 &&
	    errno != ENOENT)
		error = sp_error_set_os(SP_EIO, "cannot remove '%s'", name);
	return error;
}

/* Write `len` bytes to the new file `path` of `dirfd`, 0644. */
static int static_write_file(int dirfd, const char *path, const char *data,
                             size_t len)
{
	int fd, error = 0;

	fd = openat(dirfd, path,
	            O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return sp_error_set_os(SP_EIO, "cannot create '%s'", path);
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error =
			    sp_error_set_os(SP_EIO, "cannot write '%s'", path);
			break;
		}
		data += n;
		len -= (size_t)n;
	}
	if (error == 0 && fchmod(fd, 0644) < 0)
		error = sp_error_set_os(SP_EIO, "cannot chmod '%s'", path);
	if (close(fd) < 0 && error == 0)
		error = sp_error_set_os(SP_EIO, "cannot write '%s'", path);
	return error;
}

static int static_entry(const sp_repo_walk_entry *e, void *payload)
{
	struct static_write *w = payload;
	size_t depth = 1;
	const char *p;
	int error;

	if (!*e->name || !strcmp(e->name, ".") || !strcmp(e->name, "..") ||
	    strchr(e->name, '/'))
		return sp_error_set(SP_EINVALID,
		                    "the tree has an entry named '%s' (at "
		                    "'%s'), which cannot be a file name",
		                    e->name, e->path);
	for (p = e->path; *p; p++)
		depth += *p == '/';
	if (depth > SP_STATIC_MAX_DEPTH)
		return sp_error_set(SP_EINVALID,
		                    "'%s' is nested %zu directories deep; a "
		                    "static Space may nest %d",
		                    e->path, depth, SP_STATIC_MAX_DEPTH);
	switch (e->kind) {
	case SP_ENTRY_TREE:
		if (mkdirat(w->dirfd, e->path, 0755) < 0 ||
		    fchmodat(w->dirfd, e->path, 0755, 0) < 0)
			return sp_error_set_os(SP_EIO, "cannot create '%s'",
			                       e->path);
		return 0;
	case SP_ENTRY_LINK:
		w->skipped++;
		sp_redact_sink_line(w->log, w->payload,
		                    "spacehook: left out symbolic link '%s': "
		                    "a static Space serves regular files only",
		                    e->path);
		return 0;
	case SP_ENTRY_SUBMODULE:
		w->skipped++;
		sp_redact_sink_line(w->log, w->payload,
		                    "spacehook: left out submodule '%s': a "
		                    "static Space serves its own files only",
		                    e->path);
		return 0;
	default:
		break;
	}
	if ((error = sp_repo_read_blob_id(&w->data, w->repo, e->id,
	                                  w->max_blob)) < 0 ||
	    (error = static_write_file(w->dirfd, e->path, w->data.ptr,
	                               w->data.size)) < 0)
		return error;
	w->files++;
	w->bytes += w->data.size;
	return 0;
}

/* 1 when `name` is a full hex commit id. */
static int static_is_commit_name(const char *name)
{
	size_t i;

	for (i = 0; name[i]; i++)
		if (!strchr("0123456789abcdef", name[i]))
			return 0;
	return i == SP_OID_HEXSZ;
}

/* The commit `current` names, into `out` (empty when none). */
static void static_current(char out[SP_OID_HEXSZ + 1], int basefd)
{
	char target[SP_OID_HEXSZ + 2];
	ssize_t n =
	    readlinkat(basefd, STATIC_CURRENT, target, sizeof(target) - 1);

	out[0] = '\0';
	if (n <= 0)
		return;
	target[n] = '\0';
	if (static_is_commit_name(target))
		memcpy(out, target, SP_OID_HEXSZ + 1);
}

/* Write the tree of `id` into the directory `name` of `basefd`, made here
 * (mode 0755 once complete). */
static int static_write_tree(struct static_write *w, int basefd,
                             const char *name, const char *id)
{
	int error;

	if (mkdirat(basefd, name, 0700) < 0)
		return sp_error_set_os(SP_EIO, "cannot create '%s'", name);
	if ((error = static_open_dir(&w->dirfd, basefd, name, name, 0)) < 0 ||
	    (error = sp_repo_walk(w->repo, id, static_entry, w)) < 0)
		return error;
	if (fchmod(w->dirfd, 0755) < 0 || fsync(w->dirfd) < 0)
		return sp_error_set_os(SP_EIO, "cannot finish '%s'", name);
	return 0;
}

/*
 * Remove what is neither `keep` nor `prev` nor `current`: older commits
 * and what an interrupted run left. A failure is said in the log only.
 */
static void static_prune(int basefd, const char *keep, const char *prev,
                         sp_redact_sink log, void *payload)
{
	struct dirent *e;
	DIR *d;
	int fd = dup(basefd);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	rewinddir(d);
	while ((e = readdir(d))) {
		const char *n = e->d_name;

		if (strcmp(n, keep) && strcmp(n, prev) &&
		    (static_is_commit_name(n) ||
		     !strncmp(n, STATIC_TMP_PREFIX,
		              strlen(STATIC_TMP_PREFIX)) ||
		     !strncmp(n, STATIC_LINK_PREFIX,
		              strlen(STATIC_LINK_PREFIX))) &&
		    static_rmtree_at(basefd, n) < 0)
			sp_redact_sink_line(log, payload,
			                    "spacehook: warning: %s",
			                    sp_error_last());
	}
	closedir(d);
}

int sp_static_publish(char **root_out, const sp_settings *settings,
                      sp_store *store, sp_repo *repo, const char *commit,
                      sp_redact_sink log, void *payload)
{
	const sp_space *space = sp_store_space(store);
	char id[SP_OID_HEXSZ + 1], prev[SP_OID_HEXSZ + 1];
	sp_buf base = SP_BUF_INIT, tmp = SP_BUF_INIT, link = SP_BUF_INIT;
	sp_context_options opts = SP_CONTEXT_OPTIONS_INIT;
	sp_context_stats stats;
	struct static_write w;
	struct stat st;
	int basefd = -1, error;
	static unsigned counter;

	*root_out = NULL;
	memset(&w, 0, sizeof(w));
	w.repo = repo;
	w.dirfd = -1;
	w.log = log;
	w.payload = payload;
	w.data = (sp_buf)SP_BUF_INIT;
	opts.max_blob =
	    settings->max_blob_size > 0 ? (uint64_t)settings->max_blob_size : 0;
	opts.max_total = settings->max_context_size > 0
	                     ? (uint64_t)settings->max_context_size
	                     : 0;
	w.max_blob = opts.max_blob && opts.max_blob < SIZE_MAX
	                 ? (size_t)opts.max_blob
	                 : SIZE_MAX;
	if ((error = sp_repo_resolve(id, repo, commit)) < 0 ||
	    (error = sp_context_measure(&stats, repo, id, &opts, NULL)) < 0 ||
	    (error = static_open_base(&basefd, NULL, &base, settings, space,
	                              1)) < 0)
		goto done;
	static_current(prev, basefd);

	if (fstatat(basefd, id, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISDIR(st.st_mode)) {
		sp_redact_sink_line(log, payload,
		                    "spacehook: static files of %.7s are "
		                    "written already",
		                    id);
	} else {
		sp_buf_printf(&tmp, STATIC_TMP_PREFIX "%.7s-%ld-%u", id,
		              (long)getpid(), counter++);
		if ((error = static_write_tree(&w, basefd, tmp.ptr, id)) < 0)
			goto done;
		if (renameat(basefd, tmp.ptr, basefd, id) < 0) {
			error = sp_error_set_os(
			    SP_EIO, "cannot rename '%s' to '%s'", tmp.ptr, id);
			goto done;
		}
		sp_buf_clear(&tmp);
		sp_redact_sink_line(log, payload,
		                    "spacehook: wrote the static files of "
		                    "%.7s: %zu files, %llu bytes%s",
		                    id, w.files, (unsigned long long)w.bytes,
		                    w.skipped ? " (some left out, see above)"
		                              : "");
	}

	/* The switch: a new link renamed over `current`, atomically. */
	sp_buf_printf(&link, STATIC_LINK_PREFIX "%ld", (long)getpid());
	if ((unlinkat(basefd, link.ptr, 0) < 0 && errno != ENOENT) ||
	    symlinkat(id, basefd, link.ptr) < 0 ||
	    renameat(basefd, link.ptr, basefd, STATIC_CURRENT) < 0) {
		error = sp_error_set_os(SP_EIO, "cannot point '%s/%s' at %s",
		                        base.ptr, STATIC_CURRENT, id);
		unlinkat(basefd, link.ptr, 0);
		goto done;
	}
	if (fsync(basefd) < 0) {
		error = sp_error_set_os(SP_EIO, "cannot sync '%s'", base.ptr);
		goto done;
	}
	static_prune(basefd, id, prev, log, payload);
	sp_buf_printf(&base, "/%s", STATIC_CURRENT);
	*root_out = sp_buf_detach(&base);
done:
	if (w.dirfd >= 0)
		close(w.dirfd);
	if (tmp.size && basefd >= 0)
		static_rmtree_at(basefd, tmp.ptr);
	if (basefd >= 0)
		close(basefd);
	sp_buf_dispose(&w.data);
	sp_buf_dispose(&base);
	sp_buf_dispose(&tmp);
	sp_buf_dispose(&link);
	return error;
}

int sp_static_remove(const sp_settings *settings, const sp_space *space)
{
	sp_buf path = SP_BUF_INIT;
	int basefd = -1, static_fd = -1, error;

	if (!settings->nginx_dir || !*settings->nginx_dir)
		return 0; /* nothing was ever published */
	error =
	    static_open_base(&basefd, &static_fd, &path, settings, space, 0);
	if (error == SP_ENOTFOUND)
		error = 0;
	else if (error == 0 &&
	         (error = static_rmtree_at(static_fd, space->slug)) < 0)
		error = sp_error_set(error, "cannot remove '%s': %s", path.ptr,
		                     sp_error_last());
	if (basefd >= 0)
		close(basefd);
	if (static_fd >= 0)
		close(static_fd);
	sp_buf_dispose(&path);
	return error;
}
