#!/bin/sh
# Fails on calls to C functions that invite overflows, lose errors or are
# not reentrant, in the spirit of curl's checksrc. Use snprintf, xstrdup,
# strbuf, strtol and friends instead.
#
# usage: tools/banned.sh [DIR|FILE...]   (default: the project's C sources)
set -eu
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- orchestrator include tests/unit tests/fuzz

banned='sprintf|vsprintf|strcpy|strcat|strncpy|strncat|atoi|atol|atof|strtok|gets|tmpnam|mktemp|alloca'

files=$(find "$@" -type f \( -name '*.c' -o -name '*.h' \) 2>/dev/null | sort)
[ -n "$files" ] || exit 0

# Comments and string literals are blanked (newlines kept, so line numbers
# hold) before matching, so prose may name the functions it avoids.
# shellcheck disable=SC2086
BANNED="$banned" perl -0777 -ne '
	s{(/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|\x27(?:\\.|[^\x27\\\n])*\x27)}
	 {(my $m = $1) =~ s/[^\n]/ /g; $m}gse;
	while (/\b($ENV{BANNED})\s*\(/g) {
		my $line = 1 + (substr($_, 0, $-[0]) =~ tr/\n//);
		print "$ARGV:$line: banned function \x27$1\x27\n";
		$bad = 1;
	}
	END { exit($bad ? 1 : 0) }
' $files
