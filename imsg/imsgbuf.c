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
 * The channel as a whole (setting up, limits, tearing down) and the
 * message records both directions keep their bytes in.
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"
#include "imsg_local.h"

int
imsgbuf_init(struct imsgbuf *ib, int fd)
{
	memset(ib, 0, sizeof(*ib));
	ib->fd = fd;
	ib->maxsize = MAX_IMSGSIZE;
	ib->pid = getpid();
	/* The staging area comes with the first read: not every end reads. */
	return 0;
}

void
imsgbuf_allow_fdpass(struct imsgbuf *ib)
{
	ib->fdpass = 1;
}

/*
 * limit is the payload's; the header comes on top.  The total must stay
 * clear of the length bit that flags a descriptor on the wire.
 */
int
imsgbuf_set_maxsize(struct imsgbuf *ib, uint32_t limit)
{
	uint64_t	total = (uint64_t)limit + HDRLEN;

	if (total > UINT32_MAX)
		return imsg_fail(ERANGE);
	if (total & IMSG_LEN_FD)
		return imsg_fail(EINVAL);
	ib->maxsize = (uint32_t)total;
	return 0;
}

/* Messages queued and not yet written out in full. */
uint32_t
imsgbuf_queuelen(struct imsgbuf *ib)
{
	return ib->out_count;
}

/*
 * Drop everything the channel holds, closing every descriptor in it, but
 * not the socket.  Safe to call twice; the channel can be used again.
 */
void
imsgbuf_clear(struct imsgbuf *ib)
{
	msg_release_all(&ib->out_first, &ib->out_last);
	ib->out_count = 0;
	msg_release_all(&ib->ready_first, &ib->ready_last);
	msg_release(ib->partial);
	ib->partial = NULL;
	while (ib->spare_fds > 0)
		close_quietly(ib->spare_fd[--ib->spare_fds]);
	free(ib->stage);
	ib->stage = NULL;
	ib->staged = 0;
	ib->broken = 0;
}

/*
 * A record with room for room bytes, which may later grow up to cap.  The
 * bytes sit in the same allocation until they have to grow.
 */
struct ibuf *
msg_alloc(size_t room, size_t cap)
{
	struct ibuf	*m = NULL;

	if (room > cap)
		(void)imsg_fail(ERANGE);
	else if ((m = calloc(1, sizeof(*m) + room)) != NULL) {
		m->bytes = (unsigned char *)(m + 1);
		m->room = room;
		m->cap = cap;
		m->fd = -1;
	}
	return m;
}

/* Make room for more bytes after fill; ERANGE past the record's cap. */
int
msg_reserve(struct ibuf *m, size_t more)
{
	unsigned char	*p;
	size_t		 want;

	if (more > m->cap - m->fill)
		return imsg_fail(ERANGE);
	if (m->fill + more <= m->room)
		return 0;
	/* Doubling keeps a run of small additions cheap. */
	want = m->room < m->cap / 2 ? m->room * 2 : m->cap;
	if (want < m->fill + more)
		want = m->fill + more;
	if (m->owned)
		p = realloc(m->bytes, want);
	else if ((p = malloc(want)) != NULL)
		memcpy(p, m->bytes, m->fill);
	if (p == NULL)
		return -1;
	m->bytes = p;
	m->room = want;
	m->owned = 1;
	return 0;
}

void
msg_release(struct ibuf *m)
{
	if (m == NULL)
		return;
	if (m->fd != -1)
		close_quietly(m->fd);
	if (m->owned)
		free(m->bytes);
	free(m);
}

void
msg_release_all(struct ibuf **first, struct ibuf **last)
{
	struct ibuf	*m;

	while ((m = *first) != NULL) {
		*first = m->next;
		msg_release(m);
	}
	*last = NULL;
}

void
msg_append(struct ibuf **first, struct ibuf **last, struct ibuf *m)
{
	m->next = NULL;
	if (*last != NULL)
		(*last)->next = m;
	else
		*first = m;
	*last = m;
}

/* close(2) on a cleanup path, where errno must still tell the real story. */
void
close_quietly(int fd)
{
	int	saved = errno;

	(void)close(fd);
	errno = saved;
}

/* The failure every entry point reports the same way: errno, and -1. */
int
imsg_fail(int why)
{
	errno = why;
	return -1;
}

/* What of a received record is still unread: its length, then its start. */
size_t
ibuf_size(const struct ibuf *rec)
{
	return rec->fill - rec->done;
}

void *
ibuf_data(const struct ibuf *rec)
{
	return rec->bytes + rec->done;
}
