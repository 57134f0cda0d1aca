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
 * Unit tests for the IPv4 / IPv6 / TCP decoder of the capture process.
 * Packets are built by hand, byte by byte (regress/lib/packet.c and the
 * extension headers below), and taken from captures other projects wrote
 * (../shared/realcaps, or $REALCAPS; regress/lib/savefile.c reads them).
 * Prints "ok NAME" or "FAIL NAME: reason" per check; exits 1 on any
 * failure.
 *
 * Whenever the decoder is handed a packet, the bytes are first copied
 * to end right in front of an inaccessible page, so that any read past
 * the capture faults; SAN=1 adds AddressSanitizer and UBSan for the rest.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

#include "packet.h"
#include "savefile.h"
#include "unit.h"

#define NRANDOM		200000
#define SNAPLEN		128	/* what the daemon copies of a packet */

/* What decode_ip() should say about a packet. */
struct expect {
	enum decode_result	 r;
	const char		*src, *dst;
	uint16_t		 sport, dport;
	uint32_t		 seq;
	uint8_t			 flags;
};

static const char *
rname(enum decode_result r)
{
	switch (r) {
	case DECODE_TCP:
		return "TCP";
	case DECODE_NOT_TCP:
		return "NOT_TCP";
	case DECODE_MALFORMED:
		return "MALFORMED";
	case DECODE_CUT:
		return "CUT";
	}
	return "?";
}

/* ---- packet construction ---- */

/*
 * Appends an IPv6 extension header of the given type and total length,
 * with the length byte in that type's units, filled with a PadN option.
 */
static uint8_t *
ip6_ext(struct pkt *p, uint8_t type, uint8_t nxt, size_t len)
{
	uint8_t	*h;

	h = pkt_grow(p, len);
	h[0] = nxt;
	if (type == IPPROTO_AH) {
		h[1] = (uint8_t)(len / 4 - 2);
		put32(h + 4, 0x1000);	/* SPI */
	} else {
		h[1] = (uint8_t)(len / 8 - 1);
		if (type == IPPROTO_ROUTING)
			h[2] = 4;	/* segment routing, segments left 0 */
		else {
			h[2] = 1;	/* PadN */
			h[3] = (uint8_t)(len - 4);
		}
	}
	return h;
}

static void
ip6_frag(struct pkt *p, uint8_t nxt, uint16_t offset, int more)
{
	uint8_t	*h;

	h = pkt_grow(p, 8);
	h[0] = nxt;
	put16(h + 2, (uint16_t)(offset << 3) | (more ? 1 : 0));
	put32(h + 4, 0xdeadbeef);	/* identification */
}

/* ICMP / ICMPv6 echo request. */
static void
icmp_echo(struct pkt *p, uint8_t type)
{
	uint8_t	*h;

	h = pkt_grow(p, 8);
	h[0] = type;
	put16(h + 4, 1);
	put16(h + 6, 1);
}

static void
payload(struct pkt *p, size_t n)
{
	uint8_t	*h;
	size_t	 i;

	h = pkt_grow(p, n);
	for (i = 0; i < n; i++)
		h[i] = (uint8_t)i;
}

/* ---- running the decoder ---- */

/* decode_ip() on the first caplen bytes of p, ending at the guard page. */
static enum decode_result
run(const struct pkt *p, size_t caplen, struct pkt_info *info)
{
	if (caplen > sizeof(p->b)) {
		fprintf(stderr, "caplen %zu\n", caplen);
		exit(2);
	}
	return decode_ip(unit_guard(p->b, caplen), caplen, info);
}

static void
make_addr(struct mxaddr *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	if (s == NULL)
		return;
	a->af = addr_family(s);
	put_addr(a->u.bytes, a->af, s);
}

/*
 * Compares all of *info with what is expected, unused bytes included:
 * the expected struct is built from zeroed memory.
 */
static int
check_info(const char *name, const struct pkt_info *info,
    const struct expect *e)
{
	struct pkt_info	 want;
	char		 got_s[INET6_ADDRSTRLEN], got_d[INET6_ADDRSTRLEN];

	memset(&want, 0, sizeof(want));
	if (e->r == DECODE_TCP || e->r == DECODE_NOT_TCP) {
		make_addr(&want.src, e->src);
		make_addr(&want.dst, e->dst);
	}
	if (e->r == DECODE_TCP) {
		want.sport = e->sport;
		want.dport = e->dport;
		want.seq = e->seq;
		want.tcp_flags = e->flags;
	}
	if (memcmp(&want.src, &info->src, sizeof(want.src)) != 0 ||
	    memcmp(&want.dst, &info->dst, sizeof(want.dst)) != 0) {
		if (inet_ntop(info->src.af, info->src.u.bytes, got_s,
		    sizeof(got_s)) == NULL)
			snprintf(got_s, sizeof(got_s), "?");
		if (inet_ntop(info->dst.af, info->dst.u.bytes, got_d,
		    sizeof(got_d)) == NULL)
			snprintf(got_d, sizeof(got_d), "?");
		failed(name, "addresses %s > %s (af %d), want %s > %s", got_s,
		    got_d, info->src.af, e->src ? e->src : "none",
		    e->dst ? e->dst : "none");
		return 0;
	}
	if (info->sport != want.sport || info->dport != want.dport ||
	    info->seq != want.seq || info->tcp_flags != want.tcp_flags) {
		failed(name, "ports %u > %u seq %u flags 0x%02x, want "
		    "%u > %u seq %u flags 0x%02x", info->sport, info->dport,
		    info->seq, info->tcp_flags, want.sport, want.dport,
		    want.seq, want.tcp_flags);
		return 0;
	}
	if (memcmp(&want, info, sizeof(want)) != 0) {
		failed(name, "unused bytes of pkt_info are not zero");
		return 0;
	}
	return 1;
}

/* Decodes caplen bytes of p (into a dirty info) and checks everything. */
static void
expect_n(const char *name, const struct pkt *p, size_t caplen,
    const struct expect *e)
{
	struct pkt_info		 info;
	enum decode_result	 r;

	memset(&info, 0xa5, sizeof(info));
	r = run(p, caplen, &info);
	if (r != e->r) {
		failed(name, "got %s, want %s", rname(r), rname(e->r));
		return;
	}
	if (check_info(name, &info, e))
		pass(name);
}

static void
expect(const char *name, const struct pkt *p, const struct expect *e)
{
	expect_n(name, p, p->len, e);
}

static void
expect_malformed(const char *name, const struct pkt *p)
{
	struct expect	 e = { DECODE_MALFORMED, NULL, NULL, 0, 0, 0, 0 };

	expect(name, p, &e);
}

