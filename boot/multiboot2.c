/* SPDX-License-Identifier: MIT */
/* Multiboot2 information → struct boot_info. Pure: it reads only the
 * bytes it is given, never past avail, and trusts no size field. */
#include "boot/multiboot2.h"

#include "boot/efi.h"

#include <stdbool.h>

#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"
#include "lib/unaligned.h"

struct parser {
	const uint8_t *base;
	uint32_t total;
	struct boot_info *bi;
	char *err;
	size_t errlen;
};

static int fail(struct parser *p, const char *what, uint32_t type,
		uint32_t off)
{
	ksnprintf(p->err, p->errlen, "multiboot2: tag type %u at offset %u: %s",
		  type, off, what);
	return -EINVAL;
}

static int fail_header(struct parser *p, const char *what)
{
	ksnprintf(p->err, p->errlen, "multiboot2: %s", what);
	return -EINVAL;
}

/* Copies a string that must be NUL-terminated within [s, s + max). */
static bool copy_str(char *dst, size_t dstlen, const uint8_t *s, size_t max)
{
	for (size_t i = 0; i < max; i++) {
		if (!s[i]) {
			str_copy(dst, (const char *)s, dstlen);
			return true;
		}
	}
	return false;
}

static int tag_module(struct parser *p, const uint8_t *t, uint32_t size,
		      uint32_t off)
{
	struct bi_module *m;
	uint32_t start, end;

	if (size < 17)
		return fail(p, "module tag too short", 3, off);
	start = get_le32(t + 8);
	end = get_le32(t + 12);
	if (end < start)
		return fail(p, "module ends before it starts", 3, off);
	if (p->bi->n_mod == BI_MAX_MODULES)
		return fail(p, "too many modules", 3, off);
	m = &p->bi->mod[p->bi->n_mod];
	if (!copy_str(m->cmdline, sizeof(m->cmdline), t + 16, size - 16))
		return fail(p, "module string not terminated", 3, off);
	m->start = start;
	m->end = end;
	p->bi->n_mod++;
	return 0;
}

static int tag_mmap(struct parser *p, const uint8_t *t, uint32_t size,
		    uint32_t off)
{
	uint32_t esize;

	if (size < 16)
		return fail(p, "memory map tag too short", 6, off);
	esize = get_le32(t + 8);
	if (esize < 24 || esize % 8)
		return fail(p, "bad memory map entry size", 6, off);
	if (p->bi->efi_mmap)
		return 0; /* the EFI map, seen first, says more */
	p->bi->n_mem = 0;
	for (uint32_t e = 16; esize <= size - e; e += esize) { /* no wrap */
		uint64_t base = get_le64(t + e), len = get_le64(t + e + 8);
		struct bi_mem *m;

		if (!len)
			continue;
		if (base + len < base)
			return fail(p, "memory map entry wraps around", 6, off);
		if (p->bi->n_mem == BI_MAX_MEM)
			return fail(p, "too many memory map entries", 6, off);
		m = &p->bi->mem[p->bi->n_mem++];
		m->base = base;
		m->len = len;
		m->type = get_le32(t + e + 16);
		if (m->type < BI_MEM_USABLE || m->type > BI_MEM_BAD)
			m->type = BI_MEM_RESERVED;
	}
	return 0;
}

/* Tag 17: the firmware's own map, with the types GRUB's E820 version of it
 * (tag 6) loses; it wins over tag 6 whatever the order. */
static int tag_efi_mmap(struct parser *p, const uint8_t *t, uint32_t size,
			uint32_t off)
{
	char why[160];

	if (size < 16)
		return fail(p, "EFI memory map tag too short", 17, off);
	if (efi_mmap_to_bi(t + 16, size - 16, get_le32(t + 8), p->bi, why,
			   sizeof(why)))
		return fail(p, why, 17, off);
	p->bi->efi_mmap = true;
	return 0;
}

static int tag_acpi(struct parser *p, const uint8_t *t, uint32_t size,
		    uint32_t type, uint32_t off)
{
	uint32_t need = type == MB2_TAG_ACPI_OLD ? 20 : 36;

	if (size < 8 + need)
		return fail(p, "RSDP tag too short", type, off);
	/* A v2 RSDP wins over a v1 copy, whatever the tag order. */
	if (p->bi->rsdp_len <= need) {
		memcpy(p->bi->rsdp, t + 8, need);
		p->bi->rsdp_len = need;
	}
	return 0;
}

