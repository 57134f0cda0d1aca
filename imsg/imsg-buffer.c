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
 * The buffer layer under imsg: growable byte buffers (ibuf) and a msgbuf
 * holding the outgoing queue plus the incoming byte stream, which is cut
 * into whole messages by a header callback supplied by the imsg layer.
 * At most one descriptor travels with each sendmsg(2).
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"

#ifndef IOV_MAX
#define IOV_MAX		1024
#endif

TAILQ_HEAD(ibufq, ibuf);

struct msgbuf {
	struct ibufq		 bufs;		/* write side: queued output */
	uint32_t		 queued;
	struct ibufq		 rbufs;		/* read side: whole messages */
	struct ibuf		*rpmsg;		/* message still being filled */
	unsigned char		*rbuf;		/* raw bytes not yet framed */
	size_t			 roff;
	size_t			 hdrsize;
	struct ibuf		*(*readhdr)(struct ibuf *, void *, int *);
	void			*rarg;
};

/* ibuf */

/* A fixed-size buffer with room for exactly len bytes. */
struct ibuf *
ibuf_open(size_t len)
{
	if (len == 0) {
		errno = EINVAL;
		return NULL;
	}
	return ibuf_dynamic(len, len);
}

/* A buffer of len bytes that may grow up to max bytes. */
struct ibuf *
ibuf_dynamic(size_t len, size_t max)
{
	struct ibuf	*buf;

	if (max == 0 || len > max) {
		errno = EINVAL;
		return NULL;
	}
	if ((buf = calloc(1, sizeof(*buf))) == NULL)
		return NULL;
	if (len > 0 && (buf->buf = calloc(len, 1)) == NULL) {
		free(buf);
		return NULL;
	}
	buf->size = len;
	buf->max = max;
	buf->fd = -1;
	return buf;
}

void *
ibuf_reserve(struct ibuf *buf, size_t len)
{
	unsigned char	*p;
	size_t		 need;

	if (buf->max == 0 || len > SIZE_MAX - buf->wpos) {
		errno = ERANGE;
		return NULL;
	}
	need = buf->wpos + len;
	if (need > buf->size) {
		if (need > buf->max) {
			errno = ERANGE;
			return NULL;
		}
		/* recallocarray zeroes the new tail: no stale heap bytes */
		if ((p = recallocarray(buf->buf, buf->size, need, 1)) == NULL)
			return NULL;
		buf->buf = p;
		buf->size = need;
	}
	p = buf->buf + buf->wpos;
	buf->wpos = need;
	return p;
}

int
ibuf_add(struct ibuf *buf, const void *data, size_t len)
{
	void	*p;

	if ((p = ibuf_reserve(buf, len)) == NULL)
		return -1;
	if (len > 0)
		memcpy(p, data, len);
	return 0;
}

/* Overwrite len bytes at offset pos of the readable data. */
int
ibuf_set(struct ibuf *buf, size_t pos, const void *data, size_t len)
{
	if (pos > ibuf_size(buf) || len > ibuf_size(buf) - pos) {
		errno = ERANGE;
		return -1;
	}
	if (len > 0)
		memcpy(buf->buf + buf->rpos + pos, data, len);
	return 0;
}

void *
ibuf_data(const struct ibuf *buf)
{
	return buf->buf + buf->rpos;
}

size_t
ibuf_size(const struct ibuf *buf)
{
	return buf->wpos - buf->rpos;
}

size_t
ibuf_left(const struct ibuf *buf)
{
	if (buf->max == 0)
		return 0;
	return buf->max - buf->wpos;
}

void
ibuf_rewind(struct ibuf *buf)
{
	buf->rpos = 0;
}

/* A read-only view of caller memory; it must never be freed or queued. */
void
ibuf_from_buffer(struct ibuf *buf, void *data, size_t len)
{
	memset(buf, 0, sizeof(*buf));
	buf->buf = data;
	buf->size = buf->wpos = len;
	buf->fd = -1;
}

int
ibuf_get(struct ibuf *buf, void *data, size_t len)
{
	if (ibuf_size(buf) < len) {
		errno = EBADMSG;
		return -1;
	}
	if (len > 0)
		memcpy(data, ibuf_data(buf), len);
	buf->rpos += len;
	return 0;
}

int
ibuf_skip(struct ibuf *buf, size_t len)
{
	if (ibuf_size(buf) < len) {
		errno = EBADMSG;
		return -1;
	}
	buf->rpos += len;
	return 0;
}

void
ibuf_close(struct msgbuf *msgbuf, struct ibuf *buf)
{
	if (buf->max == 0)	/* a view of foreign memory: refuse loudly */
		abort();
	TAILQ_INSERT_TAIL(&msgbuf->bufs, buf, entry);
	msgbuf->queued++;
}

void
ibuf_free(struct ibuf *buf)
{
	int	 saved_errno = errno;	/* callers free on error paths */

	if (buf == NULL)
		return;
	if (buf->max == 0)
		abort();
	if (buf->fd >= 0)
		close(buf->fd);
	/* messages may carry secrets between privilege domains */
	freezero(buf->buf, buf->size);
	free(buf);
	errno = saved_errno;
}

