/* SPDX-License-Identifier: MIT */
/*
 * vmx/decode.c: the instructions an MMIO access can come from (MOV forms,
 * MOVZX/MOVSX/MOVSXD, STOS, ALU ops, TEST, XCHG, BT*). The bytes below
 * were assembled with GNU as (--64, --32, .code16) and checked against
 * objdump; the AT&T source is in each comment. A few forms as will not
 * emit (REP on MOV, REX before a legacy prefix, opcode aliases) are
 * written by hand from SDM Vol. 2A, 2.1-2.2. tests/fuzz/ checks the
 * decoder against Zydis on millions more.
 */
#include "unit.h"

#include <stdbool.h>

#include "lib/errno.h"
#include "vmx/decode.h"
#include "vmx/regs.h"

#define MAX_LEN 15

struct decode_case {
	unsigned mode;
	uint8_t n;		/* instruction bytes */
	uint8_t b[MAX_LEN];
	enum x86_op op;
	uint8_t size, reg_size, reg;
	bool high8;
	uint64_t imm;
	const char *text;
};

/* op, memory size, register size, register, high8, immediate */
#define LD(sz, rsz, r) X86_LOAD, sz, rsz, r, false, 0
#define LD_H(r) X86_LOAD, 1, 1, r, true, 0
#define ST(sz, r) X86_STORE, sz, sz, r, false, 0
#define ST_H(r) X86_STORE, 1, 1, r, true, 0
#define IMM(sz, v) X86_STORE_IMM, sz, sz, 0, false, v
#define ZX(sz, rsz, r) X86_LOAD_ZX, sz, rsz, r, false, 0
#define SX(sz, rsz, r) X86_LOAD_SX, sz, rsz, r, false, 0
#define BYTES(...) sizeof((uint8_t[]){ __VA_ARGS__ }), { __VA_ARGS__ }
#define MOFFS64 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11

