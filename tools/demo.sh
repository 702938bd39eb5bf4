#!/usr/bin/env bash
# tools/demo.sh [BUILD]: the demo exercise on real virtual machines.
#
# Starts a private libvirtd in a network namespace of its own (the guests'
# networks exist only there; see tests/e2e/README.md), brings
# scenarios/demo.yaml up under KVM or TCG, shows its status and one web
# page, then runs the exercise with its live dashboard on this machine's
# loopback (`rangectl run --netns`: the checks run inside the namespace,
# browsers here reach the dashboard), prints the after-action report and
# takes it all down. Ctrl-C ends the exercise early (the round under way
# finishes first; it could be resumed) and still cleans up.
#
# Settings (environment):
#   DEMO_SPEED   exercise seconds per real second (default 20: the
#                thirty-minute MSEL in 90 s)
#   DEMO_LISTEN  where the dashboard listens (default 127.0.0.1:8080)
#   DEMO_LINGER  how long the dashboard stays up after the end (default 60s)
#   DEMO_STATE   the run's state folder, kept afterwards (default: a
#                folder in the namespace's run directory, removed)
# Needs root; installs what it needs (Debian packages, web/'s npm packages).
set -u
cd "$(dirname "$0")/.." || exit 1
build=${1:-build}
rangectl=$PWD/$build/rangectl
scenario=$PWD/scenarios/demo.yaml
speed=${DEMO_SPEED:-20}
listen=${DEMO_LISTEN:-127.0.0.1:8080}
linger=${DEMO_LINGER:-60s}
# shellcheck source=tests/e2e/lib.sh
. tests/e2e/lib.sh

[ "$(id -u)" -eq 0 ] || e2e_die "the demo needs root (namespaces, libvirtd)"
[ -x "$rangectl" ] || e2e_die "no $rangectl: run make first"
e2e_install
# xterm.js for the dashboard's consoles (npm, not kept in the repository).
if [ ! -f web/node_modules/@xterm/xterm/lib/xterm.js ]; then
	# Node.js and npm may come from elsewhere than Debian's packages.
	command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends nodejs npm >/dev/null ||
		echo "warning: cannot install npm (apt-get install nodejs npm)"
	echo "== npm ci --prefix web (xterm.js for the consoles)"
	npm ci --prefix web --no-audit --no-fund --loglevel=error >/dev/null ||
		echo "warning: no xterm.js: the dashboard works, its consoles do not"
fi
images/build.sh images/build || e2e_die "cannot build the appliance"
e2e_start demo
state=${DEMO_STATE:-$E2E_DIR/state}

echo "== rangectl up $scenario (in namespace $E2E_NS)"
e2e_exec "$rangectl" up --timeout 4m "$scenario" || e2e_die "up failed"
echo
echo "== rangectl status $scenario"
e2e_exec "$rangectl" status "$scenario"
echo
echo "== the page of demo-ro-web, from rangectl's side of the dmz bridge"
e2e_exec wget -q -T 5 -O - http://10.1.1.10/ | sed 's/<[^>]*>/ /g; /^ *$/d'
echo

# Who may log in, once run has made the tokens.
show_tokens() {
	local i who
	for i in $(seq 300); do
		[ -s "$state/credentials.json" ] && break
		sleep 0.2
	done
	[ -s "$state/credentials.json" ] || return 0
	sleep 0.5
	echo "   log in at http://$listen/ with one of these tokens (all in $state/credentials.json):"
	for who in control prof ana ion eve; do
		printf '     %-8s %s\n' "$who" "$(sed -n "s/.*\"$who\": *\"\\([^\"]*\\)\".*/\\1/p" "$state/credentials.json")"
	done
	echo "     (control: white team, steers the clock; prof: instructor; ana: Romania;"
	echo "      ion: Moldova; eve: red team)"
}

echo "== rangectl run $scenario --speed $speed (30 minutes of exercise in $((1800 / speed)) s)"
echo "   The dashboard: http://$listen/ (open it in a browser on this machine)."
echo "   Ctrl-C ends the exercise early: the round under way finishes first."
echo "   Meanwhile, in another shell: ip netns exec $E2E_NS wget -qO- http://10.2.1.10/"
echo "                                virsh -c '$E2E_URI' list"
show_tokens &
tokens=$!
trap 'echo' INT
"$rangectl" run --no-up --connect "$E2E_URI" --netns "$E2E_NS" --listen "$listen" \
	--linger "$linger" --speed "$speed" --state "$state" "$scenario"
rc=$?
trap - INT
kill "$tokens" 2>/dev/null
wait "$tokens" 2>/dev/null
echo
echo "== rangectl report $state"
"$rangectl" report "$state"
echo
echo "== rangectl down $scenario"
e2e_exec "$rangectl" down "$scenario"
e2e_stop
left=$(e2e_leftovers)
if [ -n "$left" ]; then
	echo "warning: left behind: $left"
	exit 1
fi
echo "== done: nothing is left of the demo (run exit status $rc)"
exit "$rc"
