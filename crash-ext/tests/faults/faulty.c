/* faulty.c: the fault-injecting target (see faulty.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "faulty.h"

struct centry {
	uint64_t addr;
	size_t len;		/* 0: free slot */
	int ok;
	unsigned char *b;
};

struct tread {
	uint64_t addr;
	size_t len;
};

struct faulty {
	struct dt_target inner;
	/* cache of the inner target's answers, open addressing on (addr, len) */
	struct centry *c;
	size_t ccap, cn;
	/* the clean run's distinct successful reads, in order */
	int tracing;
	struct tread *tr;
	int ntr, captr;
	struct fault f[FAULTY_MAX_FAULTS];
	int nf;
	uint64_t reads, max_reads;
	void (*on_runaway)(void);
};

static size_t chash(uint64_t addr, size_t len, size_t cap)
{
	/* splitmix64's finaliser: aligned addresses must spread over the low bits too */
	uint64_t z = addr ^ (len * 0xc2b2ae3d27d4eb4fULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (size_t)(z ^ (z >> 31)) & (cap - 1);
}

static struct centry *cfind(struct faulty *fy, uint64_t addr, size_t len)
{
	size_t h = chash(addr, len, fy->ccap);
	while (fy->c[h].len) {
		if (fy->c[h].addr == addr && fy->c[h].len == len)
			return &fy->c[h];
		h = (h + 1) & (fy->ccap - 1);
	}
	return &fy->c[h];	/* the free slot for it */
}

static void cgrow(struct faulty *fy)
{
	struct centry *old = fy->c;
	size_t oldcap = fy->ccap;
	fy->ccap = oldcap ? oldcap * 2 : 4096;
	fy->c = calloc(fy->ccap, sizeof(*fy->c));
	if (!fy->c)
		abort();
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].len)
			*cfind(fy, old[i].addr, old[i].len) = old[i];
	free(old);
}

/* The inner target's answer for [addr, addr+len), cached. */
static int inner_read(struct faulty *fy, uint64_t addr, enum dt_space sp, void *buf, size_t len)
{
	if (len > (1u << 20))
		return fy->inner.read(fy->inner.ctx, addr, sp, buf, len);
	if (2 * (fy->cn + 1) > fy->ccap)
		cgrow(fy);
	struct centry *e = cfind(fy, addr, len);
	if (!e->len) {
		e->b = malloc(len);
		if (!e->b)
			abort();
		e->ok = fy->inner.read(fy->inner.ctx, addr, sp, e->b, len) == 0;
		if (!e->ok) {
			free(e->b);
			e->b = NULL;
		}
		e->addr = addr;
		e->len = len;
		fy->cn++;
	}
	if (!e->ok)
		return -1;
	memcpy(buf, e->b, len);
	return 0;
}

static int overlaps(uint64_t a, size_t alen, uint64_t b, size_t blen)
{
	return a < b + blen && b < a + alen;
}

static int fy_read(void *ctx, uint64_t addr, enum dt_space sp, void *buf, size_t len)
{
	struct faulty *fy = ctx;
	if (++fy->reads > fy->max_reads && fy->on_runaway)
		fy->on_runaway();
	for (int i = 0; i < fy->nf; i++)
		if (fy->f[i].kind == FAULT_HOLE && overlaps(addr, len, fy->f[i].addr, fy->f[i].len))
			return -1;
	if (inner_read(fy, addr, sp, buf, len))
		return -1;
	unsigned char *b = buf;
	for (int i = 0; i < fy->nf; i++) {
		const struct fault *f = &fy->f[i];
		if (f->kind == FAULT_HOLE)
			continue;
		size_t flen = f->kind == FAULT_FLIP ? 1 : f->len;
		for (size_t k = 0; k < flen; k++) {
			uint64_t a = f->addr + k;
			if (a < addr || a >= addr + len)
				continue;
			if (f->kind == FAULT_FLIP)
				b[a - addr] ^= (unsigned char)(1u << (f->value & 7));
			else
				b[a - addr] = (unsigned char)(f->value >> (8 * k));
		}
	}
	if (fy->tracing && fy->nf == 0) {
		/* distinct reads only: the cache entry remembers it was traced via the low bit of ok */
		struct centry *e = cfind(fy, addr, len);
		if (len <= (1u << 20) && e->len && !(e->ok & 2)) {
			e->ok |= 2;
			if (fy->ntr == fy->captr) {
				fy->captr = fy->captr ? 2 * fy->captr : 1024;
				fy->tr = realloc(fy->tr, (size_t)fy->captr * sizeof(*fy->tr));
				if (!fy->tr)
					abort();
			}
			fy->tr[fy->ntr++] = (struct tread){ addr, len };
		}
	}
	return 0;
}