static const struct decode_case cases[] = {
	/* ---- 64-bit mode: stores ---- */
	{ 64, BYTES(0x89, 0x03), ST(4, REG_RAX), "mov %eax,(%rbx)" },
	{ 64, BYTES(0x48, 0x89, 0x03), ST(8, REG_RAX), "mov %rax,(%rbx)" },
	{ 64, BYTES(0x66, 0x89, 0x03), ST(2, REG_RAX), "mov %ax,(%rbx)" },
	{ 64, BYTES(0x88, 0x03), ST(1, REG_RAX), "mov %al,(%rbx)" },
	{ 64, BYTES(0x88, 0x23), ST_H(REG_RAX), "mov %ah,(%rbx)" },
	{ 64, BYTES(0x88, 0x7e, 0x10), ST_H(REG_RBX), "mov %bh,0x10(%rsi)" },
	{ 64, BYTES(0x40, 0x88, 0x37), ST(1, REG_RSI), "mov %sil,(%rdi)" },
	{ 64, BYTES(0x40, 0x88, 0x20), ST(1, REG_RSP), "mov %spl,(%rax)" },
	{ 64, BYTES(0x40, 0x88, 0x38), ST(1, REG_RDI), "mov %dil,(%rax)" },
	{ 64, BYTES(0x40, 0x88, 0x28), ST(1, REG_RBP), "mov %bpl,(%rax)" },
	{ 64, BYTES(0x44, 0x88, 0x00), ST(1, REG_R8), "mov %r8b,(%rax)" },
	{ 64, BYTES(0x44, 0x88, 0x20), ST(1, REG_R12), "mov %r12b,(%rax)" },
	{ 64, BYTES(0x4c, 0x89, 0x38), ST(8, REG_R15), "mov %r15,(%rax)" },
	{ 64, BYTES(0x45, 0x89, 0x8c, 0x24, 0x78, 0x56, 0x34, 0x12),
	  ST(4, REG_R9), "mov %r9d,0x12345678(%r12)" },
	/* ---- 64-bit mode: loads and addressing forms ---- */
	{ 64, BYTES(0x8b, 0x0b), LD(4, 4, REG_RCX), "mov (%rbx),%ecx" },
	{ 64, BYTES(0x48, 0x8b, 0x0b), LD(8, 8, REG_RCX), "mov (%rbx),%rcx" },
	{ 64, BYTES(0x66, 0x8b, 0x0b), LD(2, 2, REG_RCX), "mov (%rbx),%cx" },
	{ 64, BYTES(0x8a, 0x13), LD(1, 1, REG_RDX), "mov (%rbx),%dl" },
	{ 64, BYTES(0x8a, 0x33), LD_H(REG_RDX), "mov (%rbx),%dh" },
	{ 64, BYTES(0x4c, 0x8b, 0x13), LD(8, 8, REG_R10), "mov (%rbx),%r10" },
	{ 64, BYTES(0x8b, 0x05, 0x44, 0x33, 0x22, 0x11), LD(4, 4, REG_RAX),
	  "mov 0x11223344(%rip),%eax" },
	{ 64, BYTES(0x49, 0x8b, 0x05, 0x44, 0x33, 0x22, 0x11), LD(8, 8, REG_RAX),
	  "mov 0x11223344(%rip),%rax with REX.B (still RIP-relative)" },
	{ 64, BYTES(0x41, 0x8b, 0x45, 0x00), LD(4, 4, REG_RAX),
	  "mov 0x0(%r13),%eax" },
	{ 64, BYTES(0x8b, 0x04, 0x24), LD(4, 4, REG_RAX), "mov (%rsp),%eax" },
	{ 64, BYTES(0x41, 0x8b, 0x04, 0x24), LD(4, 4, REG_RAX),
	  "mov (%r12),%eax" },
	{ 64, BYTES(0x8b, 0x44, 0x8c, 0x08), LD(4, 4, REG_RAX),
	  "mov 0x8(%rsp,%rcx,4),%eax" },
	{ 64, BYTES(0x4a, 0x8b, 0x9c, 0xc8, 0x00, 0x01, 0x00, 0x00),
	  LD(8, 8, REG_RBX), "mov 0x100(%rax,%r9,8),%rbx" },
	{ 64, BYTES(0x42, 0x8b, 0x04, 0x08), LD(4, 4, REG_RAX),
	  "mov (%rax,%r9,1),%eax" },
	{ 64, BYTES(0x8b, 0x04, 0x4d, 0x00, 0x10, 0x00, 0x00), LD(4, 4, REG_RAX),
	  "mov 0x1000(,%rcx,2),%eax" },
	{ 64, BYTES(0x41, 0x8b, 0x44, 0x25, 0xf0), LD(4, 4, REG_RAX),
	  "mov -0x10(%r13),%eax (SIB, base 5 with mod 1)" },
	{ 64, BYTES(0x8b, 0x80, 0x00, 0x00, 0xe0, 0xfe), LD(4, 4, REG_RAX),
	  "mov -0x1200000(%rax),%eax" },
	/* ---- 64-bit mode: immediates ---- */
	{ 64, BYTES(0xc6, 0x00, 0x5a), IMM(1, 0x5a), "movb $0x5a,(%rax)" },
	{ 64, BYTES(0xc6, 0x00, 0xff), IMM(1, 0xff), "movb $0xff,(%rax)" },
	{ 64, BYTES(0x66, 0xc7, 0x00, 0x34, 0x12), IMM(2, 0x1234),
	  "movw $0x1234,(%rax)" },
	{ 64, BYTES(0xc7, 0x00, 0x78, 0x56, 0x34, 0x12), IMM(4, 0x12345678),
	  "movl $0x12345678,(%rax)" },
	{ 64, BYTES(0xc7, 0x00, 0xef, 0xbe, 0xad, 0xde), IMM(4, 0xdeadbeef),
	  "movl $0xdeadbeef,(%rax) (not sign-extended)" },
	{ 64, BYTES(0x48, 0xc7, 0x00, 0xfe, 0xff, 0xff, 0xff),
	  IMM(8, 0xfffffffffffffffeull), "movq $-2,(%rax)" },
	{ 64, BYTES(0x48, 0xc7, 0x40, 0x10, 0xff, 0xff, 0xff, 0x7f),
	  IMM(8, 0x7fffffff), "movq $0x7fffffff,0x10(%rax)" },
	{ 64, BYTES(0x48, 0xc7, 0x00, 0x00, 0x00, 0x00, 0x80),
	  IMM(8, 0xffffffff80000000ull), "movq $-0x80000000,(%rax)" },
	{ 64, BYTES(0xc7, 0x05, 0x44, 0x00, 0x00, 0x00, 0xef, 0xbe, 0xad, 0xde),
	  IMM(4, 0xdeadbeef), "movl $0xdeadbeef,0x44(%rip)" },
	{ 64, BYTES(0x41, 0xc7, 0x44, 0x24, 0x08, 0x01, 0x00, 0x00, 0x00),
	  IMM(4, 1), "movl $1,0x8(%r12)" },
	/* ---- 64-bit mode: direct offsets (8 bytes, 4 with 67) ---- */
	{ 64, BYTES(0xa0, MOFFS64), LD(1, 1, REG_RAX),
	  "movabs 0x1122334455667788,%al" },
	{ 64, BYTES(0xa1, MOFFS64), LD(4, 4, REG_RAX),
	  "movabs 0x1122334455667788,%eax" },
	{ 64, BYTES(0x48, 0xa1, MOFFS64), LD(8, 8, REG_RAX),
	  "movabs 0x1122334455667788,%rax" },
	{ 64, BYTES(0xa2, MOFFS64), ST(1, REG_RAX),
	  "movabs %al,0x1122334455667788" },
	{ 64, BYTES(0xa3, MOFFS64), ST(4, REG_RAX),
	  "movabs %eax,0x1122334455667788" },
	{ 64, BYTES(0x66, 0xa3, MOFFS64), ST(2, REG_RAX),
	  "movabs %ax,0x1122334455667788" },
	{ 64, BYTES(0x67, 0xa1, 0x00, 0x00, 0xe0, 0xfe), LD(4, 4, REG_RAX),
	  "addr32 mov 0xfee00000,%eax" },
	/* ---- 64-bit mode: MOVZX / MOVSX ---- */
	{ 64, BYTES(0x0f, 0xb6, 0x00), ZX(1, 4, REG_RAX), "movzbl (%rax),%eax" },
	{ 64, BYTES(0x0f, 0xb7, 0x00), ZX(2, 4, REG_RAX), "movzwl (%rax),%eax" },
	{ 64, BYTES(0x4c, 0x0f, 0xb6, 0x18), ZX(1, 8, REG_R11),
	  "movzbq (%rax),%r11" },
	{ 64, BYTES(0x0f, 0xbe, 0x00), SX(1, 4, REG_RAX), "movsbl (%rax),%eax" },
	{ 64, BYTES(0x0f, 0xbf, 0x00), SX(2, 4, REG_RAX), "movswl (%rax),%eax" },
	{ 64, BYTES(0x66, 0x0f, 0xbe, 0x00), SX(1, 2, REG_RAX),
	  "movsbw (%rax),%ax" },
	{ 64, BYTES(0x48, 0x0f, 0xbf, 0x00), SX(2, 8, REG_RAX),
	  "movswq (%rax),%rax" },
	{ 64, BYTES(0x0f, 0xb6, 0x20), ZX(1, 4, REG_RSP),
	  "movzbl (%rax),%esp (the register is not a byte one)" },
	/* ---- 64-bit mode: prefixes ---- */
	{ 64, BYTES(0x67, 0x89, 0x03), ST(4, REG_RAX), "mov %eax,(%ebx)" },
	{ 64, BYTES(0x67, 0x8b, 0x04, 0x24), LD(4, 4, REG_RAX),
	  "mov (%esp),%eax" },
	{ 64, BYTES(0x64, 0x89, 0x03), ST(4, REG_RAX), "mov %eax,%fs:(%rbx)" },
	{ 64, BYTES(0xf2, 0x89, 0x03), ST(4, REG_RAX), "repne mov (by hand)" },
	{ 64, BYTES(0xf3, 0x88, 0x07), ST(1, REG_RAX), "rep mov (by hand)" },
	{ 64, BYTES(0x66, 0x48, 0x89, 0x03), ST(8, REG_RAX),
	  "data16 rex.W mov: REX.W wins over 66" },
	{ 64, BYTES(0x64, 0x48, 0x89, 0x03), ST(8, REG_RAX),
	  "mov %rax,%fs:(%rbx): REX after a segment prefix" },
	{ 64, BYTES(0x64, 0x40, 0x88, 0x20), ST(1, REG_RSP),
	  "mov %spl,%fs:(%rax)" },
	{ 64, BYTES(0x48, 0x64, 0x89, 0x03), ST(4, REG_RAX),
	  "REX.W then FS: the REX is not last, so ignored" },
	{ 64, BYTES(0x48, 0x66, 0x89, 0x03), ST(2, REG_RAX),
	  "REX.W then 66: the REX is ignored, 66 applies" },
	{ 64, BYTES(0x40, 0x66, 0x88, 0x20), ST_H(REG_RAX),
	  "REX then 66 then mov %ah: ignored REX, so AH not SPL" },
	{ 64, BYTES(0x44, 0x67, 0x89, 0x03), ST(4, REG_RAX),
	  "REX.R then 67: ignored REX, so EAX not R8D" },
	{ 64, BYTES(0x3e, 0x66, 0x67, 0x44, 0x89, 0x04, 0x24),
	  ST(2, REG_R8), "ds data16 addr32 mov %r8w,(%esp)" },

	/* ---- 32-bit mode ---- */
	{ 32, BYTES(0x89, 0x03), ST(4, REG_RAX), "mov %eax,(%ebx)" },
	{ 32, BYTES(0x66, 0x89, 0x03), ST(2, REG_RAX), "mov %ax,(%ebx)" },
	{ 32, BYTES(0x88, 0x23), ST_H(REG_RAX), "mov %ah,(%ebx)" },
	{ 32, BYTES(0x88, 0x3f), ST_H(REG_RBX), "mov %bh,(%edi)" },
	{ 32, BYTES(0x8b, 0x45, 0x00), LD(4, 4, REG_RAX), "mov 0x0(%ebp),%eax" },
	{ 32, BYTES(0x8b, 0x05, 0x78, 0x56, 0x34, 0x12), LD(4, 4, REG_RAX),
	  "mov 0x12345678,%eax (ModRM disp32)" },
	{ 32, BYTES(0x8b, 0x0c, 0x24), LD(4, 4, REG_RCX), "mov (%esp),%ecx" },
	{ 32, BYTES(0x8b, 0x54, 0xf4, 0x10), LD(4, 4, REG_RDX),
	  "mov 0x10(%esp,%esi,8),%edx" },
	{ 32, BYTES(0x8b, 0xbc, 0x18, 0x78, 0x56, 0x34, 0x12), LD(4, 4, REG_RDI),
	  "mov 0x12345678(%eax,%ebx,1),%edi" },
	{ 32, BYTES(0x8b, 0x04, 0x9d, 0x00, 0x10, 0x00, 0x00), LD(4, 4, REG_RAX),
	  "mov 0x1000(,%ebx,4),%eax" },
	{ 32, BYTES(0xc7, 0x43, 0x08, 0x44, 0x33, 0x22, 0x11), IMM(4, 0x11223344),
	  "movl $0x11223344,0x8(%ebx)" },
	{ 32, BYTES(0x66, 0xc7, 0x00, 0xef, 0xbe), IMM(2, 0xbeef),
	  "movw $0xbeef,(%eax)" },
	{ 32, BYTES(0xa1, 0x20, 0x00, 0xe0, 0xfe), LD(4, 4, REG_RAX),
	  "mov 0xfee00020,%eax" },
	{ 32, BYTES(0xa3, 0x34, 0x12, 0x00, 0x00), ST(4, REG_RAX),
	  "mov %eax,0x1234" },
	{ 32, BYTES(0x66, 0xa1, 0x34, 0x12, 0x00, 0x00), LD(2, 2, REG_RAX),
	  "mov 0x1234,%ax" },
	{ 32, BYTES(0x67, 0xa1, 0x34, 0x12), LD(4, 4, REG_RAX),
	  "addr16 mov 0x1234,%eax" },
	{ 32, BYTES(0x67, 0x89, 0x00), ST(4, REG_RAX), "mov %eax,(%bx,%si)" },
	{ 32, BYTES(0x67, 0x89, 0x46, 0x10), ST(4, REG_RAX),
	  "mov %eax,0x10(%bp)" },
	{ 32, BYTES(0x67, 0x8b, 0x06, 0x34, 0x12), LD(4, 4, REG_RAX),
	  "addr16 mov 0x1234,%eax (ModRM disp16)" },
	{ 32, BYTES(0x26, 0x89, 0x07), ST(4, REG_RAX), "mov %eax,%es:(%edi)" },
	{ 32, BYTES(0x0f, 0xb6, 0x00), ZX(1, 4, REG_RAX), "movzbl (%eax),%eax" },
	{ 32, BYTES(0x0f, 0xbf, 0x08), SX(2, 4, REG_RCX), "movswl (%eax),%ecx" },
	{ 32, BYTES(0x66, 0x0f, 0xb6, 0x08), ZX(1, 2, REG_RCX),
	  "movzbw (%eax),%cx" },

	/* ---- 16-bit mode: every ModRM form of 16-bit addressing ---- */
	{ 16, BYTES(0x89, 0x00), ST(2, REG_RAX), "mov %ax,(%bx,%si)" },
	{ 16, BYTES(0x89, 0x01), ST(2, REG_RAX), "mov %ax,(%bx,%di)" },
	{ 16, BYTES(0x89, 0x02), ST(2, REG_RAX), "mov %ax,(%bp,%si)" },
	{ 16, BYTES(0x89, 0x03), ST(2, REG_RAX), "mov %ax,(%bp,%di)" },
	{ 16, BYTES(0x89, 0x04), ST(2, REG_RAX), "mov %ax,(%si)" },
	{ 16, BYTES(0x89, 0x05), ST(2, REG_RAX), "mov %ax,(%di)" },
	{ 16, BYTES(0x89, 0x06, 0x34, 0x12), ST(2, REG_RAX),
	  "mov %ax,0x1234 (ModRM disp16)" },
	{ 16, BYTES(0x89, 0x07), ST(2, REG_RAX), "mov %ax,(%bx)" },
	{ 16, BYTES(0x89, 0x40, 0x12), ST(2, REG_RAX), "mov %ax,0x12(%bx,%si)" },
	{ 16, BYTES(0x89, 0x46, 0x00), ST(2, REG_RAX), "mov %ax,0x0(%bp)" },
	{ 16, BYTES(0x89, 0x83, 0x34, 0x12), ST(2, REG_RAX),
	  "mov %ax,0x1234(%bp,%di)" },
	{ 16, BYTES(0x89, 0x86, 0x34, 0x12), ST(2, REG_RAX),
	  "mov %ax,0x1234(%bp)" },
	{ 16, BYTES(0x8b, 0x5c, 0xfe), LD(2, 2, REG_RBX), "mov -0x2(%si),%bx" },
	{ 16, BYTES(0x66, 0x89, 0x07), ST(4, REG_RAX), "mov %eax,(%bx)" },
	{ 16, BYTES(0x8a, 0x07), LD(1, 1, REG_RAX), "mov (%bx),%al" },
	{ 16, BYTES(0x8a, 0x3f), LD_H(REG_RBX), "mov (%bx),%bh" },
	{ 16, BYTES(0xc7, 0x47, 0x10, 0xaa, 0x55), IMM(2, 0x55aa),
	  "movw $0x55aa,0x10(%bx)" },
	{ 16, BYTES(0x66, 0xc7, 0x04, 0x44, 0x33, 0x22, 0x11),
	  IMM(4, 0x11223344), "movl $0x11223344,(%si)" },
	{ 16, BYTES(0xc6, 0x05, 0x7f), IMM(1, 0x7f), "movb $0x7f,(%di)" },
	{ 16, BYTES(0xa0, 0x00, 0x05), LD(1, 1, REG_RAX), "mov 0x500,%al" },
	{ 16, BYTES(0xa1, 0x00, 0x05), LD(2, 2, REG_RAX), "mov 0x500,%ax" },
	{ 16, BYTES(0xa3, 0x00, 0x05), ST(2, REG_RAX), "mov %ax,0x500" },
	{ 16, BYTES(0x66, 0xa3, 0x00, 0x05), ST(4, REG_RAX), "mov %eax,0x500" },
	{ 16, BYTES(0x67, 0x66, 0x89, 0x00), ST(4, REG_RAX), "mov %eax,(%eax)" },
	{ 16, BYTES(0x67, 0x66, 0x89, 0x04, 0x24), ST(4, REG_RAX),
	  "mov %eax,(%esp)" },
	{ 16, BYTES(0x67, 0x66, 0x8b, 0x90, 0x78, 0x56, 0x34, 0x12),
	  LD(4, 4, REG_RDX), "mov 0x12345678(%eax),%edx" },
	{ 16, BYTES(0x67, 0x66, 0xa3, 0x78, 0x56, 0x34, 0x12), ST(4, REG_RAX),
	  "addr32 mov %eax,0x12345678" },
	{ 16, BYTES(0x0f, 0xb6, 0x07), ZX(1, 2, REG_RAX), "movzbw (%bx),%ax" },
	{ 16, BYTES(0x66, 0x0f, 0xb6, 0x07), ZX(1, 4, REG_RAX),
	  "movzbl (%bx),%eax" },
	{ 16, BYTES(0x0f, 0xbe, 0x17), SX(1, 2, REG_RDX), "movsbw (%bx),%dx" },
	{ 16, BYTES(0x26, 0x89, 0x05), ST(2, REG_RAX), "mov %ax,%es:(%di)" },
	{ 16, BYTES(0x2e, 0x88, 0x07), ST(1, REG_RAX), "mov %al,%cs:(%bx)" },
	{ 16, BYTES(0x88, 0x27), ST_H(REG_RAX), "mov %ah,(%bx)" },
};

