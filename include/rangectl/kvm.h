/*
 * kvm.h: whether hardware virtualization really works here.
 *
 * Some machines have a /dev/kvm whose first ioctl never returns. So the
 * check runs in a child process that is given a short time, and anything
 * short of a working answer means TCG (software emulation).
 */
#ifndef RANGECTL_KVM_H
#define RANGECTL_KVM_H

#include <stdbool.h>

/*
 * True when /dev/kvm can create a VM within timeout_ms. RANGECTL_ACCEL=tcg
 * or =kvm in the environment overrides the check.
 */
bool kvm_usable(int timeout_ms);

#endif
