/* spacehook serve: the daemon behind nginx that answers for Spaces whose app
 * does not (status pages, wake), and puts idle Spaces to sleep. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "banned.h"
#include "commands.h"
#include "error.h"
#include "frontdoor.h"
#include "serve.h"
#include "settings.h"

int cmd_serve(int argc, char **argv)
{
	enum { SERVE_LISTEN = CMD_LONG_ONLY };
	static const struct option serve_options[] = {
	    {"listen", required_argument, NULL, SERVE_LISTEN},
	    {NULL, 0, NULL, 0}};
	sp_settings settings = {0};
	const char *listen_on = NULL;
	int c, error;

	if (cmd_wants_help(argc, argv)) {
		puts("usage: spacehook serve [--listen ADDRESS:PORT]\n\n"
		     "Runs in the foreground the HTTP daemon that nginx sends "
		     "a Space's\n"
		     "requests to when its app does not answer: the status "
		     "page of a Space\n"
		     "that builds, failed, is paused or sleeps (a visit wakes "
		     "a sleeping\n"
		     "one), its build log as Server-Sent Events, and the list "
		     "of Spaces on\n"
		     "the bare spacehook.domain. It also puts Spaces idle for "
		     "their sleep\n"
		     "time to sleep (see 'spacehook sleep-time'). Listens on "
		     "--listen, else\n"
		     "spacehook.serveListen (default 127.0.0.1:7800); logs to "
		     "stderr; stops\n"
		     "on SIGTERM or SIGINT. Run it as the git user, e.g. with "
		     "the\n"
		     "spacehook-serve systemd unit.");
		return 0;
	}
	while ((c = getopt_long(argc, argv, ":", serve_options, NULL)) != -1) {
		if (c == SERVE_LISTEN) {
			listen_on = optarg;
		} else {
			cmd_die_message("%s '%s' (usage: spacehook serve "
			                "[--listen ADDRESS:PORT])",
			                c == ':' ? "missing value of"
			                         : "unknown option",
			                cmd_bad_option(argv));
			return 2;
		}
	}
	if (optind != argc) {
		cmd_die_message(
		    "usage: spacehook serve [--listen ADDRESS:PORT]");
		return 2;
	}
	if (sp_settings_load(&settings, NULL) < 0) {
		cmd_die_message("%s", sp_error_last());
		return 1;
	}
	/*
	 * nginx's shared file names where serve listens: written now, so a
	 * fresh install or a changed --listen is in nginx before a Space's
	 * first deploy. nginx trouble is told, serving goes on.
	 */
	if (sp_frontdoor_enabled(&settings)) {
		if (listen_on) {
			free(settings.serve_listen);
			settings.serve_listen = sp_strdup(listen_on);
		}
		if (sp_frontdoor_setup(&settings) < 0)
			cmd_die_message("warning: %s", sp_error_last());
	}
	error = sp_serve_run(&settings, listen_on);
	if (error > 0) {
		/* Wakes still use the settings: leave them to the exit. */
		fflush(stderr);
		_exit(0);
	}
	if (error < 0)
		cmd_die_message("%s", sp_error_last());
	sp_settings_dispose(&settings);
	return error < 0 ? 1 : 0;
}
