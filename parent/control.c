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
 * The control socket: mxallowctl's way in (see common/control.h for the
 * protocol).  The parent listens on a unix socket only root can connect
 * to; each client is an imsg channel on the event loop.  Nothing here may
 * block or grow without bound, whatever a client does: at most
 * CTL_MAX_CLIENTS at once, requests answered one at a time, no new request
 * read while a client's answers are still queued, a whitelist listing
 * taken as a snapshot and written out batch by batch as the socket drains.
 * A client that breaks the framing is disconnected; a request that is
 * merely wrong gets a CTL_ERROR answer.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <err.h>
#include <errno.h>
#include <event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "config.h"
#include "control.h"
#include "imsgev.h"
#include "log.h"
#include "parent.h"
#include "spf.h"

#define CTL_MAX_CLIENTS		16	/* more wait in the listen queue */
#define CTL_BACKLOG		16
#define CTL_QUEUE_MAX		16	/* answers queued before we stop reading */
#define CTL_MAX_REQUESTS	64	/* per connection; mxallowctl sends one */
#define CTL_MAX_LISTINGS	4	/* whitelist snapshots at once */

/* A batch must fit in one imsg, header included. */
typedef char ctl_batch_fits[(CTL_WL_BATCH * sizeof(struct ctl_wl_entry) +
    IMSG_HEADER_SIZE <= MAX_IMSGSIZE) ? 1 : -1];
typedef char ctl_al_batch_fits[(CTL_AL_BATCH * sizeof(struct ctl_al_entry) +
    IMSG_HEADER_SIZE <= MAX_IMSGSIZE) ? 1 : -1];

/* show allowlist: the names first, then the entries that refer to them. */
struct al_listing {
	struct ctl_al_name	*names;
	size_t			 nnames, names_sent;
	struct ctl_al_entry	*entries;
	size_t			 n, sent, cap;
	int			 failed;	/* out of memory */
};

struct ctl_conn {
	TAILQ_ENTRY(ctl_conn)	 entry;
	struct imsgev		 iev;
	struct ctl_wl_entry	*list;		/* a listing being sent */
	size_t			 nlist;
	size_t			 nsent;
	struct al_listing	*al;		/* or this one */
	unsigned int		 nrequests;
	int			 closing;	/* close once the output is out */
};

TAILQ_HEAD(ctl_conns, ctl_conn);

static struct ctl_conns			 conns = TAILQ_HEAD_INITIALIZER(conns);
static const struct mxallowd_conf	*conf;
static unsigned int			 nconns, nlistings;
static struct event			 listen_ev, pause_ev;
static int				 listen_fd = -1, accepting;
static char				 sock_path[sizeof(((struct sockaddr_un *)
					    NULL)->sun_path)];
static dev_t				 sock_dev;
static ino_t				 sock_ino;
static pid_t				 sock_owner;

static void	control_accept(int, short, void *);
static void	control_dispatch(int, short, void *);
static void	control_close(struct ctl_conn *);
static void	al_free(struct al_listing *);
static void	control_refill_allowlist(struct ctl_conn *);
static void	control_cleanup(void);

/*
 * Create the socket, before the daemon forks away from the terminal so
 * that every reason not to start is an error there.  A socket left by a
 * daemon that died is replaced; one that answers means another mxallowd
 * runs, and we must not take its socket away.
 */
void
control_init(const char *path)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	mode_t			 old_umask;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		errx(1, "control socket %s: path too long", path);

	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			errx(1, "control socket %s exists and is not a socket",
			    path);
		/* Non-blocking: a full backlog (EAGAIN) is in use too. */
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)) ==
		    -1)
			err(1, "socket");
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0 ||
		    errno == EAGAIN || errno == EINPROGRESS)
			errx(1, "control socket %s is in use: another "
			    "mxallowd is running", path);
		close(fd);
		if (unlink(path) == -1 && errno != ENOENT)
			err(1, "unlink %s", path);
	} else if (errno != ENOENT)
		err(1, "control socket %s", path);

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		err(1, "socket");
	/* Root only: never a moment with a looser mode. */
	old_umask = umask(S_IRWXG | S_IRWXO | S_IXUSR);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		err(1, "control socket %s: bind", path);
	umask(old_umask);
	if (chmod(path, S_IRUSR | S_IWUSR) == -1 ||
	    lstat(path, &st) == -1) {
		warn("control socket %s", path);
		unlink(path);
		exit(1);
	}
	if (listen(fd, CTL_BACKLOG) == -1) {
		warn("control socket %s: listen", path);
		unlink(path);
		exit(1);
	}
	strlcpy(sock_path, path, sizeof(sock_path));
	sock_dev = st.st_dev;
	sock_ino = st.st_ino;
	sock_owner = getpid();
	listen_fd = fd;
	atexit(control_cleanup);
}

