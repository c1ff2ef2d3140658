/* What every backend shares (see backend.h). */
#include "backend.h"

#include <string.h>

#include "banned.h"
#include "error.h"
#include "frontdoor.h"

int sp_backend_open(sp_backend **out, sp_engine *engine,
                    const sp_settings *settings, sp_store *store,
                    sp_redact_sink log, void *payload)
{
	sp_backend *inner = NULL;
	int error;

	*out = NULL;
	if (settings->backend && !strcmp(settings->backend, "swarm"))
		error = sp_backend_swarm_new(&inner, engine, settings, log,
		                             payload);
	else
		error = sp_backend_docker_new(&inner, engine, settings, log,
		                              payload);
	if (error < 0)
		return error;
	if (store && sp_frontdoor_enabled(settings))
		return sp_backend_frontdoor_new(out, inner, settings, store,
		                                log, payload);
	*out = inner;
	return 0;
}

void sp_backend_free(sp_backend *b)
{
	if (b)
		b->ops->free(b);
}
