# SPDX-License-Identifier: MIT
"""Issue 6: UEFI. GRUB's EFI build through multiboot2, and hv.efi started
by the firmware or chainloaded by GRUB, in QEMU TCG + OVMF (no VT-x: each
run must reach the same point as a BIOS boot, every CPU started, and end
with the refusal)."""
import os
import re

from harness import CONFIGS, test
from test_boot import REFUSAL

CONFIG = os.path.join(CONFIGS, "uefi.cfg")
# Odd sizes, so that a right answer is no coincidence.
MEM_MIB, CPUS = 384, 3
# OVMF's map leaves out 0xa0000-0xfffff (VGA window and option ROMs): all
# RAM QEMU gives the machine but those 384 KiB is in it.
RAM_KIB = MEM_MIB * 1024 - 384

FIRMWARE = (r"hv\.efi: firmware: (?P<vendor>.*); memory map: (?P<descs>\d+) "
            r"descriptors, (?P<kib>\d+) KiB; ACPI RSDP at (?P<rsdp>0x[0-9a-f]+)"
            r"; (?P<cpus>\d+) CPUs \(MP services\)")
BOOT_INFO = (r"^boot: UEFI firmware(?: \((?P<vendor>.*)\))?, memory map "
             r"(?P<kib>\d+) KiB in (?P<ranges>\d+) ranges \(EFI; "
             r"(?P<usable>\d+) KiB usable\), RSDP "
             r"at (?P<rsdp>0x[0-9a-f]+) \(revision 2\), CPUs counted by the "
             r"firmware: (?P<cpus>\w+)$")


def fields(t, run, pattern):
    line = t.expect(run, pattern, count=1)[0]
    return re.search(pattern, line).groupdict()


def reached_the_refusal(t, r, door):
    """The same end as the BIOS path: memory, ACPI, every CPU, refusal."""
    t.ended_by_itself(r)
    t.check(r.status == 3, "QEMU exit status %s, expected 3" % r.status)
    t.expect(r, r"^hv: microhypervisor .*, booted through %s" % door, count=1)
    t.expect(r, r"^mem: \d+ MiB usable, .* image 0x200000-")
    t.expect(r, r"^acpi: RSDP revision 2, XSDT at 0x[0-9a-f]+, \d+ tables")
    t.expect(r, r"^acpi: MADT: %d CPUs \(0 skipped\), 1 IOAPICs" % CPUS)
    t.expect(r, r"^smp: %d CPUs online" % CPUS, count=1)
    line = t.expect(r, REFUSAL, count=1)[0]
    t.check("[%d of %d CPUs]" % (CPUS, CPUS) in line, line)


def uefi(t, disk, **kw):
    return t.qemu(None, disk=disk, uefi=True, smp=CPUS, mem=MEM_MIB,
                  timeout=kw.pop("timeout", 60), **kw)


@test
def qemu_uefi_both_doors_match_the_firmware(t):
    """GRUB-EFI → multiboot2, and the firmware → hv.efi: each boot_info is
    checked field by field against what the firmware reported to hv.efi
    (and against QEMU's -m and -smp)."""
    grub = uefi(t, t.esp(CONFIG, ["selftest.elf"], cmdline="loglevel=info",
                         name="grub.img"))
    direct = uefi(t, t.esp(CONFIG, ["selftest.elf"], direct=True,
                           name="direct.img"))
    reached_the_refusal(t, grub, r"multiboot2 by GRUB")
    reached_the_refusal(t, direct, r"efi by hv\.efi$")
    for r in (grub, direct):
        t.refute(r, r"BIOS areas")

    fw = fields(t, direct, FIRMWARE)
    efi = fields(t, direct, BOOT_INFO)
    mb2 = fields(t, grub, BOOT_INFO)
    t.check(int(fw["kib"]) == RAM_KIB,
            "firmware map: %s KiB, QEMU gave %d" % (fw["kib"], RAM_KIB))
    t.check(fw["cpus"] == str(CPUS), "MP services: %s CPUs" % fw["cpus"])
    for name, got in (("hv.efi", efi), ("multiboot2", mb2)):
        t.check(got["kib"] == fw["kib"], "%s door: %s KiB of memory, the "
                "firmware reported %s" % (name, got["kib"], fw["kib"]))
        t.check(got["rsdp"] == fw["rsdp"], "%s door: RSDP %s, the firmware "
                "reported %s" % (name, got["rsdp"], fw["rsdp"]))
        t.check(int(got["ranges"]) < int(fw["descs"]),
                "%s door: %s ranges from %s descriptors: not merged" % (
                    name, got["ranges"], fw["descs"]))
    t.check(efi["cpus"] == fw["cpus"], "hv.efi door: %s CPUs, the firmware "
            "reported %s" % (efi["cpus"], fw["cpus"]))
    t.check(mb2["cpus"] == "unknown", "GRUB passes no CPU count")
    # What boot services held is usable after either exit: the doors agree.
    t.check(mb2["usable"] == efi["usable"], "usable KiB: multiboot2 %s, "
            "hv.efi %s" % (mb2["usable"], efi["usable"]))
    t.check(efi["vendor"] == fw["vendor"] and
            fw["vendor"].startswith("EDK II, UEFI 2."), efi["vendor"])
    # Both doors reach the same ACPI tables.
    xsdt = [r.lines(r"^acpi: RSDP revision 2, XSDT at")[0] for r in
            (grub, direct)]
    t.check(xsdt[0] == xsdt[1], "XSDT differs: %s" % xsdt)
    t.expect(direct, r"^boot: EFI boot services exited on attempt 1$")
    t.expect(direct, r"hv\.efi: started from \\EFI\\BOOT, command line ''")


