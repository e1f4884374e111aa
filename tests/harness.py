"""A small test harness for daxtriage: test functions, per-sample parametrisation, loud skips.

Test modules are tests/test_*.py.  A test is a function named test_*; decorated with
@per_sample it runs once for every sample of the set under test.  Raise Skip("reason") when a
prerequisite is missing: it is counted and printed, never taken for a pass.
"""
import json
import os
import subprocess

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES_OUT = os.path.join(TOP, "samples", "out")
SYS_PYTHON = "/usr/bin/python3"   # Debian's python: the one python3-drgn is installed for


class Skip(Exception):
    """The test could not run; the message says why."""


def per_sample(fn=None, *, scenarios=None, when=None):
    """Run the test once per sample; with scenarios=(...), only on samples of those scenarios,
    with when=PREDICATE only on the samples it accepts (a test that does not apply to a sample
    is not run there, rather than skipped)."""
    def mark(f):
        f.per_sample = True
        f.scenarios = scenarios
        f.when = when
        return f
    return mark(fn) if fn else mark


class Sample:
    """One sample directory: samples/out/<release>/<scenario>/."""

    def __init__(self, release, scenario, options=None):
        self.release = release
        self.scenario = scenario
        # Per-kernel test options from samples/manifest (via SET.list): crash=SUITE, drgn=...
        self.options = dict(options or {})
        self.dir = os.path.realpath(os.path.join(SAMPLES_OUT, release, scenario))
        self._truth = None

    @property
    def name(self):
        return f"{self.release}/{self.scenario}"

    def path(self, *p):
        return os.path.join(self.dir, *p)

    @property
    def truth(self):
        if self._truth is None:
            p = self.path("truth.json")
            if not os.path.exists(p):
                raise AssertionError(f"sample {self.name} was not built (no truth.json)")
            with open(p) as f:
                self._truth = json.load(f)
        return self._truth

    @property
    def vmlinux(self):
        return self.path("debuginfo", "vmlinux")

    @property
    def debuginfo(self):
        return os.path.realpath(self.path("debuginfo"))

    def dumps(self):
        return [d for d in ("vmcore", "vmcore.qmp") if os.path.exists(self.path(d))]

    @property
    def version(self):
        """(major, minor) of the sample's kernel release, e.g. (6, 1) for 6.1.0-56-amd64."""
        return kernel_version(self.release)


def kernel_version(release):
    major, minor = release.split("-")[0].split("+")[0].split(".")[:2]
    return int(major), int(minor)


def expected_samples(set_name="default"):
    """The samples the set must have: samples/out/<set>.list, written by make-samples.sh
    before it builds anything, so a sample that failed to build is a failure, not an absence."""
    lst = os.path.join(SAMPLES_OUT, f"{set_name}.list")
    if not os.path.exists(lst):
        return None
    out = []
    for line in open(lst):
        words = line.split()
        if words:
            # "<release>/<scenario> [option=value ...]" (options: samples/manifest)
            rel, scen = words[0].split("/")
            out.append(Sample(rel, scen, (w.split("=", 1) for w in words[1:])))
    return out


def run(cmd, timeout=600, **kw):
    """Run a command; return CompletedProcess with text output (never raises on exit code)."""
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)


def hexint(v):
    """A truth value: "0x..." strings are kernel words; ints are counts."""
    if v is None:
        return None
    return int(v, 16) if isinstance(v, str) else int(v)
