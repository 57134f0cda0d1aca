# The network lab for end-to-end tests and the demo; source it (bash, root).
#
#   SERVER (mail host)                         CLIENT (senders)
#   fake 192.0.2.10/24  2001:db8::10/64  veth  203.0.113.5/24  203.0.113.6/24
#   real 192.0.2.20/24  2001:db8::20/64 ------ 198.51.100.7/24
#                                              2001:db8:1::5/64 2001:db8:1::6/64
#                                              2001:db8:2::7/64
#
# Two private network namespaces joined by one veth pair, created directly
# inside the namespaces (nothing ever appears in the host's namespace); only
# documentation address ranges.  Firewall rules live inside SERVER and
# vanish with it.
#
#   lab_up			create the lab (tears down a previous one first)
#   lab_listen [SECONDS]	mxprobe listen on 0.0.0.0 and :: port 25 in SERVER
#   lab_unlisten		stop those listeners
#   lab_queue NUM [bypass]	queue new SYNs to port 25 for the fake and real
#				addresses (both families) to NFQUEUE NUM;
#				replaces the rules of an earlier lab_queue
#   lab_unqueue			remove them
#   lab_firewall NUM		what the daemon's BACKEND needs: lab_queue NUM for
#				nfqueue, nothing for nftables (the daemon
#				installs its own table)
#   lab_probe [-s SRC] [-t MS] [-o dstopts] ADDR PORT
#				mxprobe connect inside CLIENT: prints its one
#				line, returns its status (0 connected,
#				1 refused, 2 timeout, 3 error)
#   lab_in_server CMD...	run CMD in SERVER (lab_in_client: in CLIENT)
#   lab_iptables ARGS...	iptables / ip6tables in SERVER, the variant that
#   lab_ip6tables ARGS...	works here (iptables-nft by default), with -w
#   lab_track PID...		have lab_down kill these PIDs too
#   lab_down			kill the lab's processes, delete the namespaces
#
# A third namespace, DNS, for the reverse-DNS tests (after lab_up):
#
#   SERVER                                     DNS
#   192.0.2.52/32  2001:db8::52/128  veth      192.0.2.53/32  2001:db8::53/128
#   (vdns, host routes to .53 / ::53) ------ (vdns, host routes back)
#
# Host routes only, so that nothing clashes with SERVER's on-link
# 192.0.2.0/24 and 2001:db8::/64 towards CLIENT; SERVER's own /32 and /128
# on vdns are the source addresses of its queries (IPv6 neighbour discovery
# answers only for addresses on the asking link).
#
#   lab_dns_up			create DNS and the link (once per lab)
#   lab_dns_start ARGS...	dnsmasq in DNS on both addresses, port 53,
#				authoritative for nothing but what ARGS add
#				(--ptr-record, --host-record, --addn-hosts,
#				--cname, --local ...); returns once it answers
#   lab_dns_fake ARGS...	regress/tools/fakedns ARGS on both addresses,
#				port 53, instead; returns once both listen
#   lab_dns_stop		kill what lab_dns_start / lab_dns_fake started
#   lab_in_dns CMD...		run CMD in DNS
#   lab_dns_query SERVER NAME TYPE
#				mxprobe query from SERVER (prints its line)
#
# The senders' own resolver, for real MTAs in CLIENT (no DNS namespace
# needed):
#
#   lab_mx_dns DOMAIN v4|dual [nofake]
#				dnsmasq on CLIENT's loopback (127.0.0.1 and
#				::1, port 53) answering for DOMAIN: MX 5 the
#				fake addresses, MX 10 the real ones
#
# Cleanup, three layers, so that a failing test leaves nothing behind:
# - lab_up chains onto the EXIT trap already set (call lib.sh's scratch
#   BEFORE lab_up): on exit the earlier trap runs first (stop_daemon, so the
#   daemon inside SERVER is gone), then lab_down.  INT, TERM and HUP, when
#   not trapped already, become an exit so that the EXIT trap runs.
# - lab_down kills every process still inside the two namespaces (found
#   with `ip netns pids`, killed by PID), then deletes them.
# - a detached watchdog deletes the namespaces (and kills what is inside)
#   within a second of the shell that ran lab_up disappearing, even by
#   SIGKILL or after a later `trap ... EXIT` replaced ours, and at the latest
#   after LAB_MAX_SECONDS.
#
# Variables set (and exported): LAB_SERVER LAB_CLIENT (namespace names),
# LAB_IF (the veth's name on both sides), LAB_FAKE4 LAB_REAL4 LAB_FAKE6
# LAB_REAL6, LAB_SRC4A LAB_SRC4B (same /24) LAB_SRC4C (another /24),
# LAB_SRC6A LAB_SRC6B (same /64) LAB_SRC6C (another /64), LAB_MXPROBE,
# LAB_IPT4 LAB_IPT6 (the iptables commands in use), LAB_DIR (lab scratch).
# lab_dns_up adds LAB_DNS (namespace), LAB_DNS4 LAB_DNS6 (the DNS server's
# addresses), LAB_DNS_IF; lab_dns_start sets LAB_DNS_LOG (dnsmasq's
# --log-queries file), lab_dns_fake LAB_DNS_FAKE_LOG4 / LAB_DNS_FAKE_LOG6.

