/* SPDX-License-Identifier: MIT */
/* boot/multiboot2.c: mb2_parse on information structures built here. */
#include "unit.h"

#include "boot/multiboot2.h"
#include "lib/errno.h"

/* ---- a builder for multiboot2 information ------------------------------ */

#define MB_BYTES 16384

struct mb {
	uint64_t words[MB_BYTES / 8]; /* 8-byte aligned */
	uint32_t pos;
};

static uint8_t *mb_bytes(struct mb *b)
{
	return (uint8_t *)b->words;
}

static void put32(struct mb *b, uint32_t off, uint32_t v)
{
	memcpy(mb_bytes(b) + off, &v, 4);
}

static void put64(struct mb *b, uint32_t off, uint64_t v)
{
	memcpy(mb_bytes(b) + off, &v, 8);
}

static void mb_init(struct mb *b)
{
	memset(b, 0, sizeof(*b));
	b->pos = 8; /* total_size, reserved */
}

/* A tag whose size field says size, followed by len payload bytes; the
 * next tag starts at the next 8-byte boundary after the payload. Returns
 * the tag's offset. */
static uint32_t mb_raw_tag(struct mb *b, uint32_t type, uint32_t size,
			   const void *payload, uint32_t len)
{
	uint32_t off = b->pos;

	assert_true(off + 8 + len + 16 <= MB_BYTES);
	put32(b, off, type);
	put32(b, off + 4, size);
	if (len)
		memcpy(mb_bytes(b) + off + 8, payload, len);
	b->pos = off + ((8 + len + 7) & ~7u);
	return off;
}

static uint32_t mb_tag(struct mb *b, uint32_t type, const void *payload,
		       uint32_t len)
{
	return mb_raw_tag(b, type, 8 + len, payload, len);
}

static uint32_t mb_string(struct mb *b, uint32_t type, const char *s)
{
	return mb_tag(b, type, s, (uint32_t)strlen(s) + 1);
}

static uint32_t mb_module(struct mb *b, uint32_t start, uint32_t end,
			  const char *s)
{
	uint8_t p[256];
	uint32_t n = (uint32_t)strlen(s) + 1;

	assert_true(n + 8 <= sizeof(p));
	memcpy(p, &start, 4);
	memcpy(p + 4, &end, 4);
	memcpy(p + 8, s, n);
	return mb_tag(b, MB2_TAG_MODULE, p, 8 + n);
}

static uint32_t mb_meminfo(struct mb *b, uint32_t lower, uint32_t upper)
{
	uint32_t p[2] = { lower, upper };

	return mb_tag(b, MB2_TAG_BASIC_MEMINFO, p, 8);
}

struct mmap_entry {
	uint64_t base, len;
	uint32_t type;
};

/* A memory map with entries of esize bytes (the tail past 24 is junk). */
static uint32_t mb_mmap(struct mb *b, uint32_t esize,
			const struct mmap_entry *e, unsigned n)
{
	uint8_t p[8 + 160 * 40];
	uint32_t version = 0;

	assert_true(8 + n * esize <= sizeof(p));
	memset(p, 0xee, sizeof(p));
	memcpy(p, &esize, 4);
	memcpy(p + 4, &version, 4);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *q = p + 8 + i * esize;
		uint32_t zero = 0;

		memcpy(q, &e[i].base, 8);
		memcpy(q + 8, &e[i].len, 8);
		memcpy(q + 16, &e[i].type, 4);
		memcpy(q + 20, &zero, 4);
	}
	return mb_tag(b, MB2_TAG_MMAP, p, 8 + n * esize);
}

static uint32_t mb_efi64(struct mb *b, uint64_t systab)
{
	return mb_tag(b, MB2_TAG_EFI64, &systab, 8);
}

/* An EFI memory map tag (17): descriptor size, version, then the
 * descriptors dsize bytes apart (the tail past 40 bytes is junk). */
struct efi_entry {
	uint32_t type;
	uint64_t base, pages, attr;
};

static uint32_t mb_efi_mmap(struct mb *b, uint32_t dsize,
			    const struct efi_entry *e, unsigned n)
{
	uint8_t p[8 + 160 * 48];
	uint32_t version = 1;

	assert_true(dsize >= 40 && 8 + n * dsize <= sizeof(p));
	memset(p, 0xee, sizeof(p));
	memcpy(p, &dsize, 4);
	memcpy(p + 4, &version, 4);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *q = p + 8 + i * dsize;
		uint32_t pad = 0;
		uint64_t virt = 0;

		memcpy(q, &e[i].type, 4);
		memcpy(q + 4, &pad, 4);
		memcpy(q + 8, &e[i].base, 8);
		memcpy(q + 16, &virt, 8);
		memcpy(q + 24, &e[i].pages, 8);
		memcpy(q + 32, &e[i].attr, 8);
	}
	return mb_tag(b, MB2_TAG_EFI_MMAP, p, 8 + n * dsize);
}

#define EFI_RT (1ull << 63)

/* A small firmware map, given unsorted: conventional memory in two
 * neighbouring pieces, boot-services data, ACPI, runtime data, MMIO. */
static const struct efi_entry efi_map[] = {
	{ 7, 0x100000, 0x700, 0xf },		/* conventional */
	{ 11, 0xfec00000, 1, 0x1 },		/* MMIO: left out */
	{ 9, 0x7f00000, 0x10, 0xf },		/* ACPI reclaim */
	{ 4, 0x800000, 0x100, 0xf },		/* BS data: usable, merges */
	{ 7, 0x0, 0xa0, 0xf },			/* conventional */
	{ 6, 0x7f10000, 0x20, 0xf | EFI_RT },	/* runtime data */
	{ 10, 0x7f30000, 0x10, 0xf },		/* ACPI NVS */
};

/* What efi_map turns into. */
static void assert_efi_map(const struct boot_info *bi)
{
	static const struct bi_mem expect[] = {
		{ 0x0, 0xa0000, BI_MEM_USABLE },
		{ 0x100000, 0x800000, BI_MEM_USABLE },
		{ 0x7f00000, 0x10000, BI_MEM_ACPI },
		{ 0x7f10000, 0x20000, BI_MEM_RESERVED },
		{ 0x7f30000, 0x10000, BI_MEM_NVS },
	};

	assert_true(bi->efi_mmap);
	assert_int_equal(bi->n_mem, ARRAY_SIZE(expect));
	for (unsigned i = 0; i < ARRAY_SIZE(expect); i++) {
		assert_int_equal(bi->mem[i].base, expect[i].base);
		assert_int_equal(bi->mem[i].len, expect[i].len);
		assert_int_equal(bi->mem[i].type, expect[i].type);
	}
}

/* Closes with an end tag and sets total_size; returns it. */
static uint32_t mb_end(struct mb *b)
{
	mb_tag(b, MB2_TAG_END, NULL, 0);
	put32(b, 0, b->pos);
	return b->pos;
}

/* The simplest valid memory map, for tests about other tags. */
static const struct mmap_entry one_ram[] = { { 0x100000, 0x1000000, 1 } };

/* ---- parsing helpers ----------------------------------------------------- */

static char err[256];

/* Parses a heap copy of exactly len bytes, so ASan sees any over-read. */
static int parse_len(const struct mb *b, uint32_t len, struct boot_info *bi)
{
	void *copy = malloc(len ? len : 1);
	int r;

	assert_non_null(copy);
	memcpy(copy, b->words, len);
	memset(err, 'Z', sizeof(err));
	r = mb2_parse(copy, len, bi, err, sizeof(err));
	free(copy);
	return r;
}

