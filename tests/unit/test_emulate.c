/* SPDX-License-Identifier: MIT */
/*
 * vmx/emulate.c: results and flags of the emulated MMIO instructions.
 * The flag tables are worked out by hand from the SDM's definitions
 * (Vol. 1, 3.4.3.1; the ADD/ADC/SUB/SBB/CMP/AND/OR/XOR/TEST pages); on an
 * x86-64 host the ALU core is also checked against the CPU itself. The
 * instruction bytes come from GNU as, as in test_decode.c.
 */
#include "unit.h"

#include <stdbool.h>

#include "lib/errno.h"
#include "vmx/decode.h"
#include "vmx/emulate.h"
#include "vmx/regs.h"

#define C X86_CF
#define P X86_PF
#define A X86_AF
#define Z X86_ZF
#define S X86_SF
#define O X86_OF
#define RESERVED 2ull /* RFLAGS bit 1, always set */
#define IF_ (1ull << 9)

/* ---- the ALU core, by hand ------------------------------------------------ */

struct alu_case {
	enum x86_alu op;
	unsigned size;
	uint64_t a, b;
	bool cf;
	uint64_t res, flags;
};

static const struct alu_case alu_cases[] = {
	/* ADD: carry and overflow at each size, AF, PF on the low byte */
	{ X86_ADD, 1, 0x7f, 0x01, 0, 0x80, O | S | A },
	{ X86_ADD, 1, 0xff, 0x01, 0, 0x00, C | Z | P | A },
	{ X86_ADD, 1, 0x80, 0x80, 0, 0x00, C | O | Z | P },
	{ X86_ADD, 1, 0x08, 0x08, 0, 0x10, A },
	{ X86_ADD, 1, 0x01, 0x02, 1, 0x03, P }, /* ADD ignores CF */
	{ X86_ADD, 2, 0x7fff, 0x0001, 0, 0x8000, O | S | A | P },
	{ X86_ADD, 2, 0xffff, 0x0001, 0, 0x0000, C | Z | P | A },
	{ X86_ADD, 2, 0x00ff, 0x0001, 0, 0x0100, A | P },
	{ X86_ADD, 4, 0x7fffffff, 1, 0, 0x80000000, O | S | A | P },
	{ X86_ADD, 4, 0xffffffff, 1, 0, 0, C | Z | P | A },
	{ X86_ADD, 4, 0x80000000, 0x80000000, 0, 0, C | O | Z | P },
	{ X86_ADD, 4, 0xffffffff00000001ull, 1, 0, 2, 0 }, /* inputs masked */
	{ X86_ADD, 8, 0x7fffffffffffffffull, 1, 0, 0x8000000000000000ull,
	  O | S | A | P },
	{ X86_ADD, 8, ~0ull, 1, 0, 0, C | Z | P | A },
	{ X86_ADD, 8, 0x8000000000000000ull, 0x8000000000000000ull, 0, 0,
	  C | O | Z | P },
	{ X86_ADD, 8, 0x100000000ull, 0x100000000ull, 0, 0x200000000ull, P },
	/* ADC: the carry in, including b = max with CF */
	{ X86_ADC, 1, 0xff, 0x00, 1, 0x00, C | Z | P | A },
	{ X86_ADC, 1, 0x7f, 0x00, 1, 0x80, O | S | A },
	{ X86_ADC, 1, 0x00, 0xff, 1, 0x00, C | Z | P | A },
	{ X86_ADC, 2, 0xfffe, 0x0001, 1, 0x0000, C | Z | P | A },
	{ X86_ADC, 4, 0x7fffffff, 0, 0, 0x7fffffff, P },
	{ X86_ADC, 8, ~0ull, ~0ull, 1, ~0ull, C | P | A | S },
	{ X86_ADC, 8, 0x7fffffffffffffffull, 0, 1, 0x8000000000000000ull,
	  O | S | A | P },
	/* SUB and CMP: borrow, signed overflow, AF from bit 4 */
	{ X86_SUB, 1, 0x80, 0x01, 0, 0x7f, O | A },
	{ X86_SUB, 1, 0x00, 0x01, 0, 0xff, C | P | A | S },
	{ X86_SUB, 1, 0x10, 0x01, 0, 0x0f, A | P },
	{ X86_SUB, 1, 0x05, 0x05, 1, 0x00, Z | P }, /* SUB ignores CF */
	{ X86_SUB, 2, 0x8000, 0x0001, 0, 0x7fff, O | A | P },
	{ X86_SUB, 2, 0x0000, 0x8000, 0, 0x8000, C | O | S | P },
	{ X86_SUB, 4, 0x80000000, 1, 0, 0x7fffffff, O | A | P },
	{ X86_SUB, 8, 0, 1, 0, ~0ull, C | P | A | S },
	{ X86_SUB, 8, 1, 0x8000000000000000ull, 0, 0x8000000000000001ull,
	  C | O | S },
	{ X86_CMP, 4, 1, 2, 0, 0xffffffff, C | P | A | S },
	{ X86_CMP, 8, 0x8000000000000000ull, 1, 0, 0x7fffffffffffffffull,
	  O | A | P },
	{ X86_CMP, 2, 0x1234, 0x1234, 0, 0, Z | P },
	/* SBB: the borrow in, including a == b with CF */
	{ X86_SBB, 1, 0x00, 0x00, 1, 0xff, C | P | A | S },
	{ X86_SBB, 1, 0x80, 0x7f, 1, 0x00, O | A | Z | P },
	{ X86_SBB, 2, 0x0000, 0xffff, 1, 0x0000, C | P | A | Z },
	{ X86_SBB, 4, 5, 5, 0, 0, Z | P },
	{ X86_SBB, 8, 0, ~0ull, 1, 0, C | P | A | Z },
	/* logic: CF OF AF cleared, SF ZF PF from the result */
	{ X86_AND, 1, 0xf0, 0x3c, 1, 0x30, P },
	{ X86_AND, 8, 0x100, 0x100, 0, 0x100, P },
	{ X86_OR, 1, 0x07, 0x00, 0, 0x07, 0 },
	{ X86_OR, 2, 0x8000, 0x0001, 0, 0x8001, S },
	{ X86_XOR, 1, 0x03, 0x00, 0, 0x03, P },
	{ X86_XOR, 4, 0xdeadbeef, 0xdeadbeef, 1, 0, Z | P },
	{ X86_TEST, 8, 0x8000000000000000ull, ~0ull, 1,
	  0x8000000000000000ull, S | P },
	{ X86_TEST, 1, 0x0f, 0xf0, 0, 0, Z | P },
};

