#!/usr/bin/env bash
# The benchmarks ("make bench", root; not part of "make check").  Inside the
# netns lab (regress/netns/lab.sh), regress/tools/synflood floods SERVER's
# real MX from CLIENT, and three setups decide the same SYNs side by side:
#
#   a  kernel only: an nft dynamic set, filled by fake-MX hits, admits
#   b  nfqbase: the least an nfqueue verdict loop can do (regress/bench)
#   c  mxallowd itself, nfqueue backend
#   d  mxallowd itself, nftables backend (the kernel decides from its sets)
#
# For each: a drop-heavy flood (sources never whitelisted) and an
# accept-heavy one (256 sources whitelisted by fake-MX hits first), at full
# speed for BENCH_SECONDS (5), BENCH_REPEAT (3) times in turn, the median
# kept: offered and decided SYN/s, the queue's drops and the CPU the
# deciding processes used.  Then the latency synflood -l measures through
# each setup at BENCH_LAT_RATE (10000) SYN/s to a listener; the whitelist at
# scale (wlscale); the daemon's start-up with a BENCH_STATE_ENTRIES
# (1000000) entry state file, with either backend (d: into the kernel's
# set); a perf profile of the daemon under the drop-heavy flood, when perf
# works.  For c and d also: how long a new source waits, after its SYN
# to the fake MX, to be admitted at the real MX (synflood -f); for d what
# NFLOG lost during each flood.  Last, the shared whitelist through Redis
# (bench_redis.sh, a lab of its own).
#
# Writes regress/bench/results/ (results.md, chart.png, raw.txt, the data
# and profile files) and the figures block of BENCHMARKS.md.  Every flood is
# bounded by synflood -t, every wait by a count; the lab's watchdog removes
# the namespaces whatever happens.
source "$(dirname "$0")/../lib.sh"
source "$REGRESS_DIR/netns/lab.sh"
source "$REGRESS_DIR/bench/benchlib.sh"

RUN_SECONDS=${BENCH_SECONDS:-5}
REPEAT=${BENCH_REPEAT:-3}
LAT_RATE=${BENCH_LAT_RATE:-10000}
STATE_ENTRIES=${BENCH_STATE_ENTRIES:-1000000}
SYNFLOOD=$TOP/regress/tools/synflood
NFQBASE=$BENCH/nfqbase
WLSCALE=$BENCH/wlscale
MXALLOWCTL=$TOP/mxallowctl
QUEUE=23
DROP_SRC=203.0.113.0/24		# never whitelisted
ACCEPT_SRC=198.51.100.0/24	# whitelisted by fake-MX hits first
ACCEPT_N=256
HZ=$(getconf CLK_TCK)
NCPU=$(nproc)
SETUPS="a b c d"
FAKE_N=${BENCH_FAKE_N:-200}	# sources timed from fake hit to admission
declare -A NAME=([none]="no filter" [a]="a: kernel (nft set)"
    [b]="b: nfqbase loop" [c]="c: mxallowd (nfqueue)"
    [c1]="c1: mxallowd (nfqueue), its processes on one CPU"
    [d]="d: mxallowd (nftables)")

# Full-speed floods: the sender on the last CPU, the deciders on the
# others, so that runs compare; nothing to pin on one CPU.  The latency
# runs (a paced sender) pin nothing: a decider waiting for one busy CPU
# would measure the other load.
PIN_FLOOD=() DECIDE_CPUS=
if [ "$NCPU" -ge 2 ]; then
	PIN_FLOOD=(taskset -c $((NCPU - 1)))
	DECIDE_CPUS=0
	[ "$NCPU" -gt 2 ] && DECIDE_CPUS=0-$((NCPU - 2))
fi

say() { echo "bench: $*" >&2; }
die() { say "$*"; exit 1; }

bench_deps() {
	[ "$(id -u)" -eq 0 ] || die "needs root"
	if ! command -v gnuplot >/dev/null; then
		say "installing gnuplot-nox"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		    --no-install-recommends gnuplot-nox >/dev/null ||
		    { apt-get update -qq &&
		    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		    --no-install-recommends gnuplot-nox >/dev/null; } ||
		    die "cannot install gnuplot-nox"
	fi
	local f
	for f in "$MXALLOWD" "$MXALLOWCTL" "$SYNFLOOD" "$NFQBASE" "$WLSCALE" \
	    "$LAB_MXPROBE"; do
		[ -x "$f" ] || die "$f missing: make bench builds it"
	done
	command -v nft >/dev/null || die "nft missing: sh regress/deps.sh"
}

# --- measuring ---------------------------------------------------------------

# ticks PID...: user + system time of the PIDs, in clock ticks.
ticks() {
	local p t=0 a
	for p; do
		read -ra a < <(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null) ||
		    continue
		t=$((t + a[11] + a[12]))
	done
	echo $t
}

# sysstat: busy, softirq and total jiffies of all CPUs (/proc/stat).
sysstat() {
	awk '$1 == "cpu" { t = 0; for (i = 2; i <= 9; i++) t += $i
		print t - $5 - $6, $8, t; exit }' /proc/stat
}

# child_ms VAR: VAR = CPU time of this shell's reaped children, in ms.
# Not called as $(child_ms): `times` must run in this shell, a subshell's
# children are its own.
child_ms() {
	times >"$SCRATCH/times"
	printf -v "$1" '%s' "$(awk 'NR == 2 { t = 0
		for (i = 1; i <= 2; i++) { split($i, a, "m"); t += a[1] * 60 + a[2] }
		printf "%d\n", t * 1000 }' "$SCRATCH/times")"
}

