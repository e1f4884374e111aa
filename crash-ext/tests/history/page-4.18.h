/*
 * page-4.18.h: struct page after Matthew Wilcox's struct page rework (v4.18), x86_64, from
 * DepSurf/struct p/page.md (4.18) with the unions of include/linux/mm_types.h: the
 * ZONE_DEVICE struct puts pgmap at offset 8 (with hmm_data, v4.18-v5.2), mapping stays at
 * 0x18 and index at 0x20; _mapcount 0x30, _refcount 0x34.  The slab and page-table
 * structs of the first union are left out (daxtriage does not read them).
 */
#ifndef HISTORY_PAGE_4_18_H
#define HISTORY_PAGE_4_18_H

struct address_space;
struct dev_pagemap;
struct mem_cgroup;

struct page {
	unsigned long flags;
	union {
		struct {	/* page cache and anonymous pages */
			struct list_head lru;
			struct address_space *mapping;
			pgoff_t index;
			unsigned long private;
		};
		struct {	/* tail pages of compound page */
			unsigned long compound_head;
			unsigned char compound_dtor;
			unsigned char compound_order;
			atomic_t compound_mapcount;
		};
		struct {	/* ZONE_DEVICE pages */
			struct dev_pagemap *pgmap;
			unsigned long hmm_data;
			unsigned long _zd_pad_1;
		};
		struct callback_head callback_head;
	};
	union {
		atomic_t _mapcount;
		unsigned int page_type;
		unsigned int active;
		int units;
	};
	atomic_t _refcount;
	struct mem_cgroup *mem_cgroup;
};

#endif
