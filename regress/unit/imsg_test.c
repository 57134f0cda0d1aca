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
 * Unit tests for the imsg implementation over real AF_UNIX socketpairs.
 * Prints "ok NAME" or "FAIL NAME: reason" per check; exits 1 on any
 * failure.  Sockets are non-blocking and every wait is a bounded poll(2);
 * an alarm(2) watchdog ends the run should anything still hang.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <imsg.h>

#include "unit.h"

#define HDR		IMSG_HEADER_SIZE
#define WAIT_MS		2000

static volatile sig_atomic_t	 got_sigpipe;

/* Both ends of a socketpair, each wrapped in an imsgbuf. */
struct chan {
	int		 sv[2];
	struct imsgbuf	 a, b;		/* a on sv[0], b on sv[1] */
};

static int
set_nonblock(int fd)
{
	int	 fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1)
		return -1;
	return fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int
chan_open(struct chan *c)
{
	memset(c, 0, sizeof(*c));
	c->sv[0] = c->sv[1] = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, c->sv) == -1)
		return -1;
	if (set_nonblock(c->sv[0]) == -1 || set_nonblock(c->sv[1]) == -1)
		return -1;
	if (imsgbuf_init(&c->a, c->sv[0]) == -1)
		return -1;
	if (imsgbuf_init(&c->b, c->sv[1]) == -1)
		return -1;
	return 0;
}

static void
chan_close(struct chan *c)
{
	imsgbuf_clear(&c->a);
	imsgbuf_clear(&c->b);
	if (c->sv[0] != -1)
		close(c->sv[0]);
	if (c->sv[1] != -1)
		close(c->sv[1]);
	c->sv[0] = c->sv[1] = -1;
}

static int
readable(int fd)
{
	struct pollfd	 pfd;

	pfd.fd = fd;
	pfd.events = POLLIN;
	return poll(&pfd, 1, WAIT_MS) == 1;
}

/*
 * Move queued output from tx to rx until rx yields a whole message.
 * Returns imsg_get()'s size, 0 on timeout, -1 on a read/write error or EOF.
 */
static ssize_t
pump(struct imsgbuf *tx, struct imsgbuf *rx, struct imsg *m)
{
	ssize_t	 n;
	int	 i, r;

	for (i = 0; i < 10000; i++) {
		if (tx != NULL && imsgbuf_queuelen(tx) > 0 &&
		    imsgbuf_write(tx) == -1)
			return -1;
		if ((n = imsg_get(rx, m)) != 0)
			return n;
		if (!readable(rx->fd))
			return 0;
		if ((r = imsgbuf_read(rx)) == -1)
			return -1;
		if (r == 0) {
			errno = ECONNRESET;
			return -1;
		}
	}
	return 0;
}

/* The peer's copy of a pipe's write end is gone iff read sees EOF. */
static int
pipe_at_eof(int rfd)
{
	char	 c;

	return read(rfd, &c, 1) == 0;
}

static int
pipe_open(int p[2])
{
	if (pipe(p) == -1)
		return -1;
	return set_nonblock(p[0]);	/* a leaked writer => EAGAIN, no hang */
}

static void
closep(int *fd)
{
	if (*fd != -1)
		close(*fd);
	*fd = -1;
}

/* Descriptors this process holds, from /proc/self/fd; -1 if unreadable. */
static int
count_fds(void)
{
	DIR		*d;
	struct dirent	*e;
	int		 n = 0;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;			/* less the directory's own */
}

/* Bytes waiting on fd right now, without waiting for more. */
static int
pending(int fd)
{
	struct pollfd	 pfd;

	pfd.fd = fd;
	pfd.events = POLLIN;
	return poll(&pfd, 1, 0) == 1;
}

/* Raw header + payload as the peer would put it on the wire. */
static size_t
craft(unsigned char *raw, uint32_t type, uint32_t len, uint32_t peerid,
    uint32_t pid, const void *data, size_t datalen)
{
	struct imsg_hdr	 h;

	h.type = type;
	h.len = len;
	h.peerid = peerid;
	h.pid = pid;
	memcpy(raw, &h, sizeof(h));
	if (datalen > 0)
		memcpy(raw + sizeof(h), data, datalen);
	return sizeof(h) + datalen;
}

/* Raw bytes in one sendmsg(2), fd attached, as a peer could send them. */
static int
send_with_fd(int sock, const void *raw, size_t len, int fd)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cbuf;
	struct cmsghdr	*cmsg;
	struct msghdr	 msg;
	struct iovec	 iov;

	iov.iov_base = (void *)raw;
	iov.iov_len = len;
	memset(&msg, 0, sizeof(msg));
	memset(&cbuf, 0, sizeof(cbuf));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = sizeof(cbuf.buf);
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == (ssize_t)len ? 0 : -1;
}

static void
t_roundtrip(void)
{
	const char	*name = "roundtrip";
	const char	 payload[] = "hello, imsg";
	char		 got[sizeof(payload)];
	struct chan	 c;
	struct imsg	 m;
	int		 have = 0;
	ssize_t		 n;

	REQUIRE(chan_open(&c) == 0, "chan_open: %s", strerror(errno));
	REQUIRE(imsg_compose(&c.a, 42, 7, 1234, -1, payload,
	    sizeof(payload)) == 1, "imsg_compose: %s", strerror(errno));
	REQUIRE(imsgbuf_queuelen(&c.a) == 1, "queuelen %u, want 1",
	    imsgbuf_queuelen(&c.a));
	REQUIRE(imsgbuf_write(&c.a) == 0, "imsgbuf_write: %s",
	    strerror(errno));
	REQUIRE(imsgbuf_queuelen(&c.a) == 0, "queue not drained");
	REQUIRE(readable(c.sv[1]), "nothing arrived");
	REQUIRE(imsgbuf_read(&c.b) == 1, "imsgbuf_read: %s", strerror(errno));
	n = imsg_get(&c.b, &m);
	REQUIRE(n == (ssize_t)(HDR + sizeof(payload)), "imsg_get %zd", n);
	have = 1;
	REQUIRE(imsg_get_type(&m) == 42, "type %u", imsg_get_type(&m));
	REQUIRE(imsg_get_id(&m) == 7, "peerid %u", imsg_get_id(&m));
	REQUIRE(imsg_get_pid(&m) == 1234, "pid %d", (int)imsg_get_pid(&m));
	REQUIRE(m.hdr.len == HDR + sizeof(payload), "hdr.len %u", m.hdr.len);
	REQUIRE(imsg_get_len(&m) == sizeof(payload), "len %zu",
	    imsg_get_len(&m));
	REQUIRE(imsg_get_fd(&m) == -1, "unexpected fd");
	REQUIRE(m.data != NULL && memcmp(m.data, payload,
	    sizeof(payload)) == 0, "imsg.data differs");
	REQUIRE(imsg_get_data(&m, got, sizeof(got)) == 0, "imsg_get_data: %s",
	    strerror(errno));
	REQUIRE(memcmp(got, payload, sizeof(payload)) == 0, "payload differs");
	imsg_free(&m);
	have = imsg_get(&c.b, &m) > 0;
	REQUIRE(!have, "phantom second message");

	/* empty payload; pid 0 stands for the sender's own pid */
	REQUIRE(imsg_compose(&c.a, 43, 0, 0, -1, NULL, 0) == 1,
	    "compose empty: %s", strerror(errno));
	n = pump(&c.a, &c.b, &m);
	REQUIRE(n == (ssize_t)HDR, "empty imsg_get %zd", n);
	have = 1;
	REQUIRE(imsg_get_type(&m) == 43 && imsg_get_len(&m) == 0 &&
	    m.data == NULL, "empty message mangled");
	REQUIRE(imsg_get_pid(&m) == getpid(), "pid 0 not replaced: %d",
	    (int)imsg_get_pid(&m));
	pass(name);
out:
	if (have)
		imsg_free(&m);
	chan_close(&c);
}

