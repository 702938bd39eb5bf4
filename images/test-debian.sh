#!/usr/bin/env bash
# images/test-debian.sh [OUTDIR] -- boot test of the Debian 12 disk image.
#
# Builds OUTDIR/debian-12.qcow2 (images/build-debian.sh, a no-op when up to
# date), makes a NoCloud seed (a FAT image labelled CIDATA: meta-data with a
# host name, user-data with a user and password), boots a copy-on-write
# overlay of the image in plain QEMU under TCG (never KVM; BIOS, GRUB from
# the disk) with one virtio NIC on restricted user-mode networking (no
# traffic leaves QEMU; HTTP and SSH forwarded from 127.0.0.1 only) and the
# guest agent on a virtio-serial port, then checks:
#   1. a login prompt on the serial console (ttyS0) in time
#   2. the agent answers guest-sync / guest-ping
#   3. through guest-exec: cloud-init finished without errors, systemd says
#      "running" (no unit failed), the host name
#      and the user are the seed's, and ssh, nginx, unbound, postfix, the
#      agent and the gettys on ttyS0 and tty1 are active; postfix answers
#      SMTP and unbound DNS on the guest's loopback
#   4. the seed's user logs in on the serial console with its password
#   5. HTTP GET / through the forward returns nginx's page, and the SSH
#      forward returns OpenSSH's banner
#   6. guest-shutdown powers the guest off (QEMU exits by itself)
# QEMU is killed by its PID at the end whatever happens.  Exit status 0 when
# every check passed, 1 otherwise; the last line is "N passed, N failed".
#
# Environment: BOOT_TIMEOUT (s, default 300), QEMU_MEM (MiB, default 1024),
# TEST_BOOT_NO_BUILD=1 (use OUTDIR as it is), KEEP_TMP=1 (keep logs);
# the virtual hardware: FIRMWARE=bios|uefi (OVMF), DISK_BUS=virtio|sata
# (AHCI), NIC_MODEL=virtio|e1000e (defaults: bios, virtio, virtio).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${1:-$HERE/build}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-300}
QEMU_MEM=${QEMU_MEM:-1024}
NAME=deb-smoke1
USER_NAME=trainee
USER_PASS=range-$RANDOM$RANDOM
MAC=52:54:00:5a:01:01
FIRMWARE=${FIRMWARE:-bios}
DISK_BUS=${DISK_BUS:-virtio}
NIC_MODEL=${NIC_MODEL:-virtio}

say() { echo "test-debian: $*"; }
die() { echo "test-debian: error: $*" >&2; exit 1; }
PASSED=0
FAILED=0
ok() { PASSED=$((PASSED + 1)); say "ok   - $*"; }
fail() { FAILED=$((FAILED + 1)); say "FAIL - $*"; }
finish() {
	echo "test-debian: $PASSED passed, $FAILED failed"
	[ "$FAILED" = 0 ] && [ "$PASSED" -gt 0 ]
	exit
}

# --- tools --------------------------------------------------------------------
need=""
command -v qemu-system-x86_64 >/dev/null || need="$need qemu-system-x86"
command -v qemu-img >/dev/null || need="$need qemu-utils"
command -v socat >/dev/null || need="$need socat"
command -v mkfs.vfat >/dev/null || need="$need dosfstools"
command -v mcopy >/dev/null || need="$need mtools"
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd
[ "$FIRMWARE" != uefi ] || [ -f "$OVMF_CODE" ] || need="$need ovmf"
if [ -n "$need" ]; then
	[ "$(id -u)" = 0 ] || die "missing tools; as root run: apt-get install -y$need"
	say "installing:$need"
	# shellcheck disable=SC2086 # a list of package names
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $need >/dev/null ||
		{ apt-get update -q >/dev/null &&
		  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $need >/dev/null; } ||
		die "apt-get install$need failed"
fi

if [ "${TEST_BOOT_NO_BUILD:-0}" != 1 ]; then
	"$HERE/build-debian.sh" "$OUT" || die "images/build-debian.sh failed"
