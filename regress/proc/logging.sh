#!/usr/bin/env bash
# Where log lines go: -s/--stdout to stdout; -q/--quiet keeps only warnings
# and errors; -v adds debug lines; the config file's stdout/quiet count too.
source "$(dirname "$0")/../lib.sh"
scratch
need_user
conf=$(write_conf)

# children_dropped PID: PID has both children, each running as another
# user than root (they drop privileges before they report ready).
children_dropped() {
	local c n=0
	for c in $(children_of "$1"); do
		[ "$(status_field "$c" Uid | awk '{ print $1 }')" != 0 ] &&
		    n=$((n + 1))
	done
	[ $n -eq 2 ]
}

# started PID NAME: the daemon says its startup is complete; quiet, it
# says nothing, so then both children have dropped their privileges.
started() {
	if [ "$QUIET" = 1 ]; then
		children_dropped "$1"
	else
		grep -q 'startup complete' "$SCRATCH/$2.out" "$SCRATCH/$2.err"
	fi
}

# run_fg NAME ARGS...: run in the foreground until started, then SIGTERM;
# leaves stdout in $SCRATCH/NAME.out and stderr in $SCRATCH/NAME.err.
# QUIET=1: the run logs nothing to wait for.
run_fg() {
	local name=$1 pid; shift
	unshare -n "$MXALLOWD" -c "$conf" "$@" >"$SCRATCH/$name.out" 2>"$SCRATCH/$name.err" &
	pid=$!
	wait_until 30 started $pid "$name" ||
	    fail "$name: the daemon did not start within 30 s"
	kill -TERM $pid
	wait $pid
}

run_fg stdout -F -s
check "-F -s: startup logged on stdout" grep -q '^parent: startup complete' "$SCRATCH/stdout.out"
check "-F -s: children log on stdout too" grep -q '^parent: capture process ready' "$SCRATCH/stdout.out"
check "-F -s: nothing on stderr" test ! -s "$SCRATCH/stdout.err"
check "-F -s: no debug lines without -v" test -z "$(grep 'running as' "$SCRATCH/stdout.out")"

run_fg verbose -F -s -v
check "-v: children's debug lines appear" grep -q '^capture: running as _mxallowd' "$SCRATCH/verbose.out"

QUIET=1 run_fg quiet -F -s -q
check "-q: no informational lines" test ! -s "$SCRATCH/quiet.out"

echo stdout >>"$conf"; echo quiet >>"$conf"
QUIET=1 run_fg fileflags -F
check "stdout and quiet in the file: no informational lines anywhere" \
    test ! -s "$SCRATCH/fileflags.out" -a ! -s "$SCRATCH/fileflags.err"

# -q still shows warnings: a child killed under it is logged.
unshare -n "$MXALLOWD" -c "$conf" -F >"$SCRATCH/warn.out" 2>&1 &
DAEMON_PID=$!
wait_until 30 children_dropped $DAEMON_PID ||
    fail "-q: the children did not start within 30 s"
kill -KILL "$(children_of $DAEMON_PID | head -1)"
wait $DAEMON_PID; DAEMON_PID=
check "-q: a dead child is still logged" grep -q 'terminated by signal 9' "$SCRATCH/warn.out"
