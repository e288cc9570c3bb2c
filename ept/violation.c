/* SPDX-License-Identifier: MIT */
/*
 * EPT violations: an access to an emulated device's MMIO range is decoded
 * and handed to the device; any other access outside the VM's memory
 * stops the VM with the address, the kind of access and the RIP.
 */
#include "ept/gpa.h"
#include "guests/vm.h"
#include "vmx/decode.h"
#include "vmx/emulate.h"
#include "vmx/exit.h"
#include "vmx/gwalk.h"
#include "vmx/vmx.h"

/* Exit qualification bits (SDM 28.2.1, table 28-7). */
#define Q_READ (1u << 0)
#define Q_WRITE (1u << 1)
#define Q_FETCH (1u << 2)

static const char *access_name(uint64_t q)
{
	return q & Q_FETCH ? "instruction fetch" : q & Q_WRITE ? "write" :
								 "read";
}

/* Up to 15 bytes at RIP, fewer if the next page is not mapped. */
static int fetch(struct vcpu *v, uint8_t *buf, unsigned *n)
{
	struct gwalk w;
	uint64_t gla = vmx_guest_rip_linear();
	unsigned room = 4096 - (gla & 0xfff);

	vmx_gwalk(v, &w);
	*n = 15;
	if (!gwalk_read(&w, gla, buf, 15))
		return 0;
	*n = room < 15 ? room : 15;
	return gwalk_read(&w, gla, buf, *n);
}

struct mmio_access {
	struct vcpu *v;
	const struct gpa_mmio *m;
	uint64_t gpa;
};

static int mmio_cb(void *ctx, unsigned size, uint64_t *val, bool write)
{
	struct mmio_access *a = ctx;

	return a->m->fn(a->m->ctx, a->v, a->gpa, size, val, write);
}

static void emulate(struct vcpu *v, struct guest_regs *r,
		    const struct gpa_mmio *m, uint64_t gpa)
{
	uint8_t b[15];
	unsigned n;
	struct x86_insn in;
	struct mmio_access a = { v, m, gpa };
	struct x86_emu_result res;
	uint64_t rflags;

	__atomic_add_fetch(&((struct gpa_mmio *)m)->hits, 1, __ATOMIC_RELAXED);
	if (fetch(v, b, &n) || x86_decode(b, n, vmx_guest_mode(), &in)) {
		vcpu_stop_vm(v, VM_STATUS_CRASHED,
			     "cannot emulate the instruction accessing %s at "
			     "%#llx (bytes %02x %02x %02x %02x)", m->name,
			     (unsigned long long)gpa, b[0], b[1], b[2], b[3]);
		return;
	}
	/* gpr[REG_RSP] is a normal slot for the emulator */
	r->gpr[REG_RSP] = vmread(GUEST_RSP);
	rflags = vmread(GUEST_RFLAGS);
	if (x86_emulate(&in, r->gpr, &rflags, mmio_cb, &a, &res)) {
		vcpu_stop_vm(v, VM_STATUS_CRASHED, "%s refused a %u-byte "
			     "access at %#llx", m->name, in.size,
			     (unsigned long long)gpa);
		return;
	}
	vmwrite(GUEST_RSP, r->gpr[REG_RSP]);
	vmwrite(GUEST_RFLAGS, rflags);
	/* REP STOS: one element per exit; the guest re-executes the rest */
	if (res.done)
		vmwrite(GUEST_RIP, vmread(GUEST_RIP) + in.len);
	vmwrite(GUEST_INTERRUPTIBILITY, vmread(GUEST_INTERRUPTIBILITY) & ~3ull);
}

/* APIC-access exit qualification (SDM 28.2.1, table 28-6). */
#define APIC_ACCESS_OFFSET(q) ((q) & 0xfff)
#define APIC_ACCESS_TYPE(q) (((q) >> 12) & 0xf)
#define APIC_LINEAR_READ 0
#define APIC_LINEAR_WRITE 1

/* An access to the APIC-access page the CPU does not virtualize (with
 * APIC-register virtualization: the current count, unused offsets,
 * sizes other than 32 bits): emulated like an EPT violation on the page
 * (fault-like, RIP at the instruction). */
void exit_apic_access(struct vcpu *v, struct guest_regs *r)
{
	uint64_t q = vmread(EXIT_QUALIFICATION);
	uint64_t gpa = 0xfee00000ull + APIC_ACCESS_OFFSET(q);
	const struct gpa_mmio *m = gpa_find_mmio(&v->vm->mem, gpa);

	if (!m || (APIC_ACCESS_TYPE(q) != APIC_LINEAR_READ &&
		   APIC_ACCESS_TYPE(q) != APIC_LINEAR_WRITE)) {
		vcpu_stop_vm(v, VM_STATUS_CRASHED, "local APIC page access of "
			     "type %u at offset %#x (an instruction fetch or "
			     "an event delivery through it)",
			     (unsigned)APIC_ACCESS_TYPE(q),
			     (unsigned)APIC_ACCESS_OFFSET(q));
		return;
	}
	v->mmio_exits++;
	emulate(v, r, m, gpa);
}

void exit_ept_violation(struct vcpu *v, struct guest_regs *r)
{
	uint64_t q = vmread(EXIT_QUALIFICATION);
	uint64_t gpa = vmread(GUEST_PHYSICAL_ADDRESS);
	const struct gpa_mmio *m = gpa_find_mmio(&v->vm->mem, gpa);

	if (!m || (q & Q_FETCH)) {
		vcpu_stop_vm(v, VM_STATUS_CRASHED,
			     "EPT violation: %s at guest-physical %#llx, "
			     "outside the VM's memory", access_name(q),
			     (unsigned long long)gpa);
		return;
	}
	v->mmio_exits++;
	emulate(v, r, m, gpa);
}

/* Our EPT entries are all valid: a misconfiguration is our bug. */
void exit_ept_misconfig(struct vcpu *v, struct guest_regs *r)
{
	(void)r;
	vcpu_stop_vm(v, VM_STATUS_CRASHED,
		     "EPT misconfiguration at guest-physical %#llx "
		     "(hypervisor bug)",
		     (unsigned long long)vmread(GUEST_PHYSICAL_ADDRESS));
}
