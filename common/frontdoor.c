/* The front door: nginx files that put each Space at its own hostname. */
#include "frontdoor.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "banned.h"
#include "error.h"
#include "proc.h"
#include "strvec.h"

#define FD_ID_MAX 512             /* bytes of a claim file */
#define FD_FILE_MAX (1024 * 1024) /* bytes of one of our nginx files */
#define FD_CMD_TIMEOUT 30         /* seconds for nginxTest, nginxReload */
#define FD_OUTPUT_MAX (64 * 1024) /* bytes kept of their output */
#define FD_OUTPUT_SHOWN 3         /* lines of it in a message */
#define FD_OUTPUT_SHOWN_MAX 600   /* bytes of it in a message */
#define FD_MAIN_CONF "spacehook.conf"
#define FD_PROXY_INC "spacehook-proxy.inc"

#define FD_ALNUM                                                               \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

int sp_frontdoor_enabled(const sp_settings *settings)
{
	return settings->domain && settings->domain[0];
}

/* A hostname label as we make them: 1..63 of [a-z0-9-], no '-' at an end. */
static int frontdoor_label_ok(const char *label)
{
	size_t len = strlen(label);

	return len >= 1 && len <= SP_SUBDOMAIN_MAX && label[0] != '-' &&
	       label[len - 1] != '-' &&
	       strspn(label, "abcdefghijklmnopqrstuvwxyz0123456789-") == len;
}

/* Does `value` (non-empty) hold only characters of `allowed`? */
static int frontdoor_only(const char *value, const char *allowed)
{
	return value && value[0] && strspn(value, allowed) == strlen(value);
}

/* SP_EINVALID naming `what` unless `value` is made only of `allowed`. */
static int frontdoor_check(const char *what, const char *value,
                           const char *allowed)
{
	if (frontdoor_only(value, allowed))
		return 0;
	return sp_error_set(SP_EINVALID,
	                    "%s '%s' cannot go into an nginx file: use only "
	                    "letters, digits and %s",
	                    what, value ? value : "",
	                    allowed + strlen(FD_ALNUM));
}

/* An absolute path nginx takes literally, with no "." or ".." part. */
static int frontdoor_check_path(const char *what, const char *path)
{
	int error;

	if ((error = frontdoor_check(what, path, FD_ALNUM "._/+@-")) < 0)
		return error;
	if (path[0] != '/' || strstr(path, "/./") || strstr(path, "/../") ||
	    strstr(path, "//"))
		return sp_error_set(SP_EINVALID,
		                    "%s '%s' is not a plain absolute path",
		                    what, path);
	{
		size_t len = strlen(path);

		if ((len >= 2 && !strcmp(path + len - 2, "/.")) ||
		    (len >= 3 && !strcmp(path + len - 3, "/..")))
			return sp_error_set(SP_EINVALID,
			                    "%s '%s' is not a plain absolute "
			                    "path",
			                    what, path);
	}
	return 0;
}

/* The length of the host part of spacehook.domain (without ":port"). */
static size_t frontdoor_host_len(const char *domain)
{
	return strcspn(domain, ":");
}

/* Every setting that goes into the files, checked. */
static int frontdoor_check_settings(const sp_settings *settings)
{
	int error;

	if (!sp_frontdoor_enabled(settings))
		return sp_error_set(SP_EINVALID,
		                    "no spacehook.domain is set: set it to "
		                    "serve Spaces through nginx");
	if ((error = frontdoor_check("spacehook.domain", settings->domain,
	                             FD_ALNUM ".-:")) < 0 ||
	    (error = frontdoor_check_path("spacehook.nginxDir",
	                                  settings->nginx_dir)) < 0 ||
	    (error = frontdoor_check("spacehook.httpListen",
	                             settings->http_listen, FD_ALNUM ".:[]")) <
	        0 ||
	    (error = frontdoor_check("spacehook.serveListen",
	                             settings->serve_listen, FD_ALNUM ".:[]")) <
	        0 ||
	    (error = frontdoor_check("spacehook.bindAddress",
	                             settings->bind_address, FD_ALNUM ".:")) <
	        0)
		return error;
	if (frontdoor_host_len(settings->domain) == 0)
		return sp_error_set(SP_EINVALID,
		                    "spacehook.domain '%s' has no host name",
		                    settings->domain);
	if (strcmp(settings->public_scheme, "http") &&
	    strcmp(settings->public_scheme, "https"))
		return sp_error_set(
		    SP_EINVALID,
		    "spacehook.publicScheme '%s' is not http or "
		    "https",
		    settings->public_scheme);
	return 0;
}

