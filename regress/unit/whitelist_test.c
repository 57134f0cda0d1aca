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
 * Unit tests for the whitelist.  Prints "ok NAME" or "FAIL NAME: reason"
 * per check; exits 1 on any failure.  Besides the targeted checks, a
 * randomized run compares every answer with a naive array model, and a
 * scale run measures a million entries (time and RSS are printed; only
 * the RSS target is asserted).
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "whitelist.h"

#include "unit.h"

#define MIB		(1024.0 * 1024.0)
#define RSS_LIMIT_MIB	128
#define SCALE_N		1000000
#define MODEL_MAX	256





static struct mxaddr
A(const char *s)
{
	struct mxaddr	 a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, &a.u.ip4) == 1)
		a.af = AF_INET;
	else if (inet_pton(AF_INET6, s, &a.u.ip6) == 1)
		a.af = AF_INET6;
	else {
		fprintf(stderr, "bad test address %s\n", s);
		exit(2);
	}
	return a;
}

/* Shorthands on one table; the address is a string. */
static enum wl_add_result
add(struct whitelist *wl, const char *s, time_t now, time_t life)
{
	struct mxaddr	 a = A(s);

	return whitelist_add(wl, &a, now, life, WL_FAKE_HIT);
}

static int
admit(struct whitelist *wl, const char *s, time_t now, time_t life)
{
	struct mxaddr	 a = A(s);

	return whitelist_admit(wl, &a, now, life);
}

static int
has(struct whitelist *wl, const char *s, time_t now)
{
	struct mxaddr	 a = A(s);

	return whitelist_contains(wl, &a, now);
}

static int
del(struct whitelist *wl, const char *s)
{
	struct mxaddr	 a = A(s);

	return whitelist_delete(wl, &a);
}

/* What foreach reported, in order. */
#define MAXVIEWS	64
struct views {
	struct wl_view	 v[MAXVIEWS];
	size_t		 n;
	size_t		 overflow;
};

static void
collect(const struct wl_view *v, void *arg)
{
	struct views	*vs = arg;

	if (vs->n < MAXVIEWS)
		vs->v[vs->n++] = *v;
	else
		vs->overflow++;
}

static void
views_get(struct whitelist *wl, struct views *vs)
{
	memset(vs, 0, sizeof(*vs));
	whitelist_foreach(wl, collect, vs);
}

/* The view of entry i is net s with these fields. */
static int
view_is(const struct wl_view *v, const char *s, unsigned int plen,
    time_t expires, int confirmed)
{
	struct mxaddr	 a = A(s);

	return v->net.af == a.af &&
	    memcmp(v->net.u.bytes, a.u.bytes, 16) == 0 &&
	    v->prefixlen == plen && v->expires == expires &&
	    (v->confirmed != 0) == (confirmed != 0);
}

static void
t_new_args(void)
{
	const char		*name = "new_rejects_bad_arguments";
	struct whitelist	*wl = NULL;

	REQUIRE(whitelist_new(10, 33, 64) == NULL && errno == EINVAL,
	    "prefix4 33 accepted");
	REQUIRE(whitelist_new(10, 24, 129) == NULL && errno == EINVAL,
	    "prefix6 129 accepted");
	REQUIRE(whitelist_new(0, 24, 64) == NULL && errno == EINVAL,
	    "max_entries 0 accepted");
	REQUIRE((wl = whitelist_new(1, 0, 0)) != NULL, "1/0/0 refused");
	whitelist_free(wl);
	REQUIRE((wl = whitelist_new(1, 32, 128)) != NULL, "1/32/128 refused");
	whitelist_free(NULL);
	pass(name);
out:
	whitelist_free(wl);
}

static void
t_basic(const char *name, const char *a, const char *other)
{
	struct whitelist	*wl = NULL;

	REQUIRE((wl = whitelist_new(100, 32, 128)) != NULL, "new");
	REQUIRE(!has(wl, a, 0), "contains in an empty table");
	REQUIRE(!admit(wl, a, 0, 10), "admitted from an empty table");
	REQUIRE(add(wl, a, 0, 10) == WL_ADDED, "add not WL_ADDED");
	REQUIRE(whitelist_count(wl) == 1, "count %zu", whitelist_count(wl));
	REQUIRE(has(wl, a, 1), "not contained after add");
	REQUIRE(!has(wl, other, 1), "other address contained");
	REQUIRE(!admit(wl, other, 1, 10), "other address admitted");
	REQUIRE(add(wl, a, 1, 10) == WL_REFRESHED, "second add not "
	    "WL_REFRESHED");
	REQUIRE(whitelist_count(wl) == 1, "count %zu after refresh",
	    whitelist_count(wl));
	REQUIRE(admit(wl, a, 2, 10), "not admitted");
	REQUIRE(has(wl, a, 2), "gone after admit");
	REQUIRE(whitelist_evictions(wl) == 0, "evictions");
	pass(name);
out:
	whitelist_free(wl);
}

/*
 * An IPv4 and an IPv6 address with the same leading bytes are two keys;
 * with both prefixes 0 every key's bytes are zero and only af differs.
 */
