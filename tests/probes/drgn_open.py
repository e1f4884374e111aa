"""Run by drgn (drgn -q -c VMCORE -s VMLINUX drgn_open.py TRUTH.json): read, straight from the
dump, the objects truth.json names by address, and print what the dump holds as JSON.  The test
compares it with truth.json: this proves the dump opens in drgn and holds the recorded state.
It uses only drgn's own helpers, never daxtriage code."""
import json
import sys

from drgn import FaultError, Object
from drgn.helpers.linux.mm import pfn_to_page
from drgn.helpers.linux.pid import for_each_task
from drgn.helpers.linux.xarray import xa_for_each

truth = json.load(open(sys.argv[-1]))


def word(v):
    """truth.json writes kernel words as "0x..." strings and counts as integers."""
    return int(v, 16) if isinstance(v, str) else int(v)


k = truth["kernel"]
out = {"release": prog["init_uts_ns"].name.release.string_().decode(), "tasks": {},
       "files": {}, "pages": {}, "pgmaps": {}}
for t in for_each_task(prog):
    out["tasks"][int(t.pid)] = t.comm.string_().decode(errors="replace")
try:
    out["crashed_pid"] = int(prog.crashed_thread().tid)
except Exception as e:  # not a panic dump (QMP snapshot)
    out["crashed_pid"] = None
    out["crashed_error"] = str(e)


def frame_name(f):
    try:
        return f.name  # drgn 0.0.23+ (None for frames without a symbol)
    except AttributeError:
        try:
            return f.symbol().name
        except LookupError:
            return None


if out["crashed_pid"] is not None:
    # Unwind the panic stack (drgn 0.0.22 cannot on 6.12/7.2: vmcore-pipeline.md).
    try:
        out["crashed_stack"] = [frame_name(f) for f in prog.crashed_thread().stack_trace()]
    except Exception as e:
        out["crashed_stack"] = None
        out["stack_error"] = f"{type(e).__name__}: {e}"
for f in k["files"]:
    mapping = Object(prog, "struct address_space *", value=word(f["mapping"]))
    try:
        ents = [[int(i), hex(e.value_())] for i, e in xa_for_each(mapping.i_pages.address_of_())]
        out["files"][f["path"]] = {"nrpages": int(mapping.nrpages), "entries": ents}
    except FaultError as e:
        out["files"][f["path"]] = {"error": str(e)}
for p in k["pages"]["pages"]:
    if not p.get("valid"):
        continue
    page = pfn_to_page(prog, word(p["pfn"]))
    try:
        out["pages"][str(word(p["pfn"]))] = {"refcount": int(page._refcount.counter),
                                  "mapping": hex(page.mapping.value_())}
    except FaultError as e:
        out["pages"][str(word(p["pfn"]))] = {"error": str(e)}
for g in k["pgmaps"]:
    pg = Object(prog, "struct dev_pagemap *", value=word(g["address"]))
    out["pgmaps"][g["address"]] = {
        "type": int(pg.type), "nr_range": int(pg.nr_range),
        "ranges": [[hex(pg.ranges[i].start), hex(pg.ranges[i].end)] for i in range(int(pg.nr_range))]}
print(json.dumps(out))
