#!/usr/bin/env bash
# Reverse-DNS whitelisting end to end: SERVER runs the daemon, CLIENT sends,
# a third namespace DNS serves the records (dnsmasq) or misbehaves
# (regress/tools/fakedns).  A forward-confirmed name whitelists its other
# addresses (IPv4 and IPv6, up to rdns-max-addresses); an unconfirmed one,
# -b / no-rdns-whitelist, a dead or hostile DNS server whitelist only the
# source, at once, and never stall a verdict or kill the daemon; a slow
# lookup holds up no other.  resolver.sh has what is particular to c-ares
# (long names, TCP, a dead first nameserver, no stray queries).  Root;
# stopped if it runs over RDNS_LIMIT seconds (a guard against a hang, far
# above what it takes on a loaded machine).  Checks print "ok NAME" or
# "FAIL NAME: reason".
source "$(dirname "$0")/../lib.sh"
source "$REGRESS_DIR/netns/lab.sh"
scratch				# before lab_up: lab_up chains onto its trap
need_user

QUEUE=23
source "$REGRESS_DIR/netns/e2e.sh"
source "$REGRESS_DIR/netns/dnslab.sh"

need_tools rdns "$LAB_MXPROBE" "$LAB_FAKEDNS" "$LAB_DNSMASQ"

lab_up || { fail "rdns: lab_up"; exit 1; }
time_limit rdns "${RDNS_LIMIT:-900}"
lab_listen || { fail "rdns: lab_listen"; exit 1; }
lab_firewall $QUEUE || { fail "rdns: lab_queue"; exit 1; }
lab_dns_up || { fail "rdns: lab_dns_up"; exit 1; }
export DAEMON_NETNS=$LAB_SERVER	# for lib.sh's start_daemon

# Extra senders in CLIENT: 203.0.113.100-198.
client_addrs 100 198 || { fail "rdns: extra CLIENT addresses"; exit 1; }

# dnsmasq answers NXDOMAIN for any other name in these zones.
ZONES=(--local=/in-addr.arpa/ --local=/ip6.arpa/ --local=/example.net/)
NAMESERVER=$LAB_DNS4

# dns_names [DNSMASQ-ARG...] LABEL PTR NAME ADDR...: dnsmasq (with the
# leading --options too) where the reverse name PTR points to NAME and
# NAME has the addresses ADDR... (each as --host-record takes it: "a" or
# "a,b"); the script ends when it does not start.
dns_names() {
	local extra=() hosts=() label ptr name a
	while [[ $1 == --* ]]; do extra+=("$1"); shift; done
	label=$1 ptr=$2 name=$3
	shift 3
	for a; do hosts+=(--host-record="$name,$a"); done
	lab_dns_start "${ZONES[@]}" "${extra[@]}" --ptr-record="$ptr,$name" \
	    "${hosts[@]}" || { fail "$label: dnsmasq"; exit 1; }
}

# pool_confirms LABEL SRC OTHER FAKE REAL WHERE: with dnsmasq and the daemon
# up, OTHER (WHERE: another prefix than SRC's, in SRC's name) is blocked
# until SRC hits FAKE; SRC reaches REAL at once, OTHER once the lookup
# confirmed the name.
pool_confirms() {
	local label=$1 src=$2 other=$3 fake=$4 real=$5 where=$6
	expect "$label: $other blocked before" timeout -s $other $real 25
	expect "$label: fake hit from $src resets" refused -s $src $fake 25
	expect "$label: $src admitted at once" connected -s $src $real 25
	settles 1 30 "$label: lookup answered" "$label: no lookup answered"
	expect "$label: $other ($where, same name) admitted without a fake hit" \
	    connected -s $other $real 25
}

# cap_scenario LABEL NAME COUNT WANT: $SRC5's name NAME has $SRC5 and
# COUNT more addresses, OTHERS (203.0.113.100 on, from a hosts file: more
# than --host-record takes); its A answer matches WANT.  Then a daemon
# with rdns-max-addresses 3.
cap_scenario() {
	local label=$1 name=$2 count=$3 want=$4 k a
	OTHERS=()
	for ((k = 100; k < 100 + count; k++)); do OTHERS+=("203.0.113.$k"); done
	{ echo "$SRC5 $name"; for a in "${OTHERS[@]}"; do echo "$a $name"; done
	} >"$LAB_DIR/$name.hosts"
	lab_dns_start "${ZONES[@]}" --ptr-record="$(ptr4 $SRC5),$name" \
	    --addn-hosts="$LAB_DIR/$name.hosts" || { fail "$label: dnsmasq"; exit 1; }
	dns_says "$label" $LAB_DNS4 $name A "$want"
	daemon_up "rdns-max-addresses 3"
}

