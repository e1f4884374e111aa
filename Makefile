# daxtriage: post-mortem and live analysis of Linux fsdax / device-dax / ZONE_DEVICE state.
#
#   make demo      the main job end to end on the default sample
#   make check     every test (builds the default samples first if they are absent)
#   make check-all the sample tests on the kernel matrix (5.10, 6.12, 7.2: samples/manifest
#                  set "matrix"; builds those samples first, ~15 min cold, seconds cached)
#   make bench     census and walk speed of both front ends against their anchors on a 4 M-page
#                  sample (set "bench", built first: ~5 min cold); writes docs/performance.md
#   make samples   build the sample vmcores of SET (default: default) -- see samples/manifest;
#                  SET=own: the own kernel with every pgmap type (~15 min cold, docs/samples.md)
#   make deps      install what is needed from Debian packages (idempotent, quiet when done)
#   make crash-ext the crash extension crash-ext/dax.so (against /usr/include/crash/defs.h)
#
# Downloads, extracted kernels, guest builds and tool chroots are cached in
# $(DAXTRIAGE_CACHE) (default ~/.cache/daxtriage); samples go to samples/out/ (not tracked).

SET ?= default
PYTHON := /usr/bin/python3
CRASH_SUITE ?= trixie

.PHONY: bench all deps samples demo check check-all matrix check-samples toolchroot crash-ext clean clean-samples

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
	@# The own kernel's samples (tests/test_own_kernel.py): built when the kernel is cached or
	@# DAXTRIAGE_OWN_KERNEL=1 asks for the cold build (~15 min); otherwise their tests skip.
	@if [ "$(DAXTRIAGE_OWN_KERNEL)" = 1 ] || samples/scripts/build-kernel.sh --cached >/dev/null 2>&1; then \
		samples/scripts/make-samples.sh own || echo "make check: some own-kernel samples failed to build (the tests below count them)"; \
	else \
		echo "make check: own kernel not built (DAXTRIAGE_OWN_KERNEL=1 builds it, ~15 min cold): its tests skip"; \
	fi
	@samples/scripts/toolchroot.sh ensure $(CRASH_SUITE) >/dev/null || echo "make check: no $(CRASH_SUITE) chroot (crash tests will skip)"
	@mkdir -p crash-ext/build
	@$(MAKE) -s -C crash-ext test BUILD=build/unit > crash-ext/build/unit-tests.log 2>&1 || true
	@# the C core under ASan+UBSan, over fault-injected recordings, and fuzzed (docs/reliability.md)
	@$(MAKE) -s -C crash-ext test-san > crash-ext/build/san-tests.log 2>&1 || true
	@$(MAKE) -s -C crash-ext faults > crash-ext/build/faults.log 2>&1 || true
	@$(MAKE) -s -C crash-ext fuzz > crash-ext/build/fuzz.log 2>&1 || true
	@$(PYTHON) tests/run.py --set $(SET) --external crash-ext-unit=crash-ext/build/unit-tests.log \
		--external crash-ext-san=crash-ext/build/san-tests.log \
		--external crash-ext-faults=crash-ext/build/faults.log \
		--external crash-ext-fuzz=crash-ext/build/fuzz.log

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

# Not part of make check (minutes); make check keeps the census-speed regression tests.
bench: deps
	@samples/scripts/make-samples.sh bench
	@samples/scripts/toolchroot.sh ensure $(CRASH_SUITE) >/dev/null
	@$(PYTHON) scripts/bench.py --set bench --crash-suite $(CRASH_SUITE) --write docs/performance.md

clean:
	@$(MAKE) -s -C crash-ext clean

clean-samples:
	rm -rf samples/out
