/* The front door: each Space at its own hostname behind nginx. spacehook
 * writes one nginx file per Space into spacehook.nginxDir, checks the whole
 * configuration before every reload and never reloads a broken one. */
#ifndef SP_FRONTDOOR_H
#define SP_FRONTDOOR_H

#include "buf.h"
#include "engine.h"
#include "settings.h"
#include "space.h"
#include "store.h"
#include "subdomain.h"

/*
 * Files of spacehook.nginxDir (the admin includes its .conf files once,
 * inside http {}; nginx reads them in name order):
 *   spacehook.conf        what every Space needs: the Upgrade map
 *                         ($spacehook_connection_upgrade), the upstream of
 *                         `spacehook serve` (spacehook_serve), the log format
 *                         of the idle logs (spacehook_idle), the bare domain
 *                         (the list of Spaces) and a catch-all for unknown
 *                         <label>.<domain>; both without X-Spacehook-Space
 *   spacehook_<slug>.conf one Space: its upstream (spacehook_<slug> with '_'
 *                         for '-') and server block; named to come after
 *                         spacehook.conf, whose log format it uses
 *   spacehook-proxy.inc   proxy settings included by every location that
 *                         proxies (HTTP/1.1, Upgrade, X-Forwarded-*, no
 *                         buffering either way, 1 h timeouts, no body size
 *                         limit); not .conf, so never read at http level
 *   idle/<slug>.log       the Space's idle log: nginx appends a line per
 *                         request to the app; its mtime is the last visit
 *   .lock                 serializes writers (flock)
 * Every request path under /.spacehook/ of a Space's hostname goes to
 * `spacehook serve`, whatever the Space's state, with the header
 * X-Spacehook-Space: <id> set by nginx (a client's own is replaced).
 * Each file is written whole (a temp name not ending in .conf, then rename).
 */

/* 1 when spacehook.domain is set: Spaces are served through nginx. */
int sp_frontdoor_enabled(const sp_settings *settings);

/*
 * The Space's subdomain, computed once (sp_subdomain) and stored in the
 * Space's directory (file `subdomain`) and claimed in
 * <stateDir>/subdomains/<label> (the file holds the id; created exclusively).
 * Later calls read the stored one. SP_EEXISTS with a message naming the
 * other Space when another id holds the label.
 */
int sp_frontdoor_subdomain(char out[SP_SUBDOMAIN_MAX + 1],
                           const sp_settings *settings, sp_store *store);

/* The Space id that holds `label` (caller frees); SP_ENOTFOUND when none. */
int sp_frontdoor_lookup(char **id_out, const char *state_dir,
                        const char *label);

/* "<label>.<domain host>" (no port), replacing `out`. */
void sp_frontdoor_host(sp_buf *out, const sp_settings *settings,
                       const char *label);

/*
 * The public URL, replacing `out`: "<scheme>://<label>.<domain>/" with
 * spacehook.publicScheme and the port of spacehook.domain when it has one,
 * then `base_path` without its leading '/' (may be NULL).
 */
void sp_frontdoor_url(sp_buf *out, const sp_settings *settings,
                      const char *label, const char *base_path);

/* Where a Space's hostname sends its requests. */
typedef enum {
	/* `spacehook serve` only: nothing was ever deployed */
	SP_ROUTE_STATUS,
	/* the app at address:port; `spacehook serve` when it does not
	 * answer (502/504: stopped, sleeping, crashed) */
	SP_ROUTE_APP,
	/* files of `root` (a symlink switched atomically), `index` the
	 * index file */
	SP_ROUTE_STATIC,
} sp_route_kind;

typedef struct {
	sp_route_kind kind;
	int port;          /* SP_ROUTE_APP */
	const char *root;  /* SP_ROUTE_STATIC: absolute directory */
	const char *index; /* SP_ROUTE_STATIC: file name, e.g. index.html */
	/* SP_ROUTE_APP: an IPv4 or IPv6 address (the container's own, so
	 * that no port proxy sits between nginx and the app); NULL:
	 * spacehook.bindAddress (the Space's published port) */
	const char *address;
} sp_route;

/*
 * Point the Space's hostname at `route`: write spacehook.conf,
 * spacehook-proxy.inc (when missing or different) and
 * spacehook_<slug>.conf (and create idle/<slug>.log, 0644, owned by us,
 * when missing) under the directory lock, run spacehook.nginxTest, then
 * spacehook.nginxReload (each by /bin/sh -c, output captured, stopped
 * after 30 s). The Space's subdomain is claimed first
 * (sp_frontdoor_subdomain). When the test fails, every file written is put
 * back as it was (a new one removed: the last good configuration) and
 * SP_ERROR is returned with "nginx refused the configuration: <first lines
 * of the test's output>"; when the reload fails (nginx down), SP_EPROXY
 * with "nginx reload failed: <output>": the new files stay (they passed the
 * test, and an nginx started later reads them). Unchanged files are not
 * rewritten, and nothing is tested or reloaded when no file changed. The
 * reload returns once nginx has been told: its new workers take new
 * connections a moment later, the old ones finish what they serve. A path
 * or name that nginx could not take literally (quotes, spaces, ';', '{',
 * '}', '$', control characters), a relative or ".." path, a port outside
 * 1..65535, an address that is not an IP address or no spacehook.domain is
 * SP_EINVALID, and nothing is written.
 */
int sp_frontdoor_route(const sp_settings *settings, sp_store *store,
                       const sp_route *route);

/*
 * Point the Space's hostname at its instance `container` of `backend`
 * (backend.h): where the backend says it answers when it runs, else at
 * `host_port` on spacehook.bindAddress. Errors as sp_frontdoor_route's.
 */
struct sp_backend;
int sp_frontdoor_route_container(const sp_settings *settings, sp_store *store,
                                 struct sp_backend *backend,
                                 const char *container, int host_port);

/*
 * Remove the Space's file, test, reload (a refused test puts it back), then
 * its idle log, its subdomain claim (when it is the Space's) and the stored
 * subdomain: `spacehook forget`. A Space never routed is fine.
 */
int sp_frontdoor_unroute(const sp_settings *settings, sp_store *store);

/*
 * Write spacehook.conf and spacehook-proxy.inc only (when missing or
 * different), test and reload, even when nothing changed (serve's start and
 * `spacehook install --nginx`). Errors as sp_frontdoor_route's.
 */
int sp_frontdoor_setup(const sp_settings *settings);

#endif
