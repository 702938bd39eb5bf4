#!/usr/bin/env bash
# The HTTP API of `rangectl run` on the test driver: every route with every
# role (the authorization matrix), path traversal, bad bodies, live events
# filtered per team, /metrics. The server listens on loopback inside a
# network namespace of the test's own.
#
# usage: tests/engine/api.sh BUILD
set -u
build=$(realpath "${1:?usage: api.sh BUILD}")
cd "$(dirname "$0")/../.." || exit 1
. tests/engine/lib.sh
E2E_PACKAGES+=(curl)
[ "$(id -u)" -eq 0 ] || { echo "# needs root (network namespaces)"; echo "0 passed, 0 failed"; exit 0; }

rh_start api
state=$RH_DIR/state
scenario=$PWD/scenarios/demo.yaml
rh_api_start "$build/rangectl" run "$scenario" --connect test:///default --netns "$RH_NS" --speed 20 \
	--wait --keepalive 1s --listen 127.0.0.1:8080 --state "$state"

e2e_check "the server answers and says where" grep -q "dashboard: http://127.0.0.1:8080/" "$RH_DIR/log"
e2e_check "credentials.json is made with mode 0600" test "$(stat -c %a "$state/credentials.json")" = 600
declare -A T=([control]=$(tok control) [prof]=$(tok prof) [ana]=$(tok ana) [ion]=$(tok ion) [eve]=$(tok eve) [nobody]=not-a-valid-token-at-all-xxxxxx [none]="")

# API_AUTH=cookie (tests/engine/api_cookies.sh): the matrix again with
# each person's session cookie, CSRF token and Origin instead of a token
# (nobody: a cookie of no session).
declare -A A=()
if [ "${API_AUTH:-token}" = cookie ]; then
	for who in control prof ana ion eve; do
		printf '%s\n' "password-of-$who" | "$build/rangectl" users "$state" set-password "$who"
		csrf=$(c -c "$RH_DIR/jar-$who" -H "Origin: $base" --data "{\"name\":\"$who\",\"password\":\"password-of-$who\"}" \
			"$base/api/v1/login" | jq -r .csrf)
		A[$who]="-b $RH_DIR/jar-$who -H X-CSRF-Token:$csrf -H Origin:$base"
	done
	A[nobody]="-b rangectl_session=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef -H Origin:$base"
	A[none]=""
	e2e_check "every person of the matrix logged in" test -n "${A[control]}" -a -n "${A[eve]}"
fi

# status WHO METHOD PATH [BODY]: the HTTP status of the call
status() {
	local who=$1 method=$2 path=$3 body=${4:-} auth=()
	[ -n "${T[$who]}" ] && auth=(-H "Authorization: Bearer ${T[$who]}")
	# shellcheck disable=SC2206 # the words of the cookie's options
	[ "${API_AUTH:-token}" = cookie ] && auth=(${A[$who]})
	if [ -n "$body" ]; then
		c -o /dev/null -w '%{http_code}' -X "$method" "${auth[@]}" -H 'Content-Type: application/json' --data "$body" "$base$path"
	else
		c -o /dev/null -w '%{http_code}' -X "$method" "${auth[@]}" "$base$path"
	fi
}
# expect METHOD PATH BODY control prof ana ion eve nobody none
matrix() {
	local method=$1 path=$2 body=$3 who got want i=4
	shift 3
	for who in control prof ana ion eve nobody none; do
		want=$1; shift
		got=$(status "$who" "$method" "$path" "$body")
		if [ "$got" = "$want" ]; then
			e2e_ok "$method $path as $who: $got"
		else
			e2e_fail "$method $path as $who: $got, wanted $want"
		fi
	done
}

