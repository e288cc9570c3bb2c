/* SPDX-License-Identifier: MIT */
#include "arch/platform.h"

#include "arch/mm.h"
#include "arch/paging.h"
#include "lib/console.h"
#include "lib/errno.h"
#include "lib/string.h"

struct acpi_info platform_acpi;

static const void *map(void *ctx, uint64_t pa, uint32_t len)
{
	(void)ctx;
	if (pa < 4096 || pa + len < pa || pa + len > paging_limit())
		return 0;
	return phys_to_virt(pa);
}

static void report(void *ctx, const char *msg)
{
	(void)ctx;
	pr_warn("%s\n", msg);
}

/* ACPI 6.4, 5.2.5.1: the first KiB of the EBDA, then 0xe0000-0xfffff. */
static const uint8_t *bios_rsdp(void)
{
	uint64_t ebda = (uint64_t)*(const uint16_t *)phys_to_virt(0x40e) << 4;
	long off;

	if (ebda >= 0x80000 && ebda < 0xa0000) {
		off = acpi_scan_rsdp(phys_to_virt(ebda), 1024);
		if (off >= 0)
			return (const uint8_t *)phys_to_virt(ebda + off);
	}
	off = acpi_scan_rsdp(phys_to_virt(0xe0000), 0x20000);
	return off >= 0 ? (const uint8_t *)phys_to_virt(0xe0000 + off) : 0;
}

static void print_summary(const struct acpi_info *a)
{
	pr_info("acpi: RSDP revision %u, %s at %#llx, %u tables\n", a->revision,
		a->root_is_xsdt ? "XSDT" : "RSDT",
		(unsigned long long)a->root_pa, a->n_tables);
	pr_info("acpi: MADT: %u CPUs (%u skipped), %u IOAPICs, LAPIC at "
		"%#llx; FADT: %s; S5 %s; MCFG %s; DMAR %s\n",
		a->n_cpus, a->n_cpus_skipped, a->n_ioapics,
		(unsigned long long)a->lapic_addr, a->fadt_pa ? "yes" : "no",
		a->s5_valid ? "yes" : "no", a->mcfg_pa ? "yes" : "no",
		a->dmar_pa ? "yes" : "no");
}

int platform_acpi_init(const struct boot_info *bi)
{
	const uint8_t *rsdp = bi->rsdp_len ? bi->rsdp : 0;
	uint32_t len = bi->rsdp_len;
	int r;

	/* The page at 0 is unmapped; the BIOS areas are read only on BIOS
	 * boots (UEFI machines need not have them). */
	if (!rsdp && !bi->efi_systab) {
		paging_map(0, 4096, PAGE_RO);
		rsdp = bios_rsdp();
		len = 36;
		if (rsdp)
			pr_info("acpi: RSDP found in the BIOS areas at %#llx\n",
				(unsigned long long)virt_to_phys(rsdp));
	}
	r = acpi_parse(rsdp, len, map, 0, report, &platform_acpi);
	if (!bi->rsdp_len && !bi->efi_systab)
		paging_unmap(0, 4096);
	if (r) {
		pr_warn("acpi: no usable ACPI tables: running on the boot CPU "
			"only\n");
		return r;
	}
	print_summary(&platform_acpi);
	return 0;
}
