/* The engine client against the real Docker engine of the harness
 * (DOCKER_HOST). */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "engine.h"
#include "error.h"

#define BASE_IMAGE "spacehook-base:busybox"
#define RUN_LABEL "spacehook.live-engine"

static long run_id;        /* the parent's pid: names and the cleanup label */
static char run_label[64]; /* RUN_LABEL=<run_id> */

static sp_engine *live_engine(void)
{
	const char *host = getenv("DOCKER_HOST");
	sp_engine *e = NULL;

	ck_assert_msg(host && *host,
	              "DOCKER_HOST is not set (run through run-live.sh)");
	ck_assert_msg(sp_engine_new(&e, host) == 0, "engine: %s",
	              sp_error_last());
	return e;
}

/* A unique name for this run: sp-live-engine-<pid>-<what>. */
static void live_name(char *out, size_t size, const char *what)
{
	snprintf(out, size, "sp-live-engine-%ld-%s", run_id, what);
}

static int free_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/* GET / on 127.0.0.1:port; the status line into `out`. 0 when it answered HTTP.
 */
static int http_get(sp_buf *out, int port)
{
	static const char req[] = "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
	struct sockaddr_in sin;
	struct pollfd pfd;
	char buf[256];
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok = -1;

	sp_buf_clear(out);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    write(fd, req, sizeof(req) - 1) != (ssize_t)(sizeof(req) - 1))
		goto done;
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 3000) <= 0 ||
	    (n = read(fd, buf, sizeof(buf) - 1)) <= 0)
		goto done;
	buf[n] = '\0';
	sp_buf_put(out, buf, strcspn(buf, "\r\n"));
	ok = strncmp(buf, "HTTP/1.", 7) ? -1 : 0;
done:
	if (fd >= 0)
		close(fd);
	return ok;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

START_TEST(test_version)
{
	sp_engine *e = live_engine();
	sp_buf body = SP_BUF_INIT, want = SP_BUF_INIT;
	const char *v = sp_engine_version(e);
	long long reclaimed = -1;
	long status = 0;

	ck_assert_msg(!strncmp(v, "1.", 2) && strlen(v) >= 4, "version '%s'",
	              v);
	ck_assert_int_le(strtol(v + 2, NULL, 10), 41);
	ck_assert_int_ge(strtol(v + 2, NULL, 10), 24);
	ck_assert_int_eq(
	    sp_engine_request(&body, &status, e, "GET", "/version", NULL), 0);
	ck_assert_int_eq(status, 200);
	ck_assert_ptr_nonnull(strstr(body.ptr, "\"ApiVersion\""));
	ck_assert_int_eq(sp_engine_request(&body, &status, e, "GET",
	                                   "/containers/nope-x/json", NULL),
	                 0);
	ck_assert_int_eq(status, 404);
	/* nothing is that old: prunes nothing other tests may want */
	ck_assert_msg(sp_engine_build_prune(&reclaimed, e, "876000h") == 0,
	              "%s", sp_error_last());
	ck_assert_int_ge(reclaimed, 0);
	sp_buf_dispose(&body);
	sp_buf_dispose(&want);
	sp_engine_free(e);
}
END_TEST

