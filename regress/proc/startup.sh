#!/usr/bin/env bash
# What stops the daemon before it starts: each a one-line error, exit 1.
source "$(dirname "$0")/../lib.sh"
scratch
conf=$(write_conf)

# expect_refusal NAME PATTERN COMMAND...: exit 1, one line on stderr matching PATTERN.
expect_refusal() {
	local name=$1 pattern=$2 out rc; shift 2
	out=$("$@" 2>&1 >/dev/null); rc=$?
	if [ $rc -eq 1 ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] &&
	    printf '%s' "$out" | grep -qE -- "$pattern"; then
		pass "$name"
	else
		fail "$name: rc=$rc, stderr: $out"
	fi
}

expect_refusal "missing user: one line naming useradd" \
    'user _nosuchuser_mx does not exist; create it with: useradd .*_nosuchuser_mx' \
    "$MXALLOWD" -d -c "$conf" --user _nosuchuser_mx

mkdir -m 0777 "$SCRATCH/open"
expect_refusal "world-writable chroot refused" \
    "chroot $SCRATCH/open must be owned by root" \
    "$MXALLOWD" -d -c "$conf" --chroot "$SCRATCH/open"

mkdir -m 0755 "$SCRATCH/full"; touch "$SCRATCH/full/leftover"
expect_refusal "non-empty chroot refused" \
    "chroot $SCRATCH/full is not empty" \
    "$MXALLOWD" -d -c "$conf" --chroot "$SCRATCH/full"

if command -v setpriv >/dev/null; then
	expect_refusal "not root: refused" 'need root privileges' \
	    setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$MXALLOWD" -d -c "$conf"
fi

# configtest needs no root (what it checks, see configtest.sh).
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$MXALLOWD" -n -c "$conf" 2>&1)
check "configtest works unprivileged" test "$out" = "configuration OK"
check "configtest created no chroot dir" test ! -e "$SCRATCH/empty"

expect_refusal "backend pf refused on Linux at startup" \
    'backend pf is only available on OpenBSD' \
    "$MXALLOWD" -d -c "$conf" --backend pf

# A queue another process has bound: said so (Linux 6.x answers EPERM,
# which must not read as missing privileges), with that process's port,
# on the terminal even without -d.
ns=mxallowd-startup-$$
if ip netns add "$ns" 2>/dev/null; then
	trap 'stop_daemon; ip netns del "$ns" 2>/dev/null; rm -rf "$SCRATCH"' EXIT
	DAEMON_NETNS=$ns start_daemon "$conf"
	if wait_log 'startup complete' 30; then
		sed "s|$SCRATCH/control.sock|$SCRATCH/control2.sock|" "$conf" >"$SCRATCH/second.conf"
		out=$(ip netns exec "$ns" "$MXALLOWD" -F -c "$SCRATCH/second.conf" 2>&1); rc=$?
		check "second daemon on a bound queue: exit 1 (rc=$rc)" test $rc -eq 1
		check "second daemon: names the queue and the holder ($out)" test "$out" = \
		    "fatal in parent: nfqueue 23 is already bound by another process (netlink port $DAEMON_PID, usually that process's pid): stop it, or choose another queue-num"
	else
		fail "second daemon on a bound queue: the first did not start: $(tail -3 "$DAEMON_LOG")"
	fi
	stop_daemon
	ip netns del "$ns"
else
	fail "second daemon on a bound queue: ip netns add $ns"
fi
