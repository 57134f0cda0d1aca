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
 * The capture process: the only one that reads packet bytes, so it runs
 * unprivileged, chrooted to an empty directory and without capabilities.
 * With the nfqueue backend it decodes what the parent hands it and
 * answers with a class per packet; with the pf backend it reads pflog
 * records itself (pcapin.c) and reports what pf did with each; with the
 * nftables backend, NFLOG records (nflogin.c), what the kernel did.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <string.h>
#include <unistd.h>

#include "child.h"
#include "classify.h"
#include "imsgev.h"
#include "log.h"
#include "nflogin.h"
#include "pcapin.h"

static void	capture_before_drop(const struct child_init *, int);
static void	capture_after_drop(void);
static void	capture_dispatch(struct imsg *);

static const struct child_ops capture_ops = {
	.role = PROC_CAPTURE,
	.before_drop = capture_before_drop,
	.after_drop = capture_after_drop,
	.syscalls = &seccomp_capture,
	.dispatch = capture_dispatch,
};

/* Root, not yet chrooted: the one chance to open the pflog source. */
static void
capture_before_drop(const struct child_init *init, int fd)
{
	switch (init->source) {
	case CAPTURE_QUEUE:
		/* The parent hands us the packets; nothing to open. */
		if (fd != -1)
			close(fd);
		break;
	case CAPTURE_LIVE:
	case CAPTURE_SAVEFILE:
		pcapin_open(init, fd);
		break;
#ifdef __linux__
	case CAPTURE_NFLOG:
		if (fd != -1)
			close(fd);
		nflogin_open(init);
		break;
#endif
	default:
		fatalx("init: unknown capture source %d", init->source);
	}
}

static void
capture_after_drop(void)
{
#ifdef __OpenBSD__
	/*
	 * Reading the bpf descriptor opened before the drop is read(2), and
	 * a savefile is stdio: neither needs more than "stdio" (only
	 * pcap_stats() would want "bpf", and we do not call it).
	 */
	if (pledge("stdio", NULL) == -1)
		fatal("pledge");
#endif
}

static void
capture_packets(struct imsg *imsg)
{
	struct pkt_raw		raw[PKT_BATCH_MAX];
	struct pkt_result	res[PKT_BATCH_MAX];
	size_t			n, i;

	n = payload_batch(imsg, raw, sizeof(raw[0]), nitems(raw));
	memset(res, 0, sizeof(res));
	for (i = 0; i < n; i++) {
		if (raw[i].len > PKT_COPY_MAX)
			fatalx("%s: bad length %u", i2s(imsg_get_type(imsg)),
			    raw[i].len);
		res[i].id = raw[i].id;
		res[i].class = classify(raw[i].data, raw[i].len,
		    &res[i].info);
	}
	child_compose(IMSG_RESULTS, res, n * sizeof(res[0]));
}

static void
capture_dispatch(struct imsg *imsg)
{
	struct capture_conf	cc;

	switch (imsg_get_type(imsg)) {
	case IMSG_CAPTURE_CONF:
		payload_get(imsg, &cc, sizeof(cc));
		if (cc.nfake > MAX_MAILSERVERS || cc.nreal > MAX_MAILSERVERS)
			fatalx("%s: bad address count",
			    i2s(imsg_get_type(imsg)));
		classify_setconf(&cc);
		/* Records wait for the addresses they are judged by. */
		pcapin_start();
#ifdef __linux__
		nflogin_start();
#endif
		break;
	case IMSG_PACKETS:
		capture_packets(imsg);
		break;
	default:
		fatalx("unexpected %s from parent", i2s(imsg_get_type(imsg)));
	}
}

void
capture_main(const struct child_logopts *lo)
{
	child_main(&capture_ops, lo);
}