/* Raw bytes in two write(2)s: nothing until the second one arrives. */
static void
t_split(const char *name, size_t cut)
{
	unsigned char	 raw[64];
	struct chan	 c;
	struct imsg	 m;
	size_t		 len;
	ssize_t		 n;
	int		 have = 0;

	len = craft(raw, 9, HDR + 8, 3, 77, "ABCDEFGH", 8);
	REQUIRE(chan_open(&c) == 0, "chan_open: %s", strerror(errno));
	REQUIRE(write(c.sv[0], raw, cut) == (ssize_t)cut, "write 1");
	REQUIRE(readable(c.sv[1]), "first chunk did not arrive");
	REQUIRE(imsgbuf_read(&c.b) == 1, "read 1: %s", strerror(errno));
	have = imsg_get(&c.b, &m) > 0;
	REQUIRE(!have, "message before it was complete");
	REQUIRE(write(c.sv[0], raw + cut, len - cut) == (ssize_t)(len - cut),
	    "write 2");
	REQUIRE(readable(c.sv[1]), "second chunk did not arrive");
	REQUIRE(imsgbuf_read(&c.b) == 1, "read 2: %s", strerror(errno));
	n = imsg_get(&c.b, &m);
	REQUIRE(n == (ssize_t)len, "imsg_get %zd, want %zu", n, len);
	have = 1;
	REQUIRE(imsg_get_type(&m) == 9 && imsg_get_id(&m) == 3 &&
	    imsg_get_pid(&m) == 77, "header mangled");
	REQUIRE(imsg_get_len(&m) == 8 && memcmp(m.data, "ABCDEFGH", 8) == 0,
	    "payload mangled");
	pass(name);
out:
	if (have)
		imsg_free(&m);
	chan_close(&c);
}

static void
t_several(void)
{
	const char	*name = "several_in_one_read";
	struct chan	 c;
	struct imsg	 m;
	uint32_t	 i, v;
	ssize_t		 n;
	int		 have = 0;

	REQUIRE(chan_open(&c) == 0, "chan_open: %s", strerror(errno));
	for (i = 1; i <= 3; i++) {
		v = i * 1000;
		REQUIRE(imsg_compose(&c.a, i, i, 0, -1, &v, sizeof(v)) == 1,
		    "compose %u", i);
	}
	REQUIRE(imsgbuf_write(&c.a) == 0 && imsgbuf_queuelen(&c.a) == 0,
	    "one write did not send all three");
	REQUIRE(readable(c.sv[1]), "nothing arrived");
	REQUIRE(imsgbuf_read(&c.b) == 1, "read: %s", strerror(errno));
	for (i = 1; i <= 3; i++) {
		n = imsg_get(&c.b, &m);
		have = n > 0;
		REQUIRE(n == (ssize_t)(HDR + sizeof(v)),
		    "message %u missing after one read", i);
		REQUIRE(imsg_get_type(&m) == i, "out of order: got type %u, "
		    "want %u", imsg_get_type(&m), i);
		REQUIRE(imsg_get_data(&m, &v, sizeof(v)) == 0 &&
		    v == i * 1000, "payload of %u", i);
		imsg_free(&m);
		have = 0;
	}
	have = imsg_get(&c.b, &m) > 0;
	REQUIRE(!have, "a fourth message appeared");
	pass(name);
out:
	if (have)
		imsg_free(&m);
	chan_close(&c);
}

/* A bad length in a received header fails imsgbuf_read() with ERANGE. */
static void
t_bad_len(const char *name, uint32_t badlen)
{
	unsigned char	 raw[128];
	struct chan	 c;
	struct imsg	 m;
	size_t		 len;
	int		 have = 0, r;

	/* a good message first: it must survive the bad header after it */
	len = craft(raw, 1, HDR + 4, 0, 1, "good", 4);
	len += craft(raw + len, 2, badlen, 0, 1, NULL, 0);
	REQUIRE(chan_open(&c) == 0, "chan_open: %s", strerror(errno));
	REQUIRE(write(c.sv[0], raw, len) == (ssize_t)len, "write");
	REQUIRE(readable(c.sv[1]), "nothing arrived");
	errno = 0;
	r = imsgbuf_read(&c.b);
	REQUIRE(r == -1 && errno == ERANGE, "imsgbuf_read %d errno %d, want "
	    "-1/ERANGE", r, errno);
	have = imsg_get(&c.b, &m) > 0;
	REQUIRE(have && imsg_get_len(&m) == 4,
	    "message before the bad header lost");
	REQUIRE(imsg_get_type(&m) == 1 && memcmp(m.data, "good", 4) == 0,
	    "good message mangled");
	imsg_free(&m);
	have = imsg_get(&c.b, &m) > 0;
	REQUIRE(!have, "bad message delivered");
	errno = 0;
	r = imsgbuf_read(&c.b);
	REQUIRE(r == -1 && errno == ERANGE, "error not sticky: %d", r);
	have = imsg_get(&c.b, &m) > 0;
	REQUIRE(!have, "good message delivered twice");
	pass(name);
out:
	if (have)
		imsg_free(&m);
	chan_close(&c);
}

static void
t_maxsize(void)
{
	const char	*name = "set_maxsize";
	unsigned char	 big[100];
	struct chan	 c;
	int		 r;

	memset(big, 'x', sizeof(big));
	REQUIRE(chan_open(&c) == 0, "chan_open: %s", strerror(errno));
	REQUIRE(imsgbuf_set_maxsize(&c.b, UINT32_MAX) == -1 &&
	    errno == ERANGE, "UINT32_MAX accepted");
	REQUIRE(imsgbuf_set_maxsize(&c.b, 0x80000000U) == -1 &&
	    errno == EINVAL, "fd-mark bit accepted");
	REQUIRE(imsgbuf_set_maxsize(&c.b, 64) == 0, "set 64: %s",
	    strerror(errno));
	REQUIRE(c.b.maxsize == 64 + HDR, "maxsize %u", c.b.maxsize);
	/* the sender's default limit allows 100 bytes, the receiver's not */
	REQUIRE(imsg_compose(&c.a, 1, 0, 0, -1, big, sizeof(big)) == 1,
	    "compose: %s", strerror(errno));
	REQUIRE(imsgbuf_flush(&c.a) == 0, "flush: %s", strerror(errno));
	REQUIRE(readable(c.sv[1]), "nothing arrived");
	errno = 0;
	r = imsgbuf_read(&c.b);
	REQUIRE(r == -1 && errno == ERANGE, "read %d errno %d", r, errno);
	/* and the sender's own limit applies to compose */
	REQUIRE(imsgbuf_set_maxsize(&c.a, 64) == 0, "set 64 on a");
	REQUIRE(imsg_compose(&c.a, 1, 0, 0, -1, big, 65) == -1 &&
	    errno == ERANGE, "compose past the lowered limit");
	REQUIRE(imsg_compose(&c.a, 1, 0, 0, -1, big, 64) == 1,
	    "compose at the lowered limit");
	pass(name);
out:
	chan_close(&c);
}

