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
 * The whitelist's state file.  The parent writes it a few seconds after
 * the whitelist changes (at most every STATE_INTERVAL seconds) and at a
 * clean stop, and reads it once at startup, so that a restart or a crash
 * does not send every whitelisted sender back through the fake MX.
 *
 * The format is text, one entry per line, expiry in wall-clock time since
 * the monotonic clock starts again at every boot:
 *
 *	# mxallowd whitelist 2
 *	203.0.113.5/32 1767225600 fake-hit 1
 *	2001:db8:1::/64 1767229200 rdns 0
 *	spf example.org 1767220000 3600 2
 *	spf-net 192.0.2.0/24 ip4 example.org
 *	spf-net 2001:db8:5::/48 ip6 _spf.example.org
 *	# end 2
 *
 * ADDRESS/PREFIXLEN EXPIRY REASON CONFIRMED, single spaces, where EXPIRY is
 * time(3) seconds, REASON fake-hit, rdns or manual, CONFIRMED 1 once the
 * source was admitted at a real MX.  The end line counts the entries, so a
 * file cut at a line boundary is noticed as well as one cut mid-line.
 *
 * Version 2 adds the last good SPF walk of each allowlist-spf domain, so
 * that a restart while the DNS is down still admits its networks: "spf
 * DOMAIN WALKED TTL COUNT" (WALKED in time(3) seconds, TTL what the walk
 * saw), then COUNT lines "spf-net NETWORK/PREFIXLEN MECHANISM RECORD",
 * RECORD the name whose SPF record listed the network.  Version 1 files
 * (without them) are still read; this daemon writes version 2.
 *
 * A write goes to a temporary file in the same directory, is synced and
 * renamed over the old file: the file is always a complete old state or a
 * complete new one, and a failed write (ENOSPC, EIO, EFBIG) leaves the old
 * one alone.  A file that does not read back whole is renamed aside, never
 * overwritten, and the daemon starts with an empty whitelist: restoring
 * half of a file would be a state nobody ever had.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <event.h>
#include <fcntl.h>
#include <limits.h>
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
#include "spfcheck.h"
#include "state.h"

#define TMP_SUFFIX	".tmp."		/* then mkstemp's six characters */
#define END_LINE	"# end "
/* An expiry beyond any real one (year 36812) that fits every time_t. */
#define STATE_MAX_EXPIRY	(1ULL << 40)

static const char *const reason_names[WL_NREASONS] = {
	[WL_FAKE_HIT] =	"fake-hit",
	[WL_RDNS] =	"rdns",
	[WL_MANUAL] =	"manual",
};

/* The file's name of a reason; the nftables backend's element comments too. */
const char *
state_reason_name(unsigned int reason)
{
	return reason < WL_NREASONS ? reason_names[reason] :
	    reason_names[WL_FAKE_HIT];
}

/* The running daemon's file; "" while there is none to write. */
static char		path[PATH_MAX];
static char		dir[PATH_MAX];
static struct event	save_ev;
static int		dirty, scheduled, failing;

/* One entry read from the file, before any of them is restored. */
struct loaded {
	struct mxaddr	addr;
	time_t		remaining;	/* seconds from now */
	uint8_t		reason;
	uint8_t		confirmed;
};

/* One domain's SPF walk read from the file, restored once all is read. */
struct loaded_spf {
	char			 domain[RDNS_NAME_MAX];
	time_t			 walked;
	uint32_t		 ttl;
	size_t			 want;		/* COUNT of its header */
	size_t			 nnets;
	struct spf_saved_net	 nets[SPF_MAX_NETWORKS];
	char			 records[SPF_MAX_RECORDS][RDNS_NAME_MAX];
	size_t			 nrecords;
};

struct spf_loading {
	struct loaded_spf	*v;
	size_t			 n;
};

struct saving {
	FILE		*fp;
	time_t		 wall, mono;	/* the same instant on both clocks */
	size_t		 n;
	int		 error;		/* errno of the first failed write */
};

static const char	*state_file(const struct mxallowd_conf *);
static void		 remove_leftovers(const char *);
static void		 state_timer(int, short, void *);
static void		 save_entry(const struct wl_view *, void *);
static void		 save_failed(const char *, const char *, const char *);
static int		 parse_entry(char *, size_t, time_t, struct loaded *,
			    char *, size_t);
