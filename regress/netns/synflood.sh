#!/usr/bin/env bash
# regress/tools/synflood does what it says: N SYNs from spoofed sources
# arrive in SERVER as N SYNs (with the MSS option) from many addresses of
# the prefix, in both families; -n, -t and -r bound and pace it; -l times
# the answers of a listener (which also proves the checksums right: the
# kernel answers no SYN whose checksum is wrong); bad command lines exit 2.
source "$(dirname "$0")/../lib.sh"
source "$REGRESS_DIR/netns/lab.sh"
scratch
SYNFLOOD=$TOP/regress/tools/synflood
[ -x "$SYNFLOOD" ] || { fail "synflood: make regress/tools/synflood"; exit 1; }
command -v nft >/dev/null || { fail "synflood: nft missing: run regress/deps.sh"; exit 1; }

lab_up || { fail "synflood: lab_up"; exit 1; }
# Answers to spoofed sources: through CLIENT's own address, not one ARP or
# neighbour solicitation per source that nobody answers.
SPOOF4=198.51.100.128/25 SPOOF6=2001:db8:2:0:8000::/65
ip -n "$LAB_SERVER" route add $SPOOF4 via "$LAB_SRC4A" dev "$LAB_IF"
ip -n "$LAB_SERVER" -6 route add $SPOOF6 via "$LAB_SRC6A" dev "$LAB_IF"

# Counters and the sources seen, for SYNs to port 25 (dropped) and 26
# (passed on, to a listener or a reset).
lab_in_server nft -f - <<NFT || { fail "synflood: nft rules"; exit 1; }
table inet synflood {
	set src4 { type ipv4_addr; flags dynamic; size 65536; }
	set src6 { type ipv6_addr; flags dynamic; size 65536; }
	chain input {
		type filter hook input priority 0;
		tcp dport 25 tcp flags & (syn | ack) == syn jump syn25
		tcp dport 26 tcp flags & (syn | ack) == syn counter
	}
	chain syn25 {
		tcp option maxseg size 1460 counter
		ip saddr 198.51.100.0/24 add @src4 { ip saddr } counter drop
		ip6 saddr 2001:db8:2::/64 add @src6 { ip6 saddr } counter drop
		counter drop
	}
}
NFT

# counter CHAIN N: the packets of the Nth counter rule of CHAIN.
counter() {
	lab_in_server nft list chain inet synflood "$1" |
	    sed -n 's/.*counter packets \([0-9]*\) .*/\1/p' | sed -n "${2}p"
}
reset_counters() { lab_in_server nft reset counters table inet synflood >/dev/null; }
# elements SET: the addresses in SET, one a line.
elements() {
	lab_in_server nft list set inet synflood "$1" |
	    tr -d '\n\t' | sed 's/.*elements = { *//; s/ *}.*//' | tr ',' '\n' |
	    tr -d ' ' | grep .
}
# field NAME LINE: the value of NAME=value in synflood's LINE.
field() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; }
flood() { lab_in_client "$SYNFLOOD" "$@"; }

# --- spoofed sources, IPv4 -----------------------------------------------
N=3000
out=$(flood -d "$LAB_REAL4" -p 25 -S 198.51.100.0/24 -n $N)
check "v4: reports sent=$N ($out)" test "$(field sent "$out")" = $N
check "v4: $N SYNs arrive (counted $(counter syn25 2))" test "$(counter syn25 2)" = $N
check "v4: all with MSS 1460 ($(counter syn25 1))" test "$(counter syn25 1)" = $N
distinct=$(elements src4 | sort -u | wc -l)
check "v4: from many sources ($distinct distinct of 256, want >= 240)" \
    test "$distinct" -ge 240
check "v4: all inside 198.51.100.0/24" \
    test "$(elements src4 | grep -vc '^198\.51\.100\.')" = 0

