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
 * mxallowd.conf(5): one keyword per line, the long option name without its
 * dashes, then its argument.  The file and the command line go through the
 * same table and the same setters, so a value means the same in both.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "config.h"
#include "mxallowd.h"
#include "spfcheck.h"

struct keyword;
struct parse_state;

enum argkind {
	ARG_NONE,		/* a flag */
	ARG_WORD,		/* exactly one word */
	ARG_REST		/* the rest of the line, optionally "quoted" */
};

#define KW_REPEAT	0x01	/* may appear more than once in a file */
#define KW_CMDLINE	0x02	/* command line only */
/* What a string keyword's value must be. */
#define KW_ABSPATH	0x04	/* an absolute path */
#define KW_FILE		0x08	/* an absolute path to a file, not a dir */
#define KW_NONE		0x10	/* or "none", which empties it */
#define KW_NAME		0x20	/* letters, digits, '-' and '_' only */
#define KW_DOTS		0x40	/* with KW_NAME: and '.' */
#define KW_COLONS	0x80	/* with KW_NAME: and ':' */

/* Every keyword's handler; a mistake in a value is reported, then -1. */
typedef int kw_handler(struct mxallowd_conf *, const char *,
    const struct keyword *, const char *, struct parse_state *);

/* A named value of a keyword such as backend or fake-action. */
struct choice {
	const char	*name;
	int		 value;
};

struct keyword {
	const char		*name;
	enum argkind		 kind;
	int			 flags;
	kw_handler		*handler;
	int			 opt;		/* OPT_* of a flag keyword */
	size_t			 field;		/* offset of its field */
	size_t			 size;		/* of a string field */
	long long		 min, max;	/* range of a number */
	const char		*unit;		/* of a number, for messages */
	const struct choice	*choices;	/* NULL-terminated */
};

#define FIELD(f)	offsetof(struct mxallowd_conf, f)
#define FIELDSIZE(f)	sizeof(((struct mxallowd_conf *)NULL)->f)
#define NUMBER(name, f, lo, hi, unit) \
	{ name, ARG_WORD, 0, set_number, 0, FIELD(f), 0, lo, hi, unit, NULL }
#define CHOICE(name, f, list) \
	{ name, ARG_WORD, 0, set_choice, 0, FIELD(f), 0, 0, 0, NULL, list }
#define STRING(name, kind, flags, f) \
	{ name, kind, flags, set_string, 0, FIELD(f), FIELDSIZE(f), 0, 0, \
	    NULL, NULL }
#define SPECIAL(name, kind, flags, handler) \
	{ name, kind, flags, handler, 0, 0, 0, 0, 0, NULL, NULL }
#define FLAG(name, o) \
	{ name, ARG_NONE, 0, set_flag, o, 0, 0, 0, 0, NULL, NULL }

static const struct choice backends[] = {
	{ "nfqueue",	BACKEND_NFQUEUE },
	{ "nftables",	BACKEND_NFTABLES },
	{ "pf",		BACKEND_PF },
	{ NULL,		0 }
};

static const struct choice fake_actions[] = {
	{ "reset",	FAKE_RESET },
	{ "drop",	FAKE_DROP },
	{ NULL,		0 }
};

static kw_handler	set_config, set_fake, set_real, set_nameserver, set_flag,
			set_number, set_choice, set_string, set_spf_domain,
			set_redis;

