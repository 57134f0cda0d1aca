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
 *	fakedns [-m mode] [-T seconds] [-s seed] [-v variant] [-z zonefile]
 *	    addr port
 *
 * Listens on UDP and TCP ADDR PORT for at most -T seconds (default 60, at
 * most 1800), so it can never outlive a test, and answers every
 * well-formed query (one question, no compression in it) the way MODE
 * says, the same over UDP and TCP:
 *
 *	zone		(-z) the records of ZONEFILE, as an authoritative
 *			server would: see below
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
 * compare it).  None of the addresses the hostile modes hand out is
 * outside the documentation ranges, and none is 203.0.113.0/24, where the
 * tests' senders live: nothing they say can confirm a sender's name.
 *
 * The zone file has one record per line, "NAME TTL TYPE DATA", '#' starting
 * a comment: types A, AAAA, PTR, CNAME, MX ("PREFERENCE HOST") and TXT,
 * whose DATA is the rest of the line, cut into strings of 255 bytes.  A
 * name with records of the type asked for gets them all; a name with a
 * CNAME gets it and its target's records (chains of up to 8); a name with
 * other records only gets NOERROR and no answer; any other name NXDOMAIN.
 * An answer too large for UDP (512 bytes, or the EDNS size the query
 * offers, at most 4096) goes out truncated (TC set, no records), for the
 * resolver to ask again over TCP.  SIGHUP reads the zone file again.
 *
 * It prints "listening ADDR PORT MODE" once bound, "query ID TYPE NAME
 * udp|tcp" for each query it answers (or "ignored REASON" for a packet it
 * does not), "truncated ID NAME BYTES" for an answer sent with TC, and
 * "queries N ignored M" on exit; "error MESSAGE" and exit 1 on a usage,
 * zone file or socket error.  Self-contained (libc and toolutil.c only).
 */

#define _GNU_SOURCE

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "toolutil.h"

#define LIFETIME_DEFAULT	60
#define LIFETIME_MAX		1800
#define DNS_HDR			12
#define DNS_NAME_MAX		255
#define QUERY_MAX		4096	/* bytes read of one query */
#define ANSWER_MAX		65535	/* the largest answer: TCP's */
#define UDP_PLAIN		512	/* without EDNS */
#define UDP_EDNS_MAX		4096	/* the most we believe a query offers */
#define MANY_RECORDS		300
#define TCP_CONNS		8	/* at once; more wait in the backlog */
#define TCP_IDLE_MS		10000	/* a connection closed after this */
#define CNAME_CHAIN		8

#define T_A		1
#define T_CNAME		5
#define T_PTR		12
#define T_MX		15
#define T_TXT		16
#define T_AAAA		28
#define T_OPT		41

enum mode {
	M_SILENT,
	M_SERVFAIL,
	M_NXDOMAIN,
	M_LONGNAME,
	M_MANY,
	M_CNAMELOOP,
	M_GARBAGE,
	M_TRUNCATED,
	M_ZONE,
};

static const char *mode_names[] = {
	"silent", "servfail", "nxdomain", "longname", "many", "cnameloop",
	"garbage", "truncated", "zone",
};

/* One record of the zone file. */
struct rr {
	char		 name[DNS_NAME_MAX + 1];	/* lower case, no dot */
	unsigned int	 type;
	uint32_t	 ttl;
	uint8_t		*rdata;		/* wire format, names uncompressed */
	size_t		 rdlen;
};

/* A TCP client: a 2-byte length, then the query. */
struct conn {
	int		 fd;		/* -1: free */
	long		 last;		/* now_ms() of its last byte */
	size_t		 have;
	uint8_t		 buf[2 + QUERY_MAX];
};

