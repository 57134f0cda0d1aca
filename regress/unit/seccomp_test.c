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
 * Unit tests for the children's seccomp filters (common/seccomp.c): the
 * filter starts with the architecture check; under each child's real
 * filter, in a forked process, what the child does still works (sync: a
 * TCP client's calls, against a listener on loopback) and what it must
 * never do (open a file, exec, a packet socket, ptrace, listen, the other
 * children's calls, another ABI) kills the process with SIGSYS.  In a
 * sanitizer build, a sanitizer's report still gets out under the filter.
 */

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "seccomp.h"

#include "unit.h"

#if !SECCOMP_SANDBOX
int
main(void)
{
	printf("ok seccomp # skip no seccomp filter on this system\n");
	return 0;
}
#else

#if defined(__x86_64__)
#define ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH	AUDIT_ARCH_AARCH64
#endif

#define MAXINSN		1024
#define SPINS_MAX	100000000L	/* non-blocking retries on loopback */

static const struct syscall_policy *const policies[] = {
	&seccomp_capture, &seccomp_resolver, &seccomp_sync
};

/* An empty directory: the forked process's root, and what it tries to open. */
static char	dir[64];

/* In the forked process: the filter, as a child installs it. */
static void
restrict_self(const struct syscall_policy *p)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		_exit(2);
	seccomp_install(p);
}

/*
 * Run fn under policy p in a forked process; its wait status.  What fn
 * writes to descriptor 2 goes to errbuf (if not NULL).  As root, the
 * process is first chrooted to the empty dir, as the daemon's children.
 */
static int
run_restricted(const struct syscall_policy *p, void (*fn)(void *), void *arg,
    char *errbuf, size_t errlen)
{
	char	 sink[256], drop[256];
	int	 pfd[2], status;
	ssize_t	 n;
	size_t	 got = 0;
	pid_t	 pid;

	if (errbuf == NULL) {
		errbuf = sink;
		errlen = sizeof(sink);
	}

	fflush(NULL);
	if (pipe(pfd) == -1) {
		perror("pipe");
		exit(2);
	}
	switch (pid = fork()) {
	case -1:
		perror("fork");
		exit(2);
	case 0:
		close(pfd[0]);
		if (dup2(pfd[1], 2) == -1)
			_exit(2);
		if (geteuid() == 0 && (chroot(dir) == -1 || chdir("/") == -1))
			_exit(2);
		/*
		 * A SIGSEGV ends the process as itself: where the kernel has
		 * no 32-bit entry point, int 0x80 faults, and ASan's handler
		 * would turn that into exit status 1.
		 */
		signal(SIGSEGV, SIG_DFL);
		restrict_self(p);
		fn(arg);
		_exit(0);
	}
	close(pfd[1]);
	/* The start is kept; whatever does not fit is read and dropped. */
	while ((n = got < errlen - 1 ? read(pfd[0], errbuf + got,
	    errlen - 1 - got) : read(pfd[0], drop, sizeof(drop))) > 0)
		if (got < errlen - 1)
			got += n;
	errbuf[got] = '\0';
	close(pfd[0]);
	if (waitpid(pid, &status, 0) == -1) {
		perror("waitpid");
		exit(2);
	}
	return status;
}

static const char *
status_str(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "exit status %d", WEXITSTATUS(status));
	return buf;
}

/* --- the filter's shape ---------------------------------------------- */

static int
is_insn(const struct sock_filter *f, uint16_t code, uint32_t k)
{
	return f->code == code && f->k == k;
}

/*
 * First the architecture (and on x86_64 the x32 bit), last a kill: a
 * process of another ABI or a call left unlisted is never let through.
 */
static void
test_shape(const struct syscall_policy *p)
{
	struct sock_filter	 f[MAXINSN];
	char			 name[128];
	size_t			 n;

	snprintf(name, sizeof(name), "%s: filter checks the architecture "
	    "first and kills by default", p->name);
	n = seccomp_compile(p, f, MAXINSN);
	REQUIRE(n > 6, "%zu instructions", n);
	REQUIRE(is_insn(&f[0], BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, arch)), "does not load arch first");
	REQUIRE(is_insn(&f[1], BPF_JMP | BPF_JEQ | BPF_K, ARCH) &&
	    f[1].jt == 1 && f[1].jf == 0, "no jump on the architecture");
	REQUIRE(is_insn(&f[2], BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	    "another architecture is not killed");
	REQUIRE(is_insn(&f[3], BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, nr)), "does not load nr next");
