#!/usr/bin/env bash
# Configuration regress: mxallowd -n / -nv on the files under ok/ and fail/,
# the round trip of -nv output, and the command line on top of a file.
# -nv reads the syntax only; what -n checks on the system besides (user,
# chroot, state and control paths) is regress/proc/configtest.sh's.
#
#   ok/NAME.conf     valid; ok/NAME.expected is its exact -nv output
#   fail/NAME.conf   invalid; fail/NAME.expected is its exact stderr
#
# Runs from regress/config so that the paths in messages are stable
# ("fail/NAME.conf:LINE: message").  One line per check: "ok NAME" or
# "FAIL NAME: reason", followed by a diff when output differs.
set -u
. "$(dirname "$0")/../lib.sh"
cd "$REGRESS_DIR/config" || exit 1
scratch

if [ ! -x "$MXALLOWD" ]; then
	fail "config: $MXALLOWD not built"
	exit 1
fi

# expect NAME RC STDOUT STDERR ARGS...: run mxallowd with ARGS and compare
# the exit status and both outputs (files; /dev/null for none).
expect() {
	local name=$1 want_rc=$2 want_out=$3 want_err=$4 rc
	shift 4
	"$MXALLOWD" "$@" >"$SCRATCH/out" 2>"$SCRATCH/err"
	rc=$?
	if [ "$rc" -ne "$want_rc" ]; then
		fail "$name: exit status $rc, want $want_rc"
		sed 's/^/    /' "$SCRATCH/err"
	elif ! diff -u "$want_out" "$SCRATCH/out" >"$SCRATCH/diff"; then
		fail "$name: stdout differs"
		sed 's/^/    /' "$SCRATCH/diff"
	elif ! diff -u "$want_err" "$SCRATCH/err" >"$SCRATCH/diff"; then
		fail "$name: stderr differs"
		sed 's/^/    /' "$SCRATCH/diff"
	else
		pass "$name"
	fi
}

# roundtrip NAME: the -nv output in $SCRATCH/out, read back with -c,
# prints itself again byte for byte.
roundtrip() {
	local name=$1
	cp "$SCRATCH/out" "$SCRATCH/rt.conf"
	expect "$name" 0 "$SCRATCH/rt.conf" /dev/null -nv -c "$SCRATCH/rt.conf"
}

echo "configuration OK" >"$SCRATCH/configok"

