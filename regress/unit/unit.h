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
 * The unit tests' reporting: one line per check, "ok NAME" or
 * "FAIL NAME: reason", which regress/run.sh counts; and a guard page
 * for code that reads captured bytes.  Needs <sys/types.h> and
 * <stdint.h> first.
 */

#ifndef UNIT_H
#define UNIT_H

void	pass(const char *);
void	failed(const char *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	unit_exit_status(void);		/* 1 if anything failed */
uint32_t unit_rnd(uint32_t *);		/* xorshift32 */
struct timespec;
double	unit_elapsed(const struct timespec *);	/* seconds since t0 */
const uint8_t *unit_guard(const void *, size_t);	/* ends at a bad page */

/* In a test body with a "name" and an "out:" label: fail and clean up. */
#define REQUIRE(cond, ...) do {						\
	if (!(cond)) {							\
		failed(name, __VA_ARGS__);				\
		goto out;						\
	}								\
} while (0)

#endif /* UNIT_H */
