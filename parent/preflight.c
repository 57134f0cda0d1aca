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
 * What start-up checks on the system before it changes anything: the
 * user, the chroot, the state file's directory, the control socket's
 * place.  configtest (-n) runs the same, so that "configuration OK" means
 * the daemon would start (the firewall aside); the daemon runs it first.
 * Every problem is reported, each with what to do about it.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
#include <limits.h>
#include <pwd.h>
#include <string.h>

#include "parent.h"

/* The user must exist; say how to make one. */
static int
check_user(const char *user)
{
	if (getpwnam(user) != NULL)
		return 0;
#ifdef __OpenBSD__
	warnx("user %s does not exist; create it with: useradd -d /var/empty "
	    "-s /sbin/nologin %s", user, user);
#else
	warnx("user %s does not exist; create it with: useradd -r "
	    "-d /nonexistent -s /usr/sbin/nologin %s", user, user);
#endif
	return -1;
}

/* The children's root: root-only, and empty (or to be made). */
static int
check_chroot(const char *dir)
{
	struct stat	 st;
	struct dirent	*de;
	DIR		*d;
	int		 rv = 0;

	if (root_directory_check(dir, "chroot", &st) == -1)
		return -1;
	if (st.st_mode == 0)		/* made at startup */
		return 0;
	if ((d = opendir(dir)) == NULL) {
		warn("chroot %s", dir);
		return -1;
	}
	while (rv == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		warnx("chroot %s is not empty (%s): the processes that read "
		    "the network must see nothing there", dir, de->d_name);
		rv = -1;
	}
	closedir(d);
	return rv;
}

/* The state file's directory: root-only, and not the chroot. */
static int
check_state_dir(const struct mxallowd_conf *conf)
{
	struct stat	st, cst;
	char		dir[PATH_MAX];

	if (conf->state_file[0] == '\0' || conf->replay[0] != '\0')
		return 0;
	path_dir(conf->state_file, dir, sizeof(dir));
	if (root_directory_check(dir, "state-file directory", &st) == -1)
		return -1;
	if (st.st_mode != 0 && stat(conf->chroot, &cst) == 0 &&
	    cst.st_dev == st.st_dev && cst.st_ino == st.st_ino) {
		warnx("state-file %s must not be in the chroot %s",
		    conf->state_file, conf->chroot);
		return -1;
	}
	return 0;
}

/* The control socket: its directory exists; nothing else has its name. */
static int
check_control_sock(const char *path)
{
	struct stat	st;
	char		dir[PATH_MAX];

	path_dir(path, dir, sizeof(dir));
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		warnx("control socket %s: %s is not a directory", path, dir);
		return -1;
	}
	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		warnx("control socket %s exists and is not a socket", path);
		return -1;
	}
	return 0;
}

/* Returns the number of problems, each reported on stderr. */
int
preflight(const struct mxallowd_conf *conf)
{
	int	problems = 0;

	if (check_user(conf->user) == -1)
		problems++;
	if (check_chroot(conf->chroot) == -1)
		problems++;
	if (check_state_dir(conf) == -1)
		problems++;
	if (conf->replay[0] == '\0' &&
	    check_control_sock(conf->control_sock) == -1)
		problems++;
	if (peers_password_check(conf) == -1)
		problems++;
	return problems;
}
