#!/usr/bin/env bash
# A checkpoint ahead of its journal: the journal emptied, cut short or
# removed beside the checkpoint of a run stopped midway. `run` must refuse
# to start (replaying what is left would fire the injects again), with an
# error naming both files, unless told --reset, which moves both aside
# (renamed, never deleted) and starts afresh.
#
# usage: tests/engine/reset.sh BUILD
set -u
build=$(realpath "${1:?usage: reset.sh BUILD}")
cd "$(dirname "$0")/../.." || exit 1
. tests/engine/lib.sh
[ "$(id -u)" -eq 0 ] || { echo "# needs root (network namespaces)"; echo "0 passed, 0 failed"; exit 0; }

rh_start reset
rh_serve 10.1.1.10 "rangectl demo page"
rh_serve 10.2.1.10 "rangectl demo page"
scenario=$PWD/scenarios/demo.yaml
state=$RH_DIR/state
journal=$state/journal.jsonl
run() { rh_exec "$build/rangectl" run "$scenario" --connect test:///default --speed 300 --linger 0s \
	--listen off --state "$state" "$@"; }
rounds() { [ -s "$journal" ] && rh_jq "$state" '[.[] | select(.type=="round")] | length' || echo 0; }
injects() { [ -s "$journal" ] && rh_jq "$state" '[.[] | select(.type=="inject")] | length' || echo 0; }

# Stopped by SIGTERM once the first injects fired; $! must be rangectl.
ip netns exec "$RH_NS" "$build/rangectl" run "$scenario" --connect test:///default --speed 300 --linger 0s \
	--listen off --state "$state" >/dev/null 2>"$RH_DIR/first.log" &
pid=$!
for _ in $(seq 300); do
	[ "$(rounds)" -ge 10 ] && break
	sleep 0.05
done
kill -TERM $pid
wait $pid 2>/dev/null
e2e_check "stopped at round $(rounds) of 30, $(injects) injects fired, a checkpoint left" \
	test "$(rounds)" -ge 10 -a "$(injects)" -ge 1 -a -s "$state/checkpoint.json"
cp "$journal" "$RH_DIR/journal.saved"
lines=$(wc -l <"$journal")

# refused CASE: run refuses, naming both files, and fires nothing
refused() {
	run >/dev/null 2>"$RH_DIR/refused.log"
	local rc=$?
	e2e_check "$1: run refuses (exit $rc)" test "$rc" -ne 0
	e2e_check "  naming the checkpoint and the journal" sh -c "grep -q 'checkpoint.json' '$RH_DIR/refused.log' &&
		grep -q 'journal.jsonl' '$RH_DIR/refused.log' && grep -q -- '--reset' '$RH_DIR/refused.log'"
	e2e_check "  and no inject fired again ($(injects) in the journal)" test "$(injects)" -le "${2:-0}"
}
: >"$journal"
refused "the journal emptied"
head -n $((lines / 2)) "$RH_DIR/journal.saved" >"$journal"
short=$(rh_jq "$state" '[.[] | select(.type=="inject")] | length')
refused "the journal cut to $((lines / 2)) of $lines lines" "$short"
rm -f "$journal"
refused "the journal removed"
e2e_log "$(head -c 400 "$RH_DIR/refused.log")"

# The journal put back: run resumes it to the end.
cp "$RH_DIR/journal.saved" "$journal"
run >/dev/null 2>"$RH_DIR/resume.log"
e2e_check "the journal put back: run resumes it (exit $?)" grep -q 'resumed after a restart' "$RH_DIR/resume.log"
cp "$journal" "$RH_DIR/journal.whole"

# --reset: both moved aside, never deleted; a new exercise from zero.
: >"$journal"
run --reset >/dev/null 2>"$RH_DIR/reset.log"
e2e_check "run --reset starts afresh and ends (exit $?)" test "$(rounds)" = 30
old=$(ls "$state" | grep -c '^journal.jsonl.reset-')
e2e_check "  the old journal and checkpoint moved aside ($(ls "$state" | tr '\n' ' '))" sh -c \
	"test $old = 1 && ls '$state' | grep -q '^checkpoint.json.reset-'"
e2e_check "  the new journal starts at its exercise event" test "$(head -n 1 "$journal" | jq -r .type)" = exercise
rh_stop
e2e_summary
