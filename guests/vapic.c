/* SPDX-License-Identifier: MIT */
#include "guests/vapic.h"

#include "arch/mm.h"
#include "arch/x86.h"
#include "guests/board.h"
#include "guests/vm.h"
#include "lib/errno.h"
#include "sched/sched.h"
#include "vmx/vmx.h"

static uint64_t op_now(void *ctx)
{
	return rdtsc() + ((struct vcpu *)ctx)->tsc_offset;
}

/* The model's deadline is in guest TSC; the run loop keeps host TSC. */
static void op_set_timer(void *ctx, uint64_t deadline)
{
	struct vcpu *v = ctx;

	v->lapic_deadline = deadline ? deadline - v->tsc_offset : 0;
	sched_timers_changed(v);
}

/* Under v's lock: note it, act after the unlock. */
static void op_kick(void *ctx)
{
	struct vcpu *v = ctx;

	__atomic_or_fetch(&v->ev.pending, EV_IRQ, __ATOMIC_SEQ_CST);
	v->lapic_notify = true;
}

static void op_send_ipi(void *ctx, const struct vlapic_ipi *ipi)
{
	struct vcpu *v = ctx;

	if (v->ipi_out_len < VAPIC_OUTBOX)
		v->ipi_out[v->ipi_out_len++] = *ipi;
}

/* EOI of a level-triggered vector: the I/O APIC hears of it after our
 * lock is released. */
static void op_eoi(void *ctx, uint8_t vector)
{
	struct vcpu *v = ctx;

	if (v->eoi_out_len < VAPIC_OUTBOX)
		v->eoi_out[v->eoi_out_len++] = vector;
}

static const struct vlapic_ops ops = {
	.send_ipi = op_send_ipi, .kick = op_kick, .eoi = op_eoi,
	.now = op_now, .set_timer = op_set_timer,
};

static void lock(struct vcpu *v) { spin_lock(&v->lapic_lock); }

static void unlock(struct vcpu *v);

/* After v's own exit changed its APIC: with APIC virtualization the VMCS
 * copies of it (SVI, RVI, the EOI-exit bitmap) are refreshed before the
 * next entry (vapic_sync). */
static void unlock_local(struct vcpu *v)
{
	if (v->lapic.apicv)
		__atomic_or_fetch(&v->ev.pending, EV_IRQ, __ATOMIC_SEQ_CST);
	unlock(v);
}

/* Releases v's lock, then does what the model asked for meanwhile. */
static void unlock(struct vcpu *v)
{
	struct vlapic_ipi out[VAPIC_OUTBOX];
	uint8_t eoi[VAPIC_OUTBOX];
	unsigned n = v->ipi_out_len, n_eoi = v->eoi_out_len;
	bool notify = v->lapic_notify;

	for (unsigned i = 0; i < n; i++)
		out[i] = v->ipi_out[i];
	for (unsigned i = 0; i < n_eoi; i++)
		eoi[i] = v->eoi_out[i];
	v->ipi_out_len = v->eoi_out_len = 0;
	v->lapic_notify = false;
	spin_unlock(&v->lapic_lock);
	for (unsigned i = 0; i < n; i++)
		vapic_deliver(v->vm, &out[i]);
	for (unsigned i = 0; i < n_eoi; i++)
		board_eoi(v->vm, eoi[i]);
	if (notify)
		sched_notify(v);
}

void vapic_raise(struct vcpu *v, uint8_t vector, bool level)
{
	lock(v);
	vlapic_accept_irq(&v->lapic, vector, level);
	unlock(v);
}

/* Delivery to every matching vCPU of the VM (SDM 10.6.2); lowest
 * priority goes to the match with the lowest PPR. SMIs are dropped;
 * ExtINT (from the I/O APIC) sends the vCPU to the PIC. */
void vapic_deliver(struct vm *vm, const struct vlapic_ipi *ipi)
{
	struct vcpu *lowest = 0;

	for (unsigned i = 0; i < vm->n_vcpus; i++) {
		struct vcpu *w = vm->vcpu[i];

		if (!vlapic_ipi_match(&w->lapic, ipi))
			continue;
		switch (ipi->delivery_mode) {
		case VLAPIC_DM_FIXED:
			vapic_raise(w, ipi->vector, ipi->trigger);
			break;
		case VLAPIC_DM_LOWEST:
			if (!lowest ||
			    vlapic_ppr(&w->lapic) < vlapic_ppr(&lowest->lapic))
				lowest = w;
			break;
		case VLAPIC_DM_NMI:
			__atomic_or_fetch(&w->ev.pending, EV_NMI, __ATOMIC_SEQ_CST);
			sched_notify(w);
			break;
		case VLAPIC_DM_INIT:
			sched_init_signal(w);
			break;
		case VLAPIC_DM_STARTUP:
			sched_sipi(w, ipi->vector);
			break;
		case VLAPIC_DM_EXTINT:
			__atomic_or_fetch(&w->ev.pending, EV_EXTINT,
					  __ATOMIC_SEQ_CST);
			sched_notify(w);
			break;
		}
	}
	if (lowest)
		vapic_raise(lowest, ipi->vector, ipi->trigger);
}

