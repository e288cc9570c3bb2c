# SPDX-License-Identifier: MIT
"""Issue 7: VT-d. In QEMU TCG (no VT-x) with an emulated VT-d unit and the
edu device, iommu=selftest shows DMA remapping, fault reporting and
interrupt remapping working, before the usual refusal."""
import os
import re
import struct

from harness import test
from test_boot import REFUSAL

IOMMU = ["-device", "intel-iommu,intremap=on", "-device", "edu"]


def selftest(t, cmdline, extra, machine="q35"):
    r = t.qemu(t.iso("loglevel=info " + cmdline), machine=machine, smp=2,
               extra=extra, timeout=60)
    t.ended_by_itself(r)
    t.check(r.status == 3, "QEMU exit status %s" % r.status)
    t.expect(r, REFUSAL, count=1)  # the self-test does not need VT-x
    return r


def edu_bdf(t, r):
    line = t.expect(r, r"^vtd: selftest: edu ([0-9a-f:.]+) in domain \d+$",
                    count=1)[0]
    return line.split()[3]


def dma_checks(t, r):
    bdf = edu_bdf(t, r)
    t.expect(r, r"^vtd: selftest: DMA through the domain: IOVA 0xff00000 -> "
                r"edu -> IOVA 0xff01000 \(physical 0x[0-9a-f]+\): 2048 "
                r"bytes intact$")
    blocked = t.expect(r, r"^vtd: selftest: DMA to unmapped IOVA "
                          r"(0x[0-9a-f]+) blocked, memory unchanged, fault "
                          r"reported$", count=1)[0]
    iova = re.search(r"IOVA (0x[0-9a-f]+)", blocked).group(1)
    # each blocked DMA was reported with edu's source ID, its address and
    # the reason, by the fault-event interrupt
    faults = t.expect(r, r"^vtd: DMA fault: ", count=2)
    for line, addr in zip(faults, (iova, "0xff01000")):
        t.check(line == "vtd: DMA fault: source %s, write at %s: reason "
                "0x5, write to a page without write permission"
                % (bdf, addr), line)
    t.expect(r, r"^vtd: selftest: IOVA 0xff01000 unmapped and invalidated: "
                r"the next DMA there blocked$", count=1)
    t.expect(r, r"^vtd: selftest: passed$", count=1)
    t.refute(r, r"FAILED")


@test
def qemu_vtd_selftest_queued_invalidation_and_msi(t):
    """3-level tables (QEMU's default 39-bit width), the invalidation
    queue, interrupt remapping: edu's MSI follows its table entry."""
    r = selftest(t, "iommu=selftest", IOMMU)
    t.expect(r, r"^vtd: DMA remapping on in 1 unit \(3-level tables, queued "
                r"invalidation\), interrupt remapping on; every device is "
                r"blocked until a VM owns it$", count=1)
    t.expect(r, r"^pci: \d+ functions \(configuration through ECAM\)$")
    dma_checks(t, r)
    t.expect(r, r"^vtd: selftest: MSI from edu \(remappable format, handle "
                r"\d+\) arrived as vector 0xf4, then as 0xf5 after the entry "
                r"was rewritten$", count=1)


@test
def qemu_vtd_selftest_register_invalidation(t):
    """4-level tables (aw-bits=48) and register-based invalidation; no
    interrupt remapping without the queue."""
    r = selftest(t, "iommu=selftest-noqi",
                 ["-device", "intel-iommu,intremap=on,aw-bits=48", "-device",
                  "edu"])
    t.expect(r, r"^vtd: DMA remapping on in 1 unit \(4-level tables, "
                r"register-based invalidation\), interrupt remapping off;",
             count=1)
    dma_checks(t, r)
    t.expect(r, r"^vtd: selftest: interrupt remapping off: MSI check skipped$")


@test
def qemu_vtd_absent_or_malformed(t):
    """No DMAR: said so, and the self-test fails by name. A malformed DMAR
    (a DRHD whose register base is 0): refused, remapping left off loudly."""
    r = selftest(t, "iommu=selftest", ["-device", "edu"], machine="pc")
    t.expect(r, r"^vtd: no DMAR table: no IOMMU to confine device DMA$")
    # no MCFG on the pc machine: configuration through the ports
    t.expect(r, r"^pci: \d+ functions \(configuration through ports "
                r"0xcf8/0xcfc\)$", count=1)
    t.expect(r, r"^vtd: selftest: FAILED: DMA remapping is off$", count=1)

    # QEMU builds the ACPI header (signature, length, checksum) around
    # this body: HAW 38, flags 1, then a DRHD (INCLUDE_PCI_ALL) at 0.
    body = struct.pack("<BB10x", 38, 1) + struct.pack("<HHBBHQ", 0, 16, 1,
                                                      0, 0, 0)
    path = os.path.join(t.dir, "dmar.bin")
    with open(path, "wb") as f:
        f.write(body)
    r = selftest(t, "iommu=selftest", ["-device", "edu", "-acpitable",
                                       "sig=DMAR,rev=1,data=" + path],
                 machine="q35")
    t.expect(r, r"^acpi: .*DMAR yes")
    t.expect(r, r"^dmar: DRHD at offset 48: .*", count=1)
    t.expect(r, r"^vtd: WARNING: DMA remapping left OFF: devices can reach "
                r"all memory$", count=1)
    t.expect(r, r"^vtd: selftest: FAILED: DMA remapping is off$", count=1)


