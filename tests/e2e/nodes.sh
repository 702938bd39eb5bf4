#!/usr/bin/env bash
# tests/e2e/nodes.sh BUILD: one range over two libvirt nodes, on one machine.
#
# Node A and node B are each a libvirtd (with its virtlogd) in a network
# and mount namespace of this test's own, with rangectl's network hook
# installed, listening on TCP. A veth pair joins the two namespaces: the
# underlay, 10.99.0.1 (A) and 10.99.0.2 (B), MTU 1550. rangectl runs in A
# and reaches both over qemu+tcp://. tests/e2e/nodes.yaml places Romania
# and red on A and Moldova on B, so the shared internet spans both nodes.
#
# Checks: up builds each host on its node and the internet on both, joined
# by a VXLAN interface of one VNI on each; red's kali (on A) reaches
# Moldova's gateway (on B) through it, and Moldova's gateway answers back;
# the blue teams stay apart across the nodes; status names each host's
# node; a second up changes nothing; `run` over both nodes, node B's
# libvirtd restarted midway: the engine loses node B only, reconnects,
# scores every round, fires injects through each host's node; down
# removes everything from both nodes, the VXLAN interfaces included; with
# node B lacking the hook, up fails saying so and leaves nothing.
# Everything is torn down by PID even when a check fails.
set -u
cd "$(dirname "$0")/../.." || exit 1
build=${1:-build}
rangectl=$PWD/$build/rangectl
scenario=$PWD/tests/e2e/nodes.yaml
# shellcheck source=tests/e2e/lib.sh
. tests/e2e/lib.sh

e2e_install
images/build.sh images/build >/dev/null || e2e_die "cannot build the appliance"

# ---- two nodes ---------------------------------------------------------------
# lib.sh runs one daemon pair per shell: each node's settings are kept in
# NODE_<A|B>_<VAR> and put back to act on that node.
node_vars=(E2E_NAME E2E_NS E2E_DIR E2E_URI E2E_HOLDER E2E_LIBVIRTD_PID
	E2E_VIRTLOGD_PID E2E_NETNS_INO E2E_MNTNS_INO E2E_STOPPED E2E_STOPPED_AT)
node_save() {
	local v
	for v in "${node_vars[@]}"; do printf -v "NODE_$1_$v" '%s' "${!v:-}"; done
}
node_use() {
	local v ref
	for v in "${node_vars[@]}"; do
		ref=NODE_$1_$v
		printf -v "$v" '%s' "${!ref:-}"
	done
	export E2E_NAME E2E_NS E2E_DIR E2E_URI
}
underlay_a=rcu-a-$$ underlay_b=rcu-b-$$
teardown() {
	local rc=$?
	trap - EXIT INT TERM
	ip link del "$underlay_a" 2>/dev/null
	if [ -n "${NODE_B_E2E_NS:-}" ]; then node_use B; e2e_stop; node_save B; fi
	if [ -n "${NODE_A_E2E_NS:-}" ]; then node_use A; e2e_stop; node_save A; fi
	exit "$rc"
}

export E2E_LISTEN_TCP=1 E2E_HOOK=$PWD/contrib/libvirt-hook/rangectl
e2e_start nodea
node_save A
trap teardown EXIT
trap 'echo "FAIL interrupted"; exit 130' INT TERM
# (A prefix assignment would be undone when e2e_start returns.)
E2E_NS=""
e2e_start nodeb
node_save B
trap teardown EXIT
trap 'echo "FAIL interrupted"; exit 130' INT TERM

# The underlay: a veth pair, one end in each node's namespace.
ip link add "$underlay_a" mtu 1550 type veth peer name "$underlay_b" mtu 1550 ||
	e2e_die "cannot make the underlay veth pair"
ip link set "$underlay_a" netns "$NODE_A_E2E_NS"
ip link set "$underlay_b" netns "$NODE_B_E2E_NS"
ip -n "$NODE_A_E2E_NS" addr add 10.99.0.1/24 dev "$underlay_a"
ip -n "$NODE_B_E2E_NS" addr add 10.99.0.2/24 dev "$underlay_b"
ip -n "$NODE_A_E2E_NS" link set "$underlay_a" up
ip -n "$NODE_B_E2E_NS" link set "$underlay_b" up

uri_a=qemu+tcp://10.99.0.1/system uri_b=qemu+tcp://10.99.0.2/system
sock() { echo "qemu+unix:///system?socket=$1/run/libvirt/libvirt-sock"; }
virsh_a() { virsh -q -c "$(sock "$NODE_A_E2E_DIR")" "$@"; }
virsh_b() { virsh -q -c "$(sock "$NODE_B_E2E_DIR")" "$@"; }
# rangectl runs in node A's namespaces: both nodes are reached over TCP.
rc() { node_use A; e2e_exec "$rangectl" "$@"; }