START_TEST(test_container_lifecycle)
{
	const char *cmd[] = {"httpd", "-f", "-p", "8080", "-h", "/tmp", NULL};
	const char *env[] = {"GREETING=hello world", NULL};
	char name[96], filter[160];
	const char *labels[] = {run_label, filter, NULL};
	sp_container_spec spec;
	sp_container_info info;
	sp_container_list list;
	sp_buf answer = SP_BUF_INIT;
	sp_engine *e = live_engine();
	char *id = NULL, *id2 = NULL;
	int port = free_port(), tries;

	live_name(name, sizeof(name), "web");
	snprintf(filter, sizeof(filter), "spacehook.space=%s", name);
	memset(&spec, 0, sizeof(spec));
	spec.image = BASE_IMAGE;
	spec.cmd = cmd;
	spec.env = env;
	spec.labels = labels;
	spec.user = "1000";
	spec.container_port = 8080;
	spec.host_ip = "127.0.0.1";
	spec.host_port = port;
	spec.cpus = 0.5;
	spec.memory = 64LL * 1024 * 1024;
	spec.pids_limit = 64;
	spec.no_new_privileges = 1;
	spec.cap_drop_all = 1;
	ck_assert_msg(sp_engine_container_create(&id, e, name, &spec) == 0,
	              "create: %s", sp_error_last());
	ck_assert_int_eq(sp_engine_container_create(&id2, e, name, &spec),
	                 SP_EEXISTS);
	ck_assert_msg(strstr(sp_error_last(), "already in use"), "%s",
	              sp_error_last());
	ck_assert_ptr_null(id2);

	ck_assert_msg(sp_engine_container_start(e, id) == 0, "start: %s",
	              sp_error_last());
	ck_assert_int_eq(sp_engine_container_start(e, id),
	                 0); /* already running */
	for (tries = 0; tries < 50 && http_get(&answer, port) < 0; tries++)
		sleep_ms(200);
	ck_assert_msg(!strncmp(answer.ptr, "HTTP/1.", 7),
	              "no HTTP answer on port %d: '%s'", port, answer.ptr);

	ck_assert_int_eq(sp_engine_container_inspect(&info, e, name), 0);
	ck_assert_str_eq(info.id, id);
	ck_assert_str_eq(info.name, name);
	ck_assert_str_eq(info.image, BASE_IMAGE);
	ck_assert_int_eq(strncmp(info.image_id, "sha256:", 7), 0);
	ck_assert_int_eq(info.running, 1);
	ck_assert_str_eq(info.status, "running");
	ck_assert_int_gt(info.pid, 0);
	ck_assert_int_eq(info.container_port, 8080);
	ck_assert_int_eq(info.host_port, port);
	ck_assert_str_eq(info.host_ip, "127.0.0.1");
	ck_assert_str_eq(info.user, "1000");
	ck_assert_int_eq(info.tty, 0);
	ck_assert_str_eq(sp_engine_labels_get(&info.labels, "spacehook.space"),
	                 name);
	ck_assert_int_eq(info.memory, 64LL * 1024 * 1024);
	ck_assert_int_eq(info.nano_cpus, 500000000LL);
	ck_assert_int_eq(info.pids_limit, 64);
	ck_assert_int_eq(info.no_new_privileges, 1);
	ck_assert_int_eq(info.cap_drop_all, 1);
	ck_assert_int_eq(info.privileged, 0);
	sp_container_info_dispose(&info);

	ck_assert_int_eq(sp_engine_container_list(&list, e, filter), 0);
	ck_assert_uint_eq(list.count, 1);
	ck_assert_str_eq(list.items[0].id, id);
	ck_assert_str_eq(list.items[0].name, name);
	ck_assert_str_eq(list.items[0].state, "running");
	ck_assert_str_eq(
	    sp_engine_labels_get(&list.items[0].labels, "spacehook.space"),
	    name);
	sp_container_list_dispose(&list);
	ck_assert_int_eq(sp_engine_container_list(
	                     &list, e, "spacehook.space=no-such-space-x"),
	                 0);
	ck_assert_uint_eq(list.count, 0);
	sp_container_list_dispose(&list);

	ck_assert_msg(sp_engine_container_restart(e, id, 1) == 0, "%s",
	              sp_error_last());
	ck_assert_msg(sp_engine_container_stop(e, id, 2) == 0, "stop: %s",
	              sp_error_last());
	ck_assert_int_eq(sp_engine_container_stop(e, id, 2),
	                 0); /* already stopped */
	ck_assert_int_eq(sp_engine_container_inspect(&info, e, id), 0);
	ck_assert_int_eq(info.running, 0);
	ck_assert_str_eq(info.status, "exited");
	ck_assert_int_eq(info.host_port, port); /* the requested binding */
	ck_assert_int_eq(strncmp(info.finished_at, "20", 2), 0);
	sp_container_info_dispose(&info);
	ck_assert_int_eq(sp_engine_container_kill(e, id, NULL), SP_EENGINE);

	ck_assert_msg(sp_engine_container_remove(e, id, 0) == 0, "remove: %s",
	              sp_error_last());
	ck_assert_int_eq(sp_engine_container_remove(e, id, 1), SP_ENOTFOUND);
	ck_assert_int_eq(sp_engine_container_inspect(&info, e, id),
	                 SP_ENOTFOUND);
	ck_assert_msg(strstr(sp_error_last(), "No such container"), "%s",
	              sp_error_last());
	ck_assert_int_eq(sp_engine_container_list(&list, e, filter), 0);
	ck_assert_uint_eq(list.count, 0);
	sp_container_list_dispose(&list);
	free(id);
	sp_buf_dispose(&answer);
	sp_engine_free(e);
}
END_TEST

