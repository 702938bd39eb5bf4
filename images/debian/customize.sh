#!/bin/sh
# images/debian/customize.sh ROOT EXT4 SIZE UUID WORK MANIFEST
#
# mmdebstrap's customize hook for images/build-debian.sh: configures the
# installed tree ROOT and writes it as an ext4 file system image EXT4 of SIZE
# bytes with file system UUID, without mounting anything.  It runs where
# mmdebstrap runs its hooks: as real root (--mode=root) or as root of a user
# namespace (--mode=unshare), where every file of ROOT looks owned by its
# owner in the guest; mkfs.ext4 -d records those owners.  WORK is scratch
# space; MANIFEST receives the installed package versions.
set -eu
ROOT=$1 EXT4=$2 SIZE=$3 UUID=$4 WORK=$5 MANIFEST=$6
HERE=$(cd "$(dirname "$0")" && pwd)

# --- configuration ----------------------------------------------------------
# the overlay (images/debian/rootfs), owned by root in the guest
tar -C "$HERE/rootfs" --owner=0 --group=0 -cf - . |
	tar -C "$ROOT" --no-overwrite-dir -xf -

# pass 0: no fsck of the root at boot (systemd-fsck-root: 2.1 s of a boot
# under TCG on an idle machine, more beside other guests).  What it would do
# on this file system: e2fsck -a reads the superblock, finds it clean and
# stops (mkfs.ext4 sets no mount-count or interval check); the kernel
# replays the journal itself after a power-off.  What is given up: a full
# check at the next boot after ext4 has flagged an error (errors=remount-ro
# still makes the root read-only then); `fsck.mode=force` on the kernel
# command line or `e2fsck -f` from a rescue boot checks it when wanted.
cat >"$ROOT/etc/fstab" <<EOF
# <file system> <mount point> <type> <options> <dump> <pass>
UUID=$UUID / ext4 rw,discard,errors=remount-ro 0 0
EOF
echo debian >"$ROOT/etc/hostname"
echo LANG=C.UTF-8 >"$ROOT/etc/default/locale"
cat >"$ROOT/etc/hosts" <<'EOF'
127.0.0.1	localhost
127.0.1.1	debian
::1		localhost ip6-localhost ip6-loopback
ff02::1		ip6-allnodes
ff02::2		ip6-allrouters
EOF
[ -f "$ROOT/etc/network/interfaces" ] || cat >"$ROOT/etc/network/interfaces" <<'EOF'
source /etc/network/interfaces.d/*

auto lo
iface lo inet loopback
EOF

# GRUB reads this; the kernel and initrd are reached through the /vmlinuz and
# /initrd.img links that Debian's kernel packages keep current, so a kernel
# update in the guest needs no GRUB package and no grub.cfg update.
# console=ttyS0 last: systemd's and the kernel's messages go to the serial
# port, and systemd starts a getty on both consoles.  No menu (timeout 0)
# and "quiet": under TCG every line the kernel prints costs time, on the
# VGA console above all (a software frame buffer), and nobody reads them;
# errors and systemd's failures are still shown.
mkdir -p "$ROOT/boot/grub"
cat >"$ROOT/boot/grub/grub.cfg" <<EOF
# written by rangectl's images/debian/customize.sh
set default=0
set timeout=0
serial --unit=0 --speed=115200
terminal_input console serial
terminal_output console serial
menuentry 'Debian GNU/Linux 12 (rangectl image)' {
	search --no-floppy --fs-uuid --set=root $UUID
	linux /vmlinuz root=UUID=$UUID ro quiet console=tty1 console=ttyS0,115200n8
	initrd /initrd.img
}
EOF
for l in vmlinuz initrd.img; do
	[ -e "$ROOT/$l" ] || { echo "customize.sh: the kernel package left no /$l" >&2; exit 1; }
done

# a login prompt on the serial port whatever the kernel command line says
# (getty@tty1, the VGA console, is enabled by systemd's defaults)
chroot "$ROOT" systemctl enable -q serial-getty@ttyS0.service

# Units an exercise's guest does without: the package timers (no archive
# is reachable from a range; an instructor who wants updates enables them)
# and e2fsprogs' scrub jobs (e2scrub_reap runs at every boot).  Masked, so
# that no package update enables them again.
chroot "$ROOT" systemctl mask -q apt-daily.timer apt-daily-upgrade.timer \
	e2scrub_all.timer e2scrub_reap.service fstrim.timer

# postfix: its integrity checks run here, once, and not at every guest's
# first boot.  `postfix start` runs `postfix-script check-fatal` (create
# missing queue folders, postsuper over the queues) and `check-warn` (a
# dozen finds over its files, warnings only) unless the file quick-start is
# in its queue folder, which it then removes: the mark that `postfix
# quick-stop` leaves for a restart that follows a check.  A guest starts
# from this tree (or from a snapshot of it) with empty queues and the files
# as the packages and this hook left them, so the same checks, run on this
# same tree by `postfix check` below (a failure fails the build), have
# nothing left to find at its first boot.  Later boots check as usual.
# Postfix itself starts as before (configure-instance.sh still sets up its
# chroot); only the checks are skipped.
chroot "$ROOT" postfix check
: >"$ROOT/var/spool/postfix/quick-start"

# per-machine state: made at first boot (machine-id by systemd, SSH host
# keys by cloud-init), so that no two guests share them
rm -f "$ROOT"/etc/ssh/ssh_host_*_key "$ROOT"/etc/ssh/ssh_host_*_key.pub \
	"$ROOT/var/lib/dbus/machine-id"
: >"$ROOT/etc/machine-id"

# shellcheck disable=SC2016 # dpkg-query's own ${field} syntax
chroot "$ROOT" dpkg-query -W -f '${Package} ${Version} ${Architecture}\n' |
	LC_ALL=C sort >"$MANIFEST"

# --- the file system image ------------------------------------------------
# mmdebstrap cleans up only after this hook, and /proc, /sys and /dev are
# still mounted in ROOT, its fake start-stop-daemon and policy-rc.d still in
# place: copy the tree without them and without apt's lists and cache.
STAGE=$WORK/stage
rm -rf "$STAGE"
mkdir -p "$STAGE"
tar -C "$ROOT" --one-file-system --numeric-owner \
	--exclude=./proc/* --exclude=./sys/* --exclude=./dev/* \
	--exclude=./var/lib/apt/lists/* --exclude=./var/cache/apt/* \
	--exclude=./etc/apt/apt.conf.d/00mmdebstrap \
	--exclude=./usr/sbin/policy-rc.d \
	--exclude=./var/log/*.log --exclude=./var/log/apt/* \
	-cf - . | tar -C "$STAGE" --numeric-owner -xpf -
for d in usr/sbin sbin; do     # /sbin is a link to usr/sbin in bookworm
	if [ ! -L "$STAGE/$d" ] && [ -e "$STAGE/$d/start-stop-daemon.REAL" ]; then
		mv -f "$STAGE/$d/start-stop-daemon.REAL" "$STAGE/$d/start-stop-daemon"
	fi
done
mkdir -p "$STAGE/var/lib/apt/lists/partial"

# GRUB 2.06 cannot read file systems with metadata_csum_seed or orphan_file
rm -f "$EXT4"
mkfs.ext4 -q -F -L debian-root -U "$UUID" -O ^metadata_csum_seed,^orphan_file \
	-E root_owner=0:0 -d "$STAGE" "$EXT4" "$((SIZE / 1024))k"
rm -rf "$STAGE"