static int parse_tag(struct parser *p, const uint8_t *t, uint32_t type,
		     uint32_t size, uint32_t off)
{
	struct boot_info *bi = p->bi;

	switch (type) {
	case MB2_TAG_CMDLINE:
		if (!copy_str(bi->cmdline, sizeof(bi->cmdline), t + 8, size - 8))
			return fail(p, "command line not terminated", type, off);
		return 0;
	case MB2_TAG_LOADER_NAME:
		if (!copy_str(bi->loader, sizeof(bi->loader), t + 8, size - 8))
			return fail(p, "loader name not terminated", type, off);
		return 0;
	case MB2_TAG_MODULE:
		return tag_module(p, t, size, off);
	case MB2_TAG_BASIC_MEMINFO:
		if (size < 16)
			return fail(p, "basic meminfo tag too short", type, off);
		bi->mem_lower_kb = get_le32(t + 8);
		bi->mem_upper_kb = get_le32(t + 12);
		return 0;
	case MB2_TAG_MMAP:
		return tag_mmap(p, t, size, off);
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		return tag_acpi(p, t, size, type, off);
	case MB2_TAG_EFI64:
		if (size < 16)
			return fail(p, "EFI64 tag too short", type, off);
		bi->efi_systab = get_le64(t + 8);
		return 0;
	case MB2_TAG_EFI_MMAP:
		return tag_efi_mmap(p, t, size, off);
	case MB2_TAG_EFI_BS:
		bi->efi_boot_services = true;
		return 0;
	case MB2_TAG_EFI64_IH:
		if (size < 16)
			return fail(p, "EFI64 image handle tag too short", type,
				    off);
		bi->efi_image = get_le64(t + 8);
		return 0;
	default: /* tags we do not need are skipped */
		return 0;
	}
}

/* Without a full memory map, fall back to the basic meminfo (lower
 * memory from 0, upper memory from 1 MiB), as the spec allows. */
static void basic_meminfo_map(struct boot_info *bi)
{
	if (bi->n_mem || !bi->mem_upper_kb)
		return;
	bi->mem[0] = (struct bi_mem){ 0, (uint64_t)bi->mem_lower_kb << 10,
				      BI_MEM_USABLE };
	bi->mem[1] = (struct bi_mem){ 1ull << 20,
				      (uint64_t)bi->mem_upper_kb << 10,
				      BI_MEM_USABLE };
	bi->n_mem = 2;
}

static int walk_tags(struct parser *p)
{
	uint32_t off = 8;

	while (off + 8 <= p->total) {
		const uint8_t *t = p->base + off;
		uint32_t type = get_le32(t), size = get_le32(t + 4);
		int r;

		if (size < 8)
			return fail(p, "tag size below 8", type, off);
		if (size > p->total - off)
			return fail(p, "tag runs past the end of the information",
				    type, off);
		if (type == MB2_TAG_END)
			return 0;
		r = parse_tag(p, t, type, size, off);
		if (r)
			return r;
		off += (size + 7) & ~7u;
	}
	return fail_header(p, "no end tag before the end of the information");
}

int mb2_parse(const void *info, size_t avail, struct boot_info *bi, char *err,
	      size_t errlen)
{
	struct parser p = { info, 0, bi, err, errlen };
	int r;

	memset(bi, 0, sizeof(*bi));
	bi->door = "multiboot2";
	if (err && errlen)
		err[0] = 0;
	if (!info || ((uintptr_t)info & 7))
		return fail_header(&p, "information not 8-byte aligned");
	if (avail < 16)
		return fail_header(&p, "information shorter than 16 bytes");
	p.total = get_le32(info);
	if (p.total < 16 || p.total > avail || p.total > MB2_INFO_MAX)
		return fail_header(&p, "total size out of range");
	r = walk_tags(&p);
	if (r)
		return r;
	basic_meminfo_map(bi);
	if (!bi->n_mem)
		return fail_header(&p, "no memory map and no basic meminfo");
	return 0;
}
