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
 * mkpflog: writes a pcap savefile of OpenBSD pflog records, for the
 * replay tests, from a text spec read on standard input.
 *
 *	mkpflog [-l linktype] < spec > file.pcap
 *
 * One record per line; '#' starts a comment, blank lines are skipped:
 *
 *	ACTION DIR SRC DST KIND [sport N] [dport N]
 *		ACTION is pass, block or match (a pf match rule's
 *		record, its fate undecided), DIR in or out, SRC and DST two
 *		IPv4 or two IPv6 addresses, KIND syn, synack, ack, rst or
 *		udp; the destination port is 25 unless given.
 *	short N		the record of "block in 203.0.113.5 192.0.2.10
 *			syn", cut to N bytes (0 <= N <= its length)
 *	hdrlen N	that record with N in the header's length field
 *	af N		that record with af N (OpenBSD: inet 2, inet6 24)
 *	mismatch	af inet in front of an IPv6 SYN
 *
 * The header is OpenBSD's struct pfloghdr, 100 bytes, the packet right
 * after it (BPF_WORDALIGN(100) is 100); its fields are written at their
 * offsets here, independently of the daemon's decoder, so that a test
 * catches a mistake in either; the packet is built with the regress
 * suite's own regress/lib/packet.c.  TCP SYNs carry the options an MTA's
 * stack sends (MSS, SACK permitted, timestamps, window scale); IPv4, TCP
 * and UDP checksums are right.
 *
 * With -l (a link type name as libpcap knows it: RAW, EN10MB, ...) the
 * file has that link type and its records are the IP packets alone: a
 * file the daemon must refuse.
 *
 * Built with the project's warning flags, libpcap and regress/lib only.
 */

#define _GNU_SOURCE

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <limits.h>
#include <pcap.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "packet.h"

#define PFLOG_HDRLEN	100
#define OB_AF_INET	2	/* OpenBSD's numbers, whatever the host's */
#define OB_AF_INET6	24
#define PF_PASS		0
#define PF_DROP		1
#define PF_MATCH	12	/* sys/net/pfvar.h 1.543 */
#define PF_IN		1
#define PF_OUT		2
#define NO_PID		100000	/* OpenBSD: PID_MAX + 1 */

#define REC_MAX		512
#define TIME_BASE	1767225600	/* 2026-01-01, UTC */

/* A record under construction. */
struct rec {
	uint8_t		 b[REC_MAX];
	size_t		 len;		/* header and packet */
	size_t		 caplen;	/* what the file keeps */
};

/* One spec line, parsed. */
struct spec {
	int		 action, dir, af;
	const char	*src, *dst;	/* checked by parse_addr() */
	const char	*kind;
	uint16_t	 sport, dport;
};

static const char	*input = "stdin";
static unsigned long	 lineno;

static void	usage(void) __attribute__((noreturn));
static void	die(const char *, ...)
		    __attribute__((noreturn, format(printf, 1, 2)));
static long	number(const char *, long, long);
static void	puth32(uint8_t *, uint32_t);
static void	build_ip(struct pkt *, const struct spec *, unsigned long);
static void	build(struct rec *, const struct spec *, unsigned long);
static void	parse_addr(struct spec *, const char *, const char **);
static void	parse_record(struct spec *, char **, int);
static void	base_spec(struct spec *);

static void
usage(void)
{
	fprintf(stderr, "usage: mkpflog [-l linktype] < spec > file\n");
	exit(2);
}

static void
die(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "mkpflog: ");
	if (lineno > 0)
		fprintf(stderr, "%s:%lu: ", input, lineno);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static long
number(const char *s, long min, long max)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < min || v > max)
		die("\"%s\": not a number from %ld to %ld", s, min, max);
	return v;
}

