"""truth.json is self-consistent: the guest kernel's records agree with each other and with
what the scenario did by construction.

Two independent kernel views are played against each other wherever possible: the page-cache
entries (xa_load / xa_for_each by the daxtruth module) against the page tables
(/proc/self/pagemap read by the scenario), and page refcounts against the pins the scenario
took.  Rules per kernel era: ../shared/docs/kernel-facts.md §A.6 (entries), §E (refcounts).

Eras the samples cover (samples/manifest; every rule below was checked against the truth the
kernels recorded, docs/samples.md "Kernel matrix"):
  5.10  pgmap->ref is a pointer (devdax: &internal_ref; fsdax: the pmem request queue's
        q_usage_counter), no vmemmap_shift (devdax in 4 KiB pages), DAX entries counted in
        nrexceptional;
  6.1, 6.12  embedded ref, devdax folios of order vmemmap_shift, fsdax/devdax pages idle at 1,
        mappings take neither references nor mapcounts;
  7.2   (6.15+) fsdax pages idle at 0 and every mapping holds a reference and a mapcount;
        devdax pages idle at 1 plus one reference and mapcount per mapping; fsdax PMD
        entries are order-9 folios.
"""
from harness import hexint, kernel_version, per_sample

# XArray-era DAX value entries (v4.20+; fs/dax.c: DAX_SHIFT 4, LOCKED/PMD/ZERO_PAGE/EMPTY =
# bits 0..3 of the value; xa_mk_value(v) = v << 1 | 1).  Same on every kernel sampled here.
DAX_SHIFT = 4
DAX_PMD, DAX_ZERO_PAGE, DAX_EMPTY = 1 << 1, 1 << 2, 1 << 3
PMD_ORDER = 9
PAGE_SIZE = 4096
# Types whose pages idle at 0 and take a pgmap reference per allocated page (6.1: 0dc45ca1ce18).
PER_PAGE_REF_TYPES = ("MEMORY_DEVICE_PRIVATE", "MEMORY_DEVICE_COHERENT")


def decode(raw):
    assert raw & 1, f"{raw:#x} is not an XArray value entry"
    v = raw >> 1
    return {"pfn": v >> DAX_SHIFT, "pmd": bool(v & DAX_PMD), "zero": bool(v & DAX_ZERO_PAGE),
            "empty": bool(v & DAX_EMPTY)}


def version(truth):
    return kernel_version(truth["sample"]["kernel_release"])


def counts_mappings(truth):
    """6.15+ (38607c62b34b "fs/dax: properly refcount fs dax pages" and "device/dax: properly
    refcount device dax pages when mapping", kernel-facts §E.2): every PTE/PMD mapping of a
    DAX page holds a page (folio) reference and counts in its mapcount.  Before, DAX mappings
    took neither (kernel-facts §E.5: "Before 6.15 such mappings hold no page reference")."""
    return version(truth) >= (6, 15)


def base_refcount(truth, type_name):
    """The refcount of an unmapped, unpinned DAX page (head of its folio).  FS_DAX: 1 up to
    6.14 (1-based, kernel-facts §E.2 "fsdax page refcounts are 1-based"), 0 from 6.15
    (§E.1 "6.15+ FS_DAX ... start at 0", dax_page_is_idle).  GENERIC (devdax): 1 in every
    era, 6.15+ included (§E.1, §E.2 free_zone_device_folio "GENERIC: ... set count back to 1")."""
    if type_name == "MEMORY_DEVICE_FS_DAX" and version(truth) >= (6, 15):
        return 0
    return 1


def expected_refcount(truth, page, type_name, pins):
    """Refcount the kernel's rules predict for a head/order-0 DAX page with PINS references
    taken by GUP: base + pins, plus, on 6.15+, one reference per mapping (the folio's
    mapcount; dax_busy_page(): busy iff folio_ref_count - folio_mapcount != 0 for fsdax)."""
    maps = page["mapcount"] if counts_mappings(truth) else 0
    return base_refcount(truth, type_name) + maps + pins


