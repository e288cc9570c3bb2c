/* SPDX-License-Identifier: MIT */
/*
 * guests/loader.c and guests/mbinfo.c: guest images loaded into a real
 * gpa_space over a fake arena, and the multiboot information they are
 * handed, read back from guest memory field by field (Multiboot 0.6.96
 * section 3.3; Multiboot2 1.0 sections 3.6-3.7).
 */
#include "arena.h"

#include <stdbool.h>

#include "ept/gpa.h"
#include "guests/loader.h"
#include "guests/mbinfo.h"
#include "lib/errno.h"

#define KiB 1024ull
#define MiB (1024 * KiB)
#define RAM_SIZE (4 * MiB)

#define PT_LOAD 1
#define PT_NOTE 4
#define MB1_AOUT (1u << 16)

static struct gpa_space mem;

static int setup(void **state)
{
	arena_setup(RAM_SIZE);
	/* guest RAM starts dirty, so that zeroing shows */
	memset(arena.ram, 0xee, RAM_SIZE);
	assert_int_equal(gpa_init(&mem, &arena_env, 3, arena_ram_virt), 0);
	assert_int_equal(gpa_add_ram(&mem, 0, ARENA_RAM_HPA, RAM_SIZE), 0);
	return 0;
}

static int teardown(void **state)
{
	gpa_destroy(&mem);
	assert_int_equal(arena.live, 0);
	arena_teardown();
	return 0;
}

/* ---- guest memory, read back --------------------------------------------- */

static const uint8_t *guest(uint64_t gpa, uint64_t len)
{
	if (gpa > RAM_SIZE || len > RAM_SIZE - gpa)
		fail_msg("guest range %#llx+%#llx outside RAM",
			 (unsigned long long)gpa, (unsigned long long)len);
	return arena.ram + gpa;
}

static uint32_t g32(uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, guest(gpa, 4), 4);
	return v;
}

static uint64_t g64(uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, guest(gpa, 8), 8);
	return v;
}

static void assert_guest_string(uint64_t gpa, const char *want)
{
	const char *s = (const char *)guest(gpa, strlen(want) + 1);

	assert_string_equal(s, want);
}

static void assert_guest_fill(uint64_t gpa, uint64_t len, uint8_t byte)
{
	const uint8_t *p = guest(gpa, len);

	for (uint64_t i = 0; i < len; i++)
		if (p[i] != byte)
			fail_msg("guest byte %#llx is %#x, expected %#x",
				 (unsigned long long)(gpa + i), p[i], byte);
}

/* ---- building images ----------------------------------------------------- */

/* Images live on the heap at their exact size, so that ASan sees any read
 * past their end. */
struct image {
	uint8_t *b;
	size_t size;
};

static struct image new_image(size_t size, uint8_t fill)
{
	struct image im = { malloc(size ? size : 1), size };

	assert_non_null(im.b);
	memset(im.b, fill, size);
	return im;
}

static void put16(struct image *im, size_t off, uint16_t v)
{
	assert_true(off + 2 <= im->size);
	memcpy(im->b + off, &v, 2);
}

static void put32(struct image *im, size_t off, uint32_t v)
{
	assert_true(off + 4 <= im->size);
	memcpy(im->b + off, &v, 4);
}

static void put64(struct image *im, size_t off, uint64_t v)
{
	assert_true(off + 8 <= im->size);
	memcpy(im->b + off, &v, 8);
}

/* A multiboot v1 header (spec 3.1.1), with the a.out-kludge address
 * fields when flags has bit 16. */
struct mb1_aout {
	uint32_t header_addr, load_addr, load_end, bss_end, entry;
};

static void put_mb1(struct image *im, size_t off, uint32_t flags,
		    const struct mb1_aout *a)
{
	put32(im, off, MB1_HEADER_MAGIC);
	put32(im, off + 4, flags);
	put32(im, off + 8, -(MB1_HEADER_MAGIC + flags));
	if (a) {
		put32(im, off + 12, a->header_addr);
		put32(im, off + 16, a->load_addr);
		put32(im, off + 20, a->load_end);
		put32(im, off + 24, a->bss_end);
		put32(im, off + 28, a->entry);
	}
}

/* A multiboot2 header (spec 3.1.1): magic, i386, length, checksum, and an
 * end tag. */
static void put_mb2(struct image *im, size_t off)
{
	put32(im, off, MB2_HEADER_MAGIC_);
	put32(im, off + 4, 0);
	put32(im, off + 8, 24);
	put32(im, off + 12, -(MB2_HEADER_MAGIC_ + 0 + 24));
	put16(im, off + 16, 0); /* end tag: type 0, flags 0, size 8 */
	put16(im, off + 18, 0);
	put32(im, off + 20, 8);
}

struct seg {
	uint32_t type;
	uint64_t offset, paddr, filesz, memsz;
};

#define PHOFF 64

/* An ELF32 or ELF64 executable header and program headers at PHOFF
 * (System V ABI, chapters 4 and 5). */