/* Trim trailing whitespace (the newline of a file). */
static void frontdoor_chomp(sp_buf *buf)
{
	while (buf->size && strchr(" \t\r\n", buf->ptr[buf->size - 1]) != NULL)
		sp_buf_truncate(buf, buf->size - 1);
}

/* Read the claim file of `label` through the store: its id into `out`. */
static int frontdoor_claim_read(sp_buf *out, sp_store *store, const char *rel)
{
	int fd, error;

	sp_buf_clear(out);
	if ((fd = sp_store_root_openat(store, rel, O_RDONLY, 0)) < 0)
		return fd;
	error = sp_buf_read_fd(out, fd, FD_ID_MAX);
	close(fd);
	if (error == SP_ETOOBIG)
		error = sp_error_set(SP_EINVALID, "'%s' is too big", rel);
	frontdoor_chomp(out);
	return error;
}

/* Remove <stateDir>/subdomains/<label>. */
static int frontdoor_claim_unlink(sp_store *store, const char *label)
{
	sp_buf path = SP_BUF_INIT;
	int error = 0;

	sp_buf_printf(&path, "%s/subdomains/%s", sp_store_state_dir(store),
	              label);
	if (unlink(path.ptr) < 0 && errno != ENOENT)
		error = sp_error_set_os(SP_EIO, "cannot remove '%s'", path.ptr);
	sp_buf_dispose(&path);
	return error;
}

/* Claim `label` for the Space of `store` in <stateDir>/subdomains. */
static int frontdoor_claim(sp_store *store, const char *label)
{
	const char *id = sp_store_space(store)->id;
	sp_buf rel = SP_BUF_INIT, holder = SP_BUF_INIT, line = SP_BUF_INIT;
	int fd = -1, error;

	sp_buf_printf(&rel, "subdomains/%s", label);
	error = frontdoor_claim_read(&holder, store, rel.ptr);
	if (error == SP_ENOTFOUND) {
		fd = sp_store_root_openat(store, rel.ptr,
		                          O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd >= 0) {
			sp_buf_printf(&line, "%s\n", id);
			if (write(fd, line.ptr, line.size) !=
			        (ssize_t)line.size ||
			    fsync(fd) < 0) {
				error = sp_error_set_os(
				    SP_EIO, "cannot write the claim of '%s'",
				    label);
				frontdoor_claim_unlink(store, label);
			} else {
				error = 0;
			}
			goto done;
		}
		/* Another process claimed it just now: see who. */
		error = frontdoor_claim_read(&holder, store, rel.ptr);
	}
	if (error < 0)
		goto done;
	if (strcmp(holder.ptr, id))
		error = sp_error_set(
		    SP_EEXISTS,
		    "the subdomain '%s' is taken by the Space '%s': rename the "
		    "repository of '%s' so that its owner-name differs",
		    label, holder.size ? holder.ptr : "(being claimed)", id);
done:
	if (fd >= 0)
		close(fd);
	sp_buf_dispose(&rel);
	sp_buf_dispose(&holder);
	sp_buf_dispose(&line);
	return error;
}

int sp_frontdoor_subdomain(char out[SP_SUBDOMAIN_MAX + 1],
                           const sp_settings *settings, sp_store *store)
{
	sp_buf stored = SP_BUF_INIT;
	char label[SP_SUBDOMAIN_MAX + 1];
	int error, fresh = 0;

	(void)settings;
	error = sp_store_readat(&stored, store, "subdomain", FD_ID_MAX);
	if (error == SP_ENOTFOUND) {
		sp_subdomain(label, sp_store_space(store));
		fresh = 1;
	} else if (error < 0) {
		goto done;
	} else {
		frontdoor_chomp(&stored);
		if (!frontdoor_label_ok(stored.ptr)) {
			error = sp_error_set(
			    SP_EINVALID,
			    "'%s/subdomain' does not hold a hostname label; "
			    "fix: rm '%s/subdomain'",
			    sp_store_dir(store), sp_store_dir(store));
			goto done;
		}
		memcpy(label, stored.ptr, stored.size + 1);
	}
	if ((error = frontdoor_claim(store, label)) < 0)
		goto done;
	if (fresh) {
		sp_buf_sets(&stored, label);
		sp_buf_putc(&stored, '\n');
		if ((error = sp_store_writeat(store, "subdomain", stored.ptr,
		                              stored.size, 0600)) < 0)
			goto done;
	}
	memcpy(out, label, strlen(label) + 1);
done:
	sp_buf_dispose(&stored);
	return error;
}