/* Every keyword of the file and every long option of the command line. */
static const struct keyword keywords[] = {
	SPECIAL("config",		ARG_WORD, KW_CMDLINE,	set_config),
	SPECIAL("fake-mailserver",	ARG_WORD, KW_REPEAT,	set_fake),
	SPECIAL("real-mailserver",	ARG_WORD, KW_REPEAT,	set_real),
	CHOICE("backend",		backend, backends),
	CHOICE("fake-action",		fake_action, fake_actions),
	NUMBER("queue-num",		queue_num, 0, MAX_QUEUE_NUM, ""),
	NUMBER("queue-maxlen",		queue_maxlen, 1, MAX_QUEUE_MAXLEN,
	    " packets"),
	NUMBER("whitelist-time",	whitelist_time, 1, MAX_WHITELIST_TIME,
	    " seconds"),
	/* Wider than a /16 or a /32 would whitelist whole providers. */
	NUMBER("whitelist-prefix4",	whitelist_prefix4, 16, 32, " bits"),
	NUMBER("whitelist-prefix6",	whitelist_prefix6, 32, 128, " bits"),
	NUMBER("max-entries",		max_entries, 1, MAX_ENTRIES_LIMIT, ""),
	NUMBER("rdns-max-addresses",	rdns_max_addresses, 0,
	    RDNS_MAX_ADDRESSES_LIMIT, ""),
	NUMBER("nflog-group",		nflog_group, 0, MAX_NFLOG_GROUP, ""),
	NUMBER("nflog-rate",		nflog_rate, 1, MAX_NFLOG_RATE,
	    " records per second"),
	NUMBER("pending-time",		pending_time, 1, MAX_WHITELIST_TIME,
	    " seconds"),
	SPECIAL("nameserver",		ARG_WORD, KW_REPEAT,	set_nameserver),
	STRING("pflog-interface",	ARG_WORD, 0,		pflog_if),
	/* What pfctl accepts as a table name. */
	STRING("pf-table",		ARG_WORD, KW_NAME,	pf_table),
	/* What nft(8) reads as a table name without quotes. */
	STRING("nft-table",		ARG_WORD, KW_NAME,	nft_table),
	/* A pflog savefile to replay: a dry run. */
	STRING("replay",		ARG_WORD, KW_CMDLINE,	replay),
	STRING("pcap-filter",		ARG_REST, 0,		pcap_filter),
	STRING("user",			ARG_WORD, 0,		user),
	/* chroot(2) of a relative path would depend on our cwd. */
	STRING("chroot",		ARG_WORD, KW_ABSPATH,	chroot),
	/* Absolute, since the daemon chdirs to "/". */
	STRING("control-socket",	ARG_WORD, KW_ABSPATH,	control_sock),
	/* Networks always admitted; read by the parent (allowlist.c). */
	STRING("allowlist",		ARG_WORD, KW_ABSPATH,	allowlist),
	/* Where the whitelist is kept across restarts; none: nowhere. */
	STRING("state-file",		ARG_WORD, KW_FILE | KW_NONE,
	    state_file),
	/* Domains whose SPF records give more networks always admitted. */
	SPECIAL("allowlist-spf",	ARG_WORD, KW_REPEAT,	set_spf_domain),
	NUMBER("allowlist-spf-refresh-min", spf_refresh_min, 1,
	    MAX_SPF_REFRESH, " seconds"),
	NUMBER("allowlist-spf-refresh-max", spf_refresh_max, 1,
	    MAX_SPF_REFRESH, " seconds"),
	/* The shared whitelist: redis://[user@]address[:port][/db]. */
	SPECIAL("redis",		ARG_WORD, 0,		set_redis),
	/* Read by the parent before it starts; root-only. */
	STRING("redis-password-file",	ARG_WORD, KW_FILE,
	    redis_password_file),
	/* Nothing SCAN's MATCH would take for a pattern. */
	STRING("redis-prefix",		ARG_WORD, KW_NAME | KW_DOTS | KW_COLONS,
	    redis_prefix),
	STRING("redis-name",		ARG_WORD, KW_NAME | KW_DOTS,
	    redis_name),
	FLAG("no-rdns-whitelist",	OPT_NO_RDNS),
	FLAG("foreground",		OPT_FOREGROUND),
	FLAG("stdout",			OPT_STDOUT),
	FLAG("quiet",			OPT_QUIET),
};

/* What a file parse remembers so that messages can name earlier lines. */
struct parse_state {
	struct mxallowd_conf *conf;
	unsigned int	lineno;
	unsigned int	seen[nitems(keywords)];		/* line of a scalar */
	unsigned int	fakeline[MAX_MAILSERVERS];	/* 0: not this file */
	unsigned int	realline[MAX_MAILSERVERS];
};

