# Sourced by the end-to-end tests after lab.sh: a configuration for the lab,
# (re)starting the daemon in SERVER, and a real connect from CLIENT checked.

# The resolver's server: a documentation address in every configuration,
# never the host's resolv.conf.  Tests with a DNS namespace set it to
# LAB_DNS4 or LAB_DNS6; otherwise nothing answers there.
NAMESERVER=${NAMESERVER:-192.0.2.53}

# conf EXTRA...: a configuration for the lab, plus extra lines.
conf() {
	{
		echo "fake-mailserver $LAB_FAKE4"
		echo "fake-mailserver $LAB_FAKE6"
		echo "real-mailserver $LAB_REAL4"
		echo "real-mailserver $LAB_REAL6"
		if [ "$BACKEND" = nftables ]; then
			echo "backend nftables"
		else
			echo "queue-num $QUEUE"
		fi
		echo "chroot $SCRATCH/empty"
		echo "nameserver $NAMESERVER"
		# Never the system's socket: tests may run side by side.
		echo "control-socket $SCRATCH/control.sock"
		# Every start with an empty whitelist, unless a test names a file.
		printf '%s\n' "$@" | grep -q '^state-file ' ||
		    echo "state-file none"
		printf '%s\n' "$@"
	} >"$SCRATCH/mxallowd.conf"
	echo "$SCRATCH/mxallowd.conf"
}

# daemon_up [-b] EXTRA...: (re)start the daemon on conf EXTRA...  With
# the nftables backend the previous daemon's table goes first, so that
# each start begins as empty as with nfqueue, unless KEEP_TABLE is set.
daemon_up() {
	local args=(-v)
	if [ "${1:-}" = -b ]; then args+=(-b); shift; fi
	if [ -n "${DAEMON_PID:-}" ]; then
		kill -TERM "$DAEMON_PID" 2>/dev/null; wait "$DAEMON_PID"; DAEMON_PID=
	fi
	if [ "$BACKEND" = nftables ] && [ -z "${KEEP_TABLE:-}" ]; then
		lab_in_server nft delete table inet mxallowd 2>/dev/null
	fi
	DAEMON_NETNS=$LAB_SERVER start_daemon "$(conf "$@")" "${args[@]}"
	if ! wait_log 'startup complete'; then
		fail "daemon starts: $(tail -5 "$DAEMON_LOG")"
		exit 1
	fi
}

# expect NAME WANT [MAX_MS] PROBE_ARGS...: a real connect from CLIENT gives
# WANT (connected, refused, timeout), within MAX_MS when given as a number.
expect() {
	local name=$1 want=$2 max='' out w ms
	shift 2
	if [[ $1 =~ ^[0-9]+$ ]]; then max=$1; shift; fi
	out=$(lab_probe "$@")
	read -r w ms <<<"$out"
	if [ "$w" = "$want" ] && { [ -z "$max" ] || [ "$ms" -le "$max" ]; }; then
		pass "$name ($out ms)"
	else
		fail "$name: got \"$out\", want $want${max:+ within $max ms}"
	fi
}

# stats_are NAME KV...: check each name=value against the last statistics.
stats_are() {
	local name=$1 kv got
	shift
	for kv; do
		got=$(stats_of "${kv%%=*}")
		check "$name: ${kv%%=*} is ${kv#*=} (got $got)" test "$got" = "${kv#*=}"
	done
}

# time_limit NAME SECONDS, after lab_up: the whole script's limit, by the
# clock: a guard against a hang, generous enough for a loaded machine.
# Past it, SIGTERM to this shell, whose trap reports and exits (the EXIT trap
# tears everything down); lab_down kills the timer.  time_spent NAME, at
# the end, checks that the script kept to it.
time_limit() {
	local main=$BASHPID
	TIME_LIMIT=$2 TIME_START=$(date +%s%N)
	# shellcheck disable=SC2064	# now, not when trapped
	trap "fail '$1: over the $2 s limit, stopped'; exit 143" TERM
	( end=$(( $(date +%s) + TIME_LIMIT ))
	  while [ "$(date +%s)" -lt "$end" ]; do
		sleep 0.5
		kill -0 "$main" 2>/dev/null || exit 0
	  done
	  kill -TERM "$main" ) </dev/null >/dev/null 2>&1 &
	lab_track $!
}

time_spent() {
	local t=$(( ($(date +%s%N) - TIME_START) / 1000000 ))
	check "$1: whole script in $t ms (< $TIME_LIMIT s)" \
	    test "$t" -lt $((TIME_LIMIT * 1000))
}

# kill_parent: SIGKILL the parent alone (by PID); its children leave on
# EOF.  Fails if they have not within 5 s.
kill_parent() {
	local kids
	kids=$(children_of "$DAEMON_PID")
	kill -KILL "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null
	DAEMON_PID=
	# shellcheck disable=SC2086
	wait_gone_ms 5000 $kids
}

# postfix_master_cf: the master.cf of a Postfix that only sends mail (the
# real MTA of postfix.sh and regress/bench/mta.sh): no smtpd, and no chroot,
# whose defaults are in the system's directories.
postfix_master_cf() {
	cat <<'CONF'
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
smtp      unix  -       -       n       -       -       smtp
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
showq     unix  n       -       n       -       -       showq
flush     unix  n       -       n       1000?   0       flush
postlog   unix-dgram n  -       n       -       1       postlogd
CONF
}
