/* Tests of the engine client against a mock Docker engine on a unix socket
 * served from a thread. */
#include <check.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "engine.h"
#include "error.h"

#include "mockengine.h"
#include "testlib.h"

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --- version negotiation --- */

static const struct {
	const char *ping_head;
	const char *version_body;
	const char *want; /* negotiated version, or NULL for a failure */
	int code;
} negotiate_cases[] = {
    {"HTTP/1.1 200 OK\r\nApi-Version: 1.40\r\n", NULL, "1.40", 0},
    {"HTTP/1.1 200 OK\r\napi-version:1.45\r\n", NULL, "1.41", 0},
    {"HTTP/1.1 200 OK\r\nAPI-Version: 1.41\r\n", NULL, "1.41", 0},
    {"HTTP/1.1 200 OK\r\nApi-Version:\t 1.39  \r\n", NULL, "1.39", 0},
    {"HTTP/1.1 200 OK\r\nServer: x\r\nApi-Version: 1.39\r\n", NULL, "1.39", 0},
    {"HTTP/1.1 200 OK\r\n",
     "{\"ApiVersion\":\"1.38\",\"MinAPIVersion\":\"1.12\"}", "1.38", 0},
    {"HTTP/1.1 200 OK\r\nApi-Version: 1.12\r\n", NULL, NULL, SP_EENGINE},
    {"HTTP/1.1 200 OK\r\n", "not json", NULL, SP_EENGINE},
    {"HTTP/1.1 200 OK\r\nApi-Version: 1.x\r\n", NULL, NULL, SP_EENGINE},
    {"HTTP/1.1 500 Internal Server Error\r\n", NULL, NULL, SP_EUNREACHABLE},
};

START_TEST(test_negotiate)
{
	mock m;
	mock_reply replies[4];
	sp_engine *e = NULL;
	sp_buf host = SP_BUF_INIT, want = SP_BUF_INIT;
	sp_container_info info;
	int error;

	memset(replies, 0, sizeof(replies));
	replies[0] = (mock_reply){
	    "/_ping", negotiate_cases[_i].ping_head, "OK", 0, REPLY_NORMAL, 0};
	replies[1] = (mock_reply){"GET /version",
	                          NULL,
	                          negotiate_cases[_i].version_body
	                              ? negotiate_cases[_i].version_body
	                              : "{}",
	                          0,
	                          REPLY_NORMAL,
	                          0};
	replies[2] = (mock_reply){
	    "/containers/abc/json",
	    NULL,
	    "{\"Id\":\"abc\",\"Name\":\"/abc\",\"State\":{\"Running\":true}}",
	    0,
	    REPLY_NORMAL,
	    0};
	mock_start(&m, replies);
	sp_buf_printf(&host, "unix://%s", m.path);
	error = sp_engine_new(&e, host.ptr);
	if (!negotiate_cases[_i].want) {
		ck_assert_int_eq(error, negotiate_cases[_i].code);
		ck_assert_ptr_null(e);
		ck_assert_ptr_nonnull(strstr(sp_error_last(), m.path));
	} else {
		ck_assert_msg(error == 0, "%s", sp_error_last());
		ck_assert_str_eq(sp_engine_version(e),
		                 negotiate_cases[_i].want);
		ck_assert_int_eq(sp_engine_container_inspect(&info, e, "abc"),
		                 0);
		ck_assert_int_eq(info.running, 1);
		ck_assert_str_eq(info.name, "abc");
		sp_container_info_dispose(&info);
		sp_buf_printf(&want, "GET /v%s/containers/abc/json HTTP/1.1",
		              negotiate_cases[_i].want);
		ck_assert_msg(mock_saw(&m, want.ptr), "requests: %s",
		              m.log.ptr);
	}
	sp_engine_free(e);
	mock_stop(&m);
	sp_buf_dispose(&host);
	sp_buf_dispose(&want);
}
END_TEST

/* --- engine errors and bad answers --- */

typedef enum { OP_INSPECT, OP_CREATE, OP_REMOVE, OP_LIST, OP_START } op_kind;

