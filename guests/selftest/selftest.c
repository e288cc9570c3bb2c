/* SPDX-License-Identifier: MIT */
/*
 * The self-test guest: checks, from inside a VM, that the hypervisor
 * virtualizes what it says it does — CPUID, MSRs, control registers, port
 * I/O, exceptions delivered to the guest's own IDT, paging faults, HLT and
 * timer interrupts, interrupt windows, NMIs, hypercalls, XSETBV, MMIO —
 * and that its memory stays its own. One line per check; the exit status
 * is the number of failures.
 *
 * Command-line words: mmio (the test device is present), triple (end in
 * a triple fault), deadhalt (end halted with interrupts off), entryfail
 * (break its own guest state through the test hook), reset (reset the
 * VM through port 0xcf9, or 0x64 with kbc, on the first boot only).
 */
#include "guests/lib/guest.h"
#include "guests/lib/mbinfo.h"
#include "lib/string.h"

#define CR4_PSE (1u << 4)
#define CR4_VMXE (1u << 13)
#define CR4_OSXSAVE (1u << 18)
#define CR0_TS (1u << 3)
#define CR0_CD (1u << 30)
#define CR0_PG (1u << 31)
#define VEC_TIMER 0x40
#define VEC_WINDOW 0x41

static uint32_t read_cr0(void)
{
	uint32_t v;
	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}
