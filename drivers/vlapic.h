/* SPDX-License-Identifier: MIT */
/*
 * The local APIC a guest vCPU sees (Intel SDM Vol. 3A chapter 10), as a
 * pure model: the xAPIC register page, the x2APIC MSRs 0x800-0x8ff,
 * IA32_APIC_BASE and IA32_TSC_DEADLINE, interrupt acceptance (IRR, ISR,
 * TMR, PPR), IPIs, LINT0/LINT1 and the timer. It touches no hardware:
 * time, host timers and the other vCPUs are reached through vlapic_ops.
 *
 * How the hypervisor drives it:
 *  - fixed (and lowest-priority) interrupts for this vCPU: accept_irq;
 *  - before VM entry: v = pending_vector(); when v >= 0 and the guest can
 *    take an interrupt, inject v and call ack(v) (IRR -> ISR);
 *  - the guest's EOI write (MMIO or MSR) pops the ISR; level-triggered
 *    vectors then reach ops->eoi (for the IOAPIC);
 *  - ICR writes arrive decoded at ops->send_ipi; the router calls
 *    vlapic_ipi_match() on every vLAPIC of the VM (the sender too: the
 *    self and all-including-self shorthands) and delivers: fixed/lowest
 *    through accept_irq, NMI/INIT/SIPI/SMI as vCPU events of its own;
 *  - host timer: ops->set_timer(deadline) asks for a call of
 *    vlapic_timer_expired() at TSC >= deadline (0 cancels); a new
 *    deadline replaces the previous one;
 *  - INIT for this vCPU: vlapic_reset(); SIPI is the vCPU's business;
 *  - LINT pins (PIC INTR, NMI button): vlapic_lint() says what to do.
 *
 * The register file is a 4 KiB page in the xAPIC layout (SDM table 10-1;
 * x2APIC mode uses the same offsets, SDM 29.5), given to vlapic_init: it
 * can be the virtual-APIC page of APIC virtualization (SDM Vol. 3C chapter
 * 29), where the CPU itself reads every register and writes TPR, PPR, ISR,
 * IRR and EOI, and stores the guest's other writes before an APIC-write
 * exit. So the model keeps no copy of what the CPU may change, and with
 * a->apicv set:
 *  - accept_irq only records the vector in irr_in (and sets TMR, which
 *    the CPU never writes): it may run while the vCPU does;
 *  - before VM entry, with the vCPU stopped: sync_irr() moves irr_in into
 *    the page IRR; highest_irr() and highest_isr() give RVI and SVI;
 *  - EOI-induced exits: apicv_eoi(); APIC-write exits: apicv_write();
 *    MOV CR8 (where it exits): tpr() and set_tpr().
 * Every call but accept_irq, timer_expired and the pure queries writes
 * the page: the CPU must not be using it meanwhile.
 *
 * Not thread-safe: the caller serialises calls on one vlapic (its lock
 * or its vCPU's thread). Callbacks run inside the calls, kick and eoi
 * possibly from another vCPU's accept_irq.
 *
 * The virtual APIC timer runs at the TSC rate before division: one count
 * lasts (divide value) TSC ticks.
 */
#ifndef DRIVERS_VLAPIC_H
#define DRIVERS_VLAPIC_H

#include <stdbool.h>
#include <stdint.h>

/* Register offsets in the xAPIC page (SDM table 10-1); in x2APIC mode the
 * register at offset o is MSR 0x800 + o / 16 (table 10-6). */
#define VLAPIC_REG_ID 0x020
#define VLAPIC_REG_VERSION 0x030
#define VLAPIC_REG_TPR 0x080
#define VLAPIC_REG_APR 0x090
#define VLAPIC_REG_PPR 0x0a0
#define VLAPIC_REG_EOI 0x0b0
#define VLAPIC_REG_RRD 0x0c0
#define VLAPIC_REG_LDR 0x0d0
#define VLAPIC_REG_DFR 0x0e0
#define VLAPIC_REG_SVR 0x0f0
#define VLAPIC_REG_ISR 0x100 /* 8 registers, 0x10 apart */
#define VLAPIC_REG_TMR 0x180
#define VLAPIC_REG_IRR 0x200
#define VLAPIC_REG_ESR 0x280
#define VLAPIC_REG_ICR_LO 0x300
#define VLAPIC_REG_ICR_HI 0x310
#define VLAPIC_REG_LVT_TIMER 0x320 /* LVT i at 0x320 + 0x10 * i */
#define VLAPIC_REG_LVT_THERMAL 0x330
#define VLAPIC_REG_LVT_PERF 0x340
#define VLAPIC_REG_LVT_LINT0 0x350
#define VLAPIC_REG_LVT_LINT1 0x360
#define VLAPIC_REG_LVT_ERROR 0x370
#define VLAPIC_REG_TIMER_ICR 0x380 /* initial count */
#define VLAPIC_REG_TIMER_CCR 0x390 /* current count */
#define VLAPIC_REG_TIMER_DCR 0x3e0 /* divide configuration */
#define VLAPIC_REG_SELF_IPI 0x3f0  /* x2APIC only */

