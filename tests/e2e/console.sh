#!/usr/bin/env bash
# tests/e2e/console.sh BUILD [SCREENSHOT_DIR]: a trainee types into the
# serial console of a real VM from the dashboard, and sees its screen.
#
# `rangectl run --wait` of tests/e2e/console.yaml (one appliance guest, of
# team ro) on a real libvirtd with QEMU (TCG) inside the test's own network
# namespace, then tests/browser/console.mjs in Debian's headless Chromium
# in the same namespace: ana opens cons-ro-web's console, a command typed
# into xterm.js runs in the guest's shell on ttyS0 and its answer comes
# back; ion, of another team, is refused. Then tests/browser/screen.mjs:
# ana opens cons-ro-web's screen, noVNC shows the kernel's messages on its
# VGA console (trainee-screen-vm.png); ion and the instructor prof are
# refused. SCREENSHOT_DIR defaults to BUILD/screenshots/console.
set -u
cd "$(dirname "$0")/../.." || exit 1
build=${1:-build}
rangectl=$PWD/$build/rangectl
scenario=$PWD/tests/e2e/console.yaml
shots=$(realpath -m "${2:-$build/screenshots/console}")
host=cons-ro-web
# shellcheck source=tests/e2e/lib.sh
. tests/e2e/lib.sh

e2e_install
tests/browser/install.sh || e2e_die "cannot install chromium or the npm packages"
images/build.sh images/build >/dev/null || e2e_die "cannot build the appliance"
e2e_start console

state=$E2E_DIR/state
base=http://127.0.0.1:8080/
t0=$(e2e_now)
e2e_spawn "$rangectl" run "$scenario" --wait --timeout 4m --linger 0s \
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

# `run` builds the range and waits for the guest before it serves.
answered=""
for _ in $(seq 600); do
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

# The browser's checks count as this test's own.
browser_checks() { # SCRIPT: runs tests/browser/SCRIPT.mjs against the run
	local out=$E2E_DIR/$1.out
	timeout -k 5 240 ip netns exec "$E2E_NS" node "tests/browser/$1.mjs" \
		"$base" "$state/credentials.json" "$shots" "$host" >"$out" 2>&1
	sed '/^[0-9]* passed, [0-9]* failed$/d' "$out"
	E2E_PASSED=$((E2E_PASSED + $(grep -c '^ok ' "$out")))
	E2E_FAILED=$((E2E_FAILED + $(grep -c '^FAIL ' "$out")))
	grep -q '^[0-9]* passed, 0 failed$' "$out" ||
		e2e_check "the browser's checks of $1.mjs ran to their end" false
}
browser_checks console
browser_checks screen

stop_run
e2e_check "SIGTERM ends the run cleanly (exit $run_rc)" test "$run_rc" -eq 0
if [ "$E2E_FAILED" -gt 0 ]; then
	tail -n 30 "$E2E_DIR/run.log" | sed 's/^/#   /'
	e2e_show_logs
fi
e2e_exec "$rangectl" down "$scenario" >"$E2E_DIR/down.out" 2>&1
e2e_check "down removes the range" test -z "$(e2e_virsh list --all --name | grep -v '^$')"
e2e_summary
