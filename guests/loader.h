/* SPDX-License-Identifier: MIT */
/*
 * Loading a guest image into a VM's RAM, and the boot information it is
 * handed. Multiboot v1 and v2 ELF kernels (program headers honoured, BSS
 * zeroed; a multiboot v1 a.out-kludge header works too) are entered in
 * 32-bit protected mode with EAX = the loader magic and EBX = the
 * information; flat binaries are entered in real mode at their load
 * address. Pure: guest memory is reached through the gpa_space.
 */
#ifndef GUESTS_LOADER_H
#define GUESTS_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "ept/gpa.h"
#include "guests/config.h"

#define MB1_HEADER_MAGIC 0x1badb002u
#define MB1_BOOT_MAGIC 0x2badb002u
#define MB2_HEADER_MAGIC_ 0xe85250d6u
#define MB2_BOOT_MAGIC 0x36d76289u

enum image_kind { IMAGE_MULTIBOOT1, IMAGE_MULTIBOOT2, IMAGE_FLAT, IMAGE_LINUX };

struct load_module {
	const void *data;
	uint64_t size;
	const char *args; /* the module's string (name and arguments) */
};

struct load_request {
	const void *image;
	uint64_t image_size;
	const char *image_name;
	enum vm_format format;
	uint64_t flat_load;  /* flat images: load address */
	const char *cmdline; /* guest command line */
	unsigned n_modules;
	const struct load_module *modules;
	uint64_t ram_size;   /* RAM is [0, ram_size) */
};

struct load_result {
	enum image_kind kind;
	uint32_t entry;       /* EIP, or CS:IP for flat images */
	uint16_t real_cs, real_ip;
	uint32_t eax, ebx;    /* loader magic and information address */
	uint64_t kernel_end;  /* highest byte the kernel occupies + 1 */
	uint64_t info_gpa, info_size;
};

/* Returns 0, or a negative error with a message naming the problem. */
int load_image(struct gpa_space *mem, const struct load_request *req,
	       struct load_result *res, char *err, size_t errlen);

/* Where the image's multiboot header is: -1 when there is none. */
long find_mb1_header(const uint8_t *img, uint64_t size);
long find_mb2_header(const uint8_t *img, uint64_t size);

#endif
