/* SPDX-License-Identifier: MIT */
/* UEFI memory map and configuration table → struct boot_info (pure). */
#include "boot/efi.h"

#include <stdbool.h>

#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"
#include "lib/unaligned.h"

/* The E820-style type an EFI range has once boot services are gone
 * (UEFI 2.10, table 7.10: what an OS may use after ExitBootServices);
 * 0 for ranges that are not memory. */
static uint32_t bi_type(uint32_t efi_type, uint64_t attribute)
{
	if (efi_type == EFI_MT_MMIO || efi_type == EFI_MT_MMIO_PORT)
		return 0; /* device space, even when runtime services use it */
	if (attribute & EFI_MA_RUNTIME)
		return BI_MEM_RESERVED; /* the firmware keeps using it */
	switch (efi_type) {
	case EFI_MT_LOADER_CODE:
	case EFI_MT_LOADER_DATA:
	case EFI_MT_BS_CODE:
	case EFI_MT_BS_DATA:
	case EFI_MT_CONVENTIONAL:
		return BI_MEM_USABLE;
	case EFI_MT_ACPI_RECLAIM:
		return BI_MEM_ACPI;
	case EFI_MT_ACPI_NVS:
		return BI_MEM_NVS;
	case EFI_MT_UNUSABLE:
		return BI_MEM_BAD;
	default: /* reserved, runtime, PAL code, persistent, unknown */
		return BI_MEM_RESERVED;
	}
}

/* Inserts [base, base + len) of type into the sorted map, merging it with
 * a neighbour of the same type that touches it. */
static int insert(struct boot_info *bi, uint64_t base, uint64_t len,
		  uint32_t type, const char **why)
{
	unsigned i = 0;
	struct bi_mem *m = bi->mem;

	while (i < bi->n_mem && m[i].base < base)
		i++;
	/* last bytes, not ends: a range may end at 2^64 */
	if ((i > 0 && m[i - 1].base + (m[i - 1].len - 1) >= base) ||
	    (i < bi->n_mem && base + (len - 1) >= m[i].base)) {
		*why = "overlaps another range";
		return -EINVAL;
	}
	if (i > 0 && m[i - 1].type == type &&
	    m[i - 1].base + m[i - 1].len == base) {
		m[i - 1].len += len;
		if (i < bi->n_mem && m[i].type == type &&
		    base + len == m[i].base) { /* bridges two ranges */
			m[i - 1].len += m[i].len;
			memmove(&m[i], &m[i + 1],
				(bi->n_mem - i - 1) * sizeof(*m));
			bi->n_mem--;
		}
		return 0;
	}
	if (i < bi->n_mem && m[i].type == type && base + len == m[i].base) {
		m[i].base = base;
		m[i].len += len;
		return 0;
	}
	if (bi->n_mem == BI_MAX_MEM) {
		*why = "more ranges than the hypervisor keeps";
		return -EINVAL;
	}
	memmove(&m[i + 1], &m[i], (bi->n_mem - i) * sizeof(*m));
	m[i] = (struct bi_mem){ base, len, type };
	bi->n_mem++;
	return 0;
}

int efi_mmap_to_bi(const void *map, size_t size, size_t desc_size,
		   struct boot_info *bi, char *err, size_t errlen)
{
	const uint8_t *p = map;
	const char *why = 0;

	bi->n_mem = 0;
	if (desc_size < sizeof(struct efi_mem_desc) || desc_size % 8) {
		ksnprintf(err, errlen, "efi: memory map descriptor size %zu "
			  "is not a multiple of 8 of at least %zu", desc_size,
			  sizeof(struct efi_mem_desc));
		return -EINVAL;
	}
	for (size_t off = 0; off + desc_size <= size; off += desc_size) {
		const uint8_t *d = p + off;
		uint32_t efi_type = get_le32(d);
		uint64_t base = get_le64(d + 8), pages = get_le64(d + 24);
		uint32_t type = bi_type(efi_type, get_le64(d + 32));

		if (!pages || !type)
			continue;
		if (base % EFI_PAGE_BYTES || pages > (UINT64_MAX >> 12) ||
		    base + (pages << 12) - 1 < base)
			why = "is misaligned or wraps around";
		else if (!insert(bi, base, pages << 12, type, &why))
			continue;
		ksnprintf(err, errlen, "efi: memory map entry %zu (type %u, "
			  "%#llx, %llu pages) %s", off / desc_size, efi_type,
			  (unsigned long long)base, (unsigned long long)pages,
			  why);
		return -EINVAL;
	}
	if (!bi->n_mem) {
		ksnprintf(err, errlen, "efi: the memory map holds no memory");
		return -EINVAL;
	}
	return 0;
}

/* EFI_ACPI_20_TABLE_GUID 8868e871-e4f1-11d3-bc22-0080c73c8881 and
 * ACPI_TABLE_GUID eb9d2d30-2d88-11d3-9a16-0090273fc14d, as stored. */
static const uint8_t acpi20_guid[16] = {
	0x71, 0xe8, 0x68, 0x88, 0xf1, 0xe4, 0xd3, 0x11,
	0xbc, 0x22, 0x00, 0x80, 0xc7, 0x3c, 0x88, 0x81 };
static const uint8_t acpi10_guid[16] = {
	0x30, 0x2d, 0x9d, 0xeb, 0x88, 0x2d, 0xd3, 0x11,
	0x9a, 0x16, 0x00, 0x90, 0x27, 0x3f, 0xc1, 0x4d };

#define SYSTAB_N_TABLES 104 /* offsets in EFI_SYSTEM_TABLE (x64) */
#define SYSTAB_TABLES 112
#define SYSTAB_MIN 120
#define CONFIG_ENTRY 24 /* EFI_GUID + pointer */
#define CONFIG_MAX 1024

uint64_t efi_find_rsdp(uint64_t systab, efi_read_fn read, void *ctx)
{
	const uint8_t *st = systab ? read(ctx, systab, SYSTAB_MIN) : 0, *t;
	uint64_t n, found = 0;

	if (!st || get_le64(st) != EFI_SYSTAB_SIGNATURE)
		return 0;
	n = get_le64(st + SYSTAB_N_TABLES);
	if (!n || n > CONFIG_MAX)
		return 0;
	t = read(ctx, get_le64(st + SYSTAB_TABLES), n * CONFIG_ENTRY);
	if (!t)
		return 0;
	for (uint64_t i = 0; i < n; i++, t += CONFIG_ENTRY) {
		if (!memcmp(t, acpi20_guid, 16))
			return get_le64(t + 16);
		if (!found && !memcmp(t, acpi10_guid, 16))
			found = get_le64(t + 16);
	}
	return found;
}

void bi_set_rsdp(struct boot_info *bi, const uint8_t *rsdp, uint64_t pa)
{
	bi->rsdp_len = rsdp[15] >= 2 ? 36 : 20;
	memcpy(bi->rsdp, rsdp, bi->rsdp_len);
	bi->rsdp_pa = pa;
}

uint64_t bi_ram_bytes(const struct boot_info *bi)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < bi->n_mem; i++)
		sum += bi->mem[i].len;
	return sum;
}
