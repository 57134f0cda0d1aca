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
 * The shared whitelist's format in Redis.  Text, so that an administrator
 * can read it with redis-cli, one canonical spelling per entry:
 *
 *	key	PREFIX wl: NET/LEN		mxallowd:wl:203.0.113.0/24
 *	value	1 EXPIRY REASON CONFIRMED ORIGIN	1 1767225600 fake-hit 0 mx1
 *
 * NET is the network as inet_ntop(3) prints it, host bits zero, LEN the
 * prefix length; EXPIRY is time(3) seconds (the key's TTL is what is left
 * of it), REASON fake-hit, rdns or manual, CONFIRMED 1 once the source
 * was admitted at a real MX of any host, ORIGIN the host that made it.
 *
 * Changes are announced on the channel PREFIX events: DB (PUBLISH ignores
 * SELECT, so the database is part of the name), one message per batch:
 *
 *	mxallowd 1 FROM MILLISECONDS
 *	+ NET/LEN EXPIRY REASON CONFIRMED ORIGIN	an entry, as merged
 *	- NET/LEN					deleted
 *	!						everything flushed
 *
 * FROM is the sending host, MILLISECONDS its clock when it sent.  A header
 * alone is a heartbeat.  Every field is separated by one space, every
 * byte is printable ASCII; anything else is refused, and so is a network
 * whose text is not the canonical one, so that one network has one key.
 *
 * All of it comes from the network: the parsers take a pointer and a
 * length (Redis strings are not NUL-terminated and may hold any byte),
 * never read past it, and say why they refuse.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "compat.h"
#include "whitelist.h"
#include "wire.h"

#define MAX_FIELDS	8
#define NUMBER_DIGITS	18	/* below 10^18: fits an int64_t */

static const char *const reason_names[WL_NREASONS] = {
	[WL_FAKE_HIT] =	"fake-hit",
	[WL_RDNS] =	"rdns",
	[WL_MANUAL] =	"manual",
};

/* One field of a line: where it starts and how long it is. */
struct field {
	const char	*p;
	size_t		 len;
};

static int	split(const char *, size_t, struct field *, int);
static int	field_is(const struct field *, const char *);
static int	parse_number(const struct field *, int64_t *);
static int	parse_net(const struct field *, struct sync_entry *,
		    const char **);
static int	parse_reason(const struct field *, uint8_t *);
static int	parse_name(const struct field *, char *, size_t);
static int	parse_set(const struct field *, struct sync_entry *,
		    const char **);
static int	host_bits_zero(const struct mxaddr *, unsigned int);
static int	name_char(int);

static int
name_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

/* A host name for entries: 1 to REDIS_NAME_MAX - 1 of [A-Za-z0-9._-]. */
int
wire_name_ok(const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++)
		if (!name_char((unsigned char)s[i]) || i + 1 >= REDIS_NAME_MAX)
			return 0;
	return i > 0;
}

/* A key prefix: what a name may hold, and ':'; nothing SCAN would glob. */
int
wire_prefix_ok(const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++)
		if ((!name_char((unsigned char)s[i]) && s[i] != ':') ||
		    i + 1 >= REDIS_PREFIX_MAX)
			return 0;
	return i > 0;
}

const char *
wire_reason_name(unsigned int r)
{
	return r < WL_NREASONS ? reason_names[r] : "?";
}

/* The output of snprintf as a length, 0 when it did not fit. */
static size_t
fitted(int n, size_t len)
{
	return n > 0 && (size_t)n < len ? (size_t)n : 0;
}

static size_t
net_text(const struct sync_entry *e, char *buf, size_t len)
{
	char	addr[INET6_ADDRSTRLEN];

	if (inet_ntop(e->net.af, &e->net.u, addr, sizeof(addr)) == NULL)
		return 0;
	return fitted(snprintf(buf, len, "%s/%u", addr, e->prefixlen), len);
}