static void test_alu_table(void **state)
{
	for (unsigned i = 0; i < ARRAY_SIZE(alu_cases); i++) {
		const struct alu_case *c = &alu_cases[i];
		/* every other flag set going in: DF, IF, and the arithmetic
		 * ones that the operation must clear */
		uint64_t other = RESERVED | IF_ | X86_DF;
		uint64_t fl = other | (X86_ARITH_FLAGS & ~C) | (c->cf ? C : 0);
		uint64_t r = x86_alu(c->op, c->size, c->a, c->b, &fl);

		if (r != c->res || fl != (other | c->flags))
			fail_msg("case %u (op %d, %u bytes, %#llx, %#llx, cf %d): "
				 "result %#llx flags %#llx, expected %#llx "
				 "%#llx", i, c->op, c->size,
				 (unsigned long long)c->a,
				 (unsigned long long)c->b, c->cf,
				 (unsigned long long)r,
				 (unsigned long long)(fl & ~other),
				 (unsigned long long)c->res,
				 (unsigned long long)c->flags);
		/* and with no flag set going in (but CF) */
		fl = RESERVED | (c->cf ? C : 0);
		r = x86_alu(c->op, c->size, c->a, c->b, &fl);
		assert_int_equal(r, c->res);
		assert_int_equal(fl, RESERVED | c->flags);
	}
}

/* ---- the ALU core against this CPU ------------------------------------- */

#ifdef __x86_64__
/* Runs `insn %y,%x` with RFLAGS = *fl; returns x, *fl = RFLAGS after. The
 * red zone is stepped over before pushing. */
#define HW_OP(name, insn, T, cons)                                           \
	static uint64_t hw_##name(uint64_t a, uint64_t b, uint64_t *fl)       \
	{                                                                    \
		T x = (T)a, y = (T)b;                                        \
		uint64_t f = *fl;                                            \
		__asm__ volatile("lea -128(%%rsp), %%rsp\n\t"                \
				 "push %[f]\n\t"                              \
				 "popfq\n\t" insn " %[y], %[x]\n\t"           \
				 "pushfq\n\t"                                 \
				 "pop %[f]\n\t"                               \
				 "lea 128(%%rsp), %%rsp"                      \
				 : [x] "+" cons(x), [f] "+r"(f)               \
				 : [y] cons(y)                                \
				 : "cc", "memory");                           \
		*fl = f;                                                     \
		return x;                                                    \
	}
