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
 * The whitelist: source networks (the address masked to a per-family
 * prefix) that may reach the real MX until an absolute expiry time.
 *
 * Lookup is a chained hash table keyed with SipHash-2-4 under a random
 * key: sources are attacker-chosen (spoofed SYNs to the fake MX), so an
 * unkeyed hash would let a flood build one long chain.  Every entry is
 * also on one of two lists kept in expiry order, pending (never admitted
 * at a real MX) and confirmed, so that expiry and eviction only ever look
 * at list heads.  When the table is full only pending entries are pushed
 * out: a flood of spoofed fake-MX hits can displace other unconfirmed
 * entries, never a sender that has already delivered.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "siphash.h"
#include "whitelist.h"

#define WL_MIN_BUCKETS	16
#define WL_SLAB		1024	/* entries per allocation */

/*
 * 56 bytes on LP64.  The address is stored masked, without the padding of
 * struct mxaddr; the hash chain is singly linked because removal re-hashes
 * and a chain is about one entry long.
 */
struct wl_entry {
	struct wl_entry		*next;		/* hash chain, or free list */
	TAILQ_ENTRY(wl_entry)	 list;		/* pending or confirmed */
	time_t			 expires;
	uint8_t			 addr[16];	/* masked, zero-padded */
	sa_family_t		 af;
	uint8_t			 reason;
	uint8_t			 confirmed;
};

TAILQ_HEAD(wl_list, wl_entry);

/*
 * Entries come from slabs, never returned before whitelist_free(): no
 * per-entry allocator header, and a flood that keeps evicting and adding
 * recycles entries through the free list without calling malloc.  The
 * slabs never hold more than max_entries entries in all.
 */
struct wl_slab {
	struct wl_slab		*next;
	struct wl_entry		 e[];
};

struct whitelist {
	struct wl_entry		**buckets;
	size_t			 mask;		/* bucket count - 1 */
	struct wl_list		 pending;	/* by expiry, soonest first */
	struct wl_list		 confirmed;	/* by expiry, soonest first */
	struct wl_entry		*freelist;
	struct wl_slab		*slabs;
	size_t			 nalloc;	/* entries in all slabs */
	size_t			 count;
	size_t			 max;
	size_t			 evictions;
	unsigned int		 prefix4;
	unsigned int		 prefix6;
	uint8_t			 key[SIPHASH_KEY_LEN];
	wl_observer		 observer;	/* NULL: none */
	void			*observer_arg;
};

static int		 wl_mask(const struct whitelist *,
			    const struct mxaddr *, struct mxaddr *);
static size_t		 wl_bucket(const struct whitelist *, sa_family_t,
			    const uint8_t *);
static struct wl_entry	*wl_find(struct whitelist *, const struct mxaddr *);
static struct wl_entry	*wl_lookup(struct whitelist *, const struct mxaddr *);
static struct wl_list	*wl_listof(struct whitelist *, const struct wl_entry *);
static void		 wl_insert_sorted(struct wl_list *, struct wl_entry *);
static void		 wl_refresh(struct whitelist *, struct wl_entry *,
			    time_t, int);
static struct wl_entry	*wl_alloc(struct whitelist *);
static void		 wl_remove(struct whitelist *, struct wl_entry *);
static size_t		 wl_expire_list(struct whitelist *, struct wl_list *,
			    time_t);
static int		 wl_make_room(struct whitelist *, time_t);
static void		 wl_notify(struct whitelist *, const struct wl_entry *,
			    enum wl_change);
static void		 wl_view_of(const struct whitelist *,
			    const struct wl_entry *, struct wl_view *);

/*
 * A backend that mirrors the whitelist entry by entry (nftables) hears of
 * every change here, evictions and expiry included.
 */
static void
wl_notify(struct whitelist *wl, const struct wl_entry *e,
    enum wl_change change)
{
	struct mxaddr	net;

	if (wl->observer == NULL)
		return;
	memset(&net, 0, sizeof(net));
	net.af = e->af;
	memcpy(net.u.bytes, e->addr, sizeof(e->addr));
	wl->observer(&net, change, wl->observer_arg);
}