int sp_frontdoor_lookup(char **id_out, const char *state_dir, const char *label)
{
	sp_buf path = SP_BUF_INIT, id = SP_BUF_INIT;
	int fd = -1, error;

	*id_out = NULL;
	if (!frontdoor_label_ok(label)) {
		error = sp_error_set(SP_ENOTFOUND, "no Space at '%s'", label);
		goto done;
	}
	sp_buf_printf(&path, "%s/subdomains/%s", state_dir, label);
	if ((fd = open(path.ptr, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		error = sp_error_set_os(errno == ENOENT ? SP_ENOTFOUND : SP_EIO,
		                        "cannot open '%s'", path.ptr);
		goto done;
	}
	if ((error = sp_buf_read_fd(&id, fd, FD_ID_MAX)) < 0)
		goto done;
	frontdoor_chomp(&id);
	if (!id.size) {
		error = sp_error_set(SP_ENOTFOUND, "no Space at '%s'", label);
		goto done;
	}
	*id_out = sp_buf_detach(&id);
done:
	if (fd >= 0)
		close(fd);
	sp_buf_dispose(&path);
	sp_buf_dispose(&id);
	return error;
}

void sp_frontdoor_host(sp_buf *out, const sp_settings *settings,
                       const char *label)
{
	const char *domain = settings->domain ? settings->domain : "";

	sp_buf_clear(out);
	sp_buf_printf(out, "%s.%.*s", label, (int)frontdoor_host_len(domain),
	              domain);
}

void sp_frontdoor_url(sp_buf *out, const sp_settings *settings,
                      const char *label, const char *base_path)
{
	const char *scheme =
	    settings->public_scheme ? settings->public_scheme : "http";

	sp_buf_clear(out);
	sp_buf_printf(out, "%s://%s.%s/", scheme, label,
	              settings->domain ? settings->domain : "");
	if (base_path) {
		while (*base_path == '/')
			base_path++;
		sp_buf_puts(out, base_path);
	}
}

/*
 * The files.
 */

/* "alice--demo" -> "alice__demo": an upstream name of [a-z0-9_]. */
static void frontdoor_upstream_name(sp_buf *out, const char *slug)
{
	sp_buf_puts(out, "spacehook_");
	for (const char *p = slug; *p; p++)
		sp_buf_putc(out, *p == '-' ? '_' : *p);
}

/* `address:port` for a server line, an IPv6 address in brackets. */
static void frontdoor_server_addr(sp_buf *out, const char *address, int port)
{
	if (strchr(address, ':') && address[0] != '[')
		sp_buf_printf(out, "[%s]:%d", address, port);
	else
		sp_buf_printf(out, "%s:%d", address, port);
}

static void frontdoor_proxy_inc(sp_buf *out, const sp_settings *settings)
{
	sp_buf_printf(
	    out,
	    "# spacehook: proxy settings (written by spacehook; edits are "
	    "lost)\n"
	    "proxy_http_version 1.1;\n"
	    "proxy_set_header Host $http_host;\n"
	    "proxy_set_header Upgrade $http_upgrade;\n"
	    "proxy_set_header Connection $spacehook_connection_upgrade;\n"
	    "proxy_set_header X-Real-IP $remote_addr;\n"
	    "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
	    "proxy_set_header X-Forwarded-Proto %s;\n"
	    "proxy_set_header X-Forwarded-Host $http_host;\n"
	    "proxy_buffering off;\n"
	    "proxy_request_buffering off;\n"
	    "proxy_cache off;\n"
	    "proxy_connect_timeout 3s;\n"
	    "proxy_read_timeout 1h;\n"
	    "proxy_send_timeout 1h;\n"
	    "proxy_next_upstream off;\n"
	    "client_max_body_size 0;\n",
	    settings->public_scheme);
}

/* A location that sends everything to `spacehook serve`, telling it the
 * Space (`id`, or none). */
static void frontdoor_serve_location(sp_buf *out, const sp_settings *settings,
                                     const char *where, const char *id)
{
	sp_buf_printf(out,
	              "\tlocation %s {\n"
	              "\t\tinclude %s/" FD_PROXY_INC ";\n"
	              "\t\tproxy_set_header X-Spacehook-Space \"%s\";\n"
	              "\t\tproxy_pass http://spacehook_serve;\n"
	              "\t\taccess_log off;\n"
	              "\t}\n",
	              where, settings->nginx_dir, id ? id : "");
}

static void frontdoor_main_conf(sp_buf *out, const sp_settings *settings)
{
	int host = (int)frontdoor_host_len(settings->domain);

	sp_buf_printf(
	    out,
	    "# spacehook: shared (written by spacehook; edits are lost)\n"
	    "map $http_upgrade $spacehook_connection_upgrade {\n"
	    "\tdefault upgrade;\n"
	    "\t'' '';\n"
	    "}\n"
	    "upstream spacehook_serve {\n"
	    "\tserver %s;\n"
	    "\tkeepalive 8;\n"
	    "}\n"
	    "log_format spacehook_idle '$msec';\n",
	    settings->serve_listen);
	/* The bare domain: serve lists the Spaces. */
	sp_buf_printf(out,
	              "server {\n"
	              "\tlisten %s;\n"
	              "\tserver_name %.*s;\n",
	              settings->http_listen, host, settings->domain);
	frontdoor_serve_location(out, settings, "/", NULL);
	sp_buf_puts(out, "}\n");
	/* A label no Space holds: serve answers 404. */
	sp_buf_printf(out,
	              "server {\n"
	              "\tlisten %s;\n"
	              "\tserver_name *.%.*s;\n",
	              settings->http_listen, host, settings->domain);
	frontdoor_serve_location(out, settings, "/", NULL);
	sp_buf_puts(out, "}\n");
}

static int frontdoor_space_conf(sp_buf *out, const sp_settings *settings,
                                const sp_space *space, const char *label,
                                const sp_route *route)
{
	sp_buf upstream = SP_BUF_INIT, addr = SP_BUF_INIT;
	int error = 0;

	if ((error = frontdoor_check("the Space id", space->id,
	                             FD_ALNUM "._-/")) < 0 ||
	    (error = frontdoor_check("the slug", space->slug, FD_ALNUM "-")) <
	        0)
		goto done;
	frontdoor_upstream_name(&upstream, space->slug);
	sp_buf_printf(out,
	              "# spacehook: %s (written by spacehook; edits are "
	              "lost)\n",
	              space->id);
	switch (route->kind) {
	case SP_ROUTE_APP:
		if (route->port < 1 || route->port > 65535) {
			error = sp_error_set(
			    SP_EINVALID, "port %d of '%s' is not a TCP port",
			    route->port, space->id);
			goto done;
		}
		if (route->address) {
			unsigned char raw[sizeof(struct in6_addr)];

			if (inet_pton(AF_INET, route->address, raw) != 1 &&
			    inet_pton(AF_INET6, route->address, raw) != 1) {
				error = sp_error_set(
				    SP_EINVALID,
				    "'%.64s' of '%s' is not an IP address",
				    route->address, space->id);
				goto done;
			}
		}
		frontdoor_server_addr(&addr,
		                      route->address ? route->address
		                                     : settings->bind_address,
		                      route->port);
		sp_buf_printf(out,
		              "upstream %s {\n"
		              "\tserver %s max_fails=0;\n"
		              "\tkeepalive 16;\n"
		              "}\n",
		              upstream.ptr, addr.ptr);
		break;
	case SP_ROUTE_STATIC:
		if ((error = frontdoor_check_path("the static root",
		                                  route->root)) < 0 ||
		    (error = frontdoor_check("the index file",
		                             route->index ? route->index : "",
		                             FD_ALNUM "._+@-/")) < 0)
			goto done;
		/* A path under the root ("site/home.html"), never above it. */
		if (route->index[0] == '/' || strstr(route->index, "..") ||
		    strstr(route->index, "//")) {
			error =
			    sp_error_set(SP_EINVALID,
			                 "the index file '%s' is not a path "
			                 "under the Space's root",
			                 route->index);
			goto done;
		}
		break;
	case SP_ROUTE_STATUS:
		break;
	default:
		error = sp_error_set(SP_EINVALID, "unknown route kind %d",
		                     (int)route->kind);
		goto done;
	}
	sp_buf_printf(out,
	              "server {\n"
	              "\tlisten %s;\n"
	              "\tserver_name %s.%.*s;\n",
	              settings->http_listen, label,
	              (int)frontdoor_host_len(settings->domain),
	              settings->domain);
	frontdoor_serve_location(out, settings, "^~ /.spacehook/", space->id);
	switch (route->kind) {
	case SP_ROUTE_APP:
		sp_buf_printf(out,
		              "\tlocation / {\n"
		              "\t\tinclude %s/" FD_PROXY_INC ";\n"
		              "\t\tproxy_set_header X-Spacehook-Space \"\";\n"
		              "\t\tproxy_pass http://%s;\n"
		              "\t\terror_page 502 503 504 = @spacehook;\n"
		              "\t\taccess_log %s/idle/%s.log spacehook_idle;\n"
		              "\t}\n",
		              settings->nginx_dir, upstream.ptr,
		              settings->nginx_dir, space->slug);
		frontdoor_serve_location(out, settings, "@spacehook",
		                         space->id);
		break;
	case SP_ROUTE_STATIC:
		sp_buf_printf(out,
		              "\tlocation / {\n"
		              "\t\troot %s;\n"
		              "\t\tindex %s;\n"
		              "\t\tdisable_symlinks on from=$document_root;\n"
		              "\t\ttry_files $uri $uri/ =404;\n"
		              "\t\taccess_log %s/idle/%s.log spacehook_idle;\n"
		              "\t}\n",
		              route->root, route->index, settings->nginx_dir,
		              space->slug);
		break;
	default:
		frontdoor_serve_location(out, settings, "/", space->id);
		break;
	}
	sp_buf_puts(out, "}\n");
done:
	sp_buf_dispose(&upstream);
	sp_buf_dispose(&addr);
	return error;
}

/*
 * Writing: files changed under the lock, kept to be put back.
 */

typedef struct {
	char *path;
	sp_buf old; /* contents before */
	int existed;
} frontdoor_change;

typedef struct {
	frontdoor_change items[4];
	size_t count;
} frontdoor_changes;

static void frontdoor_changes_dispose(frontdoor_changes *changes)
{
	for (size_t i = 0; i < changes->count; i++) {
		free(changes->items[i].path);
		sp_buf_dispose(&changes->items[i].old);
	}
	changes->count = 0;
}

/* Put every changed file back as it was (best effort, all of them). */
static void frontdoor_changes_undo(frontdoor_changes *changes)
{
	for (size_t i = changes->count; i-- > 0;) {
		frontdoor_change *c = &changes->items[i];

		if (c->existed)
			sp_store_write_file(c->path, c->old.ptr, c->old.size,
			                    0644);
		else
			unlink(c->path);
	}
}

/* The current contents of `path`; `*existed` 0 when there is none. */
static int frontdoor_read(sp_buf *out, int *existed, const char *path)
{
	int fd, error;

	sp_buf_clear(out);
	*existed = 0;
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return 0;
		return sp_error_set_os(SP_EIO, "cannot read '%s'", path);
	}
	error = sp_buf_read_fd(out, fd, FD_FILE_MAX);
	close(fd);
	if (error == SP_ETOOBIG)
		return sp_error_set(SP_EINVALID,
		                    "'%s' is too big for a file of spacehook",
		                    path);
	if (error < 0)
		return sp_error_set_os(SP_EIO, "cannot read '%s'", path);
	*existed = 1;
	return 0;
}

/* Write `name` in nginxDir with `data` unless it holds that already. */
static int frontdoor_put(frontdoor_changes *changes,
                         const sp_settings *settings, const char *name,
                         const sp_buf *data)
{
	frontdoor_change *c = &changes->items[changes->count];
	sp_buf path = SP_BUF_INIT;
	int error;

	sp_buf_printf(&path, "%s/%s", settings->nginx_dir, name);
	sp_buf_init(&c->old);
	if ((error = frontdoor_read(&c->old, &c->existed, path.ptr)) < 0)
		goto done;
	if (c->existed && c->old.size == data->size &&
	    !memcmp(c->old.ptr, data->ptr, data->size))
		goto done;
	if ((error = sp_store_write_file(path.ptr, data->ptr, data->size,
	                                 0644)) < 0)
		goto done;
	c->path = sp_buf_detach(&path);
	changes->count++;
	c = NULL;
done:
	if (c)
		sp_buf_dispose(&c->old);
	sp_buf_dispose(&path);
	return error;
}

/* Remove `name` from nginxDir, keeping it to be put back. */
static int frontdoor_remove(frontdoor_changes *changes,
                            const sp_settings *settings, const char *name)
{
	frontdoor_change *c = &changes->items[changes->count];
	sp_buf path = SP_BUF_INIT;
	int error;

	sp_buf_printf(&path, "%s/%s", settings->nginx_dir, name);
	sp_buf_init(&c->old);
	if ((error = frontdoor_read(&c->old, &c->existed, path.ptr)) < 0 ||
	    !c->existed)
		goto done;
	if (unlink(path.ptr) < 0) {
		error = sp_error_set_os(SP_EIO, "cannot remove '%s'", path.ptr);
		goto done;
	}
	c->path = sp_buf_detach(&path);
	changes->count++;
	c = NULL;
done:
	if (c)
		sp_buf_dispose(&c->old);
	sp_buf_dispose(&path);
	return error;
}

/* mkdir -p `path` (0755), which must end as a directory we can write. */
static int frontdoor_mkdir(const char *path)
{
	sp_buf part = SP_BUF_INIT;
	struct stat st;
	int error = 0;

	for (const char *p = path + 1;; p++) {
		if (*p != '/' && *p)
			continue;
		sp_buf_clear(&part);
		sp_buf_put(&part, path, (size_t)(p - path));
		if (mkdir(part.ptr, 0755) < 0 && errno != EEXIST) {
			error = sp_error_set_os(SP_EIO,
			                        "cannot create directory '%s'; "
			                        "fix: check spacehook.nginxDir",
			                        part.ptr);
			goto done;
		}
		if (!*p)
			break;
	}
	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		error = sp_error_set(SP_EINVALID,
		                     "'%s' is not a directory; fix: check "
		                     "spacehook.nginxDir",
		                     path);
	else if (access(path, W_OK) < 0)
		error =
		    sp_error_set_os(SP_EIO,
		                    "cannot write to '%s'; fix: make it the "
		                    "git user's (spacehook install --nginx)",
		                    path);
done:
	sp_buf_dispose(&part);
	return error;
}

/* nginxDir and idle/ made, and the writers' lock taken (`*fd_out`). */
static int frontdoor_lock(int *fd_out, const sp_settings *settings)
{
	sp_buf path = SP_BUF_INIT;
	int fd = -1, error;

	*fd_out = -1;
	sp_buf_printf(&path, "%s/idle", settings->nginx_dir);
	if ((error = frontdoor_mkdir(settings->nginx_dir)) < 0 ||
	    (error = frontdoor_mkdir(path.ptr)) < 0)
		goto done;
	sp_buf_clear(&path);
	sp_buf_printf(&path, "%s/.lock", settings->nginx_dir);
	fd = open(path.ptr, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		error = sp_error_set_os(SP_EIO, "cannot open '%s'", path.ptr);
		goto done;
	}
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			error = sp_error_set_os(SP_EIO, "cannot lock '%s'",
			                        path.ptr);
			goto done;
		}
	}
	*fd_out = fd;
	fd = -1;
