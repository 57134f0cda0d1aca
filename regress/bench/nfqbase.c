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
 * nfqbase: the benchmark's baseline, the least an nfqueue verdict loop
 * can do.  One process, one queue, one trivial rule, no privilege
 * separation, no decoding beyond the source address:
 *
 *	nfqbase -q num [-a prefix] [-T seconds]
 *
 * Accepts a packet whose IPv4 or IPv6 source lies in PREFIX, drops every
 * other one (all of them without -a).  Runs until SIGTERM or SIGINT, at
 * most -T seconds (default 60, at most 600), then prints one line:
 *
 *	verdicts=N accepted=N dropped=N
 *
 * and the same line, so far, on SIGUSR1.
 * The queue is set up as mxallowd's parent/nfqueue.c sets up its own, so
 * that the two compare: packets copied up to PKT_COPY_MAX bytes, the
 * default queue-maxlen, an 8 MiB receive buffer, up to 64 reads per
 * wakeup and up to 64 verdicts per datagram.  Written apart from it on
 * purpose: a baseline that shared the daemon's code would share its
 * mistakes.  It prints "ready" once bound.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "mxallowd.h"		/* PKT_COPY_MAX, DEFAULT_QUEUE_MAXLEN */

#define RCVBUF		(8 * 1024 * 1024)
#define READS		64	/* per wakeup */
#define VERDICTS	64	/* per datagram */
#define VERDICT_ROOM	64	/* bytes of one verdict message */
#define SECONDS_MAX	600

struct base {
	struct mnl_socket	*nl;
	unsigned int		 portid;
	uint16_t		 queue;
	int			 af;		/* of the prefix, 0: none */
	uint8_t			 net[16];
	unsigned int		 plen;
	char			 tx[VERDICTS * VERDICT_ROOM];
	size_t			 txlen;
	unsigned long long	 accepted, dropped;
};

static volatile sig_atomic_t	quit, report;

static void	usage(void) __attribute__((__noreturn__));
static void	on_signal(int);
static void	print_counts(const struct base *);
static void	parse_prefix(struct base *, const char *);
static int	in_prefix(const struct base *, const uint8_t *, size_t);
static void	configure(struct base *, struct nlmsghdr *, const char *);
static void	open_queue(struct base *);
static void	flush(struct base *);
static int	on_packet(const struct nlmsghdr *, void *);

static void
usage(void)
{
	fprintf(stderr, "usage: nfqbase -q num [-a prefix] [-T seconds]\n");
	exit(2);
}

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		report = 1;
	else
		quit = 1;
}

static void
print_counts(const struct base *b)
{
	printf("verdicts=%llu accepted=%llu dropped=%llu\n",
	    b->accepted + b->dropped, b->accepted, b->dropped);
	fflush(stdout);
}

static void
parse_prefix(struct base *b, const char *arg)
{
	char		 buf[64], *slash;
	const char	*errstr = NULL;
	long		 n;

	snprintf(buf, sizeof(buf), "%s", arg);
	b->af = strchr(buf, ':') != NULL ? AF_INET6 : AF_INET;
	b->plen = b->af == AF_INET ? 32 : 128;
	if ((slash = strchr(buf, '/')) != NULL) {
		*slash++ = '\0';
		n = strtol(slash, NULL, 10);
		if (n < 0 || n > (long)b->plen)
			errstr = "bad prefix length";
		b->plen = (unsigned int)n;
	}
	if (errstr != NULL || inet_pton(b->af, buf, b->net) != 1) {
		fprintf(stderr, "nfqbase: -a %s: not a prefix\n", arg);
		exit(2);
	}
}

/* The trivial rule: the source address against the prefix. */
static int
in_prefix(const struct base *b, const uint8_t *pkt, size_t len)
{
	const uint8_t	*src;
	unsigned int	 i;

	if (b->af == AF_INET && len >= 20 && pkt[0] >> 4 == 4)
		src = pkt + 12;
	else if (b->af == AF_INET6 && len >= 40 && pkt[0] >> 4 == 6)
		src = pkt + 8;
	else
		return 0;
	for (i = 0; i < b->plen; i++)
		if (((src[i / 8] ^ b->net[i / 8]) >> (7 - i % 8)) & 1)
			return 0;
	return 1;
}

/* One configuration message, acknowledged, or exit. */
static void
configure(struct base *b, struct nlmsghdr *nlh, const char *what)
{
	char	buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t	n;

	nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(b->nl, nlh, nlh->nlmsg_len) == -1 ||
	    (n = mnl_socket_recvfrom(b->nl, buf, sizeof(buf))) == -1 ||
	    mnl_cb_run(buf, n, 0, b->portid, NULL, NULL) == MNL_CB_ERROR) {
		fprintf(stderr, "nfqbase: %s queue %u: %s\n", what, b->queue,
		    strerror(errno));
		exit(1);
	}
}