static void
expect_cut_n(const char *name, const struct pkt *p, size_t caplen)
{
	struct expect	 e = { DECODE_CUT, NULL, NULL, 0, 0, 0, 0 };

	expect_n(name, p, caplen, &e);
}

/* ---- the packets most checks start from ---- */

#define V4_SRC	"192.0.2.10"
#define V4_DST	"198.51.100.25"
#define V6_SRC	"2001:db8::10"
#define V6_DST	"2001:db8:25::1"

static void
v4_syn(struct pkt *p)
{
	pkt_ip4(p, V4_SRC, V4_DST, IPPROTO_TCP, NULL, 0);
	pkt_tcp(p, 40000, 25, 0x11223344, TCP_FLAG_SYN, NULL, 0);
	pkt_finish(p);
}

static void
v4_syn_opts(struct pkt *p)
{
	/* Router alert (RFC 2113) and record route with room for 2. */
	static const uint8_t ipopts[] = {
		148, 4, 0, 0,
		7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0
	};

	pkt_ip4(p, V4_SRC, V4_DST, IPPROTO_TCP, ipopts, sizeof(ipopts));
	pkt_tcp(p, 40001, 25, 0xfedcba98, TCP_FLAG_SYN, linux_syn_opts,
	    sizeof(linux_syn_opts));
	pkt_finish(p);
}

static void
v6_syn(struct pkt *p)
{
	pkt_ip6(p, V6_SRC, V6_DST, IPPROTO_TCP);
	pkt_tcp(p, 50000, 25, 0x80000001, TCP_FLAG_SYN, linux_syn_opts,
	    sizeof(linux_syn_opts));
	pkt_finish(p);
}

/* Hop-by-hop, destination options, routing, atomic fragment, TCP. */
static void
v6_ext_syn(struct pkt *p)
{
	pkt_ip6(p, V6_SRC, V6_DST, IPPROTO_HOPOPTS);
	ip6_ext(p, IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, 8);
	ip6_ext(p, IPPROTO_DSTOPTS, IPPROTO_ROUTING, 16);
	ip6_ext(p, IPPROTO_ROUTING, IPPROTO_FRAGMENT, 24);
	ip6_frag(p, IPPROTO_TCP, 0, 0);
	pkt_tcp(p, 50001, 25, 0xcafef00d, TCP_FLAG_SYN, linux_syn_opts,
	    sizeof(linux_syn_opts));
	pkt_finish(p);
}

/* ---- the checks ---- */

static void
t_valid(void)
{
	struct pkt	 p;
	struct expect	 e;

	v4_syn(&p);
	e = (struct expect){ DECODE_TCP, V4_SRC, V4_DST, 40000, 25,
	    0x11223344, TCP_FLAG_SYN };
	expect("ipv4_syn", &p, &e);

	/* DF clear: not a fragment either. */
	put16(p.b + 6, 0);
	expect("ipv4_syn_no_df", &p, &e);

	/* All flag bits, CWR and ECE included, come through as they are. */
	v4_syn(&p);
	p.b[20 + 13] = 0xff;
	e.flags = 0xff;
	expect("ipv4_all_tcp_flags", &p, &e);

	v4_syn_opts(&p);
	e = (struct expect){ DECODE_TCP, V4_SRC, V4_DST, 40001, 25,
	    0xfedcba98, TCP_FLAG_SYN };
	if (p.b[0] != 0x49 || p.b[36 + 12] != 0xa0)
		failed("ipv4_ip_and_tcp_options", "test packet: ihl %d, "
		    "doff %d", p.b[0] & 0xf, p.b[36 + 12] >> 4);
	else
		expect("ipv4_ip_and_tcp_options", &p, &e);

	pkt_ip4(&p, V4_SRC, V4_DST, IPPROTO_TCP, NULL, 0);
	pkt_tcp(&p, 40002, 25, 1, TCP_FLAG_SYN, linux_syn_opts,
	    sizeof(linux_syn_opts));
	pkt_finish(&p);
	e = (struct expect){ DECODE_TCP, V4_SRC, V4_DST, 40002, 25, 1,
	    TCP_FLAG_SYN };
	expect("ipv4_syn_linux_tcp_options", &p, &e);

	/* Largest header: IHL 15, data offset 15. */
	{
		uint8_t	 ipo[40], tco[40];

		memset(ipo, 1, sizeof(ipo));		/* NOPs */
		memset(tco, 1, sizeof(tco));
		pkt_ip4(&p, V4_SRC, V4_DST, IPPROTO_TCP, ipo, sizeof(ipo));
		pkt_tcp(&p, 1, 2, 3, TCP_FLAG_SYN | TCP_FLAG_ACK, tco,
		    sizeof(tco));
		pkt_finish(&p);
		e = (struct expect){ DECODE_TCP, V4_SRC, V4_DST, 1, 2, 3,
		    TCP_FLAG_SYN | TCP_FLAG_ACK };
		expect("ipv4_max_ihl_and_doff", &p, &e);
	}

	v6_syn(&p);
	e = (struct expect){ DECODE_TCP, V6_SRC, V6_DST, 50000, 25,
	    0x80000001, TCP_FLAG_SYN };
	expect("ipv6_syn", &p, &e);

	pkt_ip6(&p, "::ffff:192.0.2.1", "fe80::1", IPPROTO_TCP);
	pkt_tcp(&p, 65535, 0, 0xffffffff, TCP_FLAG_RST | TCP_FLAG_ACK, NULL, 0);
	pkt_finish(&p);
	e = (struct expect){ DECODE_TCP, "::ffff:192.0.2.1", "fe80::1",
	    65535, 0, 0xffffffff, TCP_FLAG_RST | TCP_FLAG_ACK };
	expect("ipv6_extreme_values", &p, &e);

	v6_ext_syn(&p);
	e = (struct expect){ DECODE_TCP, V6_SRC, V6_DST, 50001, 25,
	    0xcafef00d, TCP_FLAG_SYN };
	expect("ipv6_hbh_dst_rt_atomic_frag", &p, &e);

	pkt_ip6(&p, V6_SRC, V6_DST, IPPROTO_AH);
	ip6_ext(&p, IPPROTO_AH, IPPROTO_DSTOPTS, 24);
	ip6_ext(&p, IPPROTO_DSTOPTS, IPPROTO_TCP, 8);
	pkt_tcp(&p, 50002, 25, 7, TCP_FLAG_SYN, NULL, 0);
	pkt_finish(&p);
	e = (struct expect){ DECODE_TCP, V6_SRC, V6_DST, 50002, 25, 7,
	    TCP_FLAG_SYN };
	expect("ipv6_ah_then_tcp", &p, &e);

	/* A long extension header: hop-by-hop of 256 * 8 bytes is too big
	 * for the buffer; 128 * 8 will do. */
	pkt_ip6(&p, V6_SRC, V6_DST, IPPROTO_HOPOPTS);
	ip6_ext(&p, IPPROTO_HOPOPTS, IPPROTO_TCP, 1024);
	pkt_tcp(&p, 50003, 25, 8, TCP_FLAG_SYN, NULL, 0);
	pkt_finish(&p);
	e = (struct expect){ DECODE_TCP, V6_SRC, V6_DST, 50003, 25, 8,
	    TCP_FLAG_SYN };
	expect("ipv6_long_hbh", &p, &e);
}

