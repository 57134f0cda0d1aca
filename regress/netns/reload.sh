#!/usr/bin/env bash
# SIGHUP and the allowlist, end to end: a reload keeps the whitelist and
# applies new addresses; a broken configuration or allowlist is refused
# with FILE:LINE and the running one stays; an allowlisted network reaches
# the real MX without touching the fake; startup-only settings are kept
# with a warning.
source "$(dirname "$0")/../lib.sh"
source "$REGRESS_DIR/netns/lab.sh"
scratch				# before lab_up: lab_up chains onto its trap
need_user

QUEUE=23
NEW_REAL=192.0.2.30
lab_up
lab_listen
lab_firewall $QUEUE
# A third server address, queued like the others but not yet configured.
ip -n "$LAB_SERVER" addr add $NEW_REAL/24 dev "$LAB_IF"
[ "$BACKEND" = nfqueue ] &&
    lab_iptables -A INPUT -p tcp --syn --dport 25 -d $NEW_REAL -j NFQUEUE --queue-num $QUEUE
source "$REGRESS_DIR/netns/e2e.sh"

# reload: SIGHUP, then wait for the daemon's verdict on it.
reload() {
	signal_and_wait HUP 'configuration reloaded|configuration not reloaded'
}

# The allowlist, as "smtpctl spf walk" prints it, with a comment.
cat >"$SCRATCH/allow" <<ALLOW
# senders that never retry
198.51.100.0/24
2001:db8:2::/48
ALLOW

daemon_up "whitelist-prefix6 128" "allowlist $SCRATCH/allow"
expect "allowlist: a listed network reaches the real MX directly" connected -s $LAB_SRC4C $LAB_REAL4 25
expect "allowlist: IPv6 too" connected -s $LAB_SRC6C $LAB_REAL6 25
expect "allowlist: others are still blocked" timeout -s $LAB_SRC4B $LAB_REAL4 25
expect "whitelist $LAB_SRC4A at the fake MX" refused 1000 -s $LAB_SRC4A $LAB_FAKE4 25
expect "$NEW_REAL is not ours yet: anyone connects" connected -s $LAB_SRC4B $NEW_REAL 25

# A new real address, the allowlist emptied: applied, whitelist kept.
: >"$SCRATCH/allow"
conf "whitelist-prefix6 128" "allowlist $SCRATCH/allow" "real-mailserver $NEW_REAL" >/dev/null
check "SIGHUP: reloaded" reload
check "SIGHUP: the log says so" grep -q 'configuration reloaded' "$DAEMON_LOG"
check "SIGHUP: the daemon is still running" test -d /proc/$DAEMON_PID
expect "after reload: the whitelist survived" connected -s $LAB_SRC4A $LAB_REAL4 25
expect "after reload: the new real address admits the whitelisted" connected -s $LAB_SRC4A $NEW_REAL 25
expect "after reload: the new real address blocks the others" timeout -s $LAB_SRC4B $NEW_REAL 25
expect "after reload: the emptied allowlist no longer admits" timeout -s $LAB_SRC4C $LAB_REAL4 25

# A broken configuration: refused line by line, the running one stays.
conf "whitelist-prefix6 128" "real-mailserver $NEW_REAL" "whitelist-time soon" >/dev/null
check "broken config: reload answered" reload
check "broken config: FILE:LINE in the log" \
    grep -qE "$SCRATCH/mxallowd.conf:[0-9]+: whitelist-time: \"soon\"" "$DAEMON_LOG"
check "broken config: refused" grep -q 'configuration not reloaded' "$DAEMON_LOG"
expect "broken config: still serving, whitelist kept" connected -s $LAB_SRC4A $NEW_REAL 25
expect "broken config: still blocking" timeout -s $LAB_SRC4B $LAB_REAL4 25

# A broken allowlist: refused the same way.
printf '198.51.100.0/24\n203.0.113.0/33\n' >"$SCRATCH/allow"
conf "whitelist-prefix6 128" "allowlist $SCRATCH/allow" "real-mailserver $NEW_REAL" >/dev/null
before=$(grep -c 'configuration not reloaded' "$DAEMON_LOG")
check "broken allowlist: reload answered" reload
check "broken allowlist: FILE:LINE in the log" \
    grep -q "$SCRATCH/allow:2: \"203.0.113.0/33\": bad prefix length" "$DAEMON_LOG"
check "broken allowlist: refused" \
    test "$(grep -c 'configuration not reloaded' "$DAEMON_LOG")" -gt "$before"
expect "broken allowlist: the old (empty) allowlist stays" timeout -s $LAB_SRC4C $LAB_REAL4 25

# A startup-only setting: kept, with a warning; the rest applies.
printf '198.51.100.0/24\n' >"$SCRATCH/allow"
conf "whitelist-prefix6 128" "allowlist $SCRATCH/allow" "real-mailserver $NEW_REAL" "max-entries 5000" >/dev/null
check "startup-only setting: reloaded" reload
check "startup-only setting: warned" grep -q 'max-entries changed: restart mxallowd to apply it' "$DAEMON_LOG"
expect "startup-only setting: the rest applied (allowlist back)" connected -s $LAB_SRC4C $LAB_REAL4 25

# -n checks the allowlist too.
out=$("$MXALLOWD" -n -c "$SCRATCH/mxallowd.conf" 2>&1); rc=$?
check "-n with a good allowlist: OK" test "$rc/$out" = "0/configuration OK"
printf 'not-a-network\n' >"$SCRATCH/allow"
out=$("$MXALLOWD" -n -c "$SCRATCH/mxallowd.conf" 2>&1); rc=$?
check "-n with a bad allowlist: FILE:LINE, exit 1 ($out)" \
    test "$rc/$out" = "1/$SCRATCH/allow:1: \"not-a-network\": not an IPv4 or IPv6 address"

request_stats
check "statistics count the allowlisted ($(stats_of allowlisted))" test "$(stats_of allowlisted)" = 3
