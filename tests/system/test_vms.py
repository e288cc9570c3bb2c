# SPDX-License-Identifier: MIT
"""Issue 3: guests under EPT, isolated from each other, run by hvrun."""
import os
import re

from harness import CONFIGS, GUESTS, test


def vm_status(t, r, name, status, reason):
    return t.expect(r, r"^vm %s: stopped, status %d: %s" % (
        re.escape(name), status, reason), count=1)[0]


def selftest_passed(t, r, vm):
    t.refute(r, r"^\[%s\] .*FAIL" % vm)
    n = t.expect(r, r"^\[%s\] selftest: (\d+) checks, 0 failed$" % vm,
                 count=1)[0]
    t.check(int(re.search(r"(\d+) checks", n).group(1)) >= 40,
            "too few checks ran: " + n)
    t.expect(r, r"^\[%s\] memory\.intact: ok$" % vm, count=1)
    vm_status(t, r, vm, 0, "exit hypercall")


def config_line(name, key):
    with open(os.path.join(CONFIGS, name)) as f:
        for n, line in enumerate(f, 1):
            if line.split("=")[0].strip() == key:
                return n
    raise AssertionError("no %s in %s" % (key, name))


@test
def bochs_four_guests_isolated(t):
    r = t.hvrun("four.cfg", cpus=2)
    t.check(r.status == 1, "hvrun status %d, expected 1 (some VMs fail on "
            "purpose)" % r.status)
    # the self-test checks everything it can, and its memory stayed its own
    selftest_passed(t, r, "selftest")
    t.expect(r, r"^\[selftest\] mmio\.movsx: ok$", count=1)
    # the isolation guest: soft probes fail harmlessly, then it is stopped
    t.expect(r, r"^\[isolation\] isolation: 9 probes, 0 failed; now reading "
                r"guest-physical 0x40000000$", count=1)
    iso = vm_status(t, r, "isolation", 255, r"EPT violation: read at "
                    r"guest-physical 0x40000000, outside the VM's memory "
                    r"\(vcpu 0, RIP 0x[0-9a-f]+\)$")
    t.refute(r, r"^\[isolation\] isolation: FAIL")
    # the real-mode flat binary
    for what in ("hello from real mode", "CR0.PE is clear: ok",
                 "segment:offset addressing: ok"):
        t.expect(r, r"^\[realmode\] realmode: %s$" % what, count=1)
    vm_status(t, r, "realmode", 0, "exit hypercall")
    # the multiboot v1 kernel sees its loader's information
    size = os.path.getsize(os.path.join(GUESTS, "mb1info.elf"))
    t.expect(r, r"^\[mb1\] mb1info: magic 0x2badb002, loader 'hv'$")
    t.expect(r, r"^\[mb1\] mb1info: mem_lower 639 KiB, mem_upper 7168 KiB$")
    t.expect(r, r"^\[mb1\] mb1info: cmdline 'hello from the config'$")
    t.expect(r, r"^\[mb1\] mb1info: module 0 'mb1info.elf first module args' "
                r"at 0x[0-9a-f]+000, %d bytes, starts '\x7fELF" % size)
    t.expect(r, r"^\[mb1\] mb1info: mmap 0x100000-0x7fffff type 1$")
    vm_status(t, r, "mb1", 0, "Bochs shutdown port")
    # refused by name, the others unaffected
    t.expect(r, r"^vm broken-image: refused: broken\.bin: no multiboot "
                r"header in the first 32 KiB$", count=1)
    t.expect(r, r"^vm bad-line: refused: four\.cfg:%d: unknown key "
                r"'memroy'$" % config_line("four.cfg", "memroy"), count=1)
    t.refute(r, r"^vm (broken-image|bad-line): (created|started)")
    vm_status(t, r, "triple", 255, r"triple fault \(vcpu 0")
    # the isolation guest stopped while the self-test still ran
    lines = r.serial.splitlines()
    t.check(lines.index(iso) < lines.index(
        t.expect(r, r"^vm selftest: stopped")[0]),
            "the isolation guest was not stopped before the self-test ended")
    # 14 MMIO accesses to the test device. The LAPIC page: enabling it
    # is an APIC-write exit, and the EOIs after each of the two
    # interrupts cause none (the CPU virtualizes them)
    t.expect(r, r"^vmx: guests' local APICs virtualized by the CPU", count=1)
    t.expect(r, r"^vm selftest: \d+ exits, .*CPUID 5, .*HLT 1, .*I/O \d+, "
                r"RDMSR 5, WRMSR 4, EPT violation 14, .*APIC write 1$",
             count=1)
    t.expect(r, r"^hv: all VMs stopped: 3 of 5 with status 0, 2 refused$",
             count=1)


@test
def bochs_hvrun_all_good(t):
    """hvrun's status is 0 exactly when every VM stopped with status 0."""
    cfg = t.config("good.cfg", "[vm a]\nkernel = realmode.bin\nformat = flat\n"
                   "memory = 1M\n[vm b]\nkernel = mb1info.elf\n")
    r = t.hvrun(cfg, cpus=1)
    t.check(r.status == 0, "hvrun status %d: %s" % (r.status, r.stderr))
    t.expect(r, r"^hv: all VMs stopped: 2 of 2 with status 0, 0 refused$")
    t.check("every VM stopped with status 0" in r.stderr, r.stderr)


@test
def bochs_hvrun_timeout(t):
    cfg = t.config("t.cfg", "[vm a]\nkernel = selftest.elf\n")
    r = t.hvrun(cfg, cpus=1, timeout=1)
    t.check(r.status == 2 and "timed out" in r.stderr,
            "hvrun status %d: %s" % (r.status, r.stderr))


