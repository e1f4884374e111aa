/* pgmap.c: dev_pagemap enumeration and state (see pgmap.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pgmap.h"
#include "tree.h"

#define PAGE_SHIFT 12
#define DT_PHYS_LIMIT (1ULL << 52)	/* MAX_PHYSMEM_BITS, 5-level paging */

int dt_pgmap_read(const struct dt_target *t, const struct dt_layout *l, uint64_t addr,
		  struct dt_pgmap *pm, char *err, size_t errlen)
{
	memset(pm, 0, sizeof(*pm));
	pm->addr = addr;
	pm->verdict = "n/a";
	if (l->pm_size <= 0 || l->pm_size > 4096) {
		snprintf(err, errlen, "no struct dev_pagemap layout in debuginfo");
		return -1;
	}
	unsigned char b[4096];
	if (!dt_kptr_ok(addr, 8) || dt_read(t, addr, b, (size_t)l->pm_size)) {
		snprintf(err, errlen, "dev_pagemap %#llx not readable", (unsigned long long)addr);
		return -1;
	}
	/* enum memory_type arrived with HMM (v4.14); before it every pgmap is host memory */
	pm->type_value = l->pm_type >= 0 ? (long)(int32_t)dt_get_u32(b, l->pm_type) : -1;
	pm->type = l->pm_type >= 0 ? dt_mtype_of(l, pm->type_value) : DT_MT_UNKNOWN;
	if (l->pm_flags >= 0)
		pm->flags = dt_get_u32(b, l->pm_flags);
	if (l->pm_vmemmap_shift >= 0)
		pm->vmemmap_shift = (unsigned)dt_get_u64(b, l->pm_vmemmap_shift);
	if (l->pm_ops >= 0)
		pm->ops = dt_get_u64(b, l->pm_ops);
	if (l->pm_owner >= 0)
		pm->owner = dt_get_u64(b, l->pm_owner);
	if (l->pm_done >= 0 && l->completion_done >= 0)
		pm->done = dt_get_u32(b, l->pm_done + l->completion_done);
	if (l->pm_altmap >= 0 && l->am_reserve >= 0) {
		/*
		 * Valid when PGMAP_ALTMAP_VALID is in flags (v5.3+), when the bool altmap_valid
		 * is set (v4.16-v5.2), or when the altmap pointer is not NULL (<= v4.15: the
		 * kernel's pfn_first() then adds vmem_altmap_offset()).
		 */
		const unsigned char *am = b + l->pm_altmap;
		unsigned char ab[64];
		long am_end = l->am_alloc > l->am_free ? l->am_alloc + 8 : l->am_free + 8;
		if (l->pm_flags >= 0) {
			pm->altmap_valid = (pm->flags & DT_PGMAP_ALTMAP_VALID) != 0;
		} else if (l->pm_altmap_is_ptr) {
			uint64_t ap = dt_get_u64(b, l->pm_altmap);
			am = NULL;
			if (ap && (am_end > (long)sizeof(ab) || !dt_kptr_ok(ap, 8) ||
				   dt_read(t, ap, ab, (size_t)am_end))) {
				snprintf(err, errlen, "dev_pagemap %#llx: altmap %#llx not readable",
					 (unsigned long long)addr, (unsigned long long)ap);
				return -1;
			}
			if (ap)
				am = ab;
			pm->altmap_valid = ap != 0;
		} else if (l->pm_altmap_valid >= 0) {
			pm->altmap_valid = dt_get_u8(b, l->pm_altmap_valid) != 0;
		} else {
			am = NULL;
		}
		if (am) {
			pm->am_base_pfn = dt_get_u64(am, l->am_base_pfn);
			if (l->am_end_pfn >= 0)
				pm->am_end_pfn = dt_get_u64(am, l->am_end_pfn);
			pm->am_reserve = dt_get_u64(am, l->am_reserve);
			pm->am_free = dt_get_u64(am, l->am_free);
			pm->am_align = dt_get_u64(am, l->am_align);
			pm->am_alloc = dt_get_u64(am, l->am_alloc);
		}
		if (pm->altmap_valid)
			pm->altmap_offset = pm->am_reserve + pm->am_free;
	}
	/* ranges */
	if (l->pm_nr_range >= 0 && l->pm_range >= 0 && l->range_size > 0) {
		int nr = (int)dt_get_u32(b, l->pm_nr_range);
		pm->nr_range = nr;
		for (int i = 0; i < nr && i < DT_MAX_RANGES; i++) {
			uint64_t ra = addr + (uint64_t)l->pm_range + (uint64_t)(i * l->range_size);
			if (dt_read_u64(t, ra + (uint64_t)l->range_start, &pm->start[i]) ||
			    dt_read_u64(t, ra + (uint64_t)l->range_end, &pm->end[i])) {
				snprintf(err, errlen, "dev_pagemap %#llx range %d not readable",
					 (unsigned long long)addr, i);
				return -1;
			}
		}
	} else if (l->pm_res >= 0 && l->res_start >= 0) {
		uint64_t ra = addr + (uint64_t)l->pm_res;
		if (l->pm_res_is_ptr) {
			/* <= v4.15: const struct resource *res (embedded from v4.16) */
			if (dt_read_u64(t, ra, &ra))
				ra = 0;
		}
		pm->nr_range = 1;
		if (!ra || dt_read_u64(t, ra + (uint64_t)l->res_start, &pm->start[0]) ||
		    dt_read_u64(t, ra + (uint64_t)l->res_end, &pm->end[0])) {
			snprintf(err, errlen, "dev_pagemap %#llx resource not readable",
				 (unsigned long long)addr);
			return -1;
		}
	}
	int nr = pm->nr_range < DT_MAX_RANGES ? pm->nr_range : DT_MAX_RANGES;
	for (int i = 0; i < nr; i++) {
		/* A corrupt range would send the memmap census over up to 2^52 pfns: physical
		 * addresses end below 2^MAX_PHYSMEM_BITS (52 with 5-level paging,
		 * arch/x86/include/asm/sparsemem.h), and struct range's end is inclusive
		 * (include/linux/range.h).  Refused as the drgn front end does (pgmap.py). */
		if (pm->start[i] > pm->end[i] || pm->end[i] >= DT_PHYS_LIMIT) {
			snprintf(err, errlen, "dev_pagemap %#llx range %d %#llx-%#llx is not a physical "
				 "address range", (unsigned long long)addr, i,
				 (unsigned long long)pm->start[i], (unsigned long long)pm->end[i]);
			return -1;
		}
		pm->pfn_first[i] = (pm->start[i] >> PAGE_SHIFT) + (i == 0 ? pm->altmap_offset : 0);
		pm->pfn_end[i] = (pm->end[i] + 1) >> PAGE_SHIFT;
	}

