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
#
# Flags (issue 13): the engine writes a flag into each blue router through
# its guest agent; the test reads it inside the guest as red would (cat
# through the agent), red submits it through the API and scores, a wrong
# and a stale value are refused, a rotation writes a new value, a revert
# through the API writes the current one again, and no trainee ever sees
# a value.
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

# Runs a shell command in a guest through its agent, as someone with the
# guest's root would; prints its output, exits with its status.
guest_sh() { e2e_guest_sh "$1" "$2" 20; }
flagfile=/root/flag.txt
# read_flag DOM: the flag file's mode and content, "600 flag{...}"
read_flag() { guest_sh "$1" "stat -c %a $flagfile && cat $flagfile" | tr '\n' ' ' | sed 's/ $//'; }
is_value() { [[ $1 =~ ^flag\{[0-9a-f]{32}\}$ ]]; }
# the value of DOM's flag journaled last (a rotation's or a replant's)
journaled() {
	q "[.[] | select(.type==\"flag\" and .host==\"$1\")] | last | .value // empty"
}
# wait_q JQ: until the journal makes JQ true (or the run ends)
wait_q() {
	local i
	for i in $(seq 1 1200); do
		[ -s "$journal" ] && [ "$(q "$1")" = true ] && return 0
		kill -0 "$runpid" 2>/dev/null || return 1
		sleep 0.5
	done
	return 1
}
api=http://127.0.0.1:8080
tok() { jq -r --arg n "$1" '.[$n]' "$state/credentials.json"; }
# submit WHO FLAG: the status, then the body on the next line
submit() {
	local out
	out=$(e2e_exec curl -s -m 10 -w '\n%{http_code}' -X POST -H "Authorization: Bearer $(tok "$1")" \
		-H 'Content-Type: application/json' --data "$(jq -cn --arg f "$2" '{flag: $f}')" \
		"$api/api/v1/flags")
	printf '%s\n%s\n' "${out##*$'\n'}" "${out%$'\n'*}"
}
get() { e2e_exec curl -s -m 10 -H "Authorization: Bearer $(tok "$1")" "$api/api/v1/$2"; }

t0=$(e2e_now)
e2e_exec "$rangectl" run "$scenario" --speed 8 --timeout 4m --linger 0s \
	--listen 127.0.0.1:8080 --state "$state" >"$E2E_DIR/run.out" 2>"$E2E_DIR/run.log" &
runpid=$!

# --- flags ----------------------------------------------------------------
e2e_check "at the start, the flag is written into both blue routers" wait_q \
	'[.[] | select(.type=="flag" and .rotation==1 and .planted)] | length == 2'
# Every trainee's live stream, from now to the end (the server closes it).
for who in ana ion eve; do
	e2e_exec curl -s -N -m 300 "$api/api/v1/events?token=$(tok "$who")" >"$E2E_DIR/sse-$who" 2>/dev/null &
done
md1=$(read_flag demo-md-gw)
ro1=$(read_flag demo-ro-gw)
e2e_check "md gw's flag file, read inside the guest: mode 600, a value ($md1)" \
	is_value "${md1#600 }"
e2e_check "ro gw's flag file: mode 600, another value" \
	test "${ro1%% *}" = 600 -a "${ro1#600 }" != "${md1#600 }"