# Run rather than sourced (regress/run.sh runs every netns/*.sh): nothing to do.
[ "${BASH_SOURCE[0]}" = "$0" ] && exit 0

LAB_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# wait_until, when the test has not sourced lib.sh already.
declare -F wait_until >/dev/null || source "$LAB_TOP/regress/lib.sh"
export LAB_MXPROBE=${LAB_MXPROBE:-$LAB_TOP/regress/tools/mxprobe}
export LAB_FAKEDNS=${LAB_FAKEDNS:-$LAB_TOP/regress/tools/fakedns}
export LAB_DNSMASQ=${LAB_DNSMASQ:-/usr/sbin/dnsmasq}
LAB_MAX_SECONDS=${LAB_MAX_SECONDS:-3600}	# the watchdog's limit: a guard, not a budget
LAB_LISTEN_SECONDS=${LAB_LISTEN_SECONDS:-1800}	# a listener's lifetime: lab_down ends it

export LAB_IF=veth
export LAB_FAKE4=192.0.2.10 LAB_REAL4=192.0.2.20
export LAB_FAKE6=2001:db8::10 LAB_REAL6=2001:db8::20
export LAB_SRC4A=203.0.113.5 LAB_SRC4B=203.0.113.6 LAB_SRC4C=198.51.100.7
export LAB_SRC6A=2001:db8:1::5 LAB_SRC6B=2001:db8:1::6 LAB_SRC6C=2001:db8:2::7

LAB_SERVER='' LAB_CLIENT='' LAB_DIR='' LAB_WATCHDOG=''
LAB_DNS='' LAB_DNS_NAME=''	# LAB_DNS once lab_dns_up made it; the name early
LAB_DNS_PIDS=		# dnsmasq / fakedns, for lab_dns_stop
export LAB_DNS_IF=vdns LAB_DNS4=192.0.2.53 LAB_DNS6=2001:db8::53
LAB_DNS_SRV4=192.0.2.52 LAB_DNS_SRV6=2001:db8::52	# SERVER's end of vdns
LAB_PIDS=		# lab_track'ed and other PIDs for lab_down
LAB_LISTEN_PIDS=
LAB_QUEUE_RULES=()	# "iptables|ip6tables RULE..." added by lab_queue
LAB_PREV_EXIT_TRAP=
LAB_TRAPPED=

lab__log() { echo "lab: $*" >&2; }

# lab__kill_ns NAME: SIGKILL every process inside namespace NAME (by PID),
# then delete it.  No-op when it does not exist.
lab__kill_ns() {
	local p
	[ -e "/run/netns/$1" ] || return 0
	for p in $(ip netns pids "$1" 2>/dev/null); do
		kill -KILL "$p" 2>/dev/null
	done
	ip netns del "$1" 2>/dev/null
}

# lab__kill_pids PID...: SIGKILL each of our own children and reap it.
lab__kill_pids() {
	local p
	for p; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
}

# lab__ns_init NS: IPv6 addresses usable at once in NS (no duplicate
# address detection), and its loopback up.
lab__ns_init() {
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
	    net.ipv6.conf.default.accept_dad=0 \
	    net.ipv6.conf.all.dad_transmits=0 \
	    net.ipv6.conf.default.dad_transmits=0 >/dev/null &&
	ip -n "$1" link set lo up
}

# lab__no_tentative IF NS...: no IPv6 address on IF in any NS is still
# tentative (DAD off should see to that).
lab__no_tentative() {
	local ifname=$1 ns
	shift
	for ns; do
		if ip -n "$ns" -6 addr show dev "$ifname" | grep -q tentative; then
			lab__log "tentative IPv6 address on $ifname in $ns"
			return 1
		fi
	done
}

# lab__said FILE: the mxprobe listen or fakedns writing FILE has said
# "listening" or "error".
lab__said() {
	grep -qE '^(listening|error)' "$1"
}

# lab__wait_listening FILE: wait (at most 30 s) until FILE says
# "listening"; fails on "error" or timeout.
lab__wait_listening() {
	wait_until 30 lab__said "$1" && grep -q '^listening' "$1"
}

# lab__watchdog OWNER DIR NS...: runs detached; cleans up after OWNER: the
# namespaces (lab_up passes the name lab_dns_up would use, whether it ran
# or not) and the lab's directory.
lab__watchdog() {
	local owner=$1 dir=$2 end=$(( $(date +%s) + LAB_MAX_SECONDS )) ns
	shift 2
	while [ "$(date +%s)" -lt "$end" ]; do
		kill -0 "$owner" 2>/dev/null || break
		sleep 0.25
	done
	for ns; do
		lab__kill_ns "$ns"
	done
	case $dir in /tmp/mxallowd-lab.*) rm -rf "$dir" ;; esac
}

lab__exit() {
	if [ -n "$LAB_PREV_EXIT_TRAP" ]; then
		eval "$LAB_PREV_EXIT_TRAP"
	fi
	lab_down
}

