/* SPDX-License-Identifier: MIT */
/*
 * hv.efi: the EFI front door, a gnu-efi application that firmware or a
 * boot manager starts. While the firmware still serves it, it reads the
 * VM configuration and the guest images from the EFI system partition,
 * collects what the core needs (memory map, ACPI RSDP, CPU count) into a
 * struct boot_info, places the hypervisor image (hv.elf, carried inside
 * this file) at its physical addresses, leaves boot services and jumps to
 * the image's 64-bit entry, efi_start64 (boot/entry.S). From there the
 * core start-up is the multiboot2 path's.
 *
 * Every problem found before ExitBootServices is reported on the
 * firmware console and returned to the firmware: nothing is lost, the
 * boot manager goes on to its next option.
 *
 * Load options (a boot entry's optional data or the shell's arguments)
 * are the hypervisor's command line; config=PATH picks the VM
 * configuration (default hv.cfg next to hv.efi). Guest files in the
 * configuration are relative to its folder. efi.stale_key=1 (for tests)
 * changes the memory map between GetMemoryMap and ExitBootServices, so
 * the first exit attempt must fail and be retried.
 */
#include <efi.h>
#include <elf.h>
#include <stdarg.h>

#include "boot/boot_info.h"
#include "boot/efi.h"
#include "guests/config.h"
#include "lib/format.h"
#include "lib/string.h"

#ifndef HV_EFI_ENTRY
#error "HV_EFI_ENTRY: the address of efi_start64 in hv.elf (see Makefile)"
#endif

extern const uint8_t hv_elf_start[], hv_elf_end[]; /* boot/efi_blob.S */

#define BELOW_4G 0xffffffffull
#define PATH_MAX_ 256
#define EXIT_ATTEMPTS 8

static EFI_SYSTEM_TABLE *st;
static EFI_BOOT_SERVICES *bs;
static EFI_HANDLE self;
static EFI_FILE_HANDLE root;
static struct boot_info *bi;
static struct vm_config_set cfgs;
static bool stale_key; /* efi.stale_key=1 */

static EFI_GUID loaded_image_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
static EFI_GUID simple_fs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
static EFI_GUID file_info_guid = EFI_FILE_INFO_ID;
/* EFI_MP_SERVICES_PROTOCOL (PI 1.7, volume 2, 13.4) */
static EFI_GUID mp_services_guid = { 0x3fdda605, 0xa76e, 0x4f46,
	{ 0xad, 0x29, 0x12, 0xf4, 0x53, 0x1b, 0x3d, 0x08 } };
struct mp_services {
	EFI_STATUS (EFIAPI *count)(struct mp_services *self, UINTN *n,
				   UINTN *enabled);
};

/* ---- the firmware console ------------------------------------------------ */

static void out(const char *s)
{
	CHAR16 buf[128];
	size_t n = 0;

	for (;; s++) {
		if (!*s || n >= sizeof(buf) / sizeof(buf[0]) - 3) {
			buf[n] = 0;
			uefi_call_wrapper(st->ConOut->OutputString, 2,
					  st->ConOut, buf);
			n = 0;
			if (!*s)
				return;
		}
		if (*s == '\n')
			buf[n++] = '\r';
		buf[n++] = (unsigned char)*s;
	}
}

static void __attribute__((format(printf, 1, 2))) say(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	out("hv.efi: ");
	out(msg);
	out("\n");
}

static const char *status_name(EFI_STATUS s)
{
	static const struct { EFI_STATUS s; const char *name; } names[] = {
		{ EFI_LOAD_ERROR, "Load Error" },
		{ EFI_INVALID_PARAMETER, "Invalid Parameter" },
		{ EFI_UNSUPPORTED, "Unsupported" },
		{ EFI_BUFFER_TOO_SMALL, "Buffer Too Small" },
		{ EFI_DEVICE_ERROR, "Device Error" },
		{ EFI_OUT_OF_RESOURCES, "Out of Resources" },
		{ EFI_VOLUME_CORRUPTED, "Volume Corrupt" },
		{ EFI_NOT_FOUND, "Not Found" },
		{ EFI_ACCESS_DENIED, "Access Denied" },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].s == s)
			return names[i].name;
	return "error";
}

