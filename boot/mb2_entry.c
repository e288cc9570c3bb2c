/* SPDX-License-Identifier: MIT */
/* Multiboot2 front door: loader information → struct boot_info. */
#include <stdint.h>

#include "boot/multiboot2.h"
#include "boot/start.h"
#include "lib/errno.h"
#include "lib/format.h"

void mb2_main(uint32_t magic, uint32_t info);

void mb2_main(uint32_t magic, uint32_t info)
{
	static struct boot_info bi;
	static char err[160];
	int r = -EINVAL;

	if (magic == MB2_BOOTLOADER_MAGIC) {
		r = mb2_parse((const void *)(uintptr_t)info, MB2_INFO_MAX, &bi,
			      err, sizeof(err));
	} else {
		bi.door = "multiboot2";
		ksnprintf(err, sizeof(err),
			  "multiboot2: bad loader magic %#x: not started by a "
			  "multiboot2 loader", magic);
	}
	hv_start(&bi, r ? err : 0);
}
