#!/usr/bin/env bash
# The shared whitelist through Redis, end to end, with real TCP.  A site of
# network namespaces (lab_site_up): host A holds the fake MX, hosts B and C
# a real MX each, R a Redis server (redis-server, started here with its own
# configuration: an ACL user for A and B, the default user's requirepass
# for C, which also reaches it over IPv6), CLIENT the senders.  Every host
# runs its own mxallowd (nfqueue backend) on the same site configuration.
#
#   - a sender that touched A's fake address is admitted at B and at C,
#     IPv4 and IPv6; one that did not is dropped at both;
#   - an entry a host received is not sent back (no loop);
#   - mxallowctl delete on B removes it on C; flush on A empties everyone
#     and the store;
#   - Redis killed: every host goes on deciding alone, starts without
#     waiting for it, and what was made meanwhile reaches the others once
#     Redis is back;
#   - a restarted host loads the shared entries;
#   - hostile input, published on the channel and written into the store
#     with redis-cli: bad prefix lengths, an expiry in the year 9999,
#     garbage, a key of another type, a value of 1 MiB, a key of 2 MiB,
#     10^6 entries (a pipeline): counted, bounded by max-entries, never
#     fatal, and a confirmed entry is never pushed out;
#   - a password file others may read, or an empty one, is refused.
source "$(dirname "$0")/../lib.sh"
source "$REGRESS_DIR/netns/lab.sh"
source "$REGRESS_DIR/netns/e2e.sh"
source "$REGRESS_DIR/netns/site.sh"
scratch
need_user
need_redis

S1=$LAB_SRC4A S2=$LAB_SRC4B S3=$LAB_SRC4C S6=$LAB_SRC6A
site_up && site_queue || { fail "the site and Redis start"; exit 1; }
time_limit redis.sh 420
lab_site_listen B 400 && lab_site_listen C 400 || { fail "listeners"; exit 1; }

# --- three hosts, one whitelist -------------------------------------------
host_up A && host_up B && host_up C || exit 1
check "A, B and C connected to Redis" within 20 all_up A B C
for h in A B C; do
	check "$h runs a sync process" test -n "$(child_with_title "${HPID[$h]}" sync)"
done

expect "before any fake hit: $S1 dropped at B" timeout -s $S1 $REALB4 25
expect "fake hit from $S1 at A (reset)" refused 2000 -s $S1 $FAKE4 25
t0=$(date +%s%N)
check "B has $S1 within 10 s" within 10 listed B $S1/32
check "C has $S1 within 10 s" within 10 listed C $S1/32
pass "propagation A -> B and C: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
expect "$S1 admitted at B" connected -s $S1 $REALB4 25
expect "$S1 admitted at C" connected -s $S1 $REALC4 25
expect "fake hit from $S6 at A (IPv6)" refused 2000 -s $S6 $FAKE6 25
check "C has 2001:db8:1::/64 within 10 s" within 10 listed C 2001:db8:1::/64
expect "$S6 admitted at B (IPv6)" connected -s $S6 $REALB6 25
expect "$S6 admitted at C (IPv6)" connected -s $S6 $REALC6 25
expect "$S3 never touched A: dropped at B" timeout -s $S3 $REALB4 25
expect "$S3 dropped at C" timeout -s $S3 $REALC4 25
check "C shows $S1 confirmed (admitted at B or C)" within 10 confirmed C $S1/32
check "the store holds $S1 as A made it, confirmed" \
    test "$(lab_redis_cli get mxallowd:wl:$S1/32 | cut -d' ' -f1,3-)" = "1 fake-hit 1 A"
sleep 1.5	# one status tick
check "C sent nothing but its confirmation (no echo): redis-sent $(stat_of C redis-sent)" \
    test "$(stat_of C redis-sent)" -le 2
check "B took entries from its peers: redis-received $(stat_of B redis-received)" \
    test "$(stat_of B redis-received)" -ge 2
