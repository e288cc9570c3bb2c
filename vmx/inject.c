/* SPDX-License-Identifier: MIT */
/* Event injection (SDM Vol. 3C, 27.6): exceptions, NMIs and external
 * interrupts queued by handlers and devices, delivered at VM entry when
 * the guest can take them, with interrupt/NMI-window exits otherwise. */
#include "vmx/exit.h"

#include "arch/x86.h"
#include "guests/board.h"
#include "guests/vapic.h"
#include "vmx/controls.h"
#include "vmx/vmx.h"

#define DF 8

/* SDM Vol. 3A, table 6-4: #DE, #TS, #NP, #SS, #GP are contributory. */
static bool contributory(uint8_t v)
{
	return v == 0 || (v >= 10 && v <= 13);
}

void inject_exception(struct vcpu *v, uint8_t vector, bool has_error,
		      uint32_t error)
{
	struct vcpu_events *e = &v->ev;

	if (e->pending & EV_EXCEPTION) {
		uint8_t first = e->exc_vector;

		/* SDM table 6-5: a fault while delivering #DF shuts down. */
		if (first == DF) {
			vcpu_stop_vm(v, VM_STATUS_CRASHED,
				     "triple fault: exception %u while "
				     "delivering #DF", vector);
			return;
		}
		if ((contributory(first) && contributory(vector)) ||
		    (first == 14 && (vector == 14 || contributory(vector)))) {
			vector = DF;
			has_error = true;
			error = 0;
		}
	}
	__atomic_or_fetch(&e->pending, EV_EXCEPTION, __ATOMIC_SEQ_CST);
	e->exc_vector = vector;
	e->exc_has_error = has_error;
	e->exc_error = error;
}

void inject_nmi(struct vcpu *v)
{
	__atomic_or_fetch(&v->ev.pending, EV_NMI, __ATOMIC_SEQ_CST);
}

void inject_save_vectoring(struct vcpu *v)
{
	struct vcpu_events *e = &v->ev;

	e->reinject = (uint32_t)vmread(IDT_VECTORING_INFO) & ~(1u << 12);
	e->reinject_error = (uint32_t)vmread(IDT_VECTORING_ERROR);
	e->reinject_len = (uint32_t)vmread(VM_EXIT_INSTRUCTION_LEN);
	__atomic_or_fetch(&e->pending, EV_REINJECT, __ATOMIC_SEQ_CST);
}

static void clear(struct vcpu_events *e, uint32_t bits)
{
	__atomic_and_fetch(&e->pending, ~bits, __ATOMIC_SEQ_CST);
}

static void window(uint32_t bit, bool on)
{
	uint32_t proc = (uint32_t)vmread(PROC_BASED_CONTROLS);
	uint32_t want = on ? proc | bit : proc & ~bit;

	if (want != proc)
		vmwrite(PROC_BASED_CONTROLS, want);
}

static void entry_event(uint32_t info, uint32_t error, uint32_t len)
{
	vmwrite(VM_ENTRY_INTR_INFO, info);
	if (info & INTR_INFO_ERROR_CODE)
		vmwrite(VM_ENTRY_EXCEPTION_ERROR, error);
	vmwrite(VM_ENTRY_INSTRUCTION_LEN, len);
}

/* An interrupted delivery goes first: it was already under way. */
static bool deliver_exceptions(struct vcpu_events *e)
{
	if (e->pending & EV_REINJECT) {
		clear(e, EV_REINJECT);
		entry_event(e->reinject | INTR_INFO_VALID, e->reinject_error,
			    e->reinject_len);
		return true;
	}
	if (e->pending & EV_EXCEPTION) {
		clear(e, EV_EXCEPTION);
		entry_event(INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION |
				    e->exc_vector |
				    (e->exc_has_error ? INTR_INFO_ERROR_CODE : 0),
			    e->exc_error, 0);
		return true;
	}
	return false;
}

/* The local APIC's best vector, when the guest can take it (IF set, no
 * STI/MOV-SS shadow, nothing injected yet this entry). EV_IRQ is dropped
 * under the APIC's lock once the APIC has nothing to give, so a new
 * interrupt cannot slip past. Returns whether interrupts still wait. */
static bool deliver_irq(struct vcpu *v, bool *injected, bool open)
{
	int vec;

	spin_lock(&v->lapic_lock);
	vec = vlapic_pending_vector(&v->lapic);
	if (vec >= 0 && open && !*injected) {
		entry_event(INTR_INFO_VALID | INTR_TYPE_EXT_INTR | vec, 0, 0);
		vlapic_ack(&v->lapic, (uint8_t)vec);
		*injected = true;
		vec = vlapic_pending_vector(&v->lapic);
	}
	if (vec < 0)
		clear(&v->ev, EV_IRQ);
	spin_unlock(&v->lapic_lock);
	return vec >= 0;
}

/* With virtual-interrupt delivery the CPU takes the APIC's interrupts
 * itself when the guest can (SDM 29.2): the VMCS only needs the highest
 * requested (RVI) and in-service (SVI) vectors, and the level-triggered
 * vectors whose EOI must come to us. */
static void sync_apicv(struct vcpu *v)
{
	uint64_t eoi[4];
	uint16_t status;

	vapic_sync(v, &status, eoi);
	vmwrite(GUEST_INTR_STATUS, status);
	for (int i = 0; i < 4; i++)
		if (eoi[i] != v->eoi_exit[i]) {
			vmwrite(EOI_EXIT_BITMAP0 + 2 * i, eoi[i]);
			v->eoi_exit[i] = eoi[i];
		}
}

/* The PIC's interrupt through LINT0 (ExtINT): the INTA happens only when
 * the vector can go in at once. */
static bool deliver_extint(struct vcpu *v, bool *injected, bool open)
{
	int vec;

	if (!open || *injected)
		return true;
	clear(&v->ev, EV_EXTINT); /* the PIC's callback sets it again */
	vec = board_extint_ack(v);
	if (vec < 0)
		return false;
	entry_event(INTR_INFO_VALID | INTR_TYPE_EXT_INTR | vec, 0, 0);
	*injected = true;
	return false;
}

void inject_pending(struct vcpu *v)
{
	struct vcpu_events *e = &v->ev;
	uint64_t shadow = vmread(GUEST_INTERRUPTIBILITY);
	bool injected = deliver_exceptions(e), waiting = false, open;

	if (!injected && (e->pending & EV_NMI)) {
		if (!(shadow & (INTERRUPTIBILITY_NMI | INTERRUPTIBILITY_MOV_SS))) {
			clear(e, EV_NMI);
			entry_event(INTR_INFO_VALID | INTR_TYPE_NMI | 2, 0, 0);
			injected = true;
		} else if (vmx_ctl.pin & PIN_VIRTUAL_NMI) {
			window(PROC_NMI_WINDOW, true);
		}
	}
	open = (vmread(GUEST_RFLAGS) & RFLAGS_IF) && !(shadow & 3);
	if ((e->pending & EV_IRQ) && vmx_ctl.apicv)
		sync_apicv(v);
	else if (e->pending & EV_IRQ)
		waiting = deliver_irq(v, &injected, open);
	if (e->pending & EV_EXTINT)
		waiting |= deliver_extint(v, &injected, open);
	/* Whatever is left waits for the guest to open a window. */
	window(PROC_INTR_WINDOW, waiting);
}
