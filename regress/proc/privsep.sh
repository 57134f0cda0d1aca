#!/usr/bin/env bash
# The processes, as /proc sees them: titles, users, capabilities,
# no_new_privs, the children's empty root; and a clean stop on SIGTERM /
# SIGINT.  With a Redis server configured there are four (sync, the
# shared whitelist's); without one, three.
source "$(dirname "$0")/../lib.sh"
scratch
need_user

uid=$(id -u _mxallowd)
gid=$(id -g _mxallowd)
conf=$(write_conf "$REDIS_NOWHERE")

check "chroot dir absent before start" test ! -e "$SCRATCH/empty"
start_daemon "$conf" -v
if ! wait_log 'startup complete'; then
	fail "daemon starts: $(tail -5 "$DAEMON_LOG")"
	exit 1
fi
pass "daemon starts and reports startup complete"

capture=$(child_with_title "$DAEMON_PID" capture)
resolver=$(child_with_title "$DAEMON_PID" resolver)
sync=$(child_with_title "$DAEMON_PID" sync)
check "capture process titled 'mxallowd: capture'" test -n "$capture"
check "resolver process titled 'mxallowd: resolver'" test -n "$resolver"
check "sync process titled 'mxallowd: sync'" test -n "$sync"
check "parent titled 'mxallowd: parent'" \
    grep -q '^mxallowd: parent' <(tr '\0' ' ' </proc/$DAEMON_PID/cmdline)
check "exactly three children with Redis" test "$(children_of "$DAEMON_PID" | wc -l)" -eq 3
check "parent runs as root" test "$(status_field "$DAEMON_PID" Uid)" = "0 0 0 0"
# NET_ADMIN, KILL, SETUID, SETGID, SYS_CHROOT: see limit_parent_capabilities().
check "parent keeps only the capabilities it needs (CapEff $(status_field "$DAEMON_PID" CapEff))" \
    test "$(status_field "$DAEMON_PID" CapEff)" = 00000000000410e0
check "parent's bounding set is cut to match" \
    test "$(status_field "$DAEMON_PID" CapBnd)" = 00000000000410e0

for role in capture resolver sync; do
	pid=${!role}
	[ -n "$pid" ] || continue
	check "$role: uid is _mxallowd (real, effective, saved, fs)" \
	    test "$(status_field "$pid" Uid)" = "$uid $uid $uid $uid"
	check "$role: gid is _mxallowd's group" \
	    test "$(status_field "$pid" Gid)" = "$gid $gid $gid $gid"
	check "$role: supplementary groups only its own" \
	    test "$(status_field "$pid" Groups)" = "$gid"
	check "$role: CapEff 0" test "$(status_field "$pid" CapEff)" = 0000000000000000
	check "$role: CapPrm 0" test "$(status_field "$pid" CapPrm)" = 0000000000000000
	check "$role: CapAmb 0" test "$(status_field "$pid" CapAmb)" = 0000000000000000
	check "$role: NoNewPrivs 1" test "$(status_field "$pid" NoNewPrivs)" = 1
done

check "capture's root is the chroot dir" \
    test "$(readlink /proc/$capture/root)" = "$SCRATCH/empty"
check "capture's root is empty" test -z "$(ls -A "$SCRATCH/empty")"
check "chroot dir was created root-owned, mode 755" \
    test "$(stat -c '%u %a' "$SCRATCH/empty")" = "0 755"
check "capture's working directory is its root" \
    test "$(readlink /proc/$capture/cwd)" = "$SCRATCH/empty"
check "resolver's root is the chroot dir too" \
    test "$(readlink /proc/$resolver/root)" = "$SCRATCH/empty"
check "sync's root is the chroot dir too" \
    test "$(readlink /proc/$sync/root)" = "$SCRATCH/empty"
check "sync's working directory is its root" \
    test "$(readlink /proc/$sync/cwd)" = "$SCRATCH/empty"

check "SIGUSR1 logs the processes" kill -USR1 "$DAEMON_PID"
check "SIGUSR1 output names capture" wait_log "capture process pid $capture, ready" 2
check "daemon survives SIGUSR1" test -d /proc/$DAEMON_PID