/* debuginfo passes through */
static int fy_symbol(void *ctx, const char *name, uint64_t *addr)
{
	struct faulty *fy = ctx;
	return fy->inner.symbol(fy->inner.ctx, name, addr);
}
static long fy_off(void *ctx, const char *t, const char *m)
{
	struct faulty *fy = ctx;
	return fy->inner.member_offset(fy->inner.ctx, t, m);
}
static long fy_msize(void *ctx, const char *t, const char *m)
{
	struct faulty *fy = ctx;
	return fy->inner.member_size(fy->inner.ctx, t, m);
}
static long fy_tsize(void *ctx, const char *t)
{
	struct faulty *fy = ctx;
	return fy->inner.type_size(fy->inner.ctx, t);
}
static int fy_enum(void *ctx, const char *name, long *v)
{
	struct faulty *fy = ctx;
	return fy->inner.enum_value(fy->inner.ctx, name, v);
}
static const char *fy_symname(void *ctx, uint64_t addr, char *buf, size_t len)
{
	struct faulty *fy = ctx;
	return fy->inner.symbol_name ? fy->inner.symbol_name(fy->inner.ctx, addr, buf, len) : NULL;
}
static int fy_pfn_to_page(void *ctx, uint64_t pfn, uint64_t *page)
{
	struct faulty *fy = ctx;
	return fy->inner.pfn_to_page ? fy->inner.pfn_to_page(fy->inner.ctx, pfn, page) : -1;
}

struct faulty *faulty_new(const struct dt_target *inner)
{
	struct faulty *fy = calloc(1, sizeof(*fy));
	if (!fy)
		abort();
	fy->inner = *inner;
	fy->max_reads = UINT64_MAX;
	cgrow(fy);
	return fy;
}

void faulty_free(struct faulty *fy)
{
	if (!fy)
		return;
	for (size_t i = 0; i < fy->ccap; i++)
		free(fy->c[i].b);
	free(fy->c);
	free(fy->tr);
	free(fy);
}

void faulty_target(struct faulty *fy, struct dt_target *t)
{
	memset(t, 0, sizeof(*t));
	t->ctx = fy;
	t->read = fy_read;
	t->symbol = fy_symbol;
	t->member_offset = fy_off;
	t->member_size = fy_msize;
	t->type_size = fy_tsize;
	t->enum_value = fy_enum;
	t->symbol_name = fy_symname;
	t->pfn_to_page = fy_pfn_to_page;
	/* possible_cpus / percpu_offset: left NULL, so the core reads __cpu_possible_mask and
	 * __per_cpu_offset from memory, where faults can reach them */
}

void faulty_trace_start(struct faulty *fy)
{
	for (size_t i = 0; i < fy->ccap; i++)
		fy->c[i].ok &= 1;
	fy->ntr = 0;
	fy->nf = 0;
	fy->reads = 0;
	fy->tracing = 1;
}

void faulty_trace_stop(struct faulty *fy)
{
	fy->tracing = 0;
}

int faulty_trace_len(const struct faulty *fy)
{
	return fy->ntr;
}

void faulty_set(struct faulty *fy, const struct fault *f, int n)
{
	fy->nf = n < FAULTY_MAX_FAULTS ? n : FAULTY_MAX_FAULTS;
	memcpy(fy->f, f, (size_t)fy->nf * sizeof(*f));
	fy->reads = 0;
}

