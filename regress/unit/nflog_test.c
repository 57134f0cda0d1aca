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
 * Unit tests for the NFLOG record decoder of the capture process.
 * Records are built here as the kernel writes them (struct nfgenmsg,
 * then attributes with host-order 16-bit lengths and types, padded to 4
 * bytes), independently of the decoder's constants; the packets with
 * regress/lib/packet.c.  Then every truncation length, attributes that
 * lie about their length, random input, and the NFLOG captures other
 * projects ship (../shared/realcaps/nflog beside the project, or
 * $REALCAPS/nflog).  Prints
 * "ok NAME" or "FAIL NAME: reason" per check; exits 1 on any failure.
 * Each record ends right in front of an inaccessible page (unit_guard),
 * so a read past the capture faults.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <libgen.h>
#include <limits.h>
#include <pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "nflog.h"

#include "packet.h"
#include "unit.h"

#define REC_MAX		4096
#define NRANDOM		200000

#define FAKE4		"192.0.2.10"
#define REAL4		"192.0.2.20"
#define FAKE6		"2001:db8::10"
#define REAL6		"2001:db8::20"
#define SRC4		"203.0.113.5"
#define SRC6		"2001:db8:1::5"

/* Linux's numbers, written out here rather than taken from nflog.h. */
#define T_PACKET_HDR	1
#define T_TIMESTAMP	3
#define T_IFINDEX	4
#define T_PAYLOAD	9
#define T_PREFIX	10
#define T_NESTED	0x8000

struct rec {
	uint8_t		b[REC_MAX];
	size_t		len;
	size_t		payload_end;	/* where the payload's value ends */
};

/* One attribute: length (header included) and type in host order. */
static void
tlv(struct rec *r, uint16_t type, const void *val, size_t len)
{
	uint16_t	l = len + 4;

	memcpy(r->b + r->len, &l, 2);
	memcpy(r->b + r->len + 2, &type, 2);
	memcpy(r->b + r->len + 4, val, len);
	r->len += (len + 4 + 3) & ~(size_t)3;
}

/*
 * A record as nft's "log group 25 prefix P" writes it: header, packet
 * header, input interface, timestamp, prefix (unless NULL), payload: a
 * TCP segment with those flags from src to dst.
 */
static void
build(struct rec *r, const char *prefix, const char *src, const char *dst,
    uint8_t flags)
{
	struct pkt	ip;
	uint8_t		hdr[4] = { 0x08, 0x00, 1, 0 }, ifi[4] = { 0, 0, 0, 2 };
	uint8_t		ts[16] = { 0 };
	int		af = addr_family(src);

	if (af == AF_INET6)
		pkt_ip6(&ip, src, dst, IPPROTO_TCP);
	else
		pkt_ip4(&ip, src, dst, IPPROTO_TCP, NULL, 0);
	pkt_tcp(&ip, 40000, 25, 0xa1b2c3d4, flags, linux_syn_opts,
	    sizeof(linux_syn_opts));
	pkt_finish(&ip);

	memset(r, 0, sizeof(*r));
	r->b[0] = af == AF_INET6 ? 10 : 2;	/* nfgen_family */
	r->b[1] = 0;				/* version */
	put16(r->b + 2, 25);			/* res_id, network order */
	r->len = 4;
	tlv(r, T_PACKET_HDR, hdr, sizeof(hdr));
	tlv(r, T_IFINDEX, ifi, sizeof(ifi));
	tlv(r, T_TIMESTAMP, ts, sizeof(ts));
	if (prefix != NULL)
		tlv(r, T_PREFIX, prefix, strlen(prefix) + 1);
	tlv(r, T_PAYLOAD, ip.b, ip.len);
	r->payload_end = r->len - ((ip.len + 3) & ~(size_t)3) + ip.len;
}

static enum pkt_class
run(const struct rec *r, size_t caplen, struct nflog_event *ev)
{
	enum pkt_class	c;

	memset(ev, 0xa5, sizeof(*ev));
	c = nflog_decode(unit_guard(r->b, caplen), caplen, ev);
	if (c != (enum pkt_class)ev->class) {
		fprintf(stderr, "returned %d, event says %u\n", c, ev->class);
		exit(2);
	}
	return c;
}

