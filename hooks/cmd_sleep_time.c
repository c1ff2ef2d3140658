/* spacehook sleep-time: how long a Space may stay idle before it sleeps. */
#include <stdio.h>
#include <string.h>

#include "banned.h"
#include "commands.h"
#include "error.h"
#include "settings.h"
#include "sleep.h"
#include "space.h"
#include "store.h"

static const char sleep_usage[] =
    "spacehook sleep-time SPACE [SECONDS|never|default]";

/* "never", or the seconds with how they were set. */
static void sleep_print(const sp_settings *settings, const sp_state *state)
{
	long long t = sp_sleep_time(settings, state);

	if (t < 0)
		printf("never");
	else
		printf("%lld", t);
	puts(state->sleep_time == 0 ? " (the server's spacehook.sleepTime)"
	                            : "");
}

int cmd_sleep_time(int argc, char **argv)
{
	sp_settings settings = {0};
	sp_store *store = NULL;
	sp_state state;
	sp_space space;
	long seconds = 0;
	int first, status = 1;

	if (cmd_wants_help(argc, argv)) {
		printf(
		    "usage: %s\n\n"
		    "Without a value, prints how long the Space may stay "
		    "idle (no request\n"
		    "through nginx) before it is stopped and marked "
		    "SLEEPING, in seconds,\n"
		    "or never. SECONDS (a number, or units as in 30m, 1h30m, "
		    "48h) sets it,\n"
		    "never (or -1) keeps it awake, default goes back to the "
		    "server's\n"
		    "spacehook.sleepTime (48h unless set). The next visit "
		    "wakes a sleeping\n"
		    "Space. Sleep needs spacehook.domain and 'spacehook "
		    "serve'.\n",
		    sleep_usage);
		return 0;
	}
	sp_state_init(&state);
	first = cmd_operands(argc, argv);
	if (first < 0 || argc - first < 1 || argc - first > 2) {
		cmd_die_message("usage: %s", sleep_usage);
		return 2;
	}
	if (sp_space_parse(&space, argv[first]) < 0) {
		cmd_die_message("%s", sp_error_last());
		return 2;
	}
	if (argc - first == 2 && strcmp(argv[first + 1], "default") &&
	    sp_settings_parse_sleep_time(&seconds, argv[first + 1]) < 0) {
		cmd_die_message("%s; give seconds (or 30m, 48h), never or "
		                "default",
		                sp_error_last());
		return 2;
	}
	if (sp_settings_load(&settings, NULL) < 0) {
		cmd_die_message("%s", sp_error_last());
		goto done;
	}
	if (!sp_store_exists(settings.state_dir, &space)) {
		cmd_die_message("no Space '%s' here (see 'spacehook status')",
		                space.id);
		goto done;
	}
	if (sp_store_open(&store, settings.state_dir, &space) < 0 ||
	    (argc - first == 2 &&
	     sp_sleep_set(&settings, store, seconds) < 0) ||
	    sp_state_load(&state, store) < 0) {
		cmd_die_message("%s: %s", space.id, sp_error_last());
		goto done;
	}
	sleep_print(&settings, &state);
	status = 0;
	if (argc - first == 2) {
		fflush(stdout);
		status = cmd_audit_change(&settings, space.id, "sleep-time",
		                          argv[first + 1]);
	}
done:
	sp_state_dispose(&state);
	sp_store_free(store);
	sp_settings_dispose(&settings);
	return status;
}