static int parse(const struct mb *b, struct boot_info *bi)
{
	return parse_len(b, b->pos, bi);
}

static void assert_parses(const struct mb *b, struct boot_info *bi)
{
	int r = parse(b, bi);

	if (r)
		fail_msg("mb2_parse failed (%d): %s", r, err);
	assert_string_equal(err, "");
}

static void assert_tag_error(const struct mb *b, uint32_t type, uint32_t off,
			     const char *what)
{
	struct boot_info bi;
	char expect[256];

	snprintf(expect, sizeof(expect),
		 "multiboot2: tag type %u at offset %u: %s", type, off, what);
	assert_int_equal(parse(b, &bi), -EINVAL);
	assert_string_equal(err, expect);
}

static void assert_header_error(const struct mb *b, uint32_t len,
				const char *what)
{
	struct boot_info bi;
	char expect[256];

	snprintf(expect, sizeof(expect), "multiboot2: %s", what);
	assert_int_equal(parse_len(b, len, &bi), -EINVAL);
	assert_string_equal(err, expect);
}

/* ---- well-formed information ----------------------------------------- */

static void test_full_information(void **state)
{
	static const struct mmap_entry map[] = {
		{ 0, 0x9fc00, 1 },
		{ 0x9fc00, 0x400, 2 },
		{ 0x100000, 0x7ee0000, 1 },
		{ 0x7fe0000, 0x20000, 3 },
		{ 0xfffc0000, 0x40000, 4 },
		{ 0x100000000ull, 0x40000000, 5 },
	};
	struct mb b;
	struct boot_info bi;
	uint8_t fb[24] = { 0 };

	mb_init(&b);
	mb_string(&b, MB2_TAG_CMDLINE, "console=com2 loglevel=debug");
	mb_string(&b, MB2_TAG_LOADER_NAME, "GRUB 2.12");
	mb_tag(&b, MB2_TAG_FRAMEBUFFER, fb, sizeof(fb)); /* not needed */
	mb_module(&b, 0x200000, 0x280000, "guest0 kernel");
	mb_module(&b, 0x280000, 0x281000, "");
	mb_tag(&b, 99, "junk", 4); /* unknown */
	mb_module(&b, 0x300000, 0x300000, "empty module");
	mb_meminfo(&b, 639, 130048);
	mb_mmap(&b, 24, map, ARRAY_SIZE(map));
	mb_efi64(&b, 0x7f9e018ull);
	mb_tag(&b, MB2_TAG_EFI_BS, NULL, 0);
	mb_end(&b);

	memset(&bi, 0x5a, sizeof(bi));
	assert_parses(&b, &bi);
	assert_string_equal(bi.door, "multiboot2");
	assert_string_equal(bi.cmdline, "console=com2 loglevel=debug");
	assert_string_equal(bi.loader, "GRUB 2.12");
	assert_int_equal(bi.n_mod, 3);
	assert_int_equal(bi.mod[0].start, 0x200000);
	assert_int_equal(bi.mod[0].end, 0x280000);
	assert_string_equal(bi.mod[0].cmdline, "guest0 kernel");
	assert_int_equal(bi.mod[1].start, 0x280000);
	assert_int_equal(bi.mod[1].end, 0x281000);
	assert_string_equal(bi.mod[1].cmdline, "");
	assert_int_equal(bi.mod[2].start, 0x300000);
	assert_int_equal(bi.mod[2].end, 0x300000);
	assert_string_equal(bi.mod[2].cmdline, "empty module");
	assert_int_equal(bi.mem_lower_kb, 639);
	assert_int_equal(bi.mem_upper_kb, 130048);
	assert_int_equal(bi.n_mem, ARRAY_SIZE(map));
	for (unsigned i = 0; i < ARRAY_SIZE(map); i++) {
		assert_int_equal(bi.mem[i].base, map[i].base);
		assert_int_equal(bi.mem[i].len, map[i].len);
		assert_int_equal(bi.mem[i].type, map[i].type);
	}
	assert_int_equal(bi.efi_systab, 0x7f9e018ull);
	assert_true(bi.efi_boot_services);
	assert_int_equal(bi.rsdp_len, 0);
}

static void test_minimal_information(void **state)
{
	struct mb b;
	struct boot_info bi;

	mb_init(&b);
	mb_mmap(&b, 24, one_ram, 1);
	mb_end(&b);
	assert_parses(&b, &bi);
	assert_string_equal(bi.cmdline, "");
	assert_string_equal(bi.loader, "");
	assert_int_equal(bi.n_mod, 0);
	assert_int_equal(bi.n_mem, 1);
	assert_int_equal(bi.efi_systab, 0);
	assert_false(bi.efi_boot_services);
	assert_int_equal(bi.mem_lower_kb, 0);
}

/* Bytes after the end tag (within total_size) are not looked at. */
static void test_stops_at_end_tag(void **state)
{
	struct mb b;
	struct boot_info bi;

	mb_init(&b);
	mb_mmap(&b, 24, one_ram, 1);
	mb_tag(&b, MB2_TAG_END, NULL, 0);
	mb_raw_tag(&b, MB2_TAG_CMDLINE, 3, NULL, 0); /* garbage after end */
	put32(&b, 0, b.pos);
	assert_parses(&b, &bi);
	assert_string_equal(bi.cmdline, "");
}

static void test_mmap_larger_entries(void **state)
{
	static const struct mmap_entry map[] = {
		{ 0, 0xa0000, 1 },
		{ 0x100000, 0x3ff00000, 1 },
		{ 0xfee00000, 0x1000, 2 },
	};
	struct mb b;
	struct boot_info bi;

	for (uint32_t esize = 24; esize <= 48; esize += 8) {
		mb_init(&b);
		mb_mmap(&b, esize, map, ARRAY_SIZE(map));
		mb_end(&b);
		assert_parses(&b, &bi);
		assert_int_equal(bi.n_mem, 3);
		for (unsigned i = 0; i < 3; i++) {
			assert_int_equal(bi.mem[i].base, map[i].base);
			assert_int_equal(bi.mem[i].len, map[i].len);
			assert_int_equal(bi.mem[i].type, map[i].type);
		}
	}
}

/* A trailing partial entry (tag shorter than a whole entry) is ignored. */
static void test_mmap_partial_trailing_entry(void **state)
{
	static const struct mmap_entry map[] = { { 0x100000, 0x100000, 1 },
						 { 0x400000, 0x100000, 1 } };
	struct mb b;
	struct boot_info bi;
	uint32_t off;

	mb_init(&b);
	off = mb_mmap(&b, 24, map, 2);
	put32(&b, off + 4, 16 + 24 + 16); /* the second entry is cut */
	b.pos = off + 16 + 24 + 16;
	mb_end(&b);
	assert_parses(&b, &bi);
	assert_int_equal(bi.n_mem, 1);
	assert_int_equal(bi.mem[0].base, 0x100000);
}

