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
 * sync/redisev.c against a server that misbehaves: hiredis (0.14.1 here)
 * trusts its server, and aborts or reads past an array's end on replies
 * that no command asked for or pub/sub replies of the wrong shape.  Each
 * case connects hiredis through redisev to a Unix socket we serve, sends
 * one command, writes the server's bytes (whole, or a byte at a time) and
 * checks what the callbacks saw and whether, and why, the input was
 * refused.  A case that reaches hiredis's assert() kills this test.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <event.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "redisev.h"

#include "unit.h"

#define NO_REFUSAL	(-1)

struct run {
	redisAsyncContext	*ac;
	int			 refused;	/* enum redisev_why, or NO_REFUSAL */
	int			 replies;	/* non-NULL replies to callbacks */
	int			 want;		/* end the loop after this many */
	char			 last[64];	/* the last reply's text */
};

static struct run	run;
static char		sockpath[sizeof(((struct sockaddr_un *)0)->sun_path)];

static void
on_refuse(redisAsyncContext *ac, enum redisev_why why)
{
	run.refused = why;
	redisAsyncFree(ac);
	run.ac = NULL;
	event_loopexit(NULL);
}

/* Keeps the text of what it got: a status, or an array's last string. */
static void
on_reply(redisAsyncContext *ac, void *p, void *arg)
{
	redisReply	*r = p, *e;

	if (r == NULL)
		return;
	e = r->type == REDIS_REPLY_ARRAY && r->elements > 0 ?
	    r->element[r->elements - 1] : r;
	snprintf(run.last, sizeof(run.last), "%.*s",
	    e->str != NULL ? (int)e->len : 0, e->str != NULL ? e->str : "");
	if (++run.replies == run.want)
		event_loopexit(NULL);
}

