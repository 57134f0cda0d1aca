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
 * The SPF-walked allowlist (allowlist-spf DOMAIN), the parent's side: which
 * domains to walk and when, the networks of each domain's last good walk,
 * and their place in the allowlist that the policy and every backend see.
 *
 * The resolver walks (resolver/spfwalk.c); the parent asks for one walk per
 * domain at a time, at most SPF_PARALLEL at once, and checks everything
 * that comes back as it would from any untrusted peer: sizes, names,
 * masks, and the same bounds the resolver applies (common/spfcheck.c).
 * A walk that succeeds replaces the domain's networks; one that fails,
 * is refused, or finds no record keeps them: the last good result stays,
 * across restarts too (the state file keeps it), until a later walk
 * succeeds.  A domain taken out of the configuration loses its networks.
 *
 * When: a good walk is repeated after the smallest TTL it saw, held
 * within allowlist-spf-refresh-min and -max; a failed one is tried again
 * after refresh-min, doubling with each failure in a row up to an hour
 * (or refresh-max, if smaller).  At startup every domain is walked at
 * once, restored or not.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <event.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "allowlist.h"
#include "array.h"
#include "config.h"
#include "imsgev.h"
#include "log.h"
#include "parent.h"
#include "spf.h"
#include "spfcheck.h"

#define SPF_PARALLEL	4	/* walks asked for at once */
#define SPF_GUARD	180	/* seconds: a walk unanswered is given up */
#define SPF_RETRY_MAX	3600	/* the failure backoff's ceiling */

/* The networks of one walk, and the records that listed them. */
struct spf_result {
	struct spf_saved_net	*nets;
	size_t			 nnets, capnets;
	char			(*records)[RDNS_NAME_MAX];
	size_t			 nrecords;
	struct spf_bounds	 bounds;
	time_t			 walked;	/* wall clock */
	uint32_t		 ttl;
};

struct spf_domain {
	char			 name[RDNS_NAME_MAX];
	struct spf_result	*good;		/* NULL: none yet */
	struct spf_result	*walking;	/* being received */
	uint32_t		 walk_id;	/* 0: no walk asked */
	time_t			 asked;		/* monotonic */
	time_t			 next;		/* monotonic: walk then */
	unsigned int		 failures;	/* in a row */
};

static struct spf_domain	 domains[MAX_SPF_DOMAINS];
static unsigned int		 ndomains, nwalking;
static struct allowlist		*index_al;	/* every good network */
static const struct allowlist	*exclude;	/* the file's: not twice */
static struct event		 tick_ev;
static int			 started;
static uint32_t			 last_id;
static int			 refresh_min, refresh_max;

static void
result_free(struct spf_result *r)
{
	if (r == NULL)
		return;
	free(r->nets);
	free(r->records);
	free(r);
}

static struct spf_result *
result_new(void)
{
	struct spf_result	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->records = calloc(SPF_MAX_RECORDS, sizeof(*r->records))) ==
	    NULL)
		fatal("spf result");
	return r;
}

/* net (checked) into r, as listed by record; -1 with why past a bound. */
static int
result_add(struct spf_result *r, const struct mxaddr *net,
    unsigned int prefixlen, unsigned int mech, unsigned int record,
    const char **why)
{
	struct spf_saved_net	*n;

	if (spf_bounds_add(&r->bounds, net, prefixlen, why) == -1)
		return -1;
	if ((n = array_room(r->nets, r->nnets, &r->capnets,
	    sizeof(*n), 16)) == NULL)
		fatal("spf networks");
	r->nets = n;
	n = &r->nets[r->nnets++];
	memset(n, 0, sizeof(*n));
	n->net = *net;
	n->prefixlen = prefixlen;
	n->mech = mech;
	n->record = record;
	return 0;
}

/* The index of record name in r, added if new; -1 when r is full. */
static int
result_record(struct spf_result *r, const char *name)
{
	size_t	i;

	for (i = 0; i < r->nrecords; i++)
		if (strcmp(r->records[i], name) == 0)
			return (int)i;
	if (r->nrecords == SPF_MAX_RECORDS)
		return -1;
	strlcpy(r->records[r->nrecords], name, sizeof(r->records[0]));
	return (int)r->nrecords++;
}

