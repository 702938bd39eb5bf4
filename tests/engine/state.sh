#!/usr/bin/env bash
# `run` reads its state folder before it connects to libvirt or builds
# anything (issue 13): a folder of another exercise is refused, and an
# exercise that ended has nothing to run. The URI names a test-driver file
# that does not exist, so that any attempt to connect fails loudly: the
# right answer never gets that far. No check runs, so no namespace.
#
# usage: tests/engine/state.sh BUILD
set -u
build=$(realpath "${1:?usage: state.sh BUILD}")
cd "$(dirname "$0")/../.." || exit 1
. tests/e2e/lib.sh

dir=$(mktemp -d /tmp/rc-state.XXXXXX)
trap 'rm -rf "$dir"' EXIT
scenario=$PWD/tests/engine/rehearsal.yaml
uri="test://$dir/no-such-node.xml"

# A journal of exercise $1 whose clock ended at 10 minutes, in folder $2.
journal() {
	mkdir -p "$2"
	printf '%s\n' \
		'{"seq":1,"type":"exercise","t":0,"wall":1795000000.0,"format":3,"name":"'"$1"'","title":null,"duration":600,"interval":60,"timeout":5,"teams":[],"injects":[],"hosts":[]}' \
		'{"seq":2,"type":"clock","t":0,"wall":1795000000.0,"state":"running","by":null}' \
		'{"seq":3,"type":"clock","t":600,"wall":1795000600.0,"state":"ended","by":null}' \
		>"$2/journal.jsonl"
}

journal reh "$dir/ended"
"$build/rangectl" run "$scenario" --connect "$uri" --linger 0s --state "$dir/ended" >"$dir/out" 2>"$dir/err"
rc=$?
e2e_check "an ended exercise: run exits 0 (got $rc)" test "$rc" -eq 0
e2e_check "it says the exercise ended, and built nothing" \
	grep -q "exercise 'reh' in '$dir/ended' ended at 0:10:00: nothing to run, and nothing was built" "$dir/err"
e2e_check "it never tried to connect" sh -c "! grep -qi 'connect\|libvirt\|is up' '$dir/err'"
e2e_check "the journal is left as it was (3 events)" test "$(wc -l <"$dir/ended/journal.jsonl")" -eq 3

journal other "$dir/other"
"$build/rangectl" run "$scenario" --connect "$uri" --linger 0s --state "$dir/other" >"$dir/out" 2>"$dir/err"
rc=$?
e2e_check "another exercise's folder: run exits 1 (got $rc)" test "$rc" -eq 1
e2e_check "it names both exercises and built nothing" \
	grep -q "the journal in '$dir/other' belongs to exercise 'other', not 'reh'; nothing was built" "$dir/err"
e2e_check "it never tried to connect" sh -c "! grep -qi 'connect\|libvirt\|is up' '$dir/err'"

# A new folder does go on to libvirt, which fails here: the check lets it.
"$build/rangectl" run "$scenario" --connect "$uri" --linger 0s --state "$dir/new" >"$dir/out" 2>"$dir/err"
e2e_check "a new folder goes on to connect (and fails on the missing node)" grep -qi "no-such-node" "$dir/err"

e2e_summary
