/* A test's way to call the front door until a command does: point a Space's
 * hostname somewhere, with the settings of git config (HOME's). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "frontdoor.h"
#include "settings.h"
#include "space.h"
#include "store.h"

#define USAGE                                                                  \
	"usage: frontdoor-route ID app PORT | ID status | "                    \
	"ID static ROOT INDEX | ID unroute | - setup | ID url"

int main(int argc, char **argv)
{
	sp_settings settings = {0};
	sp_store *store = NULL;
	sp_route route = {0};
	sp_space space;
	sp_buf out = SP_BUF_INIT;
	char label[SP_SUBDOMAIN_MAX + 1];
	const char *what = argc > 2 ? argv[2] : "";
	int error;

	if (argc < 3) {
		fprintf(stderr, "%s\n", USAGE);
		return 2;
	}
	if ((error = sp_settings_load(&settings, NULL)) < 0)
		goto done;
	if (!strcmp(what, "setup")) {
		error = sp_frontdoor_setup(&settings);
		goto done;
	}
	if ((error = sp_space_parse(&space, argv[1])) < 0 ||
	    (error = sp_store_open(&store, settings.state_dir, &space)) < 0)
		goto done;
	if (!strcmp(what, "app") && argc == 4) {
		route.kind = SP_ROUTE_APP;
		route.port = (int)strtol(argv[3], NULL, 10);
	} else if (!strcmp(what, "status") && argc == 3) {
		route.kind = SP_ROUTE_STATUS;
	} else if (!strcmp(what, "static") && argc == 5) {
		route.kind = SP_ROUTE_STATIC;
		route.root = argv[3];
		route.index = argv[4];
	} else if (!strcmp(what, "unroute") && argc == 3) {
		error = sp_frontdoor_unroute(&settings, store);
		goto done;
	} else if (!strcmp(what, "url") && argc == 3) {
		if ((error = sp_frontdoor_subdomain(label, &settings, store)) <
		    0)
			goto done;
		sp_frontdoor_url(&out, &settings, label, NULL);
		printf("%s\n", out.ptr);
		goto done;
	} else {
		fprintf(stderr, "%s\n", USAGE);
		error = SP_EUSAGE;
		goto done;
	}
	error = sp_frontdoor_route(&settings, store, &route);
done:
	if (error < 0 && error != SP_EUSAGE)
		fprintf(stderr, "frontdoor-route: %s\n", sp_error_last());
	sp_buf_dispose(&out);
	sp_store_free(store);
	sp_settings_dispose(&settings);
	return error == SP_EUSAGE ? 2 : error < 0 ? 1 : 0;
}
