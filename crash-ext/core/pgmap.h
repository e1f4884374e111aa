/*
 * pgmap.h: enumerate every struct dev_pagemap and read its state.
 * Registry: pgmap_array (XArray keyed by pfn, multi-index ranges from xa_store_range), or
 * pgmap_radix on kernels before the XArray conversion (kernel-facts C.3).
 */
#ifndef DT_PGMAP_H
#define DT_PGMAP_H

#include "percpu_ref.h"
#include "refmodel.h"
#include "devmem.h"

#define DT_PGMAP_MAX 64
#define DT_PGMAP_ALTMAP_VALID 1u	/* PGMAP_ALTMAP_VALID, include/linux/memremap.h (v5.3+) */

struct dt_pgmap {
	uint64_t addr;
	long type_value;
	enum dt_mtype type;
	uint32_t flags;
	int altmap_valid;
	uint64_t am_base_pfn, am_end_pfn, am_reserve, am_free, am_align, am_alloc;
	uint64_t altmap_offset;		/* vmem_altmap_offset(): reserve + free */
	unsigned vmemmap_shift;
	uint64_t ops, owner;
	uint32_t done;			/* completion.done */
	int nr_range;			/* as stored */
	uint64_t start[DT_MAX_RANGES], end[DT_MAX_RANGES];	/* struct range: end inclusive */
	uint64_t pfn_first[DT_MAX_RANGES], pfn_end[DT_MAX_RANGES];
	uint64_t reg_first, reg_last;	/* lowest/highest pfn of the registry slots naming it */
	uint64_t reg_pfns;		/* pfns the registry maps to it */
	uint64_t ref_addr;
	int ref_read;
	char ref_error[120];
	struct dt_pref_raw ref;
	struct dt_pref_state ref_state;
	struct dt_devmem devmem;	/* device-private census, P2PDMA provider and pool */
	struct dt_expect expect;
	const char *verdict;
};

struct dt_pgmap_set {
	int n;
	int truncated;
	unsigned registry_errors;
	char error[240];
	struct dt_pgmap pm[DT_PGMAP_MAX];
};

/* Walk the registry and read every pgmap. Returns 0, or -1 with set->error. */
int dt_pgmaps_collect(const struct dt_target *t, const struct dt_layout *l,
		      struct dt_pgmap_set *set);
/* Read one pgmap at addr into pm (also usable for a pgmap not in the registry). */
int dt_pgmap_read(const struct dt_target *t, const struct dt_layout *l, uint64_t addr,
		  struct dt_pgmap *pm, char *err, size_t errlen);
/* The pgmap whose ranges hold pfn, or NULL. */
const struct dt_pgmap *dt_pgmap_of_pfn(const struct dt_pgmap_set *set, uint64_t pfn);

#endif
