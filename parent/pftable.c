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
 * The pf table (pf-table, <mx-white> by default) that pf.conf passes by.
 *
 * Every push replaces the whole table with the whitelist in one
 * DIOCRSETADDRS: the only address ioctl pledge "pf" allows that can add
 * (DIOCRADDADDRS is not allowed), and a set makes the table equal to the
 * whitelist, so expired entries leave it and whatever an earlier run left
 * there is reconciled at the first push.  The startup check is the same
 * ioctl with PFR_FLAG_DUMMY and no entries: the kernel looks the table up
 * and checks that it may be changed, as for a real set, and changes
 * nothing.  So every call here is one that pledge "pf" allows.
 *
 * The table must exist ("table <mx-white> persist" in pf.conf): the kernel
 * creates tables only through pf.conf's transactions, which are not ours.
 */

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pftable.h"
#include "pfvar_compat.h"

#define PF_DEVICE	"/dev/pf"
#define PF_BUF_CHUNK	256	/* entries: the buffer grows by whole chunks */

static int	sys_ioctl(int, unsigned long, void *);

static int	 (*pf_ioctl)(int, unsigned long, void *) = sys_ioctl;
static const char *pf_device = PF_DEVICE;
static int	 pf_fd = -1;
static char	 pf_table[PF_TABLE_NAME_SIZE];
static struct pfr_addr *pf_buf;		/* kept between pushes */
static size_t	 pf_bufcap;
static int	 last_nadd, last_ndel, last_nchange;

static int
sys_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg);
}

void
pftable_set_ioctl(int (*fn)(int, unsigned long, void *))
{
	pf_ioctl = fn != NULL ? fn : sys_ioctl;
}

void
pftable_set_device(const char *path)
{
	pf_device = path != NULL ? path : PF_DEVICE;
}

/*
 * One DIOCRSETADDRS on the table, in the main ruleset (empty anchor).
 * The structure starts zeroed: the kernel rejects a name with anything
 * but NULs after it, and any pfrt_flags.  A set is idempotent, so an
 * interrupted one is simply made again.
 */
static int
setaddrs(struct pfioc_table *io, struct pfr_addr *addrs, int n, int flags)
{
	int	r;

	memset(io, 0, sizeof(*io));
	strlcpy(io->pfrio_table.pfrt_name, pf_table,
	    sizeof(io->pfrio_table.pfrt_name));
	io->pfrio_buffer = addrs;
	io->pfrio_esize = sizeof(struct pfr_addr);
	io->pfrio_size = n;
	io->pfrio_flags = flags;
	while ((r = pf_ioctl(pf_fd, DIOCRSETADDRS, io)) == -1 &&
	    errno == EINTR)
		;
	return r;
}

/* Say what the kernel's answer means for the administrator. */
static void
table_error(int error, int startup)
{
	const char	*t = pf_table;

	switch (error) {
	case ESRCH:
		if (startup)
			log_warnx("pf table <%s> does not exist: add "
			    "\"table <%s> persist\" to pf.conf and load it "
			    "(pfctl -f /etc/pf.conf)", t, t);
		else
			log_warnx("pf table <%s> is gone (pf.conf loaded "
			    "without \"table <%s> persist\"?): not pushed, "
			    "will try again", t, t);
		break;
	case EPERM:
		log_warnx("pf table <%s> may not be changed (%s): declare it "
		    "\"table <%s> persist\" in pf.conf, not const", t,
		    strerror(error), t);
		break;
	case ENODEV:
		/* pfioctl's answer to a pfrio_esize it does not know. */
		log_warnx("pf table <%s>: the kernel expects another struct "
		    "pfr_addr than this build's %zu bytes (%s): rebuild "
		    "mxallowd on this system", t, sizeof(struct pfr_addr),
		    strerror(error));
		break;
	case ENOMEM:
		log_warnx("pf table <%s>: %s: raise \"set limit "
		    "table-entries\" in pf.conf", t, strerror(error));
		break;
	default:
		log_warnx("pf table <%s>: %s", t, strerror(error));
		break;
	}
}

int
pftable_open(const char *table)
{
	struct pfioc_table	io;

	pftable_close();
	if (table[0] == '\0' || strlen(table) >= sizeof(pf_table)) {
		log_warnx("pf table name \"%s\": 1 to %zu characters", table,
		    sizeof(pf_table) - 1);
		return -1;
	}
	strlcpy(pf_table, table, sizeof(pf_table));

	/* Read-write: the kernel refuses table changes on a read-only fd. */
	if ((pf_fd = open(pf_device, O_RDWR | O_CLOEXEC)) == -1) {
		if (errno == ENOENT || errno == ENXIO || errno == ENODEV)
			log_warnx("pf is not available (%s: %s): the pf "
			    "backend needs OpenBSD's pf device", pf_device,
			    strerror(errno));
		else
			log_warnx("%s: %s", pf_device, strerror(errno));
		return -1;
	}
	if (setaddrs(&io, NULL, 0, PFR_FLAG_DUMMY) == -1) {
		table_error(errno, 1);
		close(pf_fd);
		pf_fd = -1;
		return -1;
	}
	/* What a real set of nothing would delete: all there is. */
	log_debug("pf table <%s>: %d entries before the first push", pf_table,
	    io.pfrio_ndel);
	return 0;
}