/* Only the headers need to be captured; the length fields may say more. */
static void
t_snaplen(void)
{
	struct pkt	 p;
	struct expect	 e;

	pkt_ip4(&p, V4_SRC, V4_DST, IPPROTO_TCP, NULL, 0);
	pkt_tcp(&p, 40000, 25, 99, TCP_FLAG_ACK, linux_syn_opts,
	    sizeof(linux_syn_opts));
	payload(&p, 1500 - p.len);
	pkt_finish(&p);
	e = (struct expect){ DECODE_TCP, V4_SRC, V4_DST, 40000, 25, 99,
	    TCP_FLAG_ACK };
	if (p.b[2] != 0x05 || p.b[3] != 0xdc)
		failed("ipv4_len1500_cap128", "test packet: length field");
	else
		expect_n("ipv4_len1500_cap128", &p, SNAPLEN, &e);

	pkt_ip6(&p, V6_SRC, V6_DST, IPPROTO_HOPOPTS);
	ip6_ext(&p, IPPROTO_HOPOPTS, IPPROTO_TCP, 8);
	pkt_tcp(&p, 50000, 25, 100, TCP_FLAG_ACK, linux_syn_opts,
	    sizeof(linux_syn_opts));
	payload(&p, 1500 - p.len);
	pkt_finish(&p);
	e = (struct expect){ DECODE_TCP, V6_SRC, V6_DST, 50000, 25, 100,
	    TCP_FLAG_ACK };
	expect_n("ipv6_len1500_cap128", &p, SNAPLEN, &e);

	/* Bytes beyond the IP total length (link padding) are ignored. */
	v4_syn(&p);
	payload(&p, 6);
	e = (struct expect){ DECODE_TCP, V4_SRC, V4_DST, 40000, 25,
	    0x11223344, TCP_FLAG_SYN };
	expect("ipv4_trailing_padding", &p, &e);

	/*
	 * The capture may end inside the TCP options (pflogd's 160 bytes,
	 * the 128 the daemon copies): the first 14 TCP bytes decide.
	 */
	v4_syn_opts(&p);
	e = (struct expect){ DECODE_TCP, V4_SRC, V4_DST, 40001, 25,
	    0xfedcba98, TCP_FLAG_SYN };
	expect_n("ipv4_options_cut_after_flags", &p, 36 + 14, &e);
	expect_cut_n("ipv4_options_cut_before_flags", &p, 36 + 13);

	v6_syn(&p);
	e = (struct expect){ DECODE_TCP, V6_SRC, V6_DST, 50000, 25,
	    0x80000001, TCP_FLAG_SYN };
	expect_n("ipv6_syn_options_cut_after_flags", &p, 40 + 14, &e);
	expect_cut_n("ipv6_syn_options_cut_before_flags", &p, 40 + 13);

	/* A TCP header of 60 bytes, 40 of them options, cut at 60 in all. */
	pkt_ip4(&p, V4_SRC, V4_DST, IPPROTO_TCP, NULL, 0);
	{
		static const uint8_t	 opts40[40] = { 2, 4, 5, 0xb4, 1, 3,
		    3, 8, 4, 2, 8, 10 };

		pkt_tcp(&p, 40000, 25, 7, TCP_FLAG_SYN, opts40,
		    sizeof(opts40));
	}
	pkt_finish(&p);
	e = (struct expect){ DECODE_TCP, V4_SRC, V4_DST, 40000, 25, 7,
	    TCP_FLAG_SYN };
	expect_n("ipv4_60_byte_tcp_header_cut_at_60", &p, 60, &e);

	/* Behind IPv6 extension headers, the flags past the copy: CUT. */
	pkt_ip6(&p, V6_SRC, V6_DST, IPPROTO_DSTOPTS);
	ip6_ext(&p, IPPROTO_DSTOPTS, IPPROTO_TCP, 88);
	pkt_tcp(&p, 50000, 25, 1, TCP_FLAG_SYN, NULL, 0);
	pkt_finish(&p);
	expect_cut_n("ipv6_tcp_past_the_copy", &p, SNAPLEN);
	e = (struct expect){ DECODE_TCP, V6_SRC, V6_DST, 50000, 25, 1,
	    TCP_FLAG_SYN };
	expect("ipv6_tcp_past_the_copy_whole", &p, &e);

	/* IPv4 options cut: the header's length fields still say enough. */
	v4_syn_opts(&p);
	expect_cut_n("ipv4_ip_options_cut", &p, 30);
}

