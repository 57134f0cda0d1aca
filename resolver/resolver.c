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
 * The resolver process: reverse and forward DNS for the parent, unprivileged
 * and without capabilities, so that no DNS answer is parsed as root.  It
 * reads no files: its nameservers come from the parent.
 *
 * For each source the parent asks about, a lookup finds the PTR name, then
 * that name's A and AAAA records in parallel.  The name is forward-confirmed
 * only when the source is among its addresses; then the other addresses
 * (siblings) are returned, capped.  Every request gets exactly one answer:
 * from the cache, at once when too busy, or when its lookup ends.  A lookup
 * always ends, through the DNS timeouts or else through its own deadline.
 *
 * The queries go through dns.c (c-ares).  Lifetimes: a lookup counts the
 * queries whose callback is still due (pending) and is freed only once
 * that count is zero and it has been answered.  dns_query() calls back
 * exactly once for every query, also when the nameservers change under it
 * (DNS_CANCELLED), so no callback can find its lookup freed.  An answered
 * lookup (its deadline passed) ignores late results.
 *
 * Every byte of an answer is untrusted: c-ares's parsers read the records
 * (names of up to 253 characters, CNAME chains, answers of any size that
 * came over TCP), at most RESOLVER_MAX_RECORDS addresses of each family are
 * looked at, and only a name made of plain host-name characters is kept.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/tree.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#define CARES_NO_DEPRECATED	/* the classic API, kept by newer c-ares */
#include <ares.h>
#include <event.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "child.h"
#include "dns.h"
#include "imsgev.h"
#include "log.h"
#include "spfwalk.h"
#include "spfcheck.h"

#define RESOLVER_MAX_INFLIGHT	256	/* lookups at once; more: FAILED */
#define RESOLVER_MAX_WAITERS	64	/* requests one lookup answers */
#define RESOLVER_DEADLINE	30	/* seconds: the latest answer */
#define RESOLVER_MAX_RECORDS	64	/* addresses looked at per query */

/*
 * Cache lifetimes, in seconds.  A confirmed answer lives as long as the
 * smallest TTL of the records it rests on, at most an hour.  An unconfirmed
 * one whitelists nothing, so its lifetime only spares the nameserver.  A
 * failure that came from DNS (timeout, server failure, bad answer) is kept
 * briefly: a host whose DNS is broken and that keeps knocking at the fake
 * MX costs one lookup (up to 8 s of a slot) per 30 s rather than one per
 * knock, and is tried again soon.  Failures of our own (too busy, shut
 * down for a new configuration, deadline) are never kept.
 */
#define TTL_CONFIRMED_MAX	3600
#define TTL_UNCONFIRMED		300
#define TTL_FAILED		30

/* What a lookup is waiting for. */
enum lookup_step {
	STEP_START,		/* nothing asked yet */
	STEP_PTR,		/* the name of the source */
	STEP_FORWARD		/* the addresses of that name */
};

struct lookup;

/* One forward query (A or AAAA) of a lookup and what it found. */
struct forward {
	struct lookup	*lookup;
	int		 af;		/* AF_INET: A, AF_INET6: AAAA */
	enum dns_result	 err;
	uint32_t	 ttl;		/* smallest of its records */
	int		 found;		/* the source is among them */
	uint32_t	 nsiblings;	/* the others, each once */
	struct mxaddr	 sibling[RESOLVER_MAX_RECORDS];
};

struct lookup {
	RB_ENTRY(lookup)	 node;		/* in flight, by source */
	struct mxaddr		 source;
	struct event		 deadline;
	unsigned int		 waiters;	/* requests to answer */
	unsigned int		 pending;	/* callbacks due, and holds */
	int			 answered;	/* nothing more is done */
	enum lookup_step	 step;
	enum dns_result		 ptr_err;
	uint32_t		 ptr_ttl;
	char			 name[RDNS_NAME_MAX];	/* "" if unusable */
	struct forward		 fwd[2];	/* A, AAAA */
};

RB_HEAD(lookup_tree, lookup);

static void	resolver_before_drop(const struct child_init *, int);
static void	resolver_after_drop(void);
static void	resolver_dispatch(struct imsg *);
static int	lookup_cmp(const struct lookup *, const struct lookup *);
static void	lookup_advance(struct lookup *);

RB_PROTOTYPE(lookup_tree, lookup, node, lookup_cmp);
RB_GENERATE(lookup_tree, lookup, node, lookup_cmp)

