#!/usr/bin/env bash
# Issue 13: who receives a message. A run of tests/engine/messages.yaml on
# the test driver, listening on loopback inside a network namespace of the
# test's own; the controller fires each message inject by hand while every
# person's event stream is open. Each person's GET /api/v1/messages and
# stream must hold exactly the messages sent to their team or to them by
# name (staff: all); a message shows the scenario's sender, never the
# controller who fired it, whose name is in the journal's inject event
# (staff only); the log counts recipients.
#
# usage: tests/engine/messages.sh BUILD
set -u
build=$(realpath "${1:?usage: messages.sh BUILD}")
cd "$(dirname "$0")/../.." || exit 1
. tests/engine/lib.sh
E2E_PACKAGES+=(curl)
[ "$(id -u)" -eq 0 ] || { echo "# needs root (network namespaces)"; echo "0 passed, 0 failed"; exit 0; }

rh_start msg
state=$RH_DIR/state
scenario=$PWD/tests/engine/messages.yaml
rh_api_start "$build/rangectl" run "$scenario" --connect test:///default --netns "$RH_NS" \
	--wait --keepalive 1s --listen 127.0.0.1:8080 --state "$state"

PEOPLE=(control prof ana dan ion liga eve)
declare -A T=()
for who in "${PEOPLE[@]}"; do T[$who]=$(tok "$who"); done
e2e_check "the server answers and every person has a token" test -n "${T[eve]}" -a "${T[eve]}" != null

call() { c -H "Authorization: Bearer ${T[$1]}" "${@:3}" -X "$2"; }
call control POST "$base/api/v1/exercise/start" -o /dev/null
pids=()
for who in "${PEOPLE[@]}"; do
	rh_exec curl -s -N -m 4 "$base/api/v1/events?token=${T[$who]}" >"$RH_DIR/sse-$who" &
	pids+=($!)
done
sleep 0.5
for inj in to-ana to-list to-blue; do
	got=$(call control POST "$base/api/v1/injects/$inj/fire" -o /dev/null -w '%{http_code}')
	e2e_check "control fires $inj by hand ($got)" test "$got" = 200
done
wait "${pids[@]}"

# What each person must receive, by inject, in firing order.
declare -A WANT=(
	[control]="to-ana to-list to-blue" [prof]="to-ana to-list to-blue"
	[ana]="to-ana to-blue" [dan]="to-blue" [ion]="to-list to-blue"
	[liga]="to-list to-blue" [eve]="to-list"
)
for who in "${PEOPLE[@]}"; do
	got=$(call "$who" GET "$base/api/v1/messages" | jq -r '[.[].inject] | join(" ")')
	e2e_check "GET /api/v1/messages: $who gets '${WANT[$who]}' ('$got')" test "$got" = "${WANT[$who]}"
	got=$(sed -n 's/^data: //p' "$RH_DIR/sse-$who" | jq -r 'select(.type == "message") | .inject' | paste -sd ' ')
	e2e_check "events: $who's stream has the messages '${WANT[$who]}' ('$got')" test "$got" = "${WANT[$who]}"
done

# The sender is the scenario's, whoever fired it; who did is the journal's.
got=$(call ana GET "$base/api/v1/messages" | jq -r '.[] | select(.inject == "to-ana") | "\(.from)|\(.by)"')
e2e_check "ana sees the scenario's sender, not the controller ($got)" test "$got" = "CEO of RoEnergy|null"
got=$(call liga GET "$base/api/v1/messages" | jq -r '.[] | select(.inject == "to-blue") | "\(.from)|\(.by)"')
e2e_check "a message without from: exercise control, by null ($got)" test "$got" = "null|null"
e2e_check "no trainee's answer or stream names the controller as a sender" sh -c \
	"! cat $RH_DIR/sse-ana $RH_DIR/sse-ion $RH_DIR/sse-liga $RH_DIR/sse-eve | grep -q '\"by\":\"control\"'"
got=$(rh_jq "$state" '[.[] | select(.type == "inject" and .manual) | .by] | unique | join(",")')
e2e_check "the journal's inject events name who fired them ($got)" test "$got" = control
e2e_check "the controller's stream has the inject events, ana's none" sh -c \
	"grep -q '^event: inject' $RH_DIR/sse-control && ! grep -q '^event: inject' $RH_DIR/sse-ana"

# A report may name a message sent to its author by name, and only them:
# a teammate gets the answer of an inject that does not exist.
report() { call "$1" POST "$base/api/v1/reports" -H 'Content-Type: application/json' \
	--data "{\"title\":\"about it\",\"inject\":\"$2\"}" -o /dev/null -w '%{http_code}'; }
got=$(report ana to-ana)
e2e_check "ana files a report on the message to her ($got)" test "$got" = 201
got=$(report dan to-ana)/$(report dan no-such-inject)
e2e_check "dan, her teammate, gets for it what an unknown inject gets ($got)" test "$got" = 409/409
got=$(report ion to-list)
e2e_check "ion files one on the message to md ($got)" test "$got" = 201

# The log counts recipients: ana; md and lv (ion, liga) and eve; 4 blue.
e2e_check "log: to-ana reached 1 person" grep -q "inject 'to-ana' (message) sent by hand, by 'control' to 0 team(s), 1 person(s)" "$RH_DIR/log"
e2e_check "log: to-list reached 2 teams and 3 people" grep -q "inject 'to-list' (message) sent by hand, by 'control' to 2 team(s), 3 person(s)" "$RH_DIR/log"
e2e_check "log: to-blue reached 3 teams and 4 people" grep -q "inject 'to-blue' (message) sent by hand, by 'control' to 3 team(s), 4 person(s)" "$RH_DIR/log"
e2e_check "log: no message 'fired on 0 target(s)'" sh -c "! grep -q 'fired.* on 0 target' '$RH_DIR/log'"

# The report lists each message with its recipients and sender.
rh_api_stop
"$build/rangectl" report "$state" >"$RH_DIR/report.txt" 2>&1
e2e_check "report: to-ana to person:ana, sender named" grep -q "to person:ana, from inject to-ana, sender CEO of RoEnergy: ana only" "$RH_DIR/report.txt"
e2e_check "report: to-list to md, lv, person:eve" grep -q "to md, lv, person:eve, from inject to-list, sender CERT-EU" "$RH_DIR/report.txt"
e2e_summary
