/* SPDX-License-Identifier: MIT */
/*
 * vmx/entry_check.c: the guest-state checks of SDM Vol. 3C, 27.3.1 in
 * software. Three valid states (32-bit protected mode, real mode under
 * unrestricted guest, 64-bit) pass; breaking one thing at a time gives
 * exactly that rule's line.
 */
#include "unit.h"

#include <stdbool.h>

#include "vmx/entry_check.h"

/* CR0/CR4 fixed values as Bochs reports them. */
#define CR0_FIXED0 0x80000021ull
#define CR0_FIXED1 0xffffffffull
#define CR4_FIXED0 0x2000ull
#define CR4_FIXED1 0x3767ffull

#define CR0_PE 0x1ull
#define CR0_ET 0x10ull
#define CR0_NE 0x20ull
#define CR0_PG 0x80000000ull
#define CR4_PAE 0x20ull
#define CR4_VMXE 0x2000ull
#define EFER_LME 0x100ull
#define EFER_LMA 0x400ull
#define ENTRY_IA32E 0x200u
#define UNUSABLE 0x10000u

/* Access rights: present, S=1 for code/data (SDM 25.4.1, table 25-2). */
#define AR_CODE32 0xc09bu  /* execute/read, accessed, D, G */
#define AR_CODE64 0xa09bu  /* L, G */
#define AR_DATA 0xc093u	   /* read/write, accessed */
#define AR_REAL_DATA 0x93u /* 64 KiB real-mode segment */
#define AR_TSS32_BUSY 0x8bu
#define AR_LDT 0x82u

static struct entry_state base(void)
{
	return (struct entry_state){
		.rflags = 0x2,
		.link_pointer = ~0ull,
		.cr0_fixed0 = CR0_FIXED0,
		.cr0_fixed1 = CR0_FIXED1,
		.cr4_fixed0 = CR4_FIXED0,
		.cr4_fixed1 = CR4_FIXED1,
	};
}

/* 32-bit protected mode with paging, no unrestricted guest. */
static struct entry_state pm32(void)
{
	struct entry_state s = base();

	s.cr0 = CR0_PG | CR0_NE | CR0_ET | CR0_PE;
	s.cr4 = CR4_VMXE;
	s.cs_ar = AR_CODE32;
	s.ss_ar = AR_DATA;
	s.tr_ar = AR_TSS32_BUSY;
	s.ldtr_ar = UNUSABLE;
	s.cs_sel = 0x08;
	s.ss_sel = 0x10;
	return s;
}

/* Real mode as a reset vCPU starts it: unrestricted guest, CS a data-like
 * type 3 segment, a usable LDT. */
static struct entry_state real_mode(void)
{
	struct entry_state s = base();

	s.unrestricted = true;
	s.cr0 = CR0_NE | CR0_ET;
	s.cr4 = CR4_VMXE;
	s.cs_ar = AR_REAL_DATA;
	s.ss_ar = AR_REAL_DATA;
	s.tr_ar = AR_TSS32_BUSY;
	s.ldtr_ar = AR_LDT;
	s.cs_sel = 0xf000;
	return s;
}

/* 64-bit mode. */
static struct entry_state long64(void)
{
	struct entry_state s = base();

	s.cr0 = CR0_PG | CR0_NE | CR0_ET | CR0_PE;
	s.cr4 = CR4_VMXE | CR4_PAE;
	s.efer = EFER_LME | EFER_LMA;
	s.entry_ctls = ENTRY_IA32E | 0x11ff;
	s.cs_ar = AR_CODE64;
	s.ss_ar = AR_DATA;
	s.tr_ar = AR_TSS32_BUSY; /* the 64-bit busy TSS type */
	s.ldtr_ar = UNUSABLE;
	s.cs_sel = 0x08;
	s.ss_sel = 0x10;
	return s;
}

#define OUT_SIZE 2048

static int check(const struct entry_state *s, char *out)
{
	int n = entry_check(s, out, OUT_SIZE);

	assert_true(strlen(out) < OUT_SIZE);
	return n;
}

static unsigned count_lines(const char *out)
{
	unsigned n = 0;

	for (; *out; out++)
		n += *out == '\n';
	return n;
}

/* Exactly one rule broken, and its line is exactly want. */
static void assert_one(const struct entry_state *s, const char *want)
{
	char out[OUT_SIZE];
	int n = check(s, out);

	if (n != 1 || strcmp(out, want))
		fail_msg("%d rules broken:\n%s\nexpected only:\n%s", n, out,
			 want);
	assert_int_equal(count_lines(out), 1);
}

