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
 * libFuzzer harness: the imsg reader.  The input's first byte picks how
 * the rest reaches the reader (in pieces of 1, 3, 16, 100 or 4096 bytes
 * with a read after each, or all at once) and the reader's maxsize; the
 * rest, at most 64 KiB of it, is what the peer writes on a socketpair
 * before closing it.  The reader takes messages until EOF or an error,
 * reads each payload with a few sizes, and frees everything (leaks are
 * findings too).
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <imsg.h>

#define MAX_INPUT	(64 * 1024)
#define MAX_ROUNDS	4096	/* reads; a stuck reader is a finding */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
set_nonblock(int fd)
{
	int	fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		abort();
}

/* Take every complete message; -1 once imsg_get() fails. */
static int
drain(struct imsgbuf *ib)
{
	static const size_t	 sizes[] = { 0, 1, 4, 16, 100, MAX_IMSGSIZE };
	uint8_t			 buf[MAX_IMSGSIZE];
	struct imsg		 imsg;
	ssize_t			 n;
	size_t			 i;

	for (;;) {
		if ((n = imsg_get(ib, &imsg)) == -1)
			return -1;
		if (n == 0)
			return 0;
		(void)imsg_get_type(&imsg);
		(void)imsg_get_id(&imsg);
		(void)imsg_get_pid(&imsg);
		(void)imsg_get_fd(&imsg);
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			(void)imsg_get_data(&imsg, buf, sizes[i]);
		if (imsg_get_len(&imsg) <= sizeof(buf))
			(void)imsg_get_data(&imsg, buf, imsg_get_len(&imsg));
		imsg_free(&imsg);
	}
}

/* Write up to n more bytes of the input; what the socket refuses waits. */
static size_t
feed(int fd, const uint8_t *data, size_t n)
{
	ssize_t	 w;

	do {
		w = write(fd, data, n);
	} while (w == -1 && errno == EINTR);
	return w == -1 ? 0 : (size_t)w;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t	 pieces[] = { 1, 3, 16, 100, 4096, MAX_INPUT };
	static const uint32_t	 limits[] = { 0, 64, 1000, 100000 };
	struct imsgbuf		 ib;
	size_t			 piece, off = 0;
	uint32_t		 limit;
	int			 sv[2], r, rounds;

	if (size == 0)
		return 0;
	piece = pieces[data[0] % 6];
	limit = limits[data[0] / 6 % 4];
	data++;
	size--;
	if (size > MAX_INPUT)
		size = MAX_INPUT;
	if (size > piece * (MAX_ROUNDS / 2))	/* a read for every piece */
		size = piece * (MAX_ROUNDS / 2);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		abort();
	set_nonblock(sv[0]);
	set_nonblock(sv[1]);
	if (imsgbuf_init(&ib, sv[1]) == -1)
		abort();
	if (limit != 0 && imsgbuf_set_maxsize(&ib, limit) == -1)
		abort();

	for (rounds = 0; rounds < MAX_ROUNDS; rounds++) {
		if (sv[0] != -1 && off < size)
			off += feed(sv[0], data + off,
			    size - off < piece ? size - off : piece);
		if (sv[0] != -1 && off == size) {
			close(sv[0]);
			sv[0] = -1;
		}
		r = imsgbuf_read(&ib);
		if (drain(&ib) == -1 || r != 1)
			break;
	}
	if (rounds == MAX_ROUNDS)
		abort();
	imsgbuf_clear(&ib);
	if (sv[0] != -1)
		close(sv[0]);
	close(sv[1]);
	return 0;
}
