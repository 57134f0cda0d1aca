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
 * mxprobe: the regress suite's TCP client and server.
 *
 *	mxprobe connect [-s srcaddr] [-t timeout_ms] [-o dstopts] addr port
 *	mxprobe listen [-T seconds] addr port
 *	mxprobe query [-s srcaddr] [-t timeout_ms] server port name type
 *
 * connect makes one real TCP connection attempt and prints exactly one
 * line, "connected MS", "refused MS" (a TCP reset), "timeout MS" or
 * "error MESSAGE", exiting 0, 1, 2 or 3.  MS is the time from connect(2)
 * to the outcome, in milliseconds.
 *
 * listen accepts and closes connections until its lifetime (-T, default
 * 60 s, at most 3600 s) is over, so it can never outlive a test.  It prints
 * "listening ADDR PORT" once the socket listens and "accepted N" on exit.
 *
 * query sends one DNS query over UDP (recursion desired, no EDNS) for NAME
 * and TYPE (A, AAAA, PTR, CNAME, ANY or a number; for PTR an address
 * literal becomes its in-addr.arpa / ip6.arpa name) and prints one line:
 * "answer RCODE tc=T COUNT TYPE=VALUE ..." (COUNT answer records; A, AAAA,
 * PTR and CNAME values decoded, others as TYPE<n>=<rdlength>; a record that
 * does not decode ends the line with "malformed"), "timeout MS" or
 * "error MESSAGE", exiting 0, 2 or 3.
 *
 * Self-contained on purpose (libc and toolutil.c only): it is built with
 * the project's warning flags but without its libraries.
 */

#define _GNU_SOURCE

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "toolutil.h"

/*
 * The default connect timeout stays below Linux's initial SYN
 * retransmission timeout (TCP_TIMEOUT_INIT, 1 s): the socket is closed
 * before the kernel retransmits, so one probe sends exactly ONE SYN.  A
 * test can then count SYNs (nfqueue verdicts, rule counters) per probe.
 * Closing a socket in SYN-SENT sends nothing.
 */
#define CONNECT_TIMEOUT_MS	700
#define CONNECT_TIMEOUT_MAX	60000
#define LISTEN_SECONDS		60
#define LISTEN_SECONDS_MAX	3600

enum {
	EXIT_CONNECTED = 0,
	EXIT_REFUSED = 1,
	EXIT_TIMEOUT = 2,
	EXIT_ERROR = 3,
};

/* What connect and query take: -s srcaddr, -t timeout_ms, -o dstopts. */
struct client {
	const char	*srcaddr;
	long		 timeout;
	int		 dstopts;
};

static void	usage(void) __attribute__((__noreturn__));
static void	client_options(int *, char ***, const char *, int,
		    struct client *);
static int	client_socket(const union sockaddr_any *, int, int,
		    const char *, const char *, const char *);
static int	outcome(int, long, const char *, int);
static int	do_connect(int, char **);
static int	do_listen(int, char **);
static int	do_query(int, char **);

static void
usage(void)
{
	printf("error usage: mxprobe connect [-s srcaddr] [-t timeout_ms] "
	    "[-o dstopts] addr port | mxprobe listen [-T seconds] addr port | "
	    "mxprobe query [-s srcaddr] [-t timeout_ms] server port name type\n");
	exit(EXIT_ERROR);
}

/*
 * The options of connect (optstring "o:s:t:") or query ("s:t:"); argc
 * and argv move past them, to exactly nargs arguments.
 */
static void
client_options(int *argc, char ***argv, const char *optstring, int nargs,
    struct client *c)
{
	int	ch;

	c->srcaddr = NULL;
	c->timeout = CONNECT_TIMEOUT_MS;
	c->dstopts = 0;
	while ((ch = getopt(*argc, *argv, optstring)) != -1) {
		switch (ch) {
		case 'o':
			if (strcmp(optarg, "dstopts") != 0)
				errorx("-o %s: only \"dstopts\" is known",
				    optarg);
			c->dstopts = 1;
			break;
		case 's':
			c->srcaddr = optarg;
			break;
		case 't':
			c->timeout = number(optarg, 1, CONNECT_TIMEOUT_MAX,
			    "timeout");
			break;
		default:
			usage();
		}
	}
	*argc -= optind;
	*argv += optind;
	if (*argc != nargs)
		usage();
}

/*
 * A socket of dst's family, bound to srcaddr when there is one; dstname
 * and what ("destination", "server") are for the message when srcaddr
 * is of another family.
 */
