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
 * What every receiver of a message relies on, apart from the imsg library
 * itself: payload_get() and payload_batch() (a payload of any other size
 * ends the process with a line naming the message type), i2s(), and the
 * fatal lines (fatal(NULL) on the out-of-memory paths prints errno's text
 * alone, every fatal line names the process).  Each case that ends a
 * process runs in a forked child whose stderr is read back.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <imsg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsgev.h"
#include "log.h"
#include "mxallowd.h"
#include "unit.h"

/* What a forked case did: its exit status and the start of its stderr. */
struct outcome {
	int	exited;		/* 1: exited, 0: killed by a signal */
	int	status;		/* exit status, or the signal */
	char	err[512];
};

/*
 * Run fn(arg) in a child whose log goes to a pipe, as process "test";
 * fn's return is the exit status when it does not exit by itself.
 */
static int
run_forked(int (*fn)(void *), void *arg, struct outcome *o)
{
	ssize_t	n;
	size_t	have = 0;
	pid_t	pid;
	int	p[2], st;

	memset(o, 0, sizeof(*o));
	if (pipe(p) == -1 || (pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		close(p[0]);
		dup2(p[1], STDERR_FILENO);
		log_init(LOG_DEST_STDERR, 0);
		log_procinit("test");
		_exit(fn(arg));
	}
	close(p[1]);
	while (have < sizeof(o->err) - 1 &&
	    (n = read(p[0], o->err + have, sizeof(o->err) - 1 - have)) > 0)
		have += n;
	close(p[0]);
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	o->exited = WIFEXITED(st);
	o->status = o->exited ? WEXITSTATUS(st) : WTERMSIG(st);
	return 0;
}

/* One message of type with len bytes of payload, through a socketpair. */
struct onemsg {
	int		sv[2];
	struct imsgbuf	tx, rx;
	struct imsg	imsg;
	int		have;
};

static int
onemsg_make(struct onemsg *m, uint32_t type, const void *data, size_t len)
{
	memset(m, 0, sizeof(*m));
	m->sv[0] = m->sv[1] = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, m->sv) == -1 ||
	    imsgbuf_init(&m->tx, m->sv[0]) == -1 ||
	    imsgbuf_init(&m->rx, m->sv[1]) == -1)
		return -1;
	if (imsg_compose(&m->tx, type, 0, 0, -1, data, len) == -1 ||
	    imsgbuf_flush(&m->tx) == -1 || imsgbuf_read(&m->rx) != 1 ||
	    imsg_get(&m->rx, &m->imsg) <= 0)
		return -1;
	m->have = 1;
	return 0;
}

static void
onemsg_free(struct onemsg *m)
{
	if (m->have)
		imsg_free(&m->imsg);
	imsgbuf_clear(&m->tx);
	imsgbuf_clear(&m->rx);
	if (m->sv[0] != -1)
		close(m->sv[0]);
	if (m->sv[1] != -1)
		close(m->sv[1]);
}

/* The cases that run in a child. */
struct payload_case {
	struct imsg	*imsg;
	size_t		 expected;	/* payload_get: exact size */
	size_t		 elemsize;	/* payload_batch, when not 0 */
	size_t		 max;
	size_t		 got;		/* payload_batch's answer */
	uint8_t		 buf[256];
};

static int
do_payload_get(void *arg)
{
	struct payload_case	*pc = arg;

	payload_get(pc->imsg, pc->buf, pc->expected);
	return 0;
}

static int
do_payload_batch(void *arg)
{
	struct payload_case	*pc = arg;

	/* The count travels back as the exit status (small numbers). */
	return (int)payload_batch(pc->imsg, pc->buf, pc->elemsize, pc->max);
}

/* payload_get: exact size copied, anything else fatal naming the type. */
static void
t_payload_get(const char *name, size_t sent, size_t expected)
{
	struct onemsg		m;
	struct payload_case	pc;
	struct outcome		o;
	uint8_t			data[64];
	char			want[128];

	memset(data, 0xa5, sizeof(data));
	memset(&pc, 0, sizeof(pc));
	REQUIRE(onemsg_make(&m, IMSG_RDNS_REQUEST, sent ? data : NULL,
	    sent) == 0, "message: %s", strerror(errno));
	pc.imsg = &m.imsg;
	pc.expected = expected;
	REQUIRE(run_forked(do_payload_get, &pc, &o) == 0, "fork");
	REQUIRE(o.exited, "killed by signal %d: %s", o.status, o.err);
	if (sent == expected) {
		REQUIRE(o.status == 0, "exact size: exit %d, %s", o.status,
		    o.err);
	} else {
		snprintf(want, sizeof(want), "fatal in test: IMSG_RDNS_REQUEST: "
		    "bad size %zu, expected %zu\n", sent, expected);
		REQUIRE(o.status == 1, "bad size accepted (exit %d)",
		    o.status);
		REQUIRE(strcmp(o.err, want) == 0, "log line \"%s\", not "
		    "\"%s\"", o.err, want);
	}
	pass(name);
out:
	onemsg_free(&m);
}