# --- spoofed sources, IPv6, two prefixes ---------------------------------
reset_counters
out=$(flood -d "$LAB_REAL6" -p 25 -S 2001:db8:2::/112 -S 2001:db8:2:0:1::/112 -n $N)
check "v6: $N SYNs arrive ($(counter syn25 3))" test "$(counter syn25 3)" = $N
distinct=$(elements src6 | sort -u | wc -l)
check "v6: from many sources ($distinct distinct, want >= 2900)" \
    test "$distinct" -ge 2900
in1=$(elements src6 | grep -c '^2001:db8:2::[0-9a-f]*$')
in2=$(elements src6 | grep -c '^2001:db8:2:0:1::[0-9a-f]*$')
check "v6: from both prefixes ($in1 + $in2 = $distinct)" \
    test "$in1" -gt 1300 -a "$in2" -gt 1300 -a $((in1 + in2)) = "$distinct"

# --- no -S: the route's own source ---------------------------------------
reset_counters
out=$(flood -d "$LAB_REAL4" -p 25 -n 10)
check "no -S: from the interface's address ($(counter syn25 4) unspoofed)" \
    test "$(counter syn25 4)" = 10

# --- bounds and pacing ---------------------------------------------------
t0=$(date +%s%N)
out=$(flood -d "$LAB_REAL4" -p 25 -S 198.51.100.0/24 -t 1)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "-t 1 stops after 1 s (took $ms ms: $out)" test "$ms" -lt 1800
out=$(flood -d "$LAB_REAL4" -p 25 -S 198.51.100.0/24 -t 1 -r 2000)
sent=$(field sent "$out")
check "-r 2000 -t 1 sends about 2000 ($out)" test "$sent" -ge 1800 -a "$sent" -le 2100

# --- latency mode ----------------------------------------------------------
lab_listen || { fail "synflood: listener"; exit 1; }
reset_counters
# The listener is on port 25; port 26 (closed) answers with resets.
for t in "v4 SYN-ACK|$LAB_REAL4 25 $SPOOF4" "v6 SYN-ACK|$LAB_REAL6 25 $SPOOF6" \
    "v4 reset|$LAB_REAL4 26 $SPOOF4"; do
	read -r dst port pfx <<<"${t#*|}"
	lab_in_server nft flush chain inet synflood syn25
	out=$(flood -d "$dst" -p "$port" -S "$pfx" -n 500 -r 1000 -l -w 500)
	check "-l ${t%%|*}: all 500 answered ($out)" \
	    test "$(field answered "$out")" = 500 -a "$(field lost "$out")" = 0
	p99=$(field p99_us "$out")
	check "-l ${t%%|*}: p99 ${p99} us, a number below 1 s" \
	    awk -v p="$p99" 'BEGIN { exit !(p > 0 && p < 1000000) }'
done
# Nobody answers: all lost, after the wait.  Another seed (-x): with the
# runs' own, these would be the SYNs of the first run above, whose
# SYN-ACKs the listener is still retransmitting.
lab_in_server nft add rule inet synflood syn25 drop
out=$(flood -d "$LAB_REAL4" -p 25 -S $SPOOF4 -n 50 -l -w 200 -x 2)
check "-l unanswered: lost=50 ($out)" test "$(field lost "$out")" = 50

# --- the command line ------------------------------------------------------
usage_error() {
	flood "$@" -n 1 >/dev/null 2>&1
	test $? = 2
}
check "-S of the other family: exit 2" usage_error -d "$LAB_REAL4" -p 25 -S 2001:db8:2::/64
check "-S outside the documentation ranges: exit 2" usage_error -d "$LAB_REAL4" -p 25 -S 10.0.0.0/8
check "-d outside the documentation ranges: exit 2" usage_error -d 10.0.0.1 -p 25
check "unknown -m: exit 2" usage_error -d "$LAB_REAL4" -p 25 -m nonsense
check "no -p: exit 2" usage_error -d "$LAB_REAL4"
check "-t over 600: exit 2" usage_error -d "$LAB_REAL4" -p 25 -t 601
