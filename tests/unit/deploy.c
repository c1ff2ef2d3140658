/* Tests of the deploy phases against the mock Docker engine: each way a
 * deploy fails, what it rolls back, what it records and says. */
#include <check.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "deploy.h"
#include "error.h"
#include "mockengine.h"
#include "space.h"
#include "store.h"
#include "testlib.h"

#define SECRET "s3cr3t-t0ken-value"
#define OLD "old0001"
#define NEW "new0001"

static char state_dir[64];
/* Settings and stored values are mutable strings. */
static char loopback[] = "127.0.0.1", user_name[] = "user", uid[] = "1000";
static char token_name[] = "API_TOKEN", token_value[] = SECRET;
static char var_name[] = "GREETING", var_value[] = "hello";

static void setup(void)
{
	sp_test_tmpdir(state_dir, sizeof(state_dir), "deploy");
}

static void teardown(void)
{
	sp_test_rmtree(state_dir);
}

/* A tiny HTTP server on 127.0.0.1:<port> that answers 200 to anything. */
typedef struct {
	int fd;
	pthread_t thread;
	atomic_int stop;
} listener;

static void *listener_main(void *arg)
{
	static const char answer[] =
	    "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
	listener *l = arg;

	while (!atomic_load(&l->stop)) {
		struct pollfd p = {l->fd, POLLIN, 0};
		char req[1024];
		int c;

		if (poll(&p, 1, 50) <= 0 || (c = accept(l->fd, NULL, NULL)) < 0)
			continue;
		if (recv(c, req, sizeof(req), 0) > 0)
			send(c, answer, sizeof(answer) - 1, MSG_NOSIGNAL);
		close(c);
	}
	return NULL;
}

static void listener_start(listener *l, int port)
{
	struct sockaddr_in sin = {0};
	int one = 1;

	memset(l, 0, sizeof(*l));
	l->fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(l->fd, 0);
	setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(l->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(l->fd, 8), 0);
	ck_assert_int_eq(pthread_create(&l->thread, NULL, listener_main, l), 0);
}

static void listener_stop(listener *l)
{
	atomic_store(&l->stop, 1);
	pthread_join(l->thread, NULL);
	close(l->fd);
}

static int collect(const char *data, size_t len, void *payload)
{
	sp_buf_put(payload, data, len);
	return 0;
}

#define JSON200 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
#define JSON201 "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
#define NOCONTENT "HTTP/1.1 204 No Content\r\n"
#define FAIL500                                                                \
	"HTTP/1.1 500 Internal Server Error\r\nContent-Type: "                 \
	"application/json\r\n"
#define R(match, head, body)                                                   \
	{                                                                      \
		match, head, body, 0, REPLY_NORMAL, 0                          \
	}

