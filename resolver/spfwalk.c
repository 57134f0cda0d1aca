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
 * SPF walks, in the resolver: the networks a domain's SPF record (RFC
 * 7208) lets send mail, for the parent to admit at the real MX.
 *
 * A walk reads the domain's v=spf1 record and follows it: ip4 and ip6
 * give networks, a and mx the addresses of names (with their /cidr), include
 * and redirect other records.  Only mechanisms that pass ("+", the
 * default) count: "-ip4:..." or "~all" admit nobody.  exists, ptr and
 * macros (%{...}) cannot be turned into networks: they are skipped, and
 * logged.  "+all" would admit everybody: the walk is refused.
 *
 * The bounds are RFC 7208's where it has them: at most 10 terms that cause
 * DNS lookups (include, a, mx, ptr, exists, redirect; skipped ones count
 * too), at most 2 of them void (no such name, or no records), at most 10
 * MX hosts per mx term; an include that comes back to a record on its own
 * path is a loop.  Then ours (spfcheck.c): prefixes no shorter than /12
 * and /32, at most 1000 networks and so much address space in all.  A
 * walk that breaks any of them is refused whole, never cut: half a
 * sender's networks would be a list nobody published.  A walk takes at
 * most SPF_DEADLINE seconds; any DNS failure fails it (temperror), and the
 * parent keeps what it had.
 *
 * The terms of one record are read at once and their lookups go out
 * together, so a walk takes a few round trips, not one per term.  Every
 * byte of a record is untrusted: it must be printable ASCII of at most
 * SPF_TEXT_MAX bytes, every name must be a host name, every number in
 * range, or the walk is refused.
 *
 * Lifetimes: a walk counts the queries still due (pending), plus a hold
 * while a record's terms are being read; when that count falls to zero the
 * walk is over: its answer goes out unless a failure already went, and it
 * is freed.  dns_query() calls back exactly once per query.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#define CARES_NO_DEPRECATED	/* the classic API, kept by newer c-ares */
#include <ares.h>
#include <ctype.h>
#include <event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "array.h"
#include "child.h"
#include "dns.h"
#include "imsgev.h"
#include "log.h"
#include "spfwalk.h"
#include "spfcheck.h"

#define SPF_DEADLINE	60	/* seconds: the latest answer */
#define SPF_MAX_WALKS	16	/* at once; more: failed at once */
#define SPF_TEXT_MAX	8192	/* one record, its strings joined */
#define SPF_TERM_LOG	80	/* characters of a term in a log line */

/* A record the walk reads: the domain's, or one named by include/redirect. */
struct spf_rec {
	char	name[RDNS_NAME_MAX];
	int	parent;			/* the record that named it; -1 */
};

struct spf_walk {
	TAILQ_ENTRY(spf_walk)	 entry;
	uint32_t		 id;
	struct event		 deadline;
	unsigned int		 pending;	/* queries due, and holds */
	int			 finished;	/* the answer went out */
	unsigned int		 lookups, voids;
	uint32_t		 ttl;
	struct spf_rec		 recs[SPF_MAX_RECORDS];
	int			 nrecs;
	struct spf_bounds	 bounds;
	struct spf_found	*found;
	size_t			 nfound, capfound;
};

/* A network found, and the record that listed it. */
struct spf_found {
	struct spf_net	net;
	int		rec;
};

/* The A and AAAA queries of one name (an a term, or an MX host). */
struct spf_pair {
	struct spf_walk	*walk;
	int		 rec, mech, left, answered;
	unsigned int	 cidr4, cidr6;
};

/* One query's context. */
struct spf_query {
	struct spf_walk	*walk;
	struct spf_pair	*pair;		/* A or AAAA */
	int		 af;
	int		 rec;		/* TXT: the record; MX: the term's */
	unsigned int	 cidr4, cidr6;
};

TAILQ_HEAD(spf_walks, spf_walk);

static struct spf_walks	walks = TAILQ_HEAD_INITIALIZER(walks);
static unsigned int	nwalks;

static void	walk_release(struct spf_walk *);
static void	fetch_txt(struct spf_walk *, int);

