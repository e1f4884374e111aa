/*
 * dax.c: the crash extension dax.so: glue between crash and the pure C core (core/).
 *
 * It fills struct dt_target from readmem (RETURN_ON_ERROR|QUIET), datatype_info,
 * symbol_value and enumerator_value, probes the layout once into a private table (never
 * crash's offset_table), registers the commands and prints in crash's column style.
 * A command never takes the session down: bad data gives error(INFO) and a return to the
 * prompt; only a usage error goes through cmd_usage().
 *
 *   daxent [--era E|all] VALUE        decode a DAX entry word
 *   daxmap [-a] [-p] [-j] [--era E] [inode|address_space|file|dentry]
 *   pgmap [-p] [-j] [addr|pfn]        dev_pagemaps, percpu_ref true count, page census
 *   daxpage [-j] PFN|PAGE             one page in dump_page() wording, its pgmap and entry
 *   daxdev [-j]                       dax_devices, device-dax, pmem, filesystems on them
 *   daxcheck [-v] [-j]                the triage checks (share/checks.json)
 */
#include "defs.h"

#include <stdint.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "daxdev.h"
#include "entry.h"
#include "json.h"
#include "layout.h"
#include "mapping.h"
#include "memmap.h"
#include "percpu_ref.h"
#include "page.h"
#include "pgmap.h"
#include "refmodel.h"
#include "tree.h"

/* ---------------------------------------------------------------- target */

static uint64_t vmemmap_base_cache;
static int vmemmap_base_known;
static long page_struct_size = 64;

static int ct_read(void *ctx, uint64_t addr, enum dt_space sp, void *buf, size_t len)
{
	(void)ctx;
	return readmem((ulonglong)addr, sp == DT_PHYSADDR ? PHYSADDR : KVADDR, buf, (long)len,
		       "daxtriage", RETURN_ON_ERROR | QUIET) ? 0 : -1;
}

static int ct_symbol(void *ctx, const char *name, uint64_t *addr)
{
	(void)ctx;
	if (!symbol_exists((char *)name))
		return -1;
	*addr = symbol_value((char *)name);
	return 0;
}

/*
 * A cache of datatype answers: a lookup of a type gdb does not know (a module type before
 * "mod -S") costs crash a gdb query each time, and the commands ask the same questions for
 * every device and page.  Known answers are kept for the session (layouts do not change);
 * unknown ones until module debuginfo is loaded or dropped ("mod -S", "mod -d"), which can
 * add or remove the type.
 */
#define TYPE_CACHE 1024

struct type_answer {
	char key[96];
	char kind;	/* 'O' offset, 'Z' member size, 'T' type size */
	long v;
};
static struct type_answer type_cache[TYPE_CACHE];
static int type_cache_n;

/* How many modules have their debuginfo loaded (mod -S): the types a negative answer
 * missed can only appear when this changes. */
static int modules_with_symbols(void)
{
	int n = 0;
	for (int i = 0; st && st->load_modules && i < st->mods_installed && i < 4096; i++)
		n += (st->load_modules[i].mod_flags & MOD_LOAD_SYMS) != 0;
	return n;
}

static void type_cache_new_command(void)
{
	static int generation = -1;
	int g = modules_with_symbols();
	if (g == generation)
		return;		/* no module debuginfo came or went: every answer stands */
	generation = g;
	int k = 0;
	for (int i = 0; i < type_cache_n; i++)
		if (type_cache[i].kind == 'E' || (type_cache[i].kind != 'e' && type_cache[i].v >= 0))
			type_cache[k++] = type_cache[i];
	type_cache_n = k;
}

static struct type_answer *type_cache_get(char kind, const char *a, const char *b)
{
	char key[96];
	snprintf(key, sizeof(key), "%s.%s", a, b ? b : "");
	for (int i = 0; i < type_cache_n; i++)
		if (type_cache[i].kind == kind && strcmp(type_cache[i].key, key) == 0)
			return &type_cache[i];
	return NULL;
}

static long type_cache_put(char kind, const char *a, const char *b, long v)
{
	if (type_cache_n < TYPE_CACHE) {
		struct type_answer *t = &type_cache[type_cache_n++];
		snprintf(t->key, sizeof(t->key), "%s.%s", a, b ? b : "");
		t->kind = kind;
		t->v = v;
	}
	return v;
}

static long ct_member_offset(void *ctx, const char *type, const char *member)
{
	(void)ctx;
	struct type_answer *c = type_cache_get('O', type, member);
	if (c)
		return c->v;
	long o = MEMBER_OFFSET((char *)type, (char *)member);
	if (o < 0)
		o = ANON_MEMBER_OFFSET((char *)type, (char *)member);
	return type_cache_put('O', type, member, o < 0 ? -1 : o);
}

static long ct_member_size(void *ctx, const char *type, const char *member)
{
	(void)ctx;
	struct type_answer *c = type_cache_get('Z', type, member);
	if (c)
		return c->v;
	long s = MEMBER_SIZE((char *)type, (char *)member);
	if (s < 0)
		s = ANON_MEMBER_SIZE((char *)type, (char *)member);
	return type_cache_put('Z', type, member, s < 0 ? -1 : s);
}

static long ct_type_size(void *ctx, const char *type)
{
	(void)ctx;
	struct type_answer *c = type_cache_get('T', type, NULL);
	if (c)
		return c->v;
	long s = STRUCT_SIZE((char *)type);
	return type_cache_put('T', type, NULL, s <= 0 ? -1 : s);
}

static int ct_enum(void *ctx, const char *name, long *v)
{
	(void)ctx;
	/* enumerator_value() asks gdb every time: cached like the datatype answers ('E'; the
	 * value is kept in v, absence as a negative entry via 'e') */
	struct type_answer *c = type_cache_get('E', name, NULL);
	if (c) {
		*v = c->v;
		return 0;
	}
	if (type_cache_get('e', name, NULL))
		return -1;
	long val;
	if (!enumerator_value((char *)name, &val)) {
		type_cache_put('e', name, NULL, -1);
		return -1;
	}
	if (type_cache_n < TYPE_CACHE) {
		struct type_answer *t = &type_cache[type_cache_n++];
		snprintf(t->key, sizeof(t->key), "%s.", name);
		t->kind = 'E';
		t->v = val;
	}
	*v = val;
	return 0;
}

static const char *ct_symbol_name(void *ctx, uint64_t addr, char *buf, size_t len)
{
	(void)ctx;
	ulong offset = 0;
	struct syment *sp = value_search((ulong)addr, &offset);
	if (!sp || !sp->name)
		return NULL;
	if (offset)
		snprintf(buf, len, "%s+%#lx", sp->name, offset);
	else
		snprintf(buf, len, "%s", sp->name);
	return buf;
}

static int ct_pfn_to_page(void *ctx, uint64_t pfn, uint64_t *page)
{
	(void)ctx;
	if (vmemmap_base_known) {	/* x86_64 SPARSEMEM_VMEMMAP: a linear array */
		*page = vmemmap_base_cache + pfn * (uint64_t)page_struct_size;
		return 0;
	}
	ulong p;
	if (!phys_to_page((physaddr_t)(pfn << PAGESHIFT()), &p))
		return -1;
	*page = p;
	return 0;
}

/*
 * Recording (a developer aid): with DAXTRIAGE_RECORD=FILE in crash's environment every
 * answer the target gives the core is appended to FILE, which tests/fake.c replays: the unit
 * tests run the core on recorded bytes and layouts of a real dump.
 */
static FILE *rec;

static void rec_open(void)
{
	static int tried;
	if (tried)
		return;
	tried = 1;
	const char *path = getenv("DAXTRIAGE_RECORD");
	if (path && *path)
		rec = fopen(path, "a");
}

static int rec_read(void *ctx, uint64_t addr, enum dt_space sp, void *buf, size_t len)
{
	int r = ct_read(ctx, addr, sp, buf, len);
	if (rec) {
		fprintf(rec, "R %s %#llx %zu ", sp == DT_PHYSADDR ? "p" : "v",
			(unsigned long long)addr, len);
		if (r == 0)
			for (size_t i = 0; i < len; i++)
				fprintf(rec, "%02x", ((unsigned char *)buf)[i]);
		else
			fputc('-', rec);
		fputc('\n', rec);
	}
	return r;
}

static int rec_symbol(void *ctx, const char *name, uint64_t *addr)
{
	int r = ct_symbol(ctx, name, addr);
	if (rec)
		fprintf(rec, "S %s %#llx\n", name, r ? 0ULL : (unsigned long long)*addr);
	return r;
}

static long rec_member_offset(void *ctx, const char *type, const char *member)
{
	long v = ct_member_offset(ctx, type, member);
	if (rec)
		fprintf(rec, "O %s %s %ld\n", type, member, v);
	return v;
}

static long rec_member_size(void *ctx, const char *type, const char *member)
{
	long v = ct_member_size(ctx, type, member);
	if (rec)
		fprintf(rec, "Z %s %s %ld\n", type, member, v);
	return v;
}

static long rec_type_size(void *ctx, const char *type)
{
	long v = ct_type_size(ctx, type);
	if (rec)
		fprintf(rec, "T %s %ld\n", type, v);
	return v;
}

static int rec_enum(void *ctx, const char *name, long *v)
{
	int r = ct_enum(ctx, name, v);
	if (rec)
	{
		if (r)
			fprintf(rec, "E %s -\n", name);
		else
			fprintf(rec, "E %s %ld\n", name, *v);
	}
	return r;
}

static int rec_pfn_to_page(void *ctx, uint64_t pfn, uint64_t *page)
{
	int r = ct_pfn_to_page(ctx, pfn, page);
	if (rec)
		fprintf(rec, "P %#llx %#llx\n", (unsigned long long)pfn,
			r ? 0ULL : (unsigned long long)*page);
	return r;
}

static const char *rec_symbol_name(void *ctx, uint64_t addr, char *buf, size_t len)
{
	const char *r = ct_symbol_name(ctx, addr, buf, len);
	if (rec)
		fprintf(rec, "N %#llx %s\n", (unsigned long long)addr, r ? r : "-");
	return r;
}

static struct dt_target rec_target = {
	.read = rec_read,
	.symbol = rec_symbol,
	.member_offset = rec_member_offset,
	.member_size = rec_member_size,
	.type_size = rec_type_size,
	.enum_value = rec_enum,
	.symbol_name = rec_symbol_name,
	.pfn_to_page = rec_pfn_to_page,
};

static struct dt_target target = {
	.read = ct_read,
	.symbol = ct_symbol,
	.member_offset = ct_member_offset,
	.member_size = ct_member_size,
	.type_size = ct_type_size,
	.enum_value = ct_enum,
	.symbol_name = ct_symbol_name,
	.pfn_to_page = ct_pfn_to_page,
};

/* ---------------------------------------------------------------- layout, once */

static struct dt_layout layout;
static int layout_state;	/* 0 not probed, 1 ok, -1 failed */

/*
 * The types without which no command but "daxent --era E" runs (core/layout.c probes their
 * members); one of each group is enough (xa_node: v4.20+, radix_tree_node before).  Named
 * when the layout probe fails, so that a vmlinux without DWARF says what it lacks.  The
 * same list as drgn/daxtriage/debuginfo.py.
 */
static int missing_types(char *buf, size_t len)
{
	static const char *const required[][2] = {
		{ "page", NULL }, { "address_space", NULL },
		{ "xa_node", "radix_tree_node" }, { "dev_pagemap", NULL },
	};
	size_t n = 0;
	buf[0] = 0;
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		if (target.type_size(target.ctx, required[i][0]) > 0 ||
		    (required[i][1] && target.type_size(target.ctx, required[i][1]) > 0))
			continue;
		int w = snprintf(buf + n, len - n, "%sstruct %s%s%s", n ? ", " : "", required[i][0],
				 required[i][1] ? " or struct " : "",
				 required[i][1] ? required[i][1] : "");
		if (w < 0 || (size_t)w >= len - n)
			break;
		n += (size_t)w;
	}
	return n > 0;
}

