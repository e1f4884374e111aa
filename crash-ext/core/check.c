/* check.c: the G.6 triage checks over a dump (see check.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "folio.h"
#include "oops.h"
#include "oopsmap.h"
#include "page.h"
#include "printk.h"

#define PAGE_SHIFT 12
#define DT_PMD_ORDER 9			/* x86_64 PMD_ORDER */
/* include/linux/fs.h (6.1): I_WILL_FREE (1 << 4), I_FREEING (1 << 5) */
#define DT_I_WILL_FREE (1ULL << 4)
#define DT_I_FREEING (1ULL << 5)
/* include/linux/mm.h: GUP_PIN_COUNTING_BIAS (v5.7+) */
#define DT_GUP_PIN_COUNTING_BIAS 1024
#define DT_PAGE_FINDINGS_MAX 64	/* per check and pgmap: then one summary finding */
#define DT_BUSY_MAX 4096

/* ------------------------------------------------------------------ catalogue */

const struct dt_check *dt_check_find(const char *id)
{
	for (int i = 0; i < dt_nr_checks; i++)
		if (strcmp(dt_checks[i].id, id) == 0)
			return &dt_checks[i];
	return NULL;
}

const struct dt_bug_class *dt_bug_class_find(const char *key)
{
	for (int i = 0; key && i < dt_nr_bug_classes; i++)
		if (strcmp(dt_bug_classes[i].key, key) == 0)
			return &dt_bug_classes[i];
	return NULL;
}

const char *dt_severity_name(enum dt_severity s)
{
	return s == DT_SEV_ERROR ? "error" : s == DT_SEV_WARNING ? "warning" : "info";
}

/* ------------------------------------------------------------------ report */

struct task_ctx;

struct busy {
	uint64_t pfn, page, mapping, index, pgmap;
	int32_t refcount, idle;
	enum dt_mtype type;
	int finding;		/* index of its CHK-G1 finding, -1 if none */
};

struct locked {
	uint64_t i_pages, index, raw, mapping;
};

struct ctx {
	const struct dt_target *t;
	const struct dt_layout *l;
	struct dt_report *r;
	struct dt_pgmap_set *pms;
	struct dt_mapping *maps;
	int nmaps;
	struct dt_mapping *extra;	/* mappings named by pages, not found as DAX inodes */
	int nextra;
	struct dt_daxdevs *dd;
	int dd_ok;
	struct dt_tlayout tl;
	struct busy *busy;
	int nbusy;
	struct locked *locked;
	int nlocked;
	uint64_t zero_pfn, huge_zero_pfn;
	int zero_known, huge_known;
	int zone_shift, zone_bits, node_shift, zone_ok;
	long zone_device, pg_reserved, pg_head;
	unsigned long page_findings[8];
	struct task_ctx *tx;	/* the tasks walked (task_checks), or NULL */
};

static struct dt_check_state *state(struct ctx *c, const char *id)
{
	for (int i = 0; i < c->r->nstate; i++)
		if (strcmp(c->r->state[i].check->id, id) == 0)
			return &c->r->state[i];
	return NULL;
}

static void evaluated(struct ctx *c, const char *id, unsigned long objects, const char *fmt, ...)
{
	struct dt_check_state *s = state(c, id);
	if (!s)
		return;
	s->evaluated = 1;
	s->objects += objects;
	if (fmt && !s->note[0]) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(s->note, sizeof(s->note), fmt, ap);
		va_end(ap);
	}
}

static void not_evaluated(struct ctx *c, const char *id, const char *fmt, ...)
{
	struct dt_check_state *s = state(c, id);
	if (!s || s->evaluated || s->note[0])
		return;		/* the first reason stands */
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->note, sizeof(s->note), fmt, ap);
	va_end(ap);
}

static void note(struct ctx *c, const char *fmt, ...)
{
	if (c->r->nnotes >= DT_REPORT_NOTES)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->r->notes[c->r->nnotes++], sizeof(c->r->notes[0]), fmt, ap);
	va_end(ap);
}

static struct dt_finding *add(struct ctx *c, const char *id, enum dt_severity sev)
{
	struct dt_report *r = c->r;
	if (r->n == r->cap) {
		int nc = r->cap ? r->cap * 2 : 32;
		if (nc > 100000)
			return NULL;
		struct dt_finding *nf = realloc(r->f, (size_t)nc * sizeof(*nf));
		if (!nf)
			return NULL;
		r->f = nf;
		r->cap = nc;
	}
	struct dt_finding *f = &r->f[r->n++];
	memset(f, 0, sizeof(*f));
	f->check = dt_check_find(id);
	f->severity = sev;
	f->refcount = -1;
	f->entry_order = -1;
	return f;
}

/* headline: the specific statement, then the bug class it matches */
static void headline(struct dt_finding *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(f->headline, sizeof(f->headline), fmt, ap);
	va_end(ap);
	const struct dt_bug_class *bc = dt_finding_bug_class(f);
	if (bc && n > 0 && (size_t)n < sizeof(f->headline) && f->severity != DT_SEV_INFO)
		snprintf(f->headline + n, sizeof(f->headline) - (size_t)n, " \xe2\x80\x94 the %s class of %s",
			 bc->name, bc->thread);
}

#define OBJ(f, ...) snprintf((f)->object, sizeof((f)->object), __VA_ARGS__)
#define EVID(f, ...) snprintf((f)->evidence, sizeof((f)->evidence), __VA_ARGS__)

void dt_report_free(struct dt_report *r)
{
	free(r->f);
	r->f = NULL;
	r->n = r->cap = 0;
}

int dt_report_count(const struct dt_report *r, enum dt_severity s)
{
	int n = 0;
	for (int i = 0; i < r->n; i++)
		n += r->f[i].severity == s;
	return n;
}

const struct dt_bug_class *dt_finding_bug_class(const struct dt_finding *f)
{
	if (f->bug_class)
		return dt_bug_class_find(f->bug_class);
	return f->check ? dt_bug_class_find(f->check->bug_class) : NULL;
}

int dt_finding_covers_pfn(const struct dt_finding *f, uint64_t pfn)
{
	if (f->has_pfn && f->pfn == pfn)
		return 1;
	if (f->has_entry && f->entry_order >= 0 && f->entry_pfn <= pfn &&
	    pfn < f->entry_pfn + (1ULL << f->entry_order) && !f->has_pfn)
		return 1;
	return 0;
}

/* ------------------------------------------------------------------ helpers */

static const struct dt_pgmap *pgmap_by_addr(struct ctx *c, uint64_t addr)
{
	for (int i = 0; addr && i < c->pms->n; i++)
		if (c->pms->pm[i].addr == addr)
			return &c->pms->pm[i];
	return NULL;
}

static const struct dt_mapping *find_mapping(struct ctx *c, uint64_t mapping)
{
	for (int i = 0; i < c->nmaps; i++)
		if (c->maps[i].mapping == mapping)
			return &c->maps[i];
	for (int i = 0; i < c->nextra; i++)
		if (c->extra[i].mapping == mapping)
			return c->extra[i].nr >= 0 ? &c->extra[i] : NULL;
	if (c->nextra >= 256)
		return NULL;
	struct dt_mapping *m = &c->extra[c->nextra++];
	char err[160];
	if (dt_mapping_load(c->t, c->l, mapping, m, err, sizeof(err))) {
		memset(m, 0, sizeof(*m));
		m->mapping = mapping;
		m->nr = -1;	/* remembered as unreadable */
		return NULL;
	}
	return m;
}

/* The slot of m covering index, or NULL. */
static const struct dt_slot_rec *slot_at(const struct dt_mapping *m, uint64_t index)
{
	for (int i = 0; m && i < m->nr; i++)
		if (m->slots[i].index <= index && index < m->slots[i].index + m->slots[i].nr)
			return &m->slots[i];
	return NULL;
}

static void describe_entry(struct ctx *c, struct dt_finding *f, const struct dt_mapping *m,
			   uint64_t index)
{
	if (!m)
		return;
	f->mapping = m->mapping;
	f->inode = m->host;
	f->ino = m->ino;
	const struct dt_slot_rec *s = slot_at(m, index);
	struct dt_entry e;
	if (s && dt_entry_decode(c->r->era.era, s->raw, &e) == 0) {
		f->has_entry = 1;
		f->entry = s->raw;
		f->entry_index = s->index;
		f->entry_pfn = e.payload;
		f->entry_order = e.order;
	}
}

static const char *short_type(enum dt_mtype m)
{
	const char *n = dt_mtype_name(m);
	return strncmp(n, "MEMORY_DEVICE_", 14) == 0 ? n + 14 : n;
}

/* ------------------------------------------------------------------ pgmaps: R1-R4, M1 */