# qdrops: packets the kernel dropped for our queue (full, or the
# netlink socket overran), 0 when no queue.
qdrops() {
	lab_in_server cat /proc/net/netfilter/nfnetlink_queue |
	    awk -v q=$QUEUE '$1 == q { d = $6 + $7 } END { print d + 0 }'
}

# field NAME LINE: NAME=value out of a line of such pairs.
field() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p" | tail -1; }

now() { echo "$EPOCHREALTIME"; }

# --- the setups --------------------------------------------------------------

# Answers to the spoofed accept-heavy sources go through CLIENT's own
# address (one neighbour entry), where they are dropped: SERVER never ARPs
# for 256 addresses nobody holds.
spoof_routes() {
	ip -n "$LAB_SERVER" route add 198.51.100.0/25 via "$LAB_SRC4A" dev "$LAB_IF" &&
	ip -n "$LAB_SERVER" route add 198.51.100.128/25 via "$LAB_SRC4A" dev "$LAB_IF" &&
	ip -n "$LAB_SERVER" -6 route add 2001:db8:100::/40 via "$LAB_SRC6A" dev "$LAB_IF"
}

# fake_hits: every accept-heavy source hits the fake MX (4000 draws of
# 256 leave one out with odds of 1 in 20000).
fake_hits() {
	lab_in_client "$SYNFLOOD" -d "$LAB_FAKE4" -p 25 -S "$ACCEPT_SRC" \
	    -n 4000 -r 4000 -t 10 >/dev/null
	sleep 0.3
}

# pin CPUS PID...: the deciders on CPUS (a taskset list).
pin() {
	local cpus=$1 p
	shift
	[ -n "$DECIDE_CPUS" ] || return 0
	for p; do taskset -a -p -c "$cpus" "$p" >/dev/null; done
}

setup_none() { :; }
teardown_none() { :; }
pids_none() { :; }
decided_none() { echo 0; }

# a: fake hit -> set (with a timeout); real MX: in the set -> refresh and
# accept, else drop.  What mxallowd does, in the kernel.
setup_a() {
	lab_in_server nft -f - <<NFT || die "nft rules"
table inet mxbench {
	counter fake { }
	counter admit { }
	counter block { }
	set wl4 {
		type ipv4_addr; flags dynamic, timeout; timeout 1h; size 65536;
	}
	chain input {
		type filter hook input priority 0;
		tcp dport 25 tcp flags & (syn | ack) == syn jump syn
	}
	chain syn {
		ip daddr $LAB_FAKE4 update @wl4 { ip saddr } counter name fake reject with tcp reset
		ip daddr $LAB_REAL4 ip saddr @wl4 update @wl4 { ip saddr } counter name admit accept
		ip daddr $LAB_REAL4 counter name block drop
	}
}
NFT
	fake_hits
	WHITELISTED=$(lab_in_server nft list set inet mxbench wl4 |
	    grep -o '198\.51\.100\.[0-9]*' | sort -u | wc -l)
}
teardown_a() { lab_in_server nft delete table inet mxbench; }
pids_a() { :; }
decided_a() {
	lab_in_server nft list counters table inet mxbench |
	    awk '/counter (admit|block)/ { c = 1 } c && /packets/ {
		n += $2; c = 0 } END { print n + 0 }'
}

# b: nfqbase accepts the accept-heavy prefix, drops the rest.
setup_b() {
	local i
	lab_queue $QUEUE || die "lab_queue"
	NFQ_OUT=$SCRATCH/nfqbase.out
	: >"$NFQ_OUT"
	# ip netns exec execs: $! is nfqbase (a function would fork first).
	ip netns exec "$LAB_SERVER" "$NFQBASE" -q $QUEUE -a "$ACCEPT_SRC" \
	    -T 600 >"$NFQ_OUT" 2>&1 &
	NFQ_PID=$!
	lab_track $NFQ_PID
	for ((i = 0; i < 100; i++)); do
		grep -q '^ready' "$NFQ_OUT" && break
		sleep 0.05
	done
	grep -q '^ready' "$NFQ_OUT" || die "nfqbase: $(cat "$NFQ_OUT")"
	pin "$DECIDE_CPUS" $NFQ_PID
	WHITELISTED=$ACCEPT_N
}
teardown_b() {
	kill -TERM "$NFQ_PID"; wait "$NFQ_PID" 2>/dev/null
	lab_unqueue
}
pids_b() { echo "$NFQ_PID"; }
decided_b() {
	local before i
	before=$(grep -c '^verdicts=' "$NFQ_OUT")
	kill -USR1 "$NFQ_PID"
	for ((i = 0; i < 100; i++)); do
		[ "$(grep -c '^verdicts=' "$NFQ_OUT")" -gt "$before" ] && break
		sleep 0.02
	done
	field verdicts "$(grep '^verdicts=' "$NFQ_OUT" | tail -1)"
}

