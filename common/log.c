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
 * Logging in the manner of OpenBSD daemons: syslog by default, a standard
 * stream when debugging; the process name prefixes every line so the three
 * processes can be told apart.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static enum log_dest	 log_dest = LOG_DEST_STDERR;
static int		 log_verbose;
static int		 log_quiet;
static const char	*log_procname = "mxallowd";

static void	vlog_errno(int, int, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));

void
log_init(enum log_dest dest, int facility)
{
	log_dest = dest;
	tzset();
	/* LOG_NDELAY: connect now, before a chroot hides /dev/log. */
	if (dest == LOG_DEST_SYSLOG)
		openlog("mxallowd", LOG_PID | LOG_NDELAY, facility);
}

void
log_setverbose(int v)
{
	log_verbose = v;
}

int
log_getverbose(void)
{
	return log_verbose;
}

void
log_setquiet(int q)
{
	log_quiet = q;
}

void
log_procinit(const char *name)
{
	if (name != NULL)
		log_procname = name;
}

/* Emit one finished line, prefixed with the process name. */
static void
emit(int pri, const char *msg)
{
	FILE	*out;

	if (log_dest == LOG_DEST_SYSLOG) {
		syslog(pri, "%s: %s", log_procname, msg);
		return;
	}
	out = log_dest == LOG_DEST_STDOUT ? stdout : stderr;
	fprintf(out, "%s: %s\n", log_procname, msg);
	fflush(out);
}

/* Log fmt followed by the message for errnum (or just fmt when errnum is 0). */
static void
vlog_errno(int pri, int errnum, const char *fmt, va_list ap)
{
	char	msg[1024], line[1200];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (errnum != 0) {
		snprintf(line, sizeof(line), "%s: %s", msg, strerror(errnum));
		emit(pri, line);
	} else
		emit(pri, msg);
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	int	saved_errno = errno;

	va_start(ap, fmt);
	vlog_errno(LOG_ERR, saved_errno, fmt, ap);
	va_end(ap);
	errno = saved_errno;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog_errno(LOG_ERR, 0, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	if (log_quiet)
		return;
	va_start(ap, fmt);
	vlog_errno(LOG_INFO, 0, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (log_verbose < 1 || log_quiet)
		return;
	va_start(ap, fmt);
	vlog_errno(LOG_DEBUG, 0, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	saved_errno = errno;

	va_start(ap, fmt);
	vlog_errno(LOG_CRIT, saved_errno, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog_errno(LOG_CRIT, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
