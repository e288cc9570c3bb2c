/* SPDX-License-Identifier: MIT */
/*
 * guests/linux.c: bzImages built here (a setup area with the header
 * fields of Documentation/x86/boot.rst, and a recognisable protected-mode
 * payload) loaded into a real gpa_space over a fake arena. Everything
 * the loader writes is read back from guest memory: the kernel, the
 * initrd, boot_params byte for byte, the E820 table, the command line,
 * the page tables (walked) and the GDT. When the Debian kernel has been
 * fetched to build/linux/vmlinuz (make linux-guest), its header is
 * loaded too; otherwise that test is skipped.
 */
#include "arena.h"

#include <stdbool.h>

#include "ept/gpa.h"
#include "guests/linux.h"
#include "lib/errno.h"

#define KiB 1024ull
#define MiB (1024 * KiB)
#define GiB (1024 * MiB)
#define RAM_SIZE (32 * MiB)
#define BIG_RAM_SIZE (128 * MiB)

/* the synthetic kernel */
#define SETUP_SECTS 3
#define SETUP_BYTES ((SETUP_SECTS + 1) * 512)
#define PM_SIZE (0x3000 + 123)
#define PREF 0x200000ull
#define ALIGN 0x200000u
#define INIT_SIZE 0x400000u
#define HDR_END 0x26c /* 0x202 + the jump's 0x6a */
#define CMDLINE_SIZE 0x7ff
#define RSDP 0xf0120ull

#define REAL_KERNEL "build/linux/vmlinuz"

static struct gpa_space mem;
static uint64_t ram_size;
static uint8_t *img;
static uint64_t img_size;
static char err[256];

/* ---- set-up ----------------------------------------------------------- */

static void put8(uint8_t *p, unsigned off, uint8_t v)
{
	p[off] = v;
}

static void put16(uint8_t *p, unsigned off, uint16_t v)
{
	memcpy(p + off, &v, 2);
}

static void put32(uint8_t *p, unsigned off, uint32_t v)
{
	memcpy(p + off, &v, 4);
}

static void put64(uint8_t *p, unsigned off, uint64_t v)
{
	memcpy(p + off, &v, 8);
}

static uint8_t pm_byte(uint64_t i)
{
	return (uint8_t)((i * 31 + 7) ^ (i >> 8));
}

/* A bzImage with protocol 2.15, a 64-bit entry, relocatable, preferring
 * 2 MiB. Fields the loader must overwrite hold junk. */
static void make_kernel(uint64_t pm_size)
{
	free(img);
	img_size = SETUP_BYTES + pm_size;
	img = malloc(img_size);
	assert_non_null(img);
	memset(img, 0x11, 0x1f1);              /* the boot sector */
	memset(img + 0x1f1, 0, HDR_END - 0x1f1);
	memset(img + HDR_END, 0x5a, SETUP_BYTES - HDR_END); /* setup code */
	for (unsigned off = 0x23c; off < 0x250; off++) /* subarch, payload */
		img[off] = (uint8_t)(off * 7);
	put8(img, 0x1f1, SETUP_SECTS);
	put32(img, 0x1f4, (uint32_t)(pm_size / 16));
	put16(img, 0x1fa, 0xffff);
	put16(img, 0x1fe, 0xaa55);
	put8(img, 0x200, 0xeb);
	put8(img, 0x201, HDR_END - 0x202);
	memcpy(img + 0x202, "HdrS", 4);
	put16(img, 0x206, 0x020f);
	put8(img, 0x210, 0x42);                /* type_of_loader */
	put8(img, 0x211, 0x01 | 0x20 | 0x40); /* LOADED_HIGH, QUIET, KEEP_SEGS */
	put32(img, 0x214, 0x100000);
	put32(img, 0x218, 0xdeadbeef);         /* ramdisk_image */
	put32(img, 0x21c, 0xdeadbeef);         /* ramdisk_size */
	put16(img, 0x224, 0x1234);             /* heap_end_ptr */
	put32(img, 0x228, 0xcafebabe);         /* cmd_line_ptr */
	put32(img, 0x22c, 0x7fffffff);         /* initrd_addr_max */
	put32(img, 0x230, ALIGN);
	put8(img, 0x234, 1);                   /* relocatable_kernel */
	put8(img, 0x235, 21);
	put16(img, 0x236, XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G);
	put32(img, 0x238, CMDLINE_SIZE);
	put64(img, 0x250, 0);                  /* setup_data */
	put64(img, 0x258, PREF);
	put32(img, 0x260, INIT_SIZE);
	put32(img, 0x264, 0x1230);             /* handover_offset */
	put32(img, 0x268, 0x4560);             /* kernel_info_offset */
	for (uint64_t i = 0; i < pm_size; i++)
		img[SETUP_BYTES + i] = pm_byte(i);
}

static void ram_setup(uint64_t size)
{
	ram_size = size;
	arena_setup(size);
	/* guest RAM starts dirty, so that what is (not) written shows */
	memset(arena.ram, 0xee, size);
	assert_int_equal(gpa_init(&mem, &arena_env, 3, arena_ram_virt), 0);
	assert_int_equal(gpa_add_ram(&mem, 0, ARENA_RAM_HPA, size), 0);
	make_kernel(PM_SIZE);
	memset(err, 0, sizeof(err));
}

static int setup(void **state)
{
	ram_setup(RAM_SIZE);
	return 0;
}

static int setup_big(void **state)
{
	ram_setup(BIG_RAM_SIZE);
	return 0;
}

static int teardown(void **state)
{
	gpa_destroy(&mem);
	assert_int_equal(arena.live, 0);
	arena_teardown();
	free(img);
	img = NULL;
	return 0;
}

/* ---- guest memory, read back ------------------------------------------ */

static const uint8_t *guest(uint64_t gpa, uint64_t len)
{
	if (gpa > ram_size || len > ram_size - gpa)
		fail_msg("guest range %#llx+%#llx outside RAM",
			 (unsigned long long)gpa, (unsigned long long)len);
	return arena.ram + gpa;
}