fi
OUT=$(cd "$OUT" && pwd) || die "no $OUT"
IMAGE=$OUT/debian-12.qcow2
[ -s "$IMAGE" ] || die "missing $IMAGE (run images/build-debian.sh)"

TMP=$(mktemp -d /tmp/rangectl-test-debian.XXXXXX)
QEMU_PID=""
AGENT_PID=""
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	# bash unsets AGENT_PID when the coprocess has ended
	[ -n "${AGENT_PID:-}" ] && kill "$AGENT_PID" 2>/dev/null
	if [ -n "$QEMU_PID" ] && kill -0 "$QEMU_PID" 2>/dev/null; then
		kill "$QEMU_PID" 2>/dev/null
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$QEMU_PID" 2>/dev/null || break
			sleep 0.2
		done
		kill -9 "$QEMU_PID" 2>/dev/null
	fi
	if [ "${KEEP_TMP:-0}" = 1 ]; then say "logs kept in $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

free_port() { # a free TCP port on 127.0.0.1
	local p
	while :; do
		p=$((20000 + RANDOM % 40000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
}

# --- the NoCloud seed ----------------------------------------------------------------
cat >"$TMP/meta-data" <<EOF
instance-id: $NAME-$RANDOM
local-hostname: $NAME
EOF
cat >"$TMP/user-data" <<EOF
#cloud-config
users:
  - name: $USER_NAME
    shell: /bin/bash
    groups: [sudo]
    lock_passwd: false
    plain_text_passwd: $USER_PASS
EOF
mkfs.vfat -n CIDATA -C "$TMP/seed.img" 1024 >/dev/null || die "mkfs.vfat of the seed failed"
mcopy -i "$TMP/seed.img" "$TMP/meta-data" "$TMP/user-data" :: || die "mcopy into the seed failed"
qemu-img create -q -f qcow2 -b "$IMAGE" -F qcow2 "$TMP/disk.qcow2" || die "qemu-img create of the overlay failed"

# --- boot -----------------------------------------------------------------------
HW=()
case "$FIRMWARE" in
bios) ;;
uefi)
	cp "$OVMF_VARS" "$TMP/vars.fd" || die "cannot copy $OVMF_VARS"
	HW+=(-drive "if=pflash,format=raw,readonly=on,file=$OVMF_CODE"
		-drive "if=pflash,format=raw,file=$TMP/vars.fd") ;;
*) die "FIRMWARE must be bios or uefi, not '$FIRMWARE'" ;;
esac
case "$DISK_BUS" in
virtio)
	HW+=(-drive "file=$TMP/disk.qcow2,format=qcow2,if=virtio"
		-drive "file=$TMP/seed.img,format=raw,if=virtio,readonly=on") ;;
sata)
	# shellcheck disable=SC2054 # commas inside QEMU's option values
	HW+=(-device ahci,id=ahci0
		-drive "file=$TMP/disk.qcow2,format=qcow2,if=none,id=d0"
		-device ide-hd,drive=d0,bus=ahci0.0,bootindex=0
		-drive "file=$TMP/seed.img,format=raw,if=none,id=d1,readonly=on"
		-device ide-hd,drive=d1,bus=ahci0.1) ;;
