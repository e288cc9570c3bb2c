/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for vmx/decode.c and vmx/emulate.c (clang
 * -fsanitize=fuzzer,address,undefined). The input is decoded in 16-, 32-
 * and 64-bit mode from an exactly-sized heap copy, so ASan sees any read
 * past its end. For an accepted instruction:
 *  - its length is 1..15 and within the input;
 *  - decoding exactly its bytes gives the same result, one byte less
 *    gives -ENODATA;
 *  - x86_emulate carries it out (returns 0) on a register file and memory
 *    value taken from the input, touching only what the operation may
 *    touch (the registers it writes, the arithmetic flags, the number of
 *    reads and writes), and a failing callback leaves everything as it was.
 * Any violation aborts (a crash for libFuzzer).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/errno.h"
#include "vmx/decode.h"
#include "vmx/emulate.h"

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "fuzz_decode: %s:%d: %s\n", __FILE__, \
				__LINE__, #cond);                            \
			abort();                                             \
		}                                                            \
	} while (0)

struct mem {
	uint64_t val;
	unsigned reads, writes, fail_at, calls;
	unsigned size;
};

static int mem_cb(void *ctx, unsigned size, uint64_t *val, bool write)
{
	struct mem *m = ctx;

	CHECK(size == m->size);
	if (++m->calls == m->fail_at)
		return -EIO;
	if (write) {
		CHECK(size == 8 || *val >> (8 * size) == 0);
		m->val = *val;
		m->writes++;
	} else {
		*val = m->val; /* unmasked on purpose: the emulator masks */
		m->reads++;
	}
	return 0;
}

static int same(const struct x86_insn *a, const struct x86_insn *b)
{
	return a->op == b->op && a->len == b->len && a->size == b->size &&
	       a->reg_size == b->reg_size && a->reg == b->reg &&
	       a->high8 == b->high8 && a->imm == b->imm && a->alu == b->alu &&
	       a->has_imm == b->has_imm && a->lock == b->lock &&
	       a->rep == b->rep && a->addr_size == b->addr_size;
}

static uint64_t word(const uint8_t *d, size_t n, size_t at)
{
	uint64_t v = 0x0123456789abcdefull ^ at;

	for (size_t i = 0; i < 8 && n; i++)
		v = (v << 8 | v >> 56) ^ d[(at + i) % n];
	return v;
}

static void emulate(const struct x86_insn *in, const uint8_t *d, size_t n)
{
	uint64_t gpr[16], before[16], fl, fl0;
	struct x86_emu_result res;
	struct mem m = { .size = in->size };
	bool rmw_write;
	int r;

	for (unsigned i = 0; i < 16; i++)
		gpr[i] = word(d, n, i * 3);
	fl0 = fl = (word(d, n, 50) & 0xcd5) | 2; /* CF PF AF ZF SF DF OF */
	m.val = word(d, n, 60);
	memcpy(before, gpr, sizeof(gpr));

	/* a failing first access changes nothing */
	m.fail_at = 1;
	r = x86_emulate(in, gpr, &fl, mem_cb, &m, &res);
	if (in->op == X86_STOS && in->rep &&
	    !(gpr[1] << (64 - 8 * in->addr_size))) { /* rCX is 0 */
		CHECK(r == 0 && res.done && m.calls == 0);
	} else {
		CHECK(r == -EIO);
	}
	CHECK(!memcmp(gpr, before, sizeof(gpr)) && fl == fl0);

	/* and a failing second access (the write of a read-modify-write) */
	m = (struct mem){ .size = in->size, .val = word(d, n, 60),
			  .fail_at = 2 };
	r = x86_emulate(in, gpr, &fl, mem_cb, &m, &res);
	if (m.calls == 2) {
		CHECK(r == -EIO);
		CHECK(!memcmp(gpr, before, sizeof(gpr)) && fl == fl0);
	}

	m = (struct mem){ .size = in->size, .val = word(d, n, 60) };
	memcpy(gpr, before, sizeof(gpr));
	fl = fl0;
	r = x86_emulate(in, gpr, &fl, mem_cb, &m, &res);
	CHECK(r == 0);
	CHECK(res.reads == m.reads && res.writes == m.writes);
	CHECK((fl & ~X86_ARITH_FLAGS) == (fl0 & ~X86_ARITH_FLAGS));
	for (unsigned i = 0; i < 16; i++) {
		bool may = false;

		switch (in->op) {
		case X86_LOAD: case X86_LOAD_ZX: case X86_LOAD_SX:
		case X86_XCHG:
			may = i == in->reg;
			break;
		case X86_ALU_REG:
			may = i == in->reg && in->alu != X86_CMP;
			break;
		case X86_STOS:
			may = i == 7 || (i == 1 && in->rep);
			break;
		default:
			break;
		}
		CHECK(may || gpr[i] == before[i]);
	}
	rmw_write = in->alu != X86_CMP && in->alu != X86_TEST &&
		    in->alu != X86_BT;
	switch (in->op) {
	case X86_LOAD: case X86_LOAD_ZX: case X86_LOAD_SX:
		CHECK(m.reads == 1 && m.writes == 0 && fl == fl0);
		break;
	case X86_STORE: case X86_STORE_IMM:
		CHECK(m.reads == 0 && m.writes == 1 && fl == fl0);
		break;
	case X86_STOS:
		CHECK(m.reads == 0 && m.writes <= 1 && fl == fl0);
		CHECK(res.done || in->rep);
		break;
	case X86_ALU_MEM: case X86_BITTEST:
		CHECK(m.reads == 1 && m.writes == (rmw_write ? 1u : 0u));
		break;
	case X86_ALU_REG:
		CHECK(m.reads == 1 && m.writes == 0);
		break;
	case X86_XCHG:
		CHECK(m.reads == 1 && m.writes == 1 && fl == fl0);
		break;
	}
	if (in->op != X86_STOS)
		CHECK(res.done && res.step == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned modes[] = { 16, 32, 64 };
	/* exactly sized, so reading past the end is an ASan error */
	uint8_t *b = malloc(size ? size : 1);

	CHECK(b);
	memcpy(b, data, size);
	for (unsigned i = 0; i < 3; i++) {
		struct x86_insn in, again;
		int r = x86_decode(b, (unsigned)size, modes[i], &in);

		CHECK(r == 0 || r == -EINVAL || r == -ENODATA);
		if (r)
			continue;
		CHECK(in.len >= 1 && in.len <= 15 && in.len <= size);
		CHECK(in.size == 1 || in.size == 2 || in.size == 4 ||
		      in.size == 8);
		CHECK(x86_decode(b, in.len, modes[i], &again) == 0);
		CHECK(same(&in, &again));
		CHECK(x86_decode(b, in.len - 1u, modes[i], &again) == -ENODATA);
		emulate(&in, b, size);
	}
	free(b);
	return 0;
}