/* One parsed query. */
struct query {
	unsigned int	 id;
	unsigned int	 flags;		/* bytes 2 and 3 of the header */
	unsigned int	 qtype;
	const uint8_t	*question;	/* name, type, class as received */
	size_t		 qlen;
	size_t		 udp_max;	/* what a UDP answer may hold */
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
static void	build_zone(struct out *, const struct query *);

static struct rr		*zone;
static size_t			 nzone;
static const char		*zonefile;
static volatile sig_atomic_t	 reload;

static void
usage(void)
{
	printf("error usage: fakedns [-m silent|servfail|nxdomain|longname|"
	    "many|cnameloop|garbage|truncated] [-T seconds] [-s seed] "
	    "[-v variant] [-z zonefile] addr port\n");
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
	/* An EDNS OPT record (root owner) first in the additional section. */
	q->udp_max = UDP_PLAIN;
	if ((pkt[10] != 0 || pkt[11] != 0) && off + 5 <= len &&
	    pkt[off] == 0 && pkt[off + 1] == 0 && pkt[off + 2] == T_OPT) {
		l = (unsigned int)pkt[off + 3] << 8 | pkt[off + 4];
		if (l > UDP_PLAIN)
			q->udp_max = l > UDP_EDNS_MAX ? UDP_EDNS_MAX : l;
	}
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
	case M_ZONE:
		build_zone(o, q);
		break;
	}
}

/* --- the zone ---------------------------------------------------------- */

/* A dotted name, lower case, without its final dot; -1 if not a name. */
static int
name_norm(const char *in, char *out)
{
	size_t	len = strlen(in), i, label = 0;

	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return -1;
	for (i = 0; i < len; i++) {
		if (in[i] == '.') {
			if (label == 0)
				return -1;
			label = 0;
		} else if (++label > 63 || !isgraph((unsigned char)in[i]))
			return -1;
		out[i] = (char)tolower((unsigned char)in[i]);
	}
	out[len] = '\0';
	return label > 0 ? 0 : -1;
}

static void
zone_free(void)
{
	size_t	i;

	for (i = 0; i < nzone; i++)
		free(zone[i].rdata);
	free(zone);
	zone = NULL;
	nzone = 0;
}

/* DATA of a record of type, in wire format, into o; -1 if it is not. */
static int
zone_rdata(unsigned int type, char *data, struct out *o)
{
	char		 name[DNS_NAME_MAX + 1], *p, *end;
	uint8_t		 a[16];
	size_t		 len, n;
	long		 pref;

	switch (type) {
	case T_A:
		if (inet_pton(AF_INET, data, a) != 1)
			return -1;
		put(o, a, 4);
		return 0;
	case T_AAAA:
		if (inet_pton(AF_INET6, data, a) != 1)
			return -1;
		put(o, a, 16);
		return 0;
	case T_PTR:
	case T_CNAME:
		if (name_norm(data, name) == -1)
			return -1;
		put_name(o, name);
		return 0;
	case T_MX:
		errno = 0;
		pref = strtol(data, &end, 10);
		if (end == data || *end != ' ' || errno != 0 || pref < 0 ||
		    pref > 65535)
			return -1;
		p = end;
		while (*p == ' ')
			p++;
		if (name_norm(p, name) == -1)
			return -1;
		put16(o, (unsigned int)pref);
		put_name(o, name);
		return 0;
	case T_TXT:
		len = strlen(data);
		do {
			n = len > 255 ? 255 : len;
			put8(o, (unsigned int)n);
			put(o, data, n);
			data += n;
			len -= n;
		} while (len > 0);
		return 0;
	}
	return -1;
}

/* One line "NAME TTL TYPE DATA"; -1 with *why set. */
static int
zone_line(char *line, struct rr *r, const char **why)
{
	static const struct { const char *name; unsigned int type; } types[] = {
		{ "A", T_A }, { "AAAA", T_AAAA }, { "PTR", T_PTR },
		{ "CNAME", T_CNAME }, { "MX", T_MX }, { "TXT", T_TXT },
	};
	static struct out	 o;
	char			*name, *ttl, *type, *data, *end;
	size_t			 i;
	long			 t;

	name = strtok_r(line, " \t", &end);
	ttl = strtok_r(NULL, " \t", &end);
	type = strtok_r(NULL, " \t", &end);
	data = end;
	while (data != NULL && (*data == ' ' || *data == '\t'))
		data++;
	if (name == NULL || ttl == NULL || type == NULL || data == NULL ||
	    *data == '\0') {
		*why = "not NAME TTL TYPE DATA";
		return -1;
	}
	if (name_norm(name, r->name) == -1) {
		*why = "bad name";
		return -1;
	}
	errno = 0;
	t = strtol(ttl, &end, 10);
	if (*end != '\0' || errno != 0 || t < 0 || t > 0x7fffffff) {
		*why = "bad TTL";
		return -1;
	}
	r->ttl = (uint32_t)t;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcasecmp(type, types[i].name) == 0)
			break;
	if (i == sizeof(types) / sizeof(types[0])) {
		*why = "unknown type";
		return -1;
	}
	r->type = types[i].type;
	memset(&o, 0, sizeof(o));
	if (zone_rdata(r->type, data, &o) == -1 || o.overflow ||
	    o.len > 65535 - DNS_HDR) {
		*why = "bad data for its type";
		return -1;
	}
	if ((r->rdata = malloc(o.len)) == NULL)
		errorx("malloc: %s", strerror(errno));
	memcpy(r->rdata, o.buf, o.len);
	r->rdlen = o.len;
	return 0;
}

