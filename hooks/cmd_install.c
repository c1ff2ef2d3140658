/* spacehook install: put the hooks into bare repositories, or server-wide with
 * core.hooksPath, and make the state directory. */
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "banned.h"
#include "commands.h"
#include "error.h"
#include "install.h"
#include "settings.h"
#include "store.h"

#define USAGE                                                                  \
	"usage: spacehook install [--chain] [--user USER] [--hook-dir DIR] "   \
	"[--dropin] REPO.git...\n"                                             \
	"   or: spacehook install --global [--config FILE] [--user USER] "     \
	"[--hook-dir DIR] [--chain]\n"                                         \
	"   or: spacehook install --nginx [--nginx-conf PATH] [--user USER] "  \
	"[--sudoers [--sudoers-file PATH]]"

typedef struct {
	const char *user;         /* --user */
	const char *hook_dir;     /* --hook-dir */
	const char *config;       /* --config */
	const char *nginx_conf;   /* --nginx-conf */
	const char *sudoers_file; /* --sudoers-file */
	int chain, dropin, global, nginx, sudoers;
	sp_buf pre, post; /* the hook programs */
	sp_settings settings;
} install_run;

static void install_help(void)
{
	puts(USAGE
	     "\n\n"
	     "Installs spacehook's pre-receive and post-receive hooks into "
	     "each bare\n"
	     "repository (links to the installed hook programs), sets\n"
	     "receive.advertisePushOptions, and makes the state directory\n"
	     "(spacehook.stateDir) with mode 0700, owned by the git user. "
	     "Running it\n"
	     "again changes nothing and says \"already installed\".\n\n"
	     "A different hook already in place is never overwritten:\n"
	     "  --chain         keep it as <hook>.local and install a wrapper "
	     "that runs\n"
	     "                  it first, then spacehook's, on the same input "
	     "(for\n"
	     "                  pre-receive both must accept the push)\n"
	     "Where the hooks go:\n"
	     "  --hook-dir DIR  the hooks directory, relative to each "
	     "repository\n"
	     "                  (default hooks; GitLab: custom_hooks); with "
	     "--global,\n"
	     "                  the directory core.hooksPath names (default "
	     "the\n"
	     "                  installed hook programs' own directory)\n"
	     "  --dropin        install as DIR/pre-receive.d/spacehook and\n"
	     "                  DIR/post-receive.d/spacehook (Gitea, Forgejo, "
	     "GitLab)\n"
	     "Other options:\n"
	     "  --user USER     the git user the hooks run as, who owns the "
	     "state\n"
	     "                  directory (default: the repository's owner; "
	     "with\n"
	     "                  --global, the user running this)\n"
	     "  --global        set core.hooksPath and "
	     "receive.advertisePushOptions in\n"
	     "                  the system git config instead (every "
	     "repository)\n"
	     "  --config FILE   the config file --global writes (default "
	     "/etc/gitconfig)\n"
	     "The front door (spacehook.domain), as root:\n"
	     "  --nginx         write the system nginx's include of "
	     "spacehook.nginxDir\n"
	     "                  (include <nginxDir>/*.conf;) and make "
	     "nginxDir, owned by\n"
	     "                  the git user (--user, default: the owner of "
	     "the state\n"
	     "                  directory)\n"
	     "  --nginx-conf PATH  where the include goes "
	     "(default " SP_INSTALL_NGINX_CONF ")\n"
	     "  --sudoers       also let the git user run exactly "
	     "'nginx -t' and\n"
	     "                  'nginx -s reload' through sudo (a rule "
	     "in " SP_INSTALL_SUDOERS ")\n"
	     "  --sudoers-file PATH  where that rule goes\n\n"
	     "Exit status: 0 installed (or already), 1 a repository failed, 2 "
	     "usage.");
}

static const char *install_result_text(sp_install_result r)
{
	switch (r) {
	case SP_INSTALL_ADDED:
		return "added";
	case SP_INSTALL_UPDATED:
		return "updated";
	case SP_INSTALL_CHAINED:
		return "chained";
	case SP_INSTALL_ALREADY:
		break;
	}
	return "already there";
}

