#!/usr/bin/env bash
# The Debian package, from a clean copy of the tree to its purge.
#
# usage: tests/package/run.sh [BUILD]
#
# Copies the tree as git knows it (tracked and new files, no build
# folders) with web/node_modules (npm ci --prefix web when missing, as
# tests/install does), builds it with dpkg-buildpackage -us -uc -b
# (DEB_BUILD_OPTIONS=parallel=2 nocheck: it compiles once; the unit and
# golden tests it would run are tests/run's own), runs lintian (any E: or
# W: fails), installs the package with apt-get install ./rangectl_*.deb,
# runs debian/tests/* against the installed files, installs it again over
# itself (an upgrade's maintainer scripts: the state and the scenarios
# stay), removes it (they stay), purges it and checks that nothing is
# left: none of its files, not the user rangectl, not /etc/rangectl nor
# /var/lib/rangectl. The package's dependencies (libvirt, QEMU) stay
# installed: the e2e tests use them too.
#
# Root only (it installs). No service starts: a policy-rc.d answering 101
# stands during each apt-get and dpkg run (as in tests/e2e), so that
# libvirt-daemon-system's maintainer scripts start no host-wide libvirtd;
# a host-wide libvirt daemon that appears all the same is a failure (and is
# left alone). One run at a time (a lock), as it installs system-wide.
# BUILD only names the runner's build; this one builds in its own folder.
set -u
cd "$(dirname "$0")/../.." || exit 1
src=$PWD
passed=0 failed=0
ok() { echo "ok $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $1${2:+: $2}"; failed=$((failed + 1)); }
summary() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}
if [ "$(id -u)" -ne 0 ]; then
	echo "# needs root: it installs the package"
	summary
fi

exec 9>/run/lock/rangectl-package-test.lock
flock -w 600 9 || { fail "lock" "another tests/package/run.sh holds /run/lock/rangectl-package-test.lock"; summary; }

