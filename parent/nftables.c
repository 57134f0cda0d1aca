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
 * The parent's one netlink socket to nf_tables (libmnl), with messages
 * built by libnftnl.  A transaction is one batch (NFNL_MSG_BATCH_BEGIN,
 * the messages, NFNL_MSG_BATCH_END) sent in one sendmsg(2): the kernel
 * applies all of it or none.  Set elements go in messages of at most
 * ELEMS_BYTES, since an attribute's length has 16 bits; there may be as
 * many such messages in one batch as it takes (a million entries at
 * start-up), the socket's send buffer grown to fit.  Every message asks
 * for an acknowledgement, so a failed batch names the message that failed.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>

#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "array.h"
#include "log.h"
#include "nftables.h"

/* Linux 6.3's uapi; Debian 12's headers are older. */
#ifndef NFT_MSG_DESTROYSETELEM
#define NFT_MSG_DESTROYSETELEM	30
#endif

#define MSG_ROOM	(64 * 1024)	/* free before a message is built */
#define ELEMS_BYTES	(60 * 1024)	/* then an element message is closed */
#define RECV_BYTES	(128 * 1024)	/* a dump's part fits */
#define ACK_WAIT_SECONDS 10		/* the answer to a batch, at most */
#define GET_CHUNK	1024		/* questions in one sendmsg */
#define GET_BYTES	256		/* room for one question */
#define UDATA_COMMENT	0		/* NFTNL_UDATA_*_COMMENT */
#define UDATA_ELEM_FLAGS 1		/* NFTNL_UDATA_SET_ELEM_FLAGS */
#define UDATA_F_OPEN	0x1		/* NFTNL_SET_ELEM_F_INTERVAL_OPEN */

static struct mnl_socket	*nl;
static uint32_t			 portid;
static uint32_t			 seq;
static int			 has_destroy;
static int			 sndbuf;
static char			 rbuf[RECV_BYTES];

/* What a message of a batch was, to name it when the kernel refuses it. */
struct msgdesc {
	uint32_t	seq;
	char		what[160];
};

struct nft_batch {
	char		*buf;
	size_t		 len, cap;
	struct msgdesc	*desc;
	size_t		 ndesc, descap;
	uint32_t	 begin_seq;
	/* The element message being filled, at buf + len. */
	int		 elem_open;
	size_t		 elem_nest;	/* offset of its element list */
	int		 elem_op;
	char		 elem_set[NFT_TABLE_NAME_MAX];
	size_t		 nelems;
};

/* Linux 6.3 added DESTROY: a delete that does not mind an absent element. */
static int
kernel_has_destroy(void)
{
	struct utsname	u;
	int		major = 0, minor = 0;

	if (uname(&u) == -1 || sscanf(u.release, "%d.%d", &major, &minor) < 2)
		return 0;
	return major > 6 || (major == 6 && minor >= 3);
}

/*
 * As root, before anything runs: the socket, acknowledgements without the
 * request copied back, and a receive buffer that holds every
 * acknowledgement of a large batch.
 */
void
nft_open(void)
{
	struct timeval	tv = { ACK_WAIT_SECONDS, 0 };
	int		on = 1, rcvbuf = 4 * 1024 * 1024;

	if ((nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC)) == NULL)
		fatal("nftables: netlink socket");
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == -1)
		fatal("nftables: bind");
	portid = mnl_socket_get_portid(nl);
	seq = time(NULL);
	if (mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &on, sizeof(on)) == -1)
		log_debug("nftables: NETLINK_CAP_ACK: %s", strerror(errno));
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE,
	    &rcvbuf, sizeof(rcvbuf)) == -1 ||
	    setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv,
	    sizeof(tv)) == -1)
		fatal("nftables: socket options");
	has_destroy = kernel_has_destroy();
}

int
nft_has_destroy(void)
{
	return has_destroy;
}

/* --- batches ------------------------------------------------------------- */

static void
batch_room(struct nft_batch *b)
{
	char	*p;
	size_t	 cap;

	if (b->cap - b->len >= MSG_ROOM)
		return;
	cap = b->cap * 2 + MSG_ROOM;
	if ((p = realloc(b->buf, cap)) == NULL)
		fatal("nftables: batch");
	b->buf = p;
	b->cap = cap;
}

