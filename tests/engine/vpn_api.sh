#!/usr/bin/env bash
# The VPN's routes of `rangectl run` on libvirt's test driver (issue 15,
# point 4; no interface is made there, only keys and files): a trainee
# downloads their own wg-quick file and QR code, whose private key is
# theirs (its public half is what the server keeps) and is found nowhere
# else: not in the state folder, the journal, the log, nor any other
# answer; a new download replaces the key; staff have no VPN; disabling a
# person forgets their peer within a second; a scenario without vpn: has
# no VPN routes. The server listens on loopback in a namespace of its own.
#
# usage: tests/engine/vpn_api.sh BUILD
set -u
build=$(realpath "${1:?usage: vpn_api.sh BUILD}")
cd "$(dirname "$0")/../.." || exit 1
. tests/engine/lib.sh
E2E_PACKAGES+=(curl wireguard-tools python3)
[ "$(id -u)" -eq 0 ] || { echo "# needs root (network namespaces)"; echo "0 passed, 0 failed"; exit 0; }

rh_start vpn
state=$RH_DIR/state
# The demo with a VPN; its images are not read on the test driver.
scenario=$RH_DIR/demo.yaml
sed "s|\.\./images/|$PWD/images/|" scenarios/demo.yaml >"$scenario"
printf 'vpn:\n  listen: 0.0.0.0:51820\n  pool: 10.250.0.0/16\n' >>"$scenario"
base=http://127.0.0.1:8080
c() { rh_exec curl -s -m 5 "$@"; }
start_server() {
	ip netns exec "$RH_NS" "$build/rangectl" run "$1" --connect test:///default \
		--wait --keepalive 1s --listen 127.0.0.1:8080 --state "$state" >"$RH_DIR/out" 2>>"$RH_DIR/log" &
	server=$!
	for _ in $(seq 300); do
		c -o /dev/null "$base/" && break
		sleep 0.1
	done
}
stop_server() { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; }
trap 'stop_server; rh_stop' EXIT
start_server "$scenario"
tok() { jq -r ".$1" "$state/credentials.json"; }
# as WHO METHOD PATH: the status, the body into $RH_DIR/body
as() { c -o "$RH_DIR/body" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $(tok "$1")" -H 'Host: range.example:8080' "$base$3"; }

e2e_check "run says the VPN is there" grep -q '^vpn: 3 team endpoint' "$RH_DIR/log"
e2e_check "vpn.json is private" test "$(stat -c %a "$state/vpn.json")" = 600
e2e_check "GET /vpn as ana: 200" test "$(as ana GET /api/v1/vpn)" = 200
e2e_check "...her team, address and port, no key yet" sh -c \
	"jq -e '.team == \"ro\" and .address == \"10.250.0.2\" and .port == 51820 and .has_key == false' '$RH_DIR/body' >/dev/null"
e2e_check "POST /vpn/config as ana: 200" test "$(as ana POST /api/v1/vpn/config)" = 200
cp "$RH_DIR/body" "$RH_DIR/ana.conf"
e2e_check "...a wg-quick file with her address and her team's network only" sh -c \
	"grep -qx 'Address = 10.250.0.2/32' '$RH_DIR/ana.conf' && grep -qx 'AllowedIPs = 10.1.1.0/24' '$RH_DIR/ana.conf'"
e2e_check "...the endpoint by the dashboard's name, ro's port" grep -qx 'Endpoint = range.example:51820' "$RH_DIR/ana.conf"
key=$(sed -n 's/^PrivateKey = //p' "$RH_DIR/ana.conf")
# The server keeps no copy of ana's key once her answer is sent: its whole
# memory is read and searched, before any other request could reuse the
# freed buffers.
# in_memory PID TEXT: whether TEXT is anywhere in PID's readable memory
in_memory() {
	python3 - "$1" "$2" <<'PY'
import re, sys
pid, text = sys.argv[1], sys.argv[2].encode()
found = False
with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
    for line in maps:
        m = re.match(r"([0-9a-f]+)-([0-9a-f]+) r", line)
        if not m or "[vvar]" in line or "[vsyscall]" in line:
            continue
        start, end = int(m.group(1), 16), int(m.group(2), 16)
        # Read in chunks that overlap by the text's length: a sanitizer's
        # shadow maps terabytes, which one read() cannot hold (those are
        # left out: no heap buffer lives there).
        if end - start > 1 << 36:
            continue
        chunk = 1 << 24
        at = start
        while at < end and not found:
            try:
                mem.seek(at)
                found = text in mem.read(min(chunk + len(text), end - at))
            except (OSError, ValueError, OverflowError):
                pass
            at += chunk
        if found:
            break
sys.exit(0 if found else 1)
PY
}
e2e_check "the memory search finds a key the server holds (its own, ro's public key)" \
	in_memory "$server" "$(jq -r .servers.ro.public "$state/vpn.json")"
not_in_memory() { ! in_memory "$@"; }
e2e_check "...and not ana's private key, once her answer is sent" not_in_memory "$server" "$key"
e2e_check "...its private key's public half is the one the server keeps" \
	test "$(wg pubkey <<<"$key")" = "$(jq -r .people.ana.public "$state/vpn.json")"
e2e_check "...the server's public key for ro" \
	test "$(sed -n 's/^PublicKey = //p' "$RH_DIR/ana.conf")" = "$(jq -r .servers.ro.public "$state/vpn.json")"
# The answer that carries a key is never cached.
e2e_check "...not to be cached: Cache-Control: no-store" sh -c \
	"ip netns exec $RH_NS curl -s -m 5 -D - -o /dev/null -X POST -H 'Authorization: Bearer $(tok mihai)' $base/api/v1/vpn/config | tr -d '\r' | grep -qix 'Cache-Control: no-store'"
e2e_check "a second download: a new private key" sh -c \
	"test \"\$(ip netns exec $RH_NS curl -s -m 5 -X POST -H 'Authorization: Bearer $(tok ana)' $base/api/v1/vpn/config | sed -n 's/^PrivateKey = //p')\" != '$key'"
e2e_check "POST /vpn/config as ion: his own, md's" sh -c \
	"[ \$(ip netns exec $RH_NS curl -s -m 5 -X POST -H 'Authorization: Bearer $(tok ion)' $base/api/v1/vpn/config | grep -c -x -e 'Address = 10.250.1.2/32' -e 'AllowedIPs = 10.2.1.0/24') = 2 ]"
e2e_check "POST /vpn/config as eve: red's, its shared network" sh -c \
	"ip netns exec $RH_NS curl -s -m 5 -X POST -H 'Authorization: Bearer $(tok eve)' $base/api/v1/vpn/config | grep -qx 'AllowedIPs = 100.64.0.0/24'"
e2e_check "POST /vpn/qr as ana: an SVG picture, not to be cached" sh -c \
	"ip netns exec $RH_NS curl -s -m 5 -D - -o /dev/null -X POST -H 'Authorization: Bearer $(tok ana)' $base/api/v1/vpn/qr | tr -d '\r' | grep -ix -e 'Cache-Control: no-store' -e 'Content-Type: image/svg+xml' | wc -l | grep -qx 2"
e2e_check "...which replaced her key" test "$(wg pubkey <<<"$key")" != "$(jq -r .people.ana.public "$state/vpn.json")"
e2e_check "GET /vpn/config: 405" test "$(as ana GET /api/v1/vpn/config)" = 405
e2e_check "GET /vpn/nope: 404" test "$(as ana GET /api/v1/vpn/nope)" = 404
for who in control prof; do
	e2e_check "POST /vpn/config as $who: 403" test "$(as $who POST /api/v1/vpn/config)" = 403
done
e2e_check "no token: 401" test "$(c -o /dev/null -w '%{http_code}' -X POST "$base/api/v1/vpn/config")" = 401
# The private key is in that one answer only.
for path in whoami exercise hosts messages reports injects users vpn scores; do
	c -H "Authorization: Bearer $(tok control)" "$base/api/v1/$path" >>"$RH_DIR/others"
	c -H "Authorization: Bearer $(tok ana)" "$base/api/v1/$path" >>"$RH_DIR/others"
done
e2e_check "ana's private key is in no other answer" sh -c "! grep -qF -- '$key' '$RH_DIR/others'"
e2e_check "...nor in the state folder (journal, vpn.json, accounts)" sh -c "! grep -rqF -- '$key' '$state'"
e2e_check "...nor in the log" sh -c "! grep -qF -- '$key' '$RH_DIR/log' '$RH_DIR/out'"

# Disabling ana forgets her peer within a second or so; her calls are refused.
"$build/rangectl" users "$state" disable ana
sleep 2
e2e_check "disabling ana forgets her peer" test "$(jq -r '.people | has("ana")' "$state/vpn.json")" = false
e2e_check "...and ion keeps his" test "$(jq -r '.people | has("ion")' "$state/vpn.json")" = true
e2e_check "...her download is refused: 401" test "$(as ana POST /api/v1/vpn/config)" = 401
stop_server

# A scenario without vpn: has no VPN.
start_server "$PWD/scenarios/demo.yaml"
e2e_check "no vpn: in the scenario: GET /vpn 404" test "$(as ion GET /api/v1/vpn)" = 404
stop_server
e2e_summary
