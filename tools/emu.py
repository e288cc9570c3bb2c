# SPDX-License-Identifier: MIT
"""Boot an ISO headless in Bochs or QEMU and capture what it prints.

Used by the system tests, the benchmarks and `make run`. Facts it relies on
are in ../shared/TESTBED.md: Bochs needs the debugger's `c` command to run,
an rfb display (no X), and ends with status 1 whatever happens, so runs are
judged by their serial log; QEMU's isa-debug-exit gives (code << 1) | 1.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOCHS_BIOS = "/usr/share/bochs/BIOS-bochs-latest"
SEABIOS = "/usr/share/seabios/bios.bin"
OVMF = "/usr/share/ovmf/OVMF.fd"


class Run:
    """The outcome of one emulator run."""

    def __init__(self, workdir, status, timed_out, seconds, serial, e9, log):
        self.workdir = workdir
        self.status = status
        self.timed_out = timed_out
        self.seconds = seconds
        self.serial = serial
        self.e9 = e9
        self.log = log
        self.marks = {}  # name -> seconds after the start it was first seen

    def lines(self, pattern, text=None):
        """Lines of the console output matching a regular expression."""
        rx = re.compile(pattern)
        src = self.serial if text is None else text
        return [l for l in src.splitlines() if rx.search(l)]

    def tail(self, n=25):
        out = self.serial if self.serial.strip() else self.e9
        return "\n".join(out.splitlines()[-n:])


def mkiso(out, elf, cmdline="", modules=(), rescue=False):
    cmd = [os.path.join(ROOT, "tools", "mkiso"), "-o", out, "--cmdline", cmdline]
    if rescue:
        cmd.insert(1, "--rescue")
    subprocess.run(cmd + [elf] + list(modules), check=True)
    return out


def mkesp(out, elf, efi, config, files=(), cmdline="", direct=False,
          default=0):
    cmd = [os.path.join(ROOT, "tools", "mkesp"), "-o", out, "--cmdline",
           cmdline, "--default", str(default)]
    if direct:
        cmd.insert(1, "--direct")
    subprocess.run(cmd + [elf, efi, config] + list(files), check=True)
    return out


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace").replace("\r\n", "\n")
    except FileNotFoundError:
        return ""


def _fresh(workdir):
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)


def bochs(iso, workdir, cpus=1, model="corei7_haswell_4770", megs=256,
          timeout=120, bios=BOCHS_BIOS, stop_when=None, echo=False,
          debugger=(), marks=None, keys=None, pci_ohci=False):
    """Runs Bochs until it exits, `timeout` seconds pass, or a line of the
    serial log matches the regular expression `stop_when`. `debugger`:
    commands for Bochs' debugger before it continues (e.g. breakpoints;
    it prints to stdout.txt): each command is followed by a `c`. `marks`:
    {name: (file, regex)}: Run.marks[name] is the wall time at which the
    regex was first seen in that file of the work folder (polled every
    20 ms). `keys`: [(regex, text), ...]: COM1 becomes a socket this side
    types into (still logged to serial.txt); each text is sent once its
    regex shows in the serial log, in order. `pci_ohci`: Bochs' USB OHCI
    controller (11c1:5803, one 4 KiB register BAR) in PCI slot 1
    (00:02.0), a device to pass through."""
    _fresh(workdir)
    fast = ", options=fastboot" if bios == BOCHS_BIOS else ""
    com1 = "mode=file, dev=serial.txt"
    console = None
    if keys is not None:
        console = _SerialSocket(os.path.join(workdir, "serial.txt"))
        com1 = "mode=socket-server, dev=localhost:%d" % console.port
    rc = f"""megs: {megs}
romimage: file={bios}{fast}
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
cpu: model={model}, count={cpus}, ips=50000000, reset_on_triple_fault=0, ignore_bad_msrs=1
clock: sync=none, time0=local
com1: enabled=1, {com1}
port_e9_hack: enabled=1
ata0-master: type=cdrom, path={os.path.abspath(iso)}, status=inserted
boot: cdrom
display_library: rfb, options="timeout=0"
speaker: enabled=0
sound: driver=dummy
log: bochs.log
"""
    if pci_ohci:
        rc += "pci: enabled=1, chipset=i440fx, slot1=usb_ohci\nusb_ohci: enabled=1\n"
    with open(os.path.join(workdir, "bochsrc"), "w") as f:
        f.write(rc)
    with open(os.path.join(workdir, "cmds"), "w") as f:
        f.write("".join(c + "\nc\n" for c in debugger) or "c\n")
    # stdbuf: the debugger's output (breakpoints) reaches stdout.txt at once
    return _watch(["stdbuf", "-oL", "bochs", "-q", "-f", "bochsrc", "-rc",
                   "cmds"], workdir, timeout, "serial.txt", "stdout.txt",
                  "bochs.log", stop_when, echo, marks, console, keys)


def qemu(iso, workdir, smp=1, mem=256, timeout=60, uefi=False, machine="pc",
         extra=(), serial_files=("serial.txt",), stop_when=None, echo=False,
         kvm=False, disk=None):
    """iso: a CD image, or None with disk: a raw disk image (not written:
    snapshot=on)."""
    _fresh(workdir)
    media = (["-drive", "file=%s,format=raw,snapshot=on"
              % os.path.abspath(disk)] if disk else
             ["-cdrom", os.path.abspath(iso)])
    cmd = ["qemu-system-x86_64", "-M", machine, "-m", str(mem), "-smp",
           str(smp), "-display", "none", "-no-reboot", "-net", "none"] + \
        media + ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                 "-debugcon", "file:e9.txt"]
    for s in serial_files:
        cmd += ["-serial", "file:" + s if s else "null"]
    if uefi:
        cmd += ["-bios", OVMF]
    if kvm:
        cmd += ["-enable-kvm", "-cpu", "host,+vmx"]
    cmd += list(extra)
    return _watch(cmd, workdir, timeout, serial_files[0] or "serial.txt",
                  "e9.txt", "qemu.log", stop_when, echo)


def kvm_has_nested_vmx():
    """True when this host's KVM can give a guest VT-x."""
    try:
        with open("/sys/module/kvm_intel/parameters/nested") as f:
            return f.read().strip() in ("Y", "1") and os.access("/dev/kvm",
                                                                os.W_OK)
    except OSError:
        return False