# c: mxallowd as shipped (no -v: no line per packet), without rDNS
# whitelisting (nothing here would answer).
setup_c() {
	lab_queue $QUEUE || die "lab_queue"
	DAEMON_NETNS=$LAB_SERVER start_daemon "$(conf no-rdns-whitelist \
	    'whitelist-time 3600')"
	wait_log 'startup complete' 10 || die "mxallowd: $(tail -5 "$DAEMON_LOG")"
	# shellcheck disable=SC2046
	pin "$DECIDE_CPUS" $(pids_c)
	fake_hits
	request_stats || die "mxallowd statistics"
	WHITELISTED=$(stats_of entries)
}
teardown_c() {
	kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"; DAEMON_PID=
	lab_unqueue
}
# shellcheck disable=SC2046	# a list of PIDs
pids_c() { echo "$DAEMON_PID" $(children_of "$DAEMON_PID"); }
decided_c() {
	request_stats >/dev/null || { echo 0; return; }
	echo $(( $(stats_of admitted) + $(stats_of blocked) ))
}

# d: mxallowd, nftables backend: its own table decides, the daemon reads
# NFLOG.  Entries seen: the accept-heavy sources in its sets, which the
# kernel fills itself (pending4) and the daemon from the log (white4).
setup_d() {
	DAEMON_NETNS=$LAB_SERVER start_daemon "$(BACKEND=nftables conf \
	    no-rdns-whitelist 'whitelist-time 3600')"
	wait_log 'startup complete' 10 || die "mxallowd: $(tail -5 "$DAEMON_LOG")"
	# shellcheck disable=SC2046
	pin "$DECIDE_CPUS" $(pids_d)
	fake_hits
	WHITELISTED=$( (lab_in_server nft list set inet mxallowd white4
	    lab_in_server nft list set inet mxallowd pending4) |
	    grep -o '198\.51\.100\.[0-9]*' | sort -u | wc -l)
}
teardown_d() {
	kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID"; DAEMON_PID=
	lab_in_server nft delete table inet mxallowd
}
pids_d() { pids_c; }
decided_d() { decided_c; }

# nflog_now: logged records-received ENOBUFS of the daemon's statistics.
nflog_now() {
	request_stats >/dev/null || { echo "0 0 0"; return; }
	echo "$(( $(stats_of nflog-records) + $(stats_of nflog-lost) ))" \
	    "$(stats_of nflog-records) $(stats_of nflog-enobufs)"
}

# --- the runs ----------------------------------------------------------------

# run_flood SETUP FLOOD REP: one full-speed flood; one line to raw.txt:
# SETUP FLOOD REP offered/s decided/s queue-drops decider-% decider-us/verdict
# sender-% softirq-% busy-%   (percentages of one CPU)
run_flood() {
	local setup=$1 flood=$2 rep=$3 src out sent secs
	local d0 d1 q0 q1 c0 c1 m0 m1 t0 t1 s0 s1 pids l0 r0 e0 l1 r1 e1
	[ "$flood" = drop ] && src=$DROP_SRC || src=$ACCEPT_SRC
	pids=$(pids_$setup)
	[ "$setup" = d ] && read -r l0 r0 e0 < <(nflog_now)
	d0=$(decided_$setup) q0=$(qdrops)
	# shellcheck disable=SC2086
	c0=$(ticks $pids) s0=$(sysstat) t0=$(now)
	child_ms m0
	out=$(lab_in_client "${PIN_FLOOD[@]}" "$SYNFLOOD" -d "$LAB_REAL4" -p 25 \
	    -S "$src" -t "$RUN_SECONDS")
	child_ms m1
	sleep 0.3			# what is still queued is decided
	# shellcheck disable=SC2086
	c1=$(ticks $pids) s1=$(sysstat) t1=$(now)
	d1=$(decided_$setup) q1=$(qdrops)
	sent=$(field sent "$out") secs=$(field seconds "$out")
	if [ "$setup" = d ]; then
		read -r l1 r1 e1 < <(nflog_now)
		echo "$setup $flood $rep $((l1 - l0)) $((r1 - r0))" \
		    "$(( (l1 - l0) - (r1 - r0) ))" "$((e1 - e0))" |
		    tee -a "$RESULTS/nflog.txt" >&2
	fi
	awk -v s="$setup" -v f="$flood" -v r="$rep" -v sent="$sent" \
	    -v secs="$secs" -v d=$((d1 - d0)) -v q=$((q1 - q0)) \
	    -v c=$((c1 - c0)) -v hz="$HZ" -v t0="$t0" -v t1="$t1" \
	    -v m=$((m1 - m0)) -v s0="$s0" -v s1="$s1" -v ncpu="$NCPU" 'BEGIN {
		split(s0, a); split(s1, b); tot = b[3] - a[3]
		wall = t1 - t0; cs = c / hz
		us = d > 0 ? cs * 1e6 / d : 0
		sirq = tot > 0 ? 100 * ncpu * (b[2] - a[2]) / tot : 0
		busy = tot > 0 ? 100 * ncpu * (b[1] - a[1]) / tot : 0
		printf "%s %s %s %.0f %.0f %d %.1f %.2f %.1f %.1f %.1f\n",
		    s, f, r, sent / secs, d / secs, q, 100 * cs / wall, us,
		    100 * m / 1000 / secs, sirq, busy }' |
	    tee -a "$RESULTS/raw.txt" >&2
}