static void
batch_describe(struct nft_batch *b, uint32_t s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
batch_describe(struct nft_batch *b, uint32_t s, const char *fmt, ...)
{
	struct msgdesc	*d;
	va_list		 ap;

	if ((d = array_room(b->desc, b->ndesc, &b->descap,
	    sizeof(*d), 64)) == NULL)
		fatal("nftables: batch");
	b->desc = d;
	d = &b->desc[b->ndesc++];
	d->seq = s;
	va_start(ap, fmt);
	vsnprintf(d->what, sizeof(d->what), fmt, ap);
	va_end(ap);
}

/* A new message at the end of the batch; batch_done() counts it in. */
static struct nlmsghdr *
batch_msg(struct nft_batch *b, uint16_t type, uint16_t flags)
{
	batch_room(b);
	return nftnl_nlmsg_build_hdr(b->buf + b->len, type, NFPROTO_INET,
	    flags | NLM_F_ACK, ++seq);
}

static void
batch_done(struct nft_batch *b, struct nlmsghdr *nlh)
{
	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
}

struct nft_batch *
nft_batch_new(void)
{
	struct nft_batch	*b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		fatal("nftables: batch");
	batch_room(b);
	nftnl_batch_begin(b->buf, ++seq);
	b->begin_seq = seq;
	b->len = NLMSG_ALIGN(((struct nlmsghdr *)b->buf)->nlmsg_len);
	return b;
}

void
nft_batch_free(struct nft_batch *b)
{
	if (b == NULL)
		return;
	free(b->buf);
	free(b->desc);
	free(b);
}

size_t
nft_batch_elems(const struct nft_batch *b)
{
	return b->nelems;
}

static void
elems_close(struct nft_batch *b)
{
	struct nlmsghdr	*nlh = (struct nlmsghdr *)(b->buf + b->len);

	if (!b->elem_open)
		return;
	mnl_attr_nest_end(nlh, (struct nlattr *)(b->buf + b->elem_nest));
	batch_done(b, nlh);
	b->elem_open = 0;
}

void
nft_batch_delete_table(struct nft_batch *b, const char *table)
{
	struct nlmsghdr	*nlh;

	elems_close(b);
	nlh = batch_msg(b, NFT_MSG_DELTABLE, 0);
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, table);
	batch_describe(b, seq, "delete table inet %s", table);
	batch_done(b, nlh);
}

/* --- the ruleset --------------------------------------------------------- */

static struct nftnl_expr *
expr_new(struct nftnl_rule *r, const char *name)
{
	struct nftnl_expr	*e;

	if ((e = nftnl_expr_alloc(name)) == NULL)
		fatal("nftables: expression %s", name);
	nftnl_rule_add_expr(r, e);
	return e;
}

static void
expr_cmp(struct nftnl_rule *r, const void *data, uint32_t len)
{
	struct nftnl_expr	*e = expr_new(r, "cmp");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
}

static void
expr_meta_is(struct nftnl_rule *r, uint32_t key, uint8_t value)
{
	struct nftnl_expr	*e = expr_new(r, "meta");

	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	expr_cmp(r, &value, sizeof(value));
}

static void
expr_payload(struct nftnl_rule *r, uint32_t base, uint32_t offset,
    uint32_t len)
{
	struct nftnl_expr	*e = expr_new(r, "payload");

	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
}

static void
expr_and(struct nftnl_rule *r, const void *mask, uint32_t len)
{
	struct nftnl_expr	*e = expr_new(r, "bitwise");
	uint8_t			 zero[16] = { 0 };

	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
}

static void
expr_verdict(struct nftnl_rule *r, int verdict, const char *chain)
{
	struct nftnl_expr	*e = expr_new(r, "immediate");

	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, verdict);
	if (chain != NULL)
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
}

/* What a rule's conversion keeps: the family already checked, if any. */
struct conv {
	struct nftnl_rule	*r;
	int			 af;
};

/* meta nfproto, once per rule: what nft(8) puts before ip / ip6. */
static void
need_family(struct conv *cv, int af)
{
	if (cv->af == af)
		return;
	expr_meta_is(cv->r, NFT_META_NFPROTO, af == AF_INET ? NFPROTO_IPV4 :
	    NFPROTO_IPV6);
	cv->af = af;
}

/* The source, masked to the statement's prefix, into register 1. */
static void
load_source(struct conv *cv, const struct nftr_stmt *s)
{
	struct mxaddr	mask;
	uint32_t	len = s->af == AF_INET ? 4 : 16;

	need_family(cv, s->af);
	expr_payload(cv->r, NFT_PAYLOAD_NETWORK_HEADER, s->af == AF_INET ?
	    12 : 8, len);
	if (s->prefix >= len * 8)
		return;
	memset(&mask, 0, sizeof(mask));
	mask.af = s->af;
	memset(mask.u.bytes, 0xff, len);
	nftrules_mask(&mask, s->prefix);
	expr_and(cv->r, mask.u.bytes, len);
}

static void
conv_lookup(struct conv *cv, const char *set)
{
	struct nftnl_expr	*e = expr_new(cv->r, "lookup");

	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
}