# Chain onto the current EXIT trap, once per shell.
# shellcheck disable=SC2120	# set -- rewrites the positional parameters
lab__trap() {
	local prev sig
	[ "$LAB_TRAPPED" = "$BASHPID" ] && return 0
	prev=$(trap -p EXIT)
	LAB_PREV_EXIT_TRAP=
	if [ -n "$prev" ]; then
		eval "set -- $prev"
		LAB_PREV_EXIT_TRAP=$3
	fi
	trap lab__exit EXIT
	for sig in INT TERM HUP; do
		[ -n "$(trap -p $sig)" ] && continue
		case $sig in
		INT) trap 'exit 130' INT ;;
		TERM) trap 'exit 143' TERM ;;
		HUP) trap 'exit 129' HUP ;;
		esac
	done
	LAB_TRAPPED=$BASHPID
}

lab_in_server() { ip netns exec "$LAB_SERVER" "$@"; }
lab_in_client() { ip netns exec "$LAB_CLIENT" "$@"; }
lab_iptables() { ip netns exec "$LAB_SERVER" "$LAB_IPT4" -w 5 "$@"; }
lab_ip6tables() { ip netns exec "$LAB_SERVER" "$LAB_IPT6" -w 5 "$@"; }
lab_track() { LAB_PIDS="$LAB_PIDS $*"; }

