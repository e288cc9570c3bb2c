#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""pgreport [--out DIR] [--cpus N] [--model M]: the Popek-Goldberg study.

Boots the study guest (guests/pgstudy) twice side by side in Bochs through
tools/hvrun: once under the hypervisor's default VMX controls, once under
the strictest (controls = strict). Reads the rows the guests print and
writes DIR/pg-report.md and DIR/pg-report.csv (DIR: build/). Nothing in
the report comes from anywhere but this run; see docs/popek-goldberg.md
for what each column means and how it is measured.

Exit status 0 when both VMs ran to the end and every row was there.
"""
import argparse
import csv
import io
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = os.path.join(ROOT, "tests", "system", "configs", "pg.cfg")

EXIT_NAMES = {
    "10": "CPUID", "12": "HLT", "14": "INVLPG", "16": "RDTSC",
    "28": "CR access", "30": "I/O", "31": "RDMSR", "32": "WRMSR",
    "46": "GDTR/IDTR access", "47": "LDTR/TR access", "54": "WBINVD",
}

# Control sensitivity is what an instruction does, by the definition of
# Popek and Goldberg (it changes the processor's mode or the resources
# available to the program); it cannot be seen in a result. Behaviour
# sensitivity is measured (the "differs" field) where the instruction
# does not trap at ring 3; where it traps, the reason it is sensitive is
# named here.
CONTROL = {
    "HLT", "LGDT", "LIDT", "MOV-to-CR0", "MOV-to-CR3", "MOV-to-CR4",
    "WRMSR", "OUT", "INVLPG", "CLTS", "CLI", "STI", "POPF-IF", "POPF-IOPL",
    "CALL-far", "JMP-far", "RET-far", "IRET",
}
BEHAVIOUR_BY_DEFINITION = {
    "RDMSR": "reads machine state", "IN": "reads a device",
    "CPUID": "reports the real CPU",
}

ROW = re.compile(r"pg\|(default|strict)\|(32|64)\|([^|]+)\|ring3=([^|]+)\|"
                 r"differs=([^|]+)\|exits=([^|]+)\|native=([^|]+)\|(.*)$")


def parse(text):
    """{(controls, mode, insn): fields} from a run's console output."""
    rows = {}
    for line in text.splitlines():
        m = ROW.search(line)
        if m:
            c, mode, insn, r3, differs, exits, native, note = m.groups()
            rows[(c, mode, insn)] = dict(ring3=r3, differs=differs,
                                         exits=exits, native=native,
                                         note=note.strip())
    return rows


def exits_text(exits):
    if exits in ("none", "-"):
        return "no" if exits == "none" else "-"
    return ", ".join("%s (%s)" % (EXIT_NAMES.get(e, "reason " + e), e)
                     for e in exits.split(","))


def classify(insn, mode, d, s):
    """The table's columns for one instruction from its two rows."""
    if d["ring3"] == "#UD" and d["native"] == "yes":
        return [insn, mode + "-bit", "n/a", "n/a", "#UD at every ring",
                exits_text(d["exits"]), exits_text(s["exits"]),
                "does not exist in %s-bit mode" % mode]
    trapped = d["ring3"] not in ("none", "-")
    privileged = "yes (%s at ring 3)" % d["ring3"] if trapped else "no"
    sens = []
    if insn in CONTROL:
        sens.append("control")
    if d["differs"] == "yes":
        sens.append("behaviour (measured: %s)" % d["note"])
    elif insn in BEHAVIOUR_BY_DEFINITION:
        sens.append("behaviour (%s)" % BEHAVIOUR_BY_DEFINITION[insn])
    elif insn.endswith("-UMIP"):
        sens.append("behaviour (reveals the real %s; see the row without "
                    "UMIP)" % ("MSW" if insn.startswith("SMSW") else
                               "table or selector"))
    sensitive = ", ".join(sens) if sens else "no"
    if trapped and insn.endswith("-UMIP"):
        verdict = "privileged once CR4.UMIP is set: trap-and-emulate works"
    elif trapped:
        verdict = "privileged: trap-and-emulate works"
    elif sens:
        verdict = "sensitive but unprivileged: breaks Popek-Goldberg " \
                  "on classic x86"
        if d["native"] == "yes":
            verdict += "; VT-x: runs at the guest's real ring 0 and shows " \
                       "the guest its own state"
        if d["exits"] not in ("none", "-"):
            verdict += "; VT-x exits on it even under the default controls"
        elif s["exits"] not in ("none", "-"):
            verdict += "; strict controls trap it"
    else:
        verdict = "innocuous"
    return [insn, mode + "-bit", privileged, sensitive,
            "yes (%s)" % d["ring3"] if trapped else "no",
            exits_text(d["exits"]), exits_text(s["exits"]), verdict]


