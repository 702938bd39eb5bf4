#!/usr/bin/env bash
# Golden tests of the command line, in libvirt's manner.
#
# usage: tests/golden.sh BUILD
#
# For each tests/scenarios/X.yaml, `rangectl plan --json` must either exit 0
# printing exactly X.plan.json, or, where X.err exists, exit 1 printing
# exactly X.err on stderr; where X.plan.txt exists, `rangectl plan` (the
# tables) must print exactly it. RANGECTL_REGENERATE=1 writes those files from
# what rangectl does now instead of comparing (review the diff after).
# And each scenarios/*.yaml, the examples users start from, must validate
# cleanly. Each tests/journals/X.jsonl is the journal of a state folder X
# for `rangectl report`: it must exit 0 printing exactly X.report.txt,
# X.report.json with --json and X.report.html with --html -, or, where
# X.err exists, exit 1 printing exactly X.err (the temporary folder's name
# taken out). Exit 2 (usage) or death by a signal always fails.
set -u
build=${1:?usage: tests/golden.sh BUILD}
cd "$(dirname "$0")/.." || exit 1
rangectl=$build/rangectl
# As tests/run sets them: on an asan build, undefined behaviour must abort,
# not exit 1 like a scenario error.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:abort_on_error=1}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

pass() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }

# Runs rangectl ARGS..., leaving $tmp/out, $tmp/err and $rc. A hang would
# stall every later test, so each run has a generous time limit.
run() {
	timeout -k 5 "${GOLDEN_TIMEOUT:-60}" "$rangectl" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# Fails the case and returns 1 for the outcomes that are never right.
sane() {
	local name=$1
	if [ "$rc" -eq 124 ]; then
		fail "$name" "timed out"
	elif [ "$rc" -ge 128 ] || [ "$rc" -eq 2 ]; then
		fail "$name" "exit status $rc"
	else
		return 0
	fi
	cat "$tmp/err"
	return 1
}

# Compares a result file with its expected file; prints the diff if not equal.
same() {
	local expected=$1 actual=$2 name=$3
	if diff -u --label "$expected" --label "actual" "$expected" "$actual" >"$tmp/diff"; then
		return 0
	fi
	fail "$name" "output differs from $expected"
	cat "$tmp/diff"
	return 1
}

plan_case() {
	local yaml=$1 name="plan $1" json=${1%.yaml}.plan.json err=${1%.yaml}.err
	run plan --json "$yaml"
	sane "$name" || return
	if [ "${RANGECTL_REGENERATE:-0}" = 1 ]; then
		case $rc in
		0) cp "$tmp/out" "$json"; rm -f "$err" ;;
		1) cp "$tmp/err" "$err"; rm -f "$json" ;;
		*) fail "$name" "exit status $rc"; cat "$tmp/err"; return ;;
		esac
		pass "$name"
	elif [ -f "$err" ]; then
		if [ "$rc" -ne 1 ]; then
			fail "$name" "exit status $rc, expected 1"
			cat "$tmp/err"
			return
		fi
		same "$err" "$tmp/err" "$name" && pass "$name"
	elif [ ! -f "$json" ]; then
		fail "$name" "no $json (RANGECTL_REGENERATE=1 writes it)"
	elif [ "$rc" -ne 0 ]; then
		fail "$name" "exit status $rc, expected 0"
		cat "$tmp/err"
	else
		same "$json" "$tmp/out" "$name" && pass "$name"
	fi
	[ -f "${yaml%.yaml}.plan.txt" ] && plan_text_case "$yaml"
}

