# SPDX-License-Identifier: MIT
"""Issue 5: Debian's cloud kernel as an unmodified guest (guests/linux/init
prints the INIT: lines; tools/fetch-linux and tools/mkinitramfs.py make
the image)."""
import re

from harness import test
from test_vms import selftest_passed, vm_status

INIT_CHECKS = ("timer ok", "shell ok", "done")


def linux_ran(t, r, vm, cpus, memory_mb):
    """The guest reached /init, saw its machine as configured, and powered
    the VM off through ACPI S5."""
    p = re.escape(vm)
    t.expect(r, r"^\[%s\] INIT: hello from /init$" % p, count=1)
    t.refute(r, r"^\[%s\] INIT: .*FAIL" % p)
    t.refute(r, r"^\[%s\] .*(Kernel panic|BUG:|WARNING:|Oops)" % p)
    t.expect(r, r"^\[%s\] INIT: cpus %d$" % (p, cpus), count=1)
    for what in INIT_CHECKS:
        t.expect(r, r"^\[%s\] INIT: %s$" % (p, what), count=1)
    t.expect(r, r"^\[%s\] INIT: uname \d+\.\d+\.\d+-\d+-cloud-amd64$" % p,
             count=1)
    # MemTotal: the VM's RAM less what the kernel keeps (its image, the
    # page tables, the reserved low memory): between 60 and 100 %
    kb = int(re.search(r"memory (\d+) kB", t.expect(
        r, r"^\[%s\] INIT: memory \d+ kB$" % p, count=1)[0]).group(1))
    t.check(memory_mb * 1024 * 0.6 < kb <= memory_mb * 1024,
            "%s: MemTotal %d kB of %d MiB" % (vm, kb, memory_mb))
    vm_status(t, r, vm, 0, r"ACPI S5 power off$")


@test
def bochs_linux_boots_to_init(t):
    r = t.hvrun("linux.cfg", cpus=1, timeout=600)
    t.check(r.status == 0, "hvrun status %d" % r.status)
    linux_ran(t, r, "linux", 1, 160)
    t.expect(r, r"^vm linux: created: 160 MiB RAM at host 0x[0-9a-f]+, "
                r"1 vCPU, Linux bzImage image vmlinuz, entry 0x1000200$",
             count=1)


@test
def bochs_two_linux_guests_and_selftest(t):
    r = t.hvrun("linux2.cfg", cpus=2, timeout=900)
    t.check(r.status == 0, "hvrun status %d" % r.status)
    linux_ran(t, r, "linux-smp", 2, 160)
    t.expect(r, r"^\[linux-smp\] INIT: cpus ok$", count=1)
    linux_ran(t, r, "linux-up", 1, 160)
    t.expect(r, r"^\[linux-up\] INIT: cpus ok$", count=1)
    selftest_passed(t, r, "selftest")
    t.expect(r, r"^hv: all VMs stopped: 3 of 3 with status 0, 0 refused$",
             count=1)
