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
 * ctlprobe: the regress suite's misbehaving control client.  It speaks the
 * imsg framing by hand, so it can send what mxallowctl never would.
 *
 *	ctlprobe SOCKET raw TYPE LEN	one message of TYPE with LEN zero
 *					bytes; prints the answer: "ok TEXT",
 *					"error TEXT" or "type T len L"
 *	ctlprobe SOCKET garbage BYTES	BYTES of noise; prints "closed" if
 *					the daemon hangs up within 2 s, else
 *					"open"
 *	ctlprobe SOCKET add-many ADDR N	add N IPv4 addresses from ADDR up
 *					(600 s), 64 requests per connection,
 *					pipelined; prints "added OK errors E"
 *	ctlprobe SOCKET hangup		show whitelist, read 1000 bytes, close
 *	ctlprobe SOCKET slow-list MS	show whitelist, reading 4 KB every MS
 *					ms; prints "entries N"
 *	ctlprobe SOCKET hold N SECONDS	hold N idle connections; prints
 *					"holding N" once all are connected
 *
 * Exits 0 when it could do what was asked, 1 otherwise.  libc only, with
 * the protocol's header for the message layouts.
 */

#define _GNU_SOURCE

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

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

#include "control.h"

struct hdr {				/* struct imsg_hdr */
	uint32_t	type;
	uint32_t	len;
	uint32_t	peerid;
	uint32_t	pid;
};

static const char	*path;

static void
die(const char *what)
{
	printf("error %s: %s\n", what, strerror(errno));
	exit(1);
}

static int
ctl_connect(void)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		die("socket");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		die("connect");
	return fd;
}