static void
t_compose_oversize(void)
{
	const char	*name = "compose_oversize";
	const size_t	 most = MAX_IMSGSIZE - HDR;
	unsigned char	*big = NULL;
	struct iovec	 iov[2];
	struct ibuf	*wb;
	struct chan	 c;
	struct imsg	 m;
	size_t		 i;
	ssize_t		 n;
	int		 have = 0;

	REQUIRE(chan_open(&c) == 0, "chan_open: %s", strerror(errno));
	REQUIRE((big = malloc(MAX_IMSGSIZE)) != NULL, "malloc");
	for (i = 0; i < MAX_IMSGSIZE; i++)
		big[i] = (unsigned char)(i * 7);
	errno = 0;
	REQUIRE(imsg_compose(&c.a, 1, 0, 0, -1, big, most + 1) == -1 &&
	    errno == ERANGE, "oversize compose accepted");
	iov[0].iov_base = big;
	iov[0].iov_len = most / 2;
	iov[1].iov_base = big;
	iov[1].iov_len = most - most / 2 + 1;
	errno = 0;
	REQUIRE(imsg_composev(&c.a, 1, 0, 0, -1, iov, 2) == -1 &&
	    errno == ERANGE, "oversize composev accepted");
	REQUIRE(imsg_create(&c.a, 1, 0, 0, most + 1) == NULL &&
	    errno == ERANGE, "oversize create accepted");
	/* growing past the limit with imsg_add fails and frees the ibuf */
	REQUIRE((wb = imsg_create(&c.a, 1, 0, 0, 0)) != NULL, "create");
	REQUIRE(imsg_add(wb, big, most + 1) == -1 && errno == ERANGE,
	    "imsg_add past the limit");
	REQUIRE(imsgbuf_queuelen(&c.a) == 0, "rejected message was queued");

	/* exactly the limit goes through intact */
	REQUIRE(imsg_compose(&c.a, 2, 0, 0, -1, big, most) == 1,
	    "limit-sized compose: %s", strerror(errno));
	n = pump(&c.a, &c.b, &m);
	REQUIRE(n == MAX_IMSGSIZE, "imsg_get %zd", n);
	have = 1;
	REQUIRE(imsg_get_len(&m) == most && memcmp(m.data, big, most) == 0,
	    "limit-sized payload mangled");
	pass(name);
out:
	if (have)
		imsg_free(&m);
	free(big);
	chan_close(&c);
}

/* Bigger than the 64k read buffer: assembled over many partial reads. */
static void
t_large(void)
{
	const char	*name = "large_message";
	const size_t	 size = 200000;
	unsigned char	*big = NULL;
	struct chan	 c;
	struct imsg	 m;
	size_t		 i;
	ssize_t		 n;
	int		 have = 0;

	REQUIRE(chan_open(&c) == 0, "chan_open: %s", strerror(errno));
	REQUIRE((big = malloc(size)) != NULL, "malloc");
	for (i = 0; i < size; i++)
		big[i] = (unsigned char)(i ^ (i >> 8));
	REQUIRE(imsgbuf_set_maxsize(&c.a, size) == 0 &&
	    imsgbuf_set_maxsize(&c.b, size) == 0, "set_maxsize");
	REQUIRE(imsg_compose(&c.a, 3, 4, 5, -1, big, size) == 1,
	    "compose: %s", strerror(errno));
	n = pump(&c.a, &c.b, &m);
	REQUIRE(n == (ssize_t)(HDR + size), "imsg_get %zd (%s)", n,
	    strerror(errno));
	have = 1;
	REQUIRE(imsg_get_len(&m) == size && memcmp(m.data, big, size) == 0,
	    "payload mangled");
	REQUIRE(imsgbuf_queuelen(&c.a) == 0, "sender queue not drained");
	pass(name);
out:
	if (have)
		imsg_free(&m);
	free(big);
	chan_close(&c);
}

static void
t_get_data(void)
{
	const char	*name = "get_data_size";
	const char	 payload[8] = "12345678";
	char		 buf[16];
	struct chan	 c;
	struct imsg	 m;
	int		 have = 0;

	REQUIRE(chan_open(&c) == 0, "chan_open: %s", strerror(errno));
	REQUIRE(imsg_compose(&c.a, 1, 0, 0, -1, payload, 8) == 1, "compose");
	REQUIRE(pump(&c.a, &c.b, &m) > 0, "no message");
	have = 1;
	errno = 0;
	REQUIRE(imsg_get_data(&m, buf, 4) == -1 && errno == EBADMSG,
	    "short size accepted");
	errno = 0;
	REQUIRE(imsg_get_data(&m, buf, 16) == -1 && errno == EBADMSG,
	    "long size accepted");
	errno = 0;
	REQUIRE(imsg_get_data(&m, buf, 0) == -1 && errno == EINVAL,
	    "zero size accepted");
	REQUIRE(imsg_get_data(&m, buf, 8) == 0 &&
	    memcmp(buf, payload, 8) == 0, "exact size refused");
	/* as on OpenBSD, reading consumes the payload */
	REQUIRE(imsg_get_len(&m) == 0, "len %zu after read",
	    imsg_get_len(&m));
	errno = 0;
	REQUIRE(imsg_get_data(&m, buf, 8) == -1 && errno == EBADMSG,
	    "the payload was read twice");
	pass(name);
out:
	if (have)
		imsg_free(&m);
	chan_close(&c);
}

static void
t_get_ibuf(void)
{
	const char	*name = "get_ibuf";
	struct chan	 c;
	struct imsg	 m;
	struct ibuf	 ib;
	int		 have = 0;

	REQUIRE(chan_open(&c) == 0, "chan_open: %s", strerror(errno));
	REQUIRE(imsg_compose(&c.a, 1, 0, 0, -1, "abcdef", 6) == 1, "compose");
	REQUIRE(imsg_compose(&c.a, 2, 0, 0, -1, NULL, 0) == 1, "compose");
	REQUIRE(pump(&c.a, &c.b, &m) > 0, "no message");
	have = 1;
	REQUIRE(imsg_get_ibuf(&m, &ib) == 0, "imsg_get_ibuf: %s",
	    strerror(errno));
	REQUIRE(ibuf_size(&ib) == 6 && memcmp(ibuf_data(&ib), "abcdef",
	    6) == 0, "view mangled");
	imsg_free(&m);
	have = 0;
	REQUIRE(pump(&c.a, &c.b, &m) > 0, "no second message");
	have = 1;
	errno = 0;
	REQUIRE(imsg_get_ibuf(&m, &ib) == -1 && errno == EBADMSG,
	    "empty payload gave a view");
	pass(name);
out:
	if (have)
		imsg_free(&m);
	chan_close(&c);
}

static void
t_fdpass(void)
{
	const char	*name = "fd_passing";
	struct chan	 c;
	struct imsg	 m;
	char		 buf[8];
	int		 p[2] = { -1, -1 }, fd = -1, sent, have = 0;

	REQUIRE(chan_open(&c) == 0, "chan_open: %s", strerror(errno));
	REQUIRE(pipe_open(p) == 0, "pipe: %s", strerror(errno));
	imsgbuf_allow_fdpass(&c.a);
	imsgbuf_allow_fdpass(&c.b);
	REQUIRE(imsg_compose(&c.a, 5, 0, 0, p[1], "fd", 3) == 1, "compose");
	sent = p[1];
	p[1] = -1;			/* the imsgbuf owns it now */
	REQUIRE(imsgbuf_flush(&c.a) == 0, "flush: %s", strerror(errno));
	REQUIRE(fcntl(sent, F_GETFD) == -1 && errno == EBADF,
	    "sender kept its copy of the passed fd");
	REQUIRE(pump(NULL, &c.b, &m) > 0, "no message");
	have = 1;
	REQUIRE(imsg_get_type(&m) == 5 && imsg_get_len(&m) == 3 &&
	    memcmp(m.data, "fd", 3) == 0, "payload mangled");
	REQUIRE((fd = imsg_get_fd(&m)) >= 0, "no fd received");
	REQUIRE(imsg_get_fd(&m) == -1, "fd handed out twice");
	REQUIRE(write(fd, "ping", 4) == 4, "write via received fd: %s",
	    strerror(errno));
	closep(&fd);
	REQUIRE(read(p[0], buf, sizeof(buf)) == 4 &&
	    memcmp(buf, "ping", 4) == 0, "pipe did not carry the data");
	REQUIRE(pipe_at_eof(p[0]), "a copy of the write end leaked");
	pass(name);
out:
	if (have)
		imsg_free(&m);
	closep(&fd);
	closep(&p[0]);
	closep(&p[1]);
	chan_close(&c);
}

