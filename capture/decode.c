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
 * IPv4 / IPv6 / TCP header decoder.  Every byte it reads comes from the
 * network, so it runs only in the capture process and trusts nothing:
 * each read is preceded by a bounds check against the captured length,
 * multi-byte fields are assembled byte by byte (the buffer may be
 * unaligned), and nothing is allocated.
 *
 * Two lengths are told apart.  The packet's own, from its IP header (the
 * IPv4 total length, the IPv6 payload length): a packet too short for
 * the headers it announces, or with fields that contradict it, is
 * MALFORMED.  The captured copy's, which may end anywhere (the daemon
 * copies at most 128 bytes of a queued packet, pflogd keeps 160 bytes
 * of a record by default): only the first TCP_DECIDE_LEN bytes of the
 * TCP header are read (ports, sequence number, flags), so TCP options
 * and payload need not have been captured.  A well-formed packet whose
 * copy ends before those bytes is CUT: it cannot be judged either way.
 * Checksums are not verified.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <string.h>

#include "decode.h"

#define IP4_HLEN	20	/* without options */
#define IP6_HLEN	40
#define TCP_HLEN	20	/* without options */

#define IP4_MF		0x2000	/* more fragments */
#define IP4_OFFMASK	0x1fff	/* fragment offset */

/* Beyond this many IPv6 extension headers the packet is not worth it. */
#define IP6_MAX_EXTHDRS	8

static uint16_t	get16(const uint8_t *);
static uint32_t	get32(const uint8_t *);
static void	set_addr(struct mxaddr *, sa_family_t, const uint8_t *);
static enum decode_result decode_tcp(const uint8_t *, size_t, size_t,
		    size_t, struct pkt_info *);
static enum decode_result decode_ip4(const uint8_t *, size_t,
		    struct pkt_info *);
static int	ip6_is_exthdr(uint8_t);
static size_t	ip6_exthdr_len(uint8_t, const uint8_t *);
static enum decode_result decode_ip6(const uint8_t *, size_t,
		    struct pkt_info *);

/* Network byte order, no alignment assumed. */
static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/* The whole struct is zeroed first so that addresses compare with memcmp. */
static void
set_addr(struct mxaddr *a, sa_family_t af, const uint8_t *p)
{
	memset(a, 0, sizeof(*a));
	a->af = af;
	if (af == AF_INET)
		memcpy(&a->u.ip4, p, sizeof(a->u.ip4));
	else
		memcpy(&a->u.ip6, p, sizeof(a->u.ip6));
}

/*
 * The TCP header at pkt + off.  pktend is where the IP packet says it
 * ends (off <= pktend), caplen how much of it was captured.  The packet
 * must have room for the whole TCP header, options included; the capture
 * only for the bytes read.
 */
static enum decode_result
decode_tcp(const uint8_t *pkt, size_t off, size_t pktend, size_t caplen,
    struct pkt_info *pi)
{
	const uint8_t	*th;
	size_t		 thlen;

	if (pktend - off < TCP_HLEN)
		return DECODE_MALFORMED;
	if (caplen < off || caplen - off < TCP_DECIDE_LEN)
		return DECODE_CUT;
	th = pkt + off;
	thlen = (size_t)(th[12] >> 4) * 4;
	if (thlen < TCP_HLEN || pktend - off < thlen)
		return DECODE_MALFORMED;

	pi->sport = get16(th);
	pi->dport = get16(th + 2);
	pi->seq = get32(th + 4);
	pi->tcp_flags = th[13];
	return DECODE_TCP;
}

static enum decode_result
decode_ip4(const uint8_t *pkt, size_t caplen, struct pkt_info *pi)
{
	size_t	 hlen, totlen;

	/* Nothing to judge the packet by before its fixed header is in. */
	if (caplen < IP4_HLEN)
		return DECODE_CUT;
	hlen = (size_t)(pkt[0] & 0x0f) * 4;
	totlen = get16(pkt + 2);
	if (hlen < IP4_HLEN || totlen < hlen)
		return DECODE_MALFORMED;

	set_addr(&pi->src, AF_INET, pkt + 12);
	set_addr(&pi->dst, AF_INET, pkt + 16);
	/*
	 * Netfilter and pf normally reassemble before we see a packet.  A
	 * fragment of another protocol is simply not TCP; a TCP fragment
	 * is not something to judge a connection by (only the first one
	 * would carry the header), nor to let through unjudged.
	 */
	if (pkt[9] != IPPROTO_TCP)
		return DECODE_NOT_TCP;
	if (get16(pkt + 6) & (IP4_MF | IP4_OFFMASK))
		return DECODE_MALFORMED;
	/* Bytes beyond totlen (link padding) are not the packet's. */
	return decode_tcp(pkt, hlen, totlen, caplen, pi);
}

