#!/usr/bin/env bash
# The architecture's rules on a build: tools/symgraph.sh passes on its
# objects and fails on a cycle or a libvirt user added to them, and the
# binary without libvirt does not load it.
#
# usage: tests/arch/run.sh BUILD
#
# The failures are made, not imagined: small objects compiled here, and a
# copy of the build's objects in which one object is relinked (ld -r) with
# a small one that calls back up or calls libvirt.
set -u
build=${1:?usage: tests/arch/run.sh BUILD}
cd "$(dirname "$0")/../.." || exit 1
cc=${CC:-cc}
check=tools/symgraph.sh
allow=tools/symgraph.allow
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

pass() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }

# Runs the check with ARGS..., leaving $tmp/out (both streams) and $rc.
run_check() {
	"$check" "$@" >"$tmp/out" 2>&1
	rc=$?
}

# Passes NAME when the last run exited WANT_RC and printed the line LINE.
expect() {
	local name=$1 want_rc=$2 line=$3
	if [ "$rc" -ne "$want_rc" ]; then
		fail "$name" "exit status $rc, expected $want_rc"
	elif ! grep -qxF -- "$line" "$tmp/out"; then
		fail "$name" "no line '$line'"
	else
		pass "$name"
		return
	fi
	cat "$tmp/out"
}

# Compiles C text $2 into $tmp/$1.o.
object() {
	printf '%s\n' "$2" >"$tmp/$1.c" && "$cc" -c -o "$tmp/$1.o" "$tmp/$1.c"
}

