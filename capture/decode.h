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

#ifndef DECODE_H
#define DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "mxallowd.h"

enum decode_result {
	DECODE_TCP,		/* IPv4/IPv6 + TCP header, info filled in */
	DECODE_NOT_TCP,		/* well-formed IP, but not TCP (or ESP, no next header) */
	DECODE_MALFORMED,	/* the packet is: lengths, header fields, a TCP fragment */
	DECODE_CUT		/* the capture ends before the TCP flags */
};

/* The bytes of a TCP header that decide: ports, sequence number, flags. */
#define TCP_DECIDE_LEN	14

enum decode_result	decode_ip(const uint8_t *, size_t, struct pkt_info *);

#endif /* DECODE_H */