*) die "DISK_BUS must be virtio or sata, not '$DISK_BUS'" ;;
esac
case "$NIC_MODEL" in
virtio) HW+=(-device "virtio-net-pci,netdev=n0,mac=$MAC,romfile=") ;;
e1000e) HW+=(-device "e1000e,netdev=n0,mac=$MAC,romfile=") ;;
*) die "NIC_MODEL must be virtio or e1000e, not '$NIC_MODEL'" ;;
esac
HTTP_PORT=$(free_port)
SSH_PORT=$(free_port)
[ "$HTTP_PORT" != "$SSH_PORT" ] || SSH_PORT=$(free_port)
SERIAL=$TMP/serial.log
SERIAL_SOCK=$TMP/serial.sock
QGA_SOCK=$TMP/qga.sock
say "booting $IMAGE (TCG, ${QEMU_MEM} MiB, $FIRMWARE, $DISK_BUS disk, $NIC_MODEL NIC; http 127.0.0.1:$HTTP_PORT, ssh 127.0.0.1:$SSH_PORT)"
T0=${EPOCHREALTIME/[.,]/}
qemu-system-x86_64 -accel tcg -m "$QEMU_MEM" -smp 1 \
	-nodefaults -no-user-config -display none -vga std -no-reboot \
	"${HW[@]}" \
	-netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$HTTP_PORT-:80,hostfwd=tcp:127.0.0.1:$SSH_PORT-:22" \
	-device virtio-serial \
	-chardev "socket,path=$QGA_SOCK,server=on,wait=off,id=qga0" \
	-device virtserialport,chardev=qga0,name=org.qemu.guest_agent.0 \
	-chardev "socket,path=$SERIAL_SOCK,server=on,wait=off,id=ser0,logfile=$SERIAL" \
	-serial chardev:ser0 >"$TMP/qemu.log" 2>&1 </dev/null &
QEMU_PID=$!
elapsed() { local t=$(( (${EPOCHREALTIME/[.,]/} - T0) / 100000 )); echo "$((t / 10)).$((t % 10))"; }
wait_serial() { # PATTERN SECONDS: wait until the serial log matches
	local deadline=$((SECONDS + $2))
	while [ $SECONDS -lt $deadline ]; do
		grep -aq -- "$1" "$SERIAL" 2>/dev/null && return 0
		kill -0 "$QEMU_PID" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}
serial_type() { # TEXT: type TEXT and Enter on the serial console
	printf '%s\r' "$1" | socat - "UNIX-CONNECT:$SERIAL_SOCK" 2>/dev/null
}

# --- guest agent ------------------------------------------------------------------
# Connected while the guest boots: the first answer to guest-sync is the
# moment `rangectl up` would call the host ready.
for _ in $(seq 1 100); do [ -S "$QGA_SOCK" ] && break; sleep 0.1; done
coproc AGENT { exec socat - "UNIX-CONNECT:$QGA_SOCK" 2>/dev/null; }   # sets AGENT_PID
qga_send() { printf '%s\n' "$1" >&"${AGENT[1]}"; }
qga_read() { IFS= read -r -t "$1" REPLY <&"${AGENT[0]}"; }  # -> $REPLY
sync_id=$((RANDOM * 32768 + RANDOM))
synced=0
deadline=$((SECONDS + BOOT_TIMEOUT))
while [ $SECONDS -lt $deadline ] && kill -0 "$QEMU_PID" 2>/dev/null; do
	qga_send "{\"execute\":\"guest-sync\",\"arguments\":{\"id\":$sync_id}}"
	while qga_read 1; do
		case "$REPLY" in *"\"return\": $sync_id"*) synced=1; break ;; esac
	done
	[ $synced = 1 ] && break
done
AGENT_AT=$(elapsed)
# the syncs sent while nobody listened are answered now: skip their replies
while qga_read 2; do :; done
qga_send '{"execute":"guest-ping"}'
if [ $synced = 1 ] && qga_read 10 && [ "$REPLY" = '{"return": {}}' ]; then
	ok "agent: guest-sync and guest-ping after $AGENT_AT s"
else
	fail "agent: no answer to guest-sync/guest-ping within ${BOOT_TIMEOUT} s (last: ${REPLY:-nothing})"
	say "--- qemu log"; cat "$TMP/qemu.log"
	say "--- serial log (last 40 lines)"; tail -40 "$SERIAL" 2>/dev/null; echo
	finish
fi

if wait_serial ' login: *$' "$BOOT_TIMEOUT"; then
	ok "boot: serial login prompt after $(elapsed) s ($(grep -a ' login:' "$SERIAL" | tail -1 | tr -d '\r'))"
