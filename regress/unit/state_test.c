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
 * Unit tests for the state file (parent/state.c): save and load round
 * trip, expired entries dropped, every kind of corrupt file moved aside
 * (never over an earlier one) with an empty whitelist, a failed write that
 * leaves the previous file alone, and a million entries timed.
 *
 * policy.c is replaced by a double over a real whitelist (whitelist.c):
 * the three functions state.c calls, with a monotonic clock the test sets,
 * so that a "reboot" between save and load is one assignment.
 */

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "parent.h"
#include "spf.h"
#include "state.h"

#include "unit.h"

#define SCALE_N		1000000
#define MAXVIEWS	64

static struct whitelist	*wl;
static time_t		 mono = 100000;	/* the double's monotonic clock */
static char		 dir[64];	/* scratch directory */
static char		 file[128];	/* dir/state */
static char		 logfile[128];	/* our stderr: what state.c logs */

/* --- the policy double ------------------------------------------------ */

time_t
policy_now(void)
{
	return mono;
}

void
policy_foreach(void (*cb)(const struct wl_view *, void *), void *arg)
{
	whitelist_expire(wl, mono);
	whitelist_foreach(wl, cb, arg);
}

/* As policy.c does it. */
void
policy_restore(const struct mxaddr *a, time_t remaining,
    enum wl_reason reason, int confirmed)
{
	if (remaining <= 0 ||
	    whitelist_add(wl, a, mono, remaining, reason) == WL_FULL)
		return;
	if (confirmed)
		whitelist_admit(wl, a, mono, remaining);
}

/*
 * The SPF double: the walks spf_foreach_saved() offers to a save, and
 * what state_load() hands to spf_restore(), copied.
 */
#define SPF_TEST_NETS	4

struct spf_copy {
	char			domain[RDNS_NAME_MAX];
	time_t			walked;
	uint32_t		ttl;
	size_t			nnets, nrecords;
	struct spf_saved_net	nets[SPF_TEST_NETS];
	char			records[2][RDNS_NAME_MAX];
};

static struct spf_copy	spf_have[2], spf_got[4];
static size_t		nspf_have, nspf_got;

void
spf_foreach_saved(void (*cb)(const struct spf_saved *, void *), void *arg)
{
	struct spf_saved	sv;
	size_t			i;

	for (i = 0; i < nspf_have; i++) {
		memset(&sv, 0, sizeof(sv));
		sv.domain = spf_have[i].domain;
		sv.walked = spf_have[i].walked;
		sv.ttl = spf_have[i].ttl;
		sv.nnets = spf_have[i].nnets;
		sv.nets = spf_have[i].nets;
		sv.nrecords = spf_have[i].nrecords;
		sv.records = (const char (*)[RDNS_NAME_MAX])
		    spf_have[i].records;
		cb(&sv, arg);
	}
}

int
spf_restore(const struct spf_saved *sv)
{
	struct spf_copy	*c;
	size_t		 i;

	if (nspf_got == sizeof(spf_got) / sizeof(spf_got[0]) ||
	    sv->nnets > SPF_TEST_NETS || sv->nrecords > 2)
		return -1;
	c = &spf_got[nspf_got++];
	memset(c, 0, sizeof(*c));
	strlcpy(c->domain, sv->domain, sizeof(c->domain));
	c->walked = sv->walked;
	c->ttl = sv->ttl;
	c->nnets = sv->nnets;
	c->nrecords = sv->nrecords;
	memcpy(c->nets, sv->nets, sv->nnets * sizeof(sv->nets[0]));
	for (i = 0; i < sv->nrecords; i++)
		strlcpy(c->records[i], sv->records[i], sizeof(c->records[0]));
	return 0;
}

/* --- helpers ---------------------------------------------------------- */

static struct mxaddr
A(const char *s)
{
	struct mxaddr	 a;

	if (mxaddr_parse(s, &a) == -1) {
		fprintf(stderr, "bad test address %s\n", s);
		exit(2);
	}
	return a;
}

static void
fresh(size_t max, unsigned int p4, unsigned int p6)
{
	whitelist_free(wl);
	if ((wl = whitelist_new(max, p4, p6)) == NULL) {
		perror("whitelist_new");
		exit(2);
	}
}

static void
put(const char *s, time_t life, enum wl_reason reason, int confirmed)
{
	struct mxaddr	a = A(s);

	whitelist_add(wl, &a, mono, life, reason);
	if (confirmed)
		whitelist_admit(wl, &a, mono, life);
}

