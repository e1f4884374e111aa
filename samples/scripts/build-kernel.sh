#!/bin/bash
# build-kernel.sh [SOURCE-PACKAGE] [FRAGMENT]
# Build the daxtriage own kernel: Debian's kernel source package (default linux-source-6.1)
# configured as x86_64_defconfig + kvm_guest.config + FRAGMENT (default
# samples/kernel/qemu-zone-device.config), built with ccache, and laid out like a kernel that
# fetch-kernel.sh extracts from Debian's packages, so the rest of the pipeline takes it as is:
#   $DT_CACHE/kernels/<release>_<source version>-<fragment hash>/
#       vmlinuz  lib/modules/<release>/  usr/src/linux-headers-<release>/  versions
#       debuginfo/vmlinux  debuginfo/<module>.ko
# The release is <upstream version>-daxtriage (CONFIG_LOCALVERSION in the fragment).  Prints
# that directory on stdout; reuses it when complete (marker .complete).  Sources are unpacked
# once per source version into $DT_CACHE/src/, and the object tree is one per source version,
# $DT_CACHE/build/<source package>_<version>/, so that a fragment change rebuilds only what
# kbuild's per-option dependencies name (ccache, $DT_CACHE/ccache, catches the rest; a new
# object path would defeat both: ccache hashes the absolute include paths) (docs/samples.md
# "The own kernel").
# build-kernel.sh --cached [SOURCE-PACKAGE] [FRAGMENT]: print the directory and exit 0 if
# that kernel is already built (and its source package installed), else exit 1; builds nothing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cached_only=0
[ "${1:-}" != --cached ] || { cached_only=1; shift; }
srcpkg=${1:-linux-source-6.1}
fragment=$(readlink -f "${2:-$DT_SAMPLES/kernel/qemu-zone-device.config}")
if [ $cached_only = 1 ]; then
	srcver=$(dpkg-query -W -f='${Version}' "$srcpkg" 2>/dev/null) || exit 1
	fraghash=$(sha256sum < "$fragment" | cut -c1-12) key=${srcver}-$fraghash
	release=$(cat "$DT_CACHE/build/${srcpkg}_$srcver/.release-$fraghash" 2>/dev/null) || exit 1
	[ -f "$DT_CACHE/kernels/${release}_$key/.complete" ] || exit 1
	echo "$DT_CACHE/kernels/${release}_$key"
	exit 0
fi
"$DT_TOP/scripts/deps.sh" >&2
dpkg-query -W -f='${Status}\n' "$srcpkg" 2>/dev/null | grep -q '^install ok installed$' || {
	[ "$(id -u)" = 0 ] || die "need root to install $srcpkg"
	say "installing $srcpkg"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$srcpkg" >/dev/null
}
srcver=$(dpkg-query -W -f='${Version}' "$srcpkg")
tarball=$(dpkg -L "$srcpkg" | grep -E '/usr/src/linux-source-.*\.tar\.(xz|bz2|gz)$' | head -1)
[ -n "$tarball" ] || die "no source tarball in $srcpkg"
fraghash=$(sha256sum < "$fragment" | cut -c1-12)
key=${srcver}-$fraghash
src=$DT_CACHE/src/${srcpkg}_$srcver
obj=$DT_CACHE/build/${srcpkg}_$srcver
export CCACHE_DIR=$DT_CACHE/ccache
if [ -f "$obj/.release-$fraghash" ]; then
	release=$(cat "$obj/.release-$fraghash")
	dir=$DT_CACHE/kernels/${release}_$key
	if [ -f "$dir/.complete" ]; then echo "$dir"; exit 0; fi
fi

if [ ! -f "$src/.complete" ]; then
	say "unpacking $tarball"
	rm -rf "$src" "$src.tmp" && mkdir -p "$src.tmp"
	tar -xf "$tarball" -C "$src.tmp" --strip-components=1
	touch "$src.tmp/.complete" && mv "$src.tmp" "$src"
fi

