#!/usr/bin/env bash
# The network lab without the daemon: both namespaces reach each other from
# every source address, the wildcard listener answers on the fake and the
# real address, a probe sends exactly one SYN, an NFQUEUE rule with nobody
# bound drops (and with --queue-bypass passes), and lab_down (or the
# watchdog, when the owner is killed) leaves nothing behind.  Root; < 30 s.
source "$(dirname "$0")/../lib.sh"
source "$REGRESS_DIR/netns/lab.sh"
scratch				# before lab_up: lab_up chains onto its trap

if [ "$(id -u)" -ne 0 ]; then
	fail "netns lab: needs root"
	exit 1
fi
if [ ! -x "$LAB_MXPROBE" ]; then
	fail "netns lab: $LAB_MXPROBE missing (make regress/tools/mxprobe)"
	exit 1
fi

# probe_is WANT MIN_MS MAX_MS NAME PROBE_ARGS...: lab_probe gives WANT
# within MIN_MS..MAX_MS.
probe_is() {
	local want=$1 lo=$2 hi=$3 name=$4 out w ms
	shift 4
	out=$(lab_probe "$@")
	read -r w ms <<<"$out"
	if [ "$w" = "$want" ] && [[ $ms =~ ^[0-9]+$ ]] &&
	    [ "$ms" -ge "$lo" ] && [ "$ms" -le "$hi" ]; then
		pass "$name: $out ms"
	else
		fail "$name: got \"$out\", want $want in $lo..$hi ms"
	fi
}

# pkts IPTABLES_FN TARGET DST: the packet counter of the INPUT rule with
# TARGET ("" for a rule without one) and destination DST, or "none".
pkts() {
	"$1" -L INPUT -v -x -n | awk -v t="$2" -v d="$3" '
	    NR > 2 {
		hit = 0
		for (i = 4; i <= NF; i++)
			if ($i == d || $i == d "/32" || $i == d "/128") hit = 1
		# A rule without a target has the protocol in column 3.
		if (hit && ((t == "" && $3 ~ /^(6|tcp)$/) || $3 == t)) {
			print $1; found = 1; exit
		}
	    }
	    END { if (!found) print "none" }'
}

# Timeouts are 700 ms by default: allow scheduling slack, never a second SYN.
T_LO=650 T_HI=1000 C_HI=500
start=$SECONDS

# --- up ------------------------------------------------------------------
if ! lab_up; then
	fail "lab_up"
	exit 1
fi
pass "lab_up: $LAB_SERVER and $LAB_CLIENT, $LAB_IPT4/$LAB_IPT6"
check "namespaces listed" \
    bash -c "ip netns list | grep -qw $LAB_SERVER && ip netns list | grep -qw $LAB_CLIENT"
check "no lab interface in the host namespace" \
    bash -c "! ip -o link show $LAB_IF >/dev/null 2>&1"
check "lab_listen on 0.0.0.0 and :: port 25" lab_listen 60
probe_is refused 0 $C_HI "nothing on port 26: refused" "$LAB_REAL4" 26
probe_is refused 0 $C_HI "nothing on port 26: refused (IPv6)" "$LAB_REAL6" 26

# --- every source reaches the fake and the real address ------------------
# A counting rule (no target) per source: exactly one SYN per probe.
for src in "$LAB_SRC4A" "$LAB_SRC4B" "$LAB_SRC4C"; do
	lab_iptables -I INPUT -s "$src" -p tcp --syn --dport 25
done
for src in "$LAB_SRC6A" "$LAB_SRC6B" "$LAB_SRC6C"; do
	lab_ip6tables -I INPUT -s "$src" -p tcp --syn --dport 25
done
for src in "$LAB_SRC4A" "$LAB_SRC4B" "$LAB_SRC4C"; do
	for dst in "$LAB_REAL4" "$LAB_FAKE4"; do
		probe_is connected 0 $C_HI "$src -> $dst:25" -s "$src" "$dst" 25
	done
done
for src in "$LAB_SRC6A" "$LAB_SRC6B" "$LAB_SRC6C"; do
	for dst in "$LAB_REAL6" "$LAB_FAKE6"; do
		probe_is connected 0 $C_HI "$src -> [$dst]:25" -s "$src" "$dst" 25
	done
