# SPDX-License-Identifier: MIT
"""Issue 4: the CFS-like scheduler on SMP hosts, and SMP guests."""
import re

from harness import test


def spin_lines(t, r, vm, kind):
    line = t.expect(r, r"^\[%s\] spin: %s " % (vm, kind), count=1)[0]
    return {k: int(v) for k, v in re.findall(r"(\w+) (\d+)", line)}


def shares(t, r, names):
    it = {n: spin_lines(t, r, n, "share")["iterations"] for n in names}
    total = sum(it.values())
    return {n: 100.0 * it[n] / total for n in names}


@test
def bochs_weighted_shares_1_2_4(t):
    """Three CPU-bound guests, weights 1:2:4, on CPU 1: shares 1/7, 2/7,
    4/7 within 3 %, counted as loop iterations through one window of VM
    time. A guest that halts most of the time uses almost no CPU."""
    r = t.hvrun("shares.cfg", cpus=2)
    got = shares(t, r, ("w1", "w2", "w4"))
    for name, want in (("w1", 100 / 7), ("w2", 200 / 7), ("w4", 400 / 7)):
        t.check(abs(got[name] - want) <= 0.03 * want,
                "%s got %.2f %% of the CPU, fair is %.2f %%" % (
                    name, got[name], want))
    sleeper = spin_lines(t, r, "sleeper", "halt")
    t.check(sleeper["wakeups"] == 30, "sleeper woke %d times" %
            sleeper["wakeups"])
    t.check(sleeper["runtime_us"] < 0.02 * sleeper["elapsed_us"],
            "the halting guest ran %d us of %d us" % (
                sleeper["runtime_us"], sleeper["elapsed_us"]))
    t.expect(r, r"^sched: cfs policy on 2 CPUs$")
    t.check(r.status == 0, "hvrun status %d" % r.status)


@test
def bochs_rr_policy_equal_shares(t):
    """The same guests under sched=rr: weights are ignored, shares equal
    (the second policy behind the same ops interface)."""
    r = t.hvrun("shares.cfg", cpus=2, cmdline="loglevel=info sched=rr")
    t.expect(r, r"^sched: rr policy on 2 CPUs$")
    got = shares(t, r, ("w1", "w2", "w4"))
    for name in got:
        t.check(abs(got[name] - 100 / 3) <= 1.0,
                "%s got %.2f %% under rr" % (name, got[name]))


@test
def bochs_smp_guest_starts_its_ap(t):
    """A 2-vCPU guest starts its AP with INIT/SIPI through the LAPIC ICR,
    they exchange fixed IPIs, and both compute."""
    cfg = t.config("smp.cfg", "[vm smp]\nkernel = smp.elf\nvcpus = 2\n")
    r = t.hvrun(cfg, cpus=2)
    for check in ("bsp-apic-id", "cpuid-two-logical",
                  "ap-started-by-init-sipi", "ap-apic-id",
                  "fixed-ipis-both-ways", "both-vcpus-ran"):
        t.expect(r, r"^\[smp\] smp\.%s: ok$" % check, count=1)
    t.refute(r, r"FAIL")
    t.expect(r, r"^vm smp: vcpu 1 ran [1-9]\d* us")
    t.check(r.status == 0, "hvrun status %d" % r.status)


@test
def bochs_per_vcpu_affinity(t):
    """cpus.N pins one vCPU: the AP goes where it is told, and stays."""
    cfg = t.config("aff.cfg", "[vm smp]\nkernel = smp.elf\nvcpus = 2\n"
                   "cpus.0 = 1\ncpus.1 = 0\n")
    r = t.hvrun(cfg, cpus=2)
    t.expect(r, r"^vm smp: vcpu 0 on cpu1$")
    t.expect(r, r"^vm smp: vcpu 1 on cpu0$")
    t.expect(r, r"^vm smp: vcpu [01] ran \d+ us, waited \d+ us, \d+ "
                r"switches, 0 migrations$", count=2)
    t.expect(r, r"^\[smp\] smp\.both-vcpus-ran: ok$")


@test
def bochs_balancing_migrates_vcpus(t):
    """When CPU 1 falls idle it pulls a vCPU from the busy CPU 0: the
    VMCS moves (VMCLEAR there, VMPTRLD here) and the guest runs on."""
    r = t.hvrun("balance.cfg", cpus=2)
    moved = [int(m) for m in re.findall(r"^vm [xy]: vcpu 0 ran .* (\d+) "
                                        r"migrations$", r.serial, re.M)]
    t.check(len(moved) == 2 and sum(moved) >= 1,
            "no vCPU of x or y migrated: %s" % moved)
    for vm in ("x", "y"):
        s = spin_lines(t, r, vm, "share")
        # 100 ms at half a CPU, then 200 ms of a whole one: ~250 of 300
        t.check(s["runtime_us"] > 0.75 * s["window_us"],
                "%s ran only %d us of its %d us window" % (
                    vm, s["runtime_us"], s["window_us"]))
    t.check(r.status == 0, "hvrun status %d" % r.status)


@test
def bochs_wakeup_under_load(t):
    """A halted vCPU woken by its timer preempts a CPU-bound one on the
    same CPU promptly (wakeup preemption), not at the end of its slice."""
    r = t.hvrun("wakeup.cfg", cpus=1)
    w = spin_lines(t, r, "waker", "wake")
    t.check(w["max_us"] < 500, "woke up to %d us late" % w["max_us"])
