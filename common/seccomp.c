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
 * The children's system call allowlists, as seccomp-BPF filters (Linux).
 * A child installs its own once it is initialised: privileges dropped,
 * chrooted, its descriptors open.  From then on it only serves the parent,
 * and that takes few calls: the event loop, the socket to the parent,
 * memory, the clock, logging and exit, plus per child what its work needs.
 * Any other call, or a call from another architecture or ABI, kills the
 * whole child with SIGSYS; the parent then stops the daemon.
 *
 * The lists come from the whole regress suite, plain and sanitized, run
 * under strace(1) with the filter logging instead of killing: the calls
 * each child made once its filter was in.
 */

#include <sys/types.h>

#include "log.h"
#include "seccomp.h"

#if SECCOMP_SANDBOX

#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>

#if defined(__x86_64__)
#define SECCOMP_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SECCOMP_ARCH	AUDIT_ARCH_AARCH64
#endif

/* Where the low 32 bits of a 64-bit argument are. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG_LO(i)	(offsetof(struct seccomp_data, args) + 8 * (i))
#else
#define ARG_LO(i)	(offsetof(struct seccomp_data, args) + 8 * (i) + 4)
#endif

#define ALLOW(name)	{ .nr = __NR_##name }
/* socket(domain, type): the type without its SOCK_NONBLOCK, SOCK_CLOEXEC. */
#define SOCKET(domain, type, e)	{ .nr = __NR_socket, .err = (e),	\
	.nargs = 2, .arg = { { 0, 0xffffffff, (domain) },		\
	{ 1, ~(uint32_t)(SOCK_NONBLOCK | SOCK_CLOEXEC), (type) } } }

/* What every child does once initialised. */
static const struct syscall_rule common_rules[] = {
	/* The event loop and the socket to the parent (imsg). */
#ifdef __NR_epoll_wait
	ALLOW(epoll_wait),
#else
	ALLOW(epoll_pwait),
#endif
	ALLOW(epoll_ctl),
	ALLOW(recvmsg),
	ALLOW(sendmsg),
	ALLOW(close),
	/* Logging to stderr or stdout: stdio looks at its descriptor once. */
	ALLOW(write),
	ALLOW(newfstatat),
#ifdef __NR_fstat
	ALLOW(fstat),
#endif
	/*
	 * syslog(3) sends on the socket it opened before the chroot, and
	 * stamps each message with our pid.  Reconnecting after syslogd
	 * restarted cannot work in the empty chroot: it fails, not kills.
	 */
	ALLOW(sendto),
	ALLOW(getpid),
	SOCKET(AF_UNIX, SOCK_DGRAM, EACCES),
	SOCKET(AF_UNIX, SOCK_STREAM, EACCES),
	/* malloc(3). */
	ALLOW(brk),
	ALLOW(mmap),
	ALLOW(munmap),
	ALLOW(mremap),
	/* The clock, where the vDSO falls back to the kernel. */
	ALLOW(clock_gettime),
	ALLOW(gettimeofday),
#ifdef __NR_time
	ALLOW(time),
#endif
	/* Leaving; going on after a stop (SIGSTOP, a debugger). */
	ALLOW(exit_group),
	ALLOW(restart_syscall),
};

/*
 * capture reads the savefile it was handed before the drop, or the NFLOG
 * socket it opened then (libpcap's recv(2) is recvfrom).
 */
static const struct syscall_rule capture_rules[] = {
	ALLOW(read),
	ALLOW(recvfrom),
};

/*
 * The resolver (c-ares, measured with 1.18 under strace over the rdns and
 * spf tests): per query a UDP socket, made non-blocking and close-on-exec
 * with fcntl, connected to the nameserver, the query sent with sendto and
 * the answer read with recvfrom; for a truncated answer the same over TCP,
 * with TCP_NODELAY and the query written with writev.  Sockets of other
 * families or types (raw, packet, netlink) stay forbidden, and so do all
 * other fcntl commands and socket options.
 */
#define FCNTL(cmd)	{ .nr = __NR_fcntl, .nargs = 1,			\
	.arg = { { 1, 0xffffffff, (cmd) } } }