/* payload_batch: 1..max whole elements; none, a part, or too many: fatal. */
static void
t_payload_batch(const char *name, size_t sent, size_t elemsize, size_t max)
{
	struct onemsg		m;
	struct payload_case	pc;
	struct outcome		o;
	uint8_t			data[256];
	char			want[160];
	int			good;

	memset(data, 0x5a, sizeof(data));
	memset(&pc, 0, sizeof(pc));
	REQUIRE(onemsg_make(&m, IMSG_RESULTS, sent ? data : NULL, sent) == 0,
	    "message: %s", strerror(errno));
	pc.imsg = &m.imsg;
	pc.elemsize = elemsize;
	pc.max = max;
	REQUIRE(run_forked(do_payload_batch, &pc, &o) == 0, "fork");
	REQUIRE(o.exited, "killed by signal %d: %s", o.status, o.err);
	good = sent > 0 && sent % elemsize == 0 && sent / elemsize <= max;
	if (good) {
		REQUIRE(o.status == (int)(sent / elemsize) && o.err[0] == '\0',
		    "exit %d (want %zu), %s", o.status, sent / elemsize,
		    o.err);
	} else {
		snprintf(want, sizeof(want), "fatal in test: IMSG_RESULTS: "
		    "bad size %zu, expected 1 to %zu times %zu\n", sent, max,
		    elemsize);
		REQUIRE(o.status == 1, "bad batch accepted (exit %d)",
		    o.status);
		REQUIRE(strcmp(o.err, want) == 0, "log line \"%s\", not "
		    "\"%s\"", o.err, want);
	}
	pass(name);
out:
	onemsg_free(&m);
}

static int
do_fatal_null(void *arg)
{
	errno = *(int *)arg;
	fatal(NULL);
}

static int
do_fatalx_null(void *arg)
{
	fatalx(NULL);
}

static int
do_fatal_fmt(void *arg)
{
	errno = ENOENT;
	fatal("open %s", (const char *)arg);
}

static int
do_fatalx_fmt(void *arg)
{
	errno = ENOENT;		/* not shown: fatalx ignores errno */
	fatalx("bad %s", (const char *)arg);
}

/* fatal(fmt or NULL) and fatalx: exit status 1, the line exactly. */
static void
t_fatal(const char *name, int (*fn)(void *), void *arg, const char *want)
{
	struct outcome	o;

	REQUIRE(run_forked(fn, arg, &o) == 0, "fork");
	REQUIRE(o.exited, "killed by signal %d (%s)", o.status, o.err);
	REQUIRE(o.status == 1, "exit status %d", o.status);
	REQUIRE(strcmp(o.err, want) == 0, "line \"%s\", not \"%s\"", o.err,
	    want);
	pass(name);
out:
	return;
}

/* i2s: every type has its name; an unknown one its number. */
static void
t_i2s(void)
{
	const char	*name = "i2s_names";
	uint32_t	 t;

	REQUIRE(strcmp(i2s(IMSG_RDNS_ANSWER), "IMSG_RDNS_ANSWER") == 0,
	    "IMSG_RDNS_ANSWER is \"%s\"", i2s(IMSG_RDNS_ANSWER));
	REQUIRE(strcmp(i2s(IMSG_LOG_VERBOSE), "IMSG_LOG_VERBOSE") == 0,
	    "IMSG_LOG_VERBOSE is \"%s\"", i2s(IMSG_LOG_VERBOSE));
	for (t = 0; t < IMSG_NTYPES; t++)
		REQUIRE(strncmp(i2s(t), "IMSG_", 5) == 0, "type %u is \"%s\"",
		    t, i2s(t));
	REQUIRE(strcmp(i2s(4000000000u), "type 4000000000") == 0,
	    "unknown type is \"%s\"", i2s(4000000000u));
	pass(name);
out:
	return;
}

int
main(void)
{
	int	enomem = ENOMEM, zero = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(60);		/* a hang must not stall the suite */

	t_payload_get("payload_exact_size", 16, 16);
	t_payload_get("payload_empty_expected_empty", 0, 0);
	t_payload_get("payload_short_fatal", 15, 16);
	t_payload_get("payload_long_fatal", 17, 16);
	t_payload_get("payload_unexpected_data_fatal", 4, 0);
	t_payload_get("payload_missing_fatal", 0, 16);

	t_payload_batch("batch_one", 8, 8, 4);
	t_payload_batch("batch_max", 32, 8, 4);
	t_payload_batch("batch_empty_fatal", 0, 8, 4);
	t_payload_batch("batch_partial_fatal", 12, 8, 4);
	t_payload_batch("batch_over_max_fatal", 40, 8, 4);

	t_fatal("fatal_null_errno_text", do_fatal_null, &enomem,
	    "fatal in test: Cannot allocate memory\n");
	t_fatal("fatal_null_no_errno", do_fatal_null, &zero,
	    "fatal in test\n");
	t_fatal("fatalx_null", do_fatalx_null, NULL, "fatal in test\n");
	t_fatal("fatal_format_and_errno", do_fatal_fmt, "/nonexistent",
	    "fatal in test: open /nonexistent: No such file or directory\n");
	t_fatal("fatalx_format_only", do_fatalx_fmt, "thing",
	    "fatal in test: bad thing\n");
	t_i2s();
	return unit_exit_status();
}
