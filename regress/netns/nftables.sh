#!/usr/bin/env bash
# The nftables backend's own cases, with real TCP connections between two
# network namespaces, IPv4 and IPv6: the ruleset mxallowd -nv prints is
# the one it installs; after kill -9 the kernel still decides (a
# whitelisted source connects, a fresh one is dropped, the fake MX resets
# and the kernel whitelists who touched it); a restart takes in what the
# kernel holds and the sets equal mxallowctl show whitelist; a clean stop
# keeps the table; nft flush set is repaired and counted; an
# administrator's own inet filter table with policy drop is respected and
# left as it was; a foreign table of our name is refused; a spoofed flood
# at the fake MX pushes no confirmed sender out and leaves no set full for
# longer than pending-time.  The other scenarios run under nftables
# through the nft-*.sh wrappers.  Root; bounded to 240 s (NFT_LIMIT).
source "$(dirname "$0")/../lib.sh"
source "$REGRESS_DIR/netns/lab.sh"
scratch				# before lab_up: lab_up chains onto its trap
need_user

BACKEND=nftables
QUEUE=23
CTL=$TOP/mxallowctl
SYNFLOOD=$TOP/regress/tools/synflood
for tool in "$LAB_MXPROBE" "$CTL" "$SYNFLOOD"; do
	[ -x "$tool" ] || { fail "nftables: $tool missing"; exit 1; }
done
command -v jq >/dev/null || { fail "nftables: jq missing (regress/deps.sh)"; exit 1; }

source "$REGRESS_DIR/netns/e2e.sh"
lab_up || { fail "nftables: lab_up"; exit 1; }
time_limit nftables "${NFT_LIMIT:-240}"
lab_listen 240 || { fail "nftables: lab_listen"; exit 1; }
DAEMON_NETNS=$LAB_SERVER
SOCK=$SCRATCH/control.sock

ctl() { "$CTL" -s "$SOCK" "$@"; }

# members SET: the keys of a set of our table, one per line, sorted.
members() {
	lab_in_server nft -j list set inet mxallowd "$1" | jq -r '
	    .nftables[] | select(.set) | .set.elem // [] | .[] |
	    if type == "object" then .elem.val else . end' | sort
}

# whitelisted: the networks mxallowctl shows, without their prefix length.
whitelisted() {
	ctl show whitelist | awk '{ sub(/\/.*/, "", $1); print $1 }' | sort
}

# within SECONDS COMMAND...: COMMAND succeeds within SECONDS (clock time).
within() {
	local limit=$(( $(date +%s) + $1 ))
	shift
	while ! "$@"; do
		[ "$(date +%s)" -ge "$limit" ] && return 1
		sleep 0.1
	done
}

in_set() { members "$1" | grep -qx "$2"; }
set_empty() { [ -z "$(members "$1")" ]; }

# run_time_free: nft's listing of our table on stdin, less what changes at
# run time (elements, counts).
run_time_free() {
	grep -vE '^[[:space:]]*(elements = |packets |[0-9a-f:.]+ timeout)'
}

# --- the ruleset -nv prints is the one installed ---------------------------
daemon_up "whitelist-prefix4 24"
"$MXALLOWD" -nv -c "$SCRATCH/mxallowd.conf" | sed -n '/^# table/,$s/^# //p' \
    >"$SCRATCH/ruleset.nft"
lab_in_server nft list table inet mxallowd | run_time_free \
    >"$SCRATCH/installed.txt"
# The printed ruleset, loaded by nft(8) itself in a namespace of its own.
unshare -n sh -c "nft -f '$SCRATCH/ruleset.nft' &&
    nft list table inet mxallowd" 2>&1 | run_time_free >"$SCRATCH/printed.txt"
if [ -s "$SCRATCH/installed.txt" ] &&
    diff -u "$SCRATCH/printed.txt" "$SCRATCH/installed.txt" >"$SCRATCH/diff"; then
	pass "-nv prints the ruleset the daemon installs ($(wc -l <"$SCRATCH/installed.txt") lines)"
