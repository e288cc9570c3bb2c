#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`make run`: boots the hypervisor in the best emulator available and
streams its console: QEMU with KVM when the host offers nested VMX,
otherwise Bochs (VT-x in software), with 2 CPUs."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import emu  # noqa: E402

work = os.path.join(emu.ROOT, "build", "demo")
os.makedirs(work, exist_ok=True)
iso = emu.mkiso(os.path.join(work, "demo.iso"),
                os.path.join(emu.ROOT, "build", "hv.elf"), "loglevel=info")
if emu.kvm_has_nested_vmx():
    print("demo: QEMU/KVM with nested VMX, 2 CPUs\n", flush=True)
    r = emu.qemu(iso, os.path.join(work, "run"), smp=2, kvm=True, echo=True)
else:
    print("demo: Bochs (software VT-x), 2 CPUs\n", flush=True)
    r = emu.bochs(iso, os.path.join(work, "run"), cpus=2, echo=True)
print("\n[demo ended after %.1f s%s]" % (r.seconds,
                                          ", timed out" if r.timed_out else ""))
