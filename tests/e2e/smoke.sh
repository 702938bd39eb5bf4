#!/usr/bin/env bash
# tests/e2e/smoke.sh: a private libvirtd in a fresh network namespace, an
# isolated network, and (when images/build/ has it) the appliance guest,
# reached over HTTP from inside the namespace and through its guest agent;
# then everything is torn down and checked gone.
#
# usage: tests/e2e/smoke.sh          (as root; installs what it needs)
#
# Prints "ok ..." / "FAIL ..." / "skip ..." lines, then "N passed, N failed";
# exits 0 only when nothing failed.  Environment: see tests/e2e/lib.sh
# (E2E_QEMU_USER, E2E_DEBUG, E2E_KEEP), plus
#   E2E_IMAGES   folder with vmlinuz and appliance.cpio.gz
#                (default: images/build of this checkout)
#   E2E_BOOT_TIMEOUT  seconds to wait for the guest agent (default 90)
# shellcheck disable=SC2016 # sh -c '...' sh ARGS: expanded by that sh
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

IMAGES=${E2E_IMAGES:-$(cd "$HERE/../.." && pwd)/images/build}
BOOT_TIMEOUT=${E2E_BOOT_TIMEOUT:-90}
NET='rc-e2e'
BRIDGE='rc-e2e0'
MAC=52:54:00:99:00:0a
GUEST_IP=10.99.0.10
HOST_IP=10.99.0.254
SPOOF_IP=10.99.0.77

T_ALL=$(e2e_now)
e2e_install
if [ -n "${E2E_INSTALL_STARTED:-}" ]; then
	e2e_fail "installing the packages started no host-wide daemon (PIDs:$E2E_INSTALL_STARTED)"
fi

# --- the daemon ---------------------------------------------------------------
e2e_start smoke
DOM=rc-e2e-smoke-$$
e2e_ok "libvirtd answers in namespace $E2E_NS (started in $E2E_START_SECONDS s)"
e2e_check "qemu:///system inside the namespaces is our libvirtd" \
	e2e_exec sh -c '[ "$(virsh -c qemu:///system uri)" = qemu:///system ] &&
		[ "$(cat /run/libvirtd.pid)" = "$1" ]' sh "$E2E_LIBVIRTD_PID"
e2e_check "libvirtd runs in our network namespace" \
	test "$(readlink "/proc/$E2E_LIBVIRTD_PID/ns/net")" = "net:[$E2E_NETNS_INO]"
e2e_check "the private daemon has no domains, networks or pools of the host" \
	test -z "$(e2e_virsh list --all --name; e2e_virsh net-list --all --name; e2e_virsh pool-list --all --name)"

if [ -e /dev/kvm ] && [ "${E2E_KVM:-0}" != 1 ]; then
	e2e_check "/dev/kvm is hidden from the daemon (empty and read-only there)" \
		e2e_exec sh -c '! test -w /dev/kvm && ! test -s /dev/kvm'
else
	echo "# no /dev/kvm on this host (or E2E_KVM=1): nothing to hide"
fi

# --- the isolated network -----------------------------------------------------
cat >"$E2E_DIR/work/net.xml" <<EOF
<network>
  <name>$NET</name>
  <bridge name='$BRIDGE' stp='off' delay='0'/>
  <ip address='$HOST_IP' prefix='24'/>
</network>
EOF
e2e_check "isolated network $NET defined and started" \
	sh -c 'virsh -q -c "$1" net-define "$2" && virsh -q -c "$1" net-start "$3"' \
	sh "$E2E_URI" "$E2E_DIR/work/net.xml" "$NET"
e2e_check "bridge $BRIDGE has $HOST_IP/24 inside the namespace" \
	sh -c 'ip netns exec "$1" ip -br addr show dev "$2" | grep -qw "$3/24"' \
	sh "$E2E_NS" "$BRIDGE" "$HOST_IP"
e2e_check "neither $BRIDGE nor $HOST_IP exist outside the namespace" \
	sh -c '! ip link show dev "$1" >/dev/null 2>&1 && ! ip -4 -o addr | grep -qw "$2"' \
	sh "$BRIDGE" "$HOST_IP"
e2e_check "the namespace has no default route (nothing can leave it)" \
	sh -c '[ -z "$(ip netns exec "$1" ip route show default)" ]' sh "$E2E_NS"