/* Exactly one rule broken, its line containing text. */
static void assert_one_with(const struct entry_state *s, const char *text)
{
	char out[OUT_SIZE];
	int n = check(s, out);

	if (n != 1 || !strstr(out, text))
		fail_msg("%d rules broken:\n%s\nexpected one with \"%s\"", n,
			 out, text);
	assert_int_equal(count_lines(out), 1);
	assert_true(!strncmp(out, "  ", 2));
}

static void assert_valid(const struct entry_state *s, const char *what)
{
	char out[OUT_SIZE];
	int n = check(s, out);

	if (n != 0 || out[0])
		fail_msg("%s: %d rules broken:\n%s", what, n, out);
}

/* ---- valid states -------------------------------------------------------- */

static void test_valid_states(void **state)
{
	struct entry_state s;

	s = pm32();
	assert_valid(&s, "32-bit protected mode");
	s = real_mode();
	assert_valid(&s, "real mode");
	s = long64();
	assert_valid(&s, "64-bit mode");

	/* variations that are fine too */
	s = real_mode();
	s.cr0 |= CR0_PE; /* protected mode without paging */
	s.cs_ar = AR_CODE32;
	s.ss_ar = AR_DATA;
	assert_valid(&s, "unrestricted protected mode without paging");
	s = pm32();
	s.tr_ar = 0x83; /* a 16-bit busy TSS outside IA-32e mode */
	s.rflags = 0x202;
	s.interruptibility = 1; /* STI blocking with IF set */
	assert_valid(&s, "16-bit TSS, STI shadow");
	s = pm32();
	s.ss_ar = UNUSABLE;
	s.activity = 1; /* HLT with SS.DPL 0 */
	assert_valid(&s, "unusable SS, HLT");
	s = long64();
	s.activity = 3; /* wait-for-SIPI */
	s.interruptibility = 2; /* MOV-SS blocking alone */
	s.cs_ar = 0xc09b; /* compatibility mode: D without L */
	assert_valid(&s, "compatibility mode");
}

/* ---- control registers and EFER ------------------------------------------ */

static void test_cr0(void **state)
{
	struct entry_state s = real_mode();
	char out[OUT_SIZE];

	s.cr0 |= CR0_PG;
	assert_one(&s, "  CR0 0x80000030: PG set without PE\n");

	/* CR0.NE is fixed to 1 */
	s = pm32();
	s.cr0 &= ~CR0_NE;
	assert_one(&s, "  CR0 0x80000011 breaks IA32_VMX_CR0_FIXED0/1 "
		       "(0x80000021/0xffffffff)\n");
	/* a bit beyond FIXED1 */
	s = pm32();
	s.cr0 |= 1ull << 32;
	assert_one_with(&s, "  CR0 0x180000031 breaks IA32_VMX_CR0_FIXED0/1");
	/* without unrestricted guest PE and PG are fixed too */
	s = pm32();
	s.cr0 &= ~CR0_PG;
	assert_one(&s, "  CR0 0x31 breaks IA32_VMX_CR0_FIXED0/1 "
		       "(0x80000021/0xffffffff)\n");
	s.cr0 = CR0_PG | CR0_NE;
	assert_int_equal(check(&s, out), 2);
	assert_non_null(strstr(out, "FIXED0/1"));
	assert_non_null(strstr(out, "PG set without PE"));
	/* with it, the fixed-0 value shown is less PE and PG */
	s = real_mode();
	s.cr0 = 0;
	assert_one(&s, "  CR0 0 breaks IA32_VMX_CR0_FIXED0/1 (0x20/0xffffffff)\n");
}

static void test_cr4(void **state)
{
	struct entry_state s = pm32();

	s.cr4 &= ~CR4_VMXE;
	assert_one(&s, "  CR4 0 breaks IA32_VMX_CR4_FIXED0/1 (0x2000/0x3767ff)\n");
	s = real_mode();
	s.cr4 |= 1ull << 23; /* CET: not in FIXED1 */
	assert_one(&s, "  CR4 0x802000 breaks IA32_VMX_CR4_FIXED0/1 "
		       "(0x2000/0x3767ff)\n");
}

static void test_ia32e_mode(void **state)
{
	struct entry_state s = long64();

	/* LMA set, IA-32e entry control clear */
	s.entry_ctls &= ~ENTRY_IA32E;
	assert_one(&s, "  EFER.LMA (EFER 0x500) differs from the IA-32e mode "
		       "guest entry control (0)\n");
	/* the other way round: no paging, no LMA, control set */
	s = real_mode();
	s.cr0 |= CR0_PE;
	s.cs_ar = AR_CODE32;
	s.ss_ar = AR_DATA;
	s.efer = EFER_LMA;
	assert_one(&s, "  EFER.LMA (EFER 0x400) differs from the IA-32e mode "
		       "guest entry control (0)\n");
	/* LME must equal LMA with paging */
	s = long64();
	s.efer = EFER_LMA;
	assert_one(&s, "  with CR0.PG, EFER.LME must equal EFER.LMA (EFER "
		       "0x400)\n");
	/* IA-32e mode needs PAE */
	s = long64();
	s.cr4 &= ~CR4_PAE;
	assert_one(&s, "  IA-32e mode guest needs CR0.PG and CR4.PAE (CR0 "
		       "0x80000031, CR4 0x2000)\n");
}