static void
t_not_tcp(void)
{
	struct pkt	 p;
	struct expect	 e4 = { DECODE_NOT_TCP, V4_SRC, V4_DST, 0, 0, 0, 0 };
	struct expect	 e6 = { DECODE_NOT_TCP, V6_SRC, V6_DST, 0, 0, 0, 0 };

	pkt_ip4(&p, V4_SRC, V4_DST, IPPROTO_UDP, NULL, 0);
	pkt_udp(&p, 53, 25);
	pkt_finish(&p);
	expect("ipv4_udp", &p, &e4);

	pkt_ip4(&p, V4_SRC, V4_DST, IPPROTO_ICMP, NULL, 0);
	icmp_echo(&p, 8);
	pkt_finish(&p);
	expect("ipv4_icmp", &p, &e4);

	/* The IP header alone is enough to tell. */
	expect_n("ipv4_icmp_header_only", &p, 20, &e4);

	pkt_ip6(&p, V6_SRC, V6_DST, IPPROTO_UDP);
	pkt_udp(&p, 53, 25);
	pkt_finish(&p);
	expect("ipv6_udp", &p, &e6);

	pkt_ip6(&p, V6_SRC, V6_DST, IPPROTO_ICMPV6);
	icmp_echo(&p, 128);
	pkt_finish(&p);
	expect("ipv6_icmp6", &p, &e6);

	pkt_ip6(&p, V6_SRC, V6_DST, IPPROTO_ESP);
	payload(&p, 32);
	pkt_finish(&p);
	expect("ipv6_esp", &p, &e6);
	expect_n("ipv6_esp_header_only", &p, 40, &e6);

	pkt_ip6(&p, V6_SRC, V6_DST, IPPROTO_HOPOPTS);
	ip6_ext(&p, IPPROTO_HOPOPTS, IPPROTO_ESP, 8);
	payload(&p, 32);
	pkt_finish(&p);
	expect("ipv6_hbh_then_esp", &p, &e6);

	pkt_ip6(&p, V6_SRC, V6_DST, IPPROTO_NONE);
	pkt_finish(&p);
	expect("ipv6_no_next_header", &p, &e6);

	pkt_ip6(&p, V6_SRC, V6_DST, IPPROTO_DSTOPTS);
	ip6_ext(&p, IPPROTO_DSTOPTS, IPPROTO_NONE, 8);
	pkt_finish(&p);
	expect("ipv6_dstopts_then_none", &p, &e6);

	pkt_ip6(&p, V6_SRC, V6_DST, IPPROTO_FRAGMENT);
	ip6_frag(&p, IPPROTO_UDP, 0, 0);
	pkt_udp(&p, 53, 25);
	pkt_finish(&p);
	expect("ipv6_atomic_frag_udp", &p, &e6);

	pkt_ip4(&p, V4_SRC, V4_DST, IPPROTO_ESP, NULL, 0);
	payload(&p, 16);
	pkt_finish(&p);
	expect("ipv4_esp", &p, &e4);
}

static void
t_fragments(void)
{
	struct pkt	 p;

	v4_syn(&p);
	put16(p.b + 6, 0x2000);				/* MF */
	expect_malformed("ipv4_frag_mf", &p);

	v4_syn(&p);
	put16(p.b + 6, 0x0001);				/* offset 8 */
	expect_malformed("ipv4_frag_offset", &p);

	v4_syn(&p);
	put16(p.b + 6, 0x1fff);				/* last offset */
	expect_malformed("ipv4_frag_offset_max", &p);

	v4_syn(&p);
	put16(p.b + 6, 0x4000 | 0x2000);		/* DF and MF */
	expect_malformed("ipv4_frag_df_mf", &p);

	/* Fragments of other protocols are not TCP, whole or not. */
	{
		struct expect	 e4 = { DECODE_NOT_TCP, V4_SRC, V4_DST,
		    0, 0, 0, 0 };
		struct expect	 e6 = { DECODE_NOT_TCP, V6_SRC, V6_DST,
		    0, 0, 0, 0 };

		pkt_ip4(&p, V4_SRC, V4_DST, IPPROTO_UDP, NULL, 0);
		pkt_udp(&p, 53, 25);
		pkt_finish(&p);
		put16(p.b + 6, 0x2000);
		expect("ipv4_frag_udp_first", &p, &e4);
		put16(p.b + 6, 0x0010);
		expect("ipv4_frag_udp_later", &p, &e4);

		pkt_ip4(&p, V4_SRC, V4_DST, IPPROTO_ICMP, NULL, 0);
		icmp_echo(&p, 8);
		pkt_finish(&p);
		put16(p.b + 6, 0x2000);
		expect("ipv4_frag_icmp", &p, &e4);

		pkt_ip6(&p, V6_SRC, V6_DST, IPPROTO_FRAGMENT);
		ip6_frag(&p, IPPROTO_UDP, 0, 1);
		pkt_udp(&p, 53, 25);
		pkt_finish(&p);
		expect("ipv6_frag_udp_first", &p, &e6);

		pkt_ip6(&p, V6_SRC, V6_DST, IPPROTO_FRAGMENT);
		ip6_frag(&p, IPPROTO_ICMPV6, 100, 0);
		payload(&p, 16);
		pkt_finish(&p);
		expect("ipv6_frag_icmp6_later", &p, &e6);

		/* A first fragment's chain is walked to its end. */
		pkt_ip6(&p, V6_SRC, V6_DST, IPPROTO_FRAGMENT);
		ip6_frag(&p, IPPROTO_DSTOPTS, 0, 1);
		ip6_ext(&p, IPPROTO_DSTOPTS, IPPROTO_UDP, 8);
		pkt_udp(&p, 53, 25);
		pkt_finish(&p);
		expect("ipv6_frag_first_dstopts_udp", &p, &e6);
	}

	/* A TCP first fragment behind a destination options header. */
	pkt_ip6(&p, V6_SRC, V6_DST, IPPROTO_FRAGMENT);
	ip6_frag(&p, IPPROTO_DSTOPTS, 0, 1);
	ip6_ext(&p, IPPROTO_DSTOPTS, IPPROTO_TCP, 8);
	pkt_tcp(&p, 1, 25, 1, TCP_FLAG_SYN, NULL, 0);
	pkt_finish(&p);
	expect_malformed("ipv6_frag_first_dstopts_tcp", &p);

	/* A later fragment of a packet whose chain goes on: not judged. */
	pkt_ip6(&p, V6_SRC, V6_DST, IPPROTO_FRAGMENT);
	ip6_frag(&p, IPPROTO_DSTOPTS, 100, 0);
	payload(&p, 16);
	pkt_finish(&p);
	expect_malformed("ipv6_frag_later_dstopts", &p);

	pkt_ip6(&p, V6_SRC, V6_DST, IPPROTO_FRAGMENT);
	ip6_frag(&p, IPPROTO_TCP, 0, 1);		/* first of several */
	pkt_tcp(&p, 1, 25, 1, TCP_FLAG_SYN, NULL, 0);
	pkt_finish(&p);
	expect_malformed("ipv6_frag_first_m", &p);

	pkt_ip6(&p, V6_SRC, V6_DST, IPPROTO_FRAGMENT);
	ip6_frag(&p, IPPROTO_TCP, 185, 0);		/* last */
	pkt_tcp(&p, 1, 25, 1, TCP_FLAG_SYN, NULL, 0);
	pkt_finish(&p);
	expect_malformed("ipv6_frag_last_offset", &p);

	pkt_ip6(&p, V6_SRC, V6_DST, IPPROTO_HOPOPTS);
	ip6_ext(&p, IPPROTO_HOPOPTS, IPPROTO_FRAGMENT, 8);
	ip6_frag(&p, IPPROTO_TCP, 1, 1);		/* middle */
	pkt_tcp(&p, 1, 25, 1, TCP_FLAG_SYN, NULL, 0);
	pkt_finish(&p);
	expect_malformed("ipv6_frag_middle_after_hbh", &p);

	/* Reserved bits in the fragment header do not make it a fragment. */
	pkt_ip6(&p, V6_SRC, V6_DST, IPPROTO_FRAGMENT);
	ip6_frag(&p, IPPROTO_TCP, 0, 0);
	p.b[41] = 0xff;
	p.b[43] = 0x06;
	pkt_tcp(&p, 1, 25, 1, TCP_FLAG_SYN, NULL, 0);
	pkt_finish(&p);
	{
		struct expect	 e = { DECODE_TCP, V6_SRC, V6_DST, 1, 25, 1,
		    TCP_FLAG_SYN };

		expect("ipv6_atomic_frag_reserved_bits", &p, &e);
	}
}