static void
send_done(uint32_t id, enum spf_status status, const struct spf_walk *w,
    const char *why)
{
	struct spf_done	d;

	memset(&d, 0, sizeof(d));
	d.id = id;
	d.status = status;
	if (w != NULL) {
		d.ttl = w->ttl != UINT32_MAX ? w->ttl : 0;
		d.nnets = status == SPF_WALK_OK ? w->nfound : 0;
		d.lookups = w->lookups;
		d.voids = w->voids;
	}
	strlcpy(d.why, why, sizeof(d.why));
	child_compose(IMSG_SPF_DONE, &d, sizeof(d));
}

/* The walk ends without networks; what is still out is ignored. */
static void
walk_fail(struct spf_walk *w, enum spf_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
walk_fail(struct spf_walk *w, enum spf_status status, const char *fmt, ...)
{
	char	why[SPF_WHY_MAX];
	va_list	ap;

	if (w->finished)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	w->finished = 1;
	evtimer_del(&w->deadline);
	log_debug("spf %s: %s", w->recs[0].name, why);
	send_done(w->id, status, w, why);
}

static void
send_nets(const struct spf_nets *b)
{
	if (b->n > 0)
		child_compose(IMSG_SPF_NETS, b, sizeof(*b));
}

/* Every network found, in batches each from one record, then the end. */
static void
walk_succeed(struct spf_walk *w)
{
	struct spf_nets	 b;
	size_t		 i;
	int		 r;

	w->finished = 1;
	evtimer_del(&w->deadline);
	for (r = 0; r < w->nrecs; r++) {
		memset(&b, 0, sizeof(b));
		b.id = w->id;
		strlcpy(b.record, w->recs[r].name, sizeof(b.record));
		for (i = 0; i < w->nfound; i++) {
			if (w->found[i].rec != r)
				continue;
			b.nets[b.n++] = w->found[i].net;
			if (b.n == SPF_NETS_BATCH) {
				send_nets(&b);
				b.n = 0;
			}
		}
		send_nets(&b);
	}
	log_debug("spf %s: %zu networks, %u lookups, %u void", w->recs[0].name,
	    w->nfound, w->lookups, w->voids);
	send_done(w->id, SPF_WALK_OK, w, "");
}

static void
walk_hold(struct spf_walk *w)
{
	w->pending++;
}

/* The last hold gone: answer (unless done already) and free. */
static void
walk_release(struct spf_walk *w)
{
	if (--w->pending > 0)
		return;
	if (!w->finished)
		walk_succeed(w);
	TAILQ_REMOVE(&walks, w, entry);
	nwalks--;
	free(w->found);
	free(w);
}

static void
walk_deadline(int fd, short event, void *arg)
{
	struct spf_walk	*w = arg;

	walk_fail(w, SPF_WALK_FAILED, "no result after %d seconds",
	    SPF_DEADLINE);
}

static void
note_ttl(struct spf_walk *w, uint32_t ttl)
{
	if (ttl < w->ttl)
		w->ttl = ttl;
}

/* One more term that causes lookups: -1 (and refused) past the limit. */
static int
count_lookup(struct spf_walk *w)
{
	if (++w->lookups <= SPF_MAX_LOOKUPS)
		return 0;
	walk_fail(w, SPF_WALK_REFUSED, "more than %d DNS lookups",
	    SPF_MAX_LOOKUPS);
	return -1;
}

/* One more lookup that found nothing: -1 (and refused) past the limit. */
static int
count_void(struct spf_walk *w, const char *name)
{
	if (++w->voids <= SPF_MAX_VOIDS)
		return 0;
	walk_fail(w, SPF_WALK_REFUSED, "more than %d void lookups (the "
	    "last: %s)", SPF_MAX_VOIDS, name);
	return -1;
}

/* A network of record rec; -1 (and refused) past a bound. */
static int
add_net(struct spf_walk *w, int rec, int mech, const struct mxaddr *a,
    unsigned int prefixlen)
{
	struct spf_found	*f;
	struct spf_net		 n;
	const char		*why;
	size_t			 i;
	char			 buf[INET6_ADDRSTRLEN];

	memset(&n, 0, sizeof(n));
	n.net = *a;
	spf_mask(&n.net, prefixlen);
	n.prefixlen = prefixlen;
	n.mech = mech;
	for (i = 0; i < w->nfound; i++)
		if (memcmp(&w->found[i].net.net, &n.net, sizeof(n.net)) == 0 &&
		    w->found[i].net.prefixlen == n.prefixlen)
			return 0;
	if (spf_bounds_add(&w->bounds, &n.net, prefixlen, &why) == -1) {
		inet_ntop(a->af, &a->u, buf, sizeof(buf));
		walk_fail(w, SPF_WALK_REFUSED, "%s (%s/%u in %s)", why, buf,
		    prefixlen, w->recs[rec].name);
		return -1;
	}
	if ((f = array_room(w->found, w->nfound, &w->capfound,
	    sizeof(*f), 16)) == NULL)
		fatal("spf networks");
	w->found = f;
	w->found[w->nfound].net = n;
	w->found[w->nfound].rec = rec;
	w->nfound++;
	return 0;
}

/* --- A and AAAA ---------------------------------------------------------- */

static void
addr_answer(struct spf_query *q, enum dns_result r, const unsigned char *abuf,
    int alen, uint32_t ttl)
{
	static struct ares_addrttl	 t4[SPF_MAX_NETWORKS + 1];
	static struct ares_addr6ttl	 t6[SPF_MAX_NETWORKS + 1];
	struct spf_pair			*p = q->pair;
	struct spf_walk			*w = p->walk;
	struct mxaddr			 a;
	int				 n = SPF_MAX_NETWORKS + 1, i, e;

	if (r == DNS_FAILED || r == DNS_CANCELLED) {
		walk_fail(w, SPF_WALK_FAILED, "addresses of a name in %s: %s",
		    w->recs[p->rec].name, dns_result_str(r));
		return;
	}
	if (r != DNS_OK)
		return;
	note_ttl(w, ttl);
	e = q->af == AF_INET ? ares_parse_a_reply(abuf, alen, NULL, t4, &n) :
	    ares_parse_aaaa_reply(abuf, alen, NULL, t6, &n);
	if (e == ARES_ENODATA)
		return;
	if (e != ARES_SUCCESS || n < 0 || n > SPF_MAX_NETWORKS + 1) {
		walk_fail(w, SPF_WALK_FAILED, "a bad address answer for a "
		    "name in %s", w->recs[p->rec].name);
		return;
	}
	for (i = 0; i < n; i++) {
		memset(&a, 0, sizeof(a));
		a.af = q->af;
		if (q->af == AF_INET)
			memcpy(&a.u.ip4, &t4[i].ipaddr, 4);
		else
			memcpy(&a.u.ip6, &t6[i].ip6addr, 16);
		if (add_net(w, p->rec, p->mech, &a, q->af == AF_INET ?
		    p->cidr4 : p->cidr6) == -1)
			return;
		p->answered = 1;
	}
}

static void
addr_done(enum dns_result r, const unsigned char *abuf, int alen,
    uint32_t ttl, void *arg)
{
	struct spf_query	*q = arg;
	struct spf_pair		*p = q->pair;
	struct spf_walk		*w = p->walk;

	if (!w->finished)
		addr_answer(q, r, abuf, alen, ttl);
	free(q);
	/* Both done: a name with no address at all is a void lookup. */
	if (--p->left == 0) {
		if (!w->finished && !p->answered)
			count_void(w, w->recs[p->rec].name);
		free(p);
	}
	walk_release(w);
}

/* Ask for name's A and AAAA records, for a term of record rec. */
static void
fetch_addrs(struct spf_walk *w, int rec, int mech, const char *name,
    unsigned int cidr4, unsigned int cidr6)
{
	struct spf_pair		*p;
	struct spf_query	*q[2];
	int			 i;

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (q[0] = calloc(1, sizeof(*q[0]))) == NULL ||
	    (q[1] = calloc(1, sizeof(*q[1]))) == NULL)
		fatal("spf query");
	p->walk = w;
	p->rec = rec;
	p->mech = mech;
	p->cidr4 = cidr4;
	p->cidr6 = cidr6;
	p->left = 2;
	for (i = 0; i < 2; i++) {
		q[i]->pair = p;
		q[i]->af = i == 0 ? AF_INET : AF_INET6;
		walk_hold(w);
	}
	for (i = 0; i < 2; i++)
		dns_query(name, i == 0 ? DNS_T_A : DNS_T_AAAA, addr_done, q[i]);
}

