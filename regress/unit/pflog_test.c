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
 * Then the records in captures other projects wrote (../shared/realcaps,
 * or $REALCAPS): OpenBSD pflog files, and the SYNs of other captures put
 * into pflog records here, whole and cut to pflogd's 160 bytes.
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
#include "savefile.h"
#include "unit.h"

#define REC_MAX		512
#define HDRLEN		100	/* sizeof(struct pfloghdr) on OpenBSD */
#define OB_INET		2	/* OpenBSD's address families */
#define OB_INET6	24
#define PF_PASS		0	/* sys/net/pfvar.h 1.543: the action enum */
#define PF_DROP		1
#define PF_MATCH	12
#define PF_IN		1
#define PF_OUT		2
#define PFLOGD_SNAPLEN	160	/* pflogd's default -s */

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
	case PKT_CUT:
		return "CUT";
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

/* What a record of another protocol gives: addresses only. */
static void
want_not_tcp(struct pf_event *w, uint8_t action, uint8_t dir,
    const char *src, const char *dst)
{
	memset(w, 0, sizeof(*w));
	w->action = action;
	w->dir = dir;
	w->class = PKT_OTHER;
	make_addr(&w->info.src, src);
	make_addr(&w->info.dst, dst);
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
	expect_tcp("match_action_and_dir_kept", PKT_FAKE,
	    PF_MATCH, 0, SRC4, FAKE4, TCP_FLAG_SYN);	/* PF_INOUT */

	/* Only a SYN without ACK opens a connection. */
	expect_tcp("ipv4_block_in_ack", PKT_OTHER, PF_DROP, PF_IN,
	    SRC4, REAL4, TCP_FLAG_ACK);
	expect_tcp("ipv6_synack_to_fake", PKT_OTHER, PF_DROP, PF_IN,
	    SRC6, FAKE6, TCP_FLAG_SYN | TCP_FLAG_ACK);
	expect_tcp("ipv4_syn_to_neither", PKT_OTHER, PF_DROP, PF_IN,
	    SRC4, "198.51.100.25", TCP_FLAG_SYN);

	/* Not TCP: addresses only. */
	build(&r, PF_DROP, PF_IN, SRC4, FAKE4, IPPROTO_UDP, 0, HDRLEN);
	want_not_tcp(&w, PF_DROP, PF_IN, SRC4, FAKE4);
	expect("ipv4_udp_to_fake", &r, &w);

	/* A SYN counts only to port 25, whatever the pcap filter passed. */
	{
		static const uint16_t	 ports[] = { 0, 23, 24, 26, 80, 465,
		    587, 2525, 6400, 65535 };
		size_t			 i;
		char			 name[64];

		for (i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
			syn(&r, PF_DROP, PF_IN, i % 2 ? SRC6 : SRC4,
			    i % 2 ? FAKE6 : FAKE4);
			put16(r.b + HDRLEN + (i % 2 ? 40 : 20) + 2, ports[i]);
			want_tcp(&w, PKT_OTHER, PF_DROP, PF_IN,
			    i % 2 ? SRC6 : SRC4, i % 2 ? FAKE6 : FAKE4,
			    TCP_FLAG_SYN);
			w.info.dport = ports[i];
			snprintf(name, sizeof(name), "syn_to_fake_port_%u",
			    ports[i]);
			expect(name, &r, &w);

			syn(&r, PF_PASS, PF_IN, SRC4, REAL4);
			put16(r.b + HDRLEN + 20 + 2, ports[i]);
			want_tcp(&w, PKT_OTHER, PF_PASS, PF_IN, SRC4, REAL4,
			    TCP_FLAG_SYN);
			w.info.dport = ports[i];
			snprintf(name, sizeof(name), "syn_to_real_port_%u",
			    ports[i]);
			expect(name, &r, &w);
		}
	}

	/* Before the parent's addresses arrive nothing is fake or real. */
	set_conf(1);
	expect_tcp("empty_conf_syn_is_other", PKT_OTHER, PF_DROP, PF_IN,
	    SRC4, FAKE4, TCP_FLAG_SYN);
	set_conf(0);
}

/*
 * Cut at every length, never a fault: malformed within the pflog header
 * (it cannot be checked), CUT up to the TCP flags, the whole answer from
 * there on (the TCP options need not be there).
 */
