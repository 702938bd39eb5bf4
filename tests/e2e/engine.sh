#!/usr/bin/env bash
# tests/e2e/engine.sh BUILD: `rangectl run` of tests/e2e/engine.yaml (the
# demo's range, a sixteen-minute MSEL) at --speed 8 on a real libvirtd
# with QEMU (TCG), inside a private network namespace.
#
# Red scans from its own host; an exec inject defaces both blue web
# servers, their compromise checks see it and cost points; reverting ro's
# web restores it and its penalty stops; cutting md web's link makes its
# services fail until the link comes back by itself. Meanwhile libvirtd is
# restarted (the engine reconnects and goes on) and a guest is powered off
# behind rangectl's back (a lifecycle event; its services score zero).
set -u
cd "$(dirname "$0")/../.." || exit 1
build=${1:-build}
rangectl=$PWD/$build/rangectl
scenario=$PWD/tests/e2e/engine.yaml
# shellcheck source=tests/e2e/lib.sh
. tests/e2e/lib.sh
E2E_PACKAGES+=(jq)

e2e_install
images/build.sh images/build >/dev/null || e2e_die "cannot build the appliance"
e2e_start engine

state=$E2E_DIR/state
journal=$state/journal.jsonl
q() { jq -s -r "$1" "$journal"; }
rounds() { [ -s "$journal" ] && q '[.[] | select(.type=="round")] | length' || echo 0; }
wait_round() {
	local n=$1 i
	for i in $(seq 1 600); do
		[ "$(rounds)" -ge "$n" ] && return 0
		kill -0 "$runpid" 2>/dev/null || return 1
		sleep 0.5
	done
	return 1
}
# check(n, team, host-suffix, service): "up" or "down: reason" in round n
check() {
	q "[.[] | select(.type==\"round\" and .n==$1) | .checks[] |
		select(.host==\"demo-$2\" and .service==\"$3\")][0] |
		if .up then \"up\" else \"down: \" + .reason end"
}
comp() {
	q "[.[] | select(.type==\"round\" and .n==$1) | .compromises[] |
		select(.host==\"demo-$2\")][0].active"
}

t0=$(e2e_now)
e2e_exec "$rangectl" run "$scenario" --speed 8 --timeout 4m --linger 0s \
	--state "$state" >"$E2E_DIR/run.out" 2>"$E2E_DIR/run.log" &
runpid=$!

# Faults, each once the exercise has gone far enough.
if wait_round 13; then
	# Not inside e2e_check: its subshell would lose the new libvirtd's PID.
	if e2e_restart_libvirtd; then
		e2e_ok "libvirtd restarted mid-exercise"
	else
		e2e_fail "libvirtd restarted mid-exercise"
	fi
fi
# Right after: rounds 14 to 16 are left to see it, even when they run late.
if wait_round 13; then
	e2e_check "ro web powered off behind rangectl's back" e2e_virsh destroy demo-ro-web
fi
wait "$runpid"
rc=$?
echo "# run, from up to the end: $(e2e_since "$t0") s"
e2e_check "run ends with exit 0 (got $rc)" test "$rc" -eq 0
if [ "$rc" -ne 0 ] || [ "${E2E_VERBOSE:-0}" = 1 ]; then
	tail -n 40 "$E2E_DIR/run.log" | sed 's/^/#   /'
fi

e2e_check "recon ran from red's host against each blue web, with {target.ip} filled in" test "$(q \
	'[.[] | select(.type=="inject_result" and .id=="recon") | .results[]] | length == 2 and all(. as $r | $r.ok and $r.via == "demo-red-kali" and ($r.out | startswith("open " + $r.host)))')" = true
e2e_check "deface ran inside each blue web, exit 0" test "$(q \
	'[.[] | select(.type=="inject_result" and .id=="deface") | .results[]] | length == 2 and all(.ok and .exit == 0)')" = true
for n in 2 3; do
	e2e_check "round $n: the guest agent's exec check passes on ro web" test "$(check $n ro-web httpd)" = up
	e2e_check "round $n: both defacements seen" test "$(comp $n ro-web) $(comp $n md-web)" = "true true"
done
e2e_check "revert of ro web succeeded" test "$(q \
	'[.[] | select(.type=="inject_result" and .id=="restore-ro") | .results[0].ok][0]')" = true
for n in 7 8; do
	e2e_check "round $n: ro web is clean again, its penalty stopped; md still pays" \
		test "$(comp $n ro-web) $(comp $n md-web)" = "false true"
	e2e_check "round $n: ro web serves its page again" test "$(check $n ro-web http)" = up
done
for n in 10 11; do
	m=$(check $n md-web http)
	e2e_check "round $n: md web's link is down, its http check fails ($m)" \
		test "${m%%:*}" = down
done
e2e_check "the link came back by itself after its duration" test "$(q \
	'[.[] | select(.type=="link" and .host=="demo-md-web")] | length == 1 and .[0].up and .[0].ok')" = true
e2e_check "round 13: md web answers again (still defaced: its penalty is back)" test "$(comp 13 md-web)" = true

e2e_check "the engine lost libvirtd and reconnected" grep -q "connected to libvirt at .* again" "$E2E_DIR/run.log"
e2e_check "rounds went on after the restart, to the end" test "$(rounds)" = 16
e2e_check "the power-off was seen as a lifecycle event" test "$(q \
	'[.[] | select(.type=="host" and .name=="demo-ro-web" and .state=="shutoff")] | length >= 1')" = true
# Rounds that started after the engine saw it: no probe, zero, the reason.
after_off='(map(select(.type=="host" and .name=="demo-ro-web" and .state=="shutoff")) | last | .t) as $off |
	[.[] | select(.type=="round" and .at + .late > $off) | .checks[] | select(.host=="demo-ro-web")]'
zeroed=$(q "$after_off | length >= 2 and all(.up == false and .points == 0 and (.reason | test(\"shutoff\")))")
e2e_check "after the power-off, ro web's checks score zero, saying why" test "$zeroed" = true
[ "$zeroed" = true ] || q "$after_off | tostring" | sed 's/^/#   after the power-off: /'

"$rangectl" report "$state" --json >"$E2E_DIR/report.json"
e2e_check "the report: md lost more to the defacement than ro, both lost some" test "$(jq \
	'[.teams[] | select(.id=="ro" or .id=="md")] | sort_by(.id) | .[0].penalties > .[1].penalties and .[1].penalties > 0' \
	"$E2E_DIR/report.json")" = true
"$rangectl" report "$state" >"$E2E_DIR/report.txt" && sed 's/^/#   /' "$E2E_DIR/report.txt" | head -n 30

no_objects() { [ -z "$(e2e_virsh list --all --name; e2e_virsh net-list --all --name)" ]; }
e2e_check "down" e2e_exec "$rangectl" down "$scenario"
e2e_check "down leaves no domain and no network" no_objects
e2e_stop
e2e_check "no leftovers: daemons, guests, namespace" test -z "$(e2e_leftovers)"
e2e_summary
