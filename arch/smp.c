/* SPDX-License-Identifier: MIT */
#include "arch/smp.h"

#include "arch/lapic.h"
#include "arch/mm.h"
#include "arch/msr.h"
#include "arch/paging.h"
#include "arch/percpu.h"
#include "arch/platform.h"
#include "arch/trap.h"
#include "arch/tsc.h"
#include "arch/x86.h"
#include "lib/console.h"
#include "lib/string.h"

#define AP_START_TIMEOUT_US 200000

struct __attribute__((packed)) trampoline_data {
	uint64_t gdt[4];
	uint16_t gdt_limit;
	uint32_t gdt_base;
	uint32_t pm_offset;
	uint16_t pm_sel;
	uint32_t lm_offset;
	uint16_t lm_sel;
	uint32_t cr0, cr3, cr4, efer;
};

struct ap_boot_entry {
	uint32_t apic_id, pad;
	struct cpu *cpu;
};

extern char trampoline_start[], trampoline_end[], trampoline_data[];
extern char trampoline_pm_offset[], ap_entry64[];
struct ap_boot_entry ap_boot_table[MAX_CPUS];
uint32_t ap_boot_count;
static volatile int released;

/* SDM 8.4.4.1 asks for 10 ms after INIT; Linux skips it on Intel family 6
 * and later, which do not need it (arch/x86/kernel/smpboot.c). */
static bool init_delay_needed(void)
{
	struct cpuid_regs v = cpuid(0, 0), f = cpuid(1, 0);
	unsigned family = (f.eax >> 8) & 0xf;

	if (family == 0xf)
		family += (f.eax >> 20) & 0xff;
	if (!memcmp(&v.ebx, "Genu", 4))
		return family < 6;
	if (!memcmp(&v.ebx, "Auth", 4))
		return family < 0xf;
	return true;
}

static uint64_t trampoline_setup(void)
{
	uint64_t pa = page_alloc_below(1, PMM_LOW_LIMIT);
	size_t len = trampoline_end - trampoline_start;
	struct trampoline_data *d;

	if (!pa)
		return 0;
	memcpy(phys_to_virt(pa), trampoline_start, len);
	d = phys_to_virt(pa + (trampoline_data - trampoline_start));
	d->gdt_base = (uint32_t)(pa + (trampoline_data - trampoline_start));
	d->pm_offset = (uint32_t)(pa + (uint64_t)trampoline_pm_offset);
	d->lm_offset = (uint32_t)(uint64_t)ap_entry64;
	d->cr0 = (uint32_t)read_cr0();
	d->cr3 = (uint32_t)read_cr3();
	d->cr4 = (uint32_t)read_cr4();
	d->efer = (uint32_t)(rdmsr(MSR_EFER) & ~EFER_LMA); /* LMA is read-only */
	/* Executable while APs start, never writable at the same time. */
	paging_map(pa, 4096, PAGE_RX);
	return pa;
}

static struct cpu *cpu_create(uint32_t apic_id)
{
	uint64_t pa = page_alloc((sizeof(struct cpu) + 4095) / 4096);
	struct cpu *c = phys_to_virt(pa);

	if (!pa || cpu_stacks_alloc(c))
		return 0;
	c->id = n_cpus;
	c->apic_id = apic_id;
	c->state = CPU_OFF;
	cpus[n_cpus++] = c;
	ap_boot_table[ap_boot_count++] = (struct ap_boot_entry){ apic_id, 0, c };
	return c;
}

static bool all_online(unsigned from)
{
	for (unsigned i = from; i < n_cpus; i++)
		if (cpus[i]->state == CPU_OFF)
			return false;
	return true;
}

static void start_aps(uint64_t tramp)
{
	uint8_t page = (uint8_t)(tramp >> 12);
	bool legacy = init_delay_needed();
	uint64_t deadline;

	for (unsigned i = 1; i < n_cpus; i++)
		lapic_send_ipi(cpus[i]->apic_id, ICR_INIT | ICR_ASSERT);
	if (legacy)
		udelay(10000);
	for (int sipi = 0; sipi < 2 && !all_online(1); sipi++) {
		for (unsigned i = 1; i < n_cpus; i++)
			if (cpus[i]->state == CPU_OFF)
				lapic_send_ipi(cpus[i]->apic_id,
					       ICR_STARTUP | page);
		udelay(legacy ? 200 : 10);
	}
	deadline = rdtsc() + AP_START_TIMEOUT_US * tsc_khz / 1000;
	while (!all_online(1) && rdtsc() < deadline)
		cpu_relax();
}

/* Drops the APs that did not answer, keeping the numbering dense. */
static void drop_silent_cpus(void)
{
	unsigned n = 1;

	for (unsigned i = 1; i < n_cpus; i++) {
		if (cpus[i]->state == CPU_OFF) {
			pr_err("smp: cpu%u (apic %u) did not start\n", i,
			       cpus[i]->apic_id);
			continue;
		}
		cpus[n] = cpus[i];
		cpus[n]->id = n;
		n++;
	}
	n_cpus = n;
}

unsigned smp_boot(void)
{
	const struct acpi_info *a = &platform_acpi;
	uint32_t bsp = lapic_id();
	uint64_t tramp, t0 = rdtsc();

	this_cpu()->apic_id = bsp;
	cpus[0] = this_cpu();
	n_cpus = 1;
	for (unsigned i = 0; i < a->n_cpus && n_cpus < MAX_CPUS; i++)
		if (a->cpu[i].apic_id != bsp && !cpu_create(a->cpu[i].apic_id))
			pr_err("smp: no memory for cpu (apic %u)\n",
			       a->cpu[i].apic_id);
	if (n_cpus == 1)
		return 1;
	tramp = trampoline_setup();
	if (!tramp) {
		pr_err("smp: no page below 1 MiB for the trampoline\n");
		n_cpus = 1;
		return 1;
	}
	start_aps(tramp);
	paging_map(tramp, 4096, PAGE_RW);
	drop_silent_cpus();
	pr_info("smp: %u CPUs online (%s mode APIC), started in %llu us\n",
		n_cpus, lapic_x2apic() ? "x2APIC" : "xAPIC",
		(unsigned long long)tsc_to_us(rdtsc() - t0));
	return n_cpus;
}

void smp_release(void) { __atomic_store_n(&released, 1, __ATOMIC_RELEASE); }

void ap_main(struct cpu *c);
void ap_main(struct cpu *c)
{
	cpu_tables_load(c);
	lapic_init();
	__atomic_store_n(&c->state, CPU_ONLINE, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&released, __ATOMIC_ACQUIRE))
		cpu_relax();
	/* The trampoline page was executable while we started: forget
	 * that translation now that it is writable again. */
	write_cr3(read_cr3());
	ap_continue();
}
