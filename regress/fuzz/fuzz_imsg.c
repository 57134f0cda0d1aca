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
 * libFuzzer harness: the imsg reader.  The input, at most 64 KiB of it,
 * is what the peer wrote on a socketpair before closing it; the reader
 * takes messages until EOF or an error, reads each payload with a few
 * sizes, and frees everything (leaks are findings too).
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imsgbuf	 ib;
	size_t		 off = 0;
	ssize_t		 n;
	int		 sv[2], r, rounds;

	if (size > MAX_INPUT)
		size = MAX_INPUT;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		abort();
	set_nonblock(sv[0]);
	set_nonblock(sv[1]);

	/* The socket buffer holds 64 KiB; what it refuses is dropped. */
	while (off < size) {
		n = write(sv[0], data + off, size - off);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		off += n;
	}
	close(sv[0]);

	if (imsgbuf_init(&ib, sv[1]) == -1)
		abort();
	for (rounds = 0; rounds < MAX_ROUNDS; rounds++) {
		r = imsgbuf_read(&ib);
		if (drain(&ib) == -1 || r != 1)
			break;
	}
	if (rounds == MAX_ROUNDS)
		abort();
	imsgbuf_clear(&ib);
	close(sv[1]);
	return 0;
}