class _SerialSocket:
    """Bochs' COM1 in socket-server mode: connects once Bochs listens,
    appends what comes out to a log file, and sends keys."""

    def __init__(self, log):
        s = socket.socket()
        s.bind(("localhost", 0))
        self.port = s.getsockname()[1]
        s.close()
        self.log = log
        self.sock = None
        open(log, "wb").close()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        for _ in range(600):  # Bochs listens once its devices are up
            try:
                self.sock = socket.create_connection(("localhost", self.port))
                break
            except OSError:
                time.sleep(0.05)
        else:
            return
        with open(self.log, "ab", buffering=0) as f:
            while True:
                try:
                    data = self.sock.recv(4096)
                except OSError:
                    return
                if not data:
                    return
                f.write(data)

    def send(self, text):
        if self.sock:
            self.sock.sendall(text.encode("latin-1"))


def _watch(cmd, workdir, timeout, serial, e9, log, stop_when, echo=False,
           marks=None, console=None, keys=None):
    t0 = time.monotonic()
    keys = list(keys or [])
    seen = {}
    marks = {k: (f, re.compile(rx, re.M)) for k, (f, rx) in
             (marks or {}).items()}
    with open(os.path.join(workdir, "stdout.txt"), "wb") as out, \
            open(os.path.join(workdir, "stderr.txt"), "wb") as err:
        p = subprocess.Popen(cmd, cwd=workdir, stdin=subprocess.DEVNULL,
                             stdout=out, stderr=err, start_new_session=True)
        # the emulator runs in its own session: whatever ends us (a
        # timeout's SIGTERM, ^C, an exception) must end it too
        old_term = None
        if threading.current_thread() is threading.main_thread():
            old_term = signal.signal(signal.SIGTERM,
                                     lambda *_: sys.exit(143))
        try:
            timed_out = _poll(p, workdir, timeout, serial, stop_when, echo,
                              marks, seen, console, keys, t0)
        finally:
            if p.poll() is None:
                os.killpg(p.pid, 9)
                p.wait()
            if old_term is not None:
                signal.signal(signal.SIGTERM, old_term)
    seconds = time.monotonic() - t0
    run = Run(workdir, p.returncode, timed_out, seconds,
              _read(os.path.join(workdir, serial)),
              _read(os.path.join(workdir, e9)),
              _read(os.path.join(workdir, log)))
    run.marks = seen
    return run


def _poll(p, workdir, timeout, serial, stop_when, echo, marks, seen, console,
          keys, t0):
    """Watches the run until it ends, stop_when shows or time is up;
    returns whether time ran out."""
    rx = re.compile(stop_when) if stop_when else None
    shown = 0
    while True:
        done = p.poll() is not None
        text = _read(os.path.join(workdir, serial)) if rx or echo else ""
        if echo and len(text) > shown:
            sys.stdout.write(text[shown:])
            sys.stdout.flush()
            shown = len(text)
        if keys and console and console.sock:
            full = _read(os.path.join(workdir, serial))
            if re.search(keys[0][0], full, re.M):
                console.send(keys.pop(0)[1])
        now = time.monotonic() - t0
        for k, (f, mrx) in marks.items():
            if k not in seen and mrx.search(_read(os.path.join(workdir,
                                                               f))):
                seen[k] = now
        if done or (rx and rx.search(text)):
            return False
        if time.monotonic() - t0 > timeout:
            return True
        time.sleep(0.02 if marks or keys else 0.1)


if __name__ == "__main__":
    # tools/emu.py bochs|qemu ISO [CPUS]: a quick manual run.
    kind, iso = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    wd = os.path.join(ROOT, "build", "emu-manual")
    r = bochs(iso, wd, cpus=n) if kind == "bochs" else qemu(iso, wd, smp=n)
    print(r.serial or r.e9)
    print(f"[status {r.status}, {r.seconds:.1f} s{', timed out' if r.timed_out else ''}]")