static int		 parse_magic(const char *, int *, char *, size_t);
static int		 get_number(const char *, unsigned long long,
			    unsigned long long *);
static int		 parse_spf(char *, size_t, struct spf_loading *,
			    char *, size_t);
static int		 loaded_cmp(const void *, const void *);
static int		 move_aside(const char *, char *, size_t);
static ssize_t		 read_whole(int, off_t, char **);

/* The file in use: none when disabled, and none for a replay (a dry run). */
static const char *
state_file(const struct mxallowd_conf *conf)
{
	if (conf->state_file[0] == '\0' || conf->replay[0] != '\0')
		return NULL;
	return conf->state_file;
}

/*
 * Before daemonizing, so that a problem shows on the terminal: the
 * directory is created root-owned 0700 when missing, and refused when
 * another user could write to it (and so replace the whitelist).
 */
void
state_init(const struct mxallowd_conf *conf)
{
	struct stat	 st;
	char		 d[PATH_MAX];
	const char	*file;

	/* preflight() has checked it is not the chroot, which stays empty. */
	if ((file = state_file(conf)) == NULL)
		return;
	path_dir(file, d, sizeof(d));
	root_directory(d, 0700, "state-file directory", &st);
}

/*
 * Load the file, then keep it up to date.  Restoring runs before the
 * timer can fire and before path is set, so what was just read is not
 * written straight back.
 */
void
state_start(const struct mxallowd_conf *conf)
{
	const char	*file;
	size_t		 restored, expired;

	if ((file = state_file(conf)) == NULL) {
		if (conf->state_file[0] != '\0')
			log_info("replay: the state file %s is neither read "
			    "nor written", conf->state_file);
		return;
	}
	/* A file size limit must fail a write, not kill the daemon. */
	signal(SIGXFSZ, SIG_IGN);
	evtimer_set(&save_ev, state_timer, NULL);
	remove_leftovers(file);
	if (state_load(file, &restored, &expired) == STATE_STUCK) {
		log_warnx("state file %s left as it is: the whitelist is not "
		    "saved until mxallowd restarts", file);
		return;
	}
	strlcpy(path, file, sizeof(path));
	path_dir(path, dir, sizeof(dir));
}

/* Temporary files of a write that a crash interrupted. */
static void
remove_leftovers(const char *file)
{
	DIR		*dp;
	struct dirent	*de;
	char		 d[PATH_MAX], prefix[NAME_MAX + 1];
	const char	*base;
	size_t		 len;

	path_dir(file, d, sizeof(d));
	base = strrchr(file, '/') != NULL ? strrchr(file, '/') + 1 : file;
	if ((size_t)snprintf(prefix, sizeof(prefix), "%s%s", base,
	    TMP_SUFFIX) >= sizeof(prefix))
		return;
	len = strlen(prefix);
	if ((dp = opendir(d)) == NULL)
		return;
	while ((de = readdir(dp)) != NULL) {
		/* Only mkstemp's names: the prefix and six characters. */
		if (strncmp(de->d_name, prefix, len) != 0 ||
		    strlen(de->d_name) != len + 6)
			continue;
		if (unlinkat(dirfd(dp), de->d_name, 0) == 0)
			log_info("removed %s/%s, left by an interrupted write",
			    d, de->d_name);
	}
	closedir(dp);
}

#ifdef __OpenBSD__
int
state_unveil(void)
{
	if (path[0] == '\0')
		return 0;
	return unveil(dir, "rwc");
}
#else
int
state_unveil(void)
{
	return 0;
}
#endif

/* Coalesce: the first change arms the timer, later ones ride along. */
void
state_changed(void)
{
	struct timeval	interval = { STATE_INTERVAL, 0 };

	if (path[0] == '\0')
		return;
	dirty = 1;
	if (!scheduled) {
		scheduled = 1;
		evtimer_add(&save_ev, &interval);
	}
}

static void
state_timer(int fd, short event, void *arg)
{
	size_t	n;

	scheduled = 0;
	if (!dirty)
		return;
	dirty = 0;
	if (state_save(path, &n) == 0)
		log_debug("state file %s: saved %zu entries", path, n);
	else
		state_changed();	/* try again in a while */
}