/* Without imsgbuf_allow_fdpass() on the receiver no fd gets in. */
static void
t_fd_refused(void)
{
	const char	*name = "fd_refused_without_allow";
	struct chan	 c;
	struct imsg	 m;
	int		 p[2] = { -1, -1 }, have = 0;

	REQUIRE(chan_open(&c) == 0, "chan_open: %s", strerror(errno));
	REQUIRE(pipe_open(p) == 0, "pipe: %s", strerror(errno));
	imsgbuf_allow_fdpass(&c.a);
	REQUIRE(imsg_compose(&c.a, 6, 0, 0, p[1], "x", 1) == 1, "compose");
	p[1] = -1;
	REQUIRE(imsgbuf_flush(&c.a) == 0, "flush: %s", strerror(errno));
	REQUIRE(pump(NULL, &c.b, &m) > 0, "no message");
	have = 1;
	REQUIRE(imsg_get_type(&m) == 6 && imsg_get_len(&m) == 1,
	    "message mangled");
	REQUIRE(imsg_get_fd(&m) == -1, "fd accepted without allow_fdpass");
	REQUIRE(pipe_at_eof(p[0]), "the refused fd is still open somewhere");
	pass(name);
out:
	if (have)
		imsg_free(&m);
	closep(&p[0]);
	closep(&p[1]);
	chan_close(&c);
}

/* An fd the header does not announce is closed, not leaked. */
static void
t_stray_fd(void)
{
	const char	*name = "stray_fd_closed";
	unsigned char	 raw[64];
	struct chan	 c;
	struct imsg	 m;
	size_t		 len;
	int		 p[2] = { -1, -1 }, have = 0;

	REQUIRE(chan_open(&c) == 0, "chan_open: %s", strerror(errno));
	REQUIRE(pipe_open(p) == 0, "pipe: %s", strerror(errno));
	imsgbuf_allow_fdpass(&c.b);
	len = craft(raw, 8, HDR + 2, 0, 1, "hi", 2);
	REQUIRE(send_with_fd(c.sv[0], raw, len, p[1]) == 0, "sendmsg: %s",
	    strerror(errno));
	closep(&p[1]);
	REQUIRE(pump(NULL, &c.b, &m) > 0, "no message");
	have = 1;
	REQUIRE(imsg_get_type(&m) == 8 && imsg_get_fd(&m) == -1,
	    "stray fd attached to the message");
	REQUIRE(pipe_at_eof(p[0]), "stray fd leaked");
	pass(name);
out:
	if (have)
		imsg_free(&m);
	closep(&p[0]);
	closep(&p[1]);
	chan_close(&c);
}

/* An fd nobody took is closed by imsg_free(); queued ones by clear. */
static void
t_fd_cleanup(void)
{
	const char	*name = "fd_closed_by_free_and_clear";
	struct chan	 c;
	struct imsg	 m;
	int		 p[2] = { -1, -1 }, have = 0;

	REQUIRE(chan_open(&c) == 0, "chan_open: %s", strerror(errno));
	REQUIRE(pipe_open(p) == 0, "pipe: %s", strerror(errno));
	imsgbuf_allow_fdpass(&c.a);
	imsgbuf_allow_fdpass(&c.b);
	REQUIRE(imsg_compose(&c.a, 1, 0, 0, p[1], NULL, 0) == 1, "compose");
	p[1] = -1;
	REQUIRE(pump(&c.a, &c.b, &m) > 0, "no message");
	have = 1;
	imsg_free(&m);
	have = 0;
	REQUIRE(pipe_at_eof(p[0]), "imsg_free left the fd open");
	closep(&p[0]);

	REQUIRE(pipe_open(p) == 0, "pipe: %s", strerror(errno));
	REQUIRE(imsg_compose(&c.a, 1, 0, 0, -1, "a", 1) == 1 &&
	    imsg_compose(&c.a, 2, 0, 0, p[1], "b", 1) == 1 &&
	    imsg_compose(&c.a, 3, 0, 0, -1, "c", 1) == 1, "compose");
	p[1] = -1;
	REQUIRE(imsgbuf_queuelen(&c.a) == 3, "queuelen %u",
	    imsgbuf_queuelen(&c.a));
	imsgbuf_clear(&c.a);
	REQUIRE(imsgbuf_queuelen(&c.a) == 0, "queue survived clear");
	REQUIRE(pipe_at_eof(p[0]), "imsgbuf_clear left a queued fd open");
	pass(name);
out:
	if (have)
		imsg_free(&m);
	closep(&p[0]);
	closep(&p[1]);
	chan_close(&c);
}

static void
t_eof(void)
{
	const char	*name = "eof";
	struct chan	 c;
	int		 r;

	REQUIRE(chan_open(&c) == 0, "chan_open: %s", strerror(errno));
	closep(&c.sv[0]);
	REQUIRE(readable(c.sv[1]), "EOF not signalled");
	r = imsgbuf_read(&c.b);
	REQUIRE(r == 0, "imsgbuf_read %d, want 0", r);
	pass(name);
out:
	chan_close(&c);
}

/* Nothing to read on a non-blocking socket is not an error. */
static void
t_eagain(void)
{
	const char	*name = "read_eagain";
	struct chan	 c;
	struct imsg	 m;
	int		 r;

	REQUIRE(chan_open(&c) == 0, "chan_open: %s", strerror(errno));
	r = imsgbuf_read(&c.b);
	REQUIRE(r == 1, "imsgbuf_read %d, want 1", r);
	REQUIRE(imsg_get(&c.b, &m) == 0, "message out of nothing");
	REQUIRE(imsgbuf_write(&c.a) == 0, "write of an empty queue");
	pass(name);
out:
	chan_close(&c);
}

static void
on_sigpipe(int sig)
{
	got_sigpipe = 1;
}

/* Writing to a closed peer is EPIPE, without raising SIGPIPE. */
static void
t_epipe(void)
{
	const char	*name = "write_to_closed_peer";
	struct chan	 c;
	int		 r;

	got_sigpipe = 0;
	REQUIRE(chan_open(&c) == 0, "chan_open: %s", strerror(errno));
	closep(&c.sv[1]);
	REQUIRE(imsg_compose(&c.a, 1, 0, 0, -1, "x", 1) == 1, "compose");
	errno = 0;
	r = imsgbuf_write(&c.a);
	REQUIRE(r == -1 && errno == EPIPE, "imsgbuf_write %d errno %d", r,
	    errno);
	REQUIRE(imsgbuf_flush(&c.a) == -1, "flush succeeded");
	REQUIRE(!got_sigpipe, "SIGPIPE raised");
	pass(name);
out:
	chan_close(&c);
}