e2e_check "the network has no <forward> (isolated)" \
	sh -c '! virsh -q -c "$1" net-dumpxml "$2" | grep -q "<forward"' sh "$E2E_URI" "$NET"

# --- the appliance guest ----------------------------------------------------------
# Runs guest-exec of /bin/sh -c "$1" through the agent and prints its
# standard output (decoded); fails when it exits non-zero or times out.
guest_sh() {
	local cmd=$1 reply pid i out
	cmd=${cmd//\\/\\\\}
	cmd=${cmd//\"/\\\"}
	cmd=${cmd//$'\n'/\\n}
	cmd=${cmd//$'\t'/\\t}
	reply=$(e2e_virsh qemu-agent-command "$DOM" --timeout 10 \
		"{\"execute\":\"guest-exec\",\"arguments\":{\"path\":\"/bin/sh\",\"arg\":[\"-c\",\"$cmd\"],\"capture-output\":true}}") ||
		return 1
	pid=$(sed -n 's/.*"pid":\([0-9]*\).*/\1/p' <<<"$reply")
	[ -n "$pid" ] || { echo "no pid in $reply" >&2; return 1; }
	for ((i = 0; i < 50; i++)); do
		reply=$(e2e_virsh qemu-agent-command "$DOM" --timeout 10 \
			"{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":$pid}}") || return 1
		if grep -q '"exited":true' <<<"$reply"; then
			out=$(sed -n 's/.*"out-data":"\([^"]*\)".*/\1/p' <<<"$reply")
			printf '%s' "$out" | base64 -d
			grep -q '"exitcode":0' <<<"$reply"
			return
		fi
		sleep 0.2
	done
	echo "guest-exec of '$1' did not finish: $reply" >&2
	return 1
}

appliance_tests() {
	local t_boot agent="" i page="" hn
	# QEMU reads the kernel and initrd in place: as root (the default, see
	# README.md) any readable path works and nothing is chowned.
	cat >"$E2E_DIR/work/dom.xml" <<EOF
<domain type='qemu'>
  <name>$DOM</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64'>hvm</type>
    <kernel>$IMAGES/vmlinuz</kernel>
    <initrd>$IMAGES/appliance.cpio.gz</initrd>
    <cmdline>console=ttyS0 quiet rangectl.hostname=smoke rangectl.addr=$MAC,$GUEST_IP/24</cmdline>
  </os>
  <features><acpi/></features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <interface type='network'>
      <source network='$NET'/>
      <mac address='$MAC'/>
      <model type='virtio'/>
      <filterref filter='clean-traffic'>
        <parameter name='IP' value='$GUEST_IP'/>
      </filterref>
    </interface>
    <serial type='pty'>
      <log file='$E2E_DIR/work/console.log' append='off'/>
      <target port='0'/>
    </serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <channel type='unix'>
      <target type='virtio' name='org.qemu.guest_agent.0'/>
    </channel>
    <memballoon model='none'/>
  </devices>
</domain>
EOF
	# The first define makes libvirtd probe QEMU's capabilities (cached in
	# our private /var/cache/libvirt, so every run pays for it).
	t_boot=$(e2e_now)
	e2e_check "domain $DOM (type qemu, direct kernel boot) defined" \
		e2e_virsh define "$E2E_DIR/work/dom.xml"
	E2E_DEFINE_SECONDS=$(e2e_since "$t_boot")
	t_boot=$(e2e_now)
	if ! e2e_virsh start "$DOM" >"$E2E_DIR/work/start.out" 2>&1; then
		e2e_fail "domain $DOM started"
		sed 's/^/#   /' "$E2E_DIR/work/start.out"
		e2e_show_logs
		return
	fi
	e2e_ok "domain $DOM started in $(e2e_since "$t_boot") s"
	e2e_check "its QEMU runs in our network namespace" \
		sh -c 'p=$(cat "$1"/run/libvirt/qemu/"$2".pid) &&
			[ "$(readlink /proc/$p/ns/net)" = "net:[$3]" ]' \
		sh "$E2E_DIR" "$DOM" "$E2E_NETNS_INO"

	for ((i = 0; i < BOOT_TIMEOUT; i++)); do
		if e2e_virsh qemu-agent-command "$DOM" --timeout 5 \
			'{"execute":"guest-ping"}' >/dev/null 2>&1; then
			agent=$(e2e_since "$t_boot")
			break
		fi
		[ "$(e2e_virsh domstate "$DOM" 2>/dev/null)" = running ] || break
		sleep 1
	done
	if [ -z "$agent" ]; then
		e2e_fail "guest agent answers guest-ping within $BOOT_TIMEOUT s"
		e2e_show_logs
		return
	fi
	E2E_AGENT_SECONDS=$agent
	e2e_ok "guest agent answers guest-ping, $agent s after start"

	# HTTP from inside the namespace only: the guest's address exists
	# nowhere else.  --noproxy: never hand the request to a proxy.
	for ((i = 0; i < 10; i++)); do
		page=$(e2e_exec curl -sS --noproxy '*' --max-time 5 "http://$GUEST_IP/" 2>&1) &&
			break
		sleep 1
	done
	if grep -q rangectl <<<"$page" && grep -qw smoke <<<"$page"; then
		e2e_ok "http://$GUEST_IP/ from inside the namespace serves the appliance page"
	else
		e2e_fail "http://$GUEST_IP/ from inside the namespace serves the appliance page"
		printf '%s\n' "$page" | head -n 5 | sed 's/^/#   /'
	fi

	if hn=$(guest_sh 'hostname'); then
		if [ "$hn" = smoke ]; then
			e2e_ok "guest-exec through the agent: hostname is smoke"
		else
			e2e_fail "guest-exec through the agent: hostname is smoke (got '$hn')"
		fi
	else
		e2e_fail "guest-exec through the agent runs hostname"
	fi
	if out=$(guest_sh "ip -4 addr show | grep -q 'inet $GUEST_IP/24' && echo configured"); then
		if [ "$out" = configured ]; then
			e2e_ok "guest has $GUEST_IP/24 from rangectl.addr"
		else
			e2e_fail "guest has $GUEST_IP/24 from rangectl.addr (got '$out')"
		fi
	else
		e2e_fail "guest has $GUEST_IP/24 from rangectl.addr"
	fi
	e2e_check "guest reaches the host side $HOST_IP (ping from the guest)" \
		guest_sh "ping -c 1 -W 3 $HOST_IP"
	# clean-traffic drops what the guest sends from an address not its own
	# (the first ping fills the ARP cache, so only the filter can stop the
	# second).
	e2e_check "nwfilter clean-traffic drops a spoofed source address" \
		guest_sh "ping -c 1 -W 3 $HOST_IP && ip addr add $SPOOF_IP/32 dev eth0 &&
			! ping -c 1 -W 2 -I $SPOOF_IP $HOST_IP; rc=\$?;
			ip addr del $SPOOF_IP/32 dev eth0; exit \$rc"
}

if [ -r "$IMAGES/vmlinuz" ] && [ -r "$IMAGES/appliance.cpio.gz" ]; then
	appliance_tests
else
	for t in "domain (type qemu, direct kernel boot) defined and started" \
		"its QEMU runs in our network namespace" \
		"guest agent answers guest-ping" \
		"http://$GUEST_IP/ from inside the namespace serves the appliance page" \
		"guest-exec through the agent" "guest has $GUEST_IP/24 from rangectl.addr" \
		"guest reaches the host side" "nwfilter clean-traffic drops a spoofed source address"; do
		e2e_skip "$t: no appliance in $IMAGES (run images/build.sh)"
	done
fi

# --- teardown: domain and network are left running on purpose: e2e_stop must
# clean them.
[ "$E2E_FAILED" -gt 0 ] && e2e_show_logs
t_stop=$(e2e_now)
e2e_stop
e2e_ok "e2e_stop tore down in $(e2e_since "$t_stop") s"
left=$(e2e_leftovers)
if [ -z "$left" ]; then
	e2e_ok "nothing left: no namespace, no daemon, no QEMU, no dnsmasq, no directory"
else
	e2e_fail "nothing left"
	printf '%s\n' "$left" | sed 's/^/#   /'
fi
e2e_check "no QEMU of $DOM is running" sh -c '! pgrep -f "guest=$1," >/dev/null' sh "$DOM"
e2e_check "e2e_stop is safe to call twice" e2e_stop

secs() { if [ -n "$1" ]; then echo "$1 s"; else echo "n/a"; fi; }
echo "# times: daemon start $(secs "$E2E_START_SECONDS")," \
	"first define (QEMU probe) $(secs "${E2E_DEFINE_SECONDS:-}")," \
	"domain start to agent ready $(secs "${E2E_AGENT_SECONDS:-}")," \
	"whole test $(e2e_since "$T_ALL") s"
e2e_summary
