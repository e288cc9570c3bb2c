/* SPDX-License-Identifier: MIT */
#include "arch/lapic.h"

#include "arch/msr.h"
#include "arch/tsc.h"
#include "arch/x86.h"

#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0
#define LVT_MASKED (1u << 16)
#define LVT_TSC_DEADLINE (2u << 17)
#define MSR_TSC_DEADLINE 0x6e0

static bool x2apic;
static bool tsc_deadline;
static uint64_t timer_khz; /* one-shot mode: LAPIC timer ticks per ms */
static uint64_t xapic_base = 0xfee00000;

static uint32_t lapic_read(uint32_t reg)
{
	if (x2apic)
		return (uint32_t)rdmsr(MSR_X2APIC_BASE + (reg >> 4));
	return *(volatile uint32_t *)(xapic_base + reg);
}

static void lapic_write(uint32_t reg, uint32_t v)
{
	if (x2apic)
		wrmsr(MSR_X2APIC_BASE + (reg >> 4), v);
	else
		*(volatile uint32_t *)(xapic_base + reg) = v;
}

bool lapic_x2apic(void) { return x2apic; }

/* Firmware leaves the 8259 pair in virtual-wire mode with IRQ 0 at
 * vector 8, where an idle CPU would take the PIT's tick for a double
 * fault. The hypervisor uses no PIC: move its vectors to 0x20-0x2f (where
 * a spurious IRQ 7/15 is harmless) and mask every line. */
static void legacy_pic_off(void)
{
	outb(0x20, 0x11); /* ICW1: edge, cascade, ICW4 follows */
	outb(0xa0, 0x11);
	outb(0x21, 0x20); /* ICW2: vector bases */
	outb(0xa1, 0x28);
	outb(0x21, 0x04); /* ICW3: slave on IRQ 2 */
	outb(0xa1, 0x02);
	outb(0x21, 0x01); /* ICW4: 8086 mode */
	outb(0xa1, 0x01);
	outb(0x21, 0xff); /* OCW1: all masked */
	outb(0xa1, 0xff);
}

void lapic_setup(void)
{
	x2apic = cpuid(1, 0).ecx & (1u << 21);
	xapic_base = rdmsr(MSR_IA32_APIC_BASE) & 0xffffff000ull;
	legacy_pic_off();
}

void lapic_init(void)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE) | APIC_BASE_EN;

	/* xAPIC → x2APIC is a legal transition with EN already set. */
	wrmsr(MSR_IA32_APIC_BASE, base);
	if (x2apic)
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EXTD);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_TIMER, 1u << 16); /* masked */
	lapic_write(LAPIC_LVT_ERROR, 1u << 16);
	lapic_write(LAPIC_LVT_LINT0, 1u << 16); /* no ExtINT from a PIC */
	lapic_write(LAPIC_SVR, 0x100 | 0xff);   /* enabled, spurious 0xff */
}

uint32_t lapic_id(void)
{
	uint32_t id = lapic_read(LAPIC_ID);

	return x2apic ? id : id >> 24;
}

void lapic_eoi(void) { lapic_write(LAPIC_EOI, 0); }

void lapic_send_ipi(uint32_t apic_id, uint32_t icr_low)
{
	if (x2apic) {
		wrmsr(MSR_X2APIC_BASE + (LAPIC_ICR >> 4),
		      (uint64_t)apic_id << 32 | icr_low);
		return;
	}
	lapic_write(LAPIC_ICR_HI, apic_id << 24);
	lapic_write(LAPIC_ICR, icr_low);
	for (int i = 0; i < 100000 && (lapic_read(LAPIC_ICR) & ICR_BUSY); i++)
		cpu_relax();
}

void lapic_timer_setup(void)
{
	uint64_t t0;
	uint32_t left;

	tsc_deadline = cpuid(1, 0).ecx & (1u << 24);
	if (tsc_deadline)
		return;
	lapic_write(LAPIC_TIMER_DIV, 0xb); /* divide by 1 */
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, 0xffffffffu);
	t0 = rdtsc();
	udelay(1000);
	left = lapic_read(LAPIC_TIMER_CUR);
	timer_khz = (0xffffffffu - left) * tsc_khz / ((rdtsc() - t0) ?: 1);
	lapic_write(LAPIC_TIMER_INIT, 0);
}

void lapic_timer_at(uint64_t tsc)
{
	uint64_t now, ticks;

	if (tsc_deadline) {
		lapic_write(LAPIC_LVT_TIMER, LVT_TSC_DEADLINE | VEC_TIMER);
		wrmsr(MSR_TSC_DEADLINE, tsc ? tsc : 1);
		return;
	}
	now = rdtsc();
	ticks = tsc > now ? (tsc - now) * timer_khz / tsc_khz + 1 : 1;
	lapic_write(LAPIC_TIMER_DIV, 0xb);
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, ticks > 0xffffffffu ? 0xffffffffu :
							    (uint32_t)ticks);
}
