/* SPDX-License-Identifier: MIT */
#include "guests/mbinfo.h"

#include <stdbool.h>

#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"

#define INFO_MAX 8192
#define MB1_INFO_SIZE 72 /* up to and including boot_loader_name */

/* The information is assembled here, then copied into the guest. */
struct buf {
	uint8_t b[INFO_MAX];
	size_t len;
	uint64_t gpa; /* where b will land in the guest */
	bool overflow;
};

static size_t put(struct buf *b, const void *src, size_t len, size_t align)
{
	size_t at = (b->len + align - 1) & ~(align - 1);

	if (at + len > sizeof(b->b)) {
		b->overflow = true;
		return 0;
	}
	memset(b->b + b->len, 0, at - b->len);
	memcpy(b->b + at, src, len);
	b->len = at + len;
	return at;
}

static uint32_t put_str(struct buf *b, const char *s)
{
	return (uint32_t)(b->gpa + put(b, s, strlen(s) + 1, 1));
}

static void set32(struct buf *b, size_t off, uint32_t v)
{
	memcpy(b->b + off, &v, 4);
}

struct range {
	uint64_t base, len;
	uint32_t type;
};

static unsigned memory_map(uint64_t ram, struct range *r)
{
	unsigned n = 0;

	r[n++] = (struct range){ 0, GUEST_LOW_END, 1 };
	r[n++] = (struct range){ GUEST_LOW_END, 0xa0000 - GUEST_LOW_END, 2 };
	r[n++] = (struct range){ 0xe0000, 0x20000, 2 }; /* ACPI tables, BIOS */
	if (ram > 0x100000)
		r[n++] = (struct range){ 0x100000, ram - 0x100000, 1 };
	return n;
}

static void build_mb1(struct buf *b, const struct load_request *req,
		      const uint64_t *mod_start)
{
	uint8_t hdr[MB1_INFO_SIZE] = { 0 };
	struct range map[4];
	unsigned n = memory_map(req->ram_size, map);
	uint32_t mods_off, mmap_off;

	put(b, hdr, sizeof(hdr), 8);
	set32(b, 0, 1u << 0 | 1u << 2 | 1u << 3 | 1u << 6 | 1u << 9);
	set32(b, 4, GUEST_LOW_END >> 10);
	set32(b, 8, req->ram_size > 0x100000 ?
			    (uint32_t)((req->ram_size - 0x100000) >> 10) : 0);
	set32(b, 16, put_str(b, req->cmdline));
	mods_off = (uint32_t)b->len;
	for (unsigned i = 0; i < req->n_modules; i++) {
		uint32_t m[4] = { (uint32_t)mod_start[i],
				  (uint32_t)(mod_start[i] + req->modules[i].size),
				  0, 0 };
		mods_off = (uint32_t)put(b, m, sizeof(m), 4) - 16 * i;
	}
	for (unsigned i = 0; i < req->n_modules; i++)
		set32(b, mods_off + 16 * i + 8, put_str(b, req->modules[i].args));
	set32(b, 20, req->n_modules);
	set32(b, 24, (uint32_t)(b->gpa + mods_off));
	mmap_off = (uint32_t)((b->len + 3) & ~3u);
	for (unsigned i = 0; i < n; i++) {
		uint8_t e[24];
		uint32_t size = 20;
		memcpy(e, &size, 4);
		memcpy(e + 4, &map[i].base, 8);
		memcpy(e + 12, &map[i].len, 8);
		memcpy(e + 20, &map[i].type, 4);
		put(b, e, sizeof(e), 4);
	}
	set32(b, 44, 24 * n);
	set32(b, 48, (uint32_t)(b->gpa + mmap_off));
	set32(b, 64, put_str(b, MBINFO_LOADER_NAME));
}

/* Multiboot2 tags are 8-byte aligned (spec 3.6). */
static size_t tag(struct buf *b, uint32_t type, const void *body, size_t len)
{
	uint32_t h[2] = { type, (uint32_t)(8 + len) };
	size_t at = put(b, h, 8, 8);

	if (len)
		put(b, body, len, 1);
	return at;
}