static void	conf_err(const char *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static const struct keyword *keyword_lookup(const char *);
static int	conf_apply(struct mxallowd_conf *, const char *,
		    const struct keyword *, const char *, struct parse_state *);
static int	set_addr(struct mxallowd_conf *, const char *,
		    const struct keyword *, const char *, struct parse_state *,
		    int);
static int	string_check(const char *, const struct keyword *,
		    const char *);
static int	parse_line(void *, const char *, unsigned int, char *);
static char	*skip_blanks(char *);
static char	*trim(char *);

/*
 * Where configuration errors go: stderr when starting (and for -n), the
 * log when a running daemon reloads, since its stderr is gone.
 */
static void	(*report_sink)(const char *);

void
conf_report_to(void (*sink)(const char *))
{
	report_sink = sink;
}

void
conf_report(const char *fmt, ...)
{
	char	msg[1024];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (report_sink != NULL)
		report_sink(msg);
	else
		fprintf(stderr, "%s\n", msg);
}

static void
conf_err(const char *origin, const char *fmt, ...)
{
	char	msg[1024];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	conf_report("%s: %s", origin, msg);
}

void
conf_init(struct mxallowd_conf *conf)
{
	/* Zero everything, padding included, so configurations memcmp. */
	memset(conf, 0, sizeof(*conf));
	conf->backend = BACKEND_UNSET;
	conf->fake_action = FAKE_RESET;
	conf->queue_num = -1;
	conf->queue_maxlen = DEFAULT_QUEUE_MAXLEN;
	conf->whitelist_time = DEFAULT_WHITELIST_TIME;
	conf->whitelist_prefix4 = DEFAULT_PREFIX4;
	conf->whitelist_prefix6 = DEFAULT_PREFIX6;
	conf->max_entries = DEFAULT_MAX_ENTRIES;
	conf->rdns_max_addresses = DEFAULT_RDNS_MAX_ADDRESSES;
	conf->spf_refresh_min = DEFAULT_SPF_REFRESH_MIN;
	conf->spf_refresh_max = DEFAULT_SPF_REFRESH_MAX;
	conf->opts = 0;
	strlcpy(conf->pflog_if, DEFAULT_PFLOG_IF, sizeof(conf->pflog_if));
	strlcpy(conf->pcap_filter, DEFAULT_PCAP_FILTER,
	    sizeof(conf->pcap_filter));
	strlcpy(conf->user, MXALLOWD_USER, sizeof(conf->user));
	strlcpy(conf->chroot, MXALLOWD_CHROOT, sizeof(conf->chroot));
	strlcpy(conf->control_sock, MXALLOWD_SOCKET,
	    sizeof(conf->control_sock));
	strlcpy(conf->state_file, DEFAULT_STATE_FILE,
	    sizeof(conf->state_file));
	strlcpy(conf->pf_table, DEFAULT_PF_TABLE, sizeof(conf->pf_table));
	strlcpy(conf->nft_table, DEFAULT_NFT_TABLE, sizeof(conf->nft_table));
	conf->nflog_group = DEFAULT_NFLOG_GROUP;
	conf->nflog_rate = DEFAULT_NFLOG_RATE;
	conf->pending_time = DEFAULT_PENDING_TIME;
	conf->redis_port = REDIS_DEFAULT_PORT;
	strlcpy(conf->redis_prefix, DEFAULT_REDIS_PREFIX,
	    sizeof(conf->redis_prefix));
}

static const struct keyword *
keyword_lookup(const char *name)
{
	size_t	i;

	for (i = 0; i < nitems(keywords); i++)
		if (strcmp(keywords[i].name, name) == 0)
			return &keywords[i];
	return NULL;
}

const char *
conf_choice_name(const char *keyword, int value)
{
	const struct keyword	*kw;
	const struct choice	*c;

	if ((kw = keyword_lookup(keyword)) == NULL || kw->choices == NULL)
		return "?";
	for (c = kw->choices; c->name != NULL; c++)
		if (c->value == value)
			return c->name;
	return "?";
}

int
conf_set(struct mxallowd_conf *conf, const char *origin, const char *name,
    const char *arg)
{
	const struct keyword	*kw;

	if ((kw = keyword_lookup(name)) == NULL) {
		conf_err(origin, "unknown keyword \"%s\"", name);
		return -1;
	}
	return conf_apply(conf, origin, kw, arg, NULL);
}

/*
 * The checks common to the file and the command line, then the handler.
 * ps is NULL on the command line, where a later value simply wins.
 */
static int
conf_apply(struct mxallowd_conf *conf, const char *origin,
    const struct keyword *kw, const char *arg, struct parse_state *ps)
{
	const unsigned char	*p;
	size_t			 idx = kw - keywords;

	/* Left to main(); parse_line() refuses these in a file. */
	if (kw->flags & KW_CMDLINE)
		return kw->handler(conf, origin, kw, arg, ps);

	if (kw->kind == ARG_NONE) {
		if (arg != NULL) {
			conf_err(origin, "%s: takes no argument, got \"%s\"",
			    kw->name, arg);
			return -1;
		}
	} else {
		if (arg == NULL || *arg == '\0') {
			conf_err(origin, "%s: missing argument", kw->name);
			return -1;
		}
		/*
		 * Only values that the file syntax can carry, so that
		 * conf_print() output always reads back.
		 */
		for (p = (const unsigned char *)arg; *p != '\0'; p++) {
			if (kw->kind == ARG_WORD && (isspace(*p) ||
			    iscntrl(*p) || *p == '#' || *p == '"')) {
				conf_err(origin, "%s: value must not contain "
				    "blanks, control characters, '#' or '\"'",
				    kw->name);
				return -1;
			}
			if (kw->kind == ARG_REST && ((iscntrl(*p) &&
			    *p != '\t') || *p == '"')) {
				conf_err(origin, "%s: value must not contain "
				    "control characters or '\"'", kw->name);
				return -1;
			}
		}
	}

	/* Within one file a scalar given twice is a mistake. */
	if (ps != NULL && !(kw->flags & KW_REPEAT) && ps->seen[idx] != 0) {
		conf_err(origin, "%s: already set on line %u", kw->name,
		    ps->seen[idx]);
		return -1;
	}
	if (kw->handler(conf, origin, kw, arg, ps) == -1)
		return -1;
	if (ps != NULL && !(kw->flags & KW_REPEAT))
		ps->seen[idx] = ps->lineno;
	return 0;
}

static int
set_config(struct mxallowd_conf *conf, const char *origin,
    const struct keyword *kw, const char *arg, struct parse_state *ps)
{
	/* main() opens the file itself before any conf_set(). */
	return 0;
}

static int
set_fake(struct mxallowd_conf *conf, const char *origin,
    const struct keyword *kw, const char *arg, struct parse_state *ps)
{
	return set_addr(conf, origin, kw, arg, ps, 0);
}

static int
set_real(struct mxallowd_conf *conf, const char *origin,
    const struct keyword *kw, const char *arg, struct parse_state *ps)
{
	return set_addr(conf, origin, kw, arg, ps, 1);
}

/*
 * Append to the fake or the real list.  An address in both lists would
 * make the real server whitelist whoever touches it, so refuse it.
 */
static int
set_addr(struct mxallowd_conf *conf, const char *origin,
    const struct keyword *kw, const char *arg, struct parse_state *ps,
    int real)
{
	struct mxaddr	 a;
	struct mxaddr	*list = real ? conf->real : conf->fake;
	struct mxaddr	*other = real ? conf->fake : conf->real;
	unsigned int	*n = real ? &conf->nreal : &conf->nfake;
	unsigned int	 nother = real ? conf->nfake : conf->nreal;
	unsigned int	*lines = NULL, *otherlines = NULL;
	const char	*othername = real ? "fake-mailserver" :
			    "real-mailserver";
	unsigned int	 i;

	if (ps != NULL) {
		lines = real ? ps->realline : ps->fakeline;
		otherlines = real ? ps->fakeline : ps->realline;
	}
	if (mxaddr_parse(arg, &a) == -1) {
		conf_err(origin, "%s: \"%s\" is not an IPv4 or IPv6 address",
		    kw->name, arg);
		return -1;
	}
	for (i = 0; i < *n; i++) {
		if (memcmp(&list[i], &a, sizeof(a)) != 0)
			continue;
		if (lines != NULL && lines[i] != 0)
			conf_err(origin, "%s: %s listed twice (first on "
			    "line %u)", kw->name, arg, lines[i]);
		else
			conf_err(origin, "%s: %s already listed", kw->name,
			    arg);
		return -1;
	}
	for (i = 0; i < nother; i++) {
		if (memcmp(&other[i], &a, sizeof(a)) != 0)
			continue;
		if (otherlines != NULL && otherlines[i] != 0)
			conf_err(origin, "%s: %s is already a %s (line %u)",
			    kw->name, arg, othername, otherlines[i]);
		else
			conf_err(origin, "%s: %s is already a %s", kw->name,
			    arg, othername);
		return -1;
	}
	if (*n >= MAX_MAILSERVERS) {
		conf_err(origin, "%s: more than %d addresses", kw->name,
		    MAX_MAILSERVERS);
		return -1;
	}
	memcpy(&list[*n], &a, sizeof(a));
	if (lines != NULL)
		lines[*n] = ps->lineno;
	(*n)++;
	return 0;
}

/* The resolver's servers; without any, /etc/resolv.conf's are used. */
static int
set_nameserver(struct mxallowd_conf *conf, const char *origin,
    const struct keyword *kw, const char *arg, struct parse_state *ps)
{
	struct mxaddr	a;
	unsigned int	i;

	if (mxaddr_parse(arg, &a) == -1) {
		conf_err(origin, "%s: \"%s\" is not an IPv4 or IPv6 address",
		    kw->name, arg);
		return -1;
	}
	for (i = 0; i < conf->nnameservers; i++) {
		if (memcmp(&conf->nameserver[i], &a, sizeof(a)) == 0) {
			conf_err(origin, "%s: %s already listed", kw->name,
			    arg);
			return -1;
		}
	}
	if (conf->nnameservers >= MAX_NAMESERVERS) {
		conf_err(origin, "%s: more than %d servers", kw->name,
		    MAX_NAMESERVERS);
		return -1;
	}
	conf->nameserver[conf->nnameservers++] = a;
	return 0;
}

/*
 * A domain whose SPF record the resolver walks; kept in lower case,
 * without a final dot, so that a name is listed once however spelled.
 */
static int
set_spf_domain(struct mxallowd_conf *conf, const char *origin,
    const struct keyword *kw, const char *arg, struct parse_state *ps)
{
	char		name[RDNS_NAME_MAX];
	size_t		i;

	if (dns_name_normalize(arg, strlen(arg), name) == -1) {
		conf_err(origin, "%s: \"%s\" is not a domain name", kw->name,
		    arg);
		return -1;
	}
	for (i = 0; i < conf->nspf; i++) {
		if (strcmp(conf->spf[i], name) == 0) {
			conf_err(origin, "%s: %s already listed", kw->name,
			    name);
			return -1;
		}
	}
	if (conf->nspf >= MAX_SPF_DOMAINS) {
		conf_err(origin, "%s: more than %d domains", kw->name,
		    MAX_SPF_DOMAINS);
		return -1;
	}
	strlcpy(conf->spf[conf->nspf++], name, sizeof(conf->spf[0]));
	return 0;
}

/* A number within the keyword's range, into its int field. */
static int
set_number(struct mxallowd_conf *conf, const char *origin,
    const struct keyword *kw, const char *arg, struct parse_state *ps)
{
	const char	*errstr;
	long long	 n;

	n = strtonum(arg, kw->min, kw->max, &errstr);
	if (errstr != NULL) {
		conf_err(origin, "%s: \"%s\" is %s (must be %lld..%lld%s)",
		    kw->name, arg, errstr, kw->min, kw->max, kw->unit);
		return -1;
	}
	*(int *)((char *)conf + kw->field) = n;
	return 0;
}

/* "a or b", "a, b or c": the names of a choice keyword, for messages. */
static const char *
choice_list(const struct choice *choices)
{
	static char		 buf[128];
	const struct choice	*c;

	buf[0] = '\0';
	for (c = choices; c->name != NULL; c++) {
		if (c != choices)
			strlcat(buf, c[1].name == NULL ? " or " : ", ",
			    sizeof(buf));
		strlcat(buf, c->name, sizeof(buf));
	}
	return buf;
}

/* One of the keyword's named values, into its int field. */
static int
set_choice(struct mxallowd_conf *conf, const char *origin,
    const struct keyword *kw, const char *arg, struct parse_state *ps)
{
	const struct choice	*c;

	for (c = kw->choices; c->name != NULL; c++) {
		if (strcmp(c->name, arg) == 0) {
			*(int *)((char *)conf + kw->field) = c->value;
			return 0;
		}
	}
	conf_err(origin, "%s: \"%s\" is not %s", kw->name, arg,
	    choice_list(kw->choices));
	return -1;
}

/* What a string keyword's flags allow; -1 after reporting why not. */
static int
string_check(const char *origin, const struct keyword *kw, const char *arg)
{
	const char	*p;

	if (kw->flags & KW_NAME) {
		for (p = arg; *p != '\0'; p++) {
			if (isalnum((unsigned char)*p) || *p == '-' ||
			    *p == '_' || (*p == '.' && (kw->flags & KW_DOTS)) ||
			    (*p == ':' && (kw->flags & KW_COLONS)))
				continue;
			conf_err(origin, "%s: \"%s\" may only hold letters, "
			    "digits, '-'%s%s and '_'", kw->name, arg,
			    kw->flags & KW_DOTS ? ", '.'" : "",
			    kw->flags & KW_COLONS ? ", ':'" : "");
			return -1;
		}
	}
	if ((kw->flags & KW_FILE) &&
	    (arg[0] != '/' || arg[strlen(arg) - 1] == '/')) {
		conf_err(origin, "%s: \"%s\" is %s an absolute path to a "
		    "file%s", kw->name, arg, kw->flags & KW_NONE ? "neither" :
		    "not", kw->flags & KW_NONE ? " nor none" : "");
		return -1;
	}
	if ((kw->flags & KW_ABSPATH) && arg[0] != '/') {
		conf_err(origin, "%s: \"%s\" is not an absolute path",
		    kw->name, arg);
		return -1;
	}
	return 0;
}

/*
 * A string or path, checked by the keyword's flags, into its char array;
 * the whole array is zeroed first, so that configurations memcmp.
 */
static int
set_string(struct mxallowd_conf *conf, const char *origin,
    const struct keyword *kw, const char *arg, struct parse_state *ps)
{
	char	*dst = (char *)conf + kw->field;

	if ((kw->flags & KW_NONE) && strcmp(arg, "none") == 0) {
		memset(dst, 0, kw->size);
		return 0;
	}
	if (string_check(origin, kw, arg) == -1)
		return -1;
	if (strlen(arg) >= kw->size) {
		conf_err(origin, "%s: value too long (at most %zu characters)",
		    kw->name, kw->size - 1);
		return -1;
	}
	memset(dst, 0, kw->size);
	strlcpy(dst, arg, kw->size);
	return 0;
}

/* An ACL user name in the URL: what a name may hold, and '.'. */
static int
redis_user(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len >= REDIS_USER_MAX)
		return -1;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) &&
		    strchr("-_.", s[i]) == NULL)
			return -1;
	return 0;
}