# Where X.plan.txt exists, `rangectl plan X.yaml` (the tables) must print
# exactly it (RANGECTL_REGENERATE=1 rewrites the existing ones).
plan_text_case() {
	local yaml=$1 name="plan (text) $1" txt=${1%.yaml}.plan.txt
	run plan "$yaml"
	sane "$name" || return
	if [ "$rc" -ne 0 ] || [ -s "$tmp/err" ]; then
		fail "$name" "exit status $rc, expected 0 and no message"
		cat "$tmp/err"
	elif [ "${RANGECTL_REGENERATE:-0}" = 1 ]; then
		cp "$tmp/out" "$txt"
		pass "$name"
	else
		same "$txt" "$tmp/out" "$name" && pass "$name"
	fi
}

validate_case() {
	local yaml=$1 name="validate $1"
	run validate "$yaml"
	sane "$name" || return
	if [ "$rc" -ne 0 ]; then
		fail "$name" "exit status $rc, expected 0"
	elif [ -s "$tmp/err" ]; then
		fail "$name" "printed on stderr, expected nothing"
	else
		pass "$name"
		return
	fi
	cat "$tmp/err"
}

# Runs rangectl report [OPTION] on a state folder holding journal $1,
# named after it; the temporary folder's name is taken out of stderr.
run_report() {
	local jsonl=$1 dir
	shift
	dir=$tmp/$(basename "${jsonl%.jsonl}")
	mkdir -p "$dir" && cp "$jsonl" "$dir/journal.jsonl"
	run report "$@" "$dir"
	sed -i "s|$tmp/||g" "$tmp/err"
}

# The run just made must have exited 0, with nothing on stderr, printing
# exactly the file want. Returns 1 after failing the case otherwise.
report_output() {
	local name=$1 want=$2
	if [ "$rc" -ne 0 ] || [ -s "$tmp/err" ]; then
		fail "$name" "exit status $rc, expected 0 and no message"
		cat "$tmp/err"
		return 1
	elif [ ! -f "$want" ]; then
		fail "$name" "no $want (RANGECTL_REGENERATE=1 writes it)"
		return 1
	fi
	same "$want" "$tmp/out" "$name"
}

report_case() {
	local jsonl=$1 name="report $1" base=${1%.jsonl}
	run_report "$jsonl"
	sane "$name" || return
	if [ "${RANGECTL_REGENERATE:-0}" = 1 ]; then
		case $rc in
		0) cp "$tmp/out" "$base.report.txt"; rm -f "$base.err"
		   run_report "$jsonl" --json
		   cp "$tmp/out" "$base.report.json"
		   run_report "$jsonl" --html -
		   cp "$tmp/out" "$base.report.html" ;;
		1) cp "$tmp/err" "$base.err"
		   rm -f "$base.report.txt" "$base.report.json" "$base.report.html" ;;
		*) fail "$name" "exit status $rc"; cat "$tmp/err"; return ;;
		esac
		pass "$name"
	elif [ -f "$base.err" ]; then
		if [ "$rc" -ne 1 ]; then
			fail "$name" "exit status $rc, expected 1"
			cat "$tmp/err"
			return
		fi
		same "$base.err" "$tmp/err" "$name" && pass "$name"
	else
		report_output "$name" "$base.report.txt" || return
		run_report "$jsonl" --json
		sane "$name" || return
		report_output "$name" "$base.report.json" || return
		run_report "$jsonl" --html -
		sane "$name" || return
		report_output "$name" "$base.report.html" && pass "$name"
	fi
}

# The report's command line: a usage error exits 2, a missing state folder
# or a file that cannot be written 1, each with a message.
report_usage_case() {
	local name=$1 want_rc=$2 want_err=$3
	shift 3
	run "$@"
	if [ "$rc" -ne "$want_rc" ]; then
		fail "$name" "exit status $rc, expected $want_rc"
	elif ! grep -qF -- "$want_err" "$tmp/err"; then
		fail "$name" "stderr lacks '$want_err'"
	else
		pass "$name"
		return
	fi
	cat "$tmp/err"
}