size_t
wire_key(const char *prefix, const struct sync_entry *e, char *buf,
    size_t len)
{
	char	net[INET6_ADDRSTRLEN + 8];

	if (net_text(e, net, sizeof(net)) == 0)
		return 0;
	return fitted(snprintf(buf, len, "%s" WIRE_KEY_TAG "%s", prefix, net),
	    len);
}

size_t
wire_channel(const char *prefix, unsigned int db, char *buf, size_t len)
{
	return fitted(snprintf(buf, len, "%s" WIRE_CHANNEL_TAG "%u", prefix,
	    db), len);
}

size_t
wire_value(const struct sync_entry *e, char *buf, size_t len)
{
	return fitted(snprintf(buf, len, WIRE_VERSION " %lld %s %u %s",
	    (long long)e->expires, wire_reason_name(e->reason),
	    e->confirmed ? 1 : 0, e->origin), len);
}

/* "+ NET/LEN EXPIRY REASON CONFIRMED ORIGIN" or "- NET/LEN". */
size_t
wire_line(const struct sync_entry *e, char *buf, size_t len)
{
	char	net[INET6_ADDRSTRLEN + 8];

	if (net_text(e, net, sizeof(net)) == 0)
		return 0;
	if (e->op == SYNC_DEL)
		return fitted(snprintf(buf, len, "- %s", net), len);
	return fitted(snprintf(buf, len, "+ %s %lld %s %u %s", net,
	    (long long)e->expires, wire_reason_name(e->reason),
	    e->confirmed ? 1 : 0, e->origin), len);
}

size_t
wire_header(const char *from, int64_t ms, char *buf, size_t len)
{
	return fitted(snprintf(buf, len, WIRE_MAGIC " " WIRE_VERSION
	    " %s %lld", from, (long long)ms), len);
}

/*
 * Cut s[0..len) at single spaces into at most max fields; -1 for an empty
 * field, too many, or any byte that is not printable ASCII.
 */
static int
split(const char *s, size_t len, struct field *f, int max)
{
	size_t	i, start = 0;
	int	n = 0;

	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != ' ') {
			if ((unsigned char)s[i] < 0x21 ||
			    (unsigned char)s[i] > 0x7e)
				return -1;
			continue;
		}
		if (i == start || n == max)
			return -1;
		f[n].p = s + start;
		f[n].len = i - start;
		n++;
		start = i + 1;
	}
	return n;
}

static int
field_is(const struct field *f, const char *s)
{
	return f->len == strlen(s) && memcmp(f->p, s, f->len) == 0;
}

/* Decimal digits, no leading zero, below 10^NUMBER_DIGITS. */
static int
parse_number(const struct field *f, int64_t *v)
{
	size_t	i;

	if (f->len == 0 || f->len > NUMBER_DIGITS ||
	    (f->p[0] == '0' && f->len > 1))
		return -1;
	*v = 0;
	for (i = 0; i < f->len; i++) {
		if (f->p[i] < '0' || f->p[i] > '9')
			return -1;
		*v = *v * 10 + (f->p[i] - '0');
	}
	return 0;
}

/*
 * Every bit from plen on is zero: the host part, and for IPv4 the bytes
 * the family does not use.
 */
static int
host_bits_zero(const struct mxaddr *a, unsigned int plen)
{
	unsigned int	i;

	for (i = plen; i < 128; i++)
		if (a->u.bytes[i / 8] & (0x80 >> (i % 8)))
			return 0;
	return 1;
}

