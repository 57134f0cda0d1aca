#!/usr/bin/env bash
# The state file end to end: a whitelist survives kill -9 of the parent
# (once the timed write happened) and a clean stop (written at once), so a
# source whitelisted before is admitted after a restart without touching the
# fake MX; expired entries are dropped; a truncated or foreign file is moved
# aside, named in the log, and the daemon runs with an empty whitelist; the
# directory is created root-only and refused when others could write to it.
source "$(dirname "$0")/../lib.sh"
source "$REGRESS_DIR/netns/lab.sh"
scratch				# before lab_up: lab_up chains onto its trap
need_user

QUEUE=23
STATE=$SCRATCH/db/whitelist	# its directory does not exist yet
lab_up
lab_listen
lab_firewall $QUEUE
DAEMON_NETNS=$LAB_SERVER

source "$REGRESS_DIR/netns/e2e.sh"

# stop: SIGTERM, and wait for the exit.
stop() {
	kill -TERM "$DAEMON_PID"
	wait "$DAEMON_PID"
	DAEMON_PID=
}

# heard SRC: nftables answers a fake hit in the kernel and the daemon hears
# of it after; wait for that before a stop.  nfqueue: it has already.
heard() {
	[ "$BACKEND" = nftables ] || return 0
	wait_log "whitelisted $1:" || fail "the daemon heard of $1's fake hit"
}

# corrupt_files: how many files were moved aside so far.
corrupt_files() {
	find "$(dirname "$STATE")" -name "$(basename "$STATE").corrupt-*" | wc -l
}

# --- first start: no file, the directory is created root-only ------------
daemon_up "state-file $STATE"
check "first start: a missing file is normal" \
    grep -q "state file $STATE does not exist yet" "$DAEMON_LOG"
check "the directory is created, root-owned, mode 700 (got $(stat -c '%U %a' "$(dirname "$STATE")"))" \
    test "$(stat -c '%U %a' "$(dirname "$STATE")")" = "root 700"
expect "fresh: $LAB_SRC4A cannot reach the real MX" timeout -s $LAB_SRC4A $LAB_REAL4 25
expect "fake hit from $LAB_SRC4A" refused 1000 -s $LAB_SRC4A $LAB_FAKE4 25
expect "fake hit from $LAB_SRC6A" refused 1000 -s $LAB_SRC6A $LAB_FAKE6 25

# --- kill -9 after the timed write ----------------------------------------
t0=$(date +%s%N)
check "the change is written within 5 s" wait_log "state file $STATE: saved 2 entries" 8
t1=$(( ($(date +%s%N) - t0) / 1000000 ))
pass "timed write came $t1 ms after the last change (STATE_INTERVAL 5 s)"
check "the file holds $LAB_SRC4A, unconfirmed" \
    grep -qE "^$LAB_SRC4A/32 [0-9]+ fake-hit 0\$" "$STATE"
check "the file holds $LAB_SRC6A's /64" \
    grep -qE "^2001:db8:1::/64 [0-9]+ fake-hit 0\$" "$STATE"
check "the file is mode 600" test "$(stat -c %a "$STATE")" = 600
check "kill -9 of the parent: it is gone" kill_parent
check "no temporary file left" test -z "$(find "$(dirname "$STATE")" -name '*.tmp.*')"

daemon_up "state-file $STATE"
check "restart: 2 entries restored" \
    grep -q "state file $STATE: restored 2 entries, 0 had expired" "$DAEMON_LOG"
expect "after kill -9: $LAB_SRC4A reaches the real MX without the fake" connected -s $LAB_SRC4A $LAB_REAL4 25
expect "after kill -9: $LAB_SRC6A too" connected -s $LAB_SRC6A $LAB_REAL6 25
expect "after kill -9: $LAB_SRC4B is still blocked" timeout -s $LAB_SRC4B $LAB_REAL4 25

