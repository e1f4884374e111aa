#!/usr/bin/python3
"""Build the radix-era (v4.5-v4.19) fixtures: layout ELF files and memory images.

    gen_history.py OUTDIR

For each layout fixture radix-<release>.c (the structs daxtriage reads, transcribed from
that release), compile an ELF with DWARF (gcc -g -fno-eliminate-unused-debug-types,
linked at kernel addresses), read its layouts back with drgn, and write one or more memory
images as recordings OUTDIR/<image>.rec in the format of crash-ext/tests/fixtures/*.rec
(R/S/O/Z/T/E/P lines, see fake.h), plus X lines that say what a correct decoder must find.

The images hold what the kernel of that era would have in memory: a DAX inode whose
page-cache radix tree has exceptional entries (sector or pfn payloads, 4k and PMD entries,
PMD sibling slots, page pointers for holes, several levels), a struct page for each pfn
of the v4.17+ entries, a pgmap_radix registry, dev_pagemaps (with resource, altmap and
percpu_ref in the layout of the era) and per-CPU counters.

Every expected value is computed here from the era's definitions (the RADIX_DAX_* and radix
tree rules of fs/dax.c, include/linux/radix-tree.h, lib/radix-tree.c and kernel/memremap.c
of that release, see shared/docs/kernel-facts.md sections A, B.2, C.3, D), never by
running daxtriage's decoders nor from share/dax-encodings.json.  The X lines:

    X image NAME ELF ERA KERNEL PAYLOAD    era id (dax-encodings.json) the kernel used
    X mapping MAPPING HOST I_PAGES NRPAGES INO
    X walk NODES ENTRIES SIBLINGS          the i_pages/page_tree walk, in index order:
    X leaf INDEX NR RAW KIND ROLES PAYLOAD ORDER   (ROLES: locked,pmd,pte,zero,empty or -)
    X load INDEX RAW                       what a lookup of INDEX returns (0: nothing)
    X registry ROOT NODES ENTRIES SIBLINGS the pgmap_radix walk, then its leaves:
    X regleaf INDEX NR VALUE
    X pgmap ADDR TYPE START END ALTMAP_VALID ALTMAP_OFFSET PFN_FIRST PFN_END REF MODE KNOWN COUNT
    X assoc INDEX PFN ASSOC BUSY           page association of a real pfn entry (v4.17+)

If drgn cannot be imported, OUTDIR/SKIP says so and nothing else is written.
"""
import os
import re
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# Linked like vmlinux: data and text at kernel addresses, so that symbols are kernel
# addresses and the DWARF describes the structs as the kernel's would on x86_64.
CFLAGS = ["-g", "-O0", "-fno-eliminate-unused-debug-types", "-nostdlib", "-static",
          "-no-pie", "-fno-pic", "-mcmodel=kernel", "-Wl,--build-id=none", "-Wl,-e,0",
          "-Wl,-Ttext-segment=0xffffffff81000000", "-Wall"]

U64 = (1 << 64) - 1
# symbols the linker adds to any executable: not the kernel's
LINKER_SYMBOLS = {"__bss_start", "_edata", "_end", "_etext", "etext", "edata", "end"}

# ------------------------------------------------------------------ era definitions
# include/linux/radix-tree.h (v4.5-v4.19)
RADIX_TREE_MAP_SHIFT = 6
RADIX_TREE_MAP_SIZE = 1 << RADIX_TREE_MAP_SHIFT
RADIX_TREE_EXCEPTIONAL_ENTRY = 2
RADIX_TREE_EXCEPTIONAL_SHIFT = 2
RADIX_TREE_INTERNAL_NODE = 1      # RADIX_TREE_INDIRECT_PTR before v4.7 (same bit)
# node->path (v4.5-v4.6): RADIX_TREE_HEIGHT_SHIFT = RADIX_TREE_MAX_PATH + 1,
# RADIX_TREE_MAX_PATH = DIV_ROUND_UP(BITS_PER_LONG, RADIX_TREE_MAP_SHIFT) = 11
RADIX_TREE_HEIGHT_SHIFT = (64 + RADIX_TREE_MAP_SHIFT - 1) // RADIX_TREE_MAP_SHIFT + 1
PMD_ORDER = 9                      # PMD_SHIFT - PAGE_SHIFT on x86_64
PAGE_SHIFT = 12
PA_SECTION_SHIFT = 27              # SECTION_SIZE_BITS, x86_64
# include/linux/percpu-refcount.h, lib/percpu-refcount.c
PERCPU_REF_ATOMIC = 1
PERCPU_REF_DEAD = 2
PERCPU_COUNT_BIAS = 1 << 63