/* --- MX ------------------------------------------------------------------- */

static void
mx_answer(struct spf_query *q, enum dns_result r, const unsigned char *abuf,
    int alen, uint32_t ttl)
{
	struct spf_walk		*w = q->walk;
	struct ares_mx_reply	*mx = NULL, *m;
	const char		*recname = w->recs[q->rec].name;
	int			 n = 0;

	if (r == DNS_FAILED || r == DNS_CANCELLED) {
		walk_fail(w, SPF_WALK_FAILED, "MX of a name in %s: %s",
		    recname, dns_result_str(r));
		return;
	}
	if (r != DNS_OK) {
		count_void(w, recname);
		return;
	}
	note_ttl(w, ttl);
	if (ares_parse_mx_reply(abuf, alen, &mx) != ARES_SUCCESS) {
		walk_fail(w, SPF_WALK_FAILED, "a bad MX answer for a name in "
		    "%s", recname);
		return;
	}
	for (m = mx; m != NULL; m = m->next)
		n++;
	if (n > SPF_MAX_MX)
		walk_fail(w, SPF_WALK_REFUSED, "more than %d MX hosts for a "
		    "name in %s", SPF_MAX_MX, recname);
	else if (n == 0)
		count_void(w, recname);
	for (m = mx; m != NULL && !w->finished; m = m->next) {
		if (m->host == NULL || !dns_name_valid(m->host)) {
			log_info("spf %s: %s: an MX host that is not a host "
			    "name, skipped", w->recs[0].name, recname);
			continue;
		}
		fetch_addrs(w, q->rec, SPF_MECH_MX, m->host, q->cidr4,
		    q->cidr6);
	}
	ares_free_data(mx);
}

