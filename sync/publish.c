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
 * This host's changes on their way to Redis.  The parent pushes them as
 * they happen; they wait in a bounded queue and go out in batches of up to
 * SYNC_BATCH_MAX, one run of the merge script (script.c) each, at most
 * SYNC_INFLIGHT_MAX batches unanswered, so that a slow Redis holds back
 * the queue rather than our memory.
 *
 * While Redis is away, new and refreshed entries are not kept: the dump
 * on reconnecting carries every entry the parent holds, so nothing is
 * lost and nothing stale is replayed.  Deletions are kept (the dump cannot
 * carry an absence), and a flush is remembered and done first.  When the
 * queue is full a change is dropped and counted, and one more dump is
 * asked for once the queue has drained; the dump itself comes a part at a
 * time, only while the queue has room.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "child.h"
#include "imsgev.h"
#include "log.h"
#include "redisev.h"
#include "sync.h"

#define DUMP_ROOM	(SYNC_QUEUE_MAX / 4)	/* free, to ask for more */

enum dump_state {
	DUMP_IDLE,	/* none under way */
	DUMP_WAIT,	/* a part asked for */
	DUMP_MORE	/* a part received, more to ask for */
};

static struct sync_entry	queue[SYNC_QUEUE_MAX];	/* a ring */
static size_t			qhead, qlen;
static int			inflight, flush_pending, dump_wanted;
static enum dump_state		dump_state;
static uint32_t			dump_seq;

static void	publish_run(void);

static int
queue_put(const struct sync_entry *e)
{
	if (qlen == SYNC_QUEUE_MAX)
		return -1;
	queue[(qhead + qlen) % SYNC_QUEUE_MAX] = *e;
	qlen++;
	return 0;
}

/* IMSG_SYNC_PUSH: the parent's changes (or a part of a dump). */
void
publish_push(struct imsg *imsg)
{
	struct sync_entry	 b[SYNC_BATCH_MAX];
	const char		*why;
	size_t			 n, i;

	n = payload_batch(imsg, b, sizeof(b[0]), nitems(b));
	for (i = 0; i < n; i++) {
		if (wire_check_entry(&b[i], &sync_limits, &why) == -1)
			fatalx("%s: %s", i2s(imsg_get_type(imsg)), why);
		/* The dump on connecting carries it. */
		if (b[i].op == SYNC_SET && sync_st.state < SYNC_LOADING)
			continue;
		if (queue_put(&b[i]) == -1) {
			sync_st.dropped++;
			dump_wanted = 1;
			sync_changed();
		}
	}
	publish_run();
}

/* IMSG_SYNC_FLUSH: what is queued predates it; the stored entries go. */
void
publish_flush(void)
{
	qlen = 0;
	flush_pending = 1;
	dump_state = DUMP_IDLE;
	dump_seq++;
	if (sync_st.state >= SYNC_LOADING) {
		scan_stop();
		scan_purge();
	}
}

int
publish_flush_pending(void)
{
	return flush_pending;
}

void
publish_flush_done(void)
{
	flush_pending = 0;
}

static void
dump_request(uint32_t type)
{
	struct sync_dump	d;

	memset(&d, 0, sizeof(d));
	d.seq = dump_seq;
	child_compose(type, &d, sizeof(d));
	dump_state = DUMP_WAIT;
}

/* Loaded: now everything the parent holds, part by part. */
void
publish_dump(void)
{
	dump_wanted = 0;
	dump_seq++;
	dump_request(IMSG_SYNC_DUMP);
}

/* IMSG_SYNC_DUMP_END: a part of the dump is all here. */
void
publish_dump_end(struct imsg *imsg)
{
	struct sync_dump	d;

	payload_get(imsg, &d, sizeof(d));
	if (d.more > 1)
		fatalx("%s: malformed", i2s(imsg_get_type(imsg)));
	if (d.seq != dump_seq || dump_state != DUMP_WAIT)
		return;		/* of a dump given up */
	dump_state = d.more ? DUMP_MORE : DUMP_IDLE;
	publish_run();
}

/* The connection works: send what waits. */
void
publish_start(void)
{
	publish_run();
}

/* The connection is gone: its batches will never be answered. */
void
publish_stop(void)
{
	inflight = 0;
	dump_state = DUMP_IDLE;
	dump_seq++;
}

/*
 * The script's answer: the entries Redis knew better (a later expiry, or
 * confirmed by another host), which this host takes too.
 */
