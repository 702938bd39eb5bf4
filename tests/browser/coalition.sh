#!/usr/bin/env bash
# The dashboard's Coalition panel (issue 14, point 2) in headless
# Chromium: `rangectl run` of tests/engine/intel.yaml on libvirt's test
# driver, in a network namespace made for it (tests/engine/lib.sh),
# its clock started, then tests/browser/coalition.mjs: a blue trainee
# records an observation through the form at TLP:AMBER, her ally sees it
# live, the nation outside her circles and red do not.
#
# usage: tests/browser/coalition.sh BUILD [SHOT_DIR]
#   SHOT_DIR defaults to BUILD/screenshots/coalition.
# Installs chromium and the npm packages first when missing
# (tests/browser/install.sh). Root only. Ends with "N passed, M failed".
set -u
build=$(realpath "${1:?usage: tests/browser/coalition.sh BUILD [SHOT_DIR]}")
cd "$(dirname "$0")/../.." || exit 1
shots=$(realpath -m "${2:-$build/screenshots/coalition}")
. tests/engine/lib.sh
E2E_PACKAGES+=(curl)
[ "$(id -u)" -eq 0 ] || { echo "# needs root (network namespaces)"; echo "0 passed, 0 failed"; exit 0; }
tests/browser/install.sh || { echo "FAIL install chromium and playwright-core"; echo "0 passed, 1 failed"; exit 1; }

rh_start coalition
state=$RH_DIR/state
rh_api_start "$build/rangectl" run "$PWD/tests/engine/intel.yaml" --connect test:///default --speed 1 --wait \
	--keepalive 1s --listen 127.0.0.1:8080 --state "$state" --web "$PWD/web"
code=$(c -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $(tok control)" "$base/api/v1/exercise/start")
[ "$code" = 200 ] || { echo "FAIL the clock does not start ($code)"; echo "0 passed, 1 failed"; exit 1; }
timeout -k 5 180 ip netns exec "$RH_NS" node tests/browser/coalition.mjs "$base/" "$state/credentials.json" "$shots"
rc=$?
[ "$rc" -eq 0 ] || tail -n 20 "$RH_DIR/log" | sed 's/^/#   /'
rh_stop
exit "$rc"