/* ---- memory and files ---------------------------------------------------- */

/* What we took from the firmware, to give back if we return to it. */
static struct { EFI_PHYSICAL_ADDRESS pa; UINTN pages; } taken[BI_MAX_MODULES + 8];
static unsigned n_taken;

static EFI_STATUS take_pages(EFI_ALLOCATE_TYPE how, UINTN pages,
			     EFI_PHYSICAL_ADDRESS *pa)
{
	EFI_STATUS s;

	if (n_taken == sizeof(taken) / sizeof(taken[0]))
		return EFI_OUT_OF_RESOURCES;
	s = uefi_call_wrapper(bs->AllocatePages, 4, how, EfiLoaderData, pages,
			      pa);
	if (s == EFI_SUCCESS)
		taken[n_taken++] = (typeof(taken[0])){ *pa, pages };
	return s;
}

static void give_back(void)
{
	while (n_taken--)
		uefi_call_wrapper(bs->FreePages, 2, taken[n_taken].pa,
				  taken[n_taken].pages);
}

/* Pages below 4 GiB, where the core's boot map reaches. */
static void *pages_low(UINT64 bytes)
{
	EFI_PHYSICAL_ADDRESS pa = BELOW_4G;
	UINTN n = (bytes + EFI_PAGE_BYTES - 1) / EFI_PAGE_BYTES;

	if (take_pages(AllocateMaxAddress, n ? n : 1, &pa) != EFI_SUCCESS)
		return 0;
	return (void *)(uintptr_t)pa;
}

static void to_ucs2(CHAR16 *dst, const char *src, size_t max)
{
	size_t i = 0;

	for (; src[i] && i < max - 1; i++)
		dst[i] = src[i] == '/' ? '\\' : (unsigned char)src[i];
	dst[i] = 0;
}

/* Reads the file at path (from the ESP's root) into fresh pages below
 * 4 GiB. Returns 0, or reports why not and returns the status. */
static EFI_STATUS read_file(const char *path, void **data, UINT64 *size)
{
	CHAR16 p16[PATH_MAX_];
	UINT64 info[64]; /* EFI_FILE_INFO and the file name */
	UINTN isz = sizeof(info), n;
	EFI_FILE_INFO *fi = (EFI_FILE_INFO *)info;
	EFI_FILE_HANDLE f;
	EFI_STATUS s;

	to_ucs2(p16, path, PATH_MAX_);
	s = uefi_call_wrapper(root->Open, 5, root, &f, p16, EFI_FILE_MODE_READ,
			      0);
	if (s != EFI_SUCCESS) {
		say("cannot open %s: %s", path, status_name(s));
		return s;
	}
	s = uefi_call_wrapper(f->GetInfo, 4, f, &file_info_guid, &isz, info);
	if (s == EFI_SUCCESS && (fi->Attribute & EFI_FILE_DIRECTORY))
		s = EFI_ACCESS_DENIED;
	if (s == EFI_SUCCESS) {
		*size = fi->FileSize;
		*data = pages_low(*size);
		n = *size;
		s = !*data ? EFI_OUT_OF_RESOURCES :
			     uefi_call_wrapper(f->Read, 3, f, &n, *data);
		if (s == EFI_SUCCESS && n != *size)
			s = EFI_DEVICE_ERROR;
	}
	uefi_call_wrapper(f->Close, 1, f);
	if (s != EFI_SUCCESS)
		say("cannot read %s: %s", path, status_name(s));
	return s;
}

/* ---- the configuration and the guests ------------------------------------ */

static void cfg_report(void *ctx, const char *msg)
{
	(void)ctx;
	say("%s", msg);
}

static bool have_module(const char *name)
{
	for (unsigned i = 0; i < bi->n_mod; i++)
		if (!strcmp(bi->mod[i].cmdline, name))
			return true;
	return false;
}

