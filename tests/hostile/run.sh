#!/usr/bin/env bash
# tests/hostile/run.sh: `rangectl run`'s server against hostile clients, one
# scene per finding of issue 18, each bounded in count and time; after
# each, a controller must get an answer within 1 s. Root (a network
# namespace of the test's own; everything on its 127.0.0.1).
#
#   1. half requests, closed at once: no connection left in CLOSE-WAIT
#   2. silent sockets and slow senders: the per-address limit, the header
#      deadline, and the global cap's 503 (from 17 addresses)
#   3. unread event streams and big reports: streams per person, and the
#      server's peak RSS under HOSTILE_RSS_MIB
#   4. a report flood (429 with Retry-After) and a revert flood (429, no
#      thread more than one revert's)
#   5. oracles: another team's host answered as one that does not exist
#   6. tokens in the query (refused but on streams), NUL and control bytes
#
# usage: tests/hostile/run.sh BUILD
# Environment: HOSTILE_RSS_MIB (160; 1024 under AddressSanitizer), the
# bound on the server's VmHWM.
set -u
build=$(realpath "${1:?usage: run.sh BUILD}")
cd "$(dirname "$0")/../.." || exit 1
. tests/engine/lib.sh
E2E_PACKAGES+=(curl python3)
[ "$(id -u)" -eq 0 ] || { echo "# needs root (network namespaces)"; echo "0 passed, 0 failed"; exit 0; }
rss_bound=${HOSTILE_RSS_MIB:-160}
# Under AddressSanitizer freed memory waits in a quarantine of 256 MiB
# and every byte has its shadow: the bound says nothing there.
ldd "$build/rangectl-virt" 2>/dev/null | grep -q libasan && rss_bound=${HOSTILE_RSS_MIB:-1024}
# The crowd scene holds 4,100 sockets here (and the server as many).
ulimit -n 16384 2>/dev/null || ulimit -n "$(ulimit -Hn)"

rh_start hostile
# Send buffers of 64 KiB at most (4 MiB by default): an unread stream
# then backs up into the server's queue within a few reports, not 4 MiB on.
rh_exec sysctl -qw net.ipv4.tcp_wmem='4096 16384 65536' || e2e_die "cannot set tcp_wmem in $RH_NS"
state=$RH_DIR/state
ip netns exec "$RH_NS" "$build/rangectl" run "$PWD/scenarios/demo.yaml" --connect test:///default --netns "$RH_NS" \
	--wait --keepalive 1s --listen 127.0.0.1:8080 --state "$state" >"$RH_DIR/out" 2>"$RH_DIR/log" &
server=$!
stop_server() { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; }
trap 'stop_server; rh_stop' EXIT

base=http://127.0.0.1:8080
client() { rh_exec python3 tests/hostile/client.py "$@"; }
# c ARGS...: curl from 127.0.0.9, an address no scene floods
c() { rh_exec curl -s -m 5 --interface 127.0.0.9 "$@"; }
for _ in $(seq 100); do
	c -o /dev/null "$base/" && break
	sleep 0.1
done
tok() { jq -r --arg n "$1" '.[$n]' "$state/credentials.json"; }
control=$(tok control) ana=$(tok ana) mihai=$(tok mihai) ion=$(tok ion) prof=$(tok prof)
proc() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$server/status"; }
fds() { ls "/proc/$server/fd" | wc -l; }

