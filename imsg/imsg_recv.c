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
 * The receiving side.  Each read lands in a fixed staging area and is
 * cut up at once: a header is checked as soon as it is whole, which sizes
 * the record its message is copied into, and whole records wait in a
 * list for imsg_get().  What stays staged between reads is never more
 * than the first bytes of a header.
 *
 * Descriptors: the kernel hands one over together with the first bytes
 * that were sent with it, and the sender sends one with the first byte of
 * its message.  So a header flagged IMSG_LEN_FD takes the oldest
 * descriptor received and not yet taken; and once a read has been cut
 * up, a descriptor no header took can only still belong to a header not
 * yet whole.  Anything else is closed.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "imsg.h"
#include "imsg_local.h"

#ifndef MSG_CMSG_CLOEXEC
#define MSG_CMSG_CLOEXEC	0
#endif

/* Descriptors one read can bring; the kernel closes any beyond. */
#define RECV_FDS	4

#define NSPARE(ib)	((int)(sizeof((ib)->spare_fd) / sizeof((ib)->spare_fd[0])))

static int	 recv_some(struct imsgbuf *, size_t *);
static void	 take_fds(struct imsgbuf *, struct msghdr *);
static int	 cut_up(struct imsgbuf *);
static int	 start_message(struct imsgbuf *, const unsigned char *);
static int	 oldest_fd(struct imsgbuf *);
static void	 close_strays(struct imsgbuf *);

int
imsgbuf_read(struct imsgbuf *ib)
{
	size_t	 got;
	int	 r;

	if (ib->broken)
		return imsg_fail(ib->broken);
	if (ib->stage == NULL && (ib->stage = malloc(IMSG_STAGE_SIZE)) == NULL)
		return -1;
	if ((r = recv_some(ib, &got)) != 1)
		return r == 0 ? 1 : -1;		/* 0: nothing there yet */
	if (got == 0) {
		if (ib->staged == 0 && ib->partial == NULL)
			return 0;
		/* The peer left in the middle of a message. */
		ib->broken = EBADMSG;
		return imsg_fail(EBADMSG);
	}
	ib->staged += got;
	r = cut_up(ib);
	close_strays(ib);
	if (r == -1) {
		ib->broken = errno;
		return -1;
	}
	return 1;
}

/*
 * One recvmsg(2) after what is staged.  Returns 1 with the byte count
 * (0 at EOF), 0 when nothing is waiting, -1 on an error.
 */
static int
recv_some(struct imsgbuf *ib, size_t *got)
{
	union {
		struct cmsghdr	 align;
		unsigned char	 space[CMSG_SPACE(RECV_FDS * sizeof(int))];
	} ctl;
	struct msghdr	 mh;
	struct iovec	 iov;
	ssize_t		 n;

	for (;;) {
		iov.iov_base = ib->stage + ib->staged;
		iov.iov_len = IMSG_STAGE_SIZE - ib->staged;
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl.space;
		mh.msg_controllen = sizeof(ctl.space);
		if ((n = recvmsg(ib->fd, &mh, MSG_CMSG_CLOEXEC)) != -1)
			break;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno != EINTR)
			return -1;
	}
	take_fds(ib, &mh);
	*got = n;
	return 1;
}

/* Keep what came along if this channel takes descriptors, else close it. */
static void
take_fds(struct imsgbuf *ib, struct msghdr *mh)
{
	struct cmsghdr	*c;
	size_t		 i, n;
	int		 fd;

	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN(0))
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (ib->fdpass && ib->spare_fds < NSPARE(ib))
				ib->spare_fd[ib->spare_fds++] = fd;
			else
				close_quietly(fd);
		}
	}
}

/* Turn staged bytes into records; -1 with errno on a bad header. */
static int
cut_up(struct imsgbuf *ib)
{
	unsigned char	*p = ib->stage;
	size_t		 left = ib->staged, n;
	struct ibuf	*m;
	int		 r = 0;

	while (left > 0) {
		if (ib->partial == NULL) {
			if (left < HDRLEN)
				break;
			if ((r = start_message(ib, p)) == -1)
				break;
			p += HDRLEN;
			left -= HDRLEN;
		}
		m = ib->partial;
		n = m->room - m->fill;
		if (n > left)
			n = left;
		memcpy(m->bytes + m->fill, p, n);
		m->fill += n;
		p += n;
		left -= n;
		if (m->fill == m->room) {
			msg_append(&ib->ready_first, &ib->ready_last, m);
			ib->partial = NULL;
		}
	}
	memmove(ib->stage, p, left);
	ib->staged = left;
	return r;
}

