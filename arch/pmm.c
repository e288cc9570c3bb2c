/* SPDX-License-Identifier: MIT */
#include "arch/pmm.h"

#include "lib/errno.h"
#include "lib/string.h"

#define BITS 64

static bool bit(const struct pmm *p, uint64_t pfn)
{
	return p->bitmap[pfn / BITS] >> (pfn % BITS) & 1;
}

/* Marks n pages from pfn free or used, a word at a time where it can. */
static void set_range(struct pmm *p, uint64_t pfn, uint64_t n, bool free)
{
	while (n) {
		unsigned sh = pfn % BITS;
		uint64_t cnt = BITS - sh < n ? BITS - sh : n;
		uint64_t m = (cnt == BITS ? ~0ull : ((1ull << cnt) - 1)) << sh;

		if (free)
			p->bitmap[pfn / BITS] |= m;
		else
			p->bitmap[pfn / BITS] &= ~m;
		pfn += cnt;
		n -= cnt;
	}
}

static unsigned popcount(uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555ull);
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (unsigned)((x * 0x0101010101010101ull) >> 56);
}

static uint64_t up(uint64_t a) { return (a + PAGE_SIZE - 1) / PAGE_SIZE; }
static uint64_t down(uint64_t a) { return a / PAGE_SIZE; }

static bool overlaps(uint64_t s, uint64_t e, const struct pmm_range *r,
		     unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (s < r[i].end && r[i].start < e)
			return true;
	return false;
}

/* Does [s, e) touch memory the map calls anything but usable? */
static bool touches_unusable(uint64_t s, uint64_t e, const struct bi_mem *mem,
			     unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (mem[i].type != BI_MEM_USABLE && s < mem[i].base + mem[i].len &&
		    mem[i].base < e)
			return true;
	return false;
}

/* Highest page frame of usable memory, and a place for the bitmap. */
static uint64_t find_bitmap_home(const struct bi_mem *mem, unsigned n_mem,
				 const struct pmm_range *res, unsigned n_res,
				 uint64_t bytes)
{
	for (unsigned i = 0; i < n_mem; i++) {
		uint64_t s, e;

		if (mem[i].type != BI_MEM_USABLE)
			continue;
		s = up(mem[i].base) * PAGE_SIZE;
		if (s < PMM_LOW_LIMIT)
			s = PMM_LOW_LIMIT;
		e = down(mem[i].base + mem[i].len) * PAGE_SIZE;
		for (; s + bytes <= e; s += PAGE_SIZE)
			if (!overlaps(s, s + bytes, res, n_res) &&
			    !touches_unusable(s, s + bytes, mem, n_mem))
				return s;
	}
	return 0;
}

int pmm_init(struct pmm *p, const struct bi_mem *mem, unsigned n_mem,
	     const struct pmm_range *res, unsigned n_res,
	     void *(*virt)(uint64_t pa))
{
	uint64_t top = 0, bytes;

	memset(p, 0, sizeof(*p));
	for (unsigned i = 0; i < n_mem; i++)
		if (mem[i].type == BI_MEM_USABLE &&
		    down(mem[i].base + mem[i].len) > top)
			top = down(mem[i].base + mem[i].len);
	if (!top)
		return -ENOMEM;
	bytes = (top + BITS - 1) / BITS * 8;
	bytes = up(bytes) * PAGE_SIZE;
	p->bitmap_pa = find_bitmap_home(mem, n_mem, res, n_res, bytes);
	if (!p->bitmap_pa)
		return -ENOMEM;
	p->bitmap = virt(p->bitmap_pa);
	p->bitmap_bytes = bytes;
	p->npages = top;
	memset(p->bitmap, 0, bytes);

	/* Free every usable page, then take back what must never be given. */
	for (unsigned i = 0; i < n_mem; i++) {
		uint64_t s = up(mem[i].base), e = down(mem[i].base + mem[i].len);
		if (mem[i].type == BI_MEM_USABLE && e > s)
			set_range(p, s, e - s, true);
	}
	/* A range the map calls both usable and something else is not
	 * usable: firmware maps can overlap. */
	for (unsigned i = 0; i < n_mem; i++) {
		uint64_t s = down(mem[i].base), e = up(mem[i].base + mem[i].len);
		if (mem[i].type != BI_MEM_USABLE && s < top)
			set_range(p, s, (e < top ? e : top) - s, false);
	}
	for (unsigned i = 0; i < n_res; i++) {
		uint64_t s = down(res[i].start), e = up(res[i].end);
		if (s < top && e > s)
			set_range(p, s, (e < top ? e : top) - s, false);
	}
	set_range(p, 0, 1, false);
	set_range(p, down(p->bitmap_pa), bytes / PAGE_SIZE, false);
	for (uint64_t w = 0; w < (top + BITS - 1) / BITS; w++)
		p->free_pages += popcount(p->bitmap[w]);
	p->total_pages = p->free_pages;
	return 0;
}

/* Length of the run of free pages starting at pfn, capped at want. */
static uint64_t free_run(const struct pmm *p, uint64_t pfn, uint64_t want,
			 uint64_t limit)
{
	uint64_t n = 0;

	while (n < want && pfn + n < limit && bit(p, pfn + n))
		n++;
	return n;
}

uint64_t pmm_alloc_range(struct pmm *p, uint64_t npages, uint64_t align,
			 uint64_t min, uint64_t max)
{
	uint64_t lo = down(min) + (min % PAGE_SIZE != 0), hi = down(max), pfn;

	if (!npages || !align || (align & (align - 1)))
		return 0;
	if (hi > p->npages)
		hi = p->npages;
	if (lo == 0)
		lo = 1;
	pfn = (lo + align - 1) & ~(align - 1);
	while (pfn <= hi && npages <= hi - pfn) { /* no wrap */
		uint64_t run;

		if (!p->bitmap[pfn / BITS] && !(pfn % BITS) && align <= BITS) {
			pfn += BITS; /* a whole word in use */
			continue;
		}
		run = free_run(p, pfn, npages, hi);
		if (run == npages) {
			set_range(p, pfn, npages, false);
			p->free_pages -= npages;
			return pfn * PAGE_SIZE;
		}
		pfn = (pfn + run + 1 + align - 1) & ~(align - 1);
	}
	return 0;
}

int pmm_free(struct pmm *p, uint64_t pa, uint64_t npages)
{
	uint64_t pfn = pa / PAGE_SIZE;

	if (pa % PAGE_SIZE || pfn + npages > p->npages || pfn + npages < pfn)
		return -EINVAL;
	for (uint64_t i = 0; i < npages; i++)
		if (bit(p, pfn + i))
			return -EINVAL;
	set_range(p, pfn, npages, true);
	p->free_pages += npages;
	return 0;
}

bool pmm_is_free(const struct pmm *p, uint64_t pa)
{
	uint64_t pfn = pa / PAGE_SIZE;

	return pfn < p->npages && bit(p, pfn);
}
