#!/usr/bin/env bash
# A self-contained demonstration, run from the build tree as root:
# configtest, start, the three privilege-separated processes, a clean stop.
set -u
source "$(dirname "$0")/lib.sh"
scratch
need_user

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

conf=$(write_conf)
say "The configuration (fake MX 192.0.2.10 and 2001:db8::10, real MX .20 and ::20)"
cat "$conf"

say "mxallowd -n: configtest"
"$MXALLOWD" -n -c "$conf"
say "mxallowd -nv: the normalized configuration, every setting explicit"
"$MXALLOWD" -nv -c "$conf"

say "A broken line is named by file and line"
printf 'fake-mailserver 192.0.2.300\n' >"$SCRATCH/bad.conf"
"$MXALLOWD" -n -c "$SCRATCH/bad.conf"; echo "(exit status $?)"

say "Starting mxallowd -d (foreground, log to stderr)"
start_daemon "$conf" -v
wait_log 'startup complete' || { cat "$DAEMON_LOG"; exit 1; }
sed 's/^/    /' "$DAEMON_LOG"

say "The three processes, as the kernel sees them"
printf '    %-8s %-22s %-10s %-18s %-11s %s\n' PID TITLE UID CapEff NoNewPrivs ROOT
for pid in "$DAEMON_PID" $(children_of "$DAEMON_PID"); do
	printf '    %-8s %-22s %-10s %-18s %-11s %s\n' "$pid" \
	    "$(tr '\0' ' ' </proc/$pid/cmdline)" \
	    "$(getent passwd "$(status_field "$pid" Uid | cut -d' ' -f1)" | cut -d: -f1)" \
	    "$(status_field "$pid" CapEff)" "$(status_field "$pid" NoNewPrivs)" \
	    "$(readlink /proc/$pid/root)"
done
echo "    capture's root holds: $(ls -A "$SCRATCH/empty" | wc -l) entries"

say "SIGTERM: all three stop"
kids=$(children_of "$DAEMON_PID")
t0=$(date +%s%N)
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID"; rc=$?
wait_gone_ms 1000 $kids
echo "    exit status $rc after $(( ($(date +%s%N) - t0) / 1000000 )) ms; processes left: $(for k in $kids; do [ -d /proc/$k ] && echo $k; done | wc -l)"
DAEMON_PID=
tail -2 "$DAEMON_LOG" | sed 's/^/    /'
