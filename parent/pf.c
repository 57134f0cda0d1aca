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
 * The pf backend.  pf itself passes and blocks, by the table <mx-white>
 * (pf-table); its rules log to pflog, where capture reads them.  Here the
 * reports become whitelist changes, and the whitelist becomes the table:
 *	a blocked inbound SYN to a fake address	whitelists the source
 *	a passed inbound SYN to a real address	refreshes the source
 *	a blocked inbound SYN to a real address	is counted as blocked
 * Changes are coalesced: the whole table is set at most once a second, in
 * one DIOCRSETADDRS (what pledge "pf" allows), which also drops expired
 * entries and, at startup, whatever a previous run left in the table.
 *
 * With --replay the records come from a savefile and nothing touches pf:
 * a dry run that reports what mxallowd would have done, then exits.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <event.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "imsgev.h"
#include "log.h"
#include "parent.h"
#include "pftable.h"

#define PF_PUSH_DELAY	1	/* seconds: changes are coalesced this long */
#define PF_CHECK_EVERY	60	/* seconds between checks of the table */

static const struct mxallowd_conf	*conf;
static int				 dry_run;
static int				 push_scheduled;
static int				 started;
static struct event			 push_ev, check_ev;
static struct timeval			 push_delay = { PF_PUSH_DELAY, 0 };
static struct timeval			 check_every = { PF_CHECK_EVERY, 0 };

/* The table, built from the whitelist for one push. */
struct table_build {
	struct pftable_entry	*entries;
	size_t			 n, cap;
};

static void
add_entry(const struct wl_view *v, void *arg)
{
	struct table_build	*b = arg;
	struct pftable_entry	*e;

	if ((e = array_room(b->entries, b->n, &b->cap,
	    sizeof(*e), 1024)) == NULL)
		fatal(NULL);
	b->entries = e;
	b->entries[b->n].net = v->net;
	b->entries[b->n].prefixlen = v->prefixlen;
	b->n++;
}

static void
add_allowed(const struct mxaddr *net, unsigned int prefixlen, void *arg)
{
	struct wl_view	v;

	memset(&v, 0, sizeof(v));
	v.net = *net;
	v.prefixlen = prefixlen;
	add_entry(&v, arg);
}

/*
 * Make the table equal to the whitelist and the allowlist: pf itself
 * admits both.  On failure, try again later.
 */
static void
pf_push(int fd, short event, void *arg)
{
	struct table_build	b;

	push_scheduled = 0;
	memset(&b, 0, sizeof(b));
	policy_foreach(add_entry, &b);
	policy_foreach_allowed(add_allowed, &b);
	if (pftable_set(b.entries, b.n) == -1) {
		stats.pf_errors++;
		pf_changed();
	} else
		stats.pf_pushes++;
	free(b.entries);
}

/*
 * Someone else may empty or change the table: pfctl -f reloads pf.conf,
 * pfctl -T flush.  When its size no longer matches the whitelist, set it
 * again.
 */
static void
pf_check(int fd, short event, void *arg)
{
	int	size;
	size_t	count;

	count = policy_count() + policy_count_allowed();
	if ((size = pftable_size()) != -1 && (size_t)size != count) {
		log_info("pf table <%s> holds %d entries, the whitelist %zu: "
		    "setting it again", conf->pf_table, size, count);
		pf_changed();
	}
	evtimer_add(&check_ev, &check_every);
}

/* The whitelist changed: push it soon, once for all changes till then. */
void
pf_changed(void)
{
	if (dry_run || push_scheduled)
		return;
	push_scheduled = 1;
	evtimer_add(&push_ev, &push_delay);
}

/*
 * For regress/unit/pftable_test.c: other intervals than a second and a
 * minute.  A running check is rearmed with the new interval; a push
 * already scheduled keeps its time.
 */
void
pf_set_intervals(const struct timeval *push, const struct timeval *check)
{
	push_delay = *push;
	check_every = *check;
	if (started)
		evtimer_add(&check_ev, &check_every);
}

