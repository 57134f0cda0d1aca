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

#ifndef REDISEV_H
#define REDISEV_H

#include <stddef.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>

/* Why a connection's input was refused. */
enum redisev_why {
	REDISEV_OVERSIZE,	/* more than max bytes of one reply */
	REDISEV_UNASKED,	/* a reply no command waits for */
	REDISEV_MALFORMED	/* not RESP, or not a subscription's shape */
};

/*
 * hiredis on the libevent 1.4 API (what OpenBSD's base has).  refuse is
 * called, instead of handing hiredis the input, once more than max bytes
 * of a reply are buffered or a reply is not one hiredis can take safely:
 * the caller drops the connection.
 */
int	redisev_attach(redisAsyncContext *, size_t,
	    void (*)(redisAsyncContext *, enum redisev_why));
/* Stop (1) or resume (0) reading, whatever hiredis asks for. */
void	redisev_pause(redisAsyncContext *, int);

#endif /* REDISEV_H */