# run_latency SETUP REP [LABEL]: SYNs at LAT_RATE from whitelisted sources
# to a listener; one line to latency.txt: LABEL REP answered lost p50 p90
# p99 max.  With a LABEL the setup's processes share the deciding CPU
# (every hop a switch on one CPU, not a wake-up of another), else they
# run where the scheduler puts them.
run_latency() {
	local setup=$1 rep=$2 label=${3:-$1} out
	if [ -n "${3:-}" ]; then
		# shellcheck disable=SC2046
		pin "$DECIDE_CPUS" $(pids_$setup)
	else
		# shellcheck disable=SC2046
		pin 0-$((NCPU - 1)) $(pids_$setup)
	fi
	lab_listen 120 || die "listener"
	out=$(lab_in_client "$SYNFLOOD" -d "$LAB_REAL4" -p 25 \
	    -S "$ACCEPT_SRC" -r "$LAT_RATE" -t "$RUN_SECONDS" -l -w 1000)
	lab_unlisten
	echo "$label $rep $(field answered "$out") $(field lost "$out")" \
	    "$(field p50_us "$out") $(field p90_us "$out")" \
	    "$(field p99_us "$out") $(field max_us "$out")" |
	    tee -a "$RESULTS/latency.txt" >&2
}

# run_fake SETUP REP: FAKE_N new IPv6 sources, one after the other, each
# a SYN to the fake MX, then SYNs to the real MX every 100 µs until one
# is answered; one line to fake.txt: SETUP REP answered lost p50 p90 p99
# max (µs from the SYN to the fake MX to the real MX's SYN-ACK).  Each
# setup and round its own /48 (2001:db8:1c1::/48 ...), never seen before.
run_fake() {
	local setup=$1 rep=$2 out
	out=$(lab_in_client "$SYNFLOOD" -f "$LAB_FAKE6" -d "$LAB_REAL6" -p 25 \
	    -S "2001:db8:1$setup$rep::/48" -n "$FAKE_N" -w 3000)
	echo "$setup $rep $(field answered "$out") $(field lost "$out")" \
	    "$(field p50_us "$out") $(field p90_us "$out")" \
	    "$(field p99_us "$out") $(field max_us "$out")" |
	    tee -a "$RESULTS/fake.txt" >&2
}

# profile: where mxallowd's time goes under the drop-heavy flood, into
# profile.txt: perf with DWARF call graphs (the daemon and libc have no
# frame pointers), when perf works here.
profile() {
	local data=$SCRATCH/perf.data pids perf_pid roles out=$RESULTS/profile.txt
	local report=(perf report -i "$data" --stdio)
	if ! command -v perf >/dev/null; then
		echo "perf not installed (Debian: linux-perf)" >"$out"
		return
	fi
	setup_c
	pids=$(pids_c)
	perf record -q -e cpu-clock --call-graph dwarf,16384 \
	    -p "${pids// /,}" -o "$data" -- sleep "$RUN_SECONDS" \
	    >/dev/null 2>&1 &
	perf_pid=$!
	sleep 0.2
	lab_in_client "${PIN_FLOOD[@]}" "$SYNFLOOD" -d "$LAB_REAL4" -p 25 \
	    -S "$DROP_SRC" -t "$RUN_SECONDS" >/dev/null
	wait $perf_pid
	roles=$(for p in $pids; do
		printf '%s=%s ' "$p" "$(tr '\0' ' ' <"/proc/$p/cmdline" |
		    sed 's/^mxallowd: //; s/ .*//')"; done)
	teardown_c
	{
		echo "# mxallowd under the drop-heavy flood, ${RUN_SECONDS} s:" \
		    "perf record -e cpu-clock --call-graph dwarf"
		echo "# processes: $roles"
		echo "## share of samples by process"
		"${report[@]}" --no-children --sort pid -g none 2>/dev/null |
		    grep -E '^ +[0-9]'
		echo "## inclusive (children) time, >= 3%"
		"${report[@]}" --children --sort sym --percent-limit 3 -g none \
		    2>/dev/null | grep -E '^ +[0-9]'
		echo "## self time, >= 1%"
		"${report[@]}" --no-children --sort pid,dso,sym --percent-limit 1 \
		    -g none 2>/dev/null | grep -E '^ +[0-9]'
	} >"$out"
}

# write_state FILE N: a state file of N confirmed /64s of 2001:db8::/32
# (the format of parent/state.c), an hour from expiry.
write_state() {
	awk -v n="$2" -v expiry=$(( $(date +%s) + 3600 )) 'BEGIN {
		print "# mxallowd whitelist 1"
		for (i = 0; i < n; i++)
			printf "2001:db8:%x:%x::/64 %d fake-hit 1\n",
			    int(i / 65536), i % 65536, expiry
		printf "# end %d\n", n }' >"$1"
}

