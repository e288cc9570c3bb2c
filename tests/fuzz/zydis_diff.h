/* SPDX-License-Identifier: MIT */
/*
 * vmx/decode.c against Zydis 4 (Debian libzydis-dev) as an oracle. Used by
 * the libFuzzer target diff_zydis.c and the deterministic enumeration
 * enum_zydis.c.
 *
 * For bytes b[0..n) in a mode:
 *  - when x86_decode accepts them, Zydis must decode them too, to the same
 *    length, the same mnemonic (MOV, MOVZX, MOVSX/MOVSXD, STOSx, ADD...CMP,
 *    TEST, XCHG, BT...BTC), the same operands in the same order (memory
 *    operand size; register number, high byte and width; immediate), the
 *    same address size, LOCK and, for STOS, REP;
 *  - when Zydis decodes one of those mnemonics with a memory operand, our
 *    decoder must accept it too (coverage), save the forms x86_decode
 *    leaves out on purpose (vmx/decode.h): MOV to/from a segment register
 *    and MOVSXD with a 16-bit operand.
 */
#ifndef TESTS_FUZZ_ZYDIS_DIFF_H
#define TESTS_FUZZ_ZYDIS_DIFF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <Zydis/Zydis.h>

#include "lib/errno.h"
#include "vmx/decode.h"

struct zd {
	ZydisDecoder dec[3]; /* 16, 32, 64 */
	char why[512];
};

static inline unsigned zd_mode_index(unsigned mode)
{
	return mode == 16 ? 0 : mode == 32 ? 1 : 2;
}

static inline void zd_init(struct zd *z)
{
	ZydisDecoderInit(&z->dec[0], ZYDIS_MACHINE_MODE_LEGACY_16,
			 ZYDIS_STACK_WIDTH_16);
	ZydisDecoderInit(&z->dec[1], ZYDIS_MACHINE_MODE_LEGACY_32,
			 ZYDIS_STACK_WIDTH_32);
	ZydisDecoderInit(&z->dec[2], ZYDIS_MACHINE_MODE_LONG_64,
			 ZYDIS_STACK_WIDTH_64);
}

static inline int zd_fail(struct zd *z, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(z->why, sizeof(z->why), fmt, ap);
	va_end(ap);
	return 1;
}

/* A Zydis general-purpose register as (number, high byte, width bytes). */
static inline bool zd_gpr(ZydisRegister r, unsigned *num, bool *high8,
			  unsigned *width)
{
	*high8 = false;
	if (r >= ZYDIS_REGISTER_AL && r <= ZYDIS_REGISTER_BL) {
		*num = r - ZYDIS_REGISTER_AL;
		*width = 1;
	} else if (r >= ZYDIS_REGISTER_AH && r <= ZYDIS_REGISTER_BH) {
		*num = r - ZYDIS_REGISTER_AH;
		*high8 = true;
		*width = 1;
	} else if (r >= ZYDIS_REGISTER_SPL && r <= ZYDIS_REGISTER_R15B) {
		*num = 4 + (r - ZYDIS_REGISTER_SPL);
		*width = 1;
	} else if (r >= ZYDIS_REGISTER_AX && r <= ZYDIS_REGISTER_R15W) {
		*num = r - ZYDIS_REGISTER_AX;
		*width = 2;
	} else if (r >= ZYDIS_REGISTER_EAX && r <= ZYDIS_REGISTER_R15D) {
		*num = r - ZYDIS_REGISTER_EAX;
		*width = 4;
	} else if (r >= ZYDIS_REGISTER_RAX && r <= ZYDIS_REGISTER_R15) {
		*num = r - ZYDIS_REGISTER_RAX;
		*width = 8;
	} else {
		return false;
	}
	return true;
}

static inline ZydisMnemonic zd_mnemonic(const struct x86_insn *in)
{
	static const ZydisMnemonic alu[] = {
		ZYDIS_MNEMONIC_ADD, ZYDIS_MNEMONIC_OR,  ZYDIS_MNEMONIC_ADC,
		ZYDIS_MNEMONIC_SBB, ZYDIS_MNEMONIC_AND, ZYDIS_MNEMONIC_SUB,
		ZYDIS_MNEMONIC_XOR, ZYDIS_MNEMONIC_CMP, ZYDIS_MNEMONIC_TEST,
		ZYDIS_MNEMONIC_BT,  ZYDIS_MNEMONIC_BTS, ZYDIS_MNEMONIC_BTR,
		ZYDIS_MNEMONIC_BTC,
	};

	switch (in->op) {
	case X86_LOAD:
	case X86_STORE:
	case X86_STORE_IMM:
		return ZYDIS_MNEMONIC_MOV;
	case X86_LOAD_ZX:
		return ZYDIS_MNEMONIC_MOVZX;
	case X86_LOAD_SX:
		return in->size == 4 ? ZYDIS_MNEMONIC_MOVSXD :
				       ZYDIS_MNEMONIC_MOVSX;
	case X86_STOS:
		return in->size == 1 ? ZYDIS_MNEMONIC_STOSB :
		       in->size == 2 ? ZYDIS_MNEMONIC_STOSW :
		       in->size == 4 ? ZYDIS_MNEMONIC_STOSD :
				       ZYDIS_MNEMONIC_STOSQ;
	case X86_XCHG:
		return ZYDIS_MNEMONIC_XCHG;
	case X86_ALU_MEM:
	case X86_ALU_REG:
	case X86_BITTEST:
		if (in->alu <= X86_BTC)
			return alu[in->alu];
		break;
	}
	return ZYDIS_MNEMONIC_INVALID;
}

