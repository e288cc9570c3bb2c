/* SPDX-License-Identifier: MIT */
/*
 * Loading a Linux bzImage into a VM's RAM by the x86 boot protocol
 * (Documentation/x86/boot.rst, "64-bit Boot Protocol"; protocol 2.12 or
 * newer: xloadflags and the 64-bit entry; acpi_rsdp_addr needs 2.14).
 * Pure: guest memory is reached through the gpa_space, and the kernel
 * image is read from host memory.
 *
 * linux_load() places the protected-mode kernel at its preferred address,
 * the initrd page-aligned as high as allowed, and builds in low guest
 * memory everything a 64-bit entry needs:
 *
 *   0x0000-0x0fff  left alone (the real-mode IVT and BIOS data area)
 *   0x1000         GDT: 0x10 = 64-bit code (__BOOT_CS), 0x18 = data
 *                  (__BOOT_DS), both flat; limit 0x1f
 *   0x2000         PML4
 *   0x3000         PDPT
 *   0x4000-0x7fff  four page directories of 2 MiB pages (not written
 *                  with 1 GiB pages, when the PDPT maps 1 GiB pages)
 *   0x8000         boot_params, the "zero page" (4 KiB)
 *   0x9000-0xffff  the command line, NUL-terminated (at most
 *                  LINUX_CMDLINE_MAX bytes with the NUL, and at most
 *                  cmdline_size characters)
 *
 * The page tables map guest-physical 0-4 GiB identically, read/write,
 * which covers all of the above, the kernel and the initrd. The E820 map
 * handed to the kernel must list 0x1000-0x10000, the kernel and the
 * initrd as usable RAM (they are checked).
 *
 * The caller starts vCPU 0 in 64-bit mode as the protocol demands:
 * CR0.PE|PG, CR4.PAE, EFER.LME|LMA, CR3 = res->cr3; GDTR = gdt_base /
 * gdt_limit; CS = LINUX_BOOT_CS (64-bit code, LINUX_GDT_CODE64), DS = ES =
 * SS = LINUX_BOOT_DS (LINUX_GDT_DATA); interrupts off (RFLAGS = 0x2);
 * RIP = res->entry; RSI = res->boot_params.
 */
#ifndef GUESTS_LINUX_H
#define GUESTS_LINUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ept/gpa.h"

/* ---- the layout in low guest memory ------------------------------------ */
#define LINUX_GDT_GPA 0x1000ull
#define LINUX_PML4_GPA 0x2000ull
#define LINUX_PDPT_GPA 0x3000ull
#define LINUX_PD_GPA 0x4000ull /* four pages: 0-1, 1-2, 2-3, 3-4 GiB */
#define LINUX_BOOT_PARAMS_GPA 0x8000ull
#define LINUX_CMDLINE_GPA 0x9000ull
#define LINUX_CMDLINE_MAX (0x10000ull - LINUX_CMDLINE_GPA) /* with NUL */
#define LINUX_LOW_START LINUX_GDT_GPA /* what linux_load writes below */
#define LINUX_LOW_END 0x10000ull      /* ... 64 KiB */

/* Selectors and GDT descriptors of the 64-bit boot protocol. Both have
 * the accessed bit set, as VM entry wants of the segment registers. */
#define LINUX_BOOT_CS 0x10
#define LINUX_BOOT_DS 0x18
#define LINUX_GDT_CODE64 0x00af9b000000ffffull /* G, L, P, code r/x */
#define LINUX_GDT_DATA 0x00cf93000000ffffull   /* G, D/B, P, data r/w */
#define LINUX_GDT_LIMIT 0x1f

/* heap_end_ptr written (the offset from the real-mode code of the end of
 * its heap, minus 0x200); unused by the 64-bit entry. */
#define LINUX_HEAP_END_PTR 0xfe00

/* ---- boot_params and setup header offsets (zero-page.rst, boot.rst) ---- */
#define BP_ACPI_RSDP_ADDR 0x070      /* u64, protocol 2.14 */
#define BP_EXT_RAMDISK_IMAGE 0x0c0   /* u32 */
#define BP_EXT_RAMDISK_SIZE 0x0c4    /* u32 */
#define BP_EXT_CMD_LINE_PTR 0x0c8    /* u32 */
#define BP_E820_ENTRIES 0x1e8        /* u8 */
#define BP_SENTINEL 0x1ef            /* u8 */
#define BP_HDR 0x1f1                 /* the setup header starts here */
#define BP_E820_TABLE 0x2d0          /* 20-byte packed entries */
#define BP_E820_MAX 128
#define BP_SIZE 0x1000