static void
t_af_key(void)
{
	const char		*name = "af_is_part_of_key";
	struct whitelist	*wl = NULL;
	struct mxaddr		 a4 = A("192.0.2.1"), a6 = A("c000:201::");
	struct mxaddr		 bad = a4;

	REQUIRE(memcmp(a4.u.bytes, a6.u.bytes, 4) == 0, "test setup");
	REQUIRE((wl = whitelist_new(16, 32, 32)) != NULL, "new");
	REQUIRE(whitelist_add(wl, &a4, 0, 10, WL_FAKE_HIT) == WL_ADDED,
	    "add v4");
	REQUIRE(!whitelist_contains(wl, &a6, 0), "v6 found by v4 entry");
	REQUIRE(!whitelist_admit(wl, &a6, 0, 10), "v6 admitted by v4 entry");
	REQUIRE(whitelist_add(wl, &a6, 0, 10, WL_FAKE_HIT) == WL_ADDED,
	    "v6 add not WL_ADDED");
	REQUIRE(whitelist_count(wl) == 2, "count %zu", whitelist_count(wl));
	REQUIRE(whitelist_delete(wl, &a4) == 1, "delete v4");
	REQUIRE(whitelist_contains(wl, &a6, 0), "v6 gone with v4");
	whitelist_free(wl);

	REQUIRE((wl = whitelist_new(16, 0, 0)) != NULL, "new 0/0");
	REQUIRE(add(wl, "0.0.0.0", 0, 10) == WL_ADDED, "add v4 /0");
	REQUIRE(!has(wl, "::", 0), "v6 found in v4 /0");
	REQUIRE(add(wl, "::", 0, 10) == WL_ADDED, "add v6 /0");
	REQUIRE(whitelist_count(wl) == 2, "count %zu", whitelist_count(wl));

	/* A family the table does not know is never stored. */
	bad.af = AF_UNIX;
	REQUIRE(whitelist_add(wl, &bad, 0, 10, WL_FAKE_HIT) == WL_FULL,
	    "AF_UNIX added");
	REQUIRE(!whitelist_contains(wl, &bad, 0), "AF_UNIX contained");
	REQUIRE(!whitelist_admit(wl, &bad, 0, 10), "AF_UNIX admitted");
	REQUIRE(!whitelist_delete(wl, &bad), "AF_UNIX deleted");
	REQUIRE(whitelist_count(wl) == 2, "count %zu", whitelist_count(wl));
	pass(name);
out:
	whitelist_free(wl);
}

static void
t_prefix(const char *name, unsigned int p4, unsigned int p6,
    const char *first, const char *same, const char *differ,
    const char *net, unsigned int plen)
{
	struct whitelist	*wl = NULL;
	struct views		 vs;

	REQUIRE((wl = whitelist_new(16, p4, p6)) != NULL, "new");
	REQUIRE(add(wl, first, 0, 10) == WL_ADDED, "add %s", first);
	REQUIRE(admit(wl, same, 1, 10), "%s not admitted", same);
	REQUIRE(add(wl, same, 1, 10) == WL_REFRESHED, "%s added anew", same);
	if (differ != NULL) {
		REQUIRE(!has(wl, differ, 1), "%s contained", differ);
		REQUIRE(!admit(wl, differ, 1, 10), "%s admitted", differ);
	}
	views_get(wl, &vs);
	REQUIRE(vs.n == 1, "%zu views", vs.n);
	REQUIRE(view_is(&vs.v[0], net, plen, 11, 1), "view is not %s/%u",
	    net, plen);
	REQUIRE(del(wl, same) == 1, "delete via %s", same);
	REQUIRE(whitelist_count(wl) == 0, "count %zu", whitelist_count(wl));
	pass(name);
out:
	whitelist_free(wl);
}

/* Bytes beyond the family's length never take part in the key. */
static void
t_v4_padding(void)
{
	const char		*name = "v4_ignores_bytes_beyond_family";
	struct whitelist	*wl = NULL;
	struct mxaddr		 dirty = A("198.51.100.7");
	struct views		 vs;

	memset(dirty.u.bytes + 4, 0xa5, 12);
	REQUIRE((wl = whitelist_new(16, 32, 128)) != NULL, "new");
	REQUIRE(whitelist_add(wl, &dirty, 0, 10, WL_MANUAL) == WL_ADDED,
	    "add");
	REQUIRE(has(wl, "198.51.100.7", 0), "clean address not found");
	views_get(wl, &vs);
	REQUIRE(vs.n == 1 && view_is(&vs.v[0], "198.51.100.7", 32, 10, 0),
	    "view not clean");
	REQUIRE(vs.v[0].reason == WL_MANUAL, "reason %d", vs.v[0].reason);
	pass(name);
out:
	whitelist_free(wl);
}