struct views {
	struct wl_view	 v[MAXVIEWS];
	size_t		 n;
};

static void
collect(const struct wl_view *v, void *arg)
{
	struct views	*vs = arg;

	if (vs->n < MAXVIEWS)
		vs->v[vs->n] = *v;
	vs->n++;
}

static void
views_get(struct views *vs)
{
	memset(vs, 0, sizeof(*vs));
	policy_foreach(collect, vs);
}

/* The view of net s, or NULL. */
static const struct wl_view *
find(const struct views *vs, const char *s)
{
	struct mxaddr	a = A(s);
	size_t		i;

	for (i = 0; i < vs->n && i < MAXVIEWS; i++)
		if (vs->v[i].net.af == a.af &&
		    memcmp(vs->v[i].net.u.bytes, a.u.bytes, 16) == 0)
			return &vs->v[i];
	return NULL;
}

static int
write_file(const char *path, const char *content, size_t len)
{
	FILE	*fp;

	if ((fp = fopen(path, "w")) == NULL)
		return -1;
	if (fwrite(content, 1, len, fp) != len) {
		fclose(fp);
		return -1;
	}
	return fclose(fp);
}

/* A whole small file into buf; its length, or -1. */
static ssize_t
read_file(const char *path, char *buf, size_t size)
{
	ssize_t	n;
	int	fd;

	if ((fd = open(path, O_RDONLY)) == -1)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* Names in dir starting with prefix: how many, the first in name. */
static int
count_names(const char *prefix, char *name, size_t len)
{
	DIR		*dp;
	struct dirent	*de;
	int		 n = 0;

	if ((dp = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(dp)) != NULL) {
		if (strncmp(de->d_name, prefix, strlen(prefix)) != 0)
			continue;
		if (n++ == 0 && name != NULL)
			snprintf(name, len, "%s/%s", dir, de->d_name);
	}
	closedir(dp);
	return n;
}

/* Empty the scratch directory (files only; one test makes a dir). */
static void
clean_dir(void)
{
	DIR		*dp;
	struct dirent	*de;
	char		 p[512];

	if ((dp = opendir(dir)) == NULL)
		return;
	while ((de = readdir(dp)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, "log") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (unlink(p) == -1)
			rmdir(p);
	}
	closedir(dp);
}

/* What state.c logged since mark (an offset in the log file). */
static off_t
log_mark(void)
{
	return lseek(STDERR_FILENO, 0, SEEK_END);
}

static const char *
log_since(off_t mark)
{
	static char	buf[8192];
	ssize_t		n;
	int		fd;

	buf[0] = '\0';
	if ((fd = open(logfile, O_RDONLY)) == -1)
		return buf;
	if (lseek(fd, mark, SEEK_SET) != -1 &&
	    (n = read(fd, buf, sizeof(buf) - 1)) >= 0)
		buf[n] = '\0';
	close(fd);
	return buf;
}


/* --- tests ------------------------------------------------------------ */

static void
t_missing(void)
{
	const char	*name = "missing_file_is_a_first_start";
	size_t		 n, x;

	clean_dir();
	fresh(100, 32, 64);
	REQUIRE(state_load(file, &n, &x) == STATE_LOADED, "not loaded");
	REQUIRE(n == 0 && x == 0 && whitelist_count(wl) == 0, "%zu/%zu", n,
	    x);
	REQUIRE(count_names("state", NULL, 0) == 0, "something created");
	pass(name);
out:
	;
}

static void
t_roundtrip(void)
{
	const char		*name = "roundtrip";
	const struct wl_view	*v;
	struct views		 vs;
	char			 buf[4096];
	size_t			 n, x;
	time_t			 before;

	clean_dir();
	fresh(100, 32, 64);
	put("192.0.2.1", 600, WL_FAKE_HIT, 0);
	put("192.0.2.2", 3600, WL_FAKE_HIT, 1);
	put("2001:db8:1::5", 1200, WL_RDNS, 0);
	put("2001:db8:2::7", 86400, WL_MANUAL, 1);
	put("198.51.100.7", 30, WL_RDNS, 1);
	before = time(NULL);
	REQUIRE(state_save(file, &n) == 0, "save failed");
	REQUIRE(n == 5, "saved %zu", n);
	REQUIRE(read_file(file, buf, sizeof(buf)) > 0, "read back");
	REQUIRE(strncmp(buf, "# mxallowd whitelist 2\n", 23) == 0,
	    "first line: %.30s", buf);
	REQUIRE(strstr(buf, "\n# end 5\n") != NULL &&
	    buf[strlen(buf) - 1] == '\n', "end line: %s", buf);
	REQUIRE(strstr(buf, "\n2001:db8:1::/64 ") != NULL, "v6 at /64: %s",
	    buf);
	REQUIRE(strstr(buf, "\n192.0.2.2/32 ") != NULL, "v4 at /32: %s", buf);
	REQUIRE(count_names("state.tmp.", NULL, 0) == 0, "temporary left");

	/* A reboot: the monotonic clock starts again near zero. */
	mono = 50;
	fresh(100, 32, 64);
	REQUIRE(state_load(file, &n, &x) == STATE_LOADED, "load failed");
	REQUIRE(n == 5 && x == 0, "restored %zu, expired %zu", n, x);
	views_get(&vs);
	REQUIRE(vs.n == 5, "%zu entries", vs.n);
#define SAME(s, life, why, conf) do {					\
	REQUIRE((v = find(&vs, s)) != NULL, "%s missing", s);		\
	REQUIRE(v->reason == (why) && v->confirmed == (conf), "%s: "	\
	    "reason %d confirmed %d", s, v->reason, v->confirmed);	\
	/* Whole seconds of wall-clock time may pass in between. */	\
	REQUIRE(v->expires <= mono + (life) &&				\
	    v->expires >= mono + (life) - 1 - (time(NULL) - before),	\
	    "%s: expires %lld, want about %lld", s,			\
	    (long long)v->expires, (long long)(mono + (life)));	\
} while (0)
	SAME("192.0.2.1", 600, WL_FAKE_HIT, 0);
	SAME("192.0.2.2", 3600, WL_FAKE_HIT, 1);
	SAME("2001:db8:1::", 1200, WL_RDNS, 0);
	SAME("2001:db8:2::", 86400, WL_MANUAL, 1);
	SAME("198.51.100.7", 30, WL_RDNS, 1);
#undef SAME
	/* Pending first, then confirmed, each by expiry, as before. */
	REQUIRE(!vs.v[0].confirmed && !vs.v[1].confirmed &&
	    vs.v[2].confirmed && vs.v[3].confirmed && vs.v[4].confirmed &&
	    vs.v[0].expires <= vs.v[1].expires &&
	    vs.v[2].expires <= vs.v[3].expires &&
	    vs.v[3].expires <= vs.v[4].expires, "order");
	pass(name);
out:
	mono = 100000;
}

