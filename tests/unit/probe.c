/* Tests of the health probe against listeners on 127.0.0.1 made here. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "probe.h"
#include "testlib.h"

/* A listener on a free port of 127.0.0.1; its port in *port. */
static int listen_any(int *port)
{
	struct sockaddr_in a = {0};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

struct server {
	int fd;
	const char *answer; /* NULL: accept, read, never answer */
};

static void *serve_one(void *arg)
{
	struct server *s = arg;
	char req[4096];
	int c = accept(s->fd, NULL, NULL);

	if (c < 0)
		return NULL;
	if (read(c, req, sizeof(req)) < 0) {
		close(c);
		return NULL;
	}
	if (s->answer) {
		if (write(c, s->answer, strlen(s->answer)) < 0) {
			close(c);
			return NULL;
		}
	} else {
		sleep(3);
	}
	close(c);
	return NULL;
}

static const struct {
	const char *answer;
	long status;
} answer_cases[] = {
    {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 200},
    {"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", 404},
    {"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n", 500},
    {"HTTP/1.0 302 Found\r\nLocation: /x\r\n\r\n", 302},
};

START_TEST(test_any_status_counts)
{
	struct server s = {0, answer_cases[_i].answer};
	char url[64];
	pthread_t t;
	long status = 0;
	int port;

	s.fd = listen_any(&port);
	ck_assert_int_eq(pthread_create(&t, NULL, serve_one, &s), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
	ck_assert_int_eq(sp_probe_http(&status, url, 5000), 0);
	ck_assert_int_eq(status, answer_cases[_i].status);
	pthread_join(t, NULL);
	close(s.fd);
}
END_TEST

START_TEST(test_refused)
{
	char url[64];
	long status = -1;
	int port, fd = listen_any(&port);

	close(fd); /* nothing listens there now */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
	ck_assert_int_eq(sp_probe_http(&status, url, 2000), SP_EUNREACHABLE);
	ck_assert_int_eq(status, -1);
	ck_assert_ptr_nonnull(strstr(sp_error_last(), url));
}
END_TEST

START_TEST(test_silent_server_times_out)
{
	struct server s = {0, NULL};
	char url[64];
	pthread_t t;
	long status = -1;
	time_t start;
	int port;

	s.fd = listen_any(&port);
	ck_assert_int_eq(pthread_create(&t, NULL, serve_one, &s), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
	start = time(NULL);
	ck_assert_int_eq(sp_probe_http(&status, url, 300), SP_EUNREACHABLE);
	ck_assert_int_le(time(NULL) - start, 2);
	pthread_join(t, NULL);
	close(s.fd);
}
END_TEST

START_TEST(test_only_http)
{
	long status = -1;

	ck_assert_int_eq(sp_probe_http(&status, "file:///etc/passwd", 500),
	                 SP_EUNREACHABLE);
	ck_assert_int_eq(status, -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("probe");
	TCase *tc = tcase_create("answers");

	tcase_add_loop_test(tc, test_any_status_counts, 0,
	                    sizeof(answer_cases) / sizeof(answer_cases[0]));
	suite_add_tcase(s, tc);
	tc = tcase_create("no answer");
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_silent_server_times_out);
	tcase_add_test(tc, test_only_http);
	suite_add_tcase(s, tc);
	return sp_test_run(s);
}
