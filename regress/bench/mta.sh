#!/usr/bin/env bash
# What real senders see ("make bench-mta", root; not part of "make check":
# the drop runs take minutes each).  Postfix, Exim and OpenSMTPD, Debian's
# packages, deliver one message at a time from CLIENT to a domain whose MX 5
# is the fake address and MX 10 the real one, served by SERVER
# (regress/netns/lab.sh); regress/tools/smtpsink takes the message on the
# real addresses.  Each delivery is timed from the injection (the MTA's
# sendmail) to the sink's end of DATA, in four setups:
#
#   direct     DNS names the real MX alone: delivery as without nolisting
#              (the baseline the figures are given against)
#   nolisting  MX 5 and MX 10, no mxallowd: nothing listens on the fake
#              address, SERVER's kernel answers with a reset
#   reset      mxallowd (backend nftables) with fake-action reset
#   drop       mxallowd with fake-action drop
#
# each with the domain's hosts on IPv4 only (v4) and on IPv4 and IPv6
# (dual).  MTA_RUNS (5) deliveries for each of the first three, MTA_DROP_RUNS
# (1) for drop, which waits for the MTA's connect timeout once per fake
# address.  A packet capture in CLIENT (tcpdump) gives each delivery's
# timeline: the first SYN to a fake address, the reset, the first SYN to a
# real address and how many SYNs it took.
#
# The MTAs are not installed: Debian lets one mail-transport-agent in at a
# time and the host's own mail setup is not ours to change.  Their packages
# are fetched with apt-get download and unpacked under the scratch
# directory; each MTA runs in CLIENT inside a mount namespace of its own
# (unshare -m) in which its files are laid over the host's by read-only
# overlays (/etc, /usr/sbin, /usr/lib, /usr/libexec, /var/lib) and its
# spool (/var/spool) and /run are directories of the scratch area: its
# configuration, its users (passwd and group: the host's plus the MTA's),
# resolv.conf (nameserver 127.0.0.1: lab_mx_dns) and mailname.  The
# libraries they need that the host lacks are installed with apt-get when
# apt-get -s shows that nothing would be removed.  Every MTA starts afresh
# for each delivery (a new spool: no retry or host-status memory carried
# from one delivery to the next) and every process it left is killed by
# PID after it.
#
# Knobs: MTA_RUNS, MTA_DROP_RUNS, MTA_LIST ("postfix exim opensmtpd"),
# MTA_STACKS ("v4 dual"), MTA_SETUPS ("direct nolisting reset drop"),
# BENCH_RESULTS (regress/bench/results); MTA_REPORT_ONLY=1 writes the
# report again from an earlier run's raw file.  Writes RESULTS/mta.md, mta-raw.txt
# (a line per delivery), mta-capture.txt (the captures) and the block of
# BENCHMARKS.md between "<!-- mta begin -->" and "<!-- mta end -->".
source "$(dirname "$0")/../lib.sh"
source "$REGRESS_DIR/netns/lab.sh"
source "$REGRESS_DIR/bench/benchlib.sh"

RUNS=${MTA_RUNS:-5}
DROP_RUNS=${MTA_DROP_RUNS:-1}
MTAS=${MTA_LIST:-postfix exim opensmtpd}
STACKS=${MTA_STACKS:-v4 dual}
SETUPS=${MTA_SETUPS:-direct nolisting reset drop}
SINK=$TOP/regress/tools/smtpsink
DOMAIN=lab.test
SENDER_NAME=sender.lab.test
WAIT_SECONDS=120	# a delivery's ceiling, but for drop:
WAIT_DROP_SECONDS=590	# two connect timeouts of the kernel's (2 x 127 s) and more
export BACKEND=nftables	# e2e.sh's daemon_up: the Linux default
declare -A PKGS=([postfix]="postfix" [exim]="exim4-base exim4-daemon-light"
    [opensmtpd]="opensmtpd")
# What their postinst scripts set with dpkg-statoverride: group mode path ...
declare -A MODES=([postfix]="postdrop 2555 usr/sbin/postdrop postdrop 2555 usr/sbin/postqueue"
    [opensmtpd]="opensmtpq 2755 usr/sbin/smtpctl")
