/* SPDX-License-Identifier: MIT */
/* Multiboot2 front door: loader information → struct boot_info. */
#include <stdint.h>

#include "boot/efi.h"
#include "boot/multiboot2.h"
#include "boot/start.h"
#include "lib/errno.h"
#include "lib/format.h"

void mb2_main(uint32_t magic, uint32_t info);

/* entry.S identity-maps the first 4 GiB and nothing else. */
static const void *read_low(void *ctx, uint64_t pa, size_t len)
{
	(void)ctx;
	return pa && pa < (1ull << 32) && len <= (1ull << 32) - pa ?
		       (const void *)(uintptr_t)pa : 0;
}

/* On UEFI, where the firmware keeps the RSDP: the configuration table
 * is the authority (UEFI 2.10, 4.6); the loader's copy, if any, stays. */
static void efi_rsdp(struct boot_info *bi)
{
	uint64_t pa = efi_find_rsdp(bi->efi_systab, read_low, 0);
	const uint8_t *r = read_low(0, pa, 36);

	if (!r)
		return;
	if (bi->rsdp_len)
		bi->rsdp_pa = pa;
	else
		bi_set_rsdp(bi, r, pa);
}

void mb2_main(uint32_t magic, uint32_t info)
{
	static struct boot_info bi;
	static char err[240];
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
	/* The header never asks to keep boot services (no tag 7), so the
	 * loader must have ended them; the firmware would still own the
	 * memory and the timers otherwise. */
	if (!r && bi.efi_boot_services) {
		r = -EINVAL;
		ksnprintf(err, sizeof(err), "multiboot2: the loader left EFI "
			  "boot services running (tag 18), which this image "
			  "never asks for");
	}
	if (!r && bi.efi_systab)
		efi_rsdp(&bi);
	hv_start(&bi, r ? err : 0);
}
