#!/usr/bin/env bash
# tests/e2e/guests.sh BUILD: issue 12's exercise on real Debian guests
# (`make images`' debian-12.qcow2) on a real libvirtd with QEMU (TCG),
# inside a private network namespace (tests/e2e/lib.sh), from
# tests/e2e/guests.yaml: two blue teams, each with a web server in a DMZ
# behind a Debian router, and red's box on the shared uplink.
#
# The guests boot once for the whole script.  Checks: up waits for all five
# agents; cloud-init configured them (names, addresses, routes, forwarding
# on the routers); red's box reaches both web servers across their routers,
# and a scenario user logs in over SSH from it (ssh run inside the box
# through its guest agent, with a key planted by cloud-init); blue teams do
# not reach each other; nginx serves each team's page, scored up by the
# http check; control's inject stops ro's nginx through the guest agent (the
# check fails, md's stays up); ro's trainee reverts the host through the
# API (the check passes again); down leaves no domain, network or pool.
#
# usage: tests/e2e/guests.sh [BUILD]   (as root; builds the image if needed)
# Environment: E2E_UP_TIMEOUT (default 20m), and tests/e2e/lib.sh's.
set -u
cd "$(dirname "$0")/../.." || exit 1
build=${1:-build}
rangectl=$PWD/$build/rangectl
# shellcheck source=tests/e2e/lib.sh
. tests/e2e/lib.sh

t_script=$(e2e_now)
e2e_install
command -v ssh-keygen >/dev/null || e2e_die "ssh-keygen is missing (apt-get install openssh-client)"
images/build-debian.sh images/build >/dev/null || e2e_die "cannot build the Debian image"
e2e_start guests
echo "# image ready, daemons started: $(e2e_since "$t_script") s"

# The scenario with a key pair made for this run (red's private key as a
# JSON string, \n for each line end) and the image's absolute path.
work=$E2E_DIR/work
mkdir -p "$work"
ssh-keygen -q -t ed25519 -N '' -C "red@gst" -f "$work/red" || e2e_die "ssh-keygen failed"
private=$(awk '{ printf "%s\\n", $0 }' "$work/red")
public=$(cat "$work/red.pub")
scenario=$work/guests.yaml
# (ENVIRON, not -v: awk would turn the \n into line ends)
PRIV=$private PUB=$public DISK=$PWD/images/build/debian-12.qcow2 awk '
	{ gsub(/RED_PRIVATE_KEY/, ENVIRON["PRIV"]); gsub(/RED_PUBLIC_KEY/, ENVIRON["PUB"])
	  sub(/\.\.\/\.\.\/images\/build\/debian-12\.qcow2/, ENVIRON["DISK"]); print }' \
	tests/e2e/guests.yaml >"$scenario"
"$rangectl" validate "$scenario" >/dev/null || e2e_die "the scenario made from tests/e2e/guests.yaml is not valid"

rc() { e2e_exec "$rangectl" "$@"; }

# Runs a shell command in a guest through its agent; prints its output,
# exits with its status.
guest_sh() { e2e_guest_sh "$1" "$2" 600; }

# guest_is DOM CMD WANT: CMD's output in DOM is exactly WANT.
guest_is() {
	local got
	got=$(guest_sh "$1" "$2") || { echo "# '$2' failed: $got" >&2; return 1; }
	[ "$got" = "$3" ] || { echo "# '$2' gave '$got', not '$3'" >&2; return 1; }
}
page_has() { e2e_exec curl -sf --max-time 10 "http://$1/" | grep -q "$2"; }
nothing_named() { ! e2e_virsh "$1" --all --name | grep -q "$2"; }

hosts="gst-ro-gw gst-md-gw gst-ro-web gst-md-web gst-red-box"
t0=$(e2e_now)
e2e_check "up: the five Debian guests' agents answer" \
	rc up --timeout "${E2E_UP_TIMEOUT:-20m}" --pool-dir "$E2E_DIR/pools" "$scenario"
echo "# up to every agent answering (TCG, 5 guests): $(e2e_since "$t0") s"
# nothing below means anything without the guests
[ "$E2E_FAILED" = 0 ] || { e2e_show_logs; e2e_summary; exit 1; }
for dom in $hosts; do
	e2e_check "$dom: cloud-init done without errors" \
		guest_sh "$dom" "cloud-init status --wait >/dev/null"
done
echo "# up to cloud-init done in every guest: $(e2e_since "$t0") s"
for dom in $hosts; do
	e2e_check "$dom: its planned name" guest_is "$dom" hostname "$dom"
done

# --- the network cloud-init made ----------------------------------------------------
for t in ro:1 md:2; do
	e2e_check "gst-${t%:*}-gw forwards (the seed's sysctl)" \
		guest_is "gst-${t%:*}-gw" "sysctl -n net.ipv4.ip_forward" 1
	e2e_check "gst-${t%:*}-gw: its DMZ address" \
		guest_sh "gst-${t%:*}-gw" "ip -4 -o addr | grep -q ' 10.9${t#*:}.1.1/24 '"
	e2e_check "gst-${t%:*}-web: default route through its router" \
		guest_sh "gst-${t%:*}-web" "ip route show default | grep -q 'via 10.9${t#*:}.1.1 '"
	e2e_check "gst-red-box: a route to ${t%:*}'s DMZ through its router" \
		guest_sh gst-red-box "ip route show 10.9${t#*:}.1.0/24 | grep -q 'via 100.64.9.${t#*:} '"
	e2e_check "gst-red-box reaches gst-${t%:*}-web across the router" \
		guest_sh gst-red-box "ping -c 1 -W 10 10.9${t#*:}.1.10 >/dev/null"
	e2e_check "nginx serves ${t%:*}'s page to the namespace" \
		page_has "10.9${t#*:}.1.10" "${t%:*} web"
