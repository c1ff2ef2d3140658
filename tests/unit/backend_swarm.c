/* Tests of the swarm backend against the mock Docker engine: how a version's
 * tasks read as its status and its address, and what removing a version
 * does to the service (no second rollback after the swarm's own). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "error.h"
#include "settings.h"

#include "mockengine.h"
#include "testlib.h"

#define JSON_HEAD "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"

/* The service as inspect gives it: its current stamp (ForceUpdate), whether
 * it has a previous spec, and the state of its last update. */
#define SERVICE(stamp, previous, update)                                       \
	"{\"ID\":\"svc1\",\"Version\":{\"Index\":7},"                          \
	"\"Spec\":{\"Name\":\"spacehook-o--n\",\"Mode\":{\"Replicated\":"      \
	"{\"Replicas\":1}},\"TaskTemplate\":{\"ForceUpdate\":" stamp           \
	",\"ContainerSpec\":{\"Image\":\"r:5000/spaces/o--n:c\"}}}" previous   \
	",\"UpdateStatus\":{\"State\":\"" update "\"}}"
#define PREVIOUS                                                               \
	",\"PreviousSpec\":{\"Name\":\"spacehook-o--n\",\"TaskTemplate\":"     \
	"{\"ForceUpdate\":100,\"ContainerSpec\":{\"Image\":\"r:5000/spaces/"   \
	"o--n:b\"}}}"
#define TASK(id, stamp, state, code, port)                                     \
	"{\"ID\":\"" id "\",\"ServiceID\":\"svc1\",\"NodeID\":\"n2\","         \
	"\"DesiredState\":\"running\",\"CreatedAt\":\"2026-12-01T0" id         \
	"\",\"Status\":{\"State\":\"" state "\",\"ContainerStatus\":"          \
	"{\"ContainerID\":\"c" id "\",\"ExitCode\":" code "},"                 \
	"\"PortStatus\":{\"Ports\":[{\"Protocol\":\"tcp\",\"TargetPort\":"     \
	"7860,"                                                                \
	"\"PublishedPort\":" port ",\"PublishMode\":\"host\"}]}},"             \
	"\"Spec\":{\"ForceUpdate\":" stamp ",\"ContainerSpec\":{\"Image\":"    \
	"\"x\"}}}"
#define NODES                                                                  \
	"[{\"ID\":\"n2\",\"Description\":{\"Hostname\":\"node-two\"},"         \
	"\"Status\":{\"State\":\"ready\",\"Addr\":\"10.9.0.2\"},"              \
	"\"Spec\":{\"Role\":\"worker\",\"Availability\":\"active\"}}]"

static sp_settings settings;

static void settings_setup(void)
{
	static char registry[] = "r:5000", bind[] = "127.0.0.1",
	            user[] = "1000", backend[] = "swarm";

	memset(&settings, 0, sizeof(settings));
	settings.registry = registry;
	settings.bind_address = bind;
	settings.run_as_user = user;
	settings.backend = backend;
}

static sp_backend *backend_for(sp_engine *engine)
{
	sp_backend *b = NULL;

	ck_assert_int_eq(
	    sp_backend_swarm_new(&b, engine, &settings, NULL, NULL), 0);
	return b;
}

/* A swarm backend over the mock engine, as `settings` say. */
typedef struct {
	mock m;
	sp_engine *engine;
	sp_backend *b;
} swarm_fixture;

static sp_backend *fixture_start(swarm_fixture *f, const mock_reply *replies)
{
	mock_start(&f->m, replies);
	f->engine = engine_for(&f->m);
	f->b = backend_for(f->engine);
	return f->b;
}

static void fixture_stop(swarm_fixture *f)
{
	sp_backend_free(f->b);
	sp_engine_free(f->engine);
	mock_stop(&f->m);
}

/* A version whose task failed: not running, with the app's exit code and
 * the node it ran on. */
