/* SPDX-License-Identifier: MIT */
#ifndef BOOT_START_H
#define BOOT_START_H

#include "boot/boot_info.h"

/* The core start-up both front doors enter, on the boot CPU, with the
 * first 4 GiB identity-mapped. boot_err: why the front door could not
 * build a complete boot_info (NULL if it could). Never returns. */
void __attribute__((noreturn)) hv_start(struct boot_info *bi,
					const char *boot_err);

/* Called once, when the last VM has stopped: reports and powers off. */
void __attribute__((noreturn)) hv_all_vms_stopped(void);

#endif