static inline bool zd_supported_mnemonic(ZydisMnemonic m)
{
	switch (m) {
	case ZYDIS_MNEMONIC_MOV: case ZYDIS_MNEMONIC_MOVZX:
	case ZYDIS_MNEMONIC_MOVSX: case ZYDIS_MNEMONIC_MOVSXD:
	case ZYDIS_MNEMONIC_STOSB: case ZYDIS_MNEMONIC_STOSW:
	case ZYDIS_MNEMONIC_STOSD: case ZYDIS_MNEMONIC_STOSQ:
	case ZYDIS_MNEMONIC_ADD: case ZYDIS_MNEMONIC_OR:
	case ZYDIS_MNEMONIC_ADC: case ZYDIS_MNEMONIC_SBB:
	case ZYDIS_MNEMONIC_AND: case ZYDIS_MNEMONIC_SUB:
	case ZYDIS_MNEMONIC_XOR: case ZYDIS_MNEMONIC_CMP:
	case ZYDIS_MNEMONIC_TEST: case ZYDIS_MNEMONIC_XCHG:
	case ZYDIS_MNEMONIC_BT: case ZYDIS_MNEMONIC_BTS:
	case ZYDIS_MNEMONIC_BTR: case ZYDIS_MNEMONIC_BTC:
		return true;
	default:
		return false;
	}
}

/* A form Zydis decodes, with a memory operand, that we must decode too. */
static inline bool zd_must_accept(const ZydisDecodedInstruction *zi,
				  const ZydisDecodedOperand *zo)
{
	bool mem = false;

	if (zi->encoding != ZYDIS_INSTRUCTION_ENCODING_LEGACY ||
	    !zd_supported_mnemonic(zi->mnemonic))
		return false;
	for (unsigned i = 0; i < zi->operand_count; i++) {
		if (zo[i].type == ZYDIS_OPERAND_TYPE_MEMORY &&
		    zo[i].mem.type == ZYDIS_MEMOP_TYPE_MEM)
			mem = true;
		/* deliberately unsupported: MOV Sreg (8C, 8E) */
		if (zo[i].type == ZYDIS_OPERAND_TYPE_REGISTER &&
		    zo[i].visibility == ZYDIS_OPERAND_VISIBILITY_EXPLICIT &&
		    ZydisRegisterGetClass(zo[i].reg.value) ==
			    ZYDIS_REGCLASS_SEGMENT)
			return false;
	}
	/* deliberately unsupported: MOVSXD r16 (66 63) */
	if (zi->mnemonic == ZYDIS_MNEMONIC_MOVSXD && zi->operand_width == 16)
		return false;
	return mem;
}

static inline uint64_t zd_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

enum zd_kind { ZD_MEM, ZD_REG, ZD_IMM };

static inline int zd_operand(struct zd *z, const struct x86_insn *in,
			     const ZydisDecodedOperand *o, enum zd_kind k,
			     unsigned i)
{
	unsigned num, width;
	bool high8;

	switch (k) {
	case ZD_MEM:
		if (o->type != ZYDIS_OPERAND_TYPE_MEMORY ||
		    o->mem.type != ZYDIS_MEMOP_TYPE_MEM)
			return zd_fail(z, "operand %u: Zydis has no memory", i);
		if (o->size != 8u * in->size)
			return zd_fail(z, "memory size %u bits, ours %u bytes",
				       o->size, in->size);
		return 0;
	case ZD_REG:
		if (o->type != ZYDIS_OPERAND_TYPE_REGISTER ||
		    !zd_gpr(o->reg.value, &num, &high8, &width))
			return zd_fail(z, "operand %u: Zydis has no GPR", i);
		if (num != in->reg || high8 != in->high8 ||
		    width != in->reg_size)
			return zd_fail(z, "register %s, ours reg %u high8 %d "
				       "size %u",
				       ZydisRegisterGetString(o->reg.value),
				       in->reg, in->high8, in->reg_size);
		return 0;
	case ZD_IMM:
		if (o->type != ZYDIS_OPERAND_TYPE_IMMEDIATE)
			return zd_fail(z, "operand %u: Zydis has no immediate",
				       i);
		if (in->op == X86_BITTEST ?
			    (o->imm.value.u & 0xff) != in->imm :
			    (o->imm.value.u & zd_mask(in->size)) != in->imm)
			return zd_fail(z, "immediate %#llx, ours %#llx",
				       (unsigned long long)o->imm.value.u,
				       (unsigned long long)in->imm);
		return 0;
	}
	return 0;
}

