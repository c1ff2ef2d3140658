/* Tests of sleep and wake: the effective sleep time, setting it, idle time
 * from the idle log, the idle check and the wake against the mock engine, an
 * app on a real 127.0.0.1 listener. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "error.h"
#include "mockengine.h"
#include "settings.h"
#include "sleep.h"
#include "store.h"
#include "testlib.h"

#define CID "c0ffee"
#define NOCONTENT "HTTP/1.1 204 No Content\r\n"
#define R(match, head)                                                         \
	{                                                                      \
		match, head, NULL, 0, REPLY_NORMAL, 0                          \
	}

static const mock_reply engine_ok[] = {
    R("/containers/" CID "/stop", NOCONTENT),
    R("/containers/" CID "/start", NOCONTENT),
    {NULL, NULL, NULL, 0, REPLY_NORMAL, 0}};

static char state_dir[256];
static char nginx_dir[300];
static sp_store *store;

static void setup(void)
{
	store = sp_test_state_new(state_dir, sizeof(state_dir), "sleep",
	                          "alice/demo");
	snprintf(nginx_dir, sizeof(nginx_dir), "%s/nginx", state_dir);
	sp_test_sh(state_dir, "mkdir -p nginx/idle");
}

static void teardown(void)
{
	sp_test_state_free(store, state_dir);
	store = NULL;
}

static void settings_for(sp_settings *s, mock *m)
{
	memset(s, 0, sizeof(*s));
	s->state_dir = state_dir;
	s->nginx_dir = nginx_dir;
	s->domain = (char *)"spaces.test";
	s->bind_address = (char *)"127.0.0.1";
	s->sleep_time = 3600;
	s->startup_timeout = 5;
	s->docker_host = m ? m->path : NULL;
}

/* Save a state with `stage`, the container CID on `port`. */
static void state_put(const char *stage, int paused, long long sleep_time,
                      long long started_at, int port)
{
	sp_state st;

	sp_state_init(&st);
	sp_state_set(&st.stage, stage);
	sp_state_set(&st.container, CID);
	sp_state_set(&st.commit, "0123456789abcdef0123456789abcdef01234567");
	st.paused = paused;
	st.sleep_time = sleep_time;
	st.started_at = started_at;
	st.host_port = port;
	ck_assert_int_eq(sp_state_save(store, &st), 0);
	sp_state_dispose(&st);
}

static void state_get(sp_state *st)
{
	sp_state_init(st);
	ck_assert_int_eq(sp_state_load(st, store), 0);
}

/* The idle log's mtime, `ago` seconds before `now`. */
static void idle_touch(long long now, long long ago)
{
	char path[512];
	struct utimbuf t;
	FILE *f;

	snprintf(path, sizeof(path), "%s/idle/alice--demo.log", nginx_dir);
	ck_assert_ptr_nonnull(f = fopen(path, "a"));
	fclose(f);
	t.actime = t.modtime = (time_t)(now - ago);
	ck_assert_int_eq(utime(path, &t), 0);
}

static const struct {
	long server, own;
	long long want;
} time_cases[] = {
    {3600, 0, 3600}, {3600, 60, 60}, {3600, -1, -1},
    {-1, 0, -1},     {-1, 120, 120}, {172800, 0, 172800},
};

START_TEST(test_time)
{
	sp_settings s;
	sp_state st;

	settings_for(&s, NULL);
	sp_state_init(&st);
	s.sleep_time = time_cases[_i].server;
	st.sleep_time = time_cases[_i].own;
	ck_assert_int_eq(sp_sleep_time(&s, &st), time_cases[_i].want);
}
END_TEST

static const struct {
	long long value;
	int code;
	long long saved;
} set_cases[] = {
    {3600, 0, 3600},
    {-1, 0, -1},
    {0, 0, 0},
    {-2, SP_EINVALID, 77},
};