static int
write_all(int fd, const void *buf, size_t len)
{
	const char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		if ((n = send(fd, p, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

static int
read_all(int fd, void *buf, size_t len)
{
	char	*p = buf;
	ssize_t	 n;

	while (len > 0) {
		if ((n = read(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

static void
send_msg(int fd, uint32_t type, const void *data, size_t len)
{
	char		buf[sizeof(struct hdr) + 16384];
	struct hdr	h;

	if (len > sizeof(buf) - sizeof(h)) {
		errno = EMSGSIZE;
		die("send");
	}
	memset(&h, 0, sizeof(h));
	h.type = type;
	h.len = sizeof(h) + len;
	h.pid = getpid();
	memcpy(buf, &h, sizeof(h));
	if (len > 0)
		memcpy(buf + sizeof(h), data, len);
	if (write_all(fd, buf, sizeof(h) + len) == -1)
		die("send");
}

/* One answer; its payload (up to size bytes) into buf.  -1 on EOF. */
static int
recv_msg(int fd, struct hdr *h, void *buf, size_t size)
{
	size_t	len;

	if (read_all(fd, h, sizeof(*h)) == -1)
		return -1;
	if (h->len < sizeof(*h) || h->len - sizeof(*h) > size) {
		printf("error bad answer length %u\n", h->len);
		exit(1);
	}
	len = h->len - sizeof(*h);
	return read_all(fd, buf, len) == -1 ? -1 : (int)len;
}

static int
do_raw(uint32_t type, size_t len)
{
	static char	zero[16384], buf[16384];
	struct hdr	h;
	int		fd, n;

	fd = ctl_connect();
	send_msg(fd, type, zero, len);
	if ((n = recv_msg(fd, &h, buf, sizeof(buf) - 1)) == -1) {
		printf("closed\n");
		return 1;
	}
	buf[n] = '\0';
	if (h.type == CTL_OK)
		printf("ok %s\n", buf);
	else if (h.type == CTL_ERROR)
		printf("error %s\n", buf);
	else
		printf("type %u len %d\n", h.type, n);
	return 0;
}

/* Closed: the peer hung up (EOF or a reset). */
static int
do_garbage(size_t total)
{
	struct pollfd	pfd;
	char		buf[4096], c;
	size_t		i, sent = 0;
	uint32_t	x = 2463534242U;	/* xorshift32: the same noise */
	int		fd;

	fd = ctl_connect();
	while (sent < total) {
		for (i = 0; i < sizeof(buf); i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[i] = (char)x;
		}
		if (write_all(fd, buf, sizeof(buf)) == -1) {
			if (errno == EPIPE || errno == ECONNRESET) {
				printf("closed\n");
				return 0;
			}
			die("send");
		}
		sent += sizeof(buf);
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 2000) == 1 && (read(fd, &c, 1) <= 0))
		printf("closed\n");
	else
		printf("open\n");
	return 0;
}

static int
do_add_many(const char *first, unsigned long count)
{
	struct ctl_add	req;
	struct in_addr	a;
	struct hdr	h;
	char		buf[16384];
	unsigned long	i, done = 0, ok = 0, bad = 0, batch;
	uint32_t	base;
	int		fd;

	if (inet_pton(AF_INET, first, &a) != 1) {
		printf("error bad address %s\n", first);
		return 1;
	}
	base = ntohl(a.s_addr);
	while (done < count) {
		batch = count - done < 64 ? count - done : 64;
		fd = ctl_connect();
		for (i = 0; i < batch; i++) {
			memset(&req, 0, sizeof(req));
			a.s_addr = htonl(base + (uint32_t)(done + i));
			inet_ntop(AF_INET, &a, req.addr, sizeof(req.addr));
			req.seconds = 600;
			send_msg(fd, CTL_ADD, &req, sizeof(req));
		}
		for (i = 0; i < batch; i++) {
			if (recv_msg(fd, &h, buf, sizeof(buf)) == -1) {
				printf("error connection closed\n");
				return 1;
			}
			if (h.type == CTL_OK)
				ok++;
			else
				bad++;
		}
		close(fd);
		done += batch;
	}
	printf("added %lu errors %lu\n", ok, bad);
	return 0;
}

static int
do_hangup(void)
{
	char	buf[1000];
	int	fd;

	fd = ctl_connect();
	send_msg(fd, CTL_SHOW_WHITELIST, NULL, 0);
	if (read_all(fd, buf, sizeof(buf)) == -1)
		die("read");
	close(fd);
	printf("hung up\n");
	return 0;
}

static int
do_slow_list(long ms)
{
	static char		 buf[16384];
	struct timespec		 ts;
	struct hdr		 h;
	unsigned long		 entries = 0;
	int			 fd, n, rcvbuf = 4096;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	fd = ctl_connect();
	/* A small receive buffer, so that the daemon really has to wait. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	send_msg(fd, CTL_SHOW_WHITELIST, NULL, 0);
	for (;;) {
		if ((n = recv_msg(fd, &h, buf, sizeof(buf))) == -1) {
			printf("error connection closed after %lu entries\n",
			    entries);
			return 1;
		}
		if (h.type == CTL_END)
			break;
		if (h.type != CTL_WL_ENTRIES) {
			printf("error answer type %u\n", h.type);
			return 1;
		}
		entries += n / sizeof(struct ctl_wl_entry);
		nanosleep(&ts, NULL);
	}
	printf("entries %lu\n", entries);
	return 0;
}

static int
do_hold(int n, int seconds)
{
	int	i;

	for (i = 0; i < n; i++)
		(void)ctl_connect();
	printf("holding %d\n", n);
	fflush(stdout);
	sleep(seconds);
	return 0;
}

int
main(int argc, char *argv[])
{
	if (argc < 3)
		goto usage;
	path = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(argv[2], "raw") == 0 && argc == 5)
		return do_raw(strtoul(argv[3], NULL, 10),
		    strtoul(argv[4], NULL, 10));
	if (strcmp(argv[2], "garbage") == 0 && argc == 4)
		return do_garbage(strtoul(argv[3], NULL, 10));
	if (strcmp(argv[2], "add-many") == 0 && argc == 5)
		return do_add_many(argv[3], strtoul(argv[4], NULL, 10));
	if (strcmp(argv[2], "hangup") == 0 && argc == 3)
		return do_hangup();
	if (strcmp(argv[2], "slow-list") == 0 && argc == 4)
		return do_slow_list(strtol(argv[3], NULL, 10));
	if (strcmp(argv[2], "hold") == 0 && argc == 5)
		return do_hold(atoi(argv[3]), atoi(argv[4]));
usage:
	fprintf(stderr, "usage: ctlprobe socket raw type len | garbage bytes | "
	    "add-many addr n | hangup | slow-list ms | hold n seconds\n");
	return 1;
}
