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
 * The static allowlist (allowlist FILE): networks always admitted at the
 * real MX, such as the output of "smtpctl spf walk" for senders that never
 * try a second MX.  One network per line, ADDRESS or ADDRESS/PREFIX, IPv4
 * or IPv6; '#' starts a comment.  Bad lines are reported as FILE:LINE and
 * the whole file is refused, so a reload keeps the list it had.
 *
 * Lookups: the networks are sorted by family, prefix length (longest
 * first) and address; a source is masked to each prefix length present and
 * looked up with a binary search, a handful of searches per SYN.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "allowlist.h"
#include "array.h"
#include "config.h"
#include "spfcheck.h"

#define ALLOWLIST_MAX	1000000		/* networks in one file */

struct network {
	struct mxaddr	net;		/* masked to prefixlen */
	unsigned int	prefixlen;
};

/* The networks of one family and prefix length: a slice of nets. */
struct group {
	sa_family_t	af;
	unsigned int	prefixlen;
	size_t		start, n;
};

struct allowlist {
	struct network	*nets;
	size_t		 nnets, cap;
	struct group	*groups;
	size_t		 ngroups;
};

static int
network_cmp(const void *a, const void *b)
{
	const struct network	*x = a, *y = b;

	if (x->net.af != y->net.af)
		return x->net.af < y->net.af ? -1 : 1;
	if (x->prefixlen != y->prefixlen)
		return x->prefixlen > y->prefixlen ? -1 : 1;
	return memcmp(x->net.u.bytes, y->net.u.bytes, sizeof(x->net.u.bytes));
}

/* "ADDRESS[/PREFIX]" into n; 0, or -1 with *why set. */
static int
parse_network(char *word, struct network *n, const char **why)
{
	char		*slash;
	const char	*errstr;
	unsigned int	 max;

	memset(n, 0, sizeof(*n));
	if ((slash = strchr(word, '/')) != NULL)
		*slash++ = '\0';
	if (mxaddr_parse(word, &n->net) == -1) {
		*why = "not an IPv4 or IPv6 address";
		return -1;
	}
	max = n->net.af == AF_INET ? 32 : 128;
	n->prefixlen = max;
	if (slash != NULL) {
		n->prefixlen = strtonum(slash, 0, max, &errstr);
		if (errstr != NULL) {
			*why = "bad prefix length";
			return -1;
		}
	}
	spf_mask(&n->net, n->prefixlen);
	return 0;
}

static int
add_network(struct allowlist *al, const struct network *n)
{
	struct network	*p;

	if ((p = array_room(al->nets, al->nnets, &al->cap,
	    sizeof(*p), 64)) == NULL)
		return -1;
	al->nets = p;
	al->nets[al->nnets++] = *n;
	return 0;
}

/* Sort, drop duplicates, and find the groups. */
static void
index_networks(struct allowlist *al)
{
	size_t	i, j;

	al->ngroups = 0;
	if (al->nnets == 0)		/* an empty file: nothing to sort */
		return;
	qsort(al->nets, al->nnets, sizeof(*al->nets), network_cmp);
	for (i = j = 0; i < al->nnets; i++)
		if (j == 0 || network_cmp(&al->nets[j - 1], &al->nets[i]) != 0)
			al->nets[j++] = al->nets[i];
	al->nnets = j;
	for (i = 0; i < al->nnets; i++) {
		if (al->ngroups == 0 ||
		    al->groups[al->ngroups - 1].af != al->nets[i].net.af ||
		    al->groups[al->ngroups - 1].prefixlen !=
		    al->nets[i].prefixlen) {
			/* At most 33 + 129 groups: allocated once below. */
			al->groups[al->ngroups].af = al->nets[i].net.af;
			al->groups[al->ngroups].prefixlen =
			    al->nets[i].prefixlen;
			al->groups[al->ngroups].start = i;
			al->groups[al->ngroups].n = 0;
			al->ngroups++;
		}
		al->groups[al->ngroups - 1].n++;
	}
}

/*
 * An empty list to fill with allowlist_add() and make searchable with
 * allowlist_index(): the networks of the SPF walks.  NULL: out of memory.
 */
struct allowlist *
allowlist_new(void)
{
	struct allowlist	*al;

	if ((al = calloc(1, sizeof(*al))) == NULL)
		return NULL;
	if ((al->groups = calloc(33 + 129, sizeof(*al->groups))) == NULL) {
		free(al);
		return NULL;
	}
	return al;
}

/* net/prefixlen (masked here); -1 when out of memory. */
int
allowlist_add(struct allowlist *al, const struct mxaddr *net,
    unsigned int prefixlen)
{
	struct network	n;

	memset(&n, 0, sizeof(n));
	n.net.af = net->af;
	memcpy(n.net.u.bytes, net->u.bytes, net->af == AF_INET ? 4 : 16);
	n.prefixlen = prefixlen;
	spf_mask(&n.net, prefixlen);
	return add_network(al, &n);
}