reached() { e2e_exec virsh -q -c "$1" uri >/dev/null 2>&1; }
node_use A
e2e_check "node A answers over qemu+tcp:// from node A's namespace" reached "$uri_a"
e2e_check "node B answers over qemu+tcp:// across the underlay" reached "$uri_b"

# Runs a shell command in a guest through its agent on node $1 (a or b);
# exits with its status.
guest_sh() {
	local node=$1 dom=$2 cmd=$3 out pid i
	out=$("virsh_$node" qemu-agent-command "$dom" "{\"execute\":\"guest-exec\",\
\"arguments\":{\"path\":\"/bin/sh\",\"arg\":[\"-c\",\"$cmd\"],\
\"capture-output\":true}}") || return 125
	pid=$(printf '%s' "$out" | sed -n 's/.*"pid":\([0-9]*\).*/\1/p')
	for i in $(seq 1 60); do
		out=$("virsh_$node" qemu-agent-command "$dom" "{\"execute\":\
\"guest-exec-status\",\"arguments\":{\"pid\":$pid}}") || return 125
		case $out in
		*'"exited":true'*)
			return "$(printf '%s' "$out" | sed -n 's/.*"exitcode":\([0-9]*\).*/\1/p')" ;;
		esac
		sleep 0.25
	done
	return 124
}
# guest_sh, up to 5 times 2 s apart: a guest's services may come up just
# after its agent answers, and a first frame waits for ARP.
reaches() {
	local _
	for _ in 1 2 3 4 5; do
		guest_sh "$@" && return 0
		sleep 2
	done
	return 1
}
not() { ! "$@"; }
# The command ran in the guest and failed (not: the agent did not answer).
blocked() {
	guest_sh "$@"
	local st=$?
	[ "$st" -ge 1 ] && [ "$st" -le 120 ]
}
names() { "virsh_$1" list --all --name | sort | tr '\n' ' '; }
nets() { "virsh_$1" net-list --all --name | sort | tr '\n' ' '; }
vxlans() { ip -n "$1" -o link show type vxlan 2>/dev/null | awk -F': ' '{ print $2 }' | sed 's/@.*//' | tr '\n' ' '; }
vni_of() { ip -n "$1" -d link show "$2" 2>/dev/null | sed -n 's/.*vxlan id \([0-9]*\).*/\1/p'; }
master_of() { ip -n "$1" -o link show "$2" 2>/dev/null | sed -n 's/.* master \([^ ]*\).*/\1/p'; }
bridge_of() { "virsh_$1" net-info "$2" 2>/dev/null | awk '/^Bridge:/ { print $2 }'; }

# ---- up ----------------------------------------------------------------------
t0=$(e2e_now)
if rc up --timeout 4m "$scenario" >"$NODE_A_E2E_DIR/work/up.log" 2>&1; then
	e2e_ok "up over two nodes: every host's agent answers ($(e2e_since "$t0") s)"
else
	e2e_fail "up over two nodes"
	sed 's/^/#   /' "$NODE_A_E2E_DIR/work/up.log"
fi
e2e_check "node A has Romania's and red's hosts, and only those ($(names a))" \
	test "$(names a)" = "span-red-kali span-ro-gw span-ro-web "
e2e_check "node B has Moldova's hosts, and only those ($(names b))" \
	test "$(names b)" = "span-md-gw span-md-web "
e2e_check "the internet and Moldova's DMZ on both nodes, Romania's on A ($(nets a)| $(nets b))" \
	test "$(nets a)|$(nets b)" = "span-internet span-md-dmz span-ro-dmz |span-internet span-md-dmz "

# The VXLAN interface on $2's bridge on node $1 (a or b).
vxlan_on() {
	local ns br dev
	[ "$1" = a ] && ns=$NODE_A_E2E_NS || ns=$NODE_B_E2E_NS
	br=$(bridge_of "$1" "$2")
	for dev in $(vxlans "$ns"); do
		[ -n "$br" ] && [ "$(master_of "$ns" "$dev")" = "$br" ] && echo "$dev"
	done
}
e2e_check "two VXLAN interfaces on each node ($(vxlans "$NODE_A_E2E_NS")| $(vxlans "$NODE_B_E2E_NS"))" \
	test "$(vxlans "$NODE_A_E2E_NS" | wc -w) $(vxlans "$NODE_B_E2E_NS" | wc -w)" = "2 2"