t0=$(date +%s)
mkdir -p "$obj"
mk() { nice -n 5 make -s -C "$src" O="$obj" ARCH=x86_64 "$@"; }
# Configuration: the fragment over the two in-tree configs; olddefconfig twice because some
# symbols only appear once their dependencies are set (measured: DEVICE_PRIVATE, TEST_HMM).
rm -f "$obj/.config"
(cd "$obj" && "$src/scripts/kconfig/merge_config.sh" -m -O "$obj" \
	"$src/arch/x86/configs/x86_64_defconfig" "$src/kernel/configs/kvm_guest.config" "$fragment" >/dev/null)
mk olddefconfig && mk olddefconfig
# Every fragment line must be in .config as written ("is not set" lines: absent or not set).
bad=0
while read -r line; do
	case $line in
	"# CONFIG_"*" is not set")
		sym=${line#\# }; sym=${sym%% *}
		if grep -q "^$sym=" "$obj/.config"; then say "config: $sym is set, fragment says not"; bad=1; fi ;;
	CONFIG_*=*)
		grep -qxF "$line" "$obj/.config" || { say "config: '$line' missing ($(grep "^${line%%=*}=" "$obj/.config" || echo unset))"; bad=1; } ;;
	esac
done < "$fragment"
[ $bad = 0 ] || die "the fragment $fragment does not survive olddefconfig"

release=$(mk -s kernelrelease)
dir=$DT_CACHE/kernels/${release}_$key
say "building $release from $srcpkg $srcver (fragment $fraghash) with ccache in $obj"
command -v ccache >/dev/null || die "ccache missing (make deps)"
# DAXTRIAGE_KERNEL_JOBS: parallel jobs (default: the number of CPUs)
mk CC="ccache gcc" -j"${DAXTRIAGE_KERNEL_JOBS:-$(nproc)}" bzImage modules > "$obj/build.log" 2>&1 || {
	tail -30 "$obj/build.log" >&2; die "kernel build failed; log: $obj/build.log"; }
echo "$release" > "$obj/.release-$fraghash"
say "built in $(( $(date +%s) - t0 )) s"

# Lay out the kernel directory as fetch-kernel.sh does for Debian's packages.
rm -rf "$dir.tmp" && mkdir -p "$dir.tmp/debuginfo" "$dir.tmp/usr/src"
cp "$obj/arch/x86/boot/bzImage" "$dir.tmp/vmlinuz"
# Stripped modules for the guest; the unstripped ones are the debuginfo.
mk INSTALL_MOD_PATH="$dir.tmp" INSTALL_MOD_STRIP=1 DEPMOD=true modules_install >/dev/null
rm -f "$dir.tmp/lib/modules/$release/build" "$dir.tmp/lib/modules/$release/source"
cp "$obj/vmlinux" "$dir.tmp/debuginfo/vmlinux"
find "$obj" -name '*.ko' ! -path '*/.tmp*' -exec cp -t "$dir.tmp/debuginfo" {} +
# Headers for external modules (daxtruth, daxfault): the file lists of 6.1's
# scripts/package/builddeb deploy_kernel_headers, from the source and the object tree.
hdr=$dir.tmp/usr/src/linux-headers-$release
mkdir -p "$hdr"
(cd "$src" && {
	find . arch/x86 -maxdepth 1 -name 'Makefile*'
	find include scripts -type f -o -type l
	find arch/x86 -name Kbuild.platforms -o -name Platform
	find $(find arch/x86 -name include -o -name scripts -type d) -type f
} | tar -c -f - -T - | tar -x -f - -C "$hdr")
(cd "$obj" && {
	[ ! -x tools/objtool/objtool ] || echo tools/objtool/objtool
	find arch/x86/include Module.symvers include scripts -type f
} | tar -c -f - -T - | tar -x -f - -C "$hdr")
cp "$obj/.config" "$hdr/.config"
{
	echo "suite=bookworm"
	echo "release=$release"
	echo "package=$srcpkg $srcver"
	echo "config=$(basename "$fragment") $fraghash"
} > "$dir.tmp/versions"
rm -rf "$dir" && mv "$dir.tmp" "$dir"
depmod -b "$dir" "$release"
touch "$dir/.complete"
say "kernel directory in $(( $(date +%s) - t0 )) s: $(du -sh "$dir" | cut -f1)"
echo "$dir"
