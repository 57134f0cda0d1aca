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
 * smtpsink: the regress suite's receiving mail server, the least SMTP a
 * real MTA delivers to.
 *
 *	smtpsink [-T seconds] addr port
 *
 * Answers EHLO, HELO, MAIL, RCPT, DATA, RSET, NOOP and QUIT (others get
 * 502), takes every message and keeps none.  One connection at a time;
 * each line must come within 10 s and hold at most 1000 bytes, else the
 * connection is closed.  Prints "listening ADDR PORT" once it listens,
 * "message SOURCE BYTES TIME" for each message taken (TIME: the wall
 * clock in milliseconds when its final dot came), and "messages N" when
 * its lifetime (-T, default 60 s, at most 600 s) is over.  libc and
 * toolutil.c only.
 */

#define _GNU_SOURCE

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "toolutil.h"

#define SINK_SECONDS		60
#define SINK_SECONDS_MAX	600
#define LINE_MAX_BYTES		1000	/* RFC 5321, CRLF included */
#define LINE_WAIT_MS		10000

struct conn {
	int	fd;
	char	buf[2 * LINE_MAX_BYTES];
	size_t	len;
	long	end;		/* the sink's lifetime */
};

static __attribute__((__noreturn__)) void
usage(void)
{
	fprintf(stderr, "usage: smtpsink [-T seconds] addr port\n");
	exit(2);
}

static long long
wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
say(struct conn *c, const char *s)
{
	size_t	len = strlen(s), off = 0;
	ssize_t	n;

	while (off < len) {
		if ((n = write(c->fd, s + off, len - off)) > 0)
			off += n;
		else if (n == -1 && errno == EAGAIN &&
		    wait_fd(c->fd, POLLOUT, now_ms() + LINE_WAIT_MS))
			continue;
		else
			return -1;
	}
	return 0;
}

/* The next line, CRLF cut off, into line: 0, or -1 (timeout, EOF, long). */
static int
get_line(struct conn *c, char *line)
{
	char	*nl;
	ssize_t	 n;
	long	 deadline = now_ms() + LINE_WAIT_MS;

	for (;;) {
		if ((nl = memchr(c->buf, '\n', c->len)) != NULL) {
			n = nl - c->buf;
			if (n > LINE_MAX_BYTES)
				return -1;
			memcpy(line, c->buf, n);
			line[n > 0 && line[n - 1] == '\r' ? n - 1 : n] = '\0';
			c->len -= n + 1;
			memmove(c->buf, nl + 1, c->len);
			return 0;
		}
		if (c->len >= LINE_MAX_BYTES)
			return -1;
		if (deadline > c->end)
			deadline = c->end;
		if (!wait_fd(c->fd, POLLIN, deadline))
			return -1;
		n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
		if (n == 0 || (n == -1 && errno != EAGAIN))
			return -1;
		if (n > 0)
			c->len += n;
	}
}

/* DATA's text, up to the line with a dot alone: its size, or -1. */
static long
get_data(struct conn *c)
{
	char	line[LINE_MAX_BYTES + 1];
	long	bytes = 0;

	for (;;) {
		if (get_line(c, line) == -1)
			return -1;
		if (strcmp(line, ".") == 0)
			return bytes;
		bytes += strlen(line) + 2;
	}
}

static int
is(const char *line, const char *verb)
{
	return strncasecmp(line, verb, strlen(verb)) == 0;
}

/* One SMTP session: 1 for each message taken. */
static unsigned long
session(struct conn *c, const char *peer)
{
	char		 line[LINE_MAX_BYTES + 1];
	unsigned long	 taken = 0;
	long		 bytes;

	if (say(c, "220 smtpsink ESMTP\r\n") == -1)
		return 0;
	while (get_line(c, line) == 0) {
		if (is(line, "EHLO") || is(line, "HELO")) {
			if (say(c, "250 smtpsink\r\n") == -1)
				break;
		} else if (is(line, "MAIL FROM:") || is(line, "RCPT TO:") ||
		    is(line, "RSET") || is(line, "NOOP")) {
			if (say(c, "250 ok\r\n") == -1)
				break;
		} else if (is(line, "DATA")) {
			if (say(c, "354 go on\r\n") == -1 ||
			    (bytes = get_data(c)) == -1)
				break;
			printf("message %s %ld %lld\n", peer, bytes,
			    wall_ms());
			fflush(stdout);
			taken++;
			if (say(c, "250 taken\r\n") == -1)
				break;
		} else if (is(line, "QUIT")) {
			say(c, "221 bye\r\n");
			break;
		} else if (say(c, "502 not here\r\n") == -1)
			break;
	}
	return taken;
}

int
main(int argc, char **argv)
{
	union sockaddr_any	 from;
	struct conn		 c;
	socklen_t		 flen;
	char			 peer[INET6_ADDRSTRLEN];
	long			 seconds;
	unsigned long		 messages = 0;
	int			 s;

	if ((seconds = listen_args(argc, argv, SINK_SECONDS,
	    SINK_SECONDS_MAX, &argv)) == 0)
		usage();
	s = tcp_listen(argv[0], argv[1], 16);
	printf("listening %s %s\n", argv[0], argv[1]);
	fflush(stdout);

	memset(&c, 0, sizeof(c));
	c.end = now_ms() + seconds * 1000;
	while (wait_fd(s, POLLIN, c.end)) {
		flen = sizeof(from);
		if ((c.fd = accept4(s, &from.sa, &flen, SOCK_NONBLOCK |
		    SOCK_CLOEXEC)) == -1)
			continue;
		if (getnameinfo(&from.sa, flen, peer, sizeof(peer), NULL, 0,
		    NI_NUMERICHOST) != 0)
			snprintf(peer, sizeof(peer), "?");
		c.len = 0;
		messages += session(&c, peer);
		close(c.fd);
	}
	close(s);
	printf("messages %lu\n", messages);
	return 0;
}
