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
 * The two walks over the stored entries, with SCAN (which never blocks
 * Redis the way KEYS would): one page of keys at a time, the next asked
 * for once the page is done.
 *
 * A load, on every (re)connect, reads what the other hosts stored: each
 * key's value with GETRANGE (never more than WIRE_VALUE_MAX bytes,
 * whatever someone stored there), checked like any peer's entry.  It is
 * bounded: it stops once it has passed on max-entries entries, or has
 * looked at SCAN_LOOK_FACTOR times that many keys, so that a million keys
 * written by someone else cost a bounded time, and the whitelist they
 * reach never grows past max-entries anyway (whitelist.c).
 *
 * A purge, for mxallowctl flush: the flush is announced on the channel,
 * then every stored entry is unlinked.
 *
 * Each walk has a generation; a reply that arrives for an older one (the
 * walk was stopped, the connection lost) is ignored.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "redisev.h"
#include "sync.h"

#define SCAN_COUNT		500	/* keys asked for per page */
#define SCAN_PAGE_MAX		4096	/* keys one page may hold */
#define SCAN_LOOK_FACTOR	4	/* keys looked at per entry allowed */
#define SCAN_LOOK_MIN		10000
#define SCAN_CURSOR_MAX		24	/* a 64-bit number, NUL included */

enum scan_job {
	SCAN_NONE,
	SCAN_LOAD,
	SCAN_PURGE
};

static enum scan_job		 job;
static uint32_t			 gen;		/* of the walk under way */
static int			 paused;	/* waiting for the parent */
static char			 cursor[SCAN_CURSOR_MAX];
static struct sync_entry	 page[SCAN_PAGE_MAX];
static size_t			 waiting;	/* values not read yet */
static uint64_t			 looked, passed, deleted, look_max;

static void	scan_next(void);

/* privdata of a walk's command: its generation, and a key's index. */
static void *
tag(size_t idx)
{
	return (void *)(uintptr_t)(((uintptr_t)(gen & 0xffff) << 16) | idx);
}

static int
current(redisAsyncContext *ac, redisReply *r, void *arg)
{
	return ac == sync_cmd && r != NULL && job != SCAN_NONE &&
	    ((uintptr_t)arg >> 16) == (gen & 0xffff);
}

static void
scan_start(enum scan_job j)
{
	job = j;
	gen++;
	paused = 0;
	waiting = 0;
	looked = passed = deleted = 0;
	strlcpy(cursor, "0", sizeof(cursor));
}

/* The connection went, or a flush replaces a load. */
void
scan_stop(void)
{
	job = SCAN_NONE;
	gen++;
	paused = 0;
}

int
scan_purging(void)
{
	return job == SCAN_PURGE;
}

void
scan_resume(void)
{
	if (!paused)
		return;
	paused = 0;
	scan_next();
}

static void
load_done(const char *why)
{
	log_info("redis: loaded %llu entries, %llu keys looked at%s%s",
	    (unsigned long long)passed, (unsigned long long)looked,
	    why != NULL ? ", stopped: " : "", why != NULL ? why : "");
	job = SCAN_NONE;
	sync_loaded();
}

/* A page is through: the next one, or the end of the walk. */
static void
page_done(void)
{
	peer_send();
	if (job == SCAN_LOAD && passed >= sync_conf.max_entries)
		load_done("max-entries reached");
	else if (job == SCAN_LOAD && looked >= look_max)
		load_done("too many keys");
	else if (strcmp(cursor, "0") != 0)
		scan_next();
	else if (job == SCAN_LOAD)
		load_done(NULL);
	else {
		log_info("redis: flushed, %llu stored entries deleted",
		    (unsigned long long)deleted);
		job = SCAN_NONE;
		sync_purged();
	}
}

/* GETRANGE of one key of the page. */
static void
value_read(redisAsyncContext *ac, void *reply, void *arg)
{
	redisReply		*r = reply;
	struct sync_entry	*e;
	const char		*why;
	char			 key[WIRE_KEY_MAX];

	if (!current(ac, r, arg) || job != SCAN_LOAD)
		return;
	e = &page[(uintptr_t)arg & 0xffff];
	if (r->type == REDIS_REPLY_ERROR) {
		wire_key(sync_conf.prefix, e, key, sizeof(key));
		peer_bad(key, strlen(key), "not a string");
	} else if (r->type == REDIS_REPLY_STRING && r->len > 0 &&
	    passed < sync_conf.max_entries) {
		if (wire_parse_value(r->str, r->len, e, &why) == -1)
			peer_bad(r->str, r->len, why);
		else if (peer_entry(e, r->str, r->len)) {
			passed++;
			sync_st.loaded++;
		}
	}
	/* Empty: the key expired since SCAN saw it. */
	if (--waiting == 0)
		page_done();
}

