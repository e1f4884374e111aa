#!/usr/bin/python3
"""show-truth.py SAMPLE-DIR...

Print what a sample holds, from its truth.json (the guest kernel's own records): the dumps,
the DAX files with their page-cache entries, the pinned pages, the pgmaps and their
percpu_ref counts, and any task the scenario left blocked.  Entry flags use the XArray-era
encoding (kernel-facts §A.6); letters as in daxtriage: L=LOCKED P=PMD Z=ZERO_PAGE E=EMPTY.
"""
import json
import os
import sys


def h(v):
    return int(v, 16) if isinstance(v, str) else v


def flags(raw):
    v = raw >> 1
    return "".join(c for bit, c in ((1, "L"), (2, "P"), (4, "Z"), (8, "E")) if v & bit) or "-"


def show(d):
    t = json.load(open(os.path.join(d, "truth.json")))
    s = t["sample"]
    print(f"== {s['kernel_release']}/{s['scenario']}  ({s['packages'].get('linux-image-' + s['kernel_release'], '?')}, {s['accel']})")
    for name, dump in s["dumps"].items():
        print(f"   {name:<11} {dump['bytes'] >> 20:>4} MiB  {dump['how']}")
    k = t["kernel"]
    pages = {h(p["pfn"]): p for p in k["pages"]["pages"]}
    for f in k["files"]:
        print(f"   {f['path']}  ino {f['ino']}  {f['fs']}  mapping {f['mapping']}  nrpages {f['nrpages']}")
        for e in f["entries"][:12]:
            raw = h(e["raw"])
            pfn = raw >> 5
            p = pages.get(pfn)
            ref = f"refcount {p['refcount']}" if p and p.get("valid") else ""
            print(f"      index {e['index']:>6}  {e['raw']:>12}  {flags(raw):<3} order {e['order']}  pfn {pfn:#x}  {ref}")
        if len(f["entries"]) > 12:
            print(f"      ... {len(f['entries']) - 12} more")
    by_page = {h(p["page"]): p for p in pages.values() if p.get("valid")}
    for pin in t["construction"]["pins"]:
        p = pages.get(h(pin["pfn"]))
        where = "refcount ?"
        if p and p["tail"]:
            head = by_page.get(h(p["compound_head"]))
            where = f"tail of {head['pfn']:#x}, head refcount {head['refcount']}" if head else "tail"
        elif p:
            where = f"refcount {p['refcount']}"
        print(f"   pinned {pin['count']}x: {pin['path']}+{pin['offset']:#x}  pfn {pin['pfn']}  "
              f"{where}  ({pin['how']})")
    for g in k["pgmaps"]:
        rng = ", ".join(f"{r['start']}-{r['end']}" for r in g["ranges"])
        print(f"   pgmap {g['address']}  {g['type_name']}  [{rng}]  vmemmap_shift {g['vmemmap_shift']}  "
              f"ref {g['ref']['mode']} true count {g['ref']['true_count']}")
    holder = t["construction"]["holder_pid"]
    for task in k.get("proc_tasks", []):
        if task["pid"] == holder:
            continue
        frames = [f.split("] ", 1)[-1].split("+")[0] for f in task.get("stack") or []]
        print(f"   task {task['pid']} state {task['stat_state']} in {task['wchan']}: {' <- '.join(frames)}")


def main():
    for d in sys.argv[1:]:
        show(d)


if __name__ == "__main__":
    main()
