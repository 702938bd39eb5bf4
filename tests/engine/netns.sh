#!/usr/bin/env bash
# `rangectl run --netns NAME`: the dashboard listens where rangectl was
# started (this machine's loopback), while every check runs inside NAME,
# the only place the guests' addresses exist (here busybox httpd stands in
# for the two blue web servers). A namespace that does not exist is a
# clear error before anything is built.
#
# usage: tests/engine/netns.sh BUILD
set -u
build=$(realpath "${1:?usage: netns.sh BUILD}")
cd "$(dirname "$0")/../.." || exit 1
. tests/engine/lib.sh
E2E_PACKAGES+=(curl)
[ "$(id -u)" -eq 0 ] || { echo "# needs root (network namespaces)"; echo "0 passed, 0 failed"; exit 0; }

rh_start netns
rh_serve 10.1.1.10 "rangectl web, clean"
rh_serve 10.2.1.10 "rangectl web, defaced by red"
scenario=$PWD/tests/engine/rehearsal.yaml
state=$RH_DIR/state

# A free port on this machine's loopback (the dashboard's side).
port=""
for _ in $(seq 50); do
	p=$((20000 + RANDOM % 30000))
	(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { port=$p; break; }
done
[ -n "$port" ] || e2e_die "no free port on 127.0.0.1"

# Started from this machine's namespace, not inside RH_NS.
"$build/rangectl" run "$scenario" --connect test:///default --netns "$RH_NS" \
	--listen "127.0.0.1:$port" --wait --speed 300 --linger 0s --state "$state" \
	>"$RH_DIR/out" 2>"$RH_DIR/log" &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rh_stop' EXIT
code=""
for _ in $(seq 100); do
	code=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/v1/exercise")
	[ "$code" = 401 ] && break
	sleep 0.1
done
e2e_check "the dashboard answers on this machine's loopback ($code)" test "$code" = 401
e2e_check "the run is inside $RH_NS" test "$(readlink "/proc/$server/ns/net")" = \
	"$(ip netns exec "$RH_NS" readlink /proc/self/ns/net)"
e2e_check "nothing of the run listens inside $RH_NS" sh -c \
	"! ip netns exec $RH_NS curl -s -m 2 -o /dev/null http://127.0.0.1:$port/"
control=$(jq -r .control "$state/credentials.json")
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $control" \
	"http://127.0.0.1:$port/api/v1/exercise/start")
e2e_check "a controller starts the clock through it ($code)" test "$code" = 200
wait "$server"
rc=$?
e2e_check "the run ends with exit 0 (got $rc)" test "$rc" -eq 0
e2e_check "its checks reached the web servers inside $RH_NS: ro scored" test "$(rh_jq "$state" \
	'[.[] | select(.type=="round") | .checks[] | select(.host=="reh-ro-web" and .service=="http" and .up)] | length > 20')" = true

"$build/rangectl" run "$scenario" --connect test:///default --netns rc-no-such-ns-$$ \
	--listen off --state "$RH_DIR/none" >/dev/null 2>"$RH_DIR/log-none"
rc=$?
e2e_check "a namespace that does not exist: exit 1 (got $rc)" test "$rc" -eq 1
e2e_check "  and it says which and how to make it" grep -q \
	"cannot open the network namespace 'rc-no-such-ns-$$' .*ip netns add" "$RH_DIR/log-none"
e2e_check "  before building or journaling anything" test ! -e "$RH_DIR/none/journal.jsonl"
e2e_summary