# run_startup N REP [BACKEND]: exec to "startup complete" with an N-entry
# state file (nftables: into a new table, the kernel's set filled in the
# same transaction); one line to startup.txt: N REP ms restored VmRSS-KiB
# VmHWM-KiB BACKEND.
run_startup() {
	local n=$1 rep=$2 backend=${3:-nfqueue} dir=$SCRATCH/state log=$SCRATCH/startup.log
	local t0 t1 i rss hwm restored
	mkdir -m 0700 "$dir" 2>/dev/null || [ -d "$dir" ]
	cp "$SCRATCH/state-$n" "$dir/wl"
	: >"$log"
	t0=$(now)
	# Each line stamped as it comes (stderr is unbuffered).
	[ "$backend" = nftables ] &&
	    lab_in_server nft delete table inet mxallowd 2>/dev/null
	ip netns exec "$LAB_SERVER" "$MXALLOWD" -d -c "$(BACKEND=$backend conf \
	    no-rdns-whitelist "state-file $dir/wl" "max-entries $((n + 1024))" \
	    'whitelist-time 3600')" 2> >(while IFS= read -r l; do
		echo "$EPOCHREALTIME $l"; done >>"$log") &
	DAEMON_PID=$!
	for ((i = 0; i < 600; i++)); do
		grep -q 'startup complete' "$log" && break
		sleep 0.05
	done
	t1=$(awk '/startup complete/ { print $1; exit }' "$log")
	rss=$(status_field "$DAEMON_PID" VmRSS | awk '{ print $1 }')
	hwm=$(status_field "$DAEMON_PID" VmHWM | awk '{ print $1 }')
	restored=$(sed -n 's/.*restored \([0-9]*\) entries.*/\1/p' "$log")
	stop_daemon		# SIGKILL: no 1M-entry save at exit
	[ -n "$t1" ] || die "start-up with $n entries: $(tail -3 "$log")"
	[ "$backend" = nftables ] && lab_in_server nft delete table inet mxallowd
	awk -v n="$n" -v r="$rep" -v t0="$t0" -v t1="$t1" -v rest="$restored" \
	    -v rss="$rss" -v hwm="$hwm" -v b="$backend" 'BEGIN {
		printf "%d %d %.0f %d %d %d %s\n", n, r, (t1 - t0) * 1000, rest,
		    rss, hwm, b }' | tee -a "$RESULTS/startup.txt" >&2
}

# --- the report --------------------------------------------------------------

# median_row FILE SETUP FLOOD: the run with the median decided/s.
median_row() {
	awk -v s="$2" -v f="$3" '$1 == s && $2 == f' "$1" | sort -k5,5n |
	    awk '{ r[NR] = $0 } END { if (NR) print r[int((NR + 1) / 2)] }'
}

# median_col FILE KEYCOL KEY COL: the median of COL among lines whose
# KEYCOL is KEY.
median_col() {
	awk -v k="$2" -v key="$3" -v c="$4" '$k == key { print $c }' "$1" |
	    sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}

