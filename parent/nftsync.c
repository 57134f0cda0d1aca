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
 * The nftables backend.  The kernel decides every SYN from the sets of
 * our table (parent/nftrules.c); capture reads what the rules log and
 * reports it here, where it becomes whitelist changes; and every change
 * of the whitelist goes back into the kernel:
 *
 *	white4/6	equal to the whitelist.  A change is queued as the
 *			whitelist reports it (whitelist_observe) and the
 *			queue becomes one transaction at the end of the turn
 *			of the event loop: an entry added or refreshed is
 *			written with its remaining lifetime as the element's
 *			timeout (destroy + add, so that the timeout is new
 *			before Linux 6.12 too), a removed one destroyed.
 *			Expiry needs nothing: the element's timeout ends it.
 *			The kernel refreshes an entry itself when it admits
 *			the source; the admission's log record refreshes it
 *			here.
 *	pending4/6	added by the kernel on a fake hit, for pending-time,
 *			so that whitelisting works while no daemon runs.  A
 *			removal by the daemon (delete, flush, eviction)
 *			removes the source there too.
 *
 * NFLOG loses records under load, so nothing here trusts that it sees
 * all: an admitted source the whitelist lacks is taken in; at start, and
 * every NFT_CHECK_EVERY seconds and on reload, the sets are read back and
 * compared: what the kernel holds longer (or holds alone) is taken in,
 * what it lacks is written again and counted as a repair.  A table gone
 * is installed again.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "allowlist.h"
#include "array.h"
#include "config.h"
#include "imsgev.h"
#include "log.h"
#include "nftables.h"
#include "nftrules.h"
#include "parent.h"
#include "state.h"

#define NFT_CHECK_EVERY		60	/* seconds between comparisons */
#define NFT_RETRY_AFTER		1	/* seconds after a refused batch */
#define NFT_SLACK_MS		5000	/* expiries this close are equal */
#define CONFIRMED_WORD		" confirmed"
#define NFT_CHECK_MAX		16384	/* entries asked about per family */

/* A change of an entry since the last transaction. */
struct change {
	struct mxaddr	key;
	uint8_t		was_present;	/* not new: the kernel may hold it */
	uint8_t		removed;	/* removed by the daemon */
};

static const struct mxallowd_conf	*conf;
static struct nftr_ruleset		 rs;
static struct event			 flush_ev, check_ev;
static int				 flush_scheduled, flush_all;
static int				 allow_dirty;
static struct change			*changes;
static size_t				 nchanges, changes_cap;
static time_t				 last_warning;

/* Keys of one family, to ask the kernel about. */
struct keyset {
	int		 af;
	struct mxaddr	*key;
	size_t		 n, cap;
	size_t		 skip, seen;
	size_t		 max;		/* 0: all */
};

static void	sync_flush(int, short, void *);
static void	batch_allowlist(struct nft_batch *);
static void	sync_check(int, short, void *);
static void	install(int);
static void	keyset_add(struct keyset *, const struct mxaddr *);
static void	recheck_expired(void);
static struct keyset	expired[2] = { { .af = AF_INET }, { .af = AF_INET6 } };

/* A refused transaction: logged at most once a minute, then repaired. */
static void
sync_failed(const char *what, const char *err)
{
	struct timeval	retry = { NFT_RETRY_AFTER, 0 };
	time_t		now = policy_now();

	stats.nft_errors++;
	if (last_warning == 0 || now - last_warning >= 60) {
		log_warnx("nftables: %s refused: %s; comparing the sets with "
		    "the whitelist in %d s", what, err, NFT_RETRY_AFTER);
		last_warning = now;
	}
	evtimer_add(&check_ev, &retry);
}

static int
commit(struct nft_batch *b, const char *what)
{
	char	err[256];
	int	rc;

	stats.nft_commits++;
	if ((rc = nft_batch_commit(b, 0, err, sizeof(err))) == -1)
		sync_failed(what, err);
	nft_batch_free(b);
	return rc;
}