#ifdef __x86_64__
	REQUIRE(is_insn(&f[4], BPF_JMP | BPF_JGE | BPF_K, __X32_SYSCALL_BIT) &&
	    is_insn(&f[5], BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	    "x32 calls are not killed");
#endif
	REQUIRE(is_insn(&f[n - 1], BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	    "the default is not a kill");
	REQUIRE(seccomp_compile(p, f, n - 1) == 0, "overflow not reported");
	pass(name);
 out:
	return;
}

/* --- what the children do ---------------------------------------------- */

/* Exit status 10 + step if a step fails: which one, for the message. */
static void
step(int ok, int n)
{
	if (!ok)
		_exit(10 + n);
}

/* Both children: memory, the clock, writing, a failed syslog reconnect. */
static void
common_calls(void *arg)
{
	struct timespec	 ts;
	char		*p;
	int		 fd;

	step(write(2, "", 0) == 0, 0);
	step((p = malloc(1 << 20)) != NULL, 1);	/* mmap */
	memset(p, 1, 1 << 20);
	free(p);				/* munmap */
	step((p = malloc(64)) != NULL, 2);
	free(p);
	step(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts) == 0, 3);
	step(getpid() > 0, 4);
	errno = 0;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	step(fd == -1 && errno == EACCES, 5);
}

static void
capture_calls(void *arg)
{
	int	*pfd = arg;
	char	 c;

	common_calls(NULL);
	step(read(pfd[0], &c, 1) == 1 && c == 'x', 6);
	/* libpcap's recv(2) of the NFLOG socket; a pipe is no socket. */
	step(recvfrom(pfd[0], &c, 1, MSG_DONTWAIT, NULL, NULL) == -1 &&
	    errno == ENOTSOCK, 7);
	step(close(pfd[0]) == 0, 8);
}

/* The test's UDP and TCP sockets on loopback, and their addresses. */
struct dns_rx {
	int			fd, tcp;
	struct sockaddr_in	sin, tsin;
};

/* A socket as c-ares makes one: non-blocking, close-on-exec by fcntl. */
static int
cares_socket(int family, int type)
{
	int	s, fl;

	if ((s = socket(family, type, 0)) == -1)
		return -1;
	if ((fl = fcntl(s, F_GETFL)) == -1 ||
	    fcntl(s, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    fcntl(s, F_SETFD, FD_CLOEXEC) == -1)
		return -1;
	return s;
}

/*
 * A query to the test's sockets over loopback, as c-ares sends it: UDP
 * connected, then TCP with TCP_NODELAY and writev.
 */
static void
resolver_calls(void *arg)
{
	const struct dns_rx	*rx = arg;
	struct iovec		 iov[2];
	char			 buf[8];
	int			 s, s6, t, on = 1;

	common_calls(NULL);
	step((s = cares_socket(AF_INET, SOCK_DGRAM)) != -1, 7);
	step((s6 = cares_socket(AF_INET6, SOCK_DGRAM)) != -1, 8);
	step(close(s6) == 0, 9);
	step(connect(s, (const struct sockaddr *)&rx->sin,
	    sizeof(rx->sin)) == 0, 10);
	memset(buf, 'q', sizeof(buf));
	step(sendto(s, buf, sizeof(buf), MSG_NOSIGNAL, NULL, 0) ==
	    sizeof(buf), 11);
	step(recvfrom(s, buf, sizeof(buf), 0, NULL, NULL) == -1 &&
	    errno == EAGAIN, 12);
	step(close(s) == 0, 13);
	step((t = cares_socket(AF_INET, SOCK_STREAM)) != -1, 14);
	step(setsockopt(t, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on)) == 0,
	    15);
	step(connect(t, (const struct sockaddr *)&rx->tsin,
	    sizeof(rx->tsin)) == 0 || errno == EINPROGRESS, 16);
	iov[0].iov_base = buf;
	iov[0].iov_len = 2;
	iov[1].iov_base = buf + 2;
	iov[1].iov_len = 6;
	step(writev(t, iov, 2) == 8 || errno == EAGAIN, 17);
	step(close(t) == 0, 18);
}

/* The test's TCP listener on loopback, and its address. */
struct tcp_rx {
	int			fd;
	struct sockaddr_in	sin;
};

