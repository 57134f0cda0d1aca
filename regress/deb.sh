#!/usr/bin/env bash
# The Debian package, as an administrator meets it (root; CI runs it after
# the suite, it is not part of make check because it installs into the
# system): make deb builds it, lintian finds no error, dpkg -i installs it,
# the installed mxallowd -n accepts the shipped /etc/mxallowd.conf,
# mxallowctl --version answers, and dpkg --purge leaves nothing behind.
# It refuses to run where mxallowd is installed already: that
# installation is not the test's to replace.
set -u
source "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 1
# Run alone (CI): the exit status says whether anything failed.
failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

if dpkg-query -W -f='${Status}' mxallowd 2>/dev/null | grep -q installed ||
    [ -e /usr/sbin/mxallowd ] || [ -e /etc/mxallowd.conf ]; then
	fail "deb: mxallowd is installed on this machine already; not replacing it"
	exit 1
fi
user_before=$(getent passwd _mxallowd >/dev/null && echo yes || echo no)

log=$(mktemp /tmp/mxallowd-deb.XXXXXX)
trap 'rm -f "$log"' EXIT
if make deb >"$log" 2>&1; then
	pass "make deb"
else
	fail "make deb: $(tail -5 "$log")"
	exit 1
fi
deb=$(ls mxallowd_*_"$(dpkg --print-architecture)".deb)
check "make deb leaves $deb here" test -f "$deb"
lintian "$deb" >"$log" 2>&1
check "lintian: no errors ($(grep -c '^E:' "$log") E: lines)" \
    test "$(grep -c '^E:' "$log")" -eq 0
grep -E '^[EW]:' "$log" | sed 's/^/    /'

files=$(dpkg-deb -c "$deb" | awk '{ print $NF }' | sed 's|^\./|/|' | grep -v '/$')
check "dpkg -i" sh -c "dpkg -i $deb >$log 2>&1"
check "installed: /usr/sbin/mxallowd" test -x /usr/sbin/mxallowd
check "installed: /etc/mxallowd.conf is a conffile" \
    grep -qx ' /etc/mxallowd.conf [0-9a-f]*' <(dpkg-query -W -f='${Conffiles}\n' mxallowd)
check "installed: the user _mxallowd" sh -c 'getent passwd _mxallowd >/dev/null'
check "installed: /var/lib/mxallowd, root only" \
    test "$(stat -c '%U %a' /var/lib/mxallowd)" = "root 700"
out=$(/usr/sbin/mxallowd -n 2>&1)
check "installed mxallowd -n on the shipped configuration: $out" \
    test "$out" = "configuration OK"
check "installed mxallowctl --version" \
    test "$(/usr/sbin/mxallowctl --version)" = "mxallowctl $(/usr/sbin/mxallowd -V | cut -d' ' -f2)"
check "installed manuals" test -f /usr/share/man/man8/mxallowd.8.gz
check "installed unit" test -f /lib/systemd/system/mxallowd.service

check "dpkg --purge" sh -c "dpkg --purge mxallowd >$log 2>&1"
left=
for f in $files /etc/mxallowd.conf /var/lib/mxallowd; do
	[ -e "$f" ] && left="$left $f"
done
check "purge leaves no file behind${left:+ (left:$left)}" test -z "$left"
check "purge: dpkg forgot it" test -z "$(dpkg-query -W -f='${Status}' mxallowd 2>/dev/null | grep -w installed)"
if [ "$user_before" = yes ]; then
	check "purge keeps _mxallowd, which was there before" \
	    sh -c 'getent passwd _mxallowd >/dev/null'
else
	check "purge removes _mxallowd, which the package made" \
	    test -z "$(getent passwd _mxallowd)"
fi
rm -f mxallowd_*.deb mxallowd-dbgsym_*.deb mxallowd_*.changes mxallowd_*.buildinfo
exit $((failures > 0))