#define HW_SIZES(op)                                                         \
	HW_OP(op##1, #op "b", uint8_t, "q")                                  \
	HW_OP(op##2, #op "w", uint16_t, "r")                                 \
	HW_OP(op##4, #op "l", uint32_t, "r")                                 \
	HW_OP(op##8, #op "q", uint64_t, "r")
HW_SIZES(add)
HW_SIZES(or)
HW_SIZES(adc)
HW_SIZES(sbb)
HW_SIZES(and)
HW_SIZES(sub)
HW_SIZES(xor)
HW_SIZES(cmp)
HW_SIZES(test)

typedef uint64_t (*hw_fn)(uint64_t, uint64_t, uint64_t *);
#define HW_ROW(op) { hw_##op##1, hw_##op##2, hw_##op##4, hw_##op##8 }
static const hw_fn hw[9][4] = {
	HW_ROW(add), HW_ROW(or),  HW_ROW(adc), HW_ROW(sbb), HW_ROW(and),
	HW_ROW(sub), HW_ROW(xor), HW_ROW(cmp), HW_ROW(test),
};

static uint64_t operand(struct rng *r)
{
	static const uint64_t edges[] = {
		0, 1, 2, 0x0f, 0x10, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000,
		0xffff, 0x7fffffff, 0x80000000, 0xffffffff,
		0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull,
	};
	uint64_t v = rng_next(r);

	switch (v & 3) {
	case 0:
		return edges[(v >> 8) % ARRAY_SIZE(edges)];
	case 1: /* an edge plus or minus a little */
		return edges[(v >> 8) % ARRAY_SIZE(edges)] + ((v >> 40) & 3) - 1;
	default:
		return rng_next(r);
	}
}

static void test_alu_matches_cpu(void **state)
{
	static const unsigned sizes[] = { 1, 2, 4, 8 };
	struct rng r = { 0x243f6a8885a308d3ull };
	unsigned checked = 0;

	for (unsigned op = X86_ADD; op <= X86_TEST; op++)
		for (unsigned si = 0; si < 4; si++)
			for (unsigned i = 0; i < 20000; i++) {
				unsigned size = sizes[si];
				uint64_t a = operand(&r), b = operand(&r);
				uint64_t m = size == 8 ? ~0ull :
						(1ull << (8 * size)) - 1;
				uint64_t fin = RESERVED | (rng_next(&r) & C);
				uint64_t fcpu = fin, femu = fin, care;
				uint64_t rcpu = hw[op][si](a, b, &fcpu) & m;
				uint64_t remu = x86_alu(op, size, a, b, &femu);

				/* AF is undefined after the logic ops */
				care = X86_ARITH_FLAGS;
				if (op == X86_AND || op == X86_OR ||
				    op == X86_XOR || op == X86_TEST)
					care &= ~A;
				/* CMP and TEST leave the register alone */
				if (op == X86_CMP || op == X86_TEST)
					remu = a & m;
				if (rcpu != remu ||
				    (fcpu & care) != (femu & care))
					fail_msg("op %u size %u: %#llx, %#llx, cf "
						 "%d: cpu %#llx flags %#llx, "
						 "emulator %#llx flags %#llx",
						 op, size,
						 (unsigned long long)a,
						 (unsigned long long)b,
						 (int)(fin & C),
						 (unsigned long long)rcpu,
						 (unsigned long long)(fcpu & care),
						 (unsigned long long)remu,
						 (unsigned long long)(femu & care));
				checked++;
			}
	assert_int_equal(checked, 9 * 4 * 20000);
}
#else
static void test_alu_matches_cpu(void **state)
{
	skip();
}
#endif

/* ---- through x86_emulate ------------------------------------------------ */

struct mock {
	uint64_t val;   /* what a read returns (unmasked on purpose) */
	uint64_t wrote; /* the last value written */
	unsigned reads, writes, size;
	int fail_read, fail_write;
	uint64_t addr;  /* for the REP loop: advanced by the caller */
	uint64_t addrs[8];
};

static int mock_cb(void *ctx, unsigned size, uint64_t *val, bool write)
{
	struct mock *m = ctx;

	m->size = size;
	if (write) {
		if (m->fail_write)
			return m->fail_write;
		if (size < 8 && *val >> (8 * size))
			fail_msg("write of %#llx is wider than %u bytes",
				 (unsigned long long)*val, size);
		m->wrote = *val;
		if (m->writes < ARRAY_SIZE(m->addrs))
			m->addrs[m->writes] = m->addr;
		m->writes++;
	} else {
		if (m->fail_read)
			return m->fail_read;
		*val = m->val;
		m->reads++;
	}
	return 0;
}

static void decode(unsigned mode, const uint8_t *b, unsigned n,
		   struct x86_insn *in)
{
	assert_int_equal(x86_decode(b, n, mode, in), 0);
	assert_int_equal(in->len, n);
}

static int run_bytes(unsigned mode, const uint8_t *b, unsigned n,
		     uint64_t *gpr, uint64_t *fl, struct mock *m,
		     struct x86_emu_result *res)
{
	struct x86_insn in;

	decode(mode, b, n, &in);
	return x86_emulate(&in, gpr, fl, mock_cb, m, res);
}

#define RUN(mode, gpr, fl, m, res, ...)                                      \
	run_bytes(mode, (const uint8_t[]){ __VA_ARGS__ },                    \
		  sizeof((const uint8_t[]){ __VA_ARGS__ }), gpr, fl, m, res)

/* A register file with a distinct value in each register. */
static void fill(uint64_t *gpr)
{
	for (unsigned i = 0; i < 16; i++)
		gpr[i] = 0x1111111111111111ull * i ^ 0x0123456789abcdefull;
}

/* gpr equals want except in register `except` (-1: none). */
static void same_but(const uint64_t *gpr, const uint64_t *want, int except)
{
	for (int i = 0; i < 16; i++)
		if (i != except && gpr[i] != want[i])
			fail_msg("register %d changed: %#llx, was %#llx", i,
				 (unsigned long long)gpr[i],
				 (unsigned long long)want[i]);
}

static void test_alu_memory_destination(void **state)
{
	uint64_t gpr[16], before[16], fl;
	struct mock m;
	struct x86_emu_result res;

	/* add %eax,(%rbx): 0xffffffff + 1 */
	fill(gpr);
	gpr[REG_RAX] = 0xabcdef0000000001ull;
	memcpy(before, gpr, sizeof(gpr));
	m = (struct mock){ .val = 0x12345678ffffffffull };
	fl = RESERVED | IF_;
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x01, 0x03), 0);
	assert_int_equal(m.reads, 1);
	assert_int_equal(m.writes, 1);
	assert_int_equal(m.size, 4);
	assert_int_equal(m.wrote, 0);
	assert_int_equal(fl, RESERVED | IF_ | C | Z | P | A);
	assert_true(res.done);
	assert_int_equal(res.reads, 1);
	assert_int_equal(res.writes, 1);
	same_but(gpr, before, -1);

	/* cmp %ecx,(%rdx): 1 - 2, no write */
	gpr[REG_RCX] = 2;
	m = (struct mock){ .val = 1 };
	fl = RESERVED;
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x39, 0x0a), 0);
	assert_int_equal(m.writes, 0);
	assert_int_equal(fl, RESERVED | C | P | A | S);

	/* xor %bh,(%rcx): 0xab ^ 0xab */
	gpr[REG_RBX] = 0xab00;
	m = (struct mock){ .val = 0xab };
	fl = RESERVED | C | O | A;
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x30, 0x39), 0);
	assert_int_equal(m.size, 1);
	assert_int_equal(m.wrote, 0);
	assert_int_equal(fl, RESERVED | Z | P);

	/* lock andb $0xfe,(%rax) */
	m = (struct mock){ .val = 0x01 };
	fl = RESERVED;
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0xf0, 0x80, 0x20, 0xfe), 0);
	assert_int_equal(m.wrote, 0);
	assert_int_equal(fl, RESERVED | Z | P);

	/* addq $-1,(%rax): 0 + ~0 */
	m = (struct mock){ .val = 0 };
	fl = RESERVED | C;
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x48, 0x83, 0x00, 0xff), 0);
	assert_int_equal(m.size, 8);
	assert_int_equal(m.wrote, ~0ull);
	assert_int_equal(fl, RESERVED | S | P);

	/* adcw $-2,(%rax) with CF: 1 + 0xfffe + 1 */
	m = (struct mock){ .val = 1 };
	fl = RESERVED | C;
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x66, 0x83, 0x10, 0xfe), 0);
	assert_int_equal(m.wrote, 0);
	assert_int_equal(fl, RESERVED | C | Z | P | A);

	/* sbbb $1,(%rax) with CF: 0x80 - 1 - 1 */
	m = (struct mock){ .val = 0x80 };
	fl = RESERVED | C;
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x80, 0x18, 0x01), 0);
	assert_int_equal(m.wrote, 0x7e);
	assert_int_equal(fl, RESERVED | O | A | P);

	/* testb $0x80,(%rax): no write */
	m = (struct mock){ .val = 0x80 };
	fl = RESERVED | C | O;
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0xf6, 0x00, 0x80), 0);
	assert_int_equal(m.writes, 0);
	assert_int_equal(fl, RESERVED | S);

	/* 16-bit code: cmpw $-1,(%bx) against 0xffff */
	m = (struct mock){ .val = 0xffff };
	fl = RESERVED;
	assert_int_equal(RUN(16, gpr, &fl, &m, &res, 0x83, 0x3f, 0xff), 0);
	assert_int_equal(m.size, 2);
	assert_int_equal(m.writes, 0);
	assert_int_equal(fl, RESERVED | Z | P);

	/* 32-bit code: orl $0x80000000,(%eax) */
	m = (struct mock){ .val = 0x1 };
	fl = RESERVED;
	assert_int_equal(RUN(32, gpr, &fl, &m, &res, 0x81, 0x08, 0x00, 0x00,
			     0x00, 0x80), 0);
	assert_int_equal(m.wrote, 0x80000001);
	assert_int_equal(fl, RESERVED | S);
}

