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
 * Definitions shared by the parent and its children (capture, resolver, sync):
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
#define DEFAULT_STATE_FILE	"/var/db/mxallowd/whitelist"
#else
#define MXALLOWD_CONF		"/etc/mxallowd.conf"
#define MXALLOWD_CHROOT		"/var/empty"
#define DEFAULT_BACKEND		BACKEND_NFTABLES
#define DEFAULT_STATE_FILE	"/var/lib/mxallowd/whitelist"
#endif
#define MXALLOWD_USER		"_mxallowd"
#define MXALLOWD_SOCKET		"/var/run/mxallowd.sock"	/* mxallowctl's */
#define CONTROL_SOCK_MAX	104	/* sun_path on OpenBSD (Linux: 108) */

#define DEFAULT_WHITELIST_TIME	86400		/* seconds; see mxallowd.conf(5) */
#define DEFAULT_PREFIX4		32
#define DEFAULT_PREFIX6		64
#define DEFAULT_MAX_ENTRIES	100000
#define DEFAULT_QUEUE_MAXLEN	4096
#define DEFAULT_RDNS_MAX_ADDRESSES 4		/* besides the source itself */
#define DEFAULT_PFLOG_IF	"pflog0"
#define DEFAULT_PCAP_FILTER	""	/* none: classify() picks the SYNs */
#define DEFAULT_PF_TABLE	"mx-white"
#define PF_TABLE_NAME_MAX	32	/* PF_TABLE_NAME_SIZE, NUL included */
#define DEFAULT_NFT_TABLE	"mxallowd"	/* family inet */
#define NFT_TABLE_NAME_MAX	64	/* ours; the kernel allows 256 */
#define DEFAULT_NFLOG_GROUP	25
#define DEFAULT_NFLOG_RATE	1000		/* log records per second, per kind */
#define DEFAULT_PENDING_TIME	600		/* seconds; see mxallowd.conf(5) */
#define MAX_NFLOG_GROUP		65535
#define MAX_NFLOG_RATE		1000000

#define MAX_MAILSERVERS		64		/* per list: fake and real */
#define MAX_WHITELIST_TIME	(365 * 86400)
#define MAX_QUEUE_NUM		65535
#define MAX_ENTRIES_LIMIT	16777216
#define MAX_QUEUE_MAXLEN	1048576
#define USER_NAME_MAX		32
#define MAX_NAMESERVERS		8
#define RDNS_MAX_ADDRESSES_LIMIT 64
#define RDNS_NAME_MAX		256		/* a DNS name, 253 + NUL, rounded */
#define PCAP_FILTER_MAX		512
#define MAX_SPF_DOMAINS		64		/* allowlist-spf, in all */
#define DEFAULT_SPF_REFRESH_MIN	300		/* seconds; see mxallowd.conf(5) */
#define DEFAULT_SPF_REFRESH_MAX	86400
#define MAX_SPF_REFRESH		(7 * 86400)

/* The shared whitelist in Redis (or Valkey); see sync/sync.c. */
#define REDIS_DEFAULT_PORT	6379
#define REDIS_DB_MAX		65535
#define REDIS_USER_MAX		64	/* an ACL user name, NUL included */
#define REDIS_PASSWORD_MAX	512	/* NUL included */
#define REDIS_PREFIX_MAX	48	/* the key prefix, NUL included */
#define REDIS_NAME_MAX		64	/* this host's name in entries */
#define DEFAULT_REDIS_PREFIX	"mxallowd:"

/* The descriptor on which an exec'd child finds its socket to the parent. */
#define PARENT_SOCK_FILENO	3

enum backend {
	BACKEND_UNSET = -1,	/* not given: see conf_check() */
	BACKEND_NFQUEUE,
	BACKEND_PF,
	BACKEND_NFTABLES
};

/* What a SYN to a fake address gets once its source is whitelisted. */
enum fake_action {
	FAKE_RESET,		/* a TCP reset: the MTA moves on at once */
	FAKE_DROP		/* silence: the MTA waits for its timeout */
};

/* An IPv4 or IPv6 address; unused bytes are zero so it compares with memcmp. */
struct mxaddr {
	sa_family_t	af;		/* AF_INET or AF_INET6 */
	union {
		struct in_addr	ip4;
		struct in6_addr	ip6;
		uint8_t		bytes[16];
	} u;
};

/* Run-time options that are flags; settable in the file and on the command line. */
#define OPT_FOREGROUND		0x01	/* -F, foreground */
#define OPT_STDOUT		0x02	/* -s, stdout: log to stdout */
#define OPT_QUIET		0x04	/* -q, quiet: errors only */
#define OPT_NO_RDNS		0x08	/* -b, no-rdns-whitelist */

