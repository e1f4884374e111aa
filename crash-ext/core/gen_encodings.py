#!/usr/bin/python3
"""Generate the C table of DAX entry encodings from share/dax-encodings.json.

    gen_encodings.py INPUT.json OUTPUT.c

The JSON file is the single source of truth shared with the drgn front end; this script only
transcribes it (no rule lives here).  See entry.h for the C side of the table.
"""
import json
import sys

ROLES = {"locked": "DT_F_LOCKED", "pte": "DT_F_PTE", "pmd": "DT_F_PMD", "pud": "DT_F_PUD",
         "zero": "DT_F_ZERO", "empty": "DT_F_EMPTY", "zap": "DT_F_ZAP", "dev": "DT_F_DEV",
         "map": "DT_F_MAP"}


def cstr(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main(src, dst):
    with open(src) as f:
        doc = json.load(f)
    if doc.get("schema") != "daxtriage-dax-encodings/1":
        sys.exit(f"{src}: unknown schema {doc.get('schema')!r}")
    out = ["/* Generated from share/dax-encodings.json by gen_encodings.py: do not edit. */",
           '#include "entry.h"', "", "const struct dt_era dt_eras[] = {"]
    for e in doc["eras"]:
        if len(e["flags"]) > 8:
            sys.exit(f"era {e['id']}: more than 8 flags")
        out.append("\t{")
        out.append(f"\t\t.id = {cstr(e['id'])}, .kernels = {cstr(e['kernels'])},")
        out.append(f"\t\t.cite = {cstr(e['cite'])},")
        cont = {"radix": "DT_CONT_RADIX", "xarray": "DT_CONT_XARRAY"}[e["container"]]
        pay = {"sector": "DT_PAYLOAD_SECTOR", "pfn": "DT_PAYLOAD_PFN"}[e["payload"]]
        out.append(f"\t\t.container = {cont}, .payload = {pay},")
        out.append(f"\t\t.entry_mask = {e['entry_mask']:#x}ULL, .entry_value = {e['entry_value']:#x}ULL,")
        out.append(f"\t\t.payload_mask = {e['payload_mask']:#x}ULL, .payload_shift = {e['payload_shift']},")
        out.append(f"\t\t.known_mask = {e['known_mask']:#x}ULL,")
        out.append(f"\t\t.nr_flags = {len(e['flags'])},")
        out.append("\t\t.flags = {")
        for fl in e["flags"]:
            out.append(f"\t\t\t{{ {cstr(fl['name'])}, {ROLES[fl['role']]}, {fl['mask']:#x}ULL, "
                       f"{fl['value']:#x}ULL, {fl.get('order', 0)} }},")
        out.append("\t\t},")
        out.append("\t},")
    out.append("};")
    out.append(f"const int dt_nr_eras = {len(doc['eras'])};")
    with open(dst, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
