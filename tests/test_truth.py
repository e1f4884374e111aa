"""truth.json is self-consistent: the guest kernel's records agree with each other and with
what the scenario did by construction.

Two independent kernel views are played against each other wherever possible: the page-cache
entries (xa_load / xa_for_each by the daxtruth module) against the page tables
(/proc/self/pagemap read by the scenario), and page refcounts against the pins the scenario
took.  Rules per kernel era: ../shared/docs/kernel-facts.md §A.6 (entries), §E (refcounts).
"""
from harness import Skip, hexint, per_sample

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


def idle_refcount(truth):
    """fsdax/devdax pages idle at refcount 1 before the 6.15 rework (kernel-facts §E.2)."""
    rel = truth["sample"]["kernel_release"]
    major, minor = (int(x) for x in rel.split(".")[:2])
    if (major, minor) >= (6, 15):
        raise Skip(f"{rel}: the 0-based fsdax refcount model (6.15+) is not covered by this test")
    return 1


def files_by_path(truth):
    return {f["path"]: f for f in truth["kernel"]["files"]}


def pages_by_pfn(truth):
    return {hexint(p["pfn"]): p for p in truth["kernel"]["pages"]["pages"]}


def file_mappings(truth):
    return [m for m in truth["construction"]["mappings"] if m["size"]]


def pgmap_of(truth, pfn):
    for g in truth["kernel"]["pgmaps"]:
        for r in g["ranges"]:
            if hexint(r["start"]) // PAGE_SIZE <= pfn <= hexint(r["end"]) // PAGE_SIZE:
                return g
    return None


@per_sample
def test_truth_schema(s):
    t = s.truth
    assert t["schema"] == "daxtriage-truth/1", t["schema"]
    assert t["sample"]["kernel_release"] == s.release
    assert t["sample"]["scenario"] == s.scenario
    pk = t["sample"]["packages"]
    assert any(p.startswith("linux-image-") and p.endswith("-dbg") for p in pk), pk
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
    """6.1 counts every DAX entry (zero entries included) as 1 << order pages in nrpages."""
    t = s.truth
    for m in file_mappings(t):
        f = files_by_path(t)[m["path"]]
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
    """dax_associate_entry (v4.17+) sets page->mapping and ->index of every written page."""
    t = s.truth
    pages, files = pages_by_pfn(t), files_by_path(t)
    for m in file_mappings(t):
        for touch in m["touched"]:
            if touch["write"]:
                p = pages[hexint(touch["pfn"])]
                assert hexint(p["mapping"]) == hexint(files[m["path"]]["mapping"]), \
                    f"{m['path']} index {touch['index']}: page->mapping {p['mapping']}"
                assert p["index"] is not None and hexint(p["index"]) == touch["index"], \
                    f"{m['path']}: page->index {p['index']} != {touch['index']}"


@per_sample
def test_pinned_pages_above_idle(s):
    """A page pinned N times (vmsplice into unread pipes) has refcount idle + N, counted on the
    compound head for devdax folios; touched pages without pins sit at idle."""
    t = s.truth
    idle = idle_refcount(t)
    pages = pages_by_pfn(t)
    pins = {}
    for pin in t["construction"]["pins"]:
        p = pages[hexint(pin["pfn"])]
        head = hexint(p["compound_head"]) if p["tail"] else hexint(p["page"])
        pins[head] = pins.get(head, 0) + pin["count"]
    assert pins, "the scenario recorded no pins"
    by_page = {hexint(p["page"]): p for p in pages.values() if p.get("valid")}
    for head, n in pins.items():
        assert head in by_page, f"head page {head:#x} of a pinned page was not recorded"
        p = by_page[head]
        assert p["refcount"] == idle + n, \
            f"pfn {p['pfn']}: refcount {p['refcount']}, expected idle {idle} + {n} pins"
    for m in t["construction"]["mappings"]:
        for touch in m["touched"]:
            p = pages[hexint(touch["pfn"])]
            if touch["write"] and not p["tail"] and hexint(p["page"]) not in pins:
                assert p["refcount"] == idle, f"unpinned pfn {p['pfn']}: refcount {p['refcount']}"


