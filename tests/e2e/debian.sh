#!/usr/bin/env bash
# tests/e2e/debian.sh BUILD: `make images`'s Debian guest on a real libvirtd
# with QEMU (TCG), inside a private network namespace (tests/e2e/lib.sh),
# from tests/e2e/debian.yaml.
#
# Checks what cloud-init and the hardware settings promise: rangectl up
# waits for both guests' agents; srv (BIOS, virtio) has its planned name
# and address, the scenario's user with a SHA-512 crypt password and its
# SSH key, its files (one owned by that user), its first-boot command, and
# serves its page to the namespace; hw boots with UEFI from a SATA disk
# with an e1000e NIC and is configured too; a second up changes nothing;
# the exercise runs: a trainee breaks srv, its check fails, the trainee
# reverts it through the API, and it is scored up again, the damage gone;
# down leaves no domain, network or volume.
#
# usage: tests/e2e/debian.sh [BUILD]   (as root; builds the image if needed)
# Environment: E2E_UP_TIMEOUT (default 15m), and tests/e2e/lib.sh's.
set -u
cd "$(dirname "$0")/../.." || exit 1
build=${1:-build}
rangectl=$PWD/$build/rangectl
scenario=$PWD/tests/e2e/debian.yaml
# shellcheck source=tests/e2e/lib.sh
. tests/e2e/lib.sh

e2e_install
images/build-debian.sh images/build >/dev/null || e2e_die "cannot build the Debian image"
e2e_start debian

rc() { e2e_exec "$rangectl" "$@"; }

# Runs a shell command in a guest through its agent; prints its output,
# exits with its status.
guest_sh() { e2e_guest_sh "$1" "$2" 300; }

# guest_is DOM CMD WANT: CMD's output in DOM is exactly WANT.
guest_is() {
	local got
	got=$(guest_sh "$1" "$2") || { echo "# '$2' failed: $got" >&2; return 1; }
	[ "$got" = "$3" ] || { echo "# '$2' gave '$got', not '$3'" >&2; return 1; }
}

page_has() { e2e_exec curl -sf --max-time 10 "http://$1/" | grep -q "$2"; }
up_is_noop() { rc up -q --pool-dir "$E2E_DIR/pools" "$scenario" | grep -q 'nothing changed'; }
nothing_named() { ! e2e_virsh "$1" --all --name | grep -q "$2"; }

t0=$(e2e_now)
e2e_check "up: both Debian guests' agents answer" \
	rc up --timeout "${E2E_UP_TIMEOUT:-15m}" --pool-dir "$E2E_DIR/pools" "$scenario"
echo "# up to both agents answering (TCG): $(e2e_since "$t0") s"
for dom in deb-ro-srv deb-ro-hw; do
	e2e_check "$dom: cloud-init done without errors" \
		guest_sh "$dom" "cloud-init status --wait >/dev/null"
	e2e_check "$dom: its planned name" guest_is "$dom" "hostname" "$dom"
	e2e_check "$dom: the seed came from rangectl's cidata volume" \
		guest_is "$dom" "cloud-init query platform" "nocloud"
done
e2e_check "deb-ro-srv: its planned address on eth0" \
	guest_sh deb-ro-srv "ip -4 -o addr show dev eth0 | grep -q ' 10.98.0.10/24 '"
e2e_check "deb-ro-hw: its planned address on eth0" \
	guest_sh deb-ro-hw "ip -4 -o addr show dev eth0 | grep -q ' 10.98.0.11/24 '"
e2e_check "deb-ro-srv: the user trainee, in sudo" \
	guest_sh deb-ro-srv "id -nG trainee | grep -qw sudo"
# shellcheck disable=SC2016 # expanded by the guest's shell
e2e_check "deb-ro-srv: trainee's password is a SHA-512 crypt hash" \
	guest_sh deb-ro-srv 'getent shadow trainee | cut -d: -f2 | grep -q "^[$]6[$]"'
# shellcheck disable=SC2016 # expanded by the guest's shell and perl
e2e_check "deb-ro-srv: trainee's password is the scenario's, {team.id} filled in" \
	guest_sh deb-ro-srv 'h=$(getent shadow trainee | cut -d: -f2); perl -e "exit(crypt(\$ARGV[0], \$ARGV[1]) ne \$ARGV[1])" e2e-ro-pass "$h"'
e2e_check "deb-ro-srv: trainee's SSH key" \
	guest_sh deb-ro-srv "grep -q 'e2e@ro' /home/trainee/.ssh/authorized_keys"
e2e_check "deb-ro-srv: a file owned by trainee" \
	guest_is deb-ro-srv "stat -c %U:%a /home/trainee/notes.txt && cat /home/trainee/notes.txt" "trainee:644
