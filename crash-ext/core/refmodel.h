/*
 * refmodel.h: the era-aware expected reference counts (kernel-facts E.1-E.3).
 *
 *   expected pgmap->ref true count, live pgmap (6.1-6.14):
 *     1 (initial) + sum over ranges of pfn_len(i) [type not PRIVATE/COHERENT]
 *       + pages with refcount > 0 [type PRIVATE/COHERENT] (+ transient holders)
 *   5.17-6.0: the bulk term applies to every type, no per-allocation term.
 *   5.3-5.16: pgmap->ref is a pointer: to &pgmap->internal_ref (device-dax ...): 1 + bulk as
 *     above; to the driver's own ref (pmem: the request queue's q_usage_counter, which also
 *     counts the queue's users): report only.
 *   P2PDMA (6.1 drivers/pci/p2pdma.c pci_alloc_p2pmem): + one per outstanding allocation,
 *     between 1 and the pages allocated from the provider's gen_pool when any are (devmem.h).
 *   killed (DEAD): expected 0; what remains blocks device removal.
 *   pfn_len(i) = (pfn_end - pfn_first) >> vmemmap_shift, where range 0 starts after the
 *   altmap-reserved pfns (mm/memremap.c, 6.1).
 */
#ifndef DT_REFMODEL_H
#define DT_REFMODEL_H

#include "layout.h"

#define DT_MAX_RANGES 16

struct dt_model_in {
	enum dt_refmodel model;
	enum dt_mtype type;
	int dead;
	int ref_internal;	/* pointer era: pgmap->ref == &pgmap->internal_ref (v5.3-v5.16) */
	int nr_range;
	uint64_t pfn_first[DT_MAX_RANGES], pfn_end[DT_MAX_RANGES];	/* end exclusive */
	unsigned vmemmap_shift;
	uint64_t allocated_pages;	/* PRIVATE/COHERENT pages with refcount > 0 */
	int p2p_pool_known;		/* P2PDMA: the provider's gen_pool was read */
	uint64_t p2p_pool_pages;	/* P2PDMA: pages allocated from it */
};

struct dt_expect {
	int applies;		/* the model gives a number for this era and type */
	int64_t expected;
	int64_t expected_max;	/* > expected: any count in [expected, expected_max] is ok */
	int64_t bulk;		/* sum of pfn_len */
	const char *rule;
};

void dt_expected_pgmap_count(const struct dt_model_in *in, struct dt_expect *out);
/* Verdict of true vs expected: "ok", "excess", "deficit", "residual" (dead) or "n/a". */
const char *dt_count_verdict(const struct dt_expect *e, int count_known, int64_t true_count);
/* The refcount of an idle page of this type (head/base page); tails idle at 0. */
int dt_idle_refcount(enum dt_refmodel model, enum dt_mtype type, int tail);

#endif
