# Sourced by every regress script.  A test reports each check with pass or
# fail; regress/run.sh counts the "ok " and "FAIL " lines.

REGRESS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$REGRESS_DIR/.." && pwd)
MXALLOWD=${MXALLOWD:-$TOP/mxallowd}

# The end-to-end tests run under either Linux backend (BACKEND, default
# nfqueue; the nft-*.sh wrappers set nftables and TEST_TAG, which prefixes
# every check's name).
BACKEND=${BACKEND:-nfqueue}
pass() { echo "ok ${TEST_TAG:+$TEST_TAG: }$*"; }
fail() { echo "FAIL ${TEST_TAG:+$TEST_TAG: }$*"; }

# check NAME COMMAND...: pass when COMMAND exits 0.
check() {
	local name=$1; shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}

# now_ms: the clock, in milliseconds.
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# wait_until SECONDS CMD...: run CMD every 50 ms until it succeeds (0) or
# SECONDS have passed by the clock (1); WAITED_MS is how long it took.
# Every wait in the suite is one of these, with a ceiling of tens of
# seconds: on a loaded machine the wait is longer, never a failure.
wait_until() {
	local limit=$(( $1 * 1000 )) t0
	shift
	t0=$(now_ms)
	while :; do
		if "$@"; then
			WAITED_MS=$(( $(now_ms) - t0 ))
			return 0
		fi
		WAITED_MS=$(( $(now_ms) - t0 ))
		[ "$WAITED_MS" -ge "$limit" ] && return 1
		sleep 0.05
	done
}

# A private scratch directory, removed on exit.
scratch() {
	SCRATCH=$(mktemp -d /tmp/mxallowd-regress.XXXXXX)
	chmod 0755 "$SCRATCH"	# readable by the unprivileged tests
	trap 'stop_daemon; rm -rf "$SCRATCH"' EXIT
}

# --- running the daemon in the foreground -------------------------------

# start_daemon CONF [ARGS...]: start mxallowd -d on CONF in the background;
# sets DAEMON_PID and DAEMON_LOG (stderr of all three processes).  It runs
# in a network namespace of its own (it binds an nfqueue and raw sockets),
# or in the one DAEMON_NETNS names.  Both wrappers exec, so $! is the daemon.
start_daemon() {
	local conf=$1; shift
	DAEMON_LOG=$SCRATCH/daemon.log
	: >"$DAEMON_LOG"
	if [ -n "${DAEMON_NETNS:-}" ]; then
		ip netns exec "$DAEMON_NETNS" "$MXALLOWD" -d -c "$conf" "$@" \
		    2>>"$DAEMON_LOG" &
	else
		unshare -n "$MXALLOWD" -d -c "$conf" "$@" 2>>"$DAEMON_LOG" &
	fi
	DAEMON_PID=$!
}

# stats_of NAME: the value of NAME in the daemon's last statistics line.
stats_of() {
	grep 'statistics:' "$DAEMON_LOG" | tail -1 | tr ' ' '\n' |
	    sed -n "s/^$1=//p"
}

# log_count_above PATTERN N: more than N log lines match PATTERN.
log_count_above() {
	[ "$(grep -cE -- "$1" "$DAEMON_LOG")" -gt "$2" ]
}

# signal_and_wait SIGNAL PATTERN: send SIGNAL to the daemon, then wait (30 s
# at most) for one more log line matching PATTERN than there was before.
signal_and_wait() {
	local before
	before=$(grep -cE -- "$2" "$DAEMON_LOG")
	kill -"$1" "$DAEMON_PID" || return 1
	wait_until 30 log_count_above "$2" "$before"
}

# request_stats: SIGUSR1, then wait for one more statistics line.
request_stats() {
	signal_and_wait USR1 'statistics:'
}

# wait_log PATTERN [SECONDS]: wait (30 s, or SECONDS, at most) until the
# daemon's log matches PATTERN.
wait_log() {
	wait_until "${2:-30}" grep -qE -- "$1" "$DAEMON_LOG"
}

# all_gone PID...: none of PID exists (a zombie counts as gone).
all_gone() {
	local p
	for p; do
		[ -d /proc/$p ] &&
		    [ "$(awk '{print $3}' /proc/$p/stat 2>/dev/null)" != Z ] &&
		    return 1
	done
	return 0
}

# wait_gone_ms MS PID...: wait until no PID exists.  MS is what the
# daemon promises; the wait itself goes on to 20 s, since a loaded
# machine may stretch any promise, and GONE_MS says how long it took.
wait_gone_ms() {
	local ms=$1
	shift
	[ "$ms" -lt 20000 ] && ms=20000
	wait_until $(( ms / 1000 )) all_gone "$@"
	GONE_MS=$WAITED_MS
}

# children_of PID: the PIDs whose parent is PID (procps' pgrep: one
# process, however many others the machine runs).
children_of() {
	pgrep -P "$1"
}

# child_with_title PID ROLE: the child of PID whose title is "mxallowd: ROLE".
child_with_title() {
	local c
	for c in $(children_of "$1"); do
		if tr '\0' ' ' </proc/$c/cmdline 2>/dev/null | grep -q "^mxallowd: $2"; then
			echo "$c"; return 0
		fi
	done
	return 1
}

# start_for_child CONF ROLE: start the daemon on CONF for a test of its ROLE
# child; sets VICTIM (that child) and OTHER (the other one).  Fails, with a
# FAIL line and the daemon stopped, if it does not start.
start_for_child() {
	start_daemon "$1"
	if ! wait_log 'startup complete'; then
		fail "$2: daemon starts: $(tail -3 "$DAEMON_LOG")"
		stop_daemon
		return 1
	fi
	VICTIM=$(child_with_title "$DAEMON_PID" "$2")
	OTHER=$(children_of "$DAEMON_PID" | grep -vx "$VICTIM")
}

# status_field PID FIELD: a field of /proc/PID/status, tabs folded to spaces.
status_field() {
	awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' /proc/$1/status
}

# stop_daemon: SIGKILL what is left of the daemon (by PID) and reap it.
stop_daemon() {
	local p
	[ -n "${DAEMON_PID:-}" ] || return 0
	for p in $(children_of "$DAEMON_PID") "$DAEMON_PID"; do
		kill -KILL "$p" 2>/dev/null
	done
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=
}

# need_user: the unprivileged user the children run as.
need_user() {
	if ! getent passwd _mxallowd >/dev/null; then
		fail "user _mxallowd missing: run regress/deps.sh first"
		exit 1
	fi
}

# write_conf [LINE...]: a configuration the daemon can start with, chroot
# inside the scratch dir, plus the LINEs.  Its path on stdout.
write_conf() {
	cat >"$SCRATCH/mxallowd.conf" <<CONF
fake-mailserver 192.0.2.10
fake-mailserver 2001:db8::10
real-mailserver 192.0.2.20
real-mailserver 2001:db8::20
queue-num 23
# A documentation address, never the host's resolver.
nameserver 192.0.2.53
chroot $SCRATCH/empty
# Never the system's control socket: tests may run side by side.
control-socket $SCRATCH/control.sock
# Nor the system's whitelist.
state-file $SCRATCH/state
CONF
	printf '%s\n' "$@" >>"$SCRATCH/mxallowd.conf"
	echo "$SCRATCH/mxallowd.conf"
}

# A Redis server for the shared whitelist that nothing answers on (a
# documentation address, no route in the test's namespace): sync runs,
# and tries again and again.
REDIS_NOWHERE="redis redis://192.0.2.40/0"
