#!/bin/bash
# build-guest.sh KDIR [OPTION=VALUE...]
# Build everything the guest runs for the kernel in KDIR: the ground-truth module daxtruth.ko
# (against that kernel's headers), the scenario program daxhold (static), and the two
# initramfs images.  Cached in $DT_CACHE/guest/<kernel-dir>/<hash of the inputs>/; prints it.
# Options (from samples/manifest, docs/samples.md "Per-kernel options"):
#   build-suite=SUITE    build daxtruth.ko inside a toolchroot.sh chroot of SUITE, with the
#                        compiler the kernel names (its headers' .kernelvariables: gcc-N) and
#                        that suite's libc for the kbuild helper programs
#   capture-tools=SUITE  makedumpfile (+ libraries) for the capture initramfs from that chroot
#   dumplevel=N          not used here; part of the key so that a change rebuilds the samples
set -euo pipefail
. "$(dirname "$0")/lib.sh"
kdir=$1; shift
build_suite="" capture_suite="" opts=()
for o in "$@"; do
	case $o in
	build-suite=*) build_suite=${o#*=} ;;
	capture-tools=*) capture_suite=${o#*=} ;;
	dumplevel=*) ;;
	*) die "build-guest.sh: unknown option $o" ;;
	esac
	opts+=("$o")
done
release=$(sed -n 's/^release=//p' "$kdir/versions")
guest=$DT_SAMPLES/guest
chroot_tools() { # the chroot's own versions of what it contributes to the build
	"$DT_SCRIPTS/toolchroot.sh" run "$1" -- dpkg-query -W "${@:2}"
}
# The capture tools must be in their chroot before the key names their versions (a fresh
# chroot has crash and drgn but not makedumpfile).
[ -z "$capture_suite" ] || "$DT_SCRIPTS/toolchroot.sh" install "$capture_suite" makedumpfile </dev/null >&2
key=$( { cat "$kdir/versions"
	find "$guest" "$DT_SCRIPTS/build-guest.sh" "$DT_SCRIPTS/build-initramfs.sh" -type f \
		! -name '*.o' ! -name '*.ko' ! -name '*.mod*' ! -name '.*' ! -name Module.symvers \
		! -name modules.order | LC_ALL=C sort | xargs cat
	dpkg-query -W busybox-static ndctl xfsprogs e2fsprogs kexec-tools makedumpfile gcc-12 libc6 2>/dev/null
	# Only kernels with options hash them (and the chroot tools they use), so the key of
	# an option-less kernel is what it always was.
	if [ ${#opts[@]} -gt 0 ]; then
		printf 'option %s\n' "${opts[@]}"
		[ -z "$build_suite" ] || chroot_tools "$build_suite" gcc libc6 make </dev/null
		[ -z "$capture_suite" ] || chroot_tools "$capture_suite" makedumpfile libc6 </dev/null
	fi
	} | sha256sum | cut -c1-16)
out=$DT_CACHE/guest/$(basename "$kdir")/$key
if [ -f "$out/.complete" ]; then echo "$out"; exit 0; fi
rm -rf "$out" && mkdir -p "$out"
# The modules are built in scratch copies so the source tree stays clean: daxtruth (the
# read-only ground-truth reporter) and daxfault (the test-only fault injector of the bug
# replicas, docs/replicas.md).
# Debian's flavour headers and the own kernel's (build-kernel.sh) are both linux-headers-$release.
hdr=$kdir/usr/src/linux-headers-$release
[ -d "$hdr" ] || die "no headers $hdr"
# No BTF for a test module: 6.12+ headers would run pahole (not installed) for it.
nobtf=CONFIG_DEBUG_INFO_BTF_MODULES=
build_module() { # NAME: $guest/NAME -> $out/NAME.ko
	local m=$1
	cp -r "$guest/$m" "$out/$m-src"
	if [ -n "$build_suite" ]; then
		# The kernel's headers and kbuild tools are bound into the chroot at the same path.
		"$DT_SCRIPTS/toolchroot.sh" run "$build_suite" --bind "$kdir" --bind "$out" -- \
			make -s -C "$hdr" M="$out/$m-src" "$nobtf" modules > "$out/$m-build.log" 2>&1 </dev/null
	else
		# Debian's headers name the compiler the kernel was built with (gcc-N); a kernel of
		# another suite (bullseye: gcc-10) is built with this machine's gcc instead.
		local cc ccopt=()
		cc=$(sed -n 's/^CC = .*\(gcc-[0-9]*\)$/\1/p' "$hdr/.kernelvariables" 2>/dev/null)
		command -v "${cc:-gcc}" >/dev/null || ccopt=(CC=gcc)
		make -s -C "$hdr" M="$out/$m-src" ${ccopt[@]+"${ccopt[@]}"} "$nobtf" modules > "$out/$m-build.log" 2>&1
	fi || { cat "$out/$m-build.log" >&2; die "$m.ko does not build for $release"; }
	cp "$out/$m-src/$m.ko" "$out/$m.ko"
}
build_module daxtruth
build_module daxfault
gcc -Wall -Wextra -O2 -static -o "$out/daxhold" "$guest/scenarios/daxhold.c"
CAPTURE_SUITE=$capture_suite "$DT_SCRIPTS/build-initramfs.sh" "$kdir" "$out"
touch "$out/.complete"
echo "$out"