static const struct {
	op_kind op;
	mock_reply reply;
	int code;
	const char *message; /* expected in sp_error_last() */
} error_cases[] = {
    {OP_INSPECT,
     {"/containers/abc/json",
      "HTTP/1.1 500 Internal Server Error\r\nContent-Type: "
      "application/json\r\n",
      "{\"message\":\"boom from the engine\"}", 0, REPLY_NORMAL, 0},
     SP_EENGINE,
     "inspect container 'abc': boom from the engine"},
    {OP_INSPECT,
     {"/containers/abc/json",
      "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n",
      "{\"message\":\"No such container: abc\"}", 0, REPLY_NORMAL, 0},
     SP_ENOTFOUND,
     "No such container: abc"},
    {OP_INSPECT,
     {"/containers/abc/json", NULL, "{\"Id\":\"abc\",\"Name\":", 0,
      REPLY_NORMAL, 0},
     SP_EENGINE,
     "not JSON"},
    {OP_INSPECT,
     {"/containers/abc/json", NULL, "<html>hello</html>", 0, REPLY_NORMAL, 0},
     SP_EENGINE,
     "not JSON"},
    {OP_INSPECT,
     {"/containers/abc/json", NULL, "", 0, REPLY_NORMAL, 0},
     SP_EENGINE,
     "not JSON"},
    {OP_INSPECT,
     {"/containers/abc/json", NULL, "[1,2]", 0, REPLY_NORMAL, 0},
     SP_EENGINE,
     "no Id"},
    {OP_INSPECT,
     {"/containers/abc/json",
      "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\n",
      "upstream\r\nfailed", 0, REPLY_NORMAL, 0},
     SP_EENGINE,
     "inspect container 'abc': upstream  failed"},
    {OP_INSPECT,
     {"/containers/abc/json", "HTTP/1.1 503 Service Unavailable\r\n", "", 0,
      REPLY_NORMAL, 0},
     SP_EENGINE,
     "HTTP 503"},
    {OP_INSPECT,
     {"/containers/abc/json", NULL, "{\"Id\":\"abc\"", 0, REPLY_CUT, 0},
     SP_EENGINE,
     "bad answer"},
    {OP_INSPECT,
     {"/containers/abc/json", NULL, NULL, 0, REPLY_BIG, 0},
     SP_ETOOBIG,
     "larger than"},
    {OP_CREATE,
     {"/containers/create",
      "HTTP/1.1 409 Conflict\r\nContent-Type: application/json\r\n",
      "{\"message\":\"Conflict. The container name \\\"/web\\\" is already in "
      "use\"}",
      0, REPLY_NORMAL, 0},
     SP_EEXISTS,
     "create container 'web': Conflict. The container name \"/web\""},
    {OP_CREATE,
     {"/containers/create",
      "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n",
      "{\"Warnings\":[]}", 0, REPLY_NORMAL, 0},
     SP_EENGINE,
     "no container id"},
    {OP_REMOVE,
     {"DELETE /v1.40/containers/abc",
      "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n",
      "{\"message\":\"No such container: abc\"}", 0, REPLY_NORMAL, 0},
     SP_ENOTFOUND,
     "remove container 'abc': No such container: abc"},
    {OP_START,
     {"/containers/abc/start",
      "HTTP/1.1 409 Conflict\r\nContent-Type: application/json\r\n",
      "{\"message\":\"container is marked for removal\"}", 0, REPLY_NORMAL, 0},
     SP_EENGINE,
     "start container 'abc': container is marked for removal"},
    {OP_LIST,
     {"/containers/json", NULL, "{\"not\":\"a list\"}", 0, REPLY_NORMAL, 0},
     SP_EENGINE,
     "not a list"},
};

