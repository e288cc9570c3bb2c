# SPDX-License-Identifier: MIT
"""Issue 8: the Popek-Goldberg study, measured in a fresh Bochs run: the
study guest under default and strict VMX controls side by side, its rows
turned into the report by tools/pgreport.py."""
import os
import sys

from harness import CONFIGS, test

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..",
                                "tools"))
import pgreport  # noqa: E402

PROBES = ["HLT", "LGDT", "LIDT", "MOV-to-CR0", "MOV-to-CR3", "MOV-to-CR4",
          "RDMSR", "WRMSR", "IN", "OUT", "INVLPG", "CLTS", "CLI", "STI",
          "SGDT", "SIDT", "SLDT", "STR", "SMSW", "PUSHF", "POPF-IF",
          "POPF-IOPL", "LAR", "LSL", "VERR", "VERW", "PUSH-CS",
          "MOV-from-SS", "CALL-far", "JMP-far", "RET-far", "IRET", "CPUID",
          "RDTSC"]


@test
def bochs_popek_goldberg_study(t):
    r = t.hvrun(os.path.join(CONFIGS, "pg.cfg"), cpus=2)
    t.check(r.status == 0, "hvrun status %s" % r.status)
    rows = pgreport.parse(r.serial)

    def row(insn, controls="default", mode="32"):
        t.check((controls, mode, insn) in rows,
                "no %s %s-bit row for %s" % (controls, mode, insn))
        return rows[(controls, mode, insn)]

    for insn in PROBES:
        for c in ("default", "strict"):
            got = row(insn, c)
            # at the VM's own ring 0 every instruction runs as on hardware
            t.check(got["native"] == "yes", "%s %s: %s" % (c, insn, got))
        # ring 3 does not depend on the VMX controls
        t.check(row(insn)["ring3"] == row(insn, "strict")["ring3"], insn)

    # POPF at ring 3 silently fails to change IF (and IOPL); IRET too
    for insn in ("POPF-IF", "POPF-IOPL", "IRET"):
        t.check(row(insn)["ring3"] == "none" and row(insn)["differs"] ==
                "yes", "%s: %s" % (insn, row(insn)))
    # the sensitive-unprivileged ones do not trap at ring 3 and show the
    # real machine instead of the kernel's
    for insn in ("SGDT", "SIDT", "SLDT", "STR", "SMSW", "PUSHF", "LAR",
                 "LSL", "VERR", "VERW", "PUSH-CS", "MOV-from-SS"):
        t.check(row(insn)["ring3"] == "none" and row(insn)["differs"] ==
                "yes", "%s: %s" % (insn, row(insn)))
    # the privileged ones trap at ring 3 with #GP
    for insn in ("HLT", "LGDT", "LIDT", "MOV-to-CR0", "MOV-to-CR3", "RDMSR",
                 "WRMSR", "IN", "OUT", "INVLPG", "CLTS", "CLI", "STI"):
        t.check(row(insn)["ring3"] == "#GP", "%s: %s" % (insn, row(insn)))
    # CPUID: no trap, the same answer at both rings, and always an exit
    t.check(row("CPUID")["ring3"] == "none" and
            row("CPUID")["differs"] == "no", str(row("CPUID")))
    for c in ("default", "strict"):
        t.check(row("CPUID", c)["exits"] == "10", str(row("CPUID", c)))
        t.check(row("HLT", c)["exits"] == "12", str(row("HLT", c)))
    # descriptor-table instructions exit only under strict controls, with
    # the descriptor-table exit reasons
    for insn, reason in (("SGDT", "46"), ("SIDT", "46"), ("LGDT", "46"),
                         ("LIDT", "46"), ("SLDT", "47"), ("STR", "47"),
                         ("RDTSC", "16"), ("INVLPG", "14"),
                         ("MOV-to-CR3", "28"), ("MOV-to-CR0", "28")):
        t.check(row(insn)["exits"] == "none", "%s default: %s" % (
            insn, row(insn)))
        t.check(row(insn, "strict")["exits"] == reason, "%s strict: %s" % (
            insn, row(insn, "strict")))
    # never trapped by VT-x, whatever the controls
    for insn in ("SMSW", "PUSHF", "POPF-IF", "LAR", "PUSH-CS", "IRET"):
        t.check(row(insn, "strict")["exits"] == "none", insn)
    # RDTSC becomes privileged at ring 3 with CR4.TSD
    t.check(row("RDTSC-TSD")["ring3"] == "#GP", str(row("RDTSC-TSD")))

    # 64-bit mode: the same story where the instruction exists
    for insn in PROBES:
        for c in ("default", "strict"):
            t.check(row(insn, c, "64")["native"] == "yes", "%s 64 %s: %s" % (
                c, insn, row(insn, c, "64")))
    t.check(row("PUSH-CS", mode="64")["ring3"] == "#UD", "PUSH CS, 64-bit")
    for insn in ("SGDT", "SIDT", "SLDT", "STR", "SMSW", "PUSHF", "POPF-IF",
                 "POPF-IOPL", "LAR", "LSL", "VERR", "VERW", "MOV-from-SS",
                 "IRET"):
        got = row(insn, mode="64")
        t.check(got["ring3"] == "none" and got["differs"] == "yes",
                "%s 64: %s" % (insn, got))
    for insn in ("HLT", "LGDT", "LIDT", "MOV-to-CR0", "RDMSR", "WRMSR", "IN",
                 "OUT", "INVLPG", "CLI", "CALL-far", "JMP-far", "RET-far"):
        t.check(row(insn, mode="64")["ring3"] == "#GP", "%s 64: %s" % (
            insn, row(insn, mode="64")))
    for insn, reason in (("SGDT", "46"), ("SIDT", "46"), ("SLDT", "47"),
                         ("STR", "47"), ("RDTSC", "16")):
        t.check(row(insn, mode="64")["exits"] == "none", insn)
        t.check(row(insn, "strict", "64")["exits"] == reason, "%s 64: %s" % (
            insn, row(insn, "strict", "64")))
    for c in ("default", "strict"):
        t.check(row("CPUID", c, "64")["exits"] == "10", "CPUID 64")

    # the hypervisor's own count of the strict VM's exits by class
    line = t.expect(r, r"^vm pg-strict: \d+ exits, ", count=1)[0]
    for cls in ("GDTR/IDTR", "LDTR/TR", "INVLPG", "RDTSC", "CR access"):
        t.check(cls in line, "%s missing: %s" % (cls, line))
    t.refute(r, r"^vm pg-default: \d+ exits, .*GDTR/IDTR")

    # the report built from this run
    out, notes = pgreport.table(rows)
    md = pgreport.write(out, notes, t.dir, "in the test")
    t.check(len(out) == 2 * len(PROBES), "%d report rows" % len(out))
    sgdt = [r_ for r_ in out if r_[0] == "SGDT"][0]
    t.check(sgdt[1] == "32-bit" and sgdt[2] == "no" and sgdt[4] == "no" and
            sgdt[6] == "GDTR/IDTR access (46)" and
            sgdt[7].startswith("sensitive but unprivileged"), str(sgdt))
    push_cs64 = [r_ for r_ in out if r_[:2] == ["PUSH-CS", "64-bit"]][0]
    t.check(push_cs64[7] == "does not exist in 64-bit mode", str(push_cs64))
    t.check("| HLT | 32-bit | yes (#GP at ring 3) |" in md, md[:400])
    t.check(any("UMIP" in n for n in notes), str(notes))
    with open(os.path.join(t.dir, "pg-report.csv")) as f:
        t.check(len(f.read().splitlines()) == 2 * len(PROBES) + 1,
                "CSV rows")