/* The IPv6 extension headers we step over on the way to TCP. */
static int
ip6_is_exthdr(uint8_t type)
{
	switch (type) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_FRAGMENT:
	case IPPROTO_AH:
	case IPPROTO_DSTOPTS:
		return 1;
	default:
		return 0;
	}
}

/* Length in bytes of extension header h of that type; h[0..1] readable. */
static size_t
ip6_exthdr_len(uint8_t type, const uint8_t *h)
{
	switch (type) {
	case IPPROTO_FRAGMENT:
		return 8;
	case IPPROTO_AH:
		return ((size_t)h[1] + 2) * 4;		/* in 32-bit words */
	default:
		return ((size_t)h[1] + 1) * 8;		/* in 8-byte units */
	}
}

static enum decode_result
decode_ip6(const uint8_t *pkt, size_t caplen, struct pkt_info *pi)
{
	const uint8_t	*h;
	size_t		 off, end, len;
	uint8_t		 nxt;
	int		 n, fragment = 0;

	if (caplen < IP6_HLEN)
		return DECODE_CUT;
	/*
	 * Everything after the fixed header must lie within the payload
	 * length.  A jumbogram (payload length 0 and a hop-by-hop option)
	 * ends up here as too short: no SYN is one.
	 */
	end = IP6_HLEN + (size_t)get16(pkt + 4);

	set_addr(&pi->src, AF_INET6, pkt + 8);
	set_addr(&pi->dst, AF_INET6, pkt + 24);

	nxt = pkt[6];
	off = IP6_HLEN;
	for (n = 0; nxt != IPPROTO_TCP; n++) {
		/*
		 * Anything else ends the walk: an upper layer (UDP,
		 * ICMPv6), ESP (hides what follows), no next header.
		 */
		if (!ip6_is_exthdr(nxt))
			return DECODE_NOT_TCP;
		if (n == IP6_MAX_EXTHDRS)
			return DECODE_MALFORMED;
		/*
		 * Every extension header starts with next header, length;
		 * a fragment header's offset and M flag follow them.
		 */
		len = nxt == IPPROTO_FRAGMENT ? 4 : 2;
		if (end - off < len)
			return DECODE_MALFORMED;
		if (caplen < off || caplen - off < len)
			return DECODE_CUT;
		h = pkt + off;
		len = ip6_exthdr_len(nxt, h);
		if (end - off < len)
			return DECODE_MALFORMED;
		if (nxt == IPPROTO_FRAGMENT &&
		    ((get16(h + 2) >> 3) != 0 || (h[3] & 0x01) != 0)) {
			/*
			 * A real fragment (an atomic one, offset 0 and no
			 * more to come, is a whole packet in disguise).
			 * After a later fragment's header come data, not
			 * headers: its next header field tells what the
			 * reassembled packet carries.  A first fragment's
			 * chain goes on, to tell as well.
			 */
			if ((get16(h + 2) >> 3) != 0)
				return h[0] == IPPROTO_TCP ||
				    ip6_is_exthdr(h[0]) ?
				    DECODE_MALFORMED : DECODE_NOT_TCP;
			fragment = 1;
		}
		nxt = h[0];
		off += len;
	}
	/* As for IPv4: a TCP fragment is not judged. */
	if (fragment)
		return DECODE_MALFORMED;
	/* Bytes beyond the payload length are not the packet's. */
	return decode_tcp(pkt, off, end, caplen, pi);
}

/*
 * Decode the IP and TCP headers at pkt, of which caplen bytes were
 * captured.  On DECODE_TCP all of *info is set; on DECODE_NOT_TCP the
 * addresses are and the rest is zero; on DECODE_MALFORMED and DECODE_CUT
 * *info is all zero.  info may be NULL to classify only.
 */
enum decode_result
decode_ip(const uint8_t *pkt, size_t caplen, struct pkt_info *info)
{
	struct pkt_info		 pi;
	enum decode_result	 r = DECODE_MALFORMED;

	/* Unused bytes (padding, pad[]) must be zero too. */
	memset(&pi, 0, sizeof(pi));
	if (pkt != NULL && caplen > 0) {
		switch (pkt[0] >> 4) {
		case 4:
			r = decode_ip4(pkt, caplen, &pi);
			break;
		case 6:
			r = decode_ip6(pkt, caplen, &pi);
			break;
		default:	/* another IP version: MALFORMED */
			break;
		}
	}

	/* A partly filled pi must not leak out of a packet not judged. */
	if (r == DECODE_MALFORMED || r == DECODE_CUT)
		memset(&pi, 0, sizeof(pi));
	if (info != NULL)
		memcpy(info, &pi, sizeof(*info));
	return r;
}