declare -A TITLE=([postfix]=Postfix [exim]=Exim [opensmtpd]=OpenSMTPD)
# The users and groups each MTA runs as (Debian's names), user:group ...;
# a bare :group is a group alone.
declare -A ACCOUNTS=([postfix]="postfix:postfix :postdrop"
    [exim]="Debian-exim:Debian-exim"
    [opensmtpd]="opensmtpd:opensmtpd opensmtpq:opensmtpq")

say() { echo "bench-mta: $*" >&2; }
die() { say "$*"; exit 1; }

# --- the MTAs' files ----------------------------------------------------------

# mta_libs NAME: install the libraries NAME's packages depend on that the
# host lacks, when apt-get -s shows that nothing would be removed.
mta_libs() {
	local d=$MTA_DIR/$1 want='' p
	for p in $(for deb in "$d"/debs/*.deb; do
	    dpkg-deb -f "$deb" Depends; done |
	    grep -oE '(^|[ ,|])(lib[a-z0-9.+-]+|zlib1g)' | tr -d ' ,|' | sort -u); do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q 'ok installed' || want="$want $p"
	done
	[ -n "$want" ] || return 0
	# shellcheck disable=SC2086
	if apt-get -s install --no-install-recommends $want | grep -q '^Remv '; then
		die "$1: installing$want would remove packages: not done"
	fi
	say "$1: installing the libraries$want"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends $want >/dev/null || die "$1: apt-get install$want"
}

# mta_fetch NAME: download and unpack NAME's packages into MTA_DIR/NAME/root.
mta_fetch() {
	local d=$MTA_DIR/$1 deb
	mkdir -p "$d/debs" "$d/root"
	# shellcheck disable=SC2086	# a list of packages
	(cd "$d/debs" && apt-get download ${PKGS[$1]} >/dev/null 2>"$d/download.err") ||
	    { apt-get update -qq && (cd "$d/debs" &&
	    apt-get download ${PKGS[$1]} >/dev/null 2>"$d/download.err"); } ||
	    die "$1: apt-get download ${PKGS[$1]}: $(grep -v '^W:' "$d/download.err")"
	for deb in "$d"/debs/*.deb; do
		dpkg-deb -x "$deb" "$d/root" || die "$1: dpkg-deb -x $deb"
	done
	mta_libs "$1"
	say "$1: $(cd "$d/debs" && echo *.deb)"
}

# free_id DB FROM: the first id from FROM down that getent DB does not know
# and that MTA_IDS_TAKEN does not hold already.
free_id() {
	local id=$2
	while getent "$1" "$id" >/dev/null || [[ " $MTA_IDS_TAKEN " == *" $id "* ]]; do
		id=$((id - 1))
	done
	MTA_IDS_TAKEN="$MTA_IDS_TAKEN $id"
	echo "$id"
}

# mta_accounts NAME: ROOT/etc/passwd and group, the host's with NAME's
# users and groups added where the host has none; their ids are free ones.
mta_accounts() {
	local r=$MTA_DIR/$1/root a user group gid uid
	cp /etc/passwd "$r/etc/passwd" && cp /etc/group "$r/etc/group" || return 1
	for a in ${ACCOUNTS[$1]}; do
		user=${a%%:*} group=${a#*:}
		if ! gid=$(getent group "$group" | cut -d: -f3) ||
		    ! grep -q "^$group:" "$r/etc/group"; then
			gid=$(free_id group 64999)
			echo "$group:x:$gid:" >>"$r/etc/group"
		fi
		[ -n "$user" ] || continue
		getent passwd "$user" >/dev/null && continue
		uid=$(free_id passwd 64999)
		echo "$user:x:$uid:$gid::/nonexistent:/usr/sbin/nologin" >>"$r/etc/passwd"
	done
}

# mta_modes NAME: the group and mode of the files NAME's postinst sets
# (MODES), on the unpacked copies.
mta_modes() {
	local name=$1 r=$MTA_DIR/$1/root
	# shellcheck disable=SC2086
	set -- ${MODES[$name]:-}
	while [ $# -ge 3 ]; do
		chgrp "$(gid_in "$name" "$1")" "$r/$3" && chmod "$2" "$r/$3" ||
		    return 1
		shift 3
	done
}

# uid_in NAME USER, gid_in NAME GROUP: the id as NAME's namespace sees it.
uid_in() { awk -F: -v u="$2" '$1 == u { print $3 }' "$MTA_DIR/$1/root/etc/passwd"; }
gid_in() { awk -F: -v g="$2" '$1 == g { print $3 }' "$MTA_DIR/$1/root/etc/group"; }

# --- the configurations ---------------------------------------------------------

conf_postfix() {
	local r=$1
	cat >"$r/etc/postfix/main.cf" <<CONF
# bench-mta: a sender, nothing more; Postfix's defaults otherwise
# (smtp_connect_timeout 30s among them).
compatibility_level = 3.6
myhostname = $SENDER_NAME
mydestination =
alias_maps =
alias_database =
local_recipient_maps =
inet_interfaces = loopback-only
inet_protocols = all
smtp_tls_security_level = none
data_directory = /var/spool/postfix-data
maillog_file = /var/spool/maillog
biff = no
CONF
	postfix_master_cf >"$r/etc/postfix/master.cf"
}

conf_exim() {
	local r=$1
	mkdir -p "$r/etc/exim4"
	cat >"$r/etc/exim4/exim4.conf" <<CONF
# bench-mta: a sender, nothing more; Exim's defaults otherwise
# (connect_timeout 5m among them: the kernel gives up first).
primary_hostname = $SENDER_NAME
spool_directory = /var/spool/exim4
log_file_path = /var/spool/exim4/log/%slog
log_selector = +millisec
tls_advertise_hosts =
begin routers
remote:
  driver = dnslookup
  domains = $DOMAIN
  transport = remote_smtp
  no_more
begin transports
remote_smtp:
  driver = smtp
  hosts_avoid_tls = *
begin retry
*  *  F,1h,10m
CONF
}

conf_opensmtpd() {
	local r=$1
	cat >"$r/etc/smtpd.conf" <<CONF
# bench-mta: a sender, nothing more; no listener (smtpctl enqueues).
action "relay" relay helo $SENDER_NAME
match from local for any action "relay"
CONF
}

# mta_prepare NAME: fetch, accounts, configuration, resolver.
mta_prepare() {
	local r=$MTA_DIR/$1/root
	mta_fetch "$1"
	mta_accounts "$1" && mta_modes "$1" || die "$1: accounts"
	echo "nameserver 127.0.0.1" >"$r/etc/resolv.conf"
	echo "$SENDER_NAME" >"$r/etc/mailname"
	"conf_$1" "$r"
}

# --- running them -----------------------------------------------------------------

# The mount namespace's set-up, run by sh inside it: ROOT's directories
# over the host's, read-only; ROOT/var/spool and ROOT/run writable.
# shellcheck disable=SC2016	# expanded by that sh
MTA_MOUNTS='r=$1; shift
for d in etc usr/sbin usr/lib usr/libexec var/lib; do
	[ -d "$r/$d" ] || continue
	mount -t overlay bench-mta -o "lowerdir=$r/$d:/$d" "/$d" || exit 111
done
mount --bind "$r/var/spool" /var/spool && mount --bind "$r/run" /run || exit 111
exec "$@"'

# mta_ns NAME: MTA_NS, the command line that runs what follows it in
# CLIENT, in a new mount namespace laid out for NAME (MTA_MOUNTS).  ip netns
# exec, unshare and sh each exec: started with &, $! is the command's PID.
mta_ns() {
	MTA_NS=(ip netns exec "$LAB_CLIENT" unshare -m --propagation private
	    sh -c "$MTA_MOUNTS" bench-mta "$MTA_DIR/$1/root")
}

# mta_exec NAME CMD...: CMD there, in the foreground.
mta_exec() {
	mta_ns "$1"
	shift
	"${MTA_NS[@]}" "$@"
}

# mta_fresh NAME: an empty spool and /run for the next delivery.
mta_fresh() {
	local r=$MTA_DIR/$1/root
	rm -rf "$r/var/spool" "$r/run"
	mkdir -p "$r/var/spool" "$r/run"
	case $1 in
	postfix)
		# Its subdirectories and their owners: postfix check.
		mkdir -p "$r/var/spool/postfix" ;;
	exim)
		install -d -o "$(uid_in exim Debian-exim)" \
		    -g "$(gid_in exim Debian-exim)" -m 750 \
		    "$r/var/spool/exim4" "$r/var/spool/exim4/log" ;;
	opensmtpd)
		mkdir -p "$r/var/lib/opensmtpd/empty" ;;
	esac
}

mta_sock_ready() { [ -S "$1" ]; }

# mta_start NAME: NAME's daemon (Postfix, OpenSMTPD) in the background,
# MTA_PID its PID; returns once it takes mail.  Exim has none: its sendmail
# delivers (-odb, the default: a background process it forks).
mta_start() {
	local r=$MTA_DIR/$1/root log=$MTA_DIR/$1/daemon.log
	MTA_PID=
	: >"$log"
	case $1 in
	postfix)
		mta_exec postfix /usr/sbin/postfix check >>"$log" 2>&1 ||
		    { say "postfix check: $(mta_diag postfix)"; return 1; }
		mta_ns postfix
		"${MTA_NS[@]}" /usr/lib/postfix/sbin/master -d >>"$log" 2>&1 &
		MTA_PID=$!
		wait_until 30 mta_sock_ready "$r/var/spool/postfix/public/pickup" &&
		    wait_until 30 mta_sock_ready "$r/var/spool/postfix/public/qmgr"
		;;
	opensmtpd)
		mta_ns opensmtpd
		"${MTA_NS[@]}" /usr/sbin/smtpd -d >>"$log" 2>&1 &
		MTA_PID=$!
		wait_until 30 mta_sock_ready "$r/run/smtpd.sock"
		;;
	exim)
		mta_exec exim /usr/sbin/exim4 -bV >>"$log" 2>&1
		;;
	esac || { say "$1 does not start: $(mta_diag "$1")"; return 1; }
}

# mta_send NAME ID: the message ID through NAME's sendmail; returns once
# the MTA has it.
mta_send() {
	printf 'From: <bench@%s>\nTo: <postmaster@%s>\nSubject: %s\nMessage-ID: <%s@%s>\n\nmxallowd bench-mta\n' \
	    "$SENDER_NAME" "$DOMAIN" "$2" "$2" "$SENDER_NAME" |
	    mta_exec "$1" /usr/sbin/sendmail -f "bench@$SENDER_NAME" \
	    "postmaster@$DOMAIN" >>"$MTA_DIR/$1/send.log" 2>&1
}

# client_pids_but KEEP...: the PIDs inside CLIENT other than KEEP.
client_pids_but() {
	local p
	for p in $(ip netns pids "$LAB_CLIENT" 2>/dev/null); do
		[[ " $* " == *" $p "* ]] || echo "$p"
	done
}

# mta_stop: SIGTERM to the daemon, then SIGKILL (by PID) to whatever the
# MTA left in CLIENT (everything there but dnsmasq is the MTA's); its mount
# namespaces go with their last process.
mta_stop() {
	local p left
	# shellcheck disable=SC2086
	[ -n "$MTA_PID" ] && kill -TERM "$MTA_PID" 2>/dev/null &&
	    wait_until 10 all_gone "$MTA_PID"
	# shellcheck disable=SC2086
	for p in $(client_pids_but $LAB_DNS_PIDS); do
		kill -KILL "$p" 2>/dev/null
	done
	# shellcheck disable=SC2046,SC2086	# lists of PIDs
	wait_until 10 all_gone $(client_pids_but $LAB_DNS_PIDS) ||
	    say "left in CLIENT: $(client_pids_but $LAB_DNS_PIDS)"
	[ -n "$MTA_PID" ] && wait "$MTA_PID" 2>/dev/null
	MTA_PID=
}

# --- the receiving side and mxallowd -----------------------------------------------

# sinks_up: smtpsink on the real addresses (not the wildcard: the fake
# address must stay without a listener), 600 s at most.
sinks_up() {
	local a out
	SINK_PIDS=
	for a in "$LAB_REAL4" "$LAB_REAL6"; do
		out=$SCRATCH/sink-${a//[.:]/_}.out
		: >"$out"
		ip netns exec "$LAB_SERVER" "$SINK" -T 600 "$a" 25 >"$out" 2>&1 &
		SINK_PIDS="$SINK_PIDS $!"
		lab__wait_listening "$out" || { say "smtpsink on $a: $(cat "$out")"; return 1; }
	done
}

sinks_down() {
	# shellcheck disable=SC2086
	lab__kill_pids $SINK_PIDS
	SINK_PIDS=
}

# delivered ID: the sink's line for ID's message ("message SRC BYTES MS"):
# the sink names no message, but there is one delivery at a time.
sink_line() { cat "$SCRATCH"/sink-*.out 2>/dev/null | grep -m1 '^message '; }
delivered() { [ -n "$(sink_line)" ]; }

mxallowd_up() {
	daemon_up -b "fake-action $1"
}

mxallowd_down() {
	if [ -n "${DAEMON_PID:-}" ]; then
		kill -TERM "$DAEMON_PID" 2>/dev/null
		wait "$DAEMON_PID"
		DAEMON_PID=
	fi
	lab_in_server nft delete table inet mxallowd 2>/dev/null
	return 0
}

# --- the packet capture -------------------------------------------------------------

cap_start() {
	CAP_OUT=$SCRATCH/cap.txt CAP_ERR=$SCRATCH/cap.err
	: >"$CAP_OUT"
	: >"$CAP_ERR"
	ip netns exec "$LAB_CLIENT" tcpdump -i "$LAB_IF" -n -tt -l -U \
	    --immediate-mode 'tcp port 25' >"$CAP_OUT" 2>"$CAP_ERR" &
	CAP_PID=$!
	wait_until 30 grep -q 'listening on' "$CAP_ERR" ||
	    { say "tcpdump: $(cat "$CAP_ERR")"; return 1; }
}

cap_stop() {
	kill -TERM "$CAP_PID" 2>/dev/null
	wait "$CAP_PID" 2>/dev/null
	CAP_PID=
}

# timeline T0MS: from the capture, in ms after T0MS: the first SYN to a
# fake address, the SYNs sent there, the first reset from one ("-" for
# none), the first SYN to a real address and the SYNs sent there until
# the first SYN-ACK.
timeline() {
	awk -v t0="$1" -v f4="$LAB_FAKE4" -v f6="$LAB_FAKE6" \
	    -v r4="$LAB_REAL4" -v r6="$LAB_REAL6" '
	function host(s) { sub(/\.[0-9]+:?$/, "", s); return s }
	function ms(t) { return sprintf("%d", t * 1000 - t0) }
	{
		src = host($3); dst = host($5); flags = $7
		fake_dst = dst == f4 || dst == f6; real_dst = dst == r4 || dst == r6
		if (flags == "[S],") {
			if (fake_dst) { if (!fs) fs = ms($1); fn++ }
			if (real_dst && !acked) { if (!rs) rs = ms($1); rn++ }
		} else if (flags == "[R.],") {
			if ((src == f4 || src == f6) && !rst) rst = ms($1)
		} else if (flags == "[S.],") {
			if (src == r4 || src == r6) acked = 1
		}
	}
	END {
		printf "%s %d %s %s %d\n", fs ? fs : "-", fn, rst ? rst : "-",
		    rs ? rs : "-", rn
	}' "$CAP_OUT"
}

# --- one delivery --------------------------------------------------------------------

load1() { cut -d' ' -f1 /proc/loadavg; }

# deliver NAME STACK SETUP RUN: one message; appends a line to the raw file:
#   NAME STACK SETUP RUN MS VIA FAKE_SYN FAKE_SYNS RESET REAL_SYN REAL_SYNS LOAD
# MS the delay from injection to the sink's end of DATA ("-" when not
# delivered), VIA the address it came from, LOAD the machine's load average
# (1 min) at the end.
deliver() {
	local name=$1 stack=$2 setup=$3 run=$4 id t0 line ms via limit=$WAIT_SECONDS
	id=$name-$stack-$setup-$run
	if [ "$setup" = direct ]; then
		lab_mx_dns "$DOMAIN" "$stack" nofake
	else
		lab_mx_dns "$DOMAIN" "$stack"
	fi || die "dnsmasq"
	case $setup in
	reset|drop) mxallowd_up "$setup" ;;
	*) mxallowd_down ;;
	esac
	[ "$setup" = drop ] && limit=$WAIT_DROP_SECONDS
	mta_fresh "$name"
	sinks_up || die "smtpsink"
	mta_start "$name" || die "$name"
	cap_start || die "tcpdump"
	t0=$(now_ms)
	if ! mta_send "$name" "$id"; then
		say "$id: sendmail failed: $(tail -n 3 "$MTA_DIR/$name/send.log")"
		limit=0
	fi
	if wait_until "$limit" delivered; then
		line=$(sink_line)
		ms=$(( ${line##* } - t0 ))
		via=$(echo "$line" | cut -d' ' -f2)
		sleep 0.2	# the capture's last packets
	else
		ms=- via=-
		say "$id: not delivered within $limit s"
		mta_diag "$name" >&2
	fi
	cap_stop
	echo "$name $stack $setup $run $ms $via $(timeline "$t0") $(load1)" |
	    tee -a "$RAW" >&2
	{ echo "# $id: injected at $t0 ms"; cat "$CAP_OUT"; } >>"$CAPS"
	mta_stop
	sinks_down
}

# mta_diag NAME: what NAME's logs say, for a delivery that did not come.
mta_diag() {
	local r=$MTA_DIR/$1/root
	tail -n 5 "$MTA_DIR/$1/daemon.log" "$MTA_DIR/$1/send.log" \
	    "$r/var/spool/maillog" "$r/var/spool/exim4/log/mainlog" \
	    "$r/var/spool/exim4/log/paniclog" 2>/dev/null
}

# --- the report ---------------------------------------------------------------------

# stat_of NAME STACK SETUP COLUMN [MINUS]: "median min max n" of COLUMN (5:
# the delay) over the delivered runs, each less MINUS.
stat_of() {
	awk -v n="$1" -v s="$2" -v u="$3" -v c="$4" -v m="${5:-0}" '
	$1 == n && $2 == s && $3 == u && $5 != "-" && $c != "-" { v[k++] = $c - m }
	END {
		if (!k) { print "- - - 0"; exit }
		for (i = 0; i < k; i++) for (j = i + 1; j < k; j++)
			if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
		med = k % 2 ? v[(k - 1) / 2] : (v[k / 2 - 1] + v[k / 2]) / 2
		print med, v[0], v[k - 1], k
	}' "$RAW"
}

# secs MS: ms as seconds, 2 decimals.
secs() { awk -v v="$1" 'BEGIN { if (v == "-") print "-"; else printf "%.2f", v / 1000 }'; }

# cell "MED MIN MAX N": "MED (MIN–MAX)" in s, or MED alone for one run.
cell() {
	local med min max n
	read -r med min max n <<<"$1"
	if [ "$n" = 0 ]; then echo "not delivered"
	elif [ "$n" = 1 ]; then secs "$med"
	else echo "$(secs "$med") ($(secs "$min")–$(secs "$max"))"
	fi
}

# detours NAME STACK SETUP: "median min max n" of the detour through the
# fake MX, ms from the first SYN to a fake address to the first SYN to a
# real one.
detours() {
	awk -v n="$1" -v s="$2" -v u="$3" '
	$1 == n && $2 == s && $3 == u && $7 != "-" && $10 != "-" { print $10 - $7 }' "$RAW" |
	    sort -n | awk '{ v[NR] = $1 } END {
		if (!NR) { print "- - - 0"; exit }
		print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[1], v[NR], NR }'
}

# retransmits NAME STACK SETUP: "K of N", the deliveries whose first SYN to
# the real MX went unanswered (sent again a second later).
retransmits() {
	awk -v n="$1" -v s="$2" -v u="$3" '
	$1 == n && $2 == s && $3 == u && $5 != "-" { k++; if ($11 > 1) r++ }
	END { printf "%d of %d", r, k }' "$RAW"
}

# hdr KEY: the value of the raw file's "# KEY ..." line.
hdr() { sed -n "s/^# $1 //p" "$RAW" | tail -n 1; }

# The raw file's header: when, where, what.
raw_header() {
	echo "# date $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "# commit $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "# machine $(nproc) CPUs, $(uname -sr)"
	echo "# packages $(cd "$MTA_DIR" && for n in $MTAS; do
	    for f in "$n"/debs/*.deb; do basename "$f" .deb; done; done | xargs)"
	echo "# runs $RUNS $DROP_RUNS"
	echo "# load-start $(cut -d' ' -f1-3 /proc/loadavg)"
}

report() {
	local n s u base load
	read -r RUNS DROP_RUNS <<<"$(hdr runs)"
	load=$(awk '$1 !~ /^#/ && NF >= 12 { if (min == "" || $12 < min) min = $12
	    if ($12 > max) max = $12 } END { print min "–" max }' "$RAW")
	{
	echo "## What real MTAs see"
	echo
	echo "Generated by \`make bench-mta\` (regress/bench/mta.sh) on $(hdr date)," \
	    "commit $(hdr commit), $(hdr machine), shared with other work:" \
	    "load average $(hdr load-start) at the start, $(hdr load-end) at the" \
	    "end, $load (1 min) over the deliveries."
	echo "Packages: $(hdr packages)."
	echo
	echo "Delivery: seconds from the injection (sendmail) to the end of DATA" \
	    "at the real MX, median (min–max) of $RUNS deliveries ($DROP_RUNS with" \
	    "drop); added: each delivery less the median of direct.  Detour:" \
	    "seconds from the first SYN to a fake address to the first SYN to a" \
	    "real one (free of the MTA's own queueing before its first" \
	    "connection).  Hosts v4: the MX hosts have A records only; dual: A" \
	    "and AAAA."
	echo
	echo "| MTA | hosts | direct | nolisting, no mxallowd | detour | reset | added | detour | drop | added | detour |"
	echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	for n in $MTAS; do
		for s in $STACKS; do
			base=$(stat_of "$n" "$s" direct 5 | cut -d' ' -f1)
			[ "$base" = - ] && base=0
			printf '| %s | %s | %s |' "${TITLE[$n]}" "$s" \
			    "$(cell "$(stat_of "$n" "$s" direct 5)")"
			printf ' %s | %s |' "$(cell "$(stat_of "$n" "$s" nolisting 5)")" \
			    "$(cell "$(detours "$n" "$s" nolisting)")"
			for u in reset drop; do
				printf ' %s | %s | %s |' \
				    "$(cell "$(stat_of "$n" "$s" $u 5)")" \
				    "$(cell "$(stat_of "$n" "$s" $u 5 "$base")")" \
				    "$(cell "$(detours "$n" "$s" $u)")"
			done
			echo
		done
	done
	echo
	echo "First SYN to the real MX sent again (not yet admitted), with reset:" \
	    "$(for n in $MTAS; do for s in $STACKS; do
	    printf '%s %s %s; ' "${TITLE[$n]}" "$s" "$(retransmits "$n" "$s" reset)"
	    done; done | sed 's/; $/./')"
	echo
	echo "Each delivery, times in ms after the injection: MTA, hosts, setup," \
	    "run, delivery, source address, first SYN to a fake address, SYNs" \
	    "sent there, reset from it, first SYN to a real address, SYNs sent" \
	    "there until the SYN-ACK."
	echo
	echo '```'
	cat "$RAW"
	echo '```'
	} >"$RESULTS/mta.md"
}

# --- main ---------------------------------------------------------------------------

RAW=$RESULTS/mta-raw.txt CAPS=$RESULTS/mta-capture.txt
if [ -n "${MTA_REPORT_ONLY:-}" ]; then	# the report again, from RAW
	report
	md_block "$TOP/BENCHMARKS.md" mta "$RESULTS/mta.md"
	cat "$RESULTS/mta.md"
	exit 0
fi
[ "$(id -u)" -eq 0 ] || die "needs root"
for f in "$MXALLOWD" "$SINK" "$LAB_MXPROBE"; do
	[ -x "$f" ] || die "$f missing: make bench-mta builds it"
done
for f in tcpdump "$LAB_DNSMASQ" unshare apt-get dpkg-deb; do
	command -v "$f" >/dev/null || die "$f missing: regress/deps.sh"
done
scratch
need_user
mkdir -p "$SCRATCH/empty" "$RESULTS"
source "$REGRESS_DIR/netns/e2e.sh"	# conf(), daemon_up
MTA_DIR=$SCRATCH/mta MTA_IDS_TAKEN='' MTA_PID='' SINK_PIDS='' CAP_PID=''
: >"$CAPS"
for n in $MTAS; do
	mta_prepare "$n"
done
raw_header >"$RAW"
lab_up || die "lab_up"
for n in $MTAS; do
	for s in $STACKS; do
		for ((run = 1; run <= RUNS; run++)); do
			for u in $SETUPS; do
				[ "$u" = drop ] && continue
				deliver "$n" "$s" "$u" "$run"
			done
		done
	done
done
if [[ " $SETUPS " == *" drop "* ]]; then
	for n in $MTAS; do
		for s in $STACKS; do
			for ((run = 1; run <= DROP_RUNS; run++)); do
				deliver "$n" "$s" drop "$run"
			done
		done
	done
fi
mxallowd_down
left=$(client_pids_but $LAB_DNS_PIDS)
[ -z "$left" ] || say "processes left in CLIENT (killed by lab_down): $left"
lab_down
echo "# load-end $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RAW"
report
md_block "$TOP/BENCHMARKS.md" mta "$RESULTS/mta.md"
say "done: $RESULTS/mta.md"
cat "$RESULTS/mta.md"