static void
t_composev(void)
{
	const char	*name = "composev";
	struct iovec	 iov[3];
	struct chan	 c;
	struct imsg	 m;
	int		 have = 0;

	REQUIRE(chan_open(&c) == 0, "chan_open: %s", strerror(errno));
	iov[0].iov_base = (void *)"abc";
	iov[0].iov_len = 3;
	iov[1].iov_base = NULL;
	iov[1].iov_len = 0;
	iov[2].iov_base = (void *)"defgh";
	iov[2].iov_len = 5;
	REQUIRE(imsg_composev(&c.a, 11, 12, 13, -1, iov, 3) == 1,
	    "composev: %s", strerror(errno));
	REQUIRE(imsg_composev(&c.a, 14, 0, 0, -1, NULL, 0) == 1,
	    "composev empty");
	REQUIRE(pump(&c.a, &c.b, &m) == (ssize_t)(HDR + 8), "no message");
	have = 1;
	REQUIRE(imsg_get_type(&m) == 11 && imsg_get_id(&m) == 12 &&
	    imsg_get_pid(&m) == 13, "header mangled");
	REQUIRE(imsg_get_len(&m) == 8 && memcmp(m.data, "abcdefgh", 8) == 0,
	    "pieces not joined in order");
	imsg_free(&m);
	have = 0;
	REQUIRE(pump(&c.a, &c.b, &m) == (ssize_t)HDR, "no empty message");
	have = 1;
	REQUIRE(imsg_get_type(&m) == 14 && imsg_get_len(&m) == 0,
	    "empty composev mangled");
	pass(name);
out:
	if (have)
		imsg_free(&m);
	chan_close(&c);
}

static void
t_create_add_close(void)
{
	const char	*name = "create_add_close";
	struct ibuf	*wb;
	struct chan	 c;
	struct imsg	 m;
	int		 have = 0;

	REQUIRE(chan_open(&c) == 0, "chan_open: %s", strerror(errno));
	REQUIRE((wb = imsg_create(&c.a, 7, 8, 9, 6)) != NULL, "create");
	REQUIRE(imsg_add(wb, "abc", 3) == 3, "add 1");
	REQUIRE(imsg_add(wb, NULL, 0) == 0, "add empty");
	REQUIRE(imsg_add(wb, "def", 3) == 3, "add 2");
	imsg_close(&c.a, wb);
	REQUIRE(imsgbuf_queuelen(&c.a) == 1, "not queued");
	REQUIRE(pump(&c.a, &c.b, &m) == (ssize_t)(HDR + 6), "no message");
	have = 1;
	REQUIRE(imsg_get_type(&m) == 7 && imsg_get_id(&m) == 8 &&
	    imsg_get_pid(&m) == 9 && memcmp(m.data, "abcdef", 6) == 0,
	    "message mangled");
	pass(name);
out:
	if (have)
		imsg_free(&m);
	chan_close(&c);
}

static void
t_forward(void)
{
	const char	*name = "forward";
	struct chan	 c1, c2;
	struct imsg	 m, f;
	int		 have = 0, havef = 0;

	memset(&c2, 0, sizeof(c2));	/* chan_close() must be safe on it */
	c2.sv[0] = c2.sv[1] = -1;
	REQUIRE(chan_open(&c1) == 0 && chan_open(&c2) == 0, "chan_open");
	REQUIRE(imsg_compose(&c1.a, 21, 22, 23, -1, "relay", 5) == 1,
	    "compose");
	REQUIRE(pump(&c1.a, &c1.b, &m) > 0, "no message");
	have = 1;
	REQUIRE(imsg_forward(&c2.a, &m) == 1, "imsg_forward: %s",
	    strerror(errno));
	REQUIRE(pump(&c2.a, &c2.b, &f) == (ssize_t)(HDR + 5),
	    "nothing forwarded");
	havef = 1;
	REQUIRE(imsg_get_type(&f) == 21 && imsg_get_id(&f) == 22 &&
	    imsg_get_pid(&f) == 23 && memcmp(f.data, "relay", 5) == 0,
	    "forwarded message mangled");
	pass(name);
out:
	if (have)
		imsg_free(&m);
	if (havef)
		imsg_free(&f);
	chan_close(&c1);
	chan_close(&c2);
}

static void
t_queuelen_flush(void)
{
	const char	*name = "queuelen_flush";
	struct chan	 c;
	struct imsg	 m;
	uint32_t	 i;
	int		 have = 0;

	REQUIRE(chan_open(&c) == 0, "chan_open: %s", strerror(errno));
	REQUIRE(imsgbuf_queuelen(&c.a) == 0, "fresh queue not empty");
	REQUIRE(imsgbuf_flush(&c.a) == 0, "flush of an empty queue");
	for (i = 0; i < 5; i++) {
		REQUIRE(imsg_compose(&c.a, 100 + i, 0, 0, -1, &i,
		    sizeof(i)) == 1, "compose %u", i);
		REQUIRE(imsgbuf_queuelen(&c.a) == i + 1, "queuelen %u, "
		    "want %u", imsgbuf_queuelen(&c.a), i + 1);
	}
	REQUIRE(imsgbuf_flush(&c.a) == 0, "flush: %s", strerror(errno));
	REQUIRE(imsgbuf_queuelen(&c.a) == 0, "queuelen %u after flush",
	    imsgbuf_queuelen(&c.a));
	for (i = 0; i < 5; i++) {
		REQUIRE(pump(NULL, &c.b, &m) > 0, "message %u missing", i);
		have = 1;
		REQUIRE(imsg_get_type(&m) == 100 + i, "message %u out of "
		    "order", i);
		imsg_free(&m);
		have = 0;
	}
	pass(name);
out:
	if (have)
		imsg_free(&m);
	chan_close(&c);
}

/*
 * A send buffer far smaller than the messages: every write stops part
 * way into one, the queue length counts down a whole message at a time,
 * and what arrives is intact, in order, with the descriptor on the
 * message that carried it.
 */
#define PW_MSGS		6
#define PW_LEN(i)	(3000 + (size_t)(i) * 1500)

