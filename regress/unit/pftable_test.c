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
 * Unit tests for the pf table layer (parent/pftable.c), against a double
 * of the OpenBSD kernel's DIOCRSETADDRS: it checks every request the way
 * pf_ioctl.c and pf_table.c do (pfrio_esize, the table name and its NUL
 * padding, the empty anchor, the flags, each pfr_addr as
 * pfr_validate_addr does, with OpenBSD's address family numbers), keeps
 * the table's content as a set, and can fail like the kernel.  The ioctl
 * numbers and structure layout are checked against values computed by
 * hand from OpenBSD's headers.
 *
 * Then the glue above it, parent/pf.c, on the same double and a libevent
 * loop: the whitelist pushed once at the start, a burst of fake hits
 * (IMSG_PF_EVENTS, as capture sends them) coalesced into one push, a
 * failing push retried, a table changed behind the daemon's back set
 * again by the size check; the whitelist itself is a stand-in for
 * policy.c.  The intervals are shortened (pf_set_intervals) and the loop
 * is run a counted number of turns: the checks count pushes and ioctl
 * calls, never time.  Prints "ok NAME" or "FAIL NAME: reason".
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <event.h>
#include <imsg.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsgev.h"
#include "log.h"
#include "parent.h"
#include "pftable.h"
#include "pfvar_compat.h"

#include "unit.h"

#define DEVICE		"/dev/null"	/* opens O_RDWR; the double answers */
#define BIG_N		100000
#define MAX_INJECT	8

/* OpenBSD's address families, by hand from sys/sys/socket.h. */
#define BSD_AF_INET	2
#define BSD_AF_INET6	24

/* The log lines pftable.c writes, captured instead of printed. */
static char	warnmsg[1024];
static int	nwarn;

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(warnmsg, sizeof(warnmsg), fmt, ap);
	va_end(ap);
	nwarn++;
}

void
log_debug(const char *fmt, ...)
{
	(void)fmt;
}

/* pf.c logs what it repairs; the tests look for it. */
static char	infomsg[1024];

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(infomsg, sizeof(infomsg), fmt, ap);
	va_end(ap);
}

