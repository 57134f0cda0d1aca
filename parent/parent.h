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

#ifndef PARENT_H
#define PARENT_H

#include <sys/time.h>

#include <imsg.h>
#include <stdio.h>
#include <stdint.h>
#include <time.h>

#include "compat.h"
#include "mxallowd.h"
#include "whitelist.h"

/* Counters; see stats_log() for their names. */
struct stats {
	unsigned long long	fake_hits;		/* SYNs to a fake address */
	unsigned long long	whitelisted;		/* new entries from them */
	unsigned long long	whitelist_full;		/* could not be added */
	unsigned long long	admitted;		/* SYNs let through to real */
	unsigned long long	allowlisted;		/* of them, by the allowlist */
	unsigned long long	blocked;		/* SYNs dropped at real */
	unsigned long long	other;			/* accepted, not ours */
	unsigned long long	malformed;		/* dropped, undecodable */
	unsigned long long	cut;			/* dropped, copy too short */
	unsigned long long	resets;			/* resets sent */
	unsigned long long	reset_errors;
	unsigned long long	queue_enobufs;		/* netlink overruns */
	unsigned long long	queue_errors;		/* error answers */
	unsigned long long	queue_bad_messages;
	unsigned long long	verdict_errors;
	unsigned long long	pending_overflow;
	unsigned long long	rdns_lookups;		/* questions to the resolver */
	unsigned long long	rdns_confirmed;		/* forward-confirmed names */
	unsigned long long	rdns_unconfirmed;	/* no name, or not back */
	unsigned long long	rdns_capped;		/* more siblings than allowed */
	unsigned long long	rdns_failed;		/* timeouts, errors, too busy */
	unsigned long long	rdns_open;		/* questions not answered yet */
	unsigned long long	rdns_inflight_peak;	/* the resolver's most at once */
	unsigned long long	pf_pushes;		/* table set */
	unsigned long long	pf_errors;		/* table set failed */
	unsigned long long	nft_commits;		/* transactions */
	unsigned long long	nft_errors;		/* of them, refused */
	unsigned long long	nft_repairs;		/* drift found and undone */
	unsigned long long	nflog_records;		/* capture read */
	unsigned long long	nflog_logged;		/* the kernel logged */
	unsigned long long	nflog_enobufs;		/* capture's socket overran */
};
extern struct stats	stats;

/* children.c */
void	children_start(const struct mxallowd_conf *, const char *,
	    char *const [], int);
void	children_reap(void);
void	children_log_status(void);
__dead void children_shutdown(int);
void	children_reconfigure(const struct mxallowd_conf *);
void	children_log_verbose(int);
void	parent_compose_capture(uint32_t, const void *, size_t);
void	parent_compose_resolver(uint32_t, const void *, size_t);
void	parent_compose_sync(uint32_t, const void *, size_t);
size_t	children_sync_queuelen(void);

/* control.c */
void	control_init(const char *);
void	control_listen(const struct mxallowd_conf *);

/* nfqueue.c (Linux) */
typedef void	(*nfqueue_packet_cb)(uint32_t, const uint8_t *, size_t);
int	nfqueue_open(const struct mxallowd_conf *, nfqueue_packet_cb);
void	nfqueue_read(void);
void	nfqueue_verdict(uint32_t, int);
void	nfqueue_flush(void);
int	nfqueue_kernel_drops(unsigned long long *, unsigned long long *);

/* tcpreset.c */
void	tcpreset_open(void);
void	tcpreset_send(const struct pkt_info *);

/* policy.c */
#define POLICY_OBSERVERS_MAX	4

/* What an observer hears of the whitelist: a change, and who made it. */
enum policy_change {
	POLICY_ADDED,		/* after */
	POLICY_REFRESHED,	/* before -> after: later expiry, or confirmed */
	POLICY_DELETED,		/* before */
	POLICY_FLUSHED		/* neither */
};
enum policy_origin {
	POLICY_LOCAL,		/* this host: packets, mxallowctl, state file */
	POLICY_PEER		/* another host, through the shared whitelist */
};
typedef void policy_observer(enum policy_change, const struct wl_view *,
    const struct wl_view *, enum policy_origin);

