#!/usr/bin/env bash
# tests/stix/run.sh: the independent STIX 2.1 reader (read.py) against its
# fixtures, so that the reader itself is known to accept what the
# specification allows and refuse what it does not:
#
#   fixtures/ok-X.json   must exit 0 and print exactly fixtures/ok-X.out;
#   fixtures/bad-X.json  must exit 1, print nothing on standard output and
#                        a violation containing fixtures/bad-X.expect.
#
# Then usage (exit 2). Ends with "N passed, M failed".
# usage: tests/stix/run.sh [BUILD]   (BUILD is not needed; taken for tests/run)
set -u
cd "$(dirname "$0")" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
pass() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }

for f in fixtures/ok-*.json; do
	name=${f%.json}
	python3 read.py "$f" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		fail "$f" "exit status $rc, expected 0"
		sed 's/^/#   /' "$tmp/err"
	elif ! diff -u "$name.out" "$tmp/out" >"$tmp/diff"; then
		fail "$f" "output differs from $name.out"
		cat "$tmp/diff"
	else
		pass "$f reads, $(wc -l <"$tmp/out") indicators as expected"
	fi
done

for f in fixtures/bad-*.json; do
	name=${f%.json}
	python3 read.py "$f" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	want=$(cat "$name.expect")
	if [ "$rc" -ne 1 ]; then
		fail "$f" "exit status $rc, expected 1"
	elif [ -s "$tmp/out" ]; then
		fail "$f" "it printed indicators of a bundle it refuses"
	elif ! grep -qF -- "$want" "$tmp/err"; then
		fail "$f" "no violation says '$want'; it said:"
		sed 's/^/#   /' "$tmp/err"
	else
		pass "$f is refused: $(head -n 1 "$tmp/err")"
	fi
done

python3 read.py >/dev/null 2>&1
rc=$?
[ "$rc" -eq 2 ] && pass "no file: usage, exit 2" || fail "no file" "exit status $rc, expected 2"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
