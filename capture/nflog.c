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
 * One NFLOG record (see nflog.h).  It comes from the kernel, but capture
 * trusts no byte: every attribute's length is checked against what is
 * left before its value is read, unknown attributes are skipped, and the
 * packet goes to classify() like any other.  The rule's prefix says what
 * the kernel did with the SYN (parent/nftrules.c writes them).
 */

#include <sys/types.h>

#include <string.h>

#include "classify.h"
#include "nflog.h"

static const struct {
	const char	*prefix;
	uint32_t	 action;
} prefixes[] = {
	{ NFLOG_PREFIX_FAKE,	NFLOG_FAKE },
	{ NFLOG_PREFIX_ADMIT,	NFLOG_ADMIT },
	{ NFLOG_PREFIX_BLOCK,	NFLOG_BLOCK },
};

static uint32_t
action_of(const uint8_t *prefix)
{
	size_t	i;

	for (i = 0; prefix != NULL && i < sizeof(prefixes) /
	    sizeof(prefixes[0]); i++)
		if (strcmp((const char *)prefix, prefixes[i].prefix) == 0)
			return prefixes[i].action;
	return NFLOG_OTHER;
}

/*
 * Fill *ev from the record at rec, caplen bytes of it, and return its
 * class.  PKT_MALFORMED (and *ev zero but for class and action
 * NFLOG_OTHER) for: a record shorter than its header, another version or
 * family, an attribute shorter than its header or longer than what is
 * left, bytes after the last attribute, a second packet or prefix, a
 * prefix without its NUL, no packet, a packet of the other IP version
 * or one that does not decode; PKT_CUT (and the same event) for a packet
 * copied short of its TCP flags (the rules copy NFTR_SNAPLEN bytes).
 */
enum pkt_class
nflog_decode(const uint8_t *rec, size_t caplen, struct nflog_event *ev)
{
	const uint8_t	*payload = NULL, *prefix = NULL;
	size_t		 off, plen = 0, step;
	uint16_t	 len, type;
	int		 version;

	memset(ev, 0, sizeof(*ev));
	ev->action = NFLOG_OTHER;
	ev->class = PKT_MALFORMED;
	if (rec == NULL || caplen < NFLOG_HDR_LEN || rec[1] != NFLOG_VERSION)
		return ev->class;
	if (rec[0] == NFLOG_AF_INET)
		version = 4;
	else if (rec[0] == NFLOG_AF_INET6)
		version = 6;
	else
		return ev->class;

	for (off = NFLOG_HDR_LEN; caplen - off >= NFLOG_TLV_LEN; off += step) {
		memcpy(&len, rec + off, sizeof(len));
		memcpy(&type, rec + off + 2, sizeof(type));
		if (len < NFLOG_TLV_LEN || len > caplen - off)
			return ev->class;
		switch (type & NFLOG_TYPE_MASK) {
		case NFULA_PAYLOAD:
			if (payload != NULL)
				return ev->class;
			payload = rec + off + NFLOG_TLV_LEN;
			plen = len - NFLOG_TLV_LEN;
			break;
		case NFULA_PREFIX:
			if (prefix != NULL || memchr(rec + off + NFLOG_TLV_LEN,
			    '\0', len - NFLOG_TLV_LEN) == NULL)
				return ev->class;
			prefix = rec + off + NFLOG_TLV_LEN;
			break;
		}
		/* The last attribute's padding may be cut off. */
		step = NFLOG_TLV_ALIGN(len);
		if (step > caplen - off)
			step = caplen - off;
	}
	if (off != caplen || payload == NULL || plen == 0 ||
	    payload[0] >> 4 != version)
		return ev->class;

	ev->class = classify(payload, plen, &ev->info);
	if (ev->class != PKT_MALFORMED && ev->class != PKT_CUT)
		ev->action = action_of(prefix);
	return ev->class;
}
