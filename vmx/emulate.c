/* SPDX-License-Identifier: MIT */
/* SDM Vol. 1, 3.4.3.1 (status flags) and Vol. 2 instruction pages: ADD,
 * ADC, SUB, SBB, CMP, AND, OR, XOR, TEST, XCHG, BT/BTS/BTR/BTC, STOS/REP,
 * MOV/MOVZX/MOVSX/MOVSXD; 3.4.1.1 for 32-bit writes zeroing bits 63:32. */
#include "vmx/emulate.h"

#include "lib/errno.h"

#define RAX 0
#define RCX 1
#define RDI 7

static uint64_t mask_of(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static uint64_t sign_extend(uint64_t v, unsigned size)
{
	unsigned shift = 64 - 8 * size;

	return (uint64_t)((int64_t)(v << shift) >> shift);
}

/* PF: the low byte of the result has an even number of set bits. */
static bool even_parity(uint64_t v)
{
	v &= 0xff;
	v ^= v >> 4;
	v ^= v >> 2;
	v ^= v >> 1;
	return !(v & 1);
}

static bool valid_size(unsigned size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

uint64_t x86_alu(enum x86_alu op, unsigned size, uint64_t a, uint64_t b,
		 uint64_t *rflags)
{
	uint64_t m, sign, res, f = 0;
	unsigned cin = *rflags & X86_CF ? 1 : 0;

	if (!valid_size(size))
		return 0;
	m = mask_of(size);
	sign = 1ull << (8 * size - 1);
	a &= m;
	b &= m;
	switch (op) {
	case X86_ADD:
		cin = 0;
		/* fall through */
	case X86_ADC:
		res = (a + b + cin) & m;
		if (res < a || (cin && res == a))
			f |= X86_CF;
		if ((a ^ res) & (b ^ res) & sign)
			f |= X86_OF;
		f |= (a ^ b ^ res) & X86_AF;
		break;
	case X86_SUB:
	case X86_CMP:
		cin = 0;
		/* fall through */
	case X86_SBB:
		res = (a - b - cin) & m;
		if (a < b || (cin && a == b))
			f |= X86_CF;
		if ((a ^ b) & (a ^ res) & sign)
			f |= X86_OF;
		f |= (a ^ b ^ res) & X86_AF;
		break;
	case X86_OR:
		res = a | b;
		break;
	case X86_XOR:
		res = a ^ b;
		break;
	default: /* X86_AND, X86_TEST */
		res = a & b;
		break;
	}
	if (!res)
		f |= X86_ZF;
	if (res & sign)
		f |= X86_SF;
	if (even_parity(res))
		f |= X86_PF;
	*rflags = (*rflags & ~X86_ARITH_FLAGS) | f;
	return res;
}

static uint64_t reg_read(const uint64_t *gpr, const struct x86_insn *in)
{
	uint64_t v = gpr[in->reg];

	return in->high8 ? v >> 8 : v;
}

static void reg_write(uint64_t *gpr, const struct x86_insn *in, uint64_t v)
{
	gpr[in->reg] = x86_merge_reg(gpr[in->reg], v, in->reg_size, in->high8);
}

struct access {
	x86_mem_fn fn;
	void *ctx;
	unsigned size;
	struct x86_emu_result *res;
};

static int mem_read(struct access *a, uint64_t *v)
{
	int r;

	*v = 0;
	r = a->fn(a->ctx, a->size, v, false);
	if (r)
		return r < 0 ? r : -EIO;
	a->res->reads++;
	*v &= mask_of(a->size);
	return 0;
}

static int mem_write(struct access *a, uint64_t v)
{
	int r;

	v &= mask_of(a->size);
	r = a->fn(a->ctx, a->size, &v, true);
	if (r)
		return r < 0 ? r : -EIO;
	a->res->writes++;
	return 0;
}

static int stos(const struct x86_insn *in, uint64_t *gpr, uint64_t rflags,
		struct access *a)
{
	unsigned as = in->addr_size;
	uint64_t amask = mask_of(as), count = gpr[RCX] & amask;
	int step = rflags & X86_DF ? -(int)in->size : (int)in->size;
	int r;

	if (as != 2 && as != 4 && as != 8)
		return -EINVAL;
	if (in->rep && !count)
		return 0; /* nothing left: done */
	if ((r = mem_write(a, gpr[RAX])))
		return r;
	gpr[RDI] = x86_merge_reg(gpr[RDI], gpr[RDI] + (uint64_t)(int64_t)step,
				 as, false);
	a->res->step = (int8_t)step;
	if (in->rep) {
		gpr[RCX] = x86_merge_reg(gpr[RCX], count - 1, as, false);
		a->res->done = count == 1;
	}
	return 0;
}

static int bittest(const struct x86_insn *in, uint64_t *gpr,
		   uint64_t *rflags, struct access *a)
{
	uint64_t v, bit, off = in->has_imm ? in->imm : reg_read(gpr, in);
	int r;

	if ((r = mem_read(a, &v)))
		return r;
	/* The CPU already moved the access to the unit holding the bit
	 * (the EPT violation's address); what is left is the bit in it. */
	bit = 1ull << (off & (8 * in->size - 1));
	if (in->alu != X86_BT) {
		uint64_t nv = in->alu == X86_BTS ? v | bit :
			      in->alu == X86_BTR ? v & ~bit : v ^ bit;

		if ((r = mem_write(a, nv)))
			return r;
	}
	*rflags = (*rflags & ~X86_CF) | (v & bit ? X86_CF : 0);
	return 0;
}

static bool valid(const struct x86_insn *in)
{
	if (!valid_size(in->size) || !valid_size(in->reg_size) ||
	    in->reg > 15 || (in->high8 && (in->reg > 3 || in->reg_size != 1)))
		return false;
	switch (in->op) {
	case X86_ALU_MEM:
	case X86_ALU_REG:
		return in->alu <= X86_TEST;
	case X86_BITTEST:
		return in->alu >= X86_BT && in->alu <= X86_BTC && in->size > 1;
	default:
		return in->op <= X86_BITTEST;
	}
}

int x86_emulate(const struct x86_insn *in, uint64_t gpr[16],
		uint64_t *rflags, x86_mem_fn mem, void *ctx,
		struct x86_emu_result *res)
{
	struct x86_emu_result scratch;
	struct access a = { mem, ctx, in->size, res ? res : &scratch };
	uint64_t v, f = *rflags, out;
	int r;

	*a.res = (struct x86_emu_result){ .done = true };
	if (!valid(in))
		return -EINVAL;
	switch (in->op) {
	case X86_LOAD:
	case X86_LOAD_ZX:
	case X86_LOAD_SX:
		if ((r = mem_read(&a, &v)))
			return r;
		if (in->op == X86_LOAD_SX)
			v = sign_extend(v, in->size);
		reg_write(gpr, in, v);
		return 0;
	case X86_STORE:
	case X86_STORE_IMM:
		return mem_write(&a, in->op == X86_STORE ? reg_read(gpr, in) :
							   in->imm);
	case X86_STOS:
		a.res->done = true;
		return stos(in, gpr, *rflags, &a);
	case X86_ALU_MEM:
		if ((r = mem_read(&a, &v)))
			return r;
		out = x86_alu(in->alu, in->size, v,
			      in->has_imm ? in->imm : reg_read(gpr, in), &f);
		if (in->alu != X86_CMP && in->alu != X86_TEST &&
		    (r = mem_write(&a, out)))
			return r;
		*rflags = f;
		return 0;
	case X86_ALU_REG:
		if ((r = mem_read(&a, &v)))
			return r;
		out = x86_alu(in->alu, in->size, reg_read(gpr, in), v, &f);
		if (in->alu != X86_CMP && in->alu != X86_TEST)
			reg_write(gpr, in, out);
		*rflags = f;
		return 0;
	case X86_XCHG:
		if ((r = mem_read(&a, &v)) ||
		    (r = mem_write(&a, reg_read(gpr, in))))
			return r;
		reg_write(gpr, in, v);
		return 0;
	case X86_BITTEST:
		return bittest(in, gpr, rflags, &a);
	}
	return -EINVAL;
}
