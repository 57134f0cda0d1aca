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
 * What a connection attempt means, whichever backend saw it: a SYN to a
 * fake address whitelists its source (and asks the resolver about it); a
 * SYN to a real address is admitted, and its entry refreshed, only when the
 * source is whitelisted.  The whitelist, its expiry and the statistics at
 * exit live here; the backends turn the answers into verdicts (nfqueue) or
 * into the contents of a pf table (pf).
 *
 * Observers (policy_add_observer) hear of each entry added, extended or
 * confirmed, deleted, and of a flush, with who made the change: this host,
 * or a peer through the shared whitelist (parent/peers.c), so that what a
 * peer sent is never sent back.  Expiry and eviction are not reported per
 * entry: every host expires its own.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <event.h>
#include <stdlib.h>
#include <time.h>

#include "allowlist.h"
#include "config.h"
#include "control.h"
#include "log.h"
#include "parent.h"
#include "spf.h"
#include "state.h"

static const struct mxallowd_conf	*conf;
static struct whitelist			*wl;
static const struct allowlist		*allowlist;	/* NULL: none */
static struct event			 expire_ev;
static void				(*changed)(void);
static wl_observer			 observer;
static void				(*allowlist_observer)(void);
static void				*observer_arg;
static policy_observer			*observers[POLICY_OBSERVERS_MAX];
static size_t				 nobservers;

time_t
policy_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void
whitelist_changed(void)
{
	state_changed();
	if (changed != NULL)
		changed();
}

static void
policy_expire(int fd, short event, void *arg)
{
	struct timeval	one_second = { 1, 0 };
	size_t		n;

	if ((n = whitelist_expire(wl, policy_now())) > 0) {
		log_debug("%zu whitelist entries expired", n);
		whitelist_changed();
	}
	evtimer_add(&expire_ev, &one_second);
}

/*
 * "WHAT SRC: connection to KIND DST" with -v.  Checked here, not left to
 * log_debug(): formatting two addresses costs more than deciding the SYN.
 */
static void
log_syn(const char *what, const struct pkt_info *syn, const char *kind)
{
	char	src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];

	if (log_getverbose() == 0)
		return;
	log_debug("%s %s: connection to %s %s", what,
	    mxaddr_ntop(&syn->src, src, sizeof(src)), kind,
	    mxaddr_ntop(&syn->dst, dst, sizeof(dst)));
}

void
policy_add_observer(policy_observer *fn)
{
	if (nobservers == nitems(observers))
		fatalx("policy: more than %zu observers", nitems(observers));
	observers[nobservers++] = fn;
}

/* a's live entry into v: 1, or 0 if none. */
static int
live_entry(const struct mxaddr *a, struct wl_view *v)
{
	return whitelist_get(wl, a, v) && v->expires > policy_now();
}

/* a's entry before a change, when someone will want to compare: 1 if any. */
static int
entry_before(const struct mxaddr *a, struct wl_view *v)
{
	return nobservers > 0 && live_entry(a, v);
}

static void
notify(enum policy_change what, const struct wl_view *before,
    const struct wl_view *after, enum policy_origin origin)
{
	size_t	i;

	for (i = 0; i < nobservers; i++)
		observers[i](what, before, after, origin);
}

/* After a's entry was added or extended: what changed, if anything. */
static void
notify_entry(const struct mxaddr *a, int had, const struct wl_view *before,
    enum policy_origin origin)
{
	struct wl_view	after;

	if (nobservers == 0 || !live_entry(a, &after))
		return;
	if (!had)
		notify(POLICY_ADDED, NULL, &after, origin);
	else if (after.expires != before->expires ||
	    after.confirmed != before->confirmed)
		notify(POLICY_REFRESHED, before, &after, origin);
}

/*
 * Add a or extend its entry to lifetime seconds from now, and confirm it
 * if asked; the observers hear what changed.
 */
static enum wl_add_result
policy_add(const struct mxaddr *a, time_t lifetime, enum wl_reason reason,
    int confirm, enum policy_origin origin)
{
	struct wl_view		before;
	enum wl_add_result	r;
	time_t			now = policy_now();
	int			had;

	had = entry_before(a, &before);
	if ((r = whitelist_add(wl, a, now, lifetime, reason)) == WL_FULL)
		return r;
	if (confirm)
		whitelist_admit(wl, a, now, lifetime);
	notify_entry(a, had, &before, origin);
	return r;
}