static void fail_case(const struct decode_case *c, const char *what,
		      unsigned long long got, unsigned long long want)
{
	fail_msg("%u-bit \"%s\": %s is %#llx, expected %#llx", c->mode, c->text,
		 what, got, want);
}

/* The address size: the mode's, or the other one after a 67 prefix. */
static unsigned addr_size(unsigned mode, const uint8_t *b, unsigned n)
{
	bool a67 = false;

	for (unsigned i = 0; i < n; i++) {
		uint8_t p = b[i];

		if (p == 0x67)
			a67 = true;
		else if (!(p == 0x66 || p == 0xf0 || p == 0xf2 || p == 0xf3 ||
			   p == 0x26 || p == 0x2e || p == 0x36 || p == 0x3e ||
			   p == 0x64 || p == 0x65 ||
			   (mode == 64 && (p & 0xf0) == 0x40)))
			break;
	}
	if (mode == 64)
		return a67 ? 4 : 8;
	return (mode == 32) != a67 ? 4 : 2;
}

static void check_result(const struct decode_case *c, const struct x86_insn *in)
{
	if (in->len != c->n)
		fail_case(c, "len", in->len, c->n);
	if (in->op != c->op)
		fail_case(c, "op", in->op, c->op);
	if (in->size != c->size)
		fail_case(c, "size", in->size, c->size);
	if (in->reg_size != c->reg_size)
		fail_case(c, "reg_size", in->reg_size, c->reg_size);
	if (in->reg != c->reg)
		fail_case(c, "reg", in->reg, c->reg);
	if (in->high8 != c->high8)
		fail_case(c, "high8", in->high8, c->high8);
	if (in->imm != c->imm)
		fail_case(c, "imm", in->imm, c->imm);
	/* the fields added with the emulator */
	if (in->has_imm != (c->op == X86_STORE_IMM))
		fail_case(c, "has_imm", in->has_imm, c->op == X86_STORE_IMM);
	if (in->lock || in->rep || in->alu)
		fail_case(c, "lock/rep/alu", in->lock | in->rep << 1 | in->alu << 2,
			  0);
	if (in->addr_size != addr_size(c->mode, c->b, c->n))
		fail_case(c, "addr_size", in->addr_size,
			  addr_size(c->mode, c->b, c->n));
}