static void
t_expiry_exact(void)
{
	const char		*name = "expiry_at_exactly_expires";
	struct whitelist	*wl = NULL;

	REQUIRE((wl = whitelist_new(16, 32, 128)) != NULL, "new");
	REQUIRE(add(wl, "192.0.2.1", 100, 10) == WL_ADDED, "add");
	REQUIRE(has(wl, "192.0.2.1", 109), "gone at 109");
	REQUIRE(!has(wl, "192.0.2.1", 110), "still there at 110");
	REQUIRE(whitelist_expire(wl, 109) == 0, "expired at 109");
	REQUIRE(whitelist_count(wl) == 1, "count %zu", whitelist_count(wl));
	REQUIRE(!admit(wl, "192.0.2.1", 110, 10), "admitted at 110");
	/* admit collected it on the spot */
	REQUIRE(whitelist_count(wl) == 0, "count %zu", whitelist_count(wl));
	REQUIRE(whitelist_expire(wl, 1000) == 0, "expired twice");

	REQUIRE(add(wl, "192.0.2.2", 200, 10) == WL_ADDED, "add 2");
	REQUIRE(whitelist_expire(wl, 210) == 1, "not expired at 210");
	REQUIRE(whitelist_count(wl) == 0, "count %zu", whitelist_count(wl));

	/* An expired entry re-added is new: pending, WL_ADDED, new reason. */
	REQUIRE(add(wl, "192.0.2.3", 300, 10) == WL_ADDED, "add 3");
	REQUIRE(admit(wl, "192.0.2.3", 301, 10), "admit 3");
	REQUIRE(add(wl, "192.0.2.3", 311, 10) == WL_ADDED, "re-add of an "
	    "expired entry not WL_ADDED");
	REQUIRE(whitelist_count(wl) == 1, "count %zu", whitelist_count(wl));
	pass(name);
out:
	whitelist_free(wl);
}

static void
t_refresh(void)
{
	const char		*name = "refresh_extends_never_shortens";
	struct whitelist	*wl = NULL;
	struct mxaddr		 a = A("2001:db8::1");
	struct views		 vs;

	REQUIRE((wl = whitelist_new(16, 32, 128)) != NULL, "new");
	REQUIRE(whitelist_add(wl, &a, 0, 10, WL_RDNS) == WL_ADDED, "add");
	REQUIRE(admit(wl, "2001:db8::1", 5, 10), "admit at 5");
	REQUIRE(has(wl, "2001:db8::1", 14), "gone at 14");
	REQUIRE(!has(wl, "2001:db8::1", 15), "there at 15");
	REQUIRE(admit(wl, "2001:db8::1", 6, 1), "admit at 6");
	views_get(wl, &vs);
	REQUIRE(vs.n == 1 && vs.v[0].expires == 15, "shortened by admit "
	    "to %lld", (long long)vs.v[0].expires);
	REQUIRE(whitelist_add(wl, &a, 8, 100, WL_MANUAL) == WL_REFRESHED,
	    "add");
	REQUIRE(whitelist_add(wl, &a, 9, 1, WL_FAKE_HIT) == WL_REFRESHED,
	    "add");
	views_get(wl, &vs);
	REQUIRE(vs.n == 1 && vs.v[0].expires == 108, "expires %lld, want "
	    "108", (long long)vs.v[0].expires);
	REQUIRE(vs.v[0].reason == WL_RDNS, "reason changed to %d",
	    vs.v[0].reason);
	REQUIRE(vs.v[0].confirmed, "add unconfirmed it");
	pass(name);
out:
	whitelist_free(wl);
}

static void
t_admit_confirms(void)
{
	const char		*name = "admit_moves_to_confirmed";
	struct whitelist	*wl = NULL;
	struct views		 vs;

	REQUIRE((wl = whitelist_new(16, 32, 128)) != NULL, "new");
	REQUIRE(add(wl, "192.0.2.1", 0, 10) == WL_ADDED, "add 1");
	REQUIRE(add(wl, "192.0.2.2", 1, 10) == WL_ADDED, "add 2");
	REQUIRE(add(wl, "192.0.2.3", 2, 10) == WL_ADDED, "add 3");
	views_get(wl, &vs);
	REQUIRE(vs.n == 3 && !vs.v[0].confirmed && !vs.v[1].confirmed &&
	    !vs.v[2].confirmed, "confirmed before admit");
	REQUIRE(admit(wl, "192.0.2.2", 3, 10), "admit 2");
	REQUIRE(!has(wl, "192.0.2.4", 3), "phantom");
	views_get(wl, &vs);
	REQUIRE(vs.n == 3, "%zu views", vs.n);
	REQUIRE(view_is(&vs.v[0], "192.0.2.1", 32, 10, 0) &&
	    view_is(&vs.v[1], "192.0.2.3", 32, 12, 0) &&
	    view_is(&vs.v[2], "192.0.2.2", 32, 13, 1),
	    "views not pending 1, 3 then confirmed 2");
	pass(name);
out:
	whitelist_free(wl);
}