#define HDR_SETUP_SECTS 0x1f1        /* u8 */
#define HDR_SYSSIZE 0x1f4            /* u32 */
#define HDR_VID_MODE 0x1fa           /* u16 */
#define HDR_BOOT_FLAG 0x1fe          /* u16 0xaa55 */
#define HDR_JUMP 0x200               /* u8 0xeb, u8 rel */
#define HDR_HEADER 0x202             /* "HdrS" */
#define HDR_VERSION 0x206            /* u16 */
#define HDR_TYPE_OF_LOADER 0x210     /* u8 */
#define HDR_LOADFLAGS 0x211          /* u8 */
#define HDR_CODE32_START 0x214       /* u32 */
#define HDR_RAMDISK_IMAGE 0x218      /* u32 */
#define HDR_RAMDISK_SIZE 0x21c       /* u32 */
#define HDR_HEAP_END_PTR 0x224       /* u16 */
#define HDR_CMD_LINE_PTR 0x228       /* u32 */
#define HDR_INITRD_ADDR_MAX 0x22c    /* u32 */
#define HDR_KERNEL_ALIGNMENT 0x230   /* u32 */
#define HDR_RELOCATABLE 0x234        /* u8 */
#define HDR_XLOADFLAGS 0x236         /* u16 */
#define HDR_CMDLINE_SIZE 0x238       /* u32 */
#define HDR_SETUP_DATA 0x250         /* u64 */
#define HDR_PREF_ADDRESS 0x258       /* u64 */
#define HDR_INIT_SIZE 0x260          /* u32 */
#define HDR_MIN_END 0x264            /* the header must reach past init_size */
#define HDR_MAX_END 0x290            /* boot_params fields follow from here */

#define LINUX_HDRS_MAGIC 0x53726448u /* "HdrS" */
#define LINUX_BOOT_FLAG 0xaa55
#define LINUX_MIN_PROTOCOL 0x020c
#define LINUX_LOADER_TYPE 0xff       /* undefined boot loader */
#define LOADFLAG_LOADED_HIGH 0x01
#define LOADFLAG_CAN_USE_HEAP 0x80
#define XLF_KERNEL_64 0x0001
#define XLF_CAN_BE_LOADED_ABOVE_4G 0x0002
#define LINUX_ENTRY64_OFFSET 0x200
/* initrd_addr_max of kernels whose header leaves it 0 (boot.rst) */
#define LINUX_DEFAULT_INITRD_MAX 0x37ffffffull

/* ---- the E820 map ------------------------------------------------------ */
#define E820_RAM 1
#define E820_RESERVED 2
#define E820_ACPI 3
#define E820_NVS 4
#define E820_UNUSABLE 5

struct e820_entry {
	uint64_t addr, size;
	uint32_t type;
};

/* ---- the loader -------------------------------------------------------- */
struct linux_request {
	const void *kernel;   /* the bzImage file */
	uint64_t kernel_size;
	const char *name;     /* for messages: "NAME: ..." */
	const void *initrd;   /* optional: NULL or initrd_size 0 for none */
	uint64_t initrd_size;
	const char *cmdline;  /* NULL: empty; truncated to what fits */
	uint64_t ram_size;    /* RAM is [0, ram_size) */
	uint64_t rsdp_gpa;    /* acpi_rsdp_addr; 0: none */
	const struct e820_entry *e820; /* the memory map, 1..BP_E820_MAX */
	unsigned n_e820;
	bool gbpages;         /* the guest CPU has 1 GiB pages */
};

struct linux_result {
	uint64_t entry;       /* RIP: the 64-bit entry, kernel_start + 0x200 */
	uint64_t boot_params; /* RSI */
	uint64_t cr3;
	uint64_t gdt_base;
	uint16_t gdt_limit;
	uint64_t kernel_start, kernel_end; /* [start, start + init_size) */
	uint64_t initrd_start, initrd_end; /* both 0 without an initrd */
	bool cmdline_truncated;
};

/* True when img looks like a bzImage (boot flag and "HdrS"), whatever
 * its protocol version: for choosing the loader. */
bool linux_is_bzimage(const void *img, uint64_t size);

/* Returns 0, or a negative error with a message naming the problem
 * ("NAME: ..."). Every check comes before the first write: on failure,
 * guest memory is untouched. */
int linux_load(struct gpa_space *mem, const struct linux_request *req,
	       struct linux_result *res, char *err, size_t errlen);

#endif
