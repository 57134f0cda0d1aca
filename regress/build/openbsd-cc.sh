#!/usr/bin/env bash
# The OpenBSD build checked from Linux: every file BSDmakefile and
# ctl/BSDmakefile build, compiled with clang for x86_64-unknown-openbsd7.8
# against an OpenBSD header tree, with the makefiles' own flags plus
# -Wall -Wextra -Werror, syntax only.  Reports ok/FAIL per file.
#
#   OBSD_SYSROOT=/path/to/tree bash regress/build/openbsd-cc.sh
#
# OBSD_SYSROOT holds usr/include (OpenBSD's headers) and usr/local/include
# (the packages': libevent 2).  Without it the check is skipped.  Not part
# of make check (regress/run.sh leaves it out); make openbsd-check runs it.
#
# The makefiles are the single list: SRCS, .PATH and CFLAGS are read from
# them, ${.CURDIR} is the makefile's directory, a variable set with ?= takes
# its default, and an absolute -I path is looked up under OBSD_SYSROOT.
source "$(dirname "$0")/../lib.sh"

if [ -z "${OBSD_SYSROOT:-}" ]; then
	echo "SKIP openbsd-cc.sh: OBSD_SYSROOT is not set (an OpenBSD 7.8 header tree; see README)"
	exit 0
fi
if [ ! -d "$OBSD_SYSROOT/usr/include" ]; then
	fail "OBSD_SYSROOT=$OBSD_SYSROOT has no usr/include"
	exit 1
fi
CLANG=${CLANG:-clang}
if ! command -v "$CLANG" >/dev/null; then
	fail "no $CLANG: the OpenBSD check needs clang"
	exit 1
fi
RESDIR=$("$CLANG" -print-resource-dir)
TARGET=x86_64-unknown-openbsd7.8
# OpenBSD's cc is clang with -Wall -Wextra -Werror as its warnings here.
BASEFLAGS=(--target="$TARGET" -nostdinc -isystem "$OBSD_SYSROOT/usr/include"
    -isystem "$RESDIR/include" -fsyntax-only -Wall -Wextra -Werror)

# parse MAKEFILE: prints "src FILE" per source (path resolved through .PATH)
# and "flag FLAG" per CFLAGS word; "missing FILE" for a source found nowhere.
parse() {
	local mk=$1 dir
	dir=$(cd "$(dirname "$mk")" && pwd)
	awk -v curdir="$dir" -v sysroot="$OBSD_SYSROOT" '
	# join continuation lines
	/\\$/ { sub(/\\$/, ""); buf = buf $0 " "; next }
	{ line = buf $0; buf = "" }
	{
		# variables: NAME?= default, NAME= value
		if (match(line, /^[A-Za-z_][A-Za-z_0-9]*[?]?=/)) {
			name = substr(line, 1, RLENGTH); val = substr(line, RLENGTH + 1)
			sub(/[?]?=$/, "", name); gsub(/^[ \t]+|[ \t]+$/, "", val)
			if (!(name in vars)) vars[name] = val
		}
		if (match(line, /^[A-Za-z_][A-Za-z_0-9]*[+]=/)) {
			name = substr(line, 1, RLENGTH - 2); val = substr(line, RLENGTH + 1)
			gsub(/^[ \t]+|[ \t]+$/, "", val)
			if (name == "SRCS" || name == "CFLAGS")
				vars[name] = vars[name] " " val
		}
		if (line ~ /^SRCS=/) { val = line; sub(/^SRCS=/, "", val); vars["SRCS"] = val }
		if (line ~ /^\.PATH:/) { val = line; sub(/^\.PATH:/, "", val); paths = paths " " val }
	}
	function expand(s,   v) {
		gsub(/\$\{\.CURDIR\}/, curdir, s)
		for (v in vars) gsub("\\$\\{" v "\\}", vars[v], s)
		return s
	}
	END {
		n = split(expand(paths), p, /[ \t]+/)
		np = 0; dirs[++np] = curdir
		for (i = 1; i <= n; i++) if (p[i] != "") dirs[++np] = p[i]
		n = split(expand(vars["SRCS"]), s, /[ \t]+/)
		for (i = 1; i <= n; i++) {
			if (s[i] == "") continue
			found = ""
			for (j = 1; j <= np && found == ""; j++)
				if (system("test -f \"" dirs[j] "/" s[i] "\"") == 0)
					found = dirs[j] "/" s[i]
			print (found != "" ? "src " found : "missing " s[i])
		}
		n = split(expand(vars["CFLAGS"]), f, /[ \t]+/)
		for (i = 1; i <= n; i++) {
			if (f[i] == "") continue
			# an include directory outside the tree is a system one
			if (f[i] ~ /^-I\// && index(f[i], curdir) != 3)
				f[i] = "-I" sysroot substr(f[i], 3)
			print "flag " f[i]
		}
	}' "$mk"
}

# fail, counted: the exit status says whether anything failed.
nfail=0
fail() { echo "FAIL $*"; nfail=$((nfail + 1)); }

total=0
for mk in "$TOP/BSDmakefile" "$TOP/ctl/BSDmakefile"; do
	srcs=() flags=()
	while read -r kind arg; do
		case $kind in
		src) srcs+=("$arg") ;;
		flag) flags+=("$arg") ;;
		missing) fail "${mk#"$TOP"/}: $arg is in SRCS but in no .PATH directory" ;;
		esac
	done < <(parse "$mk")
	check "${mk#"$TOP"/}: found its sources (${#srcs[@]})" test "${#srcs[@]}" -gt 0
	for src in "${srcs[@]}"; do
		rel=${src#"$TOP"/}
		if out=$("$CLANG" "${BASEFLAGS[@]}" "${flags[@]}" "$src" 2>&1) && [ -z "$out" ]; then
			pass "openbsd cc $rel"
		else
			fail "openbsd cc $rel"
			printf '%s\n' "$out" | sed 's/^/    /'
		fi
		total=$((total + 1))
	done
done
echo "$total files compiled for $TARGET, $nfail failed"
[ "$nfail" -eq 0 ]
