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
 * propagate: how long a whitelist entry takes from one host to another,
 * as a sender sees it (the shared whitelist's benchmark).
 *
 *	propagate -f fake -r real [-p port] [-i us] [-w ms] src...
 *
 * For each source address (each one this host holds): a connection to
 * the fake address, which must be refused (the reset that whitelists the
 * source there); then, from the moment the reset came, a new connection
 * attempt to the real address every -i microseconds (default 250), each
 * on its own socket, until one is accepted: the time from the reset to
 * that acceptance is the sample.  Attempts still pending are closed (a
 * socket closed while connecting sends nothing).  A source not admitted
 * within -w milliseconds (default 5000) is lost.
 *
 * Prints "us N" per sample, then one line:
 *
 *	n=N lost=N p50_us=F p90_us=F p99_us=F max_us=F attempts=F
 *
 * (attempts: SYNs per source, on average).  libc and toolutil.c only;
 * documentation addresses and loopback only, as synflood.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "toolutil.h"

#define MAX_PENDING	64	/* attempts open at once */
#define MAX_SOURCES	4096

static __attribute__((__noreturn__)) void
usage(void)
{
	fprintf(stderr, "usage: propagate -f fake -r real [-p port] "
	    "[-i us] [-w ms] src...\n");
	exit(2);
}

static int64_t
now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A non-blocking connect from src to dst; the socket, or -1. */
static int
attempt(const union sockaddr_any *src, socklen_t slen,
    const union sockaddr_any *dst, socklen_t dlen)
{
	int	s;

	if ((s = socket(dst->sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, IPPROTO_TCP)) == -1)
		errorx("socket: %s", strerror(errno));
	if (bind(s, &src->sa, slen) == -1)
		errorx("bind: %s", strerror(errno));
	if (connect(s, &dst->sa, dlen) == -1 && errno != EINPROGRESS)
		errorx("connect: %s", strerror(errno));
	return s;
}

/* How a connect ended: 1 connected, 0 refused, -1 not yet. */
static int
outcome(int s)
{
	socklen_t	len = sizeof(int);
	int		err = 0;

	if (getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		errorx("getsockopt: %s", strerror(errno));
	if (err == ECONNREFUSED)
		return 0;
	if (err != 0)
		errorx("connect: %s", strerror(err));
	return 1;
}

/* The fake MX's reset: its time, or -1 if it did not come within 1 s. */
static int64_t
fake_hit(const union sockaddr_any *src, socklen_t slen,
    const union sockaddr_any *fake, socklen_t flen)
{
	struct pollfd	pfd;
	int		r;

	pfd.fd = attempt(src, slen, fake, flen);
	pfd.events = POLLOUT;
	r = poll(&pfd, 1, 1000);
	if (r == 1 && outcome(pfd.fd) == 0) {
		close(pfd.fd);
		return now_us();
	}
	close(pfd.fd);
	return -1;
}

/*
 * Attempts at the real MX until one is accepted: the time it took from t0
 * in microseconds, or -1; *n: how many SYNs.
 */
static int64_t
admitted(const union sockaddr_any *src, socklen_t slen,
    const union sockaddr_any *real, socklen_t rlen, int64_t t0,
    int64_t interval, int64_t wait, unsigned long *n)
{
	struct pollfd	pfd[MAX_PENDING];
	int64_t		next = t0, now, got = -1;
	int		npfd = 0, i, ms;

	while (got == -1 && (now = now_us()) - t0 < wait) {
		if (now >= next) {
			if (npfd == MAX_PENDING) {
				close(pfd[0].fd);
				memmove(pfd, pfd + 1, --npfd * sizeof(pfd[0]));
			}
			pfd[npfd].fd = attempt(src, slen, real, rlen);
			pfd[npfd++].events = POLLOUT;
			(*n)++;
			next = now + interval;
		}
		ms = (int)((next - now_us() + 999) / 1000);
		if (poll(pfd, npfd, ms < 0 ? 0 : ms) <= 0)
			continue;
		for (i = 0; i < npfd && got == -1; i++) {
			if (pfd[i].revents == 0)
				continue;
			if (outcome(pfd[i].fd) != 1)
				errorx("the real MX refused a connection");
			got = now_us() - t0;
		}
	}
	for (i = 0; i < npfd; i++)
		close(pfd[i].fd);
	return got;
}

/* A safety belt, as synflood's: documentation ranges or loopback only. */
static void
lab_only(const union sockaddr_any *a, const char *what)
{
	const uint8_t	*b;

	if (a->sa.sa_family == AF_INET) {
		b = (const uint8_t *)&a->sin.sin_addr;
		if (b[0] == 127 || (b[0] == 192 && b[1] == 0 && b[2] == 2) ||
		    (b[0] == 198 && b[1] == 51 && b[2] == 100) ||
		    (b[0] == 203 && b[1] == 0 && b[2] == 113))
			return;
	} else {
		b = a->sin6.sin6_addr.s6_addr;
		if ((b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d &&
		    b[3] == 0xb8) || IN6_IS_ADDR_LOOPBACK(&a->sin6.sin6_addr))
			return;
	}
	errorx("%s: not a documentation or loopback address", what);
}

static int
cmp64(const void *a, const void *b)
{
	int64_t	x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static double
percentile(const int64_t *v, size_t n, double p)
{
	size_t	i;

	if (n == 0)
		return 0;
	i = (size_t)(p * (n - 1) + 0.5);
	return (double)v[i];
}

int
main(int argc, char **argv)
{
	union sockaddr_any	 fake, real, src;
	socklen_t		 flen, rlen, slen;
	static int64_t		 sample[MAX_SOURCES];
	const char		*fakes = NULL, *reals = NULL, *port = "25";
	int64_t			 interval = 250, wait = 5000, t0, dt;
	unsigned long		 attempts = 0;
	size_t			 n = 0, lost = 0;
	int			 ch, i;

	while ((ch = getopt(argc, argv, "f:i:p:r:w:")) != -1) {
		switch (ch) {
		case 'f':
			fakes = optarg;
			break;
		case 'i':
			interval = number(optarg, 50, 100000, "interval");
			break;
		case 'p':
			port = optarg;
			break;
		case 'r':
			reals = optarg;
			break;
		case 'w':
			wait = number(optarg, 1, 60000, "wait");
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (fakes == NULL || reals == NULL || argc == 0 || argc > MAX_SOURCES)
		usage();
	flen = parse_addr(fakes, port, 0, &fake);
	rlen = parse_addr(reals, port, 0, &real);
	lab_only(&fake, fakes);
	lab_only(&real, reals);
	wait *= 1000;
	for (i = 0; i < argc; i++) {
		slen = parse_addr(argv[i], "0", 0, &src);
		lab_only(&src, argv[i]);
		if ((t0 = fake_hit(&src, slen, &fake, flen)) == -1)
			errorx("%s: the fake MX did not reset", argv[i]);
		if ((dt = admitted(&src, slen, &real, rlen, t0, interval,
		    wait, &attempts)) == -1) {
			lost++;
			continue;
		}
		printf("us %lld\n", (long long)dt);
		sample[n++] = dt;
	}
	qsort(sample, n, sizeof(sample[0]), cmp64);
	printf("n=%zu lost=%zu p50_us=%.0f p90_us=%.0f p99_us=%.0f "
	    "max_us=%.0f attempts=%.1f\n", n, lost,
	    percentile(sample, n, 0.5), percentile(sample, n, 0.9),
	    percentile(sample, n, 0.99), n > 0 ? (double)sample[n - 1] : 0,
	    argc > 0 ? (double)attempts / argc : 0);
	return 0;
}