static int
client_socket(const union sockaddr_any *dst, int type, int proto,
    const char *srcaddr, const char *dstname, const char *what)
{
	union sockaddr_any	src;
	socklen_t		srclen;
	int			s;

	s = socket(dst->sa.sa_family, type | SOCK_CLOEXEC, proto);
	if (s == -1)
		errorx("socket: %s", strerror(errno));
	if (srcaddr != NULL) {
		srclen = parse_addr(srcaddr, "0", 0, &src);
		if (src.sa.sa_family != dst->sa.sa_family)
			errorx("source %s and %s %s: different address "
			    "families", srcaddr, what, dstname);
		if (bind(s, &src.sa, srclen) == -1)
			errorx("bind %s: %s", srcaddr, strerror(errno));
	}
	return s;
}

/* Prints the one line "WHAT MS", MS since start; closes s. */
static int
outcome(int s, long start, const char *what, int status)
{
	printf("%s %ld\n", what, now_ms() - start);
	close(s);
	return status;
}

static int
do_connect(int argc, char **argv)
{
	/*
	 * A Destination Options header of 8 bytes: next header (filled in
	 * by the kernel), length 0 (in 8-byte units, not counting the first
	 * 8), then one PadN option (type 1, length 4) padding it out.
	 */
	static const unsigned char dstopts[8] = { 0, 0, 1, 4, 0, 0, 0, 0 };
	struct client		 c;
	union sockaddr_any	 dst;
	socklen_t		 dstlen, errlen;
	long			 start;
	int			 s, r, err;

	client_options(&argc, &argv, "o:s:t:", 2, &c);
	dstlen = parse_addr(argv[0], argv[1], 0, &dst);
	if (c.dstopts && dst.sa.sa_family != AF_INET6)
		errorx("-o dstopts needs an IPv6 address");
	s = client_socket(&dst, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_TCP,
	    c.srcaddr, argv[0], "destination");

	/* Sticky option: every segment, the SYN included, carries it. */
	if (c.dstopts && setsockopt(s, IPPROTO_IPV6, IPV6_DSTOPTS,
	    dstopts, sizeof(dstopts)) == -1)
		errorx("setsockopt IPV6_DSTOPTS: %s", strerror(errno));

	start = now_ms();
	r = connect(s, &dst.sa, dstlen);
	err = r == 0 ? 0 : errno;
	if (r == -1 && err == EINPROGRESS) {
		if (!wait_fd(s, POLLOUT, start + c.timeout))
			return outcome(s, start, "timeout", EXIT_TIMEOUT);
		errlen = sizeof(err);
		if (getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &errlen) == -1)
			errorx("getsockopt SO_ERROR: %s", strerror(errno));
	}

	switch (err) {
	case 0:
		return outcome(s, start, "connected", EXIT_CONNECTED);
	case ECONNREFUSED:
		return outcome(s, start, "refused", EXIT_REFUSED);
	case ETIMEDOUT:
		return outcome(s, start, "timeout", EXIT_TIMEOUT);
	default:
		errorx("connect %s port %s: %s", argv[0], argv[1],
		    strerror(err));
	}
}

static int
do_listen(int argc, char **argv)
{
	long			 seconds, end;
	unsigned long		 accepted = 0;
	int			 s, c;

	if ((seconds = listen_args(argc, argv, LISTEN_SECONDS,
	    LISTEN_SECONDS_MAX, &argv)) == 0)
		usage();
	s = tcp_listen(argv[0], argv[1], 128);
	printf("listening %s %s\n", argv[0], argv[1]);
	fflush(stdout);

	end = now_ms() + seconds * 1000;
	while (wait_fd(s, POLLIN, end)) {
		/* Drain the backlog; EAGAIN when it is empty. */
		while ((c = accept(s, NULL, NULL)) != -1) {
			close(c);
			accepted++;
		}
	}
	close(s);
	printf("accepted %lu\n", accepted);
	return 0;
}

/* --- DNS query ------------------------------------------------------------ */

#define DNS_HDR		12
#define DNS_NAME_MAX	255
#define DNS_UDP_MAX	65535

static const struct {
	const char	*name;
	unsigned int	 type;
} dns_types[] = {
	{ "A", 1 }, { "NS", 2 }, { "CNAME", 5 }, { "SOA", 6 }, { "PTR", 12 },
	{ "MX", 15 }, { "TXT", 16 }, { "AAAA", 28 }, { "ANY", 255 },
};

static const char *dns_rcodes[] = {
	"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
};

