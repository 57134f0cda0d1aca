#!/usr/bin/env bash
# README's "Deploy" on Debian, followed literally on a mail host of the lab:
# its commands, as written there, run inside SERVER with /etc, /usr/local
# and /var behind overlays and /run on a tmpfs of a mount namespace of the
# test's own (so make install, useradd and the state file touch nothing of
# this machine's); systemctl is replaced by what the installed unit runs.
# Then a real sender is blocked at the real MX, refused at the fake one and
# admitted after that.  Every command the test runs is checked to appear in
# README.md word for word, so the two cannot drift apart.
source "$(dirname "$0")/../lib.sh"
source "$REGRESS_DIR/netns/lab.sh"
scratch
need_user
lab_up
lab_listen

readme=$TOP/README.md
# The Deploy section's Debian part, where the commands are looked for.
debian=$(sed -n '/^### 2\. Debian/,/^### 3\./p' "$readme")

# in_readme CMD: CMD is one of the Debian part's indented command lines.
in_readme() {
	grep -qxF "    $1" <<<"$debian"
}

# The commands, as the README writes them; eth0 is the lab's interface.
CMDS=(
	"sh regress/deps.sh"
	"make && make install"
	"ip addr add 192.0.2.10/32 dev eth0"
	"ip addr add 2001:db8::10/128 dev eth0"
	"mxallowd -n"
	"systemctl enable --now mxallowd"
	"mxallowctl show stats"
	"mxallowctl show whitelist"
	"nft list table inet mxallowd"
)
for c in "${CMDS[@]}"; do
	check "README's Debian steps say: $c" in_readme "$c"
done
# The configuration the README shows, line for line.
sed -n '/^    # \/etc\/mxallowd.conf$/,/^$/p' "$readme" | sed 's/^    //' |
    sed '/^$/d' >"$SCRATCH/readme.conf"
check "README shows an /etc/mxallowd.conf ($(grep -c . "$SCRATCH/readme.conf") lines)" \
    grep -qx 'real-mailserver 192.0.2.20' "$SCRATCH/readme.conf"

# The mail host before the steps: its real addresses only.  (The fake one
# came first: without promote_secondaries its removal takes the real one.)
ip netns exec "$LAB_SERVER" sysctl -qw "net.ipv4.conf.$LAB_IF.promote_secondaries=1"
ip -n "$LAB_SERVER" addr del "$LAB_FAKE4/24" dev "$LAB_IF"
ip -n "$LAB_SERVER" addr del "$LAB_FAKE6/64" dev "$LAB_IF"

