#!/usr/bin/env bash
# Service checks against real servers, in a network namespace of our own.
#
# usage: tests/checks/run.sh BUILD
#
# Needs root (a namespace) and Debian's nginx-light, unbound, dovecot-imapd,
# dovecot-pop3d, openssh-server and slapd, which it installs if missing with services kept from
# starting (a policy-rc.d of its own while apt runs, when none is there).
# Every daemon is started by hand inside the namespace, with its own
# configuration in a temporary folder, and stopped by its PID; no traffic
# leaves the namespace (its only addresses are 10.99.0.1 and loopback).
# BUILD/tests/checks/probe runs the checks through check_run(): each kind
# must be up while its server runs, and down once it is stopped.
set -u
build=${1:?usage: tests/checks/run.sh BUILD}
cd "$(dirname "$0")/../.." || exit 1
probe=$(realpath "$build/tests/checks/probe")
passed=0 failed=0
pass() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
finish() { echo "$passed passed, $failed failed"; exit $((failed > 0)); }

if [ "$(id -u)" -ne 0 ]; then
	echo "# left out: a network namespace needs root"
	finish
fi
[ -x "$probe" ] || { fail probe "$probe is not built"; finish; }

# The packages, never started by their install.
need=()
for p in nginx-light unbound dovecot-imapd dovecot-pop3d openssl openssh-server openssh-client slapd; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	echo "# installing ${need[*]}"
	guard=
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		guard=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"${need[@]}" >/dev/null 2>&1 ||
		{ apt-get update -q >/dev/null 2>&1 &&
		  DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends "${need[@]}" >/dev/null 2>&1; }
	rc=$?
	[ -n "$guard" ] && rm -f /usr/sbin/policy-rc.d
	[ $rc -eq 0 ] || { fail packages "cannot install ${need[*]}"; finish; }
fi

ns=rangectl-checks-$$
tmp=$(mktemp -d)
chmod 755 "$tmp"
pids=()
cleanup() {
	local pid
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null
	done
	ip netns delete "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$ns" || { fail namespace "cannot create $ns"; finish; }
in_ns() { ip netns exec "$ns" "$@"; }
# The servers' address, on the namespace's own loopback: nothing leaves it.
in_ns ip link set lo up
in_ns ip addr add 10.99.0.1/32 dev lo
addr=10.99.0.1

# Starts a daemon in the namespace in the foreground of a background job;
# its PID goes to pids[] and to the variable named $1. ip netns exec execs
# the daemon, so the job's PID is the daemon's.
start() {
	local var=$1
	shift
	ip netns exec "$ns" "$@" >>"$tmp/$var.log" 2>&1 &
	pids+=($!)
	printf -v "$var" '%s' $!
}

# Waits until the namespace has something listening on proto/port.
listening() {
	local proto=$1 port=$2 i
	for i in $(seq 50); do
		in_ns ss -H -ln"${proto:0:1}" "sport = :$port" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

# expect up NAME CHECK... or expect down NAME WHY CHECK...: runs the probe,
# whose output is "KIND up" or "KIND down: REASON"; a down one must give a
# reason that contains WHY.
expect() {
	local want=$1 name=$2 why= out
	shift 2
	if [ "$want" = down ]; then
		why=$1
		shift
	fi
	out=$(in_ns "$probe" -t 2000 "$@" 2>&1)
	case "$want:$out" in
	up:*" up") pass "$name is up" ;;
	down:*" down: "*"$why"*) pass "$name is down (${out#* down: })" ;;
	*) fail "$name" "want $want${why:+ ($why)}, got: $out" ;;
	esac
	# A password never shows in a result.
	case "$out" in *s3cret*) fail "$name" "the password shows: $out" ;; esac
}