# --html FILE writes the page to FILE (through a temporary file beside it,
# gone after), printing nothing; into a missing folder, it fails saying so.
report_html_file_case() {
	local jsonl=$1 name="report --html FILE" dir=$tmp/html-file want=${1%.jsonl}.report.html
	mkdir -p "$dir/state" && cp "$jsonl" "$dir/state/journal.jsonl"
	run report "$dir/state" --html "$dir/report.html"
	sane "$name" || return
	if [ "$rc" -ne 0 ] || [ -s "$tmp/out" ] || [ -s "$tmp/err" ]; then
		fail "$name" "exit status $rc and output, expected 0 and none"
		cat "$tmp/out" "$tmp/err"
	elif [ "$(find "$dir" -maxdepth 1 -name '.rangectl-report-*' | wc -l)" -ne 0 ]; then
		fail "$name" "left a temporary file behind"
	elif [ "$(umask)" = 0022 ] && [ "$(stat -c %a "$dir/report.html")" != 644 ]; then
		fail "$name" "mode $(stat -c %a "$dir/report.html"), expected 644"
	elif same "$want" "$dir/report.html" "$name"; then
		pass "$name"
	fi
	report_usage_case "report --html into a missing folder" 1 \
		"rangectl report: cannot make a temporary file in '$dir/none' for the HTML report '$dir/none/r.html': No such file or directory" \
		report "$dir/state" --html "$dir/none/r.html"
}

# Every command answers --help, -h and help COMMAND alike: exit 0, exactly
# tests/help/COMMAND.txt on stdout, nothing on stderr; rangectl --help and
# -h print tests/help/rangectl.txt. The commands are those of the binary's
# table (help --commands), so a new one needs its file.
help_case() {
	local want=tests/help/$1.txt name="help: rangectl ${*:2}"
	shift
	run "$@"
	[ "${RANGECTL_REGENERATE:-0}" = 1 ] && [ "$rc" -eq 0 ] && cp "$tmp/out" "$want"
	if [ "$rc" -ne 0 ] || [ -s "$tmp/err" ]; then
		fail "$name" "exit status $rc, expected 0 and no message"
		cat "$tmp/err"
	elif [ ! -f "$want" ]; then
		fail "$name" "no $want (RANGECTL_REGENERATE=1 writes it)"
	else
		same "$want" "$tmp/out" "$name" && pass "$name"
	fi
}

# up over three of the test driver's nodes (tests/nodes/), named with
# their underlay addresses in the scenario: each team on a node of its own,
# the shared network on all three, said in --json. Each test:///FILE is a
# fresh hypervisor per process: up creates all, always. With --node alone,
# test:/// URIs give no underlay address, which the shared network needs.
nodes_case() {
	local name="up --json over three nodes" args=() i want yaml=$tmp/spread-nodes.yaml
	{
		cat tests/scenarios/spread.yaml
		echo "nodes:"
		for i in 1 2 3; do
			printf '  - {uri: "test://%s/tests/nodes/node%s.xml", memory: %s, vcpus: 8, underlay: 192.0.2.%s}\n' \
				"$PWD" "$i" "$([ "$i" = 3 ] && echo 1536M || echo 1G)" "$i"
			args+=(--node "test://$PWD/tests/nodes/node$i.xml")
		done
	} >"$yaml"
	run up "$yaml" --json
	sane "$name" || return
	want='{"created":18,"hosts":[3,3,4],"nodes":3}'
	if [ "$rc" -ne 0 ]; then
		fail "$name" "exit status $rc"
		cat "$tmp/err"
	elif [ "$(jq -c '{created, hosts: [.nodes[].hosts], nodes: (.nodes | length)}' "$tmp/out")" != "$want" ]; then
		fail "$name" "expected $want"
		cat "$tmp/out"
	else
		pass "$name"
	fi
	report_usage_case "up --node without underlay addresses" 1 \
		"network 'spread-internet' spans several nodes, and node 'test://$PWD/tests/nodes/node1.xml' has no underlay address for its VXLAN" \
		up tests/scenarios/spread.yaml "${args[@]}"
}