/* Host order, as pf writes uid and pid (rulenr is in network order). */
static void
puth32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* The IP packet of spec s, the n-th record. */
static void
build_ip(struct pkt *p, const struct spec *s, unsigned long n)
{
	/* Later segments: NOP, NOP, timestamps. */
	static const uint8_t ack_opts[] = {
		1, 1, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0
	};
	uint8_t		*ip, *th;
	const uint8_t	*opts;
	size_t		 optlen;
	uint8_t		 proto, flags = 0;

	if (strcmp(s->kind, "udp") == 0)
		proto = IPPROTO_UDP;
	else {
		proto = IPPROTO_TCP;
		if (strcmp(s->kind, "syn") == 0)
			flags = 0x02;
		else if (strcmp(s->kind, "synack") == 0)
			flags = 0x12;
		else if (strcmp(s->kind, "ack") == 0)
			flags = 0x10;
		else if (strcmp(s->kind, "rst") == 0)
			flags = 0x04;
		else
			die("kind \"%s\": not syn, synack, ack, rst or udp",
			    s->kind);
	}

	if (s->af == AF_INET) {
		ip = pkt_ip4(p, s->src, s->dst, proto, NULL, 0);
		put16(ip + 4, (uint16_t)(n & 0xffff));		/* id */
	} else {
		ip = pkt_ip6(p, s->src, s->dst, proto);
		put32(ip, 0x60000000u | (uint32_t)(n & 0xfffff)); /* flow */
	}
	if (proto == IPPROTO_UDP)
		pkt_udp(p, s->sport, s->dport);
	else {
		/* A SYN: Linux's options; later segments: timestamps. */
		if (flags & 0x02) {
			opts = linux_syn_opts;
			optlen = sizeof(linux_syn_opts);
		} else if (flags == 0x10) {
			opts = ack_opts;
			optlen = sizeof(ack_opts);
		} else {
			opts = NULL;
			optlen = 0;
		}
		th = pkt_tcp(p, s->sport, s->dport,
		    0x10000000u + (uint32_t)n * 7919u, flags, opts, optlen);
		if (flags & 0x10)				/* ack */
			put32(th + 8, 0x20000000u + (uint32_t)n);
		/* The timestamp value, in linux_syn_opts[8] or ack_opts[4]. */
		if (optlen > 0)
			put32(th + 20 + (flags & 0x02 ? 8 : 4),
			    0x01000000u + (uint32_t)n);
		if (flags & 0x02 && s->af == AF_INET6)
			put16(th + 22, 1440);			/* MSS */
	}
	pkt_finish(p);
	pkt_checksum(p);
}

/* struct pfloghdr, by offset, then the packet. */
static void
build(struct rec *r, const struct spec *s, unsigned long n)
{
	struct pkt	 ip;
	uint8_t		*h = r->b;

	build_ip(&ip, s, n);
	memset(r, 0, sizeof(*r));
	h[0] = PFLOG_HDRLEN;				/* length */
	h[1] = s->af == AF_INET ? OB_AF_INET : OB_AF_INET6;	/* af */
	h[2] = (uint8_t)s->action;			/* action */
	h[3] = 0;					/* reason: match */
	memcpy(h + 4, s->dir == PF_IN ? "em0" : "em1", 3);	/* ifname */
	/* ruleset@20: "", the main ruleset */
	put32(h + 36, s->action == PF_DROP ? 4 : 7);	/* rulenr */
	put32(h + 40, UINT32_MAX);			/* subrulenr: none */
	puth32(h + 44, UINT32_MAX);			/* uid: no lookup */
	puth32(h + 48, NO_PID);				/* pid */
	puth32(h + 52, 0);				/* rule_uid */
	puth32(h + 56, 1);				/* rule_pid */
	h[60] = (uint8_t)s->dir;			/* dir */
	h[61] = 0;					/* rewritten */
	h[62] = h[1];					/* naf */
	put_addr(h + 64, s->af, s->src);		/* saddr */
	put_addr(h + 80, s->af, s->dst);		/* daddr */
	put16(h + 96, s->sport);			/* sport */
	put16(h + 98, s->dport);			/* dport */
	memcpy(h + PFLOG_HDRLEN, ip.b, ip.len);
	r->len = PFLOG_HDRLEN + ip.len;
	r->caplen = r->len;
}

/* Checks str, an address of the same family as the other, for *dst. */
static void
parse_addr(struct spec *s, const char *str, const char **dst)
{
	uint8_t	buf[16];
	int	af = addr_family(str);

	if (s->af != 0 && s->af != af)
		die("%s: not the family of the other address", str);
	s->af = af;
	if (inet_pton(af, str, buf) != 1)
		die("\"%s\": not an address", str);
	*dst = str;
}