/* Saving the loaded state gives the same file, but for the clock. */
static void
t_resave(void)
{
	const char	*name = "load_then_save_same_entries";
	char		 a[4096], b[4096], other[256];
	size_t		 n, x;

	time_t		 t;

	/* The same wall-clock second throughout, or expiries move by one. */
	t = time(NULL);
	while (time(NULL) == t)
		usleep(1000);
	clean_dir();
	fresh(100, 24, 48);
	put("203.0.113.5", 900, WL_FAKE_HIT, 1);
	put("2001:db8:1:2::9", 900, WL_MANUAL, 0);
	REQUIRE(state_save(file, &n) == 0 && n == 2, "save");
	REQUIRE(read_file(file, a, sizeof(a)) > 0, "read");
	REQUIRE(strstr(a, "\n203.0.113.0/24 ") != NULL &&
	    strstr(a, "\n2001:db8:1::/48 ") != NULL, "prefixes: %s", a);
	fresh(100, 24, 48);
	REQUIRE(state_load(file, &n, &x) == STATE_LOADED && n == 2, "load");
	snprintf(other, sizeof(other), "%s.2", file);
	REQUIRE(state_save(other, &n) == 0 && n == 2, "save again");
	REQUIRE(read_file(other, b, sizeof(b)) > 0, "read");
	REQUIRE(strcmp(a, b) == 0, "differs:\n%s---\n%s", a, b);
	pass(name);
out:
	;
}

