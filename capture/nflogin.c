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
 * The nftables backend's input: the NFLOG group that the rules log to,
 * read through libpcap ("nflog:GROUP", link type DLT_NFLOG).  Binding a
 * group takes CAP_NET_ADMIN, so the handle is opened as root before the
 * drop, as spamlogd opens bpf; reading it afterwards is recv(2).  libpcap
 * cannot compile filters for this link type: the rules log only the SYNs
 * we want.  Each record becomes a struct nflog_event, sent in batches;
 * what the socket lost (ENOBUFS, libpcap's ps_drop) goes to the parent
 * once a second when it changed.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>

#include <errno.h>
#include <event.h>
#include <pcap.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "child.h"
#include "log.h"
#include "nflog.h"
#include "nflogin.h"

#define NFLOG_BUFSIZE	65535		/* libpcap's buffer: a whole batch */
#define NFLOG_RCVBUF	(8 * 1024 * 1024)
#define NFLOG_QTHRESH	32		/* records the kernel batches */
#define NFLOG_FLUSH	1		/* 1/100 s: a record waits no longer */
#define STATS_EVERY	1		/* seconds */

static pcap_t		*pc;
static char		 dev[32];
static int		 started;
static struct event	 fd_ev, stats_ev;
static struct nflog_event batch[PKT_BATCH_MAX];
static size_t		 nbatch;
static struct capture_stats sent_stats;

/*
 * The group's instance batches up to 100 records or a second by default,
 * which would hold a lone fake hit back that long: ask for NFLOG_QTHRESH
 * records or NFLOG_FLUSH, whichever comes first.  Sent on libpcap's own
 * socket (the instance is bound to it), as root, before any record is
 * read; whatever else arrives meanwhile is dropped, as a lossy log may.
 */
static void
configure_instance(int fd, int group)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct timeval		 tv = { 5, 0 }, none = { 0, 0 };
	struct nlmsghdr		*nlh;
	struct nfgenmsg		*nfg;
	const struct nlmsgerr	*e;
	uint32_t		 seq = time(NULL);
	ssize_t			 n;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(group);
	mnl_attr_put_u32(nlh, NFULA_CFG_QTHRESH, htonl(NFLOG_QTHRESH));
	mnl_attr_put_u32(nlh, NFULA_CFG_TIMEOUT, htonl(NFLOG_FLUSH));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    send(fd, nlh, nlh->nlmsg_len, 0) == -1)
		fatal("%s: configure", dev);
	for (;;) {
		if ((n = recv(fd, buf, sizeof(buf), 0)) == -1)
			fatal("%s: configure", dev);
		for (nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, n);
		    nlh = mnl_nlmsg_next(nlh, (int *)&n)) {
			if (nlh->nlmsg_type != NLMSG_ERROR ||
			    nlh->nlmsg_seq != seq ||
			    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
				continue;
			e = mnl_nlmsg_get_payload(nlh);
			if (e->error != 0)
				fatalx("%s: configure: %s", dev,
				    strerror(-e->error));
			if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &none,
			    sizeof(none)) == -1)
				fatal("%s: configure", dev);
			return;
		}
	}
}

/* Runs as root: bind the group, a large socket buffer, the batching. */
void
nflogin_open(const struct child_init *init)
{
	char	 errbuf[PCAP_ERRBUF_SIZE];
	int	 rc, rcvbuf = NFLOG_RCVBUF;

	snprintf(dev, sizeof(dev), "nflog:%d", init->nflog_group);
	errbuf[0] = '\0';
	if ((pc = pcap_create(dev, errbuf)) == NULL)
		fatalx("%s: %s", dev, errbuf);
	/* libpcap's buffer is the snapshot length: room for a batch. */
	if (pcap_set_snaplen(pc, NFLOG_BUFSIZE) != 0)
		fatalx("%s: %s", dev, pcap_geterr(pc));
	if ((rc = pcap_activate(pc)) < 0)
		fatalx("%s: %s (is another program bound to NFLOG group "
		    "%d?)", dev, pcap_geterr(pc)[0] != '\0' ?
		    pcap_geterr(pc) : pcap_statustostr(rc), init->nflog_group);
	if (rc > 0)
		log_warnx("%s: %s", dev, pcap_statustostr(rc));
	if (pcap_datalink(pc) != DLT_NFLOG)
		fatalx("%s: link type %d, not NFLOG", dev, pcap_datalink(pc));
	/* Past net.core.rmem_max, which a flood would fill at once. */
	if (setsockopt(pcap_fileno(pc), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
	    sizeof(rcvbuf)) == -1)
		log_warn("%s: SO_RCVBUFFORCE", dev);
	configure_instance(pcap_fileno(pc), init->nflog_group);
}

static void
batch_flush(void)
{
	if (nbatch == 0)
		return;
	child_compose(IMSG_NFLOG_EVENTS, batch, nbatch * sizeof(batch[0]));
	nbatch = 0;
}

static void
record(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	(void)nflog_decode(bytes, h->caplen, &batch[nbatch]);
	if (++nbatch == PKT_BATCH_MAX)
		batch_flush();
}

/*
 * One datagram of records per call (libpcap reads one and hands over
 * all it holds); the loop calls again while more are waiting.
 */
static void
readable(int fd, short event, void *arg)
{
	if (pcap_dispatch(pc, -1, record, NULL) == -1)
		fatalx("%s: %s", dev, pcap_geterr(pc));
	batch_flush();
}

static void
send_stats(int fd, short event, void *arg)
{
	struct timeval		every = { STATS_EVERY, 0 };
	struct pcap_stat	ps;
	struct capture_stats	cs;

	if (pcap_stats(pc, &ps) == 0) {
		memset(&cs, 0, sizeof(cs));
		cs.records = ps.ps_recv;
		cs.drops = ps.ps_drop;
		if (memcmp(&cs, &sent_stats, sizeof(cs)) != 0)
			child_compose(IMSG_CAPTURE_STATS, &cs, sizeof(cs));
		sent_stats = cs;
	}
	evtimer_add(&stats_ev, &every);
}

/* Once the fake and real addresses are known: read. */
void
nflogin_start(void)
{
	if (pc == NULL || started)
		return;
	started = 1;
	event_set(&fd_ev, pcap_fileno(pc), EV_READ | EV_PERSIST, readable,
	    NULL);
	if (event_add(&fd_ev, NULL) == -1)
		fatal("event_add");
	evtimer_set(&stats_ev, send_stats, NULL);
	send_stats(0, 0, NULL);
}
