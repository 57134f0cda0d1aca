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
 * libFuzzer harness: the configuration parser.  The input is a
 * mxallowd.conf(5) in a memfd, read through /proc/self/fd/N; a file that
 * parses and checks clean must survive the -nv round trip: conf_print()
 * and parsing that back gives the same struct, byte for byte.
 */

#include <sys/mman.h>
#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Static: the struct is tens of KiB. */
static struct mxallowd_conf	conf, back;

/* Error messages go nowhere. */
static void
sink(const char *msg)
{
	(void)msg;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	conf_report_to(sink);
	return 0;
}

/* Parse len bytes at buf into *c, as a file; errors, or -1 if no memfd. */
static int
parse_bytes(struct mxallowd_conf *c, const void *buf, size_t len)
{
	char	path[64];
	int	fd, errors;

	if ((fd = memfd_create("fuzz_config", MFD_CLOEXEC)) == -1)
		abort();
	if (len > 0 && write(fd, buf, len) != (ssize_t)len)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	conf_init(c);
	errors = conf_parse_file(c, path, 1);
	close(fd);
	return errors;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*out = NULL;
	size_t	 outlen = 0;
	FILE	*fp;

	if (parse_bytes(&conf, data, size) != 0)
		return 0;
	if (conf_check(&conf, "fuzz") != 0)
		return 0;

	if ((fp = open_memstream(&out, &outlen)) == NULL)
		abort();
	conf_print(fp, &conf);
	if (fclose(fp) != 0)
		abort();

	/* What -nv prints must read back clean and identical. */
	if (parse_bytes(&back, out, outlen) != 0)
		abort();
	if (conf_check(&back, "fuzz") != 0)
		abort();
	if (memcmp(&conf, &back, sizeof(conf)) != 0)
		abort();
	free(out);
	return 0;
}