static void
t_expired(void)
{
	const char	*name = "expired_entries_dropped";
	struct views	 vs;
	char		 buf[1024];
	time_t		 now = time(NULL);
	size_t		 n, x;
	int		 len;

	clean_dir();
	fresh(100, 32, 64);
	len = snprintf(buf, sizeof(buf), "# mxallowd whitelist 1\n"
	    "192.0.2.1/32 %lld fake-hit 0\n"
	    "192.0.2.2/32 %lld fake-hit 1\n"
	    "192.0.2.3/32 %lld rdns 0\n"
	    "192.0.2.4/32 %lld manual 1\n"
	    "# end 4\n",
	    (long long)now - 100, (long long)now + 3600,
	    (long long)now, (long long)now + 60);
	REQUIRE(write_file(file, buf, len) == 0, "write");
	REQUIRE(state_load(file, &n, &x) == STATE_LOADED, "load");
	REQUIRE(n == 2 && x == 2, "restored %zu, expired %zu", n, x);
	views_get(&vs);
	REQUIRE(vs.n == 2 && find(&vs, "192.0.2.2") != NULL &&
	    find(&vs, "192.0.2.4") != NULL, "wrong entries (%zu)", vs.n);
	pass(name);
out:
	;
}

/* Out of order (a hand-made or foreign file), and far in the future. */
static void
t_foreign_order(void)
{
	const char		*name = "unsorted_file_and_clamped_expiry";
	const struct wl_view	*v;
	struct views		 vs;
	char			 buf[1024];
	time_t			 now = time(NULL);
	size_t			 n, x, i;
	int			 len;

	clean_dir();
	fresh(100, 32, 64);
	len = snprintf(buf, sizeof(buf), "# mxallowd whitelist 1\n"
	    "192.0.2.1/32 %lld fake-hit 1\n"
	    "192.0.2.2/32 %lld fake-hit 0\n"
	    "192.0.2.3/32 %lld rdns 1\n"
	    "192.0.2.4/32 %lld manual 0\n"
	    "192.0.2.5/32 99999999999 manual 1\n"
	    "# end 5\n",
	    (long long)now + 3000, (long long)now + 2000,
	    (long long)now + 1000, (long long)now + 500);
	REQUIRE(write_file(file, buf, len) == 0, "write");
	REQUIRE(state_load(file, &n, &x) == STATE_LOADED && n == 5, "load");
	views_get(&vs);
	REQUIRE(vs.n == 5, "%zu entries", vs.n);
	for (i = 1; i < vs.n; i++)
		REQUIRE(vs.v[i - 1].confirmed < vs.v[i].confirmed ||
		    (vs.v[i - 1].confirmed == vs.v[i].confirmed &&
		    vs.v[i - 1].expires <= vs.v[i].expires),
		    "out of order at %zu", i);
	REQUIRE((v = find(&vs, "192.0.2.5")) != NULL &&
	    v->expires == mono + MAX_WHITELIST_TIME, "not clamped");
	pass(name);
out:
	;
}

struct corrupt {
	const char	*name;
	const char	*content;	/* %1$lld: an expiry an hour away */
	const char	*logged;	/* part of the log line */
	size_t		 len;		/* 0: formatted; else content as is */
};