static const char *
dns_type_name(unsigned int type, char *buf, size_t bufsz)
{
	size_t	i;

	for (i = 0; i < sizeof(dns_types) / sizeof(dns_types[0]); i++)
		if (dns_types[i].type == type)
			return dns_types[i].name;
	snprintf(buf, bufsz, "TYPE%u", type);
	return buf;
}

/* Append NAME in wire format at *off in buf (bufsz bytes); 0 or -1. */
static int
dns_put_name(uint8_t *buf, size_t bufsz, size_t *off, const char *name)
{
	const char	*p = name, *dot;
	size_t		 l, total = 0;

	if (strcmp(name, ".") == 0)
		p = "";
	while (*p != '\0') {
		dot = strchr(p, '.');
		l = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (l == 0 || l > 63)
			return -1;
		total += l + 1;
		if (total + 1 > DNS_NAME_MAX || *off + l + 1 > bufsz)
			return -1;
		buf[(*off)++] = (uint8_t)l;
		memcpy(buf + *off, p, l);
		*off += l;
		p += l;
		if (*p == '.')
			p++;
	}
	if (*off + 1 > bufsz)
		return -1;
	buf[(*off)++] = 0;
	return 0;
}

/*
 * Read the (possibly compressed) name at *off of pkt (len bytes) into out
 * (dotted, at most DNS_NAME_MAX characters); *off moves past it.  0 or -1
 * on anything malformed: out of bounds, a reserved label type, too long, a
 * pointer loop.
 */
static int
dns_get_name(const uint8_t *pkt, size_t len, size_t *off, char *out)
{
	size_t	 p = *off, o = 0, end = 0;
	int	 jumps = 0, jumped = 0;
	uint8_t	 l;

	for (;;) {
		if (p >= len)
			return -1;
		l = pkt[p];
		if ((l & 0xc0) == 0xc0) {
			if (p + 1 >= len || ++jumps > 64)
				return -1;
			if (!jumped)
				end = p + 2;
			jumped = 1;
			p = (size_t)(l & 0x3f) << 8 | pkt[p + 1];
			continue;
		}
		if ((l & 0xc0) != 0)
			return -1;
		if (l == 0) {
			if (!jumped)
				end = p + 1;
			break;
		}
		if (p + 1 + l > len || o + l + 2 > DNS_NAME_MAX + 1)
			return -1;
		if (o > 0)
			out[o++] = '.';
		memcpy(out + o, pkt + p + 1, l);
		o += l;
		p += 1 + l;
	}
	if (o == 0)
		out[o++] = '.';
	out[o] = '\0';
	*off = end;
	return 0;
}

/* NAME for the query: an address literal for PTR becomes its arpa name. */
static void
dns_query_name(const char *name, unsigned int type, char *out, size_t outsz)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;
	size_t		 o = 0;
	int		 i;

	if (type == 12 && inet_pton(AF_INET, name, &a4) == 1) {
		const uint8_t *b = (const uint8_t *)&a4;
		snprintf(out, outsz, "%u.%u.%u.%u.in-addr.arpa",
		    b[3], b[2], b[1], b[0]);
		return;
	}
	if (type == 12 && inet_pton(AF_INET6, name, &a6) == 1) {
		for (i = 15; i >= 0; i--) {
			o += (size_t)snprintf(out + o, outsz - o, "%x.%x.",
			    a6.s6_addr[i] & 0xf, a6.s6_addr[i] >> 4);
		}
		snprintf(out + o, outsz - o, "ip6.arpa");
		return;
	}
	snprintf(out, outsz, "%s", name);
}