/*
 * Remove the socket at exit: only from the process that made it (not a
 * child between fork and exec) and only if it is still ours.
 */
static void
control_cleanup(void)
{
	struct stat	st;

	if (listen_fd == -1 || getpid() != sock_owner)
		return;
	if (lstat(sock_path, &st) == 0 && st.st_dev == sock_dev &&
	    st.st_ino == sock_ino)
		unlink(sock_path);
}

static void
control_accept_on(void)
{
	if (accepting || listen_fd == -1)
		return;
	if (event_add(&listen_ev, NULL) == -1)
		fatal("event_add");
	accepting = 1;
}

static void
control_accept_off(void)
{
	if (!accepting)
		return;
	event_del(&listen_ev);
	accepting = 0;
}

static void
control_resume(int fd, short event, void *arg)
{
	if (nconns < CTL_MAX_CLIENTS)
		control_accept_on();
}

/* Start serving, from the event loop; c is the running configuration. */
void
control_listen(const struct mxallowd_conf *c)
{
	conf = c;
	if (listen_fd == -1)
		return;
	/* daemon(3) forked: this is the process that removes the socket. */
	sock_owner = getpid();
	event_set(&listen_ev, listen_fd, EV_READ | EV_PERSIST, control_accept,
	    NULL);
	evtimer_set(&pause_ev, control_resume, NULL);
	control_accept_on();
	log_debug("control socket %s", sock_path);
}

static void
control_accept(int fd, short event, void *arg)
{
	struct timeval	 one_second = { 1, 0 };
	struct ctl_conn	*c;
	int		 cfd;

	if ((cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) ==
	    -1) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM) {
			/* Out of something: try again in a moment. */
			log_warn("control: accept");
			control_accept_off();
			evtimer_add(&pause_ev, &one_second);
		} else if (errno != EINTR && errno != EAGAIN &&
		    errno != ECONNABORTED)
			log_warn("control: accept");
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("control: client");
		close(cfd);
		return;
	}
	if (imsgbuf_init(&c->iev.ibuf, cfd) == -1) {
		log_warn("control: client");
		close(cfd);
		free(c);
		return;
	}
	c->iev.handler = control_dispatch;
	c->iev.peer = "control client";
	c->iev.events = 0;
	TAILQ_INSERT_TAIL(&conns, c, entry);
	if (++nconns >= CTL_MAX_CLIENTS)
		control_accept_off();
	control_dispatch(cfd, 0, c);
}

static void
control_close(struct ctl_conn *c)
{
	TAILQ_REMOVE(&conns, c, entry);
	if (c->list != NULL) {
		free(c->list);
		nlistings--;
	}
	if (c->al != NULL) {
		al_free(c->al);
		nlistings--;
	}
	imsgev_close(&c->iev);
	free(c);
	nconns--;
	if (!evtimer_pending(&pause_ev, NULL))
		control_accept_on();
}

/*
 * Arm the client's event: read only while it has no answer still queued
 * and no listing under way (that bounds what one client makes us hold),
 * write while output is queued.
 */
static void
control_arm(struct ctl_conn *c)
{
	struct imsgev	*iev = &c->iev;
	short		 events = 0;

	if (!c->closing && c->list == NULL && c->al == NULL &&
	    imsgbuf_queuelen(&iev->ibuf) < CTL_QUEUE_MAX)
		events |= EV_READ;
	if (imsgbuf_queuelen(&iev->ibuf) > 0)
		events |= EV_WRITE;
	if (events == iev->events)
		return;
	if (iev->events != 0)
		event_del(&iev->ev);
	iev->events = events;
	if (events == 0)
		return;
	event_set(&iev->ev, iev->ibuf.fd, events | EV_PERSIST, iev->handler,
	    c);
	if (event_add(&iev->ev, NULL) == -1)
		fatal("event_add");
}

