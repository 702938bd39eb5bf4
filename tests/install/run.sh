#!/usr/bin/env bash
# make install and make uninstall, into a scratch DESTDIR.
#
# usage: tests/install/run.sh BUILD
#
# Builds its own copy (in the scratch folder, so that BUILD, which may be a
# sanitizer build, is never rebuilt with other install paths), installs it
# with PREFIX=/usr under a DESTDIR, and checks: every file in its place with
# its mode and nothing else; the installed rangectl runs, validates the
# installed scenarios and hands libvirt's commands to the installed
# rangectl-virt; its dashboard serves the installed web/ and xterm.js (under
# NoNewPrivileges and MemoryDenyWriteExecute, as the systemd unit runs it);
# the unit passes systemd-analyze verify; the completion loads; make
# uninstall takes every file away and leaves others' alone. Then the same
# for the default PREFIX, /usr/local. BUILD only names the runner's build.
#
# Needs curl (installed if missing) and, for the consoles' files, web/'s
# npm packages (npm ci --prefix web when missing, as make demo does).
set -u
build=${1:?usage: tests/install/run.sh BUILD}
# Run from `make check` or `make asan`, the makes below would inherit that
# make's variables (BUILD, SANITIZE...): these are plain builds of their own.
unset MAKEFLAGS MFLAGS MAKELEVEL
cd "$(dirname "$0")/../.." || exit 1
src=$PWD
tmp=$(mktemp -d /tmp/rangectl-install.XXXXXX)
pid=""
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
passed=0 failed=0
ok() { echo "ok $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $1${2:+: $2}"; failed=$((failed + 1)); }
# check DESCRIPTION CMD...: ok when CMD succeeds, FAIL with its output.
check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$desc"
	else
		fail "$desc"
		[ -n "$out" ] && printf '%s\n' "$out" | tail -n 15 | sed 's/^/#   /'
	fi
}
summary() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

command -v curl >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	--no-install-recommends curl >/dev/null 2>&1 || { apt-get update -qq >/dev/null 2>&1 &&
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends curl >/dev/null 2>&1; }
xterm=web/node_modules/@xterm/xterm
if [ ! -f "$xterm/lib/xterm.js" ]; then
	echo "# npm ci --prefix web (xterm.js, which make install copies)"
	command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends nodejs npm >/dev/null 2>&1
	npm ci --prefix web --no-audit --no-fund --loglevel=error >/dev/null 2>&1
fi
check "web/'s npm packages are there to install" test -f "$xterm/lib/xterm.js"

# --- what install must put where, and with which mode ------------------------

