#!/usr/bin/env bash
# The pf backend's record path without pf: mkpflog writes pflog savefiles,
# the daemon replays each (--replay, a dry run that exits when capture
# reaches the end) and its last statistics line must count every record
# for what it is.  -b keeps the resolver quiet: no DNS in a replay.
source "$(dirname "$0")/../lib.sh"
need_user
MKPFLOG=${MKPFLOG:-$TOP/regress/tools/mkpflog}
if [ ! -x "$MKPFLOG" ]; then
	fail "regress/tools/mkpflog missing: make regress/tools/mkpflog"
	exit 1
fi
scratch
conf=$(write_conf)

# savefile NAME [MKPFLOG-ARGS...] < SPEC: write $SCRATCH/NAME.pcap.
savefile() {
	local name=$1; shift
	"$MKPFLOG" "$@" >"$SCRATCH/$name.pcap"
}

# replay NAME [ARGS...]: replay $SCRATCH/NAME.pcap; sets RC, DAEMON_LOG
# and MS (the run's wall-clock milliseconds).
replay() {
	local name=$1 t0; shift
	DAEMON_LOG=$SCRATCH/$name.log
	t0=$(date +%s%N)
	timeout 60 unshare -n "$MXALLOWD" -d -v -b --backend pf \
	    --replay "$SCRATCH/$name.pcap" -c "$conf" "$@" 2>"$DAEMON_LOG"
	RC=$?
	MS=$((($(date +%s%N) - t0) / 1000000))
}