static const struct child_ops resolver_ops = {
	.role = PROC_RESOLVER,
	.before_drop = resolver_before_drop,
	.after_drop = resolver_after_drop,
	.syscalls = &seccomp_resolver,
	.dispatch = resolver_dispatch,
};

static struct resolver_conf	 rconf;
static int			 have_conf;
static struct lookup_tree	 inflight = RB_INITIALIZER(&inflight);
static unsigned int		 ninflight;
static unsigned int		 inflight_peak;	/* for the parent's stats */

static int
lookup_cmp(const struct lookup *a, const struct lookup *b)
{
	return memcmp(&a->source, &b->source, sizeof(a->source));
}

/*
 * Copy an address with the bytes its family does not use zeroed, so that
 * it compares with memcmp; -1 if it is neither IPv4 nor IPv6.
 */
static int
mxaddr_clean(const struct mxaddr *in, struct mxaddr *out)
{
	memset(out, 0, sizeof(*out));
	switch (in->af) {
	case AF_INET:
		out->u.ip4 = in->u.ip4;
		break;
	case AF_INET6:
		out->u.ip6 = in->u.ip6;
		break;
	default:
		return -1;
	}
	out->af = in->af;
	return 0;
}

static const char *
addr_str(const struct mxaddr *a, char *buf, size_t len)
{
	if (inet_ntop(a->af, &a->u, buf, len) == NULL)
		strlcpy(buf, "?", len);
	return buf;
}

/* NXDOMAIN and NODATA are answers; everything else is a failure. */
static int
dns_failed(enum dns_result err)
{
	return err != DNS_OK && err != DNS_NXDOMAIN && err != DNS_NODATA;
}

static void
answer_init(struct rdns_answer *a, const struct mxaddr *source,
    enum rdns_status status)
{
	memset(a, 0, sizeof(*a));
	a->source = *source;
	a->status = status;
}

static void
answer_send(struct rdns_answer *a)
{
	a->inflight_peak = inflight_peak;
	child_compose(IMSG_RDNS_ANSWER, a, sizeof(*a));
}

/* Answer a request without a lookup: too busy, or nothing to ask. */
static void
answer_failed_now(const struct mxaddr *source, const char *why)
{
	struct rdns_answer	a;
	char			buf[INET6_ADDRSTRLEN];

	log_debug("rdns %s: not looked up: %s",
	    addr_str(source, buf, sizeof(buf)), why);
	answer_init(&a, source, RDNS_FAILED);
	answer_send(&a);
}

/*
 * The lookup's answer is known: cache it for lifetime seconds, send it to
 * every waiting request, and take the lookup out of flight.  Queries still
 * out will find it answered.
 */
static void
lookup_finish(struct lookup *l, struct rdns_answer *a,
    unsigned int lifetime)
{
	unsigned int	i;

	cache_put(a, lifetime);
	for (i = 0; i < l->waiters; i++)
		answer_send(a);
	l->answered = 1;
	evtimer_del(&l->deadline);
	RB_REMOVE(lookup_tree, &inflight, l);
	ninflight--;
}

/*
 * A failure of the lookup, cached for lifetime seconds (0: not); never
 * one that came from a change of nameservers.
 */
static void
lookup_fail(struct lookup *l, enum dns_result err, unsigned int lifetime)
{
	struct rdns_answer	a;
	char			buf[INET6_ADDRSTRLEN];

	log_debug("rdns %s: %s lookup failed: %s", addr_str(&l->source, buf,
	    sizeof(buf)), l->step == STEP_FORWARD ? "address" : "PTR",
	    dns_result_str(err));
	answer_init(&a, &l->source, RDNS_FAILED);
	lookup_finish(l, &a, err == DNS_CANCELLED ? 0 : lifetime);
}

/* No usable name, or one that does not resolve back: nothing to add. */
static void
lookup_unconfirmed(struct lookup *l, const char *why)
{
	struct rdns_answer	a;
	char			buf[INET6_ADDRSTRLEN];

	log_debug("rdns %s: %s%s%s", addr_str(&l->source, buf, sizeof(buf)),
	    l->name, l->name[0] != '\0' ? ": " : "", why);
	answer_init(&a, &l->source, RDNS_UNCONFIRMED);
	strlcpy(a.name, l->name, sizeof(a.name));
	lookup_finish(l, &a, TTL_UNCONFIRMED);
}

/*
 * The deadline: whatever is still out, the requests get their answer.
 * The DNS timeouts end a lookup well before, unless many nameservers
 * fail one after the other; this bounds that too.
 */
