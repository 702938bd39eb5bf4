#!/usr/bin/env bash
# A rehearsal is safe: `rangectl run` on libvirt's test driver without
# --netns sends no check to the scenario's addresses, which on the
# controller's network may be anyone's machines, and scores from simulated
# results instead. Run under strace in an empty namespace of the test's
# own (lo only: nothing could answer anyway), every connect() is counted:
# none may go to an address of the plan, nor anywhere but loopback. Then
# the journal: every round simulated, each result what the injects make
# it; --simulate-checks asked for by name says so; and a control run with
# --netns, whose real checks strace does see.
#
# usage: tests/engine/simulate.sh BUILD
set -u
build=$(realpath "${1:?usage: simulate.sh BUILD}")
cd "$(dirname "$0")/../.." || exit 1
. tests/engine/lib.sh
E2E_PACKAGES+=(strace)
[ "$(id -u)" -eq 0 ] || { echo "# needs root (network namespaces)"; echo "0 passed, 0 failed"; exit 0; }

rh_start sim
# LeakSanitizer cannot run under ptrace and aborts the traced runs at
# their exit: leaks are looked for in every other suite's runs, not here.
traced_asan="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
scenario=$PWD/tests/engine/rehearsal.yaml
state=$RH_DIR/state

# Every address the plan gives a host.
"$build/rangectl" plan --json "$scenario" >"$RH_DIR/plan.json"
jq -r '.. | objects | .ip? // empty' "$RH_DIR/plan.json" | sort -u >"$RH_DIR/addrs"
e2e_check "the plan has addresses to look for ($(wc -l <"$RH_DIR/addrs"))" test -s "$RH_DIR/addrs"

rh_exec env ASAN_OPTIONS="$traced_asan" strace -f -qq -e trace=connect -o "$RH_DIR/trace" \
	"$build/rangectl" run "$scenario" --connect test:///default --speed 100 \
	--linger 0s --listen off --state "$state" >"$RH_DIR/out" 2>"$RH_DIR/log"
rc=$?
e2e_check "the rehearsal ends with exit 0 (got $rc)" test "$rc" -eq 0
e2e_check "strace saw the run (its trace is there)" test -e "$RH_DIR/trace"
planned=$(grep -c -F -f <(sed 's/.*/inet_addr("&")/' "$RH_DIR/addrs") "$RH_DIR/trace")
e2e_check "no connect() to any planned address (got $planned)" test "$planned" -eq 0
elsewhere=$(grep 'connect(' "$RH_DIR/trace" | grep 'AF_INET' | grep -vc 'inet_addr("127\.')
e2e_check "no connect() over IP at all but to loopback (got $elsewhere)" test "$elsewhere" -eq 0
e2e_check "it says once at start that checks are simulated" \
	test "$(grep -c '^checks: simulated, as libvirt.s test driver' "$RH_DIR/log")" -eq 1

e2e_check "all 30 rounds are journaled as simulated" test "$(rh_jq "$state" \
	'[.[] | select(.type=="round")] | length == 30 and all(.simulated == true)')" = true
e2e_check "the journal is of format 5" test "$(rh_jq "$state" '.[0].format')" = 5
e2e_check "a service passes while nothing breaks it: ro's ssh in round 1" test "$(rh_jq "$state" \
	'[.[] | select(.type=="round" and .n==1) | .checks[] | select(.host=="reh-ro-web")] | all(.up)')" = true
# What each round saw follows from when things happened, read from the
# journal, not from the schedule: at --speed 100 on a loaded machine an
# inject or a round may run late (CI runs this beside QEMU guests), and a
# round sees what was done before it started. Rounds within one exercise
# second of a change are not judged either way.
# (A round started at .at + .late; the deface fired at its .actual; the
# web of ro was shut off and booted again at its host events' .t.)
when='def start: .at + .late;
	([.[] | select(.type=="inject" and .id=="deface")][0].actual) as $d |
	([.[] | select(.type=="host" and .name=="reh-ro-web" and .state=="shutoff")][0].t) as $off |
	([.[] | select(.type=="host" and .name=="reh-ro-web" and .state=="running" and .t > $off)][0].t // 1e9) as $on |
	[.[] | select(.type=="round")] as $rounds'
e2e_check "deface fires, then ro's web is shut off" test "$(rh_jq "$state" \
	"$when | \$d != null and \$off > \$d")" = true
e2e_check "deface fails the page that expects 'rangectl' on both webs in every round after it" \
	test "$(rh_jq "$state" "$when"' | [$rounds[] | select(start > $d + 1) | .checks[] | select(.service=="http")] |
	length >= 2 and all(.up == false and (.reason | test("defaced by inject .deface. \\(simulated\\)|shutoff")))')" = true
e2e_check "and not before" test "$(rh_jq "$state" "$when"' | [$rounds[] | select(start < $d - 1) |
	.checks[] | select(.service=="http")] | length >= 2 and all(.up)')" = true