/* A clean stop writes whether dirty or not: the file must be right now. */
void
state_shutdown(void)
{
	size_t	n;

	if (path[0] == '\0')
		return;
	if (state_save(path, &n) == 0)
		log_info("state file %s: saved %zu entries at exit", path, n);
}

/* The decimal digits of u at p; returns the end. */
static char *
put_number(char *p, unsigned long long u)
{
	char	digits[20];
	size_t	n = 0;

	do {
		digits[n++] = '0' + u % 10;
		u /= 10;
	} while (u != 0);
	while (n > 0)
		*p++ = digits[--n];
	return p;
}

/*
 * One line.  By hand rather than with fprintf and inet_ntop (which prints
 * IPv4 with sprintf): this is most of the cost of writing a big whitelist.
 */
static void
save_entry(const struct wl_view *v, void *arg)
{
	struct saving	*s = arg;
	char		 line[INET6_ADDRSTRLEN + 64], *p = line;
	const char	*reason;
	time_t		 expiry;
	size_t		 i;

	if (s->error != 0 || v->expires <= s->mono)
		return;
	if (v->net.af == AF_INET) {
		for (i = 0; i < 4; i++) {
			if (i > 0)
				*p++ = '.';
			p = put_number(p, v->net.u.bytes[i]);
		}
	} else {
		if (inet_ntop(v->net.af, &v->net.u, line,
		    INET6_ADDRSTRLEN) == NULL) {
			s->error = errno;
			return;
		}
		p = line + strlen(line);
	}
	*p++ = '/';
	p = put_number(p, v->prefixlen);
	*p++ = ' ';
	expiry = s->wall + (v->expires - s->mono);
	p = put_number(p, expiry > 0 ? (unsigned long long)expiry : 0);
	*p++ = ' ';
	reason = state_reason_name(v->reason);
	p = stpcpy(p, reason);
	*p++ = ' ';
	*p++ = v->confirmed ? '1' : '0';
	*p++ = '\n';
	if (fwrite(line, 1, p - line, s->fp) != (size_t)(p - line)) {
		s->error = errno != 0 ? errno : EIO;
		return;
	}
	s->n++;
}

/* One domain's last good SPF walk: its header, then its networks. */
static void
save_spf(const struct spf_saved *sv, void *arg)
{
	struct saving	*s = arg;
	char		 addr[INET6_ADDRSTRLEN];
	size_t		 i;

	if (s->error != 0)
		return;
	if (fprintf(s->fp, "spf %s %lld %u %zu\n", sv->domain,
	    (long long)(sv->walked > 0 ? sv->walked : 0), sv->ttl,
	    sv->nnets) < 0)
		s->error = errno != 0 ? errno : EIO;
	for (i = 0; i < sv->nnets && s->error == 0; i++) {
		if (inet_ntop(sv->nets[i].net.af, &sv->nets[i].net.u, addr,
		    sizeof(addr)) == NULL ||
		    sv->nets[i].record >= sv->nrecords ||
		    fprintf(s->fp, "spf-net %s/%u %s %s\n", addr,
		    sv->nets[i].prefixlen, spf_mech_name(sv->nets[i].mech),
		    sv->records[sv->nets[i].record]) < 0)
			s->error = errno != 0 ? errno : EIO;
	}
}

/*
 * Say so once; while it keeps failing (a full disk), only in verbose mode,
 * not every STATE_INTERVAL seconds.
 */
static void
save_failed(const char *file, const char *what, const char *name)
{
	if (!failing)
		log_warn("state file %s not saved, the previous one stays: "
		    "%s %s", file, what, name);
	else
		log_debug("state file %s still not saved: %s %s: %s", file,
		    what, name, strerror(errno));
	failing = 1;
}

/*
 * Write every live entry to a temporary file, sync it, rename it over
 * file and sync the directory.  0, or -1 after logging, the old file
 * untouched.  n: the entries written.
 */
