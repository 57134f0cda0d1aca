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

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <event.h>
#include <getopt.h>
#include <pwd.h>
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
	{ "user",		required_argument,	NULL, 0 },
	{ "chroot",		required_argument,	NULL, 0 },
	{ "control-socket",	required_argument,	NULL, 0 },
	{ "allowlist",		required_argument,	NULL, 0 },
	{ "state-file",		required_argument,	NULL, 0 },
	{ "backend",		required_argument,	NULL, 0 },
	{ "fake-action",	required_argument,	NULL, 0 },
	{ "queue-maxlen",	required_argument,	NULL, 0 },
	{ "whitelist-prefix4",	required_argument,	NULL, 0 },
	{ "whitelist-prefix6",	required_argument,	NULL, 0 },
	{ "max-entries",	required_argument,	NULL, 0 },
	{ "rdns-max-addresses",	required_argument,	NULL, 0 },
	{ "nameserver",		required_argument,	NULL, 0 },
	{ "pf-table",		required_argument,	NULL, 0 },
	{ "replay",		required_argument,	NULL, 0 },
	{ NULL,			0,			NULL, 0 }
};
static const char shortopts[] = "bc:dFf:l:np:Q:qr:st:vX:";

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

static __dead void
usage(void)
{
	fprintf(stderr, "usage: mxallowd [-bdFnqsv] [-c file] "
	    "[-f fake-mailserver] [-l pcap-filter]\n"
	    "\t[-p pflog-interface] [-Q queue-num] [-r real-mailserver] "
	    "[-t whitelist-time]\n"
	    "\t[--backend nfqueue|pf] [--chroot dir] [--fake-action reset|drop]\n"
	    "\t[--control-socket path]\n"
	    "\t[--max-entries n] [--nameserver address] [--queue-maxlen n]\n"
	    "\t[--pf-table name] [--rdns-max-addresses n] [--replay savefile]\n"
	    "\t[--state-file path|none] [--user name]\n"
	    "\t[--whitelist-prefix4 bits] [--whitelist-prefix6 bits]\n");
	exit(1);
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

/* The user must exist before anything starts; say how to make one. */
static void
check_user(const char *user)
{
	if (getpwnam(user) != NULL)
		return;
#ifdef __OpenBSD__
	fprintf(stderr, "mxallowd: user %s does not exist; create it with: "
	    "useradd -d /var/empty -s /sbin/nologin %s\n", user, user);
#else
	fprintf(stderr, "mxallowd: user %s does not exist; create it with: "
	    "useradd -r -d /nonexistent -s /usr/sbin/nologin %s\n", user, user);
#endif
	exit(1);
}

/*
 * capture's root: created root-owned when missing; refused when another user
 * could write to it or when it holds anything.
 */
static void
check_chroot(const char *dir)
{
	struct stat	 st;
	DIR		*d;
	struct dirent	*de;

	root_directory(dir, 0755, "chroot", &st);
	if ((d = opendir(dir)) == NULL)
		err(1, "chroot %s", dir);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			errx(1, "chroot %s is not empty (%s)", dir, de->d_name);
	}
	closedir(d);
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
	KEEP(user, "user");
	KEEP(chroot, "chroot");
	KEEP(control_sock, "control-socket");
	KEEP(state_file, "state-file");
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
	policy_set_allowlist(allowlist);
	children_reconfigure(&conf);
	rdns_reconfigure(&conf);
	if (conf.backend == BACKEND_PF)
		pf_changed();
	log_info("configuration reloaded");
	return 0;
}

int
main(int argc, char *argv[])
{
	struct child_logopts		 lo;
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
				usage();
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
		usage();

	if (role != NULL) {
		if (proc_lookup(role, &proc) == -1 || proc == PROC_PARENT)
			errx(1, "unknown process role %s", role);
		if (proc == PROC_CAPTURE)
			capture_main(&lo);
		resolver_main(&lo);
	}

	if (read_configuration(&conf, &allowlist) > 0)
		exit(1);
	if (configtest) {
		if (lo.verbose)
			conf_print(stdout, &conf);
		else
			fprintf(stderr, "configuration OK\n");
		exit(0);
	}

	/* What the file may set for logging counts as much as -s and -q. */
	lo.to_stdout = (conf.opts & OPT_STDOUT) != 0;
	lo.quiet = (conf.opts & OPT_QUIET) != 0;

	/* A valid configuration may still name a firewall this OS lacks. */
#ifdef __OpenBSD__
	if (conf.backend != BACKEND_PF)
		errx(1, "backend nfqueue is only available on Linux");
#else
	if (conf.backend == BACKEND_PF && conf.replay[0] == '\0')
		errx(1, "backend pf is only available on OpenBSD (elsewhere "
		    "only to --replay a savefile)");
#endif
	if (geteuid() != 0)
		errx(1, "need root privileges");
	check_user(conf.user);
	check_chroot(conf.chroot);
	state_init(&conf);
	self = proc_self_path(argv[0]);
	/* Not for a dry run, which must not take a running daemon's socket. */
	if (conf.replay[0] == '\0')
		control_init(conf.control_sock);

	log_init(lo.debug ? LOG_DEST_STDERR : lo.to_stdout ? LOG_DEST_STDOUT :
	    LOG_DEST_SYSLOG, LOG_DAEMON);
	log_procinit(proc_name(PROC_PARENT));
	log_setverbose(lo.verbose);
	log_setquiet(lo.quiet);

	/*
	 * Before daemonizing, so that a queue already in use or a missing pf
	 * table is an error on the terminal and nothing runs.
	 */
	if (conf.backend == BACKEND_PF)
		capture_fd = pf_open(&conf);
#ifdef __linux__
	else
		verdict_open(&conf);
	limit_parent_capabilities();
#endif

	if (!lo.debug && !(conf.opts & OPT_FOREGROUND)) {
		/* Keep stdout when it is where the log goes. */
		if (daemon(0, lo.to_stdout) == -1)
			fatal("daemon");
	}
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
	policy_set_allowlist(allowlist);
	state_start(&conf);	/* so that the backends start with it */
	rdns_start(&conf);
	if (conf.backend == BACKEND_PF)
		pf_start();
#ifdef __linux__
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
