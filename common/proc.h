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

#ifndef PROC_H
#define PROC_H

#include <sys/types.h>

#include "mxallowd.h"

const char	*proc_name(enum mxallowd_proc);
int		 proc_lookup(const char *, enum mxallowd_proc *);
const char	*proc_self_path(const char *);
pid_t		 proc_start(enum mxallowd_proc, const char *, char *const [],
		    int *);
void		 drop_privileges(const char *, const char *);
void		 limit_parent_capabilities(void);
void		 proctitle_init(int, char *[]);
void		 proctitle_set(const char *);

#endif /* PROC_H */
