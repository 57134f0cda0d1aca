/*
 * Copyright (c) 2026 The mxallowd developers
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */

/*
 * The imsg layer: typed messages (header + payload, optional descriptor)
 * over a stream socket, built on the ibuf/msgbuf layer in imsg-buffer.c.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/uio.h>

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include "imsg.h"

#define IMSG_ALLOW_FDPASS	0x01
#define IMSG_FD_MARK		0x80000000U	/* in hdr.len: fd attached */

static struct ibuf	*imsg_parse_hdr(struct ibuf *, void *, int *);

/*
 * The msgbuf keeps a pointer to imsgbuf (for maxsize), so an initialised
 * imsgbuf must not be moved or copied.  Returns 0, or -1 on ENOMEM.
 */
int
imsgbuf_init(struct imsgbuf *imsgbuf, int fd)
{
	imsgbuf->w = msgbuf_new_reader(IMSG_HEADER_SIZE, imsg_parse_hdr,
	    imsgbuf);
	if (imsgbuf->w == NULL)
		return -1;
	imsgbuf->pid = getpid();
	imsgbuf->maxsize = MAX_IMSGSIZE;
	imsgbuf->fd = fd;
	imsgbuf->flags = 0;
	return 0;
}

/* Descriptor passing is off by default: a peer cannot push fds on us. */
void
imsgbuf_allow_fdpass(struct imsgbuf *imsgbuf)
{
	imsgbuf->flags |= IMSG_ALLOW_FDPASS;
}

/* max is the payload limit; the header comes on top of it. */
int
imsgbuf_set_maxsize(struct imsgbuf *imsgbuf, uint32_t max)
{
	if (max > UINT32_MAX - IMSG_HEADER_SIZE) {
		errno = ERANGE;
		return -1;
	}
	max += IMSG_HEADER_SIZE;
	if (max & IMSG_FD_MARK) {	/* would collide with the fd flag */
		errno = EINVAL;
		return -1;
	}
	imsgbuf->maxsize = max;
	return 0;
}

/* 1: read ok or nothing yet (EAGAIN), 0: EOF, -1: error (ERANGE: bad size). */
int
imsgbuf_read(struct imsgbuf *imsgbuf)
{
	if (imsgbuf->flags & IMSG_ALLOW_FDPASS)
		return msgbuf_read(imsgbuf->fd, imsgbuf->w);
	return ibuf_read(imsgbuf->fd, imsgbuf->w);
}

/* 0: sent what the socket took (EAGAIN is not an error), -1: error. */
int
imsgbuf_write(struct imsgbuf *imsgbuf)
{
	if (imsgbuf->flags & IMSG_ALLOW_FDPASS)
		return msgbuf_write(imsgbuf->fd, imsgbuf->w);
	return ibuf_write(imsgbuf->fd, imsgbuf->w);
}

/* Write until the queue is empty: 0, or -1 on error. */
int
imsgbuf_flush(struct imsgbuf *imsgbuf)
{
	struct pollfd	 pfd;

	pfd.fd = imsgbuf->fd;
	pfd.events = POLLOUT;
	while (imsgbuf_queuelen(imsgbuf) > 0) {
		if (imsgbuf_write(imsgbuf) == -1)
			return -1;
		if (imsgbuf_queuelen(imsgbuf) == 0)
			break;
		/* write hides EAGAIN: wait for room instead of spinning */
		if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
			return -1;
	}
	return 0;
}

/* Free all queued and partially read messages, closing their fds. */
void
imsgbuf_clear(struct imsgbuf *imsgbuf)
{
	msgbuf_free(imsgbuf->w);
	imsgbuf->w = NULL;
}

uint32_t
imsgbuf_queuelen(struct imsgbuf *imsgbuf)
{
	return msgbuf_queuelen(imsgbuf->w);
}

/*
 * Take the next whole message: returns its total size (header included),
 * 0 when none is complete, -1 on error.  Release it with imsg_free().
 */
ssize_t
imsg_get(struct imsgbuf *imsgbuf, struct imsg *imsg)
{
	struct imsg	 m;
	struct ibuf	*buf;

	if ((buf = msgbuf_get(imsgbuf->w)) == NULL)
		return 0;
	if (ibuf_get(buf, &m.hdr, sizeof(m.hdr)) == -1) {
		ibuf_free(buf);
		return -1;
	}
	m.hdr.len &= ~IMSG_FD_MARK;
	m.data = ibuf_size(buf) > 0 ? ibuf_data(buf) : NULL;
	m.buf = buf;
	*imsg = m;
	return (ssize_t)(ibuf_size(buf) + IMSG_HEADER_SIZE);
}

/* A view of the unread payload; it stays valid until imsg_free(). */
int
imsg_get_ibuf(struct imsg *imsg, struct ibuf *ibuf)
{
	size_t	 len = ibuf_size(imsg->buf);

	if (len == 0) {
		errno = EBADMSG;
		return -1;
	}
	ibuf_from_buffer(ibuf, ibuf_data(imsg->buf), len);
	return ibuf_skip(imsg->buf, len);
}

/* Copy the payload if it is exactly len bytes (EBADMSG otherwise). */
int
imsg_get_data(struct imsg *imsg, void *data, size_t len)
{
	if (len == 0) {
		errno = EINVAL;
		return -1;
	}
	if (ibuf_size(imsg->buf) != len) {
		errno = EBADMSG;
		return -1;
	}
	return ibuf_get(imsg->buf, data, len);
}

/* The passed descriptor, now owned by the caller, or -1. */
int
imsg_get_fd(struct imsg *imsg)
{
	return ibuf_fd_get(imsg->buf);
}

uint32_t
imsg_get_id(struct imsg *imsg)
{
	return imsg->hdr.peerid;
}

