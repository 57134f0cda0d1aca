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
 * It decodes what the parent hands it and answers with a class per packet.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <string.h>
#include <unistd.h>

#include "child.h"
#include "decode.h"
#include "imsgev.h"
#include "log.h"

static void	capture_after_drop(void);
static void	capture_dispatch(struct imsg *);

static const struct child_ops capture_ops = {
	.role = PROC_CAPTURE,
	.after_drop = capture_after_drop,
	.dispatch = capture_dispatch,
};

static struct capture_conf	cconf;

static void
capture_after_drop(void)
{
#ifdef __OpenBSD__
	if (pledge("stdio", NULL) == -1)
		fatal("pledge");
#endif
}

static int
addr_in(const struct mxaddr *a, const struct mxaddr *list, uint32_t n)
{
	uint32_t	i;

	for (i = 0; i < n; i++)
		if (memcmp(a, &list[i], sizeof(*a)) == 0)
			return 1;
	return 0;
}

/* Only a SYN without ACK opens a connection; the rest is not ours. */
static enum pkt_class
classify(const struct pkt_raw *raw, struct pkt_info *info)
{
	switch (decode_ip(raw->data, raw->len, info)) {
	case DECODE_MALFORMED:
		return PKT_MALFORMED;
	case DECODE_NOT_TCP:
		return PKT_OTHER;
	case DECODE_TCP:
		break;
	}
	if ((info->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) != TCP_FLAG_SYN)
		return PKT_OTHER;
	if (addr_in(&info->dst, cconf.fake, cconf.nfake))
		return PKT_FAKE;
	if (addr_in(&info->dst, cconf.real, cconf.nreal))
		return PKT_REAL;
	return PKT_OTHER;
}

static void
capture_packets(struct imsg *imsg)
{
	struct pkt_raw		raw[PKT_BATCH_MAX];
	struct pkt_result	res[PKT_BATCH_MAX];
	size_t			len = imsg_get_len(imsg), n, i;

	if (len == 0 || len % sizeof(raw[0]) != 0 || len > sizeof(raw))
		fatalx("packets: bad size %zu", len);
	n = len / sizeof(raw[0]);
	imsg_payload(imsg, raw, len, "packets");
	memset(res, 0, sizeof(res));
	for (i = 0; i < n; i++) {
		if (raw[i].len > PKT_COPY_MAX)
			fatalx("packets: bad length %u", raw[i].len);
		res[i].id = raw[i].id;
		res[i].class = classify(&raw[i], &res[i].info);
	}
	if (child_send(IMSG_RESULTS, res, n * sizeof(res[0])) == -1)
		fatal("send results");
}

static void
capture_dispatch(struct imsg *imsg)
{
	switch (imsg_get_type(imsg)) {
	case IMSG_CAPTURE_CONF:
		imsg_payload(imsg, &cconf, sizeof(cconf), "capture conf");
		if (cconf.nfake > MAX_MAILSERVERS ||
		    cconf.nreal > MAX_MAILSERVERS)
			fatalx("capture conf: bad address count");
		break;
	case IMSG_PACKETS:
		capture_packets(imsg);
		break;
	default:
		fatalx("unexpected message type %u", imsg_get_type(imsg));
	}
}

void
capture_main(const struct child_logopts *lo)
{
	child_main(&capture_ops, lo);
}
