/* SPDX-License-Identifier: MIT */
/*
 * vmx/gwalk.c: the guest's page tables walked in software, for every
 * paging mode (SDM Vol. 3A, 5.3-5.5). The guest's tables live in a fake
 * guest-physical memory below.
 */
#include "unit.h"

#include <stdbool.h>

#include "lib/errno.h"
#include "vmx/gwalk.h"

#define CR0_PE (1ull << 0)
#define CR0_PG (1ull << 31)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define P 0x1ull
#define RW 0x2ull
#define US 0x4ull
#define PS 0x80ull
#define PAT_4M (1ull << 12) /* PAT bit of a 4 MiB PDE, not address */
#define XD (1ull << 63)

/* ---- guest-physical memory ----------------------------------------------- */

#define MEM_SIZE (8u << 20)

struct mem {
	uint8_t *b;
	uint64_t fail_gpa; /* a read touching this address fails; ~0: none */
	unsigned reads;
};

static struct mem mem;

static int mem_read(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
	struct mem *m = ctx;

	m->reads++;
	if (gpa >= MEM_SIZE || len > MEM_SIZE - gpa)
		return -1;
	if (m->fail_gpa >= gpa && m->fail_gpa < gpa + len)
		return -1;
	memcpy(buf, m->b + gpa, len);
	return 0;
}

static void put32(uint64_t gpa, uint32_t v)
{
	assert_true(gpa + 4 <= MEM_SIZE);
	memcpy(mem.b + gpa, &v, 4);
}

static void put64(uint64_t gpa, uint64_t v)
{
	assert_true(gpa + 8 <= MEM_SIZE);
	memcpy(mem.b + gpa, &v, 8);
}

static int setup(void **state)
{
	mem.b = calloc(1, MEM_SIZE);
	assert_non_null(mem.b);
	mem.fail_gpa = ~0ull;
	mem.reads = 0;
	return 0;
}

static int teardown(void **state)
{
	free(mem.b);
	return 0;
}

static struct gwalk walker(uint64_t cr0, uint64_t cr3, uint64_t cr4,
			   uint64_t efer)
{
	return (struct gwalk){ .cr0 = cr0, .cr3 = cr3, .cr4 = cr4,
			       .efer = efer, .read = mem_read, .ctx = &mem };
}

static void assert_xlate(const struct gwalk *w, uint64_t gla, uint64_t want)
{
	uint64_t gpa = 0xbad;
	int r = gwalk_translate(w, gla, &gpa);

	if (r)
		fail_msg("gla %#llx: error %d, expected gpa %#llx",
			 (unsigned long long)gla, r, (unsigned long long)want);
	if (gpa != want)
		fail_msg("gla %#llx -> gpa %#llx, expected %#llx",
			 (unsigned long long)gla, (unsigned long long)gpa,
			 (unsigned long long)want);
}

static void assert_fault(const struct gwalk *w, uint64_t gla)
{
	uint64_t gpa;

	assert_int_equal(gwalk_translate(w, gla, &gpa), -EFAULT);
}

/* ---- paging off ---------------------------------------------------------- */

static void test_paging_off(void **state)
{
	struct gwalk real = walker(0, 0xdead000, 0, 0);
	struct gwalk prot = walker(CR0_PE, 0, CR4_PAE | CR4_PSE, 0);
	struct gwalk lma = walker(CR0_PE, 0, 0, EFER_LMA);

	assert_xlate(&real, 0x7c00, 0x7c00);
	assert_xlate(&prot, 0xfee00000, 0xfee00000);
	/* without IA-32e mode, addresses are 32 bits */
	assert_xlate(&prot, 0x123456789abcull, 0x56789abc);
	assert_xlate(&real, 0x100000000ull, 0);
	/* with EFER.LMA the whole value is used */
	assert_xlate(&lma, 0x123456789abcull, 0x123456789abcull);
	assert_int_equal(mem.reads, 0);
}

/* ---- 32-bit paging (SDM 5.3) --------------------------------------------- */

#define PD32 0x1000
#define PT32 0x2000
#define PT32_PS 0x3000