/* The directory and name hook `i` goes to in `dir` (or its <hook>.d). */
static const char *install_where(sp_buf *where, install_run *run,
                                 const char *dir, size_t i)
{
	static const char *const names[] = {"pre-receive", "post-receive"};

	sp_buf_sets(where, dir);
	if (!run->dropin)
		return names[i];
	sp_buf_printf(where, "/%s.d", names[i]);
	return "spacehook";
}

/* Install both hooks into `dir`; `changes` gets what was done. */
static int install_hooks(sp_buf *changes, install_run *run, const char *dir,
                         const sp_install_options *opts)
{
	sp_buf where = SP_BUF_INIT;
	sp_install_result result;
	sp_hook_status status;
	const char *name;
	size_t i, first = 0;
	int error = 0;

	/* A refused hook is refused before the other one is touched. */
	for (i = 0; i < 2 && !opts->chain; i++) {
		name = install_where(&where, run, dir, i);
		if ((error = sp_install_hook_status(
		         &status, NULL, where.ptr, name,
		         i ? run->post.ptr : run->pre.ptr)) < 0)
			goto done;
		if (status == SP_HOOK_OTHER)
			first = i;
	}
	for (size_t n = 0; n < 2; n++) {
		i = (first + n) % 2;
		name = install_where(&where, run, dir, i);
		if ((error = sp_install_hook(&result, where.ptr, name,
		                             i ? run->post.ptr : run->pre.ptr,
		                             opts)) < 0)
			goto done;
		if (result == SP_INSTALL_ALREADY)
			continue;
		sp_buf_printf(changes, "%s%s/%s %s", changes->size ? ", " : "",
		              where.ptr, name, install_result_text(result));
		if (result == SP_INSTALL_CHAINED)
			sp_buf_printf(changes,
			              " (the previous hook is now %s/%s.local)",
			              where.ptr, name);
	}
done:
	sp_buf_dispose(&where);
	return error;
}

/* The state directory `config_file` names (else the settings'), made and
 * checked. */
static int install_state(sp_buf *changes, install_run *run,
                         const char *config_file,
                         const sp_install_options *opts)
{
	sp_buf fix = SP_BUF_INIT, problem = SP_BUF_INIT;
	char *dir = NULL;
	int created = 0, error;

	if ((error = sp_install_config_get(&dir, config_file,
	                                   "spacehook.stateDir")) < 0 ||
	    (error = sp_install_state_dir(
	         &created, dir ? dir : run->settings.state_dir, opts)) < 0)
		goto done;
	if (created)
		sp_buf_printf(changes,
		              "%sstate directory %s %s (mode 0700, uid %ld)",
		              changes->size ? ", " : "",
		              dir ? dir : run->settings.state_dir,
		              created == 1 ? "made" : "closed to others",
		              (long)opts->uid);
	/* What every push will check: its parents and the levels in it. */
	if ((error = sp_store_check(&fix, dir ? dir : run->settings.state_dir,
	                            opts->uid)) == SP_EINVALID) {
		sp_buf_sets(&problem, sp_error_last());
		error = sp_error_set(SP_EINVALID, "%s; fix: %s", problem.ptr,
		                     fix.ptr);
	}
done:
	free(dir);
	sp_buf_dispose(&fix);
	sp_buf_dispose(&problem);
	return error;
}

static int install_push_options(sp_buf *changes, const char *config_file)
{
	int changed = 0, error;

	if ((error = sp_install_config_set(&changed, config_file,
	                                   "receive.advertisePushOptions",
	                                   "true")) < 0)
		return error;
	if (changed)
		sp_buf_printf(changes, "%sreceive.advertisePushOptions set",
		              changes->size ? ", " : "");
	return 0;
}

