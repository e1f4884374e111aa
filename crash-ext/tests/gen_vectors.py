#!/usr/bin/python3
"""Generate the C tables of the shared decoder vectors from share/test-vectors/decoders.json.

    gen_vectors.py INPUT.json OUTPUT.c

The JSON file is the single source of the vectors both front ends' unit tests use (the drgn
side reads it directly in tests/test_drgn.py); this script only transcribes it into the
tables of tests/vectors.h, like core/gen_encodings.py does for the encodings.  Every
section is transcribed; a section or field it does not know is an error, so that a vector
added to the JSON file cannot be silently left out of the C tests.
"""
import json
import sys

ROLES = {"pte": "DT_F_PTE", "dev": "DT_F_DEV", "map": "DT_F_MAP"}
SECTIONS = {"schema", "about", "dax_entries", "dax_non_entries", "dax_flag_names",
            "xa_classify", "radix_classify", "percpu_ref", "percpu_ref_defaults",
            "expected_pgmap_count", "idle_refcount", "json_escape", "json_document",
            "display_escape"}


def cstr(s):
    """A C string literal; bytes outside printable ASCII as 3-digit octal escapes."""
    if s is None:
        return "NULL"
    b = s.encode() if isinstance(s, str) else s
    out = []
    for c in b:
        if c in (0x22, 0x5C):
            out.append("\\" + chr(c))
        elif 0x20 <= c < 0x7F:
            out.append(chr(c))
        else:
            out.append(f"\\{c:03o}")
    return '"' + "".join(out) + '"'


def h(v):
    return f"{int(v, 16):#x}ULL"


def only(d, keys, where):
    extra = set(d) - set(keys)
    if extra:
        sys.exit(f"decoders.json {where}: unknown fields {sorted(extra)}: teach gen_vectors.py")


def table(out, ctype, name, rows):
    out.append(f"const struct {ctype} {name}[] = {{")
    out.extend(f"\t{{ {r} }}," for r in rows)
    out.append("};")
    out.append(f"const int {name.replace('vec_', 'vec_nr_', 1)} = {len(rows)};")
    out.append("")


def json_steps(doc, out, key=None):
    """The dt_json_* calls that print doc (values as the writer's types)."""
    if isinstance(doc, dict):
        out.append(("VJ_OBJ", key, None, 0))
        for k, v in doc.items():
            json_steps(v, out, k)
        out.append(("VJ_END", None, None, 0))
    elif isinstance(doc, list):
        out.append(("VJ_ARR", key, None, 0))
        for v in doc:
            json_steps(v, out, None)
        out.append(("VJ_END", None, None, 0))
    elif isinstance(doc, bool):
        out.append(("VJ_BOOL", key, None, int(doc)))
    elif doc is None:
        out.append(("VJ_NULL", key, None, 0))
    elif isinstance(doc, int):
        out.append(("VJ_INT", key, None, doc))
    elif isinstance(doc, str):
        out.append(("VJ_STR", key, doc, 0))
    else:
        sys.exit(f"decoders.json json_document: cannot write {doc!r}")


