/* Tests of the swarm and registry calls of the engine client against the mock
 * Docker engine: request lines, headers and JSON bodies, answers parsed,
 * errors, secrets kept out of messages. */
#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "engine.h"
#include "engine_swarm.h"
#include "error.h"

#include "mockengine.h"
#include "testlib.h"

#define JSON_HEAD "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
#define CREATED_HEAD                                                           \
	"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
#define NOTFOUND_HEAD                                                          \
	"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
#define CONFLICT_HEAD                                                          \
	"HTTP/1.1 409 Conflict\r\nContent-Type: application/json\r\n"
#define ERROR_HEAD                                                             \
	"HTTP/1.1 500 Internal Server Error\r\nContent-Type: "                 \
	"application/json\r\n"
#define UNAVAILABLE_HEAD                                                       \
	"HTTP/1.1 503 Service Unavailable\r\nContent-Type: "                   \
	"application/json\r\n"
#define NOT_SWARM                                                              \
	"{\"message\":\"This node is not a swarm manager. Use \\\"docker "     \
	"swarm init\\\" or \\\"docker swarm join\\\" to connect this node "    \
	"to swarm and try again.\"}"

/* Decode base64 (either alphabet, padded); -1 when it is not base64. */
static int base64_decode(sp_buf *out, const char *text)
{
	static const char std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                          "abcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned bits = 0, n = 0;
	size_t len = strlen(text), i;

	sp_buf_clear(out);
	if (len % 4)
		return -1;
	for (i = 0; i < len; i++) {
		char c = text[i] == '-' ? '+' : text[i] == '_' ? '/' : text[i];
		const char *at;

		if (c == '=') {
			if (i < len - 2)
				return -1;
			continue;
		}
		if (!c || !(at = strchr(std, c)))
			return -1;
		bits = bits << 6 | (unsigned)(at - std);
		n += 6;
		if (n >= 8) {
			n -= 8;
			sp_buf_putc(out, (char)(bits >> n & 0xff));
		}
	}
	return 0;
}

/* The JSON body of the last request whose line holds `match` (checked). */
static cJSON *request_json(mock *m, const char *match)
{
	sp_buf body = SP_BUF_INIT;
	cJSON *json;

	ck_assert_msg(mock_request_body(m, match, &body), "no request %s: %s",
	              match, m->log.ptr);
	json = cJSON_ParseWithLength(body.ptr, body.size);
	ck_assert_msg(json != NULL, "not JSON: %s", body.ptr);
	sp_buf_dispose(&body);
	return json;
}

/*
 * The member at a dotted path ("TaskTemplate.ContainerSpec.Image"; a number
 * is an array index; "\\." is a dot in a key).
 */
static const cJSON *at(const cJSON *json, const char *path)
{
	sp_buf key = SP_BUF_INIT;

	while (json && *path) {
		sp_buf_clear(&key);
		for (; *path && *path != '.'; path++) {
			if (path[0] == '\\' && path[1] == '.')
				path++;
			sp_buf_putc(&key, *path);
		}
		if (*path)
			path++;
		if (key.ptr[0] >= '0' && key.ptr[0] <= '9')
			json = cJSON_GetArrayItem(
			    json, (int)strtol(key.ptr, NULL, 10));
		else
			json = cJSON_GetObjectItemCaseSensitive(json, key.ptr);
	}
	sp_buf_dispose(&key);
	return json;
}

static void assert_json_str(const cJSON *json, const char *path,
                            const char *want)
{
	const cJSON *item = at(json, path);

	ck_assert_msg(cJSON_IsString(item), "%s is not a string", path);
	ck_assert_str_eq(item->valuestring, want);
}

static void assert_json_num(const cJSON *json, const char *path, double want)
{
	const cJSON *item = at(json, path);

	ck_assert_msg(cJSON_IsNumber(item), "%s is not a number", path);
	ck_assert_msg(item->valuedouble == want, "%s is %f, not %f", path,
	              item->valuedouble, want);
}

/* The X-Registry-Auth header of a request, decoded. */
static void assert_registry_auth(mock *m, const char *match, const char *want)
{
	sp_buf header = SP_BUF_INIT, decoded = SP_BUF_INIT;

	ck_assert_msg(mock_request_header(m, match, "X-Registry-Auth", &header),
	              "no X-Registry-Auth on %s", match);
	ck_assert_msg(!strpbrk(header.ptr, "+/"), "not base64url: %s",
	              header.ptr);
	ck_assert_int_eq(base64_decode(&decoded, header.ptr), 0);
	ck_assert_str_eq(decoded.ptr, want);
	sp_buf_dispose(&header);
	sp_buf_dispose(&decoded);
}

/* --- references --- */

static const struct {
	const char *ref;
	const char *repo; /* NULL: SP_EINVALID */
	const char *tag;
} ref_cases[] = {
    {"127.0.0.1:5000/spaces/alice--demo:abc123",
     "127.0.0.1:5000/spaces/alice--demo", "abc123"},
    {"127.0.0.1:5000/spaces/alice--demo", "127.0.0.1:5000/spaces/alice--demo",
     "latest"},
    {"localhost:5000/a/b/c:v1.2", "localhost:5000/a/b/c", "v1.2"},
    {"registry.example/x@sha256:0123abcd", "registry.example/x",
     "sha256:0123abcd"},
    {"busybox", "busybox", "latest"},
    {"busybox:1.36", "busybox", "1.36"},
    {"", NULL, NULL},
    {":tag", NULL, NULL},
    {"repo:", NULL, NULL},
    {"repo@", NULL, NULL},
    {"a@b@c", NULL, NULL},
    {"127.0.0.1:5000/x/", NULL, NULL},
    {"has space:1", NULL, NULL},
    {"../etc:1", NULL, NULL},
};

START_TEST(test_ref_split)
{
	sp_buf repo = SP_BUF_INIT, tag = SP_BUF_INIT;
	int error = sp_engine_ref_split(&repo, &tag, ref_cases[_i].ref);

	if (!ref_cases[_i].repo) {
		ck_assert_int_eq(error, SP_EINVALID);
	} else {
		ck_assert_msg(error == 0, "%s", sp_error_last());
		ck_assert_str_eq(repo.ptr, ref_cases[_i].repo);
		ck_assert_str_eq(tag.ptr, ref_cases[_i].tag);
	}
	sp_buf_dispose(&repo);
	sp_buf_dispose(&tag);
}
END_TEST

/* --- registry: push, pull, tag --- */

#define PUSH_OK                                                                \
	"{\"status\":\"The push refers to repository "                         \
	"[127.0.0.1:5000/spaces/alice--demo]\"}\r\n"                           \
	"{\"status\":\"Preparing\",\"progressDetail\":{},\"id\":\"5f70bf18\"}" \
	"\r\n"                                                                 \
	"{\"status\":\"Pushing\",\"progressDetail\":{\"current\":512,"         \
	"\"total\":1024},\"progress\":\"[=====>    ]  512B/1kB\","             \
	"\"id\":\"5f70bf18\"}\r\n"                                             \
	"{\"status\":\"Pushed\",\"progressDetail\":{},\"id\":\"5f70bf18\"}"    \
	"\r\n"                                                                 \
	"{\"status\":\"abc123: digest: sha256:feed size: 528\","               \
	"\"progressDetail\":{}}\r\n"                                           \
	"{\"progressDetail\":{},\"aux\":{\"Tag\":\"abc123\",\"Digest\":"       \
	"\"sha256:feed\",\"Size\":528}}\r\n"

#define PUSH_FAILS                                                             \
	"{\"status\":\"The push refers to repository "                         \
	"[127.0.0.1:5000/spaces/alice--demo]\"}\r\n"                           \
	"{\"status\":\"Preparing\",\"progressDetail\":{},\"id\":\"5f70bf18\"}" \
	"\r\n"                                                                 \
	"{\"errorDetail\":{\"message\":\"Get "                                 \
	"\\\"https://127.0.0.1:5000/v2/\\\": dial tcp 127.0.0.1:5000: "        \
	"connect: connection refused\"},\"error\":\"Get "                      \
	"\\\"https://127.0.0.1:5000/v2/\\\": dial tcp 127.0.0.1:5000: "        \
	"connect: connection refused\"}\r\n"

#define PUSH_PATH "/images/127.0.0.1:5000/spaces/alice--demo/push?tag=abc123 "
#define PULL_PATH                                                              \
	"/images/create?fromImage=127.0.0.1%3A5000%2Fspaces%2Falice--demo&"    \
	"tag=abc123 "
#define CREDENTIALS                                                            \
	"{\"username\":\"spaces\",\"password\":\"hunter2-registry-pw?>~\","    \
	"\"serveraddress\":\"127.0.0.1:5000\"}"