/*
 * The key of a source: its family and its address cut to the family's
 * prefix, every other byte zero, so all sources of one network compare
 * equal with memcmp.  -1 for a family we do not know.
 */
static int
wl_mask(const struct whitelist *wl, const struct mxaddr *src,
    struct mxaddr *key)
{
	unsigned int	 plen;

	switch (src->af) {
	case AF_INET:
		plen = wl->prefix4;
		break;
	case AF_INET6:
		plen = wl->prefix6;
		break;
	default:
		return -1;
	}
	memset(key, 0, sizeof(*key));
	key->af = src->af;
	memcpy(key->u.bytes, src->u.bytes, plen / 8);
	if (plen % 8 != 0)
		key->u.bytes[plen / 8] = src->u.bytes[plen / 8] &
		    (uint8_t)(0xff00 >> (plen % 8));
	return 0;
}

static size_t
wl_bucket(const struct whitelist *wl, sa_family_t af, const uint8_t *addr)
{
	return (size_t)mxaddr_hash(wl->key, af, addr) & wl->mask;
}

/* The entry of a masked key, expired or not. */
static struct wl_entry *
wl_find(struct whitelist *wl, const struct mxaddr *key)
{
	struct wl_entry	*e;

	e = wl->buckets[wl_bucket(wl, key->af, key->u.bytes)];
	for (; e != NULL; e = e->next)
		if (e->af == key->af &&
		    memcmp(e->addr, key->u.bytes, sizeof(e->addr)) == 0)
			return e;
	return NULL;
}

/* The entry of a source, expired or not. */
static struct wl_entry *
wl_lookup(struct whitelist *wl, const struct mxaddr *src)
{
	struct mxaddr	 key;

	if (wl_mask(wl, src, &key) == -1)
		return NULL;
	return wl_find(wl, &key);
}

static struct wl_list *
wl_listof(struct whitelist *wl, const struct wl_entry *e)
{
	return e->confirmed ? &wl->confirmed : &wl->pending;
}

/*
 * Walk back from the tail: with one lifetime for everything the new entry
 * expires last and this is O(1); only the rare manual entry with another
 * lifetime walks.  Among equal expiries the newest goes last.
 */
static void
wl_insert_sorted(struct wl_list *l, struct wl_entry *e)
{
	struct wl_entry	*p;

	p = TAILQ_LAST(l, wl_list);
	while (p != NULL && p->expires > e->expires)
		p = TAILQ_PREV(p, wl_list, list);
	if (p == NULL)
		TAILQ_INSERT_HEAD(l, e, list);
	else
		TAILQ_INSERT_AFTER(l, p, e, list);
}

/* Extend to expires (never shorten), optionally confirm; keep order. */
static void
wl_refresh(struct whitelist *wl, struct wl_entry *e, time_t expires,
    int confirm)
{
	if (expires <= e->expires && (e->confirmed || !confirm))
		return;
	if (confirm && !e->confirmed)
		wl_notify(wl, e, WL_CH_CONFIRM);
	else if (!confirm)
		wl_notify(wl, e, WL_CH_REFRESH);
	TAILQ_REMOVE(wl_listof(wl, e), e, list);
	if (expires > e->expires)
		e->expires = expires;
	if (confirm)
		e->confirmed = 1;
	wl_insert_sorted(wl_listof(wl, e), e);
}

static struct wl_entry *
wl_alloc(struct whitelist *wl)
{
	struct wl_slab	*s;
	struct wl_entry	*e;
	size_t		 i, n;

	if (wl->freelist == NULL) {
		n = wl->max - wl->nalloc;
		if (n > WL_SLAB)
			n = WL_SLAB;
		if (n == 0 ||
		    (s = malloc(sizeof(*s) + n * sizeof(s->e[0]))) == NULL)
			return NULL;
		s->next = wl->slabs;
		wl->slabs = s;
		for (i = n; i-- > 0; ) {
			s->e[i].next = wl->freelist;
			wl->freelist = &s->e[i];
		}
		wl->nalloc += n;
	}
	e = wl->freelist;
	wl->freelist = e->next;
	return e;
}

