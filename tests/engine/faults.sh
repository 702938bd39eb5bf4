#!/usr/bin/env bash
# A journal that cannot be written (its disk is full) stops the clock: the
# run exits 1 saying why, nothing counts unrecorded, and once there is
# room again the same journal resumes to the end with every round once.
#
# usage: tests/engine/faults.sh BUILD
set -u
build=$(realpath "${1:?usage: faults.sh BUILD}")
cd "$(dirname "$0")/../.." || exit 1
. tests/engine/lib.sh
[ "$(id -u)" -eq 0 ] || { echo "# needs root (namespaces, mounts)"; echo "0 passed, 0 failed"; exit 0; }

rh_start faults
rh_serve 10.1.1.10 "rangectl web, clean"
rh_serve 10.2.1.10 "rangectl web, defaced by red"
scenario=$PWD/tests/engine/rehearsal.yaml
small=$RH_DIR/small
mkdir -p "$small"
# 24 KiB: room for the first rounds of the rehearsal, not for all 30.
mount -t tmpfs -o size=24k tmpfs "$small" || e2e_die "cannot mount a small tmpfs on $small"
cleanup() { umount "$small" 2>/dev/null; rh_stop; }
trap cleanup EXIT

ip netns exec "$RH_NS" "$build/rangectl" run "$scenario" --connect test:///default --netns "$RH_NS" \
	--speed 300 --linger 0s --state "$small/state" >"$RH_DIR/out" 2>"$RH_DIR/log"
rc=$?
e2e_check "a full disk stops the run with exit 1 (got $rc)" test "$rc" -eq 1
e2e_check "it says which event could not be written, and why" \
	grep -q "cannot write event [0-9]* to journal .*No space left on device" "$RH_DIR/log"
e2e_check "it says the clock is stopped and how to go on" grep -q "the clock is stopped at .* resumes from the journal" "$RH_DIR/log"
cp "$small/state/journal.jsonl" "$RH_DIR/cut.jsonl"
umount "$small"
mkdir -p "$RH_DIR/roomy"
cp "$RH_DIR/cut.jsonl" "$RH_DIR/roomy/journal.jsonl"
# (jq cannot read it: a last line may be cut off, which replay drops)
n=$("$build/rangectl" report "$RH_DIR/roomy" --json | jq '.rounds | length' || echo -1)
e2e_check "what was written stands: $n rounds, fewer than 30" test "$n" -ge 1 -a "$n" -lt 30
"$build/rangectl" report "$RH_DIR/roomy" >"$RH_DIR/report" 2>&1
e2e_check "the cut journal reports, as an interrupted run" grep -q "interrupted" "$RH_DIR/report"

ip netns exec "$RH_NS" "$build/rangectl" run "$scenario" --connect test:///default --netns "$RH_NS" \
	--speed 300 --linger 0s --state "$RH_DIR/roomy" >/dev/null 2>"$RH_DIR/log2"
e2e_check "with room again, the same journal resumes to the end" test $? -eq 0
e2e_check "every round counted once, every timed inject fired once" test "$(rh_jq "$RH_DIR/roomy" \
	'([.[] | select(.type=="round") | .n] == [range(1;31)]) and ([.[] | select(.type=="inject")] | group_by(.id) | all(length == 1))')" = true

e2e_summary
