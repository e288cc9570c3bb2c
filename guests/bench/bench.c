/* SPDX-License-Identifier: MIT */
/*
 * The exit benchmark guest: host instructions per VM-exit round trip,
 * measured with RDTSC. In Bochs the TSC counts retired instructions and
 * VM entry/exit cost none, so (loop with the exiting instruction - loop
 * without it) / N is the number of host instructions per exit.
 * Prints "bench: NAME N" lines.
 */
#include "guests/lib/guest.h"

#define N 2000

static uint64_t t0;

static void start(void) { t0 = rdtsc(); }
static uint64_t stop(void) { return rdtsc() - t0; }

static uint64_t base_loop(void)
{
	start();
	for (unsigned i = 0; i < N; i++)
		__asm__ volatile("nop" ::: "memory");
	return stop();
}

/* Leaf 0 every time: CPUID writes EAX and ECX, so they are outputs
 * (as inputs only, the loop would ask for leaf EAX-of-the-last-answer). */
static uint64_t cpuid_loop(void)
{
	start();
	for (unsigned i = 0; i < N; i++) {
		uint32_t a = 0, c = 0;

		__asm__ volatile("cpuid" : "+a"(a), "+c"(c) :: "ebx", "edx",
				 "memory");
	}
	return stop();
}

static uint64_t vmcall_loop(void)
{
	start();
	for (unsigned i = 0; i < N; i++)
		__asm__ volatile("vmcall" ::"a"(999) : "memory");
	return stop();
}

static uint64_t io_loop(void)
{
	start();
	for (unsigned i = 0; i < N; i++)
		__asm__ volatile("inb $0x80, %%al" ::: "eax", "memory");
	return stop();
}

static uint64_t mmio_loop(void)
{
	volatile uint32_t *reg = (volatile uint32_t *)0xfeb00008;

	start();
	for (unsigned i = 0; i < N; i++)
		*reg = i;
	return stop();
}

static void report(const char *name, uint64_t with, uint64_t base)
{
	gprintf("bench: %s %llu\n", name,
		(unsigned long long)((with - base + N / 2) / N));
}

int guest_main(uint32_t magic, uint32_t info);
int guest_main(uint32_t magic, uint32_t info)
{
	uint64_t base;

	(void)magic;
	(void)info;
	base_loop(); /* warm up */
	base = base_loop();
	report("cpuid", cpuid_loop(), base);
	report("vmcall", vmcall_loop(), base);
	report("io_unclaimed", io_loop(), base);
	report("mmio", mmio_loop(), base);
	return 0;
}