# expected PREFIX: "MODE PATH SOURCE" for every file make install puts.
expected() {
	local p=${1#/} f
	echo "755 $p/bin/rangectl -"
	echo "755 $p/libexec/rangectl/rangectl-virt -"
	for f in docs/*.1; do echo "644 $p/share/man/man1/${f#docs/} $f"; done
	for f in docs/*.5; do echo "644 $p/share/man/man5/${f#docs/} $f"; done
	for f in web/*.html web/*.js web/*.css web/*.svg; do
		echo "644 $p/share/rangectl/$f $f"
	done
	for f in LICENSE css/xterm.css lib/xterm.js; do
		echo "644 $p/share/rangectl/$xterm/$f $xterm/$f"
	done
	for f in scenarios/*.yaml scenarios/schema.json; do
		echo "644 $p/share/rangectl/$f $f"
	done
	echo "644 $p/share/bash-completion/completions/rangectl contrib/bash-completion/rangectl"
	echo "644 $p/lib/systemd/system/rangectl@.service -"
	echo "755 etc/libvirt/hooks/network.d/rangectl contrib/libvirt-hook/rangectl"
}

# files_ok DEST PREFIX: each expected file, its mode, its content.
files_ok() {
	local dest=$1 prefix=$2 mode path from bad=() actual
	while read -r mode path from; do
		if [ ! -f "$dest/$path" ]; then
			bad+=("$path missing")
		elif [ "$(stat -c %a "$dest/$path")" != "$mode" ]; then
			bad+=("$path has mode $(stat -c %a "$dest/$path"), not $mode")
		elif [ "$from" != - ] && ! cmp -s "$from" "$dest/$path"; then
			bad+=("$path differs from $from")
		fi
	done < <(expected "$prefix")
	[ ${#bad[@]} -eq 0 ] && ok "$prefix: every file in its place, with its mode ($(expected "$prefix" | wc -l) files)" ||
		fail "$prefix: files" "$(printf '%s; ' "${bad[@]}")"
	actual=$(cd "$dest" && find . -type f | sed 's|^\./||' | sort)
	extra=$(comm -13 <(expected "$prefix" | awk '{ print $2 }' | sort) <(echo "$actual") |
		grep -v -e '^usr/bin/other$' -e '^usr/share/man/man1/other.1$')
	[ -z "$extra" ] && ok "$prefix: nothing else (of node_modules only what the dashboard serves)" ||
		fail "$prefix: files nobody asked for" "$(echo $extra)"
	bad=$(cd "$dest" && find . -type d ! -perm 755 | sed 's|^\./||' | grep -v '^\.$')
	[ -z "$bad" ] && ok "$prefix: every folder 755" || fail "$prefix: folders not 755" "$(echo $bad)"
}

# A free port on the loopback, for the dashboard: below the kernel's
# ephemeral range, where another program's outgoing connections (a test
# running beside this one) could hold it between this probe and the bind.
free_port() {
	local port low
	read -r low _ </proc/sys/net/ipv4/ip_local_port_range
	for port in $(shuf -i 20000-$((low > 20100 ? low - 1 : 29999)) -n 20); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
	done
	echo 28080
}

# Becomes the installed rangectl, run as the systemd unit would: no new
# privileges, and no memory both writable and executable (the kernel's
# PR_SET_MDWE, Linux 6.3 and later, is what MemoryDenyWriteExecute= sets up).
# It execs, so that $! of `sandboxed ... &` is rangectl's PID.
sandboxed() {
	exec /usr/bin/python3 -c '
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(38, 1, 0, 0, 0)                      # PR_SET_NO_NEW_PRIVS
if libc.prctl(65, 1, 0, 0, 0) != 0:             # PR_SET_MDWE, REFUSE_EXEC_GAIN
    print("# this kernel has no PR_SET_MDWE: without it", file=sys.stderr)
os.execv(sys.argv[1], sys.argv[1:])' "$@"
}

# dashboard_ok DEST PREFIX: the installed rangectl serves the installed web/.
dashboard_ok() {
	local dest=$1 p=${2#/} port web state i url path code exe how file
	web=$dest/$p/share/rangectl/web
	state=$tmp/state-${p//\//-}
	port=$(free_port)
	# Marked, so that only this copy can answer what is asked below.
	echo "<!-- installed under $dest -->" >>"$web/index.html"
	if [ -x /usr/bin/python3 ]; then
		sandboxed "$dest/$p/bin/rangectl" run "$dest/$p/share/rangectl/scenarios/demo.yaml" \
			--connect test:///default --listen "127.0.0.1:$port" --state "$state" \
			--wait --quiet >"$tmp/run.log" 2>&1 &
	else
		"$dest/$p/bin/rangectl" run "$dest/$p/share/rangectl/scenarios/demo.yaml" \
			--connect test:///default --listen "127.0.0.1:$port" --state "$state" \
			--wait --quiet >"$tmp/run.log" 2>&1 &
	fi
	pid=$!
	for ((i = 0; i < 100; i++)); do
		curl -s -o /dev/null "http://127.0.0.1:$port/" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	exe=$(readlink "/proc/$pid/exe")
	[ "$exe" = "$dest/$p/libexec/rangectl/rangectl-virt" ] &&
		ok "$2: rangectl run handed over to the installed ${exe#"$dest"}" ||
		fail "$2: rangectl run's program" "$exe, not the installed rangectl-virt"
	if [ -x /usr/bin/python3 ]; then
		how="no new privileges"
		grep -q PR_SET_MDWE "$tmp/run.log" || how+=", W^X memory refused"
		grep -q '^NoNewPrivs:[[:space:]]*1' "/proc/$pid/status" 2>/dev/null &&
			ok "$2: rangectl run serves with $how" ||
			fail "$2: rangectl run sandboxed" "NoNewPrivs is not 1"
	fi
	for path in / /app.js /style.css /vendor/xterm/lib/xterm.js /vendor/xterm/css/xterm.css; do
		url=http://127.0.0.1:$port$path
		case $path in
		/) file=$web/index.html ;;
		/vendor/xterm/*) file=$web/node_modules/@xterm/xterm/${path#/vendor/xterm/} ;;
		*) file=$web$path ;;
		esac
		if curl -sf -o "$tmp/got" "$url" && cmp -s "$tmp/got" "$file"; then
			ok "$2: the installed dashboard serves $path from ${file#"$dest"}"
		else
			fail "$2: GET $path" "not the installed ${file#"$dest"}"
			sed 's/^/#   /' "$tmp/run.log" | tail -n 10
		fi
	done
	code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/node_modules/@xterm/xterm/package.json")
	[ "$code" = 404 ] && ok "$2: node_modules only through /vendor/xterm/ (404)" ||
		fail "$2: GET /node_modules/..." "answered $code"
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		fail "$2: rangectl run stops on SIGTERM" "still running after 10 s"
		kill -KILL "$pid"
		wait "$pid" 2>/dev/null
	else
		wait "$pid"
		code=$?
		[ "$code" -eq 0 ] && [ -s "$state/journal.jsonl" ] &&
			ok "$2: rangectl run stops on SIGTERM, status 0, its journal kept" ||
			fail "$2: rangectl run on SIGTERM" "exit status $code, journal: $(ls "$state" 2>&1)"
	fi
	pid=""
}

# unit_ok DEST PREFIX: the unit made for PREFIX, verified.
unit_ok() {
	local dest=$1 p=${2#/} unit exec man=yes
	unit=$dest/$p/lib/systemd/system/rangectl@.service
	exec=$(sed -n 's/^ExecStart=//p' "$unit")
	[ "$exec" = "$2/bin/rangectl run /etc/rangectl/%i.yaml --state /var/lib/rangectl/%i \$RANGECTL_OPTS" ] &&
		! grep -q @BINDIR@ "$unit" && ok "$2: the unit runs $2/bin/rangectl" ||
		fail "$2: the unit's ExecStart" "$exec"
	if ! command -v systemd-analyze >/dev/null; then
		echo "# systemd-analyze is not installed: the unit is not verified"
		return
	fi
	# As installed, but its ExecStart in the DESTDIR, where the binary is.
	mkdir -p "$tmp/unit"
	sed "s|^ExecStart=$2/|ExecStart=$dest/$p/|" "$unit" >"$tmp/unit/rangectl@.service"
	command -v man >/dev/null || man=no
	check "$2: systemd-analyze verify rangectl@.service" env MANPATH="$dest/$p/share/man" \
		systemd-analyze verify --man="$man" "$tmp/unit/rangectl@.service"
	cp "$tmp/unit/rangectl@.service" "$tmp/unit/rangectl@test.service"
	if systemd-analyze security --offline=yes "$tmp/unit/rangectl@test.service" >"$tmp/security" 2>&1; then
		check "$2: systemd-analyze security: $(tail -n 1 "$tmp/security" | sed 's/.*: //'), 3.0 at most" \
			systemd-analyze security --offline=yes --threshold=30 "$tmp/unit/rangectl@test.service"
	fi
	rm -rf "$tmp/unit"
}

# install_and_check PREFIX: the whole round for one PREFIX.
install_and_check() {
	local prefix=$1 dest=$tmp/dest${1//\//-} bin args=()
	[ "$prefix" != /usr/local ] && args=(PREFIX="$prefix")
	mkdir -p "$dest/usr/bin" "$dest/usr/share/man/man1"
	echo other >"$dest/usr/bin/other"
	echo other >"$dest/usr/share/man/man1/other.1"
	check "$prefix: make install DESTDIR=... ${args[*]}" \
		make -s -j"$(nproc)" install BUILD="$tmp/build" DESTDIR="$dest" "${args[@]}"
	files_ok "$dest" "$prefix"
	bin=$dest${prefix}/bin/rangectl
	[[ $("$bin" --version 2>&1) == "rangectl "[0-9]* ]] && ok "$prefix: rangectl --version: $("$bin" --version)" ||
		fail "$prefix: rangectl --version" "$("$bin" --version 2>&1)"
	check "$prefix: the installed rangectl validates the installed scenarios" \
		"$bin" validate "$dest$prefix"/share/rangectl/scenarios/*.yaml
	[ -e "$prefix/libexec/rangectl/rangectl-virt" ] &&
		echo "# $prefix/libexec/rangectl/rangectl-virt exists on this machine too"
	check "$prefix: rangectl status runs the installed rangectl-virt (test:///default)" \
		"$bin" status "$dest$prefix/share/rangectl/scenarios/demo.yaml" --connect test:///default
	dashboard_ok "$dest" "$prefix"
	unit_ok "$dest" "$prefix"
	# It asks the rangectl it completes, the installed one first in PATH.
	check "$prefix: the installed completion loads and completes 'rangectl ru' and 'rangectl run --sp'" bash -c '
		PATH=$2:$PATH && . "$1" && COMP_LINE="rangectl ru" COMP_POINT=11 && _rangectl &&
		[ "${COMPREPLY[*]}" = run ] && COMP_LINE="rangectl run --sp" COMP_POINT=17 &&
		_rangectl && [ "${COMPREPLY[*]}" = --speed ]' - \
		"$dest$prefix/share/bash-completion/completions/rangectl" "$dest$prefix/bin"
	check "$prefix: make uninstall DESTDIR=... ${args[*]}" \
		make -s uninstall BUILD="$tmp/build" DESTDIR="$dest" "${args[@]}"
	left=$(cd "$dest" && find . -type f | sed 's|^\./||' | sort | tr '\n' ' ')
	[ "$left" = "usr/bin/other usr/share/man/man1/other.1 " ] &&
		ok "$prefix: uninstall took every file it installed, and only those" ||
		fail "$prefix: after uninstall" "left: $left"
	left=$(cd "$dest" && find . -type d \( -path "*/share/rangectl*" -o -path "*/libexec/rangectl*" \))
	[ -z "$left" ] && ok "$prefix: uninstall took rangectl's own folders" ||
		fail "$prefix: rangectl's folders left" "$(echo $left)"
}

install_and_check /usr
install_and_check /usr/local
summary
