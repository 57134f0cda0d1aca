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
 * The part of OpenBSD's pf table ioctl ABI that parent/pftable.c uses.
 *
 * On OpenBSD this is <net/pfvar.h> and nothing else.  Elsewhere (Linux CI)
 * it reproduces the OpenBSD definitions so that the table layer compiles
 * and regress/unit/pftable_test.c can check, byte for byte, what it would
 * hand to the kernel.  This reproduction is never used on OpenBSD; the
 * layout assertions at the end hold for both, so that compiling for
 * OpenBSD (regress/build/openbsd-cc.sh) checks the reproduction's numbers
 * against OpenBSD's own headers.
 *
 * Sources (openbsd/src), the reproduction follows pfvar.h 1.543
 * (2025/04/14), the newest revision the reference index holds:
 *	sys/net/pfvar.h 1.543	struct pfr_table, struct pfr_addr,
 *				struct pfioc_table, PFR_FLAG_*,
 *				PF_TABLE_NAME_SIZE, DIOCR* ('D', 60..74)
 *	sys/sys/ioccom.h 1.4	_IOC/_IOWR, IOC_INOUT, IOCPARM_MASK
 *	sys/sys/socket.h	AF_INET 2, AF_INET6 24
 *	sys/sys/syslimits.h	PATH_MAX 1024 (pfrt_anchor)
 *	sys/net/if.h		IFNAMSIZ 16 (pfra_ifname)
 *
 * pledge: sys/kern/kern_pledge.c 1.333, pledge_ioctl(), lets a process
 * pledged "pf" issue only these on /dev/pf:
 *	DIOCADDRULE DIOCGETSTATUS DIOCNATLOOK DIOCRADDTABLES DIOCRCLRADDRS
 *	DIOCRCLRTABLES DIOCRCLRTSTATS DIOCRGETTSTATS DIOCRSETADDRS
 *	DIOCXBEGIN DIOCXCOMMIT DIOCKILLSRCNODES
 * DIOCRADDADDRS, DIOCRDELADDRS and DIOCRGETTABLES are not among them.
 * mxallowd only ever issues DIOCRSETADDRS (the startup check is a
 * PFR_FLAG_DUMMY DIOCRSETADDRS), so no call depends on having pledged
 * later; DIOCRCLRADDRS is defined for completeness and checked by the
 * unit test.
 */

#ifndef PFVAR_COMPAT_H
#define PFVAR_COMPAT_H

#ifdef __OpenBSD__

#include <sys/types.h>
#include <sys/ioctl.h>
#include <stddef.h>
#include <sys/socket.h>
#include <net/if.h>
#include <netinet/in.h>
#include <net/pfvar.h>

/* pfra_af carries the kernel's own values: on OpenBSD, the system's. */
#define OPENBSD_AF_INET		AF_INET
#define OPENBSD_AF_INET6	AF_INET6

#else /* !__OpenBSD__: a reproduction, for tests only */

#include <sys/types.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

/*
 * OpenBSD's address family numbers (sys/sys/socket.h).  Linux's AF_INET6
 * is 10; the kernel the structures are meant for expects 24, so pftable.c
 * translates and the unit test's double accepts only these.
 */
#define OPENBSD_AF_INET		2
#define OPENBSD_AF_INET6	24

#define OPENBSD_PATH_MAX	1024	/* sys/sys/syslimits.h */
#define OPENBSD_IFNAMSIZ	16	/* sys/net/if.h */
#define PF_TABLE_NAME_SIZE	32

struct pfr_table {
	char		pfrt_anchor[OPENBSD_PATH_MAX];
	char		pfrt_name[PF_TABLE_NAME_SIZE];
	uint32_t	pfrt_flags;
	uint8_t		pfrt_fback;
};

/* in_addr and in6_addr: 4 and 16 bytes, 4-aligned on both systems. */
struct pfr_addr {
	union {
		struct in_addr	_pfra_ip4addr;
		struct in6_addr	_pfra_ip6addr;
	}		pfra_u;
	char		pfra_ifname[OPENBSD_IFNAMSIZ];
	uint32_t	pfra_states;
	uint16_t	pfra_weight;
	uint8_t		pfra_af;
	uint8_t		pfra_net;
	uint8_t		pfra_not;
	uint8_t		pfra_fback;
	uint8_t		pfra_type;
	uint8_t		pad[7];
};
#define pfra_ip4addr	pfra_u._pfra_ip4addr
#define pfra_ip6addr	pfra_u._pfra_ip6addr