report() {
	local md=$RESULTS/results.md s f
	local drop_b drop_a drop_c acc_a acc_b acc_c
	local us_drop_b us_drop_c us_acc_b us_acc_c
	local p99_none p99_b p99_c p99_c1 p50_none p50_b p50_c rss_1m hwm_1m ms_1m
	local drop_d acc_d p50_a p99_a p50_d p99_d ms_d rss_d hwm_d
	for s in $SETUPS; do
		for f in drop accept; do
			median_row "$RESULTS/raw.txt" $s $f
		done
	done >"$RESULTS/throughput.dat"
	read -r drop_a drop_b drop_c acc_a acc_b acc_c drop_d acc_d < <(awk '
		{ v[$1 $2] = $5 } END { print v["adrop"], v["bdrop"], v["cdrop"],
		    v["aaccept"], v["baccept"], v["caccept"], v["ddrop"],
		    v["daccept"] }' "$RESULTS/throughput.dat")
	read -r us_drop_b us_drop_c us_acc_b us_acc_c < <(awk '
		{ v[$1 $2] = $8 } END { print v["bdrop"], v["cdrop"],
		    v["baccept"], v["caccept"] }' "$RESULTS/throughput.dat")
	for s in none $SETUPS c1; do
		grep -q "^$s " "$RESULTS/latency.txt" || continue
		echo "$s $(median_col "$RESULTS/latency.txt" 1 $s 5)" \
		    "$(median_col "$RESULTS/latency.txt" 1 $s 6)" \
		    "$(median_col "$RESULTS/latency.txt" 1 $s 7)" \
		    "$(median_col "$RESULTS/latency.txt" 1 $s 8)" \
		    "$(median_col "$RESULTS/latency.txt" 1 $s 3)" \
		    "$(median_col "$RESULTS/latency.txt" 1 $s 4)"
	done >"$RESULTS/latency.dat"
	read -r p50_none p99_none < <(awk '$1 == "none" { print $2, $4 }' "$RESULTS/latency.dat")
	read -r p50_b p99_b < <(awk '$1 == "b" { print $2, $4 }' "$RESULTS/latency.dat")
	read -r p50_c p99_c < <(awk '$1 == "c" { print $2, $4 }' "$RESULTS/latency.dat")
	read -r p99_c1 < <(awk '$1 == "c1" { print $4 }' "$RESULTS/latency.dat")
	read -r p50_a p99_a < <(awk '$1 == "a" { print $2, $4 }' "$RESULTS/latency.dat")
	read -r p50_d p99_d < <(awk '$1 == "d" { print $2, $4 }' "$RESULTS/latency.dat")
	for b in nfqueue nftables; do
		awk -v b=$b '$7 == b' "$RESULTS/startup.txt" >"$RESULTS/startup-$b.dat"
	done
	ms_1m=$(median_col "$RESULTS/startup-nfqueue.dat" 1 "$STATE_ENTRIES" 3)
	rss_1m=$(median_col "$RESULTS/startup-nfqueue.dat" 1 "$STATE_ENTRIES" 5)
	hwm_1m=$(median_col "$RESULTS/startup-nfqueue.dat" 1 "$STATE_ENTRIES" 6)
	ms_d=$(median_col "$RESULTS/startup-nftables.dat" 1 "$STATE_ENTRIES" 3)
	rss_d=$(median_col "$RESULTS/startup-nftables.dat" 1 "$STATE_ENTRIES" 5)
	hwm_d=$(median_col "$RESULTS/startup-nftables.dat" 1 "$STATE_ENTRIES" 6)

	{
	echo "# mxallowd benchmark results"
	echo
	echo "Generated by \`make bench\` (regress/bench/bench.sh) on $(date -u '+%Y-%m-%d %H:%M UTC')," \
	    "commit $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)."
	echo
	echo "## Machine"
	echo
	echo "| | |"
	echo "| --- | --- |"
	echo "| CPU | $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo) |"
	echo "| CPUs (nproc) | $NCPU |"
	echo "| memory | $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) |"
	echo "| kernel | $(uname -sr) |"
	echo "| load average at start | $LOAD_START |"
	if [ -n "$DECIDE_CPUS" ]; then
		echo "| pinning (full-speed floods) | sender on CPU $((NCPU - 1)), deciders on CPU $DECIDE_CPUS |"
	else
		echo "| pinning | none (one CPU) |"
	fi
	echo
	echo "## Throughput: full-speed SYN flood, ${RUN_SECONDS} s, median of $REPEAT"
	echo
	echo "Offered: what synflood sent per second; decided: SYNs given a" \
	    "verdict per second (nft counters, nfqbase's count, mxallowd's" \
	    "admitted + blocked); queue drops: the kernel's queue_dropped +" \
	    "user_dropped for the queue; CPU in % of one CPU over the run;" \
	    "sender: synflood, whose system time includes SERVER's softirq" \
	    "work done inline on veth; softirq/busy: the whole machine."
	echo
	echo "| setup | flood | offered/s | decided/s | queue drops | decider CPU % | decider µs/verdict | verdicts per decider CPU-s | sender CPU % | softirq % | busy % |"
	echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	while read -r s f _ off dec q cpu us snd sirq busy; do
		if [ "$s" = a ]; then
			cpu=- us=- cap=-
		else
			cap=$(capacity "$us")
		fi
		echo "| ${NAME[$s]} | $f-heavy | $off | $dec | $q | $cpu | $us | $cap | $snd | $sirq | $busy |"
	done <"$RESULTS/throughput.dat"
	echo
	echo "Whitelisted before the accept-heavy flood: $ACCEPT_N sources of" \
	    "$ACCEPT_SRC; entries seen by each setup in each round: a" \
	    "${WL_SEEN[a]}, b ${WL_SEEN[b]} (a fixed rule), c ${WL_SEEN[c]}," \
	    "d ${WL_SEEN[d]} (its sets: the kernel's and the daemon's)."
	echo
	echo "| ratio of decided/s | drop-heavy | accept-heavy |"
	echo "| --- | ---: | ---: |"
	echo "| c/b (mxallowd / bare nfqueue loop) | $(ratio "$drop_c" "$drop_b") | $(ratio "$acc_c" "$acc_b") |"
	echo "| c/a (mxallowd / kernel only) | $(ratio "$drop_c" "$drop_a") | $(ratio "$acc_c" "$acc_a") |"
	echo "| c/b, verdicts per decider CPU-second | $(ratio "$us_drop_b" "$us_drop_c") | $(ratio "$us_acc_b" "$us_acc_c") |"
	echo "| d/a (mxallowd nftables / kernel only) | $(ratio "$drop_d" "$drop_a") | $(ratio "$acc_d" "$acc_a") |"
	echo "| d/c (mxallowd nftables / nfqueue) | $(ratio "$drop_d" "$drop_c") | $(ratio "$acc_d" "$acc_c") |"
	echo
	echo "A decider that keeps up decides what is offered: then decided/s" \
	    "measures the sender, and the CPU per verdict (its inverse:" \
	    "verdicts per CPU-second, what one CPU could decide) tells the" \
	    "deciders apart."
	echo
	echo "## Latency: $LAT_RATE SYN/s for ${RUN_SECONDS} s, whitelisted sources, listener on the real MX, median of $REPEAT"
	echo
	echo "Round trip from just before the SYN is sent to the kernel's receive" \
	    "timestamp of the SYN-ACK, in µs."
	echo
	echo "| setup | p50 | p90 | p99 | max | answered | lost | added p50 | added p99 |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	while read -r s p50 p90 p99 max ans lost; do
		echo "| ${NAME[$s]} | $p50 | $p90 | $p99 | $max | $ans | $lost |" \
		    "$(diff1 "$p50" "$p50_none") | $(diff1 "$p99" "$p99_none") |"
	done <"$RESULTS/latency.dat"
	echo
	echo "Added latency of mxallowd over the bare loop (b): p50" \
	    "$(diff1 "$p50_c" "$p50_b") µs, p99 $(diff1 "$p99_c" "$p99_b") µs." \
	    "Of mxallowd's nftables backend (d) over the kernel alone (a):" \
	    "p50 $(diff1 "$p50_d" "$p50_a") µs, p99 $(diff1 "$p99_d" "$p99_a") µs."
	echo
	echo "## From a fake-MX hit to admission at the real MX, median of $REPEAT"
	echo
	echo "$FAKE_N new IPv6 sources, one after the other: a SYN to the fake" \
	    "MX, then the same SYN to the real MX every 100 µs until it is" \
	    "answered; µs from the SYN to the fake MX to the real MX's SYN-ACK."
	echo
	echo "| setup | p50 | p90 | p99 | max | answered | lost |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
	for s in c d; do
		grep -q "^$s " "$RESULTS/fake.txt" 2>/dev/null || continue
		echo "| ${NAME[$s]} | $(median_col "$RESULTS/fake.txt" 1 $s 5) |" \
		    "$(median_col "$RESULTS/fake.txt" 1 $s 6) |" \
		    "$(median_col "$RESULTS/fake.txt" 1 $s 7) |" \
		    "$(median_col "$RESULTS/fake.txt" 1 $s 8) |" \
		    "$(median_col "$RESULTS/fake.txt" 1 $s 3) |" \
		    "$(median_col "$RESULTS/fake.txt" 1 $s 4) |"
	done
	echo
	echo "## NFLOG during the floods (d), every round"
	echo
	echo "Logged: records the kernel's rules wrote (at most nflog-rate," \
	    "1000 a second per kind, plus a burst of as many); received: what" \
	    "the daemon got; lost: the difference; ENOBUFS: how often the" \
	    "capture socket overran (libpcap's ps_drop)."
	echo
	echo "| flood | round | logged | received | lost | ENOBUFS |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: |"
	while read -r _ f r l rc lost e; do
		echo "| $f-heavy | $r | $l | $rc | $lost | $e |"
	done <"$RESULTS/nflog.txt"
	echo
	echo "## Whitelist at scale (regress/bench/wlscale, parent/whitelist.c)"
	echo
	echo "| entries | insert ns/op | lookup hit ns/op | lookup miss ns/op | admit ns/op | expire ns/op | RSS growth MiB | bytes/entry |"
	echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	local w=$WLSCALE_OUT
	echo "| $(field entries "$w") | $(field insert_ns "$w") | $(field lookup_ns "$w") | $(field miss_ns "$w") | $(field admit_ns "$w") | $(field expire_ns "$w") | $(field rss_mib "$w") | $(field bytes_per_entry "$w") |"
	echo
	echo "## Start-up with a state file (exec to \"startup complete\", median of $REPEAT)"
	echo
	echo "nftables: the entries go into a new table's set in the start-up" \
	    "transaction (the table deleted before each run)."
	echo
	echo "| backend | entries in the file | restored | start-up ms | parent VmRSS MiB | parent VmHWM MiB |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: |"
	for b in nfqueue nftables; do
		for n in 0 "$STATE_ENTRIES"; do
			f=$RESULTS/startup-$b.dat
			echo "| $b | $n | $(median_col "$f" 1 "$n" 4) |" \
			    "$(median_col "$f" 1 "$n" 3) |" \
			    "$(mib "$(median_col "$f" 1 "$n" 5)") |" \
			    "$(mib "$(median_col "$f" 1 "$n" 6)") |"
		done
	done
	echo
	echo "## Targets (reported, not asserted)"
	echo
	echo "| target | measured | |"
	echo "| --- | ---: | --- |"
	target "drop-heavy decided/s: mxallowd ≥ 0.5 × bare nfqueue loop" \
	    "$(ratio "$drop_c" "$drop_b") ×" "$(ratio "$drop_c" "$drop_b")" ">=" 0.5
	target "the same per decider CPU-second (what one CPU could decide)" \
	    "$(ratio "$us_drop_b" "$us_drop_c") ×" "$(ratio "$us_drop_b" "$us_drop_c")" ">=" 0.5
	target "added p99 latency at $LAT_RATE SYN/s ≤ 200 µs (over no filter)" \
	    "$(diff1 "$p99_c" "$p99_none") µs" "$(diff1 "$p99_c" "$p99_none")" "<=" 200
	[ -n "$p99_c1" ] && target "the same, mxallowd's processes on one CPU (c1)" \
	    "$(diff1 "$p99_c1" "$p99_none") µs" "$(diff1 "$p99_c1" "$p99_none")" "<=" 200
	target "$STATE_ENTRIES entries ≤ 128 MiB RSS (parent after start-up)" \
	    "$(mib "$rss_1m") MiB" "$(mib "$rss_1m")" "<=" 128
	target "start-up with $STATE_ENTRIES entries ≤ 1 s" \
	    "$ms_1m ms" "$ms_1m" "<=" 1000
	target "nftables: drop-heavy decided/s ≥ 0.95 × kernel only (d/a)" \
	    "$(ratio "$drop_d" "$drop_a") ×" "$(ratio "$drop_d" "$drop_a")" ">=" 0.95
	target "nftables: accept-heavy decided/s ≥ 0.95 × kernel only (d/a)" \
	    "$(ratio "$acc_d" "$acc_a") ×" "$(ratio "$acc_d" "$acc_a")" ">=" 0.95
	target "nftables: p50 latency within 5 µs of the kernel only (d − a)" \
	    "$(diff1 "$p50_d" "$p50_a") µs" "$(diff1 "$p50_d" "$p50_a")" "<=" 5
	target "nftables: p99 latency within 5 µs of the kernel only (d − a)" \
	    "$(diff1 "$p99_d" "$p99_a") µs" "$(diff1 "$p99_d" "$p99_a")" "<=" 5
	target "nftables: start-up with $STATE_ENTRIES entries into the kernel's set ≤ 2 s" \
	    "$ms_d ms" "$ms_d" "<=" 2000
	echo
	echo "Peak RSS (VmHWM) of the parent during that start-up: $(mib "$hwm_1m") MiB" \
	    "(nfqueue), $(mib "$hwm_d") MiB (nftables; after it: $(mib "$rss_d") MiB)."
	} >"$md"
}

capacity() { awk -v u="$1" 'BEGIN { if (u > 0) printf "%.0f", 1e6 / u; else print "-" }'; }
ratio() { awk -v x="$1" -v y="$2" 'BEGIN { if (y > 0) printf "%.2f", x / y; else print "-" }'; }
diff1() { awk -v x="$1" -v y="$2" 'BEGIN { if (x != "" && y != "") printf "%.1f", x - y; else print "-" }'; }
mib() { awk -v k="$1" 'BEGIN { if (k != "") printf "%.1f", k / 1024; else print "-" }'; }
# target TEXT SHOWN VALUE OP LIMIT: one row, met or missed.
target() {
	local ok
	ok=$(awk -v v="$3" -v op="$4" -v l="$5" 'BEGIN {
		if (v == "" || v == "-") { print "not measured"; exit }
		m = op == ">=" ? v + 0 >= l : v + 0 <= l
		print m ? "met" : "**missed**" }')
	echo "| $1 | $2 | $ok |"
}

chart() {
	gnuplot <<GP || say "gnuplot failed: no chart"
set terminal pngcairo size 1200,520 font "sans,10"
set output "$RESULTS/chart.png"
set multiplot layout 1,2 title "mxallowd benchmarks ($(uname -r), $NCPU CPUs)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set grid ytics
set key top right
set yrange [0:*]
set title "Decided SYN/s, full-speed flood (median of $REPEAT)"
set ylabel "verdicts / s"
\$tp << EOD
"a: kernel" $(awk '$1 == "a" && $2 == "drop" { printf "%s ", $5 } $1 == "a" && $2 == "accept" { printf "%s", $5 }' "$RESULTS/throughput.dat")
"b: nfqbase" $(awk '$1 == "b" && $2 == "drop" { printf "%s ", $5 } $1 == "b" && $2 == "accept" { printf "%s", $5 }' "$RESULTS/throughput.dat")
"c: nfqueue" $(awk '$1 == "c" && $2 == "drop" { printf "%s ", $5 } $1 == "c" && $2 == "accept" { printf "%s", $5 }' "$RESULTS/throughput.dat")
"d: nftables" $(awk '$1 == "d" && $2 == "drop" { printf "%s ", $5 } $1 == "d" && $2 == "accept" { printf "%s", $5 }' "$RESULTS/throughput.dat")
EOD
plot \$tp using 2:xtic(1) title "drop-heavy", '' using 3 title "accept-heavy"
set key top left
set title "SYN round trip at $LAT_RATE SYN/s (median of $REPEAT)"
set ylabel "µs (log scale)"
set logscale y
set yrange [1:*]
\$lat << EOD
$(awk '{ n = $1 == "none" ? "none" : $1 == "a" ? "a: kernel" : $1 == "b" ? "b: nfqbase" : $1 == "c1" ? "c1: one CPU" : $1 == "d" ? "d: nftables" : "c: nfqueue"
	printf "\"%s\" %s %s\n", n, $2, $4 }' "$RESULTS/latency.dat")
EOD
plot \$lat using 2:xtic(1) title "p50", '' using 3 title "p99"
unset multiplot
GP
}

# --- main --------------------------------------------------------------------

bench_deps
scratch
need_user
QUEUE=$QUEUE
source "$REGRESS_DIR/netns/e2e.sh"	# conf()
mkdir -p "$RESULTS"
rm -f "$RESULTS"/raw.txt "$RESULTS"/latency.txt "$RESULTS"/startup.txt \
    "$RESULTS"/fake.txt "$RESULTS"/nflog.txt
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
lab_up || die "lab_up"
spoof_routes || die "routes"
declare -A WL_SEEN

for ((rep = 1; rep <= REPEAT; rep++)); do
	say "round $rep of $REPEAT"
	run_latency none $rep
	for s in $SETUPS; do
		setup_$s
		WL_SEEN[$s]="${WL_SEEN[$s]:+${WL_SEEN[$s]}/}$WHITELISTED"
		# Latency first: right after a full-speed flood the tail grows
		# for several seconds on this VM (BENCHMARKS.md).
		run_latency $s $rep
		[ $s = c ] && [ -n "$DECIDE_CPUS" ] && run_latency c $rep c1
		case $s in c|d) run_fake $s $rep ;; esac
		run_flood $s drop $rep
		run_flood $s accept $rep
		teardown_$s
	done
done
say "profile"
profile
say "whitelist at scale"
WLSCALE_OUT=$("$WLSCALE" -n "$STATE_ENTRIES") || die "wlscale failed"
say "$WLSCALE_OUT"
say "start-up"
write_state "$SCRATCH/state-0" 0
write_state "$SCRATCH/state-$STATE_ENTRIES" "$STATE_ENTRIES"
for ((rep = 1; rep <= REPEAT; rep++)); do
	run_startup 0 $rep
	run_startup "$STATE_ENTRIES" $rep
	run_startup 0 $rep nftables
	run_startup "$STATE_ENTRIES" $rep nftables
done
lab_down
report
chart
# The figures block of BENCHMARKS.md.
md_block "$TOP/BENCHMARKS.md" results "$RESULTS/results.md"
# The shared whitelist: a site of its own, a script of its own.
say "the shared whitelist (Redis)"
BENCH_RESULTS=$RESULTS bash "$BENCH/bench_redis.sh" ||
    say "the shared whitelist's benchmark failed"
say "done: $RESULTS/results.md"
cat "$RESULTS/results.md"
