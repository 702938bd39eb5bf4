#!/usr/bin/env bash
# tests/e2e/vpn.sh BUILD: a blue trainee's laptop joins the range by the
# VPN (issue 15, point 4).
#
# `rangectl run --wait` of tests/e2e/vpn.yaml (a web server for each of
# two blue teams, appliance guests under TCG) on a private libvirtd in the
# test's namespaces; this kernel has no WireGuard, so the endpoints are
# wireguard-go's. A "laptop" namespace, joined to the range's by a veth
# (192.0.2.2 to 192.0.2.1), runs wireguard-go and wg with the file ana
# downloads from the API, routing everything into the tunnel, so that
# only the server's rules stand between her and the rest: she reaches
# ro's web server, not md's, not the hypervisor's address on her own
# network; disabling her cuts the tunnel; down removes every namespace and
# interface the VPN made.
set -u
cd "$(dirname "$0")/../.." || exit 1
build=${1:-build}
rangectl=$PWD/$build/rangectl
scenario=$PWD/tests/e2e/vpn.yaml
# shellcheck source=tests/e2e/lib.sh
. tests/e2e/lib.sh
E2E_PACKAGES+=(wireguard-go wireguard-tools nftables)

e2e_install
images/build.sh images/build >/dev/null || e2e_die "cannot build the appliance"
e2e_start vpn

laptop=rc-vpn-laptop-$$
lwg=rcwglaptop$$
lwg=${lwg:0:15}
state=$E2E_DIR/state
base=http://127.0.0.1:8080
t0=$(e2e_now)
e2e_spawn "$rangectl" run "$scenario" --wait --timeout 6m --linger 0s \
	--listen 127.0.0.1:8080 --state "$state" \
	>"$E2E_DIR/run.out" 2>"$E2E_DIR/run.log"
runpid=$E2E_SPAWNED
stop_run() {
	[ -n "$runpid" ] || return 0
	kill -TERM "$runpid" 2>/dev/null
	wait "$runpid"
	run_rc=$?
	runpid=""
}
cleanup() {
	stop_run
	[ -n "${lpid:-}" ] && kill "$lpid" 2>/dev/null
	[ -n "${hvpid:-}" ] && kill "$hvpid" 2>/dev/null
	ip netns del "$laptop" 2>/dev/null
	e2e_stop
}
trap cleanup EXIT

answered=""
for _ in $(seq 900); do
	kill -0 "$runpid" 2>/dev/null || break
	if grep -q '^dashboard: ' "$E2E_DIR/run.log" &&
		[ "$(e2e_exec curl -s -o /dev/null -w '%{http_code}' "$base/api/v1/exercise")" = 401 ]; then
		answered=1
		break
	fi
	sleep 0.5
done
e2e_check "run builds the range and serves the dashboard ($(e2e_since "$t0") s)" test -n "$answered"
e2e_check "...with wireguard-go's endpoints" grep -q '^vpn: 2 team endpoint(s) (wireguard-go)' "$E2E_DIR/run.log"
if [ -z "$answered" ] || [ "$E2E_FAILED" -gt 0 ]; then
	tail -n 30 "$E2E_DIR/run.log" | sed 's/^/#   /'
	e2e_summary
	exit 1
fi
# A server of the hypervisor's own, on its address in ro's network.
mkdir -p "$E2E_DIR/www" && echo hypervisor >"$E2E_DIR/www/index.html"
e2e_spawn busybox httpd -f -p 10.1.1.254:8081 -h "$E2E_DIR/www"
hvpid=$E2E_SPAWNED
sleep 0.5
for url in http://10.1.1.10/ http://10.2.1.10/ http://10.1.1.254:8081/; do
	e2e_check "from the range's namespace, $url answers (the reference)" \
		e2e_exec curl -s -f -m 5 -o /dev/null "$url"
done

