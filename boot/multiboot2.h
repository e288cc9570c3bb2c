/* SPDX-License-Identifier: MIT */
/* Multiboot2 specification constants (version 2.0, sections 3.1 and 3.6). */
#ifndef BOOT_MULTIBOOT2_H
#define BOOT_MULTIBOOT2_H

#include <stddef.h>
#include <stdint.h>

#include "boot/boot_info.h"

#define MB2_HEADER_MAGIC 0xe85250d6
#define MB2_BOOTLOADER_MAGIC 0x36d76289

/* Information tag types. */
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_LOADER_NAME 2
#define MB2_TAG_MODULE 3
#define MB2_TAG_BASIC_MEMINFO 4
#define MB2_TAG_BOOTDEV 5
#define MB2_TAG_MMAP 6
#define MB2_TAG_FRAMEBUFFER 8
#define MB2_TAG_ELF_SECTIONS 9
#define MB2_TAG_APM 10
#define MB2_TAG_EFI32 11
#define MB2_TAG_EFI64 12
#define MB2_TAG_SMBIOS 13
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15
#define MB2_TAG_NETWORK 16
#define MB2_TAG_EFI_MMAP 17
#define MB2_TAG_EFI_BS 18
#define MB2_TAG_EFI32_IH 19
#define MB2_TAG_EFI64_IH 20
#define MB2_TAG_LOAD_BASE 21

/* Largest information structure we accept (GRUB's are a few KiB). */
#define MB2_INFO_MAX (1u << 20)

/*
 * Parses the multiboot2 information at info (at most avail bytes readable)
 * into bi. Returns 0, or a negative error with a message naming the
 * problem (tag type and offset) in err.
 */
int mb2_parse(const void *info, size_t avail, struct boot_info *bi, char *err,
	      size_t errlen);

#endif