# lab__pick_iptables: the default iptables (iptables-nft on Debian) when it
# takes an NFQUEUE rule in SERVER, else iptables-legacy.
lab__pick_iptables() {
	local v4 v6 probe="INPUT -p tcp --syn --dport 9 -d 192.0.2.1 -j NFQUEUE --queue-num 0 --queue-bypass"
	for v4 in iptables iptables-legacy; do
		v6=ip6${v4#ip}
		if ! command -v "$v4" >/dev/null || ! command -v "$v6" >/dev/null; then
			continue
		fi
		# shellcheck disable=SC2086
		if lab_in_server "$v4" -w 5 -A $probe 2>/dev/null &&
		    lab_in_server "$v4" -w 5 -D $probe 2>/dev/null; then
			export LAB_IPT4=$v4 LAB_IPT6=$v6
			return 0
		fi
	done
	lab__log "no iptables variant takes an NFQUEUE rule"
	return 1
}

lab__is_up() {
	ip -n "$1" -o link show "$2" 2>/dev/null | grep -q 'state UP'
}

# lab__wait_up NS: wait (at most 30 s) until the veth in NS is operationally up.
lab__wait_up() {
	wait_until 30 lab__is_up "$1" "$LAB_IF" && return 0
	lab__log "$LAB_IF in $1 not up after 30 s"
	return 1
}

lab_up() {
	local owner suffix=$BASHPID

	[ "$(id -u)" -eq 0 ] || { lab__log "needs root"; return 1; }
	[ -x "$LAB_MXPROBE" ] ||
	    { lab__log "$LAB_MXPROBE missing: make regress/tools/mxprobe"; return 1; }
	lab_down
	lab__trap
	export LAB_SERVER=mxs-$suffix LAB_CLIENT=mxc-$suffix
	LAB_DNS_NAME=mxd-$suffix
	LAB_DIR=$(mktemp -d /tmp/mxallowd-lab.XXXXXX) || return 1
	export LAB_DIR

	# A leftover of a killed run with the same PID: remove it.
	lab__kill_ns "$LAB_DNS_NAME"
	lab__kill_ns "$LAB_SERVER"
	lab__kill_ns "$LAB_CLIENT"
	ip netns add "$LAB_SERVER" || return 1
	ip netns add "$LAB_CLIENT" || { lab_down; return 1; }
	# Detached (a grandchild): a bare `wait` in a test does not wait for
	# it; in a process group of its own (set -m), so that a kill of the
	# test's whole group (a job stopped by its runner) leaves it to clean up.
	owner=$BASHPID
	LAB_WATCHDOG=$(set -m; lab__watchdog "$owner" "$LAB_DIR" "$LAB_DNS_NAME" \
	    "$LAB_SERVER" "$LAB_CLIENT" </dev/null >/dev/null 2>&1 & echo $!)

	{
		lab__ns_init "$LAB_SERVER" && lab__ns_init "$LAB_CLIENT" &&
		# Both ends are created in their namespaces: nothing in the host's.
		ip link add name "$LAB_IF" netns "$LAB_SERVER" type veth \
		    peer name "$LAB_IF" netns "$LAB_CLIENT" &&

		ip -n "$LAB_SERVER" addr add "$LAB_FAKE4/24" dev "$LAB_IF" &&
		ip -n "$LAB_SERVER" addr add "$LAB_REAL4/24" dev "$LAB_IF" &&
		ip -n "$LAB_SERVER" addr add "$LAB_FAKE6/64" dev "$LAB_IF" nodad &&
		ip -n "$LAB_SERVER" addr add "$LAB_REAL6/64" dev "$LAB_IF" nodad &&

		ip -n "$LAB_CLIENT" addr add "$LAB_SRC4A/24" dev "$LAB_IF" &&
		ip -n "$LAB_CLIENT" addr add "$LAB_SRC4B/24" dev "$LAB_IF" &&
		ip -n "$LAB_CLIENT" addr add "$LAB_SRC4C/24" dev "$LAB_IF" &&
		ip -n "$LAB_CLIENT" addr add "$LAB_SRC6A/64" dev "$LAB_IF" nodad &&
		ip -n "$LAB_CLIENT" addr add "$LAB_SRC6B/64" dev "$LAB_IF" nodad &&
		ip -n "$LAB_CLIENT" addr add "$LAB_SRC6C/64" dev "$LAB_IF" nodad &&

		ip -n "$LAB_SERVER" link set "$LAB_IF" up &&
		ip -n "$LAB_CLIENT" link set "$LAB_IF" up &&

		# On-link routes: each side reaches the other's ranges directly.
		ip -n "$LAB_SERVER" route add 203.0.113.0/24 dev "$LAB_IF" &&
		ip -n "$LAB_SERVER" route add 198.51.100.0/24 dev "$LAB_IF" &&
		ip -n "$LAB_SERVER" -6 route add 2001:db8:1::/64 dev "$LAB_IF" &&
		ip -n "$LAB_SERVER" -6 route add 2001:db8:2::/64 dev "$LAB_IF" &&
		ip -n "$LAB_CLIENT" route add 192.0.2.0/24 dev "$LAB_IF" &&
		ip -n "$LAB_CLIENT" -6 route add 2001:db8::/64 dev "$LAB_IF" &&

		lab__wait_up "$LAB_SERVER" && lab__wait_up "$LAB_CLIENT" &&
		lab__pick_iptables
	} || { lab__log "lab_up failed"; lab_down; return 1; }

	lab__no_tentative "$LAB_IF" "$LAB_SERVER" "$LAB_CLIENT" ||
	    { lab_down; return 1; }
}

lab_unlisten() {
	# shellcheck disable=SC2086	# a list of PIDs
	lab__kill_pids $LAB_LISTEN_PIDS
	LAB_LISTEN_PIDS=
}

# lab_listen [SECONDS]: listeners on the wildcard addresses, port 25, alive
# for SECONDS (default LAB_LISTEN_SECONDS); returns once both listen.
lab_listen() {
	local secs=${1:-$LAB_LISTEN_SECONDS} a out
	[ -n "$LAB_SERVER" ] || { lab__log "lab_listen: no lab"; return 1; }
	lab_unlisten
	for a in 0.0.0.0 ::; do
		out=$LAB_DIR/listen-${a//[.:]/_}.out
		: >"$out"
		ip netns exec "$LAB_SERVER" "$LAB_MXPROBE" listen -T "$secs" \
		    "$a" 25 >"$out" 2>&1 &
		LAB_LISTEN_PIDS="$LAB_LISTEN_PIDS $!"
		if ! lab__wait_listening "$out"; then
			lab__log "listener on $a: $(cat "$out")"
			return 1
		fi
	done
}

lab_unqueue() {
	local r
	for r in "${LAB_QUEUE_RULES[@]}"; do
		# shellcheck disable=SC2086
		lab_in_server ${r%%|*} -w 5 -D ${r#*|} 2>/dev/null
	done
	LAB_QUEUE_RULES=()
}

# lab_queue NUM [bypass]: new SYNs to port 25 for the fake and the real
# addresses go to NFQUEUE NUM.  Without bypass the kernel drops them while
# no process is bound to the queue; with it they pass unfiltered.
lab_queue() {
	local num=$1 mode=${2:-} extra='' r
	[ -n "$LAB_SERVER" ] || { lab__log "lab_queue: no lab"; return 1; }
	case $mode in
	"") ;;
	bypass) extra=--queue-bypass ;;
	*) lab__log "lab_queue: $mode: want bypass or nothing"; return 1 ;;
	esac
	lab_unqueue
	for r in "$LAB_IPT4|$LAB_FAKE4" "$LAB_IPT4|$LAB_REAL4" \
	    "$LAB_IPT6|$LAB_FAKE6" "$LAB_IPT6|$LAB_REAL6"; do
		r="${r%%|*}|INPUT -p tcp --syn --dport 25 -d ${r#*|} -j NFQUEUE --queue-num $num${extra:+ $extra}"
		# shellcheck disable=SC2086
		lab_in_server ${r%%|*} -w 5 -A ${r#*|} || return 1
		LAB_QUEUE_RULES+=("$r")
	done
}

lab_firewall() {
	[ "${BACKEND:-nfqueue}" = nftables ] && return 0
	lab_queue "$@"
}

lab_probe() {
	[ -n "$LAB_CLIENT" ] || { echo "error no lab"; return 3; }
	ip netns exec "$LAB_CLIENT" "$LAB_MXPROBE" connect "$@"
}

# lab_down: safe to call any time, any number of times.
lab_down() {
	lab_unlisten
	# shellcheck disable=SC2086	# a list of PIDs
	lab__kill_pids $LAB_PIDS
	LAB_PIDS=
	lab_dns_stop
	lab_redis_stop
	lab__site_down
	LAB_QUEUE_RULES=()
	[ -n "$LAB_DNS_NAME" ] && lab__kill_ns "$LAB_DNS_NAME"
	LAB_DNS='' LAB_DNS_NAME=''
	[ -n "$LAB_SERVER" ] && lab__kill_ns "$LAB_SERVER"
	[ -n "$LAB_CLIENT" ] && lab__kill_ns "$LAB_CLIENT"
	if [ -n "$LAB_WATCHDOG" ]; then
		kill "$LAB_WATCHDOG" 2>/dev/null
		LAB_WATCHDOG=
	fi
	if [ -n "$LAB_DIR" ]; then
		rm -rf "$LAB_DIR"
		LAB_DIR=
	fi
	LAB_SERVER='' LAB_CLIENT=''
	return 0
}

# --- the DNS namespace -----------------------------------------------------

lab_in_dns() { ip netns exec "$LAB_DNS" "$@"; }

# lab_dns_query SERVER NAME TYPE: one query from SERVER (the daemon's view);
# prints mxprobe's line ("answer RCODE tc=N COUNT TYPE=VALUE ..." or
# "timeout MS" / "error ..."), returns its status.
lab_dns_query() {
	[ -n "$LAB_SERVER" ] || { echo "error no lab"; return 3; }
	ip netns exec "$LAB_SERVER" "$LAB_MXPROBE" query -t 500 "$1" 53 "$2" "$3"
}

# lab_mx_dns DOMAIN STACK [nofake]: the resolver of the MTAs in CLIENT
# (their resolv.conf says nameserver 127.0.0.1), dnsmasq on CLIENT's
# loopback, authoritative for DOMAIN alone: MX 5 mx0.DOMAIN (the fake
# addresses), MX 10 mx1.DOMAIN (the real ones); STACK v4 gives both hosts an
# A record only, dual an A and an AAAA.  nofake leaves MX 5 out: delivery
# straight to the real MX.  Replaces a running dnsmasq of lab_dns_start.
lab_mx_dns() {
	local dom=$1 fake real args=()
	case $2 in
	v4) fake=$LAB_FAKE4 real=$LAB_REAL4 ;;
	dual) fake=$LAB_FAKE4,$LAB_FAKE6 real=$LAB_REAL4,$LAB_REAL6 ;;
	*) lab__log "lab_mx_dns: $2: want v4 or dual"; return 1 ;;
	esac
	case ${3:-} in
	"") args=(--mx-host="$dom,mx0.$dom,5" --host-record="mx0.$dom,$fake") ;;
	nofake) ;;
	*) lab__log "lab_mx_dns: $3: want nofake or nothing"; return 1 ;;
	esac
	# --local: names of DOMAIN without a record get an answer (NODATA,
	# NXDOMAIN) at once, never a forward to nowhere.
	args+=(--mx-host="$dom,mx1.$dom,10" --host-record="mx1.$dom,$real"
	    --local="/$dom/")
	[ -n "$LAB_CLIENT" ] || { lab__log "lab_mx_dns: no lab"; return 1; }
	LAB_DNS=$LAB_CLIENT LAB_SERVER=$LAB_CLIENT LAB_DNS4=127.0.0.1 \
	    LAB_DNS6=::1 lab_dns_start "${args[@]}"
}