/* Each case decodes alone, with bytes after it, and not when cut short. */
static void test_valid_forms(void **state)
{
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct decode_case *c = &cases[i];
		uint8_t buf[MAX_LEN];
		struct x86_insn in;
		int r;

		assert_true(c->n >= 1 && c->n <= MAX_LEN);
		r = x86_decode(c->b, c->n, c->mode, &in);
		if (r)
			fail_msg("%u-bit \"%s\": error %d", c->mode, c->text, r);
		check_result(c, &in);

		/* what follows the instruction is not part of it */
		memset(buf, 0xcc, sizeof(buf));
		memcpy(buf, c->b, c->n);
		assert_int_equal(x86_decode(buf, sizeof(buf), c->mode, &in), 0);
		check_result(c, &in);

		for (unsigned n = 0; n < c->n; n++) {
			r = x86_decode(c->b, n, c->mode, &in);
			if (r != -ENODATA)
				fail_msg("%u-bit \"%s\" cut to %u bytes: %d, "
					 "expected -ENODATA",
					 c->mode, c->text, n, r);
		}
	}
}

/* ---- the forms added with the emulator ----------------------------------- */

struct ext_case {
	unsigned mode;
	uint8_t n;
	uint8_t b[MAX_LEN];
	enum x86_op op;
	enum x86_alu alu;
	uint8_t size, reg_size, reg;
	bool high8, has_imm, lock, rep;
	uint64_t imm;
	const char *text;
};

/* op, alu, size, reg_size, reg, high8, has_imm, lock, rep, imm */
#define SXD(rsz, r) X86_LOAD_SX, 0, 4, rsz, r, false, false, false, false, 0
#define STOS_(sz, rep) X86_STOS, 0, sz, sz, REG_RAX, false, false, false, rep, 0
#define ALU_M(a, sz, r) X86_ALU_MEM, a, sz, sz, r, false, false, false, false, 0
#define ALU_MH(a, r) X86_ALU_MEM, a, 1, 1, r, true, false, false, false, 0
#define ALU_R(a, sz, r) X86_ALU_REG, a, sz, sz, r, false, false, false, false, 0
#define ALU_RH(a, r) X86_ALU_REG, a, 1, 1, r, true, false, false, false, 0
#define ALU_I(a, sz, v) X86_ALU_MEM, a, sz, sz, 0, false, true, false, false, v
#define XCHG_(sz, r) X86_XCHG, 0, sz, sz, r, false, false, true, false, 0
#define XCHG_H(r) X86_XCHG, 0, 1, 1, r, true, false, true, false, 0
#define BT_R(a, sz, r) X86_BITTEST, a, sz, sz, r, false, false, false, false, 0
#define BT_I(a, sz, v) X86_BITTEST, a, sz, sz, 0, false, true, false, false, v
/* the same with LOCK: rewrites the lock field of one of the above */
#define LK(...) LK_(__VA_ARGS__)
#define LK_(op, a, sz, rsz, r, h, i, l, rep, v) op, a, sz, rsz, r, h, i, true, rep, v