static const struct corrupt corrupts[] = {
	{ "empty", "", "(empty)", 0 },
	{ "bad_magic", "# some other file 1\n# end 0\n",
	    "not a mxallowd state file", 0 },
	{ "bad_version", "# mxallowd whitelist 3\n# end 0\n", "version 3", 0 },
	{ "spf_in_version_1", "# mxallowd whitelist 1\n"
	    "spf example.org 1767220000 60 0\n# end 0\n", "line 2: not", 0 },
	{ "spf_count_short", "# mxallowd whitelist 2\n"
	    "spf example.org 1767220000 60 2\n"
	    "spf-net 192.0.2.0/24 ip4 example.org\n# end 0\n",
	    "line 4: spf example.org: 1 networks, its header says 2", 0 },
	{ "spf_net_past_count", "# mxallowd whitelist 2\n"
	    "spf example.org 1767220000 60 0\n"
	    "spf-net 192.0.2.0/24 ip4 example.org\n# end 0\n",
	    "line 3: spf-net outside", 0 },
	{ "spf_net_alone", "# mxallowd whitelist 2\n"
	    "spf-net 192.0.2.0/24 ip4 example.org\n# end 0\n",
	    "line 2: spf-net outside", 0 },
	{ "spf_unmasked", "# mxallowd whitelist 2\n"
	    "spf example.org 1767220000 60 1\n"
	    "spf-net 192.0.2.1/24 ip4 example.org\n# end 0\n",
	    "line 3: spf-net 192.0.2.1/24: bits past the prefix", 0 },
	{ "spf_bad_mechanism", "# mxallowd whitelist 2\n"
	    "spf example.org 1767220000 60 1\n"
	    "spf-net 192.0.2.0/24 ptr example.org\n# end 0\n",
	    "line 3: not \"spf-net", 0 },
	{ "spf_bad_domain", "# mxallowd whitelist 2\n"
	    "spf exa..mple.org 1767220000 60 0\n# end 0\n",
	    "line 2: not \"spf DOMAIN", 0 },
	{ "spf_too_many", "# mxallowd whitelist 2\n"
	    "spf example.org 1767220000 60 1001\n# end 0\n",
	    "line 2: not \"spf DOMAIN", 0 },
	{ "spf_extra_field", "# mxallowd whitelist 2\n"
	    "spf example.org 1767220000 60 0 x\n# end 0\n",
	    "line 2: not an \"spf\"", 0 },
	{ "bad_version_text", "# mxallowd whitelist x\n# end 0\n",
	    "version \"x\"", 0 },
	{ "bad_address", "# mxallowd whitelist 1\n"
	    "192.0.2.1/32 %1$lld fake-hit 0\n192.0.2/32 %1$lld fake-hit 0\n"
	    "# end 2\n", "line 3: \"192.0.2\" is not", 0 },
	{ "no_prefix", "# mxallowd whitelist 1\n"
	    "192.0.2.1 %1$lld fake-hit 0\n# end 1\n", "line 2: no prefix", 0 },
	{ "prefix_too_long", "# mxallowd whitelist 1\n"
	    "192.0.2.1/33 %1$lld fake-hit 0\n# end 1\n", "line 2: prefix", 0 },
	{ "bad_expiry", "# mxallowd whitelist 1\n"
	    "192.0.2.1/32 -5 fake-hit 0\n# end 1\n", "line 2: expiry", 0 },
	{ "bad_reason", "# mxallowd whitelist 1\n"
	    "192.0.2.1/32 %1$lld spam 0\n# end 1\n", "line 2: unknown reason", 0 },
	{ "bad_confirmed", "# mxallowd whitelist 1\n"
	    "192.0.2.1/32 %1$lld rdns 2\n# end 1\n", "line 2: confirmed", 0 },
	{ "extra_field", "# mxallowd whitelist 1\n"
	    "192.0.2.1/32 %1$lld rdns 0 x\n# end 1\n", "line 2: not", 0 },
	{ "double_blank", "# mxallowd whitelist 1\n"
	    "192.0.2.1/32  %1$lld rdns 0\n# end 1\n", "line 2: not", 0 },
	{ "blank_line", "# mxallowd whitelist 1\n\n# end 0\n", "line 2: not", 0 },
	{ "truncated_mid_line", "# mxallowd whitelist 1\n"
	    "192.0.2.1/32 %1$lld fake-hit 0\n192.0.2.2/32 %1$lld fa",
	    "line 3: truncated", 0 },
	{ "truncated_at_line_end", "# mxallowd whitelist 1\n"
	    "192.0.2.1/32 %1$lld fake-hit 0\n", "no end line", 0 },
	{ "end_count_wrong", "# mxallowd whitelist 1\n"
	    "192.0.2.1/32 %1$lld fake-hit 0\n# end 2\n", "line 3: \"# end 2\"", 0 },
	{ "text_after_end", "# mxallowd whitelist 1\n# end 0\n"
	    "192.0.2.1/32 %1$lld fake-hit 0\n", "line 3: text after", 0 },
#define NUL_LINE	"# mxallowd whitelist 1\n192.0.2.1/32 9999999999 rdns\0 0\n" \
	    "# end 1\n"
	{ "nul_byte", NUL_LINE, "line 2: NUL", sizeof(NUL_LINE) - 1 },
};

/* An SPF walk as the double offers it. */
static void
spf_put(size_t i, const char *domain, time_t walked, uint32_t ttl)
{
	struct spf_copy	*c = &spf_have[i];

	memset(c, 0, sizeof(*c));
	strlcpy(c->domain, domain, sizeof(c->domain));
	c->walked = walked;
	c->ttl = ttl;
}