static int install_user(sp_install_options *opts, const char *user, uid_t uid,
                        gid_t gid)
{
	struct passwd *pw;

	opts->uid = uid;
	opts->gid = gid;
	if (user) {
		if (!(pw = getpwnam(user)))
			return sp_error_set(SP_EINVALID,
			                    "no user '%s' on this host", user);
		opts->uid = pw->pw_uid;
		opts->gid = pw->pw_gid;
	}
	opts->owned = geteuid() == 0;
	if (!opts->owned && opts->uid != geteuid())
		return sp_error_set(SP_EINVALID,
		                    "only root can install for another user "
		                    "(uid %ld): run it as root or as that user",
		                    (long)opts->uid);
	return 0;
}

static int install_repo(install_run *run, const char *repo)
{
	static const char *const parts[] = {"HEAD", "config", "objects",
	                                    "refs"};
	sp_install_options opts = {0};
	sp_buf path = SP_BUF_INIT, changes = SP_BUF_INIT, dir = SP_BUF_INIT;
	struct stat st;
	int error = 0;

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		sp_buf_clear(&path);
		sp_buf_printf(&path, "%s/%s", repo, parts[i]);
		if (stat(path.ptr, &st) < 0) {
			error = sp_error_set(SP_EINVALID,
			                     "'%s' is not a bare git "
			                     "repository (no %s)",
			                     repo, parts[i]);
			goto done;
		}
	}
	stat(repo, &st);
	opts.chain = run->chain;
	if ((error = install_user(&opts, run->user, st.st_uid, st.st_gid)) < 0)
		goto done;
	if (run->hook_dir && run->hook_dir[0] == '/')
		sp_buf_sets(&dir, run->hook_dir);
	else
		sp_buf_printf(&dir, "%s/%s", repo,
		              run->hook_dir ? run->hook_dir : "hooks");
	sp_buf_clear(&path);
	sp_buf_printf(&path, "%s/config", repo);
	if ((error = install_hooks(&changes, run, dir.ptr, &opts)) < 0 ||
	    (error = install_push_options(&changes, path.ptr)) < 0 ||
	    (error = install_state(&changes, run, path.ptr, &opts)) < 0)
		goto done;
	if (changes.size)
		printf("%s: installed: %s\n", repo, changes.ptr);
	else
		printf("%s: already installed\n", repo);
done:
	if (error < 0) {
		if (changes.size)
			printf("%s: %s\n", repo, changes.ptr);
		cmd_die_message("%s: %s", repo, sp_error_last());
	}
	sp_buf_dispose(&path);
	sp_buf_dispose(&changes);
	sp_buf_dispose(&dir);
	return error;
}

static int install_global(install_run *run)
{
	const char *file = run->config ? run->config : "/etc/gitconfig";
	sp_install_options opts = {0};
	sp_buf changes = SP_BUF_INIT, programs = SP_BUF_INIT;
	char *now = NULL, *real_now = NULL, *real_dir = NULL;
	const char *dir;
	int changed = 0, error;

	sp_buf_sets(&programs, run->pre.ptr);
	sp_buf_truncate(&programs,
	                (size_t)(strrchr(programs.ptr, '/') - programs.ptr));
	dir = run->hook_dir ? run->hook_dir : programs.ptr;
	opts.chain = run->chain;
	if (dir[0] != '/') {
		error = sp_error_set(SP_EINVALID,
		                     "--hook-dir '%s' must be an absolute "
		                     "path with --global",
		                     dir);
		goto done;
	}
	if ((error = install_user(&opts, run->user, geteuid(), getegid())) <
	        0 ||
	    (error = sp_install_config_get(&now, file, "core.hooksPath")) < 0)
		goto done;
	if (now) {
		real_now = realpath(now, NULL);
		real_dir = realpath(dir, NULL);
		if (!real_now || !real_dir || strcmp(real_now, real_dir)) {
			error = sp_error_set(
			    SP_EEXISTS,
			    "core.hooksPath is already '%s' in %s: "
			    "run spacehook install --global "
			    "--hook-dir '%s' to add spacehook's "
			    "hooks there",
			    now, file, now);
			goto done;
		}
	}
	if (strcmp(dir, programs.ptr) &&
	    (error = install_hooks(&changes, run, dir, &opts)) < 0)
		goto done;
	if ((error = sp_install_config_set(&changed, file, "core.hooksPath",
	                                   dir)) < 0)
		goto done;
	if (changed)
		sp_buf_printf(&changes, "%score.hooksPath set to %s",
		              changes.size ? ", " : "", dir);
	if ((error = install_push_options(&changes, file)) < 0 ||
	    (error = install_state(&changes, run, file, &opts)) < 0)
		goto done;
	if (changes.size)
		printf("%s: installed: %s\n", file, changes.ptr);
	else
		printf("%s: already installed\n", file);
done:
	if (error < 0) {
		if (changes.size)
			printf("%s: %s\n", file, changes.ptr);
		cmd_die_message("%s", sp_error_last());
	}
	free(now);
	free(real_now);
	free(real_dir);
	sp_buf_dispose(&changes);
	sp_buf_dispose(&programs);
	return error;
}

