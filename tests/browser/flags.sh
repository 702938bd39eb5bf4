#!/usr/bin/env bash
# A red trainee submits flags in the dashboard (issue 13) in headless
# Chromium: `rangectl run` of tests/engine/flags.yaml on libvirt's test
# driver, in a network namespace made for it (tests/engine/lib.sh), its
# clock started, then tests/browser/flags.mjs: eve (red) submits a wrong
# flag, refused on the page by an answer that names no flag, then the
# right one (read from the journal, as white) and sees red's score line
# rise by its points (the plan's, `rangectl plan --json`); ana (blue) has no flag panel.
#
# usage: tests/browser/flags.sh BUILD [SHOT_DIR]
#   SHOT_DIR defaults to BUILD/screenshots/flags.
# Installs chromium and the npm packages first when missing
# (tests/browser/install.sh). Root only. Ends with "N passed, M failed".
set -u
build=$(realpath "${1:?usage: tests/browser/flags.sh BUILD [SHOT_DIR]}")
cd "$(dirname "$0")/../.." || exit 1
shots=$(realpath -m "${2:-$build/screenshots/flags}")
. tests/engine/lib.sh
E2E_PACKAGES+=(curl)
[ "$(id -u)" -eq 0 ] || { echo "# needs root (network namespaces)"; echo "0 passed, 0 failed"; exit 0; }
tests/browser/install.sh || { echo "FAIL install chromium and playwright-core"; echo "0 passed, 1 failed"; exit 1; }

rh_start flagsweb
state=$RH_DIR/state
scenario=$PWD/tests/engine/flags.yaml
"$build/rangectl" plan --json "$scenario" >"$RH_DIR/plan.json" ||
	{ echo "FAIL rangectl plan --json"; echo "0 passed, 1 failed"; exit 1; }
# --speed 2: the 6 minutes last 3, a round every 30 s; the test submits
# ro's db flag, which never rotates.
rh_api_start "$build/rangectl" run "$scenario" --connect test:///default --speed 2 --wait \
	--keepalive 1s --listen 127.0.0.1:8080 --state "$state" --web "$PWD/web"
code=$(c -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $(tok control)" "$base/api/v1/exercise/start")
[ "$code" = 200 ] || { echo "FAIL the clock does not start ($code)"; echo "0 passed, 1 failed"; exit 1; }
timeout -k 5 150 ip netns exec "$RH_NS" node tests/browser/flags.mjs "$base/" "$state" "$RH_DIR/plan.json" "$shots"
rc=$?
[ "$rc" -eq 0 ] || tail -n 20 "$RH_DIR/log" | sed 's/^/#   /'
rh_stop
exit "$rc"
