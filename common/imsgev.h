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

#ifndef IMSGEV_H
#define IMSGEV_H

#include <sys/types.h>
#include <sys/queue.h>

#include <event.h>
#include <imsg.h>
#include <stdint.h>

/* An imsg channel driven by the libevent loop. */
struct imsgev {
	struct imsgbuf	 ibuf;
	struct event	 ev;
	short		 events;
	void		(*handler)(int, short, void *);
	const char	*peer;		/* for log lines: "capture", ... */
};

void	imsgev_init(struct imsgev *, int, const char *,
	    void (*)(int, short, void *));
void	imsgev_add(struct imsgev *);
int	imsgev_compose(struct imsgev *, uint32_t, const void *, size_t);
int	imsgev_compose_fd(struct imsgev *, uint32_t, int, const void *,
	    size_t);
int	imsgev_io(struct imsgev *, short);
void	imsgev_close(struct imsgev *);
const char *i2s(uint32_t);
void	payload_get(struct imsg *, void *, size_t);
size_t	payload_batch(struct imsg *, void *, size_t, size_t);

#endif /* IMSGEV_H */
