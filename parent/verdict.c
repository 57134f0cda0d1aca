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
 * The nfqueue backend's packet path: queued packets go to capture in
 * batches; capture answers each, in order, with its class; the class meets
 * the policy (policy.c) and becomes a verdict:
 *	FAKE		whitelist the source; reset (or drop) the connection
 *	REAL		accept and refresh if whitelisted, else drop (never a
 *			reset: the SYN's retransmission covers a race with the
 *			fake hit that whitelists it)
 *	OTHER		accept: not a new connection to our addresses
 *	MALFORMED	drop and count
 * No verdict ever waits for DNS.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <event.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "imsgev.h"
#include "log.h"
#include "parent.h"
#include "whitelist.h"

static const struct mxallowd_conf	*conf;

/* Packets read from the queue and not yet sent to capture. */
static struct pkt_raw			 batch[PKT_BATCH_MAX];
static size_t				 nbatch;

/*
 * Ids sent to capture and not yet answered, oldest first: capture must
 * answer exactly these, in this order.  The kernel holds at most
 * queue-maxlen packets, so that bounds them too.
 */
static uint32_t				*pending;
static size_t				 pending_cap, pending_head, npending;

static struct event			 queue_ev;
static int				 queue_fd = -1;

static void
batch_flush(void)
{
	size_t	i;

	if (nbatch == 0)
		return;
	parent_compose_capture(IMSG_PACKETS, batch, nbatch * sizeof(batch[0]));
	for (i = 0; i < nbatch; i++)
		pending[(pending_head + npending++) % pending_cap] = batch[i].id;
	nbatch = 0;
}

/* A packet from the queue: batch it for capture. */
static void
verdict_packet(uint32_t id, const uint8_t *data, size_t len)
{
	struct pkt_raw	*p;

	if (npending + nbatch >= pending_cap) {
		/* Only if the kernel queue outgrew its own limit. */
		stats.pending_overflow++;
		nfqueue_verdict(id, 0);
		return;
	}
	p = &batch[nbatch++];
	memset(p, 0, sizeof(*p));
	p->id = id;
	p->len = len > PKT_COPY_MAX ? PKT_COPY_MAX : len;
	if (data != NULL)
		memcpy(p->data, data, p->len);
	if (nbatch == PKT_BATCH_MAX)
		batch_flush();
}

static void
verdict_queue_readable(int fd, short event, void *arg)
{
	nfqueue_read();
	batch_flush();
	nfqueue_flush();
}

/* Decide one packet; returns 1 to accept it. */
static int
verdict_decide(const struct pkt_result *r)
{
	switch (r->class) {
	case PKT_FAKE:
		policy_fake_hit(&r->info);
		if (conf->fake_action == FAKE_RESET)
			tcpreset_send(&r->info);
		return 0;
	case PKT_REAL:
		return policy_real(&r->info);
	case PKT_OTHER:
		stats.other++;
		return 1;
	case PKT_CUT:		/* cannot be judged, so not let through */
		stats.cut++;
		return 0;
	case PKT_MALFORMED:
	default:
		stats.malformed++;
		return 0;
	}
}

/* IMSG_RESULTS from capture: the answers, in the order asked. */
void
verdict_results(struct imsg *imsg)
{
	struct pkt_result	results[PKT_BATCH_MAX];
	size_t			n, i;

	n = payload_batch(imsg, results, sizeof(results[0]), nitems(results));
	for (i = 0; i < n; i++) {
		if (npending == 0 || results[i].id != pending[pending_head])
			fatalx("%s: an answer for packet %u, not asked",
			    i2s(imsg_get_type(imsg)), results[i].id);
		if (results[i].class < PKT_FAKE ||
		    results[i].class > PKT_CLASS_LAST)
			fatalx("%s: bad class %u", i2s(imsg_get_type(imsg)),
			    results[i].class);
		pending_head = (pending_head + 1) % pending_cap;
		npending--;
		nfqueue_verdict(results[i].id, verdict_decide(&results[i]));
	}
	nfqueue_flush();
}

/*
 * Open the queue and the reset sockets; called before the children are
 * started, so that a queue in use stops the daemon before anything runs.
 */
void
verdict_open(const struct mxallowd_conf *c)
{
	conf = c;
	queue_fd = nfqueue_open(conf, verdict_packet);
	tcpreset_open();
}

/* Once the children run: read the queue. */
void
verdict_start(void)
{
	for (pending_cap = 1; pending_cap < (size_t)conf->queue_maxlen +
	    PKT_BATCH_MAX; pending_cap <<= 1)
		;
	if ((pending = calloc(pending_cap, sizeof(*pending))) == NULL)
		fatal(NULL);
	event_set(&queue_ev, queue_fd, EV_READ | EV_PERSIST,
	    verdict_queue_readable, NULL);
	event_add(&queue_ev, NULL);
}
