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
 * Reverse-DNS whitelisting, the parent's side.  A newly whitelisted source
 * is sent to the resolver; the resolver answers in its own time (verdicts
 * never wait for it).  The parent remembers what it asked, in a bounded
 * table, and accepts an answer only for a question still open: a resolver
 * that answers anything else is treated as broken.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "imsgev.h"
#include "log.h"
#include "parent.h"
#include "siphash.h"

#define RDNS_OUTSTANDING_MAX	1024		/* a power of two */

/* The open questions: chained hash buckets over a fixed pool of nodes. */
struct question {
	struct mxaddr	source;
	int		next;		/* in its bucket or the free list; -1 */
};

static struct question	questions[RDNS_OUTSTANDING_MAX];
static int		buckets[RDNS_OUTSTANDING_MAX];
static int		free_head;
static uint8_t		hash_key[SIPHASH_KEY_LEN];
static int		enabled;
static unsigned int	max_addresses;

static int *
bucket_of(const struct mxaddr *a)
{
	return &buckets[mxaddr_hash(hash_key, a->af, a->u.bytes) &
	    (RDNS_OUTSTANDING_MAX - 1)];
}

/* The link that points at a's node, or at -1 where it would go. */
static int *
question_link(const struct mxaddr *a)
{
	int	*link;

	link = bucket_of(a);
	while (*link != -1 &&
	    memcmp(&questions[*link].source, a, sizeof(*a)) != 0)
		link = &questions[*link].next;
	return link;
}

/* Remove a's question; 0 if there was none. */
static int
question_remove(const struct mxaddr *a)
{
	int	*link, i;

	link = question_link(a);
	if ((i = *link) == -1)
		return 0;
	*link = questions[i].next;
	questions[i].next = free_head;
	free_head = i;
	stats.rdns_open--;
	return 1;
}

/* The resolver's nameservers and cap: for rDNS and the SPF walks. */
static void
send_resolver_conf(const struct mxallowd_conf *conf)
{
	struct resolver_conf	rc;

	memset(&rc, 0, sizeof(rc));
	if (conf->nnameservers > 0) {
		memcpy(rc.nameserver, conf->nameserver, sizeof(rc.nameserver));
		rc.nnameservers = conf->nnameservers;
	} else
		rc.nnameservers = resolvconf_nameservers(RESOLV_CONF,
		    rc.nameserver, MAX_NAMESERVERS);
	rc.max_addresses = max_addresses;
	parent_compose_resolver(IMSG_RESOLVER_CONF, &rc, sizeof(rc));
}

/*
 * On reload: answers to questions already asked are still accepted (and
 * capped anew); new questions follow the new settings.  The resolver gets
 * its nameservers even without rDNS whitelisting: it walks SPF records.
 */
void
rdns_reconfigure(const struct mxallowd_conf *conf)
{
	enabled = !(conf->opts & OPT_NO_RDNS);
	max_addresses = conf->rdns_max_addresses;
	send_resolver_conf(conf);
}

void
rdns_start(const struct mxallowd_conf *conf)
{
	int	i;

	arc4random_buf(hash_key, sizeof(hash_key));
	for (i = 0; i < RDNS_OUTSTANDING_MAX; i++) {
		buckets[i] = -1;
		questions[i].next = i + 1 < RDNS_OUTSTANDING_MAX ? i + 1 : -1;
	}
	free_head = 0;
	rdns_reconfigure(conf);
}

/* Ask about a newly whitelisted source, once while the question is open. */
void
rdns_lookup(const struct mxaddr *source)
{
	struct rdns_request	 req;
	int			*link, i;

	if (!enabled)
		return;
	if (*(link = question_link(source)) != -1)
		return;
	if (free_head == -1) {
		/* A flood of new sources: they stay whitelisted themselves. */
		stats.rdns_failed++;
		return;
	}
	i = free_head;
	free_head = questions[i].next;
	questions[i].source = *source;
	questions[i].next = -1;
	*link = i;
	stats.rdns_open++;

	memset(&req, 0, sizeof(req));
	req.source = *source;
	parent_compose_resolver(IMSG_RDNS_REQUEST, &req, sizeof(req));
	stats.rdns_lookups++;
}

static int
af_valid(const struct mxaddr *a)
{
	return a->af == AF_INET || a->af == AF_INET6;
}

/* IMSG_RDNS_ANSWER: checked to the last field before anything is used. */
void
rdns_answer(struct imsg *imsg)
{
	struct rdns_answer	a;
	char			src[INET6_ADDRSTRLEN];
	uint32_t		i;

	payload_get(imsg, &a, sizeof(a));
	/* The hard limit: a reload may lower the cap under a lookup. */
	if (!af_valid(&a.source) || a.naddrs > RDNS_MAX_ADDRESSES_LIMIT ||
	    a.status < RDNS_CONFIRMED || a.status > RDNS_FAILED ||
	    memchr(a.name, '\0', sizeof(a.name)) == NULL)
		fatalx("%s: malformed", i2s(imsg_get_type(imsg)));
	for (i = 0; i < a.naddrs; i++)
		if (!af_valid(&a.addrs[i]))
			fatalx("%s: bad address", i2s(imsg_get_type(imsg)));
	if (!question_remove(&a.source))
		fatalx("%s about %s, which was not asked",
		    i2s(imsg_get_type(imsg)),
		    mxaddr_ntop(&a.source, src, sizeof(src)));
	/* Only ever shown: a lying resolver can only make it lie. */
	if (a.inflight_peak > stats.rdns_inflight_peak)
		stats.rdns_inflight_peak = a.inflight_peak;

	mxaddr_ntop(&a.source, src, sizeof(src));
	switch (a.status) {
	case RDNS_CONFIRMED:
		stats.rdns_confirmed++;
		if (a.naddrs > max_addresses)
			a.naddrs = max_addresses;
		if (a.total > a.naddrs)
			stats.rdns_capped++;
		for (i = 0; i < a.naddrs; i++)
			policy_whitelist(&a.addrs[i], WL_RDNS);
		log_debug("rdns %s: %s, %u of %u siblings whitelisted%s", src,
		    a.name, a.naddrs, a.total, a.cached ? " (cached)" : "");
		break;
	case RDNS_UNCONFIRMED:
		stats.rdns_unconfirmed++;
		if (a.name[0] == '\0')
			log_debug("rdns %s: no usable PTR name, only the source "
			    "stays whitelisted%s", src,
			    a.cached ? " (cached)" : "");
		else
			log_debug("rdns %s: %s does not resolve back, only the "
			    "source stays whitelisted%s", src, a.name,
			    a.cached ? " (cached)" : "");
		break;
	case RDNS_FAILED:
		stats.rdns_failed++;
		log_debug("rdns %s: lookup failed", src);
		break;
	}
}
