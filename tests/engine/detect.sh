#!/usr/bin/env bash
# Detection scoring against the injects' truth (issue 14, point 3),
# rehearsed on libvirt's test driver with tests/engine/detect.yaml at
# --speed 20: trainees file incident reports naming what they saw
# (indicators, an ATT&CK technique) through POST /api/v1/reports, and the
# scores and the report measure them against the truth of the injects
# that hit each team:
#   - a report that names an attack's indicator after it hit the team is a
#     detection, with points halved per minute it took (half_life 1m);
#   - the same indicator before the attack hit is no detection, and no
#     false report either (the attack is aimed at the team);
#   - a technique alone finds a truth that names no indicator (deface);
#   - an indicator matching nothing aimed at the team is a false one (-5);
#   - an attack never matched is missed;
#   - an observation shared at TLP:AMBER (POST /api/v1/intel) is a sharing
#     for its team, and warns the allies it reaches before the same
#     attack hits them (early_warning points to the sharer); one kept at
#     TLP:RED shares and warns nothing;
#   - malformed indicators and techniques are refused with a sentence;
# and the live scores, the report's JSON and its text agree.
#
# usage: tests/engine/detect.sh BUILD
set -u
build=$(realpath "${1:?usage: detect.sh BUILD}")
cd "$(dirname "$0")/../.." || exit 1
. tests/engine/lib.sh
E2E_PACKAGES+=(curl)
[ "$(id -u)" -eq 0 ] || { echo "# needs root (network namespaces)"; echo "0 passed, 0 failed"; exit 0; }

rh_start detect
state=$RH_DIR/state
scenario=$PWD/tests/engine/detect.yaml
plan=$("$build/rangectl" plan --json "$scenario")
ip_of() { jq -r --arg h "$1" '.hosts[] | select(.name==$h) | .nics[0].ip' <<<"$plan"; }
kali=$(ip_of det-red-kali)
ro_web=$(ip_of det-ro-web)
md_web=$(ip_of det-md-web)

rh_api_start "$build/rangectl" run "$scenario" --connect test:///default --speed 20 --wait \
	--keepalive 1s --linger 60s --listen 127.0.0.1:8080 --state "$state"
declare -A T=()
for who in control prof ana ion oksana eve; do T[$who]=$(tok "$who"); done