static void check_pgmaps(struct ctx *c)
{
	struct dt_pgmap_set *pms = c->pms;
	const struct dt_layout *l = c->l;
	int private_censused = 0;
	for (int i = 0; i < pms->n; i++) {
		const struct dt_pgmap *pm = &pms->pm[i];
		const struct dt_pref_raw *rr = &pm->ref;
		const struct dt_pref_state *rs = &pm->ref_state;
		struct dt_finding *f;
		evaluated(c, "CHK-R1", 1, NULL);
		if (!pm->ref_addr || !pm->ref_read || rs->mode == DT_PREF_UNINIT ||
		    (rr->split && rr->data && rr->data_ref != pm->ref_addr)) {
			if ((f = add(c, "CHK-R1", DT_SEV_ERROR))) {
				OBJ(f, "pgmap %llx (%s)", (unsigned long long)pm->addr, short_type(pm->type));
				f->pgmap = pm->addr;
				if (!pm->ref_addr || !pm->ref_read)
					EVID(f, "%s", pm->ref_error[0] ? pm->ref_error : "ref not readable");
				else if (rs->mode == DT_PREF_UNINIT)
					EVID(f, "percpu_ref at %llx never initialised (percpu_count_ptr 0, "
						"no data)", (unsigned long long)pm->ref_addr);
				else
					EVID(f, "percpu_ref_data %llx ->ref is %llx, not the pgmap's ref %llx",
					     (unsigned long long)rr->data, (unsigned long long)rr->data_ref,
					     (unsigned long long)pm->ref_addr);
				headline(f, "pgmap reference missing or not initialised");
			}
			continue;
		}
		evaluated(c, "CHK-R2", 1, NULL);
		if (rs->mode != DT_PREF_PERCPU && rs->mode != DT_PREF_EXITED &&
		    (f = add(c, "CHK-R2", DT_SEV_WARNING))) {
			OBJ(f, "pgmap %llx (%s)", (unsigned long long)pm->addr, short_type(pm->type));
			f->pgmap = pm->addr;
			EVID(f, "ref mode %s, true count %lld: %s", dt_pref_mode_name(rs->mode),
			     (long long)rs->true_count,
			     rs->mode == DT_PREF_DEAD ? "references blocking device removal"
						      : "the ref left percpu mode: removal started");
			headline(f, "pgmap reference is %s while registered", dt_pref_mode_name(rs->mode));
		}
		if (pm->expect.applies && rs->count_known) {
			evaluated(c, "CHK-R3", 1, NULL);
			if (strcmp(pm->verdict, "excess") == 0 || strcmp(pm->verdict, "deficit") == 0) {
				if ((f = add(c, "CHK-R3", DT_SEV_WARNING))) {
					OBJ(f, "pgmap %llx (%s)", (unsigned long long)pm->addr,
					    short_type(pm->type));
					f->pgmap = pm->addr;
					EVID(f, "true count %lld, expected %lld%s (%s)",
					     (long long)rs->true_count, (long long)pm->expect.expected,
					     pm->expect.expected_max > pm->expect.expected ? " or more" : "",
					     pm->expect.rule);
					headline(f, "pgmap reference count %s", pm->verdict);
				}
			}
		} else {
			not_evaluated(c, "CHK-R3", "the %s model gives no expected count for %s",
				      dt_refmodel_name(l->refmodel), short_type(pm->type));
		}
		evaluated(c, "CHK-R4", 1, NULL);
		if ((rs->mode == DT_PREF_EXITED ||
		     (rs->mode == DT_PREF_DEAD && rs->count_known && rs->true_count == 0 && !pm->done)) &&
		    (f = add(c, "CHK-R4", DT_SEV_ERROR))) {
			OBJ(f, "pgmap %llx (%s)", (unsigned long long)pm->addr, short_type(pm->type));
			f->pgmap = pm->addr;
			EVID(f, "ref %s, done.done %u, still in pgmap_array", dt_pref_mode_name(rs->mode),
			     pm->done);
			headline(f, "killed pgmap still registered");
		}
		/* H1: allocated device-private pages that no process maps (devmem.h) */
		if (pm->devmem.census_read) {
			private_censused++;
			evaluated(c, "CHK-H1", 1, NULL);
			if (pm->devmem.unmapped && (f = add(c, "CHK-H1", DT_SEV_WARNING))) {
				OBJ(f, "pgmap %llx (%s)", (unsigned long long)pm->addr, short_type(pm->type));
				f->pgmap = pm->addr;
				EVID(f, "%llu of %llu allocated device pages are mapped by no process "
				     "(_mapcount -1; first pfn %#llx)", (unsigned long long)pm->devmem.unmapped,
				     (unsigned long long)pm->devmem.allocated,
				     (unsigned long long)pm->devmem.first_unmapped_pfn);
				headline(f, "device-private pages held by the driver alone");
			}
		}
		/* M1: the registry maps exactly the ranges' pfns to this pgmap */
		if (l->pgmap_array) {
			uint64_t pfns = 0, lo = ~0ULL, hi = 0;
			for (int k = 0; k < pm->nr_range && k < DT_MAX_RANGES; k++) {
				uint64_t s = pm->start[k] >> PAGE_SHIFT, e = pm->end[k] >> PAGE_SHIFT;
				pfns += e - s + 1;
				lo = s < lo ? s : lo;
				hi = e > hi ? e : hi;
			}
			evaluated(c, "CHK-M1", 1, NULL);
			if ((pm->reg_pfns != pfns || pm->reg_first != lo || pm->reg_last != hi) &&
			    (f = add(c, "CHK-M1", DT_SEV_ERROR))) {
				OBJ(f, "pgmap %llx (%s)", (unsigned long long)pm->addr, short_type(pm->type));
				f->pgmap = pm->addr;
				EVID(f, "ranges hold %llu pfns %#llx-%#llx; pgmap_array maps %llu pfns "
					"%#llx-%#llx to it", (unsigned long long)pfns, (unsigned long long)lo,
				     (unsigned long long)hi, (unsigned long long)pm->reg_pfns,
				     (unsigned long long)pm->reg_first, (unsigned long long)pm->reg_last);
				headline(f, "pgmap registry does not cover the pgmap's ranges");
			}
			for (int j = 0; j < i; j++) {
				const struct dt_pgmap *o = &pms->pm[j];
				for (int a = 0; a < pm->nr_range && a < DT_MAX_RANGES; a++)
					for (int b = 0; b < o->nr_range && b < DT_MAX_RANGES; b++)
						if (pm->start[a] <= o->end[b] && o->start[b] <= pm->end[a] &&
						    (f = add(c, "CHK-M1", DT_SEV_ERROR))) {
							OBJ(f, "pgmaps %llx and %llx",
							    (unsigned long long)pm->addr,
							    (unsigned long long)o->addr);
							f->pgmap = pm->addr;
							EVID(f, "ranges %#llx-%#llx and %#llx-%#llx overlap",
							     (unsigned long long)pm->start[a],
							     (unsigned long long)pm->end[a],
							     (unsigned long long)o->start[b],
							     (unsigned long long)o->end[b]);
							headline(f, "pgmap ranges overlap");
						}
			}
		} else {
			not_evaluated(c, "CHK-M1", "no pgmap_array (the radix registry is not checked)");
		}
	}
	if (!pms->n) {
		const char *why = "no pgmap in the registry";
		not_evaluated(c, "CHK-R1", "%s", why);
		not_evaluated(c, "CHK-R2", "%s", why);
		not_evaluated(c, "CHK-R3", "%s", why);
		not_evaluated(c, "CHK-R4", "%s", why);
		not_evaluated(c, "CHK-M1", "%s", why);
	}
	if (!private_censused)
		not_evaluated(c, "CHK-H1", "no device-private pgmap with a memmap census (v6.1+)");
}

/* ------------------------------------------------------------------ memmap: Z1, P4, G1, P2 */

static int page_limit(struct ctx *c, int slot, const char *id, const struct dt_pgmap *pm,
		      uint64_t pfn)
{
	if (c->page_findings[slot]++ < DT_PAGE_FINDINGS_MAX)
		return 1;
	if (c->page_findings[slot] == DT_PAGE_FINDINGS_MAX + 1) {
		struct dt_finding *f = add(c, id, DT_SEV_WARNING);
		if (f) {
			OBJ(f, "pgmap %llx", (unsigned long long)pm->addr);
			EVID(f, "more than %d pages fail %s (from pfn %#llx on): not listed one by one",
			     DT_PAGE_FINDINGS_MAX, id, (unsigned long long)pfn);
			headline(f, "too many pages fail %s", id);
		}
	}
	return 0;
}

/* folio_mapcount() of a head or small page (include/linux/mm.h): _large_mapcount + 1 for a
 * large folio (PG_head), _mapcount + 1 otherwise */
static int32_t folio_mapcount(struct ctx *c, const struct dt_page *p)
{
	struct dt_folio fo;
	if (c->pg_head >= 0 && ((p->flags >> c->pg_head) & 1) &&
	    dt_folio_read(c->t, c->l, p->addr, &fo) == 0 && fo.mapcount >= 0)
		return fo.mapcount;
	return p->mapcount_raw >= 0 ? dt_add32(p->mapcount_raw, 1) : 0;
}

/* The first line of dump_page() (mm/debug.c) for a head or small page, as daxpage prints it
 * but with the kernel's own field widths: "page:%px refcount:%d mapcount:%d mapping:%px
 * index:%#lx pfn:%#lx" (%px: 16 hex digits; the kernel's %#lx of 0 is "0x0"). */
static void dump_page_line(struct ctx *c, struct dt_finding *f, const struct dt_page *p)
{
	struct dt_page_info *pi = malloc(sizeof(*pi));
	int32_t mapcount = dt_add32(p->mapcount_raw, 1);
	if (pi && dt_page_describe(c->t, c->l, p->pfn, pi) == 0)
		mapcount = pi->mapcount;
	free(pi);
	snprintf(f->dump_page, sizeof(f->dump_page),
		 "page:%016llx refcount:%d mapcount:%d mapping:%016llx index:0x%llx pfn:0x%llx",
		 (unsigned long long)p->addr, p->refcount, mapcount, (unsigned long long)p->mapping,
		 (unsigned long long)p->index, (unsigned long long)p->pfn);
}

