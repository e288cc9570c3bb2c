# SPDX-License-Identifier: MIT
"""The hypervisor command line and console, and fatal exceptions."""
from harness import test


@test
def qemu_cmdline_problems_named(t):
    r = t.qemu(t.iso("bogus=1 loglevel=9 console=com9 verbose"), timeout=30)
    t.expect(r, r"^hv: command line 'bogus=1 loglevel=9 console=com9 verbose'$")
    t.expect(r, r"^cmdline: unknown option 'bogus' ignored$", count=1)
    t.expect(r, r"^cmdline: unknown option 'verbose' ignored$", count=1)
    t.expect(r, r"^cmdline: bad value '9' for option 'loglevel' ignored$")
    t.expect(r, r"^cmdline: bad value 'com9' for option 'console' ignored$")
    t.expect(r, r"^hv: error: VT-x unavailable")  # and it goes on to the end


@test
def qemu_loglevel_err_is_quiet(t):
    r = t.qemu(t.iso("loglevel=err"), timeout=30)
    t.refute(r, r"^(mem|paging|acpi|tsc|smp):")
    t.expect(r, r"^hv: error: VT-x unavailable")


@test
def qemu_console_e9(t):
    r = t.qemu(t.iso("console=e9"), timeout=30)
    t.check(r.serial == "", "serial port not silent: %r" % r.serial[:200])
    t.expect(r, r"^hv: error: VT-x unavailable", text=r.e9)


@test
def qemu_console_com2(t):
    r = t.qemu(t.iso("console=com2,38400"), timeout=30,
               serial_files=("com1.txt", "com2.txt"))
    com1 = open(r.workdir + "/com1.txt").read()
    com2 = open(r.workdir + "/com2.txt").read()
    t.check(com1 == "", "COM1 not silent: %r" % com1[:200])
    t.expect(r, r"^hv: error: VT-x unavailable", text=com2)


def crash(t, kind):
    r = t.qemu(t.iso("crash=" + kind), smp=2, timeout=30)
    t.check(r.status == 3, "QEMU exit status %s, expected 3" % r.status)
    t.expect(r, r"^hv: crash=%s: raising the fault now$" % kind)
    t.expect(r, r"^  RIP [0-9a-f]{16} CS 0008 RFLAGS [0-9a-f]{16}$")
    t.expect(r, r"^  RAX [0-9a-f]{16} RBX")
    t.expect(r, r"^  backtrace:( 0x[0-9a-f]+)+$")
    t.expect(r, r"^hv: stopped after a fatal exception; powering off$")
    t.refute(r, r"VT-x unavailable")
    return r


@test
def qemu_crash_ud(t):
    crash(t, "ud")
    r = t.runs[-1]
    t.expect(r, r"^hv: FATAL: #UD invalid opcode \(vector 6\) on cpu0, "
                r"error code 0$")


@test
def qemu_crash_pf_null(t):
    r = crash(t, "pf")
    t.expect(r, r"^hv: FATAL: #PF page fault \(vector 14\) on cpu0, "
                r"error code 0x2$")  # write to a not-present page
    t.expect(r, r"CR2 0000000000000010 ")


@test
def qemu_crash_divide(t):
    r = crash(t, "de")
    t.expect(r, r"^hv: FATAL: #DE divide error \(vector 0\) on cpu0")


@test
def qemu_crash_stack_guard(t):
    """Overflowing the stack hits the guard page; the #PF cannot be pushed
    on the dead stack, so the CPU raises #DF on its own IST stack."""
    r = crash(t, "guard")
    t.expect(r, r"^hv: FATAL: #DF double fault \(vector 8\) on cpu0")
    t.expect(r, r"^hv: FATAL: stack overflow: 0x[0-9a-f]+ is the guard page "
                r"below cpu0's main stack$")
