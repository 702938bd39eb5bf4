#!/usr/bin/env bash
# images/test-boot.sh [OUTDIR] -- smoke test of the rangectl appliance.
#
# Builds the appliance (images/build.sh OUTDIR, a no-op when up to date),
# boots it in plain QEMU under TCG (never KVM) with one virtio NIC on
# restricted user-mode networking (no traffic leaves QEMU; HTTP and telnet
# are forwarded from 127.0.0.1 only) and the guest agent on a virtio-serial
# port, then checks:
#   1. the serial console shows "rangectl-appliance: ready NAME" in time
#   2. the agent answers guest-sync / guest-ping
#   3. guest-exec of /bin/sh -c '...' (pidof httpd, nc -z, hostname) and
#      guest-exec-status return its output and exit status 0
#   4. HTTP GET / through the 127.0.0.1 forward returns the page
#   5. the telnet port (22) accepts a connection
#   6. guest-shutdown powers the guest off (QEMU exits by itself)
# QEMU is killed by its PID at the end whatever happens.  Exit status 0 when
# every check passed, 1 otherwise; the last line is "N passed, N failed".
#
# Environment: BOOT_TIMEOUT (s, default 90), QEMU_MEM (MiB, default 128),
# TEST_BOOT_NO_BUILD=1 (use OUTDIR as it is), KEEP_TMP=1 (keep logs).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${1:-$HERE/build}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-90}
QEMU_MEM=${QEMU_MEM:-128}
NAME=smoke1
MAC=52:54:00:5a:00:01

say() { echo "test-boot: $*"; }
die() { echo "test-boot: error: $*" >&2; exit 1; }
PASSED=0
FAILED=0
ok() { PASSED=$((PASSED + 1)); say "ok   - $*"; }
fail() { FAILED=$((FAILED + 1)); say "FAIL - $*"; }
finish() {
	echo "test-boot: $PASSED passed, $FAILED failed"
	[ "$FAILED" = 0 ] && [ "$PASSED" -gt 0 ]
	exit
}

# --- tools --------------------------------------------------------------------
need=""
command -v qemu-system-x86_64 >/dev/null || need="$need qemu-system-x86"
command -v socat >/dev/null || need="$need socat"
command -v base64 >/dev/null || need="$need coreutils"
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
	"$HERE/build.sh" "$OUT" || die "images/build.sh failed"
fi
OUT=$(cd "$OUT" && pwd) || die "no $OUT"
for f in vmlinuz appliance.cpio.gz; do
	[ -s "$OUT/$f" ] || die "missing $OUT/$f (run images/build.sh)"
done

TMP=$(mktemp -d /tmp/rangectl-test-boot.XXXXXX)
QEMU_PID=""
AGENT_PID=""
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null
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

# A free TCP port on 127.0.0.1 (nothing answers a connect to it).
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 40000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
}

# --- boot -----------------------------------------------------------------------
HTTP_PORT=$(free_port)
TELNET_PORT=$(free_port)
[ "$HTTP_PORT" != "$TELNET_PORT" ] || TELNET_PORT=$(free_port)
SERIAL=$TMP/serial.log
QGA_SOCK=$TMP/qga.sock
APPEND="console=ttyS0 quiet panic=-1 rangectl.hostname=$NAME"
APPEND="$APPEND rangectl.addr=$MAC,10.0.2.15/24 rangectl.gw=10.0.2.2"
say "booting $OUT/vmlinuz + appliance.cpio.gz (TCG, ${QEMU_MEM} MiB; http 127.0.0.1:$HTTP_PORT, telnet 127.0.0.1:$TELNET_PORT)"
T0=${EPOCHREALTIME/[.,]/}
qemu-system-x86_64 -accel tcg -m "$QEMU_MEM" -smp 1 \
	-nodefaults -no-user-config -display none -vga none -no-reboot \
	-kernel "$OUT/vmlinuz" -initrd "$OUT/appliance.cpio.gz" -append "$APPEND" \
	-netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$HTTP_PORT-:80,hostfwd=tcp:127.0.0.1:$TELNET_PORT-:22" \
	-device "virtio-net-pci,netdev=n0,mac=$MAC,romfile=" \
	-device virtio-serial \
	-chardev "socket,path=$QGA_SOCK,server=on,wait=off,id=qga0" \
	-device virtserialport,chardev=qga0,name=org.qemu.guest_agent.0 \
	-serial "file:$SERIAL" >"$TMP/qemu.log" 2>&1 </dev/null &
QEMU_PID=$!
elapsed() { local t=$(( (${EPOCHREALTIME/[.,]/} - T0) / 100000 )); echo "$((t / 10)).$((t % 10))"; }

ready=0
deadline=$((SECONDS + BOOT_TIMEOUT))
while [ $SECONDS -lt $deadline ]; do
	if grep -q "rangectl-appliance: ready $NAME" "$SERIAL" 2>/dev/null; then
		ready=1
		break
	fi
	kill -0 "$QEMU_PID" 2>/dev/null || break
	sleep 0.1
