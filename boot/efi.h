/* SPDX-License-Identifier: MIT */
/*
 * The UEFI facts both front doors need, without the firmware's headers:
 * the memory map (UEFI 2.10, 7.2.3 GetMemoryMap) and the system table's
 * configuration table (4.3, 4.6). Pure: the functions read only the
 * bytes they are given, so they are unit-tested on the host; the EFI
 * application (boot/efi_main.c) and the multiboot2 door share them.
 */
#ifndef BOOT_EFI_H
#define BOOT_EFI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/boot_info.h"

/* EFI_MEMORY_TYPE */
enum efi_mem_type {
	EFI_MT_RESERVED = 0,
	EFI_MT_LOADER_CODE = 1,
	EFI_MT_LOADER_DATA = 2,
	EFI_MT_BS_CODE = 3,
	EFI_MT_BS_DATA = 4,
	EFI_MT_RT_CODE = 5,
	EFI_MT_RT_DATA = 6,
	EFI_MT_CONVENTIONAL = 7,
	EFI_MT_UNUSABLE = 8,
	EFI_MT_ACPI_RECLAIM = 9,
	EFI_MT_ACPI_NVS = 10,
	EFI_MT_MMIO = 11,
	EFI_MT_MMIO_PORT = 12,
	EFI_MT_PAL_CODE = 13,
	EFI_MT_PERSISTENT = 14,
};

#define EFI_MA_RUNTIME (1ull << 63)
#define EFI_PAGE_BYTES 4096

/* EFI_MEMORY_DESCRIPTOR (version 1); the firmware's stride may be larger. */
struct efi_mem_desc {
	uint32_t type;
	uint32_t pad;
	uint64_t phys_start, virt_start, n_pages, attribute;
};

#define EFI_SYSTAB_SIGNATURE 0x5453595320494249ull /* "IBI SYST" */

/*
 * Turns a memory map as GetMemoryMap returns it (size bytes, entries
 * desc_size apart) into bi->mem, sorted and with neighbours of one type
 * merged, as the map reads after ExitBootServices: boot-services and
 * loader memory become usable; runtime-services memory stays reserved;
 * MMIO is not memory and is left out. Refuses (-EINVAL, err says why)
 * a stride below the descriptor, a range that wraps or overlaps
 * another, and more ranges than boot_info holds.
 */
int efi_mmap_to_bi(const void *map, size_t size, size_t desc_size,
		   struct boot_info *bi, char *err, size_t errlen);

/*
 * The ACPI RSDP's physical address from the configuration table of the
 * EFI system table at systab (ACPI 2.0 GUID first, then ACPI 1.0), or 0.
 * read(ctx, pa, len) returns a pointer to len readable bytes at physical
 * address pa, or NULL when the caller cannot reach them.
 */
typedef const void *(*efi_read_fn)(void *ctx, uint64_t pa, size_t len);
uint64_t efi_find_rsdp(uint64_t systab, efi_read_fn read, void *ctx);

/* Copies the RSDP at rsdp (physical address pa) into bi: 36 bytes for
 * revision 2 and later, else 20. */
void bi_set_rsdp(struct boot_info *bi, const uint8_t *rsdp, uint64_t pa);

/* hv.efi's arguments (boot/efi_args.c). */

/* The folder an image was loaded from, from the file-path nodes of its
 * device path (UEFI 2.10, 10.3.5.4; dp_len bytes readable), "" at the
 * root; ASCII, other characters as '_'. */
void efi_image_folder(const uint8_t *device_path, size_t dp_len, char *dir,
		      size_t len);
/* The load options (UCS-2, bytes long) as a command line: empty when
 * they are not printable text (a boot entry's binary data), and without
 * a leading program name ending in .efi (what the shell passes). */
void efi_load_options(const uint8_t *opts, size_t bytes, char *out,
		      size_t len);
/* Removes the first "name=value" word; true if it was there, the value
 * (truncated to len) in val. */
bool efi_take_option(char *cmdline, const char *name, char *val, size_t len);
/* dir\name, or name alone when it starts with \ or / (absolute). */
void efi_join(char *out, size_t len, const char *dir, const char *name);

/* Bytes the memory map describes, all types together. */
uint64_t bi_ram_bytes(const struct boot_info *bi);

#endif
