/* The front door: each Space at its own hostname behind nginx. spacehook
 * writes one nginx file per Space into spacehook.nginxDir, checks the whole
 * configuration before every reload and never reloads a broken one. */
#ifndef SP_FRONTDOOR_H
#define SP_FRONTDOOR_H

#include "buf.h"
#include "settings.h"
#include "space.h"
#include "store.h"
#include "subdomain.h"

/*
 * Files of spacehook.nginxDir (the admin includes its .conf files once,
 * inside http {}):
 *   spacehook.conf        what every Space needs: the Upgrade map, the
 *                         upstream of `spacehook serve`, the log format of
 *                         the idle log, the bare domain (the list of Spaces)
 *                         and a catch-all for unknown <label>.<domain>
 *   space-<slug>.conf     one Space: its upstream and server block
 *   spacehook-proxy.inc   proxy settings included by the server blocks
 *                         (HTTP/1.1, Upgrade, X-Forwarded-*, no buffering,
 *                         long read timeout, large bodies)
 *   idle/<slug>.log       the Space's idle log: nginx appends a line per
 *                         request to the app; its mtime is the last visit
 *   .lock                 serializes writers (flock)
 * Every request path under /.spacehook/ of a Space's hostname goes to
 * `spacehook serve`, whatever the Space's state.
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
	/* the app at bind_address:port; `spacehook serve` when it does not
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
} sp_route;

/*
 * Point the Space's hostname at `route`: write spacehook.conf,
 * spacehook-proxy.inc (when missing or different) and space-<slug>.conf
 * (and create idle/<slug>.log, owned by us, when missing) under the
 * directory lock, run spacehook.nginxTest, then spacehook.nginxReload.
 * When the test fails, every file written is put back as it was (the last
 * good configuration) and SP_ERROR is returned with "nginx refused the
 * configuration: <first lines of the test's output>"; when the reload fails
 * (nginx down), SP_EPROXY with "nginx reload failed: <output>": the new files
 * stay (they passed the test, and an nginx started later reads them). Unchanged files are not rewritten, and nothing is
 * reloaded when no file changed. A path or name that nginx could not take
 * literally (quotes, spaces, ';', '{', '}', '$', control characters) is
 * SP_EINVALID.
 */
int sp_frontdoor_route(const sp_settings *settings, sp_store *store,
                       const sp_route *route);

/* Remove the Space's file (and idle log, and subdomain claim), test,
 * reload: `spacehook forget`. */
int sp_frontdoor_unroute(const sp_settings *settings, sp_store *store);

/*
 * Write spacehook.conf and spacehook-proxy.inc only, test, reload (serve's
 * start and `spacehook install --nginx`).
 */
int sp_frontdoor_setup(const sp_settings *settings);

#endif