static void test_mmap_drops_empty_and_maps_unknown_types(void **state)
{
	static const struct mmap_entry map[] = {
		{ 0x1000, 0, 1 },	   /* empty: dropped */
		{ 0x100000, 0x1000, 0 },   /* type 0 */
		{ 0x200000, 0x1000, 6 },   /* type 6 */
		{ 0x300000, 0x1000, 20 },  /* type 20 */
		{ 0x400000, 0x1000, 5 },   /* bad RAM stays bad */
		{ 0x500000, 0, 2 },	   /* empty: dropped */
		{ 0x600000, 0x1000, 0xffffffff },
		{ 0x700000, 0x1000, 4 },
	};
	static const uint32_t expect_type[] = { 2, 2, 2, 5, 2, 4 };
	static const uint64_t expect_base[] = { 0x100000, 0x200000, 0x300000,
						0x400000, 0x600000, 0x700000 };
	struct mb b;
	struct boot_info bi;

	mb_init(&b);
	mb_mmap(&b, 24, map, ARRAY_SIZE(map));
	mb_end(&b);
	assert_parses(&b, &bi);
	assert_int_equal(bi.n_mem, 6);
	for (unsigned i = 0; i < 6; i++) {
		assert_int_equal(bi.mem[i].base, expect_base[i]);
		assert_int_equal(bi.mem[i].len, 0x1000);
		assert_int_equal(bi.mem[i].type, expect_type[i]);
	}
}

/* A second memory map replaces the first. */
static void test_second_mmap_replaces_first(void **state)
{
	static const struct mmap_entry first[] = { { 0, 0x1000, 1 },
						   { 0x2000, 0x1000, 1 } };
	static const struct mmap_entry second[] = { { 0x5000, 0x3000, 3 } };
	struct mb b;
	struct boot_info bi;

	mb_init(&b);
	mb_mmap(&b, 24, first, 2);
	mb_mmap(&b, 32, second, 1);
	mb_end(&b);
	assert_parses(&b, &bi);
	assert_int_equal(bi.n_mem, 1);
	assert_int_equal(bi.mem[0].base, 0x5000);
	assert_int_equal(bi.mem[0].type, 3);
}

static void test_mmap_max_entries_and_top_of_memory(void **state)
{
	struct mmap_entry map[BI_MAX_MEM + 2];
	struct mb b;
	struct boot_info bi;

	for (unsigned i = 0; i < BI_MAX_MEM; i++)
		map[i] = (struct mmap_entry){ i * 0x10000ull, 0x8000, 1 };
	/* empty entries do not count against the limit */
	map[BI_MAX_MEM] = (struct mmap_entry){ 0x12345000, 0, 1 };
	/* ends exactly at 2^64 - 1 */
	map[BI_MAX_MEM - 1] = (struct mmap_entry){ 0xfffffffffffff000ull,
						   0xfff, 2 };
	mb_init(&b);
	mb_mmap(&b, 24, map, BI_MAX_MEM + 1);
	mb_end(&b);
	assert_parses(&b, &bi);
	assert_int_equal(bi.n_mem, BI_MAX_MEM);
	assert_int_equal(bi.mem[BI_MAX_MEM - 2].base, (BI_MAX_MEM - 2) * 0x10000ull);
	assert_int_equal(bi.mem[BI_MAX_MEM - 1].base, 0xfffffffffffff000ull);
}

static void test_acpi_rsdp_copies(void **state)
{
	uint8_t v1[20], v2[36];
	struct mb b;
	struct boot_info bi;

	for (unsigned i = 0; i < 20; i++)
		v1[i] = (uint8_t)(0x10 + i);
	for (unsigned i = 0; i < 36; i++)
		v2[i] = (uint8_t)(0x80 + i);

	/* v1 only */
	mb_init(&b);
	mb_tag(&b, MB2_TAG_ACPI_OLD, v1, 20);
	mb_mmap(&b, 24, one_ram, 1);
	mb_end(&b);
	assert_parses(&b, &bi);
	assert_int_equal(bi.rsdp_len, 20);
	assert_memory_equal(bi.rsdp, v1, 20);

	/* v1 then v2: v2 wins */
	mb_init(&b);
	mb_tag(&b, MB2_TAG_ACPI_OLD, v1, 20);
	mb_tag(&b, MB2_TAG_ACPI_NEW, v2, 36);
	mb_mmap(&b, 24, one_ram, 1);
	mb_end(&b);
	assert_parses(&b, &bi);
	assert_int_equal(bi.rsdp_len, 36);
	assert_memory_equal(bi.rsdp, v2, 36);

	/* v2 then v1: v2 still wins */
	mb_init(&b);
	mb_mmap(&b, 24, one_ram, 1);
	mb_tag(&b, MB2_TAG_ACPI_NEW, v2, 36);
	mb_tag(&b, MB2_TAG_ACPI_OLD, v1, 20);
	mb_end(&b);
	assert_parses(&b, &bi);
	assert_int_equal(bi.rsdp_len, 36);
	assert_memory_equal(bi.rsdp, v2, 36);
}

static void test_basic_meminfo_synthesizes_map(void **state)
{
	struct mb b;
	struct boot_info bi;

	mb_init(&b);
	mb_meminfo(&b, 640, 0x3ff00 /* KiB */);
	mb_end(&b);
	assert_parses(&b, &bi);
	assert_int_equal(bi.n_mem, 2);
	assert_int_equal(bi.mem[0].base, 0);
	assert_int_equal(bi.mem[0].len, 640 * 1024);
	assert_int_equal(bi.mem[0].type, BI_MEM_USABLE);
	assert_int_equal(bi.mem[1].base, 0x100000);
	assert_int_equal(bi.mem[1].len, 0x3ff00ull * 1024);
	assert_int_equal(bi.mem[1].type, BI_MEM_USABLE);
}

/* With a real map, the basic meminfo does not add entries. */
static void test_mmap_wins_over_basic_meminfo(void **state)
{
	struct mb b;
	struct boot_info bi;

	mb_init(&b);
	mb_meminfo(&b, 640, 0x3ff00);
	mb_mmap(&b, 24, one_ram, 1);
	mb_end(&b);
	assert_parses(&b, &bi);
	assert_int_equal(bi.n_mem, 1);
	assert_int_equal(bi.mem_upper_kb, 0x3ff00);
}

static void test_no_memory_information(void **state)
{
	struct mb b;

	mb_init(&b);
	mb_string(&b, MB2_TAG_CMDLINE, "x");
	mb_end(&b);
	assert_header_error(&b, b.pos, "no memory map and no basic meminfo");

	/* a meminfo without upper memory, or a map of empty entries,
	 * is no memory either */
	mb_init(&b);
	mb_meminfo(&b, 640, 0);
	mb_end(&b);
	assert_header_error(&b, b.pos, "no memory map and no basic meminfo");

	static const struct mmap_entry empty[] = { { 0x100000, 0, 1 } };
	mb_init(&b);
	mb_mmap(&b, 24, empty, 1);
	mb_end(&b);
	assert_header_error(&b, b.pos, "no memory map and no basic meminfo");
}

