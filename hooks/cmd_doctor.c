/* spacehook doctor: check the host a git server runs spacehook on, each problem
 * with the command that fixes it. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "banned.h"
#include "commands.h"
#include "context.h"
#include "engine.h"
#include "engine_swarm.h"
#include "error.h"
#include "frontdoor.h"
#include "install.h"
#include "proc.h"
#include "settings.h"
#include "store.h"

#define USAGE "usage: spacehook doctor [--user USER] [REPO.git...]"
#define DOCTOR_OUTPUT_MAX (64 * 1024)
#define DOCTOR_BUILD_TIMEOUT 180
#define FIX_CLI                                                                \
	"git config --system spacehook.dockerCli /usr/bin/docker   "           \
	"(the docker.io package's client: apt-get install docker.io)"

typedef struct {
	int failed;
	sp_settings settings;
	sp_engine *engine;
	char *user; /* the git user's name, for messages */
	uid_t uid;  /* the git user */
	gid_t gid;
	sp_buf pre, post; /* this installation's hook programs */
} doctor;

static void doctor_help(void)
{
	puts(USAGE
	     "\n\n"
	     "Checks what spacehook needs on this host and prints one line per "
	     "check,\n"
	     "\"ok  ...\" or \"FAIL ...\" followed by \"  fix: <command>\":\n"
	     "  - the Docker engine answers at spacehook.dockerHost (and its "
	     "API version)\n"
	     "  - the client spacehook.dockerCli runs BuildKit builds with a "
	     "secret (a\n"
	     "    tiny FROM scratch build is made, then its image removed)\n"
	     "  - the state directory spacehook.stateDir exists, is 0700 and "
	     "belongs to\n"
	     "    the git user, as does every directory in it (none a "
	     "symbolic link,\n"
	     "    none writable by group or others), and its parents up to / "
	     "belong to\n"
	     "    root or the git user and are not writable by others\n"
	     "  - spacehook.reposRoot is set (without it nothing deploys), and "
	     "the\n"
	     "    engine knows spacehook.runtime when one is set\n"
	     "  - spacehook.portRange has free ports on spacehook.bindAddress\n"
	     "  - with spacehook.domain set: spacehook.nginxDir is the git "
	     "user's to\n"
	     "    write, and spacehook.nginxTest passes; with sdk static,\n"
	     "    nginx's workers can reach it\n"
	     "  - with spacehook.backend swarm: the engine is a swarm "
	     "manager, every\n"
	     "    node is ready, spacehook.registry takes a push and gives "
	     "it back\n"
	     "  - the hooks are installed in each REPO.git named (or, with "
	     "none named,\n"
	     "    in core.hooksPath) with receive.advertisePushOptions set\n\n"
	     "  --user USER  the git user the hooks run as (default: the owner "
	     "of the\n"
	     "               first repository named, else the user running "
	     "this)\n\n"
	     "Exit status: 0 every check passed, 1 one failed, 2 usage.");
}