static void page_checks(struct ctx *c, const struct dt_pgmap *pm, const struct dt_page *p,
			unsigned long *zbad, uint64_t *zfirst, char *zwhy, size_t zwlen)
{
	const struct dt_layout *l = c->l;
	struct dt_finding *f;
	/* Z1: every page of the range is ZONE_DEVICE and reserved; heads/bases name the pgmap */
	const char *why = NULL;
	char b[120];
	if (c->zone_ok) {
		int zone = (int)((p->flags >> c->zone_shift) & ((1ULL << c->zone_bits) - 1));
		if (zone != c->zone_device) {
			snprintf(b, sizeof(b), "zone %d, not ZONE_DEVICE (%ld)", zone, c->zone_device);
			why = b;
		}
	}
	if (!why && c->pg_reserved >= 0 && !((p->flags >> c->pg_reserved) & 1))
		why = "PG_reserved clear";
	if (!why && !p->tail && l->pg_pgmap >= 0 && p->pgmap != pm->addr) {
		snprintf(b, sizeof(b), "page->pgmap %llx, registry says %llx",
			 (unsigned long long)p->pgmap, (unsigned long long)pm->addr);
		why = b;
	}
	if (why) {
		if (!(*zbad)++) {
			*zfirst = p->pfn;
			snprintf(zwhy, zwlen, "%s", why);
		}
	}
	if (p->tail)
		return;
	int idle = dt_idle_refcount(l->refmodel, pm->type, 0);
	/* the references its mappings hold: none before 6.15; from 6.15 (38607c62b34b and
	 * "device/dax: properly refcount device dax pages when mapping") one per mapping of an
	 * FS_DAX or device-dax folio, its folio_mapcount() */
	int32_t mapped = 0;
	if (l->refmodel == DT_RM_6_15 && (pm->type == DT_MT_FS_DAX || pm->type == DT_MT_GENERIC))
		mapped = folio_mapcount(c, p);
	/* P4: an FS_DAX page at refcount 0 before 6.15 was freed by an extra put; from 6.15 a
	 * folio with fewer references than mappings is the same bug (seed 003) */
	int floor_broken = l->refmodel == DT_RM_6_15 ? p->refcount < idle + mapped
						     : p->refcount <= 0;
	if (pm->type == DT_MT_FS_DAX && floor_broken &&
	    page_limit(c, 0, "CHK-P4", pm, p->pfn) && (f = add(c, "CHK-P4", DT_SEV_ERROR))) {
		OBJ(f, "page %llx pfn %#llx", (unsigned long long)p->addr, (unsigned long long)p->pfn);
		f->has_pfn = 1, f->pfn = p->pfn, f->page = p->addr, f->pgmap = pm->addr;
		f->refcount = p->refcount;
		if (l->refmodel == DT_RM_6_15)
			EVID(f, "refcount %d below its %d mapping%s (FS_DAX pages idle at %d and each "
				"mapping holds a reference in this era, %s)", p->refcount, mapped,
			     mapped == 1 ? "" : "s", idle, dt_refmodel_name(l->refmodel));
		else
			EVID(f, "refcount %d, FS_DAX pages idle at %d in this era (%s)", p->refcount, idle,
			     dt_refmodel_name(l->refmodel));
		dump_page_line(c, f, p);
		headline(f, "FS_DAX page at refcount %d", p->refcount);
	}
	/* G1: held beyond its mappings: refcount - idle - (6.15+) folio_mapcount() */
	int extra = dt_add32(dt_add32(p->refcount, -idle), -mapped);	/* wraps as atomic_t */
	if ((pm->type == DT_MT_FS_DAX || pm->type == DT_MT_GENERIC) && extra > 0 &&
	    c->nbusy < DT_BUSY_MAX) {
		struct busy *bz = &c->busy[c->nbusy++];
		*bz = (struct busy){ p->pfn, p->addr, p->mapping, p->index, pm->addr, p->refcount,
				     idle, pm->type, -1 };
		if (page_limit(c, 1, "CHK-G1", pm, p->pfn) &&
		    (f = add(c, "CHK-G1", DT_SEV_INFO))) {
			bz->finding = c->r->n - 1;
			OBJ(f, "page %llx pfn %#llx (%s)", (unsigned long long)p->addr,
			    (unsigned long long)p->pfn, short_type(pm->type));
			f->has_pfn = 1, f->pfn = p->pfn, f->page = p->addr, f->pgmap = pm->addr;
			f->refcount = p->refcount;
			EVID(f, "refcount %d, idle %d: %d extra reference%s (%d FOLL_PIN pin%s of %d, "
				"%d get%s); mapcount %d; mapping %llx index %#llx",
			     p->refcount, idle, extra, extra == 1 ? "" : "s",
			     extra / DT_GUP_PIN_COUNTING_BIAS,
			     extra / DT_GUP_PIN_COUNTING_BIAS == 1 ? "" : "s", DT_GUP_PIN_COUNTING_BIAS,
			     extra % DT_GUP_PIN_COUNTING_BIAS,
			     extra % DT_GUP_PIN_COUNTING_BIAS == 1 ? "" : "s",
			     l->refmodel == DT_RM_6_15 ? mapped : dt_add32(p->mapcount_raw, 1),
			     (unsigned long long)p->mapping, (unsigned long long)p->index);
			if (pm->vmemmap_shift && pm->type == DT_MT_GENERIC) {
				size_t n = strlen(f->evidence);
				snprintf(f->evidence + n, sizeof(f->evidence) - n,
					 "; head of an order-%u compound page: references to any of its "
					 "pages count here", pm->vmemmap_shift);
			}
			if (pm->type == DT_MT_FS_DAX && dt_kptr_ok(p->mapping, 8))
				describe_entry(c, f, find_mapping(c, p->mapping), p->index);
			else if (dt_kptr_ok(p->mapping, 8))
				f->mapping = p->mapping;
			headline(f, "pinned %s page", pm->type == DT_MT_FS_DAX ? "fsdax" : "devdax");
		}
	}
	/* P2: an FS_DAX page naming a mapping: that mapping holds an entry covering it (heads
	 * and small pages only: from 6.15 a PMD entry is one folio whose tails' words are folio
	 * fields, and its head names the mapping and the entry's index) */
	if (pm->type == DT_MT_FS_DAX && dt_kptr_ok(p->mapping, 8)) {
		c->page_findings[3]++;
		const struct dt_mapping *m = find_mapping(c, p->mapping);
		const struct dt_slot_rec *s = slot_at(m, p->index);
		struct dt_entry e;
		const char *bad = NULL;
		if (!m)
			bad = "the mapping is not readable (freed address_space?)";
		else if (!(m->i_flags & l->s_dax))
			bad = "the mapping's host inode is not S_DAX";
		else if (!s || dt_entry_decode(c->r->era.era, s->raw, &e) || !dt_entry_is_real(&e))
			bad = "no DAX entry at page->index";
		else if (e.payload + (p->index - s->index) != p->pfn)
			bad = "the entry at page->index maps another pfn";
		if (bad && page_limit(c, 2, "CHK-P2", pm, p->pfn) &&
		    (f = add(c, "CHK-P2", DT_SEV_ERROR))) {
			OBJ(f, "page %llx pfn %#llx", (unsigned long long)p->addr,
			    (unsigned long long)p->pfn);
			f->has_pfn = 1, f->pfn = p->pfn, f->page = p->addr, f->pgmap = pm->addr;
			f->mapping = p->mapping;
			f->refcount = p->refcount;
			EVID(f, "page->mapping %llx index %#llx: %s", (unsigned long long)p->mapping,
			     (unsigned long long)p->index, bad);
			headline(f, "FS_DAX page points at a mapping that does not hold it");
		}
	}
}

static void memmap_checks(struct ctx *c)
{
	const struct dt_layout *l = c->l;
	size_t ps = (size_t)l->page_size;
	if (ps == 0 || ps > 256)
		return;
	unsigned char *buf = malloc(ps * DT_MEMMAP_CHUNK);
	if (!buf)
		return;
	unsigned long pages = 0, unreadable = 0;
	for (int i = 0; i < c->pms->n; i++) {
		const struct dt_pgmap *pm = &c->pms->pm[i];
		unsigned long zbad = 0;
		uint64_t zfirst = 0;
		char zwhy[120] = "";
		/* the caps of P4, G1 and P2 findings are per pgmap */
		c->page_findings[0] = c->page_findings[1] = c->page_findings[2] = 0;
		for (int r = 0; r < pm->nr_range && r < DT_MAX_RANGES; r++) {
			uint64_t run = 0;	/* unreadable pfns in a row: bounded as a census */
			/* altmap-reserved pfns at the start of range 0 hold the memmap: skipped */
			for (uint64_t pfn = pm->pfn_first[r]; pfn < pm->pfn_end[r];) {
				uint64_t n = pm->pfn_end[r] - pfn, a;
				if (run >= DT_MEMMAP_UNREADABLE_RUN) {
					unreadable += n;
					break;
				}
				if (n > DT_MEMMAP_CHUNK)
					n = DT_MEMMAP_CHUNK;
				if (dt_pfn_to_page(c->t, l, pfn, &a) || dt_read(c->t, a, buf, ps * n)) {
					unreadable += n;
					run += n;
					pfn += n;
					continue;
				}
				run = 0;
				for (uint64_t k = 0; k < n; k++) {
					struct dt_page p;
					dt_page_decode(l, buf + k * ps, pfn + k, a + k * ps, &p);
					page_checks(c, pm, &p, &zbad, &zfirst, zwhy, sizeof(zwhy));
				}
				pages += n;
				pfn += n;
			}
		}
		struct dt_finding *f;
		if (zbad && (f = add(c, "CHK-Z1", DT_SEV_ERROR))) {
			OBJ(f, "pgmap %llx (%s)", (unsigned long long)pm->addr, short_type(pm->type));
			f->pgmap = pm->addr;
			EVID(f, "%lu page%s of the ranges; first pfn %#llx: %s", zbad, zbad == 1 ? "" : "s",
			     (unsigned long long)zfirst, zwhy);
			headline(f, "pages of a pgmap range are not ZONE_DEVICE pages of that pgmap");
		}
	}
	free(buf);
	c->r->pages = pages;
	if (unreadable)
		note(c, "%lu struct pages of pgmap ranges are not in the dump (memmap on the device "
			"with map=dev, or excluded): not checked", unreadable);
	if (!c->pms->n)
		return;
	evaluated(c, "CHK-Z1", pages, "zone%s, PG_reserved, page->pgmap of every page of every range",
		  c->zone_ok ? "" : " (zone not known: ZONES_PGSHIFT not derivable)");
	evaluated(c, "CHK-P4", pages, NULL);
	evaluated(c, "CHK-G1", pages, NULL);
	evaluated(c, "CHK-P2", c->page_findings[3], "every FS_DAX head or small page naming a mapping");
}

