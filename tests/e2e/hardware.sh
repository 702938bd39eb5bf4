#!/usr/bin/env bash
# tests/e2e/hardware.sh: the Windows hardware of scenarios/windows-ad.yaml
# on a real libvirtd with QEMU (TCG), in a private namespace
# (tests/e2e/lib.sh). No Windows media can be fetched here, so the
# workstation's golden domain (tests/xml/domain-windows-ws.xml: UEFI with
# secure boot, SMM, a TPM, q35, a SATA disk, VNC) boots a blank disk:
# libvirt picks Microsoft-keyed OVMF, starts swtpm, puts VNC on a UNIX
# socket; the snapshot up takes before the first boot is taken and a
# running guest reverts to it (rangectl's revert); undefine takes the UEFI
# variables and the TPM's state.
#
# usage: tests/e2e/hardware.sh     (as root; about 30 s)
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/e2e/lib.sh
. tests/e2e/lib.sh
# OVMF's firmware, and swtpm with swtpm_setup (swtpm-tools): without the
# latter libvirt says "TPM version '2.0' is not supported".
E2E_PACKAGES+=(ovmf swtpm swtpm-tools)

e2e_install
e2e_start hardware
dom=winad-blue-ws
disk=$E2E_DIR/work/blank.qcow2
qemu-img create -q -f qcow2 "$disk" 1G || e2e_die "qemu-img create failed"
# The golden domain, its NIC left out (no network here), on the blank disk.
sed -e '/<interface /,/<\/interface>/d' \
	-e "s|<source file='[^']*qcow2'/>|<source file='$disk'/>|" \
	tests/xml/domain-windows-ws.xml >"$E2E_DIR/work/ws.xml"

state_is() { [ "$(e2e_virsh domstate "$dom")" = "$1" ]; }
xml_has() { e2e_virsh dumpxml "$dom" | grep -q "$1"; }
nvram() { e2e_virsh dumpxml "$dom" | sed -n 's|.*<nvram[^>]*>\(.*\)</nvram>.*|\1|p'; }

e2e_check "define the golden Windows 11 workstation" e2e_virsh define "$E2E_DIR/work/ws.xml"
e2e_check "the snapshot up takes before the first boot" \
	e2e_virsh snapshot-create-as "$dom" rangectl-initial
e2e_check "start it" e2e_virsh start "$dom"
e2e_check "it runs" state_is running
e2e_check "libvirt picked OVMF with Microsoft's keys, secure" \
	xml_has "<loader readonly='yes' secure='yes' type='pflash'>.*OVMF_CODE.*ms"
e2e_check "SMM is on" xml_has "<smm state='on'/>"
e2e_check "swtpm runs beside it" pgrep -f "swtpm.*$dom"
e2e_check "VNC on a UNIX socket of the hypervisor" xml_has "<listen type='socket' socket='/"
# shellcheck disable=SC2016 # expanded by that sh
e2e_check "no VNC TCP port" sh -c '! virsh -q -c "$1" dumpxml "$2" | grep -q "port=.59"' sh "$E2E_URI" "$dom"
vars=$(nvram)
e2e_check "its own UEFI variables store ($vars)" e2e_exec test -s "$vars"
e2e_check "a running UEFI guest reverts to the snapshot taken before its first boot" \
	e2e_virsh snapshot-revert "$dom" rangectl-initial --running
e2e_check "and runs again" state_is running
e2e_check "destroy" e2e_virsh destroy "$dom"
e2e_check "undefine with its snapshot, UEFI variables and TPM state" \
	e2e_virsh undefine "$dom" --snapshots-metadata --nvram --tpm
e2e_check "the UEFI variables are gone" e2e_exec test ! -e "$vars"
e2e_summary
