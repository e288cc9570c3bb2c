/* SPDX-License-Identifier: MIT */
#include "arch/power.h"

#include <stdbool.h>

#include "arch/platform.h"
#include "arch/tsc.h"
#include "arch/x86.h"
#include "lib/string.h"

#define FW_CFG_CTL 0x510
#define FW_CFG_DATA 0x511
#define QEMU_DEBUG_EXIT 0xf4
#define BOCHS_SHUTDOWN 0x8900
#define PM1_SCI_EN 1u
#define PM1_SLP_EN (1u << 13)

/* Only probe QEMU's fw_cfg ports when CPUID says we are virtualized:
 * real machines may have anything at 0x510. */
static bool under_qemu(void)
{
	char sig[4];

	if (!(cpuid(1, 0).ecx & (1u << 31)))
		return false;
	outw(FW_CFG_CTL, 0); /* FW_CFG_SIGNATURE */
	for (int i = 0; i < 4; i++)
		sig[i] = (char)inb(FW_CFG_DATA);
	return !memcmp(sig, "QEMU", 4);
}

static void acpi_s5(void)
{
	const struct acpi_info *a = &platform_acpi;

	if (!a->s5_valid || !a->pm1a_cnt)
		return;
	/* Hand the platform to ACPI first if firmware has not (ACPI 6.4,
	 * 16.3.1): SLP_EN is ignored in legacy mode on real machines. */
	if (!(inw(a->pm1a_cnt) & PM1_SCI_EN) && a->smi_cmd && a->acpi_enable) {
		outb(a->smi_cmd, a->acpi_enable);
		for (int i = 0; i < 300 && !(inw(a->pm1a_cnt) & PM1_SCI_EN); i++)
			udelay(1000);
	}
	outw(a->pm1a_cnt, (uint16_t)(a->s5_typa << 10 | PM1_SLP_EN));
	if (a->pm1b_cnt)
		outw(a->pm1b_cnt, (uint16_t)(a->s5_typb << 10 | PM1_SLP_EN));
	udelay(100000);
}

void platform_poweroff(int status)
{
	static const char bochs[] = "Shutdown";

	cli();
	if (status != HV_EXIT_SUCCESS && under_qemu())
		outl(QEMU_DEBUG_EXIT, (uint32_t)status);
	acpi_s5();
	for (const char *p = bochs; *p; p++)
		outb(BOCHS_SHUTDOWN, (uint8_t)*p);
	cpu_halt_forever();
}
