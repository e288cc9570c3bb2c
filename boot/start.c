/* SPDX-License-Identifier: MIT */
/*
 * The core start-up, the same for every front door: the CPU's own tables,
 * the console, memory, host paging, ACPI, the APIC and TSC, the other
 * CPUs, and then VMX root mode on every CPU.
 */
#include "boot/start.h"

#include "boot/efi.h"

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
#include "drivers/pci.h"
#include "drivers/vtd.h"
#include "lib/cmdline.h"
#include "lib/console.h"
#include "lib/errno.h"
#include "lib/format.h"
#include "lib/string.h"
#include "guests/config.h"
#include "guests/focus.h"
#include "guests/vm.h"
#include "sched/sched.h"
#include "vmx/vmx.h"

#define HV_VERSION "0.1"
#define VMX_WAIT_US 1000000

struct hv_options hv_options;
static struct boot_info *boot;
static struct vm_config_set vm_configs;
static unsigned vms_refused;
static volatile int sched_go;

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

/* VT-d needs no VMX: it starts (and its self-test runs) before. */
static void iommu_start(void)
{
	int r;

	if (!hv_options.iommu) {
		pr_warn("vtd: iommu=off: DMA remapping off, devices can reach "
			"all memory\n");
		return;
	}
	r = vtd_init();
	if (r == -ENODEV)
		pr_info("vtd: no DMAR table: no IOMMU to confine device DMA\n");
	if (!r)
		pci_scan(); /* the devices VMs may own */
	if (hv_options.iommu_selftest)
		vtd_selftest();
	phase("iommu");
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

	fpu_cpu_init();
	if (!vmx_cpu_enable(c))
		report_cpu(c);
	while (!__atomic_load_n(&sched_go, __ATOMIC_ACQUIRE))
		cpu_relax();
	if (c->state != CPU_VMX_ROOT)
		cpu_halt_forever();
	sched_start();
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

static void __attribute__((noreturn)) run_vms(void);

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
	run_vms();
}

static void config_report(void *ctx, const char *msg)
{
	(void)ctx;
	pr_err("%s\n", msg);
}

/* The configuration: the module named by config=, else the first module
 * whose name ends in ".cfg". */
static const struct bi_module *config_module(void)
{
	for (unsigned i = 0; i < boot->n_mod; i++) {
		const char *s = boot->mod[i].cmdline;
		size_t n = 0;

		while (s[n] && s[n] != ' ')
			n++;
		if (hv_options.config[0] ? n == strlen(hv_options.config) &&
					     !strncmp(s, hv_options.config, n)
				   : n > 4 && !strncmp(s + n - 4, ".cfg", 4))
			return &boot->mod[i];
	}
	return 0;
}

static void create_vms(void)
{
	const struct bi_module *m = config_module();
	const char *name;

	if (!m) {
		kprintf("hv: no VM configuration%s%s among the boot modules\n",
			hv_options.config[0] ? " " : "", hv_options.config);
		return;
	}
	name = m->cmdline;
	vmcfg_parse(phys_to_virt(m->start), m->end - m->start, name,
		    &vm_configs, config_report, 0);
	for (unsigned i = 0; i < vm_configs.n; i++) {
		if (!vm_create(&vm_configs.vm[i], boot))
			vms_refused++;
	}
}

static void __attribute__((noreturn)) run_vms(void)
{
	char err[128];

	const struct sched_policy *policy = sched_policy_by_name(hv_options.sched);

	if (vmx_global_init(err, sizeof(err)))
		stop(err);
	pr_info("vmx: guests' local APICs %s\n", vmx_ctl.apicv ?
		"virtualized by the CPU (TPR shadow, APIC-register "
		"virtualization, virtual-interrupt delivery)" :
		hv_options.apicv ? "trapped (the CPU cannot virtualize them)" :
				   "trapped (apicv=off)");
	sched_init(policy);
	pr_info("sched: %s policy on %u CPUs\n", policy->name, n_cpus);
	create_vms();
	if (!n_vms) {
		kprintf("hv: no VMs to run (%u refused), powering off\n",
			vms_refused);
		platform_poweroff(vms_refused ? HV_EXIT_FAILURE : HV_EXIT_SUCCESS);
	}
	console_input_init();
	uint64_t tsc0 = rdtsc();

	for (unsigned i = 0; i < n_vms; i++)
		vm_start(vms[i], tsc0);
	__atomic_store_n(&sched_go, 1, __ATOMIC_RELEASE);
	sched_start();
}

