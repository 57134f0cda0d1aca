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

#ifndef NFLOG_H
#define NFLOG_H

#include <stddef.h>
#include <stdint.h>

#include "mxallowd.h"

/*
 * A DLT_NFLOG record as libpcap hands it over: struct nfgenmsg (family,
 * version, resource id), then netlink attributes ("TLVs"): a 16-bit
 * length that counts its 4-byte header, a 16-bit type, both in host byte
 * order, the value, padding to 4 bytes.  Linux's nfnetlink_log.h numbers.
 */
#define NFLOG_HDR_LEN		4
#define NFLOG_VERSION		0
#define NFLOG_TLV_LEN		4
#define NFLOG_TLV_ALIGN(x)	(((x) + 3) & ~(size_t)3)
/* The type less the flags NLA_F_NESTED and NLA_F_NET_BYTEORDER. */
#define NFLOG_TYPE_MASK		0x3fff
#define NFULA_PAYLOAD		9	/* the packet, from its IP header */
#define NFULA_PREFIX		10	/* the rule's prefix, NUL-terminated */

/* Linux's family numbers, which NFLOG records carry. */
#define NFLOG_AF_INET		2
#define NFLOG_AF_INET6		10

enum pkt_class	nflog_decode(const uint8_t *, size_t, struct nflog_event *);

#endif /* NFLOG_H */
