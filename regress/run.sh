#!/usr/bin/env bash
# Runs the regress suite and ends with one line "N passed, M failed"; exit
# status 0 only when nothing failed.  Arguments choose what runs:
#
#   (none)		every group: unit config build proc replay netns
#   GROUP		one group, e.g. netns
#   GROUP/TEST		one test, e.g. netns/rdns or unit/imsg_test
#
# (make check T=netns/rdns passes T on.)  Each test's name is printed when
# it starts; its "ok"/"FAIL" lines and its time when it ends.
# UNIT_WRAPPER, when set, is a command line the unit tests run under (make
# check-valgrind); UNIT_SKIP names unit tests not to run.  REALCAPS is where
# the shared captures are, by default ../shared/realcaps beside the tree.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
export REALCAPS=${REALCAPS:-$top/../shared/realcaps}
all="unit config build proc replay netns"
out=$(mktemp /tmp/mxallowd-run.XXXXXX)
trap 'rm -f "$out"' EXIT

# run LABEL COMMAND...: run one test program; a program that exits non-zero
# without having reported a failure counts as one failure.
run() {
	local label=$1; shift
	local log rc t0 tenths ok bad
	log=$(mktemp /tmp/mxallowd-test.XXXXXX)
	echo "-- $label"
	t0=$(date +%s%N)
	"$@" >"$log" 2>&1
	rc=$?
	grep -E '^(ok|FAIL) ' "$log" | tee -a "$out"
	if [ $rc -ne 0 ] && ! grep -q '^FAIL ' "$log"; then
		echo "FAIL $label: exited $rc" | tee -a "$out"
		sed 's/^/    /' "$log" | tail -20
	fi
	ok=$(grep -c '^ok ' "$log")
	bad=$(grep -c '^FAIL ' "$log")
	[ $rc -ne 0 ] && [ "$bad" -eq 0 ] && bad=1
	tenths=$((($(date +%s%N) - t0) / 100000000))
	printf -- '-- %s: %d ok, %d failed, %d.%d s\n' "$label" "$ok" "$bad" \
	    $((tenths / 10)) $((tenths % 10))
	rm -f "$log"
}

# unit_test PATH: one unit test program, under UNIT_WRAPPER if set.
unit_test() {
	local t=$1
	case " ${UNIT_SKIP:-} " in *" $(basename "$t") "*) return ;; esac
	# shellcheck disable=SC2086 # a command line
	[ -x "$t" ] && run "unit/$(basename "$t")" ${UNIT_WRAPPER:-} "$t"
}

# one GROUP [TEST]: a whole group, or the test of that group named TEST.
one() {
	local g=$1 name=${2:-} t found=0
	case $g in
	unit)
		for t in "$top"/regress/unit/*_test; do
			[ -n "$name" ] && [ "$(basename "$t")" != "$name" ] &&
			    [ "$(basename "$t")" != "${name}_test" ] && continue
			found=1
			unit_test "$t"
		done ;;
	config)
		found=1
		run config bash "$here/config/run.sh" ;;
	build|proc|replay|netns)
		for t in "$here"/$g/*.sh; do
			[ -n "$name" ] && [ "$(basename "$t" .sh)" != "${name%.sh}" ] &&
			    continue
			# the OpenBSD compile needs a header tree: make openbsd-check
			[ -z "$name" ] && [ "$t" = "$here/build/openbsd-cc.sh" ] &&
			    continue
			found=1
			run "$g/$(basename "$t" .sh)" bash "$t"
		done ;;
	*)
		echo "unknown group $g (groups: $all)"; exit 2 ;;
	esac
	if [ $found -eq 0 ]; then
		echo "no test $g/$name"
		exit 2
	fi
}

for arg in ${*:-$all}; do
	case $arg in
	*/*)	echo "== ${arg%%/*}"; one "${arg%%/*}" "${arg#*/}" ;;
	*)	echo "== $arg"; one "$arg" ;;
	esac
done

passed=$(grep -c '^ok ' "$out")
failed=$(grep -c '^FAIL ' "$out")
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
