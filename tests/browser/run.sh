#!/usr/bin/env bash
# The dashboard's browser tests: `rangectl run` of scenarios/demo.yaml on
# libvirt's test driver (--speed 30 --wait), in a network namespace made
# for it, and tests/browser/dashboard.mjs driving Debian's headless
# Chromium (playwright-core) inside the same namespace: nothing the test
# does reaches beyond it. busybox httpd stands in for the two blue web
# servers on their planned addresses, so that rounds score points.
#
# usage: tests/browser/run.sh BUILD [SCREENSHOT_DIR]
#   SCREENSHOT_DIR defaults to BUILD/screenshots/browser. BROWSER_SPEED=N
#   runs the exercise slower than --speed 30, for a loaded machine.
# Installs what is missing first: chromium, busybox, curl (apt-get), and
# the npm packages of web/ (xterm.js) and tests/browser/ (playwright-core)
# with `npm ci`. Root only (network namespaces). Ends with "N passed, M failed".
set -u
build=$(realpath "${1:?usage: tests/browser/run.sh BUILD [SCREENSHOT_DIR]}")
cd "$(dirname "$0")/../.." || exit 1
root=$PWD
shots=$(realpath -m "${2:-$build/screenshots/browser}")

if [ "$(id -u)" -ne 0 ]; then
	echo "# browser tests left out: they need root (network namespaces)"
	echo "0 passed, 0 failed"
	exit 0
fi

say() { printf '# %s\n' "$*"; }
die() {
	printf 'FAIL %s\n' "$*"
	echo "0 passed, 1 failed"
	exit 1
}

tests/browser/install.sh || die "browser tests: could not install chromium, busybox or the npm packages"
[ -x "$build/rangectl" ] || die "browser tests: no $build/rangectl (make first)"

# ---- the namespace, the stand-ins, the server ------------------------------
ns="rc-browser-$$"
dir=$(mktemp -d /tmp/rc-browser.XXXXXX)
server=""
helpers=()

cleanup() {
	local pid i
	if [ -n "$server" ]; then
		kill -TERM "$server" 2>/dev/null
		for i in $(seq 50); do
			kill -0 "$server" 2>/dev/null || break
			sleep 0.2
		done
		kill -KILL "$server" 2>/dev/null
		wait "$server" 2>/dev/null
		server=""
	fi
	for pid in "${helpers[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	helpers=()
	# Whatever else is left in our namespace was started by this test (a
	# Chromium whose node was killed by timeout, say): end it by its PID.
	for pid in $(ip netns pids "$ns" 2>/dev/null); do
		kill -KILL "$pid" 2>/dev/null
	done
	ip netns del "$ns" 2>/dev/null
	if [ "${BROWSER_KEEP:-0}" = 1 ]; then say "kept $dir"; else rm -rf "$dir"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$ns" || die "browser tests: cannot make the network namespace $ns"
ip -n "$ns" link set lo up

# ro's page is clean, md's already defaced: ro earns, md loses after 8:00.
serve() {
	mkdir -p "$dir/www-$1"
	printf '%s\n' "$2" >"$dir/www-$1/index.html"
	ip -n "$ns" addr add "$1/32" dev lo
	ip netns exec "$ns" busybox httpd -f -p "$1:80" -h "$dir/www-$1" &
	helpers+=($!)
}
serve 10.1.1.10 "rangectl appliance web page"
serve 10.2.1.10 "rangectl appliance web page, defaced by red"

port=$(ip netns exec "$ns" node -e 'const s = require("net").createServer();
	s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });')
[ -n "$port" ] || die "browser tests: no free port"
state=$dir/state
# `ip netns exec` execs rangectl, so $! is the server's own PID.
ip netns exec "$ns" "$build/rangectl" run scenarios/demo.yaml --connect test:///default --netns "$ns" \
	--speed "${BROWSER_SPEED:-30}" --wait --listen "127.0.0.1:$port" --state "$state" --web "$root/web" \
	>"$dir/out" 2>"$dir/log" &
server=$!

answered=""
for _ in $(seq 150); do
	kill -0 "$server" 2>/dev/null || break
	code=$(ip netns exec "$ns" curl -s -o /dev/null -w '%{http_code}' \
		"http://127.0.0.1:$port/api/v1/exercise" 2>/dev/null)
	if [ "$code" = 401 ] && [ -s "$state/credentials.json" ]; then
		answered=1
		break
	fi
	sleep 0.2
done
if [ -z "$answered" ]; then
	sed 's/^/#   /' "$dir/out" "$dir/log" | tail -n 30
	if kill -0 "$server" 2>/dev/null; then
		die "browser tests: rangectl run did not answer on 127.0.0.1:$port within 30 s"
	fi
	wait "$server"
	rc=$?
	server=""
	die "browser tests: rangectl run exited with status $rc before answering"
fi
say "rangectl run answers on 127.0.0.1:$port (namespace $ns); screenshots in $shots"
# Everyone's password is password-of-NAME (dashboard.mjs logs in with them).
for name in $(node -e 'console.log(Object.keys(require(process.argv[1])).join("\n"))' "$state/credentials.json"); do
	printf 'password-of-%s\n' "$name" | "$build/rangectl" users "$state" set-password "$name" ||
		die "browser tests: cannot set $name's password"
done

# ---- the tests --------------------------------------------------------------
timeout -k 5 240 ip netns exec "$ns" node tests/browser/dashboard.mjs \
	"http://127.0.0.1:$port/" "$state/credentials.json" "$shots"
rc=$?
if [ "$rc" -ne 0 ]; then
	say "the end of rangectl's log:"
	tail -n 30 "$dir/log" | sed 's/^/#   /'
fi
exit "$rc"
