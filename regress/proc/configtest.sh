#!/usr/bin/env bash
# mxallowd -n means "would start": besides the file, what start-up checks
# on the system (the firewall aside).  Each problem is one line saying
# what is wrong and what to do; all of them are reported; exit status 1.
# Nothing is created.
source "$(dirname "$0")/../lib.sh"
scratch
conf=$(write_conf)

# configtest NAME WANT_RC PATTERN ARGS...: mxallowd -n -c $conf ARGS; the
# exit status, and stderr matching PATTERN (an extended regex, whole lines).
configtest() {
	local name=$1 want_rc=$2 pattern=$3 out rc
	shift 3
	out=$("$MXALLOWD" -n -c "$conf" "$@" 2>&1 >/dev/null); rc=$?
	if [ $rc -eq "$want_rc" ] && printf '%s\n' "$out" | grep -qxE -- "$pattern"; then
		pass "$name"
	else
		fail "$name: rc=$rc, stderr: $out"
	fi
}

configtest "all present: OK" 0 'configuration OK'
check "a missing chroot is not made by -n" test ! -e "$SCRATCH/empty"

configtest "missing user: named, with the useradd line" 1 \
    'mxallowd: user _nosuchuser_mx does not exist; create it with: useradd .* _nosuchuser_mx' \
    --user _nosuchuser_mx

mkdir -m 0755 "$SCRATCH/full"; touch "$SCRATCH/full/leftover"
configtest "non-empty chroot: names what is in it" 1 \
    "mxallowd: chroot $SCRATCH/full is not empty \\(leftover\\): .*" \
    --chroot "$SCRATCH/full"

mkdir -m 0777 "$SCRATCH/open"
configtest "world-writable chroot: says how to fix it" 1 \
    "mxallowd: chroot $SCRATCH/open must be owned by root and writable by root only \\(chown root $SCRATCH/open; chmod go-w $SCRATCH/open\\)" \
    --chroot "$SCRATCH/open"

mkdir -m 0755 "$SCRATCH/theirs"; chown 65534 "$SCRATCH/theirs"
configtest "chroot owned by another user" 1 \
    "mxallowd: chroot $SCRATCH/theirs must be owned by root .*" \
    --chroot "$SCRATCH/theirs"

touch "$SCRATCH/afile"
configtest "chroot that is a file" 1 \
    "mxallowd: chroot $SCRATCH/afile is not a directory" --chroot "$SCRATCH/afile"

configtest "chroot that cannot be made" 1 \
    "mxallowd: chroot $SCRATCH/no/empty cannot be created: $SCRATCH/no is not a directory" \
    --chroot "$SCRATCH/no/empty"

mkdir -m 0775 "$SCRATCH/groupw"
configtest "state-file directory writable by a group" 1 \
    "mxallowd: state-file directory $SCRATCH/groupw must be owned by root .*" \
    --state-file "$SCRATCH/groupw/state"

mkdir -m 0755 "$SCRATCH/root"
configtest "state file in the chroot" 1 \
    "mxallowd: state-file $SCRATCH/root/state must not be in the chroot $SCRATCH/root" \
    --chroot "$SCRATCH/root" --state-file "$SCRATCH/root/state"

configtest "state-file none: nothing to check" 0 'configuration OK' \
    --state-file none

configtest "control socket in a missing directory" 1 \
    "mxallowd: control socket $SCRATCH/nodir/ctl.sock: $SCRATCH/nodir is not a directory" \
    --control-socket "$SCRATCH/nodir/ctl.sock"

configtest "control socket path taken by a file" 1 \
    "mxallowd: control socket $SCRATCH/afile exists and is not a socket" \
    --control-socket "$SCRATCH/afile"

configtest "allowlist that cannot be read" 1 \
    "$SCRATCH/missing-allowlist: No such file or directory" \
    --allowlist "$SCRATCH/missing-allowlist"

# The Redis password file, read as start-up reads it (no connection made).
redis=(--redis redis://192.0.2.1:6379 --redis-password-file)
printf 'secret\n' >"$SCRATCH/pw"; chmod 600 "$SCRATCH/pw"
configtest "redis password file readable by root alone: OK" 0 \
    'configuration OK' "${redis[@]}" "$SCRATCH/pw"
cp "$SCRATCH/pw" "$SCRATCH/pw-group"; chmod 640 "$SCRATCH/pw-group"
configtest "redis password file its group may read: says how to fix it" 1 \
    "mxallowd: redis-password-file $SCRATCH/pw-group must be owned by root and readable by root alone \\(it is mode 0640, uid 0\\): chown root $SCRATCH/pw-group; chmod 600 $SCRATCH/pw-group" \
    "${redis[@]}" "$SCRATCH/pw-group"
: >"$SCRATCH/pw-empty"; chmod 600 "$SCRATCH/pw-empty"
configtest "empty redis password file" 1 \
    "mxallowd: redis-password-file $SCRATCH/pw-empty: the first line is empty" \
    "${redis[@]}" "$SCRATCH/pw-empty"
configtest "missing redis password file" 1 \
    "mxallowd: redis-password-file $SCRATCH/pw-missing: No such file or directory" \
    "${redis[@]}" "$SCRATCH/pw-missing"
check "the password is not printed" \
    sh -c "! '$MXALLOWD' -n -c '$conf' ${redis[*]} '$SCRATCH/pw-group' 2>&1 | grep -q secret"

# Every problem at once, in one run.
out=$("$MXALLOWD" -n -c "$conf" --user _nosuchuser_mx --chroot "$SCRATCH/full" \
    --control-socket "$SCRATCH/afile" 2>&1); rc=$?
check "three problems: three lines, exit 1 (rc=$rc)" \
    test $rc -eq 1 -a "$(printf '%s\n' "$out" | wc -l)" -eq 3

# No -c and no /etc/mxallowd.conf: the missing file is said first.  /etc
# is hidden behind an empty tmpfs in a mount namespace of the test's own.
if command -v unshare >/dev/null; then
	out=$(unshare -m --propagation private sh -c \
	    'mount -t tmpfs none /etc && exec "$0" -n' "$MXALLOWD" 2>&1); rc=$?
	check "no configuration file: said first (rc=$rc: $(echo $out))" \
	    test $rc -eq 1 -a "$(printf '%s\n' "$out" | head -1)" = \
	    "/etc/mxallowd.conf: No such file or directory"
fi

# Unprivileged: the same checks, nothing needs root.
if command -v setpriv >/dev/null; then
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
	    "$MXALLOWD" -n -c "$conf" --chroot "$SCRATCH/full" 2>&1); rc=$?
	check "unprivileged: the same message (rc=$rc)" test $rc -eq 1 -a \
	    "$out" = "mxallowd: chroot $SCRATCH/full is not empty (leftover): the processes that read the network must see nothing there"
fi

# What configtest passes, start-up accepts: the same checks run first.
mkdir -m 0777 "$SCRATCH/open2"
out=$("$MXALLOWD" -d -c "$conf" --chroot "$SCRATCH/open2" 2>&1); rc=$?
check "start-up refuses with the configtest message (rc=$rc)" test $rc -eq 1 -a \
    "$(printf '%s\n' "$out" | head -1)" = \
    "mxallowd: chroot $SCRATCH/open2 must be owned by root and writable by root only (chown root $SCRATCH/open2; chmod go-w $SCRATCH/open2)"
