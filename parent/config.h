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
 * The configuration: mxallowd.conf(5) and the command line share one
 * keyword table, so every file keyword is also a long option.
 */

#ifndef CONFIG_H
#define CONFIG_H

#include <stdio.h>

#include "mxallowd.h"

/* Origin that conf_set() treats as the command line. */
#define CONF_ORIGIN_CMDLINE	"command line"

/* Defaults. */
void	 conf_init(struct mxallowd_conf *);

/*
 * Apply one keyword; arg is NULL for flag keywords.  origin names where it
 * came from for messages ("FILE:LINE" or "command line").  Scalars are
 * overwritten, addresses appended.  Prints "ORIGIN: message" to stderr and
 * returns -1 on error.  "config" is accepted and ignored: main() reads it.
 */
int	 conf_set(struct mxallowd_conf *, const char *, const char *,
	    const char *);

/*
 * Parse a file; prints every error as "FILE:LINE: message" and keeps going,
 * returns the error count (0 ok).  A missing file is not an error when
 * must_exist is 0: the configuration is left alone.
 */
int	 conf_parse_file(struct mxallowd_conf *, const char *, int);

/*
 * Call fn for each line of fp (read from path), with "FILE:LINE" and the
 * line number; fn returns 0, -1 after reporting, or LINES_STOP to end the
 * reading.  Returns the number of errors, reported as FILE:LINE: message.
 */
#define LINES_STOP	(-2)
int	 conf_read_lines(FILE *, const char *,
	    int (*)(void *, const char *, unsigned int, char *), void *);

/*
 * Whole-configuration checks, after settling the backend when none was
 * given; prints "ORIGIN: message", returns errors.
 */
int	 conf_check(struct mxallowd_conf *, const char *);

/* The normalized configuration, in a form conf_parse_file() reads back. */
void	 conf_print(FILE *, const struct mxallowd_conf *);

/* The name of a backend or fake-action value, for conf_print(). */
const char *conf_choice_name(const char *, int);

/* Configuration errors: to stderr, or to sink (the log, on reload). */
void	 conf_report(const char *, ...)
	    __attribute__((format(printf, 1, 2)));
void	 conf_report_to(void (*)(const char *));

/* IPv4 or IPv6 text to a zero-filled struct mxaddr: 0 ok, -1 bad. */
int	 mxaddr_parse(const char *, struct mxaddr *);
const char *mxaddr_ntop(const struct mxaddr *, char *, size_t);

#endif /* CONFIG_H */
