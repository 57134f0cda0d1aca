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
 * Unit tests for the shared whitelist's format (sync/wire.c): what this
 * host writes reads back the same; every field of what it reads is
 * checked, and what is refused says why; the limits of this host (prefix
 * lengths, whitelist-time) apply; and no input, cut anywhere or random,
 * is read past its end.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compat.h"
#include "whitelist.h"
#include "wire.h"

#include "unit.h"

#define NOW		1767225600	/* 2026-01-01 */
#define RANDOM_RUNS	200000

static const struct wire_limits limits = { 32, 64, 86400 };

static struct sync_entry
entry(const char *net, unsigned int plen, int64_t expires, int reason,
    int confirmed, const char *origin)
{
	struct sync_entry	e;

	memset(&e, 0, sizeof(e));
	e.net.af = strchr(net, ':') != NULL ? AF_INET6 : AF_INET;
	inet_pton(e.net.af, net, &e.net.u);
	e.prefixlen = plen;
	e.op = SYNC_SET;
	e.expires = expires;
	e.reason = reason;
	e.confirmed = confirmed;
	strlcpy(e.origin, origin, sizeof(e.origin));
	return e;
}

static int
same(const struct sync_entry *a, const struct sync_entry *b)
{
	return memcmp(&a->net, &b->net, sizeof(a->net)) == 0 &&
	    a->prefixlen == b->prefixlen && a->op == b->op &&
	    a->expires == b->expires && a->reason == b->reason &&
	    a->confirmed == b->confirmed && strcmp(a->origin, b->origin) == 0;
}

/* What this host writes: keys, values, lines, all as documented. */
static void
test_format(void)
{
	const char		*name = "format: keys, values, lines and "
				    "headers as wire.c documents them";
	struct sync_entry	 e4, e6;
	char			 buf[WIRE_MESSAGE_MAX];

	e4 = entry("203.0.113.5", 32, NOW, WL_FAKE_HIT, 1, "mx1");
	e6 = entry("2001:db8:1::", 64, NOW + 1, WL_RDNS, 0, "mx-2.example");
	REQUIRE(wire_key("mxallowd:", &e4, buf, sizeof(buf)) > 0 &&
	    strcmp(buf, "mxallowd:wl:203.0.113.5/32") == 0, "key %s", buf);
	REQUIRE(wire_key("p:", &e6, buf, sizeof(buf)) > 0 &&
	    strcmp(buf, "p:wl:2001:db8:1::/64") == 0, "key %s", buf);
	REQUIRE(wire_value(&e4, buf, sizeof(buf)) > 0 &&
	    strcmp(buf, "1 1767225600 fake-hit 1 mx1") == 0, "value %s", buf);
	REQUIRE(wire_line(&e6, buf, sizeof(buf)) > 0 &&
	    strcmp(buf, "+ 2001:db8:1::/64 1767225601 rdns 0 mx-2.example") ==
	    0, "line %s", buf);
	e6.op = SYNC_DEL;
	REQUIRE(wire_line(&e6, buf, sizeof(buf)) > 0 &&
	    strcmp(buf, "- 2001:db8:1::/64") == 0, "line %s", buf);
	REQUIRE(wire_header("mx1", 1767225600123LL, buf, sizeof(buf)) > 0 &&
	    strcmp(buf, "mxallowd 1 mx1 1767225600123") == 0, "header %s",
	    buf);
	REQUIRE(wire_channel("mxallowd:", 7, buf, sizeof(buf)) > 0 &&
	    strcmp(buf, "mxallowd:events:7") == 0, "channel %s", buf);
	REQUIRE(wire_value(&e4, buf, 10) == 0, "a value that does not fit");
	pass(name);
 out:
	return;
}

