#!/usr/bin/env bash
# The SPF-walked allowlist end to end: fakedns serves SPF records in the
# DNS namespace, the daemon walks them (allowlist-spf) and admits the
# networks at the real MX, with real TCP connections from CLIENT: a source
# inside a walked network gets in without a fake hit, one outside does not.
# Nested includes, redirect, a and mx with their prefixes, a record over
# 512 bytes (TCP), skipped terms; include loops, too many lookups, too
# many void lookups, 0.0.0.0/0, too many networks and a domain without SPF
# are refused; a new record is walked after its TTL; a refused or failed
# walk (the DNS down) keeps the last good networks, and so does a restart
# (the state file).  Root; stopped if it runs over SPF_LIMIT seconds (a
# guard, not a budget).
source "$(dirname "$0")/../lib.sh"
source "$REGRESS_DIR/netns/lab.sh"
scratch				# before lab_up: lab_up chains onto its trap
need_user

QUEUE=23
source "$REGRESS_DIR/netns/e2e.sh"
source "$REGRESS_DIR/netns/dnslab.sh"
CTL=$TOP/mxallowctl
STATE=$SCRATCH/state

need_tools spf "$LAB_MXPROBE" "$LAB_FAKEDNS" "$CTL"

lab_up || { fail "spf: lab_up"; exit 1; }
time_limit spf "${SPF_LIMIT:-900}"
lab_listen || { fail "spf: lab_listen"; exit 1; }
lab_queue $QUEUE || { fail "spf: lab_queue"; exit 1; }
lab_dns_up || { fail "spf: lab_dns_up"; exit 1; }
client_addrs 100 100 || { fail "spf: extra CLIENT address"; exit 1; }
NAMESERVER=$LAB_DNS4
ZONE=$LAB_DIR/spf.zone

# --- the records ----------------------------------------------------------------
# ip6 terms for a record of BYTES or more: 2001:db8:N:M::/64 from FIRST on.
ip6_terms() {
	local n=$1 first=$2 k
	for ((k = first; k < first + n; k++)); do
		printf ' ip6:2001:db8:%x:%x::/64' $((k / 256 + 16)) $((k % 256))
	done
}

# zone TTL-RECORD: the zone; TTL-RECORD is ttl.example.com's record.
zone() {
	cat <<ZONE
good.example.com 3600 TXT v=spf1 ip4:203.0.113.64/26 include:_a.good.example.com mx -all
good.example.com 3600 TXT google-site-verification=not-spf
good.example.com 3600 MX 10 mx.good.example.com
mx.good.example.com 3600 A 192.0.2.99
_a.good.example.com 3600 TXT v=spf1 ip6:2001:db8:1::/48 include:_b.good.example.com -ip4:203.0.113.5 ~all
_b.good.example.com 3600 TXT v=spf1 a:host.good.example.com/28 -all
host.good.example.com 3600 A 198.51.100.7
redir.example.com 3600 TXT v=spf1 redirect=_spf.redir.example.com
_spf.redir.example.com 3600 TXT v=spf1 ip4:198.51.100.128/25 -all
macro.example.com 3600 TXT v=spf1 exists:%{i}._spf.macro.example.com ptr include:%{d}.example.net ip4:198.51.100.192/27 -all
big.example.com 3600 TXT v=spf1 ip4:198.51.100.64/27$(ip6_terms 60 0) -all
loop.example.com 3600 TXT v=spf1 include:loop2.example.com -all
loop2.example.com 3600 TXT v=spf1 include:loop.example.com -all
many.example.com 3600 TXT v=spf1 $(for k in 1 2 3 4 5 6 7 8 9 10 11; do printf 'a:h%d.many.example.com ' $k; done)-all
void.example.com 3600 TXT v=spf1 a:nx1.example.com a:nx2.example.com a:nx3.example.com ip4:198.51.100.224/27 -all
world.example.com 3600 TXT v=spf1 ip4:0.0.0.0/0 -all
huge.example.com 3600 TXT v=spf1 include:h1.huge.example.com include:h2.huge.example.com include:h3.huge.example.com include:h4.huge.example.com -all
h1.huge.example.com 3600 TXT v=spf1$(ip6_terms 300 0) -all
h2.huge.example.com 3600 TXT v=spf1$(ip6_terms 300 300) -all
h3.huge.example.com 3600 TXT v=spf1$(ip6_terms 300 600) -all
h4.huge.example.com 3600 TXT v=spf1$(ip6_terms 300 900) -all
nospf.example.com 3600 TXT google-site-verification=only-this
ttl.example.com 3 TXT $1
ZONE
	for k in 1 2 3 4 5 6 7 8 9 10 11; do
		echo "h$k.many.example.com 3600 A 198.51.100.$((k + 1))"
	done
}

