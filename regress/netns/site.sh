# Sourced by the shared-whitelist tests (redis.sh, postfix.sh, the
# benchmark's bench_redis.sh) after lib.sh, lab.sh and e2e.sh: a site of
# hosts, each running its own mxallowd on the site's configuration, and a
# Redis server they share their whitelists through.
#
#   A  fake MX  192.0.2.10  2001:db8::10
#   B  real MX  192.0.2.20  2001:db8::20
#   C  real MX  192.0.2.30  2001:db8::30
#   R  Redis    192.0.2.40  2001:db8::40  (the ACL user the manual gives for
#               A and B; C uses the default user, over IPv6)
#
#   site_up [NAME=ADDRS...]	the site (plus the hosts given) and Redis;
#				sets the EXIT trap (call it before anything
#				else uses one)
#   site_queue			the queue rules on A, B and C (nfqueue; with
#				BACKEND=nftables each daemon makes its table)
#   host_up NAME [LINE...]	mxallowd on host NAME, the site's
#				configuration plus the LINEs; waits for its
#				start.  host_stop NAME: SIGTERM, and wait.
#   ctl NAME ARGS...		mxallowctl on NAME (ctl_quiet: no output)
#   stat_of NAME FIELD		one field of NAME's statistics
#   listed NAME NET, unlisted, confirmed NAME NET, count_of NAME,
#   stat_cmp NAME FIELD OP N, count_cmp NAME OP N, stored KEY VALUE,
#   store_empty, all_up NAME..., all_down NAME...
#				conditions, for check and within
#   within SECONDS CMD...	CMD succeeds before SECONDS have passed
#   need_redis			redis-server and redis-cli, or a FAIL and exit

# Run rather than sourced (regress/run.sh runs every netns/*.sh): nothing to do.
[ "${BASH_SOURCE[0]}" = "$0" ] && exit 0

QUEUE=23
FAKE4=$LAB_FAKE4 FAKE6=$LAB_FAKE6		# A
REALB4=$LAB_REAL4 REALB6=$LAB_REAL6		# B
REALC4=192.0.2.30 REALC6=2001:db8::30		# C
REDIS4=192.0.2.40 REDIS6=2001:db8::40		# R
CTL=$TOP/mxallowctl
PW=user-secret-$$
# What the manual tells an administrator to create (mxallowd.8).
ACL="user mxallowd on >$PW resetkeys ~mxallowd:* resetchannels &mxallowd:* -@all +ping +select +scan +getrange +get +set +del +unlink +publish +subscribe +evalsha +script|load"
declare -A HPID=()

hosts_down() {
	local h
	for h in "${!HPID[@]}"; do
		kill -KILL "${HPID[$h]}" $(children_of "${HPID[$h]}") 2>/dev/null
		wait "${HPID[$h]}" 2>/dev/null
	done
	HPID=()
}

need_redis() {
	local t
	for t in redis-server redis-cli; do
		if ! command -v $t >/dev/null; then
			fail "$t missing: run regress/deps.sh first"
			exit 1
		fi
	done
}

site_up() {
	trap 'hosts_down; rm -rf "$SCRATCH"' EXIT
	lab_site_up A=$FAKE4/24,$FAKE6/64 B=$REALB4/24,$REALB6/64 \
	    C=$REALC4/24,$REALC6/64 R=$REDIS4/24,$REDIS6/64 "$@" &&
	lab_redis_start R "$REDIS4 $REDIS6" "$ACL" || return 1
	install -m 600 /dev/null "$SCRATCH/pw-user"
	echo "$PW" >"$SCRATCH/pw-user"
	install -m 600 /dev/null "$SCRATCH/pw-admin"
	echo "$LAB_REDIS_ADMIN" >"$SCRATCH/pw-admin"
}

site_queue() {
	[ "$BACKEND" = nftables ] && return 0	# each daemon makes its table
	lab_site_queue A $QUEUE $FAKE4 $FAKE6 &&
	lab_site_queue B $QUEUE $REALB4 $REALB6 &&
	lab_site_queue C $QUEUE $REALC4 $REALC6
}

# host_conf NAME EXTRA...: the site's configuration, as every host has it.
host_conf() {
	local h=$1 url pwf
	shift
	case $h in
	C) url="redis://[$REDIS6]:6379/0" pwf=$SCRATCH/pw-admin ;;
	*) url="redis://mxallowd@$REDIS4/0" pwf=$SCRATCH/pw-user ;;
	esac
	{
		printf 'fake-mailserver %s\n' $FAKE4 $FAKE6
		printf 'real-mailserver %s\n' $REALB4 $REALB6 $REALC4 $REALC6
		if [ "$BACKEND" = nftables ]; then
			echo "backend nftables"
		else
			echo "backend nfqueue"
			echo "queue-num $QUEUE"
		fi
		echo "chroot $SCRATCH/empty"
		echo "nameserver 192.0.2.53"
		echo "no-rdns-whitelist"
		echo "control-socket $SCRATCH/$h.sock"
		printf '%s\n' "$@" | grep -q '^state-file ' ||
		    echo "state-file none"
		echo "redis $url"
		echo "redis-password-file $pwf"
		echo "redis-name $h"
		printf '%s\n' "$@"
	} >"$SCRATCH/$h.conf"
}

# host_up NAME EXTRA...: start mxallowd on host NAME; wait for its start.
host_up() {
	local h=$1 end
	shift
	host_conf "$h" "$@"
	: >"$SCRATCH/$h.log"
	# Not through lab_in: ip netns exec execs, so $! is the daemon.
	ip netns exec "$(lab__site_ns "$h")" "$MXALLOWD" -d -v \
	    -c "$SCRATCH/$h.conf" 2>>"$SCRATCH/$h.log" &
	HPID[$h]=$!
	end=$((SECONDS + 20))
	until grep -q 'startup complete' "$SCRATCH/$h.log"; do
		if ((SECONDS >= end)) || ! kill -0 "${HPID[$h]}" 2>/dev/null; then
			fail "$h starts: $(tail -3 "$SCRATCH/$h.log")"
			return 1
		fi
		sleep 0.05
	done
}

host_stop() {
	kill -TERM "${HPID[$1]}"
	wait "${HPID[$1]}"
	unset "HPID[$1]"
}

ctl() { local h=$1; shift; "$CTL" -s "$SCRATCH/$h.sock" "$@"; }
ctl_quiet() { ctl "$@" >/dev/null; }
stat_of() { ctl "$1" show stats | tr ' ' '\n' | sed -n "s/^$2=//p"; }
listed() { ctl "$1" show whitelist | grep -q "^$2 "; }
confirmed() { ctl "$1" show whitelist | grep -q "^$2 .* yes\$"; }
stored() { [ "$(lab_redis_cli get "$1")" = "$2" ]; }
unlisted() { ! listed "$@"; }
count_of() { ctl "$1" show whitelist | wc -l; }
# For within: these look again each time they run.
stat_cmp() { test "$(stat_of "$1" "$2")" "$3" "$4"; }
count_cmp() { test "$(count_of "$1")" "$2" "$3"; }
store_empty() { test -z "$(lab_redis_cli --scan --pattern 'mxallowd:wl:*')"; }

# within SECONDS CMD...: CMD succeeds before SECONDS have passed.
within() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		((SECONDS >= end)) && return 1
		sleep 0.05
	done
}

all_up() { local h; for h in "$@"; do [ "$(stat_of $h redis-state)" = up ] || return 1; done; }
all_down() { local h; for h in "$@"; do [ "$(stat_of $h redis-state)" = down ] || return 1; done; }