SRC5=$LAB_SRC4A		# 203.0.113.5
SRC6=$LAB_SRC4B		# 203.0.113.6, same /24
SRC7=$LAB_SRC4C		# 198.51.100.7, another /24

# --- a forward-confirmed pool, IPv4 source --------------------------------
NAMESERVER=$LAB_DNS4
dns_names "pool" "$(ptr4 $SRC5)" pool.example.net $SRC5 $SRC6 $SRC7,$LAB_SRC6C
dns_says "pool" $LAB_DNS4 $SRC5 PTR 'PTR=pool\.example\.net'
dns_says "pool" $LAB_DNS4 pool.example.net A "^answer NOERROR tc=0 3 "
daemon_up "whitelist-prefix6 128"
pool_confirms "pool" $SRC5 $SRC7 $LAB_FAKE4 $LAB_REAL4 "other /24"
expect "pool: $SRC6 admitted" connected -s $SRC6 $LAB_REAL4 25
expect "pool: the name's AAAA $LAB_SRC6C admitted" connected -s $LAB_SRC6C $LAB_REAL6 25
expect "pool: $LAB_SRC6B (not the name's) blocked" timeout -s $LAB_SRC6B $LAB_REAL6 25
request_stats
stats_are "pool" fake-hits=1 rdns-lookups=1 rdns-confirmed=1 rdns-unconfirmed=0 \
    rdns-capped=0 rdns-failed=0 entries=4
check "pool: the resolver asked our DNS server (PTR, then A)" \
    bash -c "grep -qi 'query\[PTR\] $(ptr4 $SRC5)' '$LAB_DNS_LOG' &&
	grep -qi 'query\[A\] pool.example.net' '$LAB_DNS_LOG'"
alive "pool"

# --- a slow lookup does not hold up another ---------------------------------
# dnsmasq forwards $SRC6's PTR zone to a fakedns that never answers (in DNS,
# on its loopback) and answers $SRC5's itself: $SRC6's lookup hangs until
# its DNS timeout while $SRC5's, asked after it, must go through at once.
lab_in_dns "$LAB_FAKEDNS" -m silent -T 60 127.0.0.1 5353 \
    </dev/null >"$LAB_DIR/slow.log" 2>&1 &
lab_track $!
dns_names --server="/$(ptr4 $SRC6)/127.0.0.1#5353" \
    "slow" "$(ptr4 $SRC5)" pool.example.net $SRC5 $SRC7
out=$(lab_dns_query $LAB_DNS4 $SRC6 PTR)
check "slow: DNS setup: $SRC6 PTR -> $out" test "${out%% *}" = timeout
daemon_up
expect "slow: fake hit from $SRC6 (slow lookup) resets" refused -s $SRC6 $LAB_FAKE4 25
expect "slow: fake hit from $SRC5 resets" refused -s $SRC5 $LAB_FAKE4 25
# Order, not time: $SRC5's answer comes while $SRC6's query still waits
# for its timeouts (4.5 s), not after them.
if wait_settled 1 30 && [ "$(stats_of rdns-confirmed)" = 1 ] &&
    [ "$(stats_of rdns-failed)" = 0 ]; then
	pass "slow: $SRC5's lookup answered in $WAITED ms, $SRC6's still out"
else
	fail "slow: $SRC5's lookup not answered before $SRC6's ended: $(rdns_log)"
fi
expect "slow: $SRC7 (in $SRC5's name) admitted" connected -s $SRC7 $LAB_REAL4 25
if wait_settled 2 30; then
	pass "slow: $SRC6's lookup ended too, in $WAITED ms more"
else
	fail "slow: $SRC6's lookup not ended within 30 s more: $(rdns_log)"
fi
request_stats
stats_are "slow" rdns-lookups=2 rdns-confirmed=1 rdns-failed=1 entries=3
alive "slow"

# --- a name that does not resolve back; a source without a name -----------
dns_names "unconfirmed" "$(ptr4 $SRC5)" liar.example.net $SRC6 $SRC7
dns_says "unconfirmed" $LAB_DNS4 $SRC5 PTR 'PTR=liar\.example\.net'
dns_says "unconfirmed" $LAB_DNS4 $LAB_SRC6B PTR '^answer NXDOMAIN'
daemon_up "whitelist-prefix6 128"
expect "unconfirmed: fake hit from $SRC5 resets" refused -s $SRC5 $LAB_FAKE4 25
expect "unconfirmed: fake hit from $LAB_SRC6B (no PTR) resets" refused 1000 \
    -s $LAB_SRC6B $LAB_FAKE6 25
