"""Make corrupted copies of a sample's kdump vmcore (tests/test_corrupt_dumps.py).

    drgn -c VMCORE -s VMLINUX corrupt_dump.py TRUTH.json OUTDIR

Runs under drgn on the pristine dump, finds the kernel objects the DAX commands walk (the
xa_nodes of every DAX file's page cache, the dev_pagemaps and their percpu_ref_data, the
struct pages of the pinned pfns, the super_block and inode lists they hang on) from
truth.json's addresses, translates them to physical pages (direct map, or a walk of
init_mm's page tables for the vmemmap) and writes OUTDIR/<variant>.vmcore per variant with
those objects overwritten (tests/kdump_patch.py), and OUTDIR/variants.json: [{name, what,
objects: [name...]}].  Deterministic: every random choice is from a seeded generator.
"""
import json
import os
import random
import shutil
import struct
import sys

from drgn import FaultError, Object, offsetof

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from kdump_patch import KdumpFile  # noqa: E402

PAGE = 4096
truth_path, outdir = sys.argv[1], sys.argv[2]
truth = json.load(open(truth_path))
P = prog  # noqa: F821 - drgn defines prog
POB = P["page_offset_base"].value_()
START_KERNEL_MAP = 0xFFFFFFFF80000000  # arch/x86/include/asm/page_64_types.h
PHYS_BASE = P.read_u64(P.symbol("phys_base").address)


def hexint(v):
    return int(v, 16) if isinstance(v, str) else int(v)


def u64p(pa):
    return struct.unpack("<Q", P.read(pa, 8, True))[0]


def v2p(va):
    """Physical address of a kernel virtual address: direct map, else init_mm's 4-level
    tables (x86_64 without la57: QEMU's default CPU), 1 GiB / 2 MiB leaves included."""
    if POB <= va < POB + (1 << 46):
        return va - POB
    if va >= START_KERNEL_MAP:      # the kernel image: __pa_symbol()
        return (va - START_KERNEL_MAP + PHYS_BASE) & 0xFFFFFFFFFFFFFFFF  # phys_base wraps
    table = v2p(P["init_mm"].pgd.value_())
    for shift in (39, 30, 21, 12):
        e = u64p(table + ((va >> shift) & 511) * 8)
        if not e & 1:
            return None
        base = e & 0x000FFFFFFFFFF000
        if shift in (30, 21) and e & 0x80:
            return (base & ~((1 << shift) - 1)) + (va & ((1 << shift) - 1))
        table = base
    return table + (va & (PAGE - 1))


class Obj:
    def __init__(self, name, va, size):
        self.name, self.va, self.size = name, va, size


def xa_nodes(head, limit=64):
    """xa_nodes under an xa_head (xa_is_node: low bits 10, above 4096)."""
    out, todo = [], [head]
    while todo and len(out) < limit:
        h = todo.pop()
        if h & 3 != 2 or h < 4096:
            continue
        node = Object(P, "struct xa_node", address=h - 2)
        out.append(h - 2)
        try:
            for s in node.slots:
                todo.append(s.value_())
        except FaultError:
            pass
    return out


NODE_SIZE = P.type("struct xa_node").size
PGMAP_SIZE = P.type("struct dev_pagemap").size
objs = {}
files = [f for f in truth["kernel"]["files"] if f["dax"]]
for i, f in enumerate(files):
    xa = Object(P, "struct xarray", address=hexint(f["i_pages"]))
    for j, n in enumerate(xa_nodes(xa.xa_head.value_())):
        objs[f"xa_node{i}.{j}"] = Obj(f"xa_node {n:#x} of {f['path']}", n, NODE_SIZE)
for i, pm in enumerate(truth["kernel"]["pgmaps"]):
    a = hexint(pm["address"])
    objs[f"pgmap{i}"] = Obj(f"dev_pagemap {a:#x}", a, PGMAP_SIZE)
    data = Object(P, "struct dev_pagemap", address=a).ref.data.value_()
    objs[f"refdata{i}"] = Obj(f"percpu_ref_data {data:#x}", data,
                              P.type("struct percpu_ref_data").size)
VMEMMAP = P["vmemmap_base"].value_()
PAGE_SIZE_T = P.type("struct page").size
for pin in truth["construction"].get("pins", []):
    pfn = hexint(pin["pfn"])
    objs[f"page{pfn:x}"] = Obj(f"struct page of pfn {pfn:#x}", VMEMMAP + pfn * PAGE_SIZE_T,
                               PAGE_SIZE_T)
# the first 2 MiB of the fsdax memmap (pfns of the first pgmap): what pgmap -p walks
pm0 = truth["kernel"]["pgmaps"][0]["ranges"][0]
objs["memmap0"] = Obj(f"struct pages of pfn {pm0['pfn_first']:#x}+512",
                      VMEMMAP + pm0["pfn_first"] * PAGE_SIZE_T, 512 * PAGE_SIZE_T)

