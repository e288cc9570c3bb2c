/* SPDX-License-Identifier: MIT */
/*
 * The platform's test guest: drives every emulated PC device the way an
 * OS does and checks what it sees, one "NAME: ok" line per check.
 *   8259 PIC + 8254 PIT   ExtINT through LINT0, 1 kHz periodic ticks
 *   I/O APIC              PIT on pin 2 (edge), RTC on pin 8 (level, EOI)
 *   RTC                   the date (printed for the test to compare with
 *                         the host's), periodic rate, seconds advancing
 *   PCI                   its own Q35 host bridge, nothing else
 *   fw_cfg                signature, CPU count
 *   ACPI                  RSDP, RSDT/XSDT, FADT, MADT, DSDT checksums and
 *                         contents; the PM timer's rate against the TSC
 * Then, with "reset" on its command line and on its first boot, it
 * restarts the VM through the FADT's reset register; with "poweroff" it
 * powers the VM off through ACPI S5 (PM1a_CNT.SLP_EN). Either is the exit
 * the test expects: the code after them is never reached.
 */
#include "guests/lib/guest.h"
#include "guests/lib/lapic.h"
#include "guests/lib/mbinfo.h"
#include "lib/string.h"

#define VEC_PIC 0x20   /* master 8259 base: IRQ n at 0x20 + n */
#define VEC_PIT 0x40   /* I/O APIC pin 2 */
#define VEC_RTC 0x41   /* I/O APIC pin 8 */
#define LAPIC_LVT_LINT0 0x350
#define IOAPIC 0xfec00000u

static uint32_t khz;

static uint64_t ms(unsigned n) { return (uint64_t)n * khz; }

static void wait_ms(unsigned n)
{
	uint64_t end = rdtsc() + ms(n);

	/* as an OS idles: the device interrupts being tested wake it, and a
	 * hypervisor timer at the end when none comes */
	hv_hypercall(HV_HC_TIMER, n * 1000u, 0x50, 0);
	while (rdtsc() < end)
		__asm__ volatile("sti; hlt; cli");
}

/* ---- the 8259s and the PIT ------------------------------------------------ */

static void pic_init(uint8_t mask_master, uint8_t mask_slave)
{
	outb(0x20, 0x11); outb(0x21, VEC_PIC); outb(0x21, 0x04); outb(0x21, 0x01);
	outb(0xa0, 0x11); outb(0xa1, VEC_PIC + 8); outb(0xa1, 0x02);
	outb(0xa1, 0x01);
	outb(0x21, mask_master);
	outb(0xa1, mask_slave);
}

static volatile unsigned rtc_c_reads;

static void uart_rx(void);

void guest_irq(unsigned vector)
{
	if (vector == 0x44)
		uart_rx();
	if (vector == VEC_RTC)  {
		outb(0x70, 0x0c);
		(void)inb(0x71); /* acknowledge: the level line drops */
		rtc_c_reads++;
	}
	if (vector >= VEC_PIC && vector < VEC_PIC + 16) {
		if (vector >= VEC_PIC + 8)
			outb(0xa0, 0x20);
		outb(0x20, 0x20);
	}
}

/* PIT channel 0, mode 2 (rate generator), at 1000 Hz. */
static void pit_1khz(void)
{
	outb(0x43, 0x34);
	outb(0x40, 1193 & 0xff);
	outb(0x40, 1193 >> 8);
}

static void pit_stop(void)
{
	outb(0x43, 0x30); /* mode 0, count never loaded: no more edges */
}

static void pic_pit(void)
{
	unsigned n;

	lapic_write(LAPIC_LVT_LINT0, 0x700); /* ExtINT, unmasked */
	pic_init(0xfe, 0xff);                /* IRQ 0 only */
	pit_1khz();
	irq_count[VEC_PIC] = 0;
	wait_ms(100);
	n = irq_count[VEC_PIC];
	check("pic.pit-ticks-100ms", n >= 95 && n <= 105, "%u ticks", n);
	/* PIC in-service register: read through OCW3 */
	outb(0x20, 0x0b);
	check("pic.isr-clear-after-eoi", inb(0x20) == 0, "");
	outb(0x21, 0xff);
	n = irq_count[VEC_PIC];
	wait_ms(20);
	check("pic.masked-irq-silent", irq_count[VEC_PIC] == n, "%u more",
	      irq_count[VEC_PIC] - n);
	pit_stop();
	lapic_write(LAPIC_LVT_LINT0, 0x10700); /* masked */
}

/* ---- the I/O APIC --------------------------------------------------------- */

