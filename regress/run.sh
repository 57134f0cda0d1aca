#!/usr/bin/env bash
# Runs the regress suite (or the groups named as arguments: unit config build proc replay netns)
# and ends with one line "N passed, M failed".  Exit status is 0 only when
# nothing failed.  UNIT_WRAPPER, when set, is a command line the unit tests
# run under (make check-valgrind); UNIT_SKIP names unit tests not to run.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
groups=${*:-unit config build proc replay netns}
out=$(mktemp /tmp/mxallowd-run.XXXXXX)
trap 'rm -f "$out"' EXIT

# run LABEL COMMAND...: run one test program; a program that exits non-zero
# without having reported a failure counts as one failure.
run() {
	local label=$1; shift
	local log rc
	log=$(mktemp /tmp/mxallowd-test.XXXXXX)
	"$@" >"$log" 2>&1
	rc=$?
	cat "$log" | tee -a "$out" | grep -E '^(ok|FAIL) ' || true
	if [ $rc -ne 0 ] && ! grep -q '^FAIL ' "$log"; then
		echo "FAIL $label: exited $rc" | tee -a "$out"
		sed 's/^/    /' "$log" | tail -20
	fi
	rm -f "$log"
}

for g in $groups; do
	echo "== $g"
	case $g in
	unit)
		for t in "$top"/regress/unit/*_test; do
			case " ${UNIT_SKIP:-} " in *" $(basename "$t") "*) continue ;; esac
			# shellcheck disable=SC2086 # a command line
			[ -x "$t" ] && run "$(basename "$t")" ${UNIT_WRAPPER:-} "$t"
		done ;;
	config)
		run config bash "$here/config/run.sh" ;;
	build|proc|replay|netns)
		for t in "$here"/$g/*.sh; do
			run "$(basename "$t")" bash "$t"
		done ;;
	*)
		echo "unknown group $g"; exit 2 ;;
	esac
done

passed=$(grep -c '^ok ' "$out")
failed=$(grep -c '^FAIL ' "$out")
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