static void test_long_strings_truncated(void **state)
{
	char cmd[BI_CMDLINE_MAX + 50], name[200];
	struct mb b;
	struct boot_info bi;

	memset(cmd, 'c', sizeof(cmd) - 1);
	cmd[sizeof(cmd) - 1] = 0;
	memset(name, 'm', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	mb_init(&b);
	mb_string(&b, MB2_TAG_CMDLINE, cmd);
	mb_string(&b, MB2_TAG_LOADER_NAME, name);
	mb_module(&b, 0x1000, 0x2000, name);
	mb_mmap(&b, 24, one_ram, 1);
	mb_end(&b);
	assert_parses(&b, &bi);
	assert_int_equal(strlen(bi.cmdline), BI_CMDLINE_MAX - 1);
	assert_int_equal(strlen(bi.loader), sizeof(bi.loader) - 1);
	assert_int_equal(strlen(bi.mod[0].cmdline), BI_MODNAME_MAX - 1);
	assert_memory_equal(bi.mod[0].cmdline, name, BI_MODNAME_MAX - 1);
}

static void test_max_modules(void **state)
{
	struct mb b;
	struct boot_info bi;
	uint32_t off = 0;

	mb_init(&b);
	mb_mmap(&b, 24, one_ram, 1);
	for (unsigned i = 0; i < BI_MAX_MODULES; i++) {
		char s[16];

		snprintf(s, sizeof(s), "mod%u", i);
		mb_module(&b, 0x1000000 + i * 0x1000, 0x1001000 + i * 0x1000, s);
	}
	mb_end(&b);
	assert_parses(&b, &bi);
	assert_int_equal(bi.n_mod, BI_MAX_MODULES);
	assert_string_equal(bi.mod[BI_MAX_MODULES - 1].cmdline, "mod31");
	assert_int_equal(bi.mod[BI_MAX_MODULES - 1].start, 0x1000000 + 31 * 0x1000);

	/* one more is refused, naming the extra module tag */
	b.pos -= 8; /* drop the end tag */
	off = mb_module(&b, 0x2000000, 0x2001000, "one too many");
	mb_end(&b);
	assert_tag_error(&b, MB2_TAG_MODULE, off, "too many modules");
}

/* ---- malformed headers ---------------------------------------------------- */

static void test_header_too_short(void **state)
{
	struct mb b;

	mb_init(&b);
	mb_mmap(&b, 24, one_ram, 1);
	mb_end(&b);
	for (uint32_t len = 0; len < 16; len++)
		assert_header_error(&b, len, "information shorter than 16 bytes");
}

static void test_header_misaligned(void **state)
{
	struct mb b;
	struct boot_info bi;
	uint8_t *copy;

	mb_init(&b);
	mb_mmap(&b, 24, one_ram, 1);
	mb_end(&b);
	copy = malloc(b.pos + 16);
	assert_non_null(copy);
	for (unsigned shift = 1; shift < 8; shift++) {
		memcpy(copy + shift, b.words, b.pos);
		assert_int_equal(mb2_parse(copy + shift, b.pos, &bi, err,
					   sizeof(err)),
				 -EINVAL);
		assert_string_equal(err,
				    "multiboot2: information not 8-byte aligned");
	}
	memcpy(copy + 8, b.words, b.pos);
	assert_int_equal(mb2_parse(copy + 8, b.pos, &bi, err, sizeof(err)), 0);
	free(copy);

	assert_int_equal(mb2_parse(NULL, 64, &bi, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "multiboot2: information not 8-byte aligned");
}

static void test_header_total_size(void **state)
{
	struct mb b;
	uint32_t total;

	mb_init(&b);
	mb_mmap(&b, 24, one_ram, 1);
	total = mb_end(&b);

	for (uint32_t bad = 0; bad < 16; bad++) {
		put32(&b, 0, bad);
		assert_header_error(&b, total, "total size out of range");
	}
	put32(&b, 0, total + 8); /* more than is readable */
	assert_header_error(&b, total, "total size out of range");
	put32(&b, 0, 0xffffffff);
	assert_header_error(&b, total, "total size out of range");
	/* less than avail is fine */
	put32(&b, 0, total);
	struct boot_info bi;
	assert_int_equal(parse_len(&b, total, &bi), 0);
}

static void test_header_total_above_max(void **state)
{
	size_t avail = MB2_INFO_MAX + 4096;
	uint8_t *big = aligned_alloc(8, avail);
	struct boot_info bi;
	struct mb b;

	assert_non_null(big);
	memset(big, 0, avail);
	mb_init(&b);
	mb_mmap(&b, 24, one_ram, 1);
	mb_end(&b);
	memcpy(big, b.words, b.pos);
	/* the end tag is where it was; only total_size grows */
	uint32_t total = MB2_INFO_MAX;
	memcpy(big, &total, 4);
	assert_int_equal(mb2_parse(big, avail, &bi, err, sizeof(err)), 0);
	total = MB2_INFO_MAX + 8;
	memcpy(big, &total, 4);
	assert_int_equal(mb2_parse(big, avail, &bi, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "multiboot2: total size out of range");
	free(big);
}

/* ---- malformed tags ---------------------------------------------------- */

static void test_tag_size_below_8(void **state)
{
	for (uint32_t size = 0; size < 8; size++) {
		struct mb b;
		uint32_t off;

		mb_init(&b);
		mb_mmap(&b, 24, one_ram, 1);
		off = mb_raw_tag(&b, 77, size, NULL, 0);
		mb_end(&b);
		assert_tag_error(&b, 77, off, "tag size below 8");
	}
}

static void test_tag_runs_past_end(void **state)
{
	struct mb b;
	uint32_t off;

	mb_init(&b);
	mb_mmap(&b, 24, one_ram, 1);
	off = mb_string(&b, MB2_TAG_CMDLINE, "abc");
	mb_end(&b);
	put32(&b, off + 4, b.pos - off + 1);
	assert_tag_error(&b, MB2_TAG_CMDLINE, off,
			 "tag runs past the end of the information");
	put32(&b, off + 4, 0xfffffff8);
	assert_tag_error(&b, MB2_TAG_CMDLINE, off,
			 "tag runs past the end of the information");
	/* exactly to the end (swallowing the end tag): then no end tag */
	put32(&b, off + 4, b.pos - off);
	assert_header_error(&b, b.pos,
			    "no end tag before the end of the information");
}

static void test_missing_end_tag(void **state)
{
	struct mb b;

	mb_init(&b);
	mb_mmap(&b, 24, one_ram, 1);
	put32(&b, 0, b.pos);
	assert_header_error(&b, b.pos,
			    "no end tag before the end of the information");

	/* a partial tag header at the end is no end tag either */
	mb_init(&b);
	mb_mmap(&b, 24, one_ram, 1);
	put32(&b, 0, b.pos + 4);
	assert_header_error(&b, b.pos + 4,
			    "no end tag before the end of the information");

	/* 16 bytes: the minimum, and still no end tag */
	mb_init(&b);
	mb_raw_tag(&b, 1234, 8, NULL, 0);
	put32(&b, 0, 16);
	assert_header_error(&b, 16,
			    "no end tag before the end of the information");
}

static void test_bad_module_tags(void **state)
{
	struct mb b;
	uint32_t off;
	uint8_t p[8] = { 0 };

	/* truncated: no room for a string */
	for (uint32_t size = 8; size <= 16; size++) {
		mb_init(&b);
		mb_mmap(&b, 24, one_ram, 1);
		off = mb_raw_tag(&b, MB2_TAG_MODULE, size, p, 8);
		mb_end(&b);
		assert_tag_error(&b, MB2_TAG_MODULE, off, "module tag too short");
	}

	mb_init(&b);
	mb_mmap(&b, 24, one_ram, 1);
	off = mb_module(&b, 0x2000, 0x1fff, "backwards");
	mb_end(&b);
	assert_tag_error(&b, MB2_TAG_MODULE, off, "module ends before it starts");

	/* string without its NUL */
	mb_init(&b);
	mb_mmap(&b, 24, one_ram, 1);
	off = mb_module(&b, 0x1000, 0x2000, "name");
	put32(&b, off + 4, 16 + 4);
	mb_end(&b);
	assert_tag_error(&b, MB2_TAG_MODULE, off, "module string not terminated");
}

static void test_unterminated_strings(void **state)
{
	struct mb b;
	uint32_t off;

	mb_init(&b);
	mb_mmap(&b, 24, one_ram, 1);
	off = mb_raw_tag(&b, MB2_TAG_CMDLINE, 8 + 5, "hello", 5);
	mb_end(&b);
	assert_tag_error(&b, MB2_TAG_CMDLINE, off, "command line not terminated");

	mb_init(&b);
	mb_mmap(&b, 24, one_ram, 1);
	off = mb_raw_tag(&b, MB2_TAG_CMDLINE, 8, NULL, 0);
	mb_end(&b);
	assert_tag_error(&b, MB2_TAG_CMDLINE, off, "command line not terminated");

	mb_init(&b);
	off = mb_raw_tag(&b, MB2_TAG_LOADER_NAME, 8 + 4, "GRUB", 4);
	mb_mmap(&b, 24, one_ram, 1);
	mb_end(&b);
	assert_tag_error(&b, MB2_TAG_LOADER_NAME, off,
			 "loader name not terminated");
}

static void test_bad_mmap_tags(void **state)
{
	static const uint32_t bad_sizes[] = { 0, 8, 16, 20, 23, 28, 30, 33 };
	struct mb b;
	uint32_t off;

	for (unsigned i = 0; i < ARRAY_SIZE(bad_sizes); i++) {
		mb_init(&b);
		off = mb_mmap(&b, 24, one_ram, 1);
		put32(&b, off + 8, bad_sizes[i]);
		mb_end(&b);
		assert_tag_error(&b, MB2_TAG_MMAP, off,
				 "bad memory map entry size");
	}

	mb_init(&b);
	off = mb_raw_tag(&b, MB2_TAG_MMAP, 12, "\x18\0\0\0", 4);
	mb_end(&b);
	assert_tag_error(&b, MB2_TAG_MMAP, off, "memory map tag too short");
}

/* An entry size near 2^32 must not wrap the walk over the entries (and
 * read outside the tag): the tag then holds no whole entry. */
static void test_mmap_huge_entry_size(void **state)
{
	static const struct mmap_entry map[] = { { 0x100000, 0x100000, 1 } };
	static const uint32_t huge[] = { 0xfffffff8, 0xfffffff0, 0x80000000 };

	for (unsigned i = 0; i < ARRAY_SIZE(huge); i++) {
		uint32_t head[2] = { huge[i], 0 };
		struct mb b;
		struct boot_info bi;
		uint32_t off;

		/* an empty map as the last tag: ASan sees any read past it */
		mb_init(&b);
		mb_meminfo(&b, 640, 1024);
		mb_tag(&b, MB2_TAG_MMAP, head, 8);
		mb_end(&b);
		assert_parses(&b, &bi);
		assert_int_equal(bi.n_mem, 2); /* from the basic meminfo */

		/* a map with one entry: not taken with that entry size */
		mb_init(&b);
		mb_meminfo(&b, 640, 1024);
		off = mb_mmap(&b, 24, map, 1);
		put32(&b, off + 8, huge[i]);
		mb_end(&b);
		assert_parses(&b, &bi);
		assert_int_equal(bi.n_mem, 2);
		assert_int_equal(bi.mem[1].base, 0x100000);
		assert_int_equal(bi.mem[1].len, 1024 * 1024);
	}
}

static void test_mmap_too_many_entries(void **state)
{
	struct mmap_entry map[BI_MAX_MEM + 1];
	struct mb b;
	uint32_t off;

	for (unsigned i = 0; i <= BI_MAX_MEM; i++)
		map[i] = (struct mmap_entry){ i * 0x10000ull, 0x8000, 1 };
	mb_init(&b);
	off = mb_mmap(&b, 24, map, BI_MAX_MEM + 1);
	mb_end(&b);
	assert_tag_error(&b, MB2_TAG_MMAP, off, "too many memory map entries");
}

static void test_mmap_entry_wraps(void **state)
{
	static const struct mmap_entry map[] = {
		{ 0x100000, 0x100000, 1 },
		{ 0xfffffffffffff000ull, 0x2000, 2 },
	};
	static const struct mmap_entry map2[] = {
		{ 0x8000000000000000ull, 0x8000000000000001ull, 1 },
	};
	struct mb b;
	uint32_t off;

	mb_init(&b);
	off = mb_mmap(&b, 32, map, 2);
	mb_end(&b);
	assert_tag_error(&b, MB2_TAG_MMAP, off, "memory map entry wraps around");

	mb_init(&b);
	mb_string(&b, MB2_TAG_CMDLINE, "x");
	off = mb_mmap(&b, 24, map2, 1);
	mb_end(&b);
	assert_tag_error(&b, MB2_TAG_MMAP, off, "memory map entry wraps around");
}

static void test_short_fixed_tags(void **state)
{
	static const struct {
		uint32_t type, size;
		const char *what;
	} cases[] = {
		{ MB2_TAG_BASIC_MEMINFO, 15, "basic meminfo tag too short" },
		{ MB2_TAG_BASIC_MEMINFO, 8, "basic meminfo tag too short" },
		{ MB2_TAG_EFI64, 15, "EFI64 tag too short" },
		{ MB2_TAG_ACPI_OLD, 27, "RSDP tag too short" },
		{ MB2_TAG_ACPI_NEW, 43, "RSDP tag too short" },
		{ MB2_TAG_ACPI_NEW, 28, "RSDP tag too short" },
	};
	uint8_t junk[40];

	memset(junk, 0x11, sizeof(junk));
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		struct mb b;
		uint32_t off;

		mb_init(&b);
		mb_mmap(&b, 24, one_ram, 1);
		off = mb_raw_tag(&b, cases[i].type, cases[i].size, junk,
				 cases[i].size - 8);
		mb_end(&b);
		assert_tag_error(&b, cases[i].type, off, cases[i].what);
	}
}

/* The error buffer may be absent or small. */
static void test_error_buffer(void **state)
{
	struct mb b;
	struct boot_info bi;
	char small[12];

	mb_init(&b);
	mb_string(&b, MB2_TAG_CMDLINE, "x");
	mb_end(&b);
	assert_int_equal(mb2_parse(b.words, b.pos, &bi, NULL, 0), -EINVAL);

	memset(small, 'Z', sizeof(small));
	assert_int_equal(mb2_parse(b.words, b.pos, &bi, small, sizeof(small)),
			 -EINVAL);
	assert_string_equal(small, "multiboot2:");
}

/* ---- EFI tags ------------------------------------------------------------ */

static void test_efi_mmap_tag(void **state)
{
	static const uint32_t dsizes[] = { 40, 48, 56, 64 };

	for (unsigned i = 0; i < ARRAY_SIZE(dsizes); i++) {
		struct mb b;
		struct boot_info bi;

		mb_init(&b);
		mb_string(&b, MB2_TAG_CMDLINE, "x");
		mb_efi_mmap(&b, dsizes[i], efi_map, ARRAY_SIZE(efi_map));
		mb_end(&b);
		memset(&bi, 0x5a, sizeof(bi));
		assert_parses(&b, &bi);
		assert_efi_map(&bi);
		assert_string_equal(bi.cmdline, "x");
	}
}

/* Tag 6 alone does not claim to be an EFI map. */
static void test_mmap_tag_is_not_efi(void **state)
{
	struct mb b;
	struct boot_info bi;

	mb_init(&b);
	mb_mmap(&b, 24, one_ram, 1);
	mb_end(&b);
	assert_parses(&b, &bi);
	assert_false(bi.efi_mmap);
	assert_int_equal(bi.efi_image, 0);
}

/* The EFI map wins over the E820 one whatever the order, and nothing of
 * the E820 one is left behind. */
static void test_efi_mmap_wins_over_mmap(void **state)
{
	static const struct mmap_entry e820[] = {
		{ 0, 0x9fc00, 1 },	   { 0x9fc00, 0x400, 2 },
		{ 0xe0000, 0x20000, 2 },  { 0x100000, 0x7e00000, 1 },
		{ 0x7f00000, 0x40000, 3 }, { 0xfec00000, 0x1000, 2 },
		{ 0x100000000ull, 0x1000000, 1 },
	};
	struct mb b;
	struct boot_info bi;

	/* E820 first */
	mb_init(&b);
	mb_mmap(&b, 24, e820, ARRAY_SIZE(e820));
	mb_efi_mmap(&b, 48, efi_map, ARRAY_SIZE(efi_map));
	mb_end(&b);
	assert_parses(&b, &bi);
	assert_efi_map(&bi);

	/* EFI first */
	mb_init(&b);
	mb_efi_mmap(&b, 48, efi_map, ARRAY_SIZE(efi_map));
	mb_mmap(&b, 24, e820, ARRAY_SIZE(e820));
	mb_end(&b);
	assert_parses(&b, &bi);
	assert_efi_map(&bi);

	/* between two E820 maps, with basic meminfo around */
	mb_init(&b);
	mb_meminfo(&b, 639, 0x10000);
	mb_mmap(&b, 24, e820, 2);
	mb_efi_mmap(&b, 48, efi_map, ARRAY_SIZE(efi_map));
	mb_mmap(&b, 32, e820, ARRAY_SIZE(e820));
	mb_end(&b);
	assert_parses(&b, &bi);
	assert_efi_map(&bi);
	assert_int_equal(bi.mem_upper_kb, 0x10000);
}

/* A second EFI map replaces the first. */
static void test_second_efi_mmap_replaces_first(void **state)
{
	static const struct efi_entry other[] = { { 7, 0x200000, 4, 0xf } };
	struct mb b;
	struct boot_info bi;

	mb_init(&b);
	mb_efi_mmap(&b, 48, efi_map, ARRAY_SIZE(efi_map));
	mb_efi_mmap(&b, 40, other, 1);
	mb_end(&b);
	assert_parses(&b, &bi);
	assert_true(bi.efi_mmap);
	assert_int_equal(bi.n_mem, 1);
	assert_int_equal(bi.mem[0].base, 0x200000);
	assert_int_equal(bi.mem[0].len, 0x4000);
	assert_int_equal(bi.mem[0].type, BI_MEM_USABLE);
}

/* Bytes of the tag past the last whole descriptor are not read as one. */
static void test_efi_mmap_partial_trailing_descriptor(void **state)
{
	static const struct efi_entry map[] = {
		{ 7, 0x100000, 1, 0xf },
		{ 0, 0x100000, 1, 0xf }, /* overlaps: refused if read */
	};

	for (uint32_t cut = 8; cut < 48; cut += 8) {
		struct mb b;
		struct boot_info bi;
		uint32_t off;

		mb_init(&b);
		off = mb_efi_mmap(&b, 48, map, 2);
		put32(&b, off + 4, 16 + 2 * 48 - cut);
		b.pos = off + ((16 + 2 * 48 - cut + 7) & ~7u);
		mb_end(&b);
		assert_parses(&b, &bi);
		assert_int_equal(bi.n_mem, 1);
		assert_int_equal(bi.mem[0].base, 0x100000);
	}
}

/* The EFI map is taken as the tag gives it; an error names tag 17. */
static void assert_efi_tag_error(const struct mb *b, uint32_t off,
				 const char *what)
{
	struct boot_info bi;
	char head[64];

	snprintf(head, sizeof(head), "multiboot2: tag type 17 at offset %u: ",
		 off);
	assert_int_equal(parse(b, &bi), -EINVAL);
	if (strncmp(err, head, strlen(head)) || !strstr(err, what))
		fail_msg("error \"%s\" is not \"%s...%s...\"", err, head,
			 what);
}

static void test_bad_efi_mmap_tags(void **state)
{
	static const uint32_t bad_dsizes[] = { 0, 24, 32, 36, 44, 52 };
	uint8_t junk[8] = { 48, 0, 0, 0, 1, 0, 0, 0 };
	struct mb b;
	uint32_t off;

	/* shorter than its header */
	for (uint32_t size = 8; size < 16; size++) {
		mb_init(&b);
		mb_mmap(&b, 24, one_ram, 1);
		off = mb_raw_tag(&b, MB2_TAG_EFI_MMAP, size, junk, size - 8);
		mb_end(&b);
		assert_tag_error(&b, MB2_TAG_EFI_MMAP, off,
				 "EFI memory map tag too short");
	}

	/* a descriptor size below 40 or not a multiple of 8 */
	for (unsigned i = 0; i < ARRAY_SIZE(bad_dsizes); i++) {
		char what[48];

		mb_init(&b);
		mb_mmap(&b, 24, one_ram, 1);
		off = mb_efi_mmap(&b, 48, efi_map, ARRAY_SIZE(efi_map));
		put32(&b, off + 8, bad_dsizes[i]);
		mb_end(&b);
		snprintf(what, sizeof(what), "descriptor size %u ",
			 bad_dsizes[i]);
		assert_efi_tag_error(&b, off, what);
	}

	/* a header and no descriptors: no memory */
	mb_init(&b);
	mb_mmap(&b, 24, one_ram, 1);
	off = mb_efi_mmap(&b, 48, efi_map, 0);
	mb_end(&b);
	assert_efi_tag_error(&b, off, "holds no memory");

	/* overlapping descriptors, after an E820 map */
	static const struct efi_entry overlap[] = {
		{ 7, 0x100000, 16, 0xf },
		{ 11, 0xfec00000, 1, 0x1 },
		{ 0, 0x104000, 1, 0xf },
	};
	mb_init(&b);
	mb_mmap(&b, 24, one_ram, 1);
	mb_string(&b, MB2_TAG_CMDLINE, "abc");
	off = mb_efi_mmap(&b, 48, overlap, 3);
	mb_end(&b);
	assert_efi_tag_error(&b, off, "entry 2 ");
	assert_efi_tag_error(&b, off, "overlaps");

	/* misaligned */
	static const struct efi_entry odd[] = { { 7, 0x100800, 1, 0xf } };
	mb_init(&b);
	off = mb_efi_mmap(&b, 40, odd, 1);
	mb_end(&b);
	assert_efi_tag_error(&b, off, "misaligned or wraps");
}

/* An error in tag 17 is not hidden by a good tag 6 after it (for tag 6
 * before it, see test_bad_efi_mmap_tags). */
static void test_bad_efi_mmap_with_good_mmap(void **state)
{
	static const struct efi_entry odd[] = { { 7, 0x100800, 1, 0xf } };
	struct mb b;
	uint32_t off;

	mb_init(&b);
	off = mb_efi_mmap(&b, 40, odd, 1);
	mb_mmap(&b, 24, one_ram, 1);
	mb_end(&b);
	assert_efi_tag_error(&b, off, "misaligned or wraps");
}

static void test_efi_image_handle(void **state)
{
	struct mb b;
	struct boot_info bi;
	uint64_t ih = 0x7e9d3a98ull | (0x1ull << 40);
	uint32_t off;

	mb_init(&b);
	mb_tag(&b, MB2_TAG_EFI64_IH, &ih, 8);
	mb_mmap(&b, 24, one_ram, 1);
	mb_end(&b);
	memset(&bi, 0x5a, sizeof(bi));
	assert_parses(&b, &bi);
	assert_int_equal(bi.efi_image, ih);
	assert_int_equal(bi.efi_systab, 0);
	assert_false(bi.efi_boot_services);
	assert_false(bi.efi_mmap);

	/* a larger tag: the first 8 bytes count */
	uint64_t two[2] = { 0x1234, 0x5678 };
	mb_init(&b);
	mb_mmap(&b, 24, one_ram, 1);
	mb_tag(&b, MB2_TAG_EFI64_IH, two, 16);
	mb_end(&b);
	assert_parses(&b, &bi);
	assert_int_equal(bi.efi_image, 0x1234);

	for (uint32_t size = 8; size < 16; size++) {
		mb_init(&b);
		mb_mmap(&b, 24, one_ram, 1);
		off = mb_raw_tag(&b, MB2_TAG_EFI64_IH, size, &ih, size - 8);
		mb_end(&b);
		assert_tag_error(&b, MB2_TAG_EFI64_IH, off,
				 "EFI64 image handle tag too short");
	}

	/* the 32-bit image handle (19) is not taken */
	uint32_t ih32 = 0x7e9d3a98;
	mb_init(&b);
	mb_mmap(&b, 24, one_ram, 1);
	mb_tag(&b, MB2_TAG_EFI32_IH, &ih32, 4);
	mb_end(&b);
	assert_parses(&b, &bi);
	assert_int_equal(bi.efi_image, 0);
}

/* GRUB's tags for an EFI boot with boot services kept: 12, 20, 17, 18. */
static void test_efi_boot_tags(void **state)
{
	uint64_t ih = 0x7e9d3a98ull;
	struct mb b;
	struct boot_info bi;

	mb_init(&b);
	mb_string(&b, MB2_TAG_CMDLINE, "");
	mb_efi64(&b, 0x7f9e018ull);
	mb_tag(&b, MB2_TAG_EFI64_IH, &ih, 8);
	mb_meminfo(&b, 639, 0x3ff00);
	mb_mmap(&b, 24, one_ram, 1);
	mb_efi_mmap(&b, 48, efi_map, ARRAY_SIZE(efi_map));
	mb_tag(&b, MB2_TAG_EFI_BS, NULL, 0);
	mb_end(&b);
	memset(&bi, 0x5a, sizeof(bi));
	assert_parses(&b, &bi);
	assert_int_equal(bi.efi_systab, 0x7f9e018ull);
	assert_int_equal(bi.efi_image, ih);
	assert_true(bi.efi_boot_services);
	assert_efi_map(&bi);

	/* tag 18 alone (its size is its header) */
	mb_init(&b);
	mb_mmap(&b, 24, one_ram, 1);
	mb_tag(&b, MB2_TAG_EFI_BS, NULL, 0);
	mb_end(&b);
	assert_parses(&b, &bi);
	assert_true(bi.efi_boot_services);
	assert_int_equal(bi.efi_systab, 0);

	/* tag 12 alone, above 4 GiB */
	mb_init(&b);
	mb_efi64(&b, 0x1fff0000018ull);
	mb_mmap(&b, 24, one_ram, 1);
	mb_end(&b);
	assert_parses(&b, &bi);
	assert_int_equal(bi.efi_systab, 0x1fff0000018ull);
	assert_false(bi.efi_boot_services);
}

/* ---- robustness ---------------------------------------------------------- */

static uint32_t random_size(struct rng *r, uint32_t len)
{
	switch (rng_below(r, 5)) {
	case 0:
		return (uint32_t)rng_next(r);
	case 4: /* near 2^32, a multiple of 8: wraps careless additions */
		return 0u - 8 * (uint32_t)rng_below(r, 8);
	case 1:
		return (uint32_t)rng_below(r, 64);
	default:
		return len ? (uint32_t)rng_below(r, len + 16) : 0;
	}
}

/* Checks the invariants of any parse result. */
static void check_result(int r, const struct boot_info *bi)
{
	if (r) {
		assert_true(r < 0);
		assert_memory_equal(err, "multiboot2: ", 12);
		return;
	}
	assert_true(bi->n_mem >= 1 && bi->n_mem <= BI_MAX_MEM);
	assert_true(bi->n_mod <= BI_MAX_MODULES);
	assert_true(bi->rsdp_len == 0 || bi->rsdp_len == 20 ||
		    bi->rsdp_len == 36);
	assert_true(strnlen(bi->cmdline, sizeof(bi->cmdline)) <
		    sizeof(bi->cmdline));
	assert_true(strnlen(bi->loader, sizeof(bi->loader)) < sizeof(bi->loader));
	for (unsigned i = 0; i < bi->n_mod; i++) {
		assert_true(bi->mod[i].start <= bi->mod[i].end);
		assert_true(strnlen(bi->mod[i].cmdline, BI_MODNAME_MAX) <
			    BI_MODNAME_MAX);
	}
	for (unsigned i = 0; i < bi->n_mem; i++) {
		/* (a map made from basic meminfo may have empty lower memory) */
		assert_true(bi->mem[i].len > 0 || bi->mem_upper_kb);
		assert_true(bi->mem[i].type >= BI_MEM_USABLE &&
			    bi->mem[i].type <= BI_MEM_BAD);
	}
}

/* Purely random bytes, with a total_size that is often plausible. */
static void test_fuzz_random_bytes(void **state)
{
	struct rng r = { 0xfeedface12345ull };
	static struct mb b;
	struct boot_info bi;
	int ok = 0;

	for (int iter = 0; iter < 20000; iter++) {
		uint32_t len = (uint32_t)rng_below(&r, 600);

		for (uint32_t i = 0; i < len; i += 8)
			put64(&b, i, rng_next(&r));
		if (len >= 4)
			put32(&b, 0, rng_below(&r, 3) ? len : random_size(&r, len));
		/* tag headers with small types and sizes get further */
		for (uint32_t off = 8; off + 8 <= len; off += 8)
			if (rng_below(&r, 2)) {
				put32(&b, off, (uint32_t)rng_below(&r, 22));
				put32(&b, off + 4, random_size(&r, len - off));
			}
		int res = parse_len(&b, len, &bi);
		check_result(res, &bi);
		ok += res == 0;
	}
	print_message("  %d of 20000 random buffers parsed\n", ok);
}

/* A valid information, mutated and truncated. */
static void test_fuzz_mutations(void **state)
{
	struct rng r = { 0x1234567887654321ull };
	static struct mb base, b;
	struct boot_info bi;
	uint8_t rsdp[36] = { 'R', 'S', 'D' };
	int ok = 0;

	mb_init(&base);
	mb_string(&base, MB2_TAG_CMDLINE, "console=com1 loglevel=7");
	mb_string(&base, MB2_TAG_LOADER_NAME, "GRUB");
	mb_module(&base, 0x200000, 0x300000, "mod a");
	mb_module(&base, 0x300000, 0x301000, "mod b");
	mb_meminfo(&base, 639, 0x10000);
	static const struct mmap_entry map[] = {
		{ 0, 0x9fc00, 1 }, { 0x100000, 0x1000000, 1 }, { 0xe0000, 0x20000, 2 }
	};
	mb_mmap(&base, 24, map, 3);
	mb_tag(&base, MB2_TAG_ACPI_NEW, rsdp, 36);
	mb_efi64(&base, 0x1000);
	mb_tag(&base, MB2_TAG_EFI_BS, NULL, 0);
	mb_end(&base);
	assert_int_equal(parse(&base, &bi), 0);

	for (int iter = 0; iter < 20000; iter++) {
		uint32_t len = base.pos;

		b = base;
		for (int k = (int)rng_below(&r, 6); k >= 0; k--) {
			uint32_t at = (uint32_t)rng_below(&r, len);
			switch (rng_below(&r, 3)) {
			case 0: /* random byte */
				mb_bytes(&b)[at] = (uint8_t)rng_next(&r);
				break;
			case 1: /* random size field of some tag */
				put32(&b, at & ~7u, random_size(&r, len));
				break;
			default: /* flip a bit */
				mb_bytes(&b)[at] ^= (uint8_t)(1u << rng_below(&r, 8));
			}
		}
		if (rng_below(&r, 3) == 0)
			len = (uint32_t)rng_below(&r, len + 1); /* truncated */
		int res = parse_len(&b, len, &bi);
		check_result(res, &bi);
		ok += res == 0;
	}
	print_message("  %d of 20000 mutated buffers parsed\n", ok);
}

/* A valid EFI boot's information, mutated: whatever parses has a sorted
 * map of separate ranges. */
static void test_fuzz_efi_mutations(void **state)
{
	struct rng r = { 0xef1ef1ef1ull };
	static struct mb base, b;
	struct boot_info bi;
	uint64_t ih = 0x7e9d3a98ull;
	int ok = 0, efi = 0;

	mb_init(&base);
	mb_efi64(&base, 0x7f9e018ull);
	mb_tag(&base, MB2_TAG_EFI64_IH, &ih, 8);
	mb_mmap(&base, 24, one_ram, 1);
	mb_efi_mmap(&base, 48, efi_map, ARRAY_SIZE(efi_map));
	mb_tag(&base, MB2_TAG_EFI_BS, NULL, 0);
	mb_end(&base);
	assert_int_equal(parse(&base, &bi), 0);

	for (int iter = 0; iter < 20000; iter++) {
		uint32_t len = base.pos;

		b = base;
		for (int k = (int)rng_below(&r, 4); k >= 0; k--) {
			uint32_t at = (uint32_t)rng_below(&r, len);
			switch (rng_below(&r, 3)) {
			case 0:
				mb_bytes(&b)[at] = (uint8_t)rng_next(&r);
				break;
			case 1:
				put32(&b, at & ~7u, random_size(&r, len));
				break;
			default:
				mb_bytes(&b)[at] ^= (uint8_t)(1u << rng_below(&r, 8));
			}
		}
		if (rng_below(&r, 5) == 0)
			len = (uint32_t)rng_below(&r, len + 1);
		int res = parse_len(&b, len, &bi);
		check_result(res, &bi);
		if (res)
			continue;
		ok++;
		if (!bi.efi_mmap)
			continue;
		efi++;
		for (unsigned i = 1; i < bi.n_mem; i++) {
			const struct bi_mem *m = &bi.mem[i - 1], *n = &bi.mem[i];

			assert_true(m->base + m->len <= n->base);
			assert_true(m->base + m->len < n->base ||
				    m->type != n->type);
		}
	}
	print_message("  %d of 20000 mutated buffers parsed, %d with an EFI map\n",
		      ok, efi);
}

/* Random sequences of plausible tags with random fields, the last one
 * often right before the end of the buffer. */
static void test_fuzz_random_tags(void **state)
{
	struct rng r = { 0xabad1deaull };
	static struct mb b;
	struct boot_info bi;
	int ok = 0;

	for (int iter = 0; iter < 20000; iter++) {
		mb_init(&b);
		for (int n = 1 + (int)rng_below(&r, 6); n > 0; n--) {
			uint8_t payload[72];
			uint32_t len = (uint32_t)rng_below(&r, sizeof(payload));
			uint32_t type = (uint32_t)rng_below(&r, 22);
			uint32_t size = rng_below(&r, 4) ? 8 + len
							  : random_size(&r, 80);

			for (uint32_t i = 0; i < len; i++)
				payload[i] = (uint8_t)rng_next(&r);
			if (type == MB2_TAG_END)
				type = MB2_TAG_MMAP;
			if (type == MB2_TAG_MMAP && len >= 4) {
				uint32_t esize = rng_below(&r, 2)
							 ? 24 + 8 * (uint32_t)rng_below(&r, 3)
							 : random_size(&r, 80);
				memcpy(payload, &esize, 4);
			}
			mb_raw_tag(&b, type, size, payload, len);
		}
		if (rng_below(&r, 4))
			mb_end(&b);
		else
			put32(&b, 0, b.pos);
		int res = parse(&b, &bi);
		check_result(res, &bi);
		ok += res == 0;
	}
	print_message("  %d of 20000 random tag sequences parsed\n", ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_information),
		cmocka_unit_test(test_minimal_information),
		cmocka_unit_test(test_stops_at_end_tag),
		cmocka_unit_test(test_mmap_larger_entries),
		cmocka_unit_test(test_mmap_partial_trailing_entry),
		cmocka_unit_test(test_mmap_drops_empty_and_maps_unknown_types),
		cmocka_unit_test(test_second_mmap_replaces_first),
		cmocka_unit_test(test_mmap_max_entries_and_top_of_memory),
		cmocka_unit_test(test_acpi_rsdp_copies),
		cmocka_unit_test(test_basic_meminfo_synthesizes_map),
		cmocka_unit_test(test_mmap_wins_over_basic_meminfo),
		cmocka_unit_test(test_no_memory_information),
		cmocka_unit_test(test_long_strings_truncated),
		cmocka_unit_test(test_max_modules),
		cmocka_unit_test(test_header_too_short),
		cmocka_unit_test(test_header_misaligned),
		cmocka_unit_test(test_header_total_size),
		cmocka_unit_test(test_header_total_above_max),
		cmocka_unit_test(test_tag_size_below_8),
		cmocka_unit_test(test_tag_runs_past_end),
		cmocka_unit_test(test_missing_end_tag),
		cmocka_unit_test(test_bad_module_tags),
		cmocka_unit_test(test_unterminated_strings),
		cmocka_unit_test(test_bad_mmap_tags),
		cmocka_unit_test(test_mmap_huge_entry_size),
		cmocka_unit_test(test_mmap_too_many_entries),
		cmocka_unit_test(test_mmap_entry_wraps),
		cmocka_unit_test(test_short_fixed_tags),
		cmocka_unit_test(test_error_buffer),
		cmocka_unit_test(test_efi_mmap_tag),
		cmocka_unit_test(test_mmap_tag_is_not_efi),
		cmocka_unit_test(test_efi_mmap_wins_over_mmap),
		cmocka_unit_test(test_second_efi_mmap_replaces_first),
		cmocka_unit_test(test_efi_mmap_partial_trailing_descriptor),
		cmocka_unit_test(test_bad_efi_mmap_tags),
		cmocka_unit_test(test_bad_efi_mmap_with_good_mmap),
		cmocka_unit_test(test_efi_image_handle),
		cmocka_unit_test(test_efi_boot_tags),
		cmocka_unit_test(test_fuzz_random_bytes),
		cmocka_unit_test(test_fuzz_mutations),
		cmocka_unit_test(test_fuzz_random_tags),
		cmocka_unit_test(test_fuzz_efi_mutations),
	};

	return cmocka_run_group_tests_name("multiboot2", tests, NULL, NULL);
}