/* The container that exits: a TTY one, so its logs are plain text. */
#define EXITED(code, oom)                                                      \
	R("/containers/" NEW "/json", JSON200,                                 \
	  "{\"Id\":\"" NEW "\",\"Name\":\"/n\",\"Config\":{\"Tty\":true},"     \
	  "\"State\":{\"Running\":false,\"ExitCode\":" #code                   \
	  ",\"OOMKilled\":" #oom "}}")

/* What an engine answers when nothing goes wrong. */
static const mock_reply engine_ok[] = {
    R("POST /v1.40/networks/create", JSON201, "{\"Id\":\"net1\"}"),
    R("POST /v1.40/volumes/create", JSON201, "{\"Name\":\"v\"}"),
    R("GET /v1.40/containers/json", JSON200, "[]"),
    R("GET /v1.40/images/json", JSON200, "[]"),
    R("POST /v1.40/containers/create", JSON201, "{\"Id\":\"" NEW "\"}"),
    R("/containers/" OLD "/stop", NOCONTENT, NULL),
    R("/containers/" OLD "/start", NOCONTENT, NULL),
    R("/containers/" NEW "/start", NOCONTENT, NULL),
    R("/containers/" NEW "/update", JSON200, "{\"Warnings\":null}"),
    R("/containers/" NEW "/json", JSON200,
      "{\"Id\":\"" NEW "\",\"Name\":\"/n\",\"Config\":{\"Tty\":true},"
      "\"State\":{\"Running\":true}}"),
    R("/containers/" NEW "/logs", "HTTP/1.1 200 OK\r\n",
      "starting\nusing token " SECRET "\nfatal: no model\n"),
    R("DELETE /v1.40/containers/", NOCONTENT, NULL),
    {NULL, NULL, NULL, 0, REPLY_NORMAL, 0}};

static const struct {
	const char *name;
	mock_reply override[3]; /* answers that differ from engine_ok */
	int old;                /* a version serves before */
	int serve;              /* something answers on the Space's port */
	int cancel;
	int persistent;
	int code;          /* what sp_deploy_run returns */
	const char *stage; /* the stage recorded */
	const char *says[3];
	const char *saw[3]; /* requests the engine got */
	const char *not_saw[3];
} cases[] = {
    {"network refused",
     {R("/networks/create", FAIL500, "{\"message\":\"no pool\"}")},
     1,
     0,
     0,
     0,
     SP_EENGINE,
     "RUNTIME_ERROR",
     {"create network 'spacehook-", "no pool"},
     {NULL},
     {"/containers/create", "/containers/" OLD "/stop", "/start"}},
    {"volume refused",
     {R("/volumes/create", FAIL500, "{\"message\":\"disk full\"}")},
     1,
     0,
     0,
     1,
     SP_EENGINE,
     "RUNTIME_ERROR",
     {"disk full"},
     {"POST /v1.40/volumes/create"},
     {"/containers/create", "/stop", "/start"}},
    {"create refused",
     {R("/containers/create", FAIL500, "{\"message\":\"no such image\"}")},
     1,
     0,
     0,
     0,
     SP_EENGINE,
     "RUNTIME_ERROR",
     {"no such image"},
     {"POST /v1.40/containers/create?name=spacehook-"},
     {"/stop", "/start", "DELETE"}},
    {"old does not stop",
     {R("/containers/" OLD "/stop", FAIL500, "{\"message\":\"stuck\"}")},
     1,
     0,
     0,
     0,
     SP_EENGINE,
     "RUNTIME_ERROR",
     {"stuck"},
     {"DELETE /v1.40/containers/" NEW},
     {"/start", "Application startup"}},
    {"new does not start",
     {R("/containers/" NEW "/start", FAIL500,
        "{\"message\":\"port is already allocated\"}")},
     1,
     0,
     0,
     0,
     SP_EENGINE,
     "RUNTIME_ERROR",
     {"===== Application startup at ", "port is already allocated",
      "spacehook: the previous version serves again"},
     {"DELETE /v1.40/containers/" NEW, "/containers/" OLD "/start"},
     {"/logs", "/update", "DELETE /v1.40/containers/" OLD}},
    {"app exits",
     {EXITED(3, false)},
     1,
     0,
     0,
     0,
     SP_ERUNTIME,
     "RUNTIME_ERROR",
     {"Space failed to start. Exit code: 3\nContainer logs:\n",
      "using token ***\nfatal: no model",
      "spacehook: the previous version serves again"},
     {"/containers/" NEW "/logs", "DELETE /v1.40/containers/" NEW,
      "/containers/" OLD "/start"},
     {"/update", "DELETE /v1.40/containers/" OLD}},
    {"app runs out of memory",
     {EXITED(137, true)},
     0,
     0,
     0,
     0,
     SP_ERUNTIME,
     "RUNTIME_ERROR",
     {"Space failed to start. Exit code: 137 (out of memory)",
      "fatal: no model"},
     {"DELETE /v1.40/containers/" NEW},
     {"/stop", "/containers/" OLD, "previous version"}},
    {"old does not come back",
     {EXITED(1, false),
      R("/containers/" OLD "/start", FAIL500, "{\"message\":\"gone\"}")},
     1,
     0,
     0,
     0,
     SP_ERUNTIME,
     "RUNTIME_ERROR",
     {"spacehook: could not start the previous version again: ", "gone"},
     {"/containers/" OLD "/start"},
     {"serves again"}},
    {"app never answers",
     {{NULL, NULL, NULL, 0, REPLY_NORMAL, 0}},
     1,
     0,
     0,
     0,
     SP_ERUNTIME,
     "RUNTIME_ERROR",
     {"Launch timed out, space was not healthy after 1 sec", "using token ***",
      "the previous version serves again"},
     {"DELETE /v1.40/containers/" NEW, "/containers/" OLD "/start"},
     {"/update"}},
    {"canceled",
     {{NULL, NULL, NULL, 0, REPLY_NORMAL, 0}},
     1,
     0,
     1,
     0,
     SP_ECANCELED,
     "RUNNING",
     {"deploy canceled", "the previous version serves again"},
     {"DELETE /v1.40/containers/" NEW, "/containers/" OLD "/start"},
     {"/update"}},
    {"canceled, nothing before",
     {{NULL, NULL, NULL, 0, REPLY_NORMAL, 0}},
     0,
     0,
     1,
     0,
     SP_ECANCELED,
     "STOPPED",
     {"deploy canceled"},
     {"DELETE /v1.40/containers/" NEW},
     {"/stop", "previous version"}},
    {"healthy",
     {{NULL, NULL, NULL, 0, REPLY_NORMAL, 0}},
     1,
     1,
     0,
     0,
     0,
     "RUNNING",
     {"===== Application startup at "},
     {"BODY {\"RestartPolicy\":{\"Name\":\"unless-stopped\"}}",
      "DELETE /v1.40/containers/" OLD, "GET /v1.40/images/json"},
     {"DELETE /v1.40/containers/" NEW, "/containers/" OLD "/start",
      "Container logs"}},
    {"healthy, restart policy refused",
     {R("/containers/" NEW "/update", FAIL500, "{\"message\":\"no\"}")},
     0,
     1,
     0,
     0,
     0,
     "RUNNING",
     {"spacehook: warning: the Space will not come back by itself after "
      "an engine restart (the engine refused the restart policy)"},
     {"/containers/" NEW "/update"},
     {"DELETE /v1.40/containers/" NEW}},
};

/*
 * Start the mock with `first` (ended by a NULL match) before engine_ok's
 * answers; the settings of a test server; the Space alice/demo's store.
 */
static sp_store *deploy_setup(mock *m, mock_reply *replies,
                              const mock_reply *first, sp_settings *settings)
{
	size_t n = 0;

	for (size_t i = 0; first[i].match; i++)
		replies[n++] = first[i];
	for (size_t i = 0; engine_ok[i].match; i++)
		replies[n++] = engine_ok[i];
	memset(&replies[n], 0, sizeof(replies[n]));
	mock_start(m, replies);
	memset(settings, 0, sizeof(*settings));
	settings->state_dir = state_dir;
	settings->bind_address = loopback;
	settings->port_min = 39100;
	settings->port_max = 39999;
	settings->run_as_user = uid;
	settings->max_cpus = 2;
	settings->max_memory = 16LL << 30;
	settings->pids_limit = 64;
	return sp_test_store_open(state_dir, "alice/demo");
}

START_TEST(test_phases)
{
	const __typeof__(cases[0]) *c = &cases[_i];
	mock_reply replies[32];
	sp_settings settings = {0};
	sp_store *store = NULL;
	sp_state state = {0}, saved = {0};
	sp_kv_entry entry = {token_name, token_value};
	sp_kv secrets = {&entry, 1};
	sp_deploy_options opts = {0};
	sp_buf log = SP_BUF_INIT;
	volatile sig_atomic_t cancel = c->cancel;
	listener l;
	mock m;
	int port = 0, error;

	store = deploy_setup(&m, replies, c->override, &settings);
	settings.run_as_user = user_name;
	settings.startup_timeout = 1;
	settings.persistent_storage = c->persistent;
	ck_assert_int_eq(sp_store_port(&port, state_dir, "alice/demo",
	                               "127.0.0.1", 39100, 39999),
	                 0);
	if (c->serve)
		listener_start(&l, port);
	if (c->old) {
		sp_state_set(&state.stage, "RUNNING_BUILDING");
		sp_state_set(&state.container, OLD);
		sp_state_set(&state.image, "spacehook/alice--demo:old");
	}

	opts.settings = &settings;
	opts.store = store;
	opts.engine = engine_for(&m);
	opts.image = "spacehook/alice--demo:new";
	opts.commit = "0123456789abcdef0123456789abcdef01234567";
	opts.secrets = &secrets;
	opts.log = collect;
	opts.payload = &log;
	opts.cancel = &cancel;
	error = sp_deploy_run(&state, &opts);

	ck_assert_msg(error == c->code, "%s: returned %d (%s); log:\n%s",
	              c->name, error, sp_error_last(), log.ptr);
	ck_assert_str_eq(state.stage, c->stage);
	ck_assert_int_eq(sp_state_load(&saved, store), 0);
	ck_assert_str_eq(saved.stage, c->stage);
	for (size_t i = 0; i < 3 && c->says[i]; i++)
		ck_assert_msg(strstr(log.ptr, c->says[i]),
		              "%s: the log lacks '%s':\n%s", c->name,
		              c->says[i], log.ptr);
	for (size_t i = 0; i < 3 && c->saw[i]; i++)
		ck_assert_msg(mock_saw(&m, c->saw[i]),
		              "%s: no request '%s':\n%s", c->name, c->saw[i],
		              m.log.ptr);
	for (size_t i = 0; i < 3 && c->not_saw[i]; i++)
		ck_assert_msg(!mock_saw(&m, c->not_saw[i]) &&
		                  !strstr(log.ptr, c->not_saw[i]),
		              "%s: unexpected '%s':\n%s\n%s", c->name,
		              c->not_saw[i], m.log.ptr, log.ptr);
	ck_assert_msg(!strstr(log.ptr, SECRET), "%s: secret in the log",
	              c->name);
	ck_assert_msg(!saved.error || !strstr(saved.error, SECRET),
	              "%s: secret in the record", c->name);
	if (c->code == 0) {
		char url[64];

		snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
		ck_assert_str_eq(saved.container, NEW);
		ck_assert_str_eq(saved.image, opts.image);
		ck_assert_str_eq(saved.commit, opts.commit);
		ck_assert_str_eq(saved.url, url);
		ck_assert_int_eq(saved.host_port, port);
		ck_assert_ptr_null(saved.error);
		if (c->old)
			ck_assert_str_eq(saved.prev_image,
			                 "spacehook/alice--demo:old");
	} else if (c->old) {
		/* The old version is still the one recorded serving. */
		ck_assert_str_eq(saved.container, OLD);
		ck_assert_str_eq(saved.image, "spacehook/alice--demo:old");
	}
	if (c->serve)
		listener_stop(&l);
	sp_state_dispose(&state);
	sp_state_dispose(&saved);
	sp_engine_free(opts.engine);
	sp_store_free(store);
	sp_buf_dispose(&log);
	mock_stop(&m);
}
END_TEST

/* What the new container is made of: the environment, labels, limits. */
START_TEST(test_container_spec)
{
	mock_reply replies[32];
	sp_settings settings = {0};
	sp_store *store = NULL;
	sp_state state = {0};
	sp_kv_entry var = {var_name, var_value};
	sp_kv variables = {&var, 1};
	sp_deploy_options opts = {0};
	mock m;
	int port = 0;
	static const char *const want[] = {
	    "\"GREETING=hello\"",
	    "\"SPACE_ID=alice/demo\"",
	    "\"SPACE_AUTHOR_NAME=alice\"",
	    "\"SPACE_REPO_NAME=demo\"",
	    "\"CPU_CORES=2\"",
	    "\"MEMORY=16Gi\"",
	    "\"SYSTEM=spaces\"",
	    "\"spacehook.space\":\"alice/demo\"",
	    "\"spacehook.managed\":\"true\"",
	    "\"NetworkMode\":\"spacehook-",
	    "\"RestartPolicy\":{\"Name\":\"no\"}",
	    "\"NanoCpus\":2000000000",
	    "\"PidsLimit\":64",
	    "\"HostIp\":\"127.0.0.1\"",
	    "\"7860/tcp\"",
	};
	static const mock_reply exited[] = {
	    EXITED(0, false), {NULL, NULL, NULL, 0, REPLY_NORMAL, 0}};
	char host[64];

	store = deploy_setup(&m, replies, exited, &settings);
	opts.settings = &settings;
	opts.store = store;
	opts.engine = engine_for(&m);
	opts.image = "spacehook/alice--demo:new";
	opts.commit = "0123456789abcdef0123456789abcdef01234567";
	opts.variables = &variables;
	ck_assert_int_eq(sp_deploy_run(&state, &opts), SP_ERUNTIME);
	port = state.host_port;
	ck_assert_int_ge(port, 39100);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(mock_saw(&m, want[i]), "no %s in:\n%s", want[i],
		              m.log.ptr);
	snprintf(host, sizeof(host), "\"SPACE_HOST=127.0.0.1:%d\"", port);
	ck_assert_msg(mock_saw(&m, host), "no %s", host);
	ck_assert_str_eq(state.stage, "RUNTIME_ERROR");
	sp_state_dispose(&state);
	sp_engine_free(opts.engine);
	sp_store_free(store);
	mock_stop(&m);
}
END_TEST

START_TEST(test_limits)
{
	sp_settings s = {0};
	double cpus;
	long long memory;

	sp_deploy_limits(&cpus, &memory, NULL, &s);
	ck_assert_double_eq(cpus, 2);
	ck_assert_int_eq(memory, 16LL << 30);
	sp_deploy_limits(&cpus, &memory, "a100-large", &s);
	ck_assert_double_eq(cpus, 12);
	ck_assert_int_eq(memory, 142LL << 30);
	s.max_cpus = 4;
	s.max_memory = 1LL << 30;
	sp_deploy_limits(&cpus, &memory, "a100-large", &s);
	ck_assert_double_eq(cpus, 4);
	ck_assert_int_eq(memory, 1LL << 30);
	sp_deploy_limits(&cpus, &memory, "no-such-flavour", &s);
	ck_assert_double_eq(cpus, 2);
}
END_TEST

static void read_file(sp_buf *out, const char *path)
{
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	ck_assert_msg(f != NULL, "cannot open %s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		sp_buf_put(out, chunk, n);
	fclose(f);
}

/*
 * Behind the front door: the new version starts on the Space's other port
 * while the old one serves (never stopped), nginx is pointed at it once it
 * answers, and the old one is left to drain; a configuration nginx refuses
 * rolls back with the old one serving; nginx down is a warning.
 */
static const struct {
	const char *name;
	const char *test, *reload; /* nginxTest, nginxReload */
	int old;
	int code;
	const char *stage;
	const char *error; /* in the record; NULL: none */
} front_cases[] = {
    {"first deploy", "true", "true", 0, 0, "RUNNING", NULL},
    {"beside the old one", "true", "true", 1, 0, "RUNNING", NULL},
    {"nginx refuses", "echo 'emerg: bad directive' >&2; false", "true", 1,
     SP_ERROR, "RUNTIME_ERROR", "nginx refused the configuration"},
    {"nginx down", "true", "echo 'nginx.pid: no such file' >&2; false", 1, 0,
     "RUNNING", "nginx reload failed"},
};

START_TEST(test_front_door)
{
	const __typeof__(front_cases[0]) *c = &front_cases[_i];
	mock_reply replies[32];
	sp_settings settings = {0};
	sp_store *store = NULL;
	sp_state state = {0}, saved = {0};
	sp_deploy_options opts = {0};
	sp_buf log = SP_BUF_INIT, conf = SP_BUF_INIT, path = SP_BUF_INIT,
	       want = SP_BUF_INIT;
	char domain[] = "spaces.test", scheme[] = "http", listen_on[] = "8080",
	     serve[] = "127.0.0.1:7800", nginx_dir[128], test[128], reload[128];
	int port0 = 0, port1 = 0, error;
	listener l;
	mock m;

	store = deploy_setup(&m, replies, (mock_reply[]){{0}}, &settings);
	snprintf(nginx_dir, sizeof(nginx_dir), "%s/nginx", state_dir);
	snprintf(test, sizeof(test), "%s", c->test);
	snprintf(reload, sizeof(reload), "%s", c->reload);
	settings.domain = domain;
	settings.public_scheme = scheme;
	settings.http_listen = listen_on;
	settings.serve_listen = serve;
	settings.nginx_dir = nginx_dir;
	settings.nginx_test = test;
	settings.nginx_reload = reload;
	settings.drain_timeout = 30;
	settings.startup_timeout = 5;
	ck_assert_int_eq(sp_store_port_slot(&port0, state_dir, "alice/demo", 0,
	                                    "127.0.0.1", 39100, 39999),
	                 0);
	ck_assert_int_eq(sp_store_port_slot(&port1, state_dir, "alice/demo", 1,
	                                    "127.0.0.1", 39100, 39999),
	                 0);
	/* The old version holds slot 0: the new one answers on slot 1. */
	listener_start(&l, c->old ? port1 : port0);
	if (c->old) {
		sp_state_set(&state.stage, "RUNNING_BUILDING");
		sp_state_set(&state.container, OLD);
		sp_state_set(&state.image, "spacehook/alice--demo:old");
		state.host_port = port0;
	}
	opts.settings = &settings;
	opts.store = store;
	opts.engine = engine_for(&m);
	opts.image = "spacehook/alice--demo:new";
	opts.commit = "0123456789abcdef0123456789abcdef01234567";
	opts.log = collect;
	opts.payload = &log;
	error = sp_deploy_run(&state, &opts);

	ck_assert_msg(error == c->code, "%s: returned %d (%s); log:\n%s",
	              c->name, error, sp_error_last(), log.ptr);
	ck_assert_int_eq(sp_state_load(&saved, store), 0);
	ck_assert_str_eq(saved.stage, c->stage);
	ck_assert_msg(!mock_saw(&m, "/containers/" OLD "/stop"),
	              "%s: the old version was stopped:\n%s", c->name,
	              m.log.ptr);
	if (c->error)
		ck_assert_msg(saved.error && strstr(saved.error, c->error),
		              "%s: the record's error is '%s'", c->name,
		              saved.error ? saved.error : "(none)");
	else
		ck_assert_ptr_null(saved.error);
	sp_buf_printf(&path, "%s/spacehook_alice--demo.conf", nginx_dir);
	if (c->code == 0) {
		ck_assert_str_eq(saved.container, NEW);
		ck_assert_int_eq(saved.host_port, c->old ? port1 : port0);
		ck_assert_str_eq(saved.url, "http://alice-demo.spaces.test/");
		read_file(&conf, path.ptr);
		sp_buf_printf(&want, "127.0.0.1:%d", saved.host_port);
		ck_assert_msg(strstr(conf.ptr, want.ptr),
		              "%s: nginx is not pointed at %s:\n%s", c->name,
		              want.ptr, conf.ptr);
		if (c->old) {
			ck_assert_str_eq(saved.retiring, OLD);
			ck_assert_int_gt(saved.retire_at,
			                 (long long)time(NULL));
			ck_assert(
			    !mock_saw(&m, "DELETE /v1.40/containers/" OLD));
		} else {
			ck_assert_ptr_null(saved.retiring);
		}
	} else {
		ck_assert_str_eq(saved.container, OLD);
		ck_assert_int_eq(saved.host_port, port0);
		ck_assert(mock_saw(&m, "DELETE /v1.40/containers/" NEW));
		/* The file nginx refused is gone (there was none before). */
		ck_assert_int_ne(access(path.ptr, F_OK), 0);
	}
	listener_stop(&l);
	sp_state_dispose(&state);
	sp_state_dispose(&saved);
	sp_engine_free(opts.engine);
	sp_store_free(store);
	sp_buf_dispose(&log);
	sp_buf_dispose(&conf);
	sp_buf_dispose(&path);
	sp_buf_dispose(&want);
	mock_stop(&m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("deploy");
	TCase *tc;

	tc = tcase_create("front door");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_front_door, 0,
	                    sizeof(front_cases) / sizeof(front_cases[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("phases");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_phases, 0,
	                    sizeof(cases) / sizeof(cases[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("container");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_container_spec);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_test(tc, test_limits);
	suite_add_tcase(s, tc);

	return sp_test_run(s);
}
