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
 * The Linux backend: one NFQUEUE, bound through libnetfilter_queue's libmnl
 * API.  The parent holds this socket because the kernel checks
 * CAP_NET_ADMIN on every message, verdicts included.  Packets are read
 * without blocking from the event loop and handed on by callback; verdicts
 * are collected and sent to the kernel several to a datagram.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#include "log.h"
#include "parent.h"

#define NFQ_RCVBUF		(8 * 1024 * 1024)	/* bursts of SYNs */
#define NFQ_READS_PER_EVENT	64		/* then let others run */
#define NFQ_VERDICT_MAX		64		/* verdicts per datagram */
#define NFQ_VERDICT_SIZE	64		/* room for one verdict message */

static struct mnl_socket	*nl;
static unsigned int		 portid;
static uint16_t			 queue_num;
static char			*rxbuf;
static size_t			 rxbuf_size;
static char			 txbuf[NFQ_VERDICT_MAX * NFQ_VERDICT_SIZE];
static size_t			 txlen;
static nfqueue_packet_cb	 on_packet;

/* Send one configuration message and wait for the kernel's answer. */
static int
nfqueue_config(struct nlmsghdr *nlh)
{
	char	buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t	n;

	nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) == -1)
		return -1;
	if ((n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) == -1)
		return -1;
	return mnl_cb_run(buf, n, 0, portid, NULL, NULL) == MNL_CB_ERROR ?
	    -1 : 0;
}

/*
 * The netlink port bound to our queue in this network namespace, from
 * /proc/net/netfilter/nfnetlink_queue ("queue portid ..." a line), or 0.
 */
