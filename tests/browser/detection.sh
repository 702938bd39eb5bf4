#!/usr/bin/env bash
# The coalition's inject × nation matrix for staff (issue 14, point 6) in
# headless Chromium: `rangectl run` of tests/engine/detect.yaml on
# libvirt's test driver, in a network namespace made for it
# (tests/engine/lib.sh), its clock started, then
# tests/browser/detection.mjs: an instructor watches an attack's cell turn
# from missed to detected and shared as a trainee shares an observation;
# a trainee gets no matrix.
#
# usage: tests/browser/detection.sh BUILD [SHOT_DIR]
#   SHOT_DIR defaults to BUILD/screenshots/detection.
# Installs chromium and the npm packages first when missing
# (tests/browser/install.sh). Root only. Ends with "N passed, M failed".
set -u
build=$(realpath "${1:?usage: tests/browser/detection.sh BUILD [SHOT_DIR]}")
cd "$(dirname "$0")/../.." || exit 1
shots=$(realpath -m "${2:-$build/screenshots/detection}")
. tests/engine/lib.sh
E2E_PACKAGES+=(curl)
[ "$(id -u)" -eq 0 ] || { echo "# needs root (network namespaces)"; echo "0 passed, 0 failed"; exit 0; }
tests/browser/install.sh || { echo "FAIL install chromium and playwright-core"; echo "0 passed, 1 failed"; exit 1; }

scenario=$PWD/tests/engine/detect.yaml
kali=$("$build/rangectl" plan --json "$scenario" | jq -r '.hosts[] | select(.name=="det-red-kali") | .nics[0].ip')
rh_start detection
state=$RH_DIR/state
# --speed 4: wave1-ua hits at 15 s, wave2 at 45 s, time enough to watch.
rh_api_start "$build/rangectl" run "$scenario" --connect test:///default --speed 4 --wait \
	--keepalive 1s --listen 127.0.0.1:8080 --state "$state" --web "$PWD/web"
code=$(c -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $(tok control)" "$base/api/v1/exercise/start")
[ "$code" = 200 ] || { echo "FAIL the clock does not start ($code)"; echo "0 passed, 1 failed"; exit 1; }
timeout -k 5 180 ip netns exec "$RH_NS" node tests/browser/detection.mjs "$base/" "$state/credentials.json" "$kali" "$shots"
rc=$?
[ "$rc" -eq 0 ] || tail -n 20 "$RH_DIR/log" | sed 's/^/#   /'
rh_stop
exit "$rc"
