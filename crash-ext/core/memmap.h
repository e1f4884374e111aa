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
/*
 * A census stops reading after this many pfns in a row whose struct pages were unreadable and
 * counts the rest of the range unreadable unread: a range end corrupted into terabytes (or an
 * altmap offset, or a memmap that is simply not in the dump) must not cost a failed read per
 * chunk for 2^40 pfns.  2^20 pfns: 4 GiB of device memory, 2048 chunks.
 */
#define DT_MEMMAP_UNREADABLE_RUN (1ULL << 20)

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
	uint64_t unread_from;		/* pfn from which the rest was counted unread (0: none) */
};

/*
 * A window of one 4 KiB vmemmap page (64 struct pages), for walks that visit the struct pages
 * of neighbouring pfns one at a time (the entries of a mapping, in index order, mostly in pfn
 * order): a dump is read in whole pages anyway (a kdump-compressed page is decompressed whole),
 * so one read per vmemmap page instead of one or two per entry costs a scattered walk nothing.
 * A window that does not read falls back to the struct page alone (so a target that holds only
 * some struct pages, like the unit tests' recordings, answers as before).
 */
#define DT_MEMMAP_WINDOW 4096
struct dt_memmap_window {
	uint64_t addr;			/* vmemmap address of the window */
	int state;			/* 0 empty, 1 read, -1 did not read */
	unsigned char buf[DT_MEMMAP_WINDOW];
	unsigned char one[256];		/* a struct page read alone */
	uint64_t reads;
};

/* The bytes of pfn's struct page (and its address), through the window; NULL if not in the
 * dump.  Valid until the next call. */
const unsigned char *dt_memmap_window_get(const struct dt_target *t, const struct dt_layout *l,
					  struct dt_memmap_window *w, uint64_t pfn,
					  uint64_t *addr);

/* Called for every page that is not idle by the era's rule; return nonzero to stop. */
typedef int (*dt_census_cb)(void *arg, const struct dt_page *p, int idle_refcount);

/* Census of pfns [start, end) of pgmap pm (altmap-reserved pfns of range 0 are skipped). */
int dt_census_range(const struct dt_target *t, const struct dt_layout *l,
		    const struct dt_pgmap *pm, uint64_t start, uint64_t end, dt_census_cb cb,
		    void *arg, struct dt_census *c);

#endif
