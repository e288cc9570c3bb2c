/* SPDX-License-Identifier: MIT */
#include "arch/mm.h"

#include "ept/pt.h"

#include "lib/console.h"
#include "lib/errno.h"
#include "lib/spinlock.h"
#include "lib/string.h"

static struct pmm pmm;
static spinlock_t lock;

static void *identity(uint64_t pa) { return phys_to_virt(pa); }

static const char *mem_type_name(uint32_t t)
{
	static const char *const names[] = { "?", "usable", "reserved",
					     "ACPI", "ACPI NVS", "bad" };
	return t <= BI_MEM_BAD ? names[t] : "?";
}

int mm_init(const struct boot_info *bi)
{
	struct pmm_range res[BI_MAX_MODULES + 1];
	unsigned n = 0;
	int r;

	res[n++] = (struct pmm_range){ (uint64_t)__image_start,
				       (uint64_t)__image_end };
	for (unsigned i = 0; i < bi->n_mod; i++)
		res[n++] = (struct pmm_range){ bi->mod[i].start, bi->mod[i].end };
	for (unsigned i = 0; i < bi->n_mem; i++)
		pr_info("mem: 0x%012llx-0x%012llx %s\n",
			(unsigned long long)bi->mem[i].base,
			(unsigned long long)(bi->mem[i].base + bi->mem[i].len - 1),
			mem_type_name(bi->mem[i].type));
	r = pmm_init(&pmm, bi->mem, bi->n_mem, res, n, identity);
	if (r)
		return r;
	pr_info("mem: %llu MiB usable, %llu KiB for the page bitmap, "
		"image %#llx-%#llx\n",
		(unsigned long long)(pmm.total_pages >> 8),
		(unsigned long long)(pmm.bitmap_bytes >> 10),
		(unsigned long long)(uint64_t)__image_start,
		(unsigned long long)(uint64_t)__image_end);
	return 0;
}

static uint64_t alloc(uint64_t n, uint64_t align, uint64_t limit)
{
	uint64_t pa;

	spin_lock(&lock);
	pa = pmm_alloc_range(&pmm, n, align,
			     limit <= PMM_LOW_LIMIT ? 0 : PMM_LOW_LIMIT, limit);
	spin_unlock(&lock);
	if (pa)
		memset(phys_to_virt(pa), 0, n * PAGE_SIZE);
	return pa;
}

uint64_t page_alloc_below(uint64_t n, uint64_t limit)
{
	return alloc(n, 1, limit);
}

uint64_t page_alloc_aligned(uint64_t n, uint64_t align)
{
	return alloc(n, align, ~0ull);
}

uint64_t page_alloc(uint64_t n) { return page_alloc_below(n, ~0ull); }

void page_free(uint64_t pa, uint64_t n)
{
	int r;

	spin_lock(&lock);
	r = pmm_free(&pmm, pa, n);
	spin_unlock(&lock);
	if (r)
		pr_err("mm: bad free of %llu pages at %#llx\n",
		       (unsigned long long)n, (unsigned long long)pa);
}

uint64_t mm_free_pages(void) { return pmm.free_pages; }

static uint64_t pt_page_alloc(void *ctx)
{
	(void)ctx;
	return page_alloc(1);
}

static void pt_page_free(void *ctx, uint64_t pa)
{
	(void)ctx;
	page_free(pa, 1);
}

static void *pt_page_virt(void *ctx, uint64_t pa)
{
	(void)ctx;
	return phys_to_virt(pa);
}

const struct pt_env mm_pt_env = { pt_page_alloc, pt_page_free, pt_page_virt,
				  0 };