GOOD="ip4:198.51.100.32/28"
zone "v=spf1 $GOOD -all" >"$ZONE"
fake_zone "spf" "$ZONE"
n=$(wc -c < <(grep '^big.example.com ' "$ZONE"))
check "setup: big.example.com's record is over 1232 bytes ($n)" test "$n" -gt 1300

DOMAINS=(good.example.com redir.example.com macro.example.com big.example.com
    loop.example.com many.example.com void.example.com world.example.com
    huge.example.com nospf.example.com ttl.example.com)
spf_conf=("state-file $STATE" "allowlist-spf-refresh-min 2"
    "allowlist-spf-refresh-max 5")
for d in "${DOMAINS[@]}"; do spf_conf+=("allowlist-spf $d"); done

# allowlisted LINE-REGEX: show allowlist has a line matching LINE-REGEX.
allowlisted() {
	"$CTL" -s "$SCRATCH/control.sock" show allowlist 2>/dev/null |
	    grep -qE -- "$1"
}

# walked DOMAIN WHAT: the daemon logged WHAT about allowlist-spf DOMAIN.
walked() {
	grep -qE -- "parent: allowlist-spf $1: $2" "$DAEMON_LOG"
}

# every_walked: each domain's first walk has ended, well or not.
every_walked() {
	[ -z "$(not_walked)" ]
}

daemon_up "${spf_conf[@]}"
# not_walked: the domains whose first walk has not ended.
not_walked() {
	local d
	for d in "${DOMAINS[@]}"; do
		walked "$d" '([0-9]+ networks from|walk failed|record refused|no SPF record)' ||
		    echo "$d"
	done
}
check "every domain walked once (not yet: $(wait_until 60 every_walked; not_walked | tr '\n' ' '))" \
    every_walked
"$CTL" -s "$SCRATCH/control.sock" show allowlist >"$SCRATCH/allowlist" 2>&1

# --- what is admitted ----------------------------------------------------------
expect "admitted: 203.0.113.100 (in good's ip4 203.0.113.64/26), no fake hit" \
    connected -s 203.0.113.100 $LAB_REAL4 25
expect "admitted: $LAB_SRC4C (in _b's a:host/28 198.51.100.0/28), no fake hit" \
    connected -s $LAB_SRC4C $LAB_REAL4 25
expect "admitted: $LAB_SRC6A (in _a's ip6 2001:db8:1::/48), no fake hit" \
    connected -s $LAB_SRC6A $LAB_REAL6 25
expect "blocked: $LAB_SRC4A (outside every walked network)" \
    timeout -s $LAB_SRC4A $LAB_REAL4 25
expect "blocked: $LAB_SRC6C (outside every walked network)" \
    timeout -s $LAB_SRC6C $LAB_REAL6 25
request_stats
stats_are "walked networks" fake-hits=0 allowlisted=3 blocked=2

# --- mxallowctl show allowlist: each network, its domain and record -----------
line() {	# line REGEX: a line of the listing
	check "show allowlist: $1" grep -qE "^$1 [0-9]+\$" "$SCRATCH/allowlist"
}
line '203\.0\.113\.64/26 spf good\.example\.com good\.example\.com ip4'
line '2001:db8:1::/48 spf good\.example\.com _a\.good\.example\.com ip6'
line '198\.51\.100\.0/28 spf good\.example\.com _b\.good\.example\.com a'
line '192\.0\.2\.99/32 spf good\.example\.com good\.example\.com mx'
line '198\.51\.100\.128/25 spf redir\.example\.com _spf\.redir\.example\.com ip4'
line '198\.51\.100\.192/27 spf macro\.example\.com macro\.example\.com ip4'
line '198\.51\.100\.64/27 spf big\.example\.com big\.example\.com ip4'
line '198\.51\.100\.32/28 spf ttl\.example\.com ttl\.example\.com ip4'
n=$(grep -c ' spf big\.example\.com ' "$SCRATCH/allowlist")
check "big.example.com: all 61 networks of its record ($n)" test "$n" = 61
check "good.example.com: no network of a -ip4 term (203.0.113.5)" \
    bash -c "! grep -q '^203\.0\.113\.5/' '$SCRATCH/allowlist'"
check "big.example.com's record came over TCP" \
    bash -c "grep -qE '^truncated [0-9]+ big.example.com ' '$LAB_DNS_FAKE_LOG4' &&
	grep -qE '^query [0-9]+ 16 big.example.com tcp' '$LAB_DNS_FAKE_LOG4'"
