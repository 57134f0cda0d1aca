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
 * The one place where a child gives up root: look the user up, chroot,
 * chdir, set groups, gid and uid, then prove that root cannot be had back.
 * On Linux the capability sets are checked to be empty and no_new_privs set.
 */

#include <sys/types.h>
#ifdef __linux__
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#endif

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"

#ifdef __linux__
/* Fail unless the effective, permitted and inheritable sets are empty. */
static void
check_no_capabilities(void)
{
	struct __user_cap_header_struct	hdr;
	struct __user_cap_data_struct	data[2];

	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	if (syscall(SYS_capget, &hdr, data) == -1)
		fatal("capget");
	if (data[0].effective | data[1].effective | data[0].permitted |
	    data[1].permitted | data[0].inheritable | data[1].inheritable)
		fatalx("capabilities left after dropping privileges");
}
#endif

#ifdef __linux__
/*
 * What the parent still needs once its queue and raw sockets are open:
 * NET_ADMIN for every nfqueue message (verdicts included), KILL to stop
 * children running as another user, and what the children need to drop
 * privileges themselves (SETUID, SETGID, SYS_CHROOT).  The bounding set is
 * cut to match, so nothing exec'd from the parent has more.
 */
#define PARENT_CAPS	((1ULL << CAP_NET_ADMIN) | (1ULL << CAP_KILL) | \
			    (1ULL << CAP_SETUID) | (1ULL << CAP_SETGID) | \
			    (1ULL << CAP_SYS_CHROOT))

void
limit_parent_capabilities(void)
{
	struct __user_cap_header_struct	hdr;
	struct __user_cap_data_struct	data[2];
	int				cap;

	for (cap = 0; cap <= CAP_LAST_CAP; cap++) {
		if ((PARENT_CAPS & (1ULL << cap)) == 0 &&
		    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1 &&
		    errno != EINVAL)
			fatal("prctl PR_CAPBSET_DROP %d", cap);
	}
	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	data[0].effective = data[0].permitted = PARENT_CAPS & 0xffffffff;
	data[1].effective = data[1].permitted = PARENT_CAPS >> 32;
	if (syscall(SYS_capset, &hdr, data) == -1)
		fatal("capset");
}
#endif

void
drop_privileges(const char *user, const char *chroot_dir)
{
	struct passwd	*pw;
	uid_t		 uid;
	gid_t		 gid;

	if ((pw = getpwnam(user)) == NULL)
		fatalx("unknown user %s", user);
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (uid == 0)
		fatalx("user %s is root; use an unprivileged user", user);

	if (chroot_dir != NULL && chroot_dir[0] != '\0') {
		if (chroot(chroot_dir) == -1)
			fatal("chroot %s", chroot_dir);
	}
	if (chdir("/") == -1)
		fatal("chdir /");

	if (setgroups(1, &gid) == -1)
		fatal("setgroups");
	if (setresgid(gid, gid, gid) == -1)
		fatal("setresgid");
	if (setresuid(uid, uid, uid) == -1)
		fatal("setresuid");

#ifdef __linux__
	/* Ambient capabilities would survive an exec; none may. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 &&
	    errno != EINVAL)
		fatal("prctl PR_CAP_AMBIENT_CLEAR_ALL");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("prctl PR_SET_NO_NEW_PRIVS");
	check_no_capabilities();
#endif

	/* The proof: none of these may succeed any more. */
	if (setuid(0) != -1 || seteuid(0) != -1 || setgid(0) != -1 ||
	    setegid(0) != -1)
		fatalx("root could be regained after dropping privileges");
	if (getuid() != uid || geteuid() != uid || getgid() != gid ||
	    getegid() != gid)
		fatalx("ids not as expected after dropping privileges");
}