/* A malformed (or cut) answer: all zero but class and action. */
static int
is_zeroed(const struct nflog_event *ev, uint32_t class)
{
	struct nflog_event	w;

	memset(&w, 0, sizeof(w));
	w.class = class;
	w.action = NFLOG_OTHER;
	return memcmp(ev, &w, sizeof(w)) == 0;
}

static int
is_malformed(const struct nflog_event *ev)
{
	return is_zeroed(ev, PKT_MALFORMED);
}

static void
expect_malformed(const char *name, const struct rec *r, size_t caplen)
{
	struct nflog_event	ev;

	run(r, caplen, &ev);
	if (is_malformed(&ev))
		pass(name);
	else
		failed(name, "class %u action %u, want malformed", ev.class,
		    ev.action);
}

static void
expect_zeroed(const char *name, const struct rec *r, uint32_t class)
{
	struct nflog_event	ev;

	run(r, r->len, &ev);
	if (is_zeroed(&ev, class))
		pass(name);
	else
		failed(name, "class %u action %u, want %u", ev.class,
		    ev.action, class);
}

/* A SYN with prefix from src to dst: class, action, the packet's fields. */
static void
expect_syn(const char *name, const char *prefix, const char *src,
    const char *dst, uint32_t class, uint32_t action)
{
	struct rec		r;
	struct nflog_event	ev;
	uint8_t			a[16];

	build(&r, prefix, src, dst, TCP_FLAG_SYN);
	run(&r, r.len, &ev);
	put_addr(a, addr_family(src), src);
	if (ev.class != class || ev.action != action)
		failed(name, "class %u action %u, want %u %u", ev.class,
		    ev.action, class, action);
	else if (ev.info.src.af != addr_family(src) ||
	    memcmp(ev.info.src.u.bytes, a, addr_family(src) == AF_INET ?
	    4 : 16) != 0 || ev.info.sport != 40000 || ev.info.dport != 25 ||
	    ev.info.seq != 0xa1b2c3d4 || ev.info.tcp_flags != TCP_FLAG_SYN)
		failed(name, "packet fields not as built");
	else
		pass(name);
}

static void
t_records(void)
{
	expect_syn("v4 fake hit", "mxallowd fake", SRC4, FAKE4, PKT_FAKE,
	    NFLOG_FAKE);
	expect_syn("v6 fake hit", "mxallowd fake", SRC6, FAKE6, PKT_FAKE,
	    NFLOG_FAKE);
	expect_syn("v4 admitted", "mxallowd admit", SRC4, REAL4, PKT_REAL,
	    NFLOG_ADMIT);
	expect_syn("v6 admitted", "mxallowd admit", SRC6, REAL6, PKT_REAL,
	    NFLOG_ADMIT);
	expect_syn("v4 blocked", "mxallowd block", SRC4, REAL4, PKT_REAL,
	    NFLOG_BLOCK);
	expect_syn("v6 blocked", "mxallowd block", SRC6, REAL6, PKT_REAL,
	    NFLOG_BLOCK);
	expect_syn("another rule's prefix", "INPUT DROP", SRC4, REAL4,
	    PKT_REAL, NFLOG_OTHER);
	expect_syn("a prefix of ours, longer", "mxallowd fakes", SRC4, FAKE4,
	    PKT_FAKE, NFLOG_OTHER);
	expect_syn("an empty prefix", "", SRC4, FAKE4, PKT_FAKE, NFLOG_OTHER);
	expect_syn("no prefix", NULL, SRC6, REAL6, PKT_REAL, NFLOG_OTHER);
	expect_syn("another destination", "mxallowd admit", SRC4, "192.0.2.99",
	    PKT_OTHER, NFLOG_ADMIT);
}

