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
/* The reset v->lapic_power_on or ->lapic_init_pending asks for, when v is
 * on no CPU (the run loop, as it switches v in). */
void vapic_apply_reset(struct vcpu *v);
/* MOV CR8 on the trap path: TPR[7:4] (SDM 10.8.6.1). */
uint8_t vapic_tpr(struct vcpu *v);
void vapic_set_tpr(struct vcpu *v, uint8_t tpr);

/* APIC virtualization (SDM 29), where the CPU has it (vmx_ctl.apicv).
 * Before VM entry: moves interrupts that arrived for v into its virtual-
 * APIC page and gives the guest interrupt status (SVI, RVI) and the
 * EOI-exit bitmap (the level-triggered vectors) to write to the VMCS. */
void vapic_sync(struct vcpu *v, uint16_t *intr_status, uint64_t eoi_exit[4]);
/* An interrupt v could take now (at HLT: the CPU delivers it instead). */
bool vapic_deliverable(struct vcpu *v);
/* APIC-write exit: the guest wrote the register at offset (trap-like). */
void vapic_apic_write(struct vcpu *v, uint32_t offset);
/* EOI-induced exit of a level-triggered vector. */
void vapic_virtual_eoi(struct vcpu *v, uint8_t vector);

#endif