static int
do_query(int argc, char **argv)
{
	static uint8_t		 pkt[DNS_UDP_MAX];
	struct client		 c;
	union sockaddr_any	 dst;
	socklen_t		 dstlen;
	char			 qname[DNS_NAME_MAX + 64], name[DNS_NAME_MAX + 1];
	char			 tbuf[16], abuf[INET6_ADDRSTRLEN], rbuf[16];
	long			 start;
	unsigned int		 qtype = 0, id, rcode, an, qd, i, type, rdlen;
	size_t			 off, qlen, j;
	ssize_t			 n;
	char			*end;
	int			 s;

	client_options(&argc, &argv, "s:t:", 4, &c);

	for (j = 0; j < sizeof(dns_types) / sizeof(dns_types[0]); j++)
		if (strcasecmp(argv[3], dns_types[j].name) == 0)
			qtype = dns_types[j].type;
	if (qtype == 0) {
		errno = 0;
		qtype = (unsigned int)strtoul(argv[3], &end, 10);
		if (*argv[3] == '\0' || *end != '\0' || errno != 0 ||
		    qtype == 0 || qtype > 65535)
			errorx("type %s: not a known type or a number", argv[3]);
	}
	dns_query_name(argv[2], qtype, qname, sizeof(qname));

	dstlen = parse_addr(argv[0], argv[1], 0, &dst);
	s = client_socket(&dst, SOCK_DGRAM, IPPROTO_UDP, c.srcaddr, argv[0],
	    "server");
	if (connect(s, &dst.sa, dstlen) == -1)
		errorx("connect %s port %s: %s", argv[0], argv[1],
		    strerror(errno));

	/* Header: a random id, RD, one question. */
	id = (unsigned int)(getpid() ^ now_ms()) & 0xffff;
	memset(pkt, 0, DNS_HDR);
	pkt[0] = id >> 8;
	pkt[1] = id & 0xff;
	pkt[2] = 0x01;
	pkt[5] = 1;
	off = DNS_HDR;
	if (dns_put_name(pkt, sizeof(pkt), &off, qname) == -1)
		errorx("name %s: not a valid DNS name", qname);
	pkt[off++] = qtype >> 8;
	pkt[off++] = qtype & 0xff;
	pkt[off++] = 0;
	pkt[off++] = 1;
	qlen = off;

	start = now_ms();
	if (send(s, pkt, qlen, 0) == -1)
		errorx("send: %s", strerror(errno));
	for (;;) {
		if (!wait_fd(s, POLLIN, start + c.timeout))
			return outcome(s, start, "timeout", EXIT_TIMEOUT);
		n = recv(s, pkt, sizeof(pkt), 0);
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			/* ICMP port unreachable, as ECONNREFUSED. */
			errorx("recv: %s", strerror(errno));
		}
		/* Another id or not a response: not ours, wait on. */
		if (n >= DNS_HDR && ((unsigned int)pkt[0] << 8 | pkt[1]) == id &&
		    (pkt[2] & 0x80) != 0)
			break;
	}
	close(s);

	rcode = pkt[3] & 0x0f;
	qd = (unsigned int)pkt[4] << 8 | pkt[5];
	an = (unsigned int)pkt[6] << 8 | pkt[7];
	if (rcode < sizeof(dns_rcodes) / sizeof(dns_rcodes[0]))
		printf("answer %s", dns_rcodes[rcode]);
	else {
		snprintf(rbuf, sizeof(rbuf), "RCODE%u", rcode);
		printf("answer %s", rbuf);
	}
	printf(" tc=%d %u", (pkt[2] & 0x02) != 0, an);
	off = DNS_HDR;
	for (i = 0; i < qd; i++) {
		if (dns_get_name(pkt, (size_t)n, &off, name) == -1 ||
		    off + 4 > (size_t)n)
			goto malformed;
		off += 4;
	}
	for (i = 0; i < an; i++) {
		if (dns_get_name(pkt, (size_t)n, &off, name) == -1 ||
		    off + 10 > (size_t)n)
			goto malformed;
		type = (unsigned int)pkt[off] << 8 | pkt[off + 1];
		rdlen = (unsigned int)pkt[off + 8] << 8 | pkt[off + 9];
		off += 10;
		if (off + rdlen > (size_t)n)
			goto malformed;
		if (type == 1 && rdlen == 4) {
			inet_ntop(AF_INET, pkt + off, abuf, sizeof(abuf));
			printf(" A=%s", abuf);
		} else if (type == 28 && rdlen == 16) {
			inet_ntop(AF_INET6, pkt + off, abuf, sizeof(abuf));
			printf(" AAAA=%s", abuf);
		} else if (type == 12 || type == 5) {
			j = off;
			if (dns_get_name(pkt, off + rdlen, &j, name) == -1)
				goto malformed;
			printf(" %s=%s", type == 12 ? "PTR" : "CNAME", name);
		} else
			printf(" %s=%u", dns_type_name(type, tbuf, sizeof(tbuf)),
			    rdlen);
		off += rdlen;
	}
	printf("\n");
	return EXIT_CONNECTED;
malformed:
	printf(" malformed\n");
	return EXIT_CONNECTED;
}

int
main(int argc, char *argv[])
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	errorx_status = EXIT_ERROR;
	if (argc < 2)
		usage();
	/* getopt starts over at the subcommand's own arguments. */
	if (strcmp(argv[1], "connect") == 0)
		return do_connect(argc - 1, argv + 1);
	if (strcmp(argv[1], "listen") == 0)
		return do_listen(argc - 1, argv + 1);
	if (strcmp(argv[1], "query") == 0)
		return do_query(argc - 1, argv + 1);
	usage();
}