static const struct {
	int pull;
	const char *ref;
	const char *auth;
	mock_reply reply;
	int code;
	const char *request; /* the request line, NULL: none sent */
	const char *logged;  /* in the log */
	const char *message; /* in sp_error_last() */
} registry_cases[] = {
    {0,
     "127.0.0.1:5000/spaces/alice--demo:abc123",
     NULL,
     {"/push", JSON_HEAD, PUSH_OK, 0, REPLY_CHUNKED, 7},
     0,
     "POST /v1.40" PUSH_PATH,
     "5f70bf18: Pushed\nabc123: digest: sha256:feed size: 528\n",
     NULL},
    {0,
     "127.0.0.1:5000/spaces/alice--demo:abc123",
     NULL,
     {"/push", JSON_HEAD, PUSH_OK, 0, REPLY_NORMAL, 0},
     0,
     "POST /v1.40" PUSH_PATH,
     "The push refers to repository [127.0.0.1:5000/spaces/alice--demo]\n"
     "5f70bf18: Preparing\n",
     NULL},
    {0,
     "127.0.0.1:5000/spaces/alice--demo:abc123",
     CREDENTIALS,
     {"/push", JSON_HEAD, PUSH_FAILS, 0, REPLY_CHUNKED, 13},
     SP_EENGINE,
     "POST /v1.40" PUSH_PATH,
     "5f70bf18: Preparing\n",
     "push image '127.0.0.1:5000/spaces/alice--demo:abc123': Get "
     "\"https://127.0.0.1:5000/v2/\": dial tcp 127.0.0.1:5000: connect: "
     "connection refused"},
    {0,
     "127.0.0.1:5000/spaces/alice--demo:abc123",
     NULL,
     {"/push", JSON_HEAD, "{\"errorDetail\":{}}\n", 0, REPLY_NORMAL, 0},
     SP_EENGINE,
     "POST /v1.40" PUSH_PATH,
     "",
     "without a message"},
    {0,
     "127.0.0.1:5000/spaces/alice--demo:abc123",
     NULL,
     {"/push", NOTFOUND_HEAD,
      "{\"message\":\"An image does not exist locally with the tag: "
      "127.0.0.1:5000/spaces/alice--demo\"}",
      0, REPLY_NORMAL, 0},
     SP_ENOTFOUND,
     "POST /v1.40" PUSH_PATH,
     "",
     "An image does not exist locally"},
    {0,
     "127.0.0.1:5000/spaces/alice--demo:abc123",
     NULL,
     {"/push", ERROR_HEAD, "{\"message\":\"boom\"}", 0, REPLY_NORMAL, 0},
     SP_EENGINE,
     "POST /v1.40" PUSH_PATH,
     "",
     "push image '127.0.0.1:5000/spaces/alice--demo:abc123': boom"},
    {0,
     "127.0.0.1:5000/spaces/alice--demo:abc123",
     NULL,
     {"/push", JSON_HEAD, "not json\n{\"status\":\"Pushed\",\"id\":\"x\"}", 0,
      REPLY_NORMAL, 0},
     0,
     "POST /v1.40" PUSH_PATH,
     "x: Pushed\n",
     NULL},
    {0,
     "busybox:1.36",
     NULL,
     {NULL, NULL, NULL, 0, 0, 0},
     SP_EINVALID,
     NULL,
     "",
     "has no registry"},
    {0,
     "127.0.0.1:5000/spaces/alice--demo:abc123",
     "hunter2-not-json",
     {NULL, NULL, NULL, 0, 0, 0},
     SP_EINVALID,
     NULL,
     "",
     "registry credentials are not a JSON object"},
    {1,
     "127.0.0.1:5000/spaces/alice--demo:abc123",
     CREDENTIALS,
     {"/images/create", JSON_HEAD,
      "{\"status\":\"Pulling from spaces/alice--demo\",\"id\":\"abc123\"}\n"
      "{\"status\":\"Status: Downloaded newer image for "
      "127.0.0.1:5000/spaces/alice--demo:abc123\"}\n",
      0, REPLY_CHUNKED, 5},
     0,
     "POST /v1.40" PULL_PATH,
     "abc123: Pulling from spaces/alice--demo\n",
     NULL},
    {1,
     "127.0.0.1:5000/spaces/alice--demo:abc123",
     NULL,
     {"/images/create", JSON_HEAD,
      "{\"status\":\"Pulling from spaces/alice--demo\",\"id\":\"abc123\"}\n"
      "{\"error\":\"manifest unknown\"}\n",
      0, REPLY_NORMAL, 0},
     SP_EENGINE,
     "POST /v1.40" PULL_PATH,
     "",
     "pull image '127.0.0.1:5000/spaces/alice--demo:abc123': manifest "
     "unknown"},
};