void hv_all_vms_stopped(void)
{
	unsigned ok = 0;

	for (unsigned i = 0; i < n_vms; i++)
		ok += vms[i]->status == 0;
	kprintf("hv: all VMs stopped: %u of %u with status 0, %u refused\n", ok,
		n_vms, vms_refused);
	platform_poweroff(ok == n_vms && !vms_refused ? HV_EXIT_SUCCESS :
							 HV_EXIT_FAILURE);
}

/* What the front door learnt from the firmware, in one line: the system
 * tests check it against the firmware's own report. */
static void boot_report(const struct boot_info *bi)
{
	char rsdp[64] = "none given", cpus[16] = "unknown";
	uint64_t usable = 0;

	if (bi->rsdp_len && bi->rsdp_pa)
		ksnprintf(rsdp, sizeof(rsdp), "at %#llx (revision %u)",
			  (unsigned long long)bi->rsdp_pa, bi->rsdp[15]);
	else if (bi->rsdp_len)
		ksnprintf(rsdp, sizeof(rsdp), "copy (revision %u)",
			  bi->rsdp[15]);
	if (bi->fw_cpus)
		ksnprintf(cpus, sizeof(cpus), "%u", bi->fw_cpus);
	for (unsigned i = 0; i < bi->n_mem; i++)
		usable += bi->mem[i].type == BI_MEM_USABLE ? bi->mem[i].len : 0;
	pr_info("boot: %s firmware%s%s%s, memory map %llu KiB in %u ranges "
		"(%s; %llu KiB usable), RSDP %s, CPUs counted by the firmware: "
		"%s\n", bi->efi_systab ? "UEFI" : "BIOS",
		bi->fw_vendor[0] ? " (" : "", bi->fw_vendor,
		bi->fw_vendor[0] ? ")" : "",
		(unsigned long long)(bi_ram_bytes(bi) >> 10), bi->n_mem,
		bi->efi_mmap ? "EFI" : "E820", (unsigned long long)(usable >> 10),
		rsdp, cpus);
	if (bi->efi_exit_attempts)
		pr_info("boot: EFI boot services exited on attempt %u\n",
			bi->efi_exit_attempts);
}

void hv_start(struct boot_info *bi, const char *boot_err)
{
	struct cpu *bsp = cpu_bsp_early();

	boot = bi;
	idt_init();
	cpu_irq_init();
	cpu_tables_load(bsp);
	cmdline_defaults(&hv_options);
	cmdline_parse(bi->cmdline, &hv_options, 0, 0); /* console= first, quietly */
	console_init(&hv_options);
	kprintf("hv: microhypervisor %s, booted through %s%s%s\n", HV_VERSION,
		bi->door, bi->loader[0] ? " by " : "", bi->loader);
	pr_info("hv: command line '%s'\n", bi->cmdline);
	cmdline_parse(bi->cmdline, &hv_options, cmdline_report, 0);
	if (boot_err)
		stop(boot_err);
	boot_report(bi);
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
	lapic_timer_setup();
	fpu_cpu_init();
	phase("tsc");
	smp_boot();
	if (bi->fw_cpus && bi->fw_cpus != n_cpus)
		pr_warn("smp: the firmware counted %u CPUs, %u are online\n",
			bi->fw_cpus, n_cpus);
	phase("smp");
	iommu_start();
	crash_test(hv_options.crash);
	vmx_bringup();
}
