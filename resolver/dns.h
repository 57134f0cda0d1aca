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
 * DNS queries for the resolver process, on c-ares, driven from the
 * libevent loop; see dns.c.
 */

#ifndef RESOLVER_DNS_H
#define RESOLVER_DNS_H

#include <stdint.h>

#include "mxallowd.h"

/* Record types asked for (RFC 1035, 3596). */
#define DNS_T_A		1
#define DNS_T_PTR	12
#define DNS_T_MX	15
#define DNS_T_TXT	16
#define DNS_T_AAAA	28

/* How a query ended. */
enum dns_result {
	DNS_OK,			/* an answer with records of the type */
	DNS_NXDOMAIN,		/* the name does not exist */
	DNS_NODATA,		/* it exists, without records of the type */
	DNS_FAILED,		/* timeout, server failure: nothing known */
	DNS_CANCELLED		/* the nameservers changed under it */
};

/*
 * The answer, raw (abuf, alen: only with DNS_OK, else NULL and 0) and
 * valid during the call only; the smallest TTL of its records of the
 * type asked for.
 */
typedef void	(*dns_cb)(enum dns_result, const unsigned char *, int,
		    uint32_t, void *);

void		 dns_init(void);
unsigned int	 dns_set_servers(const struct mxaddr *, unsigned int);
unsigned int	 dns_nservers(void);
void		 dns_query(const char *, int, dns_cb, void *);
int		 dns_reverse_name(const struct mxaddr *, char *, size_t);
const char	*dns_result_str(enum dns_result);

#endif /* RESOLVER_DNS_H */