def dax_entry(era, payload, roles):
    """The raw slot word fs/dax.c of an era stores for an entry (kernel-facts A.1-A.5)."""
    exc = RADIX_TREE_EXCEPTIONAL_ENTRY
    if era == "4.5":
        # include/linux/radix-tree.h v4.5: RADIX_DAX_SHIFT 4,
        # RADIX_DAX_PTE (0x4 | EXCEPTIONAL), RADIX_DAX_PMD (0x8 | EXCEPTIONAL),
        # RADIX_DAX_ENTRY(sector, pmd) = sector << RADIX_DAX_SHIFT | (pmd ? PMD : PTE)
        assert roles in ({"pte"}, {"pmd"})
        return payload << 4 | (0x8 | exc if "pmd" in roles else 0x4 | exc)
    if era == "4.7":
        # fs/dax.c after dax-locking-for-4.7: RADIX_DAX_SHIFT = EXCEPTIONAL_SHIFT + 3,
        # PTE 1 << (EXCEPTIONAL_SHIFT + 1), PMD 1 << (EXCEPTIONAL_SHIFT + 2);
        # include/linux/dax.h RADIX_DAX_ENTRY_LOCK = 1 << EXCEPTIONAL_SHIFT
        assert roles - {"locked"} in ({"pte"}, {"pmd"})
        w = payload << (RADIX_TREE_EXCEPTIONAL_SHIFT + 3) | exc
        w |= 1 << (RADIX_TREE_EXCEPTIONAL_SHIFT + (2 if "pmd" in roles else 1))
        if "locked" in roles:
            w |= 1 << RADIX_TREE_EXCEPTIONAL_SHIFT
        return w
    if era in ("4.10", "4.14", "4.17"):
        # RADIX_DAX_SHIFT = EXCEPTIONAL_SHIFT + 4; ENTRY_LOCK 1 << 2, PMD 1 << 3,
        # HZP/ZERO_PAGE 1 << 4, EMPTY 1 << 5 (include/linux/dax.h v4.10, fs/dax.c v4.14+);
        # the payload is a sector until 3fe0791c295c made it the pfn (v4.17)
        bits = {"locked": 1 << 2, "pmd": 1 << 3, "zero": 1 << 4, "empty": 1 << 5}
        assert roles <= set(bits)
        w = payload << (RADIX_TREE_EXCEPTIONAL_SHIFT + 4) | exc
        for r in roles:
            w |= bits[r]
        return w
    raise ValueError(era)


def entry_order(roles):
    return PMD_ORDER if "pmd" in roles else 0


# ------------------------------------------------------------------ layouts from DWARF


class Dwarf:
    """Member offsets and sizes, type sizes, enumerators and symbols of a fixture ELF."""

    def __init__(self, elf, sources):
        import drgn

        self.drgn = drgn
        self.elf = elf
        self.prog = drgn.Program()
        self.prog.load_debug_info([elf])
        names = set()
        for src in sources:
            with open(src) as f:
                names.update(re.findall(r"^(?:typedef )?struct (\w+) \{", f.read(), re.M))
        self.structs = {}
        for n in sorted(names):
            try:
                t = self.prog.type("struct " + n)
            except LookupError:
                continue
            members = {}
            self._flatten(t, 0, members)
            self.structs[n] = (drgn.sizeof(t), members)
        self.enums = {}
        for src in sources:
            with open(src) as f:
                for en in re.findall(r"^enum (\w+) \{", f.read(), re.M):
                    for e in self.prog.type("enum " + en).enumerators:
                        self.enums[e.name] = e.value
        out = subprocess.run(["nm", "-P", "--defined-only", elf], capture_output=True,
                             text=True, check=True).stdout
        self.symbols = {}
        for line in out.splitlines():
            w = line.split()
            if len(w) >= 3 and w[1] in "TtDdBbRr" and w[0] not in LINKER_SYMBOLS:
                self.symbols[w[0]] = int(w[2], 16)

    def _flatten(self, t, base, out):
        drgn = self.drgn
        while t.kind == drgn.TypeKind.TYPEDEF:
            t = t.type
        for m in t.members:
            off = base + m.bit_offset // 8
            if m.name is None:
                self._flatten(m.type, off, out)
            elif m.name not in out:
                out[m.name] = (off, drgn.sizeof(m.type))

    def off(self, t, m):
        return self.structs[t][1][m][0]

    def msize(self, t, m):
        return self.structs[t][1][m][1]

    def has(self, t, m):
        return t in self.structs and m in self.structs[t][1]

    def size(self, t):
        return self.structs[t][0]

    def sym(self, name):
        return self.symbols[name]

    def rec_lines(self):
        """The debuginfo answers, as DAXTRIAGE_RECORD writes them."""
        out = []
        for n, (size, members) in sorted(self.structs.items()):
            out.append(f"T {n} {size}")
            for m, (off, msize) in members.items():
                out.append(f"O {n} {m} {off}")
                out.append(f"Z {n} {m} {msize}")
        for e, v in sorted(self.enums.items()):
            out.append(f"E {e} {v}")
        for s, a in sorted(self.symbols.items()):
            out.append(f"S {s} {a:x}")
        return out


