# SPDX-License-Identifier: MIT
"""Issue 5: the virtual PC's devices, as an OS drives them."""
import datetime
import json
import re

from harness import test
from test_vms import selftest_passed, vm_status


@test
def bochs_platform_devices(t):
    r = t.hvrun("platform.cfg", cpus=2)
    t.check(r.status == 0, "hvrun status %d" % r.status)
    t.refute(r, r"^\[platform\] .*FAIL")
    # both boots ran every check; the reset restarted that VM only
    t.expect(r, r"^\[platform\] platform: 30 checks, 0 failed$", count=2)
    t.expect(r, r"^\[platform\] platform: boot 1$", count=1)
    t.expect(r, r"^\[platform\] platform: boot 2$", count=1)
    t.expect(r, r"^vm platform: reset by the guest \(reset control register "
                r"0xcf9\), restart 1$", count=1)
    for name in ("pic.pit-ticks-100ms", "ioapic.pit-pin2-100ms",
                 "ioapic.rtc-level-1024hz-100ms", "ioapic.remote-irr-clear",
                 "rtc.second-is-1000ms", "pci.host-bridge-q35",
                 "pci.nothing-else-on-bus-0", "fwcfg.signature",
                 "acpi.table-checksums", "acpi.madt-1-cpu-1-ioapic",
                 "acpi.pm-timer-3579545hz", "acpi.fadt-reset-reg",
                 "uart.thre-interrupt", "uart.iir-read-acknowledges"):
        t.expect(r, r"^\[platform\] %s: ok$" % re.escape(name), count=2)
    vm_status(t, r, "platform", 0, r"ACPI S5 power off$")
    selftest_passed(t, r, "selftest")
    # the RTC starts from the machine's clock (Bochs: time0=local)
    line = t.expect(r, r"^\[platform\] rtc: date ", count=2)[0]
    seen = datetime.datetime.strptime(line.split("date ")[1],
                                      "%Y-%m-%d %H:%M:%S")
    now = datetime.datetime.now()
    t.check(abs((now - seen).total_seconds()) < 600,
            "guest RTC %s, host clock %s" % (seen, now))


@test
def bochs_console_input_follows_focus(t):
    # COM1 is a socket here: keys are typed once the lines before them show
    ctrl_a = "\x01"
    keys = [
        (r"^\[left\] echo: ready$(?s:.*)^\[right\] echo: ready$|"
         r"^\[right\] echo: ready$(?s:.*)^\[left\] echo: ready$",
         "hello\r"),
        (r"^\[left\] echo: got 'hello'", ctrl_a + "n"),
        (r"^console: input goes to vm right", "wor" + ctrl_a + ctrl_a +
         "ld\r"),
        (r"^\[right\] echo: got", "quit\r"),
        (r"^vm right: stopped", ctrl_a + "1"),
        (r"^console: input goes to vm left", "quit\r"),
    ]
    path = t.config("keys.json", json.dumps(keys))
    r = t.hvrun("echo.cfg", cpus=2, extra=["--keys", path], timeout=120)
    t.check(r.status == 0, "hvrun status %d" % r.status)
    t.expect(r, r"^console: input to the VMs \(Ctrl-A n: next VM\) by "
                r"interrupt$", count=1)
    # each line went to the VM with the focus only; Ctrl-A Ctrl-A is one
    # Ctrl-A for the VM
    t.expect(r, r"^\[left\] echo: got 'hello' \(\d+ interrupts\)$", count=1)
    t.expect(r, r"^\[right\] echo: got 'wor\x01ld' \(\d+ interrupts\)$",
             count=1)
    t.expect(r, r"^\[left\] echo: got 'quit'", count=1)
    t.expect(r, r"^\[right\] echo: got 'quit'", count=1)
    t.refute(r, r"^\[left\] echo: got 'wor")
    t.refute(r, r"^\[right\] echo: got 'hello'")
    t.expect(r, r"^console: input goes to vm right \(Ctrl-A n: next\)$",
             count=1)
    t.expect(r, r"^console: input goes to vm left \(Ctrl-A n: next\)$",
             count=1)
    for vm in ("left", "right"):
        vm_status(t, r, vm, 0, "exit hypercall$")


@test
def bochs_apic_trap_path(t):
    """apicv=off: the same guests with every local APIC access trapped and
    emulated (the path for CPUs without APIC virtualization)."""
    cfg = t.config("trap.cfg", "[vm platform]\nkernel = platform.elf\n"
                   "memory = 8M\ncmdline = poweroff\n"
                   "[vm smp]\nkernel = smp.elf\nvcpus = 2\n"
                   "[vm selftest]\nkernel = selftest.elf\ndevices = testdev\n"
                   "cmdline = mmio\n")
    r = t.hvrun(cfg, cpus=2, cmdline="loglevel=info apicv=off")
    t.check(r.status == 0, "hvrun status %d" % r.status)
    t.expect(r, r"^vmx: guests' local APICs trapped \(apicv=off\)$", count=1)
    t.refute(r, r"FAIL")
    t.expect(r, r"^\[platform\] platform: 30 checks, 0 failed$", count=1)
    vm_status(t, r, "platform", 0, r"ACPI S5 power off$")
    t.expect(r, r"^\[smp\] smp\.fixed-ipis-both-ways: ok$", count=1)
    selftest_passed(t, r, "selftest")
    # the LAPIC page: enabling it and two EOIs, all EPT violations
    t.expect(r, r"^vm selftest: \d+ exits, .*EPT violation 17, "
                r"(?!.*APIC write)", count=1)
    t.refute(r, r"^vm \w+: \d+ exits, .*(virtualized EOI|APIC write|"
                r"APIC access)")