static void doctor_ok(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
static void doctor_ok(const char *fmt, ...)
{
	va_list ap;

	fputs("ok  ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void doctor_fail(doctor *d, const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void doctor_fail(doctor *d, const char *fix, const char *fmt, ...)
{
	va_list ap;

	fputs("FAIL ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (fix)
		printf("  fix: %s\n", fix);
	d->failed = 1;
}

/* Run a child with stdout and stderr to `out` (capped), killed after `seconds`.
 */
static int doctor_run(int *status, sp_buf *out, const char *const *argv,
                      char *const *envp, const char *cwd, int seconds)
{
	sp_proc_options opts = {0};
	char path[] = "/tmp/spacehook-doctor-XXXXXX";
	time_t deadline = time(NULL) + seconds;
	pid_t pid = 0, done = 0;
	int fd, wstatus = 0, error = 0;

	sp_buf_clear(out);
	if ((fd = mkstemp(path)) < 0)
		return sp_error_set_os(SP_EIO, "cannot make a temporary file");
	unlink(path);
	opts.argv = argv;
	opts.envp = envp;
	opts.stdin_fd = -1;
	opts.stdout_fd = fd;
	opts.stderr_fd = -2;
	opts.new_session = 1;
	opts.cwd = cwd;
	if ((error = sp_proc_spawn(&pid, &opts)) < 0)
		goto done;
	while ((done = waitpid(pid, &wstatus, WNOHANG)) == 0 &&
	       time(NULL) < deadline) {
		struct timespec ts = {0, 50 * 1000 * 1000};

		nanosleep(&ts, NULL);
	}
	if (done == 0) {
		kill(-pid, SIGKILL);
		waitpid(pid, &wstatus, 0);
		error =
		    sp_error_set(SP_ETIMEOUT, "'%s' took more than %d seconds",
		                 argv[0], seconds);
		goto done;
	}
	if (done < 0) {
		error =
		    sp_error_set_os(SP_ERROR, "cannot wait for '%s'", argv[0]);
		goto done;
	}
	*status =
	    WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
	if (lseek(fd, 0, SEEK_SET) == 0 &&
	    sp_buf_read_fd(out, fd, DOCTOR_OUTPUT_MAX) == SP_ETOOBIG)
		sp_error_clear();
done:
	close(fd);
	return error;
}

/* The line of `text` that says why: the first one naming an error, else the
 * last one. */
static void doctor_reason(sp_buf *out, const char *text)
{
	const char *end = text + strlen(text), *start, *err;

	if ((err = strstr(text, "ERROR")) || (err = strstr(text, "rror"))) {
		start = err;
		while (start > text && start[-1] != '\n')
			start--;
		end = strchr(err, '\n');
		if (!end)
			end = err + strlen(err);
	} else {
		while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
			end--;
		start = end;
		while (start > text && start[-1] != '\n')
			start--;
	}
	while (start < end && (*start == ' ' || *start == '\t'))
		start++;
	sp_buf_clear(out);
	sp_buf_put(out, start, (size_t)(end - start > 300 ? 300 : end - start));
}

static void doctor_engine(doctor *d)
{
	sp_buf fix = SP_BUF_INIT;

	if (sp_engine_new(&d->engine, d->settings.docker_host) == 0) {
		doctor_ok("engine answers at %s (API %s)",
		          d->settings.docker_host,
		          sp_engine_version(d->engine));
		return;
	}
	sp_buf_printf(
	    &fix, "start the engine (systemctl start docker), or point "
	          "spacehook at it: git config --system spacehook.dockerHost "
	          "unix:///path/to/docker.sock");
	doctor_fail(d, fix.ptr, "engine at %s: %s", d->settings.docker_host,
	            sp_error_last());
	d->engine = NULL;
	sp_buf_dispose(&fix);
}

/*
 * What a server shared by many authors needs: Space ids from reposRoot
 * only, and the runtime it names known to the engine.
 */
static void doctor_tenancy(doctor *d)
{
	sp_buf answer = SP_BUF_INIT, fix = SP_BUF_INIT, needle = SP_BUF_INIT;
	long status = 0;

	if (!d->settings.repos_root)
		doctor_fail(
		    d,
		    "git config --system spacehook.reposRoot /srv/git   (the "
		    "directory holding <owner>/<name>.git)",
		    "spacehook.reposRoot is not set: pushes are checked, but "
		    "nothing deploys (a Space's id comes only from "
		    "<reposRoot>/<owner>/<name>.git)");
	else
		doctor_ok(
		    "Spaces are the repositories at %s/<owner>/<name>.git",
		    d->settings.repos_root);
	if (!d->settings.runtime || !d->engine)
		goto done;
	sp_buf_printf(&needle, "\"%s\"", d->settings.runtime);
	if (sp_engine_request(&answer, &status, d->engine, "GET", "/info",
	                      NULL) == 0 &&
	    status == 200 && strstr(answer.ptr, needle.ptr)) {
		doctor_ok("the engine knows the runtime %s (spacehook.runtime)",
		          d->settings.runtime);
	} else {
		sp_buf_printf(
		    &fix,
		    "register it in /etc/docker/daemon.json (\"runtimes\") and "
		    "restart the engine, or: git config --system --unset "
		    "spacehook.runtime");
		doctor_fail(
		    d, fix.ptr,
		    "the engine has no runtime '%s' (spacehook.runtime)",
		    d->settings.runtime);
	}
done:
	sp_buf_dispose(&answer);
	sp_buf_dispose(&fix);
	sp_buf_dispose(&needle);
}

/* A push and a pull of a one-file image through the registry. */
static void doctor_registry(doctor *d)
{
	const char *registry = d->settings.registry;
	sp_buf tar = SP_BUF_INIT, ref = SP_BUF_INIT, repo = SP_BUF_INIT,
	       auth = SP_BUF_INIT, fix = SP_BUF_INIT;
	int error;

	if (d->settings.registry_auth &&
	    sp_buf_read_file(&auth, d->settings.registry_auth, 64 * 1024) < 0) {
		doctor_fail(d,
		            "make the file readable by the git user, or: git "
		            "config --system --unset spacehook.registryAuth",
		            "spacehook.registryAuth: cannot read %s: %s",
		            d->settings.registry_auth, sp_error_last());
		goto done;
	}
	sp_buf_printf(&repo, "%s/spacehook/doctor", registry);
	sp_buf_printf(&ref, "%s:probe", repo.ptr);
	if ((error = sp_context_dir_archive(&tar, "doctor", 0, 0, 0755)) < 0 ||
	    (error = sp_engine_image_import(d->engine, ref.ptr, tar.ptr,
	                                    tar.size)) < 0 ||
	    (error = sp_engine_image_push(NULL, NULL, d->engine, ref.ptr,
	                                  auth.size ? auth.ptr : NULL)) < 0 ||
	    (error = sp_engine_image_remove(d->engine, ref.ptr, 1)) < 0 ||
	    (error = sp_engine_image_pull(NULL, d->engine, ref.ptr,
	                                  auth.size ? auth.ptr : NULL)) < 0) {
		sp_buf_printf(&fix,
		              "start the registry (systemctl start "
		              "docker-registry); with plain HTTP list %s in "
		              "\"insecure-registries\" of every engine's "
		              "/etc/docker/daemon.json (admin guide, Cluster)",
		              registry);
		doctor_fail(d, fix.ptr, "registry %s: %s", registry,
		            sp_error_last());
	} else {
		doctor_ok("registry %s takes a push and gives it back",
		          registry);
	}
	sp_engine_image_remove(d->engine, ref.ptr, 1);
	sp_error_clear();
done:
	sp_buf_dispose(&tar);
	sp_buf_dispose(&ref);
	sp_buf_dispose(&repo);
	sp_buf_dispose_wipe(&auth);
	sp_buf_dispose(&fix);
}

/*
 * With spacehook.backend = swarm: the registry is set and works, this engine
 * is a manager of an active swarm, every node is ready.
 */
static void doctor_swarm(doctor *d)
{
	sp_swarm_info info = {0};
	sp_node_list nodes = {0};
	size_t ready = 0;

	if (!d->settings.backend || strcmp(d->settings.backend, "swarm"))
		return;
	if (!d->settings.registry) {
		doctor_fail(d,
		            "git config --system spacehook.registry "
		            "HOST:PORT   (the registry every node pulls from)",
		            "spacehook.backend is swarm but spacehook.registry "
		            "is not set");
		return;
	}
	if (!d->engine)
		return;
	if (sp_engine_swarm_info(&info, d->engine) < 0 ||
	    strcmp(info.state, "active") || !info.control_available) {
		doctor_fail(
		    d,
		    "docker swarm init --advertise-addr ADDRESS   (on this "
		    "host, or point spacehook.dockerHost at a manager)",
		    "the engine at %s is not a swarm manager (swarm: %s%s%s)",
		    d->settings.docker_host, *info.state ? info.state : "?",
		    *info.error ? ", " : "", info.error);
		goto done;
	}
	doctor_ok("the engine is a swarm manager (%d node%s, %d manager%s)",
	          info.nodes, info.nodes == 1 ? "" : "s", info.managers,
	          info.managers == 1 ? "" : "s");
	if (sp_engine_node_list(&nodes, d->engine) < 0) {
		doctor_fail(d, NULL, "swarm nodes: %s", sp_error_last());
		goto done;
	}
	for (size_t i = 0; i < nodes.count; i++) {
		const sp_node *n = &nodes.items[i];

		if (!strcmp(n->state, "ready")) {
			ready++;
			continue;
		}
		doctor_fail(d,
		            "bring the node back, or remove it: docker node rm "
		            "NODE",
		            "swarm node %s (%s) is %s%s%s", n->hostname,
		            n->address, n->state, *n->message ? ": " : "",
		            n->message);
	}
	if (ready == nodes.count)
		doctor_ok("every swarm node is ready (%zu)", ready);
	if (d->settings.placement)
		doctor_ok("Spaces are placed by: %s (spacehook.placement)",
		          d->settings.placement);
	doctor_registry(d);
done:
	sp_swarm_info_dispose(&info);
	sp_node_list_dispose(&nodes);
}

/* Where `cli` is: a path, or the first match on PATH. */
static int doctor_which(sp_buf *out, const char *cli)
{
	const char *path = getenv("PATH"), *p, *colon;

	if (strchr(cli, '/')) {
		sp_buf_sets(out, cli);
		return access(cli, X_OK) == 0 ? 0 : -1;
	}
	for (p = path ? path : "/usr/bin:/bin"; *p;
	     p = *colon ? colon + 1 : colon) {
		colon = strchr(p, ':');
		if (!colon)
			colon = p + strlen(p);
		sp_buf_clear(out);
		sp_buf_put(out, p, (size_t)(colon - p));
		sp_buf_printf(out, "/%s", cli);
		if (colon > p && access(out->ptr, X_OK) == 0)
			return 0;
	}
	sp_buf_sets(out, cli);
	return -1;
}

static int doctor_write(const char *dir, const char *name, const char *text)
{
	sp_buf path = SP_BUF_INIT;
	size_t len = strlen(text);
	int fd, ok;

	sp_buf_printf(&path, "%s/%s", dir, name);
	fd = open(path.ptr, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ok = fd >= 0 && write(fd, text, len) == (ssize_t)len;
	if (fd >= 0)
		close(fd);
	sp_buf_dispose(&path);
	return ok ? 0 : -1;
}

static void doctor_remove_probe(const char *dir)
{
	sp_buf path = SP_BUF_INIT;

	sp_buf_printf(&path, "%s/Dockerfile", dir);
	unlink(path.ptr);
	sp_buf_clear(&path);
	sp_buf_printf(&path, "%s/x", dir);
	unlink(path.ptr);
	rmdir(dir);
	sp_buf_dispose(&path);
}

static void doctor_client(doctor *d)
{
	sp_buf cli = SP_BUF_INIT, out = SP_BUF_INIT, line = SP_BUF_INIT;
	sp_buf tag = SP_BUF_INIT;
	sp_strvec env = SP_STRVEC_INIT;
	char dir[] = "/tmp/spacehook-doctor-XXXXXX";
	int status = 0, made = 0;

	if (doctor_which(&cli, d->settings.docker_cli) < 0) {
		doctor_fail(d, FIX_CLI, "docker client '%s' not found",
		            d->settings.docker_cli);
		goto done;
	}
	sp_strvec_passenv(&env, "PATH");
	sp_strvec_passenv(&env, "HOME");
	sp_strvec_passenv(&env, "DOCKER_CONFIG");
	sp_strvec_setenv(&env, "DOCKER_BUILDKIT", "1");
	sp_strvec_setenv(&env, "DOCKER_HOST", d->settings.docker_host);
	sp_strvec_setenv(&env, "SPACEHOOK_DOCTOR", "probe");
	{
		const char *argv[] = {cli.ptr, "build", "--help", NULL};

		if (doctor_run(&status, &out, argv, sp_strvec_array(&env), "/",
		               30) < 0 ||
		    !strstr(out.ptr, "--secret")) {
			doctor_reason(&line,
			              out.size ? out.ptr : sp_error_last());
			doctor_fail(
			    d, FIX_CLI,
			    "docker client %s cannot run BuildKit "
			    "builds: 'build --help' lists no --secret (%s)",
			    cli.ptr, line.ptr);
			goto done;
		}
	}
	if (!d->engine) {
		doctor_fail(d, "fix the engine first (above)",
		            "docker client %s: "
		            "BuildKit build not tried, no engine",
		            cli.ptr);
		goto done;
	}
	if (!mkdtemp(dir) ||
	    (made = 1, doctor_write(dir, "Dockerfile",
	                            "FROM scratch\nCOPY x /x\n")) < 0 ||
	    doctor_write(dir, "x", "spacehook doctor\n") < 0) {
		doctor_fail(d, "check that /tmp is writable",
		            "cannot write a build "
		            "context in /tmp: %s",
		            strerror(errno));
		goto done;
	}
	sp_buf_printf(&tag, "spacehook-doctor:probe-%ld", (long)getpid());
	{
		const char *argv[] = {cli.ptr,
		                      "build",
		                      "--progress=plain",
		                      "--secret",
		                      "id=doctor,env=SPACEHOOK_DOCTOR",
		                      "--tag",
		                      tag.ptr,
		                      dir,
		                      NULL};
		const char *rm[] = {cli.ptr,   "image", "rm",
		                    "--force", tag.ptr, NULL};
		sp_buf ignored = SP_BUF_INIT;
		int rc = doctor_run(&status, &out, argv, sp_strvec_array(&env),
		                    "/", DOCTOR_BUILD_TIMEOUT);

		if (rc == 0 && status == 0) {
			doctor_ok("docker client %s runs BuildKit builds with "
			          "secrets",
			          cli.ptr);
			doctor_run(&status, &ignored, rm, sp_strvec_array(&env),
			           "/", 60);
		} else {
			doctor_reason(&line,
			              rc < 0 ? sp_error_last() : out.ptr);
			doctor_fail(d, FIX_CLI,
			            "docker client %s failed a BuildKit "
			            "build with --secret: %s",
			            cli.ptr, line.ptr);
		}
		sp_buf_dispose(&ignored);
	}
done:
	if (made)
		doctor_remove_probe(dir);
	sp_strvec_clear(&env);
	sp_buf_dispose(&cli);
	sp_buf_dispose(&out);
	sp_buf_dispose(&line);
	sp_buf_dispose(&tag);
}

static void doctor_state(doctor *d)
{
	const char *dir = d->settings.state_dir;
	sp_buf fix = SP_BUF_INIT, probe = SP_BUF_INIT;
	struct stat st;
	int fd;

	if (stat(dir, &st) < 0) {
		sp_buf_printf(&fix,
		              "install -d -m 0700 -o %s -g %ld '%s'   (or: "
		              "spacehook install --user %s REPO.git)",
		              d->user, (long)d->gid, dir, d->user);
		doctor_fail(d, fix.ptr, "state directory %s: %s", dir,
		            strerror(errno));
		goto done;
	}
	if (!S_ISDIR(st.st_mode)) {
		sp_buf_printf(&fix, "git config --system spacehook.stateDir "
		                    "/var/lib/spacehook");
		doctor_fail(d, fix.ptr, "state directory %s is not a directory",
		            dir);
		goto done;
	}
	if (st.st_uid != d->uid) {
		sp_buf_printf(&fix, "chown -R %s: '%s'", d->user, dir);
		doctor_fail(d, fix.ptr,
		            "state directory %s belongs to uid %ld, not "
		            "to the git user %s",
		            dir, (long)st.st_uid, d->user);
		goto done;
	}
	if ((st.st_mode & 0777) != 0700) {
		sp_buf_printf(&fix, "chmod 0700 '%s'", dir);
		doctor_fail(d, fix.ptr,
		            "state directory %s has mode %04o: it holds "
		            "secrets, it must be 0700",
		            dir, st.st_mode & 0777);
		goto done;
	}
	/* The same checks every push makes: parents, links, every level. */
	if (sp_store_check(&fix, dir, d->uid) < 0) {
		doctor_fail(d, fix.size ? fix.ptr : NULL, "%s",
		            sp_error_last());
		goto done;
	}
	if (geteuid() == d->uid) {
		sp_buf_printf(&probe, "%s/.doctor-XXXXXX", dir);
		if ((fd = mkstemp(probe.ptr)) < 0) {
			sp_buf_printf(&fix,
			              "check the file system holding '%s' "
			              "(full? read-only?)",
			              dir);
			doctor_fail(d, fix.ptr,
			            "state directory %s is not writable: "
			            "%s",
			            dir, strerror(errno));
			goto done;
		}
		close(fd);
		unlink(probe.ptr);
	}
	doctor_ok("state directory %s (owner %s, mode 0700)", dir, d->user);
done:
	sp_buf_dispose(&fix);
	sp_buf_dispose(&probe);
}

static void doctor_ports(doctor *d)
{
	int total = d->settings.port_max - d->settings.port_min + 1,
	    free_ports = 0;
	int rc;

	for (int port = d->settings.port_min; port <= d->settings.port_max;
	     port++) {
		if ((rc = sp_install_port_free(d->settings.bind_address,
		                               port)) < 0) {
			doctor_fail(d,
			            "git config --system spacehook.bindAddress "
			            "127.0.0.1",
			            "bind address: %s", sp_error_last());
			return;
		}
		free_ports += rc;
	}
	if (free_ports == 0) {
		doctor_fail(
		    d,
		    "git config --system spacehook.portRange 20000-29999   "
		    "(a range with free ports)",
		    "port range %d-%d on %s: "
		    "no port is free",
		    d->settings.port_min, d->settings.port_max,
		    d->settings.bind_address);
		return;
	}
	doctor_ok("port range %d-%d on %s: %d of %d ports free",
	          d->settings.port_min, d->settings.port_max,
	          d->settings.bind_address, free_ports, total);
}

/* Static Spaces: nginx's workers (www-data, not the git user) read their
 * files under nginxDir, so every directory down to it must be searchable by
 * others. */
static void doctor_static(doctor *d)
{
	const char *dir = d->settings.nginx_dir;
	sp_buf level = SP_BUF_INIT;
	struct stat st;
	const char *p = dir;

	if (!(d->settings.sdks & SP_SDK_STATIC))
		return;
	while (*p) {
		size_t n = strcspn(p + 1, "/") + 1;

		sp_buf_put(&level, p, n);
		p += n;
		if (stat(level.ptr, &st) == 0 && S_ISDIR(st.st_mode) &&
		    !(st.st_mode & S_IXOTH)) {
			doctor_fail(
			    d,
			    "git config --system spacehook.nginxDir "
			    "/var/lib/spacehook-nginx   (a directory of "
			    "its own, mode 0755, the git user's)",
			    "static Spaces: nginx's workers cannot reach "
			    "%s: %s is mode %04o",
			    dir, level.ptr, (unsigned)(st.st_mode & 07777));
			sp_buf_dispose(&level);
			return;
		}
	}
	doctor_ok("static Spaces: nginx's workers can reach %s", dir);
	sp_buf_dispose(&level);
}

/* The front door (spacehook.domain set): nginxDir is the git user's to
 * write, and spacehook.nginxTest passes. */
static void doctor_frontdoor(doctor *d)
{
	const char *dir = d->settings.nginx_dir;
	const char *argv[] = {"/bin/sh", "-c", d->settings.nginx_test, NULL};
	sp_buf fix = SP_BUF_INIT, out = SP_BUF_INIT, why = SP_BUF_INIT;
	struct stat st;
	int status = 0;

	if (!sp_frontdoor_enabled(&d->settings))
		return;
	sp_buf_printf(&fix, "spacehook install --nginx --user %s   (as root)",
	              d->user);
	if (stat(dir, &st) < 0)
		doctor_fail(d, fix.ptr, "nginx directory %s: %s", dir,
		            strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		doctor_fail(d, fix.ptr, "nginx directory %s is not a directory",
		            dir);
	else if (geteuid() == d->uid ? access(dir, W_OK) < 0
	                             : st.st_uid != d->uid)
		doctor_fail(d, fix.ptr,
		            "nginx directory %s is not writable by the git "
		            "user %s (spacehook.nginxDir)",
		            dir, d->user);
	else
		doctor_ok("nginx directory %s (writable by %s)", dir, d->user);
	sp_buf_clear(&fix);
	if (doctor_run(&status, &out, argv, NULL, NULL, 30) < 0 ||
	    status != 0) {
		const char *emerg = strstr(out.ptr, "[emerg]");

		if (emerg)
			sp_buf_put(&why, emerg, strcspn(emerg, "\n"));
		else
			doctor_reason(&why,
			              out.size ? out.ptr : sp_error_last());
		sp_buf_printf(
		    &fix,
		    "fix what nginx names; or point spacehook.nginxTest at a "
		    "test the git user may run (not root: spacehook install "
		    "--nginx --sudoers, then git config --system "
		    "spacehook.nginxTest 'sudo -n " SP_INSTALL_NGINX " -t')");
		doctor_fail(d, fix.ptr, "nginx test '%s' failed: %s",
		            d->settings.nginx_test,
		            why.size ? why.ptr : "no output");
	} else {
		doctor_ok("nginx test '%s' passes", d->settings.nginx_test);
	}
	doctor_static(d);
	sp_buf_dispose(&fix);
	sp_buf_dispose(&out);
	sp_buf_dispose(&why);
}

/* A git config value as a repository (or, `file` NULL, any command outside one)
 * sees it. */
static char *doctor_config(const char *file, const char *key)
{
	char *value = NULL;

	if (file && sp_install_config_get(&value, file, key) == 0 && value)
		return value;
	if (sp_settings_config_get(&value, key) < 0)
		value = NULL;
	sp_error_clear();
	return value;
}

static int doctor_is_true(const char *value)
{
	int yes = 0;

	if (value && sp_settings_parse_bool(&yes, value) < 0) {
		sp_error_clear();
		return 0;
	}
	return value && yes;
}

/* Whether the hooks in `dir` (or its .d drop-ins) are this installation's;
 * `detail` says why not. */
/*
 * gitolite's repo-specific hooks: hooks/<name> is gitolite's driver, which
 * runs hooks/<name>.hNN-* in turn; ours counts when one of them is it.
 */
static void doctor_gitolite_hook(sp_hook_status *status, const char *dir,
                                 const char *name, const char *program)
{
	sp_buf pattern = SP_BUF_INIT;
	glob_t found;

	sp_buf_printf(&pattern, "%s/%s.h[0-9][0-9]-*", dir, name);
	if (glob(pattern.ptr, 0, NULL, &found) == 0) {
		for (size_t i = 0; i < found.gl_pathc; i++) {
			const char *base = strrchr(found.gl_pathv[i], '/') + 1;
			sp_hook_status one = SP_HOOK_MISSING;

			if (sp_install_hook_status(&one, NULL, dir, base,
			                           program) < 0)
				sp_error_clear();
			if (one == SP_HOOK_OURS) {
				*status = SP_HOOK_OURS;
				break;
			}
		}
		globfree(&found);
	}
	sp_buf_dispose(&pattern);
}

static int doctor_hooks_in(sp_buf *detail, doctor *d, const char *dir)
{
	static const char *const names[] = {"pre-receive", "post-receive"};
	sp_buf sub = SP_BUF_INIT, what = SP_BUF_INIT;
	sp_hook_status status = SP_HOOK_MISSING;
	int good = 1;

	for (size_t i = 0; i < 2; i++) {
		const char *program = i ? d->post.ptr : d->pre.ptr;

		if (sp_install_hook_status(&status, &what, dir, names[i],
		                           program) < 0)
			sp_error_clear();
		if (status != SP_HOOK_OURS && status != SP_HOOK_CHAINED) {
			sp_buf_clear(&sub);
			sp_buf_printf(&sub, "%s/%s.d", dir, names[i]);
			if (sp_install_hook_status(&status, NULL, sub.ptr,
			                           "spacehook", program) < 0)
				sp_error_clear();
		}
		if (status != SP_HOOK_OURS && status != SP_HOOK_CHAINED)
			doctor_gitolite_hook(&status, dir, names[i], program);
		if (status == SP_HOOK_OURS || status == SP_HOOK_CHAINED)
			continue;
		good = 0;
		sp_buf_printf(detail, "%s%s/%s is %s", detail->size ? "; " : "",
		              dir, names[i],
		              status == SP_HOOK_SPACEHOOK ? "another spacehook "
		                                            "installation's"
		              : what.size                 ? what.ptr
		                                          : "missing");
	}
	sp_buf_dispose(&sub);
	sp_buf_dispose(&what);
	return good;
}

static void doctor_repo(doctor *d, const char *repo)
{
	sp_buf config = SP_BUF_INIT, dir = SP_BUF_INIT, detail = SP_BUF_INIT;
	sp_buf fix = SP_BUF_INIT;
	char *hooks_path = NULL, *push_options = NULL;
	struct stat st;

	sp_buf_printf(&config, "%s/config", repo);
	if (stat(config.ptr, &st) < 0) {
		sp_buf_printf(&fix,
		              "git init --bare '%s'   (or name an existing "
		              "repository)",
		              repo);
		doctor_fail(d, fix.ptr, "%s is not a bare git repository",
		            repo);
		goto done;
	}
	hooks_path = doctor_config(config.ptr, "core.hooksPath");
	if (hooks_path && hooks_path[0] == '/')
		sp_buf_sets(&dir, hooks_path);
	else
		sp_buf_printf(&dir, "%s/%s", repo,
		              hooks_path ? hooks_path : "hooks");
	if (!doctor_hooks_in(&detail, d, dir.ptr)) {
		if (hooks_path)
			sp_buf_printf(&fix,
			              "spacehook install --global --hook-dir "
			              "'%s'   (core.hooksPath is set)",
			              dir.ptr);
		else
			sp_buf_printf(
			    &fix,
			    "spacehook install '%s'   (add --chain to "
			    "keep a hook of your own)",
			    repo);
		doctor_fail(d, fix.ptr, "hooks of %s: %s", repo, detail.ptr);
		goto done;
	}
	push_options =
	    doctor_config(config.ptr, "receive.advertisePushOptions");
	if (!doctor_is_true(push_options)) {
		sp_buf_printf(
		    &fix,
		    "git config --file '%s' receive.advertisePushOptions "
		    "true",
		    config.ptr);
		doctor_fail(d, fix.ptr,
		            "%s does not take push options (-o "
		            "spacehook.wait=no)",
		            repo);
		goto done;
	}
	doctor_ok("hooks of %s (in %s)", repo, dir.ptr);
done:
	free(hooks_path);
	free(push_options);
	sp_buf_dispose(&config);
	sp_buf_dispose(&dir);
	sp_buf_dispose(&detail);
	sp_buf_dispose(&fix);
}

static void doctor_global(doctor *d)
{
	sp_buf detail = SP_BUF_INIT, fix = SP_BUF_INIT;
	char *hooks_path = doctor_config(NULL, "core.hooksPath");
	char *push_options = NULL;

	if (!hooks_path) {
		puts(
		    "--  hooks: not checked; core.hooksPath is unset: name the "
		    "repositories (spacehook doctor REPO.git...)");
		goto done;
	}
	if (!doctor_hooks_in(&detail, d, hooks_path)) {
		sp_buf_printf(&fix,
		              "spacehook install --global --hook-dir '%s'",
		              hooks_path);
		doctor_fail(d, fix.ptr, "hooks of core.hooksPath: %s",
		            detail.ptr);
		goto done;
	}
	push_options = doctor_config(NULL, "receive.advertisePushOptions");
	if (!doctor_is_true(push_options)) {
		doctor_fail(
		    d, "git config --system receive.advertisePushOptions true",
		    "receive.advertisePushOptions is not set: pushes cannot "
		    "carry -o spacehook.wait=no");
		goto done;
	}
	doctor_ok("hooks of core.hooksPath %s", hooks_path);
done:
	free(hooks_path);
	free(push_options);
	sp_buf_dispose(&detail);
	sp_buf_dispose(&fix);
}

int cmd_doctor(int argc, char **argv)
{
	static const struct option doctor_options[] = {
	    {"user", required_argument, NULL, CMD_LONG_ONLY},
	    {NULL, 0, NULL, 0}};
	doctor d = {0};
	const char *user = NULL;
	struct passwd *pw;
	struct stat st;
	int i, status = 1, c;

	sp_buf_init(&d.pre);
	sp_buf_init(&d.post);
	if (cmd_wants_help(argc, argv)) {
		doctor_help();
		return 0;
	}
	while ((c = getopt_long(argc, argv, ":", doctor_options, NULL)) != -1) {
		if (c != CMD_LONG_ONLY || !*optarg) {
			fputs(USAGE "\n", stderr);
			return 2;
		}
		user = optarg;
	}
	i = optind;
	d.uid = geteuid();
	d.gid = getegid();
	if (user) {
		if (!(pw = getpwnam(user))) {
			cmd_die_message("no user '%s' on this host", user);
			return 2;
		}
		d.uid = pw->pw_uid;
		d.gid = pw->pw_gid;
	} else if (i < argc && stat(argv[i], &st) == 0) {
		d.uid = st.st_uid;
		d.gid = st.st_gid;
	}
	pw = getpwuid(d.uid);
	d.user = sp_strdup(pw ? pw->pw_name : "the git user");
	if (sp_settings_load(&d.settings, NULL) < 0) {
		doctor_fail(
		    &d,
		    "git config --system --edit   (fix or remove the value "
		    "named)",
		    "settings: %s", sp_error_last());
		goto done;
	}
	doctor_ok("settings read (state directory %s, engine %s, client %s)",
	          d.settings.state_dir, d.settings.docker_host,
	          d.settings.docker_cli);
	doctor_engine(&d);
	doctor_tenancy(&d);
	doctor_client(&d);
	doctor_state(&d);
	doctor_ports(&d);
	doctor_frontdoor(&d);
	doctor_swarm(&d);
	if (sp_install_programs(&d.pre, &d.post) < 0) {
		doctor_fail(
		    &d,
		    "reinstall spacehook (cmake --install, or apt install "
		    "./spacehook_*.deb)",
		    "hook programs: %s", sp_error_last());
	} else if (i == argc) {
		doctor_global(&d);
	} else {
		for (; i < argc; i++)
			doctor_repo(&d, argv[i]);
	}
	status = d.failed ? 1 : 0;
done:
	if (status)
		printf("\n%s\n",
		       "spacehook doctor: problems found; run the fix lines "
		       "above (as root, or as the git user for its files)");
	sp_engine_free(d.engine);
	sp_settings_dispose(&d.settings);
	sp_buf_dispose(&d.pre);
	sp_buf_dispose(&d.post);
	free(d.user);
	return status;
}
