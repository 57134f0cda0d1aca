# shellcheck shell=bash
# Sourced by the benchmark scripts (regress/bench), after lib.sh.

# Where they are, and where their results go (BENCH_RESULTS overrides).
BENCH=$REGRESS_DIR/bench
RESULTS=${BENCH_RESULTS:-$BENCH/results}

# md_block DOC NAME FILE: replace the lines of DOC between
# "<!-- NAME begin -->" and "<!-- NAME end -->" by FILE, its first line (a
# heading) left out and its other headings one level down.  DOC without
# the markers is left alone.
md_block() {
	local doc=$1 name=$2 file=$3
	[ -f "$doc" ] && grep -q "^<!-- $name begin -->" "$doc" || return 0
	awk -v res="$file" -v b="<!-- $name begin -->" -v e="<!-- $name end -->" '
		$0 == b { print; skip = 1
			first = 1
			while ((getline l < res) > 0) {
				if (first && l ~ /^#/) { first = 0; continue }
				first = 0
				if (l ~ /^#+ /) l = "#" l
				print l
			}
			next }
		$0 == e { skip = 0 }
		!skip' "$doc" >"$doc.new" && mv "$doc.new" "$doc"
}