else
	fail "-nv and the installed ruleset differ: $(head -20 "$SCRATCH/diff")"
fi
check "the table carries our comment" \
    grep -q 'comment "managed by mxallowd"' "$SCRATCH/installed.txt"

# --- the kernel decides: whitelisting, then kill -9 --------------------------
daemon_up
expect "fake hit from $LAB_SRC4A" refused 1000 -s $LAB_SRC4A $LAB_FAKE4 25
expect "$LAB_SRC4A admitted" connected -s $LAB_SRC4A $LAB_REAL4 25
expect "fake hit from $LAB_SRC6A" refused 1000 -s $LAB_SRC6A $LAB_FAKE6 25
expect "$LAB_SRC6A admitted" connected -s $LAB_SRC6A $LAB_REAL6 25
check "the kernel added $LAB_SRC4A to pending4 itself" in_set pending4 $LAB_SRC4A
check "the daemon put $LAB_SRC4A into white4" within 10 in_set white4 $LAB_SRC4A
check "the daemon put $LAB_SRC6A's /64 into white6" \
    within 10 in_set white6 2001:db8:1::
check "white4's element says why, and that it was admitted" \
    within 10 eval "lab_in_server nft list set inet mxallowd white4 | grep -q 'comment \"fake-hit confirmed\"'"

check "kill -9: the daemon is gone" kill_parent
check "kill -9: the table stays" lab_in_server nft list table inet mxallowd >/dev/null
expect "down: whitelisted $LAB_SRC4A still admitted" connected -s $LAB_SRC4A $LAB_REAL4 25
expect "down: whitelisted $LAB_SRC6A still admitted" connected -s $LAB_SRC6A $LAB_REAL6 25
expect "down: fresh $LAB_SRC4B dropped at the real MX" timeout -s $LAB_SRC4B $LAB_REAL4 25
expect "down: fresh $LAB_SRC6C dropped at the real MX" timeout -s $LAB_SRC6C $LAB_REAL6 25
expect "down: the fake MX still resets ($LAB_SRC4C)" refused 1000 -s $LAB_SRC4C $LAB_FAKE4 25
expect "down: the fake MX still resets ($LAB_SRC6C)" refused 1000 -s $LAB_SRC6C $LAB_FAKE6 25
expect "down: $LAB_SRC4C, whitelisted by the kernel, admitted" connected -s $LAB_SRC4C $LAB_REAL4 25
expect "down: $LAB_SRC6C, whitelisted by the kernel, admitted" connected -s $LAB_SRC6C $LAB_REAL6 25
expect "down: $LAB_SRC4B still dropped" timeout -s $LAB_SRC4B $LAB_REAL4 25

# --- a restart takes in what the kernel holds --------------------------------
KEEP_TABLE=1 daemon_up
check "restart: the log says what came from the kernel" \
    grep -qE 'table inet mxallowd installed: 4 whitelist entries \(4 taken from the kernel\)' "$DAEMON_LOG"
for a in $LAB_SRC4A $LAB_SRC4C 2001:db8:1:: 2001:db8:2::; do
	check "restart: $a is on the whitelist" eval "whitelisted | grep -qx $a"
done
check "restart: white4 and white6 equal mxallowctl show whitelist" \
    test "$( (members white4; members white6) | sort)" = "$(whitelisted)"
line=$(ctl show whitelist | grep "^$LAB_SRC4C/32 ")
check "restart: $LAB_SRC4C, admitted while down, is confirmed ($line)" \
    eval '[[ "$line" =~ \ fake-hit\ yes$ ]]'
expect "restart: $LAB_SRC4C admitted" connected -s $LAB_SRC4C $LAB_REAL4 25

# --- a clean stop keeps the table ----------------------------------------------
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"; DAEMON_PID=
check "SIGTERM: the table stays" lab_in_server nft list table inet mxallowd >/dev/null
expect "stopped: $LAB_SRC4A admitted" connected -s $LAB_SRC4A $LAB_REAL4 25
KEEP_TABLE=1 daemon_up
check "restarted: 4 entries again" test "$(whitelisted | wc -l)" = 4

