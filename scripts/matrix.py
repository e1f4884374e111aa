#!/usr/bin/python3
"""matrix.py [--set SET ...] [--scenario NAME] [--json FILE]

The support matrix: for every sample kernel (samples/manifest sets, default: default and
matrix), every toolset (crash 8.0.2 host, 8.0.6 trixie, 9.0.2 sid with dax.so built against
each one's defs.h; drgn 0.0.22 host, 0.0.31 trixie, 0.3.0 sid) and every command (daxmap,
pgmap, daxpage, daxdev, daxcheck), whether the command's output on the kernel's samples agrees
with truth.json: PASS, FAIL (with the first assertion that failed) or SKIP (with the reason:
a tool that cannot open that kernel, as documented and tested in tests/test_open.py and
tests/test_crash_ext.py).  The comparisons are the tests' own (tests/frontend_truth.py), run
per command here; `make matrix` prints the table (docs/support.md says what it proves).

By default one scenario per kernel, truncate-pinned (both pgmaps, a pin, a blocked task):
--scenario all takes every sample of the kernel (slower).
"""
import argparse
import contextlib
import io
import json
import os
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests"))

import harness  # noqa: E402
from harness import Skip  # noqa: E402
import frontend_truth as ft  # noqa: E402
import test_crash_ext as tc  # noqa: E402
import test_drgn as td  # noqa: E402

COMMANDS = ("daxmap", "pgmap", "daxpage", "daxdev", "daxcheck")
CRASH = ("host", "trixie", "sid")
DRGN = ("host", "trixie", "sid")


def first_line(e):
    text = str(e).strip() or type(e).__name__
    return text.splitlines()[0][:160]


def crash_cell(s, kind):
    """{command: (status, why)} for one crash toolset on one sample."""
    known = tc.KNOWN_TOOLSET_FAILURES.get((kind, s.version))
    if known:
        buf = io.StringIO()
        try:
            with contextlib.redirect_stdout(buf):
                tc.known_failure(s, kind, *known)
            said = buf.getvalue().strip().split(": fails as documented: ")[-1]
            why = f"{tc.toolset_name(kind)} cannot open {s.version[0]}.{s.version[1]} dumps: {said}"
            return {c: ("SKIP", why) for c in COMMANDS}
        except AssertionError as e:
            return {c: ("FAIL", "documented failure changed: " + first_line(e)) for c in COMMANDS}
    try:
        outs = tc.session(s, "vmcore", kind)
    except Skip as e:
        return {c: ("SKIP", first_line(e)) for c in COMMANDS}
    except AssertionError as e:
        return {c: ("FAIL", first_line(e)) for c in COMMANDS}
    label = f"crash {kind} {s.name}"
    t = s.truth
    checks = {
        "daxmap": lambda: (tc.check_daxmaps(label, outs, t), tc.check_daxmap_all(label, outs, t)),
        "pgmap": lambda: ft.check_pgmaps(label, tc.load_json(outs, "pgmap.json"), t),
        "daxpage": lambda: (ft.check_daxpages(label, lambda n: tc.load_json(outs, n), t),
                            ft.check_daxpage_text(label, lambda n: outs.get(n), t)),
        "daxdev": lambda: tc.check_devices(label, outs, s, kind),
        "daxcheck": lambda: tc.check_checks(label, outs, s, kind),
    }
    return {c: run_check(f) for c, f in checks.items()}


def drgn_cell(s, where):
    try:
        outs, version = td.run_drgn(s, "vmcore", td.truth_commands(s.truth), where)
    except Skip as e:
        return {c: ("SKIP", first_line(e)) for c in COMMANDS}, "?"
    except AssertionError as e:
        return {c: ("FAIL", first_line(e)) for c in COMMANDS}, "?"
    label = f"drgn {where} {s.name}"
    t = s.truth
    doc = lambda n: td.load_doc(outs, n)  # noqa: E731
    text = lambda n: outs[n]["out"] if outs[n]["rc"] == 0 else ""  # noqa: E731

    def daxmap():
        for i, f in enumerate(t["kernel"]["files"]):
            d = doc(f"file{i}.json")
            ft.check_mapping(f"{label} {f['path']}", f, d["mappings"][0], t)
        by = {harness.hexint(m["mapping"]): m for m in doc("all.json")["mappings"]}
        for f in t["kernel"]["files"]:
            if f["dax"] and (f["entries"] or f["nrpages"]):
                assert harness.hexint(f["mapping"]) in by, f"{label}: daxmap -a misses {f['path']}"
                ft.check_mapping(label, f, by[harness.hexint(f["mapping"])], t)

    checks = {
        "daxmap": daxmap,
        "pgmap": lambda: ft.check_pgmaps(label, doc("pgmap.json"), t),
        "daxpage": lambda: (ft.check_daxpages(label, doc, t), ft.check_daxpage_text(label, text, t)),
        "daxdev": lambda: ft.check_daxdev(label, doc("daxdev.json"), t, doc("pgmap_owners.json"),
                                          modules=True),
        "daxcheck": lambda: (ft.check_daxcheck(label, doc("daxcheck.json"), text("daxcheck.txt"),
                                               t, modules=True, load_hint="(-s "),
                             ft.check_known_gaps(label, doc("daxcheck.json"))),
    }
    return {c: run_check(f) for c, f in checks.items()}, version


