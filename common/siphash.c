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
 * SipHash-2-4, a keyed hash for tables whose keys an attacker chooses (the
 * sources of SYNs): with a random key per process, nobody can aim many keys
 * at one bucket.  Written from the description in Aumasson and Bernstein,
 * "SipHash: a fast short-input PRF" (2012), and checked against its test
 * vector in regress/unit/siphash_test.c.
 */

#include <endian.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "siphash.h"

/* The paper's internal state v0, v1, v2, v3. */
struct sipstate {
	uint64_t	 v0, v1, v2, v3;
};

/* The 8 bytes at p as a little-endian number, whatever the host's order. */
static inline uint64_t
word_le(const uint8_t *p)
{
	uint64_t	 w;

	memcpy(&w, p, sizeof(w));
	return le64toh(w);
}

static inline uint64_t
rotl(uint64_t x, unsigned int n)
{
	return x << n | x >> (64 - n);
}

/* SipRound: the paper's two add-rotate-xor halves, side by side. */
static inline void
sipround(struct sipstate *s)
{
	s->v0 += s->v1;
	s->v2 += s->v3;
	s->v1 = rotl(s->v1, 13);
	s->v3 = rotl(s->v3, 16);
	s->v1 ^= s->v0;
	s->v3 ^= s->v2;
	s->v0 = rotl(s->v0, 32);
	s->v2 += s->v1;
	s->v0 += s->v3;
	s->v1 = rotl(s->v1, 17);
	s->v3 = rotl(s->v3, 21);
	s->v1 ^= s->v2;
	s->v3 ^= s->v0;
	s->v2 = rotl(s->v2, 32);
}

/* Compression of one message word: c = 2 SipRounds. */
static inline void
absorb(struct sipstate *s, uint64_t m)
{
	s->v3 ^= m;
	sipround(s);
	sipround(s);
	s->v0 ^= m;
}

/* SipHash-2-4 of in[len] under a 16-byte key. */
uint64_t
siphash24(const uint8_t *key, const uint8_t *in, size_t len)
{
	struct sipstate	 s;
	uint8_t		 last[8];
	uint64_t	 k0, k1;
	const uint8_t	*end = in + (len & ~(size_t)7);
	size_t		 i;

	/* Initialisation: the key over "somepseudorandomlygeneratedbytes". */
	k0 = word_le(key);
	k1 = word_le(key + 8);
	s.v0 = k0 ^ 0x736f6d6570736575ULL;
	s.v1 = k1 ^ 0x646f72616e646f6dULL;
	s.v2 = k0 ^ 0x6c7967656e657261ULL;
	s.v3 = k1 ^ 0x7465646279746573ULL;

	for (; in < end; in += 8)
		absorb(&s, word_le(in));

	/* The last word: the 0 to 7 bytes left, then len mod 256 on top. */
	memset(last, 0, sizeof(last));
	for (i = 0; i < (len & 7); i++)
		last[i] = in[i];
	last[7] = (uint8_t)len;
	absorb(&s, word_le(last));

	/* Finalisation: d = 4 SipRounds. */
	s.v2 ^= 0xff;
	sipround(&s);
	sipround(&s);
	sipround(&s);
	sipround(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

/* The hash of an address: its 16 bytes and its family. */
uint64_t
mxaddr_hash(const uint8_t *key, sa_family_t af, const uint8_t *addr)
{
	uint8_t	buf[17];

	/* The family is hashed too: 10.0.0.0/8 and 0a00::/8 differ. */
	memcpy(buf, addr, 16);
	buf[16] = af == AF_INET6;
	return siphash24(key, buf, sizeof(buf));
}