static EFI_STATUS add_module(const char *path, const char *name)
{
	struct bi_module *m;
	void *data;
	UINT64 size;
	EFI_STATUS s;

	if (have_module(name))
		return EFI_SUCCESS;
	if (bi->n_mod == BI_MAX_MODULES) {
		say("more than %u files to load", BI_MAX_MODULES);
		return EFI_OUT_OF_RESOURCES;
	}
	s = read_file(path, &data, &size);
	if (s != EFI_SUCCESS)
		return s;
	m = &bi->mod[bi->n_mod++];
	m->start = (uintptr_t)data;
	m->end = m->start + size;
	str_copy(m->cmdline, name, sizeof(m->cmdline));
	return EFI_SUCCESS;
}

/* The configuration (module "name"), then every file its VMs name. */
static EFI_STATUS load_config(const char *path, const char *name)
{
	char dir[PATH_MAX_], file[PATH_MAX_];
	const struct bi_module *c;
	EFI_STATUS s;

	s = add_module(path, name);
	if (s != EFI_SUCCESS)
		return s;
	c = &bi->mod[bi->n_mod - 1];
	if (vmcfg_parse((const char *)(uintptr_t)c->start, c->end - c->start,
			path, &cfgs, cfg_report, 0) || !cfgs.n) {
		say("%s: %s", path, cfgs.n ? "the configuration has errors" :
					     "no [vm] sections");
		return EFI_LOAD_ERROR;
	}
	str_copy(dir, path, sizeof(dir));
	for (size_t k = strlen(dir); k > 0 && dir[k - 1] != '\\'; k--)
		dir[k - 1] = 0;
	if (dir[0])
		dir[strlen(dir) - 1] = 0;
	for (unsigned v = 0; v < cfgs.n; v++) {
		const struct vm_config *vm = &cfgs.vm[v];
		const char *files[2 + VMCFG_MAX_MODULES] = { vm->kernel,
							     vm->initrd };

		for (unsigned i = 0; i < vm->n_modules; i++)
			files[2 + i] = vm->module[i].file;
		for (unsigned i = 0; i < 2 + vm->n_modules; i++) {
			if (!files[i][0])
				continue;
			efi_join(file, sizeof(file), dir, files[i]);
			s = add_module(file, files[i]);
			if (s != EFI_SUCCESS)
				return s;
		}
	}
	return EFI_SUCCESS;
}

/* ---- the hypervisor image ------------------------------------------------ */

/* Places hv.elf's segments at their physical addresses. */
static EFI_STATUS place_image(void)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)hv_elf_start;
	const Elf64_Phdr *ph;
	size_t blob = hv_elf_end - hv_elf_start;
	uint64_t lo = ~0ull, hi = 0;
	EFI_PHYSICAL_ADDRESS pa;
	EFI_STATUS s;

	if (blob < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_machine != EM_X86_64 ||
	    eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(*ph) > blob)
		return EFI_LOAD_ERROR;
	ph = (const Elf64_Phdr *)(hv_elf_start + eh->e_phoff);
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || !ph[i].p_memsz)
			continue;
		if (ph[i].p_offset + ph[i].p_filesz > blob ||
		    ph[i].p_filesz > ph[i].p_memsz)
			return EFI_LOAD_ERROR;
		lo = ph[i].p_paddr < lo ? ph[i].p_paddr : lo;
		if (ph[i].p_paddr + ph[i].p_memsz > hi)
			hi = ph[i].p_paddr + ph[i].p_memsz;
	}
	if (hi <= lo || HV_EFI_ENTRY < lo || HV_EFI_ENTRY >= hi)
		return EFI_LOAD_ERROR;
	pa = lo & ~0xfffull;
	s = take_pages(AllocateAddress, (hi - pa + 0xfff) >> 12, &pa);
	if (s != EFI_SUCCESS) {
		say("the hypervisor's memory %#llx-%#llx is not free: %s",
		    (unsigned long long)lo, (unsigned long long)hi,
		    status_name(s));
		return s;
	}
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		uint8_t *dst = (uint8_t *)(uintptr_t)ph[i].p_paddr;

		if (ph[i].p_type != PT_LOAD)
			continue;
		memcpy(dst, hv_elf_start + ph[i].p_offset, ph[i].p_filesz);
		memset(dst + ph[i].p_filesz, 0,
		       ph[i].p_memsz - ph[i].p_filesz);
	}
	return EFI_SUCCESS;
}

/* ---- the firmware's facts ------------------------------------------------ */

