/* SPDX-License-Identifier: MIT */
#include "guests/linux.h"

#include <stdarg.h>

#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"
#include "lib/unaligned.h"

#define PAGE 0x1000ull
#define GiB (1ull << 30)
#define MiB (1ull << 20)
#define PTE_P 0x1ull
#define PTE_RW 0x2ull
#define PTE_PS 0x80ull

struct ctx {
	const struct linux_request *req;
	char *err;
	size_t errlen;
};

static int fail(struct ctx *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct ctx *c, int code, const char *fmt, ...)
{
	va_list ap;
	int n = ksnprintf(c->err, c->errlen, "%s: ",
			  c->req->name ? c->req->name : "kernel");

	va_start(ap, fmt);
	if ((size_t)n < c->errlen)
		kvsnprintf(c->err + n, c->errlen - n, fmt, ap);
	va_end(ap);
	return code;
}

static unsigned get8(const uint8_t *p, unsigned off)
{
	return p[off];
}

static unsigned get16(const uint8_t *p, unsigned off)
{
	return p[off] | (unsigned)p[off + 1] << 8;
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

bool linux_is_bzimage(const void *img, uint64_t size)
{
	const uint8_t *p = img;

	return size >= HDR_HEADER + 4 &&
	       get16(p, HDR_BOOT_FLAG) == LINUX_BOOT_FLAG &&
	       get_le32(p + HDR_HEADER) == LINUX_HDRS_MAGIC;
}

/* What the header says and where things go. */
struct plan {
	unsigned hdr_end;        /* the setup header is [0x1f1, hdr_end) */
	uint64_t setup_size;     /* file offset of the protected-mode kernel */
	uint64_t pm_size;
	uint64_t load, end;      /* the kernel's RAM: [load, end) */
	uint64_t cmdline_len;
	bool truncated;
	uint64_t initrd;         /* placement; 0 without an initrd */
};

static int check_header(struct ctx *c, const uint8_t *img, uint64_t size,
			struct plan *pl)
{
	unsigned version, sects, align, xlf;
	uint64_t pref, init_size, need;

	if (size < HDR_MAX_END)
		return fail(c, -ENOEXEC, "not a bzImage (only %llu bytes)",
			    (unsigned long long)size);
	if (get16(img, HDR_BOOT_FLAG) != LINUX_BOOT_FLAG)
		return fail(c, -ENOEXEC, "not a bzImage (no 0xaa55 boot flag "
			    "at 0x1fe)");
	if (get_le32(img + HDR_HEADER) != LINUX_HDRS_MAGIC)
		return fail(c, -ENOEXEC, "not a bzImage (no HdrS signature)");
	version = get16(img, HDR_VERSION);
	if (version < LINUX_MIN_PROTOCOL)
		return fail(c, -ENOEXEC, "boot protocol %u.%02u is older than "
			    "2.12 (no 64-bit entry)", version >> 8,
			    version & 0xff);
	pl->hdr_end = HDR_HEADER + get8(img, HDR_JUMP + 1);
	if (get8(img, HDR_JUMP) != 0xeb || pl->hdr_end < HDR_MIN_END ||
	    pl->hdr_end > HDR_MAX_END)
		return fail(c, -ENOEXEC, "malformed setup header (the jump at "
			    "0x200 ends it at %#x)", pl->hdr_end);
	sects = get8(img, HDR_SETUP_SECTS);
	pl->setup_size = ((uint64_t)(sects ? sects : 4) + 1) * 512;
	if (pl->setup_size >= size)
		return fail(c, -ENOEXEC, "no protected-mode kernel after the "
			    "%llu-byte setup area (the file has %llu bytes)",
			    (unsigned long long)pl->setup_size,
			    (unsigned long long)size);
	pl->pm_size = size - pl->setup_size;
	xlf = get16(img, HDR_XLOADFLAGS);
	if (!(xlf & XLF_KERNEL_64))
		return fail(c, -ENOEXEC, "no 64-bit entry point (XLF_KERNEL_64 "
			    "clear in xloadflags %#x)", xlf);
	if (!(get8(img, HDR_LOADFLAGS) & LOADFLAG_LOADED_HIGH))
		return fail(c, -ENOEXEC, "a zImage (LOADED_HIGH clear in "
			    "loadflags); only bzImages are supported");

	pref = get_le64(img + HDR_PREF_ADDRESS);
	init_size = get_le32(img + HDR_INIT_SIZE);
	if (pref >= c->req->ram_size)
		return fail(c, -ERANGE, "preferred load address %#llx is beyond "
			    "the VM's %llu KiB of RAM", (unsigned long long)pref,
			    (unsigned long long)(c->req->ram_size >> 10));
	if (get8(img, HDR_RELOCATABLE)) {
		align = get_le32(img + HDR_KERNEL_ALIGNMENT);
		if (!align || (align & (align - 1)))
			return fail(c, -ENOEXEC, "kernel_alignment %#x is not a "
				    "power of two", align);
		pl->load = (pref + align - 1) & ~(uint64_t)(align - 1);
	} else {
		pl->load = pref;
	}
	if (pl->load < MiB)
		return fail(c, -ENOEXEC, "load address %#llx is below 1 MiB",
			    (unsigned long long)pl->load);
	need = init_size > pl->pm_size ? init_size : pl->pm_size;
	pl->end = pl->load + need;
	if (pl->load > c->req->ram_size || need > c->req->ram_size - pl->load)
		return fail(c, -ERANGE, "%skernel at %#llx with init_size %#llx "
			    "needs RAM up to %#llx; the VM has %llu KiB",
			    get8(img, HDR_RELOCATABLE) ? "" : "non-relocatable ",
			    (unsigned long long)pl->load,
			    (unsigned long long)init_size,
			    (unsigned long long)pl->end,
			    (unsigned long long)(c->req->ram_size >> 10));
	return 0;
}

static void plan_cmdline(const uint8_t *img, const char *cmdline,
			 struct plan *pl)
{
	uint64_t max = get_le32(img + HDR_CMDLINE_SIZE);
	uint64_t len = cmdline ? strlen(cmdline) : 0;

	if (max > LINUX_CMDLINE_MAX - 1)
		max = LINUX_CMDLINE_MAX - 1;
	pl->truncated = len > max;
	pl->cmdline_len = pl->truncated ? max : len;
}

static int plan_initrd(struct ctx *c, const uint8_t *img, struct plan *pl)
{
	uint64_t size = c->req->initrd_size;
	uint64_t max = get_le32(img + HDR_INITRD_ADDR_MAX);
	uint64_t limit;

	pl->initrd = 0;
	if (!c->req->initrd || !size)
		return 0;
	if (!max)
		max = LINUX_DEFAULT_INITRD_MAX;
	limit = max + 1 < c->req->ram_size ? max + 1 : c->req->ram_size;
	if (size > limit || ((limit - size) & ~(PAGE - 1)) < pl->end)
		return fail(c, -ERANGE, "initrd of %llu bytes does not fit "
			    "between the kernel's end %#llx and %#llx",
			    (unsigned long long)size,
			    (unsigned long long)pl->end,
			    (unsigned long long)limit);
	pl->initrd = (limit - size) & ~(PAGE - 1);
	return 0;
}

/* [start, end) lies in usable RAM of the E820 map (adjacent entries
 * count as one). */
static bool e820_covers(const struct linux_request *req, uint64_t start,
			uint64_t end)
{
	while (start < end) {
		bool moved = false;

		for (unsigned i = 0; i < req->n_e820; i++) {
			const struct e820_entry *e = &req->e820[i];

			if (e->type == E820_RAM && e->addr <= start &&
			    start - e->addr < e->size) {
				start = e->addr + e->size < e->addr ? end
								   : e->addr + e->size;
				moved = true;
				break;
			}
		}
		if (!moved)
			return false;
	}
	return true;
}

static int check_e820(struct ctx *c, const struct plan *pl)
{
	const struct linux_request *req = c->req;
	struct {
		const char *what;
		uint64_t start, end;
	} need[3] = {
		{ "boot data", LINUX_LOW_START, LINUX_LOW_END },
		{ "kernel", pl->load, pl->end },
		{ "initrd", pl->initrd, pl->initrd + req->initrd_size },
	};

	if (!req->n_e820 || !req->e820)
		return fail(c, -EINVAL, "no E820 memory map given");
	if (req->n_e820 > BP_E820_MAX)
		return fail(c, -EINVAL, "E820 map of %u entries exceeds the "
			    "zero page's %u", req->n_e820, BP_E820_MAX);
	for (unsigned i = 0; i < 3; i++) {
		if (i == 2 && !pl->initrd)
			continue;
		if (!e820_covers(req, need[i].start, need[i].end))
			return fail(c, -EINVAL, "the %s at %#llx-%#llx is not "
				    "usable RAM in the E820 map", need[i].what,
				    (unsigned long long)need[i].start,
				    (unsigned long long)need[i].end);
	}
	return 0;
}

static void build_boot_params(uint8_t *bp, const uint8_t *img,
			      const struct linux_request *req,
			      const struct plan *pl)
{
	uint64_t cmd = LINUX_CMDLINE_GPA;
	uint64_t initrd_size = pl->initrd ? req->initrd_size : 0;

	memset(bp, 0, BP_SIZE);
	memcpy(bp + BP_HDR, img + BP_HDR, pl->hdr_end - BP_HDR);
	bp[HDR_TYPE_OF_LOADER] = LINUX_LOADER_TYPE;
	bp[HDR_LOADFLAGS] = (uint8_t)((img[HDR_LOADFLAGS] & LOADFLAG_LOADED_HIGH) |
				      LOADFLAG_CAN_USE_HEAP);
	put16(bp, HDR_HEAP_END_PTR, LINUX_HEAP_END_PTR);
	put32(bp, HDR_CMD_LINE_PTR, (uint32_t)cmd);
	put32(bp, BP_EXT_CMD_LINE_PTR, (uint32_t)(cmd >> 32));
	put32(bp, HDR_RAMDISK_IMAGE, (uint32_t)pl->initrd);
	put32(bp, BP_EXT_RAMDISK_IMAGE, (uint32_t)(pl->initrd >> 32));
	put32(bp, HDR_RAMDISK_SIZE, (uint32_t)initrd_size);
	put32(bp, BP_EXT_RAMDISK_SIZE, (uint32_t)(initrd_size >> 32));
	put64(bp, BP_ACPI_RSDP_ADDR, req->rsdp_gpa);
	bp[BP_E820_ENTRIES] = (uint8_t)req->n_e820;
	for (unsigned i = 0; i < req->n_e820; i++) {
		uint8_t *e = bp + BP_E820_TABLE + i * 20;

		put64(e, 0, req->e820[i].addr);
		put64(e, 8, req->e820[i].size);
		put32(e, 16, req->e820[i].type);
	}
}

static void build_page_tables(uint8_t *low, bool gbpages)
{
	uint8_t *pml4 = low + (LINUX_PML4_GPA - LINUX_LOW_START);
	uint8_t *pdpt = low + (LINUX_PDPT_GPA - LINUX_LOW_START);

	memset(pml4, 0, PAGE);
	memset(pdpt, 0, PAGE);
	put64(pml4, 0, LINUX_PDPT_GPA | PTE_P | PTE_RW);
	for (uint64_t g = 0; g < 4; g++) {
		uint8_t *pd = low + (LINUX_PD_GPA - LINUX_LOW_START) + g * PAGE;

		if (gbpages) {
			put64(pdpt, g * 8, g * GiB | PTE_P | PTE_RW | PTE_PS);
			continue;
		}
		put64(pdpt, g * 8, (LINUX_PD_GPA + g * PAGE) | PTE_P | PTE_RW);
		for (uint64_t m = 0; m < 512; m++)
			put64(pd, m * 8, (g * GiB + m * 2 * MiB) | PTE_P |
					  PTE_RW | PTE_PS);
	}
}

static void build_gdt(uint8_t *low)
{
	uint8_t *gdt = low + (LINUX_GDT_GPA - LINUX_LOW_START);

	memset(gdt, 0, LINUX_GDT_LIMIT + 1);
	put64(gdt, LINUX_BOOT_CS, LINUX_GDT_CODE64);
	put64(gdt, LINUX_BOOT_DS, LINUX_GDT_DATA);
}

int linux_load(struct gpa_space *mem, const struct linux_request *req,
	       struct linux_result *res, char *err, size_t errlen)
{
	struct ctx c = { req, err, errlen };
	const uint8_t *img = req->kernel;
	struct plan pl = { 0 };
	uint8_t *low, *kernel, *initrd = NULL;
	int r;

	*res = (struct linux_result){ 0 };
	if (!img || !req->kernel_size)
		return fail(&c, -ENOEXEC, "empty image");
	if ((r = check_header(&c, img, req->kernel_size, &pl)))
		return r;
	/* the kernel fits at 1 MiB or above, so RAM holds the boot data */
	plan_cmdline(img, req->cmdline, &pl);
	if ((r = plan_initrd(&c, img, &pl)) || (r = check_e820(&c, &pl)))
		return r;

	/* every check done: find the memory, then write */
	low = gpa_to_hva(mem, LINUX_LOW_START, LINUX_LOW_END - LINUX_LOW_START);
	if (!low)
		return fail(&c, -EFAULT, "boot data at %#llx-%#llx is not RAM",
			    LINUX_LOW_START, LINUX_LOW_END);
	kernel = gpa_to_hva(mem, pl.load, pl.end - pl.load);
	if (!kernel)
		return fail(&c, -EFAULT, "kernel at %#llx-%#llx is not RAM",
			    (unsigned long long)pl.load,
			    (unsigned long long)pl.end);
	if (pl.initrd) {
		initrd = gpa_to_hva(mem, pl.initrd, req->initrd_size);
		if (!initrd)
			return fail(&c, -EFAULT, "initrd at %#llx-%#llx is not "
				    "RAM", (unsigned long long)pl.initrd,
				    (unsigned long long)(pl.initrd +
							 req->initrd_size));
	}

	memcpy(kernel, img + pl.setup_size, pl.pm_size);
	if (initrd)
		memcpy(initrd, req->initrd, req->initrd_size);
	build_gdt(low);
	build_page_tables(low, req->gbpages);
	build_boot_params(low + (LINUX_BOOT_PARAMS_GPA - LINUX_LOW_START), img,
			  req, &pl);
	{
		char *cmd = (char *)low + (LINUX_CMDLINE_GPA - LINUX_LOW_START);

		if (pl.cmdline_len)
			memcpy(cmd, req->cmdline, pl.cmdline_len);
		cmd[pl.cmdline_len] = 0;
	}

	res->entry = pl.load + LINUX_ENTRY64_OFFSET;
	res->boot_params = LINUX_BOOT_PARAMS_GPA;
	res->cr3 = LINUX_PML4_GPA;
	res->gdt_base = LINUX_GDT_GPA;
	res->gdt_limit = LINUX_GDT_LIMIT;
	res->kernel_start = pl.load;
	res->kernel_end = pl.end;
	if (pl.initrd) {
		res->initrd_start = pl.initrd;
		res->initrd_end = pl.initrd + req->initrd_size;
	}
	res->cmdline_truncated = pl.truncated;
	return 0;
}