#define VLAPIC_MSR_APIC_BASE 0x1b
#define VLAPIC_MSR_TSC_DEADLINE 0x6e0
#define VLAPIC_MSR_X2APIC_FIRST 0x800
#define VLAPIC_MSR_X2APIC_LAST 0x8ff

/* IA32_APIC_BASE (SDM 10.4.4, 10.12.1). */
#define VLAPIC_BASE_BSP (1ull << 8)
#define VLAPIC_BASE_EXTD (1ull << 10)
#define VLAPIC_BASE_EN (1ull << 11)
#define VLAPIC_BASE_DEFAULT 0xfee00000ull

/* Version 0x14, max LVT entry 5 (six LVTs, no CMCI), bit 24 (EOI-broadcast
 * suppression) clear (SDM 10.4.8). */
#define VLAPIC_VERSION 0x00050014u

/* LVT entries, in register order (SDM figure 10-8). */
enum { VLAPIC_LVT_TIMER, VLAPIC_LVT_THERMAL, VLAPIC_LVT_PERF,
       VLAPIC_LVT_LINT0, VLAPIC_LVT_LINT1, VLAPIC_LVT_ERROR, VLAPIC_NR_LVT };

#define VLAPIC_LVT_MASKED (1u << 16)
#define VLAPIC_LVT_LEVEL (1u << 15)	 /* trigger mode: level */
#define VLAPIC_LVT_REMOTE_IRR (1u << 14) /* LINT, level, fixed */
#define VLAPIC_TIMER_ONESHOT (0u << 17)
#define VLAPIC_TIMER_PERIODIC (1u << 17)
#define VLAPIC_TIMER_TSC_DEADLINE (2u << 17)
#define VLAPIC_SVR_ENABLE (1u << 8)

/* ESR bits this model sets (SDM 10.5.3). */
#define VLAPIC_ESR_SEND_ILLEGAL 0x20
#define VLAPIC_ESR_RECV_ILLEGAL 0x40
#define VLAPIC_ESR_ILLEGAL_REG 0x80

/* Delivery modes of the ICR and the LVT (SDM 10.6.1, 10.5.1). */
#define VLAPIC_DM_FIXED 0
#define VLAPIC_DM_LOWEST 1
#define VLAPIC_DM_SMI 2
#define VLAPIC_DM_NMI 4
#define VLAPIC_DM_INIT 5
#define VLAPIC_DM_STARTUP 6
#define VLAPIC_DM_EXTINT 7

/* Destination shorthands (ICR bits 19:18). */
#define VLAPIC_SH_NONE 0
#define VLAPIC_SH_SELF 1
#define VLAPIC_SH_ALL 2	   /* all including self */
#define VLAPIC_SH_OTHERS 3 /* all excluding self */

/* One IPI as the ICR describes it (SDM figures 10-12 and 10-28). */
struct vlapic_ipi {
	uint32_t source;	/* the sender's APIC ID */
	uint32_t dest;		/* xAPIC: 8 bits; x2APIC: 32 bits */
	uint8_t dest_mode;	/* 0 physical, 1 logical */
	uint8_t shorthand;	/* VLAPIC_SH_* */
	uint8_t delivery_mode;	/* VLAPIC_DM_*, never 3 or 7 */
	uint8_t vector;		/* fixed/lowest: >= 16; SIPI: the page */
	uint8_t level;		/* 1 assert, 0 de-assert */
	uint8_t trigger;	/* 0 edge, 1 level */
	bool x2apic;		/* dest is in x2APIC format */
};

/* Every callback may be NULL; ctx is the one given to vlapic_init. */
struct vlapic_ops {
	void (*send_ipi)(void *ctx, const struct vlapic_ipi *ipi);
	/* vlapic_pending_vector() just changed to a new vector (>= 0):
	 * wake or interrupt the vCPU */
	void (*kick)(void *ctx);
	/* EOI of a level-triggered (TMR) vector */
	void (*eoi)(void *ctx, uint8_t vector);
	uint64_t (*now)(void *ctx); /* the guest's TSC */
	/* call vlapic_timer_expired at TSC >= deadline; 0 cancels */
	void (*set_timer)(void *ctx, uint64_t deadline);
};

