#!/usr/bin/env bash
# A self-contained demonstration, run from the build tree as root.  It
# builds a small lab of network namespaces (a sender with several addresses;
# a mail host with a fake and a real MX address and a listener on the
# wildcard address; a DNS server), runs mxallowd there, and tells the story
# with real TCP connections.  Everything is torn down at the end.
set -u
source "$(dirname "$0")/lib.sh"
source "$REGRESS_DIR/netns/lab.sh"
scratch
need_user

# Headings in bold on a terminal, plain into a file or a pipe.
if [ -t 1 ]; then
	bold() { printf '\n\033[1m%s\033[0m\n' "$*"; }
else
	bold() { printf '\n%s\n' "$*"; }
fi
QUEUE=23

# try WHAT SRC DST: one real connect from the sender, narrated.
try() {
	local what=$1 src=$2 dst=$3 out w ms
	out=$(lab_probe -s "$src" "$dst" 25)
	read -r w ms <<<"$out"
	case $w in
	connected) verdict="connected: the mail server answered" ;;
	refused) verdict="refused by a TCP reset: a real MTA moves on to the next MX now" ;;
	timeout) verdict="no answer (SYN dropped): the connection attempt times out" ;;
	*) verdict=$out ;;
	esac
	printf '  %-44s %-16s -> %-15s %s (%s ms)\n' "$what" "$src" "$dst" "$verdict" "$ms"
}

bold "== The lab"
lab_up
lab_listen
# A DNS server in a third namespace: 203.0.113.5 is named pool.example.net,
# and that name has two addresses, 203.0.113.5 and 198.51.100.7.
lab_dns_up
lab_dns_start --local=/in-addr.arpa/ --local=/ip6.arpa/ --local=/example.net/ \
    --ptr-record=5.113.0.203.in-addr.arpa,pool.example.net \
    --host-record=pool.example.net,$LAB_SRC4A \
    --host-record=pool.example.net,$LAB_SRC4C
cat <<EOT
  mail host (namespace $LAB_SERVER): fake MX $LAB_FAKE4 and $LAB_FAKE6,
    real MX $LAB_REAL4 and $LAB_REAL6; a mail listener on the wildcard address,
    so without mxallowd both addresses would answer.
  senders (namespace $LAB_CLIENT): $LAB_SRC4A, $LAB_SRC4B, $LAB_SRC4C,
    $LAB_SRC6A, $LAB_SRC6B, $LAB_SRC6C
  firewall on the mail host: nothing yet; mxallowd's nftables backend
    installs a table of its own.
EOT
cat <<EOT
  DNS server (namespace $LAB_DNS, $LAB_DNS4): $LAB_SRC4A is named
    pool.example.net, which resolves to $LAB_SRC4A and $LAB_SRC4C.
EOT

cat >"$SCRATCH/mxallowd.conf" <<EOT
# the demo's mxallowd.conf
fake-mailserver $LAB_FAKE4
fake-mailserver $LAB_FAKE6
real-mailserver $LAB_REAL4
real-mailserver $LAB_REAL6
# The settings below are not the defaults, for the demo's sake:
# the Linux default backend, written out
backend nftables
# one address per IPv6 entry: the default /64 would also admit the demo's
# second sender, $LAB_SRC6B, in the same /64 as $LAB_SRC6A (what large
# senders, who retry from a sibling address, need on a real mail host)
whitelist-prefix6 128
# the lab's DNS server, not the host's resolver
nameserver $LAB_DNS4
# the demo's own directory and files, never the system's
chroot $SCRATCH/empty
control-socket $SCRATCH/control.sock
state-file $SCRATCH/state
EOT
bold "== mxallowd -n checks the configuration"
sed 's/^/  /' "$SCRATCH/mxallowd.conf"
printf '  $ mxallowd -n -c mxallowd.conf\n  '
"$MXALLOWD" -n -c "$SCRATCH/mxallowd.conf"