static const struct dt_layout *get_layout(void)
{
	type_cache_new_command();
	if (layout_state == 0) {
		rec_open();
		if (rec)
			target = rec_target;
		layout_state = dt_layout_probe(&target, &layout) == 0 ? 1 : -1;
		page_struct_size = layout.page_size > 0 ? layout.page_size : 64;
		uint64_t sym, base;
		if (dt_symbol(&target, "vmemmap_base", &sym) == 0 &&
		    dt_read_u64(&target, sym, &base) == 0 && dt_kptr_ok(base, 4096)) {
			vmemmap_base_cache = base;
			vmemmap_base_known = 1;
		}
		if (CRASHDEBUG(1))
			for (int i = 0; i < layout.nr_why; i++)
				fprintf(fp, "dax: %s\n", layout.why[i]);
	}
	if (layout_state < 0) {
		char gone[160];
		if (missing_types(gone, sizeof(gone)))
			error(INFO, "%s: the debuginfo has no type %s (vmlinux without DWARF, e.g. "
				    "stripped?); open the dump with the kernel's debug vmlinux; only "
				    "daxent --era E works\n", layout.error, gone);
		else
			error(INFO, "%s\n", layout.error);
		return NULL;
	}
	return &layout;
}

/* ---------------------------------------------------------------- helpers */