def type_of_path(path):
    return "MEMORY_DEVICE_GENERIC" if path.startswith("/dev/dax") else "MEMORY_DEVICE_FS_DAX"


def files_by_path(truth):
    return {f["path"]: f for f in truth["kernel"]["files"]}


def pages_by_pfn(truth):
    return {hexint(p["pfn"]): p for p in truth["kernel"]["pages"]["pages"]}


def head_of(truth, p):
    """The recorded head page of page record P (P itself unless it is a tail)."""
    if not p["tail"]:
        return p
    for q in truth["kernel"]["pages"]["pages"]:
        if q.get("valid") and q["page"] == p["compound_head"]:
            return q
    raise AssertionError(f"pfn {p['pfn']}: head page {p['compound_head']} was not recorded")


def file_mappings(truth):
    return [m for m in truth["construction"]["mappings"] if m["size"]]


def pgmap_of(truth, pfn):
    for g in truth["kernel"]["pgmaps"]:
        for r in g["ranges"]:
            if hexint(r["start"]) // PAGE_SIZE <= pfn <= hexint(r["end"]) // PAGE_SIZE:
                return g
    return None


def allocated_device_pages(t, g):
    """Pages of a device-private pgmap at refcount 1 (allocated) in the kernel's census."""
    total = 0
    for c in t["kernel"]["census"]:
        if pgmap_of(t, hexint(c["start"])) is g:
            total += sum(v for k, v in c["histogram"].items() if int(k) != 0)
    return total


@per_sample
def test_truth_schema(s):
    t = s.truth
    assert t["schema"] == "daxtriage-truth/1", t["schema"]
    assert t["sample"]["kernel_release"] == s.release
    assert t["sample"]["scenario"] == s.scenario
    pk = t["sample"]["packages"]
    # Debian's kernels: the -dbg package gives the vmlinux; the own kernel (kernel=own in
    # samples/manifest) is built from Debian's source package, with its own vmlinux.
    assert any(p.startswith("linux-image-") and p.endswith("-dbg") for p in pk) or \
        any(p.startswith("linux-source-") for p in pk), pk
    assert all(pk.values()), f"package versions missing: {pk}"
    assert t["sample"]["dumps"]["vmcore"]["bytes"] > 1 << 20
    for key in ("files", "pages", "pgmaps", "census", "tasks", "cpus"):
        assert key in t["kernel"], f"kernel.{key} missing"
    assert t["kernel"]["pgmaps"], "no pgmap recorded"


@per_sample
def test_entries_match_page_tables(s):
    """Every touched offset of a DAX file has an entry whose pfn is the pfn the page table maps."""
    t = s.truth
    files = files_by_path(t)
    checked = 0
    for m in file_mappings(t):
        f = files[m["path"]]
        assert f["dax"], f"{m['path']} is not a DAX inode"
        entries = {e["index"]: hexint(e["raw"]) for e in f["entries"]}
        for touch in m["touched"]:
            idx, pfn = touch["index"], hexint(touch["pfn"])
            assert pfn, f"{m['path']}+{touch['offset']:#x}: not mapped after the touch"
            canon = idx if idx in entries else idx & ~((1 << PMD_ORDER) - 1)
            assert canon in entries, f"{m['path']} index {idx}: no entry"
            e = decode(entries[canon])
            assert not e["empty"], f"{m['path']} index {idx}: EMPTY entry after a completed fault"
            assert (canon != idx) <= e["pmd"], f"index {idx} covered by non-PMD entry at {canon}"
            assert e["pfn"] + (idx - canon) == pfn, \
                f"{m['path']} index {idx}: entry pfn {e['pfn']:#x}+{idx - canon} != pagemap {pfn:#x}"
            if touch["write"]:
                assert not e["zero"], f"{m['path']} index {idx}: written page has a ZERO entry"
            checked += 1
        # xa_load at each touched index returns the same entry (multi-index entries included).
        for look in f["lookups"]:
            idx = look["index"]
            canon = idx if idx in entries else idx & ~((1 << PMD_ORDER) - 1)
            assert hexint(look["raw"]) == entries.get(canon), f"xa_load({idx}) disagrees"
    assert checked, "no touched DAX file offsets recorded"


