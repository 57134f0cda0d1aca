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

static char	*format_line(char *, size_t, int, const char *, va_list)
		    __attribute__((format(printf, 4, 0)));
static void	vlog_errno(int, int, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));
static __dead void vfatal(int, const char *, va_list)
		    __attribute__((format(printf, 2, 0)));

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

/*
 * Emit one finished line.  Ordinary lines are prefixed with the process
 * name; a fatal line already names it ("fatal in capture: ...").
 */
static void
emit(int pri, int named, const char *msg)
{
	FILE	*out;

	if (log_dest == LOG_DEST_SYSLOG) {
		if (named)
			syslog(pri, "%s", msg);
		else
			syslog(pri, "%s: %s", log_procname, msg);
		return;
	}
	out = log_dest == LOG_DEST_STDOUT ? stdout : stderr;
	if (named)
		fprintf(out, "%s\n", msg);
	else
		fprintf(out, "%s: %s\n", log_procname, msg);
	fflush(out);
}

/*
 * Format fmt, then ": " and the text of errnum when it is not 0.  fmt may
 * be NULL: the errno text alone (or nothing).  Returns buf.
 */
static char *
format_line(char *buf, size_t size, int errnum, const char *fmt, va_list ap)
{
	size_t	len = 0;
	int	n;

	buf[0] = '\0';
	if (fmt != NULL && (n = vsnprintf(buf, size, fmt, ap)) > 0)
		len = (size_t)n < size ? (size_t)n : size - 1;
	if (errnum != 0)
		snprintf(buf + len, size - len, "%s%s", len > 0 ? ": " : "",
		    strerror(errnum));
	return buf;
}

static void
vlog_errno(int pri, int errnum, const char *fmt, va_list ap)
{
	char	msg[1200];

	emit(pri, 0, format_line(msg, sizeof(msg), errnum, fmt, ap));
}

/* The end of fatal() and fatalx(). */
static __dead void
vfatal(int errnum, const char *fmt, va_list ap)
{
	char	msg[1200], line[1300];

	format_line(msg, sizeof(msg), errnum, fmt, ap);
	snprintf(line, sizeof(line), "fatal in %s%s%s", log_procname,
	    msg[0] != '\0' ? ": " : "", msg);
	emit(LOG_CRIT, 1, line);
	exit(1);
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
	vfatal(saved_errno, fmt, ap);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vfatal(0, fmt, ap);
}