# SIGTERM: all four gone within one second, exit status 0.
start=$(date +%s%N)
kill -TERM "$DAEMON_PID"
if wait_gone_ms 1000 "$DAEMON_PID" "$capture" "$resolver" "$sync"; then
	pass "SIGTERM stops all four ($(( ($(date +%s%N) - start) / 1000000 )) ms)"
else
	fail "SIGTERM stops all four within $GONE_MS ms"
fi
wait "$DAEMON_PID"; rc=$?
DAEMON_PID=
check "exit status 0 after SIGTERM" test $rc -eq 0
check "log says terminated" grep -q 'parent: terminated' "$DAEMON_LOG"
check "no error logged on a clean stop" \
    test -z "$(grep -E 'exiting on error|terminated by signal|exited with status' "$DAEMON_LOG")"

# SIGINT does the same; and without Redis there is no sync process.
conf=$(write_conf)
start_daemon "$conf"
wait_log 'startup complete' || fail "restart for SIGINT"
check "exactly two children without Redis" test "$(children_of "$DAEMON_PID" | wc -l)" -eq 2
check "no sync process without Redis" test -z "$(child_with_title "$DAEMON_PID" sync)"
capture=$(child_with_title "$DAEMON_PID" capture)
resolver=$(child_with_title "$DAEMON_PID" resolver)
kill -INT "$DAEMON_PID"
check "SIGINT stops all three" \
    wait_gone_ms 1000 "$DAEMON_PID" "$capture" "$resolver"
wait "$DAEMON_PID"; rc=$?
DAEMON_PID=
check "exit status 0 after SIGINT" test $rc -eq 0

# The children hold nothing but their own sockets: capture only unix ones,
# the resolver also its DNS sockets (evdns' UDP sockets, unbound until the
# first query, so in no table yet), sync its TCP sockets to Redis; never the
# parent's nfqueue netlink or raw
# sockets, and nothing the daemon was started with, such as a descriptor of
# "/" that would let capture fchdir out of its chroot.
conf=$(write_conf "$REDIS_NOWHERE")
exec 9</
start_daemon "$conf"
exec 9<&-
wait_log 'startup complete' || fail "restart for descriptors"
# in_table INODE PID TABLE...: INODE is a socket listed in one of PID's
# /proc/net TABLEs (inode is field 7 in unix, 9 in packet, 10 elsewhere).
in_table() {
	local inode=$1 pid=$2 t; shift 2
	for t in "$@"; do
		awk -v i="$inode" -v t="$t" '
		    (t == "unix" && $7 == i) || (t == "packet" && $9 == i) ||
		    (t == "netlink" && $10 == i) || $10 == i { f = 1 }
		    END { exit !f }' /proc/$pid/net/$t 2>/dev/null && return 0
	done
	return 1
}
sleep 0.3	# the resolver sets up its DNS sockets after startup
for role in capture resolver sync; do
	pid=$(child_with_title "$DAEMON_PID" "$role")
	bad=
	for fd in /proc/$pid/fd/*; do
		[ "${fd##*/}" -gt 2 ] || continue	# stdio: the test's log
		link=$(readlink "$fd") || continue
		case $link in pipe:*|anon_inode:*) continue ;; esac	# libevent
		case $link in
		socket:\[*\])
			inode=${link#socket:[}; inode=${inode%]}
			in_table "$inode" $pid unix && continue
			[ $role = resolver ] && ! in_table "$inode" $pid \
			    netlink raw raw6 packet tcp tcp6 && continue
			# sync: its TCP connections to Redis, nothing else.
			[ $role = sync ] && ! in_table "$inode" $pid \
			    netlink raw raw6 packet udp udp6 && continue
			bad="$bad $link" ;;
		*)	bad="$bad $link" ;;
		esac
	done
	check "$role holds no files and no sockets but its own (${bad:-none else})" test -z "$bad"
done
parent_netlink=$(for fd in /proc/$DAEMON_PID/fd/*; do readlink "$fd"; done | grep -c socket)
check "the parent holds the queue and raw sockets ($parent_netlink sockets)" test "$parent_netlink" -ge 4
check "the parent holds no TCP socket of sync's" test -z "$(for fd in /proc/$DAEMON_PID/fd/*; do
	l=$(readlink "$fd"); i=${l#socket:[}; i=${i%]}
	[ "$l" != "$i" ] && in_table "$i" $DAEMON_PID tcp tcp6 && echo "$l"; done)"
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"; DAEMON_PID=