static void build_mb2(struct buf *b, const struct load_request *req,
		      const uint64_t *mod_start)
{
	uint32_t head[2] = { 0, 0 }, mem[2], mmap_hdr[2] = { 24, 0 };
	struct range map[4];
	unsigned n = memory_map(req->ram_size, map);
	size_t mmap_at;

	put(b, head, 8, 8);
	tag(b, 1, req->cmdline, strlen(req->cmdline) + 1);
	tag(b, 2, MBINFO_LOADER_NAME, sizeof(MBINFO_LOADER_NAME));
	for (unsigned i = 0; i < req->n_modules; i++) {
		uint32_t range[2] = { (uint32_t)mod_start[i],
				      (uint32_t)(mod_start[i] +
						 req->modules[i].size) };
		size_t at = tag(b, 3, range, 8);
		put(b, req->modules[i].args, strlen(req->modules[i].args) + 1, 1);
		set32(b, at + 4, (uint32_t)(b->len - at));
	}
	mem[0] = GUEST_LOW_END >> 10;
	mem[1] = req->ram_size > 0x100000 ?
			 (uint32_t)((req->ram_size - 0x100000) >> 10) : 0;
	tag(b, 4, mem, 8);
	mmap_at = tag(b, 6, mmap_hdr, 8);
	for (unsigned i = 0; i < n; i++) {
		uint8_t e[24] = { 0 };
		memcpy(e, &map[i].base, 8);
		memcpy(e + 8, &map[i].len, 8);
		memcpy(e + 16, &map[i].type, 4);
		put(b, e, sizeof(e), 1);
	}
	set32(b, mmap_at + 4, (uint32_t)(b->len - mmap_at));
	tag(b, 0, 0, 0);
	set32(b, 0, (uint32_t)b->len);
}

static int no_room(const struct load_request *req, char *err, size_t len,
		   const char *what, uint64_t need)
{
	ksnprintf(err, len, "%s: %s needs RAM up to %#llx, beyond the VM's "
		  "%llu KiB", req->image_name, what, (unsigned long long)need,
		  (unsigned long long)(req->ram_size >> 10));
	return -ENOMEM;
}

int mbinfo_build(struct gpa_space *mem, const struct load_request *req,
		 struct load_result *res, char *err, size_t errlen)
{
	static struct buf b;
	uint64_t mod_start[VMCFG_MAX_MODULES];
	uint64_t at = (res->kernel_end + 0xfff) & ~0xfffull;

	if (req->n_modules > VMCFG_MAX_MODULES) {
		ksnprintf(err, errlen, "%s: more than %d modules",
			  req->image_name, VMCFG_MAX_MODULES);
		return -E2BIG;
	}
	for (unsigned i = 0; i < req->n_modules; i++) {
		uint64_t size = req->modules[i].size;
		if (at + size > req->ram_size || at + size < at)
			return no_room(req, err, errlen, "a module", at + size);
		gpa_write(mem, at, req->modules[i].data, size);
		mod_start[i] = at;
		at = (at + size + 0xfff) & ~0xfffull;
	}
	memset(&b, 0, sizeof(b));
	b.gpa = at;
	if (res->kind == IMAGE_MULTIBOOT1)
		build_mb1(&b, req, mod_start);
	else
		build_mb2(&b, req, mod_start);
	if (b.overflow) {
		ksnprintf(err, errlen, "%s: the boot information (command line, "
			  "module strings) exceeds %d bytes", req->image_name,
			  INFO_MAX);
		return -E2BIG;
	}
	if (at + b.len > req->ram_size || gpa_write(mem, at, b.b, b.len))
		return no_room(req, err, errlen, "the boot information",
			       at + b.len);
	res->eax = res->kind == IMAGE_MULTIBOOT1 ? MB1_BOOT_MAGIC : MB2_BOOT_MAGIC;
	res->ebx = (uint32_t)at;
	res->info_gpa = at;
	res->info_size = b.len;
	return 0;
}