static void
conv_syn25(struct conv *cv)
{
	uint16_t	port = htons(25);
	uint8_t		mask = 0x17;	/* fin | syn | rst | ack */
	uint8_t		syn = 0x02;

	expr_meta_is(cv->r, NFT_META_L4PROTO, IPPROTO_TCP);
	expr_payload(cv->r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
	expr_cmp(cv->r, &port, sizeof(port));
	expr_payload(cv->r, NFT_PAYLOAD_TRANSPORT_HEADER, 13, 1);
	expr_and(cv->r, &mask, 1);
	expr_cmp(cv->r, &syn, 1);
}

static void
conv_update(struct conv *cv, const struct nftr_stmt *s)
{
	struct nftnl_expr	*e;

	load_source(cv, s);
	e = expr_new(cv->r, "dynset");
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_KEY, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_OP, NFT_DYNSET_OP_UPDATE);
	nftnl_expr_set_str(e, NFTNL_EXPR_DYNSET_SET_NAME, s->name);
	nftnl_expr_set_u64(e, NFTNL_EXPR_DYNSET_TIMEOUT, s->timeout * 1000);
}

static void
conv_stmt(struct conv *cv, const struct nftr_stmt *s)
{
	struct nftnl_expr	*e;

	switch (s->kind) {
	case NS_SYN25:
		conv_syn25(cv);
		break;
	case NS_DADDR_IN:
		need_family(cv, s->af);
		expr_payload(cv->r, NFT_PAYLOAD_NETWORK_HEADER,
		    s->af == AF_INET ? 16 : 24, s->af == AF_INET ? 4 : 16);
		conv_lookup(cv, s->name);
		break;
	case NS_SADDR_IN:
		load_source(cv, s);
		conv_lookup(cv, s->name);
		break;
	case NS_UPDATE:
		conv_update(cv, s);
		break;
	case NS_COUNTER:
		e = expr_new(cv->r, "objref");
		nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE,
		    NFT_OBJECT_COUNTER);
		nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_IMM_NAME, s->name);
		break;
	case NS_LIMIT:
		e = expr_new(cv->r, "limit");
		nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_RATE, s->num);
		nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_UNIT, 1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_BURST, s->num);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKTS);
		break;
	case NS_LOG:
		e = expr_new(cv->r, "log");
		nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX, s->name);
		nftnl_expr_set_u16(e, NFTNL_EXPR_LOG_GROUP, s->num);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOG_SNAPLEN, NFTR_SNAPLEN);
		break;
	case NS_ACCEPT:
		expr_verdict(cv->r, NF_ACCEPT, NULL);
		break;
	case NS_DROP:
		expr_verdict(cv->r, NF_DROP, NULL);
		break;
	case NS_RESET:
		/* Its dependency, meta l4proto tcp, leads the rule. */
		e = expr_new(cv->r, "reject");
		nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE,
		    NFT_REJECT_TCP_RST);
		nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, 0);
		break;
	case NS_JUMP:
		expr_verdict(cv->r, NFT_JUMP, s->name);
		break;
	case NS_GOTO:
		expr_verdict(cv->r, NFT_GOTO, s->name);
		break;
	}
}

static void
batch_rule(struct nft_batch *b, const char *table, const char *chain,
    const struct nftr_rule *rule, size_t idx)
{
	struct nftnl_rule	*r;
	struct nlmsghdr		*nlh;
	struct conv		 cv;
	char			 text[512];
	size_t			 i;

	if ((r = nftnl_rule_alloc()) == NULL)
		fatal("nftables: rule");
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	memset(&cv, 0, sizeof(cv));
	cv.r = r;
	/* Where nft(8) puts a reject's dependency: first. */
	for (i = 0; i < rule->nstmt; i++)
		if (rule->stmt[i].kind == NS_RESET)
			expr_meta_is(r, NFT_META_L4PROTO, IPPROTO_TCP);
	for (i = 0; i < rule->nstmt; i++)
		conv_stmt(&cv, &rule->stmt[i]);
	nlh = batch_msg(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	nftrules_format_rule(text, sizeof(text), rule);
	batch_describe(b, seq, "rule %zu of chain %s (%s)", idx + 1, chain,
	    text);
	batch_done(b, nlh);
}

static void
batch_table(struct nft_batch *b, const char *table)
{
	struct nftnl_table	*t;
	struct nftnl_udata_buf	*ud;
	struct nlmsghdr		*nlh;

	if ((t = nftnl_table_alloc()) == NULL ||
	    (ud = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN)) == NULL)
		fatal("nftables: table");
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, table);
	if (!nftnl_udata_put_strz(ud, UDATA_COMMENT, NFTR_OWNER_MARK))
		fatalx("nftables: table comment");
	nftnl_table_set_data(t, NFTNL_TABLE_USERDATA, nftnl_udata_buf_data(ud),
	    nftnl_udata_buf_len(ud));
	nlh = batch_msg(b, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	nftnl_table_nlmsg_build_payload(nlh, t);
	batch_describe(b, seq, "table inet %s", table);
	batch_done(b, nlh);
	nftnl_udata_buf_free(ud);
	nftnl_table_free(t);
}