/* What the resolver child needs to know. */
struct resolver_conf {
	struct mxaddr	nameserver[MAX_NAMESERVERS];
	uint32_t	nnameservers;
	uint32_t	max_addresses;		/* rdns-max-addresses */
};

struct mxallowd_conf {
	struct mxaddr	fake[MAX_MAILSERVERS];
	unsigned int	nfake;
	struct mxaddr	real[MAX_MAILSERVERS];
	unsigned int	nreal;
	int		backend;		/* enum backend */
	int		fake_action;		/* enum fake_action */
	int		queue_num;		/* -1 while unset */
	int		queue_maxlen;		/* packets the kernel holds */
	int		whitelist_time;		/* seconds */
	int		whitelist_prefix4;	/* bits of a source that count */
	int		whitelist_prefix6;
	int		max_entries;
	int		rdns_max_addresses;
	struct mxaddr	nameserver[MAX_NAMESERVERS];	/* none: resolv.conf */
	unsigned int	nnameservers;
	int		opts;			/* OPT_* */
	char		pflog_if[IFNAMSIZ];
	char		pcap_filter[PCAP_FILTER_MAX];
	char		user[USER_NAME_MAX];
	char		chroot[PATH_MAX];
	char		pf_table[PF_TABLE_NAME_MAX];
	char		nft_table[NFT_TABLE_NAME_MAX];
	int		nflog_group;		/* nftables: the NFLOG group */
	int		nflog_rate;		/* records per second, per kind */
	int		pending_time;		/* a kernel-added entry, seconds */
	char		replay[PATH_MAX];	/* command line: a pflog savefile */
	char		control_sock[CONTROL_SOCK_MAX];	/* mxallowctl's socket */
	char		allowlist[PATH_MAX];	/* "" for none */
	char		state_file[PATH_MAX];	/* "" for none */
	int		spf_refresh_min;	/* seconds between walks */
	int		spf_refresh_max;
	unsigned int	nspf;			/* allowlist-spf domains */
	char		spf[MAX_SPF_DOMAINS][RDNS_NAME_MAX];	/* lower case */
	/* The shared whitelist: none while redis_addr.af is 0. */
	struct mxaddr	redis_addr;
	int		redis_port;
	int		redis_db;
	char		redis_user[REDIS_USER_MAX];	/* "": AUTH password */
	char		redis_password_file[PATH_MAX];	/* "": no AUTH */
	char		redis_prefix[REDIS_PREFIX_MAX];
	char		redis_name[REDIS_NAME_MAX];	/* "": the host name */
};

/* What capture learns from the headers of one packet. */
struct pkt_info {
	struct mxaddr	src;
	struct mxaddr	dst;
	uint16_t	sport;		/* host order */
	uint16_t	dport;		/* host order */
	uint32_t	seq;		/* host order */
	uint8_t		tcp_flags;	/* the TCP flags byte */
	uint8_t		pad[3];
};

#define TCP_FLAG_FIN	0x01
#define TCP_FLAG_SYN	0x02
#define TCP_FLAG_RST	0x04
#define TCP_FLAG_ACK	0x10

/*
 * The packet path.  The parent copies at most PKT_COPY_MAX bytes of a queued
 * packet (enough for the largest IPv4 or IPv6 + TCP headers that matter) and
 * hands up to PKT_BATCH_MAX of them to capture in one message; capture
 * answers each, in the same order, with a class and what it decoded.
 */
#define PKT_COPY_MAX		128
#define PKT_BATCH_MAX		64

struct pkt_raw {
	uint32_t	id;		/* the queue's packet id */
	uint16_t	len;		/* bytes in data */
	uint16_t	pad;
	uint8_t		data[PKT_COPY_MAX];
};

enum pkt_class {
	PKT_FAKE = 1,		/* a new connection to a fake address */
	PKT_REAL,		/* a new connection to a real address */
	PKT_OTHER,		/* anything else that decodes: not ours to judge */
	PKT_MALFORMED,		/* the packet is broken: could not be decoded */
	PKT_CUT			/* the copy ends before the TCP flags: unjudged */
};
#define PKT_CLASS_LAST	PKT_CUT

/* Only a SYN to this port is a new connection to a mail server. */
#define SMTP_PORT	25

struct pkt_result {
	uint32_t	id;
	uint32_t	class;		/* enum pkt_class */
	struct pkt_info	info;
};

