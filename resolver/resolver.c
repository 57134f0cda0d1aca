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
 * The resolver process: reverse and forward DNS for the parent, unprivileged
 * and without capabilities, so that no DNS answer is parsed as root.
 */

#include <sys/types.h>

#include <unistd.h>

#include "child.h"
#include "log.h"

static void	resolver_after_drop(void);
static void	resolver_dispatch(struct imsg *);

static const struct child_ops resolver_ops = {
	.role = PROC_RESOLVER,
	.after_drop = resolver_after_drop,
	.dispatch = resolver_dispatch,
};

static void
resolver_after_drop(void)
{
#ifdef __OpenBSD__
	if (pledge("stdio inet dns", NULL) == -1)
		fatal("pledge");
#endif
}

static void
resolver_dispatch(struct imsg *imsg)
{
	fatalx("unexpected message type %u", imsg_get_type(imsg));
}

void
resolver_main(const struct child_logopts *lo)
{
	child_main(&resolver_ops, lo);
}