/* Written, then read back: the same entry. */
static void
test_roundtrip(void)
{
	const char		*name = "round trip: key + value and line read "
				    "back to the same entry";
	struct sync_entry	 in[3], out;
	const char		*why;
	char			 key[WIRE_KEY_MAX], text[WIRE_TEXT_MAX];
	size_t			 i;

	in[0] = entry("203.0.113.5", 32, NOW, WL_FAKE_HIT, 0, "a");
	in[1] = entry("2001:db8:ab:cd::", 64, NOW + 9, WL_MANUAL, 1, "b.c");
	in[2] = entry("0.0.0.0", 0, 1, WL_RDNS, 1, "Z_9");
	for (i = 0; i < 3; i++) {
		REQUIRE(wire_key("x:", &in[i], key, sizeof(key)) > 0,
		    "key %zu", i);
		REQUIRE(wire_parse_key("x:", key, strlen(key), &out, &why) ==
		    0, "parse key %s: %s", key, why);
		REQUIRE(wire_value(&in[i], text, sizeof(text)) > 0, "value");
		REQUIRE(wire_parse_value(text, strlen(text), &out, &why) == 0,
		    "parse value %s: %s", text, why);
		REQUIRE(same(&in[i], &out), "key + value %zu differ", i);
		REQUIRE(wire_line(&in[i], text, sizeof(text)) > 0, "line");
		REQUIRE(wire_parse_line(text, strlen(text), &out, &why) ==
		    SYNC_SET && same(&in[i], &out), "line %s: %s", text, why);
	}
	in[1].op = SYNC_DEL;
	wire_line(&in[1], text, sizeof(text));
	REQUIRE(wire_parse_line(text, strlen(text), &out, &why) == SYNC_DEL &&
	    memcmp(&out.net, &in[1].net, sizeof(out.net)) == 0, "delete");
	REQUIRE(wire_parse_line("!", 1, &out, &why) == WIRE_FLUSH, "flush");
	pass(name);
 out:
	return;
}

struct refused {
	const char	*text;
	const char	*why;
};

/* Lines that must be refused, each for its own reason. */
static void
test_refused_lines(void)
{
	static const struct refused	r[] = {
		{ "", "malformed line" },
		{ "+", "malformed line" },
		{ "+  203.0.113.5/32 1 fake-hit 0 a", "malformed line" },
		{ "+ 203.0.113.5/32 1 fake-hit 0 a ", "malformed line" },
		{ "+\t203.0.113.5/32 1 fake-hit 0 a", "malformed line" },
		{ "+ 203.0.113.5/32 1 fake-hit 0 a x", "malformed line" },
		{ "* 203.0.113.5/32 1 fake-hit 0 a", "malformed line" },
		{ "- 203.0.113.5/32 x", "malformed line" },
		{ "!!", "malformed line" },
		{ "+ 203.0.113.5 1 fake-hit 0 a", "bad network" },
		{ "+ /32 1 fake-hit 0 a", "bad network" },
		{ "+ 203.0.113/24 1 fake-hit 0 a", "bad network" },
		{ "+ 203.0.113.256/32 1 fake-hit 0 a", "bad network" },
		{ "+ 203.0.113.05/32 1 fake-hit 0 a", "bad network" },
		{ "+ 2001:DB8::/64 1 fake-hit 0 a", "network not in canonical form" },
		{ "+ 2001:db8:0::/64 1 fake-hit 0 a", "network not in canonical form" },
		{ "+ 2001:0db8::/64 1 fake-hit 0 a", "network not in canonical form" },
		{ "+ 203.0.113.5/33 1 fake-hit 0 a", "bad prefix length" },
		{ "+ 203.0.113.5/032 1 fake-hit 0 a", "bad prefix length" },
		{ "+ 203.0.113.5/ 1 fake-hit 0 a", "bad prefix length" },
		{ "+ 203.0.113.5/-1 1 fake-hit 0 a", "bad prefix length" },
		{ "+ 2001:db8::/129 1 fake-hit 0 a", "bad prefix length" },
		{ "+ 203.0.113.5/24 1 fake-hit 0 a", "host bits set" },
		{ "+ 2001:db8::1/64 1 fake-hit 0 a", "host bits set" },
		{ "+ 203.0.113.5/32 -1 fake-hit 0 a", "bad expiry" },
		{ "+ 203.0.113.5/32 01 fake-hit 0 a", "bad expiry" },
		{ "+ 203.0.113.5/32 1000000000000000000 fake-hit 0 a", "bad expiry" },
		{ "+ 203.0.113.5/32 1e9 fake-hit 0 a", "bad expiry" },
		{ "+ 203.0.113.5/32 1 fake 0 a", "bad reason" },
		{ "+ 203.0.113.5/32 1 FAKE-HIT 0 a", "bad reason" },
		{ "+ 203.0.113.5/32 1 fake-hit 2 a", "bad confirmed flag" },
		{ "+ 203.0.113.5/32 1 fake-hit 00 a", "bad confirmed flag" },
		{ "+ 203.0.113.5/32 1 fake-hit 0 a:b", "bad origin" },
		{ "+ 203.0.113.5/32 1 fake-hit 0 "
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		    "bad origin" },
	};
	struct sync_entry	 e;
	const char		*why;
	char			 name[160];
	size_t			 i;

	for (i = 0; i < nitems(r); i++) {
		snprintf(name, sizeof(name), "refused: \"%.60s\" (%s)",
		    r[i].text, r[i].why);
		why = NULL;
		if (wire_parse_line(r[i].text, strlen(r[i].text), &e, &why) !=
		    -1)
			failed(name, "accepted");
		else if (why == NULL || strcmp(why, r[i].why) != 0)
			failed(name, "refused for \"%s\"", why ? why : "?");
		else
			pass(name);
	}
}

