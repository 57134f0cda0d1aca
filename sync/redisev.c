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
 * An event adapter for hiredis's asynchronous API, on the libevent 1.4
 * calls alone (event_set, event_add, event_del): the adapter hiredis
 * ships needs libevent 2 (event_new, event_free), which OpenBSD's base
 * does not have.  It fills the hooks hiredis documents for this
 * (redisAsyncContext's ev: addRead, delRead, addWrite, delWrite,
 * cleanup) and leaves the timer hook of newer versions unset: the sync
 * process keeps its own deadlines.
 *
 * Two additions of ours.  A reply is read only while no more than max
 * bytes of it are buffered: a peer in Redis could otherwise make us hold
 * a value or a message of any size (hiredis reads at most 16 KiB per
 * call, so the limit is kept to within that).  And reading can be paused
 * while the parent has not taken what we already sent it.
 */

#include <sys/types.h>

#include <event.h>
#include <stdlib.h>

#include "redisev.h"

struct redisev {
	redisAsyncContext	*ac;
	struct event		 rev, wev;
	int			 want_read;	/* what hiredis asked for */
	int			 reading, writing, paused;
	size_t			 max;
	void			(*overflow)(redisAsyncContext *);
};

static void	redisev_update(struct redisev *);

static void
redisev_read(int fd, short event, void *arg)
{
	struct redisev	*r = arg;
	redisReader	*reader = r->ac->c.reader;

	if (reader != NULL && reader->len - reader->pos > r->max) {
		r->paused = 1;
		redisev_update(r);
		r->overflow(r->ac);
		return;
	}
	/* May free the context, and r with it: nothing after this. */
	redisAsyncHandleRead(r->ac);
}

static void
redisev_write(int fd, short event, void *arg)
{
	struct redisev	*r = arg;

	redisAsyncHandleWrite(r->ac);
}

/* Read while hiredis wants to and we are not paused. */
static void
redisev_update(struct redisev *r)
{
	int	on = r->want_read && !r->paused;

	if (on == r->reading)
		return;
	if (on)
		event_add(&r->rev, NULL);
	else
		event_del(&r->rev);
	r->reading = on;
}

static void
redisev_add_read(void *arg)
{
	struct redisev	*r = arg;

	r->want_read = 1;
	redisev_update(r);
}

static void
redisev_del_read(void *arg)
{
	struct redisev	*r = arg;

	r->want_read = 0;
	redisev_update(r);
}

static void
redisev_add_write(void *arg)
{
	struct redisev	*r = arg;

	if (!r->writing)
		event_add(&r->wev, NULL);
	r->writing = 1;
}

static void
redisev_del_write(void *arg)
{
	struct redisev	*r = arg;

	if (r->writing)
		event_del(&r->wev);
	r->writing = 0;
}

/*
 * The context goes: our events with it.  The hooks are emptied, so that
 * hiredis versions that call cleanup twice, or a hook after it, find
 * nothing.
 */
static void
redisev_cleanup(void *arg)
{
	struct redisev		*r = arg;
	redisAsyncContext	*ac = r->ac;

	if (r->reading)
		event_del(&r->rev);
	if (r->writing)
		event_del(&r->wev);
	ac->ev.addRead = NULL;
	ac->ev.delRead = NULL;
	ac->ev.addWrite = NULL;
	ac->ev.delWrite = NULL;
	ac->ev.cleanup = NULL;
	ac->ev.data = NULL;
	free(r);
}

int
redisev_attach(redisAsyncContext *ac, size_t max,
    void (*overflow)(redisAsyncContext *))
{
	struct redisev	*r;

	if (ac->ev.data != NULL || (r = calloc(1, sizeof(*r))) == NULL)
		return -1;
	r->ac = ac;
	r->max = max;
	r->overflow = overflow;
	/* Persistent: each stays armed until hiredis says otherwise. */
	event_set(&r->rev, ac->c.fd, EV_READ | EV_PERSIST, redisev_read, r);
	event_set(&r->wev, ac->c.fd, EV_WRITE | EV_PERSIST, redisev_write, r);
	ac->ev.addRead = redisev_add_read;
	ac->ev.delRead = redisev_del_read;
	ac->ev.addWrite = redisev_add_write;
	ac->ev.delWrite = redisev_del_write;
	ac->ev.cleanup = redisev_cleanup;
	ac->ev.data = r;
	return 0;
}

void
redisev_pause(redisAsyncContext *ac, int pause)
{
	struct redisev	*r = ac->ev.data;

	if (r == NULL || ac->ev.cleanup != redisev_cleanup)
		return;
	r->paused = pause;
	redisev_update(r);
}
