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
 * Test packets built by hand, byte by byte: IPv4, IPv6, TCP and UDP
 * headers written at their offsets, and the Internet checksum.  Used by
 * the unit tests and regress/tools/mkpflog; libc only.
 *
 * None of it comes from the daemon (capture/decode.c reads these headers,
 * parent/tcpreset.c writes them and their checksums): written apart, so
 * that a test catches a mistake on either side.
 *
 * A packet is built front to back: pkt_ip4() or pkt_ip6() starts it
 * (and clears the whole struct), whatever follows is appended, and
 * pkt_finish() sets the IP length field to what was built; then
 * pkt_checksum(), where the checksums matter (mkpflog's savefiles).
 * Needs <sys/types.h> and <stdint.h> first.
 */

#ifndef PACKET_H
#define PACKET_H

#define PKT_MAX		2048	/* largest test packet */

/* A packet under construction. */
struct pkt {
	uint8_t		b[PKT_MAX];
	size_t		len;		/* bytes built */
	size_t		l4;		/* where TCP or UDP starts, or 0 */
	uint8_t		proto;		/* which of the two, for the checksum */
	int		v6;
};

/* Linux's SYN options: MSS 1460, SACK permitted, timestamps, NOP, wscale 7. */
#define LINUX_SYN_OPTLEN	20
extern const uint8_t	linux_syn_opts[LINUX_SYN_OPTLEN];

/* Network byte order. */
void		 put16(uint8_t *, uint16_t);
void		 put32(uint8_t *, uint32_t);

int		 addr_family(const char *);	/* AF_INET6 if it has a ':' */
void		 put_addr(uint8_t *, int, const char *); /* exit 2 if bad */

uint8_t		*pkt_grow(struct pkt *, size_t);
uint8_t		*pkt_ip4(struct pkt *, const char *, const char *, uint8_t,
		    const uint8_t *, size_t);
uint8_t		*pkt_ip6(struct pkt *, const char *, const char *, uint8_t);
uint8_t		*pkt_tcp(struct pkt *, uint16_t, uint16_t, uint32_t, uint8_t,
		    const uint8_t *, size_t);
uint8_t		*pkt_udp(struct pkt *, uint16_t, uint16_t);
void		 pkt_finish(struct pkt *);
void		 pkt_checksum(struct pkt *);

#endif /* PACKET_H */