/* Bytes a C string cannot hold: a NUL, a byte above 0x7e. */
static void
test_binary(void)
{
	const char		*name = "refused: a NUL or a non-ASCII byte "
				    "anywhere in a line, a key or a value";
	static const char	 line[] = "+ 203.0.113.5/32 1 fake-hit 0 a";
	char			 buf[sizeof(line)];
	struct sync_entry	 e;
	const char		*why;
	size_t			 i, len = sizeof(line) - 1;

	for (i = 0; i < len; i++) {
		memcpy(buf, line, len);
		buf[i] = '\0';
		REQUIRE(wire_parse_line(buf, len, &e, &why) == -1,
		    "NUL at %zu accepted", i);
		buf[i] = (char)0xc3;
		REQUIRE(wire_parse_line(buf, len, &e, &why) == -1,
		    "0xc3 at %zu accepted", i);
	}
	REQUIRE(wire_parse_key("p:", "p:wl:203.0.113.5/32\0", 20, &e, &why) ==
	    -1, "key with a NUL accepted");
	REQUIRE(wire_parse_value("1 1 rdns 0 a\0", 13, &e, &why) == -1,
	    "value with a NUL accepted");
	pass(name);
 out:
	return;
}

/* Keys: the prefix and the tag, then a network. */
static void
test_keys(void)
{
	const char		*name = "keys: another prefix, another tag, "
				    "nothing after the tag, refused";
	struct sync_entry	 e;
	const char		*why;

	REQUIRE(wire_parse_key("p:", "q:wl:203.0.113.5/32", 19, &e, &why) ==
	    -1 && strcmp(why, "not an entry's key") == 0, "other prefix");
	REQUIRE(wire_parse_key("p:", "p:xx:203.0.113.5/32", 19, &e, &why) ==
	    -1, "other tag");
	REQUIRE(wire_parse_key("p:", "p:wl:", 5, &e, &why) == -1, "empty");
	REQUIRE(wire_parse_key("p:", "p:w", 3, &e, &why) == -1, "short");
	REQUIRE(wire_parse_key("p:", "p:wl:203.0.113.5/32", 19, &e, &why) ==
	    0 && e.prefixlen == 32, "good key refused: %s", why);
	pass(name);
 out:
	return;
}

static void
test_values(void)
{
	const char		*name = "values: version 1 and five fields only";
	struct sync_entry	 e;
	const char		*why;

	REQUIRE(wire_parse_value("2 1 rdns 0 a", 12, &e, &why) == -1 &&
	    strcmp(why, "unknown version") == 0, "version 2: %s", why);
	REQUIRE(wire_parse_value("1 1 rdns 0", 10, &e, &why) == -1,
	    "four fields");
	REQUIRE(wire_parse_value("garbage", 7, &e, &why) == -1, "garbage");
	REQUIRE(wire_parse_value("1 5 manual 1 h", 14, &e, &why) == 0 &&
	    e.expires == 5 && e.reason == WL_MANUAL && e.confirmed == 1 &&
	    strcmp(e.origin, "h") == 0, "good value: %s", why);
	pass(name);
 out:
	return;
}

