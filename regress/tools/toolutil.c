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

/* The test tools' shared helpers; see toolutil.h. */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "toolutil.h"

int	errorx_status = 1;
int	errorx_stderr;

/*
 * Prints the one "error ..." line, on standard output (or standard error,
 * for a tool whose standard output is its result), and exits.
 */
void
errorx(const char *fmt, ...)
{
	FILE	*fp = errorx_stderr ? stderr : stdout;
	va_list	 ap;

	fputs("error ", fp);
	va_start(ap, fmt);
	vfprintf(fp, fmt, ap);
	va_end(ap);
	putc('\n', fp);
	fflush(fp);
	exit(errorx_status);
}

/* A decimal number from min to max; what names it in the error. */
long
number(const char *s, long min, long max, const char *what)
{
	char	*end;
	long	 n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || n < min || n > max)
		errorx("%s %s: not a number in %ld..%ld", what, s, min, max);
	return n;
}

/*
 * An IPv4 or IPv6 literal (by its syntax) and a port from minport to
 * 65535; the length.
 */
socklen_t
parse_addr(const char *addr, const char *portstr, long minport,
    union sockaddr_any *sa)
{
	in_port_t	port;

	port = (in_port_t)number(portstr, minport, 65535, "port");
	memset(sa, 0, sizeof(*sa));
	if (inet_pton(AF_INET, addr, &sa->sin.sin_addr) == 1) {
		sa->sin.sin_family = AF_INET;
		sa->sin.sin_port = htons(port);
		return sizeof(sa->sin);
	}
	if (inet_pton(AF_INET6, addr, &sa->sin6.sin6_addr) == 1) {
		sa->sin6.sin6_family = AF_INET6;
		sa->sin6.sin6_port = htons(port);
		return sizeof(sa->sin6);
	}
	errorx("address %s: not an IPv4 or IPv6 address", addr);
}

/*
 * A listener's command line: [-T seconds] addr port.  The seconds (dflt,
 * at most max); *argvp moves to addr; 0 when the line is wrong.
 */
long
listen_args(int argc, char **argv, long dflt, long max, char ***argvp)
{
	long	seconds = dflt;
	int	ch;

	while ((ch = getopt(argc, argv, "T:")) != -1) {
		if (ch != 'T')
			return 0;
		seconds = number(optarg, 1, max, "seconds");
	}
	if (argc - optind != 2)
		return 0;
	*argvp = argv + optind;
	return seconds;
}

/*
 * A non-blocking TCP socket listening on addr and port; exits on failure.
 * "::" takes IPv6 only, so that "0.0.0.0" can listen beside it.
 */
int
tcp_listen(const char *addr, const char *port, int backlog)
{
	union sockaddr_any	a;
	socklen_t		len;
	int			s, on = 1;

	len = parse_addr(addr, port, 0, &a);
	s = socket(a.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_TCP);
	if (s == -1)
		errorx("socket: %s", strerror(errno));
	if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		errorx("setsockopt SO_REUSEADDR: %s", strerror(errno));
	if (a.sa.sa_family == AF_INET6 && setsockopt(s, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof(on)) == -1)
		errorx("setsockopt IPV6_V6ONLY: %s", strerror(errno));
	if (bind(s, &a.sa, len) == -1)
		errorx("bind %s port %s: %s", addr, port, strerror(errno));
	if (listen(s, backlog) == -1)
		errorx("listen: %s", strerror(errno));
	return s;
}

long
now_ms(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		errorx("clock_gettime: %s", strerror(errno));
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Waits until socket s has one of events (or an error) or now_ms()
 * reaches end: 1 in the first case, 0 when the time is up.
 */
int
wait_fd(int s, short events, long end)
{
	struct pollfd	pfd;
	long		left;
	int		r;

	pfd.fd = s;
	pfd.events = events;
	while ((left = end - now_ms()) > 0) {
		pfd.revents = 0;
		r = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (r == -1 && errno != EINTR)
			errorx("poll: %s", strerror(errno));
		if (r > 0)
			return 1;
	}
	return 0;
}
