/*
 * memmap.h: struct page decoding and bulk memmap reading.
 *
 * The memmap is read in chunks of DT_MEMMAP_CHUNK struct pages (one readmem each); a chunk
 * that fails is retried per 4 KiB vmemmap page (64 struct pages), so a memmap that is not in
 * the dump (--map=dev, or makedumpfile exclusion) costs one failed read per 64 pages and is
 * counted, never fatal, never a flood.
 */
#ifndef DT_MEMMAP_H
#define DT_MEMMAP_H

#include "pgmap.h"

#define DT_MEMMAP_CHUNK 512

struct dt_page {
	uint64_t pfn, addr;
	uint64_t flags, word1, mapping, index, pgmap;
	int32_t refcount, mapcount_raw;
	int tail;		/* word1 (compound_head) has bit 0 set */
	uint64_t head;		/* the head page (itself unless tail) */
};

void dt_page_decode(const struct dt_layout *l, const unsigned char *b, uint64_t pfn,
		    uint64_t addr, struct dt_page *p);
int dt_pfn_to_page(const struct dt_target *t, const struct dt_layout *l, uint64_t pfn,
		   uint64_t *addr);
/* Read one struct page. */
int dt_page_read(const struct dt_target *t, const struct dt_layout *l, uint64_t pfn,
		 struct dt_page *p);

struct dt_hist_bucket {
	int32_t refcount;
	uint64_t pages;
};

struct dt_census {
	uint64_t start, end;		/* pfns, end exclusive */
	uint64_t pages, unreadable, tails, altmap_skipped;
	uint64_t nonidle_total, nonidle_tails, reads;
	int nr_buckets;
	struct dt_hist_bucket hist[64];
	uint64_t hist_other;		/* refcounts beyond 64 distinct values */
	char unreadable_why[160];
};

/* Called for every page that is not idle by the era's rule; return nonzero to stop. */
typedef int (*dt_census_cb)(void *arg, const struct dt_page *p, int idle_refcount);

/* Census of pfns [start, end) of pgmap pm (altmap-reserved pfns of range 0 are skipped). */
int dt_census_range(const struct dt_target *t, const struct dt_layout *l,
		    const struct dt_pgmap *pm, uint64_t start, uint64_t end, dt_census_cb cb,
		    void *arg, struct dt_census *c);

#endif