for ro"
e2e_check "deb-ro-srv: the first-boot command ran" \
	guest_is deb-ro-srv "cat /root/first-boot" "first boot 1"
e2e_check "deb-ro-srv: the resolver of the network" \
	guest_sh deb-ro-srv "grep -rqs 10.98.0.10 /etc/resolv.conf /etc/network/interfaces.d/"
e2e_check "deb-ro-srv: nginx serves the scenario's page to the namespace" \
	page_has 10.98.0.10 "team ro srv"
e2e_check "deb-ro-hw: booted with UEFI" guest_sh deb-ro-hw "test -d /sys/firmware/efi"
e2e_check "deb-ro-hw: its disk on SATA (sda)" \
	guest_sh deb-ro-hw "test -b /dev/sda && ! test -e /dev/vda"
e2e_check "deb-ro-hw: an e1000e NIC" \
	guest_sh deb-ro-hw "readlink /sys/class/net/eth0/device/driver | grep -q e1000e"
e2e_check "deb-ro-srv reaches deb-ro-hw" \
	guest_sh deb-ro-srv "ping -c 1 -W 5 10.98.0.11 >/dev/null"
e2e_check "second up changes nothing" up_is_noop

# --- revert through the API (issue 12, point 3) -------------------------------
# The exercise runs on the range as it is; a trainee of ro breaks srv (a
# file written, nginx stopped), its http check fails, the trainee reverts
# it through the API, and srv comes back as before its first boot: the
# file gone, configured again by its seed, and scored up again.
state=$E2E_DIR/state
journal=$state/journal.jsonl
api=127.0.0.1:18080
q() { jq -s -r "$1" "$journal" 2>/dev/null; }
# http_in_round N: "up" or "down" of srv's http check in round N
http_in_round() {
	q "[.[] | select(.type==\"round\" and .n==$1) | .checks[] |
		select(.host==\"deb-ro-srv\" and .service==\"http\")][0] |
		if . == null then \"\" elif .up then \"up\" else \"down\" end"
}
last_round() { q '[.[] | select(.type=="round")] | length'; }
# wait_http STATE SECONDS: until a round sees srv's http check in STATE
wait_http() {
	local deadline=$((SECONDS + $2)) n
	while [ $SECONDS -lt $deadline ]; do
		n=$(last_round)
		[ -n "$n" ] && [ "$n" -gt 0 ] && [ "$(http_in_round "$n")" = "$1" ] && return 0
		kill -0 "$runpid" 2>/dev/null || return 1
		sleep 1
	done
	return 1
}
revert_ok() { [ "$(q '[.[] | select(.type=="revert" and .host=="deb-ro-srv" and .ok==true)] | length')" -ge 1 ]; }
wait_revert() {
	local deadline=$((SECONDS + $1))
	while [ $SECONDS -lt $deadline ]; do
		revert_ok && return 0
		sleep 1
	done
	return 1
}
post_revert() {
	local token code
	token=$(jq -r .ana "$state/credentials.json") || return 1
	code=$(e2e_exec curl -s -o /dev/null -w '%{http_code}' -X POST \
		-H "Authorization: Bearer $token" "http://$api/api/v1/hosts/deb-ro-srv/revert")
	[ "$code" = 202 ] || { echo "# revert answered $code" >&2; return 1; }
}
e2e_spawn "$rangectl" run "$scenario" --no-up --listen "$api" --state "$state" \
	--linger 0s -q
runpid=$E2E_SPAWNED
e2e_check "run: srv's http check passes" wait_http up 180
e2e_check "a trainee's damage: a file written, nginx stopped" \
	guest_sh deb-ro-srv "echo owned > /root/intruder && systemctl stop nginx"
e2e_check "run: srv's http check fails" wait_http down 120
t0=$(e2e_now)
e2e_check "POST revert as ro's trainee: 202" post_revert
e2e_check "the revert is journaled, done" wait_revert 300
e2e_check "run: srv's http check passes again after the revert" wait_http up 900
echo "# revert to scored up again (TCG): $(e2e_since "$t0") s"
e2e_check "the file written before the revert is gone" \
	guest_sh deb-ro-srv "! test -e /root/intruder"
# The deferred file is written in cloud-init's last stage, after nginx is up.
e2e_check "nginx runs again, and cloud-init configured srv again" \
	guest_sh deb-ro-srv "cloud-init status --wait >/dev/null; systemctl is-active -q nginx && test -e /home/trainee/notes.txt"
kill -TERM "$runpid" 2>/dev/null
wait "$runpid" 2>/dev/null

t0=$(e2e_now)
e2e_check "down" rc down "$scenario"
echo "# down: $(e2e_since "$t0") s"
e2e_check "down left no domain" nothing_named list deb-
e2e_check "down left no network" nothing_named net-list deb-
e2e_check "down left no pool" nothing_named pool-list deb-
e2e_summary