static const void *read_any(void *ctx, uint64_t pa, size_t len)
{
	(void)ctx;
	(void)len;
	return (const void *)(uintptr_t)pa;
}

static void firmware_facts(void)
{
	struct mp_services *mp;
	UINTN n = 0, enabled = 0;
	uint64_t rsdp = efi_find_rsdp((uintptr_t)st, read_any, 0);
	size_t k = 0;

	bi->efi_systab = (uintptr_t)st;
	bi->efi_image = (uintptr_t)self;
	if (rsdp)
		bi_set_rsdp(bi, (const uint8_t *)(uintptr_t)rsdp, rsdp);
	if (uefi_call_wrapper(bs->LocateProtocol, 3, &mp_services_guid, 0,
			      (void **)&mp) == EFI_SUCCESS &&
	    uefi_call_wrapper(mp->count, 3, mp, &n, &enabled) == EFI_SUCCESS)
		bi->fw_cpus = enabled;
	for (const CHAR16 *v = st->FirmwareVendor;
	     v && *v && k < sizeof(bi->fw_vendor) - 16; v++)
		bi->fw_vendor[k++] = *v < 0x80 ? (char)*v : '?';
	ksnprintf(bi->fw_vendor + k, sizeof(bi->fw_vendor) - k, ", UEFI %u.%u",
		  st->Hdr.Revision >> 16, (st->Hdr.Revision & 0xffff) / 10);
}

/* The map as the firmware gives it: descriptors and bytes of memory
 * (MMIO left out), for the report the tests compare the core's with. */
static EFI_STATUS report_firmware(void)
{
	UINTN size = 0, key, dsize;
	UINT32 dver;
	uint8_t *map;
	uint64_t bytes = 0;
	EFI_STATUS s;

	uefi_call_wrapper(bs->GetMemoryMap, 5, &size, 0, &key, &dsize, &dver);
	size += 8 * dsize;
	map = pages_low(size);
	if (!map)
		return EFI_OUT_OF_RESOURCES;
	s = uefi_call_wrapper(bs->GetMemoryMap, 5, &size, (EFI_MEMORY_DESCRIPTOR *)map, &key, &dsize,
			      &dver);
	if (s != EFI_SUCCESS)
		return s;
	for (UINTN off = 0; off + dsize <= size; off += dsize) {
		const EFI_MEMORY_DESCRIPTOR *d = (void *)(map + off);

		if (d->Type != EfiMemoryMappedIO &&
		    d->Type != EfiMemoryMappedIOPortSpace)
			bytes += d->NumberOfPages << 12;
	}
	say("firmware: %s; memory map: %llu descriptors, %llu KiB; ACPI RSDP "
	    "at %#llx; %u CPUs (MP services)", bi->fw_vendor,
	    (unsigned long long)(size / dsize), (unsigned long long)(bytes >> 10),
	    (unsigned long long)bi->rsdp_pa, bi->fw_cpus);
	return EFI_SUCCESS;
}

/* GetMemoryMap + ExitBootServices until the map key holds (UEFI 2.10,
 * 7.4.6: a map that changed in between makes the exit fail, and only
 * these two calls are allowed until it succeeds). */
static EFI_STATUS leave_boot_services(void)
{
	UINTN size = 0, cap, key, dsize;
	UINT32 dver;
	uint8_t *map;
	EFI_STATUS s;

	uefi_call_wrapper(bs->GetMemoryMap, 5, &size, 0, &key, &dsize, &dver);
	cap = size + 16 * dsize; /* room for what these pages add */
	map = pages_low(cap);
	if (!map)
		return EFI_OUT_OF_RESOURCES;
	for (unsigned attempt = 1; attempt <= EXIT_ATTEMPTS; attempt++) {
		size = cap;
		s = uefi_call_wrapper(bs->GetMemoryMap, 5, &size, (EFI_MEMORY_DESCRIPTOR *)map, &key,
				      &dsize, &dver);
		if (s != EFI_SUCCESS)
			return s;
		if (stale_key && attempt == 1) { /* the key is stale now */
			EFI_PHYSICAL_ADDRESS pa = BELOW_4G;

			uefi_call_wrapper(bs->AllocatePages, 4,
					  AllocateMaxAddress, EfiLoaderData, 1,
					  &pa);
		}
		s = uefi_call_wrapper(bs->ExitBootServices, 2, self, key);
		if (s == EFI_SUCCESS) {
			char err[8];

			bi->efi_exit_attempts = attempt;
			if (efi_mmap_to_bi(map, size, dsize, bi, err,
					   sizeof(err)))
				bi->n_mem = 0; /* the core says so */
			bi->efi_mmap = true;
			return EFI_SUCCESS;
		}
		if (s != EFI_INVALID_PARAMETER)
			return s;
	}
	return EFI_ABORTED;
}

