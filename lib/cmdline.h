/* SPDX-License-Identifier: MIT */
/* The hypervisor's own command line (from GRUB or the EFI load options).
 * Pure: parses a string into struct hv_options, reporting problems through
 * a callback. Unknown options and bad values are reported by name and
 * ignored; the defaults stay in force. */
#ifndef LIB_CMDLINE_H
#define LIB_CMDLINE_H

#include <stdbool.h>
#include <stdint.h>

enum console_kind { CONSOLE_UART, CONSOLE_E9, CONSOLE_NONE };

enum log_level {
	LOG_ERR = 3,
	LOG_WARN = 4,
	LOG_INFO = 6,
	LOG_DEBUG = 7,
};

struct hv_options {
	enum console_kind console;
	uint16_t console_port; /* UART I/O base */
	uint32_t console_baud;
	int loglevel;          /* messages with level <= loglevel are shown */
	char crash[16];        /* debug: fault to raise after boot ("" = none) */
	char config[64];       /* module holding the VM configuration */
	bool testhooks;        /* allow the test-only hypercalls */
	char sched[8];         /* scheduling policy: "cfs" or "rr" */
	bool apicv;            /* use the CPU's APIC virtualization if it has it */
	bool iommu;            /* VT-d DMA (and interrupt) remapping */
	bool iommu_qi;         /* its invalidation queue, where offered */
	bool iommu_selftest;   /* drive QEMU's edu device through it at boot */
};

typedef void (*cmdline_report_fn)(void *ctx, const char *msg);

/* The options the hypervisor runs with (boot/start.c). */
extern struct hv_options hv_options;

void cmdline_defaults(struct hv_options *o);

/* Returns the number of problems reported (0 = all options understood). */
int cmdline_parse(const char *s, struct hv_options *o,
		  cmdline_report_fn report, void *ctx);

#endif