static struct gwalk paging32(uint64_t cr4)
{
	put32(PD32 + 0x12 * 4, PT32 | P | RW);
	put32(PT32 + 0x34 * 4, 0x00345000 | P | RW | US);
	put32(PT32 + 0x35 * 4, 0xfffff000 | P);
	/* PS set: a 4 MiB page with PSE, else a page table */
	put32(PD32 + 0x80 * 4,
	      0x40000000 | (0x0full << 13) | PAT_4M | PS | P);
	put32(PD32 + 0x81 * 4, PT32_PS | PS | P);
	put32(PT32_PS + 0x5 * 4, 0x00abc000 | P);
	/* PDE 0x13 and PTE 0x36 stay not present */
	return walker(CR0_PE | CR0_PG, PD32 | 0x18 /* PWT, PCD */, cr4, 0);
}

static void test_32bit_4k_pages(void **state)
{
	struct gwalk w = paging32(0);

	assert_xlate(&w, 0x12 << 22 | 0x34 << 12 | 0x567, 0x345567);
	assert_xlate(&w, 0x12 << 22 | 0x35 << 12 | 0xfff, 0xffffffff);
	/* bits 63:32 of the address are not used */
	assert_xlate(&w, 0xffffffff00000000ull | 0x12 << 22 | 0x34 << 12,
		     0x345000);
	assert_fault(&w, 0x13 << 22);
	assert_fault(&w, 0x12 << 22 | 0x36 << 12);
}

static void test_32bit_pse_pages(void **state)
{
	struct gwalk w = paging32(CR4_PSE);

	/* 4 MiB page; PDE bits 20:13 are address bits 39:32 (PSE-36) */
	assert_xlate(&w, 0x80u << 22 | 0x123456, 0xf40123456ull);
	assert_xlate(&w, 0x80u << 22 | 0x3fffff, 0xf403fffffull);
	/* 4K pages still work beside it */
	assert_xlate(&w, 0x12 << 22 | 0x34 << 12 | 0x567, 0x345567);
	/* PDE 0x81 is a 4 MiB page too: its table address 0x3000 is not
	 * followed, and its bit 13 is address bit 32 */
	assert_xlate(&w, 0x81u << 22 | 0x5123, 0x100005123ull);
	assert_xlate(&w, 0x81u << 22 | 0x6000, 0x100006000ull);
}

static void test_32bit_ps_ignored_without_pse(void **state)
{
	struct gwalk w = paging32(0);

	/* CR4.PSE clear: PS is ignored and the PDE points to a page table */
	assert_xlate(&w, 0x81u << 22 | 0x5123, 0xabc123);
	assert_fault(&w, 0x81u << 22 | 0x6000);
	/* the "4 MiB" entry is read as a table at 0x40000000: beyond the
	 * memory, so the read fails */
	assert_fault(&w, 0x80u << 22 | 0x123456);
}

/* ---- PAE paging (SDM 5.4) ------------------------------------------------ */

#define PD_PAE 0x4000
#define PT_PAE 0x5000

static struct gwalk paging_pae(void)
{
	/* CR3 points nowhere: the PDPTEs come from the struct */
	struct gwalk w = walker(CR0_PE | CR0_PG, 0x7fffffe0, CR4_PAE, 0);

	w.pdpte[1] = PD_PAE | P;
	w.pdpte[3] = PD_PAE | P; /* two PDPTEs may share a directory */
	put64(PD_PAE + 5 * 8, 0x1234400000ull | PS | RW | P);
	put64(PD_PAE + 6 * 8, PT_PAE | RW | P);
	put64(PT_PAE + 7 * 8, 0x777000 | XD | P);
	put64(PT_PAE + 8 * 8, 0x000ffffffffff000ull | P);
	return w;
}

static void test_pae(void **state)
{
	struct gwalk w = paging_pae();

	/* 2 MiB page */
	assert_xlate(&w, 1u << 30 | 5 << 21 | 0x12345, 0x1234412345ull);
	assert_xlate(&w, 3u << 30 | 5 << 21 | 0x1fffff, 0x12345fffffull);
	/* 4 KiB page; XD is not address */
	assert_xlate(&w, 1u << 30 | 6 << 21 | 7 << 12 | 0xabc, 0x777abc);
	/* 52-bit physical addresses */
	assert_xlate(&w, 1u << 30 | 6 << 21 | 8 << 12 | 0x10,
		     0x000ffffffffff010ull);
	/* 32-bit linear addresses */
	assert_xlate(&w, 0xabcd00000000ull | 1u << 30 | 5 << 21, 0x1234400000ull);
	/* not present: PDPTE, PDE, PTE */
	assert_fault(&w, 0);
	assert_fault(&w, 2u << 30);
	assert_fault(&w, 1u << 30 | 4 << 21);
	assert_fault(&w, 1u << 30 | 6 << 21 | 9 << 12);
}