static void
t_expire_order(void)
{
	const char		*name = "expire_both_lists_in_order";
	struct whitelist	*wl = NULL;
	struct views		 vs;
	char			 s[32];
	int			 i;

	/* .1-.6 expire at 10..15; even ones confirmed (expiry unchanged). */
	REQUIRE((wl = whitelist_new(16, 32, 128)) != NULL, "new");
	for (i = 1; i <= 6; i++) {
		snprintf(s, sizeof(s), "192.0.2.%d", i);
		REQUIRE(add(wl, s, i - 1, 10) == WL_ADDED, "add %s", s);
	}
	for (i = 2; i <= 6; i += 2) {
		snprintf(s, sizeof(s), "192.0.2.%d", i);
		REQUIRE(admit(wl, s, 6, i + 3), "admit %s", s);
	}
	REQUIRE(whitelist_expire(wl, 9) == 0, "expired before 10");
	REQUIRE(whitelist_expire(wl, 11) == 2, "not .1 and .2 at 11");
	REQUIRE(!has(wl, "192.0.2.2", 0) && has(wl, "192.0.2.3", 0),
	    "wrong ones at 11");
	REQUIRE(whitelist_expire(wl, 11) == 0, "expired twice");
	REQUIRE(whitelist_expire(wl, 14) == 3, "not .3 .4 .5 at 14");
	views_get(wl, &vs);
	REQUIRE(vs.n == 1 && view_is(&vs.v[0], "192.0.2.6", 32, 15, 1),
	    "not only .6 left");
	REQUIRE(whitelist_expire(wl, 100) == 1, "not .6 at 100");
	REQUIRE(whitelist_count(wl) == 0, "count %zu", whitelist_count(wl));
	pass(name);
out:
	whitelist_free(wl);
}

static void
t_manual_order(void)
{
	const char		*name = "shorter_lifetime_sorted_in";
	struct whitelist	*wl = NULL;
	struct mxaddr		 d = A("198.51.100.4"), e = A("198.51.100.5");
	struct views		 vs;

	REQUIRE((wl = whitelist_new(5, 32, 128)) != NULL, "new");
	REQUIRE(add(wl, "198.51.100.1", 0, 100) == WL_ADDED, "add 1");
	REQUIRE(add(wl, "198.51.100.2", 1, 100) == WL_ADDED, "add 2");
	REQUIRE(add(wl, "198.51.100.3", 2, 100) == WL_ADDED, "add 3");
	REQUIRE(whitelist_add(wl, &d, 3, 50, WL_MANUAL) == WL_ADDED, "add 4");
	REQUIRE(whitelist_add(wl, &e, 4, 1000, WL_MANUAL) == WL_ADDED,
	    "add 5");
	REQUIRE(add(wl, "198.51.100.6", 2, 99) == WL_ADDED, "add 6");
	views_get(wl, &vs);
	/* full: .4 (expires 53) went first; .6 (101) goes after .2 (101) */
	REQUIRE(whitelist_evictions(wl) == 1, "evictions %zu",
	    whitelist_evictions(wl));
	REQUIRE(vs.n == 5, "%zu views", vs.n);
	REQUIRE(view_is(&vs.v[0], "198.51.100.1", 32, 100, 0) &&
	    view_is(&vs.v[1], "198.51.100.2", 32, 101, 0) &&
	    view_is(&vs.v[2], "198.51.100.6", 32, 101, 0) &&
	    view_is(&vs.v[3], "198.51.100.3", 32, 102, 0) &&
	    view_is(&vs.v[4], "198.51.100.5", 32, 1004, 0),
	    "pending out of order");
	REQUIRE(vs.v[4].reason == WL_MANUAL, "reason");
	REQUIRE(whitelist_add(wl, &d, 5, 1, WL_MANUAL) == WL_ADDED, "add 4");
	REQUIRE(whitelist_evictions(wl) == 2, "evictions %zu",
	    whitelist_evictions(wl));
	REQUIRE(!has(wl, "198.51.100.1", 5), ".1 not evicted");
	REQUIRE(whitelist_expire(wl, 6) == 1, "not .4 alone at 6");
	REQUIRE(whitelist_expire(wl, 101) == 2, "not .2 .6 at 101");
	REQUIRE(has(wl, "198.51.100.3", 101), ".3 gone");
	pass(name);
out:
	whitelist_free(wl);
}

static void
t_evict(void)
{
	const char		*name = "full_evicts_pending_soonest_first";
	struct whitelist	*wl = NULL;
	char			 s[32];
	int			 i;

	REQUIRE((wl = whitelist_new(4, 32, 128)) != NULL, "new");
	for (i = 1; i <= 4; i++) {
		snprintf(s, sizeof(s), "2001:db8::%d", i);
		REQUIRE(add(wl, s, i, 10) == WL_ADDED, "add %s", s);
	}
	REQUIRE(admit(wl, "2001:db8::1", 5, 10), "admit ::1");
	REQUIRE(admit(wl, "2001:db8::3", 5, 10), "admit ::3");
	REQUIRE(add(wl, "2001:db8::5", 6, 10) == WL_ADDED, "add ::5");
	REQUIRE(whitelist_evictions(wl) == 1 && !has(wl, "2001:db8::2", 6),
	    "::2 not evicted first");
	REQUIRE(add(wl, "2001:db8::6", 6, 10) == WL_ADDED, "add ::6");
	REQUIRE(whitelist_evictions(wl) == 2 && !has(wl, "2001:db8::4", 6),
	    "::4 not evicted second");
	REQUIRE(add(wl, "2001:db8::7", 7, 10) == WL_ADDED, "add ::7");
	REQUIRE(whitelist_evictions(wl) == 3 && !has(wl, "2001:db8::5", 7),
	    "::5 not evicted third");
	REQUIRE(has(wl, "2001:db8::1", 7) && has(wl, "2001:db8::3", 7),
	    "confirmed entry evicted");
	REQUIRE(whitelist_count(wl) == 4, "count %zu", whitelist_count(wl));
	/* refreshing an entry of a full table needs no room */
	REQUIRE(add(wl, "2001:db8::6", 7, 10) == WL_REFRESHED, "refresh");
	REQUIRE(whitelist_evictions(wl) == 3, "refresh evicted");
	pass(name);
out:
	whitelist_free(wl);
}