int
ibuf_fd_avail(struct ibuf *buf)
{
	return buf->fd >= 0;
}

/* Hand the descriptor to the caller; the ibuf no longer closes it. */
int
ibuf_fd_get(struct ibuf *buf)
{
	int	 fd = buf->fd;

	buf->fd = -1;
	return fd < 0 ? -1 : fd;
}

void
ibuf_fd_set(struct ibuf *buf, int fd)
{
	if (buf->max == 0)
		abort();
	if (buf->fd >= 0)
		close(buf->fd);
	buf->fd = fd < 0 ? -1 : fd;
}

/* msgbuf */

static void
ibufq_flush(struct ibufq *q)
{
	struct ibuf	*buf;

	while ((buf = TAILQ_FIRST(q)) != NULL) {
		TAILQ_REMOVE(q, buf, entry);
		ibuf_free(buf);
	}
}

struct msgbuf *
msgbuf_new_reader(size_t hdrsize,
    struct ibuf *(*readhdr)(struct ibuf *, void *, int *), void *arg)
{
	struct msgbuf	*msgbuf;

	/* a header must always fit next to a partial one in rbuf */
	if (hdrsize == 0 || hdrsize > IBUF_READ_SIZE / 2) {
		errno = EINVAL;
		return NULL;
	}
	if ((msgbuf = calloc(1, sizeof(*msgbuf))) == NULL)
		return NULL;
	if ((msgbuf->rbuf = malloc(IBUF_READ_SIZE)) == NULL) {
		free(msgbuf);
		return NULL;
	}
	TAILQ_INIT(&msgbuf->bufs);
	TAILQ_INIT(&msgbuf->rbufs);
	msgbuf->hdrsize = hdrsize;
	msgbuf->readhdr = readhdr;
	msgbuf->rarg = arg;
	return msgbuf;
}

void
msgbuf_clear(struct msgbuf *msgbuf)
{
	ibufq_flush(&msgbuf->bufs);
	msgbuf->queued = 0;
	ibufq_flush(&msgbuf->rbufs);
	ibuf_free(msgbuf->rpmsg);
	msgbuf->rpmsg = NULL;
	msgbuf->roff = 0;
}

void
msgbuf_free(struct msgbuf *msgbuf)
{
	if (msgbuf == NULL)
		return;
	msgbuf_clear(msgbuf);
	freezero(msgbuf->rbuf, IBUF_READ_SIZE);
	free(msgbuf);
}

uint32_t
msgbuf_queuelen(struct msgbuf *msgbuf)
{
	return msgbuf == NULL ? 0 : msgbuf->queued;
}

/* Next whole message read from the peer, or NULL; the caller frees it. */
struct ibuf *
msgbuf_get(struct msgbuf *msgbuf)
{
	struct ibuf	*buf;

	if ((buf = TAILQ_FIRST(&msgbuf->rbufs)) != NULL)
		TAILQ_REMOVE(&msgbuf->rbufs, buf, entry);
	return buf;
}

/* Drop n sent bytes from the head of the output queue. */
static void
msgbuf_drain(struct msgbuf *msgbuf, size_t n)
{
	struct ibuf	*buf;

	while (n > 0 && (buf = TAILQ_FIRST(&msgbuf->bufs)) != NULL) {
		if (n < ibuf_size(buf)) {
			buf->rpos += n;
			return;
		}
		n -= ibuf_size(buf);
		TAILQ_REMOVE(&msgbuf->bufs, buf, entry);
		msgbuf->queued--;
		ibuf_free(buf);
	}
}

/*
 * Send as much of the queue as the socket takes.  With passfd, the batch
 * stops before a second descriptor so each sendmsg carries at most one and
 * it rides with the first byte of its message.  Returns 0 (also when the
 * socket is full: retry later) or -1.
 */
