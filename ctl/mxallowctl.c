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
 * mxallowctl: one request to a running mxallowd over its control socket,
 * the answer on stdout, errors on stderr and a non-zero exit.  Blocking
 * I/O: there is nothing else to do while the daemon answers.  What the
 * daemon sends is checked as carefully as what it receives.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <getopt.h>
#include <imsg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "control.h"

/* One request, as the command line spelled it. */
struct request {
	uint32_t	 type;
	const void	*data;
	size_t		 len;
};

static void	parse(int, char *[], struct request *);
static int	connect_to(const char *);
static int	answer(struct imsg *, uint32_t);
static void	print_entries(struct imsg *);
static void	get_text(struct imsg *, struct ctl_text *);
static void	keep_name(struct imsg *);
static void	print_allowlist(struct imsg *);

/* The names of an allowlist listing, by id (from 1). */
static char	names[CTL_AL_NAMES_MAX + 1][CTL_NAME_MAX];
static uint32_t	nnames;

/* -h: the usage on stdout, exit 0; a mistake: on stderr, exit 1. */
static __dead void
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: mxallowctl [-hV] [-s socket] command [argument ...]\n"
	    "commands:\n"
	    "\tshow whitelist\n"
	    "\tshow allowlist\n"
	    "\tshow stats\n"
	    "\tadd address [seconds]\n"
	    "\tdelete address\n"
	    "\tflush\n"
	    "\treload\n"
	    "\tlog verbose | log brief\n");
	exit(status);
}

/* The address as the daemon will want it; refused here when it is not one. */
static void
parse_addr(const char *s, char *addr)
{
	struct in6_addr	a6;
	struct in_addr	a4;

	if (strlen(s) >= CTL_ADDR_MAX || (inet_pton(AF_INET, s, &a4) != 1 &&
	    inet_pton(AF_INET6, s, &a6) != 1))
		errx(1, "%s: not an IPv4 or IPv6 address", s);
	strlcpy(addr, s, CTL_ADDR_MAX);
}

static void
parse(int argc, char *argv[], struct request *req)
{
	static struct ctl_add	add;
	static struct ctl_addr	del;
	static struct ctl_log	lg;
	const char		*errstr;

	memset(req, 0, sizeof(*req));
	if (argc == 2 && strcmp(argv[0], "show") == 0 &&
	    strcmp(argv[1], "whitelist") == 0)
		req->type = CTL_SHOW_WHITELIST;
	else if (argc == 2 && strcmp(argv[0], "show") == 0 &&
	    strcmp(argv[1], "allowlist") == 0)
		req->type = CTL_SHOW_ALLOWLIST;
	else if (argc == 2 && strcmp(argv[0], "show") == 0 &&
	    strcmp(argv[1], "stats") == 0)
		req->type = CTL_SHOW_STATS;
	else if ((argc == 2 || argc == 3) && strcmp(argv[0], "add") == 0) {
		memset(&add, 0, sizeof(add));
		parse_addr(argv[1], add.addr);
		if (argc == 3) {
			add.seconds = strtonum(argv[2], 1, MAX_WHITELIST_TIME,
			    &errstr);
			if (errstr != NULL)
				errx(1, "%s seconds: %s (must be 1..%d)",
				    argv[2], errstr, MAX_WHITELIST_TIME);
		}
		req->type = CTL_ADD;
		req->data = &add;
		req->len = sizeof(add);
	} else if (argc == 2 && strcmp(argv[0], "delete") == 0) {
		memset(&del, 0, sizeof(del));
		parse_addr(argv[1], del.addr);
		req->type = CTL_DELETE;
		req->data = &del;
		req->len = sizeof(del);
	} else if (argc == 1 && strcmp(argv[0], "flush") == 0)
		req->type = CTL_FLUSH;
	else if (argc == 1 && strcmp(argv[0], "reload") == 0)
		req->type = CTL_RELOAD;
	else if (argc == 2 && strcmp(argv[0], "log") == 0 &&
	    (strcmp(argv[1], "verbose") == 0 ||
	    strcmp(argv[1], "brief") == 0)) {
		memset(&lg, 0, sizeof(lg));
		lg.verbose = strcmp(argv[1], "verbose") == 0;
		req->type = CTL_LOG_VERBOSE;
		req->data = &lg;
		req->len = sizeof(lg);
	} else
		usage(1);
}

