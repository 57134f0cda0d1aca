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

#ifndef CHILD_H
#define CHILD_H

#include <event.h>
#include <imsg.h>

#include "compat.h"
#include "mxallowd.h"
#include "seccomp.h"

/* What makes one child different from the other. */
struct child_ops {
	enum mxallowd_proc	 role;
	/*
	 * Runs as root, just before the drop: open what needs privilege.
	 * fd is a descriptor the parent attached to the init message (the
	 * hook owns it), or -1.
	 */
	void			(*before_drop)(const struct child_init *, int);
	/* Runs unprivileged: restrict further (pledge), set up the work. */
	void			(*after_drop)(void);
	/* The system calls it may make from then on (seccomp, Linux). */
	const struct syscall_policy	*syscalls;
	/* One message from the parent, after initialisation. */
	void			(*dispatch)(struct imsg *);
};

/* Log options handed from the parent to a child on its command line. */
struct child_logopts {
	int	debug;		/* -d: stderr */
	int	to_stdout;	/* -s */
	int	quiet;		/* -q */
	int	verbose;	/* -v, repeated */
};

__dead void child_main(const struct child_ops *,
	    const struct child_logopts *);
void	child_compose(uint32_t, const void *, size_t);
size_t	child_queuelen(void);

__dead void capture_main(const struct child_logopts *);
__dead void resolver_main(const struct child_logopts *);
__dead void sync_main(const struct child_logopts *);

#endif /* CHILD_H */