static void
t_bad_headers(void)
{
	struct pkt	 p;
	char		 name[64];
	int		 i;

	for (i = 0; i < 5; i++) {
		v4_syn(&p);
		p.b[0] = 0x40 | i;
		/* Where a TCP header after IHL * 4 bytes would look valid. */
		p.b[i * 4 + 12] = 0x50;
		snprintf(name, sizeof(name), "ipv4_ihl_%d", i);
		expect_malformed(name, &p);
	}

	/*
	 * IHL 15 = 60 bytes and a total length of 100, but only 40 are
	 * captured: the packet may well be sound, the copy is short.
	 */
	v4_syn(&p);
	p.b[0] = 0x4f;
	put16(p.b + 2, 100);
	expect_cut_n("ipv4_ihl_beyond_caplen", &p, p.len);

	/* IHL 6 and a UDP packet of 20 bytes: header beyond caplen. */
	pkt_ip4(&p, V4_SRC, V4_DST, IPPROTO_UDP, NULL, 0);
	pkt_finish(&p);
	p.b[0] = 0x46;
	expect_malformed("ipv4_ihl_beyond_caplen_udp", &p);

	for (i = 0; i < 5; i++) {
		v4_syn(&p);
		p.b[20 + 12] = (uint8_t)(i << 4);
		snprintf(name, sizeof(name), "ipv4_tcp_doff_%d", i);
		expect_malformed(name, &p);
	}

	v6_syn(&p);
	p.b[40 + 12] = 0x40;
	expect_malformed("ipv6_tcp_doff_4", &p);

	/*
	 * Data offset 6: one option word more than was captured, but the
	 * IP length has room for it: a short capture, not a short packet.
	 */
	v4_syn(&p);
	p.b[20 + 12] = 0x60;
	payload(&p, 3);
	put16(p.b + 2, 44);
	{
		struct expect	 e = { DECODE_TCP, V4_SRC, V4_DST, 40000, 25,
		    0x11223344, TCP_FLAG_SYN };

		expect("ipv4_tcp_doff_beyond_caplen", &p, &e);
	}

	/* The options are captured but lie beyond the IP total length. */
	v4_syn(&p);
	p.b[20 + 12] = 0x60;
	payload(&p, 4);
	expect_malformed("ipv4_tcp_doff_beyond_totlen", &p);

	v6_syn(&p);
	put16(p.b + 4, 20 + sizeof(linux_syn_opts) - 4);
	expect_malformed("ipv6_tcp_doff_beyond_plen", &p);

	/* Total length smaller than the IP header. */
	v4_syn(&p);
	put16(p.b + 2, 19);
	expect_malformed("ipv4_totlen_lt_ip_header", &p);

	v4_syn(&p);
	put16(p.b + 2, 0);
	expect_malformed("ipv4_totlen_0", &p);

	pkt_ip4(&p, V4_SRC, V4_DST, IPPROTO_UDP, NULL, 0);
	pkt_udp(&p, 53, 25);
	pkt_finish(&p);
	put16(p.b + 2, 16);
	expect_malformed("ipv4_udp_totlen_lt_ip_header", &p);

	/* Total length covers IP but not a 20-byte TCP header. */
	v4_syn(&p);
	put16(p.b + 2, 39);
	expect_malformed("ipv4_totlen_lt_tcp_header", &p);

	v4_syn(&p);
	put16(p.b + 2, 20);
	expect_malformed("ipv4_totlen_ip_only", &p);

	v4_syn_opts(&p);
	put16(p.b + 2, 36 + 20);	/* TCP header, but not its options */
	expect_malformed("ipv4_totlen_lt_tcp_options", &p);

	/* IPv6 payload length too small for TCP / for the chain. */
	v6_syn(&p);
	put16(p.b + 4, 0);
	expect_malformed("ipv6_plen_0", &p);

	v6_syn(&p);
	put16(p.b + 4, 19);
	expect_malformed("ipv6_plen_lt_tcp_header", &p);

	v6_ext_syn(&p);
	put16(p.b + 4, 8 + 16 + 24 + 8);	/* exactly the chain, no TCP */
	expect_malformed("ipv6_plen_covers_chain_only", &p);

	v6_ext_syn(&p);
	put16(p.b + 4, 8 + 16 + 10);		/* ends inside routing */
	expect_malformed("ipv6_plen_ends_in_chain", &p);

	v6_ext_syn(&p);
	put16(p.b + 4, 1);			/* not even a length byte */
	expect_malformed("ipv6_plen_1_with_ext", &p);

	/* An extension header whose length points beyond the capture. */
	v6_ext_syn(&p);
	p.b[41] = 0xff;				/* hop-by-hop of 2048 bytes */
	expect_malformed("ipv6_hbh_len_beyond_caplen", &p);

	v6_ext_syn(&p);
	p.b[40 + 8 + 16 + 24 + 8 + 12] = 0xf0;	/* doff 15: 60 bytes */
	expect_malformed("ipv6_tcp_doff_beyond_caplen", &p);

	/* Other IP versions, the right 4/6 bits nowhere near. */
	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6)
			continue;
		v4_syn(&p);
		p.b[0] = (uint8_t)(i << 4 | 5);
		snprintf(name, sizeof(name), "version_%d", i);
		expect_malformed(name, &p);
	}

	/* An IPv6 header marked as version 4 and the other way round. */
	v6_syn(&p);
	p.b[0] = 0x40 | (p.b[0] & 0x0f);
	expect_malformed("ipv6_packet_version_4", &p);
	pkt_ip4(&p, V4_SRC, V4_DST, IPPROTO_UDP, NULL, 0);
	pkt_udp(&p, 53, 25);
	pkt_finish(&p);
	p.b[0] = 0x65;			/* 28 bytes: short of an IPv6 header */
	expect_cut_n("ipv4_packet_version_6", &p, p.len);
}

