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
 * The sync process: this host's link to the Redis (or Valkey) server that
 * several mxallowd hosts share their whitelists through.  Unprivileged,
 * chrooted, no filesystem: the parent hands it the server's address (never
 * a name: nothing could resolve one here), the password and its limits.
 *
 * Two connections with hiredis: one for commands, one subscribed to the
 * channel (a subscribed connection takes no other commands).  On each
 * connect: AUTH, SELECT, SCRIPT LOAD and SUBSCRIBE; then a flush made
 * while Redis was away, this host's deletions of that time, a load of
 * what the others stored (scan.c), and last everything this host holds
 * (a dump from the parent, publish.c).  A heartbeat goes through the
 * channel every SYNC_HEARTBEAT seconds and must come back within
 * SYNC_DEAD: that checks both connections, Redis itself, and measures the
 * round trip.  Any failure drops both connections and tries again after
 * a backoff that doubles up to SYNC_BACKOFF_MAX seconds.  Meanwhile the
 * parent decides alone, on its own whitelist: it never waits for us.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "imsgev.h"
#include "log.h"
#include "redisev.h"
#include "sync.h"

#define SYNC_CONNECT_TIMEOUT	10	/* seconds to connect and subscribe */
#define SYNC_HEARTBEAT		2	/* seconds between heartbeats */
#define SYNC_DEAD		10	/* without a heartbeat back: reconnect */
#define SYNC_BACKOFF_MIN	1	/* seconds before connecting again */
#define SYNC_BACKOFF_MAX	30
#define SYNC_RESUME_MS		10	/* a paused reader looks again */

struct redisAsyncContext	*sync_cmd, *sync_sub;
struct sync_conf		 sync_conf;
struct wire_limits		 sync_limits;
struct sync_status		 sync_st;
char				 sync_channel[WIRE_CHANNEL_MAX];
char				 sync_sha[48];

static char		 host[INET6_ADDRSTRLEN];	/* what hiredis dials */
static char		 server[INET6_ADDRSTRLEN + 16];	/* for log lines */
static int		 configured, cmd_ready, sub_ready, status_dirty;
static int		 attempts, waiting_parent;
static int		 skip_load;	/* the last load met a huge reply */
static int		 backoff = SYNC_BACKOFF_MIN;
static time_t		 phase_start, hb_seen, hb_last;
static int64_t		 hb_sent_ms, hb_first_ms;
static struct event	 retry_ev, tick_ev, resume_ev;

static void	sync_before_drop(const struct child_init *, int);
static void	sync_after_drop(void);
static void	sync_dispatch(struct imsg *);
static void	sync_connect(int, short, void *);
static void	sync_tick(int, short, void *);
static void	sync_resume(int, short, void *);
static void	on_connect(const redisAsyncContext *, int);
static void	on_disconnect(const redisAsyncContext *, int);

static const struct child_ops sync_ops = {
	.role = PROC_SYNC,
	.before_drop = sync_before_drop,
	.after_drop = sync_after_drop,
	.syscalls = &seccomp_sync,
	.dispatch = sync_dispatch,
};

int64_t
sync_wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

