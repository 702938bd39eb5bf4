#!/usr/bin/env bash
# images/build-debian.sh [OUTDIR] -- build the Debian 12 disk image.
# images/build-debian.sh --host-tools -- install the host tools it needs
# (as root; only what is missing) and build nothing: CI installs them
# before its tracks start, so that no two apt-get runs meet.
#
# Produces OUTDIR/debian-12.qcow2 (default OUTDIR: images/build): a GPT disk
# that boots by itself, with BIOS (GRUB in the MBR and a BIOS boot
# partition) and with UEFI (GRUB as EFI/BOOT/BOOTX64.EFI on an EFI system
# partition), like a distribution's cloud image.  Its root file system is
# made by mmdebstrap from the Debian archive that this machine's apt is
# configured with (nothing else is downloaded); images/debian/packages lists
# what is installed, images/debian/customize.sh configures it and writes the
# ext4 image.  No loop device, no mount, no root needed (see images/README.md).
#
#   partition 1  BIOS boot, 1 MiB   GRUB's core.img (grub-mkimage, i386-pc)
#   partition 2  EFI system, 32 MiB FAT, EFI/BOOT/BOOTX64.EFI (x86_64-efi)
#   partition 3  Linux root, rest   ext4 "debian-root" (mkfs.ext4 -d)
#
# Cached: when the inputs (this script, images/debian/, the apt sources and
# the dates of apt's Release files, the disk size) are those of the last
# build, nothing is done.  OUTDIR/debian-12.manifest lists the installed
# package versions.
#
# Environment: DEBIAN_DISK_MB (virtual disk size, default 4096),
# DEBIAN_MODE (mmdebstrap --mode; default root as root, unshare otherwise),
# FORCE=1 (rebuild even when up to date).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HOST_TOOLS_ONLY=""
if [ "${1:-}" = --host-tools ]; then HOST_TOOLS_ONLY=1; shift; fi
OUT=${1:-$HERE/build}
NAME=debian-12
SUITE=bookworm
DISK_MB=${DEBIAN_DISK_MB:-4096}
# GPT layout in 512-byte sectors (1 MiB aligned; the last MiB holds the
# backup GPT)
BIOS_START=2048 BIOS_SECTORS=2048
ESP_START=4096 ESP_SECTORS=65536
ROOT_START=69632
# GRUB modules built into the boot images (no /boot/grub/*/ modules exist in
# the guest: it has no GRUB package)
GRUB_MODS="part_gpt part_msdos ext2 search search_fs_uuid normal configfile
	linux echo test serial terminal gzio sleep"
GRUB_MODS_PC="biosdisk"
GRUB_MODS_EFI="fat all_video efi_gop"
# Paths dpkg leaves out (dpkg's path-exclude; path-include brings back the
# copyright files).  In the image they stay excluded for later installs too
# (/etc/dpkg/dpkg.cfg.d/99mmdebstrap), as in Debian's container images.
DPKG_EXCLUDE="/usr/share/doc/* /usr/share/man/* /usr/share/info/*
	/usr/share/locale/* /usr/share/lintian/*"
NO_MODULES="sound drivers/media drivers/net/wireless net/wireless net/mac80211
	drivers/bluetooth net/bluetooth drivers/infiniband drivers/staging
	drivers/iio drivers/isdn drivers/gpu/drm/amd drivers/gpu/drm/nouveau
	drivers/gpu/drm/i915 drivers/gpu/drm/radeon"
set -f
for m in /lib/modules /usr/lib/modules; do
	for d in $NO_MODULES; do DPKG_EXCLUDE="$DPKG_EXCLUDE $m/*/kernel/$d/*"; done
done
set +f
DPKG_INCLUDE="/usr/share/doc/*/copyright"
HOST_TOOLS="mmdebstrap:mmdebstrap mkfs.ext4:e2fsprogs sfdisk:fdisk
	grub-mkimage:grub-common mkfs.vfat:dosfstools mcopy:mtools
	qemu-img:qemu-utils sha256sum:coreutils"

T0=${EPOCHREALTIME/[.,]/}
msg() { # progress line with the elapsed time
	local t=$(( (${EPOCHREALTIME/[.,]/} - T0) / 100000 ))
	printf 'images/build-debian.sh: [%3d.%ds] %s\n' $((t / 10)) $((t % 10)) "$*"
}
die() { echo "images/build-debian.sh: error: $*" >&2; exit 1; }
trap 'echo "images/build-debian.sh: error: command failed (line $LINENO): $BASH_COMMAND" >&2' ERR
is_root() { [ "$(id -u)" = 0 ]; }

# a shared machine: stay behind interactive work
renice -n 10 $$ >/dev/null 2>&1 || true