typedef struct {
	sp_buf out[3];
	const char *stop_on; /* stop (returning 5) once stdout holds this */
} sink;

static int sink_cb(int stream, const char *data, size_t len, void *payload)
{
	sink *s = payload;

	sp_buf_put(&s->out[stream], data, len);
	return s->stop_on && strstr(s->out[1].ptr, s->stop_on) ? 5 : 0;
}

/* Create and start a container running `script` under sh; its id. */
static char *run_sh(sp_engine *e, const char *what, const char *script,
                    const char *volume)
{
	const char *cmd[] = {"sh", "-c", script, NULL};
	const char *labels[] = {run_label, NULL};
	sp_container_spec spec;
	char name[96], *id = NULL;

	live_name(name, sizeof(name), what);
	memset(&spec, 0, sizeof(spec));
	spec.image = BASE_IMAGE;
	spec.cmd = cmd;
	spec.labels = labels;
	spec.volume = volume;
	spec.network_mode = "none";
	ck_assert_msg(sp_engine_container_create(&id, e, name, &spec) == 0,
	              "create %s: %s", name, sp_error_last());
	ck_assert_msg(sp_engine_container_start(e, id) == 0, "start: %s",
	              sp_error_last());
	return id;
}

START_TEST(test_logs)
{
	sp_engine *e = live_engine();
	char *id = run_sh(
	    e, "logs",
	    "echo out1; echo err1 >&2; echo out2; printf tail >&2; exit 3",
	    NULL);
	sink s;
	sp_container_info info;
	int code, i;

	ck_assert_msg(sp_engine_container_wait(&code, e, id, 30) == 0, "%s",
	              sp_error_last());
	ck_assert_int_eq(code, 3);
	ck_assert_int_eq(sp_engine_container_inspect(&info, e, id), 0);
	ck_assert_int_eq(info.exit_code, 3);
	ck_assert_int_eq(info.oom_killed, 0);
	ck_assert_int_eq(info.running, 0);
	sp_container_info_dispose(&info);

	memset(&s, 0, sizeof(s));
	for (i = 0; i < 3; i++)
		sp_buf_init(&s.out[i]);
	ck_assert_msg(sp_engine_container_logs(e, id, -1, 0, 0, sink_cb, &s) ==
	                  0,
	              "%s", sp_error_last());
	ck_assert_str_eq(s.out[1].ptr, "out1\nout2\n");
	ck_assert_str_eq(s.out[2].ptr, "err1\ntail");

	for (i = 0; i < 3; i++)
		sp_buf_clear(&s.out[i]);
	ck_assert_int_eq(sp_engine_container_logs(e, id, -1, 0, 1, sink_cb, &s),
	                 0);
	ck_assert_msg(!strncmp(s.out[1].ptr, "20", 2) &&
	                  strstr(s.out[1].ptr, "Z out1\n"),
	              "timestamps: '%s'", s.out[1].ptr);

	for (i = 0; i < 3; i++)
		sp_buf_clear(&s.out[i]);
	ck_assert_int_eq(sp_engine_container_logs(e, id, 0, 0, 0, sink_cb, &s),
	                 0);
	ck_assert_str_eq(s.out[1].ptr, "");
	ck_assert_str_eq(s.out[2].ptr, "");

	ck_assert_int_eq(sp_engine_container_remove(e, id, 1), 0);
	free(id);

	/* follow: stops from the callback, while the container still runs */
	id = run_sh(e, "follow", "echo a; sleep 1; echo b; sleep 60", NULL);
	for (i = 0; i < 3; i++)
		sp_buf_clear(&s.out[i]);
	s.stop_on = "b\n";
	ck_assert_int_eq(sp_engine_container_logs(e, id, -1, 1, 0, sink_cb, &s),
	                 5);
	ck_assert_str_eq(s.out[1].ptr, "a\nb\n");
	ck_assert_int_eq(sp_engine_container_inspect(&info, e, id), 0);
	ck_assert_int_eq(info.running, 1);
	sp_container_info_dispose(&info);
	ck_assert_int_eq(sp_engine_container_wait(&code, e, id, 1),
	                 SP_ETIMEOUT);
	ck_assert_int_eq(sp_engine_container_kill(e, id, "SIGKILL"), 0);
	ck_assert_int_eq(sp_engine_container_wait(&code, e, id, 30), 0);
	ck_assert_int_eq(code, 137);
	ck_assert_int_eq(sp_engine_container_remove(e, id, 1), 0);
	free(id);
	for (i = 0; i < 3; i++)
		sp_buf_dispose(&s.out[i]);
	ck_assert_int_eq(sp_engine_container_logs(e, "sp-live-engine-none", -1,
	                                          0, 0, sink_cb, &s),
	                 SP_ENOTFOUND);
	sp_engine_free(e);
}
END_TEST