static int parse_hex(const char *s, uint64_t *v)
{
	char *end;
	if (!s || !*s)
		return -1;
	*v = strtoull(s, &end, 16);
	return *end ? -1 : 0;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *short_type(enum dt_mtype m)
{
	const char *n = dt_mtype_name(m);
	return strncmp(n, "MEMORY_DEVICE_", 14) == 0 ? n + 14 : n;
}

static const char *symname(uint64_t addr, char *buf, size_t len)
{
	const char *s = dt_symname(&target, addr, buf, len);
	return s ? s : "-";
}

/* Options shared by the commands: -a -p -j and --era E. */
struct opts {
	int all, pages, json;
	const char *era;
	int nargs;
	char *arg[8];
};

static int parse_opts(const char *allowed, struct opts *o)
{
	memset(o, 0, sizeof(*o));
	for (int i = 1; i < argcnt; i++) {
		char *a = args[i];
		if (strcmp(a, "--era") == 0 && strchr(allowed, 'e')) {
			if (++i >= argcnt)
				return -1;
			o->era = args[i];
		} else if (strncmp(a, "--era=", 6) == 0 && strchr(allowed, 'e')) {
			o->era = a + 6;
		} else if (a[0] == '-' && a[1] && a[1] != '-') {
			for (char *c = a + 1; *c; c++) {
				if (!strchr(allowed, *c))
					return -1;
				if (*c == 'a')
					o->all = 1;
				else if (*c == 'p')
					o->pages = 1;
				else if (*c == 'j')
					o->json = 1;
				else
					return -1;
			}
		} else if (o->nargs < 8) {
			o->arg[o->nargs++] = a;
		} else {
			return -1;
		}
	}
	return 0;
}

static void print_why(const struct dt_layout *l)
{
	for (int i = 0; i < l->nr_why; i++)
		fprintf(fp, "  %s\n", l->why[i]);
}

/* ---------------------------------------------------------------- daxent */

static const char *daxent_hdr = "%-13s %-18s %-5s %-5s %-5s %-24s %s\n";
static const char *daxent_fmt = "%-13s %-18s %-5s %-5s %-5d %-24s %s\n";

static void daxent_line(const struct dt_era *era, uint64_t raw, struct dt_json *j)
{
	struct dt_entry e;
	char letters[16], names[128], rawbuf[24], pay[40];
	int ok = dt_entry_decode(era, raw, &e) == 0;
	snprintf(rawbuf, sizeof(rawbuf), "%#llx", (unsigned long long)raw);
	if (j) {
		dt_json_obj(j, NULL);
		dt_json_str(j, "era", era->id);
		dt_json_str(j, "kernels", era->kernels);
		dt_json_hex(j, "raw", raw);
		dt_json_bool(j, "is_entry", ok);
		if (ok) {
			dt_json_str(j, "flags", dt_flag_letters(e.flags, letters, sizeof(letters)));
			dt_json_str(j, "flag_names", dt_flag_names(&e, names, sizeof(names)));
			dt_json_int(j, "order", e.order);
			dt_json_uint(j, era->payload == DT_PAYLOAD_PFN ? "pfn" : "sector", e.payload);
			dt_json_hex(j, "unknown_bits", e.unknown_bits);
		}
		dt_json_end(j);
		return;
	}
	if (!ok) {
		fprintf(fp, "%-13s %-18s %s\n", era->id, rawbuf,
			era->container == DT_CONT_XARRAY ? "not an XArray value entry"
							 : "not a radix exceptional entry");
		return;
	}
	snprintf(pay, sizeof(pay), "%s %#llx", era->payload == DT_PAYLOAD_PFN ? "pfn" : "sector",
		 (unsigned long long)e.payload);
	dt_flag_names(&e, names, sizeof(names));
	if (e.unknown_bits) {
		size_t n = strlen(names);
		snprintf(names + n, sizeof(names) - n, " unknown:%#llx",
			 (unsigned long long)e.unknown_bits);
	}
	fprintf(fp, daxent_fmt, era->id, rawbuf,
		era->container == DT_CONT_XARRAY ? "value" : "exc",
		dt_flag_letters(e.flags, letters, sizeof(letters)), e.order, pay, names);
}

static void cmd_daxent(void)
{
	struct opts o;
	uint64_t raw = 0;
	if (parse_opts("je", &o) || o.nargs != 1 || parse_hex(o.arg[0], &raw))
		cmd_usage(pc->curcmd, SYNOPSIS);
	const struct dt_era *one = NULL;
	int all = 0;
	if (o.era && strcmp(o.era, "all") == 0) {
		all = 1;
	} else if (o.era) {
		if (!(one = dt_era_find(o.era))) {
			error(INFO, "unknown era \"%s\"; known:", o.era);
			for (int i = 0; i < dt_nr_eras; i++)
				fprintf(fp, " %s", dt_eras[i].id);
			fprintf(fp, "\n");
			return;
		}
	} else {
		const struct dt_layout *l = get_layout();
		if (l)
			one = l->era;
		else
			all = 1;
	}
	struct dt_json j, *jp = NULL;
	if (o.json) {
		jp = &j;
		dt_json_init(jp, fp);
		dt_json_doc_begin(jp, "daxent");
		dt_json_arr(jp, "decodings");
	} else {
		fprintf(fp, daxent_hdr, "ERA", "RAW", "KIND", "FLAGS", "ORDER", "PAYLOAD", "DEFINES");
	}
	for (int i = 0; i < dt_nr_eras; i++)
		if (all || &dt_eras[i] == one)
			daxent_line(&dt_eras[i], raw, jp);
	if (jp) {
		dt_json_end(jp);
		dt_json_doc_end(jp);
	}
}

/* ---------------------------------------------------------------- daxmap */

static const char *map_hdr =
	"%10s  %-18s %-5s %3s  %-10s  %-16s %4s %4s  %-10s %s\n";
static const char *map_fmt =
	"%10llu  %-18s %-5s %3d  %-10s  %-16s %4s %4llu  %-10s %s\n";
static const char *page_fmt =
	"%10s  %-18s %-5s %3s  %-10s  %-16llx %4d %4s  mapcount:%d mapping:%llx index:%#llx\n";

#define MAP_PENDING 64

struct map_ctx {
	const struct dt_layout *l;
	const struct dt_pgmap_set *pms;
	int pages;
	struct dt_json *j;
	unsigned long nr_printed_pages;
	/* text mode: the entry's non-idle pages, printed after its line */
	int npend, nover;
	struct dt_page pend[MAP_PENDING];
};

static void map_page_cb(void *arg, const struct dt_map_entry *me, const struct dt_page *p, int idle)
{
	struct map_ctx *c = arg;
	(void)me;
	if (!c->pages || c->nr_printed_pages++ >= 4096)
		return;
	if (c->j) {
		dt_json_obj(c->j, NULL);
		dt_json_uint(c->j, "pfn", p->pfn);
		dt_json_hex(c->j, "page", p->addr);
		dt_json_int(c->j, "refcount", p->refcount);
		dt_json_int(c->j, "idle_refcount", idle);
		dt_json_int(c->j, "mapcount_raw", p->mapcount_raw);
		dt_json_hex(c->j, "mapping", p->mapping);
		dt_json_uint(c->j, "index", p->index);
		dt_json_bool(c->j, "tail", p->tail);
		dt_json_end(c->j);
		return;
	}
	if (c->npend < MAP_PENDING)
		c->pend[c->npend++] = *p;
	else
		c->nover++;
}

static void map_print_pending(struct map_ctx *c)
{
	for (int i = 0; i < c->npend; i++) {
		const struct dt_page *p = &c->pend[i];
		char pfn[24];
		snprintf(pfn, sizeof(pfn), "%#llx", (unsigned long long)p->pfn);
		fprintf(fp, page_fmt, "", "  page", "", "", pfn, (unsigned long long)p->addr,
			p->refcount, "", p->mapcount_raw + 1, (unsigned long long)p->mapping,
			(unsigned long long)p->index);
	}
	if (c->nover)
		fprintf(fp, "%10s    ... %d more pages that are not idle\n", "", c->nover);
	c->npend = c->nover = 0;
}

static void mapping_header(const struct dt_layout *l, const struct dt_mapping *m)
{
	char sid[40] = "?", fst[32] = "?";
	uint64_t sb = 0, type, name;
	if (dt_kptr_ok(m->host, 8) && dt_read_u64(&target, m->host + (uint64_t)l->i_sb, &sb) == 0 &&
	    dt_kptr_ok(sb, 8)) {
		dt_read_str(&target, sb + (uint64_t)l->sb_id, sid, sizeof(sid));
		if (dt_read_u64(&target, sb + (uint64_t)l->sb_type, &type) == 0 &&
		    dt_kptr_ok(type, 8) &&
		    dt_read_u64(&target, type + (uint64_t)l->fst_name, &name) == 0)
			dt_read_str(&target, name, fst, sizeof(fst));
	}
	/* the file's name (its first dentry), in display form: one line per file whatever
	 * the name holds (escape.h) */
	char dname[1024];
	uint64_t dentry;
	int named = dt_inode_dentry(&target, l, m->host, &dentry, dname, sizeof(dname)) == 0;
	fprintf(fp, "INODE: %llx  INO: %llu  SB: %s (%s)  MAPPING: %llx  NRPAGES: %llu  NAME: %s%s%s\n",
		(unsigned long long)m->host, (unsigned long long)m->ino, sid, fst,
		(unsigned long long)m->mapping, (unsigned long long)m->nrpages,
		named ? "\"" : "", named ? dname : "-", named ? "\"" : "");
}

static void mapping_json_head(const struct dt_layout *l, struct dt_json *j, const struct dt_mapping *m)
{
	char sid[40] = "", fst[32] = "";
	uint64_t sb = 0, type, name;
	if (dt_kptr_ok(m->host, 8) && dt_read_u64(&target, m->host + (uint64_t)l->i_sb, &sb) == 0 &&
	    dt_kptr_ok(sb, 8)) {
		dt_read_str(&target, sb + (uint64_t)l->sb_id, sid, sizeof(sid));
		if (dt_read_u64(&target, sb + (uint64_t)l->sb_type, &type) == 0 &&
		    dt_kptr_ok(type, 8) &&
		    dt_read_u64(&target, type + (uint64_t)l->fst_name, &name) == 0)
			dt_read_str(&target, name, fst, sizeof(fst));
	}
	dt_json_hex(j, "inode", m->host);
	dt_json_uint(j, "ino", m->ino);
	dt_json_hex(j, "sb", sb);
	dt_json_str(j, "sb_id", sid);
	dt_json_str(j, "fs", fst);
	dt_json_hex(j, "i_flags", m->i_flags);
	dt_json_bool(j, "dax", (m->i_flags & l->s_dax) != 0);
	dt_json_hex(j, "mapping", m->mapping);
	dt_json_hex(j, "i_pages", m->i_pages);
	dt_json_uint(j, "nrpages", m->nrpages);
	char dname[1024];
	uint64_t dentry;
	int named = dt_inode_dentry(&target, l, m->host, &dentry, dname, sizeof(dname)) == 0;
	dt_json_hex(j, "dentry", dentry);
	dt_json_str(j, "dentry_name", named ? dname : NULL);
}

/*
 * The entry lines of daxmap, gathered and written 64 KiB at a time: crash's output stream
 * (redirected or piped) is unbuffered, and one write(2) per line was a third of the time of
 * a mapping of a million entries.  Flushed before anything else is printed.
 */
static struct {
	char b[1 << 16];
	size_t n;
} lines;

static void lines_flush(void)
{
	if (lines.n)
		fwrite(lines.b, 1, lines.n, fp);
	lines.n = 0;
}

static void lines_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void lines_printf(const char *fmt, ...)
{
	va_list ap;
	if (sizeof(lines.b) - lines.n < 1024)
		lines_flush();
	va_start(ap, fmt);
	int k = vsnprintf(lines.b + lines.n, sizeof(lines.b) - lines.n, fmt, ap);
	va_end(ap);
	if (k < 0)
		return;
	if ((size_t)k >= sizeof(lines.b) - lines.n) {	/* longer than the room left: directly */
		lines_flush();
		va_start(ap, fmt);
		vfprintf(fp, fmt, ap);
		va_end(ap);
		return;
	}
	lines.n += (size_t)k;
}

/* v as "%llx" (alt: "%#llx", "0" for 0) into buf (>= 19 bytes), without printf */
static void fast_hex(char *buf, uint64_t v, int alt)
{
	char t[16];
	int n = 0;
	do
		t[n++] = "0123456789abcdef"[v & 15];
	while (v >>= 4);
	if (alt && !(n == 1 && t[0] == '0'))
		*buf++ = '0', *buf++ = 'x';
	while (n)
		*buf++ = t[--n];
	*buf = 0;
}

static void show_mapping(struct map_ctx *c, const struct dt_mapping *m, const struct dt_era *era)
{
	const struct dt_layout *l = c->l;
	struct dt_json *j = c->j;
	uint64_t by_order[64] = { 0 }, locked = 0, zero = 0, empty = 0, sum = 0, other = 0,
		 busy = 0, mism = 0;
	c->nr_printed_pages = 0;
	lines.n = 0;	/* nothing of an interrupted command */
	if (j) {
		dt_json_obj(j, NULL);
		mapping_json_head(l, j, m);
		dt_json_arr(j, "entries");
	} else {
		mapping_header(l, m);
		fprintf(fp, map_hdr, "INDEX", "RAW", "FLAGS", "ORD", "PFN", "PAGE", "REFS", "BUSY",
			"ASSOC", "PGMAP");
	}
	for (int i = 0; i < m->nr; i++) {
		struct dt_map_entry me;
		if (j) {
			dt_json_obj(j, NULL);
			if (c->pages)
				dt_json_arr(j, "pages");
		}
		c->npend = c->nover = 0;
		dt_entry_analyse(&target, l, c->pms, m, era, &m->slots[i], &me,
				 c->pages ? map_page_cb : NULL, c);
		if (!me.e.is_entry) {
			other++;
			if (j) {
				if (c->pages)
					dt_json_end(j);
				dt_json_uint(j, "index", m->slots[i].index);
				dt_json_uint(j, "nr_indices", m->slots[i].nr);
				dt_json_hex(j, "raw", m->slots[i].raw);
				dt_json_str(j, "kind", dt_slot_name(m->slots[i].kind));
				dt_json_bool(j, "is_dax_entry", 0);
				dt_json_end(j);
			} else {
				char raw[24];
				snprintf(raw, sizeof(raw), "%#llx", (unsigned long long)m->slots[i].raw);
				lines_flush();
				fprintf(fp, "%10llu  %-18s not a DAX entry (%s)\n",
					(unsigned long long)m->slots[i].index, raw,
					dt_slot_name(m->slots[i].kind));
			}
			continue;
		}
		by_order[me.e.order & 63]++;
		sum += 1ULL << me.e.order;
		locked += !!(me.e.flags & DT_F_LOCKED);
		zero += !!(me.e.flags & DT_F_ZERO);
		empty += !!(me.e.flags & DT_F_EMPTY);
		busy += me.busy;
		mism += strcmp(me.assoc, "mismatch") == 0;
		char letters[16], names[128];
		dt_flag_letters(me.e.flags, letters, sizeof(letters));
		if (j) {
			if (c->pages)
				dt_json_end(j);
			dt_json_uint(j, "index", me.s.index);
			dt_json_uint(j, "nr_indices", me.s.nr);
			dt_json_hex(j, "raw", me.s.raw);
			dt_json_str(j, "kind", dt_slot_name(me.s.kind));
			dt_json_bool(j, "is_dax_entry", 1);
			dt_json_str(j, "flags", letters);
			dt_json_str(j, "flag_names", dt_flag_names(&me.e, names, sizeof(names)));
			dt_json_int(j, "order", me.e.order);
			dt_json_bool(j, "order_mismatch", me.order_mismatch);
			if (era->payload == DT_PAYLOAD_PFN) {
				dt_json_uint(j, "pfn", me.pfn);
				if (me.page)
					dt_json_hex(j, "page", me.page);
				else
					dt_json_null(j, "page");
				if (me.page_ok) {
					dt_json_int(j, "refcount", me.refcount);
					dt_json_int(j, "mapcount_raw", me.mapcount_raw);
				} else {
					dt_json_null(j, "refcount");
					dt_json_null(j, "mapcount_raw");
				}
			} else {
				dt_json_uint(j, "sector", me.e.payload);
			}
			dt_json_uint(j, "busy_pages", me.busy);
			dt_json_uint(j, "unreadable_pages", me.unreadable);
			dt_json_str(j, "assoc", me.assoc);
			if (strcmp(me.assoc, "mismatch") == 0)
				dt_json_uint(j, "assoc_first_bad_pfn", me.assoc_bad_pfn);
			if (me.pgmap)
				dt_json_hex(j, "pgmap", me.pgmap->addr);
			else
				dt_json_null(j, "pgmap");
			dt_json_end(j);
			continue;
		}
		/* one line per entry of a mapping of millions: hex by hand, one fprintf */
		char raw[24], pfn[24], page[24], refs[12], assoc[24], pgm[24];
		fast_hex(raw, me.s.raw, 1);
		fast_hex(pfn, me.e.payload, 1);
		fast_hex(page, me.page, 0);
		if (me.page_ok)
			snprintf(refs, sizeof(refs), "%d", me.refcount);
		else
			snprintf(refs, sizeof(refs), "%s", me.page ? "n/a" : "-");
		if (me.order_mismatch)
			snprintf(assoc, sizeof(assoc), "%s!ord", me.assoc);
		else
			snprintf(assoc, sizeof(assoc), "%s", me.assoc);
		fast_hex(pgm, me.pgmap ? me.pgmap->addr : 0, 0);
		lines_printf(map_fmt, (unsigned long long)me.s.index, raw, letters, me.e.order,
			     era->payload == DT_PAYLOAD_PFN ? pfn : "sector", me.page ? page : "-",
			     refs, (unsigned long long)me.busy, assoc, me.pgmap ? pgm : "-");
		if (c->npend || c->nover) {
			lines_flush();
			map_print_pending(c);
		}
	}
	lines_flush();
	if (j) {
		dt_json_end(j);
		dt_json_obj(j, "summary");
		dt_json_uint(j, "entries", (uint64_t)m->nr - other);
		dt_json_obj(j, "by_order");
		for (int o = 0; o < 64; o++)
			if (by_order[o]) {
				char k[8];
				snprintf(k, sizeof(k), "%d", o);
				dt_json_uint(j, k, by_order[o]);
			}
		dt_json_end(j);
		dt_json_uint(j, "locked", locked);
		dt_json_uint(j, "zero", zero);
		dt_json_uint(j, "empty", empty);
		dt_json_uint(j, "not_dax_entries", other);
		dt_json_uint(j, "busy_pages", busy);
		dt_json_uint(j, "assoc_mismatch", mism);
		dt_json_uint(j, "sum_pages", sum);
		dt_json_bool(j, "nrpages_matches", sum == m->nrpages);
		dt_json_end(j);
		dt_json_obj(j, "walk");
		dt_json_uint(j, "nodes", m->walk.nodes);
		dt_json_uint(j, "errors", m->walk.errors);
		dt_json_str(j, "error", m->walk.error[0] ? m->walk.error : NULL);
		dt_json_end(j);
		dt_json_end(j);
		return;
	}
	fprintf(fp, "  ENTRIES: %llu (", (unsigned long long)(m->nr - other));
	int first = 1;
	for (int o = 0; o < 64; o++)
		if (by_order[o]) {
			fprintf(fp, "%sorder %d: %llu", first ? "" : ", ", o,
				(unsigned long long)by_order[o]);
			first = 0;
		}
	fprintf(fp, ")  LOCKED: %llu  ZERO: %llu  EMPTY: %llu  BUSY PAGES: %llu\n",
		(unsigned long long)locked, (unsigned long long)zero, (unsigned long long)empty,
		(unsigned long long)busy);
	fprintf(fp, "  NRPAGES: %llu %s sum of 2^order: %llu%s\n", (unsigned long long)m->nrpages,
		sum == m->nrpages ? "=" : "!=", (unsigned long long)sum,
		other ? "  (plus slots that are not DAX entries)" : "");
	if (m->walk.errors)
		fprintf(fp, "  WALK: %s (%u errors)\n", m->walk.error, m->walk.errors);
}

struct inode_list {
	int n, cap;
	uint64_t *mappings;
};

static int collect_inode(void *arg, uint64_t sb, uint64_t inode)
{
	struct inode_list *il = arg;
	uint64_t m;
	(void)sb;
	if (dt_read_u64(&target, inode + (uint64_t)layout.i_mapping, &m) || !dt_kptr_ok(m, 8))
		return 0;
	if (il->n == il->cap) {
		if (il->cap >= 65536)
			return 1;
		int nc = il->cap ? il->cap * 2 : 64;
		uint64_t *nm = realloc(il->mappings, (size_t)nc * sizeof(*nm));
		if (!nm)
			return 1;
		il->mappings = nm;
		il->cap = nc;
	}
	for (int i = 0; i < il->n; i++)	/* a device inode may share the dax inode's mapping */
		if (il->mappings[i] == m)
			return 0;
	il->mappings[il->n++] = m;
	return 0;
}

/*
 * A warning of a command that goes on (a broken list, one unreadable mapping).  With -j it
 * goes to stderr, as the drgn front end's does: error(INFO) writes to fp, which is the
 * redirected file, and would put a text line in front of the JSON document.
 */
static void warn_line(int json, const char *msg)
{
	if (json)
		fprintf(stderr, "%s: %s\n", pc->curcmd, msg);
	else
		error(INFO, "%s\n", msg);
}

static void cmd_daxmap(void)
{
	struct opts o;
	if (parse_opts("apje", &o) || (o.all ? o.nargs != 0 : o.nargs != 1))
		cmd_usage(pc->curcmd, SYNOPSIS);
	const struct dt_layout *l = get_layout();
	if (!l)
		return;
	const struct dt_era *forced = NULL;
	if (o.era && !(forced = dt_era_find(o.era))) {
		error(INFO, "unknown era \"%s\" (daxent --era all lists them)\n", o.era);
		return;
	}
	struct inode_list il = { 0 };
	char err[240] = "";
	if (o.all) {
		if (dt_for_each_dax_inode(&target, l, collect_inode, &il, err, sizeof(err)))
			warn_line(o.json, err);
	} else {
		uint64_t addr, m;
		const char *kind;
		if (parse_hex(o.arg[0], &addr)) {
			error(INFO, "\"%s\" is not a hexadecimal address\n", o.arg[0]);
			return;
		}
		if (dt_resolve_mapping(&target, l, addr, &m, &kind)) {
			error(INFO, "%llx is not an inode, address_space, file or dentry "
				    "(no host inode pointing back to a mapping)\n",
			      (unsigned long long)addr);
			return;
		}
		il.mappings = malloc(sizeof(uint64_t));
		if (!il.mappings)
			return;
		il.mappings[il.n++] = m;
	}
	struct dt_pgmap_set *pms = malloc(sizeof(*pms));
	struct dt_mapping *maps = calloc((size_t)(il.n ? il.n : 1), sizeof(*maps));
	struct dt_mapping **mp = calloc((size_t)(il.n ? il.n : 1), sizeof(*mp));
	if (!pms || !maps || !mp) {
		free(pms), free(maps), free(mp), free(il.mappings);
		error(INFO, "out of memory\n");
		return;
	}
	if (dt_pgmaps_collect(&target, l, pms) && CRASHDEBUG(1))
		error(INFO, "%s\n", pms->error);
	int n = 0;
	for (int i = 0; i < il.n; i++) {
		if (dt_mapping_load(&target, l, il.mappings[i], &maps[n], err, sizeof(err))) {
			warn_line(o.json, err);
			continue;
		}
		/* with -a, list mappings that hold something */
		if (o.all && maps[n].nr == 0 && maps[n].nrpages == 0) {
			dt_mapping_free(&maps[n]);
			continue;
		}
		mp[n] = &maps[n];
		n++;
	}
	struct dt_era_choice ch;
	dt_era_choose(l, pms, mp, n, forced, &ch);
	struct dt_json j;
	struct map_ctx c = { .l = l, .pms = pms, .pages = o.pages, .j = o.json ? &j : NULL };
	if (o.json) {
		dt_json_init(&j, fp);
		dt_json_doc_begin(&j, "daxmap");
		dt_json_obj(&j, "era");
		dt_json_str(&j, "id", ch.era->id);
		dt_json_str(&j, "kernels", ch.era->kernels);
		dt_json_bool(&j, "forced", ch.forced);
		dt_json_str(&j, "why", ch.why);
		dt_json_end(&j);
		dt_json_arr(&j, "mappings");
	} else {
		fprintf(fp, "%s\n", ch.why);
		if (CRASHDEBUG(1))
			print_why(l);
	}
	for (int i = 0; i < n; i++) {
		if (!o.json && i)
			fprintf(fp, "\n");
		show_mapping(&c, mp[i], ch.era);
	}
	if (o.json) {
		dt_json_end(&j);
		dt_json_doc_end(&j);
	} else if (o.all && n == 0) {
		fprintf(fp, "no DAX inode holds entries\n");
	}
	for (int i = 0; i < n; i++)
		dt_mapping_free(mp[i]);
	free(pms), free(maps), free(mp), free(il.mappings);
}

/* ---------------------------------------------------------------- pgmap */

static const char *pgmap_hdr = "%-16s %-9s %-37s %8s %5s %-8s %10s %10s %-8s %s\n";
static const char *pgmap_fmt = "%-16llx %-9s %-37s %8llu %5u %-8s %10s %10s %-8s %s\n";

struct census_ctx {
	const struct dt_layout *l;
	struct dt_json *j;
	unsigned long printed;
};

static void page_entry(const struct dt_layout *l, const struct dt_page *p, uint64_t *raw, int *found)
{
	*found = 0;
	if (!dt_kptr_ok(p->mapping, 8))
		return;
	uint64_t host, back;
	if (dt_read_u64(&target, p->mapping + (uint64_t)l->as_host, &host) || !dt_kptr_ok(host, 8) ||
	    dt_read_u64(&target, host + (uint64_t)l->i_mapping, &back) || back != p->mapping)
		return;
	char err[120];
	if (dt_tree_load(&target, l, l->tree, p->mapping + (uint64_t)l->as_i_pages, p->index, raw,
			 err, sizeof(err)) == 0)
		*found = 1;
}

static const char *nonidle_fmt = "  %#10llx  %16llx %5d %9d  %16llx %8llu  %s\n";

static int census_cb(void *arg, const struct dt_page *p, int idle)
{
	struct census_ctx *c = arg;
	(void)idle;
	if (c->printed++ >= 4096)
		return 0;
	uint64_t raw = 0;
	int found = 0;
	if (!p->tail)
		page_entry(c->l, p, &raw, &found);
	if (c->j) {
		dt_json_obj(c->j, NULL);
		dt_json_uint(c->j, "pfn", p->pfn);
		dt_json_hex(c->j, "page", p->addr);
		dt_json_int(c->j, "refcount", p->refcount);
		dt_json_int(c->j, "mapcount_raw", p->mapcount_raw);
		dt_json_hex(c->j, "mapping", p->mapping);
		dt_json_uint(c->j, "index", p->index);
		dt_json_hex(c->j, "compound_head", p->head);
		dt_json_bool(c->j, "tail", p->tail);
		if (found && raw)
			dt_json_hex(c->j, "entry", raw);
		else
			dt_json_null(c->j, "entry");
		dt_json_end(c->j);
		return 0;
	}
	char ent[48] = "-";
	if (found && raw)
		snprintf(ent, sizeof(ent), "%#llx", (unsigned long long)raw);
	else if (p->tail)
		snprintf(ent, sizeof(ent), "tail of %llx", (unsigned long long)p->head);
	fprintf(fp, nonidle_fmt, (unsigned long long)p->pfn, (unsigned long long)p->addr,
		p->refcount, p->mapcount_raw + 1, (unsigned long long)p->mapping,
		(unsigned long long)p->index, ent);
	return 0;
}

static void pgmap_census(const struct dt_layout *l, const struct dt_pgmap *pm, struct dt_json *j)
{
	if (j)
		dt_json_arr(j, "census");
	for (int r = 0; r < pm->nr_range && r < DT_MAX_RANGES; r++) {
		uint64_t start = pm->start[r] >> 12, end = (pm->end[r] + 1) >> 12;
		struct census_ctx cc = { .l = l, .j = j };
		struct dt_census c;
		double t0 = now();
		if (j) {
			dt_json_obj(j, NULL);
			dt_json_arr(j, "nonidle");
		} else {
			fprintf(fp, "\nCENSUS %llx range %d: pfn %#llx-%#llx\n",
				(unsigned long long)pm->addr, r, (unsigned long long)start,
				(unsigned long long)end - 1);
			fprintf(fp, "  NON-IDLE PAGES (idle refcount: %d, tails 0):\n",
				dt_idle_refcount(l->refmodel, pm->type, 0));
			fprintf(fp, "  %10s  %16s %5s %9s  %16s %8s  %s\n", "PFN", "PAGE", "REFS",
				"MAPCOUNT", "MAPPING", "INDEX", "DAX ENTRY");
		}
		dt_census_range(&target, l, pm, start, end, census_cb, &cc, &c);
		double dt = now() - t0;
		if (j) {
			dt_json_end(j);
			dt_json_uint(j, "start", c.start);
			dt_json_uint(j, "end", c.end);
			dt_json_uint(j, "pages", c.pages);
			dt_json_uint(j, "unreadable", c.unreadable);
			dt_json_str(j, "unreadable_why", c.unreadable_why[0] ? c.unreadable_why : NULL);
			dt_json_uint(j, "tails", c.tails);
			dt_json_uint(j, "altmap_skipped", c.altmap_skipped);
			dt_json_obj(j, "histogram");
			for (int b = 0; b < c.nr_buckets; b++) {
				char k[16];
				snprintf(k, sizeof(k), "%d", c.hist[b].refcount);
				dt_json_uint(j, k, c.hist[b].pages);
			}
			dt_json_end(j);
			dt_json_uint(j, "histogram_other", c.hist_other);
			dt_json_uint(j, "nonidle_total", c.nonidle_total);
			dt_json_uint(j, "nonidle_tails", c.nonidle_tails);
			dt_json_bool(j, "nonidle_truncated", c.nonidle_total > 4096);
			dt_json_uint(j, "reads", c.reads);
			dt_json_end(j);
			continue;
		}
		if (c.nonidle_total == 0)
			fprintf(fp, "  (none)\n");
		else if (c.nonidle_total > 4096)
			fprintf(fp, "  ... %llu more not shown\n",
				(unsigned long long)(c.nonidle_total - 4096));
		fprintf(fp, "  REFCOUNT HISTOGRAM:\n");
		for (int b = 0; b < c.nr_buckets; b++)
			fprintf(fp, "  %10d  %llu\n", c.hist[b].refcount,
				(unsigned long long)c.hist[b].pages);
		if (c.hist_other)
			fprintf(fp, "  %10s  %llu\n", "other", (unsigned long long)c.hist_other);
		fprintf(fp, "  PAGES: %llu  TAILS: %llu  NON-IDLE: %llu  UNREADABLE: %llu  "
			    "ALTMAP: %llu  (%llu reads, %.3f s)\n",
			(unsigned long long)c.pages, (unsigned long long)c.tails,
			(unsigned long long)c.nonidle_total, (unsigned long long)c.unreadable,
			(unsigned long long)c.altmap_skipped, (unsigned long long)c.reads, dt);
		if (c.unreadable)
			fprintf(fp, "  UNREADABLE: %s\n", c.unreadable_why);
	}
	if (j)
		dt_json_end(j);
}

static const struct dt_daxdevs *pgmap_devs;	/* for owner names, during one pgmap command */

static const char *owner_name(const struct dt_pgmap *pm)
{
	/* P2PDMA: the PCI device providing the memory (devmem.h) */
	if (pm->devmem.p2p_read && pm->devmem.provider_name[0])
		return pm->devmem.provider_name;
	return pgmap_devs ? dt_pgmap_owner_name(pgmap_devs, pm->addr, pm->owner) : NULL;
}

/* Device-private census and P2PDMA provider/pool of a pgmap (core/devmem.h); null if neither. */
static void pgmap_devmem_json(const struct dt_pgmap *pm, struct dt_json *j)
{
	const struct dt_devmem *d = &pm->devmem;
	if (!d->census_read && !d->p2p_read && !d->error[0]) {
		dt_json_null(j, "devmem");
		return;
	}
	dt_json_obj(j, "devmem");
	if (d->census_read) {
		dt_json_uint(j, "allocated_pages", d->allocated);
		dt_json_uint(j, "unmapped_allocated_pages", d->unmapped);
		dt_json_uint(j, "unreadable_pages", d->unreadable);
	}
	if (d->p2p_read) {
		dt_json_hex(j, "provider", d->provider);
		dt_json_str(j, "provider_name", d->provider_name[0] ? d->provider_name : NULL);
		dt_json_hex(j, "pool", d->pool);
		dt_json_uint(j, "pool_bytes", d->pool_bytes);
		dt_json_uint(j, "pool_allocated_bytes", d->pool_bytes - d->pool_avail);
	}
	dt_json_str(j, "error", d->error[0] ? d->error : NULL);
	dt_json_end(j);
}

static void pgmap_json(const struct dt_layout *l, const struct dt_pgmap *pm, struct dt_json *j,
		       int census)
{
	char b1[128];
	dt_json_obj(j, NULL);
	dt_json_hex(j, "address", pm->addr);
	dt_json_int(j, "type", pm->type_value);
	dt_json_str(j, "type_name", pm->type ? dt_mtype_name(pm->type) : NULL);
	dt_json_hex(j, "flags", pm->flags);
	dt_json_bool(j, "altmap_valid", pm->altmap_valid);
	dt_json_obj(j, "altmap");
	dt_json_uint(j, "base_pfn", pm->am_base_pfn);
	dt_json_uint(j, "end_pfn", pm->am_end_pfn);
	dt_json_uint(j, "reserve", pm->am_reserve);
	dt_json_uint(j, "free", pm->am_free);
	dt_json_uint(j, "align", pm->am_align);
	dt_json_uint(j, "alloc", pm->am_alloc);
	dt_json_end(j);
	dt_json_uint(j, "altmap_offset", pm->altmap_offset);
	dt_json_uint(j, "vmemmap_shift", pm->vmemmap_shift);
	dt_json_int(j, "nr_range", pm->nr_range);
	dt_json_arr(j, "ranges");
	for (int r = 0; r < pm->nr_range && r < DT_MAX_RANGES; r++) {
		dt_json_obj(j, NULL);
		dt_json_hex(j, "start", pm->start[r]);
		dt_json_hex(j, "end", pm->end[r]);
		dt_json_uint(j, "pfn_first", pm->pfn_first[r]);
		dt_json_uint(j, "pfn_end", pm->pfn_end[r]);
		/* vmemmap_shift is the dump's word: a corrupted one must not shift by >= 64 */
		dt_json_uint(j, "pfn_len", pm->vmemmap_shift < 64 ?
				 (pm->pfn_end[r] - pm->pfn_first[r]) >> pm->vmemmap_shift : 0);
		dt_json_end(j);
	}
	dt_json_end(j);
	dt_json_obj(j, "registry");
	dt_json_uint(j, "first_pfn", pm->reg_first);
	dt_json_uint(j, "last_pfn", pm->reg_last);
	dt_json_uint(j, "pfns", pm->reg_pfns);
	dt_json_end(j);
	dt_json_hex(j, "ops", pm->ops);
	dt_json_str(j, "ops_symbol", dt_symname(&target, pm->ops, b1, sizeof(b1)));
	dt_json_hex(j, "owner", pm->owner);
	dt_json_str(j, "owner_symbol", dt_symname(&target, pm->owner, b1, sizeof(b1)));
	dt_json_str(j, "owner_device", owner_name(pm));
	pgmap_devmem_json(pm, j);
	dt_json_uint(j, "done", pm->done);
	dt_json_obj(j, "ref");
	dt_json_hex(j, "address", pm->ref_addr);
	if (pm->ref_read) {
		const struct dt_pref_raw *r = &pm->ref;
		dt_json_hex(j, "percpu_count_ptr", r->percpu_count_ptr);
		dt_json_hex(j, "data", r->data);
		dt_json_hex(j, "flags", r->percpu_count_ptr & DT_PERCPU_REF_ATOMIC_DEAD);
		dt_json_hex(j, "atomic", r->count);
		dt_json_str(j, "release_symbol", dt_symname(&target, r->release, b1, sizeof(b1)));
		dt_json_hex(j, "confirm_switch", r->confirm_switch);
		dt_json_hex(j, "data_ref", r->data_ref);
		dt_json_str(j, "mode", dt_pref_mode_name(pm->ref_state.mode));
		dt_json_arr(j, "percpu");
		for (int i = 0; i < r->nr_cpus && i < 64; i++) {
			dt_json_obj(j, NULL);
			dt_json_int(j, "cpu", r->cpu[i]);
			dt_json_int(j, "value", (int64_t)r->percpu[i]);
			dt_json_end(j);
		}
		dt_json_end(j);
		dt_json_int(j, "percpu_sum", (int64_t)r->percpu_sum);
		if (pm->ref_state.count_known)
			dt_json_int(j, "true_count", pm->ref_state.true_count);
		else
			dt_json_null(j, "true_count");
		dt_json_str(j, "true_count_rule", pm->ref_state.rule);
		dt_json_null(j, "error");
	} else {
		dt_json_str(j, "mode", NULL);
		dt_json_null(j, "true_count");
		dt_json_str(j, "error", pm->ref_error);
	}
	dt_json_end(j);
	dt_json_obj(j, "expected");
	dt_json_str(j, "model", dt_refmodel_name(l->refmodel));
	dt_json_bool(j, "applies", pm->expect.applies);
	if (pm->expect.applies) {
		dt_json_int(j, "count", pm->expect.expected);
		dt_json_int(j, "count_max", pm->expect.expected_max);
	} else {
		dt_json_null(j, "count");
		dt_json_null(j, "count_max");
	}
	dt_json_int(j, "bulk", pm->expect.bulk);
	dt_json_str(j, "rule", pm->expect.rule);
	dt_json_end(j);
	dt_json_str(j, "verdict", pm->verdict);
	if (census)
		pgmap_census(l, pm, j);
	dt_json_end(j);
}

/*
 * A pgmap with a valid altmap (namespace created with --map=dev) keeps its struct pages in
 * the device's own memory (vmem_altmap: memmap_init_zone_device() on pages the altmap
 * allocates), which a kdump of System RAM never holds.  Probed on the first pfn after the
 * altmap's reserve (vmem_altmap_offset()); the text says so in one line instead of leaving
 * only "unreadable" pages.  Same wording as drgn/daxtriage/cli.py.
 */
static int memmap_on_device_missing(const struct dt_layout *l, const struct dt_pgmap *pm)
{
	static struct dt_page_info pi;
	if (!pm->altmap_valid || pm->nr_range < 1)
		return 0;
	return dt_page_describe(&target, l, (pm->start[0] >> 12) + pm->altmap_offset, &pi) != 0;
}

static const char *memmap_on_device_fmt =
	"struct pages of pgmap %llx (pfn %#llx-%#llx) are in device memory (altmap, namespace "
	"map=dev) and not in this dump: no page refcounts, census or page checks for it; pgmap, "
	"percpu_ref and DAX entries are still read\n";

static void pgmap_line(const struct dt_layout *l, const struct dt_pgmap *pm)
{
	char range[64], tc[24], ex[48], alt[24], b1[128];
	(void)l;
	snprintf(range, sizeof(range), "%#llx-%#llx", (unsigned long long)pm->start[0],
		 (unsigned long long)pm->end[0]);
	if (pm->ref_read && pm->ref_state.count_known)
		snprintf(tc, sizeof(tc), "%lld", (long long)pm->ref_state.true_count);
	else
		snprintf(tc, sizeof(tc), "-");
	if (pm->expect.applies && pm->expect.expected_max > pm->expect.expected)
		snprintf(ex, sizeof(ex), "%lld-%lld", (long long)pm->expect.expected,
			 (long long)pm->expect.expected_max);
	else if (pm->expect.applies)
		snprintf(ex, sizeof(ex), "%lld", (long long)pm->expect.expected);
	else
		snprintf(ex, sizeof(ex), "-");
	if (pm->altmap_valid)
		snprintf(alt, sizeof(alt), "%llu", (unsigned long long)pm->altmap_offset);
	else
		snprintf(alt, sizeof(alt), "-");
	uint64_t pages = 0;
	for (int r = 0; r < pm->nr_range && r < DT_MAX_RANGES; r++)
		pages += ((pm->end[r] + 1) >> 12) - (pm->start[r] >> 12);
	fprintf(fp, pgmap_fmt, (unsigned long long)pm->addr, short_type(pm->type), range,
		(unsigned long long)pages, pm->vmemmap_shift, alt,
		tc, ex, pm->verdict,
		pm->ref_read ? dt_pref_mode_name(pm->ref_state.mode) : pm->ref_error);
	for (int r = 1; r < pm->nr_range && r < DT_MAX_RANGES; r++) {
		snprintf(range, sizeof(range), "%#llx-%#llx", (unsigned long long)pm->start[r],
			 (unsigned long long)pm->end[r]);
		fprintf(fp, "%-16s %-9s %s\n", "", "", range);
	}
	const char *on = owner_name(pm);
	fprintf(fp, "%-16s %-9s device: %s  ops: %s  owner: %llx  ref: %llx (%s)  percpu sum: %lld  "
		    "rule: %s\n", "", "", on ? on : "-", symname(pm->ops, b1, sizeof(b1)),
		(unsigned long long)pm->owner, (unsigned long long)pm->ref_addr,
		pm->ref_read ? pm->ref_state.rule : "unread",
		(long long)pm->ref.percpu_sum, pm->expect.rule);
	const struct dt_devmem *d = &pm->devmem;
	char b2[128];
	if (pm->owner && dt_symname(&target, pm->owner, b2, sizeof(b2)))
		fprintf(fp, "%-16s %-9s owner: %s\n", "", "", b2);
	if (d->census_read)
		fprintf(fp, "%-16s %-9s device-private: %llu allocated pages (refcount 1, one pgmap ref "
			"each), %llu of them mapped by no process\n", "", "",
			(unsigned long long)d->allocated, (unsigned long long)d->unmapped);
	if (d->p2p_read)
		fprintf(fp, "%-16s %-9s p2pdma: provider %s (pci_dev %llx), gen_pool %llx: %llu KiB, "
			"%llu KiB allocated\n", "", "", d->provider_name[0] ? d->provider_name : "?",
			(unsigned long long)d->provider, (unsigned long long)d->pool,
			(unsigned long long)d->pool_bytes >> 10,
			(unsigned long long)(d->pool_bytes - d->pool_avail) >> 10);
	if (d->error[0])
		fprintf(fp, "%-16s %-9s device memory: %s\n", "", "", d->error);
	if (memmap_on_device_missing(l, pm)) {
		fprintf(fp, "%-16s %-9s ", "", "");
		fprintf(fp, memmap_on_device_fmt, (unsigned long long)pm->addr,
			(unsigned long long)(pm->start[0] >> 12),
			(unsigned long long)(pm->end[0] >> 12));
	}
}

/*
 * pgmap --raw-read START_PFN END_PFN [CHUNK]: hidden, for make bench (docs/performance.md).
 * Reads the struct pages of pfns [START, END) with one readmem per CHUNK struct pages (default:
 * the census's DT_MEMMAP_CHUNK) and decodes nothing: the read rate the census is bounded by.
 */
static void pgmap_raw_read(const struct dt_layout *l)
{
	uint64_t start, end, chunk = DT_MEMMAP_CHUNK, a, reads = 0, failed = 0, bytes = 0;
	size_t ps = (size_t)l->page_size;
	if (parse_hex(args[2], &start) || parse_hex(args[3], &end) || end < start ||
	    (argcnt == 5 && (parse_hex(args[4], &chunk) || !chunk || chunk > (1u << 20))) || !ps) {
		error(INFO, "usage: pgmap --raw-read START_PFN END_PFN [CHUNK] (hexadecimal)\n");
		return;
	}
	unsigned char *buf = malloc(ps * chunk);
	if (!buf) {
		error(INFO, "out of memory\n");
		return;
	}
	double t0 = now();
	for (uint64_t pfn = start; pfn < end; pfn += chunk) {
		uint64_t n = end - pfn < chunk ? end - pfn : chunk;
		reads++;
		if (dt_pfn_to_page(&target, l, pfn, &a) || dt_read(&target, a, buf, ps * n))
			failed++;
		else
			bytes += ps * n;
	}
	double dt = now() - t0;
	free(buf);
	fprintf(fp, "RAW-READ: %llu pages, %llu bytes, %llu reads (%llu failed), %.6f s\n",
		(unsigned long long)(end - start), (unsigned long long)bytes,
		(unsigned long long)reads, (unsigned long long)failed, dt);
}

static void cmd_pgmap(void)
{
	struct opts o;
	if (argcnt >= 4 && argcnt <= 5 && strcmp(args[1], "--raw-read") == 0) {
		const struct dt_layout *rl = get_layout();
		if (rl)
			pgmap_raw_read(rl);
		return;
	}
	if (parse_opts("pj", &o) || o.nargs > 1)
		cmd_usage(pc->curcmd, SYNOPSIS);
	const struct dt_layout *l = get_layout();
	if (!l)
		return;
	uint64_t want = 0;
	if (o.nargs && parse_hex(o.arg[0], &want)) {
		error(INFO, "\"%s\" is not a hexadecimal address or pfn\n", o.arg[0]);
		return;
	}
	struct dt_pgmap_set *pms = malloc(sizeof(*pms));
	if (!pms) {
		error(INFO, "out of memory\n");
		return;
	}
	if (dt_pgmaps_collect(&target, l, pms))
		warn_line(o.json, pms->error);
	struct dt_daxdevs *devs = malloc(sizeof(*devs));
	if (devs)
		dt_daxdevs_collect(&target, l, devs);
	pgmap_devs = devs;
	const struct dt_pgmap *only = NULL;
	struct dt_pgmap extra;
	if (o.nargs) {
		for (int i = 0; i < pms->n; i++)
			if (pms->pm[i].addr == want)
				only = &pms->pm[i];
		if (!only && !dt_kptr_ok(want, 8))
			only = dt_pgmap_of_pfn(pms, want);
		if (!only && dt_kptr_ok(want, 8)) {
			char err[160];
			if (dt_pgmap_read(&target, l, want, &extra, err, sizeof(err)) == 0) {
				error(INFO, "%llx is not in the pgmap registry; shown as read\n",
				      (unsigned long long)want);
				only = &extra;
			}
		}
		if (!only) {
			error(INFO, "no pgmap at or holding %s\n", o.arg[0]);
			free(pms), free(devs), pgmap_devs = NULL;
			return;
		}
	}
	if (o.json) {
		struct dt_json j;
		dt_json_init(&j, fp);
		dt_json_doc_begin(&j, "pgmap");
		dt_json_str(&j, "refcount_model", dt_refmodel_name(l->refmodel));
		dt_json_arr(&j, "pgmaps");
		for (int i = 0; i < pms->n; i++)
			if (!only || only == &pms->pm[i])
				pgmap_json(l, &pms->pm[i], &j, o.pages);
		if (only == &extra)
			pgmap_json(l, &extra, &j, o.pages);
		dt_json_end(&j);
		dt_json_doc_end(&j);
		free(pms), free(devs), pgmap_devs = NULL;
		return;
	}
	fprintf(fp, pgmap_hdr, "PGMAP", "TYPE", "RANGE (PHYSICAL, INCLUSIVE)", "PAGES", "SHIFT",
		"ALTMAP", "TRUE COUNT", "EXPECTED", "VERDICT", "REF MODE");
	for (int i = 0; i < pms->n; i++)
		if (!only || only == &pms->pm[i])
			pgmap_line(l, &pms->pm[i]);
	if (only == &extra)
		pgmap_line(l, &extra);
	if (o.pages)
		for (int i = 0; i < pms->n; i++)
			if (!only || only == &pms->pm[i])
				pgmap_census(l, &pms->pm[i], NULL);
	if (o.pages && only == &extra)
		pgmap_census(l, &extra, NULL);
	free(pms), free(devs), pgmap_devs = NULL;
}

/* ---------------------------------------------------------------- daxdev */

static const char *daxdev_hdr = "%-16s %-6s %-7s %-35s %-14s %-16s %s\n";
static const char *daxdev_fmt = "%-16llx %-6s %-7s %-35s %-14s %-16llx %s\n";

static const char *kind_name(enum dt_daxdev_kind k)
{
	return k == DT_DAXDEV_PMEM ? "pmem" : k == DT_DAXDEV_DEVDAX ? "devdax" : "?";
}

static struct dt_daxdevs *collect_daxdevs(const struct dt_layout *l)
{
	struct dt_daxdevs *s = malloc(sizeof(*s));
	if (!s) {
		error(INFO, "out of memory\n");
		return NULL;
	}
	dt_daxdevs_collect(&target, l, s);
	return s;
}

static void daxdev_json(const struct dt_daxdevs *s, struct dt_json *j)
{
	char b[128];
	dt_json_arr(j, "dax_devices");
	for (int i = 0; i < s->n; i++) {
		const struct dt_daxdev *d = &s->d[i];
		dt_json_obj(j, NULL);
		dt_json_hex(j, "address", d->addr);
		dt_json_hex(j, "inode", d->inode);
		dt_json_str(j, "kind", d->kind == DT_DAXDEV_UNKNOWN ? NULL : kind_name(d->kind));
		dt_json_str(j, "name", d->name[0] ? d->name : NULL);
		dt_json_uint(j, "major", d->rdev >> 20);
		dt_json_uint(j, "minor", d->rdev & 0xfffff);
		dt_json_hex(j, "flags", d->flags);
		dt_json_str(j, "flag_names", d->flags_known ? d->flag_names : NULL);
		dt_json_bool(j, "alive", d->alive);
		dt_json_hex(j, "ops", d->ops);
		dt_json_str(j, "ops_symbol", dt_symname(&target, d->ops, b, sizeof(b)));
		dt_json_hex(j, "private", d->private);
		if (d->has_holder) {
			dt_json_hex(j, "holder_data", d->holder_data);
			dt_json_hex(j, "holder_ops", d->holder_ops);
			dt_json_str(j, "holder_ops_symbol", dt_symname(&target, d->holder_ops, b, sizeof(b)));
		}
		dt_json_hex(j, "gendisk", d->gendisk);
		if (d->pmem_read) {
			dt_json_obj(j, "pmem");
			dt_json_hex(j, "address", d->private);
			dt_json_hex(j, "phys_addr", d->phys_addr);
			dt_json_hex(j, "data_offset", d->data_offset);
			dt_json_hex(j, "size", d->size);
			dt_json_hex(j, "pgmap", d->pmem_pgmap);
			dt_json_hex(j, "disk", d->disk);
			dt_json_end(j);
		} else {
			dt_json_null(j, "pmem");
		}
		dt_json_arr(j, "mounted");
		for (int k = 0; k < s->nsb; k++)
			if (s->sb[k].known && s->sb[k].daxdev == d->addr) {
				dt_json_obj(j, NULL);
				dt_json_hex(j, "sb", s->sb[k].sb);
				dt_json_str(j, "fs", s->sb[k].fs);
				dt_json_str(j, "id", s->sb[k].id);
				dt_json_end(j);
			}
		dt_json_end(j);
		dt_json_end(j);
	}
	dt_json_end(j);
	dt_json_arr(j, "dev_dax");
	for (int i = 0; i < s->ndd; i++) {
		const struct dt_devdax *dd = &s->dd[i];
		dt_json_obj(j, NULL);
		dt_json_hex(j, "address", dd->addr);
		dt_json_hex(j, "device", dd->dev);
		dt_json_str(j, "name", dd->name[0] ? dd->name : NULL);
		dt_json_bool(j, "read", dd->read_ok);
		if (dd->read_ok) {
			dt_json_hex(j, "dax_dev", dd->dax_dev);
			dt_json_hex(j, "pgmap", dd->pgmap);
			dt_json_uint(j, "align", dd->align);
			dt_json_int(j, "id", dd->id);
			dt_json_int(j, "target_node", dd->target_node);
			dt_json_arr(j, "ranges");
			for (int r = 0; r < dd->nr_range && r < DT_DEVDAX_RANGES; r++) {
				dt_json_obj(j, NULL);
				dt_json_uint(j, "pgoff", dd->pgoff[r]);
				dt_json_hex(j, "start", dd->start[r]);
				dt_json_hex(j, "end", dd->end[r]);
				dt_json_end(j);
			}
			dt_json_end(j);
			dt_json_hex(j, "region", dd->region);
			if (dd->region_read) {
				dt_json_obj(j, "region_info");
				dt_json_int(j, "id", dd->region_id);
				dt_json_uint(j, "align", dd->region_align);
				dt_json_hex(j, "start", dd->res_start);
				dt_json_hex(j, "end", dd->res_end);
				dt_json_str(j, "device", dd->region_dev[0] ? dd->region_dev : NULL);
				dt_json_end(j);
			}
		}
		dt_json_end(j);
	}
	dt_json_end(j);
	dt_json_arr(j, "superblocks");
	for (int k = 0; k < s->nsb; k++) {
		dt_json_obj(j, NULL);
		dt_json_hex(j, "sb", s->sb[k].sb);
		dt_json_str(j, "fs", s->sb[k].fs);
		dt_json_str(j, "id", s->sb[k].id);
		dt_json_bool(j, "known", s->sb[k].known);
		if (s->sb[k].known)
			dt_json_hex(j, "dax_dev", s->sb[k].daxdev);
		else
			dt_json_null(j, "dax_dev");
		dt_json_end(j);
	}
	dt_json_end(j);
	dt_json_arr(j, "missing_debuginfo");
	for (int i = 0; i < s->nmissing; i++)
		dt_json_str(j, NULL, s->missing[i]);
	dt_json_end(j);
	dt_json_str(j, "error", s->error[0] ? s->error : NULL);
}

static void cmd_daxdev(void)
{
	struct opts o;
	if (parse_opts("j", &o) || o.nargs)
		cmd_usage(pc->curcmd, SYNOPSIS);
	const struct dt_layout *l = get_layout();
	if (!l)
		return;
	struct dt_daxdevs *s = collect_daxdevs(l);
	if (!s)
		return;
	if (o.json) {
		struct dt_json j;
		dt_json_init(&j, fp);
		dt_json_doc_begin(&j, "daxdev");
		daxdev_json(s, &j);
		dt_json_doc_end(&j);
		free(s);
		return;
	}
	char b1[128], b2[128];
	if (s->error[0])
		error(INFO, "%s\n", s->error);
	fprintf(fp, daxdev_hdr, "DAX_DEVICE", "KIND", "NAME", "FLAGS", "OPS", "PRIVATE", "HOLDER");
	for (int i = 0; i < s->n; i++) {
		const struct dt_daxdev *d = &s->d[i];
		char holder[160];
		if (!d->has_holder)
			snprintf(holder, sizeof(holder), "(no holder in this kernel)");
		else if (!d->holder_data && !d->holder_ops)
			snprintf(holder, sizeof(holder), "-");
		else
			snprintf(holder, sizeof(holder), "%llx %s", (unsigned long long)d->holder_data,
				 symname(d->holder_ops, b2, sizeof(b2)));
		fprintf(fp, daxdev_fmt, (unsigned long long)d->addr, kind_name(d->kind),
			d->name[0] ? d->name : "-", d->flags_known ? d->flag_names : "?",
			symname(d->ops, b1, sizeof(b1)), (unsigned long long)d->private, holder);
		if (d->pmem_read)
			fprintf(fp, "  pmem_device %llx: phys_addr %#llx size %#llx data_offset %#llx "
				    "pgmap %llx disk %llx\n", (unsigned long long)d->private,
				(unsigned long long)d->phys_addr, (unsigned long long)d->size,
				(unsigned long long)d->data_offset, (unsigned long long)d->pmem_pgmap,
				(unsigned long long)d->disk);
		if (d->devdax >= 0) {
			const struct dt_devdax *dd = &s->dd[d->devdax];
			fprintf(fp, "  dev_dax %llx %s: align %#x pgmap %llx", (unsigned long long)dd->addr,
				dd->name, dd->align, (unsigned long long)dd->pgmap);
			for (int r = 0; r < dd->nr_range && r < DT_DEVDAX_RANGES; r++)
				fprintf(fp, " range %#llx-%#llx (pgoff %llu)", (unsigned long long)dd->start[r],
					(unsigned long long)dd->end[r], (unsigned long long)dd->pgoff[r]);
			fprintf(fp, "\n");
			if (dd->region_read)
				fprintf(fp, "  dax_region %llx: id %d %s align %#x res %#llx-%#llx\n",
					(unsigned long long)dd->region, dd->region_id,
					dd->region_dev[0] ? dd->region_dev : "-", dd->region_align,
					(unsigned long long)dd->res_start, (unsigned long long)dd->res_end);
		}
		for (int k = 0; k < s->nsb; k++)
			if (s->sb[k].known && s->sb[k].daxdev == d->addr)
				fprintf(fp, "  mounted: %s %s (super_block %llx)\n", s->sb[k].fs, s->sb[k].id,
					(unsigned long long)s->sb[k].sb);
	}
	for (int i = 0; i < s->ndd; i++)
		if (!s->dd[i].read_ok)
			fprintf(fp, "  dax bus device %llx %s: struct dev_dax not readable\n",
				(unsigned long long)s->dd[i].dev, s->dd[i].name);
	for (int i = 0; i < s->nmissing; i++)
		fprintf(fp, "DEBUGINFO MISSING: %s\n", s->missing[i]);
	free(s);
}

/* ---------------------------------------------------------------- daxcheck */

static void finding_json(const struct dt_finding *f, struct dt_json *j)
{
	dt_json_obj(j, NULL);
	dt_json_str(j, "check", f->check ? f->check->id : NULL);
	dt_json_str(j, "severity", dt_severity_name(f->severity));
	dt_json_str(j, "title", f->check ? f->check->title : NULL);
	dt_json_str(j, "headline", f->headline);
	dt_json_str(j, "object", f->object);
	dt_json_str(j, "evidence", f->evidence);
	dt_json_str(j, "means", f->check ? f->check->means : NULL);
	dt_json_str(j, "next", f->check ? f->check->next : NULL);
	const struct dt_bug_class *bc = dt_finding_bug_class(f);
	if (bc) {
		dt_json_obj(j, "bug_class");
		dt_json_str(j, "name", bc->name);
		dt_json_str(j, "thread", bc->thread);
		dt_json_end(j);
	} else {
		dt_json_null(j, "bug_class");
	}
	if (f->has_pfn)
		dt_json_uint(j, "pfn", f->pfn);
	else
		dt_json_null(j, "pfn");
	dt_json_hex(j, "page", f->page);
	dt_json_hex(j, "pgmap", f->pgmap);
	dt_json_hex(j, "mapping", f->mapping);
	dt_json_hex(j, "inode", f->inode);
	dt_json_uint(j, "ino", f->ino);
	if (f->refcount >= 0)
		dt_json_int(j, "refcount", f->refcount);
	else
		dt_json_null(j, "refcount");
	if (f->has_entry) {
		dt_json_obj(j, "entry");
		dt_json_uint(j, "index", f->entry_index);
		dt_json_hex(j, "raw", f->entry);
		dt_json_uint(j, "pfn", f->entry_pfn);
		dt_json_int(j, "order", f->entry_order);
		dt_json_end(j);
	} else {
		dt_json_null(j, "entry");
	}
	if (f->has_fault) {
		dt_json_obj(j, "fault");
		dt_json_hex(j, "address", f->fault_address);
		dt_json_str(j, "function", f->fault_function);
		dt_json_str(j, "rip", f->fault_rip);
		dt_json_arr(j, "members");
		for (int i = 0; i < f->nmembers; i++)
			dt_json_str(j, NULL, f->members[i]);
		dt_json_end(j);
		dt_json_end(j);
	} else {
		dt_json_null(j, "fault");
	}
	dt_json_arr(j, "tasks");
	for (int i = 0; i < f->ntasks; i++) {
		dt_json_obj(j, NULL);
		dt_json_int(j, "pid", f->tasks[i].pid);
		dt_json_str(j, "comm", f->tasks[i].comm);
		char st[2] = { f->tasks[i].state, 0 };
		dt_json_str(j, "state", st);
		dt_json_hex(j, "task", f->tasks[i].task);
		dt_json_str(j, "frame", f->tasks[i].frame);
		dt_json_end(j);
	}
	dt_json_end(j);
	dt_json_arr(j, "holders");
	for (int i = 0; i < f->nholders; i++) {
		dt_json_obj(j, NULL);
		dt_json_str(j, "kind", "pipe");
		dt_json_int(j, "pid", f->holders[i].pid);
		dt_json_str(j, "comm", f->holders[i].comm);
		dt_json_int(j, "fd", f->holders[i].fd);
		dt_json_hex(j, "pipe", f->holders[i].pipe);
		dt_json_int(j, "slot", f->holders[i].slot);
		dt_json_hex(j, "buffer_page", f->holders[i].page);
		dt_json_str(j, "ops", f->holders[i].ops);
		dt_json_end(j);
	}
	dt_json_end(j);
	dt_json_str(j, "holders_note", f->holders_note[0] ? f->holders_note : NULL);
	dt_json_end(j);
}

static const char *check_indent = "                 ";

static void finding_text(const struct dt_finding *f, int verbose)
{
	fprintf(fp, "%-8s %-7s %s\n", dt_severity_name(f->severity), f->check ? f->check->id : "?",
		f->headline);
	fprintf(fp, "%sobject:   %s\n", check_indent, f->object);
	fprintf(fp, "%sevidence: %s\n", check_indent, f->evidence);
	if (f->dump_page[0])
		fprintf(fp, "%s%s\n", check_indent, f->dump_page);
	if (f->has_fault) {
		fprintf(fp, "%sfault:    %#llx in %s:", check_indent,
			(unsigned long long)f->fault_address, f->fault_rip);
		for (int i = 0; i < f->nmembers; i++)
			fprintf(fp, "%s %s", i ? "," : "", f->members[i]);
		fprintf(fp, "%s\n", f->nmembers ? "" : " no known member");
	}
	for (int i = 0; i < f->ntasks; i++)
		fprintf(fp, "%stask:     pid %d (%s) state %c task %llx in %s\n", check_indent,
			f->tasks[i].pid, f->tasks[i].comm, f->tasks[i].state,
			(unsigned long long)f->tasks[i].task, f->tasks[i].frame);
	for (int i = 0; i < f->nholders; i++) {
		char tail[64] = "";
		if (f->holders[i].page != f->page)
			snprintf(tail, sizeof(tail), ", tail page %llx",
				 (unsigned long long)f->holders[i].page);
		fprintf(fp, "%sholder:   pid %d (%s) fd %d: pipe %llx buffer %d (%s%s)\n", check_indent,
			f->holders[i].pid, f->holders[i].comm, f->holders[i].fd,
			(unsigned long long)f->holders[i].pipe, f->holders[i].slot, f->holders[i].ops,
			tail);
	}
	if (f->holders_note[0])
		fprintf(fp, "%sholder:   %s\n", check_indent, f->holders_note);
	if (f->check && (verbose || f->severity != DT_SEV_INFO)) {
		fprintf(fp, "%smeans:    %s\n", check_indent, f->check->means);
		fprintf(fp, "%snext:     %s\n", check_indent, f->check->next);
	}
}

/*
 * The last report, kept for daxpage: a dump does not change under the session, so one
 * daxcheck run (about a second per GiB of pgmap ranges) serves every daxpage.  daxcheck
 * always runs afresh; on a live system nothing is kept.
 */
static struct dt_report last_report;
static int last_report_ok;

static const struct dt_report *run_checks(const struct dt_layout *l, int fresh)
{
	if (last_report_ok && !fresh && !ACTIVE())
		return &last_report;
	if (last_report_ok)
		dt_report_free(&last_report);
	last_report_ok = 0;
	if (dt_check_all(&target, l, &last_report)) {
		error(INFO, "checks cannot run: %s\n", l->error);
		return NULL;
	}
	last_report_ok = 1;
	return &last_report;
}

static void cmd_daxcheck(void)
{
	int verbose = 0, json = 0;
	for (int i = 1; i < argcnt; i++) {
		if (strcmp(args[i], "-v") == 0)
			verbose = 1;
		else if (strcmp(args[i], "-j") == 0)
			json = 1;
		else if (strcmp(args[i], "-vj") == 0 || strcmp(args[i], "-jv") == 0)
			verbose = json = 1;
		else
			cmd_usage(pc->curcmd, SYNOPSIS);
	}
	const struct dt_layout *l = get_layout();
	if (!l)
		return;
	double t0 = now();
	const struct dt_report *rp = run_checks(l, 1);
	if (!rp)
		return;
	const struct dt_report r = *rp;
	double dt = now() - t0;
	if (json) {
		struct dt_json j;
		dt_json_init(&j, fp);
		dt_json_doc_begin(&j, "daxcheck");
		dt_json_str(&j, "era", r.era.era ? r.era.era->id : NULL);
		dt_json_str(&j, "refcount_model", dt_refmodel_name(l->refmodel));
		dt_json_obj(&j, "scanned");
		dt_json_int(&j, "pgmaps", r.pgmaps);
		dt_json_int(&j, "mappings", r.mappings);
		dt_json_uint(&j, "entries", r.entries);
		dt_json_uint(&j, "pages", r.pages);
		dt_json_int(&j, "tasks", r.tasks);
		dt_json_int(&j, "blocked_tasks", r.blocked_tasks);
		dt_json_int(&j, "dax_devices", r.daxdevs);
		dt_json_end(&j);
		dt_json_arr(&j, "findings");
		for (int i = 0; i < r.n; i++)
			finding_json(&r.f[i], &j);
		dt_json_end(&j);
		dt_json_arr(&j, "checks");
		for (int i = 0; i < r.nstate; i++) {
			const struct dt_check_state *s = &r.state[i];
			dt_json_obj(&j, NULL);
			dt_json_str(&j, "id", s->check->id);
			dt_json_str(&j, "severity", dt_severity_name(s->check->severity));
			dt_json_str(&j, "title", s->check->title);
			dt_json_bool(&j, "evaluated", s->evaluated);
			dt_json_uint(&j, "objects", s->objects);
			dt_json_str(&j, "note", s->note[0] ? s->note : NULL);
			dt_json_end(&j);
		}
		dt_json_end(&j);
		dt_json_arr(&j, "notes");
		for (int i = 0; i < r.nnotes; i++)
			dt_json_str(&j, NULL, r.notes[i]);
		dt_json_end(&j);
		dt_json_obj(&j, "summary");
		dt_json_int(&j, "error", dt_report_count(&r, DT_SEV_ERROR));
		dt_json_int(&j, "warning", dt_report_count(&r, DT_SEV_WARNING));
		dt_json_int(&j, "info", dt_report_count(&r, DT_SEV_INFO));
		dt_json_end(&j);
		dt_json_doc_end(&j);
		return;
	}
	fprintf(fp, "daxcheck: %d pgmaps, %d DAX mappings (%lu entries), %lu pages, %d tasks "
		    "(%d breaking layouts), %d dax_devices; era %s, refcounts %s (%.2f s)\n",
		r.pgmaps, r.mappings, r.entries, r.pages, r.tasks, r.blocked_tasks, r.daxdevs,
		r.era.era ? r.era.era->id : "?", dt_refmodel_name(l->refmodel), dt);
	for (int sev = DT_SEV_ERROR; sev >= DT_SEV_INFO; sev--)
		for (int i = 0; i < r.n; i++)
			if ((int)r.f[i].severity == sev)
				finding_text(&r.f[i], verbose);
	if (verbose) {
		fprintf(fp, "\nCHECKS:\n");
		for (int i = 0; i < r.nstate; i++) {
			const struct dt_check_state *s = &r.state[i];
			int n = 0;
			for (int k = 0; k < r.n; k++)
				n += r.f[k].check == s->check;
			fprintf(fp, "  %-7s %-8s %-13s %3d finding%s  %s%s%s\n", s->check->id,
				dt_severity_name(s->check->severity),
				s->evaluated ? "evaluated" : "not evaluated", n, n == 1 ? " " : "s",
				s->check->title, s->note[0] ? ": " : "", s->note);
		}
	}
	for (int i = 0; i < r.nnotes; i++)
		fprintf(fp, "NOTE: %s\n", r.notes[i]);
	fprintf(fp, "SUMMARY: %d error%s, %d warning%s, %d info\n", dt_report_count(&r, DT_SEV_ERROR),
		dt_report_count(&r, DT_SEV_ERROR) == 1 ? "" : "s", dt_report_count(&r, DT_SEV_WARNING),
		dt_report_count(&r, DT_SEV_WARNING) == 1 ? "" : "s", dt_report_count(&r, DT_SEV_INFO));
}

/* ---------------------------------------------------------------- daxpage */

static void cmd_daxpage(void)
{
	struct opts o;
	uint64_t v, pfn;
	if (parse_opts("j", &o) || o.nargs != 1)
		cmd_usage(pc->curcmd, SYNOPSIS);
	const struct dt_layout *l = get_layout();
	if (!l)
		return;
	if (parse_hex(o.arg[0], &v)) {
		error(INFO, "\"%s\" is not a hexadecimal pfn or struct page address\n", o.arg[0]);
		return;
	}
	if (dt_kptr_ok(v, 0)) {
		if (dt_page_to_pfn(&target, l, v, &pfn)) {
			error(INFO, "%llx is not a struct page address of the vmemmap\n",
			      (unsigned long long)v);
			return;
		}
	} else {
		pfn = v;
	}
	struct dt_page_info pi;
	if (dt_page_describe(&target, l, pfn, &pi)) {
		struct dt_pgmap_set *in = malloc(sizeof(*in));
		const struct dt_pgmap *dev = NULL;
		if (in) {
			dt_pgmaps_collect(&target, l, in);	/* partial sets still locate the pfn */
			dev = dt_pgmap_of_pfn(in, pfn);
		}
		if (dev && memmap_on_device_missing(l, dev)) {
			char why[320];
			snprintf(why, sizeof(why), memmap_on_device_fmt, (unsigned long long)dev->addr,
				 (unsigned long long)(dev->start[0] >> 12),
				 (unsigned long long)(dev->end[0] >> 12));
			error(INFO, "pfn %#llx: %s", (unsigned long long)pfn, why);
			free(in);
			return;
		}
		free(in);
		error(INFO, "struct page of pfn %#llx is not in the dump (memmap on the device with "
			    "map=dev, excluded by makedumpfile, or not a valid pfn)\n",
		      (unsigned long long)pfn);
		return;
	}
	const struct dt_page *p = &pi.p;
	/* pgmap, DAX entry, owner device */
	struct dt_pgmap_set *pms = malloc(sizeof(*pms));
	struct dt_daxdevs *dds = collect_daxdevs(l);
	if (!pms || !dds) {
		free(pms), free(dds);
		return;
	}
	dt_pgmaps_collect(&target, l, pms);
	const struct dt_pgmap *pm = dt_pgmap_of_pfn(pms, pfn);
	const char *owner = pm ? dt_pgmap_owner_name(dds, pm->addr, pm->owner) : NULL;
	uint64_t raw = 0;
	int found = 0, is_map = 0;
	struct dt_entry e;
	uint64_t host = 0, back = 0;
	uint16_t mode = 0;
	const struct dt_page *hp = &pi.hp;
	/* page_to_pgoff(): a tail's index is its head's plus its position */
	uint64_t pgoff = p->tail ? hp->index + (pfn - hp->pfn) : p->index;
	if (dt_kptr_ok(hp->mapping, 8) &&
	    dt_read_u64(&target, hp->mapping + (uint64_t)l->as_host, &host) == 0 &&
	    dt_kptr_ok(host, 8) &&
	    dt_read_u64(&target, host + (uint64_t)l->i_mapping, &back) == 0 && back == hp->mapping) {
		char err[120];
		is_map = 1;
		dt_read(&target, host + (uint64_t)l->i_mode, &mode, 2);
		if (dt_tree_load(&target, l, l->tree, hp->mapping + (uint64_t)l->as_i_pages,
				 pgoff, &raw, err, sizeof(err)) == 0 && raw &&
		    dt_entry_decode(l->era, raw, &e) == 0)
			found = 1;
	}
	/* the checks this page fails (a tail: those of its head too) */
	const struct dt_report *rp = run_checks(l, 0);
	int checked = rp != NULL;
	char b[128];
	if (o.json) {
		struct dt_json j;
		dt_json_init(&j, fp);
		dt_json_doc_begin(&j, "daxpage");
		/* the page's own words (as pgmap -p and truth.json), then dump_page()'s view */
		dt_json_uint(&j, "pfn", pfn);
		dt_json_hex(&j, "page", p->addr);
		dt_json_int(&j, "refcount", p->refcount);
		dt_json_int(&j, "mapcount_raw", p->mapcount_raw);
		dt_json_hex(&j, "mapping", p->mapping);
		dt_json_uint(&j, "index", p->index);
		dt_json_hex(&j, "flags", p->flags);
		dt_json_obj(&j, "dump_page");
		dt_json_int(&j, "refcount", hp->refcount);
		dt_json_int(&j, "mapcount", pi.mapcount);
		dt_json_hex(&j, "mapping", hp->mapping);
		dt_json_uint(&j, "index", pgoff);
		dt_json_end(&j);
		dt_json_str(&j, "flags_decoded", pi.flagstr);
		if (pi.zone_known)
			dt_json_int(&j, "zone", pi.zone);
		else
			dt_json_null(&j, "zone");
		dt_json_bool(&j, "compound", pi.compound);
		dt_json_bool(&j, "tail", p->tail);
		dt_json_hex(&j, "head", pi.head);
		if (pi.compound && pi.compound_known) {
			dt_json_int(&j, "order", pi.order);
			dt_json_int(&j, "compound_mapcount", pi.compound_mapcount);
			dt_json_int(&j, "compound_pincount", pi.compound_pincount);
		} else {
			dt_json_null(&j, "order");
		}
		dt_json_str(&j, "aops", pi.mapping_kind == 1 || pi.mapping_kind == 4 ? pi.aops : NULL);
		if (pi.mapping_kind == 1)
			dt_json_uint(&j, "ino", pi.ino);
		else
			dt_json_null(&j, "ino");
		dt_json_str(&j, "dentry_name", pi.dname[0] ? pi.dname : NULL);
		if (pm) {
			dt_json_obj(&j, "pgmap");
			dt_json_hex(&j, "address", pm->addr);
			dt_json_str(&j, "type_name", pm->type ? dt_mtype_name(pm->type) : NULL);
			dt_json_hex(&j, "start", pm->start[0]);
			dt_json_hex(&j, "end", pm->end[0]);
			dt_json_str(&j, "owner_device", owner);
			dt_json_end(&j);
		} else {
			dt_json_null(&j, "pgmap");
		}
		if (found) {
			dt_json_obj(&j, "entry");
			dt_json_uint(&j, "index", pgoff & ~((1ULL << e.order) - 1));
			dt_json_hex(&j, "raw", raw);
			dt_json_str(&j, "flags", dt_flag_letters(e.flags, b, sizeof(b)));
			dt_json_int(&j, "order", e.order);
			dt_json_uint(&j, "pfn", e.payload);
			dt_json_end(&j);
		} else {
			dt_json_null(&j, "entry");
		}
		dt_json_arr(&j, "findings");
		for (int i = 0; checked && i < rp->n; i++)
			if (dt_finding_covers_pfn(&rp->f[i], pfn) ||
			    (p->tail && dt_finding_covers_pfn(&rp->f[i], hp->pfn)))
				finding_json(&rp->f[i], &j);
		dt_json_end(&j);
		dt_json_doc_end(&j);
	} else {
		fprintf(fp, "page:%llx refcount:%d mapcount:%d mapping:%llx index:%#llx pfn:%#llx\n",
			(unsigned long long)p->addr, hp->refcount, pi.mapcount,
			(unsigned long long)hp->mapping, (unsigned long long)pgoff,
			(unsigned long long)pfn);
		if (pi.compound) {
			char ord[16] = "?";
			if (pi.compound_known)
				snprintf(ord, sizeof(ord), "%d", pi.order);
			if (pi.folio_wording)
				fprintf(fp, "head:%llx order:%s entire_mapcount:%d pincount:%d\n",
					(unsigned long long)pi.head, ord, pi.compound_mapcount,
					pi.compound_pincount);
			else
				fprintf(fp, "head:%llx order:%s compound_mapcount:%d compound_pincount:%d\n",
					(unsigned long long)pi.head, ord, pi.compound_mapcount,
					pi.compound_pincount);
		}
		if (pi.mapping_kind == 1 && pi.dname[0])
			fprintf(fp, "aops:%s ino:%llx dentry name:\"%s\"\n", pi.aops,
				(unsigned long long)pi.ino, pi.dname);
		else if (pi.mapping_kind == 1)
			fprintf(fp, "aops:%s ino:%llx\n", pi.aops, (unsigned long long)pi.ino);
		else if (pi.mapping_kind == 4)
			fprintf(fp, "aops:%s\n", pi.aops);
		else if (pi.mapping_kind == 3)
			fprintf(fp, "failed to read mapping contents, not a valid kernel address?\n");
		else if (pi.mapping_kind == 2)
			fprintf(fp, "mapping:%llx is a marker (PAGE_MAPPING_ANON/MOVABLE bits; 0x1 is "
				    "PAGE_MAPPING_DAX_COW (6.0-6.1) or PAGE_MAPPING_DAX_SHARED (6.12; gone "
				    "in 6.15) on a shared fsdax page)\n",
				(unsigned long long)hp->mapping);
		fprintf(fp, "flags: %s\n", pi.flagstr);
		for (long k = 0; k + 32 <= pi.raw_len; k += 32)
			fprintf(fp, "raw: %016llx %016llx %016llx %016llx\n",
				(unsigned long long)dt_get_u64(pi.raw, k),
				(unsigned long long)dt_get_u64(pi.raw, k + 8),
				(unsigned long long)dt_get_u64(pi.raw, k + 16),
				(unsigned long long)dt_get_u64(pi.raw, k + 24));
		if (pm)
			fprintf(fp, "pgmap:%llx type:%s range:%#llx-%#llx owner:%s\n",
				(unsigned long long)pm->addr, dt_mtype_name(pm->type),
				(unsigned long long)pm->start[0], (unsigned long long)pm->end[0],
				owner ? owner : "-");
		else
			fprintf(fp, "pgmap: none (pfn %#llx is in no dev_pagemap range: not a ZONE_DEVICE "
				    "page)\n", (unsigned long long)pfn);
		if (found) {
			uint64_t first = pgoff & ~((1ULL << e.order) - 1);
			fprintf(fp, "dax entry: %#llx at index %#llx (covers %#llx-%#llx): %s order %d "
				    "pfn %#llx; this is page %llu of the entry\n", (unsigned long long)raw,
				(unsigned long long)pgoff, (unsigned long long)first,
				(unsigned long long)(first + (1ULL << e.order) - 1),
				dt_flag_letters(e.flags, b, sizeof(b)), e.order,
				(unsigned long long)e.payload,
				(unsigned long long)(pfn >= e.payload ? pfn - e.payload : 0));
		}
		else if (is_map && (mode & 0170000) == 0020000)
			fprintf(fp, "dax entry: none (a device-dax mapping: dax_set_mapping() sets "
				    "page->mapping, no entries are stored)\n");
		else if (is_map)
			fprintf(fp, "dax entry: none at index %#llx of mapping %llx\n",
				(unsigned long long)pgoff, (unsigned long long)hp->mapping);
		int n = 0;
		for (int sev = DT_SEV_ERROR; sev >= DT_SEV_INFO; sev--)
			for (int i = 0; checked && i < rp->n; i++)
				if ((int)rp->f[i].severity == sev &&
				    (dt_finding_covers_pfn(&rp->f[i], pfn) ||
				     (p->tail && dt_finding_covers_pfn(&rp->f[i], hp->pfn)))) {
					if (!n++)
						fprintf(fp, "checks:\n");
					finding_text(&rp->f[i], 0);
				}
		if (checked && !n)
			fprintf(fp, "checks: none failed\n");
	}
	free(pms), free(dds);
}

/* ---------------------------------------------------------------- help */

#include "help.h"

static struct command_table_entry command_table[] = {
	{ "daxent", cmd_daxent, help_daxent, 0 },
	{ "daxmap", cmd_daxmap, help_daxmap, 0 },
	{ "pgmap", cmd_pgmap, help_pgmap, 0 },
	{ "daxpage", cmd_daxpage, help_daxpage, 0 },
	{ "daxdev", cmd_daxdev, help_daxdev, 0 },
	{ "daxcheck", cmd_daxcheck, help_daxcheck, 0 },
	{ NULL, NULL, NULL, 0 },
};

void __attribute__((constructor)) dax_init(void)
{
	register_extension(command_table);
}

void __attribute__((destructor)) dax_fini(void)
{
	if (last_report_ok)
		dt_report_free(&last_report);
	if (rec)
		fclose(rec);
}