static const struct syscall_rule resolver_rules[] = {
	SOCKET(AF_INET, SOCK_DGRAM, 0),
	SOCKET(AF_INET6, SOCK_DGRAM, 0),
	SOCKET(AF_INET, SOCK_STREAM, 0),
	SOCKET(AF_INET6, SOCK_STREAM, 0),
	FCNTL(F_GETFL),
	FCNTL(F_SETFL),
	FCNTL(F_SETFD),
	{ .nr = __NR_setsockopt, .nargs = 2, .arg = {
	    { 1, 0xffffffff, IPPROTO_TCP }, { 2, 0xffffffff, TCP_NODELAY } } },
	ALLOW(connect),
	ALLOW(recvfrom),
	ALLOW(writev),
};

/*
 * sync is a TCP client of one Redis server.  hiredis makes the socket
 * non-blocking with fcntl, sets TCP_NODELAY, connects, learns how the
 * connect went with getsockopt(SO_ERROR), then reads and writes (read and
 * write in hiredis 0.14, recv and send in 1.x).  The address it is given
 * is numeric, so getaddrinfo(3) calls nothing.  arc4random(3) (the
 * backoff's jitter) calls getrandom(2).
 */
static const struct syscall_rule sync_rules[] = {
	SOCKET(AF_INET, SOCK_STREAM, 0),
	SOCKET(AF_INET6, SOCK_STREAM, 0),
	ALLOW(connect),
	{ .nr = __NR_fcntl, .nargs = 1, .arg = { { 1, 0xffffffff, F_GETFL } } },
	{ .nr = __NR_fcntl, .nargs = 1, .arg = { { 1, 0xffffffff, F_SETFL } } },
	{ .nr = __NR_setsockopt, .nargs = 2, .arg = {
	    { 1, 0xffffffff, IPPROTO_TCP }, { 2, 0xffffffff, TCP_NODELAY } } },
	{ .nr = __NR_getsockopt, .nargs = 2, .arg = {
	    { 1, 0xffffffff, SOL_SOCKET }, { 2, 0xffffffff, SO_ERROR } } },
	ALLOW(read),
	ALLOW(recvfrom),
	ALLOW(getrandom),
};

#ifdef SECCOMP_SANITIZERS
/*
 * Only in a build with AddressSanitizer and UndefinedBehaviorSanitizer
 * (make SAN=1): what their runtime adds.  At exit it takes down its
 * signal stack.  A report looks at its terminal, reads /proc/self/maps
 * and looks for a symbolizer, which fails in the chroot (here it fails
 * the same way outside one), writes, and aborts.
 */
static const struct syscall_rule sanitizer_rules[] = {
	ALLOW(sigaltstack),
	ALLOW(madvise),
	ALLOW(futex),
	{ .nr = __NR_ioctl, .nargs = 1, .arg = { { 1, 0xffffffff, TCGETS } } },
#ifdef __NR_open
	{ .nr = __NR_open, .err = ENOENT },
#endif
#ifdef __NR_stat
	{ .nr = __NR_stat, .err = ENOENT },
#endif
#ifdef __NR_readlink
	{ .nr = __NR_readlink, .err = ENOENT },
#endif
	{ .nr = __NR_openat, .err = ENOENT },
	{ .nr = __NR_readlinkat, .err = ENOENT },
	ALLOW(gettid),
	ALLOW(rt_sigprocmask),
	ALLOW(tgkill),
};
#endif

const struct syscall_policy seccomp_capture = {
	"capture", capture_rules, sizeof(capture_rules) /
	    sizeof(capture_rules[0])
};
const struct syscall_policy seccomp_resolver = {
	"resolver", resolver_rules, sizeof(resolver_rules) /
	    sizeof(resolver_rules[0])
};
const struct syscall_policy seccomp_sync = {
	"sync", sync_rules, sizeof(sync_rules) / sizeof(sync_rules[0])
};

struct prog {
	struct sock_filter	*insn;
	size_t			 len, max;
};

