#!/usr/bin/env bash
# A round of 10,000 checks (10 blue teams, 1,000 tcp services each, none
# answering in the test's namespace): its results are journaled in parts
# under JOURNAL_PART_BYTES a line (one line of 1.2 MB before, past the
# reader's 1 MiB), and after a SIGTERM both `run` and `report` read them.
#
# usage: tests/engine/biground.sh BUILD
set -u
build=$(realpath "${1:?usage: biground.sh BUILD}")
cd "$(dirname "$0")/../.." || exit 1
. tests/engine/lib.sh
[ "$(id -u)" -eq 0 ] || { echo "# needs root (network namespaces)"; echo "0 passed, 0 failed"; exit 0; }

rh_start biground
scenario=$RH_DIR/big.yaml
{
	printf 'version: 1\nexercise:\n  name: big\n  duration: 5m\n'
	printf 'images:\n  appliance:\n    kernel: /nonexistent/vmlinuz\n    initrd: /nonexistent/initrd\nteams:\n'
	for t in $(seq 10); do printf '  - id: b%d\n    role: blue\n    members: [m%d]\n' "$t" "$t"; done
	printf '  - id: white\n    role: white\n    members: [control]\n'
	printf 'networks:\n  - id: lan\n    per_team: blue\n    cidr: "10.{team.index}.0.0/16"\n'
	printf 'hosts:\n  - id: web\n    per_team: blue\n    image: appliance\n    memory: 128M\n'
	printf '    nics:\n      - network: lan\n        ip: .10\n    services:\n'
	for s in $(seq 1000 1999); do printf '      - id: s%d\n        check: tcp\n        port: %d\n        points: 1\n' "$s" "$s"; done
	printf 'scoring:\n  interval: 60s\n  timeout: 2s\n'
} >"$scenario"
state=$RH_DIR/state
journal=$state/journal.jsonl
rounds() { [ -s "$journal" ] && rh_jq "$state" '[.[] | select(.type=="round")] | length' || echo 0; }

# Stopped by SIGTERM after its second round; $! must be rangectl itself.
ip netns exec "$RH_NS" "$build/rangectl" run "$scenario" --connect test:///default --speed 60 --linger 0s \
	--state "$state" >/dev/null 2>"$RH_DIR/first.log" &
pid=$!
for _ in $(seq 300); do
	[ "$(rounds)" -ge 2 ] && break
	sleep 0.1
done
kill -TERM $pid
wait $pid 2>/dev/null
at=$(rounds)
e2e_check "stopped by SIGTERM after round $at of 5" test "$at" -ge 2 -a "$at" -lt 5
longest=$(awk '{ if (length($0) + 1 > n) n = length($0) + 1 } END { print n }' "$journal")
e2e_log "the longest line: $longest bytes ($(wc -l <"$journal") lines)"
e2e_check "every line under 256 KiB ($longest bytes)" test "$longest" -le 262144
e2e_check "report reads the stopped exercise" sh -c "\"$build/rangectl\" report \"$state\" --json >\"$RH_DIR/mid.json\""
ip netns exec "$RH_NS" "$build/rangectl" run "$scenario" --connect test:///default --speed 60 --linger 0s \
	--state "$state" >/dev/null 2>"$RH_DIR/second.log"
e2e_check "run resumes it and ends (exit $?)" grep -q 'resumed after a restart' "$RH_DIR/second.log"
e2e_check "rounds 1 to 5 counted once each" test "$(rh_jq "$state" \
	'[.[] | select(.type=="round") | .n] == [range(1;6)]')" = true
"$build/rangectl" report "$state" --json >"$RH_DIR/end.json"
e2e_check "report reads it: 5 rounds" test "$(jq '.rounds | length' "$RH_DIR/end.json")" = 5
e2e_check "  of 10,000 checks each, in parts" test "$(rh_jq "$state" \
	'[.[] | select(.type=="part") | .checks | length] | add')" = 50000
rh_stop
e2e_summary