def main(src, dst):
    with open(src) as f:
        d = json.load(f)
    if d.get("schema") != "daxtriage-test-vectors/1":
        sys.exit(f"{src}: unknown schema {d.get('schema')!r}")
    only(d, SECTIONS, "top level")
    out = ["/* Generated from share/test-vectors/decoders.json by tests/gen_vectors.py: "
           "do not edit. */", '#include "entry.h"', '#include "vectors.h"', ""]

    rows = []
    for v in d["dax_entries"]:
        only(v, {"test", "era", "raw", "payload", "letters", "extra_roles", "order", "note"},
             "dax_entries")
        extra = " | ".join(ROLES[r] for r in v["extra_roles"]) or "0"
        rows.append(f"{cstr(v['test'])}, {cstr(v['era'])}, {cstr(v.get('note'))}, {h(v['raw'])}, "
                    f"{h(v['payload'])}, {cstr(v['letters'])}, {extra}, {v['order']}")
    table(out, "vec_dax_entry", "vec_dax_entries", rows)

    rows = []
    for v in d["dax_non_entries"]:
        only(v, {"era", "raw", "note"}, "dax_non_entries")
        rows.append(f"{cstr(v['era'])}, {cstr(v.get('note'))}, {h(v['raw'])}")
    table(out, "vec_non_entry", "vec_dax_non_entries", rows)

    rows = []
    for v in d["dax_flag_names"]:
        only(v, {"era", "raw", "names"}, "dax_flag_names")
        rows.append(f"{cstr(v['era'])}, {h(v['raw'])}, {cstr(v['names'])}")
    table(out, "vec_flag_names", "vec_dax_flag_names", rows)

    def classify_rows(vs, where):
        rows = []
        for v in vs:
            only(v, {"raw", "kind", "sibling", "note"}, where)
            rows.append(f"{h(v['raw'])}, {cstr(v['kind'])}, {v.get('sibling', -1)}, "
                        f"{cstr(v.get('note'))}")
        return rows

    table(out, "vec_classify", "vec_xa_classify", classify_rows(d["xa_classify"], "xa_classify"))
    rc = d["radix_classify"]
    only(rc, {"slots", "cases"}, "radix_classify")
    out.append(f"const uint64_t vec_radix_classify_slots = {h(rc['slots'])};")
    table(out, "vec_classify", "vec_radix_classify", classify_rows(rc["cases"], "radix_classify"))

    dflt = d["percpu_ref_defaults"]
    only(dflt, {"release", "percpu_ok", "nr_cpus"}, "percpu_ref_defaults")
    rows = []
    for v in d["percpu_ref"]:
        only(v, {"test", "split", "percpu_count_ptr", "data", "count", "release",
                 "confirm_switch", "percpu_sum", "percpu_ok", "mode", "count_known",
                 "true_count", "rule", "biased", "note"}, "percpu_ref")
        rows.append(f"{cstr(v['test'])}, {cstr(v.get('note'))}, {int(v['split'])}, "
                    f"{h(v['percpu_count_ptr'])}, {h(v['data'])}, {h(v['count'])}, "
                    f"{h(v.get('release', dflt['release']))}, {h(v['confirm_switch'])}, "
                    f"{h(v['percpu_sum'])}, {int(v.get('percpu_ok', dflt['percpu_ok']))}, "
                    f"{dflt['nr_cpus']}, {cstr(v['mode'])}, {int(v['count_known'])}, "
                    f"{v.get('true_count', 0)}LL, {cstr(v.get('rule'))}, "
                    f"{int(v['biased']) if 'biased' in v else -1}")
    table(out, "vec_pref", "vec_percpu_ref", rows)

    rows = []
    for v in d["expected_pgmap_count"]:
        only(v, {"test", "model", "type", "dead", "pfn_first", "pfn_end", "vmemmap_shift",
                 "allocated_pages", "applies", "expected", "bulk", "verdicts", "note",
                 "p2p_pool_pages", "expected_max"}, "expected_pgmap_count")
        if len(v["pfn_first"]) != len(v["pfn_end"]) or len(v["pfn_first"]) > 16:
            sys.exit(f"expected_pgmap_count {v['test']}: bad ranges")
        verdicts = v.get("verdicts", [])
        if len(verdicts) > 8:
            sys.exit(f"expected_pgmap_count {v['test']}: more than 8 verdicts")
        vd = ", ".join(f"{{ {int(c is not None)}, {c or 0}LL, {cstr(w)} }}" for c, w in verdicts)
        rows.append(f"{cstr(v['test'])}, {cstr(v['model'])}, {cstr(v['type'])}, "
                    f"{cstr(v.get('note'))}, {int(v['dead'])}, {len(v['pfn_first'])}, "
                    f"{{ {', '.join(h(x) for x in v['pfn_first'])} }}, "
                    f"{{ {', '.join(h(x) for x in v['pfn_end'])} }}, {v['vmemmap_shift']}, "
                    f"{v['allocated_pages']}, {int(v['applies'])}, {int('expected' in v)}, "
                    f"{int('bulk' in v)}, {v.get('expected', 0)}LL, {v.get('bulk', 0)}LL, "
                    f"{len(verdicts)}, {{ {vd} }}, {int(v.get('p2p_pool_pages') is not None)}, "
                    f"{v.get('p2p_pool_pages') or 0}, {int('expected_max' in v)}, "
                    f"{v.get('expected_max', 0)}LL")
    table(out, "vec_expect", "vec_expected_pgmap_count", rows)

    rows = []
    for v in d["idle_refcount"]:
        only(v, {"model", "type", "tail", "idle"}, "idle_refcount")
        rows.append(f"{cstr(v['model'])}, {cstr(v['type'])}, {int(v['tail'])}, {v['idle']}")
    table(out, "vec_idle", "vec_idle_refcount", rows)

    rows = []
    for v in d["json_escape"]:
        only(v, {"bytes", "json"}, "json_escape")
        b = bytes.fromhex(v["bytes"])
        rows.append(f"{cstr(b)}, {len(b)}, {cstr(v['json'])}")
    table(out, "vec_json_escape", "vec_json_escape", rows)

    rows = []
    for v in d["display_escape"]:
        only(v, {"bytes", "cap", "text"}, "display_escape")
        b = bytes.fromhex(v["bytes"])
        cap = -1 if v["cap"] is None else v["cap"]
        rows.append(f"{cstr(b)}, {len(b)}, {cap}, {cstr(v['text'])}")
    table(out, "vec_display_escape", "vec_display_escape", rows)

    jd = d["json_document"]
    only(jd, {"note", "doc", "text"}, "json_document")
    doc = dict(jd["doc"])
    if list(doc)[:2] != ["schema", "command"]:
        sys.exit("json_document: the document must begin with schema and command")
    out.append(f"const char *const vec_json_document_schema = {cstr(doc.pop('schema'))};")
    out.append(f"const char *const vec_json_document_command = {cstr(doc.pop('command'))};")
    steps = []
    for k, v in doc.items():
        json_steps(v, steps, k)
    table(out, "vec_json_step", "vec_json_document",
          [f"{op}, {cstr(k)}, {cstr(s)}, {i}LL" for op, k, s, i in steps])
    out.append(f"const char *const vec_json_document_text = {cstr(jd['text'])};")

    with open(dst, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