# expect_stats NAME "COUNTER=N ..." [ARGS...]: replay NAME, exit status 0,
# those counters in the last statistics line; records=N is what capture
# says it read.
expect_stats() {
	local name=$1 want=$2 kv k v got bad=; shift 2
	replay "$name" "$@"
	if [ $RC -ne 0 ]; then
		fail "$name: exit status $RC"
		sed 's/^/    /' "$DAEMON_LOG" | tail -8
		return
	fi
	for kv in $want; do
		k=${kv%%=*} v=${kv#*=}
		if [ "$k" = records ]; then
			got=$(sed -n 's/.*replay of .* done: \([0-9]*\) records$/\1/p' \
			    "$DAEMON_LOG")
		else
			got=$(stats_of "$k")
		fi
		[ "$got" = "$v" ] || bad="$bad $k=$got (want $v)"
	done
	if [ -z "$bad" ]; then
		pass "$name: $want"
	else
		fail "$name:$bad"
		grep 'statistics:' "$DAEMON_LOG" | tail -1 | sed 's/^/    /'
	fi
}

# expect_error NAME PATTERN [ARGS...]: replay NAME, exit status 1 and an
# error line matching PATTERN.
expect_error() {
	local name=$1 pattern=$2; shift 2
	replay "$name" "$@"
	if [ $RC -eq 1 ] && grep -qE -- "$pattern" "$DAEMON_LOG"; then
		pass "$name: exit 1, $(grep -E -- "$pattern" "$DAEMON_LOG" | head -1)"
	else
		fail "$name: exit status $RC, no line matching $pattern"
		sed 's/^/    /' "$DAEMON_LOG" | tail -8
	fi
}

# The fake MX first, as an MTA does; pf blocks it and whitelists the source,
# then passes the retry to the real MX.
savefile ipv4-fake-then-real <<SPEC
block in 203.0.113.5 192.0.2.10 syn
pass in 203.0.113.5 192.0.2.20 syn
SPEC
expect_stats ipv4-fake-then-real \
    "fake-hits=1 whitelisted=1 admitted=1 blocked=0 other=0 malformed=0 records=2"

# OpenBSD's AF_INET6 is 24: the default filter ("port 25") must still see
# these on a host where it is 10.
savefile ipv6-fake-then-real <<SPEC
block in 2001:db8:1::5 2001:db8::10 syn
pass in 2001:db8:1::5 2001:db8::20 syn
SPEC
expect_stats ipv6-fake-then-real \
    "fake-hits=1 whitelisted=1 admitted=1 blocked=0 other=0 malformed=0 records=2"

savefile block-in-to-real <<SPEC
block in 198.51.100.7 192.0.2.20 syn
block in 2001:db8:2::7 2001:db8::20 syn
SPEC
expect_stats block-in-to-real \
    "blocked=2 fake-hits=0 whitelisted=0 admitted=0 other=0 malformed=0 records=2"

# Outbound, or not a connection's first SYN: nothing to learn.
savefile other <<SPEC
pass out 192.0.2.20 198.51.100.7 syn
block out 2001:db8::20 2001:db8:2::7 syn
block in 203.0.113.9 192.0.2.10 ack
block in 203.0.113.9 192.0.2.10 synack
pass in 203.0.113.9 192.0.2.20 ack
block in 2001:db8:1::9 2001:db8::10 rst
SPEC
expect_stats other \
    "other=6 fake-hits=0 whitelisted=0 admitted=0 blocked=0 malformed=0 records=6"

# Broken records, under a filter that lets everything through (the default
# one would already drop most of them, as the kernel does live).
savefile malformed <<SPEC
short 0
short 1
short 50
short 99
short 100
short 120
hdrlen 0
hdrlen 64
hdrlen 72
hdrlen 255
af 0
af 10
af 28
af 99
mismatch
SPEC
expect_stats malformed \
    "malformed=15 fake-hits=0 whitelisted=0 admitted=0 blocked=0 other=0 records=15" \
    --pcap-filter "greater 0"

# The filter applies: port 80 is not counted at all, and "ip6" means
# OpenBSD's inet6 records.
savefile filtered <<SPEC
block in 203.0.113.5 192.0.2.10 syn dport 80
block in 2001:db8:1::5 2001:db8::10 syn dport 80
SPEC
expect_stats filtered \
    "fake-hits=0 other=0 malformed=0 records=2"
savefile ip6-only <<SPEC
block in 203.0.113.5 192.0.2.10 syn
block in 2001:db8:1::5 2001:db8::10 syn
pass in 2001:db8:1::5 2001:db8::20 syn
SPEC
expect_stats ip6-only \
    "fake-hits=1 admitted=1 other=0 records=3" --pcap-filter "ip6"

savefile empty </dev/null
expect_stats empty "fake-hits=0 other=0 malformed=0 records=0"

# A savefile cut short (a killed tcpdump): the whole records count.
savefile cut <<SPEC
block in 203.0.113.5 192.0.2.10 syn
pass in 203.0.113.5 192.0.2.20 syn
SPEC
size=$(stat -c %s "$SCRATCH/cut.pcap")
truncate -s $((size - 30)) "$SCRATCH/cut.pcap"
expect_stats cut "fake-hits=1 whitelisted=1 admitted=0 records=1"

# What is not a pflog savefile is refused, saying why.
savefile raw -l RAW <<SPEC
block in 203.0.113.5 192.0.2.10 syn
SPEC
expect_error raw 'savefile: link type RAW .*not PFLOG'
printf 'not a savefile at all, but long enough to look\n' >"$SCRATCH/text.pcap"
expect_error text 'capture: savefile: '
savefile badfilter <<SPEC
block in 203.0.113.5 192.0.2.10 syn
SPEC
expect_error badfilter 'pcap-filter "port nonsense": ' --pcap-filter "port nonsense"

# A big one: 10,000 sources, each to the fake MX and then to the real one.
awk 'BEGIN {
	for (i = 0; i < 10000; i++) {
		a = sprintf("10.%d.%d.%d", int(i / 62500), int(i / 250) % 250, i % 250 + 1)
		print "block in " a " 192.0.2.10 syn"
		print "pass in " a " 192.0.2.20 syn"
	}
}' | savefile big
expect_stats big \
    "fake-hits=10000 whitelisted=10000 admitted=10000 blocked=0 other=0 malformed=0 records=20000"
check "big: 20000 records replayed in under 20 s (took ${MS} ms)" \
    test "$RC" -eq 0 -a "$MS" -lt 20000
