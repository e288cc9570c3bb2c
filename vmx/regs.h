/* SPDX-License-Identifier: MIT */
/* Guest general-purpose registers, by x86 register number (the order
 * ModRM and REX use, so decoders index them directly). */
#ifndef VMX_REGS_H
#define VMX_REGS_H

#include <stdint.h>

enum gpr { REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI,
	   REG_RDI, REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13,
	   REG_R14, REG_R15 };

/* gpr[REG_RSP] is unused: the guest's RSP lives in the VMCS. */
struct guest_regs {
	uint64_t gpr[16];
};

#endif
