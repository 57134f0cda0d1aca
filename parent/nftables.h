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
 * The parent's netlink socket to nf_tables: transactions built into one
 * batch and sent in one sendmsg(2), set dumps and counters.  No policy
 * here: parent/nftsync.c decides what goes in.
 */

#ifndef NFTABLES_H
#define NFTABLES_H

#include <stddef.h>
#include <stdint.h>

#include "mxallowd.h"
#include "nftrules.h"

/* One set element as the kernel holds it. */
struct nft_elem {
	struct mxaddr	key;
	uint64_t	timeout;	/* ms; 0: none */
	uint64_t	expires;	/* ms left (dumps only) */
	char		comment[32];	/* "" for none */
	int		absent;		/* nft_get_elems(): not in the set */
};

/* What nft_table_state() found. */
enum nft_table_state {
	NFT_TABLE_NONE,		/* no table of that name in family inet */
	NFT_TABLE_OURS,		/* made by mxallowd: our comment on it */
	NFT_TABLE_FOREIGN	/* someone else's */
};

/* Element operations of a batch. */
enum nft_elem_op {
	NFT_ELEM_ADD,
	NFT_ELEM_DELETE,	/* fails if absent */
	NFT_ELEM_DESTROY	/* Linux 6.3 and later: absent is no error */
};

struct nft_batch;

void	nft_open(void);
int	nft_has_destroy(void);
int	nft_table_state(const char *);
int	nft_set_dump(const char *, const char *, int,
	    void (*)(const struct nft_elem *, void *), void *);
int	nft_get_elems(const char *, const char *, int, const struct mxaddr *,
	    size_t, void (*)(const struct nft_elem *, void *), void *);
int	nft_counters(const char *, void (*)(const char *, uint64_t, void *),
	    void *);

struct nft_batch *nft_batch_new(void);
void	nft_batch_free(struct nft_batch *);
size_t	nft_batch_elems(const struct nft_batch *);
void	nft_batch_delete_table(struct nft_batch *, const char *);
void	nft_batch_ruleset(struct nft_batch *, const struct nftr_ruleset *);
void	nft_batch_rules(struct nft_batch *, const struct nftr_ruleset *);
void	nft_batch_flush_chains(struct nft_batch *, const struct nftr_ruleset *);
void	nft_batch_addrs(struct nft_batch *, const struct nftr_ruleset *);
void	nft_batch_flush_set(struct nft_batch *, const char *, const char *);
void	nft_batch_elem(struct nft_batch *, const char *, const char *,
	    enum nft_elem_op, const struct nft_elem *);
void	nft_batch_ranges(struct nft_batch *, const char *, const char *,
	    int, const struct nftr_range *, size_t);
int	nft_batch_commit(struct nft_batch *, int, char *, size_t);

#endif /* NFTABLES_H */
