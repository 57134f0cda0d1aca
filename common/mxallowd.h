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
 * Definitions shared by the parent, capture and resolver processes:
 * the configuration, the roles and the imsg types that cross between them.
 */

#ifndef MXALLOWD_H
#define MXALLOWD_H

#include <sys/types.h>
#include <netinet/in.h>
#include <net/if.h>
#include <limits.h>
#include <stdint.h>

#define MXALLOWD_VERSION	"2.0"

#ifdef __OpenBSD__
#define MXALLOWD_CONF		"/etc/mxallowd.conf"
#define MXALLOWD_CHROOT		"/var/empty"
#define DEFAULT_BACKEND		BACKEND_PF
#else
#define MXALLOWD_CONF		"/etc/mxallowd.conf"
#define MXALLOWD_CHROOT		"/var/empty"
#define DEFAULT_BACKEND		BACKEND_NFQUEUE
#endif
#define MXALLOWD_USER		"_mxallowd"

#define DEFAULT_WHITELIST_TIME	86400		/* seconds; see mxallowd.conf(5) */
#define DEFAULT_PFLOG_IF	"pflog0"
#define DEFAULT_PCAP_FILTER	"port 25"

#define MAX_MAILSERVERS		64		/* per list: fake and real */
#define MAX_WHITELIST_TIME	(365 * 86400)
#define MAX_QUEUE_NUM		65535
#define USER_NAME_MAX		32
#define PCAP_FILTER_MAX		512

/* The descriptor on which an exec'd child finds its socket to the parent. */
#define PARENT_SOCK_FILENO	3

enum backend {
	BACKEND_NFQUEUE,
	BACKEND_PF
};

/* An IPv4 or IPv6 address; unused bytes are zero so it compares with memcmp. */
struct mxaddr {
	sa_family_t	af;		/* AF_INET or AF_INET6 */
	union {
		struct in_addr	v4;
		struct in6_addr	v6;
		uint8_t		bytes[16];
	} u;
};

/* Run-time options that are flags; settable in the file and on the command line. */
#define OPT_FOREGROUND		0x01	/* -F, foreground */
#define OPT_STDOUT		0x02	/* -s, stdout: log to stdout */
#define OPT_QUIET		0x04	/* -q, quiet: errors only */
#define OPT_NO_RDNS		0x08	/* -b, no-rdns-whitelist */

struct mxallowd_conf {
	struct mxaddr	fake[MAX_MAILSERVERS];
	unsigned int	nfake;
	struct mxaddr	real[MAX_MAILSERVERS];
	unsigned int	nreal;
	enum backend	backend;
	int		queue_num;		/* -1 while unset */
	unsigned int	whitelist_time;		/* seconds */
	int		opts;			/* OPT_* */
	char		pflog_if[IFNAMSIZ];
	char		pcap_filter[PCAP_FILTER_MAX];
	char		user[USER_NAME_MAX];
	char		chroot[PATH_MAX];
};

/* Process roles; the children are re-exec'd with "-X role". */
enum mxallowd_proc {
	PROC_PARENT,
	PROC_CAPTURE,
	PROC_RESOLVER
};

/*
 * imsg types.  Every payload is a fixed-size struct, checked for its exact
 * size on receipt.
 */
enum imsg_type {
	IMSG_NONE,
	IMSG_CHILD_INIT,	/* parent -> child: struct child_init */
	IMSG_CHILD_READY,	/* child -> parent: privileges dropped, no data */
};

/* What a child needs before it drops privileges. */
struct child_init {
	char		user[USER_NAME_MAX];
	char		chroot[PATH_MAX];	/* "" for no chroot */
	int		verbose;
};

#endif /* MXALLOWD_H */
