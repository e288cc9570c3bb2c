/* SPDX-License-Identifier: MIT */
/*
 * Decoding the instruction behind an MMIO access. The EPT violation gives
 * the address; the instruction says the size, the direction, the operation
 * and which register or immediate is involved. Pure and host-tested
 * (tests/unit/test_decode.c), fuzzed and checked against Zydis
 * (tests/fuzz/). vmx/emulate.h carries a decoded instruction out.
 *
 * Covered, in 16-, 32- and 64-bit code, every operand size (8/16/32/64),
 * 16/32/64-bit addressing (ModRM, SIB, disp8/16/32, RIP-relative, moffs),
 * and the prefixes 66, 67, segment overrides, F0, F2, F3 and REX:
 *   MOV      88 89 8A 8B, C6 /0, C7 /0, A0-A3 (moffs)
 *   MOVZX    0F B6 0F B7        MOVSX 0F BE 0F BF
 *   MOVSXD   63 (64-bit mode; not with 66, see below)
 *   STOS     AA AB, with REP (F3, or F2 which the CPU treats as REP)
 *   ALU      ADD OR ADC SBB AND SUB XOR CMP: r/m,reg (00/01 ... 38/39),
 *            reg,r/m (02/03 ... 3A/3B), r/m,imm (80, 81, 83, and 82
 *            outside 64-bit mode)
 *   TEST     84 85, F6 /0 ib, F7 /0 iz (and their aliases F6/F7 /1)
 *   XCHG     86 87 (LOCK implied)
 *   BT BTS BTR BTC  0F A3/AB/B3/BB (bit offset in a register), 0F BA /4-7
 *
 * Rejected (-EINVAL): any other opcode, a register (not memory) operand,
 * VEX/EVEX/XOP, LOCK on an instruction that does not take it (the CPU
 * raises #UD: MOV, MOVZX/MOVSX/MOVSXD, CMP, TEST, BT, STOS, reg,r/m ALU
 * forms), and deliberately 66 63 (MOVSXD with a 16-bit operand: the SDM
 * says it reads 16 bits, Zydis/XED say 32; no compiler emits it). Not
 * covered: MOVS, LODS, CMPS, SCAS, INC/DEC/NOT/NEG, shifts, CMPXCHG, XADD,
 * MOVNTI, SSE/AVX moves, MOV to/from a segment register.
 */
#ifndef VMX_DECODE_H
#define VMX_DECODE_H

#include <stdbool.h>
#include <stdint.h>

enum x86_op {
	X86_LOAD,      /* register ← memory */
	X86_LOAD_ZX,   /* register ← zero-extended memory */
	X86_LOAD_SX,   /* register ← sign-extended memory (MOVSX, MOVSXD) */
	X86_STORE,     /* memory ← register */
	X86_STORE_IMM, /* memory ← immediate */
	X86_STOS,      /* [ES:rDI] ← AL/AX/EAX/RAX, rDI ± size (REP: rCX) */
	X86_ALU_MEM,   /* memory ← memory alu (register or immediate) */
	X86_ALU_REG,   /* register ← register alu memory */
	X86_XCHG,      /* register ↔ memory */
	X86_BITTEST,   /* BT/BTS/BTR/BTC on memory, bit offset reg or imm */
};

/* The operation of X86_ALU_MEM, X86_ALU_REG and X86_BITTEST. 0-7 are the
 * group-1 /digit and bits 5:3 of the 00-3F opcodes. */
enum x86_alu {
	X86_ADD,
	X86_OR,
	X86_ADC,
	X86_SBB,
	X86_AND,
	X86_SUB,
	X86_XOR,
	X86_CMP,
	X86_TEST,
	X86_BT,
	X86_BTS,
	X86_BTR,
	X86_BTC,
};

struct x86_insn {
	enum x86_op op;
	uint8_t len;      /* bytes */
	uint8_t size;     /* memory operand, bytes */
	uint8_t reg_size; /* register operand, bytes */
	uint8_t reg;      /* register number (REG_RAX...); STOS: REG_RAX */
	bool high8;       /* AH, CH, DH or BH */
	uint64_t imm;     /* when has_imm: the immediate as a size-byte
			   * value (sign-extended to 64 bits when size is 8);
			   * X86_BITTEST: the raw imm8 bit offset */
	/* Added with the emulator; the fields above keep their meaning. */
	enum x86_alu alu; /* X86_ALU_MEM, X86_ALU_REG, X86_BITTEST */
	bool has_imm;     /* the source is imm, not register reg */
	bool lock;        /* F0 (XCHG locks without it too) */
	bool rep;         /* X86_STOS with F3 or F2: repeat rCX times */
	uint8_t addr_size; /* 2, 4 or 8: width of rDI and rCX for STOS */
};

/* mode: 16, 32 or 64 (the guest's code size). Returns 0, or -EINVAL for an
 * instruction outside the list or with a register (not memory) operand,
 * or -ENODATA when n is too short. Reads at most min(n, 15) bytes. */
int x86_decode(const uint8_t *b, unsigned n, unsigned mode,
	       struct x86_insn *in);

/* Writes a loaded value to a register the way the CPU does: 32-bit writes
 * zero the upper half, 8/16-bit writes keep the rest. */
uint64_t x86_merge_reg(uint64_t old, uint64_t val, unsigned size, bool high8);

#endif
