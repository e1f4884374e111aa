"""The drgn helpers on radix-era (v4.5-v4.19) kernels that cannot be booted here.

crash-ext/tests/history/gen_history.py compiles one layout fixture per DAX entry era of
kernel-facts.md section A (the structs daxtriage reads, transcribed from v4.5, v4.8, v4.10,
v4.15, v4.18) into an ELF with DWARF, and writes memory images of what those kernels held
(radix page-cache trees with exceptional DAX entries, sector and pfn payloads, PMD entries
with sibling slots, several levels, page-pointer holes, pgmap_radix, dev_pagemaps with their
resource, altmap and percpu_ref, per-CPU counters, struct pages) with the values a correct
decoder must find, computed from the era's definitions.  The same images hold the C core in
crash-ext/tests/test_history.c (make -C crash-ext test).

Here a drgn Program is built from each image (load_debug_info on the fixture ELF,
add_memory_segment for its memory) and daxtriage.layout, tree, encodings, pgmap,
percpu_ref and mapping are held to every expected value: each leaf, flag, order and
sector/pfn, lookups, the chosen era, page association, the registry, each pgmap and its
percpu_ref mode and true count.  docs/history-fixtures.md says what is covered.
"""
import atexit
import json
import os
import shutil
import tempfile

from harness import SYS_PYTHON, TOP, Skip, run
from test_open import TOOLCHROOT, drgn_available

try:
    from test_open import tool_chroot   # per-suite chroots (drgn of trixie, sid)
except ImportError:  # an older test_open: one chroot
    from test_open import crash_chroot

    def tool_chroot(suite):
        return crash_chroot()

GEN = os.path.join(TOP, "crash-ext", "tests", "history", "gen_history.py")
DRGN_DIR = os.path.join(TOP, "drgn")
IMAGES = ["radix-4.5", "radix-4.6", "radix-4.8", "radix-4.10", "radix-4.15", "radix-4.18"]