/* ------------------------------------------------------------------ entries: T1-T3, T5, P1, P3 */

static int collect_inode(void *arg, uint64_t sb, uint64_t inode)
{
	struct ctx *c = arg;
	(void)sb;
	if (c->nmaps >= 4096)
		return 1;
	uint64_t m;
	char err[160];
	if (dt_read_u64(c->t, inode + (uint64_t)c->l->i_mapping, &m) || !dt_kptr_ok(m, 8))
		return 0;
	for (int i = 0; i < c->nmaps; i++)
		if (c->maps[i].mapping == m)
			return 0;
	if (dt_mapping_load(c->t, c->l, m, &c->maps[c->nmaps], err, sizeof(err)) == 0)
		c->nmaps++;
	return 0;
}

static void entry_checks(struct ctx *c)
{
	const struct dt_layout *l = c->l;
	const struct dt_era *era = c->r->era.era;
	long as_exiting = -1;
	dt_enum(c->t, "AS_EXITING", &as_exiting);
	unsigned long entries = 0;
	for (int i = 0; i < c->nmaps; i++) {
		const struct dt_mapping *m = &c->maps[i];
		struct dt_finding *f;
		uint64_t sum = 0, busy = 0, state = 0, mflags = 0;
		if (l->i_state >= 0)
			dt_read_u64(c->t, m->host + (uint64_t)l->i_state, &state);
		if (l->as_flags >= 0)
			dt_read_u64(c->t, m->mapping + (uint64_t)l->as_flags, &mflags);
		if (m->walk_failed && (f = add(c, "CHK-T4", DT_SEV_ERROR))) {
			OBJ(f, "mapping %llx (ino %llu)", (unsigned long long)m->mapping,
			    (unsigned long long)m->ino);
			f->mapping = m->mapping, f->inode = m->host, f->ino = m->ino;
			EVID(f, "%s", m->walk.error);
			headline(f, "i_pages tree is broken");
		}
		for (int k = 0; k < m->nr; k++) {
			const struct dt_slot_rec *s = &m->slots[k];
			entries++;
			int want = l->tree == DT_CONT_XARRAY ? DT_SLOT_VALUE : DT_SLOT_EXCEPTIONAL;
			if ((int)s->kind != want) {
				if ((f = add(c, "CHK-T1", DT_SEV_ERROR))) {
					OBJ(f, "mapping %llx (ino %llu) index %llu",
					    (unsigned long long)m->mapping, (unsigned long long)m->ino,
					    (unsigned long long)s->index);
					f->mapping = m->mapping, f->inode = m->host, f->ino = m->ino;
					EVID(f, "slot %#llx is a %s, not a DAX entry",
					     (unsigned long long)s->raw, dt_slot_name(s->kind));
					headline(f, "DAX mapping holds a non-DAX entry");
				}
				continue;
			}
			struct dt_map_entry me;
			dt_entry_analyse(c->t, l, c->pms, m, era, s, &me, NULL, NULL);
			if (!me.e.is_entry)
				continue;
			sum += 1ULL << me.e.order;
			busy += me.busy;
			const struct dt_entry *e = &me.e;
			char bad[200] = "";
			int zero = (e->flags & DT_F_ZERO) != 0, empty = (e->flags & DT_F_EMPTY) != 0;
			if (zero && empty)
				snprintf(bad, sizeof(bad), "ZERO_PAGE and EMPTY both set");
			else if (empty && e->payload)
				snprintf(bad, sizeof(bad), "EMPTY entry with pfn %#llx",
					 (unsigned long long)e->payload);
			else if (zero && e->order == 0 && c->zero_known && e->payload != c->zero_pfn)
				snprintf(bad, sizeof(bad), "ZERO_PAGE entry with pfn %#llx, zero_pfn is %#llx",
					 (unsigned long long)e->payload, (unsigned long long)c->zero_pfn);
			else if (zero && e->order && c->huge_known && e->payload != c->huge_zero_pfn)
				snprintf(bad, sizeof(bad), "PMD ZERO_PAGE entry with pfn %#llx, "
					 "huge_zero_pfn is %#llx", (unsigned long long)e->payload,
					 (unsigned long long)c->huge_zero_pfn);
			else if (!zero && !empty && era->payload == DT_PAYLOAD_PFN &&
				 (!me.pgmap || me.pgmap->type != DT_MT_FS_DAX))
				snprintf(bad, sizeof(bad), "pfn %#llx is in no FS_DAX pgmap",
					 (unsigned long long)e->payload);
			else if (!zero && !empty && e->order &&
				 (e->payload & ((1ULL << e->order) - 1)))
				snprintf(bad, sizeof(bad), "order-%d entry with unaligned pfn %#llx",
					 e->order, (unsigned long long)e->payload);
			if (bad[0] && (f = add(c, "CHK-T2", DT_SEV_ERROR))) {
				OBJ(f, "mapping %llx (ino %llu) index %llu", (unsigned long long)m->mapping,
				    (unsigned long long)m->ino, (unsigned long long)s->index);
				f->mapping = m->mapping, f->inode = m->host, f->ino = m->ino;
				f->has_entry = 1, f->entry = s->raw, f->entry_index = s->index;
				f->entry_pfn = e->payload, f->entry_order = e->order;
				EVID(f, "entry %#llx: %s", (unsigned long long)s->raw, bad);
				headline(f, "insane DAX entry");
			}
			if ((e->order == DT_PMD_ORDER && (s->index & ((1ULL << DT_PMD_ORDER) - 1))) ||
			    me.order_mismatch) {
				if ((f = add(c, "CHK-T3", DT_SEV_ERROR))) {
					OBJ(f, "mapping %llx (ino %llu) index %llu",
					    (unsigned long long)m->mapping, (unsigned long long)m->ino,
					    (unsigned long long)s->index);
					f->mapping = m->mapping, f->inode = m->host, f->ino = m->ino;
					f->has_entry = 1, f->entry = s->raw, f->entry_index = s->index;
					EVID(f, "order-%d entry %#llx spans %llu indices from index %llu",
					     e->order, (unsigned long long)s->raw, (unsigned long long)s->nr,
					     (unsigned long long)s->index);
					headline(f, "broken multi-index DAX entry");
				}
			}
			if (strcmp(me.assoc, "mismatch") == 0 && (f = add(c, "CHK-P1", DT_SEV_ERROR))) {
				OBJ(f, "mapping %llx (ino %llu) index %llu", (unsigned long long)m->mapping,
				    (unsigned long long)m->ino, (unsigned long long)s->index);
				f->mapping = m->mapping, f->inode = m->host, f->ino = m->ino;
				f->has_entry = 1, f->entry = s->raw, f->entry_index = s->index;
				f->entry_pfn = e->payload, f->entry_order = e->order;
				EVID(f, "entry %#llx: page of pfn %#llx does not point back at mapping/index",
				     (unsigned long long)s->raw, (unsigned long long)me.assoc_bad_pfn);
				headline(f, "DAX entry pages not associated with the entry");
			}
			if ((e->flags & DT_F_LOCKED) && c->nlocked < 1024)
				c->locked[c->nlocked++] = (struct locked){ m->i_pages, s->index, s->raw,
									   m->mapping };
		}
		/* T5: nrpages counts every entry's pages (5.13+, no nrexceptional) */
		if (l->as_nrexceptional < 0) {
			evaluated(c, "CHK-T5", 1, NULL);
			if (sum != m->nrpages && !m->walk_failed && (f = add(c, "CHK-T5", DT_SEV_INFO))) {
				OBJ(f, "mapping %llx (ino %llu)", (unsigned long long)m->mapping,
				    (unsigned long long)m->ino);
				f->mapping = m->mapping, f->inode = m->host, f->ino = m->ino;
				EVID(f, "nrpages %llu, sum of 2^order over the entries %llu",
				     (unsigned long long)m->nrpages, (unsigned long long)sum);
				headline(f, "nrpages does not account for the entries");
			}
		}
		/* P3: dying inode with busy pages */
		int dying = (state & (DT_I_FREEING | DT_I_WILL_FREE)) ||
			    (as_exiting >= 0 && as_exiting < 64 && (mflags >> as_exiting) & 1);
		if (dying && busy && (f = add(c, "CHK-P3", DT_SEV_ERROR))) {
			OBJ(f, "inode %llx (ino %llu)", (unsigned long long)m->host,
			    (unsigned long long)m->ino);
			f->mapping = m->mapping, f->inode = m->host, f->ino = m->ino;
			EVID(f, "i_state %#llx, mapping flags %#llx, %llu busy page%s",
			     (unsigned long long)state, (unsigned long long)mflags,
			     (unsigned long long)busy, busy == 1 ? "" : "s");
			headline(f, "busy DAX pages under an inode being evicted");
		}
	}
	c->r->entries = entries;
	c->r->mappings = c->nmaps;
	evaluated(c, "CHK-T1", entries, "every leaf of every S_DAX inode's i_pages");
	evaluated(c, "CHK-T2", entries, NULL);
	evaluated(c, "CHK-T3", entries, NULL);
	evaluated(c, "CHK-P1", entries, "every page of every real entry (6.15+: tails of the "
		  "entry's folio through its head)");
	evaluated(c, "CHK-P3", (unsigned long)c->nmaps, "inodes with I_FREEING/I_WILL_FREE or AS_EXITING");
	evaluated(c, "CHK-T4", (unsigned long)c->nmaps, "walker back-pointer and shape checks only "
		  "(counts and marks not verified)");
	if (l->as_nrexceptional >= 0)
		not_evaluated(c, "CHK-T5", "nrexceptional kernel (<= 5.12): rule not verified");
}