/*
 * Rebuild the index of every domain's good networks, less those the
 * allowlist file has already, and tell the policy (which saves the state
 * and has the backends mirror the allowlist).
 */
static void
reindex(void)
{
	struct allowlist	*al;
	struct spf_result	*r;
	unsigned int		 d;
	size_t			 i;

	if ((al = allowlist_new()) == NULL)
		fatal("spf allowlist");
	for (d = 0; d < ndomains; d++) {
		if ((r = domains[d].good) == NULL)
			continue;
		for (i = 0; i < r->nnets; i++) {
			if (allowlist_has(exclude, &r->nets[i].net,
			    r->nets[i].prefixlen))
				continue;
			if (allowlist_add(al, &r->nets[i].net,
			    r->nets[i].prefixlen) == -1)
				fatal("spf allowlist");
		}
	}
	allowlist_index(al);
	allowlist_free(index_al);
	index_al = al;
	if (started)
		policy_allowlist_changed();
}

/* The allowlist file changed: its networks are not counted twice. */
void
spf_exclude(const struct allowlist *al)
{
	exclude = al;
	reindex();
}

int
spf_contains(const struct mxaddr *src)
{
	return allowlist_contains(index_al, src);
}

size_t
spf_count(void)
{
	return allowlist_count(index_al);
}

void
spf_foreach(void (*cb)(const struct mxaddr *, unsigned int, void *),
    void *arg)
{
	allowlist_foreach(index_al, cb, arg);
}

static void
saved_of(const struct spf_domain *d, struct spf_saved *s)
{
	memset(s, 0, sizeof(*s));
	s->domain = d->name;
	s->walked = d->good->walked;
	s->ttl = d->good->ttl;
	s->nnets = d->good->nnets;
	s->nets = d->good->nets;
	s->nrecords = d->good->nrecords;
	s->records = (const char (*)[RDNS_NAME_MAX])d->good->records;
}

/* Every domain's last good walk: for the state file and mxallowctl. */
void
spf_foreach_saved(void (*cb)(const struct spf_saved *, void *), void *arg)
{
	struct spf_saved	s;
	unsigned int		d;

	for (d = 0; d < ndomains; d++) {
		if (domains[d].good == NULL)
			continue;
		saved_of(&domains[d], &s);
		cb(&s, arg);
	}
}

static struct spf_domain *
domain_find(const char *name)
{
	unsigned int	d;

	for (d = 0; d < ndomains; d++)
		if (strcmp(domains[d].name, name) == 0)
			return &domains[d];
	return NULL;
}

/*
 * A walk as the state file kept it, for a domain still configured: it
 * becomes the domain's last good result.  0, or -1 when it is not taken
 * (not configured any more, or not within the bounds).
 */
int
spf_restore(const struct spf_saved *s)
{
	struct spf_domain	*d;
	struct spf_result	*r;
	const char		*why;
	size_t			 i;

	if ((d = domain_find(s->domain)) == NULL) {
		log_info("state file: allowlist-spf %s is not configured any "
		    "more: its %zu networks dropped", s->domain, s->nnets);
		return -1;
	}
	r = result_new();
	r->walked = s->walked;
	r->ttl = s->ttl;
	for (i = 0; i < s->nrecords && i < SPF_MAX_RECORDS; i++)
		result_record(r, s->records[i]);
	for (i = 0; i < s->nnets; i++) {
		if (s->nets[i].record >= r->nrecords ||
		    result_add(r, &s->nets[i].net, s->nets[i].prefixlen,
		    s->nets[i].mech, s->nets[i].record, &why) == -1) {
			log_warnx("state file: allowlist-spf %s: networks "
			    "past the bounds, dropped", s->domain);
			result_free(r);
			return -1;
		}
	}
	result_free(d->good);
	d->good = r;
	reindex();
	return 0;
}

static time_t
clamp_refresh(uint32_t ttl)
{
	if (ttl < (uint32_t)refresh_min)
		return refresh_min;
	if (ttl > (uint32_t)refresh_max)
		return refresh_max;
	return ttl;
}

