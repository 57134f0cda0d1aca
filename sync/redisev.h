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

/*
 * hiredis on the libevent 1.4 API (what OpenBSD's base has).  overflow is
 * called, instead of reading more, once more than max bytes of a reply are
 * buffered: the caller drops the connection.
 */
int	redisev_attach(redisAsyncContext *, size_t,
	    void (*)(redisAsyncContext *));
/* Stop (1) or resume (0) reading, whatever hiredis asks for. */
void	redisev_pause(redisAsyncContext *, int);

#endif /* REDISEV_H */