static const struct ext_case ext_cases[] = {
	{ 64, BYTES(0x48, 0x63, 0x00), SXD(8, REG_RAX),
	  "movslq (%rax),%rax" },
	{ 64, BYTES(0x4c, 0x63, 0x4b, 0x10), SXD(8, REG_R9),
	  "movslq 0x10(%rbx),%r9" },
	{ 64, BYTES(0x48, 0x63, 0x25, 0x00, 0x00, 0x00, 0x00), SXD(8, REG_RSP),
	  "movslq (%rip),%rsp" },
	{ 64, BYTES(0xaa), STOS_(1, 0),
	  "stosb" },
	{ 64, BYTES(0x66, 0xab), STOS_(2, 0),
	  "stosw" },
	{ 64, BYTES(0xab), STOS_(4, 0),
	  "stosl" },
	{ 64, BYTES(0x48, 0xab), STOS_(8, 0),
	  "stosq" },
	{ 64, BYTES(0xf3, 0xaa), STOS_(1, 1),
	  "rep stosb" },
	{ 64, BYTES(0xf3, 0x48, 0xab), STOS_(8, 1),
	  "rep stosq" },
	{ 64, BYTES(0x67, 0xf3, 0xab), STOS_(4, 1),
	  "addr32 rep stosl" },
	{ 64, BYTES(0xf2, 0xaa), STOS_(1, 1),
	  "repnz stosb" },
	{ 64, BYTES(0x66, 0xf3, 0xab), STOS_(2, 1),
	  "rep stosw" },
	{ 64, BYTES(0x01, 0x03), ALU_M(X86_ADD, 4, REG_RAX),
	  "add %eax,(%rbx)" },
	{ 64, BYTES(0x00, 0x03), ALU_M(X86_ADD, 1, REG_RAX),
	  "add %al,(%rbx)" },
	{ 64, BYTES(0x00, 0x23), ALU_MH(X86_ADD, REG_RAX),
	  "add %ah,(%rbx)" },
	{ 64, BYTES(0x44, 0x00, 0x03), ALU_M(X86_ADD, 1, REG_R8),
	  "add %r8b,(%rbx)" },
	{ 64, BYTES(0x40, 0x00, 0x33), ALU_M(X86_ADD, 1, REG_RSI),
	  "add %sil,(%rbx)" },
	{ 64, BYTES(0x66, 0x09, 0x16), ALU_M(X86_OR, 2, REG_RDX),
	  "or %dx,(%rsi)" },
	{ 64, BYTES(0x48, 0x11, 0x07), ALU_M(X86_ADC, 8, REG_RAX),
	  "adc %rax,(%rdi)" },
	{ 64, BYTES(0x45, 0x19, 0x7d, 0x7f), ALU_M(X86_SBB, 4, REG_R15),
	  "sbb %r15d,0x7f(%r13)" },
	{ 64, BYTES(0x21, 0x75, 0x10), ALU_M(X86_AND, 4, REG_RSI),
	  "and %esi,0x10(%rbp)" },
	{ 64, BYTES(0x4c, 0x29, 0x1c, 0xd8), ALU_M(X86_SUB, 8, REG_R11),
	  "sub %r11,(%rax,%rbx,8)" },
	{ 64, BYTES(0x30, 0x39), ALU_MH(X86_XOR, REG_RBX),
	  "xor %bh,(%rcx)" },
	{ 64, BYTES(0x39, 0x0a), ALU_M(X86_CMP, 4, REG_RCX),
	  "cmp %ecx,(%rdx)" },
	{ 64, BYTES(0x66, 0x44, 0x39, 0x0d, 0x78, 0x56, 0x34, 0x12), ALU_M(X86_CMP, 2, REG_R9),
	  "cmp %r9w,0x12345678(%rip)" },
	{ 64, BYTES(0x03, 0x0b), ALU_R(X86_ADD, 4, REG_RCX),
	  "add (%rbx),%ecx" },
	{ 64, BYTES(0x0a, 0x33), ALU_RH(X86_OR, REG_RDX),
	  "or (%rbx),%dh" },
	{ 64, BYTES(0x66, 0x44, 0x13, 0x23), ALU_R(X86_ADC, 2, REG_R12),
	  "adc (%rbx),%r12w" },
	{ 64, BYTES(0x4c, 0x1b, 0x17), ALU_R(X86_SBB, 8, REG_R10),
	  "sbb (%rdi),%r10" },
	{ 64, BYTES(0x40, 0x22, 0x3f), ALU_R(X86_AND, 1, REG_RDI),
	  "and (%rdi),%dil" },
	{ 64, BYTES(0x2b, 0x44, 0x24, 0x10), ALU_R(X86_SUB, 4, REG_RAX),
	  "sub 0x10(%rsp),%eax" },
	{ 64, BYTES(0x49, 0x33, 0x20), ALU_R(X86_XOR, 8, REG_RSP),
	  "xor (%r8),%rsp" },
	{ 64, BYTES(0x3a, 0x18), ALU_R(X86_CMP, 1, REG_RBX),
	  "cmp (%rax),%bl" },
	{ 64, BYTES(0x83, 0x00, 0x01), ALU_I(X86_ADD, 4, 1),
	  "addl $1,(%rax)" },
	{ 64, BYTES(0x83, 0x00, 0xff), ALU_I(X86_ADD, 4, 0xffffffff),
	  "addl $-1,(%rax)" },
	{ 64, BYTES(0x48, 0x83, 0x00, 0xff), ALU_I(X86_ADD, 8, 0xffffffffffffffffull),
	  "addq $-1,(%rax)" },
	{ 64, BYTES(0x66, 0x81, 0x08, 0x00, 0x80), ALU_I(X86_OR, 2, 0x8000),
	  "orw $0x8000,(%rax)" },
	{ 64, BYTES(0x66, 0x83, 0x08, 0x80), ALU_I(X86_OR, 2, 0xff80),
	  "orw $-0x80,(%rax)" },
	{ 64, BYTES(0x80, 0x10, 0x7f), ALU_I(X86_ADC, 1, 0x7f),
	  "adcb $0x7f,(%rax)" },
	{ 64, BYTES(0x80, 0x18, 0x80), ALU_I(X86_SBB, 1, 0x80),
	  "sbbb $0x80,(%rax)" },
	{ 64, BYTES(0x81, 0x20, 0xff, 0xff, 0xff, 0x7f), ALU_I(X86_AND, 4, 0x7fffffff),
	  "andl $0x7fffffff,(%rax)" },
	{ 64, BYTES(0x83, 0x20, 0xfe), ALU_I(X86_AND, 4, 0xfffffffe),
	  "andl $0xfffffffe,(%rax)" },
	{ 64, BYTES(0x48, 0x81, 0x6c, 0x24, 0x08, 0x78, 0x56, 0x34, 0x12), ALU_I(X86_SUB, 8, 0x12345678),
	  "subq $0x12345678,0x8(%rsp)" },
	{ 64, BYTES(0x48, 0x81, 0x08, 0x00, 0x00, 0x00, 0x80), ALU_I(X86_OR, 8, 0xffffffff80000000ull),
	  "orq $-0x80000000,(%rax)" },
	{ 64, BYTES(0x80, 0x30, 0x80), ALU_I(X86_XOR, 1, 0x80),
	  "xorb $0x80,(%rax)" },
	{ 64, BYTES(0x83, 0x3f, 0x00), ALU_I(X86_CMP, 4, 0),
	  "cmpl $0,(%rdi)" },
	{ 64, BYTES(0x48, 0x83, 0x3d, 0x44, 0x00, 0x00, 0x00, 0x7f), ALU_I(X86_CMP, 8, 0x7f),
	  "cmpq $0x7f,0x44(%rip)" },
	{ 64, BYTES(0x66, 0x41, 0x81, 0x39, 0x34, 0x12), ALU_I(X86_CMP, 2, 0x1234),
	  "cmpw $0x1234,(%r9)" },
	{ 64, BYTES(0x85, 0x03), ALU_M(X86_TEST, 4, REG_RAX),
	  "test %eax,(%rbx)" },
	{ 64, BYTES(0x84, 0x23), ALU_MH(X86_TEST, REG_RAX),
	  "test %ah,(%rbx)" },
	{ 64, BYTES(0x4c, 0x85, 0x13), ALU_M(X86_TEST, 8, REG_R10),
	  "test %r10,(%rbx)" },
	{ 64, BYTES(0xf6, 0x00, 0x80), ALU_I(X86_TEST, 1, 0x80),
	  "testb $0x80,(%rax)" },
	{ 64, BYTES(0x66, 0xf7, 0x00, 0x34, 0x12), ALU_I(X86_TEST, 2, 0x1234),
	  "testw $0x1234,(%rax)" },
	{ 64, BYTES(0xf7, 0x00, 0x00, 0x00, 0x00, 0x80), ALU_I(X86_TEST, 4, 0x80000000),
	  "testl $0x80000000,(%rax)" },
	{ 64, BYTES(0x48, 0xf7, 0x00, 0xff, 0xff, 0xff, 0xff), ALU_I(X86_TEST, 8, 0xffffffffffffffffull),
	  "testq $-1,(%rax)" },
	{ 64, BYTES(0x87, 0x03), XCHG_(4, REG_RAX),
	  "xchg %eax,(%rbx)" },
	{ 64, BYTES(0x86, 0x03), XCHG_(1, REG_RAX),
	  "xchg %al,(%rbx)" },
	{ 64, BYTES(0x86, 0x38), XCHG_H(REG_RBX),
	  "xchg %bh,(%rax)" },
	{ 64, BYTES(0x48, 0x87, 0x0a), XCHG_(8, REG_RCX),
	  "xchg %rcx,(%rdx)" },
	{ 64, BYTES(0x66, 0x44, 0x87, 0x08), XCHG_(2, REG_R9),
	  "xchg %r9w,(%rax)" },
	{ 64, BYTES(0x66, 0xf0, 0x44, 0x87, 0x08), XCHG_(2, REG_R9),
	  "lock xchg %r9w,(%rax)" },
	{ 64, BYTES(0xf0, 0x83, 0x00, 0x01), LK(ALU_I(X86_ADD, 4, 1)),
	  "lock addl $1,(%rax)" },
	{ 64, BYTES(0xf0, 0x09, 0x03), LK(ALU_M(X86_OR, 4, REG_RAX)),
	  "lock or %eax,(%rbx)" },
	{ 64, BYTES(0xf0, 0x80, 0x20, 0xfe), LK(ALU_I(X86_AND, 1, 0xfe)),
	  "lock andb $0xfe,(%rax)" },
	{ 64, BYTES(0xf0, 0x0f, 0xba, 0x28, 0x03), LK(BT_I(X86_BTS, 4, 3)),
	  "lock btsl $3,(%rax)" },
	{ 64, BYTES(0xf0, 0x48, 0x0f, 0xb3, 0x10), LK(BT_R(X86_BTR, 8, REG_RDX)),
	  "lock btr %rdx,(%rax)" },
	{ 64, BYTES(0xf0, 0x4c, 0x19, 0x00), LK(ALU_M(X86_SBB, 8, REG_R8)),
	  "lock sbb %r8,(%rax)" },
	{ 64, BYTES(0x0f, 0xa3, 0x03), BT_R(X86_BT, 4, REG_RAX),
	  "bt %eax,(%rbx)" },
	{ 64, BYTES(0x48, 0x0f, 0xab, 0x03), BT_R(X86_BTS, 8, REG_RAX),
	  "bts %rax,(%rbx)" },
	{ 64, BYTES(0x66, 0x0f, 0xb3, 0x0b), BT_R(X86_BTR, 2, REG_RCX),
	  "btr %cx,(%rbx)" },
	{ 64, BYTES(0x44, 0x0f, 0xbb, 0x0b), BT_R(X86_BTC, 4, REG_R9),
	  "btc %r9d,(%rbx)" },
	{ 64, BYTES(0x0f, 0xba, 0x20, 0x05), BT_I(X86_BT, 4, 5),
	  "btl $5,(%rax)" },
	{ 64, BYTES(0x48, 0x0f, 0xba, 0x28, 0x3f), BT_I(X86_BTS, 8, 63),
	  "btsq $63,(%rax)" },
	{ 64, BYTES(0x66, 0x0f, 0xba, 0x30, 0x81), BT_I(X86_BTR, 2, 0x81),
	  "btrw $0x81,(%rax)" },
	{ 64, BYTES(0x0f, 0xba, 0x3d, 0x10, 0x00, 0x00, 0x00, 0x1f), BT_I(X86_BTC, 4, 31),
	  "btcl $31,0x10(%rip)" },
	{ 64, BYTES(0x0f, 0xba, 0x20, 0xff), BT_I(X86_BT, 4, 0xff),
	  "btl $0xff,(%rax)" },
	{ 32, BYTES(0x01, 0x03), ALU_M(X86_ADD, 4, REG_RAX),
	  "add %eax,(%ebx)" },
	{ 32, BYTES(0x80, 0x00, 0x7f), ALU_I(X86_ADD, 1, 0x7f),
	  "addb $0x7f,(%eax)" },
	{ 32, BYTES(0x66, 0x83, 0x3e, 0x10), ALU_I(X86_CMP, 2, 0x10),
	  "cmpw $0x10,(%esi)" },
	{ 32, BYTES(0x2b, 0x44, 0x24, 0x10), ALU_R(X86_SUB, 4, REG_RAX),
	  "sub 0x10(%esp),%eax" },
	{ 32, BYTES(0x32, 0x2b), ALU_RH(X86_XOR, REG_RCX),
	  "xor (%ebx),%ch" },
	{ 32, BYTES(0xf0, 0x83, 0x20, 0xfb), LK(ALU_I(X86_AND, 4, 0xfffffffb)),
	  "lock andl $0xfffffffb,(%eax)" },
	{ 32, BYTES(0xf3, 0xab), STOS_(4, 1),
	  "rep stosl" },
	{ 32, BYTES(0x67, 0xf3, 0xaa), STOS_(1, 1),
	  "addr16 rep stosb" },
	{ 32, BYTES(0x66, 0xab), STOS_(2, 0),
	  "stosw" },
	{ 32, BYTES(0x87, 0x08), XCHG_(4, REG_RCX),
	  "xchg %ecx,(%eax)" },
	{ 32, BYTES(0xf7, 0x45, 0x08, 0x01, 0x00, 0x00, 0x00), ALU_I(X86_TEST, 4, 1),
	  "testl $1,0x8(%ebp)" },
	{ 32, BYTES(0x0f, 0xab, 0x02), BT_R(X86_BTS, 4, REG_RAX),
	  "btsl %eax,(%edx)" },
	{ 32, BYTES(0x67, 0x66, 0x11, 0x10), ALU_M(X86_ADC, 2, REG_RDX),
	  "adc %dx,(%bx,%si)" },
	{ 32, BYTES(0x81, 0x0c, 0x9d, 0x00, 0x10, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12), ALU_I(X86_OR, 4, 0x12345678),
	  "orl $0x12345678,0x1000(,%ebx,4)" },
	{ 16, BYTES(0x01, 0x00), ALU_M(X86_ADD, 2, REG_RAX),
	  "add %ax,(%bx,%si)" },
	{ 16, BYTES(0x02, 0x07), ALU_R(X86_ADD, 1, REG_RAX),
	  "add (%bx),%al" },
	{ 16, BYTES(0x80, 0x0d, 0x01), ALU_I(X86_OR, 1, 1),
	  "orb $1,(%di)" },
	{ 16, BYTES(0x83, 0x3f, 0xff), ALU_I(X86_CMP, 2, 0xffff),
	  "cmpw $-1,(%bx)" },
	{ 16, BYTES(0x81, 0x66, 0x10, 0x34, 0x12), ALU_I(X86_AND, 2, 0x1234),
	  "andw $0x1234,0x10(%bp)" },
	{ 16, BYTES(0x66, 0x81, 0x24, 0x78, 0x56, 0x34, 0x12), ALU_I(X86_AND, 4, 0x12345678),
	  "andl $0x12345678,(%si)" },
	{ 16, BYTES(0x66, 0x83, 0x2f, 0xfe), ALU_I(X86_SUB, 4, 0xfffffffe),
	  "subl $-2,(%bx)" },
	{ 16, BYTES(0xab), STOS_(2, 0),
	  "stosw" },
	{ 16, BYTES(0xf3, 0xaa), STOS_(1, 1),
	  "rep stosb" },
	{ 16, BYTES(0x66, 0xab), STOS_(4, 0),
	  "stosl" },
	{ 16, BYTES(0x67, 0xaa), STOS_(1, 0),
	  "addr32 stosb" },
	{ 16, BYTES(0x86, 0x07), XCHG_(1, REG_RAX),
	  "xchg %al,(%bx)" },
	{ 16, BYTES(0x84, 0x37), ALU_MH(X86_TEST, REG_RDX),
	  "test %dh,(%bx)" },
	{ 16, BYTES(0x0f, 0xba, 0x27, 0x03), BT_I(X86_BT, 2, 3),
	  "btw $3,(%bx)" },
	{ 16, BYTES(0x0f, 0xbb, 0x05), BT_R(X86_BTC, 2, REG_RAX),
	  "btc %ax,(%di)" },
	{ 16, BYTES(0x1b, 0x0e, 0x34, 0x12), ALU_R(X86_SBB, 2, REG_RCX),
	  "sbb 0x1234,%cx" },
	/* ---- by hand ---- */
	{ 32, BYTES(0x82, 0x00, 0x01), ALU_I(X86_ADD, 1, 1),
	  "82 /0: the alias of 80 outside 64-bit mode" },
	{ 16, BYTES(0x82, 0x3f, 0xff), ALU_I(X86_CMP, 1, 0xff),
	  "82 /7 ib: cmpb $0xff,(%bx)" },
	{ 64, BYTES(0xf6, 0x08, 0x01), ALU_I(X86_TEST, 1, 1),
	  "F6 /1: TEST's alias" },
	{ 32, BYTES(0xf7, 0x48, 0x04, 0x78, 0x56, 0x34, 0x12),
	  ALU_I(X86_TEST, 4, 0x12345678), "F7 /1 with disp8 and imm32" },
	{ 64, BYTES(0x63, 0x08), SXD(4, REG_RCX),
	  "movsxd (%rax),%ecx: no REX.W, a 32-bit load" },
	{ 64, BYTES(0x66, 0x48, 0x63, 0x00), SXD(8, REG_RAX),
	  "data16 movslq: REX.W wins over 66" },
	{ 64, BYTES(0x66, 0x41, 0x01, 0x00), ALU_M(X86_ADD, 2, REG_RAX),
	  "add %ax,(%r8): 66 with REX.B" },
	{ 64, BYTES(0x40, 0x00, 0x20), ALU_M(X86_ADD, 1, REG_RSP),
	  "add %spl,(%rax): empty REX" },
	{ 64, BYTES(0x48, 0x66, 0x00, 0x20), ALU_MH(X86_ADD, REG_RAX),
	  "REX.W then 66: ignored REX, so add %ah" },
	{ 64, BYTES(0xf2, 0xf0, 0x01, 0x00), LK(ALU_M(X86_ADD, 4, REG_RAX)),
	  "xacquire lock add %eax,(%rax)" },
	{ 64, BYTES(0x2e, 0x66, 0xf3, 0x48, 0xab), STOS_(8, 1),
	  "cs data16 rep stosq: the segment is ignored, REX.W wins" },
	{ 64, BYTES(0x0f, 0xba, 0x20, 0x41), BT_I(X86_BT, 4, 0x41),
	  "btl $0x41,(%rax): the offset is kept raw" },
	{ 64, BYTES(0x66, 0xf7, 0x00, 0xff, 0xff), ALU_I(X86_TEST, 2, 0xffff),
	  "testw $0xffff,(%rax)" },
	{ 64, BYTES(0x48, 0x81, 0x00, 0xff, 0xff, 0xff, 0x7f),
	  ALU_I(X86_ADD, 8, 0x7fffffff), "addq $0x7fffffff,(%rax)" },
	{ 64, BYTES(0x48, 0x83, 0x00, 0x80),
	  ALU_I(X86_ADD, 8, 0xffffffffffffff80ull), "addq $-0x80,(%rax)" },
};