/* ---- 4-level paging (SDM 5.5) -------------------------------------------- */

#define PML4 0x10000
#define PDPT 0x11000
#define PD 0x12000
#define PT 0x13000
#define HIGH 0xffffff8000000000ull /* PML4 entry 511 */

static struct gwalk paging_long(void)
{
	put64(PML4 + 511 * 8, PDPT | RW | P);
	put64(PML4 + 1 * 8, PDPT | RW | P);
	put64(PDPT + 3 * 8, 0x140000000ull | PS | P);	     /* 1 GiB */
	put64(PDPT + 4 * 8, PD | RW | P);
	put64(PD + 9 * 8, 0x7fe00000ull | PS | XD | P);	     /* 2 MiB */
	put64(PD + 10 * 8, PT | RW | P);
	put64(PT + 0x1ff * 8, 0x000ffffffffff000ull | XD | P); /* 4 KiB */
	put64(PT + 0x100 * 8, 0x123000 | P);
	/* CR3 with PCID bits set below the table address */
	return walker(CR0_PE | CR0_PG, PML4 | 0x5, CR4_PAE,
		      EFER_LME | EFER_LMA);
}

static uint64_t gla4(uint64_t base, unsigned pdpt, unsigned pd, unsigned pt,
		     unsigned off)
{
	return base | (uint64_t)pdpt << 30 | (uint64_t)pd << 21 |
	       (uint64_t)pt << 12 | off;
}

static void test_long_mode(void **state)
{
	struct gwalk w = paging_long();

	/* 1 GiB page, through PML4 entry 511 and entry 1 */
	assert_xlate(&w, gla4(HIGH, 3, 0, 0, 0), 0x140000000ull);
	assert_xlate(&w, gla4(HIGH, 3, 0x1ff, 0x1ff, 0xfff), 0x17fffffffull);
	assert_xlate(&w, gla4(1ull << 39, 3, 7, 9, 0x42),
		     0x140000000ull + (7 << 21) + (9 << 12) + 0x42);
	/* 2 MiB page */
	assert_xlate(&w, gla4(HIGH, 4, 9, 0x55, 0x123), 0x7fe55123ull);
	/* 4 KiB pages */
	assert_xlate(&w, gla4(HIGH, 4, 10, 0x1ff, 0xff8), 0x000ffffffffffff8ull);
	assert_xlate(&w, gla4(1ull << 39, 4, 10, 0x100, 0x1), 0x123001);
	/* not present at each level */
	assert_fault(&w, gla4(0, 3, 0, 0, 0));		   /* PML4E */
	assert_fault(&w, gla4(HIGH, 2, 0, 0, 0));	   /* PDPTE */
	assert_fault(&w, gla4(HIGH, 4, 8, 0, 0));	   /* PDE */
	assert_fault(&w, gla4(HIGH, 4, 10, 0x1fe, 0));	   /* PTE */
}

/* A read of the tables that fails is a fault, at each level. */
static void test_table_read_fails(void **state)
{
	struct gwalk w = paging_long();
	uint64_t gla = gla4(HIGH, 4, 10, 0x100, 0);
	const uint64_t entries[] = { PML4 + 511 * 8, PDPT + 4 * 8, PD + 10 * 8,
				     PT + 0x100 * 8 };

	assert_xlate(&w, gla, 0x123000);
	for (unsigned i = 0; i < ARRAY_SIZE(entries); i++) {
		mem.fail_gpa = entries[i];
		assert_fault(&w, gla);
	}
	mem.fail_gpa = PT + 0x101 * 8; /* a neighbour does not matter */
	assert_xlate(&w, gla, 0x123000);

	/* 32-bit paging too */
	w = paging32(0);
	mem.fail_gpa = PD32 + 0x12 * 4;
	assert_fault(&w, 0x12 << 22 | 0x34 << 12);
	mem.fail_gpa = PT32 + 0x34 * 4;
	assert_fault(&w, 0x12 << 22 | 0x34 << 12);
}

