#!/usr/bin/env bash
# Exactly once under kill -9: a burst of message injects (several due at
# the same instant, so that they share a sync) on the test driver, with a
# round and its checkpoint every 80 ms, killed with SIGKILL at a random
# point BURST_KILLS times (default 50), every other time with the journal's
# syncs stalled by 20 ms (RANGECTL_TEST_SYNC_DELAY_MS), each in a state
# folder of its own, then run again on the same folder to the end. After each: every
# inject fired once (one inject event, firing 1), none twice, none lost
# (its message and its result journaled once, the result not lost), every
# round once.
#
# usage: tests/engine/burst.sh BUILD
set -u
build=$(realpath "${1:?usage: burst.sh BUILD}")
cd "$(dirname "$0")/../.." || exit 1
. tests/engine/lib.sh
[ "$(id -u)" -eq 0 ] || { echo "# needs root (network namespaces)"; echo "0 passed, 0 failed"; exit 0; }

kills=${BURST_KILLS:-50}
n=40	# injects: m1..m40, four at a time, every second of exercise time
rh_start journal-burst
scenario=$RH_DIR/burst.yaml
{
	printf 'version: 1\nexercise: {name: burst, duration: 14s}\n'
	printf 'images:\n  app: {kernel: vmlinuz, initrd: app.cpio.gz}\n'
	printf 'teams:\n  - {id: ro, role: blue, members: [ana]}\n'
	printf 'networks:\n  - {id: lan, cidr: 10.0.0.0/24}\n'
	printf 'hosts:\n  - {id: web, team: ro, image: app, memory: 64M, nics: [{network: lan, ip: .10}]}\n'
	printf 'injects:\n'
	for i in $(seq $n); do
		printf '  - {id: m%d, at: %ds, action: message, to: ro, text: "message %d"}\n' \
			"$i" $(((i + 3) / 4)) "$i"
	done
	printf 'scoring: {interval: 2s, timeout: 1s}\n'
} >"$scenario"
speed=25	# the burst: 10 s of exercise in 0.4 s, rounds every 80 ms
run() {
	rh_exec "$build/rangectl" run "$scenario" --connect test:///default --no-up --netns "$RH_NS" \
		--listen off --speed $speed --linger 0s -q "$@"
}
injects() { [ -s "$1/journal.jsonl" ] && jq -c 'select(.type=="inject")' "$1/journal.jsonl" 2>/dev/null | wc -l || echo 0; }

# The journal's verdict: "ok", or what is wrong.
verdict() {
	jq -s -r --argjson n "$n" '
		def count($j; $t; $id): [$j[] | select(.type==$t and (.id // .inject)==$id)] | length;
		. as $j | [range(1; $n + 1) | "m\(.)"] as $ids
		| [$ids[] as $id | ("inject", "message", "inject_result") as $t
		   | count($j; $t; $id) as $c | select($c != 1) | "\($id): \($c) \($t) events"]
		+ ([$j[] | select(.type=="inject" and .firing != 1)] | map("\(.id) firing \(.firing)"))
		+ ([$j[] | select(.type=="inject_result" and .lost == true)] | map("\(.id) lost"))
		+ (if ([$j[] | select(.type=="round") | .n] == [range(1; 8)]) then [] else ["rounds \([$j[] | select(.type=="round") | .n])"] end)
		+ (if ($j | map(select(.type=="clock")) | last | .state) == "ended" then [] else ["the clock did not end"] end)
		| if length == 0 then "ok" else .[:6] | join("; ") end' "$1/journal.jsonl"
}

failed_runs=0 mid=0 restart_bad=0
for k in $(seq "$kills"); do
	state=$RH_DIR/state-$k
	# Every other run on a disk that stalls 20 ms at every sync (the
	# writer's test hook), so that the kill finds events queued, and
	# firings whose intents are not yet durable.
	export RANGECTL_TEST_SYNC_DELAY_MS=$((k % 2 ? 20 : 0))
	# Not through run(): $! must be rangectl itself.
	ip netns exec "$RH_NS" "$build/rangectl" run "$scenario" --connect test:///default --no-up \
		--netns "$RH_NS" --listen off --speed $speed --linger 0s -q --state "$state" \
		>/dev/null 2>"$RH_DIR/first-$k.log" &
	pid=$!
	# Wait for the journal to begin, then a random 0 to 500 ms: the
	# burst is the 400 ms after the clock starts.
	for _ in $(seq 300); do [ -s "$state/journal.jsonl" ] && break; sleep 0.01; done
	sleep "0.$(printf '%03d' $((RANDOM % 500)))"
	kill -KILL $pid 2>/dev/null
	wait $pid 2>/dev/null
	at=$(injects "$state")
	[ "$at" -gt 0 ] && [ "$at" -lt $n ] && mid=$((mid + 1))
	run --state "$state" >/dev/null 2>"$RH_DIR/restart-$k.log" || restart_bad=$((restart_bad + 1))
	v=$(verdict "$state" 2>&1)
	if [ "$v" != ok ]; then
		failed_runs=$((failed_runs + 1))
		echo "# kill $k (after $at injects, sync delay ${RANGECTL_TEST_SYNC_DELAY_MS} ms): $v"
	fi
done
e2e_check "every restart after kill -9 ran to the end ($restart_bad of $kills did not)" test "$restart_bad" -eq 0
e2e_check "$kills kills at random points, $mid of them mid-burst: none fired twice, none lost, every round once ($failed_runs runs wrong)" \
	test "$failed_runs" -eq 0
e2e_check "most kills landed in the burst ($mid of $kills)" test "$mid" -ge $((kills / 3))

rh_stop
e2e_summary