static void ext_fail(const struct ext_case *c, const char *what,
		     unsigned long long got, unsigned long long want)
{
	fail_msg("%u-bit \"%s\": %s is %#llx, expected %#llx", c->mode, c->text,
		 what, got, want);
}

static void check_ext(const struct ext_case *c, const struct x86_insn *in)
{
	if (in->len != c->n)
		ext_fail(c, "len", in->len, c->n);
	if (in->op != c->op)
		ext_fail(c, "op", in->op, c->op);
	if (in->alu != c->alu)
		ext_fail(c, "alu", in->alu, c->alu);
	if (in->size != c->size)
		ext_fail(c, "size", in->size, c->size);
	if (in->reg_size != c->reg_size)
		ext_fail(c, "reg_size", in->reg_size, c->reg_size);
	if (in->reg != c->reg)
		ext_fail(c, "reg", in->reg, c->reg);
	if (in->high8 != c->high8)
		ext_fail(c, "high8", in->high8, c->high8);
	if (in->has_imm != c->has_imm)
		ext_fail(c, "has_imm", in->has_imm, c->has_imm);
	if (in->lock != c->lock)
		ext_fail(c, "lock", in->lock, c->lock);
	if (in->rep != c->rep)
		ext_fail(c, "rep", in->rep, c->rep);
	if (in->imm != c->imm)
		ext_fail(c, "imm", in->imm, c->imm);
	if (in->addr_size != addr_size(c->mode, c->b, c->n))
		ext_fail(c, "addr_size", in->addr_size,
			 addr_size(c->mode, c->b, c->n));
}

