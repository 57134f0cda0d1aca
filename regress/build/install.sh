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
check "installs /etc/mxallowd.conf from the example" cmp -s "$TOP/etc/mxallowd.conf" "$SCRATCH/dest/etc/mxallowd.conf"
check "creates the state directory, root only" test "$(stat -c '%a' "$SCRATCH/dest/var/lib/mxallowd")" = 700

# A second install keeps the administrator's configuration.
echo "# mine" >"$SCRATCH/dest/etc/mxallowd.conf"
make -s -C "$TOP" install DESTDIR="$SCRATCH/dest" PREFIX=/opt/mx >"$SCRATCH/out" 2>&1
check "install again: /etc/mxallowd.conf kept" test "$(cat "$SCRATCH/dest/etc/mxallowd.conf")" = "# mine"
check "install again: says it kept it" grep -q "keeping $SCRATCH/dest/etc/mxallowd.conf" "$SCRATCH/out"

# uninstall: the programs go, the administrator's data stays.
make -s -C "$TOP" uninstall DESTDIR="$SCRATCH/dest" PREFIX=/opt/mx >"$SCRATCH/out" 2>&1
check "uninstall: programs, manuals, unit, example gone" \
    test -z "$(find "$SCRATCH/dest/opt/mx" -type f)"
check "uninstall: configuration and state directory stay" \
    test -f "$SCRATCH/dest/etc/mxallowd.conf" -a -d "$SCRATCH/dest/var/lib/mxallowd"
