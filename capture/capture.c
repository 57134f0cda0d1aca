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
 * The capture process: the only one that reads packet bytes, so it runs
 * unprivileged, chrooted to an empty directory and without capabilities.
 */

#include <sys/types.h>

#include <unistd.h>

#include "child.h"
#include "log.h"

static void	capture_after_drop(void);
static void	capture_dispatch(struct imsg *);

static const struct child_ops capture_ops = {
	.role = PROC_CAPTURE,
	.after_drop = capture_after_drop,
	.dispatch = capture_dispatch,
};

static void
capture_after_drop(void)
{
#ifdef __OpenBSD__
	if (pledge("stdio", NULL) == -1)
		fatal("pledge");
#endif
}

static void
capture_dispatch(struct imsg *imsg)
{
	fatalx("unexpected message type %u", imsg_get_type(imsg));
}

void
capture_main(const struct child_logopts *lo)
{
	child_main(&capture_ops, lo);
}