check "no bad input so far" test "$(stat_of B redis-bad)$(stat_of C redis-bad)" = 00
check "B's round trip through Redis is measured ($(stat_of B redis-rtt-ms) ms)" \
    test "$(stat_of B redis-rtt-ms)" -ge 0

# --- delete on B --------------------------------------------------------------
check "mxallowctl delete $S1 on B" ctl_quiet B delete $S1
check "C no longer has $S1 within 10 s" within 10 unlisted C $S1/32
check "A no longer has it either" within 10 unlisted A $S1/32
check "nor the store" test -z "$(lab_redis_cli exists mxallowd:wl:$S1/32 | grep -v '^0$')"
expect "deleted: $S1 dropped at C" timeout -s $S1 $REALC4 25

# --- Redis away ---------------------------------------------------------------
lab_redis_stop
check "A, B and C see Redis gone" within 30 all_down A B C
expect "Redis down: $S6 still admitted at B (its own entry)" connected -s $S6 $REALB6 25
expect "Redis down: fake hit from $S2 at A" refused 2000 -s $S2 $FAKE4 25
check "A has $S2" listed A $S2/32
expect "Redis down: B knows nothing of $S2, drops it" timeout -s $S2 $REALB4 25
host_stop B
t0=$SECONDS
host_up B
check "B restarts without waiting for Redis ($((SECONDS - t0)) s)" test $((SECONDS - t0)) -lt 10
expect "restarted without Redis: B still drops $S2" timeout -s $S2 $REALB4 25
lab_redis_start R "$REDIS4 $REDIS6" "$ACL" || { fail "redis-server starts again"; exit 1; }
check "all three reconnect within 60 s" within 60 all_up A B C
check "B gets $S2, made while Redis was away" within 15 listed B $S2/32
expect "after Redis is back: $S2 admitted at B" connected -s $S2 $REALB4 25
check "A counted a reconnect ($(stat_of A redis-reconnects))" test "$(stat_of A redis-reconnects)" -ge 1
check "B's log says why it lost Redis" grep -qE 'sync: redis 192.0.2.40:6379: .*connecting again in' "$SCRATCH/B.log"

# --- a host restarted loads what is shared ------------------------------------
host_stop C
host_up C
check "C loads the shared entries" within 20 grep -qE 'loaded [1-9][0-9]* entries' "$SCRATCH/C.log"
check "C has $S2 without a fake hit of its own" within 10 listed C $S2/32
expect "restarted C admits $S2" connected -s $S2 $REALC4 25

# --- merging: the later expiry wins, confirmed stays ---------------------------
later=$(( $(date +%s) + 200000 ))
lab_redis_cli set mxallowd:wl:$S3/32 "1 $later manual 1 X" >/dev/null
expect "fake hit from $S3 at A" refused 2000 -s $S3 $FAKE4 25
sleep 1		# A's write has been through Redis
check "the store keeps the later expiry and confirmed 1" \
    stored mxallowd:wl:$S3/32 "1 $later manual 1 X"
check "A took what Redis knew better: $S3 confirmed" within 10 confirmed A $S3/32

# --- flush on A -----------------------------------------------------------------
check "mxallowctl flush on A" ctl_quiet A flush
check "B is empty within 10 s" within 10 count_cmp B -eq 0
check "C is empty within 10 s" within 10 count_cmp C -eq 0
check "the store is empty" within 10 store_empty
expect "flushed: $S2 dropped at B" timeout -s $S2 $REALB4 25

# --- hostile input on the channel -----------------------------------------------
far=253402300799	# 9999-12-31
exp=$(( $(date +%s) + 600 ))
bad0=$(stat_of B redis-bad)
for m in "garbage" \
    "mxallowd 1 evil 1"$'\n'"+ 203.0.113.0/24 $exp fake-hit 0 evil" \
    "mxallowd 1 evil 1"$'\n'"+ $S2/32 $far fake-hit 1 evil" \
    "mxallowd 1 evil 1"$'\n'"+ 203.0.113.006/32 $exp fake-hit 0 evil" \
    "mxallowd 1 evil 1"$'\n'"+ $S2/32 $exp bogus 0 evil" \
    "mxallowd 1 evil 1"$'\n'"+ 2001:db8:1::5/64 $exp fake-hit 0 evil"; do
	lab_redis_cli publish mxallowd:events:0 "$m" >/dev/null
