#!/usr/bin/env bash
# Installs what the browser tests need, only what is missing: Debian's
# chromium, busybox, curl, iproute2, Node.js and npm (apt-get), and the npm
# packages of web/ (xterm.js, noVNC) and tests/browser/ (playwright-core) with
# `npm ci` (again whenever a package-lock.json is newer than its install).
# Exits 0 when everything is there.
#
# usage: tests/browser/install.sh   (root, from anywhere)
set -u
cd "$(dirname "$0")/../.." || exit 1

missing=()
for p in chromium busybox curl iproute2 nodejs npm; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
# node and npm may come from elsewhere than Debian's packages.
command -v node >/dev/null && missing=("${missing[@]/nodejs/}")
command -v npm >/dev/null && missing=("${missing[@]/npm/}")
read -r -a missing <<<"${missing[*]}"
if [ ${#missing[@]} -gt 0 ]; then
	echo "# installing: ${missing[*]}"
	apt-get update -qq >/dev/null &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			"${missing[@]}" >/dev/null || exit 1
fi
for p in web tests/browser; do
	if [ ! -f "$p/node_modules/.package-lock.json" ] ||
		[ "$p/package-lock.json" -nt "$p/node_modules/.package-lock.json" ]; then
		echo "# npm ci --prefix $p"
		npm ci --prefix "$p" --no-audit --no-fund --loglevel=error >/dev/null || exit 1
	fi
done
[ -x /usr/bin/chromium ] && [ -f web/node_modules/@xterm/xterm/lib/xterm.js ] &&
	[ -f web/node_modules/@novnc/novnc/core/rfb.js ] &&
	[ -d tests/browser/node_modules/playwright-core ]