# lab_dns_up: the DNS namespace and its link to SERVER; see the top.
lab_dns_up() {
	if [ -z "$LAB_SERVER" ] || [ -z "$LAB_DNS_NAME" ]; then
		lab__log "lab_dns_up: no lab (lab_up first)"
		return 1
	fi
	[ -n "$LAB_DNS" ] && return 0
	lab__kill_ns "$LAB_DNS_NAME"
	ip netns add "$LAB_DNS_NAME" || return 1
	export LAB_DNS=$LAB_DNS_NAME
	{
		lab__ns_init "$LAB_DNS" &&
		ip link add name "$LAB_DNS_IF" netns "$LAB_SERVER" type veth \
		    peer name "$LAB_DNS_IF" netns "$LAB_DNS" &&

		ip -n "$LAB_SERVER" addr add "$LAB_DNS_SRV4/32" dev "$LAB_DNS_IF" &&
		ip -n "$LAB_SERVER" addr add "$LAB_DNS_SRV6/128" dev "$LAB_DNS_IF" nodad &&
		ip -n "$LAB_DNS" addr add "$LAB_DNS4/32" dev "$LAB_DNS_IF" &&
		ip -n "$LAB_DNS" addr add "$LAB_DNS6/128" dev "$LAB_DNS_IF" nodad &&
		ip -n "$LAB_SERVER" link set "$LAB_DNS_IF" up &&
		ip -n "$LAB_DNS" link set "$LAB_DNS_IF" up &&

		# More specific than SERVER's on-link /24 and /64 towards CLIENT.
		ip -n "$LAB_SERVER" route add "$LAB_DNS4/32" dev "$LAB_DNS_IF" \
		    src "$LAB_DNS_SRV4" &&
		ip -n "$LAB_SERVER" -6 route add "$LAB_DNS6/128" dev "$LAB_DNS_IF" \
		    src "$LAB_DNS_SRV6" &&
		ip -n "$LAB_DNS" route add "$LAB_DNS_SRV4/32" dev "$LAB_DNS_IF" &&
		ip -n "$LAB_DNS" -6 route add "$LAB_DNS_SRV6/128" dev "$LAB_DNS_IF" &&

		LAB_IF=$LAB_DNS_IF lab__wait_up "$LAB_SERVER" &&
		LAB_IF=$LAB_DNS_IF lab__wait_up "$LAB_DNS"
	} || { lab__log "lab_dns_up failed"; lab__kill_ns "$LAB_DNS"; LAB_DNS=; return 1; }
	lab__no_tentative "$LAB_DNS_IF" "$LAB_SERVER" "$LAB_DNS" ||
	    { lab__kill_ns "$LAB_DNS"; LAB_DNS=; return 1; }
}

