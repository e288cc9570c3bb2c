# SPDX-License-Identifier: MIT
"""Issue 5: the virtual PC's devices, as an OS drives them."""
import datetime
import re

from harness import test
from test_vms import selftest_passed, vm_status


@test
def bochs_platform_devices(t):
    r = t.hvrun("platform.cfg", cpus=2)
    t.check(r.status == 0, "hvrun status %d" % r.status)
    t.refute(r, r"^\[platform\] .*FAIL")
    # both boots ran every check; the reset restarted that VM only
    t.expect(r, r"^\[platform\] platform: 28 checks, 0 failed$", count=2)
    t.expect(r, r"^\[platform\] platform: boot 1$", count=1)
    t.expect(r, r"^\[platform\] platform: boot 2$", count=1)
    t.expect(r, r"^vm platform: reset by the guest \(reset control register "
                r"0xcf9\), restart 1$", count=1)
    for name in ("pic.pit-ticks-100ms", "ioapic.pit-pin2-100ms",
                 "ioapic.rtc-level-1024hz-100ms", "ioapic.remote-irr-clear",
                 "rtc.second-is-1000ms", "pci.host-bridge-q35",
                 "pci.nothing-else-on-bus-0", "fwcfg.signature",
                 "acpi.table-checksums", "acpi.madt-1-cpu-1-ioapic",
                 "acpi.pm-timer-3579545hz", "acpi.fadt-reset-reg"):
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
