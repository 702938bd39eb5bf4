#!/usr/bin/env bash
# The bash completion of rangectl (contrib/bash-completion/rangectl), and
# rangectl(1), against the option tables of the binary.
#
# usage: tests/completion/run.sh BUILD
#
# Sources the completion in this bash and asks it what a TAB would offer
# on a few command lines, in a scratch folder of scenarios and folders,
# with BUILD first in PATH. The completion asks the binary for its commands
# and options (`rangectl help --commands`, `help --options COMMAND`), so
# that they cannot drift apart; this checks that it offers exactly those,
# completes a value after exactly the options that take one (and knows the
# kind of every value the tables name), and asks the rangectl typed on the
# line, not another. Then that docs/rangectl.1 describes every option of
# every command in that command's entry, and no option the table lacks.
set -u
build=${1:?usage: tests/completion/run.sh BUILD}
cd "$(dirname "$0")/../.." || exit 1
src=$PWD
build=$(cd "$build" && pwd) || exit 1
rangectl=$build/rangectl
PATH=$build:$PATH
passed=0 failed=0
ok() { echo "ok $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $1${2:+: $2}"; failed=$((failed + 1)); }

[ -x "$rangectl" ] || { fail "$rangectl" "not built"; echo "$passed passed, $failed failed"; exit 1; }
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
offers "rangectl " validate plan up down status run report verify help
expect "rangectl --ver" --version --verbose
expect "rangectl help r" run report
expect "rangectl run --sp" --speed
offers "rangectl report --" --json --html
expect "rangectl validate --q" --quiet
expect "rangectl validate " demo.yaml coalition.yml state exercises
expect "rangectl plan d" demo.yaml
expect "rangectl validate exercises/" exercises/one.yaml
expect "rangectl report " state exercises
expect "rangectl verify " state exercises
offers "rangectl verify state --" --connect --node --no-live --json
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

# --- the completion asks the binary -------------------------------------

commands=$("$rangectl" help --commands)
expect "rangectl " $commands
# The table's commands are those of the main help, and every one answers --help.
listed=$("$rangectl" --help | sed -n '/^commands:/,/^$/p' | awk 'NF > 1 { print $1 }' | tr '\n' ' ')
[ "$listed" = "$(grep -vx help <<<"$commands" | tr '\n' ' ')" ] &&
	ok "help --commands lists the commands of --help: $listed" ||
	fail "help --commands" "'$(echo $commands)', --help lists '$listed'"
expect "rangectl -" $("$rangectl" help --options | awk '$1 ~ /^--/ { print $1 }')