START_TEST(test_images)
{
	sp_engine *e = live_engine();
	char *id = run_sh(e, "commit", "echo made > /tmp/made", NULL);
	char repo[96], tagged[128], path[512], filter[96];
	const char *body_fmt =
	    "{\"Labels\":{\"spacehook.live-engine\":\"%ld\",\"k\":\"v\"},"
	    "\"Cmd\":[\"sh\"]}";
	char body[256];
	sp_buf answer = SP_BUF_INIT;
	sp_image_info info;
	sp_image_list list;
	long status = 0;
	int code;
	size_t i;

	ck_assert_int_eq(sp_engine_container_wait(&code, e, id, 30), 0);
	live_name(repo, sizeof(repo), "img");
	snprintf(path, sizeof(path), "/commit?container=%s&repo=%s&tag=one", id,
	         repo);
	snprintf(body, sizeof(body), body_fmt, run_id);
	ck_assert_int_eq(
	    sp_engine_request(&answer, &status, e, "POST", path, body), 0);
	ck_assert_msg(status == 201, "commit: %ld %s", status, answer.ptr);
	ck_assert_int_eq(sp_engine_container_remove(e, id, 1), 0);
	free(id);

	snprintf(tagged, sizeof(tagged), "%s:one", repo);
	ck_assert_msg(sp_engine_image_inspect(&info, e, tagged) == 0, "%s",
	              sp_error_last());
	ck_assert_int_eq(strncmp(info.id, "sha256:", 7), 0);
	ck_assert_str_eq(sp_engine_labels_get(&info.labels, "k"), "v");
	ck_assert_uint_eq(info.tag_count, 1);
	ck_assert_str_eq(info.tags[0], tagged);
	ck_assert_uint_ge(info.history_count, 2);
	ck_assert_msg(strstr(info.history[0], "echo made > /tmp/made"),
	              "history[0] '%s'", info.history[0]);
	sp_image_info_dispose(&info);

	ck_assert_int_eq(sp_engine_image_tag(e, tagged, repo, "two"), 0);
	snprintf(filter, sizeof(filter), "%s=%ld", RUN_LABEL, run_id);
	ck_assert_int_eq(sp_engine_image_list(&list, e, filter), 0);
	ck_assert_uint_eq(list.count, 1);
	ck_assert_uint_eq(list.items[0].tag_count, 2);
	ck_assert_str_eq(sp_engine_labels_get(&list.items[0].labels, "k"), "v");
	sp_image_list_dispose(&list);
	ck_assert_int_eq(sp_engine_image_list(&list, e, NULL), 0);
	ck_assert_uint_ge(list.count, 2);
	for (i = 0; i < list.count; i++)
		ck_assert_ptr_nonnull(list.items[i].id);
	sp_image_list_dispose(&list);

	ck_assert_int_eq(sp_engine_image_inspect(&info, e, BASE_IMAGE), 0);
	ck_assert_uint_ge(info.history_count, 1);
	sp_image_info_dispose(&info);

	snprintf(tagged, sizeof(tagged), "%s:two", repo);
	ck_assert_int_eq(sp_engine_image_remove(e, tagged, 0), 0);
	ck_assert_int_eq(sp_engine_image_inspect(&info, e, tagged),
	                 SP_ENOTFOUND);
	snprintf(tagged, sizeof(tagged), "%s:one", repo);
	ck_assert_int_eq(sp_engine_image_remove(e, tagged, 0), 0);
	ck_assert_int_eq(sp_engine_image_remove(e, tagged, 0), SP_ENOTFOUND);
	ck_assert_int_eq(sp_engine_image_list(&list, e, filter), 0);
	ck_assert_uint_eq(list.count, 0);
	sp_image_list_dispose(&list);
	sp_buf_dispose(&answer);
	sp_engine_free(e);
}
END_TEST

