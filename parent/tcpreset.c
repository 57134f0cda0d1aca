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
 * The answer to a SYN at a fake address: a TCP reset, so that the sending
 * MTA moves on to the next MX at once instead of waiting for its connect
 * timeout.  The kernel cannot be asked to do it here (the SYN is dropped by
 * verdict, and accepting it would reach a mail server listening on the
 * wildcard address), so the parent builds the segment from the fields
 * capture decoded and sends it on a raw socket.  IPPROTO_RAW sockets
 * receive nothing, so they cost nothing on the receive path.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "parent.h"

#define IP4_HDRLEN	20
#define IP6_HDRLEN	40
#define TCP_HDRLEN	20
#define RST_TTL		64

static int	raw4 = -1, raw6 = -1;

void
tcpreset_open(void)
{
	/*
	 * Non-blocking: a full send buffer (resets waiting for the neighbour
	 * entries of spoofed on-link sources, a slow link) costs resets, a
	 * count of reset-errors, never the parent's time.
	 */
	if ((raw4 = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    IPPROTO_RAW)) == -1)
		fatal("raw IPv4 socket");
	/* With IPPROTO_RAW, IPv6 takes the whole packet too (IPV6_HDRINCL). */
	if ((raw6 = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    IPPROTO_RAW)) == -1)
		fatal("raw IPv6 socket");
}

static uint32_t
sum16(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t	i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t
fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/*
 * The reset a TCP stack sends for a SYN to a closed port (RFC 9293 3.10.7.1):
 * SEQ 0, ACK the SYN's sequence + 1, flags RST|ACK, ports swapped.
 */
static void
build_tcp(uint8_t *tcp, const struct pkt_info *syn)
{
	memset(tcp, 0, TCP_HDRLEN);
	put16(tcp, syn->dport);
	put16(tcp + 2, syn->sport);
	put32(tcp + 4, 0);
	put32(tcp + 8, syn->seq + 1);
	tcp[12] = (TCP_HDRLEN / 4) << 4;
	tcp[13] = TCP_FLAG_RST | TCP_FLAG_ACK;
}

/* The checksum over the pseudo-header (addresses, protocol, length) and tcp. */
static void
tcp_checksum(uint8_t *tcp, const uint8_t *src, const uint8_t *dst,
    size_t alen)
{
	uint32_t	sum = 0;

	sum = sum16(sum, src, alen);
	sum = sum16(sum, dst, alen);
	sum += IPPROTO_TCP + TCP_HDRLEN;
	sum = sum16(sum, tcp, TCP_HDRLEN);
	put16(tcp + 16, fold(sum));
}

/* Where a reset goes: syn's source, port 0 (raw sockets ignore it). */
static socklen_t
reset_dest(const struct pkt_info *syn, struct sockaddr_storage *to)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)to;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)to;

	memset(to, 0, sizeof(*to));
	if (syn->src.af == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_addr = syn->src.u.ip4;
		return sizeof(*sin);
	}
	sin6->sin6_family = AF_INET6;
	sin6->sin6_addr = syn->src.u.ip6;
	return sizeof(*sin6);
}

/*
 * The reset for syn, from its destination (the fake address) back to its
 * source, on the raw socket of its family.  The kernel fills in an IPv4
 * header's checksum and id.
 */
static int
send_reset(const struct pkt_info *syn)
{
	uint8_t			pkt[IP6_HDRLEN + TCP_HDRLEN];
	struct sockaddr_storage	to;
	size_t			hlen, alen, addrs;

	memset(pkt, 0, sizeof(pkt));
	if (syn->src.af == AF_INET) {
		hlen = IP4_HDRLEN;
		alen = 4;
		addrs = 12;		/* source, then destination */
		pkt[0] = 0x45;
		put16(pkt + 2, IP4_HDRLEN + TCP_HDRLEN);
		pkt[8] = RST_TTL;
		pkt[9] = IPPROTO_TCP;
	} else {
		hlen = IP6_HDRLEN;
		alen = 16;
		addrs = 8;
		pkt[0] = 0x60;
		put16(pkt + 4, TCP_HDRLEN);
		pkt[6] = IPPROTO_TCP;
		pkt[7] = RST_TTL;
	}
	memcpy(pkt + addrs, syn->dst.u.bytes, alen);
	memcpy(pkt + addrs + alen, syn->src.u.bytes, alen);
	build_tcp(pkt + hlen, syn);
	tcp_checksum(pkt + hlen, pkt + addrs, pkt + addrs + alen, alen);
	return sendto(syn->src.af == AF_INET ? raw4 : raw6, pkt,
	    hlen + TCP_HDRLEN, 0, (struct sockaddr *)&to,
	    reset_dest(syn, &to)) == -1 ? -1 : 0;
}

/* Reset the connection that syn opens; failures are counted, not fatal. */
void
tcpreset_send(const struct pkt_info *syn)
{
	if (send_reset(syn) == -1) {
		stats.reset_errors++;
		log_debug("reset: %s", strerror(errno));
	} else
		stats.resets++;
}