/* Attributes and headers that are wrong, each alone. */
static void
t_bad(void)
{
	struct rec	r, s;
	uint16_t	v;

	build(&r, "mxallowd fake", SRC4, FAKE4, TCP_FLAG_SYN);
	s = r;
	s.b[1] = 1;
	expect_malformed("version 1", &s, s.len);
	s = r;
	s.b[0] = 7;
	expect_malformed("family 7", &s, s.len);
	s = r;
	s.b[0] = 10;
	expect_malformed("family inet6 with an IPv4 packet", &s, s.len);
	s = r;
	v = 3;
	memcpy(s.b + 4, &v, 2);
	expect_malformed("attribute length 3", &s, s.len);
	s = r;
	v = 0;
	memcpy(s.b + 4, &v, 2);
	expect_malformed("attribute length 0", &s, s.len);
	s = r;
	v = s.len;
	memcpy(s.b + 4, &v, 2);
	expect_malformed("attribute longer than the record", &s, s.len);
	s = r;
	s.b[s.len] = 0;
	s.len += 2;
	expect_malformed("two bytes after the last attribute", &s, s.len);

	/* A second payload, then a second prefix. */
	s = r;
	tlv(&s, T_PAYLOAD, r.b + 8, 40);
	expect_malformed("two payloads", &s, s.len);
	s = r;
	tlv(&s, T_PREFIX, "x", 2);
	expect_malformed("two prefixes", &s, s.len);
	s = r;
	memset(s.b, 0, sizeof(s.b));
	s.b[0] = 2;
	s.len = 4;
	tlv(&s, T_PREFIX, "mxallowd fake", 13);	/* no NUL */
	tlv(&s, T_PAYLOAD, r.b + r.payload_end - 60, 60);
	expect_malformed("a prefix without its NUL", &s, s.len);
	s = r;
	s.len = 4;
	tlv(&s, T_PREFIX, "mxallowd fake", 14);
	expect_malformed("no payload", &s, s.len);
	s = r;
	s.len = 4;
	tlv(&s, T_PAYLOAD, "", 0);
	expect_malformed("an empty payload", &s, s.len);
	/* The packet's copy ends before its TCP flags: cut, not judged. */
	s = r;
	s.len = 4;
	tlv(&s, T_PREFIX, "mxallowd fake", 14);
	tlv(&s, T_PAYLOAD, r.b + r.payload_end - 60, 30);
	expect_zeroed("a packet copied short of its TCP flags: cut", &s,
	    PKT_CUT);
	expect_malformed("nothing", &r, 0);
	expect_malformed("three bytes", &r, 3);
}

/* Flags bits on a type, an unknown type: read past, not refused. */
static void
t_unknown(void)
{
	struct rec		r, s;
	struct nflog_event	ev;
	uint8_t			junk[7] = { 1, 2, 3, 4, 5, 6, 7 };

	build(&r, "mxallowd admit", SRC6, REAL6, TCP_FLAG_SYN);
	s = r;
	s.len = 4;
	tlv(&s, 99, junk, sizeof(junk));
	tlv(&s, 0x7fff, junk, 1);
	tlv(&s, T_NESTED | 20, junk, 4);
	memcpy(s.b + s.len, r.b + 4, r.len - 4);
	s.len += r.len - 4;
	run(&s, s.len, &ev);
	if (ev.class == PKT_REAL && ev.action == NFLOG_ADMIT)
		pass("unknown attributes are skipped");
	else
		failed("unknown attributes are skipped", "class %u action %u",
		    ev.class, ev.action);
	s = r;
	s.len = 4;
	tlv(&s, T_NESTED | T_PREFIX, "mxallowd admit", 15);
	tlv(&s, T_NESTED | T_PAYLOAD, r.b + r.payload_end - 80, 80);
	run(&s, s.len, &ev);
	if (ev.class == PKT_REAL && ev.action == NFLOG_ADMIT)
		pass("flag bits of a type are ignored");
	else
		failed("flag bits of a type are ignored", "class %u action %u",
		    ev.class, ev.action);
}

/*
 * Every truncation of a record: malformed until the payload is whole,
 * decoded after (the last attribute's padding may be missing).
 */