@per_sample
def test_pgmap_true_count_follows_era_rule(s):
    """The pgmap percpu_ref true count, as the kernel sums it, is what kernel-facts §E.3
    predicts for a live pgmap on 5.17-6.14: 1 (initial) + one per (compound) page of each
    range, altmap pfns excluded, for types that are not PRIVATE/COHERENT."""
    t = s.truth
    for g in t["kernel"]["pgmaps"]:
        ref = g["ref"]
        assert ref["mode"] == "percpu", f"{g['type_name']}: ref mode {ref['mode']}"
        # Recompute the kernel's sum from the raw words it reported.
        biased = hexint(ref["atomic"]) - (1 << 63) + sum(c["value"] for c in ref["percpu"])
        biased = (biased + (1 << 63)) % (1 << 64) - (1 << 63)
        assert biased == ref["true_count"], f"true count {ref['true_count']} != raw sum {biased}"
        bulk = 0
        if g["type_name"] not in PER_PAGE_REF_TYPES:
            for i, r in enumerate(g["ranges"]):
                first = hexint(r["start"]) // PAGE_SIZE + (g["altmap_offset"] if i == 0 else 0)
                end = (hexint(r["end"]) + 1) // PAGE_SIZE
                bulk += (end - first) >> g["vmemmap_shift"]
        assert bulk == g["expected_bulk"], f"bulk {bulk} != module's {g['expected_bulk']}"
        assert ref["true_count"] == 1 + bulk, \
            f"{g['type_name']}: true count {ref['true_count']}, rule predicts {1 + bulk}"


@per_sample
def test_census_matches_pins(s):
    """The kernel-side census of each pgmap: every pfn accounted for, and the pages that are
    not idle are exactly the pinned ones (plus compound tails, which sit at 0)."""
    t = s.truth
    idle = idle_refcount(t)
    pinned = set()
    pages = pages_by_pfn(t)
    for pin in t["construction"]["pins"]:
        p = pages[hexint(pin["pfn"])]
        pinned.add(hexint(p["compound_head"]) if p["tail"] else hexint(p["page"]))
    for c in t["kernel"]["census"]:
        n = hexint(c["end"]) - hexint(c["start"])
        hist = {int(k): v for k, v in c["histogram"].items()}
        assert sum(hist.values()) + c["invalid"] == n, f"census covers {sum(hist.values())} of {n}"
        assert not c["nonidle_truncated"], "census list truncated"
        assert c["nonidle_tails"] == 0, f"{c['nonidle_tails']} tail pages with their own refcount"
        busy = {hexint(x["pfn"]) for x in c["nonidle"] if not x["tail"] and x["refcount"] > idle}
        busy_pages = {hexint(pages[p]["page"]) for p in busy if p in pages}
        in_range = {h for h in pinned
                    if any(hexint(pages[q]["page"]) == h and hexint(c["start"]) <= q < hexint(c["end"])
                           for q in pages)}
        assert busy_pages >= in_range, f"pinned pages missing from the census: {in_range - busy_pages}"
        assert len(busy) == len(in_range), \
            f"census finds {len(busy)} busy pages, scenario pinned {len(in_range)} in this range"


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
    assert "ext4_break_layouts" in frames and "do_truncate" in frames, f"stack: {frames}"
    victim = [m for m in t["construction"]["mappings"] if m["name"] == "victim.dat"][0]
    f = files_by_path(t)[victim["path"]]
    assert f["i_size"] == victim["size"], f"i_size {f['i_size']}: the truncate went through"
    assert f["entries"], "victim.dat lost its entries"
    pin = t["construction"]["pins"][0]
    assert pages_by_pfn(t)[hexint(pin["pfn"])]["refcount"] > idle_refcount(t)