for conf in ok/*.conf; do
	name=${conf%.conf}
	expect "$name" 0 "$name.expected" /dev/null -nv -c "$conf"
	roundtrip "$name-roundtrip"
done

for conf in fail/*.conf; do
	name=${conf%.conf}
	expect "$name" 1 /dev/null "$name.expected" -n -c "$conf"
done

# want: the expected output for the next check, from stdin.
want() {
	cat >"$SCRATCH/want"
}

# Scalars on the command line replace the file's; addresses are appended.
want <<'EOF'
# mxallowd configuration, normalized
backend pf
queue-num 7
queue-maxlen 4096
fake-action reset
whitelist-time 3600
whitelist-prefix4 32
whitelist-prefix6 64
max-entries 100000
rdns-max-addresses 4
pflog-interface pflog1
pf-table mx-white
nft-table mxallowd
nflog-group 25
nflog-rate 1000
pending-time 600
pcap-filter "tcp port 25"
user _mx
chroot /var/empty/mx
control-socket /var/run/mxallowd.sock
state-file /var/db/mx/state
stdout
fake-mailserver 192.0.2.3
fake-mailserver 192.0.2.4
fake-mailserver 192.0.2.9
fake-mailserver 2001:db8::9
real-mailserver 192.0.2.5
real-mailserver 2001:db8::5
EOF
expect cmdline-override 0 "$SCRATCH/want" /dev/null -nv -c ok/seed.conf \
    -t 3600 -Q 7 --backend pf -p pflog1 -l 'tcp port 25' --user _mx \
    --chroot /var/empty/mx -f 192.0.2.9 -r 2001:DB8::5 -f 2001:db8::9 \
    --state-file /var/db/mx/state

# Every short option, flags bundled, with no file.
want <<'EOF'
# mxallowd configuration, normalized
backend nfqueue
queue-num 5
queue-maxlen 4096
fake-action reset
whitelist-time 60
whitelist-prefix4 32
whitelist-prefix6 64
max-entries 100000
rdns-max-addresses 4
pflog-interface pflog2
pf-table mx-white
nft-table mxallowd
nflog-group 25
nflog-rate 1000
pending-time 600
pcap-filter "port 25 and tcp"
user _mxallowd
chroot /var/empty
control-socket /var/run/mxallowd.sock
state-file /var/lib/mxallowd/whitelist
no-rdns-whitelist
foreground
stdout
quiet
fake-mailserver 192.0.2.1
real-mailserver 192.0.2.2
EOF
expect cmdline-short 0 "$SCRATCH/want" /dev/null -nv -c /dev/null \
    -bsqF -f 192.0.2.1 -r 192.0.2.2 -Q 5 -t 60 -p pflog2 -l 'port 25 and tcp'
roundtrip cmdline-short-roundtrip

# Every long option, both "--opt arg" and "--opt=arg".
want <<'EOF'
# mxallowd configuration, normalized
backend pf
queue-num 9
queue-maxlen 64
fake-action drop
whitelist-time 120
whitelist-prefix4 24
whitelist-prefix6 56
max-entries 1000
rdns-max-addresses 9
nameserver 192.0.2.53
nameserver 2001:db8::53
pflog-interface pflog3
pf-table mx-test
nft-table mxallowd
nflog-group 25
nflog-rate 1000
pending-time 600
pcap-filter "port 25 # hash"
user nobody
chroot /var/empty/x
control-socket /tmp/mx-test.sock
state-file none
no-rdns-whitelist
foreground
stdout
quiet
fake-mailserver 2001:db8::a
real-mailserver 2001:db8::b
EOF
expect cmdline-long 0 "$SCRATCH/want" /dev/null -nv -c /dev/null \
    --no-rdns-whitelist --stdout --quiet --foreground \
    --fake-mailserver 2001:db8::a --real-mailserver=2001:db8::b \
    --queue-num 9 --whitelist-time=120 --pflog-interface pflog3 \
    --pcap-filter='port 25 # hash' --user nobody --chroot=/var/empty/x \
    --backend=pf --fake-action=drop --queue-maxlen 64 \
    --whitelist-prefix4 24 --whitelist-prefix6=56 --max-entries 1000 \
    --rdns-max-addresses=9 --nameserver 192.0.2.53 --nameserver=2001:db8::53 \
    --pf-table=mx-test --state-file=none --control-socket=/tmp/mx-test.sock
roundtrip cmdline-long-roundtrip

# The last of a repeated scalar wins on the command line.
want <<'EOF'
# mxallowd configuration, normalized
backend nfqueue
queue-num 2
queue-maxlen 4096
fake-action reset
whitelist-time 20
whitelist-prefix4 32
whitelist-prefix6 64
max-entries 100000
rdns-max-addresses 4
pflog-interface pflog0
pf-table mx-white
nft-table mxallowd
nflog-group 25
nflog-rate 1000
pending-time 600
user _mxallowd
chroot /var/empty
control-socket /var/run/mxallowd.sock
state-file /var/lib/mxallowd/whitelist
fake-mailserver 192.0.2.1
real-mailserver 192.0.2.2
EOF
expect cmdline-last-wins 0 "$SCRATCH/want" /dev/null -nv -c /dev/null \
    -f 192.0.2.1 -r 192.0.2.2 -t 10 -Q 1 -t 20 -Q 2

# The nftables keywords on the command line; without queue-num and
# backend, the backend is nftables, and -nv adds the ruleset.
"$MXALLOWD" -nv -c /dev/null -f 192.0.2.1 -r 2001:db8::2 --nft-table mx-test \
    --nflog-group 7 --nflog-rate 50 --pending-time 30 >"$SCRATCH/out" 2>&1
check "cmdline-nftables: backend nftables by default" \
    grep -qx 'backend nftables' "$SCRATCH/out"
check "cmdline-nftables: the keywords" grep -qzE \
    'nft-table mx-test.nflog-group 7.nflog-rate 50.pending-time 30' "$SCRATCH/out"
check "cmdline-nftables: the ruleset's table" \
    grep -qx '# table inet mx-test {' "$SCRATCH/out"
check "cmdline-nftables: the rate and group in the log rules" \
    grep -q 'limit rate 50/second burst 50 packets counter name "logged" log prefix "mxallowd fake" group 7' "$SCRATCH/out"
check "cmdline-nftables: pending-time in the fake hit's update" \
    grep -q 'update @pending6 { ip6 saddr & ffff:ffff:ffff:ffff:: timeout 30s }' "$SCRATCH/out"
roundtrip cmdline-nftables-roundtrip
# A seed configuration (queue-num, no backend) keeps nfqueue.
"$MXALLOWD" -nv -c /dev/null -f 192.0.2.1 -r 2001:db8::2 -Q 3 >"$SCRATCH/out" 2>&1
check "cmdline-queue-num: backend nfqueue" grep -qx 'backend nfqueue' "$SCRATCH/out"
check "cmdline-queue-num: no ruleset" test -z "$(grep '^# table' "$SCRATCH/out")"

# Everything on the command line; -c /dev/null keeps /etc out of it.
expect cmdline-configtest 0 /dev/null "$SCRATCH/configok" -n -c /dev/null \
    -f 192.0.2.1 -r 2001:db8::2 -Q 0

# --replay is a pf-backend dry run.
want <<'EOF'
/dev/null: replay needs backend pf
EOF
expect cmdline-replay-needs-pf 1 /dev/null "$SCRATCH/want" -n -c /dev/null \
    -f 192.0.2.1 -r 192.0.2.2 -Q 0 --replay /nonexistent.pcap

# Duplicates and fake/real overlap across file and command line.
want <<'EOF'
command line: fake-mailserver: 192.0.2.3 already listed
EOF
expect cmdline-duplicate-file 1 /dev/null "$SCRATCH/want" -n \
    -c ok/seed.conf -f 192.0.2.3

want <<'EOF'
command line: real-mailserver: 192.0.2.3 is already a fake-mailserver
EOF
expect cmdline-both-lists 1 /dev/null "$SCRATCH/want" -n \
    -c ok/seed.conf -r 192.0.2.3

want <<'EOF'
command line: fake-mailserver: 2001:DB8::1 already listed
EOF
expect cmdline-duplicate 1 /dev/null "$SCRATCH/want" -n -c /dev/null \
    -f 2001:db8::1 -r 192.0.2.2 -Q 1 -f 2001:DB8::1

# Bad values on the command line, each reported.
want <<'EOF'
command line: whitelist-time: "0" is too small (must be 1..31536000 seconds)
command line: queue-num: "-1" is too small (must be 0..65535)
command line: fake-mailserver: "192.0.2" is not an IPv4 or IPv6 address
command line: backend: "ipfw" is not nfqueue, nftables or pf
command line: user: value must not contain blanks, control characters, '#' or '"'
command line: pcap-filter: value must not contain control characters or '"'
command line: chroot: "empty" is not an absolute path
command line: pflog-interface: value too long (at most 15 characters)
command line: state-file: "whitelist" is neither an absolute path to a file nor none
command line: control-socket: "ctl.sock" is not an absolute path
EOF
expect cmdline-bad-values 1 /dev/null "$SCRATCH/want" -n -c ok/seed.conf \
    -t 0 -Q -1 -f 192.0.2 --backend ipfw --user 'a b' -l 'port "25"' \
    --chroot empty -p pflog0123456789a --state-file whitelist \
    --control-socket ctl.sock

# File errors and command-line errors are all reported; the whole-config
# checks are skipped then.
want <<'EOF'
fail/unknown-keyword.conf:2: unknown keyword "fake-mailservr"
command line: whitelist-time: "x" is invalid (must be 1..31536000 seconds)
EOF
expect cmdline-after-file-errors 1 /dev/null "$SCRATCH/want" -n \
    -c fail/unknown-keyword.conf -t x

# The whole-configuration checks name the file.
want <<'EOF'
/dev/null: no fake-mailserver given
/dev/null: no real-mailserver given
EOF
expect cmdline-nothing 1 /dev/null "$SCRATCH/want" -n -c /dev/null

# A file named with -c must exist.
want <<'EOF'
ok/does-not-exist.conf: No such file or directory
EOF
expect missing-file 1 /dev/null "$SCRATCH/want" -n -c ok/does-not-exist.conf

# The shipped example parses, and so does it with every commented-out
# setting turned on.  -n reads the Redis password file as start-up does:
# it must exist and be root's alone, so the example's is one made here
# (or, not as root, none, and no ACL user in the URL).
expect etc-example 0 /dev/null "$SCRATCH/configok" -n -c ../../etc/mxallowd.conf
printf 'secret\n' >"$SCRATCH/redis.pw"
chmod 600 "$SCRATCH/redis.pw"
if [ "$(id -u)" -eq 0 ]; then
	pw="s|^redis-password-file .*|redis-password-file $SCRATCH/redis.pw|"
else
	pw='/^redis-password-file /d; s|^(redis redis://)[^@/]*@|\1|'
fi
sed -E -e 's/^#([a-z0-9-]+( |$))/\1/' -e "$pw" ../../etc/mxallowd.conf \
    >"$SCRATCH/example.conf"
expect etc-example-uncommented 0 /dev/null "$SCRATCH/configok" \
    -n -c "$SCRATCH/example.conf"

# CRLF line ends are white space.
printf 'fake-mailserver 192.0.2.1\r\nreal-mailserver 192.0.2.2\r\nqueue-num 0\r\n' \
    >"$SCRATCH/crlf.conf"
expect crlf 0 ok/minimal.expected /dev/null -nv -c "$SCRATCH/crlf.conf"

# A NUL byte ends nothing silently.
printf 'fake-mailserver 192.0.2.1\nreal-mailserver 192.0.2.2\0\nqueue-num 0\n' \
    >"$SCRATCH/nul.conf"
echo "$SCRATCH/nul.conf:2: NUL character in line" >"$SCRATCH/want"
expect nul-byte 1 /dev/null "$SCRATCH/want" -n -c "$SCRATCH/nul.conf"

# An unknown option or a missing argument: the reason, then the usage.
for bad in --bogus -Z -t; do
	"$MXALLOWD" -n -c /dev/null $bad >"$SCRATCH/out" 2>"$SCRATCH/err"
	rc=$?
	check "bad option $bad: exit status 1 (got $rc), nothing on stdout" \
	    test $rc -eq 1 -a ! -s "$SCRATCH/out"
	check "bad option $bad: the reason, then the usage" \
	    grep -qE "^[^ ]*: (unrecognized option|invalid option|option requires an argument)" "$SCRATCH/err"
	check "bad option $bad: usage on stderr" \
	    test "$(sed -n 2p "$SCRATCH/err" | cut -c1-16)" = "usage: mxallowd "
done

exit 0
