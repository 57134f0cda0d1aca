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
 * A directory only root may change: the children's chroot, the state
 * file's directory.  Created root-owned with mode when missing; refused
 * when it is not a directory or another user could write to it.  Runs
 * before daemonizing, so problems show on the terminal.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>

#include "parent.h"

void
root_directory(const char *dir, mode_t mode, const char *what,
    struct stat *st)
{
	if (stat(dir, st) == -1) {
		if (errno != ENOENT)
			err(1, "%s %s", what, dir);
		if (mkdir(dir, mode) == -1)
			err(1, "mkdir %s", dir);
		if (stat(dir, st) == -1)
			err(1, "%s %s", what, dir);
	}
	if (!S_ISDIR(st->st_mode))
		errx(1, "%s %s is not a directory", what, dir);
	if (st->st_uid != 0 || (st->st_mode & (S_IWGRP | S_IWOTH)) != 0)
		errx(1, "%s %s must be owned by root and writable by root only",
		    what, dir);
}