int
state_save(const char *file, size_t *n)
{
	struct saving	 s;
	char		 tmp[PATH_MAX], d[PATH_MAX];
	const char	*what = "write";
	int		 fd = -1, saved;

	*n = 0;
	memset(&s, 0, sizeof(s));
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s%sXXXXXX", file,
	    TMP_SUFFIX) >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		save_failed(file, "create", file);
		return -1;
	}
	/* mkstemp: mode 0600 and a name nobody else chose. */
	if ((fd = mkstemp(tmp)) == -1) {
		save_failed(file, "create", tmp);
		return -1;
	}
	if ((s.fp = fdopen(fd, "w")) == NULL)
		goto fail;
	fd = -1;
	s.wall = time(NULL);
	s.mono = policy_now();
	if (fprintf(s.fp, "%s %d\n", STATE_MAGIC, STATE_VERSION) < 0)
		s.error = errno != 0 ? errno : EIO;
	policy_foreach(save_entry, &s);
	spf_foreach_saved(save_spf, &s);
	if (s.error == 0 && fprintf(s.fp, END_LINE "%zu\n", s.n) < 0)
		s.error = errno != 0 ? errno : EIO;
	if (s.error == 0 && fflush(s.fp) == EOF)
		s.error = errno;
	if (s.error == 0 && fsync(fileno(s.fp)) == -1) {
		s.error = errno;
		what = "sync";
	}
	if (fclose(s.fp) == EOF && s.error == 0)
		s.error = errno;
	s.fp = NULL;
	if (s.error != 0) {
		errno = s.error;
		goto fail;
	}
	if (rename(tmp, file) == -1) {
		what = "rename";
		goto fail;
	}
	/* The new name is on disk only once its directory is. */
	path_dir(file, d, sizeof(d));
	if ((fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fsync(fd) == -1) {
		saved = errno;
		if (fd != -1)
			close(fd);
		errno = saved;
		log_warn("state file %s renamed, but syncing %s", file, d);
		return -1;
	}
	close(fd);
	if (failing)
		log_info("state file %s saved again", file);
	failing = 0;
	*n = s.n;
	return 0;

 fail:
	saved = errno;
	if (s.fp != NULL)
		fclose(s.fp);
	if (fd != -1)
		close(fd);
	unlink(tmp);
	errno = saved;
	save_failed(file, what, tmp);
	return -1;
}

/* The first line: ours, and a version this daemon reads, into *version. */
static int
parse_magic(const char *line, int *version_out, char *why, size_t whylen)
{
	const char	*errstr;
	size_t		 len;
	long long	 version;

	len = strlen(STATE_MAGIC);
	if (strncmp(line, STATE_MAGIC, len) != 0 || line[len] != ' ') {
		snprintf(why, whylen, "not a mxallowd state file (the first "
		    "line is not \"%s %d\")", STATE_MAGIC, STATE_VERSION);
		return -1;
	}
	version = strtonum(line + len + 1, 1, INT_MAX, &errstr);
	if (errstr != NULL) {
		snprintf(why, whylen, "version \"%s\" is %s", line + len + 1,
		    errstr);
		return -1;
	}
	if (version > STATE_VERSION) {
		snprintf(why, whylen, "version %lld, this mxallowd reads "
		    "versions 1 to %d", version, STATE_VERSION);
		return -1;
	}
	*version_out = (int)version;
	return 0;
}

/*
 * Cut line into at most max fields at single spaces: their number, or -1
 * for an empty field (a double or final blank) or too many.
 */
static int
split_fields(char *line, char **f, int max)
{
	char	*p;
	int	 n = 1;

	f[0] = line;
	for (p = line; *p != '\0'; p++) {
		if (*p != ' ')
			continue;
		if (n == max || p == f[n - 1])
			return -1;
		*p = '\0';
		f[n++] = p + 1;
	}
	return *f[n - 1] == '\0' ? -1 : n;
}

/* The SPF section in progress is complete: 0, or -1 and why. */
static int
spf_section_done(const struct spf_loading *sl, char *why, size_t whylen)
{
	const struct loaded_spf	*l;

	if (sl->n == 0)
		return 0;
	l = &sl->v[sl->n - 1];
	if (l->nnets == l->want)
		return 0;
	snprintf(why, whylen, "spf %.80s: %zu networks, its header says %zu",
	    l->domain, l->nnets, l->want);
	return -1;
}

