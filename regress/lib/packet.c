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

/* Test packets, byte by byte; see packet.h. */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "packet.h"

#define IP4_HLEN	20
#define IP6_HLEN	40
#define TCP_HLEN	20
#define UDP_HLEN	8

const uint8_t linux_syn_opts[LINUX_SYN_OPTLEN] = {
	2, 4, 0x05, 0xb4,
	4, 2,
	8, 10, 0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0,
	1,
	3, 3, 7
};

static uint32_t	sum(uint32_t, const uint8_t *, size_t);
static uint16_t	fold(uint32_t);

void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

int
addr_family(const char *s)
{
	return strchr(s, ':') != NULL ? AF_INET6 : AF_INET;
}

/* The address s of family af, 4 or 16 bytes at p. */
void
put_addr(uint8_t *p, int af, const char *s)
{
	if (inet_pton(af, s, p) != 1) {
		fprintf(stderr, "bad address %s\n", s);
		exit(2);
	}
}

/* Appends n bytes at the end of the packet and returns them, zeroed. */
uint8_t *
pkt_grow(struct pkt *p, size_t n)
{
	uint8_t	*h;

	if (n > sizeof(p->b) - p->len) {
		fprintf(stderr, "test packet too long\n");
		exit(2);
	}
	h = p->b + p->len;
	memset(h, 0, n);
	p->len += n;
	return h;
}

/*
 * Starts an IPv4 packet, DF set as Linux sends a SYN; opts (a multiple
 * of 4 bytes) follow the header.
 */
uint8_t *
pkt_ip4(struct pkt *p, const char *src, const char *dst, uint8_t proto,
    const uint8_t *opts, size_t optlen)
{
	uint8_t	*h;

	memset(p, 0, sizeof(*p));
	h = pkt_grow(p, IP4_HLEN + optlen);
	h[0] = 0x40 | (uint8_t)((IP4_HLEN + optlen) / 4);
	put16(h + 4, 0x1234);		/* id */
	put16(h + 6, 0x4000);		/* DF */
	h[8] = 64;			/* TTL */
	h[9] = proto;
	put_addr(h + 12, AF_INET, src);
	put_addr(h + 16, AF_INET, dst);
	if (optlen > 0)
		memcpy(h + IP4_HLEN, opts, optlen);
	return h;
}

/* Starts an IPv6 packet whose first header is nxt. */
uint8_t *
pkt_ip6(struct pkt *p, const char *src, const char *dst, uint8_t nxt)
{
	uint8_t	*h;

	memset(p, 0, sizeof(*p));
	p->v6 = 1;
	h = pkt_grow(p, IP6_HLEN);
	put32(h, 0x60012345);		/* version 6, a flow label */
	h[6] = nxt;
	h[7] = 64;			/* hop limit */
	put_addr(h + 8, AF_INET6, src);
	put_addr(h + 24, AF_INET6, dst);
	return h;
}

/* Appends a TCP header; opts is padded with EOL to a multiple of 4. */
uint8_t *
pkt_tcp(struct pkt *p, uint16_t sport, uint16_t dport, uint32_t seq,
    uint8_t flags, const uint8_t *opts, size_t optlen)
{
	uint8_t	*h;
	size_t	 hlen = TCP_HLEN + (optlen + 3) / 4 * 4;

	p->l4 = p->len;
	p->proto = IPPROTO_TCP;
	h = pkt_grow(p, hlen);
	put16(h, sport);
	put16(h + 2, dport);
	put32(h + 4, seq);
	h[12] = (uint8_t)(hlen / 4) << 4;
	h[13] = flags;
	put16(h + 14, 64240);		/* window */
	if (optlen > 0)
		memcpy(h + TCP_HLEN, opts, optlen);
	return h;
}

uint8_t *
pkt_udp(struct pkt *p, uint16_t sport, uint16_t dport)
{
	uint8_t	*h;

	p->l4 = p->len;
	p->proto = IPPROTO_UDP;
	h = pkt_grow(p, UDP_HLEN);
	put16(h, sport);
	put16(h + 2, dport);
	put16(h + 4, UDP_HLEN);
	return h;
}

/* Sets the IP length field to what was built. */
void
pkt_finish(struct pkt *p)
{
	if (p->v6)
		put16(p->b + 4, (uint16_t)(p->len - IP6_HLEN));
	else
		put16(p->b + 2, (uint16_t)p->len);
}

/* The Internet checksum (RFC 1071), in two steps: sum, then fold. */
static uint32_t
sum(uint32_t s, const uint8_t *p, size_t n)
{
	size_t	i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t
fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/*
 * Sets the IPv4 header checksum and the TCP or UDP checksum over the
 * pseudo-header and the segment up to the end of the packet; after
 * pkt_finish() and whatever else changes the bytes.
 */
void
pkt_checksum(struct pkt *p)
{
	uint8_t		 pseudo[40], *l4 = p->b + p->l4, *ck;
	size_t		 hlen, plen, l4len = p->len - p->l4;
	uint16_t	 c;

	if (!p->v6) {
		hlen = (size_t)(p->b[0] & 0x0f) * 4;
		put16(p->b + 10, 0);
		put16(p->b + 10, fold(sum(0, p->b, hlen)));
	}
	if (p->l4 == 0)
		return;

	memset(pseudo, 0, sizeof(pseudo));
	if (p->v6) {
		memcpy(pseudo, p->b + 8, 32);		/* addresses */
		put32(pseudo + 32, (uint32_t)l4len);
		pseudo[39] = p->proto;
		plen = 40;
	} else {
		memcpy(pseudo, p->b + 12, 8);		/* addresses */
		pseudo[9] = p->proto;
		put16(pseudo + 10, (uint16_t)l4len);
		plen = 12;
	}
	ck = l4 + (p->proto == IPPROTO_TCP ? 16 : 6);
	put16(ck, 0);
	c = fold(sum(sum(0, pseudo, plen), l4, l4len));
	if (c == 0 && p->proto == IPPROTO_UDP)
		c = 0xffff;			/* 0 says "no checksum" */
	put16(ck, c);
}