static void
spf_net(size_t i, const char *net, unsigned int plen, unsigned int mech,
    const char *record)
{
	struct spf_copy		*c = &spf_have[i];
	struct spf_saved_net	*n = &c->nets[c->nnets++];
	size_t			 r;

	for (r = 0; r < c->nrecords; r++)
		if (strcmp(c->records[r], record) == 0)
			break;
	if (r == c->nrecords)
		strlcpy(c->records[c->nrecords++], record,
		    sizeof(c->records[0]));
	memset(n, 0, sizeof(*n));
	n->net = A(net);
	n->prefixlen = plen;
	n->mech = mech;
	n->record = r;
}

/* Two domains' walks, one of them empty, saved with entries and back. */
static void
t_spf_roundtrip(void)
{
	const char		*name = "spf_walks_roundtrip";
	const struct spf_copy	*h, *g;
	char			 buf[4096];
	size_t			 n, x, i, k;

	clean_dir();
	fresh(100, 32, 64);
	put("192.0.2.1", 600, WL_FAKE_HIT, 0);
	spf_put(0, "example.org", 1767220000, 3600);
	spf_net(0, "192.0.2.0", 24, SPF_MECH_IP4, "example.org");
	spf_net(0, "2001:db8:5::", 48, SPF_MECH_IP6, "_spf.example.org");
	spf_net(0, "198.51.100.7", 32, SPF_MECH_MX, "_spf.example.org");
	spf_put(1, "empty.example.net", 1767000000, 0);
	nspf_have = 2;
	REQUIRE(state_save(file, &n) == 0 && n == 1, "save");
	REQUIRE(read_file(file, buf, sizeof(buf)) > 0, "read back");
	REQUIRE(strstr(buf, "\nspf example.org 1767220000 3600 3\n"
	    "spf-net 192.0.2.0/24 ip4 example.org\n"
	    "spf-net 2001:db8:5::/48 ip6 _spf.example.org\n"
	    "spf-net 198.51.100.7/32 mx _spf.example.org\n"
	    "spf empty.example.net 1767000000 0 0\n# end 1\n") != NULL,
	    "the file: %s", buf);

	nspf_got = 0;
	fresh(100, 32, 64);
	REQUIRE(state_load(file, &n, &x) == STATE_LOADED && n == 1, "load");
	REQUIRE(nspf_got == 2, "%zu walks restored", nspf_got);
	for (i = 0; i < 2; i++) {
		h = &spf_have[i];
		g = &spf_got[i];
		REQUIRE(strcmp(h->domain, g->domain) == 0 &&
		    h->walked == g->walked && h->ttl == g->ttl &&
		    h->nnets == g->nnets && h->nrecords == g->nrecords,
		    "walk %zu differs", i);
		for (k = 0; k < h->nnets; k++)
			REQUIRE(memcmp(&h->nets[k], &g->nets[k],
			    sizeof(h->nets[k])) == 0 &&
			    strcmp(h->records[h->nets[k].record],
			    g->records[g->nets[k].record]) == 0,
			    "walk %zu network %zu differs", i, k);
	}
	pass(name);
out:
	nspf_have = 0;
}

/* A version 1 file (no SPF lines) still loads, entries and all. */
static void
t_version1(void)
{
	const char	*name = "version_1_still_read";
	char		 buf[256];
	size_t		 n, x;
	int		 len;

	clean_dir();
	fresh(100, 32, 64);
	len = snprintf(buf, sizeof(buf), "# mxallowd whitelist 1\n"
	    "192.0.2.9/32 %lld manual 1\n# end 1\n",
	    (long long)time(NULL) + 600);
	REQUIRE(write_file(file, buf, len) == 0, "write");
	nspf_got = 0;
	REQUIRE(state_load(file, &n, &x) == STATE_LOADED && n == 1 &&
	    nspf_got == 0, "restored %zu, %zu walks", n, nspf_got);
	pass(name);
out:
	;
}