UMIP = ("SGDT", "SIDT", "SLDT", "STR", "SMSW")


@test
def bochs_popek_goldberg_umip(t):
    """On the Ice Lake model, which has UMIP: with CR4.UMIP the five
    stores that leak at ring 3 trap there instead (#GP), and still run at
    ring 0; the descriptor-table ones still exit under strict controls."""
    r = t.hvrun(os.path.join(CONFIGS, "pg.cfg"), cpus=2,
                extra=["--model", "corei7_icelake_u"])
    t.check(r.status == 0, "hvrun status %s" % r.status)
    rows = pgreport.parse(r.serial)
    t.check(("default", "32", "UMIP") not in rows, "UMIP said to be absent")
    for insn in UMIP:
        for c in ("default", "strict"):
            got = rows.get((c, "32", insn + "-UMIP"))
            t.check(got is not None, "no %s row for %s-UMIP" % (c, insn))
            t.check(got["ring3"] == "#GP" and got["native"] == "yes",
                    "%s %s-UMIP: %s" % (c, insn, got))
        # without UMIP, on the same CPU, they still leak
        t.check(rows[("default", "32", insn)]["ring3"] == "none", insn)
    t.check(rows[("strict", "32", "SGDT-UMIP")]["exits"] == "46", "SGDT")
    t.check(rows[("strict", "32", "STR-UMIP")]["exits"] == "47", "STR")
    out, _ = pgreport.table(rows)
    row = [r_ for r_ in out if r_[0] == "SGDT-UMIP"][0]
    t.check(row[7].startswith("privileged once CR4.UMIP is set"), str(row))
