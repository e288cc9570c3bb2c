/* SPDX-License-Identifier: MIT */
/* SDM Vol. 3A, chapter 5 (paging): tables 5-4 to 5-20. */
#include "vmx/gwalk.h"

#include "lib/errno.h"

#define CR0_PG (1ull << 31)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define EFER_LMA (1ull << 10)
#define P 1ull
#define PS (1ull << 7)
#define ADDR 0x000ffffffffff000ull

static int entry(const struct gwalk *w, uint64_t table, unsigned idx,
		 unsigned size, uint64_t *e)
{
	uint32_t e32;

	*e = 0;
	if (size == 4) {
		if (w->read(w->ctx, table + idx * 4, &e32, 4))
			return -EFAULT;
		*e = e32;
	} else if (w->read(w->ctx, table + idx * 8, e, 8)) {
		return -EFAULT;
	}
	return *e & P ? 0 : -EFAULT;
}

static int walk32(const struct gwalk *w, uint32_t gla, uint64_t *gpa)
{
	uint64_t pde, pte;

	if (entry(w, w->cr3 & 0xfffff000, gla >> 22, 4, &pde))
		return -EFAULT;
	if ((pde & PS) && (w->cr4 & CR4_PSE)) { /* 4 MiB, PSE-36 high bits */
		*gpa = (pde & 0xffc00000) | ((pde >> 13) & 0xff) << 32 |
		       (gla & 0x3fffff);
		return 0;
	}
	if (entry(w, pde & 0xfffff000, (gla >> 12) & 0x3ff, 4, &pte))
		return -EFAULT;
	*gpa = (pte & 0xfffff000) | (gla & 0xfff);
	return 0;
}

/* From a table at `level` (3 = PDPT, 2 = PD, 1 = PT) down to the page. */
static int walk64(const struct gwalk *w, uint64_t table, unsigned level,
		  uint64_t gla, uint64_t *gpa)
{
	for (;; level--) {
		unsigned shift = 12 + 9 * (level - 1);
		uint64_t e;

		if (entry(w, table, (gla >> shift) & 0x1ff, 8, &e))
			return -EFAULT;
		if (level == 1 || (level <= 3 && (e & PS))) {
			uint64_t size = 1ull << shift;
			*gpa = (e & ADDR & ~(size - 1)) | (gla & (size - 1));
			return 0;
		}
		table = e & ADDR;
	}
}

int gwalk_translate(const struct gwalk *w, uint64_t gla, uint64_t *gpa)
{
	uint64_t e;

	if (!(w->cr0 & CR0_PG)) {
		*gpa = w->efer & EFER_LMA ? gla : (uint32_t)gla;
		return 0;
	}
	if (!(w->cr4 & CR4_PAE))
		return walk32(w, (uint32_t)gla, gpa);
	if (!(w->efer & EFER_LMA)) {
		e = w->pdpte[((uint32_t)gla >> 30) & 3];
		if (!(e & P))
			return -EFAULT;
		return walk64(w, e & ADDR, 2, (uint32_t)gla, gpa);
	}
	if (entry(w, w->cr3 & ADDR, (gla >> 39) & 0x1ff, 8, &e))
		return -EFAULT;
	return walk64(w, e & ADDR, 3, gla, gpa);
}

int gwalk_read(const struct gwalk *w, uint64_t gla, void *buf, unsigned len)
{
	uint8_t *out = buf;

	while (len) {
		unsigned chunk = 4096 - (gla & 0xfff);
		uint64_t gpa;

		if (chunk > len)
			chunk = len;
		if (gwalk_translate(w, gla, &gpa) ||
		    w->read(w->ctx, gpa, out, chunk))
			return -EFAULT;
		gla += chunk;
		out += chunk;
		len -= chunk;
	}
	return 0;
}
