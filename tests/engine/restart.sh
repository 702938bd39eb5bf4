#!/usr/bin/env bash
# A restart gives the same state however it gets there (issue 16): the
# same journal (bench/engine's generator, its clock paused) resumed by
# `rangectl run` with both checkpoints (the engine's and the dashboard's:
# only the journal's tail read), without any (a full replay), and with
# each checkpoint stale in turn (its seq beyond the journal, or its byte
# offset not at the line it names: either must be found and fall back to
# the full replay, not resume from the wrong place). Every variant's API
# answers (exercise, scores, their history and uptime, hosts, injects,
# messages, reports, and the live stream's opening events) must be the
# same bytes as the full replay's. The server listens on loopback inside
# a network namespace of the test's own.
#
# usage: tests/engine/restart.sh BUILD
set -u
build=$(realpath "${1:?usage: restart.sh BUILD}")
cd "$(dirname "$0")/../.." || exit 1
. tests/engine/lib.sh
E2E_PACKAGES+=(curl)
[ "$(id -u)" -eq 0 ] || { echo "# needs root (network namespaces)"; echo "0 passed, 0 failed"; exit 0; }
[ -x "$build/bench/engine" ] || make -s BUILD="$build" "$build/bench/engine" >/dev/null

rh_start restart
master=$RH_DIR/master
# 4,000 events: rounds, firings, messages, reports, grades, adjustments,
# host events; both checkpoints where the journal ends.
"$build/bench/engine" --write-state "$master" paused 4000 >/dev/null 2>&1
e2e_check "the generator wrote a journal and both checkpoints" \
	test -s "$master/journal.jsonl" -a -s "$master/checkpoint.json" -a -s "$master/view-checkpoint.jsonl"
last=$(tail -n 1 "$master/journal.jsonl" | jq .seq)
size=$(stat -c %s "$master/journal.jsonl")

# answers NAME: the API's answers of a run on the folder NAME, into
# $RH_DIR/NAME.answers, and its log into $RH_DIR/NAME.log
answers() {
	local name=$1 state=$RH_DIR/$1 auth path
	rh_api_start "$build/rangectl" run "$master/replay.yaml" --connect test:///default --no-up \
		--state "$state" --linger 60s --keepalive 60s --listen 127.0.0.1:8080
	auth="Authorization: Bearer $(jq -r .control "$state/credentials.json")"
	for path in exercise scores scores/history scores/uptime hosts injects messages reports; do
		echo "== $path"
		c -H "$auth" "$base/api/v1/$path"
		echo
	done >"$RH_DIR/$name.answers"
	echo "== events" >>"$RH_DIR/$name.answers"
	c -N -m 2 -H "$auth" "$base/api/v1/events" | grep -v '^: ping' >>"$RH_DIR/$name.answers"
	rh_api_stop
	cp "$RH_DIR/log" "$RH_DIR/$name.log"
}

# racing NAME: the routes that read the report's lists (restored on a
# thread of their own after the API starts, view.h), asked the moment the
# server accepts, each by a loop that starts before it: their first
# answers, status line included, into $RH_DIR/NAME.race
RACED="exercise injects messages reports scores"
racing() {
	local name=$1 state=$RH_DIR/$1 auth path pids=()
	auth="Authorization: Bearer $(jq -r .control "$state/credentials.json")"
	for path in $RACED; do
		# (-m 120: a request taken in during the restore waits for it;
		# cut at 5 s and asked again, under ASan on a loaded machine the
		# requests piled up faster than two workers answered them)
		rh_exec sh -c 'until curl -s -m 120 -H "$1" -o "$2" -w "%{http_code}" \
			"$3" >"$2.code"; do :; done' sh "$auth" "$RH_DIR/$name.$path" \
			"http://127.0.0.1:8080/api/v1/$path" &
		pids+=($!)
	done
	rh_api_start "$build/rangectl" run "$master/replay.yaml" --connect test:///default --no-up \
		--state "$state" --linger 60s --keepalive 60s --listen 127.0.0.1:8080
	wait "${pids[@]}"
	rh_api_stop
	cp "$RH_DIR/log" "$RH_DIR/$name.log"
	for path in $RACED; do
		echo "== $path $(cat "$RH_DIR/$name.$path.code")"
		cat "$RH_DIR/$name.$path"
		echo
	done >"$RH_DIR/$name.race"
}
# expected: the full replay's answers to the raced routes, as racing() writes them
expected() {
	local path
	for path in $RACED; do
		echo "== $path 200"
		awk -v p="== $path" '$0 == p { on = 1; next } /^== / { on = 0 } on' "$RH_DIR/race-full.answers"
	done
}