uint64_t faulty_reads(const struct faulty *fy)
{
	return fy->reads;
}

void faulty_watchdog(struct faulty *fy, uint64_t max_reads, void (*on_runaway)(void))
{
	fy->max_reads = max_reads;
	fy->on_runaway = on_runaway;
}

/* ------------------------------------------------------------------ generation */

static uint64_t next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned pick(uint64_t *s, unsigned n)
{
	return n ? (unsigned)(next(s) % n) : 0;
}

/* the traced bytes of read i (from the cache) */
static const unsigned char *trace_bytes(struct faulty *fy, int i)
{
	struct centry *e = cfind(fy, fy->tr[i].addr, fy->tr[i].len);
	return e->len && (e->ok & 1) ? e->b : NULL;
}

static uint64_t word_at(const unsigned char *b, size_t off, size_t len)
{
	uint64_t v = 0;
	for (size_t k = 0; k < len; k++)
		v |= (uint64_t)b[off + k] << (8 * k);
	return v;
}

/* A kernel pointer value read before trace entry i (an ancestor, an earlier list element),
 * or the address of an earlier read; 0 if none. */
static uint64_t earlier_pointer(struct faulty *fy, uint64_t *s, int i)
{
	for (int tries = 0; tries < 8 && i > 0; tries++) {
		int j = (int)pick(s, (unsigned)i);
		const unsigned char *b = trace_bytes(fy, j);
		size_t n = fy->tr[j].len / 8;
		if (b && n) {
			size_t k = pick(s, (unsigned)(n < 4096 ? n : 4096));
			uint64_t v = word_at(b, 8 * k, 8);
			if (dt_kptr_ok(v & ~7ULL, 8))
				return v;
		}
		if (tries == 7)
			return fy->tr[j].addr;
	}
	return 0;
}

/* A replacement for the pointer-sized word orig at addr inside read i. */
static uint64_t bad_pointer(struct faulty *fy, uint64_t *s, int i, uint64_t addr, uint64_t orig,
			    char *what, size_t wlen)
{
	uint64_t tag = orig & 3, v;
	switch (pick(s, 9)) {
	case 0:
		snprintf(what, wlen, "random");
		return next(s);
	case 1:
		snprintf(what, wlen, "non-canonical");
		return 0x0000800000000000ULL | (next(s) & 0x00007ffffffffff8ULL) | tag;
	case 2:
		snprintf(what, wlen, "NULL");
		return 0;
	case 3:
		snprintf(what, wlen, "unmapped kernel address");
		return 0xffffc90000000000ULL + (next(s) & 0x0000fffffffff000ULL) + (orig & 0xfff);
	case 4:
		snprintf(what, wlen, "misaligned");
		return orig + 1 + pick(s, 7);
	case 5:
		snprintf(what, wlen, "self (the word's own address)");
		return addr | tag;
	case 6:
		snprintf(what, wlen, "self (the object's address)");
		return fy->tr[i].addr | tag;
	default:
		v = earlier_pointer(fy, s, i);
		snprintf(what, wlen, "earlier pointer %#llx (cycle)", (unsigned long long)v);
		return (v & ~3ULL) | tag;
	}
}

static uint64_t bad_count(uint64_t *s, uint64_t orig, size_t len)
{
	static const uint64_t special[] = { 0, 1, 0x7f, 0x80, 0xff, 0x7fffffff, 0x80000000,
					    0xffffffff, 0x7fffffffffffffffULL,
					    0x8000000000000000ULL, ~0ULL };
	uint64_t v;
	switch (pick(s, 4)) {
	case 0:
		v = special[pick(s, sizeof(special) / sizeof(special[0]))];
		break;
	case 1:
		v = orig + 1 - 2 * pick(s, 2);
		break;
	case 2:
		v = orig ^ (1ULL << pick(s, (unsigned)(8 * len)));
		break;
	default:
		v = next(s);
	}
	return len == 8 ? v : v & ((1ULL << (8 * len)) - 1);
}