START_TEST(test_set)
{
	sp_settings s;
	sp_state st;

	settings_for(&s, NULL);
	state_put("RUNNING", 0, 77, 0, 0);
	ck_assert_int_eq(sp_sleep_set(&s, store, set_cases[_i].value),
	                 set_cases[_i].code);
	state_get(&st);
	ck_assert_int_eq(st.sleep_time, set_cases[_i].saved);
	ck_assert_str_eq(st.stage, "RUNNING");
	ck_assert_str_eq(st.container, CID);
	sp_state_dispose(&st);
}
END_TEST

static const struct {
	const char *what;
	long long started_ago; /* -1: never started */
	long long visit_ago;   /* -1: no idle log */
	int no_nginx_dir;
	long long want;
} idle_cases[] = {
    {"never started, never visited", -1, -1, 0, -1},
    {"started, never visited", 500, -1, 0, 500},
    {"visited after the start", 500, 20, 0, 20},
    {"restarted after the last visit", 30, 900, 0, 30},
    {"visited, start unknown", -1, 42, 0, 42},
    {"no nginx dir", 500, 20, 1, 500},
};

START_TEST(test_idle)
{
	long long now = 1800000000;
	sp_settings s;
	sp_state st;

	settings_for(&s, NULL);
	if (idle_cases[_i].no_nginx_dir)
		s.nginx_dir = NULL;
	sp_state_init(&st);
	if (idle_cases[_i].started_ago >= 0)
		st.started_at = now - idle_cases[_i].started_ago;
	if (idle_cases[_i].visit_ago >= 0)
		idle_touch(now, idle_cases[_i].visit_ago);
	ck_assert_int_eq(sp_sleep_idle(&s, store, &st, now),
	                 idle_cases[_i].want);
}
END_TEST

static const struct {
	const char *what;
	const char *stage;
	int paused, no_domain, no_container, locked;
	long long own;  /* the Space's sleep time */
	long long idle; /* seconds since the start, no visit */
	int slept;
} check_cases[] = {
    {"idle past its sleep time", "RUNNING", 0, 0, 0, 0, 0, 4000, 1},
    {"idle exactly its sleep time", "RUNNING", 0, 0, 0, 0, 0, 3600, 1},
    {"not idle long enough", "RUNNING", 0, 0, 0, 0, 0, 3599, 0},
    {"its own shorter time", "RUNNING", 0, 0, 0, 0, 60, 61, 1},
    {"never sleeps", "RUNNING", 0, 0, 0, 0, -1, 999999, 0},
    {"no domain: no front door", "RUNNING", 0, 1, 0, 0, 0, 4000, 0},
    {"paused", "RUNNING", 1, 0, 0, 0, 0, 4000, 0},
    {"building", "BUILDING", 0, 0, 0, 0, 0, 4000, 0},
    {"failed", "RUNTIME_ERROR", 0, 0, 0, 0, 0, 4000, 0},
    {"asleep already", "SLEEPING", 0, 0, 0, 0, 0, 4000, 0},
    {"no container", "RUNNING", 0, 0, 1, 0, 0, 4000, 0},
    {"a job holds the lock", "RUNNING", 0, 0, 0, 1, 0, 4000, 0},
};

