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
 * The arrays that grow as they are filled (table builds, listings,
 * batches): one way of making room, doubling, so that filling n elements
 * costs O(n) copies and reallocarray(3) checks the multiplication.
 */

#include <stdlib.h>

#include "array.h"

void *
array_room(void *base, size_t n, size_t *cap, size_t size, size_t first)
{
	void	*p;
	size_t	 newcap;

	if (n < *cap)
		return base;
	newcap = *cap > 0 ? *cap * 2 : first;
	if ((p = reallocarray(base, newcap, size)) == NULL)
		return NULL;
	*cap = newcap;
	return p;
}