START_TEST(test_status_failed)
{
	static const mock_reply replies[] = {
	    {"GET /v1.40/services/spacehook-o--n", JSON_HEAD,
	     SERVICE("200", PREVIOUS, "updating"), 0, REPLY_NORMAL, 0},
	    {"GET /v1.40/tasks", JSON_HEAD,
	     "[" TASK("1", "100", "running", "0",
	              "32768") "," TASK("2", "200", "failed", "3", "0") "]",
	     0, REPLY_NORMAL, 0},
	    {"GET /v1.40/nodes", JSON_HEAD, NODES, 0, REPLY_NORMAL, 0},
	    {NULL, NULL, NULL, 0, REPLY_NORMAL, 0}};
	sp_backend_status st;
	sp_backend *b;
	swarm_fixture f;

	settings_setup();
	b = fixture_start(&f, replies);
	ck_assert_int_eq(b->ops->status(&st, b, "spacehook-o--n/200"), 0);
	ck_assert_int_eq(st.running, 0);
	ck_assert_int_eq(st.exit_code, 3);
	ck_assert_str_eq(st.state, "failed");
	ck_assert_str_eq(st.node, "node-two");
	/* The old version, still current on another stamp, runs. */
	ck_assert_int_eq(b->ops->status(&st, b, "spacehook-o--n/100"),
	                 SP_ENOTFOUND);
	fixture_stop(&f);
}
END_TEST

/* The current version, placed and running: its node's address and the
 * port published there are where it answers. */
START_TEST(test_status_and_address_running)
{
	static const mock_reply replies[] = {
	    {"GET /v1.40/services/spacehook-o--n", JSON_HEAD,
	     SERVICE("200", PREVIOUS, "completed"), 0, REPLY_NORMAL, 0},
	    {"GET /v1.40/tasks", JSON_HEAD,
	     "[" TASK("1", "200", "running", "0", "32771") "]", 0, REPLY_NORMAL,
	     0},
	    {"GET /v1.40/nodes", JSON_HEAD, NODES, 0, REPLY_NORMAL, 0},
	    {NULL, NULL, NULL, 0, REPLY_NORMAL, 0}};
	sp_backend_spec spec = {0};
	sp_buf host = SP_BUF_INIT, url = SP_BUF_INIT, probe = SP_BUF_INIT;
	sp_backend_status st;
	sp_backend *b;
	int port = 0;
	swarm_fixture f;

	settings_setup();
	b = fixture_start(&f, replies);
	ck_assert_int_eq(b->ops->status(&st, b, "spacehook-o--n/200"), 0);
	ck_assert_int_eq(st.running, 1);
	ck_assert_str_eq(st.state, "running");
	ck_assert_str_eq(st.node, "node-two");
	ck_assert_int_eq(
	    b->ops->address(&host, &port, b, &spec, "spacehook-o--n/200"), 0);
	ck_assert_str_eq(host.ptr, "10.9.0.2");
	ck_assert_int_eq(port, 32771);
	spec.host_port = 21000;
	b->ops->target(&url, &probe, b, &spec, "spacehook-o--n/200");
	ck_assert_str_eq(url.ptr, "http://10.9.0.2:32771");
	ck_assert_str_eq(probe.ptr, "http://10.9.0.2:32771/");
	/* Not an instance of this backend. */
	ck_assert_int_eq(b->ops->status(&st, b, "0123abcd"), SP_ENOTFOUND);
	sp_buf_dispose(&host);
	sp_buf_dispose(&url);
	sp_buf_dispose(&probe);
	fixture_stop(&f);
}
END_TEST

/* Behind the front door after a fixed port the service publishes a spare
 * port too, and a task may list it first: a caller that does not know the
 * app's port (a reroute) still gets the app's, the first the service
 * spec publishes. */
START_TEST(test_address_spare_port_listed_first)
{
	static const mock_reply replies[] = {
	    {"GET /v1.40/tasks", JSON_HEAD,
	     "[{\"ID\":\"1\",\"ServiceID\":\"svc1\",\"NodeID\":\"n2\","
	     "\"DesiredState\":\"running\",\"CreatedAt\":\"2026-12-01T01\","
	     "\"Status\":{\"State\":\"running\",\"PortStatus\":{\"Ports\":"
	     "[{\"Protocol\":\"tcp\",\"TargetPort\":65535,\"PublishedPort\":"
	     "32773},{\"Protocol\":\"tcp\",\"TargetPort\":7860,"
	     "\"PublishedPort\":32772}]}},\"Spec\":{\"ForceUpdate\":200}}]",
	     0, REPLY_NORMAL, 0},
	    {"GET /v1.40/services/spacehook-o--n", JSON_HEAD,
	     "{\"ID\":\"svc1\",\"Version\":{\"Index\":7},\"Spec\":{"
	     "\"Name\":\"spacehook-o--n\",\"TaskTemplate\":{\"ForceUpdate\":"
	     "200},\"EndpointSpec\":{\"Ports\":[{\"Protocol\":\"tcp\","
	     "\"TargetPort\":7860,\"PublishMode\":\"host\"},{\"Protocol\":"
	     "\"tcp\",\"TargetPort\":65535,\"PublishMode\":\"host\"}]}}}",
	     0, REPLY_NORMAL, 0},
	    {"GET /v1.40/nodes", JSON_HEAD, NODES, 0, REPLY_NORMAL, 0},
	    {NULL, NULL, NULL, 0, REPLY_NORMAL, 0}};
	sp_backend_spec spec = {0};
	sp_buf host = SP_BUF_INIT;
	sp_backend *b;
	int port = 0;
	swarm_fixture f;

	settings_setup();
	b = fixture_start(&f, replies);
	ck_assert_int_eq(
	    b->ops->address(&host, &port, b, &spec, "spacehook-o--n/200"), 0);
	ck_assert_str_eq(host.ptr, "10.9.0.2");
	ck_assert_int_eq(port, 32772);
	ck_assert_int_eq(
	    b->ops->address(&host, &port, b, NULL, "spacehook-o--n/200"), 0);
	ck_assert_int_eq(port, 32772);
	spec.app_port = 7860;
	ck_assert_int_eq(
	    b->ops->address(&host, &port, b, &spec, "spacehook-o--n/200"), 0);
	ck_assert_int_eq(port, 32772);
	sp_buf_dispose(&host);
	fixture_stop(&f);
}
END_TEST

