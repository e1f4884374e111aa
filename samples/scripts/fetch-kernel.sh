#!/bin/bash
# fetch-kernel.sh SUITE [IMAGE-META-PACKAGE]
# Resolve the kernel ABI current in SUITE (from the meta package, default linux-image-amd64),
# download linux-image, its -dbg and the headers through the private apt configuration, and
# extract what the samples need into a directory keyed by package version:
#   $DT_CACHE/kernels/<release>_<pkgversion>/
#       vmlinuz  lib/modules/<release>/  usr/src/ (headers)  versions
#       debuginfo/vmlinux  debuginfo/<module>.ko   (what a sample's debuginfo link points at)
# Prints that directory on stdout.  Reuses it when complete (marker file .complete).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
suite=$1 meta=${2:-linux-image-amd64}
apt=$DT_SCRIPTS/apt-private.sh
"$apt" "$suite" update
img=$("$apt" "$suite" cache depends "$meta" | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[ -n "$img" ] || die "cannot resolve the kernel ABI behind $meta in $suite"
release=${img#linux-image-}
pkgver=$("$apt" "$suite" cache show "$img" | awk '/^Version:/ {print $2; exit}')
dir=$DT_CACHE/kernels/${release}_$pkgver
if [ -f "$dir/.complete" ]; then echo "$dir"; exit 0; fi
say "kernel $img $pkgver ($suite): downloading"
debs=$DT_CACHE/debs/$suite
mkdir -p "$debs" "$dir"
hdr=linux-headers-$release
pkgs=("$img" "$img-dbg" "$hdr")
# The headers package depends on the common headers and the kbuild tools of the same source.
while read -r dep; do pkgs+=("$dep"); done < <("$apt" "$suite" cache depends "$hdr" |
	awk '/Depends: linux-(headers-.*-common|kbuild-)/ {print $2}')
# sid (7.x) splits the image: linux-image-V is an empty package depending on linux-binary-V
# (vmlinuz), linux-modules-V (.ko.xz) and linux-base-V (config, modules.builtin, System.map).
# Up to trixie the image package holds all of it and this adds nothing.
while read -r dep; do pkgs+=("$dep"); done < <("$apt" "$suite" cache depends "$img" |
	awk -v r="$release" '$1 ~ /Depends:$/ && $2 ~ "^linux-(binary|modules|base)-" && substr($2, length($2) - length(r) + 1) == r {print $2}' | sort -u)
t0=$(date +%s)
(cd "$debs" && for p in "${pkgs[@]}"; do
	v=$("$DT_SCRIPTS/apt-private.sh" "$suite" cache show "$p" | awk '/^Version:/ {print $2; exit}')
	ls "${p}_${v//:/%3a}_"*.deb >/dev/null 2>&1 || "$DT_SCRIPTS/apt-private.sh" "$suite" download "$p"
done)
say "downloaded in $(( $(date +%s) - t0 )) s"
deb() { ls "$debs/$1"_*.deb | sort -V | tail -1; }
t0=$(date +%s)
rm -rf "$dir.tmp" && mkdir -p "$dir.tmp/root"
dpkg-deb -x "$(deb "$img")" "$dir.tmp/root"
for p in "${pkgs[@]:2}"; do dpkg-deb -x "$(deb "$p")" "$dir.tmp/root"; done
# Debug files: vmlinux plus the .ko of the modules a DAX triage session needs.
dbgmods='libnvdimm nd_pmem nd_btt nd_e820 nfit dax dax_pmem device_dax ext4 jbd2 mbcache xfs pvpanic pvpanic-mmio pvpanic-pci'
patterns=(--wildcards "./usr/lib/debug/boot/vmlinux-$release" "./usr/lib/debug/lib/modules/$release/vmlinux")
for m in $dbgmods; do patterns+=("./usr/lib/debug/lib/modules/$release/*/$m.ko*"); done
dpkg-deb --fsys-tarfile "$(deb "$img-dbg")" | tar -x -C "$dir.tmp/root" "${patterns[@]}" 2>/dev/null || true
mkdir -p "$dir.tmp/debuginfo"
vml=$(ls "$dir.tmp/root/usr/lib/debug/boot/vmlinux-$release" "$dir.tmp/root/usr/lib/debug/lib/modules/$release/vmlinux" 2>/dev/null | head -1 || true)
[ -n "$vml" ] || die "no vmlinux in $img-dbg"
mv "$(readlink -f "$vml")" "$dir.tmp/debuginfo/vmlinux"
find "$dir.tmp/root/usr/lib/debug/lib/modules" -name '*.ko*' -exec mv -t "$dir.tmp/debuginfo" {} +
rm -rf "$dir.tmp/root/usr/lib/debug"
# vmlinuz: /boot up to trixie; sid's linux-binary-* ships it as /usr/lib/modules/V/vmlinuz.
vmlinuz=$(ls "$dir.tmp/root/boot/vmlinuz-$release" "$dir.tmp/root/usr/lib/modules/$release/vmlinuz" \
	"$dir.tmp/root/lib/modules/$release/vmlinuz" 2>/dev/null | head -1 || true)
[ -n "$vmlinuz" ] || die "no vmlinuz in the packages of $img"
mv "$vmlinuz" "$dir.tmp/vmlinuz"
mv "$dir.tmp/root/lib/modules" "$dir.tmp/modules-root" 2>/dev/null || mv "$dir.tmp/root/usr/lib/modules" "$dir.tmp/modules-root"
mkdir -p "$dir.tmp/lib" && mv "$dir.tmp/modules-root" "$dir.tmp/lib/modules"
# Headers: keep /usr/src and /usr/lib/linux-kbuild-* as they are in the packages (their links
# are relative); only the flavour Makefile includes the common tree by absolute path.
mkdir -p "$dir.tmp/usr/lib"
mv "$dir.tmp/root/usr/src" "$dir.tmp/usr/src"
mv "$dir.tmp/root/usr/lib/linux-kbuild-"* "$dir.tmp/usr/lib/"
# 7.x's also sets KBUILD_OUTPUT to its own absolute path.
grep -rlE --include=Makefile '^(include |KBUILD_OUTPUT=)/usr/src/' "$dir.tmp/usr/src" |
	xargs -r sed -i -E "s#^(include |KBUILD_OUTPUT=)/usr/src/#\1$dir/usr/src/#"
rm -rf "$dir.tmp/root"
{
	echo "suite=$suite"
	echo "release=$release"
	for p in "${pkgs[@]}"; do echo "package=$p $(dpkg-deb -f "$(deb "$p")" Version)"; done
} > "$dir.tmp/versions"
rm -rf "$dir" && mv "$dir.tmp" "$dir"
# Paths inside were written for $dir, not $dir.tmp: nothing above refers to .tmp.
depmod -b "$dir" "$release"
touch "$dir/.complete"
say "extracted in $(( $(date +%s) - t0 )) s: $(du -sh "$dir" | cut -f1)"
echo "$dir"