# file WHO JSON: the status of POST /reports
file() {
	c -o "$RH_DIR/answer" -w '%{http_code}' -X POST -H "Authorization: Bearer ${T[$1]}" \
		-H 'Content-Type: application/json' --data "$2" "$base/api/v1/reports"
}
fired() {
	local i
	for i in $(seq 300); do
		[ "$(rh_jq "$state" "[.[] | select(.type==\"inject\" and .id==\"$1\")] | length > 0")" = true ] && return 0
		sleep 0.1
	done
	return 1
}
ind() { jq -cn --arg t "$1" --arg v "$2" '{type: $t, value: $v}'; }
# observe WHO TLP INDICATOR: the status of POST /intel
observe() {
	c -o "$RH_DIR/answer" -w '%{http_code}' -X POST -H "Authorization: Bearer ${T[$1]}" \
		-H 'Content-Type: application/json' --data "{\"tlp\":\"$2\",\"indicators\":[$3]}" \
		"$base/api/v1/intel"
}

e2e_check "a malformed indicator type is refused with a sentence" test "$(file ana \
	"{\"title\":\"x\",\"indicators\":[{\"type\":\"ip\",\"value\":\"$kali\"}]}")" = 400
e2e_check "  naming the field" grep -q "indicators\[0\].type" "$RH_DIR/answer"
e2e_check "an address that is none is refused" test "$(file ana \
	'{"title":"x","indicators":[{"type":"ipv4","value":"10.1.1"}]}')" = 400
e2e_check "  saying what is wrong" grep -q "is not a ipv4\|not an ipv4\|is not a" "$RH_DIR/answer"
e2e_check "a technique that is no ATT&CK id is refused" test "$(file ana '{"title":"x","technique":"T12"}')" = 400
long=$(printf 'x%.0s' $(seq 1008))	# http://a.example/ (17) + 1008 = 1025 bytes
e2e_check "an indicator over 1024 bytes is refused, as POST /intel refuses it" test "$(file ana \
	"{\"title\":\"x\",\"indicators\":[$(ind url "http://a.example/$long")]}")" = 400
e2e_check "  saying so" grep -q "is not a url: it is over 1024 bytes" "$RH_DIR/answer"

c -o /dev/null -X POST -H "Authorization: Bearer ${T[control]}" "$base/api/v1/exercise/start"
e2e_check "wave1-ua fires at 1m" fired wave1-ua
e2e_check "Ukraine reports red's address: 201" test "$(file oksana \
	"{\"title\":\"Exploit attempt\",\"technique\":\"T1190\",\"indicators\":[$(ind ipv4 "$kali")]}")" = 201
e2e_check "Ukraine shares red's address at TLP:AMBER: 201" test "$(observe oksana TLP:AMBER "$(ind ipv4 "$kali")")" = 201
e2e_check "Moldova keeps a guess at TLP:RED: 201" test "$(observe ion TLP:RED "$(ind ipv4 "$kali")")" = 201
e2e_check "Romania names the same address before it is hit: 201" test "$(file ana \
	"{\"title\":\"Heard of it\",\"indicators\":[$(ind ipv4 "$kali")]}")" = 201
e2e_check "wave2-ro and wave2-md fire at 3m" fired wave2-md
e2e_check "Romania reports its own login URL once hit" test "$(file ana \
	"{\"title\":\"Login probed\",\"indicators\":[$(ind url "HTTP://$ro_web/login")]}")" = 201
e2e_check "Moldova reports an address red never used" test "$(file ion \
	"{\"title\":\"Odd traffic\",\"indicators\":[$(ind ipv4 198.51.100.7)]}")" = 201
e2e_check "deface fires at 4m" fired deface
e2e_check "Ukraine names the defacement's parent technique" test "$(file oksana \
	'{"title":"Defaced","technique":"T1491"}')" = 201
scores=$(c -H "Authorization: Bearer ${T[control]}" "$base/api/v1/scores")
rh_api_stop

rh_exec "$build/rangectl" report --json "$state" >"$RH_DIR/report.json"
rh_exec "$build/rangectl" report "$state" >"$RH_DIR/report.txt"
r() { jq -r "$1" "$RH_DIR/report.json"; }
att() { r ".coalition.attacks[] | select(.inject==\"$1\" and .team==\"$2\") | $3"; }
e2e_check "the journal keeps each report's indicators" test "$(rh_jq "$state" \
	"[.[] | select(.type==\"report\" and .indicators != null)] | length")" = 4
e2e_check "a report's indicators are journaled normalized, as observations are" test "$(rh_jq "$state" \
	'[.[] | select(.type=="report" and .title=="Login probed") | .indicators[0].value] | join(" ")')" = \
	"http://$ro_web/login"
e2e_check "ua detected wave1-ua, by its first report" test "$(att wave1-ua ua .detected_by)" = ua-1
e2e_check "  and it took between 0 and 60 exercise seconds" test "$(att wave1-ua ua \
	'(.detected - .fired) | . >= 0 and . < 60')" = true
e2e_check "ro's report before the hit is no detection: ro detected wave2-ro by its second" \
	test "$(att wave2-ro ro .detected_by)" = ro-2
e2e_check "md missed wave2-md" test "$(att wave2-md md .missed)" = true
e2e_check "ua found deface by its technique's parent (T1491 of T1491.002)" test "$(att deface ua .detected_by)" = ua-2
e2e_check "ro and md missed deface" test "$(att deface ro .missed),$(att deface md .missed)" = true,true
e2e_check "ua shared wave1-ua: its TLP:AMBER observation reached allies" test "$(att wave1-ua ua '.shared != null')" = true
e2e_check "ua warned ro and md of wave2 in time" test "$(att wave2-ro ro .warned_by),$(att wave2-md md .warned_by)" = ua,ua
e2e_check "  and counts two warnings" test "$(r '.coalition.teams[] | select(.id=="ua") | .warnings')" = 2
e2e_check "md's TLP:RED observation before its hit shared nothing: wave2-md not shared" test "$(att wave2-md md .shared)" = null
e2e_check "md has one false indicator, ro none (its early one was aimed at it)" test \
	"$(r '.coalition.teams[] | select(.id=="md") | .false_indicators'),$(r '.coalition.teams[] | select(.id=="ro") | .false_indicators')" = 1,0
e2e_check "md's detection points are -5" test "$(r '.coalition.teams[] | select(.id=="md") | .points')" = -5
e2e_check "each attack's points: round(100 * 0.5^(delay/60)), and 20 when shared" test "$(r \
	'[.coalition.attacks[] | select(.detected != null) | .points == ((100 * pow(0.5; (.detected - .fired) / 60)) | round) + (if .shared != null then 20 else 0 end)] | all')" = true
e2e_check "a team's detection points: its attacks', 30 a warning, less 5 a false indicator" test "$(r \
	'[.coalition.teams[] as $t | ([.coalition.attacks[] | select(.team == $t.id) | .points] | add) + 30 * $t.warnings - 5 * $t.false_indicators == $t.points] | all')" = true
e2e_check "the live scores and the report agree on detection points" test \
	"$(jq -c '[.teams[] | select(.role=="blue") | {id, detection}]' <<<"$scores")" = \
	"$(r '[.teams[] | select(.role=="blue") | {id, detection}] | tostring')"
e2e_check "the report's totals count them" test "$(r \
	'[.teams[] | select(.role=="blue") | .score == .availability - .penalties - .sla + .reports + .adjustments + .flags - .flags_lost + .detection] | all')" = true
e2e_check "the text report has the coalition matrix" grep -q "^  inject | ro | md | ua" "$RH_DIR/report.txt"
e2e_check "  with md's miss of wave2-md, though ua warned it" grep -Eq "^  wave2-md \| - \| missed W ua \| -" "$RH_DIR/report.txt"
e2e_check "the HTML report has the coalition section" sh -c \
	"'$build/rangectl' report --html - '$state' | grep -q 'id=\"coalition\"'"
e2e_summary