/* "spf DOMAIN WALKED TTL COUNT": a new section. */
static int
parse_spf_header(char **f, struct spf_loading *sl, char *why, size_t whylen)
{
	struct loaded_spf	*l, *v;
	unsigned long long	 walked, ttl, count;

	if (spf_section_done(sl, why, whylen) == -1)
		return -1;
	if (!dns_name_valid(f[1]) || strlen(f[1]) >= sizeof(l->domain) ||
	    get_number(f[2], STATE_MAX_EXPIRY, &walked) == -1 ||
	    get_number(f[3], INT32_MAX, &ttl) == -1 ||
	    get_number(f[4], SPF_MAX_NETWORKS, &count) == -1) {
		snprintf(why, whylen, "not \"spf DOMAIN WALKED TTL COUNT\"");
		return -1;
	}
	if (sl->n == MAX_SPF_DOMAINS) {
		snprintf(why, whylen, "more than %d spf sections",
		    MAX_SPF_DOMAINS);
		return -1;
	}
	if ((v = reallocarray(sl->v, sl->n + 1, sizeof(*v))) == NULL)
		fatal(NULL);
	sl->v = v;
	l = &sl->v[sl->n++];
	memset(l, 0, sizeof(*l));
	strlcpy(l->domain, f[1], sizeof(l->domain));
	l->walked = walked;
	l->ttl = ttl;
	l->want = count;
	return 0;
}

/* "spf-net NETWORK/PREFIXLEN MECHANISM RECORD", in the current section. */
static int
parse_spf_net(char **f, struct spf_loading *sl, char *why, size_t whylen)
{
	struct loaded_spf	*l;
	struct spf_saved_net	*n;
	struct mxaddr		 masked;
	unsigned long long	 plen;
	char			*slash;
	size_t			 r;
	int			 mech;

	l = sl->n > 0 ? &sl->v[sl->n - 1] : NULL;
	if (l == NULL || l->nnets == l->want) {
		snprintf(why, whylen, "spf-net outside an spf section, or past "
		    "its count");
		return -1;
	}
	n = &l->nets[l->nnets];
	memset(n, 0, sizeof(*n));
	if ((slash = strchr(f[1], '/')) != NULL)
		*slash++ = '\0';
	if (slash == NULL || mxaddr_parse(f[1], &n->net) == -1 ||
	    get_number(slash, n->net.af == AF_INET ? 32 : 128, &plen) == -1 ||
	    (mech = spf_mech_parse(f[2])) == -1 || !dns_name_valid(f[3]) ||
	    strlen(f[3]) >= sizeof(l->records[0])) {
		snprintf(why, whylen, "not \"spf-net NETWORK/PREFIXLEN "
		    "MECHANISM RECORD\"");
		return -1;
	}
	masked = n->net;
	spf_mask(&masked, plen);
	if (memcmp(&masked, &n->net, sizeof(masked)) != 0) {
		snprintf(why, whylen, "spf-net %.60s/%llu: bits past the prefix",
		    f[1], plen);
		return -1;
	}
	for (r = 0; r < l->nrecords; r++)
		if (strcmp(l->records[r], f[3]) == 0)
			break;
	if (r == l->nrecords) {
		if (r == SPF_MAX_RECORDS) {
			snprintf(why, whylen, "spf %.80s: more than %d records",
			    l->domain, SPF_MAX_RECORDS);
			return -1;
		}
		strlcpy(l->records[l->nrecords++], f[3], sizeof(l->records[0]));
	}
	n->prefixlen = plen;
	n->mech = mech;
	n->record = r;
	l->nnets++;
	return 0;
}

/*
 * A line of an SPF section (len bytes, cut into fields in place): 0, or
 * -1 and why.
 */
static int
parse_spf(char *line, size_t len, struct spf_loading *sl, char *why,
    size_t whylen)
{
	char	*f[5];
	int	 n;

	if (memchr(line, '\0', len) != NULL) {
		snprintf(why, whylen, "NUL character");
		return -1;
	}
	n = split_fields(line, f, 5);
	if (n == 5 && strcmp(f[0], "spf") == 0)
		return parse_spf_header(f, sl, why, whylen);
	if (n == 4 && strcmp(f[0], "spf-net") == 0)
		return parse_spf_net(f, sl, why, whylen);
	snprintf(why, whylen, "not an \"spf\" or \"spf-net\" line");
	return -1;
}

