/* SPDX-License-Identifier: MIT */
/*
 * Decoding the instruction behind an MMIO access. The EPT violation gives
 * the address; the instruction says the size, the direction and which
 * register or immediate is involved. Pure and host-tested.
 *
 * Covered: MOV r/m,r (88, 89), MOV r,r/m (8A, 8B), MOV r/m,imm (C6, C7),
 * MOV with a direct offset (A0-A3), MOVZX/MOVSX (0F B6/B7/BE/BF), with
 * operand-size, address-size, segment, LOCK/REP and REX prefixes.
 */
#ifndef VMX_DECODE_H
#define VMX_DECODE_H

#include <stdbool.h>
#include <stdint.h>

enum x86_op {
	X86_LOAD,      /* register ← memory */
	X86_LOAD_ZX,   /* register ← zero-extended memory */
	X86_LOAD_SX,   /* register ← sign-extended memory */
	X86_STORE,     /* memory ← register */
	X86_STORE_IMM, /* memory ← immediate */
};

struct x86_insn {
	enum x86_op op;
	uint8_t len;      /* bytes */
	uint8_t size;     /* memory operand, bytes */
	uint8_t reg_size; /* register operand, bytes */
	uint8_t reg;      /* register number (REG_RAX...) */
	bool high8;       /* AH, CH, DH or BH */
	uint64_t imm;     /* X86_STORE_IMM, sign-extended to size */
};

/* mode: 16, 32 or 64 (the guest's code size). Returns 0, or -EINVAL for an
 * instruction outside the list or with a register (not memory) operand,
 * or -ENODATA when n is too short. */
int x86_decode(const uint8_t *b, unsigned n, unsigned mode,
	       struct x86_insn *in);

/* Writes a loaded value to a register the way the CPU does: 32-bit writes
 * zero the upper half, 8/16-bit writes keep the rest. */
uint64_t x86_merge_reg(uint64_t old, uint64_t val, unsigned size, bool high8);

#endif
