#!/usr/bin/env bash
# The manuals: lint-clean, and they document every option and keyword that
# the code accepts (taken from the code, so a new one without docs fails).
source "$(dirname "$0")/../lib.sh"

for m in mxallowd.8 mxallowd.conf.5 ctl/mxallowctl.8; do
	out=$(mandoc -Tlint -Wwarning "$TOP/$m" 2>&1)
	if [ -z "$out" ]; then pass "mandoc -Tlint $m"; else fail "mandoc -Tlint $m: $out"; fi
done

# mxallowctl's commands: the lines of its usage message, without their
# arguments ("add address [seconds]" is the command "add").
ctlcmds=$(sed -n 's/^	    "\\t\([a-z][a-z |]*\).*\\n".*/\1/p' "$TOP/ctl/mxallowctl.c" |
    sed 's/ address.*//; s/ | /\n/g')
check "found mxallowctl's commands ($(echo "$ctlcmds" | wc -l))" \
    test "$(echo "$ctlcmds" | wc -l)" -ge 8
while read -r cmd; do
	check "mxallowctl.8 documents $cmd" grep -qE "^\.It Cm $cmd( |$)" "$TOP/ctl/mxallowctl.8"
done <<<"$ctlcmds"

# Long options: the names in parent/mxallowd.c's longopts table.
longopts=$(sed -n 's/^	{ "\([a-z0-9-]*\)",.*/\1/p' "$TOP/parent/mxallowd.c")
check "found the long options ($(echo $longopts | wc -w))" test "$(echo $longopts | wc -w)" -ge 22
for opt in $longopts; do
	check "mxallowd.8 documents --$opt" grep -qE "^\.(It )?Fl .*-$opt( |$)|Fl -$opt" "$TOP/mxallowd.8"
done
# SYNOPSIS and usage() name every option: a long one without a short form
# as --NAME, one with a short form by its letter.
synopsis=$(sed -n '/^\.Sh SYNOPSIS/,/^\.Sh /p' "$TOP/mxallowd.8")
usage=$("$TOP/mxallowd" -h 2>&1)
check "mxallowd -h exits 0" "$TOP/mxallowd" -h
check "mxallowd -V prints the version" test "$("$TOP/mxallowd" -V)" = \
    "mxallowd $(sed -n 's/^#define MXALLOWD_VERSION[^"]*"\(.*\)"/\1/p' "$TOP/common/mxallowd.h")"
while read -r opt letter; do
	if [ "$letter" = 0 ]; then
		check "SYNOPSIS names --$opt" grep -qE "^\.Op Fl -$opt( |$)" <<<"$synopsis"
		check "usage() names --$opt" grep -qE "\[--$opt( |\])" <<<"$usage"
	else
		check "SYNOPSIS names -$letter (--$opt)" grep -qE "^\.Op Fl ([a-zA-Z]*$letter[a-zA-Z]*$|$letter( |$))" <<<"$synopsis"
		check "usage() names -$letter (--$opt)" grep -qE "\[-([a-zA-Z]*$letter[a-zA-Z]*\]|$letter )" <<<"$usage"
	fi
done < <(sed -n "s/^	{ \"\([a-z0-9-]*\)\",[^,]*,[^,]*, '\?\([a-zA-Z0-9]\)'\? }.*/\1 \2/p" "$TOP/parent/mxallowd.c")

# Short options: the getopt string, less the hidden -X.
shortopts=$(sed -n 's/^static const char shortopts\[\] = "\(.*\)";/\1/p' "$TOP/parent/mxallowd.c" | tr -d ':X')
for ((i = 0; i < ${#shortopts}; i++)); do
	o=${shortopts:i:1}
	check "mxallowd.8 documents -$o" grep -qE "^\.It Fl $o( |$)" "$TOP/mxallowd.8"
done
# Keywords: the first string of each entry of parent/config.c's table.
# Command-line-only ones (KW_CMDLINE) belong in mxallowd.8 alone.
keywords=$(sed -n '/^static const struct keyword keywords\[\] = {/,/^};/p' \
    "$TOP/parent/config.c" | grep -v KW_CMDLINE |
    sed -n 's/^[^"]*"\([a-z0-9-]*\)".*/\1/p')
# A table this extraction cannot read must fail, not check nothing.
check "found the keyword table ($(echo $keywords | wc -w) keywords)" \
    test "$(echo $keywords | wc -w)" -ge 18
for kw in $keywords; do
	check "mxallowd.conf.5 documents $kw" grep -qE "^\.It Ic $kw( |$)" "$TOP/mxallowd.conf.5"
done

# HISTORY names every keyword the original mxallowd did not have (its
# options, from its manual: ../shared/seeds/000_*.txt) as new.
original=" no-rdns-whitelist config whitelist-time stdout quiet fake-mailserver real-mailserver foreground queue-num pflog-interface pcap-filter "
history=$(sed -n '/^\.Sh HISTORY/,/^\.Sh /p' "$TOP/mxallowd.conf.5")
for kw in $keywords; do
	case $original in *" $kw "*) continue ;; esac
	check "mxallowd.conf.5 HISTORY names $kw as new" grep -qE "^\.Ic $kw( |$)" <<<"$history"
done