# --- with a state file: what an admission refreshed while down --------------------
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"; DAEMON_PID=
KEEP_TABLE=1 daemon_up "state-file $SCRATCH/wl" "whitelist-time 600"
ctl add $LAB_SRC4B 30 >/dev/null
check "state file: $LAB_SRC4B added for 30 s" \
    eval "ctl show whitelist | grep -qE '^$LAB_SRC4B/32 (2[0-9]|30) manual no$'"
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"; DAEMON_PID=
expect "stopped: $LAB_SRC4B admitted (the kernel refreshes it to 600 s)" \
    connected -s $LAB_SRC4B $LAB_REAL4 25
KEEP_TABLE=1 daemon_up "state-file $SCRATCH/wl" "whitelist-time 600"
line=$(ctl show whitelist | grep "^$LAB_SRC4B/32 ")
check "restart: the refresh is taken in, confirmed ($line)" \
    eval '[[ "$line" =~ \ (59[0-9]|600)\ manual\ yes$ ]]'
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"; DAEMON_PID=
KEEP_TABLE=1 daemon_up

# --- nft flush set: repaired and counted ------------------------------------------
ctl add $LAB_SRC4B 600 >/dev/null
expect "add $LAB_SRC4B: admitted" connected -s $LAB_SRC4B $LAB_REAL4 25
lab_in_server nft flush set inet mxallowd white4
expect "after nft flush set white4: $LAB_SRC4B dropped" timeout -s $LAB_SRC4B $LAB_REAL4 25
check "SIGHUP" signal_and_wait HUP 'configuration reloaded'
check "the comparison finds the entries missing" \
    wait_log 'whitelist entries missing from the kernel'
check "white4 holds $LAB_SRC4B again" within 10 in_set white4 $LAB_SRC4B
expect "repaired: $LAB_SRC4B admitted" connected -s $LAB_SRC4B $LAB_REAL4 25
request_stats
check "nft-repairs counts them ($(stats_of nft-repairs))" test "$(stats_of nft-repairs)" -ge 3
check "nft-errors is 0" test "$(stats_of nft-errors)" = 0
check "white4 and white6 equal mxallowctl show whitelist again" \
    test "$( (members white4; members white6) | sort)" = "$(whitelisted)"

# --- an administrator's own table, with policy drop ---------------------------------
lab_in_server nft -f - <<NFT
table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		iif "lo" accept
		meta l4proto ipv6-icmp accept
		ip saddr $LAB_SRC4C tcp dport 25 drop
		tcp dport 25 accept
	}
}
NFT
lab_in_server nft list table inet filter >"$SCRATCH/filter-before.txt"
expect "admin's table: whitelisted $LAB_SRC4A still admitted" connected -s $LAB_SRC4A $LAB_REAL4 25
expect "admin's table: its own drop of $LAB_SRC4C holds" timeout -s $LAB_SRC4C $LAB_REAL4 25
expect "admin's table: the fake MX still resets ($LAB_SRC6B)" refused 1000 -s $LAB_SRC6B $LAB_FAKE6 25
expect "admin's table: then $LAB_SRC6B admitted" connected -s $LAB_SRC6B $LAB_REAL6 25
check "admin's table: reload" signal_and_wait HUP 'configuration reloaded'
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"; DAEMON_PID=
KEEP_TABLE=1 daemon_up
lab_in_server nft list table inet filter >"$SCRATCH/filter-after.txt"
check "admin's table: untouched by reload, stop and start" \
    cmp -s "$SCRATCH/filter-before.txt" "$SCRATCH/filter-after.txt"
lab_in_server nft delete table inet filter

# --- a foreign table of our name -------------------------------------------------------
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"; DAEMON_PID=
lab_in_server nft add table inet mxforeign
conf "nft-table mxforeign" >/dev/null
out=$(lab_in_server timeout 20 "$MXALLOWD" -d -c "$SCRATCH/mxallowd.conf" 2>&1)
rc=$?
check "foreign table: refused, exit 1 (rc=$rc)" test $rc = 1
check "foreign table: the reason ($out)" eval 'grep -q "table inet mxforeign exists and was not made by mxallowd" <<<"$out"'
check "foreign table: left alone" \
    test "$(lab_in_server nft list table inet mxforeign | grep -c .)" = 2
