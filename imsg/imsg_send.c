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
 * The sending side.  A message is built whole in one record (header
 * first, its length filled in when it is closed) and appended to the
 * channel's output list.  Writing sends from the head of that list with
 * sendmsg(2), several records per call; the head's count of bytes
 * already sent lets a short write resume where it stopped.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"
#include "imsg_local.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL	0
#endif

/* Records one sendmsg(2) may take. */
#define SEND_IOVS	32

static int	 gather(struct imsgbuf *, struct iovec *);
static void	 sent(struct imsgbuf *, size_t);

/*
 * A message to be filled in with imsg_add(): datalen bytes are set aside,
 * and it may grow to the channel's limit.
 */
struct ibuf *
imsg_create(struct imsgbuf *ib, uint32_t type, uint32_t id, pid_t pid,
    size_t datalen)
{
	struct imsg_hdr	 h;
	struct ibuf	*m;

	if (datalen > ib->maxsize - HDRLEN) {
		errno = ERANGE;
		return NULL;
	}
	if ((m = msg_alloc(HDRLEN + datalen, ib->maxsize)) == NULL)
		return NULL;
	memset(&h, 0, sizeof(h));
	h.type = type;
	h.peerid = id;
	h.pid = (uint32_t)(pid != 0 ? pid : ib->pid);
	memcpy(m->bytes, &h, sizeof(h));
	m->fill = sizeof(h);
	return m;
}

/* Returns datalen; on failure the message is gone (freed) and -1. */
int
imsg_add(struct ibuf *m, const void *data, size_t datalen)
{
	if (m == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (datalen == 0)
		return 0;
	if (msg_reserve(m, datalen) == -1) {
		msg_release(m);
		return -1;
	}
	memcpy(m->bytes + m->fill, data, datalen);
	m->fill += datalen;
	return (int)datalen;
}

/* Seal the header's length and queue the message. */
void
imsg_close(struct imsgbuf *ib, struct ibuf *m)
{
	uint32_t	 len;

	if (m == NULL)
		return;
	len = (uint32_t)m->fill;
	if (m->fd != -1)
		len |= IMSG_LEN_FD;
	memcpy(m->bytes + offsetof(struct imsg_hdr, len), &len, sizeof(len));
	msg_append(&ib->out_first, &ib->out_last, m);
	ib->out_count++;
}

/*
 * The pieces joined in order as one payload.  fd, unless -1, belongs to
 * the channel once this succeeds and is closed when it has been sent.
 */
int
imsg_composev(struct imsgbuf *ib, uint32_t type, uint32_t id, pid_t pid,
    int fd, const struct iovec *iov, int iovcnt)
{
	struct ibuf	*m;
	size_t		 total = 0;
	int		 i;

	if (fd != -1 && !ib->fdpass) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > ib->maxsize - HDRLEN - total) {
			errno = ERANGE;
			return -1;
		}
		total += iov[i].iov_len;
	}
	if ((m = imsg_create(ib, type, id, pid, total)) == NULL)
		return -1;
	for (i = 0; i < iovcnt; i++)
		if (imsg_add(m, iov[i].iov_base, iov[i].iov_len) == -1)
			return -1;
	m->fd = fd;
	imsg_close(ib, m);
	return 1;
}

int
imsg_compose(struct imsgbuf *ib, uint32_t type, uint32_t id, pid_t pid,
    int fd, const void *data, size_t datalen)
{
	struct iovec	 one;

	one.iov_base = (void *)data;
	one.iov_len = datalen;
	return imsg_composev(ib, type, id, pid, fd, &one, 1);
}

/* The received message again, header as it came, without a descriptor. */
int
imsg_forward(struct imsgbuf *ib, struct imsg *msg)
{
	const struct ibuf	*src = msg->buf;
	struct ibuf		*m;
	size_t			 n = src->fill - HDRLEN;

	if ((m = imsg_create(ib, msg->hdr.type, msg->hdr.peerid, 0, n)) ==
	    NULL)
		return -1;
	/* As received, even a pid of 0 that imsg_create() would replace. */
	memcpy(m->bytes + offsetof(struct imsg_hdr, pid), &msg->hdr.pid,
	    sizeof(msg->hdr.pid));
	if (imsg_add(m, src->bytes + HDRLEN, n) == -1)
		return -1;
	imsg_close(ib, m);
	return 1;
}

/*
 * Send what is queued until the queue is empty or the socket is full.
 * A message that carries a descriptor begins a sendmsg(2) of its own,
 * the descriptor attached: the kernel delivers it with that call's first
 * byte, the message's, and the reader pairs them by that.
 */
int
imsgbuf_write(struct imsgbuf *ib)
{
	union {
		struct cmsghdr	 align;
		unsigned char	 space[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec	 iov[SEND_IOVS];
	struct msghdr	 mh;
	struct cmsghdr	*c;
	struct ibuf	*head;
	ssize_t		 n;

	while ((head = ib->out_first) != NULL) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = iov;
		mh.msg_iovlen = gather(ib, iov);
		if (head->fd != -1) {
			memset(&ctl, 0, sizeof(ctl));
			mh.msg_control = ctl.space;
			mh.msg_controllen = sizeof(ctl.space);
			c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(c), &head->fd, sizeof(int));
		}
		if ((n = sendmsg(ib->fd, &mh, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == ENOBUFS)
				return 0;
			return -1;
		}
		/* The peer holds the descriptor now; ours can go. */
		if (head->fd != -1) {
			close(head->fd);
			head->fd = -1;
		}
		sent(ib, n);
	}
	return 0;
}

/*
 * Point iov at the unsent bytes of the queue's first records, stopping
 * short of the next one that carries a descriptor.
 */
static int
gather(struct imsgbuf *ib, struct iovec *iov)
{
	struct ibuf	*m = ib->out_first;
	int		 n = 0;

	do {
		iov[n].iov_base = m->bytes + m->done;
		iov[n].iov_len = m->fill - m->done;
		n++;
	} while ((m = m->next) != NULL && m->fd == -1 && n < SEND_IOVS);
	return n;
}

/* Account for n bytes written: drop the records now sent in full. */
static void
sent(struct imsgbuf *ib, size_t n)
{
	struct ibuf	*m;
	size_t		 left;

	while (n > 0 && (m = ib->out_first) != NULL) {
		left = m->fill - m->done;
		if (n < left) {
			m->done += n;
			return;
		}
		n -= left;
		if ((ib->out_first = m->next) == NULL)
			ib->out_last = NULL;
		ib->out_count--;
		msg_release(m);
	}
}

/* For blocking sockets: on a non-blocking one this spins while it is full. */
int
imsgbuf_flush(struct imsgbuf *ib)
{
	while (ib->out_first != NULL)
		if (imsgbuf_write(ib) == -1)
			return -1;
	return 0;
}