static void
lookup_deadline(int fd, short event, void *arg)
{
	struct lookup	*l = arg;
	char		 buf[INET6_ADDRSTRLEN];

	if (l->answered)
		return;
	log_warnx("rdns %s: no result after %d seconds", addr_str(&l->source,
	    buf, sizeof(buf)), RESOLVER_DEADLINE);
	lookup_fail(l, DNS_FAILED, 0);
}

/*
 * The PTR name out of an answer, into l->name when usable: DNS_OK, or
 * DNS_FAILED for an answer c-ares cannot parse (a name over 255 bytes, a
 * compression loop, records cut short).
 */
static enum dns_result
ptr_parse(struct lookup *l, const unsigned char *abuf, int alen)
{
	struct hostent	*h = NULL;
	int		 r;

	r = ares_parse_ptr_reply(abuf, alen, &l->source.u,
	    l->source.af == AF_INET ? 4 : 16, l->source.af, &h);
	if (r == ARES_ENODATA)
		return DNS_NODATA;
	if (r != ARES_SUCCESS || h == NULL || h->h_name == NULL) {
		if (h != NULL)
			ares_free_hostent(h);
		return DNS_FAILED;
	}
	if (dns_name_valid(h->h_name))
		strlcpy(l->name, h->h_name, sizeof(l->name));
	ares_free_hostent(h);
	return DNS_OK;
}

/* PTR: record what came back; lookup_advance() decides. */
static void
ptr_done(enum dns_result result, const unsigned char *abuf, int alen,
    uint32_t ttl, void *arg)
{
	struct lookup	*l = arg;

	if (!l->answered) {
		l->ptr_err = result;
		l->ptr_ttl = ttl;
		if (result == DNS_OK)
			l->ptr_err = ptr_parse(l, abuf, alen);
	}
	lookup_advance(l);
}

/* Note a's place among f's records: the source, or a new sibling. */
static void
forward_record(struct forward *f, const struct mxaddr *a)
{
	uint32_t	j;

	if (memcmp(a, &f->lookup->source, sizeof(*a)) == 0) {
		f->found = 1;
		return;
	}
	for (j = 0; j < f->nsiblings; j++)
		if (memcmp(a, &f->sibling[j], sizeof(*a)) == 0)
			return;
	if (f->nsiblings < RESOLVER_MAX_RECORDS)
		f->sibling[f->nsiblings++] = *a;
}

/*
 * The addresses out of an A or AAAA answer, following its CNAMEs.  A
 * hostile name may have many records: the first RESOLVER_MAX_RECORDS are
 * looked at, and a source beyond them is not confirmed.
 */
static enum dns_result
forward_parse(struct forward *f, const unsigned char *abuf, int alen)
{
	struct ares_addrttl	 ttl4[RESOLVER_MAX_RECORDS];
	struct ares_addr6ttl	 ttl6[RESOLVER_MAX_RECORDS];
	struct mxaddr		 a;
	int			 n = RESOLVER_MAX_RECORDS, r, i;

	if (f->af == AF_INET)
		r = ares_parse_a_reply(abuf, alen, NULL, ttl4, &n);
	else
		r = ares_parse_aaaa_reply(abuf, alen, NULL, ttl6, &n);
	if (r == ARES_ENODATA || (r == ARES_SUCCESS && n == 0))
		return DNS_NODATA;
	if (r != ARES_SUCCESS || n < 0 || n > RESOLVER_MAX_RECORDS)
		return DNS_FAILED;
	for (i = 0; i < n; i++) {
		memset(&a, 0, sizeof(a));
		a.af = f->af;
		if (f->af == AF_INET)
			memcpy(&a.u.ip4, &ttl4[i].ipaddr, 4);
		else
			memcpy(&a.u.ip6, &ttl6[i].ip6addr, 16);
		forward_record(f, &a);
	}
	return DNS_OK;
}

/* A or AAAA: note whether the source is there, and keep the others. */
static void
forward_done(enum dns_result result, const unsigned char *abuf, int alen,
    uint32_t ttl, void *arg)
{
	struct forward	*f = arg;
	struct lookup	*l = f->lookup;

	if (!l->answered) {
		f->err = result;
		f->ttl = ttl;
		if (result == DNS_OK)
			f->err = forward_parse(f, abuf, alen);
	}
	lookup_advance(l);
}

/* Ask for the PTR name of the source. */
static void
ptr_start(struct lookup *l)
{
	char	qname[RDNS_NAME_MAX];

	l->step = STEP_PTR;
	if (dns_reverse_name(&l->source, qname, sizeof(qname)) == -1) {
		lookup_fail(l, DNS_FAILED, 0);
		return;
	}
	l->pending++;		/* before: the callback may run at once */
	dns_query(qname, DNS_T_PTR, ptr_done, l);
}

