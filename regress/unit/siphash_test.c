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
 * SipHash-2-4 against published values: the test vector of the paper
 * (Aumasson and Bernstein, "SipHash: a fast short-input PRF", appendix A:
 * key 00 01 .. 0f, message 00 01 .. 0e) and, with the same key and
 * message bytes, the outputs for lengths 0, 8 and 63 that accompany the
 * authors' reference code.  Then what mxaddr_hash() adds: the family and
 * the key change the hash.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "siphash.h"
#include "unit.h"

static const struct {
	size_t		 len;
	uint64_t	 want;
} vectors[] = {
	{ 15, 0xa129ca6149be45e5ULL },		/* the paper's */
	{ 0, 0x726fdb47dd0e0e31ULL },
	{ 8, 0x93f5f5799a932462ULL },
	{ 63, 0x958a324ceb064572ULL },
};

static void
t_vectors(void)
{
	uint8_t		 key[SIPHASH_KEY_LEN], msg[64];
	char		 name[64];
	uint64_t	 got;
	size_t		 i;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)i;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		snprintf(name, sizeof(name), "siphash24_%zu_bytes",
		    vectors[i].len);
		got = siphash24(key, msg, vectors[i].len);
		if (got == vectors[i].want)
			pass(name);
		else
			failed(name, "%016llx, want %016llx",
			    (unsigned long long)got,
			    (unsigned long long)vectors[i].want);
	}
}

/* Every length from 0 to 64 reads only its own bytes: none past the end. */
static void
t_bounds(void)
{
	const char	*name = "siphash24_reads_only_len_bytes";
	uint8_t		 key[SIPHASH_KEY_LEN] = { 7 }, msg[64];
	size_t		 len;

	memset(msg, 0x5a, sizeof(msg));
	for (len = 0; len <= sizeof(msg); len++)
		if (siphash24(key, unit_guard(msg, len), len) !=
		    siphash24(key, msg, len)) {
			failed(name, "length %zu", len);
			return;
		}
	pass(name);
}

static void
t_mxaddr(void)
{
	const char	*name = "mxaddr_hash_family_and_key";
	uint8_t		 k1[SIPHASH_KEY_LEN] = { 1 }, k2[SIPHASH_KEY_LEN] = { 2 };
	uint8_t		 addr[16] = { 10 };

	if (mxaddr_hash(k1, AF_INET, addr) == mxaddr_hash(k1, AF_INET6, addr))
		failed(name, "10.0.0.0 and 0a00:: hash alike");
	else if (mxaddr_hash(k1, AF_INET, addr) ==
	    mxaddr_hash(k2, AF_INET, addr))
		failed(name, "two keys hash alike");
	else if (mxaddr_hash(k1, AF_INET, addr) !=
	    mxaddr_hash(k1, AF_INET, addr))
		failed(name, "not deterministic");
	else
		pass(name);
}

int
main(void)
{
	t_vectors();
	t_bounds();
	t_mxaddr();
	return unit_exit_status();
}
