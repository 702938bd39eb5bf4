#!/usr/bin/env bash
# Flags for the red teams (issue 13, point 3), rehearsed on libvirt's test
# driver: `rangectl run` gives each flag a value at the start and a fresh
# one at each rotation, journaled as not planted (a rehearsal writes into
# no guest); red trainees submit them through POST /api/v1/flags: a
# current value scores once per red team, and every flag that does not
# score (the same again, a wrong one, a stale one) gets one same answer.
# No trainee ever sees a value: not in any GET of the API, not on the
# live stream; nor does the report. A revert of a host writes its flags'
# current values again (a replant), and red cannot score them twice. The
# report shows the captures per red team and the losses per blue team,
# and agrees with the live scores.
#
# usage: tests/engine/flags.sh BUILD
set -u
build=$(realpath "${1:?usage: flags.sh BUILD}")
cd "$(dirname "$0")/../.." || exit 1
. tests/engine/lib.sh
E2E_PACKAGES+=(curl)
[ "$(id -u)" -eq 0 ] || { echo "# needs root (network namespaces)"; echo "0 passed, 0 failed"; exit 0; }

rh_start flags
state=$RH_DIR/state
scenario=$PWD/tests/engine/flags.yaml
# No --netns: a rehearsal, its checks simulated (and its flags not planted).
rh_api_start "$build/rangectl" run "$scenario" --connect test:///default --speed 20 --wait \
	--keepalive 1s --linger 60s --listen 127.0.0.1:8080 --state "$state"

declare -A T=()
for who in control prof ana ion eve gus; do T[$who]=$(tok "$who"); done

# submit WHO FLAG: the status, then the body on the next line
submit() {
	local out
	out=$(c -w '\n%{http_code}' -X POST -H "Authorization: Bearer ${T[$1]}" -H 'Content-Type: application/json' \
		--data "$(jq -cn --arg f "$2" '{flag: $f}')" "$base/api/v1/flags")
	printf '%s\n%s\n' "${out##*$'\n'}" "${out%$'\n'*}"
}
# value FLAG HOST ROTATION: that value, from the journal
value() {
	rh_jq "$state" "[.[] | select(.type==\"flag\" and .flag==\"$1\" and .host==\"$2\" and .rotation==$3) | .value][0] // empty"
}
wait_for() {
	local i
	for i in $(seq 300); do
		[ "$(rh_jq "$state" "$1")" = true ] && return 0
		sleep 0.1
	done
	return 1
}

# Live streams of every trainee and of staff, from before the start.
for who in ana ion eve gus prof; do
	rh_exec curl -s -N -m 14 "$base/api/v1/events?token=${T[$who]}" >"$RH_DIR/sse-$who" &
done
c -o /dev/null -X POST -H "Authorization: Bearer ${T[control]}" "$base/api/v1/exercise/start"
e2e_check "at the start, every flag gets a value: 3 flag events of rotation 1" \
	wait_for '[.[] | select(.type=="flag" and .rotation==1)] | length == 3'
e2e_check "each is journaled as not planted, saying why" test "$(rh_jq "$state" \
	'[.[] | select(.type=="flag")] | all(.planted == false and (.error | test("rehearsal writes into no guest")))')" = true
e2e_check "each value is fresh: 3 different flag{32 hex digits}" test "$(rh_jq "$state" \
	'[.[] | select(.type=="flag") | .value] | (unique | length) == 3 and all(test("^flag\\{[0-9a-f]{32}\\}$"))')" = true

# The clock stays paused while the test works between rotations, so that
# a slow machine (CI runs this beside QEMU guests, under ASan too) cannot
# let the exercise's 18 real seconds run out under it.
clock() {
	e2e_check "the controller's $1: 200" test "$(c -o /dev/null -w '%{http_code}' -X POST \
		-H "Authorization: Bearer ${T[control]}" "$base/api/v1/exercise/$1")" = 200
}
clock pause

md1=$(value web-root flg-md-web 1)
ro1=$(value web-root flg-ro-web 1)
db1=$(value db flg-ro-web 1)
e2e_check "the test read the values from the journal" test -n "$md1" -a -n "$ro1" -a -n "$db1"