/* A SYN to a fake address. */
void
policy_fake_hit(const struct pkt_info *syn)
{
	stats.fake_hits++;
	if (!policy_whitelist(&syn->src, WL_FAKE_HIT))
		return;
	stats.whitelisted++;
	log_syn("whitelisted", syn, "fake");
	rdns_lookup(&syn->src);
}

/* Refresh the source's entry if it has one: 1 if it is whitelisted. */
int
policy_refresh(const struct mxaddr *src)
{
	struct wl_view	before;
	int		had;

	had = entry_before(src, &before);
	if (!whitelist_admit(wl, src, policy_now(), conf->whitelist_time))
		return 0;
	state_changed();	/* a later expiry, maybe confirmed: keep it */
	notify_entry(src, had, &before, POLICY_LOCAL);
	return 1;
}

/* A SYN to a real address that was not let through. */
void
policy_blocked(const struct pkt_info *syn)
{
	stats.blocked++;
	log_syn("blocked", syn, "real");
}

/* A SYN to a real address, ours to decide: 1 to let it through. */
int
policy_real(const struct pkt_info *syn)
{
	if (policy_refresh(&syn->src)) {
		stats.admitted++;
		return 1;
	}
	if (policy_allowed(&syn->src)) {
		stats.admitted++;
		stats.allowlisted++;
		return 1;
	}
	policy_blocked(syn);
	return 0;
}

/* Whitelist a, or refresh its entry: 1 if the entry is new. */
int
policy_whitelist(const struct mxaddr *a, enum wl_reason reason)
{
	switch (policy_add(a, conf->whitelist_time, reason, 0, POLICY_LOCAL)) {
	case WL_ADDED:
		whitelist_changed();
		return 1;
	case WL_REFRESHED:
		break;
	case WL_FULL:
		stats.whitelist_full++;
		break;
	}
	return 0;
}

/* An administrator's entry (mxallowctl add) for seconds. */
int
policy_add_manual(const struct mxaddr *a, time_t seconds)
{
	switch (policy_add(a, seconds, WL_MANUAL, 0, POLICY_LOCAL)) {
	case WL_ADDED:
	case WL_REFRESHED:
		whitelist_changed();
		return 0;
	case WL_FULL:
		stats.whitelist_full++;
		break;
	}
	return -1;
}

/*
 * An entry as a state file kept it: remaining seconds from now, why it was
 * added, and whether the source had been admitted at a real MX.
 */
void
policy_restore(const struct mxaddr *a, time_t remaining,
    enum wl_reason reason, int confirmed)
{
	if (remaining <= 0 ||
	    policy_add(a, remaining, reason, confirmed, POLICY_LOCAL) ==
	    WL_FULL)
		return;
	whitelist_changed();
}

/*
 * A peer's entry (parent/peers.c): remaining seconds from now, already
 * cut to whitelist-time.  Merged like any other: the later expiry wins,
 * confirmed stays.  A full whitelist makes room as for a fake hit, from
 * unconfirmed entries only.  0, or -1 if there was no room.
 */
int
policy_peer_set(const struct mxaddr *a, time_t remaining,
    enum wl_reason reason, int confirmed)
{
	switch (policy_add(a, remaining, reason, confirmed, POLICY_PEER)) {
	case WL_ADDED:
		whitelist_changed();
		break;
	case WL_REFRESHED:
		state_changed();
		break;
	case WL_FULL:
		stats.whitelist_full++;
		return -1;
	}
	return 0;
}

static int
policy_delete_from(const struct mxaddr *a, enum policy_origin origin)
{
	struct wl_view	before;
	int		had;

	had = entry_before(a, &before);
	if (!whitelist_delete(wl, a))
		return 0;
	if (had)
		notify(POLICY_DELETED, &before, NULL, origin);
	whitelist_changed();
	return 1;
}

/* mxallowctl delete: 1 if there was an entry. */
int
policy_delete(const struct mxaddr *a)
{
	return policy_delete_from(a, POLICY_LOCAL);
}

/* A peer deleted a network: 1 if this host had it. */
int
policy_peer_delete(const struct mxaddr *a)
{
	return policy_delete_from(a, POLICY_PEER);
}