static void
t_full(void)
{
	const char		*name = "full_of_confirmed_refuses";
	struct whitelist	*wl = NULL;
	char			 s[32];
	int			 i;

	REQUIRE((wl = whitelist_new(3, 24, 64)) != NULL, "new");
	for (i = 1; i <= 3; i++) {
		snprintf(s, sizeof(s), "10.0.%d.1", i);
		REQUIRE(add(wl, s, 0, 10 + i) == WL_ADDED, "add %s", s);
		REQUIRE(admit(wl, s, 0, 10 + i), "admit %s", s);
	}
	REQUIRE(add(wl, "10.0.4.1", 1, 10) == WL_FULL, "not WL_FULL");
	REQUIRE(!has(wl, "10.0.4.1", 1), "refused entry contained");
	REQUIRE(whitelist_count(wl) == 3 && whitelist_evictions(wl) == 0,
	    "count %zu evictions %zu", whitelist_count(wl),
	    whitelist_evictions(wl));
	REQUIRE(add(wl, "10.0.2.99", 1, 10) == WL_REFRESHED, "refresh when "
	    "full");
	/* the dead make room before anybody is evicted */
	REQUIRE(add(wl, "10.0.4.1", 11, 10) == WL_ADDED, "not added after "
	    "10.0.1.0 expired");
	REQUIRE(whitelist_evictions(wl) == 0, "evicted");
	REQUIRE(!has(wl, "10.0.1.1", 0) && has(wl, "10.0.2.1", 11) &&
	    has(wl, "10.0.3.1", 11), "wrong entry went");
	pass(name);
out:
	whitelist_free(wl);
}

static void
t_delete(void)
{
	const char		*name = "delete";
	struct whitelist	*wl = NULL;
	struct views		 vs;

	REQUIRE((wl = whitelist_new(16, 24, 64)) != NULL, "new");
	REQUIRE(!del(wl, "192.0.2.1"), "deleted from an empty table");
	REQUIRE(add(wl, "192.0.2.1", 0, 10) == WL_ADDED, "add v4");
	REQUIRE(add(wl, "2001:db8::1", 1, 10) == WL_ADDED, "add v6");
	REQUIRE(add(wl, "198.51.100.1", 2, 10) == WL_ADDED, "add v4 2");
	REQUIRE(admit(wl, "2001:db8::1", 3, 10), "admit v6");
	REQUIRE(del(wl, "192.0.2.200") == 1, "delete by a sibling");
	REQUIRE(!del(wl, "192.0.2.1"), "deleted twice");
	REQUIRE(del(wl, "2001:db8::ffff") == 1, "delete confirmed");
	REQUIRE(whitelist_count(wl) == 1, "count %zu", whitelist_count(wl));
	views_get(wl, &vs);
	REQUIRE(vs.n == 1 && view_is(&vs.v[0], "198.51.100.0", 24, 12, 0),
	    "foreach after delete");
	REQUIRE(whitelist_expire(wl, 100) == 1, "expire after delete");
	REQUIRE(whitelist_count(wl) == 0, "count %zu", whitelist_count(wl));
	/* an expired, uncollected entry is still there to delete */
	REQUIRE(add(wl, "192.0.2.1", 0, 10) == WL_ADDED, "add again");
	REQUIRE(!has(wl, "192.0.2.1", 50), "alive at 50");
	REQUIRE(del(wl, "192.0.2.1") == 1, "delete expired");
	pass(name);
out:
	whitelist_free(wl);
}

static void
t_foreach(void)
{
	const char		*name = "foreach_visits_each_once";
	struct whitelist	*wl = NULL;
	struct views		 vs;
	struct mxaddr		 a;
	char			 s[64];
	int			 i, seen[40];
	size_t			 k;

	REQUIRE((wl = whitelist_new(64, 24, 48)) != NULL, "new");
	for (i = 0; i < 40; i++) {
		if (i % 2)
			snprintf(s, sizeof(s), "10.%d.7.9", i);
		else
			snprintf(s, sizeof(s), "2001:db8:%x::9", i);
		a = A(s);
		REQUIRE(whitelist_add(wl, &a, i, 100, i % WL_NREASONS) ==
		    WL_ADDED, "add %s", s);
		if (i % 3 == 0)
			REQUIRE(admit(wl, s, 40, 100), "admit %s", s);
	}
	views_get(wl, &vs);
	REQUIRE(vs.n == 40 && vs.overflow == 0, "%zu views", vs.n);
	memset(seen, 0, sizeof(seen));
	for (k = 0; k < vs.n; k++) {
		i = -1;
		if (vs.v[k].net.af == AF_INET)
			i = vs.v[k].net.u.bytes[1];
		else if (vs.v[k].net.af == AF_INET6)
			i = vs.v[k].net.u.bytes[5];
		REQUIRE(i >= 0 && i < 40, "stray view");
		seen[i]++;
		if (i % 2)
			snprintf(s, sizeof(s), "10.%d.7.0", i);
		else
			snprintf(s, sizeof(s), "2001:db8:%x::", i);
		REQUIRE(view_is(&vs.v[k], s, i % 2 ? 24 : 48,
		    i % 3 == 0 ? 140 : i + 100, i % 3 == 0), "view of %s", s);
		REQUIRE(vs.v[k].reason == (enum wl_reason)(i % WL_NREASONS),
		    "reason of %s", s);
	}
	for (i = 0; i < 40; i++)
		REQUIRE(seen[i] == 1, "entry %d seen %d times", i, seen[i]);
	pass(name);
out:
	whitelist_free(wl);
}