/*
 * <net/pfvar.h> also defines these object-like macros (for struct
 * pf_addr's union), which rewrite any member of the same name in every
 * file that includes it.  Defined here too, so that a Linux build trips
 * over such a name just as the OpenBSD build would.
 */
#define v4	pfa.v4
#define v6	pfa.v6
#define addr8	pfa.addr8
#define addr16	pfa.addr16
#define addr32	pfa.addr32

#define PFR_FLAG_DUMMY		0x00000002
#define PFR_FLAG_FEEDBACK	0x00000004

struct pfioc_table {
	struct pfr_table	 pfrio_table;
	void			*pfrio_buffer;
	int			 pfrio_esize;
	int			 pfrio_size;
	int			 pfrio_size2;
	int			 pfrio_nadd;
	int			 pfrio_ndel;
	int			 pfrio_nchange;
	int			 pfrio_flags;
	uint32_t		 pfrio_ticket;
};

/*
 * OpenBSD's ioctl encoding (sys/sys/ioccom.h), spelled out: Linux's _IOWR
 * has another parameter mask (14 bits, not 13) and, on some machines,
 * other direction bits, so it must not be used for these numbers.
 */
#define OPENBSD_IOCPARM_MASK	0x1fffUL
#define OPENBSD_IOC_OUT		0x40000000UL
#define OPENBSD_IOC_IN		0x80000000UL
#define OPENBSD_IOC_INOUT	(OPENBSD_IOC_IN | OPENBSD_IOC_OUT)
#define OPENBSD_IOWR(g, n, t)						\
	(OPENBSD_IOC_INOUT |						\
	(((unsigned long)sizeof(t) & OPENBSD_IOCPARM_MASK) << 16) |	\
	((unsigned long)(g) << 8) | (unsigned long)(n))

#define DIOCRCLRADDRS	OPENBSD_IOWR('D', 66, struct pfioc_table)
#define DIOCRSETADDRS	OPENBSD_IOWR('D', 69, struct pfioc_table)

#endif /* __OpenBSD__ */

/*
 * The layout computed by hand from the OpenBSD definitions (amd64, and any
 * other machine where int is 4 bytes and in6_addr 4-aligned):
 *	pfr_table	1024 + 32 + 4 + 1 = 1061, padded to 4: 1064
 *	pfr_addr	16 + 16 + 4 + 2 + 5 * 1 + 7 = 50, padded to 4: 52,
 *			pfra_af at 38, pfra_net at 39
 *	pfioc_table	1064 + pointer + 8 * 4: 1104 with 8-byte pointers
 *			(amd64), 1100 with 4-byte ones (i386)
 */
_Static_assert(sizeof(struct pfr_table) == 1064, "struct pfr_table layout");
_Static_assert(sizeof(struct pfr_addr) == 52, "struct pfr_addr layout");
_Static_assert(offsetof(struct pfr_addr, pfra_af) == 38,
    "struct pfr_addr layout");
_Static_assert(offsetof(struct pfr_addr, pfra_net) == 39,
    "struct pfr_addr layout");
_Static_assert(sizeof(struct pfioc_table) ==
    (sizeof(void *) == 8 ? 1104 : 1100), "struct pfioc_table layout");
_Static_assert(DIOCRSETADDRS == (sizeof(void *) == 8 ? 0xc4504445UL :
    0xc44c4445UL), "DIOCRSETADDRS");
_Static_assert(DIOCRCLRADDRS == (sizeof(void *) == 8 ? 0xc4504442UL :
    0xc44c4442UL), "DIOCRCLRADDRS");
_Static_assert(PFR_FLAG_DUMMY == 0x2, "PFR_FLAG_DUMMY");
_Static_assert(PF_TABLE_NAME_SIZE == 32, "PF_TABLE_NAME_SIZE");
_Static_assert(OPENBSD_AF_INET == 2 && OPENBSD_AF_INET6 == 24,
    "address families");

#endif /* PFVAR_COMPAT_H */