else
	fail "boot: no login prompt on ttyS0 within ${BOOT_TIMEOUT} s"
	say "--- qemu log"; cat "$TMP/qemu.log"
	say "--- serial log (last 40 lines)"; tail -40 "$SERIAL" 2>/dev/null; echo
	finish
fi

# qga_call JSON PATTERN SECONDS: send a command and wait for a reply that
# matches PATTERN (a glob); replies to earlier commands that came too late
# are skipped.  -> $REPLY
qga_call() {
	local deadline=$((SECONDS + $3))
	qga_send "$1"
	while [ $SECONDS -lt $deadline ]; do
		qga_read $((deadline - SECONDS)) || return 1
		# shellcheck disable=SC2053 # $2 is a glob
		[[ "$REPLY" == $2 ]] && return 0
	done
	return 1
}
# guest_exec SCRIPT SECONDS: /bin/sh -c SCRIPT through the agent; sets
# EXEC_CODE and EXEC_OUT (stdout and stderr)
guest_exec() {
	local json pid="" status="" deadline=$((SECONDS + $2))
	json=$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')
	EXEC_CODE="" EXEC_OUT=""
	qga_call "{\"execute\":\"guest-exec\",\"arguments\":{\"path\":\"/bin/sh\",\"arg\":[\"-c\",\"$json 2>&1\"],\"capture-output\":true}}" '*"pid"*' 30 &&
		pid=$(echo "$REPLY" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
	[ -n "$pid" ] || { EXEC_OUT="no pid: $REPLY"; return 1; }
	while [ $SECONDS -lt $deadline ]; do
		qga_call "{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":$pid}}" '*"exited"*' 30 || break
		case "$REPLY" in *'"exited": true'*) status=$REPLY; break ;; esac
		sleep 0.5
	done
	[ -n "$status" ] || { EXEC_OUT="no exit within $2 s"; return 1; }
	EXEC_OUT=$(echo "$status" | sed -n 's/.*"out-data": *"\([^"]*\)".*/\1/p' | base64 -d 2>/dev/null)
	EXEC_CODE=$(echo "$status" | sed -n 's/.*"exitcode": *\([0-9]*\).*/\1/p')
}

# cloud-init: status --wait returns when its last stage is done
guest_exec 'cloud-init status --wait --long' 240
if [ "$EXEC_CODE" = 0 ] && echo "$EXEC_OUT" | grep -q 'status: done'; then
	ok "cloud-init: done after $(elapsed) s"
else
	fail "cloud-init: status exit '$EXEC_CODE': $EXEC_OUT"
fi
guest_exec "echo \"host=\$(hostname) user=\$(id -un $USER_NAME) ds=\$(cloud-init query platform)\"" 120
want="host=$NAME user=$USER_NAME ds=nocloud"
if [ "$EXEC_CODE" = 0 ] && [ "$EXEC_OUT" = "$want" ]; then
	ok "cloud-init: seed applied ($EXEC_OUT)"
else
	fail "cloud-init: want '$want', got '$EXEC_OUT' (exit '$EXEC_CODE')"
fi
# boot finished: every unit started, none failed
guest_exec 'systemctl is-system-running --wait; systemctl --failed --no-legend --plain' 240
if [ "$EXEC_CODE" = 0 ] && [ "$EXEC_OUT" = running ]; then
	ok "systemd: is-system-running says running after $(elapsed) s"
else
	fail "systemd: is-system-running: $(echo "$EXEC_OUT" | tr '\n' ' ')"
fi
# where the boot's time went (printed, not checked): systemd's and
# cloud-init's own accounts
guest_exec 'systemd-analyze time; systemd-analyze blame | head -n 25; systemd-analyze critical-chain qemu-guest-agent.service multi-user.target; cloud-init analyze blame | head -n 20' 120
say "--- boot profile (agent at $AGENT_AT s)"
printf '%s\n' "$EXEC_OUT" | sed 's/^/  # /'
UNITS="ssh nginx unbound postfix postfix@- qemu-guest-agent serial-getty@ttyS0 getty@tty1"
for u in $UNITS; do
	guest_exec "systemctl is-active $u.service" 60
	if [ "$EXEC_CODE" = 0 ] && [ "$EXEC_OUT" = active ]; then
		ok "service: $u is active"
	else
		fail "service: $u is '$EXEC_OUT' (exit '$EXEC_CODE')"
	fi
