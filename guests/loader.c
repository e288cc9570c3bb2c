/* SPDX-License-Identifier: MIT */
#include "guests/loader.h"

#include <stdarg.h>
#include <stdbool.h>

#include "guests/mbinfo.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"
#include "lib/unaligned.h"

#define MB1_SEARCH 8192
#define MB2_SEARCH 32768
#define MB1_FLAG_AOUT (1u << 16)

struct ctx {
	struct gpa_space *mem;
	const struct load_request *req;
	struct load_result *res;
	char *err;
	size_t errlen;
};

static int fail(struct ctx *c, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct ctx *c, int code, const char *fmt, ...)
{
	va_list ap;
	int n = ksnprintf(c->err, c->errlen, "%s: ", c->req->image_name);

	va_start(ap, fmt);
	if ((size_t)n < c->errlen)
		kvsnprintf(c->err + n, c->errlen - n, fmt, ap);
	va_end(ap);
	return code;
}

long find_mb1_header(const uint8_t *img, uint64_t size)
{
	/* the header lies wholly in the first 8 KiB (spec 3.1.1) */
	for (uint64_t off = 0; off + 12 <= size && off + 12 <= MB1_SEARCH;
	     off += 4)
		if (get_le32(img + off) == MB1_HEADER_MAGIC &&
		    get_le32(img + off) + get_le32(img + off + 4) + get_le32(img + off + 8) == 0)
			return (long)off;
	return -1;
}

long find_mb2_header(const uint8_t *img, uint64_t size)
{
	for (uint64_t off = 0; off + 16 <= size && off + 16 <= MB2_SEARCH;
	     off += 8) {
		const uint8_t *h = img + off;
		if (get_le32(h) == MB2_HEADER_MAGIC_ && get_le32(h + 4) == 0 &&
		    get_le32(h) + get_le32(h + 4) + get_le32(h + 8) + get_le32(h + 12) == 0)
			return (long)off;
	}
	return -1;
}

/* Copies filesz bytes and zeroes up to memsz at guest-physical gpa. */
static int place(struct ctx *c, uint64_t gpa, const uint8_t *src,
		 uint64_t filesz, uint64_t memsz)
{
	uint8_t *dst;

	if (filesz > memsz || gpa + memsz < gpa || gpa + memsz > c->req->ram_size)
		return fail(c, -ERANGE, "segment %#llx-%#llx does not fit in the "
			    "VM's %llu KiB of RAM",
			    (unsigned long long)gpa,
			    (unsigned long long)(gpa + memsz),
			    (unsigned long long)(c->req->ram_size >> 10));
	dst = gpa_to_hva(c->mem, gpa, memsz);
	if (!dst)
		return fail(c, -EFAULT, "segment at %#llx is not RAM",
			    (unsigned long long)gpa);
	memcpy(dst, src, filesz);
	memset(dst + filesz, 0, memsz - filesz);
	if (gpa + memsz > c->res->kernel_end)
		c->res->kernel_end = gpa + memsz;
	return 0;
}

struct phdr {
	uint32_t type;
	uint64_t offset, paddr, filesz, memsz;
};

static void read_phdr(const uint8_t *p, bool is64, struct phdr *ph)
{
	ph->type = get_le32(p);
	if (is64) {
		ph->offset = get_le64(p + 8);
		ph->paddr = get_le64(p + 24);
		ph->filesz = get_le64(p + 32);
		ph->memsz = get_le64(p + 40);
	} else {
		ph->offset = get_le32(p + 4);
		ph->paddr = get_le32(p + 12);
		ph->filesz = get_le32(p + 16);
		ph->memsz = get_le32(p + 20);
	}
}

/* ELF: every PT_LOAD segment at its physical address (ELF spec, program
 * header; multiboot spec 3.1.3). */
static int load_elf(struct ctx *c, const uint8_t *img, uint64_t size)
{
	bool is64;
	uint64_t phoff, entry;
	unsigned phentsize, phnum, loaded = 0;

	if (size < 64) /* before reading any field of the header */
		return fail(c, -ENOEXEC, "malformed ELF header");
	is64 = img[4] == 2;
	phoff = is64 ? get_le64(img + 32) : get_le32(img + 28);
	entry = is64 ? get_le64(img + 24) : get_le32(img + 24);
	phentsize = img[is64 ? 54 : 42] | img[is64 ? 55 : 43] << 8;
	phnum = img[is64 ? 56 : 44] | img[is64 ? 57 : 45] << 8;
	if ((img[4] != 1 && img[4] != 2) || img[5] != 1 ||
	    phentsize < (is64 ? 56u : 32u) || phoff > size ||
	    (uint64_t)phnum * phentsize > size - phoff)
		return fail(c, -ENOEXEC, "malformed ELF header");
	for (unsigned i = 0; i < phnum; i++) {
		struct phdr ph;
		int r;

		read_phdr(img + phoff + (uint64_t)i * phentsize, is64, &ph);
		if (ph.type != 1 || !ph.memsz) /* PT_LOAD */
			continue;
		if (ph.offset > size || ph.filesz > size - ph.offset)
			return fail(c, -ENOEXEC, "segment %u runs past the end "
				    "of the file", i);
		if ((r = place(c, ph.paddr, img + ph.offset, ph.filesz,
			       ph.memsz)))
			return r;
		loaded++;
	}
	if (!loaded)
		return fail(c, -ENOEXEC, "no loadable segment");
	if (entry >= c->req->ram_size)
		return fail(c, -ENOEXEC, "entry point %#llx is outside RAM",
			    (unsigned long long)entry);
	c->res->entry = (uint32_t)entry;
	return 0;
}

