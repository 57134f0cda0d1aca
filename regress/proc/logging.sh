#!/usr/bin/env bash
# Where log lines go: -s/--stdout to stdout; -q/--quiet keeps only warnings
# and errors; -v adds debug lines; the config file's stdout/quiet count too.
source "$(dirname "$0")/../lib.sh"
scratch
need_user
conf=$(write_conf)

# run_fg NAME ARGS...: run in the foreground for a moment, then SIGTERM;
# leaves stdout in $SCRATCH/NAME.out and stderr in $SCRATCH/NAME.err.
run_fg() {
	local name=$1 pid; shift
	unshare -n "$MXALLOWD" -c "$conf" "$@" >"$SCRATCH/$name.out" 2>"$SCRATCH/$name.err" &
	pid=$!
	for ((i = 0; i < 100; i++)); do
		[ "$(children_of $pid | wc -l)" -eq 2 ] && break
		sleep 0.02
	done
	sleep 0.3	# let the children report ready
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

run_fg quiet -F -s -q
check "-q: no informational lines" test ! -s "$SCRATCH/quiet.out"

echo stdout >>"$conf"; echo quiet >>"$conf"
run_fg fileflags -F
check "stdout and quiet in the file: no informational lines anywhere" \
    test ! -s "$SCRATCH/fileflags.out" -a ! -s "$SCRATCH/fileflags.err"

# -q still shows warnings: a child killed under it is logged.
unshare -n "$MXALLOWD" -c "$conf" -F >"$SCRATCH/warn.out" 2>&1 &
DAEMON_PID=$!
for ((i = 0; i < 100; i++)); do [ "$(children_of $DAEMON_PID | wc -l)" -eq 2 ] && break; sleep 0.02; done
sleep 0.2
kill -KILL "$(children_of $DAEMON_PID | head -1)"
wait $DAEMON_PID; DAEMON_PID=
check "-q: a dead child is still logged" grep -q 'terminated by signal 9' "$SCRATCH/warn.out"
