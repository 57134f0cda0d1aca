#!/usr/bin/env bash
# A real Postfix delivering to a site whose MX records are spread over
# three hosts sharing their whitelist through Redis (site.sh): MX 5 on A
# (the fake address), MX 10 on B, MX 20 on C, served by dnsmasq on a host
# D.  Postfix runs in CLIENT from a configuration directory of its own
# (master -c DIR, its resolv.conf bind-mounted in the namespace's private
# mount table: nothing of the host's mail setup is used or touched);
# regress/tools/smtpsink receives on B and C.
#
#   - without mxallowd, the message goes through A (nothing listens: a
#     reset) to B: the baseline;
#   - with mxallowd on A, B and C: A resets the new sender and whitelists
#     it, B admits it (its first SYN may come before the entry and be
#     dropped; the retransmission is admitted) and takes the message;
#   - B's mail server down (mxallowd still runs there): B admits the
#     sender, whose connection is refused, and the message goes to C;
#   - the added delay, Postfix's own "connection setup" time (the c of
#     delays=a/b/c/d), is reported against the baseline for POSTFIX_RUNS
#     (5) messages each: a sender whose first SYN at B comes before the
#     entry shows the retransmission, a second.  Delivered through B while
#     B is up means B admitted the sender before Postfix's 30 s connect
#     timeout.
source "$(dirname "$0")/../lib.sh"
source "$REGRESS_DIR/netns/lab.sh"
source "$REGRESS_DIR/netns/e2e.sh"
source "$REGRESS_DIR/netns/site.sh"
scratch
need_user
need_redis
POSTFIX_MASTER=${POSTFIX_MASTER:-/usr/lib/postfix/sbin/master}
for t in "$POSTFIX_MASTER" /usr/sbin/sendmail /usr/sbin/postfix; do
	if ! command -v "$t" >/dev/null; then
		echo "ok postfix.sh # skip $t missing (regress/deps.sh installs" \
		    "postfix where no other MTA is)"
		exit 0
	fi
done
SINK=$TOP/regress/tools/smtpsink
[ -x "$SINK" ] || { fail "$SINK missing: make regress/tools/smtpsink"; exit 1; }

DNS4=192.0.2.53 DNS6=2001:db8::53
SENDER=$LAB_SRC4A
RUNS=${POSTFIX_RUNS:-5}
site_up D=$DNS4/24,$DNS6/64 || { fail "the site and Redis start"; exit 1; }
time_limit postfix.sh 400
LAB_DNS=$LAB_NS_D LAB_SERVER=$LAB_NS_A lab_dns_start \
    --mx-host=lab.test,mx0.lab.test,5 --mx-host=lab.test,mx1.lab.test,10 \
    --mx-host=lab.test,mx2.lab.test,20 \
    --host-record=mx0.lab.test,$FAKE4 --host-record=mx1.lab.test,$REALB4 \
    --host-record=mx2.lab.test,$REALC4 || { fail "dnsmasq starts"; exit 1; }

declare -A SINK_PID=()
sink_up() {
	local out=$SCRATCH/sink-$1.out end=$((SECONDS + 20))
	: >"$out"
	ip netns exec "$(lab__site_ns "$1")" "$SINK" -T 380 0.0.0.0 25 \
	    >"$out" 2>&1 &
	SINK_PID[$1]=$!
	lab_track $!
	until grep -q '^listening' "$out"; do
		((SECONDS < end)) || { fail "smtpsink on $1: $(cat "$out")"; return 1; }
		sleep 0.05
	done
}
sink_down() { kill "${SINK_PID[$1]}"; wait "${SINK_PID[$1]}" 2>/dev/null; }

# --- Postfix, in CLIENT, from a directory of its own ------------------------
P=$SCRATCH/postfix
mkdir -p "$P/queue"
install -d -o postfix -g postfix "$P/data"
echo "nameserver $DNS4" >"$P/resolv.conf"
cat >"$P/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $P/queue
data_directory = $P/data
command_directory = /usr/sbin
daemon_directory = $(dirname "$POSTFIX_MASTER")
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = sender.lab.test
mydestination =
alias_maps =
alias_database =
local_recipient_maps =
inet_interfaces = loopback-only
inet_protocols = ipv4
smtp_bind_address = $SENDER
smtp_tls_security_level = none
maillog_file = $P/maillog
maillog_file_prefixes = $P
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
biff = no
CONF
postfix_master_cf >"$P/master.cf"
postfix -c "$P" check >/dev/null 2>&1
# ip netns exec gives us a private mount table: the bind mount stays there.
ip netns exec "$LAB_CLIENT" sh -c "mount --bind '$P/resolv.conf' /etc/resolv.conf &&
    exec '$POSTFIX_MASTER' -c '$P' -d" >"$SCRATCH/master.out" 2>&1 &
