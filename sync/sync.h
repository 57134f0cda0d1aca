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
 * The sync process's parts: the connection (sync.c), this host's changes
 * going out (publish.c), the peers' coming in (peer.c), and the two walks
 * over the stored entries, loading and purging (scan.c).
 */

#ifndef SYNC_H
#define SYNC_H

#include <stdint.h>
#include <time.h>

#include "mxallowd.h"
#include "wire.h"

#define SYNC_REPLY_MAX		(1024 * 1024)	/* bytes of a reply held */
#define SYNC_QUEUE_MAX		8192	/* own changes waiting for Redis */
#define SYNC_INFLIGHT_MAX	16	/* batches written, not answered */
#define SYNC_PARENT_QUEUE_MAX	256	/* messages to the parent, then wait */

/* The connection, shared by the parts. */
struct redisAsyncContext;
extern struct redisAsyncContext	*sync_cmd;	/* commands */
extern struct redisAsyncContext	*sync_sub;	/* the subscription */
extern struct sync_conf		 sync_conf;
extern struct wire_limits	 sync_limits;
extern struct sync_status	 sync_st;
extern char			 sync_channel[WIRE_CHANNEL_MAX];
extern char			 sync_sha[48];	/* the loaded script's */
extern const char		 sync_script[];

/* sync.c */
void	sync_down(const char *, ...) __attribute__((format(printf, 1, 2)));
void	sync_loaded(void);
void	sync_changed(void);
int64_t	sync_wall_ms(void);
time_t	sync_mono(void);
void	sync_heartbeat_seen(int64_t);
void	sync_wait_parent(void);
void	sync_purged(void);

/* publish.c */
struct imsg;
void	publish_push(struct imsg *);
void	publish_flush(void);
int	publish_flush_pending(void);
void	publish_flush_done(void);
void	publish_dump(void);
void	publish_dump_end(struct imsg *);
void	publish_start(void);
void	publish_stop(void);

/* peer.c */
void	peer_message(const char *, size_t);
int	peer_entry(struct sync_entry *, const char *, size_t);
void	peer_send(void);
void	peer_bad(const char *, size_t, const char *);
int	peer_parent_busy(void);
void	peer_error(const char *, const char *, size_t);

/* scan.c */
void	scan_load(void);
void	scan_purge(void);
void	scan_stop(void);
int	scan_purging(void);
void	scan_resume(void);

#endif /* SYNC_H */