/*
 * The model: an unordered array, every operation a linear scan, the
 * same semantics spelled out plainly.  seq orders entries of equal
 * expiry by when they last entered their list.
 */
struct ment {
	struct mxaddr	 net;
	time_t		 expires;
	int		 reason;
	int		 confirmed;
	unsigned long	 seq;
};

struct model {
	struct ment	 e[MODEL_MAX];
	size_t		 n, max, evictions;
	unsigned long	 seq;
	unsigned int	 p4, p6;
};

static struct mxaddr
m_mask(const struct model *m, const struct mxaddr *a)
{
	struct mxaddr	 k;
	unsigned int	 i, plen = a->af == AF_INET ? m->p4 : m->p6;

	memset(&k, 0, sizeof(k));
	k.af = a->af;
	for (i = 0; i < plen; i++)
		if (a->u.bytes[i / 8] & (0x80 >> (i % 8)))
			k.u.bytes[i / 8] |= 0x80 >> (i % 8);
	return k;
}

static struct ment *
m_find(struct model *m, const struct mxaddr *a)
{
	struct mxaddr	 k = m_mask(m, a);
	size_t		 i;

	for (i = 0; i < m->n; i++)
		if (m->e[i].net.af == k.af &&
		    memcmp(m->e[i].net.u.bytes, k.u.bytes, 16) == 0)
			return &m->e[i];
	return NULL;
}

static void
m_remove(struct model *m, struct ment *e)
{
	*e = m->e[--m->n];
}

static size_t
m_expire(struct model *m, time_t now)
{
	size_t	 i = 0, n = 0;

	while (i < m->n) {
		if (m->e[i].expires <= now) {
			m_remove(m, &m->e[i]);
			n++;
		} else
			i++;
	}
	return n;
}

static enum wl_add_result
m_add(struct model *m, const struct mxaddr *a, time_t now, time_t life,
    int reason)
{
	struct ment	*e, *victim = NULL;
	size_t		 i;

	if ((e = m_find(m, a)) != NULL && e->expires > now) {
		if (now + life > e->expires) {
			e->expires = now + life;
			e->seq = ++m->seq;
		}
		return WL_REFRESHED;
	}
	if (e != NULL)
		m_remove(m, e);
	if (m->n >= m->max && m_expire(m, now) == 0) {
		for (i = 0; i < m->n; i++) {
			e = &m->e[i];
			if (!e->confirmed && (victim == NULL ||
			    e->expires < victim->expires ||
			    (e->expires == victim->expires &&
			    e->seq < victim->seq)))
				victim = e;
		}
		if (victim == NULL)
			return WL_FULL;
		m_remove(m, victim);
		m->evictions++;
	}
	e = &m->e[m->n++];
	e->net = m_mask(m, a);
	e->expires = now + life;
	e->reason = reason;
	e->confirmed = 0;
	e->seq = ++m->seq;
	return WL_ADDED;
}

static int
m_admit(struct model *m, const struct mxaddr *a, time_t now, time_t life)
{
	struct ment	*e;

	if ((e = m_find(m, a)) == NULL)
		return 0;
	if (e->expires <= now) {
		m_remove(m, e);
		return 0;
	}
	if (!e->confirmed || now + life > e->expires)
		e->seq = ++m->seq;
	if (now + life > e->expires)
		e->expires = now + life;
	e->confirmed = 1;
	return 1;
}

static int
m_contains(struct model *m, const struct mxaddr *a, time_t now)
{
	struct ment	*e;

	return (e = m_find(m, a)) != NULL && e->expires > now;
}

static int
m_delete(struct model *m, const struct mxaddr *a)
{
	struct ment	*e;

	if ((e = m_find(m, a)) == NULL)
		return 0;
	m_remove(m, e);
	return 1;
}

