#!/usr/bin/env bash
# tests/e2e/range.sh BUILD: rangectl up, status and down of the demo range
# on a real libvirtd with QEMU (TCG), inside a private network namespace.
#
# Checks what a range promises: every host answers on its planned address,
# every web server serves its page, a blue team cannot reach the other blue
# team but reaches its own gateway, red reaches every blue gateway, the
# guest agent runs commands, a second up changes nothing, and down leaves
# no domain, network or volume behind.
set -u
cd "$(dirname "$0")/../.." || exit 1
build=${1:-build}
rangectl=$PWD/$build/rangectl
scenario=$PWD/scenarios/demo.yaml
# shellcheck source=tests/e2e/lib.sh
. tests/e2e/lib.sh

e2e_install
images/build.sh images/build >/dev/null || e2e_die "cannot build the appliance"
e2e_start range

rc() { e2e_exec "$rangectl" "$@"; }

# Runs a shell command in a guest through its agent; exits with its status.
guest_sh() {
	local dom=$1 cmd=$2 out pid i
	out=$(e2e_virsh qemu-agent-command "$dom" "{\"execute\":\"guest-exec\",\
\"arguments\":{\"path\":\"/bin/sh\",\"arg\":[\"-c\",\"$cmd\"],\
\"capture-output\":true}}") || return 125
	pid=$(printf '%s' "$out" | sed -n 's/.*"pid":\([0-9]*\).*/\1/p')
	for i in $(seq 1 40); do
		out=$(e2e_virsh qemu-agent-command "$dom" "{\"execute\":\
\"guest-exec-status\",\"arguments\":{\"pid\":$pid}}") || return 125
		case $out in
		*'"exited":true'*)
			return "$(printf '%s' "$out" | sed -n 's/.*"exitcode":\([0-9]*\).*/\1/p')" ;;
		esac
		sleep 0.25
	done
	return 124
}

not() { ! "$@"; }

page_has() { e2e_exec wget -q -T 5 -O - "http://$1/" | grep -q "$2"; }
up_is_noop() { rc up -q "$scenario" | grep -q 'nothing changed'; }
all_running() { [ "$(rc status --json "$scenario" | grep -c '"running"')" = 5 ]; }
nothing_named() { ! e2e_virsh "$1" --all --name | grep -q "$2"; }
no_leftovers() { [ -z "$(e2e_leftovers)" ]; }

t0=$(e2e_now)
e2e_check "up demo: every host's agent answers" rc up --timeout 4m "$scenario"
echo "# up to every host ready: $(e2e_since "$t0") s"
e2e_check "second up changes nothing" up_is_noop
e2e_check "status: every host running" all_running

# Every appliance serves a page naming itself: the planned address answers,
# and it is the planned host that answers there.
for pair in 100.64.0.1:demo-ro-gw 10.1.1.1:demo-ro-gw 100.64.0.2:demo-md-gw \
	10.2.1.1:demo-md-gw 10.1.1.10:demo-ro-web 10.2.1.10:demo-md-web \
	100.64.0.66:demo-red-kali; do
	e2e_check "${pair#*:} answers on ${pair%%:*}" \
		page_has "${pair%%:*}" "${pair#*:}"
done
e2e_check "guest agent runs a command (pidof httpd on ro web)" \
	guest_sh demo-ro-web "pidof httpd"
e2e_check "ro web reaches its own gateway" \
	guest_sh demo-ro-web "ping -c 1 -W 2 10.1.1.1"
e2e_check "ro web cannot reach md web" \
	not guest_sh demo-ro-web "ping -c 1 -W 2 10.2.1.10"
e2e_check "ro web cannot reach md gateway's inner address" \
	not guest_sh demo-ro-web "ping -c 1 -W 2 10.2.1.1"
e2e_check "red reaches ro gateway" guest_sh demo-red-kali "ping -c 1 -W 2 10.1.1.1"
e2e_check "red reaches md gateway" guest_sh demo-red-kali "ping -c 1 -W 2 10.2.1.1"
e2e_check "red reaches ro web through ro gateway" \
	guest_sh demo-red-kali "nc -z -w 2 10.1.1.10 80"

t0=$(e2e_now)
e2e_check "down" rc down "$scenario"
echo "# down: $(e2e_since "$t0") s"
e2e_check "down left no domain" nothing_named list demo-
e2e_check "down left no network" nothing_named net-list demo-
e2e_check "down left no pool" nothing_named pool-list demo-
# libvirtd killed in the middle of up: up fails saying so, and what it made
# keeps the range's tag, so down removes it all once libvirtd is back.
up_killed() {
	local log=$E2E_DIR/up-killed.log rc
	e2e_exec "$rangectl" up -q --timeout 4m "$scenario" >"$log" 2>&1 &
	local pid=$! i
	# Midway: once up has defined its first domain, and not before (a
	# fixed sleep let a quick up finish first on a quiet machine).
	for i in $(seq 1200); do
		e2e_virsh list --all --name 2>/dev/null | grep -q '^demo-' && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -9 "$E2E_LIBVIRTD_PID"
	wait "$pid"
	rc=$?
	cat "$log"; echo "# up exited $rc"
	[ "$rc" = 1 ] && grep -q "unreachable" "$log" && grep -q "rangectl down" "$log"
}
e2e_check "up with libvirtd killed midway fails with a clear error" up_killed
# Not inside e2e_check: its subshell would lose the new libvirtd's PID.
if e2e_restart_libvirtd; then e2e_ok "libvirtd restarts"; else e2e_fail "libvirtd restarts"; fi
e2e_check "down after the crash" rc down "$scenario"
e2e_check "nothing left after the crash" nothing_named list demo-
e2e_check "no network left after the crash" nothing_named net-list demo-
e2e_stop
e2e_check "no leftovers: daemons, guests, namespace" no_leftovers
e2e_summary
