#!/usr/bin/env bash
# images/build.sh [OUTDIR] -- build the rangectl appliance guest.
#
# Produces OUTDIR/vmlinuz and OUTDIR/appliance.cpio.gz (default OUTDIR:
# images/build) from Debian packages only: they are fetched with
# "apt-get download" into OUTDIR/cache and unpacked with "dpkg-deb -x" under
# OUTDIR/work; nothing is installed on the host except, when missing, the
# few host tools listed in HOST_TOOLS below.
#
#   kernel   linux-image-<ver>-cloud-amd64 (the version that the
#            linux-image-cloud-amd64 metapackage depends on) + its virtio
#            modules (dependency closure from modules.dep)
#   userland busybox-static (all applets), the shell of the dynamic busybox
#            package as /bin/sh (see "the shell" below), qemu-guest-agent,
#            and the shared libraries these need (resolved with the packaged
#            ld.so --list against the unpacked Depends closure)
#   overlay  images/rootfs/ (/init, /sbin/shutdown, nc wrapper, /etc files)
#
# Re-running is cheap: packages are cached, and when neither the package
# versions nor this script nor images/rootfs changed, nothing is rebuilt.
# Environment: SOURCE_DATE_EPOCH (file times inside the cpio archive).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${1:-$HERE/build}
ARGS=("$@")

MULTIARCH=x86_64-linux-gnu
KERNEL_META=linux-image-cloud-amd64
# Modules the appliance loads when the kernel has them as modules (built-in
# ones need nothing).  The required ones must exist one way or the other.
MODULES_REQUIRED="virtio_pci virtio_net virtio_console"
MODULES_OPTIONAL="virtio_blk virtio_rng virtio_balloon button evdev"
# Busybox applets that /init and the exercises rely on.
APPLETS_REQUIRED="sh echo cat nc wget ping ip pidof httpd telnetd modprobe
	insmod mount hostname sleep seq acpid poweroff reboot halt sync kill getty
	start-stop-daemon"
# command:package pairs the build needs on the host.
HOST_TOOLS="apt-get:apt apt-cache:apt dpkg-deb:dpkg cpio:cpio gzip:gzip
	sha256sum:coreutils awk:mawk find:findutils"
EPOCH=${SOURCE_DATE_EPOCH:-946684800}

T0=${EPOCHREALTIME/[.,]/}
msg() { # progress line with the elapsed time
	local t=$(( (${EPOCHREALTIME/[.,]/} - T0) / 100000 ))
	printf 'images/build.sh: [%3d.%ds] %s\n' $((t / 10)) $((t % 10)) "$*"
}
die() { echo "images/build.sh: error: $*" >&2; exit 1; }
trap 'echo "images/build.sh: error: command failed (line $LINENO): $BASH_COMMAND" >&2' ERR

is_root() { [ "$(id -u)" = 0 ]; }
# Stale or missing apt lists: as root, run apt-get update once and start over.
update_and_retry() { # REASON
	[ -z "${RANGECTL_IMAGES_APT_UPDATED:-}" ] || die "$1, even after apt-get update"
	is_root || die "$1 (as root, 'apt-get update' may help)"
	msg "$1; running apt-get update and starting over"
	apt-get update -q >/dev/null || die "apt-get update failed"
	RANGECTL_IMAGES_APT_UPDATED=1 exec "$0" "${ARGS[@]}"
}

# --- host tools ----------------------------------------------------------------
missing=""
for pair in $HOST_TOOLS; do
	command -v "${pair%%:*}" >/dev/null 2>&1 || missing="$missing ${pair#*:}"
done
if [ -n "$missing" ]; then
	missing=$(echo "$missing" | tr ' ' '\n' | sort -u | tr '\n' ' ')
	if ! is_root || ! command -v apt-get >/dev/null; then
		die "missing host tools; as root run: apt-get install -y$missing"
	fi
	msg "installing host tools:$missing"
	# shellcheck disable=SC2086 # a list of package names
	apt-get install -y -q --no-install-recommends $missing ||
		{ apt-get update -q && apt-get install -y -q --no-install-recommends $missing; } ||
		die "apt-get install$missing failed"
fi

mkdir -p "$OUT" || die "cannot create $OUT"
OUT=$(cd "$OUT" && pwd)
# one build per OUTDIR at a time
exec 9>"$OUT/.lock"
command -v flock >/dev/null && { flock -n 9 || { msg "waiting for another build of $OUT"; flock 9; }; }
CACHE=$OUT/cache          # downloaded .deb files
WORK=$OUT/work            # unpacked packages and the staging root
PKGDIR=$WORK/pkgs
ROOT=$WORK/root
mkdir -p "$CACHE" "$PKGDIR"

