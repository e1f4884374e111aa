# daxtriage: post-mortem and live analysis of Linux fsdax / device-dax / ZONE_DEVICE state.
#
#   make demo      the main job end to end on the default sample
#   make check     every test (builds the default samples first if they are absent)
#   make check-all the sample tests on the kernel matrix (5.10, 6.12, 7.2: samples/manifest
#                  set "matrix"; builds those samples first, ~15 min cold, seconds cached)
#   make samples   build the sample vmcores of SET (default: default) -- see samples/manifest
#   make deps      install what is needed from Debian packages (idempotent, quiet when done)
#   make crash-ext the crash extension crash-ext/dax.so (against /usr/include/crash/defs.h)
#
# Downloads, extracted kernels, guest builds and tool chroots are cached in
# $(DAXTRIAGE_CACHE) (default ~/.cache/daxtriage); samples go to samples/out/ (not tracked).

SET ?= default
PYTHON := /usr/bin/python3
CRASH_SUITE ?= trixie

.PHONY: all deps samples demo check check-all matrix check-samples toolchroot crash-ext clean clean-samples

all: deps

deps:
	@scripts/deps.sh

samples: deps
	@samples/scripts/make-samples.sh $(SET)

toolchroot: deps
	@samples/scripts/toolchroot.sh ensure $(CRASH_SUITE) >/dev/null

crash-ext:
	@$(MAKE) -s -C crash-ext

demo: deps samples
	@scripts/demo.sh $(SET)

# Building the samples may fail for one scenario; the tests then count it as a failure
# instead of stopping here, so the closing line always tells the whole story.
check: deps
	@samples/scripts/make-samples.sh $(SET) || echo "make check: some samples failed to build (the tests below count them)"
	@samples/scripts/toolchroot.sh ensure $(CRASH_SUITE) >/dev/null || echo "make check: no $(CRASH_SUITE) chroot (crash tests will skip)"
	@mkdir -p crash-ext/build
	@$(MAKE) -s -C crash-ext test BUILD=build/unit > crash-ext/build/unit-tests.log 2>&1 || true
	@$(PYTHON) tests/run.py --set $(SET) --external crash-ext-unit=crash-ext/build/unit-tests.log

check-all: deps
	@samples/scripts/make-samples.sh matrix || echo "make check-all: some samples failed to build (the tests below count them)"
	@$(PYTHON) tests/run.py --set matrix

# The support matrix (docs/support.md): kernel x toolset x command -> PASS/FAIL/SKIP with reasons,
# on both sample sets (SCENARIO=all for every sample of each kernel instead of truncate-pinned).
SCENARIO ?= truncate-pinned
matrix: deps
	@samples/scripts/make-samples.sh default || true
	@samples/scripts/make-samples.sh matrix || true
	@for s in trixie sid; do samples/scripts/toolchroot.sh ensure $$s >/dev/null || echo "make matrix: no $$s chroot"; done
	@$(PYTHON) scripts/matrix.py --scenario $(SCENARIO)

clean:
	@$(MAKE) -s -C crash-ext clean

clean-samples:
	rm -rf samples/out