/* Removing a version: what the service gets, by its state. */
static const struct {
	const char *service; /* the inspect answer */
	const char *expect;  /* a request line the backend must send, or
	                        NULL: none that changes the service */
} remove_cases[] = {
    /* The swarm rolled it back already: no second rollback. */
    {SERVICE("100", PREVIOUS, "rollback_completed"), NULL},
    {SERVICE("200", PREVIOUS, "rollback_started"), NULL},
    /* It serves, and had a version before: back to that one. */
    {SERVICE("200", PREVIOUS, "completed"),
     "POST /v1.40/services/spacehook-o--n/update?version=7&rollback="
     "previous"},
    /* Its first version: the service goes. */
    {SERVICE("200", "", "completed"), "DELETE /v1.40/services/spacehook-o--n"},
};

START_TEST(test_remove)
{
	mock_reply replies[] = {
	    {"GET /v1.40/services/spacehook-o--n", JSON_HEAD,
	     remove_cases[_i].service, 0, REPLY_NORMAL, 0},
	    {"/update", JSON_HEAD, "{}", 0, REPLY_NORMAL, 0},
	    {"DELETE /", JSON_HEAD, "", 0, REPLY_NORMAL, 0},
	    {NULL, NULL, NULL, 0, REPLY_NORMAL, 0}};
	sp_backend *b;
	swarm_fixture f;

	settings_setup();
	b = fixture_start(&f, replies);
	ck_assert_int_eq(b->ops->remove(b, "spacehook-o--n/200"), 0);
	if (remove_cases[_i].expect) {
		ck_assert_msg(mock_saw(&f.m, remove_cases[_i].expect),
		              "no '%s' in:\n%s", remove_cases[_i].expect,
		              f.m.log.ptr);
	} else {
		ck_assert(!mock_saw(&f.m, "/update"));
		ck_assert(!mock_saw(&f.m, "DELETE"));
	}
	fixture_stop(&f);
}
END_TEST

/* Stop and start scale the service from its current spec. */
START_TEST(test_stop_scales)
{
	static const mock_reply replies[] = {
	    {"GET /v1.40/services/spacehook-o--n", JSON_HEAD,
	     SERVICE("200", PREVIOUS, "completed"), 0, REPLY_NORMAL, 0},
	    {"/update", JSON_HEAD, "{}", 0, REPLY_NORMAL, 0},
	    {NULL, NULL, NULL, 0, REPLY_NORMAL, 0}};
	sp_buf body = SP_BUF_INIT;
	sp_backend *b;
	swarm_fixture f;

	settings_setup();
	b = fixture_start(&f, replies);
	ck_assert_int_eq(b->ops->stop(b, "spacehook-o--n/200"), 0);
	ck_assert(mock_request_body(&f.m, "/update?version=7", &body));
	ck_assert_ptr_nonnull(strstr(body.ptr, "\"Replicas\":0"));
	ck_assert_ptr_nonnull(strstr(body.ptr, "\"ForceUpdate\":200"));
	ck_assert_int_eq(b->ops->restore(b, "spacehook-o--n/200"), 0);
	ck_assert(mock_request_body(&f.m, "/update?version=7", &body));
	ck_assert_ptr_nonnull(strstr(body.ptr, "\"Replicas\":1"));
	/* A version the service no longer runs (drained after an update)
	 * stops nothing. */
	fixture_stop(&f);
	b = fixture_start(&f, replies);
	ck_assert_int_eq(b->ops->stop(b, "spacehook-o--n/100"), SP_ENOTFOUND);
	ck_assert(!mock_saw(&f.m, "/update"));
	sp_buf_dispose(&body);
	fixture_stop(&f);
}
END_TEST