# --- up to date? -------------------------------------------------------------------
# Two checks: a quick one on the local inputs plus apt's package lists (so an
# unchanged tree costs no apt-cache run), and after resolving, one on the
# local inputs plus the exact package versions.
local_inputs() {
	echo "$MODULES_REQUIRED $MODULES_OPTIONAL $EPOCH"
	cd "$HERE"
	find build.sh rootfs \( -type f -o -type l \) | LC_ALL=C sort |
	while read -r f; do
		if [ -L "$f" ]; then
			echo "L $f $(readlink "$f")"
		else
			echo "F $f $(stat -c %a "$f") $(sha256sum <"$f")"
		fi
	done
}
QUICK=$({ local_inputs; find /var/lib/apt/lists /etc/apt -maxdepth 2 -type f \
	-printf '%p %s %T@\n' 2>/dev/null | LC_ALL=C sort; } | sha256sum | cut -d' ' -f1)
up_to_date() { # FILE HASH
	[ -f "$OUT/vmlinuz" ] && [ -f "$OUT/appliance.cpio.gz" ] &&
		[ "$(cat "$OUT/$1" 2>/dev/null)" = "$2" ]
}
if up_to_date .quick "$QUICK"; then
	msg "up to date: $OUT/vmlinuz $OUT/appliance.cpio.gz"
	exit 0
fi

# --- 1. resolve package versions ------------------------------------------------
msg "[1/6] resolving packages"
kernel_pkg() {
	apt-cache depends "$KERNEL_META" 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }'
}
KPKG=$(kernel_pkg || true)
[ -n "$KPKG" ] || update_and_retry "apt cannot resolve $KERNEL_META to a kernel package"
KVER=${KPKG#linux-image-}

# qemu-guest-agent and its run-time Depends, recursively (Pre-Depends are
# for the maintainer scripts, which never run here).
# qemu-guest-agent and busybox (dynamic) with their run-time Depends,
# recursively (Pre-Depends serve maintainer scripts, which never run here).
DYN_PKGS=$(apt-cache depends --recurse --no-recommends --no-suggests \
	--no-conflicts --no-breaks --no-replaces --no-enhances --no-pre-depends \
	qemu-guest-agent busybox | awk '/^[a-z0-9]/ { print $1 }' | sort -u | tr '\n' ' ' || true)
case " $DYN_PKGS " in *" libc6 "*) ;; *) false ;; esac ||
	update_and_retry "apt cannot resolve the Depends of qemu-guest-agent"
PKGS="busybox-static $KPKG $DYN_PKGS"

MANIFEST=$WORK/manifest.new
# shellcheck disable=SC2086
apt-cache show --no-all-versions $PKGS 2>/dev/null | awk '
	/^Package:/ { p = $2 } /^Version:/ { v = $2 } /^Architecture:/ { a = $2 }
	/^$/ { if (p != "") print p, v, a; p = "" }
	END { if (p != "") print p, v, a }' | sort -u >"$MANIFEST" || true
for p in $PKGS; do
	grep -q "^$p " "$MANIFEST" || update_and_retry "apt has no candidate version of $p"
done
msg "      kernel $KVER; $(wc -l <"$MANIFEST") packages"

deb_file() { # PKG -> cached .deb path (apt-get download's naming)
	awk -v p="$1" '$1 == p { v = $2; gsub(":", "%3a", v); print p "_" v "_" $3 ".deb" }' "$MANIFEST"
}

HASH=$({ cat "$MANIFEST"; local_inputs; } | sha256sum | cut -d' ' -f1)
if up_to_date .inputs "$HASH"; then
	echo "$QUICK" >"$OUT/.quick"
	msg "up to date: $OUT/vmlinuz $OUT/appliance.cpio.gz"
	exit 0
fi
rm -f "$OUT/.inputs" "$OUT/.quick"

# --- 2. download -----------------------------------------------------------------
msg "[2/6] downloading packages into $CACHE"
want=""
keep=" "
for p in $PKGS; do
	f=$(deb_file "$p")
	keep="$keep$f "
	[ -s "$CACHE/$f" ] || want="$want $p=$(awk -v p="$p" '$1 == p { print $2 }' "$MANIFEST")"
done
if [ -n "$want" ]; then
	msg "      apt-get download$want"
	sandbox=""
	is_root && sandbox="-o APT::Sandbox::User=root"   # $CACHE may be private
	# shellcheck disable=SC2086
	(cd "$CACHE" && apt-get download -q $sandbox $want) ||
		update_and_retry "apt-get download failed"
else
	msg "      all cached"