# --- host tools ----------------------------------------------------------------
missing=""
for pair in $HOST_TOOLS; do
	command -v "${pair%%:*}" >/dev/null 2>&1 || missing="$missing ${pair#*:}"
done
[ -f /usr/lib/grub/i386-pc/boot.img ] || missing="$missing grub-pc-bin"
[ -d /usr/lib/grub/x86_64-efi ] || missing="$missing grub-efi-amd64-bin"
MODE=${DEBIAN_MODE:-$(is_root && echo root || echo unshare)}
if [ "$MODE" = unshare ] && ! command -v newuidmap >/dev/null; then
	missing="$missing uidmap"
fi
if [ -n "$missing" ]; then
	if ! is_root; then
		die "missing host tools; as root run: apt-get install -y --no-install-recommends$missing"
	fi
	msg "installing host tools:$missing"
	# shellcheck disable=SC2086 # a list of package names
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >/dev/null ||
		{ apt-get update -q >/dev/null &&
		  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >/dev/null; } ||
		die "apt-get install$missing failed"
fi
[ -z "$HOST_TOOLS_ONLY" ] || exit 0

mkdir -p "$OUT" || die "cannot create $OUT"
OUT=$(cd "$OUT" && pwd)
exec 9>"$OUT/.lock-$NAME"
command -v flock >/dev/null && { flock -n 9 || { msg "waiting for another build of $NAME"; flock 9; }; }
WORK=$OUT/work-$NAME
mkdir -p "$WORK"

# --- apt sources -------------------------------------------------------------------
# The Debian entries (suites $SUITE, $SUITE-updates, $SUITE-security) of this
# machine's apt sources, one-line and deb822 alike, as one deb822 file for
# mmdebstrap; entries of other archives are left out.
sources_deb822() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk -v suite="$SUITE" '
		$1 == "deb" {
			opts = ""; i = 2
			if ($2 ~ /^\[/) {
				while (i <= NF) { opts = opts " " $i; if ($i ~ /\]$/) { i++; break } i++ }
				gsub(/[\[\]]/, "", opts)
			}
			uri = $i; s = $(i + 1); comps = ""
			for (j = i + 2; j <= NF && $j !~ /^#/; j++) comps = comps " " $j
			if (s !~ "^" suite "(-updates|-security|/updates)?$") next
			print "Types: deb\nURIs: " uri "\nSuites: " s "\nComponents:" comps
			n = split(opts, o, " ")
			for (k = 1; k <= n; k++) {
				split(o[k], kv, "=")
				if (kv[1] == "signed-by") print "Signed-By: " kv[2]
				else if (kv[1] == "arch") print "Architectures: " kv[2]
			}
			print ""
		}' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk -v suite="$SUITE" '
		function flush() {
			if (para != "" && deb && ok && !off) printf "%s\n", para
			para = ""; deb = ok = off = 0
		}
		/^#/ { next }
		/^[ \t]*$/ { flush(); next }
		{ para = para $0 "\n" }
		tolower($1) == "types:" && / deb( |$)/ { deb = 1 }
		tolower($1) == "suites:" { for (j = 2; j <= NF; j++) if ($j ~ "^" suite "(-updates|-security)?$") ok = 1 }
		tolower($1) == "enabled:" && tolower($2) == "no" { off = 1 }
		END { flush() }' "$f"
	done
}
SOURCES=$WORK/sources.sources
sources_deb822 >"$SOURCES.new"
grep -q "^Suites:.*\\b$SUITE\\b" "$SOURCES.new" ||
	die "no apt source for Debian $SUITE in /etc/apt/sources.list(.d); add one (e.g. http://deb.debian.org/debian $SUITE main)"
mv -f "$SOURCES.new" "$SOURCES"

