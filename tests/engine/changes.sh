#!/usr/bin/env bash
# A scenario changed between two runs of one exercise (issue 13: an inject
# moved while the exercise was stopped went unnoticed, and the report said
# it fired "on time" at its new time under its old one). The restart is
# refused naming the change; --accept-changes goes on, journals a change
# event, and the report says when the inject was first planned.
#
# usage: tests/engine/changes.sh BUILD
set -u
build=$(realpath "${1:?usage: changes.sh BUILD}")
cd "$(dirname "$0")/../.." || exit 1
. tests/engine/lib.sh
[ "$(id -u)" -eq 0 ] || { echo "# needs root (namespaces)"; echo "0 passed, 0 failed"; exit 0; }

rh_start changes
rh_serve 10.1.1.10 "rangectl web, clean"
rh_serve 10.2.1.10 "rangectl web, defaced by red"
state=$RH_DIR/state
cp tests/engine/rehearsal.yaml "$RH_DIR/reh.yaml"

# The exercise begins (its clock left pending), and is stopped. Not
# through rh_exec: a function in the background is a subshell, and $!
# would be its PID, not rangectl's.
ip netns exec "$RH_NS" "$build/rangectl" run "$RH_DIR/reh.yaml" --connect test:///default \
	--wait --linger 0s --state "$state" >/dev/null 2>"$RH_DIR/log1" &
pid=$!
for _ in $(seq 100); do
	[ -s "$state/journal.jsonl" ] && break
	sleep 0.1
done
sleep 0.5
kill -TERM "$pid"
wait "$pid"
e2e_check "the exercise began and was stopped" test -s "$state/journal.jsonl"

# The message inject 'brief' moves from 9m to 20m; the interval changes.
sed -i -e 's/{id: brief, at: 9m,/{id: brief, at: 20m,/' -e 's/interval: 60s/interval: 30s/' "$RH_DIR/reh.yaml"
rh_exec "$build/rangectl" run "$RH_DIR/reh.yaml" --connect test:///default \
	--speed 300 --linger 0s --state "$state" >/dev/null 2>"$RH_DIR/log2"
rc=$?
e2e_check "the changed scenario is refused (exit 1, got $rc)" test "$rc" -eq 1
e2e_check "it names the moved inject" grep -q "inject 'brief': at 0:09:00, now 0:20:00" "$RH_DIR/log2"
e2e_check "it names the new interval" grep -q "scoring.interval (s): 60, now 30" "$RH_DIR/log2"
e2e_check "it says how to go on" grep -q -- "--accept-changes" "$RH_DIR/log2"
e2e_check "it said so before building anything" sh -c "! grep -q 'is up\|creating' '$RH_DIR/log2'"
e2e_check "nothing was journaled" test "$(rh_jq "$state" '[.[] | select(.type == "change")] | length')" = 0
# That refusal read the checkpoint and the journal after it; without a
# checkpoint, the whole journal is read, to the same verdict.
e2e_check "the stopped run left a checkpoint" test -s "$state/checkpoint.json"
cp -r "$state" "$RH_DIR/state-whole" && rm "$RH_DIR/state-whole/checkpoint.json"
rh_exec "$build/rangectl" run "$RH_DIR/reh.yaml" --connect test:///default \
	--speed 300 --linger 0s --state "$RH_DIR/state-whole" >/dev/null 2>"$RH_DIR/log2b"
rc=$?
e2e_check "without its checkpoint, refused the same (exit 1, got $rc)" test "$rc" -eq 1
e2e_check "...naming the same changes" sh -c "grep 'inject\|scoring' '$RH_DIR/log2' | sed 's|$state|S|' >'$RH_DIR/a'; grep 'inject\|scoring' '$RH_DIR/log2b' | sed 's|$RH_DIR/state-whole|S|' >'$RH_DIR/b'; test -s '$RH_DIR/a' && cmp -s '$RH_DIR/a' '$RH_DIR/b'"

rh_exec "$build/rangectl" run "$RH_DIR/reh.yaml" --connect test:///default \
	--speed 300 --linger 0s --accept-changes --state "$state" >/dev/null 2>"$RH_DIR/log3"
rc=$?
e2e_check "with --accept-changes it runs to the end (exit 0, got $rc)" test "$rc" -eq 0
e2e_check "a change event says what changed" test "$(rh_jq "$state" \
	'[.[] | select(.type == "change") | .what[]] | index("inject '"'"'brief'"'"': at 0:09:00, now 0:20:00") != null')" = true
e2e_check "brief fired at its new time" test "$(rh_jq "$state" \
	'[.[] | select(.type == "inject" and .id == "brief") | .scheduled] == [1200]')" = true
"$build/rangectl" report "$state" >"$RH_DIR/report" 2>&1
e2e_check "the report shows it planned at 0:20:00, first at 0:09:00" \
	grep -q "moved: planned at 0:09:00 when the exercise began, then at 0:20:00 by a scenario change" "$RH_DIR/report"
e2e_check "and lists the change" grep -q "inject 'brief': at 0:09:00, now 0:20:00" "$RH_DIR/report"
# A later restart compares with the accepted scenario, not the first.
rh_exec "$build/rangectl" run "$RH_DIR/reh.yaml" --connect test:///default \
	--speed 300 --linger 0s --state "$state" >/dev/null 2>"$RH_DIR/log4"
e2e_check "once accepted, the same scenario is not refused again" sh -c "! grep -q 'is not the one' '$RH_DIR/log4'"
e2e_check "...and, the exercise having ended, there is nothing to run (read from its checkpoint)" \
	sh -c "test -s '$state/checkpoint.json' && grep -q \"exercise 'reh' in '$state' ended at\" '$RH_DIR/log4'"

e2e_summary