stop() {
	local pid=$1
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# ---- nginx: http and https with a self-signed certificate ----------------
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=$addr" \
	-addext "subjectAltName=IP:$addr" -keyout "$tmp/key.pem" \
	-out "$tmp/cert.pem" >/dev/null 2>&1
mkdir -p "$tmp/www"
echo "rangectl works" >"$tmp/www/index.html"
cat >"$tmp/nginx.conf" <<CONF
daemon off;
master_process off;
pid $tmp/nginx.pid;
error_log $tmp/nginx.error.log;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $tmp/body;
	proxy_temp_path $tmp/proxy;
	fastcgi_temp_path $tmp/fastcgi;
	uwsgi_temp_path $tmp/uwsgi;
	scgi_temp_path $tmp/scgi;
	server {
		listen $addr:80;
		listen $addr:443 ssl;
		ssl_certificate $tmp/cert.pem;
		ssl_certificate_key $tmp/key.pem;
		root $tmp/www;
	}
}
CONF
web=(kind=http addr=$addr path=/ expect_body=rangectl)
tls=(kind=https addr=$addr path=/ verify=false expect_body=rangectl)
start nginx nginx -c "$tmp/nginx.conf"
if listening tcp 443; then
	expect up http "${web[@]}"
	expect up "https verify: false" "${tls[@]}"
	expect down "https verifying a self-signed certificate" "certificate not trusted" kind=https addr=$addr
	expect down "http expecting a missing body" "body lacks 'absent'" kind=http addr=$addr expect_body=absent
	stop "$nginx"
	expect down "http, nginx stopped" "connection refused" "${web[@]}"
	expect down "https, nginx stopped" "connection refused" "${tls[@]}"
else
	fail nginx "does not listen: $(tail -3 "$tmp/nginx.log" "$tmp/nginx.error.log" 2>/dev/null)"
fi

# ---- unbound: a zone ------------------------------------------------------
cat >"$tmp/unbound.conf" <<CONF
server:
	interface: $addr
	port: 53
	do-daemonize: no
	username: ""
	chroot: ""
	directory: "$tmp"
	pidfile: "$tmp/unbound.pid"
	use-syslog: no
	logfile: ""
	access-control: 0.0.0.0/0 allow
	do-ip6: no
	local-zone: "ro.example." static
	local-data: "www.ro.example. A 10.99.0.10"
	local-data: "ro.example. MX 10 mail.ro.example."
	local-data: "ro.example. TXT \"rangectl zone\""
remote-control:
	control-enable: no
CONF
dns=(kind=dns addr=$addr query=www.ro.example type=A expect=10.99.0.10)
start unbound unbound -d -c "$tmp/unbound.conf"
if listening udp 53; then
	expect up "dns A" "${dns[@]}"
	expect up "dns MX" kind=dns addr=$addr query=ro.example type=MX expect=mail.ro.example
	expect up "dns TXT" kind=dns addr=$addr query=ro.example type=TXT expect=rangectl
	expect down "dns A, another address expected" "(one is '10.99.0.10')" kind=dns addr=$addr query=www.ro.example expect=10.99.0.11
	expect down "dns, a name outside the zone's data" "no such name" kind=dns addr=$addr query=nope.ro.example
	stop "$unbound"
	expect down "dns, unbound stopped" "connection refused" "${dns[@]}"
else
	fail unbound "does not listen: $(tail -3 "$tmp/unbound.log")"
fi

# ---- dovecot: imap and pop3 with a login ----------------------------------
mkdir -p "$tmp/dovecot" "$tmp/mail"
chmod 777 "$tmp/mail"
echo "ops:{PLAIN}s3cret::::::" >"$tmp/passwd"
cat >"$tmp/dovecot.conf" <<CONF
protocols = imap pop3
listen = $addr
base_dir = $tmp/dovecot
state_dir = $tmp/dovecot
log_path = $tmp/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_failure_delay = 0
# No growing penalty for the failed logins this test makes on purpose.
service anvil {
	unix_listener anvil-auth-penalty {
		mode = 0
	}
}
auth_mechanisms = plain login
mail_location = maildir:$tmp/mail/%u
passdb {
	driver = passwd-file
	args = scheme=PLAIN $tmp/passwd
}
userdb {
	driver = static
	args = uid=nobody gid=nogroup home=$tmp/mail/%u
}
CONF
imap=(kind=imap addr=$addr user=ops password=s3cret)
pop=(kind=pop3 addr=$addr user=ops password=s3cret)
start dovecot dovecot -F -c "$tmp/dovecot.conf"
if listening tcp 143 && listening tcp 110; then
	expect up "imap login" "${imap[@]}"
	expect up "pop3 login" "${pop[@]}"
	expect down "imap, a wrong password" "login denied" kind=imap addr=$addr user=ops password=s3cretx
	expect down "pop3, a wrong password" "login denied" kind=pop3 addr=$addr user=ops password=s3cretx
	stop "$dovecot"
	expect down "imap, dovecot stopped" "connection refused" "${imap[@]}"
	expect down "pop3, dovecot stopped" "connection refused" "${pop[@]}"