done
# Sources in column 8 (-L -v): count by source address instead.
src_pkts() {
	"$1" -L INPUT -v -x -n | awk -v s="$2" '
	    NR > 2 { for (i = 4; i <= NF; i++)
		if ($i == s || $i == s "/32" || $i == s "/128") { print $1; f = 1; exit } }
	    END { if (!f) print "none" }'
}
for src in "$LAB_SRC4A" "$LAB_SRC4B" "$LAB_SRC4C"; do
	n=$(src_pkts lab_iptables "$src")
	check "-s $src: 2 probes, 2 SYNs seen from it (counted $n)" test "$n" = 2
	lab_iptables -D INPUT -s "$src" -p tcp --syn --dport 25
done
for src in "$LAB_SRC6A" "$LAB_SRC6B" "$LAB_SRC6C"; do
	n=$(src_pkts lab_ip6tables "$src")
	check "-s $src: 2 probes, 2 SYNs seen from it (counted $n)" test "$n" = 2
	lab_ip6tables -D INPUT -s "$src" -p tcp --syn --dport 25
done

# --- an IPv6 SYN with a Destination Options header -----------------------
lab_ip6tables -I INPUT -p tcp --syn --dport 25 -m ipv6header --soft --header dst
probe_is connected 0 $C_HI "plain IPv6 probe" "$LAB_REAL6" 25
n0=$(pkts lab_ip6tables "" "::/0")
probe_is connected 0 $C_HI "-o dstopts -> [$LAB_REAL6]:25" -o dstopts "$LAB_REAL6" 25
probe_is connected 0 $C_HI "-o dstopts -> [$LAB_FAKE6]:25" -o dstopts -s "$LAB_SRC6C" "$LAB_FAKE6" 25
n=$(pkts lab_ip6tables "" "::/0")
check "dstopts: SYNs carried the header (counted $n0 plain, $n with it)" \
    test "$n0" = 0 -a "$n" = 2
lab_ip6tables -D INPUT -p tcp --syn --dport 25 -m ipv6header --soft --header dst
out=$(lab_probe -o dstopts "$LAB_REAL4" 25)
check "-o dstopts over IPv4: an error line ($out)" \
    test "${out%% *}" = error

# --- a DROP rule: timeout, and exactly one SYN per probe -----------------
lab_iptables -I INPUT -p tcp --syn --dport 25 -d "$LAB_REAL4" -j DROP
lab_ip6tables -I INPUT -p tcp --syn --dport 25 -d "$LAB_REAL6" -j DROP
i=0
for src in "$LAB_SRC4A" "$LAB_SRC4B" "$LAB_SRC4C"; do
	probe_is timeout $T_LO $T_HI "DROP: $src -> $LAB_REAL4:25" -s "$src" "$LAB_REAL4" 25
	i=$((i + 1))
	n=$(pkts lab_iptables DROP "$LAB_REAL4")
	check "DROP: $i probes, $i SYNs dropped (counted $n)" test "$n" = $i
done
probe_is connected 0 $C_HI "DROP on the real: the fake still answers" "$LAB_FAKE4" 25
i=0
for src in "$LAB_SRC6A" "$LAB_SRC6B" "$LAB_SRC6C"; do
	probe_is timeout $T_LO $T_HI "DROP: $src -> [$LAB_REAL6]:25" -s "$src" "$LAB_REAL6" 25
	i=$((i + 1))
	n=$(pkts lab_ip6tables DROP "$LAB_REAL6")
	check "DROP: $i probes, $i SYNs dropped (counted $n, IPv6)" test "$n" = $i
done
probe_is timeout 0 400 "-t 300 honoured" -t 300 "$LAB_REAL4" 25
# Past the kernel's 1 s retransmission timeout: still no second SYN.
sleep 1.2
n=$(pkts lab_iptables DROP "$LAB_REAL4")
check "DROP: no retransmission after the probes closed (counted $n)" test "$n" = 4
n=$(pkts lab_ip6tables DROP "$LAB_REAL6")
check "DROP: no retransmission after the probes closed (counted $n, IPv6)" test "$n" = 3
lab_iptables -D INPUT -p tcp --syn --dport 25 -d "$LAB_REAL4" -j DROP
lab_ip6tables -D INPUT -p tcp --syn --dport 25 -d "$LAB_REAL6" -j DROP

# --- NFQUEUE with nobody bound: dropped; with --queue-bypass: passed ------
check "lab_queue 23" lab_queue 23
for dst in "$LAB_FAKE4" "$LAB_REAL4" "$LAB_FAKE6" "$LAB_REAL6"; do
	probe_is timeout $T_LO $T_HI "queue 23, nobody bound: $dst" "$dst" 25