static void
parse_record(struct spec *s, char **w, int nw)
{
	int	i;

	memset(s, 0, sizeof(*s));
	if (nw < 5 || (nw - 5) % 2 != 0)
		die("want ACTION DIR SRC DST KIND [sport N] [dport N]");
	if (strcmp(w[0], "pass") == 0)
		s->action = PF_PASS;
	else if (strcmp(w[0], "block") == 0)
		s->action = PF_DROP;
	else if (strcmp(w[0], "match") == 0)
		s->action = PF_MATCH;
	else
		die("action \"%s\": not pass, block or match", w[0]);
	if (strcmp(w[1], "in") == 0)
		s->dir = PF_IN;
	else if (strcmp(w[1], "out") == 0)
		s->dir = PF_OUT;
	else
		die("direction \"%s\": not in or out", w[1]);
	parse_addr(s, w[2], &s->src);
	parse_addr(s, w[3], &s->dst);
	s->kind = w[4];
	s->sport = (uint16_t)(40000 + lineno % 20000);
	s->dport = 25;
	for (i = 5; i < nw; i += 2) {
		if (strcmp(w[i], "sport") == 0)
			s->sport = (uint16_t)number(w[i + 1], 0, 65535);
		else if (strcmp(w[i], "dport") == 0)
			s->dport = (uint16_t)number(w[i + 1], 0, 65535);
		else
			die("\"%s\": not sport or dport", w[i]);
	}
}

/* What the broken kinds start from. */
static void
base_spec(struct spec *s)
{
	/* Static: s->kind points into them. */
	static char	 a[] = "block", b[] = "in", c[] = "203.0.113.5";
	static char	 d[] = "192.0.2.10", e[] = "syn";
	char		*w[] = { a, b, c, d, e };

	parse_record(s, w, 5);
}

int
main(int argc, char *argv[])
{
	struct pcap_pkthdr	 ph;
	struct spec		 s;
	struct rec		 r;
	pcap_t			*p;
	pcap_dumper_t		*d;
	char			*line = NULL, *cp, *w[16];
	size_t			 linesize = 0, off;
	unsigned long		 n = 0;
	int			 ch, nw, dlt = DLT_PFLOG;

	while ((ch = getopt(argc, argv, "l:")) != -1) {
		switch (ch) {
		case 'l':
			if ((dlt = pcap_datalink_name_to_val(optarg)) == -1)
				die("-l %s: not a link type", optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (isatty(STDOUT_FILENO))
		die("not writing a savefile to a terminal");

	if ((p = pcap_open_dead(dlt, 65535)) == NULL)
		die("pcap_open_dead failed");
	if ((d = pcap_dump_open(p, "-")) == NULL)
		die("%s", pcap_geterr(p));

	while (getline(&line, &linesize, stdin) != -1) {
		lineno++;
		if ((cp = strchr(line, '#')) != NULL)
			*cp = '\0';
		nw = 0;
		for (cp = strtok(line, " \t\r\n"); cp != NULL;
		    cp = strtok(NULL, " \t\r\n")) {
			if (nw == (int)(sizeof(w) / sizeof(w[0])))
				die("too many words");
			w[nw++] = cp;
		}
		if (nw == 0)
			continue;

		if (strcmp(w[0], "short") == 0 && nw == 2) {
			base_spec(&s);
			build(&r, &s, n);
			r.caplen = (size_t)number(w[1], 0, (long)r.len);
		} else if (strcmp(w[0], "hdrlen") == 0 && nw == 2) {
			base_spec(&s);
			build(&r, &s, n);
			r.b[0] = (uint8_t)number(w[1], 0, 255);
		} else if (strcmp(w[0], "af") == 0 && nw == 2) {
			base_spec(&s);
			build(&r, &s, n);
			r.b[1] = (uint8_t)number(w[1], 0, 255);
		} else if (strcmp(w[0], "mismatch") == 0 && nw == 1) {
			base_spec(&s);
			s.af = AF_INET6;
			parse_addr(&s, "2001:db8:1::5", &s.src);
			parse_addr(&s, "2001:db8::10", &s.dst);
			build(&r, &s, n);
			r.b[1] = OB_AF_INET;
			r.b[62] = OB_AF_INET;
		} else {
			parse_record(&s, w, nw);
			build(&r, &s, n);
		}

		/* Another link type: the packet alone. */
		off = dlt == DLT_PFLOG ? 0 : PFLOG_HDRLEN;
		memset(&ph, 0, sizeof(ph));
		ph.ts.tv_sec = TIME_BASE + (time_t)(n / 1000);
		ph.ts.tv_usec = (suseconds_t)(n % 1000) * 1000;
		ph.len = (bpf_u_int32)(r.len - off);
		ph.caplen = (bpf_u_int32)(r.caplen > off ? r.caplen - off : 0);
		pcap_dump((u_char *)d, &ph, r.b + off);
		n++;
	}
	if (ferror(stdin))
		die("read: %s", strerror(errno));
	if (pcap_dump_flush(d) == -1 || ferror(pcap_dump_file(d)))
		die("write failed");
	pcap_dump_close(d);
	pcap_close(p);
	free(line);
	return 0;
}