static void
batch_counter(struct nft_batch *b, const char *table, const char *name)
{
	struct nftnl_obj	*o;
	struct nlmsghdr		*nlh;

	if ((o = nftnl_obj_alloc()) == NULL)
		fatal("nftables: counter");
	nftnl_obj_set_u32(o, NFTNL_OBJ_FAMILY, NFPROTO_INET);
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, table);
	nftnl_obj_set_str(o, NFTNL_OBJ_NAME, name);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	nlh = batch_msg(b, NFT_MSG_NEWOBJ, NLM_F_CREATE);
	nftnl_obj_nlmsg_build_payload(nlh, o);
	batch_describe(b, seq, "counter %s", name);
	batch_done(b, nlh);
	nftnl_obj_free(o);
}

static void
batch_set(struct nft_batch *b, const char *table, const struct nftr_set *s)
{
	struct nftnl_set	*set;
	struct nlmsghdr		*nlh;

	if ((set = nftnl_set_alloc()) == NULL)
		fatal("nftables: set");
	nftnl_set_set_u32(set, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_str(set, NFTNL_SET_TABLE, table);
	nftnl_set_set_str(set, NFTNL_SET_NAME, s->name);
	/* The kernel's numbers for nft's ipv4_addr and ipv6_addr types. */
	nftnl_set_set_u32(set, NFTNL_SET_KEY_TYPE, s->af == AF_INET ? 7 : 8);
	nftnl_set_set_u32(set, NFTNL_SET_KEY_LEN, s->af == AF_INET ? 4 : 16);
	nftnl_set_set_u32(set, NFTNL_SET_FLAGS, s->flags);
	/* The kernel wants an id, unique within the batch. */
	nftnl_set_set_u32(set, NFTNL_SET_ID, seq + 1);
	if (s->size != 0)
		nftnl_set_set_u32(set, NFTNL_SET_DESC_SIZE, s->size);
	nlh = batch_msg(b, NFT_MSG_NEWSET, NLM_F_CREATE);
	nftnl_set_nlmsg_build_payload(nlh, set);
	batch_describe(b, seq, "set %s", s->name);
	batch_done(b, nlh);
	nftnl_set_free(set);
}

static void
batch_chain(struct nft_batch *b, const char *table, const struct nftr_chain *c)
{
	struct nftnl_chain	*ch;
	struct nlmsghdr		*nlh;

	if ((ch = nftnl_chain_alloc()) == NULL)
		fatal("nftables: chain");
	nftnl_chain_set_u32(ch, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	nftnl_chain_set_str(ch, NFTNL_CHAIN_TABLE, table);
	nftnl_chain_set_str(ch, NFTNL_CHAIN_NAME, c->name);
	if (c->base) {
		nftnl_chain_set_u32(ch, NFTNL_CHAIN_HOOKNUM, NF_INET_LOCAL_IN);
		nftnl_chain_set_s32(ch, NFTNL_CHAIN_PRIO, NFTR_PRIORITY);
		nftnl_chain_set_u32(ch, NFTNL_CHAIN_POLICY, NF_ACCEPT);
		nftnl_chain_set_str(ch, NFTNL_CHAIN_TYPE, "filter");
	}
	nlh = batch_msg(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
	nftnl_chain_nlmsg_build_payload(nlh, ch);
	batch_describe(b, seq, "chain %s", c->name);
	batch_done(b, nlh);
	nftnl_chain_free(ch);
}

/* The fake and real addresses into their sets (after a flush on reload). */
void
nft_batch_addrs(struct nft_batch *b, const struct nftr_ruleset *rs)
{
	const struct nftr_set	*s;
	struct nft_elem		 e;
	size_t			 i, j;

	for (i = 0; i < rs->nset; i++) {
		s = &rs->set[i];
		for (j = 0; s->kind == SET_ADDRS && j < s->naddr; j++) {
			memset(&e, 0, sizeof(e));
			e.key = s->addr[j];
			nft_batch_elem(b, rs->table, s->name, NFT_ELEM_ADD, &e);
		}
	}
	elems_close(b);
}

/* A new table: everything but the elements of the dynamic sets. */
void
nft_batch_ruleset(struct nft_batch *b, const struct nftr_ruleset *rs)
{
	size_t	i;

	elems_close(b);
	batch_table(b, rs->table);
	for (i = 0; i < rs->ncounter; i++)
		batch_counter(b, rs->table, rs->counter[i]);
	for (i = 0; i < rs->nset; i++)
		batch_set(b, rs->table, &rs->set[i]);
	for (i = 0; i < rs->nchain; i++)
		batch_chain(b, rs->table, &rs->chain[i]);
	nft_batch_rules(b, rs);
	nft_batch_addrs(b, rs);
}

/* Every rule of every chain, appended in order. */
void
nft_batch_rules(struct nft_batch *b, const struct nftr_ruleset *rs)
{
	const struct nftr_chain	*c;
	size_t			 i, j;

	elems_close(b);
	for (i = 0; i < rs->nchain; i++) {
		c = &rs->chain[i];
		for (j = 0; j < c->nrule; j++)
			batch_rule(b, rs->table, c->name, &c->rule[j], j);
	}
}

/* A reload: every chain emptied, then the rules again (nft_batch_rules). */
void
nft_batch_flush_chains(struct nft_batch *b, const struct nftr_ruleset *rs)
{
	struct nlmsghdr	*nlh;
	size_t		 i;

	elems_close(b);
	for (i = 0; i < rs->nchain; i++) {
		nlh = batch_msg(b, NFT_MSG_DELRULE, 0);
		mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, rs->table);
		mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, rs->chain[i].name);
		batch_describe(b, seq, "flush chain %s", rs->chain[i].name);
		batch_done(b, nlh);
	}
}

/* --- set elements -------------------------------------------------------- */

void
nft_batch_flush_set(struct nft_batch *b, const char *table, const char *set)
{
	struct nlmsghdr	*nlh;

	elems_close(b);
	nlh = batch_msg(b, NFT_MSG_DELSETELEM, 0);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, table);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
	batch_describe(b, seq, "flush set %s", set);
	batch_done(b, nlh);
}