tmp=$(mktemp -d /tmp/rangectl-package.XXXXXX)
policy=/usr/sbin/policy-rc.d
policy_saved=""
installed=0
cleanup() {
	if [ "$installed" = 1 ]; then
		echo "# purging the package after a failure"
		forbid_starts
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -q rangectl >/dev/null 2>&1
		allow_starts
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
export DEBIAN_FRONTEND=noninteractive
APT=(apt-get -y -q -o DPkg::Lock::Timeout=300)

# forbid_starts / allow_starts: a policy-rc.d that answers 101 ("action
# forbidden") to invoke-rc.d and deb-systemd-invoke; an existing one is
# saved and put back.
forbid_starts() {
	if [ -e "$policy" ]; then
		policy_saved=$tmp/policy-rc.d.saved
		cp -p "$policy" "$policy_saved"
	fi
	printf '#!/bin/sh\n# rangectl tests/package: no service starts during install\nexit 101\n' >"$policy"
	chmod 755 "$policy"
}
allow_starts() {
	if [ -n "$policy_saved" ]; then
		mv "$policy_saved" "$policy"
		policy_saved=""
	else
		rm -f "$policy"
	fi
}

policy_state() { if [ -e "$policy" ]; then stat -c '%a' "$policy"; md5sum <"$policy"; else echo none; fi; }
policy_before=$(policy_state)

# The host-wide libvirt daemons: those in this network namespace (the e2e
# tests' daemons live in namespaces of their own).
daemon_pids() {
	local n pid self
	self=$(readlink /proc/self/ns/net)
	for n in libvirtd virtlogd virtlockd virtqemud virtnetworkd; do
		for pid in $(pgrep -x "$n"); do
			[ "$(readlink "/proc/$pid/ns/net" 2>/dev/null)" = "$self" ] && echo "$pid"
		done
	done | sort
}

# apt_run LOG ARGS...: apt-get ARGS with starts forbidden; its log kept.
apt_run() {
	local log=$1 rc=0
	shift
	forbid_starts
	"${APT[@]}" "$@" >"$log" 2>&1 || rc=$?
	allow_starts
	[ "$rc" -eq 0 ] || tail -n 20 "$log" | sed 's/^/#   /'
	return "$rc"
}

# --- the tools -----------------------------------------------------------
need=()
for p in debhelper dpkg-dev fakeroot lintian jq busybox iproute2 util-linux; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	echo "# installing ${need[*]}"
	apt_run "$tmp/apt-tools.log" install --no-install-recommends "${need[@]}" ||
		{ "${APT[@]}" update >/dev/null 2>&1 &&
			apt_run "$tmp/apt-tools.log" install --no-install-recommends "${need[@]}"; } ||
		{ fail "apt-get install ${need[*]}"; summary; }
fi
if dpkg-query -W -f='${Status}' rangectl 2>/dev/null | grep -q 'ok installed\|config-files'; then
	fail "rangectl is installed already" "this test installs and purges it: dpkg --purge rangectl first"
	summary
fi
if getent passwd rangectl >/dev/null; then
	fail "a user rangectl exists already" "this test checks that the purge deletes it"
	summary
fi

# --- a clean copy, with web/'s npm packages ----------------------------------
xterm=web/node_modules/@xterm/xterm
novnc=web/node_modules/@novnc/novnc
if [ ! -f "$xterm/lib/xterm.js" ] || [ ! -d "$novnc" ]; then
	echo "# npm ci --prefix web (xterm.js and noVNC, which the package installs)"
	command -v npm >/dev/null || "${APT[@]}" install --no-install-recommends nodejs npm >/dev/null 2>&1
	npm ci --prefix web --no-audit --no-fund --loglevel=error >/dev/null 2>&1
fi
mkdir -p "$tmp/src"
if git rev-parse --git-dir >/dev/null 2>&1; then
	git ls-files -z -c -o --exclude-standard | grep -zv -e '^build[^/]*/' |
		tar -cf - --null -T - | tar -xf - -C "$tmp/src"
else
	tar -cf - --exclude='./build*' --exclude=./.git --exclude=./web/node_modules . |
		tar -xf - -C "$tmp/src"
fi
for dep in "$xterm" "$novnc"; do
	[ -d "$dep" ] && mkdir -p "$tmp/src/${dep%/*}" && cp -a "$dep" "$tmp/src/$dep"
done
if [ -f "$tmp/src/debian/control" ] && [ -f "$tmp/src/$xterm/lib/xterm.js" ] &&
	[ -d "$tmp/src/$novnc" ] &&
	[ -z "$(find "$tmp/src" -maxdepth 1 -name 'build*')" ]; then
	ok "a clean copy of the tree, with $xterm and $novnc"
else
	fail "the clean copy" "$(ls "$tmp/src" | tr '\n' ' ')"
fi

# --- build ---------------------------------------------------------------
missing=$(cd "$tmp/src" && dpkg-checkbuilddeps 2>&1 | sed -n 's/.*Unmet build dependencies: //p')
if [ -n "$missing" ]; then
	echo "# installing the Build-Depends: $missing"
	# shellcheck disable=SC2046 # a list of names, their versions ( ) taken out
	apt_run "$tmp/apt-bdeps.log" install --no-install-recommends $(echo "$missing" | sed 's/([^)]*)//g') ||
		fail "apt-get install $missing"
fi
start=$SECONDS
if (cd "$tmp/src" && DEB_BUILD_OPTIONS="parallel=2 nocheck" dpkg-buildpackage -us -uc -b) \
	>"$tmp/build.log" 2>&1; then
	ok "dpkg-buildpackage -us -uc -b ($((SECONDS - start)) s)"
else
	fail "dpkg-buildpackage -us -uc -b" "log:"
	tail -n 30 "$tmp/build.log" | sed 's/^/#   /'
	summary
fi
deb=$(ls "$tmp"/rangectl_*.deb 2>/dev/null | head -n 1)
changes=$(ls "$tmp"/rangectl_*.changes 2>/dev/null | head -n 1)
[ -n "$deb" ] && [ -n "$changes" ] || { fail "the build made no rangectl_*.deb"; summary; }

# --- lintian -------------------------------------------------------------
echo "# lintian $(basename "$changes")"
lintian --display-info "$changes" 2>&1 | grep -v 'running with root privileges' |
	tee "$tmp/lintian" | sed 's/^/#   /'
bad=$(grep -E '^[EW]: ' "$tmp/lintian")
[ -z "$bad" ] && ok "lintian: no error, no warning" || fail "lintian" "$bad"

# --- install --------------------------------------------------------------
before=$(daemon_pids)
install_args=(install --no-install-recommends "$deb")
# libvirt-daemon-system wants -systemd or -sysv; without systemd as PID 1,
# the sysv one fits and does not pull in systemd-sysv (as in tests/e2e).
if [ ! -d /run/systemd/system ] &&
	! dpkg-query -W -f='${Status}' libvirt-daemon-system-systemd 2>/dev/null | grep -q 'ok installed'; then
	install_args+=(libvirt-daemon-system-sysv)
fi
installed=1
start=$SECONDS
if apt_run "$tmp/apt-install.log" "${install_args[@]}" ||
	{ "${APT[@]}" update >/dev/null 2>&1 && apt_run "$tmp/apt-install.log" "${install_args[@]}"; }; then
	ok "apt-get install ./$(basename "$deb") ($((SECONDS - start)) s)"
else
	fail "apt-get install ./$(basename "$deb")"
	summary
fi
dpkg -L rangectl | sort >"$tmp/files"
new=$(comm -13 <(echo "$before") <(daemon_pids) | tr '\n' ' ')
[ -z "$new" ] && ok "no host-wide libvirt daemon started" ||
	fail "host-wide libvirt daemons appeared" "PIDs $new (left alone)"
for f in /usr/bin/rangectl /usr/libexec/rangectl/rangectl-virt \
	/usr/share/rangectl/web/index.html /usr/share/rangectl/$xterm/lib/xterm.js \
	/etc/libvirt/hooks/network.d/rangectl /usr/share/bash-completion/completions/rangectl; do
	[ -e "$f" ] || fail "installed: $f" "missing"
done
[[ $(rangectl --version 2>&1) == "rangectl "[0-9]* ]] && ok "installed: $(rangectl --version)" ||
	fail "rangectl --version" "$(rangectl --version 2>&1)"

# --- the autopkgtests, run directly (the runner needs a VM) --------------
for t in scenarios rehearsal service; do
	mkdir -p "$tmp/autopkgtest-$t"
	# RANGECTL_PKGTEST_DIRECT=1: the unit's command line as the unit runs
	# it, never systemctl start (whose Wants= would start a host-wide libvirtd).
	if RANGECTL_PKGTEST_DIRECT=1 AUTOPKGTEST_TMP=$tmp/autopkgtest-$t timeout 300 "$src/debian/tests/$t" \
		>"$tmp/$t.log" 2>&1; then
		sed 's/^/#   /' "$tmp/$t.log"
		ok "debian/tests/$t"
	else
		sed 's/^/#   /' "$tmp/$t.log" | tail -n 30
		fail "debian/tests/$t"
	fi
done

# --- upgrade (the same version over itself) and remove keep the state ----
mkdir -p /var/lib/rangectl/keep
echo kept >/var/lib/rangectl/keep/journal.jsonl
cp /usr/share/rangectl/scenarios/demo.yaml /etc/rangectl/keep.yaml
modes() { stat -c '%n %U:%G %a' /etc/rangectl /var/lib/rangectl; }
modes_before=$(modes)
if apt_run "$tmp/apt-reinstall.log" install --reinstall --no-install-recommends "$deb"; then
	[ -f /var/lib/rangectl/keep/journal.jsonl ] && [ -f /etc/rangectl/keep.yaml ] &&
		[ "$(modes)" = "$modes_before" ] && getent passwd rangectl >/dev/null &&
		ok "an upgrade keeps the state, the scenarios, their folders' owner and mode, the user" ||
		fail "after an upgrade" "$(modes; ls -R /var/lib/rangectl /etc/rangectl)"
else
	fail "apt-get install --reinstall ./$(basename "$deb")"
fi
if apt_run "$tmp/apt-remove.log" remove rangectl; then
	[ ! -e /usr/bin/rangectl ] && [ -f /var/lib/rangectl/keep/journal.jsonl ] &&
		[ -f /etc/rangectl/keep.yaml ] && getent passwd rangectl >/dev/null &&
		ok "remove takes the programs and keeps the state, the scenarios and the user" ||
		fail "after remove" "$(ls -d /usr/bin/rangectl /var/lib/rangectl/keep /etc/rangectl/keep.yaml 2>&1)"
else
	fail "apt-get remove rangectl"
fi

# --- purge leaves nothing --------------------------------------------------
if apt_run "$tmp/apt-purge.log" purge rangectl; then
	installed=0
	ok "apt-get purge rangectl"
else
	fail "apt-get purge rangectl"
fi
left=()
while read -r f; do
	# Folders shared with other packages (/usr/share/man...) stay; files,
	# links and rangectl's own folders must go.
	if [ -d "$f" ]; then
		case $f in */rangectl | */rangectl/*) [ -e "$f" ] && left+=("$f") ;; esac
	elif [ -e "$f" ] || [ -L "$f" ]; then
		left+=("$f")
	fi
done <"$tmp/files"
[ ${#left[@]} -eq 0 ] && ok "purge: none of the package's $(wc -l <"$tmp/files") paths is left" ||
	fail "purge left" "${left[*]}"
dpkg-query -W -f='${Status}' rangectl 2>/dev/null | grep -q 'installed\|config-files' &&
	fail "purge" "dpkg still knows rangectl: $(dpkg-query -W -f='${Status}' rangectl)"
getent passwd rangectl >/dev/null && fail "purge left the user rangectl" "$(getent passwd rangectl)"
getent group rangectl >/dev/null && fail "purge left the group rangectl" "$(getent group rangectl)"
getent group | grep -E '[:,]rangectl(,|$)' && fail "purge left rangectl in a group"
for d in /etc/rangectl /var/lib/rangectl; do
	[ -e "$d" ] && fail "purge left $d"
done
getent passwd rangectl >/dev/null || [ -e /etc/rangectl ] || [ -e /var/lib/rangectl ] ||
	ok "purge: no user or group rangectl, no /etc/rangectl, no /var/lib/rangectl"
[ "$(policy_state)" = "$policy_before" ] && ok "policy-rc.d is as it was" ||
	fail "policy-rc.d" "not as it was: $(policy_state)"
summary