#      method path                                  body                           control prof ana ion eve nobody none
matrix GET  /api/v1/whoami                          ""                              200 200 200 200 200 401 401
matrix GET  /api/v1/exercise                        ""                              200 200 200 200 200 401 401
matrix POST /api/v1/injects/press/fire              ""                              409 403 403 403 403 401 401
matrix POST /api/v1/exercise/pause                  ""                              409 403 403 403 403 401 401
matrix POST /api/v1/exercise/start                  ""                              200 403 403 403 403 401 401
matrix POST /api/v1/exercise/start                  ""                              409 403 403 403 403 401 401
matrix GET  /api/v1/scores                          ""                              200 200 200 200 200 401 401
matrix GET  /api/v1/scores/history                  ""                              200 200 200 200 200 401 401
matrix GET  /api/v1/hosts                           ""                              200 200 200 200 200 401 401
matrix GET  /api/v1/injects                         ""                              200 200 403 403 403 401 401
matrix POST /api/v1/injects/press/fire              ""                              200 403 403 403 403 401 401
matrix POST /api/v1/injects/nope/fire               ""                              404 404 403 403 403 401 401
matrix GET  /api/v1/messages                        ""                              200 200 200 200 200 401 401
matrix POST /api/v1/reports                         '{"title":"Defaced","body":"x"}' 403 403 201 201 403 401 401
matrix GET  /api/v1/reports                         ""                              200 200 200 200 200 401 401
matrix POST /api/v1/reports/ro-1/grade              '{"points":5,"comment":"ok"}'   200 403 403 404 404 401 401
matrix POST /api/v1/reports/ro-9/grade              '{"points":5}'                  404 404 404 404 404 401 401
matrix POST /api/v1/adjustments                     '{"team":"md","points":-3,"reason":"late"}' 200 403 403 403 403 401 401
# One revert of a host in flight at a time (429 meanwhile, tests/hostile
# floods it): each caller waits for the one before to be journaled.
reverts() { rh_jq "$state" '[.[] | select(.type == "revert")] | length'; }
for pair in control:202 prof:403 ana:202 ion:404 eve:404 nobody:401 none:401; do
	who=${pair%%:*} want=${pair##*:} before=$(reverts)
	got=$(status "$who" POST /api/v1/hosts/demo-ro-web/revert)
	if [ "$got" = "$want" ]; then
		e2e_ok "POST /api/v1/hosts/demo-ro-web/revert as $who: $got"
	else
		e2e_fail "POST /api/v1/hosts/demo-ro-web/revert as $who: $got, wanted $want"
	fi
	for _ in $(seq 50); do
		[ "$got" != 202 ] || [ "$(reverts)" -gt "$before" ] && break
		sleep 0.1
	done
done
matrix POST /api/v1/hosts/demo-nope-web/revert      ""                              404 404 404 404 404 401 401
matrix GET  /api/v1/hosts/demo-md-web/console       ""                              400 403 404 400 404 401 401
# The demo's hosts have no screen: 404 to those who may see them (screen.sh has hosts with one).
matrix GET  /api/v1/hosts/demo-md-web/screen        ""                              404 403 404 404 404 401 401
matrix GET  /api/v1/nothing                         ""                              404 404 404 404 404 401 401
matrix POST /api/v1/exercise/pause                  ""                              200 403 403 403 403 401 401
matrix POST /api/v1/exercise/resume                 ""                              200 403 403 403 403 401 401
matrix DELETE /api/v1/scores                        ""                              405 405 405 405 405 401 401

# What a trainee sees is their team's, and nothing of the MSEL.
e2e_check "ana sees only team ro's hosts" test "$(c -H "Authorization: Bearer ${T[ana]}" "$base/api/v1/hosts" | jq -r 'map(.team) | unique | join(",")')" = ro
e2e_check "ion sees only md's reports (ana's is ro's)" test "$(c -H "Authorization: Bearer ${T[ion]}" "$base/api/v1/reports" | jq -r 'map(.team) | unique | join(",")')" = md
e2e_check "the controller sees every report, ro-1 graded 5" test "$(c -H "Authorization: Bearer ${T[control]}" "$base/api/v1/reports" | jq -r '[length, (.[] | select(.id=="ro-1") | .grade.points)] | join(",")')" = "2,5"
e2e_check "graded again, ro-1's last grade stands (7), and md-1 has none" test "$(c -o /dev/null -w '%{http_code}' \
	-X POST -H "Authorization: Bearer ${T[control]}" -H 'Content-Type: application/json' --data '{"points":7,"comment":"better"}' \
	"$base/api/v1/reports/ro-1/grade"):$(c -H "Authorization: Bearer ${T[control]}" "$base/api/v1/reports" |
	jq -c 'map({(.id): [.grade.points, .grade.comment]}) | add')" = '200:{"ro-1":[7,"better"],"md-1":[null,null]}'