static void
schedule_flush(void)
{
	struct timeval	now = { 0, 0 };

	if (flush_scheduled)
		return;
	flush_scheduled = 1;
	evtimer_add(&flush_ev, &now);
}

/* The whitelist's observer: queue the change for the next transaction. */
static void
sync_observe(const struct mxaddr *key, enum wl_change change, void *arg)
{
	struct change	*c;

	if (key == NULL) {		/* flushed: everything goes */
		flush_all = 1;
		nchanges = 0;
		schedule_flush();
		return;
	}
	if (change == WL_CH_EXPIRE) {
		/* Its timeout ends it, unless the kernel refreshed it. */
		keyset_add(&expired[key->af == AF_INET ? 0 : 1], key);
		schedule_flush();
		return;
	}
	if ((c = array_room(changes, nchanges, &changes_cap,
	    sizeof(*c), 256)) == NULL)
		fatal(NULL);
	changes = c;
	c = &changes[nchanges++];
	c->key = *key;
	c->was_present = change != WL_CH_ADD;
	c->removed = change == WL_CH_REMOVE;
	schedule_flush();
}

static int
change_cmp(const void *a, const void *b)
{
	return nftrules_addr_cmp(&((const struct change *)a)->key,
	    &((const struct change *)b)->key);
}

static const char *
white_set(int af)
{
	return af == AF_INET ? NFTR_WHITE4 : NFTR_WHITE6;
}

static const char *
pending_set(int af)
{
	return af == AF_INET ? NFTR_PENDING4 : NFTR_PENDING6;
}

/* An entry as an element: its remaining lifetime, why, confirmed or not. */
static int
elem_of(const struct wl_view *v, time_t now, struct nft_elem *e)
{
	if (v->expires <= now)
		return 0;
	memset(e, 0, sizeof(*e));
	e->key = v->net;
	e->timeout = (uint64_t)(v->expires - now) * 1000;
	snprintf(e->comment, sizeof(e->comment), "%s%s",
	    state_reason_name(v->reason), v->confirmed ? CONFIRMED_WORD : "");
	return 1;
}

static void
add_entry(const struct wl_view *v, void *arg)
{
	struct nft_batch	*b = arg;
	struct nft_elem		 e;

	if (elem_of(v, policy_now(), &e))
		nft_batch_elem(b, rs.table, white_set(v->net.af),
		    NFT_ELEM_ADD, &e);
}

/* Sorted, each key once: what was, is, and was removed, merged. */
static void
merge_changes(void)
{
	size_t	i, n = 0;

	/* None (after a flush, say): qsort(3) must not be handed NULL. */
	if (nchanges == 0)
		return;
	qsort(changes, nchanges, sizeof(changes[0]), change_cmp);
	for (i = 0; i < nchanges; i++) {
		if (n > 0 && nftrules_addr_cmp(&changes[n - 1].key,
		    &changes[i].key) == 0) {
			changes[n - 1].was_present |= changes[i].was_present;
			changes[n - 1].removed |= changes[i].removed;
			continue;
		}
		changes[n++] = changes[i];
	}
	nchanges = n;
}

/* Take out of the kernel what changed: all of it where DESTROY exists. */
static void
batch_removals(struct nft_batch *b)
{
	struct nft_elem	e;
	size_t		i;
	int		destroy = nft_has_destroy();

	for (i = 0; i < nchanges; i++) {
		memset(&e, 0, sizeof(e));
		e.key = changes[i].key;
		if (destroy)
			nft_batch_elem(b, rs.table, white_set(e.key.af),
			    NFT_ELEM_DESTROY, &e);
		else if (changes[i].was_present)
			nft_batch_elem(b, rs.table, white_set(e.key.af),
			    NFT_ELEM_DELETE, &e);
	}
	/* Older kernels: only a flush takes sources out of pending4/6. */
	for (i = 0; destroy && i < nchanges; i++) {
		if (!changes[i].removed)
			continue;
		memset(&e, 0, sizeof(e));
		e.key = changes[i].key;
		nft_batch_elem(b, rs.table, pending_set(e.key.af),
		    NFT_ELEM_DESTROY, &e);
	}
}

