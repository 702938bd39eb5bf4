#!/usr/bin/env bash
# The credentials in a scenario's checks never reach a trainee: every
# answer of the API a trainee may read, the live event stream of a blue
# and of a red trainee, the dashboard's page, the journal, the report in
# every format and the log are searched for the passwords (the filled
# {team.id} one too) and the key's path. The run sends real checks inside
# a namespace of the test's own (--netns), where nothing answers, so that
# every reason of a failed ssh, imap or ftp login is journaled too.
#
# usage: tests/engine/secrets.sh BUILD
set -u
build=$(realpath "${1:?usage: secrets.sh BUILD}")
cd "$(dirname "$0")/../.." || exit 1
. tests/engine/lib.sh
E2E_PACKAGES+=(curl)
[ "$(id -u)" -eq 0 ] || { echo "# needs root (network namespaces)"; echo "0 passed, 0 failed"; exit 0; }

rh_start sec
state=$RH_DIR/state
scenario=$RH_DIR/secrets.yaml
# Every secret holds Zq9, which nothing else in the scenario does.
cat >"$scenario" <<'YAML'
version: 1
exercise: {name: sec, duration: 10m}
scoring: {interval: 1m, timeout: 1s}
images:
  appliance: {kernel: /nonexistent/vmlinuz}
teams:
  - {id: ro, role: blue, members: [ana]}
  - {id: red, role: red, members: [eve]}
  - {id: white, role: white, members: [control]}
networks:
  - {id: dmz, per_team: blue, cidr: "10.{team.index}.1.0/24"}
hosts:
  - id: web
    per_team: blue
    image: appliance
    nics: [{network: dmz, ip: .10}]
    services:
      - {id: ssh, check: ssh, user: ops, password: "{team.id}-Zq9-ssh", run: "id -un", expect: ops}
      - {id: key, check: ssh, user: ops, key: /nonexistent/Zq9-key}
      - {id: mail, check: imap, user: ops, password: "Zq9-imap"}
      - {id: files, check: ftp, user: ops, password: "Zq9-ftp"}
      - {id: dir, check: ldap, user: "cn=admin,dc=ro", password: "Zq9-ldap"}
injects:
  - id: deface
    at: 3m
    target: blue/web
    action: exec
    command: "true"
    compromise: {check: ssh, user: root, password: "Zq9-root", run: "test -e /tmp/x", penalty: 5}
YAML
rh_api_start "$build/rangectl" run "$scenario" --connect test:///default --netns "$RH_NS" \
	--speed 60 --wait --keepalive 1s --listen 127.0.0.1:8080 --linger 30s --state "$state"

ana=$(tok ana) eve=$(tok eve) control=$(tok control)
e2e_check "the server answers, with tokens" test -n "$ana" -a "$ana" != null

seen=$RH_DIR/seen
mkdir -p "$seen"
rh_exec curl -s -N -m 13 "$base/api/v1/events?token=$ana" >"$seen/sse-ana" &
sse1=$!
rh_exec curl -s -N -m 13 "$base/api/v1/events?token=$eve" >"$seen/sse-eve" &
sse2=$!
sleep 0.5
c -X POST -H "Authorization: Bearer $control" "$base/api/v1/exercise/start" >/dev/null
# The ten minutes take ten seconds; read everything a trainee may, midway
# and at the end.
sleep 6
for when in mid end; do
	for who in ana eve; do
		t=$([ "$who" = ana ] && echo "$ana" || echo "$eve")
		for path in / /api/v1/whoami /api/v1/exercise /api/v1/scores \
			/api/v1/scores/history /api/v1/hosts /api/v1/messages \
			/api/v1/reports /api/v1/hosts/sec-ro-web; do
			c -H "Authorization: Bearer $t" "$base$path" >"$seen/$when-$who-${path//\//_}"
		done
	done
	[ "$when" = mid ] && sleep 6
done
wait "$sse1" "$sse2"
e2e_check "ana's stream heard the rounds" grep -q '^event: round' "$seen/sse-ana"
e2e_check "the rounds were real: a login reason from the namespace" test "$(rh_jq "$state" \
	'[.[] | select(.type=="round") | .checks[] | select(.service=="ssh") | .reason] | map(select(. != null)) | length > 0')" = true
e2e_check "the compromise was checked too" test "$(rh_jq "$state" \
	'[.[] | select(.type=="round") | .compromises[]] | length > 0')" = true
rh_api_stop
"$build/rangectl" report "$state" >"$seen/report.txt" 2>&1
"$build/rangectl" report "$state" --json >"$seen/report.json" 2>&1
"$build/rangectl" report "$state" --html "$seen/report.html" >/dev/null 2>&1
cp "$state/journal.jsonl" "$RH_DIR/log" "$RH_DIR/out" "$seen/"
e2e_check "what a trainee could read was read ($(cat "$seen"/* | wc -c) bytes)" \
	test "$(cat "$seen"/mid-ana-* "$seen"/sse-ana | wc -c)" -gt 1000
e2e_check "the search would find them: the scenario holds 6" test "$(grep -oi 'zq9' "$scenario" | wc -l)" -eq 6
leaks=$(grep -ril 'zq9' "$seen" | sed "s|$seen/||" | tr '\n' ' ')
e2e_check "no secret in any answer, event, report, journal or log${leaks:+ (in: $leaks)}" test -z "$leaks"
rh_stop
e2e_summary
