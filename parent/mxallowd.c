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
 * mxallowd: main() of the one binary.  Run as "-X role" it becomes a child;
 * otherwise it is the parent: read the configuration, check what the
 * children will need, daemonize, start them and run the event loop.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <event.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "child.h"
#include "allowlist.h"
#include "config.h"
#include "log.h"
#include "parent.h"
#include "proc.h"
#include "spf.h"
#include "state.h"

/*
 * The long name of every option that is also a configuration keyword is
 * that keyword, so one setter serves the file and the command line.  Those
 * without a short form have val 0: getopt_long() names them by index.
 */
static const struct option longopts[] = {
	{ "no-rdns-whitelist",	no_argument,		NULL, 'b' },
	{ "config",		required_argument,	NULL, 'c' },
	{ "debug",		no_argument,		NULL, 'd' },
	{ "foreground",		no_argument,		NULL, 'F' },
	{ "fake-mailserver",	required_argument,	NULL, 'f' },
	{ "pcap-filter",	required_argument,	NULL, 'l' },
	{ "configtest",		no_argument,		NULL, 'n' },
	{ "pflog-interface",	required_argument,	NULL, 'p' },
	{ "queue-num",		required_argument,	NULL, 'Q' },
	{ "quiet",		no_argument,		NULL, 'q' },
	{ "real-mailserver",	required_argument,	NULL, 'r' },
	{ "stdout",		no_argument,		NULL, 's' },
	{ "whitelist-time",	required_argument,	NULL, 't' },
	{ "verbose",		no_argument,		NULL, 'v' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "version",		no_argument,		NULL, 'V' },
	{ "user",		required_argument,	NULL, 0 },
	{ "chroot",		required_argument,	NULL, 0 },
	{ "control-socket",	required_argument,	NULL, 0 },
	{ "allowlist",		required_argument,	NULL, 0 },
	{ "state-file",		required_argument,	NULL, 0 },
	{ "allowlist-spf",	required_argument,	NULL, 0 },
	{ "allowlist-spf-refresh-min", required_argument, NULL, 0 },
	{ "allowlist-spf-refresh-max", required_argument, NULL, 0 },
	{ "backend",		required_argument,	NULL, 0 },
	{ "fake-action",	required_argument,	NULL, 0 },
	{ "queue-maxlen",	required_argument,	NULL, 0 },
	{ "whitelist-prefix4",	required_argument,	NULL, 0 },
	{ "whitelist-prefix6",	required_argument,	NULL, 0 },
	{ "max-entries",	required_argument,	NULL, 0 },
	{ "rdns-max-addresses",	required_argument,	NULL, 0 },
	{ "nameserver",		required_argument,	NULL, 0 },
	{ "pf-table",		required_argument,	NULL, 0 },
	{ "nft-table",		required_argument,	NULL, 0 },
	{ "nflog-group",	required_argument,	NULL, 0 },
	{ "nflog-rate",		required_argument,	NULL, 0 },
	{ "pending-time",	required_argument,	NULL, 0 },
	{ "replay",		required_argument,	NULL, 0 },
	{ "redis",		required_argument,	NULL, 0 },
	{ "redis-password-file", required_argument,	NULL, 0 },
	{ "redis-prefix",	required_argument,	NULL, 0 },
	{ "redis-name",		required_argument,	NULL, 0 },
	{ NULL,			0,			NULL, 0 }
};
static const char shortopts[] = "bc:dFf:hl:np:Q:qr:st:VvX:";

/* A command-line option that sets a configuration keyword. */
struct cli_setting {
	const char	*keyword;
	char		*arg;		/* a copy: the title overwrites argv */
};

/* What the configuration is read from, at startup and on each reload. */
static const char		*conffile;	/* -c, or NULL: the default */
static struct cli_setting	*cli;
static size_t			 ncli;
static struct mxallowd_conf	 conf;		/* the running one */
static struct allowlist		*allowlist;

