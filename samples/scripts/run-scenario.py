#!/usr/bin/python3
"""Boot a sample guest under QEMU, let it build and hold one scenario's DAX state, dump it,
and leave a sample directory:

    OUT/vmcore        in-guest kdump (makedumpfile -c -d 31), the primary artifact
    OUT/vmcore.qmp    QMP dump-guest-memory snapshot of the held state (with --qmp-snapshot)
    OUT/console.log   serial console of both kernels
    OUT/guest/        what the guest recorded (scenario.json from daxtruth, ndctl list, ...)
    OUT/debuginfo     link to the directory holding vmlinux and the module .ko debug files
    OUT/versions      the Debian packages the kernel came from
    OUT/run.json      timings and how the dump was made

truth.json is assembled afterwards by compose-truth.py from OUT/guest.
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import time

HELD_TIMEOUT = 300      # boot + scenario under TCG: ~20 s measured; generous for slow CI
CAPTURE_TIMEOUT = 300   # panic -> capture kernel -> makedumpfile -> poweroff: ~20-35 s


class BootPanic(RuntimeError):
    """The guest kernel panicked before it reached the held state (a boot flake under TCG:
    seen once on 7.2, an int3 Oops in sched_clock_cpu while the kernel patched its text)."""


ATTEMPTS = {"n": 1}


def log(msg):
    print(f"samples: {msg}", file=sys.stderr, flush=True)


def accel():
    """TCG unless a real (not nested-PVM) KVM module is loaded."""
    for mod in ("kvm_intel", "kvm_amd"):
        if os.path.isdir(f"/sys/module/{mod}") and os.access("/dev/kvm", os.R_OK | os.W_OK):
            return ["-accel", "kvm", "-cpu", "host"], "kvm"
    return ["-accel", "tcg,thread=multi", "-cpu", "max,la57=off"], "tcg"


class Qmp:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
        self.buf = b""
        self.events = []
        self._recv()  # greeting
        self.cmd("qmp_capabilities")

    def _recv(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("QMP closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, name, **args):
        self.sock.sendall(json.dumps({"execute": name, "arguments": args}).encode() + b"\n")
        while True:
            msg = self._recv()
            if "event" in msg:
                self.events.append(msg)
                continue
            if "error" in msg:
                raise RuntimeError(f"QMP {name}: {msg['error']}")
            return msg.get("return")


def connect_unix(path, deadline):
    while time.time() < deadline:
        try:
            s = socket.socket(socket.AF_UNIX)
            s.connect(path)
            return s
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"cannot connect to {path}")


def debugfs_get(img, src, dst, tree=False):
    cmd = f"rdump {src} {dst}" if tree else f"dump {src} {dst}"
    subprocess.run(["debugfs", "-R", cmd, img], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def fill_kdump_utsname(path, uname_line):
    """QEMU's kdump header carries only the machine name; fill sysname/release/version from
    the guest's `uname -a` so drgn and libkdumpfile accept the file (struct disk_dump_header:
    signature[8], header_version, then struct new_utsname: 6 fields of 65 bytes)."""
    parts = uname_line.split()
    if len(parts) < 4:
        return
    sysname, release = parts[0], parts[2]
    version = uname_line.split(release, 1)[1].strip()
    version = version.rsplit(" ", 2)[0] if version.endswith("GNU/Linux") else version
    with open(path, "r+b") as f:
        hdr = f.read(8)
        if hdr != b"KDUMP   ":
            return
        for i, val in ((0, sysname), (2, release), (3, version)):
            f.seek(12 + 65 * i)
            f.write(val.encode()[:64].ljust(65, b"\0"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kernel-dir", required=True)
    ap.add_argument("--guest-dir", required=True)
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--qmp-snapshot", action="store_true")
    ap.add_argument("--dumplevel", default="31")
    ap.add_argument("--memory", default="2G")
    ap.add_argument("--pmem-gib", type=int, default=2,
                    help="size of the emulated NVDIMM (a sparse file in the sample's work dir)")
    ap.add_argument("--timeout-scale", type=float, default=1.0,
                    help="multiply the held and capture timeouts (bigpmem: minutes of faults "
                         "under TCG and a large memmap to compress)")
    ap.add_argument("--guest-build", default="", help="cache key of the guest build (recorded)")
    ap.add_argument("--live-drgn", metavar="REPO",
                    help="share this machine's root read-only with the guest (virtio-9p) so the "
                         "scenario can run REPO's drgn front end on the live guest kernel")
    ap.add_argument("--tag", default="", help="recorded in run.json (what else the sample depends on)")
    ap.add_argument("--nvme-cmb-mb", type=int, default=0, metavar="MB",
                    help="add an NVMe controller with a controller memory buffer of MB MiB "
                         "(the nvme driver registers it as PCI P2PDMA memory)")
    args = ap.parse_args()

    out = os.path.abspath(args.out)
    work = out + ".tmp"
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    kdir = os.path.abspath(args.kernel_dir)
    gdir = os.path.abspath(args.guest_dir)
    t = {"start": time.time()}

    # Sparse backing for a labelled NVDIMM, and an ext4 disk for the dump and records.
    nv = os.path.join(work, "nvdimm.img")
    with open(nv, "wb") as f:
        f.truncate(args.pmem_gib << 30)
    # The NVDIMM lives in the hotplug area, so maxmem must cover RAM and it.
    ram_gib = int(args.memory.rstrip("G"))
    maxmem = max(16, ram_gib + args.pmem_gib + 1)
    disk = os.path.join(work, "out.img")
    with open(disk, "wb") as f:
        f.truncate(512 << 20)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-L", "dtout", disk], check=True)

    acc, accname = accel()
    chan_path = os.path.join(work, "chan.sock")
    qmp_path = os.path.join(work, "qmp.sock")
    console = os.path.join(work, "console.log")
    append = (f"console=ttyS0,115200 crashkernel=256M panic=0 "
              f"daxtriage.scenario={args.scenario} daxtriage.dumplevel={args.dumplevel}")
    qemu = ["qemu-system-x86_64", "-machine", "pc,nvdimm=on", *acc, "-smp", "2",
            "-m", f"{args.memory},slots=4,maxmem={maxmem}G",
            "-object", f"memory-backend-file,id=nv0,share=on,mem-path={nv},size={args.pmem_gib}G",
            "-device", "nvdimm,id=nvdimm0,memdev=nv0,label-size=2M",
            "-device", "vmcoreinfo", "-device", "pvpanic", "-action", "panic=pause",
            "-nodefaults", "-display", "none", "-no-reboot",
            "-kernel", os.path.join(kdir, "vmlinuz"),
            "-initrd", os.path.join(gdir, "initramfs.cpio.gz"), "-append", append,
            "-chardev", f"file,id=con,path={console}", "-serial", "chardev:con",
            "-chardev", f"socket,id=chan,path={chan_path},server=on,wait=off",
            "-serial", "chardev:chan",
            "-qmp", f"unix:{qmp_path},server=on,wait=off",
            "-drive", f"file={disk},if=virtio,format=raw"]
    if args.nvme_cmb_mb:
        # A small sparse namespace; QEMU's nvme device exposes cmb_size_mb of BAR memory that
        # drivers/nvme/host/pci.c nvme_map_cmb() hands to pci_p2pdma_add_resource().
        nvme = os.path.join(work, "nvme.img")
        with open(nvme, "wb") as f:
            f.truncate(64 << 20)
        qemu += ["-drive", f"file={nvme},if=none,id=nvm,format=raw",
                 "-device", f"nvme,serial=deadbeef,drive=nvm,cmb_size_mb={args.nvme_cmb_mb}"]
    if args.live_drgn:
        # The guest chroots into this machine's root to run python3 + drgn + the repository
        # as they are here; read-only, so the guest cannot change anything on the host.
        qemu += ["-virtfs", "local,path=/,mount_tag=hostroot,security_model=none,readonly=on"]
        qemu[qemu.index("-append") + 1] += (f" daxtriage.live={os.path.abspath(args.live_drgn)}"
                                             f" daxtriage.kdir={kdir}")
    log(f"{args.scenario}: booting ({accname})")
    proc = subprocess.Popen(qemu, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    status = "failed"
    try:
        # The live drgn run loads vmlinux debuginfo over 9p under TCG: minutes.
        deadline = time.time() + HELD_TIMEOUT * (3 if args.live_drgn else 1) * args.timeout_scale
        chan = connect_unix(chan_path, deadline)
        qmp = Qmp(qmp_path)
        chan.settimeout(1.0)
        buf = b""
        held = None
        while held is None:
            if time.time() > deadline or proc.poll() is not None:
                raise RuntimeError("guest did not reach the held state "
                                   f"(qemu {'exited' if proc.poll() is not None else 'timed out'})")
            try:
                data = chan.recv(4096)
            except socket.timeout:
                # -action panic=pause: a kernel that panics while booting just stops.
                if qmp.cmd("query-status").get("status") == "guest-panicked":
                    raise BootPanic("guest kernel panicked before reaching the held state")
                continue
            buf += data
            for line in buf.split(b"\n"):
                if line.startswith(b"@@ HELD"):
                    held = line.decode()
                elif line.startswith(b"@@ FAILED"):
                    raise RuntimeError("guest: " + line.decode()[3:])
        t["held"] = time.time()
        log(f"{args.scenario}: state held after {t['held'] - t['start']:.1f} s")
        if args.qmp_snapshot:
            flat = os.path.join(work, "vmcore.qmp.flat")
            qmp.cmd("dump-guest-memory", paging=False, protocol=f"file:{flat}",
                    format="kdump-zlib")
            # dump-guest-memory runs with the VM stopped and returns when done.
            t["qmp_dump"] = time.time()
            # QEMU writes the kdump format "flattened" (for streaming); rearrange it into
            # the ordinary kdump-compressed file every tool opens.
            with open(flat, "rb") as src:
                r = subprocess.run(["makedumpfile", "-R", os.path.join(work, "vmcore.qmp")],
                                   stdin=src, capture_output=True, text=True)
            if r.returncode:
                raise RuntimeError("makedumpfile -R: " + (r.stdout + r.stderr).strip()[-500:])
            os.unlink(flat)
            log(f"{args.scenario}: QMP snapshot in {t['qmp_dump'] - t['held']:.1f} s")
        t["panic"] = time.time()
        chan.sendall(b"@@ PANIC\n")
        deadline = time.time() + CAPTURE_TIMEOUT * args.timeout_scale
        while proc.poll() is None:
            if time.time() > deadline:
                st = qmp.cmd("query-status")
                raise RuntimeError(f"capture kernel did not finish (guest status: {st.get('status')})")
            time.sleep(0.2)
        t["done"] = time.time()
        status = "ok"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        qout = proc.stdout.read().decode(errors="replace").strip()
        if qout:
            log("qemu: " + qout[-2000:])
        if os.path.exists(console):
            shutil.copy(console, os.path.join(work, "console.log.keep"))
        if status != "ok":
            log(f"{args.scenario}: FAILED; console log: {console}")
            for line in open(console, errors="replace").read().splitlines()[-25:]:
                print("  | " + line, file=sys.stderr)

    # Pull the dump and the guest's records off the output disk.
    debugfs_get(disk, "/vmcore", os.path.join(work, "vmcore"))
    debugfs_get(disk, "/makedumpfile.log", os.path.join(work, "makedumpfile.log"))
    debugfs_get(disk, "/capture-dmesg.txt", os.path.join(work, "capture-dmesg.txt"))
    # The crashed kernel's own log (makedumpfile --dump-dmesg in the capture kernel).
    debugfs_get(disk, "/dmesg.txt", os.path.join(work, "dmesg.txt"))
    debugfs_get(disk, "/guest", work, tree=True)
    if not os.path.getsize(os.path.join(work, "vmcore")):
        raise SystemExit(f"samples: {args.scenario}: no vmcore was written; see {work}/makedumpfile.log")
    uname = open(os.path.join(work, "guest", "uname.txt")).read().strip()
    if args.qmp_snapshot:
        fill_kdump_utsname(os.path.join(work, "vmcore.qmp"), uname)
    os.unlink(nv)
    os.unlink(disk)
    if args.nvme_cmb_mb:
        os.unlink(os.path.join(work, "nvme.img"))
    os.replace(os.path.join(work, "console.log.keep"), console)
    os.symlink(os.path.join(kdir, "debuginfo"), os.path.join(work, "debuginfo"))
    shutil.copy(os.path.join(kdir, "versions"), os.path.join(work, "versions"))
    with open(os.path.join(work, "run.json"), "w") as f:
        json.dump({"scenario": args.scenario, "accel": accname, "qemu": qemu,
                   "dumplevel": int(args.dumplevel), "qmp_snapshot": args.qmp_snapshot,
                   "guest_build": args.guest_build, "tag": args.tag,
                   "boot_attempts": ATTEMPTS["n"],
                   "seconds": {"to_held": round(t["held"] - t["start"], 1),
                               "panic_to_poweroff": round(t["done"] - t["panic"], 1),
                               "total": round(time.time() - t["start"], 1)}}, f, indent=1)
    shutil.rmtree(out, ignore_errors=True)
    os.replace(work, out)
    log(f"{args.scenario}: done in {time.time() - t['start']:.0f} s "
        f"(vmcore {os.path.getsize(os.path.join(out, 'vmcore')) >> 20} MiB)")


if __name__ == "__main__":
    try:
        main()
    except BootPanic as e:
        # One more boot: the state is built from scratch each time, so nothing carries over.
        log(f"{e}; booting once more")
        ATTEMPTS["n"] = 2
        main()
