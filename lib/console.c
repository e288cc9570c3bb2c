/* SPDX-License-Identifier: MIT */
#include "lib/console.h"

#include "arch/percpu.h"
#include "arch/x86.h"
#include "drivers/uart.h"
#include "lib/format.h"
#include "lib/spinlock.h"

static struct {
	enum console_kind kind;
	uint16_t port;
	int loglevel;
} con = { CONSOLE_NONE, 0, LOG_INFO };

static spinlock_t lock;
static struct cpu *volatile owner;

void console_init(const struct hv_options *o)
{
	con.kind = o->console;
	con.port = o->console_port;
	con.loglevel = o->loglevel;
	if (con.kind == CONSOLE_UART)
		uart_init(o->console_port, o->console_baud);
}

int console_loglevel(void) { return con.loglevel; }

int console_rx_irq(void)
{
	if (con.kind != CONSOLE_UART)
		return -1;
	uart_rx_irq(con.port);
	return con.port == 0x3f8 ? 4 : con.port == 0x2f8 ? 3 : -1;
}

int console_getc(void)
{
	return con.kind == CONSOLE_UART ? uart_getc(con.port) : -1;
}

static void out(void *ctx, char c)
{
	(void)ctx;
	if (con.kind == CONSOLE_UART) {
		if (c == '\n')
			uart_putc(con.port, '\r');
		uart_putc(con.port, c);
	} else if (con.kind == CONSOLE_E9) {
		outb(0xe9, (uint8_t)c);
	}
}

/* The lock is re-entrant for the CPU that holds it, so that an exception
 * raised while printing can still report itself. */
void kvprintf(const char *fmt, va_list ap)
{
	struct cpu *me = this_cpu();
	bool nested = owner == me;
	uint64_t flags = read_rflags();

	cli();
	if (!nested) {
		spin_lock(&lock);
		owner = me;
	}
	kvformat(out, 0, fmt, ap);
	if (!nested) {
		owner = 0;
		spin_unlock(&lock);
	}
	if (flags & RFLAGS_IF)
		sti();
}

void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}

void klog(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > con.loglevel)
		return;
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}
