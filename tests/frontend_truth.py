"""How a front end's JSON documents (docs/json-schema.md) are held to truth.json.

Shared by the crash extension's and the drgn front end's tests: both emit the same documents,
so one comparator serves both.  Every expected value comes from truth.json (the guest kernel's
records) or from the kernel's own definitions, never from daxtriage.
"""
import os
import re

from harness import hexint, kernel_version

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
        if p is not None and memmap_off_dump(t, e["pfn"]):
            assert e["refcount"] is None and e["assoc"] == "unreadable", \
                f"{where}: struct page on the device read as {e['refcount']}, {e['assoc']}"
        elif p is not None:
            assert hexint(e["page"]) == hexint(p["page"]), f"{where}: struct page"
            assert e["refcount"] == p["refcount"], \
                f"{where}: refcount {e['refcount']} != truth {p['refcount']}"
            if "Z" not in letters and hexint(p["mapping"]) == hexint(f["mapping"]):
                assert e["assoc"] == "ok", f"{where}: assoc {e['assoc']}"
    # named pages inside multi-page entries: busy pages are counted.  fsdax idle refcount, by
    # the kernel's rules (kernel-facts E.2): 1 until "fs/dax: properly refcount fs dax pages"
    # (v6.15), 0 from then on; compound tails 0
    idle = 0 if kernel_version(t["sample"]["kernel_release"]) >= (6, 15) else 1
    for e in m["entries"]:
        if e["flags"] in ("-", "P"):
            want_busy = sum(1 for pfn, p in pages.items()
                            if e["pfn"] <= pfn < e["pfn"] + (1 << e["order"])
                            and not memmap_off_dump(t, pfn)
                            and p["refcount"] != (0 if p.get("tail") else idle))
            assert e["busy_pages"] >= want_busy, \
                f"{label} index {e['index']}: busy {e['busy_pages']} < {want_busy} named pinned pages"