struct vlapic {
	uint32_t *page; /* the register file (4 KiB, 4 KiB-aligned) */
	uint32_t id;	/* x2APIC ID; the xAPIC ID is its low 8 bits */
	uint64_t base;	/* IA32_APIC_BASE */
	uint8_t maxphyaddr; /* base bits from here up are reserved; init
			     * sets 52, lower it to the guest's CPUID */
	bool apicv; /* the CPU virtualizes this APIC with the page (SDM 29);
		     * set by the caller after init */
	uint32_t irr_in[8];  /* accepted, not yet moved to the page IRR */
	uint32_t esr_pending; /* errors since the last ESR write */
	/* The values in effect of the registers whose guest writes always
	 * trap (SDM 29.4.3.2). The page holds the same but between a
	 * guest's write and its APIC-write exit, which needs the old ones. */
	uint32_t svr, lvt[VLAPIC_NR_LVT];
	bool lint_level[2]; /* the LINT pins as last reported */
	int pending_seen;   /* vlapic_pending_vector() when last looked at */
	/* timer (drivers/vlapic_timer.c); initial count and divide
	 * configuration are in effect here, as svr and lvt */
	uint32_t timer_initial, timer_dcr;
	uint64_t timer_start;	 /* TSC when the current count was initial */
	uint64_t timer_period;	 /* initial count in TSC ticks */
	uint64_t timer_deadline; /* armed host deadline, 0 = not armed */
	uint64_t tsc_deadline;	 /* IA32_TSC_DEADLINE */
	const struct vlapic_ops *ops;
	void *ctx;
};

/* The 32-bit register at offset off (16-byte aligned, < 0x400) of the
 * page. */
static inline uint32_t *vlapic_reg(const struct vlapic *a, uint32_t off)
{
	return &a->page[off >> 2];
}

/* Power-up state (SDM 10.4.7.1): xAPIC mode, base 0xfee00000 | EN
 * (| BSP), every register at its reset value. page: 4 KiB, 4 KiB-aligned,
 * the caller's; it is cleared and holds the registers from now on.
 * Calls no callback; apicv is false. */
void vlapic_init(struct vlapic *a, uint32_t id, bool bsp,
		 const struct vlapic_ops *ops, void *ctx, void *page);
/* INIT: every register back to its reset value except the APIC ID; the
 * mode (IA32_APIC_BASE) is kept (SDM 10.4.7.3, 10.12.5.1); irr_in is
 * emptied. */
void vlapic_reset(struct vlapic *a);

/* xAPIC page accesses, offset in [0, 4096). 0 done; -EINVAL offset out
 * of the page; -ENODEV the page is not decoded (x2APIC mode or APIC
 * disabled: the caller treats it as unclaimed memory). Accesses other than
 * 4 bytes at a 16-byte boundary, and the area from 0x400, read 0 and drop
 * writes; unimplemented registers below 0x400 also set ESR bit 7. */
int vlapic_mmio_read(struct vlapic *a, uint32_t offset, unsigned size,
		     uint32_t *val);
int vlapic_mmio_write(struct vlapic *a, uint32_t offset, unsigned size,
		      uint32_t val);

/* RDMSR/WRMSR of IA32_APIC_BASE, IA32_TSC_DEADLINE and 0x800-0x8ff.
 * 0 done, -1 where the CPU raises #GP (x2APIC MSRs outside x2APIC mode,
 * absent or read-only/write-only registers, reserved bits, nonzero EOI or
 * ESR writes, invalid APIC_BASE transitions). */
bool vlapic_is_msr(uint32_t msr);
int vlapic_msr_read(struct vlapic *a, uint32_t msr, uint64_t *val);
int vlapic_msr_write(struct vlapic *a, uint32_t msr, uint64_t val);

uint64_t vlapic_apic_base(const struct vlapic *a);
/* WRMSR IA32_APIC_BASE with the transitions of SDM 10.12.5; -1 = #GP. */
int vlapic_set_apic_base(struct vlapic *a, uint64_t val);
bool vlapic_enabled(const struct vlapic *a); /* EN: the APIC exists */
bool vlapic_x2apic(const struct vlapic *a);
/* IA32_TSC_DEADLINE: reads 0 and ignores writes outside TSC-deadline
 * mode (SDM 10.5.4.1). */
uint64_t vlapic_tsc_deadline(const struct vlapic *a);
void vlapic_set_tsc_deadline(struct vlapic *a, uint64_t tsc);

/* A fixed/lowest-priority interrupt for this APIC: sets its irr_in bit
 * (not the page's IRR) and its TMR bit when level, clears it when edge.
 * Dropped while disabled (hardware or SVR); vectors 0-15 set ESR
 * "received illegal vector" instead. Kicks when apicv and the irr_in bit
 * is new, else when the pending vector changes to a new one. */