done:
	if (fd >= 0)
		close(fd);
	sp_buf_dispose(&path);
	return error;
}

/* The idle log of `slug`, made ours (0644) before nginx opens it. */
static int frontdoor_idle_log(const sp_settings *settings, const char *slug)
{
	sp_buf path = SP_BUF_INIT;
	int fd, error = 0;

	sp_buf_printf(&path, "%s/idle/%s.log", settings->nginx_dir, slug);
	fd = open(path.ptr,
	          O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		error = sp_error_set_os(SP_EIO, "cannot create '%s'", path.ptr);
	else
		close(fd);
	sp_buf_dispose(&path);
	return error;
}

/* The first lines of a command's output, on one line. */
static void frontdoor_output_line(sp_buf *out, const sp_buf *output)
{
	size_t lines = 0;
	const char *p = output->ptr, *end = output->ptr + output->size;

	sp_buf_clear(out);
	while (p < end && lines < FD_OUTPUT_SHOWN &&
	       out->size < FD_OUTPUT_SHOWN_MAX) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (len) {
			if (out->size)
				sp_buf_puts(out, "; ");
			for (size_t i = 0; i < len; i++)
				sp_buf_putc(out, (unsigned char)p[i] < 0x20 ||
				                         p[i] == 0x7f
				                     ? ' '
				                     : p[i]);
			lines++;
		}
		p += len + 1;
	}
	if (out->size > FD_OUTPUT_SHOWN_MAX) {
		sp_buf_truncate(out, FD_OUTPUT_SHOWN_MAX);
		sp_buf_puts(out, "...");
	}
	if (!out->size)
		sp_buf_puts(out, "no output");
}

