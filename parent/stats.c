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
 * The daemon's counters, logged on SIGUSR1 and at exit (and shown by
 * mxallowctl) as one line of name=value pairs, so that both people and
 * scripts can read them.
 */

#include <sys/types.h>

#include <stdio.h>

#include "log.h"
#include "parent.h"

struct stats	stats;

/* The counters as name=value pairs, one line, always in this order. */
void
stats_format(char *buf, size_t len, size_t entries, size_t evicted)
{
	unsigned long long	qdrop = 0, udrop = 0;
	int			n;

#ifdef __linux__
	nfqueue_kernel_drops(&qdrop, &udrop);
	nftsync_stats();
#endif
	n = snprintf(buf, len, "fake-hits=%llu whitelisted=%llu admitted=%llu "
	    "allowlisted=%llu blocked=%llu other=%llu malformed=%llu cut=%llu "
	    "resets=%llu "
	    "reset-errors=%llu entries=%zu evicted=%zu whitelist-full=%llu "
	    "enobufs=%llu queue-dropped=%llu user-dropped=%llu "
	    "overflow=%llu rdns-lookups=%llu rdns-confirmed=%llu "
	    "rdns-unconfirmed=%llu rdns-capped=%llu rdns-failed=%llu "
	    "rdns-open=%llu rdns-inflight-peak=%llu "
	    "pf-pushes=%llu pf-errors=%llu nft-commits=%llu nft-errors=%llu "
	    "nft-repairs=%llu nflog-records=%llu nflog-lost=%llu "
	    "nflog-enobufs=%llu",
	    stats.fake_hits, stats.whitelisted,
	    stats.admitted, stats.allowlisted, stats.blocked, stats.other, stats.malformed,
	    stats.cut, stats.resets, stats.reset_errors, entries, evicted,
	    stats.whitelist_full, stats.queue_enobufs, qdrop, udrop,
	    stats.pending_overflow, stats.rdns_lookups, stats.rdns_confirmed,
	    stats.rdns_unconfirmed, stats.rdns_capped, stats.rdns_failed,
	    stats.rdns_open, stats.rdns_inflight_peak,
	    stats.pf_pushes, stats.pf_errors, stats.nft_commits,
	    stats.nft_errors, stats.nft_repairs, stats.nflog_records,
	    stats.nflog_logged > stats.nflog_records ?
	    stats.nflog_logged - stats.nflog_records : 0,
	    stats.nflog_enobufs);
	/* The shared whitelist's, when there is one. */
	if (n > 0 && (size_t)n < len)
		peers_format_stats(buf + n, len - n);
}
