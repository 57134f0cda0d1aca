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
 * Unit tests for the pflog record decoder of the capture process.
 * Records are built by hand, byte by byte at the offsets of OpenBSD's
 * struct pfloghdr, independently of the decoder's own constants; the
 * packets after it with regress/lib/packet.c.  Prints
 * "ok NAME" or "FAIL NAME: reason" per check; exits 1 on any failure.
 *
 * Each record is first copied to end right in front of an inaccessible
 * page, so that any read past the capture faults; records of odd lengths
 * thereby start unaligned.  SAN=1 adds AddressSanitizer and UBSan.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "pflog.h"

#include "packet.h"
#include "unit.h"

#define REC_MAX		512
#define HDRLEN		100	/* sizeof(struct pfloghdr) on OpenBSD */
#define OB_INET		2	/* OpenBSD's address families */
#define OB_INET6	24
#define PF_PASS		0
#define PF_DROP		1
#define PF_IN		1
#define PF_OUT		2

#define FAKE4		"192.0.2.10"
#define REAL4		"192.0.2.20"
#define FAKE6		"2001:db8::10"
#define REAL6		"2001:db8::20"
#define SRC4		"203.0.113.5"
#define SRC6		"2001:db8:1::5"

/* A record under construction: pfloghdr, then the packet. */
struct rec {
	uint8_t		b[REC_MAX];
	size_t		len;
};

/*
 * A pfloghdr of the given family and an IP packet carrying a TCP segment
 * with those flags (a SYN gets the options), or UDP when proto says so.
 * hdrlen is where the packet starts (normally HDRLEN).
 */
static void
build(struct rec *r, uint8_t action, uint8_t dir, const char *src,
    const char *dst, uint8_t proto, uint8_t flags, size_t hdrlen)
{
	struct pkt	 ip;
	uint8_t		*h = r->b;
	int		 af = addr_family(src);

	if (af == AF_INET6)
		pkt_ip6(&ip, src, dst, proto);
	else
		pkt_ip4(&ip, src, dst, proto, NULL, 0);
	if (proto == IPPROTO_UDP)
		pkt_udp(&ip, 53, 25);
	else if (flags & TCP_FLAG_SYN)
		pkt_tcp(&ip, 40000, 25, 0xa1b2c3d4, flags, linux_syn_opts,
		    sizeof(linux_syn_opts));
	else
		pkt_tcp(&ip, 40000, 25, 0xa1b2c3d4, flags, NULL, 0);
	pkt_finish(&ip);

	memset(r, 0, sizeof(*r));
	h[0] = HDRLEN;				/* length */
	h[1] = af == AF_INET6 ? OB_INET6 : OB_INET;	/* af */
	h[2] = action;
	h[3] = 0;				/* reason: match */
	memcpy(h + 4, "vio0", 4);		/* ifname */
	memcpy(h + 20, "mx", 2);		/* ruleset */
	put32(h + 36, 12);			/* rulenr */
	memset(h + 40, 0xff, 4);		/* subrulenr */
	memset(h + 44, 0xff, 4);		/* uid */
	h[60] = dir;
	h[62] = h[1];				/* naf */
	put_addr(h + 64, af, src);		/* saddr */
	put_addr(h + 80, af, dst);		/* daddr */
	put16(h + 96, 40000);
	put16(h + 98, 25);
	memcpy(h + hdrlen, ip.b, ip.len);
	r->len = hdrlen + ip.len;
}

static void
syn(struct rec *r, uint8_t action, uint8_t dir, const char *src,
    const char *dst)
{
	build(r, action, dir, src, dst, IPPROTO_TCP, TCP_FLAG_SYN, HDRLEN);
}

/* ---- running the decoder ---- */

/* pflog_decode() on the first caplen bytes of r, into a dirty event. */
static enum pkt_class
run(const struct rec *r, size_t caplen, struct pf_event *ev)
{
	enum pkt_class	c;

	if (caplen > REC_MAX) {
		fprintf(stderr, "caplen %zu\n", caplen);
		exit(2);
	}
	memset(ev, 0xa5, sizeof(*ev));
	c = pflog_decode(unit_guard(r->b, caplen), caplen, ev);
	if (c != (enum pkt_class)ev->class) {
		fprintf(stderr, "returned %d, event says %u\n", c, ev->class);
		exit(2);
	}
	return c;
}