mapfile -t r < <(submit eve "$md1")
e2e_check "eve's right flag: 201 (got ${r[0]})" test "${r[0]}" = 201
e2e_check "it earns red the flag's points: {points: 50}" test "$(jq -r .points <<<"${r[1]}")" = 50
mapfile -t again < <(submit eve "$md1")
e2e_check "the same flag again by red: 409 (got ${again[0]})" test "${again[0]}" = 409
mapfile -t wrong < <(submit eve "flag{00000000000000000000000000000000}")
e2e_check "a wrong flag: 409 (got ${wrong[0]})" test "${wrong[0]}" = 409
e2e_check "the wrong flag's answer is the same as the repeated one's, byte for byte" \
	test "${wrong[1]}" = "${again[1]}"
mapfile -t junk < <(submit eve "x")
e2e_check "a flag of another shape: the same answer" test "${junk[0]} ${junk[1]}" = "${again[0]} ${again[1]}"
e2e_check "the answer names no flag, host or team" sh -c "! printf '%s' '${again[1]}' | grep -Ewq 'web-root|db|flg-[a-z-]*|md|ro'"
mapfile -t padded < <(submit gus "  $md1
")
e2e_check "the other red team takes the same value once (blank space around it is not part of it): 201" \
	test "${padded[0]}" = 201
mapfile -t db < <(submit gus "$db1")
e2e_check "gus takes ro's db flag: 201 with its 100 points" test "${db[0]}:$(jq -r .points <<<"${db[1]}")" = 201:100
for who in ana ion control prof; do
	mapfile -t b < <(submit "$who" "$ro1")
	e2e_check "$who may not submit flags: 403 (got ${b[0]})" test "${b[0]}" = 403
done
e2e_check "no capture was journaled for the refused ones: 3 in all" test "$(rh_jq "$state" \
	'[.[] | select(.type=="capture")] | length')" = 3
e2e_check "captures say who and what, and no value" test "$(rh_jq "$state" \
	'[.[] | select(.type=="capture")] | map([.team, .by, .flag, .owner, .rotation, .points, .penalty] | map(tostring) | join(" ")) == ["red eve web-root md 1 50 50", "ghost gus web-root md 1 50 50", "ghost gus db ro 1 100 30"] and all(has("value") | not)')" = true

scores=$(c -H "Authorization: Bearer ${T[ana]}" "$base/api/v1/scores")
pt() { jq -r --arg t "$1" --arg k "$2" '.teams[] | select(.id==$t) | .[$k]' <<<"$scores"; }
e2e_check "scores: red has flags 50, ghost 150" test "$(pt red flags) $(pt ghost flags)" = "50 150"
e2e_check "scores: md lost 100 (two captures), ro 30" test "$(pt md flags_lost) $(pt ro flags_lost)" = "100 30"
e2e_check "scores: red teams are ranked among red (ghost 1, red 2)" test "$(pt ghost rank) $(pt red rank)" = "1 2"

# The minute's quota: gus has used 2 of 10; 8 more wrong, then a 429.
for _ in $(seq 8); do submit gus wrong >/dev/null; done
mapfile -t busy < <(submit gus "$ro1")
e2e_check "the eleventh flag in a minute: 429, even a right one (got ${busy[0]})" test "${busy[0]}" = 429

clock resume
e2e_check "at 3:00 web-root gets fresh values (rotation 2), db none" \
	wait_for '[.[] | select(.type=="flag" and .rotation==2)] | map(.flag) == ["web-root","web-root"]'
clock pause
mapfile -t stale < <(submit eve "$ro1")
e2e_check "a stale flag (ro's web-root before the rotation, never taken): the same 409" \
	test "${stale[0]} ${stale[1]}" = "${again[0]} ${again[1]}"
mapfile -t fresh < <(submit eve "$(value web-root flg-md-web 2)")
e2e_check "md's fresh web-root value scores again for red: 201" test "${fresh[0]}" = 201

# A revert brings back a disk without the current value (issue 13): the
# engine writes the same value again after it, journaled as a replant.
md2=$(value web-root flg-md-web 2)
e2e_check "the controller reverts flg-md-web: 202" test "$(c -o /dev/null -w '%{http_code}' -X POST \
	-H "Authorization: Bearer ${T[control]}" "$base/api/v1/hosts/flg-md-web/revert")" = 202
e2e_check "...the revert is journaled, done" \
	wait_for '[.[] | select(.type=="revert" and .host=="flg-md-web" and .ok==true)] | length == 1'
e2e_check "...then its flag is written again: a replant of rotation 2" \
	wait_for '[.[] | select(.type=="flag" and .host=="flg-md-web" and .replant==true)] | length == 1'
e2e_check "...after the revert, with the current value (not a fresh one)" test "$(rh_jq "$state" "
	([.[] | select(.type==\"revert\" and .host==\"flg-md-web\")][0].seq) as \$r |
	[.[] | select(.type==\"flag\" and .host==\"flg-md-web\" and .replant==true)][0] |
	.seq > \$r and .rotation == 2 and .value == \"$md2\" and .flag == \"web-root\"")" = true
e2e_check "...and no other host's flag is written again" test "$(rh_jq "$state" \
	'[.[] | select(.type=="flag" and .replant==true)] | length')" = 1
mapfile -t after < <(submit eve "$md2")
e2e_check "the value red took before the revert still scores nothing again: the same 409" \
	test "${after[0]} ${after[1]}" = "${again[0]} ${again[1]}"
e2e_check "the log says the value is written again, without it" sh -c \
	"grep -q \"flag 'web-root' on flg-md-web: writing value 2 again after the revert\" $RH_DIR/log && ! grep -qF -- '$md2' $RH_DIR/log"

clock resume

# Nothing a trainee or instructor reads holds a value.
rh_jq "$state" '.[] | select(.type=="flag" and (.replant | not)) | .value' >"$RH_DIR/values"
e2e_check "the values to look for ($(wc -l <"$RH_DIR/values"))" test "$(wc -l <"$RH_DIR/values")" -eq 5
for who in ana ion eve gus prof control; do
	: >"$RH_DIR/get-$who"
	for path in whoami exercise scores scores/history uptime hosts injects messages reports; do
		c -H "Authorization: Bearer ${T[$who]}" "$base/api/v1/$path" >>"$RH_DIR/get-$who"
	done
	e2e_check "no GET of the API shows $who a value" sh -c "! grep -qF -f $RH_DIR/values $RH_DIR/get-$who"
done
wait_for '[.[] | select(.type=="clock" and .state=="ended")] | length == 1' ||
	e2e_fail "the exercise did not end"
sleep 1
for who in ana ion eve gus prof; do
	e2e_check "$who's live stream ran and got the scores" grep -q '^event: score' "$RH_DIR/sse-$who"
	e2e_check "$who's live stream holds no value" sh -c "! grep -qF -f $RH_DIR/values $RH_DIR/sse-$who"
done
e2e_check "no trainee hears of captures live; staff do" sh -c \
	"! grep -q '^event: capture' $RH_DIR/sse-eve && ! grep -q '^event: capture' $RH_DIR/sse-ana && grep -q '^event: capture' $RH_DIR/sse-prof"
e2e_check "the log names captures and never a value" sh -c \
	"grep -q \"flag 'web-root' of flg-md-web captured by team red\" $RH_DIR/log && ! grep -qF -f $RH_DIR/values $RH_DIR/log"
live=$(c -H "Authorization: Bearer ${T[prof]}" "$base/api/v1/scores" | jq -c '[.teams[] | {id, score}]')
rh_api_stop

# The report, from the journal alone, in its three forms.
"$build/rangectl" report "$state" >"$RH_DIR/report.txt" 2>&1
"$build/rangectl" report "$state" --json >"$RH_DIR/report.json" 2>&1
"$build/rangectl" report "$state" --html "$RH_DIR/report.html" >/dev/null 2>&1
for f in report.txt report.json report.html; do
	e2e_check "$f holds no value" sh -c "test -s $RH_DIR/$f && ! grep -qF -f $RH_DIR/values $RH_DIR/$f"
done
e2e_check "report --json: red captured 2 (+100), ghost 2 (+150), md lost 3 (-150), ro 1 (-30)" test "$(jq -c \
	'[.flags.teams[] | [.id, .captured, .points, .lost, .points_lost]]' "$RH_DIR/report.json")" = \
	'[["ro",0,0,1,30],["md",0,0,3,150],["red",2,100,0,0],["ghost",2,150,0,0]]'
e2e_check "report --json: 5 values, none planted, 4 captures" test "$(jq -c \
	'[.flags.values, .flags.planted, (.flags.captures | length)]' "$RH_DIR/report.json")" = '[5,0,4]'
e2e_check "the report's scores are the live ones ($live)" test \
	"$(jq -c '[.teams[] | {id, score}]' "$RH_DIR/report.json")" = "$live"
e2e_check "the text report lists the flags per team" sh -c \
	"grep -q '^  red  red: captured 2, +100' $RH_DIR/report.txt && grep -q '^  blue md: lost 3, -150' $RH_DIR/report.txt"
e2e_check "the HTML report has its Flags section" grep -q '<section id="flags"' "$RH_DIR/report.html"
rh_stop
e2e_summary