/* After a failure: refresh-min, doubled per failure in a row. */
static time_t
retry_after(unsigned int failures)
{
	time_t	t = refresh_min, ceiling = SPF_RETRY_MAX;

	if (ceiling > refresh_max)
		ceiling = refresh_max;
	while (--failures > 0 && t < ceiling)
		t *= 2;
	return t < ceiling ? t : ceiling;
}

static void
walk_ask(struct spf_domain *d)
{
	struct spf_walk_request	req;

	memset(&req, 0, sizeof(req));
	req.id = ++last_id;
	strlcpy(req.domain, d->name, sizeof(req.domain));
	parent_compose_resolver(IMSG_SPF_WALK, &req, sizeof(req));
	result_free(d->walking);
	d->walking = result_new();
	d->walk_id = req.id;
	d->asked = policy_now();
	nwalking++;
	log_debug("allowlist-spf %s: walking", d->name);
}

/* The walk is over, one way or the other: the next one is at next. */
static void
walk_over(struct spf_domain *d, time_t next)
{
	result_free(d->walking);
	d->walking = NULL;
	d->walk_id = 0;
	d->next = policy_now() + next;
	nwalking--;
}

/* What is kept when a walk did not replace it, for log lines. */
static void
log_failed(const struct spf_domain *d, const char *what, const char *why,
    time_t retry)
{
	char	when[32];

	if (d->good != NULL) {
		if (strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S",
		    localtime(&d->good->walked)) == 0)
			strlcpy(when, "?", sizeof(when));
		log_warnx("allowlist-spf %s: %s: %s; keeping the %zu networks "
		    "of the walk of %s, trying again in %lld seconds", d->name,
		    what, why, d->good->nnets, when, (long long)retry);
	} else
		log_warnx("allowlist-spf %s: %s: %s; no networks yet, trying "
		    "again in %lld seconds", d->name, what, why,
		    (long long)retry);
}

static void
walk_failed(struct spf_domain *d, const char *what, const char *why)
{
	time_t	retry = retry_after(++d->failures);

	log_failed(d, what, why, retry);
	walk_over(d, retry);
}

/* Once a second: walks that are due, within SPF_PARALLEL; stuck ones. */
static void
spf_tick(int fd, short event, void *arg)
{
	struct timeval	one_second = { 1, 0 };
	time_t		now = policy_now();
	unsigned int	i;

	for (i = 0; i < ndomains; i++) {
		if (domains[i].walk_id != 0 &&
		    now - domains[i].asked >= SPF_GUARD)
			walk_failed(&domains[i], "walk failed",
			    "no answer from the resolver");
	}
	for (i = 0; i < ndomains && nwalking < SPF_PARALLEL; i++)
		if (domains[i].walk_id == 0 && domains[i].next <= now)
			walk_ask(&domains[i]);
	evtimer_add(&tick_ev, &one_second);
}

/*
 * The domains of the configuration, at startup and on each reload: a
 * domain kept keeps its networks and schedule, a new one is walked at
 * once, one taken out loses its networks (a walk of it still out is
 * ignored when it ends).
 */
void
spf_configure(const struct mxallowd_conf *conf)
{
	struct spf_domain	 next[MAX_SPF_DOMAINS], *old;
	unsigned int		 i, j, dropped = 0;
	time_t			 now = policy_now();

	refresh_min = conf->spf_refresh_min;
	refresh_max = conf->spf_refresh_max;
	memset(next, 0, sizeof(next));
	for (i = 0; i < conf->nspf; i++) {
		if ((old = domain_find(conf->spf[i])) != NULL) {
			next[i] = *old;
			memset(old, 0, sizeof(*old));
			continue;
		}
		strlcpy(next[i].name, conf->spf[i], sizeof(next[i].name));
		next[i].next = now;
	}
	for (j = 0; j < ndomains; j++) {
		if (domains[j].name[0] == '\0')
			continue;
		if (domains[j].good != NULL)
			dropped++;
		if (domains[j].walk_id != 0)
			nwalking--;
		log_info("allowlist-spf %s: not configured any more",
		    domains[j].name);
		result_free(domains[j].good);
		result_free(domains[j].walking);
	}
	memcpy(domains, next, sizeof(domains));
	ndomains = conf->nspf;
	if (dropped > 0 || index_al == NULL)
		reindex();
}

