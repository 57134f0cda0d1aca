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
 * fakedns: a hostile DNS server for the regress suite.
 *
 *	fakedns [-m mode] [-T seconds] [-s seed] [-v variant] addr port
 *
 * Listens on UDP ADDR PORT for at most -T seconds (default 60, at most
 * 600), so it can never outlive a test, and answers every well-formed
 * query (one question, no compression in it) the way MODE says:
 *
 *	silent		reads and never answers
 *	servfail	SERVFAIL, the question echoed
 *	nxdomain	NXDOMAIN, authoritative, the question echoed
 *	longname	an answer record (PTR for a PTR query, else CNAME)
 *			whose name is broken; the variant (-v, else one after
 *			the other per query): 0 longer than 255 bytes in
 *			valid 63-byte labels, 1 a reserved label type (0x40)
 *			and a label longer than its record, 2 a compression
 *			pointer that points at itself
 *	many		a PTR query gets many.example.net; an A query 300 A
 *			records (198.51.100.0-255, 192.0.2.100-143), an AAAA
 *			query 300 AAAA records (2001:db8:ffff::1-12c), in one
 *			datagram without TC
 *	cnameloop	qname CNAME a.loop.example.net, a CNAME b, b CNAME a
 *	garbage		1..512 random bytes that start with the query's id
 *			and have the QR bit set
 *	truncated	a header claiming 5 answers, the question, then the
 *			first answer cut off after its type
 *
 * Every answer carries the query's id and its question exactly as
 * received (byte for byte: resolvers that randomize the case of names
 * compare it).  None of the addresses it hands out is outside the
 * documentation ranges, and none is 203.0.113.0/24, where the tests'
 * senders live: nothing it says can confirm a sender's name.
 *
 * It prints "listening ADDR PORT MODE" once bound, "query ID TYPE NAME"
 * for each query it answers (or "ignored REASON" for a packet it does
 * not), and "queries N ignored M" on exit; "error MESSAGE" and exit 1 on
 * a usage or socket error.  Self-contained (libc and toolutil.c only).
 */

#define _GNU_SOURCE

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "toolutil.h"

#define LIFETIME_DEFAULT	60
#define LIFETIME_MAX		600
#define DNS_HDR			12
#define DNS_NAME_MAX		255
#define QUERY_MAX		4096	/* bytes read of one query */
#define ANSWER_MAX		16384	/* the largest answer built ("many") */
#define MANY_RECORDS		300

#define T_A		1
#define T_CNAME		5
#define T_PTR		12
#define T_AAAA		28

enum mode {
	M_SILENT,
	M_SERVFAIL,
	M_NXDOMAIN,
	M_LONGNAME,
	M_MANY,
	M_CNAMELOOP,
	M_GARBAGE,
	M_TRUNCATED,
};

static const char *mode_names[] = {
	"silent", "servfail", "nxdomain", "longname", "many", "cnameloop",
	"garbage", "truncated",
};

/* One parsed query. */
struct query {
	unsigned int	 id;
	unsigned int	 flags;		/* bytes 2 and 3 of the header */
	unsigned int	 qtype;
	const uint8_t	*question;	/* name, type, class as received */
	size_t		 qlen;
	char		 name[DNS_NAME_MAX + 1];	/* dotted, for the log */
};

/* An answer under construction; overflow is sticky and checked once. */
struct out {
	uint8_t		buf[ANSWER_MAX];
	size_t		len;
	int		overflow;
};

static void	usage(void) __attribute__((__noreturn__));
static int	parse_query(const uint8_t *, size_t, struct query *,
		    const char **);
static void	put(struct out *, const void *, size_t);
static void	put8(struct out *, unsigned int);
static void	put16(struct out *, unsigned int);
static void	put32(struct out *, uint32_t);
static void	put_name(struct out *, const char *);
static void	put_header(struct out *, const struct query *, unsigned int,
		    unsigned int);
static void	put_rr(struct out *, unsigned int, const void *, size_t);
static void	build(struct out *, const struct query *, enum mode, int);

