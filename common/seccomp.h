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

#ifndef SECCOMP_H
#define SECCOMP_H

#include <stddef.h>
#include <stdint.h>

/*
 * The system calls a child may make once it is initialised (Linux, on
 * x86_64 and aarch64: SECCOMP_SANDBOX is then 1).  Anything else kills
 * the child with SIGSYS.  Elsewhere the policies are empty and installing
 * one does nothing: OpenBSD children pledge(2) instead.
 */
#if defined(__linux__) && (defined(__x86_64__) || defined(__aarch64__))
#define SECCOMP_SANDBOX	1
#else
#define SECCOMP_SANDBOX	0
#endif

/* Argument idx, its low 32 bits masked with mask, must equal value. */
struct syscall_arg {
	unsigned int	idx;
	uint32_t	mask;
	uint32_t	value;
};

/*
 * One system call, with at most two argument conditions (nargs); one that
 * matches is allowed, or fails with errno err when err is not 0.
 * Several rules may name the same call.
 */
struct syscall_rule {
	int			nr;
	int			err;
	unsigned int		nargs;
	struct syscall_arg	arg[2];
};

struct syscall_policy {
	const char			*name;
	const struct syscall_rule	*rules;
	size_t				 nrules;
};

extern const struct syscall_policy	seccomp_capture;
extern const struct syscall_policy	seccomp_resolver;
extern const struct syscall_policy	seccomp_sync;

/* Install policy for good; fatal if the kernel refuses. */
void	seccomp_install(const struct syscall_policy *);

#if SECCOMP_SANDBOX
struct sock_filter;
/*
 * The filter as BPF instructions, in prog (room for max); returns their
 * number, or 0 if they do not fit.
 */
size_t	seccomp_compile(const struct syscall_policy *, struct sock_filter *,
	    size_t);
#endif

#endif /* SECCOMP_H */
