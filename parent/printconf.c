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
 * mxallowd -nv: the configuration in effect, every setting spelled out in
 * a fixed order, in a form that conf_parse_file() reads back unchanged.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "mxallowd.h"
#include "config.h"

#ifndef nitems
#define nitems(_a)	(sizeof((_a)) / sizeof((_a)[0]))
#endif

/* Flag keywords in the order they are printed. */
static const struct {
	int		 opt;
	const char	*name;
} flags[] = {
	{ OPT_NO_RDNS,		"no-rdns-whitelist" },
	{ OPT_FOREGROUND,	"foreground" },
	{ OPT_STDOUT,		"stdout" },
	{ OPT_QUIET,		"quiet" },
};

void
conf_print(FILE *fp, const struct mxallowd_conf *conf)
{
	char		buf[INET6_ADDRSTRLEN];
	unsigned int	i;

	fprintf(fp, "# mxallowd configuration, normalized\n");
	fprintf(fp, "backend %s\n", conf_choice_name("backend",
	    conf->backend));
	if (conf->queue_num != -1)
		fprintf(fp, "queue-num %d\n", conf->queue_num);
	fprintf(fp, "queue-maxlen %d\n", conf->queue_maxlen);
	fprintf(fp, "fake-action %s\n", conf_choice_name("fake-action",
	    conf->fake_action));
	fprintf(fp, "whitelist-time %d\n", conf->whitelist_time);
	fprintf(fp, "whitelist-prefix4 %d\n", conf->whitelist_prefix4);
	fprintf(fp, "whitelist-prefix6 %d\n", conf->whitelist_prefix6);
	fprintf(fp, "max-entries %d\n", conf->max_entries);
	fprintf(fp, "rdns-max-addresses %d\n", conf->rdns_max_addresses);
	for (i = 0; i < conf->nnameservers; i++)
		fprintf(fp, "nameserver %s\n",
		    mxaddr_ntop(&conf->nameserver[i], buf, sizeof(buf)));
	fprintf(fp, "pflog-interface %s\n", conf->pflog_if);
	fprintf(fp, "pf-table %s\n", conf->pf_table);
	fprintf(fp, "nft-table %s\n", conf->nft_table);
	fprintf(fp, "nflog-group %d\n", conf->nflog_group);
	fprintf(fp, "nflog-rate %d\n", conf->nflog_rate);
	fprintf(fp, "pending-time %d\n", conf->pending_time);
	/* Quoted: the filter has blanks and may hold a '#'.  None: unset. */
	if (conf->pcap_filter[0] != '\0')
		fprintf(fp, "pcap-filter \"%s\"\n", conf->pcap_filter);
	fprintf(fp, "user %s\n", conf->user);
	fprintf(fp, "chroot %s\n", conf->chroot);
	fprintf(fp, "control-socket %s\n", conf->control_sock);
	if (conf->allowlist[0] != '\0')
		fprintf(fp, "allowlist %s\n", conf->allowlist);
	fprintf(fp, "state-file %s\n", conf->state_file[0] != '\0' ?
	    conf->state_file : "none");
	/* Only with domains or other values: older expected outputs hold. */
	if (conf->nspf > 0 ||
	    conf->spf_refresh_min != DEFAULT_SPF_REFRESH_MIN ||
	    conf->spf_refresh_max != DEFAULT_SPF_REFRESH_MAX) {
		fprintf(fp, "allowlist-spf-refresh-min %d\n",
		    conf->spf_refresh_min);
		fprintf(fp, "allowlist-spf-refresh-max %d\n",
		    conf->spf_refresh_max);
	}
	for (i = 0; i < conf->nspf; i++)
		fprintf(fp, "allowlist-spf %s\n", conf->spf[i]);
	if (conf->redis_addr.af != 0)
		fprintf(fp, conf->redis_addr.af == AF_INET6 ?
		    "redis redis://%s%s[%s]:%d/%d\n" :
		    "redis redis://%s%s%s:%d/%d\n", conf->redis_user,
		    conf->redis_user[0] != '\0' ? "@" : "",
		    mxaddr_ntop(&conf->redis_addr, buf, sizeof(buf)),
		    conf->redis_port, conf->redis_db);
	if (conf->redis_password_file[0] != '\0')
		fprintf(fp, "redis-password-file %s\n",
		    conf->redis_password_file);
	if (conf->redis_addr.af != 0 ||
	    strcmp(conf->redis_prefix, DEFAULT_REDIS_PREFIX) != 0)
		fprintf(fp, "redis-prefix %s\n", conf->redis_prefix);
	if (conf->redis_name[0] != '\0')
		fprintf(fp, "redis-name %s\n", conf->redis_name);
	for (i = 0; i < nitems(flags); i++)
		if (conf->opts & flags[i].opt)
			fprintf(fp, "%s\n", flags[i].name);
	for (i = 0; i < conf->nfake; i++)
		fprintf(fp, "fake-mailserver %s\n",
		    mxaddr_ntop(&conf->fake[i], buf, sizeof(buf)));
	for (i = 0; i < conf->nreal; i++)
		fprintf(fp, "real-mailserver %s\n",
		    mxaddr_ntop(&conf->real[i], buf, sizeof(buf)));
}