/* ------------------------------------------------------------------ tasks: G2, L1, L2 */

/*
 * A task breaking layouts: first the filesystems' own waits (a sleeping task's live frame),
 * then the common helpers, whose return addresses may be stale words left on the stack by a
 * call that returned (5.10: dax_layout_busy_page_range under ext4_break_layouts).  From v6.15
 * ("fs/dax: create a common implementation to break DAX layouts") the loop is
 * dax_break_layout() and the wait the filesystem's callback (ext4_wait_dax_page,
 * xfs_wait_dax_page: the 7.2 sample's truncate sleeps there; a module frame, which a crash
 * without module symbols (--no_modules) cannot name).
 */
static const char *const fs_break_frames[] = {
	"ext4_break_layouts", "xfs_break_dax_layouts", "xfs_break_layouts",
	"ext4_wait_dax_page", "xfs_wait_dax_page", "fuse_dax_break_layouts", NULL
};
static const char *const break_frames[] = {
	"dax_break_layout", "dax_break_layout_final", "dax_layout_busy_page",
	"dax_layout_busy_page_range", "__wait_var_event", NULL
};
static const char *const truncate_frames[] = {
	"do_truncate", "ext4_setattr", "xfs_vn_setattr", "do_sys_ftruncate", NULL
};
static const char *const punch_frames[] = {
	"ext4_punch_hole", "ext4_fallocate", "xfs_file_fallocate", "vfs_fallocate", NULL
};
/* The paths that lock DAX entries (kernel-facts A.7): a sleeping task in one may own a
 * LOCKED entry, unless it is waiting for one (entry_wait_frames): waiters are not owners.
 * A waiter is one queued in fs/dax.c's wait_table, or, without it, one with an entry wait
 * on its stack (a stale return address of a wait that returned does not make a waiter). */
static const char *const dax_frames[] = {
	"dax_iomap_pte_fault", "dax_iomap_pmd_fault", "dax_iomap_fault", "dax_fault_iter",
	"grab_mapping_entry", "dax_writeback_one", "dax_lock_page", "dax_lock_folio",
	"dax_lock_mapping_entry", "memory_failure", "mf_dax_kill_procs", "dax_insert_entry", NULL
};
/* fs/dax.c's waits for an unlocked entry (get_unlocked_entry: faults, truncate, layout
 * breaks; wait_entry_unlocked: dax_lock_page; wait_entry_unlocked_exclusive: v6.15+) */
static const char *const entry_wait_frames[] = {
	"get_unlocked_entry", "wait_entry_unlocked", "wait_entry_unlocked_exclusive", NULL
};
/* memunmap_pages() waits in wait_for_completion(&pgmap->done) for the last reference of
 * the killed pgmap->ref (mm/memremap.c, v5.3+; devm_memremap_pages_release() before) */
static const char *const teardown_frames[] = {
	"memunmap_pages", "devm_memremap_pages_release", NULL
};

struct blocked {
	struct dt_task task;
	char frame[64];
	const char *op;
};

struct waiter_rec {
	uint64_t task, key0, key1;
};

struct task_ctx {
	struct ctx *c;
	struct blocked b[16];
	int nb;
	struct dt_task dax[16];	/* tasks in DAX entry paths or entry waits */
	char dax_frame[16][64];
	int ndax;
	struct blocked ew[16];	/* tasks waiting for a DAX entry to be unlocked */
	int nwait;
	struct blocked td[16];	/* tasks waiting for a killed pgmap's last reference */
	int ntd;
	struct dt_task all[8192];
	int nall;
	int stacks_read, stacks_failed;
};

static int task_cb(void *arg, const struct dt_task *tk)
{
	struct task_ctx *x = arg;
	struct ctx *c = x->c;
	c->r->tasks++;
	if (x->nall < (int)(sizeof(x->all) / sizeof(x->all[0])))
		x->all[x->nall++] = *tk;
	if (tk->state == 'R' || tk->state == 'X' || tk->state == 'Z')
		return 0;	/* a running task's saved stack pointer is stale */
	struct dt_frames fr;
	if (dt_task_frames(c->t, &c->tl, tk, &fr)) {
		x->stacks_failed++;
		return 0;
	}
	x->stacks_read++;
	const char *m = dt_frames_match(&fr, fs_break_frames);
	if (!m)
		m = dt_frames_match(&fr, break_frames);
	if (m && x->nb < 16) {
		struct blocked *b = &x->b[x->nb++];
		b->task = *tk;
		snprintf(b->frame, sizeof(b->frame), "%s", m);
		b->op = dt_frames_match(&fr, truncate_frames) ? "truncate"
			: dt_frames_match(&fr, punch_frames) ? "hole punch" : "layout break";
	}
	const char *w = dt_frames_match(&fr, entry_wait_frames);
	const char *d = dt_frames_match(&fr, dax_frames);
	if (w && x->nwait < 16) {
		x->ew[x->nwait].task = *tk;
		snprintf(x->ew[x->nwait++].frame, 64, "%s", w);
	}
	if ((d || w) && x->ndax < 16) {
		snprintf(x->dax_frame[x->ndax], 64, "%s", d ? d : w);
		x->dax[x->ndax++] = *tk;
	}
	const char *td = dt_frames_match(&fr, teardown_frames);
	if (td && x->ntd < 16) {
		x->td[x->ntd].task = *tk;
		snprintf(x->td[x->ntd++].frame, 64, "%s", td);
	}
	return 0;
}

struct wait_ctx {
	struct waiter_rec w[256];
	int n;
};

static int waiter_cb(void *arg, const struct dt_waiter *w)
{
	struct wait_ctx *x = arg;
	if (x->n < 256)
		x->w[x->n++] = (struct waiter_rec){ w->task, w->key0, w->key1 };
	return 0;
}

/* The entry wait on the stack of a task, or NULL. */
static const char *entry_wait_of(const struct task_ctx *x, uint64_t task)
{
	for (int i = 0; i < x->nwait; i++)
		if (x->ew[i].task.task == task)
			return x->ew[i].frame;
	return NULL;
}

static const struct dt_task *task_by_addr(const struct task_ctx *x, uint64_t task)
{
	for (int i = 0; i < x->nall; i++)
		if (x->all[i].task == task)
			return &x->all[i];
	return NULL;
}

static void add_task(struct dt_finding *f, const struct dt_task *tk, const char *frame)
{
	if (f->ntasks >= DT_FINDING_TASKS)
		return;
	struct dt_finding_task *ft = &f->tasks[f->ntasks++];
	ft->pid = tk->pid;
	memcpy(ft->comm, tk->comm, sizeof(ft->comm));
	ft->state = tk->state;
	ft->task = tk->task;
	snprintf(ft->frame, sizeof(ft->frame), "%.63s", frame ? frame : "");
}

struct holder_ctx {
	struct ctx *c;
};

static int holder_cb(void *arg, const struct dt_pipe_ref *h)
{
	struct holder_ctx *x = arg;
	struct dt_report *r = x->c->r;
	char b[96];
	for (int i = 0; i < r->n; i++) {
		struct dt_finding *f = &r->f[i];
		if (f->page != h->head || (strcmp(f->check->id, "CHK-G1") && strcmp(f->check->id, "CHK-G2")))
			continue;
		if (f->nholders >= DT_FINDING_HOLDERS)
			continue;
		struct dt_finding_holder *fh = &f->holders[f->nholders++];
		fh->pid = h->pid, fh->fd = h->fd, fh->slot = h->slot;
		memcpy(fh->comm, h->comm, sizeof(fh->comm));
		fh->pipe = h->pipe, fh->page = h->page;
		const char *s = dt_symname(x->c->t, h->ops, b, sizeof(b));
		snprintf(fh->ops, sizeof(fh->ops), "%s", s ? s : "-");
	}
	return 0;
}