/*
 * Run `command` with /bin/sh -c, its output (stdout and stderr) into
 * `output`, for at most FD_CMD_TIMEOUT seconds: `*status` its exit status.
 */
static int frontdoor_run(int *status, sp_buf *output, const char *command)
{
	const char *argv[] = {"/bin/sh", "-c", command, NULL};
	sp_proc_options opts = {0};
	struct timespec start, now;
	int fds[2] = {-1, -1}, error = 0, timed_out = 0;
	pid_t pid = -1;
	char chunk[4096];

	sp_buf_clear(output);
	*status = -1;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return sp_error_set_os(SP_ERROR, "pipe failed");
	opts.argv = argv;
	opts.stdin_fd = -1;
	opts.stdout_fd = fds[1];
	opts.stderr_fd = -2;
	opts.new_session = 1;
	error = sp_proc_spawn(&pid, &opts);
	close(fds[1]);
	fds[1] = -1;
	if (error < 0)
		goto done;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
		int ready, exited = 0;
		ssize_t n;
		long left;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = (FD_CMD_TIMEOUT - (now.tv_sec - start.tv_sec)) * 1000L;
		if (left <= 0) {
			timed_out = 1;
			break;
		}
		ready = poll(&pfd, 1, left < 100 ? (int)left : 100);
		if (ready < 0 && errno != EINTR)
			break;
		if (ready > 0) {
			n = read(fds[0], chunk, sizeof(chunk));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			if (output->size < FD_OUTPUT_MAX)
				sp_buf_put(output, chunk, (size_t)n);
			continue;
		}
		/* Exited, its pipe perhaps held open by a program it started:
		 * what is in the pipe now, then no more. */
		if (sp_proc_exited(&exited, pid) == 0 && exited) {
			while (poll(&pfd, 1, 0) > 0 &&
			       (n = read(fds[0], chunk, sizeof(chunk))) > 0)
				if (output->size < FD_OUTPUT_MAX)
					sp_buf_put(output, chunk, (size_t)n);
			break;
		}
	}
	if (timed_out)
		kill(-pid, SIGKILL);
	sp_proc_wait(status, pid);
	if (timed_out) {
		sp_buf_printf(output, "\n(stopped after %d s)", FD_CMD_TIMEOUT);
		*status = 124;
	}