@per_sample(scenarios=("devdax",))
def test_devdax_has_no_page_cache_entries(s):
    """Mainline device-dax never stores DAX entries (kernel-facts §0.1)."""
    devs = [f for f in s.truth["kernel"]["files"] if f["path"].startswith("/dev/dax")]
    assert devs, "the devdax scenario recorded no devdax mapping"
    for f in devs:
        assert f["entries"] == [] and f["nrpages"] == 0, f


@per_sample
def test_nrpages_counts_entries(s):
    """5.13+ (6.1, 6.12, 7.2 checked) count every DAX entry (zero entries included) as
    1 << order pages in nrpages.  Up to 5.12 address_space has nrexceptional (kernel-facts
    P-A7) and fs/dax.c counts each DAX entry there once, whatever its order
    (grab_mapping_entry: `mapping->nrexceptional++` per new entry, XArray-era fs/dax.c), so
    nrpages stays 0."""
    t = s.truth
    old_counter = version(t) < (5, 13)
    for m in file_mappings(t):
        f = files_by_path(t)[m["path"]]
        if old_counter:
            assert f["nrpages"] == 0, f"{m['path']}: nrpages {f['nrpages']} on a DAX inode"
            assert f["nrexceptional"] == len(f["entries"]), \
                f"{m['path']}: {len(f['entries'])} entries, nrexceptional {f['nrexceptional']}"
            continue
        assert f["nrexceptional"] is None, f"{m['path']}: nrexceptional on {s.release}"
        total = sum(1 << (PMD_ORDER if decode(hexint(e["raw"]))["pmd"] else 0) for e in f["entries"])
        assert total == f["nrpages"], f"{m['path']}: entries cover {total}, nrpages {f['nrpages']}"


@per_sample
def test_named_pfns_in_pgmap(s):
    """Every written page is a ZONE_DEVICE page inside a pgmap range and points at it."""
    t = s.truth
    pages = pages_by_pfn(t)
    n = 0
    for m in t["construction"]["mappings"]:
        for touch in m["touched"]:
            if not touch["write"]:
                continue
            pfn = hexint(touch["pfn"])
            g = pgmap_of(t, pfn)
            assert g, f"pfn {pfn:#x} ({m['path']}) is in no pgmap range"
            p = pages[pfn]
            assert p["zone_device"] and p["reserved"], f"pfn {pfn:#x}: not a reserved ZONE_DEVICE page"
            assert hexint(p["pgmap"]) == hexint(g["address"]), f"pfn {pfn:#x}: page->pgmap mismatch"
            want = "MEMORY_DEVICE_GENERIC" if m["path"].startswith("/dev/dax") else "MEMORY_DEVICE_FS_DAX"
            assert g["type_name"] == want, f"pfn {pfn:#x}: {g['type_name']}, expected {want}"
            n += 1
    assert n


@per_sample
def test_fsdax_pages_associated(s):
    """dax_associate_entry (v4.17+) sets page->mapping and ->index of every written page
    (kernel-facts §E.4).  From 6.15 a PMD entry's pages are one order-9 folio
    (dax_folio_init, §C.4 "tail-page trap"): mapping and index are the folio's, on its head
    (tails hold TAIL_MAPPING), and a page's index is the head's plus its offset in the folio."""
    t = s.truth
    pages, files = pages_by_pfn(t), files_by_path(t)
    for m in file_mappings(t):
        for touch in m["touched"]:
            if touch["write"]:
                p = pages[hexint(touch["pfn"])]
                h = head_of(t, p)
                assert not p["tail"] or version(t) >= (6, 15), \
                    f"{m['path']} index {touch['index']}: fsdax tail page before 6.15"
                assert hexint(h["mapping"]) == hexint(files[m["path"]]["mapping"]), \
                    f"{m['path']} index {touch['index']}: page->mapping {h['mapping']}"
                index = hexint(h["index"]) + hexint(p["pfn"]) - hexint(h["pfn"])
                assert h["index"] is not None and index == touch["index"], \
                    f"{m['path']}: page->index {index} != {touch['index']}"