static const char *
cname(uint32_t c)
{
	switch (c) {
	case PKT_FAKE:
		return "FAKE";
	case PKT_REAL:
		return "REAL";
	case PKT_OTHER:
		return "OTHER";
	case PKT_MALFORMED:
		return "MALFORMED";
	}
	return "?";
}

static void
make_addr(struct mxaddr *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	a->af = addr_family(s);
	put_addr(a->u.bytes, a->af, s);
}

/* The whole event a well-formed TCP record of build() should give. */
static void
want_tcp(struct pf_event *w, uint32_t class, uint8_t action, uint8_t dir,
    const char *src, const char *dst, uint8_t flags)
{
	memset(w, 0, sizeof(*w));
	w->action = action;
	w->dir = dir;
	w->class = class;
	make_addr(&w->info.src, src);
	make_addr(&w->info.dst, dst);
	w->info.sport = 40000;
	w->info.dport = 25;
	w->info.seq = 0xa1b2c3d4;
	w->info.tcp_flags = flags;
}

static void
want_malformed(struct pf_event *w)
{
	memset(w, 0, sizeof(*w));
	w->class = PKT_MALFORMED;
}

/* Compares everything, padding included; 1 when equal. */
static int
same(const char *name, const struct pf_event *got, const struct pf_event *w)
{
	if (got->class != w->class) {
		failed(name, "class %s, want %s", cname(got->class),
		    cname(w->class));
		return 0;
	}
	if (got->action != w->action || got->dir != w->dir) {
		failed(name, "action %u dir %u, want %u %u", got->action,
		    got->dir, w->action, w->dir);
		return 0;
	}
	if (memcmp(&got->info, &w->info, sizeof(w->info)) != 0) {
		failed(name, "packet info differs (ports %u > %u, flags "
		    "0x%02x, af %u)", got->info.sport, got->info.dport,
		    got->info.tcp_flags, got->info.src.af);
		return 0;
	}
	if (memcmp(got, w, sizeof(*w)) != 0) {
		failed(name, "unused bytes of the event are not zero");
		return 0;
	}
	return 1;
}

static void
expect_n(const char *name, const struct rec *r, size_t caplen,
    const struct pf_event *w)
{
	struct pf_event	ev;

	run(r, caplen, &ev);
	if (same(name, &ev, w))
		pass(name);
}

static void
expect(const char *name, const struct rec *r, const struct pf_event *w)
{
	expect_n(name, r, r->len, w);
}

static void
expect_malformed(const char *name, const struct rec *r)
{
	struct pf_event	w;

	want_malformed(&w);
	expect(name, r, &w);
}

/* A TCP record with those flags: class, and everything as it was built. */
static void
expect_tcp(const char *name, uint32_t class, uint8_t action, uint8_t dir,
    const char *src, const char *dst, uint8_t flags)
{
	struct rec	r;
	struct pf_event	w;

	build(&r, action, dir, src, dst, IPPROTO_TCP, flags, HDRLEN);
	want_tcp(&w, class, action, dir, src, dst, flags);
	expect(name, &r, &w);
}

/*
 * SYNs from src to dst with byte off of the record set to every value
 * but keep and keep2 (the field's name for the message): all malformed.
 */
static void
expect_malformed_values(const char *name, const char *field, size_t off,
    int keep, int keep2, const char *src, const char *dst)
{
	struct rec	r;
	struct pf_event	ev, w;
	int		v;

	want_malformed(&w);
	for (v = 0; v < 256; v++) {
		if (v == keep || v == keep2)
			continue;
		syn(&r, PF_DROP, PF_IN, src, dst);
		r.b[off] = (uint8_t)v;
		run(&r, r.len, &ev);
		if (memcmp(&ev, &w, sizeof(w)) != 0) {
			failed(name, "%s %d: %s", field, v, cname(ev.class));
			return;
		}
	}
	pass(name);
}

/* ---- the checks ---- */

static void
set_conf(int empty)
{
	struct capture_conf	cc;

	memset(&cc, 0, sizeof(cc));
	if (!empty) {
		make_addr(&cc.fake[0], FAKE4);
		make_addr(&cc.fake[1], FAKE6);
		make_addr(&cc.real[0], REAL4);
		make_addr(&cc.real[1], REAL6);
		cc.nfake = 2;
		cc.nreal = 2;
	}
	classify_setconf(&cc);
}