done
check "six bad messages counted at B" within 5 stat_cmp B redis-bad -eq $((bad0 + 6))
expect "the year-9999 entry was refused: $S2 dropped at B" timeout -s $S2 $REALB4 25
check "B logs what it refused" grep -q 'sync: redis: refused "+ 203.0.113.0/24 .*": prefix length differs' "$SCRATCH/B.log"

# --- hostile keys in the store -----------------------------------------------------
lab_redis_cli set mxallowd:wl:203.0.113.0/24 "1 $exp fake-hit 0 evil" >/dev/null
lab_redis_cli set mxallowd:wl:$S2/32 "1 $far fake-hit 1 evil" >/dev/null
lab_redis_cli set mxallowd:wl:198.51.100.8/32 "garbage" >/dev/null
lab_redis_cli hset mxallowd:wl:198.51.100.9/32 a b >/dev/null
lab_redis_cli set mxallowd:wl:198.51.100.010/32 "1 $exp fake-hit 0 evil" >/dev/null
head -c 1048576 /dev/zero | tr '\0' x | lab_redis_cli -x set mxallowd:wl:198.51.100.10/32 >/dev/null
check "six hostile keys in the store" test "$(lab_redis_cli --scan --pattern 'mxallowd:wl:*' | wc -l)" -eq 6
host_stop C
host_up C
check "C loads past them" within 20 grep -q 'loaded 0 entries, 6 keys looked at' "$SCRATCH/C.log"
check "C counted six bad keys" within 5 stat_cmp C redis-bad -eq 6
check "C is empty" test "$(count_of C)" -eq 0
big=$LAB_DIR/bigkey
{ printf 'mxallowd:wl:'; head -c 2097152 /dev/zero | tr '\0' 7; } >"$big"
lab_redis_cli -x eval "return redis.call('SET', ARGV[1], 'x')" 0 <"$big" >/dev/null
host_stop C
host_up C
check "a 2 MiB key: C's load is cut, logged" within 30 grep -q 'a reply of more than 1048576 bytes' "$SCRATCH/C.log"
check "C skips the load once and is up" within 60 all_up C
check "C says it skipped the load" grep -q 'not loading the stored entries this time' "$SCRATCH/C.log"
lab_redis_cli -x eval "return redis.call('DEL', ARGV[1])" 0 <"$big" >/dev/null
lab_redis_cli --scan --pattern 'mxallowd:wl:*' | while read -r k; do lab_redis_cli del "$k" >/dev/null; done

# --- a million entries --------------------------------------------------------------
# C gets a confirmed entry of its own first, kept across its restart.
host_stop C
host_up C "state-file $SCRATCH/C.state" "max-entries 1000"
expect "fake hit from $S2 at A" refused 2000 -s $S2 $FAKE4 25
check "C has $S2" within 10 listed C $S2/32
expect "$S2 admitted at C: confirmed there" connected -s $S2 $REALC4 25
# nftables: the kernel admits, the daemon hears of it through NFLOG.
check "C knows $S2 confirmed" within 20 confirmed C $S2/32
host_stop C
check "C saved its confirmed entry" grep -q "^$S2/32 .* 1\$" "$SCRATCH/C.state"
# 10^6 distinct /64s of 2001:db8::/32, each its canonical key, one hour.
t0=$SECONDS
awk -v e=$(( $(date +%s) + 3600 )) 'BEGIN {
	for (i = 0; i < 1000000; i++) {
		x = sprintf("%x", 16 + int(i / 65536)); y = i % 65536
		net = y == 0 ? "2001:db8:" x "::" : sprintf("2001:db8:%s:%x::", x, y)
		k = "mxallowd:wl:" net "/64"; v = "1 " e " fake-hit 0 flood"
		printf "*5\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n$2\r\nEX\r\n$4\r\n3600\r\n",
		    length(k), k, length(v), v
	} }' | lab_redis_cli --pipe >"$LAB_DIR/pipe.out" 2>&1