START_TEST(test_errors)
{
	mock m;
	mock_reply replies[2];
	sp_engine *e;
	sp_container_info info;
	sp_container_list list;
	sp_container_spec spec;
	char *id = NULL;
	int error = 0;

	memset(replies, 0, sizeof(replies));
	replies[0] = error_cases[_i].reply;
	mock_start(&m, replies);
	e = engine_for(&m);
	memset(&spec, 0, sizeof(spec));
	spec.image = "spacehook-base:busybox";
	switch (error_cases[_i].op) {
	case OP_INSPECT:
		error = sp_engine_container_inspect(&info, e, "abc");
		ck_assert_ptr_null(info.id);
		break;
	case OP_CREATE:
		error = sp_engine_container_create(&id, e, "web", &spec);
		ck_assert_ptr_null(id);
		break;
	case OP_REMOVE:
		error = sp_engine_container_remove(e, "abc", 1);
		break;
	case OP_START:
		error = sp_engine_container_start(e, "abc");
		break;
	case OP_LIST:
		error = sp_engine_container_list(&list, e, "spacehook.space=x");
		ck_assert_uint_eq(list.count, 0);
		break;
	}
	ck_assert_msg(error == error_cases[_i].code, "got %s: %s",
	              sp_error_name(error), sp_error_last());
	ck_assert_msg(strstr(sp_error_last(), error_cases[_i].message),
	              "message '%s' lacks '%s'", sp_error_last(),
	              error_cases[_i].message);
	ck_assert_ptr_null(strchr(sp_error_last(), '\n'));
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

/* --- what is sent --- */

START_TEST(test_create_body)
{
	static const mock_reply replies[] = {
	    {"/containers/create",
	     "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n",
	     "{\"Id\":\"0123abcd\",\"Warnings\":[]}", 0, REPLY_NORMAL, 0},
	    {NULL, NULL, NULL, 0, REPLY_NORMAL, 0}};
	const char *env[] = {"PORT=7860", "A=b c", NULL};
	const char *labels[] = {"spacehook.space=alice/demo", "flag", NULL};
	const char *cmd[] = {"httpd", "-f", NULL};
	sp_container_spec spec = {
	    .image = "spacehook/alice--demo:abc",
	    .cmd = cmd,
	    .env = env,
	    .labels = labels,
	    .user = "1000",
	    .container_port = 7860,
	    .host_port = 20417,
	    .cpus = 2,
	    .memory = 1LL << 30,
	    .pids_limit = 256,
	    .no_new_privileges = 1,
	    .cap_drop_all = 1,
	    .volume = "alice--demo-data",
	};
	mock m;
	sp_engine *e;
	char *id = NULL;
	const char *body;
	cJSON *json, *host;

	mock_start(&m, replies);
	e = engine_for(&m);
	ck_assert_msg(
	    sp_engine_container_create(&id, e, "alice--demo", &spec) == 0, "%s",
	    sp_error_last());
	ck_assert_str_eq(id, "0123abcd");
	ck_assert(mock_saw(
	    &m, "POST /v1.40/containers/create?name=alice--demo HTTP/1.1"));
	body = strstr(m.log.ptr, "BODY ");
	ck_assert_ptr_nonnull(body);
	json = cJSON_Parse(body + 5);
	ck_assert_ptr_nonnull(json);
	host = cJSON_GetObjectItem(json, "HostConfig");
	ck_assert_str_eq(cJSON_GetObjectItem(json, "Image")->valuestring,
	                 spec.image);
	ck_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(json, "Cmd"), 0)
	                     ->valuestring,
	                 "httpd");
	ck_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(json, "Env"), 1)
	                     ->valuestring,
	                 "A=b c");
	ck_assert_str_eq(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(json, "Labels"),
	                        "spacehook.space")
	        ->valuestring,
	    "alice/demo");
	ck_assert_str_eq(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(json, "Labels"), "flag")
	        ->valuestring,
	    "");
	ck_assert_str_eq(cJSON_GetObjectItem(json, "User")->valuestring,
	                 "1000");
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(host, "Privileged")));
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(host, "Binds")),
	                 0);
	ck_assert(cJSON_GetObjectItem(host, "NanoCpus")->valuedouble == 2e9);
	ck_assert(cJSON_GetObjectItem(host, "Memory")->valuedouble ==
	          (double)(1LL << 30));
	ck_assert(cJSON_GetObjectItem(host, "PidsLimit")->valuedouble == 256);
	ck_assert_str_eq(
	    cJSON_GetArrayItem(cJSON_GetObjectItem(host, "SecurityOpt"), 0)
	        ->valuestring,
	    "no-new-privileges");
	ck_assert_str_eq(
	    cJSON_GetArrayItem(cJSON_GetObjectItem(host, "CapDrop"), 0)
	        ->valuestring,
	    "ALL");
	ck_assert_str_eq(
	    cJSON_GetObjectItem(
	        cJSON_GetArrayItem(
	            cJSON_GetObjectItem(
	                cJSON_GetObjectItem(host, "PortBindings"), "7860/tcp"),
	            0),
	        "HostPort")
	        ->valuestring,
	    "20417");
	ck_assert_str_eq(
	    cJSON_GetObjectItem(
	        cJSON_GetArrayItem(
	            cJSON_GetObjectItem(
	                cJSON_GetObjectItem(host, "PortBindings"), "7860/tcp"),
	            0),
	        "HostIp")
	        ->valuestring,
	    "127.0.0.1");
	ck_assert_str_eq(
	    cJSON_GetObjectItem(
	        cJSON_GetArrayItem(cJSON_GetObjectItem(host, "Mounts"), 0),
	        "Target")
	        ->valuestring,
	    "/data");
	ck_assert_str_eq(
	    cJSON_GetObjectItem(
	        cJSON_GetArrayItem(cJSON_GetObjectItem(host, "Mounts"), 0),
	        "Type")
	        ->valuestring,
	    "volume");
	ck_assert_ptr_nonnull(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(json, "ExposedPorts"), "7860/tcp"));
	cJSON_Delete(json);
	free(id);
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