/* At most 8 extension headers are walked. */
static void
t_chain_bound(void)
{
	struct pkt	 p;
	struct expect	 e = { DECODE_TCP, V6_SRC, V6_DST, 50000, 25, 5,
	    TCP_FLAG_SYN };
	int		 i, n;

	for (n = 7; n <= 10; n++) {
		char	 name[64];

		pkt_ip6(&p, V6_SRC, V6_DST, IPPROTO_DSTOPTS);
		for (i = 0; i < n; i++)
			ip6_ext(&p, IPPROTO_DSTOPTS,
			    i == n - 1 ? IPPROTO_TCP : IPPROTO_DSTOPTS, 8);
		pkt_tcp(&p, 50000, 25, 5, TCP_FLAG_SYN, NULL, 0);
		pkt_finish(&p);
		snprintf(name, sizeof(name), "ipv6_chain_of_%d", n);
		if (n <= 8)
			expect(name, &p, &e);
		else
			expect_malformed(name, &p);
	}

	/* Mixed types count alike: 8 and 9 with atomic fragments and AH. */
	for (n = 8; n <= 9; n++) {
		pkt_ip6(&p, V6_SRC, V6_DST, IPPROTO_HOPOPTS);
		ip6_ext(&p, IPPROTO_HOPOPTS, n == 9 ? IPPROTO_DSTOPTS :
		    IPPROTO_ROUTING, 8);
		if (n == 9)
			ip6_ext(&p, IPPROTO_DSTOPTS, IPPROTO_ROUTING, 8);
		for (i = 0; i < 3; i++) {
			ip6_ext(&p, IPPROTO_ROUTING, IPPROTO_FRAGMENT, 8);
			ip6_frag(&p, i == 2 ? IPPROTO_AH : IPPROTO_ROUTING,
			    0, 0);
		}
		ip6_ext(&p, IPPROTO_AH, IPPROTO_TCP, 16);
		pkt_tcp(&p, 50000, 25, 5, TCP_FLAG_SYN, NULL, 0);
		pkt_finish(&p);
		if (n == 8)
			expect("ipv6_mixed_chain_of_8", &p, &e);
		else
			expect_malformed("ipv6_mixed_chain_of_9", &p);
	}

	/* A routing loop of zero-length-byte headers (8 bytes each). */
	pkt_ip6(&p, V6_SRC, V6_DST, IPPROTO_ROUTING);
	for (i = 0; i < 100; i++)
		ip6_ext(&p, IPPROTO_ROUTING, IPPROTO_ROUTING, 8);
	pkt_finish(&p);
	expect_malformed("ipv6_chain_of_100", &p);
}

/*
 * Every truncation of a valid packet: nothing at all is MALFORMED (no
 * IP version to go by), CUT below decide (the end of what the decoder
 * reads: the TCP flags, or the header that says it is not TCP), the
 * full answer from there on.
 */
static void
truncations(const char *name, const struct pkt *p, size_t decide,
    const struct expect *e)
{
	struct pkt_info		 info;
	enum decode_result	 r, want;
	size_t			 n;

	for (n = 0; n <= p->len; n++) {
		want = n == 0 ? DECODE_MALFORMED : n < decide ? DECODE_CUT :
		    e->r;
		memset(&info, 0xa5, sizeof(info));
		r = run(p, n, &info);
		if (r != want) {
			failed(name, "caplen %zu: got %s, want %s", n,
			    rname(r), rname(want));
			return;
		}
		if (r == DECODE_MALFORMED || r == DECODE_CUT) {
			struct pkt_info	 zero;

			memset(&zero, 0, sizeof(zero));
			if (memcmp(&info, &zero, sizeof(info)) != 0) {
				failed(name, "caplen %zu: info not zeroed", n);
				return;
			}
		} else if (!check_info(name, &info, e))
			return;
	}
	pass(name);
}

static void
t_truncation(void)
{
	struct pkt	 p;
	struct expect	 e;

	v4_syn(&p);
	e = (struct expect){ DECODE_TCP, V4_SRC, V4_DST, 40000, 25,
	    0x11223344, TCP_FLAG_SYN };
	truncations("truncate_ipv4_syn", &p, 20 + 14, &e);

	v4_syn_opts(&p);
	e = (struct expect){ DECODE_TCP, V4_SRC, V4_DST, 40001, 25,
	    0xfedcba98, TCP_FLAG_SYN };
	truncations("truncate_ipv4_options", &p, 36 + 14, &e);

	v6_syn(&p);
	e = (struct expect){ DECODE_TCP, V6_SRC, V6_DST, 50000, 25,
	    0x80000001, TCP_FLAG_SYN };
	truncations("truncate_ipv6_syn", &p, 40 + 14, &e);

	v6_ext_syn(&p);
	e = (struct expect){ DECODE_TCP, V6_SRC, V6_DST, 50001, 25,
	    0xcafef00d, TCP_FLAG_SYN };
	truncations("truncate_ipv6_ext_chain", &p, 40 + 8 + 16 + 24 + 8 + 14,
	    &e);

	pkt_ip6(&p, V6_SRC, V6_DST, IPPROTO_AH);
	ip6_ext(&p, IPPROTO_AH, IPPROTO_TCP, 24);
	pkt_tcp(&p, 50002, 25, 7, TCP_FLAG_SYN, NULL, 0);
	pkt_finish(&p);
	e = (struct expect){ DECODE_TCP, V6_SRC, V6_DST, 50002, 25, 7,
	    TCP_FLAG_SYN };
	truncations("truncate_ipv6_ah", &p, 40 + 24 + 14, &e);

	/* With payload: TCP as soon as the flags are in. */
	pkt_ip4(&p, V4_SRC, V4_DST, IPPROTO_TCP, NULL, 0);
	pkt_tcp(&p, 40000, 25, 99, TCP_FLAG_ACK, NULL, 0);
	payload(&p, 100);
	pkt_finish(&p);
	e = (struct expect){ DECODE_TCP, V4_SRC, V4_DST, 40000, 25, 99,
	    TCP_FLAG_ACK };
	truncations("truncate_ipv4_with_payload", &p, 20 + 14, &e);

	/*
	 * Not TCP: known once the IP header is in, and of each extension
	 * header the two bytes that name the next one.
	 */
	pkt_ip4(&p, V4_SRC, V4_DST, IPPROTO_UDP, NULL, 0);
	pkt_udp(&p, 53, 25);
	pkt_finish(&p);
	e = (struct expect){ DECODE_NOT_TCP, V4_SRC, V4_DST, 0, 0, 0, 0 };
	truncations("truncate_ipv4_udp", &p, 20, &e);

	pkt_ip6(&p, V6_SRC, V6_DST, IPPROTO_HOPOPTS);
	ip6_ext(&p, IPPROTO_HOPOPTS, IPPROTO_UDP, 16);
	pkt_udp(&p, 53, 25);
	pkt_finish(&p);
	e = (struct expect){ DECODE_NOT_TCP, V6_SRC, V6_DST, 0, 0, 0, 0 };
	truncations("truncate_ipv6_hbh_udp", &p, 40 + 2, &e);
}