def truth_allocated(t, tp):
    """Device-private pages of pgmap tp with refcount != 0, as the guest kernel counted them
    (daxtruth range: zero_idle_allocated over the pgmap's ranges)."""
    starts = {hexint(r["start"]) >> 12 for r in tp["ranges"]}
    return sum(c.get("zero_idle_allocated", 0) for c in t["kernel"]["census"]
               if c["start"] in starts)


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
        # the guest reads the per-CPU counters of a ref in percpu mode only, and no count of an
        # exited ref (its percpu_ref_data is freed)
        if tref.get("percpu") is not None:
            assert ref["percpu_sum"] == tref["percpu_sum"], f"{where}: per-CPU sum"
            assert [(c["cpu"], c["value"]) for c in ref["percpu"]] == \
                [(c["cpu"], c["value"]) for c in tref["percpu"]], f"{where}: per-CPU counters"
        if tref.get("atomic") is not None:
            assert hexint(ref["atomic"]) == hexint(tref["atomic"]), f"{where}: atomic"
        if tp["expected_bulk_applies"]:
            assert p["expected"]["bulk"] == tp["expected_bulk"], f"{where}: bulk"
        # the model gives a count unless pgmap->ref is a driver's own ref (before v5.17 pmem's:
        # the request queue's q_usage_counter, truth's ref_owner "external", which also counts
        # the queue's users); &pgmap->internal_ref (24917f6b1041, v5.3-v5.16) and the embedded
        # ref (v5.17+) count 1 + bulk
        assert p["expected"]["applies"] == (tp.get("ref_owner") != "external"), \
            f"{where}: model applies {p['expected']['applies']}, ref owner {tp.get('ref_owner')}"
        if p["expected"]["applies"] and tref["mode"] in ("dead", "exited"):
            # killed: memunmap_pages() dropped the initial and the bulk references
            assert p["expected"]["count"] == 0, f"{where}: expected {p['expected']['count']}"
            assert p["verdict"] == ("ok" if tref["true_count"] == 0 else "residual"), \
                f"{where}: verdict {p['verdict']}"
        elif p["expected"]["applies"] and not tp["expected_bulk_applies"]:
            # device-private (6.1+): 1 + allocated pages, counted by the guest kernel
            allocated = truth_allocated(t, tp)
            assert p["expected"]["count"] == 1 + allocated, \
                f"{where}: expected {p['expected']['count']} != 1 + {allocated} allocated pages"
            assert p["devmem"]["allocated_pages"] == allocated, f"{where}: allocated pages"
            assert p["verdict"] == ("ok" if tref["true_count"] == 1 + allocated else "excess"), \
                f"{where}: verdict {p['verdict']}"
        elif p["expected"]["applies"] and tp["type_name"] == "MEMORY_DEVICE_PCI_P2PDMA":
            # 6.1 drivers/pci/p2pdma.c pci_alloc_p2pmem(): + one reference per allocation
            # from the provider's gen_pool, each of at least one page
            dm = p["devmem"]
            assert dm["provider_name"] == tp["provider"], f"{where}: provider {dm['provider_name']}"
            assert dm["pool_bytes"] == tp["pool_size"], f"{where}: pool size"
            used = (tp["pool_size"] - tp["pool_avail"]) >> 12
            assert dm["pool_allocated_bytes"] >> 12 == used, f"{where}: pool allocated"
            lo, hi = 1 + tp["expected_bulk"] + min(used, 1), 1 + tp["expected_bulk"] + used
            assert (p["expected"]["count"], p["expected"]["count_max"]) == (lo, hi), \
                f"{where}: expected {p['expected']['count']}-{p['expected']['count_max']}"
            assert p["verdict"] == ("ok" if lo <= tref["true_count"] <= hi else
                                    "excess" if tref["true_count"] > hi else "deficit"), \
                f"{where}: verdict {p['verdict']}"
        elif p["expected"]["applies"]:
            assert p["expected"]["count"] == 1 + tp["expected_bulk"], f"{where}: expected"
            assert p["verdict"] == ("ok" if tref["true_count"] == 1 + tp["expected_bulk"]
                                    else "excess"), f"{where}: verdict {p['verdict']}"
        else:
            # before v5.17 pgmap->ref is the owner's (pmem: the queue's q_usage_counter):
            # the model reports the count and gives no expectation
            assert p["expected"]["model"] == "4.14-5.16" and p["verdict"] == "n/a", \
                f"{where}: model {p['expected']['model']}, verdict {p['verdict']}"
        if not census:
            continue
        cen = {(c["start"], c["end"]): c for c in p["census"]}
        for tc in t["kernel"]["census"]:
            if not any(hexint(r["start"]) >> 12 == tc["start"] for r in tp["ranges"]):
                continue
            c = cen.get((tc["start"], tc["end"]))
            cw = f"{where} census {tc['start']:#x}-{tc['end']:#x}"
            assert c is not None, f"{cw}: missing"
            if memmap_off_dump(t, tc["start"]):
                # every struct page past the altmap's reserve is on the device: unreadable
                assert c["pages"] == 0 and c["unreadable"] == sum(r["pfn_len"] for r in tp["ranges"]) \
                    and c["unreadable"] + c["altmap_skipped"] == tc["end"] - tc["start"], \
                    f"{cw}: memmap on the device: {c['pages']} read, {c['unreadable']} unreadable"
                continue
            assert c["histogram"] == tc["histogram"], \
                f"{cw}: histogram {c['histogram']} != truth {tc['histogram']}"
            assert c["pages"] + c["unreadable"] == tc["end"] - tc["start"]
            assert c["unreadable"] == tc["invalid"] == 0
            assert c["tails"] == tc["tails"], f"{cw}: tails {c['tails']} != {tc['tails']}"
            if tc.get("idle_at_zero_skipped"):
                # device-private pages: the guest kernel does not classify them, it counts
                # the allocated ones (refcount != 0); the front ends list those as non-idle
                assert c["nonidle_total"] == tc["zero_idle_allocated"], \
                    f"{cw}: non-idle {c['nonidle_total']} != allocated {tc['zero_idle_allocated']}"
                continue
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


# ---------------------------------------------------------------- daxpage, daxdev, daxcheck
# Shared by tests/test_crash_ext.py (dax.so) and tests/test_drgn.py (drgn/daxtriage.py): a
# front end's outputs are reached through doc(name) -> dict (a -j document) and
# text(name) -> str, whatever the front end's own way of running commands.

def memmap_off_dump(t, pfn):
    """pfn's struct page is not in the sample's kdump: its pgmap has a valid altmap (namespace
    --map=dev: memmap_init_zone_device() initialises struct pages the altmap allocated on the
    device) and the capture kernel dumps System RAM only (the fsdax-mapdev sample).  The front
    ends say so in one line instead of reading the page (docs/reliability.md)."""
    g = pgmap_of(t, pfn)
    return bool(g and g.get("altmap_valid"))


def display_bytes(s):
    """The bytes a name's display form stands for (docs/json-schema.md "Strings from the dump":
    '\\\\' is a backslash, '\\xNN' the byte NN), decoded here as a reader of the output would."""
    return re.sub(rb"\\(\\|x[0-9a-f]{2})",
                  lambda m: b"\\" if m[1] == b"\\" else bytes([int(m[1][1:], 16)]), s.encode())


