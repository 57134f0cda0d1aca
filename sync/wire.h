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
 * How whitelist entries look in Redis and on its channel, written and
 * read back; see wire.c for the format.  No I/O here: the sync process
 * and the parent use it, and so do the unit tests and the fuzzer.
 */

#ifndef WIRE_H
#define WIRE_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "mxallowd.h"

#define WIRE_MAGIC		"mxallowd"
#define WIRE_VERSION		"1"
#define WIRE_KEY_TAG		"wl:"		/* after the prefix */
#define WIRE_CHANNEL_TAG	"events:"	/* after the prefix; then the db */

/* What a load reads of a stored value: more is not one of ours. */
#define WIRE_VALUE_MAX		256
/* A key, a value, a line, a header: each fits in these. */
#define WIRE_KEY_MAX		(REDIS_PREFIX_MAX + 64)
#define WIRE_TEXT_MAX		(64 + 2 * 20 + 16 + REDIS_NAME_MAX)
#define WIRE_CHANNEL_MAX	(REDIS_PREFIX_MAX + 16)
/* A message: a header and at most SYNC_BATCH_MAX lines. */
#define WIRE_MESSAGE_MAX	((SYNC_BATCH_MAX + 1) * WIRE_TEXT_MAX)

/* What wire_parse_line() found, besides SYNC_SET and SYNC_DEL. */
#define WIRE_FLUSH		3

/* What this host takes from its peers. */
struct wire_limits {
	unsigned int	prefix4;	/* whitelist-prefix4: exactly this */
	unsigned int	prefix6;
	time_t		lifetime;	/* whitelist-time: longer is cut */
};

/* The first line of a message on the channel. */
struct wire_header {
	char		from[REDIS_NAME_MAX];	/* the host that sent it */
	int64_t		sent_ms;		/* its clock, milliseconds */
};

int		 wire_name_ok(const char *);
int		 wire_prefix_ok(const char *);
const char	*wire_reason_name(unsigned int);

size_t	wire_key(const char *, const struct sync_entry *, char *, size_t);
size_t	wire_channel(const char *, unsigned int, char *, size_t);
size_t	wire_value(const struct sync_entry *, char *, size_t);
size_t	wire_line(const struct sync_entry *, char *, size_t);
size_t	wire_header(const char *, int64_t, char *, size_t);

int	wire_parse_key(const char *, const char *, size_t,
	    struct sync_entry *, const char **);
int	wire_parse_value(const char *, size_t, struct sync_entry *,
	    const char **);
int	wire_parse_header(const char *, size_t, struct wire_header *,
	    size_t *, const char **);
int	wire_next_line(const char *, size_t, size_t *, const char **,
	    size_t *);
int	wire_parse_line(const char *, size_t, struct sync_entry *,
	    const char **);

int	wire_check_entry(const struct sync_entry *, const struct wire_limits *,
	    const char **);
int	wire_check_expiry(struct sync_entry *, const struct wire_limits *,
	    time_t, const char **);

#endif /* WIRE_H */
