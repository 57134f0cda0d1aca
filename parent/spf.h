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
 * The SPF-walked allowlist, the parent's side; see spf.c.
 */

#ifndef SPF_H
#define SPF_H

#include <imsg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "mxallowd.h"

struct allowlist;

/* A network of a walk; record indexes the walk's records. */
struct spf_saved_net {
	struct mxaddr	net;
	uint8_t		prefixlen;
	uint8_t		mech;		/* enum spf_mech */
	uint16_t	record;
};

/* One domain's last good walk: what the state file and mxallowctl see. */
struct spf_saved {
	const char			 *domain;
	time_t				  walked;	/* wall clock */
	uint32_t			  ttl;
	size_t				  nnets;
	const struct spf_saved_net	 *nets;
	size_t				  nrecords;
	const char			(*records)[RDNS_NAME_MAX];
};

void	spf_configure(const struct mxallowd_conf *);
void	spf_start(void);
void	spf_nets(struct imsg *);
void	spf_done(struct imsg *);
void	spf_exclude(const struct allowlist *);
int	spf_contains(const struct mxaddr *);
size_t	spf_count(void);
void	spf_foreach(void (*)(const struct mxaddr *, unsigned int, void *),
	    void *);
void	spf_foreach_saved(void (*)(const struct spf_saved *, void *), void *);
int	spf_restore(const struct spf_saved *);

#endif /* SPF_H */
