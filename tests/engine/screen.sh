#!/usr/bin/env bash
# Who may open a host's screen (GET /api/v1/hosts/HOST/screen, a WebSocket
# to its VNC server), asked of `rangectl run` on libvirt's test driver in a
# network namespace of the test's own: the host's team and controllers;
# not an instructor (403: no watching), not another team's trainee (404,
# as a host they cannot see), not a host without a screen (404); a
# foreign Origin 403; the token in the query as for the console. The test
# driver has no screens, so an allowed request gets its 101 and then a
# close 1011 that says why. The host list says which hosts have a screen.
#
# usage: tests/engine/screen.sh BUILD
set -u
build=$(realpath "${1:?usage: screen.sh BUILD}")
cd "$(dirname "$0")/../.." || exit 1
. tests/engine/lib.sh
E2E_PACKAGES+=(curl)
[ "$(id -u)" -eq 0 ] || { echo "# needs root (network namespaces)"; echo "0 passed, 0 failed"; exit 0; }

rh_start screen
state=$RH_DIR/state
rh_api_start "$build/rangectl" run "$PWD/tests/engine/screen.yaml" --connect test:///default \
	--netns "$RH_NS" --wait --listen 127.0.0.1:8080 --state "$state"

declare -A T=([control]=$(tok control) [prof]=$(tok prof) [ana]=$(tok ana) [ion]=$(tok ion) [nobody]=not-a-valid-token-at-all-xxxxxx [none]="")
e2e_check "the server answers with every person's token" test -n "${T[control]}" -a "${T[ion]}" != null
WS=(-H 'Upgrade: websocket' -H 'Connection: Upgrade' -H 'Sec-WebSocket-Version: 13'
	-H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==')

# status WHO METHOD PATH [ws]: the HTTP status; ws: as a WebSocket upgrade
# (curl stops at the 101, or gives up at its time limit after it).
status() {
	local who=$1 method=$2 path=$3 args=()
	[ -n "${T[$who]}" ] && args=(-H "Authorization: Bearer ${T[$who]}")
	[ "${4:-}" = ws ] && args+=("${WS[@]}" -m 2)
	c -o /dev/null -w '%{http_code}' -X "$method" "${args[@]}" "$base$path"
}
# matrix METHOD PATH ws|- control prof ana ion nobody none
matrix() {
	local method=$1 path=$2 ws=$3 who got want
	shift 3
	for who in control prof ana ion nobody none; do
		want=$1; shift
		got=$(status "$who" "$method" "$path" "$ws")
		if [ "$got" = "$want" ]; then
			e2e_ok "$method $path ${ws/-/} as $who: $got"
		else
			e2e_fail "$method $path ${ws/-/} as $who: $got, wanted $want"
		fi
	done
}

#      method path                                  upgrade control prof ana ion nobody none
matrix GET  /api/v1/hosts/scr-ro-desk/screen        ws      101 403 101 404 401 401
matrix GET  /api/v1/hosts/scr-ro-desk/screen        -       400 403 400 404 401 401
matrix POST /api/v1/hosts/scr-ro-desk/screen        -       405 405 405 404 401 401
matrix GET  /api/v1/hosts/scr-md-desk/screen        ws      101 403 404 101 401 401
matrix GET  /api/v1/hosts/scr-ro-srv/screen         ws      404 403 404 404 401 401
matrix GET  /api/v1/hosts/scr-ro-srv/console        ws      101 403 101 404 401 401
matrix GET  /api/v1/hosts/scr-nope-desk/screen      ws      404 404 404 404 401 401

e2e_check "a host without a screen says so (404)" sh -c "ip netns exec $RH_NS curl -s -m 5 -H 'Authorization: Bearer ${T[control]}' \
	$base/api/v1/hosts/scr-ro-srv/screen | grep -q \"host 'scr-ro-srv' has no screen\""
e2e_check "the token in the query opens a screen, as a console" test "$(c -o /dev/null -w '%{http_code}' -m 2 "${WS[@]}" \
	"$base/api/v1/hosts/scr-ro-desk/screen?token=${T[ana]}")" = 101
e2e_check "a WebSocket of a foreign Origin: 403" test "$(c -o /dev/null -w '%{http_code}' -m 2 "${WS[@]}" \
	-H 'Origin: http://evil.example' -H "Authorization: Bearer ${T[ana]}" "$base/api/v1/hosts/scr-ro-desk/screen")" = 403
# After its 101, the test driver's refusal comes as a close frame (1011,
# 0x03f3) whose reason is libvirt's, in clear text on the wire.
c -o "$RH_DIR/frames" -m 2 "${WS[@]}" -H "Authorization: Bearer ${T[ana]}" "$base/api/v1/hosts/scr-ro-desk/screen"
e2e_check "the test driver's screen closes with 1011 and a reason" sh -c \
	"od -An -tx1 '$RH_DIR/frames' | tr -d ' \n' | grep -q '^88..03f3' && grep -aq \"cannot open the screen of 'scr-ro-desk'\" '$RH_DIR/frames'"
e2e_check "the host list says which hosts have a screen" test \
	"$(c -H "Authorization: Bearer ${T[ana]}" "$base/api/v1/hosts" | jq -c 'map({(.name): .screen}) | add')" = \
	'{"scr-ro-desk":true,"scr-ro-srv":false}'
e2e_check "no screen is left open" sh -c "ip netns exec $RH_NS curl -s -m 5 $base/metrics | grep -qx 'rangectl_consoles 0'"
rh_api_stop
e2e_summary