static const char *const op_name[] = {
	[NFT_ELEM_ADD] = "add",
	[NFT_ELEM_DELETE] = "delete",
	[NFT_ELEM_DESTROY] = "destroy",
};

/* Start an element message for set and op, unless one is being filled. */
static struct nlmsghdr *
elems_open(struct nft_batch *b, const char *table, const char *set,
    enum nft_elem_op op)
{
	struct nlmsghdr	*nlh = (struct nlmsghdr *)(b->buf + b->len);
	uint16_t	 type;

	if (b->elem_open && b->elem_op == (int)op &&
	    strcmp(b->elem_set, set) == 0 && nlh->nlmsg_len < ELEMS_BYTES)
		return nlh;
	elems_close(b);
	type = op == NFT_ELEM_ADD ? NFT_MSG_NEWSETELEM :
	    op == NFT_ELEM_DELETE ? NFT_MSG_DELSETELEM : NFT_MSG_DESTROYSETELEM;
	nlh = batch_msg(b, type, op == NFT_ELEM_ADD ? NLM_F_CREATE : 0);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, table);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
	b->elem_nest = (char *)mnl_attr_nest_start(nlh,
	    NFTA_SET_ELEM_LIST_ELEMENTS) - b->buf;
	b->elem_open = 1;
	b->elem_op = op;
	strlcpy(b->elem_set, set, sizeof(b->elem_set));
	batch_describe(b, seq, "%s elements of set %s", op_name[op], set);
	return nlh;
}

/* One element, flags for an interval's end, udata flags for an open one. */
static void
elem_put(struct nlmsghdr *nlh, const struct mxaddr *key, uint32_t flags,
    const struct nft_elem *e, uint32_t uflags)
{
	struct nlattr	*el, *k;
	uint8_t		 ud[64];
	size_t		 n, udlen = 0;

	el = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
	k = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_KEY);
	mnl_attr_put(nlh, NFTA_DATA_VALUE, key->af == AF_INET ? 4 : 16,
	    key->u.bytes);
	mnl_attr_nest_end(nlh, k);
	if (flags != 0)
		mnl_attr_put_u32(nlh, NFTA_SET_ELEM_FLAGS, htonl(flags));
	if (e != NULL && e->timeout != 0)
		mnl_attr_put_u64(nlh, NFTA_SET_ELEM_TIMEOUT,
		    htobe64(e->timeout));
	/* Userdata as nft(8) writes it: type, length, value. */
	if (e != NULL && (n = strlen(e->comment)) > 0) {
		ud[udlen++] = UDATA_COMMENT;
		ud[udlen++] = n + 1;
		memcpy(ud + udlen, e->comment, n + 1);
		udlen += n + 1;
	}
	if (uflags != 0) {
		ud[udlen++] = UDATA_ELEM_FLAGS;
		ud[udlen++] = sizeof(uflags);
		memcpy(ud + udlen, &uflags, sizeof(uflags));
		udlen += sizeof(uflags);
	}
	if (udlen > 0)
		mnl_attr_put(nlh, NFTA_SET_ELEM_USERDATA, udlen, ud);
	mnl_attr_nest_end(nlh, el);
}

void
nft_batch_elem(struct nft_batch *b, const char *table, const char *set,
    enum nft_elem_op op, const struct nft_elem *e)
{
	struct nlmsghdr	*nlh = elems_open(b, table, set, op);

	elem_put(nlh, &e->key, 0, op == NFT_ELEM_ADD ? e : NULL, 0);
	b->nelems++;
}

/* The address after a; 0 when a is the family's last. */
static int
addr_inc(struct mxaddr *a)
{
	int	i;

	for (i = (a->af == AF_INET ? 4 : 16) - 1; i >= 0; i--)
		if (++a->u.bytes[i] != 0)
			return 1;
	return 0;
}