static unsigned int
queue_holder(void)
{
	FILE		*fp;
	unsigned int	 q, port, holder = 0;
	char		 line[256];

	if ((fp = fopen("/proc/net/netfilter/nfnetlink_queue", "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "%u %u", &q, &port) == 2 && q == queue_num)
			holder = port;
	fclose(fp);
	return holder;
}

/*
 * Binding the queue failed.  Linux 6.x answers EPERM, not EBUSY, for a
 * queue another socket holds, so look before blaming privileges.
 */
static __dead void
bind_failed(int error)
{
	unsigned int	port;

	if ((port = queue_holder()) != 0)
		fatalx("nfqueue %u is already bound by another process "
		    "(netlink port %u, usually that process's pid): stop it, "
		    "or choose another queue-num", queue_num, port);
	if (error == EBUSY || error == EEXIST)
		fatalx("nfqueue %u is already bound by another process: stop "
		    "it, or choose another queue-num", queue_num);
	if (error == EPERM)
		fatalx("nfqueue %u: permission denied: binding a queue needs "
		    "CAP_NET_ADMIN (run mxallowd as root)", queue_num);
	errno = error;
	fatal("bind nfqueue %u", queue_num);
}

int
nfqueue_open(const struct mxallowd_conf *conf, nfqueue_packet_cb cb)
{
	char			 buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr		*nlh;
	int			 fd, size = NFQ_RCVBUF;

	on_packet = cb;
	queue_num = conf->queue_num;
	/* Close-on-exec: the children must never hold this socket. */
	if ((nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC)) == NULL)
		fatal("netlink socket");
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == -1)
		fatal("netlink bind");
	portid = mnl_socket_get_portid(nl);
	fd = mnl_socket_get_fd(nl);

	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, queue_num);
	nfq_nlmsg_cfg_put_cmd(nlh, AF_INET, NFQNL_CFG_CMD_BIND);
	if (nfqueue_config(nlh) == -1)
		bind_failed(errno);

	/* The headers are all we look at; see PKT_COPY_MAX. */
	nlh = nfq_nlmsg_put(buf, NFQNL_MSG_CONFIG, queue_num);
	nfq_nlmsg_cfg_put_params(nlh, NFQNL_COPY_PACKET, PKT_COPY_MAX);
	nfq_nlmsg_cfg_put_qmaxlen(nlh, conf->queue_maxlen);
	if (nfqueue_config(nlh) == -1)
		fatal("configure nfqueue %u", queue_num);

	/* A bigger buffer rides out bursts; FORCE works as root. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size,
	    sizeof(size)) == -1 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) == -1)
		log_warn("nfqueue receive buffer");
	if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1)
		fatal("fcntl");

	rxbuf_size = MNL_SOCKET_BUFFER_SIZE + 0xffff;
	if ((rxbuf = malloc(rxbuf_size)) == NULL)
		fatal(NULL);
	log_info("bound to nfqueue %u, queue length %d", queue_num,
	    conf->queue_maxlen);
	return fd;
}

/* One NFQNL_MSG_PACKET: hand the id and the copied bytes on. */
static int
nfqueue_packet(const struct nlmsghdr *nlh, void *arg)
{
	struct nlattr			*attr[NFQA_MAX + 1];
	struct nfqnl_msg_packet_hdr	*ph;
	const uint8_t			*payload = NULL;
	size_t				 len = 0;

	memset(attr, 0, sizeof(attr));
	if (nfq_nlmsg_parse(nlh, attr) < 0 || attr[NFQA_PACKET_HDR] == NULL ||
	    mnl_attr_get_payload_len(attr[NFQA_PACKET_HDR]) < sizeof(*ph)) {
		stats.queue_bad_messages++;
		return MNL_CB_OK;
	}
	ph = mnl_attr_get_payload(attr[NFQA_PACKET_HDR]);
	if (attr[NFQA_PAYLOAD] != NULL) {
		payload = mnl_attr_get_payload(attr[NFQA_PAYLOAD]);
		len = mnl_attr_get_payload_len(attr[NFQA_PAYLOAD]);
	}
	on_packet(ntohl(ph->packet_id), payload, len);
	return MNL_CB_OK;
}

/* Drain what the kernel has queued, a bounded number of reads. */
void
nfqueue_read(void)
{
	ssize_t	n;
	int	i;

	for (i = 0; i < NFQ_READS_PER_EVENT; i++) {
		if ((n = mnl_socket_recvfrom(nl, rxbuf, rxbuf_size)) == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			/* The kernel dropped messages for us: count, go on. */
			if (errno == ENOBUFS) {
				stats.queue_enobufs++;
				continue;
			}
			fatal("nfqueue read");
		}
		if (mnl_cb_run(rxbuf, n, 0, portid, nfqueue_packet, NULL) ==
		    MNL_CB_ERROR) {
			/* An error answer, e.g. to a verdict for a gone id. */
			stats.queue_errors++;
			log_debug("nfqueue: %s", strerror(errno));
		}
	}
}

void
nfqueue_verdict(uint32_t id, int accept)
{
	struct nlmsghdr	*nlh;

	if (txlen + NFQ_VERDICT_SIZE > sizeof(txbuf))
		nfqueue_flush();
	nlh = nfq_nlmsg_put(txbuf + txlen, NFQNL_MSG_VERDICT, queue_num);
	nfq_nlmsg_verdict_put(nlh, id, accept ? NF_ACCEPT : NF_DROP);
	txlen += NLMSG_ALIGN(nlh->nlmsg_len);
}

/* Send the collected verdicts: the kernel walks every message in it. */
void
nfqueue_flush(void)
{
	if (txlen == 0)
		return;
	if (mnl_socket_sendto(nl, txbuf, txlen) == -1) {
		/* The packets stay queued until the queue overflows. */
		stats.verdict_errors++;
		log_warn("nfqueue verdicts");
	}
	txlen = 0;
}

/* The kernel's own counters for our queue, from procfs; -1 if absent. */
int
nfqueue_kernel_drops(unsigned long long *queue_dropped,
    unsigned long long *user_dropped)
{
	FILE		*fp;
	unsigned int	 num;
	int		 found = -1;

	if ((fp = fopen("/proc/net/netfilter/nfnetlink_queue", "r")) == NULL)
		return -1;
	/* queue, portid, total, mode, range, queue_dropped, user_dropped */
	while (fscanf(fp, "%u %*u %*u %*u %*u %llu %llu %*u %*u", &num,
	    queue_dropped, user_dropped) == 3) {
		if (num == queue_num) {
			found = 0;
			break;
		}
	}
	fclose(fp);
	return found;
}
