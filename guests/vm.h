/* SPDX-License-Identifier: MIT */
/* VMs and vCPUs as objects, and their lifecycle. */
#ifndef GUESTS_VM_H
#define GUESTS_VM_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/pio.h"
#include "drivers/vacpi_pm.h"
#include "drivers/vfwcfg.h"
#include "drivers/vioapic.h"
#include "drivers/vlapic.h"
#include "drivers/vpic.h"
#include "drivers/vpci.h"
#include "drivers/vpit.h"
#include "drivers/vrtc.h"
#include "drivers/vuart.h"
#include "ept/gpa.h"
#include "guests/config.h"
#include "include/hv/hypercall.h"
#include "lib/spinlock.h"
#include "sched/core.h"
#include "vmx/regs.h"

#define VM_MAX 16
#define VAPIC_OUTBOX 8 /* IPIs one APIC access can send: 1, room to spare */
#define VM_MAX_VCPUS VMCFG_MAX_VCPUS

/* A vCPU's state, changed under its run queue's lock (sched/run.c). */
enum vcpu_state {
	VCPU_RUNNABLE,
	VCPU_HALTED,    /* HLT: waits for an interrupt */
	VCPU_WAIT_SIPI, /* an AP after INIT: waits for a start-up IPI */
	VCPU_STOPPED,   /* its VM stopped */
};

/* Guest state the VMCS does not hold, switched when the vCPU is. */
struct vcpu_ctx {
	uint64_t cr2, xcr0;
	uint64_t kernel_gs_base, star, lstar, cstar, sfmask, tsc_aux;
	uint64_t dr[4], dr6, dr7; /* emulated: MOV DR exits */
	void *fpu;                /* XSAVE area, 64-byte aligned */
};

/* Events waiting for injection (vmx/inject.c). Other CPUs set bits of
 * `pending` (atomically); the rest is the vCPU's own. */
#define EV_EXCEPTION (1u << 0)
#define EV_NMI (1u << 1)
#define EV_IRQ (1u << 2)      /* the local APIC may have a vector to give */
#define EV_REINJECT (1u << 3)
#define EV_INIT (1u << 4)     /* an INIT arrived */
#define EV_EXTINT (1u << 5)   /* the PIC asks vCPU 0 for an INTA */
struct vcpu_events {
	volatile uint32_t pending; /* EV_* */
	uint8_t exc_vector;
	bool exc_has_error;
	uint32_t exc_error;
	uint32_t reinject; /* IDT-vectoring info of an interrupted delivery */
	uint32_t reinject_error, reinject_len;
};

struct vm;

struct vcpu {
	struct guest_regs regs; /* while off the CPU */
	struct vm *vm;
	unsigned id;
	uint16_t vpid;
	uint64_t vmcs_pa;
	bool launched;
	struct cpu *host_cpu; /* whose host state the VMCS holds */
	struct cpu *last_cpu; /* where it last ran (TLB tags, SDM 29.4) */
	uint64_t tsc_written; /* TSC_OFFSET as last written to the VMCS */
	uint64_t migrations;  /* times it ran on another CPU than before */
	volatile enum vcpu_state state;
	struct vcpu_ctx ctx;
	struct vcpu_events ev;
	uint64_t timer_deadline; /* host TSC; 0 = none (HV_HC_TIMER) */
	uint32_t timer_vector;
	uint64_t lapic_deadline; /* host TSC the vLAPIC timer wants; 0 none */
	uint64_t tsc_offset;
	uint64_t mmio_exits;
	bool reset_pending; /* apply the VM's reset when next switched in */
	int sipi_vector;    /* start in real mode at this page; -1 none */
	bool halt_irq;      /* halted with interrupts on: an IRQ wakes it */
	struct hv_exit_stats stats;
	struct sched_entity se;
	struct cpu *running_on; /* the CPU it is running on, or NULL */
	spinlock_t lapic_lock;
	struct vlapic lapic;
	uint64_t vapic_pa;     /* its register page: the virtual-APIC page */
	uint64_t eoi_exit[4];  /* EOI-exit bitmap as last written (APICv) */
	/* APIC resets to do when v is next switched in (vapic_apply_reset):
	 * a VM reset's power-on, an INIT's reset */
	bool lapic_power_on, lapic_init_pending;
	bool lapic_notify; /* guests/vapic.c: under lapic_lock */
	unsigned ipi_out_len;
	struct vlapic_ipi ipi_out[VAPIC_OUTBOX];
	unsigned eoi_out_len;
	uint8_t eoi_out[VAPIC_OUTBOX]; /* level EOIs for the I/O APIC */
};

