/* SPDX-License-Identifier: MIT */
#include "ept/pt.h"

#include "lib/errno.h"

#define IDX(va, level) (((va) >> (12 + 9 * ((level)-1))) & 0x1ff)
#define VA_LIMIT (1ull << 48)
#define PA_LIMIT (1ull << 52)

static uint64_t *table(const struct pt *pt, uint64_t pa)
{
	return pt->env->virt(pt->env->ctx, pa & PT_ADDR_MASK);
}

static bool present(const struct pt *pt, uint64_t e)
{
	return e & pt->fmt->present;
}

static bool is_leaf(const struct pt *pt, uint64_t e, unsigned level)
{
	return level == 1 || (e & pt->fmt->large);
}

static uint64_t leaf_flags(const struct pt *pt, uint64_t e)
{
	return e & ~PT_ADDR_MASK & ~pt->fmt->large;
}

static uint64_t make_leaf(const struct pt *pt, uint64_t pa, uint64_t flags,
			  unsigned level)
{
	return (pa & PT_ADDR_MASK) | (flags & ~PT_ADDR_MASK) |
	       (level > 1 ? pt->fmt->large : 0);
}

int pt_init(struct pt *pt, const struct pt_format *fmt,
	    const struct pt_env *env)
{
	pt->fmt = fmt;
	pt->env = env;
	pt->root = env->alloc(env->ctx);
	return pt->root ? 0 : -ENOMEM;
}

static void free_tree(struct pt *pt, uint64_t pa, unsigned level)
{
	uint64_t *t = table(pt, pa);

	for (unsigned i = 0; level > 1 && i < PT_ENTRIES; i++)
		if (present(pt, t[i]) && !is_leaf(pt, t[i], level))
			free_tree(pt, t[i] & PT_ADDR_MASK, level - 1);
	pt->env->free(pt->env->ctx, pa);
}

void pt_destroy(struct pt *pt)
{
	if (pt->root)
		free_tree(pt, pt->root, PT_LEVELS);
	pt->root = 0;
}

/* Replaces the large leaf *e (at level) by a table of 512 smaller leaves
 * with the same translation and flags. */
static int split(struct pt *pt, uint64_t *e, unsigned level)
{
	uint64_t pa = pt->env->alloc(pt->env->ctx), base, flags, step;
	uint64_t *t;

	if (!pa)
		return -ENOMEM;
	t = table(pt, pa);
	base = *e & PT_ADDR_MASK & ~(PT_PAGE_SIZE(level) - 1);
	flags = leaf_flags(pt, *e);
	step = PT_PAGE_SIZE(level - 1);
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		t[i] = make_leaf(pt, base + i * step, flags, level - 1);
	*e = pa | pt->fmt->table_flags;
	return 0;
}

/* Returns the entry for va at target level, creating or splitting tables
 * on the way down; NULL when out of memory. */
static uint64_t *walk_create(struct pt *pt, uint64_t va, unsigned target)
{
	uint64_t *t = table(pt, pt->root);

	for (unsigned level = PT_LEVELS; level > target; level--) {
		uint64_t *e = &t[IDX(va, level)];

		if (!present(pt, *e)) {
			uint64_t pa = pt->env->alloc(pt->env->ctx);
			if (!pa)
				return 0;
			*e = pa | pt->fmt->table_flags;
		} else if (is_leaf(pt, *e, level) && split(pt, e, level)) {
			return 0;
		}
		t = table(pt, *e);
	}
	return &t[IDX(va, target)];
}

static unsigned pick_level(const struct pt *pt, uint64_t va, uint64_t pa,
			   uint64_t size)
{
	for (unsigned level = pt->fmt->max_leaf_level; level > 1; level--) {
		uint64_t ps = PT_PAGE_SIZE(level);
		if (!((va | pa) & (ps - 1)) && size >= ps)
			return level;
	}
	return 1;
}

static bool range_ok(uint64_t va, uint64_t size)
{
	return !(va & 0xfff) && !(size & 0xfff) && size &&
	       va + size <= VA_LIMIT && va + size > va;
}

/* Sets one leaf, freeing a table it replaces. */
static void set_leaf(struct pt *pt, uint64_t *e, uint64_t pa, uint64_t flags,
		     unsigned level)
{
	if (level > 1 && present(pt, *e) && !is_leaf(pt, *e, level))
		free_tree(pt, *e & PT_ADDR_MASK, level - 1);
	*e = make_leaf(pt, pa, flags, level);
}