done:
	if (fds[0] >= 0)
		close(fds[0]);
	return error;
}

/* spacehook.nginxTest: 0, or SP_ERROR "nginx refused the configuration". */
static int frontdoor_test(const sp_settings *settings)
{
	sp_buf output = SP_BUF_INIT, shown = SP_BUF_INIT;
	int status, error;

	if ((error = frontdoor_run(&status, &output, settings->nginx_test)) < 0)
		goto done;
	frontdoor_output_line(&shown, &output);
	if (status == 126 || status == 127)
		error = sp_error_set(SP_ERROR,
		                     "nginx refused the configuration: "
		                     "spacehook.nginxTest '%s' could not run "
		                     "(%s): install nginx or fix the setting",
		                     settings->nginx_test, shown.ptr);
	else if (status != 0)
		error = sp_error_set(
		    SP_ERROR, "nginx refused the configuration: %s", shown.ptr);
done:
	sp_buf_dispose(&output);
	sp_buf_dispose(&shown);
	return error;
}

/* spacehook.nginxReload: 0, or SP_EPROXY "nginx reload failed". */
static int frontdoor_reload(const sp_settings *settings)
{
	sp_buf output = SP_BUF_INIT, shown = SP_BUF_INIT;
	int status, error;

	if ((error = frontdoor_run(&status, &output, settings->nginx_reload)) <
	    0) {
		error = sp_error_set(SP_EPROXY, "nginx reload failed: %s",
		                     sp_error_last());
		goto done;
	}
	if (status != 0) {
		frontdoor_output_line(&shown, &output);
		error = sp_error_set(SP_EPROXY,
		                     "nginx reload failed: %s (is nginx "
		                     "running? see spacehook.nginxReload)",
		                     shown.ptr);
	}
done:
	sp_buf_dispose(&output);
	sp_buf_dispose(&shown);
	return error;
}