void
allowlist_index(struct allowlist *al)
{
	index_networks(al);
}

/* What reading one file keeps between its lines. */
struct load_state {
	struct allowlist	*al;
};

/* One line: a network, a comment, or nothing; -1 after reporting. */
static int
load_line(void *arg, const char *origin, unsigned int lineno, char *line)
{
	struct load_state	*ls = arg;
	struct network		 n;
	char			*p, *word, *extra;
	char			 text[INET6_ADDRSTRLEN + 8];	/* as written */
	const char		*why;

	if ((p = strchr(line, '#')) != NULL)
		*p = '\0';
	p = line;
	while ((word = strsep(&p, " \t\r\n")) != NULL && *word == '\0')
		;
	if (word == NULL)
		return 0;
	while ((extra = strsep(&p, " \t\r\n")) != NULL && *extra == '\0')
		;
	if (extra != NULL) {
		conf_report("%s: one network per line, got extra \"%s\"",
		    origin, extra);
		return -1;
	}
	if (strlcpy(text, word, sizeof(text)) >= sizeof(text)) {
		conf_report("%s: \"%s\": too long", origin, word);
		return -1;
	}
	if (parse_network(word, &n, &why) == -1) {
		conf_report("%s: \"%s\": %s", origin, text, why);
		return -1;
	}
	if (ls->al->nnets >= ALLOWLIST_MAX) {
		conf_report("%s: more than %d networks", origin,
		    ALLOWLIST_MAX);
		return LINES_STOP;
	}
	if (add_network(ls->al, &n) == -1) {
		conf_report("%s: %s", origin, strerror(errno));
		return LINES_STOP;
	}
	return 0;
}

/*
 * Read path; NULL after reporting every bad line (FILE:LINE: message) or
 * an unreadable file.
 */
struct allowlist *
allowlist_load(const char *path)
{
	struct load_state	 ls;
	FILE			*fp;
	int			 errors;

	memset(&ls, 0, sizeof(ls));
	if ((fp = fopen(path, "r")) == NULL) {
		conf_report("%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((ls.al = allowlist_new()) == NULL) {
		conf_report("%s: %s", path, strerror(errno));
		fclose(fp);
		return NULL;
	}
	errors = conf_read_lines(fp, path, load_line, &ls);
	fclose(fp);
	if (errors > 0) {
		allowlist_free(ls.al);
		return NULL;
	}
	index_networks(ls.al);
	return ls.al;
}

void
allowlist_free(struct allowlist *al)
{
	if (al == NULL)
		return;
	free(al->nets);
	free(al->groups);
	free(al);
}

static int
network_key_cmp(const void *key, const void *elem)
{
	const struct network	*k = key, *e = elem;

	return memcmp(k->net.u.bytes, e->net.u.bytes, sizeof(k->net.u.bytes));
}

/* Whether a, masked to g's prefix length, is one of g's networks. */
static int
in_group(const struct allowlist *al, const struct group *g,
    const struct mxaddr *a)
{
	struct network	key;

	memset(&key, 0, sizeof(key));
	key.net.af = a->af;
	memcpy(key.net.u.bytes, a->u.bytes, sizeof(key.net.u.bytes));
	spf_mask(&key.net, g->prefixlen);
	return bsearch(&key, al->nets + g->start, g->n, sizeof(*al->nets),
	    network_key_cmp) != NULL;
}

int
allowlist_contains(const struct allowlist *al, const struct mxaddr *src)
{
	size_t	i;

	for (i = 0; al != NULL && i < al->ngroups; i++)
		if (al->groups[i].af == src->af &&
		    in_group(al, &al->groups[i], src))
			return 1;
	return 0;
}

/* Whether net/prefixlen itself (masked) is one of al's networks. */
int
allowlist_has(const struct allowlist *al, const struct mxaddr *net,
    unsigned int prefixlen)
{
	size_t	i;

	for (i = 0; al != NULL && i < al->ngroups; i++)
		if (al->groups[i].af == net->af &&
		    al->groups[i].prefixlen == prefixlen)
			return in_group(al, &al->groups[i], net);
	return 0;
}

size_t
allowlist_count(const struct allowlist *al)
{
	return al == NULL ? 0 : al->nnets;
}

void
allowlist_foreach(const struct allowlist *al,
    void (*cb)(const struct mxaddr *, unsigned int, void *), void *arg)
{
	size_t	i;

	if (al == NULL)
		return;
	for (i = 0; i < al->nnets; i++)
		cb(&al->nets[i].net, al->nets[i].prefixlen, arg);
}