lab_in_server nft delete table inet mxforeign

# --- a spoofed flood at the fake MX -----------------------------------------------------
# Spoofed sources routed back to CLIENT through one next hop.
ip -n "$LAB_SERVER" route add 198.51.100.128/25 via $LAB_SRC4A dev $LAB_IF
# pending-time long enough that the set stays full through the checks below
# on a loaded machine; they wait for it to empty with a ceiling past it.
daemon_up "max-entries 64" "pending-time 20" "whitelist-time 600"
expect "flood: $LAB_SRC4A touches the fake MX" refused 1000 -s $LAB_SRC4A $LAB_FAKE4 25
expect "flood: and is admitted (confirmed)" connected -s $LAB_SRC4A $LAB_REAL4 25
lab_in_client "$SYNFLOOD" -d $LAB_FAKE4 -p 25 -S 198.51.100.128/25 -r 20000 -t 3 >/dev/null
expect "flood: the confirmed $LAB_SRC4A still admitted" connected -s $LAB_SRC4A $LAB_REAL4 25
request_stats
check "flood: the whitelist within max-entries ($(stats_of entries))" \
    test "$(stats_of entries)" -le 64
check "flood: unconfirmed entries were evicted ($(stats_of evicted))" \
    test "$(stats_of evicted)" -gt 0
check "flood: $LAB_SRC4A still on the whitelist, confirmed" \
    eval "ctl show whitelist | grep -q '^$LAB_SRC4A/32 .* yes$'"
n=$(members pending4 | wc -l)
check "flood: pending4 within its size ($n <= 64)" test "$n" -le 64
check "flood: white4 within max-entries" test "$(members white4 | wc -l)" -le 64
kill_parent
lab_in_client "$SYNFLOOD" -d $LAB_FAKE4 -p 25 -S 198.51.100.128/25 -r 20000 -t 1 >/dev/null
n=$(members pending4 | wc -l)
check "flood while down: pending4 full ($n of 64)" test "$n" = 64
expect "flood while down: $LAB_SRC4A still admitted" connected -s $LAB_SRC4A $LAB_REAL4 25
expect "full: the fake MX still resets $LAB_SRC4B" refused 1000 -s $LAB_SRC4B $LAB_FAKE4 25
expect "full: the kernel cannot whitelist $LAB_SRC4B" timeout -s $LAB_SRC4B $LAB_REAL4 25
# The flood's sources leave after pending-time.  Not necessarily all of
# pending4: if $LAB_SRC4A's first SYN to the real MX came before the daemon
# had put it into white4, the kernel admitted it from pending4 and kept it
# there for whitelist-time, as it must for a sender while no daemon runs.
flood_gone() { ! members pending4 | grep -q '^198\.51\.100\.'; }
if within 90 flood_gone; then
	pass "the flood's sources leave pending4 after pending-time"
else
	fail "the flood's sources leave pending4 after pending-time: $(lab_in_server nft list set inet mxallowd pending4 | tr -s '\n\t' '  ')"
fi
left=$(members pending4 | grep -vx "$LAB_SRC4A" | tr '\n' ' ')
check "and nothing else stays there (${left:-nothing})" test -z "$left"
# Expired elements hold their place until the kernel collects them (about
# once a second): the fake MX whitelists again within a few seconds more.
fake_then_real() {
	lab_probe -s $LAB_SRC4B $LAB_FAKE4 25 >/dev/null
	[ "$(lab_probe -s $LAB_SRC4B $LAB_REAL4 25 | cut -d' ' -f1)" = connected ]
}
check "then the fake MX whitelists $LAB_SRC4B again, and it is admitted" \
    within 20 fake_then_real

lab_in_server nft delete table inet mxallowd
time_spent nftables
