"""The drgn front end on a live kernel: the `live` sample's guest ran drgn/daxtriage.py against
its own /proc/kcore while the scenario held its state (samples/guest/scenarios/live.sh), and
saved the -j documents next to the sample.  They are held to the same truth.json as the
vmcore tests hold the dumps of that guest (tests/frontend_truth.py).

The outputs belong to the drgn code that produced them: samples/scripts/make-samples.sh keys
the sample by a hash of drgn/ and share/ (run.json "tag"), so a change there rebuilds it; a
stale sample is a failure here, not a silent pass on old code."""
import hashlib
import glob
import json
import os

from frontend_truth import check_mapping, check_pgmaps, expected_findings
from harness import TOP, hexint, per_sample


def drgn_tree_tag():
    h = hashlib.sha256()
    files = [os.path.join(TOP, "drgn", "daxtriage.py")]
    files += sorted(glob.glob(os.path.join(TOP, "drgn", "daxtriage", "*.py")))
    files += sorted(glob.glob(os.path.join(TOP, "share", "*.json")))
    for f in files:
        with open(f, "rb") as fh:
            h.update(fh.read())
    return "drgn-" + h.hexdigest()[:16]


def live_doc(s, name):
    path = s.path("guest", f"live-{name}.json")
    err = open(s.path("guest", f"live-{name}.err")).read() if os.path.exists(
        s.path("guest", f"live-{name}.err")) else ""
    assert os.path.exists(path) and os.path.getsize(path), f"live {name}: no output; stderr: {err[-300:]}"
    with open(path) as f:
        d = json.load(f)
    assert d["schema"] == "daxtriage/1" and d["command"] == name, d.get("command")
    assert d.get("live") is True, f"live {name}: document does not say it is live"
    return d, err


@per_sample(scenarios=["live"])
def test_live_outputs_are_from_this_tree(s):
    with open(s.path("run.json")) as f:
        tag = json.load(f).get("tag")
    assert tag == drgn_tree_tag(), \
        f"live sample made by drgn code {tag}, the tree is {drgn_tree_tag()}: run make samples"
    version = open(s.path("guest", "live-drgn-version.txt")).read().strip()
    print(f"    drgn {version} in the guest, on /proc/kcore")


@per_sample(scenarios=["live"])
def test_live_daxmap_matches_truth(s):
    t = s.truth
    d, err = live_doc(s, "daxmap")
    assert "may race" in err, f"live daxmap does not warn that live values may race: {err!r}"
    by_mapping = {hexint(m["mapping"]): m for m in d["mappings"]}
    n = 0
    for f in t["kernel"]["files"]:
        if f["dax"] and (f["entries"] or f["nrpages"]):
            m = by_mapping.get(hexint(f["mapping"]))
            assert m is not None, f"live daxmap -a misses {f['path']}"
            check_mapping(f"live {f['path']}", f, m, t)
            n += 1
    assert n >= 3, f"only {n} files compared"


@per_sample(scenarios=["live"])
def test_live_pgmap_census_matches_truth(s):
    d, _ = live_doc(s, "pgmap")
    check_pgmaps("live", d, s.truth)


@per_sample(scenarios=["live"])
def test_live_daxcheck_findings_match_truth(s):
    d, _ = live_doc(s, "daxcheck")
    got = sorted((f["check"], f["severity"], f["pfn"]) for f in d["findings"])
    want = sorted(expected_findings(s.truth))
    assert got == want, f"live daxcheck findings {got} != expected {want}"
    assert d["summary"]["error"] == 0 and d["summary"]["warning"] == 0, d["summary"]