/* The next byte from s, by recv(2) or read(2), in bounded spins. */
static char
spin_byte(int s, int use_recv)
{
	char	c = 0;
	long	spins;
	ssize_t	n;

	for (spins = 0; spins < SPINS_MAX; spins++) {
		n = use_recv ? recv(s, &c, 1, 0) : read(s, &c, 1);
		if (n != -1 || errno != EAGAIN)
			break;
	}
	return c;
}

/*
 * What hiredis does to reach Redis, as the sync process runs it: a
 * non-blocking socket, TCP_NODELAY, a connect that completes later, its
 * outcome from SO_ERROR, a command written and its answer read (write
 * and read as 0.14 does, send and recv as 1.x does).
 */
static void
sync_calls(void *arg)
{
	const struct tcp_rx	*rx = arg;
	uint8_t			 rnd[16];
	socklen_t		 len;
	long			 spins;
	int			 s, one = 1, err = -1, fl;

	common_calls(NULL);
	step(getrandom(rnd, sizeof(rnd), 0) == sizeof(rnd), 6);
	step((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP)) !=
	    -1, 7);
	step((fl = fcntl(s, F_GETFL)) != -1 &&
	    fcntl(s, F_SETFL, fl | O_NONBLOCK) == 0, 8);
	step(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0,
	    9);
	step(connect(s, (const struct sockaddr *)&rx->sin, sizeof(rx->sin)) ==
	    0 || errno == EINPROGRESS, 10);
	/*
	 * poll(2) is not the child's to make (the event loop's epoll is):
	 * bounded spins instead, over loopback a few at most.
	 */
	len = sizeof(err);
	step(getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0,
	    11);
	for (spins = 0; spins < SPINS_MAX && send(s, "PING\r\n", 6,
	    MSG_NOSIGNAL) == -1 && errno == EAGAIN; spins++)
		;
	step(spins < SPINS_MAX, 12);
	step(write(s, "PING\r\n", 6) == 6, 13);
	step(spin_byte(s, 0) == '+', 15);
	step(spin_byte(s, 1) == 'P', 16);
	step(close(s) == 0, 17);
	step((s = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0)) != -1, 18);
	step(close(s) == 0, 19);
}

/* --- the tests --------------------------------------------------------- */

static void
check_allowed(const char *name, int status)
{
	char	buf[64];

	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		pass(name);
	else if (WIFEXITED(status) && WEXITSTATUS(status) >= 10)
		failed(name, "step %d failed", WEXITSTATUS(status) - 10);
	else
		failed(name, "%s", status_str(status, buf, sizeof(buf)));
}

static void
test_capture_allowed(void)
{
	int	pfd[2], status;

	if (pipe(pfd) == -1 || write(pfd[1], "x", 1) != 1) {
		perror("pipe");
		exit(2);
	}
	status = run_restricted(&seccomp_capture, capture_calls, pfd, NULL, 0);
	close(pfd[0]);
	close(pfd[1]);
	check_allowed("capture: its own calls work under its filter", status);
}

/* The forked process sends to the sockets the test bound. */
static void
test_resolver_allowed(void)
{
	const char	*name = "resolver: its own calls work under its "
			    "filter (UDP and TCP over loopback)";
	struct dns_rx	 rx;
	socklen_t	 len = sizeof(rx.sin);
	char		 buf[16];
	int		 status;

	memset(&rx, 0, sizeof(rx));
	if ((rx.fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)) == -1 ||
	    (rx.tcp = socket(AF_INET, SOCK_STREAM, 0)) == -1) {
		perror("socket");
		exit(2);
	}
	rx.sin.sin_family = AF_INET;
	rx.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rx.tsin = rx.sin;
	if (bind(rx.fd, (struct sockaddr *)&rx.sin, len) == -1 ||
	    getsockname(rx.fd, (struct sockaddr *)&rx.sin, &len) == -1 ||
	    bind(rx.tcp, (struct sockaddr *)&rx.tsin, len) == -1 ||
	    getsockname(rx.tcp, (struct sockaddr *)&rx.tsin, &len) == -1 ||
	    listen(rx.tcp, 1) == -1) {
		perror("bind");
		exit(2);
	}
	status = run_restricted(&seccomp_resolver, resolver_calls, &rx,
	    NULL, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		REQUIRE(recv(rx.fd, buf, sizeof(buf), 0) == 8,
		    "the datagram did not arrive");
	check_allowed(name, status);
 out:
	close(rx.fd);
	close(rx.tcp);
}

/*
 * sync against a listener of the test's: the listener accepts, reads the
 * child's bytes and answers "+PONG"; the child checks what it gets.
 */
