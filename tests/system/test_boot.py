# SPDX-License-Identifier: MIT
"""Issue 2: GRUB → multiboot2 → VMX root mode on every CPU, and a clear
refusal where VT-x is missing."""
import re

from harness import test

VMX_LINE = r"^cpu(\d+): VMX root mode \(apic (\d+), VMXON region 0x[0-9a-f]+"
REFUSAL = r"^hv: error: VT-x unavailable on cpu0 \(apic 0\): no VT-x: " \
          r"CPUID\.1:ECX\.VMX\[bit 5\] is 0 on this (\w+) CPU"


def vmx_on_every_cpu(t, cpus):
    r = t.bochs(t.iso("loglevel=info"), cpus=cpus, timeout=90)
    t.bochs_powered_off(r)
    t.expect(r, r"^paging: identity map up to 0x[0-9a-f]+, \w+ pages, "
                r"W\^X verified$")
    t.expect(r, r"^acpi: MADT: %d CPUs \(0 skipped\)" % cpus)
    if cpus > 1:
        t.expect(r, r"^smp: %d CPUs online \(x2APIC mode APIC\)" % cpus)
    lines = t.expect(r, VMX_LINE, count=cpus)
    ids = sorted(int(re.match(VMX_LINE, l).group(1)) for l in lines)
    apics = {re.match(VMX_LINE, l).group(2) for l in lines}
    t.check(ids == list(range(cpus)), "CPU numbers %s" % ids)
    t.check(len(apics) == cpus, "APIC IDs not distinct: %s" % apics)
    t.expect(r, r"^hv: all %d CPUs in VMX root mode, \d+ TSC cycles after "
                r"entry$" % cpus, count=1)
    t.refute(r, r"FATAL|PANIC|error")
    return r


@test
def bochs_1cpu_vmx_root(t):
    vmx_on_every_cpu(t, 1)


@test
def bochs_2cpus_vmx_root(t):
    vmx_on_every_cpu(t, 2)


@test
def bochs_4cpus_vmx_root(t):
    vmx_on_every_cpu(t, 4)


@test
def bochs_haswell_capabilities(t):
    r = t.bochs(t.iso(), model="corei7_haswell_4770", timeout=90)
    t.expect(r, r"^vmx: EPT yes: 4-level yes, WB yes, UC yes, 2M pages yes, "
                r"1G pages yes, A/D bits yes, execute-only yes, INVEPT single "
                r"yes all yes$")
    t.expect(r, r"^vmx: VPID yes: INVVPID yes")
    t.expect(r, r"^vmx: unrestricted guest yes$")
    t.expect(r, r"^vmx: preemption timer yes: 1 tick per 2\^0 TSC cycles")
    t.expect(r, r"^vmx: APIC virtualization: TPR shadow yes, APIC accesses "
                r"yes, x2APIC mode yes, register virtualization yes, "
                r"virtual-interrupt delivery yes, posted interrupts no$")
    t.expect(r, r"^vmx: VMCS shadowing yes, VM functions yes, PML no, "
                r"EPT #VE yes, monitor trap flag no")
    t.expect(r, r"^paging: .*, 1G pages, W\^X verified$")
    t.expect(r, VMX_LINE, count=1)


@test
def bochs_sandy_bridge_capabilities(t):
    """The older model lacks 1G EPT pages, EPT A/D bits, APIC-register
    virtualization and VMCS shadowing: the report must say so."""
    r = t.bochs(t.iso(), model="corei7_sandy_bridge_2600k", timeout=90)
    t.expect(r, r"^vmx: EPT yes: 4-level yes, WB yes, UC yes, 2M pages yes, "
                r"1G pages no, A/D bits no, execute-only yes")
    t.expect(r, r"^vmx: unrestricted guest yes$")
    t.expect(r, r"^vmx: APIC virtualization: TPR shadow yes, APIC accesses "
                r"yes, x2APIC mode yes, register virtualization no, "
                r"virtual-interrupt delivery no, posted interrupts no$")
    t.expect(r, r"^vmx: VMCS shadowing no, VM functions no, PML no, "
                r"EPT #VE no")
    t.expect(r, r"^paging: .*, 2M pages, W\^X verified$")
    t.expect(r, VMX_LINE, count=1)


@test
def bochs_amd_model_refused(t):
    r = t.bochs(t.iso(), model="ryzen", cpus=2, timeout=90)
    t.bochs_powered_off(r)
    line = t.expect(r, REFUSAL, count=1)[0]
    t.check("AuthenticAMD CPU (AMD SVM is not supported) [2 of 2 CPUs]; "
            "powering off" in line, line)
    t.refute(r, VMX_LINE)


@test
def bochs_seabios_unlocked_feature_control(t):
    """SeaBIOS leaves IA32_FEATURE_CONTROL unlocked: the hypervisor must
    lock it with VMX on itself, then VMXON works."""
    r = t.bochs(t.iso(), bios="/usr/share/seabios/bios.bin", timeout=150)
    t.bochs_powered_off(r)
    t.expect(r, r"^cpu0: VMX root mode \(apic 0, VMXON region 0x[0-9a-f]+, "
                r"IA32_FEATURE_CONTROL locked with VMX on\)$")
    t.expect(r, r"^acpi: .* S5 yes")  # found in SeaBIOS's SSDT


@test
def qemu_tcg_refused(t):
    r = t.qemu(t.iso(), smp=2, timeout=30)
    t.ended_by_itself(r)
    t.check(r.status == 3, "QEMU exit status %s, expected 3 = (1 << 1) | 1"
            % r.status)
    t.expect(r, r"^smp: 2 CPUs online \(xAPIC mode APIC\)")
    line = t.expect(r, REFUSAL, count=1)[0]
    t.check("[2 of 2 CPUs]" in line, line)


@test
def qemu_rescue_iso_refused(t):
    """The hybrid ISO of `make iso` boots too (GRUB from the ISO9660 file
    system rather than a memdisk)."""
    r = t.qemu(t.iso("loglevel=info", rescue=True), timeout=60)
    t.check(r.status == 3, "QEMU exit status %s" % r.status)
    t.expect(r, r"^hv: microhypervisor .* booted through multiboot2 by GRUB")
    t.expect(r, REFUSAL, count=1)
