/* SPDX-License-Identifier: MIT */
/*
 * The SMP guest: two vCPUs. The BSP starts the AP the way a PC OS does,
 * with INIT and a start-up IPI through its local APIC's ICR (SDM Vol. 3A,
 * 8.4.4); the AP begins in real mode at the SIPI vector's page. Then they
 * send each other fixed IPIs, and both compute for a while: each must get
 * CPU time. Exit status 0 when everything held.
 */
#include "guests/lib/guest.h"
#include "guests/lib/lapic.h"
#include "lib/string.h"

#define VEC_TO_AP 0x50
#define VEC_TO_BSP 0x51
#define ROUNDS 5

extern char ap_trampoline[], ap_trampoline_end[];
static volatile uint32_t ap_up, ap_id, ap_work, bsp_work, stop_work;
static uint32_t khz;

static uint64_t ms(unsigned n) { return (uint64_t)n * khz; }

static void wait_for(volatile uint32_t *flag, uint32_t value, unsigned ms_max)
{
	uint64_t end = rdtsc() + ms(ms_max);

	while (*flag < value && rdtsc() < end)
		__asm__ volatile("pause");
}

void ap_main(void);
void ap_main(void)
{
	idt_load();
	ap_id = lapic_id();
	__atomic_store_n(&ap_up, 1, __ATOMIC_RELEASE);
	__asm__ volatile("sti");
	while (!stop_work)
		ap_work++;
	for (;;)
		__asm__ volatile("hlt");
}

/* The AP answers each IPI from the BSP with one back. */
void guest_irq(unsigned vector);
void guest_irq(unsigned vector)
{
	if (vector == VEC_TO_AP)
		lapic_ipi(0, VEC_TO_BSP);
}

static bool start_ap(void)
{
	memcpy((void *)0x8000, ap_trampoline, ap_trampoline_end - ap_trampoline);
	lapic_ipi(1, 0x4500); /* INIT, assert */
	wait_for(&ap_up, 1, 10);
	lapic_ipi(1, 0x4600 | (0x8000 >> 12)); /* start-up at 0x8000 */
	wait_for(&ap_up, 1, 100);
	return ap_up;
}

int guest_main(uint32_t magic, uint32_t info);
int guest_main(uint32_t magic, uint32_t info)
{
	uint32_t r[4];

	(void)magic;
	(void)info;
	cpuid(HV_CPUID_TIMING, 0, r);
	khz = r[0];
	cpuid(1, 0, r);
	check("smp.bsp-apic-id", lapic_id() == 0 && (r[1] >> 24) == 0,
	      "LAPIC %u, CPUID %u", lapic_id(), r[1] >> 24);
	check("smp.cpuid-two-logical", ((r[1] >> 16) & 0xff) == 2, "%u",
	      (r[1] >> 16) & 0xff);
	check("smp.ap-started-by-init-sipi", start_ap(), "no answer");
	check("smp.ap-apic-id", ap_id == 1, "%u", ap_id);
	__asm__ volatile("sti");
	for (unsigned i = 1; i <= ROUNDS; i++) {
		lapic_ipi(1, VEC_TO_AP);
		wait_for(&irq_count[VEC_TO_BSP], i, 1000); /* CPUs may be shared */
	}
	check("smp.fixed-ipis-both-ways",
	      irq_count[VEC_TO_AP] == ROUNDS && irq_count[VEC_TO_BSP] == ROUNDS,
	      "AP got %u, BSP got %u", irq_count[VEC_TO_AP],
	      irq_count[VEC_TO_BSP]);
	{
		uint64_t end = rdtsc() + ms(100);
		while (rdtsc() < end)
			bsp_work++;
	}
	stop_work = 1;
	check("smp.both-vcpus-ran", bsp_work > 1000 && ap_work > 1000,
	      "bsp %u, ap %u", bsp_work, ap_work);
	gprintf("smp: work done: bsp %u, ap %u iterations\n", bsp_work, ap_work);
	return (int)checks_failed;
}