static uint8_t g8(uint64_t gpa)
{
	return *guest(gpa, 1);
}

static uint16_t g16(uint64_t gpa)
{
	uint16_t v;

	memcpy(&v, guest(gpa, 2), 2);
	return v;
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

/* Every byte of [gpa, gpa+len) is byte. */
static void assert_guest_fill(uint64_t gpa, uint64_t len, uint8_t byte)
{
	const uint8_t *p = guest(gpa, len);

	for (uint64_t i = 0; i < len; i++)
		if (p[i] != byte)
			fail_msg("guest %#llx is %#x, not %#x",
				 (unsigned long long)(gpa + i), p[i], byte);
}

static void assert_guest_bytes(uint64_t gpa, const void *want, uint64_t len)
{
	const uint8_t *p = guest(gpa, len), *w = want;

	for (uint64_t i = 0; i < len; i++)
		if (p[i] != w[i])
			fail_msg("guest %#llx is %#x, not %#x",
				 (unsigned long long)(gpa + i), p[i], w[i]);
}

/* ---- the request ------------------------------------------------------ */

static struct e820_entry e820[BP_E820_MAX + 1];
static unsigned n_e820;

static void default_e820(void)
{
	n_e820 = 0;
	e820[n_e820++] = (struct e820_entry){ 0, 0x9fc00, E820_RAM };
	e820[n_e820++] = (struct e820_entry){ 0x9fc00, 0x400, E820_RESERVED };
	e820[n_e820++] = (struct e820_entry){ 0xf0000, 0x10000, E820_RESERVED };
	e820[n_e820++] = (struct e820_entry){ 0x100000, ram_size - 0x100000,
					      E820_RAM };
}

static struct linux_request request(void)
{
	default_e820();
	return (struct linux_request){
		.kernel = img,
		.kernel_size = img_size,
		.name = "vmlinuz",
		.cmdline = "console=ttyS0 quiet",
		.ram_size = ram_size,
		.rsdp_gpa = RSDP,
		.e820 = e820,
		.n_e820 = n_e820,
	};
}

static int load(const struct linux_request *req, struct linux_result *res)
{
	memset(err, 0, sizeof(err));
	memset(res, 0x77, sizeof(*res));
	return linux_load(&mem, req, res, err, sizeof(err));
}

static void load_ok(const struct linux_request *req, struct linux_result *res)
{
	int r = load(req, res);

	if (r)
		fail_msg("linux_load: %d: %s", r, err);
}

/* A load that fails with code and exactly msg, and leaves RAM untouched. */
static void load_fails(const struct linux_request *req, int code,
		       const char *msg)
{
	struct linux_result res;
	int r = load(req, &res);

	assert_int_equal(r, code);
	assert_string_equal(err, msg);
	assert_int_equal(res.entry, 0);
	assert_guest_fill(0, ram_size, 0xee);
}

/* ---- recognising a bzImage -------------------------------------------- */

static void test_is_bzimage(void **state)
{
	assert_true(linux_is_bzimage(img, img_size));
	assert_true(linux_is_bzimage(img, 0x206));
	assert_false(linux_is_bzimage(img, 0x205));
	put16(img, 0x206, 0x0200); /* an old protocol is still a bzImage */
	assert_true(linux_is_bzimage(img, img_size));
	put8(img, 0x1fe, 0x56);
	assert_false(linux_is_bzimage(img, img_size));
	put8(img, 0x1fe, 0x55);
	put8(img, 0x205, 's');
	assert_false(linux_is_bzimage(img, img_size));
}

/* ---- a whole load ----------------------------------------------------- */

static void test_result(void **state)
{
	struct linux_request req = request();
	struct linux_result res;

	load_ok(&req, &res);
	assert_int_equal(res.entry, PREF + 0x200);
	assert_int_equal(res.boot_params, 0x8000);
	assert_int_equal(res.cr3, 0x2000);
	assert_int_equal(res.gdt_base, 0x1000);
	assert_int_equal(res.gdt_limit, 0x1f);
	assert_int_equal(res.kernel_start, PREF);
	assert_int_equal(res.kernel_end, PREF + INIT_SIZE);
	assert_int_equal(res.initrd_start, 0);
	assert_int_equal(res.initrd_end, 0);
	assert_false(res.cmdline_truncated);
}

static void test_kernel_placed(void **state)
{
	struct linux_request req = request();
	struct linux_result res;

	load_ok(&req, &res);
	/* the protected-mode kernel, after the setup area, at 2 MiB */
	assert_guest_bytes(PREF, img + SETUP_BYTES, PM_SIZE);
	assert_int_equal(g8(PREF), pm_byte(0));
	assert_int_equal(g8(PREF + PM_SIZE - 1), pm_byte(PM_SIZE - 1));
	/* nothing else is written: not the rest of init_size, not the
	 * setup code, nothing above the command line */
	assert_guest_fill(0, 0x1000, 0xee);
	assert_guest_fill(0x9000 + strlen(req.cmdline) + 1,
			  PREF - 0x9000 - strlen(req.cmdline) - 1, 0xee);
	assert_guest_fill(PREF + PM_SIZE, ram_size - PREF - PM_SIZE, 0xee);
}

static void test_not_relocatable(void **state)
{
	struct linux_request req;
	struct linux_result res;

	/* relocatable: the preferred address rounded up to the alignment */
	put64(img, 0x258, 0x180000);
	req = request();
	load_ok(&req, &res);
	assert_int_equal(res.kernel_start, 0x200000);
	assert_int_equal(res.entry, 0x200200);
	assert_int_equal(res.kernel_end, 0x200000 + INIT_SIZE);
	assert_guest_bytes(0x200000, img + SETUP_BYTES, PM_SIZE);

	/* not relocatable: exactly there */
	memset(arena.ram, 0xee, ram_size);
	put8(img, 0x234, 0);
	put32(img, 0x230, 0); /* alignment does not matter then */
	load_ok(&req, &res);
	assert_int_equal(res.kernel_start, 0x180000);
	assert_int_equal(res.entry, 0x180200);
	assert_int_equal(res.kernel_end, 0x180000 + INIT_SIZE);
	assert_guest_bytes(0x180000, img + SETUP_BYTES, PM_SIZE);
	assert_guest_fill(0x180000 + PM_SIZE, 0x1000, 0xee);
}

static void test_kernel_bigger_than_init_size(void **state)
{
	struct linux_request req;
	struct linux_result res;

	/* a file with a trailer (a signature) past init_size still loads,
	 * and the kernel's range covers it */
	make_kernel(0x5000);
	put32(img, 0x260, 0x4000);
	req = request();
	load_ok(&req, &res);
	assert_int_equal(res.kernel_end, PREF + 0x5000);
	assert_guest_bytes(PREF, img + SETUP_BYTES, 0x5000);

	/* setup_sects 0 means 4 */
	memset(arena.ram, 0xee, ram_size);
	put8(img, 0x1f1, 0);
	load_ok(&req, &res);
	assert_int_equal(res.kernel_end, PREF + 0x5000 + SETUP_BYTES - 5 * 512);
	assert_guest_bytes(PREF, img + 5 * 512, 0x5000 + SETUP_BYTES - 5 * 512);
}

/* ---- boot_params ------------------------------------------------------ */

static void test_boot_params_fields(void **state)
{
	struct linux_request req = request();
	struct linux_result res;
	const uint64_t bp = 0x8000;

	load_ok(&req, &res);
	assert_int_equal(g64(bp + 0x070), RSDP);          /* acpi_rsdp_addr */
	assert_int_equal(g32(bp + 0x0c0), 0);             /* ext_ramdisk_image */
	assert_int_equal(g32(bp + 0x0c4), 0);             /* ext_ramdisk_size */
	assert_int_equal(g32(bp + 0x0c8), 0);             /* ext_cmd_line_ptr */
	assert_int_equal(g8(bp + 0x1e8), 4);              /* e820_entries */
	assert_int_equal(g8(bp + 0x1ef), 0);              /* sentinel */
	assert_int_equal(g8(bp + 0x1f1), SETUP_SECTS);
	assert_int_equal(g16(bp + 0x1fa), 0xffff);        /* vid_mode */
	assert_int_equal(g16(bp + 0x1fe), 0xaa55);
	assert_int_equal(g32(bp + 0x202), 0x53726448);    /* HdrS */
	assert_int_equal(g16(bp + 0x206), 0x020f);
	assert_int_equal(g8(bp + 0x210), 0xff);           /* type_of_loader */
	assert_int_equal(g8(bp + 0x211), 0x81);           /* LOADED_HIGH|HEAP */
	assert_int_equal(g32(bp + 0x214), 0x100000);      /* code32_start kept */
	assert_int_equal(g32(bp + 0x218), 0);             /* ramdisk_image */
	assert_int_equal(g32(bp + 0x21c), 0);             /* ramdisk_size */
	assert_int_equal(g16(bp + 0x224), 0xfe00);        /* heap_end_ptr */
	assert_int_equal(g32(bp + 0x228), 0x9000);        /* cmd_line_ptr */
	assert_int_equal(g32(bp + 0x22c), 0x7fffffff);
	assert_int_equal(g32(bp + 0x230), ALIGN);
	assert_int_equal(g8(bp + 0x234), 1);
	assert_int_equal(g16(bp + 0x236), 3);
	assert_int_equal(g32(bp + 0x238), CMDLINE_SIZE);
	assert_int_equal(g64(bp + 0x250), 0);             /* setup_data */
	assert_int_equal(g64(bp + 0x258), PREF);
	assert_int_equal(g32(bp + 0x260), INIT_SIZE);
	assert_int_equal(g32(bp + 0x268), 0x4560);        /* last header field */
	assert_int_equal(g8(bp + HDR_END), 0);            /* not copied beyond */
	assert_int_equal(g8(bp + 0x1f0), 0);              /* nor before */
}

/* The whole page against one built here from the rules. */
static void test_boot_params_page(void **state)
{
	struct linux_request req;
	struct linux_result res;
	uint8_t want[4096] = { 0 };
	static const uint8_t odd[20] = { 0xef, 0xcd, 0xab, 0x89, 0x67, 0x45,
					 0x23, 0x01, 0x88, 0x77, 0x66, 0x55,
					 0x44, 0x33, 0x22, 0x11, 0xef, 0xbe,
					 0xad, 0xde };
	static const uint8_t initrd[5000] = { 1, 2, 3 };

	req = request();
	e820[n_e820++] = (struct e820_entry){ 0x0123456789abcdefull,
					      0x1122334455667788ull,
					      0xdeadbeef };
	req.n_e820 = n_e820;
	req.initrd = initrd;
	req.initrd_size = sizeof(initrd);
	load_ok(&req, &res);

	memcpy(want + 0x1f1, img + 0x1f1, HDR_END - 0x1f1);
	want[0x210] = 0xff;
	want[0x211] = 0x81;
	put16(want, 0x224, 0xfe00);
	put32(want, 0x228, 0x9000);
	put32(want, 0x218, (uint32_t)(RAM_SIZE - 0x2000));
	put32(want, 0x21c, sizeof(initrd));
	put64(want, 0x070, RSDP);
	want[0x1e8] = 5;
	for (unsigned i = 0; i < 4; i++) {
		put64(want, 0x2d0 + i * 20, e820[i].addr);
		put64(want, 0x2d0 + i * 20 + 8, e820[i].size);
		put32(want, 0x2d0 + i * 20 + 16, e820[i].type);
	}
	memcpy(want + 0x2d0 + 4 * 20, odd, 20);
	assert_guest_bytes(0x8000, want, sizeof(want));
	/* the packed table, spelled out */
	assert_int_equal(g64(0x8000 + 0x2d0 + 20 * 3), 0x100000);
	assert_int_equal(g64(0x8000 + 0x2d0 + 20 * 3 + 8), RAM_SIZE - 0x100000);
	assert_int_equal(g32(0x8000 + 0x2d0 + 20 * 3 + 16), 1);
	assert_int_equal(g32(0x8000 + 0x2d0 + 20 * 1 + 16), 2);
	assert_int_equal(g64(0x8000 + 0x2d0 + 20 * 1), 0x9fc00);
}

static void test_e820_full_table(void **state)
{
	struct linux_request req = request();
	struct linux_result res;

	/* 128 entries: the four real ones, then reserved filler */
	for (unsigned i = n_e820; i < BP_E820_MAX; i++)
		e820[i] = (struct e820_entry){ 0x100000000ull + i * 0x1000,
					       0x1000, E820_RESERVED };
	req.n_e820 = BP_E820_MAX;
	load_ok(&req, &res);
	assert_int_equal(g8(0x8000 + 0x1e8), 128);
	assert_int_equal(g64(0x8000 + 0x2d0 + 127 * 20),
			 0x100000000ull + 127 * 0x1000);
	assert_int_equal(g64(0x8000 + 0x2d0 + 127 * 20 + 8), 0x1000);
	assert_int_equal(g32(0x8000 + 0x2d0 + 127 * 20 + 16), 2);
	assert_int_equal(0x2d0 + 128 * 20, 0xcd0);
	assert_guest_fill(0x8000 + 0xcd0, 0x1000 - 0xcd0, 0);
}

static void test_e820_adjacent_entries(void **state)
{
	struct linux_request req = request();
	struct linux_result res;

	/* RAM split in two just inside the kernel still covers it */
	n_e820 = 0;
	e820[n_e820++] = (struct e820_entry){ 0, 0x9fc00, E820_RAM };
	e820[n_e820++] = (struct e820_entry){ 0x300000, RAM_SIZE - 0x300000,
					      E820_RAM };
	e820[n_e820++] = (struct e820_entry){ 0x100000, 0x200000, E820_RAM };
	req.n_e820 = n_e820;
	load_ok(&req, &res);
	assert_int_equal(g8(0x8000 + 0x1e8), 3);
}

/* ---- the command line ------------------------------------------------- */

static void test_cmdline(void **state)
{
	struct linux_request req = request();
	struct linux_result res;

	load_ok(&req, &res);
	assert_guest_bytes(0x9000, "console=ttyS0 quiet", 20);
	assert_int_equal(g8(0x9000 + 20), 0xee);
	assert_false(res.cmdline_truncated);

	/* none: an empty string, still pointed at */
	memset(arena.ram, 0xee, ram_size);
	req.cmdline = NULL;
	load_ok(&req, &res);
	assert_int_equal(g8(0x9000), 0);
	assert_int_equal(g8(0x9001), 0xee);
	assert_int_equal(g32(0x8000 + 0x228), 0x9000);
	assert_false(res.cmdline_truncated);
}

static void test_cmdline_truncated(void **state)
{
	struct linux_request req = request();
	struct linux_result res;

	/* cmdline_size counts the characters without the NUL */
	put32(img, 0x238, 10);
	req.cmdline = "0123456789";
	load_ok(&req, &res);
	assert_guest_bytes(0x9000, "0123456789", 11);
	assert_false(res.cmdline_truncated);

	memset(arena.ram, 0xee, ram_size);
	req.cmdline = "0123456789abc";
	load_ok(&req, &res);
	assert_guest_bytes(0x9000, "0123456789", 11);
	assert_int_equal(g8(0x9000 + 11), 0xee);
	assert_true(res.cmdline_truncated);
}

static void test_cmdline_area_limit(void **state)
{
	struct linux_request req = request();
	struct linux_result res;
	char *line = malloc(0x8000);

	assert_non_null(line);
	memset(line, 'x', 0x7fff);
	line[0x7fff] = 0;
	put32(img, 0x238, 0xffffffff);
	req.cmdline = line;
	load_ok(&req, &res);
	/* the area 0x9000-0xffff holds 0x6fff characters and the NUL */
	assert_guest_fill(0x9000, 0x6fff, 'x');
	assert_int_equal(g8(0xffff), 0);
	assert_int_equal(g8(0x10000), 0xee);
	assert_true(res.cmdline_truncated);
	free(line);
}

/* ---- the initrd ------------------------------------------------------- */

static uint8_t *make_initrd(uint64_t size)
{
	uint8_t *p = malloc(size);

	assert_non_null(p);
	for (uint64_t i = 0; i < size; i++)
		p[i] = (uint8_t)(i * 13 + 5);
	return p;
}

static void test_initrd_high(void **state)
{
	struct linux_request req = request();
	struct linux_result res;
	uint8_t *rd = make_initrd(5000);

	req.initrd = rd;
	req.initrd_size = 5000;
	load_ok(&req, &res);
	/* page-aligned, as high as it goes: 32 MiB - 8 KiB */
	assert_int_equal(res.initrd_start, RAM_SIZE - 0x2000);
	assert_int_equal(res.initrd_end, RAM_SIZE - 0x2000 + 5000);
	assert_guest_bytes(RAM_SIZE - 0x2000, rd, 5000);
	assert_guest_fill(RAM_SIZE - 0x2000 + 5000, 0x2000 - 5000, 0xee);
	assert_int_equal(g32(0x8000 + 0x218), RAM_SIZE - 0x2000);
	assert_int_equal(g32(0x8000 + 0x21c), 5000);
	assert_int_equal(g32(0x8000 + 0x0c0), 0);
	assert_int_equal(g32(0x8000 + 0x0c4), 0);

	/* a whole number of pages ends exactly at the top */
	memset(arena.ram, 0xee, ram_size);
	req.initrd_size = 4096;
	load_ok(&req, &res);
	assert_int_equal(res.initrd_start, RAM_SIZE - 0x1000);
	assert_int_equal(res.initrd_end, RAM_SIZE);
	free(rd);
}

static void test_initrd_addr_max(void **state)
{
	struct linux_request req = request();
	struct linux_result res;
	uint8_t *rd = make_initrd(5000);

	req.initrd = rd;
	req.initrd_size = 5000;
	/* below initrd_addr_max + 1 = 16 MiB */
	put32(img, 0x22c, 0xffffff);
	load_ok(&req, &res);
	assert_int_equal(res.initrd_start, 16 * MiB - 0x2000);
	assert_int_equal(g32(0x8000 + 0x218), 16 * MiB - 0x2000);
	assert_guest_bytes(16 * MiB - 0x2000, rd, 5000);
	assert_guest_fill(16 * MiB - 0x2000 + 5000,
			  RAM_SIZE - 16 * MiB + 0x2000 - 5000, 0xee);

	/* not page-aligned itself: the last byte allowed is the maximum */
	memset(arena.ram, 0xee, ram_size);
	put32(img, 0x22c, 0xfff2ff);
	load_ok(&req, &res);
	assert_int_equal(res.initrd_start, 16 * MiB - 0x3000);

	/* 0 means the old default, 0x37ffffff: above this VM's RAM */
	memset(arena.ram, 0xee, ram_size);
	put32(img, 0x22c, 0);
	load_ok(&req, &res);
	assert_int_equal(res.initrd_start, RAM_SIZE - 0x2000);
	free(rd);
}

static void test_initrd_fit(void **state)
{
	struct linux_request req = request();
	struct linux_result res;
	uint64_t room = RAM_SIZE - (PREF + INIT_SIZE);
	uint8_t *rd = make_initrd(room + 1);

	/* exactly from the kernel's end to the top of RAM */
	req.initrd = rd;
	req.initrd_size = room;
	load_ok(&req, &res);
	assert_int_equal(res.initrd_start, PREF + INIT_SIZE);
	assert_int_equal(res.initrd_end, RAM_SIZE);

	/* a byte more does not fit */
	memset(arena.ram, 0xee, ram_size);
	req.initrd_size = room + 1;
	load_fails(&req, -ERANGE, "vmlinuz: initrd of 27262977 bytes does not "
		   "fit between the kernel's end 0x600000 and 0x2000000");

	/* nor one larger than everything below initrd_addr_max */
	put32(img, 0x22c, 0xfffff);
	req.initrd_size = 2 * MiB;
	load_fails(&req, -ERANGE, "vmlinuz: initrd of 2097152 bytes does not "
		   "fit between the kernel's end 0x600000 and 0x100000");

	/* an initrd of no bytes is no initrd */
	req.initrd_size = 0;
	load_ok(&req, &res);
	assert_int_equal(res.initrd_start, 0);
	assert_int_equal(res.initrd_end, 0);
	assert_int_equal(g32(0x8000 + 0x218), 0);
	assert_int_equal(g32(0x8000 + 0x21c), 0);
	free(rd);
}

/* ---- page tables ------------------------------------------------------ */

#define ADDR_MASK 0x000ffffffffff000ull

/* The guest's walk of va through the tables at cr3: the physical address,
 * or ~0 when not present. Every entry on the way must be writable. */
static uint64_t walk(uint64_t cr3, uint64_t va, unsigned *leaf_level)
{
	uint64_t e = g64(cr3 + ((va >> 39) & 511) * 8);

	if (!(e & 1))
		return ~0ull;
	assert_true(e & 2);
	assert_false(e & 0x80); /* no PS in a PML4E */
	e = g64((e & ADDR_MASK) + ((va >> 30) & 511) * 8);
	if (!(e & 1))
		return ~0ull;
	assert_true(e & 2);
	if (e & 0x80) {
		*leaf_level = 3;
		return (e & 0x000fffffc0000000ull) | (va & (GiB - 1));
	}
	e = g64((e & ADDR_MASK) + ((va >> 21) & 511) * 8);
	if (!(e & 1))
		return ~0ull;
	assert_true(e & 2);
	assert_true(e & 0x80); /* 2 MiB pages: the walk ends here */
	*leaf_level = 2;
	return (e & 0x000fffffffe00000ull) | (va & (2 * MiB - 1));
}

static void check_identity(uint64_t cr3, unsigned want_level)
{
	struct rng r = { 0x1234567 };
	unsigned level;

	for (uint64_t va = 0; va < 4 * GiB; va += 2 * MiB) {
		uint64_t off = rng_below(&r, 2 * MiB);

		level = 0;
		if (walk(cr3, va, &level) != va)
			fail_msg("%#llx does not map to itself",
				 (unsigned long long)va);
		assert_int_equal(level, want_level);
		assert_int_equal(walk(cr3, va + off, &level), va + off);
	}
	assert_int_equal(walk(cr3, 4 * GiB, &level), ~0ull);
	assert_int_equal(walk(cr3, 512 * GiB, &level), ~0ull);
	assert_int_equal(walk(cr3, 0xffffffff80000000ull, &level), ~0ull);
}

static void test_page_tables_2m(void **state)
{
	struct linux_request req = request();
	struct linux_result res;

	load_ok(&req, &res);
	check_identity(res.cr3, 2);
	/* the entries, exactly */
	assert_int_equal(g64(0x2000), 0x3003);
	assert_guest_fill(0x2008, 0xff8, 0);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(g64(0x3000 + i * 8), (0x4000 + i * 0x1000) | 3);
	assert_guest_fill(0x3020, 0xfe0, 0);
	assert_int_equal(g64(0x4000), 0x83);
	assert_int_equal(g64(0x4008), 0x200083);
	assert_int_equal(g64(0x5000), 0x40000083);
	assert_int_equal(g64(0x7ff8), 0xffe00083);
	for (unsigned i = 0; i < 2048; i++)
		assert_int_equal(g64(0x4000 + i * 8), (uint64_t)i << 21 | 0x83);
}

static void test_page_tables_1g(void **state)
{
	struct linux_request req = request();
	struct linux_result res;

	req.gbpages = true;
	load_ok(&req, &res);
	check_identity(res.cr3, 3);
	assert_int_equal(g64(0x2000), 0x3003);
	assert_guest_fill(0x2008, 0xff8, 0);
	assert_int_equal(g64(0x3000), 0x83);
	assert_int_equal(g64(0x3008), 0x40000083);
	assert_int_equal(g64(0x3010), 0x80000083);
	assert_int_equal(g64(0x3018), 0xc0000083);
	assert_guest_fill(0x3020, 0xfe0, 0);
	/* no page directories */
	assert_guest_fill(0x4000, 0x4000, 0xee);
}

/* ---- the GDT ---------------------------------------------------------- */

struct seg {
	uint32_t base, limit;
	unsigned type, s, dpl, p, avl, l, db, g;
};

static struct seg decode(uint64_t d)
{
	return (struct seg){
		.base = (uint32_t)(((d >> 16) & 0xffffff) | ((d >> 56) & 0xff) << 24),
		.limit = (uint32_t)((d & 0xffff) | ((d >> 48) & 0xf) << 16),
		.type = (d >> 40) & 0xf,
		.s = (d >> 44) & 1,
		.dpl = (d >> 45) & 3,
		.p = (d >> 47) & 1,
		.avl = (d >> 52) & 1,
		.l = (d >> 53) & 1,
		.db = (d >> 54) & 1,
		.g = (d >> 55) & 1,
	};
}

static void test_gdt(void **state)
{
	struct linux_request req = request();
	struct linux_result res;
	struct seg cs, ds;

	load_ok(&req, &res);
	assert_int_equal(res.gdt_base, 0x1000);
	assert_int_equal(res.gdt_limit, 4 * 8 - 1);
	assert_int_equal(g64(0x1000), 0);
	assert_int_equal(g64(0x1008), 0);
	assert_int_equal(g64(0x1010), 0x00af9b000000ffffull);
	assert_int_equal(g64(0x1018), 0x00cf93000000ffffull);
	assert_guest_fill(0x1020, 0x1000 - 0x20, 0xee);

	cs = decode(g64(0x1000 + LINUX_BOOT_CS));
	assert_int_equal(LINUX_BOOT_CS, 0x10);
	assert_int_equal(cs.base, 0);
	assert_int_equal(cs.limit, 0xfffff);
	assert_int_equal(cs.g, 1);
	assert_int_equal(cs.type, 0xb); /* code, execute/read, accessed */
	assert_int_equal(cs.s, 1);
	assert_int_equal(cs.dpl, 0);
	assert_int_equal(cs.p, 1);
	assert_int_equal(cs.l, 1);      /* 64-bit */
	assert_int_equal(cs.db, 0);     /* must be 0 with L = 1 */

	ds = decode(g64(0x1000 + LINUX_BOOT_DS));
	assert_int_equal(LINUX_BOOT_DS, 0x18);
	assert_int_equal(ds.base, 0);
	assert_int_equal(ds.limit, 0xfffff);
	assert_int_equal(ds.g, 1);
	assert_int_equal(ds.type, 0x3); /* data, read/write, accessed */
	assert_int_equal(ds.s, 1);
	assert_int_equal(ds.dpl, 0);
	assert_int_equal(ds.p, 1);
	assert_int_equal(ds.l, 0);
	assert_int_equal(ds.db, 1);
}

/* ---- errors ----------------------------------------------------------- */

static void test_errors_header(void **state)
{
	struct linux_request req = request();

	req.kernel_size = 0;
	load_fails(&req, -ENOEXEC, "vmlinuz: empty image");
	req.kernel_size = 0x28f;
	load_fails(&req, -ENOEXEC, "vmlinuz: not a bzImage (only 655 bytes)");
	req.kernel_size = img_size;

	put16(img, 0x1fe, 0x55aa);
	load_fails(&req, -ENOEXEC,
		   "vmlinuz: not a bzImage (no 0xaa55 boot flag at 0x1fe)");
	put16(img, 0x1fe, 0xaa55);

	memcpy(img + 0x202, "HdrZ", 4);
	load_fails(&req, -ENOEXEC, "vmlinuz: not a bzImage (no HdrS signature)");
	memcpy(img + 0x202, "HdrS", 4);

	put16(img, 0x206, 0x020b);
	load_fails(&req, -ENOEXEC, "vmlinuz: boot protocol 2.11 is older "
		   "than 2.12 (no 64-bit entry)");
	put16(img, 0x206, 0x0204);
	load_fails(&req, -ENOEXEC, "vmlinuz: boot protocol 2.04 is older "
		   "than 2.12 (no 64-bit entry)");
	put16(img, 0x206, 0x020c); /* 2.12 itself is enough */
	{
		struct linux_result res;

		load_ok(&req, &res);
		memset(arena.ram, 0xee, ram_size);
	}

	put8(img, 0x200, 0xe9);
	load_fails(&req, -ENOEXEC, "vmlinuz: malformed setup header (the "
		   "jump at 0x200 ends it at 0x26c)");
	put8(img, 0x200, 0xeb);
	put8(img, 0x201, 0x61); /* ends before init_size is whole */
	load_fails(&req, -ENOEXEC, "vmlinuz: malformed setup header (the "
		   "jump at 0x200 ends it at 0x263)");
	put8(img, 0x201, 0x8f); /* runs into boot_params' own fields */
	load_fails(&req, -ENOEXEC, "vmlinuz: malformed setup header (the "
		   "jump at 0x200 ends it at 0x291)");
	put8(img, 0x201, 0x6a);
}

static void test_errors_layout(void **state)
{
	struct linux_request req = request();

	req.kernel_size = SETUP_BYTES;
	load_fails(&req, -ENOEXEC, "vmlinuz: no protected-mode kernel after "
		   "the 2048-byte setup area (the file has 2048 bytes)");
	req.kernel_size = img_size;
	put8(img, 0x1f1, 0xff);
	load_fails(&req, -ENOEXEC, "vmlinuz: no protected-mode kernel after "
		   "the 131072-byte setup area (the file has 14459 bytes)");
	put8(img, 0x1f1, SETUP_SECTS);

	put16(img, 0x236, XLF_CAN_BE_LOADED_ABOVE_4G);
	load_fails(&req, -ENOEXEC, "vmlinuz: no 64-bit entry point "
		   "(XLF_KERNEL_64 clear in xloadflags 0x2)");
	put16(img, 0x236, 3);

	put8(img, 0x211, 0x80);
	load_fails(&req, -ENOEXEC, "vmlinuz: a zImage (LOADED_HIGH clear in "
		   "loadflags); only bzImages are supported");
	put8(img, 0x211, 1);

	put32(img, 0x230, 0x300000);
	load_fails(&req, -ENOEXEC,
		   "vmlinuz: kernel_alignment 0x300000 is not a power of two");
	put32(img, 0x230, 0);
	load_fails(&req, -ENOEXEC,
		   "vmlinuz: kernel_alignment 0 is not a power of two");
	put32(img, 0x230, ALIGN);

	put64(img, 0x258, 0x80000);
	put8(img, 0x234, 0);
	load_fails(&req, -ENOEXEC, "vmlinuz: load address 0x80000 is below 1 MiB");
	put8(img, 0x234, 1);
	put64(img, 0x258, PREF);
}

static void test_errors_fit(void **state)
{
	struct linux_request req = request();

	put32(img, 0x260, 0x1e00001);
	load_fails(&req, -ERANGE, "vmlinuz: kernel at 0x200000 with init_size "
		   "0x1e00001 needs RAM up to 0x2000001; the VM has 32768 KiB");
	put32(img, 0x260, 0x1e00000); /* exactly to the end fits */
	{
		struct linux_result res;

		load_ok(&req, &res);
		assert_int_equal(res.kernel_end, RAM_SIZE);
		memset(arena.ram, 0xee, ram_size);
	}
	put32(img, 0x260, INIT_SIZE);

	put8(img, 0x234, 0);
	put64(img, 0x258, 0x1f00000);
	load_fails(&req, -ERANGE, "vmlinuz: non-relocatable kernel at "
		   "0x1f00000 with init_size 0x400000 needs RAM up to 0x2300000; "
		   "the VM has 32768 KiB");
	put64(img, 0x258, 0xfffffffffff00000ull);
	load_fails(&req, -ERANGE, "vmlinuz: preferred load address "
		   "0xfffffffffff00000 is beyond the VM's 32768 KiB of RAM");
	put8(img, 0x234, 1);
	put64(img, 0x258, 0xffffffffffffffffull); /* would round past 2^64 */
	load_fails(&req, -ERANGE, "vmlinuz: preferred load address "
		   "0xffffffffffffffff is beyond the VM's 32768 KiB of RAM");
	put64(img, 0x258, RAM_SIZE);
	load_fails(&req, -ERANGE, "vmlinuz: preferred load address "
		   "0x2000000 is beyond the VM's 32768 KiB of RAM");
	/* aligned up past the end */
	put64(img, 0x258, RAM_SIZE - 1);
	load_fails(&req, -ERANGE, "vmlinuz: kernel at 0x2000000 with init_size "
		   "0x400000 needs RAM up to 0x2400000; the VM has 32768 KiB");
	put64(img, 0x258, PREF);
}

static void test_errors_e820(void **state)
{
	struct linux_request req = request();
	uint8_t *rd = make_initrd(100);

	req.n_e820 = 0;
	load_fails(&req, -EINVAL, "vmlinuz: no E820 memory map given");
	req.n_e820 = n_e820;
	req.e820 = NULL;
	load_fails(&req, -EINVAL, "vmlinuz: no E820 memory map given");
	req.e820 = e820;
	for (unsigned i = n_e820; i <= BP_E820_MAX; i++)
		e820[i] = (struct e820_entry){ 0x100000000ull + i * 0x1000,
					       0x1000, E820_RESERVED };
	req.n_e820 = BP_E820_MAX + 1;
	load_fails(&req, -EINVAL,
		   "vmlinuz: E820 map of 129 entries exceeds the zero page's 128");

	/* the boot data must be usable RAM */
	req.n_e820 = n_e820;
	e820[0] = (struct e820_entry){ 0x2000, 0x9dc00, E820_RAM };
	load_fails(&req, -EINVAL, "vmlinuz: the boot data at 0x1000-0x10000 "
		   "is not usable RAM in the E820 map");
	e820[0] = (struct e820_entry){ 0, 0x9fc00, E820_RESERVED };
	load_fails(&req, -EINVAL, "vmlinuz: the boot data at 0x1000-0x10000 "
		   "is not usable RAM in the E820 map");
	e820[0] = (struct e820_entry){ 0, 0xf000, E820_RAM };
	load_fails(&req, -EINVAL, "vmlinuz: the boot data at 0x1000-0x10000 "
		   "is not usable RAM in the E820 map");
	e820[0] = (struct e820_entry){ 0, 0x9fc00, E820_RAM };

	/* so must the kernel */
	e820[3] = (struct e820_entry){ 0x100000, 0x4ff000, E820_RAM };
	e820[4] = (struct e820_entry){ 0x5ff000, RAM_SIZE - 0x5ff000,
				       E820_NVS };
	req.n_e820 = 5;
	load_fails(&req, -EINVAL, "vmlinuz: the kernel at 0x200000-0x600000 "
		   "is not usable RAM in the E820 map");

	/* and the initrd */
	e820[3] = (struct e820_entry){ 0x100000, 0x1000000, E820_RAM };
	e820[4] = (struct e820_entry){ 0x1100000, RAM_SIZE - 0x1100000,
				       E820_RESERVED };
	req.initrd = rd;
	req.initrd_size = 100;
	load_fails(&req, -EINVAL, "vmlinuz: the initrd at 0x1fff000-0x1fff064 "
		   "is not usable RAM in the E820 map");
	free(rd);
}

static void test_errors_not_ram(void **state)
{
	struct linux_request req = request();
	uint8_t *rd = make_initrd(100);

	/* the gpa_space is what counts: RAM claimed but not mapped */
	gpa_destroy(&mem);
	assert_int_equal(gpa_init(&mem, &arena_env, 3, arena_ram_virt), 0);
	assert_int_equal(gpa_add_ram(&mem, 0, ARENA_RAM_HPA, 16 * MiB), 0);
	req.initrd = rd;
	req.initrd_size = 100;
	load_fails(&req, -EFAULT,
		   "vmlinuz: initrd at 0x1fff000-0x1fff064 is not RAM");

	req.initrd = NULL;
	gpa_destroy(&mem);
	assert_int_equal(gpa_init(&mem, &arena_env, 3, arena_ram_virt), 0);
	assert_int_equal(gpa_add_ram(&mem, 0, ARENA_RAM_HPA, 4 * MiB), 0);
	load_fails(&req, -EFAULT,
		   "vmlinuz: kernel at 0x200000-0x600000 is not RAM");

	gpa_destroy(&mem);
	assert_int_equal(gpa_init(&mem, &arena_env, 3, arena_ram_virt), 0);
	assert_int_equal(gpa_add_ram(&mem, MiB, ARENA_RAM_HPA + MiB,
				     RAM_SIZE - MiB), 0);
	load_fails(&req, -EFAULT,
		   "vmlinuz: boot data at 0x1000-0x10000 is not RAM");
	free(rd);
}

static void test_error_text(void **state)
{
	struct linux_request req = request();
	struct linux_result res;
	char small[12];

	/* without a name */
	req.name = NULL;
	req.kernel_size = 0;
	load_fails(&req, -ENOEXEC, "kernel: empty image");
	req.kernel = NULL;
	req.kernel_size = img_size;
	load_fails(&req, -ENOEXEC, "kernel: empty image");

	/* a short buffer gets a truncated, terminated message */
	req = request();
	put16(img, 0x206, 0x0200);
	memset(small, 'z', sizeof(small));
	assert_int_equal(linux_load(&mem, &req, &res, small, sizeof(small)),
			 -ENOEXEC);
	assert_string_equal(small, "vmlinuz: bo");
	assert_int_equal(linux_load(&mem, &req, &res, NULL, 0), -ENOEXEC);
	assert_guest_fill(0, ram_size, 0xee);
}

/* ---- the Debian kernel, when fetched ---------------------------------- */

static void test_real_kernel(void **state)
{
	FILE *f = fopen(REAL_KERNEL, "rb");
	struct linux_request req;
	struct linux_result res;
	uint8_t *k;
	long size;
	uint64_t setup, init_size, pref;

	if (!f) {
		print_message("  (no %s: run make linux-guest to test it)\n",
			      REAL_KERNEL);
		skip();
		return;
	}
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size > 0x10000);
	rewind(f);
	k = malloc(size);
	assert_non_null(k);
	assert_int_equal(fread(k, 1, size, f), (size_t)size);
	fclose(f);

	assert_true(linux_is_bzimage(k, size));
	req = request();
	req.kernel = k;
	req.kernel_size = size;
	load_ok(&req, &res);

	setup = ((uint64_t)(k[0x1f1] ? k[0x1f1] : 4) + 1) * 512;
	memcpy(&init_size, k + 0x260, 4);
	init_size &= 0xffffffff;
	memcpy(&pref, k + 0x258, 8);
	assert_true(g16(0x8000 + 0x206) >= 0x020c);
	assert_true(g16(0x8000 + 0x236) & XLF_KERNEL_64);
	assert_int_equal(res.kernel_start, pref);
	assert_int_equal(res.entry, pref + 0x200);
	assert_int_equal(res.kernel_end, pref + (init_size > size - setup ?
						 init_size : size - setup));
	assert_guest_bytes(pref, k + setup, size - setup);
	/* the header as the file has it, to the end the jump gives */
	assert_guest_bytes(0x8000 + 0x1f1, k + 0x1f1, 0x210 - 0x1f1);
	assert_guest_bytes(0x8000 + 0x212, k + 0x212, 0x218 - 0x212);
	assert_guest_bytes(0x8000 + 0x220, k + 0x220, 0x224 - 0x220);
	assert_guest_bytes(0x8000 + 0x226, k + 0x226, 0x228 - 0x226);
	assert_guest_bytes(0x8000 + 0x22c, k + 0x22c, 0x202 + k[0x201] - 0x22c);
	assert_guest_fill(0x8000 + 0x202 + k[0x201], 0x290 - 0x202 - k[0x201], 0);
	assert_int_equal(g8(0x8000 + 0x210), 0xff);
	assert_int_equal(g8(0x8000 + 0x211), (k[0x211] & 1) | 0x80);
	print_message("  %s: protocol %u.%02u, %ld bytes, init_size %#llx, "
		      "at %#llx\n", REAL_KERNEL, k[0x207], k[0x206], size,
		      (unsigned long long)init_size, (unsigned long long)pref);
	free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_is_bzimage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_result, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_placed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_relocatable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_bigger_than_init_size,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_boot_params_fields, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_boot_params_page, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_e820_full_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_e820_adjacent_entries, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cmdline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cmdline_truncated, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cmdline_area_limit, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_initrd_high, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initrd_addr_max, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initrd_fit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_tables_2m, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_tables_1g, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gdt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors_fit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors_e820, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors_not_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_real_kernel, setup_big, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