	/* the reference */
	if (l->pm_ref >= 0) {
		pm->ref_addr = addr + (uint64_t)l->pm_ref;
		if (l->pm_ref_is_ptr)
			pm->ref_addr = dt_get_u64(b, l->pm_ref);
		if (!pm->ref_addr) {
			snprintf(pm->ref_error, sizeof(pm->ref_error),
				 "pgmap->ref is NULL (the seed 001 state)");
		} else if (dt_pref_read(t, l, pm->ref_addr, &pm->ref, pm->ref_error,
					sizeof(pm->ref_error)) == 0) {
			pm->ref_read = 1;
			dt_pref_evaluate(&pm->ref, &pm->ref_state);
		}
	}
	struct dt_model_in in = { .model = l->refmodel, .type = pm->type,
				  .dead = pm->ref_read && (pm->ref.percpu_count_ptr & DT_PERCPU_REF_DEAD),
				  .ref_internal = l->pm_ref_is_ptr && l->pm_internal_ref >= 0 &&
						  pm->ref_addr == addr + (uint64_t)l->pm_internal_ref,
				  .nr_range = nr, .vmemmap_shift = pm->vmemmap_shift };
	memcpy(in.pfn_first, pm->pfn_first, sizeof(in.pfn_first));
	memcpy(in.pfn_end, pm->pfn_end, sizeof(in.pfn_end));
	/* device-private: allocated pages; P2PDMA: the provider's pool (devmem.h) */
	dt_devmem_read(t, l, pm, &pm->devmem);
	in.allocated_pages = pm->devmem.allocated;
	in.p2p_pool_known = pm->devmem.p2p_read;
	in.p2p_pool_pages = (pm->devmem.pool_bytes - pm->devmem.pool_avail) >> PAGE_SHIFT;
	dt_expected_pgmap_count(&in, &pm->expect);
	pm->verdict = dt_count_verdict(&pm->expect, pm->ref_read && pm->ref_state.count_known,
				       pm->ref_state.true_count);
	return 0;
}