/* Read zonefile anew; the old zone stays when the new one is bad. */
static void
zone_load(void)
{
	FILE		*fp;
	struct rr	*z = NULL, *nz, r;
	char		*line = NULL, *p;
	const char	*why;
	size_t		 size = 0, n = 0, lineno = 0;

	if ((fp = fopen(zonefile, "r")) == NULL)
		errorx("%s: %s", zonefile, strerror(errno));
	while (getline(&line, &size, fp) != -1) {
		lineno++;
		if ((p = strpbrk(line, "#\r\n")) != NULL)
			*p = '\0';
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		if (*p == '\0')
			continue;
		memset(&r, 0, sizeof(r));
		if (zone_line(p, &r, &why) == -1)
			errorx("%s:%zu: %s", zonefile, lineno, why);
		if ((nz = realloc(z, (n + 1) * sizeof(*z))) == NULL)
			errorx("realloc: %s", strerror(errno));
		z = nz;
		z[n++] = r;
	}
	free(line);
	fclose(fp);
	zone_free();
	zone = z;
	nzone = n;
	printf("zone %s: %zu records\n", zonefile, nzone);
}

static int
zone_has(const char *name, unsigned int type)
{
	size_t	i;

	for (i = 0; i < nzone; i++)
		if ((type == 0 || zone[i].type == type) &&
		    strcmp(zone[i].name, name) == 0)
			return 1;
	return 0;
}

/* Every record of name and type, owned by the question's name (at 12). */
static unsigned int
zone_put(struct out *o, const char *name, unsigned int type, int first)
{
	unsigned int	n = 0;
	size_t		i;

	for (i = 0; i < nzone; i++) {
		if (zone[i].type != type || strcmp(zone[i].name, name) != 0)
			continue;
		if (first)
			put16(o, 0xc000 | DNS_HDR);
		else
			put_name(o, name);
		put16(o, type);
		put16(o, 1);
		put32(o, zone[i].ttl);
		put16(o, (unsigned int)zone[i].rdlen);
		put(o, zone[i].rdata, zone[i].rdlen);
		n++;
	}
	return n;
}

/* The CNAME target of name, lower case; 0, or -1 when there is none. */
static int
zone_cname(const char *name, char *target)
{
	const uint8_t	*d;
	size_t		 i, o = 0, k;

	for (i = 0; i < nzone; i++) {
		if (zone[i].type != T_CNAME || strcmp(zone[i].name, name) != 0)
			continue;
		/* Our own wire format: plain labels, as put_name wrote. */
		d = zone[i].rdata;
		for (k = 0; k < zone[i].rdlen && d[k] != 0; k += 1 + d[k]) {
			if (o > 0)
				target[o++] = '.';
			memcpy(target + o, d + k + 1, d[k]);
			o += d[k];
		}
		target[o] = '\0';
		return 0;
	}
	return -1;
}