void vapic_init(struct vcpu *v)
{
	vlapic_init(&v->lapic, v->id, v->id == 0, &ops, v,
		    phys_to_virt(v->vapic_pa));
	v->lapic.maxphyaddr = (uint8_t)cpuid(0x80000008, 0).eax;
	v->lapic.apicv = vmx_ctl.apicv;
}

void vapic_apply_reset(struct vcpu *v)
{
	lock(v);
	if (v->lapic_power_on)
		vapic_init(v);
	else
		vlapic_reset(&v->lapic);
	v->lapic_power_on = v->lapic_init_pending = false;
	unlock_local(v);
}

/* ---- APIC virtualization (SDM 29) --------------------------------------- */

void vapic_sync(struct vcpu *v, uint16_t *intr_status, uint64_t eoi_exit[4])
{
	struct vlapic *a = &v->lapic;
	int rvi, svi;

	lock(v);
	vlapic_sync_irr(a);
	rvi = vlapic_highest_irr(a);
	svi = vlapic_highest_isr(a);
	/* level-triggered vectors EOI through us, for the I/O APIC */
	for (int i = 0; i < 4; i++)
		eoi_exit[i] = *vlapic_reg(a, VLAPIC_REG_TMR + 0x20 * i) |
			      (uint64_t)*vlapic_reg(a, VLAPIC_REG_TMR + 0x20 * i +
							   0x10) << 32;
	__atomic_and_fetch(&v->ev.pending, ~EV_IRQ, __ATOMIC_SEQ_CST);
	unlock(v);
	*intr_status = (uint16_t)((svi < 0 ? 0 : svi) << 8 | (rvi < 0 ? 0 : rvi));
}

bool vapic_deliverable(struct vcpu *v)
{
	bool r;

	lock(v);
	r = vlapic_pending_vector(&v->lapic) >= 0;
	unlock(v);
	return r;
}

void vapic_apic_write(struct vcpu *v, uint32_t offset)
{
	lock(v);
	vlapic_apicv_write(&v->lapic, offset);
	unlock_local(v);
}

void vapic_virtual_eoi(struct vcpu *v, uint8_t vector)
{
	lock(v);
	vlapic_apicv_eoi(&v->lapic, vector);
	unlock_local(v);
}

uint8_t vapic_tpr(struct vcpu *v)
{
	uint8_t tpr;

	lock(v);
	tpr = vlapic_tpr(&v->lapic);
	unlock(v);
	return tpr;
}

void vapic_set_tpr(struct vcpu *v, uint8_t tpr)
{
	lock(v);
	vlapic_set_tpr(&v->lapic, tpr);
	unlock_local(v);
}

/* The page is per vCPU: the access goes to the APIC of the vCPU that
 * made it. With the APIC in x2APIC mode or off, nothing answers here. */
static int page(void *ctx, struct vcpu *v, uint64_t gpa, unsigned size,
		uint64_t *val, bool write)
{
	uint32_t v32 = (uint32_t)*val;
	int r;

	(void)ctx;
	lock(v);
	if (write)
		r = vlapic_mmio_write(&v->lapic, gpa & 0xfff, size, v32);
	else
		r = vlapic_mmio_read(&v->lapic, gpa & 0xfff, size, &v32);
	unlock_local(v);
	if (!write)
		*val = r == -ENODEV ? ~0ull : v32;
	return 0;
}

int vapic_attach(struct vm *vm)
{
	int r = gpa_add_mmio(&vm->mem, VAPIC_BASE, 0x1000, page, 0, "LAPIC");

	/* With APIC virtualization the page is the CPU's to virtualize: the
	 * accesses it does not handle itself come back as APIC-access
	 * exits, emulated through page() like EPT violations are. */
	if (!r && vmx_ctl.apicv)
		r = gpa_back_mmio(&vm->mem, VAPIC_BASE, vmx_apic_access_pa);
	return r;
}

bool vapic_msr(struct vcpu *v, uint32_t msr, uint64_t *val, bool write,
	       bool *gp)
{
	int r;

	if (!vlapic_is_msr(msr))
		return false;
	lock(v);
	r = write ? vlapic_msr_write(&v->lapic, msr, *val) :
		    vlapic_msr_read(&v->lapic, msr, val);
	unlock_local(v);
	*gp = r != 0;
	return true;
}