md1=${md1#600 } ro1=${ro1#600 }
is_value "$ro1" || e2e_fail "ro gw's flag file holds a value (got '$ro1')"
e2e_check "the files hold the values the engine journaled" \
	test "$(journaled demo-md-gw) $(journaled demo-ro-gw)" = "$md1 $ro1"
mapfile -t r < <(submit eve "$md1")
e2e_check "red's eve submits md's flag: 201, {points: 50} (got ${r[0]} ${r[1]:-})" \
	test "${r[0]}:$(jq -r .points <<<"${r[1]:-}" 2>/dev/null)" = 201:50
e2e_check "...a capture event, with who, what and no value" test "$(q \
	'[.[] | select(.type=="capture")] | length == 1 and (.[0] | .team == "red" and .by == "eve" and .owner == "md" and .host == "demo-md-gw" and .rotation == 1 and .points == 50 and (has("value") | not))')" = true
scores=$(get ana scores)
pt() { jq -r --arg t "$1" --arg k "$2" '.teams[] | select(.id==$t) | .[$k]' <<<"$scores"; }
e2e_check "scores: red has flags 50, md lost 20, ro none" \
	test "$(pt red flags) $(pt md flags_lost) $(pt ro flags_lost)" = "50 20 0"
mapfile -t again < <(submit eve "$md1")
e2e_check "the same flag again: 409 (got ${again[0]})" test "${again[0]}" = 409
mapfile -t wrong < <(submit eve "flag{0123456789abcdef0123456789abcdef}")
e2e_check "a wrong flag: the same 409 (got ${wrong[0]})" \
	test "${wrong[0]} ${wrong[1]:-}" = "${again[0]} ${again[1]:-}"

# Blue's root may change the file: the next value is a new file all the same.
chmod_early() {
	guest_sh demo-ro-gw "chmod 644 $flagfile" &&
		[ "$(q '[.[] | select(.type=="flag" and .rotation==2)] | length')" = 0 ]
}
e2e_check "before the rotation, ro's root makes its flag file 644" chmod_early
e2e_check "at 4:00 the flag rotates: both rewritten" wait_q \
	'[.[] | select(.type=="flag" and .rotation==2 and .planted)] | length == 2'
ro2=$(read_flag demo-ro-gw)
e2e_check "ro gw's file now holds a new value, mode 600 again" \
	test "${ro2%% *}" = 600 -a "${ro2#600 }" != "$ro1" -a "${ro2#600 }" = "$(journaled demo-ro-gw)"
ro2=${ro2#600 }
is_value "$ro2" || e2e_fail "ro gw's new value has the shape of one (got '$ro2')"
mapfile -t stale < <(submit eve "$ro1")
e2e_check "ro's value before the rotation (never taken): the same 409 (got ${stale[0]})" \
	test "${stale[0]} ${stale[1]:-}" = "${again[0]} ${again[1]:-}"

# A revert brings back the snapshot, without the flag: the engine writes
# the current value again. After round 8, so that the revert of ro web at
# 4:00 and its rounds 7 and 8 are left alone.
wait_round 8 || e2e_fail "the run went on to round 8"
md2=$(journaled demo-md-gw)
md2rot=$(q '[.[] | select(.type=="flag" and .host=="demo-md-gw")] | last | .rotation')
e2e_check "control reverts md gw through the API: 202" test "$(e2e_exec curl -s -m 10 \
	-o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $(tok control)" \
	"$api/api/v1/hosts/demo-md-gw/revert")" = 202
e2e_check "...the revert is journaled, done" \
	wait_q '[.[] | select(.type=="revert" and .host=="demo-md-gw" and .ok)] | length == 1'
e2e_check "...then the flag is written into md gw again" wait_q \
	'([.[] | select(.type=="revert" and .host=="demo-md-gw")][0].seq) as $r |
	[.[] | select(.type=="flag" and .host=="demo-md-gw" and .replant and .planted and .seq > $r)] | length == 1'
# A rotation may have come since: the file holds the value journaled last.
md3=$(read_flag demo-md-gw)
e2e_check "md gw's file exists again after the revert, with the current value, mode 600" \
	test "$md3" = "600 $(journaled demo-md-gw)"
md3=${md3#600 }
e2e_check "...the replant wrote the value of rotation $md2rot again, not a fresh one" test "$(q \
	"[.[] | select(.type==\"flag\" and .host==\"demo-md-gw\" and .replant)][0] | .rotation == $md2rot and .value == \"$md2\"")" = true
mapfile -t r < <(submit eve "$md3")
e2e_check "red takes the value found after the revert: 201" test "${r[0]}" = 201
for who in ana ion eve; do
	for path in whoami exercise scores scores/history uptime hosts injects messages reports; do
		get "$who" "$path"
	done >"$E2E_DIR/get-$who"
done

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
done
# The reverted guest boots again first: on a loaded machine (CI runs this
# beside the Debian guests) that may take more than a round.
served=$(for n in 7 8 9; do check $n ro-web http; done | grep -c '^up$')
e2e_check "ro web serves its page again after the revert (in $served of rounds 7 to 9, the last among them)" \
	test "$served" -ge 1 -a "$(check 9 ro-web http)" = up
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

# No trainee saw a value: not in any GET of the API (read while the
# exercise ran: the server stops with it), not on the live streams, not
# in the log.
q '.[] | select(.type=="flag") | .value' | sort -u >"$E2E_DIR/values"
e2e_check "the values to look for: 8 (4 rotations, 2 hosts; got $(wc -l <"$E2E_DIR/values"))" \
	test "$(wc -l <"$E2E_DIR/values")" -eq 8
for who in ana ion eve; do
	e2e_check "$who's live stream ran, and showed no flag event and no value" sh -c \
		"grep -q '^event: score' $E2E_DIR/sse-$who && ! grep -q '^event: flag' $E2E_DIR/sse-$who && ! grep -qF -f $E2E_DIR/values $E2E_DIR/sse-$who"
	e2e_check "no GET of the API showed $who a value" sh -c "! grep -qF -f $E2E_DIR/values $E2E_DIR/get-$who"
done
e2e_check "the run's log and output hold no value" sh -c \
	"! grep -qF -f $E2E_DIR/values $E2E_DIR/run.log $E2E_DIR/run.out"

no_objects() { [ -z "$(e2e_virsh list --all --name; e2e_virsh net-list --all --name)" ]; }
e2e_check "down" e2e_exec "$rangectl" down "$scenario"
e2e_check "down leaves no domain and no network" no_objects
e2e_stop
e2e_check "no leftovers: daemons, guests, namespace" test -z "$(e2e_leftovers)"
e2e_summary
