#!/usr/bin/env bash
# Floods.  A SYN flood from random spoofed sources at the fake MX, for a
# bounded time, with a DNS server that never answers (so that lookups pile
# up) and a small max-entries: the whitelist stays within max-entries
# (evicting unconfirmed entries), the parent's open rDNS questions within
# 1024, the resolver's lookups within 256, the memory of all three
# processes within a bound; a sender confirmed before the flood still
# reaches the real MX during it, an unknown or unconfirmed one does not;
# a flood from sources on SERVER's own link, whose resets can never be
# delivered, costs resets, not verdicts.  Then a flood of malformed
# packets (synflood -m malformed; the mix is described there) at the fake
# and the real MX of both families: each one that reached the queue rule
# (counted by an identical rule before it) is counted malformed, or cut
# when its TCP flags lie beyond the 128 bytes the daemon copies, and the
# daemon goes on working.
# Root; bounded to 120 s as a whole (FLOOD_LIMIT).
source "$(dirname "$0")/../lib.sh"
source "$REGRESS_DIR/netns/lab.sh"
source "$REGRESS_DIR/netns/e2e.sh"
scratch				# before lab_up: lab_up chains onto its trap
need_user

QUEUE=23
MAX_ENTRIES=1000
OPEN_MAX=1024			# parent/rdns.c RDNS_OUTSTANDING_MAX
INFLIGHT_MAX=256		# resolver/resolver.c RESOLVER_MAX_INFLIGHT
RATE=${FLOOD_RATE:-20000}	# SYNs per second
FLOOD_SECS=${FLOOD_SECONDS:-10}
SYNFLOOD=${SYNFLOOD:-$TOP/regress/tools/synflood}

for tool in "$LAB_MXPROBE" "$LAB_FAKEDNS" "$SYNFLOOD"; do
	if [ ! -x "$tool" ]; then
		fail "flood: $tool missing (make regress/tools/...)"
		exit 1
	fi
done

lab_up || { fail "flood: lab_up"; exit 1; }
time_limit flood "${FLOOD_LIMIT:-900}"
lab_listen || { fail "flood: lab_listen"; exit 1; }
lab_queue $QUEUE || { fail "flood: lab_queue"; exit 1; }
lab_dns_up || { fail "flood: lab_dns_up"; exit 1; }
lab_dns_fake -m silent -T 1800 || { fail "flood: fakedns"; exit 1; }

# The spoofed sources, routed back to CLIENT through one next hop (one
# neighbour entry, not one per source); CLIENT drops what it is sent.
SPOOF6=2001:db8:100::/48
SPOOF4=(198.51.100.128/25 203.0.113.128/25)
ONLINK4=203.0.113.64/26		# no route of its own: on SERVER's link
{ ip -n "$LAB_SERVER" -6 route add $SPOOF6 via $LAB_SRC6A dev $LAB_IF &&
  for p in "${SPOOF4[@]}"; do
	ip -n "$LAB_SERVER" route add $p via $LAB_SRC4A dev $LAB_IF || exit 1
  done
} || { fail "flood: routes to the spoofed prefixes"; exit 1; }

NAMESERVER=$LAB_DNS4

# Not daemon_up: without -v, or every spoofed source would be a log line.
DAEMON_NETNS=$LAB_SERVER start_daemon "$(conf "max-entries $MAX_ENTRIES")"
wait_log 'startup complete' || { fail "flood: daemon starts: $(tail -5 "$DAEMON_LOG")"; exit 1; }
CAPTURE=$(child_with_title "$DAEMON_PID" capture)
RESOLVER=$(child_with_title "$DAEMON_PID" resolver)

# kb PID FIELD: VmRSS or VmHWM of PID in kB.
kb() { status_field "$1" "$2" | awk '{ print $1 }'; }

# alive NAME: the parent and both children are the ones that started.
alive() {
	if kill -0 "$DAEMON_PID" 2>/dev/null &&
	    [ "$(child_with_title "$DAEMON_PID" capture)" = "$CAPTURE" ] &&
	    [ "$(child_with_title "$DAEMON_PID" resolver)" = "$RESOLVER" ]; then
		pass "$1: parent and children alive"
	else
		fail "$1: daemon gone: $(tail -3 "$DAEMON_LOG")"
	fi
}

