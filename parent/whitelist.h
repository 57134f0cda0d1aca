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

#ifndef WHITELIST_H
#define WHITELIST_H

#include <stddef.h>
#include <time.h>

#include "mxallowd.h"

/* Why an entry is on the whitelist. */
enum wl_reason {
	WL_FAKE_HIT,		/* touched a fake MX */
	WL_RDNS,		/* a forward-confirmed sibling of one that did */
	WL_MANUAL,		/* added by the administrator */
	WL_NREASONS
};

enum wl_add_result {
	WL_ADDED,
	WL_REFRESHED,
	WL_FULL			/* full of confirmed entries: not added */
};

/* What happened to an entry, for an observer (whitelist_observe). */
enum wl_change {
	WL_CH_ADD,		/* a new entry */
	WL_CH_REFRESH,		/* a later expiry, not by an admission */
	WL_CH_CONFIRM,		/* admitted at a real MX for the first time */
	WL_CH_REMOVE,		/* deleted or evicted */
	WL_CH_EXPIRE		/* past its expiry, collected */
};

typedef void (*wl_observer)(const struct mxaddr *, enum wl_change, void *);

struct whitelist;

/* One entry, as the iterator shows it. */
struct wl_view {
	struct mxaddr	net;		/* masked to the prefix */
	unsigned int	prefixlen;
	time_t		expires;
	enum wl_reason	reason;
	int		confirmed;	/* admitted at a real MX at least once */
};

struct whitelist	*whitelist_new(size_t, unsigned int, unsigned int);
void			 whitelist_free(struct whitelist *);
enum wl_add_result	 whitelist_add(struct whitelist *, const struct mxaddr *,
			    time_t, time_t, enum wl_reason);
int			 whitelist_admit(struct whitelist *, const struct mxaddr *,
			    time_t, time_t);
int			 whitelist_contains(struct whitelist *,
			    const struct mxaddr *, time_t);
int			 whitelist_delete(struct whitelist *,
			    const struct mxaddr *);
size_t			 whitelist_expire(struct whitelist *, time_t);
size_t			 whitelist_count(const struct whitelist *);
size_t			 whitelist_evictions(const struct whitelist *);
void			 whitelist_foreach(struct whitelist *,
			    void (*)(const struct wl_view *, void *), void *);
void			 whitelist_observe(struct whitelist *, wl_observer,
			    void *);
int			 whitelist_get(struct whitelist *,
			    const struct mxaddr *, struct wl_view *);

#endif /* WHITELIST_H */