# --- up to date? -------------------------------------------------------------------
inputs() {
	echo "$NAME $SUITE $DISK_MB $MODE $(mmdebstrap --version 2>/dev/null)"
	echo "$GRUB_MODS $GRUB_MODS_PC $GRUB_MODS_EFI"
	echo "$DPKG_EXCLUDE $DPKG_INCLUDE"
	cat "$SOURCES"
	# apt-get update moves these dates: a newer archive state rebuilds
	grep -sH '^Date:' /var/lib/apt/lists/*Release | LC_ALL=C sort
	cd "$HERE"
	find build-debian.sh debian \( -type f -o -type l \) | LC_ALL=C sort |
	while read -r f; do
		if [ -L "$f" ]; then
			echo "L $f $(readlink "$f")"
		else
			echo "F $f $(stat -c %a "$f") $(sha256sum <"$f")"
		fi
	done
}
HASH=$(inputs | sha256sum | cut -d' ' -f1)
if [ "${FORCE:-0}" != 1 ] && [ -f "$OUT/$NAME.qcow2" ] &&
	[ "$(cat "$OUT/.inputs-$NAME" 2>/dev/null)" = "$HASH" ]; then
	msg "up to date: $OUT/$NAME.qcow2"
	exit 0
fi
rm -f "$OUT/.inputs-$NAME"

# --- 1. root file system -----------------------------------------------------------
TOTAL=$((DISK_MB * 2048))
ROOT_SECTORS=$((TOTAL - ROOT_START - 2048))
[ "$ROOT_SECTORS" -gt $((1024 * 2048)) ] || die "DEBIAN_DISK_MB=$DISK_MB is too small (at least 1100)"
command -v uuidgen >/dev/null && UUID=$(uuidgen) || UUID=$(cat /proc/sys/kernel/random/uuid)
INCLUDE=$(sed 's/#.*//' "$HERE/debian/packages" | tr -s ' \t\n' ',' | sed 's/^,//; s/,$//')
q() { printf '%q' "$1"; }
HOOK="$(q "$HERE/debian/customize.sh") \"\$1\" $(q "$WORK/root.ext4") $((ROOT_SECTORS * 512)) $UUID $(q "$WORK") $(q "$WORK/manifest")"
# postfix asks its type at installation: a local-only mail system (an
# exercise that wants mail to leave the host configures it)
# shellcheck disable=SC2016 # $1 is the hook's argument, expanded by mmdebstrap's sh
PRESEED='printf "%s\n" "postfix postfix/main_mailer_type select Local only" "postfix postfix/mailname string debian.localdomain" | chroot "$1" debconf-set-selections'
# before the kernel is installed: initramfs-tools' configuration
# shellcheck disable=SC2016 # as above
INITRAMFS='mkdir -p "$1/etc/initramfs-tools" && cp -R '"$(q "$HERE/debian/initramfs")"'/. "$1/etc/initramfs-tools/"'
msg "[1/4] mmdebstrap --mode=$MODE $SUITE ($(wc -l <"$SOURCES") lines of apt sources)"
rm -f "$WORK/root.ext4"
# force-unsafe-io: dpkg's fsync calls are wasted on a tree that is copied
# into an image at the end (they made the install 2-3 times slower here).
# DPKG_EXCLUDE: files dpkg does not write (docs, manuals, translations, and
# the kernel modules of hardware that no virtual machine has): fewer bytes
# to write, copy, put into ext4 and convert (images/README.md).
DPKG_OPTS=(--dpkgopt=force-unsafe-io)
set -f	# the patterns are dpkg's, not the shell's
for p in $DPKG_EXCLUDE; do DPKG_OPTS+=("--dpkgopt=path-exclude=$p"); done
for p in $DPKG_INCLUDE; do DPKG_OPTS+=("--dpkgopt=path-include=$p"); done
set +f
# each line of mmdebstrap's log with the seconds since the build began
stamp() {
	local l
	while IFS= read -r l; do
		msg_t=$(( (${EPOCHREALTIME/[.,]/} - T0) / 100000 ))
		printf '[%3d.%ds] %s\n' $((msg_t / 10)) $((msg_t % 10)) "$l"
	done
}
nice -n 10 mmdebstrap --mode="$MODE" --variant=minbase --format=null \
	"${DPKG_OPTS[@]}" --aptopt='Acquire::Languages "none"' \
	--include="$INCLUDE" \
	--essential-hook="$PRESEED" --essential-hook="$INITRAMFS" \
	--customize-hook="$HOOK" \
	"$SUITE" /dev/null "$SOURCES" 2>&1 | stamp >"$WORK/mmdebstrap.log" ||
	{ tail -20 "$WORK/mmdebstrap.log" >&2; die "mmdebstrap failed (log: $WORK/mmdebstrap.log)"; }
[ -s "$WORK/root.ext4" ] || die "mmdebstrap's hook wrote no $WORK/root.ext4"
# its phases, for whoever wants to make the build faster
grep -E '^\[ *[0-9.]+s\] I: (downloading|extracting|installing|running --customize)' \
	"$WORK/mmdebstrap.log" | sed 's/^/images\/build-debian.sh: /; s/ I: /       /; s/ in shell:.*//'
msg "      $(wc -l <"$WORK/manifest") packages, kernel $(awk '$1 ~ /^linux-image-[0-9]/ { print $1 }' "$WORK/manifest")"

# --- 2. boot loaders ----------------------------------------------------------------
msg "[2/4] GRUB images"
cat >"$WORK/early.cfg" <<EOF
search --no-floppy --fs-uuid --set=root $UUID
set prefix=(\$root)/boot/grub
EOF
# shellcheck disable=SC2086 # lists of module names
grub-mkimage -O i386-pc -d /usr/lib/grub/i386-pc -c "$WORK/early.cfg" -p /boot/grub \
	-o "$WORK/core.img" $GRUB_MODS $GRUB_MODS_PC
# shellcheck disable=SC2086
grub-mkimage -O x86_64-efi -d /usr/lib/grub/x86_64-efi -c "$WORK/early.cfg" -p /boot/grub \
	-o "$WORK/BOOTX64.EFI" $GRUB_MODS $GRUB_MODS_EFI
CORE_SECTORS=$(( ($(stat -c %s "$WORK/core.img") + 511) / 512 ))
[ "$CORE_SECTORS" -le "$BIOS_SECTORS" ] || die "core.img ($CORE_SECTORS sectors) exceeds the BIOS boot partition"
truncate -s $((CORE_SECTORS * 512)) "$WORK/core.img"

le() { # VALUE BYTES: VALUE as little-endian binary
	local v=$1 n=$2 i s=""
	for ((i = 0; i < n; i++)); do s="$s$(printf '\\%03o' $(( (v >> (8 * i)) & 255 )))"; done
	# shellcheck disable=SC2059 # the format is the octal escapes made above
	printf "$s"
}
patch() { # FILE OFFSET VALUE BYTES
	le "$3" "$4" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
# What grub-bios-setup does for a GPT disk, done on a file: the first sector
# of core.img (diskboot.img) loads the rest from the block list at its end
# (offset 500: first LBA, 8 bytes; 508: sector count, 2 bytes); boot.img in
# the MBR loads that first sector from the LBA at offset 0x5c, and the jump
# at 0x66 that distrusts the BIOS's drive number becomes two NOPs.
patch "$WORK/core.img" 500 $((BIOS_START + 1)) 8
patch "$WORK/core.img" 508 $((CORE_SECTORS - 1)) 2

rm -f "$WORK/esp.img"
mkfs.vfat -n EFI -C "$WORK/esp.img" $((ESP_SECTORS / 2)) >/dev/null
mmd -i "$WORK/esp.img" ::/EFI ::/EFI/BOOT
mcopy -i "$WORK/esp.img" "$WORK/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI

# --- 3. the disk --------------------------------------------------------------------
msg "[3/4] GPT disk of $DISK_MB MiB"
RAW=$WORK/disk.raw
rm -f "$RAW"
truncate -s $((DISK_MB * 1024 * 1024)) "$RAW"
sfdisk -q --no-reread --no-tell-kernel "$RAW" <<EOF
label: gpt
unit: sectors
first-lba: 2048
start=$BIOS_START, size=$BIOS_SECTORS, type=21686148-6449-6E6F-744E-656564454649, name="bios"
start=$ESP_START, size=$ESP_SECTORS, type=C12A7328-F81F-11D2-BA4B-00A0C93EC3B8, name="esp"
start=$ROOT_START, size=$ROOT_SECTORS, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="root"
EOF
dd if=/usr/lib/grub/i386-pc/boot.img of="$RAW" bs=440 count=1 conv=notrunc status=none
patch "$RAW" $((0x5c)) "$BIOS_START" 8
printf '\220\220' | dd of="$RAW" bs=1 seek=$((0x66)) conv=notrunc status=none
dd if="$WORK/core.img" of="$RAW" bs=512 seek="$BIOS_START" conv=notrunc status=none
dd if="$WORK/esp.img" of="$RAW" bs=512 seek="$ESP_START" conv=notrunc status=none
dd if="$WORK/root.ext4" of="$RAW" bs=1M seek=$((ROOT_START / 2048)) conv=notrunc,sparse status=none
rm -f "$WORK/root.ext4"

# --- 4. qcow2 ----------------------------------------------------------------------
msg "[4/4] writing $OUT/$NAME.qcow2"
nice -n 10 qemu-img convert -O qcow2 "$RAW" "$OUT/$NAME.qcow2.tmp"
rm -f "$RAW"
chmod 644 "$OUT/$NAME.qcow2.tmp"
mv -f "$OUT/$NAME.qcow2.tmp" "$OUT/$NAME.qcow2"
{
	echo "image $NAME.qcow2, $DISK_MB MiB, root file system UUID $UUID"
	echo "packages:"
	sed 's/^/  /' "$WORK/manifest"
} >"$OUT/$NAME.manifest"
echo "$HASH" >"$OUT/.inputs-$NAME"
msg "done: $OUT/$NAME.qcow2 ($(du -m "$OUT/$NAME.qcow2" | cut -f1) MiB on disk, $DISK_MB MiB virtual)"