/* Ask for the A and AAAA records of the name, both at once. */
static void
forward_start(struct lookup *l)
{
	struct forward	*f;
	int		 i;

	l->step = STEP_FORWARD;
	for (i = 0; i < 2; i++) {
		f = &l->fwd[i];
		f->lookup = l;
		f->af = i == 0 ? AF_INET : AF_INET6;
		f->err = DNS_FAILED;
	}
	l->pending += 2;
	for (i = 0; i < 2; i++)
		dns_query(l->name, l->fwd[i].af == AF_INET ? DNS_T_A :
		    DNS_T_AAAA, forward_done, &l->fwd[i]);
}

/* The PTR query is done: give up here, or go on to the addresses. */
static void
ptr_conclude(struct lookup *l)
{
	if (dns_failed(l->ptr_err))
		lookup_fail(l, l->ptr_err, TTL_FAILED);
	else if (l->ptr_err != DNS_OK)
		lookup_unconfirmed(l, "no PTR record");
	else if (l->name[0] == '\0')
		lookup_unconfirmed(l, "PTR name not usable");
	else
		forward_start(l);
}

/*
 * A and AAAA are both done.  The query of the source's own family decides:
 * if it failed, whether the name resolves back is unknown (FAILED); if the
 * source is among its addresses, the name is confirmed, and the siblings
 * of both families go to the parent, IPv4 first, max_addresses at most.
 * A failure of the other family only means fewer siblings, for a while.
 */
static void
forward_conclude(struct lookup *l)
{
	struct forward		*mine, *other;
	struct rdns_answer	 a;
	char			 buf[INET6_ADDRSTRLEN];
	uint32_t		 lifetime, i;
	int			 k;

	mine = &l->fwd[l->source.af == AF_INET ? 0 : 1];
	other = &l->fwd[l->source.af == AF_INET ? 1 : 0];
	if (dns_failed(mine->err)) {
		lookup_fail(l, mine->err, TTL_FAILED);
		return;
	}
	if (!mine->found) {
		lookup_unconfirmed(l, "does not resolve back");
		return;
	}

	answer_init(&a, &l->source, RDNS_CONFIRMED);
	strlcpy(a.name, l->name, sizeof(a.name));
	lifetime = TTL_CONFIRMED_MAX;
	if (l->ptr_ttl < lifetime)
		lifetime = l->ptr_ttl;
	for (k = 0; k < 2; k++) {
		if (l->fwd[k].err != DNS_OK)
			continue;
		if (l->fwd[k].ttl < lifetime)
			lifetime = l->fwd[k].ttl;
		a.total += l->fwd[k].nsiblings;
		for (i = 0; i < l->fwd[k].nsiblings &&
		    a.naddrs < rconf.max_addresses; i++)
			a.addrs[a.naddrs++] = l->fwd[k].sibling[i];
	}
	if (dns_failed(other->err) && lifetime > TTL_FAILED)
		lifetime = TTL_FAILED;
	log_debug("rdns %s: %s: confirmed, %u siblings, %u passed on",
	    addr_str(&l->source, buf, sizeof(buf)), l->name, a.total,
	    a.naddrs);
	lookup_finish(l, &a, lifetime);
}

/*
 * Called with one hold on l (pending counts it): the callback that just
 * came in, or the code that started the lookup.  While that hold is all
 * that is left, the current step is complete and the next one starts;
 * every step either starts queries or answers, so this ends.  Then the
 * hold is dropped, and the lookup freed if it was the last.
 */
static void
lookup_advance(struct lookup *l)
{
	while (l->pending == 1 && !l->answered) {
		switch (l->step) {
		case STEP_START:
			ptr_start(l);
			break;
		case STEP_PTR:
			ptr_conclude(l);
			break;
		case STEP_FORWARD:
			forward_conclude(l);
			break;
		}
	}
	if (--l->pending == 0)
		free(l);
}

static void
lookup_start(const struct mxaddr *source)
{
	struct lookup	*l;
	struct timeval	 tv;

	if ((l = calloc(1, sizeof(*l))) == NULL) {
		log_warn("lookup");
		answer_failed_now(source, "out of memory");
		return;
	}
	l->source = *source;
	l->waiters = 1;
	l->step = STEP_START;
	RB_INSERT(lookup_tree, &inflight, l);
	if (++ninflight > inflight_peak)
		inflight_peak = ninflight;

	evtimer_set(&l->deadline, lookup_deadline, l);
	timerclear(&tv);
	tv.tv_sec = RESOLVER_DEADLINE;
	if (evtimer_add(&l->deadline, &tv) == -1)
		fatal("evtimer_add");

	l->pending = 1;		/* our hold, dropped by lookup_advance() */
	lookup_advance(l);
}