/* Multiboot v1 "a.out kludge": the header gives the addresses (spec
 * 3.1.3, flags bit 16). */
static int load_aout(struct ctx *c, const uint8_t *img, uint64_t size,
		     long hoff)
{
	const uint8_t *h = img + hoff;
	uint32_t header_addr, load_addr, load_end, bss_end;
	uint64_t file_off, filesz, memsz;
	int r;

	if ((uint64_t)hoff + 32 > size)
		return fail(c, -ENOEXEC, "truncated multiboot header");
	header_addr = get_le32(h + 12);
	load_addr = get_le32(h + 16);
	load_end = get_le32(h + 20);
	bss_end = get_le32(h + 24);
	if (load_addr > header_addr || header_addr - load_addr > (uint64_t)hoff)
		return fail(c, -ENOEXEC, "bad a.out kludge addresses");
	file_off = hoff - (header_addr - load_addr);
	filesz = load_end ? (uint64_t)load_end - load_addr : size - file_off;
	if (load_end && load_end < load_addr)
		return fail(c, -ENOEXEC, "bad a.out kludge addresses");
	if (filesz > size - file_off)
		return fail(c, -ENOEXEC, "a.out kludge load runs past the file");
	memsz = bss_end > load_addr + filesz ? bss_end - load_addr : filesz;
	if ((r = place(c, load_addr, img + file_off, filesz, memsz)))
		return r;
	c->res->entry = get_le32(h + 28);
	if (c->res->entry >= c->req->ram_size)
		return fail(c, -ENOEXEC, "entry point %#x is outside RAM",
			    c->res->entry);
	return 0;
}

static int load_flat(struct ctx *c, const uint8_t *img, uint64_t size)
{
	uint64_t at = c->req->flat_load;
	int r;

	if (at + size > 0xa0000)
		return fail(c, -ERANGE, "flat image of %llu bytes at %#llx runs "
			    "past 640 KiB, the real-mode limit",
			    (unsigned long long)size, (unsigned long long)at);
	if ((r = place(c, at, img, size, size)))
		return r;
	c->res->kind = IMAGE_FLAT;
	c->res->real_cs = (uint16_t)(at >> 4);
	c->res->real_ip = at & 0xf;
	return 0;
}

static bool is_elf(const uint8_t *img, uint64_t size)
{
	return size >= 4 && !memcmp(img, "\177ELF", 4);
}

int load_image(struct gpa_space *mem, const struct load_request *req,
	       struct load_result *res, char *err, size_t errlen)
{
	struct ctx c = { mem, req, res, err, errlen };
	const uint8_t *img = req->image;
	long mb2 = -1, mb1 = -1;
	int r;

	*res = (struct load_result){ 0 };
	if (!req->image_size)
		return fail(&c, -ENOEXEC, "empty image");
	if (req->format != VM_FORMAT_FLAT) {
		mb2 = find_mb2_header(img, req->image_size);
		mb1 = mb2 < 0 ? find_mb1_header(img, req->image_size) : -1;
	}
	if (mb2 < 0 && mb1 < 0) {
		/* format = flat loads whatever bytes it is given */
		if (req->format == VM_FORMAT_MULTIBOOT ||
		    (req->format == VM_FORMAT_AUTO && is_elf(img, req->image_size)))
			return fail(&c, -ENOEXEC, "no multiboot header in the "
				    "first 32 KiB");
		return load_flat(&c, img, req->image_size);
	}
	res->kind = mb2 >= 0 ? IMAGE_MULTIBOOT2 : IMAGE_MULTIBOOT1;
	if (mb1 >= 0 && (get_le32(img + mb1 + 4) & MB1_FLAG_AOUT) &&
	    !is_elf(img, req->image_size))
		r = load_aout(&c, img, req->image_size, mb1);
	else if (is_elf(img, req->image_size))
		r = load_elf(&c, img, req->image_size);
	else
		r = fail(&c, -ENOEXEC, "multiboot image is neither ELF nor "
			 "a.out-kludge");
	if (r)
		return r;
	return mbinfo_build(mem, req, res, err, errlen);
}