/* foreach's order: pending before confirmed, each by (expires, seq). */
static int
m_cmp(const void *pa, const void *pb)
{
	const struct ment	*a = pa, *b = pb;

	if (a->confirmed != b->confirmed)
		return a->confirmed - b->confirmed;
	if (a->expires != b->expires)
		return a->expires < b->expires ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

struct mwalk {
	struct ment	*sorted;
	size_t		 n, i, bad;
	unsigned int	 p4, p6;
};

static void
m_walk(const struct wl_view *v, void *arg)
{
	struct mwalk		*w = arg;
	const struct ment	*e;

	if (w->i >= w->n) {
		w->bad++;
		return;
	}
	e = &w->sorted[w->i++];
	if (v->net.af != e->net.af ||
	    memcmp(v->net.u.bytes, e->net.u.bytes, 16) != 0 ||
	    v->expires != e->expires ||
	    v->reason != (enum wl_reason)e->reason ||
	    (v->confirmed != 0) != e->confirmed ||
	    v->prefixlen != (e->net.af == AF_INET ? w->p4 : w->p6))
		w->bad++;
}

static int
m_same_views(struct model *m, struct whitelist *wl)
{
	struct ment	 sorted[MODEL_MAX];
	struct mwalk	 w;

	memcpy(sorted, m->e, m->n * sizeof(sorted[0]));
	qsort(sorted, m->n, sizeof(sorted[0]), m_cmp);
	memset(&w, 0, sizeof(w));
	w.sorted = sorted;
	w.n = m->n;
	w.p4 = m->p4;
	w.p6 = m->p6;
	whitelist_foreach(wl, m_walk, &w);
	return w.bad == 0 && w.i == w.n;
}

/* xorshift64*: the same sequence on every platform and libc. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

/*
 * A source from a small space with more networks than the table holds:
 * 10.{0,1}.{0..15}.x and 2001:db8:{0..3}:{0..63}::x, and some addresses
 * whose leading bytes are the same in both families.  Narrow: x and the
 * 4th group in 0..3, for long prefixes.
 */
static struct mxaddr
m_source(uint64_t *s, int narrow)
{
	struct mxaddr	 a;
	uint64_t	 r = rnd(s);
	unsigned int	 low = narrow ? 4 : 256, grp = narrow ? 4 : 64;

	memset(&a, 0, sizeof(a));
	switch (r % 8) {
	case 0:
	case 1:
	case 2:
	case 3:
		a.af = AF_INET;
		a.u.bytes[0] = 10;
		a.u.bytes[1] = (r >> 8) % 2;
		a.u.bytes[2] = (r >> 16) % 16;
		a.u.bytes[3] = (r >> 24) % low;
		break;
	case 4:
	case 5:
	case 6:
		a.af = AF_INET6;
		a.u.bytes[0] = 0x20;
		a.u.bytes[1] = 0x01;
		a.u.bytes[2] = 0x0d;
		a.u.bytes[3] = 0xb8;
		a.u.bytes[5] = (r >> 8) % 4;
		a.u.bytes[7] = (r >> 16) % grp;
		a.u.bytes[15] = (r >> 24) % low;
		break;
	default:
		a.af = (r >> 8) % 2 ? AF_INET : AF_INET6;
		a.u.bytes[0] = 10;
		a.u.bytes[3] = (r >> 16) % 4;
		break;
	}
	return a;
}

static void
t_model(const char *name, size_t max, unsigned int p4, unsigned int p6,
    unsigned long ops, uint64_t seed)
{
	static struct model	 m;
	struct whitelist	*wl = NULL;
	struct mxaddr		 a;
	time_t			 now = 1000, life;
	unsigned long		 i;
	uint64_t		 r, s = seed;
	size_t			 got, want, nfull = 0, nexpired = 0;
	size_t			 nadmit = 0;
	int			 op, deliver, reason;

	memset(&m, 0, sizeof(m));
	m.max = max;
	m.p4 = p4;
	m.p6 = p6;
	REQUIRE((wl = whitelist_new(max, p4, p6)) != NULL, "new");
	for (i = 0; i < ops; i++) {
		r = rnd(&s);
		if (r % 64 == 0)
			now += (r >> 6) % 3;
		life = (r >> 8) % 10 == 0 ? (time_t)((r >> 12) % 40) : 20;
		a = m_source(&s, p4 == 32);
		op = (r >> 20) % 100;
		/*
		 * In every other phase each fake-MX hit is followed by a
		 * delivery, as with real MTAs: the table fills up with
		 * confirmed entries and later adds find it full.
		 */
		deliver = (i / 5000) % 2 == 1;
		if (op < 40) {
			reason = (r >> 28) % WL_NREASONS;
			got = whitelist_add(wl, &a, now, life, reason);
			want = m_add(&m, &a, now, life, reason);
			nfull += want == WL_FULL;
			if (deliver && got == want) {
				got = whitelist_admit(wl, &a, now, life);
				want = m_admit(&m, &a, now, life);
				nadmit += want;
			}
		} else if (op < 70) {
			got = whitelist_admit(wl, &a, now, life);
			want = m_admit(&m, &a, now, life);
			nadmit += want;
		} else if (op < 88) {
			got = whitelist_contains(wl, &a, now);
			want = m_contains(&m, &a, now);
		} else if (op < 95) {
			got = whitelist_delete(wl, &a);
			want = m_delete(&m, &a);
		} else {
			got = whitelist_expire(wl, now);
			want = m_expire(&m, now);
			nexpired += want;
		}
		REQUIRE(got == want, "op %lu (%d): got %zu, model %zu", i, op,
		    got, want);
		REQUIRE(whitelist_count(wl) == m.n, "op %lu: count %zu, model "
		    "%zu", i, whitelist_count(wl), m.n);
		REQUIRE(whitelist_evictions(wl) == m.evictions, "op %lu: "
		    "evictions %zu, model %zu", i, whitelist_evictions(wl),
		    m.evictions);
		if (i % 512 == 0 || i + 1 == ops)
			REQUIRE(m_same_views(&m, wl), "op %lu: foreach differs "
			    "from the model", i);
	}
	/* the run must have reached the interesting states */
	REQUIRE(m.evictions > 0 && nfull > 0 && nexpired > 0 && nadmit > 0,
	    "weak run: evictions %zu full %zu expired %zu admitted %zu",
	    m.evictions, nfull, nexpired, nadmit);
	printf("ok %s: %lu ops, %zu evictions, %zu full, %zu expired, "
	    "%zu admitted\n", name, ops, m.evictions, nfull, nexpired, nadmit);
out:
	whitelist_free(wl);
}

static long
rss_kib(void)
{
	FILE	*f;
	char	 line[256];
	long	 kib = -1;

	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}


static void
t_scale(void)
{
	const char		*name = "scale_1m";
	struct whitelist	*wl = NULL;
	struct mxaddr		 a;
	struct timespec		 t0;
	double			 tadd, tlook, texp;
	long			 rss0, rss1;
	uint32_t		 i;
	size_t			 hits = 0, n;

	memset(&a, 0, sizeof(a));
	a.af = AF_INET;
	rss0 = rss_kib();
	REQUIRE((wl = whitelist_new(SCALE_N, 32, 128)) != NULL, "new");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < SCALE_N; i++) {
		a.u.ip4.s_addr = htonl(0x0a000000 + i * 7);
		REQUIRE(whitelist_add(wl, &a, i / 1000, 3600, WL_FAKE_HIT) ==
		    WL_ADDED, "add %u", i);
	}
	tadd = unit_elapsed(&t0);
	rss1 = rss_kib();
	REQUIRE(whitelist_count(wl) == SCALE_N, "count %zu",
	    whitelist_count(wl));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < SCALE_N; i++) {
		a.u.ip4.s_addr = htonl(0x0a000000 + i * 7);
		hits += whitelist_contains(wl, &a, 1000);
	}
	tlook = unit_elapsed(&t0);
	REQUIRE(hits == SCALE_N, "%zu of %d found", hits, SCALE_N);
	a.u.ip4.s_addr = htonl(0x0a000000 + 3);
	REQUIRE(!whitelist_contains(wl, &a, 1000), "phantom");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	n = whitelist_expire(wl, 3600 + SCALE_N / 1000);
	texp = unit_elapsed(&t0);
	REQUIRE(n == SCALE_N && whitelist_count(wl) == 0, "expired %zu, "
	    "%zu left", n, whitelist_count(wl));
	REQUIRE(rss0 > 0 && rss1 > 0, "no VmRSS in /proc/self/status");
	REQUIRE(rss1 - rss0 < RSS_LIMIT_MIB * 1024L, "RSS grew by %.1f MiB",
	    (rss1 - rss0) / 1024.0);
	printf("ok %s: add %.3f s, lookup %.3f s, expire %.3f s, "
	    "RSS +%.1f MiB (%.1f bytes/entry)\n", name, tadd, tlook, texp,
	    (rss1 - rss0) / 1024.0, (rss1 - rss0) * 1024.0 / SCALE_N);