done
if [ $ready = 1 ]; then
	ok "boot: ready line after $(elapsed) s"
else
	fail "boot: no ready line within ${BOOT_TIMEOUT} s"
	say "--- qemu log"; cat "$TMP/qemu.log"
	say "--- serial log (last 40 lines)"; tail -40 "$SERIAL" 2>/dev/null; echo
	finish
fi

# --- guest agent ------------------------------------------------------------------
# One connection to the agent socket, kept open as a coprocess; every reply
# is one JSON line.
coproc AGENT { exec socat - "UNIX-CONNECT:$QGA_SOCK" 2>/dev/null; }   # sets AGENT_PID
qga_send() { printf '%s\n' "$1" >&"${AGENT[1]}"; }
qga_read() { # -> $REPLY, one line within $1 s
	IFS= read -r -t "$1" REPLY <&"${AGENT[0]}"
}
# guest-sync with a random id: skip any stale line until our id comes back
# (the agent may still be opening its port right after the ready line).
sync_id=$((RANDOM * 32768 + RANDOM))
synced=0
for _ in 1 2 3 4 5 6 7 8 9 10; do
	qga_send "{\"execute\":\"guest-sync\",\"arguments\":{\"id\":$sync_id}}"
	while qga_read 3; do
		case "$REPLY" in *"\"return\": $sync_id"*) synced=1; break ;; esac
	done
	[ $synced = 1 ] && break
done
qga_send '{"execute":"guest-ping"}'
if [ $synced = 1 ] && qga_read 10 && [ "$REPLY" = '{"return": {}}' ]; then
	ok "agent: guest-sync and guest-ping"
else
	fail "agent: no answer to guest-sync/guest-ping (last: ${REPLY:-nothing})"
fi

# guest-exec /bin/sh -c SCRIPT, then poll guest-exec-status until it exits
# shellcheck disable=SC2016 # expanded by the guest's shell
SCRIPT='pidof httpd >/dev/null && nc -z -w1 127.0.0.1 80 && nc -z -w1 127.0.0.1 22 && ! nc -z -w1 127.0.0.1 23 && echo "exec-ok $(hostname)"'
json_script=$(printf '%s' "$SCRIPT" | sed 's/\\/\\\\/g; s/"/\\"/g')
qga_send "{\"execute\":\"guest-exec\",\"arguments\":{\"path\":\"/bin/sh\",\"arg\":[\"-c\",\"$json_script\"],\"capture-output\":true}}"
pid=""
qga_read 10 && pid=$(echo "$REPLY" | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
status=""
if [ -n "$pid" ]; then
	for _ in $(seq 1 50); do
		qga_send "{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":$pid}}"
		qga_read 10 || break
		case "$REPLY" in *'"exited": true'*) status=$REPLY; break ;; esac
		sleep 0.2
	done
fi
out=$(echo "$status" | sed -n 's/.*"out-data": *"\([^"]*\)".*/\1/p' | base64 -d 2>/dev/null)
code=$(echo "$status" | sed -n 's/.*"exitcode": *\([0-9]*\).*/\1/p')
if [ "$code" = 0 ] && [ "$out" = "exec-ok $NAME" ]; then
	ok "agent: guest-exec /bin/sh -c '...' -> exit 0, \"$out\""
else
	fail "agent: guest-exec (pid '${pid}', exit '${code}', out '${out}', reply: ${status:-${REPLY:-none}})"
fi

# --- services through the forwards ---------------------------------------------------
page=$( (exec 3<>"/dev/tcp/127.0.0.1/$HTTP_PORT" &&
	printf 'GET / HTTP/1.0\r\nHost: %s\r\n\r\n' "$NAME" >&3 &&
	timeout 10 cat <&3) 2>/dev/null)
if echo "$page" | head -1 | grep -q ' 200 ' && echo "$page" | grep -q "<h1>$NAME</h1>" &&
	echo "$page" | grep -q rangectl; then
	ok "http: GET / on 127.0.0.1:$HTTP_PORT names $NAME and rangectl"
else
	fail "http: GET / on 127.0.0.1:$HTTP_PORT: $(echo "$page" | head -3)"
fi
# slirp accepts the forwarded connection itself, so wait for the guest's
# telnet negotiation bytes (IAC = 0xff) to be sure telnetd answered
if (exec 3<>"/dev/tcp/127.0.0.1/$TELNET_PORT" && timeout 10 head -c 3 <&3 | od -An -tx1 | grep -q ff) 2>/dev/null; then
	ok "telnet: port 22 answers on 127.0.0.1:$TELNET_PORT"
else
	fail "telnet: no telnet negotiation from port 22"
fi

# --- power off through the agent -----------------------------------------------------
qga_send '{"execute":"guest-shutdown"}'
off=0
for _ in $(seq 1 150); do
	kill -0 "$QEMU_PID" 2>/dev/null || { off=1; break; }
	sleep 0.1
done
if [ $off = 1 ]; then
	ok "agent: guest-shutdown powered the guest off"
	QEMU_PID=""
else
	fail "agent: guest still running 15 s after guest-shutdown"
fi
finish