/*
 * Before the children start: open the table (a missing one stops the
 * daemon here), or for a replay, the savefile, whose descriptor goes to
 * capture.  Returns that descriptor or -1.
 */
int
pf_open(const struct mxallowd_conf *c)
{
	int	fd;

	conf = c;
	evtimer_set(&push_ev, pf_push, NULL);
	if (conf->replay[0] != '\0') {
		dry_run = 1;
		if ((fd = open(conf->replay, O_RDONLY | O_CLOEXEC)) == -1)
			fatal("replay %s", conf->replay);
		log_info("replaying %s, a dry run: the pf table is not "
		    "touched", conf->replay);
		return fd;
	}
	if (pftable_open(conf->pf_table) == -1)
		fatalx("cannot use pf table <%s>", conf->pf_table);
	return -1;
}

/* Once the whitelist exists: reconcile the table with it, then watch it. */
void
pf_start(void)
{
	if (dry_run)
		return;
	pf_push(0, 0, NULL);
	evtimer_set(&check_ev, pf_check, NULL);
	evtimer_add(&check_ev, &check_every);
	started = 1;
}

/*
 * One record.  pf logs a packet with the action of the rule that logged
 * it: PF_PASS or PF_DROP for a pass or block rule, which decided the
 * packet's fate, PF_MATCH for a match rule, which did not (a later rule
 * may still pass or block it).  A SYN to a fake address counts as a hit
 * unless pf passed it; at a real address only a decision counts.
 */
static void
pf_event(const struct pf_event *e)
{
	if (e->class == PKT_MALFORMED) {
		stats.malformed++;
		return;
	}
	if (e->class == PKT_CUT) {
		stats.cut++;
		return;
	}
	if (e->dir != PFLOG_DIR_IN || e->class == PKT_OTHER) {
		stats.other++;
		return;
	}
	if (e->class == PKT_FAKE && e->action != PFLOG_PASS)
		policy_fake_hit(&e->info);
	else if (e->class == PKT_REAL && e->action == PFLOG_PASS) {
		/* pf passed it, by the table or by a rule of its own. */
		policy_refresh(&e->info.src);
		stats.admitted++;
	} else if (e->class == PKT_REAL && e->action == PFLOG_BLOCK)
		policy_blocked(&e->info);
	else
		stats.other++;	/* a passed SYN to a fake: pf.conf's business;
				   a match rule's at a real address */
}

/* IMSG_PF_EVENTS from capture. */
void
pf_events(struct imsg *imsg)
{
	struct pf_event	events[PKT_BATCH_MAX];
	size_t		n, i;

	if (conf == NULL)
		fatalx("%s, but the pf backend is not in use",
		    i2s(imsg_get_type(imsg)));
	n = payload_batch(imsg, events, sizeof(events[0]), nitems(events));
	for (i = 0; i < n; i++) {
		if (events[i].class < PKT_FAKE ||
		    events[i].class > PKT_CLASS_LAST)
			fatalx("%s: bad class %u", i2s(imsg_get_type(imsg)),
			    events[i].class);
		pf_event(&events[i]);
	}
}

/* IMSG_CAPTURE_EOF: a replay is over; report and stop. */
void
pf_eof(struct imsg *imsg)
{
	struct capture_eof	eof;

	if (conf == NULL || !dry_run)
		fatalx("%s: the end of a savefile not replayed",
		    i2s(imsg_get_type(imsg)));
	payload_get(imsg, &eof, sizeof(eof));
	if (eof.cut) {
		/* What was replayed is reported, but the replay failed. */
		log_warnx("replay of %s failed: the savefile is cut short "
		    "after %llu records", conf->replay,
		    (unsigned long long)eof.records);
		children_shutdown(1);
	}
	log_info("replay of %s done: %llu records", conf->replay,
	    (unsigned long long)eof.records);
	children_shutdown(0);
}