static void test_alu_register_destination(void **state)
{
	uint64_t gpr[16], before[16], fl;
	struct mock m;
	struct x86_emu_result res;

	/* sub (%rbx),%ecx: a 32-bit result zeroes bits 63:32 */
	fill(gpr);
	gpr[REG_RCX] = 0xffffffff00000005ull;
	memcpy(before, gpr, sizeof(gpr));
	m = (struct mock){ .val = 3 };
	fl = RESERVED;
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x2b, 0x0b), 0);
	assert_int_equal(gpr[REG_RCX], 2);
	assert_int_equal(fl, RESERVED);
	assert_int_equal(m.writes, 0);
	same_but(gpr, before, REG_RCX);

	/* cmp (%rbx),%ecx writes nothing, not even the upper half */
	gpr[REG_RCX] = 0xffffffff00000005ull;
	m = (struct mock){ .val = 5 };
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x3b, 0x0b), 0);
	assert_int_equal(gpr[REG_RCX], 0xffffffff00000005ull);
	assert_int_equal(fl, RESERVED | Z | P);

	/* adc (%rbx),%r12w with CF: 16-bit result keeps the rest */
	gpr[REG_R12] = 0x111122223333fffeull;
	m = (struct mock){ .val = 0xffffffffffff0001ull };
	fl = RESERVED | C;
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x66, 0x44, 0x13, 0x23), 0);
	assert_int_equal(gpr[REG_R12], 0x1111222233330000ull);
	assert_int_equal(fl, RESERVED | C | Z | P | A);

	/* or (%rbx),%dh */
	gpr[REG_RDX] = 0x1122334455661277ull;
	m = (struct mock){ .val = 0x81 };
	fl = RESERVED;
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x0a, 0x33), 0);
	assert_int_equal(gpr[REG_RDX], 0x1122334455669377ull);
	assert_int_equal(fl, RESERVED | S | P);

	/* and (%rdi),%dil (REX: DIL, not BH) */
	gpr[REG_RDI] = 0x1122334455667788ull;
	gpr[REG_RBX] = 0xffff;
	m = (struct mock){ .val = 0x0f };
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x40, 0x22, 0x3f), 0);
	assert_int_equal(gpr[REG_RDI], 0x1122334455667708ull);
	assert_int_equal(gpr[REG_RBX], 0xffff);

	/* xor (%r8),%rsp: RSP is an ordinary slot here */
	gpr[REG_RSP] = 0xff;
	m = (struct mock){ .val = 0x0f };
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x49, 0x33, 0x20), 0);
	assert_int_equal(gpr[REG_RSP], 0xf0);
	assert_int_equal(fl, RESERVED | P);

	/* 16-bit code: sbb 0x1234,%cx */
	gpr[REG_RCX] = 0xaaaa000000000010ull;
	m = (struct mock){ .val = 0x0011 };
	fl = RESERVED | C;
	assert_int_equal(RUN(16, gpr, &fl, &m, &res, 0x1b, 0x0e, 0x34, 0x12), 0);
	assert_int_equal(gpr[REG_RCX], 0xaaaa00000000fffeull);
	assert_int_equal(fl, RESERVED | C | S | A);
}

