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
 * The pf table the parent keeps equal to the whitelist (pf backend).
 */

#ifndef PFTABLE_H
#define PFTABLE_H

#include <stddef.h>

#include "mxallowd.h"

/* One network of the table. */
struct pftable_entry {
	struct mxaddr	net;		/* AF_INET or AF_INET6, this system's */
	unsigned int	prefixlen;	/* 0-32 or 0-128 */
};

/*
 * pftable_open: open /dev/pf and check that the table exists and may be
 * changed.  Call it before pledge(2).  0, or -1 with the reason logged.
 * pftable_set: make the table hold exactly these networks, in one ioctl.
 * 0, or -1 with the reason logged; the table layer stays usable.
 * pftable_counts: what the last successful pftable_set changed.
 * pftable_size: the entries in the table now, or -1.
 */
int	pftable_open(const char *);
int	pftable_set(const struct pftable_entry *, size_t);
void	pftable_counts(int *, int *, int *);
int	pftable_size(void);
void	pftable_close(void);

/* For regress/unit/pftable_test.c: replace ioctl(2) and /dev/pf. */
void	pftable_set_ioctl(int (*)(int, unsigned long, void *));
void	pftable_set_device(const char *);

#endif /* PFTABLE_H */
