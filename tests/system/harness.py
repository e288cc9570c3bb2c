# SPDX-License-Identifier: MIT
"""A small runner for whole-system tests: each test boots one or more
emulators, asserts on what the hypervisor printed, and on failure shows
the tail of the console log. Tests run two at a time (the machines have
two cores; each emulator uses one)."""
import concurrent.futures
import os
import re
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
import emu  # noqa: E402

ROOT = emu.ROOT
BUILD = os.path.join(ROOT, "build")
HV = os.path.join(BUILD, "hv.elf")
HV_EFI = os.path.join(BUILD, "hv.efi")
HVRUN = os.path.join(ROOT, "tools", "hvrun")
CONFIGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "configs")
GUESTS = os.path.join(BUILD, "guests")
TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


class Failure(Exception):
    pass


class Ctx:
    """Per-test helpers: a work directory, ISO building, assertions."""

    def __init__(self, name):
        self.name = name
        self.dir = os.path.join(BUILD, "systest", name)
        os.makedirs(self.dir, exist_ok=True)
        self.runs = []

    def iso(self, cmdline="", modules=(), rescue=False, name="hv.iso"):
        return emu.mkiso(os.path.join(self.dir, name), HV, cmdline, modules,
                         rescue)

    def esp(self, config, files=(), cmdline="", direct=False, default=0,
            name="esp.img"):
        """A GPT disk with an EFI system partition (tools/mkesp); config
        and files are paths (files default to the build's guests)."""
        files = [f if os.sep in f else os.path.join(GUESTS, f) for f in files]
        return emu.mkesp(os.path.join(self.dir, name), HV, HV_EFI, config,
                         files, cmdline, direct, default)

    def bochs(self, iso, **kw):
        r = emu.bochs(iso, os.path.join(self.dir, "bochs%d" % len(self.runs)),
                      **kw)
        self.runs.append(r)
        return r

    def qemu(self, iso, **kw):
        r = emu.qemu(iso, os.path.join(self.dir, "qemu%d" % len(self.runs)),
                     **kw)
        self.runs.append(r)
        return r

    def hvrun(self, config, cpus=2, cmdline="loglevel=info", timeout=240,
              extra=()):
        """Runs tools/hvrun on a config (from tests/system/configs unless
        a path is given); the Run's status is hvrun's exit status."""
        path = config if os.sep in config else os.path.join(CONFIGS, config)
        wd = os.path.join(self.dir, "hvrun%d" % len(self.runs))
        t0 = time.monotonic()
        p = subprocess.run([sys.executable, HVRUN, path, "--cpus", str(cpus),
                            "--cmdline", cmdline, "--timeout", str(timeout),
                            "--workdir", wd, "--quiet"] + list(extra),
                           capture_output=True, text=True)
        rd = os.path.join(wd, "run")
        r = emu.Run(rd, p.returncode, p.returncode == 2 and "timed out" in
                    p.stderr, time.monotonic() - t0,
                    emu._read(os.path.join(rd, "serial.txt")),
                    emu._read(os.path.join(rd, "stdout.txt")),
                    emu._read(os.path.join(rd, "bochs.log")))
        r.stderr = p.stderr
        self.runs.append(r)
        return r

    def config(self, name, text):
        """Writes a config into the test's folder and returns its path."""
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    # -- assertions --------------------------------------------------------
    def expect(self, run, pattern, count=None, text=None):
        """At least one line (or exactly `count`) matches; returns them."""
        found = run.lines(pattern, text)
        if count is None and not found:
            raise Failure("no line matches /%s/" % pattern)
        if count is not None and len(found) != count:
            raise Failure("%d lines match /%s/, expected %d:\n  %s" % (
                len(found), pattern, count, "\n  ".join(found)))
        return found

    def refute(self, run, pattern, text=None):
        found = run.lines(pattern, text)
        if found:
            raise Failure("unexpected line /%s/: %s" % (pattern, found[0]))

    def check(self, cond, msg):
        if not cond:
            raise Failure(msg)

    def ended_by_itself(self, run):
        self.check(not run.timed_out,
                   "the run did not end by itself within its timeout")

    def bochs_powered_off(self, run):
        """Bochs exits with 1 whatever happens: the reason is in its log."""
        self.ended_by_itself(run)
        self.check(re.search(r"ACPI control: soft power off|Shutdown port: "
                             r"shutdown requested", run.log),
                   "Bochs did not stop through a power-off request:\n" +
                   "\n".join(l for l in run.log.splitlines()
                             if ">>PANIC<<" in l or "]e[" in l)[-2000:])


def _run_one(fn):
    ctx = Ctx(fn.__name__)
    t0 = time.monotonic()
    try:
        fn(ctx)
        return fn.__name__, True, time.monotonic() - t0, ""
    except Exception as e:  # a failed assertion or a broken harness
        detail = "%s\n" % (e if isinstance(e, Failure)
                           else traceback.format_exc())
        for r in ctx.runs[-1:]:
            detail += "--- tail of the console log (%s):\n%s\n" % (
                r.workdir, r.tail())
        return fn.__name__, False, time.monotonic() - t0, detail


def main(argv):
    wanted = [t for t in TESTS if not argv or any(a in t.__name__ for a in argv)]
    jobs = int(os.environ.get("SYSTEST_JOBS", "2"))
    failed = []
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        for name, ok, secs, detail in pool.map(_run_one, wanted):
            print("%-4s %-44s %6.1f s" % ("ok" if ok else "FAIL", name, secs),
                  flush=True)
            if not ok:
                failed.append(name)
                print("     " + detail.replace("\n", "\n     "), flush=True)
    print("%d/%d system tests passed in %.0f s" % (
        len(wanted) - len(failed), len(wanted), time.monotonic() - t0))
    return 1 if failed or not wanted else 0
