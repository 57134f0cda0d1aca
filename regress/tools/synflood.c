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
 * synflood: the regress suite's SYN generator, for the benchmarks and the
 * flood tests.  Linux only; run inside a test's network namespace.
 *
 *	synflood -d dst -p port [-S prefix]... [-n count] [-t seconds]
 *	    [-r rate] [-i ifname] [-m mode] [-l] [-w ms] [-x seed]
 *	synflood -f fake -d dst -p port -S prefix/48 -n count [-w ms]
 *
 * Sends TCP SYNs (with an MSS option, valid checksums, a random source
 * port and sequence number each) to DST PORT from source addresses drawn
 * uniformly from the -S prefixes (each weighted by its size; default: the
 * address the route to DST would use), through a raw socket, in batches
 * (sendmmsg) unless paced.  Stops after COUNT packets (-n) or SECONDS
 * (-t, default 10, at most 600), whichever comes first; -r paces it to
 * RATE packets per second.  -x seeds the sources, ports and sequence
 * numbers (default 1: runs repeat).  -i sends and listens on IFNAME only.
 *
 * -l (latency mode) also reads the answers, on a packet socket, and
 * matches each SYN-ACK or RST to its SYN by addresses, ports and
 * ack == seq + 1: the round trip runs from just before the send to the
 * kernel's receive timestamp.  Answers still missing -w MS (default 1000)
 * after the last send are lost.  Each SYN is sent on its own (no
 * batches), at most LAT_MAX of them.
 *
 * -f (fake first, IPv6) measures how long a new source waits to be
 * admitted at DST after it touched the fake MX FAKE: for each of COUNT
 * sources, one after the other, the i-th /64 of the -S /48 (host ::1),
 * a SYN to FAKE, then a SYN to DST resent every RESEND_US until it is
 * answered (or -w MS is over: lost).  The time runs from the SYN to
 * FAKE to the receive timestamp of DST's SYN-ACK; it goes into the
 * latency figures.
 *
 * Destinations and sources must lie in the documentation ranges
 * (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) or on
 * loopback: a safety belt, the tests never send anywhere else.
 *
 * -m picks what is sent: "syn" (the default) or "malformed", SYNs that a
 * --syn rule matches but that the daemon cannot decode (for the flood
 * tests); see build_malformed().
 *
 * One line on standard output at the end:
 *
 *	sent=N seconds=F rate=F [answered=N lost=N p50_us=F p90_us=F
 *	    p99_us=F max_us=F]
 *
 * seconds is from the first send to the last.  Errors go to standard
 * error: exit 1, or 2 for a bad command line.  libc, toolutil.c and the
 * tests' packet builders (regress/lib/packet.c) only.
 */

#define _GNU_SOURCE

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "packet.h"
#include "toolutil.h"

#define SECONDS_DEFAULT	10
#define SECONDS_MAX	600
#define WAIT_DEFAULT	1000		/* -w, ms */
#define WAIT_MAX	60000
#define PREFIX_MAX	64		/* -S options */
#define BATCH		64		/* packets per sendmmsg */
#define LAT_MAX		(1 << 21)	/* SYNs timed in one -l run */
#define BURST_SECONDS	0.01		/* pacing: what a late start may catch up */
#define RESEND_US	100		/* -f: a SYN to dst this often */
#define FAKE_MAX	65535		/* -f: sources, one /64 each */

#define EXIT_USAGE	2

struct prefix {
	uint8_t		addr[16];	/* masked */
	unsigned int	len;		/* bits */
	uint64_t	upto;		/* cumulative weight, for the draw */
};

/* One timed SYN (-l). */
struct probe {
	uint8_t		src[16];
	uint16_t	sport;
	uint32_t	seq;
	int64_t		sent_ns;	/* CLOCK_REALTIME */
	int64_t		rtt_ns;		/* -1 until answered */
};

struct mode;

/* A run: what every packet shares, the limits, what was sent. */
struct flood {
	int			 af;
	size_t			 alen;		/* 4 or 16 */
	union sockaddr_any	 dst;
	socklen_t		 dstlen;
	uint16_t		 port;
	struct prefix		 pfx[PREFIX_MAX];
	size_t			 npfx;
	struct pkt		 tmpl;		/* the SYN, sources to fill in */
	const struct mode	*mode;
	uint64_t		 count;		/* -n */
	long			 seconds;	/* -t */
	double			 rate;		/* -r, 0 for full speed */
	int			 latency;	/* -l */
	union sockaddr_any	 fake;		/* -f */
	socklen_t		 fakelen;	/* 0 without -f */
	long			 wait;		/* -w */
	int			 s;		/* raw socket */
	int			 rs;		/* packet socket (-l), or -1 */
	/* What happened. */
	uint64_t		 sent;
	int64_t			 first, last;	/* first and last send */
};

