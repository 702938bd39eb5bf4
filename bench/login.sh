#!/usr/bin/env bash
# Login throughput and the scores API under a flood of wrong passwords
# (issue 15): `rangectl run` of the demo on the test driver, in a network
# namespace of its own, listening on its loopback.
#
#   1. N logins in a row with the right password: logins per second with
#      the Argon2id parameters of account.h (libsodium's interactive);
#   2. the p99 of GET /api/v1/scores, asked M times in a row by a token,
#      alone and then while F clients send wrong passwords as fast as they
#      are answered (each under names of its own, from one address).
#
# usage: bench/login.sh BUILD [N] [M] [F]     (root: namespaces)
set -u
build=$(realpath "${1:?usage: bench/login.sh BUILD [N] [M] [F]}")
n=${2:-20} m=${3:-300} f=${4:-4}
cd "$(dirname "$0")/.." || exit 1
. tests/engine/lib.sh
E2E_PACKAGES+=(curl)
rh_start loginbench
state=$RH_DIR/state
scenario=$PWD/scenarios/demo.yaml
"$build/rangectl" users "$state" --scenario "$scenario" >/dev/null
printf 'password-of-ana\n' | "$build/rangectl" users "$state" set-password ana
ip netns exec "$RH_NS" "$build/rangectl" run "$scenario" --connect test:///default --speed 20 \
	--wait --listen 127.0.0.1:8080 --state "$state" >"$RH_DIR/out" 2>"$RH_DIR/log" &
server=$!
flood=()
cleanup() { kill "${flood[@]}" "$server" 2>/dev/null; wait 2>/dev/null; rh_stop; }
trap cleanup EXIT
base=http://127.0.0.1:8080
for _ in $(seq 100); do
	rh_exec curl -s -m 1 -o /dev/null "$base/" && break
	sleep 0.1
done
token=$(jq -r .prof "$state/credentials.json")

t0=$(date +%s.%N)
for _ in $(seq "$n"); do
	rh_exec curl -s -o /dev/null -H 'Content-Type: application/json' \
		--data '{"name":"ana","password":"password-of-ana"}' "$base/api/v1/login"
done
t1=$(date +%s.%N)
echo "logins: $n in $(echo "$t1 - $t0" | bc) s: $(echo "scale=1; $n / ($t1 - $t0)" | bc) per second"

# p99 SECONDS of M GET /scores, one at a time
p99() {
	for _ in $(seq "$m"); do
		rh_exec curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "$base/api/v1/scores"
	done | sort -n | awk '{ a[NR] = $1 } END { i = int(NR * 0.99); if (i < 1) i = 1; print a[i] }'
}
echo "GET /api/v1/scores p99 alone: $(p99) s"
for i in $(seq "$f"); do
	(
		j=0
		while :; do
			j=$((j + 1))
			rh_exec curl -s -o /dev/null -H 'Content-Type: application/json' \
				--data "{\"name\":\"flood$i-$((j % 50))\",\"password\":\"wrong password\"}" "$base/api/v1/login"
		done
	) &
	flood+=($!)
done
sleep 1
echo "GET /api/v1/scores p99 during a flood of wrong passwords from $f clients: $(p99) s"
kill "${flood[@]}" 2>/dev/null
wait "${flood[@]}" 2>/dev/null
flood=()
echo "failed logins logged: $(grep -c 'failed login' "$RH_DIR/log")"