def run_check(f):
    try:
        f()
        return ("PASS", "")
    except Skip as e:
        return ("SKIP", first_line(e))
    except AssertionError as e:
        return ("FAIL", first_line(e))
    except Exception as e:  # a comparator tripping on an unexpected document is a failure
        return ("FAIL", f"{type(e).__name__}: {first_line(e)}")


def merge(acc, new):
    """Worst of the samples of one kernel: FAIL > SKIP > PASS."""
    rank = {"PASS": 0, "SKIP": 1, "FAIL": 2}
    for c, v in new.items():
        if c not in acc or rank[v[0]] > rank[acc[c][0]]:
            acc[c] = v


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", action="append", dest="sets")
    ap.add_argument("--scenario", default="truncate-pinned")
    ap.add_argument("--json")
    args = ap.parse_args()
    samples = []
    for st in args.sets or ["default", "matrix"]:
        for s in harness.expected_samples(st):
            if args.scenario == "all" or s.scenario == args.scenario:
                samples.append(s)
    if not samples:
        raise SystemExit("matrix: no samples (make samples / make samples SET=matrix first)")
    rows = []   # (kernel, toolset, {command: (status, why)})
    t0 = time.time()
    kernels = []
    for s in samples:
        if s.release not in kernels:
            kernels.append(s.release)
    for rel in kernels:
        mine = [s for s in samples if s.release == rel]
        for kind in CRASH:
            acc = {}
            for s in mine:
                merge(acc, crash_cell(s, kind))
            name = "crash ?"
            try:
                name = tc.toolset_name(kind)
            except Exception:
                pass
            rows.append((rel, name, acc))
            print(f"matrix: {rel} {name} done ({time.time() - t0:.0f} s)", file=sys.stderr)
        for where in DRGN:
            acc, version = {}, "?"
            for s in mine:
                r, v = drgn_cell(s, where)
                merge(acc, r)
                version = v if v != "?" else version
            rows.append((rel, f"drgn {version} ({where if where != 'host' else 'host'})", acc))
            print(f"matrix: {rel} drgn {where} done ({time.time() - t0:.0f} s)", file=sys.stderr)
    w = max(len(r[1]) for r in rows)
    kw = max(len(r[0]) for r in rows)
    print(f"{'KERNEL':<{kw}}  {'TOOLSET':<{w}}  " + "  ".join(f"{c:<8}" for c in COMMANDS))
    reasons = []
    for rel, name, acc in rows:
        cells = []
        for c in COMMANDS:
            st, why = acc.get(c, ("SKIP", "not run"))
            if why:
                if why not in reasons:
                    reasons.append(why)
                st = f"{st}[{reasons.index(why) + 1}]"
            cells.append(f"{st:<8}")
        print(f"{rel:<{kw}}  {name:<{w}}  " + "  ".join(cells))
    for i, why in enumerate(reasons):
        print(f"[{i + 1}] {why}")
    n = {k: sum(1 for _, _, a in rows for v in a.values() if v[0] == k) for k in ("PASS", "FAIL", "SKIP")}
    print(f"scenario: {args.scenario}; {n['PASS']} passed, {n['FAIL']} failed, {n['SKIP']} skipped "
          f"({time.time() - t0:.0f} s)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump([{"kernel": r, "toolset": n_, "cells": {c: list(v) for c, v in a.items()}}
                       for r, n_, a in rows], f, indent=1)
    return 1 if n["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
