#!/usr/bin/env bash
# The crash test: scenarios/demo.yaml on the test driver at --speed 300,
# once without a break and once killed with SIGKILL midway and started
# again on the same state folder. No inject may fire twice or be lost,
# every round must count once, and the final scores must be equal.
#
# usage: tests/engine/crash.sh BUILD
set -u
build=$(realpath "${1:?usage: crash.sh BUILD}")
cd "$(dirname "$0")/../.." || exit 1
. tests/engine/lib.sh
[ "$(id -u)" -eq 0 ] || { echo "# needs root (network namespaces)"; echo "0 passed, 0 failed"; exit 0; }

rh_start crash
rh_serve 10.1.1.10 "rangectl demo page"
rh_serve 10.2.1.10 "rangectl demo page"
scenario=$PWD/scenarios/demo.yaml
run() { rh_exec "$build/rangectl" run "$scenario" --connect test:///default --netns "$RH_NS" --speed 300 --linger 0s "$@"; }
rounds() { [ -s "$1/journal.jsonl" ] && rh_jq "$1" '[.[] | select(.type=="round")] | length' || echo 0; }

run --state "$RH_DIR/whole" >/dev/null 2>"$RH_DIR/whole.log"
e2e_check "the uninterrupted run ends (exit $?)" test "$(rounds "$RH_DIR/whole")" = 30

# Killed once rounds have begun and before the end: wait for round 12.
# Not through run(): $! must be rangectl itself (ip and rangectl exec).
ip netns exec "$RH_NS" "$build/rangectl" run "$scenario" --connect test:///default --netns "$RH_NS" --speed 300 --linger 0s \
	--state "$RH_DIR/crashed" >/dev/null 2>"$RH_DIR/first.log" &
pid=$!
for _ in $(seq 200); do
	[ "$(rounds "$RH_DIR/crashed")" -ge 12 ] && break
	sleep 0.02
done
kill -KILL $pid
wait $pid 2>/dev/null
at_kill=$(rounds "$RH_DIR/crashed")
e2e_check "killed midway, at round $at_kill of 30" test "$at_kill" -ge 12 -a "$at_kill" -lt 30
# A crash can leave half a line: make one, as a crash mid-write would.
printf '{"seq":' >>"$RH_DIR/crashed/journal.jsonl"
run --state "$RH_DIR/crashed" >/dev/null 2>"$RH_DIR/restart.log"
e2e_check "the restarted run ends with exit 0" test $? -eq 0

q='[.[] | select(.type=="inject")] | group_by(.id) | map("\(.[0].id)=\(length)") | join(",")'
whole=$(rh_jq "$RH_DIR/whole" "$q")
crashed=$(rh_jq "$RH_DIR/crashed" "$q")
e2e_check "no inject fired twice, none lost ($crashed)" test "$whole" = "$crashed" -a \
	"$(rh_jq "$RH_DIR/crashed" '[.[] | select(.type=="inject")] | all(.firing == 1)')" = true
e2e_check "rounds 1 to 30 counted once each" test "$(rh_jq "$RH_DIR/crashed" \
	'[.[] | select(.type=="round") | .n] == [range(1;31)]')" = true
e2e_check "the clock resumed where it stood, plus the time it was down" grep -q 'resumed after a restart' "$RH_DIR/restart.log"
scores() { "$build/rangectl" report "$1" --json | jq -c '[.teams[] | {id, score, availability, penalties}]'; }
e2e_check "the final scores equal the uninterrupted run's: $(scores "$RH_DIR/whole")" \
	test "$(scores "$RH_DIR/whole")" = "$(scores "$RH_DIR/crashed")"
e2e_check "the scores are not all zero" test "$(scores "$RH_DIR/whole" | jq 'map(.score) | add')" -gt 0

rh_stop
e2e_summary