/* Each variant: moved aside whole, named in the log, nothing restored. */
static void
t_corrupt(const struct corrupt *c)
{
	char		 name[128], buf[1024], aside[512], back[1024];
	const char	*log;
	size_t		 n = 99, x = 99, len;
	off_t		 mark;

	snprintf(name, sizeof(name), "corrupt_%s", c->name);
	clean_dir();
	fresh(100, 32, 64);
	if (c->len != 0)
		memcpy(buf, c->content, len = c->len);
	else
		len = snprintf(buf, sizeof(buf), c->content,
		    (long long)time(NULL) + 3600);
	REQUIRE(write_file(file, buf, len) == 0, "write");
	mark = log_mark();
	nspf_got = 0;
	REQUIRE(state_load(file, &n, &x) == STATE_CORRUPT, "not corrupt");
	REQUIRE(nspf_got == 0, "%zu SPF walks restored", nspf_got);
	REQUIRE(n == 0 && whitelist_count(wl) == 0, "restored %zu", n);
	REQUIRE(access(file, F_OK) == -1 && errno == ENOENT, "still there");
	REQUIRE(count_names("state.corrupt-", aside, sizeof(aside)) == 1,
	    "moved aside %d times", count_names("state.corrupt-", NULL, 0));
	REQUIRE(read_file(aside, back, sizeof(back)) == (ssize_t)len &&
	    memcmp(back, buf, len) == 0, "content changed");
	log = log_since(mark);
	REQUIRE(strstr(log, file) != NULL && strstr(log, aside) != NULL,
	    "log names neither file nor where it went: %s", log);
	REQUIRE(strstr(log, c->logged) != NULL, "log lacks \"%s\": %s",
	    c->logged, log);
	pass(name);
out:
	;
}

/* Corrupt twice within a second: the second goes next to the first. */
static void
t_corrupt_twice(void)
{
	const char	*name = "corrupt_never_overwrites_an_earlier_one";
	char		 buf[64];
	size_t		 n, x;
	int		 i;

	clean_dir();
	fresh(100, 32, 64);
	for (i = 0; i < 3; i++) {
		snprintf(buf, sizeof(buf), "garbage %d\n", i);
		REQUIRE(write_file(file, buf, strlen(buf)) == 0, "write");
		REQUIRE(state_load(file, &n, &x) == STATE_CORRUPT, "load");
	}
	REQUIRE(count_names("state.corrupt-", NULL, 0) == 3, "%d files",
	    count_names("state.corrupt-", NULL, 0));
	pass(name);
out:
	;
}

static void
t_not_regular(void)
{
	const char	*name = "corrupt_directory_moved_aside";
	size_t		 n, x;

	clean_dir();
	fresh(100, 32, 64);
	REQUIRE(mkdir(file, 0700) == 0, "mkdir");
	REQUIRE(state_load(file, &n, &x) == STATE_CORRUPT, "load");
	REQUIRE(count_names("state.corrupt-", NULL, 0) == 1, "not aside");
	pass(name);
out:
	;
}

/*
 * ENOSPC and friends, by a file size limit: the write fails part way, the
 * previous file is what it was, and no temporary file stays.
 */
static void
t_failed_write(void)
{
	const char	*name = "failed_write_keeps_previous_file";
	struct rlimit	 old, small;
	char		 before[4096], after[4096], a[64];
	size_t		 n;
	ssize_t		 len;
	off_t		 mark;
	int		 i, limited = 0;

	clean_dir();
	fresh(10000, 32, 64);
	put("192.0.2.1", 600, WL_FAKE_HIT, 1);
	put("192.0.2.2", 600, WL_RDNS, 0);
	REQUIRE(state_save(file, &n) == 0 && n == 2, "first save");
	REQUIRE((len = read_file(file, before, sizeof(before))) > 0, "read");
	for (i = 0; i < 1000; i++) {
		snprintf(a, sizeof(a), "10.0.%d.%d", i / 250, i % 250 + 1);
		put(a, 600, WL_FAKE_HIT, 0);
	}
	REQUIRE(getrlimit(RLIMIT_FSIZE, &old) == 0, "getrlimit");
	small = old;
	small.rlim_cur = 4096;
	signal(SIGXFSZ, SIG_IGN);	/* as state_start() does */
	/* The limit holds for the log file too: make room in it. */
	REQUIRE(ftruncate(STDERR_FILENO, 0) == 0, "ftruncate");
	REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0, "setrlimit");
	limited = 1;
	mark = log_mark();
	REQUIRE(state_save(file, &n) == -1, "save succeeded over the limit");
	setrlimit(RLIMIT_FSIZE, &old);
	limited = 0;
	REQUIRE(strstr(log_since(mark), "File too large") != NULL &&
	    strstr(log_since(mark), "previous one stays") != NULL,
	    "log: %s", log_since(mark));
	REQUIRE(read_file(file, after, sizeof(after)) == len &&
	    memcmp(before, after, len) == 0, "previous file changed");
	REQUIRE(count_names("state.tmp.", NULL, 0) == 0, "temporary left");
	/* And once there is room again, it is written. */
	mark = log_mark();
	REQUIRE(state_save(file, &n) == 0 && n == 1002, "save after");
	REQUIRE(strstr(log_since(mark), "saved again") != NULL, "log: %s",
	    log_since(mark));
	pass(name);
