/* SPDX-License-Identifier: MIT */
/*
 * Carrying out a decoded MMIO instruction (vmx/decode.h) on a register
 * file: loads, stores, read-modify-write ALU operations with the
 * arithmetic flags exactly as the SDM gives them, XCHG, BT*, and one
 * iteration of STOS. Pure and host-tested (tests/unit/test_emulate.c).
 *
 * The memory operand is reached only through the callback, which the
 * hypervisor points at the device behind the EPT violation's address:
 *
 *   loads, MOVZX/MOVSX, CMP, TEST, BT, ALU reg,mem   one read
 *   stores, STOS (one iteration)                      one write
 *   ALU mem,src, BTS/BTR/BTC, XCHG                    a read, then a write
 *                                                     (CMP, TEST, BT: none)
 *
 * Each access is of in->size bytes; a written value is already masked to
 * it and a read one is masked by the emulator. LOCK (and XCHG's implicit
 * lock) asks for an atomic read-modify-write: the callback's device must
 * not let another vCPU in between the two calls. Registers and RFLAGS are
 * changed only when every access succeeded.
 *
 * Flags: ADD ADC SUB SBB CMP set CF PF AF ZF SF OF as the SDM defines.
 * AND OR XOR TEST clear CF and OF, set PF ZF SF, and clear AF (which the
 * SDM leaves undefined). BT/BTS/BTR/BTC set CF to the bit and leave the
 * other flags alone (ZF is unaffected, OF SF AF PF undefined). MOV forms,
 * XCHG and STOS change no flag.
 */
#ifndef VMX_EMULATE_H
#define VMX_EMULATE_H

#include <stdbool.h>
#include <stdint.h>

#include "vmx/decode.h"

#define X86_CF (1ull << 0)
#define X86_PF (1ull << 2)
#define X86_AF (1ull << 4)
#define X86_ZF (1ull << 6)
#define X86_SF (1ull << 7)
#define X86_DF (1ull << 10)
#define X86_OF (1ull << 11)
#define X86_ARITH_FLAGS (X86_CF | X86_PF | X86_AF | X86_ZF | X86_SF | X86_OF)

/* Reads (write false) or writes size bytes of the memory operand. Returns
 * 0, or a negative error which x86_emulate returns. */
typedef int (*x86_mem_fn)(void *ctx, unsigned size, uint64_t *val,
			  bool write);

struct x86_emu_result {
	/* true: the instruction is finished, RIP += in->len. false: a REP
	 * STOS with iterations left (rCX != 0 after this one): leave RIP
	 * where it is, and either resume the guest (it re-executes the
	 * instruction, and the next MMIO element exits again) or call
	 * x86_emulate again for the next element. */
	bool done;
	/* STOS: how far the memory operand moved (±size, by DF); the next
	 * iteration's address is this one's + step. 0 for other ops. */
	int8_t step;
	uint8_t reads, writes; /* callback calls made */
};

/*
 * Performs in on gpr (x86 register-number order, gpr[4] is RSP) and
 * *rflags, calling mem(ctx, ...) for the memory operand. One STOS
 * iteration per call: with REP and rCX already 0 it makes no access and
 * reports done. Returns 0, -EINVAL for an instruction it does not know
 * (not from x86_decode), or the callback's error (state unchanged).
 */
int x86_emulate(const struct x86_insn *in, uint64_t gpr[16],
		uint64_t *rflags, x86_mem_fn mem, void *ctx,
		struct x86_emu_result *res);

/* The ALU core: a op b on size bytes (1, 2, 4, 8). Returns the result
 * (masked to size) and updates the arithmetic flags in *rflags; reads CF
 * for ADC/SBB. Only X86_ADD ... X86_TEST. */
uint64_t x86_alu(enum x86_alu op, unsigned size, uint64_t a, uint64_t b,
		 uint64_t *rflags);

#endif