/*
 * A whole header at p: check its length against the limit, then set up
 * the record the message is assembled in, flag stripped.
 */
static int
start_message(struct imsgbuf *ib, const unsigned char *p)
{
	struct imsg_hdr	 h;
	struct ibuf	*m;
	uint32_t	 len;

	memcpy(&h, p, sizeof(h));
	len = h.len & ~IMSG_LEN_FD;
	if (len < HDRLEN || len > ib->maxsize)
		return imsg_fail(ERANGE);
	if ((m = msg_alloc(len, len)) == NULL)
		return -1;
	if (h.len & IMSG_LEN_FD)
		m->fd = oldest_fd(ib);
	h.len = len;
	memcpy(m->bytes, &h, sizeof(h));
	m->fill = sizeof(h);
	ib->partial = m;
	return 0;
}

/* The descriptor received first and not yet taken; -1 if none. */
static int
oldest_fd(struct imsgbuf *ib)
{
	int	 fd;

	if (ib->spare_fds == 0)
		return -1;
	fd = ib->spare_fd[0];
	ib->spare_fds--;
	memmove(&ib->spare_fd[0], &ib->spare_fd[1],
	    ib->spare_fds * sizeof(ib->spare_fd[0]));
	return fd;
}

/*
 * Only a header whose first bytes are staged can still claim a
 * descriptor, and only one: close the others, keeping the oldest.
 */
static void
close_strays(struct imsgbuf *ib)
{
	int	 keep;

	keep = ib->partial == NULL && ib->staged > 0;
	while (ib->spare_fds > keep)
		close_quietly(ib->spare_fd[--ib->spare_fds]);
}

/*
 * The next whole message, handed over with its record: returns its size,
 * header included, or 0 when none is waiting.
 */
ssize_t
imsg_get(struct imsgbuf *ib, struct imsg *imsg)
{
	struct ibuf	*m;

	if ((m = ib->ready_first) == NULL)
		return 0;
	if ((ib->ready_first = m->next) == NULL)
		ib->ready_last = NULL;
	m->next = NULL;
	memcpy(&imsg->hdr, m->bytes, sizeof(imsg->hdr));
	m->done = HDRLEN;
	imsg->data = m->fill > HDRLEN ? m->bytes + HDRLEN : NULL;
	imsg->buf = m;
	return (ssize_t)m->fill;
}

uint32_t
imsg_get_type(struct imsg *imsg)
{
	return imsg->hdr.type;
}

uint32_t
imsg_get_id(struct imsg *imsg)
{
	return imsg->hdr.peerid;
}

pid_t
imsg_get_pid(struct imsg *imsg)
{
	return (pid_t)imsg->hdr.pid;
}

/* The payload not yet read. */
size_t
imsg_get_len(struct imsg *imsg)
{
	return ibuf_size(imsg->buf);
}

/* Hands the descriptor over: the caller closes it, imsg_free() will not. */
int
imsg_get_fd(struct imsg *imsg)
{
	int	 fd = imsg->buf->fd;

	imsg->buf->fd = -1;
	return fd;
}

/* All of the unread payload, which must be exactly len bytes. */
int
imsg_get_data(struct imsg *imsg, void *data, size_t len)
{
	if (data == NULL || len == 0)
		return imsg_fail(EINVAL);
	if (ibuf_size(imsg->buf) != len)
		return imsg_fail(EBADMSG);
	memcpy(data, ibuf_data(imsg->buf), len);
	imsg->buf->done += len;
	return 0;
}

/* A view of the unread payload, valid until imsg_free(). */
int
imsg_get_ibuf(struct imsg *imsg, struct ibuf *view)
{
	size_t	 n = ibuf_size(imsg->buf);

	if (n == 0)
		return imsg_fail(EBADMSG);
	memset(view, 0, sizeof(*view));
	view->bytes = ibuf_data(imsg->buf);
	view->room = view->fill = view->cap = n;
	view->fd = -1;
	return 0;
}

void
imsg_free(struct imsg *imsg)
{
	msg_release(imsg->buf);
	imsg->buf = NULL;
	imsg->data = NULL;
}
