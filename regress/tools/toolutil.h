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
 * What the test tools mxprobe, fakedns, smtpsink and synflood share: their
 * one "error ..." line, numbers and addresses from the command line, a
 * listening TCP socket, a monotonic clock in milliseconds and a wait on
 * one socket with a deadline.  libc only.
 * Needs <sys/types.h>, <sys/socket.h> and <netinet/in.h> first.
 */

#ifndef TOOLUTIL_H
#define TOOLUTIL_H

union sockaddr_any {
	struct sockaddr		sa;
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;
	struct sockaddr_storage	ss;
};

extern int	 errorx_status;		/* errorx()'s exit status, else 1 */
extern int	 errorx_stderr;		/* errorx() writes to stderr */

void		 errorx(const char *, ...)
		    __attribute__((__noreturn__, __format__(__printf__, 1, 2)));
long		 number(const char *, long, long, const char *);
socklen_t	 parse_addr(const char *, const char *, long,
		    union sockaddr_any *);
long		 listen_args(int, char **, long, long, char ***);
int		 tcp_listen(const char *, const char *, int);
long		 now_ms(void);
int		 wait_fd(int, short, long);

#endif /* TOOLUTIL_H */