static void
wl_remove(struct whitelist *wl, struct wl_entry *e)
{
	struct wl_entry	**pp;

	pp = &wl->buckets[wl_bucket(wl, e->af, e->addr)];
	while (*pp != e)
		pp = &(*pp)->next;
	*pp = e->next;
	TAILQ_REMOVE(wl_listof(wl, e), e, list);
	e->next = wl->freelist;
	wl->freelist = e;
	wl->count--;
}

static size_t
wl_expire_list(struct whitelist *wl, struct wl_list *l, time_t now)
{
	struct wl_entry	*e;
	size_t		 n = 0;

	while ((e = TAILQ_FIRST(l)) != NULL && e->expires <= now) {
		wl_notify(wl, e, WL_CH_EXPIRE);
		wl_remove(wl, e);
		n++;
	}
	return n;
}

/* Room for one more entry in a full table: 0, or -1 if all confirmed. */
static int
wl_make_room(struct whitelist *wl, time_t now)
{
	struct wl_entry	*e;

	/* The dead go first. */
	if (whitelist_expire(wl, now) > 0)
		return 0;
	/* Never a confirmed sender: spoofed fake-MX hits must not win. */
	if ((e = TAILQ_FIRST(&wl->pending)) == NULL)
		return -1;
	wl_notify(wl, e, WL_CH_REMOVE);
	wl_remove(wl, e);
	wl->evictions++;
	return 0;
}

/*
 * NULL with errno EINVAL for no room at all or a prefix longer than its
 * family, ENOMEM when out of memory.
 */
struct whitelist *
whitelist_new(size_t max_entries, unsigned int prefix4, unsigned int prefix6)
{
	struct whitelist	*wl;
	size_t			 nbuckets;

	if (max_entries == 0 || prefix4 > 32 || prefix6 > 128) {
		errno = EINVAL;
		return NULL;
	}
	/* At most one entry per bucket on average; allocated once. */
	for (nbuckets = WL_MIN_BUCKETS; nbuckets < max_entries;
	    nbuckets <<= 1) {
		if (nbuckets > SIZE_MAX / 2 / sizeof(*wl->buckets)) {
			errno = ENOMEM;
			return NULL;
		}
	}
	if ((wl = calloc(1, sizeof(*wl))) == NULL)
		return NULL;
	if ((wl->buckets = calloc(nbuckets, sizeof(*wl->buckets))) == NULL) {
		free(wl);
		return NULL;
	}
	wl->mask = nbuckets - 1;
	wl->max = max_entries;
	wl->prefix4 = prefix4;
	wl->prefix6 = prefix6;
	TAILQ_INIT(&wl->pending);
	TAILQ_INIT(&wl->confirmed);
	arc4random_buf(wl->key, sizeof(wl->key));
	return wl;
}

void
whitelist_free(struct whitelist *wl)
{
	struct wl_slab	*s;

	if (wl == NULL)
		return;
	while ((s = wl->slabs) != NULL) {
		wl->slabs = s->next;
		free(s);
	}
	free(wl->buckets);
	free(wl);
}

/*
 * A new entry is pending; an existing live one expires at the later of
 * its expiry and now + lifetime and keeps its list and its reason.
 * WL_FULL also when the family is unknown or memory ran out: not added.
 */