@test
def bochs_passthrough_refused_without_iommu(t):
    """Bochs has no VT-d: a VM that asks for a PCI device is refused by
    name (its DMA could not be confined); the other VM runs on."""
    cfg = t.config("pt.cfg", "[vm owner]\nkernel = selftest.elf\n"
                   "pci = 00:01.0\n\n[vm other]\nkernel = selftest.elf\n"
                   "\n[vm twice]\nkernel = selftest.elf\n"
                   "pci = 00:01.0, 00:01.0\n")
    r = t.hvrun(cfg, cpus=1)
    t.check(r.status == 1, "hvrun status %s, expected 1" % r.status)
    t.expect(r, r"^vtd: no DMAR table: no IOMMU to confine device DMA$")
    t.expect(r, r"^vm owner: refused: cannot pass 00:01\.0 through: no DMA "
                r"remapping \(VT-d off or absent\), and without it the "
                r"device could reach all memory$", count=1)
    t.expect(r, r"^vm twice: refused: pt\.cfg:10: pci: '00:01\.0, 00:01\.0' "
                r"names a PCI function twice$", count=1)
    t.expect(r, r"^vm other: stopped, status 0", count=1)
    t.expect(r, r"^hv: all VMs stopped: 1 of 1 with status 0, 2 refused$")


@test
def bochs_passthrough_config_space_and_bar(t):
    """Passthrough's guest side, in Bochs (no VT-d, so only with testhooks,
    which says loudly that DMA is then not confined): Bochs' USB OHCI
    controller, owned by one VM, appears on its bus at 00:08.0 with its
    own IDs and class; its BAR sizes and is placed where the guest wants
    (not where the host has it), and the controller's registers answer
    there through EPT. Another VM does not see it; a third may not have
    it."""
    cfg = t.config("pt.cfg", "[vm pt]\nkernel = selftest.elf\ncmdline = pt\n"
                   "pci = 00:02.0\n\n[vm other]\nkernel = selftest.elf\n"
                   "cmdline = nopt\n\n[vm thief]\nkernel = selftest.elf\n"
                   "pci = 00:02.0\n")
    r = t.hvrun(cfg, cpus=2, cmdline="loglevel=debug testhooks",
                extra=["--pci-ohci"])
    t.expect(r, r"^pci: 00:02\.0 11c1:5803 class 0c0310$", count=1)
    t.expect(r, r"^vm pt: owns 00:02\.0 \(11c1:5803\) as 00:08\.0, DMA NOT "
                r"confined \(testhooks, no VT-d\)", count=1)
    t.expect(r, r"^vm thief: refused: cannot pass 00:02\.0 through: another "
                r"VM owns it$", count=1)
    for check in ("device-at-00:08.0", "class-is-the-devices",
                  "no-intx-no-rom", "bar0-sizes-4K", "bar0-placed",
                  "command-memory-on", "ohci-revision-1.0",
                  "ohci-register-write-reads-back", "bar-over-ram-stays-ram"):
        t.expect(r, r"^\[pt\] pt\.%s: ok$" % re.escape(check), count=1)
    t.expect(r, r"^\[other\] pt\.absent-from-other-vms: ok$", count=1)
    t.refute(r, r"pt\..*FAIL")
    t.expect(r, r"^vm pt: BAR0 of 00:02\.0: host 0x[0-9a-f]+, 4 KiB, at "
                r"guest 0xd0000000: mapped$", count=1)
    # moved over its RAM, then decoding off: never mapped there
    t.expect(r, r"^vm pt: BAR0 of 00:02\.0: .* at guest 0x800000: "
                r"unmapped$", count=2)
    # the guest moved the BAR over its RAM: refused, and said
    t.expect(r, r"^vm pt: BAR0 of 00:02\.0 at guest 0x800000 overlaps its RAM "
                r"or a device: left unmapped$", count=1)
    t.expect(r, r"^hv: all VMs stopped: 2 of 2 with status 0, 1 refused$")