static int
connect_to(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		errx(1, "%s: path too long", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		err(1, "socket");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		err(1, "%s: connect", path);
	return fd;
}

static void
get_text(struct imsg *imsg, struct ctl_text *t)
{
	if (imsg_get_data(imsg, t, sizeof(*t)) == -1 ||
	    memchr(t->text, '\0', sizeof(t->text)) == NULL)
		errx(1, "bad answer from mxallowd");
}

/*
 * A listing batch: a whole number of entries of size bytes, 1 to max,
 * into buf; their number.
 */
static size_t
get_batch(struct imsg *imsg, void *buf, size_t size, size_t max)
{
	size_t	len = imsg_get_len(imsg), n = len / size;

	if (len == 0 || len % size != 0 || n > max ||
	    imsg_get_data(imsg, buf, len) == -1)
		errx(1, "bad answer from mxallowd");
	return n;
}

/* A listed network as text, after checking its family. */
static void
net_str(const struct mxaddr *net, char *addr, size_t len)
{
	if ((net->af != AF_INET && net->af != AF_INET6) ||
	    inet_ntop(net->af, &net->u, addr, len) == NULL)
		errx(1, "bad answer from mxallowd");
}

/* ADDRESS/PREFIX EXPIRES REASON CONFIRMED, one line each. */
static void
print_entries(struct imsg *imsg)
{
	static struct ctl_wl_entry	 list[CTL_WL_BATCH];
	static const char		*reasons[] = {
		[CTL_REASON_FAKE_HIT] = "fake-hit",
		[CTL_REASON_RDNS] = "rdns",
		[CTL_REASON_MANUAL] = "manual",
		[CTL_REASON_ALLOWLIST] = "allowlist",
	};
	const struct ctl_wl_entry	*e;
	const char			*reason, *confirmed;
	char				 addr[INET6_ADDRSTRLEN];
	char				 expires[32];
	size_t				 n, i;

	n = get_batch(imsg, list, sizeof(list[0]), CTL_WL_BATCH);
	for (i = 0; i < n; i++) {
		e = &list[i];
		net_str(&e->net, addr, sizeof(addr));
		if (e->expires == CTL_EXPIRES_NEVER)
			strlcpy(expires, "never", sizeof(expires));
		else
			snprintf(expires, sizeof(expires), "%lld",
			    (long long)e->expires);
		reason = e->reason < sizeof(reasons) / sizeof(reasons[0]) &&
		    reasons[e->reason] != NULL ? reasons[e->reason] :
		    "unknown";
		confirmed = e->confirmed == 1 ? "yes" :
		    e->confirmed == 0 ? "no" : "-";
		printf("%s/%u %s %s %s\n", addr, e->prefixlen, expires,
		    reason, confirmed);
	}
}

/* CTL_AL_NAME: the next id, a string; kept printable. */
static void
keep_name(struct imsg *imsg)
{
	struct ctl_al_name	nm;
	char			*p;

	if (imsg_get_data(imsg, &nm, sizeof(nm)) == -1 ||
	    memchr(nm.name, '\0', sizeof(nm.name)) == NULL ||
	    nm.id != nnames + 1 || nm.id > CTL_AL_NAMES_MAX)
		errx(1, "bad answer from mxallowd");
	for (p = nm.name; *p != '\0'; p++)
		if (*p <= ' ' || *p > '~')
			*p = '?';
	strlcpy(names[nm.id], nm.name, sizeof(names[0]));
	nnames = nm.id;
}

static const char *
name_of(uint32_t id)
{
	if (id > nnames)
		errx(1, "bad answer from mxallowd");
	return id == 0 ? "-" : names[id];
}

/* ADDRESS/PREFIX ORIGIN SOURCE RECORD MECHANISM AGE, one line each. */
static void
print_allowlist(struct imsg *imsg)
{
	static struct ctl_al_entry	 list[CTL_AL_BATCH];
	static const char		*mechs[] = {
		[SPF_MECH_IP4] = "ip4",
		[SPF_MECH_IP6] = "ip6",
		[SPF_MECH_A] = "a",
		[SPF_MECH_MX] = "mx",
	};
	const struct ctl_al_entry	*e;
	char				 addr[INET6_ADDRSTRLEN], age[32];
	size_t				 n, i;

	n = get_batch(imsg, list, sizeof(list[0]), CTL_AL_BATCH);
	for (i = 0; i < n; i++) {
		e = &list[i];
		net_str(&e->net, addr, sizeof(addr));
		if (e->origin != CTL_ORIGIN_FILE && e->origin != CTL_ORIGIN_SPF)
			errx(1, "bad answer from mxallowd");
		if (e->age < 0)
			strlcpy(age, "-", sizeof(age));
		else
			snprintf(age, sizeof(age), "%lld", (long long)e->age);
		printf("%s/%u %s %s %s %s %s\n", addr, e->prefixlen,
		    e->origin == CTL_ORIGIN_FILE ? "file" : "spf",
		    name_of(e->source), name_of(e->record),
		    e->mech < sizeof(mechs) / sizeof(mechs[0]) &&
		    mechs[e->mech] != NULL ? mechs[e->mech] : "-", age);
	}
}

/* One message of the answer to request type: 1 when it was the last. */
static int
answer(struct imsg *imsg, uint32_t type)
{
	struct ctl_text		t;
	struct ctl_stats	st;

	switch (imsg_get_type(imsg)) {
	case CTL_ERROR:
		get_text(imsg, &t);
		errx(1, "%s", t.text);
	case CTL_OK:
		if (type == CTL_SHOW_WHITELIST || type == CTL_SHOW_STATS ||
		    type == CTL_SHOW_ALLOWLIST)
			break;
		get_text(imsg, &t);
		printf("%s\n", t.text);
		return 1;
	case CTL_STATS:
		if (type != CTL_SHOW_STATS)
			break;
		if (imsg_get_data(imsg, &st, sizeof(st)) == -1 ||
		    memchr(st.line, '\0', sizeof(st.line)) == NULL)
			errx(1, "bad answer from mxallowd");
		printf("%s\n", st.line);
		return 1;
	case CTL_WL_ENTRIES:
		if (type != CTL_SHOW_WHITELIST)
			break;
		print_entries(imsg);
		return 0;
	case CTL_AL_NAME:
		if (type != CTL_SHOW_ALLOWLIST)
			break;
		keep_name(imsg);
		return 0;
	case CTL_AL_ENTRIES:
		if (type != CTL_SHOW_ALLOWLIST)
			break;
		print_allowlist(imsg);
		return 0;
	case CTL_END:
		if ((type != CTL_SHOW_WHITELIST &&
		    type != CTL_SHOW_ALLOWLIST) || imsg_get_len(imsg) != 0)
			break;
		return 1;
	}
	errx(1, "unexpected answer (type %u) from mxallowd",
	    imsg_get_type(imsg));
}

static const struct option longopts[] = {
	{ "help",	no_argument,		NULL,	'h' },
	{ "socket",	required_argument,	NULL,	's' },
	{ "version",	no_argument,		NULL,	'V' },
	{ NULL,		0,			NULL,	0 }
};

int
main(int argc, char *argv[])
{
	struct imsgbuf	 ibuf;
	struct imsg	 imsg;
	struct request	 req;
	const char	*path = MXALLOWD_SOCKET;
	ssize_t		 n;
	int		 ch, fd, done = 0;

	while ((ch = getopt_long(argc, argv, "hs:V", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(0);
		case 's':
			path = optarg;
			break;
		case 'V':
			printf("mxallowctl %s\n", MXALLOWD_VERSION);
			exit(0);
		default:
			usage(1);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage(1);
	parse(argc, argv, &req);

	fd = connect_to(path);
#ifdef __OpenBSD__
	if (pledge("stdio", NULL) == -1)
		err(1, "pledge");
#endif
	if (imsgbuf_init(&ibuf, fd) == -1)
		err(1, "imsgbuf_init");
	if (imsg_compose(&ibuf, req.type, 0, 0, -1, req.data, req.len) == -1)
		err(1, "imsg_compose");
	if (imsgbuf_flush(&ibuf) == -1)
		err(1, "%s: write", path);

	while (!done) {
		switch (imsgbuf_read(&ibuf)) {
		case -1:
			err(1, "%s: read", path);
		case 0:
			errx(1, "%s: connection closed by mxallowd", path);
		}
		while (!done) {
			if ((n = imsg_get(&ibuf, &imsg)) == -1)
				errx(1, "bad answer from mxallowd");
			if (n == 0)
				break;
			done = answer(&imsg, req.type);
			imsg_free(&imsg);
		}
	}
	imsgbuf_clear(&ibuf);
	close(fd);
	if (fflush(stdout) == EOF || ferror(stdout))
		err(1, "stdout");
	return 0;
}