static size_t
policy_flush_from(enum policy_origin origin)
{
	size_t	n;

	n = whitelist_count(wl);
	whitelist_free(wl);
	if ((wl = whitelist_new(conf->max_entries, conf->whitelist_prefix4,
	    conf->whitelist_prefix6)) == NULL)
		fatal("whitelist");
	whitelist_observe(wl, observer, observer_arg);
	if (observer != NULL)
		observer(NULL, WL_CH_REMOVE, observer_arg);
	notify(POLICY_FLUSHED, NULL, NULL, origin);
	whitelist_changed();
	return n;
}

/* mxallowctl flush: returns how many entries were removed. */
size_t
policy_flush(void)
{
	return policy_flush_from(POLICY_LOCAL);
}

/* A peer flushed: the same here. */
size_t
policy_peer_flush(void)
{
	return policy_flush_from(POLICY_PEER);
}

/*
 * cb hears of every change of every entry, and of a flush as a removal of
 * NULL: for a backend that mirrors the whitelist entry by entry.
 */
void
policy_observe(wl_observer cb, void *arg)
{
	observer = cb;
	observer_arg = arg;
	whitelist_observe(wl, cb, arg);
}

/* The entry of a's network, live or not yet collected: 1 and *v, or 0. */
int
policy_get(const struct mxaddr *a, struct wl_view *v)
{
	return whitelist_get(wl, a, v);
}

/*
 * The networks always admitted: the allowlist file's (or NULL; kept by
 * main) and those of the SPF walks (spf.c), which leaves out what the
 * file has already, so that no network is counted or mirrored twice.
 */
void
policy_set_allowlist(const struct allowlist *al)
{
	allowlist = al;
	spf_exclude(al);
}

/* Whether src is in a network of the allowlist (file or SPF walks). */
int
policy_allowed(const struct mxaddr *src)
{
	return allowlist_contains(allowlist, src) || spf_contains(src);
}

size_t
policy_count_allowed(void)
{
	return allowlist_count(allowlist) + spf_count();
}

/* The allowlist's networks, for a backend that mirrors the whitelist. */
void
policy_foreach_allowed(void (*cb)(const struct mxaddr *, unsigned int,
    void *), void *arg)
{
	allowlist_foreach(allowlist, cb, arg);
	spf_foreach(cb, arg);
}

/* The allowlist file's networks alone, for mxallowctl show allowlist. */
void
policy_foreach_allowlist_file(void (*cb)(const struct mxaddr *, unsigned int,
    void *), void *arg)
{
	allowlist_foreach(allowlist, cb, arg);
}

/* The SPF walks changed the allowlist: save it, and mirror it. */
void
policy_allowlist_changed(void)
{
	whitelist_changed();
	if (allowlist_observer != NULL)
		allowlist_observer();
}

/* cb hears when the allowed networks change (nftables: allow4/6). */
void
policy_observe_allowlist(void (*cb)(void))
{
	allowlist_observer = cb;
}

/* Every live entry, for a backend that mirrors the whitelist. */
void
policy_foreach(void (*cb)(const struct wl_view *, void *), void *arg)
{
	whitelist_expire(wl, policy_now());
	whitelist_foreach(wl, cb, arg);
}

/* How many entries there are (the expiry timer removes the old within 1 s). */
size_t
policy_count(void)
{
	return whitelist_count(wl);
}

void
policy_log_stats(void)
{
	char	line[CTL_STATS_MAX];

	if (wl == NULL)
		return;
	stats_format(line, sizeof(line), whitelist_count(wl),
	    whitelist_evictions(wl));
	log_info("statistics: %s", line);
}

/* The statistics line, for mxallowctl show stats. */
void
policy_format_stats(char *buf, size_t len)
{
	stats_format(buf, len, whitelist_count(wl), whitelist_evictions(wl));
}

/* cb runs whenever entries are added or removed. */
void
policy_start(const struct mxallowd_conf *c, void (*cb)(void))
{
	conf = c;
	changed = cb;
	wl = whitelist_new(conf->max_entries, conf->whitelist_prefix4,
	    conf->whitelist_prefix6);
	if (wl == NULL)
		fatal("whitelist");
	evtimer_set(&expire_ev, policy_expire, NULL);
	policy_expire(0, 0, NULL);
	atexit(policy_log_stats);
}