# A scenario is read only from a regular file: a FIFO (which would block
# the reader for good until someone writes to it) or a folder is refused at
# once, by every command that reads one, naming the path.
special_file_case() {
	local kind cmd what name want
	mkfifo "$tmp/fifo.yaml" && mkdir "$tmp/dir.yaml" || {
		fail "scenario that is not a file" "cannot make the FIFO or folder"
		return
	}
	for kind in fifo dir; do
		what="a named pipe (FIFO)"
		[ "$kind" = dir ] && what="a directory"
		want="$kind.yaml: cannot read the scenario: '$kind.yaml' is $what, not a regular file"
		for cmd in validate plan up down status run; do
			name="$cmd of a scenario that is $what"
			if [ "$cmd" = validate ] || [ "$cmd" = plan ]; then
				GOLDEN_TIMEOUT=10 run "$cmd" "$tmp/$kind.yaml"
			else
				GOLDEN_TIMEOUT=10 run "$cmd" "$tmp/$kind.yaml" --connect test:///default
			fi
			sane "$name" || continue
			sed -i "s|$tmp/||g" "$tmp/err"
			if [ "$rc" -ne 1 ]; then
				fail "$name" "exit status $rc, expected 1"
				cat "$tmp/err"
			elif same <(echo "$want") "$tmp/err" "$name"; then
				pass "$name"
			fi
		done
	done
	rm -rf "$tmp/fifo.yaml" "$tmp/dir.yaml"
}

if [ ! -x "$rangectl" ]; then
	fail "$rangectl" "not built"
else
	for yaml in tests/scenarios/*.yaml; do
		[ -e "$yaml" ] && plan_case "$yaml"
	done
	for yaml in scenarios/*.yaml; do
		[ -e "$yaml" ] && validate_case "$yaml"
	done
	help_case rangectl --help
	help_case rangectl -h
	for cmd in $("$rangectl" help --commands); do
		[ "$cmd" = help ] && continue
		help_case "$cmd" "$cmd" --help
		help_case "$cmd" "$cmd" -h
		help_case "$cmd" help "$cmd"
	done
	for jsonl in tests/journals/*.jsonl; do
		[ -e "$jsonl" ] && report_case "$jsonl"
	done
	report_usage_case "report --json --html" 2 "give --json or --html, not both" \
		report --json --html - "$tmp"
	report_usage_case "report --html without a file" 2 "--html needs a file name" \
		report "$tmp" --html ""
	report_html_file_case tests/journals/complete.jsonl
	report_usage_case "report without a folder" 2 "give exactly one state folder" \
		report
	report_usage_case "report of a missing folder" 1 \
		"there is no state folder '$tmp/none'" report "$tmp/none"
	# A range spread over nodes: up, down, status and run work on every
	# node. No case here reaches a node: the scenario's are not this
	# machine's to call.
	for cmd in up down status run; do
		report_usage_case "$cmd of a scenario with nodes and --connect" 1 \
			"'tests/scenarios/nodes.yaml' spreads its range over 2 nodes; --connect names the one libvirt host of a range without nodes: give --node for each node instead" \
			"$cmd" tests/scenarios/nodes.yaml --connect test:///default
		report_usage_case "$cmd with a node given twice" 2 \
			"--node 'test:///default' is given twice: each node is named once" \
			"$cmd" tests/scenarios/spread.yaml --node test:///default --node test:///default
		report_usage_case "$cmd with --connect and --node" 2 \
			"give --connect or --node, not both" \
			"$cmd" tests/scenarios/spread.yaml --connect test:///default --node test:///default
		report_usage_case "$cmd with a node that does not answer" 1 \
			"rangectl $cmd: cannot connect to libvirt at 'test://$tmp/none.xml'" \
			"$cmd" tests/scenarios/spread.yaml --node test:///default --node "test://$tmp/none.xml"
	done
	nodes_case
	special_file_case
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