struct collect {
	struct dt_pgmap_set *set;
	uint64_t addrs[DT_PGMAP_MAX];
	uint64_t first[DT_PGMAP_MAX], last[DT_PGMAP_MAX], pfns[DT_PGMAP_MAX];
	int n;
	long value_off;		/* pgmap_radix values may be struct page_map * */
};

static int collect_cb(void *arg, uint64_t index, uint64_t nr, uint64_t raw, enum dt_slot kind,
		      uint64_t node, int slot)
{
	struct collect *c = arg;
	(void)node;
	(void)slot;
	if (kind != DT_SLOT_POINTER) {
		c->set->registry_errors++;
		return 0;
	}
	uint64_t a = raw + (uint64_t)c->value_off;
	int i;
	for (i = 0; i < c->n; i++)
		if (c->addrs[i] == a)
			break;
	if (i == c->n) {
		if (c->n == DT_PGMAP_MAX) {
			c->set->truncated = 1;
			return 0;
		}
		c->addrs[c->n] = a;
		c->first[c->n] = index;
		c->last[c->n] = index + nr - 1;
		c->n++;
	}
	if (index < c->first[i])
		c->first[i] = index;
	if (index + nr - 1 > c->last[i])
		c->last[i] = index + nr - 1;
	c->pfns[i] += nr;
	return 0;
}

int dt_pgmaps_collect(const struct dt_target *t, const struct dt_layout *l,
		      struct dt_pgmap_set *set)
{
	memset(set, 0, sizeof(*set));
	struct collect *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(set->error, sizeof(set->error), "out of memory");
		return -1;
	}
	c->set = set;
	struct dt_walk_stats st;
	struct dt_walk_limits lim = { .max_nodes = 1u << 16, .max_depth = 12 };
	int rc;
	if (l->pgmap_array) {
		rc = dt_tree_walk(t, l, DT_CONT_XARRAY, l->pgmap_array, &lim, collect_cb, c, &st);
	} else if (l->pgmap_radix) {
		/* <= v4.15 the radix holds struct page_map * with the pgmap inside */
		long po = t->member_offset ? t->member_offset(t->ctx, "page_map", "pgmap") : -1;
		c->value_off = po > 0 ? po : 0;
		rc = dt_tree_walk(t, l, DT_CONT_RADIX, l->pgmap_radix, &lim, collect_cb, c, &st);
	} else {
		snprintf(set->error, sizeof(set->error), "no pgmap registry (pgmap_array/pgmap_radix)");
		free(c);
		return -1;
	}
	if (rc)
		snprintf(set->error, sizeof(set->error), "pgmap registry walk: %.200s", st.error);
	for (int i = 0; i < c->n; i++) {
		struct dt_pgmap *pm = &set->pm[set->n];
		char err[160];
		if (dt_pgmap_read(t, l, c->addrs[i], pm, err, sizeof(err))) {
			if (!set->error[0])
				snprintf(set->error, sizeof(set->error), "%s", err);
			continue;
		}
		pm->reg_first = c->first[i];
		pm->reg_last = c->last[i];
		pm->reg_pfns = c->pfns[i];
		set->n++;
	}
	free(c);
	return rc ? -1 : 0;
}

const struct dt_pgmap *dt_pgmap_of_pfn(const struct dt_pgmap_set *set, uint64_t pfn)
{
	for (int i = 0; i < set->n; i++) {
		const struct dt_pgmap *pm = &set->pm[i];
		for (int r = 0; r < pm->nr_range && r < DT_MAX_RANGES; r++)
			if (pfn >= (pm->start[r] >> PAGE_SHIFT) && pfn <= (pm->end[r] >> PAGE_SHIFT))
				return pm;
	}
	return NULL;
}
