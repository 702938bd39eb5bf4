#!/usr/bin/env bash
# Issue 14, point 5: every team got the same range, and `rangectl verify`
# says whether it still has it. On libvirt's test driver (no guest, no
# check sent, so no namespace): `up` warns of a team whose range differs;
# `run` journals each team's digests (the range event); `verify` holds on
# an untouched range, and catches a base image swapped for a copy with one
# byte changed (same path, same size, another mtime) and a changed
# check. The image cache lives in this
# test's own XDG_CACHE_HOME.
#
# usage: tests/engine/verify.sh BUILD
set -u
build=$(realpath "${1:?usage: verify.sh BUILD}")
cd "$(dirname "$0")/../.." || exit 1
. tests/e2e/lib.sh
E2E_PACKAGES=(jq)
e2e_install

dir=$(mktemp -d /tmp/rc-verify.XXXXXX)
trap 'rm -rf "$dir"' EXIT
export XDG_CACHE_HOME=$dir/cache
uri=test:///default
rc() { "$@" >"$dir/out" 2>"$dir/err"; echo $?; }

# The scenario beside its image, so that image paths resolve in $dir.
cp tests/fairness/template.yaml "$dir/fair.yaml"
head -c 65536 /dev/urandom >"$dir/app.kernel"
cp "$dir/app.kernel" "$dir/app.kernel.orig"

# up: two blue teams from one template, no warning; the JSON has each
# team's digest, ro's and ua's equal.
r=$(rc "$build/rangectl" up "$dir/fair.yaml" --connect "$uri" --json -q)
e2e_check "up exits 0 (got $r)" test "$r" -eq 0
e2e_check "up warns of nothing" sh -c "! grep -q warning '$dir/err'"
e2e_check "up --json: ro and ua have one digest" \
	test "$(jq -r '.teams[] | select(.team=="ro") | .digest' "$dir/out")" = \
	"$(jq -r '.teams[] | select(.team=="ua") | .digest' "$dir/out")"
e2e_check "up --json: red's differs from theirs, no team differs from its role's" \
	sh -c "test \"\$(jq -r '[.teams[].digest] | unique | length' '$dir/out')\" -eq 2 && test \"\$(jq '.differ | length' '$dir/out')\" -eq 0"
e2e_check "the image was hashed into the cache" \
	grep -q "$dir/app.kernel" "$dir/cache/rangectl/images.json"

# up on a scenario where ua lacks an inject: a warning naming ua and what.
r=$(rc "$build/rangectl" up tests/fairness/differs.yaml --connect "$uri" -q)
e2e_check "up of an unfair range still exits 0 (got $r)" test "$r" -eq 0
e2e_check "up warns, naming the team and the part" grep -q \
	"rangectl up: warning: team 'ua' did not get the range of team 'ro', and no range is most blue teams': its injects differ" "$dir/err"

# run journals the range event, before the clock starts.
r=$(rc "$build/rangectl" run "$dir/fair.yaml" --connect "$uri" --speed 100000 \
	--listen off --linger 0s --state "$dir/st" -q)
e2e_check "run exits 0 (got $r)" test "$r" -eq 0
journal=$dir/st/journal.jsonl
e2e_check "the journal has one range event, of 3 teams, before the clock's first" \
	sh -c "test \"\$(jq -s '[.[] | select(.type==\"range\")] | length' '$journal')\" -eq 1 &&
	       test \"\$(jq -s '[.[] | select(.type==\"range\")][0].teams | length' '$journal')\" -eq 3 &&
	       test \"\$(jq -s 'map(.type) | index(\"range\") < index(\"clock\")' '$journal')\" = true"
e2e_check "the journal says format 5" \
	test "$(jq -s '.[0].format' "$journal")" -eq 5

