#!/usr/bin/python3
"""Run daxtriage's tests and end with one plain line: 'N passed, N failed, N skipped'.

    tests/run.py [--set SET] [-k SUBSTRING] [--external NAME=LOGFILE ...]

Python tests come from tests/test_*.py (see harness.py).  --external adds the counts another
test program printed on its closing line ('N passed, N failed[, N skipped]') to the total,
so `make check` reports one line for every suite.
"""
import argparse
import importlib.util
import os
import re
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

COUNTS_RE = re.compile(r"^(?:\w+: )?(\d+) passed, (\d+) failed(?:, (\d+) skipped)?\s*$")


def load_tests(pattern):
    here = os.path.dirname(os.path.abspath(__file__))
    tests = []
    for fn in sorted(os.listdir(here)):
        if not (fn.startswith("test_") and fn.endswith(".py")):
            continue
        spec = importlib.util.spec_from_file_location(fn[:-3], os.path.join(here, fn))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for name in sorted(n for n in vars(mod) if n.startswith("test_")):
            f = getattr(mod, name)
            if callable(f):
                tests.append((fn[:-3], name, f))
    # keep source order inside a module
    tests.sort(key=lambda t: (t[0], t[2].__code__.co_firstlineno))
    return [t for t in tests if not pattern or pattern in f"{t[0]}.{t[1]}"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", default="default")
    ap.add_argument("-k", default="")
    ap.add_argument("--external", action="append", default=[])
    args = ap.parse_args()

    passed = failed = skipped = 0
    samples = harness.expected_samples(args.set)
    for mod, name, fn in load_tests(args.k):
        if getattr(fn, "per_sample", False):
            if samples is None:
                cases = [(f"{mod}.{name}", None, f"no sample list for set '{args.set}' "
                                                 f"(run `make samples`)")]
            else:
                cases = [(f"{mod}.{name}[{s.name}]", s, None) for s in samples
                         if (not fn.scenarios or s.scenario in fn.scenarios)
                         and (not getattr(fn, "when", None) or fn.when(s))]
        else:
            cases = [(f"{mod}.{name}", None, None)]
        for label, sample, missing in cases:
            t0 = time.time()
            try:
                if missing:
                    raise AssertionError(missing)
                fn(sample) if sample is not None else fn()
                passed += 1
                print(f"PASS {label} ({time.time() - t0:.1f}s)", flush=True)
            except harness.Skip as e:
                skipped += 1
                print(f"SKIP {label}: {e}", flush=True)
            except Exception as e:  # noqa: BLE001 - every failure is reported, none is fatal
                failed += 1
                msg = str(e) or type(e).__name__
                print(f"FAIL {label}: {msg}", flush=True)
                if not isinstance(e, AssertionError):
                    traceback.print_exc(limit=3, file=sys.stdout)
    for ext in args.external:
        name, _, log = ext.partition("=")
        counts = None
        if os.path.exists(log):
            for line in open(log, errors="replace"):
                m = COUNTS_RE.match(line.strip())
                if m:
                    counts = m
        if counts is None:
            failed += 1
            print(f"FAIL {name}: no closing 'N passed, N failed' line in {log}")
            continue
        p, f, s = int(counts[1]), int(counts[2]), int(counts[3] or 0)
        print(f"{'PASS' if not f else 'FAIL'} {name}: {p} passed, {f} failed, {s} skipped")
        passed, failed, skipped = passed + p, failed + f, skipped + s
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