/* A packet to send: built into p from the source src. */
typedef void	(*build_fn)(struct pkt *, const struct flood *,
		    const uint8_t *, uint16_t, uint32_t);

static void	build_syn(struct pkt *, const struct flood *, const uint8_t *,
		    uint16_t, uint32_t);
static void	build_malformed(struct pkt *, const struct flood *,
		    const uint8_t *, uint16_t, uint32_t);

/*
 * The modes of -m.  "malformed" (packets that still match a --syn rule
 * for the port but that the daemon's decoder must reject) belongs to the
 * flood tests.
 */
static const struct mode {
	const char	*name;
	build_fn	 build;
} modes[] = {
	{ "syn",	build_syn },
	{ "malformed",	build_malformed },
};

/* Where packets may come from and go to. */
static const struct range {
	int		af;
	uint8_t		addr[16];
	unsigned int	len;
} ranges[] = {
	{ AF_INET,	{ 192, 0, 2 },		24 },
	{ AF_INET,	{ 198, 51, 100 },	24 },
	{ AF_INET,	{ 203, 0, 113 },	24 },
	{ AF_INET,	{ 127 },		8 },
	{ AF_INET6,	{ 0x20, 0x01, 0x0d, 0xb8 }, 32 },
	{ AF_INET6,	{ [15] = 1 },		128 },
};

static uint64_t		 rng = 1;

/* Latency mode's table: probes in send order, a hash of their keys. */
static struct probe	*probes;
static size_t		 nprobes, maxprobes, nanswered;
static uint32_t		*slots;		/* probe index + 1, 0 empty */
static size_t		 nslots;

static void	 usage(void) __attribute__((__noreturn__));
static uint64_t	 rnd(void);
static int64_t	 now_ns(clockid_t);
static int	 allowed(int, const uint8_t *, unsigned int);
static void	 parse_prefix(struct flood *, const char *);
static void	 route_source(const struct flood *, uint8_t *);
static void	 pick_source(const struct flood *, uint8_t *);
static void	 make_template(struct flood *);
static int	 raw_socket(const struct flood *, const char *);
static int	 answer_socket(const struct flood *, const char *);
static uint32_t	 probe_hash(const uint8_t *, uint16_t, uint32_t);
static void	 probe_add(const uint8_t *, size_t, uint16_t, uint32_t,
		    int64_t);
static void	 answer(const struct flood *, const uint8_t *, size_t,
		    int64_t);
static void	 read_answers(int, const struct flood *);
static int	 cmp_i64(const void *, const void *);
static void	 setup(struct flood *, const char *);
static void	 send_loop(struct flood *);
static void	 wait_answers(struct flood *);
static void	 report(const struct flood *);
static void	 fake_loop(struct flood *);

static void
usage(void)
{
	fprintf(stderr, "usage: synflood -d dst -p port [-S prefix]... "
	    "[-n count] [-t seconds] [-r rate] [-i ifname] [-m mode] [-l] "
	    "[-w ms] [-x seed]\n"
	    "       synflood -f fake -d dst -p port -S prefix/48 -n count "
	    "[-w ms]\n");
	exit(EXIT_USAGE);
}