/* ---- RFLAGS and interruptibility ----------------------------------------- */

static void test_rflags(void **state)
{
	static const uint64_t bad[] = { 0, 0x202 & ~2ull, 0x2 | 0x8, 0x2 | 0x20,
					0x2 | 0x8000, 0x2 | (1ull << 22),
					0x2 | (1ull << 63) };
	struct entry_state s;

	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		s = pm32();
		s.rflags = bad[i];
		assert_one_with(&s, ": reserved bits wrong (bit 1 must be 1; "
				    "3, 5, 15, 22-63 must be 0)\n");
	}
	s = pm32();
	s.rflags = 0x2 | 0x8;
	assert_one(&s, "  RFLAGS 0xa: reserved bits wrong (bit 1 must be 1; 3, "
		       "5, 15, 22-63 must be 0)\n");
	/* every defined flag may be set */
	s.rflags = 0x3f7fd7 & ~(1ull << 17);
	assert_valid(&s, "all defined flags but VM");

	/* virtual-8086 mode: not in IA-32e mode, not with PE clear */
	s = long64();
	s.rflags = 0x20002;
	assert_one(&s, "  RFLAGS.VM set in IA-32e mode or with CR0.PE clear\n");
	s = real_mode();
	s.rflags = 0x20002;
	assert_one(&s, "  RFLAGS.VM set in IA-32e mode or with CR0.PE clear\n");
}

static void test_interruptibility(void **state)
{
	struct entry_state s = pm32();

	s.interruptibility = 1; /* STI blocking, IF clear */
	assert_one(&s, "  blocking by STI (interruptibility 0x1) needs "
		       "RFLAGS.IF\n");
	s.rflags = 0x202;
	s.interruptibility = 3; /* STI and MOV SS */
	assert_one(&s, "  blocking by STI and by MOV SS together\n");
	s.interruptibility = 0xb; /* and NMI blocking */
	assert_one(&s, "  blocking by STI and by MOV SS together\n");
}

/* ---- segments ------------------------------------------------------------ */

static void test_cs(void **state)
{
	static const uint32_t bad_types[] = { 0xc093, 0xc09a, 0xc098, 0xc091 };
	struct entry_state s;

	for (unsigned i = 0; i < ARRAY_SIZE(bad_types); i++) {
		char want[80];

		s = pm32();
		s.cs_ar = bad_types[i];
		snprintf(want, sizeof(want),
			 "  CS type %u (AR %#x) is not accessed code\n",
			 bad_types[i] & 0xf, bad_types[i]);
		assert_one(&s, want);
	}
	/* the accessed code types are all fine: 9, 11, 13, 15 */
	for (uint32_t t = 9; t <= 15; t += 2) {
		s = pm32();
		s.cs_ar = 0xc090 | t;
		assert_valid(&s, "accessed code");
	}
	/* type 3 only in real mode */
	s = real_mode();
	s.cs_ar = 0x9b;
	assert_valid(&s, "real mode with a code CS");
	s.cr0 |= CR0_PE;
	s.cs_ar = AR_REAL_DATA;
	s.ss_ar = AR_DATA;
	assert_one(&s, "  CS type 3 (AR 0x93) is not accessed code\n");

	s = pm32();
	s.cs_ar = AR_CODE32 | UNUSABLE;
	assert_one(&s, "  CS unusable (AR 0x1c09b)\n");
	s = long64();
	s.cs_ar = 0xe09b; /* L and D */
	assert_one(&s, "  CS.L and CS.D both set (AR 0xe09b)\n");
}

static void test_ss(void **state)
{
	struct entry_state s = real_mode();

	s.ss_ar = 0xf3; /* DPL 3 */
	assert_one(&s, "  SS.DPL 3 must be 0 in real mode\n");
	s = pm32();
	s.ss_ar = 0xc09b; /* code */
	assert_one(&s, "  SS type 11 (AR 0xc09b) is not writable data\n");
	s.ss_ar = 0xc091; /* read-only data */
	assert_one(&s, "  SS type 1 (AR 0xc091) is not writable data\n");
	s.ss_ar = 0xc097; /* expand-down, writable */
	assert_valid(&s, "expand-down stack");
	/* HLT needs SS.DPL 0 */
	s = pm32();
	s.ss_ar = 0xc0f3;
	s.activity = 1;
	assert_one(&s, "  HLT activity state needs SS.DPL 0\n");
}