int pt_map(struct pt *pt, uint64_t va, uint64_t pa, uint64_t size,
	   uint64_t flags)
{
	if (!range_ok(va, size) || (pa & 0xfff) || pa > PA_LIMIT - size ||
	    !(flags & pt->fmt->present))
		return -EINVAL;
	while (size) {
		unsigned level = pick_level(pt, va, pa, size);
		uint64_t ps = PT_PAGE_SIZE(level);
		uint64_t *e = walk_create(pt, va, level);

		if (!e)
			return -ENOMEM;
		/* Fill this table's run of same-sized entries in one walk. */
		do {
			set_leaf(pt, e++, pa, flags, level);
			va += ps;
			pa += ps;
			size -= ps;
		} while (size && IDX(va, level) &&
			 pick_level(pt, va, pa, size) == level);
	}
	return 0;
}

/* Clears what covers [va, end) under the table t at level; large leaves
 * that are only partly covered are split first. */
static int unmap_level(struct pt *pt, uint64_t *t, unsigned level, uint64_t va,
		       uint64_t end)
{
	uint64_t ps = PT_PAGE_SIZE(level);

	while (va < end) {
		uint64_t *e = &t[IDX(va, level)];
		uint64_t start = va & ~(ps - 1), next = start + ps;
		bool whole = start == va && next <= end;
		int r;

		if (!present(pt, *e)) {
			/* nothing here */
		} else if (is_leaf(pt, *e, level) && whole) {
			*e = 0;
		} else if (whole && level > 1) {
			free_tree(pt, *e & PT_ADDR_MASK, level - 1);
			*e = 0;
		} else {
			if (is_leaf(pt, *e, level) && (r = split(pt, e, level)))
				return r;
			r = unmap_level(pt, table(pt, *e), level - 1, va,
					next < end ? next : end);
			if (r)
				return r;
		}
		va = next;
	}
	return 0;
}

int pt_unmap(struct pt *pt, uint64_t va, uint64_t size)
{
	if (!range_ok(va, size))
		return -EINVAL;
	return unmap_level(pt, table(pt, pt->root), PT_LEVELS, va, va + size);
}

int pt_lookup(const struct pt *pt, uint64_t va, struct pt_leaf *leaf)
{
	const uint64_t *t = table(pt, pt->root);

	if (va >= VA_LIMIT)
		return -EINVAL;
	for (unsigned level = PT_LEVELS; level >= 1; level--) {
		uint64_t e = t[IDX(va, level)], ps = PT_PAGE_SIZE(level);

		if (!present(pt, e))
			return -ENODATA;
		if (is_leaf(pt, e, level)) {
			uint64_t base = e & PT_ADDR_MASK & ~(ps - 1);
			leaf->va = va & ~(ps - 1);
			leaf->pa = base + (va & (ps - 1));
			leaf->size = ps;
			leaf->flags = leaf_flags(pt, e);
			leaf->level = level;
			return 0;
		}
		t = table(pt, e);
	}
	return -ENODATA;
}

static int each_leaf(const struct pt *pt, const uint64_t *t, unsigned level,
		     uint64_t va, int (*fn)(void *, const struct pt_leaf *),
		     void *ctx)
{
	uint64_t ps = PT_PAGE_SIZE(level);

	for (unsigned i = 0; i < PT_ENTRIES; i++, va += ps) {
		uint64_t e = t[i];
		int r;

		if (!present(pt, e))
			continue;
		if (is_leaf(pt, e, level)) {
			struct pt_leaf l = { va, e & PT_ADDR_MASK & ~(ps - 1),
					     ps, leaf_flags(pt, e), level };
			r = fn(ctx, &l);
		} else {
			r = each_leaf(pt, table(pt, e), level - 1, va, fn, ctx);
		}
		if (r)
			return r;
	}
	return 0;
}

int pt_for_each_leaf(const struct pt *pt,
		     int (*fn)(void *ctx, const struct pt_leaf *leaf), void *ctx)
{
	return each_leaf(pt, table(pt, pt->root), PT_LEVELS, 0, fn, ctx);
}