/* The git user for --nginx: --user, else the state directory's owner. */
static int install_nginx_user(sp_install_options *opts, const char **name,
                              install_run *run)
{
	struct passwd *pw;
	struct stat st;

	if (!run->user) {
		if (stat(run->settings.state_dir, &st) < 0)
			return sp_error_set(
			    SP_EINVALID,
			    "no state directory '%s' to tell the "
			    "git user: pass --user USER",
			    run->settings.state_dir);
		if (!(pw = getpwuid(st.st_uid)))
			return sp_error_set(
			    SP_EINVALID,
			    "uid %ld (the owner of '%s') has no "
			    "name: pass --user USER",
			    (long)st.st_uid, run->settings.state_dir);
		run->user = pw->pw_name;
	}
	if (!(pw = getpwnam(run->user)))
		return sp_error_set(SP_EINVALID, "no user '%s' on this host",
		                    run->user);
	opts->uid = pw->pw_uid;
	opts->gid = pw->pw_gid;
	opts->owned = 1;
	*name = run->user;
	return 0;
}

static int install_nginx(install_run *run)
{
	const char *conf =
	    run->nginx_conf ? run->nginx_conf : SP_INSTALL_NGINX_CONF;
	const char *sudoers =
	    run->sudoers_file ? run->sudoers_file : SP_INSTALL_SUDOERS;
	const char *user = NULL;
	sp_install_options opts = {0};
	int changed = 0, created = 0, error;

	if (geteuid() != 0) {
		error = sp_error_set(SP_EINVALID,
		                     "install --nginx writes nginx's "
		                     "configuration and gives nginxDir to the "
		                     "git user: run it as root");
		goto done;
	}
	if ((error = install_nginx_user(&opts, &user, run)) < 0 ||
	    (error = sp_install_nginx_dir(&created, run->settings.nginx_dir,
	                                  &opts)) < 0)
		goto done;
	printf("%s: %s\n", run->settings.nginx_dir,
	       created == 1   ? "made, owned by the git user"
	       : created == 2 ? "given to the git user"
	                      : "already there");
	if ((error = sp_install_nginx_include(&changed, conf,
	                                      run->settings.nginx_dir)) < 0)
		goto done;
	printf("%s: %s (include %s/*.conf;)\n", conf,
	       changed ? "written" : "already there", run->settings.nginx_dir);
	if (run->sudoers) {
		if ((error = sp_install_sudoers(&changed, sudoers, user)) < 0)
			goto done;
		printf("%s: %s (%s may run " SP_INSTALL_NGINX
		       " -t and -s reload)\n"
		       "now set, for %s:\n"
		       "  git config --system spacehook.nginxTest 'sudo "
		       "-n " SP_INSTALL_NGINX " -t'\n"
		       "  git config --system spacehook.nginxReload 'sudo "
		       "-n " SP_INSTALL_NGINX " -s reload'\n",
		       sudoers, changed ? "written" : "already there", user,
		       user);
	}
	if (!run->settings.domain)
		printf(
		    "next: set spacehook.domain (git config --system "
		    "spacehook.domain spaces.example.com) and reload nginx\n");
	else
		printf("next: reload nginx (nginx -t && nginx -s reload)\n");
done:
	if (error < 0)
		cmd_die_message("%s", sp_error_last());
	return error;
}