/*
 * The server's address in the URL: IPv4, or IPv6 in brackets.  No names:
 * the sync process could not resolve one, and the parent will not wait
 * for DNS to start.  p is advanced past it.
 */
static int
redis_host(const char **p, struct mxaddr *a)
{
	char		 host[INET6_ADDRSTRLEN + 2];
	const char	*end;
	size_t		 len;

	if (**p == '[') {
		if ((end = strchr(*p, ']')) == NULL)
			return -1;
		len = end - (*p + 1);
		if (len >= sizeof(host))
			return -1;
		memcpy(host, *p + 1, len);
		host[len] = '\0';
		*p = end + 1;
		return mxaddr_parse(host, a) == 0 && a->af == AF_INET6 ? 0 : -1;
	}
	len = strcspn(*p, ":/");
	if (len >= sizeof(host))
		return -1;
	memcpy(host, *p, len);
	host[len] = '\0';
	*p += len;
	return mxaddr_parse(host, a) == 0 && a->af == AF_INET ? 0 : -1;
}

/* A number after the URL's ':' or '/', up to the next '/' or the end. */
static int
redis_number(const char **p, long long max, int *v)
{
	char		 digits[8];
	const char	*errstr;
	size_t		 len;

	len = strcspn(*p, "/");
	if (len == 0 || len >= sizeof(digits))
		return -1;
	memcpy(digits, *p, len);
	digits[len] = '\0';
	*p += len;
	*v = strtonum(digits, 0, max, &errstr);
	return errstr == NULL ? 0 : -1;
}

