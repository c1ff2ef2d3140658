/* The growable byte buffer. */
#include "buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "banned.h"
#include "error.h"

char sp_buf__empty[1];

void sp_buf_init(sp_buf *buf)
{
	buf->ptr = sp_buf__empty;
	buf->size = 0;
	buf->asize = 0;
}

void sp_buf_dispose(sp_buf *buf)
{
	if (buf->asize)
		free(buf->ptr);
	sp_buf_init(buf);
}

void sp_buf_dispose_wipe(sp_buf *buf)
{
	if (buf->asize)
		explicit_bzero(buf->ptr, buf->asize);
	sp_buf_dispose(buf);
}

void sp_buf_clear(sp_buf *buf)
{
	buf->size = 0;
	if (buf->asize)
		buf->ptr[0] = '\0';
}

int sp_buf_grow(sp_buf *buf, size_t extra)
{
	size_t need, alloc;
	char *ptr;

	if (extra > SIZE_MAX - buf->size - 1)
		return sp_error_set(SP_ENOMEM, "buffer size overflow");
	need = buf->size + extra + 1;
	if (need <= buf->asize)
		return 0;
	alloc = buf->asize ? buf->asize : 64;
	while (alloc < need)
		alloc = alloc > SIZE_MAX / 2 ? need : alloc * 2;
	ptr = realloc(buf->asize ? buf->ptr : NULL, alloc);
	if (!ptr)
		return sp_error_set(SP_ENOMEM, "out of memory (%zu bytes)",
		                    alloc);
	if (!buf->asize)
		ptr[0] = '\0';
	buf->ptr = ptr;
	buf->asize = alloc;
	return 0;
}

void sp_buf_put(sp_buf *buf, const void *data, size_t len)
{
	if (sp_buf_grow(buf, len) < 0)
		sp_die_oom(len);
	if (len)
		memmove(buf->ptr + buf->size, data, len);
	buf->size += len;
	buf->ptr[buf->size] = '\0';
}

void sp_buf_puts(sp_buf *buf, const char *str)
{
	sp_buf_put(buf, str, strlen(str));
}

void sp_buf_putc(sp_buf *buf, char c)
{
	sp_buf_put(buf, &c, 1);
}

void sp_buf_vprintf(sp_buf *buf, const char *fmt, va_list ap)
{
	va_list copy;
	int n;

	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0)
		sp_die_oom(SIZE_MAX);
	if (sp_buf_grow(buf, (size_t)n) < 0)
		sp_die_oom((size_t)n);
	vsnprintf(buf->ptr + buf->size, (size_t)n + 1, fmt, ap);
	buf->size += (size_t)n;
}

void sp_buf_printf(sp_buf *buf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sp_buf_vprintf(buf, fmt, ap);
	va_end(ap);
}

void sp_buf_sets(sp_buf *buf, const char *str)
{
	sp_buf_clear(buf);
	sp_buf_puts(buf, str);
}

void sp_buf_truncate(sp_buf *buf, size_t len)
{
	if (len < buf->size) {
		buf->size = len;
		buf->ptr[len] = '\0';
	}
}

char *sp_buf_detach(sp_buf *buf)
{
	char *ptr = buf->asize ? buf->ptr : sp_strdup("");

	sp_buf_init(buf);
	return ptr;
}

int sp_buf_read_fd(sp_buf *buf, int fd, size_t max)
{
	int error;

	for (;;) {
		ssize_t n;

		if ((error = sp_buf_grow(buf, 65536)) < 0)
			return error;
		n = read(fd, buf->ptr + buf->size, buf->asize - buf->size - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sp_error_set_os(SP_EIO, "read failed");
		if (n == 0)
			return 0;
		buf->size += (size_t)n;
		buf->ptr[buf->size] = '\0';
		if (buf->size > max)
			return sp_error_set(
			    SP_ETOOBIG, "input is larger than %zu bytes", max);
	}
}

int sp_buf_read_file(sp_buf *buf, const char *path, size_t max)
{
	int fd, error;

	sp_buf_clear(buf);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return sp_error_set_os(errno == ENOENT ? SP_ENOTFOUND : SP_EIO,
		                       "cannot open '%s'", path);
	error = sp_buf_read_fd(buf, fd, max);
	close(fd);
	return error;
}

void sp_die_oom(size_t size)
{
	static const char msg[] = "spacehook: fatal: out of memory\n";
	ssize_t n;

	(void)size;
	n = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)n;
	abort();
}

char *sp_strdup(const char *s)
{
	char *copy = strdup(s ? s : "");

	if (!copy)
		sp_die_oom(strlen(s ? s : "") + 1);
	return copy;
}

void *sp_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		sp_die_oom(size);
	return p;
}
