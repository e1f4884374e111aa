"""How a front end's JSON documents (docs/json-schema.md) are held to truth.json.

Shared by the crash extension's and the drgn front end's tests: both emit the same documents,
so one comparator serves both.  Every expected value comes from truth.json (the guest kernel's
records) or from the kernel's own definitions, never from daxtriage.
"""
from harness import hexint

# fs/dax.c (6.1): DAX_SHIFT 4; DAX_LOCKED 1, DAX_PMD 2, DAX_ZERO_PAGE 4, DAX_EMPTY 8 in the
# value; xa_mk_value(v) = v << 1 | 1.  PMD_ORDER 9 on x86_64.
KERNEL_DAX_FLAGS = [(1, "L"), (2, "P"), (4, "Z"), (8, "E")]


def kernel_decode(raw):
    """Decode a 6.1 DAX entry word with the kernel's own definitions (not daxtriage's table)."""
    v = raw >> 1
    letters = "".join(c for bit, c in KERNEL_DAX_FLAGS if v & bit) or "-"
    return letters, v >> 4, 9 if v & 2 else 0


def check_mapping(label, f, m, t):
    """One daxmap mapping object against truth's file record f."""
    assert hexint(m["mapping"]) == hexint(f["mapping"]), f"{label}: mapping"
    assert m["nrpages"] == f["nrpages"], f"{label}: nrpages {m['nrpages']} != {f['nrpages']}"
    assert hexint(m["inode"]) == hexint(f["host"]), f"{label}: host inode"
    assert m["ino"] == f["host_ino"], f"{label}: ino"
    got = [(e["index"], hexint(e["raw"])) for e in m["entries"]]
    want = [(e["index"], hexint(e["raw"])) for e in f["entries"]]
    assert not f["entries_truncated"]
    assert got == want, f"{label}: entries {got} != truth {want}"
    pages = {p["pfn"]: p for p in t["kernel"]["pages"]["pages"] if p.get("valid")}
    touched = {}
    for mp in t["construction"]["mappings"]:
        if mp["path"] == f["path"]:
            touched = {x["index"]: hexint(x["pfn"]) for x in mp["touched"] if x["write"]}
    for e, te in zip(m["entries"], f["entries"]):
        letters, pfn, order = kernel_decode(hexint(te["raw"]))
        where = f"{label} index {e['index']}"
        assert e["is_dax_entry"], f"{where}: not decoded as a DAX entry"
        assert e["order"] == te["order"] == order, f"{where}: order {e['order']} != {te['order']}"
        assert e["flags"] == letters, f"{where}: flags {e['flags']} != {letters}"
        assert e["pfn"] == pfn, f"{where}: pfn {e['pfn']:#x} != {pfn:#x}"
        assert e["nr_indices"] == 1 << order, f"{where}: spans {e['nr_indices']} indices"
        # pfn as the page tables map it, for written (real) entries
        for idx, tpfn in touched.items():
            if e["index"] <= idx < e["index"] + (1 << order):
                assert e["pfn"] + idx - e["index"] == tpfn, \
                    f"{where}: pfn {e['pfn']:#x} vs page tables {tpfn:#x} at index {idx}"
        p = pages.get(e["pfn"])
        if p is not None:
            assert hexint(e["page"]) == hexint(p["page"]), f"{where}: struct page"
            assert e["refcount"] == p["refcount"], \
                f"{where}: refcount {e['refcount']} != truth {p['refcount']}"
            if "Z" not in letters and hexint(p["mapping"]) == hexint(f["mapping"]):
                assert e["assoc"] == "ok", f"{where}: assoc {e['assoc']}"
    # named pages inside multi-page entries: busy pages are counted
    for e in m["entries"]:
        if e["flags"] in ("-", "P"):
            want_busy = sum(1 for pfn, p in pages.items()
                            if e["pfn"] <= pfn < e["pfn"] + (1 << e["order"])
                            and p["refcount"] != 1)
            assert e["busy_pages"] >= want_busy, \
                f"{label} index {e['index']}: busy {e['busy_pages']} < {want_busy} named pinned pages"