# The internet (red on A, Moldova's gateway on B), and Moldova's DMZ: on B
# with its hosts, and on A, where rangectl's checks come from.
for net in span-internet span-md-dmz; do
	dev_a=$(vxlan_on a "$net") dev_b=$(vxlan_on b "$net")
	e2e_check "$net: the same VXLAN on its bridge on both nodes ($dev_a, $dev_b)" \
		test -n "$dev_a" -a "$dev_a" = "$dev_b"
	e2e_check "$net: of the same VNI on both ($(vni_of "$NODE_A_E2E_NS" "$dev_a"))" \
		test -n "$(vni_of "$NODE_A_E2E_NS" "$dev_a")" -a \
		"$(vni_of "$NODE_A_E2E_NS" "$dev_a")" = "$(vni_of "$NODE_B_E2E_NS" "$dev_b")"
done
e2e_check "the two networks' VNIs differ" test \
	"$(vni_of "$NODE_A_E2E_NS" "$(vxlan_on a span-internet)")" != "$(vni_of "$NODE_A_E2E_NS" "$(vxlan_on a span-md-dmz)")"
e2e_check "Romania's DMZ, all on node A, has no VXLAN" test -z "$(vxlan_on a span-ro-dmz)"

# ---- across the nodes ----------------------------------------------------------
e2e_check "red's kali (node A) reaches Moldova's gateway (node B) through the VXLAN" \
	reaches a span-red-kali "wget -q -O - http://100.64.0.2/ | grep -q span-md-gw"
e2e_check "and Moldova's gateway reaches red's kali back" \
	reaches b span-md-gw "ping -c 1 -W 5 100.64.0.66"
e2e_check "Romania's gateway (node A) reaches Moldova's (node B)" \
	reaches a span-ro-gw "ping -c 1 -W 5 100.64.0.2"
# (ping exits 1 when nothing answers: the command ran, and was refused.)
e2e_check "Romania's web server reaches its own gateway" \
	reaches a span-ro-web "ping -c 1 -W 5 10.1.1.1"
e2e_check "Moldova's web server reaches its own gateway" \
	reaches b span-md-web "ping -c 1 -W 5 10.2.1.1"
e2e_check "Romania's web server cannot reach Moldova's, on the other node" \
	blocked a span-ro-web "ping -c 1 -W 2 10.2.1.10"
e2e_check "Moldova's web server cannot reach Romania's, on the other node" \
	blocked b span-md-web "ping -c 1 -W 2 10.1.1.10"
e2e_check "nor Romania's gateway" \
	blocked b span-md-web "ping -c 1 -W 2 10.1.1.1"

# ---- status, up again ------------------------------------------------------------
status=$(rc status --json "$scenario")
e2e_check "status: every host running, on its node" test "$(jq -c \
	'[.hosts[] | {name, state, node}] | sort_by(.name) | map("\(.name) \(.state) \(.node)") | join(", ")' \
	<<<"$status")" = "\"span-md-gw running $uri_b, span-md-web running $uri_b, span-red-kali running $uri_a, span-ro-gw running $uri_a, span-ro-web running $uri_a\""
e2e_check "status: the internet active on both nodes" test "$(jq -r \
	'.networks[] | select(.name == "span-internet") | "\(.state) \(.nodes | length)"' <<<"$status")" = "active 2"
e2e_check "a second up changes nothing" test "$(rc up --json -q "$scenario" | jq -c '[.created, .replaced, .removed]')" = "[0,0,0]"

# ---- run over both nodes, node B's libvirtd restarted midway ---------------------
# Ten exercise minutes at --speed 6. When round 4 is journaled, node B's
# libvirtd is stopped and started again (its guests run on): the engine
# loses that node only, reconnects, and goes on; node A's hosts never notice.
state=$NODE_A_E2E_DIR/work/state
journal=$state/journal.jsonl
q() { jq -s -r "$1" "$journal"; }
node_use A
runlog=$NODE_A_E2E_DIR/work/run.log
e2e_spawn "$rangectl" run "$scenario" --no-up --listen off --speed 6 --state "$state" >"$runlog" 2>&1
runpid=$E2E_SPAWNED
for _ in $(seq 600); do
	[ "$(q '[.[] | select(.type == "round")] | length' 2>/dev/null)" -ge 4 ] 2>/dev/null && break
	kill -0 "$runpid" 2>/dev/null || break
	sleep 0.2
done
node_use B
# Not inside e2e_check: its subshell would lose the new libvirtd's PID.
if e2e_restart_libvirtd; then
	e2e_ok "node B's libvirtd is restarted during the run"
else
	e2e_fail "node B's libvirtd is restarted during the run"
fi
node_save B
wait "$runpid"
run_rc=$?
node_use A
e2e_check "run over both nodes ends (exit $run_rc)" test "$run_rc" -eq 0
e2e_check "all 20 rounds counted, once each" test "$(q '[.[] | select(.type=="round") | .n] == [range(1;21)]')" = true
e2e_check "red's exec from kali (node A) reaches Moldova's gateway (node B)" test "$(q \
	'[.[] | select(.type=="inject_result" and .id=="reach-md") | .results[]] | length == 1 and all(.ok and .via == "span-red-kali")')" = true