# A copy of the build's objects in $tmp/objs, where UNIT.o also holds the
# call of the small object $2.o.
objects_with() {
	local unit=$1 extra=$2
	rm -rf "$tmp/objs" && mkdir "$tmp/objs" &&
		cp "$build"/orchestrator/*.o "$tmp/objs/" &&
		ld -r -o "$tmp/objs/$unit.o" "$build/orchestrator/$unit.o" "$tmp/$extra.o"
}

# Prints the line exactly as the check words it, from its parts.
summary() {
	printf 'symgraph: %s units, %s edges; %s group(s) of units in cycles, %s edges inside them (%s tolerated), %s elementary cycles; libvirt used by %s units, %s outside the edge (%s tolerated)\n' "$@"
}

empty=$tmp/empty.allow
echo "# nothing tolerated" >"$empty"

if ! ls "$build"/orchestrator/*.o >/dev/null 2>&1; then
	fail "$build/orchestrator/*.o" "not built"
else
	# 1. The real build passes, with what it tolerates listed.
	run_check "$build"
	expect "the build's objects pass the symbol-graph check" 0 "symgraph: OK"

	# 2. Two units that call each other: the cycle, each edge with the
	# symbol behind it, and nothing else.
	object alpha 'void beta_run(void); void alpha_run(void); void alpha_run(void) { beta_run(); }'
	object beta 'void alpha_run(void); void beta_run(void); void beta_run(void) { alpha_run(); }'
	run_check -a "$empty" "$tmp/alpha.o" "$tmp/beta.o"
	{
		echo "FAIL cycle alpha -> beta, not in $empty: alpha -[beta_run]-> beta -[alpha_run]-> alpha"
		echo "FAIL cycle beta -> alpha, not in $empty: beta -[alpha_run]-> alpha -[beta_run]-> beta"
		summary 2 2 1 2 0 1 0 0 0
		echo "symgraph: 2 problem(s): a new cycle or libvirt user is a design change; remove it, or (with the issue that will) add it to $empty"
	} >"$tmp/want"
	if [ "$rc" -ne 1 ]; then
		fail "two units calling each other fail" "exit status $rc, expected 1"
		cat "$tmp/out"
	elif diff -u --label expected --label actual "$tmp/want" "$tmp/out"; then
		pass "two units calling each other fail, printed as a chain with its symbols"
	else
		fail "two units calling each other fail" "output differs"
	fi
	# One way only, it passes: the check is not failing everything.
	object gamma 'void beta_run(void); void gamma_run(void); void gamma_run(void) { beta_run(); }'
	object beta 'void beta_run(void); void beta_run(void) { }'
	run_check -a "$empty" "$tmp/gamma.o" "$tmp/beta.o"
	expect "a call one way passes" 0 "symgraph: OK"

	# 3. A back-call added to the real build: ynode.c calling up into
	# scenario.c, which uses ynode.c.
	object backcall 'void scenario_free(void); void ynode_backcall(void); void ynode_backcall(void) { scenario_free(); }'
	if objects_with ynode backcall; then
		run_check "$tmp/objs"/*.o
		if [ "$rc" -eq 1 ] && grep -q '^FAIL cycle ynode -> scenario, not in tools/symgraph.allow: ynode -\[scenario_free\]-> scenario -\[ynode_[a-z_]*\]-> ynode$' "$tmp/out"; then
			pass "a back-call from ynode to scenario in the build's objects fails"
		else
			fail "a back-call from ynode to scenario" "exit status $rc, or no FAIL line for it"
			cat "$tmp/out"
		fi
	else
		fail "a back-call from ynode to scenario" "cannot relink ynode.o"
	fi

	# The engine's files call one way (engine_impl.h): its bottom,
	# engine_state.c, calling its top, engine.c, fails too.
	object engineback 'void engine_free(void *); void engine_state_backcall(void); void engine_state_backcall(void) { engine_free(0); }'
	if objects_with engine_state engineback; then
		run_check "$tmp/objs"/*.o
		if [ "$rc" -eq 1 ] && grep -q '^FAIL cycle engine_state -> engine, not in tools/symgraph.allow: engine_state -\[engine_free\]-> engine -\[engine_[a-z_]*\]-> engine_state$' "$tmp/out"; then
			pass "a back-call from engine_state to engine in the build's objects fails"
		else
			fail "a back-call from engine_state to engine" "exit status $rc, or no FAIL line for it"
			cat "$tmp/out"
		fi
	else
		fail "a back-call from engine_state to engine" "cannot relink engine_state.o"
	fi

	# 4. libvirt outside the edge fails, and names the symbol; at the edge
	# it passes.
	object virtcall 'void *virConnectOpen(const char *); void api_virtcall(void); void api_virtcall(void) { virConnectOpen("test:///default"); }'
	if objects_with api virtcall; then
		run_check "$tmp/objs"/*.o
		# The edge as the check names it (moving a unit across is its line).
		edge=$(sed -n 's/^LIBVIRT_EDGE="\(.*\)"$/\1/p' "$check")
		expect "virConnectOpen in api.o (outside the libvirt edge) fails" 1 \
			"FAIL libvirt used by api, outside the edge ($edge) and not in tools/symgraph.allow: virConnectOpen"
	else
		fail "virConnectOpen in api.o" "cannot relink api.o"
	fi
	cp "$tmp/virtcall.o" "$tmp/virt.o"
	run_check -a "$empty" "$tmp/virt.o"
	expect "virConnectOpen in virt.o (the edge) passes" 0 "symgraph: OK"

	# 5. The list only shrinks: a line that no longer holds fails, and a
	# line must say which issue removes it.
	cp "$allow" "$tmp/stale.allow"
	printf 'cycle cidr units\tissue 11: a cycle that is not there\nlibvirt cidr\tissue 11: neither\n' >>"$tmp/stale.allow"
	run_check -a "$tmp/stale.allow" "$build"
	n=$(wc -l <"$tmp/stale.allow")
	expect "a tolerated cycle that is gone fails" 1 \
		"FAIL $tmp/stale.allow:$((n - 1)): 'cycle cidr units	issue 11: a cycle that is not there' is no longer an edge in a cycle: delete the line"
	expect "a tolerated libvirt user that is gone fails" 1 \
		"FAIL $tmp/stale.allow:$n: 'libvirt cidr	issue 11: neither' no longer holds (the unit uses no libvirt symbol): delete the line"
	printf 'cycle alpha beta\tsomeday\n' >"$tmp/noissue.allow"
	run_check -a "$tmp/noissue.allow" "$tmp/alpha.o"
	expect "a tolerated line without its issue is refused" 2 \
		"symgraph: $tmp/noissue.allow:1: 'cycle alpha beta	someday' does not say which issue removes it ('issue N')"

	# 6. schema.c decodes any mapping and needs nothing of the scenario's
	# (struct strlist has a header of its own); rules.c does, which shows
	# the test would see it.
	if [ ! -f "$build/orchestrator/schema.d" ] || [ ! -f "$build/orchestrator/rules.d" ]; then
		fail "schema.c does without scenario.h" "no schema.d or rules.d in $build"
	elif grep -q 'rangectl/scenario\.h' "$build/orchestrator/schema.d"; then
		fail "schema.c does without scenario.h" "$build/orchestrator/schema.d names it"
	elif ! grep -q 'rangectl/scenario\.h' "$build/orchestrator/rules.d"; then
		fail "schema.c does without scenario.h" "rules.d does not name scenario.h: is the test blind?"
	else
		pass "schema.c does without scenario.h (its dependencies, from the compiler)"
	fi
fi

# 7. The HTTP side (api.c, http.c, http_path.c, view.c), round.c and the
# engine but its edge do not even include libvirt.h: no libvirt type in
# api.h, http.h, view.h, engine.h, engine_impl.h, console.h, round.h,
# agent.h or inject.h (the console is opened by engine_console, the
# connections are engine_libvirt.c's). engine_libvirt.c does, which shows
# the test would see it. The headers as the compiler finds them (cc -M),
# system ones included.
if cflags=$(pkg-config --cflags libvirt libmicrohttpd jansson yaml-0.1 gnutls libcurl libcares 2>/dev/null); then
	deps() {
		# shellcheck disable=SC2086
		"$cc" -std=c17 -D_GNU_SOURCE -Iinclude $cflags -M "orchestrator/$1.c"
	}
	if ! deps engine_libvirt 2>/dev/null | grep -q 'libvirt/libvirt\.h'; then
		fail "the HTTP side does without libvirt.h" "engine_libvirt.c does not include it either: is the test blind?"
	else
		for unit in api http http_path view round engine engine_state \
		    engine_checkpoint engine_work engine_replay engine_command; do
			if ! deps "$unit" >"$tmp/deps" 2>&1; then
				fail "$unit.c does without libvirt.h" "cc -M failed: $(head -n 1 "$tmp/deps")"
			elif grep -q 'libvirt/libvirt\.h' "$tmp/deps"; then
				fail "$unit.c does without libvirt.h" "cc -M names libvirt/libvirt.h"
			else
				pass "$unit.c does without libvirt.h (cc -M)"
			fi
		done
	fi
else
	fail "the HTTP side does without libvirt.h" "pkg-config knows not the libraries' flags"
fi

# 8. rangectl, the binary without libvirt, does not load it, directly
# (NEEDED) or through another library; rangectl-virt does, which shows the
# test would see it.
if [ ! -x "$build/rangectl" ] || [ ! -x "$build/rangectl-virt" ]; then
	fail "$build/rangectl" "not built"
else
	if readelf -d "$build/rangectl" | grep NEEDED | grep -q libvirt; then
		fail "rangectl needs no libvirt" "$(readelf -d "$build/rangectl" | grep NEEDED | grep libvirt)"
	elif ldd "$build/rangectl" | grep -q libvirt; then
		fail "rangectl loads no libvirt" "$(ldd "$build/rangectl" | grep libvirt)"
	else
		pass "rangectl needs no libvirt (readelf -d, ldd)"
	fi
	if readelf -d "$build/rangectl-virt" | grep NEEDED | grep -q 'libvirt\.so'; then
		pass "rangectl-virt needs libvirt (the test above can see it)"
	else
		fail "rangectl-virt needs libvirt" "readelf -d shows no libvirt.so"
	fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