done
n=$(pkts lab_iptables NFQUEUE "$LAB_REAL4")
n6=$(pkts lab_ip6tables NFQUEUE "$LAB_FAKE6")
check "queue 23: the SYNs went through the queue rules ($n, $n6)" \
    test "$n" = 1 -a "$n6" = 1
check "lab_queue 23 bypass" lab_queue 23 bypass
for dst in "$LAB_FAKE4" "$LAB_REAL4" "$LAB_FAKE6" "$LAB_REAL6"; do
	probe_is connected 0 $C_HI "queue 23 bypass, nobody bound: $dst" "$dst" 25
done
n=$(lab_iptables -S INPUT | grep -c -- '--queue-bypass')
n6=$(lab_ip6tables -S INPUT | grep -c -- '--queue-bypass')
m=$(lab_iptables -S INPUT; lab_ip6tables -S INPUT)
m=$(grep -c NFQUEUE <<<"$m")
check "lab_queue replaced the earlier rules (4 rules, $n + $n6 bypass, $m NFQUEUE)" \
    test "$n" = 2 -a "$n6" = 2 -a "$m" = 4
lab_unqueue
m=$(lab_iptables -S INPUT; lab_ip6tables -S INPUT)
check "lab_unqueue removed them" bash -c "! grep -q NFQUEUE <<<'$m'"

# --- down ----------------------------------------------------------------
server=$LAB_SERVER client=$LAB_CLIENT dir=$LAB_DIR
listeners=$LAB_LISTEN_PIDS watchdog=$LAB_WATCHDOG
lab_down
gone() {
	! ip netns list | grep -qwE "$server|$client" &&
	    [ ! -e "/run/netns/$server" ] && [ ! -e "/run/netns/$client" ] &&
	    [ ! -e "$dir" ]
}
check "lab_down: namespaces and lab directory gone" gone
check "lab_down: listeners and watchdog gone" wait_gone_ms 1000 $listeners $watchdog
check "lab_down twice is harmless" lab_down

# --- cleanup when the owner exits or is killed ---------------------------
# exited: the EXIT trap (chained after an earlier one) tears the lab down.
out=$(bash -c "source '$REGRESS_DIR/netns/lab.sh'
	trap 'echo earlier trap ran' EXIT
	lab_up && lab_listen 60 && echo \"\$LAB_SERVER \$LAB_CLIENT \$LAB_LISTEN_PIDS\"
	exit 3" 2>&1)
read -r s c l1 l2 <<<"$(head -1 <<<"$out")"
check "owner exits: its earlier EXIT trap still ran" grep -q 'earlier trap ran' <<<"$out"
check "owner exits: namespaces $s $c gone" \
    bash -c "[ -n '$s' ] && [ ! -e /run/netns/$s ] && [ ! -e /run/netns/$c ]"
check "owner exits: listeners gone" wait_gone_ms 1000 $l1 $l2
# SIGKILLed: no trap runs; the watchdog deletes the namespaces.
out=$(bash -c "source '$REGRESS_DIR/netns/lab.sh'
	lab_up && lab_listen 60 &&
	    echo \"\$LAB_SERVER \$LAB_CLIENT \$LAB_DIR \$LAB_LISTEN_PIDS\"
	kill -KILL \$\$" 2>/dev/null)
read -r s c d l1 l2 <<<"$out"
ns_gone() {
	[ -n "$s" ] && [ ! -e "/run/netns/$s" ] && [ ! -e "/run/netns/$c" ] &&
	    [ ! -e "$d" ]
}
wait_ns_gone() { wait_until 20 ns_gone; }
check "owner SIGKILLed: the watchdog deletes $s $c and $d" wait_ns_gone
check "owner SIGKILLed: the watchdog killed the listeners" wait_gone_ms 1000 $l1 $l2
# The owner's whole process group SIGKILLed (as a runner stops a job that
# ran too long): the watchdog, in a group of its own, still cleans up.
out=$(setsid --wait bash -c "source '$REGRESS_DIR/netns/lab.sh'
	lab_up && lab_listen 60 &&
	    echo \"\$LAB_SERVER \$LAB_CLIENT \$LAB_DIR \$LAB_LISTEN_PIDS\"
	kill -KILL -- -\$\$" 2>/dev/null)
read -r s c d l1 l2 <<<"$out"
check "owner's group SIGKILLed: the watchdog deletes $s $c and $d" wait_ns_gone
check "owner's group SIGKILLed: the listeners are gone" wait_gone_ms 1000 $l1 $l2

elapsed=$((SECONDS - start))
pass "selftest took ${elapsed}s"