static void task_checks(struct ctx *c)
{
	struct dt_report *r = c->r;
	const struct dt_layout *l = c->l;
	char err[200] = "";
	if (dt_tasks_probe(c->t, &c->tl)) {
		note(c, "tasks: %s: no blocked task or pin holder can be named", c->tl.error);
		not_evaluated(c, "CHK-G2", "%s", c->tl.error);
		not_evaluated(c, "CHK-L1", "%s", c->tl.error);
		not_evaluated(c, "CHK-L2", "%s", c->tl.error);
		return;
	}
	struct task_ctx *x = calloc(1, sizeof(*x));
	struct wait_ctx *vw = calloc(1, sizeof(*vw)), *dw = calloc(1, sizeof(*dw));
	if (!x || !vw || !dw) {
		free(x), free(vw), free(dw);
		return;
	}
	x->c = c;
	if (dt_for_each_task(c->t, &c->tl, task_cb, x, err, sizeof(err)))
		note(c, "tasks: %s", err);
	note(c, "tasks: %d walked from init_task through memory (independent of the front end's "
		"task table); %d sleeping stacks scanned%s", r->tasks, x->stacks_read,
	     x->stacks_failed ? ", some not readable" : "");
	int have_var = dt_var_waiters(c->t, &c->tl, waiter_cb, vw, err, sizeof(err)) == 0;
	if (!have_var)
		note(c, "wait_var_event waiters: %s", err);
	int have_dax = dt_dax_entry_waiters(c->t, &c->tl, waiter_cb, dw, err, sizeof(err)) == 0;
	if (!have_dax)
		note(c, "DAX entry waiters: %s", err);

	/* G2: a task breaking layouts waits for a busy FS_DAX page */
	for (int i = 0; i < x->nb; i++) {
		struct blocked *b = &x->b[i];
		r->blocked_tasks++;
		/* the page it waits for: its wait_var_event key is &page->_refcount (<= 6.14)
		 * or the page itself (6.15+) */
		const struct busy *bz = NULL;
		for (int w = 0; w < vw->n && !bz; w++) {
			if (vw->w[w].task != b->task.task || vw->w[w].key1 != (uint64_t)-1)
				continue;
			for (int k = 0; k < c->nbusy; k++) {
				uint64_t pg = c->busy[k].page;
				if (c->busy[k].type == DT_MT_FS_DAX &&
				    (vw->w[w].key0 == pg + (uint64_t)l->pg_refcount || vw->w[w].key0 == pg))
					bz = &c->busy[k];
			}
		}
		int nfs = 0;
		for (int k = 0; k < c->nbusy; k++)
			nfs += c->busy[k].type == DT_MT_FS_DAX;
		if (!bz && !nfs)
			continue;	/* a stale frame: no FS_DAX page is busy */
		struct dt_finding *f = add(c, "CHK-G2", DT_SEV_ERROR);
		if (!f)
			break;
		add_task(f, &b->task, b->frame);
		if (bz) {
			f->has_pfn = 1, f->pfn = bz->pfn, f->page = bz->page, f->pgmap = bz->pgmap;
			f->refcount = bz->refcount;
			describe_entry(c, f, find_mapping(c, bz->mapping), bz->index);
			OBJ(f, "page %llx pfn %#llx, ino %llu index %llu", (unsigned long long)bz->page,
			    (unsigned long long)bz->pfn, (unsigned long long)f->ino,
			    (unsigned long long)bz->index);
			int n = snprintf(f->evidence, sizeof(f->evidence),
					 "pid %d (%s) state %c in %s waits on %s of pfn "
					 "%#llx (refcount %d, idle %d); inode %llx ino %llu",
					 b->task.pid, b->task.comm, b->task.state, b->frame,
					 l->refmodel == DT_RM_6_15 ? "the page" : "&page->_refcount",
					 (unsigned long long)bz->pfn, bz->refcount, bz->idle,
					 (unsigned long long)f->inode, (unsigned long long)f->ino);
			if (f->has_entry && n > 0 && (size_t)n < sizeof(f->evidence))
				snprintf(f->evidence + n, sizeof(f->evidence) - (size_t)n,
					 "; entry i_pages[%llu] = %#llx (order %d, pfn %#llx)",
					 (unsigned long long)f->entry_index, (unsigned long long)f->entry,
					 f->entry_order, (unsigned long long)f->entry_pfn);
		} else {
			OBJ(f, "task pid %d", b->task.pid);
			EVID(f, "pid %d (%s) state %c in %s; %d busy FS_DAX page%s (CHK-G1), the wait "
				"key could not be matched%s", b->task.pid, b->task.comm, b->task.state,
			     b->frame, nfs, nfs == 1 ? "" : "s",
			     have_var ? "" : " (no bit_wait_table)");
		}
		headline(f, "pinned DAX page blocks %s", b->op);
	}
	/* a wait_var_event waiter on a busy FS_DAX page that the stack scan missed */
	for (int w = 0; w < vw->n; w++) {
		if (vw->w[w].key1 != (uint64_t)-1)
			continue;
		int seen = 0;
		for (int i = 0; i < x->nb; i++)
			seen |= x->b[i].task.task == vw->w[w].task;
		if (seen)
			continue;
		for (int k = 0; k < c->nbusy; k++) {
			const struct busy *bz = &c->busy[k];
			if (bz->type != DT_MT_FS_DAX || vw->w[w].key0 != bz->page + (uint64_t)l->pg_refcount)
				continue;
			struct dt_finding *f = add(c, "CHK-G2", DT_SEV_ERROR);
			if (!f)
				break;
			const struct dt_task *tk = task_by_addr(x, vw->w[w].task);
			if (tk)
				add_task(f, tk, "wait_var_event");
			f->has_pfn = 1, f->pfn = bz->pfn, f->page = bz->page, f->pgmap = bz->pgmap;
			f->refcount = bz->refcount;
			describe_entry(c, f, find_mapping(c, bz->mapping), bz->index);
			OBJ(f, "page %llx pfn %#llx, ino %llu index %llu", (unsigned long long)bz->page,
			    (unsigned long long)bz->pfn, (unsigned long long)f->ino,
			    (unsigned long long)bz->index);
			EVID(f, "task %llx (pid %d) waits on &page->_refcount of pfn %#llx (refcount %d)",
			     (unsigned long long)vw->w[w].task, tk ? tk->pid : -1,
			     (unsigned long long)bz->pfn, bz->refcount);
			headline(f, "pinned DAX page blocks a layout break");
		}
	}
	evaluated(c, "CHK-G2", (unsigned long)r->tasks, "stacks of sleeping tasks for %s frames%s",
		  "ext4_break_layouts/xfs_break_dax_layouts/dax_layout_busy_page",
		  have_var ? ", bit_wait_table waiters" : "");

	/* holders of pinned pages: pipe buffers of every task's pipes */
	uint64_t pages[256];
	int np = 0;
	for (int i = 0; i < r->n && np < 256; i++)
		if (r->f[i].page && (!strcmp(r->f[i].check->id, "CHK-G1") ||
				     !strcmp(r->f[i].check->id, "CHK-G2"))) {
			int dup = 0;
			for (int k = 0; k < np; k++)
				dup |= pages[k] == r->f[i].page;
			if (!dup)
				pages[np++] = r->f[i].page;
		}
	if (np) {
		struct holder_ctx hc = { c };
		if (dt_pipe_scan(c->t, &c->tl, pages, np, holder_cb, &hc, err, sizeof(err)))
			note(c, "pin holders: %s", err);
		for (int i = 0; i < r->n; i++)
			if (r->f[i].page && !r->f[i].nholders &&
			    (!strcmp(r->f[i].check->id, "CHK-G1") || !strcmp(r->f[i].check->id, "CHK-G2")))
				snprintf(r->f[i].holders_note, sizeof(r->f[i].holders_note),
					 "no pipe holds it: GUP users (RDMA, io_uring, vfio, O_DIRECT "
					 "in flight) are not visible from here");
	}

	/*
	 * L1: a LOCKED entry has an owner: a sleeping task in a DAX entry path that is not itself
	 * waiting for an entry (which entry a path holds is not on its stack: any such task may
	 * own it).  The entry's waiters: tasks queued in wait_table with its key {&i_pages,
	 * index} (4.20+), named with the entry wait on their stack; without the wait_table,
	 * every task in an entry wait.  LOCKED, no owner, waiters: a leaked entry lock (A.7).
	 */
	int owners = 0;
	for (int k = 0; k < x->ndax; k++) {
		int waiting = 0;
		for (int w = 0; w < dw->n; w++)
			waiting |= dw->w[w].task == x->dax[k].task;
		if (!have_dax)
			waiting = entry_wait_of(x, x->dax[k].task) != NULL;
		owners += !waiting;
	}
	for (int i = 0; i < c->nlocked; i++) {
		const struct locked *lk = &c->locked[i];
		int queued = 0;
		for (int w = 0; w < dw->n; w++)
			queued += dw->w[w].key0 == lk->i_pages && dw->w[w].key1 == lk->index;
		if (owners)
			continue;	/* a task is in a DAX entry path: a possible owner */
		struct dt_finding *f = add(c, "CHK-L1", DT_SEV_ERROR);
		if (!f)
			break;
		const struct dt_mapping *m = find_mapping(c, lk->mapping);
		OBJ(f, "mapping %llx index %llu", (unsigned long long)lk->mapping,
		    (unsigned long long)lk->index);
		describe_entry(c, f, m, lk->index);
		if (f->has_entry)	/* the finding is about the entry's (first) page */
			f->has_pfn = 1, f->pfn = f->entry_pfn;
		int nwaiters = 0;
		for (int k = 0; k < x->nall; k++) {
			const struct dt_task *tk = &x->all[k];
			const char *frame = entry_wait_of(x, tk->task);
			int keyed = 0;
			for (int w = 0; w < dw->n; w++)
				keyed |= dw->w[w].task == tk->task && dw->w[w].key0 == lk->i_pages &&
					 dw->w[w].key1 == lk->index;
			if (!keyed && !(frame && !have_dax))
				continue;
			nwaiters++;
			add_task(f, tk, frame ? frame : "wait_table");
		}
		if (nwaiters) {
			EVID(f, "entry %#llx LOCKED, no owner: no sleeping task is in a DAX entry path "
				"but its %d waiter%s (%d queued in wait_table on i_pages %llx index %llu)",
			     (unsigned long long)lk->raw, nwaiters, nwaiters == 1 ? "" : "s", queued,
			     (unsigned long long)lk->i_pages, (unsigned long long)lk->index);
			headline(f, "leaked DAX entry lock: %d task%s wait%s for an entry nobody holds",
				 nwaiters, nwaiters == 1 ? "" : "s", nwaiters == 1 ? "s" : "");
		} else {
			EVID(f, "entry %#llx LOCKED, no owner: no sleeping task is in a DAX entry path, "
				"no waiter%s", (unsigned long long)lk->raw,
			     have_dax ? " in wait_table" : " on a stack");
			headline(f, "leaked DAX entry lock");
		}
	}
	for (int w = 0; w < dw->n; w++) {
		int ok = 0;
		for (int i = 0; i < c->nlocked; i++)
			ok |= dw->w[w].key0 == c->locked[i].i_pages && dw->w[w].key1 == c->locked[i].index;
		struct dt_finding *f;
		if (ok || !(f = add(c, "CHK-L2", DT_SEV_WARNING)))
			continue;
		const struct dt_task *tk = task_by_addr(x, dw->w[w].task);
		const char *frame = entry_wait_of(x, dw->w[w].task);
		if (tk)
			add_task(f, tk, frame ? frame : "get_unlocked_entry");
		OBJ(f, "i_pages %llx index %llu", (unsigned long long)dw->w[w].key0,
		    (unsigned long long)dw->w[w].key1);
		EVID(f, "task %llx waits for an entry that is not locked", (unsigned long long)dw->w[w].task);
		headline(f, "DAX entry waiter without a locked entry");
	}
	evaluated(c, "CHK-L1", (unsigned long)c->nlocked, "locked entries against tasks in DAX paths%s",
		  have_dax ? " and wait_table waiters" : "");
	if (have_dax)
		evaluated(c, "CHK-L2", (unsigned long)dw->n, "wait_table waiters");
	else
		not_evaluated(c, "CHK-L2", "no fs/dax.c wait_table in debuginfo");

	/* R2: a killed pgmap ref with references left while a task waits in the teardown for
	 * the last one: device removal hangs (seed 001's topic, the pgmap-leak replica) */
	for (int i = 0; i < r->n && x->ntd; i++) {
		struct dt_finding *f = &r->f[i];
		const struct dt_pgmap *pm = pgmap_by_addr(c, f->pgmap);
		if (strcmp(f->check->id, "CHK-R2") || !pm || pm->ref_state.mode != DT_PREF_DEAD ||
		    !pm->ref_state.count_known || pm->ref_state.true_count <= 0)
			continue;
		f->severity = DT_SEV_ERROR;
		for (int k = 0; k < x->ntd; k++)
			add_task(f, &x->td[k].task, x->td[k].frame);
		size_t n = strlen(f->evidence);
		snprintf(f->evidence + n, sizeof(f->evidence) - n, "; pid %d (%s) state %c waits for "
			 "them in %s (wait_for_completion(&pgmap->done))%s", x->td[0].task.pid,
			 x->td[0].task.comm, x->td[0].task.state, x->td[0].frame,
			 x->ntd > 1 ? ", other tasks too" : "");
		long long rc = (long long)pm->ref_state.true_count;
		headline(f, "device removal blocked: %lld reference%s to a killed pgmap never dropped",
			 rc, rc == 1 ? "" : "s");
	}
	c->tx = x;	/* the tasks, for the oops's task (CHK-D3) */
	free(vw), free(dw);
}

