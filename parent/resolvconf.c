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
 * The nameservers of /etc/resolv.conf, read by the parent for the resolver,
 * which runs chrooted and cannot read it itself.
 */

#include <sys/types.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "parent.h"

/*
 * Up to max "nameserver" addresses from path.  Like the C library, a file
 * without any (or no file) means the local host.  Scoped IPv6 addresses
 * (fe80::1%eth0) cannot be expressed to the resolver and are skipped.
 */
unsigned int
resolvconf_nameservers(const char *path, struct mxaddr *out, unsigned int max)
{
	FILE		*fp;
	char		*line = NULL, *p, *word, *addr;
	size_t		 size = 0;
	unsigned int	 n = 0;

	if ((fp = fopen(path, "r")) != NULL) {
		while (n < max && getline(&line, &size, fp) != -1) {
			if ((p = strpbrk(line, "#;")) != NULL)
				*p = '\0';
			p = line;
			if ((word = strsep(&p, " \t\r\n")) == NULL ||
			    strcmp(word, "nameserver") != 0)
				continue;
			while ((addr = strsep(&p, " \t\r\n")) != NULL &&
			    *addr == '\0')
				;
			if (addr == NULL)
				continue;
			if (mxaddr_parse(addr, &out[n]) == 0)
				n++;
			else
				log_warnx("%s: nameserver %s skipped", path,
				    addr);
		}
		free(line);
		fclose(fp);
	}
	if (n == 0 && max > 0 && mxaddr_parse("127.0.0.1", &out[n]) == 0)
		n++;
	return n;
}
