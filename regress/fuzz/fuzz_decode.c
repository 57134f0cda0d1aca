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
 * libFuzzer harness: decode_ip() on arbitrary bytes, plus the contract
 * in decode.c: MALFORMED and CUT leave *info all zero, NOT_TCP sets only
 * the addresses, TCP sets a matching inet or inet6 pair; padding stays
 * zero; one byte less captured gives the same answer or CUT.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
is_zero(const void *p, size_t len)
{
	const uint8_t	*b = p;

	while (len-- > 0)
		if (*b++ != 0)
			return 0;
	return 1;
}

/* An address decode_ip() set: inet or inet6, inet's tail zero. */
static void
check_addr(const struct mxaddr *a)
{
	if (a->af == AF_INET) {
		if (!is_zero(a->u.bytes + 4, sizeof(a->u.bytes) - 4))
			abort();
	} else if (a->af != AF_INET6)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_info		info, again;
	enum decode_result	r;

	memset(&info, 0xa5, sizeof(info));	/* must be overwritten */
	r = decode_ip(data, size, &info);

	switch (r) {
	case DECODE_MALFORMED:
	case DECODE_CUT:
		if (!is_zero(&info, sizeof(info)))
			abort();
		break;
	case DECODE_NOT_TCP:
		check_addr(&info.src);
		check_addr(&info.dst);
		if (info.src.af != info.dst.af)
			abort();
		if (info.sport != 0 || info.dport != 0 || info.seq != 0 ||
		    info.tcp_flags != 0 || !is_zero(info.pad, sizeof(info.pad)))
			abort();
		break;
	case DECODE_TCP:
		check_addr(&info.src);
		check_addr(&info.dst);
		if (info.src.af != info.dst.af)
			abort();
		if (!is_zero(info.pad, sizeof(info.pad)))
			abort();
		break;
	default:
		abort();
	}

	/* A shorter copy decodes as the whole one does, or as CUT. */
	if (size > 1) {
		struct pkt_info		 cut;
		enum decode_result	 rc;

		rc = decode_ip(data, size - 1, &cut);
		if (rc != DECODE_CUT && (rc != r ||
		    memcmp(&cut, &info, sizeof(cut)) != 0))
			abort();
	}

	/* Classify-only gives the same answer; a second run the same info. */
	if (decode_ip(data, size, NULL) != r)
		abort();
	memset(&again, 0, sizeof(again));
	if (decode_ip(data, size, &again) != r ||
	    memcmp(&info, &again, sizeof(info)) != 0)
		abort();
	return 0;
}
