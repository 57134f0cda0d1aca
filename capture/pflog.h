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

#ifndef PFLOG_H
#define PFLOG_H

#include <stddef.h>
#include <stdint.h>

#include "mxallowd.h"

/*
 * OpenBSD's struct pfloghdr, read by offset rather than through the
 * struct: records come from OpenBSD whatever host reads them, and a
 * capture buffer need not be aligned.
 */
#define PFLOG_HDR_LEN		100	/* sizeof(struct pfloghdr) */
#define PFLOG_OFF_LENGTH	0	/* u8: the header's own length */
#define PFLOG_OFF_AF		1	/* u8: sa_family_t on OpenBSD */
#define PFLOG_OFF_ACTION	2	/* u8: PF_PASS, PF_DROP, ... */
#define PFLOG_OFF_DIR		60	/* u8: PF_IN, PF_OUT */

/* OpenBSD's address family numbers; AF_INET6 is 10 on Linux. */
#define PFLOG_AF_INET		2
#define PFLOG_AF_INET6		24

/*
 * The packet follows the header at BPF_WORDALIGN(length); OpenBSD's
 * BPF_ALIGNMENT is sizeof(u_int32_t) (sys/net/bpf.h), on every platform.
 */
#define PFLOG_ALIGNMENT		4
#define PFLOG_WORDALIGN(x)	\
	(((x) + (PFLOG_ALIGNMENT - 1)) & ~(size_t)(PFLOG_ALIGNMENT - 1))

enum pkt_class	pflog_decode(const uint8_t *, size_t, struct pf_event *);

#endif /* PFLOG_H */