fi
shopt -s nullglob
for f in "$CACHE"/*.deb; do        # drop superseded versions
	case "$keep" in *" ${f##*/} "*) ;; *) rm -f "$f"; msg "      removed old ${f##*/}" ;; esac
done
for p in $PKGS; do
	[ -s "$CACHE/$(deb_file "$p")" ] || die "download of $p did not produce $(deb_file "$p")"
done

# --- 3. unpack ---------------------------------------------------------------------
msg "[3/6] unpacking packages into $PKGDIR"
for p in $PKGS; do
	f=$(deb_file "$p")
	d=$PKGDIR/$p
	[ "$(cat "$d/.deb" 2>/dev/null)" = "$f" ] && continue
	rm -rf "$d"
	mkdir -p "$d"
	dpkg-deb -x "$CACHE/$f" "$d" || die "dpkg-deb -x $f failed"
	echo "$f" >"$d/.deb"
done
for d in "$PKGDIR"/*/; do           # drop packages no longer wanted
	case " $PKGS " in *" $(basename "$d") "*) ;; *) rm -rf "$d" ;; esac
done
BUSYBOX=$PKGDIR/busybox-static/bin/busybox
KDIR=$PKGDIR/$KPKG
KMOD=$KDIR/lib/modules/$KVER
[ -x "$BUSYBOX" ] || die "busybox-static has no bin/busybox"
[ -f "$KDIR/boot/vmlinuz-$KVER" ] || die "$KPKG has no boot/vmlinuz-$KVER"
# Debian kernel packages ship no modules.dep (depmod runs at install time):
# generate it with the packaged busybox depmod.
if [ ! -s "$KMOD/modules.dep" ]; then
	msg "      depmod $KVER"
	"$BUSYBOX" depmod -b "$KDIR" "$KVER" || die "depmod failed"
fi

# --- 4. staging root -------------------------------------------------------------
msg "[4/6] assembling the root file system in $ROOT"
rm -rf "$ROOT"
mkdir -p "$ROOT"
cd "$ROOT"
mkdir -p bin sbin usr/bin usr/sbin etc proc sys dev run tmp root www mnt \
	var/log lib/$MULTIARCH lib64 "lib/modules/$KVER"
chmod 1777 tmp
chmod 700 root
ln -s ../run var/run

# busybox and a symlink per applet
cp "$BUSYBOX" bin/busybox
for a in $("$BUSYBOX" --list-full); do     # e.g. usr/bin/wget
	up=${a//[!\/]/}                          # one "../" per directory level
	[ -e "$a" ] || [ -L "$a" ] || ln -s "${up//\//../}bin/busybox" "$a"
done
applets=" $("$BUSYBOX" --list | tr '\n' ' ') "
for a in $APPLETS_REQUIRED; do
	case "$applets" in *" $a "*) ;; *) die "busybox-static lacks the $a applet" ;; esac
done

# The shell.  busybox-static is built with FEATURE_SH_STANDALONE: its sh
# runs its own applets before looking at $PATH, so no script could stand in
# for an applet (the nc wrapper that adds -z, /sbin/poweroff & co).  The
# busybox package's sh looks at $PATH first, so /bin/sh and /bin/ash are
# that busybox (the rest of its applets are not used; it has no telnetd).
SHELL_BB=$PKGDIR/busybox/bin/busybox
[ -x "$SHELL_BB" ] || die "the busybox package has no bin/busybox"
cp "$SHELL_BB" bin/busybox-sh
ln -sfn busybox-sh bin/sh
ln -sfn busybox-sh bin/ash

# qemu-ga, and the libraries it and the shell need, found by the packaged
# dynamic loader in the unpacked packages
QGA=$PKGDIR/qemu-guest-agent/usr/sbin/qemu-ga
[ -x "$QGA" ] || die "qemu-guest-agent has no usr/sbin/qemu-ga"
cp "$QGA" usr/sbin/qemu-ga
LDSO=$PKGDIR/libc6/lib/$MULTIARCH/ld-linux-x86-64.so.2
[ -x "$LDSO" ] || die "libc6 has no lib/$MULTIARCH/ld-linux-x86-64.so.2"
libpath=""
for p in $DYN_PKGS; do
	libpath="$libpath:$PKGDIR/$p/lib/$MULTIARCH:$PKGDIR/$p/usr/lib/$MULTIARCH"
done
nlibs=0
for bin in usr/sbin/qemu-ga bin/busybox-sh; do
	libs=$("$LDSO" --inhibit-cache --library-path "${libpath#:}" --list "$bin") ||
		die "ld.so --list $bin failed: $libs"
	[[ "$libs" != *"not found"* ]] ||
		die "/$bin needs libraries that no unpacked package provides:
$libs"
	for lib in $(echo "$libs" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'); do
		case "$lib" in
		"$PKGDIR"/*) ;;
		*) die "/$bin: library $lib resolved outside the unpacked packages" ;;
		esac
		rel=${lib#"$PKGDIR"/*/}        # path inside its package
		[ -e "$rel" ] && continue
		mkdir -p "$(dirname "$rel")"
		cp -L "$lib" "$rel"
		nlibs=$((nlibs + 1))
	done
