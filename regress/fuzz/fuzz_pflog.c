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
 * libFuzzer harness: pflog_decode() on one arbitrary record.  Its
 * contract (pflog.c): a known class, and on PKT_MALFORMED and PKT_CUT an
 * event that is all zero but for the class.  The fake and real servers
 * come from fuzz_classify.c.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "pflog.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pf_event	ev, zero;

	memset(&ev, 0xa5, sizeof(ev));
	switch (pflog_decode(data, size, &ev)) {
	case PKT_FAKE:
	case PKT_REAL:
	case PKT_OTHER:
		if (ev.class == PKT_MALFORMED)
			abort();
		break;
	case PKT_MALFORMED:
	case PKT_CUT:
		memset(&zero, 0, sizeof(zero));
		zero.class = ev.class;
		if (memcmp(&ev, &zero, sizeof(ev)) != 0)
			abort();
		break;
	default:
		abort();
	}
	if (!(ev.class >= PKT_FAKE && ev.class <= PKT_CLASS_LAST))
		abort();
	return 0;
}