static void
test_sync_allowed(void)
{
	const char	*name = "sync: its own calls work under its filter (TCP "
			    "to a listener on loopback)";
	struct tcp_rx	 rx;
	socklen_t	 len = sizeof(rx.sin);
	char		 buf[16];
	int		 status, c = -1;
	pid_t		 pid;

	memset(&rx, 0, sizeof(rx));
	rx.sin.sin_family = AF_INET;
	rx.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((rx.fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(rx.fd, (struct sockaddr *)&rx.sin, len) == -1 ||
	    getsockname(rx.fd, (struct sockaddr *)&rx.sin, &len) == -1 ||
	    listen(rx.fd, 1) == -1) {
		perror("listener");
		exit(2);
	}
	/* The answer is sent before the child asks: it lies in the buffer. */
	fflush(NULL);
	if ((pid = fork()) == 0) {
		if ((c = accept(rx.fd, NULL, NULL)) == -1 ||
		    write(c, "+PONG\r\n", 7) != 7 ||
		    read(c, buf, sizeof(buf)) <= 0)
			_exit(1);
		_exit(0);
	}
	status = run_restricted(&seccomp_sync, sync_calls, &rx, NULL, 0);
	waitpid(pid, NULL, 0);
	check_allowed(name, status);
	close(rx.fd);
}

/* One forbidden call, made with syscall(2): its number and arguments. */
struct forbidden {
	const char	*what;
	long		 nr;
	long		 a[4];
	int		 capture, resolver, sync;	/* forbidden to which */
};

static void
do_forbidden(void *arg)
{
	const struct forbidden	*f = arg;

	syscall(f->nr, f->a[0], f->a[1], f->a[2], f->a[3]);
	_exit(0);
}

static void
test_forbidden(const struct syscall_policy *p, struct forbidden *f)
{
	char	name[160], buf[64];
	int	status;

	snprintf(name, sizeof(name), "%s: %s kills it with SIGSYS", p->name,
	    f->what);
	status = run_restricted(p, do_forbidden, f, NULL, 0);
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		pass(name);
	else
		failed(name, "%s", status_str(status, buf, sizeof(buf)));
}

#ifdef __x86_64__
/* getpid through the 32-bit entry point: another audit architecture. */
static void
do_i386(void *arg)
{
	long	ret = 20;	/* __NR_getpid on i386 */

	__asm__ volatile ("int $0x80" : "+a"(ret) : : "memory");
	_exit(0);
}

static void
test_i386(const struct syscall_policy *p)
{
	char	name[96], buf[64];
	int	status;

	snprintf(name, sizeof(name), "%s: an i386 call kills it with SIGSYS",
	    p->name);
	status = run_restricted(p, do_i386, NULL, NULL, 0);
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		pass(name);
	else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV)
		printf("ok %s # skip no 32-bit entry point in this kernel\n",
		    name);
	else
		failed(name, "%s", status_str(status, buf, sizeof(buf)));
}
#endif

#ifdef SECCOMP_SANITIZERS
static void
do_overflow(void *arg)
{
	volatile char	*p = malloc(8);
	size_t		 i = *(volatile size_t *)arg;

	p[i] = 1;		/* heap-buffer-overflow */
	free((char *)p);
}

/*
 * What the sanitizer build adds to the filters is enough for a report to
 * be written: an error in a child shows as such, not as a SIGSYS.
 */
static void
test_sanitizer_report(const struct syscall_policy *p)
{
	char	name[96], buf[64], err[4096];
	size_t	i = 8;
	int	status;

	snprintf(name, sizeof(name), "%s: an ASan report gets out under the "
	    "filter", p->name);
	status = run_restricted(p, do_overflow, &i, err, sizeof(err));
	REQUIRE(!(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS),
	    "killed by SIGSYS");
	REQUIRE(strstr(err, "AddressSanitizer: heap-buffer-overflow") != NULL,
	    "no report (%s)", status_str(status, buf, sizeof(buf)));
	pass(name);
 out:
	return;
}
#endif