# Report ids are per team; a report names only an inject its team has
# seen: another team's, or one still to come, is answered as none.
e2e_check "report ids are per team: ro-1 and md-1" test "$(c -H "Authorization: Bearer ${T[control]}" "$base/api/v1/reports" | jq -r 'map(.id) | sort | join(",")')" = "md-1,ro-1"
post_ana() { c -w ' %{http_code}' -X POST -H "Authorization: Bearer ${T[ana]}" -H 'Content-Type: application/json' --data "$1" "$base/api/v1/reports"; }
none=$(post_ana '{"title":"x","inject":"nope"}' | sed 's/nope/X/')
future=$(post_ana '{"title":"x","inject":"reboot-ro"}' | sed 's/reboot-ro/X/')
e2e_check "a report naming an inject still to come is answered as one naming none ($future)" test "$future" = "$none"
e2e_check "  and one naming an inject its team has seen is filed" sh -c "echo '$(post_ana '{"title":"x","inject":"press"}')' | grep -q ' 201$'"
e2e_check "whoami says name, role, team" test "$(c -H "Authorization: Bearer ${T[ana]}" "$base/api/v1/whoami" | jq -c .)" = '{"name":"ana","role":"trainee","team":"ro"}'
e2e_check "the adjustment is in md's score" test "$(c -H "Authorization: Bearer ${T[prof]}" "$base/api/v1/scores" | jq -r '.teams[] | select(.id=="md") | .adjustments')" = -3
e2e_check "the MSEL shows press fired by control" test "$(c -H "Authorization: Bearer ${T[prof]}" "$base/api/v1/injects" | jq -r '.[] | select(.id=="press") | "\(.state) \(.firings[0].by)"')" = "fired control"

# Bad bodies: 400 with a JSON error, 413 when too large.
body_status() { c -o "$RH_DIR/body" -w '%{http_code}' -X POST -H "Authorization: Bearer ${T[control]}" --data-binary "$2" "$base$1"; }
for b in '{' '[1,2]' '"x"' '{"team":"md","points":"3","reason":"r"}' '{"team":"md","points":3}' \
	'{"team":"md","points":3,"reason":"r","team":"ro"}' '{"team":"md","points":99999999999,"reason":"r"}' \
	'{"team":"zz","points":1,"reason":"r"}' '{"team":"md","points":1.5,"reason":"r"}'; do
	got=$(body_status /api/v1/adjustments "$b")
	e2e_check "adjustment body $b: 400 with an error ($got)" test "$got" = 400 -a "$(jq -r .error "$RH_DIR/body" | wc -c)" -gt 5
done
big=$(head -c 100000 /dev/zero | tr '\0' a)
e2e_check "a 100 kB body: 413" test "$(body_status /api/v1/adjustments "{\"team\":\"md\",\"points\":1,\"reason\":\"$big\"}")" = 413

# Static files, and every way out of web/ refused.
e2e_check "GET / is the dashboard" sh -c "ip netns exec $RH_NS curl -s -m 5 $base/ | grep -qi '<html'"
for p in '/../etc/passwd' '/%2e%2e/etc/passwd' '/.%2e/etc/passwd' '/%2e/index.html' '/..%2fetc%2fpasswd' \
	'/index.html%00.js' '/a%5c..%5cetc' '/.git/config' '/node_modules/x' '/vendor/xterm/../../../etc/passwd'; do
	got=$(c --path-as-is -o /dev/null -w '%{http_code}' "$base$p")
	e2e_check "GET $p is refused ($got)" test "$got" = 404
done
got=$(printf 'GET /a\\b HTTP/1.0\r\n\r\n' | rh_exec timeout 5 busybox nc 127.0.0.1 8080 | head -1)
e2e_check "a backslash in the path is refused ($got)" grep -q 404 <<<"$got"

# Live events, filtered: md's trainee never hears of ro's hosts.
rh_exec curl -s -N -m 4 "$base/api/v1/events?token=${T[ion]}" >"$RH_DIR/sse-ion" &
p1=$!
rh_exec curl -s -N -m 4 "$base/api/v1/events?token=${T[ana]}" >"$RH_DIR/sse-ana" &
p2=$!
rh_exec curl -s -N -m 4 "$base/api/v1/events?token=${T[prof]}" >"$RH_DIR/sse-prof" &
p3=$!
sleep 0.5
status control POST /api/v1/hosts/demo-ro-web/revert >/dev/null
status control POST /api/v1/injects/press/fire >/dev/null
wait $p1 $p2 $p3
e2e_check "events: ana hears of her team's host" grep -q 'demo-ro-web' "$RH_DIR/sse-ana"
e2e_check "events: ion never hears of ro's host" sh -c "! grep -q demo-ro-web $RH_DIR/sse-ion"
e2e_check "events: both trainees get the message to blue" sh -c "grep -q '^event: message' $RH_DIR/sse-ana && grep -q '^event: message' $RH_DIR/sse-ion"
e2e_check "events: trainees get no inject events, the instructor does" sh -c \
	"! grep -q '^event: inject' $RH_DIR/sse-ion && grep -q '^event: inject' $RH_DIR/sse-prof"