/* ---- the door ------------------------------------------------------------ */

static EFI_STATUS prepare(void)
{
	EFI_LOADED_IMAGE *li;
	EFI_FILE_IO_INTERFACE *fs;
	char dir[PATH_MAX_], cfg[PATH_MAX_], path[PATH_MAX_], stale[8];
	EFI_STATUS s;

	s = uefi_call_wrapper(bs->HandleProtocol, 3, self, &loaded_image_guid,
			      (void **)&li);
	if (s == EFI_SUCCESS)
		s = uefi_call_wrapper(bs->HandleProtocol, 3, li->DeviceHandle,
				      &simple_fs_guid, (void **)&fs);
	if (s == EFI_SUCCESS)
		s = uefi_call_wrapper(fs->OpenVolume, 2, fs, &root);
	if (s != EFI_SUCCESS) {
		say("cannot open the file system hv.efi was loaded from: %s",
		    status_name(s));
		return s;
	}
	/* The image's place first: nothing else may take it. */
	s = place_image();
	if (s == EFI_LOAD_ERROR)
		say("the hypervisor image inside hv.efi is damaged");
	if (s != EFI_SUCCESS)
		return s;
	bi = pages_low(sizeof(*bi));
	if (!bi)
		return EFI_OUT_OF_RESOURCES;
	memset(bi, 0, sizeof(*bi));
	bi->magic = BI_MAGIC;
	bi->size = sizeof(*bi);
	efi_load_options(li->LoadOptions, li->LoadOptionsSize, bi->cmdline,
			 sizeof(bi->cmdline));
	stale_key = efi_take_option(bi->cmdline, "efi.stale_key", stale,
				    sizeof(stale)) && stale[0] == '1';
	/* the device path ends with its end node; 4 KiB bounds the walk */
	efi_image_folder((const uint8_t *)li->FilePath, 4096, dir, sizeof(dir));
	str_copy(bi->loader, "hv.efi", sizeof(bi->loader));
	say("started from %s, command line '%s'", dir[0] ? dir : "\\",
	    bi->cmdline);
	if (efi_take_option(bi->cmdline, "config", cfg, sizeof(cfg))) {
		efi_join(path, sizeof(path), dir, cfg);
		/* kept for the core, which picks the module by this name */
		ksnprintf(bi->cmdline + strlen(bi->cmdline),
			  sizeof(bi->cmdline) - strlen(bi->cmdline),
			  "%sconfig=%s", bi->cmdline[0] ? " " : "", cfg);
	} else {
		efi_join(path, sizeof(path), dir, "hv.cfg");
		str_copy(cfg, path, sizeof(cfg));
	}
	return load_config(path, cfg);
}

/* gnu-efi's crt0 relocates the image and calls this with the SysV ABI. */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab);

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_STATUS s;

	st = systab;
	bs = systab->BootServices;
	self = image;
	s = prepare();
	if (s == EFI_SUCCESS) {
		firmware_facts();
		s = report_firmware();
	}
	if (s != EFI_SUCCESS) {
		say("not starting the hypervisor; returning to the firmware");
		give_back();
		return s;
	}
	say("%u files loaded; leaving boot services", bi->n_mod);
	s = leave_boot_services();
	if (s != EFI_SUCCESS)
		return s; /* boot services may be gone: nothing to say it on */
	__asm__ volatile("cli");
	((void (*)(struct boot_info *))(uintptr_t)HV_EFI_ENTRY)(bi);
	return EFI_LOAD_ERROR;
}
