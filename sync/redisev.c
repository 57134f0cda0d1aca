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
 * Three additions of ours.  A reply is read only while no more than max
 * bytes of it are buffered: a peer in Redis could otherwise make us hold
 * a value or a message of any size.  Reading can be paused while the
 * parent has not taken what we already sent it.  And hiredis trusts its
 * server: a reply that no command waits for, or a pub/sub reply of
 * another shape than a subscription's, ends in an assert() or a read
 * past an array's end inside hiredis (0.14.1, as Debian 12 ships it,
 * aborts on "+PONG +PONG" to one PING and reads beyond a two-element
 * "unsubscribe").  So we read the socket ourselves, parse what came with
 * a reader of our own, and hand the bytes to hiredis only when every
 * reply completed among them is one it expects; otherwise the caller
 * drops the connection.
 */

#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <event.h>
#include <stdlib.h>
#include <strings.h>
#include <unistd.h>

#include "redisev.h"

struct redisev {
	redisAsyncContext	*ac;
	struct event		 rev, wev;
	int			 want_read;	/* what hiredis asked for */
	int			 reading, writing, paused;
	size_t			 max;
	void			(*refuse)(redisAsyncContext *, enum redisev_why);
	redisReader		*screen;	/* parses what hiredis will */
};

static void	redisev_update(struct redisev *);

/*
 * hiredis's step after a read: each complete reply to its callback.
 * Exported by every hiredis we build with (0.14 to 1.2), but declared
 * only in its private header: we read the socket ourselves and call it
 * where redisAsyncHandleRead would.
 */
void	redisProcessCallbacks(redisAsyncContext *);

static size_t
callbacks_waiting(const redisCallbackList *l)
{
	const redisCallback	*cb;
	size_t			 n = 0;

	for (cb = l->head; cb != NULL; cb = cb->next)
		n++;
	return n;
}

static int
is_string(const redisReply *r)
{
	return r->type == REDIS_REPLY_STRING;
}

/*
 * What a subscribed connection may get without a command waiting: a
 * confirmation (kind, channel, count) or a message (kind, channel,
 * payload; pmessage: kind, pattern, channel, payload).
 */
static int
subscription_reply(const redisReply *r)
{
	const char	*kind;
	size_t		 i;

	if (r->type != REDIS_REPLY_ARRAY || r->elements < 3 ||
	    !is_string(r->element[0]) || !is_string(r->element[1]))
		return 0;
	kind = r->element[0]->str;
	if (strcasecmp(kind, "subscribe") == 0 ||
	    strcasecmp(kind, "psubscribe") == 0 ||
	    strcasecmp(kind, "unsubscribe") == 0 ||
	    strcasecmp(kind, "punsubscribe") == 0)
		return r->elements == 3 &&
		    r->element[2]->type == REDIS_REPLY_INTEGER;
	if (strcasecmp(kind, "message") != 0 &&
	    strcasecmp(kind, "pmessage") != 0)
		return 0;
	if (r->elements != (tolower((unsigned char)kind[0]) == 'p' ? 4 : 3))
		return 0;
	for (i = 2; i < r->elements; i++)
		if (!is_string(r->element[i]))
			return 0;
	return 1;
}

/*
 * Parse the new bytes as hiredis will and say whether hiredis may have
 * them.  As hiredis does, the replies go first to the commands waiting
 * in order; on a subscribed connection the rest go to the subscription.
 * (We send no command on a connection once it has subscribed: hiredis
 * would queue that one's reply elsewhere, differently in each version.)
 */
static int
screen(struct redisev *r, const char *buf, size_t len,
    enum redisev_why *why)
{
	redisAsyncContext	*ac = r->ac;
	redisReply		*reply;
	void			*p;
	size_t			 regular;
	int			 ok = 1;

	*why = REDISEV_MALFORMED;
	if (redisReaderFeed(r->screen, buf, len) != REDIS_OK)
		return 0;
	regular = callbacks_waiting(&ac->replies);
	while (ok) {
		if (redisReaderGetReply(r->screen, &p) != REDIS_OK)
			return 0;
		if ((reply = p) == NULL)
			break;
		if (regular > 0)
			regular--;
		else if (!(ac->c.flags & REDIS_SUBSCRIBED)) {
			*why = REDISEV_UNASKED;
			ok = 0;
		} else
			ok = subscription_reply(reply);
		freeReplyObject(reply);
	}
	return ok;
}

static void
redisev_refuse(struct redisev *r, enum redisev_why why)
{
	r->paused = 1;
	redisev_update(r);
	r->refuse(r->ac, why);
}

static void
redisev_read(int fd, short event, void *arg)
{
	struct redisev		*r = arg;
	redisAsyncContext	*ac = r->ac;
	redisReader		*reader = ac->c.reader;
	enum redisev_why	 why;
	char			 buf[16384];
	ssize_t			 n;

	if (reader != NULL && reader->len - reader->pos > r->max) {
		redisev_refuse(r, REDISEV_OVERSIZE);
		return;
	}
	/* Not connected yet: hiredis finishes the connect (or frees ac). */
	if (!(ac->c.flags & REDIS_CONNECTED)) {
		redisAsyncHandleWrite(ac);
		return;
	}
	if ((n = read(fd, buf, sizeof(buf))) == -1 &&
	    (errno == EAGAIN || errno == EINTR))
		return;
	/* End of file or an error: hiredis reads it again and tears down. */
	if (n <= 0) {
		redisAsyncHandleRead(ac);
		return;
	}
	if (!screen(r, buf, n, &why) ||
	    redisReaderFeed(reader, buf, n) != REDIS_OK) {
		redisev_refuse(r, why);
		return;
	}
	/* May free the context, and r with it: nothing after this. */
	redisProcessCallbacks(ac);
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
	redisReaderFree(r->screen);
	free(r);
}

int
redisev_attach(redisAsyncContext *ac, size_t max,
    void (*refuse)(redisAsyncContext *, enum redisev_why))
{
	struct redisev	*r;

	if (ac->ev.data != NULL || (r = calloc(1, sizeof(*r))) == NULL)
		return -1;
	if ((r->screen = redisReaderCreate()) == NULL) {
		free(r);
		return -1;
	}
	r->ac = ac;
	r->max = max;
	r->refuse = refuse;
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