/*
 * The pf backend: capture reads pflog records and reports each SYN it finds
 * with pf's action and direction (values as in OpenBSD's pfvar.h); pf has
 * already passed or blocked the packet, the parent only learns from it.
 * An undecodable record (too short, a header of another length or layout,
 * another family) comes as class PKT_MALFORMED.
 */
#define PFLOG_PASS		0	/* PF_PASS */
#define PFLOG_BLOCK		1	/* PF_DROP */
#define PFLOG_MATCH		12	/* PF_MATCH: a match rule, fate undecided */
#define PFLOG_DIR_IN		1	/* PF_IN */
#define PFLOG_DIR_OUT		2	/* PF_OUT */

struct pf_event {
	uint8_t		action;		/* PFLOG_PASS, PFLOG_BLOCK, ... */
	uint8_t		dir;		/* PFLOG_DIR_IN, PFLOG_DIR_OUT */
	uint8_t		pad[2];
	uint32_t	class;		/* enum pkt_class */
	struct pkt_info	info;
};

/*
 * The nftables backend: the kernel has decided (the rules of
 * parent/nftrules.c) and logged the SYN to the NFLOG group with a prefix
 * that says what it did; capture reads the group and reports each record.
 * An undecodable record comes as class PKT_MALFORMED, action NFLOG_OTHER.
 */
#define NFLOG_PREFIX_FAKE	"mxallowd fake"
#define NFLOG_PREFIX_ADMIT	"mxallowd admit"
#define NFLOG_PREFIX_BLOCK	"mxallowd block"

enum nflog_action {
	NFLOG_OTHER = 1,	/* no prefix of ours: another rule's record */
	NFLOG_FAKE,		/* a SYN to a fake address: reset or dropped */
	NFLOG_ADMIT,		/* a SYN to a real address, admitted */
	NFLOG_BLOCK		/* a SYN to a real address, dropped */
};

struct nflog_event {
	uint32_t	action;		/* enum nflog_action */
	uint32_t	class;		/* enum pkt_class */
	struct pkt_info	info;
};

/* What capture's input has seen so far (nftables backend). */
struct capture_stats {
	uint64_t	records;	/* NFLOG records read */
	uint64_t	drops;		/* the socket overran (pcap ps_drop) */
};

/*
 * The end of a savefile: capture has sent every record it could read;
 * cut is 1 when the file ended inside a record.
 */
struct capture_eof {
	uint64_t	records;
	uint32_t	cut;
	uint32_t	pad;
};

/* The addresses capture classifies by. */
struct capture_conf {
	struct mxaddr	fake[MAX_MAILSERVERS];
	struct mxaddr	real[MAX_MAILSERVERS];
	uint32_t	nfake;
	uint32_t	nreal;
};

/*
 * Reverse-DNS whitelisting.  On a fake hit the parent asks the resolver
 * about the source; the resolver looks up its PTR name, the name's A and
 * AAAA records, and answers.  Only a forward-confirmed name (one whose
 * addresses include the source) yields addresses to whitelist, at most
 * max_addresses of them besides the source.
 */
struct rdns_request {
	struct mxaddr	source;
};

enum rdns_status {
	RDNS_CONFIRMED = 1,	/* the name resolves back to the source */
	RDNS_UNCONFIRMED,	/* it does not, or there is no usable name */
	RDNS_FAILED,		/* timeout, server failure, or too busy */
};

struct rdns_answer {
	struct mxaddr	source;
	uint32_t	status;		/* enum rdns_status */
	uint32_t	naddrs;		/* in addrs: siblings, not the source */
	uint32_t	total;		/* siblings the name had, before the cap */
	uint32_t	cached;		/* 1 if answered from the cache */
	uint32_t	inflight_peak;	/* the resolver's most lookups at once */
	char		name[RDNS_NAME_MAX];	/* "" when there was none */
	struct mxaddr	addrs[RDNS_MAX_ADDRESSES_LIMIT];
};

/*
 * The SPF-walked allowlist.  The parent asks the resolver to walk a
 * domain's SPF record (struct spf_walk_request); the resolver answers with
 * the networks the walk found, in batches each from one record (struct
 * spf_nets), then how it ended (struct spf_done).  The bounds below hold
 * for every walk: a walk that goes past one is refused as a whole.
 */