static void
mx_done(enum dns_result r, const unsigned char *abuf, int alen, uint32_t ttl,
    void *arg)
{
	struct spf_query	*q = arg;
	struct spf_walk		*w = q->walk;

	if (!w->finished)
		mx_answer(q, r, abuf, alen, ttl);
	free(q);
	walk_release(w);
}

static void
fetch_mx(struct spf_walk *w, int rec, const char *name, unsigned int cidr4,
    unsigned int cidr6)
{
	struct spf_query	*q;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		fatal("spf query");
	q->walk = w;
	q->rec = rec;
	q->cidr4 = cidr4;
	q->cidr6 = cidr6;
	walk_hold(w);
	dns_query(name, DNS_T_MX, mx_done, q);
}

/* --- terms -------------------------------------------------------------- */

/* For log lines: a term cut short (records are printable already). */
static const char *
term_str(const char *term, char *buf, size_t len)
{
	if (strlcpy(buf, term, len) >= len && len > 4)
		strlcpy(buf + len - 4, "...", 4);
	return buf;
}

static void
skipped(struct spf_walk *w, int rec, const char *term, const char *why)
{
	char	buf[SPF_TERM_LOG];

	log_info("spf %s: %s: \"%s\" skipped: %s", w->recs[0].name,
	    w->recs[rec].name, term_str(term, buf, sizeof(buf)), why);
}

/*
 * A domain-spec into name (lower case, no final dot): 0; 1 when it holds
 * a macro (skipped); -1 when it is not a host name.
 */
static int
domain_spec(const char *spec, size_t len, char *name)
{
	if (memchr(spec, '%', len) != NULL)
		return 1;
	return dns_name_normalize(spec, len, name);
}