r=$(rc "$build/rangectl" verify "$dir/st" --connect "$uri")
e2e_check "verify of an untouched range exits 0 (got $r)" test "$r" -eq 0
e2e_check "it says each team holds" sh -c "grep -q '^ro: holds' '$dir/out' && grep -q '^ua: holds' '$dir/out' && grep -q '^red: holds' '$dir/out'"
e2e_check "it says why the live range is not compared" \
	grep -q "live range: not compared (libvirt's test driver keeps no range between processes)" "$dir/out"

# The after-action report carries the digests verify recomputed, in each format.
r=$(rc "$build/rangectl" verify "$dir/st" --no-live --json)
want=$(jq -c '[.teams[] | [.team, .now.digest]]' "$dir/out")
r=$(rc "$build/rangectl" report --json "$dir/st")
e2e_check "report --json has the range's digests, those verify recomputes ($want)" \
	test "$(jq -c '[.range.teams[] | [.team, .digest]]' "$dir/out")" = "$want"
r=$(rc "$build/rangectl" report "$dir/st")
ua_digest=$(jq -r '.[] | select(.[0]=="ua") | .[1]' <<<"$want")
e2e_check "the text report has them, saying where they come from" sh -c \
	"grep -q 'as rangectl run journaled it at its last start' '$dir/out' && grep -Eq '^ua +$ua_digest ' '$dir/out'"
r=$(rc "$build/rangectl" report --html "$dir/report.html" "$dir/st")
e2e_check "the HTML report has them" grep -q "<td class=\"id\">$ua_digest</td>" "$dir/report.html"

# The image swapped: one byte changed, same size, another mtime.
printf 'X' | dd of="$dir/app.kernel" bs=1 seek=100 conv=notrunc status=none
cmp -s "$dir/app.kernel" "$dir/app.kernel.orig" && printf 'Y' | dd of="$dir/app.kernel" bs=1 seek=100 conv=notrunc status=none
touch -d '2001-01-01' "$dir/app.kernel"
r=$(rc "$build/rangectl" verify "$dir/st" --no-live --json)
e2e_check "verify of a swapped image exits 1 (got $r)" test "$r" -eq 1
e2e_check "every team's images changed, and nothing else" \
	test "$(jq -c '[.teams[] | .changed]' "$dir/out")" = '[["images"],["images"],["images"]]'
r=$(rc "$build/rangectl" verify "$dir/st" --no-live)
e2e_check "the text names the team and the part" grep -q '^ua: CHANGED: images (was ' "$dir/out"

# The same bytes back (another mtime again): it holds again.
cp "$dir/app.kernel.orig" "$dir/app.kernel"
r=$(rc "$build/rangectl" verify "$dir/st" --no-live)
e2e_check "the original content back: verify exits 0 (got $r)" test "$r" -eq 0

# A check changed in the scenario: the blue teams' checks.
sed -i 's/port: 22}/port: 2222}/' "$dir/fair.yaml"
r=$(rc "$build/rangectl" verify "$dir/st" --no-live --json)
e2e_check "a changed check: verify exits 1 (got $r)" test "$r" -eq 1
e2e_check "ro and ua changed in checks, red not" \
	test "$(jq -c '[.teams[] | [.team, .changed]]' "$dir/out")" = '[["ro",["checks"]],["red",[]],["ua",["checks"]]]'
cp tests/fairness/template.yaml "$dir/fair.yaml"

# What verify refuses.
mkdir -p "$dir/empty"
r=$(rc "$build/rangectl" verify "$dir/empty" --no-live)
e2e_check "a folder without a journal: exit 1 (got $r)" test "$r" -eq 1
e2e_check "it says so" grep -q "rangectl verify: '$dir/empty' has no journal (journal.jsonl): give the state folder of a run" "$dir/err"
mkdir -p "$dir/old"
jq -c -s 'map(select(.type != "range")) | to_entries | map(.value.seq = .key + 1 | .value) | .[]' "$journal" >"$dir/old/journal.jsonl"
r=$(rc "$build/rangectl" verify "$dir/old" --no-live)
e2e_check "a journal without a range event: exit 1 (got $r)" test "$r" -eq 1
e2e_check "it says so" grep -q "has no range event" "$dir/err"

e2e_summary