/* A push's digest: only a well-formed one is kept. */
START_TEST(test_push_digest)
{
	static const char good[] =
	    "sha256:"
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	static const char *answers[] = {
	    "{\"status\":\"Preparing\",\"id\":\"5f70bf18\"}\r\n"
	    "{\"progressDetail\":{},\"aux\":{\"Tag\":\"abc123\",\"Digest\":"
	    "\"sha256:"
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\""
	    ","
	    "\"Size\":528}}\r\n",
	    PUSH_OK, /* sha256:feed: not a digest */
	    "{\"aux\":{\"Digest\":\"sha256:"
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeF\""
	    "}}"
	    "\r\n",
	};
	mock_reply replies[2];
	mock m;
	sp_engine *e;
	sp_buf digest = SP_BUF_INIT;

	memset(replies, 0, sizeof(replies));
	replies[0] =
	    (mock_reply){"/push", JSON_HEAD, answers[_i], 0, REPLY_NORMAL, 0};
	mock_start(&m, replies);
	e = engine_for(&m);
	sp_buf_sets(&digest, "stale");
	ck_assert_msg(sp_engine_image_push(NULL, &digest, e,
	                                   "127.0.0.1:5000/spaces/a--b:abc123",
	                                   NULL) == 0,
	              "%s", sp_error_last());
	ck_assert_str_eq(digest.ptr, _i == 0 ? good : "");
	sp_buf_dispose(&digest);
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

START_TEST(test_registry)
{
	mock_reply replies[2];
	mock m;
	sp_engine *e;
	sp_buf log = SP_BUF_INIT;
	int error;

	memset(replies, 0, sizeof(replies));
	replies[0] = registry_cases[_i].reply;
	mock_start(&m, replies);
	e = engine_for(&m);
	if (registry_cases[_i].pull)
		error = sp_engine_image_pull(&log, e, registry_cases[_i].ref,
		                             registry_cases[_i].auth);
	else
		error =
		    sp_engine_image_push(&log, NULL, e, registry_cases[_i].ref,
		                         registry_cases[_i].auth);
	ck_assert_msg(error == registry_cases[_i].code, "%d: %s", error,
	              sp_error_last());
	if (registry_cases[_i].message)
		ck_assert_msg(
		    strstr(sp_error_last(), registry_cases[_i].message),
		    "message: %s", sp_error_last());
	ck_assert_msg(strstr(log.ptr, registry_cases[_i].logged), "log: %s",
	              log.ptr);
	ck_assert_msg(!strstr(log.ptr, "Pushing"), "progress in log: %s",
	              log.ptr);
	if (registry_cases[_i].request) {
		ck_assert_msg(mock_saw(&m, registry_cases[_i].request),
		              "requests: %s", m.log.ptr);
		assert_registry_auth(
		    &m, registry_cases[_i].request,
		    registry_cases[_i].auth ? registry_cases[_i].auth : "{}");
	} else {
		ck_assert_msg(!mock_saw(&m, "/images/"), "sent: %s", m.log.ptr);
	}
	ck_assert(!strstr(sp_error_last(), "hunter2"));
	ck_assert(!strstr(log.ptr, "hunter2"));
	sp_buf_dispose(&log);
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

START_TEST(test_tag_registry_repo)
{
	static const mock_reply replies[] = {
	    {"/images/", CREATED_HEAD, "", 0, REPLY_NORMAL, 0},
	    {NULL, NULL, NULL, 0, REPLY_NORMAL, 0}};
	mock m;
	sp_engine *e;

	mock_start(&m, replies);
	e = engine_for(&m);
	ck_assert_msg(sp_engine_image_tag(e, "spacehook/alice--demo:abc123",
	                                  "127.0.0.1:5000/spaces/alice--demo",
	                                  "abc123") == 0,
	              "%s", sp_error_last());
	ck_assert_msg(
	    mock_saw(&m, "POST /v1.40/images/spacehook/alice--demo:abc123/"
	                 "tag?repo=127.0.0.1%3A5000%2Fspaces%2Falice--demo&"
	                 "tag=abc123 HTTP/1.1"),
	    "%s", m.log.ptr);
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

/* --- swarm and nodes --- */

static const struct {
	mock_reply reply;
	int code;
	const char *state;
	const char *node_id;
	int control, nodes, managers;
	const char *error;
} swarm_cases[] = {
    {{"GET /v1.40/info", JSON_HEAD,
      "{\"ID\":\"x\",\"Swarm\":{\"NodeID\":\"n1\",\"NodeAddr\":\"10.0.0.1\","
      "\"LocalNodeState\":\"active\",\"ControlAvailable\":true,"
      "\"Error\":\"\",\"Nodes\":2,\"Managers\":1}}",
      0, REPLY_NORMAL, 0},
     0,
     "active",
     "n1",
     1,
     2,
     1,
     ""},
    {{"GET /v1.40/info", JSON_HEAD,
      "{\"Swarm\":{\"NodeID\":\"\",\"NodeAddr\":\"\","
      "\"LocalNodeState\":\"inactive\",\"ControlAvailable\":false,"
      "\"Error\":\"\",\"RemoteManagers\":null}}",
      0, REPLY_NORMAL, 0},
     0,
     "inactive",
     "",
     0,
     0,
     0,
     ""},
    {{"GET /v1.40/info", JSON_HEAD,
      "{\"Swarm\":{\"LocalNodeState\":\"error\",\"Error\":\"manager "
      "stopped\",\"Nodes\":\"two\",\"ControlAvailable\":\"yes\"}}",
      0, REPLY_NORMAL, 0},
     0,
     "error",
     "",
     0,
     0,
     0,
     "manager stopped"},
    {{"GET /v1.40/info", JSON_HEAD, "{}", 0, REPLY_NORMAL, 0},
     0,
     "",
     "",
     0,
     0,
     0,
     ""},
    {{"GET /v1.40/info", ERROR_HEAD, "{\"message\":\"boom\"}", 0, REPLY_NORMAL,
      0},
     SP_EENGINE,
     NULL,
     NULL,
     0,
     0,
     0,
     NULL},
};

START_TEST(test_swarm_info)
{
	mock_reply replies[2];
	mock m;
	sp_engine *e;
	sp_swarm_info info;
	int error;

	memset(replies, 0, sizeof(replies));
	replies[0] = swarm_cases[_i].reply;
	mock_start(&m, replies);
	e = engine_for(&m);
	error = sp_engine_swarm_info(&info, e);
	ck_assert_msg(error == swarm_cases[_i].code, "%s", sp_error_last());
	if (!error) {
		ck_assert_str_eq(info.state, swarm_cases[_i].state);
		ck_assert_str_eq(info.node_id, swarm_cases[_i].node_id);
		ck_assert_int_eq(info.control_available,
		                 swarm_cases[_i].control);
		ck_assert_int_eq(info.nodes, swarm_cases[_i].nodes);
		ck_assert_int_eq(info.managers, swarm_cases[_i].managers);
		ck_assert_str_eq(info.error, swarm_cases[_i].error);
	} else {
		ck_assert_ptr_nonnull(strstr(sp_error_last(), "boom"));
	}
	sp_swarm_info_dispose(&info);
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

/* Whether the engine speaks plain HTTP to a registry: its own entry, else
 * the insecure CIDRs (an address, not a name). */
static const struct {
	const char *registry;
	int insecure;
} insecure_cases[] = {
    {"10.1.2.3:5000", 1},      /* IndexConfigs, Secure false */
    {"reg.example:443", 0},    /* IndexConfigs, Secure true */
    {"127.0.0.1:5056", 1},     /* 127.0.0.0/8 */
    {"192.168.7.9:5000", 1},   /* 192.168.0.0/16 */
    {"192.169.7.9:5000", 0},   /* just outside */
    {"other.example:5000", 0}, /* a name in no entry */
    {"300.1.1.1:5000", 0},     /* not an address */
};

START_TEST(test_registry_insecure)
{
	static const mock_reply replies[] = {
	    {"GET /v1.40/info", JSON_HEAD,
	     "{\"RegistryConfig\":{\"InsecureRegistryCIDRs\":"
	     "[\"127.0.0.0/8\",\"192.168.0.0/16\",5],\"IndexConfigs\":{"
	     "\"10.1.2.3:5000\":{\"Name\":\"10.1.2.3:5000\",\"Secure\":false},"
	     "\"reg.example:443\":{\"Secure\":true}}}}",
	     0, REPLY_NORMAL, 0},
	    {NULL, NULL, NULL, 0, REPLY_NORMAL, 0}};
	mock m;
	sp_engine *e;
	int insecure = -1;

	mock_start(&m, replies);
	e = engine_for(&m);
	ck_assert_msg(sp_engine_registry_insecure(
	                  &insecure, e, insecure_cases[_i].registry) == 0,
	              "%s", sp_error_last());
	ck_assert_int_eq(insecure, insecure_cases[_i].insecure);
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

START_TEST(test_node_list)
{
	static const mock_reply replies[] = {
	    {"GET /v1.40/nodes", JSON_HEAD,
	     "[{\"ID\":\"n1\",\"Version\":{\"Index\":9},"
	     "\"Spec\":{\"Labels\":{\"spacehook.volumes\":\"yes\"},"
	     "\"Role\":\"manager\",\"Availability\":\"active\"},"
	     "\"Description\":{\"Hostname\":\"one\",\"Resources\":"
	     "{\"NanoCPUs\":4000000000,\"MemoryBytes\":8272408576},"
	     "\"Engine\":{\"EngineVersion\":\"20.10.24\",\"Labels\":"
	     "{\"gpu\":\"none\"}}},"
	     "\"Status\":{\"State\":\"ready\",\"Addr\":\"10.0.0.1\"},"
	     "\"ManagerStatus\":{\"Leader\":true,\"Reachability\":"
	     "\"reachable\",\"Addr\":\"10.0.0.1:2377\"}},"
	     "{\"ID\":\"n2\",\"Spec\":{\"Role\":\"worker\",\"Availability\":"
	     "\"drain\"},\"Description\":{\"Hostname\":\"two\"},"
	     "\"Status\":{\"State\":\"down\",\"Message\":\"heartbeat "
	     "failure\",\"Addr\":\"10.0.0.2\"}},"
	     "{\"ID\":5},\"odd\",{\"ID\":\"n3\"}]",
	     0, REPLY_NORMAL, 0},
	    {NULL, NULL, NULL, 0, REPLY_NORMAL, 0}};
	mock m;
	sp_engine *e;
	sp_node_list list;

	mock_start(&m, replies);
	e = engine_for(&m);
	ck_assert_msg(sp_engine_node_list(&list, e) == 0, "%s",
	              sp_error_last());
	ck_assert(mock_saw(&m, "GET /v1.40/nodes HTTP/1.1"));
	ck_assert_int_eq(list.count, 3);
	ck_assert_str_eq(list.items[0].id, "n1");
	ck_assert_str_eq(list.items[0].hostname, "one");
	ck_assert_str_eq(list.items[0].role, "manager");
	ck_assert_str_eq(list.items[0].availability, "active");
	ck_assert_str_eq(list.items[0].state, "ready");
	ck_assert_str_eq(list.items[0].address, "10.0.0.1");
	ck_assert_str_eq(list.items[0].engine_version, "20.10.24");
	ck_assert_str_eq(list.items[0].reachability, "reachable");
	ck_assert_int_eq(list.items[0].leader, 1);
	ck_assert(list.items[0].nano_cpus == 4000000000LL);
	ck_assert(list.items[0].memory == 8272408576LL);
	ck_assert_str_eq(
	    sp_engine_labels_get(&list.items[0].labels, "spacehook.volumes"),
	    "yes");
	ck_assert_str_eq(
	    sp_engine_labels_get(&list.items[0].engine_labels, "gpu"), "none");
	ck_assert_str_eq(list.items[1].role, "worker");
	ck_assert_str_eq(list.items[1].availability, "drain");
	ck_assert_str_eq(list.items[1].state, "down");
	ck_assert_str_eq(list.items[1].message, "heartbeat failure");
	ck_assert_str_eq(list.items[1].reachability, "");
	ck_assert_int_eq(list.items[1].leader, 0);
	ck_assert_int_eq(list.items[1].labels.count, 0);
	ck_assert_str_eq(list.items[2].id, "n3");
	ck_assert_str_eq(list.items[2].hostname, "");
	ck_assert_str_eq(list.items[2].state, "");
	sp_node_list_dispose(&list);
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

START_TEST(test_node_list_not_swarm)
{
	static const mock_reply replies[] = {
	    {"/nodes", UNAVAILABLE_HEAD, NOT_SWARM, 0, REPLY_NORMAL, 0},
	    {NULL, NULL, NULL, 0, REPLY_NORMAL, 0}};
	mock m;
	sp_engine *e;
	sp_node_list list;

	mock_start(&m, replies);
	e = engine_for(&m);
	ck_assert_int_eq(sp_engine_node_list(&list, e), SP_EENGINE);
	ck_assert_msg(strstr(sp_error_last(), "list the swarm's nodes: This "
	                                      "node is not a swarm manager"),
	              "%s", sp_error_last());
	ck_assert_int_eq(list.count, 0);
	sp_node_list_dispose(&list);
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

/* --- services --- */

static const char *full_env[] = {"SPACE_ID=alice/demo",
                                 "HF_TOKEN=hunter2-token-value", NULL};
static const char *full_labels[] = {"spacehook.space=alice/demo",
                                    "spacehook.commit=abc123", NULL};
static const char *full_constraints[] = {"node.labels.spacehook.data==yes",
                                         "node.role!=manager", NULL};
static const char *full_generic[] = {"gpu=1", "GPU-UUID=GPU-0a1b", NULL};
static const char *full_networks[] = {"spacehook-alice--demo", NULL};
static const sp_service_mount full_mounts[] = {
    {"spacehook-alice--demo-data", "/data", 0, 0, 0}};
static const sp_service_secret full_secrets[] = {
    {"sec1", "alice--demo-HF_TOKEN-3", "HF_TOKEN", NULL, NULL, 0}};

static sp_service_spec full_spec(void)
{
	sp_service_spec spec = {
	    .name = "spacehook-alice--demo",
	    .image = "127.0.0.1:5000/spaces/alice--demo:abc123",
	    .labels = full_labels,
	    .env = full_env,
	    .user = "1000",
	    .replicas = 1,
	    .nano_cpus_limit = 2000000000,
	    .memory_limit = 16LL << 30,
	    .pids_limit = 512,
	    .nano_cpus_reservation = 500000000,
	    .memory_reservation = 1LL << 30,
	    .generic_resources = full_generic,
	    .restart_condition = "on-failure",
	    .restart_delay = 5,
	    .restart_max_attempts = 3,
	    .constraints = full_constraints,
	    .mounts = full_mounts,
	    .mount_count = 1,
	    .target_port = 7860,
	    .published_port = 30001,
	    .networks = full_networks,
	    .secrets = full_secrets,
	    .secret_count = 1,
	    .update_monitor = 20,
	    .stop_grace = 15,
	    .cap_drop_all = 1,
	    .force_update = 7,
	};
	return spec;
}

/* The fields of a full_spec() body. */
static void assert_full_body(const cJSON *json)
{
	const cJSON *c;

	assert_json_str(json, "Name", "spacehook-alice--demo");
	assert_json_str(json, "Labels.spacehook\\.space", "alice/demo");
	c = at(json, "TaskTemplate.ContainerSpec");
	ck_assert_ptr_nonnull(c);
	assert_json_str(c, "Image", "127.0.0.1:5000/spaces/alice--demo:abc123");
	ck_assert_ptr_null(at(c, "Command"));
	ck_assert_ptr_null(at(c, "Args"));
	assert_json_str(c, "Env.0", "SPACE_ID=alice/demo");
	assert_json_str(c, "Env.1", "HF_TOKEN=hunter2-token-value");
	assert_json_str(c, "User", "1000");
	assert_json_num(c, "StopGracePeriod", 15e9);
	assert_json_str(c, "CapabilityDrop.0", "ALL");
	assert_json_str(c, "Mounts.0.Type", "volume");
	assert_json_str(c, "Mounts.0.Source", "spacehook-alice--demo-data");
	assert_json_str(c, "Mounts.0.Target", "/data");
	ck_assert(cJSON_IsTrue(at(c, "Mounts.0.VolumeOptions.NoCopy")));
	ck_assert(cJSON_IsFalse(at(c, "Mounts.0.ReadOnly")));
	assert_json_str(c, "Secrets.0.SecretID", "sec1");
	assert_json_str(c, "Secrets.0.SecretName", "alice--demo-HF_TOKEN-3");
	assert_json_str(c, "Secrets.0.File.Name", "HF_TOKEN");
	assert_json_str(c, "Secrets.0.File.UID", "1000");
	assert_json_str(c, "Secrets.0.File.GID", "1000");
	assert_json_num(c, "Secrets.0.File.Mode", 0400);

	c = at(json, "TaskTemplate");
	assert_json_num(c, "Resources.Limits.NanoCPUs", 2e9);
	assert_json_num(c, "Resources.Limits.MemoryBytes", 16.0 * (1 << 30));
	assert_json_num(c, "Resources.Limits.Pids", 512);
	assert_json_num(c, "Resources.Reservations.NanoCPUs", 5e8);
	assert_json_num(c, "Resources.Reservations.MemoryBytes", 1 << 30);
	assert_json_str(c,
	                "Resources.Reservations.GenericResources.0."
	                "DiscreteResourceSpec.Kind",
	                "gpu");
	assert_json_num(c,
	                "Resources.Reservations.GenericResources.0."
	                "DiscreteResourceSpec.Value",
	                1);
	assert_json_str(c,
	                "Resources.Reservations.GenericResources.1."
	                "NamedResourceSpec.Kind",
	                "GPU-UUID");
	assert_json_str(c,
	                "Resources.Reservations.GenericResources.1."
	                "NamedResourceSpec.Value",
	                "GPU-0a1b");
	assert_json_str(c, "RestartPolicy.Condition", "on-failure");
	assert_json_num(c, "RestartPolicy.Delay", 5e9);
	assert_json_num(c, "RestartPolicy.MaxAttempts", 3);
	assert_json_str(c, "Placement.Constraints.0",
	                "node.labels.spacehook.data==yes");
	assert_json_str(c, "Placement.Constraints.1", "node.role!=manager");
	assert_json_str(c, "Networks.0.Target", "spacehook-alice--demo");
	assert_json_num(c, "ForceUpdate", 7);

	assert_json_num(json, "Mode.Replicated.Replicas", 1);
	assert_json_num(json, "UpdateConfig.Parallelism", 1);
	assert_json_str(json, "UpdateConfig.Order", "start-first");
	assert_json_str(json, "UpdateConfig.FailureAction", "rollback");
	assert_json_num(json, "UpdateConfig.Monitor", 20e9);
	assert_json_num(json, "RollbackConfig.Parallelism", 1);
	assert_json_str(json, "RollbackConfig.Order", "start-first");
	assert_json_str(json, "EndpointSpec.Mode", "vip");
	assert_json_str(json, "EndpointSpec.Ports.0.Protocol", "tcp");
	assert_json_num(json, "EndpointSpec.Ports.0.TargetPort", 7860);
	assert_json_num(json, "EndpointSpec.Ports.0.PublishedPort", 30001);
	assert_json_str(json, "EndpointSpec.Ports.0.PublishMode", "host");
}

START_TEST(test_service_create)
{
	static const mock_reply replies[] = {
	    {"/services/create", CREATED_HEAD,
	     "{\"ID\":\"ak7w3gjqoa3kuz8xcpnyy0pvl\",\"Warning\":\"\"}", 0,
	     REPLY_NORMAL, 0},
	    {NULL, NULL, NULL, 0, REPLY_NORMAL, 0}};
	sp_service_spec spec = full_spec();
	mock m;
	sp_engine *e;
	char *id = NULL;
	cJSON *json;

	mock_start(&m, replies);
	e = engine_for(&m);
	ck_assert_msg(sp_engine_service_create(&id, e, &spec) == 0, "%s",
	              sp_error_last());
	ck_assert_str_eq(id, "ak7w3gjqoa3kuz8xcpnyy0pvl");
	ck_assert(mock_saw(&m, "POST /v1.40/services/create HTTP/1.1"));
	assert_registry_auth(&m, "/services/create", "{}");
	json = request_json(&m, "/services/create");
	assert_full_body(json);
	cJSON_Delete(json);
	free(id);
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

START_TEST(test_service_create_minimal)
{
	static const mock_reply replies[] = {
	    {"/services/create", CREATED_HEAD, "{\"ID\":\"s1\"}", 0,
	     REPLY_NORMAL, 0},
	    {NULL, NULL, NULL, 0, REPLY_NORMAL, 0}};
	sp_service_spec spec = {.name = "paused",
	                        .image = "busybox:1.36",
	                        .endpoint_mode = "dnsrr"};
	mock m;
	sp_engine *e;
	char *id = NULL;
	cJSON *json;

	mock_start(&m, replies);
	e = engine_for(&m);
	ck_assert_msg(sp_engine_service_create(&id, e, &spec) == 0, "%s",
	              sp_error_last());
	json = request_json(&m, "/services/create");
	assert_json_num(json, "Mode.Replicated.Replicas", 0);
	assert_json_str(json, "TaskTemplate.RestartPolicy.Condition", "any");
	ck_assert_ptr_null(at(json, "TaskTemplate.ContainerSpec.User"));
	ck_assert_int_eq(
	    cJSON_GetArraySize(at(json, "TaskTemplate.ContainerSpec.Mounts")),
	    0);
	ck_assert_int_eq(cJSON_GetArraySize(at(json, "EndpointSpec.Ports")), 0);
	assert_json_str(json, "EndpointSpec.Mode", "dnsrr");
	assert_json_num(json, "UpdateConfig.Monitor", 5e9);
	ck_assert_ptr_null(at(json, "TaskTemplate.Resources.Limits.NanoCPUs"));
	ck_assert_ptr_null(
	    at(json, "TaskTemplate.Resources.Reservations.GenericResources"));
	cJSON_Delete(json);
	free(id);
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

/* A global job: one run per node, its command, a node's path bound in, no
 * update or rollback config (the engine refuses one for a job). */
START_TEST(test_service_global_job)
{
	static const mock_reply replies[] = {
	    {"/services/create", CREATED_HEAD, "{\"ID\":\"j1\"}", 0,
	     REPLY_NORMAL, 0},
	    {NULL, NULL, NULL, 0, REPLY_NORMAL, 0}};
	static const char *command[] = {"/spacehook-node-gc", "/docker.sock",
	                                "r:5000/spaces/a--b:1", NULL};
	static const sp_service_mount sock[] = {
	    {"/run/{{.Node.ID}}.sock", "/docker.sock", 0, 0, 1}};
	sp_service_spec spec = {.name = "spacehook-gc-1",
	                        .image = "r:5000/spacehook/node-gc:x",
	                        .global_job = 1,
	                        .command = command,
	                        .mounts = sock,
	                        .mount_count = 1,
	                        .restart_condition = "none"};
	mock m;
	sp_engine *e;
	char *id = NULL;
	cJSON *json;

	mock_start(&m, replies);
	e = engine_for(&m);
	ck_assert_msg(sp_engine_service_create(&id, e, &spec) == 0, "%s",
	              sp_error_last());
	ck_assert_str_eq(id, "j1");
	json = request_json(&m, "/services/create");
	ck_assert(cJSON_IsObject(at(json, "Mode.GlobalJob")));
	ck_assert_ptr_null(at(json, "Mode.Replicated"));
	ck_assert_ptr_null(at(json, "UpdateConfig"));
	ck_assert_ptr_null(at(json, "RollbackConfig"));
	assert_json_str(json, "TaskTemplate.ContainerSpec.Command.0",
	                "/spacehook-node-gc");
	assert_json_str(json, "TaskTemplate.ContainerSpec.Command.2",
	                "r:5000/spaces/a--b:1");
	assert_json_str(json, "TaskTemplate.ContainerSpec.Mounts.0.Type",
	                "bind");
	assert_json_str(json, "TaskTemplate.ContainerSpec.Mounts.0.Source",
	                "/run/{{.Node.ID}}.sock");
	ck_assert_ptr_null(
	    at(json, "TaskTemplate.ContainerSpec.Mounts.0.VolumeOptions"));
	assert_json_str(json, "TaskTemplate.RestartPolicy.Condition", "none");
	cJSON_Delete(json);
	free(id);
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

/* A spare port goes second, published the way the first is. */
START_TEST(test_service_spare_port)
{
	static const mock_reply replies[] = {
	    {"/services/create", CREATED_HEAD, "{\"ID\":\"s1\"}", 0,
	     REPLY_NORMAL, 0},
	    {NULL, NULL, NULL, 0, REPLY_NORMAL, 0}};
	sp_service_spec spec = full_spec();
	mock m;
	sp_engine *e;
	char *id = NULL;
	cJSON *json;

	spec.published_port = 0;
	spec.spare_port = 65535;
	mock_start(&m, replies);
	e = engine_for(&m);
	ck_assert_msg(sp_engine_service_create(&id, e, &spec) == 0, "%s",
	              sp_error_last());
	json = request_json(&m, "/services/create");
	ck_assert_int_eq(cJSON_GetArraySize(at(json, "EndpointSpec.Ports")), 2);
	assert_json_num(json, "EndpointSpec.Ports.0.TargetPort", 7860);
	ck_assert_ptr_null(at(json, "EndpointSpec.Ports.0.PublishedPort"));
	assert_json_num(json, "EndpointSpec.Ports.1.TargetPort", 65535);
	ck_assert_ptr_null(at(json, "EndpointSpec.Ports.1.PublishedPort"));
	assert_json_str(json, "EndpointSpec.Ports.1.PublishMode", "host");
	cJSON_Delete(json);
	free(id);
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

/* Changes to full_spec() that make it invalid. */
static const char *env_bare[] = {"hunter2-bare-value", NULL};
static const char *env_nokey[] = {"=x", NULL};
static const char *bad_constraint[] = {"node.role", NULL};
static const char *bad_generic[] = {"gpu", NULL};
static const char *bad_network[] = {"a/b", NULL};
static const sp_service_mount relative_mount[] = {{"vol", "data", 0, 0, 0}};
static const sp_service_secret bad_uid[] = {
    {"sec1", "name", NULL, "root", NULL, 0}};

static const struct {
	const char *what;
	int field;
} bad_spec_cases[] = {
    {"no image", 0},        {"name with /", 1},       {"env without =", 2},
    {"env without key", 3}, {"negative replicas", 4}, {"bad restart", 5},
    {"published only", 6},  {"relative mount", 7},    {"secret uid", 8},
    {"constraint", 9},      {"generic", 10},          {"network", 11},
    {"port range", 12},     {"endpoint mode", 13},    {"spare = target", 14},
    {"spare alone", 15},
};

START_TEST(test_service_bad_spec)
{
	sp_service_spec spec = full_spec();
	mock m;
	sp_engine *e;
	char *id = NULL;

	switch (bad_spec_cases[_i].field) {
	case 0:
		spec.image = NULL;
		break;
	case 1:
		spec.name = "a/b";
		break;
	case 2:
		spec.env = env_bare;
		break;
	case 3:
		spec.env = env_nokey;
		break;
	case 4:
		spec.replicas = -1;
		break;
	case 5:
		spec.restart_condition = "always";
		break;
	case 6:
		spec.target_port = 0;
		break;
	case 7:
		spec.mounts = relative_mount;
		break;
	case 8:
		spec.secrets = bad_uid;
		break;
	case 9:
		spec.constraints = bad_constraint;
		break;
	case 10:
		spec.generic_resources = bad_generic;
		break;
	case 11:
		spec.networks = bad_network;
		break;
	case 12:
		spec.published_port = 70000;
		break;
	case 13:
		spec.endpoint_mode = "ingress";
		break;
	case 14:
		spec.spare_port = spec.target_port;
		break;
	case 15:
		spec.target_port = spec.published_port = 0;
		spec.spare_port = 65535;
		break;
	}
	mock_start(&m, NULL);
	e = engine_for(&m);
	ck_assert_int_eq(sp_engine_service_create(&id, e, &spec), SP_EINVALID);
	ck_assert_ptr_null(id);
	ck_assert_msg(!mock_saw(&m, "/services"), "%s: sent %s",
	              bad_spec_cases[_i].what, m.log.ptr);
	ck_assert_msg(!strstr(sp_error_last(), "hunter2"), "%s",
	              sp_error_last());
	ck_assert_int_eq(sp_engine_service_update(e, "svc1", 3, &spec, 0),
	                 SP_EINVALID);
	ck_assert(!mock_saw(&m, "/services"));
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

static const struct {
	mock_reply reply;
	int code;
	const char *message;
} create_error_cases[] = {
    {{"/services/create", CONFLICT_HEAD,
      "{\"message\":\"rpc error: code = AlreadyExists desc = name "
      "conflicts with an existing object\"}",
      0, REPLY_NORMAL, 0},
     SP_EEXISTS,
     "create service 'spacehook-alice--demo': rpc error"},
    {{"/services/create", UNAVAILABLE_HEAD, NOT_SWARM, 0, REPLY_NORMAL, 0},
     SP_EENGINE,
     "not a swarm manager"},
    {{"/services/create", CREATED_HEAD, "{\"Warning\":\"x\"}", 0, REPLY_NORMAL,
      0},
     SP_EENGINE,
     "no service id"},
    {{"/services/create", CREATED_HEAD, "{\"ID\":\"../x\"}", 0, REPLY_NORMAL,
      0},
     SP_EENGINE,
     "no service id"},
    {{"/services/create", CREATED_HEAD, "{\"ID\":", 0, REPLY_NORMAL, 0},
     SP_EENGINE,
     "not JSON"},
};

START_TEST(test_service_create_errors)
{
	mock_reply replies[2];
	sp_service_spec spec = full_spec();
	mock m;
	sp_engine *e;
	char *id = NULL;

	memset(replies, 0, sizeof(replies));
	replies[0] = create_error_cases[_i].reply;
	mock_start(&m, replies);
	e = engine_for(&m);
	ck_assert_int_eq(sp_engine_service_create(&id, e, &spec),
	                 create_error_cases[_i].code);
	ck_assert_ptr_null(id);
	ck_assert_msg(strstr(sp_error_last(), create_error_cases[_i].message),
	              "%s", sp_error_last());
	ck_assert(!strstr(sp_error_last(), "hunter2"));
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

#define SERVICE_SVC1                                                           \
	"{\"ID\":\"svc1\",\"Version\":{\"Index\":42},"                         \
	"\"CreatedAt\":\"2026-01-01T00:00:00Z\","                              \
	"\"UpdatedAt\":\"2026-01-02T00:00:00Z\","                              \
	"\"Spec\":{\"Name\":\"spacehook-alice--demo\",\"Labels\":"             \
	"{\"spacehook.space\":\"alice/demo\"},\"TaskTemplate\":"               \
	"{\"ContainerSpec\":{\"Image\":\"127.0.0.1:5000/spaces/"               \
	"alice--demo:new\",\"Env\":[\"HF_TOKEN=hunter2-token-value\"],"        \
	"\"Healthcheck\":{\"Test\":[\"CMD-SHELL\",\"exit 0\"]}},"              \
	"\"ForceUpdate\":3},\"Mode\":{\"Replicated\":{\"Replicas\":2}}},"      \
	"\"PreviousSpec\":{\"Name\":\"spacehook-alice--demo\","                \
	"\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":\"127.0.0.1:5000/"     \
	"spaces/alice--demo:old\"}},\"Mode\":{\"Replicated\":"                 \
	"{\"Replicas\":2}}},"                                                  \
	"\"Endpoint\":{\"Ports\":[{\"Protocol\":\"udp\",\"PublishedPort\":53}" \
	","                                                                    \
	"{\"Protocol\":\"tcp\",\"TargetPort\":7860,\"PublishedPort\":30001,"   \
	"\"PublishMode\":\"host\"}]},"                                         \
	"\"UpdateStatus\":{\"State\":\"rollback_completed\",\"Message\":"      \
	"\"rollback completed\"}}"

static const struct {
	mock_reply reply;
	int code;
	long long version;
	const char *image;
	long long replicas;
	const char *update_state;
	int has_previous;
	const char *previous_image;
} inspect_cases[] = {
    {{"/services/svc1", JSON_HEAD, SERVICE_SVC1, 0, REPLY_NORMAL, 0},
     0,
     42,
     "127.0.0.1:5000/spaces/alice--demo:new",
     2,
     "rollback_completed",
     1,
     "127.0.0.1:5000/spaces/alice--demo:old"},
    {{"/services/svc1", JSON_HEAD,
      "{\"ID\":\"svc1\",\"Spec\":{\"Mode\":{\"Global\":{}}},"
      "\"Version\":{\"Index\":\"x\"},\"UpdateStatus\":null}",
      0, REPLY_NORMAL, 0},
     0,
     0,
     "",
     -1,
     "",
     0,
     ""},
    {{"/services/svc1", NOTFOUND_HEAD,
      "{\"message\":\"service svc1 not found\"}", 0, REPLY_NORMAL, 0},
     SP_ENOTFOUND,
     0,
     NULL,
     0,
     NULL,
     0,
     NULL},
    {{"/services/svc1", JSON_HEAD, "{\"Spec\":{}}", 0, REPLY_NORMAL, 0},
     SP_EENGINE,
     0,
     NULL,
     0,
     NULL,
     0,
     NULL},
};

START_TEST(test_service_inspect)
{
	mock_reply replies[2];
	mock m;
	sp_engine *e;
	sp_service_info info;
	int error;

	memset(replies, 0, sizeof(replies));
	replies[0] = inspect_cases[_i].reply;
	mock_start(&m, replies);
	e = engine_for(&m);
	error = sp_engine_service_inspect(&info, e, "svc1");
	ck_assert_msg(error == inspect_cases[_i].code, "%s", sp_error_last());
	ck_assert(mock_saw(&m, "GET /v1.40/services/svc1 HTTP/1.1"));
	if (!error) {
		ck_assert_str_eq(info.id, "svc1");
		ck_assert(info.version == inspect_cases[_i].version);
		ck_assert_str_eq(info.image, inspect_cases[_i].image);
		ck_assert(info.replicas == inspect_cases[_i].replicas);
		ck_assert_str_eq(info.update_state,
		                 inspect_cases[_i].update_state);
		ck_assert_int_eq(info.has_previous,
		                 inspect_cases[_i].has_previous);
		ck_assert_str_eq(info.previous_image,
		                 inspect_cases[_i].previous_image);
		/* Only a shell command is one. */
		ck_assert_str_eq(info.health_cmd, inspect_cases[_i].has_previous
		                                      ? "exit 0"
		                                      : "");
	}
	if (!error && inspect_cases[_i].has_previous) {
		ck_assert_str_eq(info.name, "spacehook-alice--demo");
		ck_assert_str_eq(
		    sp_engine_labels_get(&info.labels, "spacehook.space"),
		    "alice/demo");
		ck_assert(info.force_update == 3);
		ck_assert_str_eq(info.update_message, "rollback completed");
		ck_assert_int_eq(info.published_port, 30001);
		ck_assert_str_eq(info.created_at, "2026-01-01T00:00:00Z");
	}
	sp_service_info_dispose(&info);
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

static const struct {
	long long version;
	int rollback;
	const char *request;
	int inspects; /* the service is read first */
} update_cases[] = {
    {42, 0, "POST /v1.40/services/svc1/update?version=42 HTTP/1.1", 0},
    {0, 0, "POST /v1.40/services/svc1/update?version=42 HTTP/1.1", 1},
    {41, 1,
     "POST /v1.40/services/svc1/update?version=41&rollback=previous "
     "HTTP/1.1",
     1},
    {0, 1,
     "POST /v1.40/services/svc1/update?version=42&rollback=previous "
     "HTTP/1.1",
     1},
};

START_TEST(test_service_update)
{
	static const mock_reply replies[] = {
	    {"/services/svc1/update", JSON_HEAD, "{\"Warnings\":null}", 0,
	     REPLY_NORMAL, 0},
	    {"GET /v1.40/services/svc1 ", JSON_HEAD, SERVICE_SVC1, 0,
	     REPLY_NORMAL, 0},
	    {NULL, NULL, NULL, 0, REPLY_NORMAL, 0}};
	sp_service_spec spec = full_spec();
	mock m;
	sp_engine *e;
	cJSON *json;

	mock_start(&m, replies);
	e = engine_for(&m);
	ck_assert_msg(
	    sp_engine_service_update(e, "svc1", update_cases[_i].version,
	                             update_cases[_i].rollback ? NULL : &spec,
	                             update_cases[_i].rollback) == 0,
	    "%s", sp_error_last());
	ck_assert_msg(mock_saw(&m, update_cases[_i].request), "%s", m.log.ptr);
	ck_assert_int_eq(mock_saw(&m, "GET /v1.40/services/svc1 "),
	                 update_cases[_i].inspects);
	assert_registry_auth(&m, "/services/svc1/update", "{}");
	json = request_json(&m, "/services/svc1/update");
	if (update_cases[_i].rollback) {
		/* the current spec, sent back as the engine read it */
		assert_json_str(json, "Name", "spacehook-alice--demo");
		assert_json_str(json, "TaskTemplate.ContainerSpec.Image",
		                "127.0.0.1:5000/spaces/alice--demo:new");
		assert_json_num(json, "TaskTemplate.ForceUpdate", 3);
		assert_json_num(json, "Mode.Replicated.Replicas", 2);
		ck_assert_ptr_null(at(json, "ID"));
		ck_assert_ptr_null(at(json, "Version"));
	} else {
		assert_full_body(json);
	}
	cJSON_Delete(json);
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

static const struct {
	mock_reply reply;
	int code;
	const char *message;
} update_error_cases[] = {
    {{"/services/svc1/update", ERROR_HEAD,
      "{\"message\":\"rpc error: code = Unknown desc = update out of "
      "sequence\"}",
      0, REPLY_NORMAL, 0},
     SP_EENGINE,
     "update service 'svc1': rpc error: code = Unknown desc = update out of "
     "sequence"},
    {{"/services/svc1/update", NOTFOUND_HEAD,
      "{\"message\":\"service svc1 not found\"}", 0, REPLY_NORMAL, 0},
     SP_ENOTFOUND,
     "service svc1 not found"},
    {{"/services/svc1/update", "HTTP/1.1 400 Bad Request\r\n",
      "{\"message\":\"invalid service version 'x'\"}", 0, REPLY_NORMAL, 0},
     SP_EENGINE,
     "invalid service version"},
};

/* How many requests the mock saw whose line contains `s`. */
static size_t mock_count(mock *m, const char *s)
{
	size_t n = 0;

	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->request_count; i++)
		n += strstr(m->requests[i].line, s) != NULL;
	pthread_mutex_unlock(&m->lock);
	return n;
}

/* Scaling reads the version itself: an out-of-sequence refusal is tried
 * again with a fresh read, a bounded number of times; another error is not. */
START_TEST(test_service_scale_retries)
{
	mock_reply replies[3];
	mock m;
	sp_engine *e;
	int sequence = _i == 0;

	memset(replies, 0, sizeof(replies));
	replies[0] = update_error_cases[_i].reply;
	replies[1] = (mock_reply){"GET /v1.40/services/svc1 ",
	                          JSON_HEAD,
	                          SERVICE_SVC1,
	                          0,
	                          REPLY_NORMAL,
	                          0};
	mock_start(&m, replies);
	e = engine_for(&m);
	ck_assert_int_eq(sp_engine_service_scale(e, "svc1", 0, 0),
	                 update_error_cases[_i].code);
	ck_assert_msg(strstr(sp_error_last(), update_error_cases[_i].message),
	              "%s", sp_error_last());
	ck_assert_int_eq(sp_engine_out_of_sequence(), sequence);
	ck_assert_uint_eq(mock_count(&m, "/services/svc1/update"),
	                  sequence ? SP_SERVICE_UPDATE_TRIES : 1);
	ck_assert_uint_eq(mock_count(&m, "GET /v1.40/services/svc1 "),
	                  sequence ? SP_SERVICE_UPDATE_TRIES : 1);
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

START_TEST(test_service_update_errors)
{
	mock_reply replies[2];
	sp_service_spec spec = full_spec();
	mock m;
	sp_engine *e;

	memset(replies, 0, sizeof(replies));
	replies[0] = update_error_cases[_i].reply;
	mock_start(&m, replies);
	e = engine_for(&m);
	ck_assert_int_eq(sp_engine_service_update(e, "svc1", 42, &spec, 0),
	                 update_error_cases[_i].code);
	ck_assert_msg(strstr(sp_error_last(), update_error_cases[_i].message),
	              "%s", sp_error_last());
	ck_assert(!strstr(sp_error_last(), "hunter2"));
	/* a rollback of a service that is not there: found out first */
	ck_assert_int_eq(sp_engine_service_update(e, "gone", 1, NULL, 1),
	                 SP_ENOTFOUND);
	ck_assert(!mock_saw(&m, "/services/gone/update"));
	ck_assert_int_eq(sp_engine_service_update(e, "svc1", -1, &spec, 0),
	                 SP_EINVALID);
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

START_TEST(test_service_remove_and_list)
{
	static const mock_reply replies[] = {
	    {"DELETE /v1.40/services/svc1 ", JSON_HEAD, "", 0, REPLY_NORMAL, 0},
	    {"DELETE /v1.40/services/gone ", NOTFOUND_HEAD,
	     "{\"message\":\"service gone not found\"}", 0, REPLY_NORMAL, 0},
	    {"GET /v1.40/services?", JSON_HEAD,
	     "[" SERVICE_SVC1 ",{\"ID\":\"svc2\",\"Spec\":{\"Name\":\"b\"}},"
	     "{\"Spec\":{}},7]",
	     0, REPLY_NORMAL, 0},
	    {NULL, NULL, NULL, 0, REPLY_NORMAL, 0}};
	mock m;
	sp_engine *e;
	sp_service_list list;

	mock_start(&m, replies);
	e = engine_for(&m);
	ck_assert_msg(sp_engine_service_remove(e, "svc1") == 0, "%s",
	              sp_error_last());
	ck_assert(mock_saw(&m, "DELETE /v1.40/services/svc1 HTTP/1.1"));
	ck_assert_int_eq(sp_engine_service_remove(e, "gone"), SP_ENOTFOUND);
	ck_assert_ptr_nonnull(
	    strstr(sp_error_last(), "remove service 'gone': service gone"));
	ck_assert_int_eq(sp_engine_service_remove(e, "../x"), SP_EINVALID);

	ck_assert_msg(
	    sp_engine_service_list(&list, e, "spacehook.space=alice/demo") == 0,
	    "%s", sp_error_last());
	ck_assert_msg(
	    mock_saw(&m, "GET /v1.40/services?filters=%7B%22label%22%3A%5B%22"
	                 "spacehook.space%3Dalice%2Fdemo%22%5D%7D HTTP/1.1"),
	    "%s", m.log.ptr);
	ck_assert_int_eq(list.count, 2);
	ck_assert_str_eq(list.items[0].id, "svc1");
	ck_assert(list.items[0].version == 42);
	ck_assert_int_eq(list.items[0].has_previous, 1);
	ck_assert_str_eq(list.items[1].id, "svc2");
	ck_assert_str_eq(list.items[1].name, "b");
	ck_assert_str_eq(list.items[1].image, "");
	ck_assert(list.items[1].replicas == -1);
	sp_service_list_dispose(&list);
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

/* --- tasks --- */

START_TEST(test_task_list)
{
	static const mock_reply replies[] = {
	    {"GET /v1.40/tasks?", JSON_HEAD,
	     "[{\"ID\":\"t1\",\"ServiceID\":\"svc1\",\"NodeID\":\"n1\","
	     "\"Slot\":1,\"CreatedAt\":\"2026-01-01T00:00:00Z\","
	     "\"UpdatedAt\":\"2026-01-01T00:00:05Z\","
	     "\"Spec\":{\"ContainerSpec\":{\"Image\":\"127.0.0.1:5000/spaces/"
	     "alice--demo:abc123\",\"Env\":[\"A=b\"]}},"
	     "\"DesiredState\":\"running\","
	     "\"Status\":{\"Timestamp\":\"2026-01-01T00:00:04Z\",\"State\":"
	     "\"running\",\"Message\":\"started\",\"ContainerStatus\":"
	     "{\"ContainerID\":\"c0ffee\",\"PID\":77,\"ExitCode\":0},"
	     "\"PortStatus\":{\"Ports\":[{\"Protocol\":\"udp\",\"TargetPort\":"
	     "53,\"PublishedPort\":53},{\"Protocol\":\"tcp\",\"TargetPort\":"
	     "7860,\"PublishedPort\":30001,\"PublishMode\":\"host\"},"
	     "{\"Protocol\":\"tcp\",\"TargetPort\":65535,\"PublishedPort\":"
	     "30002,\"PublishMode\":\"host\"}]}},"
	     "\"NetworksAttachments\":[{\"Network\":{\"ID\":\"net1\"},"
	     "\"Addresses\":[\"10.0.1.5/24\"]},{\"Addresses\":[\"172.18.0.3/"
	     "16\",7]}]},"
	     "{\"ID\":\"t0\",\"ServiceID\":\"svc1\",\"NodeID\":\"n2\","
	     "\"Slot\":1,\"DesiredState\":\"shutdown\",\"Status\":{\"State\":"
	     "\"failed\",\"Message\":\"started\",\"Err\":\"task: non-zero exit "
	     "(1)\",\"ContainerStatus\":{\"ContainerID\":\"dead\","
	     "\"ExitCode\":1}}},"
	     "{\"ID\":\"t2\",\"Slot\":\"x\",\"Status\":\"odd\","
	     "\"NetworksAttachments\":7},"
	     "{\"NodeID\":\"no id\"},\"odd\"]",
	     0, REPLY_NORMAL, 0},
	    {NULL, NULL, NULL, 0, REPLY_NORMAL, 0}};
	mock m;
	sp_engine *e;
	sp_task_list list;

	mock_start(&m, replies);
	e = engine_for(&m);
	ck_assert_msg(sp_engine_task_list(&list, e, "svc1") == 0, "%s",
	              sp_error_last());
	ck_assert_msg(mock_saw(&m, "GET /v1.40/tasks?filters=%7B%22service%22%"
	                           "3A%5B%22svc1%22%5D%7D HTTP/1.1"),
	              "%s", m.log.ptr);
	ck_assert_int_eq(list.count, 3);
	ck_assert_str_eq(list.items[0].id, "t1");
	ck_assert_str_eq(list.items[0].service_id, "svc1");
	ck_assert_str_eq(list.items[0].node_id, "n1");
	ck_assert_int_eq(list.items[0].slot, 1);
	ck_assert_str_eq(list.items[0].desired_state, "running");
	ck_assert_str_eq(list.items[0].state, "running");
	ck_assert_str_eq(list.items[0].message, "started");
	ck_assert_str_eq(list.items[0].error, "");
	ck_assert_str_eq(list.items[0].container_id, "c0ffee");
	ck_assert_int_eq(list.items[0].exit_code, 0);
	ck_assert_str_eq(list.items[0].image,
	                 "127.0.0.1:5000/spaces/alice--demo:abc123");
	ck_assert_str_eq(list.items[0].created_at, "2026-01-01T00:00:00Z");
	ck_assert_str_eq(list.items[0].updated_at, "2026-01-01T00:00:05Z");
	ck_assert_str_eq(list.items[0].timestamp, "2026-01-01T00:00:04Z");
	ck_assert_int_eq(list.items[0].address_count, 2);
	ck_assert_str_eq(list.items[0].addresses[0], "10.0.1.5");
	ck_assert_str_eq(list.items[0].addresses[1], "172.18.0.3");
	ck_assert_int_eq(list.items[0].target_port, 7860);
	ck_assert_int_eq(list.items[0].published_port, 30001);
	ck_assert_int_eq(sp_task_port(&list.items[0], 7860), 30001);
	ck_assert_int_eq(sp_task_port(&list.items[0], 65535), 30002);
	ck_assert_int_eq(sp_task_port(&list.items[0], 53), 0);

	ck_assert_str_eq(list.items[1].state, "failed");
	ck_assert_str_eq(list.items[1].desired_state, "shutdown");
	ck_assert_str_eq(list.items[1].error, "task: non-zero exit (1)");
	ck_assert_int_eq(list.items[1].exit_code, 1);
	ck_assert_int_eq(list.items[1].address_count, 0);
	ck_assert_int_eq(list.items[1].published_port, 0);

	ck_assert_str_eq(list.items[2].id, "t2");
	ck_assert_int_eq(list.items[2].slot, 0);
	ck_assert_str_eq(list.items[2].state, "");
	ck_assert_str_eq(list.items[2].node_id, "");
	ck_assert_int_eq(list.items[2].address_count, 0);
	sp_task_list_dispose(&list);
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

static const struct {
	mock_reply reply;
	int code;
	const char *message;
} task_error_cases[] = {
    {{"/tasks", JSON_HEAD, "{\"not\":\"a list\"}", 0, REPLY_NORMAL, 0},
     SP_EENGINE,
     "not a list"},
    {{"/tasks", UNAVAILABLE_HEAD, NOT_SWARM, 0, REPLY_NORMAL, 0},
     SP_EENGINE,
     "list the tasks of service 'svc1': This node is not a swarm manager"},
    {{"/tasks", JSON_HEAD, "[", 0, REPLY_NORMAL, 0}, SP_EENGINE, "not JSON"},
};

START_TEST(test_task_list_errors)
{
	mock_reply replies[2];
	mock m;
	sp_engine *e;
	sp_task_list list;

	memset(replies, 0, sizeof(replies));
	replies[0] = task_error_cases[_i].reply;
	mock_start(&m, replies);
	e = engine_for(&m);
	ck_assert_int_eq(sp_engine_task_list(&list, e, "svc1"),
	                 task_error_cases[_i].code);
	ck_assert_msg(strstr(sp_error_last(), task_error_cases[_i].message),
	              "%s", sp_error_last());
	ck_assert_int_eq(list.count, 0);
	sp_task_list_dispose(&list);
	ck_assert_int_eq(sp_engine_task_list(&list, e, "a b"), SP_EINVALID);
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

/* --- service logs --- */

typedef struct {
	sp_buf out;
	sp_buf err;
} collected;

static int collect(int stream, const char *data, size_t len, void *payload)
{
	collected *c = payload;

	if (stream == 1)
		sp_buf_put(&c->out, data, len);
	else if (stream == 2)
		sp_buf_put(&c->err, data, len);
	return 0;
}

static const char log_frames[] = "\1\0\0\0\0\0\0\6hello\n"
                                 "\2\0\0\0\0\0\0\5oops\n"
                                 "\1\0\0\0\0\0\0\6again\n";

START_TEST(test_service_logs)
{
	static const mock_reply replies[] = {
	    {"/services/svc1/logs", "HTTP/1.1 200 OK\r\n", log_frames,
	     sizeof(log_frames) - 1, REPLY_CHUNKED, 5},
	    {"GET /v1.40/services/svc1 ", JSON_HEAD, SERVICE_SVC1, 0,
	     REPLY_NORMAL, 0},
	    {"/services/gone", NOTFOUND_HEAD,
	     "{\"message\":\"service gone not found\"}", 0, REPLY_NORMAL, 0},
	    {NULL, NULL, NULL, 0, REPLY_NORMAL, 0}};
	mock m;
	sp_engine *e;
	collected c = {SP_BUF_INIT, SP_BUF_INIT};

	mock_start(&m, replies);
	e = engine_for(&m);
	ck_assert_msg(sp_engine_service_logs(e, "svc1", 10, 0, collect, &c) ==
	                  0,
	              "%s", sp_error_last());
	ck_assert_msg(mock_saw(&m, "GET /v1.40/services/svc1/logs?stdout=1&"
	                           "stderr=1&tail=10 HTTP/1.1"),
	              "%s", m.log.ptr);
	ck_assert_str_eq(c.out.ptr, "hello\nagain\n");
	ck_assert_str_eq(c.err.ptr, "oops\n");
	ck_assert_int_eq(sp_engine_service_logs(e, "gone", -1, 0, collect, &c),
	                 SP_ENOTFOUND);
	ck_assert(!mock_saw(&m, "/services/gone/logs"));
	ck_assert_int_eq(sp_engine_service_logs(e, "svc1", -1, 0, NULL, NULL),
	                 SP_EINVALID);
	sp_buf_dispose(&c.out);
	sp_buf_dispose(&c.err);
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

/* --- secrets --- */

#define SECRET_VALUE "hunter2/secret+value?"
/* base64 of SECRET_VALUE */
#define SECRET_B64 "aHVudGVyMi9zZWNyZXQrdmFsdWU/"

static const struct {
	mock_reply reply;
	int code;
	const char *message;
} secret_cases[] = {
    {{"/secrets/create", CREATED_HEAD, "{\"ID\":\"sec1\"}", 0, REPLY_NORMAL, 0},
     0,
     NULL},
    {{"/secrets/create", CONFLICT_HEAD,
      "{\"message\":\"rpc error: code = AlreadyExists desc = secret "
      "alice--demo-HF_TOKEN-3 already exists\"}",
      0, REPLY_NORMAL, 0},
     SP_EEXISTS,
     "create secret 'alice--demo-HF_TOKEN-3': rpc error"},
    {{"/secrets/create", ERROR_HEAD,
      "{\"message\":\"bad data: " SECRET_VALUE "\"}", 0, REPLY_NORMAL, 0},
     SP_EENGINE,
     "not shown"},
    {{"/secrets/create", "HTTP/1.1 400 Bad Request\r\n",
      "{\"message\":\"cannot decode " SECRET_B64 "\"}", 0, REPLY_NORMAL, 0},
     SP_EENGINE,
     "not shown"},
    {{"/secrets/create", "HTTP/1.1 400 Bad Request\r\n",
      "bad data: " SECRET_VALUE, 0, REPLY_NORMAL, 0},
     SP_EENGINE,
     "not shown"},
    {{"/secrets/create", UNAVAILABLE_HEAD, NOT_SWARM, 0, REPLY_NORMAL, 0},
     SP_EENGINE,
     "not a swarm manager"},
    {{"/secrets/create", CREATED_HEAD, "{}", 0, REPLY_NORMAL, 0},
     SP_EENGINE,
     "no secret id"},
};

static const char *secret_labels[] = {"spacehook.space=alice/demo",
                                      "spacehook.secret=HF_TOKEN", NULL};

START_TEST(test_secret_create)
{
	mock_reply replies[2];
	mock m;
	sp_engine *e;
	char *id = NULL;
	cJSON *json;
	sp_buf data = SP_BUF_INIT;
	int error;

	memset(replies, 0, sizeof(replies));
	replies[0] = secret_cases[_i].reply;
	mock_start(&m, replies);
	e = engine_for(&m);
	error = sp_engine_secret_create(&id, e, "alice--demo-HF_TOKEN-3",
	                                SECRET_VALUE, strlen(SECRET_VALUE),
	                                secret_labels);
	ck_assert_msg(error == secret_cases[_i].code, "%s", sp_error_last());
	ck_assert(mock_saw(&m, "POST /v1.40/secrets/create HTTP/1.1"));
	json = request_json(&m, "/secrets/create");
	assert_json_str(json, "Name", "alice--demo-HF_TOKEN-3");
	assert_json_str(json, "Labels.spacehook\\.secret", "HF_TOKEN");
	ck_assert_int_eq(
	    base64_decode(&data,
	                  cJSON_GetObjectItem(json, "Data")->valuestring),
	    0);
	ck_assert_str_eq(data.ptr, SECRET_VALUE);
	if (!error) {
		ck_assert_str_eq(id, "sec1");
	} else {
		ck_assert_ptr_null(id);
		ck_assert_msg(strstr(sp_error_last(), secret_cases[_i].message),
		              "%s", sp_error_last());
	}
	ck_assert_msg(!strstr(sp_error_last(), "hunter2"), "%s",
	              sp_error_last());
	ck_assert_msg(!strstr(sp_error_last(), SECRET_B64), "%s",
	              sp_error_last());
	cJSON_Delete(json);
	free(id);
	sp_buf_dispose(&data);
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

START_TEST(test_secret_refused)
{
	static const char big[600 * 1024];
	mock m;
	sp_engine *e;
	char *id = NULL;

	mock_start(&m, NULL);
	e = engine_for(&m);
	ck_assert_int_eq(sp_engine_secret_create(&id, e, "x", "", 0, NULL),
	                 SP_EINVALID);
	ck_assert_int_eq(
	    sp_engine_secret_create(&id, e, "x", big, sizeof(big), NULL),
	    SP_EINVALID);
	ck_assert_int_eq(sp_engine_secret_create(&id, e, "a/b", SECRET_VALUE,
	                                         strlen(SECRET_VALUE), NULL),
	                 SP_EINVALID);
	ck_assert(!strstr(sp_error_last(), "hunter2"));
	ck_assert_ptr_null(id);
	ck_assert(!mock_saw(&m, "/secrets"));
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

START_TEST(test_secret_remove_and_list)
{
	static const mock_reply replies[] = {
	    {"DELETE /v1.40/secrets/sec1 ", JSON_HEAD, "", 0, REPLY_NORMAL, 0},
	    {"DELETE /v1.40/secrets/gone ", NOTFOUND_HEAD,
	     "{\"message\":\"secret gone not found\"}", 0, REPLY_NORMAL, 0},
	    {"DELETE /v1.40/secrets/used ",
	     "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n",
	     "{\"message\":\"rpc error: code = InvalidArgument desc = secret "
	     "'used' is in use by the following service: spacehook-x\"}",
	     0, REPLY_NORMAL, 0},
	    {"GET /v1.40/secrets?", JSON_HEAD,
	     "[{\"ID\":\"sec1\",\"Version\":{\"Index\":11},\"CreatedAt\":"
	     "\"2026-01-01T00:00:00Z\",\"Spec\":{\"Name\":\"a-HF_TOKEN-3\","
	     "\"Labels\":{\"spacehook.secret\":\"HF_TOKEN\"}}},"
	     "{\"ID\":\"sec2\"},{\"Spec\":{}}]",
	     0, REPLY_NORMAL, 0},
	    {NULL, NULL, NULL, 0, REPLY_NORMAL, 0}};
	mock m;
	sp_engine *e;
	sp_secret_list list;

	mock_start(&m, replies);
	e = engine_for(&m);
	ck_assert_msg(sp_engine_secret_remove(e, "sec1") == 0, "%s",
	              sp_error_last());
	ck_assert(mock_saw(&m, "DELETE /v1.40/secrets/sec1 HTTP/1.1"));
	ck_assert_int_eq(sp_engine_secret_remove(e, "gone"), SP_ENOTFOUND);
	ck_assert_int_eq(sp_engine_secret_remove(e, "used"), SP_EENGINE);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), "is in use"));

	ck_assert_msg(
	    sp_engine_secret_list(&list, e, "spacehook.space=alice/demo") == 0,
	    "%s", sp_error_last());
	ck_assert(mock_saw(&m, "GET /v1.40/secrets?filters=%7B%22label%22%3A%5B"
	                       "%22spacehook.space%3Dalice%2Fdemo%22%5D%7D "
	                       "HTTP/1.1"));
	ck_assert_int_eq(list.count, 2);
	ck_assert_str_eq(list.items[0].id, "sec1");
	ck_assert_str_eq(list.items[0].name, "a-HF_TOKEN-3");
	ck_assert(list.items[0].version == 11);
	ck_assert_str_eq(list.items[0].created_at, "2026-01-01T00:00:00Z");
	ck_assert_str_eq(
	    sp_engine_labels_get(&list.items[0].labels, "spacehook.secret"),
	    "HF_TOKEN");
	ck_assert_str_eq(list.items[1].id, "sec2");
	ck_assert_str_eq(list.items[1].name, "");
	sp_secret_list_dispose(&list);
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

/* --- the mock itself: headers and bodies as seen --- */

START_TEST(test_mock_headers)
{
	mock m;
	sp_engine *e;
	sp_buf out = SP_BUF_INIT, value = SP_BUF_INIT;
	long status = 0;

	mock_start(&m, NULL);
	e = engine_for(&m);
	ck_assert_int_eq(
	    sp_engine_request(&out, &status, e, "POST", "/x", "{\"a\":1}"), 0);
	ck_assert_int_eq(mock_request_body(&m, "POST /v1.40/x ", &value), 1);
	ck_assert_str_eq(value.ptr, "{\"a\":1}");
	ck_assert_int_eq(
	    mock_request_header(&m, "POST /v1.40/x ", "content-type", &value),
	    1);
	ck_assert_str_eq(value.ptr, "application/json");
	ck_assert_int_eq(mock_request_header(&m, "POST /v1.40/x ",
	                                     "X-Registry-Auth", &value),
	                 0);
	ck_assert_int_eq(mock_request_body(&m, "/nothing", &value), 0);
	sp_buf_dispose(&out);
	sp_buf_dispose(&value);
	sp_engine_free(e);
	mock_stop(&m);
}
END_TEST

#define LOOP(tc, test, table)                                                  \
	tcase_add_loop_test(tc, test, 0, sizeof(table) / sizeof(table[0]))

int main(void)
{
	Suite *s = suite_create("engine_swarm");
	TCase *tc;

	tc = tcase_create("refs");
	LOOP(tc, test_ref_split, ref_cases);
	suite_add_tcase(s, tc);

	tc = tcase_create("registry");
	LOOP(tc, test_registry, registry_cases);
	tcase_add_loop_test(tc, test_push_digest, 0, 3);
	tcase_add_test(tc, test_tag_registry_repo);
	suite_add_tcase(s, tc);

	tc = tcase_create("swarm");
	LOOP(tc, test_swarm_info, swarm_cases);
	tcase_add_test(tc, test_node_list);
	LOOP(tc, test_registry_insecure, insecure_cases);
	tcase_add_test(tc, test_node_list_not_swarm);
	suite_add_tcase(s, tc);

	tc = tcase_create("services");
	tcase_add_test(tc, test_service_create);
	tcase_add_test(tc, test_service_create_minimal);
	tcase_add_test(tc, test_service_spare_port);
	tcase_add_test(tc, test_service_global_job);
	LOOP(tc, test_service_bad_spec, bad_spec_cases);
	LOOP(tc, test_service_create_errors, create_error_cases);
	LOOP(tc, test_service_inspect, inspect_cases);
	LOOP(tc, test_service_update, update_cases);
	LOOP(tc, test_service_update_errors, update_error_cases);
	LOOP(tc, test_service_scale_retries, update_error_cases);
	tcase_add_test(tc, test_service_remove_and_list);
	suite_add_tcase(s, tc);

	tc = tcase_create("tasks");
	tcase_add_test(tc, test_task_list);
	LOOP(tc, test_task_list_errors, task_error_cases);
	suite_add_tcase(s, tc);

	tc = tcase_create("logs");
	tcase_add_test(tc, test_service_logs);
	suite_add_tcase(s, tc);

	tc = tcase_create("secrets");
	LOOP(tc, test_secret_create, secret_cases);
	tcase_add_test(tc, test_secret_refused);
	tcase_add_test(tc, test_secret_remove_and_list);
	suite_add_tcase(s, tc);

	tc = tcase_create("mock");
	tcase_add_test(tc, test_mock_headers);
	suite_add_tcase(s, tc);

	return sp_test_run(s);
}