/* The end of a turn of the event loop: the queued changes, one batch. */
static void
sync_flush(int fd, short event, void *arg)
{
	struct nft_batch	*b;
	struct wl_view		 v;
	struct nft_elem		 e;
	time_t			 now = policy_now();
	size_t			 i;

	flush_scheduled = 0;
	if (expired[0].n + expired[1].n > 0)
		recheck_expired();
	b = nft_batch_new();
	if (flush_all) {
		nft_batch_flush_set(b, rs.table, NFTR_WHITE4);
		nft_batch_flush_set(b, rs.table, NFTR_WHITE6);
		nft_batch_flush_set(b, rs.table, NFTR_PENDING4);
		nft_batch_flush_set(b, rs.table, NFTR_PENDING6);
		flush_all = 0;
	}
	if (allow_dirty) {
		/* Replaced whole, as on a reload. */
		nft_batch_flush_set(b, rs.table, NFTR_ALLOW4);
		nft_batch_flush_set(b, rs.table, NFTR_ALLOW6);
		batch_allowlist(b);
		allow_dirty = 0;
	}
	merge_changes();
	batch_removals(b);
	for (i = 0; i < nchanges; i++)
		if (policy_get(&changes[i].key, &v) && elem_of(&v, now, &e))
			nft_batch_elem(b, rs.table, white_set(e.key.af),
			    NFT_ELEM_ADD, &e);
	nchanges = 0;
	commit(b, "a whitelist update");
}

/* The SPF walks changed the allowed networks: allow4/6 again, soon. */
static void
sync_allowlist_changed(void)
{
	allow_dirty = 1;
	schedule_flush();
}

/* --- taking in what the kernel holds ----------------------------------- */

/* "fake-hit confirmed" and the like: the element's comment, parsed. */
static void
parse_comment(const char *c, enum wl_reason *reason, int *confirmed)
{
	unsigned int	i;
	size_t		n;

	*reason = WL_FAKE_HIT;
	*confirmed = 0;
	for (i = 0; i < WL_NREASONS; i++) {
		n = strlen(state_reason_name(i));
		if (strncmp(c, state_reason_name(i), n) == 0 &&
		    (c[n] == '\0' || c[n] == ' ')) {
			*reason = i;
			*confirmed = strcmp(c + n, CONFIRMED_WORD) == 0;
		}
	}
}

/* What a comparison found, and the kernel's elements of one set. */
struct scan {
	struct nft_elem	*elem;
	size_t		 n, cap;
	size_t		 adopted;
};

static void
collect(const struct nft_elem *e, void *arg)
{
	struct scan	*s = arg;
	struct nft_elem	*p;

	if ((p = array_room(s->elem, s->n, &s->cap,
	    sizeof(*p), 1024)) == NULL)
		fatal(NULL);
	s->elem = p;
	s->elem[s->n++] = *e;
}

/* Read a set of ours into s; -1 (logged) if it cannot be read. */
static int
read_set(const char *set, int af, struct scan *s)
{
	if (nft_set_dump(rs.table, set, af, collect, s) == 0)
		return 0;
	log_warnx("nftables: reading set %s of table inet %s: %s", set,
	    rs.table, strerror(errno));
	return -1;
}

/*
 * A whitelisting the kernel holds: into the whitelist for what is left of
 * it, unless the whitelist already holds it as long.
 */
static int
adopt(const struct nft_elem *e, enum wl_reason reason, int confirmed)
{
	struct wl_view	v;
	time_t		now = policy_now(), left = e->expires / 1000;

	if (left < NFT_SLACK_MS / 1000)
		return 0;
	if (policy_get(&e->key, &v) && v.expires > now &&
	    v.expires - now + NFT_SLACK_MS / 1000 >= left &&
	    (v.confirmed || !confirmed))
		return 0;
	policy_restore(&e->key, left, reason, confirmed);
	return 1;
}