/*
 * Intervals of one family (sorted, disjoint) into an interval set: each
 * is its first address and, flagged as an end, the address after its
 * last; one that runs to the family's last address has no end.
 */
void
nft_batch_ranges(struct nft_batch *b, const char *table, const char *set,
    int af, const struct nftr_range *r, size_t n)
{
	struct nlmsghdr	*nlh;
	struct mxaddr	 end;
	size_t		 i;

	for (i = 0; i < n; i++) {
		if (r[i].first.af != af)
			continue;
		end = r[i].last;
		nlh = elems_open(b, table, set, NFT_ELEM_ADD);
		if (addr_inc(&end)) {
			elem_put(nlh, &r[i].first, 0, NULL, 0);
			elem_put(nlh, &end, NFT_SET_ELEM_INTERVAL_END, NULL, 0);
		} else
			elem_put(nlh, &r[i].first, 0, NULL, UDATA_F_OPEN);
		b->nelems++;
	}
	elems_close(b);
}

/* --- sending ----------------------------------------------------------- */

static const char *
describe(const struct nft_batch *b, uint32_t s)
{
	size_t	i;

	if (s == b->begin_seq)
		return "the batch";
	for (i = 0; i < b->ndesc; i++)
		if (b->desc[i].seq == s)
			return b->desc[i].what;
	return "a message";
}

static void
grow_sndbuf(size_t len)
{
	int	want;

	if (len + 4096 <= (size_t)sndbuf)
		return;
	if (len > INT_MAX / 4)
		fatalx("nftables: a batch of %zu bytes", len);
	want = len + 4096;
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_SNDBUFFORCE,
	    &want, sizeof(want)) == -1)
		fatal("nftables: SO_SNDBUFFORCE");
	sndbuf = want;
}

/*
 * The acknowledgements of a batch: one per message, an error or zero.
 * The first error found goes into err; -1 if there was one, or if the
 * answers did not come.
 */
static int
read_acks(struct nft_batch *b, char *err, size_t errlen)
{
	const struct nlmsghdr	*nlh;
	const struct nlmsgerr	*e;
	size_t			 pending = b->ndesc;
	ssize_t			 n;
	int			 failed = 0;

	while (pending > 0) {
		if ((n = mnl_socket_recvfrom(nl, rbuf, sizeof(rbuf))) == -1) {
			if (!failed)
				snprintf(err, errlen, "no answer from the "
				    "kernel: %s", strerror(errno));
			return -1;
		}
		for (nlh = (struct nlmsghdr *)rbuf; mnl_nlmsg_ok(nlh, n);
		    nlh = mnl_nlmsg_next(nlh, (int *)&n)) {
			if (nlh->nlmsg_type != NLMSG_ERROR ||
			    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
				continue;
			e = mnl_nlmsg_get_payload(nlh);
			if (e->error != 0 && !failed) {
				snprintf(err, errlen, "%s: %s",
				    describe(b, nlh->nlmsg_seq),
				    strerror(-e->error));
				failed = 1;
			}
			/* A refused batch is answered once, at its start. */
			if (nlh->nlmsg_seq == b->begin_seq)
				return -1;
			pending--;
		}
	}
	return failed ? -1 : 0;
}

/*
 * Send the batch.  With validate set it has no end: the kernel checks
 * every message and then drops the whole (what nft -c does).  0, or -1
 * with the reason in err.
 */
int
nft_batch_commit(struct nft_batch *b, int validate, char *err, size_t errlen)
{
	struct nlmsghdr	*nlh;

	elems_close(b);
	if (!validate) {
		batch_room(b);
		nlh = nftnl_batch_end(b->buf + b->len, ++seq);
		batch_done(b, nlh);
	}
	grow_sndbuf(b->len);
	if (mnl_socket_sendto(nl, b->buf, b->len) == -1) {
		snprintf(err, errlen, "sending %zu bytes: %s", b->len,
		    strerror(errno));
		return -1;
	}
	return read_acks(b, err, errlen);
}

/* --- questions ------------------------------------------------------------ */

/*
 * Send one request and run cb on every answer until the end of a dump or
 * the acknowledgement.  0, or -1 with errno (ENOENT: no such object).
 */
static int
query(struct nlmsghdr *nlh, mnl_cb_t cb, void *arg)
{
	uint32_t	s = nlh->nlmsg_seq;
	ssize_t		n;
	int		rc;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) == -1)
		return -1;
	for (;;) {
		if ((n = mnl_socket_recvfrom(nl, rbuf, sizeof(rbuf))) == -1)
			return -1;
		rc = mnl_cb_run(rbuf, n, s, portid, cb, arg);
		if (rc == MNL_CB_ERROR)
			return -1;
		if (rc == MNL_CB_STOP)
			return 0;
	}
}