static void
build_zone(struct out *o, const struct query *q)
{
	char		name[DNS_NAME_MAX + 1], next[DNS_NAME_MAX + 1];
	unsigned int	an = 0, depth;
	size_t		ancount_at;

	if (name_norm(q->name, name) == -1 || !zone_has(name, 0)) {
		put_header(o, q, 3, 0);
		return;
	}
	put_header(o, q, 0, 0);
	ancount_at = 6;
	for (depth = 0; depth <= CNAME_CHAIN; depth++) {
		an += zone_put(o, name, q->qtype, depth == 0);
		if (q->qtype == T_CNAME || zone_has(name, q->qtype) ||
		    zone_cname(name, next) == -1)
			break;
		an += zone_put(o, name, T_CNAME, depth == 0);
		snprintf(name, sizeof(name), "%s", next);
	}
	o->buf[ancount_at] = (uint8_t)(an >> 8);
	o->buf[ancount_at + 1] = (uint8_t)an;
}

static void
on_hup(int sig)
{
	reload = 1;
}

static unsigned long	queries, ignored;
static enum mode	mode = M_SILENT;
static int		variant = -1;
static unsigned int	next_variant;

/*
 * One query in pkt: the answer to send into o (o->len 0: none), cut to
 * header and question with TC when it is bigger than max.
 */
static void
answer(const uint8_t *pkt, size_t n, struct out *o, size_t max,
    const char *proto)
{
	struct query	 q;
	const char	*why;

	memset(o, 0, sizeof(*o));
	memset(&q, 0, sizeof(q));
	if (parse_query(pkt, n, &q, &why) == -1) {
		printf("ignored %s\n", why);
		ignored++;
		return;
	}
	queries++;
	printf("query %u %u %s %s\n", q.id, q.qtype, q.name, proto);
	build(o, &q, mode, variant >= 0 ? variant : (int)(next_variant++ % 3));
	if (o->overflow)
		errorx("answer larger than %d bytes", ANSWER_MAX);
	if (max == 0)
		max = q.udp_max;
	if (mode == M_ZONE && o->len > max) {
		printf("truncated %u %s %zu\n", q.id, q.name, o->len);
		memset(o, 0, sizeof(*o));
		put_header(o, &q, 0, 0);
		o->buf[2] |= 0x02;	/* TC */
	}
}

static void
serve_udp(int s)
{
	static uint8_t		 pkt[QUERY_MAX];
	static struct out	 o;
	union sockaddr_any	 from;
	socklen_t		 fromlen = sizeof(from);
	ssize_t			 n;

	n = recvfrom(s, pkt, sizeof(pkt), MSG_TRUNC, &from.sa, &fromlen);
	if (n == -1) {
		if (errno == EINTR || errno == EAGAIN ||
		    errno == ECONNREFUSED)
			return;
		errorx("recvfrom: %s", strerror(errno));
	}
	if ((size_t)n > sizeof(pkt)) {
		printf("ignored %zd bytes: too long\n", n);
		ignored++;
		return;
	}
	answer(pkt, (size_t)n, &o, 0, "udp");
	if (o.len > 0 && sendto(s, o.buf, o.len, 0, &from.sa, fromlen) == -1)
		printf("sendto: %s\n", strerror(errno));
}

/* Write all of buf (a blocking socket); 0, or -1 when the peer went. */
static int
write_all(int fd, const uint8_t *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
conn_close(struct conn *c)
{
	close(c->fd);
	c->fd = -1;
	c->have = 0;
}

/* Bytes from a TCP client; each whole query gets its answer. */
static void
serve_tcp(struct conn *c)
{
	static struct out	 o;
	uint8_t			 len[2];
	size_t			 want;
	ssize_t			 n;

	n = read(c->fd, c->buf + c->have, sizeof(c->buf) - c->have);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		conn_close(c);
		return;
	}
	c->have += (size_t)n;
	c->last = now_ms();
	while (c->have >= 2) {
		want = (size_t)c->buf[0] << 8 | c->buf[1];
		if (want > QUERY_MAX) {
			printf("ignored tcp query of %zu bytes\n", want);
			ignored++;
			conn_close(c);
			return;
		}
		if (c->have < 2 + want)
			return;
		answer(c->buf + 2, want, &o, ANSWER_MAX, "tcp");
		memmove(c->buf, c->buf + 2 + want, c->have - 2 - want);
		c->have -= 2 + want;
		if (o.len == 0)
			continue;
		len[0] = (uint8_t)(o.len >> 8);
		len[1] = (uint8_t)o.len;
		if (write_all(c->fd, len, 2) == -1 ||
		    write_all(c->fd, o.buf, o.len) == -1) {
			conn_close(c);
			return;
		}
	}
}