/* redis://[user@]address[:port][/db] */
static int
set_redis(struct mxallowd_conf *conf, const char *origin,
    const struct keyword *kw, const char *arg, struct parse_state *ps)
{
	const char	*p = arg, *at;
	const char	*form = "redis://[user@]address[:port][/db]";

	if (strncmp(p, "redis://", 8) != 0) {
		conf_err(origin, "%s: \"%s\" is not %s", kw->name, arg, form);
		return -1;
	}
	p += 8;
	memset(conf->redis_user, 0, sizeof(conf->redis_user));
	if ((at = strchr(p, '@')) != NULL) {
		if (memchr(p, ':', at - p) != NULL) {
			conf_err(origin, "%s: no password in the URL: put it "
			    "in a file that redis-password-file names",
			    kw->name);
			return -1;
		}
		if (redis_user(p, at - p) == -1) {
			conf_err(origin, "%s: bad user name (letters, digits, "
			    "'-', '_' and '.', at most %d)", kw->name,
			    REDIS_USER_MAX - 1);
			return -1;
		}
		memcpy(conf->redis_user, p, at - p);
		p = at + 1;
	}
	if (redis_host(&p, &conf->redis_addr) == -1) {
		conf_err(origin, "%s: the server must be an IPv4 address or an "
		    "IPv6 address in brackets (no host names): \"%s\"",
		    kw->name, arg);
		return -1;
	}
	conf->redis_port = REDIS_DEFAULT_PORT;
	conf->redis_db = 0;
	if (*p == ':') {
		p++;
		if (redis_number(&p, 65535, &conf->redis_port) == -1 ||
		    conf->redis_port == 0) {
			conf_err(origin, "%s: bad port in \"%s\" (1..65535)",
			    kw->name, arg);
			return -1;
		}
	}
	if (*p == '/') {
		p++;
		if (redis_number(&p, REDIS_DB_MAX, &conf->redis_db) == -1) {
			conf_err(origin, "%s: bad database in \"%s\" (0..%d)",
			    kw->name, arg, REDIS_DB_MAX);
			return -1;
		}
	}
	if (*p != '\0') {
		conf_err(origin, "%s: \"%s\" is not %s", kw->name, arg, form);
		memset(&conf->redis_addr, 0, sizeof(conf->redis_addr));
		return -1;
	}
	return 0;
}