/* ------------------------------------------------------------------ devices: D1, D2, D4, I1 */

static void device_checks(struct ctx *c)
{
	struct dt_daxdevs *dd = c->dd;
	char b[96];
	c->r->daxdevs = dd->n;
	for (int i = 0; i < dd->nmissing; i++)
		note(c, "debuginfo missing: %s", dd->missing[i]);
	if (!dd->n && dd->error[0]) {
		not_evaluated(c, "CHK-D1", "%s", dd->error);
		not_evaluated(c, "CHK-D2", "%s", dd->error);
		not_evaluated(c, "CHK-D4", "%s", dd->error);
		return;
	}
	for (int i = 0; i < dd->n; i++) {
		const struct dt_daxdev *d = &dd->d[i];
		struct dt_finding *f;
		evaluated(c, "CHK-D4", 1, NULL);
		const char *bad = !(d->i_flags & c->l->s_dax) ? "i_flags lacks S_DAX"
				  : d->i_cdev != d->cdev ? "i_cdev is not &dax_dev->cdev" : NULL;
		if (bad && (f = add(c, "CHK-D4", DT_SEV_WARNING))) {
			OBJ(f, "dax_device %llx (%s)", (unsigned long long)d->addr, d->name);
			EVID(f, "inode %llx: %s", (unsigned long long)d->inode, bad);
			headline(f, "dax inode not set up as dax_dev_get() does");
		}
	}
	int mounts = 0;
	for (int i = 0; i < dd->nsb; i++) {
		const struct dt_sbdax *s = &dd->sb[i];
		if (!s->known) {
			not_evaluated(c, "CHK-D1", "%s superblock %s: its dax_device pointer needs the "
				      "%s module's debuginfo (mod -S)", s->fs, s->id, s->fs);
			not_evaluated(c, "CHK-D2", "%s superblock %s: its dax_device pointer needs the "
				      "%s module's debuginfo (mod -S)", s->fs, s->id, s->fs);
			continue;
		}
		if (!s->daxdev)
			continue;
		mounts++;
		const struct dt_daxdev *d = dt_daxdev_find(dd, s->daxdev);
		struct dt_finding *f;
		evaluated(c, "CHK-D1", 1, NULL);
		if ((!d || (d->flags_known && !d->alive)) && (f = add(c, "CHK-D1", DT_SEV_ERROR))) {
			OBJ(f, "%s %s (sb %llx)", s->fs, s->id, (unsigned long long)s->sb);
			EVID(f, "dax_device %llx %s", (unsigned long long)s->daxdev,
			     d ? "has DAXDEV_ALIVE clear (killed)" : "is not among the dax pseudo-fs inodes");
			headline(f, "mounted filesystem on a dead dax_device");
		}
		if (d && !d->has_holder)
			not_evaluated(c, "CHK-D2", "no dax_device holder in this kernel (holder_data/"
				      "holder_ops arrived in v6.0)");
		if (!d || !d->has_holder)
			continue;
		evaluated(c, "CHK-D2", 1, NULL);
		const char *hs = dt_symname(c->t, d->holder_ops, b, sizeof(b));
		int xfs = strcmp(s->fs, "xfs") == 0;
		const char *why = NULL;
		if (d->holder_data != s->expect_holder)
			why = xfs ? "holder_data is not the xfs_mount" : "a holder is registered";
		else if (xfs && (!hs || strcmp(hs, "xfs_dax_holder_operations") != 0))
			why = "holder_ops is not xfs_dax_holder_operations";
		if (why && (f = add(c, "CHK-D2", DT_SEV_WARNING))) {
			OBJ(f, "dax_device %llx (%s) under %s %s", (unsigned long long)d->addr, d->name,
			    s->fs, s->id);
			EVID(f, "%s: holder_data %llx, holder_ops %s, expected %llx", why,
			     (unsigned long long)d->holder_data, hs ? hs : "-",
			     (unsigned long long)s->expect_holder);
			headline(f, "inconsistent dax_device holder");
		}
	}
	if (!mounts) {
		not_evaluated(c, "CHK-D1", "no mounted filesystem on a dax_device");
		not_evaluated(c, "CHK-D2", "no mounted filesystem on a dax_device");
	}
	/* I1: S_DAX inodes of superblocks without a dax_device */
	for (int i = 0; i < c->nmaps; i++) {
		uint64_t sb;
		if (dt_read_u64(c->t, c->maps[i].host + (uint64_t)c->l->i_sb, &sb) ||
		    sb == dd->dax_superblock)
			continue;
		for (int k = 0; k < dd->nsb; k++) {
			const struct dt_sbdax *s = &dd->sb[k];
			struct dt_finding *f;
			if (s->sb != sb || !s->known)
				continue;
			evaluated(c, "CHK-I1", 1, NULL);
			if (!s->daxdev && (f = add(c, "CHK-I1", DT_SEV_WARNING))) {
				OBJ(f, "inode %llx (ino %llu) on %s %s", (unsigned long long)c->maps[i].host,
				    (unsigned long long)c->maps[i].ino, s->fs, s->id);
				f->inode = c->maps[i].host, f->ino = c->maps[i].ino;
				EVID(f, "S_DAX set, superblock has no dax_device");
				headline(f, "S_DAX inode without a DAX device");
			}
		}
	}
}

/* ------------------------------------------------------------------ the oops: D3 */

static void oops_line(void *arg, const char *line)
{
	dt_oops_line(arg, line);
}

/* Append "; ram0 (ext4) has no dax_device" for every mounted block-device filesystem with no
 * dax_device: its s_daxdev (ext4/ext2, xfs, erofs) is NULL, or, where that pointer is not
 * known, no dax_device is its disk's (dax_hosts, 5.17+) or has its name. */
static void no_daxdev_mounts(struct ctx *c, char *buf, size_t len)
{
	const struct dt_target *t = c->t;
	const struct dt_layout *l = c->l;
	const struct dt_daxdevs *dd = c->dd;
	long bd_disk = dt_member_offset(t, "block_device", "bd_disk");
	uint64_t head = l->super_blocks, pos;
	if (!head || l->sb_list < 0 || l->sb_bdev < 0 || dt_read_u64(t, head, &pos))
		return;
	for (int n = 0; pos != head && n < 4096 && dt_kptr_ok(pos, 8); n++) {
		uint64_t sb = pos - (uint64_t)l->sb_list, bdev, type, name, disk = 0;
		char fs[16] = "", id[32] = "";
		if (dt_read_u64(t, sb + (uint64_t)l->sb_bdev, &bdev) == 0 && dt_kptr_ok(bdev, 8)) {
			if (dt_read_u64(t, sb + (uint64_t)l->sb_type, &type) == 0 && dt_kptr_ok(type, 8) &&
			    dt_read_u64(t, type + (uint64_t)l->fst_name, &name) == 0 && dt_kptr_ok(name, 1))
				dt_read_str(t, name, fs, sizeof(fs));
			dt_read_str(t, sb + (uint64_t)l->sb_id, id, sizeof(id));
			if (bd_disk >= 0)
				dt_read_u64(t, bdev + (uint64_t)bd_disk, &disk);
			int known = 0, has = 0;
			for (int k = 0; k < dd->nsb; k++)
				if (dd->sb[k].sb == sb && dd->sb[k].known)
					known = 1, has = dd->sb[k].daxdev != 0;
			for (int k = 0; !known && k < dd->n; k++)
				has |= (disk && dd->d[k].gendisk == disk) ||
				       (dd->d[k].name[0] && strcmp(dd->d[k].name, id) == 0);
			size_t u = strlen(buf);
			if (!has && u < len)
				snprintf(buf + u, len - u, "; %s (%s) has no dax_device", id, fs);
		}
		if (dt_read_u64(t, pos, &pos))
			break;
	}
}

