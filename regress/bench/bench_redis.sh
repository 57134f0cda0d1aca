#!/usr/bin/env bash
# The shared whitelist's benchmark: called by bench.sh ("make bench"), or
# run alone as root.  In the site of regress/netns/site.sh (host A with the
# fake MX, B and C with real ones, each its own mxallowd, a Redis server
# on R):
#
#   propagation  for BENCH_REDIS_SOURCES (400) new senders of CLIENT, one
#                after the other, BENCH_REDIS_ROUNDS (3) times (the
#                whitelists flushed between rounds): the time from the
#                reset of A's fake MX to the first SYN B admits, as the
#                sender sees it (regress/bench/propagate: a SYN to B every
#                250 us from the reset on); p50, p90, p99, max.  The target
#                is a p99 of at most 100 ms.
#   throughput   BENCH_REDIS_RATE (10000) fake hits a second for
#                BENCH_REDIS_SECONDS (10) s from spoofed IPv6 sources, each
#                a new /64 (synflood), at A with fake-action drop: what A
#                whitelists and writes to Redis, and what B takes, a second.
#
# Writes RESULTS/redis.md and redis-raw.txt, and the block of BENCHMARKS.md
# between "<!-- redis begin -->" and "<!-- redis end -->".  Every wait is
# bounded by the clock; the lab's watchdog removes the namespaces whatever
# happens.
source "$(dirname "$0")/../lib.sh"
source "$REGRESS_DIR/netns/lab.sh"
source "$REGRESS_DIR/netns/e2e.sh"
source "$REGRESS_DIR/netns/site.sh"
source "$REGRESS_DIR/bench/benchlib.sh"

SOURCES=${BENCH_REDIS_SOURCES:-400}
ROUNDS=${BENCH_REDIS_ROUNDS:-3}
RATE=${BENCH_REDIS_RATE:-10000}
SECS=${BENCH_REDIS_SECONDS:-10}
PROPAGATE=$BENCH/propagate
SYNFLOOD=$TOP/regress/tools/synflood
FLOOD_SRC=2001:db8:8000::/33	# each source a new /64 of its own
RAW=$RESULTS/redis-raw.txt