settles 2 30 "unconfirmed: both lookups answered" \
    "unconfirmed: lookups not answered"
expect "unconfirmed: $SRC5 admitted" connected -s $SRC5 $LAB_REAL4 25
expect "unconfirmed: $LAB_SRC6B admitted" connected -s $LAB_SRC6B $LAB_REAL6 25
expect "unconfirmed: $SRC6 (the name's address) stays blocked" timeout -s $SRC6 $LAB_REAL4 25
expect "unconfirmed: $SRC7 (the name's address) stays blocked" timeout -s $SRC7 $LAB_REAL4 25
request_stats
stats_are "unconfirmed" rdns-lookups=2 rdns-confirmed=0 rdns-unconfirmed=2 \
    rdns-failed=0 entries=2
alive "unconfirmed"

# --- the cap: 20 addresses (an answer that fits 512 bytes), max 3 ---------
cap_scenario "cap 20" wide.example.net 19 "^answer NOERROR tc=0 20 "
n=$(admitted "${OTHERS[@]}")
check "cap 20: none of the name's 19 others admitted before ($n)" test "$n" = 0
expect "cap 20: fake hit from $SRC5 resets" refused -s $SRC5 $LAB_FAKE4 25
settles 1 30 "cap 20: lookup answered" "cap 20: no lookup answered"
request_stats
stats_are "cap 20" rdns-confirmed=1 rdns-capped=1 entries=4
n=$(admitted "${OTHERS[@]}")
check "cap 20: exactly 3 of the name's 19 others admitted ($n)" test "$n" = 3
alive "cap 20"

# --- 100 addresses ---------------------------------------------------------
# 100 A records do not fit an answer over UDP (even with EDNS): dnsmasq
# sets TC, the resolver asks again over TCP, sees them all and caps.
cap_scenario "cap 100" big.example.net 99 "^answer NOERROR tc=1 "
expect "cap 100: fake hit from $SRC5 resets" refused -s $SRC5 $LAB_FAKE4 25
expect "cap 100: $SRC5 admitted at once" connected -s $SRC5 $LAB_REAL4 25
settles 1 30 "cap 100: lookup answered" "cap 100: no lookup answered"
request_stats
stats_are "cap 100" rdns-confirmed=1 rdns-capped=1 rdns-failed=0 entries=4
n=$(admitted "${OTHERS[@]}")
check "cap 100: exactly 3 of the name's 99 others admitted ($n)" test "$n" = 3
# dnsmasq logs the query it truncated and the same one over TCP.
n=$(grep -ciE 'query\[A\] big\.example\.net ' "$LAB_DNS_LOG")
check "cap 100: the A query asked again (over TCP): $n times" test "$n" -ge 2
alive "cap 100"

# --- -b and no-rdns-whitelist: only the source ----------------------------
dns_names "-b" "$(ptr4 $SRC5)" pool.example.net $SRC5 $SRC7
for how in "-b" "no-rdns-whitelist"; do
	if [ "$how" = -b ]; then daemon_up -b; else daemon_up no-rdns-whitelist; fi
	expect "$how: fake hit from $SRC5 resets" refused -s $SRC5 $LAB_FAKE4 25
	expect "$how: $SRC5 admitted" connected -s $SRC5 $LAB_REAL4 25
	# A lookup, were there one, is answered within milliseconds (above).
	sleep 0.5
	expect "$how: $SRC7 (same name) stays blocked" timeout -s $SRC7 $LAB_REAL4 25
	request_stats
	stats_are "$how" rdns-lookups=0 rdns-confirmed=0 entries=1
done
check "-b, no-rdns-whitelist: no query reached the DNS server" \
    bash -c "! grep -qi 'query\[' <(grep -vi 'lab\.invalid' '$LAB_DNS_LOG')"
alive "no-rdns-whitelist"