def file_name(t, f):
    """The name bytes of truth's file record f: the scenario's own record of them (name_hex,
    hostile-names, whose truth names the files /proc/self/fd/N), else the path's last part."""
    for mp in t["construction"]["mappings"]:
        if mp["path"] == f["path"] and "name_hex" in mp:
            return bytes.fromhex(mp["name_hex"])
    return os.path.basename(f["path"]).encode()


def named_pfns(t):
    """The valid named pages of truth the dump holds (memmap_off_dump), each pfn once, in
    truth's order."""
    out = []
    for p in t["kernel"]["pages"]["pages"]:
        if p.get("valid") and p["pfn"] not in out and not memmap_off_dump(t, p["pfn"]):
            out.append(p["pfn"])
    return out


def pgmap_of(t, pfn):
    for g in t["kernel"]["pgmaps"]:
        if any(hexint(r["start"]) >> 12 <= pfn <= hexint(r["end"]) >> 12 for r in g["ranges"]):
            return g
    return None


def truth_pages(t):
    """The valid named pages the dump holds (memmap_off_dump), by pfn."""
    out = {}
    for p in t["kernel"]["pages"]["pages"]:
        if p.get("valid") and not memmap_off_dump(t, p["pfn"]):
            out.setdefault(p["pfn"], p)
    return out


def check_daxpages(label, doc, t):
    """daxpage -j on every named page (doc(f"page{pfn:x}.json")): the page's own words as the
    guest kernel read them, its pgmap by truth's ranges, and the DAX entry truth's i_pages
    holds at its index."""
    files = {hexint(f["mapping"]): f for f in t["kernel"]["files"]}
    for pfn, p in truth_pages(t).items():
        d = doc(f"page{pfn:x}.json")
        where = f"{label} daxpage {pfn:#x}"
        assert d["pfn"] == pfn and hexint(d["page"]) == hexint(p["page"]), f"{where}: page"
        assert d["refcount"] == p["refcount"], f"{where}: refcount {d['refcount']} != {p['refcount']}"
        assert d["mapcount_raw"] == p["mapcount_raw"], f"{where}: mapcount"
        assert hexint(d["mapping"]) == hexint(p["mapping"]), f"{where}: mapping"
        assert d["index"] == p["index"], f"{where}: index {d['index']} != {p['index']}"
        assert hexint(d["flags"]) == hexint(p["flags"]), f"{where}: flags"
        assert d["tail"] == p["tail"], f"{where}: tail"
        if p.get("zonenum") is not None:
            assert d["zone"] == p["zonenum"], f"{where}: zone {d['zone']} != {p['zonenum']}"
        if p["head"] or p["tail"]:
            assert d["order"] == p["order"], f"{where}: order {d['order']} != {p['order']}"
        g = pgmap_of(t, pfn)
        if g is None:
            assert d["pgmap"] is None, f"{where}: pgmap {d['pgmap']} for a pfn outside every range"
        else:
            assert hexint(d["pgmap"]["address"]) == hexint(g["address"]), f"{where}: pgmap"
            assert d["pgmap"]["type_name"] == g["type_name"], f"{where}: pgmap type"
        f = files.get(hexint(p["mapping"]))
        if f is not None and not p["tail"] and f["dax"] and f["entries"]:
            owner = [e for e in f["entries"]
                     if e["index"] <= p["index"] < e["index"] + (1 << e["order"])]
            if owner:
                assert d["entry"] and hexint(d["entry"]["raw"]) == hexint(owner[0]["raw"]), \
                    f"{where}: entry {d['entry']} != truth {owner[0]}"
                assert d["entry"]["index"] == owner[0]["index"], f"{where}: entry index"
            else:
                assert d["entry"] is None, f"{where}: entry {d['entry']} where truth has none"