# The bug replicas (docs/replicas.md): their references come from the fault injector, not
# from vmsplice pins (test_injected_references_are_the_kernels).
REPLICAS = ("pgmap-leak", "ref-exited", "null-daxdev", "refcount-floor", "entry-lock")


@per_sample(when=lambda s: s.scenario not in REPLICAS)
def test_pinned_pages_above_idle(s):
    """A page pinned N times (vmsplice into unread pipes) has refcount base + N (+ its
    mapcount on 6.15+, where mappings hold references), counted on the folio head for devdax
    folios and 6.15+ fsdax PMD folios; touched pages without pins sit at base (+ mapcount).
    Before 6.15 DAX mappings do not count in mapcounts at all."""
    t = s.truth
    pages = pages_by_pfn(t)
    pins, types = {}, {}
    for pin in t["construction"]["pins"]:
        p = pages[hexint(pin["pfn"])]
        head = hexint(p["compound_head"]) if p["tail"] else hexint(p["page"])
        pins[head] = pins.get(head, 0) + pin["count"]
        types[head] = type_of_path(pin["path"])
    if not pins:
        raise AssertionError("the scenario recorded no pins")
    by_page = {hexint(p["page"]): p for p in pages.values() if p.get("valid")}
    for head, n in pins.items():
        assert head in by_page, f"head page {head:#x} of a pinned page was not recorded"
        p = by_page[head]
        want = expected_refcount(t, p, types[head], n)
        assert p["refcount"] == want, \
            f"pfn {p['pfn']}: refcount {p['refcount']} (mapcount {p['mapcount']}), expected " \
            f"{want} = base {base_refcount(t, types[head])} + {n} pins" + \
            (f" + mapcount {p['mapcount']}" if counts_mappings(t) else "")
    for m in t["construction"]["mappings"]:
        for touch in m["touched"]:
            p = pages[hexint(touch["pfn"])]
            if not counts_mappings(t) and not p["tail"]:
                assert p["mapcount"] == 0, \
                    f"pfn {p['pfn']}: mapcount {p['mapcount']}: DAX mappings count before 6.15?"
            if touch["write"] and not p["tail"] and hexint(p["page"]) not in pins:
                want = expected_refcount(t, p, type_of_path(m["path"]), 0)
                assert p["refcount"] == want, \
                    f"unpinned pfn {p['pfn']}: refcount {p['refcount']}, expected {want}"
                # (truncate-pinned: the truncate unmapped the file before it began to wait.)
                if counts_mappings(t) and s.scenario != "truncate-pinned":
                    assert p["mapcount"] >= 1, f"mapped pfn {p['pfn']}: mapcount {p['mapcount']}"


