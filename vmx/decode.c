/* SPDX-License-Identifier: MIT */
/* SDM Vol. 2A, chapter 2 (instruction format), and the MOV, MOVZX, MOVSX,
 * MOVSXD, STOS/REP, ADD...CMP, TEST, XCHG, BT/BTS/BTR/BTC and LOCK pages. */
#include "vmx/decode.h"

#include "lib/errno.h"

struct cursor {
	const uint8_t *b;
	unsigned n, pos;
	unsigned mode, opsize, addrsize;
	uint8_t rex;
	bool lock, rep;
};

static int next(struct cursor *c, uint8_t *out)
{
	if (c->pos >= c->n || c->pos >= 15)
		return -ENODATA;
	*out = c->b[c->pos++];
	return 0;
}

static int skip(struct cursor *c, unsigned bytes)
{
	if (c->pos + bytes > c->n || c->pos + bytes > 15)
		return -ENODATA;
	c->pos += bytes;
	return 0;
}

static uint64_t little(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static int prefixes(struct cursor *c, uint8_t *op)
{
	for (;;) {
		int r = next(c, op);

		if (r)
			return r;
		switch (*op) {
		case 0x66:
			c->opsize = c->mode == 16 ? 4 : 2;
			c->rex = 0; /* a REX must come last */
			continue;
		case 0x67:
			c->addrsize = c->mode == 64 ? 4 : c->mode == 32 ? 2 : 4;
			c->rex = 0;
			continue;
		case 0xf0:
			c->lock = true;
			c->rex = 0;
			continue;
		case 0xf2: case 0xf3:
			c->rep = true; /* only STOS looks at it */
			c->rex = 0;
			continue;
		case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64:
		case 0x65:
			c->rex = 0; /* a REX must come last */
			continue;
		}
		if (c->mode == 64 && (*op & 0xf0) == 0x40) {
			c->rex = *op;
			continue;
		}
		if (c->rex & 8)
			c->opsize = 8;
		return 0;
	}
}

/* Skips ModRM's SIB and displacement; fails on a register operand. *reg
 * is the reg field with REX.R; *digit the bare reg field (/digit). */
static int modrm(struct cursor *c, uint8_t *reg, uint8_t *digit)
{
	uint8_t m, sib, mod, rm;
	int r = next(c, &m);

	if (r)
		return r;
	mod = m >> 6;
	rm = m & 7;
	*digit = (m >> 3) & 7;
	*reg = *digit | (c->rex & 4 ? 8 : 0);
	if (mod == 3)
		return -EINVAL;
	if (c->addrsize == 2) {
		if (mod == 1)
			return skip(c, 1);
		return skip(c, mod == 2 || (mod == 0 && rm == 6) ? 2 : 0);
	}
	if (rm == 4) {
		if ((r = next(c, &sib)))
			return r;
		if (mod == 0 && (sib & 7) == 5)
			return skip(c, 4);
	}
	if (mod == 1)
		return skip(c, 1);
	return skip(c, mod == 2 || (mod == 0 && rm == 5) ? 4 : 0);
}

/* ModRM whose reg field names a register operand of in->reg_size. */
static int modrm_reg(struct cursor *c, struct x86_insn *in)
{
	uint8_t digit;
	int r = modrm(c, &in->reg, &digit);

	/* Without REX, byte registers 4-7 are AH, CH, DH, BH. */
	if (!r && in->reg_size == 1 && !c->rex && in->reg >= 4 &&
	    in->reg < 8) {
		in->reg -= 4;
		in->high8 = true;
	}
	return r;
}

/* An immediate of `bytes` bytes, sign-extended and kept as a size-byte
 * value (all 64 bits when size is 8). */
static int immediate(struct cursor *c, struct x86_insn *in, unsigned bytes)
{
	unsigned shift = 64 - 8 * bytes;
	uint64_t v;

	if (skip(c, bytes))
		return -ENODATA;
	v = little(c->b + c->pos - bytes, bytes);
	v = (uint64_t)((int64_t)(v << shift) >> shift);
	if (in->size < 8)
		v &= (1ull << (8 * in->size)) - 1;
	in->imm = v;
	in->has_imm = true;
	return 0;
}

/* iz: 2 or 4 bytes, 4 sign-extended for a 64-bit operand */
static unsigned imm_z(const struct x86_insn *in)
{
	return in->size == 8 ? 4 : in->size;
}

static int two_byte(struct cursor *c, struct x86_insn *in)
{
	uint8_t op, digit, ignored;
	int r = next(c, &op);

	if (r)
		return r;
	switch (op) {
	case 0xb6: case 0xb7: case 0xbe: case 0xbf:
		in->op = op & 8 ? X86_LOAD_SX : X86_LOAD_ZX;
		in->size = op & 1 ? 2 : 1;
		in->reg_size = c->opsize;
		return modrm_reg(c, in);
	case 0xa3: case 0xab: case 0xb3: case 0xbb:
		in->op = X86_BITTEST;
		in->alu = X86_BT + ((op >> 3) & 3);
		in->size = in->reg_size = c->opsize;
		return modrm_reg(c, in);
	case 0xba:
		in->op = X86_BITTEST;
		in->size = in->reg_size = c->opsize;
		if ((r = modrm(c, &ignored, &digit)))
			return r;
		if (digit < 4)
			return -EINVAL;
		in->alu = X86_BT + (digit & 3);
		if ((r = immediate(c, in, 1)))
			return r;
		in->imm &= 0xff; /* a bit offset, not sign-extended */
		return 0;
	}
	return -EINVAL;
}

static int one_byte(struct cursor *c, uint8_t op, struct x86_insn *in)
{
	uint8_t digit, ignored;
	int r;

	in->size = in->reg_size = op & 1 ? c->opsize : 1;
	if (op < 0x40 && (op & 7) < 4) {
		/* ADD OR ADC SBB AND SUB XOR CMP: 00-03, 08-0B, ... 38-3B */
		in->op = op & 2 ? X86_ALU_REG : X86_ALU_MEM;
		in->alu = op >> 3;
		return modrm_reg(c, in);
	}
	switch (op) {
	case 0x63:
		/* ARPL outside 64-bit mode; MOVSXD r16 deliberately left out */
		if (c->mode != 64 || c->opsize == 2)
			return -EINVAL;
		in->op = X86_LOAD_SX;
		in->size = 4;
		in->reg_size = c->opsize;
		return modrm_reg(c, in);
	case 0x82: /* an alias of 80, invalid in 64-bit mode */
		if (c->mode == 64)
			return -EINVAL;
		/* fall through */
	case 0x80: case 0x81: case 0x83:
		in->op = X86_ALU_MEM;
		if ((r = modrm(c, &ignored, &digit)))
			return r;
		in->alu = digit;
		return immediate(c, in, op == 0x81 ? imm_z(in) : 1);
	case 0x84: case 0x85:
		in->op = X86_ALU_MEM;
		in->alu = X86_TEST;
		return modrm_reg(c, in);
	case 0x86: case 0x87:
		in->op = X86_XCHG;
		in->lock = true;
		return modrm_reg(c, in);
	case 0x88: case 0x89: case 0x8a: case 0x8b:
		in->op = op & 2 ? X86_LOAD : X86_STORE;
		return modrm_reg(c, in);
	case 0xc6: case 0xc7:
		in->op = X86_STORE_IMM;
		if ((r = modrm(c, &ignored, &digit)))
			return r;
		return digit ? -EINVAL : immediate(c, in, imm_z(in));
	case 0xf6: case 0xf7:
		/* TEST is /0; /1 is its alias; the rest NOT NEG MUL ... */
		in->op = X86_ALU_MEM;
		in->alu = X86_TEST;
		if ((r = modrm(c, &ignored, &digit)))
			return r;
		return digit > 1 ? -EINVAL : immediate(c, in, imm_z(in));
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:
		in->op = op & 2 ? X86_STORE : X86_LOAD;
		in->reg = 0;
		return skip(c, c->addrsize);
	case 0xaa: case 0xab:
		in->op = X86_STOS;
		in->reg = 0;
		in->rep = c->rep;
		return 0;
	}
	return -EINVAL;
}

/* LOCK is allowed only on read-modify-write instructions with a memory
 * destination (SDM Vol. 2A, LOCK); anywhere else the CPU raises #UD. */
static bool lockable(const struct x86_insn *in)
{
	switch (in->op) {
	case X86_ALU_MEM:
		return in->alu != X86_CMP && in->alu != X86_TEST;
	case X86_XCHG:
		return true;
	case X86_BITTEST:
		return in->alu != X86_BT;
	default:
		return false;
	}
}

int x86_decode(const uint8_t *b, unsigned n, unsigned mode,
	       struct x86_insn *in)
{
	struct cursor c = { .b = b, .n = n, .mode = mode,
			    .opsize = mode == 16 ? 2 : 4,
			    .addrsize = mode == 16 ? 2 : mode == 32 ? 4 : 8 };
	uint8_t op;
	int r;

	*in = (struct x86_insn){ 0 };
	if (mode != 16 && mode != 32 && mode != 64)
		return -EINVAL;
	if ((r = prefixes(&c, &op)))
		return r;
	r = op == 0x0f ? two_byte(&c, in) : one_byte(&c, op, in);
	if (r)
		return r;
	if (c.lock) {
		if (!lockable(in))
			return -EINVAL;
		in->lock = true;
	}
	in->addr_size = (uint8_t)c.addrsize;
	in->len = (uint8_t)c.pos;
	return 0;
}

uint64_t x86_merge_reg(uint64_t old, uint64_t val, unsigned size, bool high8)
{
	if (high8)
		return (old & ~0xff00ull) | (val & 0xff) << 8;
	switch (size) {
	case 1:
		return (old & ~0xffull) | (val & 0xff);
	case 2:
		return (old & ~0xffffull) | (val & 0xffff);
	case 4:
		return (uint32_t)val;
	default:
		return val;
	}
}