/* A fatal error in the code under test fails the test binary. */
void
fatal(const char *fmt, ...)
{
	va_list	ap;

	printf("FAIL fatal: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(": %s\n", strerror(errno));
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	printf("FAIL fatalx: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(1);
}

/* A table entry as the double keeps it. */
struct key {
	uint8_t	af;
	uint8_t	net;
	uint8_t	addr[16];
};

/* The kernel double. */
static struct {
	const char	*table;		/* the only table that exists */
	int		 exists;
	struct key	*tab;		/* content, sorted */
	size_t		 ntab;
	int		 inject[MAX_INJECT];	/* errnos for the next calls */
	int		 ninject;
	/* what the last request looked like */
	int		 calls;
	unsigned long	 req;
	int		 flags;
	int		 size;
	struct pfr_addr	*seen;
	size_t		 nseen;
	char		 violation[512];	/* first one since reset */
} k;

static void
violation(const char *fmt, ...)
{
	va_list	ap;

	if (k.violation[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(k.violation, sizeof(k.violation), fmt, ap);
	va_end(ap);
}

static int
keycmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct key));
}

static int
allzero(const void *p, size_t len)
{
	const uint8_t	*b = p;
	size_t		 i;

	for (i = 0; i < len; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

/* pf_table.c's pfr_validate_addr, and zero in all we never set. */
static int
bad_addr(const struct pfr_addr *a, size_t i)
{
	const uint8_t	*b = (const uint8_t *)&a->pfra_u;
	unsigned int	 max, j;

	if (a->pfra_af == BSD_AF_INET)
		max = 32;
	else if (a->pfra_af == BSD_AF_INET6)
		max = 128;
	else {
		violation("entry %zu: pfra_af %u is not OpenBSD's AF_INET (2) "
		    "or AF_INET6 (24)", i, a->pfra_af);
		return 1;
	}
	if (a->pfra_net > max) {
		violation("entry %zu: pfra_net %u", i, a->pfra_net);
		return 1;
	}
	if (a->pfra_net < 128 && (b[a->pfra_net / 8] &
	    (0xff >> (a->pfra_net % 8)))) {
		violation("entry %zu: bits set past /%u", i, a->pfra_net);
		return 1;
	}
	for (j = (a->pfra_net + 7) / 8; j < sizeof(a->pfra_u); j++)
		if (b[j] != 0) {
			violation("entry %zu: byte %u set past /%u", i, j,
			    a->pfra_net);
			return 1;
		}
	if (a->pfra_not != 0 || a->pfra_fback != 0 || a->pfra_type != 0 ||
	    a->pfra_states != 0 || a->pfra_weight != 0 ||
	    !allzero(a->pfra_ifname, sizeof(a->pfra_ifname)) ||
	    !allzero(a->pad, sizeof(a->pad))) {
		violation("entry %zu: a field that must be zero is not", i);
		return 1;
	}
	return 0;
}

/* Checks the request; 0, or an errno as the kernel would answer. */
static int
check_request(int fd, unsigned long req, struct pfioc_table *io)
{
	const struct pfr_table	*t;
	const struct pfr_addr	*a;
	size_t			 len, i;

	if (fd < 0) {
		violation("ioctl on descriptor %d", fd);
		return EBADF;
	}
	if (req != DIOCRSETADDRS) {
		violation("request %#lx is not DIOCRSETADDRS %#lx", req,
		    (unsigned long)DIOCRSETADDRS);
		return ENOTTY;
	}
	if (io == NULL) {
		violation("no argument");
		return EFAULT;
	}
	if (io->pfrio_esize != (int)sizeof(struct pfr_addr)) {
		violation("pfrio_esize %d, not %zu", io->pfrio_esize,
		    sizeof(struct pfr_addr));
		return ENODEV;
	}
	if (io->pfrio_size < 0 || io->pfrio_size2 != 0 ||
	    (io->pfrio_size > 0 && io->pfrio_buffer == NULL)) {
		violation("pfrio_size %d, pfrio_size2 %d, buffer %p",
		    io->pfrio_size, io->pfrio_size2, io->pfrio_buffer);
		return EINVAL;
	}
	if (io->pfrio_flags & ~PFR_FLAG_DUMMY) {
		violation("pfrio_flags %#x", io->pfrio_flags);
		return EINVAL;
	}
	if (io->pfrio_nadd || io->pfrio_ndel || io->pfrio_nchange ||
	    io->pfrio_ticket) {
		violation("output fields not zeroed");
		return EINVAL;
	}
	t = &io->pfrio_table;
	if (!allzero(t->pfrt_anchor, sizeof(t->pfrt_anchor))) {
		violation("anchor not empty");
		return EINVAL;
	}
	len = strnlen(t->pfrt_name, sizeof(t->pfrt_name));
	if (len == 0 || len == sizeof(t->pfrt_name) ||
	    !allzero(t->pfrt_name + len, sizeof(t->pfrt_name) - len)) {
		violation("table name not NUL-terminated and NUL-padded");
		return EINVAL;
	}
	if (t->pfrt_flags != 0 || t->pfrt_fback != 0) {
		violation("pfrt_flags %#x, pfrt_fback %u", t->pfrt_flags,
		    t->pfrt_fback);
		return EINVAL;
	}
	if (k.table == NULL || strcmp(t->pfrt_name, k.table) != 0) {
		violation("table name \"%s\", not \"%s\"", t->pfrt_name,
		    k.table ? k.table : "(none)");
		return ESRCH;
	}
	a = io->pfrio_buffer;
	for (i = 0; i < (size_t)io->pfrio_size; i++)
		if (bad_addr(&a[i], i))
			return EINVAL;
	return 0;
}

/* The set itself: the table becomes exactly the request's entries. */
static void
apply(struct pfioc_table *io)
{
	const struct pfr_addr	*a = io->pfrio_buffer;
	struct key		*nk;
	size_t			 n = io->pfrio_size, nn, i, j;
	int			 nadd = 0, ndel = 0;

	if ((nk = calloc(n ? n : 1, sizeof(*nk))) == NULL)
		abort();
	for (i = 0; i < n; i++) {
		nk[i].af = a[i].pfra_af;
		nk[i].net = a[i].pfra_net;
		memcpy(nk[i].addr, &a[i].pfra_u, sizeof(nk[i].addr));
	}
	qsort(nk, n, sizeof(*nk), keycmp);
	for (i = nn = 0; i < n; i++)	/* duplicates count once */
		if (nn == 0 || keycmp(&nk[nn - 1], &nk[i]) != 0)
			nk[nn++] = nk[i];
	for (i = j = 0; i < nn || j < k.ntab; ) {
		int c = i == nn ? 1 : j == k.ntab ? -1 :
		    keycmp(&nk[i], &k.tab[j]);

		if (c < 0) {
			nadd++;
			i++;
		} else if (c > 0) {
			ndel++;
			j++;
		} else {
			i++;
			j++;
		}
	}
	io->pfrio_nadd = nadd;
	io->pfrio_ndel = ndel;
	io->pfrio_nchange = 0;
	if (io->pfrio_flags & PFR_FLAG_DUMMY) {
		free(nk);
		return;
	}
	free(k.tab);
	k.tab = nk;
	k.ntab = nn;
}

static int
double_ioctl(int fd, unsigned long req, void *arg)
{
	struct pfioc_table	*io = arg;
	int			 error;
	size_t			 n;

	k.calls++;
	k.req = req;
	if ((error = check_request(fd, req, io)) != 0) {
		errno = error;
		return -1;
	}
	k.flags = io->pfrio_flags;
	k.size = io->pfrio_size;
	n = io->pfrio_size;
	free(k.seen);
	if ((k.seen = calloc(n ? n : 1, sizeof(*k.seen))) == NULL)
		abort();
	if (n > 0)
		memcpy(k.seen, io->pfrio_buffer, n * sizeof(*k.seen));
	k.nseen = n;
	if (k.ninject > 0) {
		errno = k.inject[0];
		memmove(k.inject, k.inject + 1,
		    --k.ninject * sizeof(k.inject[0]));
		return -1;
	}
	if (!k.exists) {
		errno = ESRCH;
		return -1;
	}
	apply(io);
	return 0;
}

/* A kernel with table <name>, empty; nothing seen yet. */
static void
reset(const char *name, int exists)
{
	free(k.tab);
	free(k.seen);
	memset(&k, 0, sizeof(k));
	k.table = name;
	k.exists = exists;
	warnmsg[0] = '\0';
	nwarn = 0;
}

/* Forget what was seen, keep the table. */
static void
mark(void)
{
	k.calls = 0;
	k.req = 0;
	k.violation[0] = '\0';
	warnmsg[0] = '\0';
	nwarn = 0;
}

static void
inject(int error)
{
	if (k.ninject < MAX_INJECT)
		k.inject[k.ninject++] = error;
}

/* An entry from a string; the address is not masked here. */
static struct pftable_entry
E(const char *s, unsigned int prefixlen)
{
	struct pftable_entry	e;

	memset(&e, 0, sizeof(e));
	if (inet_pton(AF_INET, s, &e.net.u.ip4) == 1)
		e.net.af = AF_INET;
	else if (inet_pton(AF_INET6, s, &e.net.u.ip6) == 1)
		e.net.af = AF_INET6;
	else {
		fprintf(stderr, "bad test address %s\n", s);
		exit(2);
	}
	e.prefixlen = prefixlen;
	return e;
}

/*
 * Does the kernel's entry say exactly: family, prefix length, and these
 * address bytes (already masked by the caller)?
 */
static int
entry_is(const struct pfr_addr *a, int af, unsigned int net,
    const uint8_t *bytes, size_t len, char *why, size_t whylen)
{
	uint8_t	want[16];

	memset(want, 0, sizeof(want));
	memcpy(want, bytes, len);
	if (a->pfra_af != af) {
		snprintf(why, whylen, "pfra_af %u, want %d", a->pfra_af, af);
		return 0;
	}
	if (a->pfra_net != net) {
		snprintf(why, whylen, "pfra_net %u, want %u", a->pfra_net,
		    net);
		return 0;
	}
	if (memcmp(&a->pfra_u, want, sizeof(want)) != 0) {
		snprintf(why, whylen, "address bytes differ");
		return 0;
	}
	return 1;
}

/* Open the table on the double, for the tests of pftable_set. */
static int
open_ok(const char *name)
{
	reset(name, 1);
	pftable_set_device(DEVICE);
	pftable_set_ioctl(double_ioctl);
	if (pftable_open(name) == -1)
		return 0;
	mark();
	return 1;
}

static void
test_ioctl_numbers(void)
{
	const char	*name = "abi_ioctl_numbers";
	unsigned long	 set, clr, want_set, want_clr;

	/*
	 * _IOWR('D', n, struct pfioc_table): IOC_INOUT 0xc0000000 |
	 * (sizeof & 0x1fff) << 16 | 'D' (0x44) << 8 | n, with sizeof 1104
	 * (0x450) on amd64 and 1100 (0x44c) with 4-byte pointers.
	 */
	if (sizeof(void *) == 8) {
		want_set = 0xc4504445UL;
		want_clr = 0xc4504442UL;
	} else {
		want_set = 0xc44c4445UL;
		want_clr = 0xc44c4442UL;
	}
	set = DIOCRSETADDRS;
	clr = DIOCRCLRADDRS;
	REQUIRE(set == want_set, "DIOCRSETADDRS %#lx, want %#lx", set,
	    want_set);
	REQUIRE(clr == want_clr, "DIOCRCLRADDRS %#lx, want %#lx", clr,
	    want_clr);
	REQUIRE((set & 0xe0000000UL) == 0xc0000000UL, "direction bits");
	REQUIRE(((set >> 16) & 0x1fff) == sizeof(struct pfioc_table),
	    "length field %lu", (set >> 16) & 0x1fff);
	REQUIRE(((set >> 8) & 0xff) == 'D' && (set & 0xff) == 69,
	    "group or number");
	pass(name);
 out:
	return;
}

static void
test_struct_layout(void)
{
	const char	*name = "abi_struct_layout";
	int		 lp64 = sizeof(void *) == 8;

	REQUIRE(sizeof(struct pfr_addr) == 52, "pfr_addr %zu bytes",
	    sizeof(struct pfr_addr));
	REQUIRE(offsetof(struct pfr_addr, pfra_ifname) == 16 &&
	    offsetof(struct pfr_addr, pfra_states) == 32 &&
	    offsetof(struct pfr_addr, pfra_weight) == 36 &&
	    offsetof(struct pfr_addr, pfra_af) == 38 &&
	    offsetof(struct pfr_addr, pfra_net) == 39 &&
	    offsetof(struct pfr_addr, pfra_not) == 40 &&
	    offsetof(struct pfr_addr, pfra_fback) == 41 &&
	    offsetof(struct pfr_addr, pfra_type) == 42 &&
	    offsetof(struct pfr_addr, pad) == 43, "pfr_addr offsets");
	REQUIRE(sizeof(struct pfr_table) == 1064, "pfr_table %zu bytes",
	    sizeof(struct pfr_table));
	REQUIRE(offsetof(struct pfr_table, pfrt_name) == 1024 &&
	    offsetof(struct pfr_table, pfrt_flags) == 1056 &&
	    offsetof(struct pfr_table, pfrt_fback) == 1060,
	    "pfr_table offsets");
	REQUIRE(sizeof(struct pfioc_table) == (lp64 ? 1104u : 1100u),
	    "pfioc_table %zu bytes", sizeof(struct pfioc_table));
	REQUIRE(offsetof(struct pfioc_table, pfrio_buffer) == 1064 &&
	    offsetof(struct pfioc_table, pfrio_esize) == (lp64 ? 1072u : 1068u)
	    && offsetof(struct pfioc_table, pfrio_flags) ==
	    (lp64 ? 1096u : 1092u), "pfioc_table offsets");
	REQUIRE(PF_TABLE_NAME_SIZE == 32 && PF_TABLE_NAME_MAX == 32,
	    "table name size");
	REQUIRE(PFR_FLAG_DUMMY == 0x2, "PFR_FLAG_DUMMY");
	pass(name);
 out:
	return;
}

static void
test_af_values(void)
{
	const char	*name = "abi_af_values";

	REQUIRE(OPENBSD_AF_INET == BSD_AF_INET, "AF_INET %d",
	    OPENBSD_AF_INET);
	REQUIRE(OPENBSD_AF_INET6 == BSD_AF_INET6, "AF_INET6 %d",
	    OPENBSD_AF_INET6);
	pass(name);
 out:
	return;
}

static void
test_open_no_device(void)
{
	const char	*name = "open_no_device";

	reset(DEFAULT_PF_TABLE, 1);
	pftable_set_ioctl(double_ioctl);
	pftable_set_device("/nonexistent/pf");
	REQUIRE(pftable_open(DEFAULT_PF_TABLE) == -1, "opened");
	REQUIRE(strstr(warnmsg, "pf is not available (/nonexistent/pf: ") !=
	    NULL, "message: %s", warnmsg);
	REQUIRE(k.calls == 0, "%d ioctls", k.calls);
	REQUIRE(pftable_set(NULL, 0) == -1, "set without a table worked");
	REQUIRE(k.calls == 0, "%d ioctls", k.calls);
	pass(name);
 out:
	pftable_set_device(NULL);
}

static void
test_open_bad_name(void)
{
	const char	*name = "open_bad_name";
	char		 longname[PF_TABLE_NAME_SIZE + 1];

	memset(longname, 'x', PF_TABLE_NAME_SIZE);
	longname[PF_TABLE_NAME_SIZE] = '\0';
	reset(longname, 1);
	pftable_set_device(DEVICE);
	pftable_set_ioctl(double_ioctl);
	REQUIRE(pftable_open("") == -1, "empty name accepted");
	REQUIRE(pftable_open(longname) == -1, "32-character name accepted");
	REQUIRE(k.calls == 0, "%d ioctls", k.calls);
	/* 31 characters fill pfrt_name with its NUL. */
	longname[PF_TABLE_NAME_SIZE - 1] = '\0';
	REQUIRE(pftable_open(longname) == 0, "31-character name: %s",
	    warnmsg);
	REQUIRE(k.violation[0] == '\0', "%s", k.violation);
	pass(name);
 out:
	pftable_close();
}

static void
test_open_ok(void)
{
	const char		*name = "open_ok";
	struct pftable_entry	 e[2];

	/* A table a previous run left with two entries. */
	REQUIRE(open_ok(DEFAULT_PF_TABLE), "open: %s", warnmsg);
	e[0] = E("192.0.2.1", 32);
	e[1] = E("192.0.2.2", 32);
	REQUIRE(pftable_set(e, 2) == 0, "set: %s", warnmsg);
	pftable_close();

	mark();
	REQUIRE(pftable_open(DEFAULT_PF_TABLE) == 0, "open: %s", warnmsg);
	REQUIRE(k.violation[0] == '\0', "%s", k.violation);
	REQUIRE(k.calls == 1, "%d ioctls", k.calls);
	REQUIRE(k.req == DIOCRSETADDRS, "request %#lx", k.req);
	REQUIRE(k.flags == PFR_FLAG_DUMMY, "flags %#x: not a dry run",
	    k.flags);
	REQUIRE(k.size == 0, "size %d", k.size);
	REQUIRE(k.ntab == 2, "the check changed the table: %zu entries",
	    k.ntab);
	REQUIRE(nwarn == 0, "warned: %s", warnmsg);
	pass(name);
 out:
	pftable_close();
}

static void
test_open_fails(const char *name, const char *table, int error,
    const char *want)
{
	reset(table, 1);
	pftable_set_device(DEVICE);
	pftable_set_ioctl(double_ioctl);
	if (error == ESRCH)
		k.exists = 0;
	else
		inject(error);
	REQUIRE(pftable_open(table) == -1, "opened");
	REQUIRE(k.calls == 1, "%d ioctls", k.calls);
	REQUIRE(k.violation[0] == '\0', "%s", k.violation);
	REQUIRE(strstr(warnmsg, want) != NULL, "message \"%s\" lacks \"%s\"",
	    warnmsg, want);
	REQUIRE(pftable_set(NULL, 0) == -1, "set on a failed open worked");
	REQUIRE(k.calls == 1, "set after a failed open made an ioctl");
	/* Nothing stuck: once the table is there, open works. */
	k.exists = 1;
	k.ninject = 0;
	REQUIRE(pftable_open(table) == 0, "second open: %s", warnmsg);
	pass(name);
 out:
	pftable_close();
}

static void
test_set_before_open(void)
{
	const char		*name = "set_before_open";
	struct pftable_entry	 e = E("192.0.2.1", 32);

	reset(DEFAULT_PF_TABLE, 1);
	pftable_close();
	pftable_set_ioctl(double_ioctl);
	REQUIRE(pftable_set(&e, 1) == -1, "set worked");
	REQUIRE(k.calls == 0, "%d ioctls", k.calls);
	REQUIRE(nwarn == 1, "no message");
	pass(name);
 out:
	return;
}

static void
test_set_empty(void)
{
	const char		*name = "set_empty";
	struct pftable_entry	 e[3];
	int			 nadd, ndel, nchange;

	REQUIRE(open_ok(DEFAULT_PF_TABLE), "open: %s", warnmsg);
	e[0] = E("192.0.2.1", 32);
	e[1] = E("2001:db8::", 64);
	e[2] = E("198.51.100.0", 24);
	REQUIRE(pftable_set(e, 3) == 0, "fill: %s", warnmsg);
	REQUIRE(k.ntab == 3, "%zu entries", k.ntab);
	mark();
	REQUIRE(pftable_set(NULL, 0) == 0, "set of nothing: %s", warnmsg);
	REQUIRE(k.violation[0] == '\0', "%s", k.violation);
	REQUIRE(k.calls == 1, "%d ioctls", k.calls);
	REQUIRE(k.req == DIOCRSETADDRS, "request %#lx", k.req);
	REQUIRE(k.flags == 0, "flags %#x", k.flags);
	REQUIRE(k.size == 0, "size %d", k.size);
	REQUIRE(k.ntab == 0, "table not cleared: %zu entries", k.ntab);
	pftable_counts(&nadd, &ndel, &nchange);
	REQUIRE(nadd == 0 && ndel == 3 && nchange == 0,
	    "counts %d/%d/%d", nadd, ndel, nchange);
	pass(name);
 out:
	pftable_close();
}

/* The table's size comes from a dry run that changes nothing. */
static void
test_size(void)
{
	const char		*name = "size_by_dry_run";
	struct pftable_entry	 e[3];

	REQUIRE(open_ok(DEFAULT_PF_TABLE), "open: %s", warnmsg);
	e[0] = E("192.0.2.1", 32);
	e[1] = E("2001:db8::", 64);
	e[2] = E("198.51.100.0", 24);
	REQUIRE(pftable_set(e, 3) == 0, "fill: %s", warnmsg);
	mark();
	REQUIRE(pftable_size() == 3, "size %d, want 3", pftable_size());
	REQUIRE(k.violation[0] == '\0', "%s", k.violation);
	REQUIRE(k.req == DIOCRSETADDRS && (k.flags & PFR_FLAG_DUMMY),
	    "not a dry run: request %#lx, flags %#x", k.req, k.flags);
	REQUIRE(k.ntab == 3, "the dry run changed the table: %zu", k.ntab);
	REQUIRE(pftable_set(NULL, 0) == 0, "empty: %s", warnmsg);
	REQUIRE(pftable_size() == 0, "size %d after emptying", pftable_size());
	pftable_close();
	REQUIRE(pftable_size() == -1, "size of a closed table");
	pass(name);
 out:
	pftable_close();
}

static void
test_set_one(void)
{
	const char		*name = "set_one";
	struct pftable_entry	 e = E("192.0.2.7", 32);
	uint8_t			 want[4] = { 192, 0, 2, 7 };
	char			 why[128];
	int			 nadd;

	REQUIRE(open_ok(DEFAULT_PF_TABLE), "open: %s", warnmsg);
	REQUIRE(pftable_set(&e, 1) == 0, "set: %s", warnmsg);
	REQUIRE(k.violation[0] == '\0', "%s", k.violation);
	REQUIRE(k.calls == 1, "%d ioctls", k.calls);
	REQUIRE(k.size == 1 && k.nseen == 1, "size %d", k.size);
	REQUIRE(entry_is(&k.seen[0], BSD_AF_INET, 32, want, sizeof(want),
	    why, sizeof(why)), "%s", why);
	pftable_counts(&nadd, NULL, NULL);
	REQUIRE(nadd == 1, "nadd %d", nadd);
	pass(name);
 out:
	pftable_close();
}

static void
test_set_three(void)
{
	const char		*name = "set_three";
	struct pftable_entry	 e[3];
	uint8_t			 w0[4] = { 198, 51, 100, 0 };
	uint8_t			 w1[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0,
				    2 };
	uint8_t			 w2[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff,
				    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				    0xff, 0xff, 0xfe };
	char			 why[128];

	REQUIRE(open_ok(DEFAULT_PF_TABLE), "open: %s", warnmsg);
	/* Host bits set on purpose: the kernel would refuse them. */
	e[0] = E("198.51.100.77", 24);
	e[1] = E("2001:db8:1:2:3:4:5:6", 64);
	e[2] = E("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 127);
	REQUIRE(pftable_set(e, 3) == 0, "set: %s", warnmsg);
	REQUIRE(k.violation[0] == '\0', "%s", k.violation);
	REQUIRE(k.calls == 1, "%d ioctls", k.calls);
	REQUIRE(k.size == 3, "size %d", k.size);
	REQUIRE(entry_is(&k.seen[0], BSD_AF_INET, 24, w0, sizeof(w0), why,
	    sizeof(why)), "entry 0: %s", why);
	REQUIRE(entry_is(&k.seen[1], BSD_AF_INET6, 64, w1, sizeof(w1), why,
	    sizeof(why)), "entry 1: %s", why);
	REQUIRE(entry_is(&k.seen[2], BSD_AF_INET6, 127, w2, sizeof(w2), why,
	    sizeof(why)), "entry 2: %s", why);
	REQUIRE(k.ntab == 3, "%zu entries", k.ntab);
	pass(name);
 out:
	pftable_close();
}

/* Entry i of the big set: IPv4 /32s and IPv6 /64s with host bits. */
static void
big_entry(size_t i, struct pftable_entry *e, uint8_t *want, int *af,
    unsigned int *net)
{
	memset(e, 0, sizeof(*e));
	memset(want, 0, 16);
	if (i % 2 == 0) {
		e->net.af = AF_INET;
		e->prefixlen = 32;
		want[0] = 10;
		want[1] = (i >> 16) & 0xff;
		want[2] = (i >> 8) & 0xff;
		want[3] = i & 0xff;
		memcpy(&e->net.u.ip4, want, 4);
		*af = BSD_AF_INET;
		*net = 32;
	} else {
		e->net.af = AF_INET6;
		e->prefixlen = 64;
		want[0] = 0x20;
		want[1] = 0x01;
		want[2] = 0x0d;
		want[3] = 0xb8;
		want[5] = (i >> 16) & 0xff;
		want[6] = (i >> 8) & 0xff;
		want[7] = i & 0xff;
		memcpy(&e->net.u.ip6, want, 16);
		e->net.u.bytes[15] = 0x55;	/* masked away */
		*af = BSD_AF_INET6;
		*net = 64;
	}
}

static void
test_set_big(void)
{
	const char		*name = "set_100000";
	struct pftable_entry	*e = NULL;
	uint8_t			 want[16];
	char			 why[128];
	unsigned int		 net;
	size_t			 i;
	int			 af, nadd;

	if ((e = calloc(BIG_N, sizeof(*e))) == NULL)
		abort();
	for (i = 0; i < BIG_N; i++)
		big_entry(i, &e[i], want, &af, &net);
	REQUIRE(open_ok(DEFAULT_PF_TABLE), "open: %s", warnmsg);
	REQUIRE(pftable_set(e, BIG_N) == 0, "set: %s", warnmsg);
	REQUIRE(k.violation[0] == '\0', "%s", k.violation);
	REQUIRE(k.calls == 1, "%d ioctls for %d entries", k.calls, BIG_N);
	REQUIRE(k.size == BIG_N && k.nseen == BIG_N, "size %d", k.size);
	for (i = 0; i < BIG_N; i++) {
		struct pftable_entry	 x;

		big_entry(i, &x, want, &af, &net);
		REQUIRE(entry_is(&k.seen[i], af, net, want, sizeof(want), why,
		    sizeof(why)), "entry %zu: %s", i, why);
	}
	REQUIRE(k.ntab == BIG_N, "%zu entries", k.ntab);
	pftable_counts(&nadd, NULL, NULL);
	REQUIRE(nadd == BIG_N, "nadd %d", nadd);

	/* A smaller set after it reuses the buffer; still one call. */
	mark();
	REQUIRE(pftable_set(e, 3) == 0, "small set: %s", warnmsg);
	REQUIRE(k.calls == 1 && k.size == 3 && k.ntab == 3,
	    "small set: %d calls, size %d, %zu entries", k.calls, k.size,
	    k.ntab);
	pass(name);
 out:
	free(e);
	pftable_close();
}

/* The table follows the whitelist: new entries in, expired ones out. */
static void
test_set_reconcile(void)
{
	const char		*name = "set_reconcile";
	struct pftable_entry	 e[4];
	int			 nadd, ndel;

	REQUIRE(open_ok(DEFAULT_PF_TABLE), "open: %s", warnmsg);
	e[0] = E("192.0.2.1", 32);
	e[1] = E("192.0.2.2", 32);
	e[2] = E("2001:db8:1::", 64);
	REQUIRE(pftable_set(e, 3) == 0, "first: %s", warnmsg);
	e[0] = E("192.0.2.2", 32);
	e[1] = E("2001:db8:1::", 64);
	e[2] = E("192.0.2.3", 32);
	mark();
	REQUIRE(pftable_set(e, 3) == 0, "second: %s", warnmsg);
	REQUIRE(k.calls == 1, "%d ioctls", k.calls);
	pftable_counts(&nadd, &ndel, NULL);
	REQUIRE(nadd == 1 && ndel == 1, "added %d, deleted %d", nadd, ndel);
	REQUIRE(k.ntab == 3, "%zu entries", k.ntab);
	/* A whole-table set repeated changes nothing. */
	REQUIRE(pftable_set(e, 3) == 0, "third: %s", warnmsg);
	pftable_counts(&nadd, &ndel, NULL);
	REQUIRE(nadd == 0 && ndel == 0, "added %d, deleted %d", nadd, ndel);
	REQUIRE(k.violation[0] == '\0', "%s", k.violation);
	pass(name);
 out:
	pftable_close();
}

/* The kernel refuses a push: -1, a message, and the next push works. */
static void
test_set_fails(const char *name, int error, const char *want)
{
	struct pftable_entry	e[2];

	REQUIRE(open_ok(DEFAULT_PF_TABLE), "open: %s", warnmsg);
	e[0] = E("192.0.2.1", 32);
	e[1] = E("2001:db8::", 48);
	if (error == ESRCH)
		k.exists = 0;	/* pf.conf reloaded without the table */
	else
		inject(error);
	REQUIRE(pftable_set(e, 2) == -1, "set worked");
	REQUIRE(k.calls == 1, "%d ioctls", k.calls);
	REQUIRE(k.violation[0] == '\0', "%s", k.violation);
	REQUIRE(strstr(warnmsg, want) != NULL, "message \"%s\" lacks \"%s\"",
	    warnmsg, want);
	k.exists = 1;
	mark();
	REQUIRE(pftable_set(e, 2) == 0, "next set: %s", warnmsg);
	REQUIRE(k.calls == 1 && k.ntab == 2, "next set: %d calls, %zu "
	    "entries", k.calls, k.ntab);
	pass(name);
 out:
	pftable_close();
}

static void
test_set_eintr(void)
{
	const char		*name = "set_eintr";
	struct pftable_entry	 e = E("192.0.2.1", 32);

	REQUIRE(open_ok(DEFAULT_PF_TABLE), "open: %s", warnmsg);
	inject(EINTR);
	REQUIRE(pftable_set(&e, 1) == 0, "set: %s", warnmsg);
	REQUIRE(k.calls == 2, "%d ioctls", k.calls);
	REQUIRE(k.ntab == 1, "%zu entries", k.ntab);
	pass(name);
 out:
	pftable_close();
}

static void
test_set_bad_entry(void)
{
	const char		*name = "set_bad_entry";
	struct pftable_entry	 e[2];

	REQUIRE(open_ok(DEFAULT_PF_TABLE), "open: %s", warnmsg);
	e[0] = E("192.0.2.1", 32);
	e[1] = E("192.0.2.2", 33);
	REQUIRE(pftable_set(e, 2) == -1, "IPv4 /33 pushed");
	e[1] = E("2001:db8::", 129);
	REQUIRE(pftable_set(e, 2) == -1, "IPv6 /129 pushed");
	e[1].net.af = AF_UNSPEC;
	REQUIRE(pftable_set(e, 2) == -1, "AF_UNSPEC pushed");
	REQUIRE(k.calls == 0, "%d ioctls", k.calls);
	REQUIRE(nwarn == 3, "%d messages", nwarn);
	e[1] = E("0.0.0.0", 0);		/* /0 is a valid prefix */
	REQUIRE(pftable_set(e, 2) == 0, "valid set: %s", warnmsg);
	REQUIRE(k.violation[0] == '\0', "%s", k.violation);
	pass(name);
 out:
	pftable_close();
}

/* Another table name travels as configured. */
static void
test_other_name(void)
{
	const char		*name = "set_other_table";
	struct pftable_entry	 e = E("192.0.2.1", 32);

	REQUIRE(open_ok("mail-ok"), "open: %s", warnmsg);
	REQUIRE(pftable_set(&e, 1) == 0, "set: %s", warnmsg);
	REQUIRE(k.violation[0] == '\0', "%s", k.violation);
	pass(name);
 out:
	pftable_close();
}

/* ---- the glue: parent/pf.c ---- */

struct stats	stats;

/*
 * A stand-in for policy.c: a whitelist of single addresses and a fixed
 * allowlist; a fake hit whitelists the source and tells pf.c, as
 * policy.c does through the callback policy_start() is given.
 */
#define WL_MAX		4096
static struct mxaddr	wl[WL_MAX];
static size_t		nwl;
static struct mxaddr	allowed;
static int		nrefresh, nblocked;

void
policy_fake_hit(const struct pkt_info *pi)
{
	size_t	i;

	stats.fake_hits++;
	for (i = 0; i < nwl; i++)
		if (memcmp(&wl[i], &pi->src, sizeof(wl[i])) == 0)
			return;
	if (nwl == WL_MAX)
		return;
	wl[nwl++] = pi->src;
	stats.whitelisted++;
	pf_changed();
}

int
policy_refresh(const struct mxaddr *a)
{
	(void)a;
	nrefresh++;
	return 1;
}

void
policy_blocked(const struct pkt_info *pi)
{
	(void)pi;
	nblocked++;
	stats.blocked++;
}

void
policy_foreach(void (*fn)(const struct wl_view *, void *), void *arg)
{
	struct wl_view	v;
	size_t		i;

	for (i = 0; i < nwl; i++) {
		memset(&v, 0, sizeof(v));
		v.net = wl[i];
		v.prefixlen = wl[i].af == AF_INET ? 32 : 128;
		fn(&v, arg);
	}
}

void
policy_foreach_allowed(void (*fn)(const struct mxaddr *, unsigned int,
    void *), void *arg)
{
	fn(&allowed, 24, arg);
}

size_t
policy_count(void)
{
	return nwl;
}

size_t
policy_count_allowed(void)
{
	return 1;
}

__dead void
children_shutdown(int status)
{
	printf("FAIL children_shutdown(%d): not expected here\n", status);
	exit(1);
}

/* The channel capture would send on. */
static int		 chan[2];
static struct imsgbuf	 tx, rx;

/* n SYNs as capture reports them: from 10.0.x.y (first + i), to dst. */
static void
send_events(size_t first, size_t n, uint32_t class, uint8_t action)
{
	struct pf_event	ev[PKT_BATCH_MAX];
	struct imsg	imsg;
	size_t		i, b;

	while (n > 0) {
		b = n < PKT_BATCH_MAX ? n : PKT_BATCH_MAX;
		memset(ev, 0, sizeof(ev));
		for (i = 0; i < b; i++) {
			ev[i].class = class;
			ev[i].action = action;
			ev[i].dir = PFLOG_DIR_IN;
			ev[i].info.src.af = AF_INET;
			ev[i].info.src.u.bytes[0] = 10;
			ev[i].info.src.u.bytes[2] = (uint8_t)((first + i) >> 8);
			ev[i].info.src.u.bytes[3] = (uint8_t)(first + i);
			ev[i].info.dst.af = AF_INET;
			ev[i].info.dst.u.bytes[0] = 192;
			ev[i].info.dst.u.bytes[3] = 10;
			ev[i].info.dport = 25;
			ev[i].info.tcp_flags = TCP_FLAG_SYN;
		}
		if (imsg_compose(&tx, IMSG_PF_EVENTS, 0, 0, -1, ev,
		    b * sizeof(ev[0])) == -1 || imsgbuf_flush(&tx) == -1 ||
		    imsgbuf_read(&rx) != 1 || imsg_get(&rx, &imsg) <= 0) {
			printf("FAIL pf_channel: %s\n", strerror(errno));
			exit(1);
		}
		pf_events(&imsg);
		imsg_free(&imsg);
		first += b;
		n -= b;
	}
}

/* Does the double's table hold the whitelist and the allowlist, exactly? */
static int
table_is_whitelist(char *why, size_t whylen)
{
	struct key	want;
	size_t		i;

	if (k.ntab != nwl + 1) {
		snprintf(why, whylen, "%zu entries in the table, whitelist "
		    "and allowlist %zu", k.ntab, nwl + 1);
		return 0;
	}
	for (i = 0; i < nwl; i++) {
		memset(&want, 0, sizeof(want));
		want.af = BSD_AF_INET;
		want.net = 32;
		memcpy(want.addr, wl[i].u.bytes, 4);
		if (bsearch(&want, k.tab, k.ntab, sizeof(*k.tab),
		    keycmp) == NULL) {
			snprintf(why, whylen, "whitelist entry %zu is not in "
			    "the table", i);
			return 0;
		}
	}
	return 1;
}

/*
 * One turn of the loop: blocks until a timer is due and runs what is.
 * Should nothing be due, a sentinel ends the turn after 10 s instead of
 * an hour (the long check interval); the counts then tell what is
 * missing.
 */
static void
sentinel(int fd, short event, void *arg)
{
	(void)fd;
	(void)event;
	(void)arg;
}

static void
turn(void)
{
	static struct event	 sentinel_ev;
	struct timeval		 tv = { 10, 0 };

	evtimer_set(&sentinel_ev, sentinel, NULL);
	evtimer_add(&sentinel_ev, &tv);
	if (event_loop(EVLOOP_ONCE) == -1) {
		printf("FAIL pf_loop: event_loop\n");
		exit(1);
	}
	evtimer_del(&sentinel_ev);
}

static const struct timeval	tv_short = { 0, 1000 };	/* 1 ms */
static const struct timeval	tv_long = { 3600, 0 };

/* The table check, now, and only it; then back to an hour. */
static void
check_now(void)
{
	pf_set_intervals(&tv_short, &tv_short);
	turn();
	pf_set_intervals(&tv_short, &tv_long);
}

static void
test_pf_glue(void)
{
	static struct mxallowd_conf	conf;
	const char	*name;
	char		 why[256];
	unsigned long long pushes, errors;
	int		 calls;

	reset(DEFAULT_PF_TABLE, 1);
	pftable_set_device(DEVICE);
	pftable_set_ioctl(double_ioctl);
	event_init();
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, chan) == -1 ||
	    imsgbuf_init(&tx, chan[0]) == -1 ||
	    imsgbuf_init(&rx, chan[1]) == -1) {
		printf("FAIL pf_channel: %s\n", strerror(errno));
		exit(1);
	}
	memset(&conf, 0, sizeof(conf));
	strlcpy(conf.pf_table, DEFAULT_PF_TABLE, sizeof(conf.pf_table));
	allowed.af = AF_INET;
	allowed.u.bytes[0] = 198;
	allowed.u.bytes[1] = 51;
	allowed.u.bytes[2] = 100;
	/* Pushes come a millisecond after a change; no check for now. */
	pf_set_intervals(&tv_short, &tv_long);

	/* Left from a previous run: the start sets the table anyway. */
	k.tab = calloc(1, sizeof(*k.tab));
	k.tab[0].af = BSD_AF_INET;
	k.tab[0].net = 32;
	k.tab[0].addr[0] = 172;
	k.ntab = 1;
	name = "pf_start_pushes_once";
	if (pf_open(&conf) != -1)
		failed(name, "pf_open gave a descriptor outside a replay");
	else {
		mark();
		pf_start();
		if (k.calls != 1 || k.flags != 0 || stats.pf_pushes != 1)
			failed(name, "%d ioctl calls (flags %#x), %llu pushes",
			    k.calls, k.flags, stats.pf_pushes);
		else if (!table_is_whitelist(why, sizeof(why)))
			failed(name, "%s", why);
		else
			pass(name);
	}

	/*
	 * A burst: 1000 new sources in 16 messages, then the same again;
	 * nothing reaches pf until the loop turns, then one push sets all.
	 */
	name = "pf_burst_coalesced";
	mark();
	send_events(0, 1000, PKT_FAKE, PFLOG_BLOCK);
	send_events(0, 1000, PKT_FAKE, PFLOG_BLOCK);
	calls = k.calls;
	turn();
	if (calls != 0)
		failed(name, "%d ioctl calls before the loop turned", calls);
	else if (nwl != 1000 || stats.fake_hits != 2000)
		failed(name, "whitelist %zu, fake hits %llu", nwl,
		    stats.fake_hits);
	else if (k.calls != 1 || stats.pf_pushes != 2)
		failed(name, "%d ioctl calls, %llu pushes in all", k.calls,
		    stats.pf_pushes);
	else if (!table_is_whitelist(why, sizeof(why)))
		failed(name, "%s", why);
	else
		pass(name);

	/* Once pushed, nothing is pending: a turn without a change is idle. */
	name = "pf_nothing_pending";
	mark();
	event_loop(EVLOOP_NONBLOCK);
	if (k.calls != 0)
		failed(name, "%d ioctl calls without a change", k.calls);
	else
		pass(name);

	/*
	 * A push that fails (the table gone, say after a pfctl -f that
	 * dropped it) is counted and tried again, until it succeeds.
	 */
	name = "pf_failed_push_retried";
	mark();
	inject(ESRCH);
	inject(EBUSY);
	send_events(1000, 5, PKT_FAKE, PFLOG_BLOCK);
	pushes = stats.pf_pushes;
	errors = stats.pf_errors;
	turn();
	if (stats.pf_errors != errors + 1 || stats.pf_pushes != pushes ||
	    nwarn == 0)
		failed(name, "first try: %llu errors, %llu pushes, %d "
		    "warnings", stats.pf_errors - errors,
		    stats.pf_pushes - pushes, nwarn);
	else {
		turn();
		turn();
		if (k.calls != 3 || stats.pf_errors != errors + 2 ||
		    stats.pf_pushes != pushes + 1)
			failed(name, "%d ioctl calls, %llu errors, %llu "
			    "pushes", k.calls, stats.pf_errors - errors,
			    stats.pf_pushes - pushes);
		else if (!table_is_whitelist(why, sizeof(why)))
			failed(name, "%s", why);
		else
			pass(name);
	}

	/*
	 * Emptied behind our back (pfctl -T flush): the next check finds
	 * the size wrong and has the table set again, once.
	 */
	name = "pf_check_repairs_flushed_table";
	mark();
	k.ntab = 0;
	infomsg[0] = '\0';
	check_now();
	calls = k.calls;
	pushes = stats.pf_pushes;
	turn();					/* the push it asked for */
	if (calls != 1 || k.flags != 0)
		failed(name, "the check made %d ioctl calls", calls);
	else if (strstr(infomsg, "holds 0 entries") == NULL)
		failed(name, "not logged: \"%s\"", infomsg);
	else if (k.calls != 2 || stats.pf_pushes != pushes + 1)
		failed(name, "%d ioctl calls, %llu pushes after the check",
		    k.calls, stats.pf_pushes - pushes);
	else if (!table_is_whitelist(why, sizeof(why)))
		failed(name, "%s", why);
	else
		pass(name);

	/* Grown behind our back (pfctl -T add): set again as well. */
	name = "pf_check_repairs_grown_table";
	mark();
	k.tab = realloc(k.tab, (k.ntab + 1) * sizeof(*k.tab));
	memset(&k.tab[k.ntab], 0xff, sizeof(*k.tab));
	k.ntab++;
	check_now();
	turn();
	if (k.calls != 2 || !table_is_whitelist(why, sizeof(why)))
		failed(name, "%d ioctl calls; %s", k.calls,
		    k.calls != 2 ? "want a check and a push" : why);
	else
		pass(name);

	/* A table of the right size is left alone: a check, no push. */
	name = "pf_check_leaves_good_table";
	mark();
	pushes = stats.pf_pushes;
	check_now();
	event_loop(EVLOOP_NONBLOCK);
	if (k.calls != 1 || k.flags != PFR_FLAG_DUMMY ||
	    stats.pf_pushes != pushes)
		failed(name, "%d ioctl calls (last flags %#x), %llu pushes",
		    k.calls, k.flags, stats.pf_pushes - pushes);
	else
		pass(name);

	/*
	 * What pf's action means: at a real address a pass refreshes, a
	 * block is counted blocked, a match rule's record neither; at a
	 * fake one anything but a pass is a hit.
	 */
	name = "pf_actions";
	nrefresh = nblocked = 0;
	stats.other = 0;
	send_events(2000, 1, PKT_REAL, PFLOG_PASS);
	send_events(2000, 2, PKT_REAL, PFLOG_BLOCK);
	send_events(2000, 4, PKT_REAL, PFLOG_MATCH);
	send_events(2000, 8, PKT_FAKE, PFLOG_MATCH);
	send_events(3000, 16, PKT_FAKE, PFLOG_PASS);
	if (nrefresh != 1 || nblocked != 2 || stats.other != 4 + 16 ||
	    nwl != 1005 + 8)
		failed(name, "refreshed %d, blocked %d, other %llu, "
		    "whitelist %zu", nrefresh, nblocked, stats.other, nwl);
	else
		pass(name);
	turn();

	imsgbuf_clear(&tx);
	imsgbuf_clear(&rx);
	close(chan[0]);
	close(chan[1]);
	pftable_close();
}

int
main(void)
{
	test_ioctl_numbers();
	test_struct_layout();
	test_af_values();
	test_open_no_device();
	test_open_bad_name();
	test_open_ok();
	test_open_fails("open_missing_table", DEFAULT_PF_TABLE, ESRCH,
	    "\"table <mx-white> persist\"");
	test_open_fails("open_missing_table_named", "mail-ok", ESRCH,
	    "\"table <mail-ok> persist\"");
	test_open_fails("open_const_table", DEFAULT_PF_TABLE, EPERM,
	    "not const");
	test_open_fails("open_wrong_abi", DEFAULT_PF_TABLE, ENODEV,
	    "rebuild mxallowd");
	test_open_fails("open_einval", DEFAULT_PF_TABLE, EINVAL,
	    strerror(EINVAL));
	test_set_before_open();
	test_set_empty();
	test_set_one();
	test_set_three();
	test_set_big();
	test_set_reconcile();
	test_size();
	test_set_fails("set_table_gone", ESRCH,
	    "\"table <mx-white> persist\"");
	test_set_fails("set_einval", EINVAL, strerror(EINVAL));
	test_set_fails("set_enodev", ENODEV, "rebuild mxallowd");
	test_set_fails("set_eperm", EPERM, "not const");
	test_set_fails("set_enomem", ENOMEM, "table-entries");
	test_set_eintr();
	test_set_bad_entry();
	test_other_name();
	test_pf_glue();
	reset(NULL, 0);
	return unit_exit_status();
}
