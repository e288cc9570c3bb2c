/* SPDX-License-Identifier: MIT */
#include "arch/tsc.h"

#include "arch/x86.h"
#include "lib/console.h"
#include "lib/muldiv.h"

#define PIT_HZ 1193182ull
#define CALIBRATE_MS 5

uint64_t tsc_khz;
static const char *source = "PIT";

/* CPUID 0x15: TSC = crystal * EBX / EAX (SDM Vol. 3B, 18.7.3). */
static uint64_t tsc_khz_cpuid(void)
{
	struct cpuid_regs r;

	if (cpuid(0, 0).eax < 0x15)
		return 0;
	r = cpuid(0x15, 0);
	if (!r.eax || !r.ebx || !r.ecx)
		return 0;
	return (uint64_t)r.ecx * r.ebx / r.eax / 1000;
}

/* Counts TSC ticks while PIT channel 2 counts down CALIBRATE_MS in mode 0
 * (gate through port 0x61, OUT2 readable in its bit 5). */
static uint64_t tsc_khz_pit(void)
{
	uint16_t latch = (uint16_t)(PIT_HZ * CALIBRATE_MS / 1000);
	uint64_t t0, t1;
	uint32_t spins = 0;

	outb(0x61, (inb(0x61) & ~0x02) | 0x01);
	outb(0x43, 0xb0); /* channel 2, lo/hi byte, mode 0, binary */
	outb(0x42, latch & 0xff);
	outb(0x42, latch >> 8);
	t0 = rdtsc();
	while (!(inb(0x61) & 0x20) && ++spins < 100000000)
		;
	t1 = rdtsc();
	return (t1 - t0) / CALIBRATE_MS;
}

void tsc_init(void)
{
	tsc_khz = tsc_khz_cpuid();
	if (tsc_khz)
		source = "CPUID.15H";
	else
		tsc_khz = tsc_khz_pit();
	if (!tsc_khz) {
		tsc_khz = 1000000; /* assume 1 GHz rather than divide by 0 */
		source = "a guess";
	}
	pr_info("tsc: %llu.%03llu MHz (from %s)\n",
		(unsigned long long)(tsc_khz / 1000),
		(unsigned long long)(tsc_khz % 1000), source);
}

void udelay(uint64_t us)
{
	uint64_t end = rdtsc() + us * tsc_khz / 1000;

	while (rdtsc() < end)
		cpu_relax();
}

uint64_t tsc_to_us(uint64_t ticks) { return ticks * 1000 / tsc_khz; }

uint64_t tsc_ns(uint64_t ticks) { return mul_div(ticks, 1000000, tsc_khz); }

uint64_t ns_tsc(uint64_t ns) { return mul_div(ns, tsc_khz, 1000000); }