static uint32_t ioapic_read(uint32_t reg)
{
	*(volatile uint32_t *)IOAPIC = reg;
	return *(volatile uint32_t *)(IOAPIC + 0x10);
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)IOAPIC = reg;
	*(volatile uint32_t *)(IOAPIC + 0x10) = v;
}

static void ioapic_route(unsigned pin, uint32_t low)
{
	ioapic_write(0x11 + 2 * pin, 0); /* destination APIC 0 */
	ioapic_write(0x10 + 2 * pin, low);
}

static uint8_t cmos(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static void cmos_set(uint8_t reg, uint8_t v)
{
	outb(0x70, reg);
	outb(0x71, v);
}

static void ioapic(void)
{
	uint32_t ver = ioapic_read(1);
	unsigned n, m;

	check("ioapic.version", (ver & 0xff) == 0x11 && (ver >> 16) == 23,
	      "%#x", (unsigned)ver);
	/* PIT: ISA IRQ 0 is pin 2 (the MADT's override), edge */
	ioapic_route(2, VEC_PIT);
	pit_1khz();
	irq_count[VEC_PIT] = 0;
	wait_ms(100);
	n = irq_count[VEC_PIT];
	check("ioapic.pit-pin2-100ms", n >= 95 && n <= 105, "%u ticks", n);
	pit_stop();
	ioapic_route(2, 0x10000);

	/* RTC periodic at 1024 Hz on pin 8, level-triggered: the handler
	 * reads register C (the line drops) before the EOI clears remote IRR */
	ioapic_route(8, 0x8000 | VEC_RTC);
	cmos_set(0x0a, 0x26);
	cmos_set(0x0b, cmos(0x0b) | 0x40); /* PIE */
	irq_count[VEC_RTC] = 0;
	wait_ms(100);
	cmos_set(0x0b, cmos(0x0b) & ~0x40);
	n = irq_count[VEC_RTC];
	check("ioapic.rtc-level-1024hz-100ms", n >= 97 && n <= 108,
	      "%u interrupts", n);
	check("ioapic.rtc-acknowledged", rtc_c_reads == n, "%u reads",
	      rtc_c_reads);
	check("ioapic.remote-irr-clear", !(ioapic_read(0x10 + 16) & 0x4000),
	      "%#x", (unsigned)ioapic_read(0x10 + 16));
	ioapic_route(8, 0x10000);

	/* COM1's transmitter-empty interrupt on pin 4: IIR says THRE until
	 * read once */
	ioapic_route(4, 0x44);
	irq_count[0x44] = 0;
	outb(0x3fc, 0x0b);
	outb(0x3f9, 0x02);
	__asm__ volatile("sti; nop; nop; cli");
	n = inb(0x3fa) & 0x0f;
	m = inb(0x3fa) & 0x0f; /* before printing: output sets THRE again */
	check("uart.thre-interrupt", irq_count[0x44] == 1 && n == 0x02,
	      "%u interrupts, IIR %#x", irq_count[0x44], n);
	check("uart.iir-read-acknowledges", m == 0x01, "IIR %#x", m);
	outb(0x3f9, 0x00);
	ioapic_route(4, 0x10000);
}

/* ---- the RTC -------------------------------------------------------------- */

static unsigned bcd(uint8_t v) { return (v >> 4) * 10 + (v & 15); }

static void rtc(void)
{
	uint8_t b = cmos(0x0b);
	unsigned s0, s1;
	uint64_t t;

	check("rtc.bcd-24h", (b & 0x06) == 0x02, "B %#x", b);
	check("rtc.valid-ram-time", cmos(0x0d) == 0x80, "D %#x", cmos(0x0d));
	while (cmos(0x0a) & 0x80)
		;
	gprintf("rtc: date %02u%02u-%02u-%02u %02u:%02u:%02u\n",
		bcd(cmos(0x32)), bcd(cmos(0x09)), bcd(cmos(0x08)),
		bcd(cmos(0x07)), bcd(cmos(0x04)), bcd(cmos(0x02)),
		bcd(cmos(0x00)));
	/* the second changes within a second, then exactly a second later */
	s0 = cmos(0x00);
	t = rdtsc();
	while ((s1 = cmos(0x00)) == s0 && rdtsc() - t < ms(1100))
		;
	t = rdtsc();
	check("rtc.second-ticks", s1 != s0, "stuck at %#x", s0);
	while (cmos(0x00) == s1 && rdtsc() - t < ms(1100))
		;
	t = (rdtsc() - t) / khz;
	check("rtc.second-is-1000ms", t >= 995 && t <= 1005, "%u ms",
	      (unsigned)t);
	cmos_set(0x40, 0x5a);
	check("rtc.nvram", cmos(0x40) == 0x5a, "%#x", cmos(0x40));
}

/* ---- PCI and fw_cfg -------------------------------------------------------- */

static uint32_t pci_read(unsigned dev, unsigned off)
{
	outl(0xcf8, 0x80000000u | dev << 11 | off);
	return inl(0xcfc);
}

static void pci_fwcfg(void)
{
	unsigned found = 0;
	char sig[5] = { 0 };

	check("pci.host-bridge-q35", pci_read(0, 0) == 0x29c08086u, "%#x",
	      (unsigned)pci_read(0, 0));
	check("pci.host-bridge-class", pci_read(0, 8) >> 8 == 0x060000, "%#x",
	      (unsigned)pci_read(0, 8));
	for (unsigned d = 1; d < 32; d++)
		found += pci_read(d, 0) != 0xffffffffu;
	check("pci.nothing-else-on-bus-0", found == 0, "%u devices", found);

	outw(0x510, 0);
	for (int i = 0; i < 4; i++)
		sig[i] = (char)inb(0x511);
	check("fwcfg.signature", !strcmp(sig, "QEMU"), "'%s'", sig);
	outw(0x510, 5);
	check("fwcfg.cpus", (inb(0x511) | inb(0x511) << 8) == 1, "");
}

/* ---- ACPI ------------------------------------------------------------------ */

static uint8_t sum(const void *p, uint32_t n)
{
	uint8_t s = 0;

	for (uint32_t i = 0; i < n; i++)
		s += ((const uint8_t *)p)[i];
	return s;
}

static uint32_t u32(const void *p) { uint32_t v; memcpy(&v, p, 4); return v; }

static const uint8_t *table(const uint8_t *rsdt, const char *sig)
{
	for (uint32_t off = 36; off < u32(rsdt + 4); off += 4) {
		const uint8_t *t = (const uint8_t *)u32(rsdt + off);
		if (!memcmp(t, sig, 4))
			return t;
	}
	return 0;
}

static uint16_t pm_cnt;

/* A PM timer read, dated by the TSC midway between two reads around it;
 * *width: how far apart those were (the date's uncertainty, twice). */
static uint64_t pm_read(uint16_t port, uint32_t *val, uint64_t *width)
{
	uint64_t a, b;

	do {
		a = rdtsc();
		*val = inl(port) & 0xffffff;
		b = rdtsc();
	} while (b - a > 5000); /* descheduled in between: again */
	*width = b - a;
	return a + (b - a) / 2;
}
static uint8_t reset_gas[12], reset_value; /* FADT RESET_REG, RESET_VALUE */

static void acpi(void)
{
	const uint8_t *rsdp = 0, *rsdt, *fadt, *madt, *dsdt;
	unsigned lapics = 0, ioapics = 0, bad = 0;
	uint32_t t0, t1, pm_tmr;
	uint64_t c0, c1, hz, w0, w1, tol;

	for (uint32_t a = 0xe0000; a < 0x100000 && !rsdp; a += 16)
		if (!memcmp((const void *)a, "RSD PTR ", 8))
			rsdp = (const uint8_t *)a;
	check("acpi.rsdp-found", rsdp != 0, "");
	if (!rsdp)
		return;
	check("acpi.rsdp-checksums", !sum(rsdp, 20) && !sum(rsdp, 36) &&
	      rsdp[15] == 2, "");
	rsdt = (const uint8_t *)u32(rsdp + 16);
	check("acpi.rsdt", !memcmp(rsdt, "RSDT", 4) && !sum(rsdt, u32(rsdt + 4)),
	      "");
	fadt = table(rsdt, "FACP");
	madt = table(rsdt, "APIC");
	check("acpi.fadt-madt-listed", fadt && madt, "");
	if (!fadt || !madt)
		return;
	bad += !!sum(fadt, u32(fadt + 4));
	bad += !!sum(madt, u32(madt + 4));
	dsdt = (const uint8_t *)u32(fadt + 40);
	bad += memcmp(dsdt, "DSDT", 4) || sum(dsdt, u32(dsdt + 4));
	check("acpi.table-checksums", bad == 0, "%u bad", bad);
	for (uint32_t off = 44; off < u32(madt + 4); off += madt[off + 1]) {
		lapics += madt[off] == 0 && (madt[off + 4] & 1);
		ioapics += madt[off] == 1 && u32(madt + off + 4) == IOAPIC;
	}
	check("acpi.madt-1-cpu-1-ioapic", lapics == 1 && ioapics == 1,
	      "%u cpus, %u ioapics", lapics, ioapics);
	pm_cnt = (uint16_t)u32(fadt + 64);
	pm_tmr = u32(fadt + 76);
	check("acpi.fadt-pm-blocks", u32(fadt + 56) == 0x600 && pm_cnt == 0x604 &&
	      pm_tmr == 0x608 && fadt[46] == 9, "");
	/* the PM timer against the TSC over 50 ms: 3.579545 MHz. Each read
	 * is dated by the TSC midway between two reads around it. */
	c0 = pm_read((uint16_t)pm_tmr, &t0, &w0);
	wait_ms(100);
	c1 = pm_read((uint16_t)pm_tmr, &t1, &w1);
	hz = (uint64_t)((t1 - t0) & 0xffffff) * khz * 1000 / (c1 - c0);
	/* allowed error: the two dates' uncertainty, plus a tick each end */
	tol = 3579545ull * ((w0 + w1) / 2) / (c1 - c0) + 2 * 10;
	check("acpi.pm-timer-3579545hz", hz + tol >= 3579545 &&
	      hz <= 3579545 + tol, "%u Hz, +-%u", (unsigned)hz, (unsigned)tol);
	check("acpi.sci-enabled", inw(pm_cnt) & 1, "");
	memcpy(reset_gas, fadt + 116, 12);
	reset_value = fadt[128];
	check("acpi.fadt-reset-reg", (u32(fadt + 112) & (1u << 10)) &&
	      reset_gas[0] == 1 && reset_gas[1] == 8 && u32(reset_gas + 4) ==
	      0xcf9 && reset_value == 6, "");
}

/* ---- echo: console input through COM1's receive interrupt ---------------- */

#define VEC_UART 0x44
static char line[64];
static volatile unsigned line_len;
static volatile bool line_done;

static void uart_rx(void)
{
	while (inb(0x3fd) & 1) { /* LSR: data ready */
		char c = (char)inb(0x3f8);

		if (c == '\r' || c == '\n') {
			line_done = line_len > 0;
		} else if (line_len < sizeof(line) - 1 && !line_done) {
			line[line_len++] = c;
		}
	}
}

/* Prints every line typed on its console until "quit". */
static int echo(void)
{
	ioapic_route(4, VEC_UART); /* ISA IRQ 4, edge */
	outb(0x3f9, 0x01);         /* IER: received data available */
	outb(0x3fc, 0x0b);         /* MCR: DTR, RTS, OUT2 */
	gprintf("echo: ready\n");
	for (;;) {
		__asm__ volatile("sti; hlt; cli");
		if (!line_done)
			continue;
		line[line_len] = 0;
		gprintf("echo: got '%s' (%u interrupts)\n", line,
			irq_count[VEC_UART]);
		if (!strcmp(line, "quit"))
			return 0;
		line_len = 0;
		line_done = false;
	}
}

int guest_main(uint32_t magic, uint32_t info);
int guest_main(uint32_t magic, uint32_t info)
{
	struct guest_boot b;
	uint32_t r[4];

	guest_boot_parse(magic, info, &b);
	guest_set_cmdline(b.cmdline);
	cpuid(HV_CPUID_TIMING, 0, r);
	khz = r[0];
	__asm__ volatile("cli");
	if (cmdline_has("echo"))
		return echo();
	pic_pit();
	pic_init(0xff, 0xff); /* both 8259s masked: the I/O APIC from here */
	ioapic();
	rtc();
	pci_fwcfg();
	acpi();
	gprintf("platform: %u checks, %u failed\n", checks_run, checks_failed);
	if (checks_failed)
		return 1;
	cpuid(HV_CPUID_INFO, 0, r);
	gprintf("platform: boot %u\n", (unsigned)r[1] + 1);
	if (cmdline_has("reset") && r[1] == 0 && reset_gas[0] == 1) {
		/* the FADT's reset register (an I/O port): the VM restarts */
		outb((uint16_t)u32(reset_gas + 4), reset_value);
		gprintf("platform: FAIL: still running after the ACPI reset\n");
		return 3;
	}
	if (cmdline_has("poweroff") && pm_cnt) {
		outw(pm_cnt, 5 << 10 | 1 << 13); /* SLP_TYP = \_S5, SLP_EN */
		gprintf("platform: FAIL: still running after S5\n");
		return 2;
	}
	return 0;
}