# Runs under the drgn being tested: python3 DRIVER DRGN_DIR HISTORY_DIR OUT.json
DRIVER = r'''
import json, os, struct, sys
sys.path.insert(0, sys.argv[1])
import drgn
from drgn import Object, Program
from daxtriage.encodings import (DAX_F_EMPTY, DAX_F_LOCKED, DAX_F_PMD, DAX_F_PTE, DAX_F_ZERO,
                                 dax_entry_decode, dax_era)
from daxtriage.layout import dax_layout
from daxtriage.mapping import dax_entry_analyse, dax_era_choose, dax_mapping_load
from daxtriage.pgmap import pgmaps_collect
from daxtriage.tree import WalkStats, dax_tree_load, dax_tree_walk

ROLES = {"locked": DAX_F_LOCKED, "pmd": DAX_F_PMD, "pte": DAX_F_PTE, "zero": DAX_F_ZERO,
         "empty": DAX_F_EMPTY}
H = lambda s: int(s, 16)


def parse(path):
    regions, x = [], {"leaf": [], "load": [], "regleaf": [], "pgmap": [], "assoc": []}
    for line in open(path):
        w = line.split()
        if not w:
            continue
        if w[0] == "R":
            regions.append((H(w[2]), bytes.fromhex(w[4])))
        elif w[0] == "X":
            k = w[1]
            if k == "image":
                x.update(elf=w[3], era=w[4], kernel=w[5], payload=w[6])
            elif k == "mapping":
                x["mapping"] = [H(v) for v in w[2:5]] + [int(w[5]), int(w[6])]
            elif k == "walk":
                x["walk"] = [int(v) for v in w[2:5]]
            elif k == "leaf":
                roles = 0 if w[6] == "-" else sum(ROLES[r] for r in w[6].split(","))
                x["leaf"].append((H(w[2]), H(w[3]), H(w[4]), w[5], roles, H(w[7]), int(w[8])))
            elif k == "load":
                x["load"].append((H(w[2]), H(w[3])))
            elif k == "registry":
                x["registry"] = [H(w[2])] + [int(v) for v in w[3:6]]
            elif k == "regleaf":
                x["regleaf"].append(tuple(H(v) for v in w[2:5]))
            elif k == "pgmap":
                x["pgmap"].append(dict(addr=H(w[2]), type=w[3], start=H(w[4]), end=H(w[5]),
                                       altmap_valid=bool(int(w[6])), altmap_offset=H(w[7]),
                                       pfn_first=H(w[8]), pfn_end=H(w[9]), ref=H(w[10]),
                                       mode=w[11], known=bool(int(w[12])), count=int(w[13])))
            elif k == "assoc":
                x["assoc"].append((H(w[2]), H(w[3]), w[4], int(w[5])))
    return regions, x


def program(elf, regions):
    # the fixtures are x86_64 ELF files; newer drgn does not take the platform from them
    prog = Program(drgn.Platform(drgn.Architecture.X86_64, drgn.PlatformFlags.IS_64_BIT |
                                 drgn.PlatformFlags.IS_LITTLE_ENDIAN))
    if hasattr(prog, "extra_module"):
        # drgn 0.0.28+ (module API): a file is loaded for a module; without a build ID and
        # a loaded module to match, load_debug_info() ignores it
        mod = prog.extra_module(elf, create=True)
        mod.address_range = (0xFFFFFFFF81000000, 0xFFFFFFFF82000000)
        mod.try_file(elf, force=True)
    else:
        prog.load_debug_info([elf])
    for addr, data in regions:
        def read(address, count, offset, physical, data=data):
            return data[offset:offset + count]
        prog.add_memory_segment(addr, len(data), read, False)
    # drgn's Linux support defines vmemmap (the struct page array of SPARSEMEM_VMEMMAP) for
    # a kernel; the fixture is not one, so define it as drgn does: from vmemmap_base.
    def finder(prog_, name, flags, filename):
        if name != "vmemmap":
            return None
        try:
            base = prog_["vmemmap_base"].value_()
        except (KeyError, LookupError):
            return None
        return Object(prog_, "struct page *", base)
    if hasattr(prog, "register_object_finder"):
        prog.register_object_finder("vmemmap", finder, enable_index=0)
    else:
        prog.add_object_finder(finder)
    return prog


def check(path, elfdir):
    fails = []
    def want(cond, msg):
        if not cond:
            fails.append(msg)
    regions, x = parse(path)
    k = x["kernel"]
    want(x["leaf"] and x["load"] and x["regleaf"] and x["pgmap"],
         f"{path}: no expectations")
    prog = program(os.path.join(elfdir, x["elf"]), regions)
    l = dax_layout(prog)
    if not l.ok:
        return [f"{k}: layout: {l.error}"], 0
    kera = dax_era(x["era"])
    want(kera is not None, f"era {x['era']} not in the encodings table")
    want(l.tree == "radix", f"{k}: container {l.tree}")
    want(l.era is not None and l.era.payload == x["payload"],
         f"{k}: probed era {l.era and l.era.id} payload, kernel's {x['payload']}")
    want(l.pmd_single_slot == (x["era"] == "4.5"), f"{k}: pmd_single_slot {l.pmd_single_slot}")

    def decode(era, leaf):
        index, nr, raw, kind, roles, payload, order = leaf
        e = dax_entry_decode(era, raw)
        if kind != "exceptional":
            want(not e.is_entry, f"{k}: {era.id} decodes page pointer {raw:#x} as an entry")
            return
        want(e.is_entry, f"{k}: {era.id} does not decode {raw:#x}")
        want(e.flags == roles, f"{k}: {era.id} {raw:#x}: flags {e.flags:#x}, kernel {roles:#x}")
        want(e.payload == payload, f"{k}: {era.id} {raw:#x}: payload {e.payload:#x}, kernel {payload:#x}")
        want(e.order == order, f"{k}: {era.id} {raw:#x}: order {e.order}, kernel {order}")
        want(e.unknown_bits == 0, f"{k}: {era.id} {raw:#x}: unknown bits {e.unknown_bits:#x}")
        want(era.payload == x["payload"], f"{k}: era {era.id} payload {era.payload}")

    mapping, host, i_pages, nrpages, ino = x["mapping"]
    m = dax_mapping_load(prog, l, mapping)
    want((m.i_pages, m.host, m.nrpages, m.ino) == (i_pages, host, nrpages, ino),
         f"{k}: address_space {mapping:#x}: {m.i_pages:#x} {m.host:#x} {m.nrpages} {m.ino}")
    want(not m.walk.failed and m.walk.errors == 0, f"{k}: walk: {m.walk.error}")
    got = [m.walk.nodes, m.walk.entries, m.walk.siblings]
    want(got == x["walk"], f"{k}: walk saw {got}, the tree has {x['walk']}")
    want(len(m.leaves) == len(x["leaf"]), f"{k}: {len(m.leaves)} leaves, the tree has {len(x['leaf'])}")
    for lf, leaf in zip(m.leaves, x["leaf"]):
        want((lf.index, lf.nr, lf.raw, lf.kind) == leaf[:4],
             f"{k}: leaf {lf.index:#x}+{lf.nr:#x} {lf.raw:#x} {lf.kind}, kernel "
             f"{leaf[0]:#x}+{leaf[1]:#x} {leaf[2]:#x} {leaf[3]}")
    for leaf in x["leaf"]:
        if kera:
            decode(kera, leaf)
        decode(l.era, leaf)
    for index, raw in x["load"]:
        try:
            got = dax_tree_load(prog, i_pages, index, l)
        except ValueError as e:
            got = f"error {e}"
        want(got == raw, f"{k}: load {index:#x}: {got}, kernel {raw:#x}")

    root, nodes, entries, sibs = x["registry"]
    want(l.pgmap_radix == root, f"{k}: pgmap_radix {l.pgmap_radix:#x}")
    st = WalkStats()
    leaves = [(lf.index, lf.nr, lf.raw) for lf in dax_tree_walk(prog, root, l, "radix", st)
              if lf.kind == "pointer"]
    want(not st.failed, f"{k}: pgmap_radix walk: {st.error}")
    want([st.nodes, st.entries, st.siblings] == [nodes, entries, sibs],
         f"{k}: pgmap_radix {st.nodes} nodes {st.entries} entries {st.siblings} siblings, "
         f"kernel {nodes} {entries} {sibs}")
    want(leaves == x["regleaf"], f"{k}: pgmap_radix leaves {leaves}, kernel {x['regleaf']}")
    pms = pgmaps_collect(prog, l)
    want(not pms.error, f"{k}: pgmaps: {pms.error}")
    want(len(pms.pgmaps) == len(x["pgmap"]), f"{k}: {len(pms.pgmaps)} pgmaps, kernel {len(x['pgmap'])}")
    by = {pm.addr: pm for pm in pms.pgmaps}
    for P in x["pgmap"]:
        pm = by.get(P["addr"])
        want(pm is not None, f"{k}: pgmap {P['addr']:#x} not found")
        if pm is None:
            continue
        want(pm.type == ("unknown" if P["type"] == "-" else P["type"]), f"{k}: type {pm.type}")
        want(pm.nr_range == 1 and (pm.start[0], pm.end[0]) == (P["start"], P["end"]),
             f"{k}: pgmap {P['addr']:#x} range {pm.start} {pm.end}")
        got = (pm.altmap_valid, pm.altmap_offset, pm.pfn_first[:1], pm.pfn_end[:1])
        exp = (P["altmap_valid"], P["altmap_offset"], [P["pfn_first"]], [P["pfn_end"]])
        want(got == exp, f"{k}: pgmap {P['addr']:#x} altmap/pfns {got}, kernel {exp}")
        want(pm.ref_addr == P["ref"], f"{k}: pgmap ref {pm.ref_addr:#x}, kernel {P['ref']:#x}")
        if not P["ref"]:
            want(pm.ref_state is None and pm.ref_error, f"{k}: NULL ref not reported")
            continue
        s = pm.ref_state
        want(s is not None, f"{k}: ref {P['ref']:#x}: {pm.ref_error}")
        if s is not None:
            got = (s.mode, s.count_known, s.true_count if s.count_known else None)
            exp = (P["mode"], P["known"], P["count"] if P["known"] else None)
            want(got == exp, f"{k}: ref {P['ref']:#x}: {got}, kernel {exp}")

    ch = dax_era_choose(l, pms, [m])
    for leaf in x["leaf"]:
        decode(ch.era, leaf)
    assoc = {a[0]: a for a in x["assoc"]}
    for lf in m.leaves:
        me = dax_entry_analyse(prog, l, pms, m, ch.era, lf)
        want(not me.order_mismatch, f"{k}: entry at {lf.index:#x}: span {lf.nr:#x} flagged")
        if lf.index in assoc:
            _, pfn, a, busy = assoc[lf.index]
            got = (me.pfn, me.assoc, me.busy, me.unreadable)
            want(got == (pfn, a, busy, 0), f"{k}: entry at {lf.index:#x}: {got}, kernel "
                 f"{(pfn, a, busy, 0)}")
    return fails, len(x["leaf"]) + len(x["load"]) + len(x["regleaf"]) + len(x["pgmap"])


out = {"drgn": drgn.__version__}
hist = sys.argv[2]
for name in sorted(os.listdir(hist)):
    if name.endswith(".rec"):
        try:
            out[name[:-4]] = check(os.path.join(hist, name), hist)
        except Exception as e:  # a traceback is a failure of the test, reported as such
            import traceback
            out[name[:-4]] = ([traceback.format_exc()[-1500:]], 0)
json.dump(out, open(sys.argv[3], "w"))
'''