e2e_check "a shut off host still fails, with its reason: ro's ssh in the rounds while it was off, and only then" \
	test "$(rh_jq "$state" "$when"' | [$rounds[] | select(start > $off + 1 and start < $on - 1)] as $dark |
	[$rounds[] | select(start < $off - 1 or start > $on + 1)] as $lit |
	($dark | length) >= 1 and
	([$dark[] | .checks[] | select(.host=="reh-ro-web" and .service=="ssh")] | all(.up == false and (.reason | test("shutoff")))) and
	([$lit[] | .checks[] | select(.host=="reh-ro-web" and .service=="ssh")] | all(.up))')" = true
e2e_check "the compromise is active on both webs after deface, where they run, and not before" \
	test "$(rh_jq "$state" "$when"' |
	def active($t): [.compromises[] | select(.active and .team == $t)] | length > 0;
	($rounds | map(select(start < $d - 1)) | all((active("ro") or active("md")) | not)) and
	($rounds | map(select(start > $d + 1)) | all(active("md"))) and
	($rounds | map(select(start > $d + 1 and (start < $off - 1 or start > $on + 1))) | all(active("ro"))) and
	($rounds | map(select(start > $off + 1 and start < $on - 1)) | all(active("ro") | not))')" = true

"$build/rangectl" report "$state" --json >"$RH_DIR/report.json" 2>"$RH_DIR/report.err"
e2e_check "report --json reads the simulated journal" test $? -eq 0
sums=$(rh_jq "$state" '[.[] | select(.type=="round")] as $r | ["ro","md"] | map(. as $t |
	($r | map(.checks[] | select(.team==$t and .up) | .points) | add // 0) -
	($r | map(.compromises[] | select(.team==$t and .active) | .penalty) | add // 0)) | join(",")')
reported=$(jq -r '[.teams[] | select(.id=="ro" or .id=="md")] | sort_by(.id) | reverse | map(.score) | join(",")' "$RH_DIR/report.json")
e2e_check "the report's scores equal the simulated journal's sums ($sums)" test "$sums" = "$reported"

# --simulate-checks by name, with --netns: still nothing sent, and said so.
rh_exec env ASAN_OPTIONS="$traced_asan" strace -f -qq -e trace=connect -o "$RH_DIR/trace2" \
	"$build/rangectl" run "$scenario" --connect test:///default --netns "$RH_NS" \
	--simulate-checks --speed 600 --linger 0s --listen off --state "$RH_DIR/state2" \
	>/dev/null 2>"$RH_DIR/log2"
e2e_check "--simulate-checks with --netns ends with exit 0" test $? -eq 0
e2e_check "--simulate-checks says so" grep -q '^checks: simulated (--simulate-checks)' "$RH_DIR/log2"
e2e_check "--simulate-checks: no connect() to a planned address" \
	test "$(grep -c -F -f <(sed 's/.*/inet_addr("&")/' "$RH_DIR/addrs") "$RH_DIR/trace2")" -eq 0
e2e_check "--simulate-checks: every round simulated" test "$(rh_jq "$RH_DIR/state2" \
	'[.[] | select(.type=="round")] | length == 30 and all(.simulated == true)')" = true

# The control, so that the count above can fail: with --netns alone the
# checks are real, and strace sees them go to the planned addresses.
rh_exec env ASAN_OPTIONS="$traced_asan" strace -f -qq -e trace=connect -o "$RH_DIR/trace3" \
	"$build/rangectl" run "$scenario" --connect test:///default --netns "$RH_NS" \
	--speed 600 --linger 0s --listen off --state "$RH_DIR/state3" >/dev/null 2>&1
real=$(grep -c -F -f <(sed 's/.*/inet_addr("&")/' "$RH_DIR/addrs") "$RH_DIR/trace3")
e2e_check "the control: with --netns, real checks connect() to planned addresses ($real)" test "$real" -gt 0
e2e_check "the control's rounds are not marked simulated" test "$(rh_jq "$RH_DIR/state3" \
	'[.[] | select(.type=="round")] | length == 30 and all(has("simulated") | not)')" = true
rh_stop
e2e_summary