# num NAME: a counter of the last statistics line, or -1.
num() {
	local v
	v=$(stats_of "$1")
	[[ $v =~ ^[0-9]+$ ]] && echo "$v" || echo -1
}

# sample: statistics and memory now; the maxima in MAX_*, a line in SAMPLES.
MAX_ENTRIES_SEEN=0 MAX_OPEN=0 NSAMPLES=0
SAMPLES=$SCRATCH/samples
sample() {
	local e o
	request_stats || return 1
	e=$(num entries) o=$(num rdns-open)
	[ "$e" -gt "$MAX_ENTRIES_SEEN" ] && MAX_ENTRIES_SEEN=$e
	[ "$o" -gt "$MAX_OPEN" ] && MAX_OPEN=$o
	NSAMPLES=$((NSAMPLES + 1))
	echo "$1 fake-hits=$(num fake-hits) queue-dropped=$(num queue-dropped)" \
	    "entries=$e evicted=$(num evicted) rdns-open=$o" \
	    "rdns-inflight-peak=$(num rdns-inflight-peak)" \
	    "parent-rss=$(kb "$DAEMON_PID" VmRSS) resolver-rss=$(kb "$RESOLVER" VmRSS)" \
	    "capture-rss=$(kb "$CAPTURE" VmRSS)" >>"$SAMPLES"
}

# open_is N: rdns-open is N now.
open_is() {
	request_stats && [ "$(num rdns-open)" = "$1" ]
}

# wait_open N: poll until rdns-open is N, at most 60 s (a lookup that
# never gets an answer fails after 4.5 s, its deadline is 30 s).
wait_open() {
	wait_until 60 open_is "$1"
}

# --- before: two senders confirmed, one not; the rDNS counters -----------
# Each fake hit asks the resolver, whose PTR query times out (2 s, twice);
# the parent learns the resolver's peak from its answers.
expect "before: fake hit from $LAB_SRC4A" refused 1000 -s $LAB_SRC4A $LAB_FAKE4 25
expect "before: $LAB_SRC4A confirmed at the real MX" connected -s $LAB_SRC4A $LAB_REAL4 25
expect "before: fake hit from $LAB_SRC6A" refused 1000 -s $LAB_SRC6A $LAB_FAKE6 25
expect "before: $LAB_SRC6A confirmed at the real MX" connected -s $LAB_SRC6A $LAB_REAL6 25
expect "before: fake hit from $LAB_SRC4C, never confirmed" refused 1000 -s $LAB_SRC4C $LAB_FAKE4 25
request_stats
stats_are "before, three lookups out" rdns-lookups=3 rdns-open=3 \
    rdns-inflight-peak=0 entries=3
wait_open 0
stats_are "before, all timed out" rdns-open=0 rdns-failed=3 \
    rdns-inflight-peak=3
sample before
RSS0_P=$(kb "$DAEMON_PID" VmRSS) RSS0_R=$(kb "$RESOLVER" VmRSS)
RSS0_C=$(kb "$CAPTURE" VmRSS)

