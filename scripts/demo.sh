#!/bin/bash
# demo.sh [SET]: the main job end to end on the samples of SET (default: default): what each
# sample vmcore holds according to the guest kernel, then the daxtriage front ends on it.
set -euo pipefail
cd "$(dirname "$0")/.."
set_name=${1:-default}
list=samples/out/$set_name.list
[ -f "$list" ] || { echo "demo: no samples (make samples)" >&2; exit 1; }
echo "daxtriage demo: samples of set '$set_name' and their kernel-recorded ground truth"
echo
while read -r s; do
	d=samples/out/$s
	if [ -f "$d/truth.json" ]; then
		/usr/bin/python3 samples/scripts/show-truth.py "$d"
	else
		echo "== $s: not built"
	fi
	echo
done < "$list"

# The crash extension on the default fsdax-ext4 sample and on truncate-pinned (the DAX-gup
# hang), in crash 8.0.6 from the trixie chroot as the tests run it: dax.so built against that
# crash's defs.h, module debuginfo loaded with mod -S.
crash_demo() {
	local s=$1 dir dbg so=crash-ext/build/trixie/dax.so cmds=("${@:2}")
	[ ${#cmds[@]} -gt 0 ] || cmds=("daxmap -a" "pgmap" "daxcheck")
	dir=$(realpath "samples/out/$s") dbg=$(realpath "samples/out/$s/debuginfo")
	echo "== crash extension on $s: $(IFS=,; echo "${cmds[*]}")"
	printf '%s\n' "extend $PWD/$so" "mod -S $dbg" "${cmds[@]}" "quit" |
		samples/scripts/toolchroot.sh run trixie --bind "$dir" --bind "$dbg" --bind "$PWD" -- \
			crash -s "$dbg/vmlinux" "$dir/vmcore" 2>&1 |
		grep -v -e '^mod: cannot find' -e '^ *MODULE *NAME' -e '\.ko *$' -e 'shared object loaded' ||
		true
	echo
}
demo_samples=$(grep -E '/(fsdax-ext4|truncate-pinned)$' "$list" || true)
if [ -z "$demo_samples" ]; then
	echo "(no fsdax-ext4 or truncate-pinned sample in set '$set_name': no crash extension demo)"
elif ! samples/scripts/toolchroot.sh ensure trixie >/dev/null; then
	echo "(no trixie chroot for crash 8.0.6: the crash extension demo is skipped)"
elif ! samples/scripts/toolchroot.sh run trixie --bind "$PWD" -- \
		make -s -C "$PWD/crash-ext" BUILD=build/trixie >/dev/null; then
	echo "(crash-ext does not build in the trixie chroot: the crash extension demo is skipped)"
else
	for s in $demo_samples; do
		if [ -f "samples/out/$s/vmcore" ]; then crash_demo "$s"; fi
	done
	# The bug replicas of the reference threads (docs/replicas.md): daxcheck names each one.
	for s in $(grep -E '/(pgmap-leak|ref-exited|null-daxdev|refcount-floor|entry-lock)$' "$list" || true); do
		if [ -f "samples/out/$s/vmcore" ]; then crash_demo "$s" daxcheck; fi
	done
fi
