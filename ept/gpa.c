/* SPDX-License-Identifier: MIT */
#include "ept/gpa.h"

#include "lib/errno.h"
#include "lib/string.h"

static struct pt_format ept_formats[2] = {
	{ "EPT", EPT_RWX, EPT_RWX, 1ull << 7, 2 },
	{ "EPT", EPT_RWX, EPT_RWX, 1ull << 7, 3 },
};

int gpa_init(struct gpa_space *s, const struct pt_env *env,
	     unsigned max_leaf_level, void *(*virt)(uint64_t hpa))
{
	memset(s, 0, sizeof(*s));
	s->virt = virt;
	return pt_init(&s->ept, &ept_formats[max_leaf_level >= 3], env);
}

void gpa_destroy(struct gpa_space *s)
{
	pt_destroy(&s->ept);
	s->n_ram = s->n_mmio = 0;
}

uint64_t gpa_eptp(const struct gpa_space *s)
{
	return s->ept.root | EPTP_WALK4 | EPTP_WB;
}

static bool overlaps(const struct gpa_space *s, uint64_t gpa, uint64_t size)
{
	for (unsigned i = 0; i < s->n_ram; i++)
		if (gpa < s->ram[i].gpa + s->ram[i].size &&
		    s->ram[i].gpa < gpa + size)
			return true;
	for (unsigned i = 0; i < s->n_mmio; i++)
		if (gpa < s->mmio[i].gpa + s->mmio[i].size &&
		    s->mmio[i].gpa < gpa + size)
			return true;
	return false;
}

static bool range_ok(uint64_t gpa, uint64_t size)
{
	return size && gpa + size > gpa && gpa + size <= (1ull << 48);
}

int gpa_add_ram(struct gpa_space *s, uint64_t gpa, uint64_t hpa,
		uint64_t size)
{
	int r;

	if (!range_ok(gpa, size) || ((gpa | hpa | size) & 0xfff))
		return -EINVAL;
	if (overlaps(s, gpa, size))
		return -EEXIST;
	if (s->n_ram == GPA_MAX_RAM)
		return -ENOSPC;
	r = pt_map(&s->ept, gpa, hpa, size, EPT_RWX | EPT_MT_WB);
	if (r)
		return r;
	s->ram[s->n_ram++] = (struct gpa_ram){ gpa, hpa, size };
	return 0;
}

int gpa_add_mmio(struct gpa_space *s, uint64_t gpa, uint64_t size, mmio_fn fn,
		 void *ctx, const char *name)
{
	if (!range_ok(gpa, size) || !fn)
		return -EINVAL;
	if (overlaps(s, gpa, size))
		return -EEXIST;
	if (s->n_mmio == GPA_MAX_MMIO)
		return -ENOSPC;
	s->mmio[s->n_mmio++] = (struct gpa_mmio){ gpa, size, fn, ctx, name, 0 };
	return 0;
}

int gpa_back_mmio(struct gpa_space *s, uint64_t gpa, uint64_t hpa)
{
	const struct gpa_mmio *m = gpa_find_mmio(s, gpa);

	if (!m || ((gpa | hpa) & 0xfff))
		return -EINVAL;
	return pt_map(&s->ept, gpa, hpa, 0x1000, EPT_R | EPT_W | EPT_MT_WB);
}

int gpa_map_device(struct gpa_space *s, uint64_t gpa, uint64_t hpa,
		   uint64_t size)
{
	if (!range_ok(gpa, size) || ((gpa | hpa | size) & 0xfff))
		return -EINVAL;
	if (overlaps(s, gpa, size))
		return -EEXIST;
	return pt_map(&s->ept, gpa, hpa, size,
		      EPT_R | EPT_W | EPT_MT_UC | EPT_IGNORE_PAT);
}

int gpa_unmap_device(struct gpa_space *s, uint64_t gpa, uint64_t size)
{
	if (!range_ok(gpa, size) || ((gpa | size) & 0xfff) ||
	    overlaps(s, gpa, size))
		return -EINVAL;
	return pt_unmap(&s->ept, gpa, size);
}

const struct gpa_mmio *gpa_find_mmio(const struct gpa_space *s, uint64_t gpa)
{
	for (unsigned i = 0; i < s->n_mmio; i++)
		if (gpa - s->mmio[i].gpa < s->mmio[i].size)
			return &s->mmio[i];
	return 0;
}

void *gpa_to_hva(const struct gpa_space *s, uint64_t gpa, uint64_t len)
{
	for (unsigned i = 0; i < s->n_ram; i++) {
		const struct gpa_ram *r = &s->ram[i];
		uint64_t off = gpa - r->gpa;

		if (gpa >= r->gpa && off < r->size && len <= r->size - off)
			return (uint8_t *)s->virt(r->hpa) + off;
	}
	return 0;
}

int gpa_read(const struct gpa_space *s, uint64_t gpa, void *dst, uint64_t len)
{
	const void *p = gpa_to_hva(s, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(dst, p, len);
	return 0;
}

int gpa_write(const struct gpa_space *s, uint64_t gpa, const void *src,
	      uint64_t len)
{
	void *p = gpa_to_hva(s, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(p, src, len);
	return 0;
}