static void test_extended_forms(void **state)
{
	for (unsigned i = 0; i < ARRAY_SIZE(ext_cases); i++) {
		const struct ext_case *c = &ext_cases[i];
		uint8_t buf[MAX_LEN];
		struct x86_insn in;
		int r;

		assert_true(c->n >= 1 && c->n <= MAX_LEN);
		r = x86_decode(c->b, c->n, c->mode, &in);
		if (r)
			fail_msg("%u-bit \"%s\": error %d", c->mode, c->text, r);
		check_ext(c, &in);

		memset(buf, 0xcc, sizeof(buf));
		memcpy(buf, c->b, c->n);
		assert_int_equal(x86_decode(buf, sizeof(buf), c->mode, &in), 0);
		check_ext(c, &in);

		for (unsigned n = 0; n < c->n; n++) {
			r = x86_decode(c->b, n, c->mode, &in);
			if (r != -ENODATA)
				fail_msg("%u-bit \"%s\" cut to %u bytes: %d, "
					 "expected -ENODATA",
					 c->mode, c->text, n, r);
		}
	}
}

/* ---- rejected instructions ----------------------------------------------- */

struct bad_case {
	unsigned mode;
	uint8_t n;
	uint8_t b[MAX_LEN];
	const char *text;
};

/* Register operands (mod = 3) and the wrong /digit. */
static const struct bad_case register_forms[] = {
	{ 64, BYTES(0x89, 0xc3), "mov %eax,%ebx" },
	{ 64, BYTES(0x48, 0x8b, 0xc3), "mov %rbx,%rax" },
	{ 64, BYTES(0x88, 0xe0), "mov %ah,%al" },
	{ 64, BYTES(0x8a, 0xc4), "mov %ah,%al (8A)" },
	{ 64, BYTES(0xc6, 0xc0, 0x5a), "mov $0x5a,%al" },
	{ 64, BYTES(0xc7, 0xc0, 0x01, 0x00, 0x00, 0x00), "mov $1,%eax (C7)" },
	{ 64, BYTES(0x0f, 0xb6, 0xc0), "movzbl %al,%eax" },
	{ 64, BYTES(0x48, 0x0f, 0xbf, 0xc1), "movswq %cx,%rax" },
	{ 32, BYTES(0x89, 0xd8), "mov %ebx,%eax" },
	{ 16, BYTES(0x89, 0xd8), "mov %bx,%ax" },
	{ 64, BYTES(0xc6, 0x08, 0x5a), "C6 /1 (not MOV)" },
	{ 64, BYTES(0xc7, 0x78, 0x10, 0x01, 0x00, 0x00, 0x00), "C7 /7" },
	{ 64, BYTES(0x01, 0xc3), "add %eax,%ebx" },
	{ 64, BYTES(0x3a, 0xc4), "cmp %ah,%al" },
	{ 64, BYTES(0x87, 0xc3), "xchg %eax,%ebx" },
	{ 64, BYTES(0x83, 0xc0, 0x01), "add $1,%eax" },
	{ 64, BYTES(0xf6, 0xc0, 0x01), "test $1,%al" },
	{ 64, BYTES(0x84, 0xc0), "test %al,%al" },
	{ 64, BYTES(0x48, 0x63, 0xc0), "movslq %eax,%rax" },
	{ 64, BYTES(0x0f, 0xa3, 0xc3), "bt %eax,%ebx" },
	{ 64, BYTES(0x0f, 0xba, 0xe0, 0x01), "bt $1,%eax" },
	{ 32, BYTES(0x80, 0xc8, 0x01), "or $1,%al" },
	{ 16, BYTES(0x31, 0xc0), "xor %ax,%ax" },
	{ 64, BYTES(0xf6, 0x10), "notb (%rax): F6 /2" },
	{ 64, BYTES(0xf7, 0x18), "negl (%rax): F7 /3" },
	{ 64, BYTES(0xf7, 0x20), "mull (%rax): F7 /4" },
	{ 64, BYTES(0x0f, 0xba, 0x00, 0x01), "0F BA /0" },
	{ 64, BYTES(0x0f, 0xba, 0x18, 0x01), "0F BA /3" },
};

/* Other opcodes, including ones that look close. */
static const struct bad_case other_opcodes[] = {
	{ 64, BYTES(0x8d, 0x03), "lea (%rbx),%eax" },
	{ 64, BYTES(0x8c, 0x18), "mov %ds,(%rax)" },
	{ 64, BYTES(0x8e, 0x18), "mov (%rax),%ds" },
	{ 64, BYTES(0xa4), "movsb" },
	{ 64, BYTES(0xa5), "movsl" },
	{ 64, BYTES(0xac), "lodsb" },
	{ 64, BYTES(0xa6), "cmpsb" },
	{ 64, BYTES(0xae), "scasb" },
	{ 64, BYTES(0xff, 0x00), "incl (%rax)" },
	{ 64, BYTES(0xfe, 0x08), "decb (%rax)" },
	{ 64, BYTES(0xd1, 0x20), "shll (%rax)" },
	{ 64, BYTES(0x8f, 0x00), "pop (%rax)" },
	{ 64, BYTES(0x0f, 0xb1, 0x00), "cmpxchg %eax,(%rax)" },
	{ 64, BYTES(0x0f, 0xc3, 0x00), "movnti %eax,(%rax)" },
	{ 64, BYTES(0x82, 0x00, 0x01), "82 is invalid in 64-bit mode" },
	{ 32, BYTES(0x63, 0x00), "arpl %ax,(%eax)" },
	{ 16, BYTES(0x63, 0x00), "arpl %ax,(%bx,%si)" },
	{ 64, BYTES(0x66, 0x63, 0x00),
	  "movsxd with 66: deliberately left out (SDM and XED disagree)" },
	{ 64, BYTES(0xc5, 0xf8, 0x11, 0x00), "vmovups %xmm0,(%rax) (VEX)" },
	{ 64, BYTES(0xc4, 0xe2, 0x79, 0x18, 0x00), "vbroadcastss (VEX3)" },
	{ 64, BYTES(0x62, 0xf1, 0x7c, 0x48, 0x11, 0x00), "vmovups (EVEX)" },
	{ 32, BYTES(0xc5, 0x00), "lds (%eax),%eax" },
	{ 64, BYTES(0x90), "nop" },
	{ 64, BYTES(0xe4, 0x60), "in $0x60,%al" },
	{ 64, BYTES(0x0f, 0x0b), "ud2" },
	{ 64, BYTES(0x0f, 0x10, 0x00), "movups (%rax),%xmm0" },
	{ 64, BYTES(0x0f, 0xb5, 0x00), "lgs (%rax),%eax" },
	{ 64, BYTES(0x0f, 0xc0, 0x00), "xadd %al,(%rax)" },
	{ 64, BYTES(0x0f, 0x0f), "0F 0F" },
	{ 32, BYTES(0x48, 0x89, 0x03), "dec %eax in 32-bit mode, not REX" },
	{ 16, BYTES(0x40, 0x89, 0x07), "inc %ax in 16-bit mode, not REX" },
};