# lab_dns_stop: kill (by PID) the servers lab_dns_start / lab_dns_fake ran.
lab_dns_stop() {
	# shellcheck disable=SC2086	# a list of PIDs
	lab__kill_pids $LAB_DNS_PIDS
	LAB_DNS_PIDS=
	return 0
}

# lab__dns_answers ADDR: the DNS server on ADDR answers a query (any answer).
lab__dns_answers() {
	local out
	out=$(ip netns exec "$LAB_SERVER" "$LAB_MXPROBE" query -t 500 "$1" 53 \
	    lab.invalid A)
	[ "${out%% *}" = answer ]
}

# lab__dns_wait_answer: both addresses answer a query, within 30 s.
lab__dns_wait_answer() {
	local a
	for a in "$LAB_DNS4" "$LAB_DNS6"; do
		if ! wait_until 30 lab__dns_answers "$a"; then
			lab__log "DNS server on $a does not answer"
			return 1
		fi
	done
}

# lab_dns_start ARGS...: dnsmasq with ARGS in DNS (replaces a running one).
lab_dns_start() {
	local err
	[ -n "$LAB_DNS" ] || { lab__log "lab_dns_start: no DNS (lab_dns_up)"; return 1; }
	[ -x "$LAB_DNSMASQ" ] ||
	    { lab__log "$LAB_DNSMASQ missing: regress/deps.sh (dnsmasq-base)"; return 1; }
	lab_dns_stop
	export LAB_DNS_LOG=$LAB_DIR/dnsmasq.log
	err=$LAB_DIR/dnsmasq.err
	: >"$LAB_DNS_LOG"
	: >"$err"
	# --no-daemon: no fork, no pid file, no change of user (so it can write
	# its log under LAB_DIR).  --conf-file: not /etc/dnsmasq.conf.
	ip netns exec "$LAB_DNS" "$LAB_DNSMASQ" --no-daemon --conf-file=/dev/null \
	    --no-resolv --no-hosts --no-poll --bind-interfaces \
	    --listen-address="$LAB_DNS4" --listen-address="$LAB_DNS6" \
	    --port=53 --cache-size=0 --log-queries=extra \
	    --log-facility="$LAB_DNS_LOG" "$@" </dev/null >/dev/null 2>"$err" &
	LAB_DNS_PIDS=$!
	if ! lab__dns_wait_answer; then
		lab__log "dnsmasq: $(tail -n 3 "$err" "$LAB_DNS_LOG")"
		lab_dns_stop
		return 1
	fi
}

# lab_dns_fake ARGS...: fakedns ARGS on both addresses (replaces a running
# server); returns once both listen.  Its lines go to LAB_DNS_FAKE_LOG4/6.
lab_dns_fake() {
	local a out
	[ -n "$LAB_DNS" ] || { lab__log "lab_dns_fake: no DNS (lab_dns_up)"; return 1; }
	[ -x "$LAB_FAKEDNS" ] ||
	    { lab__log "$LAB_FAKEDNS missing: make regress/tools/fakedns"; return 1; }
	lab_dns_stop
	for a in 4 6; do
		out=$LAB_DIR/fakedns$a.log
		eval "export LAB_DNS_FAKE_LOG$a=\$out"
		: >"$out"
		eval "a=\$LAB_DNS$a"
		ip netns exec "$LAB_DNS" "$LAB_FAKEDNS" "$@" "$a" 53 \
		    </dev/null >"$out" 2>&1 &
		LAB_DNS_PIDS="$LAB_DNS_PIDS $!"
		if ! lab__wait_listening "$out"; then
			lab__log "fakedns on $a: $(cat "$out")"
			lab_dns_stop
			return 1
		fi
	done
}

# --- a site of several hosts ------------------------------------------------
#
# For the shared whitelist (instead of lab_up): CLIENT, and one namespace per
# host, all on one bridge that lives in a namespace of its own (SWITCH):
#
#   CLIENT  203.0.113.5 .6 198.51.100.7 2001:db8:1::5 ::6 2001:db8:2::7
#   A       192.0.2.10/24 2001:db8::10/64      (say: the fake MX)
#   B       192.0.2.20/24 2001:db8::20/64      (say: a real MX)
#   ...     whatever lab_site_up is given
#
# Every host has on-link routes to the senders' ranges and CLIENT to
# 192.0.2.0/24 and 2001:db8::/64, so that any host reaches any other and
# every sender reaches every host.
#
#   lab_site_up NAME=ADDR/LEN[,ADDR/LEN...]...
#				create the site (tears down a previous lab);
#				exports LAB_NS_<NAME>, each host's namespace
#   lab_in NAME CMD...		run CMD in host NAME
#   lab_site_queue NAME NUM ADDR...
#				in NAME, new SYNs to port 25 for each ADDR go
#				to NFQUEUE NUM (the rules go with the host)
#   lab_site_listen NAME [SECONDS]
#				mxprobe listen on 0.0.0.0 and :: port 25 in NAME
#   lab_site_unlisten NAME	stop them (the host's mail server goes down)
#
# A Redis server on one of the hosts:
#
#   lab_redis_start NAME "ADDR..." CONFLINE...
#				redis-server in NAME, on the ADDRs (redis-cli
#				uses the first) port 6379, its own
#				configuration in LAB_DIR (no persistence, its
#				directory in LAB_DIR, the default user's
#				password LAB_REDIS_ADMIN) plus the CONFLINEs;
#				returns once it answers
#   lab_redis_stop		kill it (by PID)
#   lab_redis_cli ARGS...	redis-cli, as the default user, from NAME
#
# The site's namespaces go with lab_down and with the watchdog.

