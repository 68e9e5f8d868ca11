/*
 * buf: the ring.  head wraps at cap; an emptied ring rewinds to 0 so the
 * next fill is one contiguous iovec.
 */
#include "config.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/buf.h"

struct buf *
buf_new(size_t cap)
{
	struct buf *b;

	assert(cap > 0);
	b = malloc(sizeof(*b) + cap);
	if (b == NULL)
		return NULL;
	b->cap = cap;
	b->head = 0;
	b->len = 0;
	return b;
}

void
buf_free(struct buf *b)
{
	free(b);
}

int
buf_free_iov(const struct buf *b, struct iovec iov[2])
{
	size_t tail = (b->head + b->len) % b->cap;
	size_t room = b->cap - b->len;

	if (room == 0)
		return 0;
	if (tail + room <= b->cap) {
		iov[0].iov_base = (void *)(b->data + tail);
		iov[0].iov_len = room;
		return 1;
	}
	iov[0].iov_base = (void *)(b->data + tail);
	iov[0].iov_len = b->cap - tail;
	iov[1].iov_base = (void *)b->data;
	iov[1].iov_len = room - (b->cap - tail);
	return 2;
}

int
buf_data_iov(const struct buf *b, struct iovec iov[2])
{
	if (b->len == 0)
		return 0;
	if (b->head + b->len <= b->cap) {
		iov[0].iov_base = (void *)(b->data + b->head);
		iov[0].iov_len = b->len;
		return 1;
	}
	iov[0].iov_base = (void *)(b->data + b->head);
	iov[0].iov_len = b->cap - b->head;
	iov[1].iov_base = (void *)b->data;
	iov[1].iov_len = b->len - (b->cap - b->head);
	return 2;
}

void
buf_commit(struct buf *b, size_t n)
{
	assert(n <= buf_room(b));
	b->len += n;
}

void
buf_consume(struct buf *b, size_t n)
{
	assert(n <= b->len);
	b->len -= n;
	b->head = b->len == 0 ? 0 : (b->head + n) % b->cap;
}

size_t
buf_put(struct buf *b, const void *src, size_t n)
{
	struct iovec iov[2];
	int cnt = buf_free_iov(b, iov);
	size_t done = 0;

	for (int i = 0; i < cnt && done < n; i++) {
		size_t k = iov[i].iov_len < n - done ? iov[i].iov_len : n - done;
		memcpy(iov[i].iov_base, (const unsigned char *)src + done, k);
		done += k;
	}
	b->len += done;
	return done;
}

/* One readv into the free space, or one writev of the data. */
static ssize_t
buf_io(struct buf *b, int fd, bool out)
{
	struct iovec iov[2];
	int cnt = out ? buf_data_iov(b, iov) : buf_free_iov(b, iov);
	ssize_t n;

	if (cnt == 0)
		return 0;
	n = out ? writev(fd, iov, cnt) : readv(fd, iov, cnt);
	if (n > 0 && out)
		buf_consume(b, (size_t)n);
	else if (n > 0)
		b->len += (size_t)n;
	return n;
}

ssize_t
buf_read_fd(struct buf *b, int fd)
{
	return buf_io(b, fd, false);
}

ssize_t
buf_write_fd(struct buf *b, int fd)
{
	return buf_io(b, fd, true);
}