/* LOCK where the CPU raises #UD: not a read-modify-write of memory. */
static const struct bad_case lock_forms[] = {
	{ 64, BYTES(0xf0, 0x89, 0x03), "lock mov %eax,(%rbx)" },
	{ 64, BYTES(0x3e, 0x66, 0x67, 0xf0, 0x44, 0x89, 0x04, 0x24),
	  "ds data16 addr32 lock mov %r8w,(%esp)" },
	{ 64, BYTES(0xf0, 0x8b, 0x03), "lock mov (%rbx),%eax" },
	{ 64, BYTES(0xf0, 0xc7, 0x00, 0x01, 0x00, 0x00, 0x00), "lock movl $1" },
	{ 64, BYTES(0xf0, 0xa1, 0, 0, 0, 0, 0, 0, 0, 0), "lock mov moffs" },
	{ 64, BYTES(0xf0, 0x0f, 0xb6, 0x00), "lock movzbl" },
	{ 64, BYTES(0xf0, 0x48, 0x63, 0x00), "lock movslq" },
	{ 64, BYTES(0xf0, 0x38, 0x00), "lock cmp %al,(%rax)" },
	{ 64, BYTES(0xf0, 0x83, 0x38, 0x00), "lock cmpl $0,(%rax)" },
	{ 64, BYTES(0xf0, 0x84, 0x00), "lock test %al,(%rax)" },
	{ 64, BYTES(0xf0, 0xf6, 0x00, 0x01), "lock testb $1,(%rax)" },
	{ 64, BYTES(0xf0, 0x03, 0x03), "lock add (%rbx),%eax" },
	{ 64, BYTES(0xf0, 0x0f, 0xa3, 0x00), "lock bt %eax,(%rax)" },
	{ 64, BYTES(0xf0, 0x0f, 0xba, 0x20, 0x01), "lock btl $1,(%rax)" },
	{ 64, BYTES(0xf0, 0xaa), "lock stosb" },
	{ 32, BYTES(0xf3, 0xf0, 0xab), "rep lock stosl" },
	{ 16, BYTES(0xf0, 0x89, 0x07), "lock mov %ax,(%bx)" },
};

static void expect_error(const struct bad_case *c, int want)
{
	struct x86_insn in;
	int r = x86_decode(c->b, c->n, c->mode, &in);

	if (r != want)
		fail_msg("%u-bit \"%s\": %d, expected %d", c->mode, c->text, r,
			 want);
}

static void test_register_operands_rejected(void **state)
{
	for (unsigned i = 0; i < ARRAY_SIZE(register_forms); i++)
		expect_error(&register_forms[i], -EINVAL);
}

static void test_unsupported_opcodes_rejected(void **state)
{
	for (unsigned i = 0; i < ARRAY_SIZE(other_opcodes); i++)
		expect_error(&other_opcodes[i], -EINVAL);
}

static void test_lock_rejected(void **state)
{
	for (unsigned i = 0; i < ARRAY_SIZE(lock_forms); i++) {
		uint8_t b[MAX_LEN];
		const struct bad_case *c = &lock_forms[i];
		struct bad_case unlocked = *c;
		unsigned n = 0;
		struct x86_insn in;

		expect_error(c, -EINVAL);
		/* without F0 the same bytes decode */
		for (unsigned k = 0; k < c->n; k++)
			if (c->b[k] != 0xf0)
				b[n++] = c->b[k];
		memcpy(unlocked.b, b, n);
		unlocked.n = (uint8_t)n;
		if (x86_decode(unlocked.b, unlocked.n, c->mode, &in) || in.len != n)
			fail_msg("%u-bit \"%s\" without LOCK does not decode",
				 c->mode, c->text);
	}
}

static void test_bad_mode(void **state)
{
	struct x86_insn in;

	assert_int_equal(x86_decode((const uint8_t[]){ 0x89, 0x03 }, 2, 0, &in),
			 -EINVAL);
	assert_int_equal(x86_decode((const uint8_t[]){ 0x89, 0x03 }, 2, 8, &in),
			 -EINVAL);
}

static void test_truncated(void **state)
{
	static const uint8_t prefixes_only[] = { 0x66, 0x67, 0x2e, 0xf3, 0x48 };
	struct x86_insn in;

	assert_int_equal(x86_decode(prefixes_only, 0, 64, &in), -ENODATA);
	assert_int_equal(x86_decode(prefixes_only, sizeof(prefixes_only), 64,
				    &in),
			 -ENODATA);
	/* 0F alone */
	assert_int_equal(x86_decode((const uint8_t[]){ 0x0f }, 1, 32, &in),
			 -ENODATA);
}

/* An instruction is at most 15 bytes (SDM 2.3.11); the decoder reads no
 * further even when given more. */
static void test_fifteen_byte_limit(void **state)
{
	uint8_t b[20];
	struct x86_insn in;

	/* 13 DS prefixes + 89 03: exactly 15 bytes */
	memset(b, 0x3e, sizeof(b));
	b[13] = 0x89;
	b[14] = 0x03;
	assert_int_equal(x86_decode(b, sizeof(b), 64, &in), 0);
	assert_int_equal(in.len, 15);
	assert_int_equal(in.op, X86_STORE);
	assert_int_equal(in.size, 4);

	/* 14 prefixes: 16 bytes */
	memset(b, 0x3e, sizeof(b));
	b[14] = 0x89;
	b[15] = 0x03;
	assert_int_equal(x86_decode(b, sizeof(b), 64, &in), -ENODATA);

	/* 15 prefixes: the 16th byte (an opcode we do not decode) is not
	 * even looked at */
	memset(b, 0x3e, sizeof(b));
	b[15] = 0x90;
	assert_int_equal(x86_decode(b, sizeof(b), 64, &in), -ENODATA);

	/* the 15th byte is the opcode, its ModRM the 16th */
	memset(b, 0x3e, sizeof(b));
	b[14] = 0x89;
	assert_int_equal(x86_decode(b, 16, 64, &in), -ENODATA);

	/* prefixes + C7 05 disp32 imm32 (10 bytes): 5 prefixes make 15
	 * bytes, 6 make 16 */
	for (unsigned k = 5; k <= 6; k++) {
		static const uint8_t mov_imm[] = { 0xc7, 0x05, 1, 0, 0, 0,
						   2, 0, 0, 0 };

		memset(b, 0x2e, sizeof(b));
		memcpy(b + k, mov_imm, sizeof(mov_imm));
		if (k == 5) {
			assert_int_equal(x86_decode(b, sizeof(b), 64, &in), 0);
			assert_int_equal(in.len, 15);
			assert_int_equal(in.imm, 2);
		} else {
			assert_int_equal(x86_decode(b, sizeof(b), 64, &in),
					 -ENODATA);
		}
	}

	/* nothing but prefixes */
	memset(b, 0x66, sizeof(b));
	assert_int_equal(x86_decode(b, sizeof(b), 64, &in), -ENODATA);
}

/* ---- writing a loaded value to a register -------------------------------- */

static void test_merge_reg(void **state)
{
	const uint64_t old = 0x1122334455667788ull, val = 0xaabbccddeeff0099ull;

	assert_int_equal(x86_merge_reg(old, val, 1, false), 0x1122334455667799ull);
	assert_int_equal(x86_merge_reg(old, val, 1, true), 0x1122334455669988ull);
	assert_int_equal(x86_merge_reg(old, val, 2, false), 0x1122334455660099ull);
	/* a 32-bit write zeroes bits 63:32 */
	assert_int_equal(x86_merge_reg(old, val, 4, false), 0xeeff0099ull);
	assert_int_equal(x86_merge_reg(old, 0xffffffffull, 4, false),
			 0xffffffffull);
	assert_int_equal(x86_merge_reg(old, val, 8, false), val);
	/* high8 takes the value's low byte, whatever the size */
	assert_int_equal(x86_merge_reg(old, 0x42, 2, true), 0x1122334455664288ull);
	assert_int_equal(x86_merge_reg(0, 0xff, 1, true), 0xff00);
	assert_int_equal(x86_merge_reg(~0ull, 0, 1, false), ~0xffull);
	assert_int_equal(x86_merge_reg(~0ull, 0, 2, false), ~0xffffull);
	assert_int_equal(x86_merge_reg(~0ull, 0, 1, true), ~0xff00ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_forms),
		cmocka_unit_test(test_extended_forms),
		cmocka_unit_test(test_lock_rejected),
		cmocka_unit_test(test_bad_mode),
		cmocka_unit_test(test_register_operands_rejected),
		cmocka_unit_test(test_unsupported_opcodes_rejected),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_fifteen_byte_limit),
		cmocka_unit_test(test_merge_reg),
	};

	return cmocka_run_group_tests_name("decode", tests, NULL, NULL);
}