START_TEST(test_filters_escaped)
{
	static const mock_reply replies[] = {
	    {"/containers/json", NULL,
	     "[{\"Id\":\"c1\",\"Names\":[\"/"
	     "web\"],\"Image\":\"img\",\"State\":\"running\","
	     "\"Labels\":{\"spacehook.space\":\"a/b\"}},{\"bogus\":1},"
	     "{\"Id\":\"c2\",\"Names\":null,\"Labels\":null}]",
	     0, REPLY_NORMAL, 0},
	    {NULL, NULL, NULL, 0, REPLY_NORMAL, 0}};
	mock m;
	sp_engine *e;
	sp_container_list list;

	mock_start(&m, replies);
	e = engine_for(&m);
	ck_assert_int_eq(
	    sp_engine_container_list(&list, e, "spacehook.space=a/b"), 0);
	ck_assert_uint_eq(list.count, 2);
	ck_assert_str_eq(list.items[0].name, "web");
	ck_assert_str_eq(list.items[0].state, "running");
	ck_assert_str_eq(
	    sp_engine_labels_get(&list.items[0].labels, "spacehook.space"),
	    "a/b");
	ck_assert_ptr_null(
	    sp_engine_labels_get(&list.items[0].labels, "other"));
	ck_assert_str_eq(list.items[1].name, "");
	ck_assert_uint_eq(list.items[1].labels.count, 0);
	sp_container_list_dispose(&list);
	ck_assert_msg(
	    mock_saw(
	        &m, "GET /v1.40/containers/json?all=1&filters="
	            "%7B%22label%22%3A%5B%22spacehook.space%3Da%2Fb%22%5D%7D "),
	    "requests: %s", m.log.ptr);
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

static const char *bad_names[] = {
    "", "../etc", "a b", "a?b", "/abs", "x/../y", "a%2e", "trailing/", "a\nb",
};

START_TEST(test_bad_names)
{
	mock m;
	sp_engine *e;
	sp_container_info info;

	mock_start(&m, NULL);
	e = engine_for(&m);
	ck_assert_int_eq(sp_engine_container_inspect(&info, e, bad_names[_i]),
	                 SP_EINVALID);
	ck_assert_int_eq(sp_engine_container_remove(e, bad_names[_i], 1),
	                 SP_EINVALID);
	ck_assert_int_eq(sp_engine_image_remove(e, bad_names[_i], 0),
	                 SP_EINVALID);
	ck_assert_msg(!mock_saw(&m, "containers") && !mock_saw(&m, "images"),
	              "sent: %s", m.log.ptr);
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

/* --- the typed update call --- */

static const struct {
	const char *policy;
	const char *head; /* the engine's answer; NULL: 200 */
	const char *body;
	int code;
	const char *want; /* the request body sent, or the error's words */
} update_cases[] = {
    {"unless-stopped", NULL, "{\"Warnings\":null}", 0,
     "BODY {\"RestartPolicy\":{\"Name\":\"unless-stopped\"}}"},
    {"no", NULL, "{}", 0, "BODY {\"RestartPolicy\":{\"Name\":\"no\"}}"},
    {"always", "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n",
     "{\"message\":\"No such container: abc\"}", SP_ENOTFOUND,
     "No such container: abc"},
    {"on-failure",
     "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n",
     "{\"message\":\"Restart policy cannot be updated\"}", SP_EENGINE,
     "update container 'abc': Restart policy cannot be updated"},
    {"sometimes", NULL, "{}", SP_EINVALID, "unknown restart policy"},
    {NULL, NULL, "{}", SP_EINVALID, "nothing to change"},
};

START_TEST(test_update)
{
	mock_reply replies[2];
	sp_container_update update = {update_cases[_i].policy};
	mock m;
	sp_engine *e;
	int error;

	memset(replies, 0, sizeof(replies));
	replies[0] = (mock_reply){"/containers/abc/update",
	                          update_cases[_i].head,
	                          update_cases[_i].body,
	                          0,
	                          REPLY_NORMAL,
	                          0};
	mock_start(&m, replies);
	e = engine_for(&m);
	error = sp_engine_container_update(e, "abc", &update);
	ck_assert_msg(error == update_cases[_i].code, "%d: %s", error,
	              sp_error_last());
	if (error == 0) {
		ck_assert_msg(
		    mock_saw(&m, "POST /v1.40/containers/abc/update HTTP/1.1"),
		    "requests: %s", m.log.ptr);
		ck_assert_msg(mock_saw(&m, update_cases[_i].want),
		              "requests: %s", m.log.ptr);
	} else {
		ck_assert_msg(strstr(sp_error_last(), update_cases[_i].want),
		              "%s", sp_error_last());
	}
	if (error == SP_EINVALID)
		ck_assert_msg(!mock_saw(&m, "/update"),
		              "sent before refusing: %s", m.log.ptr);
	ck_assert_int_eq(sp_engine_container_update(e, "a b", &update),
	                 SP_EINVALID);
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

/* --- unreachable engines and timeouts --- */

START_TEST(test_unreachable)
{
	char dir[] = "/tmp/sp-engine-gone-XXXXXX";
	sp_buf host = SP_BUF_INIT, path = SP_BUF_INIT, want = SP_BUF_INIT;
	sp_engine *e = NULL;
	struct sockaddr_un sun;
	double t0;
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	sp_buf_printf(&path, "%s/docker.sock", dir);
	sp_buf_printf(&host, "unix://%s", path.ptr);
	sp_buf_printf(&want, "Docker engine unreachable at %s: ", path.ptr);

	/* no socket file at all */
	t0 = now_seconds();
	ck_assert_int_eq(sp_engine_new(&e, host.ptr), SP_EUNREACHABLE);
	ck_assert_ptr_null(e);
	ck_assert_double_lt(now_seconds() - t0, 3.5);
	ck_assert_msg(strstr(sp_error_last(), want.ptr), "%s", sp_error_last());

	/* a socket file nobody listens on */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path.ptr);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	t0 = now_seconds();
	ck_assert_int_eq(sp_engine_new(&e, path.ptr), SP_EUNREACHABLE);
	ck_assert_double_lt(now_seconds() - t0, 3.5);
	ck_assert_msg(strstr(sp_error_last(), want.ptr), "%s", sp_error_last());
	ck_assert_msg(strstr(sp_error_last(), "refused"), "%s",
	              sp_error_last());
	unlink(path.ptr);
	rmdir(dir);

	/* schemes this client does not speak */
	ck_assert_int_eq(sp_engine_new(&e, "tcp://127.0.0.1:2375"),
	                 SP_EINVALID);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), "tcp://127.0.0.1:2375"));
	ck_assert_int_eq(sp_engine_new(&e, "ssh://host"), SP_EINVALID);
	ck_assert_int_eq(sp_engine_new(&e, "relative/docker.sock"),
	                 SP_EINVALID);
	ck_assert_int_eq(sp_engine_new(&e, "unix://relative"), SP_EINVALID);
	sp_buf_dispose(&host);
	sp_buf_dispose(&path);
	sp_buf_dispose(&want);
}
END_TEST