/* -h: the usage on stdout, exit 0; a mistake: on stderr, exit 1. */
static __dead void
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: mxallowd [-bdFhnqsVv] [-c file] [-f fake-mailserver] "
	    "[-l pcap-filter]\n"
	    "\t[-p pflog-interface] [-Q queue-num] [-r real-mailserver]\n"
	    "\t[-t whitelist-time] [--allowlist file] [--allowlist-spf domain]\n"
	    "\t[--allowlist-spf-refresh-min seconds] "
	    "[--allowlist-spf-refresh-max seconds]\n"
	    "\t[--backend nftables|nfqueue|pf] [--chroot dir] "
	    "[--control-socket path]\n"
	    "\t[--fake-action reset|drop] [--max-entries n] "
	    "[--nameserver address]\n"
	    "\t[--nflog-group n] [--nflog-rate n] [--nft-table name] "
	    "[--pending-time seconds]\n"
	    "\t[--pf-table name] [--queue-maxlen n] [--rdns-max-addresses n]\n"
	    "\t[--redis url] [--redis-name name] [--redis-password-file path]\n"
	    "\t[--redis-prefix prefix] [--replay savefile] "
	    "[--state-file path|none]\n"
	    "\t[--user name] [--whitelist-prefix4 bits] "
	    "[--whitelist-prefix6 bits]\n");
	exit(status);
}

static const char *
keyword_of(int ch)
{
	const struct option	*o;

	for (o = longopts; o->name != NULL; o++)
		if (o->val == ch)
			return o->name;
	return NULL;
}

static void
parent_signal(int sig, short event, void *arg)
{
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		log_info("received signal %d, terminating", sig);
		children_shutdown(0);
	case SIGCHLD:
		children_reap();
		break;
	case SIGUSR1:
		children_log_status();
		policy_log_stats();
		break;
	case SIGHUP:
		log_info("SIGHUP: reloading the configuration");
		parent_reload();
		break;
	}
}

/*
 * The file, then the command line over it, then the checks and the
 * allowlist it names.  Returns the number of errors, each reported.
 */
static int
read_configuration(struct mxallowd_conf *c, struct allowlist **al)
{
	const char	*origin = conffile != NULL ? conffile : MXALLOWD_CONF;
	size_t		 i;
	int		 errors;

	conf_init(c);
	errors = conf_parse_file(c, origin, conffile != NULL);
	for (i = 0; i < ncli; i++)
		if (conf_set(c, CONF_ORIGIN_CMDLINE, cli[i].keyword,
		    cli[i].arg) == -1)
			errors++;
	/*
	 * Without -c a missing file is no error, the command line may say it
	 * all; when it does not, the missing file is the news.
	 */
	if (errors == 0 && conffile == NULL && (c->nfake == 0 ||
	    c->nreal == 0) && access(origin, F_OK) == -1 && errno == ENOENT)
		conf_report("%s: %s", origin, strerror(ENOENT));
	if (errors == 0)
		errors = conf_check(c, origin);
	*al = NULL;
	if (errors == 0 && c->allowlist[0] != '\0' &&
	    (*al = allowlist_load(c->allowlist)) == NULL)
		errors++;
	return errors;
}

/*
 * Settings that only take effect at startup (the queue, the processes'
 * user and root, the shape of the whitelist, pflog): a reload keeps the
 * running value and says so.
 */
#define KEEP(field, name) do {						\
	if (memcmp(&next->field, &run->field, sizeof(run->field)) != 0) {\
		log_warnx("%s changed: restart mxallowd to apply it", name);\
		memcpy(&next->field, &run->field, sizeof(run->field));	\
	}								\
} while (0)

static void
keep_fixed_settings(struct mxallowd_conf *next,
    const struct mxallowd_conf *run)
{
	int	fixed_opts = OPT_FOREGROUND | OPT_STDOUT | OPT_QUIET;

	KEEP(backend, "backend");
	KEEP(queue_num, "queue-num");
	KEEP(queue_maxlen, "queue-maxlen");
	KEEP(whitelist_prefix4, "whitelist-prefix4");
	KEEP(whitelist_prefix6, "whitelist-prefix6");
	KEEP(max_entries, "max-entries");
	KEEP(pflog_if, "pflog-interface");
	KEEP(pcap_filter, "pcap-filter");
	KEEP(pf_table, "pf-table");
	KEEP(nft_table, "nft-table");
	KEEP(nflog_group, "nflog-group");
	KEEP(user, "user");
	KEEP(chroot, "chroot");
	KEEP(control_sock, "control-socket");
	KEEP(state_file, "state-file");
	KEEP(redis_addr, "redis");
	KEEP(redis_port, "redis");
	KEEP(redis_db, "redis");
	KEEP(redis_user, "redis");
	KEEP(redis_password_file, "redis-password-file");
	KEEP(redis_prefix, "redis-prefix");
	KEEP(redis_name, "redis-name");
	if ((next->opts & fixed_opts) != (run->opts & fixed_opts)) {
		log_warnx("foreground, stdout or quiet changed: restart "
		    "mxallowd to apply it");
		next->opts = (next->opts & ~fixed_opts) |
		    (run->opts & fixed_opts);
	}
}