static int
set_flag(struct mxallowd_conf *conf, const char *origin,
    const struct keyword *kw, const char *arg, struct parse_state *ps)
{
	conf->opts |= kw->opt;
	return 0;
}

static char *
skip_blanks(char *p)
{
	while (isspace((unsigned char)*p))
		p++;
	return p;
}

/* Cut a comment and trailing blanks; returns p past leading blanks. */
static char *
trim(char *p)
{
	char	*end;

	p = skip_blanks(p);
	if ((end = strchr(p, '#')) != NULL)
		*end = '\0';
	end = p + strlen(p);
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	return p;
}

/* One line of the file; returns -1 after printing its error. */
static int
parse_line(void *state, const char *origin, unsigned int lineno, char *line)
{
	struct parse_state	*ps = state;
	const struct keyword	*kw;
	char			*p, *name, *arg, *end, *extra;

	ps->lineno = lineno;
	p = skip_blanks(line);
	if (*p == '\0' || *p == '#')
		return 0;
	name = p;
	while (*p != '\0' && *p != '#' && !isspace((unsigned char)*p))
		p++;
	if (*p == '#')
		*p = '\0';		/* "keyword# comment": no argument */
	else if (*p != '\0')
		*p++ = '\0';

	if ((kw = keyword_lookup(name)) == NULL) {
		conf_err(origin, "unknown keyword \"%s\"", name);
		return -1;
	}
	/* A file cannot include another. */
	if (kw->flags & KW_CMDLINE) {
		conf_err(origin, "%s: only allowed on the command line",
		    kw->name);
		return -1;
	}

	switch (kw->kind) {
	case ARG_NONE:
		arg = trim(p);
		if (*arg == '\0')
			arg = NULL;
		break;
	case ARG_WORD:
		arg = trim(p);
		for (end = arg; *end != '\0' &&
		    !isspace((unsigned char)*end); end++)
			;
		if (*end != '\0') {
			*end++ = '\0';
			extra = skip_blanks(end);
			conf_err(origin, "%s: takes one argument, got extra "
			    "\"%s\"", kw->name, extra);
			return -1;
		}
		break;
	case ARG_REST:
		/* A quoted value may hold '#' and leading blanks. */
		arg = skip_blanks(p);
		if (*arg == '"') {
			arg++;
			if ((end = strchr(arg, '"')) == NULL) {
				conf_err(origin, "%s: missing closing quote",
				    kw->name);
				return -1;
			}
			*end++ = '\0';
			extra = trim(end);
			if (*extra != '\0') {
				conf_err(origin, "%s: takes one argument, got "
				    "extra \"%s\" after the closing quote",
				    kw->name, extra);
				return -1;
			}
		} else
			arg = trim(arg);
		break;
	default:
		return -1;
	}
	return conf_apply(ps->conf, origin, kw, arg, ps);
}

