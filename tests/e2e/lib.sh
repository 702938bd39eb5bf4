# shellcheck shell=bash
# tests/e2e/lib.sh: a private libvirtd for end-to-end tests.
#
# Sourced by an e2e test (bash). It gives the test its own libvirtd and
# virtlogd, running inside a fresh network namespace and a private mount
# namespace, so that the test's bridges, guests and dnsmasq are invisible to
# the rest of the machine and nothing the test does reaches any address but
# those inside its own namespace.  See tests/e2e/README.md for the why.
#
#   e2e_install            install the packages (only what is missing);
#                          E2E_INSTALL_STARTED: PIDs of host-wide daemons
#                          that appeared during it (should be none)
#   e2e_start NAME         start the namespaces and the daemons; sets
#                          E2E_NS, E2E_DIR, E2E_URI; installs an EXIT trap
#   e2e_exec CMD...        run CMD inside the namespaces (net + mount)
#   e2e_spawn CMD...       the same in the background; E2E_SPAWNED: its PID
#   e2e_virsh ARGS...      virsh against our daemon (from anywhere)
#   e2e_stop               destroy what is left, stop everything, remove all;
#                          safe to call twice
#   e2e_restart_libvirtd   stop and start libvirtd, keeping its state
#   e2e_leftovers          print what is left of this run (empty = clean)
#   e2e_reap_stale         tear down runs whose test was killed (e2e_start
#                          calls it)
#   e2e_show_logs          print the ends of the daemon, QEMU, console logs
#   e2e_ok / e2e_fail / e2e_skip / e2e_check / e2e_summary   tap-like counting
#
# Settings (environment):
#   E2E_QEMU_USER   root (default) or libvirt-qemu: the user QEMU runs as
#   E2E_KVM         1: let the daemon see /dev/kvm (default: hidden)
#   E2E_DEBUG       1: libvirtd logs at debug level
#   E2E_KEEP        1: keep E2E_DIR (logs, console) after e2e_stop
#   E2E_NO_REAP     1: e2e_start leaves stale runs alone
#   E2E_START_TIMEOUT  seconds to wait for libvirtd to answer (default 60)
#   E2E_KILL_WAIT   seconds between SIGTERM and SIGKILL (default 10)
#   E2E_LISTEN_TCP  1: libvirtd also listens on TCP port 16509 of the
#                   namespace's addresses, unauthenticated (a node reached
#                   over qemu+tcp://)
#   E2E_HOOK        a file installed as the daemon's network hook
#                   (/etc/libvirt/hooks/network.d/rangectl)

E2E_PACKAGES=(libvirt-daemon libvirt-daemon-driver-qemu libvirt-daemon-system
	libvirt-clients qemu-system-x86 dnsmasq-base iptables iproute2
	util-linux curl qemu-utils)

# PIDs of the host-wide libvirt daemons, sorted: those in our own network
# namespace (the daemons of e2e tests, running now or not, are in theirs).
e2e_daemon_pids() {
	local n pid self
	self=$(readlink /proc/self/ns/net)
	for n in libvirtd virtlogd virtlockd virtqemud virtnetworkd; do
		for pid in $(pgrep -x "$n"); do
			[ "$(readlink "/proc/$pid/ns/net" 2>/dev/null)" = "$self" ] && echo "$pid"
		done
	done | sort
}

e2e_log() { printf '# %s\n' "$*" >&2; }
e2e_die() { printf 'FAIL e2e: %s\n' "$*" >&2; exit 1; }