/* Headers, and the lines after one. */
static void
test_messages(void)
{
	const char		*name = "messages: header, then lines";
	static const char	 msg[] = "mxallowd 1 mx2 1767225600123\n"
				    "+ 203.0.113.5/32 1 fake-hit 0 mx2\n- 2001:db8::/64\n!";
	struct wire_header	 h;
	struct sync_entry	 e;
	const char		*why, *line;
	size_t			 off, len;
	int			 n = 0, ops[4];

	REQUIRE(wire_parse_header(msg, sizeof(msg) - 1, &h, &off, &why) == 0,
	    "header: %s", why);
	REQUIRE(strcmp(h.from, "mx2") == 0 && h.sent_ms == 1767225600123LL,
	    "header fields");
	while (n < 4 && wire_next_line(msg, sizeof(msg) - 1, &off, &line,
	    &len))
		ops[n++] = wire_parse_line(line, len, &e, &why);
	REQUIRE(n == 3 && ops[0] == SYNC_SET && ops[1] == SYNC_DEL &&
	    ops[2] == WIRE_FLUSH, "%d lines", n);
	off = 0;
	REQUIRE(wire_parse_header("mxallowd 1 mx2 5", 16, &h, &off, &why) ==
	    0 && off == 16, "a heartbeat is a header alone");
	REQUIRE(wire_parse_header("mxallowd 2 mx2 5", 16, &h, &off, &why) ==
	    -1 && strcmp(why, "unknown version") == 0, "version 2");
	REQUIRE(wire_parse_header("mxallowdx 1 a 5", 15, &h, &off, &why) ==
	    -1, "other magic");
	REQUIRE(wire_parse_header("mxallowd 1 a:b 5", 16, &h, &off, &why) ==
	    -1 && strcmp(why, "bad sender") == 0, "bad sender");
	REQUIRE(wire_parse_header("mxallowd 1 a -5", 15, &h, &off, &why) ==
	    -1, "negative time");
	REQUIRE(wire_parse_header("", 0, &h, &off, &why) == -1, "empty");
	pass(name);
 out:
	return;
}

/* What this host takes: its prefix lengths, known values. */
static void
test_check_entry(void)
{
	const char		*name = "check: this host's prefix lengths, a "
				    "known family, reason and flag, an origin";
	struct sync_entry	 e;
	const char		*why;

	e = entry("203.0.113.5", 32, NOW, WL_FAKE_HIT, 0, "a");
	REQUIRE(wire_check_entry(&e, &limits, &why) == 0, "good: %s", why);
	e = entry("203.0.113.0", 24, NOW, WL_FAKE_HIT, 0, "a");
	REQUIRE(wire_check_entry(&e, &limits, &why) == -1 &&
	    strcmp(why, "prefix length differs from this host's") == 0,
	    "/24 at a /32 host");
	e = entry("2001:db8::", 48, NOW, WL_FAKE_HIT, 0, "a");
	REQUIRE(wire_check_entry(&e, &limits, &why) == -1, "/48 at a /64");
	e = entry("203.0.113.5", 32, NOW, WL_NREASONS, 0, "a");
	REQUIRE(wire_check_entry(&e, &limits, &why) == -1, "reason");
	e = entry("203.0.113.5", 32, NOW, WL_RDNS, 2, "a");
	REQUIRE(wire_check_entry(&e, &limits, &why) == -1, "confirmed 2");
	e = entry("203.0.113.5", 32, NOW, WL_RDNS, 0, "a");
	e.net.u.bytes[8] = 1;
	REQUIRE(wire_check_entry(&e, &limits, &why) == -1 &&
	    strcmp(why, "host bits set") == 0, "stray bytes past IPv4");
	e = entry("203.0.113.5", 32, NOW, WL_RDNS, 0, "a");
	e.net.af = AF_UNIX;
	REQUIRE(wire_check_entry(&e, &limits, &why) == -1, "AF_UNIX");
	e = entry("203.0.113.5", 32, NOW, WL_RDNS, 0, "a");
	memset(e.origin, 'x', sizeof(e.origin));
	REQUIRE(wire_check_entry(&e, &limits, &why) == -1 &&
	    strcmp(why, "bad origin") == 0, "unterminated origin");
	e = entry("203.0.113.5", 32, NOW, WL_RDNS, 0, "a");
	e.op = 9;
	REQUIRE(wire_check_entry(&e, &limits, &why) == -1, "operation 9");
	pass(name);
 out:
	return;
}

/* Expiry against this host's clock and whitelist-time. */
static void
test_expiry(void)
{
	const char		*name = "expiry: passed ones dropped, far ones "
				    "refused, longer ones cut to whitelist-time";
	struct sync_entry	 e;
	const char		*why;

	e = entry("203.0.113.5", 32, NOW, WL_FAKE_HIT, 0, "a");
	REQUIRE(wire_check_expiry(&e, &limits, NOW, &why) == 1, "now");
	e.expires = NOW + 10;
	REQUIRE(wire_check_expiry(&e, &limits, NOW, &why) == 0 &&
	    e.expires == NOW + 10, "10 s");
	e.expires = NOW + 100000;
	REQUIRE(wire_check_expiry(&e, &limits, NOW, &why) == 0 &&
	    e.expires == NOW + 86400, "cut: %lld", (long long)e.expires);
	e.expires = 253402300799LL;	/* 9999-12-31 */
	REQUIRE(wire_check_expiry(&e, &limits, NOW, &why) == -1 &&
	    strcmp(why, "expiry too far ahead") == 0, "year 9999");
	e.op = SYNC_DEL;
	REQUIRE(wire_check_expiry(&e, &limits, NOW, &why) == 0,
	    "a deletion has no expiry");
	pass(name);
 out:
	return;
}