/*
 * The line reader of mxallowd.conf and of the allowlist: each line of fp
 * goes to fn with its origin ("FILE:LINE") and number; a line with a NUL
 * byte in it is reported instead.  fn returns 0, -1 after reporting an
 * error, or LINES_STOP to report no more.  Returns the number of errors.
 */
int
conf_read_lines(FILE *fp, const char *path,
    int (*fn)(void *, const char *, unsigned int, char *), void *arg)
{
	char		 origin[PATH_MAX + 32];
	char		*line = NULL;
	size_t		 linesize = 0;
	ssize_t		 linelen;
	unsigned int	 lineno = 0;
	int		 errors = 0, rv;

	while ((linelen = getline(&line, &linesize, fp)) != -1) {
		snprintf(origin, sizeof(origin), "%s:%u", path, ++lineno);
		if (memchr(line, '\0', linelen) != NULL) {
			conf_err(origin, "NUL character in line");
			errors++;
			continue;
		}
		if ((rv = fn(arg, origin, lineno, line)) == 0)
			continue;
		errors++;
		if (rv == LINES_STOP)
			break;
	}
	if (ferror(fp)) {
		conf_report("%s: %s", path, strerror(errno));
		errors++;
	}
	free(line);
	return errors;
}

int
conf_parse_file(struct mxallowd_conf *conf, const char *path, int must_exist)
{
	struct parse_state	 ps;
	FILE			*fp;
	int			 errors;

	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT && !must_exist)
			return 0;
		conf_report("%s: %s", path, strerror(errno));
		return 1;
	}
	memset(&ps, 0, sizeof(ps));
	ps.conf = conf;
	errors = conf_read_lines(fp, path, parse_line, &ps);
	fclose(fp);
	return errors;
}

