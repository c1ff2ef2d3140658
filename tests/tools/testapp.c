/* sp-testapp: a small HTTP/1.1 app for the front door's engine tests and
 * benchmarks, built static so it runs in the busybox test image, fast
 * enough (keep-alive, a thread per connection) that a load test measures the
 * proxy and the switch rather than the app.
 *   sp-testapp PORT TEXT
 *   GET /         200, TEXT and a newline
 *   GET /events   Server-Sent Events: "data: TEXT <n>" every 100 ms, 10 min
 *   GET /env      200, the environment, one NAME=value a line
 *   GET /slow     200, TEXT, after 1 ms (an app that does some work)
 *   anything else 404
 * SIGTERM ends it at once. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char *text;

static int send_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static int answer(int fd, int status, const char *type, const char *body,
                  size_t len, int close_after)
{
	char head[256];
	int n = snprintf(head, sizeof(head),
	                 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
	                 "Content-Length: %zu\r\n%s\r\n",
	                 status, status == 200 ? "OK" : "Not Found", type, len,
	                 close_after ? "Connection: close\r\n" : "");

	if (send_all(fd, head, (size_t)n) < 0)
		return -1;
	return send_all(fd, body, len);
}

static void events(int fd)
{
	static const char head[] = "HTTP/1.1 200 OK\r\n"
	                           "Content-Type: text/event-stream\r\n"
	                           "Cache-Control: no-store\r\n"
	                           "Connection: close\r\n\r\n";
	struct timespec pause = {0, 100 * 1000 * 1000};
	char line[256];

	if (send_all(fd, head, sizeof(head) - 1) < 0)
		return;
	for (int i = 0; i < 6000; i++) {
		int n =
		    snprintf(line, sizeof(line), "data: %s %d\n\n", text, i);

		if (send_all(fd, line, (size_t)n) < 0)
			return;
		nanosleep(&pause, NULL);
	}
}

static void env_body(int fd, int close_after)
{
	size_t size = 0, len = 0;
	char *body = NULL;

	for (char **e = environ; *e; e++)
		size += strlen(*e) + 1;
	body = malloc(size + 1);
	if (!body)
		return;
	for (char **e = environ; *e; e++)
		len += (size_t)sprintf(body + len, "%s\n", *e);
	answer(fd, 200, "text/plain", body, len, close_after);
	free(body);
}

/* One connection: requests until the client closes or asks to. */
static void *serve(void *arg)
{
	int fd = (int)(long)arg;
	char buf[16384];
	size_t have = 0;

	for (;;) {
		char *end, path[512] = "";
		int close_after;
		ssize_t n;

		while (!(end = memmem(buf, have, "\r\n\r\n", 4))) {
			if (have == sizeof(buf) ||
			    (n = recv(fd, buf + have, sizeof(buf) - have, 0)) <=
			        0)
				goto done;
			have += (size_t)n;
		}
		*end = '\0';
		sscanf(buf, "%*s %511s", path);
		close_after = strcasestr(buf, "\r\nConnection: close") != NULL;
		if (!strcmp(path, "/events")) {
			events(fd);
			goto done;
		} else if (!strcmp(path, "/env")) {
			env_body(fd, close_after);
		} else if (!strcmp(path, "/") || !strcmp(path, "/slow")) {
			struct timespec work = {0, 1000 * 1000};
			char body[512];
			int len = snprintf(body, sizeof(body), "%s\n", text);

			if (path[1])
				nanosleep(&work, NULL);

			answer(fd, 200, "text/plain", body, (size_t)len,
			       close_after);
		} else {
			answer(fd, 404, "text/plain", "not found\n", 10,
			       close_after);
		}
		if (close_after)
			goto done;
		/* Requests have no body here: the rest is the next one. */
		have -= (size_t)(end + 4 - buf);
		memmove(buf, end + 4, have);
	}
done:
	close(fd);
	return NULL;
}

static void on_term(int sig)
{
	(void)sig;
	_exit(0);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin = {0};
	pthread_attr_t attr;
	int fd, one = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: sp-testapp PORT TEXT\n");
		return 2;
	}
	text = argv[2];
	signal(SIGTERM, on_term);
	signal(SIGPIPE, SIG_IGN);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_ANY);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(fd, 1024) < 0) {
		perror("sp-testapp: listen");
		return 1;
	}
	printf("sp-testapp: %s on port %s\n", text, argv[1]);
	fflush(stdout);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 128 * 1024);
	for (;;) {
		pthread_t t;
		int c = accept(fd, NULL, NULL);

		if (c < 0)
			continue;
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (pthread_create(&t, &attr, serve, (void *)(long)c) != 0)
			close(c);
	}
}