check "macro.example.com: exists skipped and logged" \
    grep -q 'resolver: spf macro.example.com: macro.example.com: "exists:%{i}._spf.macro.example.com" skipped' "$DAEMON_LOG"
check "macro.example.com: ptr skipped and logged" \
    grep -q 'resolver: spf macro.example.com: macro.example.com: "ptr" skipped' "$DAEMON_LOG"
check "macro.example.com: the include with a macro skipped and logged" \
    grep -q 'resolver: spf macro.example.com: macro.example.com: "include:%{d}.example.net" skipped: macros' "$DAEMON_LOG"

# --- refused walks --------------------------------------------------------------
refused() {	# refused DOMAIN WHY: refused for WHY, and nothing listed
	check "$1: refused: $2" walked "$1" "record refused: .*$2"
	check "$1: no network listed" \
	    bash -c "! grep -q ' spf $1 ' '$SCRATCH/allowlist'"
}
refused loop.example.com 'a loop: loop2.example.com leads back to loop.example.com'
refused many.example.com 'more than 10 DNS lookups'
refused void.example.com 'more than 2 void lookups'
refused world.example.com 'an IPv4 prefix shorter than /12'
refused huge.example.com 'more than 1000 networks'
check "nospf.example.com: no SPF record" walked nospf.example.com \
    'no SPF record: nospf.example.com publishes no SPF record'

# --- refresh after the TTL; a refused record keeps the last good --------------
NEXT="ip4:198.51.100.48/28"
zone "v=spf1 $NEXT -all" >"$ZONE"
kill -HUP $LAB_DNS_PIDS
check "ttl.example.com: the new record walked after its TTL" \
    wait_until 60 allowlisted '^198\.51\.100\.48/28 spf ttl\.example\.com '
check "ttl.example.com: the old network gone" \
    bash -c "! '$CTL' -s '$SCRATCH/control.sock' show allowlist | grep -q '^198\.51\.100\.32/28 '"
zone "v=spf1 ip4:0.0.0.0/0" >"$ZONE"
kill -HUP $LAB_DNS_PIDS
check "ttl.example.com: 0.0.0.0/0 refused" \
    wait_until 60 walked ttl.example.com 'record refused: an IPv4 prefix shorter than /12'
check "ttl.example.com: its last good network kept" \
    allowlisted '^198\.51\.100\.48/28 spf ttl\.example\.com '
check "ttl.example.com: the refusal says what is kept" \
    walked ttl.example.com 'record refused: .*keeping the 1 networks of the walk of'

# --- the DNS down: the last good networks stay ----------------------------------
lab_dns_stop
check "DNS down: a walk fails" \
    wait_until 60 walked good.example.com 'walk failed: .*keeping the 4 networks'
expect "DNS down: 203.0.113.100 still admitted" connected -s 203.0.113.100 $LAB_REAL4 25
check "DNS down: good.example.com's networks still listed" \
    allowlisted '^203\.0\.113\.64/26 spf good\.example\.com '

# --- a restart with the DNS still down: the state file has them -----------------
kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"; DAEMON_PID=
check "state file: version 2 with the walks" \
    bash -c "head -1 '$STATE' | grep -qx '# mxallowd whitelist 2' &&
	grep -q '^spf good.example.com [0-9]* [0-9]* 4\$' '$STATE' &&
	grep -q '^spf-net 203.0.113.64/26 ip4 good.example.com\$' '$STATE'"
daemon_up "${spf_conf[@]}"
check "restart: the walks restored" \
    grep -q 'restored the last SPF walk of 5 allowlist-spf domains' "$DAEMON_LOG"
expect "restart, DNS down: 203.0.113.100 admitted" connected -s 203.0.113.100 $LAB_REAL4 25
expect "restart, DNS down: $LAB_SRC6A admitted" connected -s $LAB_SRC6A $LAB_REAL6 25
expect "restart, DNS down: $LAB_SRC4A still blocked" timeout -s $LAB_SRC4A $LAB_REAL4 25
check "restart: a walk fails, the networks stay" \
    wait_until 60 walked good.example.com 'walk failed: .*keeping the 4 networks'
expect "restart, after the failed walk: 203.0.113.100 admitted" connected \
    -s 203.0.113.100 $LAB_REAL4 25

# --- a domain taken out of the configuration loses its networks ----------------
daemon_up "state-file $STATE" "allowlist-spf redir.example.com"
check "reconfigured: good.example.com's walk dropped from the state file" \
    grep -q 'allowlist-spf good.example.com is not configured any more' "$DAEMON_LOG"
expect "reconfigured: 203.0.113.100 blocked" timeout -s 203.0.113.100 $LAB_REAL4 25
alive "spf"
time_spent spf