static void
t_truncated(const char *name, const char *src, const char *dst)
{
	struct rec		r;
	struct nflog_event	ev;
	size_t			cut;

	build(&r, "mxallowd fake", src, dst, TCP_FLAG_SYN);
	for (cut = 0; cut <= r.len; cut++) {
		run(&r, cut, &ev);
		if (cut < r.payload_end ? !is_malformed(&ev) :
		    ev.class != PKT_FAKE || ev.action != NFLOG_FAKE) {
			failed(name, "cut at %zu of %zu: class %u action %u",
			    cut, r.len, ev.class, ev.action);
			return;
		}
	}
	pass(name);
}

/* A fixed seed: the same input on every run and platform. */
static uint32_t	rnd_state = 0x6e666c67;

static uint32_t
rnd(void)
{
	return unit_rnd(&rnd_state);
}

/* A decode that did not fail keeps to the contract. */
static const char *
consistent(const struct nflog_event *ev)
{
	if (ev->class < PKT_FAKE || ev->class > PKT_CLASS_LAST)
		return "class out of range";
	if (ev->action < NFLOG_OTHER || ev->action > NFLOG_BLOCK)
		return "action out of range";
	if ((ev->class == PKT_MALFORMED || ev->class == PKT_CUT) &&
	    !is_zeroed(ev, ev->class))
		return "malformed or cut, but not zeroed";
	if (ev->class != PKT_MALFORMED && ev->class != PKT_CUT &&
	    ev->info.src.af != AF_INET &&
	    ev->info.src.af != AF_INET6)
		return "decoded without an address family";
	return NULL;
}

/* Noise, noise with a plausible header, records mutated and cut. */
static void
t_random(void)
{
	struct rec		 seeds[4], r;
	struct nflog_event	 ev;
	const char		*why = NULL;
	size_t			 j;
	int			 i, k, decoded = 0;

	build(&seeds[0], "mxallowd fake", SRC4, FAKE4, TCP_FLAG_SYN);
	build(&seeds[1], "mxallowd admit", SRC6, REAL6, TCP_FLAG_SYN);
	build(&seeds[2], "mxallowd block", SRC4, REAL4, TCP_FLAG_SYN);
	build(&seeds[3], NULL, SRC6, FAKE6, TCP_FLAG_SYN | TCP_FLAG_ACK);
	for (i = 0; i < NRANDOM && why == NULL; i++) {
		if (i % 3 == 2) {
			r = seeds[rnd() % 4];
			for (k = rnd() % 4 + 1; k > 0; k--)
				r.b[rnd() % r.len] ^= 1 << (rnd() % 8);
			r.len = rnd() % (r.len + 1);
		} else {
			memset(&r, 0, sizeof(r));
			r.len = rnd() % 300;
			for (j = 0; j < r.len; j++)
				r.b[j] = rnd();
			if (i % 3 == 1 && r.len >= 8) {
				r.b[0] = rnd() & 1 ? 2 : 10;
				r.b[1] = 0;
				r.b[4] = rnd() % 40;
				r.b[5] = 0;
			}
		}
		run(&r, r.len, &ev);
		why = consistent(&ev);
		decoded += ev.class != PKT_MALFORMED && ev.class != PKT_CUT;
	}
	if (why != NULL)
		failed("random input", "iteration %d: %s", i - 1, why);
	else if (decoded == 0)
		failed("random input", "nothing decoded: no coverage");
	else {
		printf("# random: %d of %d decoded\n", decoded, NRANDOM);
		pass("random input");
	}
}

/*
 * What one real capture should give: its records, how many malformed, and
 * the source of the first that decodes.  None of them is SMTP to our
 * addresses, so all are PKT_OTHER with action NFLOG_OTHER.
 */
struct realcap {
	const char	*file;
	int		 records;
	int		 malformed;
	const char	*first_src;
};