static int
open_socket(const union sockaddr_any *addr, socklen_t len, int type,
    const char *a, const char *p)
{
	int	s, on = 1;

	if ((s = socket(addr->sa.sa_family, type | SOCK_CLOEXEC, 0)) == -1)
		errorx("socket: %s", strerror(errno));
	if (type == SOCK_STREAM &&
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		errorx("setsockopt: %s", strerror(errno));
	if (bind(s, &addr->sa, len) == -1)
		errorx("bind %s port %s: %s", a, p, strerror(errno));
	if (type == SOCK_STREAM && listen(s, TCP_CONNS) == -1)
		errorx("listen: %s", strerror(errno));
	return s;
}

int
main(int argc, char *argv[])
{
	static struct conn	 conns[TCP_CONNS];
	struct pollfd		 pfd[2 + TCP_CONNS];
	struct sigaction	 sa;
	union sockaddr_any	 addr;
	socklen_t		 len;
	long			 seconds = LIFETIME_DEFAULT, end, left, now;
	unsigned long		 seed;
	size_t			 i;
	int			 ch, us, ts, fd, r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	seed = (unsigned long)getpid() ^ (unsigned long)time(NULL);
	while ((ch = getopt(argc, argv, "m:s:T:v:z:")) != -1) {
		switch (ch) {
		case 'm':
			for (i = 0; i < sizeof(mode_names) /
			    sizeof(mode_names[0]); i++)
				if (strcmp(optarg, mode_names[i]) == 0)
					break;
			if (i == sizeof(mode_names) / sizeof(mode_names[0]) ||
			    i == M_ZONE)
				errorx("-m %s: unknown mode", optarg);
			mode = (enum mode)i;
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
		case 'z':
			zonefile = optarg;
			mode = M_ZONE;
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
	if (zonefile != NULL)
		zone_load();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	len = parse_addr(argv[0], argv[1], 1, &addr);
	us = open_socket(&addr, len, SOCK_DGRAM, argv[0], argv[1]);
	ts = open_socket(&addr, len, SOCK_STREAM, argv[0], argv[1]);
	for (i = 0; i < TCP_CONNS; i++)
		conns[i].fd = -1;
	printf("listening %s %s %s seed %lu\n", argv[0], argv[1],
	    mode_names[mode], seed);

	end = now_ms() + seconds * 1000;
	while ((left = end - (now = now_ms())) > 0) {
		if (reload) {
			reload = 0;
			zone_load();
		}
		pfd[0].fd = us;
		pfd[1].fd = ts;
		pfd[0].events = pfd[1].events = POLLIN;
		for (i = 0; i < TCP_CONNS; i++) {
			if (conns[i].fd != -1 &&
			    now - conns[i].last > TCP_IDLE_MS)
				conn_close(&conns[i]);
			pfd[2 + i].fd = conns[i].fd;
			pfd[2 + i].events = POLLIN;
		}
		if (left > 1000)
			left = 1000;
		if ((r = poll(pfd, 2 + TCP_CONNS, (int)left)) == -1) {
			if (errno == EINTR)
				continue;
			errorx("poll: %s", strerror(errno));
		}
		if (r == 0)
			continue;
		if (pfd[0].revents != 0)
			serve_udp(us);
		for (i = 0; i < TCP_CONNS; i++)
			if (conns[i].fd != -1 && pfd[2 + i].revents != 0)
				serve_tcp(&conns[i]);
		if (pfd[1].revents != 0 &&
		    (fd = accept4(ts, NULL, NULL, SOCK_CLOEXEC)) != -1) {
			for (i = 0; i < TCP_CONNS && conns[i].fd != -1; i++)
				;
			if (i == TCP_CONNS || mode == M_SILENT)
				close(fd);	/* silent: no answer at all */
			else {
				conns[i].fd = fd;
				conns[i].have = 0;
				conns[i].last = now_ms();
			}
		}
	}
	close(us);
	close(ts);
	printf("queries %lu ignored %lu\n", queries, ignored);
	return 0;
}