#define SPF_MAX_LOOKUPS		10	/* DNS-querying terms (RFC 7208 4.6.4) */
#define SPF_MAX_VOIDS		2	/* lookups with no answer (ibid.) */
#define SPF_MAX_MX		10	/* hosts of one mx term (ibid.) */
#define SPF_MAX_RECORDS		16	/* records one walk reads */
#define SPF_MAX_NETWORKS	1000	/* networks one domain yields */
#define SPF_MIN_PREFIX4		12	/* shorter IPv4 prefixes are refused */
#define SPF_MIN_PREFIX6		32
#define SPF_MAX_ADDRS4		(1ULL << 24)	/* IPv4 addresses in all */
#define SPF_MAX_NETS64		(1ULL << 36)	/* IPv6 /64 networks in all */
#define SPF_NETS_BATCH		128
#define SPF_WHY_MAX		160

/* The mechanism that listed a network. */
enum spf_mech {
	SPF_MECH_IP4 = 1,
	SPF_MECH_IP6,
	SPF_MECH_A,
	SPF_MECH_MX
};

struct spf_walk_request {
	uint32_t	id;
	char		domain[RDNS_NAME_MAX];
};

struct spf_net {
	struct mxaddr	net;		/* masked to prefixlen */
	uint8_t		prefixlen;
	uint8_t		mech;		/* enum spf_mech */
	uint8_t		pad[2];
};

struct spf_nets {
	uint32_t	id;
	uint32_t	n;		/* 1 to SPF_NETS_BATCH */
	char		record[RDNS_NAME_MAX];	/* whose record listed them */
	struct spf_net	nets[SPF_NETS_BATCH];
};

enum spf_status {
	SPF_WALK_OK = 1,	/* the networks sent are the domain's */
	SPF_WALK_FAILED,	/* DNS failed (temperror): try again later */
	SPF_WALK_REFUSED,	/* a bound, a syntax error (permerror) */
	SPF_WALK_NONE		/* the domain publishes no SPF record */
};

struct spf_done {
	uint32_t	id;
	uint32_t	status;		/* enum spf_status */
	uint32_t	ttl;		/* the smallest TTL the walk saw */
	uint32_t	nnets;		/* networks sent before this */
	uint32_t	lookups;	/* DNS-querying terms */
	uint32_t	voids;
	char		why[SPF_WHY_MAX];	/* "" when it went well */
};

/* Process roles; the children are re-exec'd with "-X role". */
enum mxallowd_proc {
	PROC_PARENT,
	PROC_CAPTURE,
	PROC_RESOLVER,
	PROC_SYNC		/* only with a Redis server configured */
};

/*
 * The shared whitelist (sync process).  The parent hands sync the server,
 * the secret and its own limits once; then both exchange whitelist
 * changes as batches of entries: the parent's own (to publish) one way,
 * the peers' (read from Redis, checked by sync, checked again by the
 * parent) the other.  Expiry is wall-clock time: it crosses hosts.
 */
#define SYNC_BATCH_MAX		64

struct sync_conf {
	struct mxaddr	addr;
	uint32_t	port;
	uint32_t	db;
	char		user[REDIS_USER_MAX];
	char		password[REDIS_PASSWORD_MAX];	/* "": no AUTH */
	char		prefix[REDIS_PREFIX_MAX];
	char		name[REDIS_NAME_MAX];
	uint32_t	whitelist_time;		/* the longest a peer's entry lives */
	uint32_t	max_entries;		/* what a load reads at most */
	uint32_t	prefix4;		/* a peer's entries must match */
	uint32_t	prefix6;
};

enum sync_op {
	SYNC_SET = 1,		/* add, or merge: later expiry, sticky confirmed */
	SYNC_DEL		/* mxallowctl delete */
};

struct sync_entry {
	struct mxaddr	net;		/* masked to prefixlen */
	uint8_t		prefixlen;
	uint8_t		op;		/* enum sync_op */
	uint8_t		reason;		/* enum wl_reason (SET) */
	uint8_t		confirmed;	/* 0 or 1 (SET) */
	int64_t		expires;	/* time(3) seconds (SET) */
	char		origin[REDIS_NAME_MAX];	/* the host that made it */
};

/*
 * On (re)connecting, sync asks for every entry the parent holds, a part
 * at a time as Redis takes them: the parent answers IMSG_SYNC_DUMP and
 * each IMSG_SYNC_DUMP_MORE with entries (IMSG_SYNC_PUSH) and then
 * IMSG_SYNC_DUMP_END, more 1 while some are left.  seq tells a dump from
 * the one a lost connection left unfinished.
 */
struct sync_dump {
	uint32_t	seq;
	uint32_t	more;		/* DUMP_END: 1 while entries are left */
};

