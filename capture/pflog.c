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
 * One pflog record: OpenBSD's struct pfloghdr, then the packet pf logged.
 * The record comes from the kernel or from a savefile someone handed us,
 * so nothing in it is trusted: every field is read byte by byte at its
 * offset after a length check, and the packet goes to decode_ip().
 */

#include <sys/types.h>

#include <string.h>

#include "classify.h"
#include "pflog.h"

/*
 * Fill *ev from the record at rec, of which caplen bytes were captured,
 * and return its class.  A record is PKT_MALFORMED when it is shorter
 * than the header, when its length field is not OpenBSD's header length
 * (another layout, FreeBSD's say), when its af is neither inet nor inet6,
 * when the packet's IP version disagrees with af, or when the packet does
 * not decode; *ev is then all zero but for the class.
 */
enum pkt_class
pflog_decode(const uint8_t *rec, size_t caplen, struct pf_event *ev)
{
	size_t	hlen;
	int	version;

	/* Padding included, so that the parent sees no stale bytes. */
	memset(ev, 0, sizeof(*ev));
	ev->class = PKT_MALFORMED;

	if (rec == NULL || caplen < PFLOG_HDR_LEN)
		return ev->class;
	if (rec[PFLOG_OFF_LENGTH] != PFLOG_HDR_LEN)
		return ev->class;
	switch (rec[PFLOG_OFF_AF]) {
	case PFLOG_AF_INET:
		version = 4;
		break;
	case PFLOG_AF_INET6:
		version = 6;
		break;
	default:
		return ev->class;
	}
	hlen = PFLOG_WORDALIGN(rec[PFLOG_OFF_LENGTH]);
	if (caplen <= hlen || rec[hlen] >> 4 != version)
		return ev->class;

	ev->class = classify(rec + hlen, caplen - hlen, &ev->info);
	if (ev->class == PKT_MALFORMED)
		return ev->class;
	/* Passed on as pf wrote them; the parent judges them. */
	ev->action = rec[PFLOG_OFF_ACTION];
	ev->dir = rec[PFLOG_OFF_DIR];
	return ev->class;
}