/* Test what was changed (putting it back when refused), then reload. */
static int frontdoor_apply(frontdoor_changes *changes,
                           const sp_settings *settings, int always)
{
	int error;

	if (!changes->count && !always)
		return 0;
	if ((error = frontdoor_test(settings)) < 0) {
		frontdoor_changes_undo(changes);
		return error;
	}
	return frontdoor_reload(settings);
}

/* spacehook.conf and spacehook-proxy.inc, when missing or different. */
static int frontdoor_put_shared(frontdoor_changes *changes,
                                const sp_settings *settings)
{
	sp_buf main_conf = SP_BUF_INIT, proxy = SP_BUF_INIT;
	int error;

	frontdoor_main_conf(&main_conf, settings);
	frontdoor_proxy_inc(&proxy, settings);
	if ((error = frontdoor_put(changes, settings, FD_PROXY_INC, &proxy)) ==
	    0)
		error =
		    frontdoor_put(changes, settings, FD_MAIN_CONF, &main_conf);
	sp_buf_dispose(&main_conf);
	sp_buf_dispose(&proxy);
	return error;
}

int sp_frontdoor_route(const sp_settings *settings, sp_store *store,
                       const sp_route *route)
{
	const sp_space *space = sp_store_space(store);
	frontdoor_changes changes = {0};
	char label[SP_SUBDOMAIN_MAX + 1];
	sp_buf conf = SP_BUF_INIT, name = SP_BUF_INIT;
	int lock = -1, error;

	if ((error = frontdoor_check_settings(settings)) < 0 ||
	    (error = sp_frontdoor_subdomain(label, settings, store)) < 0 ||
	    (error = frontdoor_space_conf(&conf, settings, space, label,
	                                  route)) < 0 ||
	    (error = frontdoor_lock(&lock, settings)) < 0 ||
	    (error = frontdoor_idle_log(settings, space->slug)) < 0)
		goto done;
	sp_buf_printf(&name, "spacehook_%s.conf", space->slug);
	if ((error = frontdoor_put_shared(&changes, settings)) < 0 ||
	    (error = frontdoor_put(&changes, settings, name.ptr, &conf)) < 0) {
		frontdoor_changes_undo(&changes);
		goto done;
	}
	error = frontdoor_apply(&changes, settings, 0);
done:
	if (lock >= 0)
		close(lock);
	frontdoor_changes_dispose(&changes);
	sp_buf_dispose(&conf);
	sp_buf_dispose(&name);
	return error;
}

