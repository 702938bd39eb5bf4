#!/bin/sh
# Makes sure the libraries rangectl builds against are there. As root it
# installs the missing Debian packages; otherwise it names them and fails,
# rather than letting the compiler fail later with a less helpful message.
# Quiet and apt-free when nothing is missing, since every build runs it.
set -eu

# pkg-config module and the Debian package that provides it
modules="libvirt:libvirt-dev libvirt-qemu:libvirt-dev
libmicrohttpd:libmicrohttpd-dev jansson:libjansson-dev yaml-0.1:libyaml-dev
gnutls:libgnutls28-dev libcurl:libcurl4-openssl-dev libcares:libc-ares-dev
libisofs-1:libisofs-dev libcrypt:libcrypt-dev libssh:libssh-dev libsodium:libsodium-dev"
# header and the Debian package that provides it, for libraries that
# Debian ships without a pkg-config file
headers="wslay/wslay.h:libwslay-dev"

missing_packages() {
	{
		command -v pkg-config >/dev/null 2>&1 || echo pkg-config
		for m in $modules; do
			pkg-config --exists "${m%%:*}" 2>/dev/null || echo "${m#*:}"
		done
		for h in $headers; do
			[ -e "/usr/include/${h%%:*}" ] || echo "${h#*:}"
		done
	} | sort -u | paste -sd ' ' -
}

missing=$(missing_packages)
[ -n "$missing" ] || exit 0

if [ "$(id -u)" != 0 ]; then
	echo "rangectl needs these Debian packages: $missing" >&2
	echo "install them with: sudo apt-get install $missing" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "installing $missing" >&2
# Fresh containers often have no package lists; update only when needed.
# shellcheck disable=SC2086 # $missing is a list of names
if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1 ||
   ! apt-get install -y -q $missing >&2; then
	apt-get update -q >&2
	apt-get install -y -q $missing >&2
fi

missing=$(missing_packages)
if [ -n "$missing" ]; then
	echo "still missing after install: $missing" >&2
	exit 1
fi