struct field {
	const char *name;
	long off;
	size_t len;
	int ptr;
};

/* The typed fields of read i, per the layout; returns how many (0: untyped). */
static int typed_fields(const struct dt_layout *l, size_t len, struct field *fl,
			const char **type)
{
	int n = 0;
#define F(nm, o, sz, p)                                              \
	do {                                                         \
		if ((o) >= 0)                                        \
			fl[n++] = (struct field){ nm, (o), (sz), (p) }; \
	} while (0)
	if (l->n_size > 0 && (long)len == l->n_size) {
		*type = "xa_node";
		F("shift", l->n_shift, 1, 0);
		F("offset", l->n_offset, 1, 0);
		F("count", l->n_count, 1, 0);
		F("parent", l->n_parent, 8, 1);
		F("array", l->n_array, 8, 1);
		for (int k = 0; k < 6; k++)
			F("slots[]", l->n_slots + 8L * (k * 13 % l->chunk_size), 8, 1);
	} else if (l->pm_size > 0 && (long)len == l->pm_size) {
		*type = "dev_pagemap";
		F("type", l->pm_type, 4, 0);
		F("flags", l->pm_flags, 4, 0);
		F("vmemmap_shift", l->pm_vmemmap_shift, 8, 0);
		F("nr_range", l->pm_nr_range, 4, 0);
		if (l->pm_range >= 0) {
			F("range.start", l->pm_range + l->range_start, 8, 0);
			F("range.end", l->pm_range + l->range_end, 8, 0);
		}
		F("ref", l->pm_ref, 8, l->pm_ref_is_ptr);
		if (l->pm_ref >= 0 && !l->pm_ref_is_ptr && l->pr_data >= 0)
			F("ref.data", l->pm_ref + l->pr_data, 8, 1);
		if (l->pm_ref >= 0 && !l->pm_ref_is_ptr && l->pr_pcp >= 0)
			F("ref.percpu_count_ptr", l->pm_ref + l->pr_pcp, 8, 1);
		if (l->pm_altmap >= 0 && l->am_reserve >= 0)
			F("altmap.reserve", l->pm_altmap + l->am_reserve, 8, 0);
		if (l->pm_altmap >= 0 && l->am_free >= 0)
			F("altmap.free", l->pm_altmap + l->am_free, 8, 0);
		F("ops", l->pm_ops, 8, 1);
		F("owner", l->pm_owner, 8, 1);
	} else if (l->page_size > 0 && len >= (size_t)l->page_size && len % (size_t)l->page_size == 0) {
		*type = "page";
		F("flags", l->pg_flags, 8, 0);
		F("compound_head", l->pg_compound_head, 8, 1);
		F("mapping", l->pg_mapping, 8, 1);
		F("index", l->pg_index, 8, 0);
		F("pgmap", l->pg_pgmap, 8, 1);
		F("_refcount", l->pg_refcount, 4, 0);
		F("_mapcount", l->pg_mapcount, 4, 0);
	}
#undef F
	return n;
}