else
	fail dovecot "does not listen: $(tail -3 "$tmp/dovecot.log" "$tmp/dovecot.log" 2>/dev/null)"
fi

# ---- smtp: Python's smtpd, Debian's python3 (3.11) ------------------------
smtp=(kind=smtp addr=$addr)
start smtpd /usr/bin/python3 -W ignore -m smtpd -n -c DebuggingServer "$addr:25"
if listening tcp 25; then
	expect up "smtp banner and EHLO" "${smtp[@]}"
	stop "$smtpd"
	expect down "smtp, the server stopped" "connection refused" "${smtp[@]}"
else
	fail smtpd "does not listen: $(tail -3 "$tmp/smtpd.log")"
fi

# ---- slapd: a directory of its own, loaded before it starts ----------------
mkdir -p "$tmp/ldap"
cat >"$tmp/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile $tmp/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
suffix "dc=ro,dc=example"
rootdn "cn=admin,dc=ro,dc=example"
rootpw s3cret
directory $tmp/ldap
CONF
cat >"$tmp/ro.ldif" <<LDIF
dn: dc=ro,dc=example
objectClass: dcObject
objectClass: organization
dc: ro
o: ro

dn: uid=ops,dc=ro,dc=example
objectClass: inetOrgPerson
uid: ops
cn: ops
sn: ops
LDIF
ldap=(kind=ldap addr=$addr base=dc=ro,dc=example "filter=(uid=ops)")
admin=(user=cn=admin,dc=ro,dc=example)
if slapadd -f "$tmp/slapd.conf" -l "$tmp/ro.ldif" >"$tmp/slapadd.log" 2>&1; then
	start slapd /usr/sbin/slapd -d 0 -h "ldap://$addr:389/" -f "$tmp/slapd.conf"
	if listening tcp 389; then
		# An unbind written to a socket the batch shut down once killed the
		# probe with SIGPIPE: every result here says it is blocked now.
		expect up "ldap search finds uid=ops" "${ldap[@]}"
		expect up "ldap bind as the admin, then the search" "${ldap[@]}" "${admin[@]}" password=s3cret
		expect up "ldap base alone" kind=ldap addr=$addr base=dc=ro,dc=example
		expect down "ldap, a filter nothing matches" "no entry matches" kind=ldap addr=$addr base=dc=ro,dc=example "filter=(uid=nobody)"
		expect down "ldap, a wrong password" "login denied" "${ldap[@]}" "${admin[@]}" password=s3cretx
		expect down "ldap, a base that is not there" "No such object" kind=ldap addr=$addr base=dc=nope,dc=example
		stop "$slapd"
		expect down "ldap, slapd stopped" "connection refused" "${ldap[@]}"
	else
		fail slapd "does not listen: $(tail -3 "$tmp/slapd.log")"
	fi
else
	fail slapadd "$(tail -3 "$tmp/slapadd.log")"
fi