HEADER = ["instruction", "mode", "privileged?", "sensitive (control or behaviour)",
          "traps at ring 3?", "VM exit, default controls",
          "VM exit, strict controls", "verdict"]


def table(rows):
    """The report's rows: 32-bit, then 64-bit, each in the order the
    guest measured them; settings and unmeasurable rows as notes."""
    out, notes = [], []
    for want in ("32", "64"):
        for (c, mode, insn), d in rows.items():
            if c != "default" or mode != want:
                continue
            s = rows.get(("strict", mode, insn))
            if s is None:
                raise SystemExit("pgreport: no strict row for %s (%s-bit)"
                                 % (insn, mode))
            if d["exits"] == "-":
                notes.append("%s (%s-bit): %s%s" % (
                    insn, mode, "" if d["ring3"] == "-" else
                    "traps at ring 3: %s; " % d["ring3"], d["note"]))
                continue
            out.append(classify(insn, mode, d, s))
    return out, notes


def markdown(out, notes, where):
    lines = ["# The Popek-Goldberg study, as measured", "",
             "Measured %s. Columns: docs/popek-goldberg.md." % where, "",
             "| " + " | ".join(HEADER) + " |",
             "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(r) + " |" for r in out]
    if notes:
        lines += ["", "Rows that could not be measured here, or other "
                  "settings:", ""] + ["- " + n for n in notes]
    return "\n".join(lines) + "\n"


def write(out, notes, outdir, where):
    os.makedirs(outdir, exist_ok=True)
    md = markdown(out, notes, where)
    with open(os.path.join(outdir, "pg-report.md"), "w") as f:
        f.write(md)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(HEADER)
    w.writerows(out)
    with open(os.path.join(outdir, "pg-report.csv"), "w") as f:
        f.write(buf.getvalue())
    return md


def run(workdir, cpus, model):
    p = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "hvrun"),
                        CONFIG, "--cpus", str(cpus), "--workdir", workdir,
                        "--model", model, "--quiet", "--timeout", "300"])
    with open(os.path.join(workdir, "run", "serial.txt"), errors="replace") as f:
        return p.returncode, f.read()


def main(argv):
    ap = argparse.ArgumentParser(prog="pgreport")
    ap.add_argument("--out", default=os.path.join(ROOT, "build"))
    ap.add_argument("--cpus", type=int, default=2)
    # Ice Lake: the Bochs model with UMIP, so those rows are measured too
    ap.add_argument("--model", default="corei7_icelake_u",
                    help="Bochs CPU model")
    a = ap.parse_args(argv)
    status, text = run(os.path.join(a.out, "pgrun"), a.cpus, a.model)
    rows = parse(text)
    if status != 0 or not rows:
        print("pgreport: the study run failed (hvrun status %d); see %s"
              % (status, os.path.join(a.out, "pgrun", "run", "serial.txt")),
              file=sys.stderr)
        return 1
    out, notes = table(rows)
    print(write(out, notes, a.out, "in Bochs (%s), %d rows" %
                (a.model, len(out))), end="")
    print("pgreport: wrote %s and %s" % (os.path.join(a.out, "pg-report.md"),
                                        os.path.join(a.out, "pg-report.csv")),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