bold "== mxallowd starts on the mail host (-d: foreground, log to stderr)"
DAEMON_NETNS=$LAB_SERVER
start_daemon "$SCRATCH/mxallowd.conf" -v
wait_log 'startup complete' || { cat "$DAEMON_LOG"; exit 1; }
printf '  %-8s %-20s %-10s %-18s %s\n' PID PROCESS USER CapEff ROOT
for pid in "$DAEMON_PID" $(children_of "$DAEMON_PID"); do
	printf '  %-8s %-20s %-10s %-18s %s\n' "$pid" \
	    "$(tr '\0' ' ' </proc/$pid/cmdline)" \
	    "$(getent passwd "$(status_field "$pid" Uid | cut -d' ' -f1)" | cut -d: -f1)" \
	    "$(status_field "$pid" CapEff)" "$(readlink /proc/$pid/root)"
done

bold "== The kernel decides every SYN, from mxallowd's table (the chains; mxallowd -nv prints it all)"
lab_in_server nft list table inet mxallowd | sed -n '/chain input/,$p' | sed 's/^/  /'

bold "== IPv4: spam software goes straight to the real MX; an MTA tries the MXes in order"
try "spambot, straight to the real MX:" $LAB_SRC4A $LAB_REAL4
try "the same host, as an MTA: first MX (fake):" $LAB_SRC4A $LAB_FAKE4
try "  ... then the next MX (real):" $LAB_SRC4A $LAB_REAL4
try "another host that never tried the fake MX:" $LAB_SRC4B $LAB_REAL4

bold "== Reverse DNS: $LAB_SRC4A's name resolves back to it, and to $LAB_SRC4C"
wait_log 'rdns 203.0.113.5: pool.example.net' 10
grep 'rdns ' "$DAEMON_LOG" | sed 's/^/  /'
try "the name's other address, never at the fake MX:" $LAB_SRC4C $LAB_REAL4

bold "== IPv6: the same, per address family"
try "straight to the real MX:" $LAB_SRC6A $LAB_REAL6
try "first MX (fake):" $LAB_SRC6A $LAB_FAKE6
try "  ... then the next MX (real):" $LAB_SRC6A $LAB_REAL6
try "another host:" $LAB_SRC6B $LAB_REAL6

bold "== What mxallowd logged (-v), and what the kernel's sets hold"
sleep 0.5	# the log records reach the daemon within milliseconds
grep -E 'whitelisted|blocked' "$DAEMON_LOG" | sed 's/^/  /'
printf '  $ mxallowctl show whitelist     (network, seconds left, why, admitted at the real MX)\n'
"$TOP/mxallowctl" -s "$SCRATCH/control.sock" show whitelist | sed 's/^/  /'
printf '  $ mxallowctl show stats\n'
"$TOP/mxallowctl" -s "$SCRATCH/control.sock" show stats | fold -s -w 76 | sed 's/^/  /'
printf '  $ nft list set inet mxallowd white4\n'
lab_in_server nft list set inet mxallowd white4 | grep elements | sed 's/^ */  /'

bold "== kill -9: the daemon is gone, the kernel keeps deciding"
pids="$DAEMON_PID $(children_of "$DAEMON_PID" | tr '\n' ' ')"
pids=${pids% }
# shellcheck disable=SC2086	# a list of PIDs
{ kill -KILL $pids; wait "$DAEMON_PID"; } 2>/dev/null
DAEMON_PID=
# shellcheck disable=SC2086
if wait_gone_ms 5000 $pids; then
	echo "  the daemon's processes ($pids) are gone"
else
	echo "  the daemon's processes ($pids) are still there"
fi
try "whitelisted $LAB_SRC4A, to the real MX:" $LAB_SRC4A $LAB_REAL4
try "whitelisted $LAB_SRC6A, to the real MX:" $LAB_SRC6A $LAB_REAL6
try "spambot $LAB_SRC4B, straight to the real MX:" $LAB_SRC4B $LAB_REAL4
try "a new MTA $LAB_SRC6C: first MX (fake):" $LAB_SRC6C $LAB_FAKE6
try "  ... then the next MX (real):" $LAB_SRC6C $LAB_REAL6

bold "== The lab is taken down (mxallowd's table with it; on a mail host,"
echo "   nft delete table inet mxallowd removes it)"
ns="$LAB_SERVER $LAB_CLIENT $LAB_DNS"	# lab_down forgets their names
lab_down
echo "  of the lab's namespaces ($ns) left: $(for n in $ns; do
	[ -e "/run/netns/$n" ] && echo "$n"; done | wc -l)"
