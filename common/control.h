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
 * The control protocol between mxallowctl and the parent, over the control
 * socket (a unix stream socket, mode 0600).  Each connection is an imsg
 * channel: the client sends requests, the parent answers each in order.
 *
 *   request		payload			answer
 *   CTL_SHOW_WHITELIST	none			CTL_WL_ENTRIES..., CTL_END
 *   CTL_SHOW_STATS	none			CTL_STATS
 *   CTL_ADD		struct ctl_add		CTL_OK or CTL_ERROR
 *   CTL_DELETE		struct ctl_addr		CTL_OK or CTL_ERROR
 *   CTL_FLUSH		none			CTL_OK
 *   CTL_RELOAD		none			CTL_OK or CTL_ERROR
 *   CTL_LOG_VERBOSE	struct ctl_log		CTL_OK
 *   CTL_SHOW_ALLOWLIST	none			CTL_AL_NAME..., CTL_AL_ENTRIES...,
 *						CTL_END
 *
 * Any request may instead be answered with CTL_ERROR (a bad request, or the
 * parent is busy).  Every payload is a fixed-size struct checked for its
 * exact size, except CTL_WL_ENTRIES and CTL_AL_ENTRIES: a whole number of
 * entries, 1 to CTL_WL_BATCH or CTL_AL_BATCH.  Strings are NUL-terminated within their array.  Both ends
 * are built from one tree and run on one host: host byte order throughout.
 */

#ifndef CONTROL_H
#define CONTROL_H

#include <stdint.h>

#include "mxallowd.h"

#define CTL_ADDR_MAX	64	/* an address as text, NUL included */
#define CTL_TEXT_MAX	256	/* an answer for the user, NUL included */
#define CTL_STATS_MAX	2048	/* the statistics line, NUL included */
#define CTL_WL_BATCH	256	/* entries per CTL_WL_ENTRIES message */
#define CTL_AL_BATCH	256	/* entries per CTL_AL_ENTRIES message */
#define CTL_NAME_MAX	256	/* a name of an allowlist listing, NUL included */
#define CTL_AL_NAMES_MAX 4096	/* names in one listing */

enum ctl_type {
	/* requests: mxallowctl -> parent */
	CTL_SHOW_WHITELIST = 1,
	CTL_SHOW_STATS,
	CTL_ADD,
	CTL_DELETE,
	CTL_FLUSH,
	CTL_RELOAD,
	CTL_LOG_VERBOSE,
	CTL_SHOW_ALLOWLIST,
	/* answers: parent -> mxallowctl */
	CTL_OK = 100,		/* struct ctl_text: what was done */
	CTL_ERROR,		/* struct ctl_text: why it was not */
	CTL_WL_ENTRIES,		/* struct ctl_wl_entry[1..CTL_WL_BATCH] */
	CTL_STATS,		/* struct ctl_stats */
	CTL_END,		/* none: the listing is complete */
	CTL_AL_NAME,		/* struct ctl_al_name */
	CTL_AL_ENTRIES		/* struct ctl_al_entry[1..CTL_AL_BATCH] */
};

/* add ADDRESS [SECONDS] */
struct ctl_add {
	char		addr[CTL_ADDR_MAX];
	uint32_t	seconds;		/* 0: the configured whitelist-time */
};

/* delete ADDRESS */
struct ctl_addr {
	char		addr[CTL_ADDR_MAX];
};

/* log verbose | log brief */
struct ctl_log {
	int32_t		verbose;		/* 1 or 0 */
};

struct ctl_text {
	char		text[CTL_TEXT_MAX];
};

struct ctl_stats {
	char		line[CTL_STATS_MAX];	/* name=value ... */
};

/* Why an entry is listed; mxallowctl prints the name. */
enum ctl_reason {
	CTL_REASON_FAKE_HIT = 1,	/* "fake-hit" */
	CTL_REASON_RDNS,		/* "rdns" */
	CTL_REASON_MANUAL,		/* "manual" */
	CTL_REASON_ALLOWLIST		/* "allowlist" */
};

#define CTL_EXPIRES_NEVER	(-1)	/* an allowlist network */
#define CTL_CONFIRMED_NA	2	/* confirmed does not apply (allowlist) */

struct ctl_wl_entry {
	struct mxaddr	net;		/* masked to prefixlen */
	uint32_t	prefixlen;
	uint32_t	reason;		/* enum ctl_reason */
	uint32_t	confirmed;	/* 1: admitted at a real MX; 0; or NA */
	int64_t		expires;	/* seconds from now, or EXPIRES_NEVER */
};

/*
 * show allowlist: the names the entries refer to come first, each once;
 * ids run from 1, 0 meaning none.
 */
struct ctl_al_name {
	uint32_t	id;
	char		name[CTL_NAME_MAX];
};

/* Where an allowlist network comes from. */
enum ctl_origin {
	CTL_ORIGIN_FILE = 1,		/* "file": the allowlist file */
	CTL_ORIGIN_SPF			/* "spf": an allowlist-spf walk */
};

struct ctl_al_entry {
	struct mxaddr	net;		/* masked to prefixlen */
	uint32_t	prefixlen;
	uint32_t	origin;		/* enum ctl_origin */
	uint32_t	source;		/* name id: the file, or the domain */
	uint32_t	record;		/* name id: the SPF record; 0 */
	uint32_t	mech;		/* enum spf_mech; 0 for the file */
	uint32_t	pad;
	int64_t		age;		/* seconds since the walk; -1 */
};

#endif /* CONTROL_H */
