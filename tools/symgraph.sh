#!/bin/sh
# tools/symgraph.sh: the architecture's two rules, checked on what the
# compiler made rather than on what the sources say.
#
# usage: tools/symgraph.sh [-a ALLOW] [-v] BUILD | OBJECT.o...
#
# From the object files' defined and undefined symbols (nm), it builds the
# graph of which translation unit uses which (unit = object file name
# without .o: engine_replay.o is "engine_replay"; an edge A -> B when A
# uses a symbol that B defines), and fails
#
#   1. on a cycle between units: any strongly connected group of more than
#      one unit, i.e. A uses B and B, directly or not, uses A. Each edge
#      inside such a group is printed with a shortest cycle through it, as
#      a chain of units with the symbol each one uses of the next;
#   2. on a libvirt symbol (vir[A-Z]..., defined outside the objects given)
#      used by a unit outside the libvirt edge, LIBVIRT_EDGE below.
#
# The edges and units that break a rule today and are tolerated until the
# issue named beside each removes them are listed in ALLOW (default
# tools/symgraph.allow, see the format there). The list can only shrink: an
# edge in a cycle or a libvirt user that it does not name fails, and so
# does a line of it that no longer holds (delete it: the debt is paid).
#
# BUILD means BUILD/orchestrator/*.o (and subfolders'). -v prints the whole
# picture even when all is well: every edge in a cycle with its cycle,
# every unit using libvirt with its symbols, and the counts. Exit 0 when
# both rules hold, 1 when not, 2 on a usage error.
set -eu

# The libvirt edge: the units whose work is talking to libvirt. Moving a
# unit in or out of this list is a design decision; say why in the commit.
LIBVIRT_EDGE="virt cluster provision provision_seed inventory status agent inject console engine_libvirt fairness_live"

here=$(dirname "$0")
allow=$here/symgraph.allow
verbose=0
while getopts a:v opt; do
	case $opt in
	a) allow=$OPTARG ;;
	v) verbose=1 ;;
	*) echo "usage: tools/symgraph.sh [-a ALLOW] [-v] BUILD | OBJECT.o..." >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -eq 1 ] && [ -d "$1" ]; then
	build=$1
	# Split on blanks: make's wildcard cannot build paths with them anyway.
	# shellcheck disable=SC2046
	set -- $(find "$build/orchestrator" -name '*.o' 2>/dev/null | sort)
	if [ $# -eq 0 ]; then
		echo "symgraph: no object files in '$build/orchestrator': build first (make)" >&2
		exit 2
	fi
fi
if [ $# -eq 0 ]; then
	echo "usage: tools/symgraph.sh [-a ALLOW] [-v] BUILD | OBJECT.o..." >&2
	exit 2
fi
if [ ! -r "$allow" ]; then
	echo "symgraph: cannot read the list of tolerated exceptions '$allow'" >&2
	exit 2
fi

# nm -P: "FILE: NAME TYPE [VALUE SIZE]". Uppercase types other than U are
# global definitions; U, and v and w (weak), are uses.
symbols=$(mktemp)
trap 'rm -f "$symbols"' EXIT
if ! nm -P -A "$@" >"$symbols"; then
	echo "symgraph: nm could not read the object files" >&2
	exit 2
fi
LC_ALL=C awk -v allow="$allow" -v edge="$LIBVIRT_EDGE" -v verbose="$verbose" \
    -f "$here/symgraph.awk" "$symbols"