def check_pgmaps(label, d, t, census=True):
    got = {hexint(p["address"]): p for p in d["pgmaps"]}
    assert len(got) == len(t["kernel"]["pgmaps"]), f"{label}: {len(got)} pgmaps"
    for tp in t["kernel"]["pgmaps"]:
        p = got.get(hexint(tp["address"]))
        where = f"{label} pgmap {tp['address']}"
        assert p is not None, f"{where}: missing"
        assert p["type"] == tp["type"] and p["type_name"] == tp["type_name"], f"{where}: type"
        assert p["vmemmap_shift"] == tp["vmemmap_shift"] and p["nr_range"] == tp["nr_range"]
        assert p["altmap_valid"] == tp["altmap_valid"]
        assert [(hexint(r["start"]), hexint(r["end"])) for r in p["ranges"]] == \
            [(hexint(r["start"]), hexint(r["end"])) for r in tp["ranges"]], f"{where}: ranges"
        assert [r["pfn_len"] for r in p["ranges"]] == [r["pfn_len"] for r in tp["ranges"]]
        ref, tref = p["ref"], tp["ref"]
        assert hexint(ref["address"]) == hexint(tref["address"]), f"{where}: ref address"
        assert ref["mode"] == tref["mode"], f"{where}: mode {ref['mode']} != {tref['mode']}"
        assert ref["true_count"] == tref["true_count"], \
            f"{where}: true count {ref['true_count']} != truth {tref['true_count']}"
        assert ref["percpu_sum"] == tref["percpu_sum"], f"{where}: per-CPU sum"
        assert [(c["cpu"], c["value"]) for c in ref["percpu"]] == \
            [(c["cpu"], c["value"]) for c in tref["percpu"]], f"{where}: per-CPU counters"
        assert hexint(ref["atomic"]) == hexint(tref["atomic"])
        if tp["expected_bulk_applies"]:
            assert p["expected"]["bulk"] == tp["expected_bulk"], f"{where}: bulk"
            assert p["expected"]["count"] == 1 + tp["expected_bulk"], f"{where}: expected"
        assert p["verdict"] == ("ok" if tref["true_count"] == 1 + tp["expected_bulk"] else "excess")
        if not census:
            continue
        cen = {(c["start"], c["end"]): c for c in p["census"]}
        for tc in t["kernel"]["census"]:
            if not any(hexint(r["start"]) >> 12 == tc["start"] for r in tp["ranges"]):
                continue
            c = cen.get((tc["start"], tc["end"]))
            cw = f"{where} census {tc['start']:#x}-{tc['end']:#x}"
            assert c is not None, f"{cw}: missing"
            assert c["histogram"] == tc["histogram"], \
                f"{cw}: histogram {c['histogram']} != truth {tc['histogram']}"
            assert c["pages"] + c["unreadable"] == tc["end"] - tc["start"]
            assert c["unreadable"] == tc["invalid"] == 0
            assert c["tails"] == tc["tails"], f"{cw}: tails {c['tails']} != {tc['tails']}"
            assert c["nonidle_total"] == tc["nonidle_total"], f"{cw}: non-idle total"
            assert not tc["nonidle_truncated"]
            key = lambda x: (x["pfn"], x["refcount"], x["mapcount_raw"], hexint(x["mapping"]),
                             x["index"], x["tail"])
            assert sorted(map(key, c["nonidle"])) == sorted(map(key, tc["nonidle"])), \
                f"{cw}: non-idle pages differ"
            # every non-idle fsdax page names the DAX entry holding it
            files = {hexint(f["mapping"]): f for f in t["kernel"]["files"]}
            for n in c["nonidle"]:
                f = files.get(hexint(n["mapping"]))
                if f and p["type_name"] == "MEMORY_DEVICE_FS_DAX":
                    owner = [e for e in f["entries"]
                             if e["index"] <= n["index"] < e["index"] + (1 << e["order"])]
                    assert owner and n["entry"] and hexint(n["entry"]) == hexint(owner[0]["raw"]), \
                        f"{cw}: pfn {n['pfn']:#x}: entry {n['entry']}"
