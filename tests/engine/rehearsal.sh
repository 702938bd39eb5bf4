#!/usr/bin/env bash
# A rehearsal of tests/engine/rehearsal.yaml on the test driver at --speed
# 300 (30 minutes in 6 seconds): every inject fires once, in order, at its
# offset; rounds run every interval; a host that is shut off scores zero;
# the report agrees with the journal; pausing stops the clock and scoring.
#
# usage: tests/engine/rehearsal.sh BUILD
set -u
build=$(realpath "${1:?usage: rehearsal.sh BUILD}")
cd "$(dirname "$0")/../.." || exit 1
. tests/engine/lib.sh
[ "$(id -u)" -eq 0 ] || { echo "# needs root (network namespaces)"; echo "0 passed, 0 failed"; exit 0; }

rh_start reh
rh_serve 10.1.1.10 "rangectl web, clean"
rh_serve 10.2.1.10 "rangectl web, defaced by red"
scenario=$PWD/tests/engine/rehearsal.yaml
state=$RH_DIR/state
run() { rh_exec "$build/rangectl" run "$scenario" --connect test:///default --netns "$RH_NS" --linger 0s "$@"; }

# ---- an uninterrupted run -------------------------------------------------
run --speed 300 --state "$state" >"$RH_DIR/out" 2>"$RH_DIR/log"
rc=$?
e2e_check "run ends with exit 0 (got $rc)" test "$rc" -eq 0
grep -q 'clock ended' "$RH_DIR/log" || { e2e_fail "the log says the clock ended"; sed 's/^/#   /' "$RH_DIR/log" | tail -20; }

timed=$(grep -c ' at: ' "$scenario")
e2e_check "each of the $timed timed injects fired exactly once" test "$(rh_jq "$state" \
	'[.[] | select(.type=="inject")] | group_by(.id) | map(length) | select(all(. == 1)) | length')" = "$timed"
e2e_check "no manual inject fired by itself" test "$(rh_jq "$state" \
	'[.[] | select(.type=="inject" and .id=="press")] | length')" = 0
e2e_check "injects fired in their order, each at its offset" test "$(rh_jq "$state" \
	'[.[] | select(.type=="inject")] | (map(.scheduled) == (map(.scheduled) | sort)) and all(.actual >= .scheduled and .late < 60)')" = true
e2e_check "every firing has its result" test "$(rh_jq "$state" \
	'([.[] | select(.type=="inject")] | map("\(.id)#\(.firing)") | sort) == ([.[] | select(.type=="inject_result")] | map("\(.id)#\(.firing)") | sort)')" = true
e2e_check "an exec on the test driver fails with its reason, for each target" test "$(rh_jq "$state" \
	'[.[] | select(.type=="inject_result" and .id=="recon") | .results[]] | length == 2 and all(.ok == false and (.error | test("agent|support")))')" = true
e2e_check "shutdown and start act on the target" test "$(rh_jq "$state" \
	'[.[] | select(.type=="inject_result" and (.id=="halt-ro" or .id=="boot-ro")) | .results[]] | length == 2 and all(.ok)')" = true
e2e_check "the message reached every team" test "$(rh_jq "$state" \
	'[.[] | select(.type=="message" and .inject=="brief")][0].to | sort | join(",")')" = "md,red,ro,white"
e2e_check "rounds 1 to 30, once each, every 60 s" test "$(rh_jq "$state" \
	'[.[] | select(.type=="round")] | map([.n, .at]) == [range(1;31) | [., . * 60]]')" = true
e2e_check "libvirt's lifecycle events are journaled: ro/web shut off, then running" test "$(rh_jq "$state" \
	'[.[] | select(.type=="host" and .name=="reh-ro-web") | .state] | join(",")')" = "running,shutoff,running"
e2e_check "a shut off host's services score zero, with the reason" test "$(rh_jq "$state" \
	'[.[] | select(.type=="round") | .checks[] | select(.host=="reh-ro-web" and .service=="http" and .up==false)] | (map(.points) | add) == 0 and length == 2 and all(.reason | test("shutoff"))')" = true
e2e_check "the compromise costs md its penalty from the round of deface's minute on" test "$(rh_jq "$state" \
	'[.[] | select(.type=="round") | select(any(.compromises[]; .active)) | .n] == [range(8;31)] and ([.[] | select(.type=="round") | .compromises[] | select(.active)] | (map(.team) | unique) == ["md"] and (map(.penalty) | add) == 230)')" = true

# The report, computed from the journal alone, against sums done here.
"$build/rangectl" report "$state" --json >"$RH_DIR/report.json" 2>"$RH_DIR/report.err"
e2e_check "report --json exits 0" test $? -eq 0
sums=$(rh_jq "$state" '[.[] | select(.type=="round")] as $r | ["ro","md"] | map(. as $t |
	($r | map(.checks[] | select(.team==$t and .up) | .points) | add // 0) -
	($r | map(.compromises[] | select(.team==$t and .active) | .penalty) | add // 0)) | join(",")')
reported=$(jq -r '[.teams[] | select(.id=="ro" or .id=="md")] | sort_by(.id) | reverse | map(.score) | join(",")' "$RH_DIR/report.json")
e2e_check "the report's scores equal the journal's sums ($sums)" test "$sums" = "$reported"
e2e_check "the scores are what the scenario makes them: ro 140 (28 rounds of http), md 150 - 230" test "$sums" = "140,-80"
e2e_check "run prints the final scores" grep -q '^ro  *blue  *1  *140 ' "$RH_DIR/out"

# ---- pause stops the clock and scoring ----------------------------------
state2=$RH_DIR/state2
# Not through run(): $! must be rangectl itself (ip and rangectl exec).
ip netns exec "$RH_NS" "$build/rangectl" run "$scenario" --connect test:///default --netns "$RH_NS" --speed 300 --linger 0s \
	--state "$state2" >/dev/null 2>"$RH_DIR/log2" &
pid=$!
sleep 1.5
kill -USR1 $pid
sleep 0.5
rounds1=$(rh_jq "$state2" '[.[] | select(.type=="round")] | length')
sleep 1.5
rounds2=$(rh_jq "$state2" '[.[] | select(.type=="round")] | length')
kill -USR2 $pid
wait $pid
rc=$?
e2e_check "paused: no round in 1.5 s (was $rounds1, then $rounds2)" test "$rounds1" = "$rounds2"
e2e_check "the pause was mid-exercise" test "$rounds1" -gt 0 -a "$rounds1" -lt 30
e2e_check "after resuming, the run ends with exit 0 and all 30 rounds" test "$rc" -eq 0 -a \
	"$(rh_jq "$state2" '[.[] | select(.type=="round")] | length')" = 30
e2e_check "the journal says paused by SIGUSR1, then running by SIGUSR2, at the same exercise time" test "$(rh_jq "$state2" \
	'[.[] | select(.type=="clock")] | map(select(.by != null)) | (map("\(.state):\(.by)") | join(",")) + " " + ((.[0].t == .[1].t) | tostring)')" = "paused:SIGUSR1,running:SIGUSR2 true"
# A round already running when the pause came may finish; none may start.
e2e_check "no round started and no inject fired while paused" test "$(rh_jq "$state2" \
	'map(select(.type=="clock" and .state=="paused"))[0] as $p | (map(select(.type=="clock" and .state=="running" and .by=="SIGUSR2"))[0].seq) as $r | [.[] | select(.seq > $p.seq and .seq < $r and ((.type=="round" and .at > $p.t) or .type=="inject"))] | length')" = 0

# ---- an ended exercise stays ended ----------------------------------------
before=$(wc -l <"$state/journal.jsonl")
run --speed 300 --state "$state" >/dev/null 2>"$RH_DIR/log3"
rc=$?
e2e_check "run on an ended exercise's state exits 0 and journals nothing" test "$rc" -eq 0 -a \
	"$(wc -l <"$state/journal.jsonl")" = "$before"

rh_stop
e2e_summary