LAB_SITE=()		# NAME=NAMESPACE of each host
LAB_SWITCH=''
LAB_SITE_LISTEN=()	# NAME=PID... of lab_site_listen
LAB_REDIS_PID='' LAB_REDIS_NS='' LAB_REDIS_ADDR=''
export LAB_REDIS_ADMIN=admin-secret-$$
LAB_REDIS_SERVER=${LAB_REDIS_SERVER:-redis-server}
LAB_REDIS_CLI=${LAB_REDIS_CLI:-redis-cli}

lab__site_down() {
	local h
	for h in "${LAB_SITE_LISTEN[@]}"; do
		# shellcheck disable=SC2086	# a list of PIDs
		lab__kill_pids ${h#*=}
	done
	LAB_SITE_LISTEN=()
	for h in "${LAB_SITE[@]}"; do
		lab__kill_ns "${h#*=}"
	done
	LAB_SITE=()
	[ -n "$LAB_SWITCH" ] && lab__kill_ns "$LAB_SWITCH"
	LAB_SWITCH=''
}

# lab__site_ns NAME: the namespace of host NAME.
lab__site_ns() {
	local h
	for h in "${LAB_SITE[@]}"; do
		[ "${h%%=*}" = "$1" ] && { echo "${h#*=}"; return 0; }
	done
	lab__log "no host $1 in the site"
	return 1
}

lab_in() {
	local ns
	ns=$(lab__site_ns "$1") || return 1
	shift
	ip netns exec "$ns" "$@"
}

# lab__site_link NS PORT: NS's veth, on the switch as PORT.
lab__site_link() {
	ip link add name "$LAB_IF" netns "$1" type veth \
	    peer name "$2" netns "$LAB_SWITCH" &&
	ip -n "$LAB_SWITCH" link set "$2" master br0 &&
	ip -n "$LAB_SWITCH" link set "$2" up &&
	ip -n "$1" link set "$LAB_IF" up
}

# lab__site_host NS ADDRS: the addresses (comma-separated) and the routes
# to the senders.
lab__site_host() {
	local a
	for a in ${2//,/ }; do
		case $a in
		*:*) ip -n "$1" addr add "$a" dev "$LAB_IF" nodad || return 1 ;;
		*) ip -n "$1" addr add "$a" dev "$LAB_IF" || return 1 ;;
		esac
	done
	ip -n "$1" route add 203.0.113.0/24 dev "$LAB_IF" &&
	ip -n "$1" route add 198.51.100.0/24 dev "$LAB_IF" &&
	ip -n "$1" -6 route add 2001:db8:1::/64 dev "$LAB_IF" &&
	ip -n "$1" -6 route add 2001:db8:2::/64 dev "$LAB_IF"
}

lab__site_client() {
	local a
	for a in "$LAB_SRC4A/24" "$LAB_SRC4B/24" "$LAB_SRC4C/24"; do
		ip -n "$LAB_CLIENT" addr add "$a" dev "$LAB_IF" || return 1
	done
	for a in "$LAB_SRC6A/64" "$LAB_SRC6B/64" "$LAB_SRC6C/64"; do
		ip -n "$LAB_CLIENT" addr add "$a" dev "$LAB_IF" nodad || return 1
	done
	ip -n "$LAB_CLIENT" route add 192.0.2.0/24 dev "$LAB_IF" &&
	ip -n "$LAB_CLIENT" -6 route add 2001:db8::/64 dev "$LAB_IF"
}

# lab__site_build SPEC...: the switch, CLIENT's and each host's link.
lab__site_build() {
	local spec ns i=0
	ip -n "$LAB_SWITCH" link add br0 type bridge mcast_snooping 0 &&
	ip -n "$LAB_SWITCH" link set br0 up &&
	lab__site_link "$LAB_CLIENT" p0 && lab__site_client || return 1
	for spec; do
		i=$((i + 1))
		ns=$(lab__site_ns "${spec%%=*}") &&
		lab__site_link "$ns" "p$i" &&
		lab__site_host "$ns" "${spec#*=}" || return 1
	done
}