# variant NAME: a copy of the master folder as NAME
variant() { cp -a "$master" "$RH_DIR/$1"; }
# on_head FILE SED: SED applied to the first line of FILE only (the
# view's checkpoint has binary records after its head)
on_head() {
	local f=$1 head
	head=$(head -n 1 "$f" | wc -c)
	{ head -n 1 "$f" | sed "$2"; tail -c +"$((head + 1))" "$f"; } >"$f.new" && mv "$f.new" "$f"
}

variant full
rm "$RH_DIR/full/checkpoint.json" "$RH_DIR/full/view-checkpoint.jsonl"
variant both
variant view-seq
on_head "$RH_DIR/view-seq/view-checkpoint.jsonl" "s/\"seq\":$last,\"version\"/\"seq\":$((last + 500)),\"version\"/"
variant view-offset
on_head "$RH_DIR/view-offset/view-checkpoint.jsonl" "s/\"offset\":$size,/\"offset\":$((size - 7)),/"
variant engine-seq
sed -i "s/\"seq\":$last,/\"seq\":$((last + 500)),/" "$RH_DIR/engine-seq/checkpoint.json"
variant engine-offset
sed -i "s/\"offset\":$size,/\"offset\":$((size - 7)),/" "$RH_DIR/engine-offset/checkpoint.json"

e2e_check "each stale copy differs from the good one where meant" sh -c "
	! cmp -s '$master/view-checkpoint.jsonl' '$RH_DIR/view-seq/view-checkpoint.jsonl' &&
	! cmp -s '$master/view-checkpoint.jsonl' '$RH_DIR/view-offset/view-checkpoint.jsonl' &&
	! cmp -s '$master/checkpoint.json' '$RH_DIR/engine-seq/checkpoint.json' &&
	! cmp -s '$master/checkpoint.json' '$RH_DIR/engine-offset/checkpoint.json'"

for v in full both view-seq view-offset engine-seq engine-offset; do
	answers "$v"
done
# The race: a journal long enough (100,000 events) that the lists' restore
# takes a while; its full replay (no checkpoints) says what is right.
big=$RH_DIR/big
"$build/bench/engine" --write-state "$big" paused 100000 >/dev/null 2>&1
cp -a "$big" "$RH_DIR/race-full"
rm "$RH_DIR/race-full/checkpoint.json" "$RH_DIR/race-full/view-checkpoint.jsonl"
master=$big answers race-full
cp -a "$big" "$RH_DIR/race"
# its tokens known before it starts: those the full replay's run made
cp "$RH_DIR/race-full/credentials.json" "$RH_DIR/race/"
master=$big racing race

e2e_check "the full replay answered every route" sh -c "
	[ \$(grep -c '^== ' '$RH_DIR/full.answers') -eq 9 ] &&
	grep -q '\"round\"' '$RH_DIR/full.answers' && grep -q '^event: score' '$RH_DIR/full.answers' &&
	grep -q '\"state\":\"paused\"' '$RH_DIR/full.answers'"
for v in both view-seq view-offset engine-seq engine-offset; do
	e2e_check "$v: the same answers, byte for byte, as the full replay" \
		cmp "$RH_DIR/full.answers" "$RH_DIR/$v.answers"
done
expected >"$RH_DIR/race-full.race"
e2e_check "routes asked at once, racing the lists' restore: the full replay's answers" \
	cmp "$RH_DIR/race-full.race" "$RH_DIR/race.race"
e2e_check "the race used the checkpoints" sh -c "! grep -q 'not used\|replaying all' '$RH_DIR/race.log'"
e2e_check "with both checkpoints, nothing is replayed from the start" \
	sh -c "! grep -q 'not used\|replaying all' '$RH_DIR/both.log'"
e2e_check "the view's checkpoint of a seq beyond the journal is not used" \
	grep -q "dashboard's checkpoint .* is not used" "$RH_DIR/view-seq.log"
e2e_check "the view's checkpoint at the wrong offset is not used" \
	grep -q "dashboard's checkpoint .* is not used" "$RH_DIR/view-offset.log"
e2e_check "the engine's checkpoint of a seq beyond the journal is not used" \
	grep -q "does not match the journal; replaying all of it" "$RH_DIR/engine-seq.log"
e2e_check "the engine's checkpoint at the wrong offset is not used" \
	grep -q "does not match the journal; replaying all of it" "$RH_DIR/engine-offset.log"

e2e_summary
