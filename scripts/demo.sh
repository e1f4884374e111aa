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
if [ -f crash-ext/dax.so ]; then
	echo "(crash extension: see crash-ext/README)"
else
	echo "The crash extension (crash-ext/) and the drgn front end (drgn/) are not built yet:"
	echo "the samples above are what they will be tested against."
fi