enum wl_add_result
whitelist_add(struct whitelist *wl, const struct mxaddr *src, time_t now,
    time_t lifetime, enum wl_reason reason)
{
	struct mxaddr	 key;
	struct wl_entry	*e;
	size_t		 b;

	if (wl_mask(wl, src, &key) == -1)
		return WL_FULL;
	if ((e = wl_find(wl, &key)) != NULL) {
		if (e->expires > now) {
			wl_refresh(wl, e, now + lifetime, 0);
			return WL_REFRESHED;
		}
		/* Dead but not yet collected: start afresh. */
		wl_notify(wl, e, WL_CH_EXPIRE);
		wl_remove(wl, e);
	}
	if (wl->count >= wl->max && wl_make_room(wl, now) == -1)
		return WL_FULL;
	if ((e = wl_alloc(wl)) == NULL)
		return WL_FULL;
	memcpy(e->addr, key.u.bytes, sizeof(e->addr));
	e->af = key.af;
	e->expires = now + lifetime;
	e->reason = reason;
	e->confirmed = 0;
	b = wl_bucket(wl, e->af, e->addr);
	e->next = wl->buckets[b];
	wl->buckets[b] = e;
	wl_insert_sorted(&wl->pending, e);
	wl->count++;
	wl_notify(wl, e, WL_CH_ADD);
	return WL_ADDED;
}

/* A connection at a real MX: 1 and confirm + refresh if whitelisted. */
int
whitelist_admit(struct whitelist *wl, const struct mxaddr *src, time_t now,
    time_t lifetime)
{
	struct wl_entry	*e;

	if ((e = wl_lookup(wl, src)) == NULL)
		return 0;
	if (e->expires <= now) {
		wl_notify(wl, e, WL_CH_EXPIRE);
		wl_remove(wl, e);
		return 0;
	}
	wl_refresh(wl, e, now + lifetime, 1);
	return 1;
}

int
whitelist_contains(struct whitelist *wl, const struct mxaddr *src, time_t now)
{
	struct wl_entry	*e;

	return (e = wl_lookup(wl, src)) != NULL && e->expires > now;
}

/* 1 if the source's network had an entry, live or not yet collected. */
int
whitelist_delete(struct whitelist *wl, const struct mxaddr *src)
{
	struct wl_entry	*e;

	if ((e = wl_lookup(wl, src)) == NULL)
		return 0;
	wl_notify(wl, e, WL_CH_REMOVE);
	wl_remove(wl, e);
	return 1;
}

/* Remove every entry with expires <= now; costs what expired. */
size_t
whitelist_expire(struct whitelist *wl, time_t now)
{
	return wl_expire_list(wl, &wl->pending, now) +
	    wl_expire_list(wl, &wl->confirmed, now);
}

size_t
whitelist_count(const struct whitelist *wl)
{
	return wl->count;
}

size_t
whitelist_evictions(const struct whitelist *wl)
{
	return wl->evictions;
}

/*
 * Every stored entry (including any expired one not yet collected):
 * pending, then confirmed, each soonest expiry first.
 */
void
whitelist_foreach(struct whitelist *wl,
    void (*cb)(const struct wl_view *, void *), void *arg)
{
	struct wl_list	*lists[2] = { &wl->pending, &wl->confirmed };
	struct wl_entry	*e;
	struct wl_view	 v;
	size_t		 i;

	for (i = 0; i < 2; i++) {
		TAILQ_FOREACH(e, lists[i], list) {
			wl_view_of(wl, e, &v);
			cb(&v, arg);
		}
	}
}

static void
wl_view_of(const struct whitelist *wl, const struct wl_entry *e,
    struct wl_view *v)
{
	memset(v, 0, sizeof(*v));
	v->net.af = e->af;
	memcpy(v->net.u.bytes, e->addr, sizeof(e->addr));
	v->prefixlen = e->af == AF_INET ? wl->prefix4 : wl->prefix6;
	v->expires = e->expires;
	v->reason = e->reason;
	v->confirmed = e->confirmed;
}

/* cb hears of every change from now on (NULL: nobody). */
void
whitelist_observe(struct whitelist *wl, wl_observer cb, void *arg)
{
	wl->observer = cb;
	wl->observer_arg = arg;
}

/* The entry of a source, live or not yet collected: 1 and *v, or 0. */
int
whitelist_get(struct whitelist *wl, const struct mxaddr *src,
    struct wl_view *v)
{
	struct wl_entry	*e;

	if ((e = wl_lookup(wl, src)) == NULL)
		return 0;
	wl_view_of(wl, e, v);
	return 1;
}