static void test_moves_and_register_writes(void **state)
{
	uint64_t gpr[16], before[16], fl = RESERVED | C | Z;
	struct mock m;
	struct x86_emu_result res;

	fill(gpr);
	memcpy(before, gpr, sizeof(gpr));

	/* mov (%rbx),%ecx: zero-extends */
	gpr[REG_RCX] = ~0ull;
	m = (struct mock){ .val = 0xdeadbeef80000000ull };
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x8b, 0x0b), 0);
	assert_int_equal(gpr[REG_RCX], 0x80000000);
	assert_int_equal(m.size, 4);

	/* mov (%rbx),%cx: keeps the rest */
	gpr[REG_RCX] = 0x1122334455667788ull;
	m = (struct mock){ .val = 0xaabb };
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x66, 0x8b, 0x0b), 0);
	assert_int_equal(gpr[REG_RCX], 0x112233445566aabbull);

	/* mov (%rbx),%dh and mov (%rbx),%sil */
	gpr[REG_RDX] = gpr[REG_RSI] = 0x1122334455667788ull;
	m = (struct mock){ .val = 0xcc };
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x8a, 0x33), 0);
	assert_int_equal(gpr[REG_RDX], 0x112233445566cc88ull);
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x40, 0x8a, 0x33), 0);
	assert_int_equal(gpr[REG_RSI], 0x11223344556677ccull);

	/* movzbl (%rax),%eax; movsbw (%rax),%ax; movswq (%rax),%rax */
	gpr[REG_RAX] = ~0ull;
	m = (struct mock){ .val = 0x1ff };
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x0f, 0xb6, 0x00), 0);
	assert_int_equal(gpr[REG_RAX], 0xff);
	gpr[REG_RAX] = 0x1122334455667788ull;
	m = (struct mock){ .val = 0x80 };
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x66, 0x0f, 0xbe, 0x00), 0);
	assert_int_equal(gpr[REG_RAX], 0x112233445566ff80ull);
	m = (struct mock){ .val = 0x8000 };
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x48, 0x0f, 0xbf, 0x00), 0);
	assert_int_equal(gpr[REG_RAX], 0xffffffffffff8000ull);

	/* movslq (%rax),%rax: a 4-byte read, upper bits of the reply
	 * ignored; movsxd (%rax),%ecx without REX.W: zero-extended */
	m = (struct mock){ .val = 0xdeadbeef80000000ull };
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x48, 0x63, 0x00), 0);
	assert_int_equal(m.size, 4);
	assert_int_equal(gpr[REG_RAX], 0xffffffff80000000ull);
	gpr[REG_RCX] = ~0ull;
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x63, 0x08), 0);
	assert_int_equal(gpr[REG_RCX], 0x80000000ull);

	/* movabs 0x..,%al */
	gpr[REG_RAX] = ~0ull;
	m = (struct mock){ .val = 0x5a };
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0xa0, 1, 2, 3, 4, 5, 6, 7,
			     8), 0);
	assert_int_equal(gpr[REG_RAX], ~0xffull | 0x5a);

	/* stores: mov %ah,(%rbx); mov %spl,(%rax); mov %eax,(%rbx);
	 * movq $-2,(%rax); movw $0x1234,(%rax) */
	gpr[REG_RAX] = 0xffffffff12345678ull;
	gpr[REG_RSP] = 0x12345678000000abull;
	m = (struct mock){ 0 };
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x88, 0x23), 0);
	assert_int_equal(m.wrote, 0x56);
	assert_int_equal(m.size, 1);
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x40, 0x88, 0x20), 0);
	assert_int_equal(m.wrote, 0xab);
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x89, 0x03), 0);
	assert_int_equal(m.wrote, 0x12345678);
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x48, 0xc7, 0x00, 0xfe,
			     0xff, 0xff, 0xff), 0);
	assert_int_equal(m.wrote, 0xfffffffffffffffeull);
	assert_int_equal(m.size, 8);
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x66, 0xc7, 0x00, 0x34,
			     0x12), 0);
	assert_int_equal(m.wrote, 0x1234);
	assert_int_equal(m.reads, 0);
	assert_int_equal(m.writes, 5);

	/* none of it touched the flags */
	assert_int_equal(fl, RESERVED | C | Z);
}