struct table_answer {
	int	state;
};

static int
table_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct table_answer	*ta = arg;
	const struct nlattr	*a;
	const uint8_t		*ud;
	size_t			 len, off, n;

	ta->state = NFT_TABLE_FOREIGN;
	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) != NFTA_TABLE_USERDATA)
			continue;
		ud = mnl_attr_get_payload(a);
		len = mnl_attr_get_payload_len(a);
		/* Our comment, as the table's first (and only) userdata. */
		for (off = 0; off + 2 <= len; off += 2 + n) {
			n = ud[off + 1];
			if (off + 2 + n > len)
				break;
			if (ud[off] == UDATA_COMMENT &&
			    n >= sizeof(NFTR_OWNER_MARK) - 1 &&
			    memcmp(ud + off + 2, NFTR_OWNER_MARK,
			    sizeof(NFTR_OWNER_MARK) - 1) == 0)
				ta->state = NFT_TABLE_OURS;
		}
	}
	return MNL_CB_OK;
}

/* Whether table inet NAME exists and whether we made it; -1 on error. */
int
nft_table_state(const char *table)
{
	struct table_answer	 ta = { NFT_TABLE_NONE };
	char			 buf[512];
	struct nlmsghdr		*nlh;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_INET,
	    NLM_F_ACK, ++seq);
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, table);
	if (query(nlh, table_cb, &ta) == -1)
		return errno == ENOENT ? NFT_TABLE_NONE : -1;
	return ta.state;
}

struct elem_dump {
	int	af;
	void	(*cb)(const struct nft_elem *, void *);
	void	*arg;
};

/* One element of a dump; what does not parse is skipped. */
static void
dump_elem(const struct nlattr *el, struct elem_dump *d)
{
	const struct nlattr	*a, *k;
	const uint8_t		*ud;
	struct nft_elem		 e;
	size_t			 klen = d->af == AF_INET ? 4 : 16, len, off;
	int			 have_key = 0;

	memset(&e, 0, sizeof(e));
	e.key.af = d->af;
	mnl_attr_for_each_nested(a, el) {
		switch (mnl_attr_get_type(a)) {
		case NFTA_SET_ELEM_KEY:
			mnl_attr_for_each_nested(k, a) {
				if (mnl_attr_get_type(k) == NFTA_DATA_VALUE &&
				    mnl_attr_get_payload_len(k) == klen) {
					memcpy(e.key.u.bytes,
					    mnl_attr_get_payload(k), klen);
					have_key = 1;
				}
			}
			break;
		case NFTA_SET_ELEM_TIMEOUT:
			if (mnl_attr_validate(a, MNL_TYPE_U64) == 0)
				e.timeout = be64toh(mnl_attr_get_u64(a));
			break;
		case NFTA_SET_ELEM_EXPIRATION:
			if (mnl_attr_validate(a, MNL_TYPE_U64) == 0)
				e.expires = be64toh(mnl_attr_get_u64(a));
			break;
		case NFTA_SET_ELEM_USERDATA:
			ud = mnl_attr_get_payload(a);
			len = mnl_attr_get_payload_len(a);
			for (off = 0; off + 2 <= len &&
			    off + 2 + ud[off + 1] <= len;
			    off += 2 + ud[off + 1]) {
				if (ud[off] == UDATA_COMMENT &&
				    ud[off + 1] < sizeof(e.comment))
					memcpy(e.comment, ud + off + 2,
					    ud[off + 1]);
			}
			e.comment[sizeof(e.comment) - 1] = '\0';
			break;
		}
	}
	if (have_key)
		d->cb(&e, d->arg);
}

static int
elems_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr	*a, *el;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		mnl_attr_for_each_nested(el, a)
			if (mnl_attr_get_type(el) == NFTA_LIST_ELEM)
				dump_elem(el, arg);
	}
	return MNL_CB_OK;
}

/* Every element of a set of family af; 0, or -1 with errno. */
int
nft_set_dump(const char *table, const char *set, int af,
    void (*cb)(const struct nft_elem *, void *), void *arg)
{
	struct elem_dump	 d = { af, cb, arg };
	char			 buf[512];
	struct nlmsghdr		*nlh;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_INET,
	    NLM_F_DUMP | NLM_F_ACK, ++seq);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, table);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
	return query(nlh, elems_cb, &d);
}

struct counter_dump {
	void	(*cb)(const char *, uint64_t, void *);
	void	*arg;
};

static int
counter_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct counter_dump	*d = arg;
	struct nftnl_obj	*o;

	if ((o = nftnl_obj_alloc()) == NULL)
		fatal("nftables: counter");
	if (nftnl_obj_nlmsg_parse(nlh, o) == 0 &&
	    nftnl_obj_is_set(o, NFTNL_OBJ_NAME) &&
	    nftnl_obj_is_set(o, NFTNL_OBJ_CTR_PKTS))
		d->cb(nftnl_obj_get_str(o, NFTNL_OBJ_NAME),
		    nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_PKTS), d->arg);
	nftnl_obj_free(o);
	return MNL_CB_OK;
}