done
cp -L "$LDSO" "lib/$MULTIARCH/ld-linux-x86-64.so.2"
ln -sfn "../lib/$MULTIARCH/ld-linux-x86-64.so.2" lib64/ld-linux-x86-64.so.2
msg "      qemu-ga, sh: $nlibs libraries + ld.so"

# kernel modules: dependency closure from modules.dep, in load order
modname() { MN=${1##*/}; MN=${MN%.ko*}; MN=${MN//-/_}; }  # path -> $MN
declare -A MODPATH MODDEPS
while IFS= read -r line; do
	key=${line%%:*}
	modname "$key"
	MODPATH[$MN]=$key
	MODDEPS[$MN]=${line#*:}
done <"$KMOD/modules.dep"
declare -A SEEN
ORDER=""
visit() {      # depth-first: dependencies before the module itself
	local m=$1 d
	[ -n "${SEEN[$m]:-}" ] && return 0
	SEEN[$m]=1
	for d in ${MODDEPS[$m]}; do modname "$d"; visit "$MN"; done
	ORDER="$ORDER $m"
}
is_builtin() { grep -q "/${1}\.ko\$\|/${1//_/-}\.ko\$" "$KMOD/modules.builtin"; }
for m in $MODULES_REQUIRED $MODULES_OPTIONAL; do
	if [ -n "${MODPATH[$m]:-}" ]; then
		visit "$m"
	elif is_builtin "$m"; then
		:
	else
		case " $MODULES_REQUIRED " in
		*" $m "*) die "kernel $KVER has no $m, neither module nor built in" ;;
		*) msg "      warning: kernel $KVER has no $m (skipped)" ;;
		esac
	fi
done
: >etc/modules.tmp
: >"lib/modules/$KVER/modules.dep"
for m in $ORDER; do
	rel=${MODPATH[$m]}
	mkdir -p "lib/modules/$KVER/$(dirname "$rel")"
	cp "$KMOD/$rel" "lib/modules/$KVER/$rel"
	grep "^$rel:" "$KMOD/modules.dep" >>"lib/modules/$KVER/modules.dep"
	echo "$m" >>etc/modules.tmp
done
cp "$KMOD/modules.builtin" "lib/modules/$KVER/"
{
	echo "# kernel modules /init loads, in dependency order (generated by build.sh)"
	cat etc/modules.tmp
} >etc/modules
rm etc/modules.tmp
msg "      modules:$ORDER"

# the overlay: /init, /sbin/shutdown & co, the nc wrapper, /etc files
cp -a --remove-destination "$HERE/rootfs/." .
chmod 755 init sbin/shutdown usr/bin/nc
for f in init bin/sh bin/busybox sbin/shutdown sbin/poweroff usr/bin/nc usr/sbin/qemu-ga \
	lib64/ld-linux-x86-64.so.2 "lib/modules/$KVER/modules.dep"; do
	[ -e "$f" ] || die "staging root lacks /$f"
done

# --- 5. initramfs ----------------------------------------------------------------
msg "[5/6] writing $OUT/appliance.cpio.gz"
find . -exec touch -h -d "@$EPOCH" {} +
cpio_opts="-o -H newc -R 0:0 --quiet"
[[ "$(cpio --help 2>&1)" != *--reproducible* ]] || cpio_opts="$cpio_opts --reproducible"
# shellcheck disable=SC2086
find . -mindepth 1 | LC_ALL=C sort | cpio $cpio_opts | gzip -9 -n >"$OUT/appliance.cpio.gz.tmp"
chmod 644 "$OUT/appliance.cpio.gz.tmp"
mv -f "$OUT/appliance.cpio.gz.tmp" "$OUT/appliance.cpio.gz"

# --- 6. kernel -------------------------------------------------------------------
msg "[6/6] writing $OUT/vmlinuz ($KVER)"
cp "$KDIR/boot/vmlinuz-$KVER" "$OUT/vmlinuz.tmp"
chmod 644 "$OUT/vmlinuz.tmp"
mv -f "$OUT/vmlinuz.tmp" "$OUT/vmlinuz"

{
	echo "kernel $KVER"
	echo "modules$ORDER"
	echo "packages:"
	sed 's/^/  /' "$MANIFEST"
} >"$OUT/manifest.txt"
echo "$HASH" >"$OUT/.inputs"
echo "$QUICK" >"$OUT/.quick"
msg "done: vmlinuz $(du -k "$OUT/vmlinuz" | cut -f1) KiB, appliance.cpio.gz $(du -k "$OUT/appliance.cpio.gz" | cut -f1) KiB (unpacked $(du -sk "$ROOT" | cut -f1) KiB)"
