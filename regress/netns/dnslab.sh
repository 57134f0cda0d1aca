# Sourced by the tests of the resolver (rdns.sh, resolver.sh, spf.sh) after
# lib.sh, lab.sh and e2e.sh, once lab_dns_up has run: reading the
# daemon's rDNS counters, names of addresses, and what the DNS side saw.

# Run rather than sourced (regress/run.sh runs every netns/*.sh): nothing to do.
[ "${BASH_SOURCE[0]}" = "$0" ] && exit 0

# need_tools LABEL FILE...: each FILE is an executable (a path) or a
# command on PATH; the script ends with a FAIL line when one is missing.
need_tools() {
	local label=$1 t
	shift
	for t; do
		if [[ $t == */* ]] && [ -x "$t" ] || command -v "$t" >/dev/null; then
			continue
		fi
		fail "$label: $t missing (make, and regress/deps.sh)"
		exit 1
	done
}

# settled: lookups answered so far (confirmed + unconfirmed + failed), from
# the last statistics line.
settled() {
	local c u f
	c=$(stats_of rdns-confirmed) u=$(stats_of rdns-unconfirmed)
	f=$(stats_of rdns-failed)
	if [[ $c =~ ^[0-9]+$ && $u =~ ^[0-9]+$ && $f =~ ^[0-9]+$ ]]; then
		echo $((c + u + f))
	else
		echo none
	fi
}

# settled_at_least N: fresh statistics show N lookups answered.
settled_at_least() {
	local s
	request_stats || return 1
	s=$(settled)
	[[ $s =~ ^[0-9]+$ ]] && [ "$s" -ge "$1" ]
}

# wait_settled N SECONDS: poll the statistics until N lookups are answered;
# WAITED is the time it took (ms).  Bounded by SECONDS, by the clock.
wait_settled() {
	wait_until "$2" settled_at_least "$1"
	local rc=$?
	WAITED=$WAITED_MS
	return $rc
}

# settles N SECONDS PASS FAIL: wait_settled N SECONDS, then pass "PASS in
# WAITED ms" or fail "FAIL within SECONDS s" with the rdns log lines.
settles() {
	if wait_settled "$1" "$2"; then
		pass "$3 in $WAITED ms"
	else
		fail "$4 within $2 s: $(rdns_log)"
	fi
}

# alive NAME: the parent and both children still run.
alive() {
	local c r
	c=$(child_with_title "$DAEMON_PID" capture)
	r=$(child_with_title "$DAEMON_PID" resolver)
	if kill -0 "$DAEMON_PID" 2>/dev/null && [ -n "$c" ] && [ -n "$r" ]; then
		pass "$1: parent and children alive"
	else
		fail "$1: daemon parent ${DAEMON_PID} capture '${c}' resolver '${r}': $(tail -3 "$DAEMON_LOG")"
	fi
}

# rdns_log: the daemon's rdns log lines, for failure messages.
rdns_log() {
	grep -E '(parent|resolver): (rdns|nameserver) ' "$DAEMON_LOG" | tail -6 |
	    tr '\n' '|'
	echo " $(grep 'statistics:' "$DAEMON_LOG" | tail -1 | grep -oE 'rdns-.*')"
}

# admitted SRC...: how many of SRC reach the real IPv4 MX; probes in parallel.
admitted() {
	local s pids=() n=0
	for s; do
		lab_probe -s "$s" "$LAB_REAL4" 25 >"$SCRATCH/adm.$s" 2>&1 &
		pids+=($!)
	done
	wait "${pids[@]}"
	for s; do
		grep -q '^connected' "$SCRATCH/adm.$s" && n=$((n + 1))
		rm -f "$SCRATCH/adm.$s"
	done
	echo $n
}

# dns_says NAME SERVER QNAME TYPE WANT: the DNS server's answer (as SERVER
# sees it) matches the extended regex WANT; checks the test's own setup.
dns_says() {
	local out
	out=$(lab_dns_query "$2" "$3" "$4")
	check "$1: DNS setup: $3 $4 -> $out" grep -qE -- "$5" <<<"$out"
}

ptr4() {	# ptr4 ADDR: its in-addr.arpa name
	local IFS=.
	set -- $1
	echo "$4.$3.$2.$1.in-addr.arpa"
}
ptr6() {	# ptr6 ADDR: its ip6.arpa name (the test's addresses: one "::")
	printf '%s\n' "$1" | awk -F: '{
	    hex = ""
	    for (i = 1; i <= NF; i++) {
		if ($i == "") {
			if (i == 1 || i == NF) { hex = hex "0000"; continue }
			for (j = 0; j < 8 - NF + 1; j++) hex = hex "0000"
			continue
		}
		f = sprintf("%4s", $i); gsub(/ /, "0", f); hex = hex f
	    }
	    out = ""
	    for (i = length(hex); i >= 1; i--) out = out substr(hex, i, 1) "."
	    print out "ip6.arpa" }'
}

# client_addrs FIRST LAST: CLIENT gets 203.0.113.FIRST-LAST as extra
# senders (SERVER's on-link 203.0.113.0/24 reaches them already).
client_addrs() {
	local k
	for ((k = $1; k <= $2; k++)); do
		echo "addr add 203.0.113.$k/32 dev $LAB_IF"
	done | ip -n "$LAB_CLIENT" -batch -
}

# fake_zone LABEL FILE: fakedns serving FILE on both DNS addresses; the
# script ends when it does not start.
fake_zone() {
	lab_dns_fake -z "$2" -T 1800 || { fail "$1: fakedns -z"; exit 1; }
}

# capture_start: tcpdump in DNS records every DNS packet on its link to
# SERVER, into $LAB_DIR/dns.pcap, until capture_stop.
capture_start() {
	CAPTURE_ERR=$LAB_DIR/tcpdump.err
	: >"$CAPTURE_ERR"
	lab_in_dns tcpdump -i "$LAB_DNS_IF" -n -U -s 0 -w "$LAB_DIR/dns.pcap" \
	    'port 53' 2>"$CAPTURE_ERR" &
	CAPTURE_PID=$!
	lab_track $CAPTURE_PID
	wait_until 30 grep -q 'listening on' "$CAPTURE_ERR"
}

# capture_stop: end the capture (SIGTERM: it flushes its file; a background
# job ignores SIGINT).
capture_stop() {
	kill -TERM "$CAPTURE_PID" 2>/dev/null
	wait "$CAPTURE_PID" 2>/dev/null
}

# captured_names: every name asked about in the capture, lower case, one
# per line, sorted, each once.
captured_names() {
	tcpdump -r "$LAB_DIR/dns.pcap" -n 2>/dev/null |
	    grep -oE '[A-Z0-9]+\? [^ ]+\. ' | awk '{ print tolower($2) }' |
	    sed 's/\.$//' | sort -u
}