# Installs what is missing of E2E_PACKAGES.  The packages' maintainer
# scripts would start a host-wide libvirtd/virtlogd where they can; a
# policy-rc.d that answers 101 ("action forbidden") stops invoke-rc.d from
# doing so, and any daemon that appears all the same
# is reported (and left alone: it is not ours, and ours never talk to it).
e2e_install() {
	local missing=() p before after policy=/usr/sbin/policy-rc.d saved=""
	for p in "${E2E_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
	# libvirt-daemon-system depends on -systemd | -sysv; without systemd
	# running, the sysv flavour is the one that fits and pulls in nothing else
	# (the -systemd one would install systemd itself as a dependency).
	if [ ${#missing[@]} -gt 0 ] &&
		! dpkg-query -W -f='${Status}' libvirt-daemon-system-systemd 2>/dev/null | grep -q 'ok installed' &&
		! dpkg-query -W -f='${Status}' libvirt-daemon-system-sysv 2>/dev/null | grep -q 'ok installed'; then
		missing+=(libvirt-daemon-system-sysv)
	fi
	[ ${#missing[@]} -eq 0 ] && return 0
	e2e_log "installing: ${missing[*]}"
	before=$(e2e_daemon_pids)
	if [ -e "$policy" ] && ! grep -qx 'exit 101' "$policy"; then
		saved=$(mktemp) && cp -p "$policy" "$saved"
	fi
	if [ ! -e "$policy" ] || [ -n "$saved" ]; then
		printf '#!/bin/sh\n# rangectl tests/e2e: no service starts during install\nexit 101\n' >"$policy"
		chmod 755 "$policy"
	else
		policy=""	# the existing one already forbids starts: leave it
	fi
	local rc=0
	# On a new machine the package lists are empty: update first, every time
	# something is missing (a few seconds, and never stale).
	apt-get update -q >/tmp/rc-e2e-apt.log 2>&1 || rc=$?
	[ "$rc" -eq 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"${missing[@]}" >>/tmp/rc-e2e-apt.log 2>&1 || rc=$?
	if [ -n "$saved" ]; then mv "$saved" "$policy"
	elif [ -n "$policy" ]; then rm -f "$policy"
	fi
	if [ "$rc" -ne 0 ]; then
		tail -n 30 /tmp/rc-e2e-apt.log >&2
		e2e_die "apt-get install ${missing[*]} failed (exit $rc), log in /tmp/rc-e2e-apt.log"
	fi
	after=$(e2e_daemon_pids)
	# Our daemons live in their own mount namespace and never use the host's
	# sockets or state, so a host-wide daemon does not disturb them; it is
	# not ours to stop either.  Say so, so that whoever runs the test knows.
	local pid
	E2E_INSTALL_STARTED=""
	for pid in $(comm -13 <(echo "$before") <(echo "$after")); do
		e2e_log "warning: the install started a host-wide $(ps -o comm= -p "$pid") (PID $pid); left alone"
		E2E_INSTALL_STARTED="$E2E_INSTALL_STARTED $pid"
	done
	return 0
}

# --- time -------------------------------------------------------------------

# Seconds since the epoch with microseconds (bash 5).
e2e_now() { printf '%s\n' "${EPOCHREALTIME/,/.}"; }

# Seconds elapsed since $1 (an e2e_now value), with one decimal.
e2e_since() {
	local now=${EPOCHREALTIME/[.,]/} then=${1/[.,]/}
	local d=$(( (now - then) / 100000 ))
	printf '%d.%d\n' $((d / 10)) $((d % 10))
}

# --- processes and namespaces ---------------------------------------------------

# True when PID $1 exists and is not a zombie.  PID 1 here may be slow to
# reap the daemons that were reparented to it, so kill -0 is not enough.
e2e_alive() {
	local stat
	{ read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# PIDs (not zombies) whose network or mount namespace is ours, by inode;
# this finds what our daemons spawned (qemu, dnsmasq, helpers) even after
# they were reparented, and works after the namespace's name is gone.
e2e_ns_pids() {
	local ino path pid
	[ -n "${E2E_NETNS_INO:-}" ] || return 0
	# One stat for all (forks are slow here); zombies have no namespaces.
	{ stat -L -c '%i %n' /proc/[0-9]*/ns/net /proc/[0-9]*/ns/mnt 2>/dev/null || :; } |
		while read -r ino path; do
			case "$path" in
			*/net) [ "$ino" = "$E2E_NETNS_INO" ] || continue ;;
			*/mnt) [ "$ino" = "${E2E_MNTNS_INO:-none}" ] || continue ;;
			esac
			pid=${path#/proc/}
			pid=${pid%%/*}
			e2e_alive "$pid" && echo "$pid"
		done | sort -un
}

# Sends SIGTERM to the PIDs given, waits up to $E2E_KILL_WAIT seconds for
# them to go, then SIGKILLs the rest.
e2e_kill_wait() {
	local pid left i
	[ $# -gt 0 ] || return 0
	for pid in "$@"; do kill -TERM "$pid" 2>/dev/null; done
	for ((i = 0; i < ${E2E_KILL_WAIT:-10} * 10; i++)); do
		left=""
		for pid in "$@"; do e2e_alive "$pid" && left="$left $pid"; done
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	e2e_log "still running after SIGTERM, sending SIGKILL:$left"
	for pid in $left; do kill -KILL "$pid" 2>/dev/null; done
	for ((i = 0; i < 50; i++)); do
		left=""
		for pid in "$@"; do e2e_alive "$pid" && left="$left $pid"; done
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	e2e_log "warning: could not stop:$left"
	return 1
}

# --- the private daemon ---------------------------------------------------------

# Writes the private /etc/libvirt into $E2E_DIR/etc.  Only what the tests
# need is there: no domains, networks, pools or hooks of the host, so nothing
# autostarts (Debian's "default" NAT network in particular), but the host's
# nwfilter definitions (clean-traffic...) are copied.
e2e_write_config() {
	local etc=$E2E_DIR/etc level=3
	mkdir -p "$etc/qemu/networks/autostart" "$etc/storage/autostart" "$etc/nwfilter"
	[ -d /etc/libvirt/nwfilter ] && cp -a /etc/libvirt/nwfilter/. "$etc/nwfilter/"
	[ "${E2E_DEBUG:-0}" = 1 ] && level=1
	cat >"$etc/libvirtd.conf" <<-CONF
	# rangectl tests/e2e: private libvirtd, root-only socket, no polkit
	# (there is no D-Bus in the namespace, and only root may connect).
	unix_sock_group = "root"
	unix_sock_ro_perms = "0700"
	unix_sock_rw_perms = "0700"
	auth_unix_ro = "none"
	auth_unix_rw = "none"
	log_filters = "3:remote 4:event 3:util.json 3:rpc 3:object 3:util.object"
	log_outputs = "$level:file:/var/log/libvirt/libvirtd.log"
	CONF
	if [ -n "${E2E_LISTEN_TCP:-}" ]; then
		# A node of a range over several: reached over qemu+tcp:// on its
		# namespace's addresses only (nothing else reaches them).
		cat >>"$etc/libvirtd.conf" <<-CONF
		listen_tls = 0
		listen_tcp = 1
		listen_addr = "0.0.0.0"
		auth_tcp = "none"
		CONF
	fi
	if [ -n "${E2E_HOOK:-}" ]; then
		# libvirtd reads its hooks when it starts: this one before it does.
		mkdir -p "$etc/hooks/network.d"
		install -m 755 "$E2E_HOOK" "$etc/hooks/network.d/rangectl"
	fi
	cat >"$etc/virtlogd.conf" <<-CONF
	log_outputs = "3:file:/var/log/libvirt/virtlogd.log"
	CONF
	if [ "${E2E_QEMU_USER:-root}" = root ]; then
		cat >"$etc/qemu.conf" <<-CONF
		# rangectl tests/e2e: QEMU runs as root and libvirt changes no file's
		# owner: the kernel and disks of the checkout stay as they are, and
		# any path root can read works.  See tests/e2e/README.md.
		user = "root"
		group = "root"
		dynamic_ownership = 0
		remember_owner = 0
		security_driver = "none"
		stdio_handler = "logd"
		namespaces = [ ]
		CONF
	else
		cat >"$etc/qemu.conf" <<-CONF
		# rangectl tests/e2e: Debian's defaults (QEMU as libvirt-qemu, files
		# chowned to it while a guest runs and given back after).
		user = "${E2E_QEMU_USER}"
		group = "${E2E_QEMU_USER}"
		dynamic_ownership = 1
		remember_owner = 1
		security_driver = "none"
		stdio_handler = "logd"
		namespaces = [ ]
		CONF
	fi
	chmod 600 "$etc/qemu.conf"
}

# Starts a daemon ($1: libvirtd or virtlogd) inside our namespaces and waits
# for its PID file.  Sets E2E_<NAME>_PID.
e2e_start_daemon() {
	local name=$1 pidfile=$E2E_DIR/run/$1.pid i pid="" listen=()
	rm -f "$pidfile"
	[ "$name" = libvirtd ] && [ -n "${E2E_LISTEN_TCP:-}" ] && listen=(--listen)
	if ! nsenter -t "$E2E_HOLDER" -m -n -- "$name" -d "${listen[@]}" -p "/run/$name.pid" \
		>"$E2E_DIR/$name.out" 2>&1; then
		cat "$E2E_DIR/$name.out" >&2
		e2e_die "$name did not start in namespace $E2E_NS"
	fi
	for ((i = 0; i < 100; i++)); do
		pid=$(cat "$pidfile" 2>/dev/null) && [ -n "$pid" ] && break
		sleep 0.05
	done
	[ -n "$pid" ] || e2e_die "$name wrote no PID file $pidfile"
	printf -v "E2E_${name^^}_PID" '%s' "$pid"
}

# Waits until libvirtd answers on our socket; fails with its log otherwise.
e2e_wait_libvirtd() {
	local i limit=$(( ${E2E_START_TIMEOUT:-60} * 10 ))
	for ((i = 0; i < limit; i++)); do
		virsh -c "$E2E_URI" uri >/dev/null 2>&1 && return 0
		if ! e2e_alive "$E2E_LIBVIRTD_PID"; then
			e2e_log "libvirtd (PID $E2E_LIBVIRTD_PID) died; its log:"
			tail -n 40 "$E2E_DIR/log/libvirtd.log" >&2
			e2e_die "libvirtd died while starting"
		fi
		sleep 0.1
	done
	e2e_log "libvirtd did not answer on $E2E_URI in ${E2E_START_TIMEOUT:-60} s; its log:"
	tail -n 40 "$E2E_DIR/log/libvirtd.log" >&2
	e2e_die "libvirtd did not answer"
}

# e2e_start NAME: a fresh network namespace rc-e2e-NAME-PID (PID: the calling
# shell's $BASHPID; loopback up), a
# private mount namespace in it held by a "sleep infinity" process, and
# virtlogd + libvirtd started in both.  Exports:
#   E2E_NS    the network namespace's name (ip netns exec $E2E_NS ...)
#   E2E_DIR   the run's directory: run/ lib/ cache/ log/ etc/ are the
#             daemon's /run, /var/lib/libvirt, /var/cache/libvirt,
#             /var/log/libvirt and /etc/libvirt; work/ is for the test
#   E2E_URI   the URI of our libvirtd, valid inside and outside the
#             namespaces (its socket is $E2E_DIR/run/libvirt/libvirt-sock)
# Installs e2e_stop as the EXIT trap (and INT/TERM exit through it).
e2e_start() {
	local name=${1:?usage: e2e_start NAME} t0 i dir
	if [ -n "${E2E_NS:-}" ] && [ -z "${E2E_STOPPED:-}" ]; then
		e2e_die "e2e_start: $E2E_NS is running (one per shell; e2e_stop it first)"
	fi
	E2E_HOLDER="" E2E_LIBVIRTD_PID="" E2E_VIRTLOGD_PID=""
	E2E_NETNS_INO="" E2E_MNTNS_INO=""
	[ "$(id -u)" = 0 ] || e2e_die "e2e tests need root (namespaces, bridges)"
	t0=$(e2e_now)
	[ "${E2E_NO_REAP:-0}" = 1 ] || e2e_reap_stale
	E2E_NAME=$name
	E2E_NS=rc-e2e-$name-$BASHPID
	E2E_STOPPED="" E2E_STOPPED_AT=""
	E2E_DIR=$(mktemp -d "/tmp/rc-e2e-$name.XXXXXX") || e2e_die "mktemp failed"
	# QEMU may run as libvirt-qemu: it must be able to walk into E2E_DIR.
	chmod 755 "$E2E_DIR"
	mkdir -p "$E2E_DIR"/{run,lib,cache,log,etc,work} "$E2E_DIR/run/lock"  # lock/: console lock files
	# Who owns this run (the shell whose EXIT trap tears it down), for
	# e2e_reap_stale when that shell was killed before it could.
	echo "$BASHPID" >"$E2E_DIR/owner"
	echo "$E2E_NS" >"$E2E_DIR/netns"
	E2E_URI="qemu+unix:///system?socket=$E2E_DIR/run/libvirt/libvirt-sock"
	export E2E_NAME E2E_NS E2E_DIR E2E_URI
	trap e2e_stop EXIT
	trap 'echo "FAIL interrupted by SIGINT"; exit 130' INT
	trap 'echo "FAIL interrupted by SIGTERM"; exit 143' TERM
	e2e_write_config
	# The bind mounts below need their mount points on the host; these are
	# the libvirt packages' own directories.
	for dir in /var/lib/libvirt /var/cache/libvirt /var/log/libvirt /etc/libvirt; do
		[ -d "$dir" ] || mkdir -p "$dir"
	done

	ip netns add "$E2E_NS" || e2e_die "ip netns add $E2E_NS failed"
	E2E_NETNS_INO=$(stat -L -c %i "/run/netns/$E2E_NS")
	ip netns exec "$E2E_NS" ip link set lo up

	# The holder: "ip netns exec" gives a mount namespace whose /sys is the
	# new network namespace's; unshare makes a private one under it, where
	# our directories are bound over libvirt's.  "sleep infinity" keeps it
	# alive for nsenter; its PID file says the mounts are done.
	# ( ... & ): not a job of the test's shell, so a bare "wait" in a test
	# does not wait for it; setsid: Ctrl-C reaches the test (whose trap
	# tears down in order), not the daemons.
	# shellcheck disable=SC2016 # the script is expanded by its own sh
	(setsid ip netns exec "$E2E_NS" unshare --mount --propagation private \
		/bin/sh -ec '
		d=$1
		mount --bind "$d/run" /run
		mount --bind "$d/lib" /var/lib/libvirt
		mount --bind "$d/cache" /var/cache/libvirt
		mount --bind "$d/log" /var/log/libvirt
		mount --bind "$d/etc" /etc/libvirt
		# A /dev/kvm that hangs would hang libvirt'"'"'s probing and QEMU:
		# unless E2E_KVM=1, cover it with an empty read-only file, which
		# access(W_OK) refuses (EROFS), so libvirt sees no usable KVM and
		# probes QEMU once, for TCG (guests are <domain type="qemu">).
		if [ -e /dev/kvm ] && [ "$2" != 1 ]; then
			: >"$d/no-kvm"
			mount --bind "$d/no-kvm" /dev/kvm
			mount -o remount,bind,ro /dev/kvm
		fi
		echo $$ >"$d/holder.pid"
		exec sleep infinity' sh "$E2E_DIR" "${E2E_KVM:-0}" \
		</dev/null >"$E2E_DIR/holder.log" 2>&1 &)
	for ((i = 0; i < 100; i++)); do
		E2E_HOLDER=$(cat "$E2E_DIR/holder.pid" 2>/dev/null) && [ -n "$E2E_HOLDER" ] && break
		sleep 0.05
	done
	if [ -z "${E2E_HOLDER:-}" ]; then
		cat "$E2E_DIR/holder.log" >&2
		e2e_die "the namespace holder did not start"
	fi
	E2E_MNTNS_INO=$(readlink "/proc/$E2E_HOLDER/ns/mnt")
	E2E_MNTNS_INO=${E2E_MNTNS_INO#mnt:[}
	E2E_MNTNS_INO=${E2E_MNTNS_INO%]}

	e2e_start_daemon virtlogd
	e2e_start_daemon libvirtd
	e2e_wait_libvirtd
	E2E_START_SECONDS=$(e2e_since "$t0")
	e2e_log "libvirtd $E2E_LIBVIRTD_PID and virtlogd $E2E_VIRTLOGD_PID up in namespace $E2E_NS in ${E2E_START_SECONDS} s ($E2E_DIR)"
}

# Tears down the runs of e2e tests that were killed before their EXIT trap
# could (SIGKILL, a timeout's -k): a /tmp/rc-e2e-*/ directory whose owner
# (the shell that called e2e_start) is no longer running.  What runs in that run's network namespace was started
# by that run; it is stopped by PID, the namespace and directory removed.
e2e_reap_stale() {
	local d pid ns pids
	for d in /tmp/rc-e2e-*/; do
		{ [ -r "$d/owner" ] && [ -r "$d/netns" ]; } || continue
		read -r pid _ <"$d/owner"
		# Stale only when no process has that PID any more (a reused PID
		# keeps a stale run until later: the safe way to be wrong).
		case "$pid" in '' | *[!0-9]*) continue ;; esac
		e2e_alive "$pid" && continue
		read -r ns <"$d/netns"
		case "$ns" in rc-e2e-*) ;; *) continue ;; esac
		e2e_log "reaping the stale run $ns (its test, PID $pid, is gone)"
		if [ -e "/run/netns/$ns" ]; then
			pids=$(ip netns pids "$ns" 2>/dev/null)
			# shellcheck disable=SC2086 # one PID a word
			[ -z "$pids" ] || e2e_kill_wait $pids
			ip netns del "$ns" 2>/dev/null
		fi
		rm -rf "$d"
	done
	return 0
}

# e2e_exec CMD...: runs CMD in our network and mount namespaces, where
# qemu:///system is our libvirtd and guest addresses are reachable.
e2e_exec() {
	[ -n "${E2E_HOLDER:-}" ] || e2e_die "e2e_exec: no namespace (call e2e_start first)"
	nsenter -t "$E2E_HOLDER" -m -n -- env LIBVIRT_DEFAULT_URI="$E2E_URI" "$@"
}

# e2e_spawn CMD...: starts CMD in the background in our namespaces and sets
# E2E_SPAWNED to its PID: the command's own (nsenter and env exec it), so
# that a signal sent to it reaches CMD, which "e2e_exec CMD &" (a subshell
# running the function) would not.
e2e_spawn() {
	[ -n "${E2E_HOLDER:-}" ] || e2e_die "e2e_spawn: no namespace (call e2e_start first)"
	nsenter -t "$E2E_HOLDER" -m -n -- env LIBVIRT_DEFAULT_URI="$E2E_URI" "$@" &
	E2E_SPAWNED=$!
}

# e2e_virsh ARGS...: virsh against our libvirtd (needs no namespace).
e2e_virsh() { virsh -q -c "$E2E_URI" "$@"; }

# e2e_guest_sh DOM CMD [SECONDS]: runs CMD with /bin/sh in guest DOM through
# its QEMU guest agent (guest-exec), waiting up to SECONDS (300) for it to
# end; prints its output (its errors on stderr) and returns its exit
# status: 124 when it did not end in time, 125 when the agent did not
# answer.
e2e_guest_sh() {
	local dom=$1 cmd=$2 seconds=${3:-300} out pid
	cmd=${cmd//\\/\\\\}
	cmd=${cmd//\"/\\\"}
	out=$(e2e_virsh qemu-agent-command "$dom" --timeout 30 "{\"execute\":\"guest-exec\",\
\"arguments\":{\"path\":\"/bin/sh\",\"arg\":[\"-c\",\"$cmd\"],\
\"capture-output\":true}}") || return 125
	pid=$(printf '%s' "$out" | sed -n 's/.*"pid":\([0-9]*\).*/\1/p')
	for _ in $(seq 1 $((seconds * 5))); do
		out=$(e2e_virsh qemu-agent-command "$dom" --timeout 30 "{\"execute\":\
\"guest-exec-status\",\"arguments\":{\"pid\":$pid}}") || return 125
		case $out in
		*'"exited":true'*)
			printf '%s' "$out" | sed -n 's/.*"out-data":"\([^"]*\)".*/\1/p' | base64 -d
			printf '%s' "$out" | sed -n 's/.*"err-data":"\([^"]*\)".*/\1/p' | base64 -d >&2
			return "$(printf '%s' "$out" | sed -n 's/.*"exitcode":\([0-9]*\).*/\1/p')" ;;
		esac
		sleep 0.2
	done
	return 124
}

# Stops and starts libvirtd (not virtlogd, not the guests): for tests of
# reconnection.  The guests keep running, as on a real host.  It sets
# E2E_LIBVIRTD_PID: call it in the test's shell, not in e2e_check (whose
# subshell would lose it, and e2e_stop would not know the new daemon).
e2e_restart_libvirtd() {
	e2e_kill_wait "$E2E_LIBVIRTD_PID" || return 1
	e2e_start_daemon libvirtd
	e2e_wait_libvirtd
}

# Undefines everything our libvirtd holds: domains (destroyed first),
# networks, storage pools (their files stay where they were).
e2e_clean_objects() {
	local v=(timeout 60 virsh -q -c "$E2E_URI") o
	for o in $("${v[@]}" list --all --name 2>/dev/null); do
		"${v[@]}" destroy "$o" >/dev/null 2>&1
		"${v[@]}" undefine --managed-save --snapshots-metadata \
			--checkpoints-metadata --nvram "$o" >/dev/null 2>&1 ||
			"${v[@]}" undefine "$o" >/dev/null 2>&1 ||
			e2e_log "warning: could not undefine domain $o"
	done
	for o in $("${v[@]}" net-list --all --name 2>/dev/null); do
		"${v[@]}" net-destroy "$o" >/dev/null 2>&1
		"${v[@]}" net-undefine "$o" >/dev/null 2>&1 ||
			e2e_log "warning: could not undefine network $o"
	done
	for o in $("${v[@]}" pool-list --all --name 2>/dev/null); do
		"${v[@]}" pool-destroy "$o" >/dev/null 2>&1
		"${v[@]}" pool-undefine "$o" >/dev/null 2>&1 ||
			e2e_log "warning: could not undefine pool $o"
	done
	return 0
}

# e2e_stop: destroys and undefines what our daemon holds, stops libvirtd and
# virtlogd by PID, then whatever else still runs in our namespaces (qemu,
# dnsmasq), the holder, deletes the network namespace and E2E_DIR (kept
# when E2E_KEEP=1).  Safe to call twice, and from the EXIT trap.
e2e_stop() {
	local rc=$? pids opts=$- pipefail=+o
	[[ -o pipefail ]] && pipefail=-o
	[ -n "${E2E_NS:-}" ] || return "$rc"
	[ -z "${E2E_STOPPED:-}" ] || return "$rc"
	E2E_STOPPED=1
	# A test under "set -e" (or pipefail) must not stop the teardown half
	# way, in the EXIT trap least of all.
	set +e +o pipefail
	if [ -n "${E2E_LIBVIRTD_PID:-}" ] && e2e_alive "$E2E_LIBVIRTD_PID"; then
		e2e_clean_objects
	fi
	if [ -n "${E2E_LIBVIRTD_PID:-}" ]; then e2e_kill_wait "$E2E_LIBVIRTD_PID"; fi
	if [ -n "${E2E_VIRTLOGD_PID:-}" ]; then e2e_kill_wait "$E2E_VIRTLOGD_PID"; fi
	# What is left in our namespaces besides the holder: guests whose
	# libvirtd died, dnsmasq of a network it did not destroy...
	pids=$(e2e_ns_pids | grep -vx "${E2E_HOLDER:-none}")
	if [ -n "$pids" ]; then
		# shellcheck disable=SC2086 # one PID a word
		e2e_log "stopping what is left in $E2E_NS:" $pids
		# shellcheck disable=SC2086
		e2e_kill_wait $pids
	fi
	if [ -n "${E2E_HOLDER:-}" ]; then e2e_kill_wait "$E2E_HOLDER"; fi
	ip netns del "$E2E_NS" 2>/dev/null
	# Once our namespaces are gone, the kernel may give their inode numbers
	# to someone else's new ones (another test beside us in CI): what
	# started after this moment cannot be ours (e2e_leftovers).
	E2E_STOPPED_AT=$(e2e_ticks_now)
	if [ "${E2E_KEEP:-0}" = 1 ]; then
		rm -f "$E2E_DIR/owner"	# so that e2e_reap_stale leaves it too
		e2e_log "kept $E2E_DIR"
	elif [ -n "${E2E_DIR:-}" ] && [ -d "$E2E_DIR" ]; then
		rm -rf "$E2E_DIR"
	fi
	trap - EXIT INT TERM
	case $opts in *e*) set -e ;; esac
	set "$pipefail" pipefail
	return "$rc"
}

# e2e_ticks_now: the time since boot in clock ticks, as /proc/PID/stat
# gives a process's start.
e2e_ticks_now() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%d\n", $1 * hz }' /proc/uptime
}

# e2e_started_after PID TICKS: PID started after TICKS since boot.
e2e_started_after() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }	# after the command's name, which may hold spaces
	# shellcheck disable=SC2086 # one field a word
	set -- $stat "$2"
	# field 22 of the stat line, the 20th after the name
	[ "${20}" -gt "${!#}" ]
}

# Prints one line per thing this run left behind; nothing when clean.  Use
# after e2e_stop.
e2e_leftovers() {
	local pid
	[ -n "${E2E_NS:-}" ] || return 0
	ip netns list 2>/dev/null | grep -qw -- "$E2E_NS" && echo "network namespace $E2E_NS"
	for pid in $(e2e_ns_pids); do
		[ -n "${E2E_STOPPED_AT:-}" ] && e2e_started_after "$pid" "$E2E_STOPPED_AT" && continue
		echo "process $pid in our namespaces: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | cut -c1-120)"
	done
	for pid in ${E2E_HOLDER:-} ${E2E_LIBVIRTD_PID:-} ${E2E_VIRTLOGD_PID:-}; do
		e2e_alive "$pid" && echo "process $pid ($(ps -o comm= -p "$pid")) still running"
	done
	[ "${E2E_KEEP:-0}" != 1 ] && [ -e "$E2E_DIR" ] && echo "directory $E2E_DIR"
	return 0
}

# Prints the ends of the daemon, QEMU and console logs (for a failure).
e2e_show_logs() {
	local f
	[ -n "${E2E_DIR:-}" ] && [ -d "$E2E_DIR" ] || return 0
	for f in "$E2E_DIR"/log/libvirtd.log "$E2E_DIR"/log/qemu/*.log "$E2E_DIR"/work/*.log; do
		[ -s "$f" ] || continue
		echo "# --- ${f#"$E2E_DIR"/} (last 25 lines)"
		tail -n 25 "$f" | sed 's/^/# /'
	done
}

# --- results ----------------------------------------------------------------------

E2E_PASSED=0 E2E_FAILED=0 E2E_SKIPPED=0
e2e_ok() { echo "ok $*"; E2E_PASSED=$((E2E_PASSED + 1)); }
e2e_fail() { echo "FAIL $*"; E2E_FAILED=$((E2E_FAILED + 1)); }
e2e_skip() { echo "skip $*"; E2E_SKIPPED=$((E2E_SKIPPED + 1)); }

# e2e_check DESCRIPTION CMD...: ok when CMD succeeds, FAIL with its output.
e2e_check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		e2e_ok "$desc"
	else
		e2e_fail "$desc"
		[ -n "$out" ] && printf '%s\n' "$out" | tail -n 20 | sed 's/^/#   /'
	fi
}

# The closing lines; returns 0 only when nothing failed.
e2e_summary() {
	[ "$E2E_SKIPPED" -gt 0 ] && echo "# $E2E_SKIPPED skipped"
	echo "$E2E_PASSED passed, $E2E_FAILED failed"
	[ "$E2E_FAILED" -eq 0 ]
}