static void
adopt_white(struct scan *s)
{
	enum wl_reason	reason;
	size_t		i;
	int		confirmed;

	for (i = 0; i < s->n; i++) {
		parse_comment(s->elem[i].comment, &reason, &confirmed);
		s->adopted += adopt(&s->elem[i], reason, confirmed);
	}
}

/*
 * pending4/6: a source the kernel admitted at a real MX was refreshed
 * there to whitelist-time, past pending-time: that is a sender, take it
 * in.  The rest only touched a fake MX; they stay where they are.
 */
static void
adopt_pending(struct scan *s)
{
	uint64_t	pending_ms = nftrules_pending_time(conf) * 1000;
	size_t		i;

	for (i = 0; i < s->n; i++)
		if (s->elem[i].expires > pending_ms + NFT_SLACK_MS)
			s->adopted += adopt(&s->elem[i], WL_FAKE_HIT, 1);
}

/* --- comparing --------------------------------------------------------- */

/*
 * The keys of the whitelist's entries of one family to ask the kernel
 * about: all of them, or when there are more than NFT_CHECK_MAX, the
 * next NFT_CHECK_MAX after those asked about last time.  (A dump would
 * give everything at once, but each of its parts walks the set from the
 * start again: minutes for a million elements.)
 */
static size_t		check_offset;	/* where the next window starts */

static void
keyset_add(struct keyset *k, const struct mxaddr *key)
{
	struct mxaddr	*p;

	if ((p = array_room(k->key, k->n, &k->cap,
	    sizeof(*p), 256)) == NULL)
		fatal(NULL);
	k->key = p;
	k->key[k->n++] = *key;
}

static void
collect_key(const struct wl_view *v, void *arg)
{
	struct keyset	*k = arg;

	if (v->net.af == k->af && k->seen++ >= k->skip &&
	    (k->max == 0 || k->n < k->max))
		keyset_add(k, &v->net);
}

struct compare {
	time_t		 now;
	size_t		 missing, older, adopted;
};

/* The kernel's copy of one entry against the whitelist's. */
static void
compare_elem(const struct nft_elem *e, void *arg)
{
	struct compare	*c = arg;
	struct wl_view	 v;
	uint64_t	 left;

	if (!policy_get(&e->key, &v) || v.expires <= c->now)
		return;
	left = (uint64_t)(v.expires - c->now) * 1000;
	if (e->absent) {
		c->missing++;
		sync_observe(&v.net, WL_CH_ADD, NULL);
	} else if (e->expires > left + NFT_SLACK_MS)
		/* Refreshed by an admission whose record we missed. */
		c->adopted += adopt(e, v.reason, 1);
	else if (e->expires + NFT_SLACK_MS < left) {
		c->older++;
		sync_observe(&v.net, WL_CH_REFRESH, NULL);
	}
}

/*
 * Ask the kernel about the whitelist's entries (a window of them, see
 * struct keyset): take in what it holds longer, write again what it
 * lacks or holds shorter.  -1 if a set could not be read.
 */
static int
compare_white(size_t *adopted)
{
	struct keyset	k;
	struct compare	c;
	size_t		total = policy_count();
	int		i, afs[2] = { AF_INET, AF_INET6 }, rc = 0;

	memset(&c, 0, sizeof(c));
	c.now = policy_now();
	if (check_offset >= total)
		check_offset = 0;
	for (i = 0; i < 2 && rc == 0; i++) {
		memset(&k, 0, sizeof(k));
		k.af = afs[i];
		k.max = NFT_CHECK_MAX;
		k.skip = total > NFT_CHECK_MAX ? check_offset / 2 : 0;
		policy_foreach(collect_key, &k);
		if (nft_get_elems(rs.table, white_set(k.af), k.af, k.key, k.n,
		    compare_elem, &c) == -1) {
			log_warnx("nftables: reading set %s of table inet %s: "
			    "%s", white_set(k.af), rs.table, strerror(errno));
			rc = -1;
		}
		free(k.key);
	}
	check_offset += NFT_CHECK_MAX;
	*adopted = c.adopted;
	if (c.missing + c.older > 0)
		log_info("nftables: %zu whitelist entries missing from the "
		    "kernel, %zu with a shorter timeout there: written again",
		    c.missing, c.older);
	stats.nft_repairs += c.missing + c.older;
	return rc;
}

