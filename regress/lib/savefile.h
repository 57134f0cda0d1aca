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
 * A small pcap savefile reader for the unit tests, so that they can run
 * the decoders on captures other projects wrote (../shared/realcaps):
 * libc only, the classic format in either byte order, micro- or
 * nanosecond magic, and pcapng's packet blocks (one interface).  Not
 * libpcap: read apart from the daemon's path.
 * Needs <sys/types.h>, <stdint.h> and <stdio.h> first.
 */

#ifndef SAVEFILE_H
#define SAVEFILE_H

#define SF_SNAP_MAX	65536

/* Link types the tests read (the pcap LINKTYPE_ numbers). */
#define SF_LT_EN10MB	1
#define SF_LT_RAW	101
#define SF_LT_PFLOG	117
#define SF_LT_IPV4	228
#define SF_LT_IPV6	229

struct savefile {
	FILE		*fp;
	int		 swap;
	int		 ng;		/* pcapng */
	uint32_t	 linktype;
	uint32_t	 snaplen;
	uint64_t	 records;	/* whole records read so far */
};

struct sf_rec {
	uint32_t	 caplen;	/* bytes in data */
	uint32_t	 len;		/* the packet's length on the wire */
	uint8_t		 data[SF_SNAP_MAX];
};

/* The directory of the shared captures: $REALCAPS, or ../shared/realcaps. */
const char	*realcaps_dir(void);
/* 0, or -1 with a message in err. */
int		 sf_open(struct savefile *, const char *, char *, size_t);
/* 1 for a record, 0 at the end, -1 when the file ends inside a record. */
int		 sf_next(struct savefile *, struct sf_rec *);
void		 sf_close(struct savefile *);
/*
 * The IP packet in a record of the file's link type (Ethernet with or
 * without one VLAN tag, raw IP): its start and captured length in *ip
 * and *caplen, and its length on the wire in *wirelen; 0 if there is
 * no IP packet in it.
 */
int		 sf_ip(const struct savefile *, const struct sf_rec *,
		    const uint8_t **, size_t *, size_t *);

#endif /* SAVEFILE_H */
