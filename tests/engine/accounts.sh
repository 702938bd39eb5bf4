#!/usr/bin/env bash
# Personal accounts and sessions of `rangectl run` on the test driver
# (issue 15): passwords set with `rangectl users`, login and wrong
# passwords (one answer whether the name exists or not), throttling with
# Retry-After, logins journaled (ok, refused, throttled; no password), an
# invitation used twice, a session expired, logout, one's sessions listed
# and ended, a person disabled mid-stream (their event stream and console
# cut), a cross-origin
# POST and a WebSocket of a foreign Origin refused, --no-tokens, the
# security headers, and plain HTTP refused on a non-loopback address.
# The server listens on loopback inside a network namespace of its own.
#
# usage: tests/engine/accounts.sh BUILD
set -u
build=$(realpath "${1:?usage: accounts.sh BUILD}")
cd "$(dirname "$0")/../.." || exit 1
. tests/engine/lib.sh
E2E_PACKAGES+=(curl openssl bc)
[ "$(id -u)" -eq 0 ] || { echo "# needs root (network namespaces)"; echo "0 passed, 0 failed"; exit 0; }

rh_start accounts
state=$RH_DIR/state
scenario=$PWD/scenarios/demo.yaml
rc() { "$build/rangectl" "$@"; }

# Plain HTTP beyond loopback is refused before anything starts.
rc run "$scenario" --connect test:///default --no-up --listen 0.0.0.0:8080 \
	--state "$state" >"$RH_DIR/out" 2>"$RH_DIR/err"
e2e_check "--listen 0.0.0.0 without TLS: usage error" test $? = 2
e2e_check "...saying what to give" grep -q -- "--tls-self-signed, or --insecure-http" "$RH_DIR/err"

"$build/rangectl" users "$RH_DIR/no-such-state" list >"$RH_DIR/out" 2>"$RH_DIR/err"
e2e_check "rangectl users of a folder that is not there: exit 1" test $? = 1
e2e_check "...naming the folder" grep -q "there is no state folder '$RH_DIR/no-such-state'" "$RH_DIR/err"

e2e_check "rangectl users --scenario gives everyone an account" sh -c \
	"'$build/rangectl' users '$state' --scenario '$scenario' --json | jq -e 'length == 6 and all(.state == \"no-password\")' >/dev/null"
for who in control prof ana ion eve mihai; do
	printf '%s\n' "password-of-$who" | rc users "$state" set-password "$who" ||
		e2e_fail "set-password $who"
done
e2e_check "accounts.json is private" test "$(stat -c %a "$state/accounts.json")" = 600
e2e_check "accounts.json holds Argon2id hashes with their parameters, no password" sh -c \
	"jq -e '.accounts.ana | (.hash | startswith(\"\$argon2id\$\")) and .opslimit > 0 and .memlimit > 0' '$state/accounts.json' >/dev/null && ! grep -q password-of '$state/accounts.json'"

start_server() {
	ip netns exec "$RH_NS" "$build/rangectl" run "$scenario" --connect test:///default --speed 20 \
		--wait --keepalive 1s --listen 127.0.0.1:8080 --state "$state" "$@" >"$RH_DIR/out" 2>>"$RH_DIR/log" &
	server=$!
	# -k: only whether it answers yet (the certificate is checked below).
	for _ in $(seq 300); do
		c -k -o /dev/null "$base/" && break
		sleep 0.1
	done
}
stop_server() { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; }
trap 'stop_server; rh_stop' EXIT
base=http://127.0.0.1:8080
c() { rh_exec curl -s -m 5 "$@"; }
start_server

# login WHO PASSWORD: the status; the cookie into $RH_DIR/jar-WHO, the
# answer into $RH_DIR/login-WHO.
login() {
	c -o "$RH_DIR/login-$1" -w '%{http_code}' -c "$RH_DIR/jar-$1" -H "Origin: $base" \
		-H 'Content-Type: application/json' --data "{\"name\":\"$1\",\"password\":\"$2\"}" "$base/api/v1/login"
}
csrf() { jq -r .csrf "$RH_DIR/login-$1"; }
# as WHO METHOD PATH [CURL ARGS...]: the status of a cookie's call with its CSRF header and Origin
as() {
	local who=$1 method=$2 path=$3
	shift 3
	c -o "$RH_DIR/body" -w '%{http_code}' -b "$RH_DIR/jar-$who" -X "$method" -H "Origin: $base" \
		-H "X-CSRF-Token: $(csrf "$who")" "$@" "$base$path"
}