static void
t_degenerate(void)
{
	struct pkt_info	 info, zero;
	struct pkt	 p;
	uint8_t		 one = 0x45;
	uint8_t		*buf;

	memset(&zero, 0, sizeof(zero));

	memset(&info, 0xa5, sizeof(info));
	if (decode_ip(NULL, 0, &info) != DECODE_MALFORMED ||
	    memcmp(&info, &zero, sizeof(info)) != 0)
		failed("null_packet", "not MALFORMED or info not zeroed");
	else
		pass("null_packet");

	if (decode_ip(NULL, 40, &info) != DECODE_MALFORMED)
		failed("null_packet_caplen_40", "not MALFORMED");
	else
		pass("null_packet_caplen_40");

	/* caplen 0: the byte that is there must not be looked at. */
	v4_syn(&p);
	if (run(&p, 0, &info) != DECODE_MALFORMED)
		failed("caplen_0", "not MALFORMED");
	else
		pass("caplen_0");

	/* The start of an IPv4 header: a copy cut short. */
	if (decode_ip(&one, 1, &info) != DECODE_CUT)
		failed("one_byte", "not CUT");
	else
		pass("one_byte");

	/* NULL info: classify only. */
	if (decode_ip(p.b, p.len, NULL) != DECODE_TCP)
		failed("null_info", "not TCP");
	else
		pass("null_info");

	/* The buffer need not be aligned. */
	v6_ext_syn(&p);
	if ((buf = malloc(p.len + 1)) == NULL) {
		perror("malloc");
		exit(2);
	}
	memcpy(buf + 1, p.b, p.len);
	memset(&info, 0xa5, sizeof(info));
	if (decode_ip(buf + 1, p.len, &info) != DECODE_TCP ||
	    info.seq != 0xcafef00d || info.sport != 50001)
		failed("unaligned_buffer", "wrong decode");
	else
		pass("unaligned_buffer");
	free(buf);
}

/* A fixed seed: the same input on every run and platform. */
static uint32_t	rnd_state = 0x6d78616c;

static uint32_t
rnd(void)
{
	return unit_rnd(&rnd_state);
}

/*
 * Random input: pure noise, noise behind a plausible first byte, and
 * valid packets with a few bytes flipped.  Nothing may crash (ASan
 * watches the reads); the answer must be consistent with the bytes.
 */
static void
t_random(void)
{
	struct pkt		 seeds[4], p;
	struct pkt_info		 info, zero;
	enum decode_result	 r;
	size_t			 n, j;
	int			 i, k, counts[4] = { 0, 0, 0, 0 };
	const char		*why = NULL;

	v4_syn(&seeds[0]);
	v4_syn_opts(&seeds[1]);
	v6_syn(&seeds[2]);
	v6_ext_syn(&seeds[3]);
	memset(&zero, 0, sizeof(zero));

	for (i = 0; i < NRANDOM && why == NULL; i++) {
		switch (i % 3) {
		case 0:		/* noise */
			memset(&p, 0, sizeof(p));
			p.len = rnd() % (SNAPLEN + 1);
			for (j = 0; j < p.len; j++)
				p.b[j] = (uint8_t)rnd();
			break;
		case 1:		/* noise that starts like IPv4 / IPv6 */
			memset(&p, 0, sizeof(p));
			p.len = rnd() % (SNAPLEN + 1);
			for (j = 0; j < p.len; j++)
				p.b[j] = (uint8_t)rnd();
			if (p.len > 0)
				p.b[0] = (rnd() & 1) ? 0x45 : 0x60;
			if (p.len > 6 && p.b[0] == 0x60)
				p.b[6] = (uint8_t[]){ 0, 6, 43, 44, 50, 51,
				    59, 60 }[rnd() % 8];
			break;
		default:	/* a valid packet, mutated and cut */
			p = seeds[rnd() % 4];
			for (k = rnd() % 4 + 1; k > 0; k--) {
				j = rnd() % p.len;
				p.b[j] ^= (uint8_t)(1 << (rnd() % 8));
			}
			n = rnd() % (p.len + 1);
			p.len = n;
			break;
		}

		memset(&info, 0xa5, sizeof(info));
		r = run(&p, p.len, &info);
		counts[r]++;
		if (r == DECODE_MALFORMED || r == DECODE_CUT) {
			if (memcmp(&info, &zero, sizeof(info)) != 0)
				why = "MALFORMED or CUT with info not zeroed";
			continue;
		}
		if ((p.b[0] >> 4 == 4 && info.src.af != AF_INET) ||
		    (p.b[0] >> 4 == 6 && info.src.af != AF_INET6))
			why = "address family does not match version";
		else if (memcmp(info.src.u.bytes, p.b +
		    (info.src.af == AF_INET ? 12 : 8),
		    info.src.af == AF_INET ? 4 : 16) != 0)
			why = "source address not from the header";
		else if (r == DECODE_TCP && p.len < (p.b[0] >> 4 == 4 ?
		    20u + TCP_DECIDE_LEN : 40u + TCP_DECIDE_LEN))
			why = "TCP from fewer bytes than IP + 14 TCP bytes";
		else if (r == DECODE_NOT_TCP && (info.sport != 0 ||
		    info.dport != 0 || info.seq != 0 || info.tcp_flags != 0))
			why = "NOT_TCP with ports or flags set";
	}
	if (why != NULL)
		failed("random_input", "iteration %d: %s", i - 1, why);
	else if (counts[DECODE_TCP] == 0 || counts[DECODE_NOT_TCP] == 0 ||
	    counts[DECODE_CUT] == 0)
		failed("random_input", "no coverage: %d TCP, %d NOT_TCP, "
		    "%d MALFORMED, %d CUT", counts[0], counts[1], counts[2],
		    counts[3]);
	else {
		printf("# random: %d TCP, %d NOT_TCP, %d MALFORMED, %d CUT\n",
		    counts[0], counts[1], counts[2], counts[3]);
		pass("random_input");
	}
}

/*
 * Captures written by other projects (../shared/realcaps/syn/): the SYNs
 * (without ACK) in each, and those to port 25, as tcpdump 4.99 counts
 * them (tcpdump -nr FILE | grep 'Flags \[S[EW]*\]'), less the fragments,
 * which mxallowd does not judge.  Decoded whole and as the daemon's
 * 128-byte copy, they must count the same; cut to any length, a packet
 * must decode as it does whole or as CUT, never as something else.
 */