/* splitmix64: small, fast, and the same sequence for the same -x. */
static uint64_t
rnd(void)
{
	uint64_t	z;

	z = (rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int64_t
now_ns(clockid_t clock)
{
	struct timespec	ts;

	if (clock_gettime(clock, &ts) == -1)
		errorx("clock_gettime: %s", strerror(errno));
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Whether the prefix addr/len lies inside one of ranges[]. */
static int
allowed(int af, const uint8_t *addr, unsigned int len)
{
	const struct range	*r;
	size_t			 i;
	unsigned int		 b;

	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		r = &ranges[i];
		if (r->af != af || len < r->len)
			continue;
		for (b = 0; b < r->len; b++)
			if (((addr[b / 8] ^ r->addr[b / 8]) >> (7 - b % 8)) & 1)
				break;
		if (b == r->len)
			return 1;
	}
	return 0;
}

/* ADDR or ADDR/LEN, of the destination's family. */
static void
parse_prefix(struct flood *f, const char *arg)
{
	struct prefix	*p;
	char		 buf[INET6_ADDRSTRLEN + 5], *slash;
	unsigned int	 i, bits = (unsigned int)f->alen * 8;

	if ((size_t)snprintf(buf, sizeof(buf), "%s", arg) >= sizeof(buf))
		errorx("-S %s: too long", arg);
	p = &f->pfx[f->npfx++];
	memset(p, 0, sizeof(*p));
	p->len = bits;
	if ((slash = strchr(buf, '/')) != NULL) {
		*slash++ = '\0';
		p->len = (unsigned int)number(slash, 0, bits, "prefix length");
	}
	if (inet_pton(f->af, buf, p->addr) != 1)
		errorx("-S %s: not an %s prefix", arg,
		    f->af == AF_INET ? "IPv4" : "IPv6 (like the destination)");
	for (i = 0; i < f->alen; i++)
		if (i * 8 + 8 > p->len)
			p->addr[i] &= i * 8 >= p->len ? 0 :
			    (uint8_t)(0xff00 >> (p->len - i * 8));
	if (!allowed(f->af, p->addr, p->len))
		errorx("-S %s: outside the documentation ranges", arg);
}

/* The source address the kernel would pick towards the destination. */
static void
route_source(const struct flood *f, uint8_t *addr)
{
	union sockaddr_any	sa;
	socklen_t		len = sizeof(sa);
	int			s;

	if ((s = socket(f->af, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		errorx("socket: %s", strerror(errno));
	if (connect(s, &f->dst.sa, f->dstlen) == -1 ||
	    getsockname(s, &sa.sa, &len) == -1)
		errorx("no route to the destination: %s", strerror(errno));
	close(s);
	memcpy(addr, f->af == AF_INET ? (void *)&sa.sin.sin_addr :
	    (void *)&sa.sin6.sin6_addr, f->alen);
}

/* A source drawn uniformly from the union of the prefixes. */
static void
pick_source(const struct flood *f, uint8_t *addr)
{
	const struct prefix	*p = f->pfx;
	uint64_t		 r, host[2];
	const uint8_t		*hb = (const uint8_t *)host;
	unsigned int		 i;

	if (f->npfx > 1) {
		r = rnd() % f->pfx[f->npfx - 1].upto;
		while (r >= p->upto)
			p++;
	}
	host[0] = rnd();
	host[1] = rnd();
	for (i = 0; i < f->alen; i++) {
		if (i * 8 + 8 <= p->len)
			addr[i] = p->addr[i];
		else if (i * 8 >= p->len)
			addr[i] = hb[i];
		else
			addr[i] = p->addr[i] |
			    (hb[i] & (uint8_t)(0xff >> (p->len - i * 8)));
	}
}

/* The SYN every packet starts from: MSS 1460, addresses filled later. */
static void
make_template(struct flood *f)
{
	static const uint8_t	mss[4] = { 2, 4, 0x05, 0xb4 };
	char			dst[INET6_ADDRSTRLEN];

	inet_ntop(f->af, f->af == AF_INET ? (void *)&f->dst.sin.sin_addr :
	    (void *)&f->dst.sin6.sin6_addr, dst, sizeof(dst));
	if (f->af == AF_INET)
		pkt_ip4(&f->tmpl, "0.0.0.0", dst, IPPROTO_TCP, NULL, 0);
	else
		pkt_ip6(&f->tmpl, "::", dst, IPPROTO_TCP);
	pkt_tcp(&f->tmpl, 0, f->port, 0, 0x02, mss, sizeof(mss));
	pkt_finish(&f->tmpl);
}

static void
build_syn(struct pkt *p, const struct flood *f, const uint8_t *src,
    uint16_t sport, uint32_t seq)
{
	const struct pkt	*t = &f->tmpl;

	memcpy(p->b, t->b, t->len);
	p->len = t->len;
	p->l4 = t->l4;
	p->proto = t->proto;
	p->v6 = t->v6;
	if (p->v6)
		memcpy(p->b + 8, src, 16);
	else {
		memcpy(p->b + 12, src, 4);
		put16(p->b + 4, (uint16_t)seq);		/* some IP id */
	}
	put16(p->b + p->l4, sport);
	put32(p->b + p->l4 + 4, seq);
	pkt_checksum(p);
}

/*
 * -m malformed: SYNs to the port that a "-p tcp --syn --dport PORT" rule
 * still matches and that the daemon's decoder (capture/decode.c) must
 * reject, one shape after the other, each made from the SYN:
 *	0	TCP data offset 15 (60 bytes), 24 bytes of TCP header
 *	1	TCP data offset 4, below the 20-byte minimum
 *	2 (v4)	as 0, behind 4 bytes of IP options
 *	2 (v6)	a first fragment (offset 0, more to come) with the whole SYN
 *	3 (v6)	nine destination options headers: the decoder stops at 8
 *	4 (v6)	an 88-byte destination options header: TCP starts past the
 *		128 bytes the daemon copies of a packet (counted as cut:
 *		the copy, not the packet, is short)
 * Measured (Linux 6, iptables-nft and -legacy, no conntrack): all of
 * these reach the rule.  Not sent, because the kernel stops them first:
 * IPv4 fragments (reassembled before INPUT, a lone one expires), later
 * IPv6 fragments (no --syn match), a TCP header cut before its flags (no
 * match; xt_tcp drops it), bad IPv4 versions and header lengths
 * (ip_rcv).  xt_tcp checks the data offset only with --tcp-option, and
 * conntrack, when loaded, only marks these INVALID, but would hold the
 * IPv6 first fragment for reassembly.  A bad TCP option length is not
 * sent either: the decoder never reads options, so it is a valid SYN.
 */
static void
build_malformed(struct pkt *p, const struct flood *f, const uint8_t *src,
    uint16_t sport, uint32_t seq)
{
	static const size_t	 v4ext[3] = { 0, 0, 4 };
	static const size_t	 v6ext[5] = { 0, 0, 8, 9 * 8, 88 };
	static unsigned int	 next;
	unsigned int		 shape;
	uint8_t			*h;
	size_t			 ext, k;

	build_syn(p, f, src, sport, seq);
	shape = next++ % (p->v6 ? 5 : 3);
	ext = p->v6 ? v6ext[shape] : v4ext[shape];

	/* Room in front of TCP for IP options or extension headers. */
	h = p->b + p->l4;
	memmove(h + ext, h, p->len - p->l4);
	memset(h, 0, ext);
	p->len += ext;
	p->l4 += ext;
	if (!p->v6 && shape == 2) {
		p->b[0] = 0x40 | (uint8_t)(p->l4 / 4);
		memset(h, 1, 3);			/* NOPs, then EOL */
	} else if (shape == 2) {
		p->b[6] = IPPROTO_FRAGMENT;
		h[0] = IPPROTO_TCP;
		h[3] = 1;				/* more fragments */
		put32(h + 4, seq);			/* identification */
	} else if (ext > 0) {
		p->b[6] = IPPROTO_DSTOPTS;
		for (k = 0; k < ext; k += h[1] * 8 + 8) {
			h = p->b + p->l4 - ext + k;
			h[1] = shape == 4 ? (uint8_t)(ext / 8 - 1) : 0;
			h[0] = k + h[1] * 8 + 8 < ext ? IPPROTO_DSTOPTS :
			    IPPROTO_TCP;
			h[2] = 1;			/* PadN */
			h[3] = (uint8_t)(h[1] * 8 + 4);
		}
	}
	h = p->b + p->l4;
	if (shape == 0 || (!p->v6 && shape == 2))
		h[12] = 15 << 4;			/* past the end */
	else if (shape == 1)
		h[12] = 4 << 4;
	pkt_finish(p);
	pkt_checksum(p);
}

/* The sending socket: raw, our own IP headers. */
static int
raw_socket(const struct flood *f, const char *ifname)
{
	struct timeval	tv = { 0, 100000 };	/* a send never blocks long */
	int		s, on = 1;

	if ((s = socket(f->af, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW)) == -1)
		errorx("raw socket: %s", strerror(errno));
	/* IPPROTO_RAW implies it; older IPv6 stacks want it said. */
	if (f->af == AF_INET6)
		(void)setsockopt(s, IPPROTO_IPV6, IPV6_HDRINCL, &on,
		    sizeof(on));
	if (ifname != NULL && setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE,
	    ifname, (socklen_t)strlen(ifname)) == -1)
		errorx("bind to %s: %s", ifname, strerror(errno));
	if (setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1)
		errorx("SO_SNDTIMEO: %s", strerror(errno));
	return s;
}

/*
 * The socket the answers arrive on (-l): a packet socket on ifname, else
 * on the interface that holds the route's source address; the answers
 * go to spoofed addresses that no socket of ours could receive on.
 */
static int
answer_socket(const struct flood *f, const char *ifname)
{
	struct sockaddr_ll	 sll;
	struct ifaddrs		*ifa, *i;
	uint8_t			 src[16];
	const void		*a;
	unsigned int		 ifindex = 0;
	int			 s, on = 1;

	if (ifname == NULL) {
		route_source(f, src);
		if (getifaddrs(&ifa) == -1)
			errorx("getifaddrs: %s", strerror(errno));
		for (i = ifa; i != NULL && ifindex == 0; i = i->ifa_next) {
			if (i->ifa_addr == NULL || i->ifa_addr->sa_family !=
			    f->af)
				continue;
			a = f->af == AF_INET ?
			    (void *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr :
			    (void *)&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
			if (memcmp(a, src, f->alen) == 0)
				ifindex = if_nametoindex(i->ifa_name);
		}
		freeifaddrs(ifa);
		if (ifindex == 0)
			errorx("no interface holds the route's source: use -i");
	} else if ((ifindex = if_nametoindex(ifname)) == 0)
		errorx("interface %s: %s", ifname, strerror(errno));

	s = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    htons(f->af == AF_INET ? ETH_P_IP : ETH_P_IPV6));
	if (s == -1)
		errorx("packet socket: %s", strerror(errno));
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(f->af == AF_INET ? ETH_P_IP : ETH_P_IPV6);
	sll.sll_ifindex = (int)ifindex;
	if (bind(s, (struct sockaddr *)&sll, sizeof(sll)) == -1)
		errorx("bind packet socket: %s", strerror(errno));
	if (setsockopt(s, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) == -1)
		errorx("SO_TIMESTAMPNS: %s", strerror(errno));
#ifdef PACKET_IGNORE_OUTGOING
	/* Not our own SYNs (older kernels: answer() skips them). */
	(void)setsockopt(s, SOL_PACKET, PACKET_IGNORE_OUTGOING, &on,
	    sizeof(on));
#endif
	return s;
}

/* FNV-1a over the key: the source, its port, the sequence number. */
static uint32_t
probe_hash(const uint8_t *src, uint16_t sport, uint32_t seq)
{
	uint32_t	h = 2166136261u;
	size_t		i;

	for (i = 0; i < 16; i++)
		h = (h ^ src[i]) * 16777619u;
	h = (h ^ sport) * 16777619u;
	return (h ^ seq) * 16777619u;
}

/* A SYN sent at t from src (alen bytes), sport, seq. */
static void
probe_add(const uint8_t *src, size_t alen, uint16_t sport, uint32_t seq,
    int64_t t)
{
	struct probe	*p = &probes[nprobes];
	size_t		 i;

	memset(p->src, 0, sizeof(p->src));
	memcpy(p->src, src, alen);
	p->sport = sport;
	p->seq = seq;
	p->sent_ns = t;
	p->rtt_ns = -1;
	i = probe_hash(p->src, sport, seq) & (nslots - 1);
	while (slots[i] != 0)
		i = (i + 1) & (nslots - 1);
	slots[i] = (uint32_t)++nprobes;
}

/* One packet off the wire: the answer to a probe, or ignored. */
static void
answer(const struct flood *f, const uint8_t *b, size_t len, int64_t t)
{
	const uint8_t	*ip_src, *ip_dst, *th;
	uint8_t		 key[16];
	struct probe	*p;
	uint32_t	 ack;
	uint16_t	 sport;
	size_t		 i, hlen;

	if (f->af == AF_INET) {
		if (len < 20 || b[0] >> 4 != 4 || b[9] != IPPROTO_TCP)
			return;
		hlen = (size_t)(b[0] & 0x0f) * 4;
		ip_src = b + 12;
		ip_dst = b + 16;
	} else {
		if (len < 40 || b[0] >> 4 != 6 || b[6] != IPPROTO_TCP)
			return;
		hlen = 40;
		ip_src = b + 8;
		ip_dst = b + 24;
	}
	if (len < hlen + 20)
		return;
	th = b + hlen;
	/* From the destination port; SYN-ACK, or RST with ACK. */
	if (memcmp(ip_src, f->af == AF_INET ? (void *)&f->dst.sin.sin_addr :
	    (void *)&f->dst.sin6.sin6_addr, f->alen) != 0 ||
	    (th[0] << 8 | th[1]) != f->port ||
	    ((th[13] & 0x12) != 0x12 && (th[13] & 0x14) != 0x14))
		return;
	sport = (uint16_t)(th[2] << 8 | th[3]);
	ack = (uint32_t)th[8] << 24 | (uint32_t)th[9] << 16 |
	    (uint32_t)th[10] << 8 | th[11];
	memset(key, 0, sizeof(key));
	memcpy(key, ip_dst, f->alen);
	i = probe_hash(key, sport, ack - 1) & (nslots - 1);
	for (; slots[i] != 0; i = (i + 1) & (nslots - 1)) {
		p = &probes[slots[i] - 1];
		if (p->sport == sport && p->seq == ack - 1 &&
		    memcmp(p->src, key, sizeof(key)) == 0) {
			if (p->rtt_ns < 0) {	/* not a retransmission */
				p->rtt_ns = t - p->sent_ns;
				nanswered++;
			}
			return;
		}
	}
}

/* Everything waiting on the packet socket, with its receive time. */
static void
read_answers(int s, const struct flood *f)
{
	uint8_t			 buf[256];
	char			 cbuf[CMSG_SPACE(sizeof(struct timespec))];
	struct sockaddr_ll	 sll;
	struct iovec		 iov;
	struct msghdr		 msg;
	struct cmsghdr		*cm;
	struct timespec		 ts;
	int64_t			 t;
	ssize_t			 n;

	for (;;) {
		iov.iov_base = buf;
		iov.iov_len = sizeof(buf);
		memset(&msg, 0, sizeof(msg));
		msg.msg_name = &sll;
		msg.msg_namelen = sizeof(sll);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		if ((n = recvmsg(s, &msg, 0)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			errorx("receive: %s", strerror(errno));
		}
		if (sll.sll_pkttype == PACKET_OUTGOING)
			continue;
		t = 0;
		for (cm = CMSG_FIRSTHDR(&msg); cm != NULL;
		    cm = CMSG_NXTHDR(&msg, cm))
			if (cm->cmsg_level == SOL_SOCKET &&
			    cm->cmsg_type == SCM_TIMESTAMPNS) {
				memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
				t = (int64_t)ts.tv_sec * 1000000000 +
				    ts.tv_nsec;
			}
		if (t == 0)
			t = now_ns(CLOCK_REALTIME);
		answer(f, buf, (size_t)n, t);
	}
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void
report(const struct flood *f)
{
	static const int	 pct[] = { 50, 90, 99 };
	int64_t			*rtt;
	double			 secs;
	size_t			 i, n = 0;

	secs = f->sent > 0 ? (double)(f->last - f->first) / 1e9 : 0;
	printf("sent=%llu seconds=%.3f rate=%.1f",
	    (unsigned long long)f->sent, secs,
	    secs > 0 ? (double)f->sent / secs : 0.0);
	if (f->latency) {
		if ((rtt = calloc(nprobes + 1, sizeof(*rtt))) == NULL)
			errorx("out of memory");
		for (i = 0; i < nprobes; i++)
			if (probes[i].rtt_ns >= 0)
				rtt[n++] = probes[i].rtt_ns;
		qsort(rtt, n, sizeof(*rtt), cmp_i64);
		printf(" answered=%zu lost=%llu", n,
		    (unsigned long long)(f->sent - n));
		/* Nearest rank; nan when nothing answered. */
		for (i = 0; i < 3; i++)
			printf(" p%d_us=%.1f", pct[i], n == 0 ? NAN :
			    (double)rtt[(n * (size_t)pct[i] + 99) / 100 - 1] /
			    1e3);
		printf(" max_us=%.1f", n == 0 ? NAN : (double)rtt[n - 1] / 1e3);
		free(rtt);
	}
	putchar('\n');
	fflush(stdout);
}

/*
 * After the command line: default source, weights, the template, the
 * sockets and, for -l, the table of probes.
 */
static void
setup(struct flood *f, const char *ifname)
{
	size_t		i, k;
	uint64_t	weight;

	if (f->npfx == 0) {
		route_source(f, f->pfx[0].addr);
		f->pfx[0].len = (unsigned int)f->alen * 8;
		f->npfx = 1;
	}
	/* Weights: the number of addresses, capped (a /48 is plenty). */
	for (i = 0, weight = 0; i < f->npfx; i++) {
		k = f->alen * 8 - f->pfx[i].len;
		weight += (uint64_t)1 << (k > 48 ? 48 : k);
		f->pfx[i].upto = weight;
	}
	make_template(f);

	f->s = raw_socket(f, ifname);
	f->rs = -1;
	if (!f->latency)
		return;
	f->rs = answer_socket(f, ifname);
	maxprobes = LAT_MAX;
	if (f->count < maxprobes)
		maxprobes = f->count;
	if (f->rate > 0 && f->rate * (double)f->seconds + 1 <
	    (double)maxprobes)
		maxprobes = (size_t)(f->rate * (double)f->seconds) + 1;
	for (nslots = 1; nslots < maxprobes * 2; nslots <<= 1)
		;
	probes = calloc(maxprobes, sizeof(*probes));
	slots = calloc(nslots, sizeof(*slots));
	if (probes == NULL || slots == NULL)
		errorx("out of memory");
	if (f->count > maxprobes)
		f->count = maxprobes;
}

/*
 * Sends until the count or the time is up: batches at full speed, or
 * what a token bucket allows; one at a time, each timed, for -l.
 */
static void
send_loop(struct flood *f)
{
	static struct pkt	 batch[BATCH];
	struct mmsghdr		 msgs[BATCH];
	struct iovec		 iov[BATCH];
	uint8_t			 src[BATCH][16];
	uint16_t		 sport[BATCH];
	uint32_t		 seq[BATCH];
	int64_t			 end, now, tick, t;
	double			 tokens = 1, burst;
	size_t			 i, k;
	int			 r;

	burst = f->rate * BURST_SECONDS;
	if (burst < 1)
		burst = 1;
	/* Pacing sleeps of tens of microseconds, not the default 50 more. */
	(void)prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);

	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = batch[i].b;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &f->dst;
		msgs[i].msg_hdr.msg_namelen = f->dstlen;
	}

	now = tick = now_ns(CLOCK_MONOTONIC);
	end = now + (int64_t)f->seconds * 1000000000;
	while (f->sent < f->count && now < end) {
		if (f->rs != -1)
			read_answers(f->rs, f);
		/* How many now: all the batch, or what the bucket holds. */
		k = f->latency ? 1 : BATCH;
		if (f->count - f->sent < k)
			k = (size_t)(f->count - f->sent);
		if (f->rate > 0) {
			if (tokens < 1) {
				struct timespec	ts;
				struct pollfd	pfd = { f->rs, POLLIN, 0 };
				int64_t		ns;

				ns = (int64_t)((1 - tokens) / f->rate * 1e9) + 1;
				ts.tv_sec = ns / 1000000000;
				ts.tv_nsec = ns % 1000000000;
				if (f->rs != -1)
					(void)ppoll(&pfd, 1, &ts, NULL);
				else
					(void)nanosleep(&ts, NULL);
			}
			t = now_ns(CLOCK_MONOTONIC);
			tokens += (double)(t - tick) / 1e9 * f->rate;
			if (tokens > burst)
				tokens = burst;
			now = tick = t;
			if (tokens < 1)
				continue;
			if ((double)k > tokens)
				k = (size_t)tokens;
		}
		for (i = 0; i < k; i++) {
			pick_source(f, src[i]);
			sport[i] = (uint16_t)(1024 + rnd() % (65536 - 1024));
			seq[i] = (uint32_t)rnd();
			f->mode->build(&batch[i], f, src[i], sport[i], seq[i]);
			iov[i].iov_len = batch[i].len;
		}
		if (f->latency) {
			t = now_ns(CLOCK_REALTIME);
			r = sendto(f->s, batch[0].b, batch[0].len, 0,
			    &f->dst.sa, f->dstlen) == -1 ? -1 : 1;
			if (r == 1)
				probe_add(src[0], f->alen, sport[0], seq[0], t);
		} else
			r = sendmmsg(f->s, msgs, (unsigned int)k, 0);
		if (r == -1) {
			/* Full buffers: the packets are lost, go on. */
			if (errno != ENOBUFS && errno != EAGAIN &&
			    errno != EINTR)
				errorx("send: %s", strerror(errno));
			r = 0;
		}
		if (r > 0 && f->sent == 0)
			f->first = now;
		f->sent += (uint64_t)r;
		tokens -= (double)k;
		now = now_ns(CLOCK_MONOTONIC);
		if (r > 0)
			f->last = now;
	}
}

/* One SYN of probe p (its source, port, sequence number) to a. */
static void
send_syn(struct flood *f, const struct probe *p, const union sockaddr_any *a,
    socklen_t alen, uint32_t seq)
{
	struct pkt	pkt;

	build_syn(&pkt, f, p->src, p->sport, seq);
	/* The template is addressed to dst (IPv6: -f is IPv6 only). */
	memcpy(pkt.b + 24, &a->sin6.sin6_addr, 16);
	pkt_checksum(&pkt);
	if (sendto(f->s, pkt.b, pkt.len, 0, &a->sa, alen) == -1 &&
	    errno != ENOBUFS && errno != EAGAIN && errno != EINTR)
		errorx("send: %s", strerror(errno));
	f->sent++;
}

/*
 * -f: each source touches the fake MX, then knocks at dst every
 * RESEND_US with the same SYN until dst answers it or the wait is over.
 */
static void
fake_loop(struct flood *f)
{
	struct probe	*p;
	int64_t		 t0, end, next, now;
	size_t		 i;

	for (i = 0; i < f->count; i++) {
		memset(f->pfx[0].addr + 6, 0, 10);
		f->pfx[0].addr[6] = (uint8_t)((i + 1) >> 8);
		f->pfx[0].addr[7] = (uint8_t)(i + 1);
		f->pfx[0].addr[15] = 1;
		t0 = now_ns(CLOCK_REALTIME);
		probe_add(f->pfx[0].addr, f->alen,
		    (uint16_t)(1024 + rnd() % (65536 - 1024)), (uint32_t)rnd(),
		    t0);
		p = &probes[nprobes - 1];
		send_syn(f, p, &f->fake, f->fakelen, p->seq + 7919);
		if (i == 0)
			f->first = now_ns(CLOCK_MONOTONIC);
		end = now_ns(CLOCK_MONOTONIC) + (int64_t)f->wait * 1000000;
		for (next = 0; p->rtt_ns < 0; ) {
			now = now_ns(CLOCK_MONOTONIC);
			if (now >= end)
				break;
			if (now >= next) {
				send_syn(f, p, &f->dst, f->dstlen, p->seq);
				next = now + RESEND_US * 1000;
			}
			read_answers(f->rs, f);
		}
		f->last = now_ns(CLOCK_MONOTONIC);
	}
	/* The report counts probes, not the SYNs resent. */
	f->sent = nprobes;
}

/* The stragglers (-l): until all are answered or the wait is over. */
static void
wait_answers(struct flood *f)
{
	int64_t	end, now;

	end = now_ns(CLOCK_MONOTONIC) + (int64_t)f->wait * 1000000;
	for (;;) {
		read_answers(f->rs, f);
		if (nanswered == nprobes ||
		    (now = now_ns(CLOCK_MONOTONIC)) >= end)
			break;
		(void)wait_fd(f->rs, POLLIN, now_ms() +
		    ((end - now) / 1000000 < 10 ? (end - now) / 1000000 + 1 :
		    10));
	}
}

int
main(int argc, char *argv[])
{
	struct flood	 f;
	const char	*dst = NULL, *port = NULL, *ifname = NULL, *fake = NULL;
	const char	*spec[PREFIX_MAX];
	size_t		 i, nspec = 0;
	int		 ch;

	memset(&f, 0, sizeof(f));
	f.mode = &modes[0];
	f.count = UINT64_MAX;
	f.seconds = SECONDS_DEFAULT;
	f.wait = WAIT_DEFAULT;
	errorx_stderr = 1;
	errorx_status = EXIT_USAGE;
	while ((ch = getopt(argc, argv, "d:f:i:lm:n:p:r:S:t:w:x:")) != -1) {
		switch (ch) {
		case 'd':
			dst = optarg;
			break;
		case 'f':
			fake = optarg;
			break;
		case 'i':
			ifname = optarg;
			break;
		case 'l':
			f.latency = 1;
			break;
		case 'm':
			for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
				if (strcmp(modes[i].name, optarg) == 0)
					break;
			if (i == sizeof(modes) / sizeof(modes[0]))
				errorx("-m %s: unknown mode", optarg);
			f.mode = &modes[i];
			break;
		case 'n':
			f.count = (uint64_t)number(optarg, 1, LONG_MAX,
			    "count");
			break;
		case 'p':
			port = optarg;
			break;
		case 'r':
			f.rate = (double)number(optarg, 0, 100000000, "rate");
			break;
		case 'S':
			if (nspec == PREFIX_MAX)
				errorx("more than %d -S prefixes", PREFIX_MAX);
			spec[nspec++] = optarg;
			break;
		case 't':
			f.seconds = number(optarg, 1, SECONDS_MAX, "seconds");
			break;
		case 'w':
			f.wait = number(optarg, 0, WAIT_MAX, "wait");
			break;
		case 'x':
			rng = (uint64_t)number(optarg, 0, LONG_MAX, "seed");
			break;
		default:
			usage();
		}
	}
	if (argc != optind || dst == NULL || port == NULL)
		usage();

	f.dstlen = parse_addr(dst, port, 1, &f.dst);
	f.af = f.dst.sa.sa_family;
	f.alen = f.af == AF_INET ? 4 : 16;
	f.port = (uint16_t)atoi(port);
	if (!allowed(f.af, f.af == AF_INET ? (uint8_t *)&f.dst.sin.sin_addr :
	    (uint8_t *)&f.dst.sin6.sin6_addr, (unsigned int)f.alen * 8))
		errorx("-d %s: outside the documentation ranges", dst);
	for (i = 0; i < nspec; i++)
		parse_prefix(&f, spec[i]);
	if (fake != NULL) {
		f.fakelen = parse_addr(fake, port, 1, &f.fake);
		if (f.af != AF_INET6 || f.fake.sa.sa_family != AF_INET6 ||
		    nspec != 1 || f.pfx[0].len != 48 || f.count > FAKE_MAX ||
		    !allowed(AF_INET6, (uint8_t *)&f.fake.sin6.sin6_addr, 128))
			errorx("-f: IPv6 fake and destination, one -S /48, "
			    "-n 1..%d, documentation addresses", FAKE_MAX);
		f.latency = 1;
	}
	errorx_status = 1;

	setup(&f, ifname);
	if (fake != NULL)
		fake_loop(&f);
	else {
		send_loop(&f);
		if (f.latency)
			wait_answers(&f);
	}
	report(&f);
	return 0;
}