out:
	if (limited)
		setrlimit(RLIMIT_FSIZE, &old);
}

/* No directory to create the temporary in: nothing happens at all. */
static void
t_no_directory(void)
{
	const char	*name = "failed_create_changes_nothing";
	char		 p[256];
	size_t		 n;

	clean_dir();
	fresh(100, 32, 64);
	put("192.0.2.1", 600, WL_FAKE_HIT, 0);
	snprintf(p, sizeof(p), "%s/missing/state", dir);
	REQUIRE(state_save(p, &n) == -1, "saved into nothing");
	REQUIRE(count_names("", NULL, 0) == 3, "something created");
	pass(name);
out:
	;
}

static void
t_scale(void)
{
	const char	*name = "scale_1m";
	struct mxaddr	 a;
	struct timespec	 t0;
	struct stat	 st;
	double		 tsave, tload;
	size_t		 n, x;
	time_t		 life;
	uint32_t	 i;

	clean_dir();
	fresh(SCALE_N, 32, 64);
	memset(&a, 0, sizeof(a));
	a.af = AF_INET;
	/* Expiries spread over a day, a third confirmed: a busy site. */
	for (i = 0; i < SCALE_N; i++) {
		a.u.ip4.s_addr = htonl(0x0a000000 + i * 7);
		life = 600 + (time_t)i * 86400 / SCALE_N;
		whitelist_add(wl, &a, mono, life, WL_FAKE_HIT);
		if (i % 3 == 0)
			whitelist_admit(wl, &a, mono, life);
	}
	REQUIRE(whitelist_count(wl) == SCALE_N, "count %zu",
	    whitelist_count(wl));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	REQUIRE(state_save(file, &n) == 0 && n == SCALE_N, "save %zu", n);
	tsave = unit_elapsed(&t0);
	REQUIRE(stat(file, &st) == 0, "stat");
	fresh(SCALE_N, 32, 64);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	REQUIRE(state_load(file, &n, &x) == STATE_LOADED, "load");
	tload = unit_elapsed(&t0);
	REQUIRE(n == SCALE_N && whitelist_count(wl) == SCALE_N,
	    "restored %zu, %zu in the whitelist", n, whitelist_count(wl));
	/*
	 * Informational: a few seconds here, ten under valgrind, more on a
	 * loaded machine; only a quadratic blow-up (hours) would reach this.
	 */
	REQUIRE(tload < 120 && tsave < 120, "save %.3f s, load %.3f s",
	    tsave, tload);
	printf("ok %s: %d entries, %.1f MB: save %.3f s (with fsync), "
	    "load %.3f s (parse + restore)\n", name, SCALE_N,
	    st.st_size / 1e6, tsave, tload);
out:
	;
}

int
main(void)
{
	size_t	i;
	int	fd;

	alarm(300);		/* watchdog: a hang must not stall the suite */
	setvbuf(stdout, NULL, _IOLBF, 0);
	strlcpy(dir, "/tmp/state_test.XXXXXX", sizeof(dir));
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	snprintf(file, sizeof(file), "%s/state", dir);
	/* state.c logs to stderr: keep it in a file to check it. */
	snprintf(logfile, sizeof(logfile), "%s/log", dir);
	if ((fd = open(logfile, O_WRONLY | O_CREAT | O_APPEND, 0600)) == -1 ||
	    dup2(fd, STDERR_FILENO) == -1) {
		perror(logfile);
		return 2;
	}
	close(fd);
	log_init(LOG_DEST_STDERR, 0);
	log_setverbose(0);

	t_missing();
	t_roundtrip();
	t_resave();
	t_expired();
	t_foreign_order();
	t_spf_roundtrip();
	t_version1();
	for (i = 0; i < sizeof(corrupts) / sizeof(corrupts[0]); i++)
		t_corrupt(&corrupts[i]);
	t_corrupt_twice();
	t_not_regular();
	t_failed_write();
	t_no_directory();
	t_scale();

	clean_dir();
	unlink(logfile);
	rmdir(dir);
	whitelist_free(wl);
	return unit_exit_status();
}