MASTER=$!
lab_track $MASTER
check "Postfix runs in CLIENT" within 20 test -S "$P/queue/public/pickup"

# send ID: a message from SENDER to lab.test; its Message-ID names it.
send() {
	printf 'Message-ID: <%s@sender.lab.test>\nSubject: %s\n\nhello\n' "$1" "$1" |
	    /usr/sbin/sendmail -C "$P" -f sender@sender.lab.test postmaster@lab.test
}

# delivery ID: Postfix's line for ID's delivery ("... status=sent ...").
delivery() {
	local q
	q=$(sed -n "s/.*postfix\/cleanup\[[0-9]*\]: \([0-9A-F]*\): message-id=<$1@.*/\1/p" \
	    "$P/maillog" | tail -1)
	[ -n "$q" ] && grep " $q: to=<.*status=sent" "$P/maillog" | tail -1
}
delivered() { [ -n "$(delivery "$1")" ]; }

# via ID: the relay the message went to (mx1.lab.test[192.0.2.20]:25).
via() { delivery "$1" | sed -n 's/.*relay=\([^,]*\),.*/\1/p'; }
# setup_ms ID: the third of delays=a/b/c/d, connection setup, in ms.
setup_ms() {
	delivery "$1" | sed -n 's/.* delays=[^/]*\/[^/]*\/\([^/]*\)\/.*/\1/p' |
	    awk '{ printf "%d\n", $1 * 1000 }'
}
# summary FILE: "median M ms (V1 V2 ...; N retransmitted)", the values in
# ms; a SYN dropped and sent again shows as a second or more.
summary() {
	sort -n "$1" | awk '{ v[NR] = $1; s = s " " $1; if ($1 >= 900) r++ }
	    END { printf "median %d ms (%s; %d of %d after a retransmission)\n",
	    v[int((NR + 1) / 2)], substr(s, 2), r, NR }'
}

# run ID VIA: one delivery, by way of VIA; its connection setup in ms.
run() {
	send "$1"
	if ! within 90 delivered "$1"; then
		fail "$1: not delivered within 90 s: $(tail -n 3 "$P/maillog")"
		return 1
	fi
	check "$1: delivered through $2 ($(via "$1"))" test "$(via "$1")" = "$2"
	echo "$(setup_ms "$1")" >>"$SCRATCH/$3.ms"
}

sink_up B && sink_up C || exit 1

# --- without mxallowd --------------------------------------------------------
for ((i = 1; i <= RUNS; i++)); do
	run "plain$i" "mx1.lab.test[$REALB4]:25" plain
done

# --- mxallowd on A, B and C, one whitelist -------------------------------------
site_queue || { fail "queue rules"; exit 1; }
host_up A && host_up B && host_up C || exit 1
check "A, B and C connected to Redis" within 20 all_up A B C
for ((i = 1; i <= RUNS; i++)); do
	ctl_quiet A flush
	check "run $i: the sender is new everywhere" within 10 count_cmp C -eq 0
	run "shared$i" "mx1.lab.test[$REALB4]:25" shared
done
check "B admitted the sender" test "$(stat_of B admitted)" -ge "$RUNS"
check "B confirmed the entry A made, C knows" within 10 confirmed C $SENDER/32

# --- B's mail server down -------------------------------------------------------
sink_down B
for ((i = 1; i <= RUNS; i++)); do
	ctl_quiet A flush
	check "B down, run $i: the sender is new everywhere" within 10 count_cmp C -eq 0
	run "bdown$i" "mx2.lab.test[$REALC4]:25" bdown
done
check "C took the messages" test "$(grep -c '^message ' "$SCRATCH/sink-C.out")" -eq "$RUNS"

pass "connection setup without mxallowd: $(summary "$SCRATCH/plain.ms")"
pass "connection setup with the shared whitelist: $(summary "$SCRATCH/shared.ms")"
pass "connection setup with B down, through C: $(summary "$SCRATCH/bdown.ms")"
for h in A B C; do
	check "$h never exited on an error" test -z "$(grep -E 'exiting on error|fatal' "$SCRATCH/$h.log")"
done
time_spent postfix.sh
