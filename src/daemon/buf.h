/*
 * buf: a fixed-capacity byte ring for one TCP connection's pending echo.
 * Filled with readv() and drained with writev() over at most two iovecs.
 * Pure: no allocation policy beyond buf_new/buf_free, no logging.
 */
#ifndef ECHOD_BUF_H
#define ECHOD_BUF_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

struct buf {
	size_t cap;	/* bytes of storage */
	size_t head;	/* offset of the first pending byte */
	size_t len;	/* pending bytes */
	unsigned char data[];
};

struct buf *buf_new(size_t cap);
void buf_free(struct buf *b);
static inline size_t buf_len(const struct buf *b) { return b->len; }
static inline size_t buf_room(const struct buf *b) { return b->cap - b->len; }
static inline int buf_is_empty(const struct buf *b) { return b->len == 0; }
static inline int buf_is_full(const struct buf *b) { return b->len == b->cap; }

/* Append bytes (at most buf_room); returns how many were taken. */
size_t buf_put(struct buf *b, const void *src, size_t n);
/* iovecs covering the free space / the pending bytes; returns the count (0-2). */
int buf_free_iov(const struct buf *b, struct iovec iov[2]);
int buf_data_iov(const struct buf *b, struct iovec iov[2]);
/* Account for n bytes written into the free space / consumed from the front. */
void buf_commit(struct buf *b, size_t n);
void buf_consume(struct buf *b, size_t n);
/* readv/writev wrappers: return what the syscall returned. */
ssize_t buf_read_fd(struct buf *b, int fd);
ssize_t buf_write_fd(struct buf *b, int fd);

#endif