int
main(void)
{
	struct forbidden	 f[] = {
#ifndef SECCOMP_SANITIZERS	/* there it fails: see seccomp.c */
		{ "openat of a directory", SYS_openat,
		    { AT_FDCWD, 0, O_RDONLY | O_DIRECTORY }, 1, 1, 1 },
#endif
		{ "mkdirat", SYS_mkdirat, { AT_FDCWD, 0, 0700 }, 1, 1, 1 },
		{ "unlinkat", SYS_unlinkat, { AT_FDCWD, 0, 0 }, 1, 1, 1 },
		{ "execve", SYS_execve, { 0, 0, 0 }, 1, 1, 1 },
		{ "socket(AF_PACKET)", SYS_socket,
		    { AF_PACKET, SOCK_RAW, 0 }, 1, 1, 1 },
		{ "socket(AF_NETLINK)", SYS_socket,
		    { AF_NETLINK, SOCK_RAW, 0 }, 1, 1, 1 },
		{ "socket(AF_INET, SOCK_STREAM)", SYS_socket,
		    { AF_INET, SOCK_STREAM, 0 }, 1, 0, 0 },
		{ "socket(AF_INET, SOCK_RAW)", SYS_socket,
		    { AF_INET, SOCK_RAW, IPPROTO_UDP }, 1, 1, 1 },
		{ "socket(AF_INET6, SOCK_SEQPACKET)", SYS_socket,
		    { AF_INET6, SOCK_SEQPACKET, 0 }, 1, 1, 1 },
		{ "socket(AF_INET6, SOCK_RAW)", SYS_socket,
		    { AF_INET6, SOCK_RAW, IPPROTO_ICMPV6 }, 1, 1, 1 },
		{ "socket(AF_INET, SOCK_DGRAM)", SYS_socket,
		    { AF_INET, SOCK_DGRAM, 0 }, 1, 0, 1 },
		{ "ptrace", SYS_ptrace, { 0, 0, 0 }, 1, 1, 1 },
		{ "kill", SYS_kill, { 0, 0, 0 }, 1, 1, 1 },
		{ "setuid", SYS_setuid, { 0, 0, 0 }, 1, 1, 1 },
		{ "bind", SYS_bind, { -1, 0, 0 }, 1, 1, 1 },
		{ "connect", SYS_connect, { -1, 0, 0 }, 1, 0, 0 },
		{ "listen", SYS_listen, { -1, 0, 0 }, 1, 1, 1 },
		{ "accept4", SYS_accept4, { -1, 0, 0, 0 }, 1, 1, 1 },
		{ "getrandom", SYS_getrandom, { 0, 0, 0 }, 1, 1, 0 },
		{ "fcntl(F_DUPFD)", SYS_fcntl, { -1, F_DUPFD, 0 }, 1, 1, 1 },
		{ "fcntl(F_SETOWN)", SYS_fcntl, { -1, F_SETOWN, 0 }, 1, 1, 1 },
		{ "setsockopt(SO_BINDTODEVICE)", SYS_setsockopt,
		    { -1, SOL_SOCKET, SO_BINDTODEVICE, 0 }, 1, 1, 1 },
		{ "setsockopt(IP_HDRINCL)", SYS_setsockopt,
		    { -1, IPPROTO_IP, IP_HDRINCL, 0 }, 1, 1, 1 },
		{ "read", SYS_read, { -1, 0, 0 }, 0, 1, 0 },
		{ "getsockopt(TCP_INFO)", SYS_getsockopt,
		    { -1, IPPROTO_TCP, TCP_INFO, 0 }, 1, 1, 1 },
#ifdef __x86_64__
		{ "an x32 call", __X32_SYSCALL_BIT | SYS_getpid,
		    { 0, 0, 0 }, 1, 1, 1 },
#endif
	};
	size_t			 i, j;

	strlcpy(dir, "/tmp/seccomp_test.XXXXXX", sizeof(dir));
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (f[i].nr == SYS_openat || f[i].nr == SYS_mkdirat ||
		    f[i].nr == SYS_unlinkat)
			f[i].a[1] = (long)dir;
	for (i = 0; i < sizeof(policies) / sizeof(policies[0]); i++)
		test_shape(policies[i]);
	test_capture_allowed();
	test_resolver_allowed();
	test_sync_allowed();
	for (i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		for (j = 0; j < sizeof(f) / sizeof(f[0]); j++)
			if (policies[i] == &seccomp_capture ? f[j].capture :
			    policies[i] == &seccomp_resolver ? f[j].resolver :
			    f[j].sync)
				test_forbidden(policies[i], &f[j]);
#ifdef __x86_64__
		test_i386(policies[i]);
#endif
#ifdef SECCOMP_SANITIZERS
		test_sanitizer_report(policies[i]);
#endif
	}
	rmdir(dir);
	return unit_exit_status();
}
#endif /* SECCOMP_SANDBOX */