static void test_xchg(void **state)
{
	uint64_t gpr[16], before[16], fl = RESERVED | C;
	struct mock m;
	struct x86_emu_result res;

	fill(gpr);
	gpr[REG_RAX] = 0xffffffff00000001ull;
	memcpy(before, gpr, sizeof(gpr));
	/* xchg %eax,(%rbx): read, then write; the register zero-extends */
	m = (struct mock){ .val = 0xaaaaaaaa00000002ull };
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x87, 0x03), 0);
	assert_int_equal(m.reads, 1);
	assert_int_equal(m.writes, 1);
	assert_int_equal(m.wrote, 1);
	assert_int_equal(gpr[REG_RAX], 2);
	same_but(gpr, before, REG_RAX);

	/* xchg %bh,(%rax) */
	gpr[REG_RBX] = 0x1234;
	m = (struct mock){ .val = 0x56 };
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x86, 0x38), 0);
	assert_int_equal(m.wrote, 0x12);
	assert_int_equal(gpr[REG_RBX], 0x5634);

	/* lock xchg %r9w,(%rax) */
	gpr[REG_R9] = 0x1111222233334444ull;
	m = (struct mock){ .val = 0xbeef };
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0xf0, 0x66, 0x44, 0x87,
			     0x08), 0);
	assert_int_equal(m.wrote, 0x4444);
	assert_int_equal(gpr[REG_R9], 0x111122223333beefull);
	assert_int_equal(fl, RESERVED | C);
}

static void test_bittest(void **state)
{
	uint64_t gpr[16], fl;
	struct mock m;
	struct x86_emu_result res;

	fill(gpr);
	/* bt %eax,(%rbx), bit 33 → bit 1 of the unit the CPU accessed;
	 * ZF and the rest unchanged */
	gpr[REG_RAX] = 33;
	m = (struct mock){ .val = 2 };
	fl = RESERVED | Z | S;
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x0f, 0xa3, 0x03), 0);
	assert_int_equal(fl, RESERVED | Z | S | C);
	assert_int_equal(m.writes, 0);
	/* a negative offset: -1 is bit 31 of the unit below */
	gpr[REG_RAX] = 0xffffffff;
	m = (struct mock){ .val = 0x80000000 };
	fl = RESERVED;
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x0f, 0xa3, 0x03), 0);
	assert_int_equal(fl, RESERVED | C);

	/* bts %rax,(%rbx): 69 → bit 5 */
	gpr[REG_RAX] = 69;
	m = (struct mock){ .val = 0 };
	fl = RESERVED | C;
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x48, 0x0f, 0xab, 0x03), 0);
	assert_int_equal(m.wrote, 0x20);
	assert_int_equal(m.size, 8);
	assert_int_equal(fl, RESERVED);

	/* btr %cx,(%rbx): bit 15 */
	gpr[REG_RCX] = 0x0f;
	m = (struct mock){ .val = 0xffff };
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x66, 0x0f, 0xb3, 0x0b), 0);
	assert_int_equal(m.wrote, 0x7fff);
	assert_int_equal(fl, RESERVED | C);

	/* btcl $31,(%rax) twice */
	m = (struct mock){ .val = 0 };
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x0f, 0xba, 0x38, 0x1f), 0);
	assert_int_equal(m.wrote, 0x80000000);
	assert_int_equal(fl, RESERVED);
	m.val = m.wrote;
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x0f, 0xba, 0x38, 0x1f), 0);
	assert_int_equal(m.wrote, 0);
	assert_int_equal(fl, RESERVED | C);

	/* btl $0x41,(%rax): the immediate is taken modulo 32 */
	m = (struct mock){ .val = 2 };
	fl = RESERVED;
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x0f, 0xba, 0x20, 0x41), 0);
	assert_int_equal(fl, RESERVED | C);

	/* lock btsq $63,(%rax) */
	m = (struct mock){ .val = 1 };
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0xf0, 0x48, 0x0f, 0xba,
			     0x28, 0x3f), 0);
	assert_int_equal(m.wrote, 0x8000000000000001ull);
	assert_int_equal(fl, RESERVED);
}

/* ---- STOS ------------------------------------------------------------------ */

