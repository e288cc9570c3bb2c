/* SPDX-License-Identifier: MIT */
/* IN, OUT, INS and OUTS (SDM 28.2.1, table 28-5) to the VM's port bus. */
#include "arch/x86.h"
#include "vmx/decode.h"
#include "vmx/exit.h"
#include "vmx/gwalk.h"
#include "vmx/vmx.h"

#define STRING_BATCH 4096 /* iterations per exit: bounds the exit's length */

static uint64_t addr_mask(unsigned asize)
{
	return asize == 8 ? ~0ull : (1ull << (8 * asize)) - 1;
}

/* One INS/OUTS element at guest-linear gla. */
static int string_one(struct vcpu *v, const struct gwalk *w, uint16_t port,
		      unsigned size, bool in, uint64_t gla)
{
	uint32_t val = 0;
	uint64_t gpa;

	if (in) {
		if (pio_access(&v->vm->pio, v, port, size, &val, false) ||
		    gwalk_translate(w, gla, &gpa) ||
		    gpa_write(&v->vm->mem, gpa, &val, size))
			return -1;
		return 0;
	}
	if (gwalk_read(w, gla, &val, size))
		return -1;
	return pio_access(&v->vm->pio, v, port, size, &val, true);
}

static void string_io(struct vcpu *v, struct guest_regs *r, uint16_t port,
		      unsigned size, bool in, bool rep)
{
	uint32_t info = (uint32_t)vmread(VM_EXIT_INSTRUCTION_INFO);
	unsigned asize = 2u << ((info >> 7) & 7);
	unsigned seg = in ? 0 /* ES */ : (info >> 15) & 7;
	unsigned idx = in ? REG_RDI : REG_RSI;
	uint64_t mask = addr_mask(asize), base = vmread(GUEST_ES_BASE + 2 * seg);
	int64_t step = vmread(GUEST_RFLAGS) & (1u << 10) ? -(int64_t)size : size;
	uint64_t count = rep ? r->gpr[REG_RCX] & mask : 1;
	struct gwalk w;

	vmx_gwalk(v, &w);
	for (unsigned i = 0; count && i < STRING_BATCH; i++) {
		uint64_t off = r->gpr[idx] & mask;
		uint64_t gla = vmx_guest_mode() != 64 ? (uint32_t)(base + off) :
			       seg < 4 ? off : base + off;

		if (string_one(v, &w, port, size, in, gla)) {
			vcpu_stop_vm(v, VM_STATUS_CRASHED, "%s at port %#x: "
				     "buffer %#llx is not guest memory",
				     in ? "INS" : "OUTS", port,
				     (unsigned long long)gla);
			return;
		}
		r->gpr[idx] = (r->gpr[idx] & ~mask) | ((off + step) & mask);
		count--;
		if (rep)
			r->gpr[REG_RCX] = (r->gpr[REG_RCX] & ~mask) | count;
	}
	if (!count) /* else the guest re-executes it and we go on */
		skip_instruction();
}

void exit_io(struct vcpu *v, struct guest_regs *r)
{
	uint64_t q = vmread(EXIT_QUALIFICATION);
	unsigned size = (q & 7) + 1;
	bool in = q & 8;
	uint16_t port = (uint16_t)(q >> 16);
	uint32_t val = (uint32_t)r->gpr[REG_RAX];

	if (q & 16) {
		string_io(v, r, port, size, in, q & 32);
		return;
	}
	if (pio_access(&v->vm->pio, v, port, size, &val, !in)) {
		if (v->vm->state != VM_STOPPED)
			vcpu_stop_vm(v, VM_STATUS_CRASHED,
				     "device at port %#x failed", port);
		return;
	}
	if (v->reset_pending) /* the OUT reset the VM: nothing to finish */
		return;
	if (in)
		r->gpr[REG_RAX] = x86_merge_reg(r->gpr[REG_RAX], val, size,
						false);
	skip_instruction();
}
