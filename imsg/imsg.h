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
 * Messages between local processes over a stream socket, with the calls
 * and behaviour of OpenBSD's imsg API as imsg_init(3) documents them.
 * Written here for Linux, where no system library provides it; OpenBSD
 * builds use libutil's.  What the manual leaves open is decided here:
 *
 * - On the wire a message is a struct imsg_hdr, in host byte order,
 *   followed by its payload; hdr.len counts both.  The top bit of len
 *   (IMSG_LEN_FD) says that a descriptor travels with the message; the
 *   receiver strips it, so that hdr.len is always the plain length.
 * - imsgbuf_read() fails with ERANGE on a header whose length is below
 *   IMSG_HEADER_SIZE or above the channel's maxsize, and with EBADMSG when
 *   the peer closes the connection in the middle of a message; either
 *   error stays, but whole messages received before it are still handed
 *   out by imsg_get().
 * - Descriptors travel only on a channel that called
 *   imsgbuf_allow_fdpass(): composing one on any other fails with EINVAL
 *   (the caller keeps it), and one received there is closed, its message
 *   delivered without it.  A message carries at most one.
 * - imsg_get_data() and imsg_get_ibuf() fail with EBADMSG when the unread
 *   payload is not exactly the size asked for (none, for the latter);
 *   imsg_get_data() consumes what it copies.
 */

#ifndef IMSG_H
#define IMSG_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/uio.h>

#include <stdint.h>

#define IMSG_HEADER_SIZE	sizeof(struct imsg_hdr)
#define MAX_IMSGSIZE		16384		/* default limit, header included */

struct imsg_hdr {
	uint32_t	 type;
	uint32_t	 len;
	uint32_t	 peerid;
	uint32_t	 pid;
};

/*
 * A message's bytes: one being composed or waiting in the output queue,
 * one received, or (from imsg_get_ibuf()) a view of a received payload.
 * Consumers use ibuf_size() and ibuf_data(); the members are the
 * library's.
 */
struct ibuf {
	struct ibuf	*next;		/* in whichever queue holds it */
	unsigned char	*bytes;
	size_t		 room;		/* bytes allocated at bytes */
	size_t		 fill;		/* bytes written so far */
	size_t		 done;		/* bytes sent, or payload read */
	size_t		 cap;		/* fill may not grow past this */
	int		 fd;		/* travels with it; -1: none */
	int		 owned;		/* bytes is a malloc(3) of its own */
};

/* One end of a channel.  Only fd and maxsize are for the caller to read. */
struct imsgbuf {
	int		 fd;
	uint32_t	 maxsize;	/* largest message, header included */
	pid_t		 pid;		/* stands in for a pid of 0 */
	int		 fdpass;

	/* Output: whole messages, the head possibly partly written. */
	struct ibuf	*out_first;
	struct ibuf	*out_last;
	uint32_t	 out_count;

	/* Input. */
	unsigned char	*stage;		/* recvmsg(2) lands here */
	size_t		 staged;	/* a header's first bytes, kept */
	struct ibuf	*partial;	/* the message being filled in */
	struct ibuf	*ready_first;	/* whole ones for imsg_get() */
	struct ibuf	*ready_last;
	int		 spare_fd[8];	/* received, not yet claimed */
	int		 spare_fds;
	int		 broken;	/* errno that ends reading, or 0 */
};

/* A received message, from imsg_get() until imsg_free(). */
struct imsg {
	struct imsg_hdr	 hdr;
	void		*data;		/* the payload; NULL when empty */
	struct ibuf	*buf;		/* the library's */
};

int		 imsgbuf_init(struct imsgbuf *, int);
void		 imsgbuf_allow_fdpass(struct imsgbuf *);
int		 imsgbuf_set_maxsize(struct imsgbuf *, uint32_t);
void		 imsgbuf_clear(struct imsgbuf *);
int		 imsgbuf_read(struct imsgbuf *);
int		 imsgbuf_write(struct imsgbuf *);
int		 imsgbuf_flush(struct imsgbuf *);
uint32_t	 imsgbuf_queuelen(struct imsgbuf *);

ssize_t		 imsg_get(struct imsgbuf *, struct imsg *);
int		 imsg_get_data(struct imsg *, void *, size_t);
int		 imsg_get_ibuf(struct imsg *, struct ibuf *);
int		 imsg_get_fd(struct imsg *);
uint32_t	 imsg_get_id(struct imsg *);
size_t		 imsg_get_len(struct imsg *);
pid_t		 imsg_get_pid(struct imsg *);
uint32_t	 imsg_get_type(struct imsg *);
void		 imsg_free(struct imsg *);

int		 imsg_compose(struct imsgbuf *, uint32_t, uint32_t, pid_t, int,
		    const void *, size_t);
int		 imsg_composev(struct imsgbuf *, uint32_t, uint32_t, pid_t, int,
		    const struct iovec *, int);
struct ibuf	*imsg_create(struct imsgbuf *, uint32_t, uint32_t, pid_t,
		    size_t);
int		 imsg_add(struct ibuf *, const void *, size_t);
void		 imsg_close(struct imsgbuf *, struct ibuf *);
int		 imsg_forward(struct imsgbuf *, struct imsg *);

size_t		 ibuf_size(const struct ibuf *);
void		*ibuf_data(const struct ibuf *);

#endif /* IMSG_H */
