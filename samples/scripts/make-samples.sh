#!/bin/bash
# make-samples.sh [SET] [SCENARIO...]
# Build every sample of SET (default: "default") listed in samples/manifest, or only the
# named scenarios.  A sample is rebuilt only when absent, incomplete, or made by a different
# guest build (kernel package, guest programs or guest userspace changed).  Finished samples
# are also kept in $DT_CACHE/samples/<kernel>/<guest build>/ so that a fresh clone gets them
# back in seconds.  A scenario that fails does not stop the others; the exit status says
# whether all succeeded.
#
# A manifest line may end with OPTION=VALUE words (samples/manifest, docs/samples.md):
# dumplevel, capture-tools and build-suite shape the guest build and the dump (and so its
# cache key); crash and drgn only tell the tests which tools to use, so they go into SET.list.
# kernel=own says META-PACKAGE is a kernel source package that build-kernel.sh builds (its
# versions file then names the source version and config fragment, so it keys the guest build).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
set_name=${1:-default}; shift || true
only=" $* "
outroot=$DT_SAMPLES/out
mkdir -p "$outroot"
list=$outroot/$set_name.list
rm -f "$list.tmp"
found=0 failures=0
while read -r set suite meta words; do
	case $set in ''|'#'*) continue ;; esac
	[ "$set" = "$set_name" ] || continue
	found=1
	scenarios="" buildopts=() testopts="" dumplevel=31 kernel=debian
	for w in $words; do
		case $w in
		dumplevel=*) dumplevel=${w#*=}; buildopts+=("$w") ;;
		capture-tools=*|build-suite=*) buildopts+=("$w") ;;
		crash=*|crash-opts=*|drgn=*) testopts+=" $w" ;;
		kernel=debian|kernel=own) kernel=${w#*=} ;;
		*=*) die "manifest: unknown option '$w' for $suite" ;;
		*) scenarios+=" $w" ;;
		esac
	done
	# kernel=own: META-PACKAGE is Debian's kernel source package, built here with the
	# checked-in config fragment (build-kernel.sh); otherwise Debian's binary kernel.
	if [ "$kernel" = own ]; then
		kdir=$("$DT_SCRIPTS/build-kernel.sh" "$meta" </dev/null)
	else
		kdir=$("$DT_SCRIPTS/fetch-kernel.sh" "$suite" "$meta" </dev/null)
	fi
	release=$(sed -n 's/^release=//p' "$kdir/versions")
	# The samples this set must have, written before anything is built, so the tests count
	# a sample that failed to build as a failure rather than not seeing it.
	for s in $scenarios; do echo "$release/$s$testopts"; done >> "$list.tmp"
	cp "$list.tmp" "$list"
	gdir=$("$DT_SCRIPTS/build-guest.sh" "$kdir" ${buildopts[@]+"${buildopts[@]}"} </dev/null) || {
		say "guest build for $release FAILED"
		failures=$((failures + $(wc -w <<< "$scenarios")))
		continue
	}
	gkey=$(basename "$gdir")
	cache=$DT_CACHE/samples/$(basename "$kdir")/$gkey
	for s in $scenarios; do
		[ "$only" = "  " ] || [[ $only == *" $s "* ]] || continue
		dir=$outroot/$release/$s
		extra=() tag="" cached=$cache/$s
		case $s in
		fsdax-ext4|devdax) extra=(--qmp-snapshot) ;;
		# An NVMe controller memory buffer: the nvme driver registers it as P2PDMA memory.
		allpgmaps|p2pdma) extra=(--nvme-cmb-mb 64) ;;
		# make bench's sample: a 22 GiB NVDIMM, 4 GiB of file faulted in under TCG.
		bigpmem) extra=(--memory 3G --pmem-gib 22 --timeout-scale 8) ;;
		live)	# The live smoke test runs this tree's drgn front end in the guest: its outputs
			# are only valid for that code, so the code is part of the sample's key.
			# (the same hash as tests/test_live.py: C-locale file order)
			tag=drgn-$(export LC_ALL=C; cat "$DT_TOP"/drgn/daxtriage.py "$DT_TOP"/drgn/daxtriage/*.py \
				"$DT_TOP"/share/*.json | sha256sum | cut -c1-16)
			cached=$cache/$s-$tag
			extra=(--live-drgn "$DT_TOP" --memory 3G --tag "$tag") ;;
		esac
		if [ -f "$dir/truth.json" ] && grep -q "\"guest_build\": \"$gkey\"" "$dir/run.json" 2>/dev/null &&
		   { [ -z "$tag" ] || grep -q "\"tag\": \"$tag\"" "$dir/run.json"; }; then
			continue
		fi
		if [ -f "$cached/truth.json" ]; then
			rm -rf "$dir" && mkdir -p "$(dirname "$dir")"
			cp -al "$cached" "$dir" 2>/dev/null || cp -a "$cached" "$dir"
			say "$release/$s: from the cache"
			continue
		fi
		if /usr/bin/python3 "$DT_SCRIPTS/run-scenario.py" --kernel-dir "$kdir" --guest-dir "$gdir" \
			--scenario "$s" --out "$dir" --guest-build "$gkey" --dumplevel "$dumplevel" \
			${extra[@]+"${extra[@]}"} </dev/null &&
		   /usr/bin/python3 "$DT_SCRIPTS/compose-truth.py" "$dir"; then
			# Keep it for later clones; drop samples of older guest builds of this kernel.
			mkdir -p "$cache"
			find "$(dirname "$cache")" -mindepth 1 -maxdepth 1 ! -name "$gkey" -exec rm -rf {} +
			rm -rf "$cached.tmp" "$cache/$s"-drgn-*
			cp -a "$dir" "$cached.tmp" && mv "$cached.tmp" "$cached"
		else
			say "sample $release/$s FAILED"
			rm -f "$dir/truth.json"
			failures=$((failures + 1))
		fi
	done
done < "$DT_SAMPLES/manifest"
rm -f "$list.tmp"
[ $found = 1 ] || die "no kernel set '$set_name' in samples/manifest"
[ $failures = 0 ] || die "$failures sample(s) failed to build"
