#!/usr/bin/env bash
# The dashboard's VPN panel (issue 15, point 4) in headless Chromium:
# `rangectl run` of the demo with a vpn: section on libvirt's test driver
# (keys and files only, no interface), in a network namespace made for it
# (tests/engine/lib.sh), then tests/browser/vpn.mjs: a blue and a red
# trainee each download their wg-quick file through the panel, whose
# address and networks are the plan's (`rangectl plan --json`), and see
# its QR code; an instructor has no VPN panel.
#
# usage: tests/browser/vpn.sh BUILD [SHOT_DIR]
#   SHOT_DIR defaults to BUILD/screenshots/vpn.
# Installs chromium and the npm packages first when missing
# (tests/browser/install.sh). Root only. Ends with "N passed, M failed".
set -u
build=$(realpath "${1:?usage: tests/browser/vpn.sh BUILD [SHOT_DIR]}")
cd "$(dirname "$0")/../.." || exit 1
shots=$(realpath -m "${2:-$build/screenshots/vpn}")
. tests/engine/lib.sh
E2E_PACKAGES+=(curl)
[ "$(id -u)" -eq 0 ] || { echo "# needs root (network namespaces)"; echo "0 passed, 0 failed"; exit 0; }
tests/browser/install.sh || { echo "FAIL install chromium and playwright-core"; echo "0 passed, 1 failed"; exit 1; }

rh_start vpnweb
state=$RH_DIR/state
# The demo with a VPN, as tests/engine/vpn_api.sh; its images are not read
# on the test driver.
scenario=$RH_DIR/demo.yaml
sed "s|\.\./images/|$PWD/images/|" scenarios/demo.yaml >"$scenario"
printf 'vpn:\n  listen: 0.0.0.0:51820\n  pool: 10.250.0.0/16\n' >>"$scenario"
"$build/rangectl" plan --json "$scenario" >"$RH_DIR/plan.json" ||
	{ echo "FAIL rangectl plan --json"; echo "0 passed, 1 failed"; exit 1; }
rh_api_start "$build/rangectl" run "$scenario" --connect test:///default --wait \
	--keepalive 1s --listen 127.0.0.1:8080 --state "$state" --web "$PWD/web"
timeout -k 5 180 ip netns exec "$RH_NS" node tests/browser/vpn.mjs "$base/" "$state" "$RH_DIR/plan.json" "$shots"
rc=$?
[ "$rc" -eq 0 ] || tail -n 20 "$RH_DIR/log" | sed 's/^/#   /'
rh_stop
exit "$rc"