# ------------------------------------------------------------------ sparse memory


class Memory:
    """The dump: 4 KiB pages that exist; everything else is not in the dump."""

    HEAP = 0xFFFF888010000000

    def __init__(self, dw):
        self.dw = dw
        self.pages = {}
        self.brk = self.HEAP

    def alloc(self, size, align=64):
        a = (self.brk + align - 1) & ~(align - 1)
        self.brk = a + size
        self.write(a, bytes(size))
        return a

    def alloc_type(self, t):
        return self.alloc(self.dw.size(t))

    def write(self, addr, data):
        for i in range(0, len(data)):
            a = addr + i
            p = self.pages.setdefault(a >> 12, bytearray(4096))
            p[a & 4095] = data[i]

    def zero(self, addr, size):
        self.write(addr, bytes(size))

    def uint(self, addr, size, v):
        self.write(addr, (v & ((1 << (8 * size)) - 1)).to_bytes(size, "little"))

    def set(self, base, t, m, v):
        """base->m = v, with the member's own width."""
        size = self.dw.msize(t, m)
        assert size in (1, 2, 4, 8), (t, m, size)
        self.uint(base + self.dw.off(t, m), size, v)

    def rec_lines(self):
        out = []
        keys = sorted(self.pages)
        i = 0
        while i < len(keys):
            j = i
            while j + 1 < len(keys) and keys[j + 1] == keys[j] + 1:
                j += 1
            data = b"".join(bytes(self.pages[k]) for k in keys[i:j + 1])
            out.append(f"R v {keys[i] << 12:x} {len(data)} {data.hex()}")
            i = j + 1
        return out


# ------------------------------------------------------------------ radix tree


class Node:
    def __init__(self, shift, offset, parent):
        self.shift, self.offset, self.parent = shift, offset, parent
        self.slots = [None] * RADIX_TREE_MAP_SIZE   # ("node", Node) ("item", w) ("sib", i)
        self.addr = 0


