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
import subprocess
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


def spin_figures(log, vm, kind):
    m = re.search(r"^\[%s\] spin: %s (.*)$" % (vm, kind), log, re.M)
    if not m:
        fail("no '%s' line from %s\n%s" % (kind, vm, log[-1500:]))
    return {k: int(v) for k, v in re.findall(r"(\w+) (\d+)", m.group(1))}


def config(name):
    return os.path.join(emu.ROOT, "tests", "system", "configs", name)


@bench
def scheduler():
    """Share error for weights 1:2:4, wake-up latency under load, and the
    cost of a vCPU switch."""
    out = []
    log = hvrun(config("shares.cfg"), 2, "loglevel=warn",
                os.path.join(BUILD, "shares"))
    it = {n: spin_figures(log, n, "share")["iterations"]
          for n in ("w1", "w2", "w4")}
    total = sum(it.values())
    err = max(abs(100.0 * it[n] / total - 100.0 * w / 7)
              for n, w in (("w1", 1), ("w2", 2), ("w4", 4)))
    out.append({"name": "sched.share_error_pct", "value": round(err, 2),
                "unit": "percentage points",
                "detail": "Bochs, 2 CPUs: 3 CPU-bound guests, weights 1:2:4, "
                          "on one CPU for a 300 ms window; largest |measured "
                          "- fair| share (%s)" % ", ".join(
                              "%s %.2f %%" % (n, 100.0 * it[n] / total)
                              for n in it)})
    log = hvrun(config("wakeup.cfg"), 1, "loglevel=warn",
                os.path.join(BUILD, "wakeup"))
    w = spin_figures(log, "waker", "wake")
    out.append({"name": "sched.wakeup_latency_us", "value": w["max_us"],
                "unit": "us (emulated)",
                "detail": "Bochs, 1 CPU: a halted vCPU's 2 ms timer fires "
                          "while a CPU-bound vCPU runs; worst of 20 "
                          "(average %d us)" % w["avg_us"]})
    log = hvrun(config("yield.cfg"), 2, "loglevel=warn",
                os.path.join(BUILD, "yield"))
    pair = spin_figures(log, "ping", "yield")["tsc_per_round"]
    solo = spin_figures(log, "solo", "yield")["tsc_per_round"]
    out.append({"name": "sched.switch.instructions",
                "value": (pair - 2 * solo) // 2, "unit": "instructions",
                "detail": "Bochs: two vCPUs yielding to each other on one "
                          "CPU take %d per round trip (2 yields, 2 switches); "
                          "a lone yield takes %d; per switch: (%d - 2 x %d) "
                          "/ 2. Includes VMCLEAR/VMPTRLD, XSAVE/XRSTOR and "
                          "6 MSRs each way" % (pair, solo, pair, solo)})
    return out


LINUX_CMDLINE = ("console=ttyS0,115200 quiet mitigations=off "
                 "cryptomgr.notests no_timer_check tsc=reliable")
LINUX_MEGS = 160
RUNS = 2


def exit_counts(log, vm):
    m = re.search(r"^vm %s: \d+ exits, (.*)$" % re.escape(vm), log, re.M)
    return {k.strip(): int(v) for k, v in
            re.findall(r"([^,]+?) (\d+)(?:,|$)", m.group(1))} if m else {}


