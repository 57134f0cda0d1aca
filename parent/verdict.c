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
 * From queued packet to verdict.  Queued packets go to capture in batches;
 * capture answers each, in order, with its class; here the class meets the
 * whitelist and becomes a verdict:
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
static struct whitelist			*wl;

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

static struct event			 queue_ev, expire_ev;
static int				 queue_fd = -1;

static time_t
now_monotonic(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void
batch_flush(void)
{
	size_t	i;

	if (nbatch == 0)
		return;
	if (children_send(PROC_CAPTURE, IMSG_PACKETS, batch,
	    nbatch * sizeof(batch[0])) == -1)
		fatal("send packets to capture");
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

static void
verdict_expire(int fd, short event, void *arg)
{
	struct timeval	one_second = { 1, 0 };
	size_t		n;

	if ((n = whitelist_expire(wl, now_monotonic())) > 0)
		log_debug("%zu whitelist entries expired", n);
	evtimer_add(&expire_ev, &one_second);
}

/* Decide one packet; returns 1 to accept it. */
static int
verdict_decide(const struct pkt_result *r, time_t now)
{
	char	src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];

	switch (r->class) {
	case PKT_FAKE:
		stats.fake_hits++;
		switch (whitelist_add(wl, &r->info.src, now,
		    conf->whitelist_time, WL_FAKE_HIT)) {
		case WL_ADDED:
			stats.whitelisted++;
			log_debug("whitelisted %s: connection to fake %s",
			    mxaddr_ntop(&r->info.src, src, sizeof(src)),
			    mxaddr_ntop(&r->info.dst, dst, sizeof(dst)));
			rdns_lookup(&r->info.src);
			break;
		case WL_REFRESHED:
			break;
		case WL_FULL:
			stats.whitelist_full++;
			break;
		}
		if (conf->fake_action == FAKE_RESET)
			tcpreset_send(&r->info);
		return 0;
	case PKT_REAL:
		if (whitelist_admit(wl, &r->info.src, now,
		    conf->whitelist_time)) {
			stats.admitted++;
			return 1;
		}
		stats.blocked++;
		log_debug("blocked %s: connection to real %s",
		    mxaddr_ntop(&r->info.src, src, sizeof(src)),
		    mxaddr_ntop(&r->info.dst, dst, sizeof(dst)));
		return 0;
	case PKT_OTHER:
		stats.other++;
		return 1;
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
	size_t			len = imsg_get_len(imsg), n, i;
	time_t			now = now_monotonic();

	if (len == 0 || len % sizeof(results[0]) != 0 ||
	    len > sizeof(results))
		fatalx("results from capture: bad size %zu", len);
	n = len / sizeof(results[0]);
	imsg_payload(imsg, results, len, "results");
	for (i = 0; i < n; i++) {
		if (npending == 0 || results[i].id != pending[pending_head])
			fatalx("capture answered for packet %u, not asked",
			    results[i].id);
		if (results[i].class < PKT_FAKE ||
		    results[i].class > PKT_MALFORMED)
			fatalx("capture: bad class %u", results[i].class);
		pending_head = (pending_head + 1) % pending_cap;
		npending--;
		nfqueue_verdict(results[i].id, verdict_decide(&results[i], now));
	}
	nfqueue_flush();
}

/* An address whitelisted for another reason than its own fake hit. */
void
verdict_whitelist(const struct mxaddr *a, enum wl_reason reason)
{
	if (whitelist_add(wl, a, now_monotonic(), conf->whitelist_time,
	    reason) == WL_FULL)
		stats.whitelist_full++;
}

void
verdict_log_stats(void)
{
	if (wl != NULL)
		stats_log(whitelist_count(wl), whitelist_evictions(wl));
}

/* What capture needs to tell fake from real. */
static void
send_capture_conf(void)
{
	struct capture_conf	cc;

	memset(&cc, 0, sizeof(cc));
	memcpy(cc.fake, conf->fake, sizeof(cc.fake));
	memcpy(cc.real, conf->real, sizeof(cc.real));
	cc.nfake = conf->nfake;
	cc.nreal = conf->nreal;
	if (children_send(PROC_CAPTURE, IMSG_CAPTURE_CONF, &cc,
	    sizeof(cc)) == -1)
		fatal("send configuration to capture");
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

/* Once the children run: the whitelist, the events, the exit report. */
void
verdict_start(void)
{
	wl = whitelist_new(conf->max_entries, conf->whitelist_prefix4,
	    conf->whitelist_prefix6);
	if (wl == NULL)
		fatal("whitelist");
	for (pending_cap = 1; pending_cap < (size_t)conf->queue_maxlen +
	    PKT_BATCH_MAX; pending_cap <<= 1)
		;
	if ((pending = calloc(pending_cap, sizeof(*pending))) == NULL)
		fatal(NULL);
	send_capture_conf();
	rdns_start(conf);

	event_set(&queue_ev, queue_fd, EV_READ | EV_PERSIST,
	    verdict_queue_readable, NULL);
	event_add(&queue_ev, NULL);
	evtimer_set(&expire_ev, verdict_expire, NULL);
	verdict_expire(0, 0, NULL);
	atexit(verdict_log_stats);
}
