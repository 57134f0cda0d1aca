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

#ifndef ALLOWLIST_H
#define ALLOWLIST_H

#include <stddef.h>

#include "mxallowd.h"

struct allowlist;

struct allowlist	*allowlist_load(const char *);
struct allowlist	*allowlist_new(void);
int			 allowlist_add(struct allowlist *,
			    const struct mxaddr *, unsigned int);
void			 allowlist_index(struct allowlist *);
void			 allowlist_free(struct allowlist *);
int			 allowlist_contains(const struct allowlist *,
			    const struct mxaddr *);
int			 allowlist_has(const struct allowlist *,
			    const struct mxaddr *, unsigned int);
size_t			 allowlist_count(const struct allowlist *);
void			 allowlist_foreach(const struct allowlist *,
			    void (*)(const struct mxaddr *, unsigned int,
			    void *), void *);

#endif /* ALLOWLIST_H */
