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
 * pflog records through libpcap, for the pf backend: live from the pflog
 * interface, or from a savefile the parent opened for --replay.  Both go
 * through the same per-record path: decode, batch, IMSG_PF_EVENTS.
 *
 * The handle is opened as root before the drop; reading it afterwards
 * needs nothing but read(2) (bpf) or stdio (a savefile).  Records are
 * taken a bounded number per turn of the event loop, so that the channel
 * to the parent keeps moving while a savefile is being read.
 */

#include <sys/types.h>
#include <sys/socket.h>
#ifdef __OpenBSD__
#include <sys/ioctl.h>
#include <net/bpf.h>
#endif

#include <event.h>
#include <pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "log.h"
#include "pcapin.h"
#include "pflog.h"

#define PFLOG_SNAPLEN	256	/* the pflog header and the headers we read */
#define ROUND_MAX	512	/* records per turn of the event loop */

#ifndef PCAP_NETMASK_UNKNOWN
#define PCAP_NETMASK_UNKNOWN	0xffffffff
#endif

static pcap_t		*pc;
static int		 source = CAPTURE_QUEUE;
static int		 started;
static char		 ifname[IFNAMSIZ];
static struct bpf_program filter;	/* a savefile's: applied here */
static struct event	 fd_ev;		/* live: the bpf descriptor */
static struct event	 round_ev;	/* another round, at once */
static struct pf_event	 batch[PKT_BATCH_MAX];
static size_t		 nbatch;
static uint64_t		 nrecords;	/* read, the filtered-out included */
static uint8_t		*fbuf;		/* savefile_match()'s copy */
static size_t		 fbufsize;

static void	open_live(const struct child_init *);
static void	open_savefile(int);
static void	set_filter(const char *);
static const char *what(void);
static void	batch_flush(void);
static int	savefile_match(const struct pcap_pkthdr *, const u_char *);
static void	record(u_char *, const struct pcap_pkthdr *, const u_char *);
static void	savefile_end(int);
static void	read_round(void);
static void	readable(int, short, void *);
static void	next_round(int, short, void *);

static const char *
what(void)
{
	return source == CAPTURE_LIVE ? ifname : "savefile";
}

/* Runs as root: open the interface or take over the parent's savefile. */
void
pcapin_open(const struct child_init *init, int fd)
{
	const char	*name;
	int		 dlt;

	source = init->source;
	if (source == CAPTURE_LIVE) {
		if (fd != -1)
			close(fd);
		open_live(init);
	} else
		open_savefile(fd);

	/* Another link type would have us parse the wrong header. */
	if ((dlt = pcap_datalink(pc)) != DLT_PFLOG) {
		if ((name = pcap_datalink_val_to_name(dlt)) == NULL)
			name = "unknown";
		fatalx("%s: link type %s (%d), not PFLOG%s", what(), name, dlt,
		    source == CAPTURE_LIVE ? ": not a pflog interface" : "");
	}
	set_filter(init->pcap_filter);

#ifdef __OpenBSD__
	/*
	 * As pflogd does: once we are no longer root, the interface and
	 * the filter of the descriptor cannot be changed any more.
	 */
	if (source == CAPTURE_LIVE && ioctl(pcap_fileno(pc), BIOCLOCK) == -1)
		fatal("%s: BIOCLOCK", ifname);
#endif
}

static void
open_live(const struct child_init *init)
{
	char	 errbuf[PCAP_ERRBUF_SIZE];
	int	 rc;

	strlcpy(ifname, init->pflog_if, sizeof(ifname));
	errbuf[0] = '\0';
	if ((pc = pcap_create(ifname, errbuf)) == NULL)
		fatalx("%s: %s", ifname, errbuf);
	/* Immediate: a SYN must reach the parent now, not when a buffer fills. */
	if (pcap_set_snaplen(pc, PFLOG_SNAPLEN) != 0 ||
	    pcap_set_immediate_mode(pc, 1) != 0)
		fatalx("%s: %s", ifname, pcap_geterr(pc));
	rc = pcap_activate(pc);
	if (rc < 0)
		fatalx("%s: %s", ifname, pcap_geterr(pc)[0] != '\0' ?
		    pcap_geterr(pc) : pcap_statustostr(rc));
	if (rc > 0)
		log_warnx("%s: %s", ifname, pcap_statustostr(rc));
	if (pcap_setnonblock(pc, 1, errbuf) == -1)
		fatalx("%s: %s", ifname, errbuf);
}

/* fd is the savefile the parent opened: it may read where we cannot. */
static void
open_savefile(int fd)
{
	char	 errbuf[PCAP_ERRBUF_SIZE];
	FILE	*fp;

	if (fd == -1)
		fatalx("savefile: the parent sent no descriptor");
	if ((fp = fdopen(fd, "r")) == NULL)
		fatal("savefile: fdopen");
	errbuf[0] = '\0';
	if ((pc = pcap_fopen_offline(fp, errbuf)) == NULL)
		fatalx("savefile: %s", errbuf);
}