time_t
sync_mono(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* The statistics changed: the parent hears of it on the next tick. */
void
sync_changed(void)
{
	status_dirty = 1;
}

static void
send_status(void)
{
	child_compose(IMSG_SYNC_STATUS, &sync_st, sizeof(sync_st));
	status_dirty = 0;
}

static void
set_state(enum sync_state s)
{
	sync_st.state = s;
	phase_start = sync_mono();
	send_status();
}

/*
 * Drop both connections and try again after the backoff.  Safe from any
 * hiredis callback: the contexts are forgotten first, so that the
 * callbacks their freeing runs (with no reply) find nothing of ours.
 */
void
sync_down(const char *fmt, ...)
{
	struct timeval		 tv;
	redisAsyncContext	*c = sync_cmd, *s = sync_sub;
	char			 why[256];
	va_list			 ap;
	int			 ms;

	sync_cmd = sync_sub = NULL;
	cmd_ready = sub_ready = 0;
	scan_stop();
	publish_stop();
	if (c != NULL)
		redisAsyncFree(c);
	if (s != NULL)
		redisAsyncFree(s);
	if (sync_st.state == SYNC_DOWN)
		return;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	/* Within 20% either side, so that hosts do not return in step. */
	ms = backoff * 800 + arc4random_uniform(backoff * 400 + 1);
	log_warnx("redis %s: %s; connecting again in %d.%d s", server, why,
	    ms / 1000, ms % 1000 / 100);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = ms % 1000 * 1000;
	evtimer_add(&retry_ev, &tv);
	if (backoff < SYNC_BACKOFF_MAX)
		backoff = backoff * 2 > SYNC_BACKOFF_MAX ? SYNC_BACKOFF_MAX :
		    backoff * 2;
	set_state(SYNC_DOWN);
}

/* Input we do not hand hiredis: whatever sent it, this connection goes. */
static void
conn_refuse(redisAsyncContext *ac, enum redisev_why why)
{
	switch (why) {
	case REDISEV_OVERSIZE:
		/* A key of that size would stop every load at the same place. */
		if (sync_st.state == SYNC_LOADING)
			skip_load = 1;
		sync_down("a reply of more than %d bytes, not read",
		    SYNC_REPLY_MAX);
		break;
	case REDISEV_UNASKED:
		sync_down("a reply that no command asked for");
		break;
	case REDISEV_MALFORMED:
		sync_down("a reply that is not RESP or not a subscription's");
		break;
	}
}

static redisAsyncContext *
conn_open(void)
{
	redisAsyncContext	*ac;

	if ((ac = redisAsyncConnect(host, sync_conf.port)) == NULL) {
		sync_down("cannot connect: out of memory");
		return NULL;
	}
	if (ac->err) {
		sync_down("cannot connect: %s", ac->errstr);
		redisAsyncFree(ac);
		return NULL;
	}
	if (redisev_attach(ac, SYNC_REPLY_MAX, conn_refuse) == -1)
		fatal("redisev_attach");
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	return ac;
}

static void
sync_connect(int fd, short event, void *arg)
{
	if (attempts++ > 0) {
		sync_st.reconnects++;
		log_info("redis %s: connecting", server);
	}
	set_state(SYNC_CONNECTING);
	if ((sync_cmd = conn_open()) == NULL)
		return;
	if ((sync_sub = conn_open()) == NULL)
		sync_down("second connection failed");
}

/*
 * A reply that is an error, or missing (the context is going): 0 after
 * dropping the connection (not for a missing one), else 1.
 */
static int
reply_ok(redisAsyncContext *ac, redisReply *r, const char *what)
{
	if (r == NULL || (ac != sync_cmd && ac != sync_sub))
		return 0;
	if (r->type == REDIS_REPLY_ERROR) {
		sync_down("%s: %.*s", what, r->len > 200 ? 200 : (int)r->len,
		    r->str);
		return 0;
	}
	return 1;
}

/*
 * The deletions made while away go first (publish_start), then the load;
 * once, after a load met a reply too big to read, none.
 */
static void
start_load(void)
{
	publish_start();
	if (!skip_load) {
		scan_load();
		return;
	}
	skip_load = 0;
	log_warnx("redis %s: not loading the stored entries this time: the "
	    "last load met a reply of more than %d bytes", server,
	    SYNC_REPLY_MAX);
	sync_loaded();
}

/* Both connections are set up: start the work. */
static void
maybe_ready(void)
{
	if (!cmd_ready || !sub_ready)
		return;
	log_info("redis %s: connected as %s", server, sync_conf.name);
	set_state(SYNC_LOADING);
	hb_seen = hb_last = sync_mono();
	hb_first_ms = hb_sent_ms = sync_wall_ms();
	if (publish_flush_pending())
		scan_purge();
	else
		start_load();
}

/* scan.c has finished a purge: what waited for it goes on. */
void
sync_purged(void)
{
	publish_flush_done();
	start_load();
}

/* scan.c has loaded what was stored: from now on, changes flow. */
void
sync_loaded(void)
{
	backoff = SYNC_BACKOFF_MIN;
	set_state(SYNC_UP);
	publish_dump();
}

static void
script_loaded(redisAsyncContext *ac, void *reply, void *arg)
{
	redisReply	*r = reply;

	if (!reply_ok(ac, r, "SCRIPT LOAD"))
		return;
	if (r->type != REDIS_REPLY_STRING || r->len != 40) {
		sync_down("SCRIPT LOAD: unexpected answer");
		return;
	}
	memcpy(sync_sha, r->str, 40);
	sync_sha[40] = '\0';
	cmd_ready = 1;
	maybe_ready();
}

/* AUTH and SELECT: "OK" or an error. */
static void
setup_done(redisAsyncContext *ac, void *reply, void *arg)
{
	reply_ok(ac, reply, arg);
}

/*
 * The subscription's replies: first the confirmation of SUBSCRIBE, then
 * a message per PUBLISH on the channel.
 */
static void
sub_reply(redisAsyncContext *ac, void *reply, void *arg)
{
	redisReply	*r = reply, **e;

	if (!reply_ok(ac, r, "SUBSCRIBE"))
		return;
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 3)
		return;
	e = r->element;
	if (e[0]->type != REDIS_REPLY_STRING)
		return;
	if (e[0]->len == 9 && memcmp(e[0]->str, "subscribe", 9) == 0) {
		sub_ready = 1;
		maybe_ready();
	} else if (e[0]->len == 7 && memcmp(e[0]->str, "message", 7) == 0 &&
	    e[2]->type == REDIS_REPLY_STRING)
		peer_message(e[2]->str, e[2]->len);
}

