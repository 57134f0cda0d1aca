#!/usr/bin/env bash
# The nfqueue backend (and, through nft-basic.sh, the nftables backend) end
# to end, with real TCP connections between two network namespaces: the fake MX resets and whitelists, the real MX admits
# only whitelisted sources, per address family, with expiry, refresh,
# prefix grouping and fake-action drop; the statistics add up.
source "$(dirname "$0")/../lib.sh"
source "$REGRESS_DIR/netns/lab.sh"
scratch				# before lab_up: lab_up chains onto its trap
need_user

QUEUE=23
lab_up
lab_listen
lab_firewall $QUEUE
DAEMON_NETNS=$LAB_SERVER

source "$REGRESS_DIR/netns/e2e.sh"

# --- fake-action reset (the default), one address per entry --------------
daemon_up "whitelist-prefix6 128"
expect "v4: fresh source cannot reach the real MX" timeout -s $LAB_SRC4A $LAB_REAL4 25
expect "v4: the fake MX answers with a reset within 1 s" refused 1000 -s $LAB_SRC4A $LAB_FAKE4 25
expect "v4: then the same source reaches the real MX" connected -s $LAB_SRC4A $LAB_REAL4 25
expect "v4: a different source still cannot" timeout -s $LAB_SRC4B $LAB_REAL4 25
expect "v6: per family: the host's v4 is whitelisted, its v6 is not" timeout -s $LAB_SRC6A $LAB_REAL6 25
expect "v6: the fake MX answers with a reset within 1 s" refused 1000 -s $LAB_SRC6A $LAB_FAKE6 25
expect "v6: then the same source reaches the real MX" connected -s $LAB_SRC6A $LAB_REAL6 25
expect "v6: a different source still cannot" timeout -s $LAB_SRC6B $LAB_REAL6 25
expect "v6 + destination options header: fake MX resets" refused 1000 -o dstopts -s $LAB_SRC6C $LAB_FAKE6 25
expect "v6 + destination options header: real MX admits" connected -o dstopts -s $LAB_SRC6C $LAB_REAL6 25

# Every connect above sent exactly one SYN (700 ms < the 1 s retransmit).
if request_stats; then
	for kv in fake-hits=3 whitelisted=3 resets=3 admitted=3 blocked=4 \
	    malformed=0 other=0 entries=3 reset-errors=0 enobufs=0; do
		check "statistics: ${kv%%=*} is ${kv#*=} (got $(stats_of ${kv%%=*}))" \
		    test "$(stats_of ${kv%%=*})" = "${kv#*=}"
	done
else
	fail "statistics logged on SIGUSR1"
fi

# --- expiry and refresh: whitelist-time 3 ---------------------------------
daemon_up "whitelist-time 3"
t0=$(date +%s%N)
at() {	# at SECONDS: sleep until t0 + SECONDS
	local ns=$(( t0 + ${1/./} * 100000000 - $(date +%s%N) ))
	[ $ns -gt 0 ] && sleep "$(printf '%d.%09d' $((ns / 1000000000)) $((ns % 1000000000)))"
}
expect "expiry: fake hit at 0 s" refused 1000 -s $LAB_SRC4C $LAB_FAKE4 25
at 1.5
expect "expiry: admitted at 1.5 s (refreshes)" connected -s $LAB_SRC4C $LAB_REAL4 25
at 3.2
expect "expiry: admitted at 3.2 s, past the unrefreshed expiry" connected -s $LAB_SRC4C $LAB_REAL4 25
at 6.6
expect "expiry: blocked again 3.4 s after the last refresh" timeout -s $LAB_SRC4C $LAB_REAL4 25

# --- prefix grouping: whitelist-prefix4 24 (prefix6 64, the default) ------
daemon_up "whitelist-prefix4 24"
expect "prefix4 24: fake hit from $LAB_SRC4A" refused 1000 -s $LAB_SRC4A $LAB_FAKE4 25
expect "prefix4 24: sibling $LAB_SRC4B admitted" connected -s $LAB_SRC4B $LAB_REAL4 25
expect "prefix4 24: $LAB_SRC4C in another /24 blocked" timeout -s $LAB_SRC4C $LAB_REAL4 25
expect "prefix6 64: fake hit from $LAB_SRC6A" refused 1000 -s $LAB_SRC6A $LAB_FAKE6 25
expect "prefix6 64: sibling $LAB_SRC6B admitted" connected -s $LAB_SRC6B $LAB_REAL6 25
expect "prefix6 64: $LAB_SRC6C in another /64 blocked" timeout -s $LAB_SRC6C $LAB_REAL6 25

# --- fake-action drop ----------------------------------------------------
daemon_up "fake-action drop"
expect "drop: the fake MX stays silent" timeout -s $LAB_SRC4A $LAB_FAKE4 25
expect "drop: the source is whitelisted all the same" connected -s $LAB_SRC4A $LAB_REAL4 25
request_stats
check "drop: no reset sent (resets=$(stats_of resets))" test "$(stats_of resets)" = 0

# --- stopping: statistics at exit, then the kernel's fail policy ---------
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"; DAEMON_PID=
check "statistics logged at exit" grep -q 'parent: statistics: fake-hits=1 ' "$DAEMON_LOG"
# nftables: what happens while the daemon is down is nftables.sh's.
[ "$BACKEND" = nfqueue ] || exit 0
expect "daemon down, no --queue-bypass: even a whitelisted source waits" timeout -s $LAB_SRC4A $LAB_REAL4 25
lab_queue $QUEUE bypass
expect "daemon down, --queue-bypass: anyone reaches the real MX" connected -s $LAB_SRC4C $LAB_REAL4 25
