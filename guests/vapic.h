/* SPDX-License-Identifier: MIT */
/*
 * Each vCPU's local APIC (the model in drivers/vlapic.c) wired into the
 * hypervisor: its xAPIC page at 0xfee00000 in the VM's address space, its
 * MSRs, its timer, and IPIs between the VM's vCPUs. IPIs a vLAPIC sends
 * wait in an outbox until its lock is released, so no two vLAPIC locks
 * are ever held at once.
 */
#ifndef GUESTS_VAPIC_H
#define GUESTS_VAPIC_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct vcpu;

#define VAPIC_BASE 0xfee00000ull

void vapic_init(struct vcpu *v);
/* Claims the xAPIC page in the VM's address space. */
int vapic_attach(struct vm *vm);
/* RDMSR/WRMSR of the APIC's MSRs; true if msr is one, with *gp set when
 * the access must raise #GP. */
bool vapic_msr(struct vcpu *v, uint32_t msr, uint64_t *val, bool write,
	       bool *gp);
struct vlapic_ipi;
/* An interrupt message (an IPI, or from the I/O APIC with source ~0) to
 * every matching vCPU of the VM. */
void vapic_deliver(struct vm *vm, const struct vlapic_ipi *ipi);
/* A fixed interrupt for v from outside (timer hypercall, devices). */
void vapic_raise(struct vcpu *v, uint8_t vector, bool level);
/* INIT reset of v's APIC. */
void vapic_reset(struct vcpu *v);

#endif
