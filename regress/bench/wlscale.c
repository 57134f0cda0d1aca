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
 * wlscale: what the daemon's whitelist (parent/whitelist.c) costs at
 * scale.  Fills a whitelist with N networks (default 1,000,000; distinct
 * /64s of 2001:db8::/32), then times, per operation: the insert, a
 * lookup that hits (in an order unlike the insert's), a lookup that
 * misses, an admit (the real MX's path: lookup, confirm, refresh) and
 * the expiry of them all at once; and how much the RSS grew with them.
 *
 *	wlscale [-n entries]
 *
 * One line: entries=N insert_ns=F lookup_ns=F miss_ns=F admit_ns=F
 * expire_ns=F rss_mib=F bytes_per_entry=F
 */

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "whitelist.h"

#define ENTRIES		1000000
#define LIFETIME	3600
#define STRIDE		999983		/* a prime: visits every index once */

static double	elapsed_ns(const struct timespec *);
static long	rss_kib(void);
static void	net(struct mxaddr *, uint32_t, int);

static double
elapsed_ns(const struct timespec *t0)
{
	struct timespec	t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e9 +
	    (double)(t1.tv_nsec - t0->tv_nsec);
}

/* Peak RSS in KiB: the whitelist only grows while it is measured. */
static long
rss_kib(void)
{
	struct rusage	ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		return -1;
	return ru.ru_maxrss;
}

/* Network i: 2001:db8:HHHH:LLLL::/64, or outside them all when miss. */
static void
net(struct mxaddr *a, uint32_t i, int miss)
{
	memset(a, 0, sizeof(*a));
	a->af = AF_INET6;
	a->u.bytes[0] = 0x20;
	a->u.bytes[1] = 0x01;
	a->u.bytes[2] = 0x0d;
	a->u.bytes[3] = 0xb8;
	a->u.bytes[4] = (uint8_t)(i >> 24);
	a->u.bytes[5] = (uint8_t)(i >> 16);
	a->u.bytes[6] = (uint8_t)(i >> 8);
	a->u.bytes[7] = (uint8_t)i;
	a->u.bytes[15] = 1;
	if (miss)
		a->u.bytes[4] |= 0x80;	/* never an index below 2^31 */
}

int
main(int argc, char *argv[])
{
	struct whitelist	*wl;
	struct mxaddr		 a;
	struct timespec		 t0;
	double			 tins, thit, tmiss, tadmit, texp;
	long			 rss0, rss1;
	uint32_t		 i, n = ENTRIES, k;
	size_t			 hits = 0, misses = 0, admits = 0, expired;
	int			 ch;

	while ((ch = getopt(argc, argv, "n:")) != -1) {
		switch (ch) {
		case 'n':
			n = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: wlscale [-n entries]\n");
			return 2;
		}
	}
	if (n < 1 || n > 16777216) {
		fprintf(stderr, "wlscale: -n from 1 to 16777216\n");
		return 2;
	}

	rss0 = rss_kib();
	if ((wl = whitelist_new(n, 32, 64)) == NULL) {
		perror("whitelist_new");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		net(&a, i, 0);
		if (whitelist_add(wl, &a, 0, LIFETIME, WL_FAKE_HIT) !=
		    WL_ADDED) {
			fprintf(stderr, "wlscale: entry %u not added\n", i);
			return 1;
		}
	}
	tins = elapsed_ns(&t0);
	rss1 = rss_kib();

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		k = (uint32_t)((uint64_t)i * STRIDE % n);
		net(&a, k, 0);
		hits += whitelist_contains(wl, &a, 1);
	}
	thit = elapsed_ns(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		net(&a, i, 1);
		misses += !whitelist_contains(wl, &a, 1);
	}
	tmiss = elapsed_ns(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		k = (uint32_t)((uint64_t)i * STRIDE % n);
		net(&a, k, 0);
		admits += whitelist_admit(wl, &a, 2, LIFETIME);
	}
	tadmit = elapsed_ns(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	expired = whitelist_expire(wl, 2 + LIFETIME);
	texp = elapsed_ns(&t0);

	if (hits != n || misses != n || admits != n || expired != n ||
	    whitelist_count(wl) != 0) {
		fprintf(stderr, "wlscale: hits %zu misses %zu admits %zu "
		    "expired %zu of %u\n", hits, misses, admits, expired, n);
		return 1;
	}
	printf("entries=%u insert_ns=%.1f lookup_ns=%.1f miss_ns=%.1f "
	    "admit_ns=%.1f expire_ns=%.1f rss_mib=%.1f bytes_per_entry=%.1f\n",
	    n, tins / n, thit / n, tmiss / n, tadmit / n, texp / n,
	    (double)(rss1 - rss0) / 1024, (double)(rss1 - rss0) * 1024 / n);
	whitelist_free(wl);
	return 0;
}