LIST = P.type("struct list_head").size
off = lambda t, m: offsetof(P.type(t), m)  # noqa: E731
f0 = files[0]
sb, inode = hexint(f0["sb"]), hexint(f0["inode"])
LINKS = {   # name: (address of a list_head, what it is)
    "sb_list": (sb + off("struct super_block", "s_list"), f"super_block {sb:#x} s_list"),
    "sb_inodes": (sb + off("struct super_block", "s_inodes"), f"super_block {sb:#x} s_inodes"),
    "i_sb_list": (inode + off("struct inode", "i_sb_list"), f"inode {inode:#x} i_sb_list"),
}


class Image:
    """Pages of one variant: physical page -> bytearray, written to a copy at the end."""

    def __init__(self):
        self.pages = {}

    def _page(self, pa):
        base = pa & ~(PAGE - 1)
        if base not in self.pages:
            self.pages[base] = bytearray(P.read(base, PAGE, True))
        return self.pages[base], pa - base

    def write(self, va, data):
        """Write bytes at a virtual address, page by page; False where not translatable."""
        ok, pa = True, None
        for k in range(len(data)):
            if k == 0 or (va + k) % PAGE == 0:
                pa = v2p(va + k)
            elif pa is not None:
                pa += 1
            if pa is None:
                ok = False
                continue
            page, o = self._page(pa)
            page[o] = data[k]
        return ok

    def read(self, va, n):
        out, pa = bytearray(), None
        for k in range(n):
            pa = v2p(va + k) if k == 0 or (va + k) % PAGE == 0 else pa + 1
            page, o = self._page(pa)
            out.append(page[o])
        return bytes(out)

    def save(self, src, dst):
        shutil.copyfile(src, dst)
        k = KdumpFile(dst)
        held = sum(k.patch_page(pa >> 12, bytes(pg)) for pa, pg in sorted(self.pages.items()))
        k.close()
        return held


def garbage(img, rnd, names):
    for n in names:
        o = objs[n]
        img.write(o.va, bytes(rnd.getrandbits(8) for _ in range(o.size)))


def zeroes(img, names):
    for n in names:
        img.write(objs[n].va, bytes(objs[n].size))


def bitflips(img, rnd, names):
    for n in names:
        o = objs[n]
        b = bytearray(img.read(o.va, o.size))
        for _ in range(max(1, o.size // 32)):
            bit = rnd.randrange(o.size * 8)
            b[bit >> 3] ^= 1 << (bit & 7)
        img.write(o.va, bytes(b))


def cycles(img):
    """Every xa_node's slots and parent point at the node itself; the inode and super_block
    lists loop on one element that is not their head."""
    for n in (k for k in objs if k.startswith("xa_node")):
        o = objs[n]
        node = Object(P, "struct xa_node", address=o.va)
        self_entry = struct.pack("<Q", o.va | 2)
        for s in range(len(node.slots)):
            img.write(o.va + off("struct xa_node", "slots") + 8 * s, self_entry)
        img.write(o.va + off("struct xa_node", "parent"), self_entry)
    for a, _ in LINKS.values():
        img.write(a, struct.pack("<QQ", a, a))


nodes = [k for k in objs if k.startswith("xa_node")]
pgmap_objs = [k for k in objs if k.startswith(("pgmap", "refdata", "page"))]
variants = []


def variant(name, what, names, fn):
    img = Image()
    fn(img)
    path = os.path.join(outdir, f"{name}.vmcore")
    held = img.save(vmcore_path, path)
    variants.append({"name": name, "what": what,
                     "objects": [objs[n].name if n in objs else LINKS[n][1] for n in names],
                     "pages_patched": held, "pages_wanted": len(img.pages)})


vmcore_path = os.environ["DT_VMCORE"]
os.makedirs(outdir, exist_ok=True)
# Independent objects share a copy (one crash session each costs 15-30 s): the tree and the
# pgmap objects are corrupted in different ways in the same dump.
variant("tree-garbage+pgmap-zeroes", "random bytes over every xa_node and an inode's "
        "i_sb_list; zeroes over the dev_pagemaps, percpu_ref_data and pinned struct pages",
        nodes + ["i_sb_list"] + pgmap_objs,
        lambda img: (garbage(img, random.Random(1), nodes),
                     img.write(LINKS["i_sb_list"][0], random.Random(11).randbytes(2 * LIST)),
                     zeroes(img, pgmap_objs)))
variant("pgmap-garbage+node-zeroes", "random bytes over the dev_pagemaps, percpu_ref_data, "
        "pinned struct pages and 2 MiB of the fsdax memmap; zeroes over the first xa_node",
        pgmap_objs + ["memmap0"] + nodes[:1],
        lambda img: (garbage(img, random.Random(2), pgmap_objs + ["memmap0"]),
                     zeroes(img, nodes[:1])))
variant("cycles", "xa_node slots/parent to themselves; super_blocks, s_inodes and i_sb_list "
        "looping on a non-head element", nodes + list(LINKS), cycles)
every = nodes + pgmap_objs + ["memmap0"]
variant("bitflips-3", "one bit in 32 bytes flipped (seed 3) in every object", every,
        lambda img: bitflips(img, random.Random(3), every))
json.dump(variants, open(os.path.join(outdir, "variants.json"), "w"), indent=1)
print(f"{len(variants)} variants, {len(objs)} objects")