static void
adopt_expired(const struct nft_elem *e, void *arg)
{
	struct compare	*c = arg;
	struct wl_view	 v;
	enum wl_reason	 reason;
	int		 confirmed;

	if (e->absent)
		return;
	/* Held longer than the whitelist did: an admission refreshed it. */
	parse_comment(e->comment, &reason, &confirmed);
	if (policy_get(&e->key, &v))
		reason = v.reason;
	c->adopted += adopt(e, reason, 1);
}

/*
 * Entries the whitelist let expire: if the kernel holds one longer, an
 * admission refreshed it there and its record was lost; take it back.
 */
static void
recheck_expired(void)
{
	struct compare	c;
	size_t		i;

	memset(&c, 0, sizeof(c));
	for (i = 0; i < 2; i++) {
		if (nft_get_elems(rs.table, white_set(expired[i].af),
		    expired[i].af, expired[i].key, expired[i].n, adopt_expired,
		    &c) == -1)
			log_debug("nftables: asking about expired entries: %s",
			    strerror(errno));
		expired[i].n = 0;
	}
	if (c.adopted > 0)
		log_info("nftables: %zu expired entries that the kernel still "
		    "held (admitted, the log record lost) taken back",
		    c.adopted);
}

static void
sync_check(int fd, short event, void *arg)
{
	struct timeval	every = { NFT_CHECK_EVERY, 0 };
	struct scan	p;
	size_t		adopted = 0;
	int		state;

	evtimer_add(&check_ev, &every);
	if ((state = nft_table_state(rs.table)) == NFT_TABLE_NONE) {
		log_warnx("nftables: table inet %s is gone: installing it "
		    "again", rs.table);
		stats.nft_repairs++;
		install(0);
		return;
	}
	if (state != NFT_TABLE_OURS) {
		/* Someone else's now: never touched, only reported. */
		log_warnx("nftables: table inet %s is no longer mxallowd's "
		    "(or cannot be read): left alone", rs.table);
		stats.nft_errors++;
		return;
	}
	memset(&p, 0, sizeof(p));
	if (compare_white(&adopted) == -1 ||
	    read_set(NFTR_PENDING4, AF_INET, &p) == -1 ||
	    read_set(NFTR_PENDING6, AF_INET6, &p) == -1) {
		free(p.elem);
		stats.nft_repairs++;
		install(1);
		return;
	}
	adopt_pending(&p);
	adopted += p.adopted;
	free(p.elem);
	if (adopted > 0)
		log_info("nftables: %zu entries the kernel held taken into the "
		    "whitelist", adopted);
	if (nchanges > 0)
		sync_flush(0, 0, NULL);
}

/* --- installing ---------------------------------------------------------- */

static long long
ms_between(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000LL +
	    (b->tv_nsec - a->tv_nsec) / 1000000;
}

struct ranges {
	struct mxaddr	*net;
	unsigned int	*bits;
	size_t		 n;
};

static void
collect_allowed(const struct mxaddr *net, unsigned int bits, void *arg)
{
	struct ranges	*r = arg;

	r->net[r->n] = *net;
	r->bits[r->n++] = bits;
}