START_TEST(test_check)
{
	long long now = (long long)time(NULL);
	sp_settings s;
	sp_state st;
	mock m;
	int slept = -1, lock = -1;

	mock_start(&m, engine_ok);
	settings_for(&s, &m);
	if (check_cases[_i].no_domain)
		s.domain = NULL;
	state_put(check_cases[_i].stage, check_cases[_i].paused,
	          check_cases[_i].own, now - check_cases[_i].idle, 20001);
	if (check_cases[_i].no_container) {
		state_get(&st);
		sp_state_set(&st.container, NULL);
		ck_assert_int_eq(sp_state_save(store, &st), 0);
		sp_state_dispose(&st);
	}
	if (check_cases[_i].locked)
		ck_assert_int_eq(sp_store_lock(&lock, store, 0), 0);
	ck_assert_int_eq(sp_sleep_check(&slept, &s, store, now), 0);
	ck_assert_int_eq(slept, check_cases[_i].slept);
	ck_assert_int_eq(mock_saw(&m, "/containers/" CID "/stop?t=10"),
	                 check_cases[_i].slept);
	state_get(&st);
	ck_assert_str_eq(st.stage, check_cases[_i].slept
	                               ? "SLEEPING"
	                               : check_cases[_i].stage);
	ck_assert_str_eq(st.container ? st.container : "",
	                 check_cases[_i].no_container ? "" : CID);
	sp_state_dispose(&st);
	sp_store_unlock(lock);
	mock_stop(&m);
}
END_TEST

START_TEST(test_check_visit)
{
	long long now = (long long)time(NULL);
	sp_settings s;
	mock m;
	int slept = -1;

	/* Started long ago, but visited a minute ago: awake. */
	mock_start(&m, engine_ok);
	settings_for(&s, &m);
	state_put("RUNNING", 0, 0, now - 99999, 20001);
	idle_touch(now, 60);
	ck_assert_int_eq(sp_sleep_check(&slept, &s, store, now), 0);
	ck_assert_int_eq(slept, 0);
	idle_touch(now, 3601);
	ck_assert_int_eq(sp_sleep_check(&slept, &s, store, now), 0);
	ck_assert_int_eq(slept, 1);
	mock_stop(&m);
}
END_TEST

START_TEST(test_check_engine_down)
{
	long long now = (long long)time(NULL);
	sp_settings s;
	sp_state st;
	int slept = -1;

	settings_for(&s, NULL);
	s.docker_host = (char *)"unix:///nonexistent/docker.sock";
	state_put("RUNNING", 0, 0, now - 4000, 20001);
	ck_assert_int_lt(sp_sleep_check(&slept, &s, store, now), 0);
	ck_assert_int_eq(slept, 0);
	state_get(&st);
	ck_assert_str_eq(st.stage, "RUNNING");
	sp_state_dispose(&st);
}
END_TEST

/* An app: answers every connection with 200 until told to stop. */
typedef struct {
	int fd, port;
	atomic_int stop;
	pthread_t thread;
} app;

static void *app_run(void *arg)
{
	app *a = arg;
	static const char answer[] = "HTTP/1.1 200 OK\r\nContent-Length: "
	                             "2\r\nConnection: close\r\n\r\nok";

	while (!atomic_load(&a->stop)) {
		char buf[1024];
		int c = accept(a->fd, NULL, NULL);

		if (c < 0)
			continue;
		if (read(c, buf, sizeof(buf)) > 0)
			(void)!write(c, answer, sizeof(answer) - 1);
		close(c);
	}
	return NULL;
}

/* A listener on a free port of 127.0.0.1; `serve` 0: listening only long
 * enough to take a port, then closed (nothing answers there). */
static void app_start(app *a, int serve)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	memset(a, 0, sizeof(*a));
	ck_assert_int_ge(a->fd = socket(AF_INET, SOCK_STREAM, 0), 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(a->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(a->fd, 16), 0);
	ck_assert_int_eq(getsockname(a->fd, (struct sockaddr *)&sin, &len), 0);
	a->port = ntohs(sin.sin_port);
	if (!serve) {
		close(a->fd);
		a->fd = -1;
		return;
	}
	ck_assert_int_eq(pthread_create(&a->thread, NULL, app_run, a), 0);
}

static void app_stop(app *a)
{
	if (a->fd < 0)
		return;
	atomic_store(&a->stop, 1);
	shutdown(a->fd, SHUT_RDWR);
	pthread_join(a->thread, NULL);
	close(a->fd);
}

