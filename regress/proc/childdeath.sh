#!/usr/bin/env bash
# A child that dies takes the daemon down, loudly; a parent that dies takes
# its children with it.
source "$(dirname "$0")/../lib.sh"
scratch
need_user
conf=$(write_conf "$REDIS_NOWHERE")

for role in capture resolver sync; do
	start_for_child "$conf" $role || continue
	victim=$VICTIM other=$OTHER
	kill -KILL "$victim"
	# shellcheck disable=SC2086	# a list of PIDs
	check "kill -9 $role: parent and the other children exit" \
	    wait_gone_ms 2000 "$DAEMON_PID" $other
	wait "$DAEMON_PID"; rc=$?
	DAEMON_PID=
	check "kill -9 $role: parent exits non-zero (status $rc)" test $rc -ne 0
	check "kill -9 $role: log names the child and the signal" \
	    grep -qE "$role process $victim terminated by signal 9|lost connection to $role process" "$DAEMON_LOG"
	check "kill -9 $role: log says exiting on error" \
	    grep -q 'exiting on error' "$DAEMON_LOG"
done

# The parent killed outright: the children see EOF and leave.
start_daemon "$conf"
wait_log 'startup complete' || fail "parent death: daemon starts"
kids=$(children_of "$DAEMON_PID")
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=
check "kill -9 parent: the children exit" wait_gone_ms 1000 $kids
