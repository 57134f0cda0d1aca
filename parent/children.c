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
 * The parent's side of its children: start them, hand them their init
 * message, hear that they are ready, and notice when one dies.  Losing a
 * child is fatal for the daemon: it stops the others and exits non-zero, so
 * that the kernel-side fail policy applies rather than a half-working daemon.
 * sync, the fourth, runs only with a Redis server configured.
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "imsgev.h"
#include "log.h"
#include "parent.h"
#include "proc.h"
#include "seccomp.h"
#include "spf.h"
#include "state.h"

#define SHUTDOWN_WAIT_MS	900	/* then SIGKILL: stop within a second */

struct child {
	enum mxallowd_proc	 role;
	void			(*dispatch)(int, short, void *);
	pid_t			 pid;	/* 0 once reaped */
	struct imsgev		 iev;
	int			 ready;
	int			 used;	/* started: not sync without Redis */
};

static void	parent_dispatch_capture(int, short, void *);
static void	parent_dispatch_resolver(int, short, void *);
static void	parent_dispatch_sync(int, short, void *);
static void	child_compose_fd(struct child *, uint32_t, int, const void *,
		    size_t);

static struct child	children[] = {
	{ .role = PROC_CAPTURE,	 .dispatch = parent_dispatch_capture },
	{ .role = PROC_RESOLVER, .dispatch = parent_dispatch_resolver },
	{ .role = PROC_SYNC,	 .dispatch = parent_dispatch_sync },
};
#define NCHILDREN	nitems(children)
#define CAPTURE		(&children[0])
#define RESOLVER	(&children[1])
#define SYNC		(&children[2])

static time_t		started;

/*
 * No child needs the filesystem: capture gets packets, the resolver its
 * nameservers and sync its server and secret from the parent.  All are
 * chrooted to the empty dir.
 */
static void
child_init_message(const struct mxallowd_conf *conf, struct child_init *init)
{
	memset(init, 0, sizeof(*init));
	strlcpy(init->user, conf->user, sizeof(init->user));
	strlcpy(init->chroot, conf->chroot, sizeof(init->chroot));
	init->verbose = log_getverbose();
	/* Where capture's packets come from; the resolver ignores it. */
	init->nflog_group = conf->nflog_group;
	if (conf->backend == BACKEND_NFQUEUE)
		init->source = CAPTURE_QUEUE;
	else if (conf->backend == BACKEND_NFTABLES)
		init->source = CAPTURE_NFLOG;
	else
		init->source = conf->replay[0] != '\0' ? CAPTURE_SAVEFILE :
		    CAPTURE_LIVE;
	strlcpy(init->pflog_if, conf->pflog_if, sizeof(init->pflog_if));
	strlcpy(init->pcap_filter, conf->pcap_filter,
	    sizeof(init->pcap_filter));
}

/* What capture needs to tell fake from real. */
static void
capture_conf_message(const struct mxallowd_conf *conf,
    struct capture_conf *cc)
{
	memset(cc, 0, sizeof(*cc));
	memcpy(cc->fake, conf->fake, sizeof(cc->fake));
	memcpy(cc->real, conf->real, sizeof(cc->real));
	cc->nfake = conf->nfake;
	cc->nreal = conf->nreal;
}

/* capture's lists of fake and real addresses, at startup and on reload. */
void
children_reconfigure(const struct mxallowd_conf *conf)
{
	struct capture_conf	cc;

	capture_conf_message(conf, &cc);
	parent_compose_capture(IMSG_CAPTURE_CONF, &cc, sizeof(cc));
}

/*
 * Start the children and give them what they need; capture_fd, if not -1,
 * goes to capture with its init message (a savefile to replay).
 */
void
children_start(const struct mxallowd_conf *conf, const char *self,
    char *const logflags[], int capture_fd)
{
	struct child_init	init;
	struct child		*c;
	int			 fd;

	started = time(NULL);
	for (c = children; c < children + NCHILDREN; c++) {
		if (c->role == PROC_SYNC && conf->redis_addr.af == 0)
			continue;
		c->used = 1;
		c->pid = proc_start(c->role, self, logflags, &fd);
		imsgev_init(&c->iev, fd, proc_name(c->role), c->dispatch);
		/* capture may be handed a savefile with its init message. */
		if (c->role == PROC_CAPTURE)
			imsgbuf_allow_fdpass(&c->iev.ibuf);
		child_init_message(conf, &init);
		child_compose_fd(c, IMSG_CHILD_INIT,
		    c->role == PROC_CAPTURE ? capture_fd : -1, &init,
		    sizeof(init));
		if (c->role == PROC_CAPTURE)
			children_reconfigure(conf);
		log_debug("started %s process, pid %d", proc_name(c->role),
		    (int)c->pid);
	}
}

