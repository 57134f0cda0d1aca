#!/usr/bin/env bash
# The control socket and mxallowctl end to end: every command round-trips
# against real connections in the lab (show whitelist after a fake hit,
# add lets a source through without the fake, delete and flush block it
# again, show stats is the SIGUSR1 line, log verbose|brief reaches the
# children, reload); the socket is root's alone, refuses a second daemon,
# replaces a stale one and goes away at exit; errors are clear and
# non-zero; garbage, bad requests, hang-ups, slow readers and too many
# clients leave the daemon running and answering.
source "$(dirname "$0")/../lib.sh"
source "$REGRESS_DIR/netns/lab.sh"
scratch				# before lab_up: lab_up chains onto its trap
need_user

CTL=${MXALLOWCTL:-$TOP/mxallowctl}
PROBE=$TOP/regress/tools/ctlprobe
for tool in "$CTL" "$PROBE" "$LAB_MXPROBE"; do
	if [ ! -x "$tool" ]; then
		fail "control: $tool missing (make mxallowctl regress/tools/ctlprobe regress/tools/mxprobe)"
		exit 1
	fi
done

QUEUE=23
lab_up || { fail "control: lab_up"; exit 1; }
lab_listen || { fail "control: lab_listen"; exit 1; }
lab_firewall $QUEUE || { fail "control: lab_queue"; exit 1; }
# A DNS server that answers at once (NXDOMAIN), so that every fake hit's
# lookup ends quickly with a resolver debug line.
lab_dns_up || { fail "control: lab_dns_up"; exit 1; }
lab_dns_start --local=/in-addr.arpa/ --local=/ip6.arpa/ ||
    { fail "control: lab_dns_start"; exit 1; }
NAMESERVER=$LAB_DNS4
DAEMON_NETNS=$LAB_SERVER
source "$REGRESS_DIR/netns/e2e.sh"
SOCK=$SCRATCH/control.sock	# what e2e.sh's conf() sets
# Never the system's state file: this daemon must start empty and leave
# nothing behind for the next one.
EXTRA=()
declare -f conf | grep -q state-file || EXTRA=("state-file none")
up() { daemon_up "${EXTRA[@]}"; }

# run_ctl ARGS...: mxallowctl on the daemon's socket; OUT, ERR and RC.
run_ctl() {
	OUT=$("$CTL" -s "$SOCK" "$@" 2>"$SCRATCH/ctl.err")
	RC=$?
	ERR=$(cat "$SCRATCH/ctl.err")
}

# ctl_ok NAME WANT ARGS...: exit 0, stdout exactly WANT, stderr empty.
ctl_ok() {
	local name=$1 want=$2; shift 2
	run_ctl "$@"
	if [ $RC -eq 0 ] && [ "$OUT" = "$want" ] && [ -z "$ERR" ]; then
		pass "$name"
	else
		fail "$name: rc=$RC out=\"$OUT\" err=\"$ERR\", want \"$want\""
	fi
}

# ctl_fails NAME WANT_ERR ARGS...: exit 1, stdout empty, stderr's first
# line exactly WANT_ERR.
ctl_fails() {
	local name=$1 want=$2; shift 2
	run_ctl "$@"
	if [ $RC -eq 1 ] && [ -z "$OUT" ] && [ "${ERR%%$'\n'*}" = "$want" ]; then
		pass "$name"
	else
		fail "$name: rc=$RC out=\"$OUT\" err=\"$ERR\", want \"$want\""
	fi
}

# entry NET: the whitelist line of NET ("ADDR/PREFIX ..."), if any.
entry() {
	"$CTL" -s "$SOCK" show whitelist | grep "^$1 "
}

# entry_is NETWORK REGEX: its line (left in $line) is "NETWORK REGEX".
entry_is() {
	line=$(entry "$1")
	[[ "$line" =~ ^$1\ $2$ ]]
}

