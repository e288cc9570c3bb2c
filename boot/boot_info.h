/* SPDX-License-Identifier: MIT */
/* What a front door (multiboot2 or EFI) learnt from the firmware and the
 * loader, in one self-contained structure: the core never looks at
 * loader-specific data again. */
#ifndef BOOT_BOOT_INFO_H
#define BOOT_BOOT_INFO_H

#include <stdbool.h>
#include <stdint.h>

#define BI_MAX_MEM 128
#define BI_MAX_MODULES 32
#define BI_CMDLINE_MAX 512
#define BI_MODNAME_MAX 128

/* E820/multiboot memory types. */
enum bi_mem_type {
	BI_MEM_USABLE = 1,
	BI_MEM_RESERVED = 2,
	BI_MEM_ACPI = 3,
	BI_MEM_NVS = 4,
	BI_MEM_BAD = 5,
};

struct bi_mem {
	uint64_t base, len;
	uint32_t type;
};

struct bi_module {
	uint64_t start, end; /* physical, end exclusive */
	char cmdline[BI_MODNAME_MAX];
};

#define BI_MAGIC 0x3146494f42564823ull /* "#HVBOIF1": a handed-over boot_info */

struct boot_info {
	uint64_t magic;   /* BI_MAGIC when a loader hands it over (hv.efi) */
	uint32_t size;    /* sizeof(struct boot_info) of that loader */
	const char *door; /* "multiboot2" or "efi"; set by the core's door */
	char cmdline[BI_CMDLINE_MAX];
	char loader[64];
	unsigned n_mem;
	struct bi_mem mem[BI_MAX_MEM];
	unsigned n_mod;
	struct bi_module mod[BI_MAX_MODULES];
	uint32_t mem_lower_kb, mem_upper_kb; /* basic meminfo, 0 if absent */
	uint8_t rsdp[36];  /* copy of the RSDP given by the loader */
	uint32_t rsdp_len; /* 0: none given, search for it */
	uint64_t rsdp_pa;  /* where the firmware keeps it (0: not known) */
	uint64_t efi_systab; /* EFI system table (0: BIOS boot) */
	uint64_t efi_image;  /* EFI image handle of the loader, if given */
	bool efi_boot_services; /* boot services still running */
	bool efi_mmap;       /* mem[] came from an EFI memory map */
	unsigned efi_exit_attempts; /* ExitBootServices calls (hv.efi) */
	unsigned fw_cpus;    /* CPUs the firmware counted (0: not known) */
	char fw_vendor[48];  /* firmware vendor and revision, if known */
};

#endif
