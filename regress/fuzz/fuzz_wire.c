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
 * libFuzzer harness: what the sync process reads from Redis (sync/wire.c)
 * on arbitrary bytes, as a message on the channel (header, then lines),
 * as a stored value and as a key.  The contract: what is accepted is the
 * one spelling of its entry (formatted again, it is the same bytes), and
 * an entry the checks pass has this host's prefix length, no host bits,
 * an expiry within whitelist-time.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

#define NOW	1767225600

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct wire_limits	limits = { 32, 64, 86400 };

/* An accepted entry: its own spelling, and within the limits if checked. */
static void
accepted(struct sync_entry *e, const char *src, size_t len, int line)
{
	char		 back[WIRE_TEXT_MAX];
	const char	*why;
	size_t		 n;

	if (line) {
		n = wire_line(e, back, sizeof(back));
		if (n != len || memcmp(back, src, len) != 0)
			abort();
	}
	if (wire_check_entry(e, &limits, &why) == -1)
		return;
	if (e->prefixlen != (e->net.af == AF_INET ? 32 : 64))
		abort();
	if (wire_check_expiry(e, &limits, NOW, &why) == 0 &&
	    e->op == SYNC_SET && (e->expires <= NOW ||
	    e->expires > NOW + limits.lifetime))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char		*msg = (const char *)data, *line, *why;
	struct wire_header	 h;
	struct sync_entry	 e;
	size_t			 off, len;
	int			 op;

	if (wire_parse_header(msg, size, &h, &off, &why) == 0) {
		if (memchr(h.from, '\0', sizeof(h.from)) == NULL ||
		    !wire_name_ok(h.from))
			abort();
		while (wire_next_line(msg, size, &off, &line, &len)) {
			op = wire_parse_line(line, len, &e, &why);
			if (op == SYNC_SET || op == SYNC_DEL)
				accepted(&e, line, len, 1);
			else if (op != WIRE_FLUSH && op != -1)
				abort();
		}
	}
	if (wire_parse_value(msg, size, &e, &why) == 0 &&
	    memchr(e.origin, '\0', sizeof(e.origin)) == NULL)
		abort();
	if (wire_parse_key("mxallowd:", msg, size, &e, &why) == 0 &&
	    e.prefixlen > 128)
		abort();
	return 0;
}