/* A decimal number from 0 to max, all of s: 0, or -1. */
static int
cidr_number(const char *s, size_t len, unsigned int max, unsigned int *out)
{
	unsigned int	v = 0;
	size_t		i;

	if (len == 0 || len > 3)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * The "/c4" and "//c6" after a or mx (at s, which is "" or starts with
 * '/'); 0, or -1 on a syntax error.
 */
static int
dual_cidr(const char *s, unsigned int *c4, unsigned int *c6)
{
	const char	*six;

	*c4 = 32;
	*c6 = 128;
	if (*s == '\0')
		return 0;
	if ((six = strstr(s, "//")) != NULL) {
		if (cidr_number(six + 2, strlen(six + 2), 128, c6) == -1)
			return -1;
	} else
		six = s + strlen(s);
	if (six == s)
		return 0;
	return cidr_number(s + 1, six - s - 1, 32, c4);
}

/* ip4:ADDR[/LEN] or ip6:ADDR[/LEN], its argument at arg; -1: refused. */
static int
term_ip(struct spf_walk *w, int rec, int pass, int af, const char *arg,
    const char *term)
{
	char		 addr[INET6_ADDRSTRLEN];
	const char	*slash;
	struct mxaddr	 a;
	unsigned int	 len, max = af == AF_INET ? 32 : 128;
	size_t		 alen;

	slash = strchr(arg, '/');
	alen = slash != NULL ? (size_t)(slash - arg) : strlen(arg);
	memset(&a, 0, sizeof(a));
	a.af = af;
	len = max;
	if (alen == 0 || alen >= sizeof(addr))
		goto bad;
	memcpy(addr, arg, alen);
	addr[alen] = '\0';
	if (inet_pton(af, addr, &a.u) != 1)
		goto bad;
	if (slash != NULL && cidr_number(slash + 1, strlen(slash + 1), max,
	    &len) == -1)
		goto bad;
	if (!pass)
		return 0;
	return add_net(w, rec, af == AF_INET ? SPF_MECH_IP4 : SPF_MECH_IP6,
	    &a, len);
 bad:
	walk_fail(w, SPF_WALK_REFUSED, "%s: a bad address or prefix",
	    w->recs[rec].name);
	return -1;
}

/* A new record, named by include or redirect in record rec; -1: refused. */
static int
new_record(struct spf_walk *w, int rec, const char *name)
{
	int	i;

	for (i = rec; i != -1; i = w->recs[i].parent) {
		if (strcmp(w->recs[i].name, name) == 0) {
			walk_fail(w, SPF_WALK_REFUSED, "a loop: %s leads back "
			    "to %s", w->recs[rec].name, name);
			return -1;
		}
	}
	if (w->nrecs == SPF_MAX_RECORDS) {
		walk_fail(w, SPF_WALK_REFUSED, "more than %d records",
		    SPF_MAX_RECORDS);
		return -1;
	}
	strlcpy(w->recs[w->nrecs].name, name, sizeof(w->recs[0].name));
	w->recs[w->nrecs].parent = rec;
	fetch_txt(w, w->nrecs++);
	return 0;
}

/*
 * A term that names a domain (include, a, mx, exists, ptr, redirect):
 * counted as a lookup; then 0 with the name in name when it is to be
 * followed, 1 when it is skipped, -1 when the walk is refused.
 */
static int
term_domain(struct spf_walk *w, int rec, const char *term, const char *spec,
    size_t len, int pass, char *name)
{
	if (count_lookup(w) == -1)
		return -1;
	switch (domain_spec(spec, len, name)) {
	case -1:
		walk_fail(w, SPF_WALK_REFUSED, "%s: a term with a bad domain",
		    w->recs[rec].name);
		return -1;
	case 1:
		skipped(w, rec, term, "macros are not expanded");
		return 1;
	}
	return pass ? 0 : 1;
}

/* a, mx: [:domain][/c4][//c6]; rest is what follows the name. */
static int
term_host(struct spf_walk *w, int rec, int pass, int mech, const char *rest,
    const char *term)
{
	char		 name[RDNS_NAME_MAX];
	const char	*spec = w->recs[rec].name, *cidr;
	unsigned int	 c4, c6;
	size_t		 len = strlen(spec);
	int		 r;

	cidr = rest;
	if (*rest == ':') {
		spec = rest + 1;
		cidr = strchr(spec, '/');
		if (cidr == NULL)
			cidr = spec + strlen(spec);
		len = cidr - spec;
	} else if (*rest != '\0' && *rest != '/')
		goto bad;
	if (dual_cidr(cidr, &c4, &c6) == -1)
		goto bad;
	if ((r = term_domain(w, rec, term, spec, len, pass, name)) != 0)
		return r == 1 ? 0 : -1;
	if (mech == SPF_MECH_A)
		fetch_addrs(w, rec, SPF_MECH_A, name, c4, c6);
	else
		fetch_mx(w, rec, name, c4, c6);
	return 0;
 bad:
	walk_fail(w, SPF_WALK_REFUSED, "%s: a bad a or mx term",
	    w->recs[rec].name);
	return -1;
}

/* name=value: redirect noted, exp and others ignored. */
static int
term_modifier(struct spf_walk *w, int rec, const char *term, size_t namelen,
    char *redirect)
{
	const char	*value = term + namelen + 1;
	int		 r;

	if (namelen != 8 || strncasecmp(term, "redirect", 8) != 0)
		return 0;
	if (redirect[0] != '\0') {
		walk_fail(w, SPF_WALK_REFUSED, "%s: two redirects",
		    w->recs[rec].name);
		return -1;
	}
	r = term_domain(w, rec, term, value, strlen(value), 1, redirect);
	if (r == 1)
		redirect[0] = '\0';
	return r == -1 ? -1 : 0;
}

/* One term of record rec; -1 when the walk is refused. */
static int
term_eval(struct spf_walk *w, int rec, char *term, int *has_all,
    char *redirect)
{
	char		 name[RDNS_NAME_MAX];
	const char	*rest;
	size_t		 n;
	int		 pass = 1, r;

	/* A modifier: name "=" ..., name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ) */
	n = strspn(term, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789-_.");
	if (n > 0 && isalpha((unsigned char)term[0]) && term[n] == '=')
		return term_modifier(w, rec, term, n, redirect);

	if (strchr("+-~?", term[0]) != NULL) {
		pass = term[0] == '+';
		term++;
	}
	n = strcspn(term, ":/");
	rest = term + n;
	if (n == 3 && strncasecmp(term, "all", 3) == 0 && *rest == '\0') {
		*has_all = 1;
		if (pass) {
			walk_fail(w, SPF_WALK_REFUSED, "%s: +all lets every "
			    "address send", w->recs[rec].name);
			return -1;
		}
		return 0;
	}
	if (n == 3 && strncasecmp(term, "ip4", 3) == 0 && *rest == ':')
		return term_ip(w, rec, pass, AF_INET, rest + 1, term);
	if (n == 3 && strncasecmp(term, "ip6", 3) == 0 && *rest == ':')
		return term_ip(w, rec, pass, AF_INET6, rest + 1, term);
	if (n == 1 && strncasecmp(term, "a", 1) == 0)
		return term_host(w, rec, pass, SPF_MECH_A, rest, term);
	if (n == 2 && strncasecmp(term, "mx", 2) == 0)
		return term_host(w, rec, pass, SPF_MECH_MX, rest, term);
	if (n == 7 && strncasecmp(term, "include", 7) == 0 && *rest == ':') {
		r = term_domain(w, rec, term, rest + 1, strlen(rest + 1), pass,
		    name);
		if (r != 0)
			return r == 1 ? 0 : -1;
		return new_record(w, rec, name);
	}
	if ((n == 6 && strncasecmp(term, "exists", 6) == 0 && *rest == ':') ||
	    (n == 3 && strncasecmp(term, "ptr", 3) == 0 &&
	    (*rest == '\0' || *rest == ':'))) {
		if (count_lookup(w) == -1)
			return -1;
		skipped(w, rec, term, "it names no network");
		return 0;
	}
	walk_fail(w, SPF_WALK_REFUSED, "%s: unknown or malformed term \"%.40s\"",
	    w->recs[rec].name, term);
	return -1;
}

/* Every term of record rec's text (after "v=spf1"), then its redirect. */
static void
record_eval(struct spf_walk *w, int rec, char *text)
{
	char	 redirect[RDNS_NAME_MAX] = "", *p = text, *term;
	int	 has_all = 0;

	while ((term = strsep(&p, " ")) != NULL) {
		if (*term == '\0')
			continue;
		if (term_eval(w, rec, term, &has_all, redirect) == -1)
			return;
	}
	/* RFC 7208 6.1: redirect only applies to a record without all. */
	if (redirect[0] != '\0' && !has_all)
		new_record(w, rec, redirect);
}

/*
 * The v=spf1 record among the TXT records of an answer, its strings
 * joined, into text (after "v=spf1"): 1 found, 0 none, -1 refused (the
 * walk failed).  Records that are not SPF may be anything; the SPF one
 * must be printable ASCII of at most SPF_TEXT_MAX bytes, and alone.
 */
static int
spf_text(struct spf_walk *w, int rec, const unsigned char *abuf, int alen,
    char *text)
{
	struct ares_txt_ext	*txt = NULL, *t;
	const char		*why = NULL;
	char			 cur[SPF_TEXT_MAX + 1];
	size_t			 len = 0, i;
	int			 found = 0, too_long = 0, e;

	if ((e = ares_parse_txt_reply_ext(abuf, alen, &txt)) != ARES_SUCCESS) {
		if (e == ARES_ENODATA)
			return 0;
		walk_fail(w, SPF_WALK_FAILED, "%s: a bad TXT answer",
		    w->recs[rec].name);
		return -1;
	}
	for (t = txt; t != NULL && why == NULL; t = t->next) {
		if (t->record_start)
			len = too_long = 0;
		if (len + t->length <= SPF_TEXT_MAX) {
			memcpy(cur + len, t->txt, t->length);
			len += t->length;
		} else
			too_long = 1;
		/* Whole when the next record starts, or at the end. */
		if (t->next != NULL && !t->next->record_start)
			continue;
		cur[len] = '\0';
		if (len < 6 || strncasecmp(cur, "v=spf1", 6) != 0 ||
		    (len > 6 && cur[6] != ' '))
			continue;
		for (i = 0; i < len; i++)
			if (cur[i] < 0x20 || cur[i] > 0x7e)
				break;
		if (found++ > 0)
			why = "more than one SPF record";
		else if (too_long)
			why = "an SPF record over 8192 bytes";
		else if (i < len)
			why = "an SPF record that is not printable text";
		else
			memcpy(text, cur + 6, len - 6 + 1);
	}
	ares_free_data(txt);
	if (why == NULL)
		return found;
	walk_fail(w, SPF_WALK_REFUSED, "%s: %s", w->recs[rec].name, why);
	return -1;
}

static void
txt_answer(struct spf_walk *w, int rec, enum dns_result r,
    const unsigned char *abuf, int alen, uint32_t ttl)
{
	static char	 text[SPF_TEXT_MAX + 1];
	int		 found = 0;

	if (r == DNS_FAILED || r == DNS_CANCELLED) {
		walk_fail(w, SPF_WALK_FAILED, "TXT of %s: %s",
		    w->recs[rec].name, dns_result_str(r));
		return;
	}
	text[0] = '\0';
	if (r == DNS_OK) {
		note_ttl(w, ttl);
		if ((found = spf_text(w, rec, abuf, alen, text)) == -1)
			return;
	}
	if (found)
		record_eval(w, rec, text);
	else if (rec == 0)
		walk_fail(w, SPF_WALK_NONE, "%s publishes no SPF record",
		    w->recs[0].name);
	else
		/* RFC 7208 5.2 and 6.1: a permanent error. */
		walk_fail(w, SPF_WALK_REFUSED, "%s, named in %s, publishes no "
		    "SPF record", w->recs[rec].name,
		    w->recs[w->recs[rec].parent].name);
}

static void
txt_done(enum dns_result r, const unsigned char *abuf, int alen, uint32_t ttl,
    void *arg)
{
	struct spf_query	*q = arg;
	struct spf_walk		*w = q->walk;

	if (!w->finished)
		txt_answer(w, q->rec, r, abuf, alen, ttl);
	free(q);
	walk_release(w);
}

static void
fetch_txt(struct spf_walk *w, int rec)
{
	struct spf_query	*q;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		fatal("spf query");
	q->walk = w;
	q->rec = rec;
	walk_hold(w);
	dns_query(w->recs[rec].name, DNS_T_TXT, txt_done, q);
}

/* IMSG_SPF_WALK: walk a domain, or say at once why not. */
void
spf_walk_request(struct imsg *imsg)
{
	struct spf_walk_request	 req;
	struct spf_walk		*w;
	struct timeval		 tv = { SPF_DEADLINE, 0 };

	payload_get(imsg, &req, sizeof(req));
	if (memchr(req.domain, '\0', sizeof(req.domain)) == NULL ||
	    !dns_name_valid(req.domain))
		fatalx("spf walk: bad domain");
	if (nwalks >= SPF_MAX_WALKS) {
		send_done(req.id, SPF_WALK_FAILED, NULL, "too many walks at "
		    "once");
		return;
	}
	if (dns_nservers() == 0) {
		send_done(req.id, SPF_WALK_FAILED, NULL, "no nameserver");
		return;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL)
		fatal("spf walk");
	w->id = req.id;
	w->ttl = UINT32_MAX;
	strlcpy(w->recs[0].name, req.domain, sizeof(w->recs[0].name));
	w->recs[0].parent = -1;
	w->nrecs = 1;
	TAILQ_INSERT_TAIL(&walks, w, entry);
	nwalks++;
	evtimer_set(&w->deadline, walk_deadline, w);
	if (evtimer_add(&w->deadline, &tv) == -1)
		fatal("evtimer_add");
	walk_hold(w);		/* until the first record is asked for */
	fetch_txt(w, 0);
	walk_release(w);
}