START_TEST(test_needs_registry)
{
	sp_backend *b = NULL;

	settings_setup();
	settings.registry = NULL;
	ck_assert_int_eq(sp_backend_swarm_new(&b, NULL, &settings, NULL, NULL),
	                 SP_EINVALID);
	ck_assert_ptr_null(b);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), "spacehook.registry"));
}
END_TEST

/* Behind the front door a version starting on this engine's node is
 * reached through its container as soon as that runs, before the cluster
 * lists the task's ports (after its health check); a task on another
 * node, or no front door, waits for them. */
static const struct {
	const char *self;
	int front;
	int error;
	int port;
} starting_cases[] = {
    {"n2", 1, 0, 32790},
    {"n1", 1, SP_ENOTFOUND, 0},
    {"n2", 0, SP_ENOTFOUND, 0},
};

START_TEST(test_address_starting_here)
{
	static const mock_reply replies[] = {
	    {"GET /v1.40/tasks", JSON_HEAD,
	     "[{\"ID\":\"1\",\"ServiceID\":\"svc1\",\"NodeID\":\"n2\","
	     "\"DesiredState\":\"running\",\"CreatedAt\":\"2026-12-01T01\","
	     "\"Status\":{\"State\":\"starting\",\"ContainerStatus\":"
	     "{\"ContainerID\":\"c1\"}},\"Spec\":{\"ForceUpdate\":200}}]",
	     0, REPLY_NORMAL, 0},
	    {"GET /v1.40/info", JSON_HEAD, "", 0, REPLY_NORMAL, 0},
	    {"GET /v1.40/containers/c1/json", JSON_HEAD,
	     "{\"Id\":\"c1\",\"State\":{\"Status\":\"running\",\"Running\":"
	     "true},\"NetworkSettings\":{\"Ports\":{\"7860/tcp\":[{\"HostIp\":"
	     "\"0.0.0.0\",\"HostPort\":\"32790\"}]}}}",
	     0, REPLY_NORMAL, 0},
	    {"GET /v1.40/nodes", JSON_HEAD, NODES, 0, REPLY_NORMAL, 0},
	    {NULL, NULL, NULL, 0, REPLY_NORMAL, 0}};
	mock_reply table[sizeof(replies) / sizeof(replies[0])];
	char info[128], domain[] = "spaces.example";
	sp_backend_spec spec = {.app_port = 7860};
	sp_buf host = SP_BUF_INIT;
	sp_backend *b;
	int port = -1;
	swarm_fixture f;

	memcpy(table, replies, sizeof(replies));
	snprintf(info, sizeof(info),
	         "{\"Swarm\":{\"NodeID\":\"%s\",\"LocalNodeState\":"
	         "\"active\"}}",
	         starting_cases[_i].self);
	table[1].body = info;
	settings_setup();
	settings.domain = starting_cases[_i].front ? domain : NULL;
	b = fixture_start(&f, table);
	ck_assert_int_eq(
	    b->ops->address(&host, &port, b, &spec, "spacehook-o--n/200"),
	    starting_cases[_i].error);
	ck_assert_int_eq(port, starting_cases[_i].port);
	if (!starting_cases[_i].error)
		ck_assert_str_eq(host.ptr, "10.9.0.2");
	sp_buf_dispose(&host);
	fixture_stop(&f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("backend_swarm");
	TCase *tc = tcase_create("versions");

	tcase_add_test(tc, test_status_failed);
	tcase_add_test(tc, test_status_and_address_running);
	tcase_add_test(tc, test_address_spare_port_listed_first);
	tcase_add_loop_test(tc, test_address_starting_here, 0,
	                    sizeof(starting_cases) / sizeof(starting_cases[0]));
	tcase_add_loop_test(tc, test_remove, 0,
	                    sizeof(remove_cases) / sizeof(remove_cases[0]));
	tcase_add_test(tc, test_stop_scales);
	tcase_add_test(tc, test_needs_registry);
	suite_add_tcase(s, tc);
	return sp_test_run(s);
}