# What runs inside SERVER: the steps, each echoed as "$ CMD" first.
cat >"$SCRATCH/host.sh" <<EOS
set -u
top=$TOP s=$SCRATCH ifname=$LAB_IF
EOS
cat >>"$SCRATCH/host.sh" <<'EOS'
# This host's own /etc, /usr/local, /var and /run.
mkdir -p "$s/ovl" && mount -t tmpfs tmpfs "$s/ovl" || exit 90
for d in etc usr/local var; do
	u=$s/ovl/${d//\//-}
	mkdir -p "$u/up" "$u/work"
	mount -t overlay overlay \
	    -o "lowerdir=/$d,upperdir=$u/up,workdir=$u/work" "/$d" || exit 91
done
mount -t tmpfs tmpfs /run || exit 92
# The host's resolver is the lab's (a documentation address), never this
# machine's: reverse-DNS lookups stay inside the lab.
echo "nameserver 192.0.2.53" >/etc/resolv.conf
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
cd "$top" || exit 93

step() {
	echo "\$ $1"
	eval "${1//dev eth0/dev $ifname}" || { echo "step failed: $1"; exit 1; }
}
step "sh regress/deps.sh"
step "make && make install"
step "ip addr add 192.0.2.10/32 dev eth0"
step "ip addr add 2001:db8::10/128 dev eth0"
cp "$s/readme.conf" /etc/mxallowd.conf
step "mxallowd -n"
# systemctl enable --now mxallowd: what the installed unit runs.
unit=/usr/local/lib/systemd/system/mxallowd.service
pre=$(sed -n 's/^ExecStartPre=//p' "$unit")
start=$(sed -n 's/^ExecStart=//p' "$unit")
echo "\$ $pre    (ExecStartPre)"
$pre || exit 1
echo "\$ $start    (ExecStart)"
$start 2>"$s/daemon.err" &
echo "$!" >"$s/daemon.pid"
ok=0
for ((i = 0; i < 600; i++)); do
	mxallowctl show stats >/dev/null 2>&1 && { ok=1; break; }
	kill -0 "$(cat "$s/daemon.pid")" 2>/dev/null || break
	sleep 0.1
done
[ $ok = 1 ] || { echo "the daemon did not answer"; cat "$s/daemon.err"; exit 1; }
step "mxallowctl show stats"
step "nft list table inet mxallowd" >"$s/table"
# What make install left on this host's overlays, for the test to check.
ls -ld /usr/local/sbin/mxallowd /etc/mxallowd.conf /var/lib/mxallowd \
    >"$s/installed" 2>&1
cmp -s /etc/mxallowd.conf "$s/readme.conf" && echo same >"$s/conf-same"
echo "ready" >"$s/ready"
# Stay, with the overlays, until the test has made its connections.
while [ ! -e "$s/done" ]; do sleep 0.1; done
step "mxallowctl show whitelist"
kill -TERM "$(cat "$s/daemon.pid")"
wait
EOS
ip netns exec "$LAB_SERVER" unshare -m --propagation private \
    bash "$SCRATCH/host.sh" >"$SCRATCH/host.out" 2>&1 &
host=$!
lab_track "$host"

# Until the host says it is ready, or gives up; by the clock.
ready() { [ -e "$SCRATCH/ready" ] || ! kill -0 "$host" 2>/dev/null; }
wait_until 600 ready
if ! check "the steps ran and the daemon answers mxallowctl" test -e "$SCRATCH/ready"; then
	sed 's/^/    /' "$SCRATCH/host.out" | tail -30
	exit 1
fi
check "make install: /usr/local/sbin/mxallowd, /etc/mxallowd.conf, /var/lib/mxallowd" \
    test "$(grep -c '^[-d]r' "$SCRATCH/installed")" = 3
check "the host's /etc/mxallowd.conf is the README's" test -e "$SCRATCH/conf-same"
check "mxallowd -n said configuration OK" grep -qx 'configuration OK' "$SCRATCH/host.out"
check "nft list table inet mxallowd shows the table" \
    grep -q 'table inet mxallowd' "$SCRATCH/table"
check "this machine has no /usr/local/sbin/mxallowd of the test's" \
    test ! -e /usr/local/sbin/mxallowd -o /usr/local/sbin/mxallowd -ot "$SCRATCH/host.sh"

expect_probe() {
	local name=$1 want=$2 out
	shift 2
	out=$(lab_probe "$@")
	check "$name: $out" test "${out%% *}" = "$want"
}
expect_probe "a sender straight to the real MX is dropped" timeout -s "$LAB_SRC4A" 192.0.2.20 25
expect_probe "the fake MX answers it with a reset" refused -s "$LAB_SRC4A" 192.0.2.10 25
expect_probe "then the real MX admits it" connected -s "$LAB_SRC4A" 192.0.2.20 25
expect_probe "IPv6 too: fake MX" refused -s "$LAB_SRC6A" 2001:db8::10 25
expect_probe "IPv6 too: then the real MX" connected -s "$LAB_SRC6A" 2001:db8::20 25
expect_probe "another sender is still dropped" timeout -s "$LAB_SRC4B" 192.0.2.20 25

touch "$SCRATCH/done"
gone() { ! kill -0 "$host" 2>/dev/null; }
wait_until 60 gone
check "mxallowctl show whitelist lists the sender" \
    grep -q "^$LAB_SRC4A/32 " "$SCRATCH/host.out"
check "the host's mount namespace is gone with its overlays" gone