static void write_cr0(uint32_t v) { __asm__ volatile("mov %0, %%cr0" ::"r"(v)); }
static uint32_t read_cr4(void)
{
	uint32_t v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static void test_cpuid(void)
{
	uint32_t r[4];

	cpuid(1, 0, r);
	check("cpuid.hypervisor-bit", r[2] >> 31, "ECX %#x", r[2]);
	check("cpuid.vmx-hidden", !(r[2] & (1u << 5)), "ECX %#x", r[2]);
	cpuid(HV_CPUID_BASE, 0, r);
	check("cpuid.signature",
	      r[0] >= HV_CPUID_MAX && r[1] == HV_CPUID_SIGNATURE_EBX &&
		      r[2] == HV_CPUID_SIGNATURE_ECX && r[3] == HV_CPUID_SIGNATURE_EDX,
	      "%#x %#x %#x %#x", r[0], r[1], r[2], r[3]);
	cpuid(HV_CPUID_INFO, 0, r);
	check("cpuid.abi-version", r[0] == HV_ABI_VERSION, "%u", r[0]);
}

static void test_msrs(void)
{
	uint64_t v = 0, pat = 0x0007010600070406ull, tsc;
	int vec;

	vec = try_rdmsr(0xc0000080, &v);
	check("msr.efer", vec < 0 && v == 0, "vector %d, %#llx", vec,
	      (unsigned long long)v);
	vec = try_wrmsr(0x277, pat);
	if (vec < 0)
		vec = try_rdmsr(0x277, &v);
	check("msr.pat-roundtrip", vec < 0 && v == pat, "vector %d, %#llx", vec,
	      (unsigned long long)v);
	check("msr.pat-invalid-gp", try_wrmsr(0x277, 0x0202020202020202ull) == 13,
	      "vector %d", (int)trap_vector);
	check("msr.unknown-gp", try_rdmsr(0x4b564d00, &v) == 13, "vector %d",
	      (int)trap_vector);
	vec = try_rdmsr(0x3a, &v);
	check("msr.feature-control-locked",
	      vec < 0 && v == 1 && try_wrmsr(0x3a, 5) == 13, "%#llx",
	      (unsigned long long)v);
	check("msr.vmx-basic-gp", try_rdmsr(0x480, &v) == 13, "vector %d",
	      (int)trap_vector);
	try_wrmsr(0x10, 1000000000000ull);
	tsc = rdtsc();
	check("msr.tsc-write", tsc >= 1000000000000ull &&
				       tsc < 1000000000000ull + 1000000000ull,
	      "TSC %llu", (unsigned long long)tsc);
}

static void test_crs(void)
{
	uint32_t cr4 = read_cr4();

	check("cr4.vmxe-hidden", !(cr4 & CR4_VMXE), "CR4 %#x", cr4);
	check("cr4.vmxe-gp", try_write_cr4(cr4 | CR4_VMXE) == 13, "vector %d",
	      (int)trap_vector);
	write_cr0(read_cr0() | CR0_TS);
	check("cr0.ts-set", read_cr0() & CR0_TS, "CR0 %#x", read_cr0());
	__asm__ volatile("clts");
	check("cr0.clts", !(read_cr0() & CR0_TS), "CR0 %#x", read_cr0());
	write_cr0(read_cr0() | CR0_CD);
	check("cr0.cd-shadowed", read_cr0() & CR0_CD, "CR0 %#x", read_cr0());
	write_cr0(read_cr0() & ~CR0_CD);
}

static void test_io(void)
{
	static char buf[8];
	static const char msg[] = "selftest: rep outsb to port 0xe9\n";
	char *p = buf;
	unsigned n = sizeof(buf);

	check("io.unclaimed-all-ones",
	      inb(0x1234) == 0xff && inw(0x1234) == 0xffff &&
		      inl(0x1234) == 0xffffffffu,
	      "%#x", inl(0x1234));
	outb(0x3ff, 0x5a);
	check("io.uart-scratch", inb(0x3ff) == 0x5a, "%#x", inb(0x3ff));
	check("io.debugcon-reads-e9", inb(0xe9) == 0xe9, "%#x", inb(0xe9));
	__asm__ volatile("rep insb" : "+D"(p), "+c"(n) : "d"(0x1234) : "memory");
	check("io.rep-insb", n == 0 && buf[0] == (char)0xff && buf[7] == (char)0xff,
	      "left %u", n);
	p = (char *)msg;
	n = sizeof(msg) - 1;
	__asm__ volatile("rep outsb" : "+S"(p), "+c"(n) : "d"(0xe9) : "memory");
	check("io.rep-outsb", n == 0, "left %u", n);
}

static void test_exceptions(void)
{
	check("exception.ud", try_ud2() == 6, "vector %d", (int)trap_vector);
	check("exception.bp", try_int3() == 3, "vector %d", (int)trap_vector);
	check("exception.de", try_divide_by_zero() == 0, "vector %d",
	      (int)trap_vector);
	check("exception.vmxon-ud", try_vmxon() == 6, "vector %d",
	      (int)trap_vector);
}

/* Identity-maps 0-1 GiB with 4 MiB pages except 64-68 MiB, turns paging
 * on, and touches the hole: the #PF must reach our IDT with CR2. */
static void test_page_fault(void)
{
	static uint32_t pd[1024] __attribute__((aligned(4096)));
	uint32_t val, cr2;
	int vec;

	for (uint32_t i = 0; i < 256; i++)
		pd[i] = i == 16 ? 0 : (i << 22) | 0x83; /* P, W, PS */
	__asm__ volatile("mov %0, %%cr3" ::"r"(pd));
	__asm__ volatile("mov %0, %%cr4" ::"r"(read_cr4() | CR4_PSE));
	write_cr0(read_cr0() | CR0_PG);
	vec = try_read32(0x04000010, &val);
	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	write_cr0(read_cr0() & ~CR0_PG);
	check("exception.pf", vec == 14 && cr2 == 0x04000010 && trap_error == 0,
	      "vector %d, CR2 %#x, error %#x", vec, cr2, trap_error);
	check("paging.off-again", !(read_cr0() & CR0_PG), "CR0 %#x", read_cr0());
}

static void test_interrupts(void)
{
	long r = hv_hypercall(HV_HC_TIMER, 2000, VEC_TIMER, 0);

	__asm__ volatile("sti; hlt; cli");
	check("hlt.timer-wakes", r == 0 && irq_count[VEC_TIMER] == 1,
	      "ret %ld, count %u", r, irq_count[VEC_TIMER]);
	hv_hypercall(HV_HC_TIMER, 0, VEC_WINDOW, 0);
	for (volatile int i = 0; i < 100; i++)
		;
	check("irq.held-while-if0", irq_count[VEC_WINDOW] == 0, "count %u",
	      irq_count[VEC_WINDOW]);
	__asm__ volatile("sti; nop; cli");
	check("irq.window-delivers", irq_count[VEC_WINDOW] == 1, "count %u",
	      irq_count[VEC_WINDOW]);
	hv_hypercall(HV_HC_TIMER, 0, HV_TIMER_NMI, 0);
	__asm__ volatile("nop");
	check("nmi.delivered-with-if0", irq_count[2] == 1, "count %u",
	      irq_count[2]);
	check("hypercall.timer-bad-vector",
	      hv_hypercall(HV_HC_TIMER, 0, 7, 0) == -HV_EINVAL, "");
}

static void test_hypercalls(void)
{
	static const char msg[] = "selftest: console hypercall\n";
	static struct hv_exit_stats st;
	long r = hv_hypercall(HV_HC_CONSOLE_WRITE, (unsigned long)msg,
			      sizeof(msg) - 1, 0);

	check("hypercall.console-write", r == sizeof(msg) - 1, "%ld", r);
	r = hv_hypercall(HV_HC_CONSOLE_WRITE, 0x7ffff000, 16, 0);
	check("hypercall.bad-address", r == -HV_EFAULT, "%ld", r);
	check("hypercall.unknown", hv_hypercall(99, 0, 0, 0) == -HV_ENOSYS, "");
	check("hypercall.yield", hv_hypercall(HV_HC_YIELD, 0, 0, 0) == 0, "");
	r = hv_hypercall(HV_HC_EXIT_STATS, (unsigned long)&st, sizeof(st), 0);
	check("hypercall.exit-stats",
	      r == sizeof(st) && st.count[10] >= 3 && st.count[18] >= 4 &&
		      st.count[30] > 10 && st.total > st.count[10],
	      "ret %ld, cpuid %llu, vmcall %llu, io %llu", r,
	      (unsigned long long)st.count[10], (unsigned long long)st.count[18],
	      (unsigned long long)st.count[30]);
}

static void test_xsetbv(void)
{
	uint32_t r[4], lo, hi;

	cpuid(1, 0, r);
	if (!(r[2] & (1u << 26))) {
		gprintf("xsetbv: skipped (no XSAVE)\n");
		return;
	}
	__asm__ volatile("mov %0, %%cr4" ::"r"(read_cr4() | CR4_OSXSAVE));
	cpuid(1, 0, r);
	check("cpuid.osxsave-follows-cr4", r[2] & (1u << 27), "ECX %#x", r[2]);
	check("xsetbv.x87-sse", try_xsetbv(0, 3) < 0, "vector %d",
	      (int)trap_vector);
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	check("xgetbv.reads-back", lo == 3 && hi == 0, "%#x", lo);
	check("xsetbv.no-x87-gp", try_xsetbv(0, 2) == 13, "vector %d",
	      (int)trap_vector);
	check("xsetbv.xcr1-gp", try_xsetbv(1, 1) == 13, "vector %d",
	      (int)trap_vector);
}

static void test_mmio(void)
{
	volatile uint32_t *id = (volatile uint32_t *)0xfeb00000;
	volatile uint8_t *scratch = (volatile uint8_t *)0xfeb00008;
	uint32_t v;
	int32_t s;

	check("mmio.id", *id == 0x44545648, "%#x", *id);
	*(volatile uint32_t *)scratch = 0xdeadbeef;
	check("mmio.write-read-32", *(volatile uint32_t *)scratch == 0xdeadbeef,
	      "%#x", *(volatile uint32_t *)scratch);
	scratch[1] = 0x12;
	check("mmio.byte-write", *(volatile uint32_t *)scratch == 0xdead12ef,
	      "%#x", *(volatile uint32_t *)scratch);
	__asm__ volatile("movzwl (%1), %0" : "=r"(v) : "r"(scratch + 2));
	check("mmio.movzx", v == 0xdead, "%#x", v);
	scratch[0] = 0x80;
	__asm__ volatile("movsbl (%1), %0" : "=r"(s) : "r"(scratch));
	check("mmio.movsx", s == -128, "%d", s);
	__asm__ volatile("movl $0x1234abcd, (%0)" ::"r"(scratch) : "memory");
	check("mmio.store-immediate", *(volatile uint32_t *)scratch == 0x1234abcd,
	      "%#x", *(volatile uint32_t *)scratch);
}

/* Our RAM above 4 MiB is filled at the start and checked at the end:
 * nobody else may have written to it meanwhile. */
static uint32_t pattern(uint32_t a) { return a * 2654435761u ^ 0x5e1f7e57; }

static void memory_fill(uint32_t from, uint32_t to)
{
	for (uint32_t a = from; a < to; a += 4)
		*(volatile uint32_t *)a = pattern(a);
}

static void memory_check(uint32_t from, uint32_t to)
{
	uint32_t bad = 0, first = 0;

	for (uint32_t a = from; a < to; a += 4)
		if (*(volatile uint32_t *)a != pattern(a) && !bad++)
			first = a;
	check("memory.intact", !bad, "%u words differ, first at %#x", bad, first);
}

/* PCI configuration mechanism #1 on the VM's bus 0. */
static uint32_t pci_cfg(unsigned dev, unsigned off)
{
	outl(0xcf8, 0x80000000u | dev << 11 | off);
	return inl(0xcfc);
}

static void pci_cfg_write(unsigned dev, unsigned off, uint32_t v)
{
	outl(0xcf8, 0x80000000u | dev << 11 | off);
	outl(0xcfc, v);
}

/* pt: a passed-through Bochs USB OHCI controller (11c1:5803) at 00:08.0,
 * found and placed as an OS would; nopt: no such device on this VM's bus. */
#define PT_DEV 8
#define PT_BAR 0xd0000000u /* not where the host has it */
#define OHCI_REVISION 0x00
#define OHCI_HCCA 0x18

static void test_passthrough(void)
{
	volatile uint32_t *regs = (volatile uint32_t *)PT_BAR;
	uint32_t id = pci_cfg(PT_DEV, 0), bar0, size, hcca;

	if (cmdline_has("nopt")) {
		check("pt.absent-from-other-vms", id == 0xffffffffu, "id %#x", id);
		return;
	}
	check("pt.device-at-00:08.0", id == 0x580311c1u, "id %#x", id);
	check("pt.class-is-the-devices", pci_cfg(PT_DEV, 8) >> 8 == 0x0c0310,
	      "class %#x", pci_cfg(PT_DEV, 8) >> 8);
	check("pt.no-intx-no-rom", pci_cfg(PT_DEV, 0x3c) == 0 &&
	      pci_cfg(PT_DEV, 0x30) == 0, "");
	bar0 = pci_cfg(PT_DEV, 0x10);
	pci_cfg_write(PT_DEV, 0x10, ~0u);
	size = ~(pci_cfg(PT_DEV, 0x10) & ~0xfu) + 1;
	check("pt.bar0-sizes-4K", size == 4096 && (bar0 & 0xf) == 0,
	      "size %#x, flags %#x", size, bar0 & 0xf);
	pci_cfg_write(PT_DEV, 0x10, PT_BAR);
	check("pt.bar0-placed", pci_cfg(PT_DEV, 0x10) == PT_BAR, "%#x",
	      pci_cfg(PT_DEV, 0x10));
	pci_cfg_write(PT_DEV, 4, 2); /* memory decoding on */
	check("pt.command-memory-on", (pci_cfg(PT_DEV, 4) & 0xffff) == 2, "%#x",
	      pci_cfg(PT_DEV, 4) & 0xffff);
	/* the controller's own registers, through the EPT mapping */
	check("pt.ohci-revision-1.0", (regs[OHCI_REVISION / 4] & 0xff) == 0x10,
	      "HcRevision %#x", regs[OHCI_REVISION / 4]);
	regs[OHCI_HCCA / 4] = 0x00345600;
	hcca = regs[OHCI_HCCA / 4];
	regs[OHCI_HCCA / 4] = 0;
	check("pt.ohci-register-write-reads-back", hcca == 0x00345600,
	      "HcHCCA %#x", hcca);
	/* a BAR moved over our own RAM: the hypervisor must not map the
	 * device there (RAM stays RAM), and says so */
	volatile uint32_t *ram = (volatile uint32_t *)0x00800000;
	uint32_t kept = *ram; /* memory_check wants its pattern back */

	*ram = 0x12345678;
	pci_cfg_write(PT_DEV, 0x10, 0x00800000);
	check("pt.bar-over-ram-stays-ram", *ram == 0x12345678, "%#x", *ram);
	*ram = kept;
	pci_cfg_write(PT_DEV, 4, 0);
}

int guest_main(uint32_t magic, uint32_t info);
int guest_main(uint32_t magic, uint32_t info)
{
	struct guest_boot b;
	uint32_t top;

	guest_boot_parse(magic, info, &b);
	guest_set_cmdline(b.cmdline);
	gprintf("selftest: multiboot%u, %u KiB of upper memory, cmdline '%s'\n",
		b.version, b.mem_upper_kb, b.cmdline);
	top = 0x100000 + b.mem_upper_kb * 1024 - 0x10000;
	memory_fill(0x400000, top);
	if (cmdline_has("triple")) {
		static const struct { uint16_t l; uint32_t b; }
			__attribute__((packed)) none = { 0, 0 };
		gprintf("selftest: raising a triple fault\n");
		__asm__ volatile("lidt %0; int3" ::"m"(none));
	}
	if (cmdline_has("entryfail")) {
		long r;

		gprintf("selftest: breaking my own guest state\n");
		r = hv_hypercall(HV_HC_TEST_BREAK_ENTRY, 0, 0, 0);
		/* only reached when the hypervisor refuses the test hook */
		check("testhook.refused-without-option", r == -HV_ENOSYS,
		      "ret %ld", r);
	}
	if (cmdline_has("reset")) {
		uint32_t r[4];

		cpuid(HV_CPUID_INFO, 0, r);
		if (r[1] == 0) {
			gprintf("selftest: first boot, resetting through %s\n",
				cmdline_has("kbc") ? "port 0x64" : "port 0xcf9");
			if (cmdline_has("kbc"))
				outb(0x64, 0xfe);
			else
				outb(0xcf9, 0x06);
			gprintf("selftest: FAIL: the reset did not happen\n");
			return 1;
		}
		gprintf("selftest: booted again after %u reset%s\n", r[1],
			r[1] > 1 ? "s" : "");
	}
	if (cmdline_has("deadhalt")) {
		gprintf("selftest: halting with interrupts off\n");
		__asm__ volatile("cli; hlt");
	}
	test_cpuid();
	test_msrs();
	test_crs();
	test_io();
	test_exceptions();
	test_page_fault();
	test_interrupts();
	test_hypercalls();
	test_xsetbv();
	__asm__ volatile("invd; wbinvd");
	if (cmdline_has("mmio"))
		test_mmio();
	if (cmdline_has("pt") || cmdline_has("nopt"))
		test_passthrough();
	memory_check(0x400000, top);
	gprintf("selftest: %u checks, %u failed\n", checks_run, checks_failed);
	return (int)checks_failed;
}