say() { echo "bench redis: $*" >&2; }
die() { say "$*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root"
for f in "$MXALLOWD" "$CTL" "$PROPAGATE" "$SYNFLOOD" "$LAB_MXPROBE"; do
	[ -x "$f" ] || die "$f missing: make bench builds it"
done
scratch
need_user
need_redis
mkdir -p "$RESULTS"
: >"$RAW"

# sources: SOURCES addresses of CLIENT, each a sender of its own (/32),
# from 198.51.100.0/24 and 203.0.113.0/24 (less the lab's own).
sources() {
	local n=0 net x
	for net in 198.51.100 203.0.113; do
		for ((x = 10; x < 250 && n < SOURCES; x++)); do
			echo "$net.$x"
			n=$((n + 1))
		done
	done
}

# settled FIELD HOST: FIELD of HOST once it stopped growing (3 s unchanged,
# 120 s at most).
settled() {
	local v last=-1 since=$SECONDS end=$((SECONDS + 120))
	while ((SECONDS < end)); do
		v=$(stat_of "$2" "$1")
		if [ "$v" != "$last" ]; then
			last=$v since=$SECONDS
		elif ((SECONDS - since >= 3)); then
			break
		fi
		sleep 0.5
	done
	echo "$last"
}

# pct P FILE: the P-th percentile of the numbers in FILE.
pct() {
	sort -n "$2" | awk -v p="$1" '{ v[NR] = $1 }
	    END { i = int(p * (NR - 1) + 0.5) + 1; print v[i] }'
}

site_up && site_queue || die "the site and Redis"
lab_site_listen B 600 || die "listener on B"
for h in A B C; do
	host_up $h "whitelist-time 3600" "max-entries 1000000" || die "$h starts"
done
within 30 all_up A B C || die "not connected to Redis"
# shellcheck disable=SC2046
ip -n "$LAB_CLIENT" -batch - < <(for a in $(sources); do
	echo "address add $a/24 dev $LAB_IF"; done) || die "sender addresses"

# --- propagation ------------------------------------------------------------
say "propagation: $ROUNDS rounds of $SOURCES senders"
: >"$SCRATCH/us"
for ((r = 1; r <= ROUNDS; r++)); do
	ctl_quiet A flush
	within 20 count_cmp B -eq 0 || die "B not flushed"
	# shellcheck disable=SC2046
	out=$(lab_in_client "$PROPAGATE" -f "$FAKE4" -r "$REALB4" $(sources)) ||
	    die "propagate: $out"
	grep '^us ' <<<"$out" | cut -d' ' -f2 >>"$SCRATCH/us"
	summary=$(tail -1 <<<"$out")
	echo "propagation round $r: $summary" >>"$RAW"
	say "round $r: $summary"
done
lost=$(grep -o "lost=[0-9]*" "$RAW" | cut -d= -f2 | awk "{ s += \$1 } END { print s + 0 }")
n=$(wc -l <"$SCRATCH/us")
p50=$(pct 0.5 "$SCRATCH/us") p90=$(pct 0.9 "$SCRATCH/us")
p99=$(pct 0.99 "$SCRATCH/us") max=$(pct 1 "$SCRATCH/us")
echo "propagation: n=$n lost=$lost p50_us=$p50 p90_us=$p90 p99_us=$p99 max_us=$max" >>"$RAW"

# --- throughput ---------------------------------------------------------------
say "throughput: $RATE fake hits/s for $SECS s"
host_stop A
host_up A "whitelist-time 3600" "max-entries 1000000" "fake-action drop" ||
    die "A restarts"
within 30 all_up A B C || die "A not connected again"
ctl_quiet A flush
within 20 count_cmp B -eq 0 || die "B not flushed"
sleep 1.5		# a status tick: the counters below are current
a0=$(stat_of A whitelisted) s0=$(stat_of A redis-sent)
b0=$(stat_of B redis-received) c0=$(stat_of C redis-received)
t0=$(date +%s%N)
flood=$(lab_in_client "$SYNFLOOD" -d "$FAKE6" -p 25 -S "$FLOOD_SRC" \
    -r "$RATE" -t "$SECS") || die "synflood: $flood"
t1=$(date +%s%N)
b_end=$(( $(stat_of B redis-received) - b0 ))	# one status tick late at most
echo "throughput flood: $flood" >>"$RAW"
a1=$(settled whitelisted A) s1=$(settled redis-sent A)
b1=$(settled redis-received B) c1=$(settled redis-received C)
hits=$(( $(stat_of A fake-hits) ))
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
rate() { awk -v n="$1" -v s="$secs" 'BEGIN { printf "%.0f", n / s }'; }
echo "throughput: seconds=$secs hits=$hits whitelisted=$((a1 - a0))" \
    "sent=$((s1 - s0)) received_b=$((b1 - b0)) received_c=$((c1 - c0))" \
    "dropped_a=$(stat_of A redis-dropped) bad_b=$(stat_of B redis-bad)" >>"$RAW"
for h in A B C; do
	echo "$h: $(ctl $h show stats | tr ' ' '\n' | grep -E '^(entries|redis-.*)=' | paste -sd' ')" >>"$RAW"
done

# --- results ------------------------------------------------------------------
ms() { awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'; }
verdict=$(awk -v p="$p99" 'BEGIN { print (p <= 100000) ? "met" : "missed" }')
cat >"$RESULTS/redis.md" <<EOF
## The shared whitelist (Redis)

$(date -u '+%Y-%m-%d'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end,
$(redis-server --version | cut -d' ' -f1-3), hiredis $(pkg-config --modversion hiredis).

Propagation, from the reset of A's fake MX to the first SYN B admits, as
the sender sees it: $n senders, $lost lost.

| p50 | p90 | p99 | max | target (p99) |
|---:|---:|---:|---:|---|
| $(ms "$p50") ms | $(ms "$p90") ms | $(ms "$p99") ms | $(ms "$max") ms | 100 ms: $verdict |

Throughput, $RATE fake hits a second offered for $SECS s, each from a new
/64, at A (fake-action drop):

| | entries | per second of the flood ($secs s) |
|---|---:|---:|
| fake hits seen by A | $hits | $(rate "$hits") |
| whitelisted by A | $((a1 - a0)) | $(rate $((a1 - a0))) |
| written to Redis by A | $((s1 - s0)) | $(rate $((s1 - s0))) |
| taken by B | $((b1 - b0)) | $(rate $((b1 - b0))) |
| taken by C | $((c1 - c0)) | $(rate $((c1 - c0))) |

B had taken $b_end of them when the flood ended (its statistics are at
most a second old).

Changes dropped by A for want of Redis: $(stat_of A redis-dropped);
refused by B: $(stat_of B redis-bad).  Raw figures: redis-raw.txt.
EOF
md_block "$TOP/BENCHMARKS.md" redis "$RESULTS/redis.md"
hosts_down
lab_down
say "done: $RESULTS/redis.md"
cat "$RESULTS/redis.md"