static void
usage(void)
{
	printf("error usage: fakedns [-m silent|servfail|nxdomain|longname|"
	    "many|cnameloop|garbage|truncated] [-T seconds] [-s seed] "
	    "[-v variant] addr port\n");
	exit(1);
}

/*
 * A query: a header with QR clear and opcode QUERY, exactly one question
 * whose name is plain labels (no compression, each at most 63 bytes, at
 * most 255 in all) and ends inside the packet, then type and class.
 * Anything after the question (an EDNS OPT record) is ignored.  0 or -1
 * with *why set.
 */
static int
parse_query(const uint8_t *pkt, size_t len, struct query *q,
    const char **why)
{
	size_t		off = DNS_HDR, o = 0, total = 0;
	unsigned int	l;

	if (len < DNS_HDR) {
		*why = "short";
		return -1;
	}
	q->id = (unsigned int)pkt[0] << 8 | pkt[1];
	q->flags = (unsigned int)pkt[2] << 8 | pkt[3];
	if ((q->flags & 0x8000) != 0) {
		*why = "a response";
		return -1;
	}
	if ((q->flags & 0x7800) != 0) {
		*why = "not opcode QUERY";
		return -1;
	}
	if (pkt[4] != 0 || pkt[5] != 1) {
		*why = "not one question";
		return -1;
	}
	for (;;) {
		if (off >= len) {
			*why = "name runs off the end";
			return -1;
		}
		l = pkt[off];
		if (l == 0)
			break;
		if ((l & 0xc0) != 0) {
			*why = "compressed or reserved label in the question";
			return -1;
		}
		total += l + 1;
		if (total + 1 > DNS_NAME_MAX || off + 1 + l > len) {
			*why = "name too long";
			return -1;
		}
		if (o > 0)
			q->name[o++] = '.';
		memcpy(q->name + o, pkt + off + 1, l);
		o += l;
		off += 1 + l;
	}
	if (o == 0)
		q->name[o++] = '.';
	q->name[o] = '\0';
	for (o = 0; q->name[o] != '\0'; o++)	/* printable in the log */
		if (q->name[o] < 0x21 || q->name[o] > 0x7e)
			q->name[o] = '?';
	off++;
	if (off + 4 > len) {
		*why = "no type and class";
		return -1;
	}
	q->qtype = (unsigned int)pkt[off] << 8 | pkt[off + 1];
	off += 4;
	q->question = pkt + DNS_HDR;
	q->qlen = off - DNS_HDR;
	return 0;
}