check "10^6 entries written in $((SECONDS - t0)) s ($(tail -1 "$LAB_DIR/pipe.out"))" \
    test "$(lab_redis_cli dbsize)" -ge 1000000
t0=$SECONDS
host_up C "state-file $SCRATCH/C.state" "max-entries 1000"
check "C's load ends within 60 s, bounded" within 60 grep -qE 'loaded 1000 entries, [0-9]+ keys looked at, stopped: max-entries reached' "$SCRATCH/C.log"
pass "C loaded from 10^6 keys in $((SECONDS - t0)) s"
check "C holds at most max-entries ($(count_of C))" test "$(count_of C)" -le 1000
check "C kept its confirmed $S2" listed C $S2/32
expect "C still admits $S2" connected -s $S2 $REALC4 25
# The same flood through the channel: 19968 entries, 64 per message.
bad0=$(stat_of C redis-bad) rcv0=$(stat_of C redis-received)
awk -v e=$(( $(date +%s) + 3600 )) -v ch=mxallowd:events:0 'BEGIN {
	for (m = 0; m < 20000 / 64; m++) {
		msg = "mxallowd 1 flood 1"
		for (j = 1; j <= 64; j++)
			msg = msg "\n+ " sprintf("2001:db8:20:%x::/64", m * 64 + j) " " e " fake-hit 1 flood"
		printf "*3\r\n$7\r\nPUBLISH\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n",
		    length(ch), ch, length(msg), msg
	} }' | lab_redis_cli --pipe >"$LAB_DIR/pipe2.out" 2>&1
check "C took the published flood ($(tail -1 "$LAB_DIR/pipe2.out"))" \
    within 30 stat_cmp C redis-received -ge $((rcv0 + 19968))
check "C still holds at most max-entries ($(count_of C))" test "$(count_of C)" -le 1000
check "C kept its confirmed $S2 through both floods" listed C $S2/32
expect "C still admits $S2" connected -s $S2 $REALC4 25
check "nothing bad in the flood ($(stat_of C redis-bad))" test "$(stat_of C redis-bad)" -eq "$bad0"
check "B is still up and counting" test "$(stat_of B redis-state)" = up

# --- the password file ----------------------------------------------------
chmod 640 "$SCRATCH/pw-user"
host_conf A
out=$(unshare -n "$MXALLOWD" -d -c "$SCRATCH/A.conf" 2>&1); rc=$?
check "a password file its group may read is refused (exit $rc)" test $rc -eq 1
check "the refusal says how to fix it: $out" grep -q "chmod 600 $SCRATCH/pw-user" <<<"$out"
chmod 600 "$SCRATCH/pw-user"
: >"$SCRATCH/pw-empty"
chmod 600 "$SCRATCH/pw-empty"
sed -i "s|^redis-password-file .*|redis-password-file $SCRATCH/pw-empty|" "$SCRATCH/A.conf"
out=$(unshare -n "$MXALLOWD" -d -c "$SCRATCH/A.conf" 2>&1); rc=$?
check "an empty password file is refused: $out" \
    grep -q "pw-empty: the first line is empty" <<<"$out"

for h in A B C; do
	check "$h never exited on an error" test -z "$(grep -E 'exiting on error|fatal' "$SCRATCH/$h.log")"
	check "$h's password never in its log" test -z "$(grep -F -e "$PW" -e "$LAB_REDIS_ADMIN" "$SCRATCH/$h.log")"
done
time_spent redis.sh
