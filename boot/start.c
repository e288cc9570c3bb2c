/* SPDX-License-Identifier: MIT */
/*
 * The core start-up, the same for every front door: the CPU's own tables,
 * the console, memory, host paging, ACPI, the APIC and TSC, the other
 * CPUs, and then VMX root mode on every CPU.
 */
#include "boot/start.h"

#include "arch/lapic.h"
#include "arch/mm.h"
#include "arch/paging.h"
#include "arch/percpu.h"
#include "arch/platform.h"
#include "arch/power.h"
#include "arch/smp.h"
#include "arch/trap.h"
#include "arch/tsc.h"
#include "arch/x86.h"
#include "lib/cmdline.h"
#include "lib/console.h"
#include "lib/format.h"
#include "lib/string.h"
#include "vmx/vmx.h"

#define HV_VERSION "0.1"
#define VMX_WAIT_US 1000000

static struct hv_options opts;

/* loglevel=debug shows where boot time goes, in TSC cycles. */
static void phase(const char *name)
{
	pr_debug("boot: %-8s done at %llu cycles\n", name,
		 (unsigned long long)(rdtsc() - boot_tsc));
}

static void cmdline_report(void *ctx, const char *msg)
{
	(void)ctx;
	pr_warn("%s\n", msg);
}

static void __attribute__((noreturn)) stop(const char *why)
{
	pr_err("hv: error: %s; powering off\n", why);
	platform_poweroff(HV_EXIT_FAILURE);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winfinite-recursion"
static int __attribute__((noinline)) overflow_stack(int depth)
{
	volatile char frame[512];

	frame[0] = (char)depth;
	return overflow_stack(depth + 1) + frame[0];
}
#pragma GCC diagnostic pop

/* crash=: raise a fault on purpose, to test the exception path. */
static void crash_test(const char *kind)
{
	if (!*kind)
		return;
	pr_info("hv: crash=%s: raising the fault now\n", kind);
	if (!strcmp(kind, "ud"))
		__asm__ volatile("ud2");
	else if (!strcmp(kind, "pf"))
		__asm__ volatile("movl $0xdead, 0x10" ::: "memory");
	else if (!strcmp(kind, "de"))
		__asm__ volatile("xor %%ecx, %%ecx; div %%ecx" ::: "rax",
				 "rcx", "rdx");
	else if (!strcmp(kind, "guard"))
		overflow_stack(0);
}

static void report_cpu(const struct cpu *c)
{
	kprintf("cpu%u: VMX root mode (apic %u, VMXON region %#llx%s)\n",
		c->id, c->apic_id, (unsigned long long)c->vmxon_pa,
		c->locked_feature_control ?
			", IA32_FEATURE_CONTROL locked with VMX on" : "");
}

void ap_continue(void)
{
	struct cpu *c = this_cpu();

	if (!vmx_cpu_enable(c))
		report_cpu(c);
	for (;;) {
		sti();
		hlt();
	}
}

static void wait_for_aps(void)
{
	uint64_t deadline = rdtsc() + VMX_WAIT_US * tsc_khz / 1000;

	for (unsigned i = 1; i < n_cpus; i++) {
		while (cpus[i]->state == CPU_ONLINE && rdtsc() < deadline)
			cpu_relax();
		if (cpus[i]->state == CPU_ONLINE)
			ksnprintf(cpus[i]->vmx_error, sizeof(cpus[i]->vmx_error),
				  "did not report back from VMXON");
	}
}

static void __attribute__((noreturn)) vmx_bringup(void)
{
	struct cpu *bsp = this_cpu(), *failed = 0;
	unsigned n_failed = 0;
	char report[1024];

	if (!vmx_cpu_enable(bsp)) {
		vmx_caps_report(&vmx_caps, tsc_khz, report, sizeof(report));
		pr_info("%s", report);
		report_cpu(bsp);
	}
	smp_release();
	wait_for_aps();
	for (unsigned i = 0; i < n_cpus; i++) {
		if (cpus[i]->state == CPU_VMX_ROOT)
			continue;
		n_failed++;
		failed = failed ? failed : cpus[i];
	}
	if (failed) {
		pr_err("hv: error: VT-x unavailable on cpu%u (apic %u): %s "
		       "[%u of %u CPUs]; powering off\n",
		       failed->id, failed->apic_id, failed->vmx_error, n_failed,
		       n_cpus);
		platform_poweroff(HV_EXIT_FAILURE);
	}
	kprintf("hv: all %u CPUs in VMX root mode, %llu TSC cycles after "
		"entry\n",
		n_cpus, (unsigned long long)(rdtsc() - boot_tsc));
	kprintf("hv: no guests configured, powering off\n");
	platform_poweroff(HV_EXIT_SUCCESS);
}

void hv_start(struct boot_info *bi, const char *boot_err)
{
	struct cpu *bsp = cpu_bsp_early();

	idt_init();
	cpu_tables_load(bsp);
	cmdline_defaults(&opts);
	cmdline_parse(bi->cmdline, &opts, 0, 0); /* console= first, quietly */
	console_init(&opts);
	kprintf("hv: microhypervisor %s, booted through %s%s%s\n", HV_VERSION,
		bi->door, bi->loader[0] ? " by " : "", bi->loader);
	pr_info("hv: command line '%s'\n", bi->cmdline);
	cmdline_parse(bi->cmdline, &opts, cmdline_report, 0);
	if (boot_err)
		stop(boot_err);
	phase("console");
	if (mm_init(bi))
		stop("mem: no usable memory for the page allocator");
	phase("memory");
	if (paging_init(bi))
		stop("paging: cannot build the host page tables");
	phase("paging");
	platform_acpi_init(bi);
	phase("acpi");
	lapic_setup();
	lapic_init();
	tsc_init();
	phase("tsc");
	smp_boot();
	phase("smp");
	crash_test(opts.crash);
	vmx_bringup();
}
