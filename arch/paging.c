/* SPDX-License-Identifier: MIT */
#include "arch/paging.h"

#include <stdbool.h>

#include "arch/mm.h"
#include "arch/msr.h"
#include "arch/percpu.h"
#include "arch/x86.h"
#include "ept/pt.h"
#include "lib/console.h"
#include "lib/errno.h"

#define GiB (1ull << 30)
/* Host page tables stay below 4 GiB: APs load CR3 in 32-bit mode. */
#define TABLE_LIMIT (4 * GiB)

static struct pt_format x86_format = {
	.name = "x86-64",
	.present = PTE_P,
	.table_flags = PTE_P | PTE_W,
	.large = PTE_PS,
	.max_leaf_level = 2,
};

static uint64_t table_alloc(void *ctx)
{
	(void)ctx;
	return page_alloc_below(1, TABLE_LIMIT);
}

static void table_free(void *ctx, uint64_t pa)
{
	(void)ctx;
	page_free(pa, 1);
}

static void *table_virt(void *ctx, uint64_t pa)
{
	(void)ctx;
	return phys_to_virt(pa);
}

static const struct pt_env env = { table_alloc, table_free, table_virt, 0 };
static struct pt host_pt;
static uint64_t nx_mask = PTE_NX;
static uint64_t limit;

static uint64_t fix(uint64_t flags) { return flags & (~PTE_NX | nx_mask); }

static void flush(uint64_t va, uint64_t size)
{
	if (read_cr3() != host_pt.root)
		return;
	if (size > 64 * 4096) {
		write_cr3(read_cr3());
		return;
	}
	for (uint64_t a = va; a < va + size; a += 4096)
		invlpg(a);
}

int paging_map(uint64_t pa, uint64_t size, uint64_t flags)
{
	int r = pt_map(&host_pt, pa, pa, size, fix(flags));

	flush(pa, size);
	return r;
}

int paging_unmap(uint64_t va, uint64_t size)
{
	int r = pt_unmap(&host_pt, va, size);

	flush(va, size);
	return r;
}

uint64_t paging_cr3(void) { return host_pt.root; }
uint64_t paging_limit(void) { return limit; }

static int map_image(void)
{
	uint64_t t0 = (uint64_t)__text_start, t1 = (uint64_t)__text_end;
	uint64_t r0 = (uint64_t)__rodata_start, r1 = (uint64_t)__rodata_end;
	uint64_t d0 = (uint64_t)__data_start, d1 = (uint64_t)__bss_end;
	int r;

	r = paging_map(t0, t1 - t0, PAGE_RX);
	if (!r)
		r = paging_map(r0, r1 - r0, PAGE_RO);
	if (!r)
		r = paging_map(d0, ((d1 + 4095) & ~4095ull) - d0, PAGE_RW);
	return r;
}

static int map_memory(const struct boot_info *bi)
{
	int r;

	/* RAM and ACPI memory; reserved ranges above 4 GiB (MMIO holes,
	 * possibly huge) are mapped when a driver asks for them. */
	limit = 4 * GiB;
	for (unsigned i = 0; i < bi->n_mem; i++)
		if (bi->mem[i].type != BI_MEM_RESERVED &&
		    bi->mem[i].base + bi->mem[i].len > limit)
			limit = bi->mem[i].base + bi->mem[i].len;
	limit = (limit + GiB - 1) & ~(GiB - 1);
	r = paging_map(0, limit, PAGE_MMIO);
	for (unsigned i = 0; !r && i < bi->n_mem; i++) {
		const struct bi_mem *m = &bi->mem[i];
		uint64_t s = (m->base + 4095) & ~4095ull;
		uint64_t e = (m->base + m->len) & ~4095ull;

		if (m->type == BI_MEM_USABLE && e > s)
			r = paging_map(s, e - s, PAGE_RW);
	}
	return r;
}

/* W^X: no leaf may be both writable and executable. */
static int check_wx_leaf(void *ctx, const struct pt_leaf *l)
{
	(void)ctx;
	if ((l->flags & PTE_W) && !(l->flags & PTE_NX)) {
		pr_err("paging: W+X mapping at %#llx (%llu bytes)\n",
		       (unsigned long long)l->va, (unsigned long long)l->size);
		return -EFAULT;
	}
	return 0;
}

static int unmap_guards(void)
{
	struct cpu *c = this_cpu();
	int r = paging_unmap(0, 4096); /* catch NULL dereferences */

	if (!r)
		r = paging_unmap(c->stack.guard, 4096);
	for (int i = 0; !r && i < IST_COUNT; i++)
		r = paging_unmap(c->ist[i].guard, 4096);
	return r;
}

int paging_init(const struct boot_info *bi)
{
	struct cpuid_regs ext = cpuid(0x80000001, 0);
	int r;

	if (!(ext.edx & (1u << 20)))
		nx_mask = 0;
	if (ext.edx & (1u << 26))
		x86_format.max_leaf_level = 3;
	r = pt_init(&host_pt, &x86_format, &env);
	if (!r)
		r = map_memory(bi);
	if (!r)
		r = map_image();
	if (!r)
		r = unmap_guards();
	if (r)
		return r;
	if (nx_mask)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	write_cr0(read_cr0() | CR0_WP);
	write_cr3(host_pt.root);
	if (!nx_mask) {
		pr_warn("paging: CPU has no NX bit, W^X not enforced\n");
		return 0;
	}
	r = pt_for_each_leaf(&host_pt, check_wx_leaf, 0);
	if (!r)
		pr_info("paging: identity map up to %#llx, %s pages, W^X "
			"verified\n",
			(unsigned long long)limit,
			x86_format.max_leaf_level == 3 ? "1G" : "2M");
	return r;
}