@per_sample
def test_pgmap_true_count_follows_era_rule(s):
    """The pgmap percpu_ref true count, as the kernel sums it, is what kernel-facts §E.3
    predicts for a live pgmap: 1 (initial) + one per (compound) page of each range, altmap
    pfns excluded, for types that are not PRIVATE/COHERENT.  That holds for the embedded ref
    (5.17+; 6.1, 6.12 and 7.2 recorded it exactly, so the "[unverified]" 6.15+ row of §E.3 is
    now checked on 7.2) and for 5.10's internal_ref (devdax: §E.3 "5.3-5.16 ... &internal_ref
    (percpu mode, count 1)" + get_many).  On 5.10 fsdax pgmap->ref points at the pmem request
    queue's q_usage_counter (§E.3, P-C2), which also counts queue users (in-flight bios): the
    pgmap's share cannot be isolated, so only the lower bound 1 + bulk is checked and the rest
    is reported as queue users."""
    t = s.truth
    for g in t["kernel"]["pgmaps"]:
        ref = g["ref"]
        assert ref is not None, f"{g['type_name']}: pgmap->ref is NULL ({g.get('ref_owner')})"
        injected = [op for op in t["construction"].get("injected", [])
                    if hexint(op.get("pgmap", "0")) == hexint(g["address"])]
        if ref["mode"] != "percpu" and injected:
            check_injected_pgmap_ref(g, injected)
            continue
        assert ref["mode"] == "percpu", f"{g['type_name']}: ref mode {ref['mode']}"
        # Recompute the kernel's sum from the raw words it reported.
        biased = hexint(ref["atomic"]) - (1 << 63) + sum(c["value"] for c in ref["percpu"])
        biased = (biased + (1 << 63)) % (1 << 64) - (1 << 63)
        assert biased == ref["true_count"], f"true count {ref['true_count']} != raw sum {biased}"
        if g["type_name"] in PER_PAGE_REF_TYPES:
            # 6.1 mm/memremap.c pagemap_range(): no bulk get_many for PRIVATE/COHERENT (since
            # 27674ef6c73f, v5.19); each allocated page holds one pgmap reference
            # (zone_device_page_init() -> percpu_ref_get, free_zone_device_page() -> put).
            assert not g["expected_bulk_applies"], f"{g['type_name']}: module expects bulk refs"
            allocated = allocated_device_pages(t, g)
            assert ref["true_count"] == 1 + allocated, \
                f"{g['type_name']}: true count {ref['true_count']}, 1 + {allocated} allocated pages"
            continue
        bulk = 0
        if g["type_name"] not in PER_PAGE_REF_TYPES:
            for i, r in enumerate(g["ranges"]):
                first = hexint(r["start"]) // PAGE_SIZE + (g["altmap_offset"] if i == 0 else 0)
                end = (hexint(r["end"]) + 1) // PAGE_SIZE
                bulk += (end - first) >> g["vmemmap_shift"]
        assert bulk == g["expected_bulk"], f"bulk {bulk} != module's {g['expected_bulk']}"
        owner = g["ref_owner"]
        if version(t) >= (5, 17):
            assert owner == "embedded", f"{g['type_name']}: ref owner {owner} on {s.release}"
        elif g["type_name"] == "MEMORY_DEVICE_FS_DAX":
            assert owner == "external" and ref["release_symbol"] == "blk_queue_usage_counter_release", \
                f"fsdax pgmap->ref on {s.release}: {owner}, release {ref['release_symbol']}"
            assert ref["true_count"] >= 1 + bulk, \
                f"q_usage_counter {ref['true_count']} below 1 + {bulk} bulk pgmap references"
            print(f"    {s.name}: fsdax ref = pmem q_usage_counter {ref['true_count']} = 1 + "
                  f"{bulk} pgmap pages + {ref['true_count'] - 1 - bulk} queue users (report only)")
            continue
        else:
            assert owner == "internal_ref", f"{g['type_name']}: ref owner {owner} on {s.release}"
        if g["type_name"] == "MEMORY_DEVICE_PCI_P2PDMA":
            # 6.1 drivers/pci/p2pdma.c: pci_alloc_p2pmem() takes one pgmap reference per
            # allocation (percpu_ref_tryget_live_rcu) from a gen_pool of PAGE_SIZE granules
            # (gen_pool_create(PAGE_SHIFT, ...)): 1 .. used/PAGE_SIZE allocations when used.
            used_pages = (g["pool_size"] - g["pool_avail"]) // PAGE_SIZE
            extra = ref["true_count"] - 1 - bulk
            assert (extra == 0) if used_pages == 0 else (1 <= extra <= used_pages), \
                f"P2PDMA: true count {ref['true_count']} = 1 + {bulk} + {extra}, pool uses {used_pages} pages"
            continue
        assert ref["true_count"] == 1 + bulk, \
            f"{g['type_name']}: true count {ref['true_count']}, rule predicts {1 + bulk}"


