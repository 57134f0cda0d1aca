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

#include <sys/types.h>
#include <sys/mman.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"

static int	nfailed;

void
pass(const char *name)
{
	printf("ok %s\n", name);
}

void
failed(const char *name, const char *fmt, ...)
{
	va_list	ap;

	printf("FAIL %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	nfailed++;
}

/* Seconds since t0 (CLOCK_MONOTONIC), for informational timings. */
double
unit_elapsed(const struct timespec *t0)
{
	struct timespec	t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) + (t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* xorshift32 on *state: a fixed seed gives the same bytes everywhere. */
uint32_t
unit_rnd(uint32_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return *state;
}

int
unit_exit_status(void)
{
	return nfailed ? 1 : 0;
}

/*
 * A readable page followed by an inaccessible one: the n bytes at b are
 * copied to end right in front of the latter, so that a read past them
 * faults in any build, n = 0 included (ASan does not flag reads of
 * malloc(0)); odd lengths thereby start unaligned.  Returns where the
 * copy starts.  At most a page.
 */
const uint8_t *
unit_guard(const void *b, size_t n)
{
	static uint8_t	*guard;
	static size_t	 pagesz;
	long		 ps;
	void		*m;

	if (guard == NULL) {
		if ((ps = sysconf(_SC_PAGESIZE)) == -1) {
			perror("sysconf");
			exit(2);
		}
		pagesz = (size_t)ps;
		m = mmap(NULL, 2 * pagesz, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANON, -1, 0);
		if (m == MAP_FAILED) {
			perror("mmap");
			exit(2);
		}
		guard = (uint8_t *)m + pagesz;
		if (mprotect(guard, pagesz, PROT_NONE) == -1) {
			perror("mprotect");
			exit(2);
		}
	}
	if (n > pagesz) {
		fprintf(stderr, "%zu bytes: more than a page\n", n);
		exit(2);
	}
	memcpy(guard - n, b, n);
	return guard - n;
}
