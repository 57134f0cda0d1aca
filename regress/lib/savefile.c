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

/* The unit tests' savefile reader; see savefile.h. */

#include <sys/types.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "savefile.h"

#define MAGIC_USEC	0xa1b2c3d4
#define MAGIC_NSEC	0xa1b23c4d
#define NG_SHB		0x0a0d0d0a	/* pcapng: section header block */
#define NG_BOM		0x1a2b3c4d	/* its byte-order magic */
#define NG_IDB		1		/* interface description */
#define NG_SPB		3		/* simple packet */
#define NG_EPB		6		/* enhanced packet */
#define NG_BLOCK_MAX	(SF_SNAP_MAX + 64)

static uint32_t
get32le(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) |
	    ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint32_t
get32(const struct savefile *sf, const uint8_t *p)
{
	uint32_t	v = get32le(p);

	if (sf->swap)
		v = (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) |
		    (v << 24);
	return v;
}

const char *
realcaps_dir(void)
{
	const char	*d = getenv("REALCAPS");

	return d != NULL && *d != '\0' ? d : "../shared/realcaps";
}

int
sf_open(struct savefile *sf, const char *path, char *err, size_t errlen)
{
	uint8_t		h[24];
	uint32_t	magic;

	memset(sf, 0, sizeof(*sf));
	if ((sf->fp = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fread(h, 1, sizeof(h), sf->fp) != sizeof(h)) {
		snprintf(err, errlen, "%s: no savefile header", path);
		sf_close(sf);
		return -1;
	}
	magic = get32le(h);
	if (magic == NG_SHB) {
		/* pcapng: the link type comes with the first interface. */
		sf->ng = 1;
		sf->swap = get32le(h + 8) != NG_BOM;
		if (get32(sf, h + 8) != NG_BOM ||
		    fseek(sf->fp, (long)get32(sf, h + 4), SEEK_SET) == -1) {
			snprintf(err, errlen, "%s: bad pcapng header", path);
			sf_close(sf);
			return -1;
		}
		sf->linktype = (uint32_t)-1;
		return 0;
	}
	if (magic != MAGIC_USEC && magic != MAGIC_NSEC) {
		sf->swap = 1;
		magic = get32(sf, h);
		if (magic != MAGIC_USEC && magic != MAGIC_NSEC) {
			snprintf(err, errlen, "%s: not a pcap savefile", path);
			sf_close(sf);
			return -1;
		}
	}
	sf->snaplen = get32(sf, h + 16);
	sf->linktype = get32(sf, h + 20) & 0x0fffffff;
	return 0;
}

/* pcapng: the next packet block, taking the link type on the way. */
static int
ng_next(struct savefile *sf, struct sf_rec *r)
{
	static uint8_t	 b[NG_BLOCK_MAX];
	uint8_t		 h[8];
	uint32_t	 type, len;
	size_t		 n;

	for (;;) {
		if ((n = fread(h, 1, sizeof(h), sf->fp)) == 0)
			return 0;
		if (n != sizeof(h))
			return -1;
		type = get32(sf, h);
		len = get32(sf, h + 4);
		if (len < 12 || len % 4 != 0 || len - 8 > sizeof(b) ||
		    fread(b, 1, len - 8, sf->fp) != len - 8)
			return -1;
		/* b: the body, then the trailing length (4 bytes). */
		if (type == NG_IDB && len >= 20 &&
		    sf->linktype == (uint32_t)-1) {
			sf->linktype = (uint32_t)(sf->swap ? b[0] << 8 | b[1] :
			    b[1] << 8 | b[0]);
			sf->snaplen = get32(sf, b + 4);
		} else if (type == NG_EPB && len >= 32) {
			r->caplen = get32(sf, b + 12);
			r->len = get32(sf, b + 16);
			if (r->caplen > len - 32 || r->caplen > sizeof(r->data))
				return -1;
			memcpy(r->data, b + 20, r->caplen);
			break;
		} else if (type == NG_SPB && len >= 16) {
			r->len = get32(sf, b);
			r->caplen = r->len < len - 16 ? r->len : len - 16;
			if (r->caplen > sizeof(r->data))
				return -1;
			memcpy(r->data, b + 4, r->caplen);
			break;
		}
	}
	sf->records++;
	return 1;
}

int
sf_next(struct savefile *sf, struct sf_rec *r)
{
	uint8_t	h[16];
	size_t	n;

	if (sf->ng)
		return ng_next(sf, r);
	n = fread(h, 1, sizeof(h), sf->fp);
	if (n == 0)
		return 0;
	if (n != sizeof(h))
		return -1;
	r->caplen = get32(sf, h + 8);
	r->len = get32(sf, h + 12);
	if (r->caplen > sizeof(r->data))
		return -1;
	if (fread(r->data, 1, r->caplen, sf->fp) != r->caplen)
		return -1;
	sf->records++;
	return 1;
}

void
sf_close(struct savefile *sf)
{
	if (sf->fp != NULL)
		fclose(sf->fp);
	sf->fp = NULL;
}

int
sf_ip(const struct savefile *sf, const struct sf_rec *r, const uint8_t **ip,
    size_t *caplen, size_t *wirelen)
{
	size_t		off;
	uint16_t	type;

	switch (sf->linktype) {
	case SF_LT_RAW:
	case SF_LT_IPV4:
	case SF_LT_IPV6:
		off = 0;
		break;
	case SF_LT_EN10MB:
		if (r->caplen < 14)
			return 0;
		off = 12;
		type = (uint16_t)(r->data[off] << 8 | r->data[off + 1]);
		if (type == 0x8100) {		/* one VLAN tag */
			if (r->caplen < 18)
				return 0;
			off += 4;
			type = (uint16_t)(r->data[off] << 8 |
			    r->data[off + 1]);
		}
		if (type != 0x0800 && type != 0x86dd)
			return 0;
		off += 2;
		break;
	default:
		return 0;
	}
	if (r->caplen <= off || r->len < off)
		return 0;
	*ip = r->data + off;
	*caplen = r->caplen - off;
	*wirelen = r->len - off;
	return 1;
}
