/*
 * spacehook-node-gc SOCKET REF...: remove images REF from the Docker engine
 * listening on unix socket SOCKET (DELETE /images/REF?force=1: the stopped
 * containers the swarm keeps of old tasks do not hold an image; a running
 * one does), one line each: "REF: removed", "REF: not here", "REF: in use",
 * or the engine's status.
 *
 * `spacehook gc` runs it on every node of a swarm, as a global job in a
 * one-file image with the node's engine socket mounted: a node's engine can
 * only be asked on the node. So it is linked statically against libc alone
 * and speaks the one HTTP request it needs itself.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

/* A reference as spacehook writes them: registry host, repository path, a
 * tag or a digest. Nothing that could end the request line. */
static int ref_ok(const char *ref)
{
	size_t n = strlen(ref);

	if (!n || n > 512 || ref[0] == '-' || ref[0] == '/')
		return 0;
	return strspn(ref,
	              "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	              "0123456789._-:/@") == n;
}

/* The engine's status for DELETE /images/REF, or -1 (errno set). */
static int remove_image(const char *socket_path, const char *ref)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct timeval timeout = {60, 0};
	char request[700], answer[64];
	size_t have = 0;
	int fd, status = -1, len;

	if (strlen(socket_path) >= sizeof(addr.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(addr.sun_path, socket_path, strlen(socket_path) + 1);
	len = snprintf(
	    request, sizeof(request),
	    "DELETE /images/%s?force=1 HTTP/1.0\r\nHost: docker\r\n\r\n", ref);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    write(fd, request, (size_t)len) != len)
		goto done;
	/* "HTTP/1.x NNN": the status is all that is needed. */
	while (have < sizeof(answer) - 1) {
		ssize_t n = read(fd, answer + have, sizeof(answer) - 1 - have);

		if (n <= 0)
			break;
		have += (size_t)n;
	}
	answer[have] = '\0';
	if (sscanf(answer, "HTTP/%*d.%*d %d", &status) != 1) {
		errno = EPROTO;
		status = -1;
	}
done:
	if (status < 0 && !errno)
		errno = EPROTO;
	close(fd);
	return status;
}

int main(int argc, char **argv)
{
	int failed = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: spacehook-node-gc SOCKET REF...\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		int status;

		if (!ref_ok(argv[i])) {
			printf("%s: not an image reference\n", argv[i]);
			failed = 1;
			continue;
		}
		errno = 0;
		status = remove_image(argv[1], argv[i]);
		if (status < 0) {
			printf("%s: engine at %s: %s\n", argv[i], argv[1],
			       strerror(errno));
			return 1;
		}
		if (status == 200)
			printf("%s: removed\n", argv[i]);
		else if (status == 404)
			printf("%s: not here\n", argv[i]);
		else if (status == 409)
			printf("%s: in use\n", argv[i]);
		else {
			printf("%s: engine answered %d\n", argv[i], status);
			failed = 1;
		}
	}
	return failed;
}
