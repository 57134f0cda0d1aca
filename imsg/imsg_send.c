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
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"
#include "imsg_local.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL	0
#endif

/* Records one sendmsg(2) may take. */
#define SEND_IOVS	32

/* Room for one descriptor's control message, aligned as cmsghdr wants. */
union fd_control {
	struct cmsghdr	 align;
	unsigned char	 space[CMSG_SPACE(sizeof(int))];
};

static int	 gather(struct imsgbuf *, struct iovec *);
static void	 attach_fd(struct msghdr *, union fd_control *, int);
static void	 sent(struct imsgbuf *, size_t);

/*
 * A message to be filled in with imsg_add(): paylen bytes are set aside,
 * and it may grow to the channel's limit.  A payload past the limit
 * asks msg_alloc() for more than its cap, which refuses it (ERANGE).
 */
struct ibuf *
imsg_create(struct imsgbuf *ib, uint32_t type, uint32_t peer, pid_t sender,
    size_t paylen)
{
	struct imsg_hdr	 h;
	struct ibuf	*m;

	m = msg_alloc(paylen > ib->maxsize ? SIZE_MAX : HDRLEN + paylen,
	    ib->maxsize);
	if (m == NULL)
		return NULL;
	memset(&h, 0, sizeof(h));
	h.type = type;
	h.peerid = peer;
	h.pid = (uint32_t)(sender != 0 ? sender : ib->pid);
	memcpy(m->bytes, &h, sizeof(h));
	m->fill = sizeof(h);
	return m;
}

/* Returns paylen; on failure the message is gone (freed) and -1. */
int
imsg_add(struct ibuf *m, const void *payload, size_t paylen)
{
	if (m == NULL)
		return imsg_fail(EINVAL);
	if (paylen > 0 && msg_reserve(m, paylen) == -1) {
		msg_release(m);
		return -1;
	}
	if (paylen > 0)
		memcpy(m->bytes + m->fill, payload, paylen);
	m->fill += paylen;
	return (int)paylen;
}

/* Seal the header's length and queue the message. */
void
imsg_close(struct imsgbuf *ib, struct ibuf *m)
{
	uint32_t	 wire_len;

	if (m == NULL)
		return;
	wire_len = (uint32_t)m->fill | (m->fd != -1 ? IMSG_LEN_FD : 0);
	memcpy(m->bytes + offsetof(struct imsg_hdr, len), &wire_len,
	    sizeof(wire_len));
	msg_append(&ib->out_first, &ib->out_last, m);
	ib->out_count++;
}

/*
 * The pieces joined in order as one payload.  fd, unless -1, belongs to
 * the channel once this succeeds and is closed when it has been sent.
 */
int
imsg_composev(struct imsgbuf *ib, uint32_t type, uint32_t peer,
    pid_t sender, int fd, const struct iovec *parts, int nparts)
{
	struct ibuf	*m;
	size_t		 total = 0;
	int		 k;

	if (fd != -1 && !ib->fdpass)
		return imsg_fail(EINVAL);
	for (k = 0; k < nparts; k++) {
		if (parts[k].iov_len > ib->maxsize - HDRLEN - total)
			return imsg_fail(ERANGE);
		total += parts[k].iov_len;
	}
	if ((m = imsg_create(ib, type, peer, sender, total)) == NULL)
		return -1;
	for (k = 0; k < nparts; k++)
		if (imsg_add(m, parts[k].iov_base, parts[k].iov_len) == -1)
			return -1;
	m->fd = fd;
	imsg_close(ib, m);
	return 1;
}

int
imsg_compose(struct imsgbuf *ib, uint32_t type, uint32_t peer,
    pid_t sender, int fd, const void *payload, size_t paylen)
{
	struct iovec	 whole;

	whole.iov_base = (void *)payload;
	whole.iov_len = paylen;
	return imsg_composev(ib, type, peer, sender, fd, &whole, 1);
}

/* The received message again, header as it came, without a descriptor. */
int
imsg_forward(struct imsgbuf *ib, struct imsg *msg)
{
	const struct ibuf	*src = msg->buf;
	struct ibuf		*m;
	size_t			 n = src->fill - HDRLEN;

	m = imsg_create(ib, msg->hdr.type, msg->hdr.peerid, 0, n);
	if (m == NULL)
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
	union fd_control	 ctl;
	struct iovec		 iov[SEND_IOVS];
	struct msghdr		 mh;
	struct ibuf		*head;
	ssize_t			 n;

	while ((head = ib->out_first) != NULL) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = iov;
		mh.msg_iovlen = gather(ib, iov);
		if (head->fd != -1)
			attach_fd(&mh, &ctl, head->fd);
		n = sendmsg(ib->fd, &mh, MSG_NOSIGNAL);
		if (n == -1) {
			switch (errno) {
			case EINTR:
				continue;
			case EAGAIN:
#if EWOULDBLOCK != EAGAIN
			case EWOULDBLOCK:
#endif
			case ENOBUFS:
				return 0;	/* full: the caller waits */
			default:
				return -1;
			}
		}
		/* The peer holds the descriptor now; ours can go. */
		if (head->fd != -1) {
			close_quietly(head->fd);
			head->fd = -1;
		}
		sent(ib, n);
	}
	return 0;
}

/* One SCM_RIGHTS control message in ctl, carrying fd, on mh. */
static void
attach_fd(struct msghdr *mh, union fd_control *ctl, int fd)
{
	struct cmsghdr	*c;

	memset(ctl, 0, sizeof(*ctl));
	mh->msg_control = ctl->space;
	mh->msg_controllen = sizeof(ctl->space);
	c = CMSG_FIRSTHDR(mh);
	c->cmsg_len = CMSG_LEN(sizeof(fd));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	memcpy(CMSG_DATA(c), &fd, sizeof(fd));
}

/*
 * Point iov at the unsent bytes of the queue's first records, stopping
 * short of the next one that carries a descriptor.
 */
static int
gather(struct imsgbuf *ib, struct iovec *iov)
{
	struct ibuf	*m = ib->out_first;
	int		 used = 0;

	do {
		iov[used].iov_base = m->bytes + m->done;
		iov[used].iov_len = m->fill - m->done;
		used++;
	} while ((m = m->next) != NULL && m->fd == -1 && used < SEND_IOVS);
	return used;
}

/* Account for n bytes written: drop the records now sent in full. */
static void
sent(struct imsgbuf *ib, size_t n)
{
	struct ibuf	*m;
	size_t		 unsent;

	while (n > 0 && (m = ib->out_first) != NULL) {
		unsent = m->fill - m->done;
		if (n < unsent) {
			m->done += n;
			return;
		}
		n -= unsent;
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