/*
 * The whole configuration, once the file and the command line are read.
 * The backend, when not given, follows from the rest: a configuration
 * written for the original daemon names a queue-num and keeps nfqueue;
 * any other gets the system's default (nftables on Linux, pf on OpenBSD).
 */
int
conf_check(struct mxallowd_conf *conf, const char *origin)
{
	int	errors = 0;

	if (conf->backend == BACKEND_UNSET)
		conf->backend = conf->queue_num != -1 ? BACKEND_NFQUEUE :
		    DEFAULT_BACKEND;

	if (conf->nfake == 0) {
		conf_err(origin, "no fake-mailserver given");
		errors++;
	}
	if (conf->nreal == 0) {
		conf_err(origin, "no real-mailserver given");
		errors++;
	}
	if (conf->backend == BACKEND_NFQUEUE && conf->queue_num == -1) {
		conf_err(origin, "nfqueue backend needs queue-num");
		errors++;
	}
	if (conf->replay[0] != '\0' && conf->backend != BACKEND_PF) {
		conf_err(origin, "replay needs backend pf");
		errors++;
	}
	if (conf->spf_refresh_min > conf->spf_refresh_max) {
		conf_err(origin, "allowlist-spf-refresh-min %d is more than "
		    "allowlist-spf-refresh-max %d", conf->spf_refresh_min,
		    conf->spf_refresh_max);
		errors++;
	}
	if (conf->redis_password_file[0] != '\0' &&
	    conf->redis_addr.af == 0) {
		conf_err(origin, "redis-password-file needs redis");
		errors++;
	}
	if (conf->redis_user[0] != '\0' &&
	    conf->redis_password_file[0] == '\0') {
		conf_err(origin, "redis: a user needs redis-password-file");
		errors++;
	}
	return errors;
}

int
mxaddr_parse(const char *s, struct mxaddr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->u.ip4) == 1) {
		a->af = AF_INET;
		return 0;
	}
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET6, s, &a->u.ip6) == 1) {
		a->af = AF_INET6;
		return 0;
	}
	memset(a, 0, sizeof(*a));
	return -1;
}

/* Like inet_ntop(3), but never NULL: "?" for an unknown family. */
const char *
mxaddr_ntop(const struct mxaddr *a, char *buf, size_t len)
{
	if (inet_ntop(a->af, &a->u, buf, len) == NULL && len > 0)
		strlcpy(buf, "?", len);
	return buf;
}