static void
log_config_error(const char *msg)
{
	log_warnx("%s", msg);
}

/*
 * SIGHUP and mxallowctl reload: read the configuration again and apply
 * what can change under a running daemon, keeping the whitelist.  With any
 * error the running configuration stays.  0, or -1 after logging why.
 */
int
parent_reload(void)
{
	static struct mxallowd_conf	 next;
	struct allowlist		*al;
	int				 errors;

	conf_report_to(log_config_error);
	errors = read_configuration(&next, &al);
	conf_report_to(NULL);
	if (errors > 0) {
		log_warnx("configuration not reloaded: %d error%s, the "
		    "running one stays", errors, errors == 1 ? "" : "s");
		return -1;
	}
	keep_fixed_settings(&next, &conf);
	conf = next;
	allowlist_free(allowlist);
	allowlist = al;
	policy_set_allowlist(allowlist);	/* the old one is freed */
	spf_configure(&conf);
	children_reconfigure(&conf);
	rdns_reconfigure(&conf);
	if (conf.backend == BACKEND_PF)
		pf_changed();
#ifdef __linux__
	if (conf.backend == BACKEND_NFTABLES)
		nftsync_reload(&conf);
#endif
	log_info("configuration reloaded");
	return 0;
}

int
main(int argc, char *argv[])
{
	struct child_logopts		 lo;
	struct stat			 st;
	struct event			 ev_sig[5];
	static const int		 sigs[] = { SIGTERM, SIGINT, SIGCHLD,
					    SIGUSR1, SIGHUP };
	const char			*role = NULL;
	const char			*self;
	char				*logflags[8];
	enum mxallowd_proc		 proc;
	size_t				 i;
	int				 ch, configtest = 0, nflags;
	int				 capture_fd = -1, longindex = 0;

	proctitle_init(argc, argv);
	memset(&lo, 0, sizeof(lo));
	if ((cli = calloc(argc, sizeof(*cli))) == NULL)
		err(1, "calloc");

	while ((ch = getopt_long(argc, argv, shortopts, longopts,
	    &longindex)) != -1) {
		switch (ch) {
		case 'c':
			/* A copy: the title will overwrite the argument strings. */
			if ((conffile = strdup(optarg)) == NULL)
				err(1, "strdup");
			break;
		case 'd':
			lo.debug = 1;
			break;
		case 'h':
			usage(0);
		case 'V':
			printf("mxallowd %s\n", MXALLOWD_VERSION);
			exit(0);
		case 'n':
			configtest = 1;
			break;
		case 'v':
			lo.verbose++;
			break;
		case 'X':
			role = optarg;
			break;
		case 's':
			lo.to_stdout = 1;
			goto keyword;
		case 'q':
			lo.quiet = 1;
			goto keyword;
		default:
		keyword:
			if (ch == '?' || (ch != 0 && keyword_of(ch) == NULL))
				usage(1);
			cli[ncli].keyword = ch == 0 ? longopts[longindex].name :
			    keyword_of(ch);
			if (optarg != NULL &&
			    (cli[ncli].arg = strdup(optarg)) == NULL)
				err(1, "strdup");
			ncli++;
			break;
		}
	}
	if (optind != argc)
		usage(1);

	if (role != NULL) {
		if (proc_lookup(role, &proc) == -1 || proc == PROC_PARENT)
			errx(1, "unknown process role %s", role);
		if (proc == PROC_CAPTURE)
			capture_main(&lo);
		if (proc == PROC_SYNC)
			sync_main(&lo);
		resolver_main(&lo);
	}

	if (read_configuration(&conf, &allowlist) > 0)
		exit(1);
	/*
	 * -n: would the daemon start?  The file and the system as start-up
	 * checks them, the firewall aside.  -nv: the configuration as read,
	 * written out in full, the file's syntax only.
	 */
	if (configtest) {
		if (lo.verbose) {
			conf_print(stdout, &conf);
#ifdef __linux__
			if (conf.backend == BACKEND_NFTABLES)
				nftsync_print(stdout, &conf, allowlist);
#endif
			exit(0);
		}
		if (preflight(&conf) > 0)
			exit(1);
		fprintf(stderr, "configuration OK\n");
		exit(0);
	}

	/* What the file may set for logging counts as much as -s and -q. */
	lo.to_stdout = (conf.opts & OPT_STDOUT) != 0;
	lo.quiet = (conf.opts & OPT_QUIET) != 0;

	/* A valid configuration may still name a firewall this OS lacks. */
#ifdef __OpenBSD__
	if (conf.backend != BACKEND_PF)
		errx(1, "backend %s is only available on Linux: use "
		    "backend pf", conf_choice_name("backend", conf.backend));
#else
	if (conf.backend == BACKEND_PF && conf.replay[0] == '\0')
		errx(1, "backend pf is only available on OpenBSD (elsewhere "
		    "only to --replay a savefile): use backend nftables or "
		    "nfqueue");
#endif
	if (geteuid() != 0)
		errx(1, "need root privileges: start mxallowd as root (the "
		    "processes that read the network drop them)");
	if (preflight(&conf) > 0)
		exit(1);
	root_directory(conf.chroot, 0755, "chroot", &st);
	state_init(&conf);
	peers_init(&conf);
	self = proc_self_path(argv[0]);
	/* Not for a dry run, which must not take a running daemon's socket. */
	if (conf.replay[0] == '\0')
		control_init(conf.control_sock);

	/*
	 * Until the daemon detaches, problems go to the terminal (or to the
	 * service manager's journal, which reads stderr), then to syslog.
	 */
	log_init(lo.to_stdout && !lo.debug ? LOG_DEST_STDOUT : LOG_DEST_STDERR,
	    LOG_DAEMON);
	log_procinit(proc_name(PROC_PARENT));
	log_setverbose(lo.verbose);
	log_setquiet(lo.quiet);

	/*
	 * Before daemonizing, so that a queue already in use, a missing pf
	 * table, a foreign nftables table or a kernel that refuses our
	 * rules is an error on the terminal and nothing runs.
	 */
	if (conf.backend == BACKEND_PF)
		capture_fd = pf_open(&conf);
#ifdef __linux__
	else if (conf.backend == BACKEND_NFTABLES)
		nftsync_open(&conf);
	else
		verdict_open(&conf);
	limit_parent_capabilities();
#endif

	if (!lo.debug && !(conf.opts & OPT_FOREGROUND)) {
		/* Keep stdout when it is where the log goes. */
		if (daemon(0, lo.to_stdout) == -1)
			fatal("daemon");
	}
	if (!lo.debug && !lo.to_stdout)
		log_init(LOG_DEST_SYSLOG, LOG_DAEMON);
	proctitle_set(proc_name(PROC_PARENT));
	log_info("starting, version %s", MXALLOWD_VERSION);

	nflags = 0;
	if (lo.debug)
		logflags[nflags++] = "-d";
	else if (lo.to_stdout)
		logflags[nflags++] = "-s";
	if (lo.quiet)
		logflags[nflags++] = "-q";
	logflags[nflags] = NULL;

	signal(SIGPIPE, SIG_IGN);
	event_init();
	/* SIGCHLD is watched before the first fork so no death is missed. */
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		signal_set(&ev_sig[i], sigs[i], parent_signal, NULL);
		signal_add(&ev_sig[i], NULL);
	}
	children_start(&conf, self, logflags, capture_fd);
	policy_start(&conf, conf.backend == BACKEND_PF ? pf_changed : NULL);
	spf_configure(&conf);	/* before the state file restores walks */
	policy_set_allowlist(allowlist);
	state_start(&conf);	/* so that the backends start with it */
	peers_start(&conf);	/* after: the restored entries go in its dump */
	rdns_start(&conf);
	spf_start();		/* the resolver has its nameservers */
	if (conf.backend == BACKEND_PF)
		pf_start();
#ifdef __linux__
	else if (conf.backend == BACKEND_NFTABLES)
		nftsync_start();
	else
		verdict_start();
#endif
	control_listen(&conf);
#ifdef __OpenBSD__
	/*
	 * From here on: the configuration to read again, the state file's
	 * directory, the pf table (/dev/pf is open), and signals to the
	 * children.
	 */
	if (unveil(conffile != NULL ? conffile : MXALLOWD_CONF, "r") == -1 ||
	    state_unveil() == -1 || unveil(conf.control_sock, "c") == -1 ||
	    unveil(NULL, NULL) == -1)
		fatal("unveil");
	/* unix: mxallowctl's clients; the socket goes at exit (cpath) */
	if (pledge("stdio rpath wpath cpath unix pf proc", NULL) == -1)
		fatal("pledge");
#endif
	event_dispatch();
	fatalx("event loop ended");
}