static void
test_names(void)
{
	const char	*name = "names and prefixes: what may be configured";
	char		 long_name[REDIS_NAME_MAX + 1];

	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	REQUIRE(wire_name_ok("mx1.example-org_2"), "a host name");
	REQUIRE(!wire_name_ok(""), "empty");
	REQUIRE(!wire_name_ok("a b") && !wire_name_ok("a:b"), "space, colon");
	REQUIRE(!wire_name_ok(long_name), "64 characters");
	long_name[REDIS_NAME_MAX - 1] = '\0';
	REQUIRE(wire_name_ok(long_name), "63 characters");
	REQUIRE(wire_prefix_ok("mxallowd:site-1."), "a prefix");
	REQUIRE(!wire_prefix_ok("mx*") && !wire_prefix_ok("mx?") &&
	    !wire_prefix_ok("mx[a]") && !wire_prefix_ok("mx\\"),
	    "glob characters");
	pass(name);
 out:
	return;
}

/*
 * Every prefix of valid input, placed so that its end is the end of a
 * readable page: reading one byte past it would fault.
 */
static void
test_truncated(void)
{
	const char	*name = "truncated input: every length of a line, a "
			    "value, a message and a key, never read past";
	static const char *const samples[] = {
		"+ 2001:db8:1::/64 1767225601 rdns 0 mx-2.example",
		"1 1767225600 fake-hit 1 mx1",
		"mxallowd 1 mx2 1767225600123\n- 203.0.113.5/32\n!",
		"mxallowd:wl:203.0.113.5/32",
	};
	struct wire_header	 h;
	struct sync_entry	 e;
	const uint8_t		*p;
	const char		*why, *line;
	size_t			 i, n, len, off, ll;

	for (i = 0; i < nitems(samples); i++) {
		len = strlen(samples[i]);
		for (n = 0; n <= len; n++) {
			p = unit_guard(samples[i], n);
			(void)wire_parse_line((const char *)p, n, &e, &why);
			(void)wire_parse_value((const char *)p, n, &e, &why);
			(void)wire_parse_key("mxallowd:", (const char *)p, n,
			    &e, &why);
			if (wire_parse_header((const char *)p, n, &h, &off,
			    &why) == 0)
				while (wire_next_line((const char *)p, n,
				    &off, &line, &ll))
					(void)wire_parse_line(line, ll, &e,
					    &why);
		}
	}
	pass(name);
}

/* Random bytes and random mutations of good lines: no crash, no read past. */
static void
test_random(void)
{
	const char		*name = "random input: 200000 lines and "
				    "mutations; what is accepted is the one "
				    "spelling of its entry";
	static const char	 good[] = "+ 203.0.113.5/32 1767225600 "
				    "fake-hit 1 mx1";
	char			 buf[96], back[WIRE_TEXT_MAX];
	struct sync_entry	 e;
	const char		*why;
	const uint8_t		*p;
	size_t			 len, i, j;
	int			 r;

	srandom(1);
	for (i = 0; i < RANDOM_RUNS; i++) {
		if (i % 2 == 0) {
			len = random() % sizeof(buf);
			for (j = 0; j < len; j++)
				buf[j] = random() % 4 == 0 ? random() % 256 :
				    " +-0123456789./:abcdef"[random() % 22];
		} else {
			len = sizeof(good) - 1;
			memcpy(buf, good, len);
			buf[random() % len] = random() % 256;
		}
		p = unit_guard(buf, len);
		r = wire_parse_line((const char *)p, len, &e, &why);
		if (r != SYNC_SET && r != SYNC_DEL)
			continue;
		REQUIRE(wire_line(&e, back, sizeof(back)) == len &&
		    memcmp(back, buf, len) == 0, "accepted \"%.*s\", which "
		    "reads back as \"%s\"", (int)len, buf, back);
	}
	pass(name);
 out:
	return;
}

int
main(void)
{
	test_format();
	test_roundtrip();
	test_refused_lines();
	test_binary();
	test_keys();
	test_values();
	test_messages();
	test_check_entry();
	test_expiry();
	test_names();
	test_truncated();
	test_random();
	return unit_exit_status();
}
