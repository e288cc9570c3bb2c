#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`make bench`: runs every benchmark, prints a table and writes all
figures to bench/results.json as a list of {name, value, unit, detail}.

Bochs' TSC advances one tick per retired instruction (clock: sync=none),
so TSC differences read inside Bochs are instruction counts: repeatable
figures that do not depend on the load of the machine running Bochs.
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
import emu  # noqa: E402

BUILD = os.path.join(emu.ROOT, "build", "bench")
HV = os.path.join(emu.ROOT, "build", "hv.elf")
BENCHES = []


def bench(fn):
    BENCHES.append(fn)
    return fn


def fail(msg, run=None):
    tail = "\n" + run.tail() if run else ""
    raise SystemExit("bench: " + msg + tail)


@bench
def boot_cost():
    """Instructions from the multiboot2 entry to all CPUs in VMX root."""
    os.makedirs(BUILD, exist_ok=True)
    # console=e9: a 16550 at 115200 baud costs ~87 us of emulated time per
    # character, which would measure the UART, not the hypervisor.
    iso = emu.mkiso(os.path.join(BUILD, "boot.iso"), HV,
                    "console=e9 loglevel=warn")
    out = []
    for cpus in (1, 4):
        r = emu.bochs(iso, os.path.join(BUILD, "boot%d" % cpus), cpus=cpus)
        m = re.search(r"hv: all (\d+) CPUs in VMX root mode, (\d+) TSC "
                      r"cycles after entry", r.e9)
        if not m or int(m.group(1)) != cpus:
            fail("no VMX-root line for %d CPUs" % cpus, r)
        out.append({
            "name": "boot.instructions.cpus%d" % cpus,
            "value": int(m.group(2)),
            "unit": "instructions",
            "detail": "Bochs corei7_haswell_4770, %d CPU%s: boot CPU's TSC "
                      "from the first entry instruction to seeing every CPU "
                      "in VMX root (includes the 5 ms PIT calibration of the "
                      "TSC; console=e9)" % (cpus, "s" if cpus > 1 else ""),
        })
    return out


def hvrun(config, cpus, cmdline, workdir):
    """Runs tools/hvrun quietly; returns the serial log."""
    import subprocess
    subprocess.run([sys.executable, os.path.join(emu.ROOT, "tools", "hvrun"),
                    config, "--cpus", str(cpus), "--cmdline", cmdline,
                    "--workdir", workdir, "--quiet", "--timeout", "300"],
                   check=False, capture_output=True)
    return emu._read(os.path.join(workdir, "run", "serial.txt"))


@bench
def exit_round_trips():
    """Host instructions per VM-exit round trip, seen from the guest."""
    cfg = os.path.join(emu.ROOT, "tests", "system", "configs", "bench.cfg")
    log = hvrun(cfg, 1, "loglevel=warn", os.path.join(BUILD, "exits"))
    names = {"cpuid": "CPUID", "vmcall": "VMCALL (unknown call number)",
             "io_unclaimed": "IN from an unclaimed port",
             "mmio": "32-bit MOV store to the test device (EPT violation, "
                     "decode, device)"}
    out = []
    for key, what in names.items():
        m = re.search(r"^\[bench\] bench: %s (\d+)$" % key, log, re.M)
        if not m:
            fail("no bench line for " + key + "\n" + log[-1500:])
        out.append({"name": "exit.%s.instructions" % key,
                    "value": int(m.group(1)), "unit": "instructions",
                    "detail": "Bochs corei7_haswell_4770: %s; (TSC of 2000 "
                              "exiting iterations - 2000 NOPs) / 2000" % what})
    return out


def main():
    results = []
    for b in BENCHES:
        results += b()
    with open(os.path.join(HERE, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    w = max(len(r["name"]) for r in results)
    print("%-*s %14s  %s" % (w, "benchmark", "value", "unit"))
    for r in results:
        print("%-*s %14s  %s" % (w, r["name"], format(r["value"], ","),
                                 r["unit"]))
    print("written to bench/results.json")


if __name__ == "__main__":
    main()
