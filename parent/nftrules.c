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
 * The nftables ruleset, from the configuration.  In table inet mxallowd
 * (nft-table), one chain on the input hook sends new connections to port
 * 25 on by destination:
 *
 *	fake address	the source goes into pending4/6 (the kernel adds it
 *			itself, bounded by the set's size, for pending-time),
 *			the SYN is counted, logged to NFLOG (at most
 *			nflog-rate records a second) and answered with a
 *			reset or dropped (fake-action);
 *	real address	a source in white4/6 (the daemon's whitelist) is
 *			refreshed to whitelist-time and admitted; one in
 *			allow4/6 (the allowlist) admitted; one in pending4/6
 *			(whitelisted by the kernel, not yet by the daemon)
 *			refreshed there to whitelist-time and admitted;
 *			anyone else dropped.  Admitted and dropped SYNs are
 *			counted and logged, within nflog-rate.
 *
 * Sources are masked to whitelist-prefix4/6 before every lookup and
 * update, so that plain timeout sets group a prefix without interval
 * sets with timeouts.  Admitted SYNs go on to the rest of the ruleset:
 * other tables still judge them.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/netfilter/nf_tables.h>

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "nftrules.h"

#define COUNTER_FAKE		"fake"
#define COUNTER_RESETS		"resets"
#define COUNTER_ADMITTED	"admitted"
#define COUNTER_ALLOWLISTED	"allowlisted"
#define COUNTER_BLOCKED		"blocked"
#define COUNTER_LOGGED		"logged"

static struct nftr_chain *
add_chain(struct nftr_ruleset *rs, const char *name, int base)
{
	struct nftr_chain	*c = &rs->chain[rs->nchain++];

	c->name = name;
	c->base = base;
	return c;
}

static struct nftr_rule *
add_rule(struct nftr_chain *c)
{
	return &c->rule[c->nrule++];
}

static struct nftr_stmt *
add_stmt(struct nftr_rule *r, enum nftr_stmt_kind kind, const char *name)
{
	struct nftr_stmt	*s = &r->stmt[r->nstmt++];

	s->kind = kind;
	s->name = name;
	return s;
}

static void
add_set(struct nftr_ruleset *rs, const char *name, enum nftr_set_kind kind,
    int af, uint32_t flags, uint32_t size)
{
	struct nftr_set	*s = &rs->set[rs->nset++];

	s->name = name;
	s->kind = kind;
	s->af = af;
	s->flags = flags;
	s->size = size;
}

/* The fake or real addresses of one family into an address set. */
static void
add_addr_set(struct nftr_ruleset *rs, const char *name, int af,
    const struct mxaddr *list, unsigned int n)
{
	struct nftr_set	*s;
	unsigned int	 i;

	add_set(rs, name, SET_ADDRS, af, 0, 0);
	s = &rs->set[rs->nset - 1];
	for (i = 0; i < n; i++)
		if (list[i].af == af)
			s->addr[s->naddr++] = list[i];
}

/* A source statement of one family, masked to that family's prefix. */
static void
add_source(struct nftr_rule *r, enum nftr_stmt_kind kind, const char *set,
    int af, unsigned int prefix, uint64_t timeout)
{
	struct nftr_stmt	*s = add_stmt(r, kind, set);

	s->af = af;
	s->prefix = prefix;
	s->timeout = timeout;
}

/* Count, log within the rate, and then the verdict: three rules. */
static void
add_outcome(const struct mxallowd_conf *conf, struct nftr_chain *c,
    const char *counter, const char *prefix)
{
	struct nftr_rule	*r;

	add_stmt(add_rule(c), NS_COUNTER, counter);
	/*
	 * A rule whose limit is spent stops there, so the log has a rule
	 * of its own: the verdict after it is taken whatever the rate.
	 */
	r = add_rule(c);
	add_stmt(r, NS_LIMIT, NULL)->num = conf->nflog_rate;
	add_stmt(r, NS_COUNTER, COUNTER_LOGGED);
	add_stmt(r, NS_LOG, prefix)->num = conf->nflog_group;
}

/* smtp: the destination picks the chain. */
static void
add_dispatch(struct nftr_chain *c, const char *set, int af,
    const char *target)
{
	struct nftr_rule	*r = add_rule(c);

	add_stmt(r, NS_DADDR_IN, set)->af = af;
	add_stmt(r, NS_GOTO, target);
}

/* fake4, fake6: the kernel whitelists the source itself, then fake. */
static void
add_fake_family(const struct mxallowd_conf *conf, struct nftr_ruleset *rs,
    const char *name, const char *pending, int af, unsigned int prefix)
{
	struct nftr_chain	*c = add_chain(rs, name, 0);

	/*
	 * Alone in its rule: an update into a full set ends its rule, and
	 * the SYN must still be counted, logged and answered.
	 */
	add_source(add_rule(c), NS_UPDATE, pending, af, prefix,
	    nftrules_pending_time(conf));
	add_stmt(add_rule(c), NS_GOTO, "fake");
}

/* real4, real6: whitelisted, allowlisted, pending, or blocked. */
static void
add_real_family(const struct mxallowd_conf *conf, struct nftr_ruleset *rs,
    const char *name, const char *white, const char *allow,
    const char *pending, int af, unsigned int prefix)
{
	struct nftr_chain	*c = add_chain(rs, name, 0);
	struct nftr_rule	*r;

	r = add_rule(c);
	add_source(r, NS_SADDR_IN, white, af, prefix, 0);
	add_source(r, NS_UPDATE, white, af, prefix, conf->whitelist_time);
	add_stmt(r, NS_GOTO, "admit");

	r = add_rule(c);
	add_source(r, NS_SADDR_IN, allow, af, af == AF_INET ? 32 : 128, 0);
	add_stmt(r, NS_GOTO, "allowed");

	/* Admitted: kept for whitelist-time, as the daemon would. */
	r = add_rule(c);
	add_source(r, NS_SADDR_IN, pending, af, prefix, 0);
	add_source(r, NS_UPDATE, pending, af, prefix, conf->whitelist_time);
	add_stmt(r, NS_GOTO, "admit");

	add_stmt(add_rule(c), NS_GOTO, "block");
}

/*
 * white4/6 hold what the daemon's whitelist holds, at most max-entries;
 * an eighth more lets a new entry in while the kernel has yet to collect
 * entries that expired (it does so about once a second).
 */
uint32_t
nftrules_white_size(const struct mxallowd_conf *conf)
{
	return conf->max_entries + conf->max_entries / 8 + 64;
}

/*
 * What the kernel whitelists by itself: max-entries, at most
 * NFTR_PENDING_MAX, so that reading the set back (a dump, whose every
 * part walks the set from the start) stays short.
 */
uint32_t
nftrules_pending_size(const struct mxallowd_conf *conf)
{
	return conf->max_entries < NFTR_PENDING_MAX ? conf->max_entries :
	    NFTR_PENDING_MAX;
}

/* A kernel-added entry lasts pending-time, never past whitelist-time. */
time_t
nftrules_pending_time(const struct mxallowd_conf *conf)
{
	return conf->pending_time < conf->whitelist_time ?
	    conf->pending_time : conf->whitelist_time;
}

void
nftrules_build(const struct mxallowd_conf *conf, struct nftr_ruleset *rs)
{
	struct nftr_chain	*c;
	struct nftr_rule	*r;
	uint32_t		 dyn = NFT_SET_TIMEOUT | NFT_SET_EVAL;

	memset(rs, 0, sizeof(*rs));
	strlcpy(rs->table, conf->nft_table, sizeof(rs->table));
	rs->counter[rs->ncounter++] = COUNTER_FAKE;
	rs->counter[rs->ncounter++] = COUNTER_RESETS;
	rs->counter[rs->ncounter++] = COUNTER_ADMITTED;
	rs->counter[rs->ncounter++] = COUNTER_ALLOWLISTED;
	rs->counter[rs->ncounter++] = COUNTER_BLOCKED;
	rs->counter[rs->ncounter++] = COUNTER_LOGGED;

	add_addr_set(rs, "fake4", AF_INET, conf->fake, conf->nfake);
	add_addr_set(rs, "fake6", AF_INET6, conf->fake, conf->nfake);
	add_addr_set(rs, "real4", AF_INET, conf->real, conf->nreal);
	add_addr_set(rs, "real6", AF_INET6, conf->real, conf->nreal);
	add_set(rs, NFTR_WHITE4, SET_WHITE, AF_INET, dyn,
	    nftrules_white_size(conf));
	add_set(rs, NFTR_WHITE6, SET_WHITE, AF_INET6, dyn,
	    nftrules_white_size(conf));
	add_set(rs, NFTR_PENDING4, SET_PENDING, AF_INET, dyn,
	    nftrules_pending_size(conf));
	add_set(rs, NFTR_PENDING6, SET_PENDING, AF_INET6, dyn,
	    nftrules_pending_size(conf));
	add_set(rs, NFTR_ALLOW4, SET_ALLOW, AF_INET, NFT_SET_INTERVAL, 0);
	add_set(rs, NFTR_ALLOW6, SET_ALLOW, AF_INET6, NFT_SET_INTERVAL, 0);

	c = add_chain(rs, "input", 1);
	r = add_rule(c);
	add_stmt(r, NS_SYN25, NULL);
	add_stmt(r, NS_JUMP, "smtp");

	c = add_chain(rs, "smtp", 0);
	add_dispatch(c, "fake4", AF_INET, "fake4");
	add_dispatch(c, "fake6", AF_INET6, "fake6");
	add_dispatch(c, "real4", AF_INET, "real4");
	add_dispatch(c, "real6", AF_INET6, "real6");

	add_fake_family(conf, rs, "fake4", NFTR_PENDING4, AF_INET,
	    conf->whitelist_prefix4);
	add_fake_family(conf, rs, "fake6", NFTR_PENDING6, AF_INET6,
	    conf->whitelist_prefix6);
	c = add_chain(rs, "fake", 0);
	add_outcome(conf, c, COUNTER_FAKE, NFLOG_PREFIX_FAKE);
	r = add_rule(c);
	if (conf->fake_action == FAKE_RESET) {
		add_stmt(r, NS_COUNTER, COUNTER_RESETS);
		add_stmt(r, NS_RESET, NULL);
	} else
		add_stmt(r, NS_DROP, NULL);

	add_real_family(conf, rs, "real4", NFTR_WHITE4, NFTR_ALLOW4,
	    NFTR_PENDING4, AF_INET, conf->whitelist_prefix4);
	add_real_family(conf, rs, "real6", NFTR_WHITE6, NFTR_ALLOW6,
	    NFTR_PENDING6, AF_INET6, conf->whitelist_prefix6);

	c = add_chain(rs, "admit", 0);
	add_outcome(conf, c, COUNTER_ADMITTED, NFLOG_PREFIX_ADMIT);
	add_stmt(add_rule(c), NS_ACCEPT, NULL);

	/* The allowlist needs nothing from the daemon: counted, not logged. */
	c = add_chain(rs, "allowed", 0);
	r = add_rule(c);
	add_stmt(r, NS_COUNTER, COUNTER_ADMITTED);
	add_stmt(r, NS_COUNTER, COUNTER_ALLOWLISTED);
	add_stmt(r, NS_ACCEPT, NULL);

	c = add_chain(rs, "block", 0);
	add_outcome(conf, c, COUNTER_BLOCKED, NFLOG_PREFIX_BLOCK);
	add_stmt(add_rule(c), NS_DROP, NULL);
}

const struct nftr_set *
nftrules_set(const struct nftr_ruleset *rs, const char *name)
{
	size_t	i;

	for (i = 0; i < rs->nset; i++)
		if (strcmp(rs->set[i].name, name) == 0)
			return &rs->set[i];
	return NULL;
}

/* Keep the first bits of a, zero the rest. */
void
nftrules_mask(struct mxaddr *a, unsigned int bits)
{
	size_t	i, len = a->af == AF_INET ? 4 : 16;

	for (i = 0; i < len; i++) {
		if (bits >= 8)
			bits -= 8;
		else {
			a->u.bytes[i] &= (uint8_t)(0xff00 >> bits);
			bits = 0;
		}
	}
}

/* The last address of a's network of that many bits. */
static void
net_last(struct mxaddr *a, unsigned int bits)
{
	size_t	i, len = a->af == AF_INET ? 4 : 16;

	for (i = 0; i < len; i++) {
		if (bits >= 8)
			bits -= 8;
		else {
			a->u.bytes[i] |= (uint8_t)(0xff >> bits);
			bits = 0;
		}
	}
}

/* Family first, then the bytes: the order of sorted keys and intervals. */
int
nftrules_addr_cmp(const struct mxaddr *a, const struct mxaddr *b)
{
	if (a->af != b->af)
		return a->af < b->af ? -1 : 1;
	return memcmp(a->u.bytes, b->u.bytes, sizeof(a->u.bytes));
}

static int
range_cmp(const void *a, const void *b)
{
	return nftrules_addr_cmp(&((const struct nftr_range *)a)->first,
	    &((const struct nftr_range *)b)->first);
}

/* a + 1 == b, within one family. */
static int
addr_next(const struct mxaddr *a, const struct mxaddr *b)
{
	struct mxaddr	n = *a;
	int		i, len = a->af == AF_INET ? 4 : 16;

	if (a->af != b->af)
		return 0;
	for (i = len - 1; i >= 0; i--)
		if (++n.u.bytes[i] != 0)
			break;
	return i >= 0 && nftrules_addr_cmp(&n, b) == 0;
}

/*
 * Networks to the sorted, disjoint intervals an interval set takes (the
 * kernel refuses overlaps): overlapping and adjacent networks merged.
 * out has room for n; returns how many intervals.
 */
size_t
nftrules_ranges(const struct mxaddr *net, const unsigned int *bits,
    size_t n, struct nftr_range *out)
{
	size_t	i, m = 0;

	for (i = 0; i < n; i++) {
		out[i].first = net[i];
		nftrules_mask(&out[i].first, bits[i]);
		out[i].last = out[i].first;
		net_last(&out[i].last, bits[i]);
	}
	qsort(out, n, sizeof(out[0]), range_cmp);
	for (i = 0; i < n; i++) {
		if (m > 0 && out[m - 1].last.af == out[i].first.af &&
		    (nftrules_addr_cmp(&out[i].first, &out[m - 1].last) <= 0 ||
		    addr_next(&out[m - 1].last, &out[i].first))) {
			if (nftrules_addr_cmp(&out[i].last,
			    &out[m - 1].last) > 0)
				out[m - 1].last = out[i].last;
			continue;
		}
		out[m++] = out[i];
	}
	return m;
}

/* --- nft(8) syntax ----------------------------------------------------- */

static const char *
family_word(int af)
{
	return af == AF_INET ? "ip" : "ip6";
}

/* "ip saddr & 255.255.255.0" or "ip6 saddr & ffff:ffff:ffff:ffff::". */
static void
format_source(char *buf, size_t len, const struct nftr_stmt *s)
{
	struct mxaddr	mask;
	char		m[INET6_ADDRSTRLEN];
	unsigned int	full = s->af == AF_INET ? 32 : 128;

	if (s->prefix >= full) {
		snprintf(buf, len, "%s saddr", family_word(s->af));
		return;
	}
	memset(&mask, 0, sizeof(mask));
	mask.af = s->af;
	memset(mask.u.bytes, 0xff, sizeof(mask.u.bytes));
	nftrules_mask(&mask, s->prefix);
	if (s->af == AF_INET)
		memset(mask.u.bytes + 4, 0, 12);
	snprintf(buf, len, "%s saddr & %s", family_word(s->af),
	    mxaddr_ntop(&mask, m, sizeof(m)));
}

void
nftrules_format_stmt(char *buf, size_t len, const struct nftr_stmt *s)
{
	char	src[80];

	switch (s->kind) {
	case NS_SYN25:
		snprintf(buf, len, "tcp dport 25 "
		    "tcp flags & (fin | syn | rst | ack) == syn");
		break;
	case NS_DADDR_IN:
		snprintf(buf, len, "%s daddr @%s", family_word(s->af),
		    s->name);
		break;
	case NS_SADDR_IN:
		format_source(src, sizeof(src), s);
		snprintf(buf, len, "%s @%s", src, s->name);
		break;
	case NS_UPDATE:
		format_source(src, sizeof(src), s);
		snprintf(buf, len, "update @%s { %s timeout %llus }", s->name,
		    src, (unsigned long long)s->timeout);
		break;
	case NS_COUNTER:
		snprintf(buf, len, "counter name \"%s\"", s->name);
		break;
	case NS_LIMIT:
		snprintf(buf, len, "limit rate %u/second burst %u packets",
		    s->num, s->num);
		break;
	case NS_LOG:
		snprintf(buf, len, "log prefix \"%s\" group %u snaplen %u",
		    s->name, s->num, NFTR_SNAPLEN);
		break;
	case NS_ACCEPT:
		snprintf(buf, len, "accept");
		break;
	case NS_DROP:
		snprintf(buf, len, "drop");
		break;
	case NS_RESET:
		snprintf(buf, len, "reject with tcp reset");
		break;
	case NS_JUMP:
		snprintf(buf, len, "jump %s", s->name);
		break;
	case NS_GOTO:
		snprintf(buf, len, "goto %s", s->name);
		break;
	}
}

void
nftrules_format_rule(char *buf, size_t len, const struct nftr_rule *r)
{
	char	stmt[256];
	size_t	i;

	buf[0] = '\0';
	for (i = 0; i < r->nstmt; i++) {
		nftrules_format_stmt(stmt, sizeof(stmt), &r->stmt[i]);
		if (i > 0)
			strlcat(buf, " ", len);
		strlcat(buf, stmt, len);
	}
}

static void
print_flags(FILE *fp, const char *lp, uint32_t flags)
{
	const char	*sep = "";

	if (flags == 0)
		return;
	fprintf(fp, "%s\t\tflags ", lp);
	if (flags & NFT_SET_INTERVAL) {
		fprintf(fp, "%sinterval", sep);
		sep = ",";
	}
	if (flags & NFT_SET_EVAL) {
		fprintf(fp, "%sdynamic", sep);
		sep = ",";
	}
	if (flags & NFT_SET_TIMEOUT)
		fprintf(fp, "%stimeout", sep);
	fprintf(fp, "\n");
}

static void
print_range(FILE *fp, const struct nftr_range *r)
{
	char		a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	unsigned int	bits, full = r->first.af == AF_INET ? 32 : 128;
	struct mxaddr	f, l;

	/* The shortest prefix that the interval is, if it is one. */
	for (bits = 0; bits <= full; bits++) {
		f = r->first;
		nftrules_mask(&f, bits);
		l = f;
		net_last(&l, bits);
		if (nftrules_addr_cmp(&f, &r->first) == 0 &&
		    nftrules_addr_cmp(&l, &r->last) == 0)
			break;
	}
	mxaddr_ntop(&r->first, a, sizeof(a));
	if (bits == full)
		fprintf(fp, "%s", a);
	else if (bits < full)
		fprintf(fp, "%s/%u", a, bits);
	else
		fprintf(fp, "%s-%s", a, mxaddr_ntop(&r->last, b, sizeof(b)));
}

static void
print_set(FILE *fp, const char *lp, const struct nftr_set *s,
    const struct nftr_range *ranges, size_t nranges)
{
	char	a[INET6_ADDRSTRLEN];
	size_t	i, n = 0;

	fprintf(fp, "%s\tset %s {\n", lp, s->name);
	fprintf(fp, "%s\t\ttype %s\n", lp, s->af == AF_INET ? "ipv4_addr" :
	    "ipv6_addr");
	if (s->size != 0)
		fprintf(fp, "%s\t\tsize %u\n", lp, s->size);
	print_flags(fp, lp, s->flags);
	for (i = 0; i < s->naddr; i++) {
		if (n++ == 0)
			fprintf(fp, "%s\t\telements = { ", lp);
		else
			fprintf(fp, ", ");
		fprintf(fp, "%s", mxaddr_ntop(&s->addr[i], a, sizeof(a)));
	}
	for (i = 0; s->kind == SET_ALLOW && i < nranges; i++) {
		if (ranges[i].first.af != s->af)
			continue;
		if (n++ == 0)
			fprintf(fp, "%s\t\telements = { ", lp);
		else
			fprintf(fp, ", ");
		print_range(fp, &ranges[i]);
	}
	if (n > 0)
		fprintf(fp, " }\n");
	fprintf(fp, "%s\t}\n", lp);
}

/*
 * The ruleset in nft(8) syntax, every line started with lp ("# " for
 * mxallowd -nv, whose output must read back as a configuration).  The
 * allowlist's intervals go into allow4/6; the whitelist's sets are
 * filled at run time and shown empty.
 */
void
nftrules_print(FILE *fp, const struct nftr_ruleset *rs,
    const struct nftr_range *ranges, size_t nranges, const char *lp)
{
	const struct nftr_chain	*c;
	char			 rule[1024];
	size_t			 i, j;

	fprintf(fp, "%stable inet %s {\n", lp, rs->table);
	fprintf(fp, "%s\tcomment \"%s\"\n", lp, NFTR_OWNER_MARK);
	for (i = 0; i < rs->ncounter; i++)
		fprintf(fp, "%s\tcounter %s {\n%s\t}\n", lp, rs->counter[i],
		    lp);
	for (i = 0; i < rs->nset; i++)
		print_set(fp, lp, &rs->set[i], ranges, nranges);
	for (i = 0; i < rs->nchain; i++) {
		c = &rs->chain[i];
		fprintf(fp, "%s\tchain %s {\n", lp, c->name);
		if (c->base)
			fprintf(fp, "%s\t\ttype filter hook input priority "
			    "filter - %d; policy accept;\n", lp,
			    -NFTR_PRIORITY);
		for (j = 0; j < c->nrule; j++) {
			nftrules_format_rule(rule, sizeof(rule), &c->rule[j]);
			fprintf(fp, "%s\t\t%s\n", lp, rule);
		}
		fprintf(fp, "%s\t}\n", lp);
	}
	fprintf(fp, "%s}\n", lp);
}
