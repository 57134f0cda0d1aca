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
 * before daemonizing, so problems show on the terminal; configtest runs
 * the same checks without creating anything.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "parent.h"

/* The directory part of an absolute path into d. */
void
path_dir(const char *path, char *d, size_t len)
{
	char	*slash;

	strlcpy(d, path, len);
	if ((slash = strrchr(d, '/')) == NULL)
		strlcpy(d, ".", len);
	else if (slash == d)
		d[1] = '\0';
	else
		*slash = '\0';
}

/*
 * dir as root_directory() would accept it; a missing one is fine when it
 * can be made (its parent exists).  0, or -1 after saying what is wrong
 * and how to put it right.
 */
int
root_directory_check(const char *dir, const char *what, struct stat *st)
{
	struct stat	pst;
	char		parent[PATH_MAX];

	if (stat(dir, st) == -1) {
		if (errno != ENOENT) {
			warn("%s %s", what, dir);
			return -1;
		}
		path_dir(dir, parent, sizeof(parent));
		if (stat(parent, &pst) == -1 || !S_ISDIR(pst.st_mode)) {
			warnx("%s %s cannot be created: %s is not a directory",
			    what, dir, parent);
			return -1;
		}
		st->st_mode = 0;	/* made at startup */
		return 0;
	}
	if (!S_ISDIR(st->st_mode)) {
		warnx("%s %s is not a directory", what, dir);
		return -1;
	}
	if (st->st_uid != 0 || (st->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		warnx("%s %s must be owned by root and writable by root only "
		    "(chown root %s; chmod go-w %s)", what, dir, dir, dir);
		return -1;
	}
	return 0;
}

/* dir, created when missing; exits when it will not do. */
void
root_directory(const char *dir, mode_t mode, const char *what,
    struct stat *st)
{
	if (stat(dir, st) == -1) {
		if (errno != ENOENT)
			err(1, "%s %s", what, dir);
		if (mkdir(dir, mode) == -1)
			err(1, "mkdir %s", dir);
	}
	if (root_directory_check(dir, what, st) == -1)
		exit(1);
}