/*
 * D3: the dump's first oops, from the kernel log in memory (printk.h, oops.h).  A fault at
 * a small address in a DAX, pgmap or percpu_ref function is a member of a NULL struct
 * pointer, named from this kernel's debuginfo (oopsmap.h): seed 000's dax_device, seed
 * 001's percpu_ref.  The task is the log's "CPU: N PID: P Comm: C" one, its state read from
 * memory; a NULL percpu_ref names the registered pgmap whose ref is exited or missing, a
 * NULL dax_device the mounted block filesystems that have none.
 */
static void oops_checks(struct ctx *c)
{
	struct dt_oops o;
	struct dt_oopsmap m;
	char why[200] = "";
	dt_oops_init(&o);
	if (dt_printk_for_each(c->t, oops_line, &o, why, sizeof(why)) < 0) {
		not_evaluated(c, "CHK-D3", "the kernel log cannot be read: %s", why);
		return;
	}
	if (!o.found) {
		if (o.panic[0])
			evaluated(c, "CHK-D3", 1, "no oops in the kernel log: the dump was taken for "
				  "\"%s\"", o.panic);
		else
			evaluated(c, "CHK-D3", 1, "no oops and no panic in the kernel log");
		return;
	}
	if (!o.have_address || !o.rip[0] || !(dt_oopsmap(c->t, o.func, o.address, &m), m.related)) {
		evaluated(c, "CHK-D3", 1, "the first oops (%s, RIP %s) is not a small-address fault "
			  "in a DAX, pgmap or percpu_ref function", o.bug, o.rip[0] ? o.rip : "?");
		return;
	}
	evaluated(c, "CHK-D3", 1, "the first oops of the kernel log");
	struct dt_finding *f = add(c, "CHK-D3", DT_SEV_ERROR);
	if (!f)
		return;
	f->has_fault = 1;
	f->fault_address = o.address;
	snprintf(f->fault_function, sizeof(f->fault_function), "%s", o.func);
	snprintf(f->fault_rip, sizeof(f->fault_rip), "%s", o.rip);
	char what[300] = "";
	const char *type = NULL;
	for (int k = 0; k < m.nr; k++) {
		const struct dt_oopsmap_hit *h = &m.hits[k];
		if (!h->member[0] || f->nmembers >= DT_FINDING_MEMBERS)
			continue;
		if (!type)
			type = h->type;
		snprintf(f->members[f->nmembers++], sizeof(f->members[0]), "%s.%s", h->type, h->member);
		size_t u = strlen(what);
		snprintf(what + u, sizeof(what) - u, "%s%s.%s (offset %#lx of %ld bytes)", u ? ", " : "",
			 h->type, h->member, (unsigned long)h->member_offset, h->type_size);
	}
	/* the oopsing task, as memory has it */
	struct dt_task tk = { .pid = o.pid, .state = '?' };
	snprintf(tk.comm, sizeof(tk.comm), "%s", o.comm);
	for (int k = 0; c->tx && k < c->tx->nall; k++)
		if (c->tx->all[k].pid == o.pid) {
			tk = c->tx->all[k];
			break;
		}
	add_task(f, &tk, o.rip);
	EVID(f, "%s at %s (pid %d, %s): %#llx is %s", o.bug, o.rip, o.pid, o.comm,
	     (unsigned long long)o.address, what[0] ? what : "no member of the candidate structures");
	size_t u = strlen(f->evidence);
	const struct dt_pgmap *pm = NULL;
	if (type && strncmp(type, "percpu_ref", 10) == 0) {
		for (int k = 0; k < c->pms->n && !pm; k++) {
			const struct dt_pgmap *p = &c->pms->pm[k];
			if (!p->ref_addr || p->ref_state.mode == DT_PREF_EXITED ||
			    p->ref_state.mode == DT_PREF_UNINIT)
				pm = p;
		}
		f->bug_class = "pgmap-ref-lifecycle";
		if (pm) {
			f->pgmap = pm->addr;
			OBJ(f, "pgmap %llx (%s)", (unsigned long long)pm->addr, short_type(pm->type));
			snprintf(f->evidence + u, sizeof(f->evidence) - u, "; pgmap %llx (%s) is registered "
				 "with %s: killing it at device removal dereferences the NULL pointer",
				 (unsigned long long)pm->addr, short_type(pm->type),
				 !pm->ref_addr ? "a NULL ref (pgmap->ref)"
				 : pm->ref_state.mode == DT_PREF_EXITED
				 ? "its ref exited (percpu_ref_exit() left ref->data NULL)"
				 : "its ref never initialised (no percpu_count_ptr, no data)");
		}
	} else if (type && strcmp(type, "dax_device") == 0) {
		snprintf(f->evidence + u, sizeof(f->evidence) - u, ": a NULL struct dax_device * "
			 "(fs_dax_get_by_bdev() returns NULL for a block device without DAX)");
		no_daxdev_mounts(c, f->evidence, sizeof(f->evidence));
	}
	if (!pm)
		OBJ(f, "fault address %#llx in %s", (unsigned long long)o.address, o.rip);
	if (type)
		headline(f, "NULL %s dereferenced in %s", type, o.func);
	else
		headline(f, "small-address fault in %s", o.func);
}

/* ------------------------------------------------------------------ all */

int dt_check_all(const struct dt_target *t, const struct dt_layout *l, struct dt_report *r)
{
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < dt_nr_checks && i < 64; i++) {
		r->state[r->nstate].check = &dt_checks[i];
		snprintf(r->state[r->nstate].note, sizeof(r->state[0].note),
			 "not implemented by this front end yet");
		r->nstate++;
	}
	/* a fresh note per check: filled when evaluated or explained */
	for (int i = 0; i < r->nstate; i++)
		r->state[i].note[0] = '\0';
	if (!l || !l->ok)
		return -1;
	struct ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return -1;
	c->t = t, c->l = l, c->r = r;
	c->pms = malloc(sizeof(*c->pms));
	c->maps = calloc(4096, sizeof(*c->maps));
	c->extra = calloc(256, sizeof(*c->extra));
	c->dd = malloc(sizeof(*c->dd));
	c->busy = calloc(DT_BUSY_MAX, sizeof(*c->busy));
	c->locked = calloc(1024, sizeof(*c->locked));
	if (!c->pms || !c->maps || !c->extra || !c->dd || !c->busy || !c->locked)
		goto out;

	uint64_t a;
	if (dt_symbol(t, "zero_pfn", &a) == 0 && dt_read_u64(t, a, &c->zero_pfn) == 0)
		c->zero_known = 1;
	if (dt_symbol(t, "huge_zero_pfn", &a) == 0 && dt_read_u64(t, a, &c->huge_zero_pfn) == 0 &&
	    c->huge_zero_pfn != ~0ULL)
		c->huge_known = 1;
	c->zone_ok = dt_zone_shift(t, &c->zone_shift, &c->zone_bits, &c->node_shift,
				   &c->zone_device) == 0;
	if (dt_enum(t, "PG_reserved", &c->pg_reserved))
		c->pg_reserved = -1;
	if (dt_enum(t, "PG_head", &c->pg_head) || c->pg_head < 0 || c->pg_head > 63)
		c->pg_head = -1;

	if (dt_pgmaps_collect(t, l, c->pms))
		note(c, "pgmaps: %s", c->pms->error);
	r->pgmaps = c->pms->n;
	char err[200];
	if (dt_for_each_dax_inode(t, l, collect_inode, c, err, sizeof(err)))
		note(c, "DAX inodes: %s", err);
	struct dt_mapping **mp = calloc((size_t)(c->nmaps ? c->nmaps : 1), sizeof(*mp));
	if (!mp)
		goto out;
	for (int i = 0; i < c->nmaps; i++)
		mp[i] = &c->maps[i];
	dt_era_choose(l, c->pms, mp, c->nmaps, NULL, &r->era);
	free(mp);

	check_pgmaps(c);
	entry_checks(c);
	memmap_checks(c);
	c->dd_ok = dt_daxdevs_collect(t, l, c->dd) == 0;
	task_checks(c);
	device_checks(c);
	oops_checks(c);
	not_evaluated(c, "CHK-T6", "dirty/towrite marks are not read yet");
	not_evaluated(c, "CHK-P5", "compound consistency is not checked yet");
	not_evaluated(c, "CHK-I2", "raw block-device DAX (<= 4.x) is not looked for");
	not_evaluated(c, "CHK-I1", "no S_DAX inode on a superblock whose dax_device pointer is known");
out:
	for (int i = 0; i < c->nmaps; i++)
		dt_mapping_free(&c->maps[i]);
	for (int i = 0; i < c->nextra; i++)
		if (c->extra[i].nr >= 0)
			dt_mapping_free(&c->extra[i]);
	free(c->pms), free(c->maps), free(c->extra), free(c->dd), free(c->busy), free(c->locked);
	free(c->tx);
	free(c);
	return 0;
}