static void
t_classes(void)
{
	struct rec	r;
	struct pf_event	w;

	expect_tcp("ipv4_block_in_syn_to_fake", PKT_FAKE, PF_DROP, PF_IN,
	    SRC4, FAKE4, TCP_FLAG_SYN);
	expect_tcp("ipv4_pass_in_syn_to_real", PKT_REAL, PF_PASS, PF_IN,
	    SRC4, REAL4, TCP_FLAG_SYN);
	expect_tcp("ipv4_block_in_syn_to_real", PKT_REAL, PF_DROP, PF_IN,
	    SRC4, REAL4, TCP_FLAG_SYN);
	expect_tcp("ipv6_block_in_syn_to_fake", PKT_FAKE, PF_DROP, PF_IN,
	    SRC6, FAKE6, TCP_FLAG_SYN);
	expect_tcp("ipv6_pass_in_syn_to_real", PKT_REAL, PF_PASS, PF_IN,
	    SRC6, REAL6, TCP_FLAG_SYN);

	/* Direction and action come through as pf wrote them. */
	expect_tcp("ipv4_pass_out_syn", PKT_OTHER, PF_PASS, PF_OUT,
	    REAL4, SRC4, TCP_FLAG_SYN);
	expect_tcp("ipv6_block_out_syn_to_fake_dir_kept", PKT_FAKE, PF_DROP,
	    PF_OUT, SRC6, FAKE6, TCP_FLAG_SYN);
	expect_tcp("other_action_and_dir_kept", PKT_FAKE,
	    8, 0, SRC4, FAKE4, TCP_FLAG_SYN);	/* PF_MATCH, PF_INOUT */

	/* Only a SYN without ACK opens a connection. */
	expect_tcp("ipv4_block_in_ack", PKT_OTHER, PF_DROP, PF_IN,
	    SRC4, REAL4, TCP_FLAG_ACK);
	expect_tcp("ipv6_synack_to_fake", PKT_OTHER, PF_DROP, PF_IN,
	    SRC6, FAKE6, TCP_FLAG_SYN | TCP_FLAG_ACK);
	expect_tcp("ipv4_syn_to_neither", PKT_OTHER, PF_DROP, PF_IN,
	    SRC4, "198.51.100.25", TCP_FLAG_SYN);

	/* Not TCP: addresses only. */
	build(&r, PF_DROP, PF_IN, SRC4, FAKE4, IPPROTO_UDP, 0, HDRLEN);
	memset(&w, 0, sizeof(w));
	w.action = PF_DROP;
	w.dir = PF_IN;
	w.class = PKT_OTHER;
	make_addr(&w.info.src, SRC4);
	make_addr(&w.info.dst, FAKE4);
	expect("ipv4_udp_to_fake", &r, &w);

	/* Before the parent's addresses arrive nothing is fake or real. */
	set_conf(1);
	expect_tcp("empty_conf_syn_is_other", PKT_OTHER, PF_DROP, PF_IN,
	    SRC4, FAKE4, TCP_FLAG_SYN);
	set_conf(0);
}

/* Cut at every length: malformed below the whole headers, never a fault. */
static void
t_truncated(void)
{
	struct {
		const char	*name;
		const char	*src, *dst;
		uint32_t	 class;
	} t[] = {
		{ "ipv4_truncated_every_length", SRC4, FAKE4, PKT_FAKE },
		{ "ipv6_truncated_every_length", SRC6, REAL6, PKT_REAL },
	};
	struct rec	r;
	struct pf_event	ev, w;
	const char	*name;
	size_t		 i, n;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		name = t[i].name;
		syn(&r, PF_DROP, PF_IN, t[i].src, t[i].dst);
		want_malformed(&w);
		for (n = 0; n < r.len; n++) {
			run(&r, n, &ev);
			if (memcmp(&ev, &w, sizeof(w)) != 0)
				break;
		}
		if (n < r.len) {
			failed(name, "%zu of %zu bytes: class %s or a dirty "
			    "event", n, r.len, cname(ev.class));
			continue;
		}
		want_tcp(&w, t[i].class, PF_DROP, PF_IN, t[i].src, t[i].dst,
		    TCP_FLAG_SYN);
		run(&r, r.len, &ev);
		if (same(name, &ev, &w))
			pass(name);
	}
}