# answers_controller AFTER: GET /api/v1/whoami as control within 1 s
answers_controller() {
	local got
	got=$(c -m 1 -o /dev/null -w '%{http_code} %{time_total}' -H "Authorization: Bearer $control" \
		"$base/api/v1/whoami")
	e2e_check "after $1: a controller is answered within 1 s (${got:-nothing})" test "${got%% *}" = 200
}
# call TOKEN METHOD PATH [BODY]: "STATUS" of the call; the answer in $RH_DIR/body
call() {
	local args=(-o "$RH_DIR/body" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $1")
	[ $# -ge 4 ] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
	c "${args[@]}" "$base$3"
}
e2e_check "the server is up" test "$(call "$control" GET /api/v1/whoami)" = 200
e2e_check "the clock starts" test "$(call "$control" POST /api/v1/exercise/start)" = 200
fds0=$(fds) threads0=$(proc Threads)
e2e_log "the server at rest: $fds0 descriptors, $threads0 threads, VmRSS $(proc VmRSS) kB"

# ---- 1. half requests -------------------------------------------------------
t0=$(e2e_now)
e2e_log "$(client half 8080 5000)"
leaked=""
for _ in $(seq 50); do
	leaked=$(rh_exec ss -Htn state close-wait '( sport = :8080 )' | wc -l)
	[ "$leaked" = 0 ] && break
	sleep 0.1
done
e2e_check "5,000 half requests closed at once: $leaked connections left in CLOSE-WAIT ($(e2e_since "$t0") s)" \
	test "$leaked" = 0
e2e_check "  and the server holds no more descriptors than at rest ($(fds), $fds0 before)" \
	test "$(fds)" -le $((fds0 + 4))
answers_controller "the half requests"

# ---- 2. silent and slow sockets ---------------------------------------------
# 300 from one address: 256 kept, the rest closed at once; all of them
# closed by the header deadline (10 s); meanwhile others are served.
client idle 8080 300 13 >"$RH_DIR/idle" &
idler=$!
sleep 2
answers_controller "300 silent sockets from one address (another address asks)"
wait "$idler"
read -r _ _ opened _ kept1 _ kept <"$RH_DIR/idle"
e2e_log "$(cat "$RH_DIR/idle")"
e2e_check "300 silent sockets from one address: 256 kept ($kept1 of $opened)" test "$kept1" = 256
e2e_check "  all closed by the header deadline within 13 s ($kept left)" test "$kept" = 0
# A header a byte a second: never silent for the idle timeout, still cut.
out=$(client drip 8080 50 13)
e2e_log "$out"
e2e_check "50 requests sent a byte a second: all cut within 13 s ($out)" sh -c "echo '$out' | grep -q 'kept 0$'"
answers_controller "50 slow senders"
# Past 4,096 connections a request is answered 503 (past 4,160, none is
# accepted): 4,100 from 17 addresses, each a POST whose body never comes
# (a request in progress: the header deadline leaves it).
out=$(client crowd 8080 4100)
e2e_log "$out"
read -r _ _ _ _ _ _ _ held _ refused _ retry <<<"$out"
e2e_check "4,100 requests without their bodies from 17 addresses: about 4,096 held ($held)" \
	test "$held" -ge 4080 -a "$held" -le 4096
e2e_check "  the rest answered 503 with Retry-After: 5 ($refused, $retry)" \
	test "$refused" -ge 1 -a "$((held + refused))" = 4100 -a "$retry" = 5
answers_controller "4,100 requests without their bodies"

# ---- 3. unread streams and big reports --------------------------------------
out=$(call "$control" POST /api/v1/exercise/pause)
echo 5 >"/proc/$server/clear_refs"	# VmHWM from here on
client streams 8080 40 "$ana" 25 >"$RH_DIR/streams-ana" &
s1=$!
client streams 8080 8 "$control" 25 >"$RH_DIR/streams-control" &
s2=$!
client streams 8080 8 "$prof" 25 >"$RH_DIR/streams-prof" &
s3=$!
for _ in $(seq 100); do
	[ -s "$RH_DIR/streams-ana" ] && [ -s "$RH_DIR/streams-control" ] && [ -s "$RH_DIR/streams-prof" ] && break
	sleep 0.1
done
e2e_check "40 streams of one trainee: 8 taken ($(cat "$RH_DIR/streams-ana"))" \
	grep -q 'accepted 8$' "$RH_DIR/streams-ana"
e2e_check "  and the 9th is 429 with Retry-After" sh -c \
	"ip netns exec $RH_NS curl -s -m 2 -D - -o /dev/null '$base/api/v1/events?token=$ana' --interface 127.0.0.9 |
	grep -qi '^retry-after: 5'"
# 60 KB reports from each blue trainee, their quota of a minute (10): a
# body of 10,000 characters that JSON writes in 6 bytes each, both ways.
printf '{"title":"flood","body":"%s"}' "$(printf '\\u0001%.0s' $(seq 10000))" >"$RH_DIR/big.json"
filed=0
for who in "$ana" "$mihai" "$ion"; do
	for _ in $(seq 10); do
		[ "$(c -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $who" \
			-H 'Content-Type: application/json' --data-binary "@$RH_DIR/big.json" \
			"$base/api/v1/reports")" = 201 ] && filed=$((filed + 1))
	done
done
sleep 2
hwm=$(proc VmHWM)
e2e_log "30 reports of 60 KB filed ($filed accepted) to 24 unread streams: VmRSS $(proc VmRSS) kB, VmHWM $hwm kB"
e2e_check "  the reports were filed ($filed of 30)" test "$filed" = 30
e2e_check "  the server's peak RSS stayed under $rss_bound MiB ($((hwm / 1024)) MiB)" \
	test "$hwm" -lt $((rss_bound * 1024))
metric() { c "$base/metrics" | awk -v k="$1" '$1 == k { print $2 }'; }
dropped=$(metric rangectl_sse_dropped_total) queued=$(metric rangectl_sse_queued_bytes)
e2e_check "  the streams that fell 512 KiB behind were closed ($dropped), their queues freed ($queued bytes held)" \
	test "${dropped:-0}" -ge 24 -a "${queued:-1}" -lt $((2 * 1024 * 1024))
answers_controller "unread streams and big reports"
wait "$s1" "$s2" "$s3"

# ---- 4. report and revert floods --------------------------------------------
# Before (issue 18): 2,000 reports of 63 KB from one trainee in 10 s, all
# taken (125 MB of journal); 635 reverts a second, a thread each.
out=$(call "$control" POST /api/v1/exercise/resume)
journal0=$(stat -c %s "$state/journal.jsonl")
out=$(client flood 8080 500 "$mihai" /api/v1/reports "$(cat "$RH_DIR/big.json")")
grown=$(( $(stat -c %s "$state/journal.jsonl") - journal0 ))
e2e_log "500 reports of 60 KB from mihai: $out; the journal grew $grown bytes"
n_of() { local n; n=$(echo "$out" | sed -n "s/.* $1 \([0-9]*\) .*/\1/p"); echo "${n:-0}"; }
accepted=$(echo "$out" | sed -n 's/.*accepted \([0-9]*\) .*/\1/p')
e2e_check "a flood of 500 reports: at most the minute's quota (10) taken ($accepted)" test "${accepted:-99}" -le 10
e2e_check "  the rest 429, or 413 past the 1 MiB a person may file ($out)" \
	test "$(( ${accepted:-0} + $(n_of 429) + $(n_of 413) ))" = 500
e2e_check "  the journal grew at most 10 reports' worth ($grown bytes)" test "$grown" -le 700000
e2e_check "  with Retry-After" sh -c "c() { ip netns exec $RH_NS curl -s -m 2 --interface 127.0.0.9 \"\$@\"; };
	c -D - -o /dev/null -X POST -H 'Authorization: Bearer $mihai' -H 'Content-Type: application/json' \
	--data '{\"title\":\"t\"}' $base/api/v1/reports | grep -qi '^retry-after: [1-9]'"
answers_controller "the report flood"
out=$(client flood 8080 2000 "$ana" /api/v1/hosts/demo-ro-web/revert -)
threads=$(proc Threads)
e2e_log "2,000 reverts of one host by ana: $out; threads $threads ($threads0 at rest)"
e2e_check "a flood of 2,000 reverts: one accepted, the rest 429 ($out)" sh -c "echo '$out' | grep -q ': 202 1 429 1999 '"
e2e_check "  and no thread more than one revert's ($threads, $threads0 at rest)" test "$threads" -le $((threads0 + 1))
answers_controller "the revert flood"

# ---- 5. oracles --------------------------------------------------------------
# ion is Moldova's: Romania's web server must look exactly like no host.
for m in GET POST DELETE; do
	for action in revert console; do
		a=$(call "$ion" $m /api/v1/hosts/demo-ro-web/$action; cat "$RH_DIR/body")
		b=$(call "$ion" $m /api/v1/hosts/demo-nope-web/$action; cat "$RH_DIR/body")
		e2e_check "$m .../hosts/OTHER/$action is what .../hosts/NONE/$action is ($a)" test "$a" = "$b"
	done
done
ro=$(call "$control" GET /api/v1/reports >/dev/null; jq -r 'map(select(.team == "ro"))[0].id' "$RH_DIR/body")
a=$(call "$ion" POST "/api/v1/reports/$ro/grade" '{"points":1}'; cat "$RH_DIR/body")
b=$(call "$ion" POST /api/v1/reports/zz999/grade '{"points":1}'; cat "$RH_DIR/body")
e2e_check "grading another team's report ($ro) is what grading none is ($a)" test "$a" = "$b"
a=$(call "$ion" GET "/api/v1/reports?after=$ro"; cat "$RH_DIR/body")
b=$(call "$ion" GET '/api/v1/reports?after=zz999'; cat "$RH_DIR/body")
e2e_check "paging after another team's report is what paging after none is ($a)" test "$a" = "$b"

# ---- 6. tokens and bytes -----------------------------------------------------
e2e_check "a token in the query of a POST: 400, and nothing done" test "$(c -o /dev/null -w '%{http_code}' -X POST \
	-H 'Content-Type: application/json' --data '{"team":"md","points":5,"reason":"q"}' \
	"$base/api/v1/adjustments?token=$control")" = 400
e2e_check "  nor on a GET of the API" test "$(c -o /dev/null -w '%{http_code}' "$base/api/v1/whoami?token=$control")" = 400
e2e_check "  but on the event stream, yes" test "$(c -o /dev/null -m 1 -w '%{http_code}' "$base/api/v1/events?token=$control")" = 200
e2e_check "/index.html%00.js is not index.html" test "$(c -o /dev/null -w '%{http_code}' "$base/index.html%00.js")" != 200
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
e2e_check "a NUL byte in the path: 400" test "$(client raw 8080 "$(hex 'GET /index.html')00$(hex '.js HTTP/1.1')0d0a$(hex 'Host: x')0d0a0d0a")" = 400
e2e_check "an escape byte in the path: 400" test "$(client raw 8080 "$(hex 'GET /api/v1/whoami')1b$(hex ' HTTP/1.1')0d0a$(hex 'Host: x')0d0a0d0a")" = 400
e2e_check "a control byte in a header: 400" test "$(client raw 8080 "$(hex 'GET / HTTP/1.1')0d0a$(hex 'Host: x')0d0a$(hex 'X-A: a')01$(hex 'b')0d0a0d0a")" = 400
e2e_check "a NUL in the Authorization header: 400" test "$(client raw 8080 "$(hex 'GET /api/v1/whoami HTTP/1.1')0d0a$(hex 'Host: x')0d0a$(hex "Authorization: Bearer $control")00$(hex 'x')0d0a0d0a")" = 400
e2e_check "a NUL in a header: 400" test "$(client raw 8080 "$(hex 'GET / HTTP/1.1')0d0a$(hex 'Host: x')0d0a$(hex 'X-A: a')00$(hex 'b')0d0a0d0a")" = 400
answers_controller "the malformed requests"
# A reason and a title with terminal escapes: escaped in the run log
# and in the text report, never written raw to a controller's terminal.
e2e_check "an adjustment whose reason clears the screen is taken" test "$(call "$control" POST /api/v1/adjustments \
	'{"team":"md","points":1,"reason":"\u001b[2J\u001b]0;owned\u0007 late"}')" = 200
e2e_check "  the run log shows it escaped (\\033[2J), no escape byte" sh -c \
	"grep -qF '\\033[2J' '$RH_DIR/log' && ! grep -q \"\$(printf '\\033')\" '$RH_DIR/log'"


# ---- the report list, paged --------------------------------------------------
n=$(call "$control" GET /api/v1/reports >/dev/null; jq length "$RH_DIR/body")
first=$(call "$control" GET '/api/v1/reports?limit=2' >/dev/null; jq -r '.[1].id' "$RH_DIR/body")
rest=$(call "$control" GET "/api/v1/reports?after=$first" >/dev/null; jq length "$RH_DIR/body")
e2e_check "the report list in pages: 2, then the $rest after $first, of $n" test "$((rest + 2))" = "$n"
e2e_check "  a bad limit is 400" test "$(call "$control" GET '/api/v1/reports?limit=0')" = 400

hwm=$(proc VmHWM)
e2e_check "the server's peak RSS from scene 3 on: $((hwm / 1024)) MiB, under $rss_bound MiB" \
	test "$hwm" -lt $((rss_bound * 1024))
stop_server
e2e_check "SIGTERM stops the server cleanly" grep -q "interrupted at" "$RH_DIR/log"
"$build/rangectl" report "$state" >"$RH_DIR/report.txt" 2>&1
e2e_check "the text report shows the reason escaped, no escape byte" sh -c \
	"grep -qF '\\033[2J' '$RH_DIR/report.txt' && ! grep -q \"\$(printf '\\033')\" '$RH_DIR/report.txt'"
e2e_summary