/*
 * Live, the kernel runs the filter.  A savefile's filter runs here, in
 * savefile_match(), which needs the program; compiling it now also
 * catches a bad expression before anything is read.
 */
static void
set_filter(const char *expr)
{
	if (pcap_compile(pc, &filter, expr, 1, PCAP_NETMASK_UNKNOWN) == -1)
		fatalx("pcap-filter \"%s\": %s", expr, pcap_geterr(pc));
	if (source == CAPTURE_LIVE) {
		if (pcap_setfilter(pc, &filter) == -1)
			fatalx("%s: pcap-filter \"%s\": %s", ifname, expr,
			    pcap_geterr(pc));
		pcap_freecode(&filter);
	}
}

/* Runs once the fake and real addresses are known: before, all is OTHER. */
void
pcapin_start(void)
{
	int	fd;

	if (pc == NULL || started)
		return;
	started = 1;
	evtimer_set(&round_ev, next_round, NULL);
	if (source == CAPTURE_LIVE) {
		if ((fd = pcap_get_selectable_fd(pc)) == -1)
			fatalx("%s: no descriptor to wait on", ifname);
		event_set(&fd_ev, fd, EV_READ | EV_PERSIST, readable, NULL);
		if (event_add(&fd_ev, NULL) == -1)
			fatal("event_add");
	}
	/* Live: whatever came before the start is already waiting. */
	read_round();
}

static void
batch_flush(void)
{
	if (nbatch == 0)
		return;
	child_compose(IMSG_PF_EVENTS, batch, nbatch * sizeof(batch[0]));
	nbatch = 0;
}

/*
 * libpcap compiles a DLT_PFLOG filter with the host's AF_INET6, which is
 * 10 on Linux, so an OpenBSD record (24) would never match "ip6", nor
 * "port 25" over IPv6.  Where the numbers differ the filter runs on a
 * copy in the host's numbering; on OpenBSD it runs on the record itself.
 */
static int
savefile_match(const struct pcap_pkthdr *h, const u_char *bytes)
{
#if AF_INET6 != PFLOG_AF_INET6
	uint8_t	*p;

	if (h->caplen > PFLOG_OFF_AF &&
	    bytes[PFLOG_OFF_AF] == PFLOG_AF_INET6) {
		if (h->caplen > fbufsize) {
			if ((p = realloc(fbuf, h->caplen)) == NULL)
				fatal("savefile: filter buffer");
			fbuf = p;
			fbufsize = h->caplen;
		}
		memcpy(fbuf, bytes, h->caplen);
		fbuf[PFLOG_OFF_AF] = AF_INET6;
		bytes = fbuf;
	}
#endif
	return pcap_offline_filter(&filter, h, bytes) != 0;
}

/* One record, live or from the savefile. */
static void
record(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	nrecords++;
	if (source == CAPTURE_SAVEFILE && !savefile_match(h, bytes))
		return;
	(void)pflog_decode(bytes, h->caplen, &batch[nbatch]);
	if (++nbatch == PKT_BATCH_MAX)
		batch_flush();
}

/*
 * Everything is sent; what happens next is the parent's decision.  cut:
 * the file ended inside a record.
 */
static void
savefile_end(int cut)
{
	struct capture_eof	eof;

	memset(&eof, 0, sizeof(eof));
	eof.records = nrecords;
	eof.cut = cut != 0;
	child_compose(IMSG_CAPTURE_EOF, &eof, sizeof(eof));
	log_debug("savefile: %llu records", (unsigned long long)nrecords);
	pcap_freecode(&filter);
	pcap_close(pc);
	pc = NULL;
	free(fbuf);
	fbuf = NULL;
	fbufsize = 0;
}

/*
 * At most ROUND_MAX records, then back to the event loop.  What is left
 * (a savefile, or records libpcap has buffered past the count) gets
 * another round at once; a live descriptor also wakes us when readable.
 */
static void
read_round(void)
{
	struct timeval	 now = { 0, 0 };
	int		 n;

	n = pcap_dispatch(pc, ROUND_MAX, record, NULL);
	batch_flush();
	if (n == -1) {
		if (source == CAPTURE_LIVE)
			fatalx("%s: %s", ifname, pcap_geterr(pc));
		/*
		 * A savefile cut short, say by a killed tcpdump, or one
		 * whose first record is already incomplete: the parent
		 * reports it as a failed replay.
		 */
		log_warnx("savefile: cut short after %llu whole records: %s",
		    (unsigned long long)nrecords, pcap_geterr(pc));
		savefile_end(1);
		return;
	}
	if (source == CAPTURE_SAVEFILE && n == 0) {
		savefile_end(0);
		return;
	}
	if (source == CAPTURE_SAVEFILE || n == ROUND_MAX)
		if (evtimer_add(&round_ev, &now) == -1)
			fatal("evtimer_add");
}

static void
readable(int fd, short event, void *arg)
{
	/* A round is already due: let it do the reading. */
	if (evtimer_pending(&round_ev, NULL))
		return;
	read_round();
}

static void
next_round(int fd, short event, void *arg)
{
	read_round();
}
