"""The own kernel's samples (issue 9): every pgmap type in dumps of a kernel built from Debian's
linux-source-6.1 with DEVICE_PRIVATE, TEST_HMM and PCI_P2PDMA (samples/manifest set "own",
docs/samples.md "The own kernel").

These tests are not per-sample tests of the set under test: they read samples/out/own.list
themselves, so that `make check` (set default) runs them whenever the own samples are built
and skips each of them loudly when they are not (the cold kernel build takes ~15 min, more
than make check may spend: docs/samples.md).  A sample of the list that exists but failed to
build is a failure, as in every set.

Both front ends are held to truth.json on every pgmap of every dump: type by enumerator,
ranges, true count, the expected-count model of each type (device-private: 1 + allocated
pages, counted by the guest kernel; P2PDMA: 1 + pages + allocations from the provider's pool),
the owner (ops symbol, the NVMe device providing P2P memory) and the device-private census.
"""
import os

from harness import Skip, expected_samples, hexint
from frontend_truth import check_pgmaps, truth_allocated

OWN_SKIP = "own kernel samples not built: make samples SET=own (~15 min cold; docs/samples.md)"
PRIVATE, P2PDMA = "MEMORY_DEVICE_PRIVATE", "MEMORY_DEVICE_PCI_P2PDMA"


def own_samples():
    samples = expected_samples("own")
    if not samples or not any(os.path.exists(s.path("truth.json")) for s in samples):
        raise Skip(OWN_SKIP)
    return samples


def truth_pgmaps(s):
    return s.truth["kernel"]["pgmaps"]


def test_own_samples_hold_every_pgmap_type():
    """The samples hold what they are for, by the guest kernel's own records: allpgmaps has
    fsdax, devdax, device-private and P2PDMA pgmaps in one dump; the device-private pages the
    kernel counts as allocated are the ones the guest program migrated and kept mapped, and
    free device pages exist too; the P2PDMA pgmap is provided by the NVMe controller."""
    for s in own_samples():
        t = s.truth
        types = sorted({g["type_name"] for g in truth_pgmaps(s)})
        want = {"MEMORY_DEVICE_FS_DAX", "MEMORY_DEVICE_GENERIC"}
        if s.scenario in ("allpgmaps", "hmm-private"):
            want.add(PRIVATE)
        if s.scenario in ("allpgmaps", "p2pdma"):
            want.add(P2PDMA)
        assert set(types) == want, f"{s.name}: pgmap types {types}, want {sorted(want)}"
        held = sum(r["held"] for r in t["construction"].get("device_private", []))
        private = [g for g in truth_pgmaps(s) if g["type_name"] == PRIVATE]
        allocated = sum(truth_allocated(t, g) for g in private)
        assert allocated == held, f"{s.name}: kernel counts {allocated} allocated device " \
                                  f"pages, the program holds {held}"
        for g in private:
            assert not g["expected_bulk_applies"], f"{s.name}: PRIVATE takes bulk refs?"
            free = sum(c["idle_at_zero_skipped"] - c["zero_idle_allocated"]
                       for c in t["kernel"]["census"]
                       if any(hexint(r["start"]) >> 12 == c["start"] for r in g["ranges"]))
            assert free > 0, f"{s.name}: pgmap {g['address']} has no free device page"
            assert g["ref"]["true_count"] == 1 + truth_allocated(t, g), \
                f"{s.name}: pgmap {g['address']}: true count {g['ref']['true_count']} is not " \
                f"1 + allocated pages (6.1 zone_device_page_init)"
        for g in truth_pgmaps(s):
            if g["type_name"] == P2PDMA:
                assert g["provider"] and g["pool_size"], f"{s.name}: P2PDMA without provider"


def check_owners(label, d, t):
    """ops symbol and owner of every pgmap as the guest kernel names them (%ps)."""
    got = {hexint(p["address"]): p for p in d["pgmaps"]}
    for tp in t["kernel"]["pgmaps"]:
        p = got[hexint(tp["address"])]
        where = f"{label} pgmap {tp['address']} ({tp['type_name']})"
        want = (tp["ops_symbol"] or "").split(" ")[0] or None
        assert ((p["ops_symbol"] or "").split("+")[0] or None) == want, \
            f"{where}: ops {p['ops_symbol']} != {want}"
        if tp["type_name"] == P2PDMA:
            assert p["owner_device"] == tp["provider"], f"{where}: device {p['owner_device']}"
        if tp["type_name"] == PRIVATE:
            # test_hmm's pgmap->owner is its struct dmirror_device (lib/test_hmm.c), in the
            # module's static dmirror_devices[]: a symbol, but which one the nearest is
            # depends on the symbol table each tool reads (the guest's %pS names a lockdep
            # key), so only the pointer is compared
            assert hexint(p["owner"]) == hexint(tp["owner"]), f"{where}: owner"
            assert p["owner_symbol"], f"{where}: owner not resolved to a symbol"


def check_daxcheck_devmem(label, d, t):
    """daxcheck: the device-private check ran, nothing is wrong with these healthy pgmaps
    (every allocated device page is mapped by the program that migrated it; every true count
    matches its model)."""
    states = {c["id"]: c for c in d["checks"]}
    private = any(g["type_name"] == PRIVATE for g in t["kernel"]["pgmaps"])
    assert states["CHK-H1"]["evaluated"] == private, f"{label}: CHK-H1 evaluated"
    bad = [f for f in d["findings"] if f.get("check", f.get("id")) in ("CHK-H1", "CHK-R3")]
    assert not bad, f"{label}: findings {bad}"


def test_own_crash_matches_truth():
    """dax.so (the sample's crash, trixie 8.0.6) on every own dump: pgmap -p -j against truth
    (every type, counts, model, census), owners and ops, daxcheck's device-memory checks."""
    import test_crash_ext as tc
    for s in own_samples():
        outs = tc.session(s, "vmcore", tc.primary(s))
        label = f"{s.name} crash"
        check_pgmaps(label, tc.load_json(outs, "pgmap.json"), s.truth)
        check_owners(label, tc.load_json(outs, "pgmap.json"), s.truth)
        check_daxcheck_devmem(label, tc.load_json(outs, "daxcheck.json"), s.truth)


def test_own_drgn_matches_truth():
    """drgn/daxtriage.py (host drgn 0.0.22) on every own dump: the same as for dax.so."""
    import test_drgn as td
    for s in own_samples():
        outs, _ = td.run_drgn(s, "vmcore", td.truth_commands(s.truth))
        label = f"{s.name} drgn"
        check_pgmaps(label, td.load_doc(outs, "pgmap.json"), s.truth)
        check_owners(label, td.load_doc(outs, "pgmap.json"), s.truth)
        check_daxcheck_devmem(label, td.load_doc(outs, "daxcheck.json"), s.truth)
