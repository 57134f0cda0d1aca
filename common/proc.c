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
 * Starting the children: each one is fork'd and then exec'd afresh from the
 * daemon's own binary with "-X role", so that it does not inherit the
 * parent's address space; its socket to the parent waits on descriptor
 * PARENT_SOCK_FILENO.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"

static const char *const proc_names[] = {
	[PROC_PARENT] = "parent",
	[PROC_CAPTURE] = "capture",
	[PROC_RESOLVER] = "resolver",
	[PROC_SYNC] = "sync",
};

const char *
proc_name(enum mxallowd_proc p)
{
	return proc_names[p];
}

int
proc_lookup(const char *name, enum mxallowd_proc *p)
{
	size_t	i;

	for (i = 0; i < sizeof(proc_names) / sizeof(proc_names[0]); i++) {
		if (strcmp(name, proc_names[i]) == 0) {
			*p = i;
			return 0;
		}
	}
	return -1;
}

/*
 * The path to exec the children from.  It is taken once at startup, before
 * daemonizing changes the working directory.
 */
const char *
proc_self_path(const char *argv0)
{
	static char	path[PATH_MAX];
#ifdef __linux__
	ssize_t		n;

	(void)argv0;
	if ((n = readlink("/proc/self/exe", path, sizeof(path) - 1)) == -1)
		fatal("readlink /proc/self/exe");
	path[n] = '\0';
#else
	if (strchr(argv0, '/') == NULL)
		fatalx("run mxallowd with a path (e.g. /usr/local/sbin/mxallowd)");
	if (realpath(argv0, path) == NULL)
		fatal("realpath %s", argv0);
#endif
	return path;
}

/*
 * Fork and exec the child for role.  flags are extra arguments (log options)
 * after "-X role".  Returns the child's pid; *fd is the parent's end of the
 * socketpair, non-blocking and close-on-exec.
 */
pid_t
proc_start(enum mxallowd_proc role, const char *self, char *const flags[],
    int *fd)
{
	char	*argv[16];
	int	 sv[2], argc = 0, i;
	pid_t	 pid;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		fatal("socketpair");

	switch (pid = fork()) {
	case -1:
		fatal("fork");
	case 0:
		close(sv[0]);
		if (sv[1] != PARENT_SOCK_FILENO) {
			if (dup2(sv[1], PARENT_SOCK_FILENO) == -1)
				fatal("dup2");
			close(sv[1]);
		}
		/*
		 * Nothing else crosses into the child: a descriptor inherited
		 * from whoever started us could reach around capture's chroot.
		 */
		closefrom(PARENT_SOCK_FILENO + 1);
		argv[argc++] = (char *)self;
		argv[argc++] = "-X";
		argv[argc++] = (char *)proc_name(role);
		for (i = 0; flags[i] != NULL && argc < 15; i++)
			argv[argc++] = flags[i];
		argv[argc] = NULL;
		execv(self, argv);
		fatal("execv %s", self);
	}

	close(sv[1]);
	if (fcntl(sv[0], F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(sv[0], F_SETFL, O_NONBLOCK) == -1)
		fatal("fcntl");
	*fd = sv[0];
	return pid;
}