/* ---- reading through the tables ------------------------------------------ */

#define DATA_A 0x300000 /* backs linear page 0x400000 */
#define DATA_B 0x200000 /* backs linear page 0x401000 */
#define DATA_C 0x250000 /* backs linear page 0x402000 */

static struct gwalk three_pages(void)
{
	put64(PML4, PDPT | P);
	put64(PDPT, PD | P);
	put64(PD + 2 * 8, PT | P);
	put64(PT + 0 * 8, DATA_A | P);
	put64(PT + 1 * 8, DATA_B | P);
	put64(PT + 2 * 8, DATA_C | P);
	for (unsigned i = 0; i < 4096; i++) {
		mem.b[DATA_A + i] = (uint8_t)i;
		mem.b[DATA_B + i] = (uint8_t)(0x80 + i);
		mem.b[DATA_C + i] = 0xcc;
	}
	return walker(CR0_PE | CR0_PG, PML4, CR4_PAE, EFER_LME | EFER_LMA);
}

static void test_read_across_pages(void **state)
{
	struct gwalk w = three_pages();
	uint8_t buf[8200];

	/* 8 bytes before the boundary, 8 after, from different frames */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(gwalk_read(&w, 0x400ff8, buf, 16), 0);
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(buf[i], (uint8_t)(0xff8 + i));
		assert_int_equal(buf[8 + i], (uint8_t)(0x80 + i));
	}
	/* within one page */
	assert_int_equal(gwalk_read(&w, 0x401010, buf, 4), 0);
	assert_memory_equal(buf, ((uint8_t[]){ 0x90, 0x91, 0x92, 0x93 }), 4);
	/* three pages */
	assert_int_equal(gwalk_read(&w, 0x400ffe, buf, 8194), 0);
	assert_int_equal(buf[0], 0xfe);
	assert_int_equal(buf[1], 0xff);
	assert_int_equal(buf[2], 0x80);
	assert_int_equal(buf[4097], (uint8_t)(0x80 + 4095));
	assert_int_equal(buf[4098], 0xcc);
	assert_int_equal(buf[8193], 0xcc);
	/* one byte more needs a fourth page, which is not present */
	assert_int_equal(gwalk_read(&w, 0x400ffe, buf, 8195), -EFAULT);
	/* nothing to read */
	mem.reads = 0;
	assert_int_equal(gwalk_read(&w, 0x12345678, buf, 0), 0);
	assert_int_equal(mem.reads, 0);
}

static void test_read_faults(void **state)
{
	struct gwalk w = three_pages();
	uint8_t buf[16];

	/* the next page is not present */
	put64(PT + 1 * 8, DATA_B);
	assert_int_equal(gwalk_read(&w, 0x400ff8, buf, 8), 0);
	assert_int_equal(gwalk_read(&w, 0x400ff8, buf, 9), -EFAULT);
	put64(PT + 1 * 8, DATA_B | P);
	/* the data read itself fails */
	mem.fail_gpa = DATA_B + 3;
	assert_int_equal(gwalk_read(&w, 0x400ff8, buf, 11), 0);
	assert_int_equal(gwalk_read(&w, 0x400ff8, buf, 12), -EFAULT);
	assert_int_equal(gwalk_read(&w, 0x401000, buf, 16), -EFAULT);
	assert_int_equal(gwalk_read(&w, 0x401004, buf, 16), 0);
	/* a table read fails */
	mem.fail_gpa = PD + 2 * 8;
	assert_int_equal(gwalk_read(&w, 0x400000, buf, 1), -EFAULT);
	/* the frame is beyond guest memory */
	mem.fail_gpa = ~0ull;
	put64(PT + 2 * 8, 0x10000000ull | P);
	assert_int_equal(gwalk_read(&w, 0x401ffc, buf, 4), 0);
	assert_int_equal(gwalk_read(&w, 0x401ffc, buf, 5), -EFAULT);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_paging_off),
		T(test_32bit_4k_pages),
		T(test_32bit_pse_pages),
		T(test_32bit_ps_ignored_without_pse),
		T(test_pae),
		T(test_long_mode),
		T(test_table_read_fails),
		T(test_read_across_pages),
		T(test_read_faults),
	};

	return cmocka_run_group_tests_name("gwalk", tests, NULL, NULL);
}
