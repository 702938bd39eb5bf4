#!/usr/bin/env bash
# Outages by cause (issue 14 point 4) in a rehearsal on the test driver,
# with real checks of pages the test serves in its own namespace: halt-ro
# (a shutdown inject) takes ro's web server down until boot-ro starts it
# again, which is the attack's; the test itself breaks md's page, and
# later ro's once it passed again, which are the teams' own mistakes (the
# API gives a trainee no way to break a service, and a simulated round
# fails only what injects do). The split the report gives is then
# recomputed from the journal by another hand (jq, the rule of
# rangectl-scenario(5)), and the live API gives it to staff, not to a
# blue trainee.
#
# usage: tests/engine/outages.sh BUILD
set -u
build=$(realpath "${1:?usage: outages.sh BUILD}")
cd "$(dirname "$0")/../.." || exit 1
. tests/engine/lib.sh
E2E_PACKAGES+=(curl)
[ "$(id -u)" -eq 0 ] || { echo "# needs root (network namespaces)"; echo "0 passed, 0 failed"; exit 0; }

rh_start outages
state=$RH_DIR/state
scenario=$PWD/tests/engine/outages.yaml
rh_serve 10.1.1.10 rangectl
rh_serve 10.2.1.10 rangectl
# 14 rounds of 60 s, one every 3 s.
rh_api_start "$build/rangectl" run "$scenario" --connect test:///default --netns "$RH_NS" --speed 20 \
	--linger 0s --listen 127.0.0.1:8080 --state "$state"

rounds() { rh_jq "$state" '[.[] | select(.type == "round")] | length' 2>/dev/null || echo 0; }
wait_round() {
	for _ in $(seq 300); do
		[ "$(rounds)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
page() { printf '%s\n' "$2" >"$RH_DIR/www-$1/index.html"; }

# md's own mistake: its page lacks the text from round 2 to round 4.
wait_round 1
page 10.2.1.10 "maintenance"
wait_round 4
page 10.2.1.10 rangectl
# The staff's live view has the split, a blue trainee's has none.
wait_round 6
c -H "Authorization: Bearer $(tok prof)" "$base/api/v1/scores/uptime" >"$RH_DIR/up-prof"
c -H "Authorization: Bearer $(tok ana)" "$base/api/v1/scores/uptime" >"$RH_DIR/up-ana"
# ro's own mistake, once its page passed again after boot-ro.
wait_round 9
page 10.1.1.10 "it works"
wait_round 11
page 10.1.1.10 rangectl
wait "$RH_API"
rc=$?
RH_API=""
e2e_check "the rehearsal ends with exit 0 (got $rc)" test "$rc" -eq 0
e2e_check "14 rounds were scored with real checks" test "$(rh_jq "$state" \
	'[.[] | select(.type == "round" and (.simulated | not))] | length')" = 14
e2e_check "the journal carries the weights and halt-ro's truth" test "$(rh_jq "$state" \
	'.[0] | "\(.outage_attack) \(.outage_self) \(.injects[] | select(.id == "halt-ro") | .truth.technique)"')" = "1000 1500 T1529"
e2e_check "halt-ro and boot-ro worked on ro's web server" test "$(rh_jq "$state" \
	'[.[] | select(.type == "inject_result") | .results[0].ok] | all')" = true

# The split, by the rule, from the journal alone: a failed round of a
# check of a host halt-ro hit, journaled after the firing, is the
# attack's until the first round that passes having begun (at + late)
# once the result came; every other one the team's.
split() { # HOST -> "ATTACK SELF"
	jq -s -r --arg h "$1" '
	  ([.[] | select(.type == "inject" and .id == "halt-ro" and (.targets | index($h)))] | first | .seq) as $fired |
	  ([.[] | select(.type == "inject_result" and .id == "halt-ro")] | first) as $res |
	  [.[] | select(.type == "round") | {seq, start: (.at + (.late // 0)),
	    up: (.checks[] | select(.host == $h) | .up)}] as $r |
	  ([$r[] | select($fired != null and .seq > $res.seq and .start >= $res.t and .up) | .seq] | min) as $back |
	  [$r[] | select(.up | not) | if $fired != null and .seq > $fired and ($back == null or .seq < $back)
	    then "attack" else "self" end] |
	  "\(map(select(. == "attack")) | length) \(map(select(. == "self")) | length)"' "$state/journal.jsonl"
}
"$build/rangectl" report --json "$state" >"$RH_DIR/report.json"
reported() { # HOST -> "ATTACK SELF" as the report gives them
	jq -r --arg h "$1" '.uptime.teams[].hosts[] | select(.name == $h) | .services[0].downtime |
	  "\(.attack_rounds) \(.self_rounds)"' "$RH_DIR/report.json"
}
ro=$(split out-ro-web) md=$(split out-md-web)
e2e_check "ro's web server: the attack's and its own failed rounds ($ro)" sh -c \
	"set -- $ro; test \$1 -ge 1 && test \$2 -ge 1"
e2e_check "md's: its own only ($md)" sh -c "set -- $md; test \$1 -eq 0 && test \$2 -ge 2"
e2e_check "the report's split of ro's is the journal's ($(reported out-ro-web))" test "$(reported out-ro-web)" = "$ro"
e2e_check "the report's split of md's is the journal's ($(reported out-md-web))" test "$(reported out-md-web)" = "$md"
e2e_check "downtime is 60 s a failed round, per team as per check" test "$(jq -r '[.uptime.teams[] |
	select(.id == "ro" or .id == "md") | .downtime as $d | ($d.attack == 60 * $d.attack_rounds and
	$d.self == 60 * $d.self_rounds)] | all' "$RH_DIR/report.json")" = true
# self 1.5: each own failed round of a 4-point check costs 2 points more.
set -- $ro
e2e_check "ro's outage points are 2 per own failed round" test "$(jq -r '.teams[] |
	select(.id == "ro") | .outage' "$RH_DIR/report.json")" = $((2 * $2))
e2e_check "every score is availability minus outage here" test "$(jq -r '[.teams[] |
	select(.role == "blue") | .score == .availability - .penalties - .outage] | all' "$RH_DIR/report.json")" = true
"$build/rangectl" report "$state" >"$RH_DIR/report.txt"
e2e_check "the text report splits the downtime" grep -q "^outages: each failed round" "$RH_DIR/report.txt"
"$build/rangectl" report --html - "$state" >"$RH_DIR/report.html"
e2e_check "the page has the section" grep -q '<section id="outages">' "$RH_DIR/report.html"

e2e_check "live: the instructor's uptime has the split" test "$(jq -r '.teams[] | select(.id == "md") | .downtime.self_rounds' "$RH_DIR/up-prof")" -ge 1
e2e_check "live: ana's has her team, without the split" test "$(jq -r '[.teams[].id] == ["ro"] and ([.. | objects | select(has("downtime"))] | length == 0)' "$RH_DIR/up-ana")" = true

rh_stop
e2e_summary
