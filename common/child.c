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
 * The life of a child process, common to all three: wait for the
 * parent's init message, drop privileges, report ready, then serve the
 * parent until it goes away.  Signals are the parent's business: a child
 * ignores them and exits when its socket to the parent reaches EOF.
 */

#include <sys/types.h>

#include <event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "imsgev.h"
#include "log.h"
#include "proc.h"
#include "seccomp.h"

static const struct child_ops	*ops;
static struct imsgev		 parent_iev;
static int			 initialised;

static void	child_dispatch_parent(int, short, void *);

static void
child_init(struct imsg *imsg)
{
	struct child_init	init;
	int			fd;

	if (initialised)
		fatalx("%s received twice", i2s(imsg_get_type(imsg)));
	payload_get(imsg, &init, sizeof(init));
	if (memchr(init.user, '\0', sizeof(init.user)) == NULL ||
	    memchr(init.chroot, '\0', sizeof(init.chroot)) == NULL ||
	    memchr(init.pflog_if, '\0', sizeof(init.pflog_if)) == NULL ||
	    memchr(init.pcap_filter, '\0', sizeof(init.pcap_filter)) == NULL)
		fatalx("%s: unterminated string", i2s(imsg_get_type(imsg)));
	log_setverbose(init.verbose);

	if (ops->before_drop != NULL)
		ops->before_drop(&init, imsg_get_fd(imsg));
	else if ((fd = imsg_get_fd(imsg)) != -1)
		close(fd);
	/*
	 * syslog(3) stamps messages in local time: read the zone while
	 * /etc/localtime is within reach, outside the chroot and the filter.
	 */
	tzset();
	drop_privileges(init.user, init.chroot);
	if (ops->after_drop != NULL)
		ops->after_drop();
	/* Set up: from now on, only the few calls that serving needs. */
	seccomp_install(ops->syscalls);
	initialised = 1;

	child_compose(IMSG_CHILD_READY, NULL, 0);
	log_debug("running as %s%s%s", init.user,
	    init.chroot[0] != '\0' ? ", chroot " : "", init.chroot);
}

/* mxallowctl log verbose|brief, passed on by the parent. */
static void
child_log_verbose(struct imsg *imsg)
{
	int	verbose;

	payload_get(imsg, &verbose, sizeof(verbose));
	log_setverbose(verbose);
}

static void
child_dispatch_parent(int fd, short event, void *arg)
{
	struct imsg	imsg;
	ssize_t		n;

	if (!imsgev_io(&parent_iev, event)) {
		log_debug("parent has gone, exiting");
		exit(0);
	}
	for (;;) {
		if ((n = imsg_get(&parent_iev.ibuf, &imsg)) == -1)
			fatal("imsg_get");
		if (n == 0)
			break;
		if (imsg_get_type(&imsg) == IMSG_CHILD_INIT)
			child_init(&imsg);
		else if (!initialised)
			fatalx("%s before %s", i2s(imsg_get_type(&imsg)),
			    i2s(IMSG_CHILD_INIT));
		else if (imsg_get_type(&imsg) == IMSG_LOG_VERBOSE)
			child_log_verbose(&imsg);
		else
			ops->dispatch(&imsg);
		imsg_free(&imsg);
	}
	imsgev_add(&parent_iev);
}

/* Queue a message for the parent; only memory can run out here. */
void
child_compose(uint32_t type, const void *data, size_t len)
{
	if (imsgev_compose(&parent_iev, type, data, len) == -1)
		fatal("compose %s to parent", i2s(type));
}

/*
 * Messages queued for the parent: a child that reads from the network
 * holds back while the parent has not taken what it was sent.
 */
size_t
child_queuelen(void)
{
	return imsgbuf_queuelen(&parent_iev.ibuf);
}

void
child_main(const struct child_ops *child_ops, const struct child_logopts *lo)
{
	const char	*name;

	ops = child_ops;
	name = proc_name(ops->role);
	log_init(lo->debug ? LOG_DEST_STDERR :
	    lo->to_stdout ? LOG_DEST_STDOUT : LOG_DEST_SYSLOG, LOG_DAEMON);
	log_procinit(name);
	log_setverbose(lo->verbose);
	log_setquiet(lo->quiet);
	proctitle_set(name);

	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);

	if (fcntl(PARENT_SOCK_FILENO, F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(PARENT_SOCK_FILENO, F_SETFL, O_NONBLOCK) == -1)
		fatal("socket to parent");

	event_init();
	imsgev_init(&parent_iev, PARENT_SOCK_FILENO, "parent",
	    child_dispatch_parent);
	/* Only the parent can hand us a descriptor (a savefile to replay). */
	imsgbuf_allow_fdpass(&parent_iev.ibuf);
	imsgev_add(&parent_iev);
	event_dispatch();
	exit(0);
}
