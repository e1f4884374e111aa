#!/usr/bin/python3
"""compose-truth.py SAMPLE-DIR

Assemble SAMPLE-DIR/truth.json (schema: docs/truth-schema.md) from what the guest recorded in
SAMPLE-DIR/guest/ and from how the sample was made (run.json, versions).  Every value about
kernel state is copied from the guest's records -- the daxtruth module's answers, the guest's
/proc/self/pagemap reads, `ndctl list` -- never computed here.
"""
import json
import os
import re
import sys

SCHEMA = "daxtriage-truth/1"


def load_json(path):
    with open(path) as f:
        text = f.read()
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise SystemExit(f"compose-truth: {path}: not valid JSON ({e})")


def read_versions(path):
    out = {"packages": {}}
    for line in open(path):
        key, _, val = line.strip().partition("=")
        if key == "package":
            name, _, ver = val.partition(" ")
            out["packages"][name] = ver
        elif key:
            out[key] = val
    return out


def panic_record(path):
    """The crashed kernel's own words about why it went down, copied from its log (dmesg.txt,
    written in the capture kernel by makedumpfile --dump-dmesg from the dump's memory): the
    first oops's BUG line, fault address (as printed), kernel RIP and task, and the panic line.
    None if the log was not saved."""
    if not os.path.exists(path):
        return None
    rec = {"log": "dmesg.txt (makedumpfile --dump-dmesg in the capture kernel)",
           "bug": None, "address": None, "cr2": None, "rip": None, "pid": None, "comm": None,
           "panic": None}
    for raw in open(path, errors="replace"):
        line = re.sub(r"^\[[^]]*\]\s*", "", raw.rstrip("\n"))
        if line.startswith("Kernel panic - not syncing:") and rec["panic"] is None:
            rec["panic"] = line
        if rec["bug"] is None:
            if line.startswith("BUG: ") or line.startswith("Oops: "):
                rec["bug"] = line
                m = re.search(r"address: ([0-9a-f]+)", line)
                if m:
                    rec["address"] = "0x%x" % int(m.group(1), 16)
            continue
        m = re.match(r"CPU: \d+ PID: (\d+) Comm: (\S+)", line)
        if m and rec["pid"] is None:
            rec["pid"], rec["comm"] = int(m.group(1)), m.group(2)
        if line.startswith("RIP: 0010:") and rec["rip"] is None:
            rec["rip"] = line[len("RIP: 0010:"):].strip()
        m = re.match(r"CR2: ([0-9a-f]+)", line)
        if m and rec["cr2"] is None:
            rec["cr2"] = "0x%x" % int(m.group(1), 16)
    return rec


def main():
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    d = sys.argv[1]
    g = os.path.join(d, "guest")
    run = load_json(os.path.join(d, "run.json"))
    scen = load_json(os.path.join(g, "scenario.json"))
    ver = read_versions(os.path.join(d, "versions"))
    dumps = {"vmcore": {"format": "kdump-compressed",
                        "how": f"in-guest kdump: kexec -p capture kernel, "
                               f"makedumpfile -c -d {run['dumplevel']} /proc/vmcore",
                        "panic": True, "bytes": os.path.getsize(os.path.join(d, "vmcore"))}}
    if os.path.exists(os.path.join(d, "vmcore.qmp")):
        dumps["vmcore.qmp"] = {"format": "kdump-compressed",
                               "how": "QMP dump-guest-memory kdump-zlib of the held state "
                                      "(before the panic), rearranged with makedumpfile -R, "
                                      "utsname filled from the guest",
                               "panic": False,
                               "bytes": os.path.getsize(os.path.join(d, "vmcore.qmp"))}
    kernel = scen["kernel"]
    kernel["cpus"] = load_json(os.path.join(g, "cpus.json"))
    truth = {
        "schema": SCHEMA,
        "sample": {
            "scenario": run["scenario"],
            "kernel_release": ver.get("release"),
            "suite": ver.get("suite"),
            "packages": ver["packages"],
            "uname": open(os.path.join(g, "uname.txt")).read().strip(),
            "cmdline": open(os.path.join(g, "cmdline.txt")).read().strip(),
            "thp": open(os.path.join(g, "thp.txt")).read().strip()
            if os.path.exists(os.path.join(g, "thp.txt")) else None,
            "accel": run["accel"],
            "dumps": dumps,
            "seconds": run["seconds"],
        },
        "construction": scen["construction"],
        "kernel": kernel,
        "namespaces": load_json(os.path.join(g, "ndctl.json")),
        "mounts": [l.split()[:4] for l in open(os.path.join(g, "mounts.txt"))
                   if l.startswith("/dev/pmem")],
        "other_mounts": [l.split()[:4] for l in open(os.path.join(g, "mounts.txt"))
                         if l.startswith("/dev/") and not l.startswith("/dev/pmem")],
        "panic": panic_record(os.path.join(d, "dmesg.txt")),
    }
    tmp = os.path.join(d, "truth.json.tmp")
    with open(tmp, "w") as f:
        json.dump(truth, f, indent=1, sort_keys=False)
        f.write("\n")
    os.replace(tmp, os.path.join(d, "truth.json"))


if __name__ == "__main__":
    main()