/* Bytes past the packet (odd counts: unaligned starts) change nothing. */
static void
t_trailing(void)
{
	struct rec	r;
	struct pf_event	ev, w;
	const char	*name = "trailing_bytes_and_unaligned_starts";
	size_t		 k, len;

	syn(&r, PF_PASS, PF_IN, SRC6, REAL6);
	want_tcp(&w, PKT_REAL, PF_PASS, PF_IN, SRC6, REAL6, TCP_FLAG_SYN);
	len = r.len;
	for (k = 0; k < 16; k++) {
		r.b[len + k] = 0xee;
		run(&r, len + k + 1, &ev);
		if (!same(name, &ev, &w))
			return;
	}
	pass(name);
}

/* Another header length: another layout (FreeBSD's, an old OpenBSD's). */
static void
t_hdrlen(void)
{
	static const size_t	 shifted[] = { 45, 61, 64, 68, 72, 96, 104 };
	struct rec		 r;
	char			 buf[64];
	size_t			 i;

	expect_malformed_values("every_wrong_length_field", "length", 0,
	    HDRLEN, HDRLEN, SRC4, FAKE4);

	/* The packet where the length field says, to tempt the decoder. */
	for (i = 0; i < sizeof(shifted) / sizeof(shifted[0]); i++) {
		snprintf(buf, sizeof(buf), "length_%zu_packet_there",
		    shifted[i]);
		build(&r, PF_DROP, PF_IN, SRC4, FAKE4, IPPROTO_TCP,
		    TCP_FLAG_SYN, (shifted[i] + 3) & ~(size_t)3);
		r.b[0] = (uint8_t)shifted[i];
		expect_malformed(buf, &r);
	}
}

static void
t_af(void)
{
	struct rec	r;

	expect_malformed_values("every_foreign_af", "af", 1, OB_INET,
	    OB_INET6, SRC6, FAKE6);

	/* Linux's, FreeBSD's and macOS's AF_INET6 in particular. */
	syn(&r, PF_DROP, PF_IN, SRC6, FAKE6);
	r.b[1] = 10;
	expect_malformed("af_10_linux_inet6", &r);
	r.b[1] = 28;
	expect_malformed("af_28_freebsd_inet6", &r);
	r.b[1] = 30;
	expect_malformed("af_30_macos_inet6", &r);
}

static void
t_mismatch(void)
{
	struct rec	r;

	syn(&r, PF_DROP, PF_IN, SRC6, FAKE6);
	r.b[1] = OB_INET;
	expect_malformed("af_inet_ipv6_packet", &r);

	syn(&r, PF_DROP, PF_IN, SRC4, FAKE4);
	r.b[1] = OB_INET6;
	expect_malformed("af_inet6_ipv4_packet", &r);

	syn(&r, PF_DROP, PF_IN, SRC4, FAKE4);
	r.b[HDRLEN] = 0x55;			/* version 5 */
	expect_malformed("af_inet_version_5", &r);

	syn(&r, PF_DROP, PF_IN, SRC4, FAKE4);
	r.b[HDRLEN] = 0x00;
	expect_malformed("af_inet_version_0", &r);
}

/* A sound header does not make a sound packet: nothing leaks out. */
static void
t_bad_packet(void)
{
	struct rec	r;

	syn(&r, PF_DROP, PF_IN, SRC4, FAKE4);
	put16(r.b + HDRLEN + 6, 0x2000);	/* MF: a fragment */
	expect_malformed("ipv4_fragment", &r);

	syn(&r, PF_DROP, PF_IN, SRC4, FAKE4);
	r.b[HDRLEN] = 0x44;			/* IHL 16 bytes */
	expect_malformed("ipv4_short_ihl", &r);

	syn(&r, PF_PASS, PF_IN, SRC6, REAL6);
	put16(r.b + HDRLEN + 4, 8);		/* payload shorter than TCP */
	expect_malformed("ipv6_payload_length_short", &r);
}

static void
t_degenerate(void)
{
	struct pf_event	ev;
	const char	*name = "null_record";

	memset(&ev, 0xa5, sizeof(ev));
	if (pflog_decode(NULL, 0, &ev) != PKT_MALFORMED ||
	    ev.class != PKT_MALFORMED || ev.action != 0 || ev.dir != 0)
		failed(name, "not malformed, or a dirty event");
	else
		pass(name);
}

int
main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	set_conf(0);

	t_classes();
	t_truncated();
	t_trailing();
	t_hdrlen();
	t_af();
	t_mismatch();
	t_bad_packet();
	t_degenerate();

	return unit_exit_status();
}
