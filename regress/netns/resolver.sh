#!/usr/bin/env bash
# The resolver on c-ares, end to end, against regress/tools/fakedns serving
# zone files in the DNS namespace: PTR names of 63, 64, 120 and 253
# characters are confirmed; a name with 100 A and 50 AAAA records comes
# over TCP (its UDP answer truncated) and is capped; a dead first
# nameserver costs one timeout, not one per lookup, and is never probed;
# a capture of the DNS link shows no query for any name the daemon was not
# led to by a sender (no search domains, no probes).  Root; stopped if it
# runs over RESOLVER_LIMIT seconds (a guard, not a budget).
source "$(dirname "$0")/../lib.sh"
source "$REGRESS_DIR/netns/lab.sh"
scratch				# before lab_up: lab_up chains onto its trap
need_user

QUEUE=23
source "$REGRESS_DIR/netns/e2e.sh"
source "$REGRESS_DIR/netns/dnslab.sh"

need_tools resolver "$LAB_MXPROBE" "$LAB_FAKEDNS" tcpdump

lab_up || { fail "resolver: lab_up"; exit 1; }
time_limit resolver "${RESOLVER_LIMIT:-900}"
lab_listen || { fail "resolver: lab_listen"; exit 1; }
lab_queue $QUEUE || { fail "resolver: lab_queue"; exit 1; }
lab_dns_up || { fail "resolver: lab_dns_up"; exit 1; }
client_addrs 100 198 || { fail "resolver: extra CLIENT addresses"; exit 1; }
capture_start || { fail "resolver: tcpdump: $(cat "$CAPTURE_ERR")"; exit 1; }
NAMESERVER=$LAB_DNS4

# rep N C: C, N times.
rep() { printf "%$1s" '' | tr ' ' "$2"; }