/* The SPF walks read, for the domains still configured. */
static void
restore_spf(const struct spf_loading *sl)
{
	const struct loaded_spf	*l;
	struct spf_saved	 sv;
	size_t			 i, n = 0;

	for (i = 0; i < sl->n; i++) {
		l = &sl->v[i];
		memset(&sv, 0, sizeof(sv));
		sv.domain = l->domain;
		sv.walked = l->walked;
		sv.ttl = l->ttl;
		sv.nnets = l->nnets;
		sv.nets = l->nets;
		sv.nrecords = l->nrecords;
		sv.records = (const char (*)[RDNS_NAME_MAX])l->records;
		if (spf_restore(&sv) == 0)
			n++;
	}
	if (sl->n > 0)
		log_info("state file: restored the last SPF walk of %zu "
		    "allowlist-spf domains", n);
}

/*
 * Decimal digits only (no sign, no blank), at most max: 0, or -1.  max is
 * small enough (STATE_MAX_EXPIRY at most) that u * 10 + 9 cannot overflow.
 */
static int
get_number(const char *s, unsigned long long max, unsigned long long *out)
{
	unsigned long long	u = 0;
	unsigned int		d;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		d = (unsigned char)*s - '0';
		if (d > 9 || (u = u * 10 + d) > max)
			return -1;
	}
	*out = u;
	return 0;
}

/*
 * ADDRESS/PREFIXLEN EXPIRY REASON CONFIRMED, len bytes at line (cut into
 * fields in place); 0, or -1 and why.  One pass over the bytes: this and
 * inet_pton are most of the cost of reading a big file.
 */
static int
parse_entry(char *line, size_t len, time_t wall, struct loaded *e,
    char *why, size_t whylen)
{
	char			*field[4], *p, *slash;
	unsigned long long	 plen, expiry;
	long long		 remaining;
	size_t			 i, nf = 0;

	field[0] = line;
	for (p = line; p < line + len; p++) {
		if (*p == '\0') {
			snprintf(why, whylen, "NUL character");
			return -1;
		}
		if (*p != ' ')
			continue;
		if (nf == 3 || p == field[nf])
			break;
		*p = '\0';
		field[++nf] = p + 1;
	}
	if (p < line + len || nf != 3 || *field[3] == '\0') {
		snprintf(why, whylen, "not \"ADDRESS/PREFIXLEN EXPIRY REASON "
		    "CONFIRMED\"");
		return -1;
	}
	memset(e, 0, sizeof(*e));
	if ((slash = strchr(field[0], '/')) == NULL) {
		snprintf(why, whylen, "no prefix length in \"%s\"", field[0]);
		return -1;
	}
	*slash++ = '\0';
	if (mxaddr_parse(field[0], &e->addr) == -1) {
		snprintf(why, whylen, "\"%s\" is not an IPv4 or IPv6 address",
		    field[0]);
		return -1;
	}
	/* Informational: entries take the prefix the configuration sets. */
	if (get_number(slash, e->addr.af == AF_INET ? 32 : 128, &plen) == -1) {
		snprintf(why, whylen, "prefix length \"%s\" is not 0..%d",
		    slash, e->addr.af == AF_INET ? 32 : 128);
		return -1;
	}
	if (get_number(field[1], STATE_MAX_EXPIRY, &expiry) == -1) {
		snprintf(why, whylen, "expiry \"%s\" is not a time in seconds",
		    field[1]);
		return -1;
	}
	for (i = 0; i < WL_NREASONS; i++)
		if (strcmp(field[2], reason_names[i]) == 0)
			break;
	if (i == WL_NREASONS) {
		snprintf(why, whylen, "unknown reason \"%s\"", field[2]);
		return -1;
	}
	e->reason = i;
	if (strcmp(field[3], "0") != 0 && strcmp(field[3], "1") != 0) {
		snprintf(why, whylen, "confirmed \"%s\" is not 0 or 1",
		    field[3]);
		return -1;
	}
	e->confirmed = field[3][0] == '1';
	/*
	 * A clock set back (or a foreign file) must not make an entry
	 * outlive the longest whitelist-time.
	 */
	remaining = (long long)expiry - (long long)wall;
	e->remaining = remaining > MAX_WHITELIST_TIME ? MAX_WHITELIST_TIME :
	    remaining < 0 ? 0 : remaining;
	return 0;
}