enum sync_state {
	SYNC_DOWN,		/* waiting to connect again */
	SYNC_CONNECTING,	/* connecting, authenticating, subscribing */
	SYNC_LOADING,		/* reading what the others stored */
	SYNC_UP
};

/* How the connection fares; sync sends it when it changes. */
struct sync_status {
	uint32_t	state;		/* enum sync_state */
	uint32_t	pad;
	int64_t		rtt_ms;		/* own heartbeat through Redis; -1 none */
	int64_t		lag_ms;		/* the last peer message's age; -1 none */
	uint64_t	reconnects;
	uint64_t	sent;		/* entries written to Redis */
	uint64_t	received;	/* peers' entries passed on */
	uint64_t	loaded;		/* of them, read by a load (SCAN) */
	uint64_t	bad;		/* refused: malformed or out of bounds */
	uint64_t	dropped;	/* own changes not written (overload) */
	uint64_t	errors;		/* error answers from Redis */
};

/*
 * imsg types.  Every payload is a fixed-size struct, checked for its exact
 * size on receipt (payload_get), or a batch of them (payload_batch); a new
 * type needs its name in common/imsgev.c's table for i2s().
 */
enum imsg_type {
	IMSG_NONE,
	IMSG_CHILD_INIT,	/* parent -> child: struct child_init */
	IMSG_CHILD_READY,	/* child -> parent: privileges dropped, no data */
	IMSG_CAPTURE_CONF,	/* parent -> capture: struct capture_conf */
	IMSG_PACKETS,		/* parent -> capture: struct pkt_raw[1..BATCH] */
	IMSG_RESULTS,		/* capture -> parent: struct pkt_result[1..BATCH] */
	IMSG_RESOLVER_CONF,	/* parent -> resolver: struct resolver_conf */
	IMSG_RDNS_REQUEST,	/* parent -> resolver: struct rdns_request */
	IMSG_RDNS_ANSWER,	/* resolver -> parent: struct rdns_answer */
	IMSG_PF_EVENTS,		/* capture -> parent: struct pf_event[1..BATCH] */
	IMSG_CAPTURE_EOF,	/* capture -> parent: struct capture_eof */
	IMSG_LOG_VERBOSE,	/* parent -> children: int, log_setverbose() */
	IMSG_SPF_WALK,		/* parent -> resolver: struct spf_walk_request */
	IMSG_SPF_NETS,		/* resolver -> parent: struct spf_nets */
	IMSG_SPF_DONE,		/* resolver -> parent: struct spf_done */
	IMSG_NFLOG_EVENTS,	/* capture -> parent: struct nflog_event[1..BATCH] */
	IMSG_CAPTURE_STATS,	/* capture -> parent: struct capture_stats */
	IMSG_SYNC_CONF,		/* parent -> sync: struct sync_conf */
	IMSG_SYNC_PUSH,		/* parent -> sync: struct sync_entry[1..BATCH] */
	IMSG_SYNC_FLUSH,	/* parent -> sync: no data, mxallowctl flush */
	IMSG_SYNC_DUMP_END,	/* parent -> sync: struct sync_dump */
	IMSG_SYNC_PEER,		/* sync -> parent: struct sync_entry[1..BATCH] */
	IMSG_SYNC_PEER_FLUSH,	/* sync -> parent: no data, a peer flushed */
	IMSG_SYNC_DUMP,		/* sync -> parent: struct sync_dump, start */
	IMSG_SYNC_DUMP_MORE,	/* sync -> parent: struct sync_dump, go on */
	IMSG_SYNC_STATUS,	/* sync -> parent: struct sync_status */
	IMSG_NTYPES		/* not a type: how many there are */
};

/* Where capture's pflog records come from (pf backend). */
enum capture_source {
	CAPTURE_QUEUE,		/* none: the parent hands packets (nfqueue) */
	CAPTURE_LIVE,		/* the pflog interface, opened before the drop */
	CAPTURE_SAVEFILE,	/* a pcap savefile, its descriptor attached */
	CAPTURE_NFLOG		/* an NFLOG group, opened before the drop */
};

/* What a child needs before it drops privileges. */
struct child_init {
	char		user[USER_NAME_MAX];
	char		chroot[PATH_MAX];	/* "" for no chroot */
	int		verbose;
	int		source;			/* capture: enum capture_source */
	char		pflog_if[IFNAMSIZ];
	char		pcap_filter[PCAP_FILTER_MAX];
	int		nflog_group;		/* capture: CAPTURE_NFLOG */
};

#endif /* MXALLOWD_H */