# long_name LEN TAG: a name of LEN characters, labels of at most 63,
# ending in .TAG.example.net.
long_name() {
	local tail=".$2.example.net" name='' need
	need=$(( $1 - ${#tail} ))
	while [ $need -gt 63 ]; do
		if [ $need -eq 64 ]; then
			name+="$(rep 61 x)."; need=$((need - 62))
		else
			name+="$(rep 62 x)."; need=$((need - 63))
		fi
	done
	echo "$name$(rep $need m)$tail"
}

# one_by_one LABEL SRC...: each SRC hits the fake MX in turn, and its
# lookup is answered before the next one's starts.
one_by_one() {
	local label=$1 s n=0
	shift
	for s; do
		n=$((n + 1))
		expect "$label: fake hit from $s resets" refused -s "$s" $LAB_FAKE4 25
		wait_settled $n 60 ||
		    fail "$label: lookup $n ($s) not answered within 60 s: $(rdns_log)"
	done
}

# --- long PTR names ----------------------------------------------------------
# Each source's name has the source and one sibling (203.0.113.15N); with
# rdns-max-addresses 1 a confirmed name admits that sibling.
LONG_SRC=($LAB_SRC4A $LAB_SRC4B $LAB_SRC4C 203.0.113.100)
LONG_LEN=(63 64 120 253)
LONG_SIB=(203.0.113.150 203.0.113.151 203.0.113.152 203.0.113.153)
LONG_NAME=()
ZONE_LONG=$LAB_DIR/long.zone
for i in 0 1 2 3; do
	LONG_NAME[$i]=$(long_name "${LONG_LEN[$i]}" "l${LONG_LEN[$i]}")
	check "long names: test setup: ${#LONG_NAME[$i]} characters" \
	    test "${#LONG_NAME[$i]}" = "${LONG_LEN[$i]}"
done
for i in 0 1 2 3; do
	echo "$(ptr4 "${LONG_SRC[$i]}") 60 PTR ${LONG_NAME[$i]}"
	echo "${LONG_NAME[$i]} 60 A ${LONG_SRC[$i]}"
	echo "${LONG_NAME[$i]} 60 A ${LONG_SIB[$i]}"
done >"$ZONE_LONG"
fake_zone "long names" "$ZONE_LONG"
dns_says "long names" $LAB_DNS4 "${LONG_SRC[3]}" PTR "PTR=${LONG_NAME[3]}\$"
daemon_up "rdns-max-addresses 1"
n=$(admitted "${LONG_SIB[@]}")
check "long names: no sibling admitted before ($n)" test "$n" = 0
one_by_one "long names" "${LONG_SRC[@]}"
request_stats
stats_are "long names" rdns-confirmed=4 rdns-failed=0 rdns-unconfirmed=0 entries=8
for i in 0 1 2 3; do
	check "long names: ${LONG_LEN[$i]} characters confirmed" \
	    grep -qF "resolver: rdns ${LONG_SRC[$i]}: ${LONG_NAME[$i]}: confirmed" \
	    "$DAEMON_LOG"
	expect "long names: the ${LONG_LEN[$i]}-character name's sibling admitted" \
	    connected -s "${LONG_SIB[$i]}" $LAB_REAL4 25
done
alive "long names"

# --- 100 A and 50 AAAA records: TCP, capped ---------------------------------
# 203.0.113.101's name has it first among 100 addresses (the others:
# 203.0.113.100-198 and 198.51.100.200) and 50 IPv6 ones: no UDP answer
# holds them (fakedns truncates past the 1232 bytes EDNS offers), TCP does.
BIG_SRC=203.0.113.101
BIG_OTHERS=()
for ((k = 100; k <= 198; k++)); do
	[ $k = 101 ] || BIG_OTHERS+=("203.0.113.$k")
done
ZONE_BIG=$LAB_DIR/big.zone
{
	echo "$(ptr4 $BIG_SRC) 60 PTR big.example.net"
	echo "big.example.net 60 A $BIG_SRC"
	for a in "${BIG_OTHERS[@]}" 198.51.100.200; do
		echo "big.example.net 60 A $a"
	done
	for ((k = 1; k <= 50; k++)); do
		echo "big.example.net 60 AAAA 2001:db8:3::$k"
	done
} >"$ZONE_BIG"
fake_zone "TCP" "$ZONE_BIG"
daemon_up "rdns-max-addresses 3"
one_by_one "TCP" $BIG_SRC
request_stats
stats_are "TCP" rdns-confirmed=1 rdns-capped=1 rdns-failed=0 entries=4
n=$(admitted "${BIG_OTHERS[@]}")
check "TCP: exactly 3 of the name's 98 other IPv4 addresses admitted ($n)" \
    test "$n" = 3
expect "TCP: the first of them, 203.0.113.100, among them" connected \
    -s 203.0.113.100 $LAB_REAL4 25
for t in 1 28; do
	check "TCP: type $t truncated over UDP, then asked over TCP" \
	    bash -c "grep -qE '^truncated [0-9]+ big.example.net ' '$LAB_DNS_FAKE_LOG4' &&
		grep -qE '^query [0-9]+ $t big.example.net tcp' '$LAB_DNS_FAKE_LOG4'"
done
alive "TCP"

# --- a dead first nameserver ---------------------------------------------------
# 192.0.2.54 in DNS, where a silent fakedns only logs what it is asked, is
# the first nameserver; fakedns with the long names is the second.
DEAD=192.0.2.54
DEAD_LOG=$LAB_DIR/dead.log
ip -n "$LAB_DNS" addr add $DEAD/32 dev "$LAB_DNS_IF" &&
ip -n "$LAB_SERVER" route add $DEAD/32 dev "$LAB_DNS_IF" src "$LAB_DNS_SRV4" ||
    { fail "dead server: its address"; exit 1; }
lab_in_dns "$LAB_FAKEDNS" -m silent -T 1800 $DEAD 53 </dev/null >"$DEAD_LOG" 2>&1 &
lab_track $!
wait_until 30 grep -q '^listening' "$DEAD_LOG" || { fail "dead server: fakedns"; exit 1; }
fake_zone "dead server" "$ZONE_LONG"
NAMESERVER=$DEAD
daemon_up "nameserver $LAB_DNS4" "rdns-max-addresses 1"
one_by_one "dead server" "${LONG_SRC[@]}"
request_stats
stats_are "dead server" rdns-confirmed=4 rdns-failed=0
asked=$(grep -c '^query ' "$DEAD_LOG")
others=$(grep '^query ' "$DEAD_LOG" | grep -vic " $(ptr4 "${LONG_SRC[0]}") ")
check "dead server: asked only for the first lookup's PTR ($asked queries, $others for other names)" \
    test "$asked" -ge 1 -a "$asked" -le 2 -a "$others" = 0
check "dead server: the resolver says it skips it" \
    grep -q "resolver: nameserver $DEAD: .*asking the others first" "$DAEMON_LOG"
# evdns probed a server it thought down every 10 s, with queries of its
# own: nothing of the kind reaches the dead server while the daemon idles.
sleep 12
check "dead server: not probed while idle ($(grep -c '^query ' "$DEAD_LOG") queries)" \
    test "$(grep -c '^query ' "$DEAD_LOG")" = "$asked"
alive "dead server"
NAMESERVER=$LAB_DNS4

# --- no stray queries -------------------------------------------------------------
# Every name asked on the DNS link is a name of the zones (the daemon's
# lookups and the test's own setup queries) or lab.invalid (the lab's
# check that a server answers): no probe, no search domain, nothing else.
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"; DAEMON_PID=
capture_stop
awk '{ print tolower($1) }' "$ZONE_LONG" "$ZONE_BIG" | sort -u >"$LAB_DIR/expected"
echo lab.invalid >>"$LAB_DIR/expected"
captured_names >"$LAB_DIR/asked"
stray=$(grep -vxF -f "$LAB_DIR/expected" "$LAB_DIR/asked" | head -5 | tr '\n' ' ')
check "capture: $(wc -l <"$LAB_DIR/asked") names asked, none stray ($stray)" \
    test -s "$LAB_DIR/asked" -a -z "$stray"
check "capture: it saw the 253-character name asked" \
    grep -qxF "${LONG_NAME[3]}" "$LAB_DIR/asked"
time_spent resolver