static int
listen_unix(void)
{
	struct sockaddr_un	sun;
	int			s;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, sockpath, sizeof(sun.sun_path));
	unlink(sockpath);
	if ((s = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(s, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(s, 1) == -1) {
		perror("redisev_test: listen");
		exit(1);
	}
	return s;
}

/* Let the loop take whatever is there, a bounded number of turns. */
static void
turns(int n)
{
	while (n-- > 0 && run.ac != NULL)
		event_loop(EVLOOP_NONBLOCK);
}

/*
 * One case: command "PING" or "SUBSCRIBE ch" (sub), the server's bytes
 * written whole or a byte at a time, then at most 10 s for the outcome.
 */
static void
serve(const char *name, int sub, const char *bytes, size_t max, int split,
    int want_refused, int want_replies, const char *want_last)
{
	struct timeval	 tv = { 10, 0 };
	size_t		 i, len = strlen(bytes);
	int		 l, s = -1;

	memset(&run, 0, sizeof(run));
	run.refused = NO_REFUSAL;
	run.want = want_replies;
	l = listen_unix();
	run.ac = redisAsyncConnectUnix(sockpath);
	REQUIRE(run.ac != NULL && run.ac->err == 0, "connect: %s",
	    run.ac != NULL ? run.ac->errstr : "out of memory");
	REQUIRE(redisev_attach(run.ac, max, on_refuse) == 0, "attach");
	if (sub)
		redisAsyncCommand(run.ac, on_reply, NULL, "SUBSCRIBE ch");
	else
		redisAsyncCommand(run.ac, on_reply, NULL, "PING");
	REQUIRE((s = accept(l, NULL, NULL)) != -1, "accept");
	turns(4);		/* connected, command written */
	for (i = 0; split && i < len && run.ac != NULL; i++) {
		REQUIRE(write(s, bytes + i, 1) == 1, "write");
		turns(2);
	}
	if (!split)
		REQUIRE(write(s, bytes, len) == (ssize_t)len, "write");
	if (run.ac != NULL && (want_refused != NO_REFUSAL ||
	    run.replies < want_replies)) {
		event_loopexit(&tv);
		event_dispatch();
	}
	REQUIRE(run.refused == want_refused, "refused %d, wanted %d",
	    run.refused, want_refused);
	REQUIRE(run.replies == want_replies, "%d replies, wanted %d",
	    run.replies, want_replies);
	REQUIRE(want_last == NULL || strcmp(run.last, want_last) == 0,
	    "last reply \"%s\", wanted \"%s\"", run.last, want_last);
	pass(name);
out:
	if (run.ac != NULL)
		redisAsyncFree(run.ac);
	run.ac = NULL;
	if (s != -1)
		close(s);
	close(l);
	unlink(sockpath);
}

#define CONFIRM	"*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"
#define MESSAGE	"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n"

static void
test_expected(void)
{
	serve("the reply to the command", 0, "+PONG\r\n", 4096, 0,
	    NO_REFUSAL, 1, "PONG");
	serve("the reply a byte at a time", 0, "+PONG\r\n", 4096, 1,
	    NO_REFUSAL, 1, "PONG");
	serve("a subscription confirmed, then a message", 1,
	    CONFIRM MESSAGE, 4096, 0, NO_REFUSAL, 2, "hello");
	serve("confirmation and message a byte at a time", 1,
	    CONFIRM MESSAGE, 4096, 1, NO_REFUSAL, 2, "hello");
	serve("an error reply to the command", 0, "-ERR no\r\n", 4096, 0,
	    NO_REFUSAL, 1, "ERR no");
}

static void
test_unasked(void)
{
	/* hiredis 0.14.1: "Assertion ... REDIS_SUBSCRIBED ... failed". */
	serve("a second reply to one command", 0, "+PONG\r\n+PONG\r\n",
	    4096, 0, REDISEV_UNASKED, 0, NULL);
	serve("a second reply, a byte at a time", 0, "+PONG\r\n+PONG\r\n",
	    4096, 1, REDISEV_UNASKED, 1, "PONG");
	serve("an error no command asked for", 0, "+PONG\r\n-ERR x\r\n",
	    4096, 0, REDISEV_UNASKED, 0, NULL);
	serve("a message on a connection not subscribed", 0,
	    "+PONG\r\n" MESSAGE, 4096, 0, REDISEV_UNASKED, 0, NULL);
}

static void
test_malformed(void)
{
	/* hiredis 0.14.1: an assert on element[0]'s type. */
	serve("a pub/sub array led by an integer", 1,
	    CONFIRM "*2\r\n:1\r\n:2\r\n", 4096, 0, REDISEV_MALFORMED, 0,
	    NULL);
	/* hiredis 0.14.1: reads element[2] of a two-element array. */
	serve("an unsubscribe of two elements", 1,
	    CONFIRM "*2\r\n$11\r\nunsubscribe\r\n$2\r\nch\r\n", 4096, 0,
	    REDISEV_MALFORMED, 0, NULL);
	serve("a message without its payload", 1,
	    CONFIRM "*2\r\n$7\r\nmessage\r\n$2\r\nch\r\n", 4096, 0,
	    REDISEV_MALFORMED, 0, NULL);
	serve("a message whose payload is nil", 1,
	    CONFIRM "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$-1\r\n", 4096, 0,
	    REDISEV_MALFORMED, 0, NULL);
	serve("a pmessage of three elements", 1,
	    CONFIRM "*3\r\n$8\r\npmessage\r\n$2\r\nch\r\n$1\r\nx\r\n", 4096,
	    0, REDISEV_MALFORMED, 0, NULL);
	serve("a status on a subscribed connection", 1,
	    CONFIRM "+OK\r\n", 4096, 0, REDISEV_MALFORMED, 0, NULL);
	serve("an unknown pub/sub kind", 1,
	    CONFIRM "*3\r\n$4\r\nsmsg\r\n$2\r\nch\r\n$1\r\nx\r\n", 4096, 0,
	    REDISEV_MALFORMED, 0, NULL);
	serve("not RESP", 0, "?what\r\n", 4096, 0, REDISEV_MALFORMED, 0,
	    NULL);
	serve("nested deeper than hiredis reads", 0,
	    "*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n",
	    4096, 0, REDISEV_MALFORMED, 0, NULL);
}

static void
test_oversize(void)
{
	char	big[300];

	/* A bulk string announced at 1000 bytes, sent a byte at a time. */
	memset(big, 'x', sizeof(big));
	memcpy(big, "$1000\r\n", 7);
	big[sizeof(big) - 1] = '\0';
	serve("a reply larger than the bound", 0, big, 64, 1,
	    REDISEV_OVERSIZE, 0, NULL);
	serve("a reply within the bound", 0, "$5\r\nhello\r\n", 64, 1,
	    NO_REFUSAL, 1, "hello");
}

int
main(void)
{
	char	dir[] = "/tmp/redisev_test.XXXXXX";

	if (mkdtemp(dir) == NULL) {
		perror("redisev_test: mkdtemp");
		return 1;
	}
	snprintf(sockpath, sizeof(sockpath), "%s/redis.sock", dir);
	signal(SIGPIPE, SIG_IGN);	/* the cases end with us writing */
	event_init();
	test_expected();
	test_unasked();
	test_malformed();
	test_oversize();
	rmdir(dir);
	return unit_exit_status();
}