static void
t_truncated(void)
{
	struct {
		const char	*name;
		const char	*src, *dst;
		uint32_t	 class;
		size_t		 decide;	/* where the flags end */
	} t[] = {
		{ "ipv4_truncated_every_length", SRC4, FAKE4, PKT_FAKE,
		    HDRLEN + 20 + 14 },
		{ "ipv6_truncated_every_length", SRC6, REAL6, PKT_REAL,
		    HDRLEN + 40 + 14 },
	};
	struct rec	r;
	struct pf_event	ev, w;
	const char	*name;
	size_t		 i, n;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		name = t[i].name;
		syn(&r, PF_DROP, PF_IN, t[i].src, t[i].dst);
		for (n = 0; n < t[i].decide; n++) {
			want_malformed(&w);
			if (n >= HDRLEN)
				w.class = PKT_CUT;
			run(&r, n, &ev);
			if (memcmp(&ev, &w, sizeof(w)) != 0)
				break;
		}
		if (n < t[i].decide) {
			failed(name, "%zu of %zu bytes: class %s or a dirty "
			    "event", n, r.len, cname(ev.class));
			continue;
		}
		want_tcp(&w, t[i].class, PF_DROP, PF_IN, t[i].src, t[i].dst,
		    TCP_FLAG_SYN);
		for (; n < r.len; n++) {
			run(&r, n, &ev);
			if (!same(name, &ev, &w))
				break;
		}
		if (n < r.len)
			continue;
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

	/* A fragment of another protocol is just not TCP. */
	{
		struct pf_event	w;

		build(&r, PF_DROP, PF_IN, SRC4, FAKE4, IPPROTO_UDP, 0, HDRLEN);
		put16(r.b + HDRLEN + 6, 0x2000);
		want_not_tcp(&w, PF_DROP, PF_IN, SRC4, FAKE4);
		expect("ipv4_udp_fragment_other", &r, &w);
	}

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

/* ---- the shared captures ---- */

static struct sf_rec	srec;

/* The classify configuration: these addresses fake (or real), no other. */
static void
set_conf_addrs(const struct mxaddr *a, size_t n, int real)
{
	struct capture_conf	cc;

	memset(&cc, 0, sizeof(cc));
	if (n > MAX_MAILSERVERS)
		n = MAX_MAILSERVERS;
	if (real) {
		memcpy(cc.real, a, n * sizeof(*a));
		cc.nreal = (uint32_t)n;
	} else {
		memcpy(cc.fake, a, n * sizeof(*a));
		cc.nfake = (uint32_t)n;
	}
	classify_setconf(&cc);
}

/* The destination address of the IP packet at ip (caplen >= 40). */
static void
dst_of(const uint8_t *ip, struct mxaddr *a)
{
	memset(a, 0, sizeof(*a));
	if (ip[0] >> 4 == 6) {
		a->af = AF_INET6;
		memcpy(a->u.bytes, ip + 24, 16);
	} else {
		a->af = AF_INET;
		memcpy(a->u.bytes, ip + 16, 4);
	}
}

/*
 * OpenBSD pflog savefiles.  derived-realsyn-pflog: 27 SYNs from the syn/
 * captures in OpenBSD pfloghdrs, "block in" (SOURCES.md,
 * derived-manifest.tsv); records 1-9 and 27 go to port 25, 10-15 carry
 * IPv6 extension headers.  With every destination a fake (or a real)
 * address, the port-25 SYNs and only they count; at pflogd's 160 bytes
 * as well (IPv6 with TCP options, 40- to 52-byte TCP headers, a header
 * cut by its own capture), but for 10-15, cut before their flags.
 * scapy-pflog-all: scapy's records of real OpenBSD pf (a SYN to port 23,
 * UDP, ICMP, both families, pass and block): none counts.
 */
static const struct pflogcap {
	const char	*file;
	int		 nrec;
	const char	*want;		/* per record: F fake, C cut, O other */
	const char	*actions;	/* per record, or NULL */
} pflogcaps[] = {
	{ "pflog/derived-realsyn-pflog.pcap", 27,
	    "FFFFFFFFFOOOOOOOOOOOOOOOOOF", NULL },
	{ "pflog/derived-realsyn-pflog-snap160.pcap", 27,
	    "FFFFFFFFFCCCCCCOOOOOOOOOOOF", NULL },
	{ "pflog/scapy-pflog-all.pcap", 8, "OOOOOOOO", "11110110" },
};

static void
t_pflogcaps(void)
{
	const struct pflogcap	*c;
	struct savefile		 sf;
	struct mxaddr		 dst[MAX_MAILSERVERS];
	struct pf_event		 ev;
	char			 path[1024], err[256], name[128], why[128];
	uint32_t		 want;
	size_t			 i, n, ndst;
	int			 real, rc;

	for (i = 0; i < sizeof(pflogcaps) / sizeof(pflogcaps[0]); i++) {
		c = &pflogcaps[i];
		snprintf(path, sizeof(path), "%s/%s", realcaps_dir(), c->file);
		for (real = 0; real <= 1; real++) {
			snprintf(name, sizeof(name), "realcaps_%s_%s",
			    c->file + 6, real ? "real" : "fake");
			/* Every destination, read from pfloghdr's daddr. */
			if (sf_open(&sf, path, err, sizeof(err)) == -1) {
				failed(name, "%s (REALCAPS names the "
				    "directory)", err);
				continue;
			}
			ndst = 0;
			while ((rc = sf_next(&sf, &srec)) == 1 &&
			    ndst < MAX_MAILSERVERS) {
				if (srec.caplen < HDRLEN)
					continue;
				memset(&dst[ndst], 0, sizeof(dst[ndst]));
				dst[ndst].af = srec.data[1] == OB_INET6 ?
				    AF_INET6 : AF_INET;
				memcpy(dst[ndst].u.bytes, srec.data + 80,
				    dst[ndst].af == AF_INET6 ? 16 : 4);
				ndst++;
			}
			sf_close(&sf);
			set_conf_addrs(dst, ndst, real);

			why[0] = '\0';
			n = 0;
			if (sf_open(&sf, path, err, sizeof(err)) == -1) {
				failed(name, "%s", err);
				continue;
			}
			while (why[0] == '\0' &&
			    (rc = sf_next(&sf, &srec)) == 1) {
				if (n >= (size_t)c->nrec) {
					snprintf(why, sizeof(why), "more than "
					    "%d records", c->nrec);
					break;
				}
				memset(&ev, 0xa5, sizeof(ev));
				pflog_decode(unit_guard(srec.data, srec.caplen),
				    srec.caplen, &ev);
				want = c->want[n] == 'F' ? (real ? PKT_REAL :
				    PKT_FAKE) : c->want[n] == 'C' ? PKT_CUT :
				    PKT_OTHER;
				if (ev.class != want)
					snprintf(why, sizeof(why), "record %zu "
					    "(%u of %u bytes): %s, want %s",
					    n + 1, srec.caplen, srec.len,
					    cname(ev.class), cname(want));
				else if (want != PKT_CUT &&
				    (ev.action != srec.data[2] ||
				    ev.dir != srec.data[60] ||
				    (c->actions != NULL &&
				    ev.action != c->actions[n] - '0')))
					snprintf(why, sizeof(why), "record %zu: "
					    "action %u dir %u", n + 1,
					    ev.action, ev.dir);
				else if (want != PKT_OTHER && want != PKT_CUT &&
				    memcmp(&ev.info.dst, &dst[n],
				    sizeof(dst[n])) != 0)
					snprintf(why, sizeof(why), "record %zu: "
					    "destination differs", n + 1);
				n++;
			}
			sf_close(&sf);
			if (why[0] != '\0')
				failed(name, "%s", why);
			else if (rc == -1 || n != (size_t)c->nrec)
				failed(name, "%zu records read of %d%s", n,
				    c->nrec, rc == -1 ? ", the file is cut" :
				    "");
			else
				pass(name);
		}
	}
}

/*
 * The SYNs of the non-pflog captures, each put into an OpenBSD pflog
 * record ("block in", as regress/tools/mkpflog writes them) with its own
 * destination as the one fake address: whole and cut to pflogd's 160
 * bytes, every SYN to port 25 is a hit, nothing else is (the counts are
 * tcpdump's, as in decode_test); cut, a record decodes as it does whole
 * or as CUT.
 */
static const struct wrapcap {
	const char	*file;
	int		 syn25;
} wrapcaps[] = {
	{ "syn/zeek/smtp.pcap", 2 },
	{ "syn/zeek/smtp-attachment-msg.pcap", 1 },
	{ "syn/zeek/communityid-ipv6.pcap", 1 },
	{ "syn/zeek/ip6-hoa-tcp-good-chksum.pcap", 0 },
	{ "syn/zeek/ip6-route0-tcp-good-chksum.pcap", 0 },
	{ "syn/zeek/ipv6-http-atomic-frag.pcap", 0 },
	{ "syn/zeek/tcp-truncated-header.pcap", 1 },
	{ "syn/zeek/ipv4-fragmented-syn.pcap", 0 },
	{ "syn/suricata-verify/smtperr.pcap", 3 },
	{ "syn/suricata-verify/detect-ipopts.pcap", 0 },
	{ "syn/suricata-verify/tfo.pcap", 0 },
	{ "syn/suricata-verify/defrag-ipv6-tcp-frag.pcap", 0 },
	{ "syn/ndpi/smtp-starttls.pcap", 2 },
	{ "syn/ndpi/synscan.pcap", 1 },
	{ "syn/tcpdump/mptcp-v0.pcap", 0 },
	{ "syn/arkime/cloudshark-bgp-md5.pcap", 0 },
	{ "syn/pcapplusplus/frag_http_req.pcap", 0 },
	{ "syn/pcapplusplus/ipv6_options.pcap", 0 },
};

static uint8_t	wrapped[HDRLEN + SF_SNAP_MAX];

/* Into an OpenBSD pflog record, "block in"; returns its length. */
static size_t
wrap(const uint8_t *ip, size_t iplen)
{
	int	v6 = ip[0] >> 4 == 6;

	memset(wrapped, 0, HDRLEN);
	wrapped[0] = HDRLEN;
	wrapped[1] = v6 ? OB_INET6 : OB_INET;
	wrapped[2] = PF_DROP;
	memcpy(wrapped + 4, "em0", 3);
	wrapped[60] = PF_IN;
	wrapped[62] = wrapped[1];
	if (iplen >= (v6 ? 40u : 20u)) {
		memcpy(wrapped + 64, ip + (v6 ? 8 : 12), v6 ? 16 : 4);
		memcpy(wrapped + 80, ip + (v6 ? 24 : 16), v6 ? 16 : 4);
	}
	memcpy(wrapped + HDRLEN, ip, iplen);
	return HDRLEN + iplen;
}

static void
t_wrapcaps(void)
{
	const struct wrapcap	*c;
	struct savefile		 sf;
	struct mxaddr		 dst;
	struct pf_event		 whole, cut;
	const uint8_t		*ip;
	char			 path[1024], err[256], name[128], why[160];
	size_t			 i, caplen, wirelen, len, n160;
	int			 hits, hits160, rc;

	for (i = 0; i < sizeof(wrapcaps) / sizeof(wrapcaps[0]); i++) {
		c = &wrapcaps[i];
		snprintf(name, sizeof(name), "realcaps_pflog_wrapped_%s",
		    c->file + 4);
		snprintf(path, sizeof(path), "%s/%s", realcaps_dir(), c->file);
		if (sf_open(&sf, path, err, sizeof(err)) == -1) {
			failed(name, "%s (REALCAPS names the directory)", err);
			continue;
		}
		hits = hits160 = 0;
		why[0] = '\0';
		while (why[0] == '\0' && (rc = sf_next(&sf, &srec)) == 1) {
			if (!sf_ip(&sf, &srec, &ip, &caplen, &wirelen) ||
			    caplen < 40)
				continue;
			dst_of(ip, &dst);
			set_conf_addrs(&dst, 1, 0);
			len = wrap(ip, caplen);
			pflog_decode(unit_guard(wrapped, len), len, &whole);
			hits += whole.class == PKT_FAKE;
			n160 = len < PFLOGD_SNAPLEN ? len : PFLOGD_SNAPLEN;
			pflog_decode(unit_guard(wrapped, n160), n160, &cut);
			hits160 += cut.class == PKT_FAKE;
			if (cut.class != PKT_CUT &&
			    memcmp(&cut, &whole, sizeof(cut)) != 0)
				snprintf(why, sizeof(why), "record %llu: %s "
				    "cut to 160 bytes, %s whole",
				    (unsigned long long)sf.records,
				    cname(cut.class), cname(whole.class));
		}
		sf_close(&sf);
		if (why[0] != '\0')
			failed(name, "%s", why);
		else if (rc == -1)
			failed(name, "the file ends inside a record");
		else if (hits != c->syn25 || hits160 != c->syn25)
			failed(name, "%d hits whole, %d at 160 bytes; SYNs to "
			    "port 25: %d", hits, hits160, c->syn25);
		else
			pass(name);
	}
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
	t_pflogcaps();
	t_wrapcaps();

	return unit_exit_status();
}
