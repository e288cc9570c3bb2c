#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the Linux guest's initramfs: a gzip-compressed "newc" cpio.

    tools/mkinitramfs.py OUT.cpio.gz --busybox PATH --init PATH \
        [--extra SRC:DEST ...] [--applets a,b,c]

The archive holds the directories / /bin /sbin /dev /proc /sys /tmp, the
device nodes /dev/console (char 5,1: the kernel opens it for /init's
standard streams) and /dev/null (char 1,3), a statically linked busybox as
/bin/busybox with symbolic links for its applets, the /init script, and
each --extra file SRC at DEST (its parent folders are made as needed).

No root needed: the cpio headers are written here, so device nodes and
ownership (uid/gid 0) are whatever the archive says. Deterministic: every
entry has mtime SOURCE_DATE_EPOCH (default 0), inode numbers follow the
entry order, and the gzip header has no name and mtime 0, so the same
inputs give the same bytes.
"""
import argparse
import gzip
import os
import stat
import struct
import sys

# The applets /init (guests/linux/init) and a person at the console use.
DEFAULT_APPLETS = (
    "sh ash mount umount cat grep echo sleep poweroff reboot halt uname wc "
    "head tail sed awk tr cut ls dmesg setsid cttyhack mkdir rm cp mv ln "
    "test [ true false expr printf ps kill uptime free nproc env sync "
    "mknod chmod readlink find seq"
).split()
# also under /sbin, where scripts look for them
SBIN_APPLETS = ("poweroff", "reboot", "halt", "init")

CPIO_MAGIC = b"070701"
TRAILER = "TRAILER!!!"


def die(msg):
    print("mkinitramfs: " + msg, file=sys.stderr)
    sys.exit(1)


class Cpio:
    def __init__(self, mtime):
        self.out = bytearray()
        self.mtime = mtime
        self.ino = 0
        self.names = set()

    def _entry(self, name, mode, data=b"", nlink=1, rdev=(0, 0)):
        if name in self.names:
            die("two entries named /%s" % name)
        self.names.add(name)
        self.ino += 1
        namez = name.encode() + b"\0"
        fields = (self.ino if name != TRAILER else 0, mode, 0, 0, nlink,
                  self.mtime if name != TRAILER else 0, len(data), 0, 0,
                  rdev[0], rdev[1], len(namez), 0)
        hdr = CPIO_MAGIC + b"".join(b"%08X" % f for f in fields)
        self.out += hdr + namez
        self.out += b"\0" * (-len(self.out) % 4)
        self.out += data
        self.out += b"\0" * (-len(self.out) % 4)

    def dir(self, name, perm=0o755):
        self._entry(name, stat.S_IFDIR | perm, nlink=2)

    def file(self, name, data, perm):
        self._entry(name, stat.S_IFREG | perm, data)

    def symlink(self, name, target):
        self._entry(name, stat.S_IFLNK | 0o777, target.encode())

    def chardev(self, name, major, minor, perm):
        self._entry(name, stat.S_IFCHR | perm, rdev=(major, minor))

    def finish(self):
        self._entry(TRAILER, 0)
        return bytes(self.out)


def read(path, what):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        die("cannot read %s %s: %s" % (what, path, e.strerror))


def check_static_elf(path, data):
    """A static x86-64 ELF executable: no PT_INTERP, no PT_DYNAMIC."""
    if len(data) < 64 or data[:4] != b"\x7fELF":
        die("%s is not an ELF file" % path)
    if data[4] != 2 or data[5] != 1 or struct.unpack_from("<H", data, 18)[0] != 62:
        die("%s is not a 64-bit x86-64 ELF file" % path)
    phoff, = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    if phoff + phnum * phentsize > len(data):
        die("%s has a truncated ELF header" % path)
    for i in range(phnum):
        ptype, = struct.unpack_from("<I", data, phoff + i * phentsize)
        if ptype in (2, 3):  # PT_DYNAMIC, PT_INTERP
            die("%s is dynamically linked; install busybox-static (its "
                "/bin/busybox is static)" % path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", help="the .cpio.gz to write")
    ap.add_argument("--busybox", required=True,
                    help="a statically linked x86-64 busybox")
    ap.add_argument("--init", required=True, help="the /init script")
    ap.add_argument("--extra", action="append", default=[],
                    metavar="SRC:DEST", help="also put file SRC at DEST")
    ap.add_argument("--applets", help="comma-separated busybox applets to "
                    "link in /bin (default: those /init uses and a few more)")
    args = ap.parse_args()

    try:
        mtime = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))
    except ValueError:
        die("SOURCE_DATE_EPOCH is not a number")

    busybox = read(args.busybox, "busybox")
    check_static_elf(args.busybox, busybox)
    init = read(args.init, "init")
    if not init.startswith(b"#!"):
        die("%s does not start with #! (the kernel runs /init directly)"
            % args.init)

    applets = args.applets.split(",") if args.applets else DEFAULT_APPLETS
    for a in applets:
        if not a or "/" in a or a == "busybox":
            die("bad applet name '%s'" % a)

    extras = []
    for spec in args.extra:
        src, sep, dest = spec.partition(":")
        dest = dest.strip("/")
        if not sep or not src or not dest or ".." in dest.split("/"):
            die("--extra '%s': expected SRC:DEST, e.g. "
                "build/guests/rdtsc:/bin/rdtsc" % spec)
        mode = os.stat(src).st_mode if os.path.exists(src) else 0
        extras.append((dest, read(src, "extra file"),
                       0o755 if mode & 0o111 else 0o644))

    c = Cpio(mtime)
    c.dir(".")
    dirs = ["bin", "sbin", "dev", "proc", "sys", "tmp"]
    for d in dirs:
        c.dir(d, 0o1777 if d == "tmp" else 0o755)
    c.chardev("dev/console", 5, 1, 0o600)
    c.chardev("dev/null", 1, 3, 0o666)
    c.file("bin/busybox", busybox, 0o755)
    for a in sorted(set(applets)):
        c.symlink("bin/" + a, "busybox")
    for a in SBIN_APPLETS:
        c.symlink("sbin/" + a, "../bin/busybox")
    c.file("init", init, 0o755)
    made = set(dirs)
    for dest, data, perm in extras:
        parts = dest.split("/")
        for i in range(1, len(parts)):
            d = "/".join(parts[:i])
            if d not in made:
                c.dir(d)
                made.add(d)
        c.file(dest, data, perm)
    archive = c.finish()

    tmp = args.out + ".tmp"
    try:
        with open(tmp, "wb") as raw:
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                               compresslevel=9, mtime=0) as gz:
                gz.write(archive)
        os.replace(tmp, args.out)
    except OSError as e:
        die("cannot write %s: %s" % (args.out, e.strerror))
    print("mkinitramfs: %s: %d entries, %d bytes (%d uncompressed)"
          % (args.out, c.ino, os.path.getsize(args.out), len(archive)))


if __name__ == "__main__":
    main()
