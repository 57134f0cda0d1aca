#!/usr/bin/env bash
# The pf backend's record path without pf: mkpflog writes pflog savefiles,
# the daemon replays each (--replay, a dry run that exits when capture
# reaches the end) and its last statistics line must count every record
# for what it is.  Then the captures other projects wrote
# (../shared/realcaps, or $REALCAPS; see its SOURCES.md).  -b keeps the
# resolver quiet: no DNS in a replay.
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

# counters NAME "COUNTER=N ..." RECORDS: those counters in the last
# statistics line, records=N against RECORDS (what capture said it read).
counters() {
	local name=$1 want=$2 records=$3 kv k v got bad=
	for kv in $want; do
		k=${kv%%=*} v=${kv#*=}
		if [ "$k" = records ]; then got=$records; else got=$(stats_of "$k"); fi
		[ "$got" = "$v" ] || bad="$bad $k=$got (want $v)"
	done
	if [ -z "$bad" ]; then
		pass "$name: $want"
	else
		fail "$name:$bad"
		grep 'statistics:' "$DAEMON_LOG" | tail -1 | sed 's/^/    /'
	fi
}

# expect_stats NAME "COUNTER=N ..." [ARGS...]: replay NAME, exit status 0,
# and the counters.
expect_stats() {
	local name=$1 want=$2; shift 2
	replay "$name" "$@"
	if [ $RC -ne 0 ]; then
		fail "$name: exit status $RC"
		sed 's/^/    /' "$DAEMON_LOG" | tail -8
		return
	fi
	counters "$name" "$want" "$(sed -n \
	    's/.*replay of .* done: \([0-9]*\) records$/\1/p' "$DAEMON_LOG")"
}

# expect_cut NAME "COUNTER=N ..." [ARGS...]: replay NAME, a savefile cut
# short: exit status 1, a line saying so and how many records came
# before, and the counters for them.
expect_cut() {
	local name=$1 want=$2 n; shift 2
	replay "$name" "$@"
	n=$(sed -n 's/.*replay of .* failed: the savefile is cut short after \([0-9]*\) records$/\1/p' \
	    "$DAEMON_LOG")
	if [ $RC -ne 1 ] || [ -z "$n" ]; then
		fail "$name: exit status $RC, no line saying the file is cut"
		sed 's/^/    /' "$DAEMON_LOG" | tail -8
		return
	fi
	counters "$name (cut, exit 1)" "$want" "$n"
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

# OpenBSD's AF_INET6 is 24, Linux's 10: IPv6 records all the same.
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

# Broken records: cut inside the pflog header, of another header length or
# family, IPv6 behind af inet.  A record cut after the header, before its
# TCP flags, is not broken but cut (pflogd's snapshot length).
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
    "malformed=13 cut=2 fake-hits=0 whitelisted=0 admitted=0 blocked=0 other=0 records=15"

# No filter by default: SYNs to another port are seen, and not counted as
# hits.  A filter applies: port 80 is not seen at all, and "ip6" means
# OpenBSD's inet6 records.
savefile port80 <<SPEC
block in 203.0.113.5 192.0.2.10 syn dport 80
block in 2001:db8:1::5 2001:db8::10 syn dport 80
block in 203.0.113.6 192.0.2.20 syn dport 587
SPEC
expect_stats port80 \
    "fake-hits=0 whitelisted=0 blocked=0 other=3 malformed=0 records=3"
cp "$SCRATCH/port80.pcap" "$SCRATCH/filtered.pcap"
expect_stats filtered \
    "fake-hits=0 other=0 malformed=0 records=3" --pcap-filter "port 25"
savefile ip6-only <<SPEC
block in 203.0.113.5 192.0.2.10 syn
block in 2001:db8:1::5 2001:db8::10 syn
pass in 2001:db8:1::5 2001:db8::20 syn
SPEC
expect_stats ip6-only \
    "fake-hits=1 admitted=1 other=0 records=3" --pcap-filter "ip6"

savefile empty </dev/null
expect_stats empty "fake-hits=0 other=0 malformed=0 records=0"

# A pf match rule logs before pf has decided: at a real address that is
# not a block; at a fake one it is a hit.
savefile match <<SPEC
match in 198.51.100.7 192.0.2.20 syn
match in 2001:db8:2::7 2001:db8::20 syn
match in 203.0.113.5 192.0.2.10 syn
SPEC
expect_stats match \
    "blocked=0 admitted=0 other=2 fake-hits=1 whitelisted=1 records=3"

# A savefile cut short (a killed tcpdump): the whole records count, and
# the replay says it failed.
savefile cut <<SPEC
block in 203.0.113.5 192.0.2.10 syn
pass in 203.0.113.5 192.0.2.20 syn
SPEC
size=$(stat -c %s "$SCRATCH/cut.pcap")
truncate -s $((size - 30)) "$SCRATCH/cut.pcap"
expect_cut cut "fake-hits=1 whitelisted=1 admitted=0 records=1"

# Cut inside its first record: nothing replayed, and said so.
truncate -s $((24 + 16 + 20)) "$SCRATCH/cut.pcap"
expect_cut cut "fake-hits=0 other=0 malformed=0 records=0"

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

# --- captures other projects wrote -------------------------------------------
# derived-realsyn-pflog: 27 real SYNs (zeek, suricata-verify, nDPI, tcpdump,
# arkime) in OpenBSD pfloghdrs, "block in"; records 1-9 and 27 go to port
# 25 (IPv4 and IPv6, TCP headers of 28 to 44 bytes, one cut by its own
# capture), 10-15 carry IPv6 extension headers.  With every destination a
# fake address the ten port-25 SYNs are hits and nothing else is; at
# pflogd's 160 bytes too, but for 10-15, cut before their flags.  As real
# addresses the same ten are blocked.  scapy's records of OpenBSD pf (SYNs
# to ports 23 and 22 of addresses given as fake, UDP, ICMP, both
# families): nothing counts.
REALCAPS=${REALCAPS:-$TOP/../shared/realcaps}
if [ ! -d "$REALCAPS/pflog" ]; then
	fail "realcaps: no $REALCAPS/pflog (REALCAPS names the directory)"
else
	dsts="74.53.140.153 192.168.133.102 219.94.162.217 98.137.159.25
	    197.26.11.151 173.194.68.26 2003:de:2016:120::a08:53 ::1
	    2607:f8b0:400c:c03::1a 2001:4f8:4:7:2e0:81ff:fe52:9a6b
	    2001:db8:1::1 13.14.15.16 10.99.99.45 10.1.1.2 192.168.100.2
	    128.3.26.249 10.200.200.154 1111:1111:1111::fc"
	# realconf KIND: the standard configuration with dsts as KIND.
	realconf() {
		grep -v -e '-mailserver' "$conf"
		for a in $dsts; do echo "$1-mailserver $a"; done
		echo "$2-mailserver 192.0.2.99"
	}
	realconf fake real >"$SCRATCH/fake.conf"
	realconf real fake >"$SCRATCH/real.conf"
	for f in derived-realsyn-pflog derived-realsyn-pflog-snap160 \
	    scapy-pflog-all scapy-pflog-udp; do
		cp "$REALCAPS/pflog/$f.pcap" "$SCRATCH/$f.pcap"
	done
	expect_stats derived-realsyn-pflog \
	    "fake-hits=10 whitelisted=10 other=17 malformed=0 cut=0 records=27" \
	    -c "$SCRATCH/fake.conf"
	expect_stats derived-realsyn-pflog-snap160 \
	    "fake-hits=10 whitelisted=10 other=11 malformed=0 cut=6 records=27" \
	    -c "$SCRATCH/fake.conf"
	expect_stats derived-realsyn-pflog-snap160 \
	    "blocked=10 fake-hits=0 admitted=0 other=11 cut=6 records=27" \
	    -c "$SCRATCH/real.conf"
	expect_stats scapy-pflog-all \
	    "fake-hits=0 blocked=0 admitted=0 other=8 malformed=0 records=8" \
	    -c "$SCRATCH/fake.conf"
	# Its one record is 2 bytes short of the length it declares.
	expect_cut scapy-pflog-udp "fake-hits=0 other=0 records=0" \
	    -c "$SCRATCH/fake.conf"
fi

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
