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
 * The resolver's answer cache: what was last found about a source, for a
 * lifetime the caller chooses.  Bounded in entries (CACHE_MAX_ENTRIES)
 * and, per entry, by the addresses the answer carries.  Sources are
 * attacker-chosen, so lookup is a red-black tree (no hash to flood); every
 * entry is also on a list in insertion order, and when the cache is full
 * the oldest entry makes room.  Expiry is checked on lookup against the
 * monotonic clock, so setting the date changes nothing.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "log.h"

struct cache_entry {
	RB_ENTRY(cache_entry)	 node;		/* by source */
	TAILQ_ENTRY(cache_entry) age;		/* oldest first */
	time_t			 expires;	/* monotonic seconds */
	struct mxaddr		 source;
	uint32_t		 status;
	uint32_t		 total;
	uint32_t		 naddrs;
	char			 name[RDNS_NAME_MAX];
	struct mxaddr		 addrs[];	/* naddrs of them */
};

RB_HEAD(cache_tree, cache_entry);
TAILQ_HEAD(cache_list, cache_entry);

static int	cache_cmp(const struct cache_entry *, const struct cache_entry *);

RB_PROTOTYPE(cache_tree, cache_entry, node, cache_cmp);
RB_GENERATE(cache_tree, cache_entry, node, cache_cmp)

static struct cache_tree	tree = RB_INITIALIZER(&tree);
static struct cache_list	oldest = TAILQ_HEAD_INITIALIZER(oldest);
static unsigned int		nentries;

/* Sources are zero-padded (struct mxaddr), so bytes compare. */
static int
cache_cmp(const struct cache_entry *a, const struct cache_entry *b)
{
	return memcmp(&a->source, &b->source, sizeof(a->source));
}

static time_t
cache_now(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("clock_gettime");
	return ts.tv_sec;
}

static void
cache_remove(struct cache_entry *e)
{
	RB_REMOVE(cache_tree, &tree, e);
	TAILQ_REMOVE(&oldest, e, age);
	nentries--;
	free(e);
}

static struct cache_entry *
cache_find(const struct mxaddr *source)
{
	struct cache_entry	key;

	key.source = *source;
	return RB_FIND(cache_tree, &tree, &key);
}

/*
 * Fill *a with the cached answer about source and return 1; 0 when there
 * is none that is still fresh.
 */
int
cache_get(const struct mxaddr *source, struct rdns_answer *a)
{
	struct cache_entry	*e;

	if ((e = cache_find(source)) == NULL)
		return 0;
	if (e->expires <= cache_now()) {
		cache_remove(e);
		return 0;
	}
	memset(a, 0, sizeof(*a));
	a->source = e->source;
	a->status = e->status;
	a->total = e->total;
	a->naddrs = e->naddrs;
	a->cached = 1;
	memcpy(a->name, e->name, sizeof(a->name));
	memcpy(a->addrs, e->addrs, e->naddrs * sizeof(e->addrs[0]));
	return 1;
}

/*
 * Keep answer a for lifetime seconds (0: not at all), replacing what was
 * known about its source.  A cache that cannot grow is not an error.
 */
void
cache_put(const struct rdns_answer *a, unsigned int lifetime)
{
	struct cache_entry	*e;

	if (lifetime == 0 || a->naddrs > RDNS_MAX_ADDRESSES_LIMIT)
		return;
	if ((e = cache_find(&a->source)) != NULL)
		cache_remove(e);
	if (nentries >= CACHE_MAX_ENTRIES)
		cache_remove(TAILQ_FIRST(&oldest));

	if ((e = malloc(sizeof(*e) + a->naddrs * sizeof(e->addrs[0]))) ==
	    NULL) {
		log_warn("cache entry");
		return;
	}
	e->expires = cache_now() + lifetime;
	e->source = a->source;
	e->status = a->status;
	e->total = a->total;
	e->naddrs = a->naddrs;
	memcpy(e->name, a->name, sizeof(e->name));
	e->name[sizeof(e->name) - 1] = '\0';
	memcpy(e->addrs, a->addrs, a->naddrs * sizeof(e->addrs[0]));
	RB_INSERT(cache_tree, &tree, e);
	TAILQ_INSERT_TAIL(&oldest, e, age);
	nentries++;
}

/* Forget everything: the configuration the answers came from changed. */
void
cache_flush(void)
{
	struct cache_entry	*e;

	while ((e = TAILQ_FIRST(&oldest)) != NULL)
		cache_remove(e);
}