static const struct {
	const char *what;
	const char *stage;
	int paused, locked, answers;
	int code;
	const char *want; /* the stage after */
	int started;      /* the engine was asked to start it */
	int stopped;      /* and to stop it again */
} wake_cases[] = {
    {"a sleeping Space wakes", "SLEEPING", 0, 0, 1, 0, "RUNNING", 1, 0},
    {"an app that never answers", "SLEEPING", 0, 0, 0, SP_ERUNTIME,
     "RUNTIME_ERROR", 1, 1},
    {"paused never wakes", "SLEEPING", 1, 0, 1, 0, "SLEEPING", 0, 0},
    {"running: nothing", "RUNNING", 0, 0, 1, 0, "RUNNING", 0, 0},
    {"building: nothing", "BUILDING", 0, 0, 1, 0, "BUILDING", 0, 0},
    {"busy: nothing now", "SLEEPING", 0, 1, 1, 0, "SLEEPING", 0, 0},
};

START_TEST(test_wake)
{
	long long before = (long long)time(NULL);
	sp_settings s;
	sp_state st;
	mock m;
	app a;
	int lock = -1;

	mock_start(&m, engine_ok);
	settings_for(&s, &m);
	s.startup_timeout = 1;
	app_start(&a, wake_cases[_i].answers);
	state_put(wake_cases[_i].stage, wake_cases[_i].paused, 0, 5, a.port);
	if (wake_cases[_i].locked)
		ck_assert_int_eq(sp_store_lock(&lock, store, 0), 0);
	ck_assert_int_eq(sp_sleep_wake(&s, store), wake_cases[_i].code);
	state_get(&st);
	ck_assert_str_eq(st.stage, wake_cases[_i].want);
	ck_assert_int_eq(mock_saw(&m, "/containers/" CID "/start"),
	                 wake_cases[_i].started);
	ck_assert_int_eq(mock_saw(&m, "/containers/" CID "/stop"),
	                 wake_cases[_i].stopped);
	if (wake_cases[_i].started)
		ck_assert_int_ge(st.started_at, before);
	else
		ck_assert_int_eq(st.started_at, 5);
	if (wake_cases[_i].code) {
		ck_assert_ptr_nonnull(strstr(st.error, "did not answer"));
		ck_assert_ptr_nonnull(
		    strstr(sp_error_last(), "did not answer"));
	}
	sp_state_dispose(&st);
	sp_store_unlock(lock);
	app_stop(&a);
	mock_stop(&m);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sleep");
	TCase *t_time = tcase_create("time"), *set = tcase_create("set"),
	      *idle = tcase_create("idle"), *check = tcase_create("check"),
	      *wake = tcase_create("wake");

	tcase_add_loop_test(t_time, test_time, 0,
	                    (int)(sizeof(time_cases) / sizeof(time_cases[0])));
	suite_add_tcase(s, t_time);
	tcase_add_checked_fixture(set, setup, teardown);
	tcase_add_loop_test(set, test_set, 0,
	                    (int)(sizeof(set_cases) / sizeof(set_cases[0])));
	suite_add_tcase(s, set);
	tcase_add_checked_fixture(idle, setup, teardown);
	tcase_add_loop_test(idle, test_idle, 0,
	                    (int)(sizeof(idle_cases) / sizeof(idle_cases[0])));
	suite_add_tcase(s, idle);
	tcase_add_checked_fixture(check, setup, teardown);
	tcase_add_loop_test(
	    check, test_check, 0,
	    (int)(sizeof(check_cases) / sizeof(check_cases[0])));
	tcase_add_test(check, test_check_visit);
	tcase_add_test(check, test_check_engine_down);
	suite_add_tcase(s, check);
	tcase_add_checked_fixture(wake, setup, teardown);
	tcase_add_loop_test(wake, test_wake, 0,
	                    (int)(sizeof(wake_cases) / sizeof(wake_cases[0])));
	suite_add_tcase(s, wake);
	return sp_test_run(s);
}
