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
 * DNS queries on c-ares, driven from the libevent loop.
 *
 * One c-ares channel per nameserver, all created before the privilege drop
 * and the chroot: c-ares reads its random seed (and resolv.conf, whose
 * settings every option below overrides) when a channel is made, and
 * nothing once the process sees no files.  A new list of nameservers is
 * set on the existing channels.
 *
 * Why one channel per server: c-ares 1.18 sends every query to its first
 * server first, so a dead first server would cost its timeout on every
 * lookup, and it refuses a new server list while queries are out.  Here
 * each query goes to the first server not marked down; a server that
 * times out (or refuses the connection) is marked down, with a backoff,
 * and the query moves on to the next.  A dead first server costs one
 * timeout, not one per lookup.  Nothing is ever sent to find out whether a
 * server is back: it is asked again, by a real query, once its backoff is
 * over.  A server that answers SERVFAIL or garbage is not down (the
 * fault may be the name's), but the query still moves on.
 *
 * Every query's callback runs exactly once: with the answer, with a
 * failure, or DNS_CANCELLED when the servers change under it.  It may run
 * before dns_query() returns.
 *
 * c-ares tells which sockets to watch through its socket state callback;
 * each gets a persistent event, and each channel a timer for its next
 * timeout (ares_timeout).  What protects the answers: c-ares matches each
 * answer to its query by id (from its seeded generator), question and
 * server address, and falls back to TCP for a truncated answer; sockets
 * are closed when a channel is idle, so each burst of queries leaves from
 * a new port the kernel picks at random; where the c-ares in use has them
 * (newer releases), one UDP socket per query and 0x20 case randomization
 * are turned on as well.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#define CARES_NO_DEPRECATED	/* the classic API, kept by newer c-ares */
#include <ares.h>
#include <event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns.h"
#include "log.h"

#define DNS_TIMEOUT_MS		1500	/* first try; c-ares doubles it */
#define DNS_TRIES		2	/* per server: 1.5 + 3 s at most */
#define DNS_EDNS_SIZE		1232	/* the size DNS flag day 2020 chose */
#define DNS_DOWN_MIN		60	/* seconds a failed server is skipped */
#define DNS_DOWN_MAX		1800	/* the backoff's ceiling */
#define DNS_MAX_SOCKS		ARES_GETSOCK_MAXNUM	/* per channel */

struct dns_chan;

/* A socket c-ares asked us to watch. */
struct dns_sock {
	struct dns_chan	*chan;
	int		 fd;		/* -1: slot free */
	short		 events;
	struct event	 ev;
};

/* One nameserver and its channel. */
struct dns_chan {
	ares_channel	 channel;
	unsigned int	 index;
	struct mxaddr	 server;
	time_t		 down_until;	/* monotonic; 0: up */
	unsigned int	 failures;	/* in a row */
	struct event	 timer;
	struct dns_sock	 socks[DNS_MAX_SOCKS];
};

/* One query, while it moves from server to server. */
struct dns_query {
	char		 name[RDNS_NAME_MAX];
	int		 type;
	dns_cb		 cb;
	void		*arg;
	uint32_t	 tried;		/* bit per server index */
	unsigned int	 server;
};

static struct dns_chan	chans[MAX_NAMESERVERS];
static unsigned int	nservers;
static int		initialised, reconfiguring;

static void	dns_sent(struct dns_query *, unsigned int);

static time_t
dns_now(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("clock_gettime");
	return ts.tv_sec;
}

static const char *
server_str(const struct dns_chan *c, char *buf, size_t len)
{
	if (inet_ntop(c->server.af, &c->server.u, buf, len) == NULL)
		strlcpy(buf, "?", len);
	return buf;
}

/* Arm the channel's timer for its next timeout, or not at all. */
static void
chan_rearm(struct dns_chan *c)
{
	struct timeval	tv, *next;

	if ((next = ares_timeout(c->channel, NULL, &tv)) == NULL) {
		evtimer_del(&c->timer);
		return;
	}
	if (evtimer_add(&c->timer, next) == -1)
		fatal("evtimer_add");
}

static void
chan_timeout(int fd, short event, void *arg)
{
	struct dns_chan	*c = arg;

	ares_process_fd(c->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	chan_rearm(c);
}

static void
sock_ready(int fd, short event, void *arg)
{
	struct dns_sock	*s = arg;
	struct dns_chan	*c = s->chan;

	ares_process_fd(c->channel,
	    (event & EV_READ) ? fd : ARES_SOCKET_BAD,
	    (event & EV_WRITE) ? fd : ARES_SOCKET_BAD);
	chan_rearm(c);
}

/*
 * c-ares opened a socket, wants other events on it, or is about to close
 * it (neither readable nor writable).  The slots are fixed, so an event
 * deleted from inside its own callback is never freed under libevent.
 */
static void
sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct dns_chan	*c = data;
	struct dns_sock	*s = NULL;
	short		 events;
	int		 i;

	for (i = 0; i < DNS_MAX_SOCKS; i++) {
		if (c->socks[i].fd == fd) {
			s = &c->socks[i];
			break;
		}
		if (s == NULL && c->socks[i].fd == -1)
			s = &c->socks[i];
	}
	events = (readable ? EV_READ : 0) | (writable ? EV_WRITE : 0);
	if (s == NULL) {
		/* c-ares keeps a UDP and a TCP socket per server. */
		fatalx("dns: more than %d sockets on one channel",
		    DNS_MAX_SOCKS);
	}
	if (s->fd == fd && s->events == events)
		return;
	if (s->fd == fd)
		event_del(&s->ev);
	if (events == 0) {
		s->fd = -1;
		s->events = 0;
		return;
	}
	s->fd = fd;
	s->events = events;
	event_set(&s->ev, fd, events | EV_PERSIST, sock_ready, s);
	if (event_add(&s->ev, NULL) == -1)
		fatal("event_add");
}

/*
 * Before the privilege drop: a channel per possible server, each with a
 * placeholder server until the parent sends the real ones.  No search
 * domains, no hosts file, no rotation: every name is asked as given, of
 * the one server of its channel.
 */
void
dns_init(void)
{
	struct ares_options	 o;
	struct in_addr		 placeholder;
	struct dns_chan		*c;
	unsigned int		 i;
	int			 mask, j, r;

	if ((r = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS)
		fatalx("c-ares: %s", ares_strerror(r));
	placeholder.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < MAX_NAMESERVERS; i++) {
		c = &chans[i];
		c->index = i;
		for (j = 0; j < DNS_MAX_SOCKS; j++) {
			c->socks[j].chan = c;
			c->socks[j].fd = -1;
		}
		evtimer_set(&c->timer, chan_timeout, c);

		memset(&o, 0, sizeof(o));
		o.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES |
		    ARES_FLAG_EDNS;
#ifdef ARES_FLAG_DNS0x20
		o.flags |= ARES_FLAG_DNS0x20;
#endif
		o.timeout = DNS_TIMEOUT_MS;
		o.tries = DNS_TRIES;
		o.ndots = 1;
		o.servers = &placeholder;
		o.nservers = 1;
		o.domains = NULL;
		o.ndomains = 0;
		o.lookups = "b";
		o.sock_state_cb = sock_state;
		o.sock_state_cb_data = c;
		o.ednspsz = DNS_EDNS_SIZE;
		mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
		    ARES_OPT_NDOTS | ARES_OPT_SERVERS | ARES_OPT_DOMAINS |
		    ARES_OPT_LOOKUPS | ARES_OPT_SOCK_STATE_CB |
		    ARES_OPT_EDNSPSZ | ARES_OPT_NOROTATE;
#ifdef ARES_OPT_UDP_MAX_QUERIES
		o.udp_max_queries = 1;
		mask |= ARES_OPT_UDP_MAX_QUERIES;
#endif
#ifdef ARES_OPT_QUERY_CACHE
		o.qcache_max_ttl = 0;	/* the callers keep what they need */
		mask |= ARES_OPT_QUERY_CACHE;
#endif
		if ((r = ares_init_options(&c->channel, &o, mask)) !=
		    ARES_SUCCESS)
			fatalx("c-ares channel: %s", ares_strerror(r));
	}
	initialised = 1;
}

/*
 * Use servers from now on, up to MAX_NAMESERVERS of them; returns how many
 * took.  Queries still out are cancelled first (c-ares refuses a new list
 * while any is): their callbacks run now, with DNS_CANCELLED.
 */
unsigned int
dns_set_servers(const struct mxaddr *servers, unsigned int n)
{
	struct dns_chan	*c;
	char		 addr[INET6_ADDRSTRLEN], csv[INET6_ADDRSTRLEN + 16];
	unsigned int	 i;
	int		 r;

	if (!initialised)
		fatalx("dns_set_servers before dns_init");
	reconfiguring = 1;
	for (i = 0; i < MAX_NAMESERVERS; i++) {
		ares_cancel(chans[i].channel);
		chan_rearm(&chans[i]);
	}
	reconfiguring = 0;

	nservers = 0;
	for (i = 0; i < n && i < MAX_NAMESERVERS; i++) {
		c = &chans[nservers];
		c->server = servers[i];
		c->down_until = 0;
		c->failures = 0;
		server_str(c, addr, sizeof(addr));
		snprintf(csv, sizeof(csv), servers[i].af == AF_INET6 ?
		    "[%s]:53" : "%s:53", addr);
		if ((r = ares_set_servers_ports_csv(c->channel, csv)) !=
		    ARES_SUCCESS) {
			log_warnx("nameserver %s: cannot use it: %s", addr,
			    ares_strerror(r));
			continue;
		}
		nservers++;
	}
	return nservers;
}

unsigned int
dns_nservers(void)
{
	return nservers;
}

static int
server_down(const struct dns_chan *c, time_t now)
{
	return c->down_until > now;
}

/*
 * The server to ask first: the first one up; when all are down, the one
 * whose backoff ends first, so that a query is still asked somewhere.
 */
static unsigned int
first_server(void)
{
	time_t		now = dns_now();
	unsigned int	i, best = 0;

	for (i = 0; i < nservers; i++) {
		if (!server_down(&chans[i], now))
			return i;
		if (chans[i].down_until < chans[best].down_until)
			best = i;
	}
	return best;
}

/* The next server up that q has not asked; -1 when there is none. */
static int
next_server(const struct dns_query *q)
{
	time_t		now = dns_now();
	unsigned int	i;

	for (i = 0; i < nservers; i++)
		if (!(q->tried & (1U << i)) && !server_down(&chans[i], now))
			return (int)i;
	return -1;
}

static void
server_failed(struct dns_chan *c, const char *why)
{
	char		addr[INET6_ADDRSTRLEN];
	unsigned int	secs;

	secs = DNS_DOWN_MIN;
	if (c->failures < 16)
		secs <<= c->failures;
	if (secs > DNS_DOWN_MAX || c->failures >= 16)
		secs = DNS_DOWN_MAX;
	if (c->failures == 0)
		log_warnx("nameserver %s: %s; asking the others first for "
		    "%u seconds", server_str(c, addr, sizeof(addr)), why, secs);
	else
		log_debug("nameserver %s: %s again; skipped for %u seconds",
		    server_str(c, addr, sizeof(addr)), why, secs);
	c->failures++;
	c->down_until = dns_now() + secs;
}

static void
server_answered(struct dns_chan *c)
{
	char	addr[INET6_ADDRSTRLEN];

	if (c->failures > 0)
		log_info("nameserver %s answers again",
		    server_str(c, addr, sizeof(addr)));
	c->failures = 0;
	c->down_until = 0;
}

/*
 * Skip a name in wire format at off (labels, maybe ending in a compression
 * pointer); returns the offset after it, or -1 if it runs off the end.
 */
static int
skip_name(const unsigned char *b, int len, int off)
{
	unsigned int	l;

	while (off < len) {
		l = b[off];
		if ((l & 0xc0) == 0xc0)
			return off + 2 <= len ? off + 2 : -1;
		if ((l & 0xc0) != 0)
			return -1;
		off += 1 + l;
		if (l == 0)
			return off;
	}
	return -1;
}

/*
 * The smallest TTL among the answer records of type, or among all of them
 * when none has that type (an answer that is all CNAMEs); 0 when the
 * answer cannot be walked.  c-ares has checked the header and question.
 */
static uint32_t
answer_ttl(const unsigned char *b, int len, int type)
{
	unsigned int	qd, an, i, rtype, rdlen;
	uint32_t	ttl, of_type = UINT32_MAX, any = UINT32_MAX;
	int		off = 12;

	if (len < 12)
		return 0;
	qd = (unsigned int)b[4] << 8 | b[5];
	an = (unsigned int)b[6] << 8 | b[7];
	for (i = 0; i < qd; i++)
		if ((off = skip_name(b, len, off)) == -1 || (off += 4) > len)
			return 0;
	for (i = 0; i < an; i++) {
		if ((off = skip_name(b, len, off)) == -1 || off + 10 > len)
			return 0;
		rtype = (unsigned int)b[off] << 8 | b[off + 1];
		ttl = (uint32_t)b[off + 4] << 24 | (uint32_t)b[off + 5] << 16 |
		    (uint32_t)b[off + 6] << 8 | b[off + 7];
		ttl &= 0x7fffffff;	/* RFC 2181: the top bit means 0 */
		rdlen = (unsigned int)b[off + 8] << 8 | b[off + 9];
		off += 10 + rdlen;
		if (off > len)
			return 0;
		if (ttl < any)
			any = ttl;
		if ((int)rtype == type && ttl < of_type)
			of_type = ttl;
	}
	if (of_type != UINT32_MAX)
		return of_type;
	return any != UINT32_MAX ? any : 0;
}

static void
query_done(struct dns_query *q, enum dns_result result,
    const unsigned char *abuf, int alen, uint32_t ttl)
{
	q->cb(result, abuf, alen, ttl, q->arg);
	free(q);
}

/* c-ares is done with q on its current server. */
static void
ares_done(void *arg, int status, int timeouts, unsigned char *abuf,
    int alen)
{
	struct dns_query	*q = arg;
	struct dns_chan		*c = &chans[q->server];
	int			 next;

	switch (status) {
	case ARES_SUCCESS:
		server_answered(c);
		query_done(q, DNS_OK, abuf, alen,
		    answer_ttl(abuf, alen, q->type));
		return;
	case ARES_ENOTFOUND:
		server_answered(c);
		query_done(q, DNS_NXDOMAIN, NULL, 0, 0);
		return;
	case ARES_ENODATA:
		server_answered(c);
		query_done(q, DNS_NODATA, NULL, 0, 0);
		return;
	case ARES_ECANCELLED:
	case ARES_EDESTRUCTION:
		query_done(q, DNS_CANCELLED, NULL, 0, 0);
		return;
	case ARES_ETIMEOUT:
	case ARES_ECONNREFUSED:
		server_failed(c, ares_strerror(status));
		break;
	case ARES_ESERVFAIL:
	case ARES_EREFUSED:
	case ARES_EFORMERR:
	case ARES_ENOTIMP:
	case ARES_EBADRESP:
		break;			/* another server may know better */
	default:			/* ours: out of memory, a bad name */
		query_done(q, DNS_FAILED, NULL, 0, 0);
		return;
	}
	log_debug("dns %s type %d: %s", q->name, q->type,
	    ares_strerror(status));
	if ((next = next_server(q)) == -1)
		query_done(q, DNS_FAILED, NULL, 0, 0);
	else
		dns_sent(q, (unsigned int)next);
}

static void
dns_sent(struct dns_query *q, unsigned int server)
{
	q->server = server;
	q->tried |= 1U << server;
	ares_query(chans[server].channel, q->name, 1 /* C_IN */, q->type,
	    ares_done, q);
	chan_rearm(&chans[server]);
}

/* Ask for name's records of type; cb runs exactly once, maybe at once. */
void
dns_query(const char *name, int type, dns_cb cb, void *arg)
{
	struct dns_query	*q;

	if (reconfiguring || nservers == 0) {
		cb(DNS_CANCELLED, NULL, 0, 0, arg);
		return;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL) {
		log_warn("dns query");
		cb(DNS_FAILED, NULL, 0, 0, arg);
		return;
	}
	if (strlcpy(q->name, name, sizeof(q->name)) >= sizeof(q->name)) {
		free(q);
		cb(DNS_FAILED, NULL, 0, 0, arg);
		return;
	}
	q->type = type;
	q->cb = cb;
	q->arg = arg;
	dns_sent(q, first_server());
}

/* The in-addr.arpa or ip6.arpa name of a; 0, or -1 if it does not fit. */
int
dns_reverse_name(const struct mxaddr *a, char *buf, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	const uint8_t		*b = a->u.bytes;
	size_t			 o = 0;
	int			 i, n;

	if (a->af == AF_INET) {
		n = snprintf(buf, len, "%u.%u.%u.%u.in-addr.arpa", b[3], b[2],
		    b[1], b[0]);
		return n < 0 || (size_t)n >= len ? -1 : 0;
	}
	if (a->af != AF_INET6 || len < 16 * 4 + sizeof("ip6.arpa"))
		return -1;
	for (i = 15; i >= 0; i--) {
		buf[o++] = hex[b[i] & 0x0f];
		buf[o++] = '.';
		buf[o++] = hex[b[i] >> 4];
		buf[o++] = '.';
	}
	strlcpy(buf + o, "ip6.arpa", len - o);
	return 0;
}

const char *
dns_result_str(enum dns_result r)
{
	switch (r) {
	case DNS_OK:
		return "answered";
	case DNS_NXDOMAIN:
		return "no such name";
	case DNS_NODATA:
		return "no records of that type";
	case DNS_FAILED:
		return "failed (timeout, server failure or bad answer)";
	case DNS_CANCELLED:
		return "cancelled: the nameservers changed";
	}
	return "?";
}