static void
t_realcap(const char *dir, const struct realcap *rc)
{
	char			 path[PATH_MAX + 64], errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr	*h;
	const u_char		*bytes;
	struct nflog_event	 ev;
	struct rec		 r;
	pcap_t			*pc;
	const char		*why = NULL;
	char			 src[INET6_ADDRSTRLEN] = "";
	int			 n = 0, bad = 0;
	size_t			 cut;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, rc->file) >=
	    sizeof(path)) {
		failed(rc->file, "path too long");
		return;
	}
	if ((pc = pcap_open_offline(path, errbuf)) == NULL) {
		failed(rc->file, "%s", errbuf);
		return;
	}
	while (pcap_next_ex(pc, &h, &bytes) == 1 && why == NULL) {
		if (pcap_datalink(pc) != DLT_NFLOG || h->caplen > REC_MAX) {
			why = "not an NFLOG record, or too long";
			break;
		}
		memcpy(r.b, bytes, h->caplen);
		n++;
		/* Every truncation of every record keeps to the contract. */
		for (cut = 0; cut < h->caplen && why == NULL; cut++) {
			run(&r, cut, &ev);
			why = consistent(&ev);
		}
		run(&r, h->caplen, &ev);
		if (why == NULL)
			why = consistent(&ev);
		bad += ev.class == PKT_MALFORMED;
		if (ev.class == PKT_MALFORMED)
			continue;
		if (ev.action != NFLOG_OTHER || ev.class != PKT_OTHER)
			why = "not a stranger's record: a prefix or an "
			    "address of ours";
		if (src[0] == '\0')
			inet_ntop(ev.info.src.af, ev.info.src.u.bytes, src,
			    sizeof(src));
	}
	pcap_close(pc);
	if (why != NULL)
		failed(rc->file, "record %d: %s", n, why);
	else if (n != rc->records || bad != rc->malformed ||
	    (rc->first_src != NULL && strcmp(src, rc->first_src) != 0))
		failed(rc->file, "%d records, %d malformed, first source %s",
		    n, bad, src);
	else
		pass(rc->file);
}

static void
t_realcaps(const char *argv0)
{
	static const struct realcap caps[] = {
		{ "tcpdump-nflog.pcap", 4, 0, "74.82.42.42" },
		{ "zeek-nflog-http.pcap", 13, 0, "10.0.2.15" },
		{ "zeek-nflog-bad-tlv-len.pcap", 1, 1, NULL },
		{ "arkime-nflog.pcap", 10, 0, "10.10.10.10" },
		{ "pcapplusplus-nflogPacket.pcap", 1, 0, "10.0.2.15" },
	};
	const char	*top = getenv("REALCAPS");
	char		 self[PATH_MAX], dir[PATH_MAX + 64];
	size_t		 i;

	/* $REALCAPS (run.sh's), or the project's top three levels up. */
	if (top != NULL)
		snprintf(dir, sizeof(dir), "%s/nflog", top);
	else if (realpath(argv0, self) == NULL ||
	    (size_t)snprintf(dir, sizeof(dir),
	    "%s/../../../shared/realcaps/nflog", dirname(self)) >=
	    sizeof(dir)) {
		failed("realcaps", "where is %s (REALCAPS names the "
		    "directory)", argv0);
		return;
	}
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		t_realcap(dir, &caps[i]);
}

static void
setconf(void)
{
	/* The captures' servers too: port 80 is still not ours. */
	static const char	*fake[] = { FAKE4, FAKE6, "52.43.228.156" };
	static const char	*real[] = { REAL4, REAL6, "93.184.216.34" };
	struct capture_conf	 cc;
	size_t			 i;

	memset(&cc, 0, sizeof(cc));
	for (i = 0; i < 3; i++) {
		cc.fake[i].af = addr_family(fake[i]);
		put_addr(cc.fake[i].u.bytes, cc.fake[i].af, fake[i]);
		cc.real[i].af = addr_family(real[i]);
		put_addr(cc.real[i].u.bytes, cc.real[i].af, real[i]);
	}
	cc.nfake = cc.nreal = 3;
	classify_setconf(&cc);
}

int
main(int argc, char *argv[])
{
	setconf();
	t_records();
	t_bad();
	t_unknown();
	t_truncated("v4: every truncation length", SRC4, FAKE4);
	t_truncated("v6: every truncation length", SRC6, FAKE6);
	t_random();
	t_realcaps(argv[0]);
	return unit_exit_status();
}
