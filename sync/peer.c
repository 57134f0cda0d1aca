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
 * The peers' changes, on their way to the parent.  Whatever anyone with
 * access to Redis wrote is taken as untrusted: each message, line, key
 * and value is parsed by wire.c and checked against this host's limits
 * (family, exactly its prefix lengths, an expiry no later than its
 * whitelist-time from now); what fails is counted and logged, a few lines
 * a minute at most, and never ends anything.  What passes goes to the
 * parent in batches, which checks it again: this process reads the
 * network, so the parent trusts it no more than the network.
 *
 * When the parent has not taken what it was sent, reading stops until it
 * has (sync_wait_parent): the peers cannot make us queue without bound.
 */

#include <sys/types.h>

#include <string.h>
#include <time.h>

#include "child.h"
#include "log.h"
#include "sync.h"

#define BAD_LOG_BURST	10	/* bad entries logged per window */
#define BAD_LOG_WINDOW	60	/* seconds */
#define ERROR_LOG_EVERY	10	/* seconds between error lines */
#define SHOWN_MAX	80	/* characters of bad input shown */

static struct sync_entry	batch[SYNC_BATCH_MAX];
static size_t			nbatch;

int
peer_parent_busy(void)
{
	return child_queuelen() > SYNC_PARENT_QUEUE_MAX;
}

/* Pass on what is batched; then stop reading if the parent lags. */
void
peer_send(void)
{
	if (nbatch > 0)
		child_compose(IMSG_SYNC_PEER, batch, nbatch * sizeof(batch[0]));
	nbatch = 0;
	if (peer_parent_busy())
		sync_wait_parent();
}

/* Bad input as text fit for a log line: printable, and not too long. */
static void
shown(const char *src, size_t len, char *buf, size_t size)
{
	size_t	i, n = 0;

	for (i = 0; i < len && n + 4 < size && i < SHOWN_MAX; i++)
		buf[n++] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
	if (i < len && n + 4 < size) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
}

/* Count bad input; log it, BAD_LOG_BURST lines per window at most. */
void
peer_bad(const char *src, size_t len, const char *why)
{
	static time_t		window;
	static unsigned int	logged, skipped;
	char			text[SHOWN_MAX + 8];
	time_t			now = sync_mono();

	sync_st.bad++;
	sync_changed();
	if (now - window >= BAD_LOG_WINDOW) {
		if (skipped > 0)
			log_warnx("redis: %u more refused entries not shown",
			    skipped);
		window = now;
		logged = skipped = 0;
	}
	if (logged >= BAD_LOG_BURST) {
		skipped++;
		return;
	}
	logged++;
	shown(src, len, text, sizeof(text));
	log_warnx("redis: refused \"%s\": %s", text, why);
}

/* An error answer: counted, and logged now and then. */
void
peer_error(const char *what, const char *msg, size_t len)
{
	static time_t	last;
	time_t		now = sync_mono();

	sync_st.errors++;
	sync_changed();
	if (last != 0 && now - last < ERROR_LOG_EVERY)
		return;
	last = now;
	log_warnx("redis: %s: %.*s", what, len > 200 ? 200 : (int)len, msg);
}

/*
 * One entry from Redis, src its text (for the log): checked, then
 * batched for the parent.  1 if passed on; an expired one is dropped
 * quietly (Redis may hand it out in the second before its TTL ends).
 */
int
peer_entry(struct sync_entry *e, const char *src, size_t len)
{
	const char	*why;

	if (wire_check_entry(e, &sync_limits, &why) == -1) {
		peer_bad(src, len, why);
		return 0;
	}
	switch (wire_check_expiry(e, &sync_limits, time(NULL), &why)) {
	case -1:
		peer_bad(src, len, why);
		return 0;
	case 1:
		return 0;
	}
	batch[nbatch++] = *e;
	sync_st.received++;
	sync_changed();
	if (nbatch == SYNC_BATCH_MAX)
		peer_send();
	return 1;
}

/* One line of a message from another host. */
static void
peer_line(const char *line, size_t len, const char *from)
{
	struct sync_entry	 e;
	const char		*why;

	switch (wire_parse_line(line, len, &e, &why)) {
	case -1:
		peer_bad(line, len, why);
		break;
	case WIRE_FLUSH:
		peer_send();
		child_compose(IMSG_SYNC_PEER_FLUSH, NULL, 0);
		log_info("redis: %s flushed the whitelist", from);
		break;
	case SYNC_DEL:
		strlcpy(e.origin, from, sizeof(e.origin));
		peer_entry(&e, line, len);
		break;
	default:
		peer_entry(&e, line, len);
		break;
	}
}

/* A message on the channel: a header, then at most a batch of lines. */
void
peer_message(const char *msg, size_t len)
{
	struct wire_header	 h;
	const char		*why, *line;
	size_t			 off, linelen, n = 0;

	if (len > WIRE_MESSAGE_MAX) {
		peer_bad(msg, len, "message too long");
		return;
	}
	if (wire_parse_header(msg, len, &h, &off, &why) == -1) {
		peer_bad(msg, len, why);
		return;
	}
	if (strcmp(h.from, sync_conf.name) == 0) {
		/* Ours: the heartbeat is the one with nothing after it. */
		if (off >= len)
			sync_heartbeat_seen(h.sent_ms);
		return;
	}
	sync_st.lag_ms = sync_wall_ms() - h.sent_ms;
	sync_changed();
	while (wire_next_line(msg, len, &off, &line, &linelen)) {
		if (++n > SYNC_BATCH_MAX) {
			peer_bad(line, linelen, "more lines than a message "
			    "holds");
			break;
		}
		peer_line(line, linelen, h.from);
	}
	peer_send();
}