static void
t_partial_write(void)
{
	const char		*name = "partial_writes_resume";
	static unsigned char	 out[PW_MSGS][PW_LEN(PW_MSGS)];
	struct chan		 c;
	struct imsg		 m;
	char			 buf[8];
	uint32_t		 q, lastq;
	size_t			 i, j;
	ssize_t			 n;
	int			 p[2] = { -1, -1 }, fd = -1, sndbuf = 2048;
	int			 got = 0, stopped = 0, rounds, have = 0;

	REQUIRE(chan_open(&c) == 0, "chan_open: %s", strerror(errno));
	REQUIRE(setsockopt(c.sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf,
	    sizeof(sndbuf)) == 0, "SO_SNDBUF: %s", strerror(errno));
	REQUIRE(pipe_open(p) == 0, "pipe: %s", strerror(errno));
	imsgbuf_allow_fdpass(&c.a);
	imsgbuf_allow_fdpass(&c.b);
	for (i = 0; i < PW_MSGS; i++) {
		for (j = 0; j < PW_LEN(i); j++)
			out[i][j] = (unsigned char)(i * 31 + j * 7 + (j >> 8));
		REQUIRE(imsg_compose(&c.a, 200 + i, i, 0, i == 3 ? p[1] : -1,
		    out[i], PW_LEN(i)) == 1, "compose %zu: %s", i,
		    strerror(errno));
	}
	p[1] = -1;
	lastq = imsgbuf_queuelen(&c.a);
	for (rounds = 0; got < PW_MSGS && rounds < 10000; rounds++) {
		REQUIRE(imsgbuf_write(&c.a) == 0, "write: %s",
		    strerror(errno));
		q = imsgbuf_queuelen(&c.a);
		REQUIRE(q <= lastq, "queue length grew from %u to %u", lastq,
		    q);
		if (q > 0)
			stopped = 1;
		lastq = q;
		REQUIRE(readable(c.sv[1]), "stalled, %u queued", q);
		REQUIRE(imsgbuf_read(&c.b) == 1, "read: %s", strerror(errno));
		while ((n = imsg_get(&c.b, &m)) > 0) {
			have = 1;
			REQUIRE(imsg_get_type(&m) == 200U + got, "type %u, want "
			    "%d", imsg_get_type(&m), 200 + got);
			REQUIRE(imsg_get_len(&m) == PW_LEN(got) &&
			    memcmp(m.data, out[got], PW_LEN(got)) == 0,
			    "message %d mangled", got);
			fd = imsg_get_fd(&m);
			REQUIRE((got == 3) == (fd != -1), "message %d: fd %d",
			    got, fd);
			if (fd != -1) {
				REQUIRE(write(fd, "ping", 4) == 4, "write via "
				    "the received fd: %s", strerror(errno));
				closep(&fd);
			}
			imsg_free(&m);
			have = 0;
			got++;
		}
	}
	REQUIRE(got == PW_MSGS, "%d of %d messages arrived", got, PW_MSGS);
	REQUIRE(stopped, "every write took the whole queue: nothing tested");
	REQUIRE(imsgbuf_queuelen(&c.a) == 0, "queue not drained");
	REQUIRE(read(p[0], buf, sizeof(buf)) == 4 && memcmp(buf, "ping",
	    4) == 0, "the pipe did not carry the data");
	REQUIRE(pipe_at_eof(p[0]), "a copy of the passed fd leaked");
	pass(name);
out:
	if (have)
		imsg_free(&m);
	closep(&fd);
	closep(&p[0]);
	closep(&p[1]);
	chan_close(&c);
}

/* Fed one byte per read: a message shows up exactly with its last byte. */
static void
t_bytewise(void)
{
	const char	*name = "one_byte_per_read";
	static const char *const payload[] = { "", "12345", "abcdefghijklm" };
	unsigned char	 raw[3 * HDR + 32];
	size_t		 end[3], len = 0, i, plen;
	struct chan	 c;
	struct imsg	 m;
	ssize_t		 n;
	int		 k = 0, have = 0;

	for (i = 0; i < 3; i++) {
		plen = strlen(payload[i]);
		len += craft(raw + len, 31 + i, HDR + plen, 1 + i, 2 + i,
		    payload[i], plen);
		end[i] = len;
	}
	REQUIRE(chan_open(&c) == 0, "chan_open: %s", strerror(errno));
	for (i = 0; i < len; i++) {
		REQUIRE(write(c.sv[0], raw + i, 1) == 1, "write byte %zu", i);
		REQUIRE(readable(c.sv[1]), "byte %zu did not arrive", i);
		REQUIRE(imsgbuf_read(&c.b) == 1, "read at byte %zu: %s", i,
		    strerror(errno));
		n = imsg_get(&c.b, &m);
		have = n > 0;
		if (i + 1 < end[k]) {
			REQUIRE(n == 0, "message %d before its last byte "
			    "(byte %zu)", k, i);
			continue;
		}
		plen = strlen(payload[k]);
		REQUIRE(n == (ssize_t)(HDR + plen), "message %d: imsg_get %zd "
		    "at its last byte", k, n);
		REQUIRE(imsg_get_type(&m) == 31U + k && imsg_get_id(&m) ==
		    1U + k && imsg_get_pid(&m) == 2 + k, "message %d: header "
		    "mangled", k);
		REQUIRE(imsg_get_len(&m) == plen && (plen == 0 ||
		    memcmp(m.data, payload[k], plen) == 0), "message %d: "
		    "payload mangled", k);
		imsg_free(&m);
		have = 0;
		k++;
	}
	REQUIRE(k == 3, "%d of 3 messages", k);
	pass(name);
out:
	if (have)
		imsg_free(&m);
	chan_close(&c);
}

/* A lowered limit on the receiver: a message at it passes, one over fails. */
static void
t_maxsize_receive(void)
{
	const char	*name = "set_maxsize_enforced_on_receipt";
	unsigned char	 big[65];
	struct chan	 c;
	struct imsg	 m;
	ssize_t		 n;
	int		 have = 0;

	memset(big, 'y', sizeof(big));
	REQUIRE(chan_open(&c) == 0, "chan_open: %s", strerror(errno));
	REQUIRE(imsgbuf_set_maxsize(&c.b, 64) == 0, "set 64: %s",
	    strerror(errno));
	REQUIRE(imsg_compose(&c.a, 1, 0, 0, -1, big, 64) == 1, "compose 64");
	n = pump(&c.a, &c.b, &m);
	REQUIRE(n == (ssize_t)(HDR + 64), "at the limit: imsg_get %zd (%s)",
	    n, strerror(errno));
	have = 1;
	imsg_free(&m);
	have = 0;
	REQUIRE(imsg_compose(&c.a, 2, 0, 0, -1, big, 65) == 1, "compose 65");
	errno = 0;
	n = pump(&c.a, &c.b, &m);
	have = n > 0;
	REQUIRE(n == -1 && errno == ERANGE, "one byte over: %zd errno %d", n,
	    errno);
	pass(name);
out:
	if (have)
		imsg_free(&m);
	chan_close(&c);
}

/*
 * The peer closes in the middle of a message: what came whole before is
 * still handed out, the torn one never, and reading fails with EBADMSG
 * from then on.
 */
static void
t_eof_mid_message(const char *name, size_t cut)
{
	unsigned char	 raw[128];
	struct chan	 c;
	struct imsg	 m;
	size_t		 len;
	int		 i, r = 1, have = 0;

	len = craft(raw, 1, HDR + 4, 0, 1, "good", 4);
	craft(raw + len, 2, HDR + 10, 0, 1, "0123456789", 10);
	REQUIRE(chan_open(&c) == 0, "chan_open: %s", strerror(errno));
	REQUIRE(write(c.sv[0], raw, len + cut) == (ssize_t)(len + cut),
	    "write");
	closep(&c.sv[0]);
	for (i = 0; i < 100 && r == 1; i++) {
		REQUIRE(readable(c.sv[1]), "EOF not signalled");
		errno = 0;
		r = imsgbuf_read(&c.b);
	}
	REQUIRE(r == -1 && errno == EBADMSG, "imsgbuf_read %d errno %d, want "
	    "-1/EBADMSG", r, errno);
	have = imsg_get(&c.b, &m) > 0;
	REQUIRE(have && imsg_get_type(&m) == 1 && imsg_get_len(&m) == 4 &&
	    memcmp(m.data, "good", 4) == 0, "the whole message was lost");
	imsg_free(&m);
	have = imsg_get(&c.b, &m) > 0;
	REQUIRE(!have, "the torn message was delivered");
	errno = 0;
	r = imsgbuf_read(&c.b);
	REQUIRE(r == -1 && errno == EBADMSG, "not sticky: %d errno %d", r,
	    errno);
	pass(name);
out:
	if (have)
		imsg_free(&m);
	chan_close(&c);
}

