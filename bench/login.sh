#!/usr/bin/env bash
# Login throughput and the scores API under a flood of wrong passwords
# (issue 15): `rangectl run` of the demo on the test driver, in a network
# namespace of its own, listening on its loopback.
#
#   1. logins per second with the right password, with the Argon2id
#      parameters of account.h: R runs of N logins in a row; the median;
#   2. the p99 of GET /api/v1/scores asked by a token (wrk, 2 connections,
#      S seconds, --latency), side by side in each of R rounds:
#        - alone;
#        - during a flood of wrong passwords from ONE address (4 clients
#          as fast as they are answered; the address is throttled after
#          10 failures, so almost nothing is hashed);
#        - during a flood from 200 addresses (127.0.0.2 and up, each a few
#          tries, new names each time: under the throttle, so that every
#          login the server admits is hashed, as from a spread-out attack
#          or a class logging in at once);
#        - during a flood of the same clients, from one address, sending a
#          login the server refuses before any hashing or throttling (a
#          body that is not JSON: 400): what any flood of requests costs
#          two shared cores, the limit a wrong-password flood is held to;
#      the medians of the rounds and their ratios to "alone" and to the
#      cheap flood.
#
# usage: bench/login.sh BUILD [N] [R] [S]     (root: namespaces)
set -u
build=$(realpath "${1:?usage: bench/login.sh BUILD [N] [R] [S]}")
n=${2:-10} rounds=${3:-3} seconds=${4:-10}
cd "$(dirname "$0")/.." || exit 1
. tests/engine/lib.sh
E2E_PACKAGES+=(curl wrk python3)
rh_start loginbench
state=$RH_DIR/state
scenario=$PWD/scenarios/demo.yaml
"$build/rangectl" users "$state" --scenario "$scenario" >/dev/null
printf 'password-of-ana\n' | "$build/rangectl" users "$state" set-password ana
ip netns exec "$RH_NS" "$build/rangectl" run "$scenario" --connect test:///default --speed 20 \
	--wait --listen 127.0.0.1:8080 --state "$state" >"$RH_DIR/out" 2>"$RH_DIR/log" &
server=$!
flood=""
cleanup() {
	[ -n "$flood" ] && kill "$flood" 2>/dev/null
	kill "$server" 2>/dev/null
	wait 2>/dev/null
	rh_stop
}
trap cleanup EXIT
base=http://127.0.0.1:8080
for _ in $(seq 100); do
	rh_exec curl -s -m 1 -o /dev/null "$base/" && break
	sleep 0.1
done
token=$(jq -r .prof "$state/credentials.json")

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# 1. logins a second, each run N logins in a row
for r in $(seq "$rounds"); do
	t0=$(date +%s.%N)
	for _ in $(seq "$n"); do
		rh_exec curl -s -o /dev/null -H 'Content-Type: application/json' \
			--data '{"name":"ana","password":"password-of-ana"}' "$base/api/v1/login"
	done
	t1=$(date +%s.%N)
	echo "$n / ($t1 - $t0)" | bc -l
done >"$RH_DIR/rates"
echo "logins with the right password, runs of $n: $(xargs printf '%.2f ' <"$RH_DIR/rates")a second; median $(median <"$RH_DIR/rates" | xargs printf '%.2f')"

# The flooder: wrong passwords from ADDRESSES (a count: 1 is 127.0.0.1, more
# are 127.0.0.2 and up), 4 threads, as fast as answered, until killed;
# prints its counts by status on SIGTERM.
cat >"$RH_DIR/flood.py" <<'PY'
import http.client, json, signal, sys, threading, collections
count = int(sys.argv[1])
cheap = len(sys.argv) > 2 and sys.argv[2] == "cheap"
addrs = ["127.0.0.1"] if count == 1 else ["127.0.0.%d" % (2 + i) for i in range(count)]
seen = collections.Counter()
stop = threading.Event()
def run(k):
    j = 0
    while not stop.is_set():
        j += 1
        addr = addrs[(j * 4 + k) % len(addrs)]
        body = "not json" if cheap else json.dumps({"name": "flood%d-%d" % (k, j), "password": "wrong password"})
        try:
            c = http.client.HTTPConnection("127.0.0.1", 8080, timeout=10, source_address=(addr, 0))
            c.request("POST", "/api/v1/login", body, {"Content-Type": "application/json"})
            seen[c.getresponse().status] += 1
            c.close()
        except OSError:
            seen["error"] += 1
signal.signal(signal.SIGTERM, lambda *a: stop.set())
ts = [threading.Thread(target=run, args=(k,), daemon=True) for k in range(4)]
for t in ts: t.start()
while not stop.wait(0.2): pass
for t in ts: t.join(15)
print(" ".join("%s:%d" % kv for kv in sorted(seen.items(), key=str)))
PY

# p99 of /scores in seconds, by wrk over S seconds
p99() {
	rh_exec wrk -t1 -c2 -d"${seconds}s" --latency -H "Authorization: Bearer $token" \
		"$base/api/v1/scores" | awk '$1 == "99%" {
		v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
		print v * (u == "us" ? 1e-6 : u == "ms" ? 1e-3 : u == "s" ? 1 : u == "m" ? 60 : 0) }'
}
during() {
	# ip netns exec execs python3: $! is the flooder itself, which kill stops
	ip netns exec "$RH_NS" python3 "$RH_DIR/flood.py" "$1" ${2:-} >"$RH_DIR/flood.out" &
	flood=$!
	sleep 1
	p99
	kill "$flood" 2>/dev/null
	wait "$flood" 2>/dev/null
	flood=""
	echo "#   ${2:-wrong-password} flood from $1 address(es): $(cat "$RH_DIR/flood.out")" >&2
}
for r in $(seq "$rounds"); do
	printf '%s %s %s %s\n' "$(p99)" "$(during 1)" "$(during 200)" "$(during 1 cheap)"
	# Let the throttle of the flood's names and addresses lapse (the
	# journal and accounts are untouched by a failed login but for its
	# line: every round starts alike).
	sleep 2
done >"$RH_DIR/p99"
echo "GET /api/v1/scores p99 per round, s (alone; wrong passwords from 1 address, from 200; cheap 400s from 1): "
sed 's/^/  /' "$RH_DIR/p99"
alone=$(cut -d' ' -f1 "$RH_DIR/p99" | median)
one=$(cut -d' ' -f2 "$RH_DIR/p99" | median)
many=$(cut -d' ' -f3 "$RH_DIR/p99" | median)
cheap=$(cut -d' ' -f4 "$RH_DIR/p99" | median)
awk -v a="$alone" -v o="$one" -v m="$many" -v c="$cheap" 'BEGIN {
	printf "median p99: alone %.2f ms; cheap flood %.2f ms (%.2fx alone)\n", a * 1e3, c * 1e3, c / a
	printf "  wrong passwords from 1 address %.2f ms (%.2fx alone, %.2fx the cheap flood)\n", o * 1e3, o / a, o / c
	printf "  wrong passwords from 200 addresses %.2f ms (%.2fx alone, %.2fx the cheap flood)\n", m * 1e3, m / a, m / c
}'
echo "failed logins logged: $(grep -c 'failed login' "$RH_DIR/log")"
