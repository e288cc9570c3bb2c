/* SPDX-License-Identifier: MIT */
/* SDM Vol. 2A, chapter 2 (instruction format) and the MOV/MOVZX/MOVSX
 * pages. */
#include "vmx/decode.h"

#include "lib/errno.h"

struct cursor {
	const uint8_t *b;
	unsigned n, pos;
	unsigned opsize, addrsize;
	uint8_t rex;
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

static int prefixes(struct cursor *c, unsigned mode, uint8_t *op)
{
	for (;;) {
		int r = next(c, op);

		if (r)
			return r;
		switch (*op) {
		case 0x66:
			c->opsize = mode == 16 ? 4 : 2;
			c->rex = 0; /* a REX must come last */
			continue;
		case 0x67:
			c->addrsize = mode == 64 ? 4 : mode == 32 ? 2 : 4;
			c->rex = 0;
			continue;
		case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64:
		case 0x65: case 0xf0: case 0xf2: case 0xf3:
			c->rex = 0; /* a REX must come last */
			continue;
		}
		if (mode == 64 && (*op & 0xf0) == 0x40) {
			c->rex = *op;
			continue;
		}
		if (c->rex & 8)
			c->opsize = 8;
		return 0;
	}
}

/* Skips ModRM's SIB and displacement; fails on a register operand. */
static int modrm(struct cursor *c, uint8_t *reg)
{
	uint8_t m, sib, mod, rm;
	int r = next(c, &m);

	if (r)
		return r;
	mod = m >> 6;
	rm = m & 7;
	*reg = ((m >> 3) & 7) | (c->rex & 4 ? 8 : 0);
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

static void byte_reg(const struct cursor *c, struct x86_insn *in)
{
	/* Without REX, byte registers 4-7 are AH, CH, DH, BH. */
	if (!c->rex && in->reg >= 4 && in->reg < 8) {
		in->reg -= 4;
		in->high8 = true;
	}
}

static int immediate(struct cursor *c, struct x86_insn *in)
{
	unsigned bytes = in->size == 8 ? 4 : in->size;
	uint64_t v;

	if (skip(c, bytes))
		return -ENODATA;
	v = little(c->b + c->pos - bytes, bytes);
	if (in->size == 8) /* imm32 sign-extended to 64 bits */
		v = (uint64_t)(int64_t)(int32_t)v;
	in->imm = v;
	return 0;
}

static int two_byte(struct cursor *c, struct x86_insn *in)
{
	uint8_t op;
	int r = next(c, &op);

	if (r)
		return r;
	if (op != 0xb6 && op != 0xb7 && op != 0xbe && op != 0xbf)
		return -EINVAL;
	in->op = op & 8 ? X86_LOAD_SX : X86_LOAD_ZX;
	in->size = op & 1 ? 2 : 1;
	in->reg_size = c->opsize;
	return modrm(c, &in->reg);
}

static int one_byte(struct cursor *c, uint8_t op, struct x86_insn *in)
{
	uint8_t ext;
	int r;

	in->size = in->reg_size = op & 1 ? c->opsize : 1;
	switch (op) {
	case 0x88: case 0x89: case 0x8a: case 0x8b:
		in->op = op & 2 ? X86_LOAD : X86_STORE;
		if ((r = modrm(c, &in->reg)))
			return r;
		if (in->size == 1)
			byte_reg(c, in);
		return 0;
	case 0xc6: case 0xc7:
		in->op = X86_STORE_IMM;
		if ((r = modrm(c, &ext)))
			return r;
		return (ext & 7) ? -EINVAL : immediate(c, in);
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:
		in->op = op & 2 ? X86_STORE : X86_LOAD;
		in->reg = 0;
		return skip(c, c->addrsize);
	}
	return -EINVAL;
}

int x86_decode(const uint8_t *b, unsigned n, unsigned mode,
	       struct x86_insn *in)
{
	struct cursor c = { b, n, 0, mode == 16 ? 2 : 4, mode == 16 ? 2 :
						   mode == 32 ? 4 : 8, 0 };
	uint8_t op;
	int r;

	*in = (struct x86_insn){ 0 };
	if ((r = prefixes(&c, mode, &op)))
		return r;
	r = op == 0x0f ? two_byte(&c, in) : one_byte(&c, op, in);
	if (r)
		return r;
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
