/*
 * page-4.5.h: struct page as v4.5-v4.17 lay it out on x86_64 (SLUB, no debug options),
 * from DepSurf/struct p/page.md (4.8, 4.10, 4.13, 4.15: identical) with the unions of
 * include/linux/mm_types.h.  page->pgmap shares the lru word at offset 0x20 ("mm, dax,
 * pmem: introduce {get|put}_dev_pagemap() for dax-gup", v4.5; memremap list_del()s lru
 * and stores the pgmap there).  Before "mm: rename _count, field of the struct page, to
 * _refcount" (v4.7, mmotm since-4.6 shortlog) the reference count is _count.
 */
#ifndef HISTORY_PAGE_4_5_H
#define HISTORY_PAGE_4_5_H

struct address_space;
struct dev_pagemap;
struct kmem_cache;
struct mem_cgroup;

struct page {
	unsigned long flags;
	union {
		struct address_space *mapping;
		void *s_mem;
		atomic_t compound_mapcount;
	};
	union {
		pgoff_t index;
		void *freelist;
	};
	union {
		unsigned long counters;
		struct {
			union {
				atomic_t _mapcount;
				unsigned int active;
				struct {
					unsigned inuse:16;
					unsigned objects:15;
					unsigned frozen:1;
				};
				int units;
			};
#ifdef PAGE_REFCOUNT_IS_COUNT
			atomic_t _count;
#else
			atomic_t _refcount;
#endif
		};
	};
	union {
		struct list_head lru;
		struct dev_pagemap *pgmap;
		struct {
			struct page *next;
			int pages;
			int pobjects;
		};
		struct callback_head callback_head;
		struct {
			unsigned long compound_head;
			unsigned int compound_dtor;
			unsigned int compound_order;
		};
		struct {
			unsigned long __pad;
			void *pmd_huge_pte;
		};
	};
	union {
		unsigned long private;
		spinlock_t ptl;
		struct kmem_cache *slab_cache;
	};
	struct mem_cgroup *mem_cgroup;
};

#endif