# stat_of NAME: a counter from mxallowctl show stats.
stat_of() {
	"$CTL" -s "$SOCK" show stats | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# rdns_settled N: N lookups have their answer.
rdns_settled() {
	local c u f
	c=$(stat_of rdns-confirmed) u=$(stat_of rdns-unconfirmed)
	f=$(stat_of rdns-failed)
	[ $((c + u + f)) -ge "$1" ]
}

# wait_rdns N: until N lookups have their answer (at most 30 s).
wait_rdns() {
	wait_until 30 rdns_settled "$1"
}

alive() {
	kill -0 "$DAEMON_PID" 2>/dev/null && run_ctl show stats && [ $RC -eq 0 ]
}

up

# --- the socket ------------------------------------------------------------
check "socket exists once the daemon runs" test -S "$SOCK"
check "socket is mode 0600, owned by root ($(stat -c '%a %U' "$SOCK"))" \
    test "$(stat -c '%a %U' "$SOCK")" = "600 root"
if command -v setpriv >/dev/null; then
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$CTL" -s "$SOCK" show stats 2>&1)
	rc=$?
	check "non-root cannot connect (rc=$rc: $out)" \
	    test $rc -eq 1 -a "$out" = "mxallowctl: $SOCK: connect: Permission denied"
fi
out=$(unshare -n "$MXALLOWD" -d -c "$SCRATCH/mxallowd.conf" 2>&1 >/dev/null)
rc=$?
check "a second daemon on the same socket is refused (rc=$rc: $out)" \
    test $rc -eq 1 -a "$out" = "mxallowd: control socket $SOCK is in use: another mxallowd is running"
check "the first daemon still answers after that" alive

# --- show whitelist, add, delete ---------------------------------------------
ctl_ok "show whitelist: empty at first" "" show whitelist

# Under nftables the kernel answers the SYN and the daemon learns of it
# from NFLOG a moment later: wait (bounded) for the entry to show.
expect "fake hit from $LAB_SRC4A" refused 1000 -s $LAB_SRC4A $LAB_FAKE4 25
wait_until 20 entry_is "$LAB_SRC4A/32" '(8639[0-9]|86400) fake-hit no'
check "show whitelist: $LAB_SRC4A listed as fake-hit, unconfirmed ($line)" \
    entry_is "$LAB_SRC4A/32" '(8639[0-9]|86400) fake-hit no'
expect "$LAB_SRC4A reaches the real MX" connected -s $LAB_SRC4A $LAB_REAL4 25
wait_until 20 entry_is "$LAB_SRC4A/32" '[0-9]+ fake-hit yes'
check "show whitelist: then confirmed ($line)" \
    entry_is "$LAB_SRC4A/32" '[0-9]+ fake-hit yes'

expect "$LAB_SRC4B is blocked before add" timeout -s $LAB_SRC4B $LAB_REAL4 25
ctl_ok "add $LAB_SRC4B 60" "whitelisted $LAB_SRC4B for 60 seconds" add $LAB_SRC4B 60
line=$(entry "$LAB_SRC4B/32")
check "show whitelist: $LAB_SRC4B listed as manual for 60 s ($line)" \
    eval '[[ "$line" =~ ^$LAB_SRC4B/32\ (5[5-9]|60)\ manual\ no$ ]]'
expect "after add, $LAB_SRC4B reaches the real MX without the fake" \
    connected -s $LAB_SRC4B $LAB_REAL4 25
# Admitted like any entry: confirmed, and refreshed to whitelist-time
# (under nftables, once the admission's log record reaches the daemon).
wait_until 20 entry_is "$LAB_SRC4B/32" '(8639[0-9]|86400) manual yes'
check "show whitelist: then confirmed and refreshed ($line)" \
    entry_is "$LAB_SRC4B/32" '(8639[0-9]|86400) manual yes'
check "the daemon logged the add" wait_log "control: whitelisted $LAB_SRC4B for 60 seconds"

ctl_ok "delete $LAB_SRC4B" "deleted $LAB_SRC4B" delete $LAB_SRC4B
expect "after delete, $LAB_SRC4B is blocked again" timeout -s $LAB_SRC4B $LAB_REAL4 25
check "show whitelist: $LAB_SRC4B gone" test -z "$(entry "$LAB_SRC4B/32")"
ctl_fails "delete of an address not listed" \
    "mxallowctl: $LAB_SRC4B is not on the whitelist" delete $LAB_SRC4B

ctl_ok "add $LAB_SRC6A (IPv6, default whitelist-time)" \
    "whitelisted $LAB_SRC6A for 86400 seconds" add $LAB_SRC6A
line=$(entry "2001:db8:1::/64")
check "show whitelist: the /64 of $LAB_SRC6A ($line)" \
    eval '[[ "$line" =~ ^2001:db8:1::/64\ (8639[0-9]|86400)\ manual\ no$ ]]'
expect "$LAB_SRC6B (same /64) reaches the real MX" connected -s $LAB_SRC6B $LAB_REAL6 25

# --- show stats ---------------------------------------------------------------
check "rDNS lookup of $LAB_SRC4A answered" wait_rdns 1
if request_stats; then
	logged=$(grep 'statistics:' "$DAEMON_LOG" | tail -1 | sed 's/.*statistics: //')
	run_ctl show stats
	check "show stats is the SIGUSR1 line" test $RC -eq 0 -a "$OUT" = "$logged"
	check "show stats: fake-hits=1 admitted=3 entries=2 ($OUT)" \
	    test "$(stat_of fake-hits) $(stat_of admitted) $(stat_of entries)" = "1 3 2"
else
	fail "statistics logged on SIGUSR1"
fi

# --- log verbose | brief, in all three processes ------------------------------
ctl_ok "log brief" "log brief" log brief
expect "fake hit from $LAB_SRC4C, brief" refused 1000 -s $LAB_SRC4C $LAB_FAKE4 25
wait_rdns 2
check "brief: no parent debug line" test -z "$(grep "whitelisted $LAB_SRC4C:" "$DAEMON_LOG")"
check "brief: no resolver debug line" test -z "$(grep "resolver: rdns $LAB_SRC4C" "$DAEMON_LOG")"
ctl_ok "log verbose" "log verbose" log verbose
expect "fake hit from $LAB_SRC6C, verbose" refused 1000 -s $LAB_SRC6C $LAB_FAKE6 25
wait_rdns 3
check "verbose: parent debug line" wait_log "parent: whitelisted $LAB_SRC6C:"
check "verbose: resolver debug line" wait_log "resolver: rdns $LAB_SRC6C"

# --- reload -------------------------------------------------------------------
ctl_ok "reload" "configuration reloaded" reload
check "the daemon logged the reload" wait_log 'configuration reloaded'
echo "whitelist-time 120" >>"$SCRATCH/mxallowd.conf"
ctl_ok "reload with a new whitelist-time" "configuration reloaded" reload
ctl_ok "add takes the reloaded whitelist-time" \
    "whitelisted 203.0.113.99 for 120 seconds" add 203.0.113.99
echo "no-such-keyword" >>"$SCRATCH/mxallowd.conf"
ctl_fails "reload of a broken configuration is an error" \
    "mxallowctl: configuration not reloaded: it has errors (see the log)" reload
check "the daemon logged why" wait_log 'unknown keyword "no-such-keyword"'
sed -i '$d' "$SCRATCH/mxallowd.conf"
ctl_ok "reload once it is fixed" "configuration reloaded" reload

# --- errors -------------------------------------------------------------------
ctl_fails "no command: usage" "usage: mxallowctl [-hV] [-s socket] command [argument ...]"
ctl_fails "unknown command: usage" \
    "usage: mxallowctl [-hV] [-s socket] command [argument ...]" frobnicate
ctl_fails "show without what: usage" \
    "usage: mxallowctl [-hV] [-s socket] command [argument ...]" show
ctl_fails "bad address" "mxallowctl: 300.1.2.3: not an IPv4 or IPv6 address" \
    add 300.1.2.3
ctl_fails "address with a prefix" \
    "mxallowctl: 192.0.2.0/24: not an IPv4 or IPv6 address" delete 192.0.2.0/24
ctl_fails "seconds out of range" \
    "mxallowctl: 0 seconds: too small (must be 1..31536000)" add 192.0.2.7 0
ctl_fails "daemon not running (no socket)" \
    "mxallowctl: $SCRATCH/none.sock: connect: No such file or directory" \
    -s "$SCRATCH/none.sock" show stats

# --- clients that misbehave ---------------------------------------------------
out=$("$PROBE" "$SOCK" raw 3 10)
check "wrong payload size: error answer ($out)" test "$out" = "error bad request: type 3 with 10 bytes"
out=$("$PROBE" "$SOCK" raw 999 0)
check "unknown request type: error answer ($out)" test "$out" = "error bad request: unknown type 999"
out=$("$PROBE" "$SOCK" raw 3 68)
check "empty address: error answer ($out)" test "$out" = "error : not an IPv4 or IPv6 address"
out=$("$PROBE" "$SOCK" raw 100 256)
check "an answer type as a request: error answer ($out)" test "$out" = "error bad request: unknown type 100"
out=$("$PROBE" "$SOCK" garbage 1000000)
check "a client flooding garbage is disconnected ($out)" test "$out" = closed
check "the daemon logged it" wait_log 'control: malformed message, client disconnected'
check "the daemon keeps running and answering" alive

# --- a large whitelist, slow readers, hang-ups --------------------------------
N=50000
out=$("$PROBE" "$SOCK" add-many 10.0.0.0 $N)
check "$N adds over the socket ($out)" test "$out" = "added $N errors 0"
total=$(stat_of entries)
n=$("$CTL" -s "$SOCK" show whitelist | wc -l)
check "show whitelist lists all $total entries ($n)" test "$n" = "$total"
check "... the last added among them" test -n "$(entry 10.0.195.79/32)"

out=$("$PROBE" "$SOCK" hangup)
check "a client that hangs up mid-listing ($out)" test "$out" = "hung up"
check "the daemon keeps running after it" alive

# Four slow readers take every listing slot for a few seconds.
for i in 1 2 3 4; do
	"$PROBE" "$SOCK" slow-list 20 >"$SCRATCH/slow$i.out" &
	slow[$i]=$!
done
sleep 0.5
t0=$(date +%s%N)
run_ctl show stats
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
# Well before the slow listings end (seconds): they hold no lock on it.
check "show stats answers at once during slow listings (${ms} ms)" test $RC -eq 0 -a $ms -lt 3000
ctl_fails "a fifth listing is refused while four are under way" \
    "mxallowctl: busy: 4 listings under way, try again" show whitelist
expect "the real MX admits $LAB_SRC4A meanwhile" connected -s $LAB_SRC4A $LAB_REAL4 25
for i in 1 2 3 4; do
	wait "${slow[$i]}"
	check "slow reader $i got every entry ($(cat "$SCRATCH/slow$i.out"))" \
	    test "$(cat "$SCRATCH/slow$i.out")" = "entries $total"
done

# --- too many clients wait ------------------------------------------------------
: >"$SCRATCH/hold.out"
"$PROBE" "$SOCK" hold 16 30 >>"$SCRATCH/hold.out" &
holder=$!
wait_until 30 grep -q holding "$SCRATCH/hold.out"
"$CTL" -s "$SOCK" show stats >"$SCRATCH/waiter.out" 2>&1 &
waiter=$!
sleep 0.5
check "with 16 clients connected a 17th waits" test -d /proc/$waiter
kill -KILL $holder; wait $holder 2>/dev/null
if wait_gone_ms 2000 $waiter; then
	wait $waiter; rc=$?
	check "... and is answered once they are gone" \
	    test $rc -eq 0 -a -n "$(grep '^fake-hits=' "$SCRATCH/waiter.out")"
else
	kill -KILL $waiter 2>/dev/null
	fail "the waiting client was never answered"
fi

# --- flush -------------------------------------------------------------------
total=$(stat_of entries)
ctl_ok "flush" "flushed $total entries" flush
ctl_ok "show whitelist: empty after flush" "" show whitelist
expect "after flush, $LAB_SRC4A is blocked again" timeout -s $LAB_SRC4A $LAB_REAL4 25
expect "after flush, $LAB_SRC6B is blocked again" timeout -s $LAB_SRC6B $LAB_REAL6 25

# --- the socket's life ---------------------------------------------------------
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"; DAEMON_PID=
check "socket removed at a clean exit" test ! -e "$SOCK"
ctl_fails "daemon not running" \
    "mxallowctl: $SOCK: connect: No such file or directory" show stats

up
kill -KILL "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null; DAEMON_PID=
check "a killed daemon leaves its socket behind" test -S "$SOCK"
up
ctl_ok "a new daemon replaces the stale socket" "" show whitelist
