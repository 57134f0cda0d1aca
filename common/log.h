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

#ifndef LOG_H
#define LOG_H

#include <stdarg.h>

#include "compat.h"

/* Where log lines go: syslog (the default), or a standard stream. */
enum log_dest {
	LOG_DEST_SYSLOG,
	LOG_DEST_STDERR,
	LOG_DEST_STDOUT
};

void	log_init(enum log_dest, int facility);
void	log_setverbose(int);		/* 0 normal, 1+ adds log_debug */
int	log_getverbose(void);
void	log_setquiet(int);		/* 1: errors and warnings only */
void	log_procinit(const char *);	/* name of this process in lines */
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
/*
 * Log and exit 1.  The line reads "fatal in PROCESS: ..."; fmt may be NULL
 * (fatal: errno's text alone), as on the out-of-memory paths.
 */
__dead void	fatal(const char *, ...) __attribute__((format(printf, 1, 2)));
__dead void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif /* LOG_H */