/* The allowlist's networks as merged intervals; *n of them.  Free it. */
static struct nftr_range *
allowed_ranges(size_t *n)
{
	struct ranges		 r;
	struct nftr_range	*out;
	size_t			 max = policy_count_allowed();

	memset(&r, 0, sizeof(r));
	if ((r.net = calloc(max + 1, sizeof(*r.net))) == NULL ||
	    (r.bits = calloc(max + 1, sizeof(*r.bits))) == NULL ||
	    (out = calloc(max + 1, sizeof(*out))) == NULL)
		fatal(NULL);
	policy_foreach_allowed(collect_allowed, &r);
	*n = nftrules_ranges(r.net, r.bits, r.n, out);
	free(r.net);
	free(r.bits);
	return out;
}

static void
batch_allowlist(struct nft_batch *b)
{
	struct nftr_range	*r;
	size_t			 n;

	r = allowed_ranges(&n);
	nft_batch_ranges(b, rs.table, NFTR_ALLOW4, AF_INET, r, n);
	nft_batch_ranges(b, rs.table, NFTR_ALLOW6, AF_INET6, r, n);
	free(r);
}

static void
carry_pending(struct nft_batch *b, const struct scan *p)
{
	struct nft_elem	e;
	size_t		i;

	for (i = 0; i < p->n; i++) {
		if (p->elem[i].expires < NFT_SLACK_MS)
			continue;
		e = p->elem[i];
		e.timeout = e.expires;
		e.expires = 0;
		nft_batch_elem(b, rs.table, pending_set(e.key.af),
		    NFT_ELEM_ADD, &e);
	}
}

/*
 * The whole table in one transaction: the previous one (ours) deleted,
 * the ruleset, the allowlist, the whitelist with each entry's remaining
 * lifetime, and what pending4/6 held (p, or NULL).
 */
static int
install_table(int replace, const struct scan *p, char *err, size_t errlen)
{
	struct nft_batch	*b = nft_batch_new();
	int			 rc;

	if (replace)
		nft_batch_delete_table(b, rs.table);
	nft_batch_ruleset(b, &rs);
	batch_allowlist(b);
	policy_foreach(add_entry, b);
	if (p != NULL)
		carry_pending(b, p);
	stats.nft_commits++;
	if ((rc = nft_batch_commit(b, 0, err, errlen)) == -1)
		stats.nft_errors++;
	nft_batch_free(b);
	return rc;
}

/* A table gone or changed under a running daemon: all of it again. */
static void
install(int replace)
{
	char	err[256];

	nchanges = 0;
	flush_all = 0;
	if (install_table(replace, NULL, err, sizeof(err)) == -1)
		sync_failed("installing the table", err);
	else
		log_info("nftables: table inet %s installed again with %zu "
		    "entries", rs.table, policy_count());
}

/*
 * Before daemonizing, as root: the socket, and a dry run of the whole
 * ruleset (a batch without its end, which the kernel checks and drops),
 * so that a foreign table of our name, or a kernel without what the rules
 * need, stops mxallowd here with the reason on the terminal.
 */
void
nftsync_open(const struct mxallowd_conf *c)
{
	struct nft_batch	*b;
	char			 why[256];
	int			 state;

	conf = c;
	nftrules_build(conf, &rs);
	nft_open();
	if ((state = nft_table_state(rs.table)) == -1)
		err(1, "nftables: table inet %s", rs.table);
	if (state == NFT_TABLE_FOREIGN)
		errx(1, "nftables: table inet %s exists and was not made by "
		    "mxallowd (its comment is not \"%s\"): delete it or set "
		    "nft-table to another name", rs.table, NFTR_OWNER_MARK);
	b = nft_batch_new();
	if (state == NFT_TABLE_OURS)
		nft_batch_delete_table(b, rs.table);
	nft_batch_ruleset(b, &rs);
	if (nft_batch_commit(b, 1, why, sizeof(why)) == -1)
		errx(1, "nftables: the kernel refused %s; it lacks a feature "
		    "mxallowd needs (nf_tables with dynamic timeout sets, "
		    "log, limit, reject, counters), or mxallowd lacks "
		    "CAP_NET_ADMIN", why);
	nft_batch_free(b);
}