/* NET/LEN in its canonical spelling, host bits zero. */
static int
parse_net(const struct field *f, struct sync_entry *e, const char **why)
{
	char		 text[INET6_ADDRSTRLEN], back[INET6_ADDRSTRLEN];
	const char	*slash;
	struct field	 plen;
	int64_t		 n;
	size_t		 alen;

	*why = "bad network";
	if ((slash = memchr(f->p, '/', f->len)) == NULL)
		return -1;
	alen = slash - f->p;
	if (alen == 0 || alen >= sizeof(text))
		return -1;
	memcpy(text, f->p, alen);
	text[alen] = '\0';
	memset(&e->net, 0, sizeof(e->net));
	e->net.af = memchr(text, ':', alen) != NULL ? AF_INET6 : AF_INET;
	if (inet_pton(e->net.af, text, &e->net.u) != 1)
		return -1;
	*why = "network not in canonical form";
	if (inet_ntop(e->net.af, &e->net.u, back, sizeof(back)) == NULL ||
	    strcmp(text, back) != 0)
		return -1;
	plen.p = slash + 1;
	plen.len = f->len - alen - 1;
	*why = "bad prefix length";
	if (parse_number(&plen, &n) == -1 ||
	    n > (e->net.af == AF_INET ? 32 : 128))
		return -1;
	e->prefixlen = n;
	*why = "host bits set";
	if (!host_bits_zero(&e->net, e->prefixlen))
		return -1;
	return 0;
}

static int
parse_reason(const struct field *f, uint8_t *r)
{
	unsigned int	i;

	for (i = 0; i < WL_NREASONS; i++) {
		if (field_is(f, reason_names[i])) {
			*r = i;
			return 0;
		}
	}
	return -1;
}

static int
parse_name(const struct field *f, char *buf, size_t len)
{
	size_t	i;

	if (f->len == 0 || f->len >= len)
		return -1;
	for (i = 0; i < f->len; i++)
		if (!name_char((unsigned char)f->p[i]))
			return -1;
	memcpy(buf, f->p, f->len);
	buf[f->len] = '\0';
	return 0;
}

/* EXPIRY REASON CONFIRMED ORIGIN, the four last fields of an entry. */
static int
parse_set(const struct field *f, struct sync_entry *e, const char **why)
{
	int64_t	n;

	e->op = SYNC_SET;
	*why = "bad expiry";
	if (parse_number(&f[0], &n) == -1)
		return -1;
	e->expires = n;
	*why = "bad reason";
	if (parse_reason(&f[1], &e->reason) == -1)
		return -1;
	*why = "bad confirmed flag";
	if (!field_is(&f[2], "0") && !field_is(&f[2], "1"))
		return -1;
	e->confirmed = f[2].p[0] == '1';
	*why = "bad origin";
	if (parse_name(&f[3], e->origin, sizeof(e->origin)) == -1)
		return -1;
	return 0;
}

/* A key found by SCAN: PREFIX wl: NET/LEN.  Fills net and prefixlen. */
int
wire_parse_key(const char *prefix, const char *key, size_t len,
    struct sync_entry *e, const char **why)
{
	struct field	f;
	size_t		plen = strlen(prefix), tlen = strlen(WIRE_KEY_TAG);

	memset(e, 0, sizeof(*e));
	*why = "not an entry's key";
	if (len <= plen + tlen || memcmp(key, prefix, plen) != 0 ||
	    memcmp(key + plen, WIRE_KEY_TAG, tlen) != 0)
		return -1;
	f.p = key + plen + tlen;
	f.len = len - plen - tlen;
	return parse_net(&f, e, why);
}

/* A stored value: 1 EXPIRY REASON CONFIRMED ORIGIN.  Keeps net. */
int
wire_parse_value(const char *v, size_t len, struct sync_entry *e,
    const char **why)
{
	struct field	f[MAX_FIELDS];

	*why = "malformed value";
	if (split(v, len, f, MAX_FIELDS) != 5)
		return -1;
	*why = "unknown version";
	if (!field_is(&f[0], WIRE_VERSION))
		return -1;
	return parse_set(&f[1], e, why);
}

/*
 * A message's first line: mxallowd 1 FROM MILLISECONDS.  *off is set past
 * it (and its newline), where the entries start.
 */