@bench
def linux_boot():
    """Debian's cloud kernel from its entry to /init's first line, as a
    guest and natively, in the same Bochs (1 CPU, 512 MiB machine)."""
    linux = os.path.join(emu.ROOT, "build", "linux")
    kernel = os.path.join(linux, "vmlinuz")
    initrd = os.path.join(linux, "initramfs.cpio.gz")
    wd = os.path.join(BUILD, "linux")
    os.makedirs(wd, exist_ok=True)
    init = r"^(\[linux\] )?INIT: hello from /init"

    # natively: GRUB boots the kernel (32-bit protocol, loaded at its
    # pref_address 0x1000000); a debugger breakpoint there gives the entry
    # tick, then is deleted so the rest runs at full speed. mem= gives it
    # the guest's RAM.
    iso = os.path.join(wd, "native.iso")
    subprocess.run([os.path.join(emu.ROOT, "tools", "mkiso"), "--linux",
                    "-o", iso, "--cmdline", LINUX_CMDLINE + " mem=%dM" %
                    LINUX_MEGS, kernel, initrd], check=True)
    cfg = os.path.join(emu.ROOT, "tests", "system", "configs", "linux.cfg")
    giso = emu.mkiso(os.path.join(wd, "guest.iso"), HV, "loglevel=info",
                     ["%s=linux.cfg" % cfg, kernel + "=vmlinuz",
                      initrd + "=initramfs.cpio.gz"], rescue=True)
    native_walls, guest_walls = [], []
    # wall time is the emulator's, which the host's load disturbs: each
    # side runs RUNS times, alternately, and the fastest run counts
    for i in range(RUNS):
        nat = emu.bochs(iso, os.path.join(wd, "native%d" % i), megs=512,
                        timeout=300, stop_when=r"INIT: done",
                        debugger=("pb 0x1000000", "d 1"),
                        marks={"entry": ("stdout.txt", r"Breakpoint 1,"),
                               "init": ("serial.txt", init)})
        out = emu._read(os.path.join(wd, "native%d" % i, "stdout.txt"))
        m = re.search(r"Breakpoint 1, .*\nNext at t=(\d+)", out)
        tsc = re.search(r"^INIT: tsc (\d+)$", nat.serial, re.M)
        if not m or not tsc or len(nat.marks) != 2:
            fail("native Linux boot: no entry breakpoint or marker", nat)
        native_insns = int(tsc.group(1)) - int(m.group(1))
        native_walls.append(nat.marks["init"] - nat.marks["entry"])

        # as a guest: from the VM's start (its TSC is 0 there) to the marker
        g = emu.bochs(giso, os.path.join(wd, "guest%d" % i), megs=512,
                      timeout=300, stop_when=r"^hv: all VMs stopped",
                      marks={"entry": ("serial.txt", r"^vm linux: started"),
                             "init": ("serial.txt", init)})
        gtsc = re.search(r"^\[linux\] INIT: tsc (\d+)$", g.serial, re.M)
        exits = exit_counts(g.serial, "linux")
        if not gtsc or len(g.marks) != 2 or not exits:
            fail("Linux guest boot: no start, marker or exit counts", g)
        guest_insns = int(gtsc.group(1))
        guest_walls.append(g.marks["init"] - g.marks["entry"])
    native_wall, guest_wall = min(native_walls), min(guest_walls)
    devices = re.search(r"^vm linux: device accesses: (.*)$", g.serial, re.M)
    by_reason = ", ".join("%s %d" % kv for kv in
                          sorted(exits.items(), key=lambda kv: -kv[1]))
    same = ("Bochs corei7_haswell_4770, 1 CPU, 512 MiB; kernel %s, cmdline "
            "'%s'; native: GRUB boots it with mem=%dM, entry at tick %s "
            "(debugger breakpoint); guest: %d MiB VM, 1 vCPU" % (
                emu._read(os.path.join(linux, "VERSION")).strip(),
                LINUX_CMDLINE, LINUX_MEGS, m.group(1), LINUX_MEGS))
    return [
        {"name": "linux.boot.ratio_instructions",
         "value": round(guest_insns / native_insns, 3), "unit": "x",
         "detail": "%s. Instructions (Bochs TSC) from kernel entry to "
                   "/init's marker: guest %d (hypervisor work included), "
                   "native %d. Guest exits by reason: %s" % (
                       same, guest_insns, native_insns, by_reason)},
        {"name": "linux.boot.ratio_wall",
         "value": round(guest_wall / native_wall, 3), "unit": "x",
         "detail": "%s. Wall time from kernel entry (native: breakpoint "
                   "hit; guest: 'vm linux: started') to the marker on the "
                   "serial log, polled every 20 ms; fastest of %d runs "
                   "each: guest %.2f s (runs: %s), native %.2f s (runs: %s)"
                   % (same, RUNS, guest_wall, ", ".join(
                       "%.2f" % w for w in guest_walls), native_wall,
                      ", ".join("%.2f" % w for w in native_walls))},
        {"name": "linux.boot.exits", "value": sum(exits.values()),
         "unit": "exits", "detail": "by reason: %s; by device: %s" % (
             by_reason, devices.group(1) if devices else "?")},
    ]


def main(argv):
    """`run.py [NAME...]`: only the benchmarks whose function name holds a
    NAME; their figures replace the same-named ones in results.json."""
    path = os.path.join(HERE, "results.json")
    results = []
    if argv and os.path.exists(path):
        with open(path) as f:
            results = json.load(f)
    new = []
    for b in BENCHES:
        if not argv or any(a in b.__name__ for a in argv):
            new += b()
    names = {r["name"] for r in new}
    results = [r for r in results if r["name"] not in names] + new
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
    main(sys.argv[1:])