static void test_stos_single(void **state)
{
	uint64_t gpr[16], before[16], fl;
	struct mock m;
	struct x86_emu_result res;

	fill(gpr);
	gpr[REG_RAX] = 0x112233445566775aull;
	gpr[REG_RDI] = 0x1000;
	memcpy(before, gpr, sizeof(gpr));

	/* stosb, DF clear: rDI + 1 */
	m = (struct mock){ 0 };
	fl = RESERVED | C;
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0xaa), 0);
	assert_int_equal(m.wrote, 0x5a);
	assert_int_equal(m.size, 1);
	assert_int_equal(m.reads, 0);
	assert_int_equal(gpr[REG_RDI], 0x1001);
	assert_true(res.done);
	assert_int_equal(res.step, 1);
	assert_int_equal(fl, RESERVED | C);
	same_but(gpr, before, REG_RDI);

	/* stosq, DF set: rDI - 8 */
	gpr[REG_RDI] = 0x1000;
	fl = RESERVED | X86_DF;
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x48, 0xab), 0);
	assert_int_equal(m.wrote, 0x112233445566775aull);
	assert_int_equal(m.size, 8);
	assert_int_equal(gpr[REG_RDI], 0xff8);
	assert_int_equal(res.step, -8);
	assert_true(res.done);
	same_but(gpr, before, REG_RDI);

	/* stosw, DF clear; stosl, DF set */
	gpr[REG_RDI] = 0x1000;
	fl = RESERVED;
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x66, 0xab), 0);
	assert_int_equal(m.wrote, 0x775a);
	assert_int_equal(gpr[REG_RDI], 0x1002);
	fl = RESERVED | X86_DF;
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0xab), 0);
	assert_int_equal(m.wrote, 0x5566775a);
	assert_int_equal(gpr[REG_RDI], 0xffe);
	assert_int_equal(res.step, -4);

	/* 16-bit code: DI wraps within 16 bits, the rest of RDI stays */
	gpr[REG_RDI] = 0x123400000000ffffull;
	fl = RESERVED;
	assert_int_equal(RUN(16, gpr, &fl, &m, &res, 0xaa), 0);
	assert_int_equal(gpr[REG_RDI], 0x1234000000000000ull);
	gpr[REG_RDI] = 0x1234000000000000ull;
	fl = RESERVED | X86_DF;
	assert_int_equal(RUN(16, gpr, &fl, &m, &res, 0xab), 0);
	assert_int_equal(m.size, 2);
	assert_int_equal(gpr[REG_RDI], 0x123400000000fffeull);

	/* 64-bit code with addr32: EDI wraps, RDI's upper half cleared */
	gpr[REG_RDI] = 0xfffffffffffffffcull;
	fl = RESERVED;
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x67, 0xab), 0);
	assert_int_equal(gpr[REG_RDI], 0);
}

static void test_stos_rep(void **state)
{
	uint64_t gpr[16], fl = RESERVED;
	struct mock m = { 0 };
	struct x86_emu_result res;
	struct x86_insn in;
	static const uint8_t rep_stosl[] = { 0xf3, 0xab };

	fill(gpr);
	gpr[REG_RAX] = 0xcafef00d;
	gpr[REG_RDI] = 0x2000;
	gpr[REG_RCX] = 3;

	/* one iteration per call: rCX counts down, done on the last */
	decode(64, rep_stosl, sizeof(rep_stosl), &in);
	assert_true(in.rep);
	for (unsigned i = 1; i <= 3; i++) {
		assert_int_equal(x86_emulate(&in, gpr, &fl, mock_cb, &m, &res), 0);
		assert_int_equal(gpr[REG_RCX], 3 - i);
		assert_int_equal(gpr[REG_RDI], 0x2000 + 4 * i);
		assert_int_equal(res.done, i == 3);
		assert_int_equal(res.step, 4);
		assert_int_equal(m.writes, i);
	}
	/* rCX = 0: no access at all */
	assert_int_equal(x86_emulate(&in, gpr, &fl, mock_cb, &m, &res), 0);
	assert_true(res.done);
	assert_int_equal(res.writes, 0);
	assert_int_equal(m.writes, 3);
	assert_int_equal(gpr[REG_RDI], 0x200c);

	/* the hypervisor's "all at once" loop: the next element's address
	 * is this one's + step */
	gpr[REG_RCX] = 5;
	gpr[REG_RDI] = 0x3010;
	fl = RESERVED | X86_DF;
	m = (struct mock){ .addr = 0xfee00010 };
	for (;;) {
		assert_int_equal(x86_emulate(&in, gpr, &fl, mock_cb, &m, &res), 0);
		if (res.done)
			break;
		m.addr += (uint64_t)(int64_t)res.step;
	}
	assert_int_equal(m.writes, 5);
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(m.addrs[i], 0xfee00010 - 4 * i);
	assert_int_equal(gpr[REG_RCX], 0);
	assert_int_equal(gpr[REG_RDI], 0x3010 - 20);

	/* 16-bit code: rep stosb counts in CX, keeps the rest of RCX */
	gpr[REG_RCX] = 0x5555000000000001ull;
	gpr[REG_RDI] = 0xffff;
	fl = RESERVED;
	m = (struct mock){ 0 };
	assert_int_equal(RUN(16, gpr, &fl, &m, &res, 0xf3, 0xaa), 0);
	assert_true(res.done);
	assert_int_equal(gpr[REG_RCX], 0x5555000000000000ull);
	assert_int_equal(gpr[REG_RDI], 0);
	/* ... and CX = 0 with bits above it set is still 0 */
	assert_int_equal(RUN(16, gpr, &fl, &m, &res, 0xf3, 0xaa), 0);
	assert_true(res.done);
	assert_int_equal(m.writes, 1);

	/* 32-bit code: ECX = 0 though RCX is not */
	gpr[REG_RCX] = 0x100000000ull;
	assert_int_equal(RUN(32, gpr, &fl, &m, &res, 0xf3, 0xab), 0);
	assert_true(res.done);
	assert_int_equal(m.writes, 1);

	/* 64-bit code, addr32 rep stosl: ECX counts, RCX's upper half
	 * cleared on the write */
	gpr[REG_RCX] = 0x100000002ull;
	gpr[REG_RDI] = 0x100000000ull;
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x67, 0xf3, 0xab), 0);
	assert_false(res.done);
	assert_int_equal(gpr[REG_RCX], 1);
	assert_int_equal(gpr[REG_RDI], 4);

	/* repnz stosb acts as rep */
	gpr[REG_RCX] = 2;
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0xf2, 0xaa), 0);
	assert_false(res.done);
	assert_int_equal(gpr[REG_RCX], 1);
}