static void
emit(struct prog *p, uint16_t code, uint32_t k, uint8_t jt, uint8_t jf)
{
	if (p->len < p->max) {
		p->insn[p->len].code = code;
		p->insn[p->len].jt = jt;
		p->insn[p->len].jf = jf;
		p->insn[p->len].k = k;
	}
	p->len++;
}

static uint32_t
action(const struct syscall_rule *r)
{
	if (r->err != 0)
		return SECCOMP_RET_ERRNO | (r->err & SECCOMP_RET_DATA);
	return SECCOMP_RET_ALLOW;
}

/*
 * One rule, with the call number in the accumulator.  Without conditions:
 * "nr? return action".  With them, each condition loads its argument and
 * jumps to a reload of the number when it does not hold, so that the next
 * rule finds the number in the accumulator again.
 */
static void
emit_rule(struct prog *p, const struct syscall_rule *r)
{
	const struct syscall_arg	*a;
	unsigned int			 i, body = 0, left;

	if (r->nargs == 0) {
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, r->nr, 0, 1);
		emit(p, BPF_RET | BPF_K, action(r), 0, 0);
		return;
	}
	for (i = 0; i < r->nargs; i++)
		body += r->arg[i].mask != 0xffffffff ? 3 : 2;
	/* The conditions, the return and the reload. */
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, r->nr, 0, body + 2);
	left = body;
	for (i = 0; i < r->nargs; i++) {
		a = &r->arg[i];
		emit(p, BPF_LD | BPF_W | BPF_ABS, ARG_LO(a->idx), 0, 0);
		left--;
		if (a->mask != 0xffffffff) {
			emit(p, BPF_ALU | BPF_AND | BPF_K, a->mask, 0, 0);
			left--;
		}
		left--;
		/* Past the rest of the conditions and the return. */
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, a->value, 0, left + 1);
	}
	emit(p, BPF_RET | BPF_K, action(r), 0, 0);
	emit(p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr),
	    0, 0);
}

static void
emit_rules(struct prog *p, const struct syscall_rule *r, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		emit_rule(p, &r[i]);
}

size_t
seccomp_compile(const struct syscall_policy *policy, struct sock_filter *insn,
    size_t max)
{
	struct prog	p = { insn, 0, max };

	/* Another architecture numbers its calls differently: kill. */
	emit(&p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch),
	    0, 0);
	emit(&p, BPF_JMP | BPF_JEQ | BPF_K, SECCOMP_ARCH, 1, 0);
	emit(&p, BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS, 0, 0);
	emit(&p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr),
	    0, 0);
#ifdef __x86_64__
	/* Same architecture, other ABI: x32 calls have this bit set. */
	emit(&p, BPF_JMP | BPF_JGE | BPF_K, __X32_SYSCALL_BIT, 0, 1);
	emit(&p, BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS, 0, 0);
#endif
	emit_rules(&p, common_rules, sizeof(common_rules) /
	    sizeof(common_rules[0]));
	emit_rules(&p, policy->rules, policy->nrules);
#ifdef SECCOMP_SANITIZERS
	emit_rules(&p, sanitizer_rules, sizeof(sanitizer_rules) /
	    sizeof(sanitizer_rules[0]));
#endif
	emit(&p, BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS, 0, 0);
	return p.len <= max ? p.len : 0;
}

void
seccomp_install(const struct syscall_policy *policy)
{
	struct sock_filter	insn[BPF_MAXINSNS];
	struct sock_fprog	prog;
	size_t			n;

	if ((n = seccomp_compile(policy, insn, BPF_MAXINSNS)) == 0)
		fatalx("seccomp %s: filter too long", policy->name);
	prog.len = n;
	prog.filter = insn;
	/* privdrop set no_new_privs, without which this would fail. */
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == -1)
		fatal("seccomp %s", policy->name);
	log_debug("seccomp: %zu instructions", n);
}

#else /* !SECCOMP_SANDBOX */

const struct syscall_policy seccomp_capture = { "capture", NULL, 0 };
const struct syscall_policy seccomp_resolver = { "resolver", NULL, 0 };
const struct syscall_policy seccomp_sync = { "sync", NULL, 0 };

void
seccomp_install(const struct syscall_policy *policy)
{
}

#endif /* SECCOMP_SANDBOX */
