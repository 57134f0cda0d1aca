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
#ifdef __OpenBSD__
#include <sys/socket.h>
#include <net/if.h>
#include <net/if_pflog.h>
#include <net/bpf.h>
#include <stddef.h>
#endif

#include <string.h>

#include "classify.h"
#include "pflog.h"

#ifdef __OpenBSD__
/*
 * The offsets and values pflog.h and mxallowd.h spell out, checked
 * against the system's own structure and pfvar.h where there is one.
 */
_Static_assert(sizeof(struct pfloghdr) == PFLOG_HDR_LEN, "pfloghdr size");
_Static_assert(offsetof(struct pfloghdr, length) == PFLOG_OFF_LENGTH,
    "pfloghdr length");
_Static_assert(offsetof(struct pfloghdr, af) == PFLOG_OFF_AF, "pfloghdr af");
_Static_assert(sizeof(sa_family_t) == 1, "pfloghdr af is one byte");
_Static_assert(offsetof(struct pfloghdr, action) == PFLOG_OFF_ACTION,
    "pfloghdr action");
_Static_assert(offsetof(struct pfloghdr, dir) == PFLOG_OFF_DIR,
    "pfloghdr dir");
_Static_assert(AF_INET == PFLOG_AF_INET && AF_INET6 == PFLOG_AF_INET6,
    "address families");
_Static_assert(BPF_WORDALIGN(PFLOG_HDR_LEN) == PFLOG_WORDALIGN(PFLOG_HDR_LEN),
    "BPF_WORDALIGN");
_Static_assert(PF_PASS == PFLOG_PASS && PF_DROP == PFLOG_BLOCK &&
    PF_MATCH == PFLOG_MATCH, "pf actions");
_Static_assert(PF_IN == PFLOG_DIR_IN && PF_OUT == PFLOG_DIR_OUT,
    "pf directions");
#endif

/*
 * Fill *ev from the record at rec, of which caplen bytes were captured,
 * and return its class.  A record is PKT_MALFORMED when it is shorter
 * than the header, when its length field is not OpenBSD's header length
 * (another layout, FreeBSD's say), when its af is neither inet nor inet6,
 * when the packet's IP version disagrees with af, or when the packet is
 * malformed; PKT_CUT when the capture ends before the packet's TCP flags
 * (pflogd keeps 160 bytes by default).  *ev is then all zero but for the
 * class.
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
	if (caplen <= hlen) {
		ev->class = PKT_CUT;
		return ev->class;
	}
	if (rec[hlen] >> 4 != version)
		return ev->class;

	ev->class = classify(rec + hlen, caplen - hlen, &ev->info);
	if (ev->class == PKT_MALFORMED || ev->class == PKT_CUT)
		return ev->class;
	/* Passed on as pf wrote them; the parent judges them. */
	ev->action = rec[PFLOG_OFF_ACTION];
	ev->dir = rec[PFLOG_OFF_DIR];
	return ev->class;
}