lab_site_up() {
	local owner suffix=$BASHPID spec name ns all=()

	[ "$(id -u)" -eq 0 ] || { lab__log "needs root"; return 1; }
	[ -x "$LAB_MXPROBE" ] ||
	    { lab__log "$LAB_MXPROBE missing: make regress/tools/mxprobe"; return 1; }
	lab_down
	lab__trap
	export LAB_CLIENT=mxc-$suffix
	LAB_SWITCH=mxw-$suffix
	LAB_DIR=$(mktemp -d /tmp/mxallowd-lab.XXXXXX) || return 1
	export LAB_DIR
	for spec; do
		name=${spec%%=*}
		LAB_SITE+=("$name=mx$name-$suffix")
		all+=("mx$name-$suffix")
		export "LAB_NS_$name=mx$name-$suffix"
	done
	all+=("$LAB_CLIENT" "$LAB_SWITCH")
	for ns in "${all[@]}"; do
		lab__kill_ns "$ns"
	done
	owner=$BASHPID
	LAB_WATCHDOG=$(set -m; lab__watchdog "$owner" "$LAB_DIR" "${all[@]}" \
	    </dev/null >/dev/null 2>&1 & echo $!)
	for ns in "${all[@]}"; do
		ip netns add "$ns" && lab__ns_init "$ns" ||
		    { lab__log "lab_site_up: $ns"; lab_down; return 1; }
	done
	lab__site_build "$@" ||
	    { lab__log "lab_site_up failed"; lab_down; return 1; }
	for ns in "${all[@]}"; do
		[ "$ns" = "$LAB_SWITCH" ] && continue
		lab__wait_up "$ns" || { lab_down; return 1; }
		lab__no_tentative "$LAB_IF" "$ns" || { lab_down; return 1; }
	done
	LAB_SERVER=${all[0]} lab__pick_iptables || { lab_down; return 1; }
}

lab_site_queue() {
	local name=$1 num=$2 ns a ipt
	ns=$(lab__site_ns "$name") || return 1
	shift 2
	for a; do
		case $a in *:*) ipt=$LAB_IPT6 ;; *) ipt=$LAB_IPT4 ;; esac
		ip netns exec "$ns" "$ipt" -w 5 -A INPUT -p tcp --syn --dport 25 \
		    -d "$a" -j NFQUEUE --queue-num "$num" || return 1
	done
}

lab_site_unlisten() {
	local i h=()
	for i in "${LAB_SITE_LISTEN[@]}"; do
		if [ "${i%%=*}" = "$1" ]; then
			# shellcheck disable=SC2086	# a list of PIDs
			lab__kill_pids ${i#*=}
		else
			h+=("$i")
		fi
	done
	LAB_SITE_LISTEN=("${h[@]}")
}

lab_site_listen() {
	local name=$1 secs=${2:-$LAB_LISTEN_SECONDS} ns a out pids=''
	ns=$(lab__site_ns "$name") || return 1
	lab_site_unlisten "$name"
	for a in 0.0.0.0 ::; do
		out=$LAB_DIR/listen-$name-${a//[.:]/_}.out
		: >"$out"
		ip netns exec "$ns" "$LAB_MXPROBE" listen -T "$secs" "$a" 25 \
		    >"$out" 2>&1 &
		pids="$pids $!"
		if ! lab__wait_listening "$out"; then
			lab__log "listener on $a in $name: $(cat "$out")"
			LAB_SITE_LISTEN+=("$name=$pids")
			return 1
		fi
	done
	LAB_SITE_LISTEN+=("$name=$pids")
}

lab_redis_cli() {
	[ -n "$LAB_REDIS_NS" ] || { lab__log "lab_redis_cli: no Redis"; return 1; }
	ip netns exec "$LAB_REDIS_NS" "$LAB_REDIS_CLI" -h "$LAB_REDIS_ADDR" \
	    --no-auth-warning -a "$LAB_REDIS_ADMIN" "$@"
}

lab_redis_stop() {
	[ -n "$LAB_REDIS_PID" ] && lab__kill_pids "$LAB_REDIS_PID"
	LAB_REDIS_PID=''
	return 0
}

lab_redis_start() {
	local name=$1 addrs=$2 conf end
	shift 2
	command -v "$LAB_REDIS_SERVER" >/dev/null ||
	    { lab__log "$LAB_REDIS_SERVER missing: regress/deps.sh"; return 1; }
	lab_redis_stop
	LAB_REDIS_NS=$(lab__site_ns "$name") || return 1
	LAB_REDIS_ADDR=${addrs%% *}
	mkdir -p "$LAB_DIR/redis"
	conf=$LAB_DIR/redis/redis.conf
	{
		echo "bind $addrs"
		echo "port 6379"
		echo "daemonize no"
		echo "dir $LAB_DIR/redis"
		echo "save \"\""
		echo "appendonly no"
		echo "logfile \"\""
		echo "requirepass $LAB_REDIS_ADMIN"
		printf '%s\n' "$@"
	} >"$conf"
	ip netns exec "$LAB_REDIS_NS" "$LAB_REDIS_SERVER" "$conf" \
	    </dev/null >>"$LAB_DIR/redis/redis.log" 2>&1 &
	LAB_REDIS_PID=$!
	end=$((SECONDS + 30))
	while ((SECONDS < end)); do
		[ "$(lab_redis_cli ping 2>/dev/null)" = PONG ] && return 0
		kill -0 "$LAB_REDIS_PID" 2>/dev/null || break
		sleep 0.1
	done
	lab__log "redis-server does not answer: $(tail -5 "$LAB_DIR/redis/redis.log")"
	lab_redis_stop
	return 1
}
