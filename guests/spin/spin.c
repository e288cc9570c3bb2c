/* SPDX-License-Identifier: MIT */
/*
 * The scheduler's test guest. Command-line words choose what it does:
 *   share     spin through the window [50 ms, 350 ms] of VM time, counting
 *             loop iterations: its share of a CPU against the others
 *   halt      sleep in 10 ms steps (timer + HLT) for 300 ms: CPU time used
 *   wake      20 times: HLT until a timer 2 ms ahead; how late it wakes
 *   yield     hand the CPU back 900 times: TSC per round trip
 *   burn=MS   spin until MS of VM time, then stop
 * It prints one "spin: ..." line with the figures and exits 0.
 */
#include "guests/lib/guest.h"
#include "guests/lib/mbinfo.h"
#include "lib/string.h"

#define WINDOW_BEGIN_MS 50
#define WINDOW_END_MS 350

static uint32_t khz;

static uint64_t ms(unsigned n) { return (uint64_t)n * khz; }

static void sched_stats(struct hv_sched_stats *s)
{
	hv_hypercall(HV_HC_SCHED_STATS, (unsigned long)s, sizeof(*s), 0);
}

static void share(void)
{
	uint64_t iterations = 0, begin = ms(WINDOW_BEGIN_MS);
	uint64_t end = ms(WINDOW_END_MS);
	struct hv_sched_stats a, b;

	while (rdtsc() < begin)
		;
	sched_stats(&a);
	while (rdtsc() < end) {
		for (volatile unsigned i = 0; i < 100; i++)
			;
		iterations++;
	}
	sched_stats(&b);
	gprintf("spin: share iterations %llu runtime_us %llu window_us %u\n",
		(unsigned long long)iterations,
		(unsigned long long)((b.runtime_ns - a.runtime_ns) / 1000),
		(WINDOW_END_MS - WINDOW_BEGIN_MS) * 1000);
}

static void halt(void)
{
	struct hv_sched_stats s;
	uint64_t t0 = rdtsc();

	__asm__ volatile("sti");
	for (int i = 0; i < 30; i++) {
		hv_hypercall(HV_HC_TIMER, 10000, 0x40, 0);
		__asm__ volatile("hlt");
	}
	sched_stats(&s);
	gprintf("spin: halt runtime_us %llu elapsed_us %llu wakeups %u\n",
		(unsigned long long)(s.runtime_ns / 1000),
		(unsigned long long)((rdtsc() - t0) * 1000 / khz), irq_count[0x40]);
}

static void wake(void)
{
	uint64_t worst = 0, sum = 0;

	__asm__ volatile("sti");
	for (int i = 0; i < 20; i++) {
		uint64_t due = rdtsc() + ms(2), late;
		hv_hypercall(HV_HC_TIMER, 2000, 0x41, 0);
		while (irq_count[0x41] <= (unsigned)i)
			__asm__ volatile("hlt");
		late = irq_last_tsc > due ? irq_last_tsc - due : 0;
		sum += late;
		if (late > worst)
			worst = late;
	}
	gprintf("spin: wake avg_us %llu max_us %llu\n",
		(unsigned long long)(sum * 1000 / 20 / khz),
		(unsigned long long)(worst * 1000 / khz));
}

/* Only the middle 300 of 900 rounds count: a partner may still be
 * starting at the beginning, or printing at the end. */
static void yield(void)
{
	uint64_t t0 = 0, t1 = 0;

	for (int i = 0; i < 900; i++) {
		if (i == 300)
			t0 = rdtsc();
		if (i == 600)
			t1 = rdtsc();
		hv_hypercall(HV_HC_YIELD, 0, 0, 0);
	}
	gprintf("spin: yield tsc_per_round %llu\n",
		(unsigned long long)((t1 - t0) / 300));
}

static unsigned number_after(const char *cmdline, const char *key)
{
	unsigned n = 0, len = strlen(key);

	for (const char *s = cmdline; *s; s++) {
		if (strncmp(s, key, len))
			continue;
		for (s += len; *s >= '0' && *s <= '9'; s++)
			n = n * 10 + (*s - '0');
		return n;
	}
	return 0;
}

static void burn(unsigned until_ms)
{
	while (rdtsc() < ms(until_ms))
		;
	gprintf("spin: burned until %u ms\n", until_ms);
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
	if (cmdline_has("share"))
		share();
	if (cmdline_has("halt"))
		halt();
	if (cmdline_has("wake"))
		wake();
	if (cmdline_has("yield"))
		yield();
	if (number_after(b.cmdline, "burn="))
		burn(number_after(b.cmdline, "burn="));
	return 0;
}