void vlapic_accept_irq(struct vlapic *a, uint8_t vector, bool level);
/* Moves irr_in into the page IRR; returns the highest page IRR vector or
 * -1. Only while the CPU is not using the page. */
int vlapic_sync_irr(struct vlapic *a);
/* The vector to inject now, or -1 (SDM 10.8.3.1, 10.8.4), from the page
 * IRR and irr_in. */
int vlapic_pending_vector(const struct vlapic *a);
/* The CPU took vector (the hypervisor injected it): IRR (page or irr_in)
 * -> ISR. A vector in neither is ignored. */
void vlapic_ack(struct vlapic *a, uint8_t vector);
uint8_t vlapic_ppr(const struct vlapic *a); /* for lowest priority */

/* ---- APIC virtualization (SDM Vol. 3C chapter 29) ---------------------- */

/* The highest vector in the page ISR / IRR (irr_in not included), -1 for
 * none: SVI and RVI of the guest interrupt status (SDM 24.4.2, 29.2). */
int vlapic_highest_isr(const struct vlapic *a);
int vlapic_highest_irr(const struct vlapic *a);
/* EOI-induced exit (SDM 29.1.4): the CPU already took vector out of the
 * page ISR and updated PPR; this does the rest of the EOI. */
void vlapic_apicv_eoi(struct vlapic *a, uint8_t vector);
/* APIC-write exit (SDM 29.4.3.3): the guest's write to the register at
 * offset is already in the page; does what vlapic_mmio_write (xAPIC) or
 * the WRMSR (x2APIC; the ICR is 64 bits at 0x300) would have done with the
 * old value in place. 0, or -EINVAL for an offset that is not writable
 * (the page word goes back to the value in effect where the model has
 * one; no ESR error is logged). */
int vlapic_apicv_write(struct vlapic *a, uint32_t offset);
/* TPR, e.g. for MOV CR8 (TPR[7:4] = CR8, SDM 10.8.6.1). set_tpr updates
 * PPR and the pending vector. */
uint8_t vlapic_tpr(const struct vlapic *a);
void vlapic_set_tpr(struct vlapic *a, uint8_t tpr);

/* Physical or logical destination match of this APIC (SDM 10.6.2,
 * 10.12.10), broadcast included; x2apic_mode: dest is 32-bit x2APIC. */
bool vlapic_match_dest(const struct vlapic *a, uint32_t dest, bool logical,
		       bool x2apic_mode);
/* Is target among the IPI's destinations (shorthand included)? */
bool vlapic_ipi_match(const struct vlapic *target,
		      const struct vlapic_ipi *ipi);

/* A LINT pin's level changed (pin 0 or 1). Returns what the caller must
 * do, or -1 for nothing: VLAPIC_DM_FIXED (already in the IRR), _NMI,
 * _SMI, _INIT (on a rising edge), _EXTINT (while the pin is high: the
 * PIC's interrupt may be taken). A hardware-disabled APIC passes LINT0
 * through as ExtINT and LINT1 as NMI (SDM 10.4.3). */
int vlapic_lint(struct vlapic *a, unsigned pin, bool level);
/* True when the PIC's INTR reaches this CPU (ExtINT on an unmasked LINT,
 * or the APIC hardware-disabled). */
bool vlapic_accepts_extint(const struct vlapic *a);

/* The host timer asked for by set_timer fired; earlier calls and calls
 * while nothing is armed are ignored. */
void vlapic_timer_expired(struct vlapic *a, uint64_t now);

/* ---- internal: shared by drivers/vlapic*.c only ------------------------ */
void vlapic_update_pending(struct vlapic *a);
void vlapic_update_ppr(struct vlapic *a);
void vlapic_set_lvt(struct vlapic *a, unsigned lvt, uint32_t val);
void vlapic_esr_error(struct vlapic *a, uint32_t bit);
void vlapic_eoi(struct vlapic *a);
void vlapic_send_icr(struct vlapic *a);
void vlapic_self_ipi(struct vlapic *a, uint8_t vector);
uint32_t vlapic_x2apic_ldr(uint32_t id);
void vlapic_lint_changed(struct vlapic *a, unsigned pin);
void vlapic_raise_lvt(struct vlapic *a, unsigned lvt);
void vlapic_timer_cancel(struct vlapic *a);
void vlapic_timer_lvt_changed(struct vlapic *a, uint32_t old);
void vlapic_timer_write_icr(struct vlapic *a, uint32_t count);
void vlapic_timer_write_dcr(struct vlapic *a, uint32_t dcr);
uint32_t vlapic_timer_ccr(const struct vlapic *a);

#endif
