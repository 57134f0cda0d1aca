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
 * The nftables backend's ruleset as data: one description, built from the
 * configuration, that parent/nftables.c turns into netlink messages and
 * nftrules_print() into nft(8) syntax for mxallowd -nv.  Both read the
 * same statements, so what an administrator reads is what is installed.
 */

#ifndef NFTRULES_H
#define NFTRULES_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "mxallowd.h"

#define NFTR_STMT_MAX		6	/* statements in one rule */
#define NFTR_RULE_MAX		5	/* rules in one chain */
#define NFTR_CHAIN_MAX		12
#define NFTR_SET_MAX		10
#define NFTR_COUNTER_MAX	6

/* The most sources the kernel whitelists by itself, per family. */
#define NFTR_PENDING_MAX	16384

/* The chain hooked to input runs before the filter priority's chains. */
#define NFTR_PRIORITY		(-10)

/* The table's comment: what marks a table as one mxallowd made. */
#define NFTR_OWNER_MARK		"managed by mxallowd"

/* Bytes of each logged packet: as much as the nfqueue backend copies. */
#define NFTR_SNAPLEN		PKT_COPY_MAX

enum nftr_stmt_kind {
	NS_SYN25,	/* tcp dport 25 tcp flags syn / fin,syn,rst,ack */
	NS_DADDR_IN,	/* ip daddr @set */
	NS_SADDR_IN,	/* ip saddr [& mask] @set */
	NS_UPDATE,	/* update @set { ip saddr [& mask] timeout T } */
	NS_COUNTER,	/* counter name "name" */
	NS_LIMIT,	/* limit rate N/second burst N packets */
	NS_LOG,		/* log prefix "name" group N snaplen S */
	NS_ACCEPT,
	NS_DROP,
	NS_RESET,	/* reject with tcp reset */
	NS_JUMP,
	NS_GOTO
};

struct nftr_stmt {
	enum nftr_stmt_kind	 kind;
	int			 af;		/* address statements */
	unsigned int		 prefix;	/* bits of the source kept */
	const char		*name;	/* set, counter, chain, prefix */
	uint64_t		 timeout;	/* update: seconds */
	uint32_t		 num;		/* limit rate, log group */
};

struct nftr_rule {
	struct nftr_stmt	stmt[NFTR_STMT_MAX];
	size_t			nstmt;
};

struct nftr_chain {
	const char		*name;
	int			 base;		/* 1: hooked to input */
	struct nftr_rule	 rule[NFTR_RULE_MAX];
	size_t			 nrule;
};

enum nftr_set_kind {
	SET_ADDRS,	/* the fake or real addresses, from the configuration */
	SET_WHITE,	/* the daemon's whitelist: element timeouts */
	SET_PENDING,	/* added by the kernel itself on a fake hit */
	SET_ALLOW	/* the allowlist: intervals, no timeouts */
};

struct nftr_set {
	const char		*name;
	enum nftr_set_kind	 kind;
	int			 af;
	uint32_t		 flags;		/* NFT_SET_* */
	uint32_t		 size;		/* 0: none declared */
	struct mxaddr		 addr[MAX_MAILSERVERS];	/* SET_ADDRS */
	size_t			 naddr;
};

struct nftr_ruleset {
	char			 table[NFT_TABLE_NAME_MAX];
	const char		*counter[NFTR_COUNTER_MAX];
	size_t			 ncounter;
	struct nftr_set		 set[NFTR_SET_MAX];
	size_t			 nset;
	struct nftr_chain	 chain[NFTR_CHAIN_MAX];
	size_t			 nchain;
};

/* The names the backend looks its sets and counters up by. */
#define NFTR_WHITE4	"white4"
#define NFTR_WHITE6	"white6"
#define NFTR_PENDING4	"pending4"
#define NFTR_PENDING6	"pending6"
#define NFTR_ALLOW4	"allow4"
#define NFTR_ALLOW6	"allow6"

/* One interval of the allowlist, both ends included, in network order. */
struct nftr_range {
	struct mxaddr	first;
	struct mxaddr	last;
};

void	nftrules_build(const struct mxallowd_conf *, struct nftr_ruleset *);
uint32_t nftrules_white_size(const struct mxallowd_conf *);
uint32_t nftrules_pending_size(const struct mxallowd_conf *);
time_t	nftrules_pending_time(const struct mxallowd_conf *);
const struct nftr_set *nftrules_set(const struct nftr_ruleset *,
	    const char *);
void	nftrules_print(FILE *, const struct nftr_ruleset *,
	    const struct nftr_range *, size_t, const char *);
void	nftrules_format_stmt(char *, size_t, const struct nftr_stmt *);
void	nftrules_format_rule(char *, size_t, const struct nftr_rule *);
size_t	nftrules_ranges(const struct mxaddr *, const unsigned int *, size_t,
	    struct nftr_range *);
void	nftrules_mask(struct mxaddr *, unsigned int);
int	nftrules_addr_cmp(const struct mxaddr *, const struct mxaddr *);

#endif /* NFTRULES_H */
