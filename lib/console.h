/* SPDX-License-Identifier: MIT */
/* The hypervisor console: formatted, leveled, SMP-safe output to the
 * device chosen by console= (a 16550 UART, the Bochs/QEMU port 0xe9, or
 * nothing). Each call's output is written as one piece. */
#ifndef LIB_CONSOLE_H
#define LIB_CONSOLE_H

#include <stdarg.h>

#include "lib/cmdline.h"

void console_init(const struct hv_options *o);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list ap);
void klog(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int console_loglevel(void);
/* Makes a UART console interrupt on input; returns its ISA IRQ, or -1
 * (no UART, or not at COM1/COM2). */
int console_rx_irq(void);
/* A byte typed on the console, or -1 (UART consoles only). */
int console_getc(void);

#define pr_err(...) klog(LOG_ERR, __VA_ARGS__)
#define pr_warn(...) klog(LOG_WARN, __VA_ARGS__)
#define pr_info(...) klog(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) klog(LOG_DEBUG, __VA_ARGS__)

#endif