static void
script_done(redisAsyncContext *ac, void *reply, void *arg)
{
	redisReply		*r = reply;
	struct sync_entry	 e;
	const char		*why;
	size_t			 i;

	if (ac != sync_cmd || r == NULL)
		return;
	inflight--;
	if (r->type == REDIS_REPLY_ERROR) {
		if (r->len >= 8 && memcmp(r->str, "NOSCRIPT", 8) == 0) {
			sync_down("the script is gone from Redis (restart or "
			    "SCRIPT FLUSH)");
			return;
		}
		peer_error("EVALSHA", r->str, r->len);
	} else if (r->type == REDIS_REPLY_ARRAY) {
		for (i = 0; i < r->elements && i < SYNC_BATCH_MAX; i++) {
			if (r->element[i]->type != REDIS_REPLY_STRING ||
			    wire_parse_line(r->element[i]->str,
			    r->element[i]->len, &e, &why) != SYNC_SET)
				continue;
			peer_entry(&e, r->element[i]->str, r->element[i]->len);
		}
		peer_send();
		sync_st.sent += (uintptr_t)arg;
		sync_changed();
	}
	publish_run();
}

/*
 * One batch off the queue:
 *	EVALSHA sha N key... channel header now latest line...
 */
static void
send_batch(void)
{
	static char		 keys[SYNC_BATCH_MAX][WIRE_KEY_MAX];
	static char		 lines[SYNC_BATCH_MAX][WIRE_TEXT_MAX];
	const char		*argv[2 * SYNC_BATCH_MAX + 7];
	size_t			 argvlen[2 * SYNC_BATCH_MAX + 7];
	char			 nkeys[16], header[WIRE_TEXT_MAX];
	char			 now[24], latest[24];
	struct sync_entry	*e;
	size_t			 n, i;
	int			 argc = 0;
	time_t			 t = time(NULL);

	n = qlen < SYNC_BATCH_MAX ? qlen : SYNC_BATCH_MAX;
	snprintf(nkeys, sizeof(nkeys), "%zu", n);
	snprintf(now, sizeof(now), "%lld", (long long)t);
	snprintf(latest, sizeof(latest), "%lld",
	    (long long)t + MAX_WHITELIST_TIME);
	if (wire_header(sync_conf.name, sync_wall_ms(), header,
	    sizeof(header)) == 0)
		fatalx("publish: header too long");
	argv[argc++] = "EVALSHA";
	argv[argc++] = sync_sha;
	argv[argc++] = nkeys;
	for (i = 0; i < n; i++) {
		e = &queue[(qhead + i) % SYNC_QUEUE_MAX];
		if (wire_key(sync_conf.prefix, e, keys[i], WIRE_KEY_MAX) == 0 ||
		    wire_line(e, lines[i], WIRE_TEXT_MAX) == 0)
			fatalx("publish: entry does not format");
		argv[argc++] = keys[i];
	}
	argv[argc++] = sync_channel;
	argv[argc++] = header;
	argv[argc++] = now;
	argv[argc++] = latest;
	for (i = 0; i < n; i++)
		argv[argc++] = lines[i];
	for (i = 0; i < (size_t)argc; i++)
		argvlen[i] = strlen(argv[i]);
	qhead = (qhead + n) % SYNC_QUEUE_MAX;
	qlen -= n;
	if (redisAsyncCommandArgv(sync_cmd, script_done, (void *)(uintptr_t)n,
	    argc, argv, argvlen) != REDIS_OK) {
		sync_down("cannot send: %s", sync_cmd->errstr);
		return;
	}
	inflight++;
}

/*
 * Send what the window allows; then, with room in the queue, ask for the
 * next part of a dump, or for a dump again if changes were dropped.
 */
static void
publish_run(void)
{
	while (sync_cmd != NULL && sync_st.state >= SYNC_LOADING &&
	    !scan_purging() && inflight < SYNC_INFLIGHT_MAX && qlen > 0)
		send_batch();
	if (sync_cmd == NULL || sync_st.state != SYNC_UP ||
	    SYNC_QUEUE_MAX - qlen < DUMP_ROOM)
		return;
	if (dump_state == DUMP_MORE)
		dump_request(IMSG_SYNC_DUMP_MORE);
	else if (dump_state == DUMP_IDLE && dump_wanted && qlen == 0)
		publish_dump();
}