/* IMSG_RDNS_REQUEST: cache, coalesce, refuse when busy, or look up. */
static void
resolver_request(struct imsg *imsg)
{
	struct rdns_request	 req;
	struct rdns_answer	 a;
	struct lookup		 key, *l;

	payload_get(imsg, &req, sizeof(req));
	if (mxaddr_clean(&req.source, &key.source) == -1)
		fatalx("%s: bad address family %u", i2s(imsg_get_type(imsg)),
		    req.source.af);

	if (cache_get(&key.source, &a)) {
		answer_send(&a);
		return;
	}
	if ((l = RB_FIND(lookup_tree, &inflight, &key)) != NULL) {
		if (l->waiters < RESOLVER_MAX_WAITERS)
			l->waiters++;
		else
			answer_failed_now(&key.source, "too many requests");
		return;
	}
	if (dns_nservers() == 0)
		answer_failed_now(&key.source, "no nameserver");
	else if (ninflight >= RESOLVER_MAX_INFLIGHT)
		answer_failed_now(&key.source, "too many lookups");
	else
		lookup_start(&key.source);
}

/*
 * IMSG_RESOLVER_CONF, at start and on every reload.  Only a change does
 * anything: new nameservers cancel the queries out (their lookups fail,
 * uncached); any change empties the cache, whose answers were capped by
 * the old max_addresses or came from the old servers.
 */
static void
resolver_conf(struct imsg *imsg)
{
	struct resolver_conf	rc, clean;
	uint32_t		i;
	int			servers_changed;

	payload_get(imsg, &rc, sizeof(rc));
	if (rc.nnameservers > MAX_NAMESERVERS ||
	    rc.max_addresses > RDNS_MAX_ADDRESSES_LIMIT)
		fatalx("%s: bad counts", i2s(imsg_get_type(imsg)));
	memset(&clean, 0, sizeof(clean));
	for (i = 0; i < rc.nnameservers; i++)
		if (mxaddr_clean(&rc.nameserver[i], &clean.nameserver[i]) ==
		    -1)
			fatalx("%s: bad nameserver address family",
			    i2s(imsg_get_type(imsg)));
	clean.nnameservers = rc.nnameservers;
	clean.max_addresses = rc.max_addresses;

	if (have_conf && memcmp(&clean, &rconf, sizeof(clean)) == 0)
		return;
	servers_changed = !have_conf ||
	    clean.nnameservers != rconf.nnameservers ||
	    memcmp(clean.nameserver, rconf.nameserver,
	    sizeof(clean.nameserver)) != 0;
	rconf = clean;
	have_conf = 1;
	cache_flush();
	if (servers_changed && dns_set_servers(rconf.nameserver,
	    rconf.nnameservers) == 0)
		log_warnx("no nameserver: reverse DNS lookups will all fail");
	log_debug("%u nameservers, at most %u addresses per name",
	    dns_nservers(), rconf.max_addresses);
}

/*
 * c-ares seeds its query ids from /dev/urandom (and reads resolv.conf,
 * whose settings dns_init() overrides) when a channel is made: while the
 * files are still within reach.
 */
static void
resolver_before_drop(const struct child_init *init, int fd)
{
	if (fd != -1)
		close(fd);
	dns_init();
}

/* No nameservers until the parent sends them. */
static void
resolver_after_drop(void)
{
#ifdef __OpenBSD__
	/* UDP and TCP to the nameservers; no files, not even resolv.conf. */
	if (pledge("stdio inet", NULL) == -1)
		fatal("pledge");
#endif
}

static void
resolver_dispatch(struct imsg *imsg)
{
	switch (imsg_get_type(imsg)) {
	case IMSG_RESOLVER_CONF:
		resolver_conf(imsg);
		break;
	case IMSG_RDNS_REQUEST:
		resolver_request(imsg);
		break;
	case IMSG_SPF_WALK:
		spf_walk_request(imsg);
		break;
	default:
		fatalx("unexpected %s from parent", i2s(imsg_get_type(imsg)));
	}
}

void
resolver_main(const struct child_logopts *lo)
{
	child_main(&resolver_ops, lo);
}
