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
 * Process titles: "mxallowd: parent", "mxallowd: capture", ...  OpenBSD has
 * setproctitle(3).  On Linux the title is written over the argument area;
 * its last byte is left non-NUL, which tells the kernel (5.2 and later) to
 * report the area as one string up to the first NUL, so ps shows exactly
 * the title.  libbsd's version marks a different byte and leaves padding
 * visible, hence this one.  The argument strings are gone afterwards.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"

#ifdef __linux__
static char	*area;
static size_t	 area_len;
#endif

void
proctitle_init(int argc, char *argv[])
{
#ifdef __linux__
	char	*end;
	int	 i;

	/* Use the area only if the strings lie end to end, as exec leaves them. */
	for (i = 1; i < argc; i++)
		if (argv[i] != argv[i - 1] + strlen(argv[i - 1]) + 1)
			return;
	end = argv[argc - 1] + strlen(argv[argc - 1]) + 1;
	area = argv[0];
	area_len = end - area;
#else
	(void)argc;
	(void)argv;
#endif
}

void
proctitle_set(const char *name)
{
#ifdef __linux__
	if (area == NULL || area_len < 2)
		return;
	memset(area, '\0', area_len);
	snprintf(area, area_len - 1, "mxallowd: %s", name);
	area[area_len - 1] = ' ';
#else
	setproctitle("%s", name);
#endif
}