static void test_tr_and_ldtr(void **state)
{
	struct entry_state s = pm32();

	s.tr_ar = AR_TSS32_BUSY | UNUSABLE;
	assert_one(&s, "  TR must be a usable busy TSS (AR 0x1008b)\n");
	s.tr_ar = 0x89; /* available, not busy */
	assert_one(&s, "  TR must be a usable busy TSS (AR 0x89)\n");
	s = long64();
	s.tr_ar = 0x83; /* 16-bit TSS in IA-32e mode */
	assert_one(&s, "  TR must be a usable busy TSS (AR 0x83)\n");

	s = pm32();
	s.ldtr_ar = 0x89;
	assert_one(&s, "  LDTR usable but not an LDT (AR 0x89)\n");
	s.ldtr_ar = 0x89 | UNUSABLE;
	assert_valid(&s, "unusable LDTR of any type");
}

/* ---- activity and link pointer ------------------------------------------- */

static void test_activity_and_link(void **state)
{
	struct entry_state s = long64();

	s.activity = 5;
	assert_one(&s, "  activity state 5 is not 0-3\n");
	s.activity = 4;
	assert_one_with(&s, "activity state 4 is not 0-3");
	s = long64();
	s.link_pointer = 0;
	assert_one(&s, "  VMCS link pointer 0 is not all ones\n");
	s.link_pointer = 0x12345000;
	assert_one(&s, "  VMCS link pointer 0x12345000 is not all ones\n");
}

/* ---- several rules, and short buffers ------------------------------------ */

static struct entry_state many_broken(void)
{
	struct entry_state s = pm32();

	s.cr4 = 0;		   /* 1 */
	s.rflags = 0;		   /* 2 */
	s.cs_ar = AR_DATA;	   /* 3 */
	s.ldtr_ar = 0x89;	   /* 4 */
	s.activity = 7;		   /* 5 */
	s.link_pointer = 0x1000;   /* 6 */
	return s;
}

static void test_several_rules(void **state)
{
	struct entry_state s = many_broken();
	char out[OUT_SIZE];

	assert_int_equal(check(&s, out), 6);
	assert_int_equal(count_lines(out), 6);
	/* in the order of the checks */
	assert_string_equal(
		out,
		"  CR4 0 breaks IA32_VMX_CR4_FIXED0/1 (0x2000/0x3767ff)\n"
		"  RFLAGS 0: reserved bits wrong (bit 1 must be 1; 3, 5, 15, "
		"22-63 must be 0)\n"
		"  CS type 3 (AR 0xc093) is not accessed code\n"
		"  LDTR usable but not an LDT (AR 0x89)\n"
		"  activity state 7 is not 0-3\n"
		"  VMCS link pointer 0x1000 is not all ones\n");
}

static void test_short_buffers(void **state)
{
	struct entry_state s = many_broken();
	char full[OUT_SIZE];
	size_t len;

	assert_int_equal(check(&s, full), 6);
	len = strlen(full);
	for (size_t size = 0; size <= len + 2; size++) {
		char buf[OUT_SIZE + 16];

		memset(buf, '#', sizeof(buf));
		assert_int_equal(entry_check(&s, buf, size), 6);
		/* nothing written past size */
		for (size_t i = size; i < size + 16; i++)
			if (buf[i] != '#')
				fail_msg("size %zu: byte %zu written", size, i);
		if (!size)
			continue;
		/* a NUL-terminated prefix of the full text */
		size_t got = strlen(buf);
		assert_int_equal(got, size - 1 < len ? size - 1 : len);
		assert_memory_equal(buf, full, got);
	}
	/* no buffer at all */
	assert_int_equal(entry_check(&s, NULL, 0), 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_states),
		cmocka_unit_test(test_cr0),
		cmocka_unit_test(test_cr4),
		cmocka_unit_test(test_ia32e_mode),
		cmocka_unit_test(test_rflags),
		cmocka_unit_test(test_interruptibility),
		cmocka_unit_test(test_cs),
		cmocka_unit_test(test_ss),
		cmocka_unit_test(test_tr_and_ldtr),
		cmocka_unit_test(test_activity_and_link),
		cmocka_unit_test(test_several_rules),
		cmocka_unit_test(test_short_buffers),
	};

	return cmocka_run_group_tests_name("entry_check", tests, NULL, NULL);
}