START_TEST(test_timeout)
{
	static const mock_reply replies[] = {
	    {"/containers/abc/json", NULL, NULL, 0, REPLY_HANG, 0},
	    {NULL, NULL, NULL, 0, REPLY_NORMAL, 0}};
	mock m;
	sp_engine *e;
	sp_container_info info;
	double t0, took;

	mock_start(&m, replies);
	e = engine_for(&m);
	sp_engine_set_timeout(e, 1);
	t0 = now_seconds();
	ck_assert_int_eq(sp_engine_container_inspect(&info, e, "abc"),
	                 SP_ETIMEOUT);
	took = now_seconds() - t0;
	ck_assert_double_ge(took, 0.9);
	ck_assert_double_lt(took, 3.0);
	ck_assert_msg(strstr(sp_error_last(),
	                     "did not answer GET /v1.40/containers/abc/json"),
	              "%s", sp_error_last());
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

START_TEST(test_request)
{
	static const mock_reply replies[] = {
	    {"/info", NULL, "{\"Name\":\"mock\"}", 0, REPLY_NORMAL, 0},
	    {NULL, NULL, NULL, 0, REPLY_NORMAL, 0}};
	mock m;
	sp_engine *e;
	sp_buf out = SP_BUF_INIT;
	long status = 0;

	mock_start(&m, replies);
	e = engine_for(&m);
	ck_assert_int_eq(
	    sp_engine_request(&out, &status, e, "GET", "/info", NULL), 0);
	ck_assert_int_eq(status, 200);
	ck_assert_str_eq(out.ptr, "{\"Name\":\"mock\"}");
	ck_assert_int_eq(
	    sp_engine_request(&out, &status, e, "POST", "/nothing", "{}"), 0);
	ck_assert_int_eq(status, 404);
	ck_assert(mock_saw(&m, "POST /v1.40/nothing HTTP/1.1"));
	ck_assert(mock_saw(&m, "BODY {}"));
	ck_assert_int_eq(
	    sp_engine_request(&out, &status, e, "GET", "no-slash", NULL),
	    SP_EINVALID);
	ck_assert_int_eq(
	    sp_engine_request(&out, &status, e, "GET", "/a b", NULL),
	    SP_EINVALID);
	ck_assert_int_eq(
	    sp_engine_request(&out, &status, e, "TRACE", "/x", NULL),
	    SP_EINVALID);
	sp_buf_dispose(&out);
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

/* --- logs --- */

typedef struct {
	sp_buf out[3];
	int calls;
	int stop_after; /* return 7 on this call; 0 = never */
} log_sink;

static int sink_cb(int stream, const char *data, size_t len, void *payload)
{
	log_sink *s = payload;

	ck_assert(stream >= 0 && stream <= 2);
	sp_buf_put(&s->out[stream], data, len);
	if (len)
		s->calls++;
	return s->stop_after && s->calls >= s->stop_after ? 7 : 0;
}

static void frame(sp_buf *b, int stream, const char *data, size_t len)
{
	unsigned char h[8] = {(unsigned char)stream,
	                      0,
	                      0,
	                      0,
	                      (unsigned char)(len >> 24),
	                      (unsigned char)(len >> 16),
	                      (unsigned char)(len >> 8),
	                      (unsigned char)len};

	sp_buf_put(b, h, 8);
	sp_buf_put(b, data, len);
}

static const size_t chunk_sizes[] = {1, 3, 7, 8, 9, 13, 4096};

START_TEST(test_logs_multiplexed)
{
	sp_buf stream = SP_BUF_INIT, want_out = SP_BUF_INIT,
	       want_err = SP_BUF_INIT;
	mock_reply replies[3];
	char big[300];
	log_sink sink;
	mock m;
	sp_engine *e;
	size_t i;

	for (i = 0; i < sizeof(big); i++)
		big[i] =
		    (char)(i & 0xff); /* NULs and header-like bytes included */
	frame(&stream, 1, "hello\n", 6);
	frame(&stream, 2, "oops\n", 5);
	frame(&stream, 1, big, sizeof(big));
	frame(&stream, 1, "", 0);
	frame(&stream, 2, "end", 3);
	sp_buf_puts(&want_out, "hello\n");
	sp_buf_put(&want_out, big, sizeof(big));
	sp_buf_puts(&want_err, "oops\nend");

	memset(replies, 0, sizeof(replies));
	replies[0] = (mock_reply){"/containers/abc/json",
	                          NULL,
	                          "{\"Id\":\"abc\",\"Config\":{\"Tty\":false}}",
	                          0,
	                          REPLY_NORMAL,
	                          0};
	replies[1] = (mock_reply){
	    "/containers/abc/logs", NULL,           stream.ptr, stream.size,
	    REPLY_CHUNKED,          chunk_sizes[_i]};
	mock_start(&m, replies);
	e = engine_for(&m);
	memset(&sink, 0, sizeof(sink));
	for (i = 0; i < 3; i++)
		sp_buf_init(&sink.out[i]);
	ck_assert_msg(
	    sp_engine_container_logs(e, "abc", -1, 0, 0, sink_cb, &sink) == 0,
	    "%s", sp_error_last());
	ck_assert_uint_eq(sink.out[1].size, want_out.size);
	ck_assert(!memcmp(sink.out[1].ptr, want_out.ptr, want_out.size));
	ck_assert_uint_eq(sink.out[2].size, want_err.size);
	ck_assert(!memcmp(sink.out[2].ptr, want_err.ptr, want_err.size));
	ck_assert(mock_saw(&m, "/logs?stdout=1&stderr=1&tail=all "));
	for (i = 0; i < 3; i++)
		sp_buf_dispose(&sink.out[i]);
	sp_engine_free(e);
	mock_stop(&m);
	sp_buf_dispose(&stream);
	sp_buf_dispose(&want_out);
	sp_buf_dispose(&want_err);
}
END_TEST

START_TEST(test_logs_tty_raw)
{
	static const char raw[] =
	    "\x01\x00\x00\x00\x00\x00\x00\x05plain tty text\n";
	mock_reply replies[3];
	log_sink sink;
	mock m;
	sp_engine *e;
	int i;

	memset(replies, 0, sizeof(replies));
	replies[0] = (mock_reply){"/containers/abc/json",
	                          NULL,
	                          "{\"Id\":\"abc\",\"Config\":{\"Tty\":true}}",
	                          0,
	                          REPLY_NORMAL,
	                          0};
	replies[1] = (mock_reply){"/containers/abc/logs", NULL,          raw,
	                          sizeof(raw) - 1,        REPLY_CHUNKED, 5};
	mock_start(&m, replies);
	e = engine_for(&m);
	memset(&sink, 0, sizeof(sink));
	for (i = 0; i < 3; i++)
		sp_buf_init(&sink.out[i]);
	ck_assert_int_eq(
	    sp_engine_container_logs(e, "abc", 10, 1, 1, sink_cb, &sink), 0);
	ck_assert_uint_eq(sink.out[1].size, sizeof(raw) - 1);
	ck_assert(!memcmp(sink.out[1].ptr, raw, sizeof(raw) - 1));
	ck_assert_uint_eq(sink.out[2].size, 0);
	ck_assert(mock_saw(
	    &m, "/logs?stdout=1&stderr=1&follow=1&timestamps=1&tail=10 "));
	for (i = 0; i < 3; i++)
		sp_buf_dispose(&sink.out[i]);
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

/* Malformed streams, and a callback that stops. */
static const struct {
	const char *body;
	size_t len;
	int stop_after;
	int want;
	const char *message;
} log_error_cases[] = {
    {"\x05\x00\x00\x00\x00\x00\x00\x01x", 9, 0, SP_EENGINE, "malformed"},
    {"\x01\x00\x01\x00\x00\x00\x00\x01x", 9, 0, SP_EENGINE, "malformed"},
    {"\x01\x00\x00\x00\x00\x00\x00\x09short", 13, 0, SP_EENGINE, "cut-short"},
    {"\x01\x00\x00", 3, 0, SP_EENGINE, "cut-short"},
    {"\x01\x00\x00\x00\x00\x00\x00\x01"
     "a"
     "\x01\x00\x00\x00\x00\x00\x00\x01"
     "b",
     18, 1, 7, NULL},
};

START_TEST(test_logs_errors)
{
	mock_reply replies[3];
	log_sink sink;
	mock m;
	sp_engine *e;
	int i, error;

	memset(replies, 0, sizeof(replies));
	replies[0] = (mock_reply){"/containers/abc/json",
	                          NULL,
	                          "{\"Id\":\"abc\",\"Config\":{\"Tty\":false}}",
	                          0,
	                          REPLY_NORMAL,
	                          0};
	replies[1] = (mock_reply){
	    "/containers/abc/logs",  NULL,          log_error_cases[_i].body,
	    log_error_cases[_i].len, REPLY_CHUNKED, 4};
	mock_start(&m, replies);
	e = engine_for(&m);
	memset(&sink, 0, sizeof(sink));
	sink.stop_after = log_error_cases[_i].stop_after;
	for (i = 0; i < 3; i++)
		sp_buf_init(&sink.out[i]);
	error = sp_engine_container_logs(e, "abc", -1, 0, 0, sink_cb, &sink);
	ck_assert_msg(error == log_error_cases[_i].want, "got %d: %s", error,
	              sp_error_last());
	if (log_error_cases[_i].message)
		ck_assert_ptr_nonnull(
		    strstr(sp_error_last(), log_error_cases[_i].message));
	else
		ck_assert_str_eq(sink.out[1].ptr, "a");
	for (i = 0; i < 3; i++)
		sp_buf_dispose(&sink.out[i]);
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

/* A quiet follow ends when the callback says so on a tick. */
static int tick_cb(int stream, const char *data, size_t len, void *payload)
{
	int *ticks = payload;

	if (!len && stream == 0)
		(*ticks)++;
	return *ticks >= 2 ? 3 : 0;
}

START_TEST(test_logs_follow_stops)
{
	static const mock_reply replies[] = {
	    {"/containers/abc/json", NULL,
	     "{\"Id\":\"abc\",\"Config\":{\"Tty\":false}}", 0, REPLY_NORMAL, 0},
	    {"/containers/abc/logs", NULL, NULL, 0, REPLY_HANG, 0},
	    {NULL, NULL, NULL, 0, REPLY_NORMAL, 0}};
	mock m;
	sp_engine *e;
	int ticks = 0;
	double t0;

	mock_start(&m, replies);
	e = engine_for(&m);
	sp_engine_set_timeout(e, 1); /* a follow has no overall timeout */
	t0 = now_seconds();
	ck_assert_int_eq(
	    sp_engine_container_logs(e, "abc", 0, 1, 0, tick_cb, &ticks), 3);
	ck_assert_int_eq(ticks, 2);
	ck_assert_double_ge(now_seconds() - t0, 1.5);
	ck_assert_double_lt(now_seconds() - t0, 5);
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

/* --- images --- */

START_TEST(test_image_inspect)
{
	static const mock_reply replies[] = {
	    {"/images/spacehook-base:busybox/json", NULL,
	     "{\"Id\":\"sha256:aa\",\"RepoTags\":[\"spacehook-base:busybox\","
	     "\"<none>:<none>\"],"
	     "\"Config\":{\"Labels\":{\"k\":\"v\",\"n\":5}},\"Size\":1234,"
	     "\"RootFS\":{\"Layers\":[\"sha256:l1\",7,\"sha256:l2\"]}}",
	     0, REPLY_NORMAL, 0},
	    {"/images/spacehook-base:busybox/history", NULL,
	     "[{\"CreatedBy\":\"CMD [\\\"/bin/sh\\\"]\"},{\"Id\":\"x\"},7]", 0,
	     REPLY_NORMAL, 0},
	    {NULL, NULL, NULL, 0, REPLY_NORMAL, 0}};
	mock m;
	sp_engine *e;
	sp_image_info info;

	mock_start(&m, replies);
	e = engine_for(&m);
	ck_assert_msg(
	    sp_engine_image_inspect(&info, e, "spacehook-base:busybox") == 0,
	    "%s", sp_error_last());
	ck_assert_str_eq(info.id, "sha256:aa");
	ck_assert_uint_eq(info.tag_count, 1);
	ck_assert_str_eq(info.tags[0], "spacehook-base:busybox");
	ck_assert_str_eq(sp_engine_labels_get(&info.labels, "k"), "v");
	ck_assert_ptr_null(sp_engine_labels_get(&info.labels, "n"));
	ck_assert_uint_eq(info.history_count, 2);
	ck_assert_str_eq(info.history[0], "CMD [\"/bin/sh\"]");
	ck_assert_str_eq(info.history[1], "");
	ck_assert_int_eq(info.size, 1234);
	ck_assert_str_eq(info.layers, "sha256:l1,sha256:l2");
	sp_image_info_dispose(&info);
	ck_assert_int_eq(sp_engine_image_inspect(&info, e, "missing:tag"),
	                 SP_ENOTFOUND);
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

/* Where the front door reaches a container: its IP on its own network. */
START_TEST(test_container_address)
{
	static const mock_reply replies[] = {
	    {"/containers/run/json", NULL,
	     "{\"Id\":\"run\",\"State\":{\"Running\":true},"
	     "\"HostConfig\":{\"NetworkMode\":\"sp-a\"},"
	     "\"NetworkSettings\":{\"Ports\":{\"7860/tcp\":[{\"HostIp\":"
	     "\"127.0.0.1\",\"HostPort\":\"20001\"}]},\"Networks\":{"
	     "\"other\":{\"IPAddress\":\"10.9.0.9\"},"
	     "\"sp-a\":{\"IPAddress\":\"172.20.0.3\"}}}}",
	     0, REPLY_NORMAL, 0},
	    {"/containers/first/json", NULL,
	     "{\"Id\":\"first\",\"State\":{\"Running\":true},"
	     "\"HostConfig\":{\"NetworkMode\":\"gone\"},"
	     "\"NetworkSettings\":{\"Ports\":{\"8080/tcp\":[{\"HostPort\":"
	     "\"1\"}]},\"Networks\":{\"x\":{\"IPAddress\":\"\"},"
	     "\"y\":{\"IPAddress\":\"10.1.2.3\"}}}}",
	     0, REPLY_NORMAL, 0},
	    {"/containers/down/json", NULL,
	     "{\"Id\":\"down\",\"State\":{\"Running\":false},"
	     "\"NetworkSettings\":{\"Ports\":{\"7860/tcp\":[{\"HostPort\":"
	     "\"1\"}]},\"Networks\":{\"y\":{\"IPAddress\":\"\"}}}}",
	     0, REPLY_NORMAL, 0},
	    {"/containers/noport/json", NULL,
	     "{\"Id\":\"noport\",\"State\":{\"Running\":true},"
	     "\"NetworkSettings\":{\"Networks\":{\"y\":{\"IPAddress\":"
	     "\"10.1.2.4\"}}}}",
	     0, REPLY_NORMAL, 0},
	    {NULL, NULL, NULL, 0, REPLY_NORMAL, 0}};
	mock m;
	sp_engine *e;
	sp_buf ip = SP_BUF_INIT;
	sp_container_info info;
	int port = 0;

	mock_start(&m, replies);
	e = engine_for(&m);
	ck_assert_msg(sp_engine_container_address(&ip, &port, e, "run") == 0,
	              "%s", sp_error_last());
	ck_assert_str_eq(ip.ptr, "172.20.0.3");
	ck_assert_int_eq(port, 7860);
	ck_assert_int_eq(sp_engine_container_inspect(&info, e, "run"), 0);
	ck_assert_str_eq(info.ip, "172.20.0.3");
	ck_assert_int_eq(info.host_port, 20001);
	sp_container_info_dispose(&info);
	ck_assert_int_eq(sp_engine_container_address(&ip, &port, e, "first"),
	                 0);
	ck_assert_str_eq(ip.ptr, "10.1.2.3");
	ck_assert_int_eq(port, 8080);
	port = 0;
	ck_assert_int_eq(sp_engine_container_address(&ip, &port, e, "down"),
	                 SP_ENOTFOUND);
	ck_assert_int_eq(sp_engine_container_address(&ip, &port, e, "noport"),
	                 SP_ENOTFOUND);
	ck_assert_int_eq(port, 0);
	ck_assert_int_eq(sp_engine_container_address(&ip, &port, e, "none"),
	                 SP_ENOTFOUND);
	sp_buf_dispose(&ip);
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("engine");
	TCase *tc;

	tc = tcase_create("negotiate");
	tcase_add_loop_test(tc, test_negotiate, 0,
	                    sizeof(negotiate_cases) /
	                        sizeof(negotiate_cases[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_loop_test(tc, test_errors, 0,
	                    sizeof(error_cases) / sizeof(error_cases[0]));
	tcase_add_loop_test(tc, test_bad_names, 0,
	                    sizeof(bad_names) / sizeof(bad_names[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("requests");
	tcase_add_test(tc, test_create_body);
	tcase_add_test(tc, test_filters_escaped);
	tcase_add_test(tc, test_request);
	tcase_add_test(tc, test_image_inspect);
	tcase_add_test(tc, test_container_address);
	tcase_add_loop_test(tc, test_update, 0,
	                    sizeof(update_cases) / sizeof(update_cases[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("transport");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_unreachable);
	tcase_add_test(tc, test_timeout);
	suite_add_tcase(s, tc);

	tc = tcase_create("logs");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_logs_multiplexed, 0,
	                    sizeof(chunk_sizes) / sizeof(chunk_sizes[0]));
	tcase_add_test(tc, test_logs_tty_raw);
	tcase_add_loop_test(tc, test_logs_errors, 0,
	                    sizeof(log_error_cases) /
	                        sizeof(log_error_cases[0]));
	tcase_add_test(tc, test_logs_follow_stops);
	suite_add_tcase(s, tc);

	return sp_test_run(s);
}
