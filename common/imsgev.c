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
 * Glue between an imsg channel and the event loop: arm the event for reading
 * always and for writing while output is queued; move bytes on readiness.
 */

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "imsgev.h"
#include "log.h"
#include "mxallowd.h"

void
imsgev_init(struct imsgev *iev, int fd, const char *peer,
    void (*handler)(int, short, void *))
{
	if (imsgbuf_init(&iev->ibuf, fd) == -1)
		fatal("imsgbuf_init");
	iev->handler = handler;
	iev->peer = peer;
	iev->events = 0;
}

/*
 * Arm the event for what the channel needs now: always reading, writing
 * while output is queued.  The event persists, so it is only set anew when
 * that changes.
 */
void
imsgev_add(struct imsgev *iev)
{
	short	events = EV_READ;

	if (imsgbuf_queuelen(&iev->ibuf) > 0)
		events |= EV_WRITE;
	if (iev->events != 0 && events == iev->events)
		return;
	if (iev->events != 0)
		event_del(&iev->ev);
	iev->events = events;
	event_set(&iev->ev, iev->ibuf.fd, events | EV_PERSIST, iev->handler,
	    iev);
	if (event_add(&iev->ev, NULL) == -1)
		fatal("event_add");
}

int
imsgev_compose(struct imsgev *iev, uint32_t type, const void *data,
    size_t len)
{
	return imsgev_compose_fd(iev, type, -1, data, len);
}

/* The same, handing fd over to the peer (-1: none). */
int
imsgev_compose_fd(struct imsgev *iev, uint32_t type, int fd,
    const void *data, size_t len)
{
	int	idle;

	idle = imsgbuf_queuelen(&iev->ibuf) == 0;
	if (imsg_compose(&iev->ibuf, type, 0, 0, fd, data, len) == -1)
		return -1;
	/*
	 * Send at once what has nothing queued ahead of it: waiting for the
	 * event loop to report the socket writable would cost a turn of the
	 * loop and two epoll_ctl calls per message on the verdict path.
	 * What the socket does not take now waits for EV_WRITE; a failure
	 * shows there too.
	 */
	if (idle)
		(void)imsgbuf_write(&iev->ibuf);
	imsgev_add(iev);
	return 0;
}

/*
 * Move bytes for the events that fired.  Returns 0 when the peer has gone
 * (EOF, or a write to a closed socket), 1 otherwise.
 */
int
imsgev_io(struct imsgev *iev, short event)
{
	if (event & EV_READ) {
		switch (imsgbuf_read(&iev->ibuf)) {
		case -1:
			fatal("read from %s", iev->peer);
		case 0:
			return 0;
		}
	}
	if (event & EV_WRITE) {
		if (imsgbuf_write(&iev->ibuf) == -1) {
			if (errno == EPIPE)
				return 0;
			fatal("write to %s", iev->peer);
		}
	}
	return 1;
}

void
imsgev_close(struct imsgev *iev)
{
	if (iev->events != 0)
		event_del(&iev->ev);
	iev->events = 0;
	imsgbuf_clear(&iev->ibuf);
	close(iev->ibuf.fd);
	iev->ibuf.fd = -1;
}

/* Every type's name, for log lines about a message. */
static const char *const imsg_names[] = {
	[IMSG_NONE] =		"IMSG_NONE",
	[IMSG_CHILD_INIT] =	"IMSG_CHILD_INIT",
	[IMSG_CHILD_READY] =	"IMSG_CHILD_READY",
	[IMSG_CAPTURE_CONF] =	"IMSG_CAPTURE_CONF",
	[IMSG_PACKETS] =	"IMSG_PACKETS",
	[IMSG_RESULTS] =	"IMSG_RESULTS",
	[IMSG_RESOLVER_CONF] =	"IMSG_RESOLVER_CONF",
	[IMSG_RDNS_REQUEST] =	"IMSG_RDNS_REQUEST",
	[IMSG_RDNS_ANSWER] =	"IMSG_RDNS_ANSWER",
	[IMSG_PF_EVENTS] =	"IMSG_PF_EVENTS",
	[IMSG_CAPTURE_EOF] =	"IMSG_CAPTURE_EOF",
	[IMSG_LOG_VERBOSE] =	"IMSG_LOG_VERBOSE",
	[IMSG_SPF_WALK] =	"IMSG_SPF_WALK",
	[IMSG_SPF_NETS] =	"IMSG_SPF_NETS",
	[IMSG_SPF_DONE] =	"IMSG_SPF_DONE",
	[IMSG_NFLOG_EVENTS] =	"IMSG_NFLOG_EVENTS",
	[IMSG_CAPTURE_STATS] =	"IMSG_CAPTURE_STATS",
	[IMSG_SYNC_CONF] =	"IMSG_SYNC_CONF",
	[IMSG_SYNC_PUSH] =	"IMSG_SYNC_PUSH",
	[IMSG_SYNC_FLUSH] =	"IMSG_SYNC_FLUSH",
	[IMSG_SYNC_DUMP_END] =	"IMSG_SYNC_DUMP_END",
	[IMSG_SYNC_PEER] =	"IMSG_SYNC_PEER",
	[IMSG_SYNC_PEER_FLUSH] = "IMSG_SYNC_PEER_FLUSH",
	[IMSG_SYNC_DUMP] =	"IMSG_SYNC_DUMP",
	[IMSG_SYNC_DUMP_MORE] =	"IMSG_SYNC_DUMP_MORE",
	[IMSG_SYNC_STATUS] =	"IMSG_SYNC_STATUS",
};
/* A type added to the enum without a name here fails to build. */
_Static_assert(nitems(imsg_names) == IMSG_NTYPES, "a type has no name");

/* The name of an imsg type; a number for one that is not ours. */
const char *
i2s(uint32_t type)
{
	static char	unknown[sizeof("type 4294967295")];

	if (type < nitems(imsg_names))
		return imsg_names[type];
	snprintf(unknown, sizeof(unknown), "type %u", type);
	return unknown;
}

/*
 * Copy the payload of imsg, which must be exactly size bytes (0: none);
 * anything else from a peer is a protocol violation and ends this process.
 */
void
payload_get(struct imsg *imsg, void *buf, size_t size)
{
	if (size == 0 ? imsg_get_len(imsg) != 0 :
	    imsg_get_data(imsg, buf, size) == -1)
		fatalx("%s: bad size %zu, expected %zu",
		    i2s(imsg_get_type(imsg)), imsg_get_len(imsg), size);
}

/*
 * A batch: 1 to max elements of elemsize bytes each, copied into buf (room
 * for max).  Returns how many; any other size ends this process.
 */
size_t
payload_batch(struct imsg *imsg, void *buf, size_t elemsize, size_t max)
{
	size_t	len;

	len = imsg_get_len(imsg);
	if (len == 0 || len % elemsize != 0 || len / elemsize > max)
		fatalx("%s: bad size %zu, expected 1 to %zu times %zu",
		    i2s(imsg_get_type(imsg)), len, max, elemsize);
	payload_get(imsg, buf, len);
	return len / elemsize;
}
