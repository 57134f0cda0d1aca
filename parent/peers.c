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
 * The parent's side of the shared whitelist (with a redis server
 * configured): what this host changes goes to the sync process, what the
 * peers changed comes back from it and is applied through the policy
 * layer, so that every backend follows (nfqueue reads the whitelist, pf
 * and nftables mirror it).
 *
 * The parent never waits here.  Changes are batched and handed over once
 * per turn of the event loop; if sync stops taking them, they are dropped
 * and counted (sync's load and dump make up for it on its next connect).
 * A refresh (a fake hit or an admission of a whitelisted source) is shared
 * only when it moves the expiry into another REFRESH_STEP window, or
 * confirms the entry: a busy sender would otherwise cost a write per SYN.
 *
 * What sync sends is checked again: sync parses what anyone with access
 * to Redis wrote, so it is trusted no more than that.  A malformed entry
 * can only come from a sync process that broke its own checks: as with
 * any child, the daemon stops.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <event.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsgev.h"
#include "log.h"
#include "parent.h"
#include "wire.h"

#define PEERS_QUEUE_MAX	1024	/* messages queued to sync, then drop */
#define DUMP_PART	1024	/* entries per part of a dump */
#define REFRESH_STEP	60	/* seconds: at most this stale in Redis */

static const struct mxallowd_conf	*conf;
static int				 enabled;
static char				 name[REDIS_NAME_MAX];
static char				 password[REDIS_PASSWORD_MAX];
static struct wire_limits		 limits;
static time_t				 step;
static struct sync_status		 status;
static unsigned long long		 dropped;	/* here, not in sync */

/* This host's changes, batched for one turn of the loop. */
static struct sync_entry		 out[SYNC_BATCH_MAX];
static size_t				 nout;
static struct event			 out_ev;

/* A dump under way: the entries as they were when sync asked. */
static struct wl_view			*snap;
static size_t				 snapcap, nsnap, snapsent;
static uint32_t				 snapseq;

static const char *const state_names[] = {
	[SYNC_DOWN] =		"down",
	[SYNC_CONNECTING] =	"connecting",
	[SYNC_LOADING] =	"loading",
	[SYNC_UP] =		"up",
};

/* This host's name in entries: the configured one, or its host name. */
static void
peers_name(const struct mxallowd_conf *c)
{
	size_t	i;

	if (c->redis_name[0] != '\0') {
		strlcpy(name, c->redis_name, sizeof(name));
		return;
	}
	if (gethostname(name, sizeof(name)) == -1)
		err(1, "gethostname");
	name[sizeof(name) - 1] = '\0';
	for (i = 0; name[i] != '\0'; i++)
		if (!isalnum((unsigned char)name[i]) &&
		    strchr(".-_", name[i]) == NULL)
			name[i] = '_';
	if (name[0] == '\0')
		strlcpy(name, "mxallowd", sizeof(name));
}

/*
 * The secret: the first line of a regular file that only root may read
 * (and change), into secret.  Read before daemonizing, so that a problem is
 * an error on the terminal; never logged.  configtest reads it too.
 */
static int
password_read(const char *path, char *secret, size_t secretsz)
{
	struct stat	 st;
	char		 buf[REDIS_PASSWORD_MAX + 1], *nl;
	ssize_t		 n;
	size_t		 len;
	int		 fd, rv = -1;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		warn("redis-password-file %s", path);
		return -1;
	}
	if (fstat(fd, &st) == -1 || (n = read(fd, buf, sizeof(buf) - 1)) == -1)
		warn("redis-password-file %s", path);
	else if (!S_ISREG(st.st_mode))
		warnx("redis-password-file %s is not a regular file", path);
	else if (st.st_uid != 0 || (st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
		warnx("redis-password-file %s must be owned by root and "
		    "readable by root alone (it is mode %04o, uid %u): "
		    "chown root %s; chmod 600 %s", path,
		    (unsigned int)(st.st_mode & 07777),
		    (unsigned int)st.st_uid, path, path);
	else {
		len = (nl = memchr(buf, '\n', n)) != NULL ?
		    (size_t)(nl - buf) : (size_t)n;
		if (len > 0 && buf[len - 1] == '\r')
			len--;
		if (memchr(buf, '\0', len) != NULL)
			warnx("redis-password-file %s holds a NUL byte", path);
		else if (len == 0)
			warnx("redis-password-file %s: the first line is empty",
			    path);
		else if (len >= secretsz)
			warnx("redis-password-file %s: the password is longer "
			    "than %zu characters", path, secretsz - 1);
		else {
			memcpy(secret, buf, len);
			secret[len] = '\0';
			rv = 0;
		}
	}
	close(fd);
	explicit_bzero(buf, sizeof(buf));
	return rv;
}

/* configtest: the file would be taken at start-up; the secret not kept. */
int
peers_password_check(const struct mxallowd_conf *c)
{
	char	scratch[REDIS_PASSWORD_MAX];
	int	rv;

	if (c->redis_addr.af == 0 || c->redis_password_file[0] == '\0')
		return 0;
	rv = password_read(c->redis_password_file, scratch, sizeof(scratch));
	explicit_bzero(scratch, sizeof(scratch));
	return rv;
}

/* main(), before daemonizing: what sync will need from the filesystem. */
void
peers_init(const struct mxallowd_conf *c)
{
	if (c->redis_addr.af == 0)
		return;
	peers_name(c);
	if (c->redis_password_file[0] != '\0' &&
	    password_read(c->redis_password_file, password,
	    sizeof(password)) == -1)
		exit(1);
}

/* Hand this host's batch to sync, unless sync is not keeping up. */
static void
out_send(int fd, short event, void *arg)
{
	if (nout == 0)
		return;
	if (children_sync_queuelen() > PEERS_QUEUE_MAX)
		dropped += nout;
	else
		parent_compose_sync(IMSG_SYNC_PUSH, out, nout * sizeof(out[0]));
	nout = 0;
}

/* An entry of this host's whitelist as it goes to Redis. */
static void
entry_of(enum sync_op op, const struct wl_view *v, time_t wall, time_t mono,
    struct sync_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->net = v->net;
	e->prefixlen = v->prefixlen;
	e->op = op;
	e->reason = v->reason;
	e->confirmed = v->confirmed ? 1 : 0;
	e->expires = wall + (v->expires - mono);
	strlcpy(e->origin, name, sizeof(e->origin));
}

static void
out_entry(enum sync_op op, const struct wl_view *v)
{
	struct timeval	now = { 0, 0 };

	entry_of(op, v, time(NULL), policy_now(), &out[nout++]);
	if (nout == nitems(out))
		out_send(0, 0, NULL);
	else if (!evtimer_pending(&out_ev, NULL))
		evtimer_add(&out_ev, &now);
}

/* A refresh worth a write: confirmed now, or a new REFRESH_STEP window. */
static int
worth_sharing(const struct wl_view *before, const struct wl_view *after)
{
	return (after->confirmed && !before->confirmed) ||
	    after->expires / step != before->expires / step;
}

/* The policy layer's news; only this host's own changes go out. */
static void
peers_observe(enum policy_change what, const struct wl_view *before,
    const struct wl_view *after, enum policy_origin origin)
{
	if (origin != POLICY_LOCAL)
		return;
	switch (what) {
	case POLICY_ADDED:
		out_entry(SYNC_SET, after);
		break;
	case POLICY_REFRESHED:
		if (worth_sharing(before, after))
			out_entry(SYNC_SET, after);
		break;
	case POLICY_DELETED:
		out_entry(SYNC_DEL, before);
		break;
	case POLICY_FLUSHED:
		nout = 0;	/* older than the flush */
		parent_compose_sync(IMSG_SYNC_FLUSH, NULL, 0);
		break;
	}
}

/*
 * main(), once the whitelist is restored: sync gets the server, the
 * secret (which then leaves the parent's memory) and this host's limits.
 */
void
peers_start(const struct mxallowd_conf *c)
{
	struct sync_conf	sc;

	conf = c;
	if (c->redis_addr.af == 0)
		return;
	enabled = 1;
	limits.prefix4 = c->whitelist_prefix4;
	limits.prefix6 = c->whitelist_prefix6;
	limits.lifetime = c->whitelist_time;
	step = c->whitelist_time / 16 < REFRESH_STEP ?
	    c->whitelist_time / 16 : REFRESH_STEP;
	if (step < 1)
		step = 1;
	status.rtt_ms = status.lag_ms = -1;
	evtimer_set(&out_ev, out_send, NULL);

	memset(&sc, 0, sizeof(sc));
	sc.addr = c->redis_addr;
	sc.port = c->redis_port;
	sc.db = c->redis_db;
	strlcpy(sc.user, c->redis_user, sizeof(sc.user));
	strlcpy(sc.password, password, sizeof(sc.password));
	strlcpy(sc.prefix, c->redis_prefix, sizeof(sc.prefix));
	strlcpy(sc.name, name, sizeof(sc.name));
	sc.whitelist_time = c->whitelist_time;
	sc.max_entries = c->max_entries;
	sc.prefix4 = c->whitelist_prefix4;
	sc.prefix6 = c->whitelist_prefix6;
	parent_compose_sync(IMSG_SYNC_CONF, &sc, sizeof(sc));
	explicit_bzero(&sc, sizeof(sc));
	explicit_bzero(password, sizeof(password));
	policy_add_observer(peers_observe);
}

/* IMSG_SYNC_PEER: the peers' changes, checked again, then applied. */
void
peers_peer(struct imsg *imsg)
{
	struct sync_entry	 b[SYNC_BATCH_MAX];
	const char		*why;
	time_t			 now = time(NULL), remaining;
	size_t			 n, i;

	n = payload_batch(imsg, b, sizeof(b[0]), nitems(b));
	limits.lifetime = conf->whitelist_time;		/* may be reloaded */
	for (i = 0; i < n; i++) {
		if (wire_check_entry(&b[i], &limits, &why) == -1)
			fatalx("%s: %s", i2s(imsg_get_type(imsg)), why);
		if (b[i].op == SYNC_DEL) {
			policy_peer_delete(&b[i].net);
			continue;
		}
		if (wire_check_expiry(&b[i], &limits, now, &why) != 0)
			continue;
		remaining = b[i].expires - now;
		policy_peer_set(&b[i].net, remaining, b[i].reason,
		    b[i].confirmed);
	}
}

/* IMSG_SYNC_PEER_FLUSH: a peer emptied the shared whitelist. */
void
peers_peer_flush(struct imsg *imsg)
{
	size_t	n;

	payload_get(imsg, NULL, 0);
	n = policy_peer_flush();
	log_info("whitelist flushed by a peer: %zu entr%s removed", n,
	    n == 1 ? "y" : "ies");
}

/* IMSG_SYNC_STATUS: how the connection fares, for the statistics. */
void
peers_status(struct imsg *imsg)
{
	struct sync_status	s;

	payload_get(imsg, &s, sizeof(s));
	if (s.state > SYNC_UP)
		fatalx("%s: bad state %u", i2s(imsg_get_type(imsg)), s.state);
	status = s;
}

static void
snap_entry(const struct wl_view *v, void *arg)
{
	if (nsnap < snapcap)
		snap[nsnap++] = *v;
}

/* The next part of the dump, then its end marker. */
static void
dump_part(void)
{
	struct sync_entry	b[SYNC_BATCH_MAX];
	struct sync_dump	d;
	time_t			wall = time(NULL), mono = policy_now();
	size_t			n = 0, sent = 0;

	while (snapsent < nsnap && sent < DUMP_PART) {
		if (snap[snapsent].expires > mono)
			entry_of(SYNC_SET, &snap[snapsent], wall, mono,
			    &b[n++]);
		snapsent++;
		sent++;
		if (n == nitems(b) || (n > 0 && (snapsent == nsnap ||
		    sent == DUMP_PART))) {
			parent_compose_sync(IMSG_SYNC_PUSH, b,
			    n * sizeof(b[0]));
			n = 0;
		}
	}
	memset(&d, 0, sizeof(d));
	d.seq = snapseq;
	d.more = snapsent < nsnap;
	parent_compose_sync(IMSG_SYNC_DUMP_END, &d, sizeof(d));
	if (!d.more) {
		free(snap);
		snap = NULL;
		nsnap = snapsent = 0;
	}
}

/* IMSG_SYNC_DUMP: sync (re)connected; it gets every entry, in parts. */
void
peers_dump(struct imsg *imsg)
{
	struct sync_dump	d;

	payload_get(imsg, &d, sizeof(d));
	free(snap);
	nsnap = snapsent = 0;
	snapseq = d.seq;
	/* The iterator only ever yields fewer: expiry runs first. */
	snapcap = policy_count();
	if ((snap = calloc(snapcap + 1, sizeof(*snap))) == NULL)
		fatal("dump");
	policy_foreach(snap_entry, NULL);
	log_debug("sync: %zu entries to share", nsnap);
	dump_part();
}

/* IMSG_SYNC_DUMP_MORE: sync has room for the next part. */
void
peers_dump_more(struct imsg *imsg)
{
	struct sync_dump	d;

	payload_get(imsg, &d, sizeof(d));
	if (snap == NULL || d.seq != snapseq)
		return;		/* a dump replaced, or finished */
	dump_part();
}

/* " redis-...=..." after the other statistics; nothing without Redis. */
void
peers_format_stats(char *buf, size_t len)
{
	if (len > 0)
		buf[0] = '\0';
	if (!enabled)
		return;
	snprintf(buf, len, " redis-state=%s redis-reconnects=%llu "
	    "redis-rtt-ms=%lld redis-lag-ms=%lld redis-sent=%llu "
	    "redis-received=%llu redis-loaded=%llu redis-bad=%llu "
	    "redis-dropped=%llu redis-errors=%llu",
	    state_names[status.state], (unsigned long long)status.reconnects,
	    (long long)status.rtt_ms, (long long)status.lag_ms,
	    (unsigned long long)status.sent,
	    (unsigned long long)status.received,
	    (unsigned long long)status.loaded, (unsigned long long)status.bad,
	    (unsigned long long)status.dropped + dropped,
	    (unsigned long long)status.errors);
}
