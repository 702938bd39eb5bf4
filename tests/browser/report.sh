#!/usr/bin/env bash
# The after-action report's HTML page in headless Chromium: for golden
# journals of tests/journals (complete: rounds, injects, penalties,
# reports, grades, adjustments, messages, host and link events; resumed:
# a score below zero and a paused clock) and a copy of complete whose
# every free text is hostile (<script>, <img onerror>, quotes, &), makes a
# state folder, writes the page with `rangectl report --html` and its data
# with --json, and runs tests/browser/report.mjs on them, which saves a
# full-page screenshot of each as SHOT_DIR/report-NAME.png.
#
# usage: tests/browser/report.sh BUILD [SHOT_DIR]
#   SHOT_DIR defaults to BUILD/screenshots/report.
# Installs chromium and the npm packages first when missing (root; see
# tests/browser/install.sh). Ends with "N passed, M failed".
set -u
build=$(realpath "${1:?usage: tests/browser/report.sh BUILD [SHOT_DIR]}")
cd "$(dirname "$0")/../.." || exit 1
shots=$(realpath -m "${2:-$build/screenshots/report}")
passed=0 failed=0

pass() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1${2:+: $2}"; failed=$((failed + 1)); }
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }

if [ ! -x /usr/bin/chromium ] || [ ! -d tests/browser/node_modules/playwright-core ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "# report browser tests left out: no chromium or playwright-core, and installing needs root"
		finish
	fi
	tests/browser/install.sh || { fail "install chromium and playwright-core"; finish; }
fi
[ -x "$build/rangectl" ] || { fail "$build/rangectl" "not built (make first)"; finish; }

dir=$(mktemp -d /tmp/rc-report.XXXXXX)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$shots"

# complete.jsonl with hostile text wherever people write it.
hostile() {
	jq -c '
	if .type == "exercise" then
		.title = "Coalition <script>alert(\"title\")</script> & drill" |
		.teams[0].name = "Romania \"><svg onload=alert(3)>"
	elif .type == "report" then
		.title = "<img src=x onerror=alert(1)> & \"quoted\"" |
		.body = "</div><script>alert(2)</script>\n<style>body{display:none}</style>"
	elif .type == "adjustment" then
		.reason = "<iframe src=\"https://example.com/\"></iframe> it'"'"'s late"
	elif .type == "inject_result" and .id == "recon" then
		.results[0].out = "<link rel=stylesheet href=\"http://example.com/x.css\">"
	else . end' tests/journals/complete.jsonl
}

# Runs one case: NAME, then the command that prints its journal.
report_case() {
	local name=$1 state=$dir/$1 rc
	shift
	mkdir -p "$state"
	if ! "$@" >"$state/journal.jsonl"; then
		fail "$name: its journal"
		return
	fi
	if ! "$build/rangectl" report "$state" --html "$dir/$name.html" 2>"$dir/$name.err" ||
		[ -s "$dir/$name.err" ]; then
		fail "$name: rangectl report --html" "$(head -n 3 "$dir/$name.err")"
		return
	fi
	"$build/rangectl" report "$state" --json >"$dir/$name.json" || { fail "$name: --json"; return; }
	# No element that fetches or runs; and where the journal holds no
	# address as text (all but hostile), no address at all.
	bad='<(script|iframe|img|link|object|embed|base)|<svg on|@import|url\('
	[ "$name" = hostile ] || bad="$bad|https?://|src="
	if grep -Eiq "$bad" "$dir/$name.html"; then
		fail "$name: the page names no resource outside it" \
			"$(grep -Eio ".{0,20}($bad).{0,20}" "$dir/$name.html" | head -n 3)"
	else
		pass "$name: the page names no resource outside it"
	fi
	timeout -k 5 120 node tests/browser/report.mjs "$dir/$name.html" "$dir/$name.json" \
		"$shots/report-$name.png" >"$dir/$name.out" 2>&1
	rc=$?
	grep -E '^(ok|FAIL|#)' "$dir/$name.out"
	count=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$dir/$name.out" | tail -n 1)
	if [ -z "$count" ]; then
		fail "$name: report.mjs" "exit status $rc and no count"
		tail -n 5 "$dir/$name.out" | sed 's/^/#   /'
		return
	fi
	read -r p _ f _ <<<"$count"
	passed=$((passed + p)) failed=$((failed + f))
	[ "$rc" -eq 0 ] || [ "$f" -ne 0 ] || fail "$name: report.mjs" "exit status $rc after its count"
}

echo "# screenshots in $shots"
report_case complete cat tests/journals/complete.jsonl
report_case resumed cat tests/journals/resumed.jsonl
if command -v jq >/dev/null; then
	report_case hostile hostile
else
	echo "# the hostile case left out: no jq"
fi
finish