/* Confirmed first, then pending; each soonest expiry first. */
static int
loaded_cmp(const void *a, const void *b)
{
	const struct loaded	*x = a, *y = b;

	if (x->confirmed != y->confirmed)
		return x->confirmed ? -1 : 1;
	if (x->remaining != y->remaining)
		return x->remaining < y->remaining ? -1 : 1;
	return 0;
}

/*
 * Rename file to file.corrupt-YYYYmmddHHMMSS (local time), with .1, .2 ...
 * after it when that exists: an earlier one is never replaced.
 */
static int
move_aside(const char *file, char *aside, size_t len)
{
	struct stat	st;
	struct tm	tm;
	time_t		now;
	char		stamp[32];
	int		i;

	now = time(NULL);
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm) == 0)
		strlcpy(stamp, "unknown", sizeof(stamp));
	for (i = 0; i < 1000; i++) {
		if (i == 0)
			snprintf(aside, len, "%s.corrupt-%s", file, stamp);
		else
			snprintf(aside, len, "%s.corrupt-%s.%d", file, stamp,
			    i);
		/* The directory is root's alone: no race to fear here. */
		if (lstat(aside, &st) == 0)
			continue;
		if (errno != ENOENT)
			return -1;
		return rename(file, aside);
	}
	errno = EEXIST;
	return -1;
}

/* All of fd, NUL-terminated, in *buf (one read past hint sees EOF). */
static ssize_t
read_whole(int fd, off_t hint, char **buf)
{
	char	*b = NULL, *nb;
	size_t	 len = 0, size = hint > 0 ? (size_t)hint + 2 : 4096;
	ssize_t	 r;

	for (;;) {
		if (b == NULL || len + 1 == size) {
			if (b != NULL)
				size *= 2;
			if ((nb = realloc(b, size)) == NULL)
				fatal(NULL);
			b = nb;
		}
		if ((r = read(fd, b + len, size - 1 - len)) == -1) {
			if (errno == EINTR)
				continue;
			free(b);
			return -1;
		}
		if (r == 0)
			break;
		len += r;
	}
	b[len] = '\0';
	*buf = b;
	return len;
}

/*
 * Read file whole, then restore every entry that has not expired.  A
 * missing file is a first start.  n: entries restored, expired: dropped.
 */