/*
 * What the previous run's whitelist sets hold.  With a state file, ask
 * about each of its entries (what an admission refreshed while no daemon
 * ran); without one (none, or lost), read the sets whole, which for a
 * large set takes long (each part of a dump walks it from the start).
 */
static int
take_white(struct scan *w)
{
	struct compare	c;
	struct keyset	k;
	int		i, afs[2] = { AF_INET, AF_INET6 }, rc = 0;

	if (policy_count() == 0) {
		if (read_set(NFTR_WHITE4, AF_INET, w) == -1 ||
		    read_set(NFTR_WHITE6, AF_INET6, w) == -1)
			return -1;
		adopt_white(w);
		return 0;
	}
	memset(&c, 0, sizeof(c));
	for (i = 0; i < 2 && rc == 0; i++) {
		memset(&k, 0, sizeof(k));
		k.af = afs[i];
		policy_foreach(collect_key, &k);
		if ((rc = nft_get_elems(rs.table, white_set(k.af), k.af, k.key,
		    k.n, adopt_expired, &c)) == -1)
			log_warnx("nftables: reading set %s: %s",
			    white_set(k.af), strerror(errno));
		free(k.key);
	}
	w->adopted = c.adopted;
	return rc;
}

/*
 * Once the state file is restored: take in what the kernel still holds
 * (entries of a previous run, or whitelisted by the kernel while no
 * daemon ran), then write the union back with the ruleset, in one
 * transaction, and from then on follow the whitelist.
 */
void
nftsync_start(void)
{
	struct timeval	 every = { NFT_CHECK_EVERY, 0 };
	struct timespec	 t0, t1, t2;
	struct scan	 w, p;
	char		 err[256];
	int		 state;

	evtimer_set(&flush_ev, sync_flush, NULL);
	evtimer_set(&check_ev, sync_check, NULL);
	memset(&w, 0, sizeof(w));
	memset(&p, 0, sizeof(p));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	state = nft_table_state(rs.table);
	if (state == NFT_TABLE_OURS && (take_white(&w) == -1 ||
	    read_set(NFTR_PENDING4, AF_INET, &p) == -1 ||
	    read_set(NFTR_PENDING6, AF_INET6, &p) == -1))
		log_warnx("nftables: starting without what table inet %s "
		    "held", rs.table);
	adopt_pending(&p);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (install_table(state == NFT_TABLE_OURS, &p, err,
	    sizeof(err)) == -1)
		fatalx("nftables: installing table inet %s: %s", rs.table,
		    err);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	log_debug("nftables: the previous table read in %lld ms, the new "
	    "one written in %lld ms", ms_between(&t0, &t1),
	    ms_between(&t1, &t2));
	log_info("nftables: table inet %s installed: %zu whitelist entries "
	    "(%zu taken from the kernel), %zu pending kept", rs.table,
	    policy_count(), w.adopted + p.adopted, p.n);
	free(w.elem);
	free(p.elem);
	policy_observe(sync_observe, NULL);
	policy_observe_allowlist(sync_allowlist_changed);
	evtimer_add(&check_ev, &every);
}

/*
 * SIGHUP: the rules and the address and allowlist sets again, in one
 * transaction, the whitelist's sets kept; then a comparison.
 */
void
nftsync_reload(const struct mxallowd_conf *c)
{
	struct nft_batch	*b;
	const char		*addr_sets[] = { "fake4", "fake6", "real4",
				    "real6", NFTR_ALLOW4, NFTR_ALLOW6 };
	size_t			 i;

	conf = c;
	nftrules_build(conf, &rs);
	b = nft_batch_new();
	nft_batch_flush_chains(b, &rs);
	for (i = 0; i < sizeof(addr_sets) / sizeof(addr_sets[0]); i++)
		nft_batch_flush_set(b, rs.table, addr_sets[i]);
	nft_batch_rules(b, &rs);
	nft_batch_addrs(b, &rs);
	batch_allowlist(b);
	if (commit(b, "the reloaded ruleset") == 0)
		log_info("nftables: rules of table inet %s replaced", rs.table);
	sync_check(0, 0, NULL);
}