/*
 * How many entries the table holds now, or -1: a dry-run set of nothing
 * reports what it would delete.  Cheap, and allowed under pledge "pf";
 * it tells when someone else emptied the table (pfctl -f, pfctl -T).
 */
int
pftable_size(void)
{
	struct pfioc_table	io;

	if (pf_fd == -1)
		return -1;
	if (setaddrs(&io, NULL, 0, PFR_FLAG_DUMMY) == -1) {
		table_error(errno, 0);
		return -1;
	}
	return io.pfrio_ndel;
}

/* Room for n entries; bounded by the largest whitelist pushed so far. */
static int
grow(size_t n)
{
	struct pfr_addr	*p;
	size_t		 cap;

	if (n <= pf_bufcap)
		return 0;
	cap = n + (PF_BUF_CHUNK - n % PF_BUF_CHUNK);
	if ((p = reallocarray(pf_buf, cap, sizeof(*p))) == NULL) {
		log_warnx("pf table <%s>: %zu entries: %s", pf_table, n,
		    strerror(errno));
		return -1;
	}
	pf_buf = p;
	pf_bufcap = cap;
	return 0;
}

/* Clear the bits past the prefix: the kernel rejects the set otherwise. */
static void
mask(uint8_t *b, size_t len, unsigned int prefixlen)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (prefixlen >= 8) {
			prefixlen -= 8;
			continue;
		}
		b[i] &= (uint8_t)(0xff << (8 - prefixlen));
		prefixlen = 0;
	}
}

/*
 * One entry in the kernel's form.  pfra_af is OpenBSD's number for the
 * family (AF_INET6 is 24 there, 10 on Linux); the address stays in
 * network order; all else (ifname, weight, type, not, fback) is zero.
 */
static int
fill(struct pfr_addr *a, const struct pftable_entry *e)
{
	size_t	alen;

	memset(a, 0, sizeof(*a));
	if (e->net.af == AF_INET) {
		a->pfra_af = OPENBSD_AF_INET;
		alen = sizeof(a->pfra_ip4addr);
	} else if (e->net.af == AF_INET6) {
		a->pfra_af = OPENBSD_AF_INET6;
		alen = sizeof(a->pfra_ip6addr);
	} else
		goto bad;
	if (e->prefixlen > alen * 8)
		goto bad;
	/* Either member of the union starts at its first byte. */
	memcpy(&a->pfra_u, e->net.u.bytes, alen);
	a->pfra_net = e->prefixlen;
	mask((uint8_t *)&a->pfra_u, sizeof(a->pfra_u), e->prefixlen);
	return 0;
 bad:
	log_warnx("pf table <%s>: bad entry (family %d, prefix length %u): "
	    "not pushed", pf_table, e->net.af, e->prefixlen);
	return -1;
}

int
pftable_set(const struct pftable_entry *entries, size_t n)
{
	struct pfioc_table	io;
	size_t			i;

	if (pf_fd == -1) {
		log_warnx("pf table <%s>: %s is not open", pf_table,
		    pf_device);
		return -1;
	}
	if (n > INT_MAX) {
		log_warnx("pf table <%s>: %zu entries: too many", pf_table, n);
		return -1;
	}
	if (grow(n) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (fill(&pf_buf[i], &entries[i]) == -1)
			return -1;

	/* No entries is a valid set: it empties the table. */
	if (setaddrs(&io, pf_buf, (int)n, 0) == -1) {
		table_error(errno, 0);
		return -1;
	}
	last_nadd = io.pfrio_nadd;
	last_ndel = io.pfrio_ndel;
	last_nchange = io.pfrio_nchange;
	log_debug("pf table <%s>: %zu entries, %d added, %d deleted, "
	    "%d changed", pf_table, n, last_nadd, last_ndel, last_nchange);
	return 0;
}

void
pftable_counts(int *nadd, int *ndel, int *nchange)
{
	if (nadd != NULL)
		*nadd = last_nadd;
	if (ndel != NULL)
		*ndel = last_ndel;
	if (nchange != NULL)
		*nchange = last_nchange;
}

void
pftable_close(void)
{
	if (pf_fd != -1) {
		close(pf_fd);
		pf_fd = -1;
	}
	free(pf_buf);
	pf_buf = NULL;
	pf_bufcap = 0;
	last_nadd = last_ndel = last_nchange = 0;
}