static void
put(struct out *o, const void *p, size_t n)
{
	if (o->overflow || n > sizeof(o->buf) - o->len) {
		o->overflow = 1;
		return;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static void
put8(struct out *o, unsigned int v)
{
	uint8_t	b = v & 0xff;

	put(o, &b, 1);
}

static void
put16(struct out *o, unsigned int v)
{
	put8(o, v >> 8);
	put8(o, v);
}

static void
put32(struct out *o, uint32_t v)
{
	put16(o, v >> 16);
	put16(o, v & 0xffff);
}

/* A dotted name (well-formed: our own constants) in wire format. */
static void
put_name(struct out *o, const char *name)
{
	const char	*dot;
	size_t		 l;

	while (*name != '\0') {
		dot = strchr(name, '.');
		l = dot != NULL ? (size_t)(dot - name) : strlen(name);
		put8(o, (unsigned int)l);
		put(o, name, l);
		name += l;
		if (*name == '.')
			name++;
	}
	put8(o, 0);
}

/* Header (QR, AA, RA; RD copied) and the question echoed. */
static void
put_header(struct out *o, const struct query *q, unsigned int rcode,
    unsigned int ancount)
{
	put16(o, q->id);
	put16(o, 0x8000 | 0x0400 | (q->flags & 0x0100) | 0x0080 |
	    (rcode & 0x0f));
	put16(o, 1);
	put16(o, ancount);
	put16(o, 0);
	put16(o, 0);
	put(o, q->question, q->qlen);
}

/* A record owned by the question's name (pointer to offset 12). */
static void
put_rr(struct out *o, unsigned int type, const void *rdata, size_t rdlen)
{
	put16(o, 0xc000 | DNS_HDR);
	put16(o, type);
	put16(o, 1);
	put32(o, 60);
	put16(o, (unsigned int)rdlen);
	put(o, rdata, rdlen);
}

static void
build(struct out *o, const struct query *q, enum mode mode, int variant)
{
	uint8_t		 rd[512], a4[4], a6[16];
	struct out	 n;
	size_t		 i, rdlen;
	unsigned int	 k;

	memset(&n, 0, sizeof(n));
	switch (mode) {
	case M_SILENT:
		break;
	case M_SERVFAIL:
		put_header(o, q, 2, 0);
		break;
	case M_NXDOMAIN:
		put_header(o, q, 3, 0);
		break;
	case M_LONGNAME:
		put_header(o, q, 0, 1);
		switch (variant) {
		case 0:	/* 5 labels of 63: 321 bytes on the wire */
			for (i = 0; i < 5; i++) {
				put8(&n, 63);
				memset(rd, 'a' + (int)i, 63);
				put(&n, rd, 63);
			}
			put8(&n, 0);
			break;
		case 1:	/* reserved type 0x40, then 63 claimed, 3 present */
			put8(&n, 0x41);
			put(&n, "x", 1);
			put8(&n, 63);
			put(&n, "abc", 3);
			break;
		default: /* a pointer to itself, inside the record */
			/* Header + question + the RR's fixed 12 bytes. */
			k = (unsigned int)(DNS_HDR + q->qlen + 12);
			put16(&n, 0xc000 | (k & 0x3fff));
			break;
		}
		rdlen = n.len;
		put_rr(o, q->qtype == T_PTR ? T_PTR : T_CNAME, n.buf, rdlen);
		break;
	case M_MANY:
		if (q->qtype == T_PTR) {
			put_header(o, q, 0, 1);
			put_name(&n, "many.example.net");
			put_rr(o, T_PTR, n.buf, n.len);
		} else if (q->qtype == T_A) {
			put_header(o, q, 0, MANY_RECORDS);
			for (k = 0; k < MANY_RECORDS; k++) {
				if (k < 256) {
					a4[0] = 198; a4[1] = 51; a4[2] = 100;
					a4[3] = (uint8_t)k;
				} else {
					a4[0] = 192; a4[1] = 0; a4[2] = 2;
					a4[3] = (uint8_t)(100 + k - 256);
				}
				put_rr(o, T_A, a4, sizeof(a4));
			}
		} else if (q->qtype == T_AAAA) {
			put_header(o, q, 0, MANY_RECORDS);
			memset(a6, 0, sizeof(a6));
			a6[0] = 0x20; a6[1] = 0x01; a6[2] = 0x0d; a6[3] = 0xb8;
			a6[4] = 0xff; a6[5] = 0xff;
			for (k = 0; k < MANY_RECORDS; k++) {
				a6[14] = (uint8_t)((k + 1) >> 8);
				a6[15] = (uint8_t)(k + 1);
				put_rr(o, T_AAAA, a6, sizeof(a6));
			}
		} else
			put_header(o, q, 0, 0);
		break;
	case M_CNAMELOOP:
		put_header(o, q, 0, 3);
		put_name(&n, "a.loop.example.net");
		put_rr(o, T_CNAME, n.buf, n.len);
		/* a.loop.example.net CNAME b.loop.example.net */
		k = (unsigned int)o->len - (unsigned int)n.len;
		put16(o, 0xc000 | k);
		put16(o, T_CNAME);
		put16(o, 1);
		put32(o, 60);
		memset(&n, 0, sizeof(n));
		put8(&n, 1);
		put(&n, "b", 1);
		put16(&n, 0xc000 | (k + 2));	/* loop.example.net */
		put16(o, (unsigned int)n.len);
		i = o->len;
		put(o, n.buf, n.len);
		/* b.loop.example.net CNAME a.loop.example.net */
		put16(o, 0xc000 | (unsigned int)i);
		put16(o, T_CNAME);
		put16(o, 1);
		put32(o, 60);
		put16(o, 2);
		put16(o, 0xc000 | k);
		break;
	case M_GARBAGE:
		rdlen = 1 + (size_t)random() % sizeof(rd);
		for (i = 0; i < rdlen; i++)
			rd[i] = (uint8_t)random();
		if (rdlen >= 1)
			rd[0] = (uint8_t)(q->id >> 8);
		if (rdlen >= 2)
			rd[1] = (uint8_t)q->id;
		if (rdlen >= 3)
			rd[2] |= 0x80;
		put(o, rd, rdlen);
		break;
	case M_TRUNCATED:
		put_header(o, q, 0, 5);
		put16(o, 0xc000 | DNS_HDR);
		put16(o, q->qtype);
		break;
	}
}

int
main(int argc, char *argv[])
{
	static uint8_t		 pkt[QUERY_MAX];
	static struct out	 o;
	union sockaddr_any	 addr, from;
	socklen_t		 len, fromlen;
	struct query		 q;
	const char		*why;
	long			 seconds = LIFETIME_DEFAULT, end;
	unsigned long		 queries = 0, ignored = 0, seed;
	ssize_t			 n;
	size_t			 i;
	int			 ch, s, mode = M_SILENT, variant = -1;
	unsigned int		 next = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	seed = (unsigned long)getpid() ^ (unsigned long)time(NULL);
	while ((ch = getopt(argc, argv, "m:s:T:v:")) != -1) {
		switch (ch) {
		case 'm':
			for (i = 0; i < sizeof(mode_names) /
			    sizeof(mode_names[0]); i++)
				if (strcmp(optarg, mode_names[i]) == 0)
					break;
			if (i == sizeof(mode_names) / sizeof(mode_names[0]))
				errorx("-m %s: unknown mode", optarg);
			mode = (int)i;
			break;
		case 's':
			seed = (unsigned long)number(optarg, 0, LONG_MAX,
			    "seed");
			break;
		case 'T':
			seconds = number(optarg, 1, LIFETIME_MAX, "seconds");
			break;
		case 'v':
			variant = (int)number(optarg, 0, 2, "variant");
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2)
		usage();
	srandom((unsigned int)seed);

	len = parse_addr(argv[0], argv[1], 1, &addr);

	s = socket(addr.sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
	if (s == -1)
		errorx("socket: %s", strerror(errno));
	if (bind(s, &addr.sa, len) == -1)
		errorx("bind %s port %s: %s", argv[0], argv[1], strerror(errno));
	printf("listening %s %s %s seed %lu\n", argv[0], argv[1],
	    mode_names[mode], seed);

	end = now_ms() + seconds * 1000;
	while (wait_fd(s, POLLIN, end)) {
		fromlen = sizeof(from);
		n = recvfrom(s, pkt, sizeof(pkt), MSG_TRUNC, &from.sa, &fromlen);
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == ECONNREFUSED)
				continue;
			errorx("recvfrom: %s", strerror(errno));
		}
		if ((size_t)n > sizeof(pkt)) {
			printf("ignored %zd bytes: too long\n", n);
			ignored++;
			continue;
		}
		memset(&q, 0, sizeof(q));
		if (parse_query(pkt, (size_t)n, &q, &why) == -1) {
			printf("ignored %s\n", why);
			ignored++;
			continue;
		}
		queries++;
		printf("query %u %u %s\n", q.id, q.qtype, q.name);
		memset(&o, 0, sizeof(o));
		build(&o, &q, (enum mode)mode, variant >= 0 ? variant :
		    (int)(next++ % 3));
		if (o.overflow)
			errorx("answer larger than %d bytes", ANSWER_MAX);
		if (o.len > 0 && sendto(s, o.buf, o.len, 0, &from.sa,
		    fromlen) == -1)
			printf("sendto: %s\n", strerror(errno));
	}
	close(s);
	printf("queries %lu ignored %lu\n", queries, ignored);
	return 0;
}