@test
def bochs_two_selftests_share_one_cpu(t):
    """Round-robin on one CPU: the switch must carry FPU/XSAVE, MSRs, CR2
    and registers from one vCPU to the other intact."""
    cfg = t.config("two.cfg", "[vm one]\nkernel = selftest.elf\n"
                   "devices = testdev\ncmdline = mmio\n"
                   "[vm two]\nkernel = selftest.elf\ndevices = testdev\n"
                   "cmdline = mmio\n")
    r = t.hvrun(cfg, cpus=1)
    selftest_passed(t, r, "one")
    selftest_passed(t, r, "two")
    t.expect(r, r"^vm one: vcpu 0 on cpu0$")
    t.expect(r, r"^vm two: vcpu 0 on cpu0$")
    t.expect(r, r"^vm one: \d+ exits, .*preemption timer [1-9]")
    t.check(r.status == 0, "hvrun status %d" % r.status)


@test
def bochs_entry_failure_decoded(t):
    cfg = t.config("e.cfg", "[vm broken-state]\nkernel = selftest.elf\n"
                   "cmdline = entryfail\n"
                   "[vm bystander]\nkernel = realmode.bin\nformat = flat\n"
                   "memory = 1M\n")
    r = t.hvrun(cfg, cpus=1, cmdline="loglevel=info testhooks")
    t.expect(r, r"^vm broken-state: VM entry failed: invalid guest state "
                r"\(exit reason 33, qualification 0\); 1 guest-state rule "
                r"broken:$", count=1)
    t.expect(r, r"^  RFLAGS 0x[0-9a-f]+: reserved bits wrong \(bit 1 must be "
                r"1; 3, 5, 15, 22-63 must be 0\)$", count=1)
    vm_status(t, r, "broken-state", 255, r"VM entry failed: invalid guest "
              r"state")
    vm_status(t, r, "bystander", 0, "exit hypercall")
    t.refute(r, r"selftest: FAIL: still running")


@test
def bochs_testhook_refused_without_option(t):
    cfg = t.config("e.cfg", "[vm a]\nkernel = selftest.elf\n"
                   "cmdline = entryfail\n")
    r = t.hvrun(cfg, cpus=1)
    t.expect(r, r"^\[a\] testhook\.refused-without-option: ok$", count=1)
    selftest_passed(t, r, "a")


@test
def bochs_dead_halt_stops_vm(t):
    cfg = t.config("h.cfg", "[vm sleeper]\nkernel = selftest.elf\n"
                   "cmdline = deadhalt\n")
    r = t.hvrun(cfg, cpus=1)
    vm_status(t, r, "sleeper", 255, r"halted with interrupts disabled: "
              r"nothing can wake it")
    t.check(r.status == 1, "hvrun status %d" % r.status)


@test
def bochs_vm_refusals_named(t):
    cfg = t.config("r.cfg", "[vm nokernel]\nkernel = missing.elf\n"
                   "[vm huge]\nkernel = selftest.elf\nmemory = 3G\n"
                   "[vm baddev]\nkernel = selftest.elf\ndevices = gpu\n"
                   "[vm nomodule]\nkernel = selftest.elf\nmodule = nope.bin\n"
                   "[vm fine]\nkernel = realmode.bin\nformat = flat\n"
                   "memory = 1M\n")
    r = t.hvrun(cfg, cpus=1)
    t.expect(r, r"^vm nokernel: refused: kernel 'missing\.elf' is not among "
                r"the boot modules$")
    t.expect(r, r"^vm huge: refused: no 3072 MiB of host memory left$")
    t.expect(r, r"^vm baddev: refused: r\.cfg:8: devices: 'gpu' names an "
                r"unknown device \(known: testdev\)$")
    t.expect(r, r"^vm nomodule: refused: module 'nope\.bin' is not among "
                r"the boot modules$")
    vm_status(t, r, "fine", 0, "exit hypercall")
    t.expect(r, r"^hv: all VMs stopped: 1 of 1 with status 0, 4 refused$")
    t.check(r.status == 1, "hvrun status %d" % r.status)


@test
def bochs_vm_reset_ports(t):
    """A guest resets its VM through 0xcf9 or the keyboard controller:
    RAM is cleared, the image reloaded, and it boots again (CPUID leaf
    0x40000001 EBX counts the resets); other VMs are not disturbed."""
    cfg = t.config("reset.cfg", "[vm cf9]\nkernel = selftest.elf\n"
                   "cmdline = reset\n"
                   "[vm kbc]\nkernel = selftest.elf\ncmdline = reset kbc\n"
                   "[vm steady]\nkernel = realmode.bin\nformat = flat\n"
                   "memory = 1M\n")
    r = t.hvrun(cfg, cpus=2)
    t.expect(r, r"^\[cf9\] selftest: first boot, resetting through port "
                r"0xcf9$", count=1)
    t.expect(r, r"^vm cf9: reset by the guest \(reset control register "
                r"0xcf9\), restart 1$", count=1)
    t.expect(r, r"^\[cf9\] selftest: booted again after 1 reset$", count=1)
    t.expect(r, r"^vm kbc: reset by the guest \(keyboard controller command "
                r"0xfe\), restart 1$", count=1)
    t.expect(r, r"^\[kbc\] selftest: booted again after 1 reset$", count=1)
    selftest_passed(t, r, "cf9")
    selftest_passed(t, r, "kbc")
    vm_status(t, r, "steady", 0, "exit hypercall")
    t.check(r.status == 0, "hvrun status %d" % r.status)