done
e2e_check "blue teams are apart: gst-ro-web does not reach gst-md-web" \
	guest_sh gst-ro-web "! ping -c 1 -W 3 10.92.1.10 >/dev/null 2>&1"

# --- a scenario user over SSH, from red's box across the router -------------------
# ssh runs inside the box (through its agent) with the key cloud-init wrote;
# the web server sees red's own address, so the router routed, not NATed.
ssh_cmd="ssh -i /root/.ssh/id_ed25519 -o BatchMode=yes -o ConnectTimeout=30 \
-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
# shellcheck disable=SC2016 # expanded by the web server's shell
e2e_check "trainee logs in over SSH from gst-red-box to gst-ro-web (key)" \
	guest_is gst-red-box "$ssh_cmd trainee@10.91.1.10 'echo \$(id -un)@\$(hostname) from \${SSH_CLIENT%% *}'" \
	"trainee@gst-ro-web from 100.64.9.66"
# shellcheck disable=SC2016
e2e_check "trainee logs in over SSH from gst-red-box to gst-md-web (key)" \
	guest_is gst-red-box "$ssh_cmd trainee@10.92.1.10 'id -un'" trainee
e2e_check "the web server refuses the key for root" \
	guest_sh gst-red-box "! $ssh_cmd root@10.91.1.10 true 2>/dev/null"

# --- the exercise: inject, failing check, revert through the API ------------------
state=$E2E_DIR/state
journal=$state/journal.jsonl
api=127.0.0.1:18081
q() { jq -s -r "$1" "$journal" 2>/dev/null; }
# http_in_round N HOST: "up" or "down" of HOST's http check in round N
http_in_round() {
	q "[.[] | select(.type==\"round\" and .n==$1) | .checks[] |
		select(.host==\"$2\" and .service==\"http\")][0] |
		if . == null then \"\" elif .up then \"up\" else \"down\" end"
}
last_round() { q '[.[] | select(.type=="round")] | length'; }
# wait_http HOST STATE SECONDS: until a round sees HOST's http check in STATE
wait_http() {
	local deadline=$((SECONDS + $3)) n
	while [ $SECONDS -lt $deadline ]; do
		n=$(last_round)
		[ -n "$n" ] && [ "$n" -gt 0 ] && [ "$(http_in_round "$n" "$1")" = "$2" ] && return 0
		kill -0 "$runpid" 2>/dev/null || { echo "# run ended" >&2; return 1; }
		sleep 1
	done
	echo "# no round saw $1's http $2 in $3 s (last round: $(last_round))" >&2
	return 1
}
# wait_event JQ-FILTER SECONDS: until the journal holds an event it selects
wait_event() {
	local deadline=$((SECONDS + $2))
	while [ $SECONDS -lt $deadline ]; do
		[ "$(q "[.[] | select($1)] | length")" -ge 1 ] 2>/dev/null && return 0
		sleep 1
	done
	echo "# no event $1 in $2 s" >&2
	return 1
}
# post AS PATH: POST as member AS; prints the status code
post() {
	local token
	token=$(jq -r ".$1" "$state/credentials.json") || return 1
	e2e_exec curl -s -o /dev/null -w '%{http_code}' -X POST \
		-H "Authorization: Bearer $token" "http://$api$2"
}
post_is() { local code; code=$(post "$1" "$2"); [ "$code" = "$3" ] || { echo "# POST $2 as $1: $code" >&2; return 1; }; }

e2e_spawn "$rangectl" run "$scenario" --no-up --listen "$api" --state "$state" \
	--linger 0s -q
runpid=$E2E_SPAWNED
e2e_check "run: ro's http check passes" wait_http gst-ro-web up 180
e2e_check "run: md's http check passes" wait_http gst-md-web up 60
e2e_check "control fires the inject stop-nginx: 200" \
	post_is control /api/v1/injects/stop-nginx/fire 200
e2e_check "the inject ran through ro web's agent" \
	wait_event '.type=="inject_result" and .id=="stop-nginx" and .results[0].ok==true and .results[0].host=="gst-ro-web"' 120
e2e_check "run: ro's http check fails" wait_http gst-ro-web down 120
e2e_check "run: md's http check still passes" wait_http gst-md-web up 30
t0=$(e2e_now)
e2e_check "POST revert as ro's trainee: 202" \
	post_is ana /api/v1/hosts/gst-ro-web/revert 202
e2e_check "the revert is journaled, done" \
	wait_event '.type=="revert" and .host=="gst-ro-web" and .ok==true' 600
e2e_check "run: ro's http check passes again after the revert" wait_http gst-ro-web up 900
echo "# revert to scored up again (TCG): $(e2e_since "$t0") s"
e2e_check "nginx runs again on gst-ro-web" \
	guest_sh gst-ro-web "systemctl is-active -q nginx"
kill -TERM "$runpid" 2>/dev/null
wait "$runpid" 2>/dev/null

t0=$(e2e_now)
e2e_check "down" rc down "$scenario"
echo "# down: $(e2e_since "$t0") s"
e2e_check "down left no domain" nothing_named list gst-
e2e_check "down left no network" nothing_named net-list gst-
e2e_check "down left no pool" nothing_named pool-list gst-
e2e_check "down left no file in the pool folder" \
	sh -c "! find '$E2E_DIR/pools' -type f 2>/dev/null | grep -q ."
echo "# the whole script: $(e2e_since "$t_script") s"
e2e_summary