e2e_check "events: scores and clock state at once, and rounds as they come" sh -c \
	"grep -q '^event: state' $RH_DIR/sse-ion && grep -q '^event: score' $RH_DIR/sse-ion"
e2e_check "events: a quiet stream gets a ping every --keepalive" grep -q '^: ping$' "$RH_DIR/sse-ion"

# An inject's truth (demo.yaml's recon and deface) is the controllers'
# alone (plan --json): no answer a trainee can get, nor a live event,
# names its technique or its indicators.
for p in whoami exercise scores scores/history hosts messages reports injects; do
	for who in ana ion; do
		c -H "Authorization: Bearer ${T[$who]}" "$base/api/v1/$p"
	done
done >"$RH_DIR/trainee-answers"
cat "$RH_DIR/sse-ana" "$RH_DIR/sse-ion" >>"$RH_DIR/trainee-answers"
e2e_check "truth: the trainees' answers and events were read" test "$(wc -c <"$RH_DIR/trainee-answers")" -gt 1000
e2e_check "truth: no trainee answer or event names a technique or an indicator" sh -c \
	"! grep -Eq 'T1046|T1491|index\.html|100\.64\.0\.66|\"truth\"|technique|indicator' '$RH_DIR/trainee-answers'"
e2e_check "truth: the controller's plan --json has it" sh -c \
	"'$build/rangectl' plan --json '$scenario' | grep -q T1491.002"
# The journal holds it (format 5), resolved per target, for the report
# and the scores; the staff's answers are as before (nothing built on it
# reaches the API yet).
e2e_check "truth: the journal's MSEL has deface's, a row per target" test "$(rh_jq "$state" \
	'.[0].injects[] | select(.id=="deface") | .truth | "\(.technique) \(.effects | length > 0) \(.resolved | length)"')" = "T1491.002 true 2"
e2e_check "truth: an inject without truth has no key in the journal" test "$(rh_jq "$state" \
	'[.[0].injects[] | select(has("truth") | not)] | length > 0')" = true
for p in exercise injects scores; do
	c -H "Authorization: Bearer ${T[prof]}" "$base/api/v1/$p"
done >"$RH_DIR/staff-answers"
e2e_check "truth: no staff answer carries it either" sh -c \
	"! grep -Eq '\"truth\"|technique|indicator' '$RH_DIR/staff-answers'"
# Streams that come and go while nothing is published (the clock paused):
# only the pings find them dead and free them.
metric() { rh_exec curl -s -m 5 "$base/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
status control POST /api/v1/exercise/pause >/dev/null
sleep 0.5
quiet=()
for _ in 1 2 3 4; do
	rh_exec curl -s -N -m 1.5 "$base/api/v1/events?token=${T[eve]}" >/dev/null &
	quiet+=($!)
done
wait "${quiet[@]}"
for _ in $(seq 50); do
	[ "$(metric rangectl_sse_clients)" = 0 ] && break
	sleep 0.1
done
e2e_check "streams whose clients left are closed by the pings ($(metric rangectl_sse_clients) left)" \
	test "$(metric rangectl_sse_clients)" = 0
status control POST /api/v1/exercise/resume >/dev/null
e2e_check "events with a bad token: 401" test "$(c -o /dev/null -w '%{http_code}' "$base/api/v1/events?token=x")" = 401

e2e_check "/metrics from loopback, in Prometheus' format" sh -c \
	"ip netns exec $RH_NS curl -s -m 5 $base/metrics | grep -q '^rangectl_rounds_total [0-9]'"

rh_api_stop
e2e_check "SIGTERM stops the server and the run cleanly" grep -q "interrupted at" "$RH_DIR/log"
e2e_summary