int
wire_parse_header(const char *msg, size_t len, struct wire_header *h,
    size_t *off, const char **why)
{
	struct field	 f[MAX_FIELDS];
	const char	*line;
	size_t		 linelen;
	int64_t		 ms;

	memset(h, 0, sizeof(*h));
	*off = 0;
	*why = "empty message";
	if (wire_next_line(msg, len, off, &line, &linelen) == 0)
		return -1;
	*why = "not a message of ours";
	if (split(line, linelen, f, MAX_FIELDS) != 4 ||
	    !field_is(&f[0], WIRE_MAGIC))
		return -1;
	*why = "unknown version";
	if (!field_is(&f[1], WIRE_VERSION))
		return -1;
	*why = "bad sender";
	if (parse_name(&f[2], h->from, sizeof(h->from)) == -1)
		return -1;
	*why = "bad time";
	if (parse_number(&f[3], &ms) == -1)
		return -1;
	h->sent_ms = ms;
	return 0;
}

/* The next line of msg from *off: 1 and the line, or 0 at the end. */
int
wire_next_line(const char *msg, size_t len, size_t *off, const char **line,
    size_t *linelen)
{
	const char	*nl;

	if (*off >= len)
		return 0;
	*line = msg + *off;
	if ((nl = memchr(*line, '\n', len - *off)) == NULL) {
		*linelen = len - *off;
		*off = len;
	} else {
		*linelen = nl - *line;
		*off += *linelen + 1;
	}
	return 1;
}

/* One line after the header: SYNC_SET, SYNC_DEL, WIRE_FLUSH, or -1. */
int
wire_parse_line(const char *line, size_t len, struct sync_entry *e,
    const char **why)
{
	struct field	f[MAX_FIELDS];
	int		n;

	memset(e, 0, sizeof(*e));
	*why = "malformed line";
	if ((n = split(line, len, f, MAX_FIELDS)) == -1)
		return -1;
	if (n == 1 && field_is(&f[0], "!"))
		return WIRE_FLUSH;
	if (n == 2 && field_is(&f[0], "-")) {
		if (parse_net(&f[1], e, why) == -1)
			return -1;
		e->op = SYNC_DEL;
		return SYNC_DEL;
	}
	if (n != 6 || !field_is(&f[0], "+"))
		return -1;
	if (parse_net(&f[1], e, why) == -1 || parse_set(&f[2], e, why) == -1)
		return -1;
	return SYNC_SET;
}

/*
 * What this host takes, whoever sent it: a known operation and family,
 * exactly the configured prefix length, no host bits, a known reason, a
 * flag, a well-formed origin.  0, or -1 with the reason.
 */
int
wire_check_entry(const struct sync_entry *e, const struct wire_limits *lim,
    const char **why)
{
	*why = "unknown operation";
	if (e->op != SYNC_SET && e->op != SYNC_DEL)
		return -1;
	*why = "unknown address family";
	if (e->net.af != AF_INET && e->net.af != AF_INET6)
		return -1;
	*why = "prefix length differs from this host's";
	if (e->prefixlen != (e->net.af == AF_INET ? lim->prefix4 :
	    lim->prefix6))
		return -1;
	*why = "host bits set";
	if (!host_bits_zero(&e->net, e->prefixlen))
		return -1;
	*why = "bad origin";
	if (memchr(e->origin, '\0', sizeof(e->origin)) == NULL)
		return -1;
	if (e->op == SYNC_DEL)
		return 0;
	if (!wire_name_ok(e->origin))
		return -1;
	*why = "bad reason";
	if (e->reason >= WL_NREASONS)
		return -1;
	*why = "bad confirmed flag";
	if (e->confirmed > 1)
		return -1;
	return 0;
}

/*
 * An entry's expiry against this host's clock: 0 when it may be applied
 * (cut to lifetime seconds from now), 1 when it has passed, -1 when it is
 * further away than any whitelist-time could make it.
 */
int
wire_check_expiry(struct sync_entry *e, const struct wire_limits *lim,
    time_t now, const char **why)
{
	if (e->op != SYNC_SET)
		return 0;
	*why = "expired";
	if (e->expires <= now)
		return 1;
	*why = "expiry too far ahead";
	if (e->expires > now + MAX_WHITELIST_TIME)
		return -1;
	if (e->expires > now + lim->lifetime)
		e->expires = now + lim->lifetime;
	return 0;
}
