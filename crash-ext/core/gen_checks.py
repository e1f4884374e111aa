#!/usr/bin/python3
"""Generate the C check catalogue from share/checks.json.

    gen_checks.py INPUT.json OUTPUT.c

The JSON file is the single source of truth shared with the drgn front end; this script only
transcribes it (no rule lives here).  See check.h for the C side of the table.
"""
import json
import sys

SEVERITIES = {"info": "DT_SEV_INFO", "warning": "DT_SEV_WARNING", "error": "DT_SEV_ERROR"}
KEYS = ("id", "severity", "title", "means", "next", "bug_class", "eras", "facts")


def cstr(s):
    if s is None:
        return "NULL"
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main(src, dst):
    with open(src) as f:
        doc = json.load(f)
    if doc.get("schema") != "daxtriage-checks/1":
        sys.exit(f"{src}: unknown schema {doc.get('schema')!r}")
    classes = doc["bug_classes"]
    out = ["/* Generated from share/checks.json by gen_checks.py: do not edit. */",
           '#include "check.h"', "", "const struct dt_bug_class dt_bug_classes[] = {"]
    for key, c in classes.items():
        out.append(f"\t{{ {cstr(key)}, {cstr(c['name'])}, {cstr(c['thread'])}, {cstr(c['summary'])} }},")
    out.append("};")
    out.append(f"const int dt_nr_bug_classes = {len(classes)};")
    out.append("")
    out.append("const struct dt_check dt_checks[] = {")
    seen = set()
    for c in doc["checks"]:
        missing = [k for k in KEYS if k not in c]
        if missing:
            sys.exit(f"check {c.get('id')}: missing {missing}")
        if c["id"] in seen:
            sys.exit(f"check {c['id']}: duplicate")
        seen.add(c["id"])
        if c["bug_class"] is not None and c["bug_class"] not in classes:
            sys.exit(f"check {c['id']}: unknown bug class {c['bug_class']!r}")
        out.append("\t{")
        out.append(f"\t\t.id = {cstr(c['id'])}, .severity = {SEVERITIES[c['severity']]},")
        out.append(f"\t\t.title = {cstr(c['title'])},")
        out.append(f"\t\t.means = {cstr(c['means'])},")
        out.append(f"\t\t.next = {cstr(c['next'])},")
        out.append(f"\t\t.bug_class = {cstr(c['bug_class'])}, .eras = {cstr(c['eras'])},")
        out.append(f"\t\t.facts = {cstr(c['facts'])},")
        out.append("\t},")
    out.append("};")
    out.append(f"const int dt_nr_checks = {len(doc['checks'])};")
    with open(dst, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
