#!/usr/bin/env bash
# The bash completion of rangectl (contrib/bash-completion/rangectl).
#
# usage: tests/completion/run.sh [BUILD]
#
# Sources it in this bash and asks it what a TAB would offer on a few
# command lines, in a scratch folder of scenarios and folders. Then, so that
# the completion and the program cannot drift apart: the commands it offers
# are those of `BUILD/rangectl --help` (main.c's table when no BUILD), the
# options it offers for each command are exactly those of the command's
# getopt table in orchestrator/cmd_*.c, and it knows which of them take a
# value (required_argument, and the short ones of the option string).
set -u
build=${1:-}
cd "$(dirname "$0")/../.." || exit 1
src=$PWD
passed=0 failed=0
ok() { echo "ok $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $1${2:+: $2}"; failed=$((failed + 1)); }

# shellcheck source=../../contrib/bash-completion/rangectl
. contrib/bash-completion/rangectl || { fail "source the completion"; echo "$passed passed, $failed failed"; exit 1; }
complete -p rangectl >/dev/null 2>&1 && ok "complete -F _rangectl rangectl is registered" ||
	fail "complete -F _rangectl rangectl is registered"

# tab LINE: COMPREPLY for LINE with the cursor at its end, one per line,
# sorted; COMP_WORDS as bash makes them (its word breaks, ':' and '=' too).
tab() {
	local line=$1 words
	COMP_LINE=$line
	COMP_POINT=${#line}
	COMP_WORDBREAKS=${COMP_WORDBREAKS:-$' \t\n"\'><=;|&(:'}
	read -ra words <<<"$line"
	[[ $line == *" " ]] && words+=("")
	COMP_WORDS=("${words[@]}")
	COMP_CWORD=$((${#words[@]} - 1))
	COMPREPLY=()
	_rangectl rangectl "${words[COMP_CWORD]}" "${words[COMP_CWORD - 1]:-}"
	printf '%s\n' "${COMPREPLY[@]}" | sort
}

# expect LINE WORD...: TAB on LINE offers exactly the WORDs.
expect() {
	local line=$1 got want
	shift
	got=$(tab "$line" | tr '\n' ' ')
	want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
	[ "$got" = "$want" ] && ok "'$line<TAB>' offers: $want" ||
		fail "'$line<TAB>'" "offers '$got', expected '$want'"
}

# offers LINE WORD...: TAB on LINE offers at least the WORDs.
offers() {
	local line=$1 got w missing=()
	shift
	got=" $(tab "$line" | tr '\n' ' ') "
	for w in "$@"; do
		[[ $got == *" $w "* ]] || missing+=("$w")
	done
	[ ${#missing[@]} -eq 0 ] && ok "'$line<TAB>' offers $*" ||
		fail "'$line<TAB>'" "lacks ${missing[*]} in '$got'"
}

# In a scratch folder: scenarios, another file, folders.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd "$scratch" || exit 1
mkdir -p state/demo exercises
touch demo.yaml coalition.yml notes.txt exercises/one.yaml

expect "rangectl ru" run
expect "rangectl re" report
expect "rangectl -v pl" plan
offers "rangectl " validate plan up down status run report help
expect "rangectl --ver" --version --verbose
expect "rangectl help r" run report
expect "rangectl run --sp" --speed
offers "rangectl report --" --json --html
expect "rangectl validate --q" --quiet
expect "rangectl validate " demo.yaml coalition.yml state exercises
expect "rangectl plan d" demo.yaml
expect "rangectl validate exercises/" exercises/one.yaml
expect "rangectl report " state exercises
expect "rangectl run demo.yaml --state " state exercises
expect "rangectl run demo.yaml --state=st" state
expect "rangectl run demo.yaml -s st" state
expect "rangectl run demo.yaml --speed " 1 10 30 60 300
offers "rangectl run demo.yaml --listen " 127.0.0.1:8080 off
offers "rangectl up demo.yaml --connect " qemu:///system test:///default
# bash breaks words at ':', so the offer is what follows "qemu:".
expect "rangectl up demo.yaml --connect qemu:///s" ///system ///session
expect "rangectl down demo.yaml -c test" test:///default
expect "rangectl run demo.yaml --tls-cert no" notes.txt
expect "rangectl report state --html no" notes.txt
cd "$src" || exit 1

# --- no drift ---------------------------------------------------------------

# The commands: rangectl --help's list, else main.c's table.
if [ -n "$build" ] && [ -x "$build/rangectl" ]; then
	commands=$("$build/rangectl" --help | sed -n '/^commands:/,/^$/p' | awk 'NF > 1 { print $1 }')
	from="$build/rangectl --help"
else
	commands=$(sed -n '/^static const struct cmd commands/,/^};/p' orchestrator/main.c |
		sed -n 's/^\t{ "\([a-z-]*\)",.*/\1/p')
	from="orchestrator/main.c"
fi
got=$(printf '%s\n' $_rangectl_commands | grep -vx help | sort | tr '\n' ' ')
want=$(printf '%s\n' $commands | sort | tr '\n' ' ')
[ -n "$want" ] && [ "$got" = "$want" ] && ok "the commands are those of $from: $want" ||
	fail "the commands" "the completion has '$got', $from '$want'"

all_valued=""
# Each cmd_*.c with a getopt table: its long options, which take a value,
# and the short options of its option string that take one ("c:s:qh").
for f in orchestrator/cmd_*.c; do
	grep -q 'struct option' "$f" || continue
	cmd=${f#orchestrator/cmd_}
	cmd=${cmd%.c}
	table=$(sed -n '/struct option/,/{ NULL, 0, NULL, 0 }/p' "$f")
	long=$(sed -n 's/^[[:space:]]*{ "\([a-z0-9-]*\)", \([a-z_]*\)_argument.*/--\1 \2/p' <<<"$table")
	want=$(awk '{ print $1 }' <<<"$long" | sort | tr '\n' ' ')
	got=$(printf '%s\n' $(_rangectl_options "$cmd") | sort | tr '\n' ' ')
	[ -n "$want" ] && [ "$got" = "$want" ] && ok "$cmd: the options of $f's getopt table" ||
		fail "$cmd: the options of $f's getopt table" "the completion has '$got', $f '$want'"
	valued=$(awk '$2 != "no" { print $1 }' <<<"$long")
	optstring=$(sed -n 's/.*getopt_long([^,]*, [^,]*, "\([^"]*\)".*/\1/p' "$f")
	for ((i = 0; i < ${#optstring}; i++)); do
		[ "${optstring:i+1:1}" = ":" ] && valued+=$'\n'"-${optstring:i:1}"
	done
	missing=()
	for o in $valued; do
		[[ " $_rangectl_with_value " == *" $o "* ]] || missing+=("$o")
	done
	[ ${#missing[@]} -eq 0 ] && ok "$cmd: the completion knows which options take a value:" \
		"$(echo ${valued:-none})" ||
		fail "$cmd: options that take a value" "the completion misses ${missing[*]}"
	all_valued+=" $valued"
done
# And it completes a value after no option that takes none.
extra=()
for o in $_rangectl_with_value; do
	[[ " $(echo $all_valued) " == *" $o "* ]] || extra+=("$o")
done
[ ${#extra[@]} -eq 0 ] && ok "every option the completion gives a value takes one" ||
	fail "options the completion gives a value" "${extra[*]} take none"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
