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
 * Checks that the parent and the resolver share on what an SPF walk
 * brings: host names, and the bounds on networks.  See spfcheck.c.
 */

#ifndef SPFCHECK_H
#define SPFCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "mxallowd.h"

/* What the networks of one SPF walk add up to, for spf_bounds_add(). */
struct spf_bounds {
	size_t		nnets;
	uint64_t	addrs4;		/* IPv4 addresses covered */
	uint64_t	nets64;		/* IPv6 /64 networks covered */
};

int		 dns_name_valid(const char *);
int		 dns_name_normalize(const char *, size_t, char *);
void		 spf_mask(struct mxaddr *, unsigned int);
int		 spf_bounds_add(struct spf_bounds *, const struct mxaddr *,
		    unsigned int, const char **);
const char	*spf_mech_name(unsigned int);
int		 spf_mech_parse(const char *);

#endif /* SPFCHECK_H */