# ---- sshd: a password, a key, a command and its output -------------------
# The user 'ops' exists only for sshd: ip netns exec gives it a mount
# namespace of its own, where copies of passwd and shadow with 'ops' added
# are mounted over the machine's.
ssh-keygen -q -t ed25519 -N '' -f "$tmp/ssh_host_key"
ssh-keygen -q -t ed25519 -N '' -f "$tmp/ops_key"
ssh-keygen -q -t ed25519 -N '' -f "$tmp/stranger_key"
cp "$tmp/ops_key.pub" "$tmp/authorized_keys"
mkdir -p "$tmp/ops" /run/sshd
{ grep -v '^ops:' /etc/passwd; echo "ops:x:4242:4242:ops:$tmp/ops:/bin/sh"; } >"$tmp/passwd"
{ grep -v '^ops:' /etc/shadow; echo "ops:$(openssl passwd -6 s3cret):19000:0:99999:7:::"; } >"$tmp/shadow"
chmod 640 "$tmp/shadow"
cat >"$tmp/sshd_config" <<CONF
ListenAddress $addr:22
HostKey $tmp/ssh_host_key
PidFile $tmp/sshd.pid
UsePAM no
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile $tmp/authorized_keys
StrictModes no
PermitRootLogin no
MaxStartups 100
CONF
ssh=(kind=ssh addr=$addr user=ops password=s3cret run="id -un" expect=ops)
start sshd sh -c "mount --bind '$tmp/passwd' /etc/passwd &&
	mount --bind '$tmp/shadow' /etc/shadow &&
	exec /usr/sbin/sshd -D -e -f '$tmp/sshd_config'"
if listening tcp 22; then
	expect up "ssh handshake" kind=ssh addr=$addr
	expect up "ssh password, id -un is ops" "${ssh[@]}"
	expect up "ssh key, id -un is ops" kind=ssh addr=$addr user=ops key="$tmp/ops_key" run="id -un" expect=ops
	expect down "ssh, a wrong password" "login denied" kind=ssh addr=$addr user=ops password=s3cretx
	expect down "ssh, a key sshd does not know" "login denied" kind=ssh addr=$addr user=ops key="$tmp/stranger_key"
	expect down "ssh, another output expected" "output lacks 'root'" "${ssh[@]/expect=ops/expect=root}"
	expect down "ssh, a command that fails" "exited with status 3" kind=ssh addr=$addr user=ops password=s3cret run="exit 3"
	expect down "ssh, a command longer than the deadline" "did not end within" kind=ssh addr=$addr user=ops password=s3cret run="sleep 5"
	stop "$sshd"
	expect down "ssh, sshd stopped" "connection refused" "${ssh[@]}"
else
	fail sshd "does not listen: $(tail -3 "$tmp/sshd.log")"
fi

# ---- icmp: an address of the namespace's, then none -----------------------
# A datagram socket needs root's group in ping_group_range (the namespace's
# own, "1 0" to begin with: none); without it a raw socket is used.
in_ns ip addr add 10.99.0.2/32 dev lo
expect up "icmp through a raw socket" kind=icmp addr=10.99.0.2
in_ns sysctl -q -w net.ipv4.ping_group_range="0 0"
expect up "icmp through a datagram socket" kind=icmp addr=10.99.0.2
in_ns ip addr del 10.99.0.2/32 dev lo
expect down "icmp, the address gone" "unreachable" kind=icmp addr=10.99.0.2

# ---- all of them at once, every server down: one timeout in all ----------
# A server that accepts and says nothing, for the ssh handshake's deadline.
start silent /usr/bin/python3 -c "import socket, time
s = socket.socket(); s.bind(('$addr', 2222)); s.listen(64); time.sleep(30)"
listening tcp 2222 || fail silent "does not listen"
start=$(date +%s%N)
in_ns "$probe" -t 1000 "${web[@]}" "${tls[@]}" "${dns[@]}" "${imap[@]}" \
	"${pop[@]}" "${smtp[@]}" "${ldap[@]}" "${ssh[@]}" kind=ssh addr=$addr port=2222 \
	kind=icmp addr=10.99.0.2 >"$tmp/all.out" 2>&1
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ "$(grep -c ' down: ' "$tmp/all.out")" -eq 10 ] && [ "$ms" -lt 1900 ]; then
	pass "nine kinds at once, all down, in $ms ms"
else
	fail "nine kinds at once" "$ms ms: $(cat "$tmp/all.out")"
fi
finish
