/* A mock Docker engine for unit tests (see mockengine.h). */
#include "mockengine.h"

#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "error.h"

static const mock_reply ping_140 = {
    "/_ping",
    "HTTP/1.1 200 OK\r\nApi-Version: 1.40\r\nContent-Type: text/plain\r\n",
    "OK",
    0,
    REPLY_NORMAL,
    0};

static int send_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Wait until `fd` is readable or the mock stops; 1 readable, 0 stop. */
static int mock_wait(mock *m, int fd)
{
	struct pollfd pfd = {fd, POLLIN, 0};

	while (!atomic_load(&m->stop)) {
		if (poll(&pfd, 1, 50) > 0)
			return 1;
	}
	return 0;
}

static const mock_reply *mock_find(mock *m, const char *line)
{
	const mock_reply *r;

	for (r = m->replies; r && r->match; r++)
		if (strstr(line, r->match))
			return r;
	if (strstr(line, ping_140.match))
		return &ping_140;
	return NULL;
}

static void mock_send(mock *m, int fd, const mock_reply *r)
{
	const char *head =
	    r->head ? r->head
	            : "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n";
	size_t len =
	    r->body ? (r->body_len ? r->body_len : strlen(r->body)) : 0;
	char line[128];
	sp_buf out = SP_BUF_INIT;
	size_t off, n;

	sp_buf_puts(&out, head);
	switch (r->mode) {
	case REPLY_NORMAL:
		sp_buf_printf(&out, "Content-Length: %zu\r\n\r\n", len);
		sp_buf_put(&out, r->body, len);
		send_all(fd, out.ptr, out.size);
		break;
	case REPLY_CUT:
		sp_buf_printf(&out, "Content-Length: %zu\r\n\r\n", len + 100);
		sp_buf_put(&out, r->body, len);
		send_all(fd, out.ptr, out.size);
		break;
	case REPLY_CHUNKED:
		sp_buf_puts(&out, "Transfer-Encoding: chunked\r\n\r\n");
		send_all(fd, out.ptr, out.size);
		for (off = 0; off < len; off += n) {
			n = len - off < r->chunk ? len - off : r->chunk;
			snprintf(line, sizeof(line), "%zx\r\n", n);
			if (send_all(fd, line, strlen(line)) < 0 ||
			    send_all(fd, r->body + off, n) < 0 ||
			    send_all(fd, "\r\n", 2) < 0)
				break;
			usleep(500);
		}
		send_all(fd, "0\r\n\r\n", 5);
		break;
	case REPLY_BIG: {
		static char block[65536];
		size_t total = SP_ENGINE_MAX_ANSWER + sizeof(block);

		memset(block, ' ', sizeof(block));
		sp_buf_printf(&out, "Content-Length: %zu\r\n\r\n", total);
		send_all(fd, out.ptr, out.size);
		for (off = 0; off < total; off += sizeof(block))
			if (send_all(fd, block, sizeof(block)) < 0)
				break;
		break;
	}
	case REPLY_HANG:
		while (mock_wait(m, fd)) {
			char c;
			if (recv(fd, &c, 1, 0) <= 0)
				break;
		}
		break;
	}
	sp_buf_dispose(&out);
}

static char *copy_bytes(const char *data, size_t len)
{
	char *copy = sp_calloc(len + 1, 1);

	memcpy(copy, data, len);
	return copy;
}

/* Keep a request: its line, its headers (from `head` to `head_end`), its body.
 */
static void mock_record(mock *m, const char *line, const char *head,
                        const char *head_end, const char *body, size_t len)
{
	mock_request *r;

	m->requests =
	    realloc(m->requests, (m->request_count + 1) * sizeof(*m->requests));
	ck_assert_ptr_nonnull(m->requests);
	r = &m->requests[m->request_count++];
	r->line = sp_strdup(line);
	r->headers =
	    copy_bytes(head, head_end > head ? (size_t)(head_end - head) : 0);
	r->body = copy_bytes(body, len);
	r->body_len = len;
}

