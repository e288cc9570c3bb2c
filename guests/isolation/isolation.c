/* SPDX-License-Identifier: MIT */
/*
 * The isolation guest: tries to reach what is not its own. The soft
 * probes must fail without effect (a fault, all-ones, an error code); the
 * last probe touches guest-physical memory beyond its RAM, which must get
 * it stopped with a diagnostic naming the address. Command-line words:
 * target=HEX picks that last address (default 0x40000000), write makes
 * the last probe a write.
 */
#include "guests/lib/guest.h"
#include "guests/lib/mbinfo.h"
#include "lib/string.h"

static uint32_t parse_hex(const char *s)
{
	uint32_t v = 0;

	if (s[0] == '0' && s[1] == 'x')
		s += 2;
	for (; *s && *s != ' '; s++)
		v = v * 16 + (*s <= '9' ? *s - '0' : (*s | 32) - 'a' + 10);
	return v;
}

static uint32_t target(const char *cmdline)
{
	const char *t = cmdline;

	while (*t && strncmp(t, "target=", 7))
		t++;
	return *t ? parse_hex(t + 7) : 0x40000000;
}

int guest_main(uint32_t magic, uint32_t info);
int guest_main(uint32_t magic, uint32_t info)
{
	struct guest_boot b;
	uint64_t v;
	uint32_t addr, val = 0;

	guest_boot_parse(magic, info, &b);
	guest_set_cmdline(b.cmdline);
	addr = target(b.cmdline);
	check("probe.vmxon", try_vmxon() == 6, "vector %d", (int)trap_vector);
	check("probe.cr4-vmxe", try_write_cr4(1u << 13) == 13, "vector %d",
	      (int)trap_vector);
	check("probe.feature-control-write", try_wrmsr(0x3a, 5) == 13,
	      "vector %d", (int)trap_vector);
	check("probe.vmx-msr-read", try_rdmsr(0x480, &v) == 13, "vector %d",
	      (int)trap_vector);
	/* The VM's PCI bus is its own: its virtual Q35 host bridge at 00:00.0
	 * (not the machine's), nothing at 00:01.0 (the machine's ISA bridge
	 * on Bochs and QEMU). */
	outl(0xcf8, 0x80000000);
	v = inl(0xcfc);
	check("probe.pci-own-host-bridge", v == 0x29c08086u, "%#x", (unsigned)v);
	outl(0xcf8, 0x80000800);
	v = inl(0xcfc);
	check("probe.pci-no-host-device", v == 0xffffffffu, "%#x", (unsigned)v);
	check("probe.console-bad-address",
	      hv_hypercall(HV_HC_CONSOLE_WRITE, 0xfffff000, 64, 0) == -HV_EFAULT,
	      "");
	check("probe.stats-bad-address",
	      hv_hypercall(HV_HC_EXIT_STATS, 0x80000000, 64, 0) == -HV_EFAULT, "");
	/* 0x200000 is where the hypervisor sits in host memory; here it is
	 * only this VM's own RAM. */
	*(volatile uint32_t *)0x200000 = 0xbadc0de;
	check("probe.own-ram-at-host-address",
	      *(volatile uint32_t *)0x200000 == 0xbadc0de, "");
	gprintf("isolation: %u probes, %u failed; now %s guest-physical %#x\n",
		checks_run, checks_failed,
		cmdline_has("write") ? "writing" : "reading", addr);
	if (cmdline_has("write"))
		*(volatile uint32_t *)addr = 0x1234;
	else
		val = *(volatile uint32_t *)addr;
	gprintf("isolation: FAIL: the access returned %#x\n", val);
	return 99;
}