def check_daxpage_text(label, text, t):
    """daxpage PFN (text(f"page{pfn:x}.txt")) prints dump_page()'s first line for each pinned
    page: the head's refcount and mapping, page_to_pgoff() as index (kernel mm/debug.c
    wording)."""
    import os
    import re
    pages = truth_pages(t)
    by_addr = {hexint(p["page"]): p for p in pages.values()}
    files = {hexint(f["mapping"]): f for f in t["kernel"]["files"]}
    for pin in t["construction"].get("pins", []):
        pfn = hexint(pin["pfn"])
        if memmap_off_dump(t, pfn):
            continue
        p = pages[pfn]
        head = by_addr.get(hexint(p["compound_head"]), p) if p["tail"] else p
        index = head["index"] + (pfn - head["pfn"]) if p["tail"] else p["index"]
        txt = text(f"page{pfn:x}.txt") or ""
        want = (f"page:{hexint(p['page']):x} refcount:{head['refcount']} mapcount:{p['mapcount']} "
                f"mapping:{hexint(head['mapping']):x} index:{index:#x} pfn:{pfn:#x}")
        assert want in txt.splitlines(), f"{label} daxpage {pfn:#x}: no line {want!r} in {txt[:300]}"
        f = files.get(hexint(head["mapping"]))
        if f and not f["path"].startswith("/dev/"):
            m = re.search(rf'^aops:\S+ ino:{f["ino"]:x} dentry name:"(.*)"$', txt, re.M)
            assert m and display_bytes(m[1]) == file_name(t, f), \
                f"{label} daxpage {pfn:#x}: aops/ino/dentry line: {txt[:400]}"
        if p["tail"] or p["head"]:
            assert re.search(rf"^head:{hexint(head['page']):x} order:{p['order']} ", txt, re.M), \
                f"{label} daxpage {pfn:#x}: head line"
        assert "checks:" in txt and "CHK-G1" in txt, f"{label} daxpage {pfn:#x}: no CHK-G1"