static int
msgbuf_send(int fd, struct msgbuf *msgbuf, int passfd)
{
	struct iovec	 iov[IOV_MAX];
	struct msghdr	 msg;
	struct cmsghdr	*cmsg;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cbuf;
	struct ibuf	*buf, *fdbuf = NULL;
	unsigned int	 i = 0;
	ssize_t		 n;

	TAILQ_FOREACH(buf, &msgbuf->bufs, entry) {
		if (i == IOV_MAX)
			break;
		if (passfd && buf->fd >= 0) {
			if (i > 0)
				break;
			fdbuf = buf;
		}
		iov[i].iov_base = ibuf_data(buf);
		iov[i].iov_len = ibuf_size(buf);
		i++;
	}
	if (i == 0)
		return 0;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = i;
	if (fdbuf != NULL) {
		memset(&cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = sizeof(cbuf.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(cmsg), &fdbuf->fd, sizeof(int));
	}

again:
	/* MSG_NOSIGNAL: a dead peer should be EPIPE, not a SIGPIPE kill */
	n = sendmsg(fd, &msg, MSG_NOSIGNAL);
	if (n == -1 && errno == ENOTSOCK && fdbuf == NULL)
		n = writev(fd, iov, i);		/* e.g. a pipe */
	if (n == -1) {
		if (errno == EINTR)
			goto again;
		if (errno == EAGAIN || errno == ENOBUFS)
			return 0;
		return -1;
	}
	/* the descriptor left with the first byte; our copy is done */
	if (fdbuf != NULL) {
		close(fdbuf->fd);
		fdbuf->fd = -1;
	}
	msgbuf_drain(msgbuf, n);
	return 0;
}

int
ibuf_write(int fd, struct msgbuf *msgbuf)
{
	return msgbuf_send(fd, msgbuf, 0);
}

int
msgbuf_write(int fd, struct msgbuf *msgbuf)
{
	return msgbuf_send(fd, msgbuf, 1);
}

/*
 * Cut the raw bytes in rbuf into messages.  fd is the descriptor that
 * arrived with these bytes (or -1): the header callback takes it for a
 * message that announces one; otherwise it is closed.  On a bad header the
 * bytes already framed are still removed, so nothing is delivered twice.
 */
static int
msgbuf_frame(struct msgbuf *msgbuf, int fd)
{
	struct ibuf	 hdr;
	size_t		 pos = 0, sz;
	int		 rv = 1;

	while (pos < msgbuf->roff) {
		if (msgbuf->rpmsg == NULL) {
			if (msgbuf->roff - pos < msgbuf->hdrsize)
				break;
			ibuf_from_buffer(&hdr, msgbuf->rbuf + pos,
			    msgbuf->hdrsize);
			msgbuf->rpmsg = msgbuf->readhdr(&hdr, msgbuf->rarg,
			    &fd);
			if (msgbuf->rpmsg == NULL) {
				rv = -1;
				break;
			}
		}
		sz = ibuf_left(msgbuf->rpmsg);
		if (sz > msgbuf->roff - pos)
			sz = msgbuf->roff - pos;
		if (ibuf_add(msgbuf->rpmsg, msgbuf->rbuf + pos, sz) == -1) {
			rv = -1;
			break;
		}
		pos += sz;
		if (ibuf_left(msgbuf->rpmsg) == 0) {
			TAILQ_INSERT_TAIL(&msgbuf->rbufs, msgbuf->rpmsg, entry);
			msgbuf->rpmsg = NULL;
		}
	}

	memmove(msgbuf->rbuf, msgbuf->rbuf + pos, msgbuf->roff - pos);
	msgbuf->roff -= pos;
	if (fd >= 0) {
		int	 saved_errno = errno;

		close(fd);
		errno = saved_errno;
	}
	return rv;
}

/*
 * Read what is available.  Returns 1 (data framed, or nothing to read
 * yet: EAGAIN), 0 on EOF, -1 on error.  Without passfd the bytes are read
 * with readv(2), so any descriptor the peer sent is discarded by the
 * kernel instead of landing in this process.
 */
static int
msgbuf_recv(int fd, struct msgbuf *msgbuf, int passfd)
{
	struct msghdr	 msg;
	struct cmsghdr	*cmsg;
	struct iovec	 iov;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cbuf;
	ssize_t		 n;
	int		 rfd = -1, f;
	size_t		 i, nfds;

	if (msgbuf->rbuf == NULL) {
		errno = EINVAL;
		return -1;
	}
	/* a whole header left unframed means it was rejected: stay failed */
	if (msgbuf->rpmsg == NULL && msgbuf->roff >= msgbuf->hdrsize)
		return msgbuf_frame(msgbuf, -1);
	iov.iov_base = msgbuf->rbuf + msgbuf->roff;
	iov.iov_len = IBUF_READ_SIZE - msgbuf->roff;
	memset(&msg, 0, sizeof(msg));
	memset(&cbuf, 0, sizeof(cbuf));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = sizeof(cbuf.buf);

again:
	n = passfd ? recvmsg(fd, &msg, 0) : readv(fd, &iov, 1);
	if (n == -1) {
		if (errno == EINTR)
			goto again;
		if (errno == EAGAIN)
			return 1;
		return -1;
	}
	if (n == 0)
		return 0;
	msgbuf->roff += n;

	if (passfd) {
		for (cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL;
		    cmsg = CMSG_NXTHDR(&msg, cmsg)) {
			if (cmsg->cmsg_level != SOL_SOCKET ||
			    cmsg->cmsg_type != SCM_RIGHTS)
				continue;
			/* keep one descriptor; padding may hold more */
			nfds = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (i = 0; i < nfds; i++) {
				memcpy(&f, CMSG_DATA(cmsg) + i * sizeof(int),
				    sizeof(int));
				if (rfd == -1)
					rfd = f;
				else
					close(f);
			}
		}
	}
	return msgbuf_frame(msgbuf, rfd);
}

int
ibuf_read(int fd, struct msgbuf *msgbuf)
{
	return msgbuf_recv(fd, msgbuf, 0);
}

int
msgbuf_read(int fd, struct msgbuf *msgbuf)
{
	return msgbuf_recv(fd, msgbuf, 1);
}
