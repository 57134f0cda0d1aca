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
 * The libFuzzer initialisation of the harnesses that classify packets
 * (fuzz_pflog, fuzz_nflog): fake and real servers the seeds aim at, so
 * that every class is reachable.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include "classify.h"

int	LLVMFuzzerInitialize(int *, char ***);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static struct capture_conf	cc;

	cc.fake[0].af = AF_INET;
	inet_pton(AF_INET, "192.0.2.1", &cc.fake[0].u.ip4);
	cc.fake[1].af = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", &cc.fake[1].u.ip6);
	cc.nfake = 2;
	cc.real[0].af = AF_INET;
	inet_pton(AF_INET, "192.0.2.2", &cc.real[0].u.ip4);
	cc.real[1].af = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::2", &cc.real[1].u.ip6);
	cc.nreal = 2;
	classify_setconf(&cc);
	return 0;
}
