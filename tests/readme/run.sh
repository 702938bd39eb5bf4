#!/usr/bin/env bash
# tests/readme/run.sh BUILD: the README's first command, as a newcomer runs
# it, on a fresh clone.
#
# Checks that the README still begins with its two commands (`make demo`,
# `make check`), clones this repository's committed HEAD into a temporary
# folder and runs `make demo` there, quickened (DEMO_SPEED=60, a free port,
# DEMO_LINGER=0s). While it runs, the dashboard must answer on this
# machine's loopback with live scores; at the end it must have printed the
# tokens and the report, exited 0, and left nothing behind. Then Ctrl-C in
# the middle of a second, slower run: it still ends cleanly. The second
# command, `make check`, is the one running this test: CI runs it on a
# fresh clone (.ci/run), so it is not run again from here.
set -u
cd "$(dirname "$0")/../.." || exit 1
repo=$PWD
. tests/e2e/lib.sh
E2E_PACKAGES=(git curl jq)
[ "$(id -u)" -eq 0 ] || { echo "# needs root (the demo's namespaces)"; echo "0 passed, 0 failed"; exit 0; }
e2e_install

first=$(sed -n '/^```sh$/,/^```$/p' README.md | grep -m2 -o '^make [a-z]*' | tr '\n' ' ')
e2e_check "the README begins with its two commands ($first)" test "$first" = "make demo make check "

dir=$(mktemp -d /tmp/rc-readme.XXXXXX)
demo=""
cleanup() {
	[ -n "$demo" ] && kill -INT "$demo" 2>/dev/null && wait "$demo" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
git clone -q "$repo" "$dir/clone" || e2e_die "cannot clone $repo"
e2e_check "a fresh clone holds no build, no image, no node_modules" \
	test ! -e "$dir/clone/build" -a ! -e "$dir/clone/images/build" -a ! -e "$dir/clone/web/node_modules"

port=""
for _ in $(seq 50); do
	p=$((20000 + RANDOM % 30000))
	(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { port=$p; break; }
done
t0=$(e2e_now)
(cd "$dir/clone" && exec env DEMO_SPEED=60 DEMO_LINGER=0s DEMO_LISTEN="127.0.0.1:$port" \
	DEMO_STATE="$dir/state" make demo) >"$dir/demo.out" 2>&1 &
demo=$!

# While the exercise runs: the dashboard, on this machine's loopback.
scores=""
for _ in $(seq 1800); do
	kill -0 "$demo" 2>/dev/null || break
	if [ -s "$dir/state/credentials.json" ]; then
		scores=$(curl -s -m 2 -H "Authorization: Bearer $(jq -r .prof "$dir/state/credentials.json")" \
			"http://127.0.0.1:$port/api/v1/scores" | jq -c '[.teams[] | {id, score}]' 2>/dev/null)
		[ -n "$scores" ] && break
	fi
	sleep 0.5
done
e2e_check "during the demo, the dashboard serves live scores on 127.0.0.1:$port ($scores)" test -n "$scores"
wait "$demo"
rc=$?
demo=""
echo "# make demo on a fresh clone: $(e2e_since "$t0") s"
e2e_check "make demo exits 0 (got $rc)" test "$rc" -eq 0
e2e_check "it prints the dashboard's address" grep -q "http://127.0.0.1:$port/" "$dir/demo.out"
e2e_check "it prints who may log in, with tokens" grep -qE '^ +control +[A-Za-z0-9_-]{20,}$' "$dir/demo.out"
e2e_check "it prints the after-action report" grep -q '== rangectl report' "$dir/demo.out"
e2e_check "the exercise ran to its end: 30 rounds" test "$(jq -s '[.[] | select(.type=="round")] | length' \
	"$dir/state/journal.jsonl")" = 30
e2e_check "it says nothing is left" grep -q 'nothing is left of the demo' "$dir/demo.out"
e2e_check "no namespace of the demo is left" sh -c "! ip netns list | grep -q '^rc-e2e-demo-'"
e2e_check "no QEMU of the demo is left" sh -c "! pgrep -f 'guest=[d]emo-' >/dev/null"
if [ "$E2E_FAILED" -gt 0 ]; then
	tail -n 40 "$dir/demo.out" | sed 's/^/#   /'
fi

# Ctrl-C in the middle of the exercise: the demo as a terminal's
# foreground job, SIGINT to its whole process group (python resets the
# SIGINT that this shell's background jobs ignore, and makes the group).
rm -rf "$dir/state"
(cd "$dir/clone" && exec env DEMO_SPEED=10 DEMO_LINGER=0s DEMO_LISTEN="127.0.0.1:$port" \
	DEMO_STATE="$dir/state" python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.setpgid(0, 0)
os.execvp(sys.argv[1], sys.argv[1:])' tools/demo.sh build) >"$dir/ctrl-c.out" 2>&1 &
demo=$!
rounds=0
for _ in $(seq 1200); do
	kill -0 "$demo" 2>/dev/null || break
	[ -s "$dir/state/journal.jsonl" ] &&
		rounds=$(jq -s '[.[] | select(.type=="round")] | length' "$dir/state/journal.jsonl" 2>/dev/null)
	[ "${rounds:-0}" -ge 3 ] && break
	sleep 0.5
done
kill -INT -- "-$demo" 2>/dev/null
wait "$demo"
rc=$?
demo=""
e2e_check "Ctrl-C after round $rounds: the demo ends with exit 0 (got $rc)" test "$rc" -eq 0
e2e_check "  the round under way finished, the run says it was interrupted" grep -q 'interrupted at' "$dir/ctrl-c.out"
e2e_check "  fewer than 30 rounds were played" test "$(jq -s '[.[] | select(.type=="round")] | length' \
	"$dir/state/journal.jsonl")" -lt 30
e2e_check "  it still prints the report and takes everything down" sh -c \
	"grep -q '== rangectl report' '$dir/ctrl-c.out' && grep -q 'nothing is left of the demo' '$dir/ctrl-c.out'"
e2e_check "  no namespace or QEMU of the demo is left" sh -c \
	"! ip netns list | grep -q '^rc-e2e-demo-' && ! pgrep -f 'guest=[d]emo-' >/dev/null"
if [ "$E2E_FAILED" -gt 0 ]; then
	tail -n 30 "$dir/ctrl-c.out" | sed 's/^/#   /'
fi
e2e_summary
