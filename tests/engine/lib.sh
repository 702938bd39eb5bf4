# tests/engine/lib.sh: what the engine's rehearsal tests share.
#
# They run `rangectl run` on libvirt's test driver (in-process, no guests)
# inside a network namespace the test makes for itself, where busybox
# httpd stands in for the guests' web servers on their planned addresses:
# the engine's checks reach only that namespace. Root only (namespaces).
#
#   rh_start NAME          a fresh namespace rc-NAME-PID, lo up; sets RH_NS
#   rh_serve ADDR TEXT     busybox httpd on ADDR:80 serving TEXT at /
#   rh_exec CMD...         CMD inside the namespace
#   rh_api_start CMD...    CMD (a `rangectl run` listening on 127.0.0.1:8080)
#                          inside the namespace, in the background, its
#                          output in $RH_DIR/out and $RH_DIR/log; waits up
#                          to 10 s for it to answer; sets RH_API (its PID)
#                          and base (its address)
#   rh_api_stop            SIGTERM to it, and waits for its end
#   c ARGS...              curl inside the namespace, 5 s at most
#   tok NAME               NAME's token in $state/credentials.json
#   rh_stop                the server, every httpd started here (by PID),
#                          the namespace
#
# Needs: busybox, jq (installed when missing, like tests/e2e).

. "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh"
E2E_PACKAGES=(busybox jq iproute2)

RH_NS="" RH_PIDS=() RH_DIR="" RH_API=""

rh_start() {
	e2e_install
	RH_NS="rc-$1-$$"
	RH_DIR=$(mktemp -d "/tmp/rc-$1.XXXXXX")
	ip netns add "$RH_NS" || e2e_die "cannot make network namespace $RH_NS"
	ip -n "$RH_NS" link set lo up
	trap rh_stop EXIT
}

rh_serve() {
	local addr=$1 text=$2 root
	root="$RH_DIR/www-$addr"
	mkdir -p "$root"
	printf '%s\n' "$text" >"$root/index.html"
	ip -n "$RH_NS" addr add "$addr/32" dev lo 2>/dev/null
	ip netns exec "$RH_NS" busybox httpd -f -p "$addr:80" -h "$root" &
	RH_PIDS+=($!)
}

rh_exec() { ip netns exec "$RH_NS" "$@"; }

c() { rh_exec curl -s -m 5 "$@"; }
tok() { jq -r --arg n "$1" '.[$n]' "$state/credentials.json"; }

rh_api_start() {
	# Not through rh_exec: $! must be the server's own PID (ip execs it).
	ip netns exec "$RH_NS" "$@" >"$RH_DIR/out" 2>"$RH_DIR/log" &
	RH_API=$!
	base=http://127.0.0.1:8080
	for _ in $(seq 100); do
		c -o /dev/null "$base/" && break
		sleep 0.1
	done
}

rh_api_stop() {
	[ -n "$RH_API" ] || return 0
	kill "$RH_API" 2>/dev/null
	wait "$RH_API" 2>/dev/null
	RH_API=""
}

rh_stop() {
	local pid
	rh_api_stop
	# A failed check is easier to read beside what rangectl said (a run
	# in CI leaves nothing else behind).
	if [ "${E2E_FAILED:-0}" -gt 0 ] && [ -s "${RH_DIR:-}/log" ]; then
		echo "# the last 40 lines of rangectl's log:"
		tail -n 40 "$RH_DIR/log" | sed 's/^/#   /'
	fi
	for pid in "${RH_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	RH_PIDS=()
	[ -n "$RH_NS" ] && ip netns del "$RH_NS" 2>/dev/null
	RH_NS=""
	[ -n "$RH_DIR" ] && [ "${RH_KEEP:-0}" != 1 ] && rm -rf "$RH_DIR"
	RH_DIR=""
}

# jq over a journal: rh_jq STATE FILTER (slurped: . is the array of events)
rh_jq() { jq -s -r "$2" "$1/journal.jsonl"; }