out:
	whitelist_free(wl);
}

int
main(void)
{
	alarm(300);		/* watchdog: a hang must not stall the suite */
	setvbuf(stdout, NULL, _IOLBF, 0);

	t_new_args();
	t_basic("add_admit_contains_v4", "192.0.2.1", "192.0.2.2");
	t_basic("add_admit_contains_v6", "2001:db8::1", "2001:db8::2");
	t_af_key();
	t_prefix("prefix4_24", 24, 64, "203.0.113.5", "203.0.113.77",
	    "203.0.114.5", "203.0.113.0", 24);
	t_prefix("prefix6_64", 24, 64, "2001:db8:1:2::5",
	    "2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:3::5",
	    "2001:db8:1:2::", 64);
	t_prefix("prefix4_23_bits", 23, 64, "203.0.112.9", "203.0.113.200",
	    "203.0.114.1", "203.0.112.0", 23);
	t_prefix("prefix6_61_bits", 24, 61, "2001:db8:0:18::1",
	    "2001:db8:0:1f:1::", "2001:db8:0:20::1", "2001:db8:0:18::", 61);
	t_prefix("prefix4_0", 0, 64, "192.0.2.1", "255.255.255.255", NULL,
	    "0.0.0.0", 0);
	t_prefix("prefix6_0", 24, 0, "2001:db8::1", "ffff::ffff", NULL,
	    "::", 0);
	t_prefix("prefix4_32", 32, 64, "192.0.2.1", "192.0.2.1",
	    "192.0.2.0", "192.0.2.1", 32);
	t_prefix("prefix6_128", 24, 128, "2001:db8::1", "2001:db8::1",
	    "2001:db8::", "2001:db8::1", 128);
	t_v4_padding();
	t_expiry_exact();
	t_refresh();
	t_admit_confirms();
	t_expire_order();
	t_manual_order();
	t_evict();
	t_full();
	t_delete();
	t_foreach();
	t_model("model_26_60", 64, 26, 60, 200000, 0x6d78616c6c6f7764ULL);
	t_model("model_32_128", 16, 32, 128, 100000, 0x2545f4914f6cdd1dULL);
	t_scale();
	return unit_exit_status();
}