START_TEST(test_volume)
{
	sp_engine *e = live_engine();
	const char *labels[] = {run_label, NULL};
	char vol[96];
	char *id;
	sink s;
	int code, i;

	live_name(vol, sizeof(vol), "data");
	ck_assert_msg(sp_engine_volume_create(e, vol, labels) == 0, "%s",
	              sp_error_last());
	ck_assert_int_eq(sp_engine_volume_create(e, vol, labels),
	                 0); /* idempotent */
	id = run_sh(e, "vol-w", "echo kept > /data/f", vol);
	ck_assert_int_eq(sp_engine_container_wait(&code, e, id, 30), 0);
	ck_assert_int_eq(code, 0);
	ck_assert_int_eq(sp_engine_volume_remove(e, vol, 0),
	                 SP_EENGINE); /* in use */
	ck_assert_int_eq(sp_engine_container_remove(e, id, 1), 0);
	free(id);
	id = run_sh(e, "vol-r", "cat /data/f", vol);
	ck_assert_int_eq(sp_engine_container_wait(&code, e, id, 30), 0);
	memset(&s, 0, sizeof(s));
	for (i = 0; i < 3; i++)
		sp_buf_init(&s.out[i]);
	ck_assert_int_eq(sp_engine_container_logs(e, id, -1, 0, 0, sink_cb, &s),
	                 0);
	ck_assert_str_eq(s.out[1].ptr, "kept\n");
	for (i = 0; i < 3; i++)
		sp_buf_dispose(&s.out[i]);
	ck_assert_int_eq(sp_engine_container_remove(e, id, 1), 0);
	free(id);
	ck_assert_int_eq(sp_engine_volume_remove(e, vol, 0), 0);
	ck_assert_int_eq(sp_engine_volume_remove(e, vol, 0), SP_ENOTFOUND);
	sp_engine_free(e);
}
END_TEST

START_TEST(test_engine_errors)
{
	sp_engine *e = live_engine();
	sp_container_spec spec;
	char name[96], *id = NULL;

	memset(&spec, 0, sizeof(spec));
	spec.image = "spacehook-no-such-image:none";
	live_name(name, sizeof(name), "noimage");
	ck_assert_int_eq(sp_engine_container_create(&id, e, name, &spec),
	                 SP_ENOTFOUND);
	ck_assert_msg(strstr(sp_error_last(), "No such image"), "%s",
	              sp_error_last());
	spec.image = BASE_IMAGE;
	spec.memory = 1024; /* below the engine's minimum */
	ck_assert_int_eq(sp_engine_container_create(&id, e, name, &spec),
	                 SP_EENGINE);
	ck_assert_msg(strstr(sp_error_last(), "emory"), "%s", sp_error_last());
	ck_assert_int_eq(sp_engine_container_stop(e, "sp-live-engine-none", 1),
	                 SP_ENOTFOUND);
	ck_assert_int_eq(
	    sp_engine_image_remove(e, "spacehook-no-such-image:none", 1),
	    SP_ENOTFOUND);
	sp_engine_free(e);
}
END_TEST

/* Remove what this run made, whatever failed. */
static void cleanup(void)
{
	sp_engine *e = NULL;
	sp_container_list cl;
	sp_image_list il;
	char vol[96];
	size_t i;

	if (sp_engine_new(&e, getenv("DOCKER_HOST")) < 0)
		return;
	if (sp_engine_container_list(&cl, e, run_label) == 0) {
		for (i = 0; i < cl.count; i++)
			sp_engine_container_remove(e, cl.items[i].id, 1);
		sp_container_list_dispose(&cl);
	}
	if (sp_engine_image_list(&il, e, run_label) == 0) {
		for (i = 0; i < il.count; i++)
			sp_engine_image_remove(e, il.items[i].id, 1);
		sp_image_list_dispose(&il);
	}
	snprintf(vol, sizeof(vol), "sp-live-engine-%ld-data", run_id);
	sp_engine_volume_remove(e, vol, 1);
	sp_engine_free(e);
}

int main(void)
{
	Suite *s = suite_create("live_engine");
	TCase *tc;
	SRunner *sr;
	int failed;

	run_id = (long)getpid();
	snprintf(run_label, sizeof(run_label), "%s=%ld", RUN_LABEL, run_id);

	tc = tcase_create("engine");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_version);
	tcase_add_test(tc, test_engine_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("containers");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_container_lifecycle);
	tcase_add_test(tc, test_logs);
	tcase_add_test(tc, test_volume);
	suite_add_tcase(s, tc);

	tc = tcase_create("images");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_images);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	cleanup();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