/* Remove the claim of `label` when it is the Space's. */
static int frontdoor_unclaim(sp_store *store, const char *label)
{
	sp_buf rel = SP_BUF_INIT, holder = SP_BUF_INIT;
	int error;

	sp_buf_printf(&rel, "subdomains/%s", label);
	error = frontdoor_claim_read(&holder, store, rel.ptr);
	if (error == SP_ENOTFOUND) {
		error = 0;
		goto done;
	}
	if (error == 0 && !strcmp(holder.ptr, sp_store_space(store)->id))
		error = frontdoor_claim_unlink(store, label);
done:
	sp_buf_dispose(&rel);
	sp_buf_dispose(&holder);
	return error;
}

int sp_frontdoor_route_container(const sp_settings *settings, sp_store *store,
                                 sp_backend *backend, const char *container,
                                 int host_port)
{
	sp_route route = {.kind = SP_ROUTE_APP, .port = host_port};
	sp_backend_spec spec = {.space = sp_store_space(store),
	                        .host_port = host_port};
	sp_buf address = SP_BUF_INIT;
	int error, port = 0;

	if (container && backend->ops->address &&
	    backend->ops->address(&address, &port, backend, &spec, container) ==
	        0) {
		route.address = address.ptr;
		route.port = port;
	} else
		sp_error_clear();
	error = sp_frontdoor_route(settings, store, &route);
	sp_buf_dispose(&address);
	return error;
}

int sp_frontdoor_unroute(const sp_settings *settings, sp_store *store)
{
	const sp_space *space = sp_store_space(store);
	frontdoor_changes changes = {0};
	char label[SP_SUBDOMAIN_MAX + 1];
	sp_buf stored = SP_BUF_INIT, name = SP_BUF_INIT, path = SP_BUF_INIT;
	int lock = -1, error;

	if ((error = frontdoor_check_settings(settings)) < 0)
		goto done;
	error = sp_store_readat(&stored, store, "subdomain", FD_ID_MAX);
	frontdoor_chomp(&stored);
	if (error == 0 && frontdoor_label_ok(stored.ptr))
		memcpy(label, stored.ptr, stored.size + 1);
	else if (error == 0 || error == SP_ENOTFOUND)
		sp_subdomain(label, space);
	else
		goto done;
	if ((error = frontdoor_lock(&lock, settings)) < 0)
		goto done;
	sp_buf_printf(&name, "spacehook_%s.conf", space->slug);
	if ((error = frontdoor_remove(&changes, settings, name.ptr)) < 0 ||
	    (error = frontdoor_apply(&changes, settings, 0)) < 0)
		goto done;
	sp_buf_printf(&path, "%s/idle/%s.log", settings->nginx_dir,
	              space->slug);
	if (unlink(path.ptr) < 0 && errno != ENOENT) {
		error = sp_error_set_os(SP_EIO, "cannot remove '%s'", path.ptr);
		goto done;
	}
	if ((error = frontdoor_unclaim(store, label)) < 0 ||
	    (error = sp_store_unlinkat(store, "subdomain")) < 0)
		goto done;
done:
	if (lock >= 0)
		close(lock);
	frontdoor_changes_dispose(&changes);
	sp_buf_dispose(&stored);
	sp_buf_dispose(&name);
	sp_buf_dispose(&path);
	return error;
}

int sp_frontdoor_setup(const sp_settings *settings)
{
	frontdoor_changes changes = {0};
	int lock = -1, error;

	if ((error = frontdoor_check_settings(settings)) < 0 ||
	    (error = frontdoor_lock(&lock, settings)) < 0)
		goto done;
	if ((error = frontdoor_put_shared(&changes, settings)) < 0) {
		frontdoor_changes_undo(&changes);
		goto done;
	}
	error = frontdoor_apply(&changes, settings, 1);
done:
	if (lock >= 0)
		close(lock);
	frontdoor_changes_dispose(&changes);
	return error;
}
