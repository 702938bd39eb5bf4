#!/usr/bin/env bash
# tests/e2e/screen-debian.sh BUILD [SCREENSHOT_DIR]: the screen of `make
# images`'s Debian guest in the dashboard. Slow (the image's build, a
# Debian boot under TCG): only with E2E_DEBIAN=1, like tests/e2e/debian.sh.
#
# `rangectl run --wait` of tests/e2e/screen-debian.yaml on a real libvirtd
# with QEMU (TCG) inside the test's own namespaces, then
# tests/browser/screen.mjs in headless Chromium there: ana opens
# scd-ro-srv's screen, noVNC shows getty's login prompt on tty1 (the VGA
# console), saved as SCREENSHOT_DIR/trainee-screen-debian.png (default
# BUILD/screenshots/console); ion (another team) and prof (an instructor)
# are refused.
set -u
cd "$(dirname "$0")/../.." || exit 1
build=${1:-build}
rangectl=$PWD/$build/rangectl
scenario=$PWD/tests/e2e/screen-debian.yaml
shots=$(realpath -m "${2:-$build/screenshots/console}")
host=scd-ro-srv
# shellcheck source=tests/e2e/lib.sh
. tests/e2e/lib.sh

if [ "${E2E_DEBIAN:-0}" != 1 ]; then
	echo "# the Debian guest's screen left out: E2E_DEBIAN=1 runs it (it builds the image)"
	e2e_summary
	exit 0
fi
e2e_install
tests/browser/install.sh || e2e_die "cannot install chromium or the npm packages"
images/build-debian.sh images/build >/dev/null || e2e_die "cannot build the Debian image"
e2e_start screen-debian

state=$E2E_DIR/state
base=http://127.0.0.1:8080/
t0=$(e2e_now)
e2e_spawn "$rangectl" run "$scenario" --wait --timeout 15m --linger 0s \
	--listen 127.0.0.1:8080 --web "$PWD/web" --state "$state" \
	>"$E2E_DIR/run.out" 2>"$E2E_DIR/run.log"
runpid=$E2E_SPAWNED
stop_run() {
	[ -n "$runpid" ] || return 0
	kill -TERM "$runpid" 2>/dev/null
	wait "$runpid"
	run_rc=$?
	runpid=""
}
trap 'stop_run; e2e_stop' EXIT

answered=""
for _ in $(seq 1800); do
	kill -0 "$runpid" 2>/dev/null || break
	if grep -q '^dashboard: ' "$E2E_DIR/run.log" &&
		[ "$(e2e_exec curl -s -o /dev/null -w '%{http_code}' "${base}api/v1/exercise")" = 401 ]; then
		answered=1
		break
	fi
	sleep 0.5
done
e2e_check "run builds the range and serves the dashboard ($(e2e_since "$t0") s)" test -n "$answered"
if [ -z "$answered" ]; then
	tail -n 30 "$E2E_DIR/run.log" | sed 's/^/#   /'
	e2e_summary
	exit 1
fi

# The agent answers before getty draws its prompt: screen.mjs waits for a
# screen that is not blank, and the picture is taken once it settles.
out=$E2E_DIR/screen.out
SCREEN_SHOT=trainee-screen-debian.png timeout -k 5 300 ip netns exec "$E2E_NS" \
	node tests/browser/screen.mjs "$base" "$state/credentials.json" "$shots" "$host" >"$out" 2>&1
sed '/^[0-9]* passed, [0-9]* failed$/d' "$out"
E2E_PASSED=$((E2E_PASSED + $(grep -c '^ok ' "$out")))
E2E_FAILED=$((E2E_FAILED + $(grep -c '^FAIL ' "$out")))
grep -q '^[0-9]* passed, 0 failed$' "$out" ||
	e2e_check "the browser's checks of screen.mjs ran to their end" false

stop_run
e2e_check "SIGTERM ends the run cleanly (exit $run_rc)" test "$run_rc" -eq 0
[ "$E2E_FAILED" -gt 0 ] && e2e_show_logs
e2e_exec "$rangectl" down "$scenario" >"$E2E_DIR/down.out" 2>&1
e2e_check "down removes the range" test -z "$(e2e_virsh list --all --name | grep -v '^$')"
e2e_summary
