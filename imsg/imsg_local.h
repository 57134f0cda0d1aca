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

/* What the imsg files share and callers do not see. */

#ifndef IMSG_LOCAL_H
#define IMSG_LOCAL_H

/* In hdr.len on the wire: a descriptor travels with this message. */
#define IMSG_LEN_FD	0x80000000U

/* recvmsg(2) reads at most this much at a time. */
#define IMSG_STAGE_SIZE	65536

#define HDRLEN		IMSG_HEADER_SIZE

struct ibuf	*msg_alloc(size_t, size_t);
int		 msg_reserve(struct ibuf *, size_t);
void		 msg_release(struct ibuf *);
void		 msg_release_all(struct ibuf **, struct ibuf **);
void		 msg_append(struct ibuf **, struct ibuf **, struct ibuf *);
void		 close_quietly(int);
int		 imsg_fail(int);

#endif /* IMSG_LOCAL_H */
