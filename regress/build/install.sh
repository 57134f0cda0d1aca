#!/usr/bin/env bash
# make install into a DESTDIR: both binaries, the man pages, example config,
# systemd unit with its path filled in; the installed binaries run.
source "$(dirname "$0")/../lib.sh"
scratch

if ! make -s -C "$TOP" install DESTDIR="$SCRATCH/dest" PREFIX=/opt/mx >"$SCRATCH/out" 2>&1; then
	fail "make install: $(tail -3 "$SCRATCH/out")"
	exit 1
fi
pass "make install DESTDIR=... PREFIX=/opt/mx"
d=$SCRATCH/dest/opt/mx
check "installs sbin/mxallowd, executable" test -x "$d/sbin/mxallowd"
check "installs mxallowd.8" test -f "$d/share/man/man8/mxallowd.8"
check "installs sbin/mxallowctl, executable" test -x "$d/sbin/mxallowctl"
check "installs mxallowctl.8" test -f "$d/share/man/man8/mxallowctl.8"
check "installed mxallowctl runs (and says it cannot connect)" \
    test "$("$d/sbin/mxallowctl" -s "$SCRATCH/none.sock" show stats 2>&1)" = \
    "mxallowctl: $SCRATCH/none.sock: connect: No such file or directory"
check "installs mxallowd.conf.5" test -f "$d/share/man/man5/mxallowd.conf.5"
check "installs the example config" cmp -s "$TOP/etc/mxallowd.conf" "$d/share/examples/mxallowd/mxallowd.conf"
unit=$d/lib/systemd/system/mxallowd.service
check "installs the systemd unit" test -f "$unit"
check "systemd unit runs the installed binary" grep -qx 'ExecStart=/opt/mx/sbin/mxallowd -F' "$unit"
check "systemd unit has no placeholder left" test -z "$(grep -F '@' "$unit")"
check "installed example config passes configtest" \
    test "$("$d/sbin/mxallowd" -n -c "$d/share/examples/mxallowd/mxallowd.conf" 2>&1 >/dev/null)" = "configuration OK"