# flood LABEL HOOK ARGS...: synflood ARGS in CLIENT in the background,
# sampled every half second until it ends; HOOK runs once (in the
# background), a second in.  FLOOD_OUT is synflood's line.
flood() {
	local label=$1 hook=$2 pid hookpid='' i
	shift 2
	lab_in_client "$SYNFLOOD" "$@" >"$SCRATCH/flood.out" 2>&1 &
	pid=$!
	for ((i = 0; i < 2 * (FLOOD_SECS + 10); i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sample "$label" || true
		if [ $i -eq 2 ]; then $hook & hookpid=$!; fi
		sleep 0.5
	done
	wait "$pid" $hookpid
	FLOOD_OUT=$(cat "$SCRATCH/flood.out")
	check "$label: synflood ran: $FLOOD_OUT" grep -q '^sent=[1-9]' "$SCRATCH/flood.out"
}

# During a flood: the confirmed senders get through (a dropped SYN would
# be sent again after 1 s: 3 s allow for that), an unknown one does not,
# nor the one that was never confirmed: the flood pushed it out.
# All at once: a probe that times out takes its 1.5 s.
senders() {
	expect "$1: confirmed $LAB_SRC6A reaches the real MX" connected 3000 \
	    -t 3000 -s $LAB_SRC6A $LAB_REAL6 25 &
	expect "$1: confirmed $LAB_SRC4A reaches the real MX" connected 3000 \
	    -t 3000 -s $LAB_SRC4A $LAB_REAL4 25 &
	expect "$1: unconfirmed $LAB_SRC4C evicted, blocked" timeout \
	    -t 1500 -s $LAB_SRC4C $LAB_REAL4 25 &
	expect "$1: unknown $LAB_SRC6C still blocked" timeout \
	    -t 1500 -s $LAB_SRC6C $LAB_REAL6 25 &
	expect "$1: unknown $LAB_SRC4B still blocked" timeout \
	    -t 1500 -s $LAB_SRC4B $LAB_REAL4 25 &
	wait
}
during_v6() { senders "v6 flood"; }
during_v4() { senders "v4 flood"; }
during_onlink() {
	expect "on-link flood: confirmed $LAB_SRC4A reaches the real MX" \
	    connected 3000 -t 3000 -s $LAB_SRC4A $LAB_REAL4 25 &
	expect "on-link flood: confirmed $LAB_SRC6A reaches the real MX" \
	    connected 3000 -t 3000 -s $LAB_SRC6A $LAB_REAL6 25 &
	wait
}

# --- SYN floods at the fake MX -------------------------------------------
# IPv6: random /64s of a /48, far more sources than max-entries; IPv4: the
# 256 addresses of SPOOF4, into a whitelist full of the IPv6 ones.
flood "v6 flood" during_v6 -d $LAB_FAKE6 -p 25 -S $SPOOF6 -r $RATE -t $FLOOD_SECS
flood "v4 flood" during_v4 -d $LAB_FAKE4 -p 25 -S ${SPOOF4[0]} -S ${SPOOF4[1]} \
    -r $RATE -t $((FLOOD_SECS / 2))
# Sources on SERVER's own link (203.0.113.0/24 is on-link, nobody answers
# ARP for these): every reset waits for a neighbour entry that never
# resolves and fills the raw socket's send buffer.  Resets are lost,
# counted; the parent must not wait for them.
request_stats
re0=$(num reset-errors)
flood "on-link flood" during_onlink -d $LAB_FAKE4 -p 25 -S $ONLINK4 -r 5000 -t 4
request_stats
check "on-link flood: lost resets counted (reset-errors +$(( $(num reset-errors) - re0 )))" \
    test "$(num reset-errors)" -gt "$re0"
alive "after the SYN floods"

# --- the bounds -------------------------------------------------------------
request_stats
wl=$(num whitelisted) ev=$(num evicted) en=$(num entries)
check "entries filled up to max-entries and never beyond: at most $MAX_ENTRIES_SEEN in $NSAMPLES samples" \
    test "$MAX_ENTRIES_SEEN" -eq $MAX_ENTRIES
# Nothing expires (a day's whitelist-time): every entry made beyond
# max-entries pushed out an unconfirmed one.
check "evictions counted: evicted=$ev = whitelisted=$wl - entries=$en" \
    test "$ev" -gt 0 -a "$ev" -eq $((wl - en))
check "open rDNS questions at most $OPEN_MAX: at most $MAX_OPEN seen" \
    test "$MAX_OPEN" -gt 0 -a "$MAX_OPEN" -le $OPEN_MAX
check "the resolver reached its cap of $INFLIGHT_MAX lookups and no more: rdns-inflight-peak=$(num rdns-inflight-peak)" \
    test "$(num rdns-inflight-peak)" -eq $INFLIGHT_MAX
if wait_open 0; then
	pass "every question answered once the flood is over (rdns-open=0)"
else
	fail "rdns-open still $(num rdns-open) 15 s after the flood"
fi

# Memory: what the processes hold at most (VmHWM) against what they held
# before the floods.  Everything a flood can fill is capped: the parent's
# whitelist (max-entries x 56 bytes), packets on their way to capture and
# back (queue-maxlen + 64, 4160 x 184 bytes: 0.75 MiB), its questions
# (fixed); the resolver's lookups (256 x 3 kB), its answers not yet read
# (1024 x 1.6 kB), its cache (4096 x 0.3 kB): 4 MiB.  With malloc's slack:
# 4 MiB more for the parent and capture, 8 MiB for the resolver.  Not
# under AddressSanitizer, whose quarantine keeps what is freed.
if grep -qa __asan_init "$MXALLOWD"; then
	pass "memory: not bounded under AddressSanitizer (before: parent $RSS0_P kB, resolver $RSS0_R kB, capture $RSS0_C kB)"
else
	for m in "parent $DAEMON_PID $RSS0_P 4096" "capture $CAPTURE $RSS0_C 4096" \
	    "resolver $RESOLVER $RSS0_R 8192"; do
		set -- $m
		hwm=$(kb "$2" VmHWM) rss=$(kb "$2" VmRSS)
		check "memory: $1 VmHWM $hwm kB (VmRSS $3 kB before, $rss kB now) within $4 kB more" \
		    test "$hwm" -le $(($3 + $4))
	done
fi

# --- malformed packets at the fake and the real MX ---------------------------
# An identical rule before each queue rule counts what reaches it.
TARGETS=("$LAB_IPT4 $LAB_FAKE4 ${SPOOF4[0]}" "$LAB_IPT4 $LAB_REAL4 ${SPOOF4[1]}"
    "$LAB_IPT6 $LAB_FAKE6 $SPOOF6" "$LAB_IPT6 $LAB_REAL6 $SPOOF6")
for t in "${TARGETS[@]}"; do
	set -- $t
	lab_in_server "$1" -w 5 -I INPUT 1 -p tcp --syn --dport 25 -d "$2" ||
	    { fail "malformed: counting rule for $2"; exit 1; }
done
# kdrops: packets the daemon may not have seen (kernel queue, netlink).
kdrops() {
	echo $(( $(num queue-dropped) + $(num user-dropped) + $(num enobufs) +
	    $(num overflow) ))
}
# broken: dropped unjudged, malformed or cut.
broken() {
	echo $(( $(num malformed) + $(num cut) ))
}
request_stats
m0=$(broken) k0=$(kdrops)
NMAL=${FLOOD_MALFORMED:-5000}	# per target
sent=0
for t in "${TARGETS[@]}"; do
	set -- $t
	out=$(lab_in_client "$SYNFLOOD" -m malformed -d "$2" -p 25 -S "$3" \
	    -n $NMAL -r 10000 -t 5)
	check "malformed at $2: $out" test "$out" != "${out#sent=$NMAL }"
	sent=$((sent + NMAL))
done
reached=0
for t in "${TARGETS[@]}"; do
	set -- $t
	n=$(lab_in_server "$1" -w 5 -L INPUT 1 -nvx | awk '{ print $1 }')
	reached=$((reached + n))
done
# malformed_counted: every SYN that reached the queue rules and was not
# dropped by the kernel is counted malformed.
malformed_counted() {
	request_stats
	[ $(( $(broken) - m0 )) -ge $((reached - $(kdrops) + k0)) ]
}
wait_until 30 malformed_counted
got=$(( $(broken) - m0 )) lost=$(( $(kdrops) - k0 ))
check "malformed: $sent sent, $reached reached the queue rules" \
    test "$reached" -gt 0 -a "$reached" -le "$sent"
check "malformed: all $reached counted (malformed and cut +$got, not seen by the daemon $lost)" \
    test "$got" -eq $((reached - lost))
alive "after the malformed flood"

# --- and then, business as usual ----------------------------------------------
expect "after: fake hit from $LAB_SRC4B" refused 1000 -s $LAB_SRC4B $LAB_FAKE4 25
expect "after: $LAB_SRC4B reaches the real MX" connected -s $LAB_SRC4B $LAB_REAL4 25
expect "after: fake hit from $LAB_SRC6C" refused 1000 -s $LAB_SRC6C $LAB_FAKE6 25
expect "after: $LAB_SRC6C reaches the real MX" connected -s $LAB_SRC6C $LAB_REAL6 25
request_stats
check "after: the new lookups went out (rdns-open=$(num rdns-open))" test "$(num rdns-open)" -ge 1

# --- teardown -------------------------------------------------------------------
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID"
rc=$?
DAEMON_PID=
check "the daemon exits cleanly on SIGTERM (status $rc)" test $rc -eq 0
grep 'statistics:' "$DAEMON_LOG" | tail -1 >&2
names="$LAB_SERVER $LAB_CLIENT $LAB_DNS"
lab_down
left=$(ip netns list | grep -wE "$(echo $names | tr ' ' '|')")
check "lab torn down (namespaces left: ${left:-none})" test -z "$left"
time_spent flood
# For a person running it: what was seen.
cat "$SAMPLES" >&2