static int
all_ready(void)
{
	size_t	i;

	for (i = 0; i < NCHILDREN; i++)
		if (children[i].used && !children[i].ready)
			return 0;
	return 1;
}

/* IMSG_CHILD_READY: the child has dropped its privileges. */
static void
child_ready(struct child *c, struct imsg *imsg)
{
	payload_get(imsg, NULL, 0);
	c->ready = 1;
	log_info("%s process ready, pid %d", c->iev.peer, (int)c->pid);
	if (all_ready())
		log_info("startup complete");
}

/*
 * Move what the event allows on a child's channel.  A child that went away
 * takes the daemon down: the kernel's fail policy beats half a daemon.
 */
static void
child_io(struct child *c, short event)
{
	if (!imsgev_io(&c->iev, event)) {
		log_warnx("lost connection to %s process", c->iev.peer);
		children_shutdown(1);
	}
}

/* The next message from a child: 1, or 0 when none is complete. */
static int
child_get(struct child *c, struct imsg *imsg)
{
	ssize_t	n;

	if ((n = imsg_get(&c->iev.ibuf, imsg)) == -1)
		fatal("imsg_get from %s", c->iev.peer);
	return n > 0;
}

/*
 * What capture reports: verdicts asked for, pf's or NFLOG's reports (and
 * what NFLOG lost), a replay's end.
 */
static void
parent_dispatch_capture(int fd, short event, void *arg)
{
	struct imsg	imsg;
	uint32_t	type;

	child_io(CAPTURE, event);
	while (child_get(CAPTURE, &imsg)) {
		switch (type = imsg_get_type(&imsg)) {
		case IMSG_CHILD_READY:
			child_ready(CAPTURE, &imsg);
			break;
#ifdef __linux__
		case IMSG_RESULTS:
			verdict_results(&imsg);
			break;
		case IMSG_NFLOG_EVENTS:
			nftsync_events(&imsg);
			break;
		case IMSG_CAPTURE_STATS:
			nftsync_capture_stats(&imsg);
			break;
#endif
		case IMSG_PF_EVENTS:
			pf_events(&imsg);
			break;
		case IMSG_CAPTURE_EOF:
			pf_eof(&imsg);
			break;
		default:
			fatalx("unexpected %s from capture", i2s(type));
		}
		imsg_free(&imsg);
	}
	imsgev_add(&CAPTURE->iev);
}

/* What the resolver reports: reverse-DNS answers, SPF walks. */
static void
parent_dispatch_resolver(int fd, short event, void *arg)
{
	struct imsg	imsg;
	uint32_t	type;

	child_io(RESOLVER, event);
	while (child_get(RESOLVER, &imsg)) {
		switch (type = imsg_get_type(&imsg)) {
		case IMSG_CHILD_READY:
			child_ready(RESOLVER, &imsg);
			break;
		case IMSG_RDNS_ANSWER:
			rdns_answer(&imsg);
			break;
		case IMSG_SPF_NETS:
			spf_nets(&imsg);
			break;
		case IMSG_SPF_DONE:
			spf_done(&imsg);
			break;
		default:
			fatalx("unexpected %s from resolver", i2s(type));
		}
		imsg_free(&imsg);
	}
	imsgev_add(&RESOLVER->iev);
}

/*
 * What sync reports: the peers' changes, a peer's flush, requests for this
 * host's entries, how its connection fares.
 */
static void
parent_dispatch_sync(int fd, short event, void *arg)
{
	struct imsg	imsg;
	uint32_t	type;

	child_io(SYNC, event);
	while (child_get(SYNC, &imsg)) {
		switch (type = imsg_get_type(&imsg)) {
		case IMSG_CHILD_READY:
			child_ready(SYNC, &imsg);
			break;
		case IMSG_SYNC_PEER:
			peers_peer(&imsg);
			break;
		case IMSG_SYNC_PEER_FLUSH:
			peers_peer_flush(&imsg);
			break;
		case IMSG_SYNC_DUMP:
			peers_dump(&imsg);
			break;
		case IMSG_SYNC_DUMP_MORE:
			peers_dump_more(&imsg);
			break;
		case IMSG_SYNC_STATUS:
			peers_status(&imsg);
			break;
		default:
			fatalx("unexpected %s from sync", i2s(type));
		}
		imsg_free(&imsg);
	}
	imsgev_add(&SYNC->iev);
}