enum vm_state { VM_CREATED, VM_RUNNING, VM_STOPPED };

/* A device timer of the VM (PIT, RTC, ...): fired by the CPU where the
 * VM's vCPU 0 is homed, under the VM's device lock. */
#define VM_TIMERS 4
struct vm_timer {
	volatile uint64_t deadline; /* host TSC, 0 = not armed */
	void (*fire)(void *dev, uint64_t guest_now);
	void *dev;
};

/* Exit status of a VM the hypervisor stopped because the guest broke a
 * rule (triple fault, access outside its memory, ...). */
#define VM_STATUS_CRASHED 255

struct vm {
	unsigned id;
	char name[VMCFG_NAME_MAX];
	const struct vm_config *cfg;
	volatile enum vm_state state;
	int status; /* exit status once stopped */
	char stop_reason[192];
	struct gpa_space mem;
	uint64_t ram_hpa, ram_size;
	unsigned n_vcpus;
	struct vcpu *vcpu[VM_MAX_VCPUS];
	struct pio_bus pio;
	struct sched_group group;
	spinlock_t dev_lock; /* the VM's emulated platform devices */
	struct vm_timer timers[VM_TIMERS];
	uint8_t shutdown_pos; /* progress through "Shutdown" on port 0x8900 */
	/* the platform's devices (guests/board.c), under dev_lock */
	struct vuart uart;    /* COM1 */
	struct vpic pic;
	struct vioapic ioapic;
	struct vpit pit;
	int pit_timer;
	struct vrtc rtc;
	int rtc_timer;
	struct vpci pci;
	struct vfwcfg fwcfg;
	struct vacpi_pm pm;
	uint64_t rsdp_gpa; /* the ACPI tables the board built, 0 none */
	const struct boot_info *bi; /* where its images are */
	unsigned resets;
	uint32_t entry_eip, entry_eax, entry_ebx;
	uint16_t entry_cs, entry_ip;
	bool entry_real;
	bool entry_long; /* a Linux kernel: the 64-bit boot protocol */
	uint64_t entry_rip, entry_cr3, entry_rsi, entry_gdt;
	uint16_t entry_gdt_limit;
	spinlock_t con_lock;
	unsigned con_len;
	char con_line[160];
};

extern struct vm *vms[VM_MAX];
extern unsigned n_vms;

/* Creates a VM from a config entry and loads its images; NULL with the
 * reason printed (naming the VM) when anything is wrong. */
struct boot_info;
struct vm *vm_create(const struct vm_config *cfg, const struct boot_info *bi);
/* Makes its vCPUs runnable; their TSC reads 0 at host TSC tsc0. */
void vm_start(struct vm *vm, uint64_t tsc0);
/* Stops the VM (all vCPUs) with a status and a reason; the first stop
 * wins. Safe from any CPU. */
void vm_stop(struct vm *vm, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Restarts the VM as if powered on again: RAM cleared, devices reset,
 * images reloaded. Called from the exit path of one of its vCPUs (cur);
 * every vCPU takes its reset state when next switched in. */
void vm_reset(struct vcpu *cur, const char *why);
/* Puts a vCPU into its post-reset state (its VMCS current). */
void vcpu_apply_reset(struct vcpu *v, struct guest_regs *regs);
/* Frees what a stopped VM holds. */
void vm_destroy(struct vm *vm);
/* The VM's time: its TSC (shared by its vCPUs), and device timers. A
 * device gets a timer slot once, then (re)arms it with a deadline in the
 * VM's TSC (0 cancels); the callback runs under dev_lock. */
uint64_t vm_guest_tsc(const struct vm *vm);
int vm_timer_add(struct vm *vm, void (*fire)(void *dev, uint64_t now),
		 void *dev);
void vm_timer_set(struct vm *vm, int slot, uint64_t guest_deadline);

/* Console output of the VM: a byte at a time, printed a line at a time
 * with the VM's name in front. */
void vm_console_putc(struct vm *vm, char c);
void vm_console_flush(struct vm *vm);

#endif
