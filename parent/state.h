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
 * The whitelist's state file, so that a restart does not send every
 * whitelisted sender back through the fake MX.  See state.c for the format.
 */

#ifndef STATE_H
#define STATE_H

#include <stddef.h>

#include "mxallowd.h"

#define STATE_INTERVAL	5	/* seconds: at most one write this often */
#define STATE_MAGIC	"# mxallowd whitelist"
#define STATE_VERSION	2	/* 1: no SPF walks; still read */

/* What state_load() did with the file. */
#define STATE_LOADED	0	/* restored, or there was no file */
#define STATE_CORRUPT	(-1)	/* moved aside; the whitelist stays empty */
#define STATE_STUCK	(-2)	/* unreadable or not movable: left alone */

/* main(): before daemonizing, the directory (created if missing). */
void	state_init(const struct mxallowd_conf *);
/* main(): after policy_start(), before the backends push the whitelist. */
void	state_start(const struct mxallowd_conf *);
/* OpenBSD: the one directory the parent writes to; 0 or -1. */
int	state_unveil(void);
/* The whitelist changed: write it within STATE_INTERVAL seconds. */
void	state_changed(void);
/* A clean stop: write it now. */
void	state_shutdown(void);

/* "fake-hit", "rdns" or "manual". */
const char *state_reason_name(unsigned int);

/* The parts, for the tests: 0 or -1; STATE_LOADED or an error above. */
int	state_save(const char *, size_t *);
int	state_load(const char *, size_t *, size_t *);

#endif /* STATE_H */