int cmd_install(int argc, char **argv)
{
	enum {
		INSTALL_CHAIN = CMD_LONG_ONLY,
		INSTALL_DROPIN,
		INSTALL_GLOBAL,
		INSTALL_USER,
		INSTALL_HOOK_DIR,
		INSTALL_CONFIG,
		INSTALL_NGINX,
		INSTALL_NGINX_CONF,
		INSTALL_SUDOERS,
		INSTALL_SUDOERS_FILE,
	};
	static const struct option install_options[] = {
	    {"chain", no_argument, NULL, INSTALL_CHAIN},
	    {"dropin", no_argument, NULL, INSTALL_DROPIN},
	    {"global", no_argument, NULL, INSTALL_GLOBAL},
	    {"user", required_argument, NULL, INSTALL_USER},
	    {"hook-dir", required_argument, NULL, INSTALL_HOOK_DIR},
	    {"config", required_argument, NULL, INSTALL_CONFIG},
	    {"nginx", no_argument, NULL, INSTALL_NGINX},
	    {"nginx-conf", required_argument, NULL, INSTALL_NGINX_CONF},
	    {"sudoers", no_argument, NULL, INSTALL_SUDOERS},
	    {"sudoers-file", required_argument, NULL, INSTALL_SUDOERS_FILE},
	    {NULL, 0, NULL, 0}};
	install_run run = {0};
	int first = 0, failed = 0, status = 1, i, c;

	sp_buf_init(&run.pre);
	sp_buf_init(&run.post);
	if (cmd_wants_help(argc, argv)) {
		install_help();
		return 0;
	}
	while ((c = getopt_long(argc, argv, ":", install_options, NULL)) !=
	       -1) {
		/* An option that takes a value needs a non-empty one. */
		if (c == '?' || c == ':' || (optarg && !*optarg))
			goto usage;
		if (c == INSTALL_CHAIN)
			run.chain = 1;
		else if (c == INSTALL_DROPIN)
			run.dropin = 1;
		else if (c == INSTALL_GLOBAL)
			run.global = 1;
		else if (c == INSTALL_USER)
			run.user = optarg;
		else if (c == INSTALL_HOOK_DIR)
			run.hook_dir = optarg;
		else if (c == INSTALL_NGINX)
			run.nginx = 1;
		else if (c == INSTALL_NGINX_CONF)
			run.nginx_conf = optarg;
		else if (c == INSTALL_SUDOERS)
			run.sudoers = 1;
		else if (c == INSTALL_SUDOERS_FILE)
			run.sudoers_file = optarg;
		else
			run.config = optarg;
	}
	first = optind;
	if (run.nginx) {
		if (first != argc || run.global || run.dropin || run.chain ||
		    run.hook_dir || run.config ||
		    (run.sudoers_file && !run.sudoers))
			goto usage;
		if (sp_settings_load(&run.settings, NULL) < 0) {
			cmd_die_message("%s", sp_error_last());
			goto done;
		}
		status = install_nginx(&run) < 0 ? 1 : 0;
		goto done;
	}
	if (run.nginx_conf || run.sudoers || run.sudoers_file)
		goto usage;
	if (run.global ? first != argc : first == argc)
		goto usage;
	if ((run.config && !run.global) || (run.dropin && run.global))
		goto usage;
	if (sp_settings_load(&run.settings, NULL) < 0 ||
	    sp_install_programs(&run.pre, &run.post) < 0) {
		cmd_die_message("%s", sp_error_last());
		goto done;
	}
	if (run.global) {
		failed = install_global(&run) < 0;
	} else {
		for (i = first; i < argc; i++)
			failed |= install_repo(&run, argv[i]) < 0;
	}
	status = failed ? 1 : 0;
	goto done;
usage:
	fputs(USAGE "\n", stderr);
	status = 2;
done:
	sp_settings_dispose(&run.settings);
	sp_buf_dispose(&run.pre);
	sp_buf_dispose(&run.post);
	return status;
}
