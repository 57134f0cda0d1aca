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
 * What a decoded packet means to us, shared by both packet paths (the
 * parent's nfqueue copies and pflog records): only a SYN without ACK to
 * the SMTP port opens a connection to a mail server, and its destination
 * address says fake or real.  The port is checked here, whatever the
 * firewall rules or the pcap filter let through.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <string.h>

#include "classify.h"
#include "decode.h"

static struct capture_conf	cconf;

static int	addr_in(const struct mxaddr *, const struct mxaddr *,
		    uint32_t);

/* The caller has checked the counts. */
void
classify_setconf(const struct capture_conf *cc)
{
	memcpy(&cconf, cc, sizeof(cconf));
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

/*
 * The IP packet at pkt, len bytes of it captured.  *info is filled in as
 * decode_ip() does: all zero for PKT_MALFORMED and PKT_CUT.
 */
enum pkt_class
classify(const uint8_t *pkt, size_t len, struct pkt_info *info)
{
	switch (decode_ip(pkt, len, info)) {
	case DECODE_MALFORMED:
		return PKT_MALFORMED;
	case DECODE_CUT:
		return PKT_CUT;
	case DECODE_NOT_TCP:
		return PKT_OTHER;
	case DECODE_TCP:
		break;
	}
	if ((info->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) != TCP_FLAG_SYN)
		return PKT_OTHER;
	if (info->dport != SMTP_PORT)
		return PKT_OTHER;
	if (addr_in(&info->dst, cconf.fake, cconf.nfake))
		return PKT_FAKE;
	if (addr_in(&info->dst, cconf.real, cconf.nreal))
		return PKT_REAL;
	return PKT_OTHER;
}