/* AUTH [user] password, if there is one; the secret is never logged. */
static void
conn_auth(redisAsyncContext *ac)
{
	const char	*argv[3];
	size_t		 argvlen[3];
	int		 argc = 0, i;

	if (sync_conf.password[0] == '\0')
		return;
	argv[argc++] = "AUTH";
	if (sync_conf.user[0] != '\0')
		argv[argc++] = sync_conf.user;
	argv[argc++] = sync_conf.password;
	for (i = 0; i < argc; i++)
		argvlen[i] = strlen(argv[i]);
	redisAsyncCommandArgv(ac, setup_done, "AUTH", argc, argv, argvlen);
}

static void
on_connect(const redisAsyncContext *cac, int status)
{
	redisAsyncContext	*ac = (redisAsyncContext *)cac;

	if (ac != sync_cmd && ac != sync_sub)
		return;
	if (status != REDIS_OK) {
		/* hiredis frees this one itself, after we return. */
		if (ac == sync_cmd)
			sync_cmd = NULL;
		else
			sync_sub = NULL;
		sync_down("cannot connect: %s", ac->errstr);
		return;
	}
	conn_auth(ac);
	if (ac == sync_cmd) {
		redisAsyncCommand(ac, setup_done, "SELECT", "SELECT %u",
		    sync_conf.db);
		redisAsyncCommand(ac, script_loaded, NULL, "SCRIPT LOAD %s",
		    sync_script);
	} else
		redisAsyncCommand(ac, sub_reply, NULL, "SUBSCRIBE %s",
		    sync_channel);
}

static void
on_disconnect(const redisAsyncContext *cac, int status)
{
	if (cac == sync_cmd)
		sync_cmd = NULL;
	else if (cac == sync_sub)
		sync_sub = NULL;
	else
		return;
	sync_down("connection lost%s%s", cac->errstr != NULL &&
	    cac->errstr[0] != '\0' ? ": " : "",
	    cac->errstr != NULL ? cac->errstr : "");
}

/*
 * A heartbeat under our name came back through Redis: one we sent on
 * this connection, or someone else's that does not count.
 */
void
sync_heartbeat_seen(int64_t sent_ms)
{
	if (sent_ms < hb_first_ms || sent_ms > hb_sent_ms)
		return;
	hb_seen = sync_mono();
	sync_st.rtt_ms = sync_wall_ms() - sent_ms;
	sync_changed();
}

static void
heartbeat_done(redisAsyncContext *ac, void *reply, void *arg)
{
	reply_ok(ac, reply, "PUBLISH");
}

static void
heartbeat(time_t now)
{
	char	msg[WIRE_TEXT_MAX];

	if (now - hb_last < SYNC_HEARTBEAT)
		return;
	hb_last = now;
	hb_sent_ms = sync_wall_ms();
	if (wire_header(sync_conf.name, hb_sent_ms, msg, sizeof(msg)) == 0)
		fatalx("heartbeat: header too long");
	redisAsyncCommand(sync_cmd, heartbeat_done, NULL, "PUBLISH %s %s",
	    sync_channel, msg);
}

/* Once a second: deadlines, the heartbeat, the statistics. */
static void
sync_tick(int fd, short event, void *arg)
{
	struct timeval	one_second = { 1, 0 };
	time_t		now = sync_mono();

	evtimer_add(&tick_ev, &one_second);
	if (sync_st.state == SYNC_CONNECTING &&
	    now - phase_start >= SYNC_CONNECT_TIMEOUT)
		sync_down("not connected within %d s", SYNC_CONNECT_TIMEOUT);
	else if (sync_st.state >= SYNC_LOADING) {
		/* A paused reader cannot see its heartbeat come back. */
		if (!waiting_parent && now - hb_seen >= SYNC_DEAD)
			sync_down("no heartbeat back in %d s", SYNC_DEAD);
		else
			heartbeat(now);
	}
	if (status_dirty)
		send_status();
}