done
# shellcheck disable=SC2016 # expanded by the guest's shells
guest_exec 'bash -c '\''exec 3<>/dev/tcp/127.0.0.1/25 && timeout 20 head -1 <&3'\''' 30
if echo "$EXEC_OUT" | grep -q '^220 .*ESMTP Postfix'; then
	ok "postfix: SMTP greeting on 127.0.0.1:25 ($(echo "$EXEC_OUT" | tr -d '\r'))"
else
	fail "postfix: no SMTP greeting on 127.0.0.1:25 (exit '$EXEC_CODE'): $EXEC_OUT"
fi
# a DNS query (UDP) for "localhost. A", answered from unbound's local zone:
# the reply has our id (1234) and carries 127.0.0.1 (7f000001); python3 is
# there for cloud-init
DNS_PY='import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(20); s.sendto(bytes.fromhex("123401000001000000000000" + "09" + b"localhost".hex() + "00" + "00010001"), ("127.0.0.1", 53)); print(s.recv(512).hex())'
guest_exec "python3 -c '$DNS_PY'" 60
if echo "$EXEC_OUT" | grep -q '^1234.*7f000001'; then
	ok "unbound: answers localhost. A on 127.0.0.1:53"
else
	fail "unbound: no DNS answer on 127.0.0.1:53 (exit '$EXEC_CODE'): '$EXEC_OUT'"
fi

# --- the serial console: the seed's user logs in ------------------------------------
lines=$(wc -l <"$SERIAL")
serial_type ""
sleep 1
serial_type "$USER_NAME"
if wait_serial 'Password:' 30; then
	serial_type "$USER_PASS"
	sleep 2
	serial_type "echo serial-ok-\$(hostname)-\$(id -un)"
fi
# (no "^": bash may put a bracketed-paste escape before the output)
if wait_serial "serial-ok-$NAME-$USER_NAME" 60; then
	ok "console: $USER_NAME logged in on ttyS0 with the seed's password"
else
	fail "console: no shell for $USER_NAME on ttyS0"
	tail -n +"$lines" "$SERIAL" | tail -15
fi
serial_type "exit"

# --- services through the forwards ---------------------------------------------------
page=$( (exec 3<>"/dev/tcp/127.0.0.1/$HTTP_PORT" &&
	printf 'GET / HTTP/1.0\r\nHost: %s\r\n\r\n' "$NAME" >&3 &&
	timeout 10 cat <&3) 2>/dev/null)
if echo "$page" | head -1 | grep -q ' 200 ' && echo "$page" | grep -q 'Welcome to nginx'; then
	ok "http: GET / on 127.0.0.1:$HTTP_PORT is nginx's page"
else
	fail "http: GET / on 127.0.0.1:$HTTP_PORT: $(echo "$page" | head -3)"
fi
banner=$( (exec 3<>"/dev/tcp/127.0.0.1/$SSH_PORT" && timeout 10 head -1 <&3) 2>/dev/null | tr -d '\r')
if echo "$banner" | grep -q '^SSH-2.0-OpenSSH'; then
	ok "ssh: banner on 127.0.0.1:$SSH_PORT ($banner)"
else
	fail "ssh: no OpenSSH banner on 127.0.0.1:$SSH_PORT: '$banner'"
fi

# --- power off through the agent -----------------------------------------------------
qga_send '{"execute":"guest-shutdown"}'
off=0
for _ in $(seq 1 600); do
	kill -0 "$QEMU_PID" 2>/dev/null || { off=1; break; }
	sleep 0.1
done
if [ $off = 1 ]; then
	ok "agent: guest-shutdown powered the guest off"
	QEMU_PID=""
else
	fail "agent: guest still running 60 s after guest-shutdown"
fi
say "total $(elapsed) s"
finish