int faulty_generate(struct faulty *fy, const struct dt_layout *l, uint64_t seed,
		    struct fault *out)
{
	uint64_t s = seed;
	if (!fy->ntr)
		return 0;
	int nf = pick(&s, 10) < 7 ? 1 : 2 + (int)pick(&s, 3);
	for (int k = 0; k < nf; k++) {
		struct fault *f = &out[k];
		memset(f, 0, sizeof(*f));
		int i = (int)pick(&s, (unsigned)fy->ntr);
		const struct tread *r = &fy->tr[i];
		const unsigned char *b = trace_bytes(fy, i);
		unsigned how = pick(&s, 20);
		struct field fl[24];
		const char *type = NULL;
		int nfl = 0;
		/* typed: find a read of a known type (a few tries), else fall back to untyped */
		if (how < 8) {
			for (int tries = 0; tries < 64 && !nfl; tries++) {
				i = (int)pick(&s, (unsigned)fy->ntr);
				r = &fy->tr[i];
				b = trace_bytes(fy, i);
				nfl = typed_fields(l, r->len, fl, &type);
			}
		}
		char why[64];
		if (!b || how >= 17) {
			/* an excluded page: the read's own bytes, or its whole 4 KiB page */
			f->kind = FAULT_HOLE;
			int page = pick(&s, 2);
			f->addr = page ? r->addr & ~0xfffULL : r->addr;
			f->len = page ? (size_t)(((r->addr + r->len + 0xfff) & ~0xfffULL) - f->addr) : r->len;
			snprintf(f->what, sizeof(f->what), "hole %#llx+%#zx", (unsigned long long)f->addr,
				 f->len);
		} else if (nfl) {
			const struct field *fd = &fl[pick(&s, (unsigned)nfl)];
			size_t base = 0;
			if (!strcmp(type, "page"))	/* one struct page of a memmap chunk */
				base = (size_t)l->page_size * pick(&s, (unsigned)(r->len / (size_t)l->page_size));
			if (base + (size_t)fd->off + fd->len > r->len)
				base = 0;	/* the field lies past the read: its first object */
			if ((size_t)fd->off + fd->len > r->len) {
				f->kind = FAULT_FLIP;
				f->addr = r->addr;
				f->len = 1;
				snprintf(f->what, sizeof(f->what), "bit 0 of byte %#llx",
					 (unsigned long long)f->addr);
				continue;
			}
			uint64_t orig = word_at(b, base + (size_t)fd->off, fd->len);
			f->kind = FAULT_BYTES;
			f->addr = r->addr + base + (uint64_t)fd->off;
			f->len = fd->len;
			if (fd->ptr && !strcmp(fd->name, "compound_head") && pick(&s, 2)) {
				/* a tail naming itself, or another page, as its head */
				uint64_t pg = pick(&s, 2) ? r->addr + base
							  : r->addr + (size_t)l->page_size *
								      pick(&s, (unsigned)(r->len / (size_t)l->page_size));
				f->value = pg | 1;
				snprintf(why, sizeof(why), "head %#llx|1", (unsigned long long)pg);
			} else if (fd->ptr) {
				f->value = bad_pointer(fy, &s, i, f->addr, orig, why, sizeof(why));
			} else {
				f->value = bad_count(&s, orig, fd->len);
				snprintf(why, sizeof(why), "%#llx", (unsigned long long)f->value);
			}
			snprintf(f->what, sizeof(f->what), "%s %#llx.%s = %s", type,
				 (unsigned long long)(r->addr + base), fd->name, why);
		} else if (how < 14 && r->len >= 8) {
			/* any word of the read: a pointer if it looks like one, else a count */
			size_t off = 8 * pick(&s, (unsigned)(r->len / 8 < 65536 ? r->len / 8 : 65536));
			uint64_t orig = word_at(b, off, 8);
			f->kind = FAULT_BYTES;
			f->addr = r->addr + off;
			f->len = 8;
			if (dt_kptr_ok(orig & ~7ULL, 0) || pick(&s, 4) == 0)
				f->value = bad_pointer(fy, &s, i, f->addr, orig, why, sizeof(why));
			else {
				f->value = bad_count(&s, orig, 8);
				snprintf(why, sizeof(why), "%#llx", (unsigned long long)f->value);
			}
			snprintf(f->what, sizeof(f->what), "word %#llx (read %#llx+%#zx) = %s",
				 (unsigned long long)f->addr, (unsigned long long)r->addr, r->len, why);
		} else {
			f->kind = FAULT_FLIP;
			f->addr = r->addr + pick(&s, (unsigned)r->len);
			f->len = 1;
			f->value = pick(&s, 8);
			snprintf(f->what, sizeof(f->what), "bit %llu of byte %#llx",
				 (unsigned long long)f->value, (unsigned long long)f->addr);
		}
	}
	return nf;
}