int
state_load(const char *file, size_t *n, size_t *expired)
{
	struct loaded	*v = NULL, *e;
	struct spf_loading sl = { NULL, 0 };
	struct stat	 st;
	char		*buf = NULL, *line, *end, *nl;
	char		 why[256], detail[200], aside[PATH_MAX + 64];
	const char	*errstr;
	size_t		 nv = 0, cap = 0, i, count, len;
	ssize_t		 size = 0;
	time_t		 wall, last[2];
	unsigned long	 lineno = 0;
	int		 fd, ended = 0, sorted = 1, seen[2] = { 0, 0 }, pass;
	int		 version = 0;

	*n = *expired = 0;
	why[0] = '\0';
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT) {
			log_info("state file %s does not exist yet: starting "
			    "with an empty whitelist", file);
			return STATE_LOADED;
		}
		log_warn("state file %s", file);
		return STATE_STUCK;
	}
	if (fstat(fd, &st) == -1) {
		log_warn("state file %s", file);
		close(fd);
		return STATE_STUCK;
	}
	if (!S_ISREG(st.st_mode))
		snprintf(why, sizeof(why), "not a regular file");
	else if ((size = read_whole(fd, st.st_size, &buf)) == -1)
		snprintf(why, sizeof(why), "read error: %s", strerror(errno));
	else if (size == 0)
		snprintf(why, sizeof(why), "empty");
	close(fd);

	wall = time(NULL);
	if ((end = buf) != NULL)
		end += size;
	for (line = buf; why[0] == '\0' && line < end; line = nl + 1) {
		lineno++;
		if ((nl = memchr(line, '\n', end - line)) == NULL) {
			snprintf(why, sizeof(why), "line %lu: truncated (no "
			    "newline at its end)", lineno);
			break;
		}
		*nl = '\0';
		len = nl - line;
		if (ended) {
			snprintf(why, sizeof(why), "line %lu: text after the "
			    "end line", lineno);
			break;
		}
		if (lineno == 1 || strncmp(line, END_LINE,
		    strlen(END_LINE)) == 0) {
			if (memchr(line, '\0', len) != NULL) {
				snprintf(why, sizeof(why), "line %lu: NUL "
				    "character", lineno);
				break;
			}
		}
		if (lineno == 1) {
			if (parse_magic(line, &version, why, sizeof(why)) ==
			    -1)
				break;
			continue;
		}
		if (version >= 2 && (strncmp(line, "spf ", 4) == 0 ||
		    strncmp(line, "spf-net ", 8) == 0)) {
			if (parse_spf(line, len, &sl, detail,
			    sizeof(detail)) == -1) {
				snprintf(why, sizeof(why), "line %lu: %s",
				    lineno, detail);
				break;
			}
			continue;
		}
		if (strncmp(line, END_LINE, strlen(END_LINE)) == 0) {
			if (spf_section_done(&sl, detail, sizeof(detail)) ==
			    -1) {
				snprintf(why, sizeof(why), "line %lu: %s",
				    lineno, detail);
				break;
			}
			count = strtonum(line + strlen(END_LINE), 0,
			    LLONG_MAX, &errstr);
			if (errstr != NULL || count != nv) {
				snprintf(why, sizeof(why), "line %lu: \"%s\", "
				    "but %zu entries", lineno, line, nv);
				break;
			}
			ended = 1;
			continue;
		}
		if (nv == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((e = reallocarray(v, cap, sizeof(*v))) == NULL)
				fatal(NULL);
			v = e;
		}
		if (parse_entry(line, len, wall, &v[nv], detail,
		    sizeof(detail)) == -1) {
			snprintf(why, sizeof(why), "line %lu: %s", lineno,
			    detail);
			break;
		}
		/* Ours are in order already; a sort is for foreign files. */
		e = &v[nv++];
		if (seen[e->confirmed] && e->remaining < last[e->confirmed])
			sorted = 0;
		seen[e->confirmed] = 1;
		last[e->confirmed] = e->remaining;
	}
	if (why[0] == '\0' && !ended)
		snprintf(why, sizeof(why), "truncated after line %lu (no end "
		    "line)", lineno);
	free(buf);

	if (why[0] != '\0') {
		free(v);
		free(sl.v);
		/* why may quote the file: nothing unprintable into the log. */
		for (i = 0; why[i] != '\0'; i++)
			if (!isprint((unsigned char)why[i]))
				why[i] = '?';
		if (move_aside(file, aside, sizeof(aside)) == -1) {
			log_warn("state file %s is corrupt (%s), and moving it "
			    "aside failed", file, why);
			return STATE_STUCK;
		}
		log_warnx("state file %s is corrupt (%s): moved aside to %s, "
		    "starting with an empty whitelist", file, why, aside);
		return STATE_CORRUPT;
	}

	/*
	 * Confirmed entries first, each list soonest first: every insertion
	 * then lands at the tail of the whitelist's expiry-ordered lists.
	 */
	if (!sorted)
		qsort(v, nv, sizeof(*v), loaded_cmp);
	for (pass = 1; pass >= 0; pass--) {
		for (i = 0; i < nv; i++) {
			if (v[i].confirmed != pass)
				continue;
			if (v[i].remaining <= 0) {
				(*expired)++;
				continue;
			}
			policy_restore(&v[i].addr, v[i].remaining,
			    v[i].reason, v[i].confirmed);
			(*n)++;
		}
	}
	free(v);
	log_info("state file %s: restored %zu entries, %zu had expired", file,
	    *n, *expired);
	restore_spf(&sl);
	free(sl.v);
	return STATE_LOADED;
}