/* 0, or 1 with z->why saying what differs. */
static inline int zd_check(struct zd *z, const uint8_t *b, size_t n,
			   unsigned mode)
{
	ZydisDecodedInstruction zi;
	ZydisDecodedOperand zo[ZYDIS_MAX_OPERAND_COUNT];
	struct x86_insn in;
	int ours = x86_decode(b, (unsigned)n, mode, &in);
	bool zok = ZYAN_SUCCESS(ZydisDecoderDecodeFull(
		&z->dec[zd_mode_index(mode)], b, n, &zi, zo));
	enum zd_kind want[2];
	unsigned first = 0;
	bool has_lock;
	ZydisMnemonic m;

	z->why[0] = 0;
	if (ours) {
		if (ours != -EINVAL && ours != -ENODATA)
			return zd_fail(z, "ours: unexpected error %d", ours);
		if (zok && zd_must_accept(&zi, zo))
			return zd_fail(z, "ours rejects (%d) what Zydis decodes "
				       "(mnemonic %s, %u bytes)", ours,
				       ZydisMnemonicGetString(zi.mnemonic),
				       zi.length);
		return 0;
	}
	if (in.len == 0 || in.len > 15 || in.len > n)
		return zd_fail(z, "ours: length %u of %zu bytes", in.len, n);
	if (!zok)
		return zd_fail(z, "Zydis rejects what ours decodes (op %d)",
			       in.op);
	if (zi.length != in.len)
		return zd_fail(z, "length %u, ours %u", zi.length, in.len);
	m = zd_mnemonic(&in);
	if (zi.mnemonic != m)
		return zd_fail(z, "mnemonic %s, ours %s (op %d alu %d)",
			       ZydisMnemonicGetString(zi.mnemonic),
			       ZydisMnemonicGetString(m), in.op, in.alu);
	if (zi.address_width != 8u * in.addr_size)
		return zd_fail(z, "address size %u bits, ours %u bytes",
			       zi.address_width, in.addr_size);
	has_lock = zi.attributes & ZYDIS_ATTRIB_HAS_LOCK;
	if (in.op == X86_XCHG ? !in.lock : in.lock != has_lock)
		return zd_fail(z, "lock %d, ours %d", has_lock, in.lock);

	switch (in.op) {
	case X86_LOAD: case X86_LOAD_ZX: case X86_LOAD_SX: case X86_ALU_REG:
		want[0] = ZD_REG, want[1] = ZD_MEM;
		break;
	case X86_STORE_IMM:
		want[0] = ZD_MEM, want[1] = ZD_IMM;
		break;
	case X86_STOS:
		/* hidden: [ES:rDI], then AL/AX/EAX/RAX */
		want[0] = ZD_MEM, want[1] = ZD_REG;
		if (in.rep != !!(zi.attributes & (ZYDIS_ATTRIB_HAS_REP |
						  ZYDIS_ATTRIB_HAS_REPNE)))
			return zd_fail(z, "rep differs, ours %d", in.rep);
		break;
	default: /* STORE, ALU_MEM, XCHG, BITTEST */
		want[0] = ZD_MEM, want[1] = in.has_imm ? ZD_IMM : ZD_REG;
		break;
	}
	if (in.op != X86_STOS && zi.operand_count_visible != 2)
		return zd_fail(z, "Zydis has %u visible operands",
			       zi.operand_count_visible);
	if (in.op == X86_STOS && zi.operand_count < 2)
		return zd_fail(z, "Zydis STOS with %u operands",
			       zi.operand_count);
	if (in.has_imm != (want[1] == ZD_IMM))
		return zd_fail(z, "ours has_imm %d", in.has_imm);
	for (unsigned i = first; i < 2; i++)
		if (zd_operand(z, &in, &zo[i], want[i], i))
			return 1;
	return 0;
}

static inline bool zd_same(const struct x86_insn *a, const struct x86_insn *b)
{
	return a->op == b->op && a->len == b->len && a->size == b->size &&
	       a->reg_size == b->reg_size && a->reg == b->reg &&
	       a->high8 == b->high8 && a->imm == b->imm && a->alu == b->alu &&
	       a->has_imm == b->has_imm && a->lock == b->lock &&
	       a->rep == b->rep && a->addr_size == b->addr_size;
}

static inline void zd_hex(char *out, size_t room, const uint8_t *b, size_t n)
{
	size_t used = 0;

	out[0] = 0;
	for (size_t i = 0; i < n && used + 4 < room; i++)
		used += (size_t)snprintf(out + used, room - used, "%s%02x",
					 i ? " " : "", b[i]);
}

#endif