/* --- what capture reports ---------------------------------------------- */

static void
nflog_event(const struct nflog_event *ev)
{
	if (ev->class == PKT_MALFORMED) {
		stats.malformed++;
		return;
	}
	if (ev->class == PKT_CUT) {	/* the kernel decided; nothing to learn */
		stats.cut++;
		return;
	}
	switch (ev->action) {
	case NFLOG_FAKE:
		policy_fake_hit(&ev->info);
		break;
	case NFLOG_ADMIT:
		/* The kernel admitted it, so it whitelisted it: take it in. */
		if (!policy_refresh(&ev->info.src) &&
		    policy_whitelist(&ev->info.src, WL_FAKE_HIT))
			policy_refresh(&ev->info.src);
		stats.admitted++;
		break;
	case NFLOG_BLOCK:
		policy_blocked(&ev->info);
		break;
	default:
		stats.other++;
		break;
	}
}

/* IMSG_NFLOG_EVENTS from capture. */
void
nftsync_events(struct imsg *imsg)
{
	struct nflog_event	events[PKT_BATCH_MAX];
	size_t			n, i;

	if (conf == NULL)
		fatalx("nflog events, but the nftables backend is not in use");
	n = payload_batch(imsg, events, sizeof(events[0]), PKT_BATCH_MAX);
	for (i = 0; i < n; i++) {
		if (events[i].class < PKT_FAKE ||
		    events[i].class > PKT_CLASS_LAST ||
		    events[i].action < NFLOG_OTHER ||
		    events[i].action > NFLOG_BLOCK)
			fatalx("capture: bad nflog event %u/%u",
			    events[i].action, events[i].class);
		stats.nflog_records++;
		nflog_event(&events[i]);
	}
}

/* IMSG_CAPTURE_STATS: what capture's NFLOG socket lost. */
void
nftsync_capture_stats(struct imsg *imsg)
{
	struct capture_stats	cs;

	if (conf == NULL)
		fatalx("capture statistics, but the nftables backend is not "
		    "in use");
	payload_get(imsg, &cs, sizeof(cs));
	stats.nflog_enobufs = cs.drops;
}

static void
counter_value(const char *name, uint64_t packets, void *arg)
{
	static const struct {
		const char		 *name;
		unsigned long long	 *field;
	} map[] = {
		{ "fake",	 &stats.fake_hits },
		{ "resets",	 &stats.resets },
		{ "admitted",	 &stats.admitted },
		{ "allowlisted", &stats.allowlisted },
		{ "blocked",	 &stats.blocked },
		{ "logged",	 &stats.nflog_logged },
	};
	size_t	i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].name, name) == 0)
			*map[i].field = packets;
}

/*
 * Before the statistics are shown: the kernel counted every SYN (the log
 * is rate-limited and lossy), so its counters are the figures.
 */
void
nftsync_stats(void)
{
	if (conf == NULL)
		return;
	if (nft_counters(rs.table, counter_value, NULL) == -1)
		log_debug("nftables: counters: %s", strerror(errno));
}

/* mxallowd -nv: the ruleset, as comment lines. */
void
nftsync_print(FILE *fp, const struct mxallowd_conf *c,
    const struct allowlist *al)
{
	struct nftr_ruleset	 r;
	struct nftr_range	*ranges;
	size_t			 n;

	nftrules_build(c, &r);
	policy_set_allowlist(al);
	ranges = allowed_ranges(&n);
	fprintf(fp, "# The nftables ruleset mxallowd installs (nft -f "
	    "syntax, each line after \"# \"):\n");
	nftrules_print(fp, &r, ranges, n, "# ");
	free(ranges);
}