static const struct realcap {
	const char	*file;
	int		 syn, syn25;	/* SYNs, and to port 25 */
	int		 malformed;	/* -1: not checked */
	int		 not_tcp;	/* -1: not checked */
} realcaps[] = {
	{ "syn/zeek/smtp.pcap", 3, 2, 0, -1 },
	{ "syn/zeek/smtp-attachment-msg.pcap", 1, 1, 0, -1 },
	{ "syn/zeek/communityid-ipv6.pcap", 1, 1, 0, -1 },
	{ "syn/zeek/ip6-hoa-tcp-good-chksum.pcap", 1, 0, 0, 0 },
	{ "syn/zeek/ip6-route0-tcp-good-chksum.pcap", 1, 0, 0, 0 },
	{ "syn/zeek/ipv6-http-atomic-frag.pcap", 4, 0, 0, -1 },
	{ "syn/zeek/tcp-truncated-header.pcap", 1, 1, -1, -1 },
	/* tcpdump shows its first fragment as a SYN: a TCP fragment. */
	{ "syn/zeek/ipv4-fragmented-syn.pcap", 0, 0, 2, 0 },
	{ "syn/suricata-verify/smtperr.pcap", 4, 3, 0, -1 },
	{ "syn/suricata-verify/detect-ipopts.pcap", 8, 0, 0, 0 },
	{ "syn/suricata-verify/tfo.pcap", 2, 0, 0, -1 },
	{ "syn/suricata-verify/defrag-ipv6-tcp-frag.pcap", 0, 0, 3, 0 },
	{ "syn/ndpi/smtp-starttls.pcap", 2, 2, 0, -1 },
	{ "syn/ndpi/synscan.pcap", 1994, 1, 0, -1 },
	{ "syn/tcpdump/mptcp-v0.pcap", 2, 0, 0, -1 },
	{ "syn/arkime/cloudshark-bgp-md5.pcap", 1, 0, 0, -1 },
	{ "syn/pcapplusplus/frag_http_req.pcap", 0, 0, -1, -1 },
	/* OSPFv3, ICMPv6, UDP behind hop-by-hop, routing, AH, ... */
	{ "syn/pcapplusplus/ipv6_options.pcap", 0, 0, 0, 6 },
};

static struct sf_rec	rec;

/* 1 if caplen bytes of ip decode as a SYN without ACK; *to25 its port. */
static int
is_syn(const uint8_t *ip, size_t caplen, enum decode_result *r, int *to25)
{
	struct pkt_info	info;

	*r = decode_ip(unit_guard(ip, caplen), caplen, &info);
	*to25 = 0;
	if (*r != DECODE_TCP || (info.tcp_flags & (TCP_FLAG_SYN |
	    TCP_FLAG_ACK)) != TCP_FLAG_SYN)
		return 0;
	*to25 = info.dport == 25;
	return 1;
}

/* Every shorter copy of ip decodes as the whole does, or as CUT. */
static int
cut_consistent(const uint8_t *ip, size_t caplen, char *why, size_t whylen)
{
	struct pkt_info		 whole, info;
	enum decode_result	 rw, r;
	size_t			 n;
	int			 decided = 0;

	rw = decode_ip(unit_guard(ip, caplen), caplen, &whole);
	for (n = 1; n < caplen; n++) {
		r = decode_ip(unit_guard(ip, n), n, &info);
		if (r == DECODE_CUT && !decided)
			continue;
		if (r != rw || memcmp(&info, &whole, sizeof(info)) != 0) {
			snprintf(why, whylen, "cut to %zu of %zu bytes: %s, "
			    "whole %s", n, caplen, rname(r), rname(rw));
			return 0;
		}
		decided = 1;
	}
	return 1;
}

static void
t_realcaps(void)
{
	struct savefile		 sf;
	const struct realcap	*c;
	const uint8_t		*ip;
	enum decode_result	 r;
	char			 path[1024], err[256], name[128], why[128];
	size_t			 caplen, wirelen, i;
	int			 syn, syn25, syn128, syn25_128, malformed;
	int			 not_tcp, to25, rc, bad;

	for (i = 0; i < sizeof(realcaps) / sizeof(realcaps[0]); i++) {
		c = &realcaps[i];
		snprintf(name, sizeof(name), "realcaps_%s", c->file + 4);
		snprintf(path, sizeof(path), "%s/%s", realcaps_dir(), c->file);
		if (sf_open(&sf, path, err, sizeof(err)) == -1) {
			failed(name, "%s (REALCAPS names the directory)", err);
			continue;
		}
		syn = syn25 = syn128 = syn25_128 = malformed = not_tcp = 0;
		bad = 0;
		while (!bad && (rc = sf_next(&sf, &rec)) == 1) {
			if (!sf_ip(&sf, &rec, &ip, &caplen, &wirelen))
				continue;
			if (is_syn(ip, caplen, &r, &to25)) {
				syn++;
				syn25 += to25;
			}
			malformed += r == DECODE_MALFORMED;
			not_tcp += r == DECODE_NOT_TCP;
			if (is_syn(ip, caplen < SNAPLEN ? caplen : SNAPLEN,
			    &r, &to25)) {
				syn128++;
				syn25_128 += to25;
			}
			if (!cut_consistent(ip, caplen, why, sizeof(why))) {
				failed(name, "record %llu: %s",
				    (unsigned long long)sf.records, why);
				bad = 1;
			}
		}
		sf_close(&sf);
		if (bad)
			continue;
		if (rc == -1)
			failed(name, "the file ends inside a record");
		else if (syn != c->syn || syn25 != c->syn25)
			failed(name, "%d SYNs, %d to port 25; tcpdump: %d, %d",
			    syn, syn25, c->syn, c->syn25);
		else if (syn128 != syn || syn25_128 != syn25)
			failed(name, "copied 128 bytes: %d SYNs, %d to port "
			    "25; whole: %d, %d", syn128, syn25_128, syn, syn25);
		else if (c->malformed != -1 && malformed != c->malformed)
			failed(name, "%d malformed, want %d", malformed,
			    c->malformed);
		else if (c->not_tcp != -1 && not_tcp != c->not_tcp)
			failed(name, "%d not TCP, want %d", not_tcp,
			    c->not_tcp);
		else
			pass(name);
	}
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);

	t_valid();
	t_snaplen();
	t_not_tcp();
	t_fragments();
	t_bad_headers();
	t_chain_bound();
	t_truncation();
	t_degenerate();
	t_random();
	t_realcaps();

	return unit_exit_status();
}
