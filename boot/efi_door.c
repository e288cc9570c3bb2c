/* SPDX-License-Identifier: MIT */
/* EFI front door, core side: hv.efi (boot/efi_main.c) has read the
 * firmware's facts into a struct boot_info, left boot services and jumped
 * to efi_start64 (entry.S), which calls this on the boot stack. */
#include "boot/start.h"
#include "lib/format.h"

void efi_core_main(const struct boot_info *given);

void efi_core_main(const struct boot_info *given)
{
	static struct boot_info bi;
	static char err[200];
	const char *e = 0;

	/* The loader is a separate program: check it speaks our layout. */
	if (given->magic != BI_MAGIC || given->size != sizeof(bi)) {
		ksnprintf(err, sizeof(err), "efi: the loader handed over a "
			  "boot_info of %u bytes (magic %#llx); this image "
			  "expects %zu bytes: hv.efi and hv.elf from different "
			  "builds?", given->size,
			  (unsigned long long)given->magic, sizeof(bi));
		e = err;
	} else {
		bi = *given;
	}
	bi.door = "efi";
	hv_start(&bi, e);
}
