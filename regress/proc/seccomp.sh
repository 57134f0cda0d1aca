#!/usr/bin/env bash
# The children's seccomp filters, as /proc and the daemon show them: every
# child filtered (mode 2), the parent not; then a real forbidden call
# inside a running child, injected with gdb through ptrace (the daemon has
# no trigger of its own): the child dies of SIGSYS, the parent says so and
# exits 1 within a bounded time, the other children too, nothing is left.
# sync runs with a Redis server configured (one that is never reached).
source "$(dirname "$0")/../lib.sh"
scratch
need_user
conf=$(write_conf "$REDIS_NOWHERE")

if ! command -v gdb >/dev/null; then
	fail "gdb missing: run regress/deps.sh first"
	exit 1
fi
# gdb without outside help: no init files, no debuginfod, no questions.
GDB=(env -u DEBUGINFOD_URLS timeout 60 gdb -nx -batch
    -iex 'set debuginfod enabled off' -ex 'set confirm off')

# socket(AF_PACKET, SOCK_RAW, 0): no child may open one (the resolver may
# open UDP sockets and sync TCP ones, so this also tries their argument
# checks).  The call's
# number for this architecture, from the system's headers.
nr_socket=$(printf '#include <sys/syscall.h>\nSYS_socket\n' |
    ${CC:-cc} -E -P -x c - | tail -1)
AF_PACKET=17 SOCK_RAW=3
inject() {	# inject PID: make PID call socket(AF_PACKET, ...)
	"${GDB[@]}" -p "$1" \
	    -ex "call (long)syscall($nr_socket, $AF_PACKET, $SOCK_RAW, 0)" 2>&1
}

# Can this machine inject a call at all?  Try on a process of our own.
sleep 30 &
probe=$!
probe_out=$("${GDB[@]}" -p $probe -ex 'call (long)getpid()' 2>&1)
kill $probe 2>/dev/null; wait $probe 2>/dev/null
if ! grep -qE "^\\\$1 = $probe\$" <<<"$probe_out"; then
	echo "ok seccomp violation # skip gdb cannot inject a call here:" \
	    "$(grep -m1 -iE 'ptrace|denied|not permitted|error' <<<"$probe_out")"
	injection=no
else
	injection=yes
fi
case $nr_socket in
''|*[!0-9]*) fail "no number for socket(2): '$nr_socket'"; injection=no ;;
esac

for role in capture resolver sync; do
	start_for_child "$conf" $role || continue
	victim=$VICTIM other=$OTHER
	if [ $role = capture ]; then	# once is enough for the parent
		check "parent: not filtered (Seccomp 0)" \
		    test "$(status_field "$DAEMON_PID" Seccomp)" = 0
	fi
	check "$role: filtered (Seccomp 2)" \
	    test "$(status_field "$victim" Seccomp)" = 2
	filters=$(status_field "$victim" Seccomp_filters)
	check "$role: one filter at least (Seccomp_filters $filters)" \
	    test "${filters:-0}" -ge 1
	check "$role: no_new_privs, which the filter needs" \
	    test "$(status_field "$victim" NoNewPrivs)" = 1

	if [ $injection = no ]; then
		stop_daemon; continue
	fi
	t0=$(date +%s%N)
	out=$(inject "$victim")
	if grep -q 'terminated with signal SIGSYS' <<<"$out"; then
		pass "$role: the injected socket(AF_PACKET) kills it with SIGSYS"
	else
		fail "$role: the injected socket(AF_PACKET) kills it with SIGSYS"
		sed 's/^/    /' <<<"$out" | tail -5
	fi
	# shellcheck disable=SC2086	# a list of PIDs
	if wait_gone_ms 3000 "$DAEMON_PID" "$victim" $other; then
		pass "$role: parent and the other children gone" \
		    "($(( ($(date +%s%N) - t0) / 1000000 )) ms)"
	else
		fail "$role: parent and the other children gone within 3 s"
	fi
	wait "$DAEMON_PID"; rc=$?
	DAEMON_PID=
	check "$role: parent exits 1 (status $rc)" test $rc -eq 1
	check "$role: log names the child, SIGSYS and seccomp" grep -qE \
	    "parent: $role process $victim terminated by signal $(kill -l SYS) \(.*\): seccomp violation" \
	    "$DAEMON_LOG"
	check "$role: log says exiting on error" \
	    grep -q 'parent: exiting on error' "$DAEMON_LOG"
	check "$role: nothing of the daemon left running" \
	    wait_gone_ms 100 "$victim" $other
done