void	policy_add_observer(policy_observer *);
int	policy_peer_set(const struct mxaddr *, time_t, enum wl_reason, int);
int	policy_peer_delete(const struct mxaddr *);
size_t	policy_peer_flush(void);
void	policy_start(const struct mxallowd_conf *, void (*)(void));
time_t	policy_now(void);
void	policy_fake_hit(const struct pkt_info *);
int	policy_real(const struct pkt_info *);
int	policy_refresh(const struct mxaddr *);
void	policy_blocked(const struct pkt_info *);
int	policy_whitelist(const struct mxaddr *, enum wl_reason);
void	policy_foreach(void (*)(const struct wl_view *, void *), void *);
void	policy_log_stats(void);
void	policy_format_stats(char *, size_t);
int	policy_add_manual(const struct mxaddr *, time_t);
void	policy_restore(const struct mxaddr *, time_t, enum wl_reason, int);
int	policy_delete(const struct mxaddr *);
size_t	policy_flush(void);
struct allowlist;
void	policy_set_allowlist(const struct allowlist *);
int	policy_allowed(const struct mxaddr *);
size_t	policy_count_allowed(void);
void	policy_allowlist_changed(void);
void	policy_foreach_allowlist_file(void (*)(const struct mxaddr *,
	    unsigned int, void *), void *);
void	policy_foreach_allowed(void (*)(const struct mxaddr *, unsigned int,
	    void *), void *);
size_t	policy_count(void);
void	policy_observe(wl_observer, void *);
void	policy_observe_allowlist(void (*)(void));
int	policy_get(const struct mxaddr *, struct wl_view *);

/* verdict.c (nfqueue backend) */
void	verdict_open(const struct mxallowd_conf *);
void	verdict_start(void);
void	verdict_results(struct imsg *);

/* pf.c (pf backend) */
int	pf_open(const struct mxallowd_conf *);
void	pf_start(void);
void	pf_changed(void);
void	pf_events(struct imsg *);
void	pf_eof(struct imsg *);
void	pf_set_intervals(const struct timeval *, const struct timeval *);

/* nftsync.c (nftables backend, Linux) */
struct allowlist;
void	nftsync_open(const struct mxallowd_conf *);
void	nftsync_start(void);
void	nftsync_reload(const struct mxallowd_conf *);
void	nftsync_events(struct imsg *);
void	nftsync_capture_stats(struct imsg *);
void	nftsync_stats(void);
void	nftsync_print(FILE *, const struct mxallowd_conf *,
	    const struct allowlist *);

/* rdns.c */
void	rdns_start(const struct mxallowd_conf *);
void	rdns_lookup(const struct mxaddr *);
void	rdns_answer(struct imsg *);
void	rdns_reconfigure(const struct mxallowd_conf *);

/* peers.c (the shared whitelist, with the sync process) */
void	peers_init(const struct mxallowd_conf *);
int	peers_password_check(const struct mxallowd_conf *);
void	peers_start(const struct mxallowd_conf *);
void	peers_peer(struct imsg *);
void	peers_peer_flush(struct imsg *);
void	peers_status(struct imsg *);
void	peers_dump(struct imsg *);
void	peers_dump_more(struct imsg *);
void	peers_format_stats(char *, size_t);

/* resolvconf.c */
#define RESOLV_CONF	"/etc/resolv.conf"
unsigned int	resolvconf_nameservers(const char *, struct mxaddr *,
		    unsigned int);

/* mxallowd.c */
int	parent_reload(void);

/* preflight.c */
int	preflight(const struct mxallowd_conf *);

/* rootdir.c */
struct stat;
void	path_dir(const char *, char *, size_t);
int	root_directory_check(const char *, const char *, struct stat *);
void	root_directory(const char *, mode_t, const char *, struct stat *);

/* stats.c */
void	stats_format(char *, size_t, size_t, size_t);

#endif /* PARENT_H */