/* The packet count of every named counter of the table. */
int
nft_counters(const char *table, void (*cb)(const char *, uint64_t, void *),
    void *arg)
{
	struct counter_dump	 d = { cb, arg };
	char			 buf[512];
	struct nlmsghdr		*nlh;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETOBJ, NFPROTO_INET,
	    NLM_F_DUMP | NLM_F_ACK, ++seq);
	mnl_attr_put_strz(nlh, NFTA_OBJ_TABLE, table);
	mnl_attr_put_u32(nlh, NFTA_OBJ_TYPE, htonl(NFT_OBJECT_COUNTER));
	return query(nlh, counter_cb, &d);
}

/* The answers to a run of single-element questions. */
struct elem_get {
	const struct mxaddr	*keys;
	uint32_t		 first_seq;
	size_t			 n, answered;
	int			 failed;	/* errno of another error */
	struct elem_dump	 d;
};

static void
get_answer(struct elem_get *g, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr	*e;
	struct nft_elem		 absent;
	size_t			 i = nlh->nlmsg_seq - g->first_seq;

	if (i >= g->n)
		return;				/* not ours: stale */
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
			return;
		e = mnl_nlmsg_get_payload(nlh);
		if (e->error == 0)
			return;
		if (e->error != -ENOENT)
			g->failed = -e->error;
		else {
			memset(&absent, 0, sizeof(absent));
			absent.key = g->keys[i];
			absent.absent = 1;
			g->d.cb(&absent, g->d.arg);
		}
		g->answered++;
		return;
	}
	elems_cb(nlh, &g->d);
	g->answered++;
}

/* One question per key into buf, for set of family af; returns the bytes. */
static size_t
build_gets(char *buf, const char *table, const char *set, int af,
    const struct mxaddr *keys, size_t n)
{
	struct nlmsghdr	*nlh;
	struct nlattr	*l, *el, *k;
	size_t		 i, len = 0;

	for (i = 0; i < n; i++) {
		nlh = nftnl_nlmsg_build_hdr(buf + len, NFT_MSG_GETSETELEM,
		    NFPROTO_INET, 0, ++seq);
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, table);
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
		l = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
		el = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
		k = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_KEY);
		mnl_attr_put(nlh, NFTA_DATA_VALUE, af == AF_INET ? 4 : 16,
		    keys[i].u.bytes);
		mnl_attr_nest_end(nlh, k);
		mnl_attr_nest_end(nlh, el);
		mnl_attr_nest_end(nlh, l);
		len += NLMSG_ALIGN(nlh->nlmsg_len);
	}
	return len;
}

/* Every answer of a run of questions: 0, or -1 with errno. */
static int
read_gets(struct elem_get *g)
{
	const struct nlmsghdr	*nlh;
	ssize_t			 r;

	while (g->answered < g->n && g->failed == 0) {
		if ((r = mnl_socket_recvfrom(nl, rbuf, sizeof(rbuf))) == -1)
			return -1;
		for (nlh = (struct nlmsghdr *)rbuf; mnl_nlmsg_ok(nlh, r);
		    nlh = mnl_nlmsg_next(nlh, (int *)&r))
			get_answer(g, nlh);
	}
	if (g->failed != 0) {
		errno = g->failed;
		return -1;
	}
	return 0;
}

/*
 * The elements of set (family af) with these keys, by one question each,
 * many questions to one sendmsg(2): unlike a dump, whose every part walks
 * the set from its start again, this costs in proportion to n.  cb gets
 * each element, found or absent (then only its key, and absent set).
 * 0, or -1 with errno.
 */
int
nft_get_elems(const char *table, const char *set, int af,
    const struct mxaddr *keys, size_t n,
    void (*cb)(const struct nft_elem *, void *), void *arg)
{
	struct elem_get	 g;
	char		*buf;
	size_t		 chunk, len;
	int		 rc = 0;

	if (n == 0)
		return 0;
	chunk = n < GET_CHUNK ? n : GET_CHUNK;
	if ((buf = malloc(chunk * GET_BYTES)) == NULL)
		fatal(NULL);
	memset(&g, 0, sizeof(g));
	g.d.af = af;
	g.d.cb = cb;
	g.d.arg = arg;
	for (; n > 0 && rc == 0; keys += chunk, n -= chunk) {
		if (chunk > n)
			chunk = n;
		g.keys = keys;
		g.n = chunk;
		g.answered = 0;
		g.first_seq = seq + 1;
		len = build_gets(buf, table, set, af, keys, chunk);
		if ((rc = mnl_socket_sendto(nl, buf, len) == -1 ? -1 : 0) == 0)
			rc = read_gets(&g);
	}
	free(buf);
	return rc;
}
