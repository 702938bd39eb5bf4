#!/usr/bin/env bash
# tools/demo.sh [BUILD]: the demo range on real virtual machines.
#
# Starts a private libvirtd in a network namespace of its own (the guests'
# networks exist only there; see tests/e2e/README.md), brings
# scenarios/demo.yaml up under KVM or TCG, shows its status and one web
# page, runs the exercise at DEMO_SPEED (default 30: a minute; Ctrl-C ends
# it early), prints the after-action report, then takes it all down.
# Needs root; installs what it needs.
set -u
cd "$(dirname "$0")/.." || exit 1
build=${1:-build}
rangectl=$PWD/$build/rangectl
scenario=$PWD/scenarios/demo.yaml
# shellcheck source=tests/e2e/lib.sh
. tests/e2e/lib.sh

[ "$(id -u)" -eq 0 ] || e2e_die "the demo needs root (namespaces, libvirtd)"
e2e_install
images/build.sh images/build || e2e_die "cannot build the appliance"
e2e_start demo

echo "== rangectl up $scenario (in namespace $E2E_NS)"
e2e_exec "$rangectl" up --timeout 4m "$scenario" || e2e_die "up failed"
echo
echo "== rangectl status $scenario"
e2e_exec "$rangectl" status "$scenario"
echo
echo "== the page of demo-ro-web, from rangectl's side of the dmz bridge"
e2e_exec wget -q -T 5 -O - http://10.1.1.10/ | sed 's/<[^>]*>/ /g; /^ *$/d'
echo
speed=${DEMO_SPEED:-30}
echo "== rangectl run $scenario --speed $speed (30 minutes of exercise in $((1800 / speed)) s)"
echo "   Ctrl-C ends it early: the round under way finishes first. Meanwhile, in"
echo "   another shell: ip netns exec $E2E_NS wget -qO- http://10.2.1.10/"
echo "                  virsh -c '$E2E_URI' list"
trap 'echo' INT
e2e_exec "$rangectl" run --no-up --linger 0s --speed "$speed" --state "$E2E_DIR/state" "$scenario"
trap - INT
echo
echo "== rangectl report $E2E_DIR/state"
"$rangectl" report "$E2E_DIR/state"
echo
echo "== rangectl down $scenario"
e2e_exec "$rangectl" down "$scenario"
e2e_stop