static void
open_queue(struct base *b)
{
	char		 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr	*nlh;
	int		 size = RCVBUF, fd;

	if ((b->nl = mnl_socket_open(NETLINK_NETFILTER)) == NULL ||
	    mnl_socket_bind(b->nl, 0, MNL_SOCKET_AUTOPID) == -1) {
		fprintf(stderr, "nfqbase: netlink: %s\n", strerror(errno));
		exit(1);
	}
	b->portid = mnl_socket_get_portid(b->nl);
	fd = mnl_socket_get_fd(b->nl);

	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, b->queue);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_BIND);
	configure(b, nlh, "bind");
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, b->queue);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, PKT_COPY_MAX);
	nfq_nlmsg_cfg_put_qmaxlen(nlh, DEFAULT_QUEUE_MAXLEN);
	configure(b, nlh, "configure");

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size,
	    sizeof(size)) == -1)
		fprintf(stderr, "nfqbase: SO_RCVBUFFORCE: %s\n",
		    strerror(errno));
	if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1) {
		fprintf(stderr, "nfqbase: fcntl: %s\n", strerror(errno));
		exit(1);
	}
}

/* The verdicts gathered so far, in one datagram. */
static void
flush(struct base *b)
{
	if (b->txlen > 0 && mnl_socket_sendto(b->nl, b->tx, b->txlen) == -1)
		fprintf(stderr, "nfqbase: verdicts: %s\n", strerror(errno));
	b->txlen = 0;
}

static int
on_packet(const struct nlmsghdr *nlh, void *arg)
{
	struct base			*b = arg;
	struct nlattr			*attr[NFQA_MAX + 1];
	struct nfqnl_msg_packet_hdr	*ph;
	struct nlmsghdr			*v;
	const uint8_t			*pkt = NULL;
	size_t				 len = 0;
	int				 accept;

	memset(attr, 0, sizeof(attr));
	if (nfq_nlmsg_parse(nlh, attr) < 0 || attr[NFQA_PACKET_HDR] == NULL)
		return MNL_CB_OK;
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	if (attr[NFQA_PAYLOAD] != NULL) {
		pkt = mnl_attr_get_payload(attr[NFQA_PAYLOAD]);
		len = mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]);
	}
	accept = b->af != 0 && pkt != NULL && in_prefix(b, pkt, len);
	if (accept)
		b->accepted++;
	else
		b->dropped++;
	if (b->txlen + VERDICT_ROOM > sizeof(b->tx))
		flush(b);
	v = nfq_nlmsg_put(b->tx + b->txlen, NFQNL_MSG_VERDICT, b->queue);
	nfq_nlmsg_verdict_put(v, ntohl(ph->packet_id),
	    accept ? NF_ACCEPT : NF_DROP);
	b->txlen += NLMSG_ALIGN(v->nlmsg_len);
	return MNL_CB_OK;
}

int
main(int argc, char *argv[])
{
	static struct base	 b;
	struct pollfd		 pfd;
	char			*rx;
	size_t			 rxsize = MNL_SOCKET_BUFFER_SIZE + 0xffff;
	ssize_t			 n;
	long			 seconds = 60, q = -1;
	time_t			 end;
	int			 ch, i;

	while ((ch = getopt(argc, argv, "a:q:T:")) != -1) {
		switch (ch) {
		case 'a':
			parse_prefix(&b, optarg);
			break;
		case 'q':
			q = strtol(optarg, NULL, 10);
			break;
		case 'T':
			seconds = strtol(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (argc != optind || q < 0 || q > 65535 || seconds < 1 ||
	    seconds > SECONDS_MAX)
		usage();
	b.queue = (uint16_t)q;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGUSR1, on_signal);
	if ((rx = malloc(rxsize)) == NULL) {
		fprintf(stderr, "nfqbase: out of memory\n");
		return 1;
	}
	open_queue(&b);
	printf("ready\n");
	fflush(stdout);

	pfd.fd = mnl_socket_get_fd(b.nl);
	pfd.events = POLLIN;
	end = time(NULL) + seconds;
	while (!quit && time(NULL) < end) {
		if (report) {
			report = 0;
			print_counts(&b);
		}
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		for (i = 0; i < READS; i++) {
			n = mnl_socket_recvfrom(b.nl, rx, rxsize);
			if (n == -1) {
				if (errno == EAGAIN || errno == EINTR)
					break;
				if (errno == ENOBUFS)	/* the kernel lost some */
					continue;
				fprintf(stderr, "nfqbase: read: %s\n",
				    strerror(errno));
				return 1;
			}
			mnl_cb_run(rx, n, 0, b.portid, on_packet, &b);
		}
		flush(&b);
	}
	print_counts(&b);
	return 0;
}