static void put_elf(struct image *im, bool is64, uint64_t entry,
		    const struct seg *segs, unsigned n)
{
	unsigned phentsize = is64 ? 56 : 32;

	memcpy(im->b, "\177ELF", 4);
	im->b[4] = is64 ? 2 : 1; /* class */
	im->b[5] = 1;		 /* little-endian */
	im->b[6] = 1;		 /* version */
	memset(im->b + 7, 0, 9);
	put16(im, 16, 2);		 /* ET_EXEC */
	put16(im, 18, is64 ? 62 : 3);	 /* x86-64 / i386 */
	put32(im, 20, 1);
	if (is64) {
		put64(im, 24, entry);
		put64(im, 32, PHOFF);
		put64(im, 40, 0);
		put32(im, 48, 0);
		put16(im, 52, 64);
		put16(im, 54, (uint16_t)phentsize);
		put16(im, 56, (uint16_t)n);
	} else {
		put32(im, 24, (uint32_t)entry);
		put32(im, 28, PHOFF);
		put32(im, 32, 0);
		put32(im, 36, 0);
		put16(im, 40, 52);
		put16(im, 42, (uint16_t)phentsize);
		put16(im, 44, (uint16_t)n);
	}
	for (unsigned i = 0; i < n; i++) {
		size_t p = PHOFF + i * phentsize;

		put32(im, p, segs[i].type);
		if (is64) {
			put32(im, p + 4, 7);
			put64(im, p + 8, segs[i].offset);
			put64(im, p + 16, segs[i].paddr + 0xffffffff80000000ull);
			put64(im, p + 24, segs[i].paddr);
			put64(im, p + 32, segs[i].filesz);
			put64(im, p + 40, segs[i].memsz);
			put64(im, p + 48, 0x1000);
		} else {
			put32(im, p + 4, (uint32_t)segs[i].offset);
			put32(im, p + 8, (uint32_t)segs[i].paddr + 0xc0000000u);
			put32(im, p + 12, (uint32_t)segs[i].paddr);
			put32(im, p + 16, (uint32_t)segs[i].filesz);
			put32(im, p + 20, (uint32_t)segs[i].memsz);
			put32(im, p + 24, 7);
			put32(im, p + 28, 0x1000);
		}
	}
}