e2e_check "the engine saw node B go" grep -q "lost the connection to libvirt at '$uri_b'" "$runlog"
e2e_check "and connected to it again" grep -q "connected to libvirt at '$uri_b' again" "$runlog"
e2e_check "node A's connection was never lost" not grep -q "lost the connection to libvirt at '$uri_a'" "$runlog"
e2e_check "Romania's web server (node A) answered its checks in every round" test "$(q \
	'[.[] | select(.type=="round") | .checks[] | select(.host=="span-ro-web") | .up] | length == 40 and all')" = true
e2e_check "Moldova's web server (node B) answered rangectl's http check from node A, through the VXLAN, until it was powered off" test "$(q \
	'[.[] | select(.type=="round" and .n <= 11) | .checks[] | select(.host=="span-md-web" and .service=="http") | .up] | length == 11 and all')" = true
e2e_check "Moldova's web server was powered off and on through node B, after the restart" test "$(q \
	'[.[] | select(.type=="inject_result" and (.id=="halt-md" or .id=="boot-md")) | .results[0].ok] == [true, true]')" = true
e2e_check "and its state changes were journaled from node B's events" test "$(q \
	'[.[] | select(.type=="host" and .name=="span-md-web") | .state] | index("shutoff") != null and .[-1] == "running"')" = true
# (The last round: booted again, the guest takes a round or more to serve
# on a loaded machine, and CI runs this beside the Debian guests.)
e2e_check "Moldova's web server answered its check in the last round" test "$(q \
	'[.[] | select(.type=="round" and .n == 20) | .checks[] | select(.host=="span-md-web") | .up] | length == 2 and all')" = true
lost=$(q '[.[] | select(.type=="round") | .checks[] | select(.host=="span-md-web" and ((.reason // "") | test("no connection")))] | length')
echo "# rounds in which node B's hosts could not be checked while it was away: $lost"
[ "$E2E_FAILED" -eq 0 ] || {
	echo "# Moldova's web server in the journal:"
	q '.[] | select((.type=="host" and .name=="span-md-web") or (.type=="inject_result" and (.id | test("-md$")))) | tostring' | sed 's/^/#   /'
	q '.[] | select(.type=="round") | "\(.n) \(.checks | map(select(.host=="span-md-web")) | .[0] | "\(.up) \(.reason)")"' | sed 's/^/#   round /'
	sed 's/^/#   run: /' "$runlog"
}

# ---- down ------------------------------------------------------------------------
e2e_check "down removes the range from both nodes" rc down -q "$scenario"
e2e_check "nothing of it is left on node A ($(names a)| $(nets a))" test "$(names a)$(nets a)" = ""
e2e_check "nothing of it is left on node B ($(names b)| $(nets b))" test "$(names b)$(nets b)" = ""
e2e_check "no VXLAN interface is left on either node" \
	test "$(vxlans "$NODE_A_E2E_NS")$(vxlans "$NODE_B_E2E_NS")" = ""

# ---- a node without the hook -------------------------------------------------------
# Its half of the internet would start unjoined, and red could never reach
# Moldova: up says so, and takes back what it made on both nodes.
node_use B
rm -f "$E2E_DIR/etc/hooks/network.d/rangectl"
e2e_restart_libvirtd
node_save B
if rc up --timeout 4m "$scenario" >"$NODE_A_E2E_DIR/work/nohook.log" 2>&1; then
	e2e_fail "up with node B lacking the hook fails"
else
	e2e_ok "up with node B lacking the hook fails"
fi
e2e_check "saying so, for node B" grep -q \
	"on node '$uri_b': network 'span-[a-z-]*' started without its VXLAN interface 'rcx-[0-9a-f]*'.*install rangectl's libvirt network hook" \
	"$NODE_A_E2E_DIR/work/nohook.log"
e2e_check "and leaving nothing on either node ($(names a)$(nets a)| $(names b)$(nets b))" \
	test "$(names a)$(nets a)$(names b)$(nets b)" = ""

[ "$E2E_FAILED" -eq 0 ] || { node_use A; e2e_show_logs; node_use B; e2e_show_logs; }
teardown_then_check() {
	local left
	node_use A
	left=$(e2e_leftovers)
	node_use B
	left+=$(e2e_leftovers)
	[ -z "$left" ] || { echo "$left" | sed 's/^/#   /'; return 1; }
}
# Tear down now (by PID, as the trap would) to check that nothing is left.
trap - EXIT
ip link del "$underlay_a" 2>/dev/null
node_use B; e2e_stop; node_save B
node_use A; e2e_stop; node_save A
e2e_check "after teardown: no namespace, process or folder of either node is left" teardown_then_check
e2e_summary