def mib(size):
    """ndctl's "1022.00 MiB (1071.64 MB)" as bytes."""
    v, unit = size.split()[:2]
    return int(float(v) * {"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}[unit])


def check_daxdev(label, d, t, pgmap_doc, modules, module_symbols=True):
    """daxdev -j against truth's namespaces and mounts; with modules=False the front end had
    no module debuginfo and must say what it lacks; with module_symbols=False not even the
    modules' symbols (crash --no_modules): pmem_dax_ops cannot be named, the kind is null."""
    devs = d["dax_devices"]
    pgmaps = {g["type_name"]: g for g in t["kernel"]["pgmaps"]}
    owners = {hexint(g["address"]): g.get("owner_device") for g in pgmap_doc["pgmaps"]}
    nss = [ns for r in t["namespaces"]["regions"] for ns in r["namespaces"]
           if ns["mode"] in ("fsdax", "devdax")]
    assert nss, f"{label}: truth has no fsdax/devdax namespace"
    # Before "dax: simplify the dax_device <-> gendisk association" (v5.17) there is no
    # dax_hosts: a pmem dax_device is named by the host string alloc_dax() kept
    # (dax_device->host), but without nd_pmem debuginfo nothing ties the FS_DAX pgmap to it
    # (no pmem_device, and pmem sets pgmap->owner only from v6.0)
    unowned = not modules and kernel_version(t["sample"]["kernel_release"]) < (5, 17)
    for ns in nss:
        if ns["mode"] == "fsdax":
            name, g = ns["blockdev"], pgmaps["MEMORY_DEVICE_FS_DAX"]
            # the live one: a dax_device killed with an earlier namespace may linger (5.10)
            m = [x for x in devs if x["name"] == name and x["alive"]]
            assert len(m) == 1, f"{label}: dax_device of {name}: {[x['name'] for x in devs]}"
            x = m[0]
            assert x["kind"] == ("pmem" if module_symbols else None), f"{label}: kind {x['kind']}"
            assert x["alive"] and "ALIVE" in x["flag_names"].split("|"), f"{label}: {x['flag_names']}"
            assert owners[hexint(g["address"])] == (None if unowned else name), \
                f"{label}: FS_DAX pgmap owner {owners[hexint(g['address'])]}"
            if modules:
                pm = x["pmem"]
                assert pm, f"{label}: pmem_device of {name} not read"
                assert hexint(pm["pgmap"]) == hexint(g["address"]), f"{label}: pmem pgmap"
                assert hexint(pm["phys_addr"]) == hexint(g["ranges"][0]["start"])
                assert hexint(pm["size"]) - hexint(pm["data_offset"]) == mib(ns["size"]), \
                    f"{label}: pmem size {pm['size']} - {pm['data_offset']} != {ns['size']}"
                mounted = {(m_["fs"], m_["id"]) for m_ in x["mounted"]}
                for dev, _, fs, _ in t["mounts"]:
                    if dev == f"/dev/{name}":
                        assert (fs, name) in mounted, f"{label}: {fs} on {name} not found"
                        # xfs registers its mount as holder; ext4 (6.1) none; no holder
                        # before "dax: introduce holder for dax_device" (v6.0)
                        if kernel_version(t["sample"]["kernel_release"]) < (6, 0):
                            assert "holder_ops_symbol" not in x, f"{label}: holder before 6.0"
                            continue
                        want = "xfs_dax_holder_operations" if fs == "xfs" else None
                        assert x["holder_ops_symbol"] == want, f"{label}: holder {x['holder_ops_symbol']}"
            else:
                assert x["pmem"] is None
                assert any("pmem_device" in w for w in d["missing_debuginfo"]), d["missing_debuginfo"]
        else:
            name, g = ns["chardev"], pgmaps["MEMORY_DEVICE_GENERIC"]
            m = [x for x in d["dev_dax"] if x["name"] == name]
            assert len(m) == 1 and m[0]["read"], f"{label}: dev_dax {name}: {d['dev_dax']}"
            x = m[0]
            assert hexint(x["pgmap"]) == hexint(g["address"]), f"{label}: dev_dax pgmap"
            assert x["align"] == ns["align"], f"{label}: align {x['align']} != {ns['align']}"
            size = sum(hexint(r["end"]) - hexint(r["start"]) + 1 for r in x["ranges"])
            assert size == mib(ns["size"]), f"{label}: dev_dax size {size:#x} != {ns['size']}"
            assert hexint(x["ranges"][-1]["end"]) == hexint(g["ranges"][-1]["end"])
            dx = [y for y in devs if y["name"] == name]
            # an instance being unbound (its pgmap killed: ref dead or exited) has had
            # kill_dev_dax() -> kill_dax() clear DAXDEV_ALIVE first (drivers/dax/bus.c)
            dying = g["ref"]["mode"] in ("dead", "exited")
            assert len(dx) == 1 and dx[0]["kind"] == "devdax", f"{label}: {name}: {dx}"
            assert dx[0]["alive"] == (not dying), f"{label}: {name} alive {dx[0]['alive']}"
            assert hexint(dx[0]["address"]) == hexint(x["dax_dev"])
            assert owners[hexint(g["address"])] == name, f"{label}: GENERIC pgmap owner"


# Functions a task breaking a DAX layout sleeps under (its /proc/PID/stack in truth.json):
# ext4/xfs until v6.14; dax_break_layout() from "fs/dax: properly refcount fs dax pages"
# (v6.15), whose wait callback (ext4_wait_dax_page) is the innermost frame.
BREAK_LAYOUTS = ("ext4_break_layouts", "xfs_break_dax_layouts", "xfs_break_layouts",
                 "dax_break_layout", "dax_break_layout_final", "dax_layout_busy_page",
                 "dax_layout_busy_page_range")
PHRASE = "pinned DAX page blocks truncate \u2014 the DAX-gup class of 004_b059be23803e822e.txt"


def proc_frames(pt):
    """The "function+0xoff" frames of a task's /proc/PID/stack lines in truth.json."""
    import re
    out = []
    for line in pt["stack"]:
        m = re.match(r"\[<[0-9a-f]+>\] (\S+?\+0x[0-9a-f]+)/", line)
        if m:
            out.append(m.group(1))
    return out


def blocked_tasks(t):
    """The tasks the guest kernel shows sleeping in a layout break (/proc/PID/stack)."""
    return [pt for pt in t["kernel"]["proc_tasks"]
            if any(f.split("+")[0] in BREAK_LAYOUTS for f in proc_frames(pt))]


def head_pfn(t, pfn):
    """The pfn of the head of the compound page (devdax, or an fsdax folio from v6.15) that
    holds pfn, by truth's page records, else by the pgmap's vmemmap_shift."""
    p = truth_pages(t).get(pfn)
    if p is not None and p["tail"]:
        return pfn >> p["order"] << p["order"]
    g = pgmap_of(t, pfn)
    return pfn >> g["vmemmap_shift"] << g["vmemmap_shift"] if g else pfn


def expected_findings(t):
    """{(check, severity, pfn)} daxcheck must report, from the guest kernel's records: every
    page its census found held beyond idle and beyond its mappings (CHK-G1, info: vmsplice
    pins are legitimate), and, for every task the kernel shows waiting in a layout break,
    the pinned fsdax pages (CHK-G2, error; from v6.15 the head of the folio holding the pin).
    Nothing else.  fsdax pages idle at 1 until "fs/dax: properly refcount fs dax pages"
    (v6.15), then at 0 and held by their mappings (folio_mapcount, truth's "mapcount")."""
    exp = set()
    v615 = kernel_version(t["sample"]["kernel_release"]) >= (6, 15)
    pages = truth_pages(t)
    for c in t["kernel"]["census"]:
        for n in c["nonidle"]:
            if n["tail"] or memmap_off_dump(t, n["pfn"]):
                continue
            # above the census's idle refcount; from 6.15 every mapping holds a reference, for
            # fsdax and device-dax alike ("device/dax: properly refcount device dax pages when
            # mapping"): the census's mapcount is folio_mapcount() (test_truth's busy rule)
            idle = c["idle_refcount"] if c["idle_refcount"] is not None else 1
            held = n["refcount"] - (n["mapcount"] if v615 else 0) > idle
            if held:
                exp.add(("CHK-G1", "info", n["pfn"]))
    exp |= replica_findings(t)
    for _ in blocked_tasks(t):
        for pin in t["construction"].get("pins", []):
            g = pgmap_of(t, hexint(pin["pfn"]))
            if g and g["type_name"] == "MEMORY_DEVICE_FS_DAX":
                exp.add(("CHK-G2", "error", head_pfn(t, hexint(pin["pfn"]))))
    return exp


# The bug replicas (docs/replicas.md): what the guest kernel recorded that daxcheck must name.
DAX_LOCKED_BIT = 1 << 1     # raw entry bit of DAX_LOCKED (fs/dax.c: value bit 0, xa_mk_value)
TEARDOWN_WAITS = ("memunmap_pages",)
ENTRY_WAITS = ("get_unlocked_entry", "wait_entry_unlocked", "wait_entry_unlocked_exclusive")
# Function families whose NULL dereferences CHK-D3 maps (crash-ext/core/oopsmap.c)
D3_FUNCS = ("percpu_ref_", "fs_dax_", "dax_", "kill_dax", "put_dax", "memunmap_pages",
            "memremap_pages", "devm_memremap_pages", "get_dev_pagemap", "pgmap_")


def tasks_waiting_in(t, funcs):
    return [pt for pt in t["kernel"]["proc_tasks"]
            if any(f.split("+")[0] in funcs for f in proc_frames(pt))]


def oops_in_dax_code(t):
    """truth's panic record when the kernel died of a small-address fault in a DAX, pgmap or
    percpu_ref function (the CHK-D3 case), else None."""
    pr = t.get("panic") or {}
    if not pr.get("address") or not pr.get("rip"):
        return None
    func = pr["rip"].split("+")[0]
    if hexint(pr["address"]) >= 4096 or not func.startswith(D3_FUNCS):
        return None
    return pr


def replica_findings(t):
    """{(check, severity, pfn)} the replicas' states imply, from truth alone: a dead pgmap with
    references left while a task waits in its teardown (CHK-R2, error); a registered pgmap with
    an exited ref (CHK-R4, error); a small-address oops in DAX/pgmap/percpu_ref code (CHK-D3,
    error); an FS_DAX page at refcount 0 before v6.15 (CHK-P4, error); a LOCKED entry with a
    task waiting for it (CHK-L1, error)."""
    exp = set()
    for g in t["kernel"]["pgmaps"]:
        mode = g["ref"]["mode"]
        if mode == "dead" and g["ref"]["true_count"] > 0:
            exp.add(("CHK-R2", "error" if tasks_waiting_in(t, TEARDOWN_WAITS) else "warning", None))
        if mode == "exited":
            exp.add(("CHK-R4", "error", None))
    if oops_in_dax_code(t):
        exp.add(("CHK-D3", "error", None))
    if kernel_version(t["sample"]["kernel_release"]) < (6, 15):
        for pfn, p in truth_pages(t).items():
            g = pgmap_of(t, pfn)
            if p["refcount"] == 0 and not p["tail"] and g and g["type_name"] == "MEMORY_DEVICE_FS_DAX":
                exp.add(("CHK-P4", "error", pfn))
    if tasks_waiting_in(t, ENTRY_WAITS):
        for f in t["kernel"]["files"]:
            for e in f["entries"]:
                if hexint(e["raw"]) & DAX_LOCKED_BIT:
                    exp.add(("CHK-L1", "error", kernel_decode(hexint(e["raw"]))[1]))
    return exp


def check_replica_findings(label, d, text, t):
    """The details each replica's finding must give (docs/replicas.md), from truth."""
    by = {}
    for f in d["findings"]:
        by.setdefault(f["check"], []).append(f)
    pgmaps = {hexint(g["address"]): g for g in t["kernel"]["pgmaps"]}
    for f in by.get("CHK-R2", []) + by.get("CHK-R4", []):
        g = pgmaps.get(hexint(f["pgmap"]))
        assert g is not None, f"{label}: {f['check']} names pgmap {f['pgmap']}, not one of truth's"
        assert f["bug_class"]["thread"] == "001_648352dc504a39ae.txt", f["bug_class"]
        if f["check"] == "CHK-R2":
            assert f"true count {g['ref']['true_count']}" in f["evidence"], f["evidence"]
            waiting = tasks_waiting_in(t, TEARDOWN_WAITS)
            assert [x["pid"] for x in f["tasks"]] == [pt["pid"] for pt in waiting], f["tasks"]
            for x, pt in zip(f["tasks"], waiting):
                assert x["frame"] in proc_frames(pt), f"{label}: frame {x['frame']} not in {proc_frames(pt)}"
        else:
            assert g["ref"]["mode"] == "exited", g["ref"]
    pr = oops_in_dax_code(t)
    for f in by.get("CHK-D3", []):
        fault = f["fault"]
        assert hexint(fault["address"]) == hexint(pr["address"]), f"{label}: {fault} vs {pr}"
        assert fault["function"] == pr["rip"].split("+")[0] and fault["rip"] == pr["rip"]
        assert [x["pid"] for x in f["tasks"]] == [pr["pid"]] and f["tasks"][0]["comm"] == pr["comm"]
        assert fault["members"], f"{label}: CHK-D3 maps 0x{hexint(pr['address']):x} to no member"
        for m in fault["members"]:
            assert "." in m, m
        exited = [g for g in t["kernel"]["pgmaps"] if g["ref"]["mode"] == "exited"]
        if exited:   # the NULL ref->data of a torn-down pgmap ref (seed 001)
            assert "percpu_ref_data.release" in fault["members"], fault
            assert hexint(f["pgmap"]) == hexint(exited[0]["address"]), f["pgmap"]
        if fault["function"].startswith(("dax_", "fs_dax_")):
            assert fault["members"][0].startswith("dax_device."), fault
            for dev, mnt, fs, _ in t.get("other_mounts", []):
                if mnt != "/out":
                    assert dev.split("/")[-1] in f["evidence"], \
                        f"{label}: {dev} ({fs} at {mnt}, no dax_device) not named: {f['evidence']}"
    for f in by.get("CHK-P4", []):
        p = truth_pages(t)[f["pfn"]]
        line = (f"page:{hexint(p['page']):016x} refcount:{p['refcount']} mapcount:{p['mapcount']} "
                f"mapping:{hexint(p['mapping']):016x} index:{p['index']:#x} pfn:{f['pfn']:#x}")
        assert line in text, f"{label}: no dump_page line {line!r} in the text"
    for f in by.get("CHK-L1", []):
        waiting = tasks_waiting_in(t, ENTRY_WAITS)
        assert [x["pid"] for x in f["tasks"]] == [pt["pid"] for pt in waiting], f["tasks"]
        for x, pt in zip(f["tasks"], waiting):
            assert x["frame"] in proc_frames(pt), f"{label}: frame {x['frame']} not in {proc_frames(pt)}"
        raws = [hexint(e["raw"]) for tf in t["kernel"]["files"] for e in tf["entries"]]
        assert f["entry"] and hexint(f["entry"]["raw"]) in raws and hexint(f["entry"]["raw"]) & DAX_LOCKED_BIT
        assert "no owner" in f["evidence"], f["evidence"]


def check_daxcheck(label, d, text, t, modules, load_hint="mod -S"):
    """daxcheck -j (d) and its text (text): exactly the findings truth implies, the blocked
    task (its frame one of the kernel's /proc/PID/stack frames), inode, entry and pipe holder
    of CHK-G2, no error or warning on a clean sample, and the checks that must have been
    evaluated; without module debuginfo, CHK-D1 is not evaluated and the note says how to
    load it (load_hint: the front end's way)."""
    findings = d["findings"]
    got = [(f["check"], f["severity"], f["pfn"]) for f in findings]
    exp = expected_findings(t)
    assert sorted(got) == sorted(exp), f"{label}: findings {sorted(got)} != expected {sorted(exp)}"
    assert d["scanned"]["pgmaps"] == len(t["kernel"]["pgmaps"])
    files = {f["path"]: f for f in t["kernel"]["files"]}
    pins = t["construction"].get("pins", [])
    holder = t["construction"].get("holder_pid")
    # CHK-G1: every pin is found in the pipes of the task that made it, once per count
    for pin in pins:
        if memmap_off_dump(t, hexint(pin["pfn"])):
            continue
        head = head_pfn(t, hexint(pin["pfn"]))
        f = [x for x in findings if x["check"] == "CHK-G1" and x["pfn"] == head]
        assert len(f) == 1, f"{label}: no CHK-G1 for pin {pin}"
        n = sum(p["count"] for p in pins if head_pfn(t, hexint(p["pfn"])) == head)
        mine = [h for h in f[0]["holders"] if h["pid"] == holder]
        assert len(mine) == n, f"{label}: pin {pin['pfn']}: holders {f[0]['holders']}, want {n} of pid {holder}"
    # CHK-G2: the blocked task, the inode, the entry, the holder
    blocked = blocked_tasks(t)
    for f in findings:
        if f["check"] != "CHK-G2":
            continue
        assert f["headline"] == PHRASE, f"{label}: headline {f['headline']!r}"
        assert f["bug_class"] == {"name": "DAX-gup", "thread": "004_b059be23803e822e.txt"}
        assert [x["pid"] for x in f["tasks"]] == [pt["pid"] for pt in blocked], f["tasks"]
        task = [x for x in t["kernel"]["tasks"] if x["pid"] == blocked[0]["pid"]][0]
        assert f["tasks"][0]["comm"] == task["comm"]
        assert f["tasks"][0]["frame"] in proc_frames(blocked[0]), \
            f"{label}: frame {f['tasks'][0]['frame']} not in {proc_frames(blocked[0])}"
        pin = [p for p in pins if head_pfn(t, hexint(p["pfn"])) == f["pfn"]][0]
        tf = files[pin["path"]]
        assert hexint(f["inode"]) == hexint(tf["inode"]) and f["ino"] == tf["ino"]
        owner = [e for e in tf["entries"] if e["index"] <= pin["index"] < e["index"] + (1 << e["order"])]
        assert f["entry"] and hexint(f["entry"]["raw"]) == hexint(owner[0]["raw"])
        assert holder in [h["pid"] for h in f["holders"]], f"{label}: holders {f['holders']}"
        assert PHRASE in text, f"{label}: text output lacks the phrase"
    check_replica_findings(label, d, text, t)
    s = d["summary"]
    if not blocked and not replica_findings(t):
        assert s["error"] == 0 and s["warning"] == 0, f"{label}: clean sample has {s}"
    states = {c["id"]: c for c in d["checks"]}
    must = ["CHK-T1", "CHK-T2", "CHK-T3", "CHK-P1", "CHK-P2", "CHK-P3", "CHK-P4",
            "CHK-G1", "CHK-G2", "CHK-R1", "CHK-R2", "CHK-R4", "CHK-M1", "CHK-Z1",
            "CHK-L1", "CHK-D4"] + (["CHK-D1"] if modules else [])
    # CHK-R3 (true count against the model) needs the embedded pgmap->ref of "memremap:
    # remove support for external pgmap refcounts" (v5.17); before it the ref may be the
    # owner's and the model gives no expected count (but for &pgmap->internal_ref, v5.3+)
    if kernel_version(t["sample"]["kernel_release"]) >= (5, 17):
        must.append("CHK-R3")
    # CHK-D2 needs the dax_device holder: "dax: introduce holder for dax_device" (v6.0)
    if modules and kernel_version(t["sample"]["kernel_release"]) >= (6, 0):
        must.append("CHK-D2")
    # CHK-T5 (nrpages counts every entry) needs a kernel without nrexceptional: "mm: remove
    # nrexceptional from inode" (v5.13)
    if kernel_version(t["sample"]["kernel_release"]) >= (5, 13):
        must.append("CHK-T5")
    else:
        assert not states["CHK-T5"]["evaluated"], f"{label}: CHK-T5 on an nrexceptional kernel"
    for cid in must:
        assert states[cid]["evaluated"], f"{label}: {cid} not evaluated: {states[cid]['note']}"
    if not modules:
        assert not states["CHK-D1"]["evaluated"] and load_hint in states["CHK-D1"]["note"], \
            f"{label}: CHK-D1 {states['CHK-D1']}"


# The C core's known gaps (crash-ext/core/check.c): checks it does not evaluate yet, with the
# reason it gives.  A front end that mirrors it must say the same.
NOT_EVALUATED_YET = {
    "CHK-T6": "dirty/towrite marks are not read yet",
    "CHK-P5": "compound consistency is not checked yet",
    "CHK-I2": "raw block-device DAX (<= 4.x) is not looked for",
}


def check_known_gaps(label, d):
    states = {c["id"]: c for c in d["checks"]}
    for cid, why in NOT_EVALUATED_YET.items():
        s = states[cid]
        assert not s["evaluated"] and s["note"] == why, f"{label}: {cid}: {s}"