# --- the DNS server down ----------------------------------------------------
lab_dns_stop
daemon_up
expect "dns down: fake hit from $SRC5 resets" refused -s $SRC5 $LAB_FAKE4 25
expect "dns down: $SRC5 admitted at once" connected -s $SRC5 $LAB_REAL4 25
expect "dns down: another source's fake hit resets" refused -s $SRC6 $LAB_FAKE4 25
expect "dns down: and it is admitted" connected -s $SRC6 $LAB_REAL4 25
expect "dns down: a third, never at the fake, blocked" timeout -s $SRC7 $LAB_REAL4 25
settles 2 30 "dns down: both lookups ended" "dns down: lookups not ended"
request_stats
stats_are "dns down" rdns-lookups=2 rdns-failed=2 rdns-confirmed=0 entries=2
expect "dns down: $SRC5 still admitted afterwards" connected -s $SRC5 $LAB_REAL4 25
alive "dns down"

# --- hostile DNS servers ------------------------------------------------------
# Each mode in turn, one daemon run each.  longname cycles through its three
# broken names, one per query: three sources ask in turn.
for mode in silent servfail nxdomain longname many cnameloop garbage truncated; do
	lab_dns_fake -m "$mode" -T 60 || { fail "$mode: fakedns"; continue; }
	daemon_up
	srcs=("$SRC5")
	[ "$mode" = longname ] && srcs=("$SRC5" "$SRC6" "$SRC7")
	n=0
	for s in "${srcs[@]}"; do
		n=$((n + 1))
		expect "$mode: fake hit from $s resets" refused -s $s $LAB_FAKE4 25
		expect "$mode: $s admitted at once" connected -s $s $LAB_REAL4 25
		if [ "$mode" = silent ]; then
			request_stats
			check "silent: admitted before any answer (settled $(settled))" \
			    test "$(settled)" = 0
			expect "silent: another source's fake hit resets" refused 1000 \
			    -s $SRC6 $LAB_FAKE4 25
			expect "silent: and it is admitted" connected -s $SRC6 $LAB_REAL4 25
			expect "silent: a third, never at the fake, blocked" timeout \
			    -s $SRC7 $LAB_REAL4 25
			n=$((n + 1))
		fi
		[ "$mode" = longname ] && wait_settled $n 30
	done
	settles $n 60 "$mode: $n lookup(s) ended" "$mode: $n lookup(s) not ended"
	request_stats
	c=$(stats_of rdns-confirmed) u=$(stats_of rdns-unconfirmed)
	f=$(stats_of rdns-failed) e=$(stats_of entries)
	check "$mode: failed or unconfirmed, nothing confirmed (failed=$f unconfirmed=$u confirmed=$c)" \
	    test "$c" = 0 -a "$((f + u))" = "$n"
	check "$mode: only the sources whitelisted (entries=$e)" test "$e" = "$n"
	check "$mode: fakedns was asked" grep -q '^query ' "$LAB_DNS_FAKE_LOG4"
	expect "$mode: $SRC5 still admitted afterwards" connected -s $SRC5 $LAB_REAL4 25
	alive "$mode"
done
lab_dns_stop

# --- IPv6: a pool with AAAA records, the nameserver over IPv6 ---------------
NAMESERVER=$LAB_DNS6
dns_names "v6 pool" "$(ptr6 $LAB_SRC6A)" pool6.example.net $LAB_SRC6A $LAB_SRC6C
dns_says "v6 pool" $LAB_DNS6 $LAB_SRC6A PTR 'PTR=pool6\.example\.net'
dns_says "v6 pool" $LAB_DNS6 pool6.example.net AAAA "^answer NOERROR tc=0 2 "
daemon_up "whitelist-prefix6 128"
pool_confirms "v6 pool" $LAB_SRC6A $LAB_SRC6C $LAB_FAKE6 $LAB_REAL6 "other /64"
expect "v6 pool: $LAB_SRC6B (same /64, not the name's) blocked" timeout \
    -s $LAB_SRC6B $LAB_REAL6 25
request_stats
stats_are "v6 pool" rdns-lookups=1 rdns-confirmed=1 rdns-failed=0 entries=2
check "v6 pool: the query went over IPv6 (from $LAB_DNS_SRV6)" \
    grep -qi "query\[PTR\] $(ptr6 $LAB_SRC6A) from $LAB_DNS_SRV6" "$LAB_DNS_LOG"
alive "v6 pool"

kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"; DAEMON_PID=
check "statistics at exit carry the rdns counters" \
    bash -c "tail -3 '$DAEMON_LOG' | grep 'statistics:' | grep -q 'rdns-lookups=1 rdns-confirmed=1 rdns-unconfirmed=0 rdns-capped=0 rdns-failed=0'"
time_spent rdns