/* A page of a load: ask for the value of each key that is one of ours. */
static void
load_page(redisReply *keys)
{
	struct sync_entry	*e;
	redisReply		*k;
	const char		*why;
	size_t			 i, n = 0;

	for (i = 0; i < keys->elements && looked < look_max; i++) {
		k = keys->element[i];
		if (k->type != REDIS_REPLY_STRING)
			continue;
		looked++;
		e = &page[n];
		if (wire_parse_key(sync_conf.prefix, k->str, k->len, e,
		    &why) == -1) {
			peer_bad(k->str, k->len, why);
			continue;
		}
		redisAsyncCommand(sync_cmd, value_read, tag(n),
		    "GETRANGE %b 0 %d", k->str, k->len, WIRE_VALUE_MAX - 1);
		n++;
	}
	if ((waiting = n) == 0)
		page_done();
}

static void
unlinked(redisAsyncContext *ac, void *reply, void *arg)
{
	redisReply	*r = reply;

	if (!current(ac, r, arg))
		return;
	if (r->type == REDIS_REPLY_ERROR)
		peer_error("UNLINK", r->str, r->len);
	else if (r->type == REDIS_REPLY_INTEGER && r->integer > 0)
		deleted += r->integer;
}

/* A page of a purge: unlink its keys. */
static void
purge_page(redisReply *keys)
{
	static const char	*argv[SCAN_PAGE_MAX + 1];
	static size_t		 argvlen[SCAN_PAGE_MAX + 1];
	size_t			 i;
	int			 argc = 0;

	argv[argc] = "UNLINK";
	argvlen[argc++] = 6;
	for (i = 0; i < keys->elements; i++) {
		if (keys->element[i]->type != REDIS_REPLY_STRING)
			continue;
		argv[argc] = keys->element[i]->str;
		argvlen[argc++] = keys->element[i]->len;
	}
	if (argc > 1)
		redisAsyncCommandArgv(sync_cmd, unlinked, tag(0), argc, argv,
		    argvlen);
	page_done();
}

/* SCAN's answer: [cursor, [key...]]. */
static void
scan_page(redisAsyncContext *ac, void *reply, void *arg)
{
	redisReply	*r = reply, *c, *keys;
	size_t		 i;

	if (!current(ac, r, arg))
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		sync_down("SCAN: %.*s", r->len > 200 ? 200 : (int)r->len,
		    r->str);
		return;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    (c = r->element[0])->type != REDIS_REPLY_STRING ||
	    c->len == 0 || c->len >= sizeof(cursor) ||
	    (keys = r->element[1])->type != REDIS_REPLY_ARRAY ||
	    keys->elements > SCAN_PAGE_MAX) {
		sync_down("SCAN: unexpected answer");
		return;
	}
	for (i = 0; i < c->len; i++) {
		if (c->str[i] < '0' || c->str[i] > '9') {
			sync_down("SCAN: unexpected cursor");
			return;
		}
	}
	memcpy(cursor, c->str, c->len);
	cursor[c->len] = '\0';
	if (job == SCAN_LOAD)
		load_page(keys);
	else
		purge_page(keys);
}

/* The next page, unless the parent lags (then scan_resume() goes on). */
static void
scan_next(void)
{
	if (job == SCAN_LOAD && peer_parent_busy()) {
		paused = 1;
		sync_wait_parent();
		return;
	}
	redisAsyncCommand(sync_cmd, scan_page, tag(0), "SCAN %s MATCH %s"
	    WIRE_KEY_TAG "* COUNT %d", cursor, sync_conf.prefix, SCAN_COUNT);
}

void
scan_load(void)
{
	scan_start(SCAN_LOAD);
	look_max = (uint64_t)sync_conf.max_entries * SCAN_LOOK_FACTOR;
	if (look_max < SCAN_LOOK_MIN)
		look_max = SCAN_LOOK_MIN;
	scan_next();
}

/* Announce the flush first: the others empty their whitelists at once. */
void
scan_purge(void)
{
	char	msg[WIRE_TEXT_MAX];
	size_t	n;

	scan_start(SCAN_PURGE);
	if ((n = wire_header(sync_conf.name, sync_wall_ms(), msg,
	    sizeof(msg) - 2)) == 0)
		fatalx("purge: header too long");
	memcpy(msg + n, "\n!", 3);
	redisAsyncCommand(sync_cmd, NULL, NULL, "PUBLISH %s %s", sync_channel,
	    msg);
	scan_next();
}