@test
def qemu_uefi_grub_chainloads_hv_efi(t):
    """GRUB as the boot manager starts hv.efi with load options; a memory
    map that changes before ExitBootServices is retried, not fatal."""
    disk = t.esp(CONFIG, ["selftest.elf"], default=1,
                 cmdline="loglevel=info efi.stale_key=1")
    r = uefi(t, disk)
    t.expect(r, r"hv\.efi: started from \\EFI\\hv, command line "
                r"'loglevel=info'$")
    t.expect(r, r"hv\.efi: 2 files loaded; leaving boot services")
    reached_the_refusal(t, r, r"efi by hv\.efi$")
    t.expect(r, r"^hv: command line 'loglevel=info'$")
    t.expect(r, r"^boot: EFI boot services exited on attempt 2$")


RETURNED = r"BdsDxe: failed to start Boot0002 .*: (Load Error|Not Found)"


@test
def qemu_uefi_bad_config_returns_to_the_firmware(t):
    """A malformed configuration, a missing guest image and a missing
    configuration are each named on the console, and hv.efi returns to
    the firmware (whose boot manager goes on: its own line shows it)."""
    cases = [
        ("malformed", t.config("bad.cfg", "[vm a]\nkernel = selftest.elf\n"
                               "memory = lots\n"),
         [r"hv\.efi: \\EFI\\BOOT\\hv\.cfg:3: memory: 'lots' is not a size",
          r"hv\.efi: \\EFI\\BOOT\\hv\.cfg: the configuration has errors$"]),
        ("no-image", t.config("noimg.cfg", "[vm a]\nkernel = missing.elf\n"),
         [r"hv\.efi: cannot open \\EFI\\BOOT\\missing\.elf: Not Found$"]),
        ("no-config", "-",
         [r"hv\.efi: cannot open \\EFI\\BOOT\\hv\.cfg: Not Found$"]),
    ]
    for name, cfg, messages in cases:
        disk = t.esp(cfg, ["selftest.elf"], direct=True, name=name + ".img")
        r = uefi(t, disk, stop_when=RETURNED, timeout=40)
        t.check(not r.timed_out, "%s: hv.efi did not return to the "
                "firmware" % name)
        for m in messages:
            t.expect(r, m, count=1)
        t.expect(r, r"hv\.efi: not starting the hypervisor; returning to "
                    r"the firmware$", count=1)
        t.expect(r, RETURNED, count=1)
        t.refute(r, r"^hv: microhypervisor")


@test
def qemu_uefi_hybrid_iso(t):
    """`make iso`'s image boots from CD on UEFI too (GRUB-EFI from the
    ISO's EFI partition), and nothing reads the BIOS areas there."""
    r = t.qemu(t.iso("loglevel=info", rescue=True), uefi=True, smp=CPUS,
               mem=MEM_MIB, timeout=60)
    reached_the_refusal(t, r, r"multiboot2 by GRUB")
    f = fields(t, r, BOOT_INFO)
    t.check(int(f["kib"]) == RAM_KIB, "%s KiB of memory" % f["kib"])
    t.refute(r, r"BIOS areas")