@per_sample(scenarios=REPLICAS)
def test_injected_references_are_the_kernels(s):
    """What the fault injector said it did is what the kernel recorded afterwards: the page
    references it leaked are on the pages (refcount_after, read again by daxtruth), the page it
    dropped sits at refcount_before - 1; a replica that injects nothing before the dump
    (null-daxdev: the fault is its oops) has its oops in the log instead."""
    t = s.truth
    by_page = {hexint(p["page"]): p for p in pages_by_pfn(t).values() if p.get("valid")}
    ops = t["construction"].get("injected", [])
    for op in ops:
        if op["op"] in ("page_get", "page_dec"):
            page = hexint(op.get("head", op["page"]))
            if page in by_page:
                refcount = by_page[page]["refcount"]
            else:   # a compound head the scenario did not name: the census has it
                g = pgmap_of(t, op["pfn"])
                head = op["pfn"] >> g["vmemmap_shift"] << g["vmemmap_shift"]
                refcount = [x["refcount"] for c in t["kernel"]["census"] for x in c["nonidle"]
                            if hexint(x["pfn"]) == head]
                assert len(refcount) == 1, f"head pfn {head:#x} of {op} not in the census"
                refcount = refcount[0]
            assert refcount == op["refcount_after"], (op, refcount)
            delta = op["refcount_after"] - op["refcount_before"]
            assert delta == (op["leaked_refs"] if op["op"] == "page_get" else -1), op
        elif op["op"] == "entry_lock":
            raws = [hexint(e["raw"]) for f in t["kernel"]["files"] for e in f["entries"]
                    if e["index"] == op["index"] and hexint(f["mapping"]) == hexint(op["mapping"])]
            # dax_lock_page() returns the entry as it was; the kernel now holds it LOCKED
            assert raws == [hexint(op["entry"]) | 2], (op, raws)
    if not ops:
        assert (t.get("panic") or {}).get("bug"), "no injection recorded and no oops in the log"
    print(f"    {s.name}: {', '.join(op['op'] for op in ops) or 'oops: ' + t['panic']['bug']}")


def check_injected_pgmap_ref(g, injected):
    """A replica's pgmap ref (docs/replicas.md), as the kernel left it after the injection.
    pgmap-leak: get_dev_pagemap() references never dropped, then the device unbind's
    memunmap_pages() killed the ref and put the bulk (1 initial + bulk + leaked - 1 - bulk):
    dead, with exactly the leaked references.  ref-exited: percpu_ref_exit() on the live ref:
    data NULL, the count kept in percpu_count_ptr >> 2 (lib/percpu-refcount.c)."""
    ref = g["ref"]
    ops = {op["op"] for op in injected}
    if "pgmap_get" in ops:
        leaked = sum(op["leaked_refs"] for op in injected if op["op"] == "pgmap_get")
        assert ref["mode"] == "dead", f"{g['type_name']}: leaked refs but mode {ref['mode']}"
        assert ref["true_count"] == leaked, \
            f"{g['type_name']}: dead ref holds {ref['true_count']}, {leaked} were leaked"
    elif "ref_exit" in ops:
        assert ref["mode"] == "exited" and hexint(ref["data"]) == 0, ref
        assert ref["true_count"] == hexint(ref["percpu_count_ptr"]) >> 2, ref
    else:
        raise AssertionError(f"{g['type_name']}: ref mode {ref['mode']} after {ops}")