/* ---- errors ------------------------------------------------------------------ */

static void test_failed_access_changes_nothing(void **state)
{
	uint64_t gpr[16], before[16], fl = RESERVED | C, fl0 = fl;
	struct mock m;
	struct x86_emu_result res;

	fill(gpr);
	memcpy(before, gpr, sizeof(gpr));

	/* read fails: mov (%rbx),%ecx; add (%rbx),%ecx; xchg */
	m = (struct mock){ .fail_read = -EIO };
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x8b, 0x0b), -EIO);
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x03, 0x0b), -EIO);
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x87, 0x03), -EIO);
	/* write fails after the read: add %eax,(%rbx), xchg, bts */
	m = (struct mock){ .fail_write = -ENODEV, .val = ~0ull };
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x01, 0x03), -ENODEV);
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x87, 0x03), -ENODEV);
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x48, 0x0f, 0xab, 0x03),
			 -ENODEV);
	/* STOS with REP: rDI and rCX stay */
	gpr[REG_RCX] = 4;
	before[REG_RCX] = 4;
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0xf3, 0xaa), -ENODEV);
	same_but(gpr, before, -1);
	assert_int_equal(fl, fl0);

	/* a positive return from the callback is an error too */
	m = (struct mock){ .fail_read = 1 };
	assert_int_equal(RUN(64, gpr, &fl, &m, &res, 0x8b, 0x0b), -EIO);
	same_but(gpr, before, -1);
}

static void test_invalid_instruction(void **state)
{
	uint64_t gpr[16] = { 0 }, fl = RESERVED;
	struct mock m = { 0 };
	struct x86_insn base, in;

	decode(64, (const uint8_t[]){ 0x01, 0x03 }, 2, &base);
	assert_int_equal(x86_emulate(&base, gpr, &fl, mock_cb, &m, NULL), 0);

	in = base;
	in.op = (enum x86_op)99;
	assert_int_equal(x86_emulate(&in, gpr, &fl, mock_cb, &m, NULL), -EINVAL);
	in = base;
	in.size = 3;
	assert_int_equal(x86_emulate(&in, gpr, &fl, mock_cb, &m, NULL), -EINVAL);
	in = base;
	in.reg = 16;
	assert_int_equal(x86_emulate(&in, gpr, &fl, mock_cb, &m, NULL), -EINVAL);
	in = base;
	in.high8 = true; /* with a 4-byte register */
	assert_int_equal(x86_emulate(&in, gpr, &fl, mock_cb, &m, NULL), -EINVAL);
	in = base;
	in.alu = X86_BTS;
	assert_int_equal(x86_emulate(&in, gpr, &fl, mock_cb, &m, NULL), -EINVAL);
	in = base;
	in.op = X86_BITTEST;
	in.alu = X86_BT;
	in.size = in.reg_size = 1;
	assert_int_equal(x86_emulate(&in, gpr, &fl, mock_cb, &m, NULL), -EINVAL);
	in = base;
	in.op = X86_STOS;
	in.addr_size = 0;
	assert_int_equal(x86_emulate(&in, gpr, &fl, mock_cb, &m, NULL), -EINVAL);
	assert_int_equal(m.reads + m.writes, 2); /* only the first call */
	assert_int_equal(x86_alu(X86_ADD, 3, 1, 1, &fl), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alu_table),
		cmocka_unit_test(test_alu_matches_cpu),
		cmocka_unit_test(test_alu_memory_destination),
		cmocka_unit_test(test_alu_register_destination),
		cmocka_unit_test(test_moves_and_register_writes),
		cmocka_unit_test(test_xchg),
		cmocka_unit_test(test_bittest),
		cmocka_unit_test(test_stos_single),
		cmocka_unit_test(test_stos_rep),
		cmocka_unit_test(test_failed_access_changes_nothing),
		cmocka_unit_test(test_invalid_instruction),
	};

	return cmocka_run_group_tests_name("emulate", tests, NULL, NULL);
}