/* After the resolver has its nameservers: walks from now on. */
void
spf_start(void)
{
	started = 1;
	evtimer_set(&tick_ev, spf_tick, NULL);
	spf_tick(0, 0, NULL);
}

/*
 * The domain a walk message is about; NULL for a walk given up (its
 * domain taken out, or its guard passed): ignored.  An id never asked
 * for is the resolver's lie.
 */
static struct spf_domain *
walk_domain(uint32_t id, const char *what)
{
	unsigned int	i;

	if (id == 0 || id > last_id)
		fatalx("%s: walk %u was never asked for", what, id);
	for (i = 0; i < ndomains; i++)
		if (domains[i].walk_id == id)
			return &domains[i];
	return NULL;
}

/* IMSG_SPF_NETS: checked to the last byte, then kept for the end. */
void
spf_nets(struct imsg *imsg)
{
	struct spf_nets		 b;
	struct spf_domain	*d;
	const struct spf_net	*n;
	struct mxaddr		 masked;
	const char		*why;
	uint32_t		 i;
	int			 rec;

	payload_get(imsg, &b, sizeof(b));
	if (b.n < 1 || b.n > SPF_NETS_BATCH ||
	    memchr(b.record, '\0', sizeof(b.record)) == NULL ||
	    !dns_name_valid(b.record))
		fatalx("spf networks: malformed");
	if ((d = walk_domain(b.id, "spf networks")) == NULL)
		return;
	if ((rec = result_record(d->walking, b.record)) == -1)
		fatalx("spf networks: more than %d records", SPF_MAX_RECORDS);
	for (i = 0; i < b.n; i++) {
		n = &b.nets[i];
		masked = n->net;
		if (n->net.af == AF_INET || n->net.af == AF_INET6)
			spf_mask(&masked, n->prefixlen);
		if (memcmp(&masked, &n->net, sizeof(masked)) != 0 ||
		    spf_mech_name(n->mech)[0] == '?')
			fatalx("spf networks: a bad network");
		if (result_add(d->walking, &n->net, n->prefixlen, n->mech, rec,
		    &why) == -1)
			fatalx("spf networks: %s", why);
	}
}

/* A reason from the resolver, for a log line: printable, or "?". */
static void
printable(char *s)
{
	for (; *s != '\0'; s++)
		if (!isprint((unsigned char)*s))
			*s = '?';
}

/* IMSG_SPF_DONE: the walk's networks become the domain's, or not. */
void
spf_done(struct imsg *imsg)
{
	struct spf_done		 done;
	struct spf_domain	*d;
	struct spf_result	*r;
	time_t			 next;

	payload_get(imsg, &done, sizeof(done));
	if (done.status < SPF_WALK_OK || done.status > SPF_WALK_NONE ||
	    memchr(done.why, '\0', sizeof(done.why)) == NULL)
		fatalx("spf done: malformed");
	if ((d = walk_domain(done.id, "spf done")) == NULL)
		return;
	printable(done.why);
	switch (done.status) {
	case SPF_WALK_OK:
		if (done.nnets != d->walking->nnets)
			fatalx("spf done: %u networks, %zu sent", done.nnets,
			    d->walking->nnets);
		r = d->walking;
		d->walking = NULL;
		r->walked = time(NULL);
		r->ttl = done.ttl;
		result_free(d->good);
		d->good = r;
		d->failures = 0;
		next = clamp_refresh(done.ttl);
		log_info("allowlist-spf %s: %zu networks from %zu records "
		    "(%u lookups, %u void), next walk in %lld seconds", d->name,
		    r->nnets, r->nrecords, done.lookups, done.voids,
		    (long long)next);
		walk_over(d, next);
		reindex();
		break;
	case SPF_WALK_FAILED:
		walk_failed(d, "walk failed", done.why);
		break;
	case SPF_WALK_REFUSED:
		walk_failed(d, "record refused", done.why);
		break;
	case SPF_WALK_NONE:
		walk_failed(d, "no SPF record", done.why);
		break;
	}
}