/* Serve requests on one connection until it closes or a reply ends it. */
static void mock_serve(mock *m, int fd)
{
	char req[65536];
	size_t have = 0, need;
	char *end, *cl, *eol;
	ssize_t n;

	for (;;) {
		const mock_reply *r;

		have = 0;
		while (!(end = memmem(req, have, "\r\n\r\n", 4))) {
			if (have == sizeof(req) - 1 || !mock_wait(m, fd))
				return;
			n = recv(fd, req + have, sizeof(req) - 1 - have, 0);
			if (n <= 0)
				return;
			have += (size_t)n;
		}
		req[have] = '\0';
		need = (size_t)(end + 4 - req);
		cl = strcasestr(req, "\r\ncontent-length:");
		if (cl && cl < end)
			need += strtoul(cl + 17, NULL, 10);
		while (have < need && have < sizeof(req) - 1) {
			if (!mock_wait(m, fd))
				return;
			n = recv(fd, req + have, sizeof(req) - 1 - have, 0);
			if (n <= 0)
				return;
			have += (size_t)n;
		}
		req[have] = '\0';
		eol = strstr(req, "\r\n");
		*eol = '\0';
		pthread_mutex_lock(&m->lock);
		sp_buf_printf(&m->log, "%s\n", req);
		if (end + 4 < req + have)
			sp_buf_printf(&m->log, "BODY %s\n", end + 4);
		mock_record(m, req, eol + 2, end + 2, end + 4,
		            have - (size_t)(end + 4 - req));
		pthread_mutex_unlock(&m->lock);
		r = mock_find(m, req);
		if (!r) {
			static const mock_reply missing = {
			    "",
			    "HTTP/1.1 404 Not Found\r\nContent-Type: "
			    "application/json\r\n",
			    "{\"message\":\"page not found\"}",
			    0,
			    REPLY_NORMAL,
			    0};
			r = &missing;
		}
		mock_send(m, fd, r);
		if (r->mode != REPLY_NORMAL && r->mode != REPLY_CHUNKED)
			return;
	}
}

static void *mock_main(void *arg)
{
	mock *m = arg;

	while (mock_wait(m, m->lfd)) {
		int fd = accept(m->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		mock_serve(m, fd);
		close(fd);
	}
	return NULL;
}

void mock_start(mock *m, const mock_reply *replies)
{
	struct sockaddr_un sun;

	memset(m, 0, sizeof(*m));
	snprintf(m->dir, sizeof(m->dir), "/tmp/sp-engine-test-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(m->dir));
	snprintf(m->path, sizeof(m->path), "%s/docker.sock", m->dir);
	m->replies = replies;
	sp_buf_init(&m->log);
	pthread_mutex_init(&m->lock, NULL);
	m->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(m->lfd, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", m->path);
	ck_assert_int_eq(bind(m->lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(m->lfd, 8), 0);
	ck_assert_int_eq(pthread_create(&m->thread, NULL, mock_main, m), 0);
}

void mock_stop(mock *m)
{
	atomic_store(&m->stop, 1);
	pthread_join(m->thread, NULL);
	close(m->lfd);
	unlink(m->path);
	rmdir(m->dir);
	pthread_mutex_destroy(&m->lock);
	sp_buf_dispose(&m->log);
	for (size_t i = 0; i < m->request_count; i++) {
		free(m->requests[i].line);
		free(m->requests[i].headers);
		free(m->requests[i].body);
	}
	free(m->requests);
	m->requests = NULL;
	m->request_count = 0;
}

/* The last request whose line holds `match` (under the lock), or NULL. */
static const mock_request *mock_find_request(mock *m, const char *match)
{
	size_t i;

	for (i = m->request_count; i > 0; i--)
		if (strstr(m->requests[i - 1].line, match))
			return &m->requests[i - 1];
	return NULL;
}

int mock_request_body(mock *m, const char *match, sp_buf *out)
{
	const mock_request *r;

	pthread_mutex_lock(&m->lock);
	sp_buf_clear(out);
	if ((r = mock_find_request(m, match)))
		sp_buf_put(out, r->body, r->body_len);
	pthread_mutex_unlock(&m->lock);
	return r != NULL;
}

int mock_request_header(mock *m, const char *match, const char *name,
                        sp_buf *out)
{
	const mock_request *r;
	const char *line, *eol;
	size_t n = strlen(name);
	int found = 0;

	pthread_mutex_lock(&m->lock);
	sp_buf_clear(out);
	r = mock_find_request(m, match);
	for (line = r ? r->headers : ""; *line && !found; line = eol + 2) {
		if (!(eol = strstr(line, "\r\n")))
			break;
		if ((size_t)(eol - line) > n && line[n] == ':' &&
		    !strncasecmp(line, name, n)) {
			const char *v = line + n + 1;

			while (*v == ' ' || *v == '\t')
				v++;
			sp_buf_put(out, v, (size_t)(eol - v));
			found = 1;
		}
	}
	pthread_mutex_unlock(&m->lock);
	return found;
}

/* Whether the mock saw a line containing `s` (copied under the lock). */
int mock_saw(mock *m, const char *s)
{
	int found;

	pthread_mutex_lock(&m->lock);
	found = strstr(m->log.ptr, s) != NULL;
	pthread_mutex_unlock(&m->lock);
	return found;
}

sp_engine *engine_for(mock *m)
{
	sp_engine *e = NULL;
	sp_buf host = SP_BUF_INIT;

	sp_buf_printf(&host, "unix://%s", m->path);
	ck_assert_msg(sp_engine_new(&e, host.ptr) == 0, "engine_new: %s",
	              sp_error_last());
	sp_buf_dispose(&host);
	return e;
}