_generated = {}


def images():
    """Generate the fixtures once per run into a temporary directory (not the tree)."""
    if "dir" not in _generated:
        d = tempfile.mkdtemp(prefix="daxtriage-history-")
        atexit.register(shutil.rmtree, d, True)
        r = run([SYS_PYTHON, GEN, d], timeout=600)
        _generated["dir"] = d
        _generated["error"] = None if r.returncode == 0 else \
            f"gen_history.py failed: {(r.stderr or r.stdout).strip()[-600:]}"
    if _generated["error"]:
        raise AssertionError(_generated["error"])
    skip = os.path.join(_generated["dir"], "SKIP")
    if os.path.exists(skip):
        raise Skip(open(skip).read().strip())
    return _generated["dir"]


def run_driver(where):
    """Run DRIVER on every image: on the host (/usr/bin/python3) or in a chroot suite."""
    hist = images()
    tmp = tempfile.mkdtemp(prefix="daxtriage-history-drgn-")
    try:
        drv = os.path.join(tmp, "driver.py")
        with open(drv, "w") as f:
            f.write(DRIVER)
        res = os.path.join(tmp, "res.json")
        if where == "host":
            r = run([SYS_PYTHON, drv, DRGN_DIR, hist, res], timeout=600)
        else:
            r = run([TOOLCHROOT, "run", where, "--bind", TOP, "--bind", hist, "--bind", tmp,
                     "--", "python3", drv, DRGN_DIR, hist, res], timeout=900)
        assert r.returncode == 0, f"drgn ({where}): {(r.stderr or r.stdout).strip()[-800:]}"
        with open(res) as f:
            return json.load(f)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def check_results(res, where):
    missing = [n for n in IMAGES if n not in res]
    assert not missing, f"images not checked ({where}): {missing}"
    fails = [f for n in IMAGES for f in res[n][0]]
    checked = sum(res[n][1] for n in IMAGES)
    assert not fails, f"drgn {res['drgn']} ({where}): {len(fails)} failures:\n  " + \
        "\n  ".join(fails[:12])
    assert checked > 0, "no expectation was checked"
    print(f"    drgn {res['drgn']}: {len(IMAGES)} images, {checked} expectations")


def test_history_drgn_host():
    """drgn 0.0.22 (Debian's python) on every radix-era image."""
    drgn_available()
    check_results(run_driver("host"), "host")


def test_history_drgn_trixie():
    """drgn 0.0.31 (trixie chroot) on the same images."""
    tool_chroot("trixie")
    check_results(run_driver("trixie"), "trixie")


def test_history_drgn_sid():
    """drgn 0.3.0 (sid chroot) on the same images."""
    tool_chroot("sid")
    check_results(run_driver("sid"), "sid")