/* A header that announces a descriptor which never came: no fd, no harm. */
static void
t_flag_without_fd(void)
{
	const char	*name = "announced_fd_missing";
	unsigned char	 raw[64];
	struct chan	 c;
	struct imsg	 m;
	size_t		 len;
	int		 have = 0;

	/* the top bit of the length: a descriptor comes with the message */
	len = craft(raw, 12, 0x80000000U | (HDR + 2), 0, 1, "hi", 2);
	REQUIRE(chan_open(&c) == 0, "chan_open: %s", strerror(errno));
	imsgbuf_allow_fdpass(&c.b);
	REQUIRE(write(c.sv[0], raw, len) == (ssize_t)len, "write");
	REQUIRE(pump(NULL, &c.b, &m) == (ssize_t)(HDR + 2), "no message (%s)",
	    strerror(errno));
	have = 1;
	REQUIRE(m.hdr.len == HDR + 2, "hdr.len %#x: flag not stripped",
	    m.hdr.len);
	REQUIRE(imsg_get_fd(&m) == -1 && imsg_get_len(&m) == 2 &&
	    memcmp(m.data, "hi", 2) == 0, "message mangled");
	pass(name);
out:
	if (have)
		imsg_free(&m);
	chan_close(&c);
}

/*
 * Descriptors sent to an end that does not take them: each message
 * still arrives, without one, and the process is left holding no more
 * descriptors than before.  Composing one there is refused, and the
 * caller keeps it.
 */
static void
t_fd_no_leak(void)
{
	const char	*name = "fd_refused_none_leaked";
	struct chan	 c;
	struct imsg	 m;
	int		 p[2] = { -1, -1 }, base = -1, i, have = 0;

	REQUIRE(chan_open(&c) == 0, "chan_open: %s", strerror(errno));
	REQUIRE((base = count_fds()) > 0, "/proc/self/fd: %s",
	    strerror(errno));
	imsgbuf_allow_fdpass(&c.a);
	for (i = 0; i < 3; i++) {
		REQUIRE(pipe_open(p) == 0, "pipe: %s", strerror(errno));
		REQUIRE(imsg_compose(&c.a, 40 + i, 0, 0, p[1], "z", 1) == 1,
		    "compose %d", i);
		p[1] = -1;
		closep(&p[0]);
	}
	REQUIRE(imsgbuf_flush(&c.a) == 0, "flush: %s", strerror(errno));
	for (i = 0; i < 3; i++) {
		REQUIRE(pump(NULL, &c.b, &m) > 0, "message %d missing", i);
		have = 1;
		REQUIRE(imsg_get_type(&m) == 40U + i && imsg_get_fd(&m) == -1,
		    "message %d: type %u, carries an fd", i,
		    imsg_get_type(&m));
		imsg_free(&m);
		have = 0;
	}
	REQUIRE(count_fds() == base, "%d descriptors more than before",
	    count_fds() - base);

	REQUIRE(pipe_open(p) == 0, "pipe: %s", strerror(errno));
	errno = 0;
	REQUIRE(imsg_compose(&c.b, 1, 0, 0, p[1], "x", 1) == -1 &&
	    errno == EINVAL, "fd composed on a channel without fd passing");
	REQUIRE(imsgbuf_queuelen(&c.b) == 0, "the refused message was queued");
	REQUIRE(fcntl(p[1], F_GETFD) != -1, "the refused fd was closed");
	closep(&p[0]);
	closep(&p[1]);
	REQUIRE(count_fds() == base, "%d descriptors more than before",
	    count_fds() - base);
	pass(name);
out:
	if (have)
		imsg_free(&m);
	closep(&p[0]);
	closep(&p[1]);
	chan_close(&c);
}

/* Several descriptors in one write: each lands on the message it came with. */
static void
t_fd_pairing(void)
{
	const char	*name = "fd_paired_with_its_message";
	static const int with_fd[] = { -1, 0, -1, 1, 2, -1 };
	struct chan	 c;
	struct imsg	 m;
	char		 mark;
	int		 p[3][2], fd = -1, i, k, have = 0;

	for (i = 0; i < 3; i++)
		p[i][0] = p[i][1] = -1;
	REQUIRE(chan_open(&c) == 0, "chan_open: %s", strerror(errno));
	imsgbuf_allow_fdpass(&c.a);
	imsgbuf_allow_fdpass(&c.b);
	for (i = 0; i < 3; i++)
		REQUIRE(pipe_open(p[i]) == 0, "pipe: %s", strerror(errno));
	for (i = 0; i < 6; i++) {
		k = with_fd[i];
		REQUIRE(imsg_compose(&c.a, 50 + i, 0, 0, k == -1 ? -1 :
		    p[k][1], &i, sizeof(i)) == 1, "compose %d", i);
		if (k != -1)
			p[k][1] = -1;
	}
	REQUIRE(imsgbuf_write(&c.a) == 0 && imsgbuf_queuelen(&c.a) == 0,
	    "one write did not send all six: %s", strerror(errno));
	for (i = 0; i < 6; i++) {
		REQUIRE(pump(NULL, &c.b, &m) > 0, "message %d missing", i);
		have = 1;
		REQUIRE(imsg_get_type(&m) == 50U + i, "out of order at %d", i);
		fd = imsg_get_fd(&m);
		k = with_fd[i];
		REQUIRE((k == -1) == (fd == -1), "message %d: fd %d", i, fd);
		if (fd != -1) {
			mark = (char)('A' + k);
			REQUIRE(write(fd, &mark, 1) == 1, "write: %s",
			    strerror(errno));
			closep(&fd);
			REQUIRE(read(p[k][0], &mark, 1) == 1 && mark ==
			    'A' + k, "message %d got another message's fd", i);
			REQUIRE(pipe_at_eof(p[k][0]), "pipe %d: fd leaked", k);
		}
		imsg_free(&m);
		have = 0;
	}
	pass(name);
out:
	if (have)
		imsg_free(&m);
	closep(&fd);
	for (i = 0; i < 3; i++) {
		closep(&p[i][0]);
		closep(&p[i][1]);
	}
	chan_close(&c);
}

/*
 * imsgbuf_clear() on the receiving end, with a whole message not taken
 * and the first cut bytes of one that announces a descriptor, which came
 * along: both descriptors are held until then and closed by it, and the
 * channel works again afterwards.
 */
static void
t_clear_receiver(const char *name, size_t cut)
{
	unsigned char	 raw[HDR + 8];
	struct chan	 c;
	struct imsg	 m;
	int		 p[2] = { -1, -1 }, q[2] = { -1, -1 };
	int		 base = -1, i, have = 0;

	REQUIRE(chan_open(&c) == 0, "chan_open: %s", strerror(errno));
	REQUIRE((base = count_fds()) > 0, "/proc/self/fd: %s",
	    strerror(errno));
	REQUIRE(pipe_open(p) == 0 && pipe_open(q) == 0, "pipe: %s",
	    strerror(errno));
	imsgbuf_allow_fdpass(&c.a);
	imsgbuf_allow_fdpass(&c.b);
	REQUIRE(imsg_compose(&c.a, 60, 0, 0, p[1], "x", 1) == 1, "compose");
	p[1] = -1;
	REQUIRE(imsgbuf_flush(&c.a) == 0, "flush: %s", strerror(errno));
	/* the top bit of the length: a descriptor comes with the message */
	craft(raw, 61, 0x80000000U | (HDR + 8), 0, 1, "12345678", 8);
	REQUIRE(send_with_fd(c.sv[0], raw, cut, q[1]) == 0, "sendmsg: %s",
	    strerror(errno));
	closep(&q[1]);
	REQUIRE(readable(c.sv[1]), "nothing arrived");
	for (i = 0; i < 10 && pending(c.sv[1]); i++)
		REQUIRE(imsgbuf_read(&c.b) == 1, "read: %s", strerror(errno));
	REQUIRE(!pipe_at_eof(p[0]), "the whole message's fd is not held");
	REQUIRE(!pipe_at_eof(q[0]), "the cut message's fd is not held");
	imsgbuf_clear(&c.b);
	REQUIRE(pipe_at_eof(p[0]), "imsgbuf_clear left a message's fd open");
	REQUIRE(pipe_at_eof(q[0]), "imsgbuf_clear left the cut message's fd "
	    "open");
	closep(&p[0]);
	closep(&q[0]);
	REQUIRE(count_fds() == base, "%d descriptors more than before",
	    count_fds() - base);

	/* the cut message is gone: a fresh stream reads cleanly */
	REQUIRE(imsg_compose(&c.a, 62, 0, 0, -1, "again", 5) == 1, "compose");
	REQUIRE(pump(&c.a, &c.b, &m) == (ssize_t)(HDR + 5), "nothing after "
	    "clear (%s)", strerror(errno));
	have = 1;
	REQUIRE(imsg_get_type(&m) == 62 && memcmp(m.data, "again", 5) == 0,
	    "message after clear mangled");
	pass(name);
out:
	if (have)
		imsg_free(&m);
	closep(&p[0]);
	closep(&p[1]);
	closep(&q[0]);
	closep(&q[1]);
	chan_close(&c);
}