# Each command: --<TAB> offers exactly its long options; after an option
# that takes a value, the value's completion, not the operand's (and the
# completion knows that value's kind); after one that takes none, the
# operand's again.
for cmd in $commands; do
	[ "$cmd" = help ] && continue
	table=$("$rangectl" help --options "$cmd")
	expect "rangectl $cmd demo.yaml --" $(awk '$1 ~ /^--/ { print $1 }' <<<"$table")
	operand=$(tab "rangectl $cmd demo.yaml " | tr '\n' ' ')
	wrong=()
	while read -r spelling value; do
		after=$(tab "rangectl $cmd demo.yaml $spelling " | tr '\n' ' ')
		if [ -z "$value" ]; then
			[ "$after" = "$operand" ] || wrong+=("$spelling completes '$after', not the operand")
		elif ! _rangectl_value "$spelling" "$value" "" >/dev/null; then
			wrong+=("$spelling $value: a value the completion does not know")
		elif [ "$after" = "$operand" ]; then
			wrong+=("$spelling $value completes the operand")
		fi
	done <<<"$table"
	valued=$(awk '$2 != "" { print $1 }' <<<"$table" | tr '\n' ' ')
	[ ${#wrong[@]} -eq 0 ] && ok "$cmd: a value after ${valued:-no option }and after no other option" ||
		fail "$cmd: values" "$(printf '%s; ' "${wrong[@]}")"
done

# Each synopsis, written by hand as it is the usage line of every usage
# error too, names only options of its command's table.
for cmd in $commands; do
	[ "$cmd" = help ] && continue
	synopsis=$("$rangectl" help "$cmd" | head -n 1)
	table=" $("$rangectl" help --options "$cmd" | awk '{ print $1 }' | tr '\n' ' ') "
	extra=()
	for o in $(grep -oE -- '-(-[a-z]+)+|-[a-zA-Z]' <<<"${synopsis#usage: rangectl }"); do
		[[ $table == *" $o "* ]] || extra+=("$o")
	done
	[ ${#extra[@]} -eq 0 ] && ok "$cmd: its synopsis names only options of its table" ||
		fail "$cmd: its synopsis" "names ${extra[*]}, which its table lacks"
done

# The rangectl typed on the line is the one asked: another in PATH first
# changes nothing for BUILD/rangectl, and is asked for plain rangectl. One
# that cannot be run gets nothing offered, and no error.
fake=$scratch/fake
mkdir -p "$fake"
printf '#!/bin/sh\n[ "$1 $2" = "help --options" ] && echo --fake\nexit 0\n' >"$fake/rangectl"
chmod +x "$fake/rangectl"
PATH=$fake:$PATH expect "$rangectl run --sp" --speed
PATH=$fake:$PATH expect "rangectl run --" --fake
expect "/nonexistent/rangectl ru"

cd "$src" || exit 1

# --- rangectl(1) -----------------------------------------------------------

# The lines of each command's entry in COMMANDS (from ".TP" then
# ".B[I] command" to the next such entry or section) as "COMMAND<TAB>LINE",
# and those of OPTIONS, the global options, as "-<TAB>LINE".
man_entries() {
	awk -v commands=" $(echo $commands) " '
		/^\.SH / { cmd = $2 == "OPTIONS" ? "-" : ""; section = $2 }
		section == "COMMANDS" && prev == ".TP" && depth == 0 &&
		    $1 ~ /^\.BI?$/ && index(commands, " " $2 " ") { cmd = $2 }
		/^\.RS/ { depth++ } /^\.RE/ { depth-- }
		cmd != "" { print cmd "\t" $0 }
		{ prev = $0 }' docs/rangectl.1
}

# man_check NAME SPELLING...: the entry NAME describes every SPELLING, and
# no option as an item (.TP, then .B...) that is not one of them.
man_check() {
	local name=$1 text spelling pattern missing=() extra=() table
	shift
	text=$(awk -F '\t' -v c="$name" '$1 == c { print $2 }' <<<"$entries")
	for spelling in "$@"; do
		# As troff spells it, not inside a longer option: \-\-no\-up, \-q.
		pattern=$(sed 's/-/\\\\-/g' <<<"$spelling")
		grep -Eq "(^|[^-])$pattern([^a-z0-9\\]|$)" <<<"$text" || missing+=("$spelling")
	done
	[ -n "$text" ] && [ ${#missing[@]} -eq 0 ] && ok "rangectl(1) describes every option of $name" ||
		fail "rangectl(1), $name" "its entry lacks ${missing[*]:-everything}"
	table=" $* "
	for spelling in $(awk '/^\.(TP|TQ)$/ { item = 1; next }
		item && /^\.B/ { while (match($0, /\\-(\\-[a-z]+(\\-[a-z]+)*|[a-zA-Z])/)) {
			print substr($0, RSTART, RLENGTH); $0 = substr($0, RSTART + RLENGTH) } }
		{ item = 0 }' <<<"$text" | sed 's/\\-/-/g'); do
		[[ $table == *" $spelling "* ]] || extra+=("$spelling")
	done
	[ ${#extra[@]} -eq 0 ] && ok "rangectl(1) describes no option $name lacks" ||
		fail "rangectl(1), $name" "describes ${extra[*]}, which its table lacks"
}

entries=$(man_entries)
# -h and --help, every command's, are described once, in OPTIONS.
for cmd in $commands; do
	[ "$cmd" = help ] ||
		man_check "$cmd" $("$rangectl" help --options "$cmd" | awk '$1 != "-h" && $1 != "--help" { print $1 }')
done
man_check - $("$rangectl" help --options | awk '{ print $1 }')

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