/*
 * The parent has not taken what we sent: stop reading from Redis (the
 * subscription, and a load between its pages) until it has.
 */
void
sync_wait_parent(void)
{
	struct timeval	tv = { 0, SYNC_RESUME_MS * 1000 };

	if (waiting_parent)
		return;
	waiting_parent = 1;
	if (sync_sub != NULL)
		redisev_pause(sync_sub, 1);
	evtimer_add(&resume_ev, &tv);
}

static void
sync_resume(int fd, short event, void *arg)
{
	struct timeval	tv = { 0, SYNC_RESUME_MS * 1000 };

	if (peer_parent_busy()) {
		evtimer_add(&resume_ev, &tv);
		return;
	}
	waiting_parent = 0;
	hb_seen = sync_mono();
	if (sync_sub != NULL)
		redisev_pause(sync_sub, 0);
	scan_resume();
}

/* IMSG_SYNC_CONF: checked to the last field; the secret stays here. */
static void
sync_configure(struct imsg *imsg)
{
	struct sync_conf	*c = &sync_conf;

	if (configured)
		fatalx("%s received twice", i2s(imsg_get_type(imsg)));
	payload_get(imsg, c, sizeof(*c));
	if ((c->addr.af != AF_INET && c->addr.af != AF_INET6) ||
	    c->port == 0 || c->port > 65535 || c->db > REDIS_DB_MAX ||
	    memchr(c->user, '\0', sizeof(c->user)) == NULL ||
	    memchr(c->password, '\0', sizeof(c->password)) == NULL ||
	    !wire_prefix_ok(c->prefix) || !wire_name_ok(c->name) ||
	    c->whitelist_time == 0 || c->whitelist_time > MAX_WHITELIST_TIME ||
	    c->max_entries == 0 || c->prefix4 > 32 || c->prefix6 > 128)
		fatalx("%s: malformed", i2s(imsg_get_type(imsg)));
	configured = 1;
	sync_limits.prefix4 = c->prefix4;
	sync_limits.prefix6 = c->prefix6;
	sync_limits.lifetime = c->whitelist_time;
	if (inet_ntop(c->addr.af, &c->addr.u, host, sizeof(host)) == NULL)
		fatal("inet_ntop");
	snprintf(server, sizeof(server), c->addr.af == AF_INET6 ?
	    "[%s]:%u" : "%s:%u", host, c->port);
	if (wire_channel(c->prefix, c->db, sync_channel,
	    sizeof(sync_channel)) == 0)
		fatalx("%s: prefix too long", i2s(imsg_get_type(imsg)));
	sync_st.rtt_ms = sync_st.lag_ms = -1;
	log_debug("redis %s: db %u, prefix %s, channel %s", server, c->db,
	    c->prefix, sync_channel);
	sync_connect(0, 0, NULL);
}

static void
sync_dispatch(struct imsg *imsg)
{
	uint32_t	type = imsg_get_type(imsg);

	if (type != IMSG_SYNC_CONF && !configured)
		fatalx("%s before %s", i2s(type), i2s(IMSG_SYNC_CONF));
	switch (type) {
	case IMSG_SYNC_CONF:
		sync_configure(imsg);
		break;
	case IMSG_SYNC_PUSH:
		publish_push(imsg);
		break;
	case IMSG_SYNC_FLUSH:
		payload_get(imsg, NULL, 0);
		publish_flush();
		break;
	case IMSG_SYNC_DUMP_END:
		publish_dump_end(imsg);
		break;
	default:
		fatalx("unexpected %s from parent", i2s(type));
	}
}

static void
sync_before_drop(const struct child_init *init, int fd)
{
	uint32_t	seed;

	if (fd != -1)
		close(fd);
	/* Seed the generator (backoff jitter) while it can reach its source. */
	arc4random_buf(&seed, sizeof(seed));
}

static void
sync_after_drop(void)
{
	struct timeval	one_second = { 1, 0 };

#ifdef __OpenBSD__
	/* "dns": hiredis hands the address to getaddrinfo(3), no name. */
	if (pledge("stdio inet dns", NULL) == -1)
		fatal("pledge");
#endif
	evtimer_set(&retry_ev, sync_connect, NULL);
	evtimer_set(&resume_ev, sync_resume, NULL);
	evtimer_set(&tick_ev, sync_tick, NULL);
	evtimer_add(&tick_ev, &one_second);
}

void
sync_main(const struct child_logopts *lo)
{
	child_main(&sync_ops, lo);
}
