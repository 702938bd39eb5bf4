#!/usr/bin/env bash
# tools/demo.sh [BUILD]: the demo range on real virtual machines.
#
# Starts a private libvirtd in a network namespace of its own (the guests'
# networks exist only there; see tests/e2e/README.md), brings
# scenarios/demo.yaml up under KVM or TCG, shows its status and a look at
# one host through the guest agent and its web page, keeps the range until
# Ctrl-C (or DEMO_SECONDS, when not on a terminal), then takes it all down.
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
echo "The range runs in network namespace $E2E_NS. Try, in another shell:"
echo "  ip netns exec $E2E_NS wget -qO- http://10.2.1.10/"
echo "  virsh -c '$E2E_URI' list"
if [ -t 0 ]; then
	echo "Press Ctrl-C to take the range down."
	trap 'echo' INT
	sleep infinity &
	wait $! 2>/dev/null
else
	sleep "${DEMO_SECONDS:-0}"
fi
echo "== rangectl down $scenario"
e2e_exec "$rangectl" down "$scenario"
e2e_stop