@per_sample
def test_census_matches_pins(s):
    """The kernel-side census of each pgmap: every pfn accounted for, and the pages that are
    busy (refcount above base, after the mapping references on 6.15+) are exactly the pinned
    ones; compound tails sit at 0."""
    t = s.truth
    pages = pages_by_pfn(t)
    # pfns of the heads that hold references: the vmsplice pins, and the page references the
    # replicas' fault injector leaked (docs/replicas.md)
    held = set()
    for pin in t["construction"]["pins"]:
        p = pages[hexint(pin["pfn"])]
        pfn = hexint(pin["pfn"])
        held.add(pfn >> p["order"] << p["order"] if p["tail"] else pfn)
    for op in t["construction"].get("injected", []):
        if op["op"] == "page_get":
            g = pgmap_of(t, op["pfn"])
            held.add(op["pfn"] >> g["vmemmap_shift"] << g["vmemmap_shift"])
    for c in t["kernel"]["census"]:
        n = hexint(c["end"]) - hexint(c["start"])
        g = pgmap_of(t, hexint(c["start"]))
        if g["type_name"] in PER_PAGE_REF_TYPES:
            # Device-private pages: 0 = free in the driver's allocator, 1 = allocated
            # (lib/test_hmm.c dmirror_devmem_alloc_page -> zone_device_page_init); no idle
            # refcount and no pins here, only the two states.
            hist = {int(k): v for k, v in c["histogram"].items()}
            assert set(hist) <= {0, 1}, f"device-private refcounts {sorted(hist)}"
            assert sum(hist.values()) + c["invalid"] == n, f"census covers {sum(hist.values())} of {n}"
            continue
        base = base_refcount(t, g["type_name"])
        assert c["idle_refcount"] == base, \
            f"census idle refcount {c['idle_refcount']}, the era's rule says {base}"
        hist = {int(k): v for k, v in c["histogram"].items()}
        assert sum(hist.values()) + c["invalid"] == n, f"census covers {sum(hist.values())} of {n}"
        assert not c["nonidle_truncated"], "census list truncated"
        assert c["nonidle_tails"] == 0, f"{c['nonidle_tails']} tail pages with their own refcount"
        maps = (lambda x: x["mapcount"]) if counts_mappings(t) else (lambda x: 0)
        busy = {hexint(x["pfn"]) for x in c["nonidle"]
                if not x["tail"] and x["refcount"] - maps(x) > base}
        in_range = {h for h in held if hexint(c["start"]) <= h < hexint(c["end"])}
        assert busy == in_range, \
            f"census finds busy pfns {sorted(busy)}, the scenario holds {sorted(in_range)}"
        if counts_mappings(t):
            # Non-idle but not busy = mapped: each such page has refcount base + mapcount.
            for x in c["nonidle"]:
                if not x["tail"] and hexint(x["pfn"]) not in busy:
                    assert x["refcount"] == base + x["mapcount"], f"census: {x}"


@per_sample(scenarios=("truncate-pinned",))
def test_truncate_blocked_behind_pin(s):
    """seed 004 (DAX-gup): the truncating task sleeps in the filesystem's layout-break wait
    (ext4_break_layouts -> dax_layout_busy_page, waiting for the page to go idle), the file
    still has its size and entries, and the pinned page is busy."""
    t = s.truth
    holder = t["construction"]["holder_pid"]
    blocked = [p for p in t["kernel"]["proc_tasks"] if p["pid"] != holder]
    assert len(blocked) == 1, f"expected one truncating task, got {blocked}"
    b = blocked[0]
    assert b["stat_state"] in ("S", "D"), f"truncating task {b['pid']} is {b['stat_state']}"
    frames = " ".join(b["stack"] or [])
    # Up to 6.14 ext4 waits in its own ext4_break_layouts(); 6.15's rework moved the loop into
    # the common dax_break_layout() with ext4_wait_dax_page() as the wait (the 6.15+ symbols
    # of kernel-facts P-A8; 7.2 recorded exactly that stack).
    waiter = "dax_break_layout" if version(t) >= (6, 15) else "ext4_break_layouts"
    assert waiter in frames and "do_truncate" in frames, f"stack: {frames}"
    victim = [m for m in t["construction"]["mappings"] if m["name"] == "victim.dat"][0]
    f = files_by_path(t)[victim["path"]]
    assert f["i_size"] == victim["size"], f"i_size {f['i_size']}: the truncate went through"
    assert f["entries"], "victim.dat lost its entries"
    pin = t["construction"]["pins"][0]
    p = head_of(t, pages_by_pfn(t)[hexint(pin["pfn"])])
    assert p["refcount"] > expected_refcount(t, p, "MEMORY_DEVICE_FS_DAX", 0), \
        f"pinned page {p['pfn']}: refcount {p['refcount']} is not above idle"
