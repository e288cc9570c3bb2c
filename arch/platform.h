/* SPDX-License-Identifier: MIT */
/* What the hypervisor knows of the machine from ACPI. */
#ifndef ARCH_PLATFORM_H
#define ARCH_PLATFORM_H

#include "arch/acpi.h"
#include "boot/boot_info.h"

extern struct acpi_info platform_acpi;

/* Finds the RSDP (loader copy, else the BIOS areas on BIOS boots) and
 * walks the tables. Without ACPI the machine is run as one CPU. */
int platform_acpi_init(const struct boot_info *bi);

#endif