/* Payload bytes not yet consumed by imsg_get_data()/imsg_get_ibuf(). */
size_t
imsg_get_len(struct imsg *imsg)
{
	return ibuf_size(imsg->buf);
}

pid_t
imsg_get_pid(struct imsg *imsg)
{
	return (pid_t)imsg->hdr.pid;
}

uint32_t
imsg_get_type(struct imsg *imsg)
{
	return imsg->hdr.type;
}

/* Queue a copy of msg's payload on another channel; any fd stays behind. */
int
imsg_forward(struct imsgbuf *imsgbuf, struct imsg *msg)
{
	struct ibuf	*wbuf;
	size_t		 len;

	ibuf_rewind(msg->buf);
	if (ibuf_skip(msg->buf, IMSG_HEADER_SIZE) == -1)
		return -1;
	len = ibuf_size(msg->buf);
	if ((wbuf = imsg_create(imsgbuf, msg->hdr.type, msg->hdr.peerid,
	    (pid_t)msg->hdr.pid, len)) == NULL)
		return -1;
	if (ibuf_add(wbuf, ibuf_data(msg->buf), len) == -1) {
		ibuf_free(wbuf);
		return -1;
	}
	imsg_close(imsgbuf, wbuf);
	return 1;
}

/*
 * Queue one message.  fd (-1 for none) is closed once sent; on failure
 * (-1) the caller still owns it.  Returns 1 on success.
 */
int
imsg_compose(struct imsgbuf *imsgbuf, uint32_t type, uint32_t id, pid_t pid,
    int fd, const void *data, size_t datalen)
{
	struct iovec	 iov;

	iov.iov_base = (void *)(uintptr_t)data;	/* only read from */
	iov.iov_len = datalen;
	return imsg_composev(imsgbuf, type, id, pid, fd, &iov, 1);
}

int
imsg_composev(struct imsgbuf *imsgbuf, uint32_t type, uint32_t id, pid_t pid,
    int fd, const struct iovec *iov, int iovcnt)
{
	struct ibuf	*wbuf;
	size_t		 datalen = 0;
	int		 i;

	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > SIZE_MAX - datalen) {
			errno = ERANGE;
			return -1;
		}
		datalen += iov[i].iov_len;
	}
	if ((wbuf = imsg_create(imsgbuf, type, id, pid, datalen)) == NULL)
		return -1;
	for (i = 0; i < iovcnt; i++) {
		if (ibuf_add(wbuf, iov[i].iov_base, iov[i].iov_len) == -1) {
			ibuf_free(wbuf);
			return -1;
		}
	}
	ibuf_fd_set(wbuf, fd);
	imsg_close(imsgbuf, wbuf);
	return 1;
}

/*
 * Start a message with room for datalen payload bytes; fill it with
 * imsg_add() and queue it with imsg_close().  pid 0 means our own pid.
 */
struct ibuf *
imsg_create(struct imsgbuf *imsgbuf, uint32_t type, uint32_t id, pid_t pid,
    size_t datalen)
{
	struct ibuf	*wbuf;
	struct imsg_hdr	 hdr;

	if (datalen > imsgbuf->maxsize - IMSG_HEADER_SIZE) {
		errno = ERANGE;
		return NULL;
	}
	hdr.type = type;
	hdr.len = 0;			/* set by imsg_close() */
	hdr.peerid = id;
	hdr.pid = (uint32_t)(pid == 0 ? imsgbuf->pid : pid);
	if ((wbuf = ibuf_dynamic(datalen + IMSG_HEADER_SIZE,
	    imsgbuf->maxsize)) == NULL)
		return NULL;
	if (ibuf_add(wbuf, &hdr, sizeof(hdr)) == -1) {
		ibuf_free(wbuf);
		return NULL;
	}
	return wbuf;
}

/* Returns datalen, or -1 after freeing msg (e.g. ERANGE past maxsize). */
int
imsg_add(struct ibuf *msg, const void *data, size_t datalen)
{
	if (datalen > 0 && ibuf_add(msg, data, datalen) == -1) {
		ibuf_free(msg);
		return -1;
	}
	return (int)datalen;
}

void
imsg_close(struct imsgbuf *imsgbuf, struct ibuf *msg)
{
	uint32_t	 len;

	len = (uint32_t)ibuf_size(msg);
	if (ibuf_fd_avail(msg))
		len |= IMSG_FD_MARK;
	(void)ibuf_set(msg, offsetof(struct imsg_hdr, len), &len, sizeof(len));
	ibuf_close(imsgbuf->w, msg);
}

/* Free a received message, closing a descriptor nobody took. */
void
imsg_free(struct imsg *imsg)
{
	ibuf_free(imsg->buf);
	imsg->buf = NULL;
	imsg->data = NULL;
}

/*
 * Reader callback: validate a header and allocate the buffer for the
 * whole message, attaching the received fd if the header announces one.
 */
static struct ibuf *
imsg_parse_hdr(struct ibuf *hbuf, void *arg, int *fd)
{
	struct imsgbuf	*imsgbuf = arg;
	struct imsg_hdr	 hdr;
	struct ibuf	*b;
	uint32_t	 len;

	if (ibuf_get(hbuf, &hdr, sizeof(hdr)) == -1)
		return NULL;
	len = hdr.len & ~IMSG_FD_MARK;
	if (len < IMSG_HEADER_SIZE || len > imsgbuf->maxsize) {
		errno = ERANGE;
		return NULL;
	}
	if ((b = ibuf_open(len)) == NULL)
		return NULL;
	if (hdr.len & IMSG_FD_MARK) {
		ibuf_fd_set(b, *fd);
		*fd = -1;
	}
	return b;
}
