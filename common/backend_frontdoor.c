/* The front door around another backend: the new version starts beside the
 * serving one, nginx is pointed at it once it answers, and the old version
 * drains before it goes (deploy.c retires it). */
#include "backend.h"

#include <stdlib.h>

#include "banned.h"
#include "error.h"
#include "frontdoor.h"

typedef struct {
	sp_backend base;
	sp_backend *inner;
	const sp_settings *settings;
	sp_store *store;
	sp_redact_sink log;
	void *payload;
} backend_frontdoor;

#define inner_of(b) (((backend_frontdoor *)(b))->inner)

static int frontdoor_create(char **out, sp_backend *b,
                            const sp_backend_spec *spec, const char *old)
{
	return inner_of(b)->ops->create(out, inner_of(b), spec, old);
}

static int frontdoor_start(sp_backend *b, const char *id)
{
	return inner_of(b)->ops->start(inner_of(b), id);
}

static int frontdoor_status(sp_backend_status *out, sp_backend *b,
                            const char *id)
{
	return inner_of(b)->ops->status(out, inner_of(b), id);
}

/* Users are told the Space's hostname; the probe asks the instance itself.
 */
static void frontdoor_target(sp_buf *url, sp_buf *probe, sp_backend *b,
                             const sp_backend_spec *spec, const char *id)
{
	backend_frontdoor *f = (backend_frontdoor *)b;
	char label[SP_SUBDOMAIN_MAX + 1];

	f->inner->ops->target(url, probe, f->inner, spec, id);
	if (sp_frontdoor_subdomain(label, f->settings, f->store) == 0)
		sp_frontdoor_url(url, f->settings, label, spec->base_path);
}

static int frontdoor_address(sp_buf *host, int *port, sp_backend *b,
                             const sp_backend_spec *spec, const char *id)
{
	if (!inner_of(b)->ops->address)
		return sp_error_set(SP_ENOTFOUND, "no address");
	return inner_of(b)->ops->address(host, port, inner_of(b), spec, id);
}

static int frontdoor_route(sp_backend *b, const sp_backend_spec *spec,
                           const char *id)
{
	backend_frontdoor *f = (backend_frontdoor *)b;
	sp_route route = {.kind = SP_ROUTE_APP, .port = spec->host_port};
	sp_buf address = SP_BUF_INIT;
	int error, port = 0;

	if (f->inner->ops->route &&
	    (error = f->inner->ops->route(f->inner, spec, id)) < 0)
		return error;
	if (f->inner->ops->address) {
		if (f->inner->ops->address(&address, &port, f->inner, spec,
		                           id) == 0) {
			route.address = address.ptr;
			route.port = port;
		} else
			sp_error_clear();
	}
	error = sp_frontdoor_route(f->settings, f->store, &route);
	sp_buf_dispose(&address);
	return error;
}

static void frontdoor_promote(sp_backend *b, const sp_backend_spec *spec,
                              const char *id, const char *old, const char *keep)
{
	inner_of(b)->ops->promote(inner_of(b), spec, id, old, keep);
}

static int frontdoor_restore(sp_backend *b, const char *old)
{
	return inner_of(b)->ops->restore(inner_of(b), old);
}

static int frontdoor_stop(sp_backend *b, const char *id)
{
	return inner_of(b)->ops->stop(inner_of(b), id);
}

static int frontdoor_remove(sp_backend *b, const char *id)
{
	return inner_of(b)->ops->remove(inner_of(b), id);
}

static int frontdoor_logs(sp_backend *b, const char *id, int tail, int follow,
                          sp_engine_log_cb cb, void *payload)
{
	return inner_of(b)->ops->logs(inner_of(b), id, tail, follow, cb,
	                              payload);
}

static int frontdoor_gc(sp_backend *b, const sp_space *space, const char *keep1,
                        const char *keep2)
{
	return inner_of(b)->ops->gc(inner_of(b), space, keep1, keep2);
}

static int frontdoor_forget(sp_backend *b, const sp_space *space, int data)
{
	return inner_of(b)->ops->forget(inner_of(b), space, data);
}

static void frontdoor_cleanup(sp_backend *b, const sp_space *space,
                              const char *keep1, const char *keep2)
{
	inner_of(b)->ops->cleanup(inner_of(b), space, keep1, keep2);
}

static void frontdoor_free(sp_backend *b)
{
	sp_backend_free(inner_of(b));
	free(b);
}

static const sp_backend_ops frontdoor_ops = {
    .create = frontdoor_create,
    .release = NULL, /* the old version serves while the new one starts */
    .start = frontdoor_start,
    .status = frontdoor_status,
    .target = frontdoor_target,
    .address = frontdoor_address,
    .route = frontdoor_route,
    .promote = frontdoor_promote,
    .restore = frontdoor_restore,
    .stop = frontdoor_stop,
    .remove = frontdoor_remove,
    .logs = frontdoor_logs,
    .gc = frontdoor_gc,
    .cleanup = frontdoor_cleanup,
    .forget = frontdoor_forget,
    .free = frontdoor_free,
};

int sp_backend_frontdoor_new(sp_backend **out, sp_backend *inner,
                             const sp_settings *settings, sp_store *store,
                             sp_redact_sink log, void *payload)
{
	backend_frontdoor *f = sp_calloc(1, sizeof(*f));

	f->base.ops = &frontdoor_ops;
	f->inner = inner;
	f->settings = settings;
	f->store = store;
	f->log = log;
	f->payload = payload;
	*out = &f->base;
	return 0;
}