# The laptop, and its link to the range's namespace.
ip netns add "$laptop" || e2e_die "cannot make namespace $laptop"
ip -n "$laptop" link set lo up
ip -n "$laptop" link add vpnlap0 type veth peer name vpnlap1
ip -n "$laptop" link set vpnlap1 netns "$E2E_HOLDER"
ip -n "$laptop" addr add 192.0.2.2/24 dev vpnlap0
ip -n "$laptop" link set vpnlap0 up
e2e_exec ip addr add 192.0.2.1/24 dev vpnlap1
e2e_exec ip link set vpnlap1 up

token=$(jq -r .ana "$state/credentials.json")
conf=$E2E_DIR/ana.conf
e2e_check "ana downloads her file" test "$(e2e_exec curl -s -o "$conf" -w '%{http_code}' -X POST \
	-H "Authorization: Bearer $token" "$base/api/v1/vpn/config")" = 200
key=$(sed -n 's/^PrivateKey = //p' "$conf")
server=$(sed -n 's/^PublicKey = //p' "$conf")
endpoint=$(sed -n 's/^Endpoint = //p' "$conf")
address=$(sed -n 's/^Address = //p' "$conf")
e2e_check "...for 10.250.0.2 at 192.0.2.1:51820" test "$address $endpoint" = "10.250.0.2/32 192.0.2.1:51820"

# Her client: wireguard-go and wg, every address into the tunnel.
ip netns exec "$laptop" wireguard-go -f "$lwg" >"$E2E_DIR/laptop-wg.log" 2>&1 &
lpid=$!
for _ in $(seq 50); do [ -S "/var/run/wireguard/$lwg.sock" ] && break; sleep 0.1; done
wg set "$lwg" private-key <(printf '%s\n' "$key") peer "$server" endpoint "$endpoint" \
	allowed-ips 0.0.0.0/0 persistent-keepalive 5
ip -n "$laptop" addr add "$address" dev "$lwg"
ip -n "$laptop" link set "$lwg" up
ip -n "$laptop" route add 10.0.0.0/8 dev "$lwg"
lap() { ip netns exec "$laptop" "$@"; }
code() { lap curl -s -m "${2:-8}" -o /dev/null -w '%{http_code}' "$1"; }

got=""
for _ in 1 2 3; do got=$(code http://10.1.1.10/); [ "$got" = 200 ] && break; done
e2e_check "the laptop reaches ro's web server through the tunnel ($got)" test "$got" = 200
e2e_check "...not md's (10.2.1.10)" test "$(code http://10.2.1.10/ 5)" = 000
e2e_check "...nor the hypervisor's address on ro's network (10.1.1.254)" test "$(code http://10.1.1.254:8081/ 5)" = 000
e2e_check "...nor the VPN's own leg (10.1.1.253)" test "$(code http://10.1.1.253/ 5)" = 000
e2e_check "...nor the endpoint's address (10.250.0.1)" test "$(code http://10.250.0.1:8080/ 5)" = 000

# Disabling ana cuts her tunnel within a second or so.
"$rangectl" users "$state" disable ana
sleep 2
e2e_check "disabled, her tunnel is cut" test "$(code http://10.1.1.10/ 5)" = 000

stop_run
e2e_check "SIGTERM ends the run cleanly (exit $run_rc)" test "$run_rc" -eq 0
e2e_check "run's end removes the VPN's namespaces" sh -c "! nsenter -t $E2E_HOLDER -m -n ip netns list | grep -q rcvpn-"
e2e_exec "$rangectl" down "$scenario" >"$E2E_DIR/down.out" 2>&1
e2e_check "down removes the range" test -z "$(e2e_virsh list --all --name | grep -v '^$')"
e2e_check "...and no rcwg or rcvl interface is left" sh -c "! nsenter -t $E2E_HOLDER -n ip -o link | grep -q 'rcwg\|rcvl'"
if [ "$E2E_FAILED" -gt 0 ]; then
	tail -n 30 "$E2E_DIR/run.log" | sed 's/^/#   /'
fi
e2e_summary