/* Recognisable contents: byte i of a region is seed + i * 7. */
static void pattern(uint8_t *p, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static void assert_guest_pattern(uint64_t gpa, size_t len, uint8_t seed)
{
	const uint8_t *p = guest(gpa, len);

	for (size_t i = 0; i < len; i++)
		if (p[i] != (uint8_t)(seed + i * 7))
			fail_msg("guest byte %#llx is %#x, expected %#x",
				 (unsigned long long)(gpa + i), p[i],
				 (uint8_t)(seed + i * 7));
}

/* ---- loading ------------------------------------------------------------- */

struct load {
	struct load_request req;
	struct load_result res;
	char err[160];
	int r;
};

static struct load_request request(const struct image *im)
{
	return (struct load_request){
		.image = im->b,
		.image_size = im->size,
		.image_name = "kern",
		.format = VM_FORMAT_AUTO,
		.cmdline = "",
		.ram_size = RAM_SIZE,
	};
}

static void run(struct load *l)
{
	memset(&l->res, 0x5a, sizeof(l->res));
	strcpy(l->err, "untouched");
	l->r = load_image(&mem, &l->req, &l->res, l->err, sizeof(l->err));
}

static void assert_loaded(const struct load *l)
{
	if (l->r)
		fail_msg("load failed with %d: %s", l->r, l->err);
	assert_string_equal(l->err, "untouched");
}

static void assert_load_error(const struct load *l, int code, const char *msg)
{
	if (l->r != code || strcmp(l->err, msg))
		fail_msg("load: %d \"%s\", expected %d \"%s\"", l->r, l->err,
			 code, msg);
}

/* ---- an ELF32 multiboot v1 kernel with two modules ----------------------- */

#define K_TEXT 0x100000  /* segment 0: 4 KiB of file, 12 KiB in memory */
#define K_DATA 0x200000  /* segment 2: 2 KiB */
#define K_ENTRY 0x100010
#define MOD1_SIZE 5000
#define MOD2_SIZE 3

static uint8_t mod1[MOD1_SIZE], mod2[MOD2_SIZE];
static const struct load_module two_modules[] = {
	{ mod1, MOD1_SIZE, "mod1 --verbose" },
	{ mod2, MOD2_SIZE, "second" },
};

static struct image elf32_mb1_kernel(void)
{
	struct image im = new_image(0x2800, 0);
	const struct seg segs[] = {
		{ PT_LOAD, 0x1000, K_TEXT, 0x1000, 0x3000 },
		/* not PT_LOAD: must not be written anywhere */
		{ PT_NOTE, 0x1800, 0x300000, 0x100, 0x100 },
		{ PT_LOAD, 0x2000, K_DATA, 0x800, 0x800 },
		/* an empty PT_LOAD is skipped */
		{ PT_LOAD, 0, 0x380000, 0, 0 },
	};

	put_elf(&im, false, K_ENTRY, segs, ARRAY_SIZE(segs));
	pattern(im.b + 0x1000, 0x1800, 0x11);
	pattern(im.b + 0x2000, 0x800, 0x22);
	put_mb1(&im, 0x1000, 0x3, NULL); /* page align, memory info */
	return im;
}

static void test_elf32_multiboot1(void **state)
{
	struct image im = elf32_mb1_kernel();
	struct load l = { .req = request(&im) };
	uint8_t text[0x1000];

	pattern(mod1, MOD1_SIZE, 0x33);
	pattern(mod2, MOD2_SIZE, 0x44);
	l.req.cmdline = "console=ttyS0 quiet";
	l.req.n_modules = 2;
	l.req.modules = two_modules;
	run(&l);
	assert_loaded(&l);

	assert_int_equal(l.res.kind, IMAGE_MULTIBOOT1);
	assert_int_equal(l.res.entry, K_ENTRY);
	assert_int_equal(l.res.kernel_end, K_DATA + 0x800);
	assert_int_equal(l.res.eax, 0x2badb002);
	/* segments: file bytes, then BSS zeroed up to memsz */
	memcpy(text, im.b + 0x1000, sizeof(text));
	assert_memory_equal(guest(K_TEXT, 0x1000), text, 0x1000);
	assert_guest_fill(K_TEXT + 0x1000, 0x2000, 0);
	assert_guest_fill(K_TEXT + 0x3000, 0x1000, 0xee);
	assert_guest_pattern(K_DATA, 0x800, 0x22);
	assert_guest_fill(0x300000, 0x100, 0xee); /* PT_NOTE */
	assert_guest_fill(0x380000, 0x10, 0xee);
	assert_guest_fill(0, 0x1000, 0xee);

	/* modules page-aligned after the kernel, then the information */
	assert_guest_pattern(0x201000, MOD1_SIZE, 0x33);
	assert_guest_pattern(0x203000, MOD2_SIZE, 0x44);
	assert_int_equal(l.res.info_gpa, 0x204000);
	assert_int_equal(l.res.ebx, 0x204000);
	assert_true(l.res.info_size >= 72);
	free(im.b);
}

/* Reads the v1 information back, field by field (spec 3.3). */
static void test_mb1_info(void **state)
{
	struct image im = elf32_mb1_kernel();
	struct load l = { .req = request(&im) };
	uint64_t info, end, mods, mmap;
	static const uint64_t map[4][3] = {
		{ 0, 0x9fc00, 1 },
		{ 0x9fc00, 0x400, 2 },
		{ 0xe0000, 0x20000, 2 },
		{ 0x100000, RAM_SIZE - 0x100000, 1 },
	};

	l.req.cmdline = "console=ttyS0 quiet";
	l.req.n_modules = 2;
	l.req.modules = two_modules;
	run(&l);
	assert_loaded(&l);
	info = l.res.info_gpa;
	end = info + l.res.info_size;

	/* flags: mem (0), cmdline (2), mods (3), mmap (6), loader name (9) */
	assert_int_equal(g32(info), 0x24d);
	assert_int_equal(g32(info + 4), 639);
	assert_int_equal(g32(info + 8), (RAM_SIZE - MiB) / KiB);
	assert_in_range(g32(info + 16), info + 72, end - 1);
	assert_guest_string(g32(info + 16), "console=ttyS0 quiet");

	assert_int_equal(g32(info + 20), 2);
	mods = g32(info + 24);
	assert_in_range(mods, info + 72, end - 32);
	assert_int_equal(mods % 4, 0);
	assert_int_equal(g32(mods), 0x201000);
	assert_int_equal(g32(mods + 4), 0x201000 + MOD1_SIZE);
	assert_guest_string(g32(mods + 8), "mod1 --verbose");
	assert_int_equal(g32(mods + 12), 0);
	assert_int_equal(g32(mods + 16), 0x203000);
	assert_int_equal(g32(mods + 20), 0x203000 + MOD2_SIZE);
	assert_guest_string(g32(mods + 24), "second");
	assert_int_equal(g32(mods + 28), 0);

	/* the memory map: 4 entries of size 20 (24 bytes each) */
	assert_int_equal(g32(info + 44), 4 * 24);
	mmap = g32(info + 48);
	assert_in_range(mmap, info + 72, end - 96);
	for (unsigned i = 0; i < 4; i++) {
		uint64_t e = mmap + 24 * i;

		assert_int_equal(g32(e), 20);
		assert_int_equal(g64(e + 4), map[i][0]);
		assert_int_equal(g64(e + 12), map[i][1]);
		assert_int_equal(g32(e + 20), map[i][2]);
	}
	assert_in_range(g32(info + 64), info + 72, end - 3);
	assert_guest_string(g32(info + 64), "hv");
	/* fields the flags do not announce are zero */
	assert_int_equal(g32(info + 12), 0); /* boot_device */
	assert_int_equal(g32(info + 52), 0); /* drives */
	assert_int_equal(g32(info + 60), 0); /* config table */
	assert_int_equal(g32(info + 68), 0); /* APM */
	free(im.b);
}

static void test_mb1_info_without_modules(void **state)
{
	struct image im = elf32_mb1_kernel();
	struct load l = { .req = request(&im) };
	uint64_t info;

	run(&l);
	assert_loaded(&l);
	/* the information follows the kernel at once */
	info = l.res.info_gpa;
	assert_int_equal(info, 0x201000);
	assert_int_equal(g32(info + 20), 0);
	assert_guest_string(g32(info + 16), "");
	assert_int_equal(g32(info + 44), 96);
	assert_guest_string(g32(info + 64), "hv");
	free(im.b);
}

/* ---- an ELF64 multiboot2 kernel ------------------------------------------ */

static struct image elf64_mb2_kernel(void)
{
	struct image im = new_image(0x1400, 0);
	const struct seg segs[] = {
		{ PT_LOAD, 0x1000, 0x100000, 0x400, 0x1000 },
		{ 0x6474e551 /* PT_GNU_STACK */, 0, 0, 0, 0x1000 },
	};

	put_elf(&im, true, 0x100020, segs, ARRAY_SIZE(segs));
	pattern(im.b + 0x1000, 0x400, 0x55);
	put_mb2(&im, 0x200); /* after the program headers */
	return im;
}

/* The tags of a multiboot2 information structure, checked as they come. */
static uint64_t next_tag(uint64_t at, uint64_t end, uint32_t type,
			 uint32_t size)
{
	if (at % 8)
		fail_msg("tag at %#llx not 8-byte aligned", (unsigned long long)at);
	assert_in_range(at + size, at + 8, end);
	if (g32(at) != type || g32(at + 4) != size)
		fail_msg("tag at %#llx: type %u size %u, expected %u %u",
			 (unsigned long long)at, g32(at), g32(at + 4), type,
			 size);
	return (at + size + 7) & ~7ull;
}

static void test_elf64_multiboot2(void **state)
{
	struct image im = elf64_mb2_kernel();
	struct load l = { .req = request(&im) };
	uint64_t info, end, at;
	static const uint64_t map[4][3] = {
		{ 0, 0x9fc00, 1 },
		{ 0x9fc00, 0x400, 2 },
		{ 0xe0000, 0x20000, 2 },
		{ 0x100000, RAM_SIZE - 0x100000, 1 },
	};

	pattern(mod1, MOD1_SIZE, 0x66);
	l.req.cmdline = "root=/dev/ram0";
	l.req.n_modules = 1;
	l.req.modules = two_modules;
	run(&l);
	assert_loaded(&l);
	assert_int_equal(l.res.kind, IMAGE_MULTIBOOT2);
	assert_int_equal(l.res.entry, 0x100020);
	assert_int_equal(l.res.eax, 0x36d76289);
	assert_int_equal(l.res.kernel_end, 0x101000);
	assert_guest_pattern(0x100000, 0x400, 0x55);
	assert_guest_fill(0x100400, 0xc00, 0);
	assert_guest_fill(0, 0x1000, 0xee); /* PT_GNU_STACK: nothing */
	assert_guest_pattern(0x101000, MOD1_SIZE, 0x66);

	info = l.res.info_gpa;
	assert_int_equal(info, 0x103000);
	assert_int_equal(l.res.ebx, info);
	assert_int_equal(info % 8, 0);
	end = info + l.res.info_size;
	assert_int_equal(g32(info), l.res.info_size);
	assert_int_equal(g32(info + 4), 0);

	at = info + 8;
	/* 1: command line */
	assert_guest_string(at + 8, "root=/dev/ram0");
	at = next_tag(at, end, 1, 8 + sizeof("root=/dev/ram0"));
	/* 2: boot loader name */
	assert_guest_string(at + 8, "hv");
	at = next_tag(at, end, 2, 8 + 3);
	/* 3: module */
	assert_int_equal(g32(at + 8), 0x101000);
	assert_int_equal(g32(at + 12), 0x101000 + MOD1_SIZE);
	assert_guest_string(at + 16, "mod1 --verbose");
	at = next_tag(at, end, 3, 16 + sizeof("mod1 --verbose"));
	/* 4: basic memory information */
	assert_int_equal(g32(at + 8), 639);
	assert_int_equal(g32(at + 12), (RAM_SIZE - MiB) / KiB);
	at = next_tag(at, end, 4, 16);
	/* 6: memory map, entries of 24 bytes, version 0 */
	assert_int_equal(g32(at + 8), 24);
	assert_int_equal(g32(at + 12), 0);
	for (unsigned i = 0; i < 4; i++) {
		uint64_t e = at + 16 + 24 * i;

		assert_int_equal(g64(e), map[i][0]);
		assert_int_equal(g64(e + 8), map[i][1]);
		assert_int_equal(g32(e + 16), map[i][2]);
		assert_int_equal(g32(e + 20), 0);
	}
	at = next_tag(at, end, 6, 16 + 4 * 24);
	/* 0: end */
	at = next_tag(at, end, 0, 8);
	assert_int_equal(at, end);
	free(im.b);
}

/* A v2 header wins over a v1 header in the same image. */
static void test_mb2_preferred(void **state)
{
	struct image im = elf64_mb2_kernel();
	struct load l = { .req = request(&im) };

	put_mb1(&im, 0x100, 0, NULL); /* before the v2 header */
	run(&l);
	assert_loaded(&l);
	assert_int_equal(l.res.kind, IMAGE_MULTIBOOT2);
	assert_int_equal(l.res.eax, MB2_BOOT_MAGIC);
	free(im.b);
}

/* ---- the multiboot v1 a.out kludge --------------------------------------- */

static void test_aout_kludge(void **state)
{
	struct image im = new_image(0x1000, 0);
	struct load l = { .req = request(&im) };
	/* the header at file offset 0x40 is at 0x100040 once loaded */
	struct mb1_aout a = { 0x100040, 0x100000, 0x100800, 0x102000,
			      0x100080 };

	pattern(im.b, im.size, 0x77);
	put_mb1(&im, 0x40, MB1_AOUT | 0x3, &a);
	run(&l);
	assert_loaded(&l);
	assert_int_equal(l.res.kind, IMAGE_MULTIBOOT1);
	assert_int_equal(l.res.entry, 0x100080);
	assert_int_equal(l.res.kernel_end, 0x102000);
	assert_int_equal(l.res.eax, MB1_BOOT_MAGIC);
	assert_int_equal(l.res.info_gpa, 0x102000);
	/* load_end: only 0x800 bytes of the file; bss_end: zeroes after */
	assert_guest_pattern(0x100000, 0x40, 0x77);
	assert_memory_equal(guest(0x100040, 4), "\x02\xb0\xad\x1b", 4);
	assert_memory_equal(guest(0x100000, 0x800), im.b, 0x800);
	assert_guest_fill(0x100800, 0x1800, 0);
	free(im.b);
}

static void test_aout_kludge_defaults(void **state)
{
	struct image im = new_image(0x1000, 0);
	struct load l = { .req = request(&im) };
	/* the file's first 0x20 bytes are not loaded: the header is 0x20
	 * past load_addr but 0x40 into the file; load_end 0 = to the end
	 * of the file, bss_end 0 = no BSS */
	struct mb1_aout a = { 0x200020, 0x200000, 0, 0, 0x200000 };

	pattern(im.b, im.size, 0x12);
	put_mb1(&im, 0x40, MB1_AOUT, &a);
	run(&l);
	assert_loaded(&l);
	assert_int_equal(l.res.entry, 0x200000);
	assert_int_equal(l.res.kernel_end, 0x200000 + 0x1000 - 0x20);
	assert_memory_equal(guest(0x200000, 0x1000 - 0x20), im.b + 0x20,
			    0x1000 - 0x20);
	assert_guest_fill(0x200000 + 0x1000 - 0x20, 0x20, 0xee);
	free(im.b);
}

static void test_aout_kludge_errors(void **state)
{
	struct image im = new_image(0x1000, 0);
	struct load l = { .req = request(&im) };
	struct mb1_aout a;

	/* load_addr above header_addr */
	a = (struct mb1_aout){ 0x100040, 0x100041, 0, 0, 0x100000 };
	put_mb1(&im, 0x40, MB1_AOUT, &a);
	run(&l);
	assert_load_error(&l, -ENOEXEC, "kern: bad a.out kludge addresses");
	/* the header further into memory than into the file */
	a = (struct mb1_aout){ 0x100080, 0x100000, 0, 0, 0x100000 };
	put_mb1(&im, 0x40, MB1_AOUT, &a);
	run(&l);
	assert_load_error(&l, -ENOEXEC, "kern: bad a.out kludge addresses");
	/* load_end below load_addr */
	a = (struct mb1_aout){ 0x100040, 0x100000, 0xff000, 0, 0x100000 };
	put_mb1(&im, 0x40, MB1_AOUT, &a);
	run(&l);
	assert_load_error(&l, -ENOEXEC, "kern: bad a.out kludge addresses");
	/* load_end past the file */
	a = (struct mb1_aout){ 0x100040, 0x100000, 0x101001, 0, 0x100000 };
	put_mb1(&im, 0x40, MB1_AOUT, &a);
	run(&l);
	assert_load_error(&l, -ENOEXEC,
			  "kern: a.out kludge load runs past the file");
	/* beyond RAM */
	a = (struct mb1_aout){ 0x3ff040, 0x3ff000, 0, 0x401000, 0x3ff000 };
	put_mb1(&im, 0x40, MB1_AOUT, &a);
	run(&l);
	assert_load_error(&l, -ERANGE,
			  "kern: segment 0x3ff000-0x401000 does not fit in "
			  "the VM's 4096 KiB of RAM");
	free(im.b);

	/* the header's address fields cut off by the end of the file */
	im = new_image(0x50, 0);
	l.req = request(&im);
	put_mb1(&im, 0x40, MB1_AOUT, NULL);
	run(&l);
	assert_load_error(&l, -ENOEXEC, "kern: truncated multiboot header");
	free(im.b);
}

/* ---- flat images --------------------------------------------------------- */

static void test_flat_image(void **state)
{
	struct image im = new_image(0x200, 0);
	struct load l = { .req = request(&im) };

	pattern(im.b, im.size, 0x99);
	l.req.flat_load = 0x7c00;
	run(&l);
	assert_loaded(&l);
	assert_int_equal(l.res.kind, IMAGE_FLAT);
	assert_int_equal(l.res.real_cs, 0x07c0);
	assert_int_equal(l.res.real_ip, 0);
	assert_int_equal(l.res.kernel_end, 0x7e00);
	/* no multiboot information for a flat image */
	assert_int_equal(l.res.eax, 0);
	assert_int_equal(l.res.ebx, 0);
	assert_int_equal(l.res.info_gpa, 0);
	assert_int_equal(l.res.info_size, 0);
	assert_guest_pattern(0x7c00, 0x200, 0x99);
	assert_guest_fill(0x7e00, 0x1000, 0xee);

	/* an unaligned load address: CS:IP from it */
	l.req.flat_load = 0x12345;
	run(&l);
	assert_loaded(&l);
	assert_int_equal(l.res.real_cs, 0x1234);
	assert_int_equal(l.res.real_ip, 5);
	assert_guest_pattern(0x12345, 0x200, 0x99);

	/* ending at 640 KiB exactly is fine, one byte more is not */
	l.req.flat_load = 0xa0000 - 0x200;
	run(&l);
	assert_loaded(&l);
	assert_int_equal(l.res.real_cs, 0x9fe0);
	l.req.flat_load = 0xa0000 - 0x1ff;
	run(&l);
	assert_load_error(&l, -ERANGE,
			  "kern: flat image of 512 bytes at 0x9fe01 runs past "
			  "640 KiB, the real-mode limit");
	free(im.b);
}

/* With the flat format forced, a multiboot header is just bytes. */
static void test_flat_format_forced(void **state)
{
	struct image im = new_image(0x1000, 0x90);
	struct load l = { .req = request(&im) };

	put_mb2(&im, 0x80);
	/* left to itself, the loader sees the header */
	run(&l);
	assert_load_error(&l, -ENOEXEC,
			  "kern: multiboot image is neither ELF nor "
			  "a.out-kludge");

	l.req.format = VM_FORMAT_FLAT;
	l.req.flat_load = 0x1000;
	run(&l);
	assert_loaded(&l);
	assert_int_equal(l.res.kind, IMAGE_FLAT);
	assert_int_equal(l.res.real_cs, 0x100);
	assert_int_equal(l.res.real_ip, 0);
	assert_int_equal(l.res.eax, 0);
	assert_memory_equal(guest(0x1000, im.size), im.b, im.size);
	free(im.b);
}

/* ---- errors -------------------------------------------------------------- */

static void test_empty_and_headerless(void **state)
{
	struct image im = new_image(0x3000, 0);
	struct load l = { .req = request(&im) };
	const struct seg seg = { PT_LOAD, 0x1000, 0x100000, 0x100, 0x100 };

	l.req.image_size = 0;
	run(&l);
	assert_load_error(&l, -ENOEXEC, "kern: empty image");

	/* an ELF without a multiboot header */
	put_elf(&im, false, 0x100000, &seg, 1);
	l.req = request(&im);
	run(&l);
	assert_load_error(&l, -ENOEXEC,
			  "kern: no multiboot header in the first 32 KiB");
	/* a header beyond the first 8 KiB is not a header */
	put_mb1(&im, 0x2000, 0, NULL);
	run(&l);
	assert_load_error(&l, -ENOEXEC,
			  "kern: no multiboot header in the first 32 KiB");
	free(im.b);

	/* multiboot asked for, but a plain binary */
	im = new_image(0x400, 0x90);
	l.req = request(&im);
	l.req.format = VM_FORMAT_MULTIBOOT;
	run(&l);
	assert_load_error(&l, -ENOEXEC,
			  "kern: no multiboot header in the first 32 KiB");
	/* a v2 header on something that is not ELF */
	put_mb2(&im, 0x100);
	run(&l);
	assert_load_error(&l, -ENOEXEC,
			  "kern: multiboot image is neither ELF nor "
			  "a.out-kludge");
	/* a v1 header without the a.out flag, not ELF */
	im.b[0x100] = 0;
	put_mb1(&im, 0x200, 0, NULL);
	run(&l);
	assert_load_error(&l, -ENOEXEC,
			  "kern: multiboot image is neither ELF nor "
			  "a.out-kludge");
	free(im.b);
}

/* An ELF32 image with a v1 header and one PT_LOAD, to break. */
static struct image small_elf(bool is64)
{
	struct image im = new_image(0x1400, 0);
	const struct seg seg = { PT_LOAD, 0x1000, 0x100000, 0x400, 0x400 };

	put_elf(&im, is64, 0x100000, &seg, 1);
	put_mb1(&im, 0x1000, 0, NULL);
	return im;
}

static void test_malformed_elf(void **state)
{
	for (int is64 = 0; is64 <= 1; is64++) {
		struct image im;
		struct load l;
		size_t phentsize_at = is64 ? 54 : 42, phoff_at = is64 ? 32 : 28;

		im = small_elf(is64);
		l.req = request(&im);
		run(&l);
		assert_loaded(&l);

		im.b[4] = 3; /* class */
		run(&l);
		assert_load_error(&l, -ENOEXEC, "kern: malformed ELF header");
		im.b[4] = is64 ? 2 : 1;
		im.b[5] = 2; /* big-endian */
		run(&l);
		assert_load_error(&l, -ENOEXEC, "kern: malformed ELF header");
		im.b[5] = 1;
		put16(&im, phentsize_at, is64 ? 55 : 31);
		run(&l);
		assert_load_error(&l, -ENOEXEC, "kern: malformed ELF header");
		put16(&im, phentsize_at, is64 ? 56 : 32);
		/* program headers past the end of the file */
		if (is64)
			put64(&im, phoff_at, 0x1400 - 55);
		else
			put32(&im, phoff_at, 0x1400 - 31);
		run(&l);
		assert_load_error(&l, -ENOEXEC, "kern: malformed ELF header");
		if (is64)
			put64(&im, phoff_at, 0x1401);
		else
			put32(&im, phoff_at, 0x1401);
		run(&l);
		assert_load_error(&l, -ENOEXEC, "kern: malformed ELF header");
		free(im.b);
	}
}

/* ELF images too small for their own header: nothing is read past the
 * end of the image. */
static void test_tiny_elf(void **state)
{
	for (size_t size = 20; size < 64; size += 4) {
		for (int cls = 1; cls <= 2; cls++) {
			struct image im = new_image(size, 0);
			struct load l = { .req = request(&im) };

			memcpy(im.b, "\177ELF", 4);
			im.b[4] = (uint8_t)cls;
			im.b[5] = 1;
			put_mb1(&im, 8, 0, NULL);
			run(&l);
			assert_load_error(&l, -ENOEXEC,
					  "kern: malformed ELF header");
			free(im.b);
		}
	}
}

static void test_segment_errors(void **state)
{
	struct image im = new_image(0x1400, 0);
	struct load l = { .req = request(&im) };
	struct seg segs[2] = {
		{ PT_LOAD, 0x1000, 0x100000, 0x400, 0x400 },
		{ PT_LOAD, 0x1000, 0x200000, 0x401, 0x401 },
	};

	/* segment 1's file bytes run past the end */
	put_elf(&im, false, 0x100000, segs, 2);
	put_mb1(&im, 0x1000, 0, NULL);
	run(&l);
	assert_load_error(&l, -ENOEXEC,
			  "kern: segment 1 runs past the end of the file");
	segs[1].offset = 0x1401;
	segs[1].filesz = 0;
	put_elf(&im, false, 0x100000, segs, 2);
	run(&l);
	assert_load_error(&l, -ENOEXEC,
			  "kern: segment 1 runs past the end of the file");

	/* a segment beyond RAM, by its memory size */
	segs[1] = (struct seg){ PT_LOAD, 0x1000, RAM_SIZE - 0x1000, 0x400,
				0x2000 };
	put_elf(&im, false, 0x100000, segs, 2);
	run(&l);
	assert_load_error(&l, -ERANGE,
			  "kern: segment 0x3ff000-0x401000 does not fit in the "
			  "VM's 4096 KiB of RAM");
	/* a page lower it fits, and the information after it too */
	segs[1].paddr = RAM_SIZE - 0x2000;
	segs[1].memsz = 0x1000;
	put_elf(&im, false, 0x100000, segs, 2);
	run(&l);
	assert_loaded(&l);
	assert_int_equal(l.res.kernel_end, RAM_SIZE - 0x1000);
	assert_int_equal(l.res.info_gpa, RAM_SIZE - 0x1000);
	/* a 64-bit address that would wrap */
	free(im.b);
	im = new_image(0x1400, 0);
	l.req = request(&im);
	segs[1] = (struct seg){ PT_LOAD, 0x1000, 0xfffffffffffff000ull, 0x400,
				0x2000 };
	put_elf(&im, true, 0x100000, segs, 2);
	put_mb1(&im, 0x1000, 0, NULL);
	run(&l);
	assert_int_equal(l.r, -ERANGE);
	assert_non_null(strstr(l.err, "does not fit in the VM's 4096 KiB"));

	/* no PT_LOAD at all */
	segs[0].type = PT_NOTE;
	segs[1].type = PT_NOTE;
	put_elf(&im, true, 0x100000, segs, 2);
	run(&l);
	assert_load_error(&l, -ENOEXEC, "kern: no loadable segment");
	free(im.b);
}

static void test_entry_outside_ram(void **state)
{
	struct image im = small_elf(false);
	struct load l = { .req = request(&im) };

	put32(&im, 24, RAM_SIZE);
	run(&l);
	assert_load_error(&l, -ENOEXEC, "kern: entry point 0x400000 is outside "
					"RAM");
	put32(&im, 24, RAM_SIZE - 1);
	run(&l);
	assert_loaded(&l);
	assert_int_equal(l.res.entry, RAM_SIZE - 1);
	free(im.b);
}

static void test_modules_and_info_must_fit(void **state)
{
	static uint8_t big[0x300000];
	static char long_cmdline[9000];
	struct image im = small_elf(false);
	struct load l = { .req = request(&im) };
	struct load_module m = { big, 0, "big" };
	uint64_t info_size;
	char want[120];

	l.req.n_modules = 1;
	l.req.modules = &m;
	/* kernel ends at 0x100400: the module goes at 0x101000; with a
	 * page left after it, the information fits */
	m.size = RAM_SIZE - 0x101000 - 0x1000;
	run(&l);
	assert_loaded(&l);
	assert_int_equal(l.res.info_gpa, RAM_SIZE - 0x1000);
	info_size = l.res.info_size;
	assert_in_range(info_size, 72 + 16 + 24 * 4, 0x1000);
	/* one byte too many for the module */
	m.size = RAM_SIZE - 0x101000 + 1;
	run(&l);
	assert_load_error(&l, -ENOMEM,
			  "kern: a module needs RAM up to 0x400001, beyond "
			  "the VM's 4096 KiB");
	/* the module fits exactly, the information does not */
	m.size = RAM_SIZE - 0x101000;
	run(&l);
	snprintf(want, sizeof(want),
		 "kern: the boot information needs RAM up to %#llx, beyond the "
		 "VM's 4096 KiB",
		 (unsigned long long)(RAM_SIZE + info_size));
	assert_load_error(&l, -ENOMEM, want);
	/* information larger than its 8 KiB buffer */
	memset(long_cmdline, 'x', sizeof(long_cmdline) - 1);
	l.req.cmdline = long_cmdline;
	l.req.n_modules = 0;
	run(&l);
	assert_load_error(&l, -E2BIG, "kern: the boot information (command "
			  "line, module strings) exceeds 8192 bytes");
	free(im.b);
}

static void test_error_buffer_truncated(void **state)
{
	struct image im = new_image(0x10, 0);
	struct load_request req = request(&im);
	struct load_result res;
	char err[16];

	req.image_size = 0;
	memset(err, '#', sizeof(err));
	assert_int_equal(load_image(&mem, &req, &res, err, 8), -ENOEXEC);
	assert_string_equal(err, "kern: e");
	assert_int_equal(err[8], '#');
	/* shorter than the name */
	assert_int_equal(load_image(&mem, &req, &res, err, 3), -ENOEXEC);
	assert_string_equal(err, "ke");
	assert_int_equal(load_image(&mem, &req, &res, NULL, 0), -ENOEXEC);
	free(im.b);
}

/* ---- finding the headers ------------------------------------------------- */

static void test_find_mb1_header(void **state)
{
	struct image im = new_image(0x3000, 0);

	assert_int_equal(find_mb1_header(im.b, im.size), -1);
	put_mb1(&im, 0, 0, NULL);
	assert_int_equal(find_mb1_header(im.b, im.size), 0);
	assert_int_equal(find_mb1_header(im.b, 12), 0);
	assert_int_equal(find_mb1_header(im.b, 11), -1);
	memset(im.b, 0, im.size);
	/* the first of two */
	put_mb1(&im, 0x100, 0x10003, NULL);
	put_mb1(&im, 0x40, 0x2, NULL);
	assert_int_equal(find_mb1_header(im.b, im.size), 0x40);
	memset(im.b, 0, im.size);
	/* 4-byte aligned only */
	put_mb1(&im, 0x102, 0, NULL);
	assert_int_equal(find_mb1_header(im.b, im.size), -1);
	/* the checksum must match */
	put_mb1(&im, 0x200, 0x3, NULL);
	put32(&im, 0x208, -(MB1_HEADER_MAGIC + 0x3) + 1);
	assert_int_equal(find_mb1_header(im.b, im.size), -1);
	put32(&im, 0x208, -(MB1_HEADER_MAGIC + 0x3));
	assert_int_equal(find_mb1_header(im.b, im.size), 0x200);
	memset(im.b, 0, im.size);
	/* wholly within the first 8192 bytes (spec 3.1.1) */
	put_mb1(&im, 8192 - 12, 0, NULL);
	assert_int_equal(find_mb1_header(im.b, im.size), 8192 - 12);
	memset(im.b, 0, im.size);
	put_mb1(&im, 8192 - 8, 0, NULL);
	assert_int_equal(find_mb1_header(im.b, im.size), -1);
	memset(im.b, 0, im.size);
	put_mb1(&im, 8192, 0, NULL);
	assert_int_equal(find_mb1_header(im.b, im.size), -1);
	free(im.b);
}

static void test_find_mb2_header(void **state)
{
	struct image im = new_image(0x9000, 0);

	assert_int_equal(find_mb2_header(im.b, im.size), -1);
	put_mb2(&im, 0x18);
	assert_int_equal(find_mb2_header(im.b, im.size), 0x18);
	assert_int_equal(find_mb2_header(im.b, 0x18 + 16), 0x18);
	assert_int_equal(find_mb2_header(im.b, 0x18 + 15), -1);
	memset(im.b, 0, im.size);
	/* 8-byte aligned only */
	put_mb2(&im, 0x104);
	assert_int_equal(find_mb2_header(im.b, im.size), -1);
	memset(im.b, 0, im.size);
	/* the architecture must be i386 (0), the checksum must match */
	put_mb2(&im, 0x100);
	put32(&im, 0x104, 4);
	put32(&im, 0x10c, -(MB2_HEADER_MAGIC_ + 4 + 24));
	assert_int_equal(find_mb2_header(im.b, im.size), -1);
	put_mb2(&im, 0x100);
	put32(&im, 0x10c, 0);
	assert_int_equal(find_mb2_header(im.b, im.size), -1);
	/* a v1 header is not a v2 one */
	memset(im.b, 0, im.size);
	put_mb1(&im, 0x100, 0, NULL);
	assert_int_equal(find_mb2_header(im.b, im.size), -1);
	/* wholly within the first 32768 bytes */
	memset(im.b, 0, im.size);
	put_mb2(&im, 32768 - 16);
	assert_int_equal(find_mb2_header(im.b, im.size), 32768 - 16);
	memset(im.b, 0, im.size);
	put_mb2(&im, 32768 - 8);
	assert_int_equal(find_mb2_header(im.b, im.size), -1);
	memset(im.b, 0, im.size);
	put_mb2(&im, 32768);
	assert_int_equal(find_mb2_header(im.b, im.size), -1);
	free(im.b);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_elf32_multiboot1),
		T(test_mb1_info),
		T(test_mb1_info_without_modules),
		T(test_elf64_multiboot2),
		T(test_mb2_preferred),
		T(test_aout_kludge),
		T(test_aout_kludge_defaults),
		T(test_aout_kludge_errors),
		T(test_flat_image),
		T(test_flat_format_forced),
		T(test_empty_and_headerless),
		T(test_malformed_elf),
		T(test_tiny_elf),
		T(test_segment_errors),
		T(test_entry_outside_ram),
		T(test_modules_and_info_must_fit),
		T(test_error_buffer_truncated),
		T(test_find_mb1_header),
		T(test_find_mb2_header),
	};

	return cmocka_run_group_tests_name("loader", tests, NULL, NULL);
}