/* More messages than one sendmsg(2) takes pieces: one write sends all. */
static void
t_many_small(void)
{
	const char	*name = "many_small_in_one_write";
	struct chan	 c;
	struct imsg	 m;
	uint32_t	 i, v;
	int		 have = 0;

	REQUIRE(chan_open(&c) == 0, "chan_open: %s", strerror(errno));
	for (i = 0; i < 100; i++)
		REQUIRE(imsg_compose(&c.a, 1000 + i, 0, 0, -1, &i,
		    sizeof(i)) == 1, "compose %u", i);
	REQUIRE(imsgbuf_queuelen(&c.a) == 100, "queuelen %u",
	    imsgbuf_queuelen(&c.a));
	REQUIRE(imsgbuf_write(&c.a) == 0 && imsgbuf_queuelen(&c.a) == 0,
	    "%u left after one write", imsgbuf_queuelen(&c.a));
	for (i = 0; i < 100; i++) {
		REQUIRE(pump(NULL, &c.b, &m) > 0, "message %u missing", i);
		have = 1;
		REQUIRE(imsg_get_type(&m) == 1000 + i &&
		    imsg_get_data(&m, &v, sizeof(v)) == 0 && v == i,
		    "message %u mangled", i);
		imsg_free(&m);
		have = 0;
	}
	pass(name);
out:
	if (have)
		imsg_free(&m);
	chan_close(&c);
}

/* Forty pieces, some empty, joined in order. */
static void
t_composev_many(void)
{
	const char	*name = "composev_many_pieces";
	unsigned char	 src[200], want[200];
	struct iovec	 iov[40];
	struct chan	 c;
	struct imsg	 m;
	size_t		 off = 0, total = 0;
	int		 i, have = 0;

	for (i = 0; i < (int)sizeof(src); i++)
		src[i] = (unsigned char)(i * 13 + 1);
	for (i = 0; i < 40; i++) {
		iov[i].iov_len = i % 5;
		iov[i].iov_base = iov[i].iov_len ? src + off : NULL;
		memcpy(want + total, src + off, iov[i].iov_len);
		total += iov[i].iov_len;
		off += iov[i].iov_len + 1;	/* skip a byte between */
	}
	REQUIRE(chan_open(&c) == 0, "chan_open: %s", strerror(errno));
	REQUIRE(imsg_composev(&c.a, 70, 0, 0, -1, iov, 40) == 1,
	    "composev: %s", strerror(errno));
	REQUIRE(pump(&c.a, &c.b, &m) == (ssize_t)(HDR + total), "no message");
	have = 1;
	REQUIRE(imsg_get_len(&m) == total && memcmp(m.data, want, total) == 0,
	    "pieces not joined in order");
	pass(name);
out:
	if (have)
		imsg_free(&m);
	chan_close(&c);
}

/* imsg_forward() sends the message on, but not its descriptor. */
static void
t_forward_keeps_fd(void)
{
	const char	*name = "forward_leaves_fd";
	struct chan	 c1, c2;
	struct imsg	 m, f;
	int		 p[2] = { -1, -1 }, fd = -1, have = 0, havef = 0;

	memset(&c2, 0, sizeof(c2));
	c2.sv[0] = c2.sv[1] = -1;
	REQUIRE(chan_open(&c1) == 0 && chan_open(&c2) == 0, "chan_open");
	REQUIRE(pipe_open(p) == 0, "pipe: %s", strerror(errno));
	imsgbuf_allow_fdpass(&c1.a);
	imsgbuf_allow_fdpass(&c1.b);
	imsgbuf_allow_fdpass(&c2.a);
	imsgbuf_allow_fdpass(&c2.b);
	REQUIRE(imsg_compose(&c1.a, 80, 1, 2, p[1], "fwd", 3) == 1, "compose");
	p[1] = -1;
	REQUIRE(pump(&c1.a, &c1.b, &m) > 0, "no message");
	have = 1;
	REQUIRE(imsg_forward(&c2.a, &m) == 1, "forward: %s", strerror(errno));
	REQUIRE(pump(&c2.a, &c2.b, &f) == (ssize_t)(HDR + 3), "not forwarded");
	havef = 1;
	REQUIRE(imsg_get_fd(&f) == -1, "the fd was forwarded");
	REQUIRE((fd = imsg_get_fd(&m)) != -1, "the original lost its fd");
	closep(&fd);
	REQUIRE(pipe_at_eof(p[0]), "a copy of the fd leaked");
	pass(name);
out:
	if (have)
		imsg_free(&m);
	if (havef)
		imsg_free(&f);
	closep(&fd);
	closep(&p[0]);
	closep(&p[1]);
	chan_close(&c1);
	chan_close(&c2);
}

int
main(void)
{
	signal(SIGPIPE, on_sigpipe);
	alarm(60);		/* watchdog: a hang must not stall the suite */
	setvbuf(stdout, NULL, _IOLBF, 0);

	t_roundtrip();
	t_split("split_in_header", 5);
	t_split("split_in_payload", HDR + 3);
	t_several();
	t_bad_len("oversize_header_rejected", MAX_IMSGSIZE + 1);
	t_bad_len("undersize_header_rejected", 4);
	t_bad_len("zero_length_header_rejected", 0);
	t_bad_len("header_one_short_rejected", HDR - 1);
	t_bad_len("all_ones_length_rejected", UINT32_MAX);
	t_bad_len("fd_flag_alone_rejected", 0x80000000U);
	t_bad_len("fd_flagged_oversize_rejected",
	    0x80000000U | (MAX_IMSGSIZE + 1));
	t_eof_mid_message("eof_mid_header", 5);
	t_eof_mid_message("eof_mid_payload", HDR + 4);
	t_bytewise();
	t_partial_write();
	t_maxsize_receive();
	t_flag_without_fd();
	t_fd_no_leak();
	t_fd_pairing();
	t_clear_receiver("clear_with_half_header", 5);
	t_clear_receiver("clear_with_half_message", HDR + 3);
	t_many_small();
	t_composev_many();
	t_forward_keeps_fd();
	t_maxsize();
	t_compose_oversize();
	t_large();
	t_get_data();
	t_get_ibuf();
	t_fdpass();
	t_fd_refused();
	t_stray_fd();
	t_fd_cleanup();
	t_eof();
	t_eagain();
	t_epipe();
	t_composev();
	t_create_add_close();
	t_forward();
	t_queuelen_flush();
	return unit_exit_status();
}