# The thread that hashes passwords yields a contended core to the request
# threads (nice 10, docs/internals/http.md).
hasher_nice() {
	local t
	for t in /proc/"$server"/task/*; do
		[ "$(cat "$t/comm" 2>/dev/null)" = rangectl-hasher ] && awk '{ print $19 }' "$t/stat"
	done
}
e2e_check "the password-hashing thread runs at nice 10" test "$(hasher_nice)" = 10

e2e_check "login with the right password: 200" test "$(login ana password-of-ana)" = 200
e2e_check "...says who, with a CSRF token" sh -c "jq -e '.name == \"ana\" and .role == \"trainee\" and (.csrf | length) > 20' '$RH_DIR/login-ana' >/dev/null"
hdr=$(c -D - -o /dev/null -H "Origin: $base" -H 'Content-Type: application/json' \
	--data '{"name":"ion","password":"password-of-ion"}' "$base/api/v1/login" | tr -d '\r' | grep -i '^set-cookie:')
e2e_check "the cookie is HttpOnly, SameSite=Strict, Path=/ ($hdr)" bash -c \
	"grep -q 'rangectl_session=' <<<'$hdr' && grep -q HttpOnly <<<'$hdr' && grep -q 'SameSite=Strict' <<<'$hdr' && grep -q 'Path=/' <<<'$hdr' && ! grep -q Secure <<<'$hdr'"
e2e_check "the cookie's session: whoami 200" test "$(as ana GET /api/v1/whoami)" = 200
wrong=$(login ana wrong-password-1); wrong_body=$(jq -c . "$RH_DIR/login-ana")
none=$(login nobody-at-all wrong-password-1); none_body=$(jq -c . "$RH_DIR/login-nobody-at-all")
e2e_check "a wrong password: 401 ($wrong)" test "$wrong" = 401
e2e_check "an unknown name: the same 401 and the same words" test "$none $none_body" = "$wrong $wrong_body"
login ana password-of-ana >/dev/null

# Throttling: past 3 failures of a name, 429 with Retry-After, even for the right password.
for _ in 1 2 3; do login mihai not-mihais-password >/dev/null; done
got=$(c -D "$RH_DIR/h429" -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
	--data '{"name":"mihai","password":"password-of-mihai"}' "$base/api/v1/login")
e2e_check "a fourth try at once: 429 even with the right password ($got)" test "$got" = 429
e2e_check "...with Retry-After" grep -qi '^retry-after: [0-9]' "$RH_DIR/h429"
sleep 2.2
e2e_check "after the wait, the right password works" test "$(login mihai password-of-mihai)" = 200
e2e_check "the failed logins are logged without the password" sh -c \
	"grep -q \"failed login as 'mihai'\" '$RH_DIR/log' && ! grep -q not-mihais-password '$RH_DIR/log'"
journal=$state/journal.jsonl
e2e_check "the journal has ana's login: ok, from her address" sh -c \
	"jq -e -s 'any(.type == \"login\" and .name == \"ana\" and .result == \"ok\" and .address == \"127.0.0.1\")' '$journal' >/dev/null"
e2e_check "...mihai's wrong passwords: refused" sh -c \
	"[ \$(jq -s '[.[] | select(.type == \"login\" and .name == \"mihai\" and .result == \"refused\")] | length' '$journal') = 3 ]"
e2e_check "...the attempt that waited: throttled, with its count" sh -c \
	"jq -e -s 'any(.type == \"login\" and .name == \"mihai\" and .result == \"throttled\" and .attempts >= 1)' '$journal' >/dev/null"
e2e_check "...and no password in the journal" sh -c "! grep -q 'password-of\|not-mihais-password\|wrong-password' '$journal'"

# CSRF: a cookie's POST from another origin, or without the token, is refused.
login control password-of-control >/dev/null
e2e_check "a cross-origin POST with the cookie: 403" test "$(c -o /dev/null -w '%{http_code}' -b "$RH_DIR/jar-control" \
	-X POST -H 'Origin: http://evil.example' -H "X-CSRF-Token: $(csrf control)" "$base/api/v1/exercise/start")" = 403
e2e_check "a same-origin POST without the CSRF token: 403" test "$(c -o /dev/null -w '%{http_code}' -b "$RH_DIR/jar-control" \
	-X POST -H "Origin: $base" "$base/api/v1/exercise/start")" = 403
e2e_check "with both: 200" test "$(as control POST /api/v1/exercise/start)" = 200
e2e_check "a WebSocket of a foreign Origin: 403" test "$(c -o /dev/null -w '%{http_code}' -b "$RH_DIR/jar-control" \
	-H 'Origin: http://evil.example' -H 'Upgrade: websocket' -H 'Connection: Upgrade' -H 'Sec-WebSocket-Version: 13' \
	-H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' "$base/api/v1/hosts/demo-ro-web/console")" = 403
e2e_check "a cross-origin login: 403" test "$(c -o /dev/null -w '%{http_code}' -H 'Origin: http://evil.example' \
	-H 'Content-Type: application/json' --data '{"name":"ana","password":"password-of-ana"}' "$base/api/v1/login")" = 403

# One's sessions: listed, one ended by its id.
login prof password-of-prof >/dev/null
cp "$RH_DIR/jar-prof" "$RH_DIR/jar-prof1"; cp "$RH_DIR/login-prof" "$RH_DIR/login-prof1"
login prof password-of-prof >/dev/null
e2e_check "GET /sessions lists prof's two, one current" sh -c "[ \"\$(ip netns exec $RH_NS curl -s -m 5 -b $RH_DIR/jar-prof $base/api/v1/sessions | jq -c '[length, (map(select(.current)) | length)]')\" = '[2,1]' ]"
other=$(c -b "$RH_DIR/jar-prof" "$base/api/v1/sessions" | jq -r 'map(select(.current | not))[0].id')
e2e_check "DELETE /sessions/ID ends the other: 200" test "$(as prof DELETE "/api/v1/sessions/$other")" = 200
e2e_check "...whose cookie is now refused: 401" test "$(c -o /dev/null -w '%{http_code}' -b "$RH_DIR/jar-prof1" "$base/api/v1/whoami")" = 401
e2e_check "another's session id: 404" test "$(as ana DELETE "/api/v1/sessions/$other")" = 404

# Logout ends the session and clears the cookie.
login ion password-of-ion >/dev/null
e2e_check "logout: 200" test "$(as ion POST /api/v1/logout)" = 200
e2e_check "after logout the cookie is refused: 401" test "$(as ion GET /api/v1/whoami)" = 401

# Disabling a person mid-stream: their stream and console end, their logins and token fail.
login ana password-of-ana >/dev/null
rh_exec curl -s -N -m 8 -b "$RH_DIR/jar-ana" "$base/api/v1/events" >"$RH_DIR/sse-ana" &
sse=$!
# A console WebSocket by her cookie, whose close (the test driver has no
# consoles) it never answers: the server would hold it 5 s for that answer.
rh_exec python3 - "$(awk '$6 == "rangectl_session" { print $7 }' "$RH_DIR/jar-ana")" >"$RH_DIR/ws-ana" <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", 8080))
s.sendall(("GET /api/v1/hosts/demo-ro-web/console HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
           "Origin: http://127.0.0.1:8080\r\nCookie: rangectl_session=%s\r\n"
           "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n" % sys.argv[1]).encode())
s.settimeout(10)
said = False
try:
    while True:
        b = s.recv(4096)
        if not b:
            break
        if not said:
            print(b.split(b"\r\n")[0].decode(errors="replace"), flush=True)
            said = True
except OSError:
    pass
print("%.3f" % time.time())
PY
ws=$!
# Both open (on a loaded machine python may take a while to start).
for _ in $(seq 100); do
	grep -q '^HTTP' "$RH_DIR/ws-ana" && grep -q '^event: state' "$RH_DIR/sse-ana" && break
	sleep 0.1
done
t0=$(date +%s.%N)
rc users "$state" disable ana
wait $sse
t1=$(date +%s.%N)
took=$(echo "$t1 - $t0" | bc)
e2e_check "disabling ana ends her event stream within 2 s ($took s)" sh -c "[ \$(echo '$took < 2' | bc) = 1 ]"
wait $ws
e2e_check "...her console had opened ($(head -n 1 "$RH_DIR/ws-ana"))" grep -q '^HTTP/1.1 101' "$RH_DIR/ws-ana"
took=$(echo "$(sed -n 2p "$RH_DIR/ws-ana") - $t0" | bc)
e2e_check "...and ends her console within 2 s ($took s)" sh -c "[ \$(echo '$took < 2' | bc) = 1 ]"
e2e_check "...which had begun" grep -q '^event: state' "$RH_DIR/sse-ana"
e2e_check "...and her session: 401" test "$(as ana GET /api/v1/whoami)" = 401
e2e_check "...and her token: 401" test "$(c -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(jq -r .ana "$state/credentials.json")" "$base/api/v1/whoami")" = 401
e2e_check "...and her password: 401" test "$(login ana password-of-ana)" = 401
rc users "$state" enable ana
e2e_check "enabled again, she logs in" test "$(login ana password-of-ana)" = 200

# The controller's users routes, and an invitation used twice.
e2e_check "GET /users as a trainee: 403" test "$(as ana GET /api/v1/users)" = 403
e2e_check "GET /users as the controller: every person" sh -c "[ \$(ip netns exec $RH_NS curl -s -m 5 -b $RH_DIR/jar-control $base/api/v1/users | jq length) = 6 ]"
e2e_check "POST /users/mihai/invite as the controller: 200" test "$(as control POST /api/v1/users/mihai/invite)" = 200
code=$(jq -r .invite "$RH_DIR/body")
redeem() { c -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data "{\"invite\":\"$1\",\"password\":\"$2\"}" "$base/api/v1/invite"; }
e2e_check "the invitation sets mihai's password: 200" test "$(redeem "$code" mihais-new-password)" = 200
e2e_check "...once: the second use is 400" test "$(redeem "$code" another-password)" = 400
e2e_check "mihai logs in with the password he chose" test "$(login mihai mihais-new-password)" = 200
link=$(rc users "$state" invite eve --url https://range.example 2>/dev/null)
e2e_check "rangectl users invite prints a link with the code in its fragment ($link)" grep -qE '^https://range.example/#invite=[A-Za-z0-9_-]{32}$' <<<"$link"
e2e_check "...that works" test "$(redeem "${link##*=}" eves-new-password)" = 200
e2e_check "POST /users/eve/disable as the controller: 200" test "$(as control POST /api/v1/users/eve/disable)" = 200
e2e_check "...eve cannot log in" test "$(login eve eves-new-password)" = 401

# Security headers on pages and answers.
h=$(c -D - -o /dev/null "$base/" | tr -d '\r')
e2e_check "the page has a CSP without inline script, frame-ancestors 'none'" bash -c \
	"grep -qi \"^content-security-policy: default-src 'self'.*frame-ancestors 'none'\" <<<\"\$1\" && ! grep -qi 'unsafe-inline.*script\|script-src[^;]*unsafe-inline' <<<\"\$1\"" _ "$h"
e2e_check "...nosniff and a Referrer-Policy" bash -c "grep -qi '^x-content-type-options: nosniff' <<<\"\$1\" && grep -qi '^referrer-policy:' <<<\"\$1\"" _ "$h"
e2e_check "...no HSTS over plain HTTP" bash -c "! grep -qi '^strict-transport-security' <<<\"\$1\"" _ "$h"
stop_server

# --no-tokens: the tokens are refused, the sessions work; idle expiry.
start_server --no-tokens --session-idle 2s
e2e_check "--no-tokens: a token is 401" test "$(c -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(jq -r .prof "$state/credentials.json")" "$base/api/v1/whoami")" = 401
e2e_check "--no-tokens: a login works" test "$(login prof password-of-prof)" = 200
e2e_check "a session in use: 200" test "$(as prof GET /api/v1/whoami)" = 200
sleep 3
e2e_check "a session idle past --session-idle: 401" test "$(as prof GET /api/v1/whoami)" = 401
stop_server

# --tls-self-signed: a key and certificate in the state folder, its
# fingerprint printed; HSTS and Secure cookies under TLS.
base=https://127.0.0.1:8080
start_server --tls-self-signed
e2e_check "--tls-self-signed: key and certificate made, mode 0600" test \
	"$(stat -c %a "$state/tls-key.pem" "$state/tls-cert.pem" | sort -u)" = 600
fp=$(openssl x509 -in "$state/tls-cert.pem" -noout -fingerprint -sha256 | sed 's/.*=//')
e2e_check "...its SHA-256 fingerprint printed ($fp)" grep -qF "$fp" "$RH_DIR/log"
h=$(c --cacert "$state/tls-cert.pem" -D - -o /dev/null "$base/" | tr -d '\r')
e2e_check "...served, verified against it, with HSTS" bash -c "grep -qi '^strict-transport-security: max-age=' <<<\"\$1\"" _ "$h"
hdr=$(c --cacert "$state/tls-cert.pem" -D - -o /dev/null -H "Origin: $base" -H 'Content-Type: application/json' \
	--data '{"name":"prof","password":"password-of-prof"}' "$base/api/v1/login" | tr -d '\r' | grep -i '^set-cookie:')
e2e_check "...the cookie is Secure ($hdr)" grep -q '; Secure' <<<"$hdr"
stop_server
e2e_summary