# --- a clean stop writes at once --------------------------------------------
expect "fake hit from $LAB_SRC4C, then stop at once" refused 1000 -s $LAB_SRC4C $LAB_FAKE4 25
heard $LAB_SRC4C
stop
check "SIGTERM: written at exit" grep -q "state file $STATE: saved 3 entries at exit" "$DAEMON_LOG"
check "SIGTERM: $LAB_SRC4C is in the file" grep -qE "^$LAB_SRC4C/32 " "$STATE"
check "SIGTERM: $LAB_SRC4A's admission is kept (confirmed 1)" \
    grep -qE "^$LAB_SRC4A/32 [0-9]+ fake-hit 1\$" "$STATE"
daemon_up "state-file $STATE"
expect "after SIGTERM: $LAB_SRC4C reaches the real MX without the fake" connected -s $LAB_SRC4C $LAB_REAL4 25

# --- expiry across a restart: whitelist-time 2 -----------------------------
stop
daemon_up "state-file $STATE" "whitelist-time 2"
expect "whitelist-time 2: fake hit from $LAB_SRC4B" refused 1000 -s $LAB_SRC4B $LAB_FAKE4 25
heard $LAB_SRC4B
stop
sleep 2.5
daemon_up "state-file $STATE"
check "restart: the expired entry is dropped" \
    grep -q "restored 3 entries, 1 had expired" "$DAEMON_LOG"
expect "expired while down: $LAB_SRC4B is blocked" timeout -s $LAB_SRC4B $LAB_REAL4 25
expect "the others stay: $LAB_SRC4A admitted" connected -s $LAB_SRC4A $LAB_REAL4 25

# --- a truncated file --------------------------------------------------------
stop
size=$(stat -c %s "$STATE")
head -c $((size - 12)) "$STATE" >"$SCRATCH/cut" && cat "$SCRATCH/cut" >"$STATE"
daemon_up "state-file $STATE"
check "truncated: the log names the file and the line" \
    grep -qE "state file $STATE is corrupt \(line [0-9]+: truncated.*moved aside to $STATE\.corrupt-[0-9]{14}" "$DAEMON_LOG"
check "truncated: moved aside, content kept" \
    cmp -s "$SCRATCH/cut" "$(find "$(dirname "$STATE")" -name "$(basename "$STATE").corrupt-*" | head -1)"
check "truncated: the daemon runs" test -d /proc/$DAEMON_PID
expect "truncated: an empty whitelist, $LAB_SRC4A is blocked" timeout -s $LAB_SRC4A $LAB_REAL4 25
expect "truncated: a fresh source is blocked" timeout -s $LAB_SRC4B $LAB_REAL4 25
expect "truncated: the fake MX still whitelists" refused 1000 -s $LAB_SRC4B $LAB_FAKE4 25
expect "truncated: and then admits" connected -s $LAB_SRC4B $LAB_REAL4 25

# --- a foreign file: moved aside too, next to the first ----------------------
stop
printf 'hello, world\n' >"$STATE"
daemon_up "state-file $STATE"
check "foreign: the log says why" \
    grep -q "state file $STATE is corrupt (not a mxallowd state file" "$DAEMON_LOG"
check "foreign: a second file aside, the first kept ($(corrupt_files))" \
    test "$(corrupt_files)" = 2
expect "foreign: an empty whitelist, $LAB_SRC4B is blocked" timeout -s $LAB_SRC4B $LAB_REAL4 25
stop

# --- refused directories ------------------------------------------------------
mkdir -m 0777 "$SCRATCH/open"
out=$(timeout 10 ip netns exec "$LAB_SERVER" "$MXALLOWD" -d -c "$(conf "state-file $SCRATCH/open/whitelist")" 2>&1)
rc=$?
check "a world-writable directory is refused (status $rc)" test $rc -ne 0
check "... with a reason" grep -q "must be owned by root and writable by root only" <<<"$out"
out=$(timeout 10 ip netns exec "$LAB_SERVER" "$MXALLOWD" -d -c "$(conf "state-file $SCRATCH/empty/whitelist")" 2>&1)
rc=$?
check "the chroot directory is refused (status $rc)" test $rc -ne 0
check "... with a reason" grep -q "must not be in the chroot" <<<"$out"