static void
control_compose(struct ctl_conn *c, uint32_t type, const void *data,
    size_t len)
{
	/* Out of memory for one answer: this client goes, not the daemon. */
	if (imsg_compose(&c->iev.ibuf, type, 0, 0, -1, data, len) == -1) {
		log_warn("control: compose");
		c->closing = 1;
	}
}

static void
control_answer(struct ctl_conn *c, uint32_t type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
control_answer(struct ctl_conn *c, uint32_t type, const char *fmt, ...)
{
	struct ctl_text	t;
	va_list		ap;

	memset(&t, 0, sizeof(t));
	va_start(ap, fmt);
	vsnprintf(t.text, sizeof(t.text), fmt, ap);
	va_end(ap);
	control_compose(c, type, &t, sizeof(t));
}

/* The payload of a request, exactly size bytes (0: none); -1 if not. */
static int
control_payload(struct ctl_conn *c, struct imsg *imsg, void *buf,
    size_t size)
{
	if (size == 0 ? imsg_get_len(imsg) == 0 :
	    imsg_get_data(imsg, buf, size) == 0)
		return 0;
	control_answer(c, CTL_ERROR, "bad request: type %u with %zu bytes",
	    imsg_get_type(imsg), imsg_get_len(imsg));
	return -1;
}

/* An address from a request: NUL-terminated and an IPv4 or IPv6 one. */
static int
control_addr(struct ctl_conn *c, const char *s, struct mxaddr *a)
{
	if (memchr(s, '\0', CTL_ADDR_MAX) == NULL) {
		control_answer(c, CTL_ERROR, "bad request: unterminated "
		    "address");
		return -1;
	}
	if (mxaddr_parse(s, a) == -1) {
		control_answer(c, CTL_ERROR, "%s: not an IPv4 or IPv6 address",
		    s);
		return -1;
	}
	return 0;
}

/* No default: a new reason must get a name here (-Wswitch). */
static uint32_t
control_reason(enum wl_reason r)
{
	switch (r) {
	case WL_FAKE_HIT:
		return CTL_REASON_FAKE_HIT;
	case WL_RDNS:
		return CTL_REASON_RDNS;
	case WL_MANUAL:
	case WL_NREASONS:
		break;
	}
	return CTL_REASON_MANUAL;
}

/* The snapshot of a listing: what the iterators yield, into c->list. */
struct snapshot {
	struct ctl_wl_entry	*list;
	size_t			 n, max;
};

static void
snapshot_entry(const struct wl_view *v, void *arg)
{
	struct snapshot		*s = arg;
	struct ctl_wl_entry	*e;

	if (s->n == s->max)
		return;
	e = &s->list[s->n++];
	e->net = v->net;
	e->prefixlen = v->prefixlen;
	e->reason = control_reason(v->reason);
	e->confirmed = v->confirmed ? 1 : 0;
	e->expires = v->expires;	/* absolute until it is sent */
}

static void
snapshot_allowed(const struct mxaddr *net, unsigned int prefixlen,
    void *arg)
{
	struct snapshot		*s = arg;
	struct ctl_wl_entry	*e;

	if (s->n == s->max)
		return;
	e = &s->list[s->n++];
	e->net = *net;
	e->prefixlen = prefixlen;
	e->reason = CTL_REASON_ALLOWLIST;
	e->confirmed = CTL_CONFIRMED_NA;
	e->expires = CTL_EXPIRES_NEVER;
}

/*
 * show whitelist: copy the entries now (40 bytes each, the whitelist's own
 * are larger) and send them as the client reads; the listing is what the
 * whitelist held when the request came.
 */
static void
control_show_whitelist(struct ctl_conn *c)
{
	struct snapshot	s;

	if (nlistings >= CTL_MAX_LISTINGS) {
		control_answer(c, CTL_ERROR, "busy: %u listings under way, "
		    "try again", nlistings);
		return;
	}
	memset(&s, 0, sizeof(s));
	/* The iterators only ever yield fewer: expiry runs first. */
	s.max = policy_count() + policy_count_allowed();
	if ((s.list = calloc(s.max > 0 ? s.max : 1, sizeof(*s.list))) ==
	    NULL) {
		log_warn("control: show whitelist");
		control_answer(c, CTL_ERROR, "out of memory");
		return;
	}
	policy_foreach(snapshot_entry, &s);
	policy_foreach_allowed(snapshot_allowed, &s);
	c->list = s.list;
	c->nlist = s.n;
	c->nsent = 0;
	nlistings++;
}

/* Queue the next batches of a listing, up to the bound; END when done. */
static void
control_refill(struct ctl_conn *c)
{
	struct ctl_wl_entry	*e;
	time_t			 now;
	size_t			 n, i;

	if (c->al != NULL)
		control_refill_allowlist(c);
	if (c->list == NULL)
		return;
	now = policy_now();
	while (!c->closing && c->nsent < c->nlist &&
	    imsgbuf_queuelen(&c->iev.ibuf) < CTL_QUEUE_MAX) {
		e = &c->list[c->nsent];
		n = c->nlist - c->nsent;
		if (n > CTL_WL_BATCH)
			n = CTL_WL_BATCH;
		/* Seconds left as of this batch. */
		for (i = 0; i < n; i++)
			if (e[i].expires != CTL_EXPIRES_NEVER)
				e[i].expires = e[i].expires > now ?
				    e[i].expires - now : 0;
		control_compose(c, CTL_WL_ENTRIES, e, n * sizeof(*e));
		c->nsent += n;
	}
	if (c->nsent == c->nlist && !c->closing) {
		control_compose(c, CTL_END, NULL, 0);
		free(c->list);
		c->list = NULL;
		nlistings--;
	}
}

static void
al_free(struct al_listing *l)
{
	free(l->names);
	free(l->entries);
	free(l);
}

/* A name for the listing: its id. */
static uint32_t
al_name(struct al_listing *l, const char *name)
{
	struct ctl_al_name	*nm = &l->names[l->nnames];

	memset(nm, 0, sizeof(*nm));
	nm->id = ++l->nnames;
	if (strlcpy(nm->name, name, sizeof(nm->name)) >= sizeof(nm->name))
		strlcpy(nm->name + sizeof(nm->name) - 4, "...", 4);
	return nm->id;
}

static struct ctl_al_entry *
al_entry(struct al_listing *l)
{
	struct ctl_al_entry	*e;

	if ((e = array_room(l->entries, l->n, &l->cap,
	    sizeof(*e), 256)) == NULL) {
		l->failed = 1;
		return NULL;
	}
	l->entries = e;
	e = &l->entries[l->n++];
	memset(e, 0, sizeof(*e));
	return e;
}

/* The file's networks: all with the file's name (id 1). */
static void
al_file_entry(const struct mxaddr *net, unsigned int prefixlen, void *arg)
{
	struct al_listing	*l = arg;
	struct ctl_al_entry	*e;

	if ((e = al_entry(l)) == NULL)
		return;
	e->net = *net;
	e->prefixlen = prefixlen;
	e->origin = CTL_ORIGIN_FILE;
	e->source = 1;
	e->age = -1;
}

/* One domain's last good walk: its name, its records', its networks. */
static void
al_spf_walk(const struct spf_saved *sv, void *arg)
{
	struct al_listing	*l = arg;
	struct ctl_al_entry	*e;
	uint32_t		 domain, first = 0;
	time_t			 now = time(NULL);
	size_t			 i;

	if (l->nnames + 1 + sv->nrecords > CTL_AL_NAMES_MAX)
		return;
	domain = al_name(l, sv->domain);
	for (i = 0; i < sv->nrecords; i++) {
		if (i == 0)
			first = l->nnames + 1;
		al_name(l, sv->records[i]);
	}
	for (i = 0; i < sv->nnets && sv->nets[i].record < sv->nrecords; i++) {
		if ((e = al_entry(l)) == NULL)
			return;
		e->net = sv->nets[i].net;
		e->prefixlen = sv->nets[i].prefixlen;
		e->origin = CTL_ORIGIN_SPF;
		e->source = domain;
		e->record = first + sv->nets[i].record;
		e->mech = sv->nets[i].mech;
		e->age = now > sv->walked ? now - sv->walked : 0;
	}
}

/*
 * show allowlist: like show whitelist, a snapshot sent as the client
 * reads: the allowlist file's networks, then each domain's last good
 * SPF walk, every network with the domain and the record that listed it.
 */
static void
control_show_allowlist(struct ctl_conn *c)
{
	struct al_listing	*l;

	if (nlistings >= CTL_MAX_LISTINGS) {
		control_answer(c, CTL_ERROR, "busy: %u listings under way, "
		    "try again", nlistings);
		return;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL ||
	    (l->names = calloc(CTL_AL_NAMES_MAX, sizeof(*l->names))) ==
	    NULL) {
		log_warn("control: show allowlist");
		free(l);
		control_answer(c, CTL_ERROR, "out of memory");
		return;
	}
	al_name(l, conf->allowlist[0] != '\0' ? conf->allowlist : "-");
	policy_foreach_allowlist_file(al_file_entry, l);
	spf_foreach_saved(al_spf_walk, l);
	if (l->failed) {
		log_warnx("control: show allowlist: out of memory");
		al_free(l);
		control_answer(c, CTL_ERROR, "out of memory");
		return;
	}
	c->al = l;
	nlistings++;
}

/* Queue the next part of an allowlist listing, up to the bound. */
static void
control_refill_allowlist(struct ctl_conn *c)
{
	struct al_listing	*l = c->al;
	size_t			 n;

	while (!c->closing && imsgbuf_queuelen(&c->iev.ibuf) < CTL_QUEUE_MAX &&
	    (l->names_sent < l->nnames || l->sent < l->n)) {
		if (l->names_sent < l->nnames) {
			control_compose(c, CTL_AL_NAME,
			    &l->names[l->names_sent++], sizeof(l->names[0]));
			continue;
		}
		n = l->n - l->sent;
		if (n > CTL_AL_BATCH)
			n = CTL_AL_BATCH;
		control_compose(c, CTL_AL_ENTRIES, &l->entries[l->sent],
		    n * sizeof(l->entries[0]));
		l->sent += n;
	}
	if (l->names_sent == l->nnames && l->sent == l->n && !c->closing) {
		control_compose(c, CTL_END, NULL, 0);
		al_free(l);
		c->al = NULL;
		nlistings--;
	}
}

static void
control_add(struct ctl_conn *c, struct imsg *imsg)
{
	struct ctl_add	req;
	struct mxaddr	a;
	char		buf[INET6_ADDRSTRLEN];
	time_t		seconds;

	if (control_payload(c, imsg, &req, sizeof(req)) == -1 ||
	    control_addr(c, req.addr, &a) == -1)
		return;
	if (req.seconds > MAX_WHITELIST_TIME) {
		control_answer(c, CTL_ERROR, "%u seconds: more than %d",
		    req.seconds, MAX_WHITELIST_TIME);
		return;
	}
	seconds = req.seconds != 0 ? (time_t)req.seconds :
	    (time_t)conf->whitelist_time;
	mxaddr_ntop(&a, buf, sizeof(buf));
	if (policy_add_manual(&a, seconds) == -1) {
		control_answer(c, CTL_ERROR, "%s not added: the whitelist is "
		    "full", buf);
		return;
	}
	log_info("control: whitelisted %s for %lld seconds", buf,
	    (long long)seconds);
	control_answer(c, CTL_OK, "whitelisted %s for %lld seconds", buf,
	    (long long)seconds);
}

static void
control_delete(struct ctl_conn *c, struct imsg *imsg)
{
	struct ctl_addr	req;
	struct mxaddr	a;
	char		buf[INET6_ADDRSTRLEN];

	if (control_payload(c, imsg, &req, sizeof(req)) == -1 ||
	    control_addr(c, req.addr, &a) == -1)
		return;
	mxaddr_ntop(&a, buf, sizeof(buf));
	if (!policy_delete(&a)) {
		control_answer(c, CTL_ERROR, "%s is not on the whitelist",
		    buf);
		return;
	}
	log_info("control: deleted %s", buf);
	control_answer(c, CTL_OK, "deleted %s", buf);
}

static void
control_log_verbose(struct ctl_conn *c, struct imsg *imsg)
{
	struct ctl_log	req;
	int		v;

	if (control_payload(c, imsg, &req, sizeof(req)) == -1)
		return;
	if (req.verbose != 0 && req.verbose != 1) {
		control_answer(c, CTL_ERROR, "bad request: log level %d",
		    (int)req.verbose);
		return;
	}
	v = req.verbose;
	log_setverbose(v);
	children_log_verbose(v);
	log_info("control: log %s", v ? "verbose" : "brief");
	control_answer(c, CTL_OK, "log %s", v ? "verbose" : "brief");
}

static void
control_request(struct ctl_conn *c, struct imsg *imsg)
{
	struct ctl_stats	st;
	size_t			n;

	if (++c->nrequests > CTL_MAX_REQUESTS) {
		control_answer(c, CTL_ERROR, "too many requests on one "
		    "connection");
		c->closing = 1;
		return;
	}
	switch (imsg_get_type(imsg)) {
	case CTL_SHOW_WHITELIST:
		if (control_payload(c, imsg, NULL, 0) == 0)
			control_show_whitelist(c);
		break;
	case CTL_SHOW_ALLOWLIST:
		if (control_payload(c, imsg, NULL, 0) == 0)
			control_show_allowlist(c);
		break;
	case CTL_SHOW_STATS:
		if (control_payload(c, imsg, NULL, 0) == -1)
			break;
		memset(&st, 0, sizeof(st));
		policy_format_stats(st.line, sizeof(st.line));
		control_compose(c, CTL_STATS, &st, sizeof(st));
		break;
	case CTL_ADD:
		control_add(c, imsg);
		break;
	case CTL_DELETE:
		control_delete(c, imsg);
		break;
	case CTL_FLUSH:
		if (control_payload(c, imsg, NULL, 0) == -1)
			break;
		n = policy_flush();
		log_info("control: flushed %zu entr%s", n,
		    n == 1 ? "y" : "ies");
		control_answer(c, CTL_OK, "flushed %zu entr%s", n,
		    n == 1 ? "y" : "ies");
		break;
	case CTL_RELOAD:
		if (control_payload(c, imsg, NULL, 0) == -1)
			break;
		log_info("control: reloading the configuration");
		if (parent_reload() == 0)
			control_answer(c, CTL_OK, "configuration reloaded");
		else
			control_answer(c, CTL_ERROR, "configuration not "
			    "reloaded: it has errors (see the log)");
		break;
	case CTL_LOG_VERBOSE:
		control_log_verbose(c, imsg);
		break;
	default:
		control_answer(c, CTL_ERROR, "bad request: unknown type %u",
		    imsg_get_type(imsg));
		break;
	}
}

static void
control_dispatch(int fd, short event, void *arg)
{
	struct ctl_conn	*c = arg;
	struct imsg	 imsg;
	ssize_t		 n;

	if (event & EV_READ) {
		switch (imsgbuf_read(&c->iev.ibuf)) {
		case -1:
			/* ERANGE: a header no client of ours would send. */
			if (errno == ERANGE)
				log_warnx("control: malformed message, "
				    "client disconnected");
			else
				log_debug("control: read: %s",
				    strerror(errno));
			control_close(c);
			return;
		case 0:
			control_close(c);
			return;
		}
	}
	if (event & EV_WRITE) {
		if (imsgbuf_write(&c->iev.ibuf) == -1) {
			/* Gone mid-answer (EPIPE, ECONNRESET): fine. */
			log_debug("control: write: %s", strerror(errno));
			control_close(c);
			return;
		}
	}

	/* One request at a time, and none while answers pile up. */
	while (!c->closing && c->list == NULL && c->al == NULL &&
	    imsgbuf_queuelen(&c->iev.ibuf) < CTL_QUEUE_MAX) {
		if ((n = imsg_get(&c->iev.ibuf, &imsg)) == -1) {
			log_warnx("control: malformed message, client "
			    "disconnected");
			control_close(c);
			return;
		}
		if (n == 0)
			break;
		control_request(c, &imsg);
		imsg_free(&imsg);
	}
	control_refill(c);

	if (c->closing && imsgbuf_queuelen(&c->iev.ibuf) == 0) {
		control_close(c);
		return;
	}
	control_arm(c);
}