class RadixTree:
    """A radix tree as lib/radix-tree.c of the era builds it.

    Items of order >= RADIX_TREE_MAP_SHIFT are multi-order entries (v4.6+ with
    CONFIG_RADIX_TREE_MULTIORDER): __radix_tree_create() descends while shift > order, so
    the entry lands in the node of shift (order // 6) * 6 and takes 1 << (order - shift)
    slots, the first one canonical, the others sibling pointers to it ((&slots[canon]) |
    RADIX_TREE_INTERNAL_NODE, insert_entries()).  Order-0 items sit in shift-0 nodes.
    """

    def __init__(self):
        self.items = []

    def insert(self, index, word, order=0):
        assert index & ((1 << order) - 1) == 0
        self.items.append((index, word, order))

    def build(self, mem, root, path_nodes, tag_children):
        dw = mem.dw
        last = max(i + (1 << o) - 1 for i, _, o in self.items)
        top = 0
        while last >> (top + RADIX_TREE_MAP_SHIFT):
            top += RADIX_TREE_MAP_SHIFT
        top = max([top] + [o // RADIX_TREE_MAP_SHIFT * RADIX_TREE_MAP_SHIFT
                           for _, _, o in self.items])
        self.top = Node(top, 0, None)
        for index, word, order in sorted(self.items):
            node = self.top
            place = order // RADIX_TREE_MAP_SHIFT * RADIX_TREE_MAP_SHIFT
            while node.shift > place:
                off = index >> node.shift & (RADIX_TREE_MAP_SIZE - 1)
                if node.slots[off] is None:
                    node.slots[off] = ("node", Node(node.shift - RADIX_TREE_MAP_SHIFT, off, node))
                kind, child = node.slots[off]
                assert kind == "node"
                node = child
            off = index >> node.shift & (RADIX_TREE_MAP_SIZE - 1)
            n = 1 << (order - node.shift)
            assert all(s is None for s in node.slots[off:off + n])
            node.slots[off] = ("item", word)
            for k in range(1, n):
                node.slots[off + k] = ("sib", off)
        nodes = []

        def collect(nd):
            nodes.append(nd)
            for s in nd.slots:
                if s and s[0] == "node":
                    collect(s[1])

        collect(self.top)
        t = "radix_tree_node"
        for nd in nodes:
            nd.addr = mem.alloc(dw.size(t))
        slots = dw.off(t, "slots")
        self.nodes = len(nodes)
        self.siblings = 0
        for nd in nodes:
            count = exceptional = 0
            for i, s in enumerate(nd.slots):
                if s is None:
                    continue
                count += 1
                if s[0] == "node":
                    w = s[1].addr | (RADIX_TREE_INTERNAL_NODE if tag_children else 0)
                elif s[0] == "sib":
                    w = (nd.addr + slots + 8 * s[1]) | RADIX_TREE_INTERNAL_NODE
                    self.siblings += 1
                    canon = nd.slots[s[1]][1]
                    exceptional += canon & 3 == RADIX_TREE_EXCEPTIONAL_ENTRY
                else:
                    w = s[1]
                    exceptional += w & 3 == RADIX_TREE_EXCEPTIONAL_ENTRY
                mem.uint(nd.addr + slots + 8 * i, 8, w)
            height = nd.shift // RADIX_TREE_MAP_SHIFT + 1
            if path_nodes:
                mem.set(nd.addr, t, "path", height | nd.offset << RADIX_TREE_HEIGHT_SHIFT)
            else:
                mem.set(nd.addr, t, "shift", nd.shift)
                mem.set(nd.addr, t, "offset", nd.offset)
            mem.set(nd.addr, t, "count", count)
            if dw.has(t, "exceptional"):
                mem.set(nd.addr, t, "exceptional", exceptional)
            mem.set(nd.addr, t, "parent", nd.parent.addr if nd.parent else 0)
            if dw.has(t, "root"):
                mem.set(nd.addr, t, "root", root)
        # the root pointer is always tagged when it points to a node
        mem.set(root, "radix_tree_root", "rnode", self.top.addr | RADIX_TREE_INTERNAL_NODE)
        if path_nodes:
            mem.set(root, "radix_tree_root", "height", self.top.shift // RADIX_TREE_MAP_SHIFT + 1)

    def leaves(self):
        """(index, nr, word) of every entry in index order: nr counts the tree's slots."""
        out = []
        for index, word, order in sorted(self.items):
            place = order // RADIX_TREE_MAP_SHIFT * RADIX_TREE_MAP_SHIFT
            out.append((index, (1 << (order - place)) << place, word))
        return out

    def lookup(self, index):
        """radix_tree_lookup(): the entry whose slots cover index, 0 if none."""
        for i, word, order in self.items:
            if i <= index < i + (1 << order):
                return word
        return 0


# ------------------------------------------------------------------ images


class Image:
    """One memory image and the X lines of what is in it."""

    def __init__(self, name, dw, elf, era, kernel, payload):
        self.name, self.dw, self.era = name, dw, era
        self.mem = Memory(dw)
        self.x = [f"X image {name} {os.path.basename(elf)} {era} {kernel} {payload}"]
        self.extra = []
        self.cpus = []

    # -- per-CPU areas (mm/percpu.c): __per_cpu_offset[cpu] is added to a __percpu address
    def setup_cpus(self, ncpu):
        m, dw = self.mem, self.dw
        self.cpus = [0xFFFF88807FC00000 + cpu * 0x40000 for cpu in range(ncpu)]
        m.uint(dw.sym("__cpu_possible_mask"), 8, (1 << ncpu) - 1)
        m.uint(dw.sym("nr_cpu_ids"), 4, ncpu)
        m.zero(dw.sym("__per_cpu_offset"), 8 * 64)
        for cpu, off in enumerate(self.cpus):
            m.uint(dw.sym("__per_cpu_offset") + 8 * cpu, 8, off)

    def percpu_ref(self, pcp_base, flags, count, confirm, percpu):
        """A struct percpu_ref (inline layout, <= v5.8) and its per-CPU counters; returns
        (addr, mode, true_count) per lib/percpu-refcount.c (kernel-facts D.3)."""
        m, dw, t = self.mem, self.dw, "percpu_ref"
        a = m.alloc_type(t)
        m.set(a, t, "count", count)
        m.set(a, t, "percpu_count_ptr", pcp_base | flags)
        m.set(a, t, "release", dw.sym("blk_queue_usage_counter_release"))
        m.set(a, t, "confirm_switch", confirm)
        for off, v in zip(self.cpus, percpu):
            m.uint(pcp_base + off, 8, v)
        if flags & PERCPU_REF_DEAD:
            mode = "dead"
        elif not flags & PERCPU_REF_ATOMIC:
            mode = "percpu"
        else:
            mode = "switching" if confirm else "atomic"
        # the atomic count carries PERCPU_COUNT_BIAS until the per-CPU sum is folded in
        biased = not flags & PERCPU_REF_ATOMIC or count >> 63
        true = (count - PERCPU_COUNT_BIAS + sum(percpu)) & U64 if biased else count
        true = true - (1 << 64) if true >> 63 else true
        return a, mode, true

    def inode(self, ino, nrpages):
        m, dw = self.mem, self.dw
        ip = m.alloc_type("inode")
        mapping = ip + dw.off("inode", "i_data")
        m.set(ip, "inode", "i_mode", 0o100644)
        m.set(ip, "inode", "i_flags", 1 << 13)      # S_DAX (include/linux/fs.h)
        m.set(ip, "inode", "i_mapping", mapping)
        m.set(ip, "inode", "i_ino", ino)
        m.set(ip, "inode", "i_size", 1 << 30)
        m.set(mapping, "address_space", "host", ip)
        m.set(mapping, "address_space", "nrpages", nrpages)
        tree = "i_pages" if dw.has("address_space", "i_pages") else "page_tree"
        i_pages = mapping + dw.off("address_space", tree)
        self.x.append(f"X mapping {mapping:x} {ip:x} {i_pages:x} {nrpages} {ino}")
        return mapping, i_pages

    def page_tree(self, i_pages, entries, path_nodes=False, tag_children=True):
        """entries: (index, kind, roles, payload); kind 'entry' or 'page' (a page pointer)."""
        rt = RadixTree()
        words = {}
        for index, kind, roles, payload in entries:
            if kind == "page":
                w = payload
            else:
                w = dax_entry(self.era, payload, roles)
            # v4.5-v4.6 store a PMD entry in one slot at the PMD-aligned index
            # (dax_radix_entry(): radix_tree_insert(), order 0); multi-order from v4.10
            order = entry_order(roles) if kind == "entry" and not path_nodes else 0
            rt.insert(index, w, order)
            words[w] = (kind, roles, payload)
        rt.build(self.mem, i_pages, path_nodes, tag_children)
        self.x.append(f"X walk {rt.nodes} {len(rt.items)} {rt.siblings}")
        for index, nr, w in rt.leaves():
            kind, roles, payload = words[w]
            if kind == "page":
                self.x.append(f"X leaf {index:x} {nr:x} {w:x} pointer - 0 0")
            else:
                self.x.append(f"X leaf {index:x} {nr:x} {w:x} exceptional "
                              f"{','.join(sorted(roles)) or '-'} {payload:x} "
                              f"{entry_order(roles)}")
        probes = set()
        for index, nr, w in rt.leaves():
            probes.update((index, index + nr - 1, index + nr // 2, index + nr))
            if "pmd" in words[w][1]:
                probes.update((index + 1, index + (1 << PMD_ORDER) - 1))
        probes.update((2, 63, 64, 4095, 1 << 40))
        for i in sorted(probes):
            self.x.append(f"X load {i:x} {rt.lookup(i):x}")
        return rt

    def registry(self, entries, path_nodes=False, tag_children=True):
        """pgmap_radix with (index, value, order) entries (kernel/memremap.c)."""
        root = self.dw.sym("pgmap_radix")
        rt = RadixTree()
        for index, value, order in entries:
            rt.insert(index, value, order)
        rt.build(self.mem, root, path_nodes, tag_children)
        self.x.append(f"X registry {root:x} {rt.nodes} {len(rt.items)} {rt.siblings}")
        for index, nr, w in rt.leaves():
            self.x.append(f"X regleaf {index:x} {nr:x} {w:x}")

    def expect_pgmap(self, addr, mtype, start, end, altmap_valid, altmap_offset, ref):
        """pfn_first()/pfn_end() of kernel/memremap.c: the first pfn after the altmap's
        reserve + free when an altmap is in use, up to the end of the resource."""
        pfn_first = (start >> PAGE_SHIFT) + (altmap_offset if altmap_valid else 0)
        pfn_end = (end + 1) >> PAGE_SHIFT
        if ref is None:
            r = "0 - 0 0"
        else:
            a, mode, true = ref
            r = f"{a:x} {mode} 1 {true}"
        self.x.append(f"X pgmap {addr:x} {mtype} {start:x} {end:x} {int(altmap_valid)} "
                      f"{altmap_offset:x} {pfn_first:x} {pfn_end:x} {r}")

    def rec(self):
        return self.dw.rec_lines() + self.extra + self.mem.rec_lines() + self.x


def page_map_pgmap(img, start, end, altmap, ref_addr, mtype=None):
    """struct page_map of kernel/memremap.c (v4.5-v4.15): the resource, the ref, the pgmap
    and the altmap copy; pgmap->res and pgmap->altmap point into it."""
    m, dw = img.mem, img.dw
    pm = m.alloc_type("page_map")
    res = pm + dw.off("page_map", "res")
    m.set(res, "resource", "start", start)
    m.set(res, "resource", "end", end)
    m.set(pm, "page_map", "ref", ref_addr)
    pg = pm + dw.off("page_map", "pgmap")
    m.set(pg, "dev_pagemap", "res", res)
    m.set(pg, "dev_pagemap", "ref", ref_addr)
    m.set(pg, "dev_pagemap", "dev", 0xFFFF888012340000)
    if altmap:
        am = pm + dw.off("page_map", "altmap")
        for k, v in altmap.items():
            m.set(am, "vmem_altmap", k, v)
        m.set(pg, "dev_pagemap", "altmap", am)
    if mtype is not None:
        m.set(pg, "dev_pagemap", "type", dw.enums[mtype])
    return pm, pg


def section_keys(start, end):
    """devm_memremap_pages() before v4.14: one pgmap_radix entry per memory section of the
    section-aligned range, keyed by section number."""
    size = 1 << PA_SECTION_SHIFT
    a0 = start & ~(size - 1)
    a1 = (end + 1 + size - 1) & ~(size - 1)
    return [k >> PA_SECTION_SHIFT for k in range(a0, a1, size)]


def order_at(start, nr_pages, pgoff):
    """kernel/memremap.c order_at() (v4.14-v4.19): the largest aligned power-of-2 range
    from pgoff to the end of the resource."""
    if pgoff == nr_pages:
        return None
    rem = nr_pages - pgoff
    mask = (start >> PAGE_SHIFT) + pgoff | 1 << (rem.bit_length() - 1)
    return (mask & -mask).bit_length() - 1


def pfn_keys(start, end, value):
    """foreach_order_pgoff(): __radix_tree_insert(&pgmap_radix, pfn, order, value)."""
    nr = (end + 1 - start) >> PAGE_SHIFT
    out, pgoff = [], 0
    while True:
        order = order_at(start, nr, pgoff)
        if order is None:
            return out
        out.append(((start >> PAGE_SHIFT) + pgoff, value, order))
        pgoff += 1 << order


# ------------------------------------------------------------------ the eras

GiB = 1 << 30
PMEM_START, PMEM_END = 0x100000000, 0x13FFFFFFF     # a 1 GiB namespace at 4 GiB
HOLE_PAGE = 0xFFFFEA0000201140                      # a page-cache page (a read hole)


def img_4_5(dw, elf, kernel, tag_children):
    """v4.5 (child pointers inside nodes untagged) / v4.6 (339e6353046d tags them)."""
    img = Image(f"radix-{kernel}", dw, elf, "4.5", "v" + kernel, "sector")
    img.setup_cpus(2)
    mapping, i_pages = img.inode(12, 1)
    img.page_tree(i_pages, [
        (0, "entry", {"pte"}, 0x1008),
        (1, "entry", {"pte"}, 0x1010),
        (5, "page", set(), HOLE_PAGE),
        (512, "entry", {"pmd"}, 0x9000),
        (1030, "entry", {"pte"}, 0x20008),
        (70000, "entry", {"pte"}, 0x1FF008),
    ], path_nodes=True, tag_children=tag_children)
    ref = img.percpu_ref(0x1F2A8, 0, PERCPU_COUNT_BIAS + 1, 0, [7, (-2) & U64])
    pm, pg = page_map_pgmap(img, PMEM_START, PMEM_END,
                            {"base_pfn": 0x100000, "reserve": 2, "free": 0xFFE}, ref[0])
    img.registry([(k, pm, 0) for k in section_keys(PMEM_START, PMEM_END)],
                 path_nodes=True, tag_children=tag_children)
    img.expect_pgmap(pg, "-", PMEM_START, PMEM_END, True, 0x1000, ref)
    return img


def img_4_8(dw, elf):
    img = Image("radix-4.8", dw, elf, "4.7", "v4.8", "sector")
    img.setup_cpus(2)
    mapping, i_pages = img.inode(13, 1)
    img.page_tree(i_pages, [
        (0, "entry", {"pte"}, 0x2008),
        (3, "entry", {"pte", "locked"}, 0x2010),
        (7, "page", set(), HOLE_PAGE),
        (300, "entry", {"pte"}, 0x30008),
        (5000, "entry", {"pte", "locked"}, 0x40008),
    ])
    # killed: DEAD set, the count settled in atomic mode; per-CPU counters are stale
    ref = img.percpu_ref(0x1F3C8, PERCPU_REF_ATOMIC | PERCPU_REF_DEAD, 2, 0, [100, 0])
    pm, pg = page_map_pgmap(img, PMEM_START, PMEM_END, None, ref[0])
    img.registry([(k, pm, 0) for k in section_keys(PMEM_START, PMEM_END)])
    img.expect_pgmap(pg, "-", PMEM_START, PMEM_END, False, 0, ref)
    return img


def img_4_10(dw, elf):
    img = Image("radix-4.10", dw, elf, "4.10", "v4.10", "sector")
    img.setup_cpus(2)
    mapping, i_pages = img.inode(14, 1)
    img.page_tree(i_pages, [
        (0, "entry", set(), 0x3008),
        (1, "page", set(), HOLE_PAGE),
        (512, "entry", {"pmd", "locked"}, 0x9000),
        (1024, "entry", {"pmd", "zero"}, 0),
        (1536, "entry", {"pmd", "empty", "locked"}, 0),
        (70000, "entry", set(), 0x50008),
    ])
    # switching to atomic: ATOMIC set, confirm_switch pending, count still biased
    ref = img.percpu_ref(0x1F4E8, PERCPU_REF_ATOMIC, PERCPU_COUNT_BIAS + 3,
                         dw.sym("blk_queue_usage_counter_release"), [4, 1])
    pm, pg = page_map_pgmap(img, PMEM_START, PMEM_END,
                            {"base_pfn": 0x100000, "reserve": 2, "free": 0xFFE}, ref[0])
    img.registry([(k, pm, 0) for k in section_keys(PMEM_START, PMEM_END)])
    img.expect_pgmap(pg, "-", PMEM_START, PMEM_END, True, 0x1000, ref)
    return img


def img_4_15(dw, elf):
    img = Image("radix-4.15", dw, elf, "4.14", "v4.15", "sector")
    img.setup_cpus(2)
    mapping, i_pages = img.inode(15, 0)
    img.page_tree(i_pages, [
        (0, "entry", {"zero"}, 0),
        (1, "entry", {"locked"}, 0x4008),
        (2, "entry", {"empty", "locked"}, 0),
        (512, "entry", {"pmd"}, 0x9000),
        (1024, "entry", {"pmd", "zero"}, 0),
        ((1 << 18) + 5, "entry", set(), 0x60008),
    ])
    end = PMEM_START + GiB + (1 << 27) - 1          # 1 GiB + 128 MiB: two multi-order entries
    ref = img.percpu_ref(0x1F608, 0, PERCPU_COUNT_BIAS + 1, 0, [0x10, 0])
    pm, pg = page_map_pgmap(img, PMEM_START, end,
                            {"base_pfn": 0x100000, "reserve": 2, "free": 0x1FFE}, ref[0],
                            "MEMORY_DEVICE_HOST")
    img.registry(pfn_keys(PMEM_START, end, pm))
    img.expect_pgmap(pg, "MEMORY_DEVICE_HOST", PMEM_START, end, True, 0x2000, ref)
    return img


def img_4_18(dw, elf):
    img = Image("radix-4.18", dw, elf, "4.17", "v4.18", "pfn")
    img.setup_cpus(2)
    m = img.mem
    vmemmap = 0xFFFFEA0000000000
    m.uint(dw.sym("vmemmap_base"), 8, vmemmap)
    img.extra.append(f"P 0 {vmemmap:x}")
    mapping, i_pages = img.inode(16, 0)
    pmd_pfn, pte_pfn, zero_pfn, last_pfn = 0x101000, 0x101400, 0x2A4F, 0x13FFFF
    img.page_tree(i_pages, [
        (0, "entry", {"pmd"}, pmd_pfn),
        (600, "entry", {"locked"}, pte_pfn),
        (601, "entry", {"zero"}, zero_pfn),
        (1024, "entry", {"pmd", "empty", "locked"}, 0),
        (70000, "entry", set(), last_pfn),
    ])
    # pmem: FS_DAX pgmap with an altmap, its ref the request queue's q_usage_counter
    t = "dev_pagemap"
    ref_a = img.percpu_ref(0x1F728, 0, PERCPU_COUNT_BIAS + 1, 0, [0x200, 1])
    pg_a = m.alloc_type(t)
    am = pg_a + dw.off(t, "altmap")
    for k, v in {"base_pfn": 0x100000, "reserve": 2, "free": 0xFFE}.items():
        m.set(am, "vmem_altmap", k, v)
    m.set(pg_a, t, "altmap_valid", 1)
    res = pg_a + dw.off(t, "res")
    m.set(res, "resource", "start", PMEM_START)
    m.set(res, "resource", "end", PMEM_END)
    m.set(pg_a, t, "ref", ref_a[0])
    m.set(pg_a, t, "type", dw.enums["MEMORY_DEVICE_FS_DAX"])
    # device-dax: no altmap, type 0 (MEMORY_DEVICE_HOST is gone in v4.18), settled atomic
    start_b, end_b = 0x148000000, 0x14FFFFFFF
    ref_b = img.percpu_ref(0x1F848, PERCPU_REF_ATOMIC, 7, 0, [1000, 0])
    pg_b = m.alloc_type(t)
    res = pg_b + dw.off(t, "res")
    m.set(res, "resource", "start", start_b)
    m.set(res, "resource", "end", end_b)
    m.set(pg_b, t, "ref", ref_b[0])
    img.registry(pfn_keys(PMEM_START, PMEM_END, pg_a) + pfn_keys(start_b, end_b, pg_b))
    img.expect_pgmap(pg_a, "MEMORY_DEVICE_FS_DAX", PMEM_START, PMEM_END, True, 0x1000, ref_a)
    img.expect_pgmap(pg_b, "-", start_b, end_b, False, 0, ref_b)
    # struct pages: dax_associate_entry() (v4.17) set mapping/index of every pfn of a real
    # entry; fsdax pages idle at refcount 1 (v4.18: page_free on the 2->1 transition)
    ps = dw.size("page")
    busy = {pmd_pfn + 3}
    for index, pfn, n in ((0, pmd_pfn, 1 << PMD_ORDER), (600, pte_pfn, 1), (70000, last_pfn, 1)):
        for i in range(n):
            p = vmemmap + (pfn + i) * ps
            m.set(p, "page", "pgmap", pg_a)
            m.set(p, "page", "mapping", mapping)
            m.set(p, "page", "index", index + i)
            m.set(p, "page", "_refcount", 2 if pfn + i in busy else 1)
            m.set(p, "page", "_mapcount", (-1) & 0xFFFFFFFF)
        nb = sum(1 for i in range(n) if pfn + i in busy)
        img.x.append(f"X assoc {index:x} {pfn:x} ok {nb}")
    return img


FIXTURES = [
    ("radix-4.5.c", lambda dw, elf: [img_4_5(dw, elf, "4.5", False), img_4_5(dw, elf, "4.6", True)]),
    ("radix-4.8.c", lambda dw, elf: [img_4_8(dw, elf)]),
    ("radix-4.10.c", lambda dw, elf: [img_4_10(dw, elf)]),
    ("radix-4.15.c", lambda dw, elf: [img_4_15(dw, elf)]),
    ("radix-4.18.c", lambda dw, elf: [img_4_18(dw, elf)]),
]


def main(outdir):
    os.makedirs(outdir, exist_ok=True)
    skip = os.path.join(outdir, "SKIP")
    if os.path.exists(skip):
        os.unlink(skip)
    try:
        import drgn  # noqa: F401  (reads the fixtures' DWARF back)
    except ImportError as e:
        with open(skip, "w") as f:
            f.write(f"drgn not importable by {sys.executable} ({e}): the radix-era fixtures "
                    f"read their DWARF with drgn\n")
        return 0
    cc = os.environ.get("CC", "gcc")
    for src, build in FIXTURES:
        path = os.path.join(HERE, src)
        elf = os.path.join(outdir, src[:-2] + ".elf")
        subprocess.run([cc] + CFLAGS + ["-o", elf, path], check=True)
        headers = [os.path.join(HERE, h) for h in sorted(os.listdir(HERE)) if h.endswith(".h")]
        dw = Dwarf(elf, [path] + headers)
        for img in build(dw, elf):
            with open(os.path.join(outdir, img.name + ".rec"), "w") as f:
                f.write(f"# Generated by crash-ext/tests/history/gen_history.py from {src}: "
                        f"the {img.era} DAX era in a {img.x[0].split()[4]} layout.\n")
                f.write("\n".join(img.rec()) + "\n")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
