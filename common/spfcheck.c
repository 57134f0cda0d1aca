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
 * What an SPF walk brings is checked by the resolver, which walks, and
 * again by the parent, which must not trust the resolver more than the
 * DNS: the same functions on both sides, so that they agree.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "spfcheck.h"

static const char *const mech_names[] = {
	[SPF_MECH_IP4] = "ip4",
	[SPF_MECH_IP6] = "ip6",
	[SPF_MECH_A] = "a",
	[SPF_MECH_MX] = "mx",
};

/*
 * A host name worth asking about and passing on: labels of 1 to 63
 * letters, digits, '-' or '_', none starting or ending with '-', 253
 * characters at most, no final dot.  Anything else from the DNS is not
 * trusted as a name (and not logged).
 */
int
dns_name_valid(const char *name)
{
	size_t	len, i, label = 0;
	char	c;

	len = strnlen(name, RDNS_NAME_MAX);
	if (len == 0 || len > 253 || name[0] == '-' || name[len - 1] == '-')
		return 0;
	for (i = 0; i < len; i++) {
		c = name[i];
		if (c == '.') {
			if (label == 0 || name[i - 1] == '-' ||
			    name[i + 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0;
}

/*
 * The len bytes of in as a name to use: lower case, without a final dot,
 * into out (RDNS_NAME_MAX bytes); 0, or -1 when it is not a host name.
 */
int
dns_name_normalize(const char *in, size_t len, char *out)
{
	size_t	i;

	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len == 0 || len >= RDNS_NAME_MAX)
		return -1;
	for (i = 0; i < len; i++)
		out[i] = tolower((unsigned char)in[i]);
	out[len] = '\0';
	return dns_name_valid(out) ? 0 : -1;
}

/* Clear the bits of a past prefixlen. */
void
spf_mask(struct mxaddr *a, unsigned int prefixlen)
{
	size_t	len = a->af == AF_INET ? 4 : 16, i;

	for (i = 0; i < len; i++) {
		if (prefixlen >= 8)
			prefixlen -= 8;
		else {
			a->u.bytes[i] &= 0xff << (8 - prefixlen);
			prefixlen = 0;
		}
	}
}

/*
 * Count one more network into b: 0, or -1 with *why when it goes past a
 * bound (then the whole walk is refused).  A prefix shorter than
 * SPF_MIN_PREFIX4/6 (0.0.0.0/0 and ::/0 among them), more than
 * SPF_MAX_NETWORKS networks, or more address space than SPF_MAX_ADDRS4
 * IPv4 addresses or SPF_MAX_NETS64 IPv6 /64s in all: no sender needs that
 * much, and a record that claims it would open the real MX to the world.
 */
int
spf_bounds_add(struct spf_bounds *b, const struct mxaddr *net,
    unsigned int prefixlen, const char **why)
{
	if (net->af == AF_INET) {
		if (prefixlen > 32 || prefixlen < SPF_MIN_PREFIX4) {
			*why = "an IPv4 prefix shorter than /12";
			return -1;
		}
		b->addrs4 += 1ULL << (32 - prefixlen);
		if (b->addrs4 > SPF_MAX_ADDRS4) {
			*why = "more than 2^24 IPv4 addresses";
			return -1;
		}
	} else if (net->af == AF_INET6) {
		if (prefixlen > 128 || prefixlen < SPF_MIN_PREFIX6) {
			*why = "an IPv6 prefix shorter than /32";
			return -1;
		}
		b->nets64 += prefixlen >= 64 ? 1 : 1ULL << (64 - prefixlen);
		if (b->nets64 > SPF_MAX_NETS64) {
			*why = "more than 2^36 IPv6 /64 networks";
			return -1;
		}
	} else {
		*why = "an address of neither IPv4 nor IPv6";
		return -1;
	}
	if (++b->nnets > SPF_MAX_NETWORKS) {
		*why = "more than 1000 networks";
		return -1;
	}
	return 0;
}

const char *
spf_mech_name(unsigned int mech)
{
	if (mech >= sizeof(mech_names) / sizeof(mech_names[0]) ||
	    mech_names[mech] == NULL)
		return "?";
	return mech_names[mech];
}

/* A mechanism's name: its enum spf_mech, or -1. */
int
spf_mech_parse(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(mech_names) / sizeof(mech_names[0]); i++)
		if (mech_names[i] != NULL && strcasecmp(name, mech_names[i]) ==
		    0)
			return (int)i;
	return -1;
}