/* Queue a message for a child, with a descriptor to hand over (or -1). */
static void
child_compose_fd(struct child *c, uint32_t type, int fd, const void *data,
    size_t len)
{
	if (imsgev_compose_fd(&c->iev, type, fd, data, len) == -1)
		fatal("compose %s to %s", i2s(type), c->iev.peer);
}

void
parent_compose_capture(uint32_t type, const void *data, size_t len)
{
	child_compose_fd(CAPTURE, type, -1, data, len);
}

void
parent_compose_resolver(uint32_t type, const void *data, size_t len)
{
	child_compose_fd(RESOLVER, type, -1, data, len);
}

void
parent_compose_sync(uint32_t type, const void *data, size_t len)
{
	child_compose_fd(SYNC, type, -1, data, len);
}

/* Messages sync has not taken yet: peers.c drops rather than pile up. */
size_t
children_sync_queuelen(void)
{
	return imsgbuf_queuelen(&SYNC->iev.ibuf);
}

/* mxallowctl log verbose|brief: the children log as the parent does. */
void
children_log_verbose(int verbose)
{
	size_t	i;

	for (i = 0; i < NCHILDREN; i++)
		if (children[i].used)
			child_compose_fd(&children[i], IMSG_LOG_VERBOSE, -1,
			    &verbose, sizeof(verbose));
}

static struct child *
child_by_pid(pid_t pid)
{
	size_t	i;

	for (i = 0; i < NCHILDREN; i++)
		if (children[i].pid == pid)
			return &children[i];
	return NULL;
}

/*
 * Log how a child ended; a clean exit only in verbose mode.  On Linux a
 * SIGSYS is the kernel's: the child made a call its filter does not allow
 * (see common/seccomp.c; the audit log has the call's number).
 */
static void
child_log_exit(const struct child *c, int status)
{
	const char	*name;

	name = proc_name(c->role);
	if (WIFSIGNALED(status))
		log_warnx("%s process %d terminated by signal %d (%s)%s", name,
		    (int)c->pid, WTERMSIG(status), strsignal(WTERMSIG(status)),
		    SECCOMP_SANDBOX && WTERMSIG(status) == SIGSYS ?
		    ": seccomp violation" : "");
	else if (WEXITSTATUS(status) != 0)
		log_warnx("%s process %d exited with status %d", name,
		    (int)c->pid, WEXITSTATUS(status));
	else
		log_debug("%s process %d exited", name, (int)c->pid);
}

/* Reap what has exited without waiting; returns how many were reaped. */
static int
reap_exited(void)
{
	struct child	*c;
	pid_t		 pid;
	int		 status, n = 0;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if ((c = child_by_pid(pid)) == NULL)
			continue;
		child_log_exit(c, status);
		c->pid = 0;
		n++;
	}
	return n;
}

/* SIGCHLD outside of a shutdown: a child died under us. */
void
children_reap(void)
{
	if (reap_exited() > 0)
		children_shutdown(1);
}

void
children_log_status(void)
{
	size_t	i;

	log_info("up %lld seconds", (long long)(time(NULL) - started));
	for (i = 0; i < NCHILDREN; i++)
		if (children[i].used)
			log_info("%s process pid %d, %s",
			    proc_name(children[i].role), (int)children[i].pid,
			    children[i].ready ? "ready" : "starting");
}

static int
children_alive(void)
{
	size_t	i;

	for (i = 0; i < NCHILDREN; i++)
		if (children[i].pid != 0)
			return 1;
	return 0;
}

/*
 * Stop the children by closing their sockets (each exits on EOF), wait for
 * them a little under a second, kill what is left, and exit with status.
 */
void
children_shutdown(int status)
{
	struct timespec	 tick = { 0, 10 * 1000 * 1000 };
	size_t		 i;
	int		 waited;

	signal(SIGCHLD, SIG_DFL);
	for (i = 0; i < NCHILDREN; i++)
		if (children[i].used && children[i].iev.ibuf.fd != -1)
			imsgev_close(&children[i].iev);
	/* While they exit.  Not after an error: the last timed write stays. */
	if (status == 0)
		state_shutdown();
	for (waited = 0; children_alive() && waited < SHUTDOWN_WAIT_MS;
	    waited += 10) {
		reap_exited();
		if (children_alive())
			nanosleep(&tick, NULL);
	}
	for (i = 0; i < NCHILDREN; i++) {
		if (children[i].pid == 0)
			continue;
		log_warnx("%s process %d did not exit, killing it",
		    proc_name(children[i].role), (int)children[i].pid);
		kill(children[i].pid, SIGKILL);
		waitpid(children[i].pid, NULL, 0);
		children[i].pid = 0;
	}
	if (status == 0)
		log_info("terminated");
	else
		log_warnx("exiting on error");
	exit(status);
}
